//! The records lifecycle on the command line: `delete`, `restore`,
//! `trash`, `purge`, `hold`, `release`, `retention` and `dispose`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};

use super::accounts::recorded;
use arshif::app::lifecycle::{self, Due, Kept, PurgeOptions};
use arshif::app::Actor;
use arshif::archive::Archive;
use arshif::catalog::{Catalog, DocumentRecord, Lifecycle, RetentionFrom};
use arshif::types::DocType;

#[derive(Subcommand, Debug)]
pub enum RecordsCommand {
    /// Move a document to the trash. Search, browse and the viewer then act
    /// as if it were gone (but for administrators) until it is restored;
    /// `purge` removes it for good after 30 days. Refused for a document
    /// under a legal hold.
    Delete {
        /// Document id or a unique prefix of its sha256.
        id: String,
        /// Why (kept with the document, its tombstone and in the audit log).
        #[arg(long)]
        reason: String,
        /// Print the document as it now is, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Bring a document back from the trash as it was (corrections,
    /// sources, review state).
    Restore {
        /// Document id or a unique prefix of its sha256.
        id: String,
        /// Print the document as it now is, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Give a document a better scan: FILE is stored and read, and becomes
    /// what search and the viewer use; the record keeps its id, branch,
    /// corrections and history; the old original stays as an earlier
    /// version (`get --version N`) until the document is purged.
    Rescan {
        /// Document id or a unique prefix of its sha256.
        id: String,
        /// The new scan (PDF, TIFF, PNG or JPEG).
        file: PathBuf,
        /// Print the document as it now is, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The documents in the trash: who deleted each, when and why.
    Trash {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove for good the documents in the trash for at least DAYS days:
    /// their records, index entries, cached page images and originals
    /// (each original only when no other document refers to it). A
    /// tombstone stays in the catalog and the audit log. Held documents
    /// are kept.
    Purge {
        /// Only documents in the trash at least this many days (0: all).
        #[arg(long, value_name = "DAYS", default_value_t = lifecycle::DEFAULT_PURGE_DAYS)]
        older_than: u32,
        /// First write the purged documents as a BagIt bag to this new
        /// folder (nothing is purged if that fails).
        #[arg(long, value_name = "OUT")]
        export: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Put a document under a legal hold (`hold ID --reason TEXT`): it
    /// cannot be deleted, disposed of or purged until released. `hold list`
    /// lists the held documents.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Hold {
        #[command(subcommand)]
        list: Option<HoldList>,
        /// Document id or a unique prefix of its sha256.
        #[arg(required = true)]
        id: Option<String>,
        /// Why (the case, the request), kept with the hold and in the audit log.
        #[arg(long, required = true)]
        reason: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Release a document's legal hold.
    Release {
        /// Document id or a unique prefix of its sha256.
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Retention schedules: how long each type of document is kept.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Move every document whose retention period has ended to the trash,
    /// in one audited action. Without --approve, only shows what it would do.
    Dispose {
        /// The documents due (the only kind there is; required, so that the
        /// command says what it does).
        #[arg(long, required = true)]
        due: bool,
        /// First write the documents as a BagIt bag to this new folder.
        #[arg(long, value_name = "OUT")]
        export: Option<PathBuf>,
        /// Do it (without: a dry run that changes nothing).
        #[arg(long)]
        approve: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum HoldList {
    /// The documents under a legal hold: who placed each, when and why.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Keep documents of TYPE for YEARS years, counted from their own date
    /// (in the calendar it was printed in: a Hijri date counts Hijri years)
    /// or from their import.
    Set {
        /// A document type the archive knows (`arshif type list`).
        doc_type: DocType,
        /// How many years (1 to 200).
        #[arg(long)]
        years: u32,
        /// What the years are counted from.
        #[arg(long, value_enum, default_value = "document-date")]
        from: FromArg,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The retention rules, by type.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The documents whose retention period has ended, with the day it ended.
    Due {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// What a retention period is counted from.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FromArg {
    /// The document's own date (documents with none: their import).
    DocumentDate,
    /// The day it was first imported.
    Imported,
}

impl From<FromArg> for RetentionFrom {
    fn from(f: FromArg) -> Self {
        match f {
            FromArg::DocumentDate => RetentionFrom::DocumentDate,
            FromArg::Imported => RetentionFrom::Imported,
        }
    }
}

fn print_kept(kept: &[Kept]) {
    for k in kept {
        eprintln!("arshif: kept document {}: {}", k.id, k.reason);
    }
}

fn due_json(d: &Due) -> serde_json::Value {
    serde_json::json!({
        "id": d.id, "title": d.title, "doc_type": d.doc_type,
        "counted_from": d.counted_from.to_json(), "calendar": d.calendar.as_str(),
        "ended": d.ended.to_json(), "held": d.held,
    })
}

fn print_document(doc: &DocumentRecord, json: bool, line: String) {
    if json {
        println!("{}", lifecycle::record_json(doc));
    } else {
        println!("{line}");
    }
}

pub fn run(archive: &Archive, command: RecordsCommand) -> Result<ExitCode> {
    let who = Actor::local();
    let mut catalog = archive.catalog()?;
    match command {
        RecordsCommand::Delete { id, reason, json } => {
            let id = catalog.resolve(&id)?;
            let doc = recorded(
                archive,
                lifecycle::delete(archive, &mut *catalog, &who, id, &reason)?,
            )?;
            print_document(
                &doc,
                json,
                format!("Document {id} moved to the trash (restore it with: arshif restore {id})"),
            );
        }
        RecordsCommand::Restore { id, json } => {
            let id = catalog.resolve(&id)?;
            let doc = recorded(
                archive,
                lifecycle::restore(archive, &mut *catalog, &who, id)?,
            )?;
            print_document(&doc, json, format!("Document {id} restored"));
        }
        RecordsCommand::Rescan { id, file, json } => {
            let id = catalog.resolve(&id)?;
            // Read as `ingest` reads: in a reading process of its own.
            let isolation = super::reading_processes(
                arshif::ingest::worker::DEFAULT_PAGE_TIMEOUT,
                arshif::ingest::worker::DEFAULT_MEMORY_LIMIT,
            )?;
            let mut reader = arshif::ingest::worker::reader(
                &isolation,
                &arshif::ocr::OcrConfig::default(),
                &arshif::extract::ExtractConfig::default(),
            );
            let done = recorded(
                archive,
                arshif::app::rescan(archive, &mut *catalog, &who, id, &file, &mut *reader)
                    .with_context(|| format!("{}", file.display()))?,
            )?;
            if json {
                println!("{}", serde_json::to_string(&done.json())?);
            } else {
                let v = done.view.doc.meta.versions.last();
                println!(
                    "Document {id} rescanned: {} pages read; the old original is version {}",
                    done.view.pages.len(),
                    v.map_or(0, |v| v.number)
                );
            }
        }
        RecordsCommand::Trash { json } => {
            let docs = lifecycle::trash(&*catalog)?;
            if json {
                let v: Vec<_> = docs.iter().map(lifecycle::record_json).collect();
                println!("{}", serde_json::json!({ "documents": v }));
            } else {
                for d in &docs {
                    let del = d.meta.deleted.as_ref().expect("in the trash");
                    println!(
                        "{}\t{}\tdeleted {} by {}: {}",
                        d.id,
                        d.title,
                        del.at.format("%Y-%m-%d %H:%M"),
                        del.by,
                        del.reason
                    );
                }
                if docs.is_empty() {
                    println!("The trash is empty");
                }
            }
        }
        RecordsCommand::Purge {
            older_than,
            export,
            json,
        } => {
            let opts = PurgeOptions {
                older_than_days: older_than,
                export,
                ids: None,
            };
            let report = recorded(
                archive,
                lifecycle::purge(archive, &mut *catalog, &who, &opts, chrono::Utc::now())?,
            )?;
            print_kept(&report.kept);
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                for t in &report.purged {
                    println!("Purged document {}\t{}", t.id, t.title);
                }
                println!(
                    "{} documents purged, {} originals removed from the store",
                    report.purged.len(),
                    report.blobs_removed
                );
            }
            if !report.kept.is_empty() {
                return Ok(ExitCode::from(2));
            }
        }
        RecordsCommand::Hold {
            list: Some(HoldList::List { json }),
            ..
        } => {
            let docs = lifecycle::holds(&*catalog)?;
            if json {
                let v: Vec<_> = docs.iter().map(lifecycle::record_json).collect();
                println!("{}", serde_json::json!({ "documents": v }));
            } else {
                for d in &docs {
                    let h = d.meta.hold.as_ref().expect("held");
                    println!(
                        "{}\t{}\theld {} by {}: {}",
                        d.id,
                        d.title,
                        h.at.format("%Y-%m-%d %H:%M"),
                        h.by,
                        h.reason
                    );
                }
            }
        }
        RecordsCommand::Hold {
            list: None,
            id,
            reason,
            json,
        } => {
            let id = catalog.resolve(&id.unwrap_or_default())?;
            let reason = reason.unwrap_or_default();
            let doc = recorded(
                archive,
                lifecycle::hold(&mut *catalog, &who, id, Some(&reason))?,
            )?;
            print_document(&doc, json, format!("Document {id} is under a legal hold"));
        }
        RecordsCommand::Release { id, json } => {
            let id = catalog.resolve(&id)?;
            let doc = recorded(archive, lifecycle::hold(&mut *catalog, &who, id, None)?)?;
            print_document(&doc, json, format!("Document {id} released from its hold"));
        }
        RecordsCommand::Retention { command } => match command {
            RetentionCommand::Set {
                doc_type,
                years,
                from,
                json,
            } => {
                let rule = recorded(
                    archive,
                    lifecycle::set_retention(&mut *catalog, &who, &doc_type, years, from.into())?,
                )?;
                if json {
                    println!("{}", serde_json::json!({ "rule": rule }));
                    return Ok(ExitCode::SUCCESS);
                }
                println!(
                    "{}: kept {} years from its {}",
                    rule.doc_type,
                    rule.years,
                    match rule.from {
                        RetentionFrom::DocumentDate => "date",
                        RetentionFrom::Imported => "import",
                    }
                );
            }
            RetentionCommand::List { json } => {
                let rules = catalog.retention_rules()?;
                if json {
                    println!("{}", serde_json::json!({ "rules": rules }));
                } else {
                    for r in &rules {
                        println!(
                            "{}\t{} years\tfrom {}\tset by {} on {}",
                            r.doc_type,
                            r.years,
                            r.from.as_str(),
                            r.set_by,
                            r.set_at.format("%Y-%m-%d")
                        );
                    }
                }
            }
            RetentionCommand::Due { json } => {
                let today = arshif::calendar::Day::from_naive(chrono::Utc::now().date_naive());
                let due = lifecycle::due(&*catalog, today)?;
                if json {
                    let v: Vec<_> = due.iter().map(due_json).collect();
                    println!("{}", serde_json::json!({ "documents": v }));
                } else {
                    for d in &due {
                        println!(
                            "{}\t{}\t{}\tended {} ({}){}",
                            d.id,
                            d.doc_type,
                            d.title,
                            d.ended,
                            d.ended.hijri(),
                            if d.held { "\theld" } else { "" }
                        );
                    }
                }
            }
        },
        RecordsCommand::Dispose {
            due: _,
            export,
            approve,
            json,
        } => {
            let done = recorded(
                archive,
                lifecycle::dispose(archive, &mut *catalog, &who, export, approve)?,
            )?;
            print_kept(&done.kept);
            if json {
                let v: Vec<_> = done.disposed.iter().map(due_json).collect();
                println!(
                    "{}",
                    serde_json::json!({
                        "approved": done.approved, "documents": v, "kept": done.kept,
                        "exported": done.exported,
                    })
                );
            } else {
                for d in &done.disposed {
                    println!("{}\t{}\t{}\tended {}", d.id, d.doc_type, d.title, d.ended);
                }
                if approve {
                    println!("{} documents moved to the trash", done.disposed.len());
                } else {
                    println!(
                        "{} documents are due; nothing was changed (add --approve to move them to the trash)",
                        done.disposed.len()
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! The command line's arguments: what each command takes, with its help
//! text (clap's derive). `mod.rs` runs them.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

use arshif::ingest::{self, IngestOptions};

use super::{accounts, output, records, types};
use arshif::types::{BranchSlug, DocType};

#[derive(Parser, Debug)]
#[command(
    name = "arshif",
    version,
    about = "أرشيف — a document archive for municipal records"
)]
pub(super) struct Cli {
    /// The archive directory.
    #[arg(
        long,
        global = true,
        env = "ARSHIF_ARCHIVE",
        default_value = "./archive"
    )]
    pub(super) archive: PathBuf,
    /// More logging (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(super) verbose: u8,
    #[command(subcommand)]
    pub(super) command: Command,
}

/// A review state, as `set --review` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum ReviewArg {
    /// What was read is confirmed.
    Done,
    /// Back in the review queue.
    Pending,
}

impl ReviewArg {
    pub(super) fn state(self) -> arshif::catalog::ReviewState {
        match self {
            ReviewArg::Done => arshif::catalog::ReviewState::Done,
            ReviewArg::Pending => arshif::catalog::ReviewState::Pending,
        }
    }
}

/// What starts a new document in a batch scan (`ingest --split`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SplitArg {
    /// A new document starts after every blank page (the blank page is
    /// dropped; scanner specks and a grey tint still count as blank).
    Blank,
    /// A new document starts at every arshif separator sheet (the sheet is
    /// dropped); print it with `arshif separator -o sheet.pdf`.
    Sheet,
}

impl From<SplitArg> for ingest::SplitMode {
    fn from(a: SplitArg) -> Self {
        match a {
            SplitArg::Blank => ingest::SplitMode::Blank,
            SplitArg::Sheet => ingest::SplitMode::Sheet,
        }
    }
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Create a new, empty archive: self-contained (the default), or a
    /// node of a shared archive with --catalog and --store.
    Init {
        /// The shared catalog and work queue: postgres://USER@HOST[:PORT]/DATABASE
        /// (a password is taken from PGPASSWORD and never written to disk).
        #[arg(long, requires = "store")]
        catalog: Option<String>,
        /// The shared originals: s3://BUCKET[/PREFIX]. Settings from
        /// AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.
        #[arg(long, requires = "catalog")]
        store: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import files and folders (folders are walked recursively).
    Ingest {
        /// Branch municipality the files belong to, e.g. hofuf.
        #[arg(long)]
        branch: Option<BranchSlug>,
        /// Document type, one the archive knows (`arshif type list`), e.g.
        /// licence, health-certificate, violation-report, letter, circular.
        #[arg(long = "doc-type")]
        doc_type: Option<DocType>,
        /// Print one JSON report at the end.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        reading: ReadingArgs,
        /// Progress display: a bar on a terminal (auto), always a bar, JSON
        /// lines on standard error, or nothing.
        #[arg(long, value_enum, default_value = "auto")]
        progress: output::ProgressMode,
        /// Import again the files that failed in earlier batches (instead
        /// of PATHS).
        #[arg(long, conflicts_with = "paths")]
        retry_failed: bool,
        /// Store the originals and record their text layers, and leave the
        /// page images to OCR workers (`arshif worker`, on any node):
        /// returns without OCR. Needs a shared archive.
        #[arg(long)]
        queue: bool,
        /// Split batch scans (PDFs and multi-page TIFFs holding many
        /// documents) into one document each: after every blank page, or
        /// at every separator sheet (print it with `arshif separator`). The
        /// blank page or sheet is dropped; each document keeps the whole
        /// file as its source with its page range, and the whole file is
        /// stored once.
        #[arg(long, value_enum, value_name = "HOW")]
        split: Option<SplitArg>,
        /// Files and folders to import (folders are walked recursively).
        #[arg(required_unless_present = "retry_failed")]
        paths: Vec<PathBuf>,
    },
    /// Write the separator sheet to print: put one between the documents of
    /// a stack before scanning it, and import the scan with
    /// `ingest --split sheet`.
    Separator {
        /// Where to write the sheet (an A4 PDF).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read pages queued by `ingest --queue` (on any node of a shared
    /// archive): claim a page, fetch its original, OCR it, write the text.
    Worker {
        /// Pages read at once, one OCR engine each.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Exit once no page is queued or being read (instead of waiting for more).
        #[arg(long)]
        until_idle: bool,
        /// Seconds a claimed page stays this worker's; a killed worker's
        /// pages go to another worker after this long.
        #[arg(long, default_value_t = 300.0)]
        lease: f64,
        /// OCR languages, as for ingest.
        #[arg(long, default_value = "auto")]
        languages: arshif::ocr::LanguagePlan,
        /// Print one JSON report at the end.
        #[arg(long)]
        json: bool,
    },
    /// Import what a scanner drops into a folder, as it arrives. Imported
    /// files move to DIR/.done/, failed ones to DIR/.failed/ with a
    /// .error.txt beside them. Nothing is deleted.
    Watch {
        /// Branch municipality the scans belong to, e.g. hofuf.
        #[arg(long)]
        branch: Option<BranchSlug>,
        /// Document type of every scan (`arshif type list`); without it,
        /// each document's type is guessed from its text.
        #[arg(long = "doc-type")]
        doc_type: Option<DocType>,
        #[command(flatten)]
        reading: ReadingArgs,
        /// A file is taken once its size and time have not changed for this
        /// many seconds.
        #[arg(long, default_value_t = 5.0)]
        settle: f64,
        /// Seconds between looks at the folder.
        #[arg(long, default_value_t = 2.0)]
        interval: f64,
        /// Import what is there (once settled) and exit.
        #[arg(long)]
        once: bool,
        /// Split batch scans into one document each, as `ingest --split`
        /// does (a scanner folder that receives stacks).
        #[arg(long, value_enum, value_name = "HOW")]
        split: Option<SplitArg>,
        /// The folder the scanner writes into.
        dir: PathBuf,
        /// Print each round as one line of JSON (its import report and the
        /// files moved) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List import batches with their progress and failures.
    Batches {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Show every file of this batch.
        id: Option<i64>,
    },
    /// Find documents by the words printed on them.
    Search {
        /// Only documents of this branch municipality.
        #[arg(long)]
        branch: Option<BranchSlug>,
        /// Only documents of this type (`arshif type list`).
        #[arg(long = "doc-type")]
        doc_type: Option<DocType>,
        /// How many results to show.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Skip this many results first (the next page).
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Only documents dated on or after this day, in either calendar:
        /// 1445-03-01h or 2023-09-16; a month or year means its first day
        /// (1445-03h, 2023).
        #[arg(long)]
        from: Option<String>,
        /// Only documents dated on or before this day; a month or year
        /// means its last day (`--from 1445-03h --to 1445-03h` is Rabi'
        /// al-Awwal 1445).
        #[arg(long)]
        to: Option<String>,
        /// Only documents imported on or after this day (YYYY-MM-DD).
        #[arg(long)]
        imported_from: Option<chrono::NaiveDate>,
        /// Only documents imported on or before this day (YYYY-MM-DD).
        #[arg(long)]
        imported_to: Option<chrono::NaiveDate>,
        /// Also count all the results by branch, type and year.
        #[arg(long)]
        facets: bool,
        /// The calendar of the year counts.
        #[arg(long, default_value = "hijri", value_parser = calendar_arg())]
        calendar: arshif::calendar::Calendar,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// The query; several words may be given without quotes. May be
        /// left out when a filter is given.
        #[arg(
            num_args = 0..,
            required_unless_present_any = [
                "branch", "doc_type", "from", "to", "imported_from", "imported_to", "facets"
            ]
        )]
        query: Vec<String>,
    },
    /// The review queue: documents whose reading no clerk has confirmed
    /// yet, oldest import first. Confirm one with `set ID --review done`.
    Review {
        /// How many to list at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print `{"total","documents":[…]}` as the API's document list does.
        #[arg(long)]
        json: bool,
    },
    /// Correct a document's date, type or title by hand. A correction
    /// beats what was read from the text or given at import, survives
    /// reindexing and is recorded in the audit log. `auto` drops it.
    Set {
        /// Document id or a unique prefix of its sha256.
        id: String,
        /// The document's date: 1445-03-12h (Hijri) or 2023-09-27.
        #[arg(long)]
        date: Option<String>,
        /// The document type: licence, health-certificate,
        /// violation-report, letter, contract, circular, memo, decision,
        /// permit, other, or one added with `arshif type add`.
        #[arg(long = "type")]
        doc_type: Option<String>,
        /// The document's title.
        #[arg(long)]
        title: Option<String>,
        /// Confirm what was read (`done`), or put it back in the review
        /// queue (`pending`).
        #[arg(long, value_enum)]
        review: Option<ReviewArg>,
        /// The document's reference number (repeat for several); `auto`
        /// for those read from the text, `none` for none at all.
        #[arg(long = "ref", value_name = "NUMBER")]
        refs: Vec<String>,
        /// Move the document to this branch (every import of it then
        /// belongs to it).
        #[arg(long)]
        branch: Option<BranchSlug>,
        /// Print the document as it now is, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Turn a page that was read sideways and read it again: DEGREES
    /// clockwise more than it is shown now (turns add up). The original is
    /// never changed; the page's text, the document's dates and numbers
    /// and the index follow. Recorded in the audit log.
    Rotate {
        /// Document id or a unique prefix of its sha256.
        id: String,
        /// The page, from 1.
        page: u32,
        /// 90, 180 or 270, clockwise.
        #[arg(long)]
        degrees: i64,
        /// Print the document as it now is, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a document: metadata, sources and the text of every page.
    Show {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Include each page's word boxes in the JSON.
        #[arg(long)]
        words: bool,
        /// Document id or a unique prefix of its sha256.
        id: String,
    },
    /// Write a document's original bytes to a file.
    Get {
        /// The document's id.
        id: String,
        /// Output file (`-` for standard output).
        #[arg(short, long)]
        output: PathBuf,
        /// Write a searchable PDF (the original pages with an invisible text
        /// layer) instead of the original bytes.
        #[arg(long, conflicts_with = "version")]
        searchable: bool,
        /// Write an earlier original a rescan replaced (its number in
        /// `show --json`'s `versions`).
        #[arg(long, value_name = "N")]
        version: Option<u32>,
    },
    /// Rebuild the search index from the catalog (no OCR). Safe to
    /// interrupt and run again.
    Reindex {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export documents as a BagIt bag (RFC 8493): originals, metadata
    /// JSON, page texts, sha256 manifests.
    Export {
        /// The bag to write (a new directory).
        out: PathBuf,
        /// Only documents imported under this branch.
        #[arg(long)]
        branch: Option<BranchSlug>,
        /// Only documents first imported on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// Only this document (repeat for more); without it, every document.
        #[arg(long = "id", value_name = "ID")]
        ids: Vec<i64>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Restore a bag written by `export` into this archive (no OCR).
    #[command(name = "import-bag")]
    ImportBag {
        /// The bag's directory.
        bag: PathBuf,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify that the catalog, the store, the index and the audit log
    /// agree; each problem with its document, path and repair. Exit 1 when
    /// anything is damaged.
    Check {
        /// Also re-hash every original and run SQLite's full integrity check.
        #[arg(long)]
        deep: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    #[command(flatten)]
    Records(records::RecordsCommand),
    /// Document types: list them, add one, rename one or give it
    /// keywords (the archive's owner).
    Type {
        #[command(subcommand)]
        command: types::TypeCommand,
    },
    /// Users: add, grant or revoke branches, list, set passwords.
    User {
        #[command(subcommand)]
        command: accounts::UserCommand,
    },
    /// API tokens for scanners and integrations.
    Token {
        #[command(subcommand)]
        command: accounts::TokenCommand,
    },
    /// Read the audit log (who saw what, when, from where), verify it
    /// (`arshif audit verify`), or take a signed checkpoint of it (`arshif
    /// audit checkpoint`).
    Audit(accounts::AuditArgs),
    /// Serve the web UI and the JSON API (see /api/openapi.json).
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Largest upload accepted, in MiB.
        #[arg(long, default_value_t = 1024)]
        max_upload_mib: usize,
        /// Behind a reverse proxy on this machine (which terminates TLS):
        /// take the client's address from X-Forwarded-For and the scheme
        /// from X-Forwarded-Proto, when they come from a loopback address.
        #[arg(long)]
        behind_proxy: bool,
        /// Answer GET /metrics to clients on this machine without
        /// credentials (for a local Prometheus); otherwise administrators only.
        #[arg(long)]
        metrics_loopback: bool,
        #[command(flatten)]
        reading: ReadingArgs,
    },
    /// Check this installation and say what to fix: Tesseract's models,
    /// pdftoppm, OMP_THREAD_LIMIT, free disk space, permissions, and that
    /// the archive's catalog, store and index open. Exit 1 when a check
    /// fails (warnings do not count).
    Doctor {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell's completion script for arshif (`make install` puts
    /// them where bash, zsh and fish look).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the manual pages: arshif.1 and one per command
    /// (arshif-ingest.1, …), from the same text as --help.
    Man {
        /// The directory to write them into (created if missing).
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

/// How files are read during an import.
#[derive(clap::Args, Debug)]
pub(super) struct ReadingArgs {
    /// Files read at once, one OCR engine each (default: one per core).
    #[arg(long)]
    pub(super) workers: Option<usize>,
    /// OCR languages: `auto` (per page: ara, eng or ara+eng) or a
    /// Tesseract language list such as `ara+eng`.
    #[arg(long, default_value = "auto")]
    pub(super) languages: arshif::ocr::LanguagePlan,
    /// A page that takes longer than this many seconds fails its file.
    #[arg(long, default_value_t = arshif::ingest::worker::DEFAULT_PAGE_TIMEOUT.as_secs_f64())]
    pub(super) page_timeout: f64,
    /// Memory limit of each reading process, in MiB.
    #[arg(long, default_value_t = arshif::ingest::worker::DEFAULT_MEMORY_LIMIT >> 20)]
    pub(super) reader_memory: u64,
}

impl ReadingArgs {
    pub(super) fn options(
        &self,
        branch: Option<BranchSlug>,
        doc_type: Option<DocType>,
    ) -> Result<IngestOptions> {
        let mut opts = IngestOptions {
            branch,
            doc_type,
            ..IngestOptions::default()
        };
        if let Some(w) = self.workers {
            opts.workers = w.max(1);
        }
        opts.ocr.languages = self.languages.clone();
        if self.page_timeout.is_nan() || self.page_timeout <= 0.0 {
            bail!("--page-timeout must be more than 0 seconds");
        }
        opts.isolation = reading_processes(
            std::time::Duration::from_secs_f64(self.page_timeout),
            self.reader_memory.max(64) << 20,
        )?;
        Ok(opts)
    }
}

/// Files read in child processes of this executable (`__read-worker`),
/// each page within `page_timeout`, each process within `memory_limit`
/// bytes: what every command that reads scans uses.
pub(crate) fn reading_processes(
    page_timeout: std::time::Duration,
    memory_limit: u64,
) -> Result<arshif::ingest::Isolation> {
    Ok(arshif::ingest::Isolation::Process(
        arshif::ingest::ProcessLimits {
            exe: std::env::current_exe().context("cannot find the arshif executable")?,
            page_timeout,
            memory_limit,
        },
    ))
}

/// `--calendar`: its two words listed in `--help` and in the error for
/// any other.
fn calendar_arg() -> impl clap::builder::TypedValueParser<Value = arshif::calendar::Calendar> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["hijri", "gregorian"])
        .map(|s| s.parse().expect("a listed calendar"))
}

impl Command {
    /// Commands whose output is read and often cut short (`show 12 | head`,
    /// `search … | less`) and that start no worker process: a closed pipe
    /// ends them quietly, as it ends `cat`.
    pub(super) fn prints_for_a_pipe(&self) -> bool {
        matches!(
            self,
            Command::Search { .. }
                | Command::Show { .. }
                | Command::Get { .. }
                | Command::Batches { .. }
                | Command::Audit(_)
                | Command::Records(_)
                | Command::Type { .. }
                | Command::User { .. }
                | Command::Check { .. }
                | Command::Completions { .. }
                | Command::Doctor { .. }
        )
    }
}

//! The command line. Thin: parse arguments, call the library, print.

mod accounts;
mod args;
mod output;
mod records;
mod types;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use args::{reading_processes, Cli, Command, ReviewArg};

use arshif::app::Actor;
use arshif::archive::Archive;
use arshif::catalog::Catalog;
use arshif::ingest::{self, IngestOptions};
use arshif::search::SearchRequest;

pub fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Ok((Cli::from_arg_matches(&m)?, json_requested(&m))));
    let (cli, json) = match parsed {
        Ok(p) => p,
        Err(e) => {
            use clap::error::ErrorKind;
            let help = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
            // A usage error under --json is JSON too (help is text).
            let json = !help
                && std::env::args_os()
                    .take_while(|a| a != "--")
                    .any(|a| a == "--json");
            if json {
                let message = e.render().to_string();
                let message = message.trim().trim_start_matches("error: ");
                println!(
                    "{}",
                    serde_json::json!({ "error": { "code": "usage", "message": message } })
                );
            } else {
                let _ = e.print();
            }
            return if help {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    init_logging(cli.verbose);
    if cli.command.prints_for_a_pipe() {
        die_quietly_on_a_closed_pipe();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if json {
                println!("{}", output::error_json(&e));
            } else {
                eprintln!("arshif: error: {}", output::term(&format!("{e:#}")));
            }
            ExitCode::from(1)
        }
    }
}

/// Whether the command given has `--json` set (its own flag, on the
/// innermost subcommand).
fn json_requested(m: &clap::ArgMatches) -> bool {
    let mut m = m;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    matches!(m.try_get_one::<bool>("json"), Ok(Some(true)))
}

/// Rust ignores SIGPIPE, so a write to a closed pipe is an error, and
/// `println!` panics on it ("failed printing to stdout: Broken pipe").
/// For the commands above the default disposition is restored: the
/// process ends when the reader has gone, silently, like any Unix filter.
/// (Not for `ingest`, `watch`, `serve` or `worker`: they write to their
/// OCR workers' pipes and to sockets, where a closed end is an error to
/// handle, not the end of the program.)
fn die_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: signal(2) with SIG_DFL, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ARSHIF_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("warn,pdf_extract=off,lopdf=off,arshif={level}"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn open(cli_archive: &std::path::Path) -> Result<Archive> {
    Ok(Archive::open(cli_archive)?)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Init {
            catalog,
            store,
            json,
        } => {
            let config = arshif::archive::ArchiveConfig { catalog, store };
            let archive = Archive::init_with(&cli.archive, &config)?;
            if json {
                let shared = archive.shared().map(|sh| {
                    serde_json::json!({
                        "node": sh.node, "catalog": sh.catalog_url, "store": sh.store_url,
                    })
                });
                println!(
                    "{}",
                    serde_json::json!({ "archive": cli.archive, "shared": shared })
                );
                return Ok(ExitCode::SUCCESS);
            }
            match archive.shared() {
                None => println!("Created an empty archive in {}", cli.archive.display()),
                Some(sh) => println!(
                    "Made {} node {} of the shared archive (catalog {}, store {})",
                    cli.archive.display(),
                    sh.node,
                    sh.catalog_url,
                    sh.store_url
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker {
            threads,
            until_idle,
            lease,
            languages,
            json,
        } => {
            let archive = open(&cli.archive)?;
            if lease.is_nan() || lease < 1.0 {
                bail!("--lease must be at least 1 second");
            }
            let mut config = arshif::ingest::queue::WorkerConfig {
                threads: threads.max(1),
                until_idle,
                lease: std::time::Duration::from_secs_f64(lease),
                ..Default::default()
            };
            config.ocr.languages = languages;
            let report = arshif::ingest::queue::run(&archive, &config, &|e| match e {
                arshif::ingest::queue::WorkerEvent::Read { job, seconds } => {
                    if !json {
                        println!(
                            "document {} page {}: read in {seconds:.1} s",
                            job.doc, job.page
                        );
                    }
                }
                arshif::ingest::queue::WorkerEvent::Error { job, error } => {
                    eprintln!(
                        "document {} page {}: {}",
                        job.doc,
                        job.page,
                        output::term(error)
                    );
                }
            })?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "{} pages read in {:.1} s ({} errors, {} lost leases)",
                    report.pages, report.seconds, report.errors, report.lost_leases
                );
            }
            // As `ingest`: 1 when a page could not be read (named above).
            Ok(if report.errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Ingest {
            branch,
            doc_type,
            json,
            reading,
            progress,
            retry_failed,
            queue,
            split,
            paths,
        } => {
            let archive = open(&cli.archive)?;
            let mut opts = reading.options(branch, doc_type)?;
            if queue {
                opts.isolation = arshif::ingest::Isolation::Queue;
            }
            opts.split = split.map(Into::into);
            let mode = if json && progress == output::ProgressMode::Auto {
                output::ProgressMode::None
            } else {
                progress
            };
            let bar = output::IngestProgress::new(mode);
            let reports = if retry_failed {
                ingest::retry_failed(&archive, &opts, &bar)?
            } else {
                vec![ingest::ingest(&archive, &paths, &opts, &bar)?]
            };
            bar.finish();
            let report = output::merge_reports(&reports);
            record_imports(&archive, &reports, &opts)?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else if retry_failed && reports.is_empty() {
                println!("No failed files to retry");
            } else {
                output::print_ingest_report(&report);
            }
            Ok(if report.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Watch {
            branch,
            doc_type,
            reading,
            settle,
            interval,
            once,
            split,
            dir,
            json,
        } => {
            let archive = open(&cli.archive)?;
            let mut opts = reading.options(branch, doc_type)?;
            opts.split = split.map(Into::into);
            let cfg = ingest::watch::WatchConfig {
                settle: std::time::Duration::from_secs_f64(settle.max(0.0)),
                interval: std::time::Duration::from_secs_f64(interval.max(0.1)),
                once,
            };
            let progress = output::IngestProgress::new(output::ProgressMode::None);
            ingest::watch::watch(&archive, &dir, &opts, &cfg, &progress, &mut |r| {
                if json {
                    println!("{}", output::watch_round_json(r));
                } else {
                    output::print_watch_round(r);
                }
                // A round that cannot be audited is reported, not fatal:
                // the files are archived and the watcher must go on.
                if r.report.batch.is_some() {
                    if let Err(e) = record_imports(&archive, std::slice::from_ref(&r.report), &opts)
                    {
                        eprintln!("arshif: warning: {e:#}");
                    }
                }
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Batches { json, id } => {
            let archive = open(&cli.archive)?;
            let catalog = archive.catalog()?;
            output::print_batches(&catalog, id.map(arshif::types::BatchId), json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            branch,
            doc_type,
            limit,
            offset,
            from,
            to,
            imported_from,
            imported_to,
            facets,
            calendar,
            json,
            query,
        } => {
            let archive = open(&cli.archive)?;
            let index = archive.fresh_index()?;
            let date = |s: &Option<String>| {
                s.as_deref()
                    .map(arshif::calendar::DateInput::parse)
                    .transpose()
            };
            let req = SearchRequest {
                query: query.join(" "),
                branch,
                doc_type,
                limit,
                offset,
                imported_from,
                imported_to,
                date_from: date(&from)?.map(|d| d.first),
                date_to: date(&to)?.map(|d| d.last),
                facets: facets.then_some(calendar),
                review: None,
                scope: arshif::types::BranchScope::All,
            };
            let catalog = archive.catalog()?;
            let done = arshif::app::search(&index, &*catalog, &Actor::local(), req.clone())?;
            let results = accounts::recorded(&archive, done)?;
            if json {
                println!("{}", serde_json::to_string(&results)?);
            } else {
                output::print_search(&req, &results, std::io::stdout().is_terminal());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Review { limit, json } => {
            let archive = open(&cli.archive)?;
            let index = archive.fresh_index()?;
            let mut req = SearchRequest::new("");
            req.review = Some(arshif::catalog::ReviewState::Pending);
            req.limit = limit.max(1);
            let catalog = archive.catalog()?;
            let done = arshif::app::browse(
                &index,
                &*catalog,
                &Actor::local(),
                req,
                arshif::search::BrowseSort::Imported,
            )?;
            let listed = accounts::recorded(&archive, done)?;
            if json {
                println!("{}", serde_json::to_string(&listed.json())?);
            } else {
                output::print_review_queue(&listed);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { json, words, id } => {
            let archive = open(&cli.archive)?;
            let catalog = archive.catalog()?;
            let doc_id = catalog.resolve(&id)?;
            let detail = if words {
                arshif::app::PageDetail::TextAndWords
            } else {
                arshif::app::PageDetail::Text
            };
            let done = arshif::app::view(&*catalog, &Actor::local(), doc_id, detail)?;
            let view = accounts::recorded(&archive, done)?;
            if json {
                println!("{}", serde_json::to_string(&view.json())?);
            } else {
                output::print_show(&view.doc, &view.pages);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Get {
            id,
            output,
            searchable,
            version,
        } => {
            let archive = open(&cli.archive)?;
            let catalog = archive.catalog()?;
            let doc_id = catalog.resolve(&id)?;
            if searchable {
                let done =
                    arshif::app::searchable_pdf(&archive, &*catalog, &Actor::local(), doc_id)?;
                let (_, pdf) = accounts::recorded(&archive, done)?;
                if output.as_os_str() == "-" {
                    std::io::stdout().lock().write_all(&pdf)?;
                } else {
                    write_atomically(&output, &mut pdf.as_slice())?;
                    eprintln!(
                        "Wrote {} (searchable PDF of document {doc_id})",
                        output.display()
                    );
                }
                return Ok(ExitCode::SUCCESS);
            }
            let done = arshif::app::original(&*catalog, &Actor::local(), doc_id)?;
            let mut doc = accounts::recorded(&archive, done)?;
            if let Some(n) = version {
                let v = doc
                    .meta
                    .versions
                    .iter()
                    .find(|v| v.number == n)
                    .ok_or_else(|| anyhow::anyhow!("document {doc_id} has no version {n}"))?;
                (doc.blob, doc.size) = (v.sha256, v.size);
            }
            let mut reader = archive.store().open(&doc.blob)?;
            if output.as_os_str() == "-" {
                let mut out = std::io::stdout().lock();
                std::io::copy(&mut reader, &mut out)?;
                out.flush()?;
            } else {
                write_atomically(&output, &mut reader)?;
                eprintln!(
                    "Wrote {} ({} bytes, sha256 {})",
                    output.display(),
                    doc.size,
                    doc.blob
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Set {
            id,
            date,
            doc_type,
            title,
            review,
            refs,
            branch,
            json,
        } => {
            let change = if date.is_none() && doc_type.is_none() && title.is_none() {
                arshif::metadata::CorrectionChange::default()
            } else {
                arshif::metadata::CorrectionChange::parse(
                    date.as_deref(),
                    doc_type.as_deref(),
                    title.as_deref(),
                )?
            };
            let refs = match refs.as_slice() {
                [] => None,
                [one] if one.trim() == arshif::metadata::AUTO => Some(None),
                [one] if one.trim() == "none" => Some(Some(&[][..])),
                list => Some(Some(list)),
            };
            let change = change.with_references(refs)?;
            let archive = open(&cli.archive)?;
            let catalog = archive.catalog()?;
            let doc_id = catalog.resolve(&id)?;
            let edit = arshif::archive::DocumentEdit {
                change,
                review: review.map(ReviewArg::state),
                branch,
            };
            if edit.is_empty() {
                anyhow::bail!(
                    "nothing to set: give --date, --type, --title, --ref, --branch or --review"
                );
            }
            let done = arshif::app::correct(&archive, &*catalog, &Actor::local(), doc_id, &edit)?;
            let done = accounts::recorded(&archive, done)?;
            if json {
                println!("{}", serde_json::to_string(&done.json())?);
            } else {
                output::print_show(&done.view.doc, &[]);
                if !done.indexed {
                    println!("An import is running: search shows the correction when it finishes.");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rotate {
            id,
            page,
            degrees,
            json,
        } => {
            let turn = arshif::app::Turn::new(degrees)
                .ok_or_else(|| anyhow::anyhow!("--degrees {degrees}: say 90, 180 or 270"))?;
            let archive = open(&cli.archive)?;
            let mut catalog = archive.catalog()?;
            let doc_id = catalog.resolve(&id)?;
            let ocr = arshif::ocr::OcrConfig::default();
            let done = arshif::app::rotate(
                &archive,
                &mut *catalog,
                &Actor::local(),
                doc_id,
                page,
                turn,
                &ocr,
            )?;
            let done = accounts::recorded(&archive, done)?;
            if json {
                println!("{}", serde_json::to_string(&done.json())?);
            } else {
                let p = done.view.pages.iter().find(|p| p.number == page);
                println!(
                    "Page {page} of document {} turned {degrees}°, read again: {} words",
                    doc_id.0,
                    p.map_or(0, |p| p.words.len())
                );
                if !done.indexed {
                    println!("An import is running: search shows the new text when it finishes.");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex { json } => {
            let archive = open(&cli.archive)?;
            let n = archive.reindex()?;
            if json {
                println!("{}", serde_json::json!({ "indexed": n }));
            } else {
                println!("Indexed {n} documents");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            out,
            branch,
            since,
            ids,
            json,
        } => {
            let archive = open(&cli.archive)?;
            let ids = if ids.is_empty() {
                None
            } else {
                let catalog = archive.catalog()?;
                let mut resolved = Vec::with_capacity(ids.len());
                for id in ids {
                    resolved.push(catalog.resolve(&id.to_string())?);
                }
                Some(resolved)
            };
            let opts = arshif::bag::ExportOptions {
                branch,
                since,
                ids,
                scope: None,
            };
            let done = arshif::app::export(&archive, &Actor::local(), &out, &opts)?;
            let r = accounts::recorded(&archive, done)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "Exported {} documents ({} pages, {} bytes of payload) to the bag {}",
                r.documents,
                r.pages,
                r.bytes,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::ImportBag { bag, json } => {
            let archive = open(&cli.archive)?;
            let done = arshif::app::import_bag(&archive, &Actor::local(), &bag)?;
            let r = accounts::recorded(&archive, done)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "Imported {} documents ({} pages; {} were already here) from the bag {}",
                r.documents,
                r.pages,
                r.already_present,
                bag.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Separator { output, json } => {
            let pdf = ingest::split::separator_pdf()?;
            std::fs::write(&output, pdf)
                .with_context(|| format!("cannot write {}", output.display()))?;
            if json {
                println!("{}", serde_json::json!({ "written": output }));
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "wrote the separator sheet to {}: print it and put one before each document of a stack, then import the scan with `arshif ingest --split sheet`",
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { deep, json } => {
            let archive = open(&cli.archive)?;
            let report = arshif::check::check(&archive, &arshif::check::CheckOptions { deep })?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                output::print_check(&report, deep);
            }
            Ok(if report.damaged() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Type { command } => types::run(&open(&cli.archive)?, command),
        Command::Records(command) => records::run(&open(&cli.archive)?, command),
        Command::User { command } => accounts::user(&open(&cli.archive)?, command),
        Command::Token { command } => accounts::token(&open(&cli.archive)?, command),
        Command::Audit(args) => accounts::audit(&open(&cli.archive)?, args),
        Command::Doctor { json } => {
            let report = arshif::doctor::diagnose(&arshif::doctor::DoctorConfig::new(&cli.archive));
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                output::print_doctor(&report);
            }
            Ok(if report.failed() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "arshif", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { out } => {
            let written = output::write_man_pages(<Cli as clap::CommandFactory>::command(), &out)?;
            println!("Wrote {written} manual pages to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            addr,
            max_upload_mib,
            behind_proxy,
            metrics_loopback,
            reading,
        } => {
            let archive = open(&cli.archive)?;
            let config = arshif_server::ServeConfig {
                addr,
                ingest: reading.options(None, None)?,
                max_upload: max_upload_mib.max(1) << 20,
                proxy: if behind_proxy {
                    arshif_server::ProxyMode::TrustLoopbackProxy
                } else {
                    arshif_server::ProxyMode::Direct
                },
                limits: arshif_server::ConnectionLimits::default(),
                metrics_loopback,
            };
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(arshif_server::serve(archive, config))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One audit entry per import batch, naming its documents.
fn record_imports(
    archive: &Archive,
    reports: &[arshif::ingest::IngestReport],
    opts: &IngestOptions,
) -> Result<()> {
    let catalog = archive.catalog()?;
    for r in reports {
        let event = arshif::app::imported(&*catalog, &Actor::local(), r, opts)?;
        accounts::record(archive, event)?;
    }
    Ok(())
}

/// Write to a temp file beside `dest`, fsync, then rename over it.
fn write_atomically(dest: &std::path::Path, reader: &mut dyn std::io::Read) -> Result<()> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::copy(reader, &mut tmp)?;
    tmp.as_file().sync_all()?;
    if dest.is_dir() {
        bail!("{} is a directory", dest.display());
    }
    tmp.persist(dest)
        .with_context(|| format!("cannot write {}", dest.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command and every argument says what it is for (`--help`),
    /// and none takes a closed set of words without listing them.
    #[test]
    fn every_argument_has_help_text() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            if cmd.get_about().is_none() && path.contains(' ') {
                missing.push(format!("{path}: no about"));
            }
            for a in cmd.get_arguments() {
                let id = a.get_id().as_str();
                if a.is_hide_set() || id == "help" || id == "version" {
                    continue;
                }
                if a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} <{id}>"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_name() != "help" {
                    walk(sub, &path, missing);
                }
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "", &mut missing);
        assert!(
            missing.is_empty(),
            "without help text:\n{}",
            missing.join("\n")
        );
    }

    /// `--json` on every command that reports something (not on `serve`,
    /// which serves; `completions` and `man`, which print other formats;
    /// `get`, which writes the document's own bytes; nor on `help`).
    #[test]
    fn every_command_takes_json() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name()).trim().to_string();
            let leaf = cmd.get_subcommands().next().is_none();
            let exempt = ["serve", "completions", "man", "get", "help"];
            if leaf
                && !exempt.contains(&cmd.get_name())
                && !cmd.get_arguments().any(|a| a.get_id() == "json")
            {
                missing.push(path.clone());
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "", &mut missing);
        assert!(
            missing.is_empty(),
            "without --json:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}

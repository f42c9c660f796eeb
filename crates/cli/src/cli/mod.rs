//! The command line. Thin: parse arguments, call the library, print.

mod accounts;
mod output;
mod records;
mod types;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

use arshif::app::Actor;
use arshif::archive::Archive;
use arshif::catalog::Catalog;
use arshif::ingest::{self, IngestOptions};
use arshif::search::SearchRequest;
use arshif::types::{BranchSlug, DocType};

#[derive(Parser, Debug)]
#[command(
    name = "arshif",
    version,
    about = "أرشيف — a document archive for municipal records"
)]
struct Cli {
    /// The archive directory.
    #[arg(
        long,
        global = true,
        env = "ARSHIF_ARCHIVE",
        default_value = "./archive"
    )]
    archive: PathBuf,
    /// More logging (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// A review state, as `set --review` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReviewArg {
    /// What was read is confirmed.
    Done,
    /// Back in the review queue.
    Pending,
}

impl ReviewArg {
    fn state(self) -> arshif::catalog::ReviewState {
        match self {
            ReviewArg::Done => arshif::catalog::ReviewState::Done,
            ReviewArg::Pending => arshif::catalog::ReviewState::Pending,
        }
    }
}

/// What starts a new document in a batch scan (`ingest --split`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SplitArg {
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
enum Command {
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
struct ReadingArgs {
    /// Files read at once, one OCR engine each (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// OCR languages: `auto` (per page: ara, eng or ara+eng) or a
    /// Tesseract language list such as `ara+eng`.
    #[arg(long, default_value = "auto")]
    languages: arshif::ocr::LanguagePlan,
    /// A page that takes longer than this many seconds fails its file.
    #[arg(long, default_value_t = arshif::ingest::worker::DEFAULT_PAGE_TIMEOUT.as_secs_f64())]
    page_timeout: f64,
    /// Memory limit of each reading process, in MiB.
    #[arg(long, default_value_t = arshif::ingest::worker::DEFAULT_MEMORY_LIMIT >> 20)]
    reader_memory: u64,
}

impl ReadingArgs {
    fn options(
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
    fn prints_for_a_pipe(&self) -> bool {
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

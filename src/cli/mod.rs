//! The command line. Thin: parse arguments, call the library, print.

mod output;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

use crate::archive::Archive;
use crate::catalog::Catalog;
use crate::ingest::{self, IngestOptions};
use crate::search::{self, SearchRequest};
use crate::store::BlobStore;
use crate::types::{BranchSlug, DocType};

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

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a new, empty archive.
    Init,
    /// Import files and folders (folders are walked recursively).
    Ingest {
        /// Branch municipality the files belong to, e.g. hofuf.
        #[arg(long)]
        branch: Option<BranchSlug>,
        /// Document type, e.g. licence, health-certificate, violation-report, letter, contract.
        #[arg(long = "doc-type")]
        doc_type: Option<DocType>,
        /// Print one JSON report at the end.
        #[arg(long)]
        json: bool,
        /// OCR worker threads (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
        /// OCR languages: `auto` (per page: ara, eng or ara+eng) or a
        /// Tesseract language list such as `ara+eng`.
        #[arg(long, default_value = "auto")]
        languages: crate::ocr::LanguagePlan,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Find documents by the words printed on them.
    Search {
        #[arg(long)]
        branch: Option<BranchSlug>,
        #[arg(long = "doc-type")]
        doc_type: Option<DocType>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long)]
        json: bool,
        /// The query; several words may be given without quotes.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
    },
    /// Show a document: metadata, sources and the text of every page.
    Show {
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
        id: String,
        /// Output file (`-` for standard output).
        #[arg(short, long)]
        output: PathBuf,
        /// Write a searchable PDF (the original pages with an invisible text
        /// layer) instead of the original bytes.
        #[arg(long)]
        searchable: bool,
    },
    /// Rebuild the search index from the catalog (no OCR).
    Reindex,
}

/// Tesseract's OpenMP runtime reads `OMP_THREAD_LIMIT` when the library is
/// loaded, before `main` runs. Without it each page takes ~8× longer, so if it
/// is unset, re-execute this program with it set.
pub fn ensure_omp_thread_limit() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_THREAD_LIMIT", "1")
        .exec();
    eprintln!(
        "arshif: warning: could not re-execute with OMP_THREAD_LIMIT=1 ({err}); OCR will be slow"
    );
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    init_logging(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("arshif: error: {e:#}");
            ExitCode::from(1)
        }
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
        Command::Init => {
            Archive::init(&cli.archive)?;
            println!("Created an empty archive in {}", cli.archive.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest {
            branch,
            doc_type,
            json,
            workers,
            languages,
            paths,
        } => {
            let archive = open(&cli.archive)?;
            let mut opts = IngestOptions {
                branch,
                doc_type,
                ..IngestOptions::default()
            };
            if let Some(w) = workers {
                opts.workers = w.max(1);
            }
            opts.ocr.languages = languages;
            let bar = output::IngestProgress::new(!json && std::io::stderr().is_terminal());
            let report = ingest::ingest(&archive, &paths, &opts, &bar)?;
            bar.finish();
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                output::print_ingest_report(&report);
            }
            Ok(if report.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Search {
            branch,
            doc_type,
            limit,
            offset,
            json,
            query,
        } => {
            let archive = open(&cli.archive)?;
            let index = output::fresh_index(&archive)?;
            let req = SearchRequest {
                query: query.join(" "),
                branch,
                doc_type,
                limit,
                offset,
            };
            let results = search::search(&index, &req)?;
            if json {
                println!("{}", serde_json::to_string(&results)?);
            } else {
                output::print_search(&req, &results, std::io::stdout().is_terminal());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { json, words, id } => {
            let archive = open(&cli.archive)?;
            let catalog = archive.catalog()?;
            let doc_id = catalog.resolve(&id)?;
            let doc = catalog
                .document(doc_id)?
                .with_context(|| format!("document {doc_id} vanished"))?;
            let pages = catalog.pages(doc_id)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&output::show_json(&doc, &pages, words))?
                );
            } else {
                output::print_show(&doc, &pages);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Get {
            id,
            output,
            searchable,
        } => {
            let archive = open(&cli.archive)?;
            let catalog = archive.catalog()?;
            let doc_id = catalog.resolve(&id)?;
            let doc = catalog
                .document(doc_id)?
                .with_context(|| format!("document {doc_id} vanished"))?;
            if searchable {
                let pdf = output::searchable_pdf(&archive, &doc, &catalog.pages(doc_id)?)?;
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
        Command::Reindex => {
            let archive = open(&cli.archive)?;
            let n = output::reindex(&archive)?;
            println!("Indexed {n} documents");
            Ok(ExitCode::SUCCESS)
        }
    }
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

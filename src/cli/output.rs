//! What the command line prints, and small helpers shared by commands.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::catalog::{Catalog, DocumentRecord, FileOutcome, PageRecord};
use crate::ingest::{IngestReport, Progress, ProgressEvent};
use crate::search::{SearchRequest, SearchResults};

/// How `ingest` shows progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal, nothing otherwise.
    Auto,
    /// Always a bar (on standard error).
    Bar,
    /// One JSON object per line on standard error, for automation.
    Json,
    /// Nothing.
    None,
}

/// Progress display: an indicatif bar (files, pages, pages/s, ETA,
/// failures), JSON lines, or nothing.
pub struct IngestProgress {
    bar: Option<ProgressBar>,
    json: bool,
    started: std::time::Instant,
    pages: std::cell::Cell<u64>,
    failed: std::cell::Cell<u64>,
}

impl IngestProgress {
    pub fn new(mode: ProgressMode) -> Self {
        use std::io::IsTerminal;
        let show = match mode {
            ProgressMode::Auto => std::io::stderr().is_terminal(),
            ProgressMode::Bar => true,
            ProgressMode::Json | ProgressMode::None => false,
        };
        let bar = show.then(|| {
            let b = ProgressBar::new(0);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {elapsed_precise} [{wide_bar}] {pos}/{len} files · {msg} · ETA {eta}",
                )
                .expect("valid template"),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(200));
            b
        });
        IngestProgress {
            bar,
            json: mode == ProgressMode::Json,
            started: std::time::Instant::now(),
            pages: 0.into(),
            failed: 0.into(),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }

    fn rate(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        self.pages.get() as f64 / secs
    }

    fn update(&self) {
        if let Some(b) = &self.bar {
            b.set_message(format!(
                "{} pages · {:.2} pages/s · {} failed",
                self.pages.get(),
                self.rate(),
                self.failed.get()
            ));
        }
    }

    fn line(&self, v: serde_json::Value) {
        if self.json {
            eprintln!("{v}");
        }
    }
}

impl Progress for IngestProgress {
    fn event(&self, e: ProgressEvent<'_>) {
        match e {
            ProgressEvent::Total { files } => {
                if let Some(b) = &self.bar {
                    b.set_length(files);
                }
                self.line(json!({"event": "total", "files": files}));
            }
            ProgressEvent::FileSeen { path } => {
                self.line(json!({"event": "file_started", "path": path}));
            }
            ProgressEvent::PageRead => {
                self.pages.set(self.pages.get() + 1);
                self.line(json!({"event": "page", "pages": self.pages.get()}));
            }
            ProgressEvent::FileFinished {
                path,
                outcome,
                pages,
            } => {
                let (status, doc, error) = match outcome {
                    FileOutcome::Ingested(d) => ("ingested", Some(d.0), None),
                    FileOutcome::Duplicate(d) => ("duplicate", Some(d.0), None),
                    FileOutcome::Failed(e) => ("failed", None, Some(e.as_str())),
                };
                if let FileOutcome::Failed(err) = outcome {
                    self.failed.set(self.failed.get() + 1);
                    if let Some(b) = &self.bar {
                        b.println(format!("failed: {path}: {err}"));
                    }
                }
                if let Some(b) = &self.bar {
                    b.inc(1);
                }
                self.line(json!({
                    "event": "file_finished", "path": path, "status": status,
                    "id": doc, "pages": pages, "error": error,
                    "pages_per_second": (self.rate() * 100.0).round() / 100.0,
                }));
            }
        }
        self.update();
    }
}

/// One report for several batches (`--retry-failed` runs one per branch
/// and type).
pub fn merge_reports(reports: &[IngestReport]) -> IngestReport {
    let mut out = IngestReport::default();
    for r in reports {
        out.files_seen += r.files_seen;
        out.ingested += r.ingested;
        out.duplicates += r.duplicates;
        out.failed += r.failed;
        out.pages += r.pages;
        out.errors.extend(r.errors.iter().cloned());
        out.batch = r.batch.or(out.batch);
        out.resumed |= r.resumed;
        out.already_done += r.already_done;
        out.cached_pages += r.cached_pages;
        out.tesseract_seconds += r.tesseract_seconds;
    }
    out
}

pub fn print_watch_round(round: &crate::ingest::watch::WatchRound) {
    for m in &round.moved {
        match &m.error {
            None => println!("imported {} → {}", m.from.display(), m.to.display()),
            Some(e) => println!("failed {}: {e} → {}", m.from.display(), m.to.display()),
        }
    }
}

/// `arshif batches`: every batch with its counts and failures, or one
/// batch's files.
pub fn print_batches(
    catalog: &dyn Catalog,
    one: Option<crate::types::BatchId>,
    as_json: bool,
) -> Result<()> {
    let batches = match one {
        Some(id) => vec![catalog
            .batch(id)?
            .ok_or_else(|| anyhow::anyhow!("no batch {}", id.0))?],
        None => catalog.batches()?,
    };
    let mut out = Vec::new();
    for b in &batches {
        let files = catalog.batch_files(b.id)?;
        let failures: Vec<_> = files.iter().filter(|f| f.status == "failed").collect();
        if as_json {
            let mut v = serde_json::to_value(b)?;
            v["failures"] = serde_json::to_value(&failures)?;
            if one.is_some() {
                v["files"] = serde_json::to_value(&files)?;
            }
            out.push(v);
            continue;
        }
        let status = match (b.status, b.finished_at) {
            (crate::catalog::BatchStatus::Finished, Some(t)) => {
                format!("finished {}", t.format("%Y-%m-%d %H:%M"))
            }
            _ => "interrupted (run the same import again to finish it)".to_string(),
        };
        println!(
            "batch {} · started {} · {status}",
            b.id.0,
            b.started_at.format("%Y-%m-%d %H:%M")
        );
        println!(
            "  branch {} · type {} · {} files: {} imported ({} pages), {} already there, {} failed",
            b.branch.as_ref().map(|x| x.as_str()).unwrap_or("-"),
            b.doc_type.as_ref().map(|x| x.as_str()).unwrap_or("-"),
            b.counts.files_seen,
            b.counts.ingested,
            b.counts.pages,
            b.counts.duplicates,
            b.counts.failed
        );
        for f in &failures {
            let retried = f
                .retried_in
                .map(|r| format!(" (retried in batch {})", r.0))
                .unwrap_or_default();
            println!(
                "  failed: {}: {}{retried}",
                f.path,
                f.error.as_deref().unwrap_or("")
            );
        }
        if one.is_some() {
            for f in files.iter().filter(|f| f.status != "failed") {
                let id = f.document.map(|d| d.0.to_string()).unwrap_or_default();
                println!("  {}: {} {id}", f.path, f.status);
            }
        }
    }
    if as_json {
        println!("{}", serde_json::to_string(&out)?);
    } else if batches.is_empty() {
        println!("No batches yet");
    }
    Ok(())
}

pub fn print_ingest_report(r: &IngestReport) {
    if r.resumed {
        println!(
            "resumed batch {} ({} files already done before it was interrupted)",
            r.batch.map(|b| b.0).unwrap_or_default(),
            r.already_done
        );
    }
    println!(
        "{} files: {} imported ({} pages), {} already in the archive, {} failed",
        r.files_seen, r.ingested, r.pages, r.duplicates, r.failed
    );
    for e in &r.errors {
        println!("  failed: {}: {}", e.path, e.error);
    }
}

pub fn print_search(req: &SearchRequest, r: &SearchResults, terminal: bool) {
    let (on, off) = if terminal {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("«", "»")
    };
    for n in &r.notices {
        println!("note: {n}");
    }
    println!(
        "{} document(s) match {:?}{}",
        r.total,
        req.query,
        if r.fuzzy {
            " (including near matches for words the OCR may have misread)"
        } else {
            ""
        }
    );
    for (i, h) in r.hits.iter().enumerate() {
        let date = h.document_date.as_ref().map(|d| {
            format!(
                "{}h = {}",
                d["hijri"].as_str().unwrap_or(""),
                d["gregorian"].as_str().unwrap_or("")
            )
        });
        let refs = (!h.reference_numbers.is_empty()).then(|| h.reference_numbers.join(", "));
        let meta: Vec<&str> = [
            h.branch.as_deref(),
            h.doc_type.as_deref(),
            date.as_deref(),
            refs.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let pages = if h.pages.is_empty() {
            String::new()
        } else {
            format!(
                "  page {}",
                h.pages
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        println!(
            "{:>3}. [{}] {}{}{}",
            req.offset + i + 1,
            h.id,
            h.title,
            if meta.is_empty() {
                String::new()
            } else {
                format!("  ({})", meta.join(" · "))
            },
            pages
        );
        let snippet = unescape_html(&h.snippet.replace("<mark>", on).replace("</mark>", off));
        println!("     {snippet}");
        for s in &h.sources {
            println!("     {s}");
        }
    }
    if let Some(f) = &r.facets {
        print_facets(f);
    }
}

pub fn print_facets(f: &crate::search::Facets) {
    let line = |name: &str, values: &[crate::search::FacetCount]| {
        let list: Vec<String> = values
            .iter()
            .map(|v| format!("{} {}", v.value, v.count))
            .collect();
        println!(
            "  {name:<12} {}",
            if list.is_empty() {
                "-".to_string()
            } else {
                list.join(" · ")
            }
        );
    };
    println!("By branch, type and year ({}):", f.calendar);
    line("branch", &f.branches);
    line("type", &f.doc_types);
    line("year", &f.years);
}

fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

pub fn print_show(doc: &DocumentRecord, pages: &[PageRecord]) {
    println!("Document {}: {}", doc.id, doc.title);
    println!("  sha256     {}", doc.blob);
    println!("  type       {}", doc.media_type);
    println!("  size       {} bytes", doc.size);
    if let Some(b) = &doc.branch {
        println!("  branch     {b}");
    }
    if let Some(t) = &doc.doc_type {
        let how = match (doc.meta.doc_type_source, &doc.meta.extracted.type_guess) {
            (Some(crate::metadata::TypeSource::Guessed), Some(g)) => {
                format!(" (guessed from the text, confidence {:.2})", g.confidence)
            }
            (Some(s), _) => format!(" ({})", s.as_str()),
            _ => String::new(),
        };
        println!("  doc type   {t}{how}");
    }
    if let Some(d) = doc.document_date() {
        println!(
            "  dated      {}h = {} ({})",
            d.hijri(),
            d,
            doc.document_date_source().unwrap_or("")
        );
    }
    for d in &doc.meta.extracted.dates {
        println!(
            "  date seen  {:<24} page {}  {}h = {}",
            d.text,
            d.page,
            d.day.hijri(),
            d.day
        );
    }
    if !doc.meta.extracted.reference_numbers.is_empty() {
        println!(
            "  numbers    {}",
            doc.meta.extracted.reference_numbers.join(", ")
        );
    }
    let c = &doc.meta.correction;
    if !c.is_empty() {
        println!(
            "  corrected  by {} at {}",
            c.by.as_deref().unwrap_or("?"),
            c.at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default()
        );
    }
    println!(
        "  imported   {}",
        doc.created_at.format("%Y-%m-%d %H:%M UTC")
    );
    println!("  sources:");
    for s in &doc.sources {
        let branch = s
            .branch
            .as_ref()
            .map(|b| format!(" [{b}]"))
            .unwrap_or_default();
        println!(
            "    {}{}  (batch {}, {})",
            s.path,
            branch,
            s.batch,
            s.imported_at.format("%Y-%m-%d %H:%M")
        );
    }
    for p in pages {
        println!();
        println!(
            "── page {} · {} · confidence {:.2} ──",
            p.number,
            p.source.as_str(),
            p.confidence
        );
        println!("{}", p.text);
        if let Some(line) = numbers_line(&p.numbers) {
            println!("{line}");
        }
    }
}

/// The numbers read on a page, in one line (`None` when there are none):
/// `numbers read: 1445/03/12 · 4451284 (uncertain: 4451234 | 4451264)`.
fn numbers_line(numbers: &[crate::ocr::digits::NumberReading]) -> Option<String> {
    if numbers.is_empty() {
        return None;
    }
    let each: Vec<String> = numbers
        .iter()
        .map(|n| {
            if n.alternatives.is_empty() {
                n.value.clone()
            } else {
                format!("{} (uncertain: {})", n.value, n.alternatives.join(" | "))
            }
        })
        .collect();
    Some(format!("numbers read: {}", each.join(" · ")))
}

pub fn print_check(r: &crate::check::CheckReport, deep: bool) {
    println!(
        "{} documents, {} originals in the store, {} documents in the index ({} pages with text), {} audit entries",
        r.documents, r.blobs, r.indexed_documents, r.pages_with_text, r.audit_entries
    );
    if deep {
        println!("{} originals re-hashed", r.verified);
    }
    if r.problems.is_empty() {
        println!("All consistent.");
        return;
    }
    for p in &r.problems {
        let what = serde_json::to_value(p.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut head = format!("{} {what}", if p.damage { "DAMAGE" } else { "pending" });
        if let Some(d) = p.document {
            head.push_str(&format!(" document {d}"));
        }
        if !p.path.is_empty() {
            head.push_str(&format!(" {}", p.path));
        }
        println!("{head}\n    {}\n    repair: {}", p.detail, p.repair);
    }
    let damage = r.problems.iter().filter(|p| p.damage).count();
    println!(
        "{damage} damaged, {} pending (work an interrupted import left; its re-run finishes it)",
        r.problems.len() - damage
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_shows_its_numbers_marking_the_uncertain_ones() {
        let page = crate::catalog::fixtures::page_with_numbers(1, "رخصة");
        assert_eq!(
            numbers_line(&page.numbers).as_deref(),
            Some("numbers read: 1445/03/12 · 4451284 (uncertain: 4451234 | 4451204)")
        );
        assert_eq!(numbers_line(&[]), None);
    }
}

//! What the command line prints, and small helpers shared by commands.
//!
//! Everything human-readable that comes from the archive or from a client
//! (user names, addresses, titles, paths, queries, errors, audit details)
//! goes through [`term`] or [`term_text`] before it reaches a terminal, so
//! that control characters cannot move the cursor, recolour, clear the
//! screen or start a forged line. JSON output is printed as serde writes
//! it (exact, with its own escapes).

use std::borrow::Cow;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use arshif::catalog::{Catalog, DocumentRecord, FileOutcome, PageRecord};
use arshif::ingest::{IngestReport, Progress, ProgressEvent};
use arshif::search::{SearchRequest, SearchResults};

/// Whether `c` is shown escaped: the C0 controls (`\n` and `\t` too,
/// unless `keep_lines`), DEL, the C1 controls, the bidirectional
/// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, which
/// reorder what follows them on the line), the line and paragraph
/// separators, and the backslash that starts every escape (so that an
/// escape cannot be forged either).
fn needs_escape(c: char, keep_lines: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_lines,
        '\\' => true,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

/// Text made safe to print on a terminal: every character
/// [`needs_escape`] names written as an escape (`\n`, `\r`, `\t`, `\\`,
/// `\x1b` for the other C0 controls and DEL, `\u{202e}` for the rest), the
/// rest as it is (Arabic included). With `keep_lines`, newlines and tabs
/// stay (for page text, which has lines); a carriage return never does.
/// Text with nothing to escape is returned as it is, without copying.
pub fn escape_for_terminal(s: &str, keep_lines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_escape(c, keep_lines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c, keep_lines) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            '\u{0}'..='\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// One line's worth of text for a terminal: [`escape_for_terminal`], newlines
/// escaped too.
pub fn term(s: &str) -> Cow<'_, str> {
    escape_for_terminal(s, false)
}

/// Text of several lines for a terminal (a page's text):
/// [`escape_for_terminal`], newlines and tabs kept.
pub fn term_text(s: &str) -> Cow<'_, str> {
    escape_for_terminal(s, true)
}

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
                tesseract,
            } => {
                let (status, doc, error) = match outcome {
                    FileOutcome::Ingested(d) => ("ingested", Some(d.0), None),
                    FileOutcome::Duplicate(d) => ("duplicate", Some(d.0), None),
                    FileOutcome::Failed(e) => ("failed", None, Some(e.as_str())),
                };
                if let FileOutcome::Failed(err) = outcome {
                    self.failed.set(self.failed.get() + 1);
                    if let Some(b) = &self.bar {
                        b.println(format!("failed: {}: {}", term(path), term(err)));
                    }
                }
                if let Some(b) = &self.bar {
                    b.inc(1);
                }
                self.line(json!({
                    "event": "file_finished", "path": path, "status": status,
                    "id": doc, "pages": pages, "error": error,
                    "pages_per_second": (self.rate() * 100.0).round() / 100.0,
                    "tesseract_seconds_by_kind": tesseract,
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
        out.tesseract_seconds_by_kind += r.tesseract_seconds_by_kind;
        out.split.extend(r.split.iter().cloned());
    }
    out
}

pub fn print_watch_round(round: &arshif::ingest::watch::WatchRound) {
    for m in &round.moved {
        match &m.error {
            None => println!(
                "imported {} → {}",
                term(&m.from.display().to_string()),
                term(&m.to.display().to_string())
            ),
            Some(e) => println!(
                "failed {}: {} → {}",
                term(&m.from.display().to_string()),
                term(&e.to_string()),
                term(&m.to.display().to_string())
            ),
        }
    }
}

/// `watch --json`: one round as one line.
pub fn watch_round_json(round: &arshif::ingest::watch::WatchRound) -> serde_json::Value {
    let moved: Vec<serde_json::Value> = round
        .moved
        .iter()
        .map(|m| {
            json!({
                "from": m.from, "to": m.to,
                "error": m.error.as_ref().map(|e| e.to_string()),
            })
        })
        .collect();
    json!({ "report": round.report, "moved": moved })
}

/// `arshif batches`: every batch with its counts and failures, or one
/// batch's files.
pub fn print_batches(
    catalog: &dyn Catalog,
    one: Option<arshif::types::BatchId>,
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
            (arshif::catalog::BatchStatus::Finished, Some(t)) => {
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
            term(b.branch.as_ref().map(|x| x.as_str()).unwrap_or("-")),
            term(b.doc_type.as_ref().map(|x| x.as_str()).unwrap_or("-")),
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
                term(&f.path),
                term(f.error.as_deref().unwrap_or(""))
            );
        }
        if one.is_some() {
            for f in files.iter().filter(|f| f.status != "failed") {
                let id = f.document.map(|d| d.0.to_string()).unwrap_or_default();
                println!("  {}: {} {id}", term(&f.path), term(&f.status));
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
    for f in &r.split {
        let ranges: Vec<String> = f
            .parts
            .iter()
            .map(|p| format!("{}-{}", p.source_pages[0], p.source_pages[1]))
            .collect();
        println!(
            "  split: {}: {} document(s) from {} pages (pages {})",
            term(&f.path),
            f.documents,
            f.pages,
            ranges.join(", ")
        );
    }
    for e in &r.errors {
        println!("  failed: {}: {}", term(&e.path), term(&e.error));
    }
}

pub fn print_search(req: &SearchRequest, r: &SearchResults, terminal: bool) {
    let (on, off) = if terminal {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("«", "»")
    };
    for n in &r.notices {
        println!("note: {}", term(n));
    }
    println!(
        "{} document(s) match \"{}\"{}",
        r.total,
        term(&req.query).replace('"', "\\\""),
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
        let meta: Vec<Cow<str>> = [
            h.branch.as_deref(),
            h.doc_type.as_deref(),
            date.as_deref(),
            refs.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(term)
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
            term(&h.title),
            if meta.is_empty() {
                String::new()
            } else {
                format!("  ({})", meta.join(" · "))
            },
            pages
        );
        println!("     {}", snippet_for_terminal(&h.snippet, on, off));
        for s in &h.sources {
            println!("     {}", term(s));
        }
    }
    if let Some(f) = &r.facets {
        print_facets(f);
    }
}

pub fn print_facets(f: &arshif::search::Facets) {
    let line = |name: &str, values: &[arshif::search::FacetCount]| {
        let list: Vec<String> = values
            .iter()
            .map(|v| format!("{} {}", term(&v.value), v.count))
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

/// A snippet (HTML-escaped text with `<mark>` around the matches) for a
/// terminal: the text unescaped and then escaped for the terminal, the
/// marks turned into `on` and `off` (which may be the terminal's own
/// escapes: only these reach it raw).
fn snippet_for_terminal(snippet: &str, on: &str, off: &str) -> String {
    snippet
        .split("<mark>")
        .enumerate()
        .map(|(i, part)| {
            let (marked, rest) = match part.split_once("</mark>") {
                Some((m, r)) if i > 0 => (Some(m), r),
                _ => (None, part),
            };
            let mut out = String::new();
            if let Some(m) = marked {
                out.push_str(on);
                out.push_str(&term(&unescape_html(m)));
                out.push_str(off);
            }
            out.push_str(&term(&unescape_html(&rest.replace("</mark>", ""))));
            out
        })
        .collect()
}

fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

pub fn print_show(doc: &DocumentRecord, pages: &[PageRecord]) {
    println!("Document {}: {}", doc.id, term(&doc.title));
    println!("  sha256     {}", doc.blob);
    println!("  type       {}", term(&doc.media_type));
    println!("  size       {} bytes", doc.size);
    if let Some(b) = &doc.branch {
        println!("  branch     {}", term(&b.to_string()));
    }
    if let Some(t) = &doc.doc_type {
        let how = match (doc.meta.doc_type_source, &doc.meta.extracted.type_guess) {
            (Some(arshif::metadata::TypeSource::Guessed), Some(g)) => {
                format!(" (guessed from the text, confidence {:.2})", g.confidence)
            }
            (Some(s), _) => format!(" ({})", s.as_str()),
            _ => String::new(),
        };
        println!("  doc type   {}{how}", term(&t.to_string()));
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
            term(&d.text),
            d.page,
            d.day.hijri(),
            d.day
        );
    }
    if !doc.reference_numbers().is_empty() {
        println!("  numbers    {}", term(&doc.reference_numbers().join(", ")));
    }
    let c = &doc.meta.correction;
    if !c.is_empty() {
        println!(
            "  corrected  by {} at {}",
            term(c.by.as_deref().unwrap_or("?")),
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
            .map(|b| format!(" [{}]", term(&b.to_string())))
            .unwrap_or_default();
        println!(
            "    {}{}  (batch {}, {})",
            term(&s.path),
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
        println!("{}", term_text(&p.text));
        if let Some(line) = numbers_line(&p.numbers) {
            println!("{}", term(&line));
        }
    }
}

/// The numbers read on a page, in one line (`None` when there are none):
/// `numbers read: 1445/03/12 · 4451284 (uncertain: 4451234 | 4451264)`.
fn numbers_line(numbers: &[arshif::ocr::digits::NumberReading]) -> Option<String> {
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

pub fn print_check(r: &arshif::check::CheckReport, deep: bool) {
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
            head.push_str(&format!(" {}", term(&p.path)));
        }
        println!(
            "{head}\n    {}\n    repair: {}",
            term(&p.detail),
            term(&p.repair)
        );
    }
    let damage = r.problems.iter().filter(|p| p.damage).count();
    println!(
        "{damage} damaged, {} pending (work an interrupted import left; its re-run finishes it)",
        r.problems.len() - damage
    );
}

/// The review queue, one line a document: id, import time, branch, type,
/// date and title.
pub fn print_review_queue(listed: &arshif::app::Listed) {
    if listed.total == 0 {
        println!("Nothing to review: every document's reading is confirmed.");
        return;
    }
    println!(
        "{} document{} to review{}:",
        listed.total,
        if listed.total == 1 { "" } else { "s" },
        if listed.documents.len() < listed.total {
            format!(" (the first {})", listed.documents.len())
        } else {
            String::new()
        }
    );
    for d in &listed.documents {
        let imported = d
            .sources
            .first()
            .map(|s| s.imported_at.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let date = d
            .document_date()
            .map(|day| day.to_string())
            .unwrap_or_else(|| "no date".into());
        println!(
            "  {:>6}  {imported}  {:<10} {:<18} {date:<10}  {}",
            d.id,
            d.branch.as_ref().map_or("-", |b| b.as_str()),
            d.doc_type.as_ref().map_or("-", |t| t.as_str()),
            d.title
        );
    }
    println!("Confirm one with: arshif set ID --review done");
}

/// `arshif doctor`'s findings, one line each, the fix indented below.
pub fn print_doctor(report: &arshif::doctor::DoctorReport) {
    use arshif::doctor::Status;
    for f in &report.findings {
        let mark = match f.status {
            Status::Ok => "ok  ",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        };
        println!("{mark}  {:<17} {}", f.check, term(&f.detail));
        if let Some(fix) = &f.fix {
            println!("      {:<17} fix: {}", "", term(fix));
        }
    }
    let failed = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .count();
    if failed == 0 {
        println!("Nothing to fix.");
    } else {
        println!("{failed} to fix.");
    }
}

/// A fatal error as `--json` prints it: `{"error":{"code","message"}}`,
/// the code the HTTP API gives the same error where it has one (e.g.
/// `no_such_document`, `held`, `archive_busy`), else one naming its kind
/// (`not_an_archive`, `catalog`, `store`, `io`, …), or `error`.
pub fn error_json(e: &anyhow::Error) -> serde_json::Value {
    json!({ "error": { "code": error_code(e), "message": format!("{e:#}") } })
}

fn error_code(e: &anyhow::Error) -> &'static str {
    use arshif::app::AppError;
    use arshif::archive::ArchiveError;
    use arshif::catalog::CatalogError;
    use arshif::search::SearchError;
    fn catalog(e: &CatalogError) -> &'static str {
        match e {
            _ if e.is_outage() => "unavailable",
            CatalogError::NoSuchDocument(_) => "no_such_document",
            CatalogError::Ambiguous { .. } => "ambiguous",
            CatalogError::UnknownType { .. } => "unknown_type",
            CatalogError::TypeExists(_) => "type_exists",
            CatalogError::NoSuchType(_) => "no_such_type",
            CatalogError::BadTypeName(_) => "bad_type_name",
            CatalogError::Held(_) => "held",
            CatalogError::InTrash(_) => "in_trash",
            CatalogError::NotInTrash(_) => "not_in_trash",
            CatalogError::NotHeld(_) => "not_held",
            CatalogError::BlobTaken(_) => "same_as_another",
            CatalogError::NewerSchema { .. } => "newer_format",
            _ => "catalog",
        }
    }
    fn archive(e: &ArchiveError) -> &'static str {
        match e {
            ArchiveError::NotInitialised { .. } => "not_an_archive",
            ArchiveError::AlreadyInitialised { .. } | ArchiveError::NotEmpty { .. } => {
                "already_exists"
            }
            ArchiveError::NewerFormat { .. } => "newer_format",
            ArchiveError::Locked { .. } => "archive_busy",
            ArchiveError::Catalog(c) => catalog(c),
            ArchiveError::Io { .. } => "io",
            _ => "archive",
        }
    }
    fn search(e: &SearchError) -> &'static str {
        match e {
            SearchError::EmptyQuery => "empty_query",
            SearchError::BadQuery(_) => "bad_query",
            SearchError::OnlyStopwords(_) => "only_stopwords",
            SearchError::NoSearchableText(_) => "no_searchable_text",
            SearchError::OnlyExclusions => "only_exclusions",
            SearchError::Index(_) => "index",
        }
    }
    for cause in e.chain() {
        if let Some(a) = cause.downcast_ref::<AppError>() {
            return match a {
                AppError::NoSuchDocument(_) | AppError::OutOfScope(_) => "no_such_document",
                AppError::NoSuchPage { .. } => "no_such_page",
                AppError::SharedDocument(_) => "shared_document",
                AppError::MoveNotAllowed => "forbidden",
                AppError::BadReason => "bad_reason",
                AppError::BadRetention(_) => "bad_retention",
                AppError::BadScan(_) => "bad_scan",
                AppError::SameAsOriginal(_) => "same_as_original",
                AppError::Catalog(c) => catalog(c),
                AppError::Archive(a) => archive(a),
                AppError::Search(s) => search(s),
                _ => "error",
            };
        }
        if let Some(c) = cause.downcast_ref::<CatalogError>() {
            return catalog(c);
        }
        if let Some(a) = cause.downcast_ref::<ArchiveError>() {
            return archive(a);
        }
        if let Some(s) = cause.downcast_ref::<SearchError>() {
            return search(s);
        }
        if cause.downcast_ref::<arshif::store::StoreError>().is_some() {
            return "store";
        }
        if cause.downcast_ref::<arshif::auth::AuthError>().is_some() {
            return "accounts";
        }
        if cause.downcast_ref::<std::io::Error>().is_some() {
            return "io";
        }
    }
    "error"
}

/// Write `cmd`'s manual page as `arshif.1` into `dir`, and one page per
/// command below it (`arshif-user-add.1`, …); answers how many.
pub fn write_man_pages(cmd: clap::Command, dir: &std::path::Path) -> Result<usize> {
    use anyhow::Context;
    fn write(cmd: clap::Command, name: String, dir: &std::path::Path) -> Result<usize> {
        let cmd = cmd.name(name.clone()).bin_name(name.replace('-', " "));
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
        let file = dir.join(format!("{name}.1"));
        std::fs::write(&file, page).with_context(|| format!("writing {}", file.display()))?;
        let mut written = 1;
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                let sub_name = format!("{name}-{}", sub.get_name());
                written += write(sub.clone(), sub_name, dir)?;
            }
        }
        Ok(written)
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut cmd = cmd;
    cmd.build();
    write(cmd, "arshif".into(), dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_shows_its_numbers_marking_the_uncertain_ones() {
        use arshif::ocr::digits::{NumberKind, NumberReading};
        let numbers = [
            NumberReading {
                text: "١٤٤٥/٠٣/١٢هـ".into(),
                value: "1445/03/12".into(),
                kind: NumberKind::Date,
                confidence: 0.975,
                alternatives: vec![],
                bbox: [100, 200, 300, 40],
            },
            NumberReading {
                text: "٤٤٥١٢٨٤".into(),
                value: "4451284".into(),
                kind: NumberKind::Number,
                confidence: 0.62,
                alternatives: vec!["4451234".into(), "4451204".into()],
                bbox: [420, 200, 210, 38],
            },
        ];
        assert_eq!(
            numbers_line(&numbers).as_deref(),
            Some("numbers read: 1445/03/12 · 4451284 (uncertain: 4451234 | 4451204)")
        );
        assert_eq!(numbers_line(&[]), None);
    }

    /// What each kind of character becomes, on one line and in page text.
    #[test]
    fn control_characters_are_escaped_for_the_terminal() {
        // (input, on one line, in page text)
        let table: &[(&str, &str, &str)] = &[
            ("sara", "sara", "sara"),
            ("رخصة بناء ١٤٤٥", "رخصة بناء ١٤٤٥", "رخصة بناء ١٤٤٥"),
            (
                "a\u{200f}b\u{061c}c",
                "a\u{200f}b\u{061c}c",
                "a\u{200f}b\u{061c}c",
            ),
            (
                "\u{1b}[2J\u{1b}[31mroot",
                "\\x1b[2J\\x1b[31mroot",
                "\\x1b[2J\\x1b[31mroot",
            ),
            ("x\nforged line", "x\\nforged line", "x\nforged line"),
            ("tab\there", "tab\\there", "tab\there"),
            ("over\rwrite", "over\\rwrite", "over\\rwrite"),
            ("nul\0bell\u{7}", "nul\\x00bell\\x07", "nul\\x00bell\\x07"),
            ("del\u{7f}", "del\\x7f", "del\\x7f"),
            (
                "csi\u{9b}31m nel\u{85}",
                "csi\\u{9b}31m nel\\u{85}",
                "csi\\u{9b}31m nel\\u{85}",
            ),
            ("\u{80}\u{9f}", "\\u{80}\\u{9f}", "\\u{80}\\u{9f}"),
            ("abc\u{202e}fed", "abc\\u{202e}fed", "abc\\u{202e}fed"),
            (
                "\u{202a}\u{202b}\u{202c}\u{202d}",
                "\\u{202a}\\u{202b}\\u{202c}\\u{202d}",
                "\\u{202a}\\u{202b}\\u{202c}\\u{202d}",
            ),
            (
                "\u{2066}x\u{2067}\u{2068}\u{2069}",
                "\\u{2066}x\\u{2067}\\u{2068}\\u{2069}",
                "\\u{2066}x\\u{2067}\\u{2068}\\u{2069}",
            ),
            (
                "l\u{2028}p\u{2029}",
                "l\\u{2028}p\\u{2029}",
                "l\\u{2028}p\\u{2029}",
            ),
            // An escape typed in plain text cannot pass for one.
            ("a\\nb", "a\\\\nb", "a\\\\nb"),
            ("C:\\scans", "C:\\\\scans", "C:\\\\scans"),
            ("", "", ""),
        ];
        for (input, line, text) in table {
            assert_eq!(term(input), *line, "term({input:?})");
            assert_eq!(term_text(input), *text, "term_text({input:?})");
            for out in [term(input), term_text(input)] {
                assert!(
                    !out.chars()
                        .any(|c| c.is_control() && c != '\n' && c != '\t'),
                    "{out:?}"
                );
            }
            assert!(!term(input).contains('\n'));
        }
        // Nothing to escape: no copy.
        assert!(matches!(term("sara"), Cow::Borrowed(_)));
    }

    #[test]
    fn snippets_keep_only_their_own_highlighting() {
        let on = "\u{1b}[1;33m";
        let off = "\u{1b}[0m";
        assert_eq!(
            snippet_for_terminal("a <mark>رخصة</mark> &lt;b&gt; <mark>x</mark>", on, off),
            format!("a {on}رخصة{off} <b> {on}x{off}")
        );
        // Escapes in the text (raw or HTML-escaped) do not reach the
        // terminal; a stray closing mark is dropped.
        let shown = snippet_for_terminal("\u{1b}[2J<mark>a\nb</mark></mark>&amp;", on, off);
        assert_eq!(shown, format!("\\x1b[2J{on}a\\nb{off}&"));
        assert_eq!(snippet_for_terminal("plain", "«", "»"), "plain");
    }
}

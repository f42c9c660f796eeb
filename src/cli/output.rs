//! What the command line prints, and small helpers shared by commands.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::archive::{Archive, ArchiveError};
use crate::catalog::{Catalog, DocumentRecord, FileOutcome, PageRecord};
use crate::index::{self, IndexState, SearchIndex};
use crate::ingest::{IngestReport, Progress, ProgressEvent};
use crate::search::{SearchRequest, SearchResults};

/// Progress bar on a terminal; nothing otherwise.
pub struct IngestProgress {
    bar: Option<ProgressBar>,
    pages: std::cell::Cell<u64>,
    failed: std::cell::Cell<u64>,
}

impl IngestProgress {
    pub fn new(show: bool) -> Self {
        let bar = show.then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {pos} files · {msg}")
                    .expect("valid template"),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(200));
            b
        });
        IngestProgress {
            bar,
            pages: 0.into(),
            failed: 0.into(),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }

    fn update(&self) {
        if let Some(b) = &self.bar {
            b.set_message(format!(
                "{} pages · {} failed",
                self.pages.get(),
                self.failed.get()
            ));
        }
    }
}

impl Progress for IngestProgress {
    fn event(&self, e: ProgressEvent<'_>) {
        match e {
            ProgressEvent::FileSeen { .. } => {}
            ProgressEvent::PageRead => self.pages.set(self.pages.get() + 1),
            ProgressEvent::FileFinished { path, outcome } => {
                if let FileOutcome::Failed(err) = outcome {
                    self.failed.set(self.failed.get() + 1);
                    if let Some(b) = &self.bar {
                        b.println(format!("failed: {path}: {err}"));
                    }
                }
                if let Some(b) = &self.bar {
                    b.inc(1);
                }
            }
        }
        self.update();
    }
}

pub fn print_ingest_report(r: &IngestReport) {
    println!(
        "{} files: {} imported ({} pages), {} already in the archive, {} failed",
        r.files_seen, r.ingested, r.pages, r.duplicates, r.failed
    );
    for e in &r.errors {
        println!("  failed: {}: {}", e.path, e.error);
    }
}

/// Open the index for searching. When no other process is writing, first
/// bring it up to date with the catalog (rebuilding it if it was damaged).
pub fn fresh_index(archive: &Archive) -> Result<SearchIndex> {
    match archive.lock_writer() {
        Ok(_lock) => {
            let (idx, state) = archive.open_index()?;
            let mut catalog = archive.catalog()?;
            if state == IndexState::Rebuilt || !catalog.unindexed()?.is_empty() {
                let mut w = idx.writer()?;
                index::catch_up(&mut w, &mut catalog, state)?;
                w.finish()?;
                idx.reload()?;
            }
            Ok(idx)
        }
        Err(ArchiveError::Locked { .. }) => Ok(SearchIndex::open_existing(&archive.index_dir())?),
        Err(e) => Err(e.into()),
    }
}

/// Rebuild the whole index from the catalog.
pub fn reindex(archive: &Archive) -> Result<usize> {
    let _lock = archive.lock_writer()?;
    let (idx, _) = archive.open_index()?;
    let mut catalog = archive.catalog()?;
    let mut w = idx.writer()?;
    w.delete_all()?;
    let n = index::catch_up(&mut w, &mut catalog, IndexState::Rebuilt)?;
    w.finish()?;
    Ok(n)
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
        let meta: Vec<&str> = [h.branch.as_deref(), h.doc_type.as_deref()]
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
}

fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A searchable PDF of a document, built from its stored original and pages.
pub fn searchable_pdf(
    archive: &Archive,
    doc: &DocumentRecord,
    pages: &[PageRecord],
) -> Result<Vec<u8>> {
    use crate::store::BlobStore;
    let path = archive
        .store()
        .local_path(&doc.blob)
        .ok_or_else(|| anyhow::anyhow!("the original is not in a local store"))?;
    let format = crate::extract::sniff(&crate::extract::read_head(&path)?)?;
    let font = crate::searchable::glyphless_font(&crate::ocr::OcrConfig::default().datapath);
    let mut out = Vec::new();
    crate::searchable::write(&path, format, pages, &font, &mut out)?;
    Ok(out)
}

/// The document as `arshif show --json` prints it.
pub fn show_json(doc: &DocumentRecord, pages: &[PageRecord], words: bool) -> serde_json::Value {
    json!({
        "id": doc.id,
        "sha256": doc.blob,
        "title": doc.title,
        "branch": doc.branch,
        "branches": doc.branches(),
        "doc_type": doc.doc_type,
        "media_type": doc.media_type,
        "size": doc.size,
        "page_count": doc.page_count,
        "created_at": doc.created_at,
        "sources": doc.sources.iter().map(|s| json!({
            "path": s.path,
            "branch": s.branch,
            "doc_type": s.doc_type,
            "batch": s.batch,
            "imported_at": s.imported_at,
        })).collect::<Vec<_>>(),
        "pages": pages.iter().map(|p| {
            let mut v = json!({
                "number": p.number,
                "text": p.text,
                "source": p.source.as_str(),
                "confidence": (p.confidence as f64 * 1000.0).round() / 1000.0,
                "rotation": p.rotation,
                "skew": (p.skew as f64 * 100.0).round() / 100.0,
                "width": p.width,
                "height": p.height,
                "language": p.language,
            });
            if words {
                v["words"] = json!(p.words.iter().map(|w| json!({
                    "text": w.text, "box": w.bbox, "confidence": w.confidence
                })).collect::<Vec<_>>());
            }
            v
        }).collect::<Vec<_>>(),
    })
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
        println!("  doc type   {t}");
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
    }
}

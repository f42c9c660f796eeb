//! The import pipeline: walk → hash → dedup → stage → decode → OCR →
//! catalog → index.
//!
//! Three kinds of thread, joined by bounded channels so that memory stays
//! flat whatever the batch size:
//!
//! * the **reader** walks the inputs, hashes each file, skips known content,
//!   copies new content into the store's staging area, decodes its pages and
//!   queues page images for OCR (text-layer pages go straight on);
//! * **OCR workers**, one Tesseract engine each, read page images;
//! * the **collector** (the calling thread) assembles each file's pages, then
//!   records the document in the catalog and the index. It alone writes.
//!
//! A blob is published in the store before its document is recorded, and a
//! document is recorded in the catalog before it is indexed, so a crash at
//! any point leaves nothing half-written: at worst an orphan blob that the
//! next import of the same file adopts, or documents the next run indexes.

mod title;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::Utc;
use crossbeam_channel::{bounded, Receiver, Sender};
use serde::Serialize;

pub use title::derive_title;

use crate::archive::{Archive, ArchiveError};
use crate::catalog::{
    Catalog, CatalogError, FileOutcome, NewBatch, NewDocument, PageRecord, SourceRecord,
};
use crate::extract::{self, ExtractConfig, ExtractError, Format, PageContent};
use crate::index::{self, IndexError, Indexer};
use crate::ocr::{OcrConfig, OcrEngine};
use crate::store::{self, BlobStore};
use crate::types::{BatchId, BlobId, BranchSlug, DocId, DocType, TextSource};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("a pipeline thread failed: {0}")]
    Thread(String),
}

/// How an import runs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub branch: Option<BranchSlug>,
    pub doc_type: Option<DocType>,
    /// OCR worker threads, one Tesseract engine each.
    pub workers: usize,
    pub ocr: OcrConfig,
    pub extract: ExtractConfig,
    /// Commit the index after this many documents.
    pub commit_every: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            branch: None,
            doc_type: None,
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            ocr: OcrConfig::default(),
            extract: ExtractConfig::default(),
            commit_every: 100,
        }
    }
}

/// A file that could not be imported, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileError {
    pub path: String,
    pub error: String,
}

/// The outcome of an import, as `arshif ingest --json` prints it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    pub files_seen: u64,
    pub ingested: u64,
    pub duplicates: u64,
    pub failed: u64,
    pub pages: u64,
    pub errors: Vec<FileError>,
    #[serde(skip)]
    pub batch: Option<BatchId>,
}

/// What the pipeline tells a progress display.
#[derive(Debug, Clone)]
pub enum ProgressEvent<'a> {
    FileSeen {
        path: &'a str,
    },
    PageRead,
    FileFinished {
        path: &'a str,
        outcome: &'a FileOutcome,
    },
}

/// Receives progress events; called from the collector thread only.
pub trait Progress {
    fn event(&self, e: ProgressEvent<'_>);
}

/// No progress display.
pub struct Quiet;
impl Progress for Quiet {
    fn event(&self, _: ProgressEvent<'_>) {}
}

enum Msg {
    Seen {
        file: usize,
        path: String,
    },
    Known {
        file: usize,
        doc: DocId,
    },
    SameAsEarlier {
        file: usize,
        earlier: usize,
    },
    Page {
        file: usize,
        page: PageRecord,
    },
    Failed {
        file: usize,
        error: String,
    },
    Stored {
        file: usize,
        blob: BlobId,
        size: u64,
        format: Format,
        pages: u32,
    },
}

struct Job {
    file: usize,
    number: u32,
    content: PageContent,
}

/// Turn one extracted page into its catalog record: OCR a page image; take
/// a text layer as it is, filling any undecodable glyphs from OCR of the
/// rendered page. The one place that decides what a page's text is.
pub fn read_page(
    engine: &mut OcrEngine,
    number: u32,
    content: PageContent,
) -> Result<PageRecord, crate::ocr::OcrError> {
    let text_page = |t: crate::extract::TextLayerPage| PageRecord {
        number,
        text: t.text,
        source: TextSource::PdfText,
        confidence: 1.0,
        words: t.words,
        rotation: 0,
        skew: 0.0,
        width: t.width,
        height: t.height,
        language: String::new(),
    };
    match content {
        PageContent::Text(t) => Ok(text_page(t)),
        PageContent::TextWithHoles(mut t, image) => {
            let r = engine.recognize(&image)?;
            if r.rotation == 0 {
                t.patch_holes(&r.words);
            } else {
                t.drop_holes();
            }
            Ok(text_page(t))
        }
        PageContent::Image(image) => {
            let r = engine.recognize(&image)?;
            Ok(PageRecord {
                number,
                text: r.text,
                source: TextSource::Ocr,
                confidence: r.confidence,
                words: r.words,
                rotation: r.rotation,
                skew: r.skew,
                width: r.width,
                height: r.height,
                language: r.languages,
            })
        }
    }
}

/// Import files and folders into the archive as one batch.
pub fn ingest(
    archive: &Archive,
    inputs: &[PathBuf],
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport, IngestError> {
    let _lock = archive.lock_writer()?;
    archive
        .store()
        .clean_staging()
        .map_err(ArchiveError::from)?;
    let mut catalog = archive.catalog()?;
    let (search_index, state) = archive.open_index()?;
    let mut indexer = search_index.writer()?;
    index::catch_up(&mut indexer, &mut catalog, state)?;

    let batch = catalog.begin_batch(&NewBatch {
        started_at: Utc::now(),
        branch: opts.branch.clone(),
        doc_type: opts.doc_type.clone(),
        inputs: inputs
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
    })?;

    let reader_catalog = archive.catalog()?;
    let workers = opts.workers.max(1);
    let (job_tx, job_rx) = bounded::<Job>(workers * 2);
    let (msg_tx, msg_rx) = bounded::<Msg>(4096);

    let report = std::thread::scope(|scope| -> Result<IngestReport, IngestError> {
        let reader = {
            let msg_tx = msg_tx.clone();
            let store = archive.store();
            let extract_cfg = &opts.extract;
            scope.spawn(move || {
                read_files(&reader_catalog, store, inputs, extract_cfg, job_tx, msg_tx)
            })
        };
        let mut ocr_threads = Vec::new();
        for _ in 0..workers {
            let job_rx = job_rx.clone();
            let msg_tx = msg_tx.clone();
            let cfg = opts.ocr.clone();
            ocr_threads.push(scope.spawn(move || ocr_worker(&cfg, job_rx, msg_tx)));
        }
        drop(job_rx);
        drop(msg_tx);

        let mut collector = Collector {
            catalog: &mut catalog,
            indexer: &mut indexer,
            batch,
            opts,
            progress,
            files: HashMap::new(),
            finished: HashMap::new(),
            waiting: HashMap::new(),
            report: IngestReport {
                batch: Some(batch),
                ..Default::default()
            },
        };
        let result = collector.run(msg_rx);
        let report = std::mem::take(&mut collector.report);
        for t in ocr_threads {
            t.join()
                .map_err(|_| IngestError::Thread("an OCR worker panicked".into()))?;
        }
        reader
            .join()
            .map_err(|_| IngestError::Thread("the file reader panicked".into()))?;
        result.map(|_| report)
    })?;

    let ids = indexer.commit()?;
    catalog.mark_indexed(&ids)?;
    indexer.finish()?;
    catalog.finish_batch(batch, Utc::now())?;
    Ok(report)
}

/// Every file under the inputs, in a stable order (directories sorted by name,
/// hidden entries skipped). Errors are paths that cannot be walked.
fn walk(inputs: &[PathBuf], mut f: impl FnMut(Result<PathBuf, (PathBuf, String)>) -> bool) {
    for input in inputs {
        if !input.is_dir() {
            if !f(Ok(input.clone())) {
                return;
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(input)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let item = match entry {
                Ok(e) if e.file_type().is_dir() => continue,
                Ok(e) => Ok(e.into_path()),
                Err(e) => {
                    let p = e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| input.clone());
                    let msg = e
                        .io_error()
                        .map(|io| format!("unreadable: {io}"))
                        .unwrap_or_else(|| format!("unreadable: {e}"));
                    Err((p, msg))
                }
            };
            if !f(item) {
                return;
            }
        }
    }
}

fn read_files(
    catalog: &dyn Catalog,
    store: &dyn BlobStore,
    inputs: &[PathBuf],
    cfg: &ExtractConfig,
    job_tx: Sender<Job>,
    msg_tx: Sender<Msg>,
) {
    let mut in_flight: HashMap<BlobId, usize> = HashMap::new();
    let mut file = 0usize;
    walk(inputs, |item| {
        file += 1;
        let (path, walk_err) = match item {
            Ok(p) => (p, None),
            Err((p, e)) => (p, Some(e)),
        };
        let shown = path.to_string_lossy().into_owned();
        if msg_tx.send(Msg::Seen { file, path: shown }).is_err() {
            return false;
        }
        let msg = match walk_err {
            Some(error) => Msg::Failed { file, error },
            None => read_one(
                catalog,
                store,
                cfg,
                &mut in_flight,
                file,
                &path,
                &job_tx,
                &msg_tx,
            ),
        };
        msg_tx.send(msg).is_ok()
    });
}

#[allow(clippy::too_many_arguments)]
fn read_one(
    catalog: &dyn Catalog,
    store: &dyn BlobStore,
    cfg: &ExtractConfig,
    in_flight: &mut HashMap<BlobId, usize>,
    file: usize,
    path: &Path,
    job_tx: &Sender<Job>,
    msg_tx: &Sender<Msg>,
) -> Msg {
    let failed = |error: String| Msg::Failed { file, error };
    if path.is_dir() {
        return failed("is a directory".into());
    }
    let (blob, _) = match store::hash_file(path) {
        Ok(h) => h,
        Err(e) => return failed(format!("unreadable: {}", io_reason(&e))),
    };
    match catalog.find_by_blob(&blob) {
        Ok(Some(doc)) => return Msg::Known { file, doc },
        Ok(None) => {}
        Err(e) => return failed(format!("catalog lookup failed: {e}")),
    }
    if let Some(&earlier) = in_flight.get(&blob) {
        return Msg::SameAsEarlier { file, earlier };
    }
    let head = match extract::read_head(path) {
        Ok(h) => h,
        Err(e) => return failed(e.to_string()),
    };
    let format = match extract::sniff(&head) {
        Ok(f) => f,
        Err(e) => return failed(e.to_string()),
    };
    // Copy into the store's staging area; decode that copy, so what is
    // read is exactly what is kept even if the source changes meanwhile.
    let staged = match store.stage(path, Some(&blob)) {
        Ok(s) => s,
        Err(e) => return failed(format!("could not copy into the store: {}", io_reason(&e))),
    };
    in_flight.insert(blob, file);
    let mut stopped = false;
    let result = extract::extract_pages(staged.path(), format, cfg, &mut |number, content| {
        let sent = match content {
            PageContent::Text(t) => msg_tx
                .send(Msg::Page {
                    file,
                    page: PageRecord {
                        number,
                        text: t.text,
                        source: TextSource::PdfText,
                        confidence: 1.0,
                        words: t.words,
                        rotation: 0,
                        skew: 0.0,
                        width: t.width,
                        height: t.height,
                        language: String::new(),
                    },
                })
                .is_ok(),
            content => job_tx
                .send(Job {
                    file,
                    number,
                    content,
                })
                .is_ok(),
        };
        stopped = !sent;
        sent
    });
    let pages = match result {
        Ok(n) => n,
        Err(ExtractError::Stopped) if stopped => return failed("import stopped".into()),
        Err(e) => return failed(e.to_string()),
    };
    let size = staged.size();
    match store.commit(staged) {
        Ok(_) => Msg::Stored {
            file,
            blob,
            size,
            format,
            pages,
        },
        Err(e) => failed(format!("could not store the original: {e}")),
    }
}

/// The useful part of a store error for a person: the OS reason.
fn io_reason(e: &store::StoreError) -> String {
    match e {
        store::StoreError::Io { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

fn ocr_worker(cfg: &OcrConfig, jobs: Receiver<Job>, msgs: Sender<Msg>) {
    // The engine starts on the first page: a batch of text PDFs needs none.
    let mut engine: Option<OcrEngine> = None;
    for job in jobs {
        if engine.is_none() {
            match OcrEngine::new(cfg) {
                Ok(e) => engine = Some(e),
                Err(e) => {
                    let _ = msgs.send(Msg::Failed {
                        file: job.file,
                        error: e.to_string(),
                    });
                    continue;
                }
            }
        }
        let eng = engine.as_mut().expect("engine initialised above");
        let msg = match read_page(eng, job.number, job.content) {
            Ok(page) => Msg::Page {
                file: job.file,
                page,
            },
            Err(e) => Msg::Failed {
                file: job.file,
                error: format!("page {}: {e}", job.number),
            },
        };
        if msgs.send(msg).is_err() {
            return;
        }
    }
}

struct FileState {
    path: String,
    pages: BTreeMap<u32, PageRecord>,
    stored: Option<(BlobId, u64, Format, u32)>,
}

struct Collector<'a> {
    catalog: &'a mut dyn Catalog,
    indexer: &'a mut Indexer,
    batch: BatchId,
    opts: &'a IngestOptions,
    progress: &'a dyn Progress,
    files: HashMap<usize, FileState>,
    /// Files already settled: their document, or why they failed.
    finished: HashMap<usize, Result<DocId, String>>,
    /// Files with the same bytes as a file still in progress.
    waiting: HashMap<usize, Vec<(usize, String)>>,
    report: IngestReport,
}

impl Collector<'_> {
    fn run(&mut self, msgs: Receiver<Msg>) -> Result<(), IngestError> {
        for msg in msgs {
            match msg {
                Msg::Seen { file, path } => {
                    self.progress.event(ProgressEvent::FileSeen { path: &path });
                    self.files.insert(
                        file,
                        FileState {
                            path,
                            pages: BTreeMap::new(),
                            stored: None,
                        },
                    );
                }
                Msg::Known { file, doc } => {
                    let path = self.take(file);
                    self.duplicate(file, &path, doc)?;
                }
                Msg::SameAsEarlier { file, earlier } => {
                    let path = self.take(file);
                    match self.finished.get(&earlier).cloned() {
                        Some(Ok(doc)) => self.duplicate(file, &path, doc)?,
                        Some(Err(e)) => self.fail(file, &path, e)?,
                        None => self.waiting.entry(earlier).or_default().push((file, path)),
                    }
                }
                Msg::Page { file, page } => {
                    self.progress.event(ProgressEvent::PageRead);
                    if let Some(st) = self.files.get_mut(&file) {
                        st.pages.insert(page.number, page);
                    }
                    self.maybe_complete(file)?;
                }
                Msg::Failed { file, error } => {
                    if self.files.contains_key(&file) {
                        let path = self.take(file);
                        self.fail(file, &path, error)?;
                    }
                }
                Msg::Stored {
                    file,
                    blob,
                    size,
                    format,
                    pages,
                } => {
                    if let Some(st) = self.files.get_mut(&file) {
                        st.stored = Some((blob, size, format, pages));
                    }
                    self.maybe_complete(file)?;
                }
            }
        }
        Ok(())
    }

    fn take(&mut self, file: usize) -> String {
        self.files.remove(&file).map(|s| s.path).unwrap_or_default()
    }

    fn source(&self, path: &str) -> SourceRecord {
        SourceRecord {
            path: path.to_string(),
            branch: self.opts.branch.clone(),
            doc_type: self.opts.doc_type.clone(),
            batch: self.batch,
            imported_at: Utc::now(),
        }
    }

    fn maybe_complete(&mut self, file: usize) -> Result<(), IngestError> {
        let ready = matches!(
            self.files.get(&file),
            Some(FileState { stored: Some((_, _, _, n)), pages, .. }) if pages.len() as u32 == *n
        );
        if !ready {
            return Ok(());
        }
        let st = self.files.remove(&file).expect("checked above");
        let (blob, size, format, _) = st.stored.expect("checked above");
        let pages: Vec<PageRecord> = st.pages.into_values().collect();
        let title = derive_title(pages.iter().map(|p| p.text.as_str()), &st.path);
        let new = NewDocument {
            blob,
            size,
            media_type: format.media_type().to_string(),
            title,
            pages,
            source: self.source(&st.path),
        };
        let (doc, created) = self.catalog.insert_document(&new)?;
        let outcome = if created {
            FileOutcome::Ingested(doc)
        } else {
            FileOutcome::Duplicate(doc)
        };
        self.catalog
            .record_file(self.batch, &st.path, &outcome, new.pages.len() as u32)?;
        if created {
            self.report.ingested += 1;
            self.report.pages += new.pages.len() as u64;
        } else {
            self.report.duplicates += 1;
        }
        self.report.files_seen += 1;
        self.reindex(doc, Some(&new.pages))?;
        self.progress.event(ProgressEvent::FileFinished {
            path: &st.path,
            outcome: &outcome,
        });
        self.finished.insert(file, Ok(doc));
        for (f, p) in self.waiting.remove(&file).unwrap_or_default() {
            self.duplicate(f, &p, doc)?;
        }
        Ok(())
    }

    fn duplicate(&mut self, file: usize, path: &str, doc: DocId) -> Result<(), IngestError> {
        let source = self.source(path);
        self.catalog.add_source(doc, &source)?;
        let outcome = FileOutcome::Duplicate(doc);
        self.catalog.record_file(self.batch, path, &outcome, 0)?;
        self.report.files_seen += 1;
        self.report.duplicates += 1;
        self.reindex(doc, None)?;
        self.progress.event(ProgressEvent::FileFinished {
            path,
            outcome: &outcome,
        });
        self.finished.insert(file, Ok(doc));
        Ok(())
    }

    fn fail(&mut self, file: usize, path: &str, error: String) -> Result<(), IngestError> {
        let outcome = FileOutcome::Failed(error.clone());
        self.catalog.record_file(self.batch, path, &outcome, 0)?;
        self.report.files_seen += 1;
        self.report.failed += 1;
        self.report.errors.push(FileError {
            path: path.to_string(),
            error: error.clone(),
        });
        self.progress.event(ProgressEvent::FileFinished {
            path,
            outcome: &outcome,
        });
        for (f, p) in self.waiting.remove(&file).unwrap_or_default() {
            self.fail(
                f,
                &p,
                format!("same content as {path}, which failed: {error}"),
            )?;
        }
        self.finished.insert(file, Err(error));
        Ok(())
    }

    fn reindex(&mut self, doc: DocId, pages: Option<&[PageRecord]>) -> Result<(), IngestError> {
        let Some(record) = self.catalog.document(doc)? else {
            return Ok(());
        };
        let loaded;
        let pages = match pages {
            Some(p) => p,
            None => {
                loaded = self.catalog.pages(doc)?;
                &loaded
            }
        };
        self.indexer.upsert(&record, pages)?;
        if self.indexer.pending() >= self.opts.commit_every {
            let ids = self.indexer.commit()?;
            self.catalog.mark_indexed(&ids)?;
        }
        Ok(())
    }
}

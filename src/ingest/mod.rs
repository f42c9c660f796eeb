//! The import pipeline: walk → hash → dedup → stage → decode → OCR →
//! catalog → index.
//!
//! Three kinds of thread, joined by bounded channels so that memory stays
//! flat whatever the batch size:
//!
//! * the **walker** walks the inputs, hashes each file (streaming), skips
//!   known content and copies new content into the store's staging area;
//! * **reading slots**, one per core by default, each decode a file's pages
//!   and OCR them, in a child process ([`worker`]) that is restarted if a
//!   malformed file crashes it, hangs it or runs it out of memory; pages
//!   read before a crash are cached in the catalog, so a re-run reads each
//!   page once;
//! * the **collector** (the calling thread) assembles each file's pages, then
//!   records the document in the catalog and the index. It alone writes.
//!
//! A blob is published in the store before its document is recorded, and a
//! document is recorded in the catalog before it is indexed, so a crash at
//! any point leaves nothing half-written: at worst an orphan blob that the
//! next import of the same file adopts, or documents the next run indexes.
//! Each import is a batch; running the same import again after a crash
//! resumes the unfinished batch and skips the files it already recorded.

mod collect;
pub mod queue;
pub mod split;

pub mod watch;
pub mod worker;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::Utc;
use crossbeam_channel::{bounded, Receiver, Sender};
use serde::Serialize;

pub use split::SplitMode;
pub use worker::{Isolation, ProcessLimits};

use collect::Collector;
use worker::FileReader;

use crate::archive::{Archive, ArchiveError};
use crate::catalog::{
    Catalog, CatalogError, FileOutcome, NewBatch, NewDocument, PageRecord, SourcePart, SourceRecord,
};
use crate::extract::{self, ExtractConfig, Format, PageContent};
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
    /// Reading slots (files read at once), one Tesseract engine each.
    pub workers: usize,
    pub ocr: OcrConfig,
    pub extract: ExtractConfig,
    /// Where files are read: in this process or in restartable children.
    pub isolation: Isolation,
    /// Commit the index after this many documents.
    pub commit_every: usize,
    /// How files' paths are recorded as their sources.
    pub source_naming: SourceNaming,
    /// Split batch scans (PDF, TIFF) into documents, at blank pages or at
    /// separator sheets; `None` keeps each file one document.
    pub split: Option<SplitMode>,
}

/// How an imported file's path is recorded as its source.
#[derive(Debug, Clone, Default)]
pub enum SourceNaming {
    /// The path as found.
    #[default]
    AsFound,
    /// Paths under `root` are recorded as `label/<path below root>`: an
    /// upload's temporary folder becomes `upload/<file name>`.
    Relabel { root: PathBuf, label: String },
}

impl SourceNaming {
    pub fn name(&self, path: &str) -> String {
        match self {
            SourceNaming::AsFound => path.to_string(),
            SourceNaming::Relabel { root, label } => match Path::new(path).strip_prefix(root) {
                Ok(rel) => format!("{label}/{}", rel.to_string_lossy()),
                Err(_) => path.to_string(),
            },
        }
    }
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
            isolation: Isolation::InProcess,
            commit_every: 100,
            source_naming: SourceNaming::AsFound,
            split: None,
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
    /// The batch this import was recorded as.
    pub batch: Option<BatchId>,
    /// True when this run resumed a batch that had been interrupted.
    pub resumed: bool,
    /// Files an interrupted run of the batch had already recorded (skipped).
    pub already_done: u64,
    /// Pages taken from the reading cache instead of being read again.
    pub cached_pages: u64,
    /// Time spent inside Tesseract's recognition calls, summed over the
    /// reading slots (seconds).
    pub tesseract_seconds: f64,
    /// That time by what the calls were for: the page's one reading
    /// (`main`), and the second looks (`orientation`, `other_language`,
    /// `unsure_lines`, `unfiltered`, `dropped_lines`).
    pub tesseract_seconds_by_kind: crate::ocr::ReadingTimes,
    /// The batch scans that were split (`--split`), each with the documents
    /// made of it. Their documents are counted in `ingested` and
    /// `duplicates` one by one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub split: Vec<SplitFile>,
}

/// A batch scan split into documents.
#[derive(Debug, Clone, Serialize)]
pub struct SplitFile {
    pub path: String,
    /// The sha256 of the whole file (kept in the store as it is).
    pub origin: BlobId,
    /// The pages of the whole file.
    pub pages: u32,
    /// How many documents were made of it.
    pub documents: u32,
    pub parts: Vec<SplitPart>,
}

/// One document cut from a batch scan.
#[derive(Debug, Clone, Serialize)]
pub struct SplitPart {
    pub document: DocId,
    /// Its first and last page in the whole file.
    pub source_pages: [u32; 2],
    /// False when the archive already had it (the scan was imported before).
    pub new: bool,
}

impl IngestReport {
    /// The documents this import recorded (new ones and duplicates), for
    /// the audit log.
    pub fn documents(
        &self,
        catalog: &dyn crate::catalog::Catalog,
    ) -> Result<Vec<DocId>, CatalogError> {
        let Some(batch) = self.batch else {
            return Ok(Vec::new());
        };
        let mut ids: Vec<DocId> = catalog
            .batch_files(batch)?
            .into_iter()
            .filter_map(|f| f.document)
            .collect();
        ids.extend(
            self.split
                .iter()
                .flat_map(|f| f.parts.iter().map(|p| p.document)),
        );
        ids.sort();
        ids.dedup();
        Ok(ids)
    }
}

/// What the pipeline tells a progress display.
#[derive(Debug, Clone)]
pub enum ProgressEvent<'a> {
    /// The number of files the inputs hold (counted alongside the import).
    Total {
        files: u64,
    },
    FileSeen {
        path: &'a str,
    },
    PageRead,
    FileFinished {
        path: &'a str,
        outcome: &'a FileOutcome,
        pages: u32,
        /// Recognition time so far in this import, by kind.
        tesseract: &'a crate::ocr::ReadingTimes,
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
    Total(u64),
    Seen {
        file: usize,
        path: String,
        /// Set for a document cut from a batch scan: the scan's file
        /// number and where in it the document lies.
        part: Option<(usize, SourcePart)>,
    },
    /// The batch scan `file` is cut into `parts` documents, each seen next
    /// as a file of its own.
    Split {
        file: usize,
        origin: BlobId,
        pages: u32,
        parts: usize,
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
        page: Box<PageRecord>,
        /// Set for a page just read: keep it in the reading cache.
        cache: Option<BlobId>,
    },
    Failed {
        file: usize,
        error: String,
    },
    Stored {
        file: usize,
        blob: BlobId,
        staged: Box<store::StagedBlob>,
        format: Format,
        pages: u32,
        tesseract: crate::ocr::ReadingTimes,
    },
}

/// A staged file waiting for a reading slot.
struct FileJob {
    file: usize,
    shown: String,
    blob: BlobId,
    format: Format,
    staged: store::StagedBlob,
}

/// A PDF text-layer page as the catalog keeps it.
pub(crate) fn text_layer_page(number: u32, t: crate::extract::TextLayerPage) -> PageRecord {
    PageRecord {
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
        numbers: Vec::new(),
    }
}

/// Turn one extracted page into its catalog record: OCR a page image; take
/// a text layer as it is, filling any undecodable glyphs from OCR of the
/// rendered page. The one place that decides what a page's text is.
pub fn read_page(
    engine: &mut OcrEngine,
    number: u32,
    content: PageContent,
) -> Result<PageRecord, crate::ocr::OcrError> {
    match content {
        PageContent::Text(t) => Ok(text_layer_page(number, t)),
        PageContent::TextWithHoles(mut t, image) => {
            let r = engine.recognize(&image)?;
            if r.rotation == 0 {
                t.patch_holes(&r.words);
            } else {
                t.drop_holes();
            }
            Ok(text_layer_page(number, t))
        }
        PageContent::Image(image) => Ok(ocr_page(number, engine.recognize(&image)?)),
    }
}

/// A page as the catalog keeps it, from what OCR read of it.
pub(crate) fn ocr_page(number: u32, r: crate::ocr::OcrPage) -> PageRecord {
    PageRecord {
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
        numbers: r.numbers,
    }
}

/// Import files and folders into the archive as one batch. If an earlier
/// run of the same import (same inputs, branch and type) was interrupted,
/// its batch is resumed: files it recorded are skipped, pages it read are
/// taken from the cache.
pub fn ingest(
    archive: &Archive,
    inputs: &[PathBuf],
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport, IngestError> {
    let new = NewBatch {
        started_at: Utc::now(),
        branch: opts.branch.clone(),
        doc_type: opts.doc_type.clone(),
        inputs: inputs
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
    };
    run_batch(archive, inputs, &new, opts, progress, |_| Ok(()))
}

/// Import again the files that failed in earlier batches and were neither
/// retried nor imported since, one new batch per branch and type. Returns
/// one report per batch run (none when nothing failed).
pub fn retry_failed(
    archive: &Archive,
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Result<Vec<IngestReport>, IngestError> {
    let failed = {
        let _lock = archive.lock_writer()?;
        archive.catalog()?.failed_files()?
    };
    let mut groups: BTreeMap<(String, String), Vec<crate::catalog::BatchFile>> = BTreeMap::new();
    {
        let catalog = archive.catalog()?;
        for f in failed {
            let Some(b) = catalog.batch(f.batch)? else {
                continue;
            };
            let key = (
                b.branch.map(|x| x.to_string()).unwrap_or_default(),
                b.doc_type.map(|x| x.to_string()).unwrap_or_default(),
            );
            groups.entry(key).or_default().push(f);
        }
    }
    let mut reports = Vec::new();
    for ((branch, doc_type), files) in groups {
        let mut o = opts.clone();
        o.branch = (!branch.is_empty()).then(|| branch.parse().expect("stored slugs parse"));
        o.doc_type = (!doc_type.is_empty()).then(|| doc_type.parse().expect("stored types parse"));
        let paths: Vec<PathBuf> = files.iter().map(|f| PathBuf::from(&f.path)).collect();
        let new = NewBatch {
            started_at: Utc::now(),
            branch: o.branch.clone(),
            doc_type: o.doc_type.clone(),
            inputs: files.iter().map(|f| f.path.clone()).collect(),
        };
        reports.push(run_batch(archive, &paths, &new, &o, progress, |catalog| {
            let batch = catalog.0;
            for f in &files {
                catalog.1.mark_retried(f, batch)?;
            }
            Ok(())
        })?);
    }
    Ok(reports)
}

fn run_batch(
    archive: &Archive,
    inputs: &[PathBuf],
    new: &NewBatch,
    opts: &IngestOptions,
    progress: &dyn Progress,
    on_begin: impl FnOnce((BatchId, &mut dyn Catalog)) -> Result<(), CatalogError>,
) -> Result<IngestReport, IngestError> {
    if matches!(opts.isolation, worker::Isolation::Queue) && archive.shared().is_none() {
        return Err(ArchiveError::NotShared {
            dir: archive.root().to_path_buf(),
            what: "--queue needs a shared archive (init --catalog postgres://… --store s3://…), whose workers read the pages",
        }
        .into());
    }
    let _lock = archive.lock_writer()?;
    archive
        .store()
        .clean_staging()
        .map_err(ArchiveError::from)?;
    let mut catalog = archive.catalog()?;
    if let Some(t) = &opts.doc_type {
        crate::catalog::check_doc_type(&*catalog, t)?;
    }
    let knowledge = crate::catalog::type_knowledge(&*catalog)?;
    let (search_index, state) = archive.open_index()?;
    let mut indexer = search_index.writer()?;
    index::catch_up(&mut indexer, &mut catalog, state)?;

    let (batch, resumed) = match catalog.unfinished_batch(new)? {
        Some(b) => {
            catalog.resume_batch(b)?;
            (b, true)
        }
        None => (catalog.begin_batch(new)?, false),
    };
    on_begin((batch, &mut catalog))?;
    // Files the interrupted run already recorded: skipped by path.
    let done: HashSet<String> = if resumed {
        catalog
            .batch_files(batch)?
            .into_iter()
            .map(|f| f.path)
            .collect()
    } else {
        HashSet::new()
    };
    let settings = opts.ocr.settings_key();

    let walker_catalog = archive.catalog()?;
    let workers = opts.workers.max(1);
    let (file_tx, file_rx) = bounded::<FileJob>(workers);
    let (msg_tx, msg_rx) = bounded::<Msg>(4096);
    let already_done = std::sync::atomic::AtomicU64::new(0);

    let report = std::thread::scope(|scope| -> Result<IngestReport, IngestError> {
        {
            // Count the files for the progress display, alongside.
            let msg_tx = msg_tx.clone();
            scope.spawn(move || {
                yield_to_readers();
                let mut n = 0u64;
                walk(inputs, |_| {
                    n += 1;
                    true
                });
                let _ = msg_tx.send(Msg::Total(n));
            });
        }
        let walker = {
            let msg_tx = msg_tx.clone();
            let store = archive.store();
            let done = &done;
            let already_done = &already_done;
            scope.spawn(move || {
                yield_to_readers();
                walk_files(
                    &walker_catalog,
                    store,
                    inputs,
                    done,
                    already_done,
                    opts.split.map(|mode| (mode, &opts.extract)),
                    file_tx,
                    msg_tx,
                )
            })
        };
        let mut slots = Vec::new();
        for _ in 0..workers {
            let file_rx = file_rx.clone();
            let msg_tx = msg_tx.clone();
            let settings = settings.as_str();
            let slot_catalog = archive.catalog()?;
            slots.push(scope.spawn(move || {
                let mut reader = worker::reader(&opts.isolation, &opts.ocr, &opts.extract);
                read_slot(&slot_catalog, &mut *reader, settings, file_rx, msg_tx)
            }));
        }
        drop(file_rx);
        drop(msg_tx);

        let mut collector = Collector {
            catalog: &mut catalog,
            store: archive.store(),
            indexer: &mut indexer,
            batch,
            settings: &settings,
            opts,
            knowledge: &knowledge,
            progress,
            files: HashMap::new(),
            finished: HashMap::new(),
            waiting: HashMap::new(),
            splits: HashMap::new(),
            report: IngestReport {
                batch: Some(batch),
                resumed,
                ..Default::default()
            },
        };
        let result = collector.run(msg_rx);
        let report = std::mem::take(&mut collector.report);
        for t in slots {
            t.join()
                .map_err(|_| IngestError::Thread("a reading slot panicked".into()))?;
        }
        walker
            .join()
            .map_err(|_| IngestError::Thread("the file walker panicked".into()))?;
        result.map(|_| report)
    })?;
    let mut report = report;
    report.already_done = already_done.into_inner();

    let ids = indexer.commit()?;
    catalog.mark_indexed(&ids)?;
    // Documents corrected while this import held the writer lock.
    index::catch_up(&mut indexer, &mut catalog, index::IndexState::Current)?;
    indexer.finish()?;
    catalog.finish_batch(batch, Utc::now())?;
    Ok(report)
}

/// Every file under the inputs, in a stable order (directories sorted by name,
/// hidden entries skipped). Errors are paths that cannot be walked.
pub fn walk(inputs: &[PathBuf], mut f: impl FnMut(Result<PathBuf, (PathBuf, String)>) -> bool) {
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

/// Lower this thread's CPU priority (nice 10) so that hashing and copying
/// never take a core from the reading processes, which are the import's
/// bottleneck. Best effort: a failure changes nothing else.
fn yield_to_readers() {
    // SAFETY: plain syscalls on the calling thread's own id.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

/// How batch scans are split, when they are.
type Splitting<'a> = Option<(SplitMode, &'a ExtractConfig)>;

#[allow(clippy::too_many_arguments)]
fn walk_files(
    catalog: &dyn Catalog,
    store: &dyn BlobStore,
    inputs: &[PathBuf],
    done: &HashSet<String>,
    already_done: &std::sync::atomic::AtomicU64,
    splitting: Splitting<'_>,
    file_tx: Sender<FileJob>,
    msg_tx: Sender<Msg>,
) {
    let mut in_flight: HashMap<BlobId, usize> = HashMap::new();
    let mut file = 0usize;
    walk(inputs, |item| {
        let (path, walk_err) = match item {
            Ok(p) => (p, None),
            Err((p, e)) => (p, Some(e)),
        };
        let shown = path.to_string_lossy().into_owned();
        if done.contains(&shown) {
            already_done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return true;
        }
        file += 1;
        let this = file;
        if msg_tx
            .send(Msg::Seen {
                file,
                path: shown.clone(),
                part: None,
            })
            .is_err()
        {
            return false;
        }
        let outcome = match walk_err {
            Some(error) => Err(Msg::Failed { file, error }),
            None => stage_one(
                catalog,
                store,
                &mut in_flight,
                file,
                &path,
                shown.clone(),
                splitting,
            ),
        };
        match outcome {
            Ok(Staged::Whole(job)) => file_tx.send(job).is_ok(),
            Ok(Staged::Parts {
                origin,
                pages,
                format,
                parts,
            }) => {
                let split = Msg::Split {
                    file: this,
                    origin,
                    pages,
                    parts: parts.len(),
                };
                if msg_tx.send(split).is_err() {
                    return false;
                }
                for (part, staged) in parts {
                    file += 1;
                    let seen = Msg::Seen {
                        file,
                        path: shown.clone(),
                        part: Some((this, part)),
                    };
                    if msg_tx.send(seen).is_err() {
                        return false;
                    }
                    let job = FileJob {
                        file,
                        shown: format!("{shown} (pages {}-{})", part.first_page, part.last_page),
                        blob: staged.id(),
                        format,
                        staged,
                    };
                    let sent = match known_or_job(catalog, &mut in_flight, job) {
                        Ok(job) => file_tx.send(job).is_ok(),
                        Err(msg) => msg_tx.send(msg).is_ok(),
                    };
                    if !sent {
                        return false;
                    }
                }
                true
            }
            Err(msg) => msg_tx.send(msg).is_ok(),
        }
    });
}

/// A staged file: whole, or cut from a batch scan into parts.
enum Staged {
    Whole(FileJob),
    Parts {
        origin: BlobId,
        pages: u32,
        format: Format,
        parts: Vec<(SourcePart, store::StagedBlob)>,
    },
}

/// The document that holds these bytes already, if any. Bytes of a
/// document in the trash are refused, with the reason: the file is not
/// imported as if it were archived.
fn known_document(catalog: &dyn Catalog, blob: &BlobId) -> Result<Option<DocId>, String> {
    let lookup = |e: crate::catalog::CatalogError| format!("catalog lookup failed: {e}");
    let Some(doc) = catalog.find_by_blob(blob).map_err(lookup)? else {
        return Ok(None);
    };
    match catalog.document(doc).map_err(lookup)? {
        Some(d) if d.meta.deleted.is_some() => Err(in_trash(doc)),
        Some(_) => Ok(Some(doc)),
        // Purged between the two look-ups (a purge on another process or
        // node): these bytes are no document now, and are imported as new.
        None => Ok(None),
    }
}

/// Why a file whose bytes are a document in the trash is not imported.
pub(crate) fn in_trash(doc: DocId) -> String {
    format!(
        "the same content is document {doc}, which is in the trash; an administrator restores it (arshif restore {doc}) or purges it before it can be imported again"
    )
}

/// A part's job, unless its content is archived already or another file
/// of this import has it.
fn known_or_job(
    catalog: &dyn Catalog,
    in_flight: &mut HashMap<BlobId, usize>,
    job: FileJob,
) -> Result<FileJob, Msg> {
    let file = job.file;
    match known_document(catalog, &job.blob) {
        Ok(Some(doc)) => return Err(Msg::Known { file, doc }),
        Ok(None) => {}
        Err(error) => return Err(Msg::Failed { file, error }),
    }
    if let Some(&earlier) = in_flight.get(&job.blob) {
        return Err(Msg::SameAsEarlier { file, earlier });
    }
    in_flight.insert(job.blob, file);
    Ok(job)
}

/// Cut a staged batch scan into its documents, each staged as a file of
/// its own, and keep the whole scan in the store. A scan that is one
/// document of all its pages is left whole.
fn split_staged(
    store: &dyn BlobStore,
    file: usize,
    shown: String,
    blob: BlobId,
    format: Format,
    staged: store::StagedBlob,
    (mode, config): (SplitMode, &ExtractConfig),
) -> Result<Staged, Msg> {
    let failed = |error: String| Msg::Failed { file, error };
    let plan = split::plan(staged.path(), format, mode, config).map_err(|e| failed(e.reason()))?;
    if plan.is_whole() {
        return Ok(Staged::Whole(FileJob {
            file,
            shown,
            blob,
            format,
            staged,
        }));
    }
    let mut parts = Vec::with_capacity(plan.parts.len());
    for &(first, last) in &plan.parts {
        let bytes =
            split::cut(staged.path(), format, first, last).map_err(|e| failed(e.reason()))?;
        let staged_part = stage_bytes(store, &bytes).map_err(|e| {
            failed(format!(
                "could not copy pages {first}-{last} into the store: {}",
                io_reason(&e)
            ))
        })?;
        parts.push((
            SourcePart {
                origin: blob,
                first_page: first,
                last_page: last,
            },
            staged_part,
        ));
    }
    // The whole scan is kept too, once, before any part is recorded.
    if !store.contains(&blob).unwrap_or(false) {
        store.commit(staged).map_err(|e| {
            failed(format!(
                "could not store the whole batch scan: {}",
                io_reason(&e)
            ))
        })?;
    }
    Ok(Staged::Parts {
        origin: blob,
        pages: plan.pages,
        format,
        parts,
    })
}

/// Stage bytes made here (a part cut from a batch scan).
fn stage_bytes(
    store: &dyn BlobStore,
    bytes: &[u8],
) -> Result<store::StagedBlob, store::StoreError> {
    let mut tmp = tempfile::NamedTempFile::new()
        .map_err(|e| store::StoreError::io("create", &std::env::temp_dir(), e))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .map_err(|e| store::StoreError::io("write", tmp.path(), e))?;
    store.stage(tmp.path(), None)
}

/// Hash a file, skip it if its content is known, else copy it into the
/// store's staging area for a reading slot.
fn stage_one(
    catalog: &dyn Catalog,
    store: &dyn BlobStore,
    in_flight: &mut HashMap<BlobId, usize>,
    file: usize,
    path: &Path,
    shown: String,
    splitting: Splitting<'_>,
) -> Result<Staged, Msg> {
    let failed = |error: String| Msg::Failed { file, error };
    if path.is_dir() {
        return Err(failed("is a directory".into()));
    }
    let (blob, _) =
        store::hash_file(path).map_err(|e| failed(format!("unreadable: {}", io_reason(&e))))?;
    if let Some(doc) = known_document(catalog, &blob).map_err(failed)? {
        // Known content. If its stored original was lost (`arshif
        // check` reports it missing), these same bytes restore it.
        if !store.contains(&blob).unwrap_or(true) {
            let restored = store
                .stage(path, Some(&blob))
                .and_then(|staged| store.commit(staged));
            if let Err(e) = restored {
                return Err(failed(format!(
                    "the archived original of document {doc} is missing and could not be restored from this file: {e}"
                )));
            }
            tracing::warn!(%blob, doc = doc.0, path = %shown, "restored a missing original");
        }
        return Err(Msg::Known { file, doc });
    }
    if let Some(&earlier) = in_flight.get(&blob) {
        return Err(Msg::SameAsEarlier { file, earlier });
    }
    let head = extract::read_head(path).map_err(|e| failed(e.to_string()))?;
    let format = extract::sniff(&head).map_err(|e| failed(e.to_string()))?;
    // Copy into the store's staging area; the copy is what is read, so what
    // is read is exactly what is kept even if the source changes meanwhile.
    let staged = store
        .stage(path, Some(&blob))
        .map_err(|e| failed(format!("could not copy into the store: {}", io_reason(&e))))?;
    in_flight.insert(blob, file);
    match splitting {
        Some(how) if matches!(format, Format::Pdf | Format::Tiff) => {
            split_staged(store, file, shown, blob, format, staged, how)
        }
        _ => Ok(Staged::Whole(FileJob {
            file,
            shown,
            blob,
            format,
            staged,
        })),
    }
}

/// A reading slot: read each staged file (pages cached by an interrupted
/// run are taken from the cache), then publish the original in the store.
fn read_slot(
    catalog: &dyn Catalog,
    reader: &mut dyn FileReader,
    settings: &str,
    jobs: Receiver<FileJob>,
    msgs: Sender<Msg>,
) {
    for job in jobs {
        let file = job.file;
        let cached = catalog
            .cached_pages(&job.blob, settings)
            .unwrap_or_default();
        let skip: BTreeSet<u32> = cached.iter().map(|p| p.number).collect();
        for page in cached {
            if msgs
                .send(Msg::Page {
                    file,
                    page: Box::new(page),
                    cache: None,
                })
                .is_err()
            {
                return;
            }
        }
        let req = worker::Request {
            path: job.staged.path().to_path_buf(),
            shown: job.shown.clone(),
            skip,
        };
        let blob = job.blob;
        let result = reader.read(&req, &mut |page| {
            let cache = (page.source == TextSource::Ocr).then_some(blob);
            msgs.send(Msg::Page {
                file,
                page: Box::new(page),
                cache,
            })
            .is_ok()
        });
        let msg = match result {
            Ok(stats) => {
                // The collector publishes the original (its fsyncs would
                // otherwise keep this slot's reader idle).
                Msg::Stored {
                    file,
                    blob,
                    staged: Box::new(job.staged),
                    format: job.format,
                    pages: stats.pages,
                    tesseract: stats.tesseract,
                }
            }
            Err(error) => Msg::Failed { file, error },
        };
        if msgs.send(msg).is_err() {
            return;
        }
    }
}

/// The useful part of a store error for a person: the OS reason.
fn io_reason(e: &store::StoreError) -> String {
    match e {
        store::StoreError::Io { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

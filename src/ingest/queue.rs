//! OCR workers for a shared archive: claim page jobs from the PostgreSQL
//! work queue, fetch the original from the object store, read the page,
//! write the result back.
//!
//! A job is held under a lease (`SELECT … FOR UPDATE SKIP LOCKED` hands
//! each job to one worker). A worker killed mid-page just lets its lease
//! run out; another worker then takes the page. A result is written only
//! while its worker still holds the lease, in the same transaction that
//! closes the job, so a page is never recorded twice. An outage of the
//! catalog or the store pauses a worker (retries with backoff); the job it
//! held is taken again once its lease ends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::IngestError;
use crate::archive::Archive;
use crate::catalog::{CatalogError, JobQueue, PageJob, PgCatalog};
use crate::db::retry::Backoff;
use crate::extract::{self, ExtractConfig, PageContent};
use crate::ocr::{OcrConfig, OcrEngine};

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Pages read at once, one Tesseract engine each.
    pub threads: usize,
    /// Exit once no job is queued or held (rather than wait for more).
    pub until_idle: bool,
    /// How long a claimed job stays this worker's. Far above the seconds a
    /// page takes; a killed worker's pages wait this long for another.
    pub lease: Duration,
    /// Attempts before a page that keeps failing is marked failed.
    pub max_attempts: i32,
    /// How often an idle worker looks for new jobs.
    pub poll: Duration,
    /// How long an outage of the catalog is waited out before giving up.
    pub outage: Duration,
    pub ocr: OcrConfig,
    pub extract: ExtractConfig,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            threads: 1,
            until_idle: false,
            lease: Duration::from_secs(300),
            max_attempts: 3,
            poll: Duration::from_secs(1),
            outage: Duration::from_secs(600),
            ocr: OcrConfig::default(),
            extract: ExtractConfig::default(),
        }
    }
}

/// What a worker did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkerReport {
    /// Pages read and written.
    pub pages: u64,
    /// Pages that could not be read (given back, or failed for good).
    pub errors: u64,
    /// Pages read after the lease ran out and another worker took them
    /// (the result was dropped).
    pub lost_leases: u64,
    pub seconds: f64,
}

/// One page a worker finished or gave up on, for progress output.
#[derive(Debug)]
pub enum WorkerEvent<'a> {
    Read { job: &'a PageJob, seconds: f64 },
    Error { job: &'a PageJob, error: &'a str },
}

#[derive(Default)]
struct Counters {
    pages: AtomicU64,
    errors: AtomicU64,
    lost: AtomicU64,
}

/// Run workers until stopped (or, with `until_idle`, until the queue is
/// empty).
pub fn run(
    archive: &Archive,
    config: &WorkerConfig,
    on_event: &(dyn Fn(WorkerEvent<'_>) + Sync),
) -> Result<WorkerReport, IngestError> {
    // Fail now, clearly, if this is not a node or the catalog is unreachable.
    drop(archive.queue()?);
    let node = archive.shared().map(|s| s.node.clone()).unwrap_or_default();
    let started = Instant::now();
    let counters = Counters::default();
    let threads = config.threads.max(1);
    std::thread::scope(|scope| -> Result<(), IngestError> {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let name = format!("{node}/{}/{t}", std::process::id());
                let counters = &counters;
                scope.spawn(move || worker_thread(archive, config, &name, counters, on_event))
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| IngestError::Thread("an OCR worker thread panicked".into()))??;
        }
        Ok(())
    })?;
    Ok(WorkerReport {
        pages: counters.pages.load(Ordering::Relaxed),
        errors: counters.errors.load(Ordering::Relaxed),
        lost_leases: counters.lost.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A queue connection that reconnects after an outage, waiting with
/// backoff up to the configured limit.
struct Queue<'a> {
    archive: &'a Archive,
    outage: Duration,
    conn: Option<PgCatalog>,
}

impl Queue<'_> {
    /// Run `f` on the queue connection, waiting out an outage of the
    /// catalog (see [`crate::db::retry`]) with a new connection each try.
    fn with<T>(
        &mut self,
        mut f: impl FnMut(&mut PgCatalog) -> Result<T, CatalogError>,
    ) -> Result<T, IngestError> {
        let (archive, conn) = (self.archive, &mut self.conn);
        Backoff::outage(self.outage).run(
            "catalog",
            || {
                let c = match conn {
                    Some(c) => c,
                    None => conn.insert(archive.queue()?),
                };
                let r = f(c).map_err(IngestError::from);
                if r.as_ref().is_err_and(is_outage) {
                    *conn = None;
                }
                r
            },
            is_outage,
        )
    }
}

/// A lost or refused connection to the catalog (as opposed to a query the
/// database rejected): worth waiting out.
fn is_outage(e: &IngestError) -> bool {
    match e {
        IngestError::Catalog(c)
        | IngestError::Archive(crate::archive::ArchiveError::Catalog(c)) => c.is_outage(),
        _ => false,
    }
}

/// How long a worker keeps what it read of the archive's types.
const KNOWLEDGE_KEPT: Duration = Duration::from_secs(60);

fn worker_thread(
    archive: &Archive,
    config: &WorkerConfig,
    name: &str,
    counters: &Counters,
    on_event: &(dyn Fn(WorkerEvent<'_>) + Sync),
) -> Result<(), IngestError> {
    let mut queue = Queue {
        archive,
        outage: config.outage,
        conn: None,
    };
    let mut engine: Option<OcrEngine> = None;
    let mut knowledge: Option<(Instant, crate::metadata::TypeKnowledge)> = None;
    loop {
        let jobs = queue.with(|q| q.claim(name, config.lease, 1, config.max_attempts))?;
        let Some(job) = jobs.into_iter().next() else {
            if config.until_idle {
                let counts = queue.with(|q| q.queue_counts())?;
                if counts.queued == 0 && counts.leased == 0 {
                    return Ok(());
                }
            }
            std::thread::sleep(config.poll);
            continue;
        };
        let t0 = Instant::now();
        match read_job(archive, config, &mut engine, &job) {
            Ok(page) => {
                // What the archive knows of its types (administrators add
                // types and keywords while workers run): read again now and
                // then, not for every page.
                if knowledge
                    .as_ref()
                    .is_none_or(|(at, _)| at.elapsed() > KNOWLEDGE_KEPT)
                {
                    let k = queue.with(|q| crate::catalog::type_knowledge(&*q))?;
                    knowledge = Some((Instant::now(), k));
                }
                let k = &knowledge.as_ref().expect("read above").1;
                let extract_fn = |pages: &[crate::catalog::PageRecord], path: &str| {
                    let texts: Vec<(u32, &str)> =
                        pages.iter().map(|p| (p.number, p.text.as_str())).collect();
                    crate::metadata::read_document(&texts, path, k)
                };
                let written = queue.with(|q| {
                    q.complete(
                        name,
                        &job,
                        &page,
                        &extract_fn,
                        crate::metadata::EXTRACTOR_VERSION,
                    )
                })?;
                if written {
                    counters.pages.fetch_add(1, Ordering::Relaxed);
                    on_event(WorkerEvent::Read {
                        job: &job,
                        seconds: t0.elapsed().as_secs_f64(),
                    });
                } else {
                    counters.lost.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        doc = job.doc.0,
                        page = job.page,
                        "the lease ran out before the page was read; another worker has it"
                    );
                }
            }
            Err(error) => {
                counters.errors.fetch_add(1, Ordering::Relaxed);
                on_event(WorkerEvent::Error {
                    job: &job,
                    error: &error,
                });
                queue.with(|q| q.release(name, &job, &error))?;
            }
        }
    }
}

/// Fetch the original (through the node's verified cache) and read the
/// job's page.
fn read_job(
    archive: &Archive,
    config: &WorkerConfig,
    engine: &mut Option<OcrEngine>,
    job: &PageJob,
) -> Result<crate::catalog::PageRecord, String> {
    let path = archive
        .store()
        .local_copy(&job.blob)
        .map_err(|e| format!("fetching the original: {e}"))?;
    let head = extract::read_head(&path).map_err(|e| e.to_string())?;
    let format = extract::sniff(&head).map_err(|e| e.to_string())?;
    let image = extract::page_image(&path, format, job.page, &config.extract)
        .map_err(|e| format!("page {}: {e}", job.page))?;
    if engine.is_none() {
        *engine = Some(OcrEngine::new(&config.ocr).map_err(|e| e.to_string())?);
    }
    let eng = engine.as_mut().expect("started above");
    super::read_page(eng, job.page, PageContent::Image(image))
        .map_err(|e| format!("page {}: {e}", job.page))
}

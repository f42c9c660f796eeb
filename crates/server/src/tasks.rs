//! Imports that run in the background (`POST /api/documents?mode=task`):
//! the upload is stored, answered 202 at once, and imported on a blocking
//! thread while the client polls `GET /api/tasks/{id}` for progress.
//!
//! Tasks live in memory only: the last [`KEEP`] are kept, finished ones
//! for [`FINISHED_FOR`]; a restart of the server forgets them (the imports
//! they made stay, in the catalog and the audit log).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ApiError, AppState};
use arshif::app::Actor;
use arshif::catalog::FileOutcome;
use arshif::ingest::{self, IngestReport, Progress, ProgressEvent, SourceNaming, SplitMode};
use arshif::types::{BranchSlug, DocType};

/// Tasks kept at most (finished ones are dropped first, oldest first).
const KEEP: usize = 100;
/// How long a finished task is kept.
const FINISHED_FOR: Duration = Duration::from_secs(60 * 60);

/// An upload stored in its own folder under the archive's `uploads/`,
/// removed when dropped.
pub struct Upload {
    pub dir: tempfile::TempDir,
    pub branch: Option<BranchSlug>,
    pub doc_type: Option<DocType>,
    pub split: Option<SplitMode>,
    /// The files' names as stored.
    pub names: Vec<String>,
}

/// Import an upload (blocking work): the report with paths named
/// `upload/NAME`, and the audit entry to write for it.
pub fn import(
    s: &AppState,
    actor: &Actor,
    upload: Upload,
    progress: &dyn Progress,
) -> Result<(IngestReport, arshif::audit::Event), ApiError> {
    let mut opts = s.ingest.clone();
    opts.branch = upload.branch.clone();
    opts.doc_type = upload.doc_type.clone();
    opts.split = upload.split;
    let root = upload.dir.path().to_path_buf();
    opts.source_naming = naming(&root);
    let mut report = ingest::ingest(&s.archive, &[root], &opts, progress)?;
    super::ops::record_import(&report);
    for e in &mut report.errors {
        e.path = opts.source_naming.name(&e.path);
    }
    for f in &mut report.split {
        f.path = opts.source_naming.name(&f.path);
    }
    s.index.reload().map_err(ApiError::internal)?;
    drop(upload);
    let event = s.with_catalog(|c| Ok(arshif::app::imported(&**c, actor, &report, &opts)?))?;
    Ok((report, event))
}

fn naming(root: &Path) -> SourceNaming {
    SourceNaming::Relabel {
        root: root.to_path_buf(),
        label: "upload".to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    Queued,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FileCount {
    pub total: u64,
    pub done: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PageCount {
    pub done: u64,
}

/// One file's outcome, as it finished.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    pub path: String,
    /// `ingested`, `duplicate` or `failed`.
    pub status: &'static str,
    /// The new document, or the one it duplicates.
    pub document: Option<i64>,
    pub pages: u32,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskError {
    pub code: &'static str,
    pub message: String,
}

/// A task as `GET /api/tasks/{id}` answers it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub task: String,
    pub state: TaskState,
    /// The uploaded files' names.
    pub names: Vec<String>,
    pub branch: Option<BranchSlug>,
    pub doc_type: Option<DocType>,
    pub files: FileCount,
    pub pages: PageCount,
    /// The file being read (`upload/NAME`), if any.
    pub current: Option<String>,
    /// Each file's outcome as it finished.
    pub results: Vec<FileResult>,
    /// The import report (as the synchronous upload answers), when done.
    pub report: Option<IngestReport>,
    pub error: Option<TaskError>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

struct Task {
    owner: String,
    finished: Option<Instant>,
    view: TaskView,
}

/// The server's tasks, and the turns to run imports.
pub struct Tasks {
    list: Mutex<VecDeque<Arc<Mutex<Task>>>>,
    /// Imports running at once: the rest wait, queued, so that a big batch
    /// leaves cores to searches.
    turns: Arc<tokio::sync::Semaphore>,
    next: std::sync::atomic::AtomicU64,
}

impl Tasks {
    pub fn new(at_once: usize) -> Self {
        Tasks {
            list: Mutex::new(VecDeque::new()),
            turns: Arc::new(tokio::sync::Semaphore::new(at_once.max(1))),
            next: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// Imports at once: half the cores, at least one.
    pub fn default_turns() -> usize {
        std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Mutex<Task>>>> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drop finished tasks older than [`FINISHED_FOR`], then the oldest
    /// finished ones beyond [`KEEP`].
    fn prune(list: &mut VecDeque<Arc<Mutex<Task>>>, now: Instant) {
        list.retain(|t| {
            let t = t.lock().unwrap_or_else(|e| e.into_inner());
            t.finished
                .is_none_or(|at| now.duration_since(at) < FINISHED_FOR)
        });
        while list.len() > KEEP {
            let Some(i) = list.iter().position(|t| {
                t.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .finished
                    .is_some()
            }) else {
                break;
            };
            list.remove(i);
        }
    }

    /// A task the caller may see: its own, or any for an administrator.
    pub fn get(&self, id: &str, user: &str, admin: bool) -> Option<TaskView> {
        let list = self.lock();
        list.iter().find_map(|t| {
            let t = t.lock().unwrap_or_else(|e| e.into_inner());
            (t.view.task == id && (admin || t.owner == user)).then(|| t.view.clone())
        })
    }

    /// The caller's tasks, newest first.
    pub fn mine(&self, user: &str) -> Vec<TaskView> {
        let mut list = self.lock();
        Self::prune(&mut list, Instant::now());
        list.iter()
            .rev()
            .filter_map(|t| {
                let t = t.lock().unwrap_or_else(|e| e.into_inner());
                (t.owner == user).then(|| t.view.clone())
            })
            .collect()
    }

    /// Queue the import of `upload` for `actor`; returns the task's id.
    pub fn start(&self, s: Arc<AppState>, actor: Actor, upload: Upload) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("{}-{n}", Utc::now().timestamp_millis());
        let task = Arc::new(Mutex::new(Task {
            owner: actor.name.clone(),
            finished: None,
            view: TaskView {
                task: id.clone(),
                state: TaskState::Queued,
                names: upload.names.clone(),
                branch: upload.branch.clone(),
                doc_type: upload.doc_type.clone(),
                files: FileCount {
                    total: upload.names.len() as u64,
                    done: 0,
                },
                pages: PageCount::default(),
                current: None,
                results: Vec::new(),
                report: None,
                error: None,
                started_at: Utc::now(),
                finished_at: None,
            },
        }));
        {
            let mut list = self.lock();
            list.push_back(task.clone());
            Self::prune(&mut list, Instant::now());
        }
        let turns = self.turns.clone();
        tokio::spawn(async move {
            let outcome = run(&s, &task, turns, actor, upload).await;
            let mut t = task.lock().unwrap_or_else(|e| e.into_inner());
            match outcome {
                Ok(report) => {
                    t.view.state = TaskState::Done;
                    split_results(&mut t.view.results, &report);
                    t.view.report = Some(report);
                }
                Err(e) => {
                    t.view.state = TaskState::Failed;
                    t.view.error = Some(TaskError {
                        code: e.code,
                        message: e.message,
                    });
                }
            }
            t.view.current = None;
            t.view.finished_at = Some(Utc::now());
            t.finished = Some(Instant::now());
        });
        id
    }
}

async fn run(
    s: &Arc<AppState>,
    task: &Arc<Mutex<Task>>,
    turns: Arc<tokio::sync::Semaphore>,
    actor: Actor,
    upload: Upload,
) -> Result<IngestReport, ApiError> {
    let _turn = turns
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("the import turns are closed"))?;
    task.lock().unwrap_or_else(|e| e.into_inner()).view.state = TaskState::Running;
    let (st, progress) = (
        s.clone(),
        TaskProgress {
            task: task.clone(),
            naming: naming(upload.dir.path()),
        },
    );
    let (report, event) = super::blocking(move || import(&st, &actor, upload, &progress)).await?;
    // Recorded when the import is done, as for a synchronous upload.
    s.audit(event).await?;
    Ok(report)
}

/// A batch scan cut into documents has one outcome for each document
/// made of it (its pages in the file), in place of the file's one.
fn split_results(results: &mut Vec<FileResult>, report: &IngestReport) {
    for f in &report.split {
        let Some(at) = results.iter().position(|r| r.path == f.path) else {
            continue;
        };
        let parts = f.parts.iter().map(|p| FileResult {
            path: f.path.clone(),
            status: if p.new { "ingested" } else { "duplicate" },
            document: Some(p.document.0),
            pages: p.source_pages[1] - p.source_pages[0] + 1,
            error: None,
        });
        results.splice(at..=at, parts);
    }
}

/// Progress events into a task's view.
struct TaskProgress {
    task: Arc<Mutex<Task>>,
    naming: SourceNaming,
}

impl Progress for TaskProgress {
    fn event(&self, e: ProgressEvent<'_>) {
        let mut t = self.task.lock().unwrap_or_else(|e| e.into_inner());
        let v = &mut t.view;
        match e {
            ProgressEvent::Total { files } => v.files.total = files,
            ProgressEvent::FileSeen { path } => v.current = Some(self.naming.name(path)),
            ProgressEvent::PageRead => v.pages.done += 1,
            ProgressEvent::FileFinished {
                path,
                outcome,
                pages,
                ..
            } => {
                let (status, document, error) = match outcome {
                    FileOutcome::Ingested(d) => ("ingested", Some(d.0), None),
                    FileOutcome::Duplicate(d) => ("duplicate", Some(d.0), None),
                    FileOutcome::Failed(e) => ("failed", None, Some(e.clone())),
                };
                v.files.done += 1;
                v.results.push(FileResult {
                    path: self.naming.name(path),
                    status,
                    document,
                    pages,
                    error,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_file_has_one_result_for_each_document_made_of_it() {
        use arshif::ingest::{SplitFile, SplitPart};
        use arshif::types::DocId;
        let one = |path: &str, document| FileResult {
            path: path.into(),
            status: "ingested",
            document: Some(document),
            pages: 12,
            error: None,
        };
        let mut results = vec![one("upload/a.png", 1), one("upload/batch.pdf", 2)];
        let part = |d, first, last, new| SplitPart {
            document: DocId(d),
            source_pages: [first, last],
            new,
        };
        let report = IngestReport {
            split: vec![SplitFile {
                path: "upload/batch.pdf".into(),
                origin: "ab".repeat(32).parse().unwrap(),
                pages: 12,
                documents: 2,
                parts: vec![part(2, 1, 2, true), part(3, 4, 12, false)],
            }],
            ..Default::default()
        };
        split_results(&mut results, &report);
        let got: Vec<_> = results
            .iter()
            .map(|r| (r.path.as_str(), r.status, r.document, r.pages))
            .collect();
        assert_eq!(
            got,
            [
                ("upload/a.png", "ingested", Some(1), 12),
                ("upload/batch.pdf", "ingested", Some(2), 2),
                ("upload/batch.pdf", "duplicate", Some(3), 9),
            ]
        );
    }

    fn task(id: &str, finished: Option<Instant>) -> Arc<Mutex<Task>> {
        Arc::new(Mutex::new(Task {
            owner: "u".into(),
            finished,
            view: TaskView {
                task: id.into(),
                state: TaskState::Done,
                names: vec![],
                branch: None,
                doc_type: None,
                files: FileCount::default(),
                pages: PageCount::default(),
                current: None,
                results: vec![],
                report: None,
                error: None,
                started_at: Utc::now(),
                finished_at: None,
            },
        }))
    }

    #[test]
    fn old_finished_tasks_go_first_and_running_ones_stay() {
        let now = Instant::now() + FINISHED_FOR * 2;
        let old = now - FINISHED_FOR - Duration::from_secs(1);
        let recent = now - Duration::from_secs(5);
        let mut list: VecDeque<_> = VecDeque::new();
        list.push_back(task("old", Some(old)));
        list.push_back(task("running", None));
        for i in 0..KEEP {
            list.push_back(task(&format!("r{i}"), Some(recent)));
        }
        Tasks::prune(&mut list, now);
        let ids: Vec<String> = list
            .iter()
            .map(|t| t.lock().unwrap().view.task.clone())
            .collect();
        assert_eq!(ids.len(), KEEP);
        assert_eq!(ids[0], "running");
        assert!(!ids.contains(&"old".to_string()));
        assert!(!ids.contains(&"r0".to_string()), "the oldest finished goes");
    }
}

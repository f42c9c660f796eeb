//! Watching a folder a network scanner drops files into.
//!
//! A file is taken once it is complete: its size and modification time
//! have not changed for the settle time (scanners write files in pieces
//! over SMB, and there is no portable "closed" event on a network share).
//! Each round of settled files is imported as one batch; then each file is
//! moved to `DIR/.done/` or, if it failed, to `DIR/.failed/` with a
//! `NAME.error.txt` beside it. Nothing is ever deleted: a name already taken
//! in `.done` or `.failed` gets a numbered suffix.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::{ingest, walk, IngestError, IngestOptions, IngestReport, Progress};
use crate::archive::Archive;

pub const DONE_DIR: &str = ".done";
pub const FAILED_DIR: &str = ".failed";

#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// How long a file must stay unchanged before it is taken.
    pub settle: Duration,
    /// Time between looks at the folder.
    pub interval: Duration,
    /// Stop once the folder is empty (after importing what was there).
    pub once: bool,
}

/// Where one file of a round went.
#[derive(Debug, Clone)]
pub struct Moved {
    pub from: PathBuf,
    pub to: PathBuf,
    pub error: Option<String>,
}

/// One round: the batch imported and where its files went.
#[derive(Debug, Clone)]
pub struct WatchRound {
    pub report: IngestReport,
    pub moved: Vec<Moved>,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Ingest(#[from] IngestError),
}

struct Sighting {
    size: u64,
    modified: Option<SystemTime>,
    since: Instant,
}

/// Watch `dir` until stopped (or, with `once`, until it is empty).
pub fn watch(
    archive: &Archive,
    dir: &Path,
    opts: &IngestOptions,
    cfg: &WatchConfig,
    progress: &dyn Progress,
    on_round: &mut dyn FnMut(&WatchRound),
) -> Result<(), WatchError> {
    if !dir.is_dir() {
        return Err(WatchError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a folder"),
        });
    }
    let mut seen: HashMap<PathBuf, Sighting> = HashMap::new();
    loop {
        let now = Instant::now();
        let mut present: Vec<PathBuf> = Vec::new();
        // `walk` skips hidden entries, so .done and .failed are not seen.
        walk(&[dir.to_path_buf()], |item| {
            if let Ok(p) = item {
                present.push(p);
            }
            true
        });
        seen.retain(|p, _| present.contains(p));
        let mut ready = Vec::new();
        for p in &present {
            let Ok(meta) = std::fs::metadata(p) else {
                continue;
            };
            let (size, modified) = (meta.len(), meta.modified().ok());
            let s = seen.entry(p.clone()).or_insert(Sighting {
                size,
                modified,
                since: now,
            });
            if s.size != size || s.modified != modified {
                *s = Sighting {
                    size,
                    modified,
                    since: now,
                };
            }
            if now.duration_since(s.since) >= cfg.settle {
                ready.push(p.clone());
            }
        }
        if !ready.is_empty() {
            let report = ingest(archive, &ready, opts, progress)?;
            let mut moved = Vec::new();
            for p in &ready {
                let shown = p.to_string_lossy();
                let error = report
                    .errors
                    .iter()
                    .find(|e| e.path == shown)
                    .map(|e| e.error.clone());
                let to = settle_file(dir, p, error.as_deref())?;
                seen.remove(p);
                moved.push(Moved {
                    from: p.clone(),
                    to,
                    error,
                });
            }
            on_round(&WatchRound { report, moved });
        }
        if cfg.once && present.is_empty() {
            return Ok(());
        }
        std::thread::sleep(if cfg.once && ready.is_empty() {
            cfg.interval.min(cfg.settle.max(Duration::from_millis(100)))
        } else {
            cfg.interval
        });
    }
}

/// Move a handled file under `.done` or `.failed` (keeping its path below
/// `dir`), writing the reason beside a failed one. Returns where it went.
fn settle_file(dir: &Path, file: &Path, error: Option<&str>) -> Result<PathBuf, WatchError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WatchError::Io { path, source }
    };
    let rel = file.strip_prefix(dir).unwrap_or(file);
    let rel = if rel.is_absolute() {
        Path::new(rel.file_name().unwrap_or(rel.as_os_str()))
    } else {
        rel
    };
    let base = dir.join(if error.is_some() {
        FAILED_DIR
    } else {
        DONE_DIR
    });
    let target = free_name(&base.join(rel));
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::rename(file, &target).map_err(io(file))?;
    if let Some(e) = error {
        let mut note = target.clone().into_os_string();
        note.push(".error.txt");
        let note = PathBuf::from(note);
        std::fs::write(&note, format!("{e}\n")).map_err(io(&note))?;
    }
    Ok(target)
}

/// `path`, or `path` with ` (2)`, ` (3)`, ... before its extension if taken.
fn free_name(path: &Path) -> PathBuf {
    if !path.exists() {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    (2..)
        .map(|n| path.with_file_name(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .expect("some number is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_names_get_a_number() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("scan.pdf");
        assert_eq!(free_name(&p), p);
        std::fs::write(&p, b"x").unwrap();
        assert_eq!(free_name(&p), d.path().join("scan (2).pdf"));
        std::fs::write(d.path().join("scan (2).pdf"), b"x").unwrap();
        assert_eq!(free_name(&p), d.path().join("scan (3).pdf"));
    }

    #[test]
    fn failed_files_keep_their_reason_beside_them() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("branch-a");
        std::fs::create_dir(&sub).unwrap();
        let f = sub.join("bad.pdf");
        std::fs::write(&f, b"not a pdf").unwrap();
        let to = settle_file(d.path(), &f, Some("truncated")).unwrap();
        assert_eq!(to, d.path().join(".failed/branch-a/bad.pdf"));
        assert!(!f.exists());
        assert_eq!(std::fs::read(&to).unwrap(), b"not a pdf");
        let note = std::fs::read_to_string(d.path().join(".failed/branch-a/bad.pdf.error.txt"));
        assert_eq!(note.unwrap(), "truncated\n");
    }
}

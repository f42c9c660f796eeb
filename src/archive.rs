//! An archive directory: the blob store, the catalog, the index and the
//! format-version file, opened together.
//!
//! ```text
//! ARCHIVE/
//!   arshif-archive.json   format name and version (see docs/STORE-FORMAT.md)
//!   store/                content-addressed originals
//!   catalog.sqlite        documents, sources, pages, batches
//!   index/                tantivy index, derived from the catalog
//!   lock                  held by the one process that writes
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogError, SqliteCatalog};
use crate::index::{IndexError, IndexState, SearchIndex};
use crate::store::{LocalStore, StoreError};
use crate::types::DocId;

/// The archive format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
pub const FORMAT_NAME: &str = "arshif-archive";
const FORMAT_FILE: &str = "arshif-archive.json";

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{dir} is not an arshif archive (no {FORMAT_FILE}); create one with `arshif --archive {dir} init`")]
    NotInitialised { dir: PathBuf },
    #[error("{dir} already holds an arshif archive")]
    AlreadyInitialised { dir: PathBuf },
    #[error("{dir} is not empty; `init` only creates an archive in a new or empty directory")]
    NotEmpty { dir: PathBuf },
    #[error("{dir} is an arshif archive of format version {found}, newer than this arshif supports ({supported}); upgrade arshif to open it")]
    NewerFormat {
        dir: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path} is not a valid archive format file: {detail}")]
    BadFormatFile { path: PathBuf, detail: String },
    #[error("another arshif process is writing to {dir}; wait for it to finish")]
    Locked { dir: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormatFile {
    pub format: String,
    pub version: u32,
    pub created_at: String,
}

/// An opened archive.
#[derive(Debug, Clone)]
pub struct Archive {
    root: PathBuf,
    store: LocalStore,
}

impl Archive {
    /// Create a new archive in `root` (which must be absent or empty).
    pub fn init(root: &Path) -> Result<Archive, ArchiveError> {
        let io = |path: &Path, source| ArchiveError::Io {
            path: path.to_path_buf(),
            source,
        };
        if root.join(FORMAT_FILE).exists() {
            return Err(ArchiveError::AlreadyInitialised {
                dir: root.to_path_buf(),
            });
        }
        if root.exists() {
            let mut entries = std::fs::read_dir(root).map_err(|e| io(root, e))?;
            if entries.next().is_some() {
                return Err(ArchiveError::NotEmpty {
                    dir: root.to_path_buf(),
                });
            }
        }
        std::fs::create_dir_all(root).map_err(|e| io(root, e))?;
        LocalStore::create(&root.join("store"))?;
        drop(SqliteCatalog::create(&root.join("catalog.sqlite"))?);
        SearchIndex::open_or_rebuild(&root.join("index"))?;
        // The format file goes last: its presence means the archive is complete.
        let format = FormatFile {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        let tmp = root.join(format!("{FORMAT_FILE}.tmp"));
        let body = serde_json::to_string_pretty(&format).expect("serialises") + "\n";
        std::fs::write(&tmp, body).map_err(|e| io(&tmp, e))?;
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| io(&tmp, e))?;
        let dest = root.join(FORMAT_FILE);
        std::fs::rename(&tmp, &dest).map_err(|e| io(&dest, e))?;
        File::open(root)
            .and_then(|d| d.sync_all())
            .map_err(|e| io(root, e))?;
        Self::open(root)
    }

    /// Open an existing archive, refusing formats newer than this build.
    pub fn open(root: &Path) -> Result<Archive, ArchiveError> {
        let path = root.join(FORMAT_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ArchiveError::NotInitialised {
                    dir: root.to_path_buf(),
                })
            }
            Err(e) => return Err(ArchiveError::Io { path, source: e }),
        };
        let format: FormatFile =
            serde_json::from_str(&text).map_err(|e| ArchiveError::BadFormatFile {
                path: path.clone(),
                detail: e.to_string(),
            })?;
        if format.format != FORMAT_NAME {
            return Err(ArchiveError::BadFormatFile {
                path,
                detail: format!("format is {:?}, expected {FORMAT_NAME:?}", format.format),
            });
        }
        if format.version > FORMAT_VERSION {
            return Err(ArchiveError::NewerFormat {
                dir: root.to_path_buf(),
                found: format.version,
                supported: FORMAT_VERSION,
            });
        }
        let store = LocalStore::open(&root.join("store"))?;
        Ok(Archive {
            root: root.to_path_buf(),
            store,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn store(&self) -> &LocalStore {
        &self.store
    }

    /// A new connection to the catalog (one per thread).
    pub fn catalog(&self) -> Result<SqliteCatalog, ArchiveError> {
        Ok(SqliteCatalog::open(&self.root.join("catalog.sqlite"))?)
    }

    /// The audit log (`ARCHIVE/audit.sqlite`, created on first use).
    pub fn audit_log(&self) -> Result<crate::audit::AuditLog, crate::audit::AuditError> {
        crate::audit::AuditLog::open(&self.root.join("audit.sqlite"))
    }

    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }

    /// Open the index, rebuilding it (empty) when missing, unreadable or of
    /// another schema version. The caller re-indexes when told `Rebuilt`.
    pub fn open_index(&self) -> Result<(SearchIndex, IndexState), ArchiveError> {
        Ok(SearchIndex::open_or_rebuild(&self.index_dir())?)
    }

    /// Take the archive's writer lock. Held until the guard is dropped; a
    /// process killed while holding it releases it automatically.
    pub fn lock_writer(&self) -> Result<WriterLock, ArchiveError> {
        let path = self.root.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| ArchiveError::Io {
                path: path.clone(),
                source: e,
            })?;
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a valid, owned file descriptor.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            return Err(ArchiveError::Locked {
                dir: self.root.clone(),
            });
        }
        Ok(WriterLock { _file: file })
    }
}

impl Archive {
    /// Open the index for searching. When no other process is writing,
    /// first bring it up to date with the catalog (rebuilding it if it was
    /// damaged).
    pub fn fresh_index(&self) -> Result<SearchIndex, ArchiveError> {
        match self.lock_writer() {
            Ok(_lock) => {
                let (idx, state) = self.open_index()?;
                let mut catalog = self.catalog()?;
                let stale = !catalog
                    .stale_extractions(crate::metadata::EXTRACTOR_VERSION)?
                    .is_empty();
                if state == IndexState::Rebuilt || stale || !catalog.unindexed()?.is_empty() {
                    let mut w = idx.writer()?;
                    crate::index::catch_up(&mut w, &mut catalog, state)?;
                    w.finish()?;
                    idx.reload()?;
                }
                Ok(idx)
            }
            Err(ArchiveError::Locked { .. }) => Ok(SearchIndex::open_existing(&self.index_dir())?),
            Err(e) => Err(e),
        }
    }

    /// Rebuild the whole index from the catalog. Returns the number of
    /// documents indexed.
    pub fn reindex(&self) -> Result<usize, ArchiveError> {
        let _lock = self.lock_writer()?;
        let (idx, _) = self.open_index()?;
        let mut catalog = self.catalog()?;
        let mut w = idx.writer()?;
        w.delete_all()?;
        let n = crate::index::catch_up(&mut w, &mut catalog, IndexState::Rebuilt)?;
        w.finish()?;
        Ok(n)
    }
}

/// What a correction changed, and whether search shows it yet.
#[derive(Debug, Clone)]
pub struct Corrected {
    pub before: crate::metadata::Correction,
    pub after: crate::metadata::Correction,
    /// False while an import holds the writer lock: the import indexes the
    /// corrected document when it finishes (and so does any later import,
    /// `reindex` or `serve`).
    pub indexed: bool,
}

impl Corrected {
    /// Each field the correction changed, before and after (null: what
    /// was read from the text or given at import), for the audit log.
    pub fn changes(&self) -> serde_json::Value {
        let (b, a) = (&self.before, &self.after);
        let mut changed = serde_json::Map::new();
        let mut note = |name: &str, from: serde_json::Value, to: serde_json::Value| {
            if from != to {
                changed.insert(name.into(), serde_json::json!({"from": from, "to": to}));
            }
        };
        note("date", serde_json::json!(b.date), serde_json::json!(a.date));
        note(
            "type",
            serde_json::json!(b.doc_type),
            serde_json::json!(a.doc_type),
        );
        note(
            "title",
            serde_json::json!(b.title),
            serde_json::json!(a.title),
        );
        serde_json::Value::Object(changed)
    }
}

impl Archive {
    /// Apply staff's correction of a document's date, type or title: the
    /// catalog first (it is the record; a correction survives reindexing),
    /// then the index, unless an import is writing it.
    pub fn correct(
        &self,
        id: DocId,
        change: &crate::metadata::CorrectionChange,
        by: &str,
    ) -> Result<Corrected, ArchiveError> {
        let mut catalog = self.catalog()?;
        let (before, after) = catalog.correct(id, change, by, chrono::Utc::now())?;
        let indexed = match self.lock_writer() {
            Ok(_lock) => {
                let (idx, state) = self.open_index()?;
                let mut w = idx.writer()?;
                crate::index::catch_up(&mut w, &mut catalog, state)?;
                w.finish()?;
                true
            }
            Err(ArchiveError::Locked { .. }) => false,
            Err(e) => return Err(e),
        };
        Ok(Corrected {
            before,
            after,
            indexed,
        })
    }
}

/// Proof that this process is the archive's only writer.
pub struct WriterLock {
    _file: File,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_then_open() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("a");
        Archive::init(&dir).unwrap();
        assert!(dir.join("store/sha256").is_dir());
        assert!(dir.join("catalog.sqlite").is_file());
        assert!(dir.join("index").is_dir());
        Archive::open(&dir).unwrap();
        assert!(matches!(
            Archive::init(&dir),
            Err(ArchiveError::AlreadyInitialised { .. })
        ));
    }

    #[test]
    fn missing_archive_says_how_to_create_one() {
        let t = tempfile::tempdir().unwrap();
        let err = Archive::open(t.path()).unwrap_err();
        assert!(err.to_string().contains("arshif --archive"), "{err}");
    }

    #[test]
    fn newer_format_is_refused() {
        let t = tempfile::tempdir().unwrap();
        Archive::init(t.path()).unwrap();
        let p = t.path().join(FORMAT_FILE);
        let s = std::fs::read_to_string(&p)
            .unwrap()
            .replace("\"version\": 1", "\"version\": 7");
        std::fs::write(&p, s).unwrap();
        assert!(matches!(
            Archive::open(t.path()),
            Err(ArchiveError::NewerFormat { found: 7, .. })
        ));
    }

    #[test]
    fn one_writer_at_a_time() {
        let t = tempfile::tempdir().unwrap();
        let a = Archive::init(t.path()).unwrap();
        let guard = a.lock_writer().unwrap();
        assert!(matches!(a.lock_writer(), Err(ArchiveError::Locked { .. })));
        drop(guard);
        a.lock_writer().unwrap();
    }
}

//! An archive directory: the blob store, the catalog, the index and the
//! format-version file, opened together.
//!
//! ```text
//! ARCHIVE/
//!   arshif-archive.json   format name and version (see docs/STORE-FORMAT.md)
//!   store/                content-addressed originals
//!   catalog.sqlite        documents, sources, pages, batches
//!   accounts.sqlite       users, their branches, API tokens, web sessions
//!   audit.sqlite          the audit log
//!   index/                tantivy index, derived from the catalog
//!   lock                  held by the one process that writes
//! ```
//!
//! Everything in it is private to the account that runs arshif: opening or
//! creating an archive sets the process's umask to (at least) 077, so every
//! directory arshif creates is 0700 and every file 0600 (blobs 0400); `check`
//! names anything that group or other accounts can read or write.
//!
//! A node of a shared archive (`init --catalog postgres://… --store
//! s3://…`) keeps the catalog in PostgreSQL and the originals in an S3
//! bucket; its directory then holds only what is the node's own:
//!
//! ```text
//! ARCHIVE/
//!   arshif-archive.json   format version 2, with the catalog and store URLs and the node's name
//!   store/tmp, store/cache  staged uploads, read cache of originals (each checked by sha256)
//!   accounts.sqlite       the node's accounts and sessions (the audit log is shared, in PostgreSQL)
//!   index/                the node's tantivy index, derived from the shared catalog
//!   lock
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::auth::{AccountStore, AccountStoreError};
use crate::catalog::{Catalog, CatalogError, Lifecycle, PgCatalog, SqliteCatalog};
use crate::db::pg::PgPool;
use crate::index::{IndexError, IndexState, SearchIndex};
use crate::store::{BlobStore, LocalStore, S3Config, S3Store, StoreError};
use crate::types::DocId;
use std::sync::{Arc, Mutex};

/// The newest archive format this build reads and writes: 1 is a
/// self-contained archive, 2 a node of a shared archive (older builds,
/// which know only 1, refuse to open a node rather than misread it).
pub const FORMAT_VERSION: u32 = 2;
const EMBEDDED_FORMAT_VERSION: u32 = 1;
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
    #[error("{dir} is a node of a shared archive; {what}")]
    Shared { dir: PathBuf, what: &'static str },
    #[error("{dir} is a self-contained archive; {what}")]
    NotShared { dir: PathBuf, what: &'static str },
    #[error("{0}")]
    BadSetting(String),
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
    #[error(transparent)]
    Accounts(#[from] AccountStoreError),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormatFile {
    pub format: String,
    pub version: u32,
    pub created_at: String,
    /// A node of a shared archive: the PostgreSQL catalog (URL without
    /// password; give one in `PGPASSWORD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
    /// A node of a shared archive: `s3://BUCKET[/PREFIX]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// A node's name in the shared catalog (its index's progress is kept
    /// under it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// Where a new archive keeps its catalog and originals: both local (the
/// default), or both shared.
#[derive(Debug, Clone, Default)]
pub struct ArchiveConfig {
    /// `postgres://…` (the catalog and the work queue).
    pub catalog: Option<String>,
    /// `s3://BUCKET[/PREFIX]` (the originals).
    pub store: Option<String>,
}

/// The shared services a node uses.
#[derive(Debug, Clone)]
pub struct SharedArchive {
    pub catalog_url: String,
    pub store_url: String,
    pub node: String,
}

/// An opened archive.
#[derive(Clone)]
pub struct Archive {
    root: PathBuf,
    store: Arc<dyn BlobStore>,
    shared: Option<SharedArchive>,
    /// A node's connections to the shared catalog, made on first use and
    /// shared by every clone (see [`Archive::catalog_pool`]).
    catalog_pool: Arc<Mutex<Option<PgPool>>>,
}

/// Most connections to the shared catalog one node process holds at once
/// (its catalogs, work-queue threads and server requests together); a
/// caller beyond waits for one to be given back.
pub const CATALOG_POOL_SIZE: u32 = 32;

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("root", &self.root)
            .field("shared", &self.shared)
            .finish()
    }
}

/// The catalog URL with PGPASSWORD added when the URL names none.
fn catalog_url_with_password(url: &str) -> String {
    match std::env::var("PGPASSWORD") {
        Ok(pw) if !pw.is_empty() => match url::Url::parse(url) {
            Ok(mut u) if u.password().is_none() => {
                let _ = u.set_password(Some(&pw));
                u.to_string()
            }
            _ => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// A name for a new node: the host's name and random digits.
fn new_node_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let mut r = [0u8; 4];
    let _ = getrandom::fill(&mut r);
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    if host.is_empty() {
        format!("node-{hex}")
    } else {
        format!("{host}-{hex}")
    }
}

/// The modes an archive's files may have: nothing for group or other.
pub const PRIVATE_MODE_MASK: u32 = 0o077;

/// Make everything this process creates from now on private to its account
/// (directories 0700, files 0600): the umask gains 077, keeping any stricter
/// bits the operator set. The umask is per process, so it also covers the
/// reading processes an import starts, temporary files, and what the CLI
/// writes outside the archive (`get -o`, `export`): copies of personal
/// records, which should be no more readable than the archive they came from.
pub fn restrict_umask() {
    // SAFETY: umask(2) only swaps the process's file-creation mask; it
    // cannot fail and touches no memory.
    unsafe {
        let old = libc::umask(PRIVATE_MODE_MASK as libc::mode_t);
        libc::umask(old | PRIVATE_MODE_MASK as libc::mode_t);
    }
}

impl Archive {
    /// Create a new self-contained archive in `root` (which must be absent or empty).
    pub fn init(root: &Path) -> Result<Archive, ArchiveError> {
        Self::init_with(root, &ArchiveConfig::default())
    }

    /// Create a new archive in `root`: self-contained, or a node of a
    /// shared archive when `config` names a catalog and a store (the
    /// catalog's tables are created or migrated, the bucket must exist).
    pub fn init_with(root: &Path, config: &ArchiveConfig) -> Result<Archive, ArchiveError> {
        restrict_umask();
        let existed = root.exists();
        let r = Self::init_inner(root, config);
        // A failed init (a wrong URL, an unreachable service) leaves
        // nothing behind, so the same command can simply be run again.
        if matches!(
            r,
            Err(ref e) if !matches!(e, ArchiveError::AlreadyInitialised { .. } | ArchiveError::NotEmpty { .. })
        ) && !root.join(FORMAT_FILE).exists()
        {
            if existed {
                if let Ok(entries) = std::fs::read_dir(root) {
                    for e in entries.flatten() {
                        let _ = std::fs::remove_dir_all(e.path())
                            .or_else(|_| std::fs::remove_file(e.path()));
                    }
                }
            } else {
                let _ = std::fs::remove_dir_all(root);
            }
        }
        r
    }

    fn init_inner(root: &Path, config: &ArchiveConfig) -> Result<Archive, ArchiveError> {
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
        let shared = match (&config.catalog, &config.store) {
            (None, None) => None,
            (Some(c), Some(s)) => {
                if !(c.starts_with("postgres://") || c.starts_with("postgresql://")) {
                    return Err(ArchiveError::BadSetting(format!(
                        "--catalog {c:?}: give a postgres://USER@HOST[:PORT]/DATABASE URL"
                    )));
                }
                crate::store::S3Location::parse(s)?;
                Some(SharedArchive {
                    catalog_url: crate::catalog::url_for_display(c),
                    store_url: s.clone(),
                    node: new_node_name(),
                })
            }
            _ => {
                return Err(ArchiveError::BadSetting(
                    "a shared archive needs both --catalog postgres://… and --store s3://…".into(),
                ))
            }
        };
        std::fs::create_dir_all(root).map_err(|e| io(root, e))?;
        // The archive directory is private like everything in it, also when
        // it existed before (empty) with whatever mode it was made with.
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| io(root, e))?;
        }
        match &shared {
            None => {
                LocalStore::create(&root.join("store"))?;
                drop(SqliteCatalog::create(&root.join("catalog.sqlite"))?);
            }
            Some(sh) => {
                let store =
                    S3Store::open(&S3Config::from_env(&sh.store_url)?, &root.join("store"))?;
                // Reach the bucket now, so a wrong setting fails here.
                store.list_probe()?;
                drop(PgCatalog::create_or_open(
                    &catalog_url_with_password(config.catalog.as_deref().unwrap_or_default()),
                    &sh.node,
                )?);
            }
        }
        drop(AccountStore::open(
            &root.join(crate::auth::store::FILE_NAME),
        )?);
        SearchIndex::open_or_rebuild(&root.join("index"))?;
        // The format file goes last: its presence means the archive is complete.
        let format = FormatFile {
            format: FORMAT_NAME.into(),
            version: if shared.is_some() {
                FORMAT_VERSION
            } else {
                EMBEDDED_FORMAT_VERSION
            },
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            catalog: shared.as_ref().map(|s| s.catalog_url.clone()),
            store: shared.as_ref().map(|s| s.store_url.clone()),
            node: shared.as_ref().map(|s| s.node.clone()),
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
        restrict_umask();
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
        let shared = match (format.catalog, format.store, format.node) {
            (Some(catalog_url), Some(store_url), Some(node)) => Some(SharedArchive {
                catalog_url,
                store_url,
                node,
            }),
            (None, None, None) => None,
            _ => {
                return Err(ArchiveError::BadFormatFile {
                    path,
                    detail: "a node needs catalog, store and node all set".into(),
                })
            }
        };
        let store: Arc<dyn BlobStore> = match &shared {
            None => Arc::new(LocalStore::open(&root.join("store"))?),
            Some(sh) => Arc::new(S3Store::open(
                &S3Config::from_env(&sh.store_url)?,
                &root.join("store"),
            )?),
        };
        Ok(Archive {
            root: root.to_path_buf(),
            store,
            shared,
            catalog_pool: Arc::new(Mutex::new(None)),
        })
    }

    /// The shared services, when this is a node of a shared archive.
    pub fn shared(&self) -> Option<&SharedArchive> {
        self.shared.as_ref()
    }

    /// A connection to the shared catalog's work queue (from the node's
    /// pool).
    pub fn queue(&self) -> Result<PgCatalog, ArchiveError> {
        match &self.shared {
            Some(sh) => Ok(PgCatalog::from_pool(&self.pg_pool(sh)?, &sh.node)?),
            None => Err(ArchiveError::NotShared {
                dir: self.root.clone(),
                what: "the work queue needs a shared PostgreSQL catalog (init --catalog postgres://… --store s3://…)",
            }),
        }
    }

    /// The node's pool of connections to the shared catalog (at most
    /// [`CATALOG_POOL_SIZE`]; a broken connection is dropped, never handed
    /// out again); `None` for a self-contained archive. Made, and the
    /// catalog's schema brought up to date, on first use.
    pub fn catalog_pool(&self) -> Result<Option<PgPool>, ArchiveError> {
        match &self.shared {
            Some(sh) => Ok(Some(self.pg_pool(sh)?)),
            None => Ok(None),
        }
    }

    fn pg_pool(&self, sh: &SharedArchive) -> Result<PgPool, ArchiveError> {
        let mut slot = self.catalog_pool.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pool) = slot.as_ref() {
            return Ok(pool.clone());
        }
        let pool = PgCatalog::pool(
            &catalog_url_with_password(&sh.catalog_url),
            CATALOG_POOL_SIZE,
        )?;
        *slot = Some(pool.clone());
        Ok(pool)
    }

    /// A listener for changes to the shared catalog.
    pub fn change_listener(&self) -> Result<Option<crate::catalog::ChangeListener>, ArchiveError> {
        match &self.shared {
            Some(sh) => Ok(Some(crate::catalog::ChangeListener::new(
                &catalog_url_with_password(&sh.catalog_url),
            )?)),
            None => Ok(None),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn store(&self) -> &dyn BlobStore {
        self.store.as_ref()
    }

    /// A connection to the catalog (one per thread): a new one to the
    /// archive's file, or on a node one from its pool of connections to
    /// the shared catalog ([`Archive::catalog_pool`]), given back when
    /// dropped.
    pub fn catalog(&self) -> Result<Box<dyn Catalog>, ArchiveError> {
        Ok(match &self.shared {
            None => Box::new(SqliteCatalog::open(&self.root.join("catalog.sqlite"))?),
            Some(sh) => Box::new(PgCatalog::from_pool(&self.pg_pool(sh)?, &sh.node)?),
        })
    }

    /// A new connection to the database of accounts and sessions,
    /// `ARCHIVE/accounts.sqlite` in either kind of archive (created on
    /// first use). An archive an older arshif wrote kept its accounts in
    /// catalog tables (`catalog.sqlite`, or on a node `node.sqlite`): they
    /// are copied into the new file when it is first set up, then no
    /// longer read.
    pub fn account_store(&self) -> Result<AccountStore, ArchiveError> {
        let legacy = match &self.shared {
            None => "catalog.sqlite",
            Some(_) => "node.sqlite",
        };
        Ok(AccountStore::open_upgrading(
            &self.root.join(crate::auth::store::FILE_NAME),
            Some(&self.root.join(legacy)),
        )?)
    }

    /// The audit log: `ARCHIVE/audit.sqlite` (created on first use), or on
    /// a node the shared archive's log in PostgreSQL.
    pub fn audit_log(&self) -> Result<crate::audit::AuditLog, crate::audit::AuditError> {
        match &self.shared {
            // One log for the whole shared archive, in its database.
            Some(sh) => {
                crate::audit::AuditLog::open_pg(&catalog_url_with_password(&sh.catalog_url))
            }
            None => crate::audit::AuditLog::open(&self.root.join("audit.sqlite")),
        }
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
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
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
                if state == IndexState::Rebuilt
                    || stale
                    || !catalog.unindexed()?.is_empty()
                    || !catalog.purged_in_index()?.is_empty()
                {
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

    /// Bring this node's index up to date with the catalog (documents
    /// added or changed by other nodes and workers). Returns how many
    /// documents were indexed; 0 when another process of this node holds
    /// the writer lock (it indexes what it writes).
    pub fn sync_index(&self) -> Result<usize, ArchiveError> {
        let _lock = match self.lock_writer() {
            Ok(l) => l,
            Err(ArchiveError::Locked { .. }) => return Ok(0),
            Err(e) => return Err(e),
        };
        let (idx, state) = self.open_index()?;
        let mut catalog = self.catalog()?;
        let stale = !catalog
            .stale_extractions(crate::metadata::EXTRACTOR_VERSION)?
            .is_empty();
        if state != IndexState::Rebuilt
            && !stale
            && catalog.unindexed()?.is_empty()
            && catalog.purged_in_index()?.is_empty()
        {
            return Ok(0);
        }
        let mut w = idx.writer()?;
        let n = crate::index::catch_up(&mut w, &mut catalog, state)?;
        w.finish()?;
        Ok(n)
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

/// A change staff make to documents: their date, type or title, and their
/// review state.
#[derive(Debug, Clone, Default)]
pub struct DocumentEdit {
    pub change: crate::metadata::CorrectionChange,
    pub review: Option<crate::catalog::ReviewState>,
    /// Move the documents to this branch (administrators only; the use
    /// cases check).
    pub branch: Option<crate::types::BranchSlug>,
}

impl DocumentEdit {
    pub fn is_empty(&self) -> bool {
        self.change.is_empty() && self.review.is_none() && self.branch.is_none()
    }
}

/// What an edit changed on one document.
#[derive(Debug, Clone)]
pub struct Edit {
    pub before: crate::metadata::Correction,
    pub after: crate::metadata::Correction,
    /// The review state before and after, when the edit set it.
    pub review: Option<(crate::catalog::ReviewState, crate::catalog::ReviewState)>,
    /// The branches before and the one after, when the edit moved it.
    pub moved: Option<(Vec<crate::types::BranchSlug>, crate::types::BranchSlug)>,
}

impl Edit {
    /// Each field the edit changed, before and after (null: what was read
    /// from the text or given at import), for the audit log.
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
        note(
            "reference_numbers",
            serde_json::json!(b.reference_numbers),
            serde_json::json!(a.reference_numbers),
        );
        if let Some((from, to)) = self.review {
            note("review", from.as_str().into(), to.as_str().into());
        }
        if let Some((from, to)) = &self.moved {
            note("branch", serde_json::json!(from), serde_json::json!([to]));
        }
        serde_json::Value::Object(changed)
    }
}

/// What an edit of several documents did to each, and whether search shows
/// it yet.
#[derive(Debug)]
pub struct Edited {
    /// One outcome for each id asked, in order.
    pub edits: Vec<Result<Edit, CatalogError>>,
    /// False while an import holds the writer lock: the import indexes the
    /// edited documents when it finishes (and so does any later import,
    /// `reindex` or `serve`).
    pub indexed: bool,
}

impl Archive {
    /// Apply staff's edit to documents: the catalog first (it is the
    /// record; an edit survives reindexing), one document at a time (a
    /// missing one fails alone), then the index once for all of them,
    /// unless an import is writing it.
    pub fn edit(
        &self,
        ids: &[DocId],
        edit: &DocumentEdit,
        by: &str,
    ) -> Result<Edited, ArchiveError> {
        if ids.is_empty() {
            return Ok(Edited {
                edits: Vec::new(),
                indexed: true,
            });
        }
        let mut catalog = self.catalog()?;
        let at = chrono::Utc::now();
        let mut edits = Vec::with_capacity(ids.len());
        for &id in ids {
            edits.push(apply_edit(&mut *catalog, id, edit, by, at));
        }
        let indexed = self.catch_up_with(&mut catalog)?;
        Ok(Edited { edits, indexed })
    }

    /// Bring the index up to the catalog's changes now; false when an
    /// import holds the index (it catches up when that import ends).
    pub fn catch_up_index(&self) -> Result<bool, ArchiveError> {
        let mut catalog = self.catalog()?;
        self.catch_up_with(&mut catalog)
    }

    fn catch_up_with(&self, catalog: &mut Box<dyn Catalog>) -> Result<bool, ArchiveError> {
        match self.lock_writer() {
            Ok(_lock) => {
                let (idx, state) = self.open_index()?;
                let mut w = idx.writer()?;
                crate::index::catch_up(&mut w, catalog, state)?;
                w.finish()?;
                Ok(true)
            }
            Err(ArchiveError::Locked { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn apply_edit(
    catalog: &mut dyn Catalog,
    id: DocId,
    edit: &DocumentEdit,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Edit, CatalogError> {
    let (before, after) = if edit.change.is_empty() {
        let now = catalog
            .document(id)?
            .ok_or_else(|| CatalogError::NoSuchDocument(id.to_string()))?
            .meta
            .correction;
        (now.clone(), now)
    } else {
        catalog.correct(
            id,
            &crate::catalog::Amendment {
                change: &edit.change,
                by,
                at,
            },
        )?
    };
    let review = match edit.review {
        Some(to) => {
            let old = catalog.set_review(id, to, &crate::catalog::Signed { by, at })?;
            Some((old.state, to))
        }
        None => None,
    };
    let moved = match &edit.branch {
        Some(to) => Some((catalog.move_to_branch(id, to)?, to.clone())),
        None => None,
    };
    Ok(Edit {
        before,
        after,
        review,
        moved,
    })
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
        assert!(dir.join("accounts.sqlite").is_file());
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

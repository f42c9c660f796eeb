//! The audit trail: who searched for what, looked at which record, imported
//! what, and changed which account, when and from where.
//!
//! Append-only: arshif has no way to change or remove an entry, and the
//! table refuses `UPDATE` and `DELETE` (and, in PostgreSQL, `TRUNCATE`)
//! with triggers. Each entry carries the sha256 of the one before it, and
//! its own hash covers every field and that link, so an entry changed,
//! removed or inserted by other means breaks the chain, which
//! [`AuditLog::verify`] finds, unless whoever changed it recomputed the
//! hashes after it. Against that, two things kept away from the log:
//!
//! * **The key** ([`key`]): with `ARSHIF_AUDIT_KEY` or
//!   `ARSHIF_AUDIT_KEY_FILE` set, every entry appended carries an
//!   HMAC-SHA256 of its sequence number and hash (the column `mac`). A MAC
//!   vouches for its entry and, through the chain, for every entry before
//!   it. Verifying with the key checks every MAC there is and insists that
//!   the **last entry carries one**: so a rewrite anywhere (which changes
//!   the hash of every later entry, the last included) is found, whether
//!   the rewriter left the old MACs, made up new ones or stripped them.
//!   Entries written before the key was configured (or by a process
//!   without it) carry none; they are vouched for by the next entry that
//!   does. What the key cannot show: entries cut from the end back to an
//!   entry that carries a MAC, or the whole log emptied.
//! * **Checkpoints** ([`Checkpoint`]): `arshif audit checkpoint` appends a
//!   keyed entry and prints it as a signed head (seq, hash, time, MAC).
//!   Verifying with a checkpoint insists that its entry is there with its
//!   hash, so every entry up to it is exactly as it was, cuts from the end
//!   included. Entries after the newest checkpoint can still be cut back to
//!   a keyed entry.
//!
//! Two backends keep the same entries, chained and hashed the same way:
//!
//! * **SQLite** ([`AuditLog::open`], [`sqlite`]): its own file,
//!   `ARCHIVE/audit.sqlite`, apart from the catalog: a busy server appends
//!   to it for every look, and appends there must not disturb the catalog
//!   that every search reads.
//! * **PostgreSQL** ([`AuditLog::open_pg`], [`postgres`]): the table `audit`
//!   beside a shared catalog, one log for every node of a shared archive.
//!   Appends from all nodes take one lock in turn, so the chain stays one
//!   gapless sequence.
//!
//! Both store every field as the exact text its hash covers (timestamps as
//! RFC 3339 text to the millisecond, document ids and detail as JSON text),
//! so an entry reads back, lists and verifies the same in either.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::types::DocId;

pub mod key;
pub mod postgres;
pub mod sqlite;

pub use key::{AuditKey, Checkpoint, KeySource};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log in {path}: {source}")]
    Db {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// A PostgreSQL audit log's database failed.
    #[error("audit log in {url}: {source}")]
    Pg {
        /// The database URL, without any password (see
        /// [`crate::db::url::url_for_display`]).
        url: String,
        #[source]
        source: ::postgres::Error,
    },
    /// A PostgreSQL audit log cannot be set up as asked (no schema named,
    /// a bad stored version, TLS settings).
    #[error("audit log in {url}: {detail}")]
    Setup { url: String, detail: String },
    /// No connection to a PostgreSQL audit log's database could be had in
    /// time (the server is down).
    #[error("audit log in {url}: no connection: {detail}")]
    Unavailable { url: String, detail: String },
    #[error("audit entry {seq}: bad stored value: {detail}")]
    BadEntry { seq: i64, detail: String },
    #[error("audit log {path} has schema version {found}, newer than this arshif supports ({supported}); upgrade arshif")]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    /// The audit key cannot be used (unreadable, too short, kept beside
    /// the log, configured twice).
    #[error("audit key: {detail}")]
    Key { detail: String },
    /// A checkpoint cannot be read, or cannot be made or checked as asked.
    #[error("audit checkpoint: {detail}")]
    Checkpoint { detail: String },
}

/// The SQLite audit database's schema version (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = sqlite::SCHEMA_VERSION;

impl From<crate::db::DbError> for AuditError {
    fn from(e: crate::db::DbError) -> Self {
        use crate::db::DbError;
        match e {
            DbError::Pg { url, source } => AuditError::Pg { url, source },
            DbError::Sqlite { path, source } => AuditError::Db { path, source },
            DbError::NewerSchema {
                path,
                found,
                supported,
            } => AuditError::NewerSchema {
                path,
                found,
                supported,
            },
            DbError::Setup { url, what, detail } => AuditError::Setup {
                url,
                detail: format!("the {what} {detail}"),
            },
            DbError::Tls { url, detail } => AuditError::Setup {
                url,
                detail: format!("TLS: {detail}"),
            },
            DbError::Pool { url, detail } => AuditError::Unavailable { url, detail },
        }
    }
}

impl AuditError {
    /// A lost or refused connection to the log's database (as opposed to a
    /// query it rejected): worth waiting out, or answering "unavailable".
    pub fn is_outage(&self) -> bool {
        match self {
            AuditError::Pg { source, .. } => crate::db::pg::is_outage(source),
            AuditError::Unavailable { .. } => true,
            _ => false,
        }
    }
}

/// The PostgreSQL audit table's schema version (`audit_schema_version` in
/// `arshif_meta`; its own sequence).
pub const PG_SCHEMA_VERSION: i64 = postgres::PG_SCHEMA_VERSION;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Search,
    /// A document's record and text (or where a query matched in it).
    View,
    /// A page image or thumbnail.
    PageImage,
    /// The original or the searchable PDF.
    Download,
    Import,
    Login,
    LoginFailed,
    Logout,
    PasswordChange,
    /// A user added, or their role changed.
    UserChange,
    /// A branch granted or revoked.
    PermissionChange,
    /// An API token created or revoked.
    TokenChange,
    /// A document's date, type or title corrected by hand (and perhaps its
    /// review state set with it).
    Correct,
    /// A document's review state set (confirmed, or reopened).
    Review,
    /// Several documents edited at once; the entry names every one.
    BulkEdit,
    /// A document type added (`arshif type add`, `POST /api/types`).
    TypeAdd,
    /// A document type renamed, or its keywords changed.
    TypeUpdate,
    /// A page turned by hand and read again (the page and the degrees).
    Rotate,
    /// A document moved to the trash (the reason in the detail).
    Delete,
    /// A document brought back from the trash.
    Restore,
    /// Documents purged from the trash: the detail keeps each one's
    /// tombstone (sha256, title, branch, who deleted it and why).
    Purge,
    /// A legal hold put on a document.
    Hold,
    /// A legal hold released.
    Release,
    /// A retention rule set for a type.
    RetentionSet,
    /// Documents whose retention period ended moved to the trash at once.
    Dispose,
    /// A document given a better scan (both sha256 in the detail).
    Rescan,
    /// `arshif audit checkpoint`: a signed head was taken (it is this
    /// entry).
    Checkpoint,
    /// A read refused: a document of another branch (answered 404, as if it
    /// did not exist). Repeats are written as counts.
    Denied,
    /// The audit log itself read (through the API).
    AuditRead,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Search => "search",
            Action::View => "view",
            Action::PageImage => "page_image",
            Action::Download => "download",
            Action::Import => "import",
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Logout => "logout",
            Action::PasswordChange => "password_change",
            Action::UserChange => "user_change",
            Action::PermissionChange => "permission_change",
            Action::TokenChange => "token_change",
            Action::Correct => "correct",
            Action::Review => "review",
            Action::BulkEdit => "bulk_edit",
            Action::TypeAdd => "type_add",
            Action::TypeUpdate => "type_update",
            Action::Rotate => "rotate",
            Action::Denied => "denied",
            Action::AuditRead => "audit_read",
            Action::Checkpoint => "checkpoint",
            Action::Delete => "delete",
            Action::Restore => "restore",
            Action::Purge => "purge",
            Action::Hold => "hold",
            Action::Release => "release",
            Action::RetentionSet => "retention_set",
            Action::Dispose => "dispose",
            Action::Rescan => "rescan",
        }
    }
}

/// An entry to be written.
#[derive(Debug, Clone)]
pub struct Event {
    /// The user name, or `local:NAME` for the command line (run by the
    /// system user NAME on the archive's machine).
    pub actor: String,
    /// The client's IP address, or `local`.
    pub address: String,
    pub action: Action,
    pub documents: Vec<DocId>,
    /// What else matters: the query, the page, the branch, the outcome.
    pub detail: serde_json::Value,
}

impl Event {
    pub fn new(actor: impl Into<String>, address: impl Into<String>, action: Action) -> Self {
        Event {
            actor: actor.into(),
            address: address.into(),
            action,
            documents: Vec::new(),
            detail: serde_json::json!({}),
        }
    }

    pub fn documents(mut self, docs: impl IntoIterator<Item = DocId>) -> Self {
        self.documents = docs.into_iter().collect();
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// The command line's actor name: `local:` and the system user.
pub fn local_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_string());
    format!("local:{user}")
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub address: String,
    pub action: String,
    pub documents: Vec<i64>,
    pub detail: serde_json::Value,
    /// The previous entry's hash (64 zeros for the first).
    pub prev: String,
    pub hash: String,
    /// HMAC-SHA256 of `seq` and `hash` with the audit key, for an entry
    /// written with one (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub document: Option<DocId>,
    pub since: Option<DateTime<Utc>>,
    /// Only entries before this sequence number (for paging backwards).
    pub before: Option<i64>,
    /// Most entries, newest first.
    pub limit: usize,
}

/// What [`AuditLog::verify`] found.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub entries: i64,
    /// The last entry's sequence number and hash.
    pub head: Option<(i64, String)>,
    /// The first entry that does not fit the chain, and why.
    pub broken: Option<(i64, String)>,
    /// Entries that carry a MAC.
    pub keyed: i64,
    /// The id of the key every MAC was checked with; `None`: no key was
    /// configured, and MACs were not checked.
    pub key_id: Option<String>,
    /// The highest checkpoint checked (its entry's sequence number).
    pub checkpoint: Option<i64>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry: sha256 over every stored field in order (seq, at,
/// actor, address, action, documents, detail, prev), each written as its
/// length and its bytes so that no two entries can read the same.
fn entry_hash(fields: [&str; 8]) -> String {
    let mut h = Sha256::new();
    for field in fields {
        h.update(field.len().to_string().as_bytes());
        h.update(b":");
        h.update(field.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// An entry as stored, in either backend: every field as the text its hash
/// covers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    seq: i64,
    at: String,
    actor: String,
    address: String,
    action: String,
    documents: String,
    detail: String,
    prev: String,
    hash: String,
    /// The entry's MAC, if it was written with the key.
    mac: Option<String>,
}

/// NUL cannot be stored in PostgreSQL text (and SQLite's functions stop at
/// it): a name or address that carries one (a login form can send any
/// name) is stored with U+FFFD in its place, in both backends alike.
fn storable(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

impl Record {
    /// A stored record, from a row of its columns (`seq, at, actor,
    /// address, action, documents, detail, prev, hash, mac`) in either
    /// database.
    fn read<R: crate::db::row::Columns>(r: &R) -> Result<Record, R::Error> {
        Ok(Record {
            seq: r.int(0)?,
            at: r.text(1)?,
            actor: r.text(2)?,
            address: r.text(3)?,
            action: r.text(4)?,
            documents: r.text(5)?,
            detail: r.text(6)?,
            prev: r.text(7)?,
            hash: r.text(8)?,
            mac: r.opt_text(9)?,
        })
    }

    /// The hash the record's fields call for.
    fn computed_hash(&self) -> String {
        entry_hash([
            &self.seq.to_string(),
            &self.at,
            &self.actor,
            &self.address,
            &self.action,
            &self.documents,
            &self.detail,
            &self.prev,
        ])
    }

    /// The entry after `last` (the last stored entry's seq and hash, none
    /// for the first), for `event` at time `at`, with a MAC if there is a
    /// key: the record to store, and the entry the append returns.
    fn next(
        last: Option<(i64, &str)>,
        event: &Event,
        at: DateTime<Utc>,
        key: Option<&AuditKey>,
    ) -> (Record, Entry) {
        let (seq, prev) = match last {
            Some((s, h)) => (s + 1, h.to_string()),
            None => (1, GENESIS.to_string()),
        };
        let documents: Vec<i64> = event.documents.iter().map(|d| d.0).collect();
        let mut record = Record {
            seq,
            at: at.to_rfc3339_opts(SecondsFormat::Millis, true),
            actor: storable(&event.actor),
            address: storable(&event.address),
            action: event.action.as_str().to_string(),
            documents: serde_json::to_string(&documents).unwrap_or_else(|_| "[]".into()),
            detail: event.detail.to_string(),
            prev,
            hash: String::new(),
            mac: None,
        };
        record.hash = record.computed_hash();
        record.mac = key.map(|k| k.entry_mac(record.seq, &record.hash));
        let entry = Entry {
            seq,
            at: record.at.clone(),
            actor: record.actor.clone(),
            address: record.address.clone(),
            action: record.action.clone(),
            documents,
            detail: event.detail.clone(),
            prev: record.prev.clone(),
            hash: record.hash.clone(),
            mac: record.mac.clone(),
        };
        (record, entry)
    }

    /// The records for `events` in order after `last`, each stamped by
    /// `now`.
    fn chain(
        last: Option<(i64, String)>,
        events: &[Event],
        now: &mut dyn FnMut() -> DateTime<Utc>,
        key: Option<&AuditKey>,
    ) -> (Vec<Record>, Vec<Entry>) {
        let mut records: Vec<Record> = Vec::with_capacity(events.len());
        let mut entries = Vec::with_capacity(events.len());
        for event in events {
            let last = match records.last() {
                Some(r) => Some((r.seq, r.hash.as_str())),
                None => last.as_ref().map(|(s, h)| (*s, h.as_str())),
            };
            let (record, entry) = Record::next(last, event, now(), key);
            records.push(record);
            entries.push(entry);
        }
        (records, entries)
    }

    /// The entry as listed.
    fn into_entry(self) -> Result<Entry, AuditError> {
        let seq = self.seq;
        let bad = |detail: String| AuditError::BadEntry { seq, detail };
        Ok(Entry {
            seq,
            documents: serde_json::from_str(&self.documents).map_err(|e| bad(e.to_string()))?,
            detail: serde_json::from_str(&self.detail).map_err(|e| bad(e.to_string()))?,
            at: self.at,
            actor: self.actor,
            address: self.address,
            action: self.action,
            prev: self.prev,
            hash: self.hash,
            mac: self.mac,
        })
    }
}

/// What an append stores after the last entry (its seq and hash; none for
/// the first): the records to insert, and the entries the append returns.
/// The backends store; chaining and hashing are done here.
type Chain<'a> = dyn FnMut(Option<(i64, String)>) -> (Vec<Record>, Vec<Entry>) + 'a;

/// The walk of [`AuditLog::verify`]: fed the stored records in `seq` order.
struct ChainCheck<'a> {
    expected_seq: i64,
    prev_hash: String,
    entries: i64,
    broken: Option<(i64, String)>,
    /// The key MACs are checked with (none: not checked).
    key: Option<&'a AuditKey>,
    keyed: i64,
    /// The last keyed entry's seq.
    last_keyed: Option<i64>,
    /// Whether the last entry seen carries a MAC.
    head_keyed: bool,
    /// The checkpoints to hold the log to, by seq.
    checkpoints: &'a [Checkpoint],
}

impl<'a> ChainCheck<'a> {
    fn new(key: Option<&'a AuditKey>, checkpoints: &'a [Checkpoint]) -> Self {
        ChainCheck {
            expected_seq: 1,
            prev_hash: GENESIS.to_string(),
            entries: 0,
            broken: None,
            key,
            keyed: 0,
            last_keyed: None,
            head_keyed: false,
            checkpoints,
        }
    }

    fn break_at(&mut self, seq: i64, why: String) {
        if self.broken.is_none() {
            self.broken = Some((seq, why));
        }
    }

    fn push(&mut self, record: Record) {
        self.entries += 1;
        let problem = if record.seq != self.expected_seq {
            Some(format!(
                "expected entry {} here: entries are missing",
                self.expected_seq
            ))
        } else if record.prev != self.prev_hash {
            Some("it does not link to the entry before it".to_string())
        } else if record.computed_hash() != record.hash {
            Some("its content does not match its hash: it was changed".to_string())
        } else {
            None
        };
        if let Some(p) = problem {
            self.break_at(record.seq, p);
        }
        if let Some(mac) = &record.mac {
            self.keyed += 1;
            self.last_keyed = Some(record.seq);
            if let Some(key) = self.key {
                if !key.entry_mac_ok(record.seq, &record.hash, mac) {
                    self.break_at(
                        record.seq,
                        "its MAC does not match the key: the entry was changed or \
                         forged (or written with another key)"
                            .to_string(),
                    );
                }
            }
        }
        self.head_keyed = record.mac.is_some();
        for c in self.checkpoints.iter().filter(|c| c.seq == record.seq) {
            if c.hash != record.hash {
                self.break_at(
                    record.seq,
                    format!(
                        "its hash differs from the checkpoint's ({}): the log was \
                         rewritten up to the checkpoint's entry",
                        c.hash
                    ),
                );
            }
        }
        self.expected_seq = record.seq + 1;
        self.prev_hash = record.hash;
    }

    fn finish(mut self) -> Verification {
        let last = self.expected_seq - 1;
        for c in self.checkpoints {
            if c.seq > last || self.entries == 0 {
                let ends = if self.entries == 0 {
                    "the log is empty".to_string()
                } else {
                    format!("the log ends at entry {last}")
                };
                self.break_at(
                    c.seq,
                    format!(
                        "{ends}, before the checkpoint's entry {}: entries were \
                         cut from the end",
                        c.seq
                    ),
                );
            }
        }
        if self.key.is_some() && self.entries > 0 && !self.head_keyed {
            let why = match self.last_keyed {
                None => "no entry carries a MAC: the log was never written with the key, \
                         or its MACs were stripped. If the key was only just configured, \
                         record a keyed entry (`arshif audit checkpoint`) and verify again"
                    .to_string(),
                Some(k) => format!(
                    "the last entry carries no MAC, nor does any after entry {k}: \
                     they were written without the key (is it configured for every \
                     arshif process, the server too?), or rewritten and their MACs \
                     stripped; the next keyed entry vouches for them"
                ),
            };
            self.break_at(last, why);
        }
        Verification {
            entries: self.entries,
            head: (self.entries > 0).then_some((last, self.prev_hash)),
            broken: self.broken,
            keyed: self.keyed,
            key_id: self.key.map(|k| k.id().to_string()),
            checkpoint: self.checkpoints.iter().map(|c| c.seq).max(),
        }
    }
}

/// The audit log: one connection to its database, and the key its
/// entries are signed with, if one is configured.
pub struct AuditLog {
    backend: Backend,
    key: Option<AuditKey>,
}

enum Backend {
    Sqlite(sqlite::SqliteLog),
    Pg(Box<postgres::PgLog>),
}

impl AuditLog {
    /// Open the log at `path`, creating it (and its schema) if missing,
    /// with the key the environment configures ([`AuditKey::from_env`]; a
    /// key file may not be kept in the log's directory). WAL mode with full
    /// fsync: an entry whose append returned survives a crash or a power
    /// cut.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let key = AuditKey::from_env()?;
        if let (Some(k), Some(dir)) = (&key, path.parent()) {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            k.check_apart_from(dir)?;
        }
        Self::open_with_key(path, key)
    }

    /// [`AuditLog::open`] with the key given (none: entries are written
    /// without MACs and MACs are not checked).
    pub fn open_with_key(path: &Path, key: Option<AuditKey>) -> Result<Self, AuditError> {
        Ok(AuditLog {
            backend: Backend::Sqlite(sqlite::SqliteLog::open(path)?),
            key,
        })
    }

    /// Open the shared log in PostgreSQL at `url`: the table `audit` in the
    /// connection's schema (the first of its `search_path`, as for
    /// [`crate::catalog::PgCatalog`]), created (with the schema) or
    /// migrated if needed. Every node of a shared archive opening the same
    /// URL appends to the same chain. An entry whose append returned is
    /// committed (durable as the server's `synchronous_commit` makes it).
    /// A connection found closed (the server restarted) is opened again.
    ///
    /// The client is synchronous and runs its own small runtime: call this,
    /// use the log and drop it off async threads (in `spawn_blocking` or a
    /// thread of its own).
    ///
    /// The key is the one the environment configures, as for
    /// [`AuditLog::open`]; every node should have the same.
    pub fn open_pg(url: &str) -> Result<Self, AuditError> {
        Self::open_pg_with_key(url, AuditKey::from_env()?)
    }

    /// [`AuditLog::open_pg`] with the key given.
    pub fn open_pg_with_key(url: &str, key: Option<AuditKey>) -> Result<Self, AuditError> {
        Ok(AuditLog {
            backend: Backend::Pg(Box::new(postgres::PgLog::open(url)?)),
            key,
        })
    }

    /// The key entries are signed with, if one is configured.
    pub fn key(&self) -> Option<&AuditKey> {
        self.key.as_ref()
    }

    /// The SQLite connection (tests use it to play the tamperer).
    ///
    /// # Panics
    ///
    /// For a PostgreSQL log, which has no SQLite connection (its tests use
    /// a client of their own).
    pub fn connection(&self) -> &rusqlite::Connection {
        match &self.backend {
            Backend::Sqlite(s) => s.connection(),
            Backend::Pg(p) => panic!(
                "AuditLog::connection: the audit log in {} is in PostgreSQL, not SQLite",
                p.display_url()
            ),
        }
    }

    /// Append an entry, durably, linked to the one before. Safe with other
    /// writers in this or other processes (or, in PostgreSQL, other nodes):
    /// the read of the last hash and the insert are one write transaction
    /// under the log's write lock.
    pub fn append(&self, event: &Event) -> Result<Entry, AuditError> {
        let mut entries = self.append_all(std::slice::from_ref(event))?;
        Ok(entries.pop().expect("one entry per event"))
    }

    /// Append several entries, in order, in one transaction: one durable
    /// commit for all (group commit, for a busy server).
    pub fn append_all(&self, events: &[Event]) -> Result<Vec<Entry>, AuditError> {
        self.append_all_at(events, &mut Utc::now)
    }

    /// [`AuditLog::append_all`] with the entries' times from `now` (tests
    /// give both backends the same clock).
    fn append_all_at(
        &self,
        events: &[Event],
        now: &mut dyn FnMut() -> DateTime<Utc>,
    ) -> Result<Vec<Entry>, AuditError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.key.as_ref();
        let mut chain = |last: Option<(i64, String)>| Record::chain(last, events, now, key);
        match &self.backend {
            Backend::Sqlite(s) => s.append_all(&mut chain),
            Backend::Pg(p) => p.append_all(&mut chain),
        }
    }

    /// Entries matching `filter`, newest first.
    pub fn list(&self, filter: &AuditFilter) -> Result<Vec<Entry>, AuditError> {
        let records = match &self.backend {
            Backend::Sqlite(s) => s.list(filter)?,
            Backend::Pg(p) => p.list(filter)?,
        };
        records.into_iter().map(Record::into_entry).collect()
    }

    /// Walk the whole chain: sequence numbers without gaps from 1, each
    /// entry linked to the one before, each hash matching its fields. With
    /// a key, also every MAC, and the last entry must carry one (see the
    /// module's documentation).
    pub fn verify(&self) -> Result<Verification, AuditError> {
        self.verify_against(&[])
    }

    /// [`AuditLog::verify`], and the log must hold each checkpoint's entry
    /// with the checkpoint's hash. Checking a checkpoint takes the key that
    /// signed it: without a key configured this is an error; a checkpoint
    /// the key did not sign (or one changed since) breaks the verification.
    pub fn verify_against(&self, checkpoints: &[Checkpoint]) -> Result<Verification, AuditError> {
        if !checkpoints.is_empty() && self.key.is_none() {
            return Err(AuditError::Checkpoint {
                detail: format!(
                    "checking a checkpoint takes the key that signed it: set {} or {}",
                    key::KEY_ENV,
                    key::KEY_FILE_ENV
                ),
            });
        }
        let mut check = ChainCheck::new(self.key.as_ref(), checkpoints);
        if let Some(k) = &self.key {
            for c in checkpoints {
                if let Some(why) = c.signature_problem(k) {
                    check.break_at(c.seq, why);
                }
            }
        }
        match &self.backend {
            Backend::Sqlite(s) => s.walk(&mut |r| check.push(r))?,
            Backend::Pg(p) => p.walk(&mut |r| check.push(r))?,
        }
        Ok(check.finish())
    }

    /// Append `event` (by whoever takes the checkpoint) and sign the entry
    /// it becomes as the log's head. Takes the key.
    pub fn checkpoint(&self, event: &Event) -> Result<(Entry, Checkpoint), AuditError> {
        self.checkpoint_at(event, &mut Utc::now)
    }

    /// [`AuditLog::checkpoint`] with the entry's time from `now`.
    fn checkpoint_at(
        &self,
        event: &Event,
        now: &mut dyn FnMut() -> DateTime<Utc>,
    ) -> Result<(Entry, Checkpoint), AuditError> {
        let Some(key) = &self.key else {
            return Err(AuditError::Checkpoint {
                detail: format!(
                    "a checkpoint is signed with the audit key: set {} or {}",
                    key::KEY_ENV,
                    key::KEY_FILE_ENV
                ),
            });
        };
        let entry = self
            .append_all_at(std::slice::from_ref(event), now)?
            .pop()
            .expect("one entry per event");
        let c = Checkpoint::sign(key, entry.seq, &entry.hash, &entry.at);
        Ok((entry, c))
    }
}

/// The filter's `since` as stored times compare: RFC 3339 text to the
/// millisecond, in UTC.
fn since_text(filter: &AuditFilter) -> Option<String> {
    filter
        .since
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
pub(crate) mod tamper;
#[cfg(test)]
mod tests;

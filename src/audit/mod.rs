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
        /// [`crate::catalog::url_for_display`]).
        url: String,
        #[source]
        source: ::postgres::Error,
    },
    /// A PostgreSQL audit log cannot be set up as asked (no schema named,
    /// a bad stored version).
    #[error("audit log in {url}: {detail}")]
    Setup { url: String, detail: String },
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
pub const SCHEMA_VERSION: i64 = 2;

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
    /// A document's date, type or title corrected by hand.
    Correct,
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
            Action::Denied => "denied",
            Action::AuditRead => "audit_read",
            Action::Checkpoint => "checkpoint",
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
        match &self.backend {
            Backend::Sqlite(s) => s.append_all(events, now, key),
            Backend::Pg(p) => p.append_all(events, now, key),
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

/// The tamperer's tools, for the tests of both backends: whoever can write
/// the log's database rewrites it, recomputing every hash as arshif would,
/// but without the key.
#[cfg(test)]
pub(crate) mod tamper {
    use super::*;

    impl AuditLog {
        /// Every stored record, in order.
        pub(crate) fn records(&self) -> Vec<Record> {
            let mut out = Vec::new();
            match &self.backend {
                Backend::Sqlite(s) => s.walk(&mut |r| out.push(r)).unwrap(),
                Backend::Pg(p) => p.walk(&mut |r| out.push(r)).unwrap(),
            }
            out
        }
    }

    /// What the rewritten entries' MACs become.
    #[derive(Debug, Clone, Copy)]
    pub(crate) enum Macs {
        /// Left as they were (no longer matching).
        Keep,
        /// Removed, as if the entries were written without a key.
        Strip,
    }

    /// Renumber from 1 and recompute every link and hash (and so every
    /// entry's hash from the first changed one on); the MACs of entries
    /// whose hash changed are handled as `macs` says.
    fn rechain(records: Vec<Record>, macs: Macs) -> Vec<Record> {
        let mut prev = GENESIS.to_string();
        records
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                r.seq = i as i64 + 1;
                r.prev = prev.clone();
                let hash = r.computed_hash();
                if hash != r.hash {
                    r.hash = hash;
                    if let Macs::Strip = macs {
                        r.mac = None;
                    }
                }
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    /// Entries `from..=to` removed, the rest renumbered and rechained.
    pub(crate) fn remove_middle(records: &[Record], from: i64, to: i64, macs: Macs) -> Vec<Record> {
        let kept = records
            .iter()
            .filter(|r| r.seq < from || r.seq > to)
            .cloned()
            .collect();
        rechain(kept, macs)
    }

    /// Entry `seq`'s actor changed, the chain recomputed after it.
    pub(crate) fn change_actor(records: &[Record], seq: i64, macs: Macs) -> Vec<Record> {
        let mut all = records.to_vec();
        for r in all.iter_mut().filter(|r| r.seq == seq) {
            r.actor = "someone else".into();
        }
        rechain(all, macs)
    }

    /// The last `n` entries cut (nothing else touched).
    pub(crate) fn cut_tail(records: &[Record], n: usize) -> Vec<Record> {
        records[..records.len().saturating_sub(n)].to_vec()
    }

    /// The MACs of entries `from` on removed (nothing else touched).
    pub(crate) fn strip_macs(records: &[Record], from: i64) -> Vec<Record> {
        records
            .iter()
            .cloned()
            .map(|mut r| {
                if r.seq >= from {
                    r.mac = None;
                }
                r
            })
            .collect()
    }

    /// Replace a SQLite log's entries with `records`, past the guard.
    pub(crate) fn write_sqlite(log: &AuditLog, records: &[Record]) {
        let conn = log.connection();
        conn.execute_batch(
            "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;
             DELETE FROM audit;",
        )
        .unwrap();
        for r in records {
            conn.execute(
                "INSERT INTO audit (seq, at, actor, address, action, documents, detail, prev, hash, mac)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                rusqlite::params![
                    r.seq,
                    r.at,
                    r.actor,
                    r.address,
                    r.action,
                    r.documents,
                    r.detail,
                    r.prev,
                    r.hash,
                    r.mac
                ],
            )
            .unwrap();
        }
    }

    /// Seven entries and a checkpoint (the eighth), all with `key`, on a
    /// clock shared by both backends' tests.
    pub(crate) fn fill_keyed(log: &AuditLog) -> Checkpoint {
        let start = DateTime::parse_from_rfc3339("2024-03-01T09:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut n = 0i64;
        let mut now = move || {
            n += 1;
            start + chrono::Duration::milliseconds(n * 60_007)
        };
        for i in 0..7 {
            let who = ["sara", "omar", "\u{1b}[2Jroot\nforged"][i % 3];
            log.append_all_at(
                &[Event::new(who, "10.0.0.5", Action::View).documents([DocId(i as i64)])],
                &mut now,
            )
            .unwrap();
        }
        let (entry, c) = log
            .checkpoint_at(
                &Event::new("local:root", "local", Action::Checkpoint),
                &mut now,
            )
            .unwrap();
        assert_eq!(entry.seq, 8);
        c
    }

    /// An attack and what verification finds after it: (seq, words of the
    /// reason) or intact, without a key, with the key, and with the key
    /// and the checkpoint of entry 8.
    pub(crate) struct Scenario {
        pub name: &'static str,
        pub attack: fn(&[Record]) -> Vec<Record>,
        pub unkeyed: Option<(i64, &'static str)>,
        pub keyed: Option<(i64, &'static str)>,
        pub checkpointed: Option<(i64, &'static str)>,
    }

    pub(crate) fn scenarios() -> Vec<Scenario> {
        vec![
            Scenario {
                name: "four entries removed from the middle, hashes recomputed, stale MACs left",
                attack: |r| remove_middle(r, 3, 6, Macs::Keep),
                unkeyed: None,
                keyed: Some((3, "MAC does not match the key")),
                checkpointed: Some((3, "MAC does not match the key")),
            },
            Scenario {
                name: "four entries removed from the middle, hashes recomputed, MACs stripped",
                attack: |r| remove_middle(r, 3, 6, Macs::Strip),
                unkeyed: None,
                keyed: Some((4, "nor does any after entry 2")),
                checkpointed: Some((
                    8,
                    "the log ends at entry 4, before the checkpoint's entry 8",
                )),
            },
            Scenario {
                name: "an entry changed, hashes recomputed, MACs stripped",
                attack: |r| change_actor(r, 2, Macs::Strip),
                unkeyed: None,
                keyed: Some((8, "nor does any after entry 1")),
                checkpointed: Some((8, "differs from the checkpoint")),
            },
            Scenario {
                name: "every MAC stripped (the log made to look written before the key)",
                attack: |r| strip_macs(r, 1),
                unkeyed: None,
                keyed: Some((8, "no entry carries a MAC")),
                checkpointed: Some((8, "no entry carries a MAC")),
            },
            Scenario {
                name: "the last two MACs stripped",
                attack: |r| strip_macs(r, 7),
                unkeyed: None,
                keyed: Some((8, "nor does any after entry 6")),
                checkpointed: Some((8, "nor does any after entry 6")),
            },
            Scenario {
                name: "three entries cut from the end",
                attack: |r| cut_tail(r, 3),
                unkeyed: None,
                keyed: None,
                checkpointed: Some((
                    8,
                    "the log ends at entry 5, before the checkpoint's entry 8",
                )),
            },
            Scenario {
                name: "every entry cut",
                attack: |r| cut_tail(r, 8),
                unkeyed: None,
                keyed: None,
                checkpointed: Some((8, "the log is empty")),
            },
            Scenario {
                name: "untouched",
                attack: |r| r.to_vec(),
                unkeyed: None,
                keyed: None,
                checkpointed: None,
            },
        ]
    }

    /// Check `v` against an expectation.
    pub(crate) fn expect(v: &Verification, want: Option<(i64, &str)>, what: &str) {
        match (want, &v.broken) {
            (None, None) => {}
            (Some((seq, words)), Some((at, why))) => {
                assert_eq!(*at, seq, "{what}: {why}");
                assert!(why.contains(words), "{what}: {why:?} lacks {words:?}");
            }
            (want, got) => panic!("{what}: expected {want:?}, found {got:?}"),
        }
    }

    /// Run every scenario: `open` gives a fresh log with the key given
    /// (and whatever must live as long as it), `write` replaces a log's
    /// entries. Returns what each verification found, for comparing
    /// backends.
    pub(crate) fn run_scenarios<T>(
        open: &dyn Fn(Option<AuditKey>) -> (T, AuditLog),
        write: &dyn Fn(&AuditLog, &[Record]),
    ) -> Vec<[Verification; 3]> {
        let key = AuditKey::new(b"the operator's secret, kept apart").unwrap();
        let mut all = Vec::new();
        for s in scenarios() {
            let (_keep, log) = open(Some(key.clone()));
            let checkpoint = fill_keyed(&log);
            let before = log
                .verify_against(std::slice::from_ref(&checkpoint))
                .unwrap();
            assert!(before.broken.is_none(), "{}: {:?}", s.name, before.broken);
            assert_eq!((before.entries, before.keyed), (8, 8));
            write(&log, &(s.attack)(&log.records()));
            let keyed = log.verify().unwrap();
            let checkpointed = log
                .verify_against(std::slice::from_ref(&checkpoint))
                .unwrap();
            // The same log read without the key: the chain alone.
            let records = log.records();
            drop(log);
            let (_keep, plain) = open(None);
            write(&plain, &records);
            let unkeyed = plain.verify().unwrap();
            expect(&unkeyed, s.unkeyed, &format!("{} (no key)", s.name));
            expect(&keyed, s.keyed, &format!("{} (key)", s.name));
            expect(
                &checkpointed,
                s.checkpointed,
                &format!("{} (key and checkpoint)", s.name),
            );
            assert_eq!(keyed.key_id.as_deref(), Some(key.id()));
            assert_eq!(unkeyed.key_id, None);
            assert_eq!(checkpointed.checkpoint, Some(8));
            all.push([unkeyed, keyed, checkpointed]);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> (tempfile::TempDir, AuditLog) {
        let dir = tempfile::tempdir().unwrap();
        let a = AuditLog::open(&dir.path().join("audit.sqlite")).unwrap();
        (dir, a)
    }

    fn fill(a: &AuditLog) {
        a.append(
            &Event::new("sara", "10.0.0.5", Action::Search)
                .documents([DocId(3), DocId(7)])
                .detail(serde_json::json!({"query": "رخصة بناء"})),
        )
        .unwrap();
        a.append(&Event::new("sara", "10.0.0.5", Action::View).documents([DocId(7)]))
            .unwrap();
        a.append(&Event::new("omar", "10.0.0.6", Action::LoginFailed))
            .unwrap();
    }

    #[test]
    fn entries_are_chained_and_listed_newest_first() {
        let (_d, a) = log();
        fill(&a);
        let all = a
            .list(&AuditFilter {
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 2, 1]);
        assert_eq!(all[2].prev, GENESIS);
        assert_eq!(all[1].prev, all[2].hash);
        assert_eq!(all[2].detail["query"], "رخصة بناء");
        let by_doc = a
            .list(&AuditFilter {
                document: Some(DocId(7)),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(by_doc.len(), 2);
        let by_user = a
            .list(&AuditFilter {
                actor: Some("omar".into()),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(by_user[0].action, "login_failed");
        let v = a.verify().unwrap();
        assert_eq!(v.entries, 3);
        assert!(v.broken.is_none());
        assert_eq!(v.head.unwrap().1, all[0].hash);
    }

    /// Groups and other writers (two connections standing in for the
    /// server and a CLI run) interleave without breaking the chain.
    #[test]
    fn groups_and_concurrent_writers_keep_the_chain() {
        let (d, a) = log();
        let path = d.path().join("audit.sqlite");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let a = AuditLog::open(&path).unwrap();
                    for i in 0..25 {
                        let e = Event::new(format!("w{t}"), "local", Action::View)
                            .documents([DocId(i)]);
                        if i % 5 == 0 {
                            a.append_all(&[e.clone(), e]).unwrap();
                        } else {
                            a.append(&e).unwrap();
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let v = a.verify().unwrap();
        assert_eq!(v.entries, 4 * 30);
        assert!(v.broken.is_none(), "{:?}", v.broken);
    }

    #[test]
    fn a_newer_log_is_refused() {
        let (d, a) = log();
        a.connection()
            .execute_batch("PRAGMA user_version = 9")
            .unwrap();
        drop(a);
        let e = AuditLog::open(&d.path().join("audit.sqlite"))
            .err()
            .expect("refused");
        assert!(matches!(e, AuditError::NewerSchema { found: 9, .. }), "{e}");
        assert!(e.to_string().contains("upgrade arshif"));
    }

    #[test]
    fn the_table_refuses_changes() {
        let (_d, a) = log();
        fill(&a);
        let conn = a.connection();
        let e = conn
            .execute("UPDATE audit SET actor = 'x' WHERE seq = 1", [])
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
        assert!(conn.execute("DELETE FROM audit WHERE seq = 2", []).is_err());
    }

    /// Tampering by other means (dropping the guard) is found by verify.
    #[test]
    fn tampering_breaks_the_chain() {
        for (sql, seq, why) in [
            (
                "UPDATE audit SET detail = '{\"query\":\"x\"}' WHERE seq = 1",
                1,
                "changed",
            ),
            ("DELETE FROM audit WHERE seq = 2", 3, "missing"),
            (
                "UPDATE audit SET actor = 'nobody', hash = 'f' WHERE seq = 2",
                2,
                "changed",
            ),
        ] {
            let (_d, a) = log();
            fill(&a);
            let conn = a.connection();
            conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
                .unwrap();
            conn.execute(sql, []).unwrap();
            let v = a.verify().unwrap();
            let (at, reason) = v.broken.expect(sql);
            assert_eq!(at, seq, "{sql}: {reason}");
            assert!(reason.contains(why), "{sql}: {reason}");
        }
    }

    use super::tamper::{self, Macs};

    fn keyed_log(key: Option<AuditKey>) -> (tempfile::TempDir, AuditLog) {
        let dir = tempfile::tempdir().unwrap();
        let a = AuditLog::open_with_key(&dir.path().join("audit.sqlite"), key).unwrap();
        (dir, a)
    }

    fn key(s: &str) -> AuditKey {
        AuditKey::new(format!("{s:-<32}").as_bytes()).unwrap()
    }

    /// Rewrites with recomputed hashes (that verify without the key) and
    /// cuts from the end are found with the key and the checkpoint.
    #[test]
    fn rewrites_fail_keyed_verify_and_cuts_fail_the_checkpoint() {
        let results = tamper::run_scenarios(&keyed_log, &tamper::write_sqlite);
        assert_eq!(results.len(), tamper::scenarios().len());
    }

    #[test]
    fn a_wrong_key_fails() {
        let (d, a) = keyed_log(Some(key("right")));
        let checkpoint = tamper::fill_keyed(&a);
        drop(a);
        let path = d.path().join("audit.sqlite");
        let wrong = AuditLog::open_with_key(&path, Some(key("wrong"))).unwrap();
        let v = wrong.verify().unwrap();
        tamper::expect(&v, Some((1, "MAC does not match the key")), "wrong key");
        let v = wrong
            .verify_against(std::slice::from_ref(&checkpoint))
            .unwrap();
        tamper::expect(&v, Some((8, "signed with another key")), "checkpoint");
        // A checkpoint changed by hand (to an earlier head) is refused.
        let right = AuditLog::open_with_key(&path, Some(key("right"))).unwrap();
        let mut moved = checkpoint.clone();
        moved.seq = 5;
        let v = right.verify_against(&[moved]).unwrap();
        tamper::expect(&v, Some((5, "changed or forged")), "moved checkpoint");
        assert!(right
            .verify_against(&[checkpoint])
            .unwrap()
            .broken
            .is_none());
    }

    #[test]
    fn checkpoints_take_the_key() {
        let (d, a) = keyed_log(Some(key("k")));
        let checkpoint = tamper::fill_keyed(&a);
        drop(a);
        let plain = AuditLog::open_with_key(&d.path().join("audit.sqlite"), None).unwrap();
        let e = plain.verify_against(&[checkpoint]).unwrap_err();
        assert!(matches!(e, AuditError::Checkpoint { .. }), "{e}");
        assert!(e.to_string().contains("ARSHIF_AUDIT_KEY"), "{e}");
        let e = plain
            .checkpoint(&Event::new("local:root", "local", Action::Checkpoint))
            .unwrap_err();
        assert!(e.to_string().contains("signed with the audit key"), "{e}");
        // Without the key the chain is still checked, MACs counted.
        let v = plain.verify().unwrap();
        assert!(v.broken.is_none());
        assert_eq!((v.entries, v.keyed, v.key_id), (8, 8, None));
    }

    /// Entries from before the key carry no MAC; the first keyed entry
    /// vouches for them, and until there is one a keyed verify fails.
    #[test]
    fn entries_before_the_key_are_vouched_for_by_the_first_keyed_one() {
        let (d, a) = log();
        fill(&a);
        drop(a);
        let path = d.path().join("audit.sqlite");
        let k = key("introduced later");
        let a = AuditLog::open_with_key(&path, Some(k.clone())).unwrap();
        tamper::expect(
            &a.verify().unwrap(),
            Some((3, "no entry carries a MAC")),
            "key just configured",
        );
        let e = a
            .checkpoint(&Event::new("local:root", "local", Action::Checkpoint))
            .unwrap()
            .0;
        assert_eq!(e.seq, 4);
        assert!(e.mac.is_some());
        let v = a.verify().unwrap();
        assert!(v.broken.is_none(), "{:?}", v.broken);
        assert_eq!((v.entries, v.keyed), (4, 1));
        // A legacy entry rewritten: the keyed entry after it no longer fits.
        for (macs, want) in [
            (Macs::Keep, (4, "MAC does not match the key")),
            (Macs::Strip, (4, "no entry carries a MAC")),
        ] {
            let (_d, b) = keyed_log(Some(k.clone()));
            tamper::write_sqlite(&b, &a.records());
            assert!(b.verify().unwrap().broken.is_none());
            tamper::write_sqlite(&b, &tamper::change_actor(&a.records(), 1, macs));
            tamper::expect(&b.verify().unwrap(), Some(want), &format!("{macs:?}"));
        }
    }

    /// Entries written by a process without the key (a misconfigured
    /// server) fail a keyed verify until a keyed entry follows them.
    #[test]
    fn an_unkeyed_gap_is_vouched_for_by_the_next_keyed_entry() {
        let k = key("k");
        let (d, keyed) = keyed_log(Some(k.clone()));
        let path = d.path().join("audit.sqlite");
        let plain = AuditLog::open_with_key(&path, None).unwrap();
        let view = || Event::new("sara", "10.0.0.5", Action::View);
        keyed.append_all(&[view(), view()]).unwrap();
        plain.append_all(&[view(), view()]).unwrap();
        tamper::expect(
            &keyed.verify().unwrap(),
            Some((4, "nor does any after entry 2")),
            "gap at the end",
        );
        keyed.append(&view()).unwrap();
        let v = keyed.verify().unwrap();
        assert!(v.broken.is_none(), "{:?}", v.broken);
        assert_eq!((v.entries, v.keyed), (5, 3));
    }

    /// A checkpoint of another log (a restored old copy, a log swapped
    /// for another written with the same key) does not fit.
    #[test]
    fn a_checkpoint_of_another_log_differs() {
        let k = key("k");
        let (_d, a) = keyed_log(Some(k.clone()));
        let checkpoint = tamper::fill_keyed(&a);
        let (_e, b) = keyed_log(Some(k));
        for i in 0..8 {
            b.append(&Event::new("omar", "10.0.0.6", Action::Search).documents([DocId(i)]))
                .unwrap();
        }
        tamper::expect(
            &b.verify_against(&[checkpoint]).unwrap(),
            Some((8, "differs from the checkpoint")),
            "another log",
        );
    }

    /// A log of schema version 1 (no MACs) gains the column and keeps its
    /// entries and their hashes.
    #[test]
    fn a_version_1_log_is_migrated() {
        let (d, a) = log();
        fill(&a);
        let before = a.verify().unwrap();
        a.connection()
            .execute_batch("ALTER TABLE audit DROP COLUMN mac; PRAGMA user_version = 1;")
            .unwrap();
        drop(a);
        let a = AuditLog::open_with_key(&d.path().join("audit.sqlite"), Some(key("k"))).unwrap();
        let version: i64 = a
            .connection()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let after = a.verify().unwrap();
        assert_eq!(after.head, before.head);
        a.append(&Event::new("sara", "local", Action::Logout))
            .unwrap();
        let v = a.verify().unwrap();
        assert!(v.broken.is_none(), "{:?}", v.broken);
        assert_eq!((v.entries, v.keyed), (4, 1));
        // The guard still holds after the migration.
        assert!(a
            .connection()
            .execute("DELETE FROM audit WHERE seq = 1", [])
            .is_err());
    }
}

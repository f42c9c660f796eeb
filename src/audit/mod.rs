//! The audit trail: who searched for what, looked at which record, imported
//! what, and changed which account, when and from where.
//!
//! Append-only: arshif has no way to change or remove an entry, and the
//! table refuses `UPDATE` and `DELETE` (and, in PostgreSQL, `TRUNCATE`)
//! with triggers. Each entry carries the sha256 of the one before it, and
//! its own hash covers every field and that link, so an entry changed,
//! removed or inserted by other means breaks the chain, which
//! [`AuditLog::verify`] finds. Removing entries from the end leaves a
//! shorter valid chain: to detect that, keep the head that `arshif audit
//! verify` prints somewhere else and compare.
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

pub mod postgres;
pub mod sqlite;

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
}

/// The SQLite audit database's schema version (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;

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
struct Record {
    seq: i64,
    at: String,
    actor: String,
    address: String,
    action: String,
    documents: String,
    detail: String,
    prev: String,
    hash: String,
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
    /// for the first), for `event` at time `at`: the record to store, and
    /// the entry the append returns.
    fn next(last: Option<(i64, &str)>, event: &Event, at: DateTime<Utc>) -> (Record, Entry) {
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
        };
        record.hash = record.computed_hash();
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
        };
        (record, entry)
    }

    /// The records for `events` in order after `last`, each stamped by
    /// `now`.
    fn chain(
        last: Option<(i64, String)>,
        events: &[Event],
        now: &mut dyn FnMut() -> DateTime<Utc>,
    ) -> (Vec<Record>, Vec<Entry>) {
        let mut records: Vec<Record> = Vec::with_capacity(events.len());
        let mut entries = Vec::with_capacity(events.len());
        for event in events {
            let last = match records.last() {
                Some(r) => Some((r.seq, r.hash.as_str())),
                None => last.as_ref().map(|(s, h)| (*s, h.as_str())),
            };
            let (record, entry) = Record::next(last, event, now());
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
        })
    }
}

/// The walk of [`AuditLog::verify`]: fed the stored records in `seq` order.
struct ChainCheck {
    expected_seq: i64,
    prev_hash: String,
    entries: i64,
    broken: Option<(i64, String)>,
}

impl ChainCheck {
    fn new() -> Self {
        ChainCheck {
            expected_seq: 1,
            prev_hash: GENESIS.to_string(),
            entries: 0,
            broken: None,
        }
    }

    fn push(&mut self, record: Record) {
        self.entries += 1;
        if self.broken.is_none() {
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
                self.broken = Some((record.seq, p));
            }
        }
        self.expected_seq = record.seq + 1;
        self.prev_hash = record.hash;
    }

    fn finish(self) -> Verification {
        Verification {
            entries: self.entries,
            head: (self.entries > 0).then(|| (self.expected_seq - 1, self.prev_hash)),
            broken: self.broken,
        }
    }
}

/// The audit log: one connection to its database.
pub struct AuditLog {
    backend: Backend,
}

enum Backend {
    Sqlite(sqlite::SqliteLog),
    Pg(Box<postgres::PgLog>),
}

impl AuditLog {
    /// Open the log at `path`, creating it (and its schema) if missing.
    /// WAL mode with full fsync: an entry whose append returned survives a
    /// crash or a power cut.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        Ok(AuditLog {
            backend: Backend::Sqlite(sqlite::SqliteLog::open(path)?),
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
    pub fn open_pg(url: &str) -> Result<Self, AuditError> {
        Ok(AuditLog {
            backend: Backend::Pg(Box::new(postgres::PgLog::open(url)?)),
        })
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
        match &self.backend {
            Backend::Sqlite(s) => s.append_all(events, now),
            Backend::Pg(p) => p.append_all(events, now),
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
    /// entry linked to the one before, each hash matching its fields.
    pub fn verify(&self) -> Result<Verification, AuditError> {
        let mut check = ChainCheck::new();
        match &self.backend {
            Backend::Sqlite(s) => s.walk(&mut |r| check.push(r))?,
            Backend::Pg(p) => p.walk(&mut |r| check.push(r))?,
        }
        Ok(check.finish())
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
}

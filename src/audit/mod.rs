//! The audit trail: who searched for what, looked at which record, imported
//! what, and changed which account, when and from where.
//!
//! Append-only: arshif has no way to change or remove an entry, and the
//! table refuses `UPDATE` and `DELETE` (SQLite triggers). Each entry carries
//! the sha256 of the one before it, and its own hash covers every field and
//! that link, so an entry changed, removed or inserted by other means breaks
//! the chain, which [`AuditLog::verify`] finds. Removing entries from the
//! end leaves a shorter valid chain: to detect that, keep the head that
//! `arshif audit verify` prints somewhere else and compare.
//!
//! The log is its own SQLite file, `ARCHIVE/audit.sqlite`, apart from the
//! catalog: a busy server appends to it for every look, and appends there
//! must not disturb the catalog that every search reads.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::types::DocId;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log in {path}: {source}")]
    Db {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("audit entry {seq}: bad stored value: {detail}")]
    BadEntry { seq: i64, detail: String },
    #[error("audit log {path} has schema version {found}, newer than this arshif supports ({supported}); upgrade arshif")]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
}

/// The audit database's schema version (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA_V1: &str = r#"
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    address     TEXT NOT NULL,
    action      TEXT NOT NULL,
    documents   TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev        TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
PRAGMA user_version = 1;
"#;

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

/// The audit log: one connection to its database.
pub struct AuditLog {
    conn: Connection,
    path: String,
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

impl AuditLog {
    /// Open the log at `path`, creating it (and its schema) if missing.
    /// WAL mode with full fsync: an entry whose append returned survives a
    /// crash or a power cut.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let p = path.display().to_string();
        let db = |source| AuditError::Db {
            path: p.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(db)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;",
        )
        .map_err(db)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db)?;
        if version > SCHEMA_VERSION {
            return Err(AuditError::NewerSchema {
                path: p,
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version == 0 {
            conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA_V1} COMMIT;"))
                .or_else(|e| {
                    // Another process created it meanwhile.
                    let _ = conn.execute_batch("ROLLBACK");
                    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                    if v == SCHEMA_VERSION {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
                .map_err(db)?;
        }
        Ok(AuditLog { conn, path: p })
    }

    /// The connection (tests use it to play the tamperer).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> AuditError + '_ {
        move |source| AuditError::Db {
            path: self.path.to_string(),
            source,
        }
    }

    /// Append an entry, durably, linked to the one before. Safe with other
    /// writers in this or other processes: the read of the last hash and the
    /// insert are one write transaction.
    pub fn append(&self, event: &Event) -> Result<Entry, AuditError> {
        let mut entries = self.append_all(std::slice::from_ref(event))?;
        Ok(entries.pop().expect("one entry per event"))
    }

    /// Append several entries, in order, in one transaction: one durable
    /// commit for all (group commit, for a busy server).
    pub fn append_all(&self, events: &[Event]) -> Result<Vec<Entry>, AuditError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.db())?;
        let r = events
            .iter()
            .map(|e| self.append_in_transaction(e))
            .collect::<Result<Vec<_>, _>>();
        let end = if r.is_ok() { "COMMIT" } else { "ROLLBACK" };
        if let Err(e) = self.conn.execute_batch(end) {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(self.db()(e));
        }
        r
    }

    fn append_in_transaction(&self, event: &Event) -> Result<Entry, AuditError> {
        let last: Option<(i64, String)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .and_then(|mut st| st.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(self.db())?;
        let (seq, prev) = match last {
            Some((s, h)) => (s + 1, h),
            None => (1, GENESIS.to_string()),
        };
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let documents: Vec<i64> = event.documents.iter().map(|d| d.0).collect();
        let docs_text = serde_json::to_string(&documents).unwrap_or_else(|_| "[]".into());
        let detail_text = event.detail.to_string();
        let action = event.action.as_str();
        let hash = entry_hash([
            &seq.to_string(),
            &at,
            &event.actor,
            &event.address,
            action,
            &docs_text,
            &detail_text,
            &prev,
        ]);
        self.conn
            .prepare_cached(
                "INSERT INTO audit (seq, at, actor, address, action, documents, detail, prev, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    seq,
                    at,
                    event.actor,
                    event.address,
                    action,
                    docs_text,
                    detail_text,
                    prev,
                    hash
                ])
            })
            .map_err(self.db())?;
        Ok(Entry {
            seq,
            at,
            actor: event.actor.clone(),
            address: event.address.clone(),
            action: action.to_string(),
            documents,
            detail: event.detail.clone(),
            prev,
            hash,
        })
    }

    fn entry(row: Row) -> Result<Entry, AuditError> {
        let (seq, at, actor, address, action, documents, detail, prev, hash) = row;
        let bad = |detail: String| AuditError::BadEntry { seq, detail };
        Ok(Entry {
            seq,
            at,
            actor,
            address,
            action,
            documents: serde_json::from_str(&documents).map_err(|e| bad(e.to_string()))?,
            detail: serde_json::from_str(&detail).map_err(|e| bad(e.to_string()))?,
            prev,
            hash,
        })
    }

    /// Entries matching `filter`, newest first.
    pub fn list(&self, filter: &AuditFilter) -> Result<Vec<Entry>, AuditError> {
        let since = filter
            .since
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true));
        let mut st = self
            .conn
            .prepare(
                "SELECT seq, at, actor, address, action, documents, detail, prev, hash
                 FROM audit
                 WHERE (?1 IS NULL OR actor = ?1)
                   AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(audit.documents) WHERE value = ?2))
                   AND (?3 IS NULL OR at >= ?3)
                   AND (?4 IS NULL OR seq < ?4)
                 ORDER BY seq DESC LIMIT ?5",
            )
            .map_err(self.db())?;
        let rows = st
            .query_map(
                params![
                    filter.actor,
                    filter.document.map(|d| d.0),
                    since,
                    filter.before,
                    filter.limit as i64
                ],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                    ))
                },
            )
            .map_err(self.db())?;
        let mut out = Vec::new();
        for r in rows {
            out.push(Self::entry(r.map_err(self.db())?)?);
        }
        Ok(out)
    }

    /// Walk the whole chain: sequence numbers without gaps from 1, each
    /// entry linked to the one before, each hash matching its fields.
    pub fn verify(&self) -> Result<Verification, AuditError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT seq, at, actor, address, action, documents, detail, prev, hash
                 FROM audit ORDER BY seq",
            )
            .map_err(self.db())?;
        let mut rows = st.query([]).map_err(self.db())?;
        let mut expected_seq = 1i64;
        let mut prev_hash = GENESIS.to_string();
        let mut entries = 0i64;
        let mut broken = None;
        while let Some(r) = rows.next().map_err(self.db())? {
            let row: Row = (
                r.get(0).map_err(self.db())?,
                r.get(1).map_err(self.db())?,
                r.get(2).map_err(self.db())?,
                r.get(3).map_err(self.db())?,
                r.get(4).map_err(self.db())?,
                r.get(5).map_err(self.db())?,
                r.get(6).map_err(self.db())?,
                r.get(7).map_err(self.db())?,
                r.get(8).map_err(self.db())?,
            );
            entries += 1;
            let (seq, at, actor, address, action, documents, detail, prev, hash) = row;
            if broken.is_none() {
                let problem = if seq != expected_seq {
                    Some(format!(
                        "expected entry {expected_seq} here: entries are missing"
                    ))
                } else if prev != prev_hash {
                    Some("it does not link to the entry before it".to_string())
                } else if entry_hash([
                    &seq.to_string(),
                    &at,
                    &actor,
                    &address,
                    &action,
                    &documents,
                    &detail,
                    &prev,
                ]) != hash
                {
                    Some("its content does not match its hash: it was changed".to_string())
                } else {
                    None
                };
                if let Some(p) = problem {
                    broken = Some((seq, p));
                }
            }
            expected_seq = seq + 1;
            prev_hash = hash;
        }
        Ok(Verification {
            entries,
            head: (entries > 0).then(|| (expected_seq - 1, prev_hash)),
            broken,
        })
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
}

//! The audit log in its own SQLite file (`ARCHIVE/audit.sqlite`).

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use super::{since_text, storable, AuditError, AuditFilter, Chain, Entry, Record};

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

/// Version 2: each entry's MAC with the audit key (NULL for an entry
/// written without one). Adding a column fires no trigger and changes no
/// entry: the hashes stay as they were.
const SCHEMA_V2: &str = r#"
ALTER TABLE audit ADD COLUMN mac TEXT;
PRAGMA user_version = 2;
"#;

/// Schema steps: `MIGRATIONS[i]` takes version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[SCHEMA_V1, SCHEMA_V2];

/// The schema version this build reads and writes.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const COLUMNS: &str = "seq, at, actor, address, action, documents, detail, prev, hash, mac";

/// The log in a SQLite file: one connection.
pub(super) struct SqliteLog {
    conn: Connection,
    path: String,
}

impl SqliteLog {
    pub(super) fn open(path: &Path) -> Result<Self, AuditError> {
        let p = path.display().to_string();
        let conn = crate::db::sqlite::open(path, "")?;
        crate::db::sqlite::migrate(&conn, &p, MIGRATIONS)?;
        Ok(SqliteLog { conn, path: p })
    }

    pub(super) fn connection(&self) -> &Connection {
        &self.conn
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> AuditError + '_ {
        move |source| AuditError::Db {
            path: self.path.to_string(),
            source,
        }
    }

    /// Append in one `BEGIN IMMEDIATE` transaction: SQLite's write lock
    /// orders the writers.
    pub(super) fn append_all(&self, chain: &mut Chain<'_>) -> Result<Vec<Entry>, AuditError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.db())?;
        let r = self.append_in_transaction(chain);
        let end = if r.is_ok() { "COMMIT" } else { "ROLLBACK" };
        if let Err(e) = self.conn.execute_batch(end) {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(self.db()(e));
        }
        r
    }

    fn append_in_transaction(&self, chain: &mut Chain<'_>) -> Result<Vec<Entry>, AuditError> {
        let last: Option<(i64, String)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .and_then(|mut st| st.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(self.db())?;
        let (records, entries) = chain(last);
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO audit ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))
            .map_err(self.db())?;
        for r in &records {
            st.execute(params![
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
            ])
            .map_err(self.db())?;
        }
        Ok(entries)
    }

    /// The records matching `filter`, newest first.
    pub(super) fn list(&self, filter: &AuditFilter) -> Result<Vec<Record>, AuditError> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS}
                 FROM audit
                 WHERE (?1 IS NULL OR actor = ?1)
                   AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(audit.documents) WHERE value = ?2))
                   AND (?3 IS NULL OR at >= ?3)
                   AND (?4 IS NULL OR seq < ?4)
                 ORDER BY seq DESC LIMIT ?5"
            ))
            .map_err(self.db())?;
        let rows = st
            .query_map(
                params![
                    filter.actor.as_deref().map(storable),
                    filter.document.map(|d| d.0),
                    since_text(filter),
                    filter.before,
                    // Beyond i64 (usize::MAX) wraps negative: no limit.
                    filter.limit as i64
                ],
                |r| Record::read(r),
            )
            .map_err(self.db())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.db())
    }

    /// Every record in `seq` order, to `each`.
    pub(super) fn walk(&self, each: &mut dyn FnMut(Record)) -> Result<(), AuditError> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))
            .map_err(self.db())?;
        let mut rows = st.query([]).map_err(self.db())?;
        while let Some(r) = rows.next().map_err(self.db())? {
            each(Record::read(r).map_err(self.db())?);
        }
        Ok(())
    }
}

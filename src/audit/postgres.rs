//! The shared audit log in PostgreSQL: the table `audit` in the schema of a
//! shared archive's catalog (the first of the connection's `search_path`),
//! one log that every node appends to.
//!
//! The rows are those of the SQLite log, field for field and as the same
//! text, so that the hash chain reads the same: `at` is RFC 3339 text to
//! the millisecond (compared as bytes, `COLLATE "C"`), `documents` and
//! `detail` JSON text. Listing by document casts `documents` to `jsonb`
//! (and a GIN index on that cast serves it).
//!
//! **One chain for all nodes.** An append takes a transaction-level
//! advisory lock (one key per schema), reads the last entry, inserts the
//! new ones after it and commits: nodes append one after another, and the
//! sequence numbers stay gapless. The primary key on `seq` refuses any
//! second entry with the same number should a writer skip the lock.
//!
//! **Append-only.** Statement triggers refuse `UPDATE`, `DELETE` and
//! `TRUNCATE`. The table's owner (or a superuser) can still disable them:
//! the hash chain is what shows that.
//!
//! The schema's version is the row `audit_schema_version` of the catalog's
//! `arshif_meta` table (created if absent); opening creates or migrates
//! under the same advisory lock as the catalog's migration, so nodes, and
//! the catalog and the audit log, opening a new schema at once do not race.

use ::postgres::IsolationLevel;

use super::{since_text, storable, AuditError, AuditFilter, Chain, Entry, Record};
use crate::db::pg::{Attempt, Migrations, PgConn, PgPool};

/// The PostgreSQL audit table's schema version this build reads and writes.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const SCHEMA_V1: &str = r#"
CREATE TABLE audit (
    seq       bigint PRIMARY KEY CHECK (seq > 0),
    at        text COLLATE "C" NOT NULL,
    actor     text NOT NULL,
    address   text NOT NULL,
    action    text NOT NULL,
    documents text NOT NULL,
    detail    text NOT NULL,
    prev      text NOT NULL,
    hash      text NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_documents ON audit USING gin ((documents::jsonb) jsonb_path_ops);
CREATE FUNCTION arshif_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION arshif_audit_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION arshif_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION arshif_audit_append_only();
"#;

/// Version 2: each entry's MAC with the audit key (NULL for an entry
/// written without one), as in SQLite. Adding a column fires no trigger
/// and changes no entry.
const SCHEMA_V2: &str = "ALTER TABLE audit ADD COLUMN mac text;";

/// Schema steps: `MIGRATIONS[i]` takes version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[SCHEMA_V1, SCHEMA_V2];

/// The audit table, for [`crate::db::pg::migrate`]: its version is the
/// row `audit_schema_version` of the catalog's `arshif_meta`, migrated
/// under the same lock as the catalog's, so that the two never race to
/// create the schema or `arshif_meta`.
const AUDIT_TABLES: Migrations = Migrations {
    what: "the audit log",
    version_key: "audit_schema_version",
    steps: MIGRATIONS,
};

/// The lock an append holds until it commits: one per schema's log.
const APPEND_LOCK: &str =
    "SELECT pg_advisory_xact_lock(hashtext('arshif audit ' || current_schema()))";

const COLUMNS: &str = "seq, at, actor, address, action, documents, detail, prev, hash, mac";

/// Rows read at a time when walking the chain.
const WALK_BATCH: i32 = 5000;

/// The log in PostgreSQL: connections from a small pool of its own (a
/// lost one is replaced, see [`PgPool::run`]).
pub(super) struct PgLog {
    pool: PgPool,
}

/// Connections the log holds at most (the server appends from one thread).
const POOL_SIZE: u32 = 2;

/// The last entry.
const LAST: &str = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";

/// Entries in one statement, a column an array.
fn insert_sql() -> String {
    format!(
        "INSERT INTO audit ({COLUMNS})
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                              $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])"
    )
}

impl PgLog {
    /// Open the log at `url`: the table created or migrated on a
    /// connection of its own first, so that a wrong URL or an unreachable
    /// server fails here, at once.
    pub(super) fn open(url: &str) -> Result<Self, AuditError> {
        let pool = PgPool::new(url, POOL_SIZE)?;
        let mut conn = pool.connect()?;
        crate::db::pg::migrate(&mut conn.client, url, &AUDIT_TABLES)?;
        Ok(PgLog { pool })
    }

    /// The URL without password.
    pub(super) fn display_url(&self) -> &str {
        self.pool.display_url()
    }

    fn run<T>(&self, op: impl FnMut(&mut PgConn) -> Result<T, Attempt>) -> Result<T, AuditError> {
        Ok(self.pool.run(op)?)
    }

    /// Append in one transaction under the append lock: the last entry is
    /// read after the lock is held, so it is the last committed by any node.
    pub(super) fn append_all(&self, chain: &mut Chain<'_>) -> Result<Vec<Entry>, AuditError> {
        self.run(|conn| {
            let last = conn.statement(LAST).map_err(Attempt::Retry)?;
            let insert = conn.statement(&insert_sql()).map_err(Attempt::Retry)?;
            let mut tx = conn.client.transaction().map_err(Attempt::Retry)?;
            tx.batch_execute(APPEND_LOCK).map_err(Attempt::Retry)?;
            let last = match tx.query_opt(&last, &[]).map_err(Attempt::Retry)? {
                Some(row) => Some((
                    row.try_get::<_, i64>(0).map_err(Attempt::Retry)?,
                    row.try_get::<_, String>(1).map_err(Attempt::Retry)?,
                )),
                None => None,
            };
            let (records, entries) = chain(last);
            let column = |f: fn(&Record) -> &String| -> Vec<&str> {
                records.iter().map(|r| f(r).as_str()).collect()
            };
            let seqs: Vec<i64> = records.iter().map(|r| r.seq).collect();
            let macs: Vec<Option<&str>> = records.iter().map(|r| r.mac.as_deref()).collect();
            tx.execute(
                &insert,
                &[
                    &seqs,
                    &column(|r| &r.at),
                    &column(|r| &r.actor),
                    &column(|r| &r.address),
                    &column(|r| &r.action),
                    &column(|r| &r.documents),
                    &column(|r| &r.detail),
                    &column(|r| &r.prev),
                    &column(|r| &r.hash),
                    &macs,
                ],
            )
            .map_err(Attempt::Retry)?;
            tx.commit().map_err(Attempt::Final)?;
            Ok(entries)
        })
    }

    /// The records matching `filter`, newest first: the conditions of the
    /// SQLite query, only those the filter sets (so each query is planned
    /// for its own values).
    pub(super) fn list(&self, filter: &AuditFilter) -> Result<Vec<Record>, AuditError> {
        let actor = filter.actor.as_deref().map(storable);
        let document = filter.document.map(|d| d.0);
        let since = since_text(filter);
        // No limit beyond i64 (usize::MAX): NULL is LIMIT ALL.
        let limit = i64::try_from(filter.limit).ok();
        let mut conditions = Vec::new();
        let mut params: Vec<&(dyn ::postgres::types::ToSql + Sync)> = Vec::new();
        if let Some(a) = &actor {
            params.push(a);
            conditions.push(format!("actor = ${}::text", params.len()));
        }
        if let Some(d) = &document {
            params.push(d);
            conditions.push(format!(
                "documents::jsonb @> jsonb_build_array(${}::bigint)",
                params.len()
            ));
        }
        if let Some(s) = &since {
            params.push(s);
            conditions.push(format!("at >= ${}::text", params.len()));
        }
        if let Some(b) = &filter.before {
            params.push(b);
            conditions.push(format!("seq < ${}::bigint", params.len()));
        }
        params.push(&limit);
        let sql = format!(
            "SELECT {COLUMNS} FROM audit {} ORDER BY seq DESC LIMIT ${}::bigint",
            if conditions.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", conditions.join(" AND "))
            },
            params.len()
        );
        self.run(|conn| {
            let rows = conn.client.query(&sql, &params).map_err(Attempt::Retry)?;
            rows.iter()
                .map(|r| Record::read(r).map_err(Attempt::Retry))
                .collect()
        })
    }

    /// Every record in `seq` order, to `each`: read in batches, all from
    /// one snapshot (entries appended meanwhile are not seen).
    pub(super) fn walk(&self, each: &mut dyn FnMut(Record)) -> Result<(), AuditError> {
        let mut started = false;
        // Failures before the first record is given out may be retried;
        // after, a retry would give records twice.
        self.run(|conn| {
            let mut tx = conn
                .client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(Attempt::Retry)?;
            let portal = tx
                .bind(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"), &[])
                .map_err(Attempt::Retry)?;
            loop {
                let rows = tx.query_portal(&portal, WALK_BATCH).map_err(|e| {
                    if started {
                        Attempt::Final(e)
                    } else {
                        Attempt::Retry(e)
                    }
                })?;
                if rows.is_empty() {
                    break;
                }
                for r in &rows {
                    started = true;
                    each(Record::read(r).map_err(Attempt::Final)?);
                }
            }
            tx.commit().map_err(Attempt::Final)?;
            Ok(())
        })
    }

    /// The server's process id for this log's connection (tests cut it).
    #[cfg(test)]
    fn backend_pid(&self) -> i32 {
        self.run(|conn| {
            conn.client
                .query_one("SELECT pg_backend_pid()", &[])
                .and_then(|r| r.try_get(0))
                .map_err(Attempt::Final)
        })
        .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::{Arc, Barrier, Mutex};

    use postgres::Client;

    use chrono::{DateTime, TimeZone, Utc};

    use super::super::{Action, AuditKey, AuditLog, Backend, Event, Verification};
    use super::*;
    use crate::types::DocId;

    use crate::db::pg::test_schema::TestSchema as TestDb;

    impl TestDb {
        fn open_log(&self) -> AuditLog {
            AuditLog::open_pg(&self.url).unwrap()
        }
    }

    fn sqlite() -> (tempfile::TempDir, AuditLog) {
        let dir = tempfile::tempdir().unwrap();
        let a = AuditLog::open(&dir.path().join("audit.sqlite")).unwrap();
        (dir, a)
    }

    /// The same clock for both backends: a minute and a few milliseconds
    /// apart from one entry to the next.
    fn clock() -> impl FnMut() -> DateTime<Utc> {
        let start = Utc.with_ymd_and_hms(2024, 3, 1, 9, 30, 0).unwrap();
        let mut n = 0i64;
        move || {
            n += 1;
            start + chrono::Duration::milliseconds(n * 60_007)
        }
    }

    /// The same entries, one by one and in groups, at the same times.
    fn fill(a: &AuditLog) -> Vec<Entry> {
        let mut now = clock();
        let mut out = Vec::new();
        let mut append = |events: &[Event]| {
            out.extend(a.append_all_at(events, &mut now).unwrap());
        };
        append(&[Event::new("sara", "10.0.0.5", Action::Search)
            .documents([DocId(3), DocId(7)])
            .detail(serde_json::json!({"query": "رخصة بناء", "page": 1, "a": [1, 2.5, null]}))]);
        append(&[Event::new("sara", "10.0.0.5", Action::View).documents([DocId(7)])]);
        append(&[
            Event::new("omar", "10.0.0.6", Action::LoginFailed)
                .detail(serde_json::json!({"reason": "password"})),
            Event::new("om\0ar", "10.0.0.6", Action::LoginFailed),
            Event::new("local:root", "local", Action::Import).documents([
                DocId(70),
                DocId(7),
                DocId(17),
            ]),
        ]);
        append(&[Event::new("sara", "10.0.0.5", Action::Download)
            .documents([DocId(17)])
            .detail(serde_json::json!({"what": "original", "quote": "\"x\"\n"}))]);
        append(&[Event::new("omar", "10.0.0.6", Action::PageImage).documents([DocId(3)])]);
        out
    }

    fn filters() -> Vec<AuditFilter> {
        let start = Utc.with_ymd_and_hms(2024, 3, 1, 9, 30, 0).unwrap();
        let f = |actor: Option<&str>,
                 document: Option<i64>,
                 since_ms: Option<i64>,
                 before: Option<i64>,
                 limit: usize| AuditFilter {
            actor: actor.map(String::from),
            document: document.map(DocId),
            since: since_ms.map(|ms| start + chrono::Duration::milliseconds(ms)),
            before,
            limit,
        };
        vec![
            f(None, None, None, None, 100),
            f(None, None, None, None, usize::MAX),
            f(None, None, None, None, 0),
            f(None, None, None, None, 2),
            f(Some("sara"), None, None, None, 100),
            f(Some("omar"), None, None, None, 100),
            f(Some("om\0ar"), None, None, None, 100),
            f(Some("nobody"), None, None, None, 100),
            f(None, Some(7), None, None, 100),
            f(None, Some(3), None, None, 100),
            f(None, Some(17), None, None, 100),
            f(None, Some(1), None, None, 100),
            // since: exactly the third entry's time, then just after it
            f(None, None, Some(3 * 60_007), None, 100),
            f(None, None, Some(3 * 60_007 + 1), None, 100),
            f(None, None, None, Some(4), 100),
            f(None, None, None, Some(1), 100),
            f(Some("sara"), Some(7), Some(60_008), Some(3), 100),
            f(Some("sara"), Some(7), None, None, 1),
        ]
    }

    fn same_verification(a: &Verification, b: &Verification) {
        assert_eq!(a.entries, b.entries);
        assert_eq!(a.head, b.head);
        assert_eq!(a.broken, b.broken);
    }

    /// The same events give the same entries, hashes included, and list
    /// and verify alike, in PostgreSQL and in SQLite.
    #[test]
    fn entries_list_and_verify_as_in_sqlite() {
        let db = TestDb::new();
        let pg = db.open_log();
        let (_d, lite) = sqlite();
        let from_pg = fill(&pg);
        let from_lite = fill(&lite);
        assert_eq!(from_pg, from_lite);
        assert_eq!(from_pg.len(), 7);
        assert_eq!(
            from_pg.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=7).collect::<Vec<_>>()
        );
        assert_eq!(from_pg[3].actor, "om\u{FFFD}ar");
        for filter in filters() {
            let p = pg.list(&filter).unwrap();
            let l = lite.list(&filter).unwrap();
            assert_eq!(p, l, "{filter:?}");
        }
        // What append returned is what is listed.
        let mut all = pg
            .list(&AuditFilter {
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        all.reverse();
        assert_eq!(all, from_pg);
        // A few answers checked by hand, not only against SQLite.
        let seqs = |f: &AuditFilter| {
            pg.list(f)
                .unwrap()
                .iter()
                .map(|e| e.seq)
                .collect::<Vec<_>>()
        };
        let f = filters();
        assert_eq!(seqs(&f[8]), [5, 2, 1], "document 7");
        assert_eq!(seqs(&f[6]), [4], "the actor with NUL");
        assert_eq!(seqs(&f[12]), [7, 6, 5, 4, 3], "since the third");
        assert_eq!(seqs(&f[13]), [7, 6, 5, 4], "since after the third");
        assert_eq!(seqs(&f[16]), [2], "combined");
        assert_eq!(seqs(&f[2]), Vec::<i64>::new(), "limit 0");

        let v = pg.verify().unwrap();
        assert_eq!(v.entries, 7);
        assert!(v.broken.is_none(), "{:?}", v.broken);
        assert_eq!(v.head, Some((7, from_pg[6].hash.clone())));
        same_verification(&v, &lite.verify().unwrap());

        // Reopening finds the same log and goes on with the chain.
        drop(pg);
        let pg = db.open_log();
        let e = pg
            .append(&Event::new("sara", "10.0.0.5", Action::Logout))
            .unwrap();
        assert_eq!(e.seq, 8);
        assert_eq!(e.prev, from_pg[6].hash);
        assert!(pg.verify().unwrap().broken.is_none());
    }

    /// Two nodes (two logs on the same database), each used by several
    /// threads, and more writers with logs of their own, all at once: one
    /// gapless chain, every entry once.
    #[test]
    fn nodes_appending_at_once_keep_one_chain() {
        let db = TestDb::new();
        let nodes: Vec<_> = (0..2)
            .map(|_| Arc::new(Mutex::new(db.open_log())))
            .collect();
        let lone = 2;
        let per_node = 3;
        let writers = nodes.len() * per_node + lone;
        let start = Arc::new(Barrier::new(writers));
        let mut threads = Vec::new();
        for w in 0..writers {
            let node = nodes.get(w / per_node).cloned();
            let url = db.url.clone();
            let start = start.clone();
            threads.push(std::thread::spawn(move || {
                let own = node.is_none().then(|| AuditLog::open_pg(&url).unwrap());
                start.wait();
                let mut seqs = Vec::new();
                for i in 0..20 {
                    let e =
                        Event::new(format!("w{w}"), "local", Action::View).documents([DocId(i)]);
                    let events = if i % 5 == 0 {
                        vec![e.clone(), e.clone(), e]
                    } else {
                        vec![e]
                    };
                    let appended = match (&own, &node) {
                        (Some(log), _) => log.append_all(&events).unwrap(),
                        (None, Some(n)) => n.lock().unwrap().append_all(&events).unwrap(),
                        (None, None) => unreachable!(),
                    };
                    // A group's entries follow one another.
                    for pair in appended.windows(2) {
                        assert_eq!(pair[1].seq, pair[0].seq + 1);
                        assert_eq!(pair[1].prev, pair[0].hash);
                    }
                    seqs.extend(appended.iter().map(|e| e.seq));
                }
                seqs
            }));
        }
        let mut seen = BTreeSet::new();
        for t in threads {
            for s in t.join().unwrap() {
                assert!(seen.insert(s), "entry {s} given twice");
            }
        }
        let total = writers as i64 * (16 + 4 * 3);
        assert_eq!(seen, (1..=total).collect::<BTreeSet<_>>());
        for node in &nodes {
            let v = node.lock().unwrap().verify().unwrap();
            assert_eq!(v.entries, total);
            assert!(v.broken.is_none(), "{:?}", v.broken);
            assert_eq!(v.head.as_ref().map(|h| h.0), Some(total));
        }
        let w0 = nodes[0]
            .lock()
            .unwrap()
            .list(&AuditFilter {
                actor: Some("w0".into()),
                limit: usize::MAX,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(w0.len(), 28);
    }

    fn refused(c: &mut Client, sql: &str) -> String {
        let e = c.batch_execute(sql).expect_err(sql);
        e.as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_else(|| e.to_string())
    }

    #[test]
    fn the_table_refuses_changes() {
        let db = TestDb::new();
        let a = db.open_log();
        let entries = fill(&a);
        let mut c = db.client();
        for sql in [
            "UPDATE audit SET actor = 'x' WHERE seq = 1",
            "UPDATE audit SET actor = 'x' WHERE false",
            "DELETE FROM audit WHERE seq = 2",
            "DELETE FROM audit",
            "TRUNCATE audit",
        ] {
            let e = refused(&mut c, sql);
            assert!(e.contains("append-only"), "{sql}: {e}");
        }
        let v = a.verify().unwrap();
        assert_eq!(v.entries, entries.len() as i64);
        assert!(v.broken.is_none());
        // The error names the log without its password.
        let e = AuditLog::open_pg("postgres://postgres:s3cret@127.0.0.1:1/postgres")
            .err()
            .expect("nothing listens on port 1");
        assert!(matches!(e, AuditError::Pg { .. }), "{e}");
        let shown = e.to_string();
        assert!(
            shown.contains("postgres://postgres@127.0.0.1:1/postgres"),
            "{shown}"
        );
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    /// Tampering by other means (the guard disabled by the table's owner)
    /// is found by verify, where and as it is on SQLite.
    #[test]
    fn tampering_breaks_the_chain_as_in_sqlite() {
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
            (
                "UPDATE audit SET documents = '[7]' WHERE seq = 5",
                5,
                "changed",
            ),
            ("DELETE FROM audit WHERE seq = 1", 2, "missing"),
        ] {
            let db = TestDb::new();
            let pg = db.open_log();
            fill(&pg);
            let mut c = db.client();
            c.batch_execute(
                "ALTER TABLE audit DISABLE TRIGGER audit_no_update;
                 ALTER TABLE audit DISABLE TRIGGER audit_no_delete;",
            )
            .unwrap();
            c.batch_execute(sql).unwrap();
            let v = pg.verify().unwrap();
            let (at, reason) = v.broken.clone().expect(sql);
            assert_eq!(at, seq, "{sql}: {reason}");
            assert!(reason.contains(why), "{sql}: {reason}");

            let (_d, lite) = sqlite();
            fill(&lite);
            let conn = lite.connection();
            conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
                .unwrap();
            conn.execute(sql, []).unwrap();
            same_verification(&v, &lite.verify().unwrap());
        }
    }

    /// Nodes and the catalog opening a new schema at once: created once,
    /// each its own version row in `arshif_meta`. A newer log is refused.
    #[test]
    fn opening_at_once_migrates_once_and_a_newer_log_is_refused() {
        let db = TestDb::new();
        let start = Arc::new(Barrier::new(5));
        let mut threads = Vec::new();
        for i in 0..5 {
            let url = db.url.clone();
            let start = start.clone();
            threads.push(std::thread::spawn(move || {
                start.wait();
                if i == 0 {
                    crate::catalog::PgCatalog::create_or_open(&url, "node-a")
                        .map(drop)
                        .map_err(|e| e.to_string())
                } else {
                    AuditLog::open_pg(&url).map(drop).map_err(|e| e.to_string())
                }
            }));
        }
        for t in threads {
            t.join().unwrap().unwrap();
        }
        let mut c = db.client();
        let rows = c
            .query("SELECT key, value FROM arshif_meta ORDER BY key", &[])
            .unwrap();
        let meta: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(
            meta,
            [
                (
                    "audit_schema_version".to_string(),
                    PG_SCHEMA_VERSION.to_string()
                ),
                (
                    "schema_version".to_string(),
                    crate::catalog::PG_SCHEMA_VERSION.to_string()
                )
            ]
        );
        let a = db.open_log();
        a.append(&Event::new("sara", "local", Action::Login))
            .unwrap();
        drop(a);

        c.batch_execute("UPDATE arshif_meta SET value = '9' WHERE key = 'audit_schema_version'")
            .unwrap();
        let e = AuditLog::open_pg(&db.url).err().expect("refused");
        assert!(matches!(e, AuditError::NewerSchema { found: 9, .. }), "{e}");
        assert!(e.to_string().contains("upgrade arshif"), "{e}");
    }

    /// A connection cut under the log (a server restart, a failover) is
    /// replaced: the next append succeeds, once.
    #[test]
    fn a_lost_connection_is_opened_again() {
        let db = TestDb::new();
        let a = db.open_log();
        a.append(&Event::new("sara", "local", Action::Login))
            .unwrap();
        let pid = |a: &AuditLog| match &a.backend {
            Backend::Pg(p) => p.backend_pid(),
            Backend::Sqlite(_) => unreachable!(),
        };
        let first = pid(&a);
        let mut c = db.client();
        let killed: bool = c
            .query_one("SELECT pg_terminate_backend($1)", &[&first])
            .unwrap()
            .get(0);
        assert!(killed);
        // Give the server time to close the connection.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let e = a
            .append(&Event::new("sara", "local", Action::View))
            .unwrap();
        assert_eq!(e.seq, 2);
        assert_ne!(pid(&a), first, "a new connection");
        let v = a.verify().unwrap();
        assert_eq!(v.entries, 2);
        assert!(v.broken.is_none());
        assert_eq!(
            a.list(&AuditFilter {
                limit: 10,
                ..Default::default()
            })
            .unwrap()
            .len(),
            2
        );
    }

    #[test]
    #[should_panic(expected = "is in PostgreSQL")]
    fn a_pg_log_has_no_sqlite_connection() {
        let db = TestDb::new();
        let a = db.open_log();
        let _ = a.connection();
    }

    /// Replace a PostgreSQL log's entries with `records`, past the guard
    /// (as the table's owner can).
    fn write_pg(db: &TestDb, records: &[Record]) {
        let mut c = db.client();
        c.batch_execute(
            "ALTER TABLE audit DISABLE TRIGGER audit_no_update;
             ALTER TABLE audit DISABLE TRIGGER audit_no_delete;
             DELETE FROM audit;",
        )
        .unwrap();
        for r in records {
            c.execute(
                "INSERT INTO audit (seq, at, actor, address, action, documents, detail, prev, hash, mac)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    &r.seq, &r.at, &r.actor, &r.address, &r.action, &r.documents, &r.detail,
                    &r.prev, &r.hash, &r.mac,
                ],
            )
            .unwrap();
        }
    }

    /// The rewrites, strippings and cuts of the SQLite tests, through a
    /// PostgreSQL client: found alike, at the same entries, for the same
    /// reasons, with the same keys, MACs and checkpoints.
    #[test]
    fn rewrites_and_cuts_are_found_as_in_sqlite() {
        use super::super::tamper;
        use std::collections::HashMap;
        // Each log's database, found again by the log's URL when writing.
        let dbs: Mutex<HashMap<String, Arc<TestDb>>> = Mutex::new(HashMap::new());
        let open = |key: Option<AuditKey>| {
            let db = Arc::new(TestDb::new());
            let log = AuditLog::open_pg_with_key(&db.url, key).unwrap();
            let display = match &log.backend {
                Backend::Pg(p) => p.display_url().to_string(),
                Backend::Sqlite(_) => unreachable!(),
            };
            dbs.lock().unwrap().insert(display, db.clone());
            (db, log)
        };
        let write = |log: &AuditLog, records: &[Record]| {
            let display = match &log.backend {
                Backend::Pg(p) => p.display_url().to_string(),
                Backend::Sqlite(_) => unreachable!(),
            };
            let db = dbs.lock().unwrap()[&display].clone();
            write_pg(&db, records);
        };
        let from_pg = tamper::run_scenarios(&open, &write);
        let lite_open = |key: Option<AuditKey>| {
            let dir = tempfile::tempdir().unwrap();
            let log = AuditLog::open_with_key(&dir.path().join("audit.sqlite"), key).unwrap();
            (dir, log)
        };
        let from_lite = tamper::run_scenarios(&lite_open, &tamper::write_sqlite);
        for (p, l) in from_pg.iter().zip(&from_lite) {
            for (p, l) in p.iter().zip(l) {
                same_verification(p, l);
                assert_eq!(
                    (p.keyed, &p.key_id, p.checkpoint),
                    (l.keyed, &l.key_id, l.checkpoint)
                );
            }
        }
        // The same key gives the same MACs and checkpoint in both.
        let key = AuditKey::new(b"one key for both backends......").unwrap();
        let db = TestDb::new();
        let pg = AuditLog::open_pg_with_key(&db.url, Some(key.clone())).unwrap();
        let (_d, lite) = lite_open(Some(key));
        assert_eq!(tamper::fill_keyed(&pg), tamper::fill_keyed(&lite));
        assert_eq!(pg.records(), lite.records());
    }

    /// A version 1 table (no MACs) gains the column, keeps its entries,
    /// and the first keyed entry vouches for them.
    #[test]
    fn a_version_1_table_is_migrated() {
        let db = TestDb::new();
        let a = db.open_log();
        let entries = fill(&a);
        drop(a);
        db.client()
            .batch_execute(
                "ALTER TABLE audit DROP COLUMN mac;
                 UPDATE arshif_meta SET value = '1' WHERE key = 'audit_schema_version';",
            )
            .unwrap();
        let key = AuditKey::new(b"introduced after the upgrade....").unwrap();
        let a = AuditLog::open_pg_with_key(&db.url, Some(key)).unwrap();
        let version: String = db
            .client()
            .query_one(
                "SELECT value FROM arshif_meta WHERE key = 'audit_schema_version'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(version, PG_SCHEMA_VERSION.to_string());
        let v = a.verify().unwrap();
        assert_eq!(v.entries, entries.len() as i64);
        assert!(v
            .broken
            .as_ref()
            .unwrap()
            .1
            .contains("no entry carries a MAC"));
        a.append(&Event::new("sara", "local", Action::Logout))
            .unwrap();
        let v = a.verify().unwrap();
        assert!(v.broken.is_none(), "{:?}", v.broken);
        assert_eq!(v.keyed, 1);
        let refused = db.client().batch_execute("DELETE FROM audit WHERE seq = 1");
        assert!(refused.is_err(), "the guard still holds");
    }
}

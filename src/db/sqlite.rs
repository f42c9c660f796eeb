//! SQLite files as every arshif database opens them: WAL mode with full
//! fsync (a committed transaction survives a crash or a power cut, an
//! uncommitted one leaves no trace), a 30 s wait for another writer, and
//! the schema version in `PRAGMA user_version`, brought up to date in one
//! write transaction.

use std::path::Path;

use rusqlite::Connection;

use super::DbError;

/// How long a writer waits for another one's lock.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Open (creating if missing) the database at `path`, with arshif's
/// settings and then `pragmas` (the caller's own, `PRAGMA …;` statements).
pub fn open(path: &Path, pragmas: &str) -> Result<Connection, DbError> {
    let p = path.display().to_string();
    let db = |source| DbError::Sqlite {
        path: p.clone(),
        source,
    };
    let conn = Connection::open(path).map_err(db)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .map_err(db)?;
    if !pragmas.is_empty() {
        conn.execute_batch(pragmas).map_err(db)?;
    }
    Ok(conn)
}

/// The schema version (`PRAGMA user_version`).
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Bring the schema up to version `steps.len()`: `steps[i]` takes version
/// `i` to `i + 1`. A newer schema is refused. All steps run in one `BEGIN
/// IMMEDIATE` transaction, the version read again under the write lock, so
/// that a crash leaves the old schema (never half a new one) and of two
/// processes opening an old database at once only one migrates it.
pub fn migrate(conn: &Connection, path: &str, steps: &[&str]) -> Result<(), DbError> {
    let db = |source| DbError::Sqlite {
        path: path.to_string(),
        source,
    };
    let supported = steps.len() as i64;
    let newer = |found| DbError::NewerSchema {
        path: path.to_string(),
        found,
        supported,
    };
    let found = version(conn).map_err(db)?;
    if found > supported {
        return Err(newer(found));
    }
    if found == supported {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE").map_err(db)?;
    let r = (|| {
        let found = version(conn).map_err(db)?;
        if found > supported {
            return Err(newer(found));
        }
        for (i, step) in steps.iter().enumerate().skip(found.max(0) as usize) {
            conn.execute_batch(step).map_err(db)?;
            conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                .map_err(db)?;
        }
        Ok(())
    })();
    match r {
        Ok(()) => conn.execute_batch("COMMIT").map_err(db),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: &[&str] = &[
        "CREATE TABLE t (a INTEGER);",
        "ALTER TABLE t ADD COLUMN b TEXT;",
    ];

    #[test]
    fn a_database_is_migrated_once_and_a_newer_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite");
        let conn = open(&path, "PRAGMA foreign_keys = ON;").unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        migrate(&conn, "x", &STEPS[..1]).unwrap();
        assert_eq!(version(&conn).unwrap(), 1);
        migrate(&conn, "x", STEPS).unwrap();
        migrate(&conn, "x", STEPS).unwrap();
        assert_eq!(version(&conn).unwrap(), 2);
        conn.execute("INSERT INTO t (a, b) VALUES (1, 'x')", [])
            .unwrap();
        let e = migrate(&conn, "x", &STEPS[..1]).unwrap_err();
        assert!(
            matches!(
                e,
                DbError::NewerSchema {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{e}"
        );
        // A failing step leaves the old schema.
        let e = migrate(&conn, "x", &[STEPS[0], STEPS[1], "NOT SQL"]).unwrap_err();
        assert!(matches!(e, DbError::Sqlite { .. }), "{e}");
        assert_eq!(version(&conn).unwrap(), 2);
    }
}

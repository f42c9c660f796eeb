//! The accounts database: users, the branches they hold, API tokens and web
//! sessions, in their own SQLite file (`ARCHIVE/accounts.sqlite`), for a
//! self-contained archive and for a node of a shared one alike.
//!
//! The file has its own schema version (`PRAGMA user_version`,
//! [`SCHEMA_VERSION`]) and migrations, as the audit log has: older schemas
//! are migrated forward on open in one `BEGIN IMMEDIATE` transaction, a
//! newer one is refused. WAL mode with full fsync, foreign keys on.
//!
//! Until this file existed, accounts were tables of a SQLite catalog
//! (catalog schemas 4 and 5): `catalog.sqlite` in a self-contained archive,
//! `node.sqlite` (a whole catalog kept for them alone) on a node. The
//! migration that creates this file's schema (version 0 to 1) copies those
//! tables' rows, ids included, in the same transaction
//! ([`AccountStore::open_upgrading`]): the store is either still empty (and
//! the copy is made again by the next open) or complete with every account,
//! never half copied, and once it is at version 1 nothing is copied again.
//! The old tables are left where they are and no longer read.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

/// The accounts database's file name inside an archive directory.
pub const FILE_NAME: &str = "accounts.sqlite";

/// The accounts database's schema version (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 1: the tables as the catalog's schemas 4 and 5 had them
/// (`users.disabled` included).
const SCHEMA_V1: &str = r#"
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'staff', 'auditor')),
    password    TEXT NOT NULL,
    must_change INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE user_branches (
    user_id     INTEGER NOT NULL REFERENCES users (id),
    branch      TEXT NOT NULL,
    PRIMARY KEY (user_id, branch)
) WITHOUT ROWID;
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    label       TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE TABLE sessions (
    hash        TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Schema steps: `MIGRATIONS[i]` takes version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    SCHEMA_V1,
    // 2: each user's saved views of the document list (see `auth::views`)
    "CREATE TABLE saved_views (
         id         INTEGER PRIMARY KEY,
         user_id    INTEGER NOT NULL REFERENCES users (id),
         name       TEXT NOT NULL,
         filters    TEXT NOT NULL,
         sort       TEXT NOT NULL,
         created_at TEXT NOT NULL,
         UNIQUE (user_id, name)
     );",
];

/// The tables copied from an older arshif's catalog, parents first.
const TABLES: &[&str] = &["users", "user_branches", "tokens", "sessions"];

#[derive(Debug, thiserror::Error)]
pub enum AccountStoreError {
    #[error("accounts database {path}: {source}")]
    Db {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("accounts database {path} has schema version {found}, newer than this arshif supports ({supported}); upgrade arshif")]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    /// The accounts an older arshif kept in a catalog could not be read.
    #[error("copying the accounts kept in {from} into {path}: {source}")]
    Upgrade {
        from: String,
        path: String,
        #[source]
        source: rusqlite::Error,
    },
}

/// The accounts database: one connection. [`super::Accounts`] runs the
/// queries on it.
pub struct AccountStore {
    conn: Connection,
    path: String,
}

/// Why a migration failed: in this file, or reading the old tables.
enum MigrateError {
    Here(rusqlite::Error),
    Legacy(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Here(e)
    }
}

impl AccountStore {
    /// Open the accounts database at `path`, creating it (empty) when it
    /// does not exist.
    pub fn open(path: &Path) -> Result<Self, AccountStoreError> {
        Self::open_upgrading(path, None)
    }

    /// Open the accounts database at `path`, creating it when it does not
    /// exist; when its schema is created, the accounts an older arshif kept
    /// in the SQLite catalog `legacy` (tables `users`, `user_branches`,
    /// `tokens`, `sessions`; a missing file or tables mean none) are copied
    /// into it in the same transaction. `legacy` is only read.
    pub fn open_upgrading(path: &Path, legacy: Option<&Path>) -> Result<Self, AccountStoreError> {
        let p = path.display().to_string();
        let db = |source| AccountStoreError::Db {
            path: p.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(db)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(db)?;
        let version = user_version(&conn).map_err(db)?;
        if version > SCHEMA_VERSION {
            return Err(AccountStoreError::NewerSchema {
                path: p,
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < SCHEMA_VERSION {
            let legacy = legacy.filter(|l| l.is_file());
            Self::migrate(&conn, legacy).map_err(|e| match e {
                MigrateError::Here(source) => db(source),
                MigrateError::Legacy(source) => AccountStoreError::Upgrade {
                    from: legacy.map(|l| l.display().to_string()).unwrap_or_default(),
                    path: p.clone(),
                    source,
                },
            })?;
        }
        Ok(AccountStore { conn, path: p })
    }

    /// Bring the schema up to date in one `BEGIN IMMEDIATE` transaction:
    /// the version is read again under the write lock, so that of two
    /// processes opening the file at once only one migrates it (and copies
    /// the old accounts).
    fn migrate(conn: &Connection, legacy: Option<&Path>) -> Result<(), MigrateError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = (|| {
            let version = user_version(conn)?;
            if version > SCHEMA_VERSION {
                // Another process of a newer arshif got there first; the
                // next open refuses it.
                return Ok(());
            }
            for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                conn.execute_batch(step)?;
                if i == 0 {
                    if let Some(legacy) = legacy {
                        copy_legacy(conn, legacy)?;
                    }
                }
                conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
            }
            Ok(())
        })();
        match r {
            Ok(()) => Ok(conn.execute_batch("COMMIT")?),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The connection, for [`super::Accounts`].
    pub(super) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The database file's path, for error messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// SQLite's own check of the file (`quick_check`, or with `thorough`
    /// `integrity_check`): the lines it reports, none when all is well.
    pub fn integrity(&self, thorough: bool) -> Result<Vec<String>, AccountStoreError> {
        let db = |source| AccountStoreError::Db {
            path: self.path.clone(),
            source,
        };
        let pragma = if thorough {
            "PRAGMA integrity_check"
        } else {
            "PRAGMA quick_check"
        };
        let mut st = self.conn.prepare(pragma).map_err(db)?;
        let lines: Vec<String> = st
            .query_map([], |r| r.get(0))
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        Ok(lines.into_iter().filter(|l| l != "ok").collect())
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// The columns of `table` in the database `conn` (none: no such table).
fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let rows = st.query_map([table], |r| r.get(0))?;
    rows.collect()
}

/// Copy the account tables of the SQLite catalog at `legacy` into `conn`
/// (inside its migration transaction), every row with its id. Columns the
/// old table lacks (`users.disabled` in a catalog of schema 4) take their
/// defaults. The old tables are read in one read transaction, so the copy
/// is of one moment.
fn copy_legacy(conn: &Connection, legacy: &Path) -> Result<(), MigrateError> {
    let old = Connection::open_with_flags(
        legacy,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(MigrateError::Legacy)?;
    old.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(MigrateError::Legacy)?;
    old.execute_batch("BEGIN").map_err(MigrateError::Legacy)?;
    let r = (|| {
        for table in TABLES {
            let have = columns(&old, table).map_err(MigrateError::Legacy)?;
            if have.is_empty() {
                continue;
            }
            let wanted = columns(conn, table)?;
            let cols: Vec<&str> = wanted
                .iter()
                .filter(|c| have.contains(c))
                .map(String::as_str)
                .collect();
            let list = cols.join(", ");
            let marks = (1..=cols.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut insert = conn.prepare(&format!(
                "INSERT INTO main.{table} ({list}) VALUES ({marks})"
            ))?;
            let mut select = old
                .prepare(&format!("SELECT {list} FROM {table}"))
                .map_err(MigrateError::Legacy)?;
            let mut rows = select.query([]).map_err(MigrateError::Legacy)?;
            while let Some(row) = rows.next().map_err(MigrateError::Legacy)? {
                let values = (0..cols.len())
                    .map(|i| row.get::<_, Value>(i))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(MigrateError::Legacy)?;
                insert.execute(rusqlite::params_from_iter(values))?;
            }
        }
        Ok(())
    })();
    let _ = old.execute_batch("COMMIT");
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Accounts, Role, Secret};
    use rusqlite::OptionalExtension;

    /// Whether the SQLite database at `path` holds the old account tables.
    fn has_legacy_tables(path: &Path) -> bool {
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'",
                [],
                |_| Ok(()),
            )
            .optional()
            .unwrap()
            .is_some()
    }

    /// The account tables exactly as catalog schemas 4 and 5 created them.
    const OLD_CATALOG_V4: &str = r#"
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'staff', 'auditor')),
    password    TEXT NOT NULL,
    must_change INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
CREATE TABLE user_branches (
    user_id     INTEGER NOT NULL REFERENCES users (id),
    branch      TEXT NOT NULL,
    PRIMARY KEY (user_id, branch)
) WITHOUT ROWID;
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    label       TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE TABLE sessions (
    hash        TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
"#;
    const OLD_CATALOG_V5: &str =
        "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;";

    fn slug(s: &str) -> crate::types::BranchSlug {
        s.parse().unwrap()
    }

    fn version(path: &Path) -> i64 {
        user_version(&Connection::open(path).unwrap()).unwrap()
    }

    /// An older arshif's catalog with accounts: `admin` (id 3), `sara` (a
    /// clerk of hofuf and omran, id 7), `gone` (disabled, when the catalog
    /// is of schema 5); a live token and a revoked one of sara's, her
    /// session. Returns the token and the session id.
    fn old_catalog(path: &Path, with_disabled: bool) -> (Secret, Secret) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE documents (id INTEGER PRIMARY KEY);",
        )
        .unwrap();
        conn.execute_batch(OLD_CATALOG_V4).unwrap();
        let token = Secret::presented(&"ab".repeat(32));
        let session = Secret::presented(&"cd".repeat(32));
        conn.execute_batch(
            "INSERT INTO users (id, name, role, password, must_change, created_at)
               VALUES (3, 'admin', 'admin', 'hash-a', 1, '2026-01-01T00:00:00.000Z'),
                      (7, 'sara', 'clerk', 'hash-s', 0, '2026-01-02T00:00:00.000Z');
             INSERT INTO user_branches VALUES (7, 'hofuf'), (7, 'omran');",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO tokens (id, user_id, label, hash, created_at, revoked_at)
               VALUES (5, 7, 'scanner', ?1, '2026-01-03T00:00:00.000Z', NULL),
                      (6, 7, 'old', ?2, '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z')",
            [token.digest(), "ef".repeat(32)],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sessions VALUES (?1, 7, 'csrf-1', '2026-01-05T00:00:00.000Z', '2999-01-01T00:00:00.000Z')",
            [session.digest()],
        )
        .unwrap();
        if with_disabled {
            conn.execute_batch(OLD_CATALOG_V5).unwrap();
            conn.execute_batch(
                "INSERT INTO users (id, name, role, password, created_at, disabled)
                   VALUES (9, 'gone', 'staff', 'hash-g', '2026-01-06T00:00:00.000Z', 1);",
            )
            .unwrap();
        }
        conn.execute_batch("PRAGMA user_version = 8").unwrap();
        (token, session)
    }

    #[test]
    fn a_new_store_has_the_current_schema_and_no_accounts() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join(FILE_NAME);
        let s = AccountStore::open(&p).unwrap();
        assert_eq!(version(&p), SCHEMA_VERSION);
        let a = Accounts::new(&s);
        assert!(a.list_users().unwrap().is_empty());
        assert!(s.integrity(true).unwrap().is_empty());
        let mode: String = s
            .connection()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        // Opened again: nothing changes.
        drop(s);
        AccountStore::open(&p).unwrap();
        assert_eq!(version(&p), SCHEMA_VERSION);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join(FILE_NAME);
        drop(AccountStore::open(&p).unwrap());
        Connection::open(&p)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        let err = AccountStore::open(&p).err().unwrap();
        assert!(
            matches!(err, AccountStoreError::NewerSchema { found: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade arshif"), "{err}");
    }

    #[test]
    fn an_empty_file_left_by_a_crash_is_set_up_on_the_next_open() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join(FILE_NAME);
        let old = t.path().join("catalog.sqlite");
        old_catalog(&old, true);
        // A crash before the first migration committed leaves a database
        // of version 0 (or none at all).
        Connection::open(&p)
            .unwrap()
            .execute_batch("PRAGMA journal_mode = WAL")
            .unwrap();
        assert_eq!(version(&p), 0);
        let s = AccountStore::open_upgrading(&p, Some(&old)).unwrap();
        assert_eq!(Accounts::new(&s).list_users().unwrap().len(), 3);
    }

    #[test]
    fn accounts_of_an_old_catalog_are_copied_once_with_their_ids() {
        for with_disabled in [true, false] {
            let t = tempfile::tempdir().unwrap();
            let old = t.path().join("catalog.sqlite");
            let p = t.path().join(FILE_NAME);
            let (token, session) = old_catalog(&old, with_disabled);
            let s = AccountStore::open_upgrading(&p, Some(&old)).unwrap();
            let a = Accounts::new(&s);

            let users = a.list_users().unwrap();
            let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
            let want: &[&str] = if with_disabled {
                &["admin", "gone", "sara"]
            } else {
                &["admin", "sara"]
            };
            assert_eq!(names, want);
            let admin = a.user("admin").unwrap().unwrap();
            assert_eq!((admin.id.0, admin.role), (3, Role::Admin));
            assert!(admin.must_change_password && !admin.disabled);
            let sara = a.user("sara").unwrap().unwrap();
            assert_eq!(sara.id.0, 7);
            assert_eq!(sara.branches, vec![slug("hofuf"), slug("omran")]);
            assert_eq!(sara.created_at.to_rfc3339(), "2026-01-02T00:00:00+00:00");
            if with_disabled {
                assert!(a.user("gone").unwrap().unwrap().disabled);
            }
            // Password hashes, tokens (revoked ones stay revoked) and
            // sessions work as before.
            assert_eq!(a.credentials("sara").unwrap().unwrap().1, "hash-s");
            assert_eq!(a.token_user(&token).unwrap().unwrap().name, "sara");
            let tokens = a.list_tokens(Some("sara")).unwrap();
            assert_eq!(
                tokens
                    .iter()
                    .map(|t| (t.id, t.revoked_at.is_some()))
                    .collect::<Vec<_>>(),
                [(5, false), (6, true)]
            );
            let (u, csrf) = a.session_user(&session).unwrap().unwrap();
            assert_eq!((u.name.as_str(), csrf.as_str()), ("sara", "csrf-1"));
            // New rows follow the copied ids.
            let (info, _) = a.create_token("admin", "new").unwrap();
            assert_eq!(info.id, 7);

            // A second open copies nothing again, even when the old tables
            // change (nothing writes them any more).
            a.revoke_token(5).unwrap();
            drop(s);
            Connection::open(&old)
                .unwrap()
                .execute_batch(
                    "INSERT INTO users (id, name, role, password, created_at)
                       VALUES (20, 'late', 'staff', 'h', '2026-02-01T00:00:00.000Z')",
                )
                .unwrap();
            let s = AccountStore::open_upgrading(&p, Some(&old)).unwrap();
            let a = Accounts::new(&s);
            assert!(a.user("late").unwrap().is_none());
            assert!(a.token_user(&token).unwrap().is_none());
            assert_eq!(a.list_users().unwrap().len(), want.len());

            // The old tables are left as they were.
            assert!(has_legacy_tables(&old));
            let n: i64 = Connection::open(&old)
                .unwrap()
                .query_row(
                    "SELECT count(*) FROM tokens WHERE revoked_at IS NULL",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 1);
        }
    }

    #[test]
    fn a_catalog_without_account_tables_or_no_catalog_gives_an_empty_store() {
        let t = tempfile::tempdir().unwrap();
        let old = t.path().join("catalog.sqlite");
        drop(crate::catalog::SqliteCatalog::create(&old).unwrap());
        assert!(!has_legacy_tables(&old));
        let s = AccountStore::open_upgrading(&t.path().join("a.sqlite"), Some(&old)).unwrap();
        assert!(Accounts::new(&s).list_users().unwrap().is_empty());
        let s = AccountStore::open_upgrading(
            &t.path().join("b.sqlite"),
            Some(&t.path().join("missing.sqlite")),
        )
        .unwrap();
        assert!(Accounts::new(&s).list_users().unwrap().is_empty());
        assert!(!t.path().join("missing.sqlite").exists());
    }

    #[test]
    fn an_unreadable_old_catalog_fails_the_open_and_leaves_the_store_to_be_made_again() {
        let t = tempfile::tempdir().unwrap();
        let old = t.path().join("catalog.sqlite");
        let p = t.path().join(FILE_NAME);
        std::fs::write(
            &old,
            b"this is not a database, and long enough to say so....",
        )
        .unwrap();
        let err = AccountStore::open_upgrading(&p, Some(&old)).err().unwrap();
        assert!(matches!(err, AccountStoreError::Upgrade { .. }), "{err}");
        assert_eq!(version(&p), 0, "rolled back: nothing half made");
        std::fs::remove_file(&old).unwrap();
        old_catalog(&old, true);
        let s = AccountStore::open_upgrading(&p, Some(&old)).unwrap();
        assert_eq!(Accounts::new(&s).list_users().unwrap().len(), 3);
    }
}

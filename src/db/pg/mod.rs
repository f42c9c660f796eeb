//! PostgreSQL: connections (plain, or TLS with rustls as the URL's
//! `sslmode` asks: [`tls`]), a size-limited pool that drops broken
//! connections ([`PgPool`]), the statements prepared on each connection,
//! schema migrations under one advisory lock per schema ([`migrate`]), and
//! which failures are outages ([`is_outage`]).
//!
//! The client is synchronous and runs a small runtime of its own: open,
//! use and drop connections off async threads (a [`PgPool`] dropped on one
//! moves its connections to a plain thread to drop them).

use std::collections::HashMap;

use ::postgres::types::ToSql;
use ::postgres::{Client, Row, Statement};

use super::url::{quote_ident, search_path_schemas, url_for_display};
use super::DbError;

mod pool;
#[cfg(test)]
pub(crate) mod test_schema;
pub mod tls;

pub use pool::{Attempt, PgPool, PooledConn};
pub use tls::Target;

/// Query parameters.
pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// One connection and the statements prepared on it (each SQL text is
/// prepared once per connection).
pub struct PgConn {
    pub client: Client,
    statements: HashMap<String, Statement>,
}

impl PgConn {
    pub fn new(client: Client) -> Self {
        PgConn {
            client,
            statements: HashMap::new(),
        }
    }

    /// The statement for `sql`, prepared on first use.
    pub fn statement(&mut self, sql: &str) -> Result<Statement, ::postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    pub fn query(&mut self, sql: &str, params: Params) -> Result<Vec<Row>, ::postgres::Error> {
        let s = self.statement(sql)?;
        self.client.query(&s, params)
    }

    pub fn query_opt(
        &mut self,
        sql: &str,
        params: Params,
    ) -> Result<Option<Row>, ::postgres::Error> {
        let s = self.statement(sql)?;
        self.client.query_opt(&s, params)
    }

    pub fn query_one(&mut self, sql: &str, params: Params) -> Result<Row, ::postgres::Error> {
        let s = self.statement(sql)?;
        self.client.query_one(&s, params)
    }

    pub fn execute(&mut self, sql: &str, params: Params) -> Result<u64, ::postgres::Error> {
        let s = self.statement(sql)?;
        self.client.execute(&s, params)
    }

    /// Run statements without parameters (`BEGIN`, `COMMIT`, DDL).
    pub fn batch(&mut self, sql: &str) -> Result<(), ::postgres::Error> {
        self.client.batch_execute(sql)
    }

    /// Whether the connection is known to be lost.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

/// A lost or refused connection (as opposed to a query the database
/// rejected): worth waiting out. No SQLSTATE: the connection failed or was
/// refused. Class 08 (connection exception) and 57 (operator
/// intervention: the server shutting down or restarting) are outages too.
pub fn is_outage(e: &::postgres::Error) -> bool {
    e.is_closed()
        || match e.code() {
            None => true,
            Some(c) => c.code().starts_with("08") || c.code().starts_with("57"),
        }
}

/// The schema the connection's tables live in: the current schema, else
/// the first named in `search_path` (which may not exist yet).
pub fn target_schema(
    client: &mut impl ::postgres::GenericClient,
) -> Result<Option<String>, ::postgres::Error> {
    let row = client.query_one(
        "SELECT current_schema(), current_setting('search_path')",
        &[],
    )?;
    let current: Option<String> = row.try_get(0)?;
    if current.is_some() {
        return Ok(current);
    }
    let path: String = row.try_get(1)?;
    Ok(search_path_schemas(&path)
        .into_iter()
        .find(|s| s != "$user"))
}

/// The lock every migration of a schema takes, whatever it migrates (the
/// catalog, the audit log): so that they never race to create the schema
/// or `arshif_meta`.
const MIGRATION_LOCK: &str =
    "SELECT pg_advisory_xact_lock(hashtext('arshif catalog ' || current_setting('search_path')))";

/// A schema's migrations: the tables of one user of the schema (the
/// catalog, the audit log), with their version in `arshif_meta`.
pub struct Migrations<'a> {
    /// What the tables are, for messages: "the catalog".
    pub what: &'a str,
    /// The row of `arshif_meta` the version is kept in.
    pub version_key: &'a str,
    /// `steps[i]` takes version `i` to `i + 1`; the current version is
    /// `steps.len()`.
    pub steps: &'a [&'a str],
}

/// Create (or bring up to date) the tables of `m` in the connection's
/// schema (creating the schema, the first of the `search_path`, if
/// missing), in one transaction under the migration lock, so that nodes
/// opening a new schema at once do not race. A newer version is refused.
pub fn migrate(client: &mut Client, url: &str, m: &Migrations) -> Result<(), DbError> {
    let display = url_for_display(url);
    let pg = |source| DbError::Pg {
        url: display.clone(),
        source,
    };
    let supported = m.steps.len() as i64;
    let mut tx = client.transaction().map_err(pg)?;
    tx.batch_execute(MIGRATION_LOCK).map_err(pg)?;
    let current: Option<String> = tx
        .query_one("SELECT current_schema()", &[])
        .and_then(|r| r.try_get(0))
        .map_err(pg)?;
    if current.is_none() {
        let schema = target_schema(&mut tx).map_err(pg)?;
        let schema = schema.ok_or_else(|| DbError::Setup {
            url: display.clone(),
            what: "search_path",
            detail: format!(
                "names no schema to keep {} in (give one: options=-c search_path=NAME)",
                m.what
            ),
        })?;
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            quote_ident(&schema)
        ))
        .map_err(pg)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS arshif_meta (key text PRIMARY KEY, value text NOT NULL)",
    )
    .map_err(pg)?;
    let found = match tx
        .query_opt(
            "SELECT value FROM arshif_meta WHERE key = $1",
            &[&m.version_key],
        )
        .map_err(pg)?
    {
        Some(row) => {
            let v: String = row.try_get(0).map_err(pg)?;
            v.trim().parse::<i64>().map_err(|e| DbError::Setup {
                url: display.clone(),
                what: "stored version",
                detail: format!("arshif_meta.{} is {v:?}: {e}", m.version_key),
            })?
        }
        None => 0,
    };
    if found > supported {
        return Err(DbError::NewerSchema {
            path: display.clone(),
            found,
            supported,
        });
    }
    if found < supported {
        for step in m.steps.iter().skip(found.max(0) as usize) {
            tx.batch_execute(step).map_err(pg)?;
        }
        tx.execute(
            "INSERT INTO arshif_meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&m.version_key, &supported.to_string()],
        )
        .map_err(pg)?;
    }
    tx.commit().map_err(pg)
}

//! The database plumbing the catalog and the audit log share, written
//! once: connecting to PostgreSQL (with TLS when the URL asks for it) and
//! pooling the connections ([`pg`]), schema migrations in either database
//! ([`pg::migrate`], [`sqlite::migrate`]), opening a SQLite file with the
//! settings every arshif database uses ([`sqlite::open`]), URLs shown
//! without their password ([`url`]), telling an outage from a refused
//! query ([`DbError::is_outage`], [`pg::is_outage`]), and how long an
//! outage is waited out ([`retry`]).
//!
//! What is stored, and the queries, are the catalog's and the audit log's
//! own; nothing here knows their tables.

pub mod pg;
pub mod retry;
pub mod row;
pub mod sqlite;
pub mod url;

/// A database could not be opened, set up or reached.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{url}: {source}")]
    Pg {
        /// The URL, without any password ([`url::url_for_display`]).
        url: String,
        #[source]
        source: ::postgres::Error,
    },
    #[error("{path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{path} has schema version {found}, newer than this arshif supports ({supported}); upgrade arshif")]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    /// The database cannot be set up as asked: `what` (a setting, a stored
    /// value) is wrong, as `detail` says.
    #[error("{url}: {what} {detail}")]
    Setup {
        url: String,
        what: &'static str,
        detail: String,
    },
    /// The URL's TLS settings cannot be used (an unknown `sslmode`, an
    /// unreadable root certificate).
    #[error("{url}: TLS: {detail}")]
    Tls { url: String, detail: String },
    /// No pooled connection could be had in time (the server is down or
    /// every connection is in use).
    #[error("{url}: no connection: {detail}")]
    Pool { url: String, detail: String },
}

impl DbError {
    /// A lost or refused connection (as opposed to a query the database
    /// rejected, or a setting that is wrong): worth waiting out.
    pub fn is_outage(&self) -> bool {
        match self {
            DbError::Pg { source, .. } => pg::is_outage(source),
            DbError::Pool { .. } => true,
            _ => false,
        }
    }
}

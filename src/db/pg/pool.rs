//! A size-limited pool of PostgreSQL connections (r2d2 with r2d2_postgres).
//! A connection is checked with a round trip when handed out and dropped
//! if it fails it; one found closed when it comes back is dropped too, so
//! a broken connection is never handed out again.

use std::sync::Arc;
use std::time::Duration;

use ::postgres::NoTls;
use r2d2::ManageConnection;
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{PgConn, Target};
use crate::db::DbError;

/// How long a caller waits for a connection when all are in use or the
/// server cannot be reached.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens and checks the pool's connections: r2d2_postgres's manager for
/// the URL's TLS setting, each connection with its own prepared
/// statements.
pub struct Manager(Inner);

enum Inner {
    Plain(PostgresConnectionManager<NoTls>),
    Tls(PostgresConnectionManager<MakeRustlsConnect>),
}

impl Manager {
    fn new(target: &Target) -> Self {
        Manager(match &target.tls {
            None => Inner::Plain(PostgresConnectionManager::new(target.config.clone(), NoTls)),
            Some(tls) => Inner::Tls(PostgresConnectionManager::new(
                target.config.clone(),
                tls.clone(),
            )),
        })
    }
}

impl ManageConnection for Manager {
    type Connection = PgConn;
    type Error = ::postgres::Error;

    fn connect(&self) -> Result<PgConn, ::postgres::Error> {
        match &self.0 {
            Inner::Plain(m) => m.connect(),
            Inner::Tls(m) => m.connect(),
        }
        .map(PgConn::new)
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), ::postgres::Error> {
        match &self.0 {
            Inner::Plain(m) => m.is_valid(&mut conn.client),
            Inner::Tls(m) => m.is_valid(&mut conn.client),
        }
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

/// The threads that open connections and close idle ones, for every pool.
fn helpers() -> Arc<scheduled_thread_pool::ScheduledThreadPool> {
    static HELPERS: std::sync::OnceLock<Arc<scheduled_thread_pool::ScheduledThreadPool>> =
        std::sync::OnceLock::new();
    HELPERS
        .get_or_init(|| {
            Arc::new(
                scheduled_thread_pool::ScheduledThreadPool::builder()
                    .num_threads(2)
                    .thread_name_pattern("arshif-pg-pool-{}")
                    .build(),
            )
        })
        .clone()
}

/// A connection on loan from a [`PgPool`]; back to the pool when dropped
/// (or dropped, if it broke).
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Connections to one database, at most `max_size` at once. Clones share
/// the pool.
#[derive(Clone)]
pub struct PgPool {
    inner: Arc<Shared>,
}

struct Shared {
    /// `None` only while being dropped.
    pool: Option<r2d2::Pool<Manager>>,
    target: Target,
}

impl PgPool {
    /// A pool for `url` (see [`super::tls`] for its TLS settings). No
    /// connection is made yet.
    pub fn new(url: &str, max_size: u32) -> Result<Self, DbError> {
        let target = Target::parse(url)?;
        let pool = r2d2::Pool::builder()
            .max_size(max_size.max(1))
            .min_idle(Some(0))
            .test_on_check_out(true)
            .connection_timeout(CHECKOUT_TIMEOUT)
            .idle_timeout(Some(Duration::from_secs(300)))
            .thread_pool(helpers())
            .build_unchecked(Manager::new(&target));
        Ok(PgPool {
            inner: Arc::new(Shared {
                pool: Some(pool),
                target,
            }),
        })
    }

    /// The URL without its password.
    pub fn display_url(&self) -> &str {
        &self.inner.target.display
    }

    /// Where the pool connects, and how.
    pub fn target(&self) -> &Target {
        &self.inner.target
    }

    fn pool(&self) -> &r2d2::Pool<Manager> {
        self.inner
            .pool
            .as_ref()
            .expect("a pool in use is not dropped")
    }

    /// A connection from the pool: an idle one that still answers, or a
    /// new one; waits (up to a few seconds) while all are in use or the
    /// server cannot be reached.
    pub fn get(&self) -> Result<PooledConn, DbError> {
        self.pool().get().map_err(|e| DbError::Pool {
            url: self.display_url().to_string(),
            detail: e.to_string(),
        })
    }

    /// A connection of its own, outside the pool (to listen for
    /// notifications, or to migrate before the pool is used).
    pub fn connect(&self) -> Result<PgConn, DbError> {
        self.inner
            .target
            .connect()
            .map(PgConn::new)
            .map_err(|source| DbError::Pg {
                url: self.display_url().to_string(),
                source,
            })
    }

    /// Connections open now (idle or on loan), and how many are idle.
    pub fn state(&self) -> (u32, u32) {
        let s = self.pool().state();
        (s.connections, s.idle_connections)
    }

    /// Most connections at once.
    pub fn max_size(&self) -> u32 {
        self.pool().max_size()
    }

    /// Run `op` on a pooled connection. When it fails with nothing
    /// committed ([`Attempt::Retry`]) and the connection turns out closed
    /// (the server restarted, the connection was cut), it runs once more
    /// on another connection: the reconnect for calls that may be repeated.
    pub fn run<T>(
        &self,
        mut op: impl FnMut(&mut PgConn) -> Result<T, Attempt>,
    ) -> Result<T, DbError> {
        let pg = |source| DbError::Pg {
            url: self.display_url().to_string(),
            source,
        };
        let mut conn = self.get()?;
        match op(&mut conn) {
            Ok(v) => Ok(v),
            Err(Attempt::Retry(e)) if conn.is_closed() => {
                tracing::warn!(
                    "{}: the connection was lost ({e}); connecting again",
                    self.display_url()
                );
                drop(conn);
                let mut conn = self.get()?;
                op(&mut conn).map_err(|a| pg(a.into_error()))
            }
            Err(a) => Err(pg(a.into_error())),
        }
    }
}

/// How a call of [`PgPool::run`] failed.
pub enum Attempt {
    /// Nothing was committed: it may be tried again on a new connection.
    Retry(::postgres::Error),
    /// Failed at (or after) the commit: not to be repeated.
    Final(::postgres::Error),
}

impl Attempt {
    fn into_error(self) -> ::postgres::Error {
        match self {
            Attempt::Retry(e) | Attempt::Final(e) => e,
        }
    }
}

impl Drop for Shared {
    /// The connections each run a small runtime, which may not be dropped
    /// on an async thread: if this is one, the pool is dropped on a plain
    /// thread.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::spawn(move || drop(pool)).join();
            }
        }
    }
}

//! The HTTP server: the JSON API and the web UI (`arshif serve`). The only
//! module that knows HTTP. Handlers parse the request, run the library call
//! on a blocking thread and shape the answer; errors become HTTP answers in
//! [`error`] only.
//!
//! The paths and fields of the API are a contract, written down in
//! `openapi.json` beside this file (served at `/api/openapi.json`); a test
//! checks that document against the routes the router really has.

mod access;
mod error;
mod handlers;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::archive::{Archive, ArchiveError};
use crate::catalog::{Catalog, SqliteCatalog};
use crate::index::SearchIndex;
use crate::ingest::IngestOptions;
use crate::preview::PreviewCache;

pub use error::ApiError;

/// How `arshif serve` runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// How uploads are imported (branch and type come with each upload).
    pub ingest: IngestOptions,
    /// Largest upload accepted, in bytes.
    pub max_upload: usize,
    pub proxy: ProxyMode,
}

/// Whether to believe `X-Forwarded-For` and `X-Forwarded-Proto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyMode {
    /// Clients connect directly: the peer address is the client's, and the
    /// headers are ignored (anyone could send them).
    #[default]
    Direct,
    /// A reverse proxy on this machine (nginx, Caddy) terminates TLS and
    /// forwards: from a loopback peer the headers are believed.
    TrustLoopbackProxy,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
}

/// Every route: method and path (axum's syntax, which OpenAPI shares).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/ui/app.js"),
    ("GET", "/ui/app.css"),
    ("GET", "/api/openapi.json"),
    ("POST", "/api/login"),
    ("POST", "/api/logout"),
    ("GET", "/api/me"),
    ("POST", "/api/password"),
    ("GET", "/api/audit"),
    ("GET", "/api/search"),
    ("GET", "/api/facets"),
    ("POST", "/api/documents"),
    ("GET", "/api/documents/{id}"),
    ("PATCH", "/api/documents/{id}"),
    ("GET", "/api/documents/{id}/matches"),
    ("GET", "/api/documents/{id}/original"),
    ("GET", "/api/documents/{id}/searchable.pdf"),
    ("GET", "/api/documents/{id}/pages/{n}/image"),
    ("GET", "/api/documents/{id}/pages/{n}/thumbnail"),
];

/// What every handler shares.
pub struct AppState {
    archive: Archive,
    index: SearchIndex,
    catalogs: Mutex<Vec<Box<dyn Catalog>>>,
    accounts: Mutex<Vec<SqliteCatalog>>,
    previews: PreviewCache,
    ingest: IngestOptions,
    /// Searches run at once: two per core (one per core left cores idle
    /// while a search waited on the catalog: 181 searches/s against 224;
    /// unbounded, the slowest searches queued behind all the others: p99
    /// 95 ms against 70, `make bench-serve`, 8 in flight).
    searching: tokio::sync::Semaphore,
    throttle: crate::auth::Throttle,
    proxy: ProxyMode,
    session_lifetime: chrono::Duration,
    audit: AuditWriter,
}

/// Appends audit entries from one thread with its own connection. Entries
/// that arrive while a commit is under way are written together in the
/// next transaction (group commit): each request still waits until its
/// entry is durable, but a busy server pays one fsync for many entries.
/// Across processes (the CLI) SQLite's write lock orders the appends.
struct AuditWriter {
    queue: std::sync::mpsc::Sender<AuditJob>,
}

type AuditJob = (
    crate::audit::Event,
    tokio::sync::oneshot::Sender<Result<(), String>>,
);

/// Most entries written in one transaction.
const AUDIT_GROUP: usize = 256;

impl AuditWriter {
    fn start(archive: &Archive) -> Result<Self, ServerError> {
        let log = archive.audit_log()?;
        let (queue, jobs) = std::sync::mpsc::channel::<AuditJob>();
        std::thread::Builder::new()
            .name("arshif-audit".into())
            .spawn(move || {
                while let Ok(first) = jobs.recv() {
                    let mut group = vec![first];
                    while group.len() < AUDIT_GROUP {
                        match jobs.try_recv() {
                            Ok(job) => group.push(job),
                            Err(_) => break,
                        }
                    }
                    let events: Vec<_> = group.iter().map(|(e, _)| e.clone()).collect();
                    let result = log
                        .append_all(&events)
                        .map(|_| ())
                        .map_err(|e| e.to_string());
                    for (_, done) in group {
                        let _ = done.send(result.clone());
                    }
                }
            })
            .map_err(ServerError::Serve)?;
        Ok(AuditWriter { queue })
    }

    async fn append(&self, event: crate::audit::Event) -> Result<(), ApiError> {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.queue
            .send((event, done))
            .map_err(|_| ApiError::internal("the audit writer has stopped"))?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ApiError::internal(format!("audit log: {e}"))),
            Err(_) => Err(ApiError::internal("the audit writer has stopped")),
        }
    }
}

impl Drop for AppState {
    /// A PostgreSQL catalog connection owns a small runtime, which may not
    /// be dropped on an async thread: the pool is emptied on a plain one.
    fn drop(&mut self) {
        let pool = std::mem::take(&mut *self.catalogs.lock().unwrap_or_else(|e| e.into_inner()));
        if !pool.is_empty() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl AppState {
    pub fn new(archive: Archive, ingest: IngestOptions) -> Result<Self, ServerError> {
        let mut index = archive.fresh_index()?;
        // Imports by `arshif ingest` or `watch` while the server runs are
        // searchable as soon as they commit.
        index.follow_commits().map_err(ArchiveError::from)?;
        let audit = AuditWriter::start(&archive)?;
        Ok(AppState {
            previews: PreviewCache::new(archive.root()),
            archive,
            index,
            catalogs: Mutex::new(Vec::new()),
            accounts: Mutex::new(Vec::new()),
            ingest,
            searching: tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            throttle: crate::auth::Throttle::new(crate::auth::ThrottlePolicy::default()),
            proxy: ProxyMode::Direct,
            session_lifetime: chrono::Duration::hours(12),
            audit,
        })
    }

    /// Trust a local reverse proxy's forwarding headers (or not).
    pub fn with_proxy(mut self, proxy: ProxyMode) -> Self {
        self.proxy = proxy;
        self
    }

    /// Append an audit entry. The request fails if it cannot be written:
    /// nothing is shown that the log does not record.
    async fn audit(self: &Arc<Self>, event: crate::audit::Event) -> Result<(), ApiError> {
        self.audit.append(event).await
    }

    /// Run `f` with a catalog connection from the pool (opening one when
    /// none is free).
    fn with_catalog<T>(
        &self,
        f: impl FnOnce(&mut Box<dyn Catalog>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let pooled = self.catalogs.lock().expect("pool lock").pop();
        let mut catalog = match pooled {
            Some(c) => c,
            None => self.archive.catalog()?,
        };
        let r = f(&mut catalog);
        self.catalogs.lock().expect("pool lock").push(catalog);
        r
    }

    /// Run `f` with a connection to the accounts database from the pool.
    fn with_accounts<T>(
        &self,
        f: impl FnOnce(&SqliteCatalog) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let pooled = self.accounts.lock().expect("pool lock").pop();
        let db = match pooled {
            Some(c) => c,
            None => self.archive.accounts_db()?,
        };
        let r = f(&db);
        self.accounts.lock().expect("pool lock").push(db);
        r
    }
}

/// The router with every route of [`ROUTES`].
pub fn router(state: Arc<AppState>, max_upload: usize) -> Router {
    use handlers as h;
    Router::new()
        .route("/", get(h::ui_index))
        .route("/ui/app.js", get(h::ui_js))
        .route("/ui/app.css", get(h::ui_css))
        .route("/api/openapi.json", get(h::openapi))
        .route("/api/login", post(access::login))
        .route("/api/logout", post(access::logout))
        .route("/api/me", get(access::me))
        .route("/api/password", post(access::password))
        .route("/api/audit", get(access::audit))
        .route("/api/search", get(h::search))
        .route("/api/facets", get(h::facets))
        .route(
            "/api/documents",
            post(h::upload).layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/api/documents/{id}", get(h::document).patch(h::correct))
        .route("/api/documents/{id}/matches", get(h::matches))
        .route("/api/documents/{id}/original", get(h::original))
        .route("/api/documents/{id}/searchable.pdf", get(h::searchable_pdf))
        .route("/api/documents/{id}/pages/{n}/image", get(h::page_image))
        .route("/api/documents/{id}/pages/{n}/thumbnail", get(h::thumbnail))
        .fallback(h::not_found)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers on every answer: no framing by other sites (clickjacking), no
/// content-type guessing, no referrer beyond this site, and API answers
/// (personal data) kept out of shared caches and off the disk of a shared
/// office computer unless the route says otherwise.
async fn security_headers(
    uri: axum::http::Uri,
    mut resp: axum::response::Response,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if uri.path().starts_with("/api/") && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Run blocking library work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await?
}

/// An archive with no administrator gets one, `admin`, with a one-time
/// password printed here once: it works only to choose a new password.
fn ensure_admin(archive: &Archive) -> Result<(), ServerError> {
    use crate::auth::{self, Accounts, Role};
    let catalog = archive.accounts_db()?;
    let accounts = Accounts::new(&catalog);
    if accounts.has_admin()? {
        return Ok(());
    }
    let mut name = "admin".to_string();
    let mut n = 1;
    while accounts.user(&name)?.is_some() {
        n += 1;
        name = format!("admin{n}");
    }
    let password = auth::one_time_password()?;
    accounts.add_user(
        &name,
        Role::Admin,
        &[],
        &auth::hash_password(&password)?,
        true,
    )?;
    archive.audit_log()?.append(
        &crate::audit::Event::new("serve", "local", crate::audit::Action::UserChange).detail(
            serde_json::json!({"change": "add", "user": name, "role": "admin", "one_time_password": true}),
        ),
    )?;
    eprintln!(
        "arshif: this archive had no administrator, so one was created:\n\n    user:     {name}\n    password: {password}\n\n  The password works once: log in with it and choose a new one.\n  It is not shown again (if lost: arshif user passwd {name}).\n"
    );
    Ok(())
}

/// Serve the archive until interrupted (Ctrl-C or SIGTERM).
pub async fn serve(archive: Archive, config: ServeConfig) -> Result<(), ServerError> {
    // Blocking setup (a PostgreSQL client runs its own runtime) off the
    // async threads.
    let archive = tokio::task::spawn_blocking(move || ensure_admin(&archive).map(|()| archive))
        .await
        .map_err(|e| ServerError::Serve(std::io::Error::other(e)))??;
    if archive.shared().is_some() {
        follow_shared_catalog(archive.clone());
    }
    // Opening the index catches it up with the catalog: blocking work (and
    // a PostgreSQL catalog's client runs its own runtime), kept off the
    // async threads.
    let ingest = config.ingest.clone();
    let state = tokio::task::spawn_blocking(move || AppState::new(archive, ingest))
        .await
        .map_err(|e| ServerError::Serve(std::io::Error::other(e)))??;
    let state = Arc::new(state.with_proxy(config.proxy));
    let app = router(state, config.max_upload);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.addr,
            source,
        })?;
    let local = listener.local_addr().map_err(ServerError::Serve)?;
    tracing::info!(%local, "serving");
    if !local.ip().is_loopback() && config.proxy == ProxyMode::Direct {
        eprintln!("arshif: warning: serving plain HTTP on {local}, beyond this machine: passwords and records cross the network unencrypted. Put a TLS reverse proxy in front (README, \"Serving over the network\").");
    }
    eprintln!("arshif: serving on http://{local}/");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .map_err(ServerError::Serve)
}

/// On a node of a shared archive, keep this node's index following the
/// shared catalog: woken by the catalog's change notifications, and every
/// 30 s regardless (a notification missed while disconnected is caught up
/// by the next look). Searches see new commits as they land
/// (`follow_commits`).
fn follow_shared_catalog(archive: Archive) {
    std::thread::Builder::new()
        .name("arshif-follow".into())
        .spawn(move || {
            let mut listener = None;
            let mut wait = std::time::Duration::from_secs(1);
            loop {
                if listener.is_none() {
                    match archive.change_listener() {
                        Ok(l) => {
                            listener = l;
                            wait = std::time::Duration::from_secs(1);
                        }
                        Err(e) => {
                            tracing::warn!("cannot listen for catalog changes ({e}); retrying");
                            std::thread::sleep(wait);
                            wait = (wait * 2).min(std::time::Duration::from_secs(30));
                            continue;
                        }
                    }
                }
                if let Some(l) = listener.as_mut() {
                    if let Err(e) = l.wait(std::time::Duration::from_secs(30)) {
                        tracing::warn!("catalog change listener lost ({e}); reconnecting");
                        listener = None;
                    }
                }
                match archive.sync_index() {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(documents = n, "indexed changes from the shared catalog")
                    }
                    Err(e) => {
                        tracing::warn!("cannot follow the shared catalog ({e}); retrying");
                        std::thread::sleep(std::time::Duration::from_secs(2));
                    }
                }
            }
        })
        .expect("start the catalog follower thread");
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = ctrl_c => {},
        _ = async {
            match term.as_mut() {
                Some(t) => { t.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {},
    }
}

#[cfg(test)]
mod tests;

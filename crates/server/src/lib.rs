//! The HTTP server: the JSON API and the web UI (`arshif serve`). The only
//! module that knows HTTP. Handlers parse the request, run the library call
//! on a blocking thread and shape the answer; errors become HTTP answers in
//! [`error`] only.
//!
//! The paths and fields of the API are a contract, written down in
//! `openapi.json` beside this file (served at `/api/openapi.json`); a test
//! checks that document against the routes the router really has.

mod access;
mod assets;
mod download;
mod error;
mod handlers;
mod ops;
mod records;
mod tally;
mod tasks;
mod types;
mod views;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post};
use axum::Router;

use arshif::archive::{Archive, ArchiveError};
use arshif::auth::AccountStore;
use arshif::catalog::Catalog;
use arshif::index::SearchIndex;
use arshif::ingest::IngestOptions;
use arshif::preview::PreviewCache;

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
    pub limits: ConnectionLimits,
    /// `GET /metrics` answers clients on this machine without credentials
    /// (`serve --metrics-loopback`), for a local Prometheus.
    pub metrics_loopback: bool,
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
    Auth(#[from] arshif::auth::AuthError),
    #[error(transparent)]
    Audit(#[from] arshif::audit::AuditError),
}

/// Every route: method and path (axum's syntax, which OpenAPI shares).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/ui/{file}"),
    ("GET", "/api/openapi.json"),
    ("POST", "/api/login"),
    ("POST", "/api/logout"),
    ("GET", "/api/me"),
    ("POST", "/api/password"),
    ("GET", "/api/audit"),
    ("GET", "/api/search"),
    ("GET", "/api/facets"),
    ("GET", "/api/documents"),
    ("POST", "/api/documents"),
    ("POST", "/api/documents/bulk"),
    ("POST", "/api/documents/download"),
    ("GET", "/api/documents/{id}"),
    ("PATCH", "/api/documents/{id}"),
    ("GET", "/api/documents/{id}/matches"),
    ("GET", "/api/documents/{id}/original"),
    ("GET", "/api/documents/{id}/searchable.pdf"),
    ("GET", "/api/documents/{id}/pages/{n}/image"),
    ("GET", "/api/documents/{id}/pages/{n}/thumbnail"),
    ("GET", "/api/views"),
    ("POST", "/api/views"),
    ("DELETE", "/api/views/{id}"),
    ("GET", "/api/types"),
    ("POST", "/api/types"),
    ("PATCH", "/api/types/{slug}"),
    ("POST", "/api/documents/{id}/pages/{n}/rotate"),
    ("GET", "/api/tasks"),
    ("GET", "/api/tasks/{id}"),
    ("DELETE", "/api/documents/{id}"),
    ("POST", "/api/documents/{id}/restore"),
    ("POST", "/api/documents/{id}/hold"),
    ("DELETE", "/api/documents/{id}/hold"),
    ("POST", "/api/documents/{id}/rescan"),
    ("GET", "/api/documents/{id}/versions/{n}"),
    ("GET", "/api/trash"),
    ("GET", "/api/holds"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
];

/// The tally's kind for refused reads of other branches' documents.
const DENIED: &str = "other_branch";

/// Largest login request body: a name and a password fit many times over.
const LOGIN_BODY_LIMIT: usize = 4096;

/// What every handler shares.
pub struct AppState {
    archive: Archive,
    index: SearchIndex,
    catalogs: Mutex<Vec<Box<dyn Catalog>>>,
    accounts: Mutex<Vec<AccountStore>>,
    previews: PreviewCache,
    ingest: IngestOptions,
    /// Searches run at once: two per core (one per core left cores idle
    /// while a search waited on the catalog: 181 searches/s against 224;
    /// unbounded, the slowest searches queued behind all the others: p99
    /// 95 ms against 70, `make bench-serve`, 8 in flight).
    searching: tokio::sync::Semaphore,
    throttle: arshif::auth::Throttle,
    /// Turns to check a password (see [`LoginLimits`]).
    password_checks: Arc<tokio::sync::Semaphore>,
    /// The threads that check passwords, one per turn.
    password_threads: crossbeam_channel::Sender<PasswordJob>,
    login: LoginLimits,
    /// Throttled logins, audited as counts per address and interval.
    refusals: tally::Tally,
    proxy: ProxyMode,
    session_lifetime: chrono::Duration,
    audit: AuditWriter,
    /// Imports running in the background (uploads with `mode=task`).
    tasks: tasks::Tasks,
    /// `/readyz`'s probes in flight.
    probes: ops::Probes,
    /// `/metrics` is open to loopback clients.
    metrics_loopback: bool,
}

/// How many logins are checked at once, and how refusals are audited.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Password checks at once. Each argon2 check holds about 19 MiB, so
    /// this bounds the memory a burst of logins can take.
    pub concurrent_checks: usize,
    /// How long a login waits for a turn before it is answered 429.
    pub wait_for_check: std::time::Duration,
    /// Repeated refusals from one address are written as one count per
    /// this interval.
    pub refusal_interval: std::time::Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            concurrent_checks: std::thread::available_parallelism().map_or(2, |n| n.get().max(2)),
            wait_for_check: std::time::Duration::from_secs(2),
            refusal_interval: std::time::Duration::from_secs(60),
        }
    }
}

/// A password check for the password threads.
type PasswordJob = Box<dyn FnOnce() + Send>;

/// Start `n` password threads; they end when the sender is dropped.
fn password_threads(n: usize) -> Result<crossbeam_channel::Sender<PasswordJob>, ServerError> {
    let (jobs, queue) = crossbeam_channel::unbounded::<PasswordJob>();
    for i in 0..n.max(1) {
        let queue = queue.clone();
        std::thread::Builder::new()
            .name(format!("arshif-password-{i}"))
            .spawn(move || {
                for job in queue {
                    job();
                }
            })
            .map_err(ServerError::Serve)?;
    }
    Ok(jobs)
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
    arshif::audit::Event,
    tokio::sync::oneshot::Sender<Result<(), AuditFailure>>,
);

/// Why a group of audit entries was not written, told to each waiter.
#[derive(Debug, Clone)]
struct AuditFailure {
    /// The shared archive's database is away (answered 503, not 500).
    outage: bool,
    detail: String,
}

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
                        .map_err(|e| AuditFailure {
                            outage: e.is_outage(),
                            detail: e.to_string(),
                        });
                    for (_, done) in group {
                        let _ = done.send(result.clone());
                    }
                }
            })
            .map_err(ServerError::Serve)?;
        Ok(AuditWriter { queue })
    }

    /// Queue an entry without waiting for it to be written.
    fn append_detached(&self, event: arshif::audit::Event) {
        let (done, _) = tokio::sync::oneshot::channel();
        if self.queue.send((event, done)).is_err() {
            tracing::error!("the audit writer has stopped");
        }
    }

    async fn append(&self, event: arshif::audit::Event) -> Result<(), ApiError> {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.queue
            .send((event, done))
            .map_err(|_| ApiError::internal("the audit writer has stopped"))?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(AuditFailure {
                outage: true,
                detail,
            })) => Err(ApiError::unavailable(format!("audit log: {detail}"))),
            Ok(Err(AuditFailure { detail, .. })) => {
                Err(ApiError::internal(format!("audit log: {detail}")))
            }
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
        // Counted from the start: before a recorder is installed, metrics
        // are dropped.
        ops::handle();
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
            throttle: arshif::auth::Throttle::new(arshif::auth::ThrottlePolicy::default()),
            password_checks: Arc::new(tokio::sync::Semaphore::new(
                LoginLimits::default().concurrent_checks,
            )),
            password_threads: password_threads(LoginLimits::default().concurrent_checks)?,
            refusals: tally::Tally::new(LoginLimits::default().refusal_interval),
            login: LoginLimits::default(),
            proxy: ProxyMode::Direct,
            session_lifetime: chrono::Duration::hours(12),
            audit,
            tasks: tasks::Tasks::new(tasks::Tasks::default_turns()),
            probes: ops::Probes::default(),
            metrics_loopback: false,
        })
    }

    /// Trust a local reverse proxy's forwarding headers (or not).
    pub fn with_proxy(mut self, proxy: ProxyMode) -> Self {
        self.proxy = proxy;
        self
    }

    /// Answer `GET /metrics` to loopback clients without credentials.
    pub fn with_metrics_loopback(mut self, open: bool) -> Self {
        self.metrics_loopback = open;
        self
    }

    /// Run a password check (`f`, holding `permit`) on one of the password
    /// threads. argon2 takes about 19 MiB per check, and the C allocator
    /// keeps what a thread freed for that thread's next use: run on any
    /// blocking thread, checks would leave 19 MiB behind in each of up to
    /// hundreds of threads (15 checks took the server from 42 to 352 MB).
    /// On the few password threads, it stays at a few checks' worth.
    async fn check_password<T: Send + 'static>(
        &self,
        permit: tokio::sync::OwnedSemaphorePermit,
        f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let (done, answer) = tokio::sync::oneshot::channel();
        let job: PasswordJob = Box::new(move || {
            let _ = done.send(f());
            drop(permit);
        });
        self.password_threads
            .send(job)
            .map_err(|_| ApiError::internal("the password threads have stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("a password check was lost"))?
    }

    /// Change how logins are limited.
    pub fn with_login_limits(mut self, limits: LoginLimits) -> Self {
        self.password_checks = Arc::new(tokio::sync::Semaphore::new(limits.concurrent_checks));
        match password_threads(limits.concurrent_checks) {
            Ok(threads) => self.password_threads = threads,
            Err(e) => tracing::warn!("cannot start more password threads: {e}"),
        }
        self.refusals = tally::Tally::new(limits.refusal_interval);
        self.login = limits;
        self
    }

    /// Write the refusal counts whose interval has ended (all of them with
    /// `everything`, at shutdown).
    async fn write_refusal_counts(self: &Arc<Self>, everything: bool) {
        let counts = if everything {
            self.refusals.all()
        } else {
            self.refusals.due(std::time::Instant::now())
        };
        for c in counts {
            let (action, names) = match c.kind {
                DENIED => (arshif::audit::Action::Denied, "documents"),
                _ => (arshif::audit::Action::LoginFailed, "names"),
            };
            let event =
                arshif::audit::Event::new(&c.actor, &c.address, action).detail(serde_json::json!({
                    "reason": c.kind,
                    "repeated": c.repeated,
                    names: c.names,
                    "more": c.more_names,
                    "interval_seconds": c.interval.as_secs(),
                }));
            if let Err(e) = self.audit(event).await {
                tracing::warn!("cannot write a count of refused logins: {e:?}");
            }
        }
    }

    /// A read of another branch's document was refused: audited at once if
    /// it is the first from this user and address in the interval, else
    /// counted (without waiting: the answer is a 404 either way).
    fn denied(&self, who: &access::Caller, id: arshif::types::DocId) {
        let name = id.0.to_string();
        let note = self.refusals.note(
            DENIED,
            &who.user.name,
            &who.client.address,
            &name,
            std::time::Instant::now(),
        );
        if note == tally::Note::Write {
            self.audit
                .append_detached(arshif::app::denied(&who.actor(), id));
        }
    }

    /// A use case's error as the caller is answered: a document outside
    /// the caller's branches is the same 404 as a missing one, and the
    /// refusal is audited (repeats as counts, see [`tally`]).
    fn refused(&self, who: &access::Caller, e: arshif::app::AppError) -> ApiError {
        if let arshif::app::AppError::OutOfScope(id) = e {
            self.denied(who, id);
        }
        e.into()
    }

    /// Append an audit entry. The request fails if it cannot be written:
    /// nothing is shown that the log does not record.
    async fn audit(self: &Arc<Self>, event: arshif::audit::Event) -> Result<(), ApiError> {
        self.audit.append(event).await
    }

    /// Run `f` with a catalog connection: on a node one from the archive's
    /// size-limited PostgreSQL pool (given back when dropped, a broken one
    /// never handed out again); otherwise one of the server's reused
    /// connections to the archive's file (opening one when none is free).
    fn with_catalog<T>(
        &self,
        f: impl FnOnce(&mut Box<dyn Catalog>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        if self.archive.shared().is_some() {
            let mut catalog = self.archive.catalog()?;
            return f(&mut catalog);
        }
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
        f: impl FnOnce(&AccountStore) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let pooled = self.accounts.lock().expect("pool lock").pop();
        let db = match pooled {
            Some(c) => c,
            None => self.archive.account_store()?,
        };
        let r = f(&db);
        self.accounts.lock().expect("pool lock").push(db);
        r
    }
}

/// The router with every route of [`ROUTES`]. Each request must be
/// answered within `limits.request` (uploads within `limits.upload`), or
/// is answered 408.
pub fn router(state: Arc<AppState>, max_upload: usize, limits: &ConnectionLimits) -> Router {
    use handlers as h;
    use tower_http::compression::CompressionLayer;
    use tower_http::timeout::TimeoutLayer;
    let timed = |d| TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, d);
    let uploads = Router::new()
        .route(
            "/api/documents",
            post(h::upload).layer(DefaultBodyLimit::max(max_upload)),
        )
        .layer(timed(limits.upload));
    Router::new()
        // The UI's text files gzipped when the client takes it (with
        // `Vary: Accept-Encoding`); originals and page images are sent as
        // they are (already compressed formats).
        .route("/", get(assets::index).layer(CompressionLayer::new()))
        .route("/ui/{file}", get(assets::ui).layer(CompressionLayer::new()))
        .route("/api/openapi.json", get(h::openapi))
        .route(
            "/api/login",
            post(access::login).layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT)),
        )
        .route("/api/logout", post(access::logout))
        .route("/api/me", get(access::me))
        .route("/api/password", post(access::password))
        .route("/api/audit", get(access::audit))
        .route("/api/search", get(h::search))
        .route("/api/facets", get(h::facets))
        .route("/api/documents", get(h::list))
        .route("/api/documents/bulk", post(h::bulk))
        .route("/api/documents/download", post(download::download))
        .route(
            "/api/documents/{id}",
            get(h::document).patch(h::correct).delete(records::delete),
        )
        .route("/api/documents/{id}/restore", post(records::restore))
        .route(
            "/api/documents/{id}/rescan",
            post(records::rescan).layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/api/documents/{id}/versions/{n}", get(records::version))
        .route(
            "/api/documents/{id}/hold",
            post(records::hold).delete(records::release),
        )
        .route("/api/trash", get(records::trash))
        .route("/api/holds", get(records::holds))
        .route("/api/documents/{id}/matches", get(h::matches))
        .route("/api/documents/{id}/original", get(h::original))
        .route("/api/documents/{id}/searchable.pdf", get(h::searchable_pdf))
        .route("/api/documents/{id}/pages/{n}/image", get(h::page_image))
        .route("/api/documents/{id}/pages/{n}/thumbnail", get(h::thumbnail))
        .route("/api/views", get(views::list).post(views::create))
        .route("/api/views/{id}", delete(views::delete))
        .route("/api/types", get(types::list).post(types::add))
        .route("/api/types/{slug}", patch(types::update))
        .route("/api/documents/{id}/pages/{n}/rotate", post(h::rotate))
        .route("/api/tasks", get(h::task_list))
        .route("/api/tasks/{id}", get(h::task))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(h::not_found)
        .layer(timed(limits.request))
        .merge(uploads)
        .layer(axum::middleware::map_response(security_headers))
        // Outermost, around each route (where its matched path is known):
        // the request log and the request metrics (ops).
        .layer(axum::middleware::from_fn(ops::track))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(ops::request_span)
                .on_request(())
                .on_response(ops::log_response)
                .on_failure(()),
        )
        .with_state(state)
}

/// What the UI's page may load and run: its own script and style sheet
/// (no inline script, no inline style attribute, no eval), its own images,
/// its own API; no plugins, no other base URL, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
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
    use arshif::auth::{self, Accounts, Role};
    let store = archive.account_store()?;
    let accounts = Accounts::new(&store);
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
        &arshif::audit::Event::new("serve", "local", arshif::audit::Action::UserChange).detail(
            serde_json::json!({"change": "add", "user": name, "role": "admin", "one_time_password": true}),
        ),
    )?;
    // Not on stderr, which a service manager keeps in its journal: in a
    // file only the archive's owner can read, removed when it is used.
    let file = archive.root().join(ADMIN_PASSWORD_FILE);
    write_private(&file, &format!("user: {name}\npassword: {password}\n"))
        .map_err(ServerError::Serve)?;
    eprintln!(
        "arshif: this archive had no administrator, so one was created:\n\n    user:     {name}\n    password: in {}\n\n  The password works once: log in with it and choose a new one; the file\n  is then removed. (If lost: arshif user passwd {name}.)\n",
        file.display()
    );
    Ok(())
}

/// The file, in the archive, holding a new administrator's one-time
/// password until it is replaced.
pub const ADMIN_PASSWORD_FILE: &str = "initial-admin-password";

/// Write `text` to a new file that only its owner may read (0600).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
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
    let state = Arc::new(
        state
            .with_proxy(config.proxy)
            .with_metrics_loopback(config.metrics_loopback),
    );
    let counts = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            tick.tick().await;
            counts.write_refusal_counts(false).await;
        }
    });
    let app = router(state.clone(), config.max_upload, &config.limits);
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
    serve_connections(listener, app, &config.limits).await;
    state.write_refusal_counts(true).await;
    Ok(())
}

/// How long clients may take, and how many may be connected at once.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// To send a request's headers, counted from the connection's start
    /// or from the end of the previous answer on a kept-alive connection:
    /// this is also how long an idle connection is kept open.
    pub header_read: std::time::Duration,
    /// To send the body and be answered, for every route but uploads.
    pub request: std::time::Duration,
    /// The same for uploads (which import their files before answering).
    pub upload: std::time::Duration,
    /// Connections served at once; further ones wait to be accepted.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read: std::time::Duration::from_secs(10),
            request: std::time::Duration::from_secs(120),
            upload: std::time::Duration::from_secs(30 * 60),
            max_connections: 512,
        }
    }
}

/// Accept and serve connections until shutdown (HTTP/1.1, hyper's own
/// header-read timeout, at most `max_connections` at once), then let the
/// open ones finish their requests.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: &ConnectionLimits,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let stop = shutdown();
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("never closed"),
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = app
            .clone()
            .map_request(move |mut req: axum::extract::Request<_>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(
                TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
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

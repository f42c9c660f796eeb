//! The HTTP server: the JSON API and the web UI (`arshif serve`). The only
//! module that knows HTTP. Handlers parse the request, run the library call
//! on a blocking thread and shape the answer; errors become HTTP answers in
//! [`error`] only.
//!
//! The paths and fields of the API are a contract, written down in
//! `openapi.json` beside this file (served at `/api/openapi.json`); a test
//! checks that document against the routes the router really has.

mod error;
mod handlers;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::archive::{Archive, ArchiveError};
use crate::catalog::SqliteCatalog;
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
}

/// Every route: method and path (axum's syntax, which OpenAPI shares).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/ui/app.js"),
    ("GET", "/ui/app.css"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/search"),
    ("GET", "/api/facets"),
    ("POST", "/api/documents"),
    ("GET", "/api/documents/{id}"),
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
    catalogs: Mutex<Vec<SqliteCatalog>>,
    previews: PreviewCache,
    ingest: IngestOptions,
    /// Searches run at once: two per core (one per core left cores idle
    /// while a search waited on the catalog: 181 searches/s against 224;
    /// unbounded, the slowest searches queued behind all the others: p99
    /// 95 ms against 70, `make bench-serve`, 8 in flight).
    searching: tokio::sync::Semaphore,
}

impl AppState {
    pub fn new(archive: Archive, ingest: IngestOptions) -> Result<Self, ArchiveError> {
        let mut index = archive.fresh_index()?;
        // Imports by `arshif ingest` or `watch` while the server runs are
        // searchable as soon as they commit.
        index.follow_commits()?;
        Ok(AppState {
            previews: PreviewCache::new(archive.root()),
            archive,
            index,
            catalogs: Mutex::new(Vec::new()),
            ingest,
            searching: tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        })
    }

    /// Run `f` with a catalog connection from the pool (opening one when
    /// none is free).
    fn with_catalog<T>(
        &self,
        f: impl FnOnce(&mut SqliteCatalog) -> Result<T, ApiError>,
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
}

/// The router with every route of [`ROUTES`].
pub fn router(state: Arc<AppState>, max_upload: usize) -> Router {
    use handlers as h;
    Router::new()
        .route("/", get(h::ui_index))
        .route("/ui/app.js", get(h::ui_js))
        .route("/ui/app.css", get(h::ui_css))
        .route("/api/openapi.json", get(h::openapi))
        .route("/api/search", get(h::search))
        .route("/api/facets", get(h::facets))
        .route(
            "/api/documents",
            post(h::upload).layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/api/documents/{id}", get(h::document))
        .route("/api/documents/{id}/matches", get(h::matches))
        .route("/api/documents/{id}/original", get(h::original))
        .route("/api/documents/{id}/searchable.pdf", get(h::searchable_pdf))
        .route("/api/documents/{id}/pages/{n}/image", get(h::page_image))
        .route("/api/documents/{id}/pages/{n}/thumbnail", get(h::thumbnail))
        .fallback(h::not_found)
        .with_state(state)
}

/// Serve the archive until interrupted (Ctrl-C or SIGTERM).
pub async fn serve(archive: Archive, config: ServeConfig) -> Result<(), ServerError> {
    let state = Arc::new(AppState::new(archive, config.ingest.clone())?);
    let app = router(state, config.max_upload);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.addr,
            source,
        })?;
    let local = listener.local_addr().map_err(ServerError::Serve)?;
    tracing::info!(%local, "serving");
    eprintln!("arshif: serving on http://{local}/");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(ServerError::Serve)
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

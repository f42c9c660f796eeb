//! Running the server for years: `GET /healthz` (the process answers),
//! `GET /readyz` (the catalog, the store and the index are usable),
//! `GET /metrics` (Prometheus text), and the layer every request passes
//! through, which counts it and writes one line of the request log.
//!
//! Metrics are recorded here, in the server, through the `metrics` facade
//! and rendered by `metrics-exporter-prometheus` (its own HTTP listener is
//! not built); the library knows nothing of them. They count what this
//! process did: uploads it imported, searches it answered. Imports by
//! `arshif ingest` and `arshif watch` run in processes of their own.
//!
//! The request log names the method, the matched route (`/api/search`,
//! `/api/documents/{id}`: never the path with its ids, never a query
//! string), the status, the latency and the user once the credentials are
//! resolved ([`record_user`]). Never a header, a token, a cookie or a body.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde_json::json;

use super::access::{Caller, Client};
use super::{blocking, ApiError, AppState};
use arshif::auth::Permission;

type Shared = State<Arc<AppState>>;

/// HTTP requests answered: `route` (as routed, `unmatched` for none),
/// `method`, `status`.
pub const HTTP_REQUESTS: &str = "arshif_http_requests_total";
/// Seconds to answer a successful `GET /api/search` (credentials, search,
/// audit entry: what the user waits for).
pub const SEARCH_SECONDS: &str = "arshif_search_seconds";
pub const DOCUMENTS_IMPORTED: &str = "arshif_documents_imported_total";
pub const DOCUMENTS_DUPLICATE: &str = "arshif_documents_duplicate_total";
pub const FILES_FAILED: &str = "arshif_files_failed_total";
pub const PAGES_IMPORTED: &str = "arshif_pages_imported_total";
pub const PAGES_CACHED: &str = "arshif_pages_cached_total";
/// Seconds in Tesseract's recognition per upload (summed over its reading
/// slots): a histogram, so that its `_sum` keeps fractions of a second.
pub const RECOGNITION_SECONDS: &str = "arshif_recognition_seconds";
/// The same by what the calls were for (`kind`: main, orientation,
/// other_language, unsure_lines, unfiltered, dropped_lines), per upload.
pub const RECOGNITION_KIND_SECONDS: &str = "arshif_recognition_kind_seconds";
/// Page jobs of a shared archive's OCR queue, by `state`.
pub const QUEUE_JOBS: &str = "arshif_queue_jobs";
pub const BUILD_INFO: &str = "arshif_build_info";

/// The buckets of [`SEARCH_SECONDS`]: from a cached hit to a timeout.
const SEARCH_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The buckets of [`RECOGNITION_SECONDS`]: from a text layer (none) to a
/// long scanned batch.
const RECOGNITION_BUCKETS: &[f64] = &[0.0, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0];

/// The Prometheus text format's content type.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How long a readiness probe of one component may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The process's metrics recorder, installed once (the `metrics` facade
/// has one per process), and the handle that renders it.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full(SEARCH_SECONDS.into()),
                SEARCH_BUCKETS,
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full(RECOGNITION_SECONDS.into()),
                    RECOGNITION_BUCKETS,
                )
            })
            .and_then(|b| {
                b.set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full(RECOGNITION_KIND_SECONDS.into()),
                    RECOGNITION_BUCKETS,
                )
            })
            .expect("the buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics will be empty");
        }
        describe();
        metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by matched route, method and status"
    );
    describe_histogram!(
        SEARCH_SECONDS,
        Unit::Seconds,
        "Time to answer a successful search (GET /api/search)"
    );
    describe_counter!(
        DOCUMENTS_IMPORTED,
        "New documents imported by uploads to this server"
    );
    describe_counter!(
        DOCUMENTS_DUPLICATE,
        "Uploaded files the archive already held"
    );
    describe_counter!(FILES_FAILED, "Uploaded files that failed to import");
    describe_counter!(PAGES_IMPORTED, "Pages of the documents imported by uploads");
    describe_counter!(
        PAGES_CACHED,
        "Pages of resumed uploads taken from the reading cache"
    );
    describe_histogram!(
        RECOGNITION_SECONDS,
        Unit::Seconds,
        "Seconds in Tesseract's recognition per upload, summed over its reading slots"
    );
    describe_histogram!(
        RECOGNITION_KIND_SECONDS,
        Unit::Seconds,
        "Seconds in Tesseract's recognition per upload, by what the calls were for"
    );
    describe_gauge!(
        QUEUE_JOBS,
        "Page jobs of the shared archive's OCR queue, by state (refreshed at each scrape)"
    );
    describe_gauge!(BUILD_INFO, "Always 1; the version in a label");
}

/// Count what an import (an upload, either mode) did.
pub fn record_import(report: &arshif::ingest::IngestReport) {
    metrics::counter!(DOCUMENTS_IMPORTED).increment(report.ingested);
    metrics::counter!(DOCUMENTS_DUPLICATE).increment(report.duplicates);
    metrics::counter!(FILES_FAILED).increment(report.failed);
    metrics::counter!(PAGES_IMPORTED).increment(report.pages);
    metrics::counter!(PAGES_CACHED).increment(report.cached_pages);
    if report.tesseract_seconds.is_finite() && report.tesseract_seconds >= 0.0 {
        metrics::histogram!(RECOGNITION_SECONDS).record(report.tesseract_seconds);
    }
    for (kind, seconds) in report.tesseract_seconds_by_kind.by_kind() {
        if seconds.is_finite() && seconds >= 0.0 {
            metrics::histogram!(RECOGNITION_KIND_SECONDS, "kind" => kind).record(seconds);
        }
    }
}

/// Name the request's user in its log line (called once the credentials
/// are resolved).
pub fn record_user(name: &str) {
    tracing::Span::current().record("user", name);
}

/// The route a request was routed to, as written in the router: no ids,
/// no query. Requests no route took are `unmatched`.
fn route_of<B>(req: &axum::http::Request<B>) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string())
}

/// The method as a label: the standard ones by name, anything else
/// `other` (a client must not be able to invent label values).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The request log's span: method, route, and the user once known.
pub fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    tracing::info_span!(
        target: "arshif_server::http",
        "request",
        method = method_label(req.method()),
        route = %route_of(req),
        user = tracing::field::Empty,
    )
}

/// The request log's line, when the answer's head is sent.
pub fn log_response(resp: &Response, latency: Duration, _span: &tracing::Span) {
    tracing::info!(
        target: "arshif_server::http",
        status = resp.status().as_u16(),
        latency_ms = format_args!("{:.1}", latency.as_secs_f64() * 1000.0),
        "answered"
    );
}

/// Count every request by route, method and status; time searches.
pub async fn track(req: Request, next: Next) -> Response {
    let route = route_of(&req);
    let method = method_label(req.method());
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status();
    metrics::counter!(
        HTTP_REQUESTS,
        "route" => route.clone(),
        "method" => method,
        "status" => status.as_u16().to_string(),
    )
    .increment(1);
    if route == "/api/search" && status.is_success() {
        metrics::histogram!(SEARCH_SECONDS).record(start.elapsed().as_secs_f64());
    }
    resp
}

/// `GET /healthz`: the process is up and answering. Nothing else.
pub async fn healthz() -> Response {
    no_store((StatusCode::OK, Json(json!({"status": "ok"}))).into_response())
}

/// Each component's probe in flight: a probe stuck on an unreachable
/// service is not started again beside itself; the component counts as
/// failing until it returns.
#[derive(Default)]
pub struct Probes {
    catalog: Arc<AtomicBool>,
    store: Arc<AtomicBool>,
    index: Arc<AtomicBool>,
}

/// Run `f` on a blocking thread, for at most [`PROBE_TIMEOUT`], one at a
/// time per `busy`: `None` when it failed, timed out or is still running.
async fn probe<T: Send + 'static>(
    busy: &Arc<AtomicBool>,
    f: impl FnOnce() -> Option<T> + Send + 'static,
) -> Option<T> {
    if busy.swap(true, Ordering::AcqRel) {
        return None;
    }
    /// Released by the blocking work itself, so that a probe that
    /// outlives its timeout still holds the flag.
    struct Release(Arc<AtomicBool>);
    impl Drop for Release {
        fn drop(&mut self) {
            self.0.store(false, Ordering::Release);
        }
    }
    let release = Release(busy.clone());
    let work = tokio::task::spawn_blocking(move || {
        let _release = release;
        f()
    });
    match tokio::time::timeout(PROBE_TIMEOUT, work).await {
        Ok(Ok(v)) => v,
        _ => None,
    }
}

/// `GET /readyz`: 200 when the catalog answers a query, the store answers
/// for a blob the catalog holds, and the index's files can be read; else
/// 503 naming the failing components (nothing of why: the log has it).
pub async fn readyz(State(s): Shared) -> Response {
    // The catalog: a look-up by key (the first document, if any).
    let st = s.clone();
    let catalog = probe(&s.probes.catalog, move || {
        st.with_catalog(|c| Ok(c.document(arshif::types::DocId(1))?.map(|d| d.blob)))
            .map_err(|e| tracing::warn!("readiness: the catalog fails: {e:?}"))
            .ok()
    })
    .await;
    // The store: it answers, and holds the blob the catalog named.
    let st = s.clone();
    let known = catalog.flatten();
    let store = probe(&s.probes.store, move || {
        let id = known.unwrap_or_else(|| "0".repeat(64).parse().expect("a sha256 in hex"));
        match st.archive.store().contains(&id) {
            Ok(held) if held || known.is_none() => Some(()),
            Ok(_) => {
                tracing::warn!("readiness: the store does not hold {}", id.to_hex());
                None
            }
            Err(e) => {
                tracing::warn!("readiness: the store fails: {e}");
                None
            }
        }
    })
    .await;
    // The index: its files (the commit point) can be read, and the reader
    // answers.
    let st = s.clone();
    let index = probe(&s.probes.index, move || {
        match st.index.index().load_metas() {
            Ok(_) => {
                let _ = st.index.searcher().num_docs();
                Some(())
            }
            Err(e) => {
                tracing::warn!("readiness: the index fails: {e}");
                None
            }
        }
    })
    .await;
    let failing: Vec<&str> = [
        ("catalog", catalog.is_some()),
        ("store", store.is_some()),
        ("index", index.is_some()),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(name, _)| name)
    .collect();
    let resp = if failing.is_empty() {
        (StatusCode::OK, Json(json!({"status": "ok"})))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "failing": failing})),
        )
    };
    no_store(resp.into_response())
}

/// `GET /metrics`: the Prometheus text. An administrator's (the
/// `ManageUsers` permission, which only administrators hold), or anyone's
/// from this machine when `serve --metrics-loopback` said so.
pub async fn metrics(
    State(s): Shared,
    client: Client,
    caller: Result<Caller, ApiError>,
) -> Result<Response, ApiError> {
    let local = s.metrics_loopback
        && client
            .address
            .parse::<IpAddr>()
            .is_ok_and(|a| a.to_canonical().is_loopback());
    if !local {
        caller?.require(Permission::ManageUsers)?;
    }
    if s.archive.shared().is_some() {
        let st = s.clone();
        // Not waiting out an outage: the scrape answers without the gauge.
        let counts = tokio::time::timeout(
            PROBE_TIMEOUT,
            blocking(move || {
                use arshif::catalog::JobQueue;
                Ok(st.archive.queue()?.queue_counts()?)
            }),
        )
        .await
        .unwrap_or_else(|_| Err(ApiError::unavailable("the queue's count timed out")));
        match counts {
            Ok(q) => {
                for (state, n) in [
                    ("queued", q.queued),
                    ("leased", q.leased),
                    ("done", q.done),
                    ("failed", q.failed),
                ] {
                    metrics::gauge!(QUEUE_JOBS, "state" => state).set(n as f64);
                }
            }
            Err(e) => tracing::warn!("metrics: cannot count the queue: {e:?}"),
        }
    }
    let h = handle();
    h.run_upkeep();
    let body = h.render();
    Ok(no_store(
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(PROMETHEUS_TEXT),
            )],
            body,
        )
            .into_response(),
    ))
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests;

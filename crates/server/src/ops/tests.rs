//! `/healthz`, `/readyz`, `/metrics` and the UI's compression, on a real
//! (empty) archive through the real router.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use tower::ServiceExt;

use crate::{router, AppState, ConnectionLimits};
use arshif::archive::Archive;
use arshif::auth::{Accounts, Role};
use arshif::ingest::IngestOptions;

struct Fixture {
    tmp: tempfile::TempDir,
    app: Router,
    admin: String,
    staff: String,
}

/// An empty archive with an administrator and a staff member (their
/// tokens), served with `/metrics` open to loopback clients or not.
fn fixture(metrics_loopback: bool) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let archive = Archive::init(&tmp.path().join("a")).unwrap();
    let store = archive.account_store().unwrap();
    let accounts = Accounts::new(&store);
    accounts
        .add_user("root", Role::Admin, &[], "unused", false)
        .unwrap();
    accounts
        .add_user(
            "sara",
            Role::Staff,
            &["hofuf".parse().unwrap()],
            "unused",
            false,
        )
        .unwrap();
    let (_, admin) = accounts.create_token("root", "test").unwrap();
    let (_, staff) = accounts.create_token("sara", "test").unwrap();
    let state = AppState::new(archive, IngestOptions::default())
        .unwrap()
        .with_metrics_loopback(metrics_loopback);
    Fixture {
        tmp,
        app: router(Arc::new(state), 1 << 20, &ConnectionLimits::default()),
        admin: admin.expose().to_string(),
        staff: staff.expose().to_string(),
    }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A GET from `peer` with the given headers.
async fn get(app: &Router, uri: &str, peer: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = Request::builder().uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

const OUTSIDE: &str = "192.0.2.7:40000";
const LOCAL: &str = "127.0.0.1:40000";

#[tokio::test]
async fn healthz_answers_ok_to_anyone_and_says_nothing_else() {
    let f = fixture(false);
    let a = get(&f.app, "/healthz", OUTSIDE, &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), serde_json::json!({"status": "ok"}));
    assert_eq!(a.headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn readyz_names_the_index_when_its_files_are_gone() {
    let f = fixture(false);
    let a = get(&f.app, "/readyz", OUTSIDE, &[]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.json(), serde_json::json!({"status": "ok"}));

    // The index directory taken away under the running server.
    let dir = f.tmp.path().join("a/index");
    std::fs::rename(&dir, f.tmp.path().join("index.moved")).unwrap();
    let a = get(&f.app, "/readyz", OUTSIDE, &[]).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        a.json(),
        serde_json::json!({"status": "unavailable", "failing": ["index"]})
    );
    // Liveness is another matter.
    assert_eq!(get(&f.app, "/healthz", OUTSIDE, &[]).await.status, 200);
    // Put back, ready again.
    std::fs::rename(f.tmp.path().join("index.moved"), &dir).unwrap();
    assert_eq!(get(&f.app, "/readyz", OUTSIDE, &[]).await.status, 200);
}

#[tokio::test]
async fn metrics_are_for_administrators_and_count_requests_and_searches() {
    let f = fixture(false);
    let admin = format!("Bearer {}", f.admin);
    let staff = format!("Bearer {}", f.staff);
    let a = get(&f.app, "/metrics", LOCAL, &[]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = get(&f.app, "/metrics", OUTSIDE, &[("authorization", &staff)]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.json()["error"]["code"], "forbidden");

    for _ in 0..3 {
        get(&f.app, "/healthz", OUTSIDE, &[]).await;
    }
    let s = get(
        &f.app,
        "/api/search?q=%D8%B1%D8%AE%D8%B5%D8%A9",
        OUTSIDE,
        &[("authorization", &admin)],
    )
    .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text());
    get(
        &f.app,
        "/api/documents/123456",
        OUTSIDE,
        &[("authorization", &admin)],
    )
    .await;

    let a = get(&f.app, "/metrics", OUTSIDE, &[("authorization", &admin)]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        a.headers
    );
    let text = a.text();
    // The recorder is the process's: other tests count too, so at least.
    let count = |line: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(line)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {line} in\n{text}"))
    };
    assert!(
        count(r#"arshif_http_requests_total{route="/healthz",method="GET",status="200"}"#) >= 3.0
    );
    // Routes by their pattern, never the path with its id or a query.
    assert!(
        count(
            r#"arshif_http_requests_total{route="/api/documents/{id}",method="GET",status="404"}"#
        ) >= 1.0
    );
    assert!(!text.contains("123456") && !text.contains("%D8"), "{text}");
    assert!(count("arshif_search_seconds_count") >= 1.0);
    assert!(
        text.contains(r#"arshif_search_seconds_bucket{le="0.1"}"#),
        "{text}"
    );
    assert!(
        text.contains("# TYPE arshif_search_seconds histogram"),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_loopback_opens_them_to_this_machine_only() {
    let f = fixture(true);
    assert_eq!(get(&f.app, "/metrics", LOCAL, &[]).await.status, 200);
    assert_eq!(get(&f.app, "/metrics", "[::1]:5000", &[]).await.status, 200);
    assert_eq!(get(&f.app, "/metrics", OUTSIDE, &[]).await.status, 401);
    // Forwarding headers are not believed without --behind-proxy.
    let a = get(
        &f.app,
        "/metrics",
        OUTSIDE,
        &[("x-forwarded-for", "127.0.0.1")],
    )
    .await;
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn the_ui_is_sent_gzipped_with_its_etag() {
    let f = fixture(false);
    for uri in ["/", "/ui/app.js", "/ui/app.css"] {
        let plain = get(&f.app, uri, OUTSIDE, &[]).await;
        assert_eq!(plain.status, StatusCode::OK);
        assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
        let zipped = get(
            &f.app,
            uri,
            OUTSIDE,
            &[("accept-encoding", "gzip, deflate, br")],
        )
        .await;
        assert_eq!(zipped.status, StatusCode::OK);
        assert_eq!(zipped.headers[header::CONTENT_ENCODING], "gzip", "{uri}");
        assert_eq!(zipped.headers[header::VARY], "accept-encoding", "{uri}");
        assert!(zipped.body.len() * 2 < plain.body.len(), "{uri}");
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&zipped.body[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain.body, "{uri}");
        let tag = zipped.headers[header::ETAG].to_str().unwrap().to_string();
        assert_eq!(tag, plain.headers[header::ETAG].to_str().unwrap());

        let again = get(
            &f.app,
            uri,
            OUTSIDE,
            &[("accept-encoding", "gzip"), ("if-none-match", &tag)],
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(again.body.is_empty(), "{uri}");
        assert!(again.headers.get(header::CONTENT_ENCODING).is_none());
    }
    // Downloads of stored files are not compressed again.
    let admin = format!("Bearer {}", f.admin);
    let a = get(
        &f.app,
        "/api/openapi.json",
        OUTSIDE,
        &[("accept-encoding", "gzip"), ("authorization", &admin)],
    )
    .await;
    assert!(a.headers.get(header::CONTENT_ENCODING).is_none());
}

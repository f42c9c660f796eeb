use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use super::*;

/// A real, empty archive with an administrator, and that administrator's
/// API token.
fn app() -> (tempfile::TempDir, Router, String) {
    let t = tempfile::tempdir().unwrap();
    let archive = Archive::init(&t.path().join("a")).unwrap();
    let store = archive.account_store().unwrap();
    let accounts = arshif::auth::Accounts::new(&store);
    accounts
        .add_user("root", arshif::auth::Role::Admin, &[], "unused", false)
        .unwrap();
    let (_, token) = accounts.create_token("root", "test").unwrap();
    let state = Arc::new(AppState::new(archive, IngestOptions::default()).unwrap());
    (
        t,
        router(state, 1 << 20, &ConnectionLimits::default()),
        token.expose().to_string(),
    )
}

async fn call(app: &Router, method: &str, uri: &str) -> (StatusCode, serde_json::Value) {
    call_as(app, method, uri, None).await
}

async fn call_as(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "multipart/form-data; boundary=x");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req.body(Body::from("--x--\r\n")).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[test]
fn openapi_documents_exactly_the_routes() {
    let doc: serde_json::Value = serde_json::from_str(handlers::OPENAPI).unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, routes);
}

#[tokio::test]
async fn every_route_is_served_by_the_router() {
    let (_t, app, token) = app();
    for (method, path) in ROUTES {
        let uri = path
            .replace("{id}", "1")
            .replace("{n}", "1")
            .replace("{file}", "app.js");
        let (status, body) = call_as(&app, method, &uri, Some(&token)).await;
        // The fallback answers unknown routes with code not_found.
        assert_ne!(body["error"]["code"], "not_found", "{method} {path}");
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(status.as_u16() < 500, "{method} {path}: {status}");
    }
    let (status, body) = call(&app, "GET", "/api/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

/// Without credentials, or with bad ones, every API route but login and
/// the API's description answers 401 (and says how to authenticate).
#[tokio::test]
async fn api_routes_need_credentials() {
    let (_t, app, _) = app();
    let public = [
        "/",
        "/ui/{file}",
        "/api/openapi.json",
        "/api/login",
        "/healthz",
        "/readyz",
    ];
    for (method, path) in ROUTES {
        let uri = path
            .replace("{id}", "1")
            .replace("{n}", "1")
            .replace("{file}", "app.js");
        for token in [None, Some("0123"), Some("")] {
            let (status, body) = call_as(&app, method, &uri, token).await;
            if public.contains(path) {
                assert_ne!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
            } else {
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} {token:?}: {body}"
                );
                assert!(
                    matches!(
                        body["error"]["code"].as_str(),
                        Some("not_logged_in" | "bad_credentials")
                    ),
                    "{method} {path}: {body}"
                );
            }
        }
    }
}

#[tokio::test]
async fn errors_are_json_with_a_code_and_a_message() {
    let (_t, app, token) = app();
    for (uri, status, code) in [
        ("/api/search?q=", 400, "empty_query"),
        (
            "/api/search?q=%D9%81%D9%8A%20%D9%85%D9%86",
            400,
            "only_stopwords",
        ),
        ("/api/search?q=x&branch=Not%20A%20Slug", 400, "bad_branch"),
        ("/api/search?q=x&from=yesterday", 400, "bad_date"),
        ("/api/documents/abc", 400, "bad_id"),
        ("/api/documents/99", 404, "no_such_document"),
        ("/api/documents/99/pages/0/image", 400, "bad_page"),
    ] {
        let (got, body) = call_as(&app, "GET", uri, Some(&token)).await;
        assert_eq!(got.as_u16(), status, "{uri}: {body}");
        assert_eq!(body["error"]["code"], code, "{uri}");
        assert!(
            body["error"]["message"].as_str().unwrap().len() > 10,
            "{uri}"
        );
    }
    let (got, body) = call_as(&app, "POST", "/api/documents", Some(&token)).await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_upload");
}

#[test]
fn downloads_carry_the_arabic_file_name() {
    let v = handlers::attachment_for_test("رخصة بلدية 12.pdf");
    let s = v.to_str().unwrap();
    assert!(s.starts_with("attachment; filename=\""), "{s}");
    assert!(
        s.contains("filename*=UTF-8''%D8%B1%D8%AE%D8%B5%D8%A9%20"),
        "{s}"
    );
    assert!(s.ends_with("12.pdf"), "{s}");
}

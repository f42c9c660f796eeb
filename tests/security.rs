//! Accounts, branch scope and the audit trail, as a client sees them: the
//! real binary serving a real archive with documents in two branches, and
//! users of every role.

mod common;

use std::collections::BTreeSet;

use common::http::*;
use common::*;
use serde_json::{json, Value};

const PASSWORD: &str = "a-long-password-1";

/// Two branches' documents and a user of each role.
struct World {
    a: TestArchive,
    server: Server,
    /// hofuf's document (the circular) and omran's (the violation report).
    own: i64,
    other: i64,
    tokens: Vec<(&'static str, String)>,
}

fn pdf(name: &str) -> std::path::PathBuf {
    samples().join("pdf").join(name)
}

const HOFUF_PDF: &str = "circular 12-1445 opening hours.pdf";
const OMRAN_PDF: &str = "محضر مخالفة 1445-552.pdf";
const THIRD_PDF: &str = "تعميم 14-1445 نظافة الأسواق.pdf";

fn world(serve_flags: &[&str]) -> World {
    world_with(serve_flags, |_| {})
}

/// [`world`], with more imports before the server starts.
fn world_with(serve_flags: &[&str], more: impl FnOnce(&TestArchive)) -> World {
    let a = TestArchive::new();
    let (r, code) = a.ingest(
        &["--branch", "hofuf", "--doc-type", "circular"],
        &[&pdf(HOFUF_PDF)],
    );
    assert_eq!(code, 0, "{r}");
    let (r, code) = a.ingest(
        &["--branch", "omran", "--doc-type", "violation-report"],
        &[&pdf(OMRAN_PDF)],
    );
    assert_eq!(code, 0, "{r}");
    a.add_user("root", "admin", &[], PASSWORD);
    a.add_user("clerk_h", "clerk", &["hofuf"], PASSWORD);
    a.add_user("staff_h", "staff", &["hofuf"], PASSWORD);
    a.add_user("auditor", "auditor", &[], PASSWORD);
    let tokens = vec![
        ("admin", a.token("root")),
        ("clerk", a.token("clerk_h")),
        ("staff", a.token("staff_h")),
        ("auditor", a.token("auditor")),
    ];
    let id_of = |query: &str| -> i64 {
        let v = a.search(&[], query);
        assert_eq!(v["total"], 1, "{query}: {v}");
        v["hits"][0]["id"].as_i64().unwrap()
    };
    let own = id_of("hours");
    let other = id_of("مخالفة");
    more(&a);
    let server = Server::start_with(&a, serve_flags);
    World {
        a,
        server,
        own,
        other,
        tokens,
    }
}

impl World {
    fn call(&self, token: Option<&str>, method: &str, path: &str, body: &[u8]) -> Answer {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        let ct = match path {
            "/api/documents" => "multipart/form-data; boundary=XyZ",
            _ => "application/json",
        };
        if method == "POST" || method == "PATCH" {
            headers.push(("Content-Type", ct));
        }
        self.server.send(method, path, &headers, body)
    }

    fn token(&self, role: &str) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// Log in; returns the session cookie (name=value) and the CSRF token.
    fn login(&self, user: &str, password: &str, cookie: Option<&str>) -> (Answer, String, String) {
        let body = json!({"user": user, "password": password}).to_string();
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(c) = cookie {
            headers.push(("Cookie", c));
        }
        let a = self
            .server
            .send("POST", "/api/login", &headers, body.as_bytes());
        let set = a.header("set-cookie").to_string();
        let cookie = set.split(';').next().unwrap_or("").to_string();
        let csrf = a.json()["csrf_token"].as_str().unwrap_or("").to_string();
        (a, cookie, csrf)
    }

    fn audit(&self) -> Vec<Value> {
        let out = self.a.run(&["audit", "--json", "--limit", "1000"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
    }
}

/// Every route, every role (and no credentials), a document of the user's
/// own branch and one of another: the exact status of each.
#[test]
fn authorization_matrix() {
    let w = world(&[]);
    let upload = |branch: &str| {
        let bytes = std::fs::read(pdf(THIRD_PDF)).unwrap();
        multipart(&[
            ("branch", None, branch.as_bytes()),
            ("file", Some("upload.pdf"), &bytes),
        ])
    };
    let wrong_password = json!({"current": "not-the-password", "new": "another-password-2"})
        .to_string()
        .into_bytes();
    let bad_login = json!({"user": "nobody_at_all", "password": "wrong-password-x"})
        .to_string()
        .into_bytes();
    // (method, route, concrete path for the own/other document, body,
    //  expected status for [none, admin, clerk, staff, auditor])
    type Row<'a> = (&'a str, &'a str, String, Vec<u8>, [u16; 5]);
    let mut rows: Vec<Row> = Vec::new();
    for (label, id) in [("own", w.own), ("other", w.other)] {
        let scoped: [u16; 5] = if label == "own" {
            [401, 200, 200, 200, 403]
        } else {
            [401, 200, 404, 404, 403]
        };
        for (route, path) in [
            ("/api/documents/{id}", format!("/api/documents/{id}")),
            (
                "/api/documents/{id}/matches",
                format!("/api/documents/{id}/matches?q=1445"),
            ),
            (
                "/api/documents/{id}/original",
                format!("/api/documents/{id}/original"),
            ),
            (
                "/api/documents/{id}/searchable.pdf",
                format!("/api/documents/{id}/searchable.pdf"),
            ),
            (
                "/api/documents/{id}/pages/{n}/image",
                format!("/api/documents/{id}/pages/1/image?width=300"),
            ),
            (
                "/api/documents/{id}/pages/{n}/thumbnail",
                format!("/api/documents/{id}/pages/1/thumbnail"),
            ),
        ] {
            rows.push(("GET", route, path, Vec::new(), scoped));
        }
        // Correcting: clerks and administrators, in their branches.
        let correcting: [u16; 5] = if label == "own" {
            [401, 200, 200, 403, 403]
        } else {
            [401, 200, 404, 403, 403]
        };
        rows.push((
            "PATCH",
            "/api/documents/{id}",
            format!("/api/documents/{id}"),
            json!({"type": "letter"}).to_string().into_bytes(),
            correcting,
        ));
    }
    let public = [200, 200, 200, 200, 200];
    rows.extend([
        ("GET", "/", "/".to_string(), Vec::new(), public),
        (
            "GET",
            "/ui/app.js",
            "/ui/app.js".to_string(),
            Vec::new(),
            public,
        ),
        (
            "GET",
            "/ui/app.css",
            "/ui/app.css".to_string(),
            Vec::new(),
            public,
        ),
        (
            "GET",
            "/api/openapi.json",
            "/api/openapi.json".to_string(),
            Vec::new(),
            public,
        ),
        (
            "POST",
            "/api/login",
            "/api/login".to_string(),
            bad_login,
            [401; 5],
        ),
        (
            "GET",
            "/api/me",
            "/api/me".to_string(),
            Vec::new(),
            [401, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/api/password",
            "/api/password".to_string(),
            wrong_password,
            [401, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/api/audit",
            "/api/audit?limit=5".to_string(),
            Vec::new(),
            [401, 200, 403, 403, 200],
        ),
        (
            "GET",
            "/api/search",
            "/api/search?q=1445".to_string(),
            Vec::new(),
            [401, 200, 200, 200, 403],
        ),
        (
            "GET",
            "/api/facets",
            "/api/facets".to_string(),
            Vec::new(),
            [401, 200, 200, 200, 403],
        ),
        (
            "POST",
            "/api/documents",
            "/api/documents".to_string(),
            upload("hofuf"),
            [401, 200, 200, 403, 403],
        ),
        (
            "POST",
            "/api/documents",
            "/api/documents".to_string(),
            upload("omran"),
            [401, 200, 403, 403, 403],
        ),
        (
            "POST",
            "/api/logout",
            "/api/logout".to_string(),
            Vec::new(),
            [401, 204, 204, 204, 204],
        ),
    ]);
    let covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|(m, r, ..)| (m.to_string(), r.to_string()))
        .collect();
    let routes: BTreeSet<(String, String)> = arshif_server::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(covered, routes, "the matrix covers every route");

    let who: [Option<&str>; 5] = [
        None,
        Some(w.token("admin")),
        Some(w.token("clerk")),
        Some(w.token("staff")),
        Some(w.token("auditor")),
    ];
    let names = ["nobody", "admin", "clerk", "staff", "auditor"];
    let mut failures = Vec::new();
    for (method, _, path, body, expected) in &rows {
        for (i, token) in who.iter().enumerate() {
            let a = w.call(*token, method, path, body);
            if a.status != expected[i] {
                failures.push(format!(
                    "{method} {path} as {}: {} (expected {}) {}",
                    names[i],
                    a.status,
                    expected[i],
                    String::from_utf8_lossy(&a.body)
                        .chars()
                        .take(200)
                        .collect::<String>()
                ));
            }
            // A document outside the branch is answered exactly like a
            // document that does not exist.
            if a.status == 404 {
                let missing = path.replacen(&format!("/{}", w.other), "/999999", 1);
                let b = w.call(*token, method, &missing, body);
                let same = |v: Value| v.to_string().replace("999999", &w.other.to_string());
                assert_eq!((b.status, same(b.json())), (404, same(a.json())), "{path}");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A hofuf user learns nothing of omran: not in hits, totals, snippets,
/// facet counts or the sources of a document both branches imported.
#[test]
fn no_cross_branch_content_in_hits_snippets_or_facets() {
    // The third circular is imported by omran, then by hofuf too.
    let third = pdf(THIRD_PDF);
    let w = world_with(&[], |a| {
        let omran_copy = a.scratch("omran-share").join("omran only name.pdf");
        std::fs::copy(&third, &omran_copy).unwrap();
        let (r, code) = a.ingest(
            &["--branch", "omran", "--doc-type", "letter"],
            &[&omran_copy],
        );
        assert_eq!(code, 0, "{r}");
        let (r, code) = a.ingest(&["--branch", "hofuf"], &[&third]);
        assert_eq!(code, 0, "{r}");
    });
    let staff = w.token("staff");
    let get = |path: &str| w.call(Some(staff), "GET", path, b"").json();

    // omran's report: a distinctive word of it finds nothing, counts nothing.
    let found = get(&format!("/api/search?q={}", enc("مخالفة")));
    assert_eq!(found["total"], 0, "{found}");
    let by_branch = get(&format!("/api/search?q={}&branch=omran", enc("1445")));
    assert_eq!(by_branch["total"], 0, "{by_branch}");
    let in_query = get(&format!("/api/search?q={}", enc("branch:omran 1445")));
    assert_eq!(in_query["total"], 0, "{in_query}");
    let admin_sees = w
        .call(Some(w.token("admin")), "GET", "/api/search?q=1445", b"")
        .json();
    assert_eq!(admin_sees["total"], 3, "{admin_sees}");

    let all = get("/api/search?q=1445&limit=50");
    assert_eq!(all["total"], 2, "{all}");
    for hit in all["hits"].as_array().unwrap() {
        assert_eq!(hit["branch"], "hofuf", "{hit}");
        let text = hit.to_string();
        assert!(!text.contains("omran"), "{hit}");
        assert!(!text.contains("مخالفة"), "{hit}");
        assert_ne!(hit["id"], w.other);
    }
    let shared = all["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] != w.own)
        .unwrap();
    assert_eq!(
        shared["sources"],
        json!([third.to_string_lossy()]),
        "{shared}"
    );
    let doc = get(&format!("/api/documents/{}", shared["id"]));
    assert_eq!(doc["branches"], json!(["hofuf"]), "{doc}");
    assert_eq!(doc["sources"].as_array().unwrap().len(), 1, "{doc}");
    assert!(!doc.to_string().contains("omran"), "{doc}");

    // Facets: only hofuf, counted among hofuf's documents.
    let f = get("/api/facets");
    assert_eq!(
        f["branches"],
        json!([{"value": "hofuf", "count": 2}]),
        "{f}"
    );
    let types: Vec<&str> = f["doc_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["value"].as_str().unwrap())
        .collect();
    assert!(!types.contains(&"violation-report"), "{f}");
    // The admin's facets count everything.
    let fa = w
        .call(Some(w.token("admin")), "GET", "/api/facets", b"")
        .json();
    assert_eq!(
        fa["branches"],
        json!([{"value": "hofuf", "count": 2}, {"value": "omran", "count": 2}]),
        "{fa}"
    );
    // A user holding no branch sees nothing at all.
    w.a.add_user("newcomer", "staff", &[], PASSWORD);
    let t = w.a.token("newcomer");
    let none = w.call(Some(&t), "GET", "/api/search?q=1445", b"").json();
    assert_eq!(none["total"], 0, "{none}");
    let nf = w.call(Some(&t), "GET", "/api/facets", b"").json();
    assert_eq!(
        nf,
        json!({"branches": [], "doc_types": [], "calendar": "hijri", "years": []})
    );
}

#[test]
fn login_sessions_csrf_fixation_and_throttling() {
    let w = world(&[]);
    // A wrong password, and an unknown user, get the same answer.
    let (a, _, _) = w.login("staff_h", "wrong-password-1", None);
    let (b, _, _) = w.login("no_such_user", "wrong-password-1", None);
    assert_eq!((a.status, b.status), (401, 401));
    assert_eq!(a.json(), b.json());
    assert!(a.header("set-cookie").is_empty());

    // A good login: an HttpOnly, SameSite=Strict cookie (not Secure over
    // plain HTTP) and a CSRF token.
    let (ok, cookie, csrf) = w.login("staff_h", PASSWORD, None);
    assert_eq!(ok.status, 200, "{}", ok.json());
    let set = ok.header("set-cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "{set}");
    assert_eq!(ok.json()["role"], "staff");
    assert_eq!(csrf.len(), 64);
    let me = w
        .server
        .send("GET", "/api/me", &[("Cookie", &cookie)], b"")
        .json();
    assert_eq!(
        (me["user"].as_str(), me["csrf_token"].as_str()),
        (Some("staff_h"), Some(csrf.as_str()))
    );

    // Session fixation: a login never keeps the id the client brought; the
    // old session ends.
    let (again, cookie2, _) = w.login("staff_h", PASSWORD, Some(&cookie));
    assert_eq!(again.status, 200);
    assert_ne!(cookie2, cookie);
    let old = w.server.send("GET", "/api/me", &[("Cookie", &cookie)], b"");
    assert_eq!(old.status, 401);
    let planted = "arshif_session=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let (fresh, cookie3, csrf3) = w.login("clerk_h", PASSWORD, Some(planted));
    assert_eq!(fresh.status, 200);
    assert_ne!(cookie3, planted);
    assert_eq!(
        w.server
            .send("GET", "/api/me", &[("Cookie", planted)], b"")
            .status,
        401
    );

    // CSRF: a cookie alone cannot change anything.
    let bytes = std::fs::read(pdf(THIRD_PDF)).unwrap();
    let body = multipart(&[("file", Some("c.pdf"), &bytes)]);
    let ct = ("Content-Type", "multipart/form-data; boundary=XyZ");
    for token in [None, Some("0".repeat(64)), Some(String::new())] {
        let mut h = vec![ct, ("Cookie", cookie3.as_str())];
        if let Some(t) = &token {
            h.push(("X-CSRF-Token", t));
        }
        let a = w.server.send("POST", "/api/documents", &h, &body);
        assert_eq!(a.status, 403, "{token:?}");
        assert_eq!(a.json()["error"]["code"], "csrf_failed");
        let out = w.server.send("POST", "/api/logout", &h[1..], b"");
        assert_eq!(out.status, 403);
    }
    // GETs need no token; with the token, the upload goes through.
    assert_eq!(
        w.server
            .send("GET", "/api/search?q=hours", &[("Cookie", &cookie3)], b"")
            .status,
        200
    );
    let a = w.server.send(
        "POST",
        "/api/documents",
        &[ct, ("Cookie", &cookie3), ("X-CSRF-Token", &csrf3)],
        &body,
    );
    assert_eq!(a.status, 200, "{}", a.json());
    assert_eq!(a.json()["ingested"], 1);
    // Logout ends the session.
    let out = w.server.send(
        "POST",
        "/api/logout",
        &[("Cookie", &cookie3), ("X-CSRF-Token", &csrf3)],
        b"",
    );
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(
        w.server
            .send("GET", "/api/me", &[("Cookie", &cookie3)], b"")
            .status,
        401
    );

    // Throttling: five failures lock the name, even for the right password,
    // with Retry-After; other users are not locked.
    for _ in 0..5 {
        assert_eq!(w.login("clerk_h", "guess-guess-1", None).0.status, 401);
    }
    let (locked, _, _) = w.login("clerk_h", PASSWORD, None);
    assert_eq!(locked.status, 429, "{}", locked.json());
    assert_eq!(locked.json()["error"]["code"], "too_many_attempts");
    let retry: u64 = locked.header("retry-after").parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert_eq!(w.login("root", PASSWORD, None).0.status, 200);

    // Every login, failed login and logout is in the audit log.
    let log = w.audit();
    let count = |action: &str, actor: &str| {
        log.iter()
            .filter(|e| e["action"] == action && e["actor"] == actor)
            .count()
    };
    assert_eq!(count("login_failed", "clerk_h"), 6);
    assert_eq!(count("login_failed", "no_such_user"), 1);
    assert_eq!(count("login", "staff_h"), 2);
    assert_eq!(count("logout", "clerk_h"), 1);
    assert!(
        log.iter()
            .filter(|e| !e["actor"].as_str().unwrap().starts_with("local:"))
            .all(|e| e["address"] == "127.0.0.1"),
        "{log:?}"
    );
}

#[test]
fn uploads_are_checked_names_sizes_and_bodies() {
    let w = world(&["--max-upload-mib", "1"]);
    let admin = w.token("admin");
    let bytes = std::fs::read(pdf(THIRD_PDF)).unwrap();
    // Path traversal in upload names: the file lands in the archive under
    // its last name component, and nothing is written outside.
    let names = [
        "../../../../tmp/evil.pdf",
        "..\\..\\windows\\evil2.pdf",
        "/etc/passwd",
        "..",
    ];
    for (i, name) in names.iter().enumerate() {
        let mut content = bytes.clone();
        content.extend_from_slice(format!("\n% variant {i}\n").as_bytes());
        let body = multipart(&[("branch", None, b"hofuf"), ("file", Some(name), &content)]);
        let a = w.call(Some(admin), "POST", "/api/documents", &body);
        assert_eq!(a.status, 200, "{name}: {}", a.json());
        assert_eq!(a.json()["ingested"], 1, "{name}: {}", a.json());
    }
    assert!(!std::path::Path::new("/tmp/evil.pdf").exists());
    let sources: Vec<String> = w.a.search(&["--limit", "50"], "branch:hofuf")["hits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["sources"].as_array().unwrap().clone())
        .map(|s| s.as_str().unwrap().to_string())
        .filter(|s| !s.ends_with(HOFUF_PDF))
        .collect();
    assert_eq!(sources.len(), names.len(), "{sources:?}");
    for s in &sources {
        assert!(
            s.starts_with("upload/") && !s[7..].contains('/') && !s.contains(".."),
            "{s}"
        );
    }
    assert!(
        sources.contains(&"upload/evil.pdf".to_string()),
        "{sources:?}"
    );
    assert!(
        sources.contains(&"upload/evil2.pdf".to_string()),
        "{sources:?}"
    );

    // Path traversal in ids: never a file, always a clean 400.
    for path in [
        "/api/documents/..%2F..%2Fcatalog.sqlite",
        "/api/documents/1%2F..%2F..",
        "/api/documents/-1/original",
        "/api/documents/1/pages/..%2F..%2Fx/image",
    ] {
        let a = w.call(Some(admin), "GET", path, b"");
        assert_eq!(
            a.status,
            400,
            "{path}: {}",
            String::from_utf8_lossy(&a.body)
        );
        assert!(a.json()["error"]["code"].is_string(), "{path}");
    }
    let a = w.call(
        Some(admin),
        "GET",
        "/api/documents/1/../../catalog.sqlite",
        b"",
    );
    assert!(a.status == 404 || a.status == 400, "{}", a.status);
    assert!(!String::from_utf8_lossy(&a.body).contains("SQLite"));

    // Oversized: 413 in the usual error shape, nothing imported.
    let big = vec![b'x'; 2 << 20];
    let body = multipart(&[("branch", None, b"hofuf"), ("file", Some("big.pdf"), &big)]);
    let a = w.call(Some(admin), "POST", "/api/documents", &body);
    assert_eq!(a.status, 413, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json()["error"]["code"], "upload_too_large");

    // Malformed bodies: 400 with a JSON error, never a 500.
    let malformed: [(&str, &[u8]); 5] = [
        ("multipart/form-data; boundary=XyZ", b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4 cut off"),
        ("multipart/form-data; boundary=XyZ", b"not multipart at all"),
        ("multipart/form-data", b"--XyZ--\r\n"),
        ("text/plain", b"hello"),
        ("multipart/form-data; boundary=XyZ", b"--XyZ\r\nContent-Disposition: form-data; name=\"surprise\"\r\n\r\nx\r\n--XyZ--\r\n"),
    ];
    for (ct, body) in malformed {
        let auth = format!("Bearer {admin}");
        let a = w.server.send(
            "POST",
            "/api/documents",
            &[("Authorization", &auth), ("Content-Type", ct)],
            body,
        );
        assert!(
            a.status == 400 || a.status == 415,
            "{ct} {:?}: {} {}",
            String::from_utf8_lossy(body),
            a.status,
            String::from_utf8_lossy(&a.body)
        );
        assert!(a.json()["error"]["code"].is_string(), "{ct}");
    }
    // Unknown and malformed query parameters of other routes: 400, JSON.
    let a = w.call(Some(admin), "GET", "/api/audit?limit=lots", b"");
    assert_eq!(a.status, 400);
    let a = w.call(
        Some(admin),
        "GET",
        "/api/documents/1/pages/1/image?width=wide",
        b"",
    );
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["error"]["code"], "bad_parameter");
}

/// Every look is recorded with who, when, where and which documents; the
/// chain verifies; tampering shows; `audit` filters by user and document.
#[test]
fn the_audit_trail_records_every_look() {
    let w = world(&[]);
    let staff = w.token("staff");
    let own = w.own;
    for path in [
        format!("/api/search?q={}", enc("opening hours")),
        format!("/api/documents/{own}"),
        format!("/api/documents/{own}/pages/1/image?width=300"),
        format!("/api/documents/{own}/pages/1/thumbnail"),
        format!("/api/documents/{own}/original"),
        format!("/api/documents/{own}/searchable.pdf"),
    ] {
        assert_eq!(w.call(Some(staff), "GET", &path, b"").status, 200, "{path}");
    }
    // A page image is kept by the browser only with the server's leave: it
    // must ask again (no-cache), gets a bodiless 304 for the ETag it holds,
    // and the look is audited all the same.
    let auth = format!("Bearer {staff}");
    let path = format!("/api/documents/{own}/pages/1/image?width=300");
    let first = w
        .server
        .send("GET", &path, &[("Authorization", &auth)], b"");
    let etag = first.header("etag").to_string();
    assert!(etag.starts_with('"'), "{etag}");
    assert_eq!(first.header("cache-control"), "private, no-cache");
    let again = w.server.send(
        "GET",
        &path,
        &[("Authorization", &auth), ("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // Every answer forbids framing and sniffing; API answers are not stored.
    for (path, cache) in [
        ("/", "no-cache"),
        ("/api/me", "no-store"),
        ("/api/facets", "no-store"),
    ] {
        let a = w.server.send("GET", path, &[("Authorization", &auth)], b"");
        assert_eq!(a.header("x-frame-options"), "DENY", "{path}");
        assert_eq!(a.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(a.header("cache-control"), cache, "{path}");
    }
    let log = w.audit();
    let mine: Vec<&Value> = log
        .iter()
        .filter(|e| e["actor"] == "staff_h")
        .skip(2)
        .collect();
    assert_eq!(log[0]["detail"]["not_modified"], true, "{}", log[0]);
    let actions: Vec<&str> = mine
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "search",
            "view",
            "page_image",
            "page_image",
            "download",
            "download"
        ]
    );
    for e in &mine {
        assert_eq!(e["documents"], json!([own]), "{e}");
        assert_eq!(e["address"], "127.0.0.1");
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
    }
    assert_eq!(mine.last().unwrap()["detail"]["query"], "opening hours");
    // The command line's own imports and user changes are there too.
    assert!(log.iter().any(|e| e["action"] == "import"
        && e["documents"] == json!([w.other])
        && e["actor"].as_str().unwrap().starts_with("local:")));
    assert!(log
        .iter()
        .any(|e| e["action"] == "user_change" && e["detail"]["user"] == "clerk_h"));
    assert!(log.iter().any(|e| e["action"] == "token_change"));

    // Filters, on the command line and over the API (auditors only).
    let out = w.a.run(&[
        "audit",
        "--json",
        "--user",
        "staff_h",
        "--doc",
        &own.to_string(),
    ]);
    let by: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(by.len(), 8, "six looks and the two image requests");
    let api = w
        .call(
            Some(w.token("auditor")),
            "GET",
            &format!("/api/audit?user=staff_h&doc={own}&since=2000-01-01"),
            b"",
        )
        .json();
    assert_eq!(api["entries"].as_array().unwrap().len(), 8, "{api}");

    // The chain verifies; a changed entry (by hand, past the guard) breaks it.
    let out = w.a.run(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop(w.server);
    let conn = rusqlite::Connection::open(w.a.dir.join("audit.sqlite")).unwrap();
    let refused = conn.execute(
        "UPDATE audit SET actor = 'someone' WHERE actor = 'staff_h'",
        [],
    );
    assert!(refused.is_err(), "the table refuses edits");
    conn.execute_batch(
        "DROP TRIGGER audit_no_update;
         UPDATE audit SET actor = 'someone' WHERE seq = (SELECT min(seq) FROM audit WHERE actor = 'staff_h');",
    )
    .unwrap();
    drop(conn);
    let out = w.a.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("BROKEN"));
}

/// A new archive's first `serve` creates an administrator with a one-time
/// password, printed once, good only for choosing a new one.
#[test]
fn the_first_administrator_gets_a_one_time_password() {
    let a = TestArchive::new();
    let server = Server::start(&a);
    let banner = server.banner.join("\n");
    // The password is not printed (a service's stderr goes to its
    // journal): it is in a file only the archive's owner can read.
    let file = a.dir.join("initial-admin-password");
    assert!(banner.contains(&file.display().to_string()), "{banner}");
    assert!(banner.contains("user:     admin"), "{banner}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let text = std::fs::read_to_string(&file).unwrap();
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap_or_else(|| panic!("no password in {text}"))
        .to_string();
    assert!(!banner.contains(&password), "{banner}");
    let login = |pw: &str| {
        let body = json!({"user": "admin", "password": pw}).to_string();
        server.send(
            "POST",
            "/api/login",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    };
    let first = login(&password);
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["must_change_password"], true);
    let cookie = first
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = first.json()["csrf_token"].as_str().unwrap().to_string();
    let blocked = server.send("GET", "/api/search?q=x", &[("Cookie", &cookie)], b"");
    assert_eq!(blocked.status, 403);
    assert_eq!(blocked.json()["error"]["code"], "password_change_required");
    let change = json!({"current": password, "new": "my-own-password-9"}).to_string();
    let changed = server.send(
        "POST",
        "/api/password",
        &[
            ("Content-Type", "application/json"),
            ("Cookie", &cookie),
            ("X-CSRF-Token", &csrf),
        ],
        change.as_bytes(),
    );
    assert_eq!(changed.status, 200, "{}", changed.json());
    assert_eq!(changed.json()["must_change_password"], false);
    assert!(!file.exists(), "the spent password's file is removed");
    let cookie2 = changed
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(cookie2, cookie, "a new session after the change");
    let facets = server.send("GET", "/api/facets", &[("Cookie", &cookie2)], b"");
    assert_eq!(facets.status, 200);
    // The one-time password is spent; the new one works.
    assert_eq!(login(&password).status, 401);
    assert_eq!(login("my-own-password-9").status, 200);
    drop(server);
    // A second start creates nobody and prints no password.
    let again = Server::start(&a);
    assert!(
        !again.banner.join("\n").contains("password:"),
        "{:?}",
        again.banner
    );
}

#[test]
fn revoked_tokens_and_revoked_branches_stop_working() {
    let w = world(&[]);
    let staff = w.token("staff").to_string();
    let own = format!("/api/documents/{}", w.own);
    assert_eq!(w.call(Some(&staff), "GET", &own, b"").status, 200);
    let out = w.a.run(&["user", "revoke", "staff_h", "--branch", "hofuf"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(w.call(Some(&staff), "GET", &own, b"").status, 404);
    let out = w.a.run(&[
        "user", "grant", "staff_h", "--branch", "hofuf", "--branch", "omran",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let other = format!("/api/documents/{}", w.other);
    assert_eq!(w.call(Some(&staff), "GET", &other, b"").status, 200);

    let list = w.a.run(&["token", "list", "staff_h", "--json"]);
    let tokens: Vec<Value> = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(tokens.len(), 1);
    assert!(
        !String::from_utf8_lossy(&list.stdout).contains(&staff),
        "secrets are never listed"
    );
    // Staff who leave are disabled: no login, no session, no token.
    let (ok, cookie, _) = w.login("staff_h", PASSWORD, None);
    assert_eq!(ok.status, 200);
    assert!(w.a.run(&["user", "disable", "staff_h"]).status.success());
    assert_eq!(w.call(Some(&staff), "GET", &own, b"").status, 401);
    let me = w.server.send("GET", "/api/me", &[("Cookie", &cookie)], b"");
    assert_eq!(me.status, 401);
    let (refused, _, _) = w.login("staff_h", PASSWORD, None);
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["error"]["code"], "bad_credentials");
    let out = w.a.run(&["user", "disable", "root"]);
    assert!(!out.status.success(), "the last administrator stays");
    assert!(
        stderr(&out).contains("last administrator"),
        "{}",
        stderr(&out)
    );
    assert!(w.a.run(&["user", "enable", "staff_h"]).status.success());
    // Disabling revoked the token: enabled again, the user needs a new one.
    assert_eq!(w.call(Some(&staff), "GET", &own, b"").status, 401);
    let staff = w.a.token("staff_h");
    assert_eq!(w.call(Some(&staff), "GET", &own, b"").status, 200);

    let list = w.a.run(&["token", "list", "staff_h", "--json"]);
    let tokens: Vec<Value> = serde_json::from_slice(&list.stdout).unwrap();
    let live: Vec<_> = tokens
        .iter()
        .filter(|t| t["revoked_at"].is_null())
        .collect();
    assert_eq!(live.len(), 1, "{tokens:?}");
    let id = live[0]["id"].as_i64().unwrap().to_string();
    assert!(w.a.run(&["token", "revoke", &id]).status.success());
    assert_eq!(w.call(Some(&staff), "GET", &own, b"").status, 401);

    let users = w.a.run(&["user", "list", "--json"]);
    let users: Vec<Value> = serde_json::from_slice(&users.stdout).unwrap();
    let staff_user = users.iter().find(|u| u["name"] == "staff_h").unwrap();
    assert_eq!(staff_user["branches"], json!(["hofuf", "omran"]));
    assert!(
        !String::from_utf8_lossy(&w.a.run(&["user", "list", "--json"]).stdout).contains("argon2")
    );
    // Weak passwords and unknown roles are refused with a reason.
    let out = w.a.run_with_stdin(
        &["user", "add", "x", "--role", "staff", "--password-stdin"],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("at least"), "{}", stderr(&out));
    let out = w.a.run_with_stdin(
        &["user", "add", "y", "--role", "root", "--password-stdin"],
        "long-enough-pw\n",
    );
    assert!(stderr(&out).contains("not a role"), "{}", stderr(&out));
}

/// Behind a local TLS proxy (`--behind-proxy`) the client's address and
/// scheme come from the proxy's headers: the audit log names the real
/// client and the session cookie is Secure. Without the flag the same
/// headers are ignored, since any client could send them.
#[test]
fn forwarded_headers_count_only_behind_a_proxy() {
    for (flags, address, secure) in [
        (&["--behind-proxy"][..], "203.0.113.9", true),
        (&[][..], "127.0.0.1", false),
    ] {
        let w = world(flags);
        let body = json!({"user": "staff_h", "password": PASSWORD}).to_string();
        let a = w.server.send(
            "POST",
            "/api/login",
            &[
                ("Content-Type", "application/json"),
                ("X-Forwarded-For", "198.51.100.1, 203.0.113.9"),
                ("X-Forwarded-Proto", "https"),
            ],
            body.as_bytes(),
        );
        assert_eq!(a.status, 200);
        assert_eq!(
            a.header("set-cookie").contains("; Secure"),
            secure,
            "{flags:?}"
        );
        let log = w.audit();
        let login = log.iter().find(|e| e["action"] == "login").unwrap();
        assert_eq!(login["address"], address, "{flags:?}");
    }
}

/// Issue 20.1: logins that arrive together cannot get around the throttle.
/// 40 at once for one user (39 wrong passwords, then the right one): no
/// more password checks are answered than a run of sequential logins would
/// get (five), and the rest are refused without a check.
#[test]
fn concurrent_logins_get_no_more_checks_than_sequential_ones() {
    let w = world(&[]);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..40)
            .map(|i| {
                let w = &w;
                scope.spawn(move || {
                    let password = if i == 39 { PASSWORD } else { "guess-guess-1" };
                    w.login("clerk_h", password, None).0.status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| matches!(s, 200 | 401)).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(checked <= 5, "{checked} password checks: {statuses:?}");
    assert_eq!(checked + refused, 40, "{statuses:?}");
    // After the burst the name is locked, even for the right password.
    assert_eq!(w.login("clerk_h", PASSWORD, None).0.status, 429);
    // The burst left a handful of entries, not forty.
    let log = w.audit();
    let failed = log
        .iter()
        .filter(|e| e["action"] == "login_failed" && e["actor"] == "clerk_h")
        .count();
    assert!(failed <= 6, "{failed} entries");
}

/// Issue 20.2: an unauthenticated client cannot fill the disk through the
/// audit log. Names no account can have are refused before anything is
/// logged, login bodies are small, and a flood of throttled logins is
/// written as counts.
#[test]
fn a_login_flood_leaves_a_few_small_audit_entries() {
    let w = world(&[]);
    let before = w.audit().len();
    let send = |body: &[u8]| {
        w.server.send(
            "POST",
            "/api/login",
            &[("Content-Type", "application/json")],
            body,
        )
    };
    // Too long, control characters, a line break: 400, and nothing logged.
    for name in [
        "a".repeat(65),
        "x".repeat(1_900_000),
        "root\u{1b}[31m".to_string(),
        "root\nforged line".to_string(),
        String::new(),
    ] {
        let body = json!({"user": name, "password": "guess-guess-1"}).to_string();
        let a = send(body.as_bytes());
        let expected = if body.len() > 4096 { 413 } else { 400 };
        assert_eq!(a.status, expected, "{}", &name[..name.len().min(20)]);
    }
    assert_eq!(w.audit().len(), before, "refused names are not logged");

    // A flood from one address with ever new names: the address is locked
    // after its free failures, and every later try is only counted.
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..300 {
        let body = json!({"user": format!("guess{i:04}"), "password": "guess-guess-1"});
        *statuses
            .entry(send(body.to_string().as_bytes()).status)
            .or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&429), Some(&280), "{statuses:?}");
    let log = w.audit();
    let added = &log[..log.len() - before];
    let bytes: usize = added.iter().map(|e| e.to_string().len()).sum();
    assert!(added.len() <= 21, "{} entries", added.len());
    assert!(bytes < 12 * 1024, "{bytes} bytes in the audit log");
}

/// Issue 20.3: uploading a byte-identical copy of another branch's file
/// brings the document into the uploader's view (their copy), but not
/// into their hands: they cannot correct what the other branch sees, do
/// not see who there corrected it, and the upload report does not say
/// which branch holds the file.
#[test]
fn a_duplicate_upload_does_not_open_another_branchs_document_to_edits() {
    let w = world(&[]);
    let (admin, clerk) = (w.token("admin"), w.token("clerk"));
    let doc = format!("/api/documents/{}", w.other);
    let fixed = json!({"title": "محضر مخالفة رقم ٥٥٢"}).to_string();
    let a = w.call(Some(admin), "PATCH", &doc, fixed.as_bytes());
    assert_eq!(a.status, 200, "{}", a.json());

    let bytes = std::fs::read(pdf(OMRAN_PDF)).unwrap();
    let body = multipart(&[("file", Some("scan-0007.pdf"), &bytes)]);
    let up = w.call(Some(clerk), "POST", "/api/documents", &body);
    assert_eq!(up.status, 200, "{}", up.json());
    assert_eq!(up.json()["duplicates"], 1, "{}", up.json());
    assert!(
        !String::from_utf8_lossy(&up.body).contains("omran"),
        "the report names the other branch: {}",
        up.json()
    );

    // The clerk now sees their own copy, without the other branch's
    // sources or the name of whoever corrected it.
    let seen = w.call(Some(clerk), "GET", &doc, b"");
    assert_eq!(seen.status, 200);
    let v = seen.json();
    assert_eq!(v["title"], "محضر مخالفة رقم ٥٥٢");
    assert!(v["corrected"]["by"].is_null(), "{}", v["corrected"]);
    assert!(!seen.body.windows(5).any(|w| w == b"omran"), "{v}");

    // But may not change it.
    let change = json!({"title": "changed by hofuf"}).to_string();
    let refused = w.call(Some(clerk), "PATCH", &doc, change.as_bytes());
    assert_eq!(refused.status, 403, "{}", refused.json());
    assert_eq!(refused.json()["error"]["code"], "shared_document");
    let after = w.call(Some(admin), "GET", &doc, b"").json();
    assert_eq!(after["title"], "محضر مخالفة رقم ٥٥٢");
    assert_eq!(after["corrected"]["by"], "root");
    // Their own branch's documents they still correct.
    let own = format!("/api/documents/{}", w.own);
    let mine = w.call(Some(clerk), "PATCH", &own, change.as_bytes());
    assert_eq!(mine.status, 200, "{}", mine.json());
}

/// Issue 20.10: an upload for a branch the clerk does not hold is refused
/// as soon as the branch field arrives, before the files are read.
#[test]
fn an_upload_to_a_branch_not_held_is_refused_before_its_files_arrive() {
    use std::io::{Read, Write};
    let w = world(&["--max-upload-mib", "64"]);
    let clerk = w.token("clerk");
    let head = "--XyZ\r\nContent-Disposition: form-data; name=\"branch\"\r\n\r\nomran\r\n\
                --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\
                Content-Type: application/pdf\r\n\r\n%PDF-1.4\n";
    let declared = head.len() + 50 * 1024 * 1024;
    let mut s = std::net::TcpStream::connect(&w.server.addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    write!(
        s,
        "POST /api/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {clerk}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {declared}\r\n\r\n{head}"
    )
    .unwrap();
    // The rest of the 50 MiB is never sent: the answer must come anyway.
    let mut answer = [0u8; 512];
    let n = s.read(&mut answer).expect("answered before the body");
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("branch_not_held"), "{answer}");
}

/// Issue 20.6: a client that sends its headers slowly, or keeps an idle
/// connection open, is disconnected.
#[test]
fn slow_and_idle_connections_are_closed() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let w = world(&[]);
    let closed_after = |mut s: std::net::TcpStream, trickle: bool| -> Duration {
        let t0 = Instant::now();
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let mut buf = [0u8; 4096];
        loop {
            assert!(t0.elapsed() < Duration::from_secs(40), "still open");
            if trickle {
                // One header line every 2 s, never the end of the head.
                if s.write_all(b"X-Slow: 1\r\n").is_err() {
                    return t0.elapsed();
                }
            }
            match s.read(&mut buf) {
                Ok(0) => return t0.elapsed(),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return t0.elapsed(),
            }
            if trickle {
                std::thread::sleep(Duration::from_millis(1500));
            }
        }
    };
    let addr = w.server.addr.clone();
    let slow = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(b"GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        closed_after(s, true)
    });
    // An idle kept-alive connection, after one full answer.
    let mut s = std::net::TcpStream::connect(&w.server.addr).unwrap();
    s.write_all(b"GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut first = [0u8; 64];
    let n = s.read(&mut first).unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200"));
    let idle = closed_after(s, false);
    let slow = slow.join().unwrap();
    assert!(
        slow <= Duration::from_secs(15),
        "slow headers kept {slow:?}"
    );
    assert!(
        idle <= Duration::from_secs(15),
        "idle connection kept {idle:?}"
    );
}

/// Issue 20.7: what a clerk's search returns does not change when another
/// branch imports a document holding the same words (raw BM25 scores,
/// computed over every branch's documents, would).
#[test]
fn search_results_do_not_move_when_another_branch_imports() {
    let w = world(&[]);
    let clerk = w.token("clerk");
    let probe = |q: &str| {
        let a = w.call(
            Some(clerk),
            "GET",
            &format!("/api/search?q={}", enc(q)),
            b"",
        );
        assert_eq!(a.status, 200);
        let mut v = a.json();
        assert!(v["total"].as_u64().unwrap() >= 1, "{q}: {v}");
        for h in v["hits"].as_array_mut().unwrap() {
            assert!(h.get("score").is_none(), "raw score shown: {h}");
            assert_eq!(h["rank"], 1);
            h.as_object_mut().unwrap().remove("id");
        }
        v
    };
    let before = probe("hours");
    // omran imports a further document: the index's statistics change
    // (how many documents there are, how long they are).
    let bytes = std::fs::read(pdf(THIRD_PDF)).unwrap();
    let body = multipart(&[("branch", None, b"omran"), ("file", Some("t.pdf"), &bytes)]);
    let up = w.call(Some(w.token("admin")), "POST", "/api/documents", &body);
    assert_eq!(up.status, 200, "{}", up.json());
    assert_eq!(up.json()["ingested"], 1);
    assert_eq!(probe("hours"), before);
}

/// Issue 20.8: a read of another branch's document is answered 404 like a
/// missing one, and audited as `denied` (repeats as a count); reads of the
/// audit log are audited too.
#[test]
fn refused_reads_and_audit_reads_are_audited() {
    let w = world(&[]);
    let clerk = w.token("clerk");
    for path in ["", "/original", "/pages/1/image", "/matches?q=x"] {
        let a = w.call(
            Some(clerk),
            "GET",
            &format!("/api/documents/{}{path}", w.other),
            b"",
        );
        assert_eq!(a.status, 404, "{path}");
    }
    // A document that does not exist is not a denial.
    assert_eq!(
        w.call(Some(clerk), "GET", "/api/documents/999999", b"")
            .status,
        404
    );
    // A denial is written without holding up its 404: wait for it.
    let mut log = Vec::new();
    for _ in 0..50 {
        log = w.audit();
        if log.iter().any(|e| e["action"] == "denied") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let denied: Vec<_> = log.iter().filter(|e| e["action"] == "denied").collect();
    assert_eq!(
        denied.len(),
        1,
        "first written, repeats counted: {denied:?}"
    );
    assert_eq!(denied[0]["actor"], "clerk_h");
    assert_eq!(denied[0]["documents"], json!([w.other]));
    let read = w.call(
        Some(w.token("auditor")),
        "GET",
        "/api/audit?limit=1000",
        b"",
    );
    assert_eq!(read.status, 200);
    let api_log = read.json()["entries"].as_array().unwrap().clone();
    assert!(api_log.iter().any(|e| e["action"] == "denied"));
    // The auditor's read shows up in the next read.
    let again = w.call(Some(w.token("auditor")), "GET", "/api/audit?limit=5", b"");
    let entries = again.json()["entries"].as_array().unwrap().clone();
    let reads: Vec<_> = entries
        .iter()
        .filter(|e| e["action"] == "audit_read" && e["actor"] == "auditor")
        .collect();
    assert_eq!(reads.len(), 1, "{entries:?}");
    assert_eq!(reads[0]["detail"]["filter"]["limit"], 1000);
}

/// Issue 20.10: a password change can revoke the user's API tokens, and
/// disabling a user revokes them for good.
#[test]
fn tokens_can_be_revoked_with_a_password_change_and_die_with_a_disable() {
    let w = world(&[]);
    let me = |token: &str| w.call(Some(token), "GET", "/api/me", b"").status;
    let (clerk, staff) = (w.token("clerk").to_string(), w.token("staff").to_string());
    assert_eq!((me(&clerk), me(&staff)), (200, 200));
    // A plain password change keeps the tokens (scanners go on working).
    let out = w.a.run_with_stdin(
        &["user", "passwd", "staff_h", "--password-stdin"],
        "another-password-2\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(me(&staff), 200);
    // With --revoke-tokens they stop at once.
    let out = w.a.run_with_stdin(
        &[
            "user",
            "passwd",
            "clerk_h",
            "--password-stdin",
            "--revoke-tokens",
        ],
        "another-password-2\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 API token(s) were revoked"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(me(&clerk), 401);
    // Disabling revokes; enabling again brings none back.
    assert!(w.a.run(&["user", "disable", "staff_h"]).status.success());
    assert!(w.a.run(&["user", "enable", "staff_h"]).status.success());
    assert_eq!(me(&staff), 401);
}

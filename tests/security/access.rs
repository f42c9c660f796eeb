//! Who may do what, and what another branch's staff can see.

use std::collections::BTreeSet;

use crate::common::http::*;
use crate::common::*;
use serde_json::{json, Value};

use crate::world::*;

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
        // Turning a page and reading it again: as correcting.
        rows.push((
            "POST",
            "/api/documents/{id}/pages/{n}/rotate",
            format!("/api/documents/{id}/pages/1/rotate"),
            json!({"degrees": 180}).to_string().into_bytes(),
            correcting,
        ));
    }
    // Downloading a selection: whoever may search, of their own branches.
    rows.push((
        "POST",
        "/api/documents/download",
        "/api/documents/download".to_string(),
        json!({"ids": [w.own], "format": "zip"})
            .to_string()
            .into_bytes(),
        [401, 200, 200, 200, 403],
    ));
    // Saved views and import tasks: each user's own.
    rows.push((
        "GET",
        "/api/views",
        "/api/views".to_string(),
        Vec::new(),
        [401, 200, 200, 200, 200],
    ));
    rows.push((
        "POST",
        "/api/views",
        "/api/views".to_string(),
        json!({"name": "mine", "filters": {}, "sort": "-imported"})
            .to_string()
            .into_bytes(),
        [401, 201, 201, 201, 201],
    ));
    rows.push((
        "DELETE",
        "/api/views/{id}",
        "/api/views/999999".to_string(),
        Vec::new(),
        [401, 404, 404, 404, 404],
    ));
    rows.push((
        "GET",
        "/api/tasks",
        "/api/tasks".to_string(),
        Vec::new(),
        [401, 200, 200, 200, 200],
    ));
    rows.push((
        "GET",
        "/api/tasks/{id}",
        "/api/tasks/no-such-task".to_string(),
        Vec::new(),
        [401, 404, 404, 404, 404],
    ));
    rows.push((
        "POST",
        "/api/documents/bulk",
        "/api/documents/bulk".to_string(),
        json!({"ids": [w.own, w.other], "set": {"review": "done"}})
            .to_string()
            .into_bytes(),
        [401, 200, 200, 403, 403],
    ));
    rows.push((
        "GET",
        "/api/documents",
        "/api/documents?limit=5".to_string(),
        Vec::new(),
        [401, 200, 200, 200, 403],
    ));
    // The records lifecycle: administrators only (on a document that does
    // not exist, so that no later row finds its document in the trash).
    let records_only = [401, 404, 403, 403, 403];
    let reason = json!({"reason": "matrix"}).to_string().into_bytes();
    for (method, route, path, body) in [
        (
            "DELETE",
            "/api/documents/{id}",
            "/api/documents/999999",
            reason.clone(),
        ),
        (
            "POST",
            "/api/documents/{id}/restore",
            "/api/documents/999999/restore",
            Vec::new(),
        ),
        (
            "POST",
            "/api/documents/{id}/hold",
            "/api/documents/999999/hold",
            reason.clone(),
        ),
        (
            "DELETE",
            "/api/documents/{id}/hold",
            "/api/documents/999999/hold",
            Vec::new(),
        ),
    ] {
        rows.push((method, route, path.to_string(), body, records_only));
    }
    // A rescan: as correcting and importing; an earlier version: as reading.
    rows.push((
        "POST",
        "/api/documents/{id}/rescan",
        "/api/documents/999999/rescan".to_string(),
        b"not a scan".to_vec(),
        [401, 404, 404, 403, 403],
    ));
    rows.push((
        "GET",
        "/api/documents/{id}/versions/{n}",
        "/api/documents/999999/versions/1".to_string(),
        Vec::new(),
        [401, 404, 404, 404, 403],
    ));
    for route in ["/api/trash", "/api/holds"] {
        rows.push((
            "GET",
            route,
            route.to_string(),
            Vec::new(),
            [401, 200, 403, 403, 403],
        ));
    }
    let public = [200, 200, 200, 200, 200];
    rows.extend([
        ("GET", "/", "/".to_string(), Vec::new(), public),
        (
            "GET",
            "/ui/{file}",
            "/ui/app.js".to_string(),
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
        // Operations: liveness and readiness for anyone (they say nothing
        // but ok or which component fails); metrics for administrators.
        (
            "GET",
            "/healthz",
            "/healthz".to_string(),
            Vec::new(),
            public,
        ),
        ("GET", "/readyz", "/readyz".to_string(), Vec::new(), public),
        (
            "GET",
            "/metrics",
            "/metrics".to_string(),
            Vec::new(),
            [401, 200, 403, 403, 403],
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
            "GET",
            "/api/types",
            "/api/types".to_string(),
            Vec::new(),
            [401, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/api/types",
            "/api/types".to_string(),
            json!({"slug": "tender", "ar": "مناقصة", "en": "Tender"})
                .to_string()
                .into_bytes(),
            [401, 201, 403, 403, 403],
        ),
        (
            "PATCH",
            "/api/types/{slug}",
            "/api/types/memo".to_string(),
            json!({"en": "Internal memo"}).to_string().into_bytes(),
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
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("'root'") && err.contains("admin, clerk, staff, auditor"),
        "{err}"
    );
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

/// The document list and bulk edits keep to the caller's branches: another
/// branch's document is not listed, and editing it in a bulk edit fails for
/// that document alone, as "no such document", audited as a refused read.
#[test]
fn the_document_list_and_bulk_edits_keep_to_the_callers_branches() {
    let w = world(&[]);
    let listed = |token: &str, query: &str| -> Value {
        let a = w.call(Some(token), "GET", &format!("/api/documents?{query}"), &[]);
        assert_eq!(a.status, 200, "{}", a.json());
        a.json()
    };
    let ids = |v: &Value| -> Vec<i64> {
        v["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect()
    };
    let admin = listed(w.token("admin"), "");
    assert!(ids(&admin).contains(&w.own) && ids(&admin).contains(&w.other));
    let staff = listed(w.token("staff"), "limit=100");
    assert!(ids(&staff).contains(&w.own));
    assert!(
        !ids(&staff).contains(&w.other),
        "another branch's document is not listed"
    );
    assert_eq!(staff["total"].as_u64().unwrap() as usize, ids(&staff).len());
    let other_branch = listed(w.token("staff"), "branch=omran");
    assert_eq!(other_branch["total"], 0);
    // new documents wait for review
    assert!(admin["documents"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["review"] == "pending"));

    let body = json!({"ids": [w.own, w.other], "set": {"review": "done"}}).to_string();
    let a = w.call(
        Some(w.token("clerk")),
        "POST",
        "/api/documents/bulk",
        body.as_bytes(),
    );
    let v = a.json();
    assert_eq!(a.status, 200, "{v}");
    assert_eq!(v["results"][0]["ok"], true);
    assert_eq!(v["results"][0]["changes"]["review"]["to"], "done");
    assert_eq!(v["results"][1]["ok"], false);
    assert_eq!(v["results"][1]["error"]["code"], "no_such_document");
    let pending = listed(w.token("clerk"), "review=pending&limit=100");
    assert!(
        !ids(&pending).contains(&w.own),
        "reviewed: out of the queue"
    );
    let done = listed(w.token("clerk"), "review=done");
    assert!(ids(&done).contains(&w.own));
    let log = w.audit();
    let bulk = log
        .iter()
        .find(|e| e["action"] == "bulk_edit")
        .expect("a bulk_edit entry");
    assert_eq!(bulk["documents"], json!([w.own]));
    assert!(log.iter().any(|e| e["action"] == "denied"));
    // a bad sort or review is a clear 400
    let a = w.call(
        Some(w.token("clerk")),
        "GET",
        "/api/documents?sort=size",
        &[],
    );
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["error"]["code"], "bad_sort");
}

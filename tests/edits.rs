//! Staff's edits over HTTP and the command line: correcting reference
//! numbers, moving documents between branches, saved views, downloading a
//! selection as one zip.

mod common;

use std::io::Read;

use common::http::*;
use common::*;
use serde_json::{json, Value};

const PASSWORD: &str = "a long password 1";

/// An archive with the violation report (reference 1445/552) and the
/// circular, both of Hofuf; a server on it; tokens of an administrator, a
/// Hofuf clerk, and Hofuf and Mubarraz staff.
struct World {
    a: TestArchive,
    server: Server,
    violation: i64,
    circular: i64,
    admin: String,
    clerk: String,
    hofuf: String,
    mubarraz: String,
}

fn world() -> World {
    let a = TestArchive::new();
    let violation = samples().join("pdf/محضر مخالفة 1445-552.pdf");
    let circular = samples().join("pdf/circular 12-1445 opening hours.pdf");
    let (r, code) = a.ingest(&["--branch", "hofuf"], &[&violation, &circular]);
    assert_eq!(code, 0, "{r}");
    let id_of = |q: &str| a.found(q)[0];
    let (violation, circular) = (id_of("1445/552"), id_of("opening hours"));
    assert_ne!(violation, circular);
    let admin = a.admin_token();
    for (name, role, branch) in [
        ("sara", "clerk", "hofuf"),
        ("omar", "staff", "hofuf"),
        ("huda", "staff", "mubarraz"),
    ] {
        a.add_user(name, role, &[branch], PASSWORD);
    }
    let (clerk, hofuf, mubarraz) = (a.token("sara"), a.token("omar"), a.token("huda"));
    let server = Server::start(&a);
    World {
        a,
        server,
        violation,
        circular,
        admin,
        clerk,
        hofuf,
        mubarraz,
    }
}

impl World {
    fn call(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> Answer {
        let auth = format!("Bearer {token}");
        let mut headers = vec![("Authorization", auth.as_str())];
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        if !body.is_empty() {
            headers.push(("Content-Type", "application/json"));
        }
        self.server.send(method, path, &headers, body.as_bytes())
    }
}

fn hit_ids(v: &Value) -> Vec<i64> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_corrected_reference_number_is_what_search_and_the_list_know() {
    let w = world();
    let id = w.violation;
    let before = w.a.show(&id.to_string());
    assert_eq!(before["reference_numbers"], json!(["1445/552"]), "{before}");

    // A clerk corrects the misread number, in Arabic-Indic digits.
    let r = w.call(
        &w.clerk,
        "PATCH",
        &format!("/api/documents/{id}"),
        Some(json!({"reference_numbers": ["٤٤٥١٢٣٤"]})),
    );
    assert_eq!(r.status, 200, "{}", r.json());
    assert_eq!(r.json()["reference_numbers"], json!(["٤٤٥١٢٣٤"]));
    assert_eq!(r.json()["reference_numbers_read"], json!(["1445/552"]));
    assert_eq!(
        w.a.show(&id.to_string())["reference_numbers"],
        json!(["٤٤٥١٢٣٤"])
    );

    // Western digits find it, over HTTP and on the command line.
    let auth = format!("Bearer {}", w.clerk);
    let found = w.server.send(
        "GET",
        "/api/search?q=4451234",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(hit_ids(&found.json()), vec![id], "{}", found.json());
    assert_eq!(w.a.found("4451234"), vec![id]);
    // The misread number is no longer the document's reference number (its
    // printed text still holds it).
    let old = w.a.search(&[], "1445/552");
    for h in old["hits"].as_array().unwrap() {
        assert_ne!(h["reference_numbers"], json!(["1445/552"]), "{h}");
    }

    // The list shows it (and orders by it: `number` sorts by the first
    // reference number as the index holds it).
    let list = w.call(&w.clerk, "GET", "/api/documents?sort=number", None);
    assert_eq!(list.status, 200);
    let listed = list.json();
    let doc = listed["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(doc["reference_numbers"], json!(["٤٤٥١٢٣٤"]));

    // Bad numbers are refused; an empty list means none.
    let bad = w.call(
        &w.clerk,
        "PATCH",
        &format!("/api/documents/{id}"),
        Some(json!({"reference_numbers": ["no digits"]})),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["code"], "bad_correction");
    let bulk = w.call(
        &w.clerk,
        "POST",
        "/api/documents/bulk",
        Some(json!({"ids": [id], "set": {"reference_numbers": []}})),
    );
    assert_eq!(bulk.status, 200, "{}", bulk.json());
    assert_eq!(
        bulk.json()["results"][0]["changes"]["reference_numbers"],
        json!({"from": ["٤٤٥١٢٣٤"], "to": []})
    );
    assert!(w.a.found("4451234").is_empty());

    // The command line: --ref, then --ref auto back to what was read.
    let out =
        w.a.run(&["set", &id.to_string(), "--ref", "1445/553", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(w.a.found("1445/553"), vec![id]);
    let out =
        w.a.run(&["set", &id.to_string(), "--ref", "auto", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        w.a.show(&id.to_string())["reference_numbers"],
        json!(["1445/552"])
    );
}

#[test]
fn an_administrator_moves_a_document_and_branch_scopes_follow() {
    let w = world();
    let id = w.violation;
    let path = format!("/api/documents/{id}");
    let move_it = json!({"branch": "mubarraz"});
    // Only administrators move documents.
    let r = w.call(&w.clerk, "PATCH", &path, Some(move_it.clone()));
    assert_eq!(r.status, 403, "{}", r.json());
    assert_eq!(r.json()["error"]["code"], "forbidden");
    let r = w.call(
        &w.clerk,
        "POST",
        "/api/documents/bulk",
        Some(json!({"ids": [id], "set": move_it})),
    );
    assert_eq!(r.status, 403, "{}", r.json());
    assert_eq!(w.call(&w.hofuf, "GET", &path, None).status, 200);

    let r = w.call(&w.admin, "PATCH", &path, Some(move_it));
    assert_eq!(r.status, 200, "{}", r.json());
    assert_eq!(r.json()["branch"], "mubarraz");
    assert_eq!(w.call(&w.hofuf, "GET", &path, None).status, 404);
    assert_eq!(w.call(&w.mubarraz, "GET", &path, None).status, 200);
    let listed = w.call(&w.mubarraz, "GET", "/api/documents?branch=mubarraz", None);
    let ids: Vec<i64> = listed.json()["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id]);

    // The command line moves it back; the audit log has both moves.
    let out = w.a.run(&["set", &id.to_string(), "--branch", "hofuf"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(w.call(&w.hofuf, "GET", &path, None).status, 200);
    let audit = w.call(&w.admin, "GET", &format!("/api/audit?doc={id}"), None);
    let moves: Vec<Value> = audit.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["detail"].get("branch").cloned())
        .collect();
    assert!(
        moves.contains(&json!({"from": ["hofuf"], "to": ["mubarraz"]})),
        "{moves:?}"
    );
}

#[test]
fn each_user_keeps_their_own_saved_views() {
    let w = world();
    let view = json!({
        "name": "رخص الهفوف",
        "filters": {"branch": "hofuf", "type": "licence", "from": "2024-01-01", "review": "pending"},
        "sort": "-imported",
    });
    let r = w.call(&w.clerk, "POST", "/api/views", Some(view.clone()));
    assert_eq!(r.status, 201, "{}", r.json());
    let made = r.json();
    assert_eq!(
        made["filters"],
        json!({"branch": "hofuf", "type": "licence", "from": "2024-01-01", "to": null,
               "imported_from": null, "imported_to": null, "review": "pending", "q": ""})
    );
    let listed = w.call(&w.clerk, "GET", "/api/views", None).json();
    assert_eq!(listed, json!({"views": [made.clone()]}));
    assert_eq!(
        w.call(&w.hofuf, "GET", "/api/views", None).json(),
        json!({"views": []})
    );
    let again = w.call(&w.clerk, "POST", "/api/views", Some(view));
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["error"]["code"], "view_exists");
    for (body, code) in [
        (json!({"name": "x", "sort": "newest"}), "bad_sort"),
        (
            json!({"name": "x", "filters": {"from": "yesterday"}}),
            "bad_date",
        ),
        (
            json!({"name": "x", "filters": {"review": "maybe"}}),
            "bad_review",
        ),
        (
            json!({"name": "x", "filters": {"branch": "a/b"}}),
            "bad_branch",
        ),
        (json!({"name": "x".repeat(81)}), "bad_view"),
    ] {
        let r = w.call(&w.clerk, "POST", "/api/views", Some(body.clone()));
        assert_eq!(r.status, 422, "{body}: {}", r.json());
        assert_eq!(r.json()["error"]["code"], code, "{body}");
    }
    let id = made["id"].as_i64().unwrap();
    let other = w.call(&w.hofuf, "DELETE", &format!("/api/views/{id}"), None);
    assert_eq!(other.status, 404);
    assert_eq!(other.json()["error"]["code"], "no_such_view");
    let gone = w.call(&w.clerk, "DELETE", &format!("/api/views/{id}"), None);
    assert_eq!(gone.status, 204);
    assert_eq!(
        w.call(&w.clerk, "DELETE", &format!("/api/views/{id}"), None)
            .status,
        404
    );
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_string(), data)
        })
        .collect()
}

#[test]
fn a_selection_downloads_as_one_zip_of_originals_or_a_bag() {
    let w = world();
    let ids = [w.violation, w.circular];
    let r = w.call(
        &w.hofuf,
        "POST",
        "/api/documents/download",
        Some(json!({"ids": ids, "format": "zip"})),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), "application/zip");
    let cd = r.header("content-disposition");
    assert!(
        cd.starts_with("attachment; filename=\"arshif-") && cd.contains(".zip\""),
        "{cd}"
    );
    let entries = unzip(&r.body);
    assert_eq!(entries.len(), 2);
    for id in ids {
        let doc = w.a.show(&id.to_string());
        let (name, data) = entries
            .iter()
            .find(|(n, _)| n.ends_with(&format!("-{id}.pdf")))
            .unwrap_or_else(|| panic!("no entry for {id}: {entries:?}"));
        assert!(!name.contains('/'), "{name}");
        assert_eq!(sha256_hex(data), doc["sha256"].as_str().unwrap());
    }

    let r = w.call(
        &w.hofuf,
        "POST",
        "/api/documents/download",
        Some(json!({"ids": ids, "format": "bag"})),
    );
    assert_eq!(r.status, 200);
    let entries = unzip(&r.body);
    let file = |name: &str| {
        entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert!(file("bag/bagit.txt").contains("BagIt-Version"));
    let manifest = file("bag/manifest-sha256.txt");
    for id in ids {
        let sha = w.a.show(&id.to_string())["sha256"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            manifest
                .lines()
                .any(|l| l.starts_with(&sha) && l.contains("data/originals/")),
            "{manifest}"
        );
    }

    // Another branch's document fails the whole download as a missing one.
    let theirs = w.call(
        &w.mubarraz,
        "POST",
        "/api/documents/download",
        Some(json!({"ids": [w.violation], "format": "zip"})),
    );
    let missing = w.call(
        &w.mubarraz,
        "POST",
        "/api/documents/download",
        Some(json!({"ids": [999999], "format": "zip"})),
    );
    assert_eq!((theirs.status, missing.status), (404, 404));
    assert_eq!(theirs.json()["error"]["code"], "no_such_document");
    let bad = w.call(
        &w.hofuf,
        "POST",
        "/api/documents/download",
        Some(json!({"ids": ids, "format": "rar"})),
    );
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["error"]["code"], "bad_format");

    // One audit entry names both documents.
    let audit = w.call(
        &w.admin,
        "GET",
        &format!("/api/audit?doc={}", w.violation),
        None,
    );
    let selection: Vec<Value> = audit.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["detail"]["what"] == "selection")
        .cloned()
        .collect();
    assert_eq!(selection.len(), 2, "{selection:?}");
    assert_eq!(selection[0]["documents"].as_array().unwrap().len(), 2);
}

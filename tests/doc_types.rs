//! Document types the administrator keeps (`arshif type`, `/api/types`),
//! types checked wherever a type is given, and titles that tell documents
//! apart.

mod common;

use common::http::*;
use common::*;
use serde_json::{json, Value};

fn circular_en() -> std::path::PathBuf {
    samples().join("pdf/circular 12-1445 opening hours.pdf")
}

fn circular_ar() -> std::path::PathBuf {
    samples().join("pdf/تعميم 14-1445 نظافة الأسواق.pdf")
}

fn types_json(a: &TestArchive) -> Value {
    let out = a.run(&["type", "list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn find<'a>(types: &'a Value, slug: &str) -> &'a Value {
    types["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == slug)
        .unwrap_or_else(|| panic!("no type {slug} in {types}"))
}

#[test]
fn types_on_the_command_line_and_titles_that_tell_documents_apart() {
    let a = TestArchive::new();
    let (r, code) = a.ingest(&["--branch", "hofuf"], &[&circular_en()]);
    assert_eq!(code, 0, "{r}");
    let (r, code) = a.ingest(&["--branch", "omran"], &[&circular_ar()]);
    assert_eq!(code, 0, "{r}");

    // Circulars are circulars now, and their titles are their subjects,
    // not "Al-Ahsa Municipality" / "أمانة محافظة الأحساء".
    let en = a.show("1");
    assert_eq!(en["doc_type"], "circular", "{en}");
    assert_eq!(
        en["title"], "Opening hours of branch municipalities during Ramadan",
        "{en}"
    );
    let ar = a.show("2");
    assert_eq!(ar["doc_type"], "circular", "{ar}");
    assert_eq!(ar["title"], "نظافة الأسواق الشعبية", "{ar}");

    // The defaults, in every archive, with their counts.
    let types = types_json(&a);
    let slugs: Vec<&str> = types["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        [
            "licence",
            "health-certificate",
            "violation-report",
            "letter",
            "contract",
            "circular",
            "memo",
            "decision",
            "permit",
            "other"
        ]
    );
    assert_eq!(
        find(&types, "circular"),
        &json!({"slug": "circular", "ar": "تعميم", "en": "Circular", "keywords": [], "documents": 2})
    );

    // Adding, renaming, keywords.
    let out = a.run(&[
        "type",
        "add",
        "tender",
        "--ar",
        "مناقصة",
        "--en",
        "Tender",
        "--keyword",
        "منافسة عامة",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = a.run(&["type", "add", "tender", "--ar", "مناقصة", "--en", "Tender"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("exists already"), "{}", stderr(&out));
    let out = a.run(&["type", "add", "x", "--ar", " ", "--en", "X"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("empty"), "{}", stderr(&out));
    let out = a.run(&[
        "type",
        "rename",
        "tender",
        "--en",
        "Tenders",
        "--keyword",
        "كراسة الشروط",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = a.run(&["type", "rename", "nope", "--en", "Nope"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no document type"),
        "{}",
        stderr(&out)
    );
    let types = types_json(&a);
    assert_eq!(
        find(&types, "tender"),
        &json!({"slug": "tender", "ar": "مناقصة", "en": "Tenders",
                "keywords": ["منافسة عامة", "كراسة الشروط"], "documents": 0})
    );

    // A type must be one the archive knows: at import and in a correction.
    let out = a.run(&[
        "ingest",
        "--doc-type",
        "brochure",
        &circular_en().to_string_lossy(),
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("unknown document type \"brochure\"") && err.contains("tender"),
        "{err}"
    );
    let out = a.run(&["set", "1", "--type", "brochure"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("licence, health-certificate"),
        "{}",
        stderr(&out)
    );
    let out = a.run(&["set", "1", "--type", "tender", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(find(&types_json(&a), "tender")["documents"], 1);

    // Each change is audited.
    let out = a.run(&["audit", "--json"]);
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("type_add") && log.contains("type_update"),
        "{log}"
    );
}

#[test]
fn types_over_http() {
    let a = TestArchive::new();
    let (r, code) = a.ingest(&["--branch", "hofuf"], &[&circular_en()]);
    assert_eq!(code, 0, "{r}");
    let (r, code) = a.ingest(&["--branch", "omran"], &[&circular_ar()]);
    assert_eq!(code, 0, "{r}");
    let admin = a.admin_token();
    a.add_user("sara", "clerk", &["hofuf"], "sara-password-1");
    let clerk = a.token("sara");
    let mut server = Server::start(&a);
    let call = |token: &str, method: &str, path: &str, body: Value| {
        let auth = format!("Bearer {token}");
        let body = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let r = server.send(
            method,
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            &body,
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        (r.status, v)
    };

    // Anyone logged in lists them; counts are of the caller's branches.
    let (status, all) = call(&admin, "GET", "/api/types", Value::Null);
    assert_eq!(status, 200, "{all}");
    assert_eq!(find(&all, "circular")["documents"], 2);
    assert_eq!(find(&all, "licence")["ar"], "رخصة");
    let (status, mine) = call(&clerk, "GET", "/api/types", Value::Null);
    assert_eq!(status, 200, "{mine}");
    assert_eq!(find(&mine, "circular")["documents"], 1);

    // Administrators add and rename.
    let tender =
        json!({"slug": "tender", "ar": "مناقصة", "en": "Tender", "keywords": ["منافسة عامة"]});
    let (status, e) = call(&clerk, "POST", "/api/types", tender.clone());
    assert_eq!(status, 403, "{e}");
    let (status, t) = call(&admin, "POST", "/api/types", tender.clone());
    assert_eq!(status, 201, "{t}");
    // The two circulars' types were guesses: they are guessed again.
    assert_eq!(
        t,
        json!({"slug": "tender", "ar": "مناقصة", "en": "Tender", "keywords": ["منافسة عامة"],
               "documents": 0, "guessing_again": 2})
    );
    // Refusals, each with its status and code.
    let refusals = [
        (&admin, "POST", "/api/types", tender, 409, "type_exists"),
        (
            &admin,
            "POST",
            "/api/types",
            json!({"slug": "circular", "ar": "x", "en": "x"}),
            409,
            "type_exists",
        ),
        (
            &admin,
            "POST",
            "/api/types",
            json!({"slug": "a b", "ar": "x", "en": "x"}),
            422,
            "bad_type",
        ),
        (
            &admin,
            "POST",
            "/api/types",
            json!({"slug": "bid", "ar": " ", "en": "Bid"}),
            422,
            "bad_type_name",
        ),
    ];
    for (who, method, path, body, want, code) in refusals {
        let (status, e) = call(who, method, path, body);
        assert_eq!(
            (status, &e["error"]["code"]),
            (want, &json!(code)),
            "{method} {path}: {e}"
        );
    }
    let (status, t) = call(
        &admin,
        "PATCH",
        "/api/types/tender",
        json!({"en": "Tenders", "keywords": ["كراسة الشروط"]}),
    );
    assert_eq!(status, 200, "{t}");
    assert_eq!((&t["ar"], &t["en"]), (&json!("مناقصة"), &json!("Tenders")));
    assert_eq!(t["keywords"], json!(["كراسة الشروط"]));
    let (status, e) = call(&clerk, "PATCH", "/api/types/tender", json!({"en": "Nope"}));
    assert_eq!(status, 403, "{e}");

    // A correction, a bulk edit and an upload name a known type.
    let refusals = [
        (
            &admin,
            "PATCH",
            "/api/types/nope",
            json!({"en": "Nope"}),
            404,
            "no_such_type",
        ),
        (
            &clerk,
            "PATCH",
            "/api/documents/1",
            json!({"doc_type": "brochure"}),
            422,
            "unknown_type",
        ),
        (
            &clerk,
            "POST",
            "/api/documents/bulk",
            json!({"ids": [1], "set": {"doc_type": "brochure"}}),
            422,
            "unknown_type",
        ),
    ];
    for (who, method, path, body, want, code) in refusals {
        let (status, e) = call(who, method, path, body);
        assert_eq!(
            (status, &e["error"]["code"]),
            (want, &json!(code)),
            "{method} {path}: {e}"
        );
        if code == "unknown_type" {
            // The message names the types there are, the new one too.
            assert!(
                e["error"]["message"].as_str().unwrap().contains("tender"),
                "{e}"
            );
        }
    }
    let (status, d) = call(
        &clerk,
        "PATCH",
        "/api/documents/1",
        json!({"doc_type": "tender"}),
    );
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["doc_type"], "tender");
    let bytes = std::fs::read(circular_ar()).unwrap();
    let body = multipart(&[
        ("branch", None, b"hofuf"),
        ("doc_type", None, b"brochure"),
        ("file", Some("c.pdf"), &bytes),
    ]);
    let auth = format!("Bearer {admin}");
    let r = server.send(
        "POST",
        "/api/documents",
        &[
            ("Authorization", &auth),
            ("Content-Type", "multipart/form-data; boundary=XyZ"),
        ],
        &body,
    );
    let e: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        (r.status, &e["error"]["code"]),
        (422, &json!("unknown_type")),
        "{e}"
    );

    // Audited.
    server.token = Some(admin.clone());
    let (status, log) = server.json("/api/audit?limit=50");
    assert_eq!(status, 200, "{log}");
    let text = log.to_string();
    assert!(
        text.contains("\"type_add\"") && text.contains("\"type_update\""),
        "{text}"
    );
}

/// A type added with keywords retypes the documents whose type was a
/// guess and that its keywords fit; a type given at import, or corrected,
/// stays. The command line guesses again before it answers.
#[test]
fn a_new_type_guesses_again_the_documents_typed_by_a_guess() {
    let a = TestArchive::new();
    let letter = samples().join("en/inspection letter OMR-2024-0917.png");
    let (r, code) = a.ingest(&["--branch", "omran"], &[&letter]);
    assert_eq!(code, 0, "{r}");
    let (r, code) = a.ingest(&["--doc-type", "circular"], &[&circular_en()]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(a.show("1")["doc_type"], "letter");

    let out = a.run(&[
        "type",
        "add",
        "inspection",
        "--ar",
        "تفتيش",
        "--en",
        "Inspection report",
        "--keyword",
        "food establishments",
        "--keyword",
        "inspection campaign",
        "--keyword",
        "violation notices",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let added: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(added["guessing_again"], 1, "{added}");

    let doc = a.show("1");
    assert_eq!(doc["doc_type"], "inspection", "{doc}");
    assert_eq!(doc["doc_type_source"], "guessed", "{doc}");
    let circular = a.show("2");
    assert_eq!(circular["doc_type"], "circular", "{circular}");
    assert_eq!(find(&types_json(&a), "inspection")["documents"], 1);
    let out = a.run(&[
        "search",
        "--doc-type",
        "inspection",
        "--json",
        "restaurants",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found["total"], 1, "{found}");

    // The human answer says how many were guessed again.
    let out = a.run(&["type", "rename", "inspection", "--keyword", "bakeries"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Guessed again the type of 1 documents"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

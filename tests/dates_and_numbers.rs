//! Dates, reference numbers and document types, through the real binary on
//! born-digital PDFs (`tests/data/dated/`, made by `make_dated.py`): what
//! `show --json` reports, date filters in either calendar, facet counts,
//! number lookups across branches, and corrections that survive reindexing.

mod common;

use std::path::PathBuf;

use common::http::{enc, Server};
use common::*;
use serde_json::{json, Value};

fn dated(name: &str) -> PathBuf {
    repo().join("tests/data/dated").join(name)
}

/// The five fixtures, each imported under its branch; the Mubarraz letter
/// with its type given at import.
fn archive() -> (TestArchive, [String; 5]) {
    let a = TestArchive::new();
    let mut ids = Vec::new();
    for (branch, file, flags) in [
        ("hofuf", "hofuf-licence-3217.pdf", &[][..]),
        ("hofuf", "hofuf-certificate-dmy.pdf", &[][..]),
        ("omran", "omran-violation-indic.pdf", &[][..]),
        (
            "mubarraz",
            "mubarraz-letter-en.pdf",
            &["--doc-type", "letter"][..],
        ),
        ("oyun", "oyun-contract-mixed.pdf", &[][..]),
    ] {
        let mut all = vec!["--branch", branch];
        all.extend_from_slice(flags);
        let (report, code) = a.ingest(&all, &[&dated(file)]);
        assert_eq!((code, &report["ingested"]), (0, &json!(1)), "{report}");
        // Ids are given in import order.
        ids.push((ids.len() + 1).to_string());
    }
    (a, ids.try_into().unwrap())
}

fn ids(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].to_string())
        .collect()
}

#[test]
fn show_reports_dates_numbers_and_types() {
    let (a, [licence, certificate, violation, letter, contract]) = archive();

    let doc = a.show(&licence);
    assert_eq!(
        doc["document_date"],
        json!({"hijri": "1445-03-12", "gregorian": "2023-09-27"})
    );
    assert_eq!(doc["document_date_source"], "extracted");
    // Every date, with its page and as printed; the Gregorian twin of the
    // issue date, and the expiry date.
    let dates: Vec<(String, String, String, i64)> = doc["dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["calendar"].as_str().unwrap().to_string(),
                d["hijri"].as_str().unwrap().to_string(),
                d["gregorian"].as_str().unwrap().to_string(),
                d["page"].as_i64().unwrap(),
            )
        })
        .collect();
    let own = |c: &str, h: &str, g: &str| (c.to_string(), h.to_string(), g.to_string(), 1);
    assert_eq!(
        dates,
        [
            own("hijri", "1445-03-12", "2023-09-27"),
            own("gregorian", "1445-03-12", "2023-09-27"),
            own("hijri", "1446-03-11", "2024-09-14"),
        ]
    );
    assert!(doc["dates"][0]["text"]
        .as_str()
        .unwrap()
        .contains("ربيع الأول"));
    assert_eq!(doc["reference_numbers"], json!(["1445/3217"]));
    assert_eq!(doc["doc_type"], "licence");
    assert_eq!(doc["doc_type_source"], "guessed");
    let confidence = doc["doc_type_confidence"].as_f64().unwrap();
    assert!(confidence > 0.5 && confidence <= 1.0, "{confidence}");

    // Day first with no هـ (12/3/1445): Hijri by its year; the issue date
    // rather than the expiry date.
    let doc = a.show(&certificate);
    assert_eq!(doc["document_date"]["hijri"], "1445-03-12");
    assert_eq!(doc["doc_type"], "health-certificate");
    assert_eq!(doc["reference_numbers"], json!(["88120045"]));

    // The only date is in Arabic-Indic digits.
    let doc = a.show(&violation);
    assert_eq!(
        doc["document_date"],
        json!({"hijri": "1445-03-12", "gregorian": "2023-09-27"})
    );
    assert_eq!(doc["dates"][0]["text"], "١٤٤٥/٠٣/١٢ هـ");
    assert_eq!(doc["reference_numbers"], json!(["1445/3217"]));
    assert_eq!(doc["doc_type"], "violation-report");

    // A type given at import is never overridden by a guess.
    let doc = a.show(&letter);
    assert_eq!(doc["doc_type"], "letter");
    assert_eq!(doc["doc_type_source"], "import");
    assert_eq!(doc["doc_type_confidence"], Value::Null);
    assert_eq!(doc["document_date"]["gregorian"], "2024-09-15");
    assert_eq!(doc["dates"][0]["text"], "Sep 15, 2024");
    assert_eq!(doc["reference_numbers"], json!(["MUB/2024/118"]));

    let doc = a.show(&contract);
    assert_eq!(doc["doc_type"], "contract");
    assert_eq!(doc["document_date"]["gregorian"], "2024-09-15");
    assert_eq!(doc["reference_numbers"], json!(["CN-2024-77"]));
}

#[test]
fn filters_facets_and_numbers() {
    let (a, [licence, certificate, violation, letter, contract]) = archive();

    // Rabi' al-Awwal 1445, as a Hijri month and as the same Gregorian days.
    let mut rabi = vec![licence.clone(), certificate.clone(), violation.clone()];
    rabi.sort();
    for (from, to) in [
        ("1445-03h", "1445-03h"),
        ("1445-03-01h", "1445-03-30h"),
        ("2023-09-16", "2023-10-15"),
    ] {
        let mut got = ids(&a.search(&["--from", from, "--to", to], ""));
        got.sort();
        assert_eq!(got, rabi, "{from}..{to}");
    }
    // One day either side of the 12th leaves them out.
    let v = a.search(&["--from", "1445-03-13h", "--to", "2023-10-15"], "");
    assert_eq!(v["total"], 0, "{v}");
    let v = a.search(&["--to", "2023-09-26"], "");
    assert_eq!(v["total"], 0, "{v}");
    // A date filter with words.
    let v = a.search(&["--from", "2024-01-01"], "Mubarraz");
    assert_eq!(ids(&v), [letter.as_str()]);

    // Facets in the chosen calendar.
    let v = a.search(&["--facets", "--calendar", "hijri"], "");
    assert_eq!(v["total"], 5);
    let f = &v["facets"];
    assert_eq!(f["calendar"], "hijri");
    assert_eq!(
        f["years"],
        json!([{"value": "1446", "count": 2}, {"value": "1445", "count": 3}])
    );
    assert_eq!(
        f["branches"],
        json!([
            {"value": "hofuf", "count": 2}, {"value": "mubarraz", "count": 1},
            {"value": "omran", "count": 1}, {"value": "oyun", "count": 1}
        ])
    );
    assert_eq!(
        f["doc_types"],
        json!([
            {"value": "contract", "count": 1}, {"value": "health-certificate", "count": 1},
            {"value": "letter", "count": 1}, {"value": "licence", "count": 1},
            {"value": "violation-report", "count": 1}
        ])
    );
    let v = a.search(
        &["--facets", "--calendar", "gregorian", "--branch", "hofuf"],
        "",
    );
    assert_eq!(v["facets"]["years"], json!([{"value": "2023", "count": 2}]));
    assert_eq!(
        v["facets"]["branches"],
        json!([{"value": "hofuf", "count": 2}])
    );

    // The same number in two branches: both found first, however the
    // digits are typed; a branch filter picks one.
    let mut both = vec![licence.clone(), violation.clone()];
    both.sort();
    for typed in ["1445/3217", "١٤٤٥/٣٢١٧", "1445-3217"] {
        let v = a.search(&[], typed);
        let mut first: Vec<String> = ids(&v).into_iter().take(2).collect();
        first.sort();
        assert_eq!(first, both, "{typed}: {v}");
        assert_eq!(v["hits"][0]["reference_numbers"], json!(["1445/3217"]));
    }
    let v = a.search(&["--branch", "omran"], "1445/3217");
    assert_eq!(ids(&v), [violation.as_str()]);
    let v = a.search(&[], "cn-2024-77");
    assert_eq!(ids(&v)[0], contract);
    assert_eq!(
        v["hits"][0]["document_date"],
        json!({"hijri": "1446-03-12", "gregorian": "2024-09-15"})
    );
    let v = a.search(&[], "88120045");
    assert_eq!(ids(&v), [certificate]);

    // Dates that do not exist, and the wrong order, are refused plainly.
    let out = a.run(&["search", "--from", "1445-02-31h", "رخصة"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
}

#[test]
fn corrections_win_survive_reindexing_and_are_audited() {
    let (a, [licence, _, violation, letter, _]) = archive();
    let out = a.run(&[
        "set",
        &violation,
        "--date",
        "1445-04-02h",
        "--type",
        "licence",
        "--title",
        "محضر العمران ١٤٤٥/٣٢١٧",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let set: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(set["indexed"], true);
    let check = |doc: &Value| {
        assert_eq!(
            doc["document_date"],
            json!({"hijri": "1445-04-02", "gregorian": "2023-10-17"})
        );
        assert_eq!(doc["document_date_source"], "corrected");
        assert_eq!(doc["doc_type"], "licence");
        assert_eq!(doc["doc_type_source"], "corrected");
        assert_eq!(doc["title"], "محضر العمران ١٤٤٥/٣٢١٧");
        // What was read stays, beside the correction.
        assert_eq!(doc["dates"][0]["hijri"], "1445-03-12");
    };
    check(&a.show(&violation));
    let found = |from: &str| ids(&a.search(&["--from", from, "--to", from], ""));
    assert_eq!(found("1445-04-02h"), [violation.as_str()]);
    assert!(!found("2023-09-27").contains(&violation));

    // Reindexing rebuilds the index from the catalog: the correction stands.
    let out = a.run(&["reindex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    check(&a.show(&violation));
    assert_eq!(found("2023-10-17"), [violation.as_str()]);
    let v = a.search(&["--doc-type", "licence"], "");
    let mut both = vec![licence.clone(), violation.clone()];
    both.sort();
    let mut got = ids(&v);
    got.sort();
    assert_eq!(got, both);

    // `auto` goes back to what was read.
    let out = a.run(&["set", &violation, "--date", "auto", "--type", "auto"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = a.show(&violation);
    assert_eq!(doc["document_date"]["hijri"], "1445-03-12");
    assert_eq!(doc["doc_type_source"], "guessed");

    // Bad corrections name the reason; nothing changes.
    for (flag, value, reason) in [
        ("--date", "1445-03h", "whole month"),
        ("--date", "31/02/2024", "does not exist"),
        ("--type", "not a type", "invalid document type"),
        ("--title", " ", "title is empty"),
    ] {
        let out = a.run(&["set", &violation, flag, value]);
        assert!(!out.status.success(), "{flag} {value}");
        assert!(
            stderr(&out).contains(reason),
            "{flag} {value}: {}",
            stderr(&out)
        );
    }

    // The audit log has each correction, before and after.
    let out = a.run(&["audit", "--json", "--doc", &violation]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let corrections: Vec<&Value> = log.iter().filter(|e| e["action"] == "correct").collect();
    assert_eq!(corrections.len(), 2, "{log:?}");
    let first = corrections
        .iter()
        .find(|e| e["detail"]["date"]["to"] == "2023-10-17")
        .expect("the first correction is logged");
    assert_eq!(
        first["detail"]["type"],
        json!({"from": null, "to": "licence"})
    );

    // Through the API: a clerk of the letter's branch corrects it; one of
    // another branch cannot see it to correct it.
    a.add_user("mub", "clerk", &["mubarraz"], "mubarraz-clerk-1");
    a.add_user("hof", "clerk", &["hofuf"], "hofuf-clerk-12");
    let (mub, hof) = (a.token("mub"), a.token("hof"));
    let server = Server::start(&a);
    let patch = |token: &str, body: Value| {
        let auth = format!("Bearer {token}");
        server.send(
            "PATCH",
            &format!("/api/documents/{letter}"),
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    };
    let r = patch(&mub, json!({"date": "1446-03-13h", "doc_type": "letter"}));
    assert_eq!(r.status, 200, "{}", r.json());
    assert_eq!(r.json()["document_date"]["gregorian"], "2024-09-16");
    assert_eq!(r.json()["doc_type_source"], "corrected");
    let r = patch(&mub, json!({"date": null}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["document_date"]["gregorian"], "2024-09-15");
    let r = patch(&mub, json!({"date": "1446-13-01h"}));
    assert_eq!(r.status, 400, "{}", r.json());
    assert_eq!(r.json()["error"]["code"], "bad_correction");
    let r = patch(&hof, json!({"title": "x"}));
    assert_eq!(r.status, 404);
    let r = patch(&mub, json!({}));
    assert_eq!(r.status, 400);
}

/// A document read before there was an extractor (or by an older one) is
/// read again from its stored text when the archive is next opened; and a
/// bag carries corrections to another archive.
#[test]
fn older_readings_are_redone_and_bags_carry_corrections() {
    let (a, [licence, ..]) = archive();
    {
        let db = rusqlite::Connection::open(a.dir.join("catalog.sqlite")).unwrap();
        db.execute_batch("UPDATE documents SET extracted = NULL, extracted_version = 0")
            .unwrap();
    }
    assert_eq!(a.show(&licence)["dates"], json!([]));
    let v = a.search(&["--from", "1445-03-12h", "--to", "1445-03-12h"], "");
    assert_eq!(v["total"], 3, "{v}");
    assert_eq!(a.show(&licence)["reference_numbers"], json!(["1445/3217"]));

    let out = a.run(&[
        "set",
        &licence,
        "--date",
        "2023-09-28",
        "--title",
        "رخصة ١٤٤٥/٣٢١٧",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bag = a.scratch("bag").join("out");
    let out = a.run(&["export", bag.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let b = TestArchive::new();
    let out = b.run(&["import-bag", bag.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let id = b.search(&[], "1445/3217")["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["branch"] == "hofuf")
        .unwrap()["id"]
        .to_string();
    let doc = b.show(&id);
    assert_eq!(doc["document_date"]["gregorian"], "2023-09-28");
    assert_eq!(doc["title"], "رخصة ١٤٤٥/٣٢١٧");
    assert_eq!(doc["dates"][0]["gregorian"], "2023-09-27");
}

#[test]
fn search_api_filters_and_counts_in_scope() {
    let (a, [licence, ..]) = archive();
    a.add_user("hof", "staff", &["hofuf"], "hofuf-staff-12");
    let token = a.token("hof");
    let server = Server::start(&a);
    let get = |path: &str| {
        let auth = format!("Bearer {token}");
        let r = server.send("GET", path, &[("Authorization", auth.as_str())], b"");
        (r.status, r.json())
    };
    // The number two branches share: a Hofuf user finds Hofuf's only.
    let (status, v) = get(&format!("/api/search?q={}", enc("١٤٤٥/٣٢١٧")));
    assert_eq!(status, 200, "{v}");
    assert_eq!(ids(&v), [licence]);
    let (_, v) = get("/api/search?q=&from=1445-03h&to=1445-03h&facets=1&calendar=gregorian");
    assert_eq!(v["total"], 2, "{v}");
    assert_eq!(v["facets"]["years"], json!([{"value": "2023", "count": 2}]));
    assert_eq!(
        v["facets"]["branches"],
        json!([{"value": "hofuf", "count": 2}])
    );
    let (_, f) = get("/api/facets?calendar=hijri");
    assert_eq!(f["years"], json!([{"value": "1445", "count": 2}]));
    let (status, v) = get("/api/search?q=&from=1445-13h");
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (400, Some("bad_date")),
        "{v}"
    );
    let (status, _) = get("/api/facets?calendar=julian");
    assert_eq!(status, 400);
}

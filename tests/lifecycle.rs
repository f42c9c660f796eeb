//! The records lifecycle, end to end with the real binary: the trash,
//! legal holds, purge with its tombstone, retention and disposal; a purge
//! racing an import of the same bytes, and a purge killed at any moment.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::http::Server;
use common::*;
use serde_json::{json, Value};

/// The three text-layer PDFs (no OCR: quick), copied under neutral names.
fn pdfs(a: &TestArchive) -> Vec<PathBuf> {
    let dir = a.scratch("in");
    let mut out = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(samples().join("pdf"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for (i, p) in names.iter().enumerate() {
        let to = dir.join(format!("scan-{:04}.pdf", i + 1));
        std::fs::copy(p, &to).unwrap();
        out.push(to);
    }
    out
}

/// The live document a file (by its neutral name) was imported as.
fn doc_of(a: &TestArchive, file: &Path) -> i64 {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    (1..=40)
        .find(|id| {
            let out = a.run(&["show", "--json", &id.to_string()]);
            out.status.success()
                && json_of(&out)["sources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["path"].as_str().unwrap().ends_with(&name))
        })
        .unwrap_or_else(|| panic!("no document of {name}"))
}

/// Whether a search finds a document.
fn finds(a: &TestArchive, query: &str, id: i64) -> bool {
    a.found(query).contains(&id)
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

fn ok(a: &TestArchive, args: &[&str]) -> Value {
    let out = a.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    json_of(&out)
}

fn audit(a: &TestArchive) -> Vec<Value> {
    ok(a, &["audit", "--json", "--limit", "1000"])
        .as_array()
        .unwrap()
        .clone()
}

fn blob_path(a: &TestArchive, sha: &str) -> PathBuf {
    a.dir
        .join("store/sha256")
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(sha)
}

#[test]
fn trash_restore_hold_and_purge_keep_a_tombstone() {
    let a = TestArchive::new();
    let files = pdfs(&a);
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (report, code) = a.ingest(&["--branch", "hofuf"], &refs);
    assert_eq!(code, 0, "{report}");
    let id = doc_of(&a, &files[1]);
    let doc = a.show(&id.to_string());
    let sha = doc["sha256"].as_str().unwrap().to_string();
    let title = doc["title"].as_str().unwrap().to_string();
    let ids = id.to_string();

    // To the trash: gone from search, listed in the trash with its reason.
    let d = ok(&a, &["delete", &ids, "--reason", "scanned twice", "--json"]);
    assert_eq!(d["deleted"]["reason"], "scanned twice");
    assert!(!finds(&a, "نظافة الأسواق", id));
    assert_eq!(a.show(&ids)["deleted"]["reason"], "scanned twice");
    let trash = ok(&a, &["trash", "--json"]);
    assert_eq!(trash["documents"][0]["id"], id);
    // A reason is required.
    let out = a.run(&["delete", "1", "--reason", "  "]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("reason"), "{}", stderr(&out));
    // Its bytes again: refused with the reason; the rest of the batch goes on.
    let extra = a.scratch("more").join("scan-0100.pdf");
    std::fs::copy(&files[1], &extra).unwrap();
    let other = a.scratch("more").join("scan-0101.png");
    std::fs::copy(
        samples().join("en/inspection letter OMR-2024-0917.png"),
        &other,
    )
    .unwrap();
    let (report, _) = a.ingest(&["--branch", "hofuf"], &[&extra, &other]);
    assert_eq!(report["ingested"], 1, "{report}");
    assert_eq!(report["failed"], 1, "{report}");
    let err = report["errors"][0]["error"].as_str().unwrap();
    assert!(err.contains("in the trash") && err.contains(&ids), "{err}");

    // Restored as it was.
    ok(&a, &["restore", &ids, "--json"]);
    assert!(finds(&a, "نظافة الأسواق", id));
    assert_eq!(a.show(&ids)["title"], title);
    assert!(a.show(&ids)["deleted"].is_null());

    // A legal hold stops the trash (and so disposal and purge).
    ok(&a, &["hold", &ids, "--reason", "case 77/1446", "--json"]);
    let out = a.run(&["delete", &ids, "--reason", "x"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("legal hold"), "{}", stderr(&out));
    assert_eq!(
        ok(&a, &["hold", "list", "--json"])["documents"][0]["id"],
        id
    );
    ok(&a, &["release", &ids, "--json"]);

    // Purge: the tombstone stays, the original and the index entry go, and
    // the bag written first holds the original.
    ok(
        &a,
        &["delete", &ids, "--reason", "personal record", "--json"],
    );
    // Not yet 30 days in the trash: kept.
    let r = ok(&a, &["purge", "--json"]);
    assert_eq!(r["purged"], json!([]));
    assert!(blob_path(&a, &sha).exists());
    let bag = a.tmp.path().join("purged-bag");
    let r = ok(
        &a,
        &[
            "purge",
            "--older-than",
            "0",
            "--export",
            bag.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(r["purged"][0]["id"], id, "{r}");
    assert_eq!(r["blobs_removed"], 1, "{r}");
    assert!(!blob_path(&a, &sha).exists());
    assert!(walk_files(&bag.join("data/originals"))
        .iter()
        .any(|p| p.to_string_lossy().contains(&sha)));
    assert!(!a.run(&["show", &ids]).status.success());
    let log = audit(&a);
    let purge = log
        .iter()
        .find(|e| e["action"] == "purge")
        .expect("audited");
    let stone = &purge["detail"]["tombstones"][0];
    assert_eq!(stone["sha256"], sha.as_str());
    assert_eq!(stone["title"], title.as_str());
    assert_eq!(stone["branch"], "hofuf");
    assert_eq!(stone["deleted"]["reason"], "personal record");
    for action in ["delete", "restore", "hold", "release"] {
        assert!(log.iter().any(|e| e["action"] == action), "{action}");
    }
    // The archive checks clean; the same bytes make a new document.
    let out = a.run(&["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (report, code) = a.ingest(&["--branch", "hofuf"], &[&extra]);
    assert_eq!((code, &report["ingested"]), (0, &json!(1)), "{report}");
    let again = doc_of(&a, &extra);
    assert!(again > id, "a purged id is not given again");
    assert!(finds(&a, "نظافة الأسواق", again));
}

#[test]
fn retention_makes_documents_due_and_disposal_moves_them_to_the_trash() {
    let a = TestArchive::new();
    let files = pdfs(&a);
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (report, code) = a.ingest(&["--branch", "omran"], &refs);
    assert_eq!(code, 0, "{report}");
    let circulars: Vec<i64> = vec![doc_of(&a, &files[0]), doc_of(&a, &files[1])];
    let report_id = doc_of(&a, &files[2]);
    // Dated long ago, one in each calendar.
    for (id, date) in [(circulars[0], "2019-05-01"), (circulars[1], "1440-05-01h")] {
        ok(&a, &["set", &id.to_string(), "--date", date, "--json"]);
    }
    ok(
        &a,
        &[
            "set",
            &report_id.to_string(),
            "--date",
            "1440-05-01h",
            "--json",
        ],
    );
    // Unknown type, bad years: refused.
    assert!(!a
        .run(&["retention", "set", "brochure", "--years", "5"])
        .status
        .success());
    assert!(!a
        .run(&["retention", "set", "circular", "--years", "0"])
        .status
        .success());
    a.run(&["retention", "set", "circular", "--years", "5"]);
    a.run(&["retention", "set", "violation-report", "--years", "50"]);
    let rules = ok(&a, &["retention", "list", "--json"]);
    assert_eq!(rules["rules"].as_array().unwrap().len(), 2, "{rules}");
    let due = ok(&a, &["retention", "due", "--json"]);
    let due_ids: Vec<i64> = due["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    let mut want = circulars.clone();
    want.sort();
    let mut got = due_ids.clone();
    got.sort();
    assert_eq!(got, want, "{due}");
    // Five Hijri years from 1 Jumada al-Ula 1440 end on 1 Jumada al-Ula 1445.
    let hijri = due["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == circulars[1])
        .unwrap();
    assert_eq!(hijri["calendar"], "hijri");
    assert_eq!(hijri["ended"]["hijri"], "1445-05-01", "{hijri}");
    let greg = due["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == circulars[0])
        .unwrap();
    // A corrected date names no calendar: counted in Hijri years, those of
    // the municipality's records (2019-05-01 is 26 Sha'ban 1440).
    assert_eq!(greg["calendar"], "hijri", "{greg}");
    assert_eq!(greg["ended"]["hijri"], "1445-08-26", "{greg}");

    // One is held: disposal keeps it and names it.
    ok(
        &a,
        &[
            "hold",
            &circulars[1].to_string(),
            "--reason",
            "audit request",
            "--json",
        ],
    );
    let dry = ok(&a, &["dispose", "--due", "--json"]);
    assert_eq!(dry["approved"], false);
    assert_eq!(dry["documents"][0]["id"], circulars[0], "{dry}");
    assert_eq!(dry["kept"][0]["id"], circulars[1], "{dry}");
    assert_eq!(ok(&a, &["trash", "--json"])["documents"], json!([]));
    let bag = a.tmp.path().join("disposed");
    let done = ok(
        &a,
        &[
            "dispose",
            "--due",
            "--approve",
            "--export",
            bag.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(done["documents"][0]["id"], circulars[0], "{done}");
    assert!(bag.join("bagit.txt").exists());
    let trash = ok(&a, &["trash", "--json"]);
    assert_eq!(trash["documents"].as_array().unwrap().len(), 1);
    let reason = trash["documents"][0]["deleted"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("retention: circular"), "{reason}");
    assert!(!finds(&a, "opening hours", circulars[0]));
    assert!(audit(&a).iter().any(|e| e["action"] == "dispose"));
}

/// A purge racing an import of the same bytes (two processes, again and
/// again): whatever the order, every live document's original is in the
/// store, and the import either records the file or says why not.
#[test]
fn a_purge_racing_an_import_of_the_same_bytes_never_loses_a_live_original() {
    let a = TestArchive::new();
    let files = pdfs(&a);
    let file = &files[2];
    let live = |a: &TestArchive| -> Vec<i64> {
        (1..=40)
            .filter(|id| {
                let out = a.run(&["show", "--json", &id.to_string()]);
                out.status.success() && json_of(&out)["deleted"].is_null()
            })
            .collect()
    };
    for round in 0..4u64 {
        let (report, _) = a.ingest(&["--branch", "hofuf"], &[file]);
        let ids = live(&a);
        assert_eq!(ids.len(), 1, "round {round}: {report}");
        ok(
            &a,
            &["delete", &ids[0].to_string(), "--reason", "race", "--json"],
        );
        let mut purge = Command::new(bin())
            .arg("--archive")
            .arg(&a.dir)
            .args(["purge", "--older-than", "0", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if round % 2 == 1 {
            std::thread::sleep(Duration::from_millis(30 * round));
        }
        let out = a.run(&[
            "ingest",
            "--json",
            "--branch",
            "hofuf",
            file.to_str().unwrap(),
        ]);
        purge.wait().unwrap();
        // Recorded, refused because the document is in the trash, or
        // refused because the purge held the archive: never silently lost.
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(
            said.contains("\"ingested\":1")
                || said.contains("in the trash")
                || said.contains("another arshif process is writing"),
            "round {round}: {said}"
        );
        a.run(&["purge", "--older-than", "0"]);
        let check = a.run(&["check", "--json"]);
        assert!(check.status.success(), "round {round}: {}", json_of(&check));
        for id in live(&a) {
            let sha = a.show(&id.to_string())["sha256"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(blob_path(&a, &sha).exists(), "round {round}: doc {id}");
            // Start the next round with the document gone.
            ok(
                &a,
                &["delete", &id.to_string(), "--reason", "next", "--json"],
            );
        }
        a.run(&["purge", "--older-than", "0"]);
        assert_eq!(a.blob_count(), 0, "round {round}");
    }
}

/// `kill -9` at any moment of a purge: the archive checks without damage,
/// no document is half there, and the next purge finishes the work.
#[test]
fn a_purge_killed_at_any_point_is_finished_by_the_next() {
    let a = TestArchive::new();
    let files = pdfs(&a);
    for (round, delay) in [0u64, 5, 15, 40, 80].into_iter().enumerate() {
        let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        a.ingest(&["--branch", "hofuf"], &refs);
        // Every document there is (ids are never given twice).
        let live: Vec<i64> = (1..=20)
            .filter(|id| a.run(&["show", "--json", &id.to_string()]).status.success())
            .collect();
        assert_eq!(live.len(), 3, "round {round}");
        for id in &live {
            ok(
                &a,
                &["delete", &id.to_string(), "--reason", "kill test", "--json"],
            );
        }
        let mut purge = Command::new(bin())
            .arg("--archive")
            .arg(&a.dir)
            .args(["purge", "--older-than", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = purge.kill();
        purge.wait().unwrap();
        // No damage; whatever is still recorded is whole (its pages and
        // its original).
        let check = a.run(&["check", "--json"]);
        assert!(check.status.success(), "round {round}: {}", json_of(&check));
        for id in &live {
            let out = a.run(&["show", "--json", &id.to_string()]);
            if out.status.success() {
                let d = json_of(&out);
                assert!(!d["pages"].as_array().unwrap().is_empty(), "{d}");
                assert!(blob_path(&a, d["sha256"].as_str().unwrap()).exists());
            }
        }
        // The next purge finishes: nothing left in the trash, every
        // tombstone's originals gone, nothing reclaimable left behind.
        ok(&a, &["purge", "--older-than", "0", "--json"]);
        assert_eq!(ok(&a, &["trash", "--json"])["documents"], json!([]));
        let c = json_of(&a.run(&["check", "--json"]));
        assert_eq!(c["problems"], json!([]), "round {round}: {c}");
        assert_eq!(a.blob_count(), 0, "round {round}");
    }
}

/// `kill -9` at any moment of a disposal: every due document is in the
/// trash, or none is (one write group), and check finds no damage.
#[test]
fn a_disposal_killed_at_any_point_trashed_all_or_nothing() {
    let a = TestArchive::new();
    let files = pdfs(&a);
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    a.ingest(&["--branch", "omran"], &refs);
    let ids: Vec<String> = files.iter().map(|f| doc_of(&a, f).to_string()).collect();
    for id in &ids {
        ok(&a, &["set", id, "--date", "1430-01-01h", "--json"]);
    }
    for t in ["circular", "violation-report"] {
        ok(&a, &["retention", "set", t, "--years", "5", "--json"]);
    }
    for delay in [0u64, 10, 30, 60, 120] {
        let mut dispose = Command::new(bin())
            .arg("--archive")
            .arg(&a.dir)
            .args(["dispose", "--due", "--approve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = dispose.kill();
        dispose.wait().unwrap();
        let trashed = ok(&a, &["trash", "--json"])["documents"]
            .as_array()
            .unwrap()
            .len();
        assert!(
            trashed == 0 || trashed == 3,
            "after {delay} ms: {trashed} of 3"
        );
        let check = a.run(&["check", "--json"]);
        assert!(
            check.status.success(),
            "after {delay} ms: {}",
            json_of(&check)
        );
        if trashed == 3 {
            for id in &ids {
                ok(&a, &["restore", id, "--json"]);
            }
        }
    }
}

/// Over HTTP: only administrators delete, restore and hold; a trashed
/// document is not there for anyone else; search and browse leave it out.
#[test]
fn the_trash_over_http_is_for_administrators() {
    let a = TestArchive::new();
    let files = pdfs(&a);
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    a.ingest(&["--branch", "hofuf"], &refs);
    let id = a.found("opening hours")[0];
    a.add_user("sara", "clerk", &["hofuf"], "sara-password-1");
    let clerk = a.token("sara");
    let admin = a.admin_token();
    let mut server = Server::start(&a);
    let call = |server: &mut Server, token: &str, method: &str, path: &str, body: Value| {
        server.token = Some(token.to_string());
        let body = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let (status, _, out) = server.request(method, path, Some("application/json"), &body);
        (
            status,
            serde_json::from_slice::<Value>(&out).unwrap_or(Value::Null),
        )
    };
    let doc = format!("/api/documents/{id}");
    let (status, _) = call(&mut server, &clerk, "DELETE", &doc, json!({"reason": "x"}));
    assert_eq!(status, 403);
    let (status, e) = call(&mut server, &admin, "DELETE", &doc, json!({"reason": ""}));
    assert_eq!(
        (status, &e["error"]["code"]),
        (422, &json!("bad_reason")),
        "{e}"
    );
    let (status, d) = call(
        &mut server,
        &admin,
        "DELETE",
        &doc,
        json!({"reason": "wrong file"}),
    );
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["deleted"]["reason"], "wrong file");
    let (status, e) = call(
        &mut server,
        &admin,
        "DELETE",
        &doc,
        json!({"reason": "again"}),
    );
    assert_eq!(
        (status, &e["error"]["code"]),
        (409, &json!("in_trash")),
        "{e}"
    );
    // Gone for the clerk, there for the administrator.
    let (status, _) = call(&mut server, &clerk, "GET", &doc, Value::Null);
    assert_eq!(status, 404);
    let (status, d) = call(&mut server, &admin, "GET", &doc, Value::Null);
    assert_eq!(
        (status, &d["deleted"]["reason"]),
        (200, &json!("wrong file"))
    );
    let (_, found) = call(
        &mut server,
        &clerk,
        "GET",
        "/api/search?q=opening+hours",
        Value::Null,
    );
    assert_eq!(found["total"], 0, "{found}");
    let (_, list) = call(&mut server, &admin, "GET", "/api/documents", Value::Null);
    assert!(
        list["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["id"] != id),
        "{list}"
    );
    let (status, t) = call(&mut server, &admin, "GET", "/api/trash", Value::Null);
    assert_eq!((status, &t["documents"][0]["id"]), (200, &json!(id)), "{t}");
    let (status, _) = call(&mut server, &clerk, "GET", "/api/trash", Value::Null);
    assert_eq!(status, 403);
    // Restore; hold; a held document is not deleted.
    let (status, _) = call(
        &mut server,
        &admin,
        "POST",
        &format!("{doc}/restore"),
        Value::Null,
    );
    assert_eq!(status, 200);
    let (_, found) = call(
        &mut server,
        &clerk,
        "GET",
        "/api/search?q=opening+hours",
        Value::Null,
    );
    assert_eq!(found["total"], 1, "{found}");
    let hold = format!("{doc}/hold");
    let (status, h) = call(
        &mut server,
        &admin,
        "POST",
        &hold,
        json!({"reason": "case 9"}),
    );
    assert_eq!(
        (status, &h["hold"]["reason"]),
        (200, &json!("case 9")),
        "{h}"
    );
    let (status, e) = call(&mut server, &admin, "DELETE", &doc, json!({"reason": "x"}));
    assert_eq!((status, &e["error"]["code"]), (409, &json!("held")), "{e}");
    let (status, _) = call(&mut server, &admin, "DELETE", &hold, Value::Null);
    assert_eq!(status, 200);
    let (status, e) = call(&mut server, &admin, "DELETE", &hold, Value::Null);
    assert_eq!(
        (status, &e["error"]["code"]),
        (409, &json!("not_held")),
        "{e}"
    );
}

/// A better scan replaces a document's original: the record keeps its id,
/// corrections and history, search finds the new text, the old original is
/// an earlier version (downloadable) until the document is purged.
#[test]
fn a_rescan_replaces_the_original_and_keeps_the_old_one_as_a_version() {
    let a = TestArchive::new();
    let files = pdfs(&a);
    a.ingest(&["--branch", "hofuf"], &[&files[0]]);
    let id = doc_of(&a, &files[0]);
    let ids = id.to_string();
    let old = a.show(&ids);
    ok(&a, &["set", &ids, "--title", "Kept title", "--json"]);
    // The new scan: another of the samples (its text tells it apart).
    let d = ok(&a, &["rescan", &ids, files[2].to_str().unwrap(), "--json"]);
    assert_eq!(d["id"], id);
    assert_eq!(d["title"], "Kept title");
    assert_eq!(d["versions"][0]["number"], 1, "{d}");
    assert_eq!(d["versions"][0]["sha256"], old["sha256"]);
    assert_ne!(d["sha256"], old["sha256"]);
    assert!(finds(&a, "مخالفة", id));
    let got = a.tmp.path().join("v1.pdf");
    let out = a.run(&["get", &ids, "--version", "1", "-o", got.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&got).unwrap(),
        std::fs::read(&files[0]).unwrap()
    );
    // The original itself again, or another document's bytes: refused.
    assert!(!a
        .run(&["rescan", &ids, files[2].to_str().unwrap()])
        .status
        .success());
    // A scan that crashes the reader fails alone: the document is as it was.
    let crashing = a.tmp.path().join("scan-crash-me.pdf");
    std::fs::copy(&files[1], &crashing).unwrap();
    let out = std::process::Command::new(bin())
        .arg("--archive")
        .arg(&a.dir)
        .args(["rescan", &ids, crashing.to_str().unwrap()])
        .env("ARSHIF_FAULT_INJECT", "segfault:crash-me")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("scan-crash-me.pdf"),
        "{}",
        stderr(&out)
    );
    assert_eq!(a.show(&ids)["versions"].as_array().unwrap().len(), 1);
    assert!(a.run(&["check"]).status.success());
    assert!(audit(&a).iter().any(|e| e["action"] == "rescan"));

    // Over HTTP: the scan as the body; the earlier version downloadable.
    let admin = a.admin_token();
    let mut server = Server::start(&a);
    server.token = Some(admin);
    let bytes = std::fs::read(&files[1]).unwrap();
    let (status, _, body) = server.request(
        "POST",
        &format!("/api/documents/{id}/rescan"),
        Some("application/pdf"),
        &bytes,
    );
    let d: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["versions"].as_array().unwrap().len(), 2, "{d}");
    let (status, _, v2) = server.get(&format!("/api/documents/{id}/versions/2"));
    assert_eq!(status, 200);
    assert_eq!(v2, std::fs::read(&files[2]).unwrap());
    let (status, _, _) = server.get(&format!("/api/documents/{id}/versions/9"));
    assert_eq!(status, 404);
    drop(server);

    // Purged: every version's blob goes with it.
    ok(&a, &["delete", &ids, "--reason", "done", "--json"]);
    let r = ok(&a, &["purge", "--older-than", "0", "--json"]);
    assert_eq!(r["blobs_removed"], 3, "{r}");
    assert_eq!(a.blob_count(), 0);
}

//! Uploads imported in the background (`POST /api/documents?mode=task`):
//! answered 202 at once, followed with `GET /api/tasks/{id}` until done,
//! the report the same as a synchronous upload's; a task is seen only by
//! the user who started it and administrators.

mod common;

use common::http::{multipart, Server};
use common::*;
use serde_json::Value;

const CT: Option<&str> = Some("multipart/form-data; boundary=XyZ");
/// The fields of the import report a task and a synchronous upload share.
const REPORT_FIELDS: &[&str] = &["files_seen", "ingested", "duplicates", "failed", "pages"];

/// Start a task; its id, from the answer and its Location.
fn start(server: &Server, name: &str, bytes: &[u8]) -> String {
    let body = multipart(&[("branch", None, b"hofuf"), ("file", Some(name), bytes)]);
    let (status, headers, answer) = server.request("POST", "/api/documents?mode=task", CT, &body);
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(status, 202, "{answer}");
    let id = answer["task"].as_str().unwrap().to_string();
    assert_eq!(answer["status"], format!("/api/tasks/{id}"));
    assert_eq!(common::http::header(&headers, "location"), answer["status"]);
    id
}

/// Poll a task until it is finished (two minutes at most).
fn wait(server: &Server, id: &str) -> Value {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (status, task) = server.json(&format!("/api/tasks/{id}"));
        assert_eq!(status, 200, "{task}");
        assert_eq!(task["task"], id);
        let state = task["state"].as_str().unwrap().to_string();
        assert!(
            ["queued", "running", "done", "failed"].contains(&state.as_str()),
            "{task}"
        );
        if state == "done" || state == "failed" {
            return task;
        }
        assert!(std::time::Instant::now() < until, "still {state}: {task}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn an_upload_as_a_task_reports_progress_and_the_same_report_to_its_owner_only() {
    let a = TestArchive::new();
    a.add_user("root", "admin", &[], "root-password-1");
    a.add_user("clerk_h", "clerk", &["hofuf"], "clerk-password-1");
    a.add_user("clerk_m", "clerk", &["mubarraz"], "clerk-password-1");
    let page = std::fs::read(samples().join("en/inspection letter OMR-2024-0917.png")).unwrap();

    // One server (tasks live in its memory), spoken to as each user.
    let mut clerk = Server::start(&a);
    let clerk_h = a.token("clerk_h");
    clerk.token = Some(clerk_h.clone());
    let id = start(&clerk, "letter.png", &page);
    let task = wait(&clerk, &id);
    assert_eq!(task["state"], "done", "{task}");
    assert_eq!(task["error"], Value::Null, "{task}");
    assert_eq!(task["names"], serde_json::json!(["letter.png"]), "{task}");
    assert_eq!(task["branch"], "hofuf");
    assert_eq!(task["files"]["total"], 1, "{task}");
    assert_eq!(task["files"]["done"], 1, "{task}");
    assert!(task["pages"]["done"].as_u64().unwrap() >= 1, "{task}");
    assert_eq!(task["current"], Value::Null, "{task}");
    assert!(task["finished_at"].is_string(), "{task}");
    let report = &task["report"];
    assert_eq!(report["ingested"], 1, "{task}");
    assert_eq!(report["files_seen"], 1, "{task}");
    let result = &task["results"][0];
    assert_eq!(result["status"], "ingested", "{task}");
    assert_eq!(result["path"], "upload/letter.png", "{task}");
    let doc = result["document"].as_i64().unwrap();
    let (status, d) = clerk.json(&format!("/api/documents/{doc}"));
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["branch"], "hofuf", "{d}");

    // The same file again, synchronously and as a task: the same report.
    let body = multipart(&[
        ("branch", None, b"hofuf"),
        ("file", Some("again.png"), &page),
    ]);
    let (status, _, sync) = clerk.request("POST", "/api/documents", CT, &body);
    let sync: Value = serde_json::from_slice(&sync).unwrap();
    assert_eq!(status, 200, "{sync}");
    assert_eq!(sync["duplicates"], 1, "{sync}");
    let task = wait(&clerk, &start(&clerk, "again.png", &page));
    for f in REPORT_FIELDS {
        assert_eq!(task["report"][f], sync[f], "{f}: {task} against {sync}");
    }
    assert_eq!(task["report"]["errors"], sync["errors"]);
    assert_eq!(task["results"][0]["status"], "duplicate", "{task}");
    assert_eq!(task["results"][0]["document"], doc, "{task}");

    // A file that cannot be read: the task is done, its file failed, why.
    let task = wait(&clerk, &start(&clerk, "broken.pdf", b"%PDF-1.4 not really"));
    assert_eq!(task["state"], "done", "{task}");
    assert_eq!(task["report"]["failed"], 1, "{task}");
    assert_eq!(task["results"][0]["status"], "failed", "{task}");
    assert!(task["results"][0]["error"].as_str().unwrap().len() > 3);
    assert_eq!(task["report"]["errors"][0]["path"], "upload/broken.pdf");

    // The list: the caller's own tasks, newest first.
    let (status, list) = clerk.json("/api/tasks");
    assert_eq!(status, 200, "{list}");
    let tasks = list["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 3, "{list}");
    assert_eq!(tasks[2]["task"], id, "{list}");

    // Another clerk neither sees nor lists it; an administrator does.
    clerk.token = Some(a.token("clerk_m"));
    let (status, e) = clerk.json(&format!("/api/tasks/{id}"));
    assert_eq!(status, 404, "{e}");
    assert_eq!(e["error"]["code"], "no_such_task", "{e}");
    let (_, list) = clerk.json("/api/tasks");
    assert_eq!(list["tasks"], serde_json::json!([]), "{list}");
    clerk.token = Some(a.token("root"));
    let (status, seen) = clerk.json(&format!("/api/tasks/{id}"));
    assert_eq!(status, 200, "{seen}");

    // The import was audited when the task finished, like any upload.
    let (_, log) = clerk.json("/api/audit?user=clerk_h&limit=50");
    let imports: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "import")
        .collect();
    assert_eq!(imports.len(), 4, "{log}");

    // A mode the server does not know is refused before anything is stored.
    clerk.token = Some(clerk_h);
    let body = multipart(&[("file", Some("x.png"), &page)]);
    let (status, _, e) = clerk.request("POST", "/api/documents?mode=later", CT, &body);
    let e: Value = serde_json::from_slice(&e).unwrap();
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["error"]["code"], "bad_parameter", "{e}");
}

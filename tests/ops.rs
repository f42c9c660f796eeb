//! Running `arshif serve` as a service: the request log names the route,
//! the status and the user, and never a query, a path's ids or a token;
//! `--metrics-loopback` opens `/metrics` to this machine.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::http::enc;
use common::*;

/// One GET; the status and the body.
fn send(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    request(addr, "GET", path, token, None)
}

/// One request, with a multipart body or none.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    multipart: Option<&[u8]>,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let body = multipart.unwrap_or_default();
    let kind = if multipart.is_some() {
        "Content-Type: multipart/form-data; boundary=XyZ\r\n"
    } else {
        ""
    };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}{kind}Content-Length: {}\r\nCookie: arshif_session=cookie-value-1\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[test]
fn the_request_log_names_route_status_and_user_but_no_query_or_token() {
    let a = TestArchive::new();
    let token = a.admin_token();
    let log = a.tmp.path().join("serve.log");
    let mut child = Command::new(bin())
        .arg("--archive")
        .arg(&a.dir)
        .args(["serve", "--addr", "127.0.0.1:0", "--metrics-loopback"])
        .env("ARSHIF_LOG", "warn,arshif=info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let addr = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if let Some(rest) = text.split("serving on http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{text}");
        std::thread::sleep(Duration::from_millis(50));
    };

    let query = "zebracrossing رخصةسرية";
    let (status, body) = send(
        &addr,
        &format!("/api/search?q={}", enc(query)),
        Some(&token),
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = send(&addr, "/api/documents/987654", Some(&token));
    assert_eq!(status, 404);
    // An upload, counted when its import finishes.
    let scan = std::fs::read(samples().join("ar/رخصة بناء 4451234.png")).unwrap();
    let body = common::http::multipart(&[
        ("branch", None, b"hofuf"),
        ("file", Some("licence.png"), &scan),
    ]);
    let (status, report) = request(&addr, "POST", "/api/documents", Some(&token), Some(&body));
    assert_eq!(status, 200, "{report}");
    // From this machine, /metrics needs no credentials with the flag.
    let (status, metrics) = send(&addr, "/metrics", None);
    assert_eq!(status, 200, "{metrics}");
    assert!(
        metrics.contains(r#"route="/api/search",method="GET",status="200""#),
        "{metrics}"
    );
    assert!(
        metrics.contains("arshif_search_seconds_count 1"),
        "{metrics}"
    );
    for line in [
        "arshif_documents_imported_total 1\n",
        "arshif_files_failed_total 0\n",
        "arshif_pages_imported_total 1\n",
        "arshif_recognition_seconds_count 1\n",
        "arshif_recognition_kind_seconds_count{kind=\"main\"} 1\n",
        "arshif_recognition_kind_seconds_count{kind=\"dropped_lines\"} 1\n",
    ] {
        assert!(metrics.contains(line), "{line}{metrics}");
    }

    // The answer's line is written once the head is sent: wait for it.
    let start = Instant::now();
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text.contains("route=/metrics") {
            break text;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();

    let search = text
        .lines()
        .find(|l| l.contains("route=/api/search"))
        .unwrap_or_else(|| panic!("no search line in\n{text}"));
    assert!(search.contains("method=\"GET\""), "{search}");
    assert!(search.contains("user=\"root\""), "{search}");
    assert!(search.contains("status=200"), "{search}");
    assert!(search.contains("latency_ms="), "{search}");
    let missing = text
        .lines()
        .find(|l| l.contains("route=/api/documents/{id}"))
        .unwrap_or_else(|| panic!("no document line in\n{text}"));
    assert!(missing.contains("status=404"), "{missing}");
    for secret in [
        "zebracrossing",
        &enc("zebracrossing"),
        "رخصة",
        &enc("رخصة"),
        "q=",
        "987654",
        &token,
        "Bearer",
        "cookie-value-1",
    ] {
        assert!(!text.contains(secret), "the log holds {secret:?}:\n{text}");
    }
}

/// `arshif type list | head -0`: the reader has gone before the first
/// line is written. The command ends quietly (by SIGPIPE, as `cat` does),
/// with no panic message about a broken pipe.
#[test]
fn a_closed_pipe_ends_a_listing_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let a = TestArchive::new();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(bin())
        .arg("--archive")
        .arg(&a.dir)
        .args(["type", "list"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{err}");
}

/// Under `--json` every command answers JSON, a fatal error too:
/// `{"error":{"code","message"}}` on standard output, with the exit codes
/// of the text form (1 for a failure, 2 for a usage error).
#[test]
fn json_output_covers_results_and_fatal_errors() {
    let a = TestArchive::new();
    let json = |args: &[&str]| {
        let out = a.run(args);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        (out.status.code(), v)
    };
    let (code, v) = json(&["reindex", "--json"]);
    assert_eq!((code, &v["indexed"]), (Some(0), &serde_json::json!(0)));
    let (code, v) = json(&["show", "999", "--json"]);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["error"]["code"], "no_such_document", "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("999"),
        "{v}"
    );
    let (code, v) = json(&["search", "--json", "--calendar", "julian", "x"]);
    assert_eq!(code, Some(2), "{v}");
    assert_eq!(v["error"]["code"], "usage", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("hijri, gregorian"),
        "{v}"
    );
    let elsewhere = a.tmp.path().join("no-archive-here");
    let out = Command::new(bin())
        .arg("--archive")
        .arg(&elsewhere)
        .args(["check", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert_eq!(v["error"]["code"], "not_an_archive", "{v}");
    // changes answer JSON too: the user added, the token created
    let out = a.run_with_stdin(
        &[
            "user", "add", "sara", "--role", "clerk", "--branch", "hofuf",
        ]
        .iter()
        .chain(&["--password-stdin", "--json"])
        .copied()
        .collect::<Vec<_>>(),
        "a-long-enough-password-1\n",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&v["user"]["name"], &v["user"]["role"]),
        (&"sara".into(), &"clerk".into()),
        "{v}"
    );
    let (code, v) = json(&["token", "create", "sara", "--json"]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["user"], "sara", "{v}");
    assert!(v["token"].as_str().is_some_and(|t| t.len() > 20), "{v}");
    // without --json the same failure is text on standard error
    let out = a.run(&["show", "999"]);
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("arshif: error:"), "{}", stderr(&out));
}

/// `arshif doctor` on a sound installation and archive: every check
/// passes (or warns), exit 0; on a directory that is no archive it fails
/// and says how to create one.
#[test]
fn doctor_checks_the_installation_and_the_archive() {
    let a = TestArchive::new();
    let out = a.run(&["doctor", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v}");
    let checks: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    for c in [
        "tesseract-models",
        "tesseract",
        "pdftoppm",
        "omp-thread-limit",
        "disk-space",
        "archive",
        "permissions",
        "catalog",
        "store",
        "index",
    ] {
        assert!(checks.contains(&c), "{c} not checked: {v}");
    }
    let out = Command::new(bin())
        .arg("--archive")
        .arg(a.tmp.path().join("elsewhere"))
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL  archive") && text.contains("init"),
        "{text}"
    );
}

//! Logging in, sessions and tokens, uploads, connections and the audit trail.

use crate::common::http::*;
use crate::common::*;
use serde_json::{json, Value};

use crate::world::*;

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

//! Accounts live in their own database, `ARCHIVE/accounts.sqlite`. An
//! archive an older arshif wrote kept them as tables of its SQLite catalog
//! (`catalog.sqlite`; on a node of a shared archive, `node.sqlite`, a whole
//! catalog kept for them alone): the first command that opens the archive
//! copies them into the new file, and users, passwords, tokens and web
//! sessions go on working. The real binary, on an archive turned back into
//! the old layout.

mod common;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use common::http::Server;
use common::*;
use serde_json::{json, Value};

const PASSWORD: &str = "a-long-password-1";

/// The account tables exactly as the catalog's schema steps 4 and 5 created
/// them, before accounts had their own database.
const OLD_SCHEMA_V4: &str = r#"
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'staff', 'auditor')),
    password    TEXT NOT NULL,
    must_change INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
CREATE TABLE user_branches (
    user_id     INTEGER NOT NULL REFERENCES users (id),
    branch      TEXT NOT NULL,
    PRIMARY KEY (user_id, branch)
) WITHOUT ROWID;
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    label       TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE TABLE sessions (
    hash        TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
"#;
const OLD_SCHEMA_V5: &str = "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;";

/// Put the archive's accounts back where an older arshif kept them: the
/// account tables are created in `old_db` as the old catalog migrations
/// created them, every row of `accounts.sqlite` is moved there, and
/// `accounts.sqlite` is removed.
fn back_to_the_old_layout(dir: &Path, old_db: &str) {
    let accounts = dir.join("accounts.sqlite");
    let old = rusqlite::Connection::open(dir.join(old_db)).unwrap();
    old.execute_batch(OLD_SCHEMA_V4).unwrap();
    old.execute_batch(OLD_SCHEMA_V5).unwrap();
    old.execute("ATTACH DATABASE ?1 AS new", [accounts.to_str().unwrap()])
        .unwrap();
    old.execute_batch(
        "BEGIN;
         INSERT INTO main.users SELECT * FROM new.users;
         INSERT INTO main.user_branches SELECT * FROM new.user_branches;
         INSERT INTO main.tokens SELECT * FROM new.tokens;
         INSERT INTO main.sessions SELECT * FROM new.sessions;
         COMMIT;
         DETACH DATABASE new;",
    )
    .unwrap();
    if old_db == "node.sqlite" {
        // A node's old accounts database was a whole catalog, at the
        // version of its time.
        old.execute_batch("PRAGMA user_version = 8").unwrap();
    }
    drop(old);
    for suffix in ["", "-wal", "-shm"] {
        let p = dir.join(format!("accounts.sqlite{suffix}"));
        if p.exists() {
            std::fs::remove_file(p).unwrap();
        }
    }
}

fn count(db: &Path, table: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// What survives an upgrade: the names and roles of `user list`, a web
/// login with the password, a token made before, a session made before.
struct Before {
    users: Value,
    token: String,
    cookie: String,
    csrf: String,
}

fn login(server: &Server, user: &str, password: &str) -> (u16, String, String) {
    let body = json!({"user": user, "password": password}).to_string();
    let a = server.send(
        "POST",
        "/api/login",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    let cookie = a
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap_or("")
        .to_string();
    let csrf = a.json()["csrf_token"].as_str().unwrap_or("").to_string();
    (a.status, cookie, csrf)
}

fn me(server: &Server, headers: &[(&str, &str)]) -> (u16, Value) {
    let a = server.send("GET", "/api/me", headers, b"");
    (a.status, a.json())
}

/// Users, a token and a web session, made with the current binary.
fn accounts_in_use(
    run: &dyn Fn(&[&str], Option<&str>) -> std::process::Output,
    start: &dyn Fn() -> Server,
) -> Before {
    for (name, role, branch) in [
        ("root", "admin", None),
        ("sara", "clerk", Some("hofuf")),
        ("leaver", "staff", Some("hofuf")),
    ] {
        let mut args = vec!["user", "add", name, "--role", role, "--password-stdin"];
        if let Some(b) = branch {
            args.extend(["--branch", b]);
        }
        let out = run(&args, Some(&format!("{PASSWORD}\n")));
        assert!(out.status.success(), "user add: {}", stderr(&out));
    }
    let out = run(&["user", "disable", "leaver"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["token", "create", "sara", "--label", "scanner"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let out = run(&["user", "list", "--json"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let users: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 3, "{users}");

    let server = start();
    let (status, cookie, csrf) = login(&server, "sara", PASSWORD);
    assert_eq!(status, 200);
    assert_eq!(me(&server, &[("Cookie", &cookie)]).0, 200);
    Before {
        users,
        token,
        cookie,
        csrf,
    }
}

/// After the upgrade: every account as it was, and working.
fn accounts_still_work(
    before: &Before,
    run: &dyn Fn(&[&str], Option<&str>) -> std::process::Output,
    start: &dyn Fn() -> Server,
) {
    let out = run(&["user", "list", "--json"], None);
    assert!(out.status.success(), "user list: {}", stderr(&out));
    let users: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(users, before.users, "the same users, ids, roles, branches");
    let out = run(&["token", "list", "--json"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let tokens: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tokens.as_array().unwrap().len(), 1, "{tokens}");
    assert_eq!(tokens[0]["label"], "scanner");

    let server = start();
    // No new administrator with a one-time password: root was found.
    assert!(
        !server.banner.join("\n").contains("no administrator"),
        "{:?}",
        server.banner
    );
    // The session made before the upgrade, with its CSRF token.
    let (status, v) = me(&server, &[("Cookie", &before.cookie)]);
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["user"].as_str(), v["csrf_token"].as_str()),
        (Some("sara"), Some(before.csrf.as_str()))
    );
    // The token made before.
    let bearer = format!("Bearer {}", before.token);
    let (status, v) = me(&server, &[("Authorization", &bearer)]);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["user"], "sara");
    // Passwords: a login works, a wrong one does not, a disabled user
    // stays disabled.
    assert_eq!(login(&server, "root", PASSWORD).0, 200);
    assert_eq!(login(&server, "sara", "a-wrong-password-1").0, 401);
    assert_ne!(login(&server, "leaver", PASSWORD).0, 200);

    // What is done from now on lands in the new database.
    let out = run(
        &[
            "user",
            "add",
            "new-clerk",
            "--role",
            "clerk",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(login(&server, "new-clerk", PASSWORD).0, 200);
}

#[test]
fn an_archive_with_accounts_in_its_catalog_keeps_them() {
    let a = TestArchive::new();
    let run = |args: &[&str], input: Option<&str>| match input {
        Some(i) => a.run_with_stdin(args, i),
        None => a.run(args),
    };
    let start = || Server::start(&a);
    let before = accounts_in_use(&run, &start);
    back_to_the_old_layout(&a.dir, "catalog.sqlite");
    let catalog = a.dir.join("catalog.sqlite");
    let accounts = a.dir.join("accounts.sqlite");
    assert!(!accounts.exists());
    assert_eq!(count(&catalog, "users"), 3);

    accounts_still_work(&before, &run, &start);

    // The new file is private like every other, `check` finds it sound,
    // and the old tables are left as they were (no longer read: the user
    // added since is only in the new file).
    assert!(accounts.is_file());
    let mode = std::fs::metadata(&accounts).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let out = a.run(&["check", "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["problems"], json!([]), "{report}");
    assert_eq!(count(&catalog, "users"), 3);
    assert_eq!(count(&catalog, "sessions"), 1);
    assert_eq!(count(&accounts, "users"), 4);
}

#[test]
fn a_broken_accounts_database_is_named_by_check() {
    let a = TestArchive::new();
    a.add_user("root", "admin", &[], PASSWORD);
    let accounts = a.dir.join("accounts.sqlite");
    let mut bytes = std::fs::read(&accounts).unwrap();
    bytes[..16].copy_from_slice(b"not a database!\0");
    std::fs::write(&accounts, bytes).unwrap();
    let out = a.run(&["check", "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{report}");
    let p = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "accounts_corrupt")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(p["path"], accounts.display().to_string());
    assert_eq!(p["damage"], true);
}

/// The services' settings (database URL, S3 endpoint and keys), as
/// `tests/shared_archive.rs` gets them.
fn services() -> HashMap<String, String> {
    let out = Command::new(repo().join("scripts/services.sh"))
        .arg("start")
        .output()
        .expect("run scripts/services.sh");
    assert!(
        out.status.success(),
        "scripts/services.sh start failed (PostgreSQL and Garage are needed; `make deps` installs them):\n{}",
        stderr(&out)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_node_with_accounts_in_node_sqlite_keeps_them() {
    let env = services();
    let unique = format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let db = format!("arshif_accounts_{unique}");
    let admin = &env["ARSHIF_TEST_PG"];
    let mut client = postgres::Client::connect(admin, postgres::NoTls).expect("connect");
    client
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .expect("create database");
    let (base, _) = admin.rsplit_once('/').unwrap();
    let catalog = format!("{base}/{db}");
    let store = format!("s3://{}/accounts-{unique}", env["ARSHIF_TEST_BUCKET"]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    let cmd = |args: &[&str]| {
        let mut c = Command::new(bin());
        c.arg("--archive").arg(&dir).args(args).envs(&env);
        c
    };
    let run = |args: &[&str], input: Option<&str>| {
        let mut child = cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.unwrap_or("").as_bytes()).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let out = run(&["init", "--catalog", &catalog, "--store", &store], None);
    assert!(out.status.success(), "init: {}", stderr(&out));
    // A node no longer makes a catalog to hold its accounts.
    assert!(!dir.join("node.sqlite").exists());
    assert!(dir.join("accounts.sqlite").is_file());

    let start = || Server::spawn(cmd(&[]), &[]);
    let before = accounts_in_use(&run, &start);
    back_to_the_old_layout(&dir, "node.sqlite");
    assert!(!dir.join("accounts.sqlite").exists());

    accounts_still_work(&before, &run, &start);
    assert_eq!(count(&dir.join("node.sqlite"), "users"), 3);
    assert_eq!(count(&dir.join("accounts.sqlite"), "users"), 4);
}

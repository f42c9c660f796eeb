//! The archive's files are its owner's alone: every directory arshif
//! creates in it is 0700 and every file 0600 (originals 0400), whatever the
//! umask it was started with, and `arshif check` names anything that group
//! or other accounts can read or write, with the `chmod` that repairs it.
//! The real binary, on a real import, a real server and real uploads.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::http::{multipart, Server};
use common::*;
use serde_json::Value;

/// The most permissive umask there is, for every arshif this test starts
/// (children inherit it): the modes below must come from arshif itself.
fn open_umask() {
    // SAFETY: umask(2) only swaps the process's file-creation mask.
    unsafe {
        libc::umask(0);
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

fn chmod(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// Every path under `dir`, `dir` included, with its mode.
fn all_modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut out = vec![(dir.to_path_buf(), mode(dir))];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(all_modes(&p));
        } else {
            out.push((p.clone(), mode(&p)));
        }
    }
    out
}

fn check(a: &TestArchive) -> (Value, i32) {
    let out = a.run(&["check", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check printed no JSON ({e}): {}", stderr(&out)));
    (v, out.status.code().unwrap_or(-1))
}

fn problems(report: &Value) -> Vec<Value> {
    report["problems"].as_array().unwrap().clone()
}

fn circular() -> PathBuf {
    samples().join("pdf/circular 12-1445 opening hours.pdf")
}

#[test]
fn everything_arshif_writes_in_an_archive_is_private_and_check_names_what_is_not() {
    open_umask();
    let tmp = tempfile::tempdir().unwrap();
    // `init` in a directory the operator made beforehand, open to all.
    let dir = tmp.path().join("archive");
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o755);
    let out = run(&dir, &["init"]);
    assert!(out.status.success(), "init: {}", stderr(&out));
    let a = TestArchive { tmp, dir };
    assert_eq!(mode(&a.dir), 0o700, "the archive directory itself");

    // An import, accounts and tokens, a search, a copy out of the archive.
    let (r, code) = a.ingest(
        &["--branch", "hofuf", "--doc-type", "circular"],
        &[&circular()],
    );
    assert_eq!(code, 0, "{r}");
    let token = a.admin_token();
    assert_eq!(a.found("hours").len(), 1);
    let copy = a.scratch("out").join("copy.pdf");
    let out = a.run(&["get", "1", "-o", copy.to_str().unwrap()]);
    assert!(out.status.success(), "get: {}", stderr(&out));
    assert_eq!(
        mode(&copy) & 0o077,
        0,
        "a copy of a record is no more readable than the archive"
    );

    // The server: an upload (staged under uploads/), page images (cached
    // under cache/pages/), audit entries.
    {
        let mut server = Server::start(&a);
        server.token = Some(token);
        let mut letter = std::fs::read(circular()).unwrap();
        letter.extend_from_slice(b"\n% another copy\n");
        let body = multipart(&[
            ("branch", None, b"omran"),
            ("file", Some("letter.pdf"), &letter),
        ]);
        let (status, _, out) = server.request(
            "POST",
            "/api/documents",
            Some("multipart/form-data; boundary=XyZ"),
            &body,
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
        let (status, _, _) = server.get("/api/documents/1/pages/1/thumbnail");
        assert_eq!(status, 200);
        let (status, _) = server.json("/api/audit?limit=5");
        assert_eq!(status, 200);
    }

    let modes = all_modes(&a.dir);
    for part in [
        "catalog.sqlite",
        "accounts.sqlite",
        "audit.sqlite",
        "index",
        "store/sha256",
        "store/tmp",
        "cache/pages",
        "uploads",
        "lock",
        "arshif-archive.json",
    ] {
        let p = a.dir.join(part);
        assert!(
            modes.iter().any(|(q, _)| q == &p),
            "{part} was not written; the test no longer covers it"
        );
    }
    let open: Vec<String> = modes
        .iter()
        .filter(|(_, m)| m & 0o077 != 0)
        .map(|(p, m)| format!("{m:04o} {}", p.display()))
        .collect();
    assert!(open.is_empty(), "open to group or other: {open:#?}");
    for (p, m) in &modes {
        let is_dir = std::fs::symlink_metadata(p).unwrap().is_dir();
        if is_dir {
            assert_eq!(*m, 0o700, "{}", p.display());
        } else if p.starts_with(a.dir.join("store/sha256")) {
            assert_eq!(*m, 0o400, "an original is read-only: {}", p.display());
        } else {
            assert_eq!(*m, 0o600, "{}", p.display());
        }
    }
    let (clean, code) = check(&a);
    assert_eq!(code, 0, "{clean}");
    assert!(problems(&clean).is_empty(), "{clean}");

    // One file made world-readable: named, with the repair; exit 1 as for
    // any damage.
    let catalog = a.dir.join("catalog.sqlite");
    chmod(&catalog, 0o644);
    let (report, code) = check(&a);
    assert_eq!(code, 1, "{report}");
    let found = problems(&report);
    // SQLite gives the catalog's -wal and -shm files the catalog's own
    // mode, so they are named with it; nothing else is.
    assert!(
        found.iter().all(|p| p["kind"] == "wrong_permissions"
            && p["damage"] == true
            && p["path"]
                .as_str()
                .unwrap()
                .starts_with(catalog.to_str().unwrap())),
        "{report}"
    );
    let p = found
        .iter()
        .find(|p| p["path"] == catalog.display().to_string())
        .unwrap_or_else(|| panic!("catalog.sqlite not named: {report}"));
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("0644"), "{detail}");
    assert!(detail.contains("read"), "{detail}");
    let repair = p["repair"].as_str().unwrap().to_string();
    assert!(
        repair.starts_with("chmod -R go-rwx ") && repair.contains(a.dir.to_str().unwrap()),
        "{repair}"
    );
    // The human report says the same.
    let out = a.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("DAMAGE wrong_permissions {}", catalog.display())),
        "{text}"
    );
    assert!(text.contains(&repair), "{text}");

    // A directory others can enter and list is named too.
    let shard = a.dir.join("store/sha256");
    chmod(&shard, 0o755);
    let (report, code) = check(&a);
    assert_eq!(code, 1, "{report}");
    let paths: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&shard.to_str().unwrap()) && paths.contains(&catalog.to_str().unwrap()),
        "{report}"
    );

    // The repair it names, run as given, leaves nothing to report.
    let out = std::process::Command::new("sh")
        .args(["-c", &repair])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (healed, code) = check(&a);
    assert_eq!(code, 0, "{healed}");
    assert!(problems(&healed).is_empty(), "{healed}");

    // A whole archive opened up (an old arshif's, or a careless copy): the
    // first files are named, the rest counted in one more problem, not a
    // line for every original.
    let out = std::process::Command::new("chmod")
        .args(["-R", "go+rX"])
        .arg(&a.dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (report, code) = check(&a);
    assert_eq!(code, 1, "{report}");
    let found = problems(&report);
    assert_eq!(found.len(), 21, "{report}");
    assert!(found.iter().all(|p| p["kind"] == "wrong_permissions"));
    let last = found.last().unwrap();
    assert_eq!(last["path"], a.dir.display().to_string());
    assert!(
        last["detail"].as_str().unwrap().contains("more files"),
        "{last}"
    );
}

/// An archive from before this rule: what arshif writes in it from now on
/// is private, what was there keeps the mode the operator left it with
/// (arshif does not chmod their files behind their back), and `check`
/// names it.
#[test]
fn an_old_open_archive_gets_private_new_files_and_check_names_the_old() {
    open_umask();
    let a = TestArchive::new();
    // An archive made before this rule: its files are still open.
    let out = std::process::Command::new("chmod")
        .args(["-R", "go+rX"])
        .arg(&a.dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let (r, code) = a.ingest(&["--branch", "hofuf"], &[&circular()]);
    assert_eq!(code, 0, "{r}");
    let sha = a.show("1")["sha256"].as_str().unwrap().to_string();
    let blob = a
        .dir
        .join("store/sha256")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(&sha);
    assert_eq!(mode(&blob), 0o400);
    assert_eq!(mode(blob.parent().unwrap()), 0o700);
    let (report, code) = check(&a);
    assert_eq!(code, 1, "{report}");
    let paths: Vec<String> = problems(&report)
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        paths.contains(&a.dir.join("catalog.sqlite").display().to_string()),
        "{report}"
    );
    assert!(!paths.contains(&blob.display().to_string()), "{report}");
}

//! `arshif check`, repairs, and imports killed at random points: the real
//! binary on real files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use serde_json::Value;

fn check(a: &TestArchive, deep: bool) -> (Value, i32) {
    let mut args = vec!["check", "--json"];
    if deep {
        args.push("--deep");
    }
    let out = a.run(&args);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check printed no JSON ({e}): {}", stderr(&out)));
    (v, out.status.code().unwrap_or(-1))
}

fn kinds(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect()
}

fn pdfs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(samples().join("pdf"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn blob_path(a: &TestArchive, sha: &str) -> PathBuf {
    a.dir
        .join("store/sha256")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(sha)
}

/// Writable by its owner alone (as `check` wants an archive's files).
fn make_writable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn check_finds_damage_names_it_and_repairs_work() {
    let a = TestArchive::new();
    let files = pdfs();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (r, code) = a.ingest(&["--branch", "hofuf"], &refs);
    assert_eq!(code, 0, "{r}");
    let (clean, code) = check(&a, true);
    assert_eq!(code, 0, "{clean}");
    assert_eq!(clean["documents"], 3);
    assert_eq!(clean["blobs"], 3);
    assert_eq!(clean["indexed_documents"], 3);
    assert_eq!(clean["verified"], 3);
    assert!(kinds(&clean).is_empty(), "{clean}");

    // A flipped byte: the quick check cannot see it, --deep does, naming the
    // document and its source.
    let doc = a.show("1");
    let sha = doc["sha256"].as_str().unwrap().to_string();
    let blob = blob_path(&a, &sha);
    make_writable(&blob);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[200] ^= 0x01;
    std::fs::write(&blob, &bytes).unwrap();
    assert_eq!(check(&a, false).1, 0);
    let (deep, code) = check(&a, true);
    assert_eq!(code, 1, "{deep}");
    assert_eq!(kinds(&deep), ["blob_corrupt"]);
    let p = &deep["problems"][0];
    assert_eq!(p["document"], 1);
    assert_eq!(p["sha256"], sha.as_str());
    assert_eq!(p["path"], doc["sources"][0]["path"]);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("last verified intact"),
        "{p}"
    );
    assert!(!p["repair"].as_str().unwrap().is_empty());

    // The repair it names: move the blob aside, import the file again.
    std::fs::rename(&blob, a.tmp.path().join("damaged")).unwrap();
    let (missing, code) = check(&a, false);
    assert_eq!(code, 1);
    assert_eq!(kinds(&missing), ["missing_blob"]);
    let source = PathBuf::from(doc["sources"][0]["path"].as_str().unwrap());
    let (r, code) = a.ingest(&[], &[&source]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["duplicates"], 1);
    let (healed, code) = check(&a, true);
    assert_eq!(code, 0, "{healed}");
    assert!(kinds(&healed).is_empty(), "{healed}");

    // A deleted index, and a damaged index file: named; reindex repairs.
    let index = a.dir.join("index");
    let segment = std::fs::read_dir(&index)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "store"))
        .expect("a segment's store file");
    let len = std::fs::metadata(&segment).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let (torn, code) = check(&a, false);
    assert_eq!(code, 1, "{torn}");
    assert!(
        kinds(&torn).contains(&"index_damaged".to_string()),
        "{torn}"
    );
    let out = a.run(&["reindex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(check(&a, false).1, 0);
    std::fs::remove_dir_all(&index).unwrap();
    let (gone, code) = check(&a, false);
    assert_eq!(code, 1);
    assert_eq!(kinds(&gone), ["index_damaged"]);
    // Any command that opens the index rebuilds a missing one.
    assert_eq!(a.found("hours").len(), 1);
    assert_eq!(check(&a, false).1, 0);

    // A blob nobody names (an import killed between store and catalog):
    // named as pending work, not damage.
    let stray = a.scratch("stray").join("x.bin");
    std::fs::write(&stray, b"bytes of an interrupted import").unwrap();
    let sha = sha256_hex(b"bytes of an interrupted import");
    let dest = blob_path(&a, &sha);
    {
        // As arshif would have left it: private to the archive's owner.
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dest.parent().unwrap())
            .unwrap();
        std::fs::copy(&stray, &dest).unwrap();
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o400)).unwrap();
    }
    let (orphan, code) = check(&a, false);
    assert_eq!(code, 0, "{orphan}");
    assert_eq!(kinds(&orphan), ["orphan_blob"]);
    assert_eq!(orphan["problems"][0]["damage"], false);

    // The audit chain is part of the check.
    let conn = rusqlite::Connection::open(a.dir.join("audit.sqlite")).unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'x' WHERE seq = 1;")
        .unwrap();
    drop(conn);
    let (broken, code) = check(&a, false);
    assert_eq!(code, 1);
    assert!(kinds(&broken).contains(&"audit_chain_broken".to_string()));

    // The human report names the same.
    let out = a.run(&["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DAMAGE audit_chain_broken"), "{text}");
    assert!(text.contains("repair:"), "{text}");
}

/// A tiny deterministic generator (the kill points are reproducible).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// kill -9 at 22 random points of real imports (walking, hashing, storing,
/// catalog writes, index commits), each in a fresh archive: after each kill
/// `check` finds no damage (only work the re-run finishes), and the re-run
/// completes it, consistent to the last byte.
#[test]
fn imports_killed_at_random_points_leave_no_damage() {
    let inputs = tempfile::tempdir().unwrap();
    let dir = inputs.path();
    // 15 distinct PDFs with text layers (no OCR: the import is quick, so
    // the kills land in every phase).
    for (i, src) in pdfs().iter().cycle().take(15).enumerate() {
        let mut bytes = std::fs::read(src).unwrap();
        bytes.extend_from_slice(format!("\n% copy {i}\n").as_bytes());
        std::fs::write(dir.join(format!("doc-{i:02}.pdf")), bytes).unwrap();
    }
    let ingest = |a: &TestArchive, progress: &str| {
        Command::new(bin())
            .arg("--archive")
            .arg(&a.dir)
            .args([
                "ingest",
                "--json",
                "--progress",
                progress,
                "--branch",
                "omran",
            ])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // The kill points are progress events (files seen, pages read, files
    // recorded), not times, so they spread over the import on any machine.
    let events = |child: &mut std::process::Child| {
        use std::io::BufRead;
        std::io::BufReader::new(child.stderr.take().unwrap()).lines()
    };
    let probe = TestArchive::new();
    let mut child = ingest(&probe, "json");
    let total = events(&mut child).count() as u64;
    assert!(child.wait().unwrap().success());
    assert!(total >= 30, "only {total} progress events");

    let mut rng = Lcg(1445);
    let mut kills = 0;
    for round in 0..22 {
        let a = TestArchive::new();
        let mut child = ingest(&a, "json");
        let at = 1 + rng.next(total - 1);
        let mut seen = 0;
        for _ in events(&mut child) {
            seen += 1;
            if seen == at {
                // SIGKILL: no chance to clean up.
                child.kill().unwrap();
                kills += 1;
                break;
            }
        }
        child.wait().unwrap();
        let (report, code) = check(&a, false);
        let damage: Vec<&Value> = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["damage"] == true)
            .collect();
        assert!(
            damage.is_empty() && code == 0,
            "round {round}, killed after event {at} of {total}: {report}"
        );
        assert!(
            ingest(&a, "none").wait().unwrap().success(),
            "round {round}: re-run"
        );
        let (done, code) = check(&a, round == 21);
        assert_eq!(code, 0, "round {round}: {done}");
        assert!(kinds(&done).is_empty(), "round {round}: {done}");
        assert_eq!(done["documents"], 15, "round {round}");
        assert_eq!(done["indexed_documents"], 15, "round {round}");
        assert_eq!(a.search(&["--limit", "100"], "branch:omran")["total"], 15);
    }
    assert!(
        kills >= 18,
        "only {kills} of 22 imports were killed mid-way"
    );
}

/// `reindex` killed at random points: `check` names the documents still to
/// index (not damage), and running it again finishes the work.
#[test]
fn reindex_is_safe_to_interrupt_and_run_again() {
    let a = TestArchive::new();
    let dir = a.scratch("inbox");
    for (i, src) in pdfs().iter().cycle().take(30).enumerate() {
        let mut bytes = std::fs::read(src).unwrap();
        bytes.extend_from_slice(format!("\n% copy {i}\n").as_bytes());
        std::fs::write(dir.join(format!("doc-{i:02}.pdf")), bytes).unwrap();
    }
    let (r, code) = a.ingest(&["--branch", "oyun"], &[&dir]);
    assert_eq!(code, 0, "{r}");
    let t = std::time::Instant::now();
    assert!(a.run(&["reindex"]).status.success());
    let full = t.elapsed().as_millis().max(50) as u64;
    let mut rng = Lcg(30);
    for round in 0..6 {
        let mut child = Command::new(bin())
            .arg("--archive")
            .arg(&a.dir)
            .arg("reindex")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.next(full)));
        let _ = child.kill();
        child.wait().unwrap();
        let (report, code) = check(&a, false);
        assert_eq!(code, 0, "round {round}: {report}");
        for k in kinds(&report) {
            assert!(
                k == "not_indexed" || k == "staging_leftover",
                "round {round}: {report}"
            );
        }
    }
    assert!(a.run(&["reindex"]).status.success());
    let (done, code) = check(&a, false);
    assert_eq!(code, 0, "{done}");
    assert!(kinds(&done).is_empty(), "{done}");
    assert_eq!(done["indexed_documents"], 30);
}

/// A newer archive or catalog is refused with a clear message, and a torn
/// catalog file is reported, never misread.
#[test]
fn newer_formats_are_refused_and_a_torn_catalog_is_reported() {
    let a = TestArchive::new();
    let (r, code) = a.ingest(&[], &[&pdfs()[0]]);
    assert_eq!(code, 0, "{r}");

    let meta = a.dir.join("arshif-archive.json");
    let original = std::fs::read_to_string(&meta).unwrap();
    let mut v: Value = serde_json::from_str(&original).unwrap();
    v["version"] = 99.into();
    std::fs::write(&meta, v.to_string()).unwrap();
    for args in [
        &["check"][..],
        &["search", "hours"],
        &["ingest", "/nonexistent"],
    ] {
        let out = a.run(args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr(&out).contains("upgrade arshif"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    std::fs::write(&meta, &original).unwrap();

    let conn = rusqlite::Connection::open(a.dir.join("catalog.sqlite")).unwrap();
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    let out = a.run(&["check"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("upgrade arshif"), "{}", stderr(&out));
    let conn = rusqlite::Connection::open(a.dir.join("catalog.sqlite")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA user_version = {}",
        arshif::catalog::SCHEMA_VERSION
    ))
    .unwrap();
    drop(conn);
    assert_eq!(check(&a, true).1, 0);

    // Torn: the catalog file cut short.
    let db = a.dir.join("catalog.sqlite");
    let len = std::fs::metadata(&db).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let out = a.run(&["check", "--deep", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(said.contains("catalog"), "{said}");
}

/// A full disk during an import fails cleanly: the files that do not fit
/// fail with the reason, nothing partial is visible under a blob's name,
/// and `check --deep` finds no damage; what was archived before is intact.
/// The archive lives on a 1 MiB tmpfs mounted in a private user and mount
/// namespace (`unshare -rm`: no root needed, nothing visible outside).
#[test]
fn a_full_disk_fails_the_import_cleanly() {
    let work = tempfile::tempdir().unwrap();
    let inputs = work.path().join("inputs");
    let first = work.path().join("first");
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::create_dir_all(&first).unwrap();
    let text_pdfs: Vec<PathBuf> = pdfs()
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("مخالفة"))
        .collect();
    std::fs::copy(&text_pdfs[0], first.join("first.pdf")).unwrap();
    for i in 0..120 {
        let mut bytes = std::fs::read(&text_pdfs[i % text_pdfs.len()]).unwrap();
        bytes.extend_from_slice(format!("\n% copy {i}\n").as_bytes());
        std::fs::write(inputs.join(format!("doc-{i:03}.pdf")), bytes).unwrap();
    }
    let mnt = work.path().join("disk");
    std::fs::create_dir_all(&mnt).unwrap();
    let script = r#"set -u
mount -t tmpfs -o size=1m tmpfs "$MNT" || exit 90
A="$MNT/archive"
"$BIN" --archive "$A" init >/dev/null || exit 91
"$BIN" --archive "$A" ingest --progress none --workers 1 "$FIRST" >/dev/null || exit 92
"$BIN" --archive "$A" ingest --json --progress none --workers 1 "$INPUTS" > "$OUT/full.json" 2> "$OUT/full.err"
echo $? > "$OUT/full.code"
for f in "$A"/store/sha256/*/*/*; do sha256sum "$f"; done > "$OUT/blobs-full.txt"
# The administrator frees space (here: grows the disk).
mount -o remount,size=16m "$MNT" || exit 93
"$BIN" --archive "$A" check --deep --json > "$OUT/check.json" 2> "$OUT/check.err"
echo $? > "$OUT/check.code"
"$BIN" --archive "$A" search --json hours > "$OUT/search.json" 2>/dev/null
"$BIN" --archive "$A" ingest --json --progress none --workers 1 "$INPUTS" > "$OUT/rerun.json" 2> "$OUT/rerun.err"
echo $? > "$OUT/rerun.code"
"$BIN" --archive "$A" check --json > "$OUT/check2.json" 2>&1
echo $? > "$OUT/check2.code"
for f in "$A"/store/sha256/*/*/*; do sha256sum "$f"; done > "$OUT/blobs.txt"
umount "$MNT"
"#.to_string();
    let out = work.path();
    let status = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .env("MNT", &mnt)
        .env("BIN", bin())
        .env("FIRST", &first)
        .env("INPUTS", &inputs)
        .env("OUT", out)
        .status()
        .expect("run unshare");
    assert!(status.success(), "setup failed: {status:?}");
    let read = |n: &str| std::fs::read_to_string(out.join(n)).unwrap_or_default();

    // The import failed cleanly, exit 1, saying why: either the files that
    // did not fit, each with the reason, or (when the catalog itself cannot
    // grow) the whole import stopped with a message naming the full disk.
    let code = read("full.code");
    assert_eq!(code.trim(), "1", "{}", read("full.err"));
    let said = format!("{}{}", read("full.json"), read("full.err"));
    assert!(
        said.contains("No space left") || said.contains("disk is full"),
        "{said}"
    );
    assert!(!said.contains("panicked"), "{said}");
    // Nothing partial under a blob's name: every stored file hashes to it.
    for line in read("blobs-full.txt")
        .lines()
        .chain(read("blobs.txt").lines())
    {
        let (hash, path) = line.split_once("  ").unwrap();
        assert!(path.ends_with(hash), "{line}");
    }
    // And the archive is consistent, the earlier import intact.
    let check: Value = serde_json::from_str(&read("check.json"))
        .unwrap_or_else(|e| panic!("{e}: {}", read("check.err")));
    assert_eq!(read("check.code").trim(), "0", "{check}");
    assert!(
        check["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["damage"] == false),
        "{check}"
    );
    let found: Value = serde_json::from_str(&read("search.json")).unwrap();
    assert!(found["total"].as_u64().unwrap() >= 1, "{found}");
    // With space again, the same import runs to the end.
    assert_eq!(read("rerun.code").trim(), "0", "{}", read("rerun.err"));
    let done: Value = serde_json::from_str(&read("check2.json")).unwrap();
    assert_eq!(read("check2.code").trim(), "0", "{done}");
    assert_eq!(done["documents"], 121, "{done}");
    assert!(done["problems"].as_array().unwrap().is_empty(), "{done}");
}

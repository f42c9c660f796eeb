//! The audit log against whoever can write its file, through the real
//! binary: a rewrite with recomputed hashes passes the bare chain but not
//! the key; a cut from the end passes the key but not a checkpoint; and
//! names, titles and paths carrying terminal escapes are printed escaped.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{bin, samples, stderr, TestArchive};
use serde_json::Value;
use sha2::{Digest, Sha256};

const KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// How a run gets its key.
#[derive(Clone, Copy)]
enum Key<'a> {
    None,
    File(&'a Path),
    Env(&'a str),
}

/// `arshif --archive DIR ARGS` with exactly the key given (none of the
/// caller's), `USER` set to `user` and `stdin` on standard input.
fn arshif(dir: &Path, key: Key, user: &str, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(bin());
    cmd.arg("--archive")
        .arg(dir)
        .args(args)
        .env_remove("ARSHIF_AUDIT_KEY")
        .env_remove("ARSHIF_AUDIT_KEY_FILE")
        .env("USER", user)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    match key {
        Key::None => {}
        Key::File(p) => {
            cmd.env("ARSHIF_AUDIT_KEY_FILE", p);
        }
        Key::Env(k) => {
            cmd.env("ARSHIF_AUDIT_KEY", k);
        }
    }
    let mut child = cmd.spawn().expect("run arshif");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: Output, what: &str) -> Output {
    assert!(
        o.status.success(),
        "{what}: exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    o
}

/// The entry hash as arshif computes it: sha256 over the fields, each as
/// its length, a colon, its bytes and a newline. (The tamperer knows it:
/// it is in the source.)
fn entry_hash(fields: &[String]) -> String {
    let mut h = Sha256::new();
    for f in fields {
        h.update(f.len().to_string().as_bytes());
        h.update(b":");
        h.update(f.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

type Row = (i64, [String; 6], String, String, Option<String>);

fn rows(db: &Path) -> Vec<Row> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare(
            "SELECT seq, at, actor, address, action, documents, detail, prev, hash, mac
             FROM audit ORDER BY seq",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get(0)?,
            [
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ],
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Replace the log's entries with `rows`, renumbered from 1 and every
/// link and hash recomputed; MACs kept or stripped.
fn rewrite(db: &Path, rows: &[Row], strip_macs: bool) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;
         DELETE FROM audit;",
    )
    .unwrap();
    let mut prev = "0".repeat(64);
    for (i, (_, f, _, _, mac)) in rows.iter().enumerate() {
        let seq = i as i64 + 1;
        let mut fields = vec![seq.to_string()];
        fields.extend(f.iter().cloned());
        fields.push(prev.clone());
        let hash = entry_hash(&fields);
        let mac = if strip_macs { None } else { mac.clone() };
        conn.execute(
            "INSERT INTO audit (seq, at, actor, address, action, documents, detail, prev, hash, mac)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![seq, f[0], f[1], f[2], f[3], f[4], f[5], prev, hash, mac],
        )
        .unwrap();
        prev = hash;
    }
}

/// Keep a copy of the log's files to restore between attacks.
fn save(dir: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in ["audit.sqlite", "audit.sqlite-wal", "audit.sqlite-shm"] {
        let _ = std::fs::remove_file(to.join(name));
        if dir.join(name).exists() {
            std::fs::copy(dir.join(name), to.join(name)).unwrap();
        }
    }
}

fn restore(from: &Path, dir: &Path) {
    for name in ["audit.sqlite", "audit.sqlite-wal", "audit.sqlite-shm"] {
        let _ = std::fs::remove_file(dir.join(name));
        if from.join(name).exists() {
            std::fs::copy(from.join(name), dir.join(name)).unwrap();
        }
    }
}

#[test]
fn keyed_verify_and_checkpoints_find_rewrites_and_cuts() {
    let a = TestArchive::new();
    let keys = a.scratch("keys");
    let key_file = keys.join("audit.key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let key = Key::File(&key_file);
    let dir = a.dir.clone();
    let run = |key: Key, args: &[&str]| arshif(&dir, key, "clerk", args, "");
    let db = dir.join("audit.sqlite");

    // An archive written without a key first (as every archive before this
    // change was), then with it.
    for (who, k) in [("early", Key::None), ("sara", key), ("omar", key)] {
        ok(
            arshif(
                &dir,
                k,
                "clerk",
                &["user", "add", who, "--role", "staff", "--password-stdin"],
                "a long enough password\n",
            ),
            "user add",
        );
        ok(run(k, &["token", "create", who]), "token create");
    }
    // Six entries: two unkeyed, four keyed.
    let cp_out = ok(run(key, &["audit", "checkpoint"]), "checkpoint");
    let checkpoint: Value = serde_json::from_slice(&cp_out.stdout).unwrap();
    assert_eq!(checkpoint["seq"], 7, "{checkpoint}");
    assert_eq!(checkpoint["format"], "arshif-audit-checkpoint/1");
    assert!(stderr(&cp_out).contains("--checkpoint"));
    let cp_file = keys.join("head-7.json");
    std::fs::write(&cp_file, &cp_out.stdout).unwrap();
    let cp = cp_file.to_str().unwrap();
    // Two more after the checkpoint.
    ok(
        run(key, &["token", "create", "sara", "--label", "scanner"]),
        "token",
    );
    ok(
        run(key, &["token", "create", "omar", "--label", "scanner"]),
        "token",
    );
    assert_eq!(rows(&db).len(), 9);
    assert_eq!(
        rows(&db).iter().map(|r| r.4.is_some()).collect::<Vec<_>>(),
        [false, false, true, true, true, true, true, true, true]
    );

    // Intact: with the key, with the checkpoint, and without the key.
    let v = ok(run(key, &["audit", "verify", "--checkpoint", cp]), "verify");
    let text = stdout(&v);
    assert!(text.contains("intact: 9 entries"), "{text}");
    assert!(text.contains("7 of them carry a MAC"), "{text}");
    assert!(text.contains("up to the checkpoint's entry 7"), "{text}");
    let v = ok(run(Key::Env(KEY), &["audit", "verify", "--json"]), "json");
    let v: Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(v["entries"], 9);
    assert_eq!(v["keyed"], 7);
    assert_eq!(v["key_id"], checkpoint["key_id"], "the same key by env");
    let v = ok(run(Key::None, &["audit", "verify"]), "verify without key");
    assert!(
        stdout(&v).contains("7 entries carry a MAC"),
        "{}",
        stdout(&v)
    );
    // A checkpoint is signed and checked with the key only.
    let e = run(Key::None, &["audit", "verify", "--checkpoint", cp]);
    assert!(!e.status.success());
    assert!(stderr(&e).contains("ARSHIF_AUDIT_KEY"), "{}", stderr(&e));
    let e = run(Key::None, &["audit", "checkpoint"]);
    assert!(!e.status.success());
    assert!(e.stdout.is_empty());

    let pristine = a.scratch("pristine");
    save(&dir, &pristine);
    let broken = |key: Key, args: &[&str], words: &str, what: &str| {
        let out = run(key, args);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {text}{}", stderr(&out));
        assert!(text.contains("BROKEN"), "{what}: {text}");
        assert!(text.contains(words), "{what}: {text:?} lacks {words:?}");
    };
    let intact = |key: Key, args: &[&str], what: &str| {
        let out = run(key, args);
        assert!(
            out.status.success(),
            "{what}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    };

    // 1. Four entries removed from the middle, the hashes recomputed: the
    //    bare chain says intact (what arshif said before the key), the key
    //    does not, whether the stale MACs stay or go.
    let all = rows(&db);
    let kept: Vec<Row> = all
        .iter()
        .filter(|r| !(3..=6).contains(&r.0))
        .cloned()
        .collect();
    for strip in [false, true] {
        rewrite(&db, &kept, strip);
        intact(Key::None, &["audit", "verify"], "rewrite, bare chain");
        broken(
            key,
            &["audit", "verify"],
            if strip {
                // Entries 1 and 2 predate the key; the rest were rewritten.
                "no entry carries a MAC"
            } else {
                "MAC does not match the key"
            },
            "middle rewrite",
        );
        broken(
            key,
            &["audit", "verify", "--checkpoint", cp],
            "entry",
            "middle rewrite, checkpoint",
        );
    }

    // 2. MACs stripped from every entry (made to look older than the key).
    rewrite(&db, &all, true);
    intact(Key::None, &["audit", "verify"], "stripped, bare chain");
    broken(
        key,
        &["audit", "verify"],
        "no entry carries a MAC",
        "stripped",
    );

    // 3. The last four entries cut: the key alone cannot tell (entry 5
    //    carries a MAC); the checkpoint of entry 7 can.
    restore(&pristine, &dir);
    rewrite(&db, &all[..5], false);
    intact(key, &["audit", "verify"], "tail cut, key alone");
    broken(
        key,
        &["audit", "verify", "--checkpoint", cp],
        "the log ends at entry 5, before the checkpoint's entry 7",
        "tail cut",
    );
    // Cut after the checkpoint: what it pins is still there.
    rewrite(&db, &all[..8], false);
    intact(
        key,
        &["audit", "verify", "--checkpoint", cp],
        "cut after the checkpoint",
    );

    // 4. A wrong key: every MAC and the checkpoint fail.
    restore(&pristine, &dir);
    let wrong = Key::Env("an entirely different secret key");
    broken(
        wrong,
        &["audit", "verify"],
        "MAC does not match the key",
        "wrong key",
    );
    broken(
        wrong,
        &["audit", "verify", "--checkpoint", cp],
        "signed with another key",
        "wrong key, checkpoint",
    );
    // A checkpoint edited to an earlier entry fails its own MAC.
    let mut edited = checkpoint.clone();
    edited["seq"] = 3.into();
    let edited_file = keys.join("edited.json");
    std::fs::write(&edited_file, edited.to_string()).unwrap();
    broken(
        key,
        &[
            "audit",
            "verify",
            "--checkpoint",
            edited_file.to_str().unwrap(),
        ],
        "changed or forged",
        "edited checkpoint",
    );
    intact(key, &["audit", "verify", "--checkpoint", cp], "restored");

    // 5. A key file kept inside the archive, beside the log, is refused.
    let inside: PathBuf = dir.join("audit.key");
    std::fs::write(&inside, KEY).unwrap();
    let e = run(Key::File(&inside), &["audit", "verify"]);
    assert!(!e.status.success());
    assert!(
        stderr(&e).contains("beside the audit log"),
        "{}",
        stderr(&e)
    );
    let e = run(Key::Env("short"), &["audit", "verify"]);
    assert!(stderr(&e).contains("at least 16"), "{}", stderr(&e));
}

/// Control characters in a user name (here the system user the command
/// line records), a title and a file name reach `audit`, `batches`,
/// `search` and `show` as escapes, never raw; JSON keeps them exact.
#[test]
fn human_output_escapes_terminal_controls() {
    let a = TestArchive::new();
    let dir = a.dir.clone();
    let evil_user = "mallory\u{1b}[2J\u{1b}[1;32m\n     1  2024-01-01T00:00:00.000Z  admin\u{202e}";
    let run = |args: &[&str]| arshif(&dir, Key::None, evil_user, args, "");

    // A born-digital PDF (no OCR) under a name with escapes and a newline,
    // and a broken one beside it (a failure in the batch report).
    let inbox = a.scratch("inbox");
    let evil_file = "circular\u{1b}[31m\nforged line\u{9b}2J.pdf";
    std::fs::copy(
        samples().join("pdf/circular 12-1445 opening hours.pdf"),
        inbox.join(evil_file),
    )
    .unwrap();
    std::fs::write(inbox.join("broken\u{1b}[5m\nforged.pdf"), b"%PDF-1.4 cut").unwrap();
    let out = run(&["ingest", "--json", inbox.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    assert_eq!(report["ingested"], 1, "{report}");
    assert_eq!(report["failed"], 1, "{report}");
    let found = a.search(&[], "opening");
    let id = found["hits"][0]["id"].as_i64().expect("found").to_string();
    let evil_title = "Hours\u{1b}]0;owned\u{7}\u{1b}[8m \u{2066}hidden\u{2069}";
    ok(run(&["set", &id, "--title", evil_title]), "set title");

    // The log as listed for people and as JSON, before the reads below add
    // to it.
    let json = ok(run(&["audit", "--json", "--limit", "100"]), "audit --json");
    let outputs = [
        ("audit", run(&["audit", "--limit", "100"])),
        ("batches", run(&["batches"])),
        ("batch", run(&["batches", "1"])),
        ("search", run(&["search", "opening"])),
        ("show", run(&["show", &id])),
    ];
    for (what, out) in &outputs {
        let out = ok(out.clone(), what);
        let text = stdout(&out);
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{2066}', '\r'] {
            assert!(!text.contains(bad), "{what}: raw {bad:?} in {text:?}");
        }
        for line in text.lines() {
            assert!(
                !line.starts_with("forged") && !line.starts_with("     1  2024"),
                "{what}: a forged line: {line:?}"
            );
        }
    }
    let audit = stdout(&outputs[0].1);
    assert!(
        audit.contains("local:mallory\\x1b[2J\\x1b[1;32m\\n     1  2024-01-01"),
        "{audit}"
    );
    assert!(audit.contains("admin\\u{202e}"), "{audit}");
    // One line per entry: the name's newline started none.
    let entries = audit.lines().count();
    let listed: Vec<Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(entries, listed.len(), "{audit}");
    // JSON keeps the name exact.
    assert_eq!(listed[0]["actor"], format!("local:{evil_user}"));
    let batches = stdout(&outputs[2].1);
    assert!(
        batches.contains("circular\\x1b[31m\\nforged line\\u{9b}2J.pdf"),
        "{batches}"
    );
    assert!(batches.contains("broken\\x1b[5m\\nforged.pdf"), "{batches}");
    let show = stdout(&outputs[4].1);
    assert!(
        show.contains("Hours\\x1b]0;owned\\x07\\x1b[8m \\u{2066}hidden\\u{2069}"),
        "{show}"
    );
    assert!(show.contains("circular\\x1b[31m\\nforged line"), "{show}");
    let search = stdout(&outputs[3].1);
    assert!(search.contains("Hours\\x1b]0;owned"), "{search}");
    // JSON of the same document: exact.
    assert_eq!(a.show(&id)["title"], evil_title);
}

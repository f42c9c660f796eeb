//! The audit log's tests (SQLite; `postgres.rs` holds the PostgreSQL ones).

use super::*;

fn log() -> (tempfile::TempDir, AuditLog) {
    let dir = tempfile::tempdir().unwrap();
    let a = AuditLog::open(&dir.path().join("audit.sqlite")).unwrap();
    (dir, a)
}

fn fill(a: &AuditLog) {
    a.append(
        &Event::new("sara", "10.0.0.5", Action::Search)
            .documents([DocId(3), DocId(7)])
            .detail(serde_json::json!({"query": "رخصة بناء"})),
    )
    .unwrap();
    a.append(&Event::new("sara", "10.0.0.5", Action::View).documents([DocId(7)]))
        .unwrap();
    a.append(&Event::new("omar", "10.0.0.6", Action::LoginFailed))
        .unwrap();
}

#[test]
fn entries_are_chained_and_listed_newest_first() {
    let (_d, a) = log();
    fill(&a);
    let all = a
        .list(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(all[2].prev, GENESIS);
    assert_eq!(all[1].prev, all[2].hash);
    assert_eq!(all[2].detail["query"], "رخصة بناء");
    let by_doc = a
        .list(&AuditFilter {
            document: Some(DocId(7)),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_doc.len(), 2);
    let by_user = a
        .list(&AuditFilter {
            actor: Some("omar".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_user[0].action, "login_failed");
    let v = a.verify().unwrap();
    assert_eq!(v.entries, 3);
    assert!(v.broken.is_none());
    assert_eq!(v.head.unwrap().1, all[0].hash);
}

/// Groups and other writers (two connections standing in for the
/// server and a CLI run) interleave without breaking the chain.
#[test]
fn groups_and_concurrent_writers_keep_the_chain() {
    let (d, a) = log();
    let path = d.path().join("audit.sqlite");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let a = AuditLog::open(&path).unwrap();
                for i in 0..25 {
                    let e =
                        Event::new(format!("w{t}"), "local", Action::View).documents([DocId(i)]);
                    if i % 5 == 0 {
                        a.append_all(&[e.clone(), e]).unwrap();
                    } else {
                        a.append(&e).unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let v = a.verify().unwrap();
    assert_eq!(v.entries, 4 * 30);
    assert!(v.broken.is_none(), "{:?}", v.broken);
}

#[test]
fn a_newer_log_is_refused() {
    let (d, a) = log();
    a.connection()
        .execute_batch("PRAGMA user_version = 9")
        .unwrap();
    drop(a);
    let e = AuditLog::open(&d.path().join("audit.sqlite"))
        .err()
        .expect("refused");
    assert!(matches!(e, AuditError::NewerSchema { found: 9, .. }), "{e}");
    assert!(e.to_string().contains("upgrade arshif"));
}

#[test]
fn the_table_refuses_changes() {
    let (_d, a) = log();
    fill(&a);
    let conn = a.connection();
    let e = conn
        .execute("UPDATE audit SET actor = 'x' WHERE seq = 1", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(conn.execute("DELETE FROM audit WHERE seq = 2", []).is_err());
}

/// Tampering by other means (dropping the guard) is found by verify.
#[test]
fn tampering_breaks_the_chain() {
    for (sql, seq, why) in [
        (
            "UPDATE audit SET detail = '{\"query\":\"x\"}' WHERE seq = 1",
            1,
            "changed",
        ),
        ("DELETE FROM audit WHERE seq = 2", 3, "missing"),
        (
            "UPDATE audit SET actor = 'nobody', hash = 'f' WHERE seq = 2",
            2,
            "changed",
        ),
    ] {
        let (_d, a) = log();
        fill(&a);
        let conn = a.connection();
        conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
            .unwrap();
        conn.execute(sql, []).unwrap();
        let v = a.verify().unwrap();
        let (at, reason) = v.broken.expect(sql);
        assert_eq!(at, seq, "{sql}: {reason}");
        assert!(reason.contains(why), "{sql}: {reason}");
    }
}

use super::tamper::{self, Macs};

fn keyed_log(key: Option<AuditKey>) -> (tempfile::TempDir, AuditLog) {
    let dir = tempfile::tempdir().unwrap();
    let a = AuditLog::open_with_key(&dir.path().join("audit.sqlite"), key).unwrap();
    (dir, a)
}

fn key(s: &str) -> AuditKey {
    AuditKey::new(format!("{s:-<32}").as_bytes()).unwrap()
}

/// Rewrites with recomputed hashes (that verify without the key) and
/// cuts from the end are found with the key and the checkpoint.
#[test]
fn rewrites_fail_keyed_verify_and_cuts_fail_the_checkpoint() {
    let results = tamper::run_scenarios(&keyed_log, &tamper::write_sqlite);
    assert_eq!(results.len(), tamper::scenarios().len());
}

#[test]
fn a_wrong_key_fails() {
    let (d, a) = keyed_log(Some(key("right")));
    let checkpoint = tamper::fill_keyed(&a);
    drop(a);
    let path = d.path().join("audit.sqlite");
    let wrong = AuditLog::open_with_key(&path, Some(key("wrong"))).unwrap();
    let v = wrong.verify().unwrap();
    tamper::expect(&v, Some((1, "MAC does not match the key")), "wrong key");
    let v = wrong
        .verify_against(std::slice::from_ref(&checkpoint))
        .unwrap();
    tamper::expect(&v, Some((8, "signed with another key")), "checkpoint");
    // A checkpoint changed by hand (to an earlier head) is refused.
    let right = AuditLog::open_with_key(&path, Some(key("right"))).unwrap();
    let mut moved = checkpoint.clone();
    moved.seq = 5;
    let v = right.verify_against(&[moved]).unwrap();
    tamper::expect(&v, Some((5, "changed or forged")), "moved checkpoint");
    assert!(right
        .verify_against(&[checkpoint])
        .unwrap()
        .broken
        .is_none());
}

#[test]
fn checkpoints_take_the_key() {
    let (d, a) = keyed_log(Some(key("k")));
    let checkpoint = tamper::fill_keyed(&a);
    drop(a);
    let plain = AuditLog::open_with_key(&d.path().join("audit.sqlite"), None).unwrap();
    let e = plain.verify_against(&[checkpoint]).unwrap_err();
    assert!(matches!(e, AuditError::Checkpoint { .. }), "{e}");
    assert!(e.to_string().contains("ARSHIF_AUDIT_KEY"), "{e}");
    let e = plain
        .checkpoint(&Event::new("local:root", "local", Action::Checkpoint))
        .unwrap_err();
    assert!(e.to_string().contains("signed with the audit key"), "{e}");
    // Without the key the chain is still checked, MACs counted.
    let v = plain.verify().unwrap();
    assert!(v.broken.is_none());
    assert_eq!((v.entries, v.keyed, v.key_id), (8, 8, None));
}

/// Entries from before the key carry no MAC; the first keyed entry
/// vouches for them, and until there is one a keyed verify fails.
#[test]
fn entries_before_the_key_are_vouched_for_by_the_first_keyed_one() {
    let (d, a) = log();
    fill(&a);
    drop(a);
    let path = d.path().join("audit.sqlite");
    let k = key("introduced later");
    let a = AuditLog::open_with_key(&path, Some(k.clone())).unwrap();
    tamper::expect(
        &a.verify().unwrap(),
        Some((3, "no entry carries a MAC")),
        "key just configured",
    );
    let e = a
        .checkpoint(&Event::new("local:root", "local", Action::Checkpoint))
        .unwrap()
        .0;
    assert_eq!(e.seq, 4);
    assert!(e.mac.is_some());
    let v = a.verify().unwrap();
    assert!(v.broken.is_none(), "{:?}", v.broken);
    assert_eq!((v.entries, v.keyed), (4, 1));
    // A legacy entry rewritten: the keyed entry after it no longer fits.
    for (macs, want) in [
        (Macs::Keep, (4, "MAC does not match the key")),
        (Macs::Strip, (4, "no entry carries a MAC")),
    ] {
        let (_d, b) = keyed_log(Some(k.clone()));
        tamper::write_sqlite(&b, &a.records());
        assert!(b.verify().unwrap().broken.is_none());
        tamper::write_sqlite(&b, &tamper::change_actor(&a.records(), 1, macs));
        tamper::expect(&b.verify().unwrap(), Some(want), &format!("{macs:?}"));
    }
}

/// Entries written by a process without the key (a misconfigured
/// server) fail a keyed verify until a keyed entry follows them.
#[test]
fn an_unkeyed_gap_is_vouched_for_by_the_next_keyed_entry() {
    let k = key("k");
    let (d, keyed) = keyed_log(Some(k.clone()));
    let path = d.path().join("audit.sqlite");
    let plain = AuditLog::open_with_key(&path, None).unwrap();
    let view = || Event::new("sara", "10.0.0.5", Action::View);
    keyed.append_all(&[view(), view()]).unwrap();
    plain.append_all(&[view(), view()]).unwrap();
    tamper::expect(
        &keyed.verify().unwrap(),
        Some((4, "nor does any after entry 2")),
        "gap at the end",
    );
    keyed.append(&view()).unwrap();
    let v = keyed.verify().unwrap();
    assert!(v.broken.is_none(), "{:?}", v.broken);
    assert_eq!((v.entries, v.keyed), (5, 3));
}

/// A checkpoint of another log (a restored old copy, a log swapped
/// for another written with the same key) does not fit.
#[test]
fn a_checkpoint_of_another_log_differs() {
    let k = key("k");
    let (_d, a) = keyed_log(Some(k.clone()));
    let checkpoint = tamper::fill_keyed(&a);
    let (_e, b) = keyed_log(Some(k));
    for i in 0..8 {
        b.append(&Event::new("omar", "10.0.0.6", Action::Search).documents([DocId(i)]))
            .unwrap();
    }
    tamper::expect(
        &b.verify_against(&[checkpoint]).unwrap(),
        Some((8, "differs from the checkpoint")),
        "another log",
    );
}

/// A log of schema version 1 (no MACs) gains the column and keeps its
/// entries and their hashes.
#[test]
fn a_version_1_log_is_migrated() {
    let (d, a) = log();
    fill(&a);
    let before = a.verify().unwrap();
    a.connection()
        .execute_batch("ALTER TABLE audit DROP COLUMN mac; PRAGMA user_version = 1;")
        .unwrap();
    drop(a);
    let a = AuditLog::open_with_key(&d.path().join("audit.sqlite"), Some(key("k"))).unwrap();
    let version: i64 = a
        .connection()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let after = a.verify().unwrap();
    assert_eq!(after.head, before.head);
    a.append(&Event::new("sara", "local", Action::Logout))
        .unwrap();
    let v = a.verify().unwrap();
    assert!(v.broken.is_none(), "{:?}", v.broken);
    assert_eq!((v.entries, v.keyed), (4, 1));
    // The guard still holds after the migration.
    assert!(a
        .connection()
        .execute("DELETE FROM audit WHERE seq = 1", [])
        .is_err());
}

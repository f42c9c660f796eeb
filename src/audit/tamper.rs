//! The tamperer's tools, for the tests of both backends: whoever can write
//! the log's database rewrites it, recomputing every hash as arshif would,
//! but without the key.

use super::*;

impl AuditLog {
    /// Every stored record, in order.
    pub(crate) fn records(&self) -> Vec<Record> {
        let mut out = Vec::new();
        match &self.backend {
            Backend::Sqlite(s) => s.walk(&mut |r| out.push(r)).unwrap(),
            Backend::Pg(p) => p.walk(&mut |r| out.push(r)).unwrap(),
        }
        out
    }
}

/// What the rewritten entries' MACs become.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Macs {
    /// Left as they were (no longer matching).
    Keep,
    /// Removed, as if the entries were written without a key.
    Strip,
}

/// Renumber from 1 and recompute every link and hash (and so every
/// entry's hash from the first changed one on); the MACs of entries
/// whose hash changed are handled as `macs` says.
fn rechain(records: Vec<Record>, macs: Macs) -> Vec<Record> {
    let mut prev = GENESIS.to_string();
    records
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.seq = i as i64 + 1;
            r.prev = prev.clone();
            let hash = r.computed_hash();
            if hash != r.hash {
                r.hash = hash;
                if let Macs::Strip = macs {
                    r.mac = None;
                }
            }
            prev = r.hash.clone();
            r
        })
        .collect()
}

/// Entries `from..=to` removed, the rest renumbered and rechained.
pub(crate) fn remove_middle(records: &[Record], from: i64, to: i64, macs: Macs) -> Vec<Record> {
    let kept = records
        .iter()
        .filter(|r| r.seq < from || r.seq > to)
        .cloned()
        .collect();
    rechain(kept, macs)
}

/// Entry `seq`'s actor changed, the chain recomputed after it.
pub(crate) fn change_actor(records: &[Record], seq: i64, macs: Macs) -> Vec<Record> {
    let mut all = records.to_vec();
    for r in all.iter_mut().filter(|r| r.seq == seq) {
        r.actor = "someone else".into();
    }
    rechain(all, macs)
}

/// The last `n` entries cut (nothing else touched).
pub(crate) fn cut_tail(records: &[Record], n: usize) -> Vec<Record> {
    records[..records.len().saturating_sub(n)].to_vec()
}

/// The MACs of entries `from` on removed (nothing else touched).
pub(crate) fn strip_macs(records: &[Record], from: i64) -> Vec<Record> {
    records
        .iter()
        .cloned()
        .map(|mut r| {
            if r.seq >= from {
                r.mac = None;
            }
            r
        })
        .collect()
}

/// Replace a SQLite log's entries with `records`, past the guard.
pub(crate) fn write_sqlite(log: &AuditLog, records: &[Record]) {
    let conn = log.connection();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;
         DELETE FROM audit;",
    )
    .unwrap();
    for r in records {
        conn.execute(
            "INSERT INTO audit (seq, at, actor, address, action, documents, detail, prev, hash, mac)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                r.seq,
                r.at,
                r.actor,
                r.address,
                r.action,
                r.documents,
                r.detail,
                r.prev,
                r.hash,
                r.mac
            ],
        )
        .unwrap();
    }
}

/// Seven entries and a checkpoint (the eighth), all with `key`, on a
/// clock shared by both backends' tests.
pub(crate) fn fill_keyed(log: &AuditLog) -> Checkpoint {
    let start = DateTime::parse_from_rfc3339("2024-03-01T09:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut n = 0i64;
    let mut now = move || {
        n += 1;
        start + chrono::Duration::milliseconds(n * 60_007)
    };
    for i in 0..7 {
        let who = ["sara", "omar", "\u{1b}[2Jroot\nforged"][i % 3];
        log.append_all_at(
            &[Event::new(who, "10.0.0.5", Action::View).documents([DocId(i as i64)])],
            &mut now,
        )
        .unwrap();
    }
    let (entry, c) = log
        .checkpoint_at(
            &Event::new("local:root", "local", Action::Checkpoint),
            &mut now,
        )
        .unwrap();
    assert_eq!(entry.seq, 8);
    c
}

/// An attack and what verification finds after it: (seq, words of the
/// reason) or intact, without a key, with the key, and with the key
/// and the checkpoint of entry 8.
pub(crate) struct Scenario {
    pub name: &'static str,
    pub attack: fn(&[Record]) -> Vec<Record>,
    pub unkeyed: Option<(i64, &'static str)>,
    pub keyed: Option<(i64, &'static str)>,
    pub checkpointed: Option<(i64, &'static str)>,
}

pub(crate) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "four entries removed from the middle, hashes recomputed, stale MACs left",
            attack: |r| remove_middle(r, 3, 6, Macs::Keep),
            unkeyed: None,
            keyed: Some((3, "MAC does not match the key")),
            checkpointed: Some((3, "MAC does not match the key")),
        },
        Scenario {
            name: "four entries removed from the middle, hashes recomputed, MACs stripped",
            attack: |r| remove_middle(r, 3, 6, Macs::Strip),
            unkeyed: None,
            keyed: Some((4, "nor does any after entry 2")),
            checkpointed: Some((
                8,
                "the log ends at entry 4, before the checkpoint's entry 8",
            )),
        },
        Scenario {
            name: "an entry changed, hashes recomputed, MACs stripped",
            attack: |r| change_actor(r, 2, Macs::Strip),
            unkeyed: None,
            keyed: Some((8, "nor does any after entry 1")),
            checkpointed: Some((8, "differs from the checkpoint")),
        },
        Scenario {
            name: "every MAC stripped (the log made to look written before the key)",
            attack: |r| strip_macs(r, 1),
            unkeyed: None,
            keyed: Some((8, "no entry carries a MAC")),
            checkpointed: Some((8, "no entry carries a MAC")),
        },
        Scenario {
            name: "the last two MACs stripped",
            attack: |r| strip_macs(r, 7),
            unkeyed: None,
            keyed: Some((8, "nor does any after entry 6")),
            checkpointed: Some((8, "nor does any after entry 6")),
        },
        Scenario {
            name: "three entries cut from the end",
            attack: |r| cut_tail(r, 3),
            unkeyed: None,
            keyed: None,
            checkpointed: Some((
                8,
                "the log ends at entry 5, before the checkpoint's entry 8",
            )),
        },
        Scenario {
            name: "every entry cut",
            attack: |r| cut_tail(r, 8),
            unkeyed: None,
            keyed: None,
            checkpointed: Some((8, "the log is empty")),
        },
        Scenario {
            name: "untouched",
            attack: |r| r.to_vec(),
            unkeyed: None,
            keyed: None,
            checkpointed: None,
        },
    ]
}

/// Check `v` against an expectation.
pub(crate) fn expect(v: &Verification, want: Option<(i64, &str)>, what: &str) {
    match (want, &v.broken) {
        (None, None) => {}
        (Some((seq, words)), Some((at, why))) => {
            assert_eq!(*at, seq, "{what}: {why}");
            assert!(why.contains(words), "{what}: {why:?} lacks {words:?}");
        }
        (want, got) => panic!("{what}: expected {want:?}, found {got:?}"),
    }
}

/// Run every scenario: `open` gives a fresh log with the key given
/// (and whatever must live as long as it), `write` replaces a log's
/// entries. Returns what each verification found, for comparing
/// backends.
pub(crate) fn run_scenarios<T>(
    open: &dyn Fn(Option<AuditKey>) -> (T, AuditLog),
    write: &dyn Fn(&AuditLog, &[Record]),
) -> Vec<[Verification; 3]> {
    let key = AuditKey::new(b"the operator's secret, kept apart").unwrap();
    let mut all = Vec::new();
    for s in scenarios() {
        let (_keep, log) = open(Some(key.clone()));
        let checkpoint = fill_keyed(&log);
        let before = log
            .verify_against(std::slice::from_ref(&checkpoint))
            .unwrap();
        assert!(before.broken.is_none(), "{}: {:?}", s.name, before.broken);
        assert_eq!((before.entries, before.keyed), (8, 8));
        write(&log, &(s.attack)(&log.records()));
        let keyed = log.verify().unwrap();
        let checkpointed = log
            .verify_against(std::slice::from_ref(&checkpoint))
            .unwrap();
        // The same log read without the key: the chain alone.
        let records = log.records();
        drop(log);
        let (_keep, plain) = open(None);
        write(&plain, &records);
        let unkeyed = plain.verify().unwrap();
        expect(&unkeyed, s.unkeyed, &format!("{} (no key)", s.name));
        expect(&keyed, s.keyed, &format!("{} (key)", s.name));
        expect(
            &checkpointed,
            s.checkpointed,
            &format!("{} (key and checkpoint)", s.name),
        );
        assert_eq!(keyed.key_id.as_deref(), Some(key.id()));
        assert_eq!(unkeyed.key_id, None);
        assert_eq!(checkpointed.checkpoint, Some(8));
        all.push([unkeyed, keyed, checkpointed]);
    }
    all
}

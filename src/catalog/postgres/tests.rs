//! The PostgreSQL catalog's own tests.

use std::time::Duration;

use super::*;
use crate::catalog::{JobQueue, QueueCounts};
use crate::metadata::CorrectionChange;

use crate::db::pg::test_schema::TestSchema as TestDb;
use crate::db::url::quote_ident;

impl TestDb {
    fn open(&self, node: &str) -> PgCatalog {
        PgCatalog::create_or_open(&self.url, node).unwrap()
    }
}

use crate::catalog::fixtures::{new_batch, page, page_with_numbers, source};

fn insert(cat: &mut PgCatalog, hex: &str, pages: Vec<PageRecord>) -> DocId {
    let b = new_batch(cat);
    cat.insert_document(&NewDocument {
        blob: hex.parse().unwrap(),
        size: 1,
        media_type: "image/tiff".into(),
        title: "t".into(),
        pages,
        source: source(b, &format!("{hex}.tif"), Some("hofuf")),
        extracted: Default::default(),
    })
    .unwrap()
    .0
}

fn read_text(pages: &[PageRecord], path: &str) -> (Extracted, String) {
    let texts: Vec<(u32, &str)> = pages.iter().map(|p| (p.number, p.text.as_str())).collect();
    crate::metadata::read_document(&texts, path, &crate::metadata::TypeKnowledge::builtin())
}

#[test]
fn each_node_keeps_its_own_indexing() {
    let t = TestDb::new();
    let mut a = t.open("node-a");
    let mut b = t.open("node-b");
    let one = insert(&mut a, &"01".repeat(32), vec![page(1, "x")]);
    let two = insert(&mut b, &"02".repeat(32), vec![page(1, "y")]);
    assert_eq!(a.unindexed().unwrap(), vec![one, two]);
    assert_eq!(b.unindexed().unwrap(), vec![one, two]);

    a.mark_indexed(&[(one, 0), (two, 0), (one, 0)]).unwrap();
    assert!(a.unindexed().unwrap().is_empty());
    assert_eq!(b.unindexed().unwrap(), vec![one, two]);
    assert!(a.check_rows().unwrap().iter().all(|r| r.indexed));
    assert!(b.check_rows().unwrap().iter().all(|r| !r.indexed));
    b.mark_indexed(&[(two, 0)]).unwrap();
    assert_eq!(b.unindexed().unwrap(), vec![one]);

    // A change made through either node is to be indexed by both.
    let change = CorrectionChange {
        title: Some(Some("new".into())),
        ..Default::default()
    };
    b.correct(
        two,
        &Amendment {
            change: &change,
            by: "sara",
            at: Utc::now(),
        },
    )
    .unwrap();
    assert_eq!(a.unindexed().unwrap(), vec![two]);
    assert_eq!(b.unindexed().unwrap(), vec![one, two]);
    // An index entry of the old revision does not count.
    a.mark_indexed(&[(two, 0)]).unwrap();
    assert_eq!(a.unindexed().unwrap(), vec![two]);
    a.mark_indexed(&[(two, 1)]).unwrap();
    assert!(a.unindexed().unwrap().is_empty());

    // A rebuild of one node's index leaves the other's alone.
    b.mark_all_unindexed().unwrap();
    assert_eq!(b.unindexed().unwrap(), vec![one, two]);
    assert!(a.unindexed().unwrap().is_empty());
}

#[test]
fn nodes_opening_a_new_catalog_at_once_do_not_race() {
    let t = TestDb::new();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let url = t.url.clone();
            std::thread::spawn(move || {
                PgCatalog::create_or_open(&url, &format!("n{i}")).map(|_| ())
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let mut cat = t.open("n1");
    insert(&mut cat, &"ab".repeat(32), vec![]);
}

#[test]
fn newer_schema_is_refused() {
    let t = TestDb::new();
    drop(t.open("n1"));
    t.client()
        .batch_execute("UPDATE arshif_meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    let err = PgCatalog::open(&t.url, "n1").err().unwrap();
    assert!(
        matches!(
            err,
            CatalogError::NewerSchema {
                found: 99,
                supported: PG_SCHEMA_VERSION,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_change_listener_hears_changes_of_its_own_catalog_only() {
    let t = TestDb::new();
    let elsewhere = TestDb::new();
    let mut cat = t.open("n1");
    let mut other = elsewhere.open("n1");
    let mut listener = ChangeListener::new(&t.url).unwrap();
    assert!(!listener.wait(Duration::from_millis(100)).unwrap());

    insert(&mut other, &"bb".repeat(32), vec![]);
    assert!(!listener.wait(Duration::from_millis(300)).unwrap());

    let id = insert(&mut cat, &"aa".repeat(32), vec![]);
    assert!(listener.wait(Duration::from_secs(5)).unwrap());
    // what was waiting was taken
    assert!(!listener.wait(Duration::from_millis(100)).unwrap());

    // not told of what the index does not hold
    cat.mark_verified(id, Utc::now()).unwrap();
    assert!(!listener.wait(Duration::from_millis(200)).unwrap());
    // told of what it does
    let b = new_batch(&mut cat);
    cat.add_source(id, &source(b, "again.tif", None)).unwrap();
    assert!(listener.wait(Duration::from_secs(5)).unwrap());
    listener.check().unwrap();
}

#[test]
fn claims_from_two_connections_never_share_a_job() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let doc = insert(&mut cat, &"aa".repeat(32), vec![]);
    let doc2 = insert(&mut cat, &"bb".repeat(32), vec![]);
    cat.enqueue(doc, &[1, 2, 3, 4, 5, 3]).unwrap();
    cat.enqueue(doc, &[1, 2]).unwrap(); // idempotent
    cat.enqueue(doc2, &[1, 2, 3]).unwrap();
    assert_eq!(cat.queue_counts().unwrap().queued, 8);

    // One worker's claim, its transaction still open, holds its rows:
    // another skips them instead of waiting.
    let mut a = t.open("w");
    let mut b = t.open("w");
    a.begin_group().unwrap();
    let first = a.claim("a", Duration::from_secs(60), 3, 5).unwrap();
    assert_eq!(
        first.iter().map(|j| (j.doc, j.page)).collect::<Vec<_>>(),
        [(doc, 1), (doc, 2), (doc, 3)]
    );
    assert_eq!(first[0].blob, "aa".repeat(32).parse().unwrap());
    assert_eq!(
        (first[0].media_type.as_str(), first[0].attempts),
        ("image/tiff", 1)
    );
    let second = b.claim("b", Duration::from_secs(60), 10, 5).unwrap();
    a.end_group().unwrap();
    assert_eq!(second.len(), 5);
    assert!(second
        .iter()
        .all(|j| !first.iter().any(|f| (f.doc, f.page) == (j.doc, j.page))));
    assert!(b
        .claim("b", Duration::from_secs(60), 10, 5)
        .unwrap()
        .is_empty());
    let counts = cat.queue_counts().unwrap();
    assert_eq!((counts.queued, counts.leased), (0, 8));

    // Many workers at once: every job handed out exactly once.
    let t2 = TestDb::new();
    let mut cat = t2.open("n1");
    for i in 0..4u8 {
        let d = insert(&mut cat, &format!("{i:02x}").repeat(32), vec![]);
        cat.enqueue(d, &(1..=25).collect::<Vec<_>>()).unwrap();
    }
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let url = t2.url.clone();
            std::thread::spawn(move || {
                let mut q = PgCatalog::open(&url, "w").unwrap();
                let mut got = Vec::new();
                loop {
                    let jobs = q
                        .claim(&format!("w{w}"), Duration::from_secs(60), 3, 5)
                        .unwrap();
                    if jobs.is_empty() {
                        return got;
                    }
                    got.extend(jobs.into_iter().map(|j| (j.doc, j.page)));
                }
            })
        })
        .collect();
    let mut all: Vec<(DocId, u32)> = workers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (100, 100));
}

#[test]
fn a_completed_page_is_written_read_again_and_indexed_again() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let doc = insert(&mut cat, &"aa".repeat(32), vec![page(1, ""), page(2, "")]);
    cat.mark_indexed(&[(doc, 0)]).unwrap();
    cat.enqueue(doc, &[1, 2]).unwrap();
    let mut listener = ChangeListener::new(&t.url).unwrap();

    let mut worker = t.open("worker");
    let jobs = worker.claim("w1", Duration::from_secs(60), 1, 3).unwrap();
    assert_eq!(jobs.len(), 1);
    let text = "شهادة صحية\nرقم الشهادة: 27507976\nتاريخ الإصدار: 1445/07/12 هـ";
    let read = page(1, text);
    // A page that is not the job's is refused.
    assert!(worker
        .complete("w1", &jobs[0], &page(2, text), &read_text, 7)
        .is_err());
    // Another worker's name does not hold the lease.
    assert!(!worker
        .complete("w2", &jobs[0], &read, &read_text, 7)
        .unwrap());
    assert!(worker
        .complete("w1", &jobs[0], &read, &read_text, 7)
        .unwrap());
    // done once
    assert!(!worker
        .complete("w1", &jobs[0], &read, &read_text, 7)
        .unwrap());

    let rec = cat.document(doc).unwrap().unwrap();
    assert_eq!(rec.meta.revision, 1);
    assert_eq!(rec.meta.extracted.reference_numbers, ["27507976"]);
    assert_eq!(rec.doc_type.unwrap().as_str(), "health-certificate");
    // The title is read again too (it was the file's before its text was).
    assert!(rec.title.contains("27507976"), "{}", rec.title);
    assert_eq!(cat.stale_extractions(7).unwrap(), vec![]);
    assert_eq!(cat.pages(doc).unwrap(), vec![read, page(2, "")]);
    assert_eq!(cat.unindexed().unwrap(), vec![doc]);
    assert!(listener.wait(Duration::from_secs(5)).unwrap());
    assert_eq!(
        cat.queue_counts().unwrap(),
        QueueCounts {
            queued: 1,
            leased: 0,
            done: 1,
            failed: 0
        }
    );
    // a done page is not queued again
    cat.enqueue(doc, &[1]).unwrap();
    assert_eq!(cat.queue_counts().unwrap().done, 1);

    // A page the document did not have yet counts in its pages.
    cat.enqueue(doc, &[3]).unwrap();
    let jobs = worker.claim("w1", Duration::from_secs(60), 5, 3).unwrap();
    assert_eq!(jobs.iter().map(|j| j.page).collect::<Vec<_>>(), [2, 3]);
    assert!(worker
        .complete("w1", &jobs[1], &page(3, "third"), &read_text, 7)
        .unwrap());
    let rec = cat.document(doc).unwrap().unwrap();
    assert_eq!((rec.page_count, rec.meta.revision), (3, 2));
}

#[test]
fn page_numbers_round_trip_through_pages_the_page_cache_and_a_completed_job() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let read = vec![
        page_with_numbers(1, "رخصة بناء رقم ٤٤٥١٢٨٤"),
        page(2, "second page"),
    ];
    assert_eq!(read[0].numbers.len(), 2);

    // Cached while the file is read, then recorded.
    let hex = "ef".repeat(32);
    let blob: BlobId = hex.parse().unwrap();
    for p in &read {
        cat.cache_page(&blob, "k", p).unwrap();
    }
    let cached = cat.cached_pages(&blob, "k").unwrap();
    assert_eq!(cached, read);
    let doc = insert(&mut cat, &hex, cached);
    assert_eq!(cat.pages(doc).unwrap(), read);
    let row = t
        .client()
        .query_one(
            "SELECT numbers -> 1 ->> 'value', numbers -> 1 -> 'alternatives' ->> 0,
                    numbers -> 1 ->> 'kind', (numbers -> 1 -> 'box')::text
             FROM pages WHERE document_id = $1 AND number = 1",
            &[&doc.0],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "4451284");
    assert_eq!(row.get::<_, String>(1), "4451234");
    assert_eq!(row.get::<_, String>(2), "number");
    assert_eq!(row.get::<_, String>(3), "[420, 200, 210, 38]");
    let plain: serde_json::Value = t
        .client()
        .query_one(
            "SELECT numbers FROM pages WHERE document_id = $1 AND number = 2",
            &[&doc.0],
        )
        .unwrap()
        .get(0);
    assert_eq!(plain, serde_json::json!([]));

    // A queued page read by a worker lands with its numbers.
    let queued = insert(&mut cat, &"fa".repeat(32), vec![page(1, "")]);
    cat.enqueue(queued, &[1]).unwrap();
    let mut worker = t.open("worker");
    let jobs = worker.claim("w1", Duration::from_secs(60), 1, 3).unwrap();
    assert_eq!(jobs.len(), 1);
    let done = page_with_numbers(1, "رخصة بناء رقم ٤٤٥١٢٨٤");
    assert!(worker
        .complete("w1", &jobs[0], &done, &read_text, 7)
        .unwrap());
    assert_eq!(cat.pages(queued).unwrap(), vec![done]);
}

#[test]
fn pages_of_a_version_1_catalog_have_no_numbers() {
    let t = TestDb::new();
    {
        // the first schema, with a page recorded before numbers were read
        let mut c = t.client();
        c.batch_execute(&format!("CREATE SCHEMA {}", quote_ident(&t.schema)))
            .unwrap();
        c.batch_execute(SCHEMA_V1).unwrap();
        c.batch_execute(
            "CREATE TABLE arshif_meta (key text PRIMARY KEY, value text NOT NULL);
             INSERT INTO arshif_meta VALUES ('schema_version', '1');
             INSERT INTO documents (id, sha256, size, media_type, title, page_count, created_at)
               VALUES (1, 'abababababababababababababababababababababababababababababababab',
                       1, 'image/png', 't', 1, now());
             INSERT INTO pages (document_id, number, source, text, confidence, words)
               VALUES (1, 1, 'ocr', 'نص', 0.9, '[]');",
        )
        .unwrap();
    }
    let cat = t.open("n1");
    let pages = cat.pages(DocId(1)).unwrap();
    assert_eq!(pages[0].text, "نص");
    assert!(pages[0].numbers.is_empty());
    let version: String = t
        .client()
        .query_one(
            "SELECT value FROM arshif_meta WHERE key = 'schema_version'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(version, PG_SCHEMA_VERSION.to_string());
}

#[test]
fn a_write_interrupted_by_a_panic_leaves_nothing_behind() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let doc = insert(&mut cat, &"aa".repeat(32), vec![page(1, "")]);
    cat.enqueue(doc, &[1]).unwrap();
    let job = cat
        .claim("w", Duration::from_secs(60), 1, 3)
        .unwrap()
        .remove(0);
    let panicking = |_: &[PageRecord], _: &str| -> (Extracted, String) { panic!("extractor bug") };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        cat.complete("w", &job, &page(1, "read"), &panicking, 7)
    }));
    assert!(r.is_err());
    // The next write commits only itself.
    let b = new_batch(&mut cat);
    assert!(cat.batch(b).unwrap().is_some());
    assert_eq!(cat.pages(doc).unwrap()[0].text, "");
    assert_eq!(cat.queue_counts().unwrap().leased, 1);
    assert!(cat
        .complete("w", &job, &page(1, "read"), &read_text, 7)
        .unwrap());
    assert_eq!(cat.pages(doc).unwrap()[0].text, "read");
}

#[test]
fn an_expired_lease_passes_to_another_worker() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let doc = insert(&mut cat, &"aa".repeat(32), vec![page(1, "")]);
    cat.enqueue(doc, &[1]).unwrap();
    let mut a = t.open("a");
    let mut b = t.open("b");
    let mine = a.claim("a", Duration::from_secs(1), 5, 3).unwrap();
    assert_eq!(mine.len(), 1);
    assert!(b
        .claim("b", Duration::from_secs(60), 5, 3)
        .unwrap()
        .is_empty());
    assert_eq!(cat.queue_counts().unwrap().leased, 1);
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(cat.queue_counts().unwrap().queued, 1);
    let theirs = b.claim("b", Duration::from_secs(60), 5, 3).unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].attempts, 2);
    // The first worker is too late: nothing of its reading is kept.
    assert!(!a
        .complete("a", &mine[0], &page(1, "late"), &read_text, 7)
        .unwrap());
    a.release("a", &mine[0], "too late").unwrap(); // not its job any more
    assert_eq!(cat.pages(doc).unwrap()[0].text, "");
    assert_eq!(cat.document(doc).unwrap().unwrap().meta.revision, 0);
    assert!(b
        .complete("b", &theirs[0], &page(1, "on time"), &read_text, 7)
        .unwrap());
    assert_eq!(cat.pages(doc).unwrap()[0].text, "on time");
}

#[test]
fn a_job_given_back_too_often_ends_failed() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let doc = insert(&mut cat, &"aa".repeat(32), vec![page(1, "")]);
    cat.enqueue(doc, &[1]).unwrap();
    let lease = Duration::from_secs(60);
    let job = cat.claim("w", lease, 1, 2).unwrap().remove(0);
    cat.release("w", &job, "tesseract crashed").unwrap();
    assert_eq!(cat.queue_counts().unwrap().queued, 1);
    let job = cat.claim("w", lease, 1, 2).unwrap().remove(0);
    assert_eq!(job.attempts, 2);
    cat.release("w", &job, "tesseract crashed again").unwrap();
    assert!(cat.claim("w", lease, 1, 2).unwrap().is_empty());
    assert_eq!(
        cat.queue_counts().unwrap(),
        QueueCounts {
            queued: 0,
            leased: 0,
            done: 0,
            failed: 1
        }
    );
    let error: Option<String> = t
        .client()
        .query_one("SELECT error FROM page_jobs", &[])
        .unwrap()
        .get(0);
    assert_eq!(error.as_deref(), Some("tesseract crashed again"));

    // Enqueued again, a failed job gets its attempts back.
    cat.enqueue(doc, &[1]).unwrap();
    let job = cat.claim("w", lease, 1, 2).unwrap().remove(0);
    assert_eq!(job.attempts, 1);
    // An exhausted job found among others does not cost the claim its count.
    cat.enqueue(doc, &[2, 3]).unwrap();
    t.client()
        .batch_execute("UPDATE page_jobs SET attempts = 2 WHERE page = 2")
        .unwrap();
    let jobs = cat.claim("w", lease, 1, 2).unwrap();
    assert_eq!(jobs.iter().map(|j| j.page).collect::<Vec<_>>(), [3]);
    assert_eq!(cat.queue_counts().unwrap().failed, 1);
}

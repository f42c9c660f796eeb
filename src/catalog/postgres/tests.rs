//! The PostgreSQL catalog's own tests.

use std::time::Duration;

use super::*;
use crate::catalog::{BatchCounts, BatchStatus, JobQueue, QueueCounts};
use crate::metadata::TypeSource;

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

fn read_text(pages: &[PageRecord]) -> Extracted {
    crate::metadata::extract(pages.iter().map(|p| (p.number, p.text.as_str())))
}

#[test]
fn documents_pages_and_sources_round_trip() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let b = new_batch(&mut cat);
    let blob: BlobId = "ab".repeat(32).parse().unwrap();
    let doc = NewDocument {
        blob,
        size: 1234,
        media_type: "image/png".into(),
        title: "رخصة بناء".into(),
        pages: vec![
            page(1, "رخصة بناء"),
            page(2, "second page"),
            page(3, " \n\t"),
        ],
        source: source(b, "scans/hofuf/رخصة 1234.png", Some("hofuf")),
        extracted: crate::metadata::extract([(
            1,
            "رخصة بناء\nرقم الرخصة: 1234\nتاريخ الإصدار: 1445/03/12هـ",
        )]),
    };
    let (id, new) = cat.insert_document(&doc).unwrap();
    assert!(new);
    assert_eq!(cat.find_by_blob(&blob).unwrap(), Some(id));
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.title, "رخصة بناء");
    assert_eq!(rec.blob, blob);
    assert_eq!((rec.size, rec.media_type.as_str()), (1234, "image/png"));
    assert_eq!(rec.branch.as_ref().unwrap().as_str(), "hofuf");
    assert_eq!(rec.page_count, 3);
    assert_eq!(rec.meta.extracted, doc.extracted);
    assert_eq!(rec.meta.revision, 0);
    // times to the millisecond, as the SQLite catalog keeps them
    assert_eq!(rec.created_at, ms(&doc.source.imported_at));
    assert_eq!(
        rec.sources,
        vec![SourceRecord {
            imported_at: ms(&doc.source.imported_at),
            ..doc.source.clone()
        }]
    );
    assert_eq!(cat.pages(id).unwrap(), doc.pages);
    assert_eq!(
        cat.page_words(id, &[2, 9, 1]).unwrap(),
        vec![
            (2, doc.pages[1].words.clone()),
            (1, doc.pages[0].words.clone())
        ]
    );
    assert_eq!(cat.text_pages().unwrap(), vec![(id, 1), (id, 2)]);

    // a second source: recorded once, and the document needs re-indexing
    cat.mark_indexed(&[(id, 0)]).unwrap();
    assert!(cat.unindexed().unwrap().is_empty());
    assert!(cat
        .add_source(id, &source(b, "other/name.png", Some("omran")))
        .unwrap());
    assert!(!cat
        .add_source(id, &source(b, "other/name.png", Some("omran")))
        .unwrap());
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.sources.len(), 2);
    assert_eq!(rec.branch.unwrap().as_str(), "hofuf");

    // inserting the same blob again only adds a source
    let (again, new) = cat
        .insert_document(&NewDocument {
            source: source(b, "third.png", None),
            ..doc.clone()
        })
        .unwrap();
    assert_eq!((again, new), (id, false));
    assert_eq!(cat.document(id).unwrap().unwrap().sources.len(), 3);
    let stats = cat.stats().unwrap();
    assert_eq!(
        (stats.documents, stats.pages, stats.sources, stats.batches),
        (1, 3, 3, 1)
    );
    assert_eq!(cat.document_ids().unwrap(), vec![id]);
    assert!(cat.document(DocId(id.0 + 1)).unwrap().is_none());

    // what `arshif check` reads
    let at = Utc::now();
    cat.mark_verified(id, at).unwrap();
    let rows = cat.check_rows().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].blob, blob);
    assert_eq!(rows[0].first_source, "scans/hofuf/رخصة 1234.png");
    assert_eq!(rows[0].verified_at, Some(ms(&at)));
    assert!(!rows[0].indexed);
    assert!(cat.integrity(false).unwrap().is_empty());
    assert!(cat.integrity(true).unwrap().is_empty());
}

#[test]
fn batch_counters_follow_recorded_files() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let b = new_batch(&mut cat);
    cat.record_file(b, "a.png", &FileOutcome::Ingested(DocId(1)), 1)
        .unwrap_err(); // no such document: foreign key holds
    cat.record_file(b, "bad.png", &FileOutcome::Failed("corrupt".into()), 0)
        .unwrap();
    cat.record_file(b, "bad.png", &FileOutcome::Failed("corrupt".into()), 0)
        .unwrap();
    let id = insert(&mut cat, &"ef".repeat(32), vec![page(1, "x"), page(2, "y")]);
    cat.record_file(b, "good.tif", &FileOutcome::Ingested(id), 2)
        .unwrap();
    cat.record_file(b, "copy.tif", &FileOutcome::Duplicate(id), 0)
        .unwrap();
    let at = Utc::now();
    cat.finish_batch(b, at).unwrap();
    let rec = cat.batch(b).unwrap().unwrap();
    assert_eq!(rec.status, BatchStatus::Finished);
    assert_eq!(rec.finished_at, Some(ms(&at)));
    assert_eq!(
        rec.counts,
        BatchCounts {
            files_seen: 3,
            ingested: 1,
            duplicates: 1,
            failed: 1,
            pages: 2
        }
    );
    assert_eq!(rec.inputs, vec!["scans".to_string()]);
    assert!(cat.batch(BatchId(b.0 + 100)).unwrap().is_none());
    assert_eq!(cat.batches().unwrap().len(), 2);
    let files = cat.batch_files(b).unwrap();
    assert_eq!(files.len(), 3);
    assert!(files
        .iter()
        .any(|f| f.path == "good.tif" && f.document == Some(id) && f.status == "ingested"));
}

#[test]
fn interrupted_batches_resume_and_cached_pages_last_until_recorded() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let spec = NewBatch {
        started_at: Utc::now(),
        branch: Some("oyun".parse().unwrap()),
        doc_type: None,
        inputs: vec!["cabinet".into()],
    };
    assert_eq!(cat.unfinished_batch(&spec).unwrap(), None);
    let b = cat.begin_batch(&spec).unwrap();
    cat.record_file(b, "cabinet/x.png", &FileOutcome::Failed("torn".into()), 0)
        .unwrap();
    // Same inputs, branch and type: resumable; anything else is not.
    assert_eq!(cat.unfinished_batch(&spec).unwrap(), Some(b));
    let other = NewBatch {
        branch: None,
        ..spec.clone()
    };
    assert_eq!(cat.unfinished_batch(&other).unwrap(), None);
    let other = NewBatch {
        inputs: vec!["cabinet".into(), "more".into()],
        ..spec.clone()
    };
    assert_eq!(cat.unfinished_batch(&other).unwrap(), None);
    cat.finish_batch(b, Utc::now()).unwrap();
    assert_eq!(cat.unfinished_batch(&spec).unwrap(), None);
    cat.resume_batch(b).unwrap();
    assert_eq!(cat.unfinished_batch(&spec).unwrap(), Some(b));
    let rec = cat.batch(b).unwrap().unwrap();
    assert_eq!((rec.status, rec.finished_at), (BatchStatus::Running, None));
    let files = cat.batch_files(b).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].error.as_deref(), Some("torn"));
    cat.finish_batch(b, Utc::now()).unwrap();

    // Failed, then retried: no longer listed as failed.
    assert_eq!(cat.failed_files().unwrap().len(), 1);
    let b2 = new_batch(&mut cat);
    cat.mark_retried(&files[0], b2).unwrap();
    assert!(cat.failed_files().unwrap().is_empty());
    assert_eq!(cat.batch_files(b).unwrap()[0].retried_in, Some(b2));

    // Pages cached under one settings key only, dropped once recorded.
    let blob: BlobId = "cd".repeat(32).parse().unwrap();
    cat.cache_page(&blob, "k1", &page(2, "second")).unwrap();
    cat.cache_page(&blob, "k1", &page(1, "old")).unwrap();
    cat.cache_page(&blob, "k1", &page(1, "first")).unwrap();
    let cached = cat.cached_pages(&blob, "k1").unwrap();
    assert_eq!(cached, vec![page(1, "first"), page(2, "second")]);
    assert!(cat.cached_pages(&blob, "k2").unwrap().is_empty());
    cat.insert_document(&NewDocument {
        blob,
        size: 1,
        media_type: "image/tiff".into(),
        title: "t".into(),
        pages: cached,
        source: source(b2, "cabinet/y.tif", None),
        extracted: Default::default(),
    })
    .unwrap();
    assert!(cat.cached_pages(&blob, "k1").unwrap().is_empty());
}

#[test]
fn corrections_beat_extraction_and_a_stale_index_entry_is_not_taken_as_current() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let b = new_batch(&mut cat);
    let text = "شهادة صحية\nرقم الشهادة: 27507976\nتاريخ الإصدار: 1445/07/12 هـ";
    let (id, _) = cat
        .insert_document(&NewDocument {
            blob: "cd".repeat(32).parse().unwrap(),
            size: 1,
            media_type: "image/png".into(),
            title: "شهادة صحية".into(),
            pages: vec![page(1, text)],
            source: source(b, "x.png", Some("hofuf")),
            extracted: crate::metadata::extract([(1, text)]),
        })
        .unwrap();
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(
        rec.doc_type.as_ref().unwrap().as_str(),
        "health-certificate"
    );
    assert_eq!(rec.meta.doc_type_source, Some(TypeSource::Guessed));
    assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-24");
    assert_eq!(rec.meta.extracted.reference_numbers, ["27507976"]);

    // The index reads revision r; a correction lands before it records
    // that: the document stays to be indexed.
    let r = rec.meta.revision;
    let change = CorrectionChange {
        date: Some(Some("1445-07-13h".parse().unwrap())),
        doc_type: Some(Some("licence".parse().unwrap())),
        title: Some(Some("شهادة صحية 27507976".into())),
    };
    let at = Utc::now();
    let (old, new) = cat.correct(id, &change, "sara", at).unwrap();
    assert!(old.is_empty());
    assert_eq!(new.by.as_deref(), Some("sara"));
    cat.mark_indexed(&[(id, r)]).unwrap();
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-25");
    assert_eq!(rec.document_date_source(), Some("corrected"));
    assert_eq!(rec.doc_type.as_ref().unwrap().as_str(), "licence");
    assert_eq!(rec.meta.doc_type_source, Some(TypeSource::Corrected));
    assert_eq!(rec.title, "شهادة صحية 27507976");
    assert_eq!(rec.meta.extracted_title, "شهادة صحية");
    assert_eq!(rec.meta.correction.at, Some(ms(&at)));
    assert_eq!(rec.meta.correction, new);
    cat.mark_indexed(&[(id, rec.meta.revision)]).unwrap();
    assert!(cat.unindexed().unwrap().is_empty());

    // Re-reading the text (a newer extractor) keeps the corrections.
    assert!(cat
        .stale_extractions(crate::metadata::EXTRACTOR_VERSION)
        .unwrap()
        .is_empty());
    assert_eq!(cat.stale_extractions(99).unwrap(), vec![id]);
    cat.set_extracted(id, &crate::metadata::extract([(1, text)]), 99)
        .unwrap();
    assert!(cat.stale_extractions(99).unwrap().is_empty());
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-25");

    // Dropping a correction gives extraction back.
    let back = CorrectionChange {
        date: Some(None),
        doc_type: Some(None),
        title: Some(None),
    };
    let (_, new) = cat.correct(id, &back, "sara", Utc::now()).unwrap();
    assert!(new.is_empty() && new.by.is_none());
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-24");
    assert_eq!(rec.meta.doc_type_source, Some(TypeSource::Guessed));
    assert_eq!(rec.title, "شهادة صحية");
    assert!(matches!(
        cat.correct(DocId(id.0 + 1), &back, "sara", Utc::now()),
        Err(CatalogError::NoSuchDocument(_))
    ));
}

#[test]
fn resolve_by_id_and_sha_prefix() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let ids: Vec<DocId> = [
        "abcd".repeat(16),
        "abce".repeat(16),
        format!("abcdef{}", "0".repeat(58)),
    ]
    .iter()
    .map(|hex| insert(&mut cat, hex, vec![]))
    .collect();
    assert_eq!(cat.resolve(&ids[1].to_string()).unwrap(), ids[1]);
    assert_eq!(cat.resolve("abcda").unwrap(), ids[0]);
    assert_eq!(cat.resolve("sha256:ABCE").unwrap(), ids[1]);
    assert!(matches!(
        cat.resolve("abc"),
        Err(CatalogError::NoSuchDocument(_))
    ));
    assert!(matches!(
        cat.resolve("abcd"),
        Err(CatalogError::Ambiguous { count: 2, .. })
    ));
    assert!(matches!(
        cat.resolve("ffff"),
        Err(CatalogError::NoSuchDocument(_))
    ));
    assert!(matches!(
        cat.resolve("zzzz"),
        Err(CatalogError::NoSuchDocument(_))
    ));
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
    b.correct(two, &change, "sara", Utc::now()).unwrap();
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
fn a_write_group_commits_together_and_a_failed_write_only_undoes_itself() {
    let t = TestDb::new();
    let mut cat = t.open("n1");
    let other = t.open("n2");
    let b = new_batch(&mut cat);
    cat.begin_group().unwrap();
    cat.begin_group().unwrap(); // idempotent
    let id = insert(&mut cat, &"aa".repeat(32), vec![page(1, "x")]);
    cat.record_file(b, "a.png", &FileOutcome::Ingested(DocId(id.0 + 50)), 1)
        .unwrap_err(); // fails alone
    assert_eq!(
        cat.find_by_blob(&"aa".repeat(32).parse().unwrap()).unwrap(),
        Some(id)
    );
    cat.record_file(b, "b.png", &FileOutcome::Ingested(id), 1)
        .unwrap();
    assert_eq!(other.document_ids().unwrap(), vec![]); // not yet committed
    cat.end_group().unwrap();
    cat.end_group().unwrap();
    assert_eq!(other.document_ids().unwrap(), vec![id]);
    assert_eq!(other.batch(b).unwrap().unwrap().counts.ingested, 1);
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
    let panicking = |_: &[PageRecord]| -> Extracted { panic!("extractor bug") };
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

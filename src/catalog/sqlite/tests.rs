//! The SQLite catalog's own tests.

use super::schema::SCHEMA_V1;
use super::*;
use crate::catalog::{BatchStatus, SCHEMA_VERSION};

use super::super::fixtures::{new_batch, page, page_with_numbers, source};

#[test]
fn interrupted_batches_resume_and_cached_pages_last_until_recorded() {
    let t = tempfile::tempdir().unwrap();
    let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
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
    cat.resume_batch(b).unwrap();
    let files = cat.batch_files(b).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].error.as_deref(), Some("torn"));
    cat.finish_batch(b, Utc::now()).unwrap();
    assert_eq!(cat.unfinished_batch(&spec).unwrap(), None);

    // Failed, then retried: no longer listed as failed.
    assert_eq!(cat.failed_files().unwrap().len(), 1);
    let b2 = new_batch(&mut cat);
    cat.mark_retried(&files[0], b2).unwrap();
    assert!(cat.failed_files().unwrap().is_empty());

    // Pages cached under one settings key only, dropped once recorded.
    let blob: BlobId = "cd".repeat(32).parse().unwrap();
    cat.cache_page(&blob, "k1", &page(2, "second")).unwrap();
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
fn documents_pages_and_sources_round_trip() {
    let t = tempfile::tempdir().unwrap();
    let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
    let b = new_batch(&mut cat);
    let blob: BlobId = "ab".repeat(32).parse().unwrap();
    let doc = NewDocument {
        blob,
        size: 1234,
        media_type: "image/png".into(),
        title: "رخصة بناء".into(),
        pages: vec![page(1, "رخصة بناء"), page(2, "second page")],
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
    assert_eq!(rec.branch.as_ref().unwrap().as_str(), "hofuf");
    assert_eq!(rec.page_count, 2);
    let pages = cat.pages(id).unwrap();
    assert_eq!(pages, doc.pages);

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
    assert_eq!(cat.stats().unwrap().pages, 2);
}

#[test]
fn page_numbers_round_trip_through_pages_and_the_page_cache() {
    let t = tempfile::tempdir().unwrap();
    let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
    let b = new_batch(&mut cat);
    let blob: BlobId = "ef".repeat(32).parse().unwrap();
    let read = vec![
        page_with_numbers(1, "رخصة بناء رقم ٤٤٥١٢٨٤"),
        page(2, "second page"),
    ];
    assert_eq!(read[0].numbers.len(), 2);

    // Cached while the file is read, numbers and all.
    for p in &read {
        cat.cache_page(&blob, "k", p).unwrap();
    }
    let cached = cat.cached_pages(&blob, "k").unwrap();
    assert_eq!(cached, read);
    // A cache entry written before pages had numbers reads as none.
    let mut old = serde_json::to_value(page(3, "third")).unwrap();
    old.as_object_mut().unwrap().remove("numbers");
    cat.conn
        .execute(
            "INSERT INTO page_cache (sha256, settings, number, page) VALUES (?1, 'k', 3, ?2)",
            params![blob.to_hex(), old.to_string()],
        )
        .unwrap();
    let cached = cat.cached_pages(&blob, "k").unwrap();
    assert_eq!(cached[2], page(3, "third"));

    // Recorded from the cache: the pages come back as they were read.
    let (id, _) = cat
        .insert_document(&NewDocument {
            blob,
            size: 1,
            media_type: "image/tiff".into(),
            title: "t".into(),
            pages: cached.clone(),
            source: source(b, "scans/x.tif", None),
            extracted: Default::default(),
        })
        .unwrap();
    assert_eq!(cat.pages(id).unwrap(), cached);
    let stored: String = cat
        .conn
        .query_row(
            "SELECT numbers FROM pages WHERE document_id = ?1 AND number = 1",
            [id.0],
            |r| r.get(0),
        )
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored[1]["value"], "4451284");
    assert_eq!(stored[1]["kind"], "number");
    assert_eq!(stored[1]["alternatives"][0], "4451234");
    assert_eq!(stored[1]["box"], serde_json::json!([420, 200, 210, 38]));
}

#[test]
fn pages_of_an_older_catalog_have_no_numbers() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("c.sqlite");
    {
        // a version-7 catalog, with a page recorded before numbers were read
        let conn = Connection::open(&p).unwrap();
        for step in &MIGRATIONS[..7] {
            conn.execute_batch(step).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 7;
             INSERT INTO documents (id, sha256, size, media_type, title, page_count, created_at)
               VALUES (1, 'abababababababababababababababababababababababababababababababab', 1, 'image/png', 't', 1, '2026-11-29T00:00:00.000Z');
             INSERT INTO pages (document_id, number, source, text, confidence, words)
               VALUES (1, 1, 'ocr', 'نص', 0.9, '[]');",
        )
        .unwrap();
    }
    let cat = SqliteCatalog::open(&p).unwrap();
    let pages = cat.pages(DocId(1)).unwrap();
    assert_eq!(pages[0].text, "نص");
    assert!(pages[0].numbers.is_empty());
}

#[test]
fn corrections_beat_extraction_and_a_stale_index_entry_is_not_taken_as_current() {
    let t = tempfile::tempdir().unwrap();
    let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
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
    assert_eq!(
        rec.meta.doc_type_source,
        Some(crate::metadata::TypeSource::Guessed)
    );
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
    let (old, new) = cat.correct(id, &change, "sara", Utc::now()).unwrap();
    assert!(old.is_empty());
    assert_eq!(new.by.as_deref(), Some("sara"));
    cat.mark_indexed(&[(id, r)]).unwrap();
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-25");
    assert_eq!(rec.document_date_source(), Some("corrected"));
    assert_eq!(rec.doc_type.as_ref().unwrap().as_str(), "licence");
    assert_eq!(
        rec.meta.doc_type_source,
        Some(crate::metadata::TypeSource::Corrected)
    );
    assert_eq!(rec.title, "شهادة صحية 27507976");
    assert_eq!(rec.meta.extracted_title, "شهادة صحية");
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
    assert_eq!(
        rec.meta.doc_type_source,
        Some(crate::metadata::TypeSource::Guessed)
    );
    assert_eq!(rec.title, "شهادة صحية");
}

#[test]
fn resolve_by_id_and_sha_prefix() {
    let t = tempfile::tempdir().unwrap();
    let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
    let b = new_batch(&mut cat);
    let mut ids = vec![];
    for hex in ["abcd".repeat(16), "abce".repeat(16)] {
        let (id, _) = cat
            .insert_document(&NewDocument {
                blob: hex.parse().unwrap(),
                size: 1,
                media_type: "image/png".into(),
                title: "t".into(),
                pages: vec![],
                source: source(b, &hex, None),
                extracted: Default::default(),
            })
            .unwrap();
        ids.push(id);
    }
    assert_eq!(cat.resolve(&ids[1].to_string()).unwrap(), ids[1]);
    assert_eq!(cat.resolve("abcda").unwrap(), ids[0]);
    assert_eq!(cat.resolve("sha256:ABCE").unwrap(), ids[1]);
    assert!(matches!(
        cat.resolve("abc"),
        Err(CatalogError::NoSuchDocument(_))
    ));
    assert!(matches!(
        cat.resolve("abcd"),
        Ok(_) | Err(CatalogError::Ambiguous { .. })
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
fn batch_counters_follow_recorded_files() {
    let t = tempfile::tempdir().unwrap();
    let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
    let b = new_batch(&mut cat);
    cat.record_file(b, "a.png", &FileOutcome::Ingested(DocId(1)), 1)
        .unwrap_err(); // no such document: foreign key holds
    cat.record_file(b, "bad.png", &FileOutcome::Failed("corrupt".into()), 0)
        .unwrap();
    cat.record_file(b, "bad.png", &FileOutcome::Failed("corrupt".into()), 0)
        .unwrap();
    cat.finish_batch(b, Utc::now()).unwrap();
    let rec = cat.batch(b).unwrap().unwrap();
    assert_eq!(rec.status, BatchStatus::Finished);
    assert_eq!(rec.counts.files_seen, 1);
    assert_eq!(rec.counts.failed, 1);
    assert_eq!(rec.inputs, vec!["scans".to_string()]);
}

#[test]
fn an_older_catalog_is_migrated_forward() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("c.sqlite");
    {
        // a version-1 catalog, as the first release wrote it
        let conn = Connection::open(&p).unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO batches (id, started_at, status, inputs) VALUES (1, '2026-11-29T00:00:00.000Z', 'finished', '[]');
             INSERT INTO documents (id, sha256, size, media_type, title, page_count, created_at)
               VALUES (1, 'abababababababababababababababababababababababababababababababab', 1, 'image/png', 't', 1, '2026-11-29T00:00:00.000Z');
             INSERT INTO pages (document_id, number, source, text, confidence, words, rotation, width, height, language)
               VALUES (1, 1, 'ocr', 'نص', 0.9, '[]', 90, 10, 20, 'ara');",
        )
        .unwrap();
    }
    let cat = SqliteCatalog::open(&p).unwrap();
    let pages = cat.pages(DocId(1)).unwrap();
    assert_eq!(pages[0].text, "نص");
    assert_eq!((pages[0].rotation, pages[0].skew), (90, 0.0));
    let v: i64 = cat
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
}

#[test]
fn newer_schema_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("c.sqlite");
    drop(SqliteCatalog::create(&p).unwrap());
    Connection::open(&p)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let err = SqliteCatalog::open(&p).err().unwrap();
    assert!(
        matches!(err, CatalogError::NewerSchema { found: 99, .. }),
        "{err}"
    );
}

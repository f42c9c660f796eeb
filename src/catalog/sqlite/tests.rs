//! The SQLite catalog's own tests.

use super::schema::SCHEMA_V1;
use super::*;
use crate::catalog::SCHEMA_VERSION;

use super::super::fixtures::{new_batch, page, page_with_numbers, source};

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
fn accounts_tables_are_no_longer_created_and_old_ones_are_left_alone() {
    let t = tempfile::tempdir().unwrap();
    let tables = |cat: &SqliteCatalog| -> i64 {
        cat.conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('users', 'user_branches', 'tokens', 'sessions')",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    let new = SqliteCatalog::create(&t.path().join("new.sqlite")).unwrap();
    assert_eq!(tables(&new), 0);
    // A catalog of schema 5 (with accounts, as arshif then kept them):
    // migrated forward, its account tables and rows untouched.
    let p = t.path().join("old.sqlite");
    {
        let conn = Connection::open(&p).unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute_batch(MIGRATIONS[1]).unwrap();
        conn.execute_batch(MIGRATIONS[2]).unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
               role TEXT NOT NULL, password TEXT NOT NULL, must_change INTEGER NOT NULL DEFAULT 0,
               created_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
             CREATE TABLE user_branches (user_id INTEGER NOT NULL, branch TEXT NOT NULL);
             CREATE TABLE tokens (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
             CREATE TABLE sessions (hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL);
             INSERT INTO users (name, role, password, created_at) VALUES ('root', 'admin', 'h', 't');
             PRAGMA user_version = 5;",
        )
        .unwrap();
    }
    let old = SqliteCatalog::open(&p).unwrap();
    assert_eq!(tables(&old), 4);
    let n: i64 = old
        .conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
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

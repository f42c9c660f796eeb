//! The same bytes are stored once, whatever their names, and every source is
//! recorded. What `get` returns is what was imported.

mod common;

use common::*;

#[test]
fn a_duplicate_import_stores_one_blob_and_records_every_source() {
    let a = TestArchive::new();
    let scans = a.scratch("scans");
    let original = samples().join("en/inspection letter OMR-2024-0917.png");
    let bytes = std::fs::read(&original).unwrap();
    std::fs::create_dir_all(scans.join("omran")).unwrap();
    std::fs::write(scans.join("omran/letter.png"), &bytes).unwrap();
    std::fs::write(scans.join("omran/letter (copy).png"), &bytes).unwrap();

    // Two names in one batch: one document, one blob, two sources.
    let (r, code) = a.ingest(&["--branch", "omran"], &[&scans]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        (r["ingested"].as_u64(), r["duplicates"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(r["pages"], 1);
    assert_eq!(a.blob_count(), 1);
    let sha = sha256_hex(&bytes);
    let doc = a.show(&sha[..8]);
    let sources: Vec<&str> = doc["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2, "{doc:#}");
    assert!(sources.iter().any(|p| p.ends_with("omran/letter.png")));
    assert!(sources
        .iter()
        .any(|p| p.ends_with("omran/letter (copy).png")));

    // Again later, under another name and branch: still one blob, a third source,
    // and the document is found under either branch.
    let elsewhere = a.scratch("hofuf-share");
    std::fs::write(elsewhere.join("خطاب.png"), &bytes).unwrap();
    let (r, code) = a.ingest(&["--branch", "hofuf"], &[&elsewhere]);
    assert_eq!(code, 0);
    assert_eq!(
        (r["ingested"].as_u64(), r["duplicates"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(a.blob_count(), 1);
    let doc = a.show(&doc["id"].to_string());
    assert_eq!(doc["sources"].as_array().unwrap().len(), 3);
    assert_eq!(doc["branch"], "omran");
    assert_eq!(doc["branches"], serde_json::json!(["hofuf", "omran"]));
    for branch in ["omran", "hofuf"] {
        let hits = a.search(&["--branch", branch], "bakeries");
        assert_eq!(hits["total"], 1, "{branch}");
        assert_eq!(hits["hits"][0]["sources"].as_array().unwrap().len(), 3);
    }

    // The very same path again adds nothing new.
    let (r, _) = a.ingest(&["--branch", "hofuf"], &[&elsewhere]);
    assert_eq!(r["duplicates"], 1);
    assert_eq!(a.show(&sha)["sources"].as_array().unwrap().len(), 3);
}

#[test]
fn get_writes_identical_bytes_and_stored_blobs_are_named_by_their_hash() {
    let a = TestArchive::new();
    let file = samples().join("pdf/circular 12-1445 opening hours.pdf");
    let (r, code) = a.ingest(&[], &[&file]);
    assert_eq!((code, r["ingested"].as_u64()), (0, Some(1)));
    let bytes = std::fs::read(&file).unwrap();
    let sha = sha256_hex(&bytes);
    let blob = a
        .dir
        .join("store/sha256")
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(&sha);
    assert_eq!(std::fs::read(&blob).unwrap(), bytes);
    let out = a.scratch("out").join("copy.pdf");
    let o = a.run(&["get", "1", "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    // to standard output as well
    let o = a.run(&["get", &sha[..10], "-o", "-"]);
    assert!(o.status.success());
    assert_eq!(o.stdout, bytes);
}

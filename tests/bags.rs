//! `arshif export` writes BagIt bags that an independent validator
//! (bagit.py, installed by scripts/install-deps.sh) accepts, and
//! `arshif import-bag` restores them into another archive with no OCR.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

fn bagit_py() -> PathBuf {
    let p = repo().join("target/bagit-venv/bin/bagit.py");
    assert!(
        p.exists(),
        "bagit.py is missing: run scripts/install-deps.sh (make test does)"
    );
    p
}

fn validate(bag: &Path) -> (bool, String) {
    let out = Command::new(bagit_py())
        .arg("--validate")
        .arg(bag)
        .output()
        .expect("run bagit.py");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn export(a: &TestArchive, out: &Path, flags: &[&str]) {
    let mut args = vec!["export", out.to_str().unwrap()];
    args.extend(flags);
    let o = a.run(&args);
    assert!(o.status.success(), "export: {}", stderr(&o));
}

fn payload_files(bag: &Path) -> Vec<String> {
    walk_files(&bag.join("data"))
        .iter()
        .map(|p| p.strip_prefix(bag).unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn export_validates_imports_without_ocr_and_round_trips() {
    let a = TestArchive::new();
    let pdf = |n: &str| samples().join("pdf").join(n);
    let scan = samples().join("ar/رخصة بناء 4451234.png");
    let (r, code) = a.ingest(
        &["--branch", "hofuf", "--doc-type", "licence"],
        &[&scan, &pdf("circular 12-1445 opening hours.pdf")],
    );
    assert_eq!(code, 0, "{r}");
    let (r, code) = a.ingest(&["--branch", "omran"], &[&pdf("محضر مخالفة 1445-552.pdf")]);
    assert_eq!(code, 0, "{r}");

    // The whole archive: a valid bag with originals, metadata and texts.
    let out = a.scratch("bags");
    let bag = out.join("all");
    export(&a, &bag, &[]);
    let (ok, log) = validate(&bag);
    assert!(ok, "bagit.py rejects the bag: {log}");
    for f in [
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "tagmanifest-sha256.txt",
    ] {
        assert!(bag.join(f).is_file(), "{f}");
    }
    let files = payload_files(&bag);
    assert_eq!(
        files
            .iter()
            .filter(|f| f.starts_with("data/originals/"))
            .count(),
        3
    );
    assert_eq!(
        files
            .iter()
            .filter(|f| f.starts_with("data/metadata/"))
            .count(),
        3
    );
    let licence = a.show(&a.found("رخصه بناء")[0].to_string());
    assert_eq!(licence["media_type"], "image/png");
    let sha = licence["sha256"].as_str().unwrap();
    let original = std::fs::read(bag.join(format!("data/originals/{sha}.png"))).unwrap();
    assert_eq!(sha256_hex(&original), sha, "the original, byte for byte");
    let meta: Value = serde_json::from_slice(
        &std::fs::read(bag.join(format!("data/metadata/{sha}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["branch"], "hofuf");
    assert_eq!(meta["doc_type"], "licence");
    assert_eq!(meta["sources"][0]["branch"], "hofuf");
    assert!(
        meta["sources"][0]["batch"]["started_at"].is_string(),
        "{meta}"
    );
    let text = std::fs::read_to_string(bag.join(format!("data/text/{sha}/page-0001.txt"))).unwrap();
    assert_eq!(text, licence["pages"][0]["text"].as_str().unwrap());

    // Filters: a branch, a date.
    let hofuf = out.join("hofuf");
    export(&a, &hofuf, &["--branch", "hofuf"]);
    assert!(validate(&hofuf).0);
    assert_eq!(
        payload_files(&hofuf)
            .iter()
            .filter(|f| f.starts_with("data/originals/"))
            .count(),
        2
    );
    let future = out.join("future");
    export(&a, &future, &["--since", "2999-01-01"]);
    assert!(validate(&future).0);
    assert!(payload_files(&future).is_empty());
    // An existing directory is never overwritten.
    let again = a.run(&["export", bag.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    // Restored into another archive: no OCR (the scan's reading comes from
    // the bag), the same documents, found the same way; exported again, the
    // same manifest.
    let b = TestArchive::new();
    let t = std::time::Instant::now();
    let o = b.run(&["import-bag", bag.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t.elapsed().as_secs() < 20, "import-bag read pages again?");
    let restored = b.show(&b.found("رخصه بناء")[0].to_string());
    assert_eq!(restored["sha256"], licence["sha256"]);
    assert_eq!(
        restored["pages"], licence["pages"],
        "text, boxes, confidence kept"
    );
    assert_eq!(
        restored["sources"][0]["path"],
        licence["sources"][0]["path"]
    );
    assert_eq!(
        restored["sources"][0]["imported_at"],
        licence["sources"][0]["imported_at"]
    );
    let o = b.run(&["check", "--deep"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let round = out.join("round");
    export(&b, &round, &[]);
    assert_eq!(
        std::fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap(),
        std::fs::read_to_string(round.join("manifest-sha256.txt")).unwrap(),
        "export → import-bag → export gives the same manifest"
    );
    // Importing the same bag again adds nothing.
    let o = b.run(&["import-bag", bag.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 were already here"));

    // A damaged bag is refused, naming the file, and nothing is imported.
    let damaged = out.join("all");
    let victim = damaged.join(format!("data/text/{sha}/page-0001.txt"));
    std::fs::write(&victim, "altered").unwrap();
    assert!(!validate(&damaged).0, "bagit.py sees it too");
    let c = TestArchive::new();
    let o = c.run(&["import-bag", damaged.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("does not match its checksum"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("page-0001.txt"), "{}", stderr(&o));
    assert_eq!(c.blob_count(), 0);
}

/// A rescanned document crosses a bag whole: its earlier original goes in
/// the bag beside the current one (validated by bagit.py), comes back as
/// version 1 byte for byte, and check finds it in the store.
#[test]
fn a_bag_carries_the_earlier_originals_of_a_rescanned_document() {
    let a = TestArchive::new();
    let pdf = |n: &str| samples().join("pdf").join(n);
    let first = pdf("circular 12-1445 opening hours.pdf");
    let (r, code) = a.ingest(&["--branch", "hofuf"], &[&first]);
    assert_eq!(code, 0, "{r}");
    let id = a.found("opening hours")[0].to_string();
    let out = a.run(&[
        "rescan",
        &id,
        pdf("محضر مخالفة 1445-552.pdf").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let old_sha = sha256_hex(&std::fs::read(&first).unwrap());

    let bag = a.scratch("bags").join("rescanned");
    export(&a, &bag, &[]);
    assert!(validate(&bag).0, "bagit.py rejects the bag");
    let meta_files: Vec<String> = payload_files(&bag)
        .into_iter()
        .filter(|f| f.starts_with("data/originals/"))
        .collect();
    assert_eq!(meta_files.len(), 2, "{meta_files:?}");

    let b = TestArchive::new();
    let o = b.run(&["import-bag", bag.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let restored = b.show(&b.found("مخالفة")[0].to_string());
    assert_eq!(restored["versions"][0]["number"], 1, "{restored}");
    assert_eq!(restored["versions"][0]["sha256"], old_sha.as_str());
    let got = b.tmp.path().join("v1.pdf");
    let rid = restored["id"].to_string();
    let o = b.run(&["get", &rid, "--version", "1", "-o", got.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&got).unwrap(), std::fs::read(&first).unwrap());
    let o = b.run(&["check", "--deep"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let round = b.scratch("bags").join("round");
    export(&b, &round, &[]);
    assert_eq!(
        std::fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap(),
        std::fs::read_to_string(round.join("manifest-sha256.txt")).unwrap(),
    );
}

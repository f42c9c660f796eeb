//! End to end: import the samples with the real binary, then find them.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

/// The samples imported once, shared by the read-only tests below.
fn sampled() -> &'static (TestArchive, Value) {
    static A: OnceLock<(TestArchive, Value)> = OnceLock::new();
    A.get_or_init(|| {
        let a = TestArchive::new();
        let (report, code) = a.ingest(&["--branch", "hofuf"], &[&samples()]);
        assert_eq!(code, 0, "{report}");
        (a, report)
    })
}

/// The document whose source file name ends with `name`.
fn doc_for(a: &TestArchive, name: &str) -> Value {
    for id in 1..=20 {
        let out = a.run(&["show", "--json", &id.to_string()]);
        if !out.status.success() {
            break;
        }
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        if v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"].as_str().unwrap().ends_with(name))
        {
            return v;
        }
    }
    panic!("no document for {name}");
}

fn sample_files() -> Vec<PathBuf> {
    walk_files(&samples())
}

#[test]
fn every_sample_is_imported() {
    let (_, report) = sampled();
    let n = sample_files().len() as u64;
    assert_eq!(report["files_seen"], n);
    assert_eq!(report["ingested"], n);
    assert_eq!(report["failed"], 0);
    assert_eq!(report["duplicates"], 0);
    assert_eq!(report["errors"], serde_json::json!([]));
    // 1+1+1 images, 3 TIFF pages, 2 scanned + 1 + 1 born-digital PDF pages
    assert_eq!(report["pages"], 10);
}

/// Each sample is found by the words of its true text: every word of four
/// letters or more is searched, and the sample must be among the hits for
/// nearly all of them (OCR is not perfect, search must not add to that).
#[test]
fn every_sample_is_found_by_the_words_of_its_text() {
    let (a, _) = sampled();
    for file in sample_files() {
        let rel = file.strip_prefix(samples()).unwrap();
        let truth = std::fs::read_to_string(
            repo()
                .join("samples/truth")
                .join(format!("{}.txt", rel.display())),
        )
        .unwrap();
        let doc = doc_for(a, &rel.to_string_lossy());
        let id = doc["id"].as_i64().unwrap();
        let mut words: Vec<String> = truth
            .split(|c: char| !c.is_alphabetic() && !('\u{064B}'..='\u{0670}').contains(&c))
            .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
            .filter(|w| !arshif::analysis::is_stopword(&arshif::analysis::normalize::normalize(w)))
            .map(str::to_string)
            .collect();
        words.sort();
        words.dedup();
        assert!(words.len() >= 5, "{rel:?} has too few words");
        let missed: Vec<&String> = words.iter().filter(|w| !a.found(w).contains(&id)).collect();
        let recall = 1.0 - missed.len() as f64 / words.len() as f64;
        eprintln!(
            "{}: {:.0}% of {} words find it; missed {missed:?}",
            rel.display(),
            recall * 100.0,
            words.len()
        );
        assert!(
            recall >= 0.85,
            "{rel:?}: only {:.0}% of its words find it; missed {missed:?}",
            recall * 100.0
        );
    }
}

#[test]
fn a_multi_page_tiff_yields_all_its_pages() {
    let (a, _) = sampled();
    let doc = doc_for(a, "MC-1445-0088.tif");
    let pages = doc["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(doc["media_type"], "image/tiff");
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p["number"], i as u64 + 1);
        assert_eq!(p["source"], "ocr");
        assert!(p["confidence"].as_f64().unwrap() > 0.5, "{p}");
    }
    assert!(pages[1]["text"]
        .as_str()
        .unwrap()
        .contains("MAINTENANCE CONTRACT"));
    assert!(pages[0]["text"].as_str().unwrap().contains("عقد صيانة"));
    assert!(pages[2]["text"].as_str().unwrap().contains("توقيع"));
    // and a word only on page 2 says so
    let hits = a.search(&[], "Nakheel")["hits"].clone();
    assert_eq!(hits[0]["id"], doc["id"]);
    assert_eq!(hits[0]["pages"], serde_json::json!([2]));
}

#[test]
fn pdf_pages_use_the_text_layer_or_ocr() {
    let (a, _) = sampled();
    let born = doc_for(a, "circular 12-1445 opening hours.pdf");
    assert_eq!(born["pages"][0]["source"], "pdf-text");
    assert!(born["pages"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Opening hours of branch municipalities"));
    let scanned = doc_for(a, "1445-552.pdf");
    let pages = scanned["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2);
    assert!(pages.iter().all(|p| p["source"] == "ocr"));
    // page 1 is a JPEG, page 2 a CCITT G4 image inside the PDF
    assert!(pages[0]["text"].as_str().unwrap().contains("محضر"));
    assert!(pages[1]["text"].as_str().unwrap().contains("المنشأة"));
}

#[test]
fn arabic_typed_plainly_finds_hamza_and_diacritics() {
    let (a, _) = sampled();
    let circular = doc_for(a, "نظافة الأسواق.pdf")["id"].as_i64().unwrap();
    let licence = doc_for(a, "4451234.png")["id"].as_i64().unwrap();
    // printed الأحساء (hamza on alef), typed with a plain alef
    assert!(a.found("الاحساء").contains(&circular));
    assert!(a.found("الاحساء").contains(&licence));
    // printed إبراهيم (hamza under alef)
    assert!(a.found("ابراهيم").contains(&licence));
    // printed يُعمَلُ with diacritics, typed without
    assert_eq!(a.found("يعمل"), vec![circular]);
    // and the other way round: a query with diacritics finds plain text
    assert!(a.found("بَلَدِيَّة").contains(&licence));
}

#[test]
fn search_json_has_the_contract_fields() {
    let (a, _) = sampled();
    let r = a.search(&[], "Omran");
    assert!(r["total"].as_u64().unwrap() >= 2);
    let hit = &r["hits"][0];
    for key in [
        "id", "sha256", "sources", "title", "branch", "doc_type", "rank", "pages", "snippet",
    ] {
        assert!(hit.get(key).is_some(), "hit lacks {key}: {hit}");
    }
    assert_eq!(hit["branch"], "hofuf");
    assert_eq!(hit["sha256"].as_str().unwrap().len(), 64);
    assert!(hit["snippet"]
        .as_str()
        .unwrap()
        .contains("<mark>Omran</mark>"));
    assert!(hit["sources"][0]
        .as_str()
        .unwrap()
        .starts_with(samples().to_str().unwrap()));
    // the human-readable form prints the title too
    let out = a.run(&["search", "Omran"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("document(s) match"));
}

#[test]
fn get_returns_the_original_bytes() {
    let (a, _) = sampled();
    let out_dir = a.scratch("got");
    for file in sample_files() {
        let original = std::fs::read(&file).unwrap();
        let sha = sha256_hex(&original);
        let dest = out_dir.join("copy");
        // by a sha256 prefix
        let out = a.run(&["get", &sha[..12], "-o", dest.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(std::fs::read(&dest).unwrap(), original, "{file:?}");
        let doc = a.show(&sha[..12]);
        assert_eq!(doc["sha256"], sha);
        assert_eq!(doc["size"], original.len() as u64);
    }
}

#[test]
fn filters_by_branch_and_type() {
    let a = TestArchive::new();
    let letter = samples().join("en/inspection letter OMR-2024-0917.png");
    let circ = samples().join("pdf/circular 12-1445 opening hours.pdf");
    let (r, code) = a.ingest(&["--branch", "omran", "--doc-type", "letter"], &[&letter]);
    assert_eq!((code, r["ingested"].as_u64()), (0, Some(1)));
    let (r, code) = a.ingest(&["--branch", "Hofuf", "--doc-type", "circular"], &[&circ]);
    assert_eq!((code, r["ingested"].as_u64()), (0, Some(1)));
    assert_eq!(a.search(&[], "municipality")["total"], 2);
    let omran = a.search(&["--branch", "omran"], "municipality");
    assert_eq!(omran["total"], 1);
    assert_eq!(omran["hits"][0]["branch"], "omran");
    assert_eq!(omran["hits"][0]["doc_type"], "letter");
    assert_eq!(
        a.search(&["--branch", "hofuf"], "municipality")["hits"][0]["doc_type"],
        "circular"
    );
    assert_eq!(
        a.search(
            &["--doc-type", "letter", "--branch", "hofuf"],
            "municipality"
        )["total"],
        0
    );
}

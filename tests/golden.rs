//! Golden files: what arshif reads from each sample, kept under
//! `samples/golden/`. Text layers must come out exactly so; OCR output may
//! drift by a character or two between CPUs (Tesseract's SIMD paths), so it
//! must stay within 3% character error of its golden. Regenerate with
//! `ARSHIF_BLESS=1 cargo test --test golden` after a deliberate change.

use std::path::Path;

use arshif::extract::{self, ExtractConfig};
use arshif::ocr::{OcrConfig, OcrEngine};
use arshif::types::TextSource;

fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            cur[j] = (prev[j] + 1)
                .min(cur[j - 1] + 1)
                .min(prev[j - 1] + usize::from(a[i - 1] != b[j - 1]));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[test]
fn samples_read_as_their_golden_files() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("samples");
    let bless = std::env::var_os("ARSHIF_BLESS").is_some();
    let mut engine = OcrEngine::new(&OcrConfig::default()).unwrap();
    for entry in walkdir::WalkDir::new(root.join("scans")).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(root.join("scans")).unwrap();
        let format = extract::sniff(&extract::read_head(entry.path()).unwrap()).unwrap();
        let mut contents = vec![];
        extract::extract_pages(
            entry.path(),
            format,
            &ExtractConfig::default(),
            &mut |n, c| {
                contents.push((n, c));
                true
            },
        )
        .unwrap();
        let mut text = String::new();
        let mut all_text_layer = true;
        for (n, c) in contents {
            let page = arshif::ingest::read_page(&mut engine, n, c).unwrap();
            all_text_layer &= page.source == TextSource::PdfText;
            text.push_str(&format!(
                "=== page {n} ({}) ===\n{}\n",
                page.source.as_str(),
                page.text
            ));
        }
        let golden = root.join("golden").join(format!("{}.txt", rel.display()));
        if bless {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
            panic!(
                "{} is missing; run ARSHIF_BLESS=1 cargo test --test golden",
                golden.display()
            )
        });
        if all_text_layer {
            assert_eq!(text, want, "{rel:?}: text layer extraction changed");
        } else {
            let (a, b): (Vec<char>, Vec<char>) = (text.chars().collect(), want.chars().collect());
            let cer = levenshtein(&a, &b) as f64 / b.len().max(1) as f64;
            assert!(
                cer <= 0.03,
                "{rel:?}: OCR drifted from its golden file (CER {cer:.3}):\n{text}"
            );
        }
    }
}

/// What `metadata` reads from each sample's golden text — the OCR'd or
/// text-layer pages as arshif stores them — pinned under
/// `samples/golden/metadata/`: dates (as printed, in both calendars), the
/// document date, reference numbers and the type guess.
#[test]
fn metadata_read_from_the_golden_texts() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("samples/golden");
    let bless = std::env::var_os("ARSHIF_BLESS").is_some();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&root).unwrap();
        if !entry.file_type().is_file() || rel.starts_with("metadata") {
            continue;
        }
        let golden = std::fs::read_to_string(entry.path()).unwrap();
        // "=== page N (source) ===" starts each page.
        let mut pages: Vec<(u32, String)> = Vec::new();
        for line in golden.lines() {
            if let Some(rest) = line.strip_prefix("=== page ") {
                let n = rest.split(' ').next().unwrap().parse().unwrap();
                pages.push((n, String::new()));
            } else if let Some((_, text)) = pages.last_mut() {
                text.push_str(line);
                text.push('\n');
            }
        }
        let e = arshif::metadata::extract(pages.iter().map(|(n, t)| (*n, t.as_str())));
        let got = serde_json::json!({
            "document_date": e.document_date.map(|d| d.to_json()),
            "dates": e.dates.iter().map(|d| d.to_json()).collect::<Vec<_>>(),
            "reference_numbers": e.reference_numbers,
            "doc_type": e.type_guess.as_ref().map(|g| g.doc_type.to_string()),
        });
        let path = root
            .join("metadata")
            .join(rel.with_extension("").with_extension("json"));
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
            continue;
        }
        let want: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("{} is missing; bless it", path.display())),
        )
        .unwrap();
        assert_eq!(got, want, "{rel:?}: what is read from the text changed");
        checked += 1;
    }
    assert!(bless || checked >= 7, "only {checked} golden texts");
}

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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
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

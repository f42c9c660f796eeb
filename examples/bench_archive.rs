//! Build a large archive for the HTTP benchmark (`make bench-serve`).
//!
//!     cargo run --release --example bench_archive -- DIR N QUERIES_FILE
//!
//! Writes N generated documents through the archive's own write path: each
//! original (a small PNG, distinct bytes per document) is staged and
//! committed to the store, recorded in the catalog with its pages (the
//! benchmark corpus's municipal Arabic/English text, one word box per
//! word, laid out in lines as OCR reports them) and indexed by the
//! indexer's catch-up. No OCR runs: the pages' text is generated. Also
//! writes QUERIES_FILE: one URL-encoded query per line (one or two words
//! from the corpus, some phrases, some misspelt as OCR misreads them).

#[path = "../benches/common/mod.rs"]
mod common;

use std::io::Write;
use std::path::PathBuf;

use arshif::archive::Archive;
use arshif::catalog::{Catalog, FileOutcome, NewBatch, NewDocument, PageRecord, SourceRecord};
use arshif::types::Word;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, n, queries] = args.as_slice() else {
        eprintln!("usage: bench_archive DIR N QUERIES_FILE");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let n: usize = n.parse().expect("N is a number");
    let archive = Archive::init(&dir).expect("a new archive");
    let mut catalog = archive.catalog().unwrap();
    let corpus = common::corpus(n);
    let t = std::time::Instant::now();
    let batch = catalog
        .begin_batch(&NewBatch {
            started_at: chrono::Utc::now(),
            branch: None,
            doc_type: None,
            inputs: vec!["generated".into()],
        })
        .unwrap();
    let staging = tempfile::tempdir().unwrap();
    catalog.begin_group().unwrap();
    for (i, (doc, pages)) in corpus.iter().enumerate() {
        // A distinct small original per document.
        let img = image::GrayImage::from_fn(16, 16, |x, y| {
            image::Luma([((i >> ((x + y) % 24)) & 0xff) as u8 ^ (x * 16 + y) as u8])
        });
        let path = staging.path().join("page.png");
        img.save(&path).unwrap();
        let staged = archive.store().stage(&path, None).unwrap();
        let blob = staged.id();
        let size = staged.size();
        archive.store().commit(staged).unwrap();
        let pages: Vec<PageRecord> = pages
            .iter()
            .map(|p| PageRecord {
                words: boxes(&p.text),
                ..p.clone()
            })
            .collect();
        let source_path = doc.sources[0].path.clone();
        let extracted =
            arshif::metadata::extract(pages.iter().map(|p| (p.number, p.text.as_str())));
        let (id, _) = catalog
            .insert_document(&NewDocument {
                blob,
                size,
                media_type: "image/png".into(),
                title: doc.title.clone(),
                pages,
                source: SourceRecord {
                    batch,
                    doc_type: doc.doc_type.clone(),
                    ..doc.sources[0].clone()
                },
                extracted,
            })
            .unwrap();
        catalog
            .record_file(&arshif::catalog::FileRecord {
                batch,
                path: &source_path,
                outcome: &FileOutcome::Ingested(id),
                pages: 1,
            })
            .unwrap();
        if i % 1000 == 999 {
            catalog.end_group().unwrap();
            catalog.begin_group().unwrap();
            eprint!("\r{} documents recorded", i + 1);
        }
    }
    catalog.end_group().unwrap();
    catalog.finish_batch(batch, chrono::Utc::now()).unwrap();
    eprintln!(
        "\r{n} documents recorded in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let idx = archive.fresh_index().unwrap();
    eprintln!(
        "{} index entries after {:.0} s",
        idx.searcher().num_docs(),
        t.elapsed().as_secs_f64()
    );

    let mut out = std::fs::File::create(queries).unwrap();
    let mut rng = common::Rng(0x1445);
    let words: Vec<&str> = common::ARABIC.to_vec();
    let mut i = 0;
    while i < 1000 {
        let a = rng.pick(&words);
        let b = rng.pick(&words);
        let q = match i % 5 {
            0 | 1 => a.to_string(),
            2 => format!("{a} {b}"),
            3 => format!("\"{a} {b}\""),
            // a misread letter: the fuzzy fallback
            _ => {
                let mut c: Vec<char> = a.chars().collect();
                let k = c.len() / 2;
                c[k] = if c[k] == 'ب' { 'ت' } else { 'ب' };
                c.into_iter().collect()
            }
        };
        // Only queries the search runs (not ones refused as all stopwords).
        if arshif::search::prepare(&idx, &arshif::search::SearchRequest::new(q.clone())).is_ok() {
            writeln!(out, "{}", encode(&q)).unwrap();
            i += 1;
        }
    }
}

/// One box per word, laid out right to left in lines as on a page.
fn boxes(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    for (line, l) in text.lines().enumerate() {
        let mut x = 2300u32;
        for w in l.split_whitespace() {
            let width = 28 * w.chars().count() as u32;
            let left = x.saturating_sub(width);
            words.push(Word {
                text: w.to_string(),
                bbox: [left, 200 + 70 * line as u32, width, 50],
                confidence: 0.9,
            });
            x = left.saturating_sub(30);
        }
    }
    words
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

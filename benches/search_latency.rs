//! Search latency over a generated 100,000-document archive index: p50 and
//! p99 of `arshif::search::search` (the whole path: parsing, analysis,
//! ranking, stored-field loading, matched pages and snippets) for plain,
//! phrase and fuzzy-fallback queries, reference numbers, and the same plain
//! queries with facet counts and with a document-date filter, one query at
//! a time on one thread.
//!
//!     cargo bench --bench search_latency            # builds the index once, in target/
//!     taskset -c 0 cargo bench --bench search_latency
//!
//! Prints a table; not a criterion bench because percentiles are the point.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use arshif::calendar::{Calendar, DateInput};
use arshif::index::{IndexState, SearchIndex};
use arshif::search::{search, SearchRequest};
use common::{Rng, ARABIC};

const DOCS: usize = 100_000;
const QUERIES: usize = 300;

fn index() -> SearchIndex {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "search-latency-{DOCS}-v{}",
        arshif::index::SCHEMA_VERSION
    ));
    let (idx, state) = SearchIndex::open_or_rebuild(&dir).unwrap();
    if state == IndexState::Current && idx.searcher().num_docs() == DOCS as u64 {
        return idx;
    }
    eprintln!(
        "building a {DOCS}-document index in {} (once)…",
        dir.display()
    );
    let t = Instant::now();
    let mut w = idx.writer().unwrap();
    w.delete_all().unwrap();
    for (i, (doc, pages)) in common::corpus(DOCS).into_iter().enumerate() {
        w.upsert(&doc, &pages).unwrap();
        if i % 10_000 == 9_999 {
            w.commit().unwrap();
        }
    }
    w.commit().unwrap();
    w.finish().unwrap();
    idx.reload().unwrap();
    eprintln!("built in {:.1}s", t.elapsed().as_secs_f64());
    idx
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn run(idx: &SearchIndex, name: &str, queries: &[String]) {
    let reqs: Vec<SearchRequest> = queries
        .iter()
        .map(|q| SearchRequest::new(q.clone()))
        .collect();
    run_requests(idx, name, &reqs)
}

fn run_requests(idx: &SearchIndex, name: &str, reqs: &[SearchRequest]) {
    // warm up caches once
    for r in reqs.iter().take(20) {
        let _ = search(idx, r);
    }
    let mut times = Vec::with_capacity(reqs.len());
    let mut fuzzy = 0;
    let mut hits = 0usize;
    for q in reqs {
        let t = Instant::now();
        let r = search(idx, q).unwrap();
        times.push(t.elapsed());
        fuzzy += r.fuzzy as usize;
        hits += r.total;
    }
    times.sort();
    println!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} | {} | {} |",
        reqs.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        hits / reqs.len(),
        fuzzy
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks the harness to list benches
    }
    let idx = index();
    let tail = common::tail_vocabulary(50_000);
    let mut rng = Rng(99);
    let plain: Vec<String> = (0..QUERIES)
        .map(|_| format!("{} {}", rng.pick(ARABIC), tail[100 + rng.below(5_000)]))
        .collect();
    let phrase: Vec<String> = (0..QUERIES)
        .map(|_| {
            let text = common::page_text(&mut rng, &tail);
            let words: Vec<&str> = text.split_whitespace().collect();
            let i = rng.below(words.len() - 1);
            format!("\"{} {}\"", words[i], words[i + 1])
        })
        .collect();
    let fuzzy: Vec<String> = (0..QUERIES)
        .map(|_| {
            let w: Vec<char> = tail[1_000 + rng.below(20_000)].chars().collect();
            let mut w = w;
            let k = w.len() / 2;
            w[k] = if w[k] == 'ك' { 'م' } else { 'ك' };
            w.into_iter().collect()
        })
        .collect();
    println!("Search latency, {DOCS} documents, one query at a time (ms):\n");
    println!("| queries | n | p50 | p99 | max | mean hits | fuzzy pass |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    run(&idx, "plain (2 words)", &plain);
    run(&idx, "phrase", &phrase);
    run(&idx, "misread word (fuzzy fallback)", &fuzzy);
    // Licence numbers as staff type them, half in Arabic-Indic digits.
    let corpus_years: Vec<String> = (0..QUERIES)
        .map(|k| {
            // Document i's licence is `1440 + i % 7` / `i + 1`.
            let i = rng.below(DOCS);
            let number = format!("{}/{}", 1440 + i % 7, i + 1);
            if k % 2 == 0 {
                number
            } else {
                number
                    .chars()
                    .map(|c| {
                        c.to_digit(10)
                            .map_or(c, |n| char::from_u32(0x0660 + n).unwrap())
                    })
                    .collect()
            }
        })
        .collect();
    run(&idx, "licence number", &corpus_years);
    let faceted: Vec<SearchRequest> = plain
        .iter()
        .map(|q| SearchRequest {
            facets: Some(Calendar::Hijri),
            ..SearchRequest::new(q.clone())
        })
        .collect();
    run_requests(&idx, "plain + facet counts", &faceted);
    let dated: Vec<SearchRequest> = plain
        .iter()
        .enumerate()
        .map(|(k, q)| {
            let month = DateInput::parse(&format!("{}-{:02}h", 1440 + k % 7, 1 + k % 12)).unwrap();
            SearchRequest {
                date_from: Some(month.first),
                date_to: Some(month.last),
                ..SearchRequest::new(q.clone())
            }
        })
        .collect();
    run_requests(&idx, "plain + one Hijri month", &dated);
    let browse: Vec<SearchRequest> = (0..QUERIES)
        .map(|k| {
            let month = DateInput::parse(&format!("{}-{:02}h", 1440 + k % 7, 1 + k % 12)).unwrap();
            SearchRequest {
                date_from: Some(month.first),
                date_to: Some(month.last),
                facets: Some(Calendar::Gregorian),
                ..SearchRequest::new("")
            }
        })
        .collect();
    run_requests(&idx, "a Hijri month, no words, facets", &browse);
}

//! Search latency over a generated 100,000-document archive index: p50 and
//! p99 of `arshif::search::search` (the whole path: parsing, analysis,
//! ranking, stored-field loading, matched pages and snippets) for plain,
//! phrase and fuzzy-fallback queries, one query at a time on one thread.
//!
//!     cargo bench --bench search_latency            # builds the index once, in target/
//!     taskset -c 0 cargo bench --bench search_latency
//!
//! Prints a table; not a criterion bench because percentiles are the point.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

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
    // warm up caches once
    for q in queries.iter().take(20) {
        let _ = search(idx, &SearchRequest::new(q.clone()));
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut fuzzy = 0;
    let mut hits = 0usize;
    for q in queries {
        let t = Instant::now();
        let r = search(idx, &SearchRequest::new(q.clone())).unwrap();
        times.push(t.elapsed());
        fuzzy += r.fuzzy as usize;
        hits += r.total;
    }
    times.sort();
    println!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} | {} | {} |",
        queries.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        hits / queries.len(),
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
}

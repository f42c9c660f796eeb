//! Index throughput: documents/s and MB/s of page text through arshif's
//! analysis into tantivy, committing every 100 documents as `ingest` does.
//!
//!     cargo bench --bench index_throughput
//!
//! The corpus is generated (benches/common): Arabic municipal vocabulary with
//! hamza forms, diacritics and Arabic-Indic digits, English, and a long tail
//! of generated names; about 2.4 KB a page, one to three pages a document.

mod common;

use std::time::Duration;

use arshif::catalog::{DocumentRecord, PageRecord};
use arshif::index::SearchIndex;
use common::corpus;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn index_all(docs: &[(DocumentRecord, Vec<PageRecord>)]) {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_rebuild(dir.path()).unwrap();
    let mut w = index.writer().unwrap();
    for (doc, pages) in docs {
        w.upsert(doc, pages).unwrap();
        if w.pending() >= 100 {
            w.commit().unwrap();
        }
    }
    w.commit().unwrap();
    w.finish().unwrap();
}

fn bench(c: &mut Criterion) {
    // ARSHIF_BENCH_DOCS=10000,100000 (the default) picks the corpus sizes.
    let sizes: Vec<usize> = std::env::var("ARSHIF_BENCH_DOCS")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let mut g = c.benchmark_group("index");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    for n in sizes {
        let docs = corpus(n);
        let bytes: usize = docs
            .iter()
            .map(|(_, p)| p.iter().map(|p| p.text.len()).sum::<usize>())
            .sum();
        // MB/s is bytes / time: criterion reports one throughput unit.
        eprintln!(
            "index/documents/{n}: {n} documents, {bytes} bytes of page text ({:.1} MB)",
            bytes as f64 / 1e6
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("documents/{n}"), |b| {
            b.iter_batched(|| (), |_| index_all(&docs), BatchSize::PerIteration)
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

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
    const N: usize = 2000;
    let docs = corpus(N);
    let bytes: usize = docs
        .iter()
        .map(|(_, p)| p.iter().map(|p| p.text.len()).sum::<usize>())
        .sum();
    let mut g = c.benchmark_group("index");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("documents", |b| {
        b.iter_batched(|| (), |_| index_all(&docs), BatchSize::PerIteration)
    });
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("page_text_bytes", |b| {
        b.iter_batched(|| (), |_| index_all(&docs), BatchSize::PerIteration)
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Analyzer speed: bytes/s and tokens/s of arshif's Arabic+English analyzers
//! against tantivy's default tokenizer on the same text.
//!
//!     cargo bench --bench analyzer

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

fn count(analyzer: &mut TextAnalyzer, text: &str) -> usize {
    let mut s = analyzer.token_stream(text);
    let mut n = 0;
    while s.advance() {
        std::hint::black_box(&s.token().text);
        n += 1;
    }
    n
}

fn bench(c: &mut Criterion) {
    let tail = common::tail_vocabulary(50_000);
    let mut rng = common::Rng(7);
    let text: String = (0..400)
        .map(|_| common::page_text(&mut rng, &tail))
        .collect::<Vec<_>>()
        .join("\n");
    let mut analyzers: Vec<(&str, TextAnalyzer)> = vec![
        (
            "tantivy_default",
            tantivy::tokenizer::TokenizerManager::default()
                .get("default")
                .unwrap(),
        ),
        ("arshif_text", arshif::analysis::text_analyzer()),
        (
            "arshif_stem",
            arshif::analysis::stem_analyzer(Default::default()),
        ),
        ("arshif_rasm", arshif::analysis::rasm_analyzer()),
    ];
    let mut g = c.benchmark_group("analyzer");
    g.throughput(Throughput::Bytes(text.len() as u64));
    for (name, a) in analyzers.iter_mut() {
        let tokens = count(a, &text);
        eprintln!("{name}: {tokens} tokens in {} bytes", text.len());
        g.bench_function(*name, |b| b.iter(|| count(a, std::hint::black_box(&text))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

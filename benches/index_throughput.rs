//! Index throughput: documents/s and MB/s of page text through arshif's
//! analysis into tantivy, committing every 100 documents as `ingest` does.
//!
//!     cargo bench --bench index_throughput
//!
//! The corpus is generated: Arabic municipal vocabulary (with hamza forms,
//! diacritics and Arabic-Indic digits) mixed with English, about 2.4 KB a page,
//! one to three pages a document.

use std::time::Duration;

use arshif::catalog::{DocumentRecord, PageRecord, SourceRecord};
use arshif::index::SearchIndex;
use arshif::types::{BatchId, BlobId, DocId, TextSource};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const ARABIC: &[&str] = &[
    "بلدية",
    "الهفوف",
    "المبرز",
    "العمران",
    "العيون",
    "أمانة",
    "محافظة",
    "الأحساء",
    "رخصة",
    "بناء",
    "شهادة",
    "صحية",
    "محضر",
    "مخالفة",
    "عقد",
    "صيانة",
    "خطاب",
    "إدارة",
    "الإنشاءات",
    "المالك",
    "العقار",
    "مساحة",
    "الأرض",
    "مترًا",
    "مربعًا",
    "تاريخ",
    "الإصدار",
    "الانتهاء",
    "رقم",
    "المنشأة",
    "مطعم",
    "مخبز",
    "الأغذية",
    "العاملين",
    "غرامة",
    "إغلاق",
    "مؤقت",
    "يُسمح",
    "بالبناء",
    "وفق",
    "المخططات",
    "المعتمدة",
    "لدى",
    "سارية",
    "لمدة",
    "ثلاث",
    "سنوات",
    "الطرف",
    "الأول",
    "الثاني",
    "مؤسسة",
    "للمقاولات",
    "الإنارة",
    "العامة",
    "والحدائق",
    "حيّ",
    "الراشدية",
    "توقيع",
    "الشهود",
    "مدير",
    "١٤٤٥/٠٣/١٢",
    "٢٧٥٠٧٩٧٦",
    "هـ",
    "على",
    "في",
    "من",
    "إلى",
    "بشأن",
    "تعميم",
    "اعتبارًا",
];
const ENGLISH: &[&str] = &[
    "municipality",
    "licence",
    "certificate",
    "inspection",
    "contract",
    "reference",
    "branch",
    "maintenance",
    "violation",
    "report",
    "health",
    "workers",
    "restaurant",
    "Omran",
    "Hofuf",
    "2024",
    "MC-1445-0088",
    "the",
    "of",
    "and",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
}

fn page_text(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(2600);
    while s.len() < 2400 {
        let w = if rng.next().is_multiple_of(5) {
            rng.pick(ENGLISH)
        } else {
            rng.pick(ARABIC)
        };
        s.push_str(w);
        s.push(if rng.next().is_multiple_of(12) {
            '\n'
        } else {
            ' '
        });
    }
    s
}

fn corpus(n: usize) -> Vec<(DocumentRecord, Vec<PageRecord>)> {
    let mut rng = Rng(0x5eed_1445);
    (0..n)
        .map(|i| {
            let pages: Vec<PageRecord> = (1..=1 + (rng.next() % 3) as u32)
                .map(|number| PageRecord {
                    number,
                    text: page_text(&mut rng),
                    source: TextSource::Ocr,
                    confidence: 0.9,
                    words: vec![],
                    rotation: 0,
                    width: 2480,
                    height: 3508,
                    language: "ara".into(),
                })
                .collect();
            let mut blob = [0u8; 32];
            blob[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let doc = DocumentRecord {
                id: DocId(i as i64 + 1),
                blob: BlobId::from_bytes(blob),
                size: 100_000,
                media_type: "image/png".into(),
                title: pages[0].text.lines().next().unwrap_or("").to_string(),
                branch: Some("hofuf".parse().unwrap()),
                doc_type: Some("licence".parse().unwrap()),
                page_count: pages.len() as u32,
                created_at: chrono::Utc::now(),
                sources: vec![SourceRecord {
                    path: format!("scans/hofuf/{i}.png"),
                    branch: Some("hofuf".parse().unwrap()),
                    doc_type: None,
                    batch: BatchId(1),
                    imported_at: chrono::Utc::now(),
                }],
            };
            (doc, pages)
        })
        .collect()
}

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

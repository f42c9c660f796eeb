//! A generated corpus for benchmarks: municipal Arabic vocabulary (hamza
//! forms, diacritics, Arabic-Indic digits) mixed with English, plus a long
//! tail of generated words drawn with a Zipf-like distribution, as a real
//! archive's vocabulary has.
#![allow(dead_code)]

use arshif::catalog::{DocumentRecord, PageRecord, SourceRecord};
use arshif::types::{BatchId, BlobId, DocId, TextSource};

pub const ARABIC: &[&str] = &[
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
pub const ENGLISH: &[&str] = &[
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
const LETTERS: &[char] = &[
    'ا', 'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س', 'ش', 'ص', 'ض', 'ط', 'ظ', 'ع', 'غ',
    'ف', 'ق', 'ك', 'ل', 'م', 'ن', 'ه', 'و', 'ي', 'ة', 'أ', 'ى',
];

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

/// A long tail of generated words (names, places, establishments).
pub fn tail_vocabulary(n: usize) -> Vec<String> {
    let mut rng = Rng(0xa11ce);
    (0..n)
        .map(|_| {
            let len = 4 + rng.below(5);
            let mut w: String = (0..len)
                .map(|_| LETTERS[rng.below(LETTERS.len())])
                .collect();
            if rng.below(3) == 0 {
                w.insert_str(0, "ال");
            }
            w
        })
        .collect()
}

/// Zipf-like pick: index i with probability ~ 1/(i+1).
pub fn zipf(rng: &mut Rng, n: usize) -> usize {
    // inverse-transform sampling of a continuous 1/x density on [1, n+1)
    let u = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    (((n as f64 + 1.0).powf(u)) - 1.0).floor() as usize % n
}

pub fn page_text(rng: &mut Rng, tail: &[String]) -> String {
    let mut s = String::with_capacity(2600);
    while s.len() < 2400 {
        match rng.below(10) {
            0..=1 => s.push_str(rng.pick(ENGLISH)),
            2..=3 => s.push_str(&tail[zipf(rng, tail.len())]),
            _ => s.push_str(rng.pick(ARABIC)),
        }
        s.push(if rng.below(12) == 0 { '\n' } else { ' ' });
    }
    s
}

pub fn corpus(n: usize) -> Vec<(DocumentRecord, Vec<PageRecord>)> {
    let tail = tail_vocabulary(50_000);
    let mut rng = Rng(0x5eed_1445);
    (0..n)
        .map(|i| {
            // A licence head, as offices print it: its number and its
            // Hijri issue date (Arabic-Indic digits on every third).
            let (y, m, d) = (1440 + i % 7, 1 + rng.below(12), 1 + rng.below(29));
            let head = format!(
                "رقم الرخصة: {y}/{}\nتاريخ الإصدار: {y}/{m:02}/{d:02} هـ\n",
                i + 1
            );
            let head = if i % 3 == 0 {
                head.chars()
                    .map(|c| match c.to_digit(10) {
                        Some(n) => char::from_u32(0x0660 + n).unwrap(),
                        None => c,
                    })
                    .collect()
            } else {
                head
            };
            let pages: Vec<PageRecord> = (1..=1 + rng.below(3) as u32)
                .map(|number| PageRecord {
                    number,
                    text: if number == 1 {
                        head.clone() + &page_text(&mut rng, &tail)
                    } else {
                        page_text(&mut rng, &tail)
                    },
                    source: TextSource::Ocr,
                    confidence: 0.9,
                    words: vec![],
                    rotation: 0,
                    skew: 0.0,
                    width: 2480,
                    height: 3508,
                    language: "ara".into(),
                    numbers: Vec::new(),
                })
                .collect();
            let mut blob = [0u8; 32];
            blob[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let branch = ["hofuf", "mubarraz", "omran", "oyun"][i % 4];
            let doc = DocumentRecord {
                id: DocId(i as i64 + 1),
                blob: BlobId::from_bytes(blob),
                size: 100_000,
                media_type: "image/png".into(),
                title: pages[0].text.lines().next().unwrap_or("").to_string(),
                branch: Some(branch.parse().unwrap()),
                doc_type: Some("licence".parse().unwrap()),
                page_count: pages.len() as u32,
                created_at: chrono::Utc::now(),
                sources: vec![SourceRecord {
                    path: format!("scans/{branch}/{i}.png"),
                    branch: Some(branch.parse().unwrap()),
                    doc_type: None,
                    batch: BatchId(1),
                    imported_at: chrono::Utc::now(),
                    part: None,
                }],
                meta: arshif::catalog::DocMeta {
                    extracted: arshif::metadata::extract(
                        pages.iter().map(|p| (p.number, p.text.as_str())),
                    ),
                    ..Default::default()
                },
            };
            (doc, pages)
        })
        .collect()
}

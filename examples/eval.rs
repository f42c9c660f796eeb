//! Search evaluation: `make eval`, or
//!
//!     python3 samples/eval/make_eval.py target/eval
//!     cargo run --release --example eval -- target/eval
//!
//! Imports the rendered corpus (clean and degraded scans) with the real
//! pipeline, builds queries in classes from each document's true text, and
//! prints success@10 and MRR per class for arshif (light and Snowball Arabic
//! stemmers) and for tantivy's default tokenizer on the same OCR text.
//!
//! A query targets one document: it is built from a word (or word pair) of
//! that document's true text that no other document's text contains. Words
//! the OCR read correctly go to the typing-variant classes; words it misread
//! form the `ocr-misread` class (typed correctly, found only by fuzzy matching).
//!
//! Mixed-script pages (English memos naming people in Arabic script,
//! Arabic letters naming a company and its representative in Latin script)
//! add `mixed-script`: a word of the page's own script followed by the
//! other-script name (`Inspector لطيفة ماجد الصقعبي`, `شركة Brightwater
//! Trading`), for names the OCR read. Otherwise the typing classes,
//! `ocr-misread` and `phrase` take only words in the page's own script.
//!
//! A second table takes queries whatever the OCR read: the numbers printed
//! on the page (licence, certificate, report and letter numbers, Hijri
//! dates; four digits or more) typed in Western digits as staff type them,
//! split by the digits they were printed in, and the other-script names
//! (the rarest word of each). A third gives the share of documents whose
//! extracted issue date (`document_date`) and `reference_numbers` match what
//! their text prints.
//!
//! The scans are named neutrally (`scan-0001.png`); `documents.tsv` beside
//! them says which template, language and condition each is, and the issue
//! date and reference number it prints.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use arshif::analysis::{self, normalize, AnalysisConfig, ArabicStemmer};
use arshif::archive::Archive;
use arshif::catalog::Catalog;
use arshif::index::SearchIndex;
use arshif::ingest::{self, IngestOptions, Quiet};
use arshif::metadata::reference_key;
use arshif::search::{self, SearchRequest};
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{Schema, Value, FAST, STORED, TEXT};
use tantivy::{doc, Index, TantivyDocument};

const CLASSES: &[&str] = &[
    "exact",
    "spelling (hamza, ة/ه, ى/ي)",
    "diacritics",
    "digits",
    "article/prefix",
    "singular/plural",
    "english case/plural",
    "phrase",
    "ocr-misread",
    MIXED,
];
/// Numbers the OCR misread, typed correctly: never matched fuzzily.
const MISREAD_NUMBERS: &str = "ocr-misread numbers (never fuzzy, by design)";
/// Classes of the second table: queried whatever the OCR read.
const NUMBERS_INDIC: &str = "numbers printed in Arabic-Indic digits (typed in Western)";
const NUMBERS_WESTERN: &str = "numbers printed in Western digits";
const OTHER_SCRIPT_NAMES: &str = "other-script names (Arabic in English pages, Latin in Arabic)";
const END_TO_END: &[&str] = &[NUMBERS_INDIC, NUMBERS_WESTERN, OTHER_SCRIPT_NAMES];
/// A word of the page's own script and a name in the other, in one query
/// (names the OCR read; `other-script names` has them whatever it read).
const MIXED: &str = "mixed-script (both scripts in one query)";
/// Queries per class per document, at most.
const PER_DOC: usize = 3;

/// A row of `documents.tsv`.
#[derive(Clone, Default)]
struct Row {
    template: String,
    language: String,
    condition: String,
    /// `1445-03-12h` (Hijri), `2024-09-06` (Gregorian) or empty.
    issue_date: String,
    issue_date_printed: String,
    /// As printed, or empty.
    reference: String,
}

fn read_rows(corpus: &Path) -> HashMap<String, Row> {
    let path = corpus.join("documents.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the corpus predates neutral file names: remove {} and render it again",
            path.display(),
            corpus.display()
        )
    });
    let dash = |s: &str| {
        if s == "-" {
            String::new()
        } else {
            s.to_string()
        }
    };
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 8, "{}: {l}", path.display());
            (
                f[0].to_string(),
                Row {
                    template: f[1].to_string(),
                    language: f[2].to_string(),
                    condition: f[3].to_string(),
                    issue_date: dash(f[5]),
                    issue_date_printed: dash(f[6]),
                    reference: dash(f[7]),
                },
            )
        })
        .collect()
}

struct Doc {
    id: i64,
    name: String,
    row: Row,
    truth: String,
    ocr_terms: HashSet<String>,
    /// Extracted at import: the issue date, and the reference numbers.
    date: Option<arshif::calendar::Day>,
    references: Vec<String>,
}

struct Query {
    class: &'static str,
    text: String,
    target: i64,
}

fn key(word: &str) -> String {
    analysis::terms(word)
        .into_iter()
        .map(|t| t.text)
        .collect::<Vec<_>>()
        .join(" ")
}

fn printed_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && !normalize::is_arabic_diacritic(c))
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_arabic(w: &str) -> bool {
    w.chars()
        .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c) && c.is_alphabetic())
}

fn is_latin(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_alphabetic())
}

fn has_arabic_indic(w: &str) -> bool {
    w.chars()
        .any(|c| ('\u{0660}'..='\u{0669}').contains(&c) || ('\u{06F0}'..='\u{06F9}').contains(&c))
}

/// A number as staff type it: Western digits.
fn western(w: &str) -> String {
    w.chars()
        .map(|c| normalize::ascii_digit(c).unwrap_or(c))
        .collect()
}

fn letters(w: &str) -> usize {
    w.chars().filter(|c| c.is_alphabetic()).count()
}

fn fold_spelling(w: &str) -> String {
    w.chars()
        .map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            c => c,
        })
        .collect()
}

fn strip_diacritics(w: &str) -> String {
    w.chars()
        .filter(|c| !normalize::is_arabic_diacritic(*c))
        .collect()
}

fn add_diacritics(w: &str) -> String {
    let mut out = String::new();
    for (i, c) in w.chars().enumerate() {
        out.push(c);
        if i == 1 {
            out.push('\u{064E}');
        } else if i == 2 {
            out.push('\u{0651}');
        }
    }
    out
}

fn swap_digits(w: &str) -> String {
    let arabic_indic = w.chars().any(|c| ('\u{0660}'..='\u{0669}').contains(&c));
    w.chars()
        .map(|c| {
            if arabic_indic {
                normalize::ascii_digit(c).unwrap_or(c)
            } else if c.is_ascii_digit() {
                char::from_u32(0x0660 + c as u32 - '0' as u32).unwrap()
            } else {
                c
            }
        })
        .collect()
}

/// A token with any article removed: الخالديه and خالديه are one word to
/// a person searching.
fn akey(token: &str) -> String {
    match token.strip_prefix("ال") {
        Some(rest) if rest.chars().count() >= 3 => rest.to_string(),
        _ => token.to_string(),
    }
}

/// Uniqueness key of a printed word: its tokens without articles.
fn ukey(word: &str) -> String {
    analysis::terms(word)
        .iter()
        .map(|t| akey(&t.text))
        .collect::<Vec<_>>()
        .join(" ")
}

fn build_queries(docs: &[Doc], plurals: &HashMap<String, String>) -> Vec<Query> {
    // how many documents' true text holds each token, word and word pair
    let mut df: HashMap<String, usize> = HashMap::new();
    for d in docs {
        let words = printed_words(&d.truth);
        let mut seen = HashSet::new();
        for w in &words {
            seen.insert(ukey(w));
            for t in analysis::terms(w) {
                seen.insert(akey(&t.text));
            }
        }
        for pair in words.windows(2) {
            seen.insert(format!("{} {}", key(&pair[0]), key(&pair[1])));
        }
        for k in seen {
            *df.entry(k).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for d in docs {
        let words = printed_words(&d.truth);
        let read_ok = |w: &str| {
            analysis::terms(w)
                .iter()
                .all(|t| d.ocr_terms.contains(&t.text))
        };
        let mut per: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        let mut push = |class: &'static str, q: String| {
            let v = per.entry(class).or_default();
            if !v.contains(&q) {
                v.push(q);
            }
        };
        // The numbers printed on the page, typed in Western digits, whatever
        // the OCR read.
        for w in &words {
            let digits = w
                .chars()
                .filter(|c| normalize::ascii_digit(*c).is_some())
                .count();
            if digits >= 4 && df.get(&ukey(w)) == Some(&1) {
                let class = if has_arabic_indic(w) {
                    NUMBERS_INDIC
                } else {
                    NUMBERS_WESTERN
                };
                push(class, western(w));
            }
        }
        for (rare, query, needed) in mixed_script(&words, &d.row.language, &df) {
            push(OTHER_SCRIPT_NAMES, rare);
            if let Some(q) = query.filter(|_| needed.iter().all(|w| read_ok(w))) {
                push(MIXED, q);
            }
        }
        for (i, w) in words.iter().enumerate() {
            let k = key(w);
            if k.is_empty()
                || df.get(&ukey(w)) != Some(&1)
                || analysis::is_stopword(&k)
                || other_script(w, &d.row.language)
            {
                continue;
            }
            let has_digit = w.chars().any(|c| normalize::ascii_digit(c).is_some());
            if !read_ok(w) {
                if !has_digit && letters(w) >= 4 {
                    push("ocr-misread", w.clone());
                } else if has_digit {
                    push(MISREAD_NUMBERS, w.clone());
                }
                continue;
            }
            if has_digit {
                if w.chars().any(|c| c.is_alphabetic()) {
                    continue;
                }
                push("digits", swap_digits(w));
                continue;
            }
            if letters(w) < 3 {
                continue;
            }
            if !is_arabic(w) {
                let q = match i % 3 {
                    0 => w.to_uppercase(),
                    1 => match w.strip_suffix('s') {
                        Some(s) if s.len() >= 3 => s.to_string(),
                        _ => format!("{w}s"),
                    },
                    _ => {
                        let mut c = w.chars();
                        c.next()
                            .map(|f| f.to_uppercase().chain(c).collect())
                            .unwrap_or_default()
                    }
                };
                push("english case/plural", q);
                if letters(w) >= 4 {
                    push("exact", w.clone());
                }
                continue;
            }
            let plain = strip_diacritics(w);
            if plain != *w {
                push("diacritics", plain.clone());
            } else if letters(w) >= 4 {
                push("diacritics", add_diacritics(w));
            }
            let folded = fold_spelling(&plain);
            if folded != plain {
                push("spelling (hamza, ة/ه, ى/ي)", folded);
            } else if plain == *w && letters(w) >= 4 {
                push("exact", w.clone());
            }
            if let Some(rest) = plain.strip_prefix("ال") {
                if rest.chars().count() >= 3 {
                    push("article/prefix", rest.to_string());
                }
            } else {
                let p = ["ال", "و", "ب"][i % 3];
                push("article/prefix", format!("{p}{plain}"));
            }
            if let Some(other) = plurals.get(&key(&plain)) {
                push("singular/plural", other.clone());
            }
        }
        for pair in words.windows(2) {
            let k = format!("{} {}", key(&pair[0]), key(&pair[1]));
            if df.get(&k) == Some(&1)
                && letters(&pair[0]) >= 2
                && letters(&pair[1]) >= 2
                && !other_script(&pair[0], &d.row.language)
                && !other_script(&pair[1], &d.row.language)
                && read_ok(&pair[0])
                && read_ok(&pair[1])
            {
                push("phrase", format!("\"{} {}\"", pair[0], pair[1]));
            }
        }
        for (class, qs) in per {
            // spread the picks over the document
            let step = (qs.len() / PER_DOC).max(1);
            for q in qs.iter().step_by(step).take(PER_DOC) {
                out.push(Query {
                    class,
                    text: q.clone(),
                    target: d.id,
                });
            }
        }
    }
    out
}

/// The other script's words of a page: Latin in an Arabic page, Arabic in
/// an English one.
fn other_script(w: &str, language: &str) -> bool {
    letters(w) >= 2
        && if language == "ar" {
            is_latin(w) && !is_arabic(w)
        } else {
            is_arabic(w) && !is_latin(w)
        }
}

/// Mixed-script queries of a page: for each run of other-script words
/// (a name) that holds a word no other document has, that word alone, and
/// the name in full after the nearest word of the page's own script before
/// it (`Inspector لطيفة ماجد الصقعبي`, `شركة Brightwater Trading`) with the
/// words that query needs the OCR to have read. (Only names the OCR read
/// are asked in full: the other words of a query would otherwise find a
/// misread name among the corpus's few pages that hold them.)
type MixedQueries = Vec<(String, Option<String>, Vec<String>)>;

fn mixed_script(words: &[String], language: &str, df: &HashMap<String, usize>) -> MixedQueries {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !other_script(&words[i], language) {
            i += 1;
            continue;
        }
        let start = i;
        while i < words.len() && other_script(&words[i], language) {
            i += 1;
        }
        let run = &words[start..i];
        let Some(rare) = run
            .iter()
            .filter(|w| letters(w) >= 3 && df.get(&ukey(w)) == Some(&1))
            .max_by_key(|w| letters(w))
        else {
            continue;
        };
        let before = words[..start].iter().rev().find(|w| {
            !other_script(w, language)
                && letters(w) >= 3
                && !analysis::is_stopword(&key(w))
                && !w.chars().any(|c| normalize::ascii_digit(c).is_some())
        });
        let (query, needed) = match before {
            Some(b) => (
                Some(format!("{b} {}", run.join(" "))),
                std::iter::once(b).chain(run).cloned().collect(),
            ),
            None => (None, vec![]),
        };
        out.push((rare.clone(), query, needed));
    }
    out
}

/// Rank (1-based) of the target among the first ten, if there.
type Ranker<'a> = Box<dyn Fn(&str) -> Vec<i64> + 'a>;

fn arshif_ranker(idx: &SearchIndex) -> Ranker<'_> {
    Box::new(move |q: &str| {
        let mut req = SearchRequest::new(q);
        req.limit = 10;
        match search::search(idx, &req) {
            Ok(r) => r.hits.iter().map(|h| h.id.0).collect(),
            Err(_) => vec![],
        }
    })
}

fn fill(idx: &SearchIndex, catalog: &dyn Catalog) {
    let mut w = idx.writer().unwrap();
    for id in catalog.document_ids().unwrap() {
        let d = catalog.document(id).unwrap().unwrap();
        w.upsert(&d, &catalog.pages(id).unwrap()).unwrap();
    }
    w.commit().unwrap();
    idx.reload().unwrap();
}

fn main() {
    arshif::ocr::ensure_omp_thread_limit();
    let corpus = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/eval".into()),
    );
    let archive_dir = corpus.join("archive");
    let archive = if archive_dir.join("arshif-archive.json").exists() {
        Archive::open(&archive_dir).unwrap()
    } else {
        Archive::init(&archive_dir).unwrap()
    };
    let t0 = std::time::Instant::now();
    let report = ingest::ingest(
        &archive,
        &[corpus.join("scans")],
        &IngestOptions::default(),
        &Quiet,
    )
    .expect("ingest");
    eprintln!(
        "imported {} new, {} already there, {} failed, {} pages in {:.1}s",
        report.ingested,
        report.duplicates,
        report.failed,
        report.pages,
        t0.elapsed().as_secs_f64()
    );
    let catalog = archive.catalog().unwrap();
    let rows = read_rows(&corpus);
    let mut docs = Vec::new();
    for id in catalog.document_ids().unwrap() {
        let d = catalog.document(id).unwrap().unwrap();
        let name = Path::new(&d.sources[0].path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let truth =
            std::fs::read_to_string(corpus.join("truth").join(format!("{name}.txt"))).unwrap();
        let ocr: String = catalog
            .pages(id)
            .unwrap()
            .iter()
            .map(|p| p.text.clone())
            .collect::<Vec<_>>()
            .join("\n");
        let row = rows
            .get(&name)
            .unwrap_or_else(|| panic!("{name} is not in documents.tsv"))
            .clone();
        docs.push(Doc {
            id: id.0,
            row,
            truth,
            ocr_terms: analysis::terms(&ocr).into_iter().map(|t| t.text).collect(),
            date: d.document_date(),
            references: d.meta.extracted.reference_numbers.clone(),
            name,
        });
    }
    let plurals: HashMap<String, String> = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/eval/plurals.tsv"),
    )
    .unwrap()
    .lines()
    .filter(|l| !l.starts_with('#') && l.contains('\t'))
    .flat_map(|l| {
        let (p, s) = l.split_once('\t').unwrap();
        [(key(p), s.to_string()), (key(s), p.to_string())]
    })
    .collect();
    let queries = build_queries(&docs, &plurals);

    // arshif, as shipped (light stemmer), and with Snowball Arabic
    let light = SearchIndex::create_in_ram(AnalysisConfig {
        arabic_stemmer: ArabicStemmer::Light,
    })
    .unwrap();
    fill(&light, &catalog);
    let snow = SearchIndex::create_in_ram(AnalysisConfig {
        arabic_stemmer: ArabicStemmer::Snowball,
    })
    .unwrap();
    fill(&snow, &catalog);
    // tantivy's default tokenizer over the same OCR text
    let mut sb = Schema::builder();
    let f_id = sb.add_i64_field("id", STORED | FAST);
    let f_text = sb.add_text_field("text", TEXT);
    let f_title = sb.add_text_field("title", TEXT);
    let plain = Index::create_in_ram(sb.build());
    {
        let mut w = plain.writer_with_num_threads(1, 50_000_000).unwrap();
        for id in catalog.document_ids().unwrap() {
            let d = catalog.document(id).unwrap().unwrap();
            let text: String = catalog
                .pages(id)
                .unwrap()
                .iter()
                .map(|p| p.text.clone())
                .collect::<Vec<_>>()
                .join("\n");
            w.add_document(doc!(f_id => id.0, f_text => text, f_title => d.title))
                .unwrap();
        }
        w.commit().unwrap();
    }
    let plain_reader = plain.reader().unwrap();
    let parser = QueryParser::for_index(&plain, vec![f_text, f_title]);
    let default_ranker: Ranker = Box::new(|q: &str| {
        let searcher = plain_reader.searcher();
        let (query, _) = parser.parse_query_lenient(q);
        searcher
            .search(&query, &TopDocs::with_limit(10).order_by_score())
            .map(|top| {
                top.into_iter()
                    .filter_map(|(_, a)| searcher.doc::<TantivyDocument>(a).ok())
                    .filter_map(|d| d.get_first(f_id).and_then(|v| v.as_i64()))
                    .collect()
            })
            .unwrap_or_default()
    });
    let rankers: Vec<(&str, Ranker)> = vec![
        ("arshif", arshif_ranker(&light)),
        ("arshif, Snowball Arabic", arshif_ranker(&snow)),
        ("tantivy default", default_ranker),
    ];

    // class -> ranker -> (n, hits, rr sum)
    let by_id: HashMap<i64, &Doc> = docs.iter().map(|d| (d.id, d)).collect();
    let mut table: BTreeMap<&str, Vec<(usize, usize, f64)>> = BTreeMap::new();
    let mut misses: Vec<String> = Vec::new();
    for q in &queries {
        let row = table
            .entry(q.class)
            .or_insert_with(|| vec![(0, 0, 0.0); rankers.len()]);
        let d = by_id[&q.target];
        let what = format!(
            "{} | {} | {} ({} {}, {})",
            q.class, q.text, d.name, d.row.template, d.row.language, d.row.condition
        );
        for (i, (_, rank)) in rankers.iter().enumerate() {
            let got = rank(&q.text);
            let pos = got.iter().position(|id| *id == q.target);
            row[i].0 += 1;
            if let Some(p) = pos {
                row[i].1 += 1;
                row[i].2 += 1.0 / (p as f64 + 1.0);
                if i == 0 && p > 0 {
                    misses.push(format!("{what} | rank {} of {got:?}", p + 1));
                }
            } else if i == 0 {
                misses.push(format!("{what} | got {got:?}"));
            }
        }
    }
    println!(
        "Search evaluation: {} documents, {} queries\n",
        docs.len(),
        queries.len()
    );
    let header = || {
        print!("| class | queries |");
        for (name, _) in &rankers {
            print!(" {name} S@10 | {name} MRR |");
        }
        println!();
        println!("|---|---:|{}", "---:|---:|".repeat(rankers.len()));
    };
    let print_row = |label: &str, row: &[(usize, usize, f64)]| {
        print!("| {label} | {} |", row[0].0);
        for (n, hit, rr) in row {
            print!(" {:.3} | {:.3} |", *hit as f64 / *n as f64, rr / *n as f64);
        }
        println!();
    };
    header();
    let mut overall = vec![(0usize, 0usize, 0.0f64); rankers.len()];
    let order: Vec<&str> = CLASSES
        .iter()
        .copied()
        .chain(
            table
                .keys()
                .copied()
                .filter(|k| !CLASSES.contains(k) && !END_TO_END.contains(k)),
        )
        .collect();
    for class in order {
        let Some(row) = table.get(class) else {
            continue;
        };
        print_row(class, row);
        if CLASSES.contains(&class) {
            for (o, r) in overall.iter_mut().zip(row) {
                o.0 += r.0;
                o.1 += r.1;
                o.2 += r.2;
            }
        }
    }
    print_row("**overall** (classes above the numbers row)", &overall);
    let read_exactly = |d: &Doc, w: &str| {
        analysis::terms(w)
            .iter()
            .all(|t| d.ocr_terms.contains(&t.text))
    };
    let truth_words: usize = docs.iter().map(|d| printed_words(&d.truth).len()).sum();
    let read: usize = docs
        .iter()
        .map(|d| {
            printed_words(&d.truth)
                .iter()
                .filter(|w| read_exactly(d, w))
                .count()
        })
        .sum();
    println!(
        "\nOCR read {read} of {truth_words} printed words ({:.1}%) exactly (after normalisation).",
        100.0 * read as f64 / truth_words as f64
    );

    // Numbers and mixed-script queries, whatever the OCR read.
    println!(
        "\nNumbers printed on the page (typed in Western digits) and mixed-script names, \
         queried whatever the OCR read:\n"
    );
    header();
    for class in END_TO_END {
        if let Some(row) = table.get(class) {
            print_row(class, row);
        }
    }
    let mut numbers = (0usize, 0usize, 0usize, 0usize); // Indic (n, read), Western (n, read)
    let mut other = (0usize, 0usize);
    for d in &docs {
        for w in printed_words(&d.truth) {
            let digits = w
                .chars()
                .filter(|c| normalize::ascii_digit(*c).is_some())
                .count();
            if digits >= 4 {
                let ok = read_exactly(d, &w) as usize;
                if has_arabic_indic(&w) {
                    numbers.0 += 1;
                    numbers.1 += ok;
                } else {
                    numbers.2 += 1;
                    numbers.3 += ok;
                }
            }
            if other_script(&w, &d.row.language) {
                other.0 += 1;
                other.1 += read_exactly(d, &w) as usize;
            }
        }
    }
    let pct = |k: usize, n: usize| 100.0 * k as f64 / n.max(1) as f64;
    println!(
        "\nOCR read {} of {} printed numbers (4 digits or more) in Arabic-Indic digits exactly ({:.1}%), \
         {} of {} in Western digits ({:.1}%); {} of {} other-script words of mixed-script pages ({:.1}%).",
        numbers.1,
        numbers.0,
        pct(numbers.1, numbers.0),
        numbers.3,
        numbers.2,
        pct(numbers.3, numbers.2),
        other.1,
        other.0,
        pct(other.1, other.0)
    );

    // Metadata: the issue date and reference number read from the OCR text
    // against what the page prints.
    // label -> (documents, right)
    let mut meta: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut meta_misses = Vec::new();
    for d in &docs {
        let r = &d.row;
        // count a document under `label`, and say what was extracted if wrong
        let mut tally = |label: &'static str, got: bool, printed: &str, extracted: String| {
            let e = meta.entry(label).or_default();
            e.0 += 1;
            e.1 += got as usize;
            if !got {
                meta_misses.push(format!(
                    "{label} | {} ({} {}) | printed {printed} | extracted {extracted}",
                    d.name, r.template, r.condition
                ));
            }
        };
        if !r.issue_date.is_empty() {
            let (label, got) = match r.issue_date.strip_suffix('h') {
                Some(hijri) => (
                    if has_arabic_indic(&r.issue_date_printed) {
                        "issue date (Hijri), printed in Arabic-Indic digits"
                    } else {
                        "issue date (Hijri), printed in Western digits"
                    },
                    d.date.map(|day| day.hijri().to_string()) == Some(hijri.to_string()),
                ),
                None => (
                    "issue date (Gregorian, English letters)",
                    d.date.map(|day| day.to_string()) == Some(r.issue_date.clone()),
                ),
            };
            let extracted = format!("{:?}", d.date.map(|day| format!("{}h", day.hijri())));
            tally(label, got, &r.issue_date_printed, extracted);
        }
        if !r.reference.is_empty() {
            let label = if has_arabic_indic(&r.reference) {
                "reference number, printed in Arabic-Indic digits"
            } else {
                "reference number, printed in Western digits"
            };
            let want = reference_key(&r.reference);
            let got = want.is_some() && d.references.iter().any(|x| reference_key(x) == want);
            tally(label, got, &r.reference, format!("{:?}", d.references));
        }
    }
    println!(
        "\nMetadata read from the OCR text (`arshif show ID --json`: document_date, \
         reference_numbers) against what the page prints:\n"
    );
    println!("| metadata | documents | right | share |");
    println!("|---|---:|---:|---:|");
    for label in [
        "issue date (Hijri), printed in Arabic-Indic digits",
        "issue date (Hijri), printed in Western digits",
        "issue date (Gregorian, English letters)",
        "reference number, printed in Arabic-Indic digits",
        "reference number, printed in Western digits",
    ] {
        if let Some((n, k)) = meta.get(label) {
            println!("| {label} | {n} | {k} | {:.3} |", *k as f64 / *n as f64);
        }
    }
    if std::env::var_os("EVAL_MISSES").is_some() {
        eprintln!("\nmisses (arshif):");
        for m in misses {
            eprintln!("  {m}");
        }
        eprintln!("\nmetadata misses:");
        for m in meta_misses {
            eprintln!("  {m}");
        }
    }
}

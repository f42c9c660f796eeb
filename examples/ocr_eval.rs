//! OCR evaluation: `make ocr-eval`, or
//!
//!     python3 samples/eval/make_ocr_eval.py target/ocr-eval
//!     cargo run --release --example ocr_eval -- target/ocr-eval [samples]
//!
//! For every page: arshif's reading (extraction, clean-up, OCR) and plain
//! `tesseract -l ara+eng` (PDFs rendered with `pdftoppm -r 300` first) are
//! compared with the true text. Prints character error rate (CER), word
//! accuracy (1 − WER) and number accuracy (share of the true numbers read
//! exactly, whatever digits) per class, and per page with `--pages`;
//! `--class=low-dpi,clean` limits it to those classes.
//! With `samples` as a second argument, also the sample scans.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use arshif::analysis::normalize;
use arshif::extract::{self, ExtractConfig};
use arshif::ocr::{OcrConfig, OcrEngine};

/// Text as compared: diacritics, tatweel and direction marks removed,
/// presentation forms decomposed, digits as ASCII, whitespace collapsed.
fn canon(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        normalize::expand(c, |d| {
            if normalize::is_arabic_diacritic(d)
                || matches!(
                    d,
                    '\u{0640}' | '\u{200E}' | '\u{200F}' | '\u{200C}' | '\u{200D}'
                )
            {
                return;
            }
            out.push(normalize::ascii_digit(d).unwrap_or(d));
        });
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
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

#[derive(Default, Clone, Copy)]
struct Score {
    char_errors: usize,
    chars: usize,
    word_errors: usize,
    words: usize,
    numbers: usize,
    numbers_right: usize,
}

impl Score {
    fn of(read: &str, truth: &str) -> Score {
        let (r, t) = (canon(read), canon(truth));
        let rc: Vec<char> = r.chars().collect();
        let tc: Vec<char> = t.chars().collect();
        let rw: Vec<&str> = r.split(' ').collect();
        let tw: Vec<&str> = t.split(' ').collect();
        // numbers: every maximal run of digits and / in the truth
        let runs = |s: &str| -> Vec<String> {
            s.split(|c: char| !(c.is_ascii_digit() || c == '/'))
                .map(|x| x.trim_matches('/').to_string())
                .filter(|x| x.chars().filter(|c| c.is_ascii_digit()).count() >= 3)
                .collect()
        };
        let truth_numbers = runs(&t);
        let read_numbers = runs(&r);
        Score {
            char_errors: levenshtein(&rc, &tc),
            chars: tc.len(),
            word_errors: levenshtein(&rw, &tw),
            words: tw.len(),
            numbers: truth_numbers.len(),
            numbers_right: truth_numbers
                .iter()
                .filter(|n| read_numbers.contains(n))
                .count(),
        }
    }
    fn add(&mut self, o: Score) {
        self.char_errors += o.char_errors;
        self.chars += o.chars;
        self.word_errors += o.word_errors;
        self.words += o.words;
        self.numbers += o.numbers;
        self.numbers_right += o.numbers_right;
    }
    fn cer(&self) -> f64 {
        self.char_errors as f64 / self.chars.max(1) as f64
    }
    fn word_acc(&self) -> f64 {
        (1.0 - self.word_errors as f64 / self.words.max(1) as f64).max(0.0)
    }
    fn num_acc(&self) -> String {
        if self.numbers == 0 {
            "–".into()
        } else {
            format!(
                "{:.3} ({}/{})",
                self.numbers_right as f64 / self.numbers as f64,
                self.numbers_right,
                self.numbers
            )
        }
    }
}

fn arshif_read(engine: &mut OcrEngine, path: &Path) -> String {
    let head = extract::read_head(path).unwrap();
    let format = extract::sniff(&head).unwrap();
    let mut texts = Vec::new();
    let mut pages = Vec::new();
    extract::extract_pages(path, format, &ExtractConfig::default(), &mut |_, c| {
        pages.push(c);
        true
    })
    .unwrap();
    for (i, p) in pages.into_iter().enumerate() {
        texts.push(
            arshif::ingest::read_page(engine, i as u32 + 1, p)
                .map(|r| r.text)
                .unwrap_or_default(),
        );
    }
    texts.join("\n")
}

fn tesseract_read(path: &Path) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let image = if path.extension().is_some_and(|e| e == "pdf") {
        let prefix = tmp.path().join("p");
        Command::new("pdftoppm")
            .args(["-r", "300", "-png", "-singlefile"])
            .arg(path)
            .arg(&prefix)
            .status()
            .unwrap();
        prefix.with_extension("png")
    } else {
        path.to_path_buf()
    };
    let out = Command::new("tesseract")
        .arg(&image)
        .args(["-", "-l", "ara+eng"])
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn main() {
    arshif::cli::ensure_omp_thread_limit();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_pages = args.iter().any(|a| a == "--pages");
    // `--class=low-dpi,clean`: only those classes (for quick comparisons)
    let only: Option<Vec<String>> = args
        .iter()
        .find_map(|a| a.strip_prefix("--class="))
        .map(|c| c.split(',').map(str::to_string).collect());
    let dirs: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let root = PathBuf::from(
        dirs.first()
            .map(|s| s.as_str())
            .unwrap_or("target/ocr-eval"),
    );
    // (class, page path, truth path)
    let mut jobs: Vec<(String, PathBuf, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(root.join("pages")).unwrap().flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        // the class is the name up to its page number: "low-dpi-03-ar.png" → "low-dpi"
        let parts: Vec<&str> = name.split('-').collect();
        let cut = parts
            .iter()
            .position(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or(parts.len());
        let class = parts[..cut].join("-");
        jobs.push((
            class,
            p.clone(),
            root.join("truth").join(format!("{name}.txt")),
        ));
    }
    if dirs.iter().any(|d| d.as_str() == "samples") {
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        for e in walkdir::WalkDir::new(samples.join("scans"))
            .into_iter()
            .flatten()
        {
            if e.file_type().is_file() {
                let rel = e.path().strip_prefix(samples.join("scans")).unwrap();
                jobs.push((
                    "samples".into(),
                    e.path().to_path_buf(),
                    samples.join("truth").join(format!("{}.txt", rel.display())),
                ));
            }
        }
    }
    if let Some(only) = &only {
        jobs.retain(|(class, _, _)| only.contains(class));
    }
    jobs.sort();
    let queue = Mutex::new(jobs.clone());
    let results: Mutex<Vec<(String, String, Score, Score)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut cfg = OcrConfig::default();
                if let Ok(l) = std::env::var("OCR_EVAL_LANGUAGES") {
                    cfg.languages = l.parse().unwrap();
                }
                let mut engine = OcrEngine::new(&cfg).unwrap();
                loop {
                    let Some((class, page, truth)) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let truth = std::fs::read_to_string(&truth)
                        .unwrap()
                        .replace('\u{c}', "\n");
                    let ours = Score::of(&arshif_read(&mut engine, &page), &truth);
                    let theirs = Score::of(&tesseract_read(&page), &truth);
                    let name = page.file_name().unwrap().to_string_lossy().into_owned();
                    results.lock().unwrap().push((class, name, ours, theirs));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    if show_pages {
        println!("| page | arshif CER | tesseract CER | arshif words | tesseract words | arshif numbers | tesseract numbers |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for (_, name, o, t) in &results {
            println!(
                "| {name} | {:.3} | {:.3} | {:.3} | {:.3} | {} | {} |",
                o.cer(),
                t.cer(),
                o.word_acc(),
                t.word_acc(),
                o.num_acc(),
                t.num_acc()
            );
        }
        println!();
    }
    let mut by: BTreeMap<&str, (usize, Score, Score)> = BTreeMap::new();
    for (class, _, o, t) in &results {
        let e = by.entry(class.as_str()).or_default();
        e.0 += 1;
        e.1.add(*o);
        e.2.add(*t);
    }
    println!("| class | pages | arshif CER | tesseract CER | arshif word acc. | tesseract word acc. | arshif numbers | tesseract numbers |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let order = [
        "clean",
        "noisy",
        "low-dpi",
        "skewed",
        "rotated",
        "born-digital",
        "numbers",
        "samples",
        "other",
    ];
    for class in order {
        if let Some((n, o, t)) = by.get(class) {
            println!(
                "| {class} | {n} | {:.3} | {:.3} | {:.3} | {:.3} | {} | {} |",
                o.cer(),
                t.cer(),
                o.word_acc(),
                t.word_acc(),
                o.num_acc(),
                t.num_acc()
            );
        }
    }
}

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
//!
//! The number pages (`numbers`, and the same pages `numbers-noisy`,
//! `numbers-150dpi`, `numbers-blurred`, `numbers-rotated`, and in held-out
//! fonts `numbers-heldout` and `numbers-heldout-noisy`) are also read by
//! stock `tesseract -l ara` and `tesseract -l Arabic` and, when the
//! environment variable ARSHIF_BEFORE names an arshif binary (an older
//! release), by that binary: a fresh archive, `init`, `ingest PAGE`, `show
//! --json 1`, so its pages go through the same `ingest::read_page`. A second
//! table gives, per level, the true numbers read exactly by each reader,
//! printed in Arabic-Indic digits and in Western digits apart. (Only the
//! `numbers` level is in the first table, read by `tesseract -l ara+eng`.)
//!
//! While working on the reader: `OCR_EVAL_STOCK=0` leaves the stock readers
//! out, and `OCR_EVAL_MISSES=1` prints every true number arshif missed with
//! the numbers it read on that page.

use std::collections::BTreeMap;
use std::ffi::OsStr;
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
        let truth_numbers = number_runs(&t);
        let read_numbers = number_runs(&r);
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

/// The numbers of a canonical text: every maximal run of digits and `/`
/// holding at least 3 digits, `/` trimmed from its ends.
fn number_runs(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_ascii_digit() || c == '/'))
        .map(|x| x.trim_matches('/').to_string())
        .filter(|x| x.chars().filter(|c| c.is_ascii_digit()).count() >= 3)
        .collect()
}

/// The digits a number is printed in: 0 Arabic-Indic (or Extended
/// Arabic-Indic), 1 Western.
const DIGITS: [&str; 2] = ["Arabic-Indic", "Western"];

/// The numbers of a true text as `number_runs` finds them in its canonical
/// form (the value in ASCII digits, separators as printed, so a Hijri date's
/// هـ is not part of it), each with the digits it is printed in.
fn printed_numbers(truth: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut run = String::new();
    let mut indic = false;
    let mut flush = |run: &mut String, indic: &mut bool| {
        let value = run.trim_matches('/');
        if value.chars().filter(|c| c.is_ascii_digit()).count() >= 3 {
            out.push((value.to_string(), if *indic { 0 } else { 1 }));
        }
        run.clear();
        *indic = false;
    };
    for c in truth.chars() {
        if let Some(d) = normalize::ascii_digit(c) {
            run.push(d);
            indic |= d != c;
        } else if c == '/' {
            run.push(c);
        } else {
            flush(&mut run, &mut indic);
        }
    }
    flush(&mut run, &mut indic);
    out
}

/// True numbers read exactly, by the digits they are printed in: `[0]`
/// Arabic-Indic, `[1]` Western. A number is read exactly when its value is
/// one of the reading's numbers (`number_runs` of its canonical text, digits
/// as values: ٤ is 4), as the "numbers" column of the class table counts.
#[derive(Default, Clone, Copy)]
struct Tally {
    right: [usize; 2],
    total: [usize; 2],
}

impl Tally {
    fn of(read: &str, truth: &[(String, usize)]) -> Tally {
        let read = number_runs(&canon(read));
        let mut t = Tally::default();
        for (value, digits) in truth {
            t.total[*digits] += 1;
            t.right[*digits] += usize::from(read.contains(value));
        }
        t
    }
    fn add(&mut self, o: Tally) {
        for d in 0..2 {
            self.right[d] += o.right[d];
            self.total[d] += o.total[d];
        }
    }
    fn show(&self, digits: usize) -> String {
        let (r, n) = (self.right[digits], self.total[digits]);
        if n == 0 {
            "–".into()
        } else {
            format!("{:.2} ({r}/{n})", r as f64 / n as f64)
        }
    }
}

/// The number pages' levels: (row name, class).
const LEVELS: [(&str, &str); 7] = [
    ("clean", "numbers"),
    ("noisy", "numbers-noisy"),
    ("150 dpi", "numbers-150dpi"),
    ("blurred", "numbers-blurred"),
    ("rotated", "numbers-rotated"),
    ("held-out clean", "numbers-heldout"),
    ("held-out noisy", "numbers-heldout-noisy"),
];

/// The readers compared on the number pages, beside arshif itself.
enum Reader {
    /// An older arshif binary (ARSHIF_BEFORE).
    Before(PathBuf),
    /// Stock Tesseract with this `-l`.
    Tesseract(&'static str),
}

impl Reader {
    fn name(&self) -> String {
        match self {
            Reader::Before(_) => "arshif before".into(),
            Reader::Tesseract(l) => format!("tesseract {l}"),
        }
    }
    fn read(&self, page: &Path, languages: Option<&str>) -> String {
        match self {
            Reader::Before(bin) => binary_read(bin, page, languages),
            Reader::Tesseract(l) => tesseract_read(page, l),
        }
    }
}

/// A page read by an arshif binary as an import reads it: into a fresh
/// archive, then the text of its pages from `show --json`.
fn binary_read(bin: &Path, page: &Path, languages: Option<&str>) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    let run = |args: &[&OsStr]| -> Option<Vec<u8>> {
        let out = Command::new(bin)
            .arg("--archive")
            .arg(&archive)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        if out.status.success() {
            Some(out.stdout)
        } else {
            eprintln!(
                "{} {:?} on {}: {}\n{}",
                bin.display(),
                args,
                page.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            None
        }
    };
    let os = OsStr::new;
    run(&[os("init")]).unwrap();
    let mut ingest = vec![os("ingest")];
    if let Some(l) = languages {
        ingest.extend([os("--languages"), os(l)]);
    }
    ingest.push(page.as_os_str());
    if run(&ingest).is_none() {
        return String::new();
    }
    let Some(json) = run(&[os("show"), os("--json"), os("1")]) else {
        return String::new();
    };
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    doc["pages"]
        .as_array()
        .map(|pages| {
            pages
                .iter()
                .map(|p| p["text"].as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
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

fn tesseract_read(path: &Path, languages: &str) -> String {
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
        .args(["-", "-l", languages])
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn main() {
    arshif::ocr::ensure_omp_thread_limit();
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
    let languages = std::env::var("OCR_EVAL_LANGUAGES").ok();
    let mut readers = Vec::new();
    if let Some(bin) = std::env::var_os("ARSHIF_BEFORE").filter(|b| !b.is_empty()) {
        let bin = PathBuf::from(bin);
        assert!(
            bin.is_file(),
            "ARSHIF_BEFORE={} is not a file",
            bin.display()
        );
        readers.push(Reader::Before(bin));
    }
    // OCR_EVAL_STOCK=0: arshif alone (a quicker run while working on it)
    if std::env::var("OCR_EVAL_STOCK").as_deref() != Ok("0") {
        readers.push(Reader::Tesseract("ara"));
        readers.push(Reader::Tesseract("Arabic"));
    }
    let show_misses = std::env::var_os("OCR_EVAL_MISSES").is_some();
    let queue = Mutex::new(jobs.clone());
    let results: Mutex<Vec<PageResult>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut cfg = OcrConfig::default();
                if let Some(l) = &languages {
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
                    let read = arshif_read(&mut engine, &page);
                    let ours = Score::of(&read, &truth);
                    // the class table's levels (the numbers pages' other
                    // levels are only in the numbers table)
                    let theirs = (!class.starts_with("numbers-"))
                        .then(|| Score::of(&tesseract_read(&page, "ara+eng"), &truth));
                    let mut numbers = Vec::new();
                    if LEVELS.iter().any(|(_, c)| *c == class) {
                        let truth = printed_numbers(&truth);
                        numbers.push(Tally::of(&read, &truth));
                        if show_misses {
                            let runs = number_runs(&canon(&read));
                            for (value, _) in truth.iter().filter(|(v, _)| !runs.contains(v)) {
                                eprintln!(
                                    "miss {class} {}: {value} | read {runs:?}",
                                    page.file_name().unwrap().to_string_lossy()
                                );
                            }
                        }
                        for r in &readers {
                            let read = r.read(&page, languages.as_deref());
                            numbers.push(Tally::of(&read, &truth));
                        }
                    }
                    let name = page.file_name().unwrap().to_string_lossy().into_owned();
                    results.lock().unwrap().push(PageResult {
                        class,
                        name,
                        ours,
                        theirs,
                        numbers,
                    });
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| (&a.class, &a.name).cmp(&(&b.class, &b.name)));
    let columns: Vec<String> = std::iter::once("arshif".to_string())
        .chain(readers.iter().map(Reader::name))
        .collect();
    if show_pages {
        println!("| page | arshif CER | tesseract CER | arshif words | tesseract words | arshif numbers | tesseract numbers |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for r in &results {
            let (o, Some(t)) = (&r.ours, &r.theirs) else {
                continue;
            };
            println!(
                "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {} | {} |",
                r.name,
                o.cer(),
                t.cer(),
                o.word_acc(),
                t.word_acc(),
                o.num_acc(),
                t.num_acc()
            );
        }
        println!();
        print_numbers_header("page", false, &columns);
        for r in results.iter().filter(|r| !r.numbers.is_empty()) {
            print_numbers_row(&r.name, None, &r.numbers);
        }
        println!();
    }
    let mut by: BTreeMap<&str, (usize, Score, Score)> = BTreeMap::new();
    for r in &results {
        let Some(t) = r.theirs else {
            continue;
        };
        let e = by.entry(r.class.as_str()).or_default();
        e.0 += 1;
        e.1.add(r.ours);
        e.2.add(t);
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
    // numbers read exactly, per level and digits
    let mut levels: BTreeMap<&str, (usize, Vec<Tally>)> = BTreeMap::new();
    for r in results.iter().filter(|r| !r.numbers.is_empty()) {
        let e = levels
            .entry(r.class.as_str())
            .or_insert_with(|| (0, vec![Tally::default(); r.numbers.len()]));
        e.0 += 1;
        for (sum, t) in e.1.iter_mut().zip(&r.numbers) {
            sum.add(*t);
        }
    }
    if !levels.is_empty() {
        println!();
        print_numbers_header("level", true, &columns);
        for (level, class) in LEVELS {
            if let Some((n, tallies)) = levels.get(class) {
                print_numbers_row(level, Some(*n), tallies);
            }
        }
    }
}

/// The numbers table's head: each reader's numbers read exactly, printed in
/// Arabic-Indic digits and in Western digits.
fn print_numbers_header(first: &str, pages: bool, readers: &[String]) {
    let mut head = format!("| {first} |");
    let mut rule = "|---|".to_string();
    if pages {
        head += " pages |";
        rule += "---:|";
    }
    for r in readers {
        for d in DIGITS {
            head += &format!(" {r} {d} |");
            rule += "---:|";
        }
    }
    println!("{head}\n{rule}");
}

fn print_numbers_row(first: &str, pages: Option<usize>, tallies: &[Tally]) {
    let mut row = format!("| {first} |");
    if let Some(n) = pages {
        row += &format!(" {n} |");
    }
    for t in tallies {
        for d in 0..DIGITS.len() {
            row += &format!(" {} |", t.show(d));
        }
    }
    println!("{row}");
}

/// One page's readings scored: arshif's and `tesseract -l ara+eng`'s
/// against the true text (the latter not on the number pages' other
/// levels), and the numbers read exactly by each reader (arshif first, then
/// the others in order; empty but on number pages).
struct PageResult {
    class: String,
    name: String,
    ours: Score,
    theirs: Option<Score>,
    numbers: Vec<Tally>,
}

//! The one-reading limit of an import (`make bench-ingest`): every page of
//! an archive's OCR'd documents recognised exactly once, upright, in the
//! language arshif settled on for it, by THREADS engines at once, and only
//! the recognition timed. No import can read its pages faster on these
//! threads; the ratio of arshif's end-to-end rate to this one is how close
//! it comes.
//!
//!     cargo run --release --example one_reading -- ARCHIVE THREADS [layout]
//!
//! Pages are read as arshif reads them, as one block of text; with
//! `layout`, with Tesseract's page layout analysis instead (PSM 3, how
//! arshif read a page before 2026-12-06), to compare the two.
//!
//! Prints `{"pages", "threads", "seconds", "pages_per_second"}`.
use std::sync::{Arc, Mutex};

use arshif::catalog::Catalog;
use arshif::extract::PageContent;
use arshif::ocr::{prep, OcrEngine};
use arshif::types::TextSource;

/// A page made ready to read, as the engine makes it: cleaned, scaled,
/// turned upright.
struct Ready {
    image: image::GrayImage,
    dpi: Option<u32>,
    language: String,
}

fn main() {
    arshif::ocr::ensure_omp_thread_limit();
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(threads)) = (args.next(), args.next()) else {
        eprintln!("usage: one_reading ARCHIVE THREADS");
        std::process::exit(2);
    };
    let threads: usize = threads.parse().expect("THREADS is a number");
    let layout = args.next().as_deref() == Some("layout");
    let archive = arshif::archive::Archive::open(std::path::Path::new(&dir)).expect("archive");
    let catalog = archive.catalog().expect("catalog");
    let mut ready = Vec::new();
    for id in catalog.document_ids().expect("documents") {
        let doc = catalog.document(id).expect("document").expect("listed");
        let read: Vec<_> = catalog
            .pages(id)
            .expect("pages")
            .into_iter()
            .filter(|p| p.source == TextSource::Ocr)
            .collect();
        if read.is_empty() {
            continue;
        }
        let path = std::path::PathBuf::from(&doc.sources[0].path);
        let head = arshif::extract::read_head(&path).expect("readable");
        let format = arshif::extract::sniff(&head).expect("a known format");
        arshif::extract::extract_pages(&path, format, &Default::default(), &mut |n, c| {
            let (PageContent::Image(page) | PageContent::TextWithHoles(_, page)) = c else {
                return true;
            };
            let Some(p) = read.iter().find(|p| p.number == n) else {
                return true;
            };
            let prep::Cleaned {
                image: img,
                info: prepared,
                ..
            } = prep::prepare(&page.image, page.dpi);
            ready.push(Ready {
                image: prep::rotate_quarter(&img, p.rotation),
                dpi: prepared
                    .dpi
                    .map(|d| (d as f32 * prepared.scale).round() as u32),
                language: p.language.clone(),
            });
            true
        })
        .expect("pages decode");
    }
    let pages = ready.len();
    let queue = Arc::new(Mutex::new(ready));
    // Each engine loads its models before the clock starts.
    let engines: Vec<OcrEngine> = (0..threads)
        .map(|_| {
            let mut e = OcrEngine::new(&Default::default()).expect("engine");
            for l in ["ara", "eng", "ara+eng"] {
                let blank = image::GrayImage::from_pixel(64, 64, image::Luma([255]));
                e.recognize_with(&blank, Some(300), l).expect("model loads");
            }
            e
        })
        .collect();
    let start = std::time::Instant::now();
    std::thread::scope(|s| {
        for mut engine in engines {
            let queue = Arc::clone(&queue);
            s.spawn(move || loop {
                let Some(p) = queue.lock().expect("queue").pop() else {
                    break;
                };
                if layout {
                    engine.recognize_with_layout(&p.image, p.dpi, &p.language)
                } else {
                    engine.recognize_with(&p.image, p.dpi, &p.language)
                }
                .expect("recognised");
            });
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "pages": pages, "threads": threads, "seconds": seconds,
            "pages_per_second": pages as f64 / seconds,
        })
    );
}

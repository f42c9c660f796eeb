//! Where a page's reading time goes, in one thread (development aid):
//! decoding, arshif's own work, and time inside Tesseract's recognition.
//!
//!     cargo run --release --example read_timing -- FILES...
fn main() {
    arshif::ocr::ensure_omp_thread_limit();
    let mut engine = arshif::ocr::OcrEngine::new(&Default::default()).unwrap();
    let (mut decode, mut read, mut pages) = (0.0f64, 0.0f64, 0u32);
    for p in std::env::args().skip(1) {
        let path = std::path::Path::new(&p);
        let head = arshif::extract::read_head(path).unwrap();
        let f = arshif::extract::sniff(&head).unwrap();
        let t0 = std::time::Instant::now();
        let mut contents = vec![];
        arshif::extract::extract_pages(path, f, &Default::default(), &mut |n, c| {
            contents.push((n, c));
            true
        })
        .unwrap();
        decode += t0.elapsed().as_secs_f64();
        for (n, c) in contents {
            let t1 = std::time::Instant::now();
            arshif::ingest::read_page(&mut engine, n, c).unwrap();
            read += t1.elapsed().as_secs_f64();
            pages += 1;
        }
    }
    let tess = engine.tesseract_time().as_secs_f64();
    let n = pages.max(1) as f64;
    println!(
        "{pages} pages: decode {:.0} ms, reading {:.0} ms of which Tesseract recognition {:.0} ms, other {:.0} ms (per page)",
        decode / n * 1e3,
        read / n * 1e3,
        tess / n * 1e3,
        (read - tess) / n * 1e3
    );
}

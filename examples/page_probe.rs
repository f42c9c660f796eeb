//! Print what arshif reads from each file given (development aid).
fn main() {
    arshif::ocr::ensure_omp_thread_limit();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("ARSHIF_LOG"))
        .with_writer(std::io::stderr)
        .try_init();
    let mut engine = arshif::ocr::OcrEngine::new(&Default::default()).unwrap();
    for p in std::env::args().skip(1) {
        let path = std::path::Path::new(&p);
        let head = arshif::extract::read_head(path).unwrap();
        let f = arshif::extract::sniff(&head).unwrap();
        let mut pages = vec![];
        arshif::extract::extract_pages(path, f, &Default::default(), &mut |n, c| {
            pages.push((n, c));
            true
        })
        .unwrap();
        for (n, c) in pages {
            let r = arshif::ingest::read_page(&mut engine, n, c).unwrap();
            println!(
                "--- {p} page {n} ({} {} conf {:.2} rot {})\n{}",
                r.source.as_str(),
                r.language,
                r.confidence,
                r.rotation,
                r.text
            );
        }
    }
}

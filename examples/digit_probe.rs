//! Print how the number reader cuts and classifies a crop (development aid):
//! `cargo run --release --example digit_probe -- CROP.png...`, or with a
//! directory of rendered lines (`lines.tsv` as `make train-numbers` writes
//! it, e.g. `tests/data/number-lines`): the share read exactly, and the
//! misses.
use arshif::ocr::digits::{self, LineContext, Model, CLASSES};

fn lines(dir: &std::path::Path) {
    let tsv = std::fs::read_to_string(dir.join("lines.tsv")).unwrap();
    let (mut right, mut total) = (0, 0);
    for line in tsv.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let img = image::open(dir.join(f[0])).unwrap().to_luma8();
        let ctx = LineContext {
            arabic_before: f[3] == "ar",
        };
        let read = digits::read(Model::shipped(), &img, (0, img.height()), ctx);
        total += 1;
        if read.len() == 1 && read[0].value == f[2] {
            right += 1;
        } else {
            let got: Vec<&str> = read.iter().map(|r| r.value.as_str()).collect();
            println!("miss {} {}: {got:?} ({})", f[0], f[2], f[4..].join(" "));
        }
    }
    println!(
        "{}: {right}/{total} = {:.4} read exactly",
        dir.display(),
        right as f64 / total as f64
    );
}

fn main() {
    let model = Model::shipped();
    for p in std::env::args().skip(1) {
        if std::path::Path::new(&p).is_dir() {
            lines(std::path::Path::new(&p));
            continue;
        }
        let img = image::open(&p).unwrap().to_luma8();
        let rows = (0, img.height());
        let seg = digits::segment(&img, rows);
        println!(
            "--- {p}: line height {:.1}, middle {:.1}",
            seg.line_height, seg.middle
        );
        for piece in &seg.pieces {
            let pr = model.classify(&digits::sample(&seg, piece, (1.0, 0.0)));
            let mut best: Vec<(usize, f32)> = pr.iter().copied().enumerate().collect();
            best.sort_by(|a, b| b.1.total_cmp(&a.1));
            println!(
                "x {}..{} y {}..{} area {}: {}",
                piece.x0,
                piece.x1,
                piece.y0,
                piece.y1,
                piece.area,
                best.iter()
                    .take(3)
                    .map(|(c, v)| format!("{} {:.3}", CLASSES[*c], v))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let read = digits::read(model, &img, rows, Default::default());
        for r in read {
            println!(
                "read {} ({:.3}) alts {:?}",
                r.value, r.confidence, r.alternatives
            );
        }
    }
}

//! The number reader's accuracy, pinned: the shipped model reads the held-out
//! renders of `tests/data/number-lines/` (fonts it was never trained on)
//! through the same path as a page's numbers (`ocr::digits::read`).

use arshif::ocr::digits::{self, LineContext, Model};

mod common;

/// Share of the held-out lines read exactly, at least. `make train-numbers`
/// prints the figure on 2,700 held-out lines; this set is a sample of them.
const MIN_EXACT: f64 = 0.86;

#[test]
fn held_out_fonts_are_read_exactly() {
    let dir = common::repo().join("tests/data/number-lines");
    let tsv = std::fs::read_to_string(dir.join("lines.tsv")).unwrap();
    let (mut right, mut total) = (0usize, 0usize);
    let mut misses = Vec::new();
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
            // a sure reading has no alternatives; an unsure one names them
            assert!(read[0].confidence > 0.0 && read[0].confidence <= 1.0);
        } else {
            let got: Vec<&str> = read.iter().map(|r| r.value.as_str()).collect();
            misses.push(format!("{} {}: {:?} ({}, {})", f[0], f[2], got, f[4], f[6]));
        }
    }
    let exact = right as f64 / total as f64;
    assert!(
        exact >= MIN_EXACT,
        "{right}/{total} = {exact:.3} read exactly, below {MIN_EXACT}:\n{}",
        misses.join("\n")
    );
}

/// Number zones of speckled pages, as the number pass sees them (filtered,
/// not binarised): each is read exactly (`tests/data/number-crops/`).
#[test]
fn speckled_number_zones_are_read_exactly() {
    let dir = common::repo().join("tests/data/number-crops");
    let tsv = std::fs::read_to_string(dir.join("crops.tsv")).unwrap();
    for line in tsv.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let img = image::open(dir.join(f[0])).unwrap().to_luma8();
        let ctx = LineContext {
            arabic_before: f[2] == "ar",
        };
        let read = digits::read(Model::shipped(), &img, (0, img.height()), ctx);
        let got: Vec<&str> = read.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(got, [f[1]], "{} ({})", f[0], f[3]);
    }
}

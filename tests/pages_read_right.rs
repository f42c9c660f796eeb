//! Pages come out right whatever the scanner did, and the searchable PDF
//! carries the text in logical order.

mod common;

use std::process::Command;

use common::*;

fn pdftotext(pdf: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn page_size(pdf: &std::path::Path) -> (f64, f64) {
    let out = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&out.stdout);
    let line = info.lines().find(|l| l.starts_with("Page size:")).unwrap();
    let nums: Vec<f64> = line
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    (nums[0], nums[1])
}

#[test]
fn searchable_pdfs_carry_the_text_in_logical_order() {
    let a = TestArchive::new();
    let s = samples();
    let cases = [
        (
            "ar/رخصة بناء 4451234.png",
            vec!["أمانة محافظة الأحساء", "بلدية الهفوف", "رخصة بناء"],
            1,
        ),
        (
            "mixed/عقد صيانة MC-1445-0088.tif",
            vec!["عقد صيانة", "MAINTENANCE CONTRACT", "توقيع الطرف الأول"],
            3,
        ),
        (
            "pdf/محضر مخالفة 1445-552.pdf",
            vec!["محضر ضبط مخالفة", "إفادة صاحب المنشأة"],
            2,
        ),
        (
            "pdf/circular 12-1445 opening hours.pdf",
            vec!["Opening hours of branch municipalities"],
            1,
        ),
    ];
    let out_dir = a.scratch("out");
    for (rel, phrases, pages) in cases {
        let file = s.join(rel);
        let (r, code) = a.ingest(&[], &[&file]);
        assert_eq!(code, 0, "{r}");
        let bytes = std::fs::read(&file).unwrap();
        let sha = sha256_hex(&bytes);
        let out = out_dir.join("s.pdf");
        let o = a.run(&[
            "get",
            &sha[..12],
            "--searchable",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{rel}: {}", stderr(&o));
        let text = pdftotext(&out);
        for p in phrases {
            assert!(
                text.contains(p),
                "{rel}: {p:?} not in the searchable PDF's text:\n{text}"
            );
        }
        let info = Command::new("pdfinfo").arg(&out).output().unwrap();
        assert!(
            String::from_utf8_lossy(&info.stdout).contains(&format!("Pages:           {pages}"))
        );
        // the original stays untouched in the store
        let o = a.run(&["get", &sha[..12], "-o", out.to_str().unwrap()]);
        assert!(o.status.success());
        assert_eq!(std::fs::read(&out).unwrap(), bytes, "{rel}");
    }
}

#[test]
fn turned_and_skewed_pages_are_read_upright() {
    let a = TestArchive::new();
    let dir = a.scratch("scans");
    let letter = image::open(samples().join("en/inspection letter OMR-2024-0917.png"))
        .unwrap()
        .to_luma8();
    // a page fed sideways, and one fed crooked (3.5°)
    image::imageops::rotate90(&letter)
        .save(dir.join("sideways.png"))
        .unwrap();
    arshif::ocr::prep::rotate_small(&letter, 3.5)
        .save(dir.join("crooked.png"))
        .unwrap();
    let (r, code) = a.ingest(&[], &[&dir]);
    assert_eq!((code, r["ingested"].as_u64()), (0, Some(2)), "{r}");
    for (name, rotation) in [("sideways.png", 270), ("crooked.png", 0)] {
        let hits = a.search(&[], "bakeries establishments kitchens")["hits"].clone();
        let hit = hits
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["sources"][0].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not found: {hits}"));
        let doc = a.show(&hit["id"].to_string());
        let page = &doc["pages"][0];
        assert_eq!(page["rotation"], rotation, "{name}");
        assert!(
            page["confidence"].as_f64().unwrap() > 0.85,
            "{name}: {page}"
        );
        assert!(
            page["text"]
                .as_str()
                .unwrap()
                .contains("Following the inspection campaign"),
            "{name}"
        );
        assert_eq!(
            (page["width"].as_u64(), page["height"].as_u64()),
            (Some(2480), Some(3508)),
            "{name}"
        );
        let out = a.scratch("out").join(format!("{name}.pdf"));
        let o = a.run(&[
            "get",
            &hit["id"].to_string(),
            "--searchable",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let (w, h) = page_size(&out);
        assert!(
            h > w,
            "{name}: the searchable page is upright (portrait), got {w}×{h}"
        );
        assert!(pdftotext(&out).contains("Following the inspection campaign"));
    }
}

/// Import one page from `tests/data/` into an empty archive and return the
/// id of the one document `query` finds.
fn import_and_find(a: &TestArchive, rel: &str, query: &str) -> String {
    let file = repo().join("tests/data").join(rel);
    let (r, code) = a.ingest(&[], &[&file]);
    assert_eq!((code, r["ingested"].as_u64()), (0, Some(1)), "{r}");
    let hits = a.search(&[], query)["hits"].clone();
    assert_eq!(hits.as_array().map(Vec::len), Some(1), "{query}: {hits}");
    hits[0]["id"].to_string()
}

/// A clearly printed line that Tesseract's line finder drops (the title of
/// `tests/data/dropped-line/`) is read again as a raw line and lands in the
/// text, the word boxes and the searchable PDF in its place.
#[test]
fn a_line_the_line_finder_drops_is_read_again() {
    let a = TestArchive::new();
    let id = import_and_find(
        &a,
        "dropped-line/violation-report-200dpi.png",
        "محضر ضبط مخالفه",
    );
    let out = a.run(&["show", "--json", "--words", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let page = &doc["pages"][0];
    let text = page["text"].as_str().unwrap();
    // in reading order: under the municipality, above the report's number
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s:?} not in the text:\n{text}"))
    };
    assert!(at("بلدية العيون") < at("محضر ضبط مخالفة"), "{text}");
    assert!(at("محضر ضبط مخالفة") < at("رقم المحضر"), "{text}");
    // its words have boxes between those lines
    let words = page["words"].as_array().expect("word boxes");
    let top = |t: &str| {
        words
            .iter()
            .find(|w| w["text"] == t)
            .unwrap_or_else(|| panic!("no word {t:?}: {words:?}"))["box"][1]
            .as_u64()
            .unwrap()
    };
    assert!(top("العيون") < top("ضبط") && top("ضبط") < top("المحضر:"));
    let out_pdf = a.scratch("out").join("report.pdf");
    let o = a.run(&["get", &id, "--searchable", "-o", out_pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(pdftotext(&out_pdf).contains("محضر ضبط مخالفة"));
}

/// Pages fed upside down, in Arabic and in English, are turned over and
/// read upright: the ink tells that their lines run across, and OSD, shown
/// a band of those lines, that they are upside down (and which script).
#[test]
fn upside_down_pages_are_read_upright() {
    let a = TestArchive::new();
    let dir = a.scratch("scans");
    for (rel, name) in [
        ("ar/رخصة بناء 4451234.png", "scan-0001.png"),
        ("en/inspection letter OMR-2024-0917.png", "scan-0002.png"),
    ] {
        let page = image::open(samples().join(rel)).unwrap().to_luma8();
        image::imageops::rotate180(&page)
            .save(dir.join(name))
            .unwrap();
    }
    let (r, code) = a.ingest(&[], &[&dir]);
    assert_eq!((code, r["ingested"].as_u64()), (0, Some(2)), "{r}");
    for (query, line, language) in [
        ("العمران", "اسم المالك: عبدالله بن إبراهيم العمران", "ara"),
        ("bakeries", "Following the inspection campaign", "eng"),
    ] {
        let hits = a.search(&[], query)["hits"].clone();
        assert_eq!(hits.as_array().map(Vec::len), Some(1), "{query}: {hits}");
        let doc = a.show(&hits[0]["id"].to_string());
        let page = &doc["pages"][0];
        assert_eq!(page["rotation"], 180, "{query}: {page}");
        assert_eq!(page["language"], language, "{query}");
        let text = page["text"].as_str().unwrap();
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
}

/// A short turned form on which Tesseract's orientation detection gives up
/// with its default letter count (`tests/data/osd-few-letters/`) is still
/// found turned and read upright.
#[test]
fn a_short_turned_form_is_read_upright() {
    let a = TestArchive::new();
    let id = import_and_find(&a, "osd-few-letters/licence-turned-90.png", "سلطان البلوي");
    let page = &a.show(&id)["pages"][0];
    assert_eq!(page["rotation"], 90, "{page}");
    let text = page["text"].as_str().unwrap();
    for line in [
        "أمانة محافظة الأحساء",
        "رخصة محل تجاري",
        "اسم المالك: سلطان علي البلوي",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
}

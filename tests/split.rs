//! `ingest --split blank|sheet`: batch scans (a PDF, a multi-page TIFF)
//! cut into documents at separator sheets or blank pages. Real binary, real
//! files: generated pages with text-like ink (small, so OCR stays cheap),
//! blank pages with scanner noise, and the separator sheet `arshif
//! separator` prints, rasterised at 200 dpi and scanned 2° askew.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use image::{GrayImage, Luma};
use serde_json::Value;

/// Pages are A4 at this resolution (the separator sheet is at 200 dpi).
const DPI: u32 = 150;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

fn a4(dpi: u32, paper: u8) -> GrayImage {
    GrayImage::from_pixel(dpi * 827 / 100, dpi * 1169 / 100, Luma([paper]))
}

/// Dark specks of 1-2 px, `per_million` per pixel, and grain of ±`grain`.
fn noise(img: &mut GrayImage, per_million: u32, grain: i32, seed: u64) {
    let mut rng = Lcg(seed);
    if grain > 0 {
        for p in img.pixels_mut() {
            let d = rng.below(2 * grain as u32 + 1) as i32 - grain;
            p[0] = (p[0] as i32 + d).clamp(0, 255) as u8;
        }
    }
    let (w, h) = img.dimensions();
    let n = (w as u64 * h as u64 * per_million as u64 / 1_000_000) as u32;
    for _ in 0..n {
        let (x, y) = (rng.below(w - 2), rng.below(h - 2));
        let s = 1 + rng.below(2);
        for dy in 0..s {
            for dx in 0..s {
                img.put_pixel(x + dx, y + dy, Luma([rng.below(60) as u8]));
            }
        }
    }
}

/// A page with a few lines of text-like strokes; `seed` makes it unique.
fn text_page(seed: u64) -> GrayImage {
    let mut img = a4(DPI, 250);
    let mut rng = Lcg(seed);
    let (stroke, lh, lw) = (2, DPI / 10, DPI / 14);
    for line in 0..(2 + seed as u32 % 3) {
        let y = DPI + line * DPI / 4 * 2;
        let mut x = DPI;
        while x < img.width() - 2 * DPI {
            for _ in 0..(2 + rng.below(5)) {
                for dy in 0..lh {
                    for dx in 0..stroke {
                        img.put_pixel(x + dx, y + dy, Luma([25]));
                    }
                }
                let mid = y + lh / 3 + rng.below(lh / 3);
                for dx in 0..lw {
                    for dy in 0..stroke {
                        img.put_pixel(x + dx, mid + dy, Luma([25]));
                        img.put_pixel(x + dx, y + lh - stroke + dy, Luma([25]));
                    }
                }
                x += lw + 3 * stroke;
            }
            x += lw * 2;
        }
    }
    noise(&mut img, 50, 4, seed + 100);
    img
}

fn blank_noisy() -> GrayImage {
    let mut img = a4(DPI, 248);
    noise(&mut img, 400, 6, 11);
    img
}

/// A grey scan with grain, specks and a shadow along one edge.
fn blank_grey() -> GrayImage {
    let mut img = a4(DPI, 208);
    noise(&mut img, 200, 16, 12);
    let band = DPI / 8;
    for y in 0..img.height() {
        for x in 0..band {
            let v = (60 + 120 * x / band) as u8;
            let p = img.get_pixel_mut(x, y);
            p[0] = p[0].min(v);
        }
    }
    img
}

/// The sheet `arshif separator` writes, rasterised at 200 dpi with
/// poppler, turned 2° and given scanner grain.
fn scanned_separator(a: &TestArchive) -> GrayImage {
    let dir = a.scratch("sheet");
    let pdf = dir.join("sheet.pdf");
    let out = a.run(&["separator", "-o", pdf.to_str().unwrap()]);
    assert!(out.status.success(), "separator: {}", stderr(&out));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let prefix = dir.join("page");
    let st = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm (poppler-utils) renders the sheet");
    assert!(st.success());
    let img = image::open(prefix.with_extension("png"))
        .unwrap()
        .to_luma8();
    assert_eq!(img.width(), 1654, "A4 at 200 dpi");
    let mut turned = rotate(&img, 2.0);
    noise(&mut turned, 100, 8, 13);
    turned
}

/// Rotate about the centre (nearest pixel), white outside.
fn rotate(img: &GrayImage, degrees: f64) -> GrayImage {
    let (w, h) = img.dimensions();
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    GrayImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f64 - cx, y as f64 - cy);
        let (sx, sy) = (c * dx + s * dy + cx, -s * dx + c * dy + cy);
        if sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h {
            *img.get_pixel(sx as u32, sy as u32)
        } else {
            Luma([255])
        }
    })
}

/// A PDF of one full-page grey image per page, as scanners write them.
fn scanner_pdf(pages: &[(&GrayImage, u32)]) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for (img, dpi) in pages {
        let (w, h) = img.dimensions();
        let (wpt, hpt) = (w as f32 * 72.0 / *dpi as f32, h as f32 * 72.0 / *dpi as f32);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, img.as_raw()).unwrap();
        let image = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image",
                "Width" => w as i64, "Height" => h as i64,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
                "Filter" => "FlateDecode",
            },
            z.finish().unwrap(),
        ));
        let content = doc.add_object(Stream::new(
            dictionary! {},
            format!("q {wpt} 0 0 {hpt} 0 0 cm /Im0 Do Q").into_bytes(),
        ));
        kids.push(Object::from(doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(wpt), Object::Real(hpt)],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image } },
            "Contents" => content,
        })));
    }
    let n = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => n }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// A multi-page TIFF (8-bit grey, Deflate) of the pages.
fn scanner_tiff(pages: &[&GrayImage]) -> Vec<u8> {
    use tiff::encoder::{colortype::Gray8, Compression, TiffEncoder};
    let mut out = std::io::Cursor::new(Vec::new());
    let mut enc = TiffEncoder::new(&mut out)
        .unwrap()
        .with_compression(Compression::Deflate(Default::default()));
    for p in pages {
        enc.write_image::<Gray8>(p.width(), p.height(), p.as_raw())
            .unwrap();
    }
    out.into_inner()
}

fn blob_path(a: &TestArchive, hex: &str) -> PathBuf {
    a.dir
        .join("store/sha256")
        .join(&hex[..2])
        .join(&hex[2..4])
        .join(hex)
}

/// The documents of a split file from the report, and each one's view.
fn split_documents(a: &TestArchive, report: &Value, file: &Path) -> (Value, Vec<Value>) {
    let split = report["split"]
        .as_array()
        .unwrap_or_else(|| panic!("no split section: {report}"));
    let f = split
        .iter()
        .find(|f| f["path"] == file.to_str().unwrap())
        .unwrap_or_else(|| panic!("{file:?} not in {report}"))
        .clone();
    let docs = f["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| a.show(&p["document"].as_i64().unwrap().to_string()))
        .collect();
    (f, docs)
}

/// What every split test asserts: the documents, their pages and source
/// ranges, the whole original stored once as it was, nothing orphaned,
/// and a second import adding nothing. Returns the documents in page
/// order (their ids need not be: parts are stored in parallel).
fn assert_split(a: &TestArchive, file: &Path, mode: &str, want: &[[u32; 2]]) -> Vec<Value> {
    let input = std::fs::read(file).unwrap();
    let origin = sha256_hex(&input);
    let (report, code) = a.ingest(&["--split", mode], &[file]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["files_seen"], 1, "{report}");
    assert_eq!(report["ingested"], want.len(), "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    let (f, docs) = split_documents(a, &report, file);
    assert_eq!(f["documents"], want.len());
    assert_eq!(f["origin"], origin);
    let ranges: Vec<[u32; 2]> = f["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| serde_json::from_value(p["source_pages"].clone()).unwrap())
        .collect();
    assert_eq!(ranges, want);
    for (doc, [first, last]) in docs.iter().zip(want) {
        assert_eq!(doc["page_count"], last - first + 1, "{doc}");
        let sources = doc["sources"].as_array().unwrap();
        assert_eq!(sources.len(), 1, "{doc}");
        assert_eq!(sources[0]["source_pages"], serde_json::json!([first, last]));
        assert_eq!(sources[0]["origin"], origin);
        assert_eq!(sources[0]["path"], file.to_str().unwrap());
        // each document is a file of its own
        assert_ne!(doc["sha256"], origin);
        assert!(blob_path(a, doc["sha256"].as_str().unwrap()).exists());
    }
    // the whole original, once, byte for byte
    assert_eq!(std::fs::read(blob_path(a, &origin)).unwrap(), input);
    let blobs = a.blob_count();
    assert_eq!(blobs, want.len() + 1);
    // `check` knows the origin: no orphan, no damage
    let out = a.run(&["check", "--json"]);
    let check: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success(), "{check}");
    assert!(
        check["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["kind"] != "orphan_blob" && p["kind"] != "missing_origin"),
        "{check}"
    );

    // the same batch again: nothing new
    let (again, code) = a.ingest(&["--split", mode], &[file]);
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["ingested"], 0, "{again}");
    assert_eq!(again["duplicates"], want.len(), "{again}");
    let (f2, docs2) = split_documents(a, &again, file);
    assert_eq!(f2["parts"].as_array().unwrap().len(), want.len());
    assert!(f2["parts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["new"] == false));
    assert_eq!(a.blob_count(), blobs);
    for (d1, d2) in docs.iter().zip(&docs2) {
        assert_eq!(d1["id"], d2["id"]);
        assert_eq!(d2["sources"].as_array().unwrap().len(), 1, "{d2}");
    }

    // a lost origin is named by check, and the re-import restores it
    std::fs::remove_file(blob_path(a, &origin)).unwrap();
    let out = a.run(&["check", "--json"]);
    let check: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!out.status.success());
    assert!(
        check["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "missing_origin" && p["sha256"] == origin),
        "{check}"
    );
    let (_, code) = a.ingest(&["--split", mode], &[file]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read(blob_path(a, &origin)).unwrap(), input);
    docs
}

#[test]
fn a_scanner_pdf_is_split_at_separator_sheets() {
    let a = TestArchive::new();
    let sheet = scanned_separator(&a);
    let (t1, t2, t3) = (text_page(1), text_page(2), text_page(3));
    // the sheet first (dropped), two in a row (no empty document)
    let pdf = scanner_pdf(&[
        (&sheet, 200),
        (&t1, DPI),
        (&t2, DPI),
        (&sheet, 200),
        (&sheet, 200),
        (&t3, DPI),
    ]);
    let file = a.scratch("in").join("batch-0001.pdf");
    std::fs::write(&file, pdf).unwrap();
    assert_split(&a, &file, "sheet", &[[2, 3], [6, 6]]);
}

#[test]
fn a_multi_page_tiff_is_split_at_blank_pages() {
    let a = TestArchive::new();
    let (t1, t2, t3, t4) = (text_page(4), text_page(5), text_page(6), text_page(7));
    let (noisy, grey, clean) = (blank_noisy(), blank_grey(), a4(DPI, 255));
    let tif = scanner_tiff(&[&t1, &noisy, &t2, &t3, &grey, &clean, &t4, &noisy]);
    let file = a.scratch("in").join("batch-0002.tif");
    std::fs::write(&file, &tif).unwrap();
    let docs = assert_split(&a, &file, "blank", &[[1, 1], [3, 4], [7, 7]]);

    // the pages of each document are the scan's own pixels
    let report = &docs[1];
    let blob = blob_path(&a, report["sha256"].as_str().unwrap());
    let mut dec = tiff::decoder::Decoder::new(std::fs::File::open(blob).unwrap()).unwrap();
    let mut pages = Vec::new();
    loop {
        match dec.read_image().unwrap() {
            tiff::decoder::DecodingResult::U8(v) => pages.push(v),
            _ => panic!("8-bit pages"),
        }
        if !dec.more_images() {
            break;
        }
        dec.next_image().unwrap();
    }
    assert_eq!(pages, [t2.as_raw().clone(), t3.as_raw().clone()]);
}

#[test]
fn a_scan_without_breaks_stays_one_document_and_the_human_report_says_so() {
    let a = TestArchive::new();
    let (t1, t2) = (text_page(8), text_page(9));
    let file = a.scratch("in").join("one.tif");
    std::fs::write(&file, scanner_tiff(&[&t1, &t2])).unwrap();
    let (report, code) = a.ingest(&["--split", "blank"], &[&file]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["ingested"], 1);
    assert!(report.get("split").is_none(), "{report}");
    let doc = a.show("1");
    assert_eq!(doc["page_count"], 2);
    assert!(doc["sources"][0].get("source_pages").is_none(), "{doc}");
    assert_eq!(doc["sha256"], sha256_hex(&std::fs::read(&file).unwrap()));

    // a human report names the documents a split scan made
    let noisy = blank_noisy();
    let file = a.scratch("in2").join("two.tif");
    std::fs::write(&file, scanner_tiff(&[&t1, &noisy, &t2])).unwrap();
    let out = a.run(&[
        "ingest",
        "--progress",
        "none",
        "--split",
        "blank",
        file.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(
        text.contains("2 document(s) from 3 pages (pages 1-1, 3-3)"),
        "{text}"
    );
    // a bad value is refused by the command line
    let out = a.run(&["ingest", "--split", "pages", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_upload_with_split_sheet_makes_one_document_per_separator() {
    use common::http::{multipart, Server};
    let a = TestArchive::new();
    let sheet = scanned_separator(&a);
    let (t1, t2) = (text_page(21), text_page(22));
    let pdf = scanner_pdf(&[(&t1, DPI), (&sheet, 200), (&t2, DPI)]);
    let token = a.admin_token();
    let mut server = Server::start(&a);
    server.token = Some(token);
    let ct = Some("multipart/form-data; boundary=XyZ");

    // a bad split value is refused before anything is imported
    let body = multipart(&[
        ("branch", None, b"hofuf"),
        ("split", None, b"pages"),
        ("file", Some("stack.pdf"), &pdf),
    ]);
    let (status, _, answer) = server.request("POST", "/api/documents", ct, &body);
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["code"], "bad_split", "{answer}");

    let body = multipart(&[
        ("branch", None, b"hofuf"),
        ("split", None, b"sheet"),
        ("file", Some("stack.pdf"), &pdf),
    ]);
    let (status, _, report) = server.request("POST", "/api/documents", ct, &body);
    let report: Value = serde_json::from_slice(&report).unwrap();
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ingested"], 2, "{report}");
    let f = &report["split"][0];
    assert_eq!(f["path"], "upload/stack.pdf", "{report}");
    assert_eq!(f["documents"], 2, "{report}");
    let id = f["parts"][1]["document"].as_i64().unwrap();
    let (status, doc) = server.json(&format!("/api/documents/{id}"));
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["sources"][0]["source_pages"], serde_json::json!([3, 3]));
    assert_eq!(doc["sources"][0]["origin"], sha256_hex(&pdf));
}

#[test]
fn a_batch_scan_with_an_unreadable_page_fails_alone_with_its_reason() {
    let a = TestArchive::new();
    let dir = a.scratch("in");
    let (t1, t2) = (text_page(31), text_page(32));
    let whole = scanner_tiff(&[&t1, &blank_noisy(), &t2]);
    // cut off inside the last page's image data
    let bad = dir.join("a-broken.tif");
    std::fs::write(&bad, &whole[..whole.len() * 3 / 4]).unwrap();
    let good = dir.join("b-good.tif");
    std::fs::write(&good, scanner_tiff(&[&t2, &blank_noisy(), &t1])).unwrap();
    let (report, code) = a.ingest(&["--split", "blank"], &[&dir]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["failed"], 1, "{report}");
    assert_eq!(report["ingested"], 2, "{report}");
    let e = &report["errors"][0];
    assert_eq!(e["path"], bad.to_str().unwrap(), "{report}");
    let why = e["error"].as_str().unwrap();
    assert!(why.contains("cannot split this batch scan"), "{why}");
    assert!(why.to_lowercase().contains("tiff"), "{why}");
}

/// A scanner folder that receives stacks: `watch --split blank` (as the
/// watch unit's ARSHIF_WATCH_ARGS may say) splits what it imports, and
/// `--json` reports each round as one line.
#[test]
fn watch_splits_the_stacks_it_imports() {
    let a = TestArchive::new();
    let (t1, t2) = (text_page(8), text_page(9));
    let tif = scanner_tiff(&[&t1, &blank_noisy(), &t2]);
    let dir = a.scratch("scanner");
    std::fs::write(dir.join("scan-0001.tif"), &tif).unwrap();
    let out = a.run(&[
        "watch",
        "--once",
        "--settle",
        "0",
        "--split",
        "blank",
        "--json",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let round: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(round["report"]["ingested"], 2, "{round}");
    assert_eq!(round["report"]["split"][0]["documents"], 2, "{round}");
    assert!(round["moved"][0]["error"].is_null(), "{round}");
}

/// Documents cut from a batch scan cross a bag with where they came from:
/// the whole scan goes into the bag once, beside the documents, and an
/// archive restored from it has each document's source pages, the scan
/// in its store (so `check --deep` finds every origin) and exports the
/// same manifest.
#[test]
fn a_bag_carries_the_batch_scan_documents_were_cut_from() {
    let a = TestArchive::new();
    let (t1, t2) = (text_page(8), text_page(9));
    let tif = scanner_tiff(&[&t1, &blank_noisy(), &t2]);
    let file = a.scratch("in").join("batch-0003.tif");
    std::fs::write(&file, &tif).unwrap();
    assert_split(&a, &file, "blank", &[[1, 1], [3, 3]]);
    let origin = sha256_hex(&tif);

    let bag = a.scratch("bags").join("split");
    let o = a.run(&["export", bag.to_str().unwrap()]);
    assert!(o.status.success(), "export: {}", stderr(&o));
    let scan_in_bag = bag.join(format!("data/originals/{origin}.tif"));
    assert_eq!(std::fs::read(&scan_in_bag).unwrap(), tif);
    let originals = walk_files(&bag.join("data/originals"));
    assert_eq!(
        originals.len(),
        3,
        "two documents and the scan once: {originals:?}"
    );

    let b = TestArchive::new();
    let o = b.run(&["import-bag", bag.to_str().unwrap()]);
    assert!(o.status.success(), "import-bag: {}", stderr(&o));
    assert_eq!(std::fs::read(blob_path(&b, &origin)).unwrap(), tif);
    let mut ranges = Vec::new();
    for id in ["1", "2"] {
        let doc = b.show(id);
        let source = &doc["sources"][0];
        assert_eq!(source["origin"], origin.as_str(), "{doc}");
        ranges.push(source["source_pages"].clone());
    }
    ranges.sort_by_key(|r| r[0].as_u64());
    assert_eq!(
        ranges,
        [serde_json::json!([1, 1]), serde_json::json!([3, 3])]
    );
    let o = b.run(&["check", "--deep"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let round = b.scratch("bags").join("round");
    let o = b.run(&["export", round.to_str().unwrap()]);
    assert!(o.status.success(), "export: {}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap(),
        std::fs::read_to_string(round.join("manifest-sha256.txt")).unwrap(),
    );
}

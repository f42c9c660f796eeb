use image::{GrayImage, Luma};

use super::*;

/// A small deterministic generator (no rand in the library's dependencies).
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

/// An A4 page at `dpi`, filled with `paper`.
fn page(dpi: u32, paper: u8) -> GrayImage {
    let (w, h) = (dpi * 827 / 100, dpi * 1169 / 100);
    GrayImage::from_pixel(w, h, Luma([paper]))
}

/// Scanner noise: isolated dark specks of 1-2 px, `per_million` per pixel.
fn specks(img: &mut GrayImage, per_million: u32, seed: u64) {
    let mut rng = Lcg(seed);
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

/// Grain: every pixel moved by up to ±`amp`.
fn grain(img: &mut GrayImage, amp: i32, seed: u64) {
    let mut rng = Lcg(seed);
    for p in img.pixels_mut() {
        let d = rng.below(2 * amp as u32 + 1) as i32 - amp;
        p[0] = (p[0] as i32 + d).clamp(0, 255) as u8;
    }
}

/// A faint shadow along the left and top edges, as a lid left ajar gives.
fn edge_shadow(img: &mut GrayImage, dpi: u32) {
    let band = dpi / 8;
    let (w, h) = img.dimensions();
    for y in 0..h {
        for x in 0..w {
            let d = x.min(y);
            if d < band {
                let v = 60 + 120 * d / band;
                let p = img.get_pixel_mut(x, y);
                p[0] = p[0].min(v as u8);
            }
        }
    }
}

/// Text-like ink: `words` words of letter strokes, 10 pt-ish, on one line.
fn some_text(img: &mut GrayImage, dpi: u32, words: u32) {
    let mut rng = Lcg(7);
    let stroke = (dpi / 100).max(2);
    let letter_h = dpi / 10;
    let letter_w = dpi / 14;
    let mut x = img.width() / 4;
    let y = img.height() / 3;
    for _ in 0..words {
        for _ in 0..(3 + rng.below(4)) {
            if x + 2 * letter_w >= img.width() {
                return;
            }
            // a letter: a vertical stroke and a bowl-ish horizontal pair
            for dy in 0..letter_h {
                for dx in 0..stroke {
                    img.put_pixel(x + dx, y + dy, Luma([20]));
                }
            }
            for dx in 0..letter_w {
                for dy in 0..stroke {
                    img.put_pixel(x + dx, y + letter_h / 2 + dy, Luma([20]));
                    img.put_pixel(x + dx, y + letter_h - stroke + dy, Luma([20]));
                }
            }
            x += letter_w + stroke * 2;
        }
        x += letter_w * 2;
    }
}

#[test]
fn split_blank_detection_tolerates_scanner_noise_but_not_text() {
    fn clean(dpi: u32) -> GrayImage {
        page(dpi, 255)
    }
    fn noisy(dpi: u32) -> GrayImage {
        let mut p = page(dpi, 250);
        specks(&mut p, 400, 1);
        p
    }
    fn grey(dpi: u32) -> GrayImage {
        let mut p = page(dpi, 205);
        grain(&mut p, 18, 2);
        specks(&mut p, 200, 3);
        edge_shadow(&mut p, dpi);
        p
    }
    fn dusty(dpi: u32) -> GrayImage {
        // one dust blot of 1 mm
        let mut p = page(dpi, 245);
        let r = dpi / 25;
        for y in 0..r {
            for x in 0..r {
                p.put_pixel(900 * dpi / 300 + x, 1200 * dpi / 300 + y, Luma([30]));
            }
        }
        p
    }
    fn word(dpi: u32) -> GrayImage {
        let mut p = grey(dpi);
        some_text(&mut p, dpi, 1);
        p
    }
    fn line(dpi: u32) -> GrayImage {
        let mut p = noisy(dpi);
        some_text(&mut p, dpi, 5);
        p
    }
    type Make = fn(u32) -> GrayImage;
    let cases: &[(&str, Make, bool)] = &[
        ("clean white", clean, true),
        ("white with noise specks", noisy, true),
        ("light grey scan with grain and an edge shadow", grey, true),
        ("a dust blot", dusty, true),
        ("one word on a grey scan", word, false),
        ("a line of text with specks", line, false),
    ];
    for dpi in [150, 300] {
        for (what, make, blank) in cases {
            let img = make(dpi);
            let ink = ink_fraction(&img, Some(dpi));
            assert_eq!(
                is_blank(&img, Some(dpi)),
                *blank,
                "{what} at {dpi} dpi: ink {ink:.6}"
            );
            // without a recorded resolution, it is estimated from the size
            assert_eq!(is_blank(&img, None), *blank, "{what}, dpi unknown");
        }
    }
}

#[test]
fn split_parts_between_breaks() {
    let t = true;
    let f = false;
    type Case<'a> = (&'a [bool], &'a [(u32, u32)]);
    let cases: &[Case] = &[
        (&[f, f, f], &[(1, 3)]),
        (&[f, t, f, f], &[(1, 1), (3, 4)]),
        (&[t, f, f], &[(2, 3)]),
        (&[f, f, t], &[(1, 2)]),
        (&[f, t, t, f], &[(1, 1), (4, 4)]),
        (&[t, t], &[]),
        (&[], &[]),
    ];
    for (breaks, want) in cases {
        assert_eq!(parts_between(breaks), *want, "{breaks:?}");
    }
}

/// Rotate by `degrees` about the centre (nearest pixel), white outside.
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

/// The separator's QR code drawn straight onto an A4 page at `dpi`, as
/// [`separator_pdf`] lays it out (120 mm wide, 45 mm from the top).
fn drawn_sheet(dpi: u32, payload: &str) -> GrayImage {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::H).unwrap();
    let n = code.width();
    let colors = code.to_colors();
    let mut img = page(dpi, 250);
    let side = 120.0 / 25.4 * dpi as f64;
    let m = side / n as f64;
    let left = (img.width() as f64 - side) / 2.0;
    let top = 45.0 / 25.4 * dpi as f64;
    for y in 0..img.height() {
        for x in 0..img.width() {
            let (cx, cy) = ((x as f64 - left) / m, (y as f64 - top) / m);
            if cx >= 0.0
                && cy >= 0.0
                && (cx as usize) < n
                && (cy as usize) < n
                && colors[cy as usize * n + cx as usize] == qrcode::Color::Dark
            {
                img.put_pixel(x, y, Luma([15]));
            }
        }
    }
    img
}

#[test]
fn split_separator_sheet_is_read_at_200_dpi_turned_2_degrees() {
    let sheet = drawn_sheet(200, SEPARATOR_PAYLOAD);
    assert!(is_separator(&sheet));
    let mut skewed = rotate(&sheet, 2.0);
    grain(&mut skewed, 12, 5);
    specks(&mut skewed, 100, 6);
    assert!(is_separator(&skewed), "2° skew");
    assert!(is_separator(&rotate(&sheet, -2.5)), "-2.5° skew");
    // some other QR code is not a separator
    assert!(!is_separator(&drawn_sheet(200, "https://example.org/")));
    // nor is a page of text, or a blank one
    let mut text = page(200, 250);
    some_text(&mut text, 200, 12);
    assert!(!is_separator(&text));
    assert!(!is_separator(&page(200, 255)));
    // a separator sheet is not blank
    assert!(!is_blank(&sheet, Some(200)));
}

#[test]
fn split_the_printed_separator_sheet_reads_as_one() {
    let pdf = separator_pdf().unwrap();
    if let Ok(p) = std::env::var("ARSHIF_DUMP_SEPARATOR") {
        std::fs::write(p, &pdf).unwrap();
    }
    assert_eq!(pdf, separator_pdf().unwrap(), "always the same bytes");
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    assert_eq!(doc.get_pages().len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheet.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let mut seen = Vec::new();
    extract::page_images(
        &path,
        Format::Pdf,
        &ExtractConfig::default(),
        200,
        &mut |_, p| {
            seen.push(is_separator(&p.image) && is_separator(&rotate(&p.image, 2.0)));
            true
        },
    )
    .unwrap();
    assert_eq!(seen, [true]);
}

fn gray_tiff(pages: &[GrayImage]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    for p in pages {
        enc.write_image::<tiff::encoder::colortype::Gray8>(p.width(), p.height(), p.as_raw())
            .unwrap();
    }
    out.into_inner()
}

fn tiff_images(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut dec = tiff::decoder::Decoder::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    loop {
        match dec.read_image().unwrap() {
            tiff::decoder::DecodingResult::U8(v) => out.push(v),
            other => panic!("unexpected {:?}", std::mem::discriminant(&other)),
        }
        if !dec.more_images() {
            return out;
        }
        dec.next_image().unwrap();
    }
}

#[test]
fn split_tiff_pages_are_cut_with_their_pixels_unchanged() {
    let pages: Vec<GrayImage> = (0..4u8)
        .map(|i| {
            GrayImage::from_fn(64 + i as u32, 40, |x, y| {
                Luma([(x * 3 + y + i as u32 * 50) as u8])
            })
        })
        .collect();
    let tif = gray_tiff(&pages);
    let cut = tiff_pages(&tif, 2, 3).unwrap();
    assert_eq!(cut, tiff_pages(&tif, 2, 3).unwrap(), "deterministic");
    let got = tiff_images(&cut);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], pages[1].as_raw().clone());
    assert_eq!(got[1], pages[2].as_raw().clone());
    assert_eq!(
        tiff_images(&tiff_pages(&tif, 4, 4).unwrap()),
        [pages[3].as_raw().clone()]
    );
    assert!(tiff_pages(&tif, 3, 5).unwrap_err().contains("4 pages"));
    assert!(tiff_pages(&tif[..100], 1, 1).is_err());
    assert!(tiff_pages(b"%PDF-1.4", 1, 1).is_err());
}

#[test]
fn split_pdf_pages_are_cut_deterministically() {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for i in 0..5 {
        let content = doc.add_object(Stream::new(
            dictionary! {},
            format!("0 g {} 100 50 50 re f", 50 + i * 60).into_bytes(),
        ));
        kids.push(Object::from(doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content,
        })));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 5 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();

    let cut = extract::pdf_pages(&bytes, 2, 4).unwrap();
    assert_eq!(
        cut,
        extract::pdf_pages(&bytes, 2, 4).unwrap(),
        "deterministic"
    );
    let back = Document::load_mem(&cut).unwrap();
    let pages = back.get_pages();
    assert_eq!(pages.len(), 3);
    // the pages kept are the originals' 2, 3 and 4, in order
    let firsts: Vec<String> = pages
        .values()
        .map(|id| String::from_utf8(back.get_page_content(*id).unwrap()).unwrap())
        .collect();
    assert_eq!(
        firsts.iter().map(|s| s.trim()).collect::<Vec<_>>(),
        [
            "0 g 110 100 50 50 re f",
            "0 g 170 100 50 50 re f",
            "0 g 230 100 50 50 re f"
        ]
    );
    assert!(extract::pdf_pages(&bytes, 4, 6).is_err());
}

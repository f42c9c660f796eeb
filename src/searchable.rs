//! Searchable PDFs: the original pages with an invisible text layer over
//! them, so staff can select, copy and search the text in any PDF reader.
//!
//! The text comes from the catalog (what arshif read, numbers re-read and
//! all), placed word by word over its box. Image originals become one page
//! per image (JPEG embedded as it is, other images losslessly as greyscale),
//! turned upright when OCR turned them. PDF originals are kept as they are,
//! with the text added over the pages that were OCR'd. The font is
//! Tesseract's glyphless font (`pdf.ttf` in the tessdata directory): every
//! character is an invisible glyph half an em wide, and a ToUnicode map
//! makes the text extract as it was written, in logical order.

use std::io::Write;
use std::path::{Path, PathBuf};

use lopdf::{dictionary, Document, Object, ObjectId, Stream};

use crate::catalog::PageRecord;
use crate::extract::{self, ExtractConfig, Format, PageContent};
use crate::types::{TextSource, Word};

#[derive(Debug, thiserror::Error)]
pub enum SearchableError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the original: {0}")]
    Extract(#[from] extract::ExtractError),
    #[error("cannot build the PDF: {0}")]
    Pdf(#[from] lopdf::Error),
    #[error("the glyphless font {0} is missing; install the tesseract-ocr package")]
    NoFont(PathBuf),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the original has {found} pages but the catalog {recorded}")]
    PageCount { found: u32, recorded: usize },
}

/// A searchable PDF of an archived document, built from its stored original
/// and the pages the catalog recorded.
pub fn for_document(
    store: &dyn crate::store::BlobStore,
    doc: &crate::catalog::DocumentRecord,
    pages: &[PageRecord],
) -> Result<Vec<u8>, SearchableError> {
    let path = store.local_copy(&doc.blob)?;
    let format = extract::sniff(&extract::read_head(&path)?)?;
    let font = glyphless_font(&crate::ocr::OcrConfig::default().datapath);
    let mut out = Vec::new();
    write(&path, format, pages, &font, &mut out)?;
    Ok(out)
}

/// Where Tesseract's glyphless font lives.
pub fn glyphless_font(tessdata: &Path) -> PathBuf {
    tessdata.join("pdf.ttf")
}

/// Write a searchable PDF of the original at `original` (of `format`),
/// whose pages the catalog recorded as `pages`, to `out`.
pub fn write(
    original: &Path,
    format: Format,
    pages: &[PageRecord],
    font: &Path,
    out: &mut dyn Write,
) -> Result<(), SearchableError> {
    let font_bytes =
        std::fs::read(font).map_err(|_| SearchableError::NoFont(font.to_path_buf()))?;
    let mut doc = match format {
        Format::Pdf => {
            let mut doc = Document::load(original)?;
            if doc.is_encrypted() {
                doc.decrypt("")?;
            }
            overlay(&mut doc, pages, &font_bytes)?;
            doc
        }
        _ => from_images(original, format, pages, &font_bytes)?,
    };
    doc.compress();
    doc.save_to(&mut &mut *out)
        .map_err(|e| SearchableError::Io {
            path: PathBuf::from("<output>"),
            source: e,
        })?;
    Ok(())
}

/// Add the font objects; returns the Type0 font's id.
fn add_font(doc: &mut Document, font_bytes: &[u8]) -> ObjectId {
    // every CID (= UTF-16 code unit) is drawn with glyph 1, the empty one
    let cid_to_gid: Vec<u8> = (0..65536u32).flat_map(|_| [0u8, 1u8]).collect();
    let mut gid_map = Stream::new(dictionary! {}, cid_to_gid);
    let _ = gid_map.compress();
    let gid_map = doc.add_object(gid_map);
    let mut file = Stream::new(
        dictionary! { "Length1" => font_bytes.len() as i64 },
        font_bytes.to_vec(),
    );
    let _ = file.compress();
    let file = doc.add_object(file);
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => "GlyphLessFont",
        "Flags" => 5,
        "FontBBox" => vec![0.into(), 0.into(), 500.into(), 1000.into()],
        "ItalicAngle" => 0,
        "Ascent" => 1000,
        "Descent" => 0,
        "CapHeight" => 1000,
        "StemV" => 80,
        "FontFile2" => file,
    });
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => "GlyphLessFont",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "DW" => 500,
        "CIDToGIDMap" => gid_map,
    });
    let cmap = b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\nendcmap\n\
CMapName currentdict /CMap defineresource pop\nend\nend\n";
    let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap.to_vec()));
    doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "GlyphLessFont",
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![cid_font.into()],
        "ToUnicode" => to_unicode,
    })
}

/// Content-stream operators drawing `words` invisibly. Boxes are in pixels
/// of the upright page; `px_to_pt` maps pixels to points and `page_h_pt` is
/// the page height in points (PDF's origin is bottom left). `skew` is the
/// page's levelling turn: the words' boxes are axis-aligned boxes of tilted
/// words, so each word is put back at its tilt, at its untilted size.
fn text_ops(words: &[Word], px_to_pt: f64, page_h_pt: f64, skew: f32) -> String {
    let (s, c) = (skew as f64).to_radians().sin_cos();
    let (ac, as_) = (c.abs(), s.abs());
    let det = ac * ac - as_ * as_;
    let mut ops = String::from("BT\n3 Tr\n");
    let lines = if skew == 0.0 {
        line_frames(words)
    } else {
        vec![None; words.len()]
    };
    for (w, line) in words.iter().zip(lines) {
        // PDF readers take right-to-left characters laid out left to right
        // as visual order and reverse them when extracting: write Arabic
        // words reversed so that they extract in logical order.
        let arabic = w
            .text
            .chars()
            .filter(|c| ('\u{0600}'..='\u{08FF}').contains(c) && c.is_alphabetic())
            .count();
        let other = w
            .text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || c.is_numeric())
            .count();
        let text: String = if arabic > other {
            w.text.chars().rev().collect()
        } else {
            w.text.clone()
        };
        let units: Vec<u16> = text.encode_utf16().collect();
        if units.is_empty() || w.bbox[2] == 0 || w.bbox[3] == 0 {
            continue;
        }
        let (bw, bh) = (w.bbox[2] as f64, w.bbox[3] as f64);
        // the word's own size, from the bounding box of it tilted by `skew`
        let (mut w0, mut h0) = (bw, bh);
        if skew != 0.0 && det > 0.5 {
            let (x, y) = ((bw * ac - bh * as_) / det, (bh * ac - bw * as_) / det);
            if x > 1.0 && y > 1.0 {
                (w0, h0) = (x, y);
            }
        }
        let (cx, mut cy) = (w.bbox[0] as f64 + bw / 2.0, w.bbox[1] as f64 + bh / 2.0);
        if let Some((baseline, height)) = line {
            // on its line's baseline, at its line's size
            h0 = height;
            cy = baseline - 0.3 * height;
        }
        // start of the baseline (a fifth of the height above the bottom), tilted
        let (dx, dy) = (-w0 / 2.0, 0.3 * h0);
        let (sx, sy) = (cx + c * dx - s * dy, cy + s * dx + c * dy);
        let size = (h0 * px_to_pt).max(1.0);
        // each glyph advances half an em: stretch to the word's width
        let natural = units.len() as f64 * 0.5 * size;
        let scale = (100.0 * w0 * px_to_pt / natural).clamp(1.0, 10_000.0);
        let (x, y) = (sx * px_to_pt, page_h_pt - sy * px_to_pt);
        let hex: String = units.iter().map(|u| format!("{u:04X}")).collect();
        // a space after each word keeps words apart when the text is copied
        ops.push_str(&format!(
            "/FGL {size:.2} Tf {scale:.2} Tz {c:.5} {:.5} {s:.5} {c:.5} {x:.2} {y:.2} Tm <{hex}0020> Tj\n",
            -s
        ));
    }
    ops.push_str("ET\n");
    ops
}

/// For each word of an unturned page, the baseline and height of the
/// line it is on: words next to each other in reading order whose boxes
/// overlap by half the smaller one's height or more are one line, and the
/// line's baseline and height are its words' medians. A word whose box
/// came back short (Tesseract's box for a word of a title missed its lower
/// half) is then written on its line, not below it as a line of its own;
/// `None` for a word alone on its line (its own box is used).
fn line_frames(words: &[Word]) -> Vec<Option<(f64, f64)>> {
    let mut out = vec![None; words.len()];
    let mut start = 0;
    while start < words.len() {
        let mut end = start + 1;
        while end < words.len() {
            let (a, b) = (words[end - 1].bbox, words[end].bbox);
            let top = a[1].max(b[1]);
            let bottom = (a[1] + a[3]).min(b[1] + b[3]);
            if bottom <= top || (bottom - top) * 2 < a[3].min(b[3]) {
                break;
            }
            end += 1;
        }
        if end - start > 1 {
            let median = |mut v: Vec<f64>| {
                v.sort_by(|x, y| x.total_cmp(y));
                v[v.len() / 2]
            };
            let line = &words[start..end];
            let height = median(line.iter().map(|w| w.bbox[3] as f64).collect());
            let baseline = median(
                line.iter()
                    .map(|w| w.bbox[1] as f64 + w.bbox[3] as f64 * 0.8)
                    .collect(),
            );
            out[start..end].fill(Some((baseline, height)));
        }
        start = end;
    }
    out
}

/// An image to place on a page.
enum Embedded {
    Jpeg {
        bytes: Vec<u8>,
        w: u32,
        h: u32,
        components: u8,
    },
    Gray(image::GrayImage),
}

fn image_xobject(doc: &mut Document, img: Embedded) -> (ObjectId, u32, u32) {
    match img {
        Embedded::Jpeg {
            bytes,
            w,
            h,
            components,
        } => {
            let cs = match components {
                1 => "DeviceGray",
                4 => "DeviceCMYK",
                _ => "DeviceRGB",
            };
            let s = Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
                    "ColorSpace" => cs, "BitsPerComponent" => 8, "Filter" => "DCTDecode",
                },
                bytes,
            );
            (doc.add_object(s), w, h)
        }
        Embedded::Gray(g) => {
            let (w, h) = g.dimensions();
            let mut s = Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
                    "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
                },
                g.into_raw(),
            );
            let _ = s.compress();
            (doc.add_object(s), w, h)
        }
    }
}

/// A new PDF, one page per page image of an image original.
fn from_images(
    original: &Path,
    format: Format,
    pages: &[PageRecord],
    font: &[u8],
) -> Result<Document, SearchableError> {
    let mut images: Vec<(Embedded, Option<u32>)> = Vec::new();
    if format == Format::Jpeg {
        let bytes = std::fs::read(original).map_err(|e| SearchableError::Io {
            path: original.to_path_buf(),
            source: e,
        })?;
        let dec =
            image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&bytes)).map_err(|e| {
                extract::ExtractError::Corrupt {
                    format,
                    detail: e.to_string(),
                }
            })?;
        use image::ImageDecoder;
        let (w, h) = dec.dimensions();
        let components = dec.color_type().channel_count();
        let mut dpi = None;
        extract::extract_pages(original, format, &ExtractConfig::default(), &mut |_, c| {
            if let PageContent::Image(p) = c {
                dpi = p.dpi;
            }
            true
        })?;
        images.push((
            Embedded::Jpeg {
                bytes,
                w,
                h,
                components,
            },
            dpi,
        ));
    } else {
        extract::extract_pages(original, format, &ExtractConfig::default(), &mut |_, c| {
            if let PageContent::Image(p) = c {
                images.push((Embedded::Gray(p.image), p.dpi));
            }
            true
        })?;
    }
    if images.len() != pages.len() {
        return Err(SearchableError::PageCount {
            found: images.len() as u32,
            recorded: pages.len(),
        });
    }
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = add_font(&mut doc, font);
    let mut kids = Vec::new();
    for ((img, dpi), record) in images.into_iter().zip(pages) {
        // A page that was levelled is shown levelled, with its text level:
        // text set at a slant does not survive copying in every reader.
        let (img, record) = if record.skew != 0.0 {
            level_page(img, record)
        } else {
            (img, record.clone())
        };
        let record = &record;
        let (image_id, w, h) = image_xobject(&mut doc, img);
        let dpi = dpi.filter(|d| (70..=2400).contains(d)).unwrap_or(300) as f64;
        let px_to_pt = 72.0 / dpi;
        let (iw, ih) = (w as f64 * px_to_pt, h as f64 * px_to_pt);
        // the page is the image turned upright as OCR read it
        let turned = record.rotation % 180 == 90;
        let (pw, ph) = if turned { (ih, iw) } else { (iw, ih) };
        let place = match record.rotation % 360 {
            90 => format!("0 -{iw:.3} {ih:.3} 0 0 {iw:.3} cm"),
            180 => format!("-{iw:.3} 0 0 -{ih:.3} {iw:.3} {ih:.3} cm"),
            270 => format!("0 {iw:.3} -{ih:.3} 0 {ih:.3} 0 cm"),
            _ => format!("{iw:.3} 0 0 {ih:.3} 0 0 cm"),
        };
        let mut content = format!("q {place} /Im0 Do Q\n");
        // word boxes are in pixels of the upright page
        let upright_px = if turned { h } else { w } as f64;
        let scale = pw / upright_px.max(1.0);
        content.push_str(&text_ops(&record.words, scale, ph, record.skew));
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(pw as f32), Object::Real(ph as f32)],
            "Contents" => content_id,
            "Resources" => dictionary! {
                "XObject" => dictionary! { "Im0" => image_id },
                "Font" => dictionary! { "FGL" => font_id },
            },
        });
        kids.push(page.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    Ok(doc)
}

/// A levelled copy of a page (turned by its skew, as OCR read it) and its
/// record with the word boxes moved onto the levelled page.
fn level_page(img: Embedded, record: &PageRecord) -> (Embedded, PageRecord) {
    let gray = match img {
        Embedded::Gray(g) => g,
        Embedded::Jpeg { bytes, .. } => match image::load_from_memory(&bytes) {
            Ok(i) => i.to_luma8(),
            Err(_) => {
                return (
                    Embedded::Jpeg {
                        bytes,
                        w: 0,
                        h: 0,
                        components: 0,
                    },
                    record.clone(),
                )
            }
        },
    };
    // turn upright first, level, then turn back so the rest of the page
    // building (which turns by `rotation`) applies unchanged
    let upright = crate::ocr::prep::rotate_quarter(&gray, record.rotation);
    let level = crate::ocr::prep::rotate_small(&upright, record.skew);
    let back = crate::ocr::prep::rotate_quarter(&level, (360 - record.rotation) % 360);
    let (w, h) = level.dimensions();
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let (s, c) = (record.skew as f64).to_radians().sin_cos();
    let (ac, as_) = (c.abs(), s.abs());
    let det = ac * ac - as_ * as_;
    let mut out = record.clone();
    out.skew = 0.0;
    for word in &mut out.words {
        let (bw, bh) = (word.bbox[2] as f64, word.bbox[3] as f64);
        let (mut w0, mut h0) = (bw, bh);
        if det > 0.5 {
            let (x, y) = ((bw * ac - bh * as_) / det, (bh * ac - bw * as_) / det);
            if x > 1.0 && y > 1.0 {
                (w0, h0) = (x, y);
            }
        }
        // the box centre on the levelled page: the inverse of the turn
        let (dx, dy) = (
            word.bbox[0] as f64 + bw / 2.0 - cx,
            word.bbox[1] as f64 + bh / 2.0 - cy,
        );
        let (lx, ly) = (c * dx + s * dy + cx, -s * dx + c * dy + cy);
        word.bbox = [
            (lx - w0 / 2.0).max(0.0).round() as u32,
            (ly - h0 / 2.0).max(0.0).round() as u32,
            w0.round() as u32,
            h0.round() as u32,
        ];
    }
    (Embedded::Gray(back), out)
}

/// Add the text of OCR'd pages over the pages of a PDF original.
fn overlay(doc: &mut Document, pages: &[PageRecord], font: &[u8]) -> Result<(), SearchableError> {
    let page_ids = doc.get_pages();
    if page_ids.len() != pages.len() {
        return Err(SearchableError::PageCount {
            found: page_ids.len() as u32,
            recorded: pages.len(),
        });
    }
    if pages.iter().all(|p| p.source == TextSource::PdfText) {
        return Ok(()); // already searchable
    }
    let font_id = add_font(doc, font);
    for (record, (_, page_id)) in pages.iter().zip(page_ids) {
        if record.source != TextSource::Ocr || record.words.is_empty() || record.rotation != 0 {
            continue;
        }
        let (w_pt, h_pt) = media_size(doc, page_id);
        let scale = w_pt / record.width.max(1) as f64;
        let ops = format!(
            "q\n{}Q\n",
            text_ops(&record.words, scale, h_pt, record.skew)
        );
        let stream = doc.add_object(Stream::new(dictionary! {}, ops.into_bytes()));
        let page = doc.get_object_mut(page_id)?.as_dict_mut()?;
        let contents = match page.get(b"Contents") {
            Ok(Object::Array(a)) => {
                let mut a = a.clone();
                a.push(stream.into());
                a
            }
            Ok(Object::Reference(r)) => vec![Object::Reference(*r), stream.into()],
            _ => vec![stream.into()],
        };
        page.set("Contents", contents);
        // the font goes into the page's own resources (copied if inherited)
        let resources = match page.get(b"Resources") {
            Ok(Object::Dictionary(d)) => Some(d.clone()),
            Ok(Object::Reference(r)) => Some(*r).and_then(|r| doc.get_dictionary(r).ok().cloned()),
            _ => None,
        };
        let mut resources = resources.unwrap_or_default();
        let mut fonts = match resources.get(b"Font") {
            Ok(Object::Dictionary(d)) => d.clone(),
            Ok(Object::Reference(r)) => doc.get_dictionary(*r).ok().cloned().unwrap_or_default(),
            _ => lopdf::Dictionary::new(),
        };
        fonts.set("FGL", font_id);
        resources.set("Font", fonts);
        doc.get_object_mut(page_id)?
            .as_dict_mut()?
            .set("Resources", resources);
    }
    Ok(())
}

fn media_size(doc: &Document, page_id: ObjectId) -> (f64, f64) {
    let mut dict = doc.get_dictionary(page_id).ok();
    while let Some(d) = dict {
        if let Ok(Object::Array(a)) = d.get(b"MediaBox") {
            let v: Vec<f64> = a
                .iter()
                .filter_map(|o| {
                    o.as_float()
                        .map(|f| f as f64)
                        .ok()
                        .or_else(|| o.as_i64().ok().map(|i| i as f64))
                })
                .collect();
            if v.len() == 4 {
                return ((v[2] - v[0]).abs(), (v[3] - v[1]).abs());
            }
        }
        dict = d
            .get(b"Parent")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .ok();
    }
    (612.0, 792.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, bbox: [u32; 4]) -> Word {
        Word {
            text: text.into(),
            bbox,
            confidence: 0.9,
        }
    }

    #[test]
    fn words_of_a_line_share_its_baseline_and_size() {
        // the title of samples/scans/pdf/محضر مخالفة 1445-552.pdf as read:
        // the last word's box missed its lower half
        let words = [
            word("بلدية", [2140, 284, 97, 51]),
            word("العيون", [1994, 284, 124, 54]),
            word("محضر", [2111, 429, 129, 73]),
            word("ضبط", [2006, 429, 79, 73]),
            word("مخالفة", [1833, 434, 135, 39]),
            word("رقم", [2165, 585, 72, 55]),
        ];
        let frames = line_frames(&words);
        let title = frames[2].expect("a line of three");
        assert_eq!(frames[3], Some(title));
        assert_eq!(frames[4], Some(title));
        assert_eq!(title, (429.0 + 73.0 * 0.8, 73.0));
        assert_eq!(frames[0], frames[1]);
        assert_ne!(frames[0], Some(title));
        // a word alone on its line keeps its own box
        assert_eq!(frames[5], None);
        // and every word is written on its line's baseline
        let ops = text_ops(&words, 0.24, 842.0, 0.0);
        let ys: Vec<&str> = ops
            .lines()
            .filter(|l| l.contains("Tm"))
            .map(|l| l.split(' ').rev().nth(3).unwrap())
            .collect();
        assert_eq!(ys[2], ys[3]);
        assert_eq!(ys[3], ys[4]);
    }
}

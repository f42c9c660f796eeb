//! Splitting a batch scan into documents (`ingest --split blank|sheet`).
//!
//! A clerk scans a stack of sheets, many documents, into one PDF or
//! multi-page TIFF. Each page is looked at whole, as an image: with
//! [`SplitMode::Blank`] a blank page ends a document, with
//! [`SplitMode::Sheet`] an arshif separator sheet (a QR code carrying
//! [`SEPARATOR_PAYLOAD`], printed by `arshif separator`) starts the next;
//! either way the page itself belongs to no document. Each document is cut
//! out as a file of its own (the PDF's pages by lopdf, the TIFF's pages
//! with their image data copied as they are), so it is a blob like any
//! imported file; the whole scan is kept too, and each part's source names
//! it with its page range (`catalog::SourcePart`).
//!
//! Cutting is deterministic (the same scan gives the same parts, byte for
//! byte), so importing a batch scan again finds every part already archived.

use std::path::{Path, PathBuf};

use image::GrayImage;
use serde::Serialize;

use crate::extract::{self, ExtractConfig, ExtractError, Format};

/// What starts a new document in a batch scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitMode {
    /// A blank page ends a document (and is dropped).
    Blank,
    /// An arshif separator sheet starts a new document (and is dropped).
    Sheet,
}

impl SplitMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SplitMode::Blank => "blank",
            SplitMode::Sheet => "sheet",
        }
    }
}

impl std::fmt::Display for SplitMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SplitMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "blank" => Ok(SplitMode::Blank),
            "sheet" => Ok(SplitMode::Sheet),
            other => Err(format!(
                "unknown split mode {other:?} (expected \"blank\" or \"sheet\")"
            )),
        }
    }
}

/// What the separator sheet's QR code says.
pub const SEPARATOR_PAYLOAD: &str = "ARSHIF:SEPARATOR:1";
/// What every version of the separator sheet's QR code starts with.
const SEPARATOR_PREFIX: &str = "ARSHIF:SEPARATOR:";

/// Resolution at which PDF pages that are not one image are rendered to be
/// looked at (a separator's QR modules are then about 16 px wide).
const LOOK_DPI: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    #[error("{path}: cannot split this batch scan: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: ExtractError,
    },
    #[error("{path}: cannot cut pages {first}-{last} out of this batch scan: {detail}")]
    Cut {
        path: PathBuf,
        first: u32,
        last: u32,
        detail: String,
    },
    #[error("{path}: every page is {what}: no document is left after splitting")]
    Empty { path: PathBuf, what: &'static str },
    #[error("cannot make the separator sheet: {0}")]
    Separator(String),
}

impl SplitError {
    /// What went wrong, without the path (for a report that names the
    /// file already).
    pub fn reason(&self) -> String {
        match self {
            SplitError::Read { source, .. } => format!("cannot split this batch scan: {source}"),
            SplitError::Cut {
                first,
                last,
                detail,
                ..
            } => format!("cannot cut pages {first}-{last} out of this batch scan: {detail}"),
            SplitError::Empty { what, .. } => {
                format!("every page is {what}: no document is left after splitting")
            }
            SplitError::Separator(e) => e.clone(),
        }
    }
}

/// How a batch scan divides: its page count and each document's pages
/// (1-based, inclusive), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub pages: u32,
    pub parts: Vec<(u32, u32)>,
}

impl Plan {
    /// True when the scan is one document of all its pages: nothing to cut.
    pub fn is_whole(&self) -> bool {
        self.parts == [(1, self.pages)]
    }
}

/// Look at every page of a PDF or TIFF and divide it into documents.
pub fn plan(
    path: &Path,
    format: Format,
    mode: SplitMode,
    config: &ExtractConfig,
) -> Result<Plan, SplitError> {
    let mut breaks = Vec::new();
    let pages = extract::page_images(path, format, config, LOOK_DPI, &mut |_, page| {
        breaks.push(match mode {
            SplitMode::Blank => is_blank(&page.image, page.dpi),
            SplitMode::Sheet => is_separator(&page.image),
        });
        true
    })
    .map_err(|source| SplitError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let parts = parts_between(&breaks);
    if parts.is_empty() {
        return Err(SplitError::Empty {
            path: path.to_path_buf(),
            what: match mode {
                SplitMode::Blank => "blank",
                SplitMode::Sheet => "a separator sheet",
            },
        });
    }
    Ok(Plan { pages, parts })
}

/// The runs of pages between break pages (`breaks[i]`: page `i + 1` is a
/// break); breaks belong to no run, and no run is empty.
pub fn parts_between(breaks: &[bool]) -> Vec<(u32, u32)> {
    let mut parts = Vec::new();
    let mut start: Option<u32> = None;
    for (i, &b) in breaks.iter().enumerate() {
        let n = i as u32 + 1;
        match (b, start) {
            (true, Some(s)) => {
                parts.push((s, n - 1));
                start = None;
            }
            (false, None) => start = Some(n),
            _ => {}
        }
    }
    if let Some(s) = start {
        parts.push((s, breaks.len() as u32));
    }
    parts
}

/// Pages `first..=last` of a batch scan as a file of their own: a PDF of
/// those pages, or a TIFF of those pages' images exactly as stored.
pub fn cut(path: &Path, format: Format, first: u32, last: u32) -> Result<Vec<u8>, SplitError> {
    let err = |detail: String| SplitError::Cut {
        path: path.to_path_buf(),
        first,
        last,
        detail,
    };
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    match format {
        Format::Pdf => extract::pdf_pages(&bytes, first, last).map_err(|e| err(e.to_string())),
        Format::Tiff => tiff_pages(&bytes, first, last).map_err(err),
        Format::Png | Format::Jpeg => Err(err(format!("a {format} file has one page"))),
    }
}

// ---------------------------------------------------------------------------
// Blank pages

/// Pages whose share of inked area is below this are blank. Measured on
/// the generated pages of the tests (150 and 300 dpi): blank ones with
/// specks, grain, a grey tint, an edge shadow or a 1 mm dust blot give at
/// most 0.00003, a page holding one word 0.0003, a line of five words
/// 0.0014; scanner specks (isolated dots) count for nothing.
const BLANK_INK: f64 = 0.0001;
/// The band at each edge left out (edge shadows, punched holes, the dark
/// border of a scanner bed larger than the sheet), in percent of the side.
const MARGIN_PERCENT: u32 = 6;

/// The share of a page's area (without its margin band) that is inked: the
/// page is cut into cells of 1/50 inch (3 pixels at least); a cell is inked when a quarter of
/// its pixels are clearly darker than the paper (its median), and counts
/// only when a neighbouring cell is inked too, so isolated specks and dust
/// do not count, while strokes of print, which run on, do.
pub fn ink_fraction(img: &GrayImage, dpi: Option<u32>) -> f64 {
    let (w, h) = img.dimensions();
    // An A4 or letter page's short side is about 8.3 inches.
    let dpi = dpi
        .filter(|d| (50..=2400).contains(d))
        .unwrap_or_else(|| ((w.min(h) as f64) / 8.3).round() as u32)
        .max(50);
    let (x0, y0) = (w * MARGIN_PERCENT / 100, h * MARGIN_PERCENT / 100);
    let (x1, y1) = (w - x0, h - y0);
    if x1 <= x0 || y1 <= y0 {
        return 0.0;
    }
    let mut hist = [0u64; 256];
    for y in y0..y1 {
        for x in x0..x1 {
            hist[img.get_pixel(x, y)[0] as usize] += 1;
        }
    }
    let total: u64 = hist.iter().sum();
    let mut seen = 0;
    let paper = hist
        .iter()
        .position(|&c| {
            seen += c;
            seen * 2 >= total
        })
        .unwrap_or(255) as u8;
    // Ink is clearly darker than the paper: a grey scan's paper, its
    // noise and faint shading are not.
    let cut = paper.saturating_sub((paper / 3).max(60));
    let b = ((dpi + 25) / 50).max(3);
    let (bw, bh) = (((x1 - x0) / b) as usize, ((y1 - y0) / b) as usize);
    if bw == 0 || bh == 0 {
        return 0.0;
    }
    let need = (b * b).div_ceil(4);
    let mut inked = vec![false; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            let (cx, cy) = (x0 + bx as u32 * b, y0 + by as u32 * b);
            let mut n = 0;
            for y in cy..cy + b {
                for x in cx..cx + b {
                    if img.get_pixel(x, y)[0] < cut {
                        n += 1;
                    }
                }
            }
            inked[by * bw + bx] = n >= need;
        }
    }
    let mut counted = 0usize;
    for by in 0..bh {
        for bx in 0..bw {
            if !inked[by * bw + bx] {
                continue;
            }
            let neighbour = (by.saturating_sub(1)..=(by + 1).min(bh - 1)).any(|y| {
                (bx.saturating_sub(1)..=(bx + 1).min(bw - 1))
                    .any(|x| (x, y) != (bx, by) && inked[y * bw + x])
            });
            if neighbour {
                counted += 1;
            }
        }
    }
    counted as f64 / (bw * bh) as f64
}

/// Whether a page is blank, scanner noise and all (see [`ink_fraction`]).
pub fn is_blank(img: &GrayImage, dpi: Option<u32>) -> bool {
    ink_fraction(img, dpi) < BLANK_INK
}

// ---------------------------------------------------------------------------
// Separator sheets

/// Whether a page is an arshif separator sheet: it holds a QR code that
/// reads [`SEPARATOR_PREFIX`]…. The page is first brought to at most about
/// 1400 pixels a side (a sheet's QR modules stay well above 10 px).
pub fn is_separator(img: &GrayImage) -> bool {
    let small = shrink(img, 1400);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        small.width() as usize,
        small.height() as usize,
        |x, y| small.get_pixel(x as u32, y as u32)[0],
    );
    prepared.detect_grids().iter().any(|grid| {
        grid.decode()
            .map(|(_, text)| text.starts_with(SEPARATOR_PREFIX))
            .unwrap_or(false)
    })
}

/// The image averaged down by a whole factor so that its longer side is at
/// most `max` pixels (itself when it already is).
fn shrink(img: &GrayImage, max: u32) -> std::borrow::Cow<'_, GrayImage> {
    let (w, h) = img.dimensions();
    let f = w.max(h).div_ceil(max);
    if f <= 1 {
        return std::borrow::Cow::Borrowed(img);
    }
    let (sw, sh) = (w / f, h / f);
    let mut out = GrayImage::new(sw.max(1), sh.max(1));
    for sy in 0..sh {
        for sx in 0..sw {
            let mut sum = 0u32;
            for y in sy * f..sy * f + f {
                for x in sx * f..sx * f + f {
                    sum += img.get_pixel(x, y)[0] as u32;
                }
            }
            out.put_pixel(sx, sy, image::Luma([(sum / (f * f)) as u8]));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The separator sheet: an A4 PDF page with a large QR code carrying
/// [`SEPARATOR_PAYLOAD`] and, below it, a line in Arabic and English saying
/// what the page is (an image of the text, set once with Pango in Noto Sans
/// Arabic, drawn as a stencil mask: no font is embedded). Always the same
/// bytes.
pub fn separator_pdf() -> Result<Vec<u8>, SplitError> {
    use lopdf::{dictionary, Document, Object, Stream};

    let fail = |e: &dyn std::fmt::Display| SplitError::Separator(e.to_string());
    let code = qrcode::QrCode::with_error_correction_level(SEPARATOR_PAYLOAD, qrcode::EcLevel::H)
        .map_err(|e| fail(&e))?;
    let n = code.width();
    let colors = code.to_colors();
    // A4 in points; the QR code 120 mm wide, centred, its top 45 mm down.
    let (page_w, page_h) = (595.276_f64, 841.89_f64);
    let side = 120.0 / 25.4 * 72.0;
    let module = side / n as f64;
    let left = (page_w - side) / 2.0;
    let top = page_h - 45.0 / 25.4 * 72.0;
    let mut ops = String::from("0 g\n");
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && colors[row * n + col] == qrcode::Color::Dark {
                col += 1;
            }
            let y = top - (row + 1) as f64 * module;
            ops.push_str(&format!(
                "{:.3} {:.3} {:.3} {:.3} re\n",
                left + start as f64 * module,
                y,
                (col - start) as f64 * module,
                module
            ));
        }
    }
    ops.push_str("f\n");

    // The text line, as a 1-bit stencil (1 = white, left unpainted).
    let text = image::load_from_memory_with_format(
        include_bytes!("separator-text.png"),
        image::ImageFormat::Png,
    )
    .map_err(|e| fail(&e))?
    .to_luma8();
    let (tw, th) = text.dimensions();
    let row_bytes = tw.div_ceil(8) as usize;
    let mut bits = vec![0u8; row_bytes * th as usize];
    for (x, y, p) in text.enumerate_pixels() {
        if p[0] >= 128 {
            bits[y as usize * row_bytes + (x / 8) as usize] |= 0x80 >> (x % 8);
        }
    }
    let text_w = 160.0 / 25.4 * 72.0;
    let text_h = text_w * th as f64 / tw as f64;
    let text_y = top - side - 20.0 / 25.4 * 72.0 - text_h;
    ops.push_str(&format!(
        "q {text_w:.3} 0 0 {text_h:.3} {:.3} {text_y:.3} cm /Text Do Q\n",
        (page_w - text_w) / 2.0
    ));

    let mut doc = Document::with_version("1.5");
    let mut image = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => tw as i64,
            "Height" => th as i64,
            // A stencil painted in the fill colour (0 paints): the page is
            // then no single scanned image, and is rendered whole.
            "ImageMask" => true,
            "BitsPerComponent" => 1,
        },
        bits,
    );
    image.compress().map_err(|e| fail(&e))?;
    let image_id = doc.add_object(image);
    let mut content = Stream::new(dictionary! {}, ops.into_bytes());
    content.compress().map_err(|e| fail(&e))?;
    let content_id = doc.add_object(content);
    let pages_id = doc.new_object_id();
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), Object::Real(page_w as f32), Object::Real(page_h as f32)],
        "Resources" => dictionary! { "XObject" => dictionary! { "Text" => image_id } },
        "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info_id = doc.add_object(dictionary! {
        "Title" => Object::string_literal("arshif separator sheet"),
        "Subject" => Object::string_literal(SEPARATOR_PAYLOAD),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| fail(&e))?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// TIFF pages

/// Tags that point at other IFDs or at free space: not carried into a cut.
const DROPPED_TAGS: &[u16] = &[288, 289, 330, 34665, 34853, 40965];
/// (offsets tag, byte-counts tag) pairs whose data is copied.
const DATA_TAGS: &[(u16, u16)] = &[(273, 279), (324, 325), (513, 514)];

/// A TIFF of pages `first..=last` of the (classic, not Big) TIFF `bytes`:
/// each page's directory and image data copied as they are, in the file's
/// own byte order, so the pages decode to the same pixels.
pub fn tiff_pages(bytes: &[u8], first: u32, last: u32) -> Result<Vec<u8>, String> {
    let le = match bytes.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        Some(b"II+\0") | Some(b"MM\0+") => return Err("BigTIFF files cannot be split".into()),
        _ => return Err("not a TIFF file".into()),
    };
    let r = Reader { bytes, le };
    let mut ifds = Vec::new();
    let mut next = r.u32(4)? as usize;
    while next != 0 {
        if ifds.contains(&next) || ifds.len() > 100_000 {
            return Err("its page directories loop".into());
        }
        ifds.push(next);
        let n = r.u16(next)? as usize;
        next = r.u32(next + 2 + 12 * n)? as usize;
    }
    if first == 0 || last < first || last as usize > ifds.len() {
        return Err(format!(
            "pages {first}-{last} asked of a TIFF of {} pages",
            ifds.len()
        ));
    }
    let mut w = Writer {
        out: Vec::new(),
        le,
    };
    w.out.extend_from_slice(&bytes[..4]);
    w.u32(0);
    let mut link = 4usize;
    for &ifd in &ifds[first as usize - 1..last as usize] {
        let n = r.u16(ifd)? as usize;
        let mut entries = Vec::with_capacity(n);
        for i in 0..n {
            let at = ifd + 2 + 12 * i;
            let tag = r.u16(at)?;
            let typ = r.u16(at + 2)?;
            let count = r.u32(at + 4)?;
            if DROPPED_TAGS.contains(&tag) {
                continue;
            }
            let size = type_size(typ)
                .ok_or_else(|| format!("tag {tag} has unknown type {typ}"))?
                .checked_mul(count as usize)
                .ok_or("a tag's size overflows")?;
            let raw = if size <= 4 {
                r.slice(at + 8, 4)?.to_vec()
            } else {
                r.slice(r.u32(at + 8)? as usize, size)?.to_vec()
            };
            entries.push(Entry {
                tag,
                typ,
                count,
                raw,
            });
        }
        // The image data, copied; its offsets rewritten as LONGs.
        for &(off_tag, len_tag) in DATA_TAGS {
            let Some(oi) = entries.iter().position(|e| e.tag == off_tag) else {
                continue;
            };
            let offsets = r.values(&entries[oi])?;
            let lengths = match entries.iter().find(|e| e.tag == len_tag) {
                Some(e) => r.values(e)?,
                None => return Err(format!("tag {off_tag} has no byte counts ({len_tag})")),
            };
            if offsets.len() != lengths.len() {
                return Err(format!("tags {off_tag} and {len_tag} differ in length"));
            }
            let mut moved = Vec::with_capacity(offsets.len());
            for (&o, &l) in offsets.iter().zip(&lengths) {
                w.align();
                moved.push(w.out.len() as u32);
                w.out.extend_from_slice(r.slice(o as usize, l as usize)?);
            }
            let mut raw = Vec::with_capacity(4 * moved.len());
            for m in moved {
                raw.extend_from_slice(&if le { m.to_le_bytes() } else { m.to_be_bytes() });
            }
            let e = &mut entries[oi];
            e.typ = 4;
            e.raw = raw;
        }
        // Values too long to sit in their entry.
        let mut fields = Vec::with_capacity(entries.len());
        for e in &entries {
            if e.raw.len() <= 4 {
                let mut f = e.raw.clone();
                f.resize(4, 0);
                fields.push(f);
            } else {
                w.align();
                let at = w.out.len() as u32;
                w.out.extend_from_slice(&e.raw);
                fields.push(if le {
                    at.to_le_bytes().to_vec()
                } else {
                    at.to_be_bytes().to_vec()
                });
            }
        }
        w.align();
        let here = w.out.len() as u32;
        w.patch(link, here);
        w.u16(entries.len() as u16);
        for (e, f) in entries.iter().zip(fields) {
            w.u16(e.tag);
            w.u16(e.typ);
            w.u32(e.count);
            w.out.extend_from_slice(&f);
        }
        link = w.out.len();
        w.u32(0);
    }
    if w.out.len() > u32::MAX as usize {
        return Err("the pages are too large for a classic TIFF".into());
    }
    Ok(w.out)
}

struct Entry {
    tag: u16,
    typ: u16,
    count: u32,
    /// The value's bytes, in the file's byte order.
    raw: Vec<u8>,
}

fn type_size(typ: u16) -> Option<usize> {
    Some(match typ {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => return None,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    le: bool,
}

impl Reader<'_> {
    fn slice(&self, at: usize, len: usize) -> Result<&[u8], String> {
        at.checked_add(len)
            .and_then(|end| self.bytes.get(at..end))
            .ok_or_else(|| format!("truncated: {len} bytes at {at} are past the end of the file"))
    }
    fn u16(&self, at: usize) -> Result<u16, String> {
        let b: [u8; 2] = self.slice(at, 2)?.try_into().expect("2 bytes");
        Ok(if self.le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }
    fn u32(&self, at: usize) -> Result<u32, String> {
        let b: [u8; 4] = self.slice(at, 4)?.try_into().expect("4 bytes");
        Ok(if self.le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }
    /// An entry's SHORT or LONG values.
    fn values(&self, e: &Entry) -> Result<Vec<u32>, String> {
        let r = Reader {
            bytes: &e.raw,
            le: self.le,
        };
        match e.typ {
            3 => (0..e.count as usize)
                .map(|i| r.u16(2 * i).map(u32::from))
                .collect(),
            4 | 13 => (0..e.count as usize).map(|i| r.u32(4 * i)).collect(),
            t => Err(format!("tag {} has type {t}, not SHORT or LONG", e.tag)),
        }
    }
}

struct Writer {
    out: Vec<u8>,
    le: bool,
}

impl Writer {
    fn u16(&mut self, v: u16) {
        let b = if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn patch(&mut self, at: usize, v: u32) {
        let b = if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.out[at..at + 4].copy_from_slice(&b);
    }
    /// TIFF offsets are to even bytes.
    fn align(&mut self) {
        if self.out.len() % 2 == 1 {
            self.out.push(0);
        }
    }
}

#[cfg(test)]
mod tests;

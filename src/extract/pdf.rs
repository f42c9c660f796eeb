//! PDF pages: the text layer where a page has real text, otherwise the page
//! image (the embedded scan when the page is one image, else a 300 dpi
//! rendering) for OCR.

use std::io::Read;
use std::path::Path;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::{
    images, shielded, textlayer, tiff_pages, ExtractConfig, ExtractError, Format, Limits,
    PageContent, PageImage, PDF_RENDER_DPI,
};

const FORMAT: Format = Format::Pdf;

fn corrupt(detail: impl ToString) -> ExtractError {
    ExtractError::Corrupt {
        format: FORMAT,
        detail: detail.to_string(),
    }
}

pub(super) fn extract(
    path: &Path,
    config: &ExtractConfig,
    sink: &mut dyn FnMut(u32, PageContent) -> bool,
) -> Result<u32, ExtractError> {
    let bytes = std::fs::read(path).map_err(ExtractError::Unreadable)?;
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let doc = load(&bytes)?;
    let limits = &config.limits;
    check_stream_sizes(&doc, limits)?;
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(corrupt("the document has no pages"));
    }
    if pages.len() as u64 > limits.max_pages as u64 {
        return Err(ExtractError::TooLarge {
            format: FORMAT,
            detail: format!("{} pages", pages.len()),
            limit: format!("{} pages", limits.max_pages),
        });
    }
    let count = pages.len() as u32;
    for (&number, &page_id) in &pages {
        let content = page_content(path, &doc, number, page_id, limits)?;
        if !sink(number, content) {
            return Err(ExtractError::Stopped);
        }
    }
    Ok(count)
}

fn load(bytes: &[u8]) -> Result<Document, ExtractError> {
    let has_eof = bytes[bytes.len().saturating_sub(1024)..]
        .windows(5)
        .any(|w| w == b"%%EOF");
    let loaded = shielded(FORMAT, || Document::load_mem(bytes).map_err(corrupt));
    let mut doc = match loaded {
        Ok(d) => d,
        Err(ExtractError::Corrupt { detail, .. })
            if detail.to_ascii_lowercase().contains("decrypt")
                || detail.to_ascii_lowercase().contains("password") =>
        {
            return Err(ExtractError::Encrypted)
        }
        Err(ExtractError::Corrupt { detail, .. }) if !has_eof => {
            return Err(ExtractError::Truncated {
                format: FORMAT,
                detail: format!("no %%EOF marker at the end; {detail}"),
            })
        }
        Err(e) => return Err(e),
    };
    if doc.is_encrypted() {
        // Owner-password-only PDFs open with the empty user password.
        if doc.decrypt("").is_err() {
            return Err(ExtractError::Encrypted);
        }
    }
    if !has_eof && doc.get_pages().is_empty() {
        return Err(ExtractError::Truncated {
            format: FORMAT,
            detail: "no %%EOF marker and no readable pages".into(),
        });
    }
    Ok(doc)
}

/// Refuse decompression bombs: inflate each Flate stream into a counter,
/// stopping at the limit, before any parser allocates its decoded form.
fn check_stream_sizes(doc: &Document, limits: &Limits) -> Result<(), ExtractError> {
    let cap = limits.max_decoded_bytes;
    for (id, obj) in &doc.objects {
        let Object::Stream(s) = obj else { continue };
        let Ok(filters) = s.filters() else { continue };
        if filters.first().map(|f| *f == b"FlateDecode") != Some(true) {
            continue;
        }
        let mut dec = flate2::read::ZlibDecoder::new(&s.content[..]).take(cap + 1);
        let n = std::io::copy(&mut dec, &mut std::io::sink()).unwrap_or(0);
        if n > cap {
            return Err(ExtractError::TooLarge {
                format: FORMAT,
                detail: format!(
                    "stream {} {} inflates to more than {} MiB",
                    id.0,
                    id.1,
                    cap >> 20
                ),
                limit: format!("{} MiB per stream", cap >> 20),
            });
        }
    }
    Ok(())
}

fn page_content(
    path: &Path,
    doc: &Document,
    number: u32,
    page_id: ObjectId,
    limits: &Limits,
) -> Result<PageContent, ExtractError> {
    let (w_pt, h_pt) = page_size(doc, page_id);
    // A text layer that fails to parse is not fatal: the page is OCR'd instead.
    if let Ok(Some(mut layer)) = shielded(FORMAT, || Ok(textlayer::read(doc, number, w_pt, h_pt))) {
        if textlayer::trustworthy(&layer.text) {
            if layer.has_holes() {
                if let Ok(image) = render_page(path, number, limits) {
                    return Ok(PageContent::TextWithHoles(layer, image));
                }
                layer.drop_holes();
            }
            return Ok(PageContent::Text(layer));
        }
    }
    if let Some(img) = single_page_image(doc, page_id, w_pt, limits)? {
        return Ok(PageContent::Image(img));
    }
    render_page(path, number, limits).map(PageContent::Image)
}

fn page_size(doc: &Document, page_id: ObjectId) -> (f64, f64) {
    let mut dict = doc.get_dictionary(page_id).ok();
    while let Some(d) = dict {
        if let Ok(Object::Array(a)) = d
            .get(b"MediaBox")
            .and_then(|o| doc.dereference(o).map(|(_, o)| o))
        {
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
                return ((v[2] - v[0]).abs().max(1.0), (v[3] - v[1]).abs().max(1.0));
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

/// The image XObjects drawn by a page (directly, through its resources).
fn page_images(doc: &Document, page_id: ObjectId) -> Vec<ObjectId> {
    let mut out = Vec::new();
    let Ok((own, inherited)) = doc.get_page_resources(page_id) else {
        return out;
    };
    let mut dicts: Vec<&Dictionary> = own.into_iter().collect();
    dicts.extend(
        inherited
            .iter()
            .filter_map(|id| doc.get_dictionary(*id).ok()),
    );
    for res in dicts {
        let Ok(xobjects) = res
            .get(b"XObject")
            .and_then(|o| doc.dereference(o))
            .and_then(|(_, o)| o.as_dict())
        else {
            continue;
        };
        for (_, v) in xobjects.iter() {
            let Ok(id) = v.as_reference() else { continue };
            if let Ok(Object::Stream(s)) = doc.get_object(id) {
                if s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image")
                    && !out.contains(&id)
                {
                    out.push(id);
                }
            }
        }
    }
    out
}

fn dict_i64(doc: &Document, d: &Dictionary, key: &[u8]) -> Option<i64> {
    d.get(key)
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_i64().ok())
}

/// When a page is exactly one image, decode that image. `Ok(None)` means the
/// page needs rendering instead.
fn single_page_image(
    doc: &Document,
    page_id: ObjectId,
    w_pt: f64,
    limits: &Limits,
) -> Result<Option<PageImage>, ExtractError> {
    let ids = page_images(doc, page_id);
    let [id] = ids.as_slice() else {
        return Ok(None);
    };
    let Ok(Object::Stream(stream)) = doc.get_object(*id) else {
        return Ok(None);
    };
    let d = &stream.dict;
    if d.get(b"ImageMask")
        .and_then(Object::as_bool)
        .unwrap_or(false)
        || d.has(b"SMask")
    {
        return Ok(None);
    }
    let (Some(w), Some(h)) = (dict_i64(doc, d, b"Width"), dict_i64(doc, d, b"Height")) else {
        return Ok(None);
    };
    if w <= 0 || h <= 0 || w > u32::MAX as i64 || h > u32::MAX as i64 {
        return Err(corrupt(format!("image of size {w}×{h}")));
    }
    let (w, h) = (w as u32, h as u32);
    limits.check_dimensions(FORMAT, w, h)?;
    let dpi = Some(((w as f64) / (w_pt / 72.0)).round() as u32).filter(|d| *d > 0);
    let filters: Vec<Vec<u8>> = stream
        .filters()
        .map(|f| f.into_iter().map(|x| x.to_vec()).collect())
        .unwrap_or_default();
    let inverted = matches!(d.get(b"Decode"), Ok(Object::Array(a)) if a.first().and_then(|o| o.as_i64().ok().or_else(|| o.as_float().ok().map(|f| f as i64))) == Some(1));
    let mut page = match filters
        .iter()
        .map(|f| f.as_slice())
        .collect::<Vec<_>>()
        .as_slice()
    {
        [b"DCTDecode"] => images::decode_bytes(&stream.content, Format::Jpeg, limits)
            .map_err(|e| corrupt(format!("embedded JPEG: {e}")))?,
        [b"CCITTFaxDecode"] => match ccitt_to_tiff(doc, d, &stream.content, w, h) {
            Some(tiff) => tiff_pages::decode_single_in_memory(&tiff, limits)
                .map_err(|e| corrupt(format!("embedded CCITT image: {e}")))?,
            None => return Ok(None),
        },
        [] | [b"FlateDecode"] | [b"LZWDecode"] => match raw_samples(doc, stream, w, h, limits)? {
            Some(img) => PageImage {
                image: img,
                dpi: None,
            },
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    if inverted {
        image::imageops::invert(&mut page.image);
    }
    page.dpi = dpi;
    Ok(Some(page))
}

/// Wrap a PDF CCITT stream in a one-strip TIFF so the `tiff` crate decodes it.
/// Only Group 4 (K < 0) is supported by that crate; others are rendered.
fn ccitt_to_tiff(doc: &Document, d: &Dictionary, data: &[u8], w: u32, h: u32) -> Option<Vec<u8>> {
    let params = d
        .get(b"DecodeParms")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| match o {
            Object::Dictionary(p) => Some(p.clone()),
            Object::Array(a) => a.first().and_then(|x| x.as_dict().ok()).cloned(),
            _ => None,
        })
        .unwrap_or_default();
    let k = dict_i64(doc, &params, b"K").unwrap_or(0);
    if k >= 0 {
        return None;
    }
    let black_is_1 = params
        .get(b"BlackIs1")
        .and_then(Object::as_bool)
        .unwrap_or(false);
    let columns = dict_i64(doc, &params, b"Columns").unwrap_or(w as i64) as u32;
    let rows = dict_i64(doc, &params, b"Rows")
        .filter(|r| *r > 0)
        .unwrap_or(h as i64) as u32;
    // Little-endian TIFF, one IFD of 9 entries, then the strip.
    let entries: Vec<(u16, u16, u32)> = vec![
        (256, 4, columns),                        // ImageWidth
        (257, 4, rows),                           // ImageLength
        (258, 3, 1),                              // BitsPerSample
        (259, 3, 4),                              // Compression: CCITT T.6 (Group 4)
        (262, 3, if black_is_1 { 1 } else { 0 }), // Photometric
        (273, 4, 0),                              // StripOffsets (patched below)
        (277, 3, 1),                              // SamplesPerPixel
        (278, 4, rows),                           // RowsPerStrip
        (279, 4, data.len() as u32),              // StripByteCounts
    ];
    let ifd_len = 2 + entries.len() * 12 + 4;
    let strip_offset = (8 + ifd_len) as u32;
    let mut out = Vec::with_capacity(strip_offset as usize + data.len());
    out.extend_from_slice(b"II*\0");
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, typ, val) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        let v = if tag == 273 { strip_offset } else { val };
        if typ == 3 {
            out.extend_from_slice(&(v as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(data);
    Some(out)
}

/// Uncompressed or Flate/LZW image samples in DeviceGray/DeviceRGB/ICCBased.
fn raw_samples(
    doc: &Document,
    stream: &lopdf::Stream,
    w: u32,
    h: u32,
    limits: &Limits,
) -> Result<Option<image::GrayImage>, ExtractError> {
    let d = &stream.dict;
    let bpc = dict_i64(doc, d, b"BitsPerComponent").unwrap_or(8);
    let comps = match d
        .get(b"ColorSpace")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .map(|(_, o)| o)
    {
        Some(Object::Name(n)) if n == b"DeviceGray" || n == b"CalGray" => 1,
        Some(Object::Name(n)) if n == b"DeviceRGB" || n == b"CalRGB" => 3,
        Some(Object::Name(n)) if n == b"DeviceCMYK" => 4,
        Some(Object::Array(a)) if a.first().and_then(|o| o.as_name().ok()) == Some(b"ICCBased") => {
            let n = a
                .get(1)
                .and_then(|o| o.as_reference().ok())
                .and_then(|id| doc.get_object(id).ok())
                .and_then(|o| o.as_stream().ok())
                .and_then(|s| dict_i64(doc, &s.dict, b"N"));
            match n {
                Some(n @ (1 | 3 | 4)) => n,
                _ => return Ok(None),
            }
        }
        None if bpc == 1 => 1,
        _ => return Ok(None),
    } as usize;
    if !(bpc == 8 || (bpc == 1 && comps == 1)) {
        return Ok(None);
    }
    let data = if stream.filters().map(|f| f.is_empty()).unwrap_or(true) {
        stream.content.clone()
    } else {
        match stream.decompressed_content() {
            Ok(v) => v,
            Err(_) => return Ok(None),
        }
    };
    let (wu, hu) = (w as usize, h as usize);
    if (wu * hu * comps) as u64 > limits.max_decoded_bytes {
        return Err(ExtractError::TooLarge {
            format: FORMAT,
            detail: format!("image of {w}×{h}"),
            limit: format!("{} MiB", limits.max_decoded_bytes >> 20),
        });
    }
    let mut gray = Vec::with_capacity(wu * hu);
    if bpc == 1 {
        let row = wu.div_ceil(8);
        if data.len() < row * hu {
            return Err(corrupt("image data shorter than its size"));
        }
        for y in 0..hu {
            for x in 0..wu {
                let bit = (data[y * row + x / 8] >> (7 - (x % 8))) & 1;
                gray.push(if bit == 1 { 255 } else { 0 });
            }
        }
    } else {
        if data.len() < wu * hu * comps {
            return Err(corrupt("image data shorter than its size"));
        }
        for px in data.chunks_exact(comps).take(wu * hu) {
            gray.push(match comps {
                1 => px[0],
                3 => ((px[0] as u32 * 299 + px[1] as u32 * 587 + px[2] as u32 * 114) / 1000) as u8,
                _ => {
                    let k = px[3] as u32;
                    let (r, g, b) = (
                        (255 - px[0] as u32) * (255 - k) / 255,
                        (255 - px[1] as u32) * (255 - k) / 255,
                        (255 - px[2] as u32) * (255 - k) / 255,
                    );
                    ((r * 299 + g * 587 + b * 114) / 1000) as u8
                }
            });
        }
    }
    Ok(image::GrayImage::from_raw(w, h, gray))
}

/// Every page as an image, to look at it whole (is it blank, is it a
/// separator sheet): the page's one image, else a rendering at `dpi`.
pub(super) fn images(
    path: &Path,
    config: &ExtractConfig,
    dpi: u32,
    sink: &mut dyn FnMut(u32, PageImage) -> bool,
) -> Result<u32, ExtractError> {
    let bytes = std::fs::read(path).map_err(ExtractError::Unreadable)?;
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let doc = load(&bytes)?;
    check_stream_sizes(&doc, &config.limits)?;
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(corrupt("the document has no pages"));
    }
    if pages.len() as u64 > config.limits.max_pages as u64 {
        return Err(ExtractError::TooLarge {
            format: FORMAT,
            detail: format!("{} pages", pages.len()),
            limit: format!("{} pages", config.limits.max_pages),
        });
    }
    for (&number, &page_id) in &pages {
        let (w_pt, _) = page_size(&doc, page_id);
        let image = match single_page_image(&doc, page_id, w_pt, &config.limits) {
            Ok(Some(img)) => img,
            _ => render_page_at(path, number, dpi, &config.limits)?,
        };
        if !sink(number, image) {
            return Err(ExtractError::Stopped);
        }
    }
    Ok(pages.len() as u32)
}

/// A PDF of pages `first..=last` (1-based) of `bytes`: the other pages and
/// whatever only they used are dropped, the rest is written as it was.
/// The same input gives the same bytes.
pub(super) fn cut(bytes: &[u8], first: u32, last: u32) -> Result<Vec<u8>, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let mut doc = load(bytes)?;
    let count = doc.get_pages().len() as u32;
    if first == 0 || last < first || last > count {
        return Err(corrupt(format!(
            "pages {first}-{last} asked of a document of {count} pages"
        )));
    }
    let drop: Vec<u32> = (1..=count).filter(|n| *n < first || *n > last).collect();
    shielded(FORMAT, || {
        doc.delete_pages(&drop);
        doc.prune_objects();
        doc.renumber_objects();
        let mut out = Vec::new();
        doc.save_to(&mut out).map_err(corrupt)?;
        Ok(out)
    })
}

/// Render one page at 300 dpi with poppler's `pdftoppm`.
pub(super) fn render_page(
    path: &Path,
    number: u32,
    limits: &Limits,
) -> Result<PageImage, ExtractError> {
    render_page_at(path, number, PDF_RENDER_DPI, limits)
}

/// Render one page at `dpi` with poppler's `pdftoppm`.
fn render_page_at(
    path: &Path,
    number: u32,
    dpi: u32,
    limits: &Limits,
) -> Result<PageImage, ExtractError> {
    let dir = tempfile::tempdir().map_err(ExtractError::Unreadable)?;
    let prefix = dir.path().join("page");
    let n = number.to_string();
    let out = std::process::Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            &n,
            "-l",
            &n,
        ])
        .arg(path)
        .arg(&prefix)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| ExtractError::Render {
            page: number,
            detail: format!("pdftoppm could not run ({e}); install poppler-utils"),
        })?;
    if !out.status.success() {
        return Err(ExtractError::Render {
            page: number,
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    let png = prefix.with_extension("png");
    let bytes = std::fs::read(&png).map_err(|e| ExtractError::Render {
        page: number,
        detail: e.to_string(),
    })?;
    let mut page = images::decode_bytes(&bytes, Format::Png, limits)?;
    page.dpi = Some(dpi);
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    /// A one-page PDF; `media_box` false leaves the page without one, which
    /// makes pdf-extract panic.
    fn one_page_pdf(media_box: bool, content: Vec<u8>, extra: Option<Stream>) -> Document {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        });
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let mut page = dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
        };
        if media_box {
            page.set("MediaBox", vec![0.into(), 0.into(), 595.into(), 842.into()]);
        }
        let page_id = doc.add_object(page);
        doc.objects.insert(
            pages_id,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
            ),
        );
        if let Some(s) = extra {
            doc.add_object(s);
        }
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        doc
    }

    fn save(doc: &mut Document) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        doc.save(f.path()).unwrap();
        f
    }

    const TEXT: &[u8] =
        b"BT /F1 24 Tf 72 700 Td (Omran branch municipality licence register) Tj ET";

    #[test]
    fn text_layer_is_read_per_page() {
        let mut doc = one_page_pdf(true, TEXT.to_vec(), None);
        let f = save(&mut doc);
        let mut pages = vec![];
        let n = extract(f.path(), &ExtractConfig::default(), &mut |n, c| {
            pages.push((n, c));
            true
        })
        .unwrap();
        assert_eq!(n, 1);
        match &pages[0].1 {
            PageContent::Text(t) => {
                assert!(t.text.contains("Omran branch municipality"), "{:?}", t.text);
                assert_eq!(t.words.len(), 5);
                assert!(
                    t.words[0].bbox[0] > 250 && t.words[0].bbox[0] < 350,
                    "{:?}",
                    t.words[0]
                );
                assert_eq!((t.width, t.height), (2479, 3508));
            }
            other => panic!("expected a text page, got {other:?}"),
        }
    }

    #[test]
    fn mixed_pdfs_are_judged_page_by_page() {
        // page 1 typeset text, page 2 one full-page grey image (a scan)
        let mut doc = one_page_pdf(true, TEXT.to_vec(), None);
        let pages_id = doc
            .catalog()
            .unwrap()
            .get(b"Pages")
            .unwrap()
            .as_reference()
            .unwrap();
        let (w, h) = (620u32, 877u32);
        let pixels: Vec<u8> = (0..w * h)
            .map(|i| if (i / w) % 40 < 3 { 0 } else { 255 })
            .collect();
        let mut img = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            },
            pixels,
        );
        img.compress().unwrap();
        let img_id = doc.add_object(img);
        let content = doc.add_object(Stream::new(
            dictionary! {},
            b"q 595 0 0 842 0 0 cm /Im0 Do Q".to_vec(),
        ));
        let page2 = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => img_id } },
        });
        if let Ok(Object::Dictionary(pages)) = doc.get_object_mut(pages_id) {
            pages.set(
                "Kids",
                vec![
                    pages.get(b"Kids").unwrap().as_array().unwrap()[0].clone(),
                    page2.into(),
                ],
            );
            pages.set("Count", 2);
        }
        let f = save(&mut doc);
        let mut kinds = vec![];
        let n = extract(f.path(), &ExtractConfig::default(), &mut |_, c| {
            kinds.push(match c {
                PageContent::Text(_) => "text".to_string(),
                PageContent::Image(p) => format!(
                    "image {}x{} at {:?} dpi",
                    p.image.width(),
                    p.image.height(),
                    p.dpi
                ),
                PageContent::TextWithHoles(..) => "holes".to_string(),
            });
            true
        })
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            kinds,
            vec![
                "text".to_string(),
                "image 620x877 at Some(75) dpi".to_string()
            ]
        );
    }

    #[test]
    fn pdf_extract_panics_are_contained() {
        let doc = one_page_pdf(false, TEXT.to_vec(), None);
        let r = shielded(FORMAT, || Ok(textlayer::read(&doc, 1, 612.0, 792.0)));
        assert!(matches!(r, Err(ExtractError::ParserPanic { .. })), "{r:?}");
        // and the whole file still goes through (the page is rendered instead)
        let mut doc = one_page_pdf(false, TEXT.to_vec(), None);
        let f = save(&mut doc);
        let r = extract(f.path(), &ExtractConfig::default(), &mut |_, _| true);
        assert!(
            matches!(r, Ok(1) | Err(ExtractError::Render { .. })),
            "{r:?}"
        );
    }

    #[test]
    fn flate_bombs_are_refused() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![0u8; 4 << 20]).unwrap();
        let bomb = Stream::new(
            dictionary! { "Filter" => "FlateDecode" },
            z.finish().unwrap(),
        );
        let mut doc = one_page_pdf(true, TEXT.to_vec(), Some(bomb));
        let f = save(&mut doc);
        let cfg = ExtractConfig {
            limits: Limits {
                max_decoded_bytes: 1 << 20,
                ..Limits::default()
            },
        };
        let r = extract(f.path(), &cfg, &mut |_, _| true);
        assert!(matches!(r, Err(ExtractError::TooLarge { .. })), "{r:?}");
        // the default limit lets the same file through
        assert!(extract(f.path(), &ExtractConfig::default(), &mut |_, _| true).is_ok());
    }
}

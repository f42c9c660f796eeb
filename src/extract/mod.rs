//! Turning an original file into pages: decoded page images for OCR, or text
//! taken from a PDF's text layer.
//!
//! Formats are recognised by their bytes, never by file name. Every decoder
//! runs under explicit [`Limits`], so a decompression bomb is refused before
//! it can exhaust memory, and PDF parsing is shielded from panics.

mod images;
mod pdf;
mod textlayer;
mod tiff_pages;

use std::io::Read;
use std::path::Path;

use image::GrayImage;

use crate::types::Word;

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("empty file (0 bytes)")]
    Empty,
    #[error("not a supported document: {0} (supported: PDF, PNG, JPEG, TIFF)")]
    Unsupported(String),
    #[error("truncated {format}: {detail}")]
    Truncated { format: Format, detail: String },
    #[error("corrupt {format}: {detail}")]
    Corrupt { format: Format, detail: String },
    #[error("encrypted PDF: it needs a password to open; remove the password and import it again")]
    Encrypted,
    #[error("refused {format}: {detail} (limit: {limit})")]
    TooLarge {
        format: Format,
        detail: String,
        limit: String,
    },
    #[error("{format} uses a feature arshif cannot decode: {detail}")]
    UnsupportedFeature { format: Format, detail: String },
    #[error("unreadable: {0}")]
    Unreadable(#[source] std::io::Error),
    #[error("the {format} parser crashed on this file: {detail}")]
    ParserPanic { format: Format, detail: String },
    #[error("page {page} could not be rendered: {detail}")]
    Render { page: u32, detail: String },
    /// The consumer of pages asked to stop (e.g. the pipeline is shutting down).
    #[error("stopped")]
    Stopped,
}

/// File formats arshif imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Png,
    Jpeg,
    Tiff,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Tiff => "image/tiff",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Pdf => "PDF",
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Tiff => "TIFF",
        })
    }
}

/// Explicit resource limits for decoding untrusted files.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest page image accepted, in pixels (width × height).
    pub max_pixels: u64,
    /// Largest width or height accepted, in pixels.
    pub max_dimension: u32,
    /// Most pages accepted in one file.
    pub max_pages: u32,
    /// Largest decoded size of any one stream or image, in bytes.
    pub max_decoded_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // A0 at 300 dpi is 140 megapixels; nothing a clerk scans is larger.
            max_pixels: 150_000_000,
            max_dimension: 40_000,
            max_pages: 10_000,
            max_decoded_bytes: 512 << 20,
        }
    }
}

impl Limits {
    pub(crate) fn check_dimensions(
        &self,
        format: Format,
        w: u32,
        h: u32,
    ) -> Result<(), ExtractError> {
        if w == 0 || h == 0 {
            return Err(ExtractError::Corrupt {
                format,
                detail: format!("image has size {w}×{h}"),
            });
        }
        if w > self.max_dimension
            || h > self.max_dimension
            || (w as u64) * (h as u64) > self.max_pixels
        {
            return Err(ExtractError::TooLarge {
                format,
                detail: format!("page image of {w}×{h} pixels"),
                limit: format!(
                    "{} megapixels, {} pixels a side",
                    self.max_pixels / 1_000_000,
                    self.max_dimension
                ),
            });
        }
        Ok(())
    }
}

/// A scanned page, decoded to 8-bit grey.
#[derive(Debug, Clone)]
pub struct PageImage {
    pub image: GrayImage,
    /// Resolution recorded in the file, if any (dots per inch).
    pub dpi: Option<u32>,
}

/// A page whose text came from a PDF text layer.
#[derive(Debug, Clone)]
pub struct TextLayerPage {
    pub text: String,
    /// Words with boxes in pixels of the page rendered at [`PDF_RENDER_DPI`].
    pub words: Vec<Word>,
    pub width: u32,
    pub height: u32,
}

impl TextLayerPage {
    /// Whether some glyphs could not be decoded to text (marked U+FFFD).
    pub fn has_holes(&self) -> bool {
        self.text.contains('\u{FFFD}')
    }

    /// Fill the holes from OCR words of the same page rendered at
    /// [`PDF_RENDER_DPI`]: each word with a hole is replaced by the OCR words
    /// covering its box; holes with nothing to fill them are dropped.
    pub fn patch_holes(&mut self, ocr_words: &[Word]) {
        textlayer::patch_holes(self, ocr_words)
    }

    /// Drop hole markers without filling them.
    pub fn drop_holes(&mut self) {
        self.text = self.text.replace('\u{FFFD}', "");
        for w in &mut self.words {
            w.text = w.text.replace('\u{FFFD}', "");
        }
    }
}

/// Resolution at which PDF pages are rendered and text-layer boxes expressed.
pub const PDF_RENDER_DPI: u32 = 300;

/// One page, as extraction produced it.
#[derive(Debug, Clone)]
pub enum PageContent {
    /// Needs OCR.
    Image(PageImage),
    /// Has a usable text layer.
    Text(TextLayerPage),
    /// Has a usable text layer with a few glyphs that could not be decoded,
    /// and the page rendered so that OCR can fill them.
    TextWithHoles(TextLayerPage, PageImage),
}

/// One page of an original as an image, for viewing: image files as they
/// are, PDF pages rendered at [`PDF_RENDER_DPI`].
pub fn page_image(
    path: &Path,
    format: Format,
    number: u32,
    config: &ExtractConfig,
) -> Result<PageImage, ExtractError> {
    let missing = || ExtractError::Render {
        page: number,
        detail: "the file has no such page".to_string(),
    };
    match format {
        Format::Png | Format::Jpeg if number == 1 => images::decode(path, format, &config.limits),
        Format::Png | Format::Jpeg => Err(missing()),
        Format::Tiff => {
            let mut found = None;
            let r = tiff_pages::decode_all(path, &config.limits, &mut |n, p| {
                if n == number {
                    found = Some(p);
                    return false;
                }
                true
            });
            match (found, r) {
                (Some(p), _) => Ok(p),
                (None, Err(e)) => Err(e),
                (None, Ok(_)) => Err(missing()),
            }
        }
        Format::Pdf => pdf::render_page(path, number, &config.limits),
    }
}

/// Recognise a format from the first bytes of a file.
pub fn sniff(head: &[u8]) -> Result<Format, ExtractError> {
    if head.is_empty() {
        return Err(ExtractError::Empty);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Format::Png);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
        || head.starts_with(b"II+\0")
        || head.starts_with(b"MM\0+")
    {
        return Ok(Format::Tiff);
    }
    // PDF readers accept the header anywhere in the first 1024 bytes.
    if head.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Ok(Format::Pdf);
    }
    let what = if head.starts_with(b"PK\x03\x04") {
        "a ZIP archive or office document".to_string()
    } else if head.starts_with(b"GIF8") {
        "a GIF image".to_string()
    } else if head.starts_with(b"BM") {
        "a BMP image".to_string()
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        "an HEIC/MP4 file".to_string()
    } else if std::str::from_utf8(head).is_ok() {
        "a text file".to_string()
    } else {
        "unrecognised binary data".to_string()
    };
    Err(ExtractError::Unsupported(what))
}

/// Read the first bytes of a file for [`sniff`].
pub fn read_head(path: &Path) -> Result<Vec<u8>, ExtractError> {
    let mut f = std::fs::File::open(path).map_err(ExtractError::Unreadable)?;
    let mut head = vec![0u8; 1024];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ExtractError::Unreadable(e)),
        }
    }
    head.truncate(n);
    Ok(head)
}

/// How PDF pages are judged and rendered.
#[derive(Debug, Clone, Default)]
pub struct ExtractConfig {
    pub limits: Limits,
}

/// Decode every page of `path` (already sniffed as `format`), handing each to
/// `sink` as soon as it is ready so that only one page is held at a time.
/// `sink` returns `false` to stop early. Returns the number of pages.
pub fn extract_pages(
    path: &Path,
    format: Format,
    config: &ExtractConfig,
    sink: &mut dyn FnMut(u32, PageContent) -> bool,
) -> Result<u32, ExtractError> {
    match format {
        Format::Png | Format::Jpeg => {
            let page = images::decode(path, format, &config.limits)?;
            if !sink(1, PageContent::Image(page)) {
                return Err(ExtractError::Stopped);
            }
            Ok(1)
        }
        Format::Tiff => tiff_pages::decode_all(path, &config.limits, &mut |n, p| {
            sink(n, PageContent::Image(p))
        }),
        Format::Pdf => pdf::extract(path, config, sink),
    }
}

/// Every page of a PDF or TIFF as an image, to look at each page whole
/// (splitting a batch scan): TIFF pages decoded, a PDF page's one image,
/// else the page rendered at `dpi`. PNG and JPEG files are their one page.
pub fn page_images(
    path: &Path,
    format: Format,
    config: &ExtractConfig,
    dpi: u32,
    sink: &mut dyn FnMut(u32, PageImage) -> bool,
) -> Result<u32, ExtractError> {
    match format {
        Format::Png | Format::Jpeg => {
            let page = images::decode(path, format, &config.limits)?;
            if !sink(1, page) {
                return Err(ExtractError::Stopped);
            }
            Ok(1)
        }
        Format::Tiff => tiff_pages::decode_all(path, &config.limits, sink),
        Format::Pdf => pdf::images(path, config, dpi, sink),
    }
}

/// A PDF of pages `first..=last` (1-based) of the PDF `bytes`, the same
/// bytes for the same input (lopdf writes objects in order).
pub fn pdf_pages(bytes: &[u8], first: u32, last: u32) -> Result<Vec<u8>, ExtractError> {
    pdf::cut(bytes, first, last)
}

thread_local! {
    static SHIELDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Panics inside [`shielded`] are expected (third-party parsers on hostile
/// input) and reported as errors; keep them off stderr.
fn install_quiet_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if SHIELDED.with(|s| s.get()) {
                tracing::debug!("contained parser panic: {info}");
            } else {
                default(info);
            }
        }));
    });
}

/// Run `f`, turning a panic into a [`ExtractError::ParserPanic`].
pub(crate) fn shielded<T>(
    format: Format,
    f: impl FnOnce() -> Result<T, ExtractError>,
) -> Result<T, ExtractError> {
    install_quiet_panic_hook();
    let was = SHIELDED.with(|s| s.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    SHIELDED.with(|s| s.set(was));
    match result {
        Ok(r) => r,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            Err(ExtractError::ParserPanic { format, detail })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_by_content() {
        let cases: &[(&[u8], Result<Format, &str>)] = &[
            (b"\x89PNG\r\n\x1a\nxxxx", Ok(Format::Png)),
            (&[0xFF, 0xD8, 0xFF, 0xE0], Ok(Format::Jpeg)),
            (b"II*\0\x08\0\0\0", Ok(Format::Tiff)),
            (b"MM\0*\0\0\0\x08", Ok(Format::Tiff)),
            (b"%PDF-1.7\n", Ok(Format::Pdf)),
            (b"\xEF\xBB\xBF  %PDF-1.4", Ok(Format::Pdf)),
            (b"", Err("empty")),
            (b"PK\x03\x04rest", Err("ZIP")),
            (b"hello, world", Err("text file")),
            (b"GIF89a", Err("GIF")),
        ];
        for (bytes, expected) in cases {
            match (sniff(bytes), expected) {
                (Ok(f), Ok(e)) => assert_eq!(f, *e),
                (Err(err), Err(want)) => {
                    assert!(err.to_string().contains(want), "{err} lacks {want}")
                }
                (got, want) => panic!("{bytes:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn limits_refuse_bombs_and_empty_images() {
        let l = Limits::default();
        assert!(l.check_dimensions(Format::Png, 2480, 3508).is_ok());
        assert!(matches!(
            l.check_dimensions(Format::Png, 100_000, 100_000),
            Err(ExtractError::TooLarge { .. })
        ));
        assert!(matches!(
            l.check_dimensions(Format::Png, 0, 10),
            Err(ExtractError::Corrupt { .. })
        ));
    }
}

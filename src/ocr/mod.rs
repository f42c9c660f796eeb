//! Optical character recognition with Tesseract (system libtesseract through
//! `tesseract-rs`).
//!
//! An [`OcrEngine`] is created once per worker thread and reused for every
//! page that thread reads: initialising the models costs tens of
//! milliseconds, recognising a page about a second.
//!
//! Tesseract uses OpenMP internally. With several engines running in parallel
//! that oversubscribes the cores and makes each page about 8× slower, so the
//! process must run with `OMP_THREAD_LIMIT=1` in its environment *before* the
//! library loads; `main` re-executes itself to guarantee that.

use std::path::PathBuf;

use tesseract_rs::{TessPageIteratorLevel, TessPageSegMode, TesseractAPI};

use crate::extract::PageImage;
use crate::types::Word;

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("cannot start Tesseract with languages {languages:?} from {datapath}: {detail}. Install the tesseract-ocr-ara and tesseract-ocr-eng packages or set TESSDATA_PREFIX")]
    Init {
        languages: String,
        datapath: PathBuf,
        detail: String,
    },
    #[error("Tesseract failed on a {width}×{height} page: {detail}")]
    Recognize {
        width: u32,
        height: u32,
        detail: String,
    },
}

/// Which models to load and how to segment pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OcrConfig {
    /// Directory holding the `*.traineddata` files.
    pub datapath: PathBuf,
    /// Tesseract language string, e.g. `ara+eng`.
    pub languages: String,
}

/// Where Debian installs Tesseract 5's models.
pub const DEBIAN_TESSDATA: &str = "/usr/share/tesseract-ocr/5/tessdata";

impl Default for OcrConfig {
    fn default() -> Self {
        let datapath = std::env::var_os("TESSDATA_PREFIX")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEBIAN_TESSDATA));
        OcrConfig {
            datapath,
            languages: "ara+eng".to_string(),
        }
    }
}

/// What Tesseract read on one page.
#[derive(Debug, Clone)]
pub struct OcrPage {
    /// Text in logical reading order, lines separated by `\n`.
    pub text: String,
    pub words: Vec<Word>,
    /// Mean word confidence, 0.0 ..= 1.0.
    pub confidence: f32,
    pub languages: String,
}

/// One initialised Tesseract engine. Not shared between threads.
pub struct OcrEngine {
    api: TesseractAPI,
    config: OcrConfig,
}

/// Resolution assumed when a file records none (or an implausible one).
const DEFAULT_DPI: u32 = 300;

impl OcrEngine {
    pub fn new(config: &OcrConfig) -> Result<Self, OcrError> {
        let api = TesseractAPI::new();
        let init_err = |detail: String| OcrError::Init {
            languages: config.languages.clone(),
            datapath: config.datapath.clone(),
            detail,
        };
        for lang in config.languages.split('+') {
            let f = config.datapath.join(format!("{lang}.traineddata"));
            if !f.is_file() {
                return Err(init_err(format!("{} is missing", f.display())));
            }
        }
        api.init(&config.datapath, &config.languages)
            .map_err(|e| init_err(e.to_string()))?;
        api.set_page_seg_mode(TessPageSegMode::PSM_AUTO)
            .map_err(|e| init_err(e.to_string()))?;
        // Keep inter-word spaces as printed; Arabic words are not joined.
        let _ = api.set_variable("preserve_interword_spaces", "1");
        Ok(OcrEngine {
            api,
            config: config.clone(),
        })
    }

    pub fn config(&self) -> &OcrConfig {
        &self.config
    }

    /// Recognise one page image.
    pub fn recognize(&mut self, page: &PageImage) -> Result<OcrPage, OcrError> {
        let (w, h) = page.image.dimensions();
        let fail = |detail: String| OcrError::Recognize {
            width: w,
            height: h,
            detail,
        };
        self.api
            .set_image(page.image.as_raw(), w as i32, h as i32, 1, w as i32)
            .map_err(|e| fail(e.to_string()))?;
        let dpi = page
            .dpi
            .filter(|d| (70..=2400).contains(d))
            .unwrap_or(DEFAULT_DPI);
        let _ = self.api.set_source_resolution(dpi as i32);
        self.api.recognize().map_err(|e| fail(e.to_string()))?;
        let text = self.api.get_utf8_text().map_err(|e| fail(e.to_string()))?;
        let words = self.words(w, h);
        let confidence = if words.is_empty() {
            0.0
        } else {
            words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32
        };
        let _ = self.api.clear();
        Ok(OcrPage {
            text: tidy(&text),
            words,
            confidence,
            languages: self.config.languages.clone(),
        })
    }

    fn words(&self, w: u32, h: u32) -> Vec<Word> {
        let mut out = Vec::new();
        let Ok(it) = self.api.get_iterator() else {
            return out;
        };
        loop {
            if let Ok(text) = it.get_utf8_text(TessPageIteratorLevel::RIL_WORD) {
                let text = text.trim();
                if !text.is_empty() {
                    if let Ok((l, t, r, b)) = it.get_bounding_box(TessPageIteratorLevel::RIL_WORD) {
                        let conf = it
                            .confidence(TessPageIteratorLevel::RIL_WORD)
                            .unwrap_or(0.0);
                        let l = l.clamp(0, w as i32) as u32;
                        let t = t.clamp(0, h as i32) as u32;
                        let r = r.clamp(0, w as i32) as u32;
                        let b = b.clamp(0, h as i32) as u32;
                        out.push(Word {
                            text: text.to_string(),
                            bbox: [l, t, r.saturating_sub(l), b.saturating_sub(t)],
                            confidence: (conf / 100.0).clamp(0.0, 1.0),
                        });
                    }
                }
            }
            match it.next(TessPageIteratorLevel::RIL_WORD) {
                Ok(true) => {}
                _ => break,
            }
        }
        out
    }
}

/// Trim trailing spaces on each line and collapse runs of blank lines.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_trims_and_collapses() {
        assert_eq!(tidy("a  \n\n\n b\n\n"), "a\n\n b");
        assert_eq!(tidy("\n\nx"), "x");
    }
}

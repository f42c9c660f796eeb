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

pub mod digits;
mod number_pass;
pub mod numbers;
mod pix;
pub mod prep;
mod script_pass;
pub mod timing;

pub use timing::{ReadingKind, ReadingTimes};

use std::path::PathBuf;

use image::GrayImage;

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
    /// Which Tesseract languages read a page.
    pub languages: LanguagePlan,
}

/// How the OCR language is chosen for each page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LanguagePlan {
    /// Read with `ara`; if the page reads poorly (an English page does, with
    /// the Arabic model) read it with `eng` too, and with `ara+eng` if both
    /// are poor (a mixed page), keeping the most confident reading. On Arabic
    /// pages `ara` alone is faster and more accurate than `ara+eng`.
    Auto,
    /// Always this Tesseract language string, e.g. `ara+eng`.
    Fixed(String),
}

impl std::str::FromStr for LanguagePlan {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "auto" {
            return Ok(LanguagePlan::Auto);
        }
        let ok = !s.is_empty()
            && s.split('+')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        if ok {
            Ok(LanguagePlan::Fixed(s.to_string()))
        } else {
            Err(format!(
                "{s:?} is not `auto` or a Tesseract language list such as ara+eng"
            ))
        }
    }
}

impl std::fmt::Display for LanguagePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LanguagePlan::Auto => f.write_str("auto"),
            LanguagePlan::Fixed(s) => f.write_str(s),
        }
    }
}

/// Below this mean word confidence, `auto` tries the other models. The
/// Arabic model reads an English page at about 0.40; it reads Arabic pages,
/// cleaned up, at 0.7–0.9.
const AUTO_RETRY_BELOW: f32 = 0.60;
/// Another model's reading replaces the first only when it is this much
/// more confident (a noisy Arabic page must not become Latin garbage).
const AUTO_MARGIN: f32 = 0.10;

/// Where Debian installs Tesseract 5's models.
pub const DEBIAN_TESSDATA: &str = "/usr/share/tesseract-ocr/5/tessdata";

impl Default for OcrConfig {
    fn default() -> Self {
        let datapath = std::env::var_os("TESSDATA_PREFIX")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEBIAN_TESSDATA));
        OcrConfig {
            datapath,
            languages: LanguagePlan::Auto,
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
    /// Degrees the page was turned clockwise to read it upright (0, 90,
    /// 180, 270). Word boxes refer to the page turned so.
    pub rotation: u16,
    /// Degrees the turned page was levelled by (see `PageRecord::skew`).
    pub skew: f32,
    /// Size of the upright page the word boxes refer to.
    pub width: u32,
    pub height: u32,
    /// Text lines with their boxes, as read.
    pub lines: Vec<(String, [u32; 4])>,
    /// Numbers read by arshif's own number reader ([`digits`]), boxes in
    /// the same frame as the word boxes.
    pub numbers: Vec<digits::NumberReading>,
}

/// Tesseract engines for one worker thread, one per language string used,
/// each initialised on first use and then reused. Not shared between threads.
pub struct OcrEngine {
    config: OcrConfig,
    models: Vec<(String, TesseractAPI)>,
    /// Orientation and script detection (`osd` model); `None` once it failed
    /// to load, so it is not tried again.
    osd: Option<Option<TesseractAPI>>,
    /// Time spent inside Tesseract's recognition calls (recognition and
    /// orientation detection), by what each was for.
    busy: ReadingTimes,
    /// What the recognition calls being made are for: `whole` when a
    /// whole page is read again for one reason (every call of it is
    /// charged to that), else `kind`.
    kind: ReadingKind,
    whole: Option<ReadingKind>,
    /// What the line passes read from each crop of the page being read
    /// (by its box and model): the second reading of an unsure page asks
    /// again for most of the same crops. Emptied for each new page image.
    crop_reads: CropReads,
}

/// Words read from a crop of one page image, in page coordinates, by the
/// crop's box `[x0, y0, x1, y1]` and the model (`None`: nothing confident).
type CropReads = std::collections::HashMap<([u32; 4], String), Option<Vec<Word>>>;

/// What orientation and script detection said about a page.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Osd {
    /// Degrees to turn the page clockwise to make it upright.
    turn_cw: u16,
    latin: bool,
}

/// How a page is read: as one block of text (PSM 6). Tesseract's page
/// layout analysis (PSM 3) read worse on these forms: on the 60 first
/// scans of `make eval`, 16 read below `LAYOUT_CHECK_BELOW` with it and
/// the block reading was the better one on 11 of them; read as a block
/// first, 10 were that unsure, and `make ocr-eval`'s clean-page CER went
/// 0.009 → 0.005 (rotated 0.009 → 0.005, the other classes within 0.001),
/// with every `make eval` class as it was.
const MAIN_PSM: TessPageSegMode = TessPageSegMode::PSM_SINGLE_BLOCK;
/// Below this confidence (after the dropped lines and the other script's
/// lines are read again) a page's unsure lines are read again, each on
/// its own (`OcrEngine::reread_unsure_lines`). Without a second look (the
/// block reading alone), `make eval` lost an ocr-misread query (a name in
/// a noisy letter read split in two) and noisy-page CER went 0.007 → 0.009.
/// That second look was the whole page read again with layout analysis
/// (PSM 3): 0.20 of a reading per page, 16 of `make eval`'s 120 scans, the
/// better reading on 4. The lines of those pages read differently in the
/// two readings, in the same boxes: a line read alone is sized by its own
/// text. Read one by one, 42 lines on the 120 scans (a line costs about a
/// tenth of a page), `make eval` read 4522 printed words exactly instead
/// of 4516, the name included, with every class and CER as good.
const LAYOUT_CHECK_BELOW: f32 = 0.85;
/// On such a page, lines below this confidence are read again alone…
const LINE_CHECK_BELOW: f32 = 0.80;
/// …and a line's own reading is kept when it is this much surer (and not
/// by reading fewer letters).
const LINE_CHECK_MARGIN: f32 = 0.03;
/// Tesseract's page layout analysis, for [`OcrEngine::recognize_with_layout`].
const LAYOUT_PSM: TessPageSegMode = TessPageSegMode::PSM_AUTO;

/// Below this confidence a median-filtered page is also read unfiltered.
const SMOOTHING_CHECK_BELOW: f32 = 0.80;

/// A line read again by [`OcrEngine::recover_dropped_lines`] keeps its words
/// from this confidence (below it, a raw line's words are mostly wrong: a
/// word read backwards came at 0.13), and is kept itself when their mean
/// reaches `RECOVERED_LINE_MIN`.
const RECOVERED_WORD_MIN: f32 = 0.3;
const RECOVERED_LINE_MIN: f32 = 0.6;
/// Dark pixels a recovered word's box must hold to count as read from ink.
const MIN_WORD_INK: u32 = 8;

/// Largest skew corrected, in degrees.
const MAX_SKEW: f32 = 5.0;
/// Skew below this is left alone.
const MIN_SKEW: f32 = 0.3;

/// Version of arshif's reading procedure (clean-up, turning, levelling,
/// language choice, number re-reading, other-script re-reading). Bump it when a change would read a
/// page differently, so cached readings are not reused.
pub const READING_VERSION: u32 = 12;

impl OcrConfig {
    /// What a cached reading depends on: the reading procedure, the
    /// language plan and the models (name, size and modification time of
    /// every traineddata file). Equal keys read a page the same way.
    pub fn settings_key(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(format!("v{READING_VERSION};{};", self.languages));
        if let Ok(dir) = std::fs::read_dir(&self.datapath) {
            let mut models: Vec<String> = dir
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".traineddata"))
                .map(|e| {
                    let meta = e.metadata().ok();
                    let size = meta.as_ref().map(|m| m.len()).unwrap_or(0);
                    let mtime = meta
                        .and_then(|m| m.modified().ok())
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    format!("{}:{size}:{mtime};", e.file_name().to_string_lossy())
                })
                .collect();
            models.sort();
            models.iter().for_each(|m| h.update(m.as_bytes()));
        }
        let digest = h.finalize();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Orientation detection runs on pages reduced towards this resolution.
const OSD_MIN_DPI: u32 = 150;
/// Letters OSD classifies before it may answer (Tesseract's default: 50;
/// it gives up below half of this, and stops at five times it). At 20,
/// 50 of `make eval`'s scans and 80 of `make ocr-eval`'s pages, each
/// turned four ways, all got the right turn as at 30 (and the scans the
/// right script), for 12% less time
/// (`cargo run --release --example osd_probe`).
const OSD_MIN_CHARACTERS: &str = "20";

/// Rows' and columns' ink profiles must differ this many times over for
/// [`prep::line_axis`] to say which way a page's lines run (seen: at least
/// 2.2 one way, at most 0.47 the other).
const LINE_AXIS_CLEAR: f32 = 1.4;
/// OSD on a page whose lines run across is shown the inkiest
/// 1/`OSD_BAND_SHARE` of it, and classifies at least this many letters.
const OSD_BAND_SHARE: u32 = 3;
const OSD_BAND_MIN_CHARACTERS: &str = "5";

/// Resolution assumed when a file records none (or an implausible one).
const DEFAULT_DPI: u32 = 300;

impl OcrEngine {
    /// Check the configuration and load the first model.
    pub fn new(config: &OcrConfig) -> Result<Self, OcrError> {
        let mut e = OcrEngine {
            config: config.clone(),
            models: Vec::new(),
            osd: None,
            busy: ReadingTimes::default(),
            kind: ReadingKind::Main,
            whole: None,
            crop_reads: CropReads::new(),
        };
        let first = match &config.languages {
            LanguagePlan::Auto => "ara".to_string(),
            LanguagePlan::Fixed(l) => l.clone(),
        };
        e.model(&first)?;
        Ok(e)
    }

    pub fn config(&self) -> &OcrConfig {
        &self.config
    }

    /// Total time this engine has spent inside Tesseract's recognition
    /// calls (the part of reading a page that is Tesseract's own work).
    pub fn tesseract_time(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.busy.total())
    }

    /// That time by what each call was for.
    pub fn reading_times(&self) -> ReadingTimes {
        self.busy
    }

    /// Charge the recognition calls `f` makes to `kind` (unless a whole
    /// page is being read again: see [`Self::again`]).
    fn as_kind<T>(&mut self, kind: ReadingKind, f: impl FnOnce(&mut Self) -> T) -> T {
        let before = std::mem::replace(&mut self.kind, kind);
        let r = f(self);
        self.kind = before;
        r
    }

    /// Read a whole page again for one reason: every recognition call `f`
    /// makes is charged to `kind`.
    fn again<T>(&mut self, kind: ReadingKind, f: impl FnOnce(&mut Self) -> T) -> T {
        let before = self.whole.replace(kind);
        let r = f(self);
        self.whole = before;
        r
    }

    fn charge(&mut self, took: std::time::Duration) {
        let kind = self.whole.unwrap_or(self.kind);
        self.busy.add(kind, took);
    }

    fn model(&mut self, languages: &str) -> Result<&TesseractAPI, OcrError> {
        if let Some(i) = self.models.iter().position(|(l, _)| l == languages) {
            return Ok(&self.models[i].1);
        }
        let datapath = &self.config.datapath;
        let init_err = |detail: String| OcrError::Init {
            languages: languages.to_string(),
            datapath: datapath.clone(),
            detail,
        };
        for lang in languages.split('+') {
            let f = datapath.join(format!("{lang}.traineddata"));
            if !f.is_file() {
                return Err(init_err(format!("{} is missing", f.display())));
            }
        }
        let api = TesseractAPI::new();
        api.init(datapath, languages)
            .map_err(|e| init_err(e.to_string()))?;
        quiet(&api);
        api.set_page_seg_mode(TessPageSegMode::PSM_AUTO)
            .map_err(|e| init_err(e.to_string()))?;
        // Note: `preserve_interword_spaces=1` must stay off: with Arabic it
        // glues the last two words of every line together.
        self.models.push((languages.to_string(), api));
        Ok(&self.models.last().expect("just pushed").1)
    }

    /// Recognise one page image: clean it up, turn it upright, level it,
    /// then read it with the language the plan chooses. Word boxes refer to
    /// the page as given, turned by [`OcrPage::rotation`].
    pub fn recognize(&mut self, page: &PageImage) -> Result<OcrPage, OcrError> {
        self.recognize_page(page, None)
    }

    /// Recognise one page turned `turn_cw` degrees clockwise (0, 90, 180
    /// or 270), as a clerk who saw it sideways says: no turn is guessed.
    pub fn recognize_turned(
        &mut self,
        page: &PageImage,
        turn_cw: u16,
    ) -> Result<OcrPage, OcrError> {
        self.recognize_page(page, Some(turn_cw % 360))
    }

    fn recognize_page(
        &mut self,
        page: &PageImage,
        fixed: Option<u16>,
    ) -> Result<OcrPage, OcrError> {
        let prep::Cleaned {
            image: img,
            unbinarised,
            info: prepared,
        } = prep::prepare(&page.image, page.dpi);
        let dpi = prepared
            .dpi
            .map(|d| (d as f32 * prepared.scale).round() as u32);
        let osd = match fixed {
            None => self.orient(&img, dpi),
            // Orientation detection names the script of the page turned
            // as the clerk says (its own turn is not taken).
            Some(t) => {
                let turned = prep::turned(&img, t);
                self.orient(&turned, dpi).map(|o| Osd { turn_cw: t, ..o })
            }
        };
        let latin_hint = osd.is_some_and(|o| o.latin);
        // OSD's orientation confidence is low on Arabic pages (2–27), but
        // when it names a turn it has been right: 8 of 8 turned pages of the
        // evaluation set, and no turn named for any of 100 upright scans
        // (clean, noisy, blurred, JPEG, 150 dpi). Reading confidence cannot
        // check it: Tesseract reads sideways Arabic lines quite confidently.
        let mut turn = fixed.unwrap_or_else(|| osd.map(|o| o.turn_cw).unwrap_or(0));
        // On a grainy page the number reader reads the page filtered but
        // not binarised (see `prep::Cleaned::unbinarised`): `make ocr-eval`
        // noisy numbers 81/84 -> 84/84 with the chip rule of `digits`; the
        // unfiltered page is worse (60/84: speckle read as digits).
        let numbers_from = unbinarised.as_ref();
        let (mut result, mut skew) =
            self.read_upright(&img, dpi, turn, latin_hint, numbers_from)?;
        if result.confidence < 0.5 && osd.is_none() && fixed.is_none() {
            // Unreadable as it is and OSD had no answer: try every turn.
            // (When OSD answers it has been right: every upright page of
            // both evaluation corpora, and each of them turned, so a poor
            // reading of a page OSD found upright is a poor page, and
            // reading it turned three ways would only cost time.)
            let found = self.again(ReadingKind::Orientation, |e| e.find_turn(&img, dpi))?;
            if let Some(t) = found {
                let (r, s) = self.again(ReadingKind::Orientation, |e| {
                    e.read_upright(&img, dpi, t, latin_hint, numbers_from)
                })?;
                if r.confidence > result.confidence {
                    (result, skew, turn) = (r, s, t);
                }
            }
        }
        if prepared.smoothed && result.confidence < SMOOTHING_CHECK_BELOW {
            // The median filter usually helps, but on some thin-stroked fonts
            // it breaks lines apart: read the page unfiltered too.
            let raw = prep::resize_like(&page.image, &img);
            let latin = result.languages.starts_with("eng");
            let (r, s) = self.again(ReadingKind::Unfiltered, |e| {
                e.read_upright(&raw, dpi, turn, latin, None)
            })?;
            if r.confidence > result.confidence {
                (result, skew) = (r, s);
            }
        }
        let upright = if turn % 180 == 90 {
            (img.height(), img.width())
        } else {
            img.dimensions()
        };
        for w in &mut result.words {
            if skew != 0.0 {
                w.bbox = prep::unrotate_box(w.bbox, skew, upright.0, upright.1);
            }
            if prepared.scale != 1.0 {
                for v in &mut w.bbox {
                    *v = (*v as f32 / prepared.scale).round() as u32;
                }
            }
        }
        for n in &mut result.numbers {
            if skew != 0.0 {
                n.bbox = prep::unrotate_box(n.bbox, skew, upright.0, upright.1);
            }
            if prepared.scale != 1.0 {
                for v in &mut n.bbox {
                    *v = (*v as f32 / prepared.scale).round() as u32;
                }
            }
        }
        result.rotation = turn;
        result.skew = skew;
        result.width = (upright.0 as f32 / prepared.scale).round() as u32;
        result.height = (upright.1 as f32 / prepared.scale).round() as u32;
        Ok(result)
    }

    /// Turn, level and read a page. Returns the reading and the levelling
    /// turn applied (for mapping boxes back). `numbers_from`, when given, is
    /// the page as the number reader should see it (a grainy page filtered
    /// but not binarised, same size as `img`): the number pass reads its
    /// crops there, turned and levelled like `img`.
    fn read_upright(
        &mut self,
        img: &GrayImage,
        dpi: Option<u32>,
        turn_cw: u16,
        latin_hint: bool,
        numbers_from: Option<&GrayImage>,
    ) -> Result<(OcrPage, f32), OcrError> {
        self.crop_reads.clear();
        // Most pages come upright: read them without a copy.
        let upright = prep::turned(img, turn_cw);
        let skew = prep::estimate_skew(&upright, MAX_SKEW);
        tracing::debug!(turn_cw, skew, "levelling");
        let (level, skew) = if skew.abs() >= MIN_SKEW {
            (
                std::borrow::Cow::Owned(prep::rotate_small(&upright, skew)),
                skew,
            )
        } else {
            (upright, 0.0)
        };
        let result = match self.config.languages.clone() {
            LanguagePlan::Fixed(l) => self.recognize_segmented(&level, dpi, &l, MAIN_PSM)?,
            LanguagePlan::Auto => {
                let (first, second) = if latin_hint {
                    ("eng", "ara")
                } else {
                    ("ara", "eng")
                };
                let mut best = self.recognize_segmented(&level, dpi, first, MAIN_PSM)?;
                tracing::debug!(first, confidence = best.confidence, "first reading");
                if best.confidence < AUTO_RETRY_BELOW {
                    let other = self.as_kind(ReadingKind::OtherLanguage, |e| {
                        e.recognize_segmented(&level, dpi, second, MAIN_PSM)
                    })?;
                    if other.confidence > best.confidence + AUTO_MARGIN {
                        best = other;
                    }
                }
                if best.confidence < AUTO_RETRY_BELOW {
                    let mixed = self.as_kind(ReadingKind::OtherLanguage, |e| {
                        e.recognize_segmented(&level, dpi, "ara+eng", MAIN_PSM)
                    })?;
                    if mixed.confidence > best.confidence + AUTO_MARGIN / 2.0 {
                        best = mixed;
                    }
                }
                best
            }
        };
        let mut result = result;
        let settled = self.fill_in(&level, dpi, &mut result)?;
        // Judged after the other script's lines are read again: a mixed
        // page's reading is unsure only of those until then.
        if result.confidence < LAYOUT_CHECK_BELOW {
            self.as_kind(ReadingKind::UnsureLines, |e| {
                e.reread_unsure_lines(&level, dpi, &mut result, &settled)
            })?;
        }
        let numbers_image = numbers_from.map(|raw| {
            let turned = prep::turned(raw, turn_cw);
            if skew != 0.0 {
                std::borrow::Cow::Owned(prep::rotate_small(&turned, skew))
            } else {
                turned
            }
        });
        number_pass::read_numbers(
            numbers_image.as_deref().unwrap_or(&level),
            &mut result,
            &settled,
        );
        fix_lookalikes(&mut result);
        Ok((result, skew))
    }

    /// The page's turn and script, with at most one OSD call. Which way
    /// the text lines run is told from the ink alone
    /// ([`prep::line_axis`]: on `make eval`'s scans, each turned four ways,
    /// the rows' profile was 2.2–11 times as sharp as the columns' on the
    /// upright and upside-down pages, 0.09–0.47 times on the turned ones).
    /// OSD then only has to tell upright from upside down, and the script,
    /// which it does from a band of lines as well as from the page and
    /// from fewer letters: on those 240 page turns, the inkiest third of
    /// the page along its lines at half size and at least
    /// `OSD_BAND_MIN_CHARACTERS` letters cost 0.56 of the whole page's OSD
    /// time and named every turn right, as the whole page did
    /// (`ARSHIF_PROBE_SETTINGS=20:2,5:2:3 cargo run --release --example
    /// osd_probe`). A page whose lines cannot be told is shown to OSD whole.
    fn orient(&mut self, img: &GrayImage, dpi: Option<u32>) -> Option<Osd> {
        let pre = match prep::line_axis(img, MAX_SKEW, LINE_AXIS_CLEAR) {
            prep::LineAxis::Across => 0,
            prep::LineAxis::Down => 90,
            prep::LineAxis::Unsure => return self.detect_orientation(img, dpi, None),
        };
        let along = prep::turned(img, pre);
        let (w, h) = along.dimensions();
        let band_h = (h / OSD_BAND_SHARE).max(1);
        let top = prep::inkiest_band(&along, band_h);
        let band = image::imageops::crop_imm(along.as_ref(), 0, top, w, band_h).to_image();
        let Some(osd) = self.detect_orientation(&band, dpi, Some(OSD_BAND_MIN_CHARACTERS)) else {
            // No answer from the band (none of the 240 above): the whole
            // page, as before.
            return self.detect_orientation(img, dpi, None);
        };
        // OSD may only turn the band over: the lines run across it.
        let flip = if osd.turn_cw == 180 { 180 } else { 0 };
        Some(Osd {
            turn_cw: (pre + flip) % 360,
            latin: osd.latin,
        })
    }

    /// Orientation and script from Tesseract's OSD, if it can tell, having
    /// classified at least `min_characters` letters (default
    /// `OSD_MIN_CHARACTERS`).
    fn detect_orientation(
        &mut self,
        img: &GrayImage,
        dpi: Option<u32>,
        min_characters: Option<&str>,
    ) -> Option<Osd> {
        if self.osd.is_none() {
            let api = TesseractAPI::new();
            let ok = self.config.datapath.join("osd.traineddata").is_file()
                && api.init(&self.config.datapath, "osd").is_ok()
                && {
                    quiet(&api);
                    // OSD gives up on a page with fewer than 50 letter
                    // blobs it trusts ("Too few characters"), which a short
                    // form in a light Arabic face can be: 3 of 24 turned
                    // licences came back with no answer, and all three were
                    // found at 30.
                    let _ = api.set_variable("min_characters_to_try", OSD_MIN_CHARACTERS);
                    true
                }
                && api.set_page_seg_mode(TessPageSegMode::PSM_OSD_ONLY).is_ok();
            self.osd = Some(ok.then_some(api));
        }
        let api = self.osd.as_ref()?.as_ref()?;
        // Orientation needs letter shapes, not fine detail: at half a
        // 300 dpi page's size it reads the same and costs a third.
        let dpi = dpi.unwrap_or(DEFAULT_DPI);
        let half;
        let (img, dpi) = if dpi >= 2 * OSD_MIN_DPI {
            half = prep::box_downsample(img, 2);
            (&half, dpi / 2)
        } else {
            (img, dpi)
        };
        set_gray(api, img).ok()?;
        let _ = api.set_source_resolution(dpi as i32);
        let _ = api.set_variable(
            "min_characters_to_try",
            min_characters.unwrap_or(OSD_MIN_CHARACTERS),
        );
        let t0 = std::time::Instant::now();
        let os = api.detect_os();
        let took = t0.elapsed();
        self.busy.add(ReadingKind::Orientation, took);
        let (deg, conf, script, script_conf) = os.ok()?;
        tracing::debug!(deg, conf, script, script_conf, "osd");
        let _ = api.clear();
        // OSD's angle is the counter-clockwise turn that makes the page
        // upright; as a clockwise turn that is 360 − angle.
        let turn_cw = ((360 - deg.rem_euclid(360)) % 360) as u16;
        Some(Osd {
            turn_cw,
            latin: script == "Latin",
        })
    }

    /// Confidence of reading the inkiest band across an image (a quarter of
    /// its height), scaled down when it holds only a few words.
    fn strip_score(
        &mut self,
        img: &GrayImage,
        dpi: Option<u32>,
        lang: &str,
    ) -> Result<f32, OcrError> {
        let (w, h) = img.dimensions();
        let band_h = (h / 4).max(1);
        let top = prep::inkiest_band(img, band_h);
        let band = image::imageops::crop_imm(img, 0, top, w, band_h).to_image();
        let r = self.recognize_with(&band, dpi, lang)?;
        Ok(r.confidence * (r.words.len() as f32 / 6.0).min(1.0))
    }

    /// The quarter turn under which a page reads best, if clearly better
    /// than as it is.
    fn find_turn(&mut self, img: &GrayImage, dpi: Option<u32>) -> Result<Option<u16>, OcrError> {
        let mut scores = Vec::new();
        for turn in [0u16, 90, 180, 270] {
            let t = prep::rotate_quarter(img, turn);
            let s = self
                .strip_score(&t, dpi, "ara")?
                .max(self.strip_score(&t, dpi, "eng")?);
            scores.push((turn, s));
        }
        let base = scores[0].1;
        let best = scores
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("four scores");
        Ok((best.0 != 0 && best.1 > base + 0.15).then_some(best.0))
    }

    /// Read an image as it is with the given Tesseract language string, as
    /// arshif reads a page (one block of text, `MAIN_PSM`).
    pub fn recognize_with(
        &mut self,
        image: &GrayImage,
        dpi: Option<u32>,
        languages: &str,
    ) -> Result<OcrPage, OcrError> {
        self.recognize_segmented(image, dpi, languages, MAIN_PSM)
    }

    /// Read an image with Tesseract's page layout analysis (PSM 3), as
    /// arshif read pages before it read them as one block (for comparing
    /// the two ways of reading: `examples/one_reading.rs`).
    pub fn recognize_with_layout(
        &mut self,
        image: &GrayImage,
        dpi: Option<u32>,
        languages: &str,
    ) -> Result<OcrPage, OcrError> {
        self.recognize_segmented(image, dpi, languages, LAYOUT_PSM)
    }

    /// Read an image with a given page segmentation mode.
    fn recognize_segmented(
        &mut self,
        image: &GrayImage,
        dpi: Option<u32>,
        languages: &str,
        psm: TessPageSegMode,
    ) -> Result<OcrPage, OcrError> {
        let (w, h) = image.dimensions();
        let fail = |detail: String| OcrError::Recognize {
            width: w,
            height: h,
            detail,
        };
        let api = self.model(languages)?;
        let _ = api.set_page_seg_mode(psm);
        set_gray(api, image).map_err(fail)?;
        let dpi = dpi
            .filter(|d| (70..=2400).contains(d))
            .unwrap_or(DEFAULT_DPI);
        let _ = api.set_source_resolution(dpi as i32);
        let t0 = std::time::Instant::now();
        let done = api.recognize();
        let took = t0.elapsed();
        done.map_err(|e| fail(e.to_string()))?;
        let text = api.get_utf8_text().map_err(|e| fail(e.to_string()))?;
        let words = words(api, w, h);
        let lines = lines(api, w, h);
        let confidence = if words.is_empty() {
            0.0
        } else {
            words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32
        };
        let _ = api.clear();
        let _ = api.set_page_seg_mode(TessPageSegMode::PSM_AUTO);
        self.charge(took);
        tracing::trace!(
            kind = ?self.whole.unwrap_or(self.kind),
            languages,
            psm = psm as i32,
            width = w,
            height = h,
            ms = took.as_secs_f64() * 1e3,
            "recognition call"
        );
        Ok(OcrPage {
            text: tidy(&text),
            words,
            confidence,
            languages: languages.to_string(),
            rotation: 0,
            skew: 0.0,
            width: w,
            height: h,
            lines,
            numbers: Vec::new(),
        })
    }

    /// What a page's reading gets after the reading itself: the lines it
    /// dropped read as lines, and its other-script words read again by the
    /// line. Returns the boxes of the words the script pass put in.
    fn fill_in(
        &mut self,
        level: &GrayImage,
        dpi: Option<u32>,
        page: &mut OcrPage,
    ) -> Result<Vec<[u32; 4]>, OcrError> {
        self.as_kind(ReadingKind::DroppedLines, |e| {
            e.recover_dropped_lines(level, dpi, page)
        })?;
        if self.config.languages == LanguagePlan::Auto {
            self.as_kind(ReadingKind::OtherLanguage, |e| {
                e.reread_other_script(level, dpi, page)
            })
        } else {
            Ok(Vec::new())
        }
    }

    /// Read again, each as one raw line, the bands of ink that look like a
    /// text line but hold no word of the reading. Tesseract's line finder
    /// sometimes drops a whole, clearly printed line: a title set close
    /// under another one on a 200 dpi page came back empty from the page,
    /// as a block and as a single line (PSM 7), yet reads right as a raw
    /// line (PSM 13). Only confident lines are kept, so specks, rules and
    /// stamps add nothing.
    fn recover_dropped_lines(
        &mut self,
        level: &GrayImage,
        dpi: Option<u32>,
        page: &mut OcrPage,
    ) -> Result<(), OcrError> {
        let mut heights: Vec<u32> = page
            .words
            .iter()
            .filter(|w| w.text.chars().count() >= 2)
            .map(|w| w.bbox[3])
            .collect();
        if heights.len() < 3 {
            return Ok(());
        }
        heights.sort_unstable();
        let line_h = heights[heights.len() / 2];
        let (w, h) = level.dimensions();
        let covered = |b: &[u32; 4]| {
            page.words.iter().any(|wd| {
                let top = wd.bbox[1].max(b[1]);
                let bottom = (wd.bbox[1] + wd.bbox[3]).min(b[1] + b[3]);
                bottom > top && (bottom - top) * 3 >= b[3].min(wd.bbox[3])
            })
        };
        let missing: Vec<[u32; 4]> = prep::ink_bands(level, 2)
            .into_iter()
            .filter(|b| {
                // a line's height, and at least a word's width of ink
                b[3] * 2 >= line_h && b[3] <= line_h * 2 && b[2] >= line_h * 2 && !covered(b)
            })
            .collect();
        for b in missing {
            let pad_y = b[3] / 3 + 2;
            let pad_x = b[3];
            let (x0, y0) = (b[0].saturating_sub(pad_x), b[1].saturating_sub(pad_y));
            let (x1, y1) = ((b[0] + b[2] + pad_x).min(w), (b[1] + b[3] + pad_y).min(h));
            let key = ([x0, y0, x1, y1], format!("raw line {}", page.languages));
            let words = match self.crop_reads.get(&key) {
                Some(read) => read.clone(),
                None => {
                    let crop =
                        image::imageops::crop_imm(level, x0, y0, x1 - x0, y1 - y0).to_image();
                    let languages = page.languages.clone();
                    let read = self
                        .read_raw_line(&crop, dpi, &languages)?
                        .map(|mut words| {
                            for wd in &mut words {
                                wd.bbox[0] += x0;
                                wd.bbox[1] += y0;
                            }
                            words
                        });
                    self.crop_reads.insert(key, read.clone());
                    read
                }
            };
            if let Some(words) = words {
                insert_line(page, words, [x0, b[1], x1 - x0, b[3]]);
            }
        }
        Ok(())
    }

    /// Read a crop holding one line as a raw line (PSM 13) with `languages`
    /// and, for Arabic, also the script model, which often reads such lines
    /// better. Returns the words of the better reading, if one is confident.
    fn read_raw_line(
        &mut self,
        crop: &GrayImage,
        dpi: Option<u32>,
        languages: &str,
    ) -> Result<Option<Vec<Word>>, OcrError> {
        let mut models = vec![languages];
        if languages.split('+').any(|l| l == "ara") && self.has_script_model() {
            models.push("Arabic");
        }
        let ink = prep::otsu_threshold(crop);
        let mut best: Option<(f32, Vec<Word>)> = None;
        for model in models {
            let read = self.recognize_segmented(crop, dpi, model, TessPageSegMode::PSM_RAW_LINE)?;
            // A raw line's recogniser can "read" a character in the blank
            // margin: a word with no ink under it is dropped, as are the
            // least confident.
            let words: Vec<Word> = read
                .words
                .into_iter()
                .filter(|wd| {
                    wd.confidence >= RECOVERED_WORD_MIN
                        && prep::ink_in(crop, wd.bbox, ink) >= MIN_WORD_INK
                })
                .collect();
            let letters: usize = words
                .iter()
                .map(|wd| wd.text.chars().filter(|c| c.is_alphanumeric()).count())
                .sum();
            let total: f32 = words.iter().map(|wd| wd.confidence).sum();
            let mean = total / words.len().max(1) as f32;
            // confident enough as a line; then the most words read
            // confidently (the sum) wins over a few read very surely
            if letters >= 3
                && mean >= RECOVERED_LINE_MIN
                && best.as_ref().is_none_or(|(t, _)| total > *t)
            {
                best = Some((total, words));
            }
        }
        Ok(best.map(|(_, words)| words))
    }

    /// Read again, with the other script's model, the runs of words the
    /// page's model was unsure of, each cropped from the page as one line
    /// (see [`script_pass`]): the Arabic names in an English memo, the
    /// English company name in an Arabic letter. Returns the boxes of the
    /// words put in, which the number pass leaves alone.
    fn reread_other_script(
        &mut self,
        level: &GrayImage,
        dpi: Option<u32>,
        page: &mut OcrPage,
    ) -> Result<Vec<[u32; 4]>, OcrError> {
        let Some(other) = script_pass::other_model(&page.languages) else {
            return Ok(Vec::new());
        };
        let (w, h) = level.dimensions();
        let mut settled = Vec::new();
        // one run at a time: merging a run changes the word indices
        let mut done: Vec<[u32; 4]> = Vec::new();
        while let Some(run) = script_pass::doubtful_runs(page, w)
            .into_iter()
            .find(|r| !done.contains(&r.bbox))
        {
            done.push(run.bbox);
            if done.len() > script_pass::MAX_RUNS {
                break;
            }
            let b = run.bbox;
            let pad = b[3] / 4 + 2;
            let (x0, y0) = (b[0], b[1].saturating_sub(pad));
            let (x1, y1) = ((b[0] + b[2]).min(w), (b[1] + b[3] + pad).min(h));
            if x1 <= x0 + 4 || y1 <= y0 + 4 {
                continue;
            }
            let key = ([x0, y0, x1, y1], format!("line {other}"));
            let words = match self.crop_reads.get(&key) {
                Some(read) => read.clone().unwrap_or_default(),
                None => {
                    let words = self.read_line_crop(level, [x0, y0, x1, y1], dpi, other)?;
                    self.crop_reads.insert(key, Some(words.clone()));
                    words
                }
            };
            let taken = script_pass::merge(page, &run, words, other);
            settled.extend(taken.iter().map(|wd| wd.bbox));
            // the words put in are sure: they start no run again
        }
        if !page.words.is_empty() {
            page.confidence =
                page.words.iter().map(|wd| wd.confidence).sum::<f32>() / page.words.len() as f32;
        }
        Ok(settled)
    }

    /// Read the crop `[x0, y0, x1, y1]` of `level` as one line (PSM 7)
    /// with `model`. Returns its words in page coordinates.
    fn read_line_crop(
        &mut self,
        level: &GrayImage,
        [x0, y0, x1, y1]: [u32; 4],
        dpi: Option<u32>,
        model: &str,
    ) -> Result<Vec<Word>, OcrError> {
        let crop = image::imageops::crop_imm(level, x0, y0, x1 - x0, y1 - y0).to_image();
        let mut read =
            self.recognize_segmented(&crop, dpi, model, TessPageSegMode::PSM_SINGLE_LINE)?;
        if read.words.is_empty() {
            // Tesseract's line finder sometimes finds nothing in a clean
            // crop; it finds the line in the same crop a little larger
            let (cw, ch) = crop.dimensions();
            let larger = image::imageops::resize(
                &crop,
                cw * 3 / 2,
                ch * 3 / 2,
                image::imageops::FilterType::CatmullRom,
            );
            read = self.recognize_segmented(
                &larger,
                dpi.map(|d| d * 3 / 2),
                model,
                TessPageSegMode::PSM_SINGLE_LINE,
            )?;
            for wd in &mut read.words {
                for v in &mut wd.bbox {
                    *v = *v * 2 / 3;
                }
            }
        }
        Ok(read
            .words
            .into_iter()
            .map(|mut wd| {
                wd.bbox[0] += x0;
                wd.bbox[1] += y0;
                wd
            })
            .collect())
    }

    /// Read again, each on its own as one line (PSM 7), the lines of an
    /// unsure page that read below `LINE_CHECK_BELOW`, and keep a line's
    /// own reading where it is surer. In a block of text Tesseract sizes
    /// every line by the block's text: a title in a larger face
    /// (`بلدية الحفوف` for `بلدية الهفوف`) or a noisy line (`العبد الكريم`
    /// split in two) reads better alone. Lines holding words the script
    /// pass put in are left as they are.
    fn reread_unsure_lines(
        &mut self,
        level: &GrayImage,
        dpi: Option<u32>,
        page: &mut OcrPage,
        settled: &[[u32; 4]],
    ) -> Result<(), OcrError> {
        let (w, h) = level.dimensions();
        let letters = |words: &[&Word]| -> usize {
            words
                .iter()
                .map(|wd| wd.text.chars().filter(|c| c.is_alphanumeric()).count())
                .sum()
        };
        let mean = |words: &[&Word]| -> f32 {
            words.iter().map(|wd| wd.confidence).sum::<f32>() / words.len().max(1) as f32
        };
        for li in 0..page.lines.len() {
            let lb = page.lines[li].1;
            let members: Vec<usize> = (0..page.words.len())
                .filter(|&i| centre_in(&page.words[i].bbox, &lb))
                .collect();
            let old: Vec<&Word> = members.iter().map(|&i| &page.words[i]).collect();
            if old.is_empty()
                || mean(&old) >= LINE_CHECK_BELOW
                || old.iter().any(|wd| settled.contains(&wd.bbox))
            {
                continue;
            }
            let (pad_x, pad_y) = (lb[3] / 2 + 2, lb[3] / 4 + 2);
            let (x0, y0) = (lb[0].saturating_sub(pad_x), lb[1].saturating_sub(pad_y));
            let (x1, y1) = (
                (lb[0] + lb[2] + pad_x).min(w),
                (lb[1] + lb[3] + pad_y).min(h),
            );
            if x1 <= x0 + 4 || y1 <= y0 + 4 {
                continue;
            }
            let languages = page.languages.clone();
            // only what lies on the line: the margin around it is there
            // for the line's own ink, not for specks beside it
            let read: Vec<Word> = self
                .read_line_crop(level, [x0, y0, x1, y1], dpi, &languages)?
                .into_iter()
                .filter(|wd| centre_in(&wd.bbox, &lb))
                .collect();
            let new: Vec<&Word> = read.iter().collect();
            // surer, and not by dropping what it could not read
            let better = mean(&new) >= mean(&old) + LINE_CHECK_MARGIN
                && letters(&new) * 5 >= letters(&old) * 4;
            tracing::debug!(
                old = %page.lines[li].0,
                old_confidence = mean(&old),
                new_confidence = mean(&new),
                better,
                "unsure line read alone"
            );
            if better {
                replace_line(page, li, &members, read);
            }
        }
        if !page.words.is_empty() {
            page.confidence =
                page.words.iter().map(|wd| wd.confidence).sum::<f32>() / page.words.len() as f32;
        }
        Ok(())
    }

    /// Whether Debian's Arabic script model (`Arabic.traineddata`) is there.
    fn has_script_model(&self) -> bool {
        self.config.datapath.join("Arabic.traineddata").is_file()
    }
}

/// Whether a box's centre lies in a line's box.
pub(crate) fn centre_in(b: &[u32; 4], lb: &[u32; 4]) -> bool {
    let (cx, cy) = (b[0] + b[2] / 2, b[1] + b[3] / 2);
    cx >= lb[0] && cx <= lb[0] + lb[2] && cy >= lb[1] && cy <= lb[1] + lb[3]
}

/// Put new words in place of line `li`'s words (`members`, indices into the
/// page's words): in the words (where the line's first word was), in the
/// line's text and in the page text.
pub(crate) fn replace_line(
    page: &mut OcrPage,
    li: usize,
    members: &[usize],
    line_words: Vec<Word>,
) {
    let new_line = line_words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    // where the line is in the page text: the lines before it, in order
    let mut at = Some(0usize);
    for (k, (line, _)) in page.lines[..=li].iter().enumerate() {
        let Some(from) = at else { break };
        at = page.text[from..].find(line.as_str()).map(|i| {
            if k == li {
                i + from
            } else {
                i + from + line.len()
            }
        });
    }
    let old = std::mem::replace(&mut page.lines[li].0, new_line.clone());
    tracing::debug!(%old, new = %new_line, "line read again");
    if let Some(at) = at {
        page.text.replace_range(at..at + old.len(), &new_line);
    }
    let Some(&first) = members.first() else {
        return;
    };
    let mut rest: Vec<Word> = Vec::with_capacity(page.words.len() + line_words.len());
    let mut line_words = Some(line_words);
    for (i, w) in page.words.drain(..).enumerate() {
        if i == first {
            rest.extend(line_words.take().into_iter().flatten());
        }
        if !members.contains(&i) {
            rest.push(w);
        }
    }
    page.words = rest;
}

/// Put a line read apart (its words, in reading order, and its box) into a
/// reading: the text before the first line that lies below it, the words
/// before the first word below it.
fn insert_line(page: &mut OcrPage, words: Vec<Word>, line_box: [u32; 4]) {
    let bottom = line_box[1] + line_box[3];
    let text = words
        .iter()
        .map(|wd| wd.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    tracing::debug!(%text, ?line_box, "line recovered");
    let below = page.lines.iter().position(|(_, lb)| lb[1] >= bottom);
    match below.and_then(|i| page.text.find(page.lines[i].0.as_str())) {
        Some(at) => page.text.insert_str(at, &format!("{text}\n")),
        None => {
            if !page.text.is_empty() {
                page.text.push('\n');
            }
            page.text.push_str(&text);
        }
    }
    page.lines
        .insert(below.unwrap_or(page.lines.len()), (text, line_box));
    let at = page
        .words
        .iter()
        .position(|wd| wd.bbox[1] >= bottom)
        .unwrap_or(page.words.len());
    page.words.splice(at..at, words);
    page.confidence =
        page.words.iter().map(|wd| wd.confidence).sum::<f32>() / page.words.len() as f32;
}

/// Send Tesseract's own diagnostics ("Detected 13 diacritics", "Invalid
/// resolution") nowhere: they are not for the people running arshif.
/// Give Tesseract a grey page to read: as a Leptonica `Pix` (one packing
/// pass here, one `memcpy` in Tesseract), or as raw bytes if Leptonica
/// cannot allocate one.
fn set_gray(api: &TesseractAPI, img: &GrayImage) -> Result<(), String> {
    let (w, h) = img.dimensions();
    match pix::Pix::from_gray(img) {
        Some(p) => api.set_image_2(p.as_ptr()).map_err(|e| e.to_string()),
        None => api
            .set_image(img.as_raw(), w as i32, h as i32, 1, w as i32)
            .map_err(|e| e.to_string()),
    }
}

fn quiet(api: &TesseractAPI) {
    let _ = api.set_variable("debug_file", "/dev/null");
}

/// Apply [`numbers::fix_lookalikes`] to every token of a reading.
fn fix_lookalikes(page: &mut OcrPage) {
    page.text = page
        .text
        .split('\n')
        .map(|line| {
            line.split(' ')
                .map(numbers::fix_lookalikes)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    for w in &mut page.words {
        w.text = numbers::fix_lookalikes(&w.text);
    }
}

fn lines(api: &TesseractAPI, w: u32, h: u32) -> Vec<(String, [u32; 4])> {
    let mut out = Vec::new();
    let Ok(it) = api.get_iterator() else {
        return out;
    };
    loop {
        if let (Ok(text), Ok((l, t, r, b))) = (
            it.get_utf8_text(TessPageIteratorLevel::RIL_TEXTLINE),
            it.get_bounding_box(TessPageIteratorLevel::RIL_TEXTLINE),
        ) {
            let text = tidy(&text);
            if !text.is_empty() {
                let l = l.clamp(0, w as i32) as u32;
                let t = t.clamp(0, h as i32) as u32;
                let r = r.clamp(0, w as i32) as u32;
                let b = b.clamp(0, h as i32) as u32;
                out.push((text, [l, t, r.saturating_sub(l), b.saturating_sub(t)]));
            }
        }
        match it.next(TessPageIteratorLevel::RIL_TEXTLINE) {
            Ok(true) => {}
            _ => break,
        }
    }
    out
}

fn words(api: &TesseractAPI, w: u32, h: u32) -> Vec<Word> {
    let mut out = Vec::new();
    let Ok(it) = api.get_iterator() else {
        return out;
    };
    loop {
        if let Ok(text) = it.get_utf8_text(TessPageIteratorLevel::RIL_WORD) {
            let text: String = text.chars().filter(|c| !is_bidi_control(*c)).collect();
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

/// Bidirectional formatting marks Tesseract puts around runs of the other
/// direction (LRM, RLM, embeddings, isolates). The stored text is in logical
/// order already; the marks only get in the way of search and display.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Drop bidi marks, trim each line and collapse runs of blank lines.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line: String = line.chars().filter(|c| !is_bidi_control(*c)).collect();
        let line = line.trim();
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

/// Tesseract's OpenMP runtime reads `OMP_THREAD_LIMIT` when the library is
/// loaded, before `main` runs. Without it each page takes ~8× longer, so if it
/// is unset, re-execute this program with it set.
pub fn ensure_omp_thread_limit() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_THREAD_LIMIT", "1")
        .exec();
    eprintln!(
        "arshif: warning: could not re-execute with OMP_THREAD_LIMIT=1 ({err}); OCR will be slow"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_plans_parse() {
        assert_eq!("auto".parse::<LanguagePlan>().unwrap(), LanguagePlan::Auto);
        assert_eq!(
            "ara+eng".parse::<LanguagePlan>().unwrap(),
            LanguagePlan::Fixed("ara+eng".into())
        );
        assert!("ara+".parse::<LanguagePlan>().is_err());
        assert!("../x".parse::<LanguagePlan>().is_err());
    }

    #[test]
    fn tidy_trims_and_collapses() {
        assert_eq!(tidy("a  \n\n\n b\n\n"), "a\n\nb");
        assert_eq!(tidy(" \u{200e}1445/07/12\u{200f}ه "), "1445/07/12ه");
        assert_eq!(tidy("\n\nx"), "x");
    }
}

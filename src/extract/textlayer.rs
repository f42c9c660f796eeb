//! PDF text layers, rebuilt from glyph positions.
//!
//! Producers write Arabic in every order: cairo writes each directional run
//! in logical order but the runs of a line left to right (`1852948 : رقم
//! الشهادة`); XeTeX/xdvipdfmx writes glyphs in visual order, so words come
//! out reversed; others use presentation-form code points or put spaces
//! inside words. So the text is not taken in content-stream order: glyphs are
//! grouped into lines by baseline and into words by the gaps between them,
//! each word's characters are put in logical order (reversed when an Arabic
//! word's glyphs run left to right), and the words of a line are ordered by
//! position for the line's direction (right to left for Arabic, keeping
//! numbers and Latin runs left to right inside it). Presentation forms are
//! mapped back to base letters.

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

use super::{TextLayerPage, PDF_RENDER_DPI};
use crate::types::Word;

#[derive(Debug, Clone)]
struct Glyph {
    text: String,
    x0: f64,
    x1: f64,
    y: f64,
    size: f64,
}

/// Receives glyphs from pdf-extract.
struct Collector {
    height: f64,
    origin: (f64, f64),
    glyphs: Vec<Glyph>,
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        _n: u32,
        media_box: &MediaBox,
        _art: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.height = media_box.ury - media_box.lly;
        self.origin = (media_box.llx, media_box.lly);
        Ok(())
    }
    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        ch: &str,
    ) -> Result<(), OutputError> {
        let x = trm.m31 - self.origin.0;
        let y = self.height - (trm.m32 - self.origin.1);
        let vx = font_size * trm.m11 + font_size * trm.m21;
        let vy = font_size * trm.m12 + font_size * trm.m22;
        let size = (vx * vy).abs().sqrt().max(0.1);
        let advance = width * size;
        let (x0, x1) = if advance >= 0.0 {
            (x, x + advance)
        } else {
            (x + advance, x)
        };
        let mut text = String::new();
        for c in ch.chars() {
            // U+FFFD marks a glyph pdf-extract could not map to text: kept
            // for now; `layout` decides whether it was a letter (a hole to
            // patch from OCR) or a mark cluster (dropped).
            if c.is_control() && !c.is_whitespace() {
                continue;
            }
            if crate::analysis::normalize::is_arabic_presentation_form(c) {
                unicode_normalization::char::decompose_compatible(c, |d| text.push(d));
            } else {
                text.push(c);
            }
        }
        if !text.is_empty() {
            self.glyphs.push(Glyph {
                text,
                x0,
                x1,
                y,
                size,
            });
        }
        Ok(())
    }
    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Rtl,
    Ltr,
    Neutral,
}

fn is_arabic_letter(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c) && c.is_alphabetic()
        || ('\u{0750}'..='\u{077F}').contains(&c)
        || ('\u{08A0}'..='\u{08FF}').contains(&c)
}

fn is_mark(c: char) -> bool {
    crate::analysis::normalize::is_arabic_diacritic(c) || ('\u{0300}'..='\u{036F}').contains(&c)
}

fn dir_of(text: &str) -> Dir {
    let (mut r, mut l) = (0, 0);
    for c in text.chars() {
        if is_arabic_letter(c) {
            r += 1;
        } else if c.is_alphanumeric() {
            l += 1;
        }
    }
    if r > l {
        Dir::Rtl
    } else if l > 0 {
        Dir::Ltr
    } else {
        Dir::Neutral
    }
}

#[derive(Debug, Clone)]
struct WordBox {
    glyphs: Vec<Glyph>,
    x0: f64,
    x1: f64,
    dir: Dir,
}

impl WordBox {
    fn new() -> Self {
        WordBox {
            glyphs: Vec::new(),
            x0: f64::MAX,
            x1: f64::MIN,
            dir: Dir::Neutral,
        }
    }
    fn push(&mut self, g: Glyph) {
        self.x0 = self.x0.min(g.x0);
        self.x1 = self.x1.max(g.x1);
        self.glyphs.push(g);
    }
    fn center(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }

    /// The word's characters in logical order.
    fn text(&self) -> String {
        let mut glyphs: Vec<&Glyph> = self.glyphs.iter().collect();
        // Glyph order in the stream should be logical: right to left for an
        // Arabic word. If it runs left to right, the producer wrote visual order.
        if glyphs.len() >= 2 {
            let (mut inc, mut dec) = (0, 0);
            for w in glyphs.windows(2) {
                let d = (w[1].x0 + w[1].x1) - (w[0].x0 + w[0].x1);
                if d > 0.01 {
                    inc += 1;
                } else if d < -0.01 {
                    dec += 1;
                }
            }
            let reversed = match self.dir {
                Dir::Rtl => inc > dec,
                _ => dec > inc,
            };
            if reversed {
                glyphs.reverse();
            }
        }
        let mut s = String::new();
        for g in glyphs {
            s.push_str(&g.text);
        }
        if self.dir == Dir::Rtl {
            fix_marks(&s)
        } else {
            s
        }
    }
}

fn is_punct(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| ":،.؛,!؟?)(»«\"'".contains(c))
}

fn is_closing(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| ":،.؛,!؟?)»".contains(c))
}

/// After reversing a visual-order word, combining marks may precede their
/// base letter; move each run of marks after the letter that follows it.
fn fix_marks(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if !chars.first().is_some_and(|c| is_mark(*c)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut pending: Vec<char> = Vec::new();
    for c in chars {
        if is_mark(c) {
            pending.push(c);
        } else {
            out.push(c);
            out.extend(pending.drain(..));
        }
    }
    out.extend(pending);
    out
}

/// Lay out glyphs into text and word boxes (points, origin top-left).
fn layout(glyphs: Vec<Glyph>) -> (String, Vec<(String, [f64; 4])>) {
    // 1. lines by baseline, top to bottom; stream order kept within a line
    let mut lines: Vec<(f64, f64, Vec<Glyph>)> = Vec::new(); // (y, size, glyphs)
    for g in glyphs {
        let tol = g.size * 0.45;
        match lines.iter_mut().find(|(y, _, _)| (g.y - *y).abs() <= tol) {
            Some(line) => line.2.push(g),
            None => lines.push((g.y, g.size, vec![g])),
        }
    }
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut text = String::new();
    let mut boxes = Vec::new();
    for (y, _, line) in lines {
        // 2. words: split at spaces and at gaps between glyphs
        let mut words: Vec<WordBox> = Vec::new();
        let mut cur = WordBox::new();
        let mut pending_hole: Option<usize> = None;
        // Where the producer writes spaces, gaps between glyphs are only
        // positioning noise (some round positions to whole points); where it
        // does not, a gap of a fifth of the font size separates words.
        let gap_limit = if line.iter().any(|g| g.text.chars().all(char::is_whitespace)) {
            0.5
        } else {
            0.2
        };
        for g in line {
            if g.text.chars().all(char::is_whitespace) {
                if !cur.glyphs.is_empty() {
                    words.push(std::mem::replace(&mut cur, WordBox::new()));
                }
                continue;
            }
            // Marks sit wherever the font places them: they never break a word,
            // and gaps are measured from the last base letter.
            if g.text.chars().all(is_mark) {
                cur.glyphs.push(g);
                continue;
            }
            // An undecodable glyph never breaks a word either; whether it was
            // a letter shows in the gap it leaves between its neighbours.
            if g.text.chars().all(|c| c == '\u{FFFD}') {
                pending_hole = Some(cur.glyphs.len());
                cur.glyphs.push(g);
                continue;
            }
            let base = |p: &&Glyph| !p.text.chars().all(|c| is_mark(c) || c == '\u{FFFD}');
            if let Some(prev) = cur.glyphs.iter().rev().find(base) {
                let gap = (g.x0 - prev.x1).max(prev.x0 - g.x1);
                let size = g.size.max(prev.size);
                let hole = pending_hole.take();
                if let Some(h) = hole {
                    if gap <= 0.1 * size {
                        cur.glyphs[h].text.clear(); // a mark cluster, not a letter
                    }
                }
                let limit = if hole.is_some() {
                    gap_limit + 0.5
                } else {
                    gap_limit
                };
                let g_dir = dir_of(&g.text);
                let script_change =
                    g_dir != Dir::Neutral && cur.dir != Dir::Neutral && g_dir != cur.dir;
                if gap > limit * size || script_change {
                    words.push(std::mem::replace(&mut cur, WordBox::new()));
                }
            }
            let d = dir_of(&g.text);
            cur.push(g);
            if cur.dir == Dir::Neutral {
                cur.dir = d;
            }
        }
        if !cur.glyphs.is_empty() {
            words.push(cur);
        }
        // Punctuation at the edge of a word is a word of its own: where it
        // sits visually next to a number says nothing of what it follows.
        let mut split = Vec::with_capacity(words.len());
        for w in words {
            let n = w.glyphs.len();
            let lead = w.glyphs.iter().take_while(|g| is_punct(&g.text)).count();
            if lead == n {
                split.push(w);
                continue;
            }
            let trail = w
                .glyphs
                .iter()
                .rev()
                .take_while(|g| is_punct(&g.text))
                .count();
            let mut parts: Vec<Vec<Glyph>> = Vec::new();
            let gs = w.glyphs;
            parts.extend(gs[..lead].iter().map(|g| vec![g.clone()]));
            parts.push(gs[lead..n - trail].to_vec());
            parts.extend(gs[n - trail..].iter().map(|g| vec![g.clone()]));
            for p in parts {
                let mut wb = WordBox::new();
                for g in p {
                    wb.push(g);
                }
                split.push(wb);
            }
        }
        let mut words = split;
        for w in &mut words {
            w.dir = dir_of(&w.glyphs.iter().map(|g| g.text.as_str()).collect::<String>());
        }
        // 3. order words for the line's direction
        let (r, l): (usize, usize) = words.iter().fold((0, 0), |(r, l), w| match w.dir {
            Dir::Rtl => (r + 1, l),
            Dir::Ltr => (r, l + 1),
            Dir::Neutral => (r, l),
        });
        let base = if r >= l && r > 0 { Dir::Rtl } else { Dir::Ltr };
        words.sort_by(|a, b| match base {
            Dir::Rtl => b.center().total_cmp(&a.center()),
            _ => a.center().total_cmp(&b.center()),
        });
        // runs of the other direction read in their own order: reverse them back
        let other = if base == Dir::Rtl { Dir::Ltr } else { Dir::Rtl };
        let mut i = 0;
        while i < words.len() {
            if words[i].dir != other {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            // neutrals between two words of the other direction belong to the run
            while j < words.len()
                && (words[j].dir == other
                    || (words[j].dir == Dir::Neutral
                        && words[j + 1..].first().is_some_and(|n| n.dir == other)))
            {
                j += 1;
            }
            words[i..j].reverse();
            i = j;
        }
        // 4. join, without a space where glyphs touch
        let mut line_text = String::new();
        let mut prev: Option<&WordBox> = None;
        for w in &words {
            if let Some(p) = prev {
                let gap = (w.x0 - p.x1).max(p.x0 - w.x1);
                let size = w.glyphs[0].size;
                let this = w.glyphs.iter().map(|g| g.text.as_str()).collect::<String>();
                let before = p.glyphs.iter().map(|g| g.text.as_str()).collect::<String>();
                // closing punctuation follows its word; a word follows it after a space
                let space = if is_closing(&this) {
                    false
                } else if is_closing(&before) {
                    true
                } else {
                    gap > 0.1 * size || (w.dir != Dir::Neutral && p.dir != Dir::Neutral)
                };
                if space {
                    line_text.push(' ');
                }
            }
            let t = w.text();
            let size = w.glyphs.iter().map(|g| g.size).fold(0.0, f64::max);
            if w.dir != Dir::Neutral {
                boxes.push((t.clone(), [w.x0, y - size * 0.8, w.x1, y + size * 0.2]));
            }
            line_text.push_str(&t);
            prev = Some(w);
        }
        let line_text = line_text.trim();
        if !line_text.is_empty() {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(line_text);
        }
    }
    (text, boxes)
}

/// Read a page's text layer.
pub(super) fn read(
    doc: &lopdf::Document,
    number: u32,
    w_pt: f64,
    h_pt: f64,
) -> Option<TextLayerPage> {
    let mut c = Collector {
        height: h_pt,
        origin: (0.0, 0.0),
        glyphs: Vec::new(),
    };
    pdf_extract::output_doc_page(doc, &mut c, number).ok()?;
    let (text, boxes) = layout(c.glyphs);
    // Some producers decompose أ into ا + hamza above: compose (NFC).
    use unicode_normalization::UnicodeNormalization;
    let text: String = text.nfc().collect();
    let boxes: Vec<(String, [f64; 4])> = boxes
        .into_iter()
        .map(|(t, b)| (t.nfc().collect(), b))
        .collect();
    let s = PDF_RENDER_DPI as f64 / 72.0;
    let px = |v: f64| (v * s).max(0.0).round() as u32;
    Some(TextLayerPage {
        text,
        words: boxes
            .into_iter()
            .map(|(text, [x0, y0, x1, y1])| Word {
                text,
                bbox: [px(x0), px(y0), px(x1 - x0).max(1), px(y1 - y0).max(1)],
                confidence: 1.0,
            })
            .collect(),
        width: px(w_pt),
        height: px(h_pt),
    })
}

/// Fill holes (U+FFFD) in a text layer from OCR words of the same page, as
/// described on [`TextLayerPage::patch_holes`].
pub(super) fn patch_holes(layer: &mut TextLayerPage, ocr: &[Word]) {
    let overlap = |a: &[u32; 4], b: &[u32; 4]| -> f64 {
        let x0 = a[0].max(b[0]);
        let y0 = a[1].max(b[1]);
        let x1 = (a[0] + a[2]).min(b[0] + b[2]);
        let y1 = (a[1] + a[3]).min(b[1] + b[3]);
        if x1 <= x0 || y1 <= y0 {
            return 0.0;
        }
        ((x1 - x0) as f64 * (y1 - y0) as f64) / ((b[2] as f64 * b[3] as f64).max(1.0))
    };
    let mut text = std::mem::take(&mut layer.text);
    let mut cursor = 0usize;
    for w in &mut layer.words {
        if !w.text.contains('\u{FFFD}') {
            if let Some(i) = text[cursor..].find(&w.text) {
                cursor += i + w.text.len();
            }
            continue;
        }
        // OCR words mostly inside this word's box, right to left for Arabic
        let mut fill: Vec<&Word> = ocr
            .iter()
            .filter(|o| overlap(&w.bbox, &o.bbox) > 0.5)
            .collect();
        let rtl = w.text.chars().any(is_arabic_letter);
        fill.sort_by_key(|o| o.bbox[0]);
        if rtl {
            fill.reverse();
        }
        let replacement = if fill.is_empty() {
            w.text.replace('\u{FFFD}', "")
        } else {
            fill.iter()
                .map(|o| o.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        if let Some(i) = text[cursor..].find(&w.text) {
            let at = cursor + i;
            text.replace_range(at..at + w.text.len(), &replacement);
            cursor = at + replacement.len();
        }
        w.text = replacement;
    }
    layer.text = text.replace('\u{FFFD}', "");
}

/// Whether a text layer can be trusted, or the page should be OCR'd:
/// enough letters; little undecodable garbage; no Arabic decoded in the
/// wrong code page (runs of Latin-1 accented letters); no words mixing
/// Arabic and Latin letters; no words run together into long strings.
pub(super) fn trustworthy(text: &str) -> bool {
    let mut alnum = 0usize;
    let mut garbage = 0usize;
    let mut latin1 = 0usize;
    for c in text.chars() {
        if c.is_alphanumeric() {
            alnum += 1;
            if ('\u{00C0}'..='\u{00FF}').contains(&c) {
                latin1 += 1;
            }
        } else if ('\u{E000}'..='\u{F8FF}').contains(&c)
            || (c.is_control() && !c.is_whitespace())
            || c == '\u{FFFD}'
        {
            garbage += 1;
        }
    }
    // A few undecodable glyphs are patched from OCR; many mean a font
    // without a usable ToUnicode map: OCR the page instead.
    if alnum < 20 || garbage * 30 > alnum || latin1 * 10 > alnum {
        return false;
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let mixed = words
        .iter()
        .filter(|w| w.chars().any(is_arabic_letter) && w.chars().any(|c| c.is_ascii_alphabetic()))
        .count();
    let arabic_words: Vec<&&str> = words
        .iter()
        .filter(|w| w.chars().any(is_arabic_letter))
        .collect();
    let long = arabic_words
        .iter()
        .filter(|w| w.chars().count() > 14)
        .count();
    mixed * 20 <= words.len() && long * 10 <= arabic_words.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glyphs of a line as a producer would emit them: each (text, x0) with a
    /// fixed advance, at baseline y.
    fn line(items: &[(&str, f64)], y: f64) -> Vec<Glyph> {
        items
            .iter()
            .map(|(t, x)| Glyph {
                text: t.to_string(),
                x0: *x,
                x1: *x + 6.0,
                y,
                size: 12.0,
            })
            .collect()
    }

    /// Glyphs for a word laid out right to left from `right`, one per char,
    /// emitted in logical order (or visual when `visual`).
    fn rtl_word(word: &str, right: f64, y: f64, visual: bool) -> Vec<Glyph> {
        let mut v: Vec<Glyph> = word
            .chars()
            .enumerate()
            .map(|(i, c)| Glyph {
                text: c.to_string(),
                x0: right - 6.0 * (i as f64 + 1.0),
                x1: right - 6.0 * i as f64,
                y,
                size: 12.0,
            })
            .collect();
        if visual {
            v.reverse();
        }
        v
    }

    #[test]
    fn cairo_style_runs_in_visual_order_become_logical() {
        // "رقم الشهادة: 1852948" written number first (leftmost), then the Arabic run
        let mut g = line(&[("1", 10.0), ("8", 16.0), ("5", 22.0), ("2", 28.0)], 100.0);
        g.extend(rtl_word("الشهادة:", 90.0, 100.0, false));
        g.extend(rtl_word("رقم", 150.0, 100.0, false));
        let (text, _) = layout(g);
        assert_eq!(text, "رقم الشهادة: 1852");
    }

    #[test]
    fn xetex_style_visual_order_words_are_reversed() {
        let mut g = rtl_word("بلدية", 200.0, 50.0, true);
        g.extend(rtl_word("الهفوف", 160.0, 50.0, true));
        let (text, boxes) = layout(g);
        assert_eq!(text, "بلدية الهفوف");
        assert_eq!(boxes.len(), 2);
    }

    #[test]
    fn lines_are_ordered_top_to_bottom_and_latin_stays_left_to_right() {
        let mut g = line(&[("H", 10.0), ("i", 16.0)], 80.0);
        g.extend(rtl_word("نص", 100.0, 40.0, false));
        let (text, _) = layout(g);
        assert_eq!(text, "نص\nHi");
    }

    #[test]
    fn marks_placed_apart_stay_in_their_word() {
        // يُعمل: the damma glyph is offset well to the left of its letter
        let mut g = rtl_word("ي", 100.0, 50.0, false);
        g.push(Glyph {
            text: "\u{064F}".into(),
            x0: 80.0,
            x1: 80.0,
            y: 50.0,
            size: 12.0,
        });
        g.extend(rtl_word("عمل", 94.0, 50.0, false));
        let (text, _) = layout(g);
        assert_eq!(text, "يُعمل");
    }

    #[test]
    fn holes_are_filled_from_ocr_words() {
        let mut layer = TextLayerPage {
            text: "اسم المالك: يوسف ال\u{FFFD}بر\nسطر".into(),
            words: vec![
                Word {
                    text: "اسم".into(),
                    bbox: [900, 100, 80, 40],
                    confidence: 1.0,
                },
                Word {
                    text: "ال\u{FFFD}بر".into(),
                    bbox: [300, 100, 120, 40],
                    confidence: 1.0,
                },
            ],
            width: 1000,
            height: 1000,
        };
        let ocr = vec![
            Word {
                text: "يوسف".into(),
                bbox: [450, 98, 90, 44],
                confidence: 0.9,
            },
            Word {
                text: "الجبر".into(),
                bbox: [298, 99, 124, 42],
                confidence: 0.9,
            },
        ];
        assert!(layer.has_holes());
        layer.patch_holes(&ocr);
        assert_eq!(layer.text, "اسم المالك: يوسف الجبر\nسطر");
        assert_eq!(layer.words[1].text, "الجبر");
        assert!(!layer.has_holes());
    }

    #[test]
    fn trust_judgement() {
        assert!(trustworthy(
            "بلدية الهفوف رخصة بناء رقم 4451234 صادرة عن إدارة الرخص"
        ));
        // windows-1256 Arabic read as latin-1
        assert!(!trustworthy(
            "ÈáÏíÉ ÇáåÝæÝ ÑÎÕÉ ÈäÇÁ ÑÞã ÕÇÏÑÉ Úä ÅÏÇÑÉ ÇáÑÎÕ"
        ));
        // pdfTeX custom encoding: Latin mixed into Arabic words
        assert!(!trustworthy(
            "بلaدية الهxفوف رخsصة بنjاء رقم صاqدرة عن إدارة الرخص"
        ));
        // words run together
        assert!(!trustworthy(
            "بلديةالهفوفرخصةبناءرقم صادرةعنإدارةالرخصفيالأحساء"
        ));
        assert!(!trustworthy("   3  "));
    }
}

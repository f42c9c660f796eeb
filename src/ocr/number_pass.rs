//! The number pass: after Tesseract has read a page, every word that holds a
//! digit (or ink Tesseract took for letters where a number belongs) is read
//! again by arshif's own number reader ([`super::digits`]), cropped from the
//! page by the word's box. Nothing else of the page is read again.
//!
//! Which words: those with a digit in any system, or with Latin letters,
//! `|` or `/` on an Arabic line (what Tesseract's `ara` makes of
//! Arabic-Indic digits), and the words after a number or date label on the
//! same line (`رقم …`, `تاريخ …`, `No.`, `Date:`, `Ref:`), where Tesseract may
//! have made Arabic letters of them. Neighbouring candidate words are read
//! as one crop, since Tesseract sometimes splits a number in two.
//!
//! A reading replaces Tesseract's in the words (one word per number, with
//! the number's box, so the viewer highlights it), in the line and in the
//! page text; every number read goes to [`OcrPage::numbers`].

use image::GrayImage;

use super::digits::{self, LineContext, Model, NumberReading};
use super::{centre_in, numbers, OcrPage};
use crate::types::Word;

fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{064A}' | '\u{0671}'..='\u{06D3}')
}

/// Label words after which a number or date stands.
fn is_label(word: &str) -> bool {
    let w = word.trim_end_matches([':', '.', '،']);
    let lower = w.to_lowercase();
    [
        "رقم",
        "الرقم",
        "برقم",
        "تاريخ",
        "التاريخ",
        "بتاريخ",
        "الموافق",
    ]
    .iter()
    .any(|l| w == *l || w.starts_with(&format!("{l}:")))
        || matches!(
            lower.as_str(),
            "no" | "number" | "date" | "ref" | "reference" | "dated"
        )
}

/// A reference with letters in it (`OMR/2024/0917`, `MC-1445-0088`):
/// Tesseract reads those whole, and the number reader knows no letters.
fn lettered_reference(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_ascii_alphabetic()).count();
    let digits = word.chars().filter(|c| c.is_ascii_digit()).count();
    letters >= 2 && digits >= 2 && word.contains(['-', '/'])
}

/// A word Tesseract may have made of a number.
fn looks_numeric(word: &str, arabic_line: bool) -> bool {
    if lettered_reference(word) {
        return false;
    }
    word.chars().any(|c| numbers::digit_value(c).is_some())
        || (arabic_line
            && word
                .chars()
                .any(|c| c.is_ascii_alphabetic() || matches!(c, '|' | '/' | '\\')))
}

/// The confidence from which Tesseract's reading of a Western number on a
/// Latin page is kept as it is (the `eng` model reads Western digits well).
const LATIN_SURE: f32 = 0.9;

/// A word after a label read at least this confidently is a word, not a
/// number Tesseract made letters of.
const AFTER_LABEL_SURE: f32 = 0.85;

/// Read the page's numbers again with the number reader and put them in.
/// `level` is the image the page's boxes refer to. Words whose box is in
/// `settled` (read in the other script by the script pass) are not asked
/// about.
pub(crate) fn read_numbers(level: &GrayImage, page: &mut OcrPage, settled: &[[u32; 4]]) {
    let model = Model::shipped();
    let arabic_page = page.languages.split('+').any(|l| l == "ara");
    let mut readings: Vec<NumberReading> = Vec::new();
    for li in 0..page.lines.len() {
        let (line_text, lb) = page.lines[li].clone();
        // the line's words, in reading order (Tesseract's iterator order)
        let members: Vec<usize> = page
            .words
            .iter()
            .enumerate()
            .filter(|(_, w)| centre_in(&w.bbox, &lb))
            .map(|(i, _)| i)
            .collect();
        if members.is_empty() {
            continue;
        }
        let arabic_line = line_text.chars().filter(|c| is_arabic_letter(*c)).count()
            > line_text
                .chars()
                .filter(|c| c.is_ascii_alphabetic())
                .count();
        let mut candidate = vec![false; members.len()];
        let mut after_label = false;
        for (k, &i) in members.iter().enumerate() {
            let t = &page.words[i].text;
            let sure_latin = !arabic_page
                && page.words[i].confidence >= LATIN_SURE
                && t.chars().all(|c| c.is_ascii_digit() || "/-.:,".contains(c));
            // after a label, the words Tesseract was not sure of (a number
            // it made letters of); a confident word there is the label's own
            let doubtful =
                after_label && !is_label(t) && page.words[i].confidence < AFTER_LABEL_SURE;
            // a word the script pass read in the other script is asked
            // about only after a label, where it may be a number that both
            // models made letters of (`٥٨٤٢٨١١` read as `OALTAN`)
            let other_script = settled.contains(&page.words[i].bbox);
            candidate[k] = !sure_latin
                && (!other_script || after_label && !is_label(t))
                && (doubtful || looks_numeric(t, arabic_line));
            if is_label(t) {
                after_label = true;
            }
        }
        if !candidate.iter().any(|c| *c) {
            readings.extend(
                members
                    .iter()
                    .filter_map(|&i| tesseract_number(&page.words[i])),
            );
            continue;
        }
        let line_h = lb[3].max(1);
        // groups of neighbouring candidates, left to right on the page
        let mut order: Vec<usize> = (0..members.len()).collect();
        order.sort_by_key(|&k| page.words[members[k]].bbox[0]);
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for &k in &order {
            if !candidate[k] {
                groups.push(Vec::new());
                continue;
            }
            let b = page.words[members[k]].bbox;
            match groups.last_mut() {
                Some(g)
                    if g.last().is_some_and(|&prev: &usize| {
                        let pb = page.words[members[prev]].bbox;
                        (b[0] as i64 - (pb[0] + pb[2]) as i64) < line_h as i64
                    }) =>
                {
                    g.push(k)
                }
                _ => groups.push(vec![k]),
            }
        }
        readings.extend(
            (0..members.len())
                .filter(|&k| !candidate[k])
                .filter_map(|k| tesseract_number(&page.words[members[k]])),
        );
        let mut replaced: Vec<(usize, Option<Word>)> = Vec::new(); // word index → new word
        let mut new_words: Vec<(usize, Word)> = Vec::new(); // insert before member k
        for g in groups.iter().filter(|g| !g.is_empty()) {
            let union = g.iter().fold([u32::MAX, u32::MAX, 0, 0], |u, &k| {
                let b = page.words[members[k]].bbox;
                [
                    u[0].min(b[0]),
                    u[1].min(b[1]),
                    u[2].max(b[0] + b[2]),
                    u[3].max(b[1] + b[3]),
                ]
            });
            // the line's rows, a little more; the words' columns, a little more
            let pad = (line_h / 5).max(2);
            let (w, h) = level.dimensions();
            // and the ink between the group and its neighbours that no
            // word's box holds (Tesseract sometimes leaves a number's end
            // digit out of every word: the ١ of ١٤٤٥ beside the Hijri
            // mark), up to a line height, never into a neighbour's box
            let (left, right) = members
                .iter()
                .filter(|&&i| !g.iter().any(|&k| members[k] == i))
                .map(|&i| page.words[i].bbox)
                .fold((0u32, w), |(l, r), b| {
                    if b[0] + b[2] <= union[0] {
                        (l.max(b[0] + b[2] + 1), r)
                    } else if b[0] >= union[2] {
                        (l, r.min(b[0].saturating_sub(1)))
                    } else {
                        (l, r)
                    }
                });
            let x0 = union[0]
                .saturating_sub(pad)
                .min(left.max(union[0].saturating_sub(line_h)));
            let x1 = (union[2] + pad).max(right.min(union[2] + line_h)).min(w);
            let y0 = lb[1].min(union[1]).saturating_sub(pad);
            let y1 = (lb[1] + lb[3]).max(union[3]).saturating_add(pad).min(h);
            if x1 <= x0 + 2 || y1 <= y0 + 2 {
                continue;
            }
            let crop = image::imageops::crop_imm(level, x0, y0, x1 - x0, y1 - y0).to_image();
            let rows = (union[1].saturating_sub(y0), union[3] - y0);
            // Arabic letters logically before the group: to its right on an
            // Arabic line
            let arabic_before = arabic_line
                && members.iter().any(|&i| {
                    let b = page.words[i].bbox;
                    b[0] >= union[2] && page.words[i].text.chars().any(is_arabic_letter)
                });
            let found = digits::read(model, &crop, rows, LineContext { arabic_before });
            tracing::debug!(
                crop = ?[x0, y0, x1 - x0, y1 - y0],
                read = ?found.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(),
                "number zone read"
            );
            // In words Tesseract read as letters (after a label), a number
            // must fill most of them: an alef alone reads like ١.
            let width = (union[2] - union[0]).max(1);
            let numeric_words: Vec<[u32; 4]> = g
                .iter()
                .map(|&k| &page.words[members[k]])
                .filter(|w| looks_numeric(&w.text, arabic_line) && !settled.contains(&w.bbox))
                .map(|w| w.bbox)
                .collect();
            let found: Vec<NumberReading> = found
                .into_iter()
                .filter(|r| {
                    let (a, b) = (r.bbox[0] + x0, r.bbox[0] + x0 + r.bbox[2]);
                    let on_numeric = numeric_words
                        .iter()
                        .any(|w| a.max(w[0]) < b.min(w[0] + w[2]));
                    let digits = r.value.chars().filter(|c| c.is_ascii_digit()).count();
                    // over a word read in the other script: a sure number
                    // that fills it
                    let fills_other = settled.iter().any(|w| {
                        a.max(w[0]) < b.min(w[0] + w[2])
                            && r.bbox[2] * 5 >= w[2] * 4
                            && r.confidence >= digits::SURE
                            && digits >= 3
                    });
                    on_numeric || fills_other || (digits >= 2 && r.bbox[2] * 2 >= width)
                })
                .collect();
            if found.is_empty() {
                readings.extend(
                    g.iter()
                        .filter_map(|&k| tesseract_number(&page.words[members[k]])),
                );
                continue;
            }
            let mut found: Vec<NumberReading> = found
                .into_iter()
                .map(|mut r| {
                    r.bbox[0] += x0;
                    r.bbox[1] += y0;
                    let words = g.iter().map(|&k| &page.words[members[k]]);
                    prefer_sure_western(&mut r, words);
                    r
                })
                .collect();
            // reading order of the numbers themselves
            if arabic_line {
                found.sort_by_key(|r| std::cmp::Reverse(r.bbox[0]));
            } else {
                found.sort_by_key(|r| r.bbox[0]);
            }
            // the group's words the numbers cover give way to them
            let covered = |b: &[u32; 4]| {
                found.iter().any(|r| {
                    let o = (b[0] + b[2]).min(r.bbox[0] + r.bbox[2]) as i64
                        - b[0].max(r.bbox[0]) as i64;
                    o > 0 && o * 2 >= b[2] as i64
                })
            };
            let first = g
                .iter()
                .copied()
                .filter(|&k| covered(&page.words[members[k]].bbox))
                .min()
                .unwrap_or_else(|| *g.iter().min().expect("not empty"));
            for &k in g {
                let i = members[k];
                let wd = &page.words[i];
                if covered(&wd.bbox) {
                    replaced.push((i, None));
                } else if wd.text.chars().any(|c| numbers::digit_value(c).is_some()) {
                    // a label glued to a number: keep its letters
                    let kept: String = wd
                        .text
                        .chars()
                        .filter(|c| is_arabic_letter(*c) || *c == ':')
                        .collect();
                    let kept = (!kept.trim_matches(':').is_empty()).then(|| Word {
                        text: kept,
                        ..wd.clone()
                    });
                    replaced.push((i, kept));
                }
            }
            for r in &found {
                new_words.push((
                    first,
                    Word {
                        text: r.text.clone(),
                        bbox: r.bbox,
                        confidence: r.confidence,
                    },
                ));
            }
            readings.extend(found);
        }
        if replaced.is_empty() && new_words.is_empty() {
            continue;
        }
        // rebuild the line's words in reading order
        let mut line_words: Vec<Word> = Vec::new();
        for (k, &i) in members.iter().enumerate() {
            for (_, w) in new_words.iter().filter(|(at, _)| *at == k) {
                line_words.push(w.clone());
            }
            match replaced.iter().find(|(j, _)| *j == i) {
                Some((_, Some(w))) => line_words.push(w.clone()),
                Some((_, None)) => {}
                None => line_words.push(page.words[i].clone()),
            }
        }
        if arabic_line {
            right_to_left_order(&mut line_words);
        }
        super::replace_line(page, li, &members, line_words);
    }
    if !page.words.is_empty() {
        page.confidence =
            page.words.iter().map(|w| w.confidence).sum::<f32>() / page.words.len() as f32;
    }
    page.numbers = readings;
}

/// Put an Arabic line's words in their logical order when Tesseract's order
/// cannot be it. On a right-to-left line, an Arabic word comes after
/// everything to its right and before everything to its left; Tesseract
/// sometimes puts a number first that stands left of its label
/// (`٥٧٩/٧٤ الرقم:` for `الرقم: ٥٧٩/٧٤`). Then the words are laid out
/// again as the bidi algorithm reads a right-to-left line: from right to
/// left, but a run of left-to-right words (Latin, numbers, and what stands
/// between two of them) from left to right.
fn right_to_left_order(words: &mut [Word]) {
    let arabic = |w: &Word| w.text.chars().any(is_arabic_letter);
    let misplaced = words.iter().enumerate().any(|(j, w)| {
        arabic(w)
            && words[..j]
                .iter()
                .any(|e| e.bbox[0] + e.bbox[2] <= w.bbox[0])
    });
    if !misplaced {
        return;
    }
    words.sort_by_key(|w| std::cmp::Reverse(w.bbox[0] + w.bbox[2]));
    let strong_ltr = |w: &Word| !arabic(w) && w.text.chars().any(|c| c.is_alphanumeric());
    let n = words.len();
    let ltr: Vec<bool> = (0..n)
        .map(|i| {
            strong_ltr(&words[i])
                || (!arabic(&words[i])
                    && i > 0
                    && i + 1 < n
                    && strong_ltr(&words[i - 1])
                    && strong_ltr(&words[i + 1]))
        })
        .collect();
    let mut i = 0;
    while i < n {
        if ltr[i] {
            let start = i;
            while i < n && ltr[i] {
                i += 1;
            }
            words[start..i].reverse();
        } else {
            i += 1;
        }
    }
}

/// Tesseract reads Western digits well, the number reader better on
/// blurred Arabic-Indic ones: where the reader found a Western number that
/// one word Tesseract read surely as a different Western number covers,
/// Tesseract's reading stands (the reader's is kept as an alternative)
/// unless the reader is surer still.
fn prefer_sure_western<'a>(r: &mut NumberReading, words: impl Iterator<Item = &'a Word>) {
    if !r.text.chars().any(|c| c.is_ascii_digit()) || r.confidence >= READER_SURE {
        return;
    }
    let (a, b) = (r.bbox[0], r.bbox[0] + r.bbox[2]);
    let over: Vec<&Word> = words
        .filter(|w| a.max(w.bbox[0]) < b.min(w.bbox[0] + w.bbox[2]))
        .collect();
    let [w] = over.as_slice() else {
        return;
    };
    let t = w.text.trim_matches(|c: char| !c.is_ascii_digit());
    let clean = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || "/-.:".contains(c));
    if clean && w.confidence >= LATIN_SURE && t != r.value {
        let reader = std::mem::replace(&mut r.value, t.to_string());
        r.text = t.to_string();
        r.alternatives.retain(|v| v != t);
        r.alternatives.insert(0, reader);
        r.confidence = w.confidence;
        r.kind = digits::kind_of(t);
    }
}

/// From this confidence the number reader's Western number stands over
/// Tesseract's.
const READER_SURE: f32 = 0.95;

/// A number Tesseract read and the number reader was not asked about (a
/// sure Western number on a Latin page), as a reading.
fn tesseract_number(w: &Word) -> Option<NumberReading> {
    let t = w.text.trim_matches(|c: char| !c.is_alphanumeric());
    if t.is_empty() || !t.chars().any(|c| numbers::digit_value(c).is_some()) {
        return None;
    }
    if !t
        .chars()
        .all(|c| numbers::digit_value(c).is_some() || "/-.:".contains(c))
    {
        return None;
    }
    let value: String = t
        .chars()
        .map(|c| match numbers::digit_value(c) {
            Some(d) => char::from_digit(d, 10).unwrap_or(c),
            None => c,
        })
        .collect();
    Some(NumberReading {
        text: t.to_string(),
        kind: digits::kind_of(&value),
        value,
        confidence: w.confidence,
        alternatives: Vec::new(),
        bbox: w.bbox,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, x: u32, w: u32) -> Word {
        Word {
            text: text.into(),
            bbox: [x, 0, w, 40],
            confidence: 0.9,
        }
    }

    fn texts(words: &[Word]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn right_to_left_lines_in_logical_order() {
        // a number Tesseract put before the label to its right
        let mut line = vec![word("٥٧٩/٧٤", 1950, 159), word("الرقم:", 2127, 110)];
        right_to_left_order(&mut line);
        assert_eq!(texts(&line), ["الرقم:", "٥٧٩/٧٤"]);
        // already logical: left alone, a Latin run kept left to right
        let logical = [
            word("شركة", 900, 80),
            word("Ironbridge", 600, 200),
            word("Engineering", 820, 60),
            word("تقدمت", 400, 100),
        ];
        let mut line = logical.to_vec();
        right_to_left_order(&mut line);
        assert_eq!(texts(&line), texts(&logical));
        // out of order with a Latin run and a dash between its words
        let mut line = vec![
            word("Iron", 300, 80),
            word("-", 390, 10),
            word("Bridge", 410, 90),
            word("شركة", 520, 80),
            word("تقدمت", 100, 100),
        ];
        right_to_left_order(&mut line);
        assert_eq!(texts(&line), ["شركة", "Iron", "-", "Bridge", "تقدمت"]);
    }

    #[test]
    fn labels() {
        for w in ["رقم", "الرقم:", "تاريخ", "No.", "Date:", "Ref:"] {
            assert!(is_label(w), "{w}");
        }
        for w in ["بلدية", "Municipality", "١٤٤٥", "المالك:"] {
            assert!(!is_label(w), "{w}");
        }
    }

    #[test]
    fn numeric_looking_words() {
        assert!(looks_numeric("٤٤٥١", true));
        assert!(looks_numeric("6451١1", true));
        assert!(looks_numeric("VO1", true));
        assert!(!looks_numeric("Omran", false));
        assert!(!looks_numeric("OMR/2024/0917", false));
        assert!(!looks_numeric("MC-1445-0088", true));
        assert!(!looks_numeric("الهفوف", true));
    }
}

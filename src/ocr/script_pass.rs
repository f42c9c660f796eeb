//! Every word in its own script. A page is read with the model of its main
//! script, so the Arabic names in an English memo come out as Latin noise,
//! and an English company name in an Arabic letter as Arabic letters or
//! digits. Tesseract is unsure of such words. This pass finds, line by line,
//! the runs of words it was unsure of, crops each run from the page (out to
//! its sure neighbours) and reads only that crop again, as one line, with
//! the other script's model. A word of the other reading replaces the words
//! it lies over when it is sure, written in the other script, and holds no
//! digit (numbers have their own pass). No page is read twice.

use crate::types::Word;

use super::{centre_in, OcrPage};

/// Words below this confidence may be in the other script…
pub(crate) const DOUBTFUL: f32 = 0.65;
/// …and so may the words beside them up to this confidence (a run grows
/// from its unsure words through less unsure neighbours, as an edge does in
/// hysteresis thresholding): Tesseract is sometimes fairly sure of noise.
pub(crate) const NEIGHBOUR: f32 = 0.85;
/// A word of the other model's reading is taken from this confidence…
pub(crate) const OTHER_MIN: f32 = 0.75;
/// …when it is also this much surer than the words it lies over.
pub(crate) const OTHER_MARGIN: f32 = 0.1;
/// At most this many runs are read again on a page: a noisy page has many
/// unsure words, and nearly all of them are in its own script.
pub(crate) const MAX_RUNS: usize = 10;

/// The model that reads the other script of a page read with `languages`.
pub(crate) fn other_model(languages: &str) -> Option<&'static str> {
    match languages {
        "eng" => Some("ara"),
        "ara" => Some("eng"),
        _ => None,
    }
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{064A}' | '\u{0671}'..='\u{06D3}')
}

/// Whether a word read by `model` is a word of that model's script: at
/// least two of its letters, no letter of another script, no digit.
pub(crate) fn in_script(text: &str, model: &str) -> bool {
    if text.chars().any(|c| c.is_numeric()) {
        return false;
    }
    let own = |c: char| {
        if model == "ara" {
            is_arabic_letter(c)
        } else {
            c.is_ascii_alphabetic()
        }
    };
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|&c| own(c))
}

/// A run of unsure words on one line: its line, the words (indices into the
/// page's words, in reading order) and the box to read again.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    pub line: usize,
    pub words: Vec<usize>,
    pub bbox: [u32; 4],
}

/// Runs of unsure words, line by line, the least sure first, at most
/// [`MAX_RUNS`]. A run's box reaches out towards the sure words beside it
/// (by at most a line's height), since Tesseract's boxes for words of a
/// script it does not know often miss part of their ink.
///
/// On a page read with the Arabic model, a run whose every word is a word
/// of Arabic letters is left alone: that model reads an English word as
/// digits and marks (`Kestrel Contracting` as `0101136110 |6511|`), never
/// as Arabic letters alone. On `make eval`'s 120 scans such runs were 156
/// of the 266 runs read again on Arabic pages, and the English model took
/// nothing from any of them but `as?`, twice, for a misread `شهادة صحية`.
pub(crate) fn doubtful_runs(page: &OcrPage, page_width: u32) -> Vec<Run> {
    let arabic_page = page.languages == "ara";
    let mut runs: Vec<(f32, Run)> = Vec::new();
    for (li, (_, lb)) in page.lines.iter().enumerate() {
        let members: Vec<usize> = page
            .words
            .iter()
            .enumerate()
            .filter(|(_, w)| centre_in(&w.bbox, lb))
            .map(|(i, _)| i)
            .collect();
        // unsure words, and the less unsure ones next to them
        let mut unsure: Vec<bool> = members
            .iter()
            .map(|&i| page.words[i].confidence < DOUBTFUL)
            .collect();
        loop {
            let grow: Vec<usize> = (0..members.len())
                .filter(|&k| {
                    !unsure[k]
                        && page.words[members[k]].confidence < NEIGHBOUR
                        && ((k > 0 && unsure[k - 1]) || unsure.get(k + 1) == Some(&true))
                })
                .collect();
            if grow.is_empty() {
                break;
            }
            grow.into_iter().for_each(|k| unsure[k] = true);
        }
        let sure: Vec<[u32; 4]> = members
            .iter()
            .zip(&unsure)
            .filter(|(_, u)| !**u)
            .map(|(&i, _)| page.words[i].bbox)
            .collect();
        let line_h = lb[3].max(1);
        let mut close = |cur: &mut Vec<usize>| {
            let words = std::mem::take(cur);
            if words.is_empty() {
                return;
            }
            let b = union(words.iter().map(|&i| page.words[i].bbox));
            if b[2] < line_h {
                return; // a speck or a stray mark
            }
            // out to the sure words on either side
            let left = sure
                .iter()
                .map(|s| s[0] + s[2])
                .filter(|&r| r <= b[0])
                .max()
                .unwrap_or(0)
                .max(b[0].saturating_sub(line_h));
            let right = sure
                .iter()
                .map(|s| s[0])
                .filter(|&l| l >= b[0] + b[2])
                .min()
                .unwrap_or(page_width)
                .min(b[0] + b[2] + line_h);
            if arabic_page && words.iter().all(|&i| in_script(&page.words[i].text, "ara")) {
                // Arabic words the Arabic model was unsure of, not English
                // ones: it reads Latin letters as digits and marks
                return;
            }
            let mean =
                words.iter().map(|&i| page.words[i].confidence).sum::<f32>() / words.len() as f32;
            let top = lb[1].min(b[1]);
            let bottom = (lb[1] + lb[3]).max(b[1] + b[3]);
            runs.push((
                mean,
                Run {
                    line: li,
                    words,
                    bbox: [left, top, right.saturating_sub(left), bottom - top],
                },
            ));
        };
        let mut cur: Vec<usize> = Vec::new();
        for (&i, &u) in members.iter().zip(&unsure) {
            if u {
                cur.push(i);
            } else {
                close(&mut cur);
            }
        }
        close(&mut cur);
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs.truncate(MAX_RUNS);
    runs.into_iter().map(|(_, r)| r).collect()
}

pub(crate) fn union(boxes: impl Iterator<Item = [u32; 4]>) -> [u32; 4] {
    let u = boxes.fold([u32::MAX, u32::MAX, 0, 0], |u, b| {
        [
            u[0].min(b[0]),
            u[1].min(b[1]),
            u[2].max(b[0] + b[2]),
            u[3].max(b[1] + b[3]),
        ]
    });
    [
        u[0],
        u[1],
        u[2].saturating_sub(u[0]),
        u[3].saturating_sub(u[1]),
    ]
}

fn overlap(a: &[u32; 4], b: &[u32; 4]) -> u32 {
    (a[0] + a[2])
        .min(b[0] + b[2])
        .saturating_sub(a[0].max(b[0]))
}

/// Merge the other model's reading of a run (`read`, in page coordinates,
/// in that model's reading order) into the run's line. Returns the words
/// put in (empty when none was taken).
pub(crate) fn merge(page: &mut OcrPage, run: &Run, read: Vec<Word>, model: &str) -> Vec<Word> {
    tracing::debug!(
        run = ?run.words.iter().map(|&i| (&page.words[i].text, page.words[i].confidence)).collect::<Vec<_>>(),
        bbox = ?run.bbox,
        read = ?read.iter().map(|w| (&w.text, w.confidence)).collect::<Vec<_>>(),
        "other script"
    );
    let taken: Vec<Word> = read
        .into_iter()
        .filter(|w| w.confidence >= OTHER_MIN && in_script(&w.text, model))
        .collect();
    if taken.is_empty() {
        return taken;
    }
    // the run's words that a taken word lies over (half of either's width)
    let covered = |w: &Word| {
        taken.iter().any(|t| {
            let o = overlap(&w.bbox, &t.bbox);
            o * 2 >= w.bbox[2].min(t.bbox[2]).max(1)
        })
    };
    let gone: Vec<usize> = run
        .words
        .iter()
        .copied()
        .filter(|&i| covered(&page.words[i]))
        .collect();
    let old =
        gone.iter().map(|&i| page.words[i].confidence).sum::<f32>() / gone.len().max(1) as f32;
    let new = taken.iter().map(|w| w.confidence).sum::<f32>() / taken.len() as f32;
    if new < old + OTHER_MARGIN {
        return Vec::new();
    }
    let members: Vec<usize> = page
        .words
        .iter()
        .enumerate()
        .filter(|(_, w)| centre_in(&w.bbox, &page.lines[run.line].1))
        .map(|(i, _)| i)
        .collect();
    let mut line_words: Vec<Word> = Vec::with_capacity(members.len() + taken.len());
    let mut placed = false;
    for &i in &members {
        if gone.contains(&i) {
            if !placed {
                line_words.extend(taken.iter().cloned());
                placed = true;
            }
        } else {
            line_words.push(page.words[i].clone());
        }
    }
    if !placed {
        // nothing of the run lay under them: after the run's last word
        let last = *run.words.last().expect("a run has words");
        let at = members.iter().position(|&i| i == last).map_or(0, |p| p + 1);
        line_words.splice(at..at, taken.iter().cloned());
    }
    super::replace_line(page, run.line, &members, line_words);
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, x: u32, conf: f32) -> Word {
        Word {
            text: text.into(),
            bbox: [x, 10, 40, 20],
            confidence: conf,
        }
    }

    fn page(words: Vec<Word>) -> OcrPage {
        let text = words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        OcrPage {
            text: format!("Memo\n{text}\nend"),
            lines: vec![
                ("Memo".into(), [0, 0, 100, 8]),
                (text, [0, 8, 500, 24]),
                ("end".into(), [0, 40, 100, 8]),
            ],
            words,
            confidence: 0.9,
            languages: "eng".into(),
            rotation: 0,
            skew: 0.0,
            width: 500,
            height: 60,
            numbers: Vec::new(),
        }
    }

    #[test]
    fn script_of_a_word() {
        for (text, model, want) in [
            ("ماجد", "ara", true),
            ("الخريجي", "ara", true),
            ("Brightwater", "eng", true),
            ("Trading,", "eng", true),
            ("ماجد", "eng", false),
            ("Gu", "ara", false),
            ("3J)", "eng", false),
            ("1445", "eng", false),
            ("٤٤٥", "ara", false),
            ("a", "eng", false),
            ("Peterماجد", "eng", false),
        ] {
            assert_eq!(in_script(text, model), want, "{text} by {model}");
        }
    }

    #[test]
    fn runs_of_unsure_words_reach_to_their_sure_neighbours() {
        let p = page(vec![
            word("Complainant:", 0, 0.95),
            word("Gu", 60, 0.13),
            word("3J)", 110, 0.23),
            word("arb", 160, 0.37),
            word("The", 300, 0.96),
            Word {
                bbox: [400, 12, 10, 10], // a speck: narrower than a line is high
                ..word("x", 400, 0.2)
            },
        ]);
        let runs = doubtful_runs(&p, 500);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].line, 1);
        assert_eq!(runs[0].words, vec![1, 2, 3]);
        // from the end of "Complainant:" (40) to a line's height past "arb"
        assert_eq!(runs[0].bbox, [40, 8, 200 + 24 - 40, 24]);
    }

    #[test]
    fn unsure_arabic_words_on_an_arabic_page_are_not_read_in_english() {
        let mut p = page(vec![
            word("التاريخ:", 0, 0.95),
            word("نأمل", 60, 0.45),
            word("الحدائق", 110, 0.53),
            word("المدينة", 200, 0.96),
            word("0101136110", 260, 0.04), // `Kestrel` as the Arabic model reads it
            word("|6511|", 310, 0.17),
            word("الرياض", 400, 0.96),
        ]);
        p.languages = "ara".into();
        let runs = doubtful_runs(&p, 500);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].words, vec![4, 5]);
        // the same words on an English page are all read again
        p.languages = "eng".into();
        assert_eq!(doubtful_runs(&p, 500).len(), 2);
    }

    #[test]
    fn a_sure_reading_in_the_other_script_replaces_the_words_under_it() {
        let mut p = page(vec![
            word("Complainant:", 0, 0.95),
            word("Gu", 60, 0.13),
            word("3J)", 110, 0.23),
            word("arb", 160, 0.37),
            word("The", 300, 0.96),
        ]);
        let run = doubtful_runs(&p, 500).remove(0);
        let read = vec![
            Word {
                text: "ماجد".into(),
                bbox: [150, 10, 50, 20],
                confidence: 0.9,
            },
            Word {
                text: "نورة".into(),
                bbox: [58, 10, 80, 20],
                confidence: 0.88,
            },
            Word {
                text: "٤".into(), // a digit is never taken
                bbox: [100, 10, 10, 20],
                confidence: 0.99,
            },
        ];
        let taken = merge(&mut p, &run, read, "ara");
        assert_eq!(taken.len(), 2);
        assert_eq!(p.lines[1].0, "Complainant: ماجد نورة The");
        assert_eq!(p.text, "Memo\nComplainant: ماجد نورة The\nend");
        let texts: Vec<&str> = p.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["Complainant:", "ماجد", "نورة", "The"]);
    }

    #[test]
    fn an_unsure_other_reading_changes_nothing() {
        let mut p = page(vec![
            word("Complainant:", 0, 0.95),
            word("Gu", 60, 0.5),
            word("arb", 110, 0.6),
        ]);
        let before = p.text.clone();
        let run = doubtful_runs(&p, 500).remove(0);
        let read = vec![Word {
            text: "ماجد".into(),
            bbox: [60, 10, 80, 20],
            confidence: 0.62,
        }];
        assert!(merge(&mut p, &run, read, "ara").is_empty());
        // sure, but hardly surer than the words it would replace
        let read = vec![Word {
            text: "ماجد".into(),
            bbox: [60, 10, 80, 20],
            confidence: 0.76,
        }];
        let mut q = p.clone();
        q.words[1].confidence = 0.7;
        q.words[2].confidence = 0.7;
        let run = Run {
            line: 1,
            words: vec![1, 2],
            bbox: [40, 8, 120, 24],
        };
        assert!(merge(&mut q, &run, read, "ara").is_empty());
        assert_eq!(p.text, before);
    }
}

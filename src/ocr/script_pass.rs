//! Every word in its own script: a page is read with the model of its main
//! script, so the Arabic names in an English memo come out as Latin noise
//! (and an English company name in an Arabic letter as Arabic noise).
//! Such words read with low confidence. This pass finds runs of them on a
//! line and reads only those again, as one line, with the other model; the
//! other reading replaces them when it is confident and written in its own
//! script. No page is read twice.

use crate::types::Word;

use super::OcrPage;

/// Words below this confidence may be in the other script.
pub(crate) const DOUBTFUL: f32 = 0.6;
/// The other model's reading must be at least this confident…
pub(crate) const OTHER_MIN: f32 = 0.7;
/// …and this much more confident than the words it replaces.
pub(crate) const OTHER_MARGIN: f32 = 0.15;
/// At most this many runs are read again on a page (a noisy page has many
/// doubtful words, but they are in its own script).
pub(crate) const MAX_RUNS: usize = 12;

/// A run of doubtful words on one line: indices into the page's words, in
/// reading order, and the box around them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    pub words: Vec<usize>,
    pub bbox: [u32; 4],
}

/// The model that reads the other script of a page read with `languages`,
/// if there is one to try.
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

/// Whether a reading by `model` is written in that model's script.
pub(crate) fn in_script(text: &str, model: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return false;
    }
    let own = letters
        .iter()
        .filter(|&&c| {
            if model == "ara" {
                is_arabic_letter(c)
            } else {
                c.is_ascii_alphabetic()
            }
        })
        .count();
    own * 10 >= letters.len() * 9
}

/// Runs of doubtful words (no digits: numbers have their own pass), line by
/// line, the least confident first, at most [`MAX_RUNS`].
pub(crate) fn doubtful_runs(page: &OcrPage) -> Vec<Run> {
    let mut runs: Vec<(f32, Run)> = Vec::new();
    for (_, lb) in &page.lines {
        let mut cur: Vec<usize> = Vec::new();
        let members: Vec<usize> = page
            .words
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                let (cx, cy) = (w.bbox[0] + w.bbox[2] / 2, w.bbox[1] + w.bbox[3] / 2);
                cx >= lb[0] && cx <= lb[0] + lb[2] && cy >= lb[1] && cy <= lb[1] + lb[3]
            })
            .map(|(i, _)| i)
            .collect();
        let mut close = |cur: &mut Vec<usize>| {
            if !cur.is_empty() {
                let words: Vec<&Word> = cur.iter().map(|&i| &page.words[i]).collect();
                let letters: usize = words
                    .iter()
                    .map(|w| w.text.chars().filter(|c| c.is_alphabetic()).count())
                    .sum();
                if letters >= 2 {
                    let mean = words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32;
                    let bbox = union(words.iter().map(|w| w.bbox));
                    runs.push((
                        mean,
                        Run {
                            words: std::mem::take(cur),
                            bbox,
                        },
                    ));
                }
                cur.clear();
            }
        };
        for &i in &members {
            let w = &page.words[i];
            let numeric = w.text.chars().any(|c| c.is_numeric());
            if w.confidence < DOUBTFUL && !numeric {
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

/// Put a run's other reading in place of its words: in the words (at the
/// run's first word), its line and the page text.
pub(crate) fn replace_run(page: &mut OcrPage, run: &Run, words: Vec<Word>) {
    let old_text = run
        .words
        .iter()
        .map(|&i| page.words[i].text.clone())
        .collect::<Vec<_>>()
        .join(" ");
    let new_text = words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    tracing::debug!(old = %old_text, new = %new_text, "other script");
    for (line, _) in &mut page.lines {
        if let Some(at) = line.find(&old_text) {
            let new_line = format!(
                "{}{}{}",
                &line[..at],
                new_text,
                &line[at + old_text.len()..]
            );
            if let Some(p) = page.text.find(line.as_str()) {
                page.text.replace_range(p..p + line.len(), &new_line);
            }
            *line = new_line;
            break;
        }
    }
    let first = run.words[0];
    let mut out = Vec::with_capacity(page.words.len());
    for (i, w) in page.words.drain(..).enumerate() {
        if i == first {
            out.extend(words.iter().cloned());
        }
        if !run.words.contains(&i) {
            out.push(w);
        }
    }
    page.words = out;
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
            text: text.clone(),
            words,
            confidence: 0.8,
            languages: "eng".into(),
            rotation: 0,
            skew: 0.0,
            width: 1000,
            height: 100,
            lines: vec![(text, [0, 0, 1000, 50])],
            numbers: Vec::new(),
        }
    }

    #[test]
    fn runs_of_doubtful_words() {
        let p = page(vec![
            word("Inspector", 0, 0.95),
            word("pile", 50, 0.4),
            word("gall", 100, 0.3),
            word("visited", 150, 0.93),
            word("4451", 200, 0.2),
        ]);
        let runs = doubtful_runs(&p);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].words, vec![1, 2]);
        assert_eq!(runs[0].bbox, [50, 10, 90, 20]);
    }

    #[test]
    fn replacing_a_run() {
        let mut p = page(vec![
            word("Inspector", 0, 0.95),
            word("pile", 50, 0.4),
            word("gall", 100, 0.3),
            word("visited", 150, 0.93),
        ]);
        let run = doubtful_runs(&p).remove(0);
        replace_run(
            &mut p,
            &run,
            vec![word("ماجد", 100, 0.9), word("الغدير", 50, 0.9)],
        );
        assert_eq!(p.text, "Inspector ماجد الغدير visited");
        assert_eq!(p.words.len(), 4);
        assert_eq!(p.words[1].text, "ماجد");
    }

    #[test]
    fn scripts() {
        assert!(in_script("ماجد هدى", "ara"));
        assert!(!in_script("ماجد hd", "ara"));
        assert!(in_script("Omran Trading", "eng"));
        assert!(!in_script("١٢٣", "ara"));
    }
}

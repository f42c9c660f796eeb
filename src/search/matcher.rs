//! Which words of a text a query matched, the same way the index matched
//! them: exact (normalised), stemmed, prefix or, in the fuzzy pass, within
//! the allowed edit distance. Used for the pages a hit lists, its snippet,
//! and the word boxes to highlight on a page image.

use crate::analysis::{self, is_stopword, Stemmers};
use crate::types::Word;

use super::query::Clause;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Phrase,
    Prefix,
}

/// A clause after analysis.
#[derive(Debug, Clone)]
pub struct AnalyzedClause {
    pub kind: Kind,
    /// Normalised tokens.
    pub tokens: Vec<String>,
    /// Their stems (same length).
    pub stems: Vec<String>,
    /// For a single word: other stems it may be indexed under.
    pub alt_stems: Vec<String>,
    /// For a single word: spellings with the article added or removed.
    pub variants: Vec<String>,
    /// A single stopword: it adds to the score but is not required.
    pub stopword: bool,
    /// Edit distance allowed in the fuzzy pass (0 = none).
    pub fuzzy: u8,
    /// For a single word: its letter skeleton (see `analysis::rasm`).
    pub rasm: String,
    /// The clause as a reference number (`metadata::reference_key`), when
    /// it has digits: `١٤٤٥/٣٢١٧`, `1445-3217` and `1445/3217` alike.
    pub reference: Option<String>,
}

/// Edit distance allowed for an OCR-misread word: 1 from four letters, 2 from
/// eight. Numbers are never fuzzy (4451234 must not find licence 4451235).
pub fn fuzzy_distance(token: &str) -> u8 {
    if token.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    match token.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

pub fn analyze_clause(c: &Clause, stemmers: &Stemmers) -> Option<AnalyzedClause> {
    let tokens: Vec<String> = analysis::terms(c.text())
        .into_iter()
        .map(|t| t.text)
        .collect();
    if tokens.is_empty() {
        return None;
    }
    let stems = tokens
        .iter()
        .map(|t| stemmers.stem(t).into_owned())
        .collect();
    let kind = match c {
        Clause::Prefix(_) if tokens.len() == 1 => Kind::Prefix,
        Clause::Word(_) if tokens.len() == 1 => Kind::Word,
        _ if tokens.len() == 1 => Kind::Word,
        _ => Kind::Phrase,
    };
    let stopword = kind == Kind::Word && is_stopword(&tokens[0]);
    let fuzzy = if kind == Kind::Word {
        fuzzy_distance(&tokens[0])
    } else {
        0
    };
    let (alt_stems, variants) = if kind == Kind::Word && !stopword {
        (
            stemmers
                .query_stems(&tokens[0])
                .into_iter()
                .skip(1)
                .collect(),
            stemmers.variants(&tokens[0]),
        )
    } else {
        (vec![], vec![])
    };
    let rasm = analysis::rasm::skeleton(&tokens[0]);
    let reference = match c {
        Clause::Prefix(_) => None,
        _ => crate::metadata::reference_key(c.text()),
    };
    Some(AnalyzedClause {
        kind,
        tokens,
        stems,
        alt_stems,
        variants,
        stopword,
        fuzzy,
        rasm,
        reference,
    })
}

/// Optimal-string-alignment distance (insertions, deletions, substitutions
/// and adjacent transpositions), stopping early above `max`.
pub fn edit_distance(a: &str, b: &str, max: u8) -> u8 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = max as usize;
    if a.len().abs_diff(b.len()) > max {
        return (max + 1) as u8;
    }
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return (max + 1) as u8;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()].min(max + 1) as u8
}

/// A matched span of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: usize,
    pub to: usize,
    pub clause: usize,
}

pub struct Matcher {
    clauses: Vec<AnalyzedClause>,
    stemmers: Stemmers,
    fuzzy: bool,
    /// Whether an OCR word (as printed) matches: pages and documents repeat
    /// their words, so each distinct one is analysed once per search.
    word_memo: std::cell::RefCell<std::collections::HashMap<String, bool>>,
    /// [`Matcher::clause_of`] per normalised token, for the same reason.
    token_memo: std::cell::RefCell<std::collections::HashMap<String, Option<usize>>>,
}

impl Matcher {
    pub fn new(clauses: Vec<AnalyzedClause>, stemmers: Stemmers, fuzzy: bool) -> Self {
        Matcher {
            clauses,
            stemmers,
            fuzzy,
            word_memo: Default::default(),
            token_memo: Default::default(),
        }
    }

    pub fn clauses(&self) -> &[AnalyzedClause] {
        &self.clauses
    }

    /// The clause a normalised token matches, if any.
    fn clause_of(&self, token: &str) -> Option<usize> {
        if let Some(&c) = self.token_memo.borrow().get(token) {
            return c;
        }
        let c = self.clause_of_uncached(token);
        self.token_memo.borrow_mut().insert(token.to_string(), c);
        c
    }

    fn clause_of_uncached(&self, token: &str) -> Option<usize> {
        let stem = self.stemmers.stem(token);
        let mut fuzzy_hit = None;
        for (i, c) in self.clauses.iter().enumerate() {
            let hit = match c.kind {
                Kind::Prefix => token.starts_with(c.tokens[0].as_str()),
                Kind::Word | Kind::Phrase => {
                    c.tokens.iter().any(|t| t == token)
                        || c.stems.iter().any(|s| *s == *stem)
                        || c.variants.iter().any(|v| v == token)
                        || c.alt_stems.iter().any(|s| *s == *stem)
                }
            };
            if hit {
                return Some(i);
            }
            if self.fuzzy
                && fuzzy_hit.is_none()
                && c.fuzzy > 0
                && (edit_distance(token, &c.tokens[0], c.fuzzy) <= c.fuzzy
                    || edit_distance(&analysis::rasm::skeleton(token), &c.rasm, c.fuzzy) <= c.fuzzy)
            {
                fuzzy_hit = Some(i);
            }
        }
        fuzzy_hit
    }

    /// Matched spans of `text`, in order.
    pub fn spans(&self, text: &str) -> Vec<Span> {
        analysis::terms(text)
            .into_iter()
            .filter_map(|t| {
                self.clause_of(&t.text).map(|clause| Span {
                    from: t.from,
                    to: t.to,
                    clause,
                })
            })
            .collect()
    }

    /// Whether any required (non-stopword) clause matched among the spans.
    pub fn any_required(&self, spans: &[Span]) -> bool {
        spans.iter().any(|s| !self.clauses[s.clause].stopword)
    }

    /// Boxes of the OCR words the query matched.
    pub fn word_boxes(&self, words: &[Word]) -> Vec<[u32; 4]> {
        let mut memo = self.word_memo.borrow_mut();
        words
            .iter()
            .filter(|w| {
                if let Some(&m) = memo.get(w.text.as_str()) {
                    return m;
                }
                let m = analysis::terms(&w.text).iter().any(|t| {
                    self.clause_of(&t.text)
                        .is_some_and(|c| !self.clauses[c].stopword)
                });
                memo.insert(w.text.clone(), m);
                m
            })
            .map(|w| w.bbox)
            .collect()
    }
}

/// Number of distinct clauses among spans.
pub fn distinct_clauses(spans: &[Span]) -> usize {
    let mut seen: Vec<usize> = spans.iter().map(|s| s.clause).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// The best passage of at most `max_chars` characters around the matches,
/// HTML-escaped, matches in `<mark>`, whitespace collapsed.
pub fn snippet(text: &str, spans: &[Span], max_chars: usize) -> String {
    if spans.is_empty() {
        let cut: String = text.chars().take(max_chars).collect();
        return collapse(&escape(&cut)) + if cut.len() < text.len() { "…" } else { "" };
    }
    // Choose the window (starting at a match) covering the most distinct clauses.
    let mut best = (0usize, 0usize, 0usize); // (distinct, count, first span index)
    for i in 0..spans.len() {
        let limit = byte_offset_after_chars(text, spans[i].from, max_chars);
        let window: Vec<Span> = spans[i..]
            .iter()
            .take_while(|s| s.to <= limit)
            .copied()
            .collect();
        let key = (distinct_clauses(&window), window.len());
        if key > (best.0, best.1) {
            best = (key.0, key.1, i);
        }
    }
    let first = spans[best.2];
    // Some context before the first match, starting at a word boundary.
    let mut start = back_chars(text, first.from, max_chars / 5);
    if start > 0 {
        if let Some(ws) = text[start..first.from].find(char::is_whitespace) {
            start += ws + 1;
        }
    }
    let mut end = byte_offset_after_chars(text, start, max_chars);
    if end < text.len() {
        if let Some(ws) = text[..end].rfind(char::is_whitespace) {
            if ws > first.to {
                end = ws;
            }
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    for s in spans.iter().filter(|s| s.from >= start && s.to <= end) {
        out.push_str(&escape(&text[pos..s.from]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[s.from..s.to]));
        out.push_str("</mark>");
        pos = s.to;
    }
    out.push_str(&escape(&text[pos..end]));
    if end < text.len() {
        out.push('…');
    }
    collapse(&out)
}

fn byte_offset_after_chars(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map(|(i, _)| from + i)
        .unwrap_or(text.len())
}

fn back_chars(text: &str, to: usize, n: usize) -> usize {
    text[..to]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map(|(i, _)| i)
        .unwrap_or(0)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ArabicStemmer;

    fn matcher(q: &str, fuzzy: bool) -> Matcher {
        let stemmers = Stemmers::new(ArabicStemmer::Light);
        let parsed = super::super::query::parse(q).unwrap();
        let clauses = parsed
            .clauses
            .iter()
            .filter_map(|c| analyze_clause(c, &stemmers))
            .collect();
        Matcher::new(clauses, stemmers, fuzzy)
    }

    fn marked(q: &str, text: &str, fuzzy: bool) -> Vec<String> {
        let m = matcher(q, fuzzy);
        m.spans(text)
            .iter()
            .map(|s| text[s.from..s.to].to_string())
            .collect()
    }

    #[test]
    fn matches_exact_stem_prefix_and_fuzzy() {
        let text = "صدرت الشهادات الصحية لعمال مخبز الواحة، وتجدد شهادةً واحدة. Licences renewed.";
        assert_eq!(marked("شهادة", text, false), vec!["الشهادات", "شهادةً"]);
        assert_eq!(marked("licence", text, false), vec!["Licences"]);
        assert_eq!(marked("مخب*", text, false), vec!["مخبز"]);
        // الواحه misread as الواحھ… and typed with one letter wrong
        assert!(marked("الواحد", text, false).is_empty());
        assert_eq!(marked("الواحد", text, true), vec!["الواحة"]);
    }

    #[test]
    fn edit_distances() {
        let cases = [
            ("kitten", "sitten", 1),
            ("abcd", "abdc", 1),
            ("رخصه", "رخصة", 1),
            ("same", "same", 0),
            ("a", "abcd", 3),
        ];
        for (a, b, d) in cases {
            assert_eq!(edit_distance(a, b, 3), d, "{a} {b}");
        }
        assert_eq!(edit_distance("abcdef", "uvwxyz", 1), 2);
    }

    #[test]
    fn fuzzy_distance_by_length_and_never_for_numbers() {
        assert_eq!(fuzzy_distance("بلد"), 0);
        assert_eq!(fuzzy_distance("رخصه"), 1);
        assert_eq!(fuzzy_distance("inspection"), 2);
        assert_eq!(fuzzy_distance("27507976"), 0);
    }

    #[test]
    fn snippet_marks_and_keeps_logical_order() {
        let text = "بلدية المبرز\nشهادة صحية\nرقم الشهادة: 27507976\nاسم العامل: محمد أحمد السالم";
        let m = matcher("27507976 السالم", false);
        let spans = m.spans(text);
        let s = snippet(text, &spans, 200);
        assert_eq!(
            s,
            "بلدية المبرز شهادة صحية رقم الشهادة: <mark>27507976</mark> اسم العامل: محمد أحمد <mark>السالم</mark>"
        );
        // long text: the window with both words wins, with an ellipsis
        let long = format!(
            "{} السالم {} 27507976 السالم",
            "كلمة ".repeat(200),
            "نص ".repeat(10)
        );
        let spans = m.spans(&long);
        let s = snippet(&long, &spans, 120);
        assert!(s.starts_with('…'), "{s}");
        assert_eq!(s.matches("<mark>").count(), 3, "{s}");
        assert!(s.chars().count() < 180);
    }

    #[test]
    fn snippets_are_escaped() {
        let m = matcher("x", false);
        let text = "<b>x</b> & y";
        assert_eq!(
            snippet(text, &m.spans(text), 100),
            "&lt;b&gt;<mark>x</mark>&lt;/b&gt; &amp; y"
        );
    }
}

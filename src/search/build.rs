//! From an analysed query to tantivy queries.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    RegexQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::matcher::{AnalyzedClause, Kind};
use super::{Prepared, SearchRequest};

use crate::index::Fields;
use crate::types::BranchScope;

/// Per required word matched exactly, with the article changed or by stem.
const WORD: f32 = 1000.0;
/// Per word matched only within the fuzzy distance (half a word).
const FUZZY_MATCH: f32 = 500.0;
/// Per word matched exactly (normalised, unstemmed) rather than by stem.
const EXACT_WORD: f32 = 50.0;
/// Per word matched with the article added or removed (عمري ↔ العمري).
const VARIANT_WORD: f32 = 40.0;
/// Per word matched only approximately, by closeness: the same skeleton
/// (dot errors only), within the edit distance, within it on the skeleton.
const FUZZY_SAME_SKELETON: f32 = 8.0;
const FUZZY_WORD: f32 = 6.0;
const FUZZY_SKELETON: f32 = 4.0;
/// Per word matched only approximately, scaled by how rare the word it
/// matched is in the archive: a misread word is usually unique to its page,
/// while a near-spelling that many documents print (الرقم for الرقي) is a
/// different word.
const FUZZY_RARE: f32 = 20.0;
/// Below this rarity a fuzzy-matched word earns no bonus.
const MIN_RARITY: f32 = 0.5;
/// Words of the archive within the edit distance considered per query word.
pub const MAX_FUZZY_TERMS: usize = 1024;
/// A clause matching a document's reference number exactly: far above
/// any number of words, so the document the number names comes first.
const REFERENCE: f32 = 100.0 * WORD;
/// A number clause matching only an alternative reading of a number the
/// number reader was unsure of (`number_alt`), in a document where the
/// clause matches nothing else: an approximate match, like a fuzzy one,
/// so the document is found but ranks below every document where the
/// number was read as typed (those score at least WORD + EXACT_WORD).
const NUMBER_ALT: f32 = FUZZY_MATCH;
/// Weight of a stopword relative to other words.
const STOPWORD_WEIGHT: f32 = 0.1;

type Q = Box<dyn Query>;

fn term(field: Field, text: &str) -> Q {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn any(qs: Vec<Q>) -> Q {
    if qs.len() == 1 {
        return qs.into_iter().next().expect("one");
    }
    Box::new(BooleanQuery::new(
        qs.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

fn phrase(field: Field, tokens: &[String]) -> Q {
    Box::new(PhraseQuery::new(
        tokens
            .iter()
            .map(|t| Term::from_field_text(field, t))
            .collect(),
    ))
}

fn prefix(field: Field, p: &str) -> Q {
    // Tokens are letters and digits only, so the prefix needs no escaping.
    Box::new(
        RegexQuery::from_pattern(&format!("{p}.*"), field)
            .expect("letters and digits form a valid regex"),
    )
}

fn boost(q: Q, by: f32) -> Q {
    Box::new(BoostQuery::new(q, by))
}

fn constant(q: Q, score: f32) -> Q {
    Box::new(ConstScoreQuery::new(q, score))
}

/// The clause matched exactly (normalised) in the page text.
fn exact(f: &Fields, c: &AnalyzedClause) -> Q {
    match c.kind {
        Kind::Word => term(f.text, &c.tokens[0]),
        Kind::Phrase => phrase(f.text, &c.tokens),
        Kind::Prefix => prefix(f.text, &c.tokens[0]),
    }
}

/// The clause matched in a file name.
fn in_source(f: &Fields, c: &AnalyzedClause) -> Q {
    match c.kind {
        Kind::Word => term(f.source, &c.tokens[0]),
        Kind::Phrase => phrase(f.source, &c.tokens),
        Kind::Prefix => prefix(f.source, &c.tokens[0]),
    }
}

/// The word with the article added or removed, matched exactly.
fn variant(f: &Fields, c: &AnalyzedClause) -> Option<Q> {
    if c.kind != Kind::Word || c.variants.is_empty() {
        return None;
    }
    Some(any(c.variants.iter().map(|v| term(f.text, v)).collect()))
}

/// The clause matched by stem in the page text.
fn stemmed(f: &Fields, c: &AnalyzedClause) -> Option<Q> {
    match c.kind {
        Kind::Word => Some(any(std::iter::once(&c.stems[0])
            .chain(&c.alt_stems)
            .map(|s| term(f.text_stem, s))
            .collect())),
        Kind::Phrase => Some(phrase(f.text_stem, &c.stems)),
        Kind::Prefix => None,
    }
}

/// Within the edit distance of the word, or of its letter skeleton (so dot
/// errors, the commonest Arabic OCR errors, cost nothing).
fn fuzzy(f: &Fields, c: &AnalyzedClause, exp: Option<&FuzzyExpansion>) -> Option<Q> {
    (c.fuzzy > 0).then(|| {
        let text = fuzzy_text(f, c, exp);
        if c.rasm == c.tokens[0] {
            text
        } else {
            any(vec![text, fuzzy_query(f.text_rasm, &c.rasm, c.fuzzy)])
        }
    })
}

fn fuzzy_query(field: Field, text: &str, distance: u8) -> Q {
    Box::new(FuzzyTermQuery::new(
        Term::from_field_text(field, text),
        distance,
        true,
    ))
}

/// Within the edit distance of the word in the page text: the words the
/// expansion found, when it found them all (one walk of the term
/// dictionary serves every use), else a fuzzy query.
fn fuzzy_text(f: &Fields, c: &AnalyzedClause, exp: Option<&FuzzyExpansion>) -> Q {
    match exp.and_then(|e| e.terms.get(&c.tokens[0])) {
        Some(e) if e.complete => Box::new(TermSetQuery::new(
            e.terms
                .iter()
                .map(|(t, _)| Term::from_field_text(f.text, t)),
        )),
        _ => fuzzy_query(f.text, &c.tokens[0], c.fuzzy),
    }
}

/// Exact or stemmed (or, when `with_fuzzy`, fuzzy) match of a clause, in
/// the text or a file name. An exact match is always also a stemmed match
/// (same tokens, same stemmer), so the stemmed field alone covers both.
fn matches(f: &Fields, c: &AnalyzedClause, fuzzy_terms: Option<&FuzzyExpansion>) -> Q {
    let mut qs = vec![
        stemmed(f, c).unwrap_or_else(|| exact(f, c)),
        in_source(f, c),
    ];
    qs.extend(reference(f, c));
    qs.extend(variant(f, c));
    if fuzzy_terms.is_some() {
        qs.extend(fuzzy(f, c, fuzzy_terms));
    }
    any(qs)
}

/// The clause as a reference number, matched exactly.
fn reference(f: &Fields, c: &AnalyzedClause) -> Option<Q> {
    c.reference.as_ref().map(|key| {
        Box::new(TermQuery::new(
            Term::from_field_text(f.reference, key),
            IndexRecordOption::Basic,
        )) as Q
    })
}

/// The clause as a number one of whose alternative readings it is, in a
/// document where it matches nothing else (exactly, never by distance).
fn alternative_reading(f: &Fields, c: &AnalyzedClause) -> Option<Q> {
    c.reference.as_ref().map(|key| {
        let key = crate::index::number_key_of_reference(key);
        Box::new(BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.number_alt, &key),
                    IndexRecordOption::Basic,
                )) as Q,
            ),
            (Occur::MustNot, matches(f, c, None)),
        ])) as Q
    })
}

/// BM25 part of a clause's score (exactness is rewarded separately).
fn relevance(f: &Fields, c: &AnalyzedClause) -> Q {
    stemmed(f, c).unwrap_or_else(|| exact(f, c))
}

/// Documents imported under any branch of a limited scope (`None` for every
/// branch). An empty scope is not a filter: callers answer it with nothing.
pub fn scope_filter(f: &Fields, scope: &BranchScope) -> Option<Q> {
    match scope {
        BranchScope::Only(held) if !held.is_empty() => Some(any(held
            .iter()
            .map(|b| -> Q {
                Box::new(TermQuery::new(
                    Term::from_field_text(f.branch, b.as_str()),
                    IndexRecordOption::Basic,
                ))
            })
            .collect())),
        _ => None,
    }
}

/// Filters from the request and the query, and exclusions.
fn constraints(f: &Fields, p: &Prepared, req: &SearchRequest) -> Vec<(Occur, Q)> {
    let mut out: Vec<(Occur, Q)> = Vec::new();
    let raw = |field: Field, v: &str| -> Q {
        Box::new(TermQuery::new(
            Term::from_field_text(field, v),
            IndexRecordOption::Basic,
        ))
    };
    if let Some(q) = scope_filter(f, &req.scope) {
        out.push((Occur::Must, q));
    }
    if let Some(b) = &req.branch {
        out.push((Occur::Must, raw(f.branch, b.as_str())));
    }
    if let Some(t) = &req.doc_type {
        out.push((Occur::Must, raw(f.doc_type, t.as_str())));
    }
    if let Some(r) = req.review {
        out.push((Occur::Must, raw(f.review, r.as_str())));
    }
    if !p.parsed.branches.is_empty() {
        out.push((
            Occur::Must,
            any(p
                .parsed
                .branches
                .iter()
                .map(|b| raw(f.branch, b.as_str()))
                .collect()),
        ));
    }
    if !p.parsed.doc_types.is_empty() {
        out.push((
            Occur::Must,
            any(p
                .parsed
                .doc_types
                .iter()
                .map(|t| raw(f.doc_type, t.as_str()))
                .collect()),
        ));
    }
    if let Some(hex) = &p.parsed.sha256_prefix {
        out.push((
            Occur::Must,
            Box::new(
                RegexQuery::from_pattern(&format!("{hex}.*"), f.sha256)
                    .expect("hex is a valid regex"),
            ),
        ));
    }
    if req.date_from.is_some() || req.date_to.is_some() {
        use std::ops::Bound;
        let day = |d: crate::calendar::Day| {
            Term::from_field_date_for_search(f.doc_date, crate::index::day_term_value(d))
        };
        let lower = req
            .date_from
            .map_or(Bound::Unbounded, |d| Bound::Included(day(d)));
        let upper = req
            .date_to
            .map_or(Bound::Unbounded, |d| Bound::Excluded(day(d.succ())));
        out.push((
            Occur::Must,
            Box::new(tantivy::query::RangeQuery::new(lower, upper)),
        ));
    }
    if req.imported_from.is_some() || req.imported_to.is_some() {
        use std::ops::Bound;
        let day = |d: chrono::NaiveDate| {
            // Tantivy keeps dates as i64 nanoseconds: 1678 to 2262. Days
            // beyond are clamped (no import is that old, or that new).
            let lo = chrono::NaiveDate::from_ymd_opt(1678, 1, 1).expect("valid date");
            let hi = chrono::NaiveDate::from_ymd_opt(2262, 1, 1).expect("valid date");
            let t = d
                .clamp(lo, hi)
                .and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc();
            Term::from_field_date_for_search(
                f.imported_at,
                tantivy::DateTime::from_timestamp_secs(t.timestamp()),
            )
        };
        let lower = req
            .imported_from
            .map_or(Bound::Unbounded, |d| Bound::Included(day(d)));
        let upper = req.imported_to.map_or(Bound::Unbounded, |d| {
            d.succ_opt()
                .map_or(Bound::Unbounded, |next| Bound::Excluded(day(next)))
        });
        out.push((
            Occur::Must,
            Box::new(tantivy::query::RangeQuery::new(lower, upper)),
        ));
    }
    for c in &p.excluded {
        out.push((Occur::MustNot, matches(f, c, None)));
    }
    out
}

/// Every document the request's filters and scope let through (no query
/// text): what browsing lists.
/// `none` is a prepared empty query.
pub fn filter_query(f: &Fields, none: &Prepared, req: &SearchRequest) -> Q {
    let mut all: Vec<(Occur, Q)> = vec![(Occur::Must, Box::new(AllQuery))];
    all.extend(constraints(f, none, req));
    Box::new(BooleanQuery::new(all))
}

fn required(p: &Prepared) -> impl Iterator<Item = &AnalyzedClause> {
    p.clauses.iter().filter(|c| !c.stopword)
}

/// The query that selects and ranks documents.
///
/// Each required word contributes [`WORD`] when it matches at all (exactly,
/// with the article changed, or by stem), so a document matching more words
/// always outranks one matching fewer (for queries of up to a dozen words);
/// within that, an exact match adds [`EXACT_WORD`], an article variant
/// [`VARIANT_WORD`], and BM25 orders the rest. In the fuzzy pass a word
/// matched only approximately contributes [`FUZZY_MATCH`] (half a word), so
/// approximate matches rank below exact and stemmed ones; so does a number
/// matched only as an alternative reading ([`NUMBER_ALT`]). A document that
/// matches every required word therefore scores at least
/// `WORD × required words` ([`all_words_score`]).
/// Words of the archive within a query word's edit distance, with the
/// number of documents printing each, in the page-text field.
#[derive(Debug, Default)]
pub struct FuzzyExpansion {
    pub documents: u64,
    pub terms: std::collections::HashMap<String, Expanded>,
}

/// The words near one query word.
#[derive(Debug, Default)]
pub struct Expanded {
    /// Each word and the number of documents printing it.
    pub terms: Vec<(String, u64)>,
    /// False when there were more than [`MAX_FUZZY_TERMS`].
    pub complete: bool,
}

impl FuzzyExpansion {
    /// Expand every fuzzy-matchable word of the query against the index.
    pub fn of(
        searcher: &tantivy::Searcher,
        f: &Fields,
        p: &Prepared,
    ) -> tantivy::Result<FuzzyExpansion> {
        let mut out = FuzzyExpansion {
            documents: searcher.num_docs(),
            ..Default::default()
        };
        for c in required(p).filter(|c| c.fuzzy > 0) {
            let word = &c.tokens[0];
            if out.terms.contains_key(word) {
                continue;
            }
            let fq = FuzzyTermQuery::new(Term::from_field_text(f.text, word), c.fuzzy, true);
            let dfa = fq.automaton()?;
            let mut found: std::collections::BTreeMap<String, u64> = Default::default();
            let mut complete = true;
            'segments: for segment in searcher.segment_readers() {
                let inverted = segment.inverted_index(f.text)?;
                let mut stream = inverted.terms().search(&dfa).into_stream()?;
                while stream.advance() {
                    if let Ok(t) = std::str::from_utf8(stream.key()) {
                        *found.entry(t.to_string()).or_default() +=
                            u64::from(stream.value().doc_freq);
                        if found.len() > MAX_FUZZY_TERMS {
                            complete = false;
                            break 'segments;
                        }
                    }
                }
            }
            out.terms.insert(
                word.clone(),
                Expanded {
                    terms: found.into_iter().collect(),
                    complete,
                },
            );
        }
        Ok(out)
    }

    /// 1 for a word one document prints, falling towards 0 for a word
    /// every document prints.
    fn rarity(&self, df: u64) -> f32 {
        let n = self.documents.max(2) as f32;
        let df = df.max(1) as f32;
        ((n / df).ln() / n.ln()).clamp(0.0, 1.0)
    }
}

pub fn ranking_query(
    f: &Fields,
    p: &Prepared,
    req: &SearchRequest,
    fuzzy_terms: Option<&FuzzyExpansion>,
) -> Q {
    let mut outer: Vec<(Occur, Q)> = Vec::new();
    if required(p).next().is_none() {
        // Filters only (and perhaps stopwords): every document that passes.
        outer.push((Occur::Must, Box::new(AllQuery)));
        if !p.clauses.is_empty() {
            outer.push((
                Occur::Should,
                any(p.clauses.iter().map(|c| relevance(f, c)).collect()),
            ));
        }
    } else {
        // Should-only queries: at least one required word must match;
        // stopwords only add to the score.
        let mut score: Vec<Q> = Vec::new();
        let mut optional: Vec<Q> = Vec::new();
        for c in &p.clauses {
            let w = if c.stopword { STOPWORD_WEIGHT } else { 1.0 };
            let score = if c.stopword {
                &mut optional
            } else {
                &mut score
            };
            score.push(constant(matches(f, c, None), WORD * w));
            if let Some(r) = reference(f, c) {
                score.push(constant(r, REFERENCE));
            }
            if let Some(a) = alternative_reading(f, c) {
                score.push(constant(a, NUMBER_ALT * w));
            }
            if c.kind != Kind::Phrase {
                // Phrases rank by their stemmed match alone: evaluating
                // positions a second time doubled phrase latency.
                score.push(constant(exact(f, c), EXACT_WORD * w));
            }
            if let Some(v) = variant(f, c) {
                score.push(constant(v, VARIANT_WORD * w));
            }
            if c.kind != Kind::Phrase {
                score.push(boost(relevance(f, c), w));
            }
            if let (Some(exp), false, true) = (fuzzy_terms, c.stopword, c.fuzzy > 0) {
                // Half a word for an approximate match of any kind, plus a
                // little by closeness (together always below one word).
                if let Some(any_fuzzy) = fuzzy(f, c, fuzzy_terms) {
                    score.push(constant(any_fuzzy, FUZZY_MATCH));
                }
                score.push(constant(fuzzy_text(f, c, fuzzy_terms), FUZZY_WORD));
                let near = exp.terms.get(&c.tokens[0]);
                for (t, df) in near.map(|e| e.terms.as_slice()).unwrap_or_default() {
                    // Only rare words earn the bonus: their postings are
                    // short, so this costs little even on a large archive.
                    let rarity = exp.rarity(*df);
                    if t != &c.tokens[0] && rarity >= MIN_RARITY {
                        score.push(constant(term(f.text, t), FUZZY_RARE * rarity));
                    }
                }
                if c.rasm != c.tokens[0] {
                    score.push(constant(term(f.text_rasm, &c.rasm), FUZZY_SAME_SKELETON));
                    score.push(constant(
                        fuzzy_query(f.text_rasm, &c.rasm, c.fuzzy),
                        FUZZY_SKELETON,
                    ));
                }
            }
        }
        outer.push((Occur::Must, any(score)));
        if !optional.is_empty() {
            outer.push((Occur::Should, any(optional)));
        }
    }
    outer.extend(constraints(f, p, req));
    Box::new(BooleanQuery::new(outer))
}

/// The lowest score of a document matching every required word exactly,
/// with an article variant, or by stem.
pub fn all_words_score(p: &Prepared) -> f32 {
    required(p).count() as f32 * WORD
}

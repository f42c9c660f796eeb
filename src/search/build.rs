//! From an analysed query to tantivy queries.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::matcher::{AnalyzedClause, Kind};
use super::{Prepared, SearchRequest};
use crate::index::Fields;

/// Score given to documents matching every word exactly or by stem.
const ALL_WORDS: f32 = 1000.0;
/// … every word, allowing OCR errors (fuzzy pass only).
const ALL_WORDS_FUZZY: f32 = 500.0;
/// Per word matched exactly (normalised, unstemmed) rather than by stem.
const EXACT_WORD: f32 = 50.0;
/// Per word matched only within the fuzzy edit distance.
const FUZZY_WORD: f32 = 5.0;
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

fn every(qs: Vec<Q>) -> Q {
    Box::new(BooleanQuery::new(
        qs.into_iter().map(|q| (Occur::Must, q)).collect(),
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

/// The clause matched exactly (normalised) in the text, title or file name.
fn exact(f: &Fields, c: &AnalyzedClause) -> Q {
    match c.kind {
        Kind::Word => any(vec![
            term(f.text, &c.tokens[0]),
            term(f.title, &c.tokens[0]),
            term(f.source, &c.tokens[0]),
        ]),
        Kind::Phrase => any(vec![
            phrase(f.text, &c.tokens),
            phrase(f.title, &c.tokens),
            phrase(f.source, &c.tokens),
        ]),
        Kind::Prefix => any(vec![
            prefix(f.text, &c.tokens[0]),
            prefix(f.title, &c.tokens[0]),
            prefix(f.source, &c.tokens[0]),
        ]),
    }
}

/// The clause matched by stem in the page text.
fn stemmed(f: &Fields, c: &AnalyzedClause) -> Option<Q> {
    match c.kind {
        Kind::Word => Some(term(f.text_stem, &c.stems[0])),
        Kind::Phrase => Some(phrase(f.text_stem, &c.stems)),
        Kind::Prefix => None,
    }
}

fn fuzzy(f: &Fields, c: &AnalyzedClause) -> Option<Q> {
    (c.fuzzy > 0).then(|| -> Q {
        Box::new(FuzzyTermQuery::new(
            Term::from_field_text(f.text, &c.tokens[0]),
            c.fuzzy,
            true,
        ))
    })
}

/// Exact or stemmed (or, when `with_fuzzy`, fuzzy) match of a clause.
fn matches(f: &Fields, c: &AnalyzedClause, with_fuzzy: bool) -> Q {
    let mut qs = vec![exact(f, c)];
    qs.extend(stemmed(f, c));
    if with_fuzzy {
        qs.extend(fuzzy(f, c));
    }
    any(qs)
}

/// BM25 part of a clause's score: exact matches weigh more than stems.
fn relevance(f: &Fields, c: &AnalyzedClause) -> Q {
    let mut qs = vec![boost(exact(f, c), 1.5)];
    qs.extend(stemmed(f, c));
    any(qs)
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
    if let Some(b) = &req.branch {
        out.push((Occur::Must, raw(f.branch, b.as_str())));
    }
    if let Some(t) = &req.doc_type {
        out.push((Occur::Must, raw(f.doc_type, t.as_str())));
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
    for c in &p.excluded {
        out.push((Occur::MustNot, matches(f, c, false)));
    }
    out
}

fn required(p: &Prepared) -> impl Iterator<Item = &AnalyzedClause> {
    p.clauses.iter().filter(|c| !c.stopword)
}

/// Documents matching every required word (and the filters).
pub fn all_words(f: &Fields, p: &Prepared, req: &SearchRequest, with_fuzzy: bool) -> Q {
    let mut clauses: Vec<(Occur, Q)> = required(p)
        .map(|c| (Occur::Must, matches(f, c, with_fuzzy)))
        .collect();
    if clauses.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    clauses.extend(constraints(f, p, req));
    Box::new(BooleanQuery::new(clauses))
}

/// The query that selects and ranks documents.
pub fn ranking_query(f: &Fields, p: &Prepared, req: &SearchRequest, with_fuzzy: bool) -> Q {
    let req_clauses: Vec<&AnalyzedClause> = required(p).collect();
    let mut outer: Vec<(Occur, Q)> = Vec::new();
    if req_clauses.is_empty() {
        // Filters only (and perhaps stopwords): every document that passes.
        outer.push((Occur::Must, Box::new(AllQuery)));
    } else {
        // At least one word must match; it contributes no score by itself.
        let any_word = any(req_clauses
            .iter()
            .map(|c| matches(f, c, with_fuzzy))
            .collect());
        outer.push((Occur::Must, constant(any_word, 0.0)));
        let mut score: Vec<Q> = Vec::new();
        score.push(constant(
            every(req_clauses.iter().map(|c| matches(f, c, false)).collect()),
            ALL_WORDS,
        ));
        if with_fuzzy {
            score.push(constant(
                every(req_clauses.iter().map(|c| matches(f, c, true)).collect()),
                ALL_WORDS_FUZZY,
            ));
        }
        for c in &p.clauses {
            let w = if c.stopword { STOPWORD_WEIGHT } else { 1.0 };
            score.push(constant(exact(f, c), EXACT_WORD * w));
            score.push(boost(relevance(f, c), w));
            if with_fuzzy && !c.stopword {
                if let Some(fz) = fuzzy(f, c) {
                    score.push(constant(fz, FUZZY_WORD));
                }
            }
        }
        outer.push((Occur::Should, any(score)));
    }
    outer.extend(constraints(f, p, req));
    Box::new(BooleanQuery::new(outer))
}

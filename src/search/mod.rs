//! Search: a query as staff type it, plus filters, in; ranked documents with
//! the pages that matched and a highlighted snippet out.
//!
//! Ranking, from the top:
//! 1. documents matching every word (exactly or by stem),
//! 2. in the fuzzy pass, documents matching every word allowing OCR errors,
//!    or a number only as an alternative reading of one the number reader
//!    was unsure of (these join in on the first pass: never by distance),
//! 3. the rest, by how many words they match;
//!
//! and within each tier an exact (normalised) match of a word outranks a
//! stem-only match, then BM25 decides, then the document id (so the same
//! query always gives the same order). The fuzzy pass runs only when fewer
//! than [`FEW`] documents match every word exactly or by stem.

mod build;
pub mod matcher;
pub mod query;

use std::cmp::Reverse;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::Value;
use tantivy::{DocId as TantivyDocId, Score, SegmentReader, TantivyDocument};

use crate::analysis::Stemmers;
use crate::calendar::{Calendar, Day};
use crate::index::SearchIndex;
use crate::types::{BlobId, BranchScope, BranchSlug, DocId, DocType, Word};

pub use matcher::{AnalyzedClause, Matcher};
pub use query::{parse, Clause, ParsedQuery};

/// Below this many documents matching every word (a first page of results),
/// fuzzy matching joins in.
pub const FEW: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the query is empty; type a word printed on the document, a number or a name")]
    EmptyQuery,
    #[error("{0}")]
    BadQuery(String),
    #[error("every word in {0:?} is too common to search for on its own; add a name, a number, a place or another distinctive word")]
    OnlyStopwords(String),
    #[error("{0:?} has no letters or digits to search for")]
    NoSearchableText(String),
    #[error("the query only says what to leave out; add a word to look for, or a filter such as branch:hofuf")]
    OnlyExclusions,
    #[error("search failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// A search as a person asks it.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub branch: Option<BranchSlug>,
    pub doc_type: Option<DocType>,
    pub limit: usize,
    pub offset: usize,
    /// Only documents imported on or after this day (UTC).
    pub imported_from: Option<chrono::NaiveDate>,
    /// Only documents imported on or before this day (UTC).
    pub imported_to: Option<chrono::NaiveDate>,
    /// Only documents dated (corrected date, else the date read from the
    /// text) on or after this day.
    pub date_from: Option<Day>,
    /// Only documents dated on or before this day.
    pub date_to: Option<Day>,
    /// Only documents in this review state.
    pub review: Option<crate::catalog::ReviewState>,
    /// Count the results by branch, type and year (in this calendar).
    pub facets: Option<Calendar>,
    /// Whose search this is: only documents in scope are found, counted and
    /// shown, and hits name only the branches and sources in scope.
    pub scope: BranchScope,
}

impl SearchRequest {
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            branch: None,
            doc_type: None,
            limit: 10,
            offset: 0,
            imported_from: None,
            imported_to: None,
            date_from: None,
            date_to: None,
            review: None,
            facets: None,
            scope: BranchScope::All,
        }
    }
}

/// Results as `arshif search --json` prints them.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Whether OCR-tolerant (fuzzy) matching was used.
    pub fuzzy: bool,
    /// How the query was read, when that is worth saying.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// Counts of all the results by branch, type and year, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: DocId,
    pub sha256: BlobId,
    pub sources: Vec<String>,
    pub title: String,
    pub branch: Option<String>,
    pub doc_type: Option<String>,
    /// `{"hijri":"1445-03-12","gregorian":"2023-09-27"}`.
    pub document_date: Option<serde_json::Value>,
    pub reference_numbers: Vec<String>,
    /// The hit's place in the whole result list, from 1. Raw scores are
    /// not shown: BM25 weighs a word by how many documents of the whole
    /// index hold it, other branches' included, so a score watched across
    /// imports would tell a user that another branch imported a document
    /// containing some word. A rank says only how the caller's own results
    /// order.
    pub rank: usize,
    /// The relevance score (for ordering and tests; never serialised).
    #[serde(skip)]
    pub score: f32,
    /// Page numbers where the query matched.
    pub pages: Vec<u32>,
    /// The best passage, HTML-escaped, matched words in `<mark>…</mark>`.
    pub snippet: String,
    /// For each matched page, where on it the matched words are.
    pub matches: Vec<PageMatches>,
}

/// The boxes of the matched words on one page: `[x, y, w, h]` in pixels of
/// the upright page (as [`Word::bbox`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageMatches {
    pub page: u32,
    pub boxes: Vec<[u32; 4]>,
}

/// Where search finds the words (with their boxes) of a document's pages;
/// the catalog is one.
pub trait PageWords {
    /// The words of the given pages of a document, by page number.
    fn words_of(&self, doc: DocId, pages: &[u32]) -> Vec<(u32, Vec<Word>)>;
}

/// No word boxes: hits come without `matches`.
pub struct NoWords;

impl PageWords for NoWords {
    fn words_of(&self, _: DocId, _: &[u32]) -> Vec<(u32, Vec<Word>)> {
        Vec::new()
    }
}

impl<C: crate::catalog::Catalog + ?Sized> PageWords for C {
    fn words_of(&self, doc: DocId, pages: &[u32]) -> Vec<(u32, Vec<Word>)> {
        // A document the catalog cannot read simply has no boxes: the hit
        // itself came from the index and still stands.
        self.page_words(doc, pages).unwrap_or_default()
    }
}

/// The branches, document types and years of a set of documents (those in
/// a scope, or a search's results), each with how many documents have it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Facets {
    pub branches: Vec<FacetCount>,
    pub doc_types: Vec<FacetCount>,
    /// The calendar `years` counts in.
    pub calendar: Calendar,
    /// Years of the documents' dates, latest first; undated documents are
    /// not counted.
    pub years: Vec<FacetCount>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FacetCount {
    pub value: String,
    pub count: usize,
}

/// The order of a browsed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BrowseSort {
    /// The document's date, oldest first (undated last).
    Date,
    /// The document's date, newest first (undated last).
    DateDesc,
    /// When it was imported, oldest first.
    Imported,
    /// When it was imported, newest first: the home page's list.
    #[default]
    ImportedDesc,
    /// By title, as folded for search (أ with ا, ة with ه).
    Title,
    /// By its first reference number, by value (documents without one last).
    Number,
}

impl BrowseSort {
    /// `date`, `-date`, `imported`, `-imported`, `title`, `number`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "date" => BrowseSort::Date,
            "-date" => BrowseSort::DateDesc,
            "imported" => BrowseSort::Imported,
            "-imported" => BrowseSort::ImportedDesc,
            "title" => BrowseSort::Title,
            "number" => BrowseSort::Number,
            _ => return None,
        })
    }
}

/// A page of a browsed list: the documents' ids in order, and how many
/// there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browsed {
    pub total: usize,
    pub ids: Vec<DocId>,
}

/// Sort key of a browsed document: greater first. (present, number,
/// text, id) with text and id reversed, so that text ascends; the id breaks
/// ties.
type BrowseKey = (u8, i64, Reverse<String>, Reverse<u64>);

/// The documents that pass the request's filters and scope (its query text
/// is not used), in `sort` order: browsing without searching.
pub fn browse(
    index: &SearchIndex,
    req: &SearchRequest,
    sort: BrowseSort,
) -> Result<Browsed, SearchError> {
    if matches!(&req.scope, BranchScope::Only(held) if held.is_empty())
        || req.branch.as_ref().is_some_and(|b| !req.scope.allows(b))
    {
        return Ok(Browsed {
            total: 0,
            ids: Vec::new(),
        });
    }
    let none = Prepared {
        parsed: Default::default(),
        clauses: Vec::new(),
        excluded: Vec::new(),
        stemmers: Stemmers::new(index.analysis().arabic_stemmer),
    };
    let query = build::filter_query(index.fields(), &none, req);
    let top = TopDocs::with_limit(req.limit.max(1))
        .and_offset(req.offset)
        .order_by(move |segment: &SegmentReader| {
            let ff = segment.fast_fields();
            let ids = ff
                .u64("doc_id")
                .expect("doc_id is a fast field")
                .first_or_default_col(0);
            let date_field = match sort {
                BrowseSort::Date | BrowseSort::DateDesc => Some("doc_date"),
                BrowseSort::Imported | BrowseSort::ImportedDesc => Some("imported_at"),
                _ => None,
            };
            let dates = date_field.map(|f| ff.date(f).expect("a date fast field"));
            let text_field = match sort {
                BrowseSort::Title => Some("title_sort"),
                BrowseSort::Number => Some("number_sort"),
                _ => None,
            };
            let texts = text_field.and_then(|f| ff.str(f).expect("a text fast field"));
            // Ties (the same day, or the same second of import) go to the
            // newer document in the newest-first orders, to the older one
            // in the others.
            let newest_first = matches!(sort, BrowseSort::DateDesc | BrowseSort::ImportedDesc);
            move |doc: TantivyDocId| -> BrowseKey {
                let raw = ids.get_val(doc);
                let id = Reverse(if newest_first { u64::MAX - raw } else { raw });
                if let Some(dates) = &dates {
                    return match dates.first(doc) {
                        Some(d) => {
                            let t = d.into_timestamp_secs();
                            let t = match sort {
                                BrowseSort::Date | BrowseSort::Imported => -t,
                                _ => t,
                            };
                            (1, t, Reverse(String::new()), id)
                        }
                        None => (0, 0, Reverse(String::new()), id),
                    };
                }
                let mut text = String::new();
                let present = texts.as_ref().is_some_and(|col| {
                    col.term_ords(doc)
                        .next()
                        .is_some_and(|ord| col.ord_to_str(ord, &mut text).unwrap_or(false))
                });
                (u8::from(present), 0, Reverse(text), id)
            }
        });
    let searcher = index.searcher();
    let (total, top) = searcher.search(&*query, &(Count, top))?;
    let ids = top
        .into_iter()
        .map(|(_, addr)| {
            let ids = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64("doc_id")
                .expect("doc_id is a fast field")
                .first_or_default_col(0);
            DocId(ids.get_val(addr.doc_id) as i64)
        })
        .collect();
    Ok(Browsed { total, ids })
}

/// The facet counts of the documents in a scope (for filter menus).
pub fn facets(
    index: &SearchIndex,
    scope: &BranchScope,
    calendar: Calendar,
) -> Result<Facets, SearchError> {
    use tantivy::query::{AllQuery, Query};
    if matches!(scope, BranchScope::Only(held) if held.is_empty()) {
        return Ok(FacetCollector::empty(calendar));
    }
    let f = index.fields();
    let query: Box<dyn Query> = build::scope_filter(f, scope).unwrap_or_else(|| Box::new(AllQuery));
    let counts = index
        .searcher()
        .search(&*query, &FacetCollector::new(calendar))?;
    Ok(FacetCollector::finish(counts, calendar, scope))
}

/// Counts, in one pass over the matching documents, the values of the
/// branch, type and year fast fields.
#[derive(Clone, Copy)]
struct FacetCollector {
    fields: [&'static str; 3],
}

type FacetMaps = [std::collections::BTreeMap<String, usize>; 3];

impl FacetCollector {
    fn new(calendar: Calendar) -> Self {
        let year = match calendar {
            Calendar::Hijri => "year_hijri",
            Calendar::Gregorian => "year_gregorian",
        };
        FacetCollector {
            fields: ["branch", "doc_type", year],
        }
    }

    fn empty(calendar: Calendar) -> Facets {
        Facets {
            branches: Vec::new(),
            doc_types: Vec::new(),
            calendar,
            years: Vec::new(),
        }
    }

    /// Values outside the scope (another branch a shared document was
    /// also imported under) are left out: a count never tells of records
    /// the caller cannot see.
    fn finish(maps: FacetMaps, calendar: Calendar, scope: &BranchScope) -> Facets {
        let [branches, doc_types, years] = maps;
        let list = |m: std::collections::BTreeMap<String, usize>| -> Vec<FacetCount> {
            m.into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect()
        };
        let mut years = list(years);
        years.reverse();
        Facets {
            branches: list(branches)
                .into_iter()
                .filter(|b| {
                    b.value
                        .parse::<BranchSlug>()
                        .is_ok_and(|s| scope.allows(&s))
                })
                .collect(),
            doc_types: list(doc_types),
            calendar,
            years,
        }
    }
}

struct FacetSegment {
    columns: Vec<Option<tantivy::columnar::StrColumn>>,
    counts: Vec<Vec<usize>>,
}

impl tantivy::collector::Collector for FacetCollector {
    type Fruit = FacetMaps;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        _: tantivy::SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<FacetSegment> {
        let mut columns = Vec::new();
        let mut counts = Vec::new();
        for name in self.fields {
            let column = segment.fast_fields().str(name)?;
            counts.push(vec![0; column.as_ref().map_or(0, |c| c.num_terms())]);
            columns.push(column);
        }
        Ok(FacetSegment { columns, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetMaps>) -> tantivy::Result<FacetMaps> {
        let mut out = FacetMaps::default();
        for fruit in fruits {
            for (i, map) in fruit.into_iter().enumerate() {
                for (k, v) in map {
                    *out[i].entry(k).or_default() += v;
                }
            }
        }
        Ok(out)
    }
}

impl tantivy::collector::SegmentCollector for FacetSegment {
    type Fruit = FacetMaps;

    fn collect(&mut self, doc: TantivyDocId, _: Score) {
        for (column, counts) in self.columns.iter().zip(&mut self.counts) {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    counts[ord as usize] += 1;
                }
            }
        }
    }

    fn harvest(self) -> FacetMaps {
        let mut out = FacetMaps::default();
        for (i, (column, counts)) in self.columns.iter().zip(self.counts).enumerate() {
            let Some(column) = column else { continue };
            for (ord, n) in counts.into_iter().enumerate() {
                let mut value = String::new();
                if n > 0 && column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                    out[i].insert(value, n);
                }
            }
        }
        out
    }
}

/// Boxes of the words matching `matcher` on the given pages of a document.
fn locate(matcher: &Matcher, words: &[(u32, Vec<Word>)], pages: &[u32]) -> Vec<PageMatches> {
    pages
        .iter()
        .map(|&page| PageMatches {
            page,
            boxes: words
                .iter()
                .find(|(n, _)| *n == page)
                .map(|(_, w)| matcher.word_boxes(w))
                .unwrap_or_default(),
        })
        .collect()
}

/// Where a query's words are on a document's pages (for a viewer opened
/// from a search): exact and stemmed matches, or near matches when there
/// are none. Pages without a match are left out.
pub fn matches_in(
    index: &SearchIndex,
    query: &str,
    words: &[(u32, Vec<Word>)],
) -> Result<Vec<PageMatches>, SearchError> {
    let prepared = prepare(index, &SearchRequest::new(query))?;
    let pages: Vec<u32> = words.iter().map(|(n, _)| *n).collect();
    for fuzzy in [false, true] {
        let m = Matcher::new(prepared.clauses.clone(), prepared.stemmers, fuzzy);
        let found: Vec<PageMatches> = locate(&m, words, &pages)
            .into_iter()
            .filter(|p| !p.boxes.is_empty())
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;

/// A parsed and analysed query, ready to run.
pub struct Prepared {
    pub parsed: ParsedQuery,
    pub clauses: Vec<AnalyzedClause>,
    pub excluded: Vec<AnalyzedClause>,
    pub stemmers: Stemmers,
}

/// Parse and analyse a request's query; the errors are the helpful answers
/// to queries that cannot be run.
pub fn prepare(index: &SearchIndex, req: &SearchRequest) -> Result<Prepared, SearchError> {
    let q = req.query.trim();
    let parsed = query::parse(q).map_err(|e| SearchError::BadQuery(e.0))?;
    let stemmers = Stemmers::new(index.analysis().arabic_stemmer);
    let clauses: Vec<AnalyzedClause> = parsed
        .clauses
        .iter()
        .filter_map(|c| matcher::analyze_clause(c, &stemmers))
        .collect();
    let excluded: Vec<AnalyzedClause> = parsed
        .excluded
        .iter()
        .filter_map(|c| matcher::analyze_clause(c, &stemmers))
        .collect();
    let has_filter = req.branch.is_some()
        || req.review.is_some()
        || req.doc_type.is_some()
        || !parsed.branches.is_empty()
        || !parsed.doc_types.is_empty()
        || parsed.sha256_prefix.is_some()
        || req.date_from.is_some()
        || req.date_to.is_some()
        || req.imported_from.is_some()
        || req.imported_to.is_some()
        // Counting everything is a fair question (but counts do not make a
        // query of common words searchable).
        || (req.facets.is_some() && q.is_empty());
    if clauses.iter().all(|c| c.stopword) && !has_filter {
        if q.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        if !clauses.is_empty() {
            return Err(SearchError::OnlyStopwords(q.to_string()));
        }
        if !parsed.excluded.is_empty() {
            return Err(SearchError::OnlyExclusions);
        }
        return Err(SearchError::NoSearchableText(q.to_string()));
    }
    Ok(Prepared {
        parsed,
        clauses,
        excluded,
        stemmers,
    })
}

/// Sort key: score, then the lower document id first.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
struct Rank(Score, Reverse<u64>);

fn ranked(
    limit: usize,
    offset: usize,
) -> impl tantivy::collector::Collector<Fruit = Vec<(Rank, tantivy::DocAddress)>> {
    TopDocs::with_limit(limit)
        .and_offset(offset)
        .tweak_score(move |segment: &SegmentReader| {
            let ids = segment
                .fast_fields()
                .u64("doc_id")
                .expect("doc_id is a fast field")
                .first_or_default_col(0);
            move |doc: TantivyDocId, score: Score| Rank(score, Reverse(ids.get_val(doc)))
        })
}

pub fn search(index: &SearchIndex, req: &SearchRequest) -> Result<SearchResults, SearchError> {
    search_with(index, req, &NoWords)
}

/// [`search`], each hit with the boxes of its matched words, from `words`.
pub fn search_with(
    index: &SearchIndex,
    req: &SearchRequest,
    words: &(impl PageWords + ?Sized),
) -> Result<SearchResults, SearchError> {
    let mut prepared = prepare(index, req)?;
    // A branch filter outside the caller's scope matches nothing (not the
    // documents in scope that another branch also imported: that would
    // tell of the other branch's records).
    let outside = |b: &BranchSlug| !req.scope.allows(b);
    let filtered_out = req.branch.as_ref().is_some_and(outside) || {
        let asked = prepared.parsed.branches.len();
        prepared.parsed.branches.retain(|b| !outside(b));
        asked > 0 && prepared.parsed.branches.is_empty()
    };
    if filtered_out || matches!(&req.scope, BranchScope::Only(held) if held.is_empty()) {
        // Someone who holds no branch (or asks only for others) sees nothing.
        return Ok(SearchResults {
            total: 0,
            hits: Vec::new(),
            fuzzy: false,
            notices: prepared.parsed.notices,
            facets: req.facets.map(FacetCollector::empty),
        });
    }
    let searcher = index.searcher();
    let f = *index.fields();
    let limit = req.limit.clamp(1, 1000);

    // First pass without fuzzy matching. Its top scores say how many
    // documents match every word; if fewer than FEW, search again allowing
    // OCR errors.
    let need = (req.offset + limit).max(FEW);
    let facet_counter = req.facets.map(FacetCollector::new);
    let run = |query: &dyn tantivy::query::Query| {
        let (total, top, facets) =
            searcher.search(query, &(Count, ranked(need, 0), facet_counter))?;
        Ok::<_, SearchError>((total, top, facets))
    };
    let query = build::ranking_query(&f, &prepared, req, None);
    let (mut total, mut top, mut facet_maps) = run(&*query)?;
    let fuzzy_possible = prepared.clauses.iter().any(|c| c.fuzzy > 0 && !c.stopword);
    let all = build::all_words_score(&prepared);
    let full_matches = top.iter().filter(|(Rank(s, _), _)| *s >= all).count();
    let fuzzy = fuzzy_possible && full_matches < FEW;
    if fuzzy {
        let expansion = build::FuzzyExpansion::of(&searcher, &f, &prepared)?;
        let query = build::ranking_query(&f, &prepared, req, Some(&expansion));
        (total, top, facet_maps) = run(&*query)?;
    }
    let top: Vec<_> = top.into_iter().skip(req.offset).take(limit).collect();

    let matcher = Matcher::new(prepared.clauses.clone(), prepared.stemmers, fuzzy);
    let mut hits = Vec::with_capacity(top.len());
    for (i, (Rank(score, _), addr)) in top.into_iter().enumerate() {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let mut hit = make_hit(&f, &doc, score, &matcher, &req.scope)?;
        hit.rank = req.offset + i + 1;
        let page_words = words.words_of(hit.id, &hit.pages);
        if !page_words.is_empty() {
            hit.matches = locate(&matcher, &page_words, &hit.pages);
        }
        hits.push(hit);
    }
    Ok(SearchResults {
        total,
        hits,
        fuzzy,
        notices: prepared.parsed.notices,
        facets: req
            .facets
            .zip(facet_maps)
            .map(|(calendar, maps)| FacetCollector::finish(maps, calendar, &req.scope)),
    })
}

fn make_hit(
    f: &crate::index::Fields,
    doc: &TantivyDocument,
    score: Score,
    matcher: &Matcher,
    scope: &BranchScope,
) -> Result<Hit, SearchError> {
    let first = |field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let all = |field| -> Vec<String> {
        doc.get_all(field)
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let page_numbers: Vec<u32> = doc
        .get_all(f.page)
        .filter_map(|v| v.as_u64())
        .map(|n| n as u32)
        .collect();
    let texts = all(f.text);
    let mut pages = Vec::new();
    let mut best: Option<((usize, usize), usize, Vec<matcher::Span>)> = None;
    for (i, (text, &number)) in texts.iter().zip(&page_numbers).enumerate() {
        let spans = matcher.spans(text);
        if !matcher.any_required(&spans) {
            continue;
        }
        pages.push(number);
        let key = (matcher::distinct_clauses(&spans), spans.len());
        if best.as_ref().is_none_or(|(k, _, _)| key > *k) {
            best = Some((key, i, spans));
        }
    }
    let snippet = match best {
        Some((_, i, spans)) => matcher::snippet(&texts[i], &spans, SNIPPET_CHARS),
        None => texts
            .first()
            .map(|t| matcher::snippet(t, &[], SNIPPET_CHARS))
            .unwrap_or_default(),
    };
    let sha = first(f.sha256).unwrap_or_default();
    // Only what the caller's scope covers: the first branch in scope, the
    // sources imported under a branch in scope.
    let in_scope = |b: &str| match scope {
        BranchScope::All => true,
        _ => b
            .parse::<BranchSlug>()
            .is_ok_and(|slug| scope.allows(&slug)),
    };
    let branch = all(f.branch).into_iter().find(|b| in_scope(b));
    let source_branches = all(f.source_branch);
    let sources: Vec<String> = all(f.source)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            matches!(scope, BranchScope::All)
                || source_branches.get(*i).is_some_and(|b| in_scope(b))
        })
        .map(|(_, s)| s)
        .collect();
    Ok(Hit {
        id: DocId(
            doc.get_first(f.doc_id)
                .and_then(|v| v.as_u64())
                .unwrap_or(0) as i64,
        ),
        sha256: sha.parse().map_err(|e: crate::types::BadBlobId| {
            SearchError::Index(tantivy::TantivyError::InternalError(e.to_string()))
        })?,
        sources,
        title: first(f.title).unwrap_or_default(),
        branch,
        doc_type: first(f.doc_type),
        document_date: doc
            .get_first(f.doc_date)
            .and_then(|v| v.as_datetime())
            .and_then(|t| {
                chrono::DateTime::from_timestamp(t.into_timestamp_secs(), 0)
                    .map(|t| Day::from_naive(t.date_naive()).to_json())
            }),
        reference_numbers: all(f.reference_printed),
        rank: 0,
        score,
        pages,
        snippet,
        matches: Vec::new(),
    })
}

#[cfg(test)]
mod tests;

//! Search: a query string and filters in, ranked documents with the pages
//! that matched and a highlighted snippet out.

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{TantivyDocument, Term};

use crate::index::SearchIndex;
use crate::types::{BlobId, BranchSlug, DocId, DocType};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the query is empty; type a word printed on the document, a number, or a name")]
    EmptyQuery,
    #[error("cannot understand the query {query:?}: {reason}")]
    BadQuery { query: String, reason: String },
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
}

impl SearchRequest {
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            branch: None,
            doc_type: None,
            limit: 10,
            offset: 0,
        }
    }
}

/// Results as `arshif search --json` prints them.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: DocId,
    pub sha256: BlobId,
    pub sources: Vec<String>,
    pub title: String,
    pub branch: Option<String>,
    pub doc_type: Option<String>,
    pub score: f32,
    /// Page numbers where the query matched.
    pub pages: Vec<u32>,
    /// The best passage, HTML-escaped, matched words in `<mark>…</mark>`.
    pub snippet: String,
}

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;

pub fn search(index: &SearchIndex, req: &SearchRequest) -> Result<SearchResults, SearchError> {
    let q = req.query.trim();
    if q.is_empty() {
        return Err(SearchError::EmptyQuery);
    }
    let f = *index.fields();
    let mut parser = QueryParser::for_index(index.index(), vec![f.title, f.text, f.source]);
    parser.set_field_boost(f.title, 2.0);
    parser.set_field_boost(f.source, 0.5);
    let user_query = parser.parse_query(q).map_err(|e| SearchError::BadQuery {
        query: q.to_string(),
        reason: e.to_string(),
    })?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, user_query.box_clone())];
    if let Some(b) = &req.branch {
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(f.branch, b.as_str()),
                IndexRecordOption::Basic,
            )),
        ));
    }
    if let Some(t) = &req.doc_type {
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(f.doc_type, t.as_str()),
                IndexRecordOption::Basic,
            )),
        ));
    }
    let query = BooleanQuery::new(clauses);
    let searcher = index.searcher();
    let limit = req.limit.clamp(1, 1000);
    let (total, top) = searcher.search(
        &query,
        &(
            Count,
            TopDocs::with_limit(limit)
                .and_offset(req.offset)
                .order_by_score(),
        ),
    )?;
    let mut snippets = SnippetGenerator::create(&searcher, &*user_query, f.text)?;
    snippets.set_max_num_chars(SNIPPET_CHARS);
    let mut hits = Vec::with_capacity(top.len());
    for (score, addr) in top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let all_text = |field| -> Vec<String> {
            doc.get_all(field)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let page_numbers: Vec<u32> = doc
            .get_all(f.page)
            .filter_map(|v| v.as_u64())
            .map(|n| n as u32)
            .collect();
        let page_texts = all_text(f.text);
        let mut pages = Vec::new();
        let mut best: Option<(usize, String)> = None;
        for (text, &number) in page_texts.iter().zip(&page_numbers) {
            let mut s = snippets.snippet(text);
            let n = s.highlighted().len();
            if n == 0 {
                continue;
            }
            pages.push(number);
            if best.as_ref().is_none_or(|(m, _)| n > *m) {
                s.set_snippet_prefix_postfix("<mark>", "</mark>");
                best = Some((n, s.to_html()));
            }
        }
        let snippet = match best {
            Some((_, html)) => html,
            None => page_texts
                .first()
                .map(|t| escape_html(&t.chars().take(SNIPPET_CHARS).collect::<String>()))
                .unwrap_or_default(),
        };
        let sha = text(f.sha256).unwrap_or_default();
        hits.push(Hit {
            id: DocId(
                doc.get_first(f.doc_id)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0) as i64,
            ),
            sha256: sha.parse().map_err(|e: crate::types::BadBlobId| {
                SearchError::Index(tantivy::TantivyError::InternalError(e.to_string()))
            })?,
            sources: all_text(f.source),
            title: text(f.title).unwrap_or_default(),
            branch: text(f.branch),
            doc_type: text(f.doc_type),
            score,
            pages,
            snippet,
        });
    }
    Ok(SearchResults { total, hits })
}

fn escape_html(s: &str) -> String {
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

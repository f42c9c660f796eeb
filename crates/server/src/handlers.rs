//! Request handlers: parse, call the library on a blocking thread, answer.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::access::{ApiJson, ApiQuery, Caller};
use super::{blocking, tasks, ApiError, AppState};
use arshif::app::PageDetail;
use arshif::archive::DocumentEdit;
use arshif::auth::{Permission, Role};
use arshif::calendar::{Calendar, DateInput};
use arshif::catalog::{Catalog, DocumentRecord, ReviewState};
use arshif::ingest;
use arshif::metadata::CorrectionChange;
use arshif::preview;
use arshif::search::{self, SearchRequest};
use arshif::types::{BranchSlug, DocId, DocType};

type Shared = State<Arc<AppState>>;

pub(super) const OPENAPI: &str = include_str!("openapi.json");

fn text(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

pub async fn openapi() -> Response {
    text("application/json", OPENAPI)
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "no such page or API route")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    q: Option<String>,
    branch: Option<String>,
    #[serde(rename = "type")]
    doc_type: Option<String>,
    from: Option<String>,
    to: Option<String>,
    imported_from: Option<String>,
    imported_to: Option<String>,
    facets: Option<String>,
    calendar: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// A yes/no parameter (`1`/`0`, `true`/`false`, `yes`/`no`).
fn flag(value: Option<&str>, what: &str) -> Result<bool, ApiError> {
    match value {
        Some("1" | "true" | "yes") => Ok(true),
        None | Some("" | "0" | "false" | "no") => Ok(false),
        Some(other) => Err(ApiError::bad_request(
            "bad_parameter",
            format!("{what} {other:?}: say 1 or 0"),
        )),
    }
}

fn calendar(value: Option<&str>) -> Result<Calendar, ApiError> {
    Ok(param::<Calendar>(value, "bad_calendar", "calendar")?.unwrap_or_default())
}

/// A number parameter within its documented range, or a 400 naming it.
pub(super) fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    value: Option<T>,
    range: std::ops::RangeInclusive<T>,
    what: &str,
) -> Result<Option<T>, ApiError> {
    match value {
        Some(v) if !range.contains(&v) => Err(ApiError::bad_request(
            "bad_parameter",
            format!(
                "{what} {v} is out of range: {} to {}",
                range.start(),
                range.end()
            ),
        )),
        v => Ok(v),
    }
}

/// An optional parameter parsed, or a 400 naming it.
fn param<T: std::str::FromStr>(
    value: Option<&str>,
    code: &'static str,
    what: &str,
) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|e| ApiError::bad_request(code, format!("{what} {v:?}: {e}"))),
    }
}

impl SearchParams {
    fn request(&self, who: &Caller) -> Result<SearchRequest, ApiError> {
        Ok(SearchRequest {
            scope: who.user.scope(),
            query: self.q.clone().unwrap_or_default(),
            branch: param::<BranchSlug>(self.branch.as_deref(), "bad_branch", "branch")?,
            doc_type: param::<DocType>(self.doc_type.as_deref(), "bad_type", "document type")?,
            imported_from: param(
                self.imported_from.as_deref(),
                "bad_date",
                "imported_from (YYYY-MM-DD)",
            )?,
            imported_to: param(
                self.imported_to.as_deref(),
                "bad_date",
                "imported_to (YYYY-MM-DD)",
            )?,
            date_from: param::<DateInput>(self.from.as_deref(), "bad_date", "from")?
                .map(|d| d.first),
            date_to: param::<DateInput>(self.to.as_deref(), "bad_date", "to")?.map(|d| d.last),
            review: None,
            // A bad calendar is refused even when nothing is counted.
            facets: {
                let cal = calendar(self.calendar.as_deref())?;
                flag(self.facets.as_deref(), "facets")?.then_some(cal)
            },
            limit: in_range(self.limit, 1..=100, "limit")?.unwrap_or(10),
            offset: in_range(self.offset, 0..=10_000, "offset")?.unwrap_or(0),
        })
    }
}

pub async fn search(
    State(s): Shared,
    who: Caller,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let req = p.request(&who)?;
    let turn = s.searching.acquire().await.map_err(ApiError::internal)?;
    let (st, actor) = (s.clone(), who.actor());
    let done = blocking(move || {
        st.with_catalog(|c| Ok(arshif::app::search(&st.index, &**c, &actor, req)?))
    })
    .await?;
    // The next search may start while this one is being audited.
    drop(turn);
    s.audit(done.audit).await?;
    Ok(Json(done.value).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub(super) branch: Option<String>,
    #[serde(rename = "type")]
    pub(super) doc_type: Option<String>,
    pub(super) from: Option<String>,
    pub(super) to: Option<String>,
    pub(super) imported_from: Option<String>,
    pub(super) imported_to: Option<String>,
    pub(super) review: Option<String>,
    pub(super) sort: Option<String>,
    pub(super) limit: Option<usize>,
    pub(super) offset: Option<usize>,
}

impl ListParams {
    /// The list's request and order, or a 400 naming what is wrong (the
    /// same checks a saved view's filters pass).
    pub(super) fn request(
        self,
        who: &Caller,
    ) -> Result<(SearchRequest, search::BrowseSort), ApiError> {
        let p = self;
        let as_search = SearchParams {
            q: None,
            branch: p.branch,
            doc_type: p.doc_type,
            from: p.from,
            to: p.to,
            imported_from: p.imported_from,
            imported_to: p.imported_to,
            facets: None,
            calendar: None,
            limit: Some(in_range(p.limit, 1..=100, "limit")?.unwrap_or(25)),
            offset: p.offset,
        };
        let mut req = as_search.request(who)?;
        req.review = p.review.as_deref().map(review_state).transpose()?;
        let sort = match p.sort.as_deref() {
            None => search::BrowseSort::default(),
            Some(v) => search::BrowseSort::parse(v).ok_or_else(|| {
                ApiError::bad_request(
                    "bad_sort",
                    format!("sort {v:?}: say date, -date, imported, -imported, title or number"),
                )
            })?,
        };
        Ok((req, sort))
    }
}

/// The document list: browse in the caller's scope, with filters and an
/// order, without a query.
pub async fn list(
    State(s): Shared,
    who: Caller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let (req, sort) = p.request(&who)?;
    let turn = s.searching.acquire().await.map_err(ApiError::internal)?;
    let (st, actor) = (s.clone(), who.actor());
    let done = blocking(move || {
        st.with_catalog(|c| Ok(arshif::app::browse(&st.index, &**c, &actor, req, sort)?))
    })
    .await?;
    drop(turn);
    s.audit(done.audit).await?;
    Ok(Json(done.value.json()).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacetParams {
    calendar: Option<String>,
}

pub async fn facets(
    State(s): Shared,
    who: Caller,
    ApiQuery(p): ApiQuery<FacetParams>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let scope = who.user.scope();
    let cal = calendar(p.calendar.as_deref())?;
    let f =
        blocking(move || search::facets(&s.index, &scope, cal).map_err(ApiError::internal)).await?;
    Ok(Json(f).into_response())
}

/// A field of a correction: absent (leave it), null (back to what was
/// read or imported), or a value.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectBody {
    #[serde(default, deserialize_with = "present")]
    date: Option<Option<String>>,
    #[serde(default, deserialize_with = "present", alias = "type")]
    doc_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    title: Option<Option<String>>,
    /// `"done"`: a clerk confirms what was read; `"pending"`: back in the
    /// review queue.
    #[serde(default)]
    review: Option<String>,
    /// The reference numbers: a list (empty: none), or null for those
    /// read from the text.
    #[serde(default, deserialize_with = "present_list")]
    reference_numbers: Option<Option<Vec<String>>>,
    /// Move the document to this branch (administrators only).
    #[serde(default)]
    branch: Option<String>,
}

/// A list field of a correction: absent, null, or a list.
fn present_list<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Vec<String>>>, D::Error> {
    Option::<Vec<String>>::deserialize(d).map(Some)
}

impl CorrectBody {
    /// The edit asked for; a move to another branch is refused (403)
    /// unless `who` may move documents.
    fn edit(&self, who: &Caller) -> Result<DocumentEdit, ApiError> {
        let review = self.review.as_deref().map(review_state).transpose()?;
        let branch = match self.branch.as_deref() {
            None => None,
            Some(b) => {
                let slug = param::<BranchSlug>(Some(b), "bad_branch", "branch")?
                    .ok_or_else(|| ApiError::bad_request("bad_branch", "branch is empty"))?;
                who.require(Permission::MoveDocuments)?;
                Some(slug)
            }
        };
        let corrects = self.date.is_some() || self.doc_type.is_some() || self.title.is_some();
        let change = if corrects
            || (review.is_none() && branch.is_none() && self.reference_numbers.is_none())
        {
            self.change()?
        } else {
            CorrectionChange::default()
        };
        let refs = self.reference_numbers.as_ref().map(|r| r.as_deref());
        let edit = DocumentEdit {
            change: change
                .with_references(refs)
                .map_err(|e| ApiError::bad_request("bad_correction", e.to_string()))?,
            review,
            branch,
        };
        if edit.is_empty() {
            return Err(ApiError::bad_request(
                "bad_correction",
                "nothing to change: give date, doc_type, title, reference_numbers, branch or review",
            ));
        }
        Ok(edit)
    }

    fn change(&self) -> Result<CorrectionChange, ApiError> {
        for (name, f) in [
            ("date", &self.date),
            ("doc_type", &self.doc_type),
            ("title", &self.title),
        ] {
            if let Some(Some(v)) = f {
                if v.trim() != v {
                    return Err(ApiError::bad_request(
                        "bad_correction",
                        format!("{name} {v:?} begins or ends with spaces"),
                    ));
                }
            }
        }
        let field = |f: &Option<Option<String>>| {
            f.as_ref().map(|v| {
                v.clone()
                    .unwrap_or_else(|| arshif::metadata::AUTO.to_string())
            })
        };
        let (date, doc_type, title) =
            (field(&self.date), field(&self.doc_type), field(&self.title));
        CorrectionChange::parse(date.as_deref(), doc_type.as_deref(), title.as_deref())
            .map_err(|e| ApiError::bad_request("bad_correction", e.to_string()))
    }
}

/// Correct a document's date, type or title; answers the document as it
/// now is, with `indexed` false while an import delays the index update.
pub async fn correct(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CorrectBody>,
) -> Result<Response, ApiError> {
    who.require(Permission::Correct)?;
    let id = doc_id(&id)?;
    let edit = body.edit(&who)?;
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || {
        let done = st
            .with_catalog(|c| {
                Ok(arshif::app::correct(
                    &st.archive,
                    &**c,
                    &w.actor(),
                    id,
                    &edit,
                ))
            })?
            .map_err(|e| st.refused(&w, e))?;
        if done.value.indexed {
            // Searches right after the answer see the correction.
            st.index.reload().map_err(ApiError::internal)?;
        }
        Ok(done)
    })
    .await?;
    s.audit(done.audit).await?;
    Ok(Json(done.value.json()).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateBody {
    degrees: serde_json::Value,
}

/// Turn a page read sideways and read it again: `{"degrees":90|180|270}`
/// clockwise, more than it is shown now. Answers the document as it now
/// is (like `PATCH`), with `indexed`.
pub async fn rotate(
    State(s): Shared,
    who: Caller,
    Path((id, n)): Path<(String, String)>,
    ApiJson(body): ApiJson<RotateBody>,
) -> Result<Response, ApiError> {
    who.require(Permission::Correct)?;
    let (id, n) = (doc_id(&id)?, page_number(&n)?);
    let turn = body
        .degrees
        .as_i64()
        .and_then(arshif::app::Turn::new)
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_rotation",
                format!("degrees {}: say 90, 180 or 270 (clockwise)", body.degrees),
            )
        })?;
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || {
        let ocr = st.ingest.ocr.clone();
        let done = st
            .with_catalog(|c| {
                Ok(arshif::app::rotate(
                    &st.archive,
                    &mut **c,
                    &w.actor(),
                    id,
                    n,
                    turn,
                    &ocr,
                ))
            })?
            .map_err(|e| st.refused(&w, e))?;
        if done.value.indexed {
            st.index.reload().map_err(ApiError::internal)?;
        }
        Ok(done)
    })
    .await?;
    s.audit(done.audit).await?;
    Ok(Json(done.value.json()).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    ids: Vec<serde_json::Value>,
    /// The fields of `PATCH /api/documents/{id}`: a JSON object.
    set: serde_json::Map<String, serde_json::Value>,
}

/// Edit many documents at once:
/// `{"ids":[…],"set":{date|doc_type|title|reference_numbers|branch|review}}`.
/// A move (`branch`) by someone who may not move documents is refused as a
/// whole (403), before any document is touched.
/// Answers for each id (`ok`, with what changed, or the error), in order;
/// one audit entry names every document edited.
pub async fn bulk(
    State(s): Shared,
    who: Caller,
    ApiJson(body): ApiJson<BulkBody>,
) -> Result<Response, ApiError> {
    who.require(Permission::Correct)?;
    if body.ids.is_empty() || body.ids.len() > 500 {
        return Err(ApiError::bad_request(
            "bad_parameter",
            "ids: give 1 to 500 document ids",
        ));
    }
    let ids = doc_ids(&body.ids)?;
    let set: CorrectBody = serde_json::from_value(serde_json::Value::Object(body.set))
        .map_err(|e| ApiError::bad_request("bad_body", format!("set: {e}")))?;
    let edit = set.edit(&who)?;
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || {
        let done = st
            .with_catalog(|c| {
                Ok(arshif::app::bulk_edit(
                    &st.archive,
                    &**c,
                    &w.actor(),
                    &ids,
                    &edit,
                ))
            })?
            .map_err(ApiError::from)?;
        if done.value.indexed {
            st.index.reload().map_err(ApiError::internal)?;
        }
        Ok(done)
    })
    .await?;
    // Refusals of other branches' documents are audited as such, as for
    // one document.
    for (id, o) in &done.value.outcomes {
        if let arshif::app::BulkOutcome::Refused(arshif::app::AppError::OutOfScope(_)) = o {
            s.denied(&who, *id);
        }
    }
    s.audit(done.audit).await?;
    Ok(Json(done.value.json(bulk_error)).into_response())
}

/// One document's refusal in a bulk answer: the code and message a single
/// edit would get (a document of another branch is "no such document";
/// nothing internal is told).
fn bulk_error(e: &arshif::app::AppError) -> (&'static str, String) {
    use arshif::app::AppError;
    match e {
        AppError::NoSuchDocument(id) | AppError::OutOfScope(id) => {
            ("no_such_document", format!("no document {id}"))
        }
        AppError::SharedDocument(_) => (
            "shared_document",
            "another branch holds this document too; an administrator (or someone who holds every branch it is in) may correct it".into(),
        ),
        _ => {
            tracing::error!(error = %e, "a bulk edit of one document failed");
            ("internal", "this document could not be edited".into())
        }
    }
}

/// A review state as the API takes it: `pending` or `done`.
fn review_state(raw: &str) -> Result<ReviewState, ApiError> {
    ReviewState::parse(raw).ok_or_else(|| {
        ApiError::bad_request(
            "bad_review",
            format!("review {raw:?} is neither \"pending\" nor \"done\""),
        )
    })
}

pub(super) fn doc_id(raw: &str) -> Result<DocId, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(DocId)
        .ok_or_else(|| {
            ApiError::bad_request("bad_id", format!("{raw:?} is not a document id (a number)"))
        })
}

/// The ids of a selection (`"ids":[…]` of bulk edits and downloads): each
/// must be a JSON number naming a document.
pub(super) fn doc_ids(values: &[serde_json::Value]) -> Result<Vec<DocId>, ApiError> {
    values
        .iter()
        .map(|v| match v {
            serde_json::Value::Number(n) => doc_id(&n.to_string()),
            other => Err(ApiError::bad_request(
                "bad_id",
                format!("{other} is not a document id (a number)"),
            )),
        })
        .collect()
}

/// Run a use case with a catalog connection, as the caller: a document
/// outside the caller's branches is the same 404 as a missing one, and the
/// refusal is audited.
pub(super) fn use_case<T>(
    s: &AppState,
    who: &Caller,
    f: impl FnOnce(&dyn Catalog, &arshif::app::Actor) -> Result<T, arshif::app::AppError>,
) -> Result<T, ApiError> {
    s.with_catalog(|c| Ok(f(&**c, &who.actor())))?
        .map_err(|e| s.refused(who, e))
}

#[derive(Debug, Deserialize)]
pub struct DocParams {
    words: Option<String>,
}

pub async fn document(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<DocParams>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let id = doc_id(&id)?;
    let detail = match p.words.as_deref() {
        Some("1" | "true" | "yes") => PageDetail::TextAndWords,
        None | Some("" | "0" | "false" | "no") => PageDetail::Text,
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_parameter",
                format!("words {other:?}: say 1 or 0"),
            ))
        }
    };
    let (st, w) = (s.clone(), who.clone());
    let done =
        blocking(move || use_case(&st, &w, |c, a| arshif::app::view(c, a, id, detail))).await?;
    s.audit(done.audit).await?;
    Ok(Json(done.value.json()).into_response())
}

#[derive(Debug, Deserialize)]
pub struct MatchParams {
    q: Option<String>,
}

pub async fn matches(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<MatchParams>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let id = doc_id(&id)?;
    let q = p.q.unwrap_or_default();
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || {
        use_case(&st, &w, |c, a| {
            arshif::app::matches(&st.index, c, a, id, &q)
        })
    })
    .await?;
    s.audit(done.audit).await?;
    Ok(Json(json!({ "matches": done.value })).into_response())
}

/// `Content-Disposition` for a download (RFC 6266): a plain ASCII name for
/// old clients and the real, possibly Arabic, name in `filename*`.
pub(super) fn attachment(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, RFC5987).to_string();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
pub(super) fn attachment_for_test(name: &str) -> HeaderValue {
    attachment(name)
}

/// Characters left as they are in an RFC 5987 value (attr-char).
const RFC5987: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The file name a document is downloaded under: its first source's.
fn file_name(doc: &DocumentRecord) -> String {
    doc.sources
        .first()
        .and_then(|s| std::path::Path::new(&s.path).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("document-{}", doc.id))
}

pub async fn original(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let id = doc_id(&id)?;
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || use_case(&st, &w, |c, a| arshif::app::original(c, a, id))).await?;
    s.audit(done.audit).await?;
    let doc = done.value;
    let path = s
        .archive
        .store()
        .local_copy(&doc.blob)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let media_type = HeaderValue::from_str(&doc.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_LENGTH, HeaderValue::from(doc.size)),
            (header::CONTENT_DISPOSITION, attachment(&file_name(&doc))),
        ],
        body,
    )
        .into_response())
}

pub async fn searchable_pdf(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let id = doc_id(&id)?;
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || {
        use_case(&st, &w, |c, a| {
            arshif::app::searchable_pdf(&st.archive, c, a, id)
        })
    })
    .await?;
    s.audit(done.audit).await?;
    let (doc, bytes) = done.value;
    let name = file_name(&doc);
    let stem = std::path::Path::new(&name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or(name);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                attachment(&format!("{stem}.searchable.pdf")),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ImageParams {
    width: Option<u32>,
}

fn page_number(raw: &str) -> Result<u32, ApiError> {
    raw.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad_request(
            "bad_page",
            format!("{raw:?} is not a page number (1, 2, …)"),
        )
    })
}

/// A page image. Browsers keep it (`private`) but must ask again each time
/// (`no-cache`): the answer is then usually a bodiless 304 for the ETag
/// they hold, and every look still passes the scope check and reaches the
/// audit log; nothing stays readable from the cache of a shared computer
/// without the server's leave.
async fn jpeg(
    s: Arc<AppState>,
    who: Caller,
    id: &str,
    n: &str,
    width: u32,
    if_none_match: Option<HeaderValue>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let (id, n) = (doc_id(id)?, page_number(n)?);
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || {
        let held = if_none_match.as_ref().and_then(|v| v.to_str().ok());
        use_case(&st, &w, |c, a| {
            arshif::app::page_image(&st.archive, &st.previews, c, a, (id, n), width, held)
        })
    })
    .await?;
    s.audit(done.audit).await?;
    let arshif::app::PageImage { etag, jpeg: bytes } = done.value;
    let etag = HeaderValue::from_str(&etag).map_err(ApiError::internal)?;
    let cache = HeaderValue::from_static("private, no-cache");
    Ok(match bytes {
        None => (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response(),
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
                (header::CACHE_CONTROL, cache),
                (header::ETAG, etag),
            ],
            bytes,
        )
            .into_response(),
    })
}

pub async fn page_image(
    State(s): Shared,
    who: Caller,
    Path((id, n)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    ApiQuery(p): ApiQuery<ImageParams>,
) -> Result<Response, ApiError> {
    let width = in_range(p.width, 100..=2400, "width")?.unwrap_or(preview::DEFAULT_WIDTH);
    let etag = headers.get(header::IF_NONE_MATCH).cloned();
    jpeg(s, who, &id, &n, width, etag).await
}

pub async fn thumbnail(
    State(s): Shared,
    who: Caller,
    Path((id, n)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let etag = headers.get(header::IF_NONE_MATCH).cloned();
    jpeg(s, who, &id, &n, preview::THUMBNAIL_WIDTH, etag).await
}

/// A file name from an upload, reduced to its last component and stripped
/// of anything that could leave the upload folder.
fn safe_name(raw: &str, n: usize) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        format!("upload-{n}")
    } else {
        cleaned
    }
}

/// The branch an upload goes to: one the caller holds (a clerk holding a
/// single branch may leave it out); any, or none, for an administrator.
fn upload_branch(who: &Caller, asked: Option<BranchSlug>) -> Result<Option<BranchSlug>, ApiError> {
    if who.user.role == Role::Admin {
        return Ok(asked);
    }
    match asked {
        Some(b) if who.user.scope().allows(&b) => Ok(Some(b)),
        Some(b) => Err(ApiError::forbidden(
            "branch_not_held",
            format!(
                "{} does not hold the branch {b}; import into one of yours",
                who.user.name
            ),
        )),
        None if who.user.branches.len() == 1 => Ok(who.user.branches.first().cloned()),
        None => Err(ApiError::bad_request(
            "branch_required",
            "say which of your branches the files belong to (the branch field)",
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    mode: Option<String>,
}

pub async fn upload(
    State(s): Shared,
    who: Caller,
    ApiQuery(p): ApiQuery<UploadParams>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    who.require(Permission::Import)?;
    let as_task = match p.mode.as_deref().map(str::trim) {
        None | Some("") => false,
        Some("task") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_parameter",
                format!("mode {other:?}: say task, or leave it out"),
            ))
        }
    };
    let upload = receive(&s, &who, form?).await?;
    if as_task {
        let id = s.tasks.start(s.clone(), who.actor(), upload);
        let status = format!("/api/tasks/{id}");
        return Ok((
            StatusCode::ACCEPTED,
            [(header::LOCATION, status.clone())],
            Json(json!({"task": id, "status": status})),
        )
            .into_response());
    }
    let (st, actor) = (s.clone(), who.actor());
    let (report, event) =
        blocking(move || tasks::import(&st, &actor, upload, &ingest::Quiet)).await?;
    s.audit(event).await?;
    // Like `arshif ingest`: the report says which files failed and why.
    Ok((StatusCode::OK, Json(report)).into_response())
}

/// Store an upload's files in a folder of their own, with its fields.
async fn receive(
    s: &AppState,
    who: &Caller,
    mut form: Multipart,
) -> Result<tasks::Upload, ApiError> {
    let bad = |m: String| ApiError::bad_request("bad_upload", m);
    // A body over the limit is 413; anything else malformed is 400.
    let cut = |e: axum::extract::multipart::MultipartError, what: String| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "upload_too_large",
                format!("the upload is larger than this server accepts ({what})"),
            )
        } else {
            bad(format!("{what}: {}", e.body_text()))
        }
    };
    let uploads = uploads_dir(s)?;
    let dir = tempfile::Builder::new()
        .prefix("upload-")
        .tempdir_in(&uploads)
        .map_err(ApiError::internal)?;
    let (mut branch, mut doc_type, mut names) = (None, None, Vec::new());
    let mut split: Option<ingest::SplitMode> = None;
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| cut(e, "the upload could not be read".to_string()))?
    {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(fname) => {
                // Refuse before writing anything when what is known already
                // settles it: a branch sent before the files was checked on
                // arrival; without one, a user with no branch to import
                // into is refused now.
                if names.is_empty() && branch.is_none() && who.user.branches.is_empty() {
                    upload_branch(who, None)?;
                }
                let stored = safe_name(&fname, names.len() + 1);
                let path = dir.path().join(&stored);
                if path.exists() {
                    return Err(bad(format!("the file {fname:?} is sent twice")));
                }
                names.push(stored);
                let mut out = std::fs::File::create(&path).map_err(ApiError::internal)?;
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| cut(e, format!("{fname}: the upload was cut off")))?
                {
                    use std::io::Write;
                    out.write_all(&chunk).map_err(ApiError::internal)?;
                }
            }
            None => {
                let value = field
                    .text()
                    .await
                    .map_err(|e| cut(e, format!("field {name}")))?;
                match name.as_str() {
                    "branch" => {
                        branch = param::<BranchSlug>(Some(&value), "bad_branch", "branch")?;
                        // Checked as it arrives: a branch the user does not
                        // hold is refused before the files are written.
                        upload_branch(who, branch.clone())?;
                    }
                    "doc_type" | "type" => {
                        doc_type = param::<DocType>(Some(&value), "bad_type", "document type")?
                    }
                    "split" => split = param(Some(&value), "bad_split", "split")?,
                    _ => {
                        return Err(bad(format!(
                            "unknown field {name:?}; send files, branch, doc_type and split"
                        )))
                    }
                }
            }
        }
    }
    if names.is_empty() {
        return Err(bad(
            "no file in the upload; attach one or more files".to_string()
        ));
    }
    let branch = upload_branch(who, branch)?;
    Ok(tasks::Upload {
        dir,
        branch,
        doc_type,
        split,
        names,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `GET /api/tasks`: the caller's recent import tasks, newest first.
pub async fn task_list(
    State(s): Shared,
    who: Caller,
    ApiQuery(_): ApiQuery<NoParams>,
) -> Result<Response, ApiError> {
    Ok(Json(json!({"tasks": s.tasks.mine(&who.user.name)})).into_response())
}

/// `GET /api/tasks/{id}`: one task, to the user who started it or an
/// administrator; to anyone else it does not exist.
pub async fn task(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    s.tasks
        .get(&id, &who.user.name, who.user.role == Role::Admin)
        .map(|t| Json(t).into_response())
        .ok_or_else(|| ApiError::not_found("no_such_task", format!("no task {id}")))
}

/// `ARCHIVE/uploads/`, where uploaded files wait while they are read (in
/// temporary files and directories that go when dropped).
pub(crate) fn uploads_dir(s: &AppState) -> Result<std::path::PathBuf, ApiError> {
    let uploads = s.archive.root().join("uploads");
    std::fs::create_dir_all(&uploads).map_err(ApiError::internal)?;
    Ok(uploads)
}

//! The records lifecycle over HTTP, for administrators: move a document to
//! the trash (`DELETE /api/documents/{id}` with a reason), restore it, list
//! the trash, put a legal hold on it and release it. Purge, retention and
//! disposal stay on the command line of the archive's machine (`arshif
//! purge`, `retention`, `dispose`), where an export can be written first.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::access::{ApiJson, Caller};
use super::handlers::doc_id;
use super::{blocking, ApiError, AppState};
use arshif::app::lifecycle;
use arshif::auth::Permission;
use arshif::catalog::DocumentRecord;

type Shared = State<Arc<AppState>>;

/// Why: `{"reason": "…"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    reason: String,
}

/// Run a lifecycle step on one document as the caller, write its audit
/// entry, and answer the document as it now is.
async fn step(
    s: Arc<AppState>,
    who: Caller,
    f: impl FnOnce(
            &AppState,
            &mut dyn arshif::catalog::Catalog,
            &arshif::app::Actor,
        ) -> Result<arshif::app::Done<DocumentRecord>, arshif::app::AppError>
        + Send
        + 'static,
) -> Result<Response, ApiError> {
    who.require(Permission::ManageRecords)?;
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || {
        let done = st
            .with_catalog(|c| Ok(f(&st, &mut **c, &w.actor())))?
            .map_err(|e| st.refused(&w, e))?;
        // Search, browse and facets see the change at once.
        st.index.reload().map_err(ApiError::internal)?;
        Ok(done)
    })
    .await?;
    s.audit(done.audit).await?;
    Ok(Json(lifecycle::record_json(&done.value)).into_response())
}

/// `DELETE /api/documents/{id}` `{"reason"}`: to the trash.
pub async fn delete(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Reason>,
) -> Result<Response, ApiError> {
    let id = doc_id(&id)?;
    step(s, who, move |st, c, a| {
        lifecycle::delete(&st.archive, c, a, id, &body.reason)
    })
    .await
}

/// `POST /api/documents/{id}/restore`: back from the trash, as it was.
pub async fn restore(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = doc_id(&id)?;
    step(s, who, move |st, c, a| {
        lifecycle::restore(&st.archive, c, a, id)
    })
    .await
}

/// `POST /api/documents/{id}/hold` `{"reason"}`: a legal hold.
pub async fn hold(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Reason>,
) -> Result<Response, ApiError> {
    let id = doc_id(&id)?;
    step(s, who, move |_, c, a| {
        lifecycle::hold(c, a, id, Some(&body.reason))
    })
    .await
}

/// `DELETE /api/documents/{id}/hold`: release the hold.
pub async fn release(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = doc_id(&id)?;
    step(s, who, move |_, c, a| lifecycle::hold(c, a, id, None)).await
}

/// `GET /api/trash` and `GET /api/holds`: `{"documents":[…]}`.
async fn listing(
    s: Arc<AppState>,
    who: Caller,
    f: fn(&dyn arshif::catalog::Catalog) -> Result<Vec<DocumentRecord>, arshif::app::AppError>,
) -> Result<Response, ApiError> {
    who.require(Permission::ManageRecords)?;
    let (st, w) = (s.clone(), who.clone());
    let docs = blocking(move || {
        st.with_catalog(|c| Ok(f(&**c)))?
            .map_err(|e| st.refused(&w, e))
    })
    .await?;
    let v: Vec<_> = docs.iter().map(lifecycle::record_json).collect();
    Ok(Json(serde_json::json!({ "documents": v })).into_response())
}

pub async fn trash(State(s): Shared, who: Caller) -> Result<Response, ApiError> {
    listing(s, who, lifecycle::trash).await
}

pub async fn holds(State(s): Shared, who: Caller) -> Result<Response, ApiError> {
    listing(s, who, lifecycle::holds).await
}

/// `POST /api/documents/{id}/rescan`, the new scan's bytes as the body
/// (clerks and administrators, in their branches, like a correction): the
/// scan is stored and read and becomes the document's original; the old
/// one stays as an earlier version. Answers the document as it now is.
pub async fn rescan(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    who.require(Permission::Correct)?;
    who.require(Permission::Import)?;
    let id = doc_id(&id)?;
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "bad_upload",
            "send the new scan's bytes as the body",
        ));
    }
    let file = tempfile::Builder::new()
        .prefix("rescan-")
        .tempfile_in(super::handlers::uploads_dir(&s)?)
        .map_err(ApiError::internal)?;
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || {
        std::fs::write(file.path(), &body).map_err(ApiError::internal)?;
        // Read as an upload is: in a reading process of its own.
        let mut reader = arshif::ingest::worker::reader(
            &st.ingest.isolation,
            &st.ingest.ocr,
            &st.ingest.extract,
        );
        let done = st
            .with_catalog(|c| {
                Ok(arshif::app::rescan(
                    &st.archive,
                    &mut **c,
                    &w.actor(),
                    id,
                    file.path(),
                    &mut *reader,
                ))
            })?
            .map_err(|e| st.refused(&w, e))?;
        st.index.reload().map_err(ApiError::internal)?;
        Ok(done)
    })
    .await?;
    s.audit(done.audit).await?;
    Ok(Json(done.value.json()).into_response())
}

/// `GET /api/documents/{id}/versions/{n}`: an earlier original, as it was
/// stored (whoever may see the document).
pub async fn version(
    State(s): Shared,
    who: Caller,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let id = doc_id(&id)?;
    // Any whole number is a version number; one the document does not
    // have is 404 like any other.
    let n: u64 = n.parse().map_err(|_| {
        ApiError::bad_request("bad_parameter", format!("{n:?} is not a version number"))
    })?;
    let (st, w) = (s.clone(), who.clone());
    let (done, bytes) = blocking(move || {
        let done = super::handlers::use_case(&st, &w, |c, a| arshif::app::original(c, a, id))?;
        let v = done
            .value
            .meta
            .versions
            .iter()
            .find(|v| u64::from(v.number) == n)
            .cloned()
            .ok_or_else(|| {
                ApiError::not_found(
                    "no_such_version",
                    format!("document {id} has no version {n}"),
                )
            })?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut st
                .archive
                .store()
                .open(&v.sha256)
                .map_err(ApiError::internal)?,
            &mut bytes,
        )
        .map_err(ApiError::internal)?;
        Ok((done, (v.media_type, bytes)))
    })
    .await?;
    s.audit(done.audit).await?;
    let (media, bytes) = bytes;
    Ok(([(axum::http::header::CONTENT_TYPE, media)], bytes).into_response())
}

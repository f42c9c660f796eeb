//! `POST /api/documents/download`: a selection of documents as one zip.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::{ApiJson, Caller};
use super::handlers::{attachment, doc_ids, use_case};
use super::{blocking, ApiError, AppState};
use arshif::app::download::{SelectionFormat, MAX_SELECTION};
use arshif::auth::Permission;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadBody {
    ids: Vec<serde_json::Value>,
    format: String,
}

/// `{"ids":[…],"format":"zip"|"bag"}` → the zip. Every id must be a
/// document the caller may see: one that is not (missing, or of another
/// branch) fails the whole download with the same 404, naming that id
/// only as the caller gave it. Audited as one `download`.
pub async fn download(
    State(s): State<Arc<AppState>>,
    who: Caller,
    ApiJson(body): ApiJson<DownloadBody>,
) -> Result<Response, ApiError> {
    who.require(Permission::Search)?;
    let unprocessable = |code, m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, m);
    if body.ids.is_empty() || body.ids.len() > MAX_SELECTION {
        return Err(unprocessable(
            "bad_parameter",
            format!("ids: give 1 to {MAX_SELECTION} document ids"),
        ));
    }
    let ids = doc_ids(&body.ids)?;
    let format = SelectionFormat::parse(&body.format).ok_or_else(|| {
        unprocessable(
            "bad_format",
            format!("format {:?}: say zip or bag", body.format),
        )
    })?;
    let (st, w) = (s.clone(), who.clone());
    let done = blocking(move || {
        use_case(&st, &w, |c, a| {
            arshif::app::download::selection(&st.archive, c, a, &ids, format)
        })
    })
    .await?;
    s.audit(done.audit).await?;
    let d = done.value;
    let file = tokio::fs::File::from_std(d.file);
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(d.size)),
            (header::CONTENT_DISPOSITION, attachment(&d.name)),
        ],
        body,
    )
        .into_response())
}

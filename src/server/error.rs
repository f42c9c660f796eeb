//! The one place library errors become HTTP answers.
//!
//! Every error reaches the client as `{"error":{"code":"snake_case",
//! "message":"..."}}`. Errors the client can act on (a bad query, a missing
//! document, a busy archive) carry their message; anything else is logged
//! here with its detail and answered with a plain 500 that names nothing
//! internal.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::archive::ArchiveError;
use crate::catalog::CatalogError;
use crate::ingest::IngestError;
use crate::preview::PreviewError;
use crate::search::SearchError;
use crate::searchable::SearchableError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code,
            message: message.into(),
        }
    }

    /// An error the client cannot act on: logged in full, answered bare.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "request failed");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "the server could not complete the request; the details are in its log"
                .to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        let code = match &e {
            SearchError::EmptyQuery => "empty_query",
            SearchError::BadQuery(_) => "bad_query",
            SearchError::OnlyStopwords(_) => "only_stopwords",
            SearchError::NoSearchableText(_) => "no_searchable_text",
            SearchError::OnlyExclusions => "only_exclusions",
            SearchError::Index(_) => return ApiError::internal(e),
        };
        ApiError::bad_request(code, e.to_string())
    }
}

impl From<ArchiveError> for ApiError {
    fn from(e: ArchiveError) -> Self {
        match e {
            ArchiveError::Locked { .. } => ApiError {
                status: StatusCode::CONFLICT,
                code: "archive_busy",
                message: "another import is writing to the archive; try again when it has finished"
                    .to_string(),
            },
            e => ApiError::internal(e),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        ApiError::internal(e)
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Archive(a) => a.into(),
            e => ApiError::internal(e),
        }
    }
}

impl From<PreviewError> for ApiError {
    fn from(e: PreviewError) -> Self {
        match e {
            PreviewError::NoPage { .. } => ApiError::not_found("no_such_page", e.to_string()),
            e => ApiError::internal(e),
        }
    }
}

impl From<SearchableError> for ApiError {
    fn from(e: SearchableError) -> Self {
        ApiError::internal(e)
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(e)
    }
}

//! The one place library errors become HTTP answers.
//!
//! Every error reaches the client as `{"error":{"code":"snake_case",
//! "message":"..."}}`. Errors the client can act on (a bad query, a missing
//! document, a busy archive) carry their message; anything else is logged
//! here with its detail and answered with a plain 500 that names nothing
//! internal.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use arshif::archive::ArchiveError;
use arshif::audit::AuditError;
use arshif::auth::AuthError;
use arshif::catalog::CatalogError;
use arshif::ingest::IngestError;
use arshif::preview::PreviewError;
use arshif::search::SearchError;
use arshif::searchable::SearchableError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait before trying again (429 answers).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// No valid credentials.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// Valid credentials, but not allowed.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// A document that does not exist, or that the caller may not see: the
    /// two answers are identical, so existence does not leak.
    pub fn no_such_document(id: impl std::fmt::Display) -> Self {
        Self::not_found("no_such_document", format!("no document {id}"))
    }

    /// The archive's database cannot be reached (a shared archive's
    /// PostgreSQL is down or restarting): logged in full, answered 503 so
    /// that the client tries again.
    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        tracing::warn!(%detail, "database unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the archive's database cannot be reached just now; try again shortly",
        )
    }

    /// An error the client cannot act on: logged in full, answered bare.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not complete the request; the details are in its log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut resp = (self.status, Json(body)).into_response();
        let h = resp.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"arshif\""),
            );
        }
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::WeakPassword => ApiError::bad_request("weak_password", e.to_string()),
            e => ApiError::internal(e),
        }
    }
}

impl From<AuditError> for ApiError {
    fn from(e: AuditError) -> Self {
        if e.is_outage() {
            return ApiError::unavailable(e);
        }
        ApiError::internal(e)
    }
}

/// A malformed query string, JSON body or form: 400 in the usual shape
/// (axum's own answers are plain text).
macro_rules! bad_input {
    ($($rejection:ty => $code:literal),* $(,)?) => {$(
        impl From<$rejection> for ApiError {
            fn from(e: $rejection) -> Self {
                let status = match e.status() {
                    s if s.is_client_error() => s,
                    _ => StatusCode::BAD_REQUEST,
                };
                ApiError::new(status, $code, e.body_text())
            }
        }
    )*};
}

bad_input! {
    axum::extract::rejection::QueryRejection => "bad_parameter",
    axum::extract::rejection::JsonRejection => "bad_body",
    axum::extract::multipart::MultipartRejection => "bad_upload",
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
            ArchiveError::Locked { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "archive_busy",
                "another import is writing to the archive; try again when it has finished",
            ),
            ArchiveError::Catalog(e) => e.into(),
            e => ApiError::internal(e),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        if e.is_outage() {
            return ApiError::unavailable(e);
        }
        let message = e.to_string();
        match &e {
            CatalogError::UnknownType { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_type", message)
            }
            CatalogError::BadTypeName(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_type_name", message)
            }
            CatalogError::TypeExists(_) => {
                ApiError::new(StatusCode::CONFLICT, "type_exists", message)
            }
            CatalogError::NoSuchType(_) => ApiError::not_found("no_such_type", message),
            CatalogError::Held(_) => ApiError::new(StatusCode::CONFLICT, "held", message),
            CatalogError::InTrash(_) => ApiError::new(StatusCode::CONFLICT, "in_trash", message),
            CatalogError::NotInTrash(_) => {
                ApiError::new(StatusCode::CONFLICT, "not_in_trash", message)
            }
            CatalogError::NotHeld(_) => ApiError::new(StatusCode::CONFLICT, "not_held", message),
            CatalogError::BlobTaken(_) => {
                ApiError::new(StatusCode::CONFLICT, "same_as_another", message)
            }
            _ => ApiError::internal(e),
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Archive(a) => a.into(),
            IngestError::Catalog(c) => c.into(),
            e => ApiError::internal(e),
        }
    }
}

impl From<arshif::app::AppError> for ApiError {
    fn from(e: arshif::app::AppError) -> Self {
        use arshif::app::AppError;
        match e {
            AppError::NoSuchDocument(id) | AppError::OutOfScope(id) => {
                ApiError::no_such_document(id)
            }
            AppError::NoSuchPage { .. } => ApiError::not_found("no_such_page", e.to_string()),
            AppError::SharedDocument(_) => ApiError::forbidden(
                "shared_document",
                "another branch holds this document too; an administrator (or someone who holds every branch it is in) may correct it",
            ),
            AppError::MoveNotAllowed => ApiError::forbidden("forbidden", e.to_string()),
            AppError::BadReason => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_reason", e.to_string())
            }
            AppError::SameAsOriginal(_) => {
                ApiError::new(StatusCode::CONFLICT, "same_as_original", e.to_string())
            }
            AppError::BadScan(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_scan", e.to_string())
            }
            AppError::BadRetention(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_retention", e.to_string())
            }
            AppError::Unreadable { .. } => ApiError::internal(e),
            AppError::Catalog(e) => e.into(),
            AppError::Archive(e) => e.into(),
            AppError::Search(e) => e.into(),
            AppError::Preview(e) => e.into(),
            AppError::Searchable(e) => e.into(),
            AppError::Bag(e) => ApiError::internal(e),
            AppError::Zip(e) => ApiError::internal(e),
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

//! Saved views (`/api/views`): each user's named filters and order of the
//! document list. Personal UI state: any logged-in user keeps their own,
//! sees and deletes no one else's; not audited.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::access::{ApiJson, Caller};
use super::handlers::ListParams;
use super::{blocking, ApiError, AppState};
use arshif::auth::views::{SavedViews, ViewError, ViewFilters};

type Shared = State<Arc<AppState>>;

/// Longest search text a view keeps, in characters.
const MAX_VIEW_QUERY: usize = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewView {
    name: String,
    /// An object (serde would take a struct from an array too).
    #[serde(default)]
    filters: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    sort: Option<String>,
}

impl From<ViewError> for ApiError {
    fn from(e: ViewError) -> Self {
        match e {
            ViewError::Exists(_) => {
                ApiError::new(StatusCode::CONFLICT, "view_exists", e.to_string())
            }
            ViewError::TooMany => {
                ApiError::new(StatusCode::CONFLICT, "too_many_views", e.to_string())
            }
            ViewError::BadName => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_view", e.to_string())
            }
            ViewError::Store(e) => ApiError::internal(e),
        }
    }
}

/// The filters and sort as the document list checks them (a bad one is
/// 422 with the list's code: `bad_branch`, `bad_type`, `bad_date`,
/// `bad_review`, `bad_sort`), with empty values made null.
fn checked(
    who: &Caller,
    mut f: ViewFilters,
    sort: Option<String>,
) -> Result<(ViewFilters, String), ApiError> {
    let blank = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    f.branch = blank(f.branch);
    f.doc_type = blank(f.doc_type);
    f.from = blank(f.from);
    f.to = blank(f.to);
    f.imported_from = blank(f.imported_from);
    f.imported_to = blank(f.imported_to);
    f.review = blank(f.review);
    f.q = f.q.trim().to_string();
    if f.q.chars().count() > MAX_VIEW_QUERY {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_view",
            format!("a view's search text is at most {MAX_VIEW_QUERY} characters"),
        ));
    }
    let sort = sort.unwrap_or_else(|| "-imported".to_string());
    let as_list = ListParams {
        branch: f.branch.clone(),
        doc_type: f.doc_type.clone(),
        from: f.from.clone(),
        to: f.to.clone(),
        imported_from: f.imported_from.clone(),
        imported_to: f.imported_to.clone(),
        review: f.review.clone(),
        sort: Some(sort.clone()),
        ..Default::default()
    };
    as_list.request(who).map_err(|mut e| {
        e.status = StatusCode::UNPROCESSABLE_ENTITY;
        e
    })?;
    Ok((f, sort))
}

/// `GET /api/views`: `{"views":[{"id","name","filters":{…},"sort"}]}`.
pub async fn list(State(s): Shared, who: Caller) -> Result<Response, ApiError> {
    let user = who.user.id;
    let views = blocking(move || s.with_accounts(|db| Ok(SavedViews::new(db).list(user)?))).await?;
    Ok(Json(json!({ "views": views })).into_response())
}

/// `POST /api/views`: 201 with the view saved.
pub async fn create(
    State(s): Shared,
    who: Caller,
    ApiJson(body): ApiJson<NewView>,
) -> Result<Response, ApiError> {
    let filters: ViewFilters = match body.filters {
        None => ViewFilters::default(),
        Some(m) => serde_json::from_value(serde_json::Value::Object(m)).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_view",
                format!("filters: {e}"),
            )
        })?,
    };
    let (filters, sort) = checked(&who, filters, body.sort)?;
    let (user, name) = (who.user.id, body.name);
    let view = blocking(move || {
        s.with_accounts(|db| Ok(SavedViews::new(db).create(user, &name, &filters, &sort)?))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `DELETE /api/views/{id}`: 204; 404 for an id that is not one of the
/// caller's views.
pub async fn delete(
    State(s): Shared,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let none = || ApiError::not_found("no_such_view", "you have no saved view with this id");
    let id: i64 = id.parse().ok().filter(|n| *n > 0).ok_or_else(none)?;
    let user = who.user.id;
    let gone =
        blocking(move || s.with_accounts(|db| Ok(SavedViews::new(db).delete(user, id)?))).await?;
    if gone {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(none())
    }
}

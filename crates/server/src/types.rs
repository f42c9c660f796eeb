//! `/api/types`: the document types the administrator keeps. Anyone
//! logged in lists them; administrators add and rename them (audited).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::access::{ApiJson, Caller};
use super::{blocking, ApiError, AppState};
use arshif::auth::Permission;
use arshif::catalog::{DocTypeChange, DocTypeRecord};
use arshif::types::DocType;

type Shared = State<Arc<AppState>>;

/// Every type, with how many documents in the caller's branches have it.
pub async fn list(State(s): Shared, who: Caller) -> Result<Response, ApiError> {
    let actor = who.actor();
    let types =
        blocking(move || s.with_catalog(|c| Ok(arshif::app::list_types(&**c, &s.index, &actor)?)))
            .await?;
    let v: Vec<serde_json::Value> = types.iter().map(|t| t.json()).collect();
    Ok(Json(serde_json::json!({ "types": v })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewType {
    slug: String,
    ar: String,
    en: String,
    #[serde(default)]
    keywords: Vec<String>,
}

fn slug(s: &str) -> Result<DocType, ApiError> {
    s.parse().map_err(|e: arshif::types::BadSlug| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_type", e.to_string())
    })
}

/// Add a type: 201 with it.
pub async fn add(
    State(s): Shared,
    who: Caller,
    ApiJson(body): ApiJson<NewType>,
) -> Result<Response, ApiError> {
    who.require(Permission::ManageTypes)?;
    let t = DocTypeRecord::new(slug(&body.slug)?, &body.ar, &body.en, &body.keywords)?;
    let (st, actor) = (s.clone(), who.actor());
    let done = blocking(move || {
        let done =
            st.with_catalog(|c| Ok(arshif::app::add_type(&mut **c, &st.index, &actor, &t)?))?;
        guess_again(&st, done.value.guessing_again)?;
        Ok(done)
    })
    .await?;
    s.audit(done.audit).await?;
    Ok((StatusCode::CREATED, Json(done.value.json())).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeChange {
    ar: Option<String>,
    en: Option<String>,
    /// Replaces the type's keywords.
    keywords: Option<Vec<String>>,
}

/// Rename a type or replace its keywords: 200 with it.
pub async fn update(
    State(s): Shared,
    who: Caller,
    Path(slug_text): Path<String>,
    ApiJson(body): ApiJson<TypeChange>,
) -> Result<Response, ApiError> {
    who.require(Permission::ManageTypes)?;
    // A slug that cannot be one is a type that does not exist.
    let slug: DocType = slug_text.parse().map_err(|_| {
        ApiError::not_found("no_such_type", format!("no document type {slug_text:?}"))
    })?;
    let change = DocTypeChange {
        ar: body.ar,
        en: body.en,
        keywords: body.keywords,
        add_keywords: Vec::new(),
    };
    let (st, actor) = (s.clone(), who.actor());
    let done = blocking(move || {
        let done = st.with_catalog(|c| {
            Ok(arshif::app::update_type(
                &mut **c, &st.index, &actor, &slug, &change,
            )?)
        })?;
        guess_again(&st, done.value.guessing_again)?;
        Ok(done)
    })
    .await?;
    s.audit(done.audit).await?;
    Ok(Json(done.value.json()).into_response())
}

/// Guess again the types of the documents an addition or a change of a
/// type marked (`n`), and index them, before answering (an upload or an
/// edit sent next finds the index free). While an import holds the index
/// it is left to that import, which catches up when it ends.
fn guess_again(s: &super::AppState, n: Option<u64>) -> Result<(), ApiError> {
    if n.is_some_and(|n| n > 0) {
        s.archive.catch_up_index()?;
    }
    Ok(())
}

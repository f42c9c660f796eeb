//! The document types the administrator keeps: list them (anyone), add
//! and change them (the administrator; audited).

use super::{Actor, AppError, Done};
use crate::audit::Action;
use crate::catalog::{Catalog, DocTypeChange, DocTypeRecord};
use crate::index::SearchIndex;
use crate::types::DocType;

/// A type with how many documents have it.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeView {
    pub record: DocTypeRecord,
    /// Documents of this type the actor may see (in the actor's branches),
    /// as the search index counts them.
    pub documents: usize,
    /// After an addition or a change: the documents whose type was a
    /// guess, to be guessed again with what the archive now knows (the
    /// front end starts that; [`crate::archive::Archive::catch_up_index`]).
    pub guessing_again: Option<u64>,
}

impl TypeView {
    /// `{"slug","ar","en","keywords":[…],"documents"}`, and
    /// `"guessing_again"` after an addition or a change.
    pub fn json(&self) -> serde_json::Value {
        let t = &self.record;
        let mut v = serde_json::json!({
            "slug": t.slug, "ar": t.ar, "en": t.en, "keywords": t.keywords,
            "documents": self.documents,
        });
        if let Some(n) = self.guessing_again {
            v["guessing_again"] = n.into();
        }
        v
    }
}

/// How many documents of each type the actor may see.
fn counts(
    index: &SearchIndex,
    who: &Actor,
) -> Result<std::collections::HashMap<String, usize>, AppError> {
    let f = crate::search::facets(index, &who.scope, crate::calendar::Calendar::Hijri)?;
    Ok(f.doc_types
        .into_iter()
        .map(|c| (c.value, c.count))
        .collect())
}

/// Every type the archive knows, with how many documents in the actor's
/// branches have it. A list of names: not audited.
pub fn list_types(
    catalog: &dyn Catalog,
    index: &SearchIndex,
    who: &Actor,
) -> Result<Vec<TypeView>, AppError> {
    let counts = counts(index, who)?;
    Ok(crate::catalog::doc_types(catalog)?
        .into_iter()
        .map(|record| TypeView {
            documents: counts.get(record.slug.as_str()).copied().unwrap_or(0),
            guessing_again: None,
            record,
        })
        .collect())
}

fn view(
    index: &SearchIndex,
    who: &Actor,
    record: DocTypeRecord,
    guessing_again: Option<u64>,
) -> Result<TypeView, AppError> {
    let documents = counts(index, who)?
        .get(record.slug.as_str())
        .copied()
        .unwrap_or(0);
    Ok(TypeView {
        record,
        documents,
        guessing_again,
    })
}

/// Add a type. The front end has checked that `who` may
/// ([`crate::auth::Permission::ManageTypes`]). Documents whose type is a
/// guess are marked to be guessed again; the front end brings the index
/// up to date ([`crate::archive::Archive::catch_up_index`]).
pub fn add_type(
    catalog: &mut dyn Catalog,
    index: &SearchIndex,
    who: &Actor,
    t: &DocTypeRecord,
) -> Result<Done<TypeView>, AppError> {
    crate::catalog::add_doc_type(catalog, t, chrono::Utc::now())?;
    let record = crate::catalog::doc_type(catalog, &t.slug)?
        .ok_or_else(|| crate::catalog::CatalogError::NoSuchType(t.slug.to_string()))?;
    // Its names and keywords may fit documents typed by a guess.
    let again = catalog.guess_types_again()?;
    let audit = who.event(Action::TypeAdd).detail(serde_json::json!({
        "slug": record.slug, "ar": record.ar, "en": record.en, "keywords": record.keywords,
        "guessing_again": again,
    }));
    Ok(Done {
        value: view(index, who, record, Some(again))?,
        audit,
    })
}

/// Rename a type or change its keywords; the slug stays. Audited with each
/// field changed, before and after. A change marks the documents whose
/// type is a guess to be guessed again, as [`add_type`] does.
pub fn update_type(
    catalog: &mut dyn Catalog,
    index: &SearchIndex,
    who: &Actor,
    slug: &DocType,
    change: &DocTypeChange,
) -> Result<Done<TypeView>, AppError> {
    let (before, after) =
        crate::catalog::update_doc_type(catalog, slug, change, chrono::Utc::now())?;
    let mut changes = serde_json::Map::new();
    for (field, from, to) in [
        (
            "ar",
            serde_json::json!(before.ar),
            serde_json::json!(after.ar),
        ),
        (
            "en",
            serde_json::json!(before.en),
            serde_json::json!(after.en),
        ),
        (
            "keywords",
            serde_json::json!(before.keywords),
            serde_json::json!(after.keywords),
        ),
    ] {
        if from != to {
            changes.insert(field.into(), serde_json::json!({"from": from, "to": to}));
        }
    }
    let again = if changes.is_empty() {
        0
    } else {
        catalog.guess_types_again()?
    };
    let audit = who
        .event(Action::TypeUpdate)
        .detail(serde_json::json!({"slug": slug, "changes": changes, "guessing_again": again}));
    Ok(Done {
        value: view(index, who, after, Some(again))?,
        audit,
    })
}

/// That a document edit names a type the archive knows.
pub(super) fn check_edit(
    catalog: &dyn Catalog,
    edit: &crate::archive::DocumentEdit,
) -> Result<(), AppError> {
    if let Some(Some(t)) = &edit.change.doc_type {
        crate::catalog::check_doc_type(catalog, t)?;
    }
    Ok(())
}

//! The document types an archive knows: the defaults every archive has
//! (licence … other), and those its administrator added or renamed (the
//! `doc_types` table; a default is a row only once changed). Written once
//! over the [`Catalog`] methods both backends implement.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Catalog, CatalogError, Result};
use crate::metadata::TypeKnowledge;
use crate::types::DocType;

/// A document type: its slug (the stable id), its names, and the phrases
/// that give it away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocTypeRecord {
    pub slug: DocType,
    pub ar: String,
    pub en: String,
    /// The administrator's keywords: each is evidence for the type when a
    /// document's text carries it.
    pub keywords: Vec<String>,
}

/// The types every archive has, in this order: slug, Arabic, English.
pub const DEFAULT_TYPES: &[(&str, &str, &str)] = &[
    ("licence", "رخصة", "Licence"),
    ("health-certificate", "شهادة صحية", "Health certificate"),
    ("violation-report", "محضر مخالفة", "Violation report"),
    ("letter", "خطاب", "Letter"),
    ("contract", "عقد", "Contract"),
    ("circular", "تعميم", "Circular"),
    ("memo", "مذكرة", "Memo"),
    ("decision", "قرار", "Decision"),
    ("permit", "تصريح", "Permit"),
    ("other", "أخرى", "Other"),
];

/// Longest name or keyword, in characters.
pub const MAX_TYPE_NAME: usize = 100;
/// Most keywords a type keeps.
pub const MAX_KEYWORDS: usize = 50;
/// Corrected documents the guesser learns from, at most (the latest).
const LEARN_FROM: usize = 2000;

/// A change to a type: new names, its keywords replaced, keywords added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocTypeChange {
    pub ar: Option<String>,
    pub en: Option<String>,
    pub keywords: Option<Vec<String>>,
    pub add_keywords: Vec<String>,
}

impl DocTypeChange {
    pub fn is_empty(&self) -> bool {
        self.ar.is_none()
            && self.en.is_none()
            && self.keywords.is_none()
            && self.add_keywords.is_empty()
    }
}

fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn name(what: &'static str, s: &str) -> Result<String> {
    let s = tidy(s);
    match s.chars().count() {
        0 => Err(CatalogError::BadTypeName(format!("the {what} is empty"))),
        n if n > MAX_TYPE_NAME => Err(CatalogError::BadTypeName(format!(
            "the {what} is {n} characters long; at most {MAX_TYPE_NAME}"
        ))),
        _ => Ok(s),
    }
}

fn keywords(list: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for k in list {
        let k = name("keyword", k)?;
        if !out.contains(&k) {
            out.push(k);
        }
    }
    if out.len() > MAX_KEYWORDS {
        return Err(CatalogError::BadTypeName(format!(
            "{} keywords; at most {MAX_KEYWORDS}",
            out.len()
        )));
    }
    Ok(out)
}

impl DocTypeRecord {
    /// A type as given, its names and keywords checked (not empty, not too
    /// long) and tidied (spaces made one, repeated keywords dropped).
    pub fn new(slug: DocType, ar: &str, en: &str, kw: &[String]) -> Result<Self> {
        Ok(DocTypeRecord {
            slug,
            ar: name("Arabic name", ar)?,
            en: name("English name", en)?,
            keywords: keywords(kw)?,
        })
    }
}

fn defaults() -> Vec<DocTypeRecord> {
    DEFAULT_TYPES
        .iter()
        .map(|(slug, ar, en)| DocTypeRecord {
            slug: slug.parse().expect("default slugs are valid"),
            ar: ar.to_string(),
            en: en.to_string(),
            keywords: Vec::new(),
        })
        .collect()
}

/// Every type the archive knows: the defaults (as the administrator
/// renamed them) in their order, then the archive's own by slug.
pub fn doc_types(catalog: &dyn Catalog) -> Result<Vec<DocTypeRecord>> {
    let mut stored = catalog.stored_doc_types()?;
    stored.sort_by(|a, b| a.slug.cmp(&b.slug));
    let mut all = defaults();
    for t in stored {
        match all.iter_mut().find(|d| d.slug == t.slug) {
            Some(d) => *d = t,
            None => all.push(t),
        }
    }
    Ok(all)
}

/// One type, if the archive knows it.
pub fn doc_type(catalog: &dyn Catalog, slug: &DocType) -> Result<Option<DocTypeRecord>> {
    Ok(doc_types(catalog)?.into_iter().find(|t| &t.slug == slug))
}

/// Add a type. One the archive knows already (a default too) is
/// [`CatalogError::TypeExists`].
pub fn add_doc_type(catalog: &mut dyn Catalog, t: &DocTypeRecord, at: DateTime<Utc>) -> Result<()> {
    let t = DocTypeRecord::new(t.slug.clone(), &t.ar, &t.en, &t.keywords)?;
    if DEFAULT_TYPES.iter().any(|(s, _, _)| *s == t.slug.as_str())
        || !catalog.insert_doc_type(&t, at)?
    {
        return Err(CatalogError::TypeExists(t.slug.to_string()));
    }
    Ok(())
}

/// Rename a type or change its keywords (the slug stays); returns it
/// before and after. One the archive does not know is
/// [`CatalogError::NoSuchType`].
pub fn update_doc_type(
    catalog: &mut dyn Catalog,
    slug: &DocType,
    change: &DocTypeChange,
    at: DateTime<Utc>,
) -> Result<(DocTypeRecord, DocTypeRecord)> {
    let before =
        doc_type(catalog, slug)?.ok_or_else(|| CatalogError::NoSuchType(slug.to_string()))?;
    let mut kw = change
        .keywords
        .clone()
        .unwrap_or_else(|| before.keywords.clone());
    kw.extend(change.add_keywords.iter().cloned());
    let after = DocTypeRecord::new(
        slug.clone(),
        change.ar.as_deref().unwrap_or(&before.ar),
        change.en.as_deref().unwrap_or(&before.en),
        &kw,
    )?;
    if after != before {
        catalog.put_doc_type(&after, at)?;
    }
    Ok((before, after))
}

/// That the archive knows a type; else [`CatalogError::UnknownType`],
/// naming those it knows.
pub fn check_doc_type(catalog: &dyn Catalog, t: &DocType) -> Result<()> {
    let known = doc_types(catalog)?;
    if known.iter().any(|k| &k.slug == t) {
        return Ok(());
    }
    Err(CatalogError::UnknownType {
        given: t.to_string(),
        known: known.iter().map(|k| k.slug.to_string()).collect(),
    })
}

/// What the type guesser knows of this archive: its types' names and
/// keywords, and what the documents clerks corrected teach.
pub fn type_knowledge(catalog: &dyn Catalog) -> Result<TypeKnowledge> {
    let mut k = TypeKnowledge::builtin();
    for t in doc_types(catalog)? {
        k.add_type(&t.slug, &[&t.ar, &t.en], &t.keywords);
    }
    let corrected = catalog.corrected_type_texts(LEARN_FROM)?;
    k.learn(corrected.iter().map(|(t, text)| (t, text.as_str())));
    Ok(k)
}

/// A stored type row as a record.
pub(super) fn stored_type(
    slug: &str,
    ar: String,
    en: String,
    keywords: Vec<String>,
) -> std::result::Result<DocTypeRecord, super::stored::Bad> {
    Ok(DocTypeRecord {
        slug: slug
            .parse()
            .map_err(|e| super::stored::Bad::new("doc_types.slug", e))?,
        ar,
        en,
        keywords,
    })
}

/// A corrected document's type as stored.
pub(super) fn stored_slug(s: &str) -> std::result::Result<DocType, super::stored::Bad> {
    s.parse()
        .map_err(|e| super::stored::Bad::new("documents.corrected_type", e))
}

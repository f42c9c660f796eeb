//! The use cases, written once for every front end: search, view, page
//! image, download, correct, import and export, the document types.
//!
//! Each use case does the scope check (a document outside the actor's
//! branches is not there), the work, and builds the audit entry and the
//! view. It does not write the entry: it hands it back in [`Done`], and the
//! front end writes it before it shows anything (the command line
//! synchronously, the server through its audit writer). So the command line
//! and the HTTP API record the same action with the same fields.
//!
//! The command line acts as [`Actor::local`] (every branch, address
//! `local`); the server as the logged-in user from the client's address.

pub mod download;
pub mod lifecycle;
mod rescan;
mod rotate;
mod types;
mod view;

use std::path::Path;

use crate::archive::{Archive, ArchiveError, DocumentEdit};
use crate::audit::{Action, Event};
use crate::bag::{BagError, BagReport, ExportOptions};
use crate::catalog::{Catalog, CatalogError, DocumentRecord};
use crate::index::SearchIndex;
use crate::ingest::{IngestOptions, IngestReport};
use crate::preview::{PreviewCache, PreviewError};
use crate::search::{PageMatches, SearchError, SearchRequest, SearchResults};
use crate::searchable::SearchableError;
use crate::types::{BranchScope, DocId};

pub use rescan::rescan;
pub use rotate::{rotate, Turn};
pub use types::{add_type, list_types, update_type, TypeView};
pub use view::{DocumentView, PageDetail};

/// Who acts: the name and address the audit log records, and the branches
/// whose documents the actor may see.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub address: String,
    pub scope: BranchScope,
    /// Keeps the records lifecycle (an administrator): sees documents in
    /// the trash, which are gone for everyone else.
    pub manages_records: bool,
}

impl Actor {
    /// The command line's user on this machine: every branch.
    pub fn local() -> Self {
        Actor {
            name: crate::audit::local_actor(),
            address: "local".into(),
            scope: BranchScope::All,
            manages_records: true,
        }
    }

    /// An audit entry by this actor.
    pub fn event(&self, action: Action) -> Event {
        Event::new(&self.name, &self.address, action)
    }
}

/// What a use case did, and the audit entry to write before it is shown.
#[must_use = "the audit entry must be written before the value is shown"]
#[derive(Debug)]
pub struct Done<T> {
    pub value: T,
    pub audit: Event,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("no document {0}")]
    NoSuchDocument(DocId),
    /// A document outside the actor's branches. Front ends answer it
    /// exactly like [`AppError::NoSuchDocument`]; the refusal is audited
    /// with [`denied`].
    #[error("no document {0}")]
    OutOfScope(DocId),
    #[error("document {doc} has no page {page}")]
    NoSuchPage { doc: DocId, page: u32 },
    #[error("another branch holds this document too ({0}); an administrator (or someone who holds every branch it is in) may correct it")]
    SharedDocument(DocId),
    /// Only someone who holds every branch (an administrator) moves
    /// documents between branches.
    #[error("only an administrator may move documents to another branch")]
    MoveNotAllowed,
    /// A move to the trash or a hold needs a reason (kept in the tombstone
    /// and the log), of at most 500 characters.
    #[error(
        "give a reason (at most 500 characters): it is kept with the document and in the audit log"
    )]
    BadReason,
    #[error("retention {0}")]
    BadRetention(String),
    /// A rescan that cannot be taken: unreadable, or not a format arshif
    /// reads.
    #[error("the new scan cannot be used: {0}")]
    BadScan(String),
    /// A rescan with the very bytes the document already has.
    #[error("this file is document {0}'s original already: nothing to replace")]
    SameAsOriginal(DocId),
    /// A page that could not be read again (its original, or the OCR).
    #[error("page {page} of document {doc} could not be read again: {detail}")]
    Unreadable {
        doc: DocId,
        page: u32,
        detail: String,
    },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Preview(#[from] PreviewError),
    #[error(transparent)]
    Searchable(#[from] SearchableError),
    #[error(transparent)]
    Bag(#[from] BagError),
    #[error(transparent)]
    Zip(#[from] download::ZipError),
}

impl AppError {
    /// The catalog (PostgreSQL) cannot be reached just now: nothing is
    /// wrong with the request.
    pub fn is_outage(&self) -> bool {
        match self {
            AppError::Catalog(e) => e.is_outage(),
            AppError::Archive(ArchiveError::Catalog(e)) => e.is_outage(),
            _ => false,
        }
    }
}

/// The audit entry for a look at a document outside the actor's branches.
pub fn denied(who: &Actor, id: DocId) -> Event {
    who.event(Action::Denied)
        .documents([id])
        .detail(serde_json::json!({"reason": "other_branch"}))
}

/// The document as a change to its pages left it (a rescan, a turned
/// page): read again, with its pages' text, once the index has caught up
/// (`indexed` false when an import holds the index).
fn corrected_now(
    archive: &Archive,
    catalog: &dyn Catalog,
    who: &Actor,
    id: DocId,
) -> Result<Corrected, AppError> {
    let indexed = archive.catch_up_index()?;
    let doc = document(catalog, who, id)?;
    let pages = catalog.pages(id)?;
    Ok(Corrected {
        view: DocumentView {
            doc,
            pages,
            detail: PageDetail::Text,
        },
        indexed,
    })
}

/// A document as the actor may see it: one outside the actor's branches is
/// [`AppError::OutOfScope`], one that does not exist (or is in the trash,
/// for all but those who keep the records) [`AppError::NoSuchDocument`].
pub fn document(catalog: &dyn Catalog, who: &Actor, id: DocId) -> Result<DocumentRecord, AppError> {
    let doc = catalog
        .document(id)?
        .filter(|d| d.meta.deleted.is_none() || who.manages_records)
        .ok_or(AppError::NoSuchDocument(id))?;
    doc.in_scope(&who.scope).ok_or(AppError::OutOfScope(id))
}

/// Search within the actor's branches.
pub fn search(
    index: &SearchIndex,
    catalog: &dyn Catalog,
    who: &Actor,
    mut req: SearchRequest,
) -> Result<Done<SearchResults>, AppError> {
    req.scope = who.scope.clone();
    let results = crate::search::search_with(index, &req, catalog)?;
    let audit = who
        .event(Action::Search)
        .documents(results.hits.iter().map(|h| h.id))
        .detail(serde_json::json!({
            "query": req.query,
            "branch": req.branch,
            "type": req.doc_type,
            "from": req.date_from,
            "to": req.date_to,
            "imported_from": req.imported_from,
            "imported_to": req.imported_to,
            "offset": req.offset,
            "total": results.total,
        }));
    Ok(Done {
        value: results,
        audit,
    })
}

/// A page of a browsed list: each document's title, branch, type, date,
/// numbers, page count, import time and review state.
#[derive(Debug)]
pub struct Listed {
    pub total: usize,
    pub documents: Vec<DocumentRecord>,
}

impl Listed {
    /// `{"total", "documents":[{"id","title","branch","doc_type","document_date",
    /// "reference_numbers","pages","imported_at","review","sources","sha256"}]}`
    /// (the sha256 of the current original: a thumbnail's address names it,
    /// so that a rescan's pictures replace those a browser holds).
    pub fn json(&self) -> serde_json::Value {
        let documents: Vec<serde_json::Value> = self
            .documents
            .iter()
            .map(|d| {
                serde_json::json!({
                    "id": d.id,
                    "title": d.title,
                    "branch": d.branch,
                    "doc_type": d.doc_type,
                    "document_date": d.document_date().map(|day| day.to_json()),
                    "reference_numbers": d.reference_numbers(),
                    "pages": d.page_count,
                    "imported_at": d.sources.first().map(|s| s.imported_at),
                    "review": d.meta.review.state.as_str(),
                    "sources": d.sources.iter().map(|s| &s.path).collect::<Vec<_>>(),
                    "sha256": d.blob,
                })
            })
            .collect();
        serde_json::json!({"total": self.total, "documents": documents})
    }
}

/// Browse without searching: the documents that pass the request's filters
/// in the actor's scope, in `sort` order (newest import first by default).
/// Audited as a search with no query text, naming the documents listed.
pub fn browse(
    index: &SearchIndex,
    catalog: &dyn Catalog,
    who: &Actor,
    mut req: SearchRequest,
    sort: crate::search::BrowseSort,
) -> Result<Done<Listed>, AppError> {
    req.scope = who.scope.clone();
    let found = crate::search::browse(index, &req, sort)?;
    let mut documents = Vec::with_capacity(found.ids.len());
    for id in &found.ids {
        // The index may be a moment behind the catalog: a document gone
        // from it, or out of scope now, is left out.
        if let Some(d) = catalog.document(*id)?.and_then(|d| d.in_scope(&who.scope)) {
            documents.push(d);
        }
    }
    let audit = who
        .event(Action::Search)
        .documents(documents.iter().map(|d| d.id))
        .detail(serde_json::json!({
            "query": "",
            "browse": true,
            "branch": req.branch,
            "type": req.doc_type,
            "from": req.date_from,
            "to": req.date_to,
            "imported_from": req.imported_from,
            "imported_to": req.imported_to,
            "review": req.review.map(|r| r.as_str()),
            "offset": req.offset,
            "total": found.total,
        }));
    Ok(Done {
        value: Listed {
            total: found.total,
            documents,
        },
        audit,
    })
}

/// A document and its pages.
pub fn view(
    catalog: &dyn Catalog,
    who: &Actor,
    id: DocId,
    detail: PageDetail,
) -> Result<Done<DocumentView>, AppError> {
    let doc = document(catalog, who, id)?;
    let pages = catalog.pages(id)?;
    Ok(Done {
        value: DocumentView { doc, pages, detail },
        audit: who.event(Action::View).documents([id]),
    })
}

/// Where a query's words are on a document's pages (for a viewer opened
/// from a search).
pub fn matches(
    index: &SearchIndex,
    catalog: &dyn Catalog,
    who: &Actor,
    id: DocId,
    query: &str,
) -> Result<Done<Vec<PageMatches>>, AppError> {
    let doc = document(catalog, who, id)?;
    // Only the words are needed, not the pages' text.
    let numbers: Vec<u32> = (1..=doc.page_count).collect();
    let words = catalog.page_words(id, &numbers)?;
    Ok(Done {
        value: crate::search::matches_in(index, query, &words)?,
        audit: who
            .event(Action::View)
            .documents([id])
            .detail(serde_json::json!({"matches_of": query})),
    })
}

/// A document's original file: its record (blob, size, media type, name);
/// the front end streams the blob from the store.
pub fn original(
    catalog: &dyn Catalog,
    who: &Actor,
    id: DocId,
) -> Result<Done<DocumentRecord>, AppError> {
    let doc = document(catalog, who, id)?;
    Ok(Done {
        value: doc,
        audit: download(who, id, "original"),
    })
}

/// A document as a searchable PDF: its record and the PDF's bytes.
pub fn searchable_pdf(
    archive: &Archive,
    catalog: &dyn Catalog,
    who: &Actor,
    id: DocId,
) -> Result<Done<(DocumentRecord, Vec<u8>)>, AppError> {
    let doc = document(catalog, who, id)?;
    let pages = catalog.pages(id)?;
    let bytes = crate::searchable::for_document(archive.store(), &doc, &pages)?;
    Ok(Done {
        value: (doc, bytes),
        audit: download(who, id, "searchable_pdf"),
    })
}

fn download(who: &Actor, id: DocId, what: &str) -> Event {
    who.event(Action::Download)
        .documents([id])
        .detail(serde_json::json!({ "what": what }))
}

/// A page image, as [`page_image`] gives it.
#[derive(Debug)]
pub struct PageImage {
    /// Names this image of this page: same tag, same bytes.
    pub etag: String,
    /// The JPEG, or `None` when the caller already holds it (its tag
    /// matched).
    pub jpeg: Option<Vec<u8>>,
}

/// A page of a document as a JPEG `width` pixels wide. `held` is the tag
/// of the image the caller already has, if any: every look passes the
/// scope check and is audited, even when nothing is sent again.
pub fn page_image(
    archive: &Archive,
    previews: &PreviewCache,
    catalog: &dyn Catalog,
    who: &Actor,
    (id, n): (DocId, u32),
    width: u32,
    held: Option<&str>,
) -> Result<Done<PageImage>, AppError> {
    let doc = document(catalog, who, id)?;
    let pages = catalog.pages(id)?;
    let page = pages
        .iter()
        .find(|p| p.number == n)
        .ok_or(AppError::NoSuchPage { doc: id, page: n })?;
    let etag = format!("\"{}-{n}-r{}-w{width}\"", doc.blob, page.rotation);
    let jpeg = if held == Some(etag.as_str()) {
        None
    } else {
        Some(previews.page_jpeg(archive.store(), &doc, page, width)?)
    };
    let audit = who
        .event(Action::PageImage)
        .documents([id])
        .detail(serde_json::json!({"page": n, "width": width, "not_modified": jpeg.is_none()}));
    Ok(Done {
        value: PageImage { etag, jpeg },
        audit,
    })
}

/// A corrected document, as [`correct`] gives it.
#[derive(Debug)]
pub struct Corrected {
    pub view: DocumentView,
    /// False while an import holds the index: the correction is searchable
    /// when that import finishes.
    pub indexed: bool,
}

impl Corrected {
    /// The document as it now is, with `indexed`.
    pub fn json(&self) -> serde_json::Value {
        let mut v = self.view.json();
        v["indexed"] = self.indexed.into();
        v
    }
}

/// Edit a document: correct its date, type or title, or set its review
/// state. A document another branch also holds (the same file imported
/// there too) is edited only by someone who holds every branch it is in: a
/// clerk must not change what another branch sees.
pub fn correct(
    archive: &Archive,
    catalog: &dyn Catalog,
    who: &Actor,
    id: DocId,
    edit: &DocumentEdit,
) -> Result<Done<Corrected>, AppError> {
    may_move(who, edit)?;
    editable(catalog, who, id)?;
    types::check_edit(catalog, edit)?;
    let mut done = archive.edit(&[id], edit, &who.name)?;
    let changed = match done.edits.remove(0) {
        Err(CatalogError::NoSuchDocument(_)) => return Err(AppError::NoSuchDocument(id)),
        other => other?,
    };
    let doc = document(catalog, who, id)?;
    let pages = catalog.pages(id)?;
    let action = if edit.change.is_empty() && edit.branch.is_none() {
        Action::Review
    } else {
        Action::Correct
    };
    Ok(Done {
        value: Corrected {
            view: DocumentView {
                doc,
                pages,
                detail: PageDetail::Text,
            },
            indexed: done.indexed,
        },
        audit: who.event(action).documents([id]).detail(changed.changes()),
    })
}

/// A move to another branch is for someone who holds every branch.
fn may_move(who: &Actor, edit: &DocumentEdit) -> Result<(), AppError> {
    if edit.branch.is_some() && !matches!(who.scope, BranchScope::All) {
        return Err(AppError::MoveNotAllowed);
    }
    Ok(())
}

/// The document, if `who` may edit it: in scope, and, for an actor who does
/// not hold every branch, held by none of the actor's missing branches.
fn editable(catalog: &dyn Catalog, who: &Actor, id: DocId) -> Result<DocumentRecord, AppError> {
    let doc = document(catalog, who, id)?;
    if !matches!(who.scope, BranchScope::All) {
        let whole = catalog.document(id)?.ok_or(AppError::NoSuchDocument(id))?;
        let all_held = whole
            .sources
            .iter()
            .all(|s| s.branch.as_ref().is_some_and(|b| who.scope.allows(b)));
        if !all_held {
            return Err(AppError::SharedDocument(id));
        }
    }
    Ok(doc)
}

/// What a bulk edit did to one document.
#[derive(Debug)]
pub enum BulkOutcome {
    /// Edited: each field it changed, before and after.
    Edited(serde_json::Value),
    /// Refused or failed: the error, as for a single edit.
    Refused(AppError),
}

/// What a bulk edit did: one outcome for each id asked, in order.
#[derive(Debug)]
pub struct BulkEdited {
    pub outcomes: Vec<(DocId, BulkOutcome)>,
    pub indexed: bool,
}

impl BulkEdited {
    /// `{"indexed", "results":[{"id","ok":true,"changes"} | {"id","ok":false,"error":{"code","message"}}]}`;
    /// `code_of` names an error for a client (the server's error codes).
    pub fn json(&self, code_of: impl Fn(&AppError) -> (&'static str, String)) -> serde_json::Value {
        let results: Vec<serde_json::Value> = self
            .outcomes
            .iter()
            .map(|(id, o)| match o {
                BulkOutcome::Edited(changes) => {
                    serde_json::json!({"id": id.0, "ok": true, "changes": changes})
                }
                BulkOutcome::Refused(e) => {
                    let (code, message) = code_of(e);
                    serde_json::json!({"id": id.0, "ok": false,
                                       "error": {"code": code, "message": message}})
                }
            })
            .collect();
        serde_json::json!({"indexed": self.indexed, "results": results})
    }
}

/// Edit many documents at once (a clerk's selection): each is checked as
/// [`correct`] checks one, and one that may not be edited, or is missing,
/// fails alone. One audit entry names every document edited, with what
/// changed on each.
pub fn bulk_edit(
    archive: &Archive,
    catalog: &dyn Catalog,
    who: &Actor,
    ids: &[DocId],
    edit: &DocumentEdit,
) -> Result<Done<BulkEdited>, AppError> {
    types::check_edit(catalog, edit)?;
    may_move(who, edit)?;
    let mut outcomes: Vec<(DocId, Option<BulkOutcome>)> = Vec::with_capacity(ids.len());
    let mut allowed = Vec::new();
    for &id in ids {
        match editable(catalog, who, id) {
            Ok(_) => {
                allowed.push(id);
                outcomes.push((id, None));
            }
            Err(e) if e.is_outage() => return Err(e),
            Err(e) => outcomes.push((id, Some(BulkOutcome::Refused(e)))),
        }
    }
    let done = archive.edit(&allowed, edit, &who.name)?;
    let mut edits = allowed.iter().copied().zip(done.edits);
    let mut changes = serde_json::Map::new();
    let mut edited = Vec::new();
    for (id, slot) in outcomes.iter_mut() {
        if slot.is_some() {
            continue;
        }
        let (_, result) = edits.next().expect("one edit for each allowed id");
        *slot = Some(match result {
            Ok(e) => {
                let c = e.changes();
                changes.insert(id.0.to_string(), c.clone());
                edited.push(*id);
                BulkOutcome::Edited(c)
            }
            Err(CatalogError::NoSuchDocument(_)) => {
                BulkOutcome::Refused(AppError::NoSuchDocument(*id))
            }
            Err(e) if e.is_outage() => return Err(e.into()),
            Err(e) => BulkOutcome::Refused(e.into()),
        });
    }
    let outcomes = outcomes
        .into_iter()
        .map(|(id, o)| (id, o.expect("every id has an outcome")))
        .collect();
    Ok(Done {
        value: BulkEdited {
            outcomes,
            indexed: done.indexed,
        },
        audit: who
            .event(Action::BulkEdit)
            .documents(edited)
            .detail(serde_json::json!({ "changes": changes })),
    })
}

/// The audit entry for an import batch (`arshif ingest`, `watch`, an
/// upload), naming its documents.
pub fn imported(
    catalog: &dyn Catalog,
    who: &Actor,
    report: &IngestReport,
    opts: &IngestOptions,
) -> Result<Event, AppError> {
    let docs = report.documents(catalog)?;
    Ok(who
        .event(Action::Import)
        .documents(docs)
        .detail(serde_json::json!({
            "batch": report.batch,
            "branch": opts.branch,
            "doc_type": opts.doc_type,
            "ingested": report.ingested,
            "duplicates": report.duplicates,
            "failed": report.failed,
        })))
}

/// Export documents as a BagIt bag at `out`.
pub fn export(
    archive: &Archive,
    who: &Actor,
    out: &Path,
    opts: &ExportOptions,
) -> Result<Done<BagReport>, AppError> {
    let r = crate::bag::export(archive, out, opts)?;
    let audit = who
        .event(Action::Download)
        .documents(opts.ids.iter().flatten().copied())
        .detail(serde_json::json!({
            "what": "export", "bag": out.display().to_string(),
            "branch": opts.branch, "since": opts.since, "documents": r.documents,
        }));
    Ok(Done { value: r, audit })
}

/// Import the documents of a BagIt bag (one `export` wrote).
pub fn import_bag(archive: &Archive, who: &Actor, bag: &Path) -> Result<Done<BagReport>, AppError> {
    let r = crate::bag::import(archive, bag)?;
    let audit = who.event(Action::Import).detail(serde_json::json!({
        "bag": bag.display().to_string(), "documents": r.documents,
        "already_present": r.already_present,
    }));
    Ok(Done { value: r, audit })
}

#[cfg(test)]
mod tests;

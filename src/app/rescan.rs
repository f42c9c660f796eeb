//! A better scan of a document: the record keeps its id, branch,
//! corrections, sources and audit history; the new scan is stored and
//! read, and becomes what search and the viewer use; the old original
//! stays as an earlier version until the document is purged.

use std::path::Path;

use chrono::Utc;

use super::{editable, Actor, AppError, Corrected, Done};
use crate::archive::ArchiveError;
use crate::audit::Action;
use crate::catalog::{Catalog, CatalogError, Rescan};
use crate::extract;
use crate::ingest::worker::{FileReader, Request};
use crate::types::DocId;

use crate::archive::Archive;

/// Replace document `id`'s original by the scan in `file`, read by
/// `reader` as an import reads (its pages OCR'd or their text layer taken;
/// in a reading process of its own where the caller asks for one, so that
/// a scan that crashes the reader fails alone), and answer the document
/// as it now is; audited as `rescan` with both sha256.
pub fn rescan(
    archive: &Archive,
    catalog: &mut dyn Catalog,
    who: &Actor,
    id: DocId,
    file: &Path,
    reader: &mut dyn FileReader,
) -> Result<Done<Corrected>, AppError> {
    let doc = editable(&*catalog, who, id)?;
    let bad = |detail: String| AppError::BadScan(detail);
    let store = archive.store();
    let (blob, size) = crate::store::hash_file(file).map_err(|e| bad(e.to_string()))?;
    if blob == doc.blob {
        return Err(AppError::SameAsOriginal(id));
    }
    if let Some(other) = catalog.find_by_blob(&blob)? {
        return Err(AppError::Catalog(CatalogError::BlobTaken(other)));
    }
    let head = extract::read_head(file).map_err(|e| bad(e.to_string()))?;
    let format = extract::sniff(&head).map_err(|e| bad(e.to_string()))?;
    let staged = store
        .stage(file, Some(&blob))
        .map_err(|e| AppError::Archive(ArchiveError::Store(e)))?;
    // Read the staged copy: what is read is what is kept.
    let request = Request {
        path: staged.path().to_path_buf(),
        shown: file.display().to_string(),
        skip: Default::default(),
    };
    let mut pages = Vec::new();
    reader
        .read(&request, &mut |page| {
            pages.push(page);
            true
        })
        .map_err(bad)?;
    if pages.is_empty() {
        return Err(bad("the scan has no pages".into()));
    }
    store
        .commit(staged)
        .map_err(|e| AppError::Archive(ArchiveError::Store(e)))?;
    let knowledge = crate::catalog::type_knowledge(&*catalog)?;
    let texts: Vec<(u32, &str)> = pages.iter().map(|p| (p.number, p.text.as_str())).collect();
    let path = doc
        .sources
        .first()
        .map(|s| s.path.clone())
        .unwrap_or_default();
    let (extracted, title) = crate::metadata::read_document(&texts, &path, &knowledge);
    let by = who.name.clone();
    let version = catalog
        .replace_original(
            id,
            &Rescan {
                blob,
                size,
                media_type: format.media_type(),
                pages: &pages,
                extracted: &extracted,
                title: &title,
                by: &by,
                at: Utc::now(),
            },
        )
        .map_err(|e| match e {
            CatalogError::NoSuchDocument(_) => AppError::NoSuchDocument(id),
            e => AppError::Catalog(e),
        })?;
    Ok(Done {
        value: super::corrected_now(archive, &*catalog, who, id)?,
        audit: who
            .event(Action::Rescan)
            .documents([id])
            .detail(serde_json::json!({
                "sha256": blob,
                "replaced": version.sha256,
                "version": version.number,
                "pages": texts.len(),
            })),
    })
}

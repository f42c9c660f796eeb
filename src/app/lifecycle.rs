//! The records lifecycle: the trash, legal holds, purge, retention rules
//! and disposal. Administrators' use cases (the front ends check the
//! permission); each is audited.
//!
//! A document leaves the archive only this way: moved to the trash (by
//! hand, or by a disposal of what its retention rule made due), left there
//! for a while, then purged, which keeps a tombstone in the catalog and in
//! the audit log. A legal hold stops all of it.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{document, Actor, AppError, Done};
use crate::archive::Archive;
use crate::audit::Action;
use crate::bag::ExportOptions;
use crate::calendar::{Calendar, Day};
use crate::catalog::{
    Catalog, CatalogError, DocumentRecord, RetentionFrom, RetentionRule, Stamp, Tombstone,
};
use crate::types::{DocId, DocType};

/// How long a document stays in the trash before `purge` removes it, unless
/// told otherwise.
pub const DEFAULT_PURGE_DAYS: u32 = 30;

/// A reason is required (it is what the tombstone and the log keep) and
/// kept short.
fn reason(text: &str) -> Result<String, AppError> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 500 {
        return Err(AppError::BadReason);
    }
    Ok(t.to_string())
}

fn stamp(who: &Actor, why: &str) -> Result<Stamp, AppError> {
    Ok(Stamp {
        at: Utc::now(),
        by: who.name.clone(),
        reason: reason(why)?,
    })
}

/// A catalog refusal about one document, as the use case's error.
fn refused(e: CatalogError, id: DocId) -> AppError {
    match e {
        CatalogError::NoSuchDocument(_) => AppError::NoSuchDocument(id),
        other => AppError::Catalog(other),
    }
}

/// Move a document to the trash: search, browse and every document route
/// answer as if it were gone (but to administrators) until it is restored
/// or purged.
pub fn delete(
    archive: &Archive,
    catalog: &mut dyn Catalog,
    who: &Actor,
    id: DocId,
    why: &str,
) -> Result<Done<DocumentRecord>, AppError> {
    let doc = document(&*catalog, who, id)?;
    let mark = stamp(who, why)?;
    catalog.trash(id, &mark).map_err(|e| refused(e, id))?;
    archive.catch_up_index()?;
    let audit = who
        .event(Action::Delete)
        .documents([id])
        .detail(serde_json::json!({"reason": mark.reason, "title": doc.title}));
    let doc = catalog.document(id)?.ok_or(AppError::NoSuchDocument(id))?;
    Ok(Done { value: doc, audit })
}

/// Bring a document back from the trash as it was: corrections, sources and
/// review state were never touched.
pub fn restore(
    archive: &Archive,
    catalog: &mut dyn Catalog,
    who: &Actor,
    id: DocId,
) -> Result<Done<DocumentRecord>, AppError> {
    document(&*catalog, who, id)?;
    let was = catalog.restore(id).map_err(|e| refused(e, id))?;
    archive.catch_up_index()?;
    let audit = who
        .event(Action::Restore)
        .documents([id])
        .detail(serde_json::json!({"deleted": {"at": was.at, "by": was.by, "reason": was.reason}}));
    let doc = catalog.document(id)?.ok_or(AppError::NoSuchDocument(id))?;
    Ok(Done { value: doc, audit })
}

/// A document as the trash and hold lists show it (the command line's
/// `--json` and the API alike).
pub fn record_json(doc: &DocumentRecord) -> serde_json::Value {
    serde_json::json!({
        "id": doc.id,
        "title": doc.title,
        "branch": doc.branch,
        "doc_type": doc.doc_type,
        "sha256": doc.blob,
        "page_count": doc.page_count,
        "deleted": doc.meta.deleted,
        "hold": doc.meta.hold,
    })
}

/// The documents in the trash, longest there first.
pub fn trash(catalog: &dyn Catalog) -> Result<Vec<DocumentRecord>, AppError> {
    records(catalog, catalog.trashed()?)
}

/// The documents under a legal hold.
pub fn holds(catalog: &dyn Catalog) -> Result<Vec<DocumentRecord>, AppError> {
    records(catalog, catalog.held()?)
}

fn records(catalog: &dyn Catalog, ids: Vec<DocId>) -> Result<Vec<DocumentRecord>, AppError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(d) = catalog.document(id)? {
            out.push(d);
        }
    }
    Ok(out)
}

/// Put a document under a legal hold (`Some(reason)`) or release it
/// (`None`). A held document cannot be deleted, disposed of or purged.
pub fn hold(
    catalog: &mut dyn Catalog,
    who: &Actor,
    id: DocId,
    why: Option<&str>,
) -> Result<Done<DocumentRecord>, AppError> {
    document(&*catalog, who, id)?;
    let mark = why.map(|w| stamp(who, w)).transpose()?;
    let was = catalog
        .set_hold(id, mark.as_ref())
        .map_err(|e| refused(e, id))?;
    let audit = match &mark {
        Some(m) => who
            .event(Action::Hold)
            .documents([id])
            .detail(serde_json::json!({"reason": m.reason})),
        None => who.event(Action::Release).documents([id]).detail(
            serde_json::json!({"held": was.map(|h| serde_json::json!({"at": h.at, "by": h.by, "reason": h.reason}))}),
        ),
    };
    let doc = catalog.document(id)?.ok_or(AppError::NoSuchDocument(id))?;
    Ok(Done { value: doc, audit })
}

/// What a purge does.
#[derive(Debug, Clone)]
pub struct PurgeOptions {
    /// Only documents in the trash at least this many days.
    pub older_than_days: u32,
    /// Write the purged documents' bag here first (nothing is purged if
    /// that fails).
    pub export: Option<PathBuf>,
    /// Only these documents (`None`: every one old enough).
    pub ids: Option<Vec<DocId>>,
}

/// One document a purge left alone, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    pub id: DocId,
    pub reason: String,
}

/// What a purge did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeReport {
    pub purged: Vec<Tombstone>,
    /// Documents old enough but held, or otherwise refused.
    pub kept: Vec<Kept>,
    /// Blobs removed from the store (none still referred to is removed).
    pub blobs_removed: usize,
    /// The bag written first, if asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exported: Option<PathBuf>,
}

/// Purge documents from the trash: their catalog rows, index entries,
/// cached page images, and their blobs that no other document refers to.
/// A tombstone stays. Finishes first what a purge that was killed left
/// (tombstones whose blobs were not yet removed). A held document is kept
/// and named; the rest go on.
pub fn purge(
    archive: &Archive,
    catalog: &mut dyn Catalog,
    who: &Actor,
    opts: &PurgeOptions,
    now: DateTime<Utc>,
) -> Result<Done<PurgeReport>, AppError> {
    let mut report = PurgeReport::default();
    let cutoff = now - chrono::Duration::days(i64::from(opts.older_than_days));
    let mut due = Vec::new();
    for doc in trash(&*catalog)? {
        let Some(deleted) = &doc.meta.deleted else {
            continue;
        };
        if deleted.at > cutoff {
            continue;
        }
        if let Some(ids) = &opts.ids {
            if !ids.contains(&doc.id) {
                continue;
            }
        }
        if doc.meta.hold.is_some() {
            report.kept.push(Kept {
                id: doc.id,
                reason: CatalogError::Held(doc.id).to_string(),
            });
            continue;
        }
        due.push(doc.id);
    }
    if let (Some(out), false) = (&opts.export, due.is_empty()) {
        crate::bag::export(
            archive,
            out,
            &ExportOptions {
                ids: Some(due.clone()),
                ..Default::default()
            },
        )?;
        report.exported = Some(out.clone());
    }
    for &id in &due {
        match catalog.purge(id, &who.name, now) {
            Ok(stone) => report.purged.push(stone),
            Err(e @ (CatalogError::Held(_) | CatalogError::NotInTrash(_))) => {
                report.kept.push(Kept {
                    id,
                    reason: e.to_string(),
                })
            }
            Err(e) => return Err(e.into()),
        }
    }
    report.blobs_removed = remove_blobs(archive, catalog)?;
    archive.catch_up_index()?;
    let audit = who
        .event(Action::Purge)
        .documents(report.purged.iter().map(|t| t.id))
        .detail(serde_json::json!({
            "older_than_days": opts.older_than_days,
            "tombstones": report.purged,
            "kept": report.kept,
            "exported": report.exported,
        }));
    Ok(Done {
        value: report,
        audit,
    })
}

/// Remove the blobs of every tombstone whose blobs are not yet removed:
/// each one no live document, version or batch-scan source refers to.
/// Returns how many were removed.
fn remove_blobs(archive: &Archive, catalog: &mut dyn Catalog) -> Result<usize, AppError> {
    let store = archive.store();
    let previews = crate::preview::PreviewCache::new(archive.root());
    let mut removed = 0;
    for stone in catalog.tombstones()? {
        if stone.blobs_removed {
            continue;
        }
        for blob in &stone.blobs {
            let gone =
                catalog.remove_blob(blob, &mut |b| store.remove(b).map_err(|e| e.to_string()))?;
            if gone {
                removed += 1;
                previews.forget(blob);
            }
        }
        catalog.mark_blobs_removed(stone.id)?;
    }
    Ok(removed)
}

/// Set how long documents of a type are kept.
pub fn set_retention(
    catalog: &mut dyn Catalog,
    who: &Actor,
    doc_type: &DocType,
    years: u32,
    from: RetentionFrom,
) -> Result<Done<RetentionRule>, AppError> {
    if !(1..=200).contains(&years) {
        return Err(AppError::BadRetention(format!(
            "{years} years: give 1 to 200"
        )));
    }
    crate::catalog::check_doc_type(&*catalog, doc_type)?;
    let rule = RetentionRule {
        doc_type: doc_type.clone(),
        years,
        from,
        set_by: who.name.clone(),
        set_at: Utc::now(),
    };
    catalog.set_retention(&rule)?;
    let audit = who.event(Action::RetentionSet).detail(serde_json::json!({
        "doc_type": rule.doc_type, "years": years, "from": from.as_str(),
    }));
    Ok(Done { value: rule, audit })
}

/// A document whose retention period has ended.
#[derive(Debug, Clone, Serialize)]
pub struct Due {
    pub id: DocId,
    pub title: String,
    pub doc_type: DocType,
    /// The day the period is counted from, and in which calendar.
    pub counted_from: Day,
    pub calendar: Calendar,
    /// The day the period ended.
    pub ended: Day,
    /// Under a legal hold: due, but not to be disposed of.
    pub held: bool,
}

/// The documents (not in the trash) whose retention period ended on or
/// before `today`, by the day it ended.
pub fn due(catalog: &dyn Catalog, today: Day) -> Result<Vec<Due>, AppError> {
    let rules = catalog.retention_rules()?;
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for id in catalog.document_ids()? {
        let Some(doc) = catalog.document(id)? else {
            continue;
        };
        if doc.meta.deleted.is_some() {
            continue;
        }
        let Some(t) = &doc.doc_type else { continue };
        let Some(rule) = rules.iter().find(|r| &r.doc_type == t) else {
            continue;
        };
        let (from, calendar) = period_start(&doc, rule.from);
        let Some(ended) = from.plus_years(rule.years, calendar) else {
            continue;
        };
        if ended <= today {
            out.push(Due {
                id,
                title: doc.title.clone(),
                doc_type: t.clone(),
                counted_from: from,
                calendar,
                ended,
                held: doc.meta.hold.is_some(),
            });
        }
    }
    out.sort_by_key(|d| (d.ended, d.id));
    Ok(out)
}

/// The day a document's retention period starts, and the calendar its
/// years are counted in: its date in the calendar it was printed in (a
/// corrected date, or one printed in no known calendar, counts in Hijri
/// years, the calendar of the municipality's records); else, or when the
/// rule says so, the day it was first imported, in Gregorian years.
fn period_start(doc: &DocumentRecord, from: RetentionFrom) -> (Day, Calendar) {
    if from == RetentionFrom::DocumentDate {
        if let Some(day) = doc.document_date() {
            let printed = doc
                .meta
                .extracted
                .dates
                .iter()
                .find(|d| d.day == day)
                .map(|d| d.calendar);
            return (day, printed.unwrap_or(Calendar::Hijri));
        }
    }
    let imported = doc
        .sources
        .iter()
        .map(|s| s.imported_at)
        .min()
        .unwrap_or(doc.created_at);
    (Day::from_naive(imported.date_naive()), Calendar::Gregorian)
}

/// What a disposal did (or, not approved, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Disposal {
    pub approved: bool,
    /// Due and moved to the trash (or to be).
    pub disposed: Vec<Due>,
    /// Due but under a legal hold, or refused: left where they are.
    pub kept: Vec<Kept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exported: Option<PathBuf>,
}

/// Move every document whose retention period has ended to the trash, in
/// one audited action (`approve`), after writing their bag (`export`).
/// Not approved, it only says what it would do, and writes nothing.
pub fn dispose(
    archive: &Archive,
    catalog: &mut dyn Catalog,
    who: &Actor,
    export: Option<PathBuf>,
    approve: bool,
) -> Result<Done<Disposal>, AppError> {
    let today = Day::from_naive(Utc::now().date_naive());
    let mut out = Disposal {
        approved: approve,
        ..Default::default()
    };
    for d in due(&*catalog, today)? {
        if d.held {
            out.kept.push(Kept {
                id: d.id,
                reason: CatalogError::Held(d.id).to_string(),
            });
        } else {
            out.disposed.push(d);
        }
    }
    if approve {
        if let (Some(path), false) = (&export, out.disposed.is_empty()) {
            crate::bag::export(
                archive,
                path,
                &ExportOptions {
                    ids: Some(out.disposed.iter().map(|d| d.id).collect()),
                    ..Default::default()
                },
            )?;
            out.exported = Some(path.clone());
        }
        let rules = catalog.retention_rules()?;
        let mut trashed = Vec::new();
        // One write group: a disposal killed part way has trashed all of
        // what was due, or none of it (an error leaves the group
        // uncommitted, and the connection's end undoes it).
        catalog.begin_group()?;
        for d in std::mem::take(&mut out.disposed) {
            let years = rules
                .iter()
                .find(|r| r.doc_type == d.doc_type)
                .map_or(0, |r| r.years);
            let mark = Stamp {
                at: Utc::now(),
                by: who.name.clone(),
                reason: format!(
                    "retention: {}, {years} {} years from {}, ended {}",
                    d.doc_type,
                    d.calendar.as_str(),
                    d.counted_from,
                    d.ended
                ),
            };
            match catalog.trash(d.id, &mark) {
                Ok(()) => trashed.push(d),
                Err(e @ (CatalogError::Held(_) | CatalogError::InTrash(_))) => {
                    out.kept.push(Kept {
                        id: d.id,
                        reason: e.to_string(),
                    })
                }
                Err(e) => return Err(e.into()),
            }
        }
        catalog.end_group()?;
        out.disposed = trashed;
        archive.catch_up_index()?;
    }
    let audit = who
        .event(if approve {
            Action::Dispose
        } else {
            Action::View
        })
        .documents(out.disposed.iter().map(|d| d.id))
        .detail(serde_json::json!({
            "what": if approve { "dispose" } else { "dispose_preview" },
            "disposed": out.disposed.iter().map(|d| serde_json::json!({
                "id": d.id, "doc_type": d.doc_type, "ended": d.ended.to_string(),
            })).collect::<Vec<_>>(),
            "kept": out.kept,
            "exported": out.exported,
        }));
    Ok(Done { value: out, audit })
}

//! The catalog: the record of documents, their sources, their pages and the
//! import batches that brought them in.
//!
//! The catalog is the source of truth for everything except the original
//! bytes (those live in the store). The search index is derived from it and
//! can always be rebuilt from it. It sits behind the [`Catalog`] trait:
//! [`SqliteCatalog`] is the embedded catalog of one archive directory,
//! [`PgCatalog`] a catalog in PostgreSQL shared by several nodes (each with
//! its own search index), which also holds the page [`JobQueue`] of the OCR
//! workers.

mod doctypes;
mod postgres;
mod sqlite;
mod stored;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use self::postgres::{ChangeListener, PgCatalog, PG_SCHEMA_VERSION};
pub use crate::db::url::{url_for_display, url_with_search_path};
pub use doctypes::{
    add_doc_type, check_doc_type, doc_type, doc_types, type_knowledge, update_doc_type,
    DocTypeChange, DocTypeRecord, DEFAULT_TYPES, MAX_KEYWORDS, MAX_TYPE_NAME,
};
pub use sqlite::SqliteCatalog;

use crate::calendar::Day;
use crate::metadata::{Correction, CorrectionChange, Extracted, TypeSource};
use crate::types::{BatchId, BlobId, BranchScope, BranchSlug, DocId, DocType, TextSource, Word};

/// The catalog schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = sqlite::MIGRATIONS.len() as i64;

/// What catalog operations return.
pub type Result<T, E = CatalogError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog {path}: {source}")]
    Db {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("catalog {url}: {source}")]
    Pg {
        /// The catalog's URL, without any password (see [`url_for_display`]).
        url: String,
        #[source]
        source: ::postgres::Error,
    },
    #[error("catalog {path} has schema version {found}, newer than this arshif supports ({supported}); upgrade arshif")]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("catalog {path}: bad stored value in {what}: {detail}")]
    BadValue {
        path: String,
        what: &'static str,
        detail: String,
    },
    #[error("no document matches {0:?}")]
    NoSuchDocument(String),
    #[error("{query:?} matches {count} documents; give more of the sha256")]
    Ambiguous { query: String, count: usize },
    #[error("unknown document type {given:?}; the archive knows {}; an administrator adds one with `arshif type add`", known.join(", "))]
    UnknownType { given: String, known: Vec<String> },
    #[error("the document type {0:?} exists already")]
    TypeExists(String),
    #[error("no document type {0:?}")]
    NoSuchType(String),
    #[error("{0}")]
    BadTypeName(String),
    /// The catalog's database cannot be reached or used as configured (no
    /// pooled connection in time, bad TLS settings).
    #[error("catalog {0}")]
    Database(crate::db::DbError),
    #[error("document {0} is under a legal hold; release it first (arshif release {0})")]
    Held(DocId),
    #[error("document {0} is in the trash")]
    InTrash(DocId),
    #[error("document {0} is not in the trash")]
    NotInTrash(DocId),
    #[error("document {0} is not under a legal hold")]
    NotHeld(DocId),
    #[error("these bytes are document {0}'s already")]
    BlobTaken(DocId),
}

impl From<crate::db::DbError> for CatalogError {
    fn from(e: crate::db::DbError) -> Self {
        use crate::db::DbError;
        match e {
            DbError::Pg { url, source } => CatalogError::Pg { url, source },
            DbError::Sqlite { path, source } => CatalogError::Db { path, source },
            DbError::NewerSchema {
                path,
                found,
                supported,
            } => CatalogError::NewerSchema {
                path,
                found,
                supported,
            },
            DbError::Setup { url, what, detail } => CatalogError::BadValue {
                path: url,
                what,
                detail,
            },
            e => CatalogError::Database(e),
        }
    }
}

impl CatalogError {
    /// A lost or refused connection to the catalog's database (as opposed
    /// to a query it rejected, or a record that is not there): worth
    /// waiting out, or answering "unavailable".
    pub fn is_outage(&self) -> bool {
        match self {
            CatalogError::Pg { source, .. } => crate::db::pg::is_outage(source),
            CatalogError::Database(e) => e.is_outage(),
            _ => false,
        }
    }
}

/// One page of a document as the catalog keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageRecord {
    /// 1-based.
    pub number: u32,
    pub text: String,
    pub source: TextSource,
    /// Mean word confidence, 0.0 ..= 1.0. 1.0 for a PDF text layer.
    pub confidence: f32,
    pub words: Vec<Word>,
    /// Degrees clockwise the page image was turned before reading (0, 90, 180, 270).
    pub rotation: u16,
    /// Degrees the turned page was then levelled by (counter-clockwise,
    /// within ±5). Word boxes are axis-aligned boxes on the turned,
    /// unlevelled page; the searchable PDF tilts its text by this much.
    pub skew: f32,
    /// Size of the page image the word boxes refer to, in pixels (0 for text-layer pages).
    pub width: u32,
    pub height: u32,
    /// Tesseract language string used (`ara`, `eng`, `ara+eng`), empty for text layers.
    pub language: String,
    /// Numbers arshif's number reader read on the page, boxes in the frame
    /// of the word boxes (empty for text layers and pending pages). Absent
    /// from page-cache entries and reading-process replies written before
    /// there were any.
    #[serde(default)]
    pub numbers: Vec<crate::ocr::digits::NumberReading>,
}

/// A new import batch.
#[derive(Debug, Clone)]
pub struct NewBatch {
    pub started_at: DateTime<Utc>,
    pub branch: Option<BranchSlug>,
    pub doc_type: Option<DocType>,
    /// The paths given on the command line (or upload names).
    pub inputs: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Running,
    Finished,
}

/// Counters kept for each batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCounts {
    pub files_seen: u64,
    pub ingested: u64,
    pub duplicates: u64,
    pub failed: u64,
    pub pages: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchRecord {
    pub id: BatchId,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: BatchStatus,
    pub branch: Option<BranchSlug>,
    pub doc_type: Option<DocType>,
    pub inputs: Vec<String>,
    #[serde(flatten)]
    pub counts: BatchCounts,
}

/// One file's line in a batch: what happened to it, and how many pages it
/// gave.
#[derive(Debug, Clone, Copy)]
pub struct FileRecord<'a> {
    pub batch: BatchId,
    pub path: &'a str,
    pub outcome: &'a FileOutcome,
    pub pages: u32,
}

/// Who made a change, and when.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub by: &'a str,
    pub at: DateTime<Utc>,
}

/// Who did something to a document, when, and why: a move to the trash, a
/// legal hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// What stays of a purged document: who deleted it and why, who purged it,
/// and the blobs it referred to (`blobs_removed` once those no other record
/// refers to are gone from the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tombstone {
    pub id: DocId,
    pub sha256: BlobId,
    pub title: String,
    pub branch: Option<BranchSlug>,
    pub deleted: Stamp,
    pub purged_at: DateTime<Utc>,
    pub purged_by: String,
    /// The original, its earlier versions and the batch scans it was cut
    /// from: each is removed from the store when nothing else refers to it.
    pub blobs: Vec<BlobId>,
    pub blobs_removed: bool,
}

/// An earlier original of a document, replaced by a rescan: kept in the
/// store (and downloadable) until the document itself is purged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// 1 for the first original, counting up.
    pub number: u32,
    pub sha256: BlobId,
    pub size: u64,
    pub media_type: String,
    pub page_count: u32,
    pub replaced_at: DateTime<Utc>,
    pub replaced_by: String,
}

/// A better scan of a document: its new original and what was read of it.
#[derive(Debug, Clone)]
pub struct Rescan<'a> {
    pub blob: BlobId,
    pub size: u64,
    pub media_type: &'a str,
    pub pages: &'a [PageRecord],
    pub extracted: &'a Extracted,
    pub title: &'a str,
    pub by: &'a str,
    pub at: DateTime<Utc>,
}

/// How long documents of one type are kept before they are due for
/// disposal, and from which date that is counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRule {
    pub doc_type: DocType,
    pub years: u32,
    pub from: RetentionFrom,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// The date a retention period is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetentionFrom {
    /// The document's own date (corrected, else read from it); a Hijri date
    /// counts in Hijri years. Documents with no date are counted from their
    /// import.
    DocumentDate,
    /// The day it was first imported.
    Imported,
}

impl RetentionFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionFrom::DocumentDate => "document-date",
            RetentionFrom::Imported => "imported",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "document-date" => Some(RetentionFrom::DocumentDate),
            "imported" => Some(RetentionFrom::Imported),
            _ => None,
        }
    }
}

/// Staff's change to a document's corrections, by whom and when.
#[derive(Debug, Clone, Copy)]
pub struct Amendment<'a> {
    pub change: &'a CorrectionChange,
    pub by: &'a str,
    pub at: DateTime<Utc>,
}

/// What happened to one file of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    Ingested(DocId),
    Duplicate(DocId),
    Failed(String),
}

/// A file of a batch, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct BatchFile {
    pub batch: BatchId,
    pub path: String,
    /// `ingested`, `duplicate` or `failed`.
    pub status: String,
    pub document: Option<DocId>,
    pub error: Option<String>,
    /// The batch that retried this failed file, if any.
    pub retried_in: Option<BatchId>,
}

/// Where a document was imported from. A document gains one per distinct
/// (path, branch) it was imported under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    pub path: String,
    pub branch: Option<BranchSlug>,
    pub doc_type: Option<DocType>,
    pub batch: BatchId,
    pub imported_at: DateTime<Utc>,
    /// Set when the document was cut from a batch scan (`ingest --split`):
    /// the whole file it came from and its pages in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<SourcePart>,
}

/// Where in a batch scan a document cut from it lies: the whole file (kept
/// in the store as its own blob) and the pages, 1-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePart {
    pub origin: BlobId,
    pub first_page: u32,
    pub last_page: u32,
}

/// A source that names a batch scan as its origin, as `arshif check` sees
/// it: the origin must be in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRow {
    pub origin: BlobId,
    pub doc: DocId,
    pub path: String,
}

/// A document about to be recorded.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub blob: BlobId,
    pub size: u64,
    pub media_type: String,
    pub title: String,
    pub pages: Vec<PageRecord>,
    pub source: SourceRecord,
    /// What was read from the pages' text (`metadata::extract`).
    pub extracted: Extracted,
}

/// Whether a clerk has confirmed what was read of a document: a new
/// document is pending until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewState {
    Pending,
    #[default]
    Done,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Pending => "pending",
            ReviewState::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(ReviewState::Pending),
            "done" => Some(ReviewState::Done),
            _ => None,
        }
    }
}

/// A document's review: its state, and who set it when (none for a new
/// document, or one from before reviews).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Review {
    pub state: ReviewState,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

impl Review {
    /// A new document's review: pending, nobody's yet.
    pub fn default_pending() -> Self {
        Review {
            state: ReviewState::Pending,
            by: None,
            at: None,
        }
    }
}

/// What the catalog knows of a document besides its bytes and sources:
/// what was read from its text, what staff corrected, where its type
/// came from, and its review.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocMeta {
    /// Where [`DocumentRecord::doc_type`] came from.
    pub doc_type_source: Option<TypeSource>,
    /// The title read from the text (the file name when none was found),
    /// whatever staff corrected it to.
    pub extracted_title: String,
    pub extracted: Extracted,
    pub correction: Correction,
    pub review: Review,
    /// Set while the document is in the trash: who moved it there, when and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Stamp>,
    /// Set while a legal hold stops its deletion, disposal and purge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold: Option<Stamp>,
    /// Earlier originals a rescan replaced, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<Version>,
    /// Bumped by every change to what the index holds of the document, so
    /// an index entry written from an older read is never taken as current.
    pub revision: i64,
}

/// The type a document has: staff's correction, else the type given at
/// import, else the guess from its text.
pub fn effective_type(
    correction: &Correction,
    imported: Option<DocType>,
    extracted: &Extracted,
) -> (Option<DocType>, Option<TypeSource>) {
    if let Some(t) = &correction.doc_type {
        return (Some(t.clone()), Some(TypeSource::Corrected));
    }
    if let Some(t) = imported {
        return (Some(t), Some(TypeSource::Import));
    }
    match &extracted.type_guess {
        Some(g) => (Some(g.doc_type.clone()), Some(TypeSource::Guessed)),
        None => (None, None),
    }
}

/// A document as recorded, without its pages.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentRecord {
    pub id: DocId,
    pub blob: BlobId,
    pub size: u64,
    pub media_type: String,
    /// Staff's corrected title, else the one read from the text.
    pub title: String,
    /// The branch of the first import that named one.
    pub branch: Option<BranchSlug>,
    /// Staff's corrected type, else the type of the first import that named
    /// one, else the type guessed from the text (see `meta.doc_type_source`).
    pub doc_type: Option<DocType>,
    pub page_count: u32,
    pub created_at: DateTime<Utc>,
    pub sources: Vec<SourceRecord>,
    pub meta: DocMeta,
}

impl DocumentRecord {
    /// Staff's corrected date, else the issue date read from the text.
    pub fn document_date(&self) -> Option<Day> {
        self.meta
            .correction
            .date
            .or(self.meta.extracted.document_date)
    }

    /// Staff's corrected reference numbers, else those read from the text.
    pub fn reference_numbers(&self) -> &[String] {
        self.meta
            .correction
            .reference_numbers
            .as_deref()
            .unwrap_or(&self.meta.extracted.reference_numbers)
    }

    /// `corrected` or `extracted`, for [`DocumentRecord::document_date`].
    pub fn document_date_source(&self) -> Option<&'static str> {
        if self.meta.correction.date.is_some() {
            Some("corrected")
        } else if self.meta.extracted.document_date.is_some() {
            Some("extracted")
        } else {
            None
        }
    }

    /// Every branch the document was imported under, sorted and unique.
    pub fn branches(&self) -> Vec<BranchSlug> {
        let mut v: Vec<BranchSlug> = self
            .sources
            .iter()
            .filter_map(|s| s.branch.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The document as someone with `scope` may see it: `None` when no
    /// branch it was imported under is in scope; otherwise with only the
    /// sources (and a primary branch) in scope, and, when some of it is out
    /// of scope, without the name of who corrected it.
    pub fn in_scope(&self, scope: &BranchScope) -> Option<DocumentRecord> {
        if matches!(scope, BranchScope::All) {
            return Some(self.clone());
        }
        let visible = |b: &Option<BranchSlug>| b.as_ref().is_some_and(|b| scope.allows(b));
        let sources: Vec<SourceRecord> = self
            .sources
            .iter()
            .filter(|s| visible(&s.branch))
            .cloned()
            .collect();
        let first = sources.first()?;
        let mut doc = self.clone();
        if !visible(&doc.branch) {
            doc.branch = first.branch.clone();
        }
        if sources.len() < self.sources.len() || !visible(&self.branch) {
            // Seen only in part: who corrected it may be of another branch.
            doc.meta.correction.by = None;
        }
        doc.sources = sources;
        Some(doc)
    }
}

/// One document as `arshif check` sees it.
#[derive(Debug, Clone)]
pub struct CheckRow {
    pub id: DocId,
    pub blob: BlobId,
    pub size: u64,
    pub indexed: bool,
    pub first_source: String,
    pub verified_at: Option<DateTime<Utc>>,
    /// In the trash: kept whole in the store, but out of the index.
    pub trashed: bool,
}

/// Totals for status displays.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CatalogStats {
    pub documents: u64,
    pub pages: u64,
    pub sources: u64,
    pub batches: u64,
}

/// Declares a catalog trait ([`Catalog`], [`Lifecycle`]) and makes a boxed
/// catalog one too (each method passed through), so that a method is
/// written once here and in each backend, and `Box<dyn Catalog>` (what [`crate::archive::Archive::catalog`]
/// returns) works wherever a catalog is taken.
macro_rules! catalog_trait {
    (
        $(#[$attr:meta])*
        pub trait $trait:ident: $first:ident $(+ $rest:ident)* {
            $(
                $(#[$mattr:meta])*
                fn $name:ident(self: $self_ty:ty $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;
            )*
        }
    ) => {
        $(#[$attr])*
        pub trait $trait: $first $(+ $rest)* {
            $(
                $(#[$mattr])*
                fn $name(self: $self_ty $(, $arg: $ty)*) -> $ret;
            )*
        }

        impl<C: $trait + ?Sized> $trait for Box<C> {
            $(
                fn $name(self: $self_ty $(, $arg: $ty)*) -> $ret {
                    (**self).$name($($arg),*)
                }
            )*
        }
    };
}

catalog_trait! {
    /// The records lifecycle, the part of the catalog that a document
    /// leaves it by: the trash, legal holds, purges and their tombstones,
    /// rescans' earlier originals and the retention rules. Every
    /// [`Catalog`] is one (each backend implements it in its `lifecycle`
    /// module); bring it into scope to call these on a catalog.
    pub trait Lifecycle: Send {
        /// Move a document to the trash: `Held` under a legal hold,
        /// `InTrash` when it is there already. It is to be indexed again
        /// (that is, taken out of the index).
        fn trash(self: &mut Self, id: DocId, stamp: &Stamp) -> Result<()>;
        /// Bring a document back from the trash as it was; returns how it
        /// was deleted. `NotInTrash` when it is not there.
        fn restore(self: &mut Self, id: DocId) -> Result<Stamp>;
        /// The documents in the trash, longest there first.
        fn trashed(self: &Self) -> Result<Vec<DocId>>;
        /// Put a document under a legal hold, or (`None`) release it;
        /// returns the hold before. `NotHeld` when releasing one that is not
        /// held.
        fn set_hold(self: &mut Self, id: DocId, hold: Option<&Stamp>) -> Result<Option<Stamp>>;
        /// The documents under a legal hold.
        fn held(self: &Self) -> Result<Vec<DocId>>;
        /// Purge a document from the trash in one transaction: its pages,
        /// sources and index bookkeeping go, a tombstone stays. Refused
        /// (`NotInTrash`, `Held`) for a live or held document. Its blobs are
        /// removed afterwards with [`Catalog::remove_blob`].
        fn purge(self: &mut Self, id: DocId, by: &str, at: DateTime<Utc>) -> Result<Tombstone>;
        /// Remove a blob from the store, through `remove`, if no document,
        /// version or batch-scan source refers to it; false (and nothing
        /// removed) when one does. Runs while imports cannot record the same
        /// blob, so none records it between the check and the removal.
        fn remove_blob(
            self: &mut Self,
            blob: &BlobId,
            remove: &mut dyn FnMut(&BlobId) -> std::result::Result<(), String>,
        ) -> Result<bool>;
        /// Note that the blobs of a tombstone that nothing else refers to
        /// are gone from the store.
        fn mark_blobs_removed(self: &mut Self, id: DocId) -> Result<()>;
        /// Every tombstone, oldest purge first.
        fn tombstones(self: &Self) -> Result<Vec<Tombstone>>;
        /// Purged documents this node's index may still hold.
        fn purged_in_index(self: &Self) -> Result<Vec<DocId>>;
        /// Record that this node's index no longer holds these purged documents.
        fn mark_purged_from_index(self: &mut Self, ids: &[DocId]) -> Result<()>;
        /// Give a document a new original (a rescan), in one transaction:
        /// the old one becomes its latest earlier version, the new pages and
        /// what was read of them replace the old, and it is to be indexed
        /// again. `InTrash` in the trash; `BlobTaken` when another document
        /// has these bytes.
        fn replace_original(self: &mut Self, id: DocId, scan: &Rescan<'_>) -> Result<Version>;
        /// A document's earlier originals, oldest first.
        fn versions(self: &Self, id: DocId) -> Result<Vec<Version>>;
        /// Record an earlier original of a document as it was (a bag's,
        /// restored); a version of that number it has already stays.
        fn add_version(self: &mut Self, id: DocId, version: &Version) -> Result<()>;
        /// The retention rules, by type.
        fn retention_rules(self: &Self) -> Result<Vec<RetentionRule>>;
        /// Set (replace) the retention rule of a type.
        fn set_retention(self: &mut Self, rule: &RetentionRule) -> Result<()>;
    }
}

catalog_trait! {
    /// The catalog's operations. One value is one connection; open one per
    /// thread. The records lifecycle's are in its supertrait [`Lifecycle`].
    pub trait Catalog: Lifecycle + Send {
        /// Start a write group: the writes that follow become durable together
        /// at [`Catalog::end_group`] (one fsync for many small writes). Each
        /// write stays atomic; a crash loses the group's writes, never part of
        /// one. Does nothing if a group is open.
        fn begin_group(self: &mut Self) -> Result<()>;
        /// Commit the open write group, if any.
        fn end_group(self: &mut Self) -> Result<()>;
        fn begin_batch(self: &mut Self, batch: &NewBatch) -> Result<BatchId>;
        /// Record a file's outcome in a batch and bump the batch's counters.
        fn record_file(self: &mut Self, file: &FileRecord<'_>) -> Result<()>;
        fn finish_batch(self: &mut Self, batch: BatchId, at: DateTime<Utc>) -> Result<()>;
        fn batch(self: &Self, id: BatchId) -> Result<Option<BatchRecord>>;
        fn batches(self: &Self) -> Result<Vec<BatchRecord>>;
        /// The unfinished batch (one killed before it finished) with exactly
        /// these inputs, branch and type, if any.
        fn unfinished_batch(self: &Self, batch: &NewBatch) -> Result<Option<BatchId>>;
        /// Mark an unfinished batch running again.
        fn resume_batch(self: &mut Self, batch: BatchId) -> Result<()>;
        /// The files recorded in a batch, in the order they were recorded.
        fn batch_files(self: &Self, batch: BatchId) -> Result<Vec<BatchFile>>;
        /// Files that failed and were neither retried nor imported since.
        fn failed_files(self: &Self) -> Result<Vec<BatchFile>>;
        /// Note that a failed file was retried in another batch.
        fn mark_retried(self: &mut Self, file: &BatchFile, by: BatchId) -> Result<()>;

        /// Keep a page read from a file not yet recorded, so a re-run after a
        /// crash does not read it again. `settings` is the reading settings key.
        fn cache_page(
            self: &mut Self,
            blob: &BlobId,
            settings: &str,
            page: &PageRecord,
        ) -> Result<()>;
        /// Pages cached for a blob under these settings.
        fn cached_pages(self: &Self, blob: &BlobId, settings: &str) -> Result<Vec<PageRecord>>;

        fn find_by_blob(self: &Self, blob: &BlobId) -> Result<Option<DocId>>;
        /// Record a new document with its pages and first source, in one transaction
        /// (which also drops the blob's cached pages: the document's pages replace them).
        /// If the blob is already recorded, only the source is added and its id returned.
        fn insert_document(self: &mut Self, doc: &NewDocument) -> Result<(DocId, bool)>;
        /// Add a source to an existing document. Returns false when that exact
        /// (path, branch) was already recorded. Marks the document for re-indexing.
        fn add_source(self: &mut Self, doc: DocId, source: &SourceRecord) -> Result<bool>;

        fn document(self: &Self, id: DocId) -> Result<Option<DocumentRecord>>;
        fn pages(self: &Self, id: DocId) -> Result<Vec<PageRecord>>;
        /// The words (with boxes) of the given pages of a document, by page
        /// number; pages it does not have are left out.
        fn page_words(self: &Self, id: DocId, pages: &[u32]) -> Result<Vec<(u32, Vec<Word>)>>;
        /// A document id, or a unique prefix (at least 4 hex digits) of its sha256.
        fn resolve(self: &Self, query: &str) -> Result<DocId>;
        fn document_ids(self: &Self) -> Result<Vec<DocId>>;

        /// Documents whose index entry is missing or stale.
        fn unindexed(self: &Self) -> Result<Vec<DocId>>;
        /// Record that documents were indexed as they were at the given
        /// revisions; one changed since stays to be indexed again.
        fn mark_indexed(self: &mut Self, ids: &[(DocId, i64)]) -> Result<()>;
        /// Documents whose text was read by an older extractor (or never).
        fn stale_extractions(self: &Self, version: i64) -> Result<Vec<DocId>>;
        /// What the type guesser knows changed (a type added, renamed or
        /// given keywords): every document whose type is a guess (none
        /// given at import, none corrected) is to be read again, with the
        /// new knowledge, by the next catch-up ([`Self::stale_extractions`]).
        /// Returns how many.
        fn guess_types_again(self: &mut Self) -> Result<u64>;
        /// The turn clerks gave a page (degrees clockwise, added up, 0
        /// when never turned); `NoSuchDocument` for a page that is not there.
        fn page_turn(self: &Self, id: DocId, page: u32) -> Result<u16>;
        /// Replace a page's reading after a clerk turned it (`turned`: the
        /// turns clerks gave it, added up); the document is to be indexed
        /// again. `NoSuchDocument` for a page that is not there.
        fn turn_page(self: &mut Self, id: DocId, page: &PageRecord, turned: u16) -> Result<()>;
        /// Keep what was read from a document's text (by extractor `version`)
        /// and the title derived from it; the document is to be indexed
        /// again.
        fn set_extracted(
            self: &mut Self,
            id: DocId,
            extracted: &Extracted,
            title: &str,
            version: i64,
        ) -> Result<()>;
        /// The document types stored: those the administrator added, and
        /// defaults once renamed (see [`doc_types`] for every type known).
        fn stored_doc_types(self: &Self) -> Result<Vec<DocTypeRecord>>;
        /// Store a new type; false (and nothing stored) when one with its
        /// slug is stored already.
        fn insert_doc_type(self: &mut Self, t: &DocTypeRecord, at: DateTime<Utc>) -> Result<bool>;
        /// Store a type's names and keywords, replacing what was stored
        /// under its slug.
        fn put_doc_type(self: &mut Self, t: &DocTypeRecord, at: DateTime<Utc>) -> Result<()>;
        /// The first page's text of the latest `limit` documents whose type
        /// staff corrected, with the type they set.
        fn corrected_type_texts(self: &Self, limit: usize) -> Result<Vec<(DocType, String)>>;
        /// Apply staff's correction of a document's date, type or title;
        /// returns the corrections before and after. The document is to be
        /// indexed again.
        fn correct(self: &mut Self, id: DocId, edit: &Amendment<'_>) -> Result<(Correction, Correction)>;
        /// Set a document's review state, by `by` at `at`; returns the
        /// review before. The document is to be indexed again.
        fn set_review(self: &mut Self, id: DocId, state: ReviewState, edit: &Signed<'_>) -> Result<Review>;
        /// Move a document to `branch` (an administrator's decision): it
        /// and every source of it then belong to that branch only (two
        /// sources of one path fold into the first). Returns the branches
        /// it was in before, sorted. The document is to be indexed again.
        fn move_to_branch(self: &mut Self, id: DocId, branch: &BranchSlug) -> Result<Vec<BranchSlug>>;
        /// Mark every document as needing indexing (before a full rebuild).
        fn mark_all_unindexed(self: &mut Self) -> Result<()>;

        fn stats(self: &Self) -> Result<CatalogStats>;

        /// What `arshif check` compares with the store and the index: every
        /// document's blob, size, indexed flag, first source and last
        /// verification.
        fn check_rows(self: &Self) -> Result<Vec<CheckRow>>;
        /// Every source cut from a batch scan: its origin (the whole file's
        /// blob), document and path, by document.
        fn source_origins(self: &Self) -> Result<Vec<OriginRow>>;
        /// Every (document, page) whose page has text (and so must be indexed).
        fn text_pages(self: &Self) -> Result<Vec<(DocId, u32)>>;
        /// Record that a document's blob re-hashed to its name at `at`.
        fn mark_verified(self: &mut Self, id: DocId, at: DateTime<Utc>) -> Result<()>;
        /// SQLite's own consistency check (`quick_check`, or the thorough
        /// `integrity_check`): the problems it names, none when sound. (A
        /// PostgreSQL catalog checks that the server answers and the schema is
        /// current.)
        fn integrity(self: &Self, thorough: bool) -> Result<Vec<String>>;
    }
}

/// One page waiting to be read by a worker.
#[derive(Debug, Clone)]
pub struct PageJob {
    pub doc: DocId,
    pub page: u32,
    pub blob: BlobId,
    pub media_type: String,
    /// How many times the job was handed out, this time included. Together
    /// with the worker's name it identifies the lease: a worker whose job
    /// was handed to another meanwhile can no longer complete it.
    pub attempts: i32,
}

/// How many page jobs are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    /// Waiting for a worker (never handed out, given back, or whose lease ran out).
    pub queued: u64,
    /// Held by a worker whose lease still runs.
    pub leased: u64,
    pub done: u64,
    pub failed: u64,
}

/// How a queue worker reads a document's facts and title again from its
/// pages (and the path of its first source).
pub type ReadFacts<'a> = dyn Fn(&[PageRecord], &str) -> (Extracted, String) + 'a;

/// The work queue of the OCR workers of a shared catalog: one job per page
/// to read. Workers claim jobs for a lease (a time limit); a worker that
/// dies leaves its jobs to be claimed again once the lease runs out.
pub trait JobQueue {
    /// Register one job per listed page of a recorded document
    /// (idempotent: a page already queued or done is left alone; a failed
    /// one is queued again, its attempts counted from zero).
    fn enqueue(&mut self, doc: DocId, pages: &[u32]) -> Result<()>;
    /// Claim up to `n` jobs nobody holds (never leased, given back, or
    /// lease run out), for `lease`, oldest document first. Jobs already
    /// handed out `max_attempts` times are marked failed instead.
    fn claim(
        &mut self,
        worker: &str,
        lease: std::time::Duration,
        n: usize,
        max_attempts: i32,
    ) -> Result<Vec<PageJob>>;
    /// Write a page a worker read, in one transaction: only if this worker
    /// still holds the job (else `Ok(false)` and nothing changes); replace
    /// the page, mark the job done, and with the document locked re-read
    /// all its pages through `extract` (given the pages and the path of the
    /// document's first source), keep the facts and title it gives (as by
    /// extractor `version`) and bump the revision, so every node indexes it
    /// again.
    fn complete(
        &mut self,
        worker: &str,
        job: &PageJob,
        page: &PageRecord,
        extract: &ReadFacts<'_>,
        version: i64,
    ) -> Result<bool>;
    /// Give a job back after an error: another worker may retry it; the
    /// error is kept. (A job handed out `max_attempts` times is marked
    /// failed by the next [`JobQueue::claim`].) Does nothing if the worker
    /// no longer holds the job.
    fn release(&mut self, worker: &str, job: &PageJob, error: &str) -> Result<()>;
    fn queue_counts(&self) -> Result<QueueCounts>;
}

/// Records for the catalog backends' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::Utc;

    use super::{Catalog, NewBatch, PageRecord, SourceRecord};
    use crate::types::{BatchId, TextSource, Word};

    pub(crate) fn page(n: u32, text: &str) -> PageRecord {
        PageRecord {
            number: n,
            text: text.into(),
            source: TextSource::Ocr,
            confidence: 0.91,
            words: vec![Word {
                text: text.split_whitespace().next().unwrap_or("").into(),
                bbox: [10, 20, 30, 40],
                confidence: 0.875,
            }],
            rotation: 0,
            skew: 0.0,
            width: 2480,
            height: 3508,
            language: "ara".into(),
            numbers: Vec::new(),
        }
    }

    /// A page with numbers read on it: one sure, one with alternatives.
    pub(crate) fn page_with_numbers(n: u32, text: &str) -> PageRecord {
        use crate::ocr::digits::{NumberKind, NumberReading};
        PageRecord {
            numbers: vec![
                NumberReading {
                    text: "١٤٤٥/٠٣/١٢هـ".into(),
                    value: "1445/03/12".into(),
                    kind: NumberKind::Date,
                    confidence: 0.975,
                    alternatives: vec![],
                    bbox: [100, 200, 300, 40],
                },
                NumberReading {
                    text: "٤٤٥١٢٨٤".into(),
                    value: "4451284".into(),
                    kind: NumberKind::Number,
                    confidence: 0.62,
                    alternatives: vec!["4451234".into(), "4451204".into()],
                    bbox: [420, 200, 210, 38],
                },
            ],
            ..page(n, text)
        }
    }

    pub(crate) fn source(batch: BatchId, path: &str, branch: Option<&str>) -> SourceRecord {
        SourceRecord {
            path: path.into(),
            branch: branch.map(|b| b.parse().unwrap()),
            doc_type: None,
            batch,
            imported_at: Utc::now(),
            part: None,
        }
    }

    pub(crate) fn new_batch(cat: &mut dyn Catalog) -> BatchId {
        cat.begin_batch(&NewBatch {
            started_at: Utc::now(),
            branch: None,
            doc_type: None,
            inputs: vec!["scans".into()],
        })
        .unwrap()
    }
}

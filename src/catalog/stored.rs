//! The catalog's records as both backends store them, written once: the
//! checked conversions between records and stored values, and the
//! decisions that are not SQL (how a file's outcome counts in its batch,
//! how a correction is stamped, how a document is put together from its
//! row, how a query resolves to one document). [`super::SqliteCatalog`]
//! and [`super::PgCatalog`] hold only their SQL and read their rows into
//! the `…Row` types here.

use chrono::{DateTime, SubsecRound, Utc};

use super::{
    effective_type, BatchCounts, BatchRecord, BatchStatus, CatalogError, DocMeta, DocumentRecord,
    FileOutcome, PageRecord, Result, Review, ReviewState, SourcePart, SourceRecord, Stamp,
};
use crate::db::row::Columns;
use crate::metadata::{Correction, CorrectionChange, Extracted};
use crate::ocr::digits::NumberReading;
use crate::types::{BatchId, BlobId, BranchSlug, DocId, TextSource, Word};

/// A stored value that does not read as what it should be.
#[derive(Debug)]
pub(crate) struct Bad {
    pub what: &'static str,
    pub detail: String,
}

impl Bad {
    pub fn new(what: &'static str, detail: impl std::fmt::Display) -> Self {
        Bad {
            what,
            detail: detail.to_string(),
        }
    }

    /// The error, naming the catalog (its path or URL).
    pub fn at(self, path: &str) -> CatalogError {
        CatalogError::BadValue {
            path: path.to_string(),
            what: self.what,
            detail: self.detail,
        }
    }
}

/// Times are kept to the millisecond.
pub(crate) fn ms(t: &DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

/// An optional name as stored: empty for none.
pub(crate) fn opt(s: &Option<impl ToString>) -> String {
    s.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// An optional name (a branch, a type) from its stored form.
pub(crate) fn slug<T: std::str::FromStr>(s: String) -> Result<Option<T>, Bad>
where
    T::Err: std::fmt::Display,
{
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<T>().map(Some).map_err(|e| Bad::new("slug", e))
}

pub(crate) fn blob(s: &str) -> Result<BlobId, Bad> {
    s.parse()
        .map_err(|e: crate::types::BadBlobId| Bad::new("documents.sha256", e))
}

/// A stored integer as the type the record has: out of its range is a bad
/// value, never a wrapped one.
pub(crate) fn int<T: TryFrom<i64>>(what: &'static str, v: i64) -> Result<T, Bad> {
    T::try_from(v).map_err(|_| Bad::new(what, format!("{v} out of range")))
}

/// A record's integer as stored (a size, a count): beyond the database's
/// range is a bad value.
pub(crate) fn stored_int<T: TryInto<i64> + Copy + std::fmt::Display>(
    what: &'static str,
    v: T,
) -> Result<i64, Bad> {
    v.try_into()
        .map_err(|_| Bad::new(what, format!("{v} too large to store")))
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("catalog values serialise")
}

/// A value from its stored JSON text.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    s: &str,
) -> Result<T, Bad> {
    serde_json::from_str(s).map_err(|e| Bad::new(what, e))
}

/// Word boxes are stored compactly as `[[text, x, y, w, h, conf‰], ...]`.
pub(crate) fn words_to_json(words: &[Word]) -> serde_json::Value {
    serde_json::Value::Array(
        words
            .iter()
            .map(|w| {
                serde_json::json!([
                    w.text,
                    w.bbox[0],
                    w.bbox[1],
                    w.bbox[2],
                    w.bbox[3],
                    (w.confidence * 1000.0).round() as i64
                ])
            })
            .collect(),
    )
}

pub(crate) fn words_from_json(s: &str) -> Result<Vec<Word>, Bad> {
    type Boxed = (String, u32, u32, u32, u32, i64);
    let rows: Vec<Boxed> = from_json("word boxes", s)?;
    Ok(rows
        .into_iter()
        .map(|(text, x, y, w, h, c)| Word {
            text,
            bbox: [x, y, w, h],
            confidence: c as f32 / 1000.0,
        })
        .collect())
}

/// How a file's outcome is recorded: its status, document and error, and
/// the batch counter it adds to.
pub(crate) struct OutcomeRow<'a> {
    pub status: &'static str,
    pub document: Option<i64>,
    pub error: Option<&'a str>,
    /// The column of `batches` counting files of this outcome.
    pub counter: &'static str,
}

impl FileOutcome {
    pub(crate) fn stored(&self) -> OutcomeRow<'_> {
        let (status, document, error, counter) = match self {
            FileOutcome::Ingested(d) => ("ingested", Some(d.0), None, "ingested"),
            FileOutcome::Duplicate(d) => ("duplicate", Some(d.0), None, "duplicates"),
            FileOutcome::Failed(e) => ("failed", None, Some(e.as_str()), "failed"),
        };
        OutcomeRow {
            status,
            document,
            error,
            counter,
        }
    }
}

/// Staff's correction `change` applied to `old`, stamped with who made it
/// and when (to the millisecond, as stored); a correction that leaves
/// nothing corrected carries no stamp.
pub(crate) fn stamp(
    old: &Correction,
    change: &CorrectionChange,
    by: &str,
    at: DateTime<Utc>,
) -> Correction {
    let mut new = change.apply(old);
    new.by = Some(by.to_string());
    new.at = Some(ms(&at));
    if new.is_empty() {
        new.by = None;
        new.at = None;
    }
    new
}

/// The statements that move a document (`{doc}`) to a branch (`{to}`):
/// sources of one path fold into one (the one already there, else the
/// first), then every source and the document name the branch. `{p}` is
/// the backend's placeholder prefix (`?` or `$`).
pub(crate) fn move_statements(p: &str) -> [String; 4] {
    let (doc, to) = (format!("{p}1"), format!("{p}2"));
    [
        format!(
            "DELETE FROM sources WHERE document_id = {doc} AND branch <> {to}
               AND EXISTS (SELECT 1 FROM sources t WHERE t.document_id = {doc}
                           AND t.path = sources.path AND t.branch = {to})"
        ),
        format!(
            "DELETE FROM sources WHERE document_id = {doc} AND branch <> {to}
               AND EXISTS (SELECT 1 FROM sources t WHERE t.document_id = {doc}
                           AND t.path = sources.path AND t.id < sources.id)"
        ),
        format!("UPDATE sources SET branch = {to} WHERE document_id = {doc}"),
        format!("UPDATE documents SET branch = {to}, revision = revision + 1 WHERE id = {doc}"),
    ]
}

/// Branches as stored (`''`: none), made slugs, sorted and unique.
pub(crate) fn branch_list(stored: Vec<String>) -> Result<Vec<BranchSlug>, Bad> {
    let mut out = Vec::new();
    for b in stored {
        if let Some(b) = slug::<BranchSlug>(b)? {
            out.push(b);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The columns of staff's corrections, in the order [`CorrectionRow`]
/// holds them.
pub(crate) const CORRECTION_COLUMNS: &str =
    "corrected_date, corrected_type, corrected_title, corrected_by, corrected_at, corrected_refs";

/// Staff's corrections as stored.
pub(crate) struct CorrectionRow {
    pub date: Option<String>,
    pub doc_type: Option<String>,
    pub title: Option<String>,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// The corrected reference numbers, a JSON array as text.
    pub refs: Option<String>,
}

impl CorrectionRow {
    /// The [`CORRECTION_COLUMNS`] of a row, from column `first` on.
    pub fn read<R: Columns>(r: &R, first: usize) -> Result<Self, R::Error> {
        Ok(CorrectionRow {
            date: r.opt_text(first)?,
            doc_type: r.opt_text(first + 1)?,
            title: r.opt_text(first + 2)?,
            by: r.opt_text(first + 3)?,
            at: r.opt_time(first + 4)?,
            refs: r.opt_text(first + 5)?,
        })
    }

    pub fn into_correction(self) -> Result<Correction, Bad> {
        Ok(Correction {
            date: self
                .date
                .map(|d| d.parse().map_err(|e| Bad::new("corrected_date", e)))
                .transpose()?,
            doc_type: slug(self.doc_type.unwrap_or_default())?,
            title: self.title,
            reference_numbers: self
                .refs
                .map(|j| from_json("corrected_refs", &j))
                .transpose()?,
            by: self.by,
            at: self.at,
        })
    }

    /// The stored form of corrected reference numbers (JSON text).
    pub fn refs(c: &Correction) -> Option<String> {
        c.reference_numbers
            .as_ref()
            .map(|r| serde_json::to_string(r).expect("serialises"))
    }

    /// The stored form of a correction's date and type.
    pub fn date_and_type(c: &Correction) -> (Option<String>, Option<String>) {
        (
            c.date.map(|d| d.to_string()),
            c.doc_type.as_ref().map(|t| t.to_string()),
        )
    }
}

/// A document's row, as stored.
pub(crate) struct DocumentRow {
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    /// The title read from the text (or the file name).
    pub title: String,
    pub branch: String,
    /// The type given at import.
    pub doc_type: String,
    pub page_count: i64,
    pub created_at: DateTime<Utc>,
    /// What was read from the text, as JSON text.
    pub extracted: Option<String>,
    pub revision: i64,
    pub correction: CorrectionRow,
    pub review: ReviewRow,
    /// `deleted_at, deleted_by, deleted_reason`.
    pub deleted: StampRow,
    /// `held_at, held_by, hold_reason`.
    pub hold: StampRow,
}

/// A [`Stamp`] as stored: three columns (time, who, why), all null for none.
pub(crate) struct StampRow {
    pub at: Option<DateTime<Utc>>,
    pub by: Option<String>,
    pub reason: Option<String>,
}

impl StampRow {
    pub fn read<R: Columns>(r: &R, first: usize) -> Result<Self, R::Error> {
        Ok(StampRow {
            at: r.opt_time(first)?,
            by: r.opt_text(first + 1)?,
            reason: r.opt_text(first + 2)?,
        })
    }

    pub fn into_stamp(self) -> Option<Stamp> {
        self.at.map(|at| Stamp {
            at,
            by: self.by.unwrap_or_default(),
            reason: self.reason.unwrap_or_default(),
        })
    }
}

/// A document's review as stored: `review, reviewed_by, reviewed_at`.
pub(crate) struct ReviewRow {
    pub state: String,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

impl ReviewRow {
    pub fn read<R: Columns>(r: &R, first: usize) -> Result<Self, R::Error> {
        Ok(ReviewRow {
            state: r.text(first)?,
            by: r.opt_text(first + 1)?,
            at: r.opt_time(first + 2)?,
        })
    }

    pub fn into_review(self) -> Result<Review, Bad> {
        Ok(Review {
            state: ReviewState::parse(&self.state)
                .ok_or_else(|| Bad::new("documents.review", &self.state))?,
            by: self.by,
            at: self.at,
        })
    }
}

/// The columns of a document, in the order [`DocumentRow`] holds them
/// (`extracted` as JSON text: `{extracted}` is how the backend writes that).
pub(crate) fn document_columns(extracted: &str) -> String {
    format!(
        "sha256, size, media_type, title, branch, doc_type, page_count, created_at, {extracted},
         revision, {CORRECTION_COLUMNS}, review, reviewed_by, reviewed_at,
         deleted_at, deleted_by, deleted_reason, held_at, held_by, hold_reason"
    )
}

impl DocumentRow {
    /// A row of [`document_columns`].
    pub fn read<R: Columns>(r: &R) -> Result<Self, R::Error> {
        Ok(DocumentRow {
            sha256: r.text(0)?,
            size: r.int(1)?,
            media_type: r.text(2)?,
            title: r.text(3)?,
            branch: r.text(4)?,
            doc_type: r.text(5)?,
            page_count: r.int(6)?,
            created_at: r.time(7)?,
            extracted: r.opt_text(8)?,
            revision: r.int(9)?,
            correction: CorrectionRow::read(r, 10)?,
            review: ReviewRow::read(r, 16)?,
            deleted: StampRow::read(r, 19)?,
            hold: StampRow::read(r, 22)?,
        })
    }

    /// The document as recorded: staff's corrections over what was read
    /// and what was given at import.
    pub fn into_record(self, id: DocId, sources: Vec<SourceRecord>) -> Result<DocumentRecord, Bad> {
        let extracted: Extracted = match &self.extracted {
            Some(json) => from_json("extracted", json)?,
            None => Extracted::default(),
        };
        let correction = self.correction.into_correction()?;
        let (doc_type, doc_type_source) =
            effective_type(&correction, slug(self.doc_type)?, &extracted);
        Ok(DocumentRecord {
            id,
            blob: blob(&self.sha256)?,
            size: int("documents.size", self.size)?,
            media_type: self.media_type,
            title: correction
                .title
                .clone()
                .unwrap_or_else(|| self.title.clone()),
            branch: slug(self.branch)?,
            doc_type,
            page_count: int("documents.page_count", self.page_count)?,
            created_at: self.created_at,
            sources,
            meta: DocMeta {
                doc_type_source,
                extracted_title: self.title,
                extracted,
                correction,
                review: self.review.into_review()?,
                deleted: self.deleted.into_stamp(),
                hold: self.hold.into_stamp(),
                versions: Vec::new(),
                revision: self.revision,
            },
        })
    }
}

/// A page's row, as stored (word boxes and numbers as JSON text).
pub(crate) struct PageRow {
    pub number: i64,
    pub source: String,
    pub text: String,
    pub confidence: f32,
    pub words: String,
    pub rotation: i64,
    pub width: i64,
    pub height: i64,
    pub language: String,
    pub skew: f32,
    pub numbers: String,
}

impl PageRow {
    /// A row of the page columns (number, source, text, confidence, words,
    /// rotation, width, height, language, skew, numbers; JSON as text).
    pub fn read<R: Columns>(r: &R) -> Result<Self, R::Error> {
        Ok(PageRow {
            number: r.int(0)?,
            source: r.text(1)?,
            text: r.text(2)?,
            confidence: r.real(3)? as f32,
            words: r.text(4)?,
            rotation: r.int(5)?,
            width: r.int(6)?,
            height: r.int(7)?,
            language: r.text(8)?,
            skew: r.real(9)? as f32,
            numbers: r.text(10)?,
        })
    }

    pub fn into_record(self) -> Result<PageRecord, Bad> {
        Ok(PageRecord {
            number: int("pages.number", self.number)?,
            source: TextSource::parse(&self.source)
                .ok_or_else(|| Bad::new("page source", &self.source))?,
            text: self.text,
            confidence: self.confidence,
            words: words_from_json(&self.words)?,
            rotation: int("pages.rotation", self.rotation)?,
            skew: self.skew,
            width: int("pages.width", self.width)?,
            height: int("pages.height", self.height)?,
            language: self.language,
            numbers: numbers_from_json(&self.numbers)?,
        })
    }
}

/// A page's numbers are stored as their JSON (`[{"text", "value", "kind",
/// "confidence", "alternatives", "box"}, ...]`).
pub(crate) fn numbers_from_json(s: &str) -> Result<Vec<NumberReading>, Bad> {
    from_json("page numbers", s)
}

/// A source's row, as stored.
pub(crate) struct SourceRow {
    pub path: String,
    pub branch: String,
    pub doc_type: String,
    pub batch: i64,
    pub imported_at: DateTime<Utc>,
    pub origin: Option<String>,
    pub first_page: Option<i64>,
    pub last_page: Option<i64>,
}

/// The columns of a source, in the order [`SourceRow`] reads them.
pub(crate) const SOURCE_COLUMNS: &str =
    "path, branch, doc_type, batch_id, imported_at, origin, first_page, last_page";

impl SourceRow {
    /// A row of [`SOURCE_COLUMNS`].
    pub fn read<R: Columns>(r: &R) -> Result<Self, R::Error> {
        Ok(SourceRow {
            path: r.text(0)?,
            branch: r.text(1)?,
            doc_type: r.text(2)?,
            batch: r.int(3)?,
            imported_at: r.time(4)?,
            origin: r.opt_text(5)?,
            first_page: r.opt_int(6)?,
            last_page: r.opt_int(7)?,
        })
    }

    pub fn into_record(self) -> Result<SourceRecord, Bad> {
        let part = match (self.origin, self.first_page, self.last_page) {
            (None, None, None) => None,
            (Some(origin), Some(first), Some(last)) => {
                let part = SourcePart {
                    origin: origin
                        .parse()
                        .map_err(|e: crate::types::BadBlobId| Bad::new("sources.origin", e))?,
                    first_page: int("sources.first_page", first)?,
                    last_page: int("sources.last_page", last)?,
                };
                if part.first_page == 0 || part.last_page < part.first_page {
                    return Err(Bad::new(
                        "sources.first_page",
                        format!("page range {first}-{last}"),
                    ));
                }
                Some(part)
            }
            _ => {
                return Err(Bad::new(
                    "sources.origin",
                    "origin, first_page and last_page are set together",
                ))
            }
        };
        Ok(SourceRecord {
            path: self.path,
            branch: slug(self.branch)?,
            doc_type: slug(self.doc_type)?,
            batch: BatchId(self.batch),
            imported_at: self.imported_at,
            part,
        })
    }
}

/// A source's part columns as stored: origin, first_page, last_page (all
/// NULL for a whole file).
pub(crate) fn part_columns(
    part: &Option<SourcePart>,
) -> (Option<String>, Option<i64>, Option<i64>) {
    match part {
        Some(p) => (
            Some(p.origin.to_hex()),
            Some(i64::from(p.first_page)),
            Some(i64::from(p.last_page)),
        ),
        None => (None, None, None),
    }
}

/// A row of origin, document_id, path: a source cut from a batch scan.
pub(crate) fn origin_row<R: Columns>(r: &R) -> Result<(String, i64, String), R::Error> {
    Ok((r.text(0)?, r.int(1)?, r.text(2)?))
}

/// An [`origin_row`] as its record.
pub(crate) fn origin_record(
    (origin, doc, path): (String, i64, String),
) -> Result<super::OriginRow, Bad> {
    Ok(super::OriginRow {
        origin: origin
            .parse()
            .map_err(|e: crate::types::BadBlobId| Bad::new("sources.origin", e))?,
        doc: DocId(doc),
        path,
    })
}

/// The query [`origin_row`] reads.
pub(crate) const ORIGINS_QUERY: &str = "SELECT origin, document_id, path FROM sources
     WHERE origin IS NOT NULL ORDER BY document_id, id";

/// The columns of a batch, in the order [`BatchRow`] holds them.
pub(crate) const BATCH_COLUMNS: &str =
    "id, started_at, finished_at, status, branch, doc_type, inputs,
                             files_seen, ingested, duplicates, failed, pages";

/// A batch's row, as stored.
pub(crate) struct BatchRow {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: String,
    pub branch: String,
    pub doc_type: String,
    /// JSON text.
    pub inputs: String,
    /// files_seen, ingested, duplicates, failed, pages.
    pub counts: [i64; 5],
}

impl BatchRow {
    /// A row of [`BATCH_COLUMNS`].
    pub fn read<R: Columns>(r: &R) -> Result<Self, R::Error> {
        Ok(BatchRow {
            id: r.int(0)?,
            started_at: r.time(1)?,
            finished_at: r.opt_time(2)?,
            status: r.text(3)?,
            branch: r.text(4)?,
            doc_type: r.text(5)?,
            inputs: r.text(6)?,
            counts: [r.int(7)?, r.int(8)?, r.int(9)?, r.int(10)?, r.int(11)?],
        })
    }

    pub fn into_record(self) -> Result<BatchRecord, Bad> {
        let status = match self.status.as_str() {
            "running" => BatchStatus::Running,
            "finished" => BatchStatus::Finished,
            other => return Err(Bad::new("batch status", other)),
        };
        let [files_seen, ingested, duplicates, failed, pages] = self.counts;
        let n = |v| int::<u64>("batch counter", v);
        Ok(BatchRecord {
            id: BatchId(self.id),
            started_at: self.started_at,
            finished_at: self.finished_at,
            status,
            branch: slug(self.branch)?,
            doc_type: slug(self.doc_type)?,
            inputs: from_json("batch inputs", &self.inputs)?,
            counts: BatchCounts {
                files_seen: n(files_seen)?,
                ingested: n(ingested)?,
                duplicates: n(duplicates)?,
                failed: n(failed)?,
                pages: n(pages)?,
            },
        })
    }
}

/// What [`super::Catalog::resolve`] looks for: a document id (when the
/// query is a number), and the sha256 prefix the query can be (lower case,
/// without `sha256:`), if it can be one (4 to 64 hex digits).
pub(crate) fn resolve_query(query: &str) -> (Option<i64>, Option<String>) {
    let q = query.trim();
    let id = q.parse::<i64>().ok();
    let hex = q.strip_prefix("sha256:").unwrap_or(q).to_ascii_lowercase();
    let prefix = (hex.len() >= 4 && hex.len() <= 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(hex);
    (id, prefix)
}

/// The upper bound of the sha256 values with `prefix`: all of them sort in
/// `[prefix, bound)` (hex digits sort below `g`, byte order).
pub(crate) fn prefix_bound(prefix: &str) -> String {
    format!("{prefix}g")
}

/// The one document of `ids` (those whose sha256 starts with the query, at
/// most two looked for), or why there is none.
pub(crate) fn resolved(query: &str, ids: &[DocId]) -> Result<DocId> {
    match ids {
        [] => Err(CatalogError::NoSuchDocument(query.to_string())),
        [one] => Ok(*one),
        _ => Err(CatalogError::Ambiguous {
            query: query.to_string(),
            count: ids.len(),
        }),
    }
}

/// What `arshif check` reads of a document, as stored.
pub(crate) struct CheckRowRaw {
    pub id: i64,
    pub sha256: String,
    pub size: i64,
    pub indexed: bool,
    pub verified_at: Option<DateTime<Utc>>,
    pub first_source: Option<String>,
    pub trashed: bool,
}

impl CheckRowRaw {
    /// A row of id, sha256, size, indexed, verified_at, first source,
    /// trashed.
    pub fn read<R: Columns>(r: &R) -> Result<Self, R::Error> {
        Ok(CheckRowRaw {
            id: r.int(0)?,
            sha256: r.text(1)?,
            size: r.int(2)?,
            indexed: r.flag(3)?,
            verified_at: r.opt_time(4)?,
            first_source: r.opt_text(5)?,
            trashed: r.flag(6)?,
        })
    }

    pub fn into_record(self) -> Result<super::CheckRow, Bad> {
        Ok(super::CheckRow {
            id: DocId(self.id),
            blob: blob(&self.sha256)?,
            size: int("documents.size", self.size)?,
            indexed: self.indexed,
            first_source: self.first_source.unwrap_or_default(),
            verified_at: self.verified_at,
            trashed: self.trashed,
        })
    }
}

/// The totals, from their counts: documents, pages, sources, batches.
pub(crate) fn stats(counts: [i64; 4]) -> Result<super::CatalogStats, Bad> {
    let [documents, pages, sources, batches] = counts;
    let n = |v| int::<u64>("count", v);
    Ok(super::CatalogStats {
        documents: n(documents)?,
        pages: n(pages)?,
        sources: n(sources)?,
        batches: n(batches)?,
    })
}

/// The columns of a batch's file, in the order [`file_from`] reads them.
pub(crate) const FILE_COLUMNS: &str =
    "f.batch_id, f.path, f.status, f.document_id, f.error, f.retried_in";

/// A file of a batch, from a row of [`FILE_COLUMNS`].
pub(crate) fn file_from<R: Columns>(r: &R) -> Result<super::BatchFile, R::Error> {
    Ok(super::BatchFile {
        batch: BatchId(r.int(0)?),
        path: r.text(1)?,
        status: r.text(2)?,
        document: r.opt_int(3)?.map(DocId),
        error: r.opt_text(4)?,
        retried_in: r.opt_int(5)?.map(BatchId),
    })
}

/// The totals, from a row of their four counts.
pub(crate) fn stats_from<R: Columns>(r: &R) -> Result<[i64; 4], R::Error> {
    Ok([r.int(0)?, r.int(1)?, r.int(2)?, r.int(3)?])
}

/// A step of a document's lifecycle, as [`lifecycle_allows`] judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LifecycleStep {
    Trash,
    Restore,
    Hold,
    Release,
    Purge,
}

/// Whether a document in the trash (`trashed`) or under a legal hold
/// (`held`) may take a step: the rule both backends apply inside the
/// transaction that takes it.
pub(crate) fn lifecycle_allows(
    id: DocId,
    step: LifecycleStep,
    trashed: bool,
    held: bool,
) -> Result<()> {
    use LifecycleStep::*;
    match step {
        Trash | Purge if held => Err(CatalogError::Held(id)),
        Trash if trashed => Err(CatalogError::InTrash(id)),
        Restore | Purge if !trashed => Err(CatalogError::NotInTrash(id)),
        Release if !held => Err(CatalogError::NotHeld(id)),
        _ => Ok(()),
    }
}

/// [`super::Catalog::guess_types_again`]: the documents whose type is a
/// guess are marked as read by no extractor.
pub(crate) const GUESS_TYPES_AGAIN: &str = "UPDATE documents SET extracted_version = 0
     WHERE COALESCE(corrected_type, '') = ''
       AND NOT EXISTS (SELECT 1 FROM sources s
                       WHERE s.document_id = documents.id AND s.doc_type <> '')";

/// The blobs a purge of `doc` frees: its original, the earlier originals
/// it keeps (`versions`) and the batch scans its pages were cut from, each
/// once, in that order.
pub(crate) fn purged_blobs(doc: &DocumentRecord, versions: &[super::Version]) -> Vec<BlobId> {
    let mut blobs = vec![doc.blob];
    let origins = doc
        .sources
        .iter()
        .filter_map(|s| s.part.as_ref())
        .map(|p| p.origin);
    for b in versions.iter().map(|v| v.sha256).chain(origins) {
        if !blobs.contains(&b) {
            blobs.push(b);
        }
    }
    blobs
}

/// What a purge leaves of `doc`: its tombstone, built inside the
/// transaction once [`lifecycle_allows`] the purge.
pub(crate) fn tombstone(
    doc: &DocumentRecord,
    blobs: Vec<BlobId>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<super::Tombstone> {
    let deleted = doc
        .meta
        .deleted
        .clone()
        .ok_or(CatalogError::NotInTrash(doc.id))?;
    Ok(super::Tombstone {
        id: doc.id,
        sha256: doc.blob,
        title: doc.title.clone(),
        branch: doc.branch.clone(),
        deleted,
        purged_at: ms(&at),
        purged_by: by.to_string(),
        blobs,
        blobs_removed: false,
    })
}

/// The blobs a purged document referred to, as a tombstone keeps them.
pub(crate) fn blobs_json(blobs: &[BlobId]) -> String {
    serde_json::to_string(&blobs.iter().map(|b| b.to_hex()).collect::<Vec<_>>())
        .expect("strings serialise")
}

pub(crate) fn blobs_from_json(s: &str) -> Result<Vec<BlobId>, Bad> {
    let hex: Vec<String> = from_json("tombstones.blobs", s)?;
    hex.iter().map(|h| blob(h)).collect()
}

/// The columns of a tombstone, in the order [`TombstoneRow`] reads them
/// (`blobs` as JSON text: `{blobs}` is how the backend writes that).
pub(crate) fn tombstone_columns(blobs: &str) -> String {
    format!(
        "doc_id, sha256, title, branch, deleted_at, deleted_by, deleted_reason, purged_at,
         purged_by, {blobs}, blobs_removed"
    )
}

pub(crate) struct TombstoneRow {
    pub id: i64,
    pub sha256: String,
    pub title: String,
    pub branch: String,
    pub deleted: StampRow,
    pub purged_at: DateTime<Utc>,
    pub purged_by: String,
    pub blobs: String,
    pub blobs_removed: bool,
}

impl TombstoneRow {
    /// A row of [`tombstone_columns`].
    pub fn read<R: Columns>(r: &R) -> Result<Self, R::Error> {
        Ok(TombstoneRow {
            id: r.int(0)?,
            sha256: r.text(1)?,
            title: r.text(2)?,
            branch: r.text(3)?,
            deleted: StampRow::read(r, 4)?,
            purged_at: r.time(7)?,
            purged_by: r.text(8)?,
            blobs: r.text(9)?,
            blobs_removed: r.flag(10)?,
        })
    }

    pub fn into_tombstone(self) -> Result<super::Tombstone, Bad> {
        Ok(super::Tombstone {
            id: DocId(self.id),
            sha256: blob(&self.sha256)?,
            title: self.title,
            branch: slug(self.branch)?,
            deleted: self
                .deleted
                .into_stamp()
                .ok_or_else(|| Bad::new("tombstones.deleted_at", "missing"))?,
            purged_at: self.purged_at,
            purged_by: self.purged_by,
            blobs: blobs_from_json(&self.blobs)?,
            blobs_removed: self.blobs_removed,
        })
    }
}

/// The columns of a retention rule, in the order [`retention_from`] reads them.
pub(crate) const RETENTION_COLUMNS: &str = "doc_type, years, counted_from, set_by, set_at";

pub(crate) fn retention_from<R: Columns>(
    r: &R,
) -> Result<Result<super::RetentionRule, Bad>, R::Error> {
    let (t, years, from) = (r.text(0)?, r.int(1)?, r.text(2)?);
    let (by, at) = (r.text(3)?, r.time(4)?);
    Ok((|| {
        Ok(super::RetentionRule {
            doc_type: t.parse().map_err(|e| Bad::new("retention.doc_type", e))?,
            years: int("retention.years", years)?,
            from: super::RetentionFrom::parse(&from)
                .ok_or_else(|| Bad::new("retention.counted_from", &from))?,
            set_by: by,
            set_at: at,
        })
    })())
}

/// The columns of an earlier version, in the order [`version_from`] reads them.
pub(crate) const VERSION_COLUMNS: &str =
    "number, sha256, size, media_type, page_count, replaced_at, replaced_by";

pub(crate) fn version_from<R: Columns>(r: &R) -> Result<Result<super::Version, Bad>, R::Error> {
    let (n, sha, size, media, pages) = (r.int(0)?, r.text(1)?, r.int(2)?, r.text(3)?, r.int(4)?);
    let (at, by) = (r.time(5)?, r.text(6)?);
    Ok((|| {
        Ok(super::Version {
            number: int("versions.number", n)?,
            sha256: blob(&sha)?,
            size: int("versions.size", size)?,
            media_type: media,
            page_count: int("versions.page_count", pages)?,
            replaced_at: at,
            replaced_by: by,
        })
    })())
}

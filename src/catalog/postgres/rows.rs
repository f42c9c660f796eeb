//! Rows of the PostgreSQL catalog to records and back.

use ::postgres::Row;
use chrono::{DateTime, SubsecRound, Utc};

use super::{bad, Db, Res};
use crate::catalog::{BatchCounts, BatchFile, BatchRecord, BatchStatus, PageRecord, SourceRecord};
use crate::metadata::Correction;
use crate::types::{BatchId, BlobId, BranchSlug, DocId, DocType, TextSource, Word};

/// The columns of staff's corrections, in the order [`correction_from`]
/// reads them.
pub(super) const CORRECTION_COLUMNS: &str =
    "corrected_date, corrected_type, corrected_title, corrected_by, corrected_at";

/// Times are kept to the millisecond, as the SQLite catalog keeps them.
pub(super) fn ms(t: &DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

pub(super) fn opt(s: &Option<impl ToString>) -> String {
    s.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

pub(super) fn slug<T: std::str::FromStr>(s: String) -> Res<Option<T>>
where
    T::Err: std::fmt::Display,
{
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<T>().map(Some).map_err(|e| bad("slug", e))
}

pub(super) fn blob(s: &str) -> Res<BlobId> {
    s.parse()
        .map_err(|e: crate::types::BadBlobId| bad("documents.sha256", e))
}

pub(super) fn int<T: TryFrom<i64>>(what: &'static str, v: i64) -> Res<T> {
    T::try_from(v).map_err(|_| bad(what, format!("{v} out of range")))
}

/// Word boxes are stored compactly as `[[text, x, y, w, h, conf‰], ...]`,
/// as in the SQLite catalog.
pub(super) fn words_to_json(words: &[Word]) -> serde_json::Value {
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

pub(super) fn words_from_json(v: serde_json::Value) -> Res<Vec<Word>> {
    type Boxed = (String, u32, u32, u32, u32, i64);
    let rows: Vec<Boxed> = serde_json::from_value(v).map_err(|e| bad("word boxes", e))?;
    Ok(rows
        .into_iter()
        .map(|(text, x, y, w, h, c)| Word {
            text,
            bbox: [x, y, w, h],
            confidence: c as f32 / 1000.0,
        })
        .collect())
}

pub(super) fn json<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("catalog values serialise")
}

/// Staff's corrections from the [`CORRECTION_COLUMNS`] of a row, from
/// column `first` on.
pub(super) fn correction_from(row: &Row, first: usize) -> Res<Correction> {
    let date: Option<String> = row.try_get(first)?;
    let doc_type: Option<String> = row.try_get(first + 1)?;
    Ok(Correction {
        date: date
            .map(|d| d.parse().map_err(|e| bad("corrected_date", e)))
            .transpose()?,
        doc_type: slug(doc_type.unwrap_or_default())?,
        title: row.try_get(first + 2)?,
        by: row.try_get(first + 3)?,
        at: row.try_get(first + 4)?,
    })
}

pub(super) const PAGE_COLUMNS: &str =
    "number, source, text, confidence, words, rotation, width, height, language, skew, numbers";

pub(super) fn page_from(row: &Row) -> Res<PageRecord> {
    let source: String = row.try_get(1)?;
    Ok(PageRecord {
        number: int("pages.number", row.try_get::<_, i32>(0)?.into())?,
        source: TextSource::parse(&source).ok_or_else(|| bad("page source", &source))?,
        text: row.try_get(2)?,
        confidence: row.try_get(3)?,
        words: words_from_json(row.try_get(4)?)?,
        rotation: int("pages.rotation", row.try_get::<_, i32>(5)?.into())?,
        width: int("pages.width", row.try_get(6)?)?,
        height: int("pages.height", row.try_get(7)?)?,
        language: row.try_get(8)?,
        skew: row.try_get(9)?,
        numbers: serde_json::from_value(row.try_get(10)?).map_err(|e| bad("page numbers", e))?,
    })
}

pub(super) fn pages_of(db: &mut Db, id: DocId) -> Res<Vec<PageRecord>> {
    db.query(
        &format!("SELECT {PAGE_COLUMNS} FROM pages WHERE document_id = $1 ORDER BY number"),
        &[&id.0],
    )?
    .iter()
    .map(page_from)
    .collect()
}

/// Write a page row (`sql` is an INSERT of [`PAGE_COLUMNS`] after the id).
pub(super) fn put_page(db: &mut Db, sql: &str, doc: DocId, p: &PageRecord) -> Res<()> {
    let number = i32::try_from(p.number).map_err(|_| bad("page number", p.number))?;
    db.execute(
        sql,
        &[
            &doc.0,
            &number,
            &p.source.as_str(),
            &p.text,
            &p.confidence,
            &words_to_json(&p.words),
            &i32::from(p.rotation),
            &i64::from(p.width),
            &i64::from(p.height),
            &p.language,
            &p.skew,
            &json(&p.numbers),
        ],
    )?;
    Ok(())
}

pub(super) const INSERT_PAGE: &str =
    "INSERT INTO pages (document_id, number, source, text, confidence,
                                words, rotation, width, height, language, skew, numbers)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

pub(super) const UPSERT_PAGE: &str =
    "INSERT INTO pages (document_id, number, source, text, confidence,
                                words, rotation, width, height, language, skew, numbers)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (document_id, number) DO UPDATE SET
        source = EXCLUDED.source, text = EXCLUDED.text, confidence = EXCLUDED.confidence,
        words = EXCLUDED.words, rotation = EXCLUDED.rotation, width = EXCLUDED.width,
        height = EXCLUDED.height, language = EXCLUDED.language, skew = EXCLUDED.skew,
        numbers = EXCLUDED.numbers";

pub(super) fn sources_of(db: &mut Db, id: DocId) -> Res<Vec<SourceRecord>> {
    db.query(
        "SELECT path, branch, doc_type, batch_id, imported_at FROM sources
         WHERE document_id = $1 ORDER BY id",
        &[&id.0],
    )?
    .iter()
    .map(|r| {
        Ok(SourceRecord {
            path: r.try_get(0)?,
            branch: slug::<BranchSlug>(r.try_get(1)?)?,
            doc_type: slug::<DocType>(r.try_get(2)?)?,
            batch: BatchId(r.try_get(3)?),
            imported_at: r.try_get(4)?,
        })
    })
    .collect()
}

/// Add a source to a document. Returns false when that (path, branch) was
/// recorded already. The first import that names a branch or type gives
/// the document its own; on an `existing` document the revision moves, so
/// every node indexes it again.
pub(super) fn insert_source(
    db: &mut Db,
    doc: DocId,
    s: &SourceRecord,
    existing: bool,
) -> Res<bool> {
    let n = db.execute(
        "INSERT INTO sources (document_id, path, branch, doc_type, batch_id, imported_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (document_id, path, branch) DO NOTHING",
        &[
            &doc.0,
            &s.path,
            &opt(&s.branch),
            &opt(&s.doc_type),
            &s.batch.0,
            &ms(&s.imported_at),
        ],
    )?;
    if n > 0 {
        db.execute(
            "UPDATE documents SET
                branch = CASE WHEN branch = '' THEN $2 ELSE branch END,
                doc_type = CASE WHEN doc_type = '' THEN $3 ELSE doc_type END,
                revision = revision + $4
             WHERE id = $1",
            &[
                &doc.0,
                &opt(&s.branch),
                &opt(&s.doc_type),
                &i64::from(existing),
            ],
        )?;
    }
    Ok(n > 0)
}

pub(super) fn batch_from(r: &Row) -> Res<BatchRecord> {
    let status: String = r.try_get(3)?;
    let status = match status.as_str() {
        "running" => BatchStatus::Running,
        "finished" => BatchStatus::Finished,
        other => return Err(bad("batch status", other)),
    };
    let counter = |i: usize| -> Res<u64> { int("batch counter", r.try_get(i)?) };
    Ok(BatchRecord {
        id: BatchId(r.try_get(0)?),
        started_at: r.try_get(1)?,
        finished_at: r.try_get(2)?,
        status,
        branch: slug(r.try_get(4)?)?,
        doc_type: slug(r.try_get(5)?)?,
        inputs: serde_json::from_value(r.try_get(6)?).map_err(|e| bad("batch inputs", e))?,
        counts: BatchCounts {
            files_seen: counter(7)?,
            ingested: counter(8)?,
            duplicates: counter(9)?,
            failed: counter(10)?,
            pages: counter(11)?,
        },
    })
}

pub(super) const BATCH_COLUMNS: &str =
    "id, started_at, finished_at, status, branch, doc_type, inputs,
                             files_seen, ingested, duplicates, failed, pages";

pub(super) fn file_from(r: &Row) -> Res<BatchFile> {
    Ok(BatchFile {
        batch: BatchId(r.try_get(0)?),
        path: r.try_get(1)?,
        status: r.try_get(2)?,
        document: r.try_get::<_, Option<i64>>(3)?.map(DocId),
        error: r.try_get(4)?,
        retried_in: r.try_get::<_, Option<i64>>(5)?.map(BatchId),
    })
}

pub(super) const FILE_COLUMNS: &str =
    "f.batch_id, f.path, f.status, f.document_id, f.error, f.retried_in";

pub(super) fn ids_from(rows: Vec<Row>) -> Res<Vec<DocId>> {
    rows.iter().map(|r| Ok(DocId(r.try_get(0)?))).collect()
}

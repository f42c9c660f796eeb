//! Rows of the PostgreSQL catalog to records and back.

use ::postgres::Row;

use super::{bad, Db, Fail, Res};
use crate::catalog::stored::{self, words_to_json, Bad, BatchRow, PageRow, SourceRow};
use crate::catalog::{BatchFile, BatchRecord, PageRecord, SourceRecord};
use crate::types::DocId;

pub(super) use crate::catalog::stored::{
    blob, int, json, ms, opt, CORRECTION_COLUMNS, FILE_COLUMNS,
};

impl From<Bad> for Fail {
    fn from(b: Bad) -> Self {
        Fail::Bad(b.what, b.detail)
    }
}

/// The columns of a page, JSON as text, in the order [`PageRow`] holds them.
pub(super) const PAGE_COLUMNS: &str =
    "number, source, text, confidence, words::text, rotation, width,
                                       height, language, skew, numbers::text";

pub(super) fn page_from(row: &Row) -> Res<PageRecord> {
    Ok(PageRow::read(row)?.into_record()?)
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
        &format!(
            "SELECT {} FROM sources WHERE document_id = $1 ORDER BY id",
            stored::SOURCE_COLUMNS
        ),
        &[&id.0],
    )?
    .iter()
    .map(|r| Ok(SourceRow::read(r)?.into_record()?))
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
    let (origin, first_page, last_page) = stored::part_columns(&s.part);
    // The page columns are `integer`.
    let page = |v: Option<i64>| -> Res<Option<i32>> {
        v.map(|v| int::<i32>("sources.first_page", v))
            .transpose()
            .map_err(Fail::from)
    };
    let (first_page, last_page) = (page(first_page)?, page(last_page)?);
    let n = db.execute(
        "INSERT INTO sources (document_id, path, branch, doc_type, batch_id, imported_at,
                              origin, first_page, last_page)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (document_id, path, branch) DO NOTHING",
        &[
            &doc.0,
            &s.path,
            &opt(&s.branch),
            &opt(&s.doc_type),
            &s.batch.0,
            &ms(&s.imported_at),
            &origin,
            &first_page,
            &last_page,
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
    Ok(BatchRow::read(r)?.into_record()?)
}

/// The columns of a batch (its inputs as JSON text), in the order
/// [`BatchRow`] holds them.
pub(super) const BATCH_COLUMNS: &str = "id, started_at, finished_at, status, branch, doc_type,
                                        inputs::text, files_seen, ingested, duplicates, failed,
                                        pages";

pub(super) fn file_from(r: &Row) -> Res<BatchFile> {
    Ok(stored::file_from(r)?)
}

pub(super) fn ids_from(rows: Vec<Row>) -> Res<Vec<DocId>> {
    rows.iter().map(|r| Ok(DocId(r.try_get(0)?))).collect()
}

//! The embedded catalog: one SQLite database file inside the archive, in WAL
//! mode with full fsync, so a committed transaction survives a crash or a
//! power loss and an uncommitted one leaves no trace.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{
    BatchCounts, BatchFile, BatchRecord, BatchStatus, Catalog, CatalogError, CatalogStats,
    CheckRow, DocMeta, DocumentRecord, FileOutcome, NewBatch, NewDocument, PageRecord,
    SourceRecord, SCHEMA_VERSION,
};
use crate::metadata::{Correction, CorrectionChange, Extracted};
use crate::ocr::digits::NumberReading;
use crate::types::{BatchId, BlobId, BranchSlug, DocId, DocType, TextSource, Word};

const SCHEMA_V1: &str = r#"
CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ('running', 'finished')),
    branch      TEXT NOT NULL DEFAULT '',
    doc_type    TEXT NOT NULL DEFAULT '',
    inputs      TEXT NOT NULL,
    files_seen  INTEGER NOT NULL DEFAULT 0,
    ingested    INTEGER NOT NULL DEFAULT 0,
    duplicates  INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    pages       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE,
    size        INTEGER NOT NULL,
    media_type  TEXT NOT NULL,
    title       TEXT NOT NULL,
    branch      TEXT NOT NULL DEFAULT '',
    doc_type    TEXT NOT NULL DEFAULT '',
    page_count  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    indexed     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX documents_unindexed ON documents (id) WHERE indexed = 0;
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    path        TEXT NOT NULL,
    branch      TEXT NOT NULL DEFAULT '',
    doc_type    TEXT NOT NULL DEFAULT '',
    batch_id    INTEGER NOT NULL REFERENCES batches (id),
    imported_at TEXT NOT NULL,
    UNIQUE (document_id, path, branch)
);
CREATE TABLE pages (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    number      INTEGER NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('ocr', 'pdf-text')),
    text        TEXT NOT NULL,
    confidence  REAL NOT NULL,
    words       TEXT NOT NULL,
    rotation    INTEGER NOT NULL DEFAULT 0,
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    language    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (document_id, number)
) WITHOUT ROWID;
CREATE TABLE batch_files (
    batch_id    INTEGER NOT NULL REFERENCES batches (id),
    path        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('ingested', 'duplicate', 'failed')),
    document_id INTEGER REFERENCES documents (id),
    error       TEXT,
    pages       INTEGER NOT NULL DEFAULT 0,
    at          TEXT NOT NULL,
    PRIMARY KEY (batch_id, path)
);
"#;

/// Schema steps: `MIGRATIONS[i]` takes version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    SCHEMA_V1,
    // 2: the levelling turn applied to each OCR'd page
    "ALTER TABLE pages ADD COLUMN skew REAL NOT NULL DEFAULT 0;",
    // 3: resumable batches and the reading cache
    "CREATE TABLE page_cache (
         sha256   TEXT NOT NULL,
         settings TEXT NOT NULL,
         number   INTEGER NOT NULL,
         page     TEXT NOT NULL,
         PRIMARY KEY (sha256, settings, number)
     ) WITHOUT ROWID;
     ALTER TABLE batch_files ADD COLUMN retried_in INTEGER REFERENCES batches (id);
     ALTER TABLE batches ADD COLUMN resumed INTEGER NOT NULL DEFAULT 0;",
    // 4: accounts (`users`, `user_branches`, `tokens`, `sessions`), and
    // 5: `users.disabled`. Accounts now have their own database
    // (`auth::AccountStore`, `accounts.sqlite`), which copies these tables
    // from a catalog that has them and never reads them again. The steps
    // are kept, empty, so that the version numbers mean what they meant: a
    // catalog already past them keeps its tables untouched, a new one (or
    // one from before accounts) gets none.
    "",
    "",
    // 6: when `check --deep` last re-hashed each document's blob
    "ALTER TABLE documents ADD COLUMN verified_at TEXT;",
    // 7: what was read from the text (dates, reference numbers, type
    // guess), staff's corrections, and a revision the index entry follows
    "ALTER TABLE documents ADD COLUMN extracted TEXT;
     ALTER TABLE documents ADD COLUMN extracted_version INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE documents ADD COLUMN corrected_date TEXT;
     ALTER TABLE documents ADD COLUMN corrected_type TEXT;
     ALTER TABLE documents ADD COLUMN corrected_title TEXT;
     ALTER TABLE documents ADD COLUMN corrected_by TEXT;
     ALTER TABLE documents ADD COLUMN corrected_at TEXT;
     ALTER TABLE documents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX documents_extracted_version ON documents (extracted_version);",
    // 8: the numbers arshif's number reader read on each page
    "ALTER TABLE pages ADD COLUMN numbers TEXT NOT NULL DEFAULT '[]';",
];

/// The columns of staff's corrections, in the order [`CorrectionRow`]
/// reads them.
const CORRECTION_COLUMNS: &str =
    "corrected_date, corrected_type, corrected_title, corrected_by, corrected_at";

/// The correction columns of a row, as stored.
struct CorrectionRow([Option<String>; 5]);

impl CorrectionRow {
    fn read(r: &rusqlite::Row, first: usize) -> rusqlite::Result<Self> {
        Ok(CorrectionRow([
            r.get(first)?,
            r.get(first + 1)?,
            r.get(first + 2)?,
            r.get(first + 3)?,
            r.get(first + 4)?,
        ]))
    }
}

pub struct SqliteCatalog {
    conn: Connection,
    path: String,
    /// Inside a write group (`begin_group`): one durable commit for many writes.
    in_group: bool,
}

fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn opt(s: &Option<impl ToString>) -> String {
    s.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// Word boxes are stored compactly as `[[text, x, y, w, h, conf‰], ...]`.
fn words_to_json(words: &[Word]) -> String {
    let v: Vec<serde_json::Value> = words
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
        .collect();
    serde_json::Value::Array(v).to_string()
}

fn words_from_json(s: &str) -> Result<Vec<Word>, String> {
    type Row = (String, u32, u32, u32, u32, i64);
    let rows: Vec<Row> = serde_json::from_str(s).map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .map(|(text, x, y, w, h, c)| Word {
            text,
            bbox: [x, y, w, h],
            confidence: c as f32 / 1000.0,
        })
        .collect())
}

/// A page's numbers are stored as their JSON (`[{"text", "value", "kind",
/// "confidence", "alternatives", "box"}, ...]`).
fn numbers_to_json(numbers: &[NumberReading]) -> String {
    serde_json::to_string(numbers).expect("numbers serialise")
}

fn numbers_from_json(s: &str) -> Result<Vec<NumberReading>, String> {
    serde_json::from_str(s).map_err(|e| e.to_string())
}

impl SqliteCatalog {
    /// Create the database and its schema. Fails if it already exists.
    pub fn create(path: &Path) -> Result<Self, CatalogError> {
        let mut cat = Self::connect(path)?;
        cat.migrate()?;
        Ok(cat)
    }

    /// Open an existing catalog, migrating an older schema forward.
    pub fn open(path: &Path) -> Result<Self, CatalogError> {
        if !path.is_file() {
            return Err(CatalogError::Db {
                path: path.display().to_string(),
                source: rusqlite::Error::InvalidPath(path.to_path_buf()),
            });
        }
        let mut cat = Self::connect(path)?;
        cat.migrate()?;
        Ok(cat)
    }

    /// The database connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The database file's path, for error messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn connect(path: &Path) -> Result<Self, CatalogError> {
        let p = path.display().to_string();
        let db = |source| CatalogError::Db {
            path: p.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(db)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA mmap_size = 1073741824;",
        )
        .map_err(db)?;
        Ok(SqliteCatalog {
            conn,
            path: p,
            in_group: false,
        })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> CatalogError + '_ {
        move |source| CatalogError::Db {
            path: self.path.clone(),
            source,
        }
    }

    fn bad(&self, what: &'static str, detail: impl ToString) -> CatalogError {
        CatalogError::BadValue {
            path: self.path.clone(),
            what,
            detail: detail.to_string(),
        }
    }

    fn migrate(&mut self) -> Result<(), CatalogError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())?;
        if version > SCHEMA_VERSION {
            return Err(CatalogError::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        // Each step takes the schema from version i to i + 1, all in one
        // transaction: a crash leaves the old schema, never half a new one.
        let path = self.path.clone();
        let db = |source| CatalogError::Db {
            path: path.clone(),
            source,
        };
        let tx = self.conn.savepoint().map_err(db)?;
        for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(step).map_err(db)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(())
    }

    fn parse_time(&self, s: &str) -> Result<DateTime<Utc>, CatalogError> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| self.bad("timestamp", format!("{s:?}: {e}")))
    }

    fn slug<T: std::str::FromStr>(&self, s: String) -> Result<Option<T>, CatalogError>
    where
        T::Err: std::fmt::Display,
    {
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<T>()
            .map(Some)
            .map_err(|e| self.bad("slug", e.to_string()))
    }

    /// Staff's corrections as stored (see [`CORRECTION_COLUMNS`]).
    fn correction(&self, row: CorrectionRow) -> Result<Correction, CatalogError> {
        let [date, doc_type, title, by, at] = row.0;
        Ok(Correction {
            date: date
                .map(|d| d.parse().map_err(|e| self.bad("corrected_date", e)))
                .transpose()?,
            doc_type: self.slug(doc_type.unwrap_or_default())?,
            title,
            by,
            at: at.map(|t| self.parse_time(&t)).transpose()?,
        })
    }

    fn sources_of(&self, id: DocId) -> Result<Vec<SourceRecord>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT path, branch, doc_type, batch_id, imported_at FROM sources
                 WHERE document_id = ?1 ORDER BY id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([id.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        rows.into_iter()
            .map(|(path, branch, doc_type, batch, at)| {
                Ok(SourceRecord {
                    path,
                    branch: self.slug::<BranchSlug>(branch)?,
                    doc_type: self.slug::<DocType>(doc_type)?,
                    batch: BatchId(batch),
                    imported_at: self.parse_time(&at)?,
                })
            })
            .collect()
    }

    fn batch_from_row(&self, row: BatchRow) -> Result<BatchRecord, CatalogError> {
        let status = match row.status.as_str() {
            "running" => BatchStatus::Running,
            "finished" => BatchStatus::Finished,
            other => return Err(self.bad("batch status", other)),
        };
        Ok(BatchRecord {
            id: BatchId(row.id),
            started_at: self.parse_time(&row.started_at)?,
            finished_at: row
                .finished_at
                .as_deref()
                .map(|s| self.parse_time(s))
                .transpose()?,
            status,
            branch: self.slug(row.branch)?,
            doc_type: self.slug(row.doc_type)?,
            inputs: serde_json::from_str(&row.inputs).map_err(|e| self.bad("batch inputs", e))?,
            counts: row.counts,
        })
    }

    fn query_batches(
        &self,
        where_clause: &str,
        arg: Option<i64>,
    ) -> Result<Vec<BatchRecord>, CatalogError> {
        let sql = format!(
            "SELECT id, started_at, finished_at, status, branch, doc_type, inputs,
                    files_seen, ingested, duplicates, failed, pages
             FROM batches {where_clause} ORDER BY id"
        );
        let map = |r: &rusqlite::Row| {
            Ok(BatchRow {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                status: r.get(3)?,
                branch: r.get(4)?,
                doc_type: r.get(5)?,
                inputs: r.get(6)?,
                counts: BatchCounts {
                    files_seen: r.get::<_, i64>(7)? as u64,
                    ingested: r.get::<_, i64>(8)? as u64,
                    duplicates: r.get::<_, i64>(9)? as u64,
                    failed: r.get::<_, i64>(10)? as u64,
                    pages: r.get::<_, i64>(11)? as u64,
                },
            })
        };
        let rows = self.query_rows(&sql, arg, map)?;
        rows.into_iter().map(|r| self.batch_from_row(r)).collect()
    }
}

impl SqliteCatalog {
    fn query_files(&self, tail: &str, arg: Option<i64>) -> Result<Vec<BatchFile>, CatalogError> {
        let sql = format!(
            "SELECT f.batch_id, f.path, f.status, f.document_id, f.error, f.retried_in
             FROM batch_files f {tail}"
        );
        let map = |r: &rusqlite::Row| {
            Ok(BatchFile {
                batch: BatchId(r.get(0)?),
                path: r.get(1)?,
                status: r.get(2)?,
                document: r.get::<_, Option<i64>>(3)?.map(DocId),
                error: r.get(4)?,
                retried_in: r.get::<_, Option<i64>>(5)?.map(BatchId),
            })
        };
        self.query_rows(&sql, arg, map)
    }

    /// Rows of a query taking one optional integer parameter (`?1`).
    fn query_rows<T>(
        &self,
        sql: &str,
        arg: Option<i64>,
        map: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, CatalogError> {
        let mut stmt = self.conn.prepare(sql).map_err(self.err())?;
        let rows = match arg {
            Some(a) => stmt.query_map([a], map),
            None => stmt.query_map([], map),
        }
        .map_err(self.err())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(self.err())?;
        Ok(rows)
    }
}

struct BatchRow {
    id: i64,
    started_at: String,
    finished_at: Option<String>,
    status: String,
    branch: String,
    doc_type: String,
    inputs: String,
    counts: BatchCounts,
}

fn insert_source(tx: &Connection, doc: DocId, s: &SourceRecord) -> rusqlite::Result<bool> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO sources (document_id, path, branch, doc_type, batch_id, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            doc.0,
            s.path,
            opt(&s.branch),
            opt(&s.doc_type),
            s.batch.0,
            ts(&s.imported_at)
        ],
    )?;
    if n > 0 {
        // The first import that names a branch or type gives the document its own.
        tx.execute(
            "UPDATE documents SET
                branch = CASE WHEN branch = '' THEN ?2 ELSE branch END,
                doc_type = CASE WHEN doc_type = '' THEN ?3 ELSE doc_type END,
                indexed = 0
             WHERE id = ?1",
            params![doc.0, opt(&s.branch), opt(&s.doc_type)],
        )?;
    }
    Ok(n > 0)
}

impl Catalog for SqliteCatalog {
    fn begin_group(&mut self) -> Result<(), CatalogError> {
        if !self.in_group {
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(self.err())?;
            self.in_group = true;
        }
        Ok(())
    }

    fn end_group(&mut self) -> Result<(), CatalogError> {
        if self.in_group {
            self.conn.execute_batch("COMMIT").map_err(self.err())?;
            self.in_group = false;
        }
        Ok(())
    }

    fn begin_batch(&mut self, batch: &NewBatch) -> Result<BatchId, CatalogError> {
        let inputs = serde_json::to_string(&batch.inputs).expect("strings serialise");
        self.conn
            .execute(
                "INSERT INTO batches (started_at, status, branch, doc_type, inputs)
                 VALUES (?1, 'running', ?2, ?3, ?4)",
                params![
                    ts(&batch.started_at),
                    opt(&batch.branch),
                    opt(&batch.doc_type),
                    inputs
                ],
            )
            .map_err(self.err())?;
        Ok(BatchId(self.conn.last_insert_rowid()))
    }

    fn record_file(
        &mut self,
        batch: BatchId,
        path: &str,
        outcome: &FileOutcome,
        pages: u32,
    ) -> Result<(), CatalogError> {
        let (status, doc, error, column) = match outcome {
            FileOutcome::Ingested(d) => ("ingested", Some(d.0), None, "ingested"),
            FileOutcome::Duplicate(d) => ("duplicate", Some(d.0), None, "duplicates"),
            FileOutcome::Failed(e) => ("failed", None, Some(e.as_str()), "failed"),
        };
        let path_s = self.path.clone();
        let db = |source| CatalogError::Db {
            path: path_s.clone(),
            source,
        };
        let tx = self.conn.savepoint().map_err(db)?;
        let n = tx
            .execute(
                "INSERT OR IGNORE INTO batch_files (batch_id, path, status, document_id, error, pages, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![batch.0, path, status, doc, error, pages, ts(&Utc::now())],
            )
            .map_err(db)?;
        if n > 0 {
            tx.execute(
                &format!(
                    "UPDATE batches SET files_seen = files_seen + 1, {column} = {column} + 1,
                     pages = pages + ?2 WHERE id = ?1"
                ),
                params![batch.0, pages],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    fn unfinished_batch(&self, batch: &NewBatch) -> Result<Option<BatchId>, CatalogError> {
        let inputs = serde_json::to_string(&batch.inputs).expect("strings serialise");
        self.conn
            .query_row(
                "SELECT id FROM batches WHERE status = 'running' AND branch = ?1
                   AND doc_type = ?2 AND inputs = ?3 ORDER BY id DESC LIMIT 1",
                params![opt(&batch.branch), opt(&batch.doc_type), inputs],
                |r| r.get(0),
            )
            .optional()
            .map(|id| id.map(BatchId))
            .map_err(self.err())
    }

    fn resume_batch(&mut self, batch: BatchId) -> Result<(), CatalogError> {
        self.conn
            .execute(
                "UPDATE batches SET status = 'running', finished_at = NULL,
                 resumed = resumed + 1 WHERE id = ?1",
                [batch.0],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn batch_files(&self, batch: BatchId) -> Result<Vec<BatchFile>, CatalogError> {
        self.query_files("WHERE f.batch_id = ?1 ORDER BY f.at, f.path", Some(batch.0))
    }

    fn failed_files(&self) -> Result<Vec<BatchFile>, CatalogError> {
        self.query_files(
            "WHERE f.status = 'failed' AND f.retried_in IS NULL
               AND NOT EXISTS (SELECT 1 FROM batch_files g
                               WHERE g.path = f.path AND g.status != 'failed'
                                 AND g.batch_id > f.batch_id)
             ORDER BY f.batch_id, f.at, f.path",
            None,
        )
    }

    fn mark_retried(&mut self, file: &BatchFile, by: BatchId) -> Result<(), CatalogError> {
        self.conn
            .execute(
                "UPDATE batch_files SET retried_in = ?3 WHERE batch_id = ?1 AND path = ?2",
                params![file.batch.0, file.path, by.0],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn cache_page(
        &mut self,
        blob: &BlobId,
        settings: &str,
        page: &PageRecord,
    ) -> Result<(), CatalogError> {
        let json = serde_json::to_string(page).expect("pages serialise");
        self.conn
            .execute(
                "INSERT OR REPLACE INTO page_cache (sha256, settings, number, page)
                 VALUES (?1, ?2, ?3, ?4)",
                params![blob.to_hex(), settings, page.number, json],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn cached_pages(&self, blob: &BlobId, settings: &str) -> Result<Vec<PageRecord>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT page FROM page_cache WHERE sha256 = ?1 AND settings = ?2 ORDER BY number",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![blob.to_hex(), settings], |r| r.get::<_, String>(0))
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| self.bad("page_cache.page", e)))
            .collect()
    }

    fn finish_batch(&mut self, batch: BatchId, at: DateTime<Utc>) -> Result<(), CatalogError> {
        self.conn
            .execute(
                "UPDATE batches SET status = 'finished', finished_at = ?2 WHERE id = ?1",
                params![batch.0, ts(&at)],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn batch(&self, id: BatchId) -> Result<Option<BatchRecord>, CatalogError> {
        Ok(self
            .query_batches("WHERE id = ?1", Some(id.0))?
            .into_iter()
            .next())
    }

    fn batches(&self) -> Result<Vec<BatchRecord>, CatalogError> {
        self.query_batches("", None)
    }

    fn find_by_blob(&self, blob: &BlobId) -> Result<Option<DocId>, CatalogError> {
        self.conn
            .prepare_cached("SELECT id FROM documents WHERE sha256 = ?1")
            .and_then(|mut s| s.query_row([blob.to_hex()], |r| r.get(0)).optional())
            .map(|o| o.map(DocId))
            .map_err(self.err())
    }

    fn insert_document(&mut self, doc: &NewDocument) -> Result<(DocId, bool), CatalogError> {
        let path = self.path.clone();
        let db = |source| CatalogError::Db {
            path: path.clone(),
            source,
        };
        let tx = self.conn.savepoint().map_err(db)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM documents WHERE sha256 = ?1",
                [doc.blob.to_hex()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        if let Some(id) = existing {
            insert_source(&tx, DocId(id), &doc.source).map_err(db)?;
            tx.commit().map_err(db)?;
            return Ok((DocId(id), false));
        }
        tx.execute(
            "INSERT INTO documents (sha256, size, media_type, title, page_count, created_at,
                                    extracted, extracted_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                doc.blob.to_hex(),
                doc.size as i64,
                doc.media_type,
                doc.title,
                doc.pages.len() as i64,
                ts(&doc.source.imported_at),
                serde_json::to_string(&doc.extracted).expect("serialises"),
                crate::metadata::EXTRACTOR_VERSION,
            ],
        )
        .map_err(db)?;
        let id = DocId(tx.last_insert_rowid());
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO pages (document_id, number, source, text, confidence, words,
                                        rotation, width, height, language, skew, numbers)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(db)?;
            for p in &doc.pages {
                stmt.execute(params![
                    id.0,
                    p.number,
                    p.source.as_str(),
                    p.text,
                    p.confidence as f64,
                    words_to_json(&p.words),
                    p.rotation,
                    p.width,
                    p.height,
                    p.language,
                    p.skew as f64,
                    numbers_to_json(&p.numbers)
                ])
                .map_err(db)?;
            }
        }
        insert_source(&tx, id, &doc.source).map_err(db)?;
        tx.execute(
            "DELETE FROM page_cache WHERE sha256 = ?1",
            [doc.blob.to_hex()],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok((id, true))
    }

    fn add_source(&mut self, doc: DocId, source: &SourceRecord) -> Result<bool, CatalogError> {
        let path = self.path.clone();
        let db = |source| CatalogError::Db {
            path: path.clone(),
            source,
        };
        let tx = self.conn.savepoint().map_err(db)?;
        let added = insert_source(&tx, doc, source).map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(added)
    }

    fn document(&self, id: DocId) -> Result<Option<DocumentRecord>, CatalogError> {
        struct Row {
            sha: String,
            size: i64,
            media_type: String,
            title: String,
            branch: String,
            doc_type: String,
            page_count: i64,
            created: String,
            extracted: Option<String>,
            correction: CorrectionRow,
            revision: i64,
        }
        let row: Option<Row> = self
            .conn
            .prepare_cached(&format!(
                "SELECT sha256, size, media_type, title, branch, doc_type, page_count, created_at,
                        extracted, revision, {CORRECTION_COLUMNS}
                 FROM documents WHERE id = ?1"
            ))
            .and_then(|mut s| {
                s.query_row([id.0], |r| {
                    Ok(Row {
                        sha: r.get(0)?,
                        size: r.get(1)?,
                        media_type: r.get(2)?,
                        title: r.get(3)?,
                        branch: r.get(4)?,
                        doc_type: r.get(5)?,
                        page_count: r.get(6)?,
                        created: r.get(7)?,
                        extracted: r.get(8)?,
                        revision: r.get(9)?,
                        correction: CorrectionRow::read(r, 10)?,
                    })
                })
                .optional()
            })
            .map_err(self.err())?;
        let Some(Row {
            sha,
            size,
            media_type,
            title,
            branch,
            doc_type,
            page_count,
            created,
            extracted,
            correction,
            revision,
        }) = row
        else {
            return Ok(None);
        };
        let extracted: Extracted = match extracted {
            Some(json) => serde_json::from_str(&json).map_err(|e| self.bad("extracted", e))?,
            None => Extracted::default(),
        };
        let correction = self.correction(correction)?;
        let (doc_type, doc_type_source) =
            super::effective_type(&correction, self.slug(doc_type)?, &extracted);
        Ok(Some(DocumentRecord {
            id,
            blob: sha.parse().map_err(|e| self.bad("sha256", e))?,
            size: size as u64,
            media_type,
            title: correction.title.clone().unwrap_or_else(|| title.clone()),
            branch: self.slug(branch)?,
            doc_type,
            page_count: page_count as u32,
            created_at: self.parse_time(&created)?,
            sources: self.sources_of(id)?,
            meta: DocMeta {
                doc_type_source,
                extracted_title: title,
                extracted,
                correction,
                revision,
            },
        }))
    }

    fn page_words(&self, id: DocId, pages: &[u32]) -> Result<Vec<(u32, Vec<Word>)>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT words FROM pages WHERE document_id = ?1 AND number = ?2")
            .map_err(self.err())?;
        let mut out = Vec::with_capacity(pages.len());
        for &n in pages {
            let words: Option<String> = stmt
                .query_row(params![id.0, n], |r| r.get(0))
                .optional()
                .map_err(self.err())?;
            if let Some(w) = words {
                out.push((
                    n,
                    words_from_json(&w).map_err(|e| self.bad("word boxes", e))?,
                ));
            }
        }
        Ok(out)
    }

    fn pages(&self, id: DocId) -> Result<Vec<PageRecord>, CatalogError> {
        type Row = (
            u32,
            String,
            String,
            f64,
            String,
            u16,
            u32,
            u32,
            String,
            f64,
            String,
        );
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT number, source, text, confidence, words, rotation, width, height, language, skew,
                        numbers
                 FROM pages WHERE document_id = ?1 ORDER BY number",
            )
            .map_err(self.err())?;
        let rows: Vec<Row> = stmt
            .query_map([id.0], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            })
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        rows.into_iter()
            .map(
                |(
                    number,
                    source,
                    text,
                    confidence,
                    words,
                    rotation,
                    width,
                    height,
                    language,
                    skew,
                    numbers,
                )| {
                    Ok(PageRecord {
                        number,
                        source: TextSource::parse(&source)
                            .ok_or_else(|| self.bad("page source", &source))?,
                        text,
                        confidence: confidence as f32,
                        words: words_from_json(&words).map_err(|e| self.bad("word boxes", e))?,
                        rotation,
                        skew: skew as f32,
                        width,
                        height,
                        language,
                        numbers: numbers_from_json(&numbers)
                            .map_err(|e| self.bad("page numbers", e))?,
                    })
                },
            )
            .collect()
    }

    fn resolve(&self, query: &str) -> Result<DocId, CatalogError> {
        let q = query.trim();
        if let Ok(n) = q.parse::<i64>() {
            let found: Option<i64> = self
                .conn
                .query_row("SELECT id FROM documents WHERE id = ?1", [n], |r| r.get(0))
                .optional()
                .map_err(self.err())?;
            if let Some(id) = found {
                return Ok(DocId(id));
            }
        }
        let hex = q.strip_prefix("sha256:").unwrap_or(q).to_ascii_lowercase();
        if hex.len() < 4 || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CatalogError::NoSuchDocument(query.to_string()));
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM documents WHERE sha256 >= ?1 AND sha256 < ?2 LIMIT 2")
            .map_err(self.err())?;
        // All hex strings with this prefix sort in [prefix, prefix + "g").
        let ids: Vec<i64> = stmt
            .query_map(params![hex, format!("{hex}g")], |r| r.get(0))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        match ids.as_slice() {
            [] => Err(CatalogError::NoSuchDocument(query.to_string())),
            [one] => Ok(DocId(*one)),
            _ => Err(CatalogError::Ambiguous {
                query: query.to_string(),
                count: ids.len(),
            }),
        }
    }

    fn document_ids(&self) -> Result<Vec<DocId>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM documents ORDER BY id")
            .map_err(self.err())?;
        let ids = stmt
            .query_map([], |r| r.get(0).map(DocId))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(ids)
    }

    fn unindexed(&self) -> Result<Vec<DocId>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM documents WHERE indexed = 0 ORDER BY id")
            .map_err(self.err())?;
        let ids = stmt
            .query_map([], |r| r.get(0).map(DocId))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(ids)
    }

    fn mark_indexed(&mut self, ids: &[(DocId, i64)]) -> Result<(), CatalogError> {
        let path = self.path.clone();
        let db = |source| CatalogError::Db {
            path: path.clone(),
            source,
        };
        let tx = self.conn.savepoint().map_err(db)?;
        {
            // Only at the revision indexed: a correction made meanwhile
            // leaves the document to be indexed again.
            let mut stmt = tx
                .prepare_cached("UPDATE documents SET indexed = 1 WHERE id = ?1 AND revision = ?2")
                .map_err(db)?;
            for (id, revision) in ids {
                stmt.execute([id.0, *revision]).map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    fn stale_extractions(&self, version: i64) -> Result<Vec<DocId>, CatalogError> {
        // Two ranges and no ORDER BY, so SQLite searches the index
        // (0.06 ms for 100,000 current documents) instead of scanning the
        // table in id order (11 ms); sorted here.
        let mut ids = self.query_rows(
            "SELECT id FROM documents WHERE extracted_version < ?1 OR extracted_version > ?1",
            Some(version),
            |r| r.get(0).map(DocId),
        )?;
        ids.sort();
        Ok(ids)
    }

    fn set_extracted(
        &mut self,
        id: DocId,
        extracted: &Extracted,
        version: i64,
    ) -> Result<(), CatalogError> {
        self.conn
            .prepare_cached(
                "UPDATE documents SET extracted = ?2, extracted_version = ?3,
                        revision = revision + 1, indexed = 0
                 WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id.0,
                    serde_json::to_string(extracted).expect("serialises"),
                    version
                ])
            })
            .map_err(self.err())?;
        Ok(())
    }

    fn correct(
        &mut self,
        id: DocId,
        change: &CorrectionChange,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(Correction, Correction), CatalogError> {
        let old: Option<CorrectionRow> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {CORRECTION_COLUMNS} FROM documents WHERE id = ?1"
            ))
            .and_then(|mut s| {
                s.query_row([id.0], |r| CorrectionRow::read(r, 0))
                    .optional()
            })
            .map_err(self.err())?;
        let old =
            self.correction(old.ok_or_else(|| CatalogError::NoSuchDocument(id.to_string()))?)?;
        let mut new = change.apply(&old);
        new.by = Some(by.to_string());
        new.at = Some(at);
        if new.is_empty() {
            new.by = None;
            new.at = None;
        }
        self.conn
            .execute(
                "UPDATE documents SET corrected_date = ?2, corrected_type = ?3,
                        corrected_title = ?4, corrected_by = ?5, corrected_at = ?6,
                        revision = revision + 1, indexed = 0
                 WHERE id = ?1",
                params![
                    id.0,
                    new.date.map(|d| d.to_string()),
                    new.doc_type.as_ref().map(|t| t.to_string()),
                    new.title,
                    new.by,
                    new.at.as_ref().map(ts),
                ],
            )
            .map_err(self.err())?;
        Ok((old, new))
    }

    fn check_rows(&self) -> Result<Vec<CheckRow>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.id, d.sha256, d.size, d.indexed, d.verified_at,
                        (SELECT path FROM sources s WHERE s.document_id = d.id ORDER BY s.id LIMIT 1)
                 FROM documents d ORDER BY d.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sha, size, indexed, verified, source) = row.map_err(self.err())?;
            out.push(CheckRow {
                id: DocId(id),
                blob: sha
                    .parse()
                    .map_err(|e: crate::types::BadBlobId| self.bad("documents.sha256", e))?,
                size: size as u64,
                indexed,
                first_source: source.unwrap_or_default(),
                verified_at: match verified {
                    Some(t) => Some(self.parse_time(&t)?),
                    None => None,
                },
            });
        }
        Ok(out)
    }

    fn text_pages(&self) -> Result<Vec<(DocId, u32)>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT document_id, number FROM pages
                 WHERE length(trim(text, ' ' || char(9, 10, 13))) > 0
                 ORDER BY document_id, number",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((DocId(r.get(0)?), r.get::<_, u32>(1)?)))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    fn mark_verified(&mut self, id: DocId, at: DateTime<Utc>) -> Result<(), CatalogError> {
        self.conn
            .execute(
                "UPDATE documents SET verified_at = ?1 WHERE id = ?2",
                params![ts(&at), id.0],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn integrity(&self, thorough: bool) -> Result<Vec<String>, CatalogError> {
        let pragma = if thorough {
            "PRAGMA integrity_check"
        } else {
            "PRAGMA quick_check"
        };
        let mut stmt = self.conn.prepare(pragma).map_err(self.err())?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(lines.into_iter().filter(|l| l != "ok").collect())
    }

    fn mark_all_unindexed(&mut self) -> Result<(), CatalogError> {
        self.conn
            .execute("UPDATE documents SET indexed = 0", [])
            .map_err(self.err())?;
        Ok(())
    }

    fn stats(&self) -> Result<CatalogStats, CatalogError> {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM pages),
                        (SELECT count(*) FROM sources), (SELECT count(*) FROM batches)",
                [],
                |r| {
                    Ok(CatalogStats {
                        documents: r.get::<_, i64>(0)? as u64,
                        pages: r.get::<_, i64>(1)? as u64,
                        sources: r.get::<_, i64>(2)? as u64,
                        batches: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
            .map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::fixtures::{new_batch, page, page_with_numbers, source};

    #[test]
    fn interrupted_batches_resume_and_cached_pages_last_until_recorded() {
        let t = tempfile::tempdir().unwrap();
        let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
        let spec = NewBatch {
            started_at: Utc::now(),
            branch: Some("oyun".parse().unwrap()),
            doc_type: None,
            inputs: vec!["cabinet".into()],
        };
        assert_eq!(cat.unfinished_batch(&spec).unwrap(), None);
        let b = cat.begin_batch(&spec).unwrap();
        cat.record_file(b, "cabinet/x.png", &FileOutcome::Failed("torn".into()), 0)
            .unwrap();
        // Same inputs, branch and type: resumable; anything else is not.
        assert_eq!(cat.unfinished_batch(&spec).unwrap(), Some(b));
        let other = NewBatch {
            branch: None,
            ..spec.clone()
        };
        assert_eq!(cat.unfinished_batch(&other).unwrap(), None);
        cat.resume_batch(b).unwrap();
        let files = cat.batch_files(b).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].error.as_deref(), Some("torn"));
        cat.finish_batch(b, Utc::now()).unwrap();
        assert_eq!(cat.unfinished_batch(&spec).unwrap(), None);

        // Failed, then retried: no longer listed as failed.
        assert_eq!(cat.failed_files().unwrap().len(), 1);
        let b2 = new_batch(&mut cat);
        cat.mark_retried(&files[0], b2).unwrap();
        assert!(cat.failed_files().unwrap().is_empty());

        // Pages cached under one settings key only, dropped once recorded.
        let blob: BlobId = "cd".repeat(32).parse().unwrap();
        cat.cache_page(&blob, "k1", &page(2, "second")).unwrap();
        cat.cache_page(&blob, "k1", &page(1, "first")).unwrap();
        let cached = cat.cached_pages(&blob, "k1").unwrap();
        assert_eq!(cached, vec![page(1, "first"), page(2, "second")]);
        assert!(cat.cached_pages(&blob, "k2").unwrap().is_empty());
        cat.insert_document(&NewDocument {
            blob,
            size: 1,
            media_type: "image/tiff".into(),
            title: "t".into(),
            pages: cached,
            source: source(b2, "cabinet/y.tif", None),
            extracted: Default::default(),
        })
        .unwrap();
        assert!(cat.cached_pages(&blob, "k1").unwrap().is_empty());
    }

    #[test]
    fn documents_pages_and_sources_round_trip() {
        let t = tempfile::tempdir().unwrap();
        let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
        let b = new_batch(&mut cat);
        let blob: BlobId = "ab".repeat(32).parse().unwrap();
        let doc = NewDocument {
            blob,
            size: 1234,
            media_type: "image/png".into(),
            title: "رخصة بناء".into(),
            pages: vec![page(1, "رخصة بناء"), page(2, "second page")],
            source: source(b, "scans/hofuf/رخصة 1234.png", Some("hofuf")),
            extracted: crate::metadata::extract([(
                1,
                "رخصة بناء\nرقم الرخصة: 1234\nتاريخ الإصدار: 1445/03/12هـ",
            )]),
        };
        let (id, new) = cat.insert_document(&doc).unwrap();
        assert!(new);
        assert_eq!(cat.find_by_blob(&blob).unwrap(), Some(id));
        let rec = cat.document(id).unwrap().unwrap();
        assert_eq!(rec.title, "رخصة بناء");
        assert_eq!(rec.branch.as_ref().unwrap().as_str(), "hofuf");
        assert_eq!(rec.page_count, 2);
        let pages = cat.pages(id).unwrap();
        assert_eq!(pages, doc.pages);

        // a second source: recorded once, and the document needs re-indexing
        cat.mark_indexed(&[(id, 0)]).unwrap();
        assert!(cat.unindexed().unwrap().is_empty());
        assert!(cat
            .add_source(id, &source(b, "other/name.png", Some("omran")))
            .unwrap());
        assert!(!cat
            .add_source(id, &source(b, "other/name.png", Some("omran")))
            .unwrap());
        assert_eq!(cat.unindexed().unwrap(), vec![id]);
        let rec = cat.document(id).unwrap().unwrap();
        assert_eq!(rec.sources.len(), 2);
        assert_eq!(rec.branch.unwrap().as_str(), "hofuf");

        // inserting the same blob again only adds a source
        let (again, new) = cat
            .insert_document(&NewDocument {
                source: source(b, "third.png", None),
                ..doc.clone()
            })
            .unwrap();
        assert_eq!((again, new), (id, false));
        assert_eq!(cat.document(id).unwrap().unwrap().sources.len(), 3);
        assert_eq!(cat.stats().unwrap().pages, 2);
    }

    #[test]
    fn page_numbers_round_trip_through_pages_and_the_page_cache() {
        let t = tempfile::tempdir().unwrap();
        let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
        let b = new_batch(&mut cat);
        let blob: BlobId = "ef".repeat(32).parse().unwrap();
        let read = vec![
            page_with_numbers(1, "رخصة بناء رقم ٤٤٥١٢٨٤"),
            page(2, "second page"),
        ];
        assert_eq!(read[0].numbers.len(), 2);

        // Cached while the file is read, numbers and all.
        for p in &read {
            cat.cache_page(&blob, "k", p).unwrap();
        }
        let cached = cat.cached_pages(&blob, "k").unwrap();
        assert_eq!(cached, read);
        // A cache entry written before pages had numbers reads as none.
        let mut old = serde_json::to_value(page(3, "third")).unwrap();
        old.as_object_mut().unwrap().remove("numbers");
        cat.conn
            .execute(
                "INSERT INTO page_cache (sha256, settings, number, page) VALUES (?1, 'k', 3, ?2)",
                params![blob.to_hex(), old.to_string()],
            )
            .unwrap();
        let cached = cat.cached_pages(&blob, "k").unwrap();
        assert_eq!(cached[2], page(3, "third"));

        // Recorded from the cache: the pages come back as they were read.
        let (id, _) = cat
            .insert_document(&NewDocument {
                blob,
                size: 1,
                media_type: "image/tiff".into(),
                title: "t".into(),
                pages: cached.clone(),
                source: source(b, "scans/x.tif", None),
                extracted: Default::default(),
            })
            .unwrap();
        assert_eq!(cat.pages(id).unwrap(), cached);
        let stored: String = cat
            .conn
            .query_row(
                "SELECT numbers FROM pages WHERE document_id = ?1 AND number = 1",
                [id.0],
                |r| r.get(0),
            )
            .unwrap();
        let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
        assert_eq!(stored[1]["value"], "4451284");
        assert_eq!(stored[1]["kind"], "number");
        assert_eq!(stored[1]["alternatives"][0], "4451234");
        assert_eq!(stored[1]["box"], serde_json::json!([420, 200, 210, 38]));
    }

    #[test]
    fn pages_of_an_older_catalog_have_no_numbers() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("c.sqlite");
        {
            // a version-7 catalog, with a page recorded before numbers were read
            let conn = Connection::open(&p).unwrap();
            for step in &MIGRATIONS[..7] {
                conn.execute_batch(step).unwrap();
            }
            conn.execute_batch(
                "PRAGMA user_version = 7;
                 INSERT INTO documents (id, sha256, size, media_type, title, page_count, created_at)
                   VALUES (1, 'abababababababababababababababababababababababababababababababab', 1, 'image/png', 't', 1, '2026-11-29T00:00:00.000Z');
                 INSERT INTO pages (document_id, number, source, text, confidence, words)
                   VALUES (1, 1, 'ocr', 'نص', 0.9, '[]');",
            )
            .unwrap();
        }
        let cat = SqliteCatalog::open(&p).unwrap();
        let pages = cat.pages(DocId(1)).unwrap();
        assert_eq!(pages[0].text, "نص");
        assert!(pages[0].numbers.is_empty());
    }

    #[test]
    fn corrections_beat_extraction_and_a_stale_index_entry_is_not_taken_as_current() {
        let t = tempfile::tempdir().unwrap();
        let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
        let b = new_batch(&mut cat);
        let text = "شهادة صحية\nرقم الشهادة: 27507976\nتاريخ الإصدار: 1445/07/12 هـ";
        let (id, _) = cat
            .insert_document(&NewDocument {
                blob: "cd".repeat(32).parse().unwrap(),
                size: 1,
                media_type: "image/png".into(),
                title: "شهادة صحية".into(),
                pages: vec![page(1, text)],
                source: source(b, "x.png", Some("hofuf")),
                extracted: crate::metadata::extract([(1, text)]),
            })
            .unwrap();
        let rec = cat.document(id).unwrap().unwrap();
        assert_eq!(
            rec.doc_type.as_ref().unwrap().as_str(),
            "health-certificate"
        );
        assert_eq!(
            rec.meta.doc_type_source,
            Some(crate::metadata::TypeSource::Guessed)
        );
        assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-24");
        assert_eq!(rec.meta.extracted.reference_numbers, ["27507976"]);

        // The index reads revision r; a correction lands before it records
        // that: the document stays to be indexed.
        let r = rec.meta.revision;
        let change = CorrectionChange {
            date: Some(Some("1445-07-13h".parse().unwrap())),
            doc_type: Some(Some("licence".parse().unwrap())),
            title: Some(Some("شهادة صحية 27507976".into())),
        };
        let (old, new) = cat.correct(id, &change, "sara", Utc::now()).unwrap();
        assert!(old.is_empty());
        assert_eq!(new.by.as_deref(), Some("sara"));
        cat.mark_indexed(&[(id, r)]).unwrap();
        assert_eq!(cat.unindexed().unwrap(), vec![id]);
        let rec = cat.document(id).unwrap().unwrap();
        assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-25");
        assert_eq!(rec.document_date_source(), Some("corrected"));
        assert_eq!(rec.doc_type.as_ref().unwrap().as_str(), "licence");
        assert_eq!(
            rec.meta.doc_type_source,
            Some(crate::metadata::TypeSource::Corrected)
        );
        assert_eq!(rec.title, "شهادة صحية 27507976");
        assert_eq!(rec.meta.extracted_title, "شهادة صحية");
        cat.mark_indexed(&[(id, rec.meta.revision)]).unwrap();
        assert!(cat.unindexed().unwrap().is_empty());

        // Re-reading the text (a newer extractor) keeps the corrections.
        assert!(cat
            .stale_extractions(crate::metadata::EXTRACTOR_VERSION)
            .unwrap()
            .is_empty());
        assert_eq!(cat.stale_extractions(99).unwrap(), vec![id]);
        cat.set_extracted(id, &crate::metadata::extract([(1, text)]), 99)
            .unwrap();
        let rec = cat.document(id).unwrap().unwrap();
        assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-25");

        // Dropping a correction gives extraction back.
        let back = CorrectionChange {
            date: Some(None),
            doc_type: Some(None),
            title: Some(None),
        };
        let (_, new) = cat.correct(id, &back, "sara", Utc::now()).unwrap();
        assert!(new.is_empty() && new.by.is_none());
        let rec = cat.document(id).unwrap().unwrap();
        assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-24");
        assert_eq!(
            rec.meta.doc_type_source,
            Some(crate::metadata::TypeSource::Guessed)
        );
        assert_eq!(rec.title, "شهادة صحية");
    }

    #[test]
    fn resolve_by_id_and_sha_prefix() {
        let t = tempfile::tempdir().unwrap();
        let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
        let b = new_batch(&mut cat);
        let mut ids = vec![];
        for hex in ["abcd".repeat(16), "abce".repeat(16)] {
            let (id, _) = cat
                .insert_document(&NewDocument {
                    blob: hex.parse().unwrap(),
                    size: 1,
                    media_type: "image/png".into(),
                    title: "t".into(),
                    pages: vec![],
                    source: source(b, &hex, None),
                    extracted: Default::default(),
                })
                .unwrap();
            ids.push(id);
        }
        assert_eq!(cat.resolve(&ids[1].to_string()).unwrap(), ids[1]);
        assert_eq!(cat.resolve("abcda").unwrap(), ids[0]);
        assert_eq!(cat.resolve("sha256:ABCE").unwrap(), ids[1]);
        assert!(matches!(
            cat.resolve("abc"),
            Err(CatalogError::NoSuchDocument(_))
        ));
        assert!(matches!(
            cat.resolve("abcd"),
            Ok(_) | Err(CatalogError::Ambiguous { .. })
        ));
        assert!(matches!(
            cat.resolve("ffff"),
            Err(CatalogError::NoSuchDocument(_))
        ));
        assert!(matches!(
            cat.resolve("zzzz"),
            Err(CatalogError::NoSuchDocument(_))
        ));
    }

    #[test]
    fn batch_counters_follow_recorded_files() {
        let t = tempfile::tempdir().unwrap();
        let mut cat = SqliteCatalog::create(&t.path().join("c.sqlite")).unwrap();
        let b = new_batch(&mut cat);
        cat.record_file(b, "a.png", &FileOutcome::Ingested(DocId(1)), 1)
            .unwrap_err(); // no such document: foreign key holds
        cat.record_file(b, "bad.png", &FileOutcome::Failed("corrupt".into()), 0)
            .unwrap();
        cat.record_file(b, "bad.png", &FileOutcome::Failed("corrupt".into()), 0)
            .unwrap();
        cat.finish_batch(b, Utc::now()).unwrap();
        let rec = cat.batch(b).unwrap().unwrap();
        assert_eq!(rec.status, BatchStatus::Finished);
        assert_eq!(rec.counts.files_seen, 1);
        assert_eq!(rec.counts.failed, 1);
        assert_eq!(rec.inputs, vec!["scans".to_string()]);
    }

    #[test]
    fn an_older_catalog_is_migrated_forward() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("c.sqlite");
        {
            // a version-1 catalog, as the first release wrote it
            let conn = Connection::open(&p).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO batches (id, started_at, status, inputs) VALUES (1, '2026-11-29T00:00:00.000Z', 'finished', '[]');
                 INSERT INTO documents (id, sha256, size, media_type, title, page_count, created_at)
                   VALUES (1, 'abababababababababababababababababababababababababababababababab', 1, 'image/png', 't', 1, '2026-11-29T00:00:00.000Z');
                 INSERT INTO pages (document_id, number, source, text, confidence, words, rotation, width, height, language)
                   VALUES (1, 1, 'ocr', 'نص', 0.9, '[]', 90, 10, 20, 'ara');",
            )
            .unwrap();
        }
        let cat = SqliteCatalog::open(&p).unwrap();
        let pages = cat.pages(DocId(1)).unwrap();
        assert_eq!(pages[0].text, "نص");
        assert_eq!((pages[0].rotation, pages[0].skew), (90, 0.0));
        let v: i64 = cat
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn accounts_tables_are_no_longer_created_and_old_ones_are_left_alone() {
        let t = tempfile::tempdir().unwrap();
        let tables = |cat: &SqliteCatalog| -> i64 {
            cat.conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name IN ('users', 'user_branches', 'tokens', 'sessions')",
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let new = SqliteCatalog::create(&t.path().join("new.sqlite")).unwrap();
        assert_eq!(tables(&new), 0);
        // A catalog of schema 5 (with accounts, as arshif then kept them):
        // migrated forward, its account tables and rows untouched.
        let p = t.path().join("old.sqlite");
        {
            let conn = Connection::open(&p).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.execute_batch(MIGRATIONS[2]).unwrap();
            conn.execute_batch(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                   role TEXT NOT NULL, password TEXT NOT NULL, must_change INTEGER NOT NULL DEFAULT 0,
                   created_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
                 CREATE TABLE user_branches (user_id INTEGER NOT NULL, branch TEXT NOT NULL);
                 CREATE TABLE tokens (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
                 CREATE TABLE sessions (hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL);
                 INSERT INTO users (name, role, password, created_at) VALUES ('root', 'admin', 'h', 't');
                 PRAGMA user_version = 5;",
            )
            .unwrap();
        }
        let old = SqliteCatalog::open(&p).unwrap();
        assert_eq!(tables(&old), 4);
        let n: i64 = old
            .conn
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn newer_schema_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("c.sqlite");
        drop(SqliteCatalog::create(&p).unwrap());
        Connection::open(&p)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        let err = SqliteCatalog::open(&p).err().unwrap();
        assert!(
            matches!(err, CatalogError::NewerSchema { found: 99, .. }),
            "{err}"
        );
    }
}

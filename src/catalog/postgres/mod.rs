//! The shared catalog: the same records as [`super::SqliteCatalog`], in a
//! PostgreSQL database several nodes use at once, plus what sharing needs:
//!
//! * **Indexing is per node.** Every node has its own search index, so the
//!   catalog keeps, per node, the revision of each document that node last
//!   indexed (`node_index`). A change to a document bumps its revision and
//!   every node indexes it again.
//! * **Change notifications.** A trigger on `documents` sends `NOTIFY
//!   arshif_changes` (payload `schema:id`) when a document is recorded or
//!   its revision moves; [`ChangeListener`] waits for them.
//! * **The page job queue** ([`JobQueue`]): pages waiting for OCR, leased to
//!   workers with `FOR UPDATE SKIP LOCKED`, on the database's clock.
//!
//! The catalog lives in the first schema of the connection's `search_path`
//! (give it in the URL: `?options=-c%20search_path%3Dname`, see
//! [`url_with_search_path`]); opening creates that schema and the tables if
//! missing. Connections come from a size-limited pool ([`PgPool`]), plain or
//! over TLS as the URL's `sslmode` asks (see [`crate::db::pg::tls`]).
//!
//! Write groups ([`Catalog::begin_group`]) are real transactions: the writes
//! in a group commit together at [`Catalog::end_group`], each write (and each
//! read) in a savepoint of its own, so a failed write undoes only itself.
//! Outside a group every write is its own transaction.
//!
//! Timestamps are `timestamptz`, kept to the millisecond like the SQLite
//! catalog's text; JSON (word boxes, what was read from the text, batch
//! inputs, cached pages) is `jsonb`.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::stored::{
    self, lifecycle_allows, prefix_bound, resolve_query, resolved, stamp, stored_int,
    words_from_json, CorrectionRow, DocumentRow, LifecycleStep,
};
use super::{
    Amendment, BatchFile, BatchRecord, Catalog, CatalogError, CatalogStats, CheckRow,
    DocTypeRecord, DocumentRecord, FileRecord, NewBatch, NewDocument, OriginRow, PageRecord,
    Rescan, Result, RetentionRule, Review, ReviewState, Signed, SourceRecord, Stamp, Tombstone,
    Version,
};
use crate::db::pg::{Migrations, PgConn, PgPool, PooledConn};
use crate::db::url::url_for_display;
use crate::metadata::{Correction, Extracted};
use crate::types::{BatchId, BlobId, DocId, DocType, TextSource, Word};

mod lifecycle;
mod listener;
mod queue;
mod rows;
mod schema;
#[cfg(test)]
mod tests;

pub use listener::ChangeListener;
use rows::*;
use schema::*;

/// The PostgreSQL catalog schema version this build reads and writes (kept
/// in `arshif_meta`; its own sequence, apart from the SQLite catalog's).
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The catalog's tables, for [`crate::db::pg::migrate`].
const CATALOG_TABLES: Migrations = Migrations {
    what: "the catalog",
    version_key: "schema_version",
    steps: MIGRATIONS,
};

/// The channel document changes are announced on.
const CHANNEL: &str = "arshif_changes";

/// A failure inside a database call, before it is given the catalog's URL.
enum Fail {
    Pg(::postgres::Error),
    Bad(&'static str, String),
    Catalog(CatalogError),
}

impl From<::postgres::Error> for Fail {
    fn from(e: ::postgres::Error) -> Self {
        Fail::Pg(e)
    }
}

impl From<CatalogError> for Fail {
    fn from(e: CatalogError) -> Self {
        Fail::Catalog(e)
    }
}

type Res<T> = Result<T, Fail>;

fn bad(what: &'static str, detail: impl std::fmt::Display) -> Fail {
    Fail::Bad(what, detail.to_string())
}

fn into_catalog(url: &str, f: Fail) -> CatalogError {
    match f {
        Fail::Pg(source) => CatalogError::Pg {
            url: url.to_string(),
            source,
        },
        Fail::Bad(what, detail) => CatalogError::BadValue {
            path: url.to_string(),
            what,
            detail,
        },
        Fail::Catalog(e) => e,
    }
}

/// A connection and the statements prepared on it.
type Db = PgConn;

/// A catalog in PostgreSQL, as seen by one node. One value is one
/// connection, on loan from a [`PgPool`]; open one per thread. A
/// connection found lost (the server restarted) is given back, and the
/// next call outside a write group takes another from the pool: the call
/// that found it lost fails, those after it succeed once the server is
/// back.
pub struct PgCatalog {
    /// Before `pool`: given back before the pool may be dropped.
    conn: RefCell<Option<PooledConn>>,
    pool: PgPool,
    /// The URL without password, for messages.
    url: String,
    node: String,
    /// Inside a write group: an open transaction.
    in_group: bool,
}

impl PgCatalog {
    /// A pool of at most `max_size` connections to the catalog at `url`,
    /// its schema and tables created if missing (or an older schema
    /// migrated forward) on a connection of its own first, so that a
    /// wrong URL or an unreachable server fails here, at once.
    pub fn pool(url: &str, max_size: u32) -> Result<PgPool> {
        let pool = PgPool::new(url, max_size)?;
        let mut conn = pool.connect()?;
        crate::db::pg::migrate(&mut conn.client, url, &CATALOG_TABLES)?;
        Ok(pool)
    }

    /// Connect as node `node` (the name its search index is known by)
    /// through a pool made by [`PgCatalog::pool`].
    pub fn from_pool(pool: &PgPool, node: &str) -> Result<Self> {
        let url = pool.display_url().to_string();
        check_node(&url, node)?;
        let conn = pool.get()?;
        Ok(PgCatalog {
            conn: RefCell::new(Some(conn)),
            pool: pool.clone(),
            url,
            node: node.to_string(),
            in_group: false,
        })
    }

    /// Connect as node `node` (the name its search index is known by),
    /// creating the catalog's schema and tables if missing and migrating an
    /// older schema forward. The connection is the only one of a pool of
    /// its own.
    pub fn create_or_open(url: &str, node: &str) -> Result<Self> {
        check_node(&url_for_display(url), node)?;
        Self::from_pool(&Self::pool(url, 1)?, node)
    }

    /// The same as [`PgCatalog::create_or_open`]: a shared catalog is
    /// created by whichever node opens it first.
    pub fn open(url: &str, node: &str) -> Result<Self> {
        Self::create_or_open(url, node)
    }

    /// The catalog's URL, without any password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The node this connection reads and records indexing for.
    pub fn node(&self) -> &str {
        &self.node
    }

    fn fail(&self, f: Fail) -> CatalogError {
        into_catalog(&self.url, f)
    }

    /// The connection: the one held, or, outside a write group when there
    /// is none or it was lost, another from the pool (the lost one is
    /// dropped, not given back).
    fn db(&self) -> Result<RefMut<'_, Db>> {
        let mut slot = self.conn.borrow_mut();
        let lost = match slot.as_ref() {
            None => true,
            Some(c) => !self.in_group && c.is_closed(),
        };
        if lost {
            *slot = None;
            *slot = Some(self.pool.get()?);
        }
        Ok(RefMut::map(slot, |s| {
            &mut **s.as_mut().expect("connected above")
        }))
    }

    /// Run reads. Inside a write group they run in a savepoint, so a failed
    /// read does not abort the group.
    fn read<T>(&self, f: impl FnOnce(&mut Db) -> Res<T>) -> Result<T> {
        if self.in_group {
            return self.write(f);
        }
        let mut db = self.db()?;
        f(&mut db).map_err(|e| self.fail(e))
    }

    /// Run writes atomically: a transaction of their own, or a savepoint
    /// inside the open write group.
    fn write<T>(&self, f: impl FnOnce(&mut Db) -> Res<T>) -> Result<T> {
        let (begin, commit, rollback) = if self.in_group {
            (
                "SAVEPOINT arshif_write",
                "RELEASE SAVEPOINT arshif_write",
                "ROLLBACK TO SAVEPOINT arshif_write; RELEASE SAVEPOINT arshif_write",
            )
        } else {
            ("BEGIN", "COMMIT", "ROLLBACK")
        };
        let mut tx = Open {
            db: self.db()?,
            rollback: None,
        };
        tx.db.batch(begin).map_err(|e| self.fail(e.into()))?;
        tx.rollback = Some(rollback);
        let v = f(&mut tx.db).map_err(|e| self.fail(e))?;
        tx.rollback = None;
        tx.db.batch(commit).map_err(|e| self.fail(e.into()))?;
        Ok(v)
    }
}

/// A node needs a name.
fn check_node(url: &str, node: &str) -> Result<()> {
    if node.trim().is_empty() {
        return Err(CatalogError::BadValue {
            path: url.to_string(),
            what: "node name",
            detail: "empty".into(),
        });
    }
    Ok(())
}

/// A transaction (or savepoint) in progress: rolled back when dropped
/// before it is committed, by an error or a panic (in `complete`'s
/// `extract`, say), so none of its writes is committed by a later one.
struct Open<'a> {
    db: RefMut<'a, Db>,
    rollback: Option<&'static str>,
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if let Some(sql) = self.rollback.take() {
            let _ = self.db.batch(sql);
        }
    }
}

impl Catalog for PgCatalog {
    fn begin_group(&mut self) -> Result<()> {
        if !self.in_group {
            self.db()?
                .batch("BEGIN")
                .map_err(|e| into_catalog(&self.url, e.into()))?;
            self.in_group = true;
        }
        Ok(())
    }

    fn end_group(&mut self) -> Result<()> {
        if self.in_group {
            self.in_group = false;
            let url = &self.url;
            let fail = |e: ::postgres::Error| into_catalog(url, e.into());
            // The group's own connection, lost or not: a new one has no
            // transaction to commit.
            let db = self
                .conn
                .get_mut()
                .as_mut()
                .expect("a write group holds its connection");
            // COMMIT of a transaction a failed statement aborted rolls it
            // back without an error; a statement run first fails instead.
            if let Err(e) = db.batch("SELECT 1") {
                let _ = db.batch("ROLLBACK");
                return Err(fail(e));
            }
            db.batch("COMMIT").map_err(fail)?;
        }
        Ok(())
    }

    fn begin_batch(&mut self, batch: &NewBatch) -> Result<BatchId> {
        self.write(|db| {
            let row = db.query_one(
                "INSERT INTO batches (started_at, status, branch, doc_type, inputs)
                 VALUES ($1, 'running', $2, $3, $4) RETURNING id",
                &[
                    &ms(&batch.started_at),
                    &opt(&batch.branch),
                    &opt(&batch.doc_type),
                    &json(&batch.inputs),
                ],
            )?;
            Ok(BatchId(row.try_get(0)?))
        })
    }

    fn record_file(&mut self, file: &FileRecord<'_>) -> Result<()> {
        let (batch, path, pages) = (file.batch, file.path, i64::from(file.pages));
        let row = file.outcome.stored();
        let column = row.counter;
        self.write(|db| {
            let n = db.execute(
                "INSERT INTO batch_files (batch_id, path, status, document_id, error, pages, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (batch_id, path) DO NOTHING",
                &[
                    &batch.0,
                    &path,
                    &row.status,
                    &row.document,
                    &row.error,
                    &pages,
                    &ms(&Utc::now()),
                ],
            )?;
            if n > 0 {
                db.execute(
                    &format!(
                        "UPDATE batches SET files_seen = files_seen + 1, {column} = {column} + 1,
                         pages = pages + $2 WHERE id = $1"
                    ),
                    &[&batch.0, &pages],
                )?;
            }
            Ok(())
        })
    }

    fn finish_batch(&mut self, batch: BatchId, at: DateTime<Utc>) -> Result<()> {
        self.write(|db| {
            db.execute(
                "UPDATE batches SET status = 'finished', finished_at = $2 WHERE id = $1",
                &[&batch.0, &ms(&at)],
            )?;
            Ok(())
        })
    }

    fn batch(&self, id: BatchId) -> Result<Option<BatchRecord>> {
        self.read(|db| {
            db.query_opt(
                &format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1"),
                &[&id.0],
            )?
            .as_ref()
            .map(batch_from)
            .transpose()
        })
    }

    fn batches(&self) -> Result<Vec<BatchRecord>> {
        self.read(|db| {
            db.query(
                &format!("SELECT {BATCH_COLUMNS} FROM batches ORDER BY id"),
                &[],
            )?
            .iter()
            .map(batch_from)
            .collect()
        })
    }

    fn unfinished_batch(&self, batch: &NewBatch) -> Result<Option<BatchId>> {
        self.read(|db| {
            db.query_opt(
                "SELECT id FROM batches WHERE status = 'running' AND branch = $1
                   AND doc_type = $2 AND inputs = $3 ORDER BY id DESC LIMIT 1",
                &[
                    &opt(&batch.branch),
                    &opt(&batch.doc_type),
                    &json(&batch.inputs),
                ],
            )?
            .map(|r| Ok(BatchId(r.try_get(0)?)))
            .transpose()
        })
    }

    fn resume_batch(&mut self, batch: BatchId) -> Result<()> {
        self.write(|db| {
            db.execute(
                "UPDATE batches SET status = 'running', finished_at = NULL,
                 resumed = resumed + 1 WHERE id = $1",
                &[&batch.0],
            )?;
            Ok(())
        })
    }

    fn batch_files(&self, batch: BatchId) -> Result<Vec<BatchFile>> {
        self.read(|db| {
            db.query(
                &format!(
                    "SELECT {FILE_COLUMNS} FROM batch_files f
                     WHERE f.batch_id = $1 ORDER BY f.at, f.path"
                ),
                &[&batch.0],
            )?
            .iter()
            .map(file_from)
            .collect()
        })
    }

    fn failed_files(&self) -> Result<Vec<BatchFile>> {
        self.read(|db| {
            db.query(
                &format!(
                    "SELECT {FILE_COLUMNS} FROM batch_files f
                     WHERE f.status = 'failed' AND f.retried_in IS NULL
                       AND NOT EXISTS (SELECT 1 FROM batch_files g
                                       WHERE g.path = f.path AND g.status <> 'failed'
                                         AND g.batch_id > f.batch_id)
                     ORDER BY f.batch_id, f.at, f.path"
                ),
                &[],
            )?
            .iter()
            .map(file_from)
            .collect()
        })
    }

    fn mark_retried(&mut self, file: &BatchFile, by: BatchId) -> Result<()> {
        self.write(|db| {
            db.execute(
                "UPDATE batch_files SET retried_in = $3 WHERE batch_id = $1 AND path = $2",
                &[&file.batch.0, &file.path, &by.0],
            )?;
            Ok(())
        })
    }

    fn cache_page(&mut self, blob: &BlobId, settings: &str, page: &PageRecord) -> Result<()> {
        let number =
            i32::try_from(page.number).map_err(|_| self.fail(bad("page number", page.number)))?;
        self.write(|db| {
            db.execute(
                "INSERT INTO page_cache (sha256, settings, number, page)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (sha256, settings, number) DO UPDATE SET page = EXCLUDED.page",
                &[&blob.to_hex(), &settings, &number, &json(page)],
            )?;
            Ok(())
        })
    }

    fn cached_pages(&self, blob: &BlobId, settings: &str) -> Result<Vec<PageRecord>> {
        self.read(|db| {
            db.query(
                "SELECT page FROM page_cache WHERE sha256 = $1 AND settings = $2 ORDER BY number",
                &[&blob.to_hex(), &settings],
            )?
            .iter()
            .map(|r| serde_json::from_value(r.try_get(0)?).map_err(|e| bad("page_cache.page", e)))
            .collect()
        })
    }

    fn find_by_blob(&self, blob: &BlobId) -> Result<Option<DocId>> {
        self.read(|db| {
            db.query_opt(
                "SELECT id FROM documents WHERE sha256 = $1",
                &[&blob.to_hex()],
            )?
            .map(|r| Ok(DocId(r.try_get(0)?)))
            .transpose()
        })
    }

    fn insert_document(&mut self, doc: &NewDocument) -> Result<(DocId, bool)> {
        let page_count =
            i32::try_from(doc.pages.len()).map_err(|_| self.fail(bad("page count", "too many")))?;
        let size = stored_int("documents.size", doc.size).map_err(|b| b.at(&self.url))?;
        self.write(|db| {
            let hex = doc.blob.to_hex();
            // A purge removing this blob (which takes the same lock) is done
            // first, or sees this document.
            lock_blob(db, &hex)?;
            if let Some(r) = db.query_opt(
                "SELECT id FROM documents WHERE sha256 = $1 AND deleted_at IS NOT NULL",
                &[&hex],
            )? {
                return Err(CatalogError::InTrash(DocId(r.try_get(0)?)).into());
            }
            // Another node recording the same blob at once: the insert
            // waits for it, then finds the row and only adds the source.
            let inserted = db.query_opt(
                "INSERT INTO documents (sha256, size, media_type, title, branch, doc_type,
                                        page_count, created_at, extracted, extracted_version,
                                        review)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending')
                 ON CONFLICT (sha256) DO NOTHING RETURNING id",
                &[
                    &hex,
                    &size,
                    &doc.media_type,
                    &doc.title,
                    &opt(&doc.source.branch),
                    &opt(&doc.source.doc_type),
                    &page_count,
                    &ms(&doc.source.imported_at),
                    &json(&doc.extracted),
                    &crate::metadata::EXTRACTOR_VERSION,
                ],
            )?;
            let Some(row) = inserted else {
                let row = db.query_one("SELECT id FROM documents WHERE sha256 = $1", &[&hex])?;
                let id = DocId(row.try_get(0)?);
                insert_source(db, id, &doc.source, true)?;
                return Ok((id, false));
            };
            let id = DocId(row.try_get(0)?);
            for p in &doc.pages {
                put_page(db, INSERT_PAGE, id, p)?;
            }
            // Pages left to OCR workers (`ingest --queue`) get their jobs
            // in the same transaction: a recorded pending page always has one.
            let pending: Vec<i32> = doc
                .pages
                .iter()
                .filter(|p| p.source == TextSource::Pending)
                .map(|p| p.number as i32)
                .collect();
            if !pending.is_empty() {
                db.execute(
                    "INSERT INTO page_jobs (doc_id, page)
                     SELECT $1::bigint, p FROM unnest($2::int[]) AS p
                     ON CONFLICT (doc_id, page) DO NOTHING",
                    &[&id.0, &pending],
                )?;
            }
            insert_source(db, id, &doc.source, false)?;
            db.execute("DELETE FROM page_cache WHERE sha256 = $1", &[&hex])?;
            Ok((id, true))
        })
    }

    fn add_source(&mut self, doc: DocId, source: &SourceRecord) -> Result<bool> {
        self.write(|db| insert_source(db, doc, source, true))
    }

    fn document(&self, id: DocId) -> Result<Option<DocumentRecord>> {
        self.read(|db| {
            let Some(r) = db.query_opt(
                &format!(
                    "SELECT {} FROM documents WHERE id = $1",
                    stored::document_columns("extracted::text")
                ),
                &[&id.0],
            )?
            else {
                return Ok(None);
            };
            let row = DocumentRow::read(&r)?;
            let mut doc = row.into_record(id, sources_of(db, id)?)?;
            doc.meta.versions = db
                .query(
                    &format!(
                        "SELECT {} FROM versions WHERE document_id = $1 ORDER BY number",
                        stored::VERSION_COLUMNS
                    ),
                    &[&id.0],
                )?
                .iter()
                .map(|r| Ok(stored::version_from(r)??))
                .collect::<Res<_>>()?;
            Ok(Some(doc))
        })
    }

    fn pages(&self, id: DocId) -> Result<Vec<PageRecord>> {
        self.read(|db| pages_of(db, id))
    }

    fn page_words(&self, id: DocId, pages: &[u32]) -> Result<Vec<(u32, Vec<Word>)>> {
        let numbers: Vec<i32> = pages
            .iter()
            .filter_map(|&n| i32::try_from(n).ok())
            .collect();
        let mut found: HashMap<u32, Vec<Word>> = self.read(|db| {
            db.query(
                "SELECT number, words::text FROM pages WHERE document_id = $1 AND number = ANY($2)",
                &[&id.0, &numbers],
            )?
            .iter()
            .map(|r| {
                Ok((
                    int("pages.number", r.try_get::<_, i32>(0)?.into())?,
                    words_from_json(r.try_get(1)?)?,
                ))
            })
            .collect()
        })?;
        // In the order asked for, as the SQLite catalog answers.
        let mut out = Vec::with_capacity(pages.len());
        for (i, &n) in pages.iter().enumerate() {
            let words = if pages[i + 1..].contains(&n) {
                found.get(&n).cloned()
            } else {
                found.remove(&n)
            };
            if let Some(w) = words {
                out.push((n, w));
            }
        }
        Ok(out)
    }

    fn resolve(&self, query: &str) -> Result<DocId> {
        let (id, prefix) = resolve_query(query);
        if let Some(n) = id {
            let found = self.read(|db| {
                db.query_opt("SELECT id FROM documents WHERE id = $1", &[&n])?
                    .map(|r| Ok(DocId(r.try_get(0)?)))
                    .transpose()
            })?;
            if let Some(id) = found {
                return Ok(id);
            }
        }
        let Some(hex) = prefix else {
            return Err(CatalogError::NoSuchDocument(query.to_string()));
        };
        // (sha256 has the byte-order "C" collation.)
        let ids = self.read(|db| {
            ids_from(db.query(
                "SELECT id FROM documents WHERE sha256 >= $1 AND sha256 < $2 LIMIT 2",
                &[&hex, &prefix_bound(&hex)],
            )?)
        })?;
        resolved(query, &ids)
    }

    fn document_ids(&self) -> Result<Vec<DocId>> {
        self.read(|db| ids_from(db.query("SELECT id FROM documents ORDER BY id", &[])?))
    }

    fn unindexed(&self) -> Result<Vec<DocId>> {
        self.read(|db| {
            ids_from(db.query(
                "SELECT d.id FROM documents d
                 LEFT JOIN node_index n ON n.node = $1 AND n.doc_id = d.id
                 WHERE n.revision IS DISTINCT FROM d.revision
                 ORDER BY d.id",
                &[&self.node],
            )?)
        })
    }

    fn mark_indexed(&mut self, ids: &[(DocId, i64)]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let docs: Vec<i64> = ids.iter().map(|(d, _)| d.0).collect();
        let revisions: Vec<i64> = ids.iter().map(|(_, r)| *r).collect();
        self.write(|db| {
            // Only at the revision indexed: a change made meanwhile leaves
            // the document to be indexed again.
            db.execute(
                "INSERT INTO node_index (node, doc_id, revision)
                 SELECT DISTINCT $1::text, d.id, d.revision
                 FROM unnest($2::bigint[], $3::bigint[]) AS m(id, revision)
                 JOIN documents d ON d.id = m.id AND d.revision = m.revision
                 ON CONFLICT (node, doc_id) DO UPDATE SET revision = EXCLUDED.revision",
                &[&self.node, &docs, &revisions],
            )?;
            Ok(())
        })
    }

    fn stale_extractions(&self, version: i64) -> Result<Vec<DocId>> {
        self.read(|db| {
            ids_from(db.query(
                "SELECT id FROM documents WHERE extracted_version <> $1 ORDER BY id",
                &[&version],
            )?)
        })
    }

    fn page_turn(&self, id: DocId, page: u32) -> Result<u16> {
        let number = i32::try_from(page).map_err(|_| self.fail(bad("page number", page)))?;
        let turned = self.read(|db| {
            Ok(db
                .query_opt(
                    "SELECT turned FROM pages WHERE document_id = $1 AND number = $2",
                    &[&id.0, &number],
                )?
                .map(|r| r.try_get::<_, i32>(0))
                .transpose()?)
        })?;
        let turned =
            turned.ok_or_else(|| CatalogError::NoSuchDocument(format!("{id} page {page}")))?;
        Ok(turned.rem_euclid(360) as u16)
    }

    fn turn_page(&mut self, id: DocId, p: &PageRecord, turned: u16) -> Result<()> {
        let number =
            i32::try_from(p.number).map_err(|_| self.fail(bad("page number", p.number)))?;
        let found = self.write(|db| {
            // The document locked: one change of its pages at a time.
            let there = db.query_opt(
                "SELECT 1 FROM pages WHERE document_id = $1 AND number = $2 FOR UPDATE",
                &[&id.0, &number],
            )?;
            if there.is_none() {
                return Ok(false);
            }
            put_page(db, UPSERT_PAGE, id, p)?;
            db.execute(
                "UPDATE pages SET turned = $3 WHERE document_id = $1 AND number = $2",
                &[&id.0, &number, &i32::from(turned)],
            )?;
            db.execute(
                "UPDATE documents SET revision = revision + 1 WHERE id = $1",
                &[&id.0],
            )?;
            Ok(true)
        })?;
        if !found {
            return Err(CatalogError::NoSuchDocument(format!(
                "{id} page {}",
                p.number
            )));
        }
        Ok(())
    }

    fn set_extracted(
        &mut self,
        id: DocId,
        extracted: &Extracted,
        title: &str,
        version: i64,
    ) -> Result<()> {
        self.write(|db| {
            db.execute(
                "UPDATE documents SET extracted = $2, extracted_version = $3, title = $4,
                        revision = revision + 1
                 WHERE id = $1",
                &[&id.0, &json(extracted), &version, &title],
            )?;
            Ok(())
        })
    }

    fn stored_doc_types(&self) -> Result<Vec<DocTypeRecord>> {
        self.read(|db| {
            let rows = db.query(
                "SELECT slug, ar, en, keywords FROM doc_types ORDER BY slug COLLATE \"C\"",
                &[],
            )?;
            rows.iter()
                .map(|r| {
                    let slug: String = r.try_get(0)?;
                    let kw: serde_json::Value = r.try_get(3)?;
                    let kw: Vec<String> =
                        serde_json::from_value(kw).map_err(|e| bad("doc_types.keywords", e))?;
                    Ok(super::doctypes::stored_type(
                        &slug,
                        r.try_get(1)?,
                        r.try_get(2)?,
                        kw,
                    )?)
                })
                .collect()
        })
    }

    fn insert_doc_type(&mut self, t: &DocTypeRecord, at: DateTime<Utc>) -> Result<bool> {
        self.write(|db| {
            let n = db.execute(
                "INSERT INTO doc_types (slug, ar, en, keywords, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (slug) DO NOTHING",
                &[&t.slug.as_str(), &t.ar, &t.en, &json(&t.keywords), &ms(&at)],
            )?;
            Ok(n == 1)
        })
    }

    fn put_doc_type(&mut self, t: &DocTypeRecord, at: DateTime<Utc>) -> Result<()> {
        self.write(|db| {
            db.execute(
                "INSERT INTO doc_types (slug, ar, en, keywords, created_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (slug) DO UPDATE
                 SET ar = EXCLUDED.ar, en = EXCLUDED.en, keywords = EXCLUDED.keywords",
                &[&t.slug.as_str(), &t.ar, &t.en, &json(&t.keywords), &ms(&at)],
            )?;
            Ok(())
        })
    }

    fn corrected_type_texts(&self, limit: usize) -> Result<Vec<(DocType, String)>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|db| {
            let rows = db.query(
                "SELECT d.corrected_type, COALESCE((SELECT p.text FROM pages p
                         WHERE p.document_id = d.id ORDER BY p.number LIMIT 1), '')
                 FROM documents d
                 WHERE d.corrected_type IS NOT NULL AND d.corrected_type <> ''
                 ORDER BY d.id DESC LIMIT $1",
                &[&limit],
            )?;
            rows.iter()
                .map(|r| {
                    let t: String = r.try_get(0)?;
                    Ok((super::doctypes::stored_slug(&t)?, r.try_get(1)?))
                })
                .collect()
        })
    }

    fn correct(&mut self, id: DocId, edit: &Amendment<'_>) -> Result<(Correction, Correction)> {
        let Amendment { change, by, at } = *edit;
        self.write(|db| {
            // Locked, so two staff correcting at once apply one after the other.
            let row = db
                .query_opt(
                    &format!(
                        "SELECT {CORRECTION_COLUMNS} FROM documents WHERE id = $1 FOR NO KEY UPDATE"
                    ),
                    &[&id.0],
                )?
                .ok_or_else(|| CatalogError::NoSuchDocument(id.to_string()))?;
            let old = CorrectionRow::read(&row, 0)?.into_correction()?;
            let new = stamp(&old, change, by, at);
            let (date, doc_type) = CorrectionRow::date_and_type(&new);
            db.execute(
                "UPDATE documents SET corrected_date = $2, corrected_type = $3,
                        corrected_title = $4, corrected_by = $5, corrected_at = $6,
                        corrected_refs = $7, revision = revision + 1
                 WHERE id = $1",
                &[
                    &id.0,
                    &date,
                    &doc_type,
                    &new.title,
                    &new.by,
                    &new.at,
                    &CorrectionRow::refs(&new),
                ],
            )?;
            Ok((old, new))
        })
    }

    fn move_to_branch(
        &mut self,
        id: DocId,
        branch: &crate::types::BranchSlug,
    ) -> Result<Vec<crate::types::BranchSlug>> {
        self.write(|db| {
            db.query_opt(
                "SELECT id FROM documents WHERE id = $1 FOR NO KEY UPDATE",
                &[&id.0],
            )?
            .ok_or_else(|| CatalogError::NoSuchDocument(id.to_string()))?;
            let before = db
                .query(
                    "SELECT DISTINCT branch FROM sources WHERE document_id = $1",
                    &[&id.0],
                )?
                .iter()
                .map(|r| r.get::<_, String>(0))
                .collect::<Vec<_>>();
            for sql in stored::move_statements("$") {
                db.execute(&sql, &[&id.0, &branch.as_str()])?;
            }
            Ok(stored::branch_list(before)?)
        })
    }

    fn set_review(&mut self, id: DocId, state: ReviewState, edit: &Signed<'_>) -> Result<Review> {
        let at = ms(&edit.at);
        self.write(|db| {
            let row = db
                .query_opt(
                    "SELECT review, reviewed_by, reviewed_at FROM documents
                     WHERE id = $1 FOR NO KEY UPDATE",
                    &[&id.0],
                )?
                .ok_or_else(|| CatalogError::NoSuchDocument(id.to_string()))?;
            let old = stored::ReviewRow::read(&row, 0)?.into_review()?;
            db.execute(
                "UPDATE documents SET review = $2, reviewed_by = $3, reviewed_at = $4,
                        revision = revision + 1
                 WHERE id = $1",
                &[&id.0, &state.as_str(), &edit.by, &at],
            )?;
            Ok(old)
        })
    }

    fn guess_types_again(&mut self) -> Result<u64> {
        self.write(|db| Ok(db.execute(stored::GUESS_TYPES_AGAIN, &[])?))
    }

    fn mark_all_unindexed(&mut self) -> Result<()> {
        self.write(|db| {
            db.execute("DELETE FROM node_index WHERE node = $1", &[&self.node])?;
            Ok(())
        })
    }

    fn stats(&self) -> Result<CatalogStats> {
        self.read(|db| {
            let r = db.query_one(
                "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM pages),
                        (SELECT count(*) FROM sources), (SELECT count(*) FROM batches)",
                &[],
            )?;
            Ok(stored::stats(stored::stats_from(&r)?)?)
        })
    }

    fn check_rows(&self) -> Result<Vec<CheckRow>> {
        self.read(|db| {
            db.query(
                "SELECT d.id, d.sha256, d.size,
                        EXISTS (SELECT 1 FROM node_index n
                                WHERE n.node = $1 AND n.doc_id = d.id
                                  AND n.revision = d.revision),
                        d.verified_at,
                        (SELECT path FROM sources s WHERE s.document_id = d.id
                         ORDER BY s.id LIMIT 1),
                        d.deleted_at IS NOT NULL
                 FROM documents d ORDER BY d.id",
                &[&self.node],
            )?
            .iter()
            .map(|r| Ok(stored::CheckRowRaw::read(r)?.into_record()?))
            .collect()
        })
    }

    fn source_origins(&self) -> Result<Vec<OriginRow>> {
        self.read(|db| {
            db.query(stored::ORIGINS_QUERY, &[])?
                .iter()
                .map(|r| Ok(stored::origin_record(stored::origin_row(r)?)?))
                .collect()
        })
    }

    fn text_pages(&self) -> Result<Vec<(DocId, u32)>> {
        self.read(|db| {
            db.query(
                "SELECT document_id, number FROM pages
                 WHERE btrim(text, E' \\t\\n\\r') <> ''
                 ORDER BY document_id, number",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok((
                    DocId(r.try_get(0)?),
                    int("pages.number", r.try_get::<_, i32>(1)?.into())?,
                ))
            })
            .collect()
        })
    }

    fn mark_verified(&mut self, id: DocId, at: DateTime<Utc>) -> Result<()> {
        self.write(|db| {
            db.execute(
                "UPDATE documents SET verified_at = $1 WHERE id = $2",
                &[&ms(&at), &id.0],
            )?;
            Ok(())
        })
    }

    /// PostgreSQL keeps its own storage sound (it has no `quick_check`):
    /// this checks that the server answers and the catalog's schema is the
    /// one this build writes; `thorough` also that the change trigger is in
    /// place.
    fn integrity(&self, thorough: bool) -> Result<Vec<String>> {
        self.read(|db| {
            let mut problems = Vec::new();
            db.query_one("SELECT 1", &[])?;
            let version: Option<String> = db
                .query_opt(
                    "SELECT value FROM arshif_meta WHERE key = 'schema_version'",
                    &[],
                )?
                .map(|r| r.try_get(0))
                .transpose()?;
            if version.as_deref() != Some(PG_SCHEMA_VERSION.to_string().as_str()) {
                problems.push(format!(
                    "schema version is {}, this arshif writes {PG_SCHEMA_VERSION}",
                    version.as_deref().unwrap_or("missing")
                ));
            }
            if thorough {
                let row = db.query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_trigger
                                    WHERE tgrelid = 'documents'::regclass
                                      AND tgname = 'documents_changed' AND tgenabled <> 'D')",
                    &[],
                )?;
                if !row.try_get::<_, bool>(0)? {
                    problems.push(
                        "the documents_changed trigger is missing or disabled: nodes are not told of changes"
                            .to_string(),
                    );
                }
            }
            Ok(problems)
        })
    }
}

/// Whether a document is in the trash and whether it is held, its row
/// locked for the rest of the transaction; no such document is
/// [`CatalogError::NoSuchDocument`].
fn lifecycle_state(db: &mut Db, id: DocId) -> Res<(bool, bool)> {
    let row = db
        .query_opt(
            "SELECT deleted_at IS NOT NULL, held_at IS NOT NULL FROM documents
             WHERE id = $1 FOR NO KEY UPDATE",
            &[&id.0],
        )?
        .ok_or_else(|| CatalogError::NoSuchDocument(id.to_string()))?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// Lock a blob (by its sha256) until the transaction ends: recording a
/// document of it and removing it from the store take turns.
fn lock_blob(db: &mut Db, hex: &str) -> Res<()> {
    db.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        &[&hex],
    )?;
    Ok(())
}

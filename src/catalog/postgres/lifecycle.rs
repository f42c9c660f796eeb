//! The records lifecycle on the PostgreSQL catalog ([`Lifecycle`]): the trash,
//! legal holds, purges and tombstones, earlier originals and retention rules.

use super::*;
use crate::catalog::Lifecycle;

impl Lifecycle for PgCatalog {
    fn trash(&mut self, id: DocId, stamp: &Stamp) -> Result<()> {
        let at = ms(&stamp.at);
        self.write(|db| {
            let (trashed, held) = lifecycle_state(db, id)?;
            lifecycle_allows(id, LifecycleStep::Trash, trashed, held)?;
            db.execute(
                "UPDATE documents SET deleted_at = $2, deleted_by = $3, deleted_reason = $4,
                        revision = revision + 1
                 WHERE id = $1",
                &[&id.0, &at, &stamp.by, &stamp.reason],
            )?;
            Ok(())
        })
    }

    fn restore(&mut self, id: DocId) -> Result<Stamp> {
        self.write(|db| {
            let (trashed, held) = lifecycle_state(db, id)?;
            lifecycle_allows(id, LifecycleStep::Restore, trashed, held)?;
            let row = db.query_one(
                "SELECT deleted_at, deleted_by, deleted_reason FROM documents WHERE id = $1",
                &[&id.0],
            )?;
            let was = stored::StampRow::read(&row, 0)?
                .into_stamp()
                .ok_or(CatalogError::NotInTrash(id))?;
            db.execute(
                "UPDATE documents SET deleted_at = NULL, deleted_by = NULL, deleted_reason = NULL,
                        revision = revision + 1
                 WHERE id = $1",
                &[&id.0],
            )?;
            Ok(was)
        })
    }

    fn trashed(&self) -> Result<Vec<DocId>> {
        self.read(|db| {
            ids_from(db.query(
                "SELECT id FROM documents WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id",
                &[],
            )?)
        })
    }

    fn set_hold(&mut self, id: DocId, hold: Option<&Stamp>) -> Result<Option<Stamp>> {
        let step = match hold {
            Some(_) => LifecycleStep::Hold,
            None => LifecycleStep::Release,
        };
        self.write(|db| {
            let (trashed, held) = lifecycle_state(db, id)?;
            lifecycle_allows(id, step, trashed, held)?;
            let row = db.query_one(
                "SELECT held_at, held_by, hold_reason FROM documents WHERE id = $1",
                &[&id.0],
            )?;
            let was = stored::StampRow::read(&row, 0)?.into_stamp();
            db.execute(
                "UPDATE documents SET held_at = $2, held_by = $3, hold_reason = $4 WHERE id = $1",
                &[
                    &id.0,
                    &hold.map(|h| ms(&h.at)),
                    &hold.map(|h| h.by.as_str()),
                    &hold.map(|h| h.reason.as_str()),
                ],
            )?;
            Ok(was)
        })
    }

    fn held(&self) -> Result<Vec<DocId>> {
        self.read(|db| {
            ids_from(db.query(
                "SELECT id FROM documents WHERE held_at IS NOT NULL ORDER BY held_at, id",
                &[],
            )?)
        })
    }

    fn purge(&mut self, id: DocId, by: &str, at: DateTime<Utc>) -> Result<Tombstone> {
        let doc = self
            .document(id)?
            .ok_or_else(|| CatalogError::NoSuchDocument(id.to_string()))?;
        let blobs = stored::purged_blobs(&doc, &self.versions(id)?);
        self.write(|db| {
            let (trashed, held) = lifecycle_state(db, id)?;
            lifecycle_allows(id, LifecycleStep::Purge, trashed, held)?;
            let stone = stored::tombstone(&doc, blobs.clone(), by, at)?;
            let blob_list: serde_json::Value =
                serde_json::from_str(&stored::blobs_json(&stone.blobs)).expect("JSON");
            db.execute(
                &format!(
                    "INSERT INTO tombstones ({})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, false)",
                    stored::tombstone_columns("blobs")
                ),
                &[
                    &id.0,
                    &stone.sha256.to_hex(),
                    &stone.title,
                    &stored::opt(&stone.branch),
                    &ms(&stone.deleted.at),
                    &stone.deleted.by,
                    &stone.deleted.reason,
                    &stone.purged_at,
                    &stone.purged_by,
                    &blob_list,
                ],
            )?;
            for sql in [
                "UPDATE batch_files SET document_id = NULL WHERE document_id = $1",
                "DELETE FROM page_jobs WHERE doc_id = $1",
                "DELETE FROM node_index WHERE doc_id = $1",
                "DELETE FROM pages WHERE document_id = $1",
                "DELETE FROM sources WHERE document_id = $1",
                "DELETE FROM versions WHERE document_id = $1",
                "DELETE FROM documents WHERE id = $1",
            ] {
                db.execute(sql, &[&id.0])?;
            }
            db.execute(
                "DELETE FROM page_cache WHERE sha256 = $1",
                &[&doc.blob.to_hex()],
            )?;
            // Every node hears of it (as of a change), and drops it from its index.
            db.execute(
                "SELECT pg_notify($1, current_schema() || ':' || $2::text)",
                &[&CHANNEL, &id.0.to_string()],
            )?;
            Ok(stone)
        })
    }

    fn remove_blob(
        &mut self,
        blob: &BlobId,
        remove: &mut dyn FnMut(&BlobId) -> std::result::Result<(), String>,
    ) -> Result<bool> {
        let hex = blob.to_hex();
        self.write(|db| {
            // The blob's lock: an import recording it (insert_document takes
            // the same lock) waits until it is gone, or was seen here.
            lock_blob(db, &hex)?;
            let referred: bool = db
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM documents WHERE sha256 = $1)
                         OR EXISTS (SELECT 1 FROM versions WHERE sha256 = $1)
                         OR EXISTS (SELECT 1 FROM sources WHERE origin = $1)",
                    &[&hex],
                )?
                .try_get(0)?;
            if referred {
                return Ok(false);
            }
            remove(blob).map_err(|detail| bad("blob removal", detail))?;
            Ok(true)
        })
    }

    fn mark_blobs_removed(&mut self, id: DocId) -> Result<()> {
        self.write(|db| {
            db.execute(
                "UPDATE tombstones SET blobs_removed = true WHERE doc_id = $1",
                &[&id.0],
            )?;
            Ok(())
        })
    }

    fn tombstones(&self) -> Result<Vec<Tombstone>> {
        self.read(|db| {
            db.query(
                &format!(
                    "SELECT {} FROM tombstones ORDER BY purged_at, doc_id",
                    stored::tombstone_columns("blobs::text")
                ),
                &[],
            )?
            .iter()
            .map(|r| Ok(stored::TombstoneRow::read(r)?.into_tombstone()?))
            .collect()
        })
    }

    fn purged_in_index(&self) -> Result<Vec<DocId>> {
        self.read(|db| {
            ids_from(db.query(
                "SELECT t.doc_id FROM tombstones t
                 WHERE NOT EXISTS (SELECT 1 FROM node_purged n
                                   WHERE n.node = $1 AND n.doc_id = t.doc_id)
                 ORDER BY t.doc_id",
                &[&self.node],
            )?)
        })
    }

    fn mark_purged_from_index(&mut self, ids: &[DocId]) -> Result<()> {
        let ids: Vec<i64> = ids.iter().map(|d| d.0).collect();
        self.write(|db| {
            db.execute(
                "INSERT INTO node_purged (node, doc_id)
                 SELECT $1::text, d FROM unnest($2::bigint[]) AS d
                 ON CONFLICT DO NOTHING",
                &[&self.node, &ids],
            )?;
            Ok(())
        })
    }

    fn replace_original(&mut self, id: DocId, scan: &Rescan<'_>) -> Result<Version> {
        let size = stored_int("documents.size", scan.size).map_err(|b| b.at(&self.url))?;
        let page_count = i32::try_from(scan.pages.len())
            .map_err(|_| self.fail(bad("page count", "too many")))?;
        let at = ms(&scan.at);
        let hex = scan.blob.to_hex();
        self.write(|db| {
            lock_blob(db, &hex)?;
            let (trashed, _) = lifecycle_state(db, id)?;
            if trashed {
                return Err(CatalogError::InTrash(id).into());
            }
            if let Some(r) = db.query_opt("SELECT id FROM documents WHERE sha256 = $1", &[&hex])? {
                return Err(CatalogError::BlobTaken(DocId(r.try_get(0)?)).into());
            }
            let old = db.query_one(
                "SELECT sha256, size, media_type, page_count FROM documents WHERE id = $1",
                &[&id.0],
            )?;
            let (old_sha, old_size, old_media, old_pages): (String, i64, String, i32) =
                (old.try_get(0)?, old.try_get(1)?, old.try_get(2)?, old.try_get(3)?);
            let number: i32 = db
                .query_one(
                    "SELECT coalesce(max(number), 0) + 1 FROM versions WHERE document_id = $1",
                    &[&id.0],
                )?
                .try_get(0)?;
            db.execute(
                &format!(
                    "INSERT INTO versions (document_id, {}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    stored::VERSION_COLUMNS
                ),
                &[&id.0, &number, &old_sha, &old_size, &old_media, &old_pages, &at, &scan.by],
            )?;
            db.execute(
                "UPDATE documents SET sha256 = $2, size = $3, media_type = $4, page_count = $5,
                        extracted = $6, extracted_version = $7, title = $8, verified_at = NULL,
                        revision = revision + 1
                 WHERE id = $1",
                &[
                    &id.0,
                    &hex,
                    &size,
                    &scan.media_type,
                    &page_count,
                    &json(scan.extracted),
                    &crate::metadata::EXTRACTOR_VERSION,
                    &scan.title,
                ],
            )?;
            db.execute("DELETE FROM page_jobs WHERE doc_id = $1", &[&id.0])?;
            db.execute("DELETE FROM pages WHERE document_id = $1", &[&id.0])?;
            for p in scan.pages {
                put_page(db, INSERT_PAGE, id, p)?;
            }
            Ok(Version {
                number: int("versions.number", number.into())?,
                sha256: blob(&old_sha)?,
                size: int("versions.size", old_size)?,
                media_type: old_media,
                page_count: int("versions.page_count", old_pages.into())?,
                replaced_at: at,
                replaced_by: scan.by.to_string(),
            })
        })
    }

    fn versions(&self, id: DocId) -> Result<Vec<Version>> {
        Ok(self
            .document(id)?
            .map(|d| d.meta.versions)
            .unwrap_or_default())
    }

    fn retention_rules(&self) -> Result<Vec<RetentionRule>> {
        self.read(|db| {
            db.query(
                &format!(
                    "SELECT {} FROM retention ORDER BY doc_type",
                    stored::RETENTION_COLUMNS
                ),
                &[],
            )?
            .iter()
            .map(|r| Ok(stored::retention_from(r)??))
            .collect()
        })
    }

    fn add_version(&mut self, id: DocId, v: &Version) -> Result<()> {
        let size = stored_int("versions.size", v.size).map_err(|b| b.at(&self.url))?;
        let number =
            i32::try_from(v.number).map_err(|_| self.fail(bad("version number", v.number)))?;
        let pages = i32::try_from(v.page_count)
            .map_err(|_| self.fail(bad("version page count", v.page_count)))?;
        let (hex, at) = (v.sha256.to_hex(), ms(&v.replaced_at));
        self.write(|db| {
            db.execute(
                &format!(
                    "INSERT INTO versions (document_id, {}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT DO NOTHING",
                    stored::VERSION_COLUMNS
                ),
                &[
                    &id.0,
                    &number,
                    &hex,
                    &size,
                    &v.media_type,
                    &pages,
                    &at,
                    &v.replaced_by,
                ],
            )?;
            Ok(())
        })
    }

    fn set_retention(&mut self, rule: &RetentionRule) -> Result<()> {
        let years =
            i32::try_from(rule.years).map_err(|_| self.fail(bad("retention years", rule.years)))?;
        self.write(|db| {
            db.execute(
                &format!(
                    "INSERT INTO retention ({}) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (doc_type) DO UPDATE SET years = EXCLUDED.years,
                         counted_from = EXCLUDED.counted_from, set_by = EXCLUDED.set_by,
                         set_at = EXCLUDED.set_at",
                    stored::RETENTION_COLUMNS
                ),
                &[
                    &rule.doc_type.as_str(),
                    &years,
                    &rule.from.as_str(),
                    &rule.set_by,
                    &ms(&rule.set_at),
                ],
            )?;
            Ok(())
        })
    }
}

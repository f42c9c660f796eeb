//! The records lifecycle on the SQLite catalog ([`Lifecycle`]): the trash,
//! legal holds, purges and tombstones, earlier originals and retention rules.

use super::*;

impl Lifecycle for SqliteCatalog {
    fn trash(&mut self, id: DocId, stamp: &Stamp) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.savepoint().map_err(db_err(&path))?;
        let (trashed, held) = lifecycle_state(&tx, &path, id)?;
        lifecycle_allows(id, LifecycleStep::Trash, trashed, held)?;
        tx.execute(
            "UPDATE documents SET deleted_at = ?2, deleted_by = ?3, deleted_reason = ?4,
                    revision = revision + 1, indexed = 0
             WHERE id = ?1",
            params![id.0, ts(&stamp.at), stamp.by, stamp.reason],
        )
        .map_err(db_err(&path))?;
        tx.commit().map_err(db_err(&path))
    }

    fn restore(&mut self, id: DocId) -> Result<Stamp> {
        let path = self.path.clone();
        let tx = self.conn.savepoint().map_err(db_err(&path))?;
        let (trashed, held) = lifecycle_state(&tx, &path, id)?;
        lifecycle_allows(id, LifecycleStep::Restore, trashed, held)?;
        let was = tx
            .query_row(
                "SELECT deleted_at, deleted_by, deleted_reason FROM documents WHERE id = ?1",
                [id.0],
                |r| stored::StampRow::read(r, 0),
            )
            .map_err(db_err(&path))?
            .into_stamp()
            .ok_or(CatalogError::NotInTrash(id))?;
        tx.execute(
            "UPDATE documents SET deleted_at = NULL, deleted_by = NULL, deleted_reason = NULL,
                    revision = revision + 1, indexed = 0
             WHERE id = ?1",
            [id.0],
        )
        .map_err(db_err(&path))?;
        tx.commit().map_err(db_err(&path))?;
        Ok(was)
    }

    fn trashed(&self) -> Result<Vec<DocId>> {
        self.query_rows(
            "SELECT id FROM documents WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id",
            None,
            |r| r.get(0).map(DocId),
        )
    }

    fn set_hold(&mut self, id: DocId, hold: Option<&Stamp>) -> Result<Option<Stamp>> {
        let path = self.path.clone();
        let tx = self.conn.savepoint().map_err(db_err(&path))?;
        let (trashed, held) = lifecycle_state(&tx, &path, id)?;
        let step = match hold {
            Some(_) => LifecycleStep::Hold,
            None => LifecycleStep::Release,
        };
        lifecycle_allows(id, step, trashed, held)?;
        let was = tx
            .query_row(
                "SELECT held_at, held_by, hold_reason FROM documents WHERE id = ?1",
                [id.0],
                |r| stored::StampRow::read(r, 0),
            )
            .map_err(db_err(&path))?
            .into_stamp();
        tx.execute(
            "UPDATE documents SET held_at = ?2, held_by = ?3, hold_reason = ?4 WHERE id = ?1",
            params![
                id.0,
                hold.map(|h| ts(&h.at)),
                hold.map(|h| h.by.as_str()),
                hold.map(|h| h.reason.as_str())
            ],
        )
        .map_err(db_err(&path))?;
        tx.commit().map_err(db_err(&path))?;
        Ok(was)
    }

    fn held(&self) -> Result<Vec<DocId>> {
        self.query_rows(
            "SELECT id FROM documents WHERE held_at IS NOT NULL ORDER BY held_at, id",
            None,
            |r| r.get(0).map(DocId),
        )
    }

    fn purge(&mut self, id: DocId, by: &str, at: DateTime<Utc>) -> Result<Tombstone> {
        let doc = self
            .document(id)?
            .ok_or_else(|| CatalogError::NoSuchDocument(id.to_string()))?;
        let blobs = stored::purged_blobs(&doc, &self.versions(id)?);
        let path = self.path.clone();
        let tx = self.conn.savepoint().map_err(db_err(&path))?;
        let (trashed, held) = lifecycle_state(&tx, &path, id)?;
        lifecycle_allows(id, LifecycleStep::Purge, trashed, held)?;
        let stone = stored::tombstone(&doc, blobs, by, at)?;
        tx.execute(
            &format!(
                "INSERT INTO tombstones ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)",
                stored::tombstone_columns("blobs")
            ),
            params![
                id.0,
                stone.sha256.to_hex(),
                stone.title,
                opt(&stone.branch),
                ts(&stone.deleted.at),
                stone.deleted.by,
                stone.deleted.reason,
                ts(&stone.purged_at),
                stone.purged_by,
                stored::blobs_json(&stone.blobs),
            ],
        )
        .map_err(db_err(&path))?;
        tx.execute_batch(&format!(
            "UPDATE batch_files SET document_id = NULL WHERE document_id = {id};
             DELETE FROM pages WHERE document_id = {id};
             DELETE FROM sources WHERE document_id = {id};
             DELETE FROM versions WHERE document_id = {id};
             DELETE FROM page_cache WHERE sha256 = '{hex}';
             DELETE FROM documents WHERE id = {id};",
            id = id.0,
            hex = doc.blob.to_hex()
        ))
        .map_err(db_err(&path))?;
        tx.commit().map_err(db_err(&path))?;
        Ok(stone)
    }

    fn remove_blob(
        &mut self,
        blob: &BlobId,
        remove: &mut dyn FnMut(&BlobId) -> std::result::Result<(), String>,
    ) -> Result<bool> {
        let path = self.path.clone();
        let tx = self.conn.savepoint().map_err(db_err(&path))?;
        // Take the write lock first: an import recording this blob waits
        // until the blob is gone (and then stores it again), or recorded it
        // before, and is seen here.
        tx.execute(
            "UPDATE tombstones SET blobs_removed = blobs_removed WHERE 0",
            [],
        )
        .map_err(db_err(&path))?;
        let hex = blob.to_hex();
        let referred: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM documents WHERE sha256 = ?1)
                     OR EXISTS (SELECT 1 FROM versions WHERE sha256 = ?1)
                     OR EXISTS (SELECT 1 FROM sources WHERE origin = ?1)",
                [&hex],
                |r| r.get(0),
            )
            .map_err(db_err(&path))?;
        if referred {
            return Ok(false);
        }
        remove(blob).map_err(|detail| CatalogError::BadValue {
            path: path.clone(),
            what: "blob removal",
            detail,
        })?;
        tx.commit().map_err(db_err(&path))?;
        Ok(true)
    }

    fn mark_blobs_removed(&mut self, id: DocId) -> Result<()> {
        self.conn
            .execute(
                "UPDATE tombstones SET blobs_removed = 1 WHERE doc_id = ?1",
                [id.0],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn tombstones(&self) -> Result<Vec<Tombstone>> {
        let rows = self.query_rows(
            &format!(
                "SELECT {} FROM tombstones ORDER BY purged_at, doc_id",
                stored::tombstone_columns("blobs")
            ),
            None,
            |r| stored::TombstoneRow::read(r),
        )?;
        rows.into_iter()
            .map(|r| r.into_tombstone().map_err(self.bad()))
            .collect()
    }

    fn purged_in_index(&self) -> Result<Vec<DocId>> {
        self.query_rows(
            "SELECT doc_id FROM tombstones WHERE index_cleared = 0 ORDER BY doc_id",
            None,
            |r| r.get(0).map(DocId),
        )
    }

    fn mark_purged_from_index(&mut self, ids: &[DocId]) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("UPDATE tombstones SET index_cleared = 1 WHERE doc_id = ?1")
            .map_err(db_err(&self.path))?;
        for id in ids {
            stmt.execute([id.0]).map_err(db_err(&self.path))?;
        }
        Ok(())
    }

    fn replace_original(&mut self, id: DocId, scan: &Rescan<'_>) -> Result<Version> {
        let path = self.path.clone();
        let size = stored_int("documents.size", scan.size).map_err(self.bad())?;
        let page_count =
            stored_int("documents.page_count", scan.pages.len()).map_err(self.bad())?;
        let tx = self.conn.savepoint().map_err(db_err(&path))?;
        let (trashed, _) = lifecycle_state(&tx, &path, id)?;
        if trashed {
            return Err(CatalogError::InTrash(id));
        }
        let hex = scan.blob.to_hex();
        let taken: Option<i64> = tx
            .query_row("SELECT id FROM documents WHERE sha256 = ?1", [&hex], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err(&path))?;
        if let Some(other) = taken {
            return Err(CatalogError::BlobTaken(DocId(other)));
        }
        let (old_sha, old_size, old_media, old_pages): (String, i64, String, i64) = tx
            .query_row(
                "SELECT sha256, size, media_type, page_count FROM documents WHERE id = ?1",
                [id.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(db_err(&path))?;
        let number: i64 = tx
            .query_row(
                "SELECT coalesce(max(number), 0) + 1 FROM versions WHERE document_id = ?1",
                [id.0],
                |r| r.get(0),
            )
            .map_err(db_err(&path))?;
        tx.execute(
            &format!(
                "INSERT INTO versions (document_id, {}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                stored::VERSION_COLUMNS
            ),
            params![
                id.0,
                number,
                old_sha,
                old_size,
                old_media,
                old_pages,
                ts(&scan.at),
                scan.by
            ],
        )
        .map_err(db_err(&path))?;
        tx.execute(
            "UPDATE documents SET sha256 = ?2, size = ?3, media_type = ?4, page_count = ?5,
                    extracted = ?6, extracted_version = ?7, title = ?8, verified_at = NULL,
                    revision = revision + 1, indexed = 0
             WHERE id = ?1",
            params![
                id.0,
                hex,
                size,
                scan.media_type,
                page_count,
                serde_json::to_string(scan.extracted).expect("serialises"),
                crate::metadata::EXTRACTOR_VERSION,
                scan.title
            ],
        )
        .map_err(db_err(&path))?;
        tx.execute("DELETE FROM pages WHERE document_id = ?1", [id.0])
            .map_err(db_err(&path))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO pages (document_id, number, source, text, confidence, words,
                                        rotation, width, height, language, skew, numbers)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(db_err(&path))?;
            for p in scan.pages {
                let key = [Value::from(id.0), Value::from(p.number)];
                stmt.execute(params_from_iter(key.into_iter().chain(page_read(p))))
                    .map_err(db_err(&path))?;
            }
        }
        tx.commit().map_err(db_err(&path))?;
        Ok(Version {
            number: number as u32,
            sha256: stored::blob(&old_sha).map_err(self.bad())?,
            size: old_size as u64,
            media_type: old_media,
            page_count: old_pages as u32,
            replaced_at: stored::ms(&scan.at),
            replaced_by: scan.by.to_string(),
        })
    }

    fn versions(&self, id: DocId) -> Result<Vec<Version>> {
        let rows = self.query_rows(
            &format!(
                "SELECT {} FROM versions WHERE document_id = ?1 ORDER BY number",
                stored::VERSION_COLUMNS
            ),
            Some(id.0),
            |r| stored::version_from(r),
        )?;
        rows.into_iter().map(|r| r.map_err(self.bad())).collect()
    }

    fn add_version(&mut self, id: DocId, v: &Version) -> Result<()> {
        let size = stored_int("versions.size", v.size).map_err(self.bad())?;
        self.conn
            .execute(
                &format!(
                    "INSERT OR IGNORE INTO versions (document_id, {}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    stored::VERSION_COLUMNS
                ),
                params![
                    id.0,
                    v.number,
                    v.sha256.to_hex(),
                    size,
                    v.media_type,
                    v.page_count,
                    ts(&v.replaced_at),
                    v.replaced_by
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn retention_rules(&self) -> Result<Vec<RetentionRule>> {
        let rows = self.query_rows(
            &format!(
                "SELECT {} FROM retention ORDER BY doc_type",
                stored::RETENTION_COLUMNS
            ),
            None,
            |r| stored::retention_from(r),
        )?;
        rows.into_iter().map(|r| r.map_err(self.bad())).collect()
    }

    fn set_retention(&mut self, rule: &RetentionRule) -> Result<()> {
        self.conn
            .execute(
                &format!(
                    "INSERT OR REPLACE INTO retention ({}) VALUES (?1, ?2, ?3, ?4, ?5)",
                    stored::RETENTION_COLUMNS
                ),
                params![
                    rule.doc_type.as_str(),
                    rule.years,
                    rule.from.as_str(),
                    rule.set_by,
                    ts(&rule.set_at)
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }
}

//! `Box<dyn Catalog>` is a catalog: what `Archive::catalog` returns works
//! wherever a catalog is taken.

use chrono::{DateTime, Utc};

use super::*;
use crate::metadata::{Correction, CorrectionChange, Extracted};
use crate::types::{BatchId, BlobId, DocId, Word};

impl Catalog for Box<dyn Catalog> {
    fn begin_group(&mut self) -> Result<(), CatalogError> {
        (**self).begin_group()
    }
    fn end_group(&mut self) -> Result<(), CatalogError> {
        (**self).end_group()
    }
    fn begin_batch(&mut self, batch: &NewBatch) -> Result<BatchId, CatalogError> {
        (**self).begin_batch(batch)
    }
    fn record_file(
        &mut self,
        batch: BatchId,
        path: &str,
        outcome: &FileOutcome,
        pages: u32,
    ) -> Result<(), CatalogError> {
        (**self).record_file(batch, path, outcome, pages)
    }
    fn finish_batch(&mut self, batch: BatchId, at: DateTime<Utc>) -> Result<(), CatalogError> {
        (**self).finish_batch(batch, at)
    }
    fn batch(&self, id: BatchId) -> Result<Option<BatchRecord>, CatalogError> {
        (**self).batch(id)
    }
    fn batches(&self) -> Result<Vec<BatchRecord>, CatalogError> {
        (**self).batches()
    }
    fn unfinished_batch(&self, batch: &NewBatch) -> Result<Option<BatchId>, CatalogError> {
        (**self).unfinished_batch(batch)
    }
    fn resume_batch(&mut self, batch: BatchId) -> Result<(), CatalogError> {
        (**self).resume_batch(batch)
    }
    fn batch_files(&self, batch: BatchId) -> Result<Vec<BatchFile>, CatalogError> {
        (**self).batch_files(batch)
    }
    fn failed_files(&self) -> Result<Vec<BatchFile>, CatalogError> {
        (**self).failed_files()
    }
    fn mark_retried(&mut self, file: &BatchFile, by: BatchId) -> Result<(), CatalogError> {
        (**self).mark_retried(file, by)
    }
    fn cache_page(
        &mut self,
        blob: &BlobId,
        settings: &str,
        page: &PageRecord,
    ) -> Result<(), CatalogError> {
        (**self).cache_page(blob, settings, page)
    }
    fn cached_pages(&self, blob: &BlobId, settings: &str) -> Result<Vec<PageRecord>, CatalogError> {
        (**self).cached_pages(blob, settings)
    }
    fn find_by_blob(&self, blob: &BlobId) -> Result<Option<DocId>, CatalogError> {
        (**self).find_by_blob(blob)
    }
    fn insert_document(&mut self, doc: &NewDocument) -> Result<(DocId, bool), CatalogError> {
        (**self).insert_document(doc)
    }
    fn add_source(&mut self, doc: DocId, source: &SourceRecord) -> Result<bool, CatalogError> {
        (**self).add_source(doc, source)
    }
    fn document(&self, id: DocId) -> Result<Option<DocumentRecord>, CatalogError> {
        (**self).document(id)
    }
    fn pages(&self, id: DocId) -> Result<Vec<PageRecord>, CatalogError> {
        (**self).pages(id)
    }
    fn page_words(&self, id: DocId, pages: &[u32]) -> Result<Vec<(u32, Vec<Word>)>, CatalogError> {
        (**self).page_words(id, pages)
    }
    fn resolve(&self, query: &str) -> Result<DocId, CatalogError> {
        (**self).resolve(query)
    }
    fn document_ids(&self) -> Result<Vec<DocId>, CatalogError> {
        (**self).document_ids()
    }
    fn unindexed(&self) -> Result<Vec<DocId>, CatalogError> {
        (**self).unindexed()
    }
    fn mark_indexed(&mut self, ids: &[(DocId, i64)]) -> Result<(), CatalogError> {
        (**self).mark_indexed(ids)
    }
    fn stale_extractions(&self, version: i64) -> Result<Vec<DocId>, CatalogError> {
        (**self).stale_extractions(version)
    }
    fn set_extracted(
        &mut self,
        id: DocId,
        extracted: &Extracted,
        version: i64,
    ) -> Result<(), CatalogError> {
        (**self).set_extracted(id, extracted, version)
    }
    fn correct(
        &mut self,
        id: DocId,
        change: &CorrectionChange,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(Correction, Correction), CatalogError> {
        (**self).correct(id, change, by, at)
    }
    fn mark_all_unindexed(&mut self) -> Result<(), CatalogError> {
        (**self).mark_all_unindexed()
    }
    fn stats(&self) -> Result<CatalogStats, CatalogError> {
        (**self).stats()
    }
    fn check_rows(&self) -> Result<Vec<CheckRow>, CatalogError> {
        (**self).check_rows()
    }
    fn text_pages(&self) -> Result<Vec<(DocId, u32)>, CatalogError> {
        (**self).text_pages()
    }
    fn mark_verified(&mut self, id: DocId, at: DateTime<Utc>) -> Result<(), CatalogError> {
        (**self).mark_verified(id, at)
    }
    fn integrity(&self, thorough: bool) -> Result<Vec<String>, CatalogError> {
        (**self).integrity(thorough)
    }
}

//! The page job queue of the OCR workers, in the shared catalog.

use std::time::Duration;

use super::rows::{blob, int, json, pages_of, put_page, UPSERT_PAGE};
use super::{bad, PgCatalog, Res};
use crate::catalog::{JobQueue, PageJob, PageRecord, QueueCounts, ReadFacts, Result};
use crate::types::DocId;

impl JobQueue for PgCatalog {
    fn enqueue(&mut self, doc: DocId, pages: &[u32]) -> Result<()> {
        let numbers: Vec<i32> = pages
            .iter()
            .map(|&n| {
                i32::try_from(n)
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| self.fail(bad("page number", n)))
            })
            .collect::<Result<_, _>>()?;
        if numbers.is_empty() {
            return Ok(());
        }
        self.write(|db| {
            db.execute(
                "INSERT INTO page_jobs (doc_id, page)
                 SELECT DISTINCT $1::bigint, p FROM unnest($2::int[]) AS p
                 ON CONFLICT (doc_id, page) DO UPDATE SET
                    state = 'queued', attempts = 0, error = NULL,
                    lease_owner = NULL, lease_until = NULL
                 WHERE page_jobs.state = 'failed'",
                &[&doc.0, &numbers],
            )?;
            Ok(())
        })
    }

    fn claim(
        &mut self,
        worker: &str,
        lease: Duration,
        n: usize,
        max_attempts: i32,
    ) -> Result<Vec<PageJob>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let seconds = lease.as_secs_f64();
        self.write(|db| {
            let mut out: Vec<PageJob> = Vec::new();
            loop {
                let want = n - out.len();
                let rows = db.query(
                    "SELECT doc_id, page, attempts FROM page_jobs
                     WHERE state = 'queued' AND (lease_until IS NULL OR lease_until < now())
                     ORDER BY doc_id, page LIMIT $1
                     FOR UPDATE SKIP LOCKED",
                    &[&(want as i64)],
                )?;
                let got = rows.len();
                let (mut spent_docs, mut spent_pages) = (Vec::new(), Vec::new());
                let (mut docs, mut pages) = (Vec::new(), Vec::new());
                for r in &rows {
                    let (doc, page, attempts): (i64, i32, i32) =
                        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                    if attempts >= max_attempts {
                        spent_docs.push(doc);
                        spent_pages.push(page);
                    } else {
                        docs.push(doc);
                        pages.push(page);
                    }
                }
                // A lease that ran out is noted as the job's error.
                if !spent_docs.is_empty() {
                    db.execute(
                        "UPDATE page_jobs SET state = 'failed',
                            error = CASE WHEN lease_owner IS NOT NULL
                                         THEN 'the lease of ' || lease_owner || ' ran out'
                                         ELSE error END,
                            lease_owner = NULL, lease_until = NULL
                         WHERE (doc_id, page) IN
                               (SELECT * FROM unnest($1::bigint[], $2::int[]))",
                        &[&spent_docs, &spent_pages],
                    )?;
                }
                if !docs.is_empty() {
                    let claimed = db.query(
                        "UPDATE page_jobs j SET
                            error = CASE WHEN j.lease_owner IS NOT NULL
                                         THEN 'the lease of ' || j.lease_owner || ' ran out'
                                         ELSE j.error END,
                            lease_owner = $1,
                            lease_until = now() + make_interval(secs => $2),
                            attempts = j.attempts + 1
                         FROM documents d
                         WHERE d.id = j.doc_id AND (j.doc_id, j.page) IN
                               (SELECT * FROM unnest($3::bigint[], $4::int[]))
                         RETURNING j.doc_id, j.page, d.sha256, d.media_type, j.attempts",
                        &[&worker, &seconds, &docs, &pages],
                    )?;
                    for r in &claimed {
                        let sha: String = r.try_get(2)?;
                        out.push(PageJob {
                            doc: DocId(r.try_get(0)?),
                            page: int("page_jobs.page", r.try_get::<_, i32>(1)?.into())?,
                            blob: blob(&sha)?,
                            media_type: r.try_get(3)?,
                            attempts: r.try_get(4)?,
                        });
                    }
                }
                // More to look at only if all asked for were found and
                // some of them were given up instead of handed out.
                if out.len() >= n || got < want || spent_docs.is_empty() {
                    break;
                }
            }
            out.sort_by_key(|j| (j.doc, j.page));
            Ok(out)
        })
    }

    fn complete(
        &mut self,
        worker: &str,
        job: &PageJob,
        page: &PageRecord,
        extract: &ReadFacts<'_>,
        version: i64,
    ) -> Result<bool> {
        if page.number != job.page {
            return Err(self.fail(bad(
                "completed page",
                format!(
                    "page {} given for the job of page {}",
                    page.number, job.page
                ),
            )));
        }
        let number =
            i32::try_from(job.page).map_err(|_| self.fail(bad("page number", job.page)))?;
        self.write(|db| {
            // Still this worker's lease (its name and the attempt it was
            // handed out as)? A lease that ran out but that nobody took
            // over yet still counts: the page was read all the same.
            let held = db.query_opt(
                "SELECT 1 FROM page_jobs
                 WHERE doc_id = $1 AND page = $2 AND state = 'queued'
                   AND lease_owner = $3 AND attempts = $4
                 FOR UPDATE",
                &[&job.doc.0, &number, &worker, &job.attempts],
            )?;
            if held.is_none() {
                return Ok(false);
            }
            // One worker at a time re-reads a document's pages. (NO KEY
            // UPDATE: does not wait for, nor deadlock with, rows that only
            // refer to the document.)
            db.query_one(
                "SELECT id FROM documents WHERE id = $1 FOR NO KEY UPDATE",
                &[&job.doc.0],
            )?;
            put_page(db, UPSERT_PAGE, job.doc, page)?;
            db.execute(
                "UPDATE page_jobs SET state = 'done', lease_owner = NULL, lease_until = NULL,
                        error = NULL
                 WHERE doc_id = $1 AND page = $2",
                &[&job.doc.0, &number],
            )?;
            let pages = pages_of(db, job.doc)?;
            let path: String = db
                .query_opt(
                    "SELECT path FROM sources WHERE document_id = $1 ORDER BY id LIMIT 1",
                    &[&job.doc.0],
                )?
                .map(|r| r.try_get(0))
                .transpose()?
                .unwrap_or_default();
            let (extracted, title) = extract(&pages, &path);
            let count = i32::try_from(pages.len()).map_err(|_| bad("page count", pages.len()))?;
            db.execute(
                "UPDATE documents SET extracted = $2, extracted_version = $3, title = $5,
                        revision = revision + 1, page_count = GREATEST(page_count, $4)
                 WHERE id = $1",
                &[&job.doc.0, &json(&extracted), &version, &count, &title],
            )?;
            Ok(true)
        })
    }

    fn release(&mut self, worker: &str, job: &PageJob, error: &str) -> Result<()> {
        let number =
            i32::try_from(job.page).map_err(|_| self.fail(bad("page number", job.page)))?;
        self.write(|db| {
            db.execute(
                "UPDATE page_jobs SET lease_owner = NULL, lease_until = NULL, error = $5
                 WHERE doc_id = $1 AND page = $2 AND state = 'queued'
                   AND lease_owner = $3 AND attempts = $4",
                &[&job.doc.0, &number, &worker, &job.attempts, &error],
            )?;
            Ok(())
        })
    }

    fn queue_counts(&self) -> Result<QueueCounts> {
        self.read(|db| {
            let r = db.query_one(
                "SELECT count(*) FILTER (WHERE state = 'queued'
                                          AND (lease_until IS NULL OR lease_until < now())),
                        count(*) FILTER (WHERE state = 'queued' AND lease_until >= now()),
                        count(*) FILTER (WHERE state = 'done'),
                        count(*) FILTER (WHERE state = 'failed')
                 FROM page_jobs",
                &[],
            )?;
            let n = |i: usize| -> Res<u64> { Ok(int("count", r.try_get(i)?)?) };
            Ok(QueueCounts {
                queued: n(0)?,
                leased: n(1)?,
                done: n(2)?,
                failed: n(3)?,
            })
        })
    }
}

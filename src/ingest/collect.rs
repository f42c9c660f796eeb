//! The collector: the one thread that writes. It assembles each file's
//! pages as the reading slots send them, records documents in the catalog
//! (in write groups), indexes them, and settles the parts of batch scans.

use super::*;

pub(super) struct FileState {
    path: String,
    pages: BTreeMap<u32, PageRecord>,
    stored: Option<(BlobId, u64, Format, u32)>,
    /// A document cut from a batch scan: the scan's file number and where
    /// in it the document lies.
    part: Part,
}

type Part = Option<(usize, SourcePart)>;

/// How one part of a batch scan settled: its document, whether it is new
/// and its page count, or why it failed.
type PartOutcome = Result<(DocId, bool, u32), String>;

/// A batch scan being split: its parts' outcomes as they settle.
pub(super) struct SplitState {
    path: String,
    origin: BlobId,
    pages: u32,
    parts: usize,
    /// Where each settled part lies, and how it settled.
    settled: Vec<(SourcePart, PartOutcome)>,
}

/// Messages handled in one catalog write group, at most.
const GROUP_WRITES: usize = 256;

pub(super) struct Collector<'a> {
    pub(super) catalog: &'a mut dyn Catalog,
    pub(super) store: &'a dyn BlobStore,
    pub(super) indexer: &'a mut Indexer,
    pub(super) batch: BatchId,
    /// Reading settings key for the page cache.
    pub(super) settings: &'a str,
    pub(super) opts: &'a IngestOptions,
    /// The archive's types and what corrections taught, for the type guess
    /// and the title.
    pub(super) knowledge: &'a crate::metadata::TypeKnowledge,
    pub(super) progress: &'a dyn Progress,
    pub(super) files: HashMap<usize, FileState>,
    /// Files already settled: their document, or why they failed.
    pub(super) finished: HashMap<usize, Result<DocId, String>>,
    /// Files with the same bytes as a file still in progress.
    pub(super) waiting: HashMap<usize, Vec<(usize, String, Part)>>,
    /// Batch scans whose parts are being imported.
    pub(super) splits: HashMap<usize, SplitState>,
    pub(super) report: IngestReport,
}

impl Collector<'_> {
    /// Handle messages until every thread is done. Catalog writes are
    /// grouped: a group is committed whenever no message is waiting (so
    /// nothing sits uncommitted while OCR runs), after [`GROUP_WRITES`]
    /// messages, and before every index commit.
    pub(super) fn run(&mut self, msgs: Receiver<Msg>) -> Result<(), IngestError> {
        let result = self.run_grouped(msgs);
        let ended = self.catalog.end_group();
        result?;
        Ok(ended?)
    }

    fn run_grouped(&mut self, msgs: Receiver<Msg>) -> Result<(), IngestError> {
        let mut in_group = 0usize;
        loop {
            let msg = match msgs.try_recv() {
                Ok(m) => m,
                Err(crossbeam_channel::TryRecvError::Empty) => {
                    self.catalog.end_group()?;
                    in_group = 0;
                    match msgs.recv() {
                        Ok(m) => m,
                        Err(_) => return Ok(()),
                    }
                }
                Err(crossbeam_channel::TryRecvError::Disconnected) => return Ok(()),
            };
            // Idempotent: reopens the group if an index commit closed it.
            self.catalog.begin_group()?;
            in_group += 1;
            self.handle(msg)?;
            if in_group >= GROUP_WRITES {
                self.catalog.end_group()?;
                in_group = 0;
            }
        }
    }

    fn handle(&mut self, msg: Msg) -> Result<(), IngestError> {
        {
            match msg {
                Msg::Total(files) => self.progress.event(ProgressEvent::Total { files }),
                Msg::Seen { file, path, part } => {
                    if part.is_none() {
                        self.progress.event(ProgressEvent::FileSeen { path: &path });
                    }
                    self.files.insert(
                        file,
                        FileState {
                            path,
                            pages: BTreeMap::new(),
                            stored: None,
                            part,
                        },
                    );
                }
                Msg::Split {
                    file,
                    origin,
                    pages,
                    parts,
                } => {
                    let (path, _) = self.take(file);
                    self.splits.insert(
                        file,
                        SplitState {
                            path,
                            origin,
                            pages,
                            parts,
                            settled: Vec::new(),
                        },
                    );
                }
                Msg::Known { file, doc } => {
                    let (path, part) = self.take(file);
                    self.duplicate(file, &path, part, doc)?;
                }
                Msg::SameAsEarlier { file, earlier } => {
                    let (path, part) = self.take(file);
                    match self.finished.get(&earlier).cloned() {
                        Some(Ok(doc)) => self.duplicate(file, &path, part, doc)?,
                        Some(Err(e)) => self.fail(file, &path, part, e)?,
                        None => self
                            .waiting
                            .entry(earlier)
                            .or_default()
                            .push((file, path, part)),
                    }
                }
                Msg::Page { file, page, cache } => {
                    self.progress.event(ProgressEvent::PageRead);
                    match cache {
                        Some(blob) => self.catalog.cache_page(&blob, self.settings, &page)?,
                        None => {
                            if page.source == TextSource::Ocr {
                                self.report.cached_pages += 1;
                            }
                        }
                    }
                    if let Some(st) = self.files.get_mut(&file) {
                        st.pages.insert(page.number, *page);
                    }
                    self.maybe_complete(file)?;
                }
                Msg::Failed { file, error } => {
                    if self.files.contains_key(&file) {
                        let (path, part) = self.take(file);
                        self.fail(file, &path, part, error)?;
                    }
                }
                Msg::Stored {
                    file,
                    blob,
                    staged,
                    format,
                    pages,
                    tesseract,
                } => {
                    self.report.tesseract_seconds += tesseract.total();
                    self.report.tesseract_seconds_by_kind += tesseract;
                    let size = staged.size();
                    if let Err(e) = self.store.commit(*staged) {
                        if self.files.contains_key(&file) {
                            let (path, part) = self.take(file);
                            let error = format!("could not store the original: {e}");
                            self.fail(file, &path, part, error)?;
                        }
                        return Ok(());
                    }
                    if let Some(st) = self.files.get_mut(&file) {
                        st.stored = Some((blob, size, format, pages));
                    }
                    self.maybe_complete(file)?;
                }
            }
        }
        Ok(())
    }

    fn take(&mut self, file: usize) -> (String, Part) {
        self.files
            .remove(&file)
            .map(|s| (s.path, s.part))
            .unwrap_or_default()
    }

    fn source(&self, path: &str, part: Part) -> SourceRecord {
        SourceRecord {
            path: self.opts.source_naming.name(path),
            branch: self.opts.branch.clone(),
            doc_type: self.opts.doc_type.clone(),
            batch: self.batch,
            imported_at: Utc::now(),
            part: part.map(|(_, p)| p),
        }
    }

    /// One part of a batch scan has settled; when the last has, the scan is
    /// recorded as one file of the batch and reported with its documents.
    fn part_settled(
        &mut self,
        (scan, part): (usize, SourcePart),
        result: PartOutcome,
    ) -> Result<(), IngestError> {
        let Some(st) = self.splits.get_mut(&scan) else {
            return Ok(());
        };
        st.settled.push((part, result));
        if st.settled.len() < st.parts {
            return Ok(());
        }
        let mut st = self.splits.remove(&scan).expect("found above");
        st.settled.sort_by_key(|(p, _)| p.first_page);
        let mut parts = Vec::new();
        let mut errors = Vec::new();
        let mut new_pages = 0u32;
        for (p, r) in &st.settled {
            match r {
                Ok((doc, new, pages)) => {
                    if *new {
                        self.report.ingested += 1;
                        self.report.pages += u64::from(*pages);
                        new_pages += pages;
                    } else {
                        self.report.duplicates += 1;
                    }
                    parts.push(SplitPart {
                        document: *doc,
                        source_pages: [p.first_page, p.last_page],
                        new: *new,
                    });
                }
                Err(e) => errors.push(format!("pages {}-{}: {e}", p.first_page, p.last_page)),
            }
        }
        let outcome = if !errors.is_empty() {
            FileOutcome::Failed(errors.join("; "))
        } else if let Some(p) = parts.iter().find(|p| p.new) {
            FileOutcome::Ingested(p.document)
        } else {
            FileOutcome::Duplicate(parts[0].document)
        };
        self.catalog.record_file(&crate::catalog::FileRecord {
            batch: self.batch,
            path: &st.path,
            outcome: &outcome,
            pages: new_pages,
        })?;
        self.report.files_seen += 1;
        if let FileOutcome::Failed(error) = &outcome {
            self.report.failed += 1;
            self.report.errors.push(FileError {
                path: st.path.clone(),
                error: error.clone(),
            });
        }
        self.progress.event(ProgressEvent::FileFinished {
            path: &st.path,
            outcome: &outcome,
            pages: new_pages,
            tesseract: &self.report.tesseract_seconds_by_kind,
        });
        let first = parts.first().map(|p| p.document);
        self.report.split.push(SplitFile {
            path: st.path.clone(),
            origin: st.origin,
            pages: st.pages,
            documents: parts.len() as u32,
            parts,
        });
        let settled = match (first, outcome) {
            (_, FileOutcome::Failed(e)) => Err(e),
            (Some(doc), _) => Ok(doc),
            (None, _) => Err("no document".into()),
        };
        self.finished.insert(scan, settled.clone());
        for (f, p, part) in self.waiting.remove(&scan).unwrap_or_default() {
            match &settled {
                Ok(doc) => self.duplicate(f, &p, part, *doc)?,
                Err(e) => self.fail(f, &p, part, e.clone())?,
            }
        }
        Ok(())
    }

    fn maybe_complete(&mut self, file: usize) -> Result<(), IngestError> {
        let ready = matches!(
            self.files.get(&file),
            Some(FileState { stored: Some((_, _, _, n)), pages, .. }) if pages.len() as u32 == *n
        );
        if !ready {
            return Ok(());
        }
        let st = self.files.remove(&file).expect("checked above");
        let (blob, size, format, _) = st.stored.expect("checked above");
        let pages: Vec<PageRecord> = st.pages.into_values().collect();
        let texts: Vec<(u32, &str)> = pages.iter().map(|p| (p.number, p.text.as_str())).collect();
        let (extracted, title) = crate::metadata::read_document(&texts, &st.path, self.knowledge);
        let new = NewDocument {
            blob,
            size,
            media_type: format.media_type().to_string(),
            title,
            pages,
            source: self.source(&st.path, st.part),
            extracted,
        };
        let (doc, created) = match self.catalog.insert_document(&new) {
            Ok(v) => v,
            // Put in the trash since this import looked the bytes up.
            Err(crate::catalog::CatalogError::InTrash(d)) => {
                return self.fail(file, &st.path, st.part, super::in_trash(d));
            }
            Err(e) => return Err(e.into()),
        };
        if !self.store.contains(&blob).unwrap_or(true) {
            // A purge removed these same bytes after this import stored
            // them and before it recorded them (it found nothing referring
            // to them then): store them again from the file.
            let again = self
                .store
                .stage(std::path::Path::new(&st.path), Some(&blob))
                .and_then(|staged| self.store.commit(staged));
            if let Err(e) = again {
                tracing::error!(%blob, doc = doc.0, path = %st.path, error = %e,
                    "the original was removed by a purge while it was imported; import the file again");
            }
        }
        if let Some(part) = st.part {
            self.reindex(doc, Some(&new.pages))?;
            self.finished.insert(file, Ok(doc));
            for (f, p, q) in self.waiting.remove(&file).unwrap_or_default() {
                self.duplicate(f, &p, q, doc)?;
            }
            return self.part_settled(part, Ok((doc, created, new.pages.len() as u32)));
        }
        let outcome = if created {
            FileOutcome::Ingested(doc)
        } else {
            FileOutcome::Duplicate(doc)
        };
        self.catalog.record_file(&crate::catalog::FileRecord {
            batch: self.batch,
            path: &st.path,
            outcome: &outcome,
            pages: new.pages.len() as u32,
        })?;
        if created {
            self.report.ingested += 1;
            self.report.pages += new.pages.len() as u64;
        } else {
            self.report.duplicates += 1;
        }
        self.report.files_seen += 1;
        self.reindex(doc, Some(&new.pages))?;
        self.progress.event(ProgressEvent::FileFinished {
            path: &st.path,
            outcome: &outcome,
            pages: new.pages.len() as u32,
            tesseract: &self.report.tesseract_seconds_by_kind,
        });
        self.finished.insert(file, Ok(doc));
        for (f, p, part) in self.waiting.remove(&file).unwrap_or_default() {
            self.duplicate(f, &p, part, doc)?;
        }
        Ok(())
    }

    fn duplicate(
        &mut self,
        file: usize,
        path: &str,
        part: Part,
        doc: DocId,
    ) -> Result<(), IngestError> {
        let source = self.source(path, part);
        if let Err(e) = self.catalog.add_source(doc, &source) {
            // Purged meanwhile (a purge on another process or node): this
            // file fails alone, said plainly; the rest of the import goes on.
            if matches!(self.catalog.document(doc), Ok(None)) {
                return self.fail(
                    file,
                    path,
                    part,
                    format!(
                        "the same content was document {doc}, purged while this import ran; import the file again"
                    ),
                );
            }
            return Err(e.into());
        }
        if let Some(part) = part {
            self.reindex(doc, None)?;
            self.finished.insert(file, Ok(doc));
            return self.part_settled(part, Ok((doc, false, 0)));
        }
        let outcome = FileOutcome::Duplicate(doc);
        self.catalog.record_file(&crate::catalog::FileRecord {
            batch: self.batch,
            path,
            outcome: &outcome,
            pages: 0,
        })?;
        self.report.files_seen += 1;
        self.report.duplicates += 1;
        self.reindex(doc, None)?;
        self.progress.event(ProgressEvent::FileFinished {
            path,
            outcome: &outcome,
            pages: 0,
            tesseract: &self.report.tesseract_seconds_by_kind,
        });
        self.finished.insert(file, Ok(doc));
        Ok(())
    }

    fn fail(
        &mut self,
        file: usize,
        path: &str,
        part: Part,
        error: String,
    ) -> Result<(), IngestError> {
        if let Some(part) = part {
            for (f, p, q) in self.waiting.remove(&file).unwrap_or_default() {
                self.fail(
                    f,
                    &p,
                    q,
                    format!("same content as part of {path}, which failed: {error}"),
                )?;
            }
            self.finished.insert(file, Err(error.clone()));
            return self.part_settled(part, Err(error));
        }
        let outcome = FileOutcome::Failed(error.clone());
        self.catalog.record_file(&crate::catalog::FileRecord {
            batch: self.batch,
            path,
            outcome: &outcome,
            pages: 0,
        })?;
        self.report.files_seen += 1;
        self.report.failed += 1;
        self.report.errors.push(FileError {
            path: path.to_string(),
            error: error.clone(),
        });
        self.progress.event(ProgressEvent::FileFinished {
            path,
            outcome: &outcome,
            pages: 0,
            tesseract: &self.report.tesseract_seconds_by_kind,
        });
        for (f, p, part) in self.waiting.remove(&file).unwrap_or_default() {
            self.fail(
                f,
                &p,
                part,
                format!("same content as {path}, which failed: {error}"),
            )?;
        }
        self.finished.insert(file, Err(error));
        Ok(())
    }

    fn reindex(&mut self, doc: DocId, pages: Option<&[PageRecord]>) -> Result<(), IngestError> {
        let Some(record) = self.catalog.document(doc)? else {
            return Ok(());
        };
        let loaded;
        let pages = match pages {
            Some(p) => p,
            None => {
                loaded = self.catalog.pages(doc)?;
                &loaded
            }
        };
        self.indexer.upsert(&record, pages)?;
        if self.indexer.pending() >= self.opts.commit_every {
            // The catalog first: the index never holds what it lacks.
            self.catalog.end_group()?;
            let ids = self.indexer.commit()?;
            self.catalog.mark_indexed(&ids)?;
        }
        Ok(())
    }
}

//! The tantivy index: derived from the catalog, rebuilt from it at will.
//!
//! One tantivy document per archive document. Page texts are a multi-valued
//! field, one value per non-empty page, with the page numbers stored beside
//! them in the same order, so a hit can say which pages matched. The schema is
//! versioned; `index-schema/v1.json` is its checked-in form and a test keeps
//! the code and the file in step.

use std::path::{Path, PathBuf};

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analysis::{self, AnalysisConfig};
use crate::catalog::{Catalog, DocumentRecord, PageRecord};
use crate::types::DocId;

/// Bump when the schema or the analysis changes; an index of another version
/// is rebuilt from the catalog.
pub const SCHEMA_VERSION: u32 = 7;

const VERSION_FILE: &str = "arshif-index.json";

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("index {path}: {source}")]
    Tantivy {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("index {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The fields of the index schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub doc_id: Field,
    pub sha256: Field,
    pub title: Field,
    pub text: Field,
    pub text_stem: Field,
    pub text_rasm: Field,
    pub page: Field,
    pub branch: Field,
    pub doc_type: Field,
    pub imported_at: Field,
    pub source: Field,
    pub page_count: Field,
    /// The branch each source was imported under ("" for none), in the
    /// order of `source`: hits show only the sources in the caller's scope.
    pub source_branch: Field,
    /// The document's date (corrected, else read from the text), at
    /// midnight UTC of the day.
    pub doc_date: Field,
    /// Its year in each calendar, for facet counts.
    pub year_hijri: Field,
    pub year_gregorian: Field,
    /// Reference numbers as `metadata::reference_key` forms them, for
    /// exact lookup; and as printed, for display.
    pub reference: Field,
    pub reference_printed: Field,
    /// The other values the number reader gave for the numbers it was
    /// unsure of, on any page, as [`number_key`] forms them: what the
    /// number may be besides what the text says, for exact lookup only.
    pub number_alt: Field,
    /// `pending` or `done`: the document's review state.
    pub review: Field,
    /// Sort keys for browsing: the title folded for comparison, and the
    /// first reference number with each group of digits zero-padded (so
    /// that 99 sorts before 100).
    pub title_sort: Field,
    pub number_sort: Field,
}

/// Build the schema. Field order and options are part of the format.
pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed_with = |tokenizer: &str, stored: bool| {
        let idx = TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let o = TextOptions::default().set_indexing_options(idx);
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let doc_id = b.add_u64_field(
        "doc_id",
        NumericOptions::default() | INDEXED | STORED | FAST,
    );
    let sha256 = b.add_text_field("sha256", STRING | STORED);
    let analysed = |stored: bool| analysed_with(analysis::TEXT_ANALYZER, stored);
    let title = b.add_text_field("title", analysed(true));
    let text = b.add_text_field("text", analysed(true));
    let text_stem = b.add_text_field("text_stem", analysed_with(analysis::STEM_ANALYZER, false));
    let text_rasm = b.add_text_field(
        "text_rasm",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::RASM_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    let page = b.add_u64_field("page", NumericOptions::default() | STORED);
    let branch = b.add_text_field("branch", STRING | STORED | FAST);
    let doc_type = b.add_text_field("doc_type", STRING | STORED | FAST);
    let imported_at = b.add_date_field(
        "imported_at",
        DateOptions::default()
            .set_indexed()
            .set_stored()
            .set_fast()
            .set_precision(DateTimePrecision::Seconds),
    );
    let source = b.add_text_field("source", analysed(true));
    let page_count = b.add_u64_field("page_count", NumericOptions::default() | STORED);
    let source_branch = b.add_text_field("source_branch", STORED);
    let doc_date = b.add_date_field(
        "doc_date",
        DateOptions::default()
            .set_indexed()
            .set_stored()
            .set_fast()
            .set_precision(DateTimePrecision::Seconds),
    );
    let year_hijri = b.add_text_field("year_hijri", STRING | FAST);
    let year_gregorian = b.add_text_field("year_gregorian", STRING | FAST);
    let reference = b.add_text_field("reference", STRING);
    let reference_printed = b.add_text_field("reference_printed", STORED);
    let number_alt = b.add_text_field("number_alt", STRING);
    let review = b.add_text_field("review", STRING);
    let title_sort = b.add_text_field("title_sort", STRING | FAST);
    let number_sort = b.add_text_field("number_sort", STRING | FAST);
    (
        b.build(),
        Fields {
            doc_id,
            sha256,
            title,
            text,
            text_stem,
            text_rasm,
            page,
            branch,
            doc_type,
            imported_at,
            source,
            page_count,
            source_branch,
            doc_date,
            year_hijri,
            year_gregorian,
            reference,
            reference_printed,
            number_alt,
            review,
            title_sort,
            number_sort,
        },
    )
}

/// See [`SearchIndex::inventory`].
#[derive(Debug, Clone, Default)]
pub struct IndexInventory {
    pub documents: Vec<(DocId, Vec<u32>)>,
    pub corrupt_files: Vec<PathBuf>,
}

/// Whether an opened index can be used as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    /// Matches this build's schema version.
    Current,
    /// Created empty just now, or replaced because it was of another version
    /// or unreadable: every document must be indexed again.
    Rebuilt,
}

pub struct SearchIndex {
    dir: PathBuf,
    analysis: AnalysisConfig,
    index: Index,
    fields: Fields,
    reader: IndexReader,
}

impl SearchIndex {
    /// Open the index at `dir`, creating it, or replacing it when it is of
    /// another schema version or cannot be opened (it is derived data).
    pub fn open_or_rebuild(dir: &Path) -> Result<(Self, IndexState), IndexError> {
        let io = |source| IndexError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let version_ok = std::fs::read_to_string(dir.join(VERSION_FILE))
            .ok()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .and_then(|v| v.get("schema_version").and_then(|n| n.as_u64()))
            == Some(SCHEMA_VERSION as u64);
        if version_ok {
            if let Ok(idx) = Self::open_existing(dir) {
                return Ok((idx, IndexState::Current));
            }
            tracing::warn!(dir = %dir.display(), "index cannot be opened; rebuilding it from the catalog");
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, _) = schema();
        let index = Index::create_in_dir(dir, schema).map_err(|source| IndexError::Tantivy {
            path: dir.to_path_buf(),
            source,
        })?;
        std::fs::write(
            dir.join(VERSION_FILE),
            serde_json::json!({ "schema_version": SCHEMA_VERSION }).to_string(),
        )
        .map_err(io)?;
        drop(index);
        Ok((Self::open_existing(dir)?, IndexState::Rebuilt))
    }

    /// Open an existing index without repairing anything.
    pub fn open_existing(dir: &Path) -> Result<Self, IndexError> {
        let t = |source| IndexError::Tantivy {
            path: dir.to_path_buf(),
            source,
        };
        let index = Index::open_in_dir(dir).map_err(t)?;
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(IndexError::Tantivy {
                path: dir.to_path_buf(),
                source: tantivy::TantivyError::SchemaError(
                    "schema differs from this build's".into(),
                ),
            });
        }
        Self::with_index(dir.to_path_buf(), index, fields, AnalysisConfig::default()).map_err(t)
    }

    /// An empty index in memory with the given analysis: for evaluations
    /// that compare analysis choices, and for tests.
    pub fn create_in_ram(analysis: AnalysisConfig) -> Result<Self, IndexError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        Self::with_index(PathBuf::from(":memory:"), index, fields, analysis).map_err(|source| {
            IndexError::Tantivy {
                path: PathBuf::from(":memory:"),
                source,
            }
        })
    }

    fn with_index(
        dir: PathBuf,
        index: Index,
        fields: Fields,
        analysis: AnalysisConfig,
    ) -> tantivy::Result<Self> {
        analysis::register(&index, analysis);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            dir,
            analysis,
            index,
            fields,
            reader,
        })
    }

    pub fn analysis(&self) -> AnalysisConfig {
        self.analysis
    }

    /// What the index holds, for `arshif check`: each document id with the
    /// page numbers indexed for it (an id seen twice is listed twice), and
    /// the index files whose checksums do not match their contents.
    pub fn inventory(&self) -> Result<IndexInventory, IndexError> {
        use tantivy::schema::Value;
        let t = |source: tantivy::TantivyError| IndexError::Tantivy {
            path: self.dir.clone(),
            source,
        };
        let corrupt_files: Vec<PathBuf> = self
            .index
            .validate_checksum()
            .map_err(t)?
            .into_iter()
            .collect();
        let searcher = self.searcher();
        let mut documents = Vec::new();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(64)
                .map_err(|e| t(tantivy::TantivyError::from(e)))?;
            for doc in segment.doc_ids_alive() {
                let d: TantivyDocument = store.get(doc).map_err(t)?;
                let id = d
                    .get_first(self.fields.doc_id)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0);
                let pages: Vec<u32> = d
                    .get_all(self.fields.page)
                    .filter_map(|v| v.as_u64())
                    .map(|n| n as u32)
                    .collect();
                documents.push((DocId(id as i64), pages));
            }
        }
        Ok(IndexInventory {
            documents,
            corrupt_files,
        })
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    /// Pick up every later commit by itself, shortly after it is made (by
    /// this process or another, e.g. an import while a server runs). The
    /// reader starts following the index's meta file.
    pub fn follow_commits(&mut self) -> Result<(), IndexError> {
        self.reader = self
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|source| IndexError::Tantivy {
                path: self.dir.clone(),
                source,
            })?;
        Ok(())
    }

    /// Pick up the latest commit.
    pub fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(|source| IndexError::Tantivy {
            path: self.dir.clone(),
            source,
        })
    }

    /// A writer that commits in batches.
    pub fn writer(&self) -> Result<Indexer, IndexError> {
        // One indexing thread: OCR owns the cores; 64 MB is well above
        // tantivy's per-thread minimum.
        let writer = self
            .index
            .writer_with_num_threads(1, 64 << 20)
            .map_err(|source| IndexError::Tantivy {
                path: self.dir.clone(),
                source,
            })?;
        Ok(Indexer {
            writer,
            fields: self.fields,
            dir: self.dir.clone(),
            pending: Vec::new(),
        })
    }
}

/// Adds and replaces documents; nothing is visible until [`Indexer::commit`].
pub struct Indexer {
    writer: IndexWriter,
    fields: Fields,
    dir: PathBuf,
    pending: Vec<(DocId, i64)>,
}

/// The form the alternative readings of a number are indexed and looked up
/// by (`number_alt`): its [`crate::metadata::reference_key`], with the
/// leading zeros of each group of digits dropped as the text analyzer drops
/// them, so that `1445/3/12` finds a date read `1445/03/12`.
pub fn number_key(text: &str) -> Option<String> {
    crate::metadata::reference_key(text).map(|k| number_key_of_reference(&k))
}

/// [`number_key`] of a text whose reference key is `key`.
pub fn number_key_of_reference(key: &str) -> String {
    key.split('/')
        .map(|g| {
            if !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()) {
                match g.trim_start_matches('0') {
                    "" => "0",
                    t => t,
                }
            } else {
                g
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A title as browsing sorts it: Arabic letter forms folded as search folds
/// them, then lower-cased, so that أ and ا, ة and ه sort together.
pub fn title_sort_key(title: &str) -> String {
    crate::analysis::normalize::normalize(title)
}

/// A reference key as browsing sorts it: each group of digits padded to 12
/// places, so that numbers compare by value.
pub fn number_sort_key(key: &str) -> String {
    key.split('/')
        .map(|g| {
            if !g.is_empty() && g.len() < 12 && g.bytes().all(|b| b.is_ascii_digit()) {
                format!("{g:0>12}")
            } else {
                g.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A day as the index keeps it: midnight UTC.
pub fn day_term_value(day: crate::calendar::Day) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_secs(day.days_since_epoch() * 86_400)
}

impl Indexer {
    /// Add a document, replacing any earlier entry for the same id.
    pub fn upsert(&mut self, doc: &DocumentRecord, pages: &[PageRecord]) -> Result<(), IndexError> {
        let f = &self.fields;
        self.writer
            .delete_term(Term::from_field_u64(f.doc_id, doc.id.0 as u64));
        let mut d = TantivyDocument::default();
        d.add_u64(f.doc_id, doc.id.0 as u64);
        d.add_text(f.sha256, doc.blob.to_hex());
        d.add_text(f.title, &doc.title);
        for p in pages {
            if p.text.trim().is_empty() {
                continue;
            }
            d.add_text(f.text, &p.text);
            d.add_text(f.text_stem, &p.text);
            d.add_text(f.text_rasm, &p.text);
            d.add_u64(f.page, p.number as u64);
        }
        // The primary branch first, then the others it was imported under.
        let mut branches: Vec<String> = doc.branch.iter().map(|b| b.to_string()).collect();
        for b in doc.branches() {
            if !branches.iter().any(|x| x == b.as_str()) {
                branches.push(b.to_string());
            }
        }
        for b in branches {
            d.add_text(f.branch, b);
        }
        if let Some(t) = &doc.doc_type {
            d.add_text(f.doc_type, t.as_str());
        }
        if let Some(first) = doc.sources.first() {
            d.add_date(
                f.imported_at,
                tantivy::DateTime::from_timestamp_secs(first.imported_at.timestamp()),
            );
        }
        for s in &doc.sources {
            d.add_text(f.source, &s.path);
            d.add_text(
                f.source_branch,
                s.branch.as_ref().map_or("", |b| b.as_str()),
            );
        }
        d.add_u64(f.page_count, doc.page_count as u64);
        d.add_text(f.review, doc.meta.review.state.as_str());
        d.add_text(f.title_sort, title_sort_key(&doc.title));
        if let Some(key) = doc
            .reference_numbers()
            .iter()
            .find_map(|r| crate::metadata::reference_key(r))
        {
            d.add_text(f.number_sort, number_sort_key(&key));
        }
        if let Some(day) = doc.document_date() {
            d.add_date(f.doc_date, day_term_value(day));
            d.add_text(f.year_hijri, day.hijri().year.to_string());
            d.add_text(f.year_gregorian, day.gregorian().format("%Y").to_string());
        }
        for r in doc.reference_numbers() {
            if let Some(key) = crate::metadata::reference_key(r) {
                d.add_text(f.reference, key);
            }
            d.add_text(f.reference_printed, r);
        }
        let mut alternatives = std::collections::BTreeSet::new();
        for n in pages.iter().flat_map(|p| &p.numbers) {
            alternatives.extend(n.alternatives.iter().filter_map(|a| number_key(a)));
        }
        for key in alternatives {
            d.add_text(f.number_alt, key);
        }
        self.writer
            .add_document(d)
            .map_err(|source| IndexError::Tantivy {
                path: self.dir.clone(),
                source,
            })?;
        self.pending.push((doc.id, doc.meta.revision));
        Ok(())
    }

    /// Take a document out of the index (one in the trash, or purged).
    /// With its `revision`, the catalog records at the next commit that
    /// this node's index is up to date with it.
    pub fn remove(&mut self, id: DocId, revision: Option<i64>) {
        self.writer
            .delete_term(Term::from_field_u64(self.fields.doc_id, id.0 as u64));
        if let Some(r) = revision {
            self.pending.push((id, r));
        }
    }

    /// Documents added since the last commit.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Make the pending documents durable and searchable; returns their ids
    /// with the revisions indexed.
    pub fn commit(&mut self) -> Result<Vec<(DocId, i64)>, IndexError> {
        self.writer.commit().map_err(|source| IndexError::Tantivy {
            path: self.dir.clone(),
            source,
        })?;
        Ok(std::mem::take(&mut self.pending))
    }

    /// Remove every document (before a full rebuild).
    pub fn delete_all(&mut self) -> Result<(), IndexError> {
        self.writer
            .delete_all_documents()
            .map(|_| ())
            .map_err(|source| IndexError::Tantivy {
                path: self.dir.clone(),
                source,
            })
    }

    /// Wait for background merges so no work is lost, then release the writer.
    pub fn finish(self) -> Result<(), IndexError> {
        let dir = self.dir.clone();
        self.writer
            .wait_merging_threads()
            .map_err(|source| IndexError::Tantivy { path: dir, source })
    }
}

/// Bring the index up to date with the catalog: after a rebuild, every
/// document; otherwise those recorded but not yet indexed (a previous run
/// stopped between its catalog write and its index commit, or staff
/// corrected them since). Documents whose text an older extractor read are
/// read again first ([`crate::metadata`]). Commits in batches and returns
/// how many documents were indexed.
pub fn catch_up(
    indexer: &mut Indexer,
    catalog: &mut dyn Catalog,
    state: IndexState,
) -> Result<usize, IndexError> {
    reextract(catalog)?;
    if state == IndexState::Rebuilt {
        catalog.mark_all_unindexed()?;
    }
    let ids = catalog.unindexed()?;
    for chunk in ids.chunks(500) {
        for &id in chunk {
            match catalog.document(id)? {
                // In the trash: out of search, browse and facets until restored.
                Some(doc) if doc.meta.deleted.is_some() => {
                    indexer.remove(id, Some(doc.meta.revision))
                }
                Some(doc) => {
                    let pages = catalog.pages(id)?;
                    indexer.upsert(&doc, &pages)?;
                }
                None => {}
            }
        }
        let done = indexer.commit()?;
        catalog.mark_indexed(&done)?;
    }
    forget_purged(indexer, catalog)?;
    Ok(ids.len())
}

/// Take out of this node's index the documents purged since it last
/// looked (on a shared archive, another node may have purged them).
pub fn forget_purged(
    indexer: &mut Indexer,
    catalog: &mut dyn Catalog,
) -> Result<usize, IndexError> {
    let gone = catalog.purged_in_index()?;
    if gone.is_empty() {
        return Ok(0);
    }
    for &id in &gone {
        indexer.remove(id, None);
    }
    indexer.commit()?;
    catalog.mark_purged_from_index(&gone)?;
    Ok(gone.len())
}

/// Read again, from their stored text, the dates, reference numbers, type
/// and title of documents an older extractor read (or none: archives from
/// before there was one), with what the archive now knows of its types.
/// Returns how many.
pub fn reextract(catalog: &mut dyn Catalog) -> Result<usize, IndexError> {
    let version = crate::metadata::EXTRACTOR_VERSION;
    let stale = catalog.stale_extractions(version)?;
    if stale.is_empty() {
        return Ok(0);
    }
    let knowledge = crate::catalog::type_knowledge(&*catalog)?;
    for chunk in stale.chunks(500) {
        catalog.begin_group()?;
        for &id in chunk {
            reextract_document(catalog, id, &knowledge)?;
        }
        catalog.end_group()?;
    }
    Ok(stale.len())
}

/// Read one document's dates, reference numbers, type and title again from
/// its stored text (after a page of it was read again, or by [`reextract`]).
pub fn reextract_document(
    catalog: &mut dyn Catalog,
    id: DocId,
    knowledge: &crate::metadata::TypeKnowledge,
) -> Result<(), IndexError> {
    let pages = catalog.pages(id)?;
    let source = catalog
        .document(id)?
        .and_then(|d| d.sources.first().map(|s| s.path.clone()))
        .unwrap_or_default();
    let texts: Vec<(u32, &str)> = pages.iter().map(|p| (p.number, p.text.as_str())).collect();
    let (extracted, title) = crate::metadata::read_document(&texts, &source, knowledge);
    catalog.set_extracted(id, &extracted, &title, crate::metadata::EXTRACTOR_VERSION)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in schema file is what the code builds.
    #[test]
    fn number_keys_fold_digits_separators_and_leading_zeros() {
        assert_eq!(number_key("4451234").as_deref(), Some("4451234"));
        assert_eq!(number_key("١٤٤٥/٠٣/١٢").as_deref(), Some("1445/3/12"));
        assert_eq!(number_key("1445-03-12").as_deref(), Some("1445/3/12"));
        assert_eq!(number_key("MC-1445-0088").as_deref(), Some("mc/1445/88"));
        assert_eq!(number_key("0/007").as_deref(), Some("0/7"));
        assert_eq!(number_key("no digits"), None);
        assert_eq!(number_key_of_reference("1445/03/12"), "1445/3/12");
    }

    #[test]
    fn schema_matches_index_schema_file() {
        let (schema, _) = schema();
        let actual = serde_json::to_value(&schema).unwrap();
        let path = format!(
            "{}/index-schema/v{SCHEMA_VERSION}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let path = path.as_str();
        if std::env::var_os("ARSHIF_BLESS").is_some() {
            let body = serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "analyzers": {
                    (analysis::TEXT_ANALYZER): "ScriptTokenizer: split by script (Arabic / digits / other letters); drop Arabic diacritics, tatweel and direction marks; fold hamza forms, alef maqsura, teh marbuta, Persian yeh/keheh; presentation forms to base letters; Arabic-Indic and Persian digits to ASCII, leading zeros dropped; lower-case and strip accents",
                    (analysis::STEM_ANALYZER): "arshif_text, then per script: Arabic light stemmer (prefixes وال بال كال فال لل ال و, broken plurals of common municipal nouns, suffixes ها ان ات ون ين يه ه ي), Snowball English; digits unchanged",
                    (analysis::RASM_ANALYZER): "arshif_text, then Arabic letters reduced to their dotless skeleton (ب ت ث ن ي, ج ح خ, س ش, ص ض, ط ظ, ع غ, ف ق, د ذ, ر ز); searched only for OCR-tolerant (fuzzy) matches",
                },
                "fields": actual,
            });
            std::fs::write(path, serde_json::to_string_pretty(&body).unwrap() + "\n").unwrap();
        }
        let file: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(path).expect("index-schema/v1.json exists"),
        )
        .unwrap();
        assert_eq!(
            file["schema_version"].as_u64(),
            Some(SCHEMA_VERSION as u64),
            "the schema file names another version"
        );
        assert_eq!(
            file["fields"], actual,
            "index-schema/v{SCHEMA_VERSION}.json differs from index::schema(); update the file (and bump the version if archives exist)"
        );
    }
}

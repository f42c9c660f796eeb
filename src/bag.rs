//! Export to and import from BagIt bags (RFC 8493), the packaging format
//! of digital preservation: `arshif export` and `arshif import-bag`.
//!
//! A bag holds, under `data/`:
//! * `originals/<sha256>.<ext>` — every original, byte for byte, the
//!   earlier originals rescans replaced, and the batch scans documents were
//!   cut from (each once);
//! * `metadata/<sha256>.json` — the document: title, type, media type,
//!   size, branch, sources (path, branch, type, import time, import batch,
//!   and for a document cut from a batch scan the scan and its pages)
//!   and each page's reading (source, confidence, rotation, skew, size,
//!   language, word boxes, and the numbers read on it when there are any);
//! * `text/<sha256>/page-NNNN.txt` — each page's text.
//!
//! Everything is named by content, and nothing local to one archive (ids)
//! is written, so exporting a bag's import gives the same payload and the
//! same `manifest-sha256.txt`. Importing reads no page again: the pages'
//! readings come from the bag.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::archive::{Archive, ArchiveError};
use crate::catalog::{
    Catalog, CatalogError, Lifecycle, NewBatch, NewDocument, PageRecord, SourcePart, SourceRecord,
};
use crate::ocr::digits::NumberReading;
use crate::store::StoreError;
use crate::types::{BlobId, BranchScope, BranchSlug, DocId, DocType, TextSource, Word};

#[derive(Debug, thiserror::Error)]
pub enum BagError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} already exists; export into a new directory")]
    Exists(PathBuf),
    #[error("{path} is not a valid bag: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BagError + '_ {
    move |source| BagError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Only documents imported under this branch (and only their sources
    /// under it).
    pub branch: Option<BranchSlug>,
    /// Only documents first imported on or after this day (UTC).
    pub since: Option<NaiveDate>,
    /// Only these documents (`None`: every document); an id that does not
    /// exist is left out.
    pub ids: Option<Vec<DocId>>,
    /// Only what someone with this scope may see (`None`: everything), as
    /// `branch` does: the documents in it, with only their sources in it.
    pub scope: Option<BranchScope>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct BatchMeta {
    started_at: DateTime<Utc>,
    branch: Option<BranchSlug>,
    doc_type: Option<DocType>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct SourceMeta {
    path: String,
    branch: Option<BranchSlug>,
    doc_type: Option<DocType>,
    imported_at: DateTime<Utc>,
    batch: BatchMeta,
    /// The batch scan this source was cut from, and its pages there
    /// (absent for a whole file, and in bags from before batch scans
    /// were carried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    part: Option<PartMeta>,
}

/// Where a document cut from a batch scan came from: the whole scan,
/// byte for byte in `data/originals/` (once, however many documents were
/// cut from it), and the pages of it the document is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct PartMeta {
    origin: BlobId,
    /// The scan's file in the bag, relative to `data/`.
    file: String,
    first_page: u32,
    last_page: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct PageMeta {
    number: u32,
    source: TextSource,
    confidence: f32,
    rotation: u16,
    skew: f32,
    width: u32,
    height: u32,
    language: String,
    words: Vec<Word>,
    /// Numbers the number reader read (absent when none, as in bags from
    /// before there were any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    numbers: Vec<NumberReading>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct DocumentMeta {
    sha256: BlobId,
    title: String,
    media_type: String,
    size: u64,
    branch: Option<BranchSlug>,
    doc_type: Option<DocType>,
    original: String,
    sources: Vec<SourceMeta>,
    pages: Vec<PageMeta>,
    /// Staff's corrections of date, type and title (absent in bags from
    /// before there were any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    corrected: Option<crate::metadata::Correction>,
    /// In the trash when exported: who, when, why (absent otherwise, and in
    /// bags from before the trash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted: Option<crate::catalog::Stamp>,
    /// Under a legal hold when exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hold: Option<crate::catalog::Stamp>,
    /// Earlier originals a rescan replaced, oldest first, each in
    /// `data/originals/` by its sha256 like the original (absent when
    /// none, and in bags from before rescans).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    versions: Vec<crate::catalog::Version>,
}

/// Copy a stored blob into the bag at `rel`, hashing it as it is copied:
/// a blob that does not hash to its name stops the export (the bag would
/// carry damage).
fn copy_blob(
    store: &dyn crate::store::BlobStore,
    blob: &BlobId,
    payload: &mut Payload,
    rel: &str,
    id: DocId,
) -> Result<(), BagError> {
    let dest = payload.root.join(rel);
    std::fs::create_dir_all(dest.parent().expect("has a parent")).map_err(io(&dest))?;
    let mut reader = store.open(blob)?;
    let mut file = std::fs::File::create(&dest).map_err(io(&dest))?;
    let mut hashing = HashingWriter::new(&mut file);
    std::io::copy(&mut reader, &mut hashing).map_err(io(&dest))?;
    let (sha_copied, n) = hashing.finish();
    file.sync_all().map_err(io(&dest))?;
    if sha_copied != *blob {
        return Err(BagError::Invalid {
            path: dest,
            reason: format!(
                "a stored original of document {id} does not hash to its name (run arshif check --deep)"
            ),
        });
    }
    payload.add(rel, sha_copied);
    payload.bytes += n;
    Ok(())
}

pub(crate) fn extension(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/tiff" => "tif",
        _ => "bin",
    }
}

/// What an export or import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BagReport {
    pub documents: usize,
    pub pages: usize,
    pub bytes: u64,
    /// On import: documents the archive already had (sources added).
    pub already_present: usize,
}

/// A file of the payload being written, and its sha256.
struct Payload {
    root: PathBuf,
    entries: Vec<(String, String)>,
    bytes: u64,
}

impl Payload {
    fn write(&mut self, rel: &str, content: &[u8]) -> Result<(), BagError> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::write(&path, content).map_err(io(&path))?;
        self.add(
            rel,
            crate::store::hash_reader(content).map_err(io(&path))?.0,
        );
        self.bytes += content.len() as u64;
        Ok(())
    }

    fn add(&mut self, rel: &str, sha: BlobId) {
        self.entries.push((sha.to_hex(), rel.to_string()));
    }
}

fn manifest(entries: &mut [(String, String)]) -> String {
    entries.sort_by(|a, b| a.1.cmp(&b.1));
    entries.iter().map(|(h, p)| format!("{h}  {p}\n")).collect()
}

/// Write a bag of the archive's documents into `out` (a new directory).
/// It is written beside `out` and renamed into place when complete.
pub fn export(archive: &Archive, out: &Path, opts: &ExportOptions) -> Result<BagReport, BagError> {
    if out.exists() {
        return Err(BagError::Exists(out.to_path_buf()));
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bag".into());
    let partial = out.with_file_name(format!(".{name}.partial"));
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(io(&partial))?;
    }
    // `data/` exists even when nothing matches: an empty bag is still a bag.
    std::fs::create_dir_all(partial.join("data")).map_err(io(&partial))?;
    let catalog = archive.catalog()?;
    let store = archive.store();
    let scope = match &opts.branch {
        Some(b) => BranchScope::Only(vec![b.clone()]),
        None => BranchScope::All,
    };
    let mut batches: BTreeMap<i64, BatchMeta> = BTreeMap::new();
    for b in catalog.batches()? {
        batches.insert(
            b.id.0,
            BatchMeta {
                started_at: b.started_at,
                branch: b.branch.clone(),
                doc_type: b.doc_type.clone(),
            },
        );
    }
    let mut payload = Payload {
        root: partial.clone(),
        entries: Vec::new(),
        bytes: 0,
    };
    let mut report = BagReport::default();
    let ids = match &opts.ids {
        Some(ids) => ids.clone(),
        None => catalog.document_ids()?,
    };
    let within = opts.scope.clone().unwrap_or(BranchScope::All);
    for id in ids {
        let Some(doc) = catalog.document(id)? else {
            continue;
        };
        let Some(doc) = doc.in_scope(&scope).and_then(|d| d.in_scope(&within)) else {
            continue;
        };
        let first = doc.sources.iter().map(|s| s.imported_at).min();
        if let (Some(since), Some(first)) = (opts.since, first) {
            if first.date_naive() < since {
                continue;
            }
        }
        let pages = catalog.pages(id)?;
        let sha = doc.blob.to_hex();
        let original = format!("data/originals/{sha}.{}", extension(&doc.media_type));
        // The original and its earlier versions, copied and hashed as
        // they are copied.
        copy_blob(store, &doc.blob, &mut payload, &original, id)?;
        for v in &doc.meta.versions {
            let rel = version_path(v);
            if !payload.entries.iter().any(|(p, _)| *p == rel) {
                copy_blob(store, &v.sha256, &mut payload, &rel, id)?;
            }
        }
        // The batch scans it was cut from, each copied once.
        let mut parts = Vec::new();
        for s in &doc.sources {
            let Some(part) = &s.part else {
                parts.push(None);
                continue;
            };
            let rel = origin_path(store, &part.origin)?;
            if !payload.entries.iter().any(|(p, _)| *p == rel) {
                copy_blob(store, &part.origin, &mut payload, &rel, id)?;
            }
            parts.push(Some(PartMeta {
                origin: part.origin,
                file: rel.trim_start_matches("data/").to_string(),
                first_page: part.first_page,
                last_page: part.last_page,
            }));
        }
        for p in &pages {
            payload.write(
                &format!("data/text/{sha}/page-{:04}.txt", p.number),
                p.text.as_bytes(),
            )?;
        }
        let meta = DocumentMeta {
            sha256: doc.blob,
            title: doc.meta.extracted_title.clone(),
            corrected: (!doc.meta.correction.is_empty()).then(|| doc.meta.correction.clone()),
            deleted: doc.meta.deleted.clone(),
            hold: doc.meta.hold.clone(),
            versions: doc.meta.versions.clone(),
            media_type: doc.media_type.clone(),
            size: doc.size,
            branch: doc.branch.clone(),
            doc_type: doc.doc_type.clone(),
            original: original.trim_start_matches("data/").to_string(),
            sources: doc
                .sources
                .iter()
                .zip(parts)
                .map(|(s, part)| SourceMeta {
                    path: s.path.clone(),
                    branch: s.branch.clone(),
                    doc_type: s.doc_type.clone(),
                    imported_at: s.imported_at,
                    batch: batches.get(&s.batch.0).cloned().unwrap_or(BatchMeta {
                        started_at: s.imported_at,
                        branch: s.branch.clone(),
                        doc_type: s.doc_type.clone(),
                    }),
                    part,
                })
                .collect(),
            pages: pages
                .iter()
                .map(|p| PageMeta {
                    number: p.number,
                    source: p.source,
                    confidence: p.confidence,
                    rotation: p.rotation,
                    skew: p.skew,
                    width: p.width,
                    height: p.height,
                    language: p.language.clone(),
                    words: p.words.clone(),
                    numbers: p.numbers.clone(),
                })
                .collect(),
        };
        let json = serde_json::to_vec_pretty(&meta).expect("metadata serialises");
        payload.write(&format!("data/metadata/{sha}.json"), &json)?;
        report.documents += 1;
        report.pages += pages.len();
    }
    // The retention rules, as the archive keeps them.
    let rules = catalog.retention_rules()?;
    if !rules.is_empty() {
        let json = serde_json::to_vec_pretty(&rules).expect("rules serialise");
        payload.write("data/retention.json", &json)?;
    }
    report.bytes = payload.bytes;

    // Tag files (RFC 8493 §2.1, §2.2).
    let mut tags = Payload {
        root: partial.clone(),
        entries: Vec::new(),
        bytes: 0,
    };
    let file_count = payload.entries.len();
    let manifest_text = manifest(&mut payload.entries);
    tags.write("manifest-sha256.txt", manifest_text.as_bytes())?;
    tags.write(
        "bagit.txt",
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
    )?;
    let mut info = format!(
        "Bag-Software-Agent: arshif {}\nBagging-Date: {}\nPayload-Oxum: {}.{}\nExternal-Description: arshif archive export: {} documents\n",
        env!("CARGO_PKG_VERSION"),
        Utc::now().date_naive(),
        payload.bytes,
        file_count,
        report.documents,
    );
    if let Some(b) = &opts.branch {
        info.push_str(&format!("Internal-Sender-Description: branch {b}\n"));
    }
    if let Some(s) = &opts.since {
        info.push_str(&format!(
            "Internal-Sender-Identifier: documents first imported on or after {s}\n"
        ));
    }
    tags.write("bag-info.txt", info.as_bytes())?;
    let tagmanifest = manifest(&mut tags.entries);
    let tm = partial.join("tagmanifest-sha256.txt");
    std::fs::write(&tm, tagmanifest).map_err(io(&tm))?;
    std::fs::rename(&partial, out).map_err(io(out))?;
    Ok(report)
}

/// A writer that hashes what passes through it.
struct HashingWriter<'w> {
    inner: &'w mut std::fs::File,
    hasher: sha2::Sha256,
    n: u64,
}

impl<'w> HashingWriter<'w> {
    fn new(inner: &'w mut std::fs::File) -> Self {
        use sha2::Digest;
        HashingWriter {
            inner,
            hasher: sha2::Sha256::new(),
            n: 0,
        }
    }

    fn finish(self) -> (BlobId, u64) {
        use sha2::Digest;
        (BlobId::from_bytes(self.hasher.finalize().into()), self.n)
    }
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Check a bag's payload against its manifest: every listed file present
/// with its hash, no payload file unlisted.
fn validate(bag: &Path) -> Result<BTreeMap<String, String>, BagError> {
    let invalid = |reason: String| BagError::Invalid {
        path: bag.to_path_buf(),
        reason,
    };
    let bagit = std::fs::read_to_string(bag.join("bagit.txt"))
        .map_err(|e| invalid(format!("bagit.txt: {e}")))?;
    if !bagit.lines().any(|l| l.starts_with("BagIt-Version: ")) {
        return Err(invalid("bagit.txt names no BagIt-Version".into()));
    }
    let m = std::fs::read_to_string(bag.join("manifest-sha256.txt"))
        .map_err(|e| invalid(format!("manifest-sha256.txt: {e}")))?;
    let mut listed = BTreeMap::new();
    for line in m.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, rel) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| invalid(format!("manifest line {line:?}")))?;
        let rel = rel.trim_start().to_string();
        if rel.contains("..") || rel.starts_with('/') || !rel.starts_with("data/") {
            return Err(invalid(format!("manifest names {rel:?}, outside data/")));
        }
        listed.insert(rel, hash.to_lowercase());
    }
    for entry in walkdir::WalkDir::new(bag.join("data")) {
        let entry = entry.map_err(|e| invalid(e.to_string()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(bag)
            .expect("under the bag")
            .to_string_lossy()
            .into_owned();
        let Some(expected) = listed.get(&rel) else {
            return Err(invalid(format!("{rel} is not in the manifest")));
        };
        let (sha, _) = crate::store::hash_file(entry.path())?;
        if &sha.to_hex() != expected {
            return Err(invalid(format!("{rel} does not match its checksum")));
        }
    }
    for rel in listed.keys() {
        if !bag.join(rel).is_file() {
            return Err(invalid(format!("{rel} is in the manifest but missing")));
        }
    }
    Ok(listed)
}

/// Where a bag keeps an earlier original.
/// Where a bag keeps a batch scan documents were cut from: by its sha256,
/// with the extension its first bytes say.
fn origin_path(store: &dyn crate::store::BlobStore, blob: &BlobId) -> Result<String, BagError> {
    let mut head = Vec::with_capacity(16);
    store
        .open(blob)?
        .take(16)
        .read_to_end(&mut head)
        .map_err(|source| BagError::Io {
            path: PathBuf::from(format!("batch scan {blob} in the store")),
            source,
        })?;
    let ext = crate::extract::sniff(&head).map_or("bin", |f| extension(f.media_type()));
    Ok(format!("data/originals/{}.{ext}", blob.to_hex()))
}

fn version_path(v: &crate::catalog::Version) -> String {
    format!(
        "data/originals/{}.{}",
        v.sha256.to_hex(),
        extension(&v.media_type)
    )
}

/// Restore a bag into an archive, with no OCR: originals into the store,
/// documents, pages and sources into the catalog (their import batches
/// recreated with their original times), then the index. Documents the
/// archive already holds gain the bag's sources.
pub fn import(archive: &Archive, bag: &Path) -> Result<BagReport, BagError> {
    let listed = validate(bag)?;
    let _lock = archive.lock_writer()?;
    let mut catalog = archive.catalog()?;
    let store = archive.store();
    let mut metas: Vec<DocumentMeta> = Vec::new();
    for rel in listed.keys().filter(|r| r.starts_with("data/metadata/")) {
        let path = bag.join(rel);
        let text = std::fs::read(&path).map_err(io(&path))?;
        let meta: DocumentMeta = serde_json::from_slice(&text).map_err(|e| BagError::Invalid {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        metas.push(meta);
    }
    // In the order they were first imported, so ids follow the original order.
    metas.sort_by_key(|m| (m.sources.iter().map(|s| s.imported_at).min(), m.sha256));
    // The bag's retention rules, for the types this archive has none for.
    if listed.contains_key("data/retention.json") {
        let path = bag.join("data/retention.json");
        let text = std::fs::read(&path).map_err(io(&path))?;
        let rules: Vec<crate::catalog::RetentionRule> =
            serde_json::from_slice(&text).map_err(|e| BagError::Invalid {
                path: path.clone(),
                reason: format!("not retention rules: {e}"),
            })?;
        let have = catalog.retention_rules()?;
        for r in rules
            .iter()
            .filter(|r| !have.iter().any(|h| h.doc_type == r.doc_type))
        {
            catalog.set_retention(r)?;
        }
    }
    let mut batch_ids: BTreeMap<String, crate::types::BatchId> = BTreeMap::new();
    let mut stored_origins = std::collections::BTreeSet::new();
    let mut report = BagReport::default();
    for meta in metas {
        let original = bag.join("data").join(&meta.original);
        let staged = store.stage(&original, Some(&meta.sha256))?;
        store.commit(staged)?;
        let mut pages = Vec::new();
        for p in &meta.pages {
            let tp = bag
                .join("data/text")
                .join(meta.sha256.to_hex())
                .join(format!("page-{:04}.txt", p.number));
            let text = std::fs::read_to_string(&tp).map_err(io(&tp))?;
            pages.push(PageRecord {
                number: p.number,
                text,
                source: p.source,
                confidence: p.confidence,
                words: p.words.clone(),
                rotation: p.rotation,
                skew: p.skew,
                width: p.width,
                height: p.height,
                language: p.language.clone(),
                numbers: p.numbers.clone(),
            });
        }
        let mut sources = Vec::new();
        for s in &meta.sources {
            let key = serde_json::to_string(&s.batch).expect("serialises");
            let batch = match batch_ids.get(&key) {
                Some(b) => *b,
                None => {
                    let b = catalog.begin_batch(&NewBatch {
                        started_at: s.batch.started_at,
                        branch: s.batch.branch.clone(),
                        doc_type: s.batch.doc_type.clone(),
                        inputs: vec![format!("bag:{}", bag.display())],
                    })?;
                    batch_ids.insert(key, b);
                    b
                }
            };
            // The batch scan it was cut from, stored once.
            let part = match &s.part {
                Some(p) => {
                    if stored_origins.insert(p.origin) {
                        let file = bag.join("data").join(&p.file);
                        let staged = store.stage(&file, Some(&p.origin))?;
                        store.commit(staged)?;
                    }
                    Some(SourcePart {
                        origin: p.origin,
                        first_page: p.first_page,
                        last_page: p.last_page,
                    })
                }
                None => None,
            };
            sources.push(SourceRecord {
                path: s.path.clone(),
                branch: s.branch.clone(),
                doc_type: s.doc_type.clone(),
                batch,
                imported_at: s.imported_at,
                part,
            });
        }
        let Some(first) = sources.first().cloned() else {
            continue;
        };
        let extracted = crate::metadata::extract(pages.iter().map(|p| (p.number, p.text.as_str())));
        let (id, created) = match catalog.insert_document(&NewDocument {
            blob: meta.sha256,
            size: meta.size,
            media_type: meta.media_type.clone(),
            title: meta.title.clone(),
            pages,
            source: first.clone(),
            extracted,
        }) {
            // In this archive's trash: it stays there, as this archive has it.
            Err(CatalogError::InTrash(_)) => {
                report.already_present += 1;
                continue;
            }
            other => other?,
        };
        // Its earlier originals, stored and recorded (a version the archive
        // has under that number already stays as it is).
        for v in &meta.versions {
            let file = bag.join(version_path(v));
            let staged = store.stage(&file, Some(&v.sha256))?;
            store.commit(staged)?;
            catalog.add_version(id, v)?;
        }
        // A new document comes as it was: in the trash, under a hold.
        if created {
            if let Some(d) = &meta.deleted {
                catalog.trash(id, d)?;
            }
            if let Some(h) = &meta.hold {
                catalog.set_hold(id, Some(h))?;
            }
        }
        // The archive's own corrections stand; the bag's fill what it lacks.
        if let Some(c) = &meta.corrected {
            let have = catalog
                .document(id)?
                .map(|d| d.meta.correction)
                .unwrap_or_default();
            let change = crate::metadata::CorrectionChange {
                date: (have.date.is_none() && c.date.is_some()).then_some(c.date),
                doc_type: (have.doc_type.is_none() && c.doc_type.is_some())
                    .then(|| c.doc_type.clone()),
                title: (have.title.is_none() && c.title.is_some()).then(|| c.title.clone()),
                reference_numbers: (have.reference_numbers.is_none()
                    && c.reference_numbers.is_some())
                .then(|| c.reference_numbers.clone()),
            };
            if !change.is_empty() {
                catalog.correct(
                    id,
                    &crate::catalog::Amendment {
                        change: &change,
                        by: c.by.as_deref().unwrap_or("bag"),
                        at: c.at.unwrap_or_else(Utc::now),
                    },
                )?;
            }
        }
        for s in &sources[1..] {
            catalog.add_source(id, s)?;
        }
        if !created {
            report.already_present += 1;
        }
        for s in &sources {
            catalog.record_file(&crate::catalog::FileRecord {
                batch: s.batch,
                path: &s.path,
                outcome: &crate::catalog::FileOutcome::Ingested(id),
                pages: meta.pages.len() as u32,
            })?;
        }
        report.documents += 1;
        report.pages += meta.pages.len();
        report.bytes += meta.size;
    }
    for b in batch_ids.values() {
        catalog.finish_batch(*b, Utc::now())?;
    }
    drop(catalog);
    let (idx, state) = archive.open_index()?;
    let mut catalog = archive.catalog()?;
    let mut w = idx.writer()?;
    crate::index::catch_up(&mut w, &mut catalog, state)?;
    w.finish()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::fixtures::{new_batch, page, page_with_numbers, source};

    /// An archive with one document whose first page has numbers.
    fn archive_with_numbers(root: &Path) -> Archive {
        let archive = Archive::init(root).unwrap();
        let file = root.join("scan.png");
        std::fs::write(&file, b"not really a png, but bytes to keep").unwrap();
        let staged = archive.store().stage(&file, None).unwrap();
        let (blob, size) = (staged.id(), staged.size());
        archive.store().commit(staged).unwrap();
        let mut catalog = archive.catalog().unwrap();
        let b = new_batch(&mut *catalog);
        let pages = vec![
            page_with_numbers(1, "رخصة بناء رقم ٤٤٥١٢٨٤"),
            page(2, "second page"),
        ];
        let extracted = crate::metadata::extract(pages.iter().map(|p| (p.number, p.text.as_str())));
        catalog
            .insert_document(&NewDocument {
                blob,
                size,
                media_type: "image/png".into(),
                title: "رخصة بناء".into(),
                pages,
                source: source(b, "scans/scan.png", Some("hofuf")),
                extracted,
            })
            .unwrap();
        archive
    }

    #[test]
    fn numbers_cross_a_bag_and_a_round_trip_changes_nothing() {
        let t = tempfile::tempdir().unwrap();
        let first = archive_with_numbers(&t.path().join("a"));
        let bag = t.path().join("bag");
        export(&first, &bag, &ExportOptions::default()).unwrap();

        let metadata = std::fs::read_dir(bag.join("data/metadata"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(metadata).unwrap()).unwrap();
        let numbers = &meta["pages"][0]["numbers"];
        assert_eq!(numbers[1]["value"], "4451284");
        assert_eq!(numbers[1]["alternatives"][0], "4451234");
        assert_eq!(numbers[1]["box"], serde_json::json!([420, 200, 210, 38]));
        // a page without numbers says nothing of them
        assert!(meta["pages"][1].get("numbers").is_none());

        let second = Archive::init(&t.path().join("b")).unwrap();
        import(&second, &bag).unwrap();
        let (c1, c2) = (first.catalog().unwrap(), second.catalog().unwrap());
        let (id1, id2) = (c1.document_ids().unwrap()[0], c2.document_ids().unwrap()[0]);
        assert_eq!(c2.pages(id2).unwrap(), c1.pages(id1).unwrap());

        let again = t.path().join("again");
        export(&second, &again, &ExportOptions::default()).unwrap();
        let manifest = |b: &Path| std::fs::read_to_string(b.join("manifest-sha256.txt")).unwrap();
        assert_eq!(manifest(&again), manifest(&bag));
    }
}

//! `arshif check`: do the catalog, the store, the index and the audit log
//! agree? Every problem is named with its document, its path and how to
//! repair it. `--deep` also re-hashes every blob against its name and
//! records in the catalog when each was last verified.
//!
//! It also checks that the archive's files are private to their owner: a
//! file or directory in it that group or other accounts can read, write or
//! enter is named (the accounts database holds password hashes, the store every
//! branch's originals).
//!
//! Check runs with the writer lock held, so that an import in progress is
//! not mistaken for damage (a blob stored a moment before its catalog row
//! would look orphaned).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::Utc;
use serde::Serialize;

use crate::archive::{Archive, ArchiveError};
use crate::catalog::{Catalog, CatalogError, Lifecycle};
use crate::store::StoreError;
use crate::types::{BlobId, DocId};

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How thorough a check is.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Re-hash every blob, run SQLite's full integrity check.
    pub deep: bool,
}

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The catalog's database fails SQLite's own check.
    CatalogCorrupt,
    /// The accounts database (`accounts.sqlite`) fails SQLite's own
    /// check, or cannot be opened.
    AccountsCorrupt,
    /// A document's original is not in the store.
    MissingBlob,
    /// The whole batch scan a document was cut from (`ingest --split`) is
    /// not in the store.
    MissingOrigin,
    /// A document's original has another size than recorded.
    BlobSize,
    /// A document's original does not hash to its name (`--deep`).
    BlobCorrupt,
    /// A blob in the store that no document, version or batch-scan source
    /// refers to: reclaimable, not damage.
    OrphanBlob,
    /// A purge was interrupted before it removed the blobs of a purged
    /// document (the next `arshif purge` finishes it).
    PurgeUnfinished,
    /// A purged document's id names a live document again, or a purged
    /// document is still recorded: the tombstone and the catalog disagree.
    TombstoneConflict,
    /// A document not (yet) in the index.
    NotIndexed,
    /// A document whose indexed pages differ from the catalog's.
    PagesNotIndexed,
    /// An index entry for a document the catalog does not have.
    UnknownInIndex,
    /// A document indexed more than once.
    DuplicateInIndex,
    /// The index cannot be opened, or its files fail their checksums.
    IndexDamaged,
    /// The audit log's hash chain is broken.
    AuditChainBroken,
    /// A blob being written when an import was interrupted (harmless).
    StagingLeftover,
    /// A file or directory of the archive that group or other accounts
    /// can read, write or enter.
    WrongPermissions,
}

impl ProblemKind {
    /// Whether this is damage (non-zero exit), or a harmless leftover.
    pub fn is_damage(self) -> bool {
        // Work an interrupted import left for its re-run is named, not
        // counted as damage.
        !matches!(
            self,
            ProblemKind::StagingLeftover
                | ProblemKind::NotIndexed
                | ProblemKind::OrphanBlob
                | ProblemKind::PurgeUnfinished
        )
    }
}

/// One problem, with what to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<DocId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<BlobId>,
    /// The document's first source, or the file concerned.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    pub detail: String,
    pub repair: String,
    pub damage: bool,
}

/// What a check found.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CheckReport {
    pub documents: usize,
    pub blobs: usize,
    pub indexed_documents: usize,
    pub pages_with_text: usize,
    /// Blobs re-hashed (`--deep`).
    pub verified: usize,
    pub audit_entries: i64,
    pub problems: Vec<Problem>,
}

impl CheckReport {
    /// Whether anything is damaged (harmless leftovers aside).
    pub fn damaged(&self) -> bool {
        self.problems.iter().any(|p| p.damage)
    }

    fn add(
        &mut self,
        kind: ProblemKind,
        document: Option<DocId>,
        sha256: Option<BlobId>,
        path: impl Into<String>,
        detail: impl Into<String>,
        repair: impl Into<String>,
    ) {
        self.problems.push(Problem {
            kind,
            document,
            sha256,
            path: path.into(),
            detail: detail.into(),
            repair: repair.into(),
            damage: kind.is_damage(),
        });
    }
}

/// Check an archive. Needs the writer lock (an import must not be running).
pub fn check(archive: &Archive, opts: &CheckOptions) -> Result<CheckReport, CheckError> {
    let _lock = archive.lock_writer()?;
    let mut catalog = archive.catalog()?;
    let store = archive.store();
    let mut report = CheckReport::default();

    // 1. The catalog's database itself.
    for line in catalog.integrity(opts.deep)? {
        report.add(
            ProblemKind::CatalogCorrupt,
            None,
            None,
            archive.root().join("catalog.sqlite").display().to_string(),
            line,
            "restore catalog.sqlite from a backup, or rebuild the archive from an export (arshif import-bag)",
        );
    }

    // 2. Every document's blob: present, the right size, (deep) the right hash.
    let rows = catalog.check_rows()?;
    report.documents = rows.len();
    let mut named: HashSet<BlobId> = HashSet::with_capacity(rows.len());
    for row in &rows {
        named.insert(row.blob);
        let blob_path = store
            .local_path(&row.blob)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if !store.contains(&row.blob)? {
            report.add(
                ProblemKind::MissingBlob,
                Some(row.id),
                Some(row.blob),
                row.first_source.clone(),
                format!("the original is not in the store ({blob_path})"),
                format!(
                    "import the original file again (arshif ingest {:?}): the same bytes restore it under its name",
                    row.first_source
                ),
            );
            continue;
        }
        let size = store.size(&row.blob)?;
        if size != row.size {
            report.add(
                ProblemKind::BlobSize,
                Some(row.id),
                Some(row.blob),
                row.first_source.clone(),
                format!(
                    "the stored original is {size} bytes, the catalog says {} ({blob_path})",
                    row.size
                ),
                "move the damaged blob aside and import the original file again",
            );
            continue;
        }
        if opts.deep {
            let (actual, _) = crate::store::hash_reader(store.open(&row.blob)?)
                .map_err(|e| StoreError::io("read", std::path::Path::new(&blob_path), e))?;
            report.verified += 1;
            if actual == row.blob {
                catalog.mark_verified(row.id, Utc::now())?;
            } else {
                let last = row
                    .verified_at
                    .map(|t| format!("; last verified intact {}", t.format("%Y-%m-%d %H:%M UTC")))
                    .unwrap_or_default();
                report.add(
                    ProblemKind::BlobCorrupt,
                    Some(row.id),
                    Some(row.blob),
                    row.first_source.clone(),
                    format!("the stored original hashes to {actual}, not to its name ({blob_path}){last}"),
                    "move the damaged blob aside and import the original file again, or restore the blob from a backup or an export",
                );
            }
        }
    }

    // 2b. The whole batch scans documents were cut from: each kept once.
    let mut origins_seen: HashSet<BlobId> = HashSet::new();
    for o in catalog.source_origins()? {
        named.insert(o.origin);
        if !origins_seen.insert(o.origin) {
            continue;
        }
        if !store.contains(&o.origin)? {
            let blob_path = store
                .local_path(&o.origin)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            report.add(
                ProblemKind::MissingOrigin,
                Some(o.doc),
                Some(o.origin),
                o.path.clone(),
                format!(
                    "the whole batch scan this document was cut from is not in the store ({blob_path})"
                ),
                format!(
                    "import the batch scan again with --split (arshif ingest --split … {:?}): the same bytes restore it under its name",
                    o.path
                ),
            );
        } else if opts.deep {
            let (actual, _) = crate::store::hash_reader(store.open(&o.origin)?).map_err(|e| {
                StoreError::io("read", &store.local_path(&o.origin).unwrap_or_default(), e)
            })?;
            report.verified += 1;
            if actual != o.origin {
                report.add(
                    ProblemKind::BlobCorrupt,
                    Some(o.doc),
                    Some(o.origin),
                    o.path.clone(),
                    format!("the stored batch scan hashes to {actual}, not to its name"),
                    "move the damaged blob aside and import the batch scan again with --split",
                );
            }
        }
    }

    // 2b'. Earlier originals a rescan replaced: kept until their document
    // is purged.
    for row in &rows {
        for v in catalog.versions(row.id)? {
            named.insert(v.sha256);
            if !store.contains(&v.sha256)? {
                report.add(
                    ProblemKind::MissingBlob,
                    Some(row.id),
                    Some(v.sha256),
                    row.first_source.clone(),
                    format!(
                        "earlier version {} of the original is not in the store",
                        v.number
                    ),
                    "restore the blob from a backup or an export",
                );
            }
        }
    }

    // 2c. Tombstones: a purged document is gone from the catalog, its id
    // given to no other, and its blobs that nothing else refers to removed
    // (or to be, by the next purge).
    let live: HashSet<DocId> = rows.iter().map(|r| r.id).collect();
    let mut unfinished: HashSet<BlobId> = HashSet::new();
    for t in catalog.tombstones()? {
        if live.contains(&t.id) {
            report.add(
                ProblemKind::TombstoneConflict,
                Some(t.id),
                Some(t.sha256),
                "",
                format!(
                    "document {} was purged on {}, yet a document has its id",
                    t.id,
                    t.purged_at.format("%Y-%m-%d")
                ),
                "restore catalog.sqlite from a backup taken after the purge",
            );
        }
        if !t.blobs_removed {
            unfinished.extend(t.blobs.iter().filter(|b| !named.contains(b)).copied());
            report.add(
                ProblemKind::PurgeUnfinished,
                Some(t.id),
                Some(t.sha256),
                "",
                "a purge was interrupted before it removed this purged document's originals",
                "run arshif purge: it finishes what the interrupted one left",
            );
        }
    }

    // 3. Blobs nothing refers to (reclaimable), and staging leftovers.
    let blobs = store.list()?;
    report.blobs = blobs.len();
    for b in blobs
        .iter()
        .filter(|b| !named.contains(b) && !unfinished.contains(b))
    {
        report.add(
            ProblemKind::OrphanBlob,
            None,
            Some(*b),
            store
                .local_path(b)
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            "reclaimable: a stored blob that no document, version or batch-scan source refers to (an import interrupted between storing and recording it)",
            "run the interrupted import again (it adopts the blob), or delete the file if the import is abandoned",
        );
    }
    let staging = archive.root().join("store").join("tmp");
    if let Ok(entries) = std::fs::read_dir(&staging) {
        for e in entries.flatten() {
            report.add(
                ProblemKind::StagingLeftover,
                None,
                None,
                e.path().display().to_string(),
                "a partly written blob from an interrupted import",
                "harmless; the next import removes it, or delete it",
            );
        }
    }

    // 4. The index against the catalog.
    let index_dir = archive.index_dir();
    match crate::index::SearchIndex::open_existing(&index_dir).and_then(|i| i.inventory()) {
        Err(e) => report.add(
            ProblemKind::IndexDamaged,
            None,
            None,
            index_dir.display().to_string(),
            format!("the index cannot be read: {e}"),
            "arshif reindex (rebuilds it from the catalog; no OCR)",
        ),
        Ok(inv) => {
            for f in &inv.corrupt_files {
                report.add(
                    ProblemKind::IndexDamaged,
                    None,
                    None,
                    index_dir.join(f).display().to_string(),
                    "an index file does not match its checksum",
                    "arshif reindex (rebuilds it from the catalog; no OCR)",
                );
            }
            check_index(&mut report, &rows, &catalog.text_pages()?, inv);
        }
    }

    // 5. Who else can read the archive's own files.
    check_permissions(&mut report, archive.root());

    // 6. The accounts database.
    let accounts = archive.root().join(crate::auth::store::FILE_NAME);
    let found = archive
        .account_store()
        .map_err(|e| e.to_string())
        .and_then(|s| s.integrity(opts.deep).map_err(|e| e.to_string()));
    let lines = match found {
        Ok(lines) => lines,
        Err(e) => vec![format!("the accounts database cannot be read: {e}")],
    };
    for line in lines {
        report.add(
            ProblemKind::AccountsCorrupt,
            None,
            None,
            accounts.display().to_string(),
            line,
            "restore accounts.sqlite from a backup",
        );
    }

    // 7. The audit log's chain.
    match archive.audit_log().and_then(|log| log.verify()) {
        Ok(v) => {
            report.audit_entries = v.entries;
            if let Some((seq, why)) = v.broken {
                report.add(
                    ProblemKind::AuditChainBroken,
                    None,
                    None,
                    archive.root().join("audit.sqlite").display().to_string(),
                    format!("entry {seq}: {why}"),
                    "the log was changed outside arshif: keep this copy as evidence and compare with a backup (arshif audit verify)",
                );
            }
        }
        Err(e) => report.add(
            ProblemKind::AuditChainBroken,
            None,
            None,
            archive.root().join("audit.sqlite").display().to_string(),
            format!("the audit log cannot be read: {e}"),
            "restore audit.sqlite from a backup",
        ),
    }
    Ok(report)
}

/// At most this many files with wrong permissions are named one by one; the
/// rest are counted in one more problem (one `chmod` repairs them all).
const PERMISSION_PROBLEMS_NAMED: usize = 20;

/// Name every file and directory under `root` (and `root` itself) that
/// group or other accounts can read, write or enter. Symbolic links are
/// not followed (their own mode means nothing), and nothing outside the
/// archive directory is looked at: a shared archive's catalog and
/// originals are the database's and the bucket's to protect.
fn check_permissions(report: &mut CheckReport, root: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let repair = format!(
        "chmod -R go-rwx {}",
        shell_quote(&root.display().to_string())
    );
    let mut more = 0usize;
    let mut named = 0usize;
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        // An entry that vanished meanwhile (a cache file removed) or cannot
        // be read is not a permission problem of the archive's making.
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_symlink() {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let mode = meta.permissions().mode() & 0o7777;
        if mode & crate::archive::PRIVATE_MODE_MASK == 0 {
            continue;
        }
        if named == PERMISSION_PROBLEMS_NAMED {
            more += 1;
            continue;
        }
        named += 1;
        report.add(
            ProblemKind::WrongPermissions,
            None,
            None,
            entry.path().display().to_string(),
            format!(
                "{} (mode {mode:04o}); an archive's files must be its owner's alone (directories 0700, files 0600)",
                exposure(mode, meta.is_dir()),
            ),
            repair.clone(),
        );
    }
    if more > 0 {
        report.add(
            ProblemKind::WrongPermissions,
            None,
            None,
            root.display().to_string(),
            format!(
                "{more} more files or directories in the archive are open to group or other accounts (the first {PERMISSION_PROBLEMS_NAMED} are named above)"
            ),
            repair,
        );
    }
}

/// Who may do what to a file or directory of `mode`, e.g. "group and other
/// accounts can read this file".
fn exposure(mode: u32, is_dir: bool) -> String {
    let who = match (mode & 0o070 != 0, mode & 0o007 != 0) {
        (true, true) => "group and other accounts",
        (true, false) => "the group",
        _ => "other accounts",
    };
    let bits = (mode >> 3 | mode) & 0o7;
    let mut can = Vec::new();
    if bits & 0o4 != 0 {
        can.push(if is_dir { "list" } else { "read" });
    }
    if bits & 0o2 != 0 {
        can.push(if is_dir {
            "create and delete files in"
        } else {
            "write"
        });
    }
    if bits & 0o1 != 0 {
        can.push(if is_dir { "enter" } else { "execute" });
    }
    let what = if is_dir { "directory" } else { "file" };
    format!("{who} can {} this {what}", can.join(" and "))
}

/// `s` as one word for a POSIX shell: as it is when that is safe, else in
/// single quotes.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn check_index(
    report: &mut CheckReport,
    rows: &[crate::catalog::CheckRow],
    text_pages: &[(DocId, u32)],
    inv: crate::index::IndexInventory,
) {
    let reindex = "arshif reindex (rebuilds the index from the catalog; no OCR)";
    let mut expected: BTreeMap<DocId, BTreeSet<u32>> = BTreeMap::new();
    for (doc, page) in text_pages {
        expected.entry(*doc).or_default().insert(*page);
    }
    report.pages_with_text = text_pages.len();
    let mut indexed: BTreeMap<DocId, BTreeSet<u32>> = BTreeMap::new();
    let mut seen = HashSet::new();
    let known: HashSet<DocId> = rows.iter().map(|r| r.id).collect();
    for (doc, pages) in inv.documents {
        if !seen.insert(doc) {
            report.add(
                ProblemKind::DuplicateInIndex,
                Some(doc),
                None,
                "",
                "the document is in the index more than once",
                reindex,
            );
        }
        if !known.contains(&doc) {
            report.add(
                ProblemKind::UnknownInIndex,
                Some(doc),
                None,
                "",
                "the index holds a document the catalog does not know",
                reindex,
            );
            continue;
        }
        indexed.entry(doc).or_default().extend(pages);
    }
    report.indexed_documents = indexed.len();
    for row in rows {
        let want = expected.remove(&row.id).unwrap_or_default();
        if row.trashed {
            // In the trash: out of the index once its change is indexed.
            if row.indexed && indexed.contains_key(&row.id) {
                report.add(
                    ProblemKind::UnknownInIndex,
                    Some(row.id),
                    Some(row.blob),
                    row.first_source.clone(),
                    "a document in the trash is still in the index",
                    reindex,
                );
            }
            continue;
        }
        match indexed.get(&row.id) {
            None => {
                let pending = !row.indexed;
                report.add(
                    if pending {
                        ProblemKind::NotIndexed
                    } else {
                        ProblemKind::PagesNotIndexed
                    },
                    Some(row.id),
                    Some(row.blob),
                    row.first_source.clone(),
                    if pending {
                        "not indexed yet (an import or reindex was interrupted)".to_string()
                    } else {
                        "recorded as indexed, but missing from the index".to_string()
                    },
                    if pending {
                        "the next import indexes it, or run arshif reindex"
                    } else {
                        reindex
                    },
                );
            }
            Some(got) if *got != want => {
                let missing: Vec<String> = want.difference(got).map(|n| n.to_string()).collect();
                let extra: Vec<String> = got.difference(&want).map(|n| n.to_string()).collect();
                report.add(
                    ProblemKind::PagesNotIndexed,
                    Some(row.id),
                    Some(row.blob),
                    row.first_source.clone(),
                    format!(
                        "indexed pages differ from the catalog's: missing [{}], extra [{}]",
                        missing.join(", "),
                        extra.join(", ")
                    ),
                    reindex,
                );
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_says_who_can_do_what() {
        assert_eq!(
            exposure(0o644, false),
            "group and other accounts can read this file"
        );
        assert_eq!(
            exposure(0o660, false),
            "the group can read and write this file"
        );
        assert_eq!(
            exposure(0o755, true),
            "group and other accounts can list and enter this directory"
        );
        assert_eq!(
            exposure(0o702, true),
            "other accounts can create and delete files in this directory"
        );
    }

    #[test]
    fn repairs_quote_paths_for_the_shell() {
        assert_eq!(shell_quote("/srv/arshif"), "/srv/arshif");
        assert_eq!(shell_quote("/srv/my archive"), "'/srv/my archive'");
        assert_eq!(shell_quote("/srv/it's"), "'/srv/it'\\''s'");
        assert_eq!(shell_quote("/srv/أرشيف"), "'/srv/أرشيف'");
    }

    #[test]
    fn a_private_archive_checks_clean_and_open_files_are_named() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("a");
        let archive = Archive::init(&root).unwrap();
        let report = check(&archive, &CheckOptions::default()).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);

        let index = root.join("index");
        std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o755)).unwrap();
        let report = check(&archive, &CheckOptions::default()).unwrap();
        assert!(report.damaged());
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = &report.problems[0];
        assert_eq!(p.kind, ProblemKind::WrongPermissions);
        assert_eq!(p.path, index.display().to_string());
        assert!(p.detail.contains("mode 0755"), "{}", p.detail);
        assert_eq!(p.repair, format!("chmod -R go-rwx {}", root.display()));
    }
}

//! The content-addressed blob store: every original, byte for byte, under
//! the sha256 of its bytes. See `docs/STORE-FORMAT.md` for the on-disk format.
//!
//! The store is behind the [`BlobStore`] trait so that a later backend (an
//! S3-compatible object store) can replace the local directory. Writing is
//! two-phase: [`BlobStore::stage`] copies a file into a private temp file while
//! hashing it, the caller reads and validates the staged copy, and
//! [`BlobStore::commit`] publishes it under its final name, atomically and
//! without ever replacing an existing blob.

mod local;
mod s3;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use local::LocalStore;
pub use s3::{S3Config, S3Location, S3Store};

use crate::types::BlobId;

/// Read buffer for streaming hashes and copies. Large enough to amortise
/// syscalls, small enough to keep memory flat with many threads.
pub const IO_BUF: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} changed while it was being imported (sha256 was {expected}, now {actual}); import it again once it is complete")]
    Changed {
        path: PathBuf,
        expected: BlobId,
        actual: BlobId,
    },
    #[error("blob {0} is not in the store")]
    NotFound(BlobId),
    #[error("object store: {op} {key}: {source}")]
    S3 {
        op: &'static str,
        key: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{location} holds bytes that are not blob {id} (they hash to {actual})")]
    Corrupt {
        id: BlobId,
        actual: BlobId,
        location: PathBuf,
    },
    #[error("store settings: {0}")]
    Config(String),
}

impl StoreError {
    pub(crate) fn io(op: &'static str, path: &Path, source: std::io::Error) -> Self {
        StoreError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The mode of a directory the store creates: its owner's alone.
pub const DIR_MODE: u32 = 0o700;
/// The mode of a staged copy while it is written.
pub const STAGED_MODE: u32 = 0o600;
/// The mode of a published blob: read-only, its owner's alone.
pub const BLOB_MODE: u32 = 0o400;

/// Create a directory and any missing parents, each private to the owner
/// ([`DIR_MODE`], narrowed further by the umask).
pub(crate) fn create_private_dir_all(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| StoreError::io("create directory", dir, e))
}

/// A file copied into the store's staging area and hashed, not yet published.
/// Dropping it without [`BlobStore::commit`] removes the staged copy.
#[derive(Debug)]
pub struct StagedBlob {
    id: BlobId,
    size: u64,
    path: PathBuf,
    committed: bool,
}

impl StagedBlob {
    pub fn id(&self) -> BlobId {
        self.id
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    /// The staged copy, readable until it is committed or dropped. Extraction
    /// reads this copy, so what is OCR'd is exactly what is stored.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StagedBlob {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Whether a commit wrote a new blob or found the same bytes already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    New,
    AlreadyStored,
}

/// Blob storage keyed by sha256. Blobs are immutable: once a name exists, its
/// bytes never change and are never replaced.
pub trait BlobStore: Send + Sync {
    /// Copy `src` into the staging area, hashing as it streams. When `expected`
    /// is given and the bytes hash differently, the file changed since it was
    /// first hashed and [`StoreError::Changed`] is returned.
    fn stage(&self, src: &Path, expected: Option<&BlobId>) -> Result<StagedBlob, StoreError>;
    /// Publish a staged blob under its id. Durable when this returns.
    fn commit(&self, staged: StagedBlob) -> Result<Committed, StoreError>;
    fn contains(&self, id: &BlobId) -> Result<bool, StoreError>;
    /// Stream a blob's bytes.
    fn open(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, StoreError>;
    /// The blob's size in bytes.
    fn size(&self, id: &BlobId) -> Result<u64, StoreError>;
    /// A local file holding the blob, when the backend has one (the local store does).
    fn local_path(&self, id: &BlobId) -> Option<PathBuf>;
    /// A local file holding the blob: the blob itself in a local store, a
    /// verified copy in the node's read cache for a remote one.
    fn local_copy(&self, id: &BlobId) -> Result<PathBuf, StoreError> {
        match self.local_path(id) {
            Some(p) if p.is_file() => Ok(p),
            _ => Err(StoreError::NotFound(*id)),
        }
    }
    /// Every blob id in the store.
    fn list(&self) -> Result<Vec<BlobId>, StoreError>;
    /// Remove a blob (and any local copy of it): only for a purge, after
    /// the catalog found that nothing refers to it (see
    /// [`crate::catalog::Catalog::remove_blob`]). A blob already gone is
    /// not an error. Durable when this returns.
    fn remove(&self, id: &BlobId) -> Result<(), StoreError>;
    /// Remove staged files left by a process that died. Only call this while
    /// holding the archive's writer lock, when no other stage can be in flight.
    fn clean_staging(&self) -> Result<usize, StoreError>;
}

/// Hash a file with streaming reads; returns its sha256 and size.
pub fn hash_file(path: &Path) -> Result<(BlobId, u64), StoreError> {
    let file = std::fs::File::open(path).map_err(|e| StoreError::io("open", path, e))?;
    hash_reader(file).map_err(|e| StoreError::io("read", path, e))
}

/// Hash everything a reader yields.
pub fn hash_reader(mut r: impl Read) -> std::io::Result<(BlobId, u64)> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; IO_BUF];
    let mut size = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((BlobId::from_bytes(hasher.finalize().into()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_known_digests() {
        let (id, n) = hash_reader(&b""[..]).unwrap();
        assert_eq!(
            id.to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(n, 0);
        let (id, n) = hash_reader(&b"abc"[..]).unwrap();
        assert_eq!(
            id.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(n, 3);
    }
}

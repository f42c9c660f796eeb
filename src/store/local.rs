//! The local-directory blob store.
//!
//! Layout under the store root:
//! ```text
//! sha256/ab/cd/abcd…(64 hex)   one file per blob, read-only
//! tmp/                         staged copies; anything here is garbage after a crash
//! ```
//!
//! Directories are 0700, staged copies 0600 and blobs 0400: the originals
//! are the owner's alone (see `docs/STORE-FORMAT.md`).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::Digest;

use super::{
    create_private_dir_all, BlobStore, Committed, StagedBlob, StoreError, BLOB_MODE, DIR_MODE,
    IO_BUF, STAGED_MODE,
};
use crate::types::BlobId;

static STAGE_COUNTER: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// Create the store's directories (idempotent).
    pub fn create(root: &Path) -> Result<Self, StoreError> {
        for d in [root.to_path_buf(), root.join("sha256"), root.join("tmp")] {
            create_private_dir_all(&d)?;
        }
        Ok(LocalStore {
            root: root.to_path_buf(),
        })
    }

    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let sha = root.join("sha256");
        if !sha.is_dir() {
            return Err(StoreError::io(
                "open store",
                &sha,
                std::io::Error::new(std::io::ErrorKind::NotFound, "store directory is missing"),
            ));
        }
        create_private_dir_all(&root.join("tmp"))?;
        Ok(LocalStore {
            root: root.to_path_buf(),
        })
    }

    /// `sha256/ab/cd/<hex>`
    pub fn blob_path(&self, id: &BlobId) -> PathBuf {
        let hex = id.to_hex();
        self.root
            .join("sha256")
            .join(&hex[0..2])
            .join(&hex[2..4])
            .join(hex)
    }

    fn clean_staging_dir(&self) -> Result<usize, StoreError> {
        let tmp = self.root.join("tmp");
        let mut n = 0;
        let entries = fs::read_dir(&tmp).map_err(|e| StoreError::io("read directory", &tmp, e))?;
        for entry in entries.flatten() {
            if fs::remove_file(entry.path()).is_ok() {
                n += 1;
            }
        }
        Ok(n)
    }

    fn ensure_dir(&self, dir: &Path) -> Result<(), StoreError> {
        if dir.is_dir() {
            return Ok(());
        }
        let parent = dir.parent().expect("shard directory has a parent");
        self.ensure_dir(parent)?;
        match fs::DirBuilder::new().mode(DIR_MODE).create(dir) {
            Ok(()) => sync_dir(parent),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(StoreError::io("create directory", dir, e)),
        }
    }
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("sync directory", dir, e))
}

impl BlobStore for LocalStore {
    fn remove(&self, id: &BlobId) -> Result<(), StoreError> {
        let path = self.blob_path(id);
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(path.parent().expect("blob paths have a parent")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io("remove", &path, e)),
        }
    }

    fn stage(&self, src: &Path, expected: Option<&BlobId>) -> Result<StagedBlob, StoreError> {
        let mut input = File::open(src).map_err(|e| StoreError::io("open", src, e))?;
        let n = STAGE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}-{}.part", std::process::id(), n));
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(STAGED_MODE)
            .open(&tmp)
            .map_err(|e| StoreError::io("create", &tmp, e))?;
        // From here on, the staged file is removed on every error path.
        let mut staged = StagedBlob {
            id: BlobId::from_bytes([0; 32]),
            size: 0,
            path: tmp,
            committed: false,
        };
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; IO_BUF];
        loop {
            let k = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(StoreError::io("read", src, e)),
            };
            hasher.update(&buf[..k]);
            out.write_all(&buf[..k])
                .map_err(|e| StoreError::io("write", &staged.path, e))?;
            staged.size += k as u64;
        }
        out.sync_all()
            .map_err(|e| StoreError::io("sync", &staged.path, e))?;
        staged.id = BlobId::from_bytes(hasher.finalize().into());
        if let Some(exp) = expected {
            if *exp != staged.id {
                return Err(StoreError::Changed {
                    path: src.to_path_buf(),
                    expected: *exp,
                    actual: staged.id,
                });
            }
        }
        Ok(staged)
    }

    fn commit(&self, mut staged: StagedBlob) -> Result<Committed, StoreError> {
        let dest = self.blob_path(&staged.id);
        if dest.exists() {
            return Ok(Committed::AlreadyStored); // staged copy removed on drop
        }
        let dir = dest.parent().expect("blob path has a parent");
        self.ensure_dir(dir)?;
        // Blobs are read-only (nothing in arshif ever opens one for writing)
        // and the owner's alone.
        fs::set_permissions(&staged.path, fs::Permissions::from_mode(BLOB_MODE))
            .map_err(|e| StoreError::io("chmod", &staged.path, e))?;
        // link(2) publishes atomically and fails if the name exists, so a blob
        // is never replaced, even by a concurrent writer of the same bytes.
        match fs::hard_link(&staged.path, &dest) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Ok(Committed::AlreadyStored)
            }
            Err(e) => return Err(StoreError::io("link", &dest, e)),
        }
        sync_dir(dir)?;
        let _ = fs::remove_file(&staged.path);
        staged.committed = true;
        Ok(Committed::New)
    }

    fn clean_staging(&self) -> Result<usize, StoreError> {
        self.clean_staging_dir()
    }

    fn contains(&self, id: &BlobId) -> Result<bool, StoreError> {
        let p = self.blob_path(id);
        match fs::metadata(&p) {
            Ok(m) => Ok(m.is_file()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::io("stat", &p, e)),
        }
    }

    fn open(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, StoreError> {
        let p = self.blob_path(id);
        match File::open(&p) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound(*id)),
            Err(e) => Err(StoreError::io("open", &p, e)),
        }
    }

    fn size(&self, id: &BlobId) -> Result<u64, StoreError> {
        let p = self.blob_path(id);
        match fs::metadata(&p) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound(*id)),
            Err(e) => Err(StoreError::io("stat", &p, e)),
        }
    }

    fn local_path(&self, id: &BlobId) -> Option<PathBuf> {
        Some(self.blob_path(id))
    }

    fn list(&self) -> Result<Vec<BlobId>, StoreError> {
        let mut out = Vec::new();
        let root = self.root.join("sha256");
        for entry in walkdir::WalkDir::new(&root).min_depth(3).max_depth(3) {
            let entry = entry.map_err(|e| {
                let p = e.path().unwrap_or(&root).to_path_buf();
                StoreError::io("walk", &p, e.into())
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            if let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<BlobId>().ok())
            {
                out.push(id);
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::hash_file;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn stage_commit_and_read_back() {
        let t = tempfile::tempdir().unwrap();
        let store = LocalStore::create(&t.path().join("store")).unwrap();
        let src = write(t.path(), "a.bin", b"hello archive");
        let (id, size) = hash_file(&src).unwrap();
        let staged = store.stage(&src, Some(&id)).unwrap();
        assert_eq!(staged.id(), id);
        assert_eq!(staged.size(), size);
        assert!(!store.contains(&id).unwrap());
        assert_eq!(store.commit(staged).unwrap(), Committed::New);
        assert!(store.contains(&id).unwrap());
        let mut back = Vec::new();
        store.open(&id).unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back, b"hello archive");
        let hex = id.to_hex();
        assert!(store.blob_path(&id).ends_with(format!(
            "sha256/{}/{}/{}",
            &hex[..2],
            &hex[2..4],
            hex
        )));
        assert_eq!(store.list().unwrap(), vec![id]);
        // staging area is empty again
        assert_eq!(fs::read_dir(t.path().join("store/tmp")).unwrap().count(), 0);
    }

    #[test]
    fn same_bytes_twice_store_once_and_never_rewrite() {
        let t = tempfile::tempdir().unwrap();
        let store = LocalStore::create(&t.path().join("store")).unwrap();
        let a = write(t.path(), "a", b"same");
        let b = write(t.path(), "b", b"same");
        assert_eq!(
            store.commit(store.stage(&a, None).unwrap()).unwrap(),
            Committed::New
        );
        let path = store.blob_path(&hash_file(&a).unwrap().0);
        let before = fs::metadata(&path).unwrap().modified().unwrap();
        assert_eq!(
            store.commit(store.stage(&b, None).unwrap()).unwrap(),
            Committed::AlreadyStored
        );
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
        assert!(fs::metadata(&path).unwrap().permissions().readonly());
        assert_eq!(store.list().unwrap().len(), 1);
    }

    #[test]
    fn a_changed_file_is_refused_and_leaves_nothing() {
        let t = tempfile::tempdir().unwrap();
        let store = LocalStore::create(&t.path().join("store")).unwrap();
        let a = write(t.path(), "a", b"first version");
        let (id, _) = hash_file(&a).unwrap();
        fs::write(&a, b"second version").unwrap();
        let err = store.stage(&a, Some(&id)).unwrap_err();
        assert!(matches!(err, StoreError::Changed { .. }), "{err}");
        assert_eq!(fs::read_dir(t.path().join("store/tmp")).unwrap().count(), 0);
        assert!(store.list().unwrap().is_empty());
    }

    #[test]
    fn the_store_is_its_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("store");
        let store = LocalStore::create(&root).unwrap();
        let a = write(t.path(), "a", b"a record");
        let staged = store.stage(&a, None).unwrap();
        assert_eq!(mode(staged.path()), 0o600);
        let id = staged.id();
        store.commit(staged).unwrap();
        let blob = store.blob_path(&id);
        assert_eq!(mode(&blob), 0o400);
        for dir in blob.ancestors().skip(1).take(4) {
            assert_eq!(mode(dir), 0o700, "{}", dir.display());
        }
        assert_eq!(mode(&root.join("tmp")), 0o700);
    }

    #[test]
    fn dropped_stage_is_removed() {
        let t = tempfile::tempdir().unwrap();
        let store = LocalStore::create(&t.path().join("store")).unwrap();
        let a = write(t.path(), "a", b"x");
        let staged = store.stage(&a, None).unwrap();
        let p = staged.path().to_path_buf();
        assert!(p.exists());
        drop(staged);
        assert!(!p.exists());
    }
}

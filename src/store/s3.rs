//! The S3-compatible blob store (Garage, MinIO, Ceph, AWS S3), through the
//! `object_store` crate.
//!
//! Layout under `s3://BUCKET/PREFIX/`:
//! ```text
//! sha256/ab/cd/abcd…(64 hex)   one object per blob, never overwritten
//! ```
//!
//! Staging is local (the node's `store/tmp/`), exactly as in the local
//! store: the file is copied and hashed there, read and validated, and only
//! then uploaded. Uploads carry a SHA-256 checksum (`x-amz-checksum-sha256`,
//! checked by the server); files above [`MULTIPART_THRESHOLD`] go up in
//! streaming multipart parts, never held in memory whole.
//!
//! A blob is never overwritten: a commit first asks whether the key exists
//! (HEAD) and uploads only when it does not. Conditional puts are not relied
//! on (Garage 2.5 ignores `If-None-Match: *`); two nodes racing to upload the
//! same key can only ever write the same bytes, since the key is their
//! sha256.
//!
//! Reads that need a file (page images, searchable PDFs, verification) go
//! through a read-through cache on the node (`store/cache/`), filled by
//! streaming the object to a temp file, checking its sha256 and renaming it
//! into place.
//!
//! Every call retries transient failures (connection refused, 5xx, time-outs)
//! with exponential backoff for up to [`S3Config::outage`], so an outage of
//! the object store pauses the work instead of failing it.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::Digest;

use super::{BlobStore, Committed, LocalStore, StagedBlob, StoreError, IO_BUF};
use crate::types::BlobId;

/// Files larger than this upload in multipart parts of [`PART_SIZE`].
pub const MULTIPART_THRESHOLD: u64 = 16 << 20;
/// Multipart part size (S3's minimum is 5 MiB).
pub const PART_SIZE: usize = 8 << 20;

/// Where the blobs live: `s3://BUCKET[/PREFIX]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub prefix: String,
}

impl S3Location {
    /// Parse `s3://BUCKET[/PREFIX]`.
    pub fn parse(url: &str) -> Result<S3Location, StoreError> {
        let bad = |why: &str| {
            StoreError::Config(format!("{url:?} is not an s3://BUCKET[/PREFIX] URL: {why}"))
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| bad("it must start with s3://"))?;
        let (bucket, prefix) = match rest.split_once('/') {
            Some((b, p)) => (b, p.trim_matches('/')),
            None => (rest, ""),
        };
        if bucket.is_empty()
            || !bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        {
            return Err(bad(
                "the bucket name must be lowercase letters, digits, '-' or '.'",
            ));
        }
        Ok(S3Location {
            bucket: bucket.into(),
            prefix: prefix.into(),
        })
    }

    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// Connection settings, from the AWS environment conventions.
#[derive(Debug, Clone)]
pub struct S3Config {
    pub location: S3Location,
    /// `AWS_ENDPOINT_URL` (unset: AWS itself).
    pub endpoint: Option<String>,
    /// `AWS_REGION` (default `us-east-1`).
    pub region: String,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// How long an operation keeps retrying before it fails
    /// (`ARSHIF_STORE_RETRY_SECS`, default 600).
    pub outage: Duration,
}

impl S3Config {
    /// Settings for `url` from the environment.
    pub fn from_env(url: &str) -> Result<S3Config, StoreError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let outage = var("ARSHIF_STORE_RETRY_SECS")
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(600);
        Ok(S3Config {
            location: S3Location::parse(url)?,
            endpoint: var("AWS_ENDPOINT_URL").or_else(|| var("AWS_ENDPOINT_URL_S3")),
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".into()),
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
            outage: Duration::from_secs(outage),
        })
    }
}

/// Whether plain http may be used: only to this machine.
fn loopback_http(endpoint: &str) -> Result<bool, StoreError> {
    let url = url::Url::parse(endpoint)
        .map_err(|e| StoreError::Config(format!("AWS_ENDPOINT_URL {endpoint:?}: {e}")))?;
    if url.scheme() != "http" {
        return Ok(false);
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    };
    if !loopback {
        return Err(StoreError::Config(format!(
            "AWS_ENDPOINT_URL {endpoint} is plain http to another machine; use https (plain http is allowed only for loopback)"
        )));
    }
    Ok(true)
}

/// Blobs in an S3 bucket; staging and a read cache on local disk.
#[derive(Clone)]
pub struct S3Store {
    client: Arc<AmazonS3>,
    rt: Arc<tokio::runtime::Runtime>,
    location: S3Location,
    outage: Duration,
    staging: LocalStore,
    cache: PathBuf,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S3Store({})", self.location.url())
    }
}

impl S3Store {
    /// Connect to the bucket; `local` is the node's directory for staged
    /// copies (`local/tmp`) and the read cache (`local/cache`).
    pub fn open(config: &S3Config, local: &Path) -> Result<S3Store, StoreError> {
        // The HTTP client's TLS takes the process's crypto provider.
        crate::tls::provider();
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&config.location.bucket)
            .with_region(&config.region)
            .with_virtual_hosted_style_request(false)
            .with_checksum_algorithm(object_store::aws::Checksum::SHA256)
            .with_retry(object_store::RetryConfig {
                backoff: object_store::BackoffConfig::default(),
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
            });
        if let Some(ep) = &config.endpoint {
            b = b.with_endpoint(ep).with_allow_http(loopback_http(ep)?);
        }
        if let Some(k) = &config.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(s) = &config.secret_access_key {
            b = b.with_secret_access_key(s);
        }
        let client = b
            .build()
            .map_err(|e| StoreError::Config(format!("{}: {e}", config.location.url())))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("arshif-s3")
            .enable_all()
            .build()
            .map_err(|e| StoreError::io("start S3 client runtime", local, e))?;
        let staging = LocalStore::create(local)?;
        let cache = local.join("cache");
        super::create_private_dir_all(&cache)?;
        Ok(S3Store {
            client: Arc::new(client),
            rt: Arc::new(rt),
            location: config.location.clone(),
            outage: config.outage,
            staging,
            cache,
        })
    }

    pub fn location(&self) -> &S3Location {
        &self.location
    }

    fn key(&self, id: &BlobId) -> ObjPath {
        let hex = id.to_hex();
        let rel = format!("sha256/{}/{}/{}", &hex[0..2], &hex[2..4], hex);
        if self.location.prefix.is_empty() {
            ObjPath::from(rel)
        } else {
            ObjPath::from(format!("{}/{rel}", self.location.prefix))
        }
    }

    fn display_key(&self, id: &BlobId) -> PathBuf {
        PathBuf::from(format!("s3://{}/{}", self.location.bucket, self.key(id)))
    }

    /// Run a future to completion from synchronous code (also from inside
    /// the server's runtime, on a blocking-capable thread).
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        match tokio::runtime::Handle::try_current() {
            Ok(_) => tokio::task::block_in_place(|| self.rt.block_on(f)),
            Err(_) => self.rt.block_on(f),
        }
    }

    /// Run `op` until it succeeds, gives an answer that is not an outage,
    /// or the outage budget is spent; waits 0.2 s doubling to 10 s between.
    fn retry<T>(
        &self,
        what: &'static str,
        key: &Path,
        mut op: impl FnMut() -> Result<T, object_store::Error>,
    ) -> Result<T, object_store::Error> {
        let start = Instant::now();
        let mut wait = Duration::from_millis(200);
        loop {
            match op() {
                Ok(v) => return Ok(v),
                Err(e) if !transient(&e) => return Err(e),
                Err(e) => {
                    if start.elapsed() + wait > self.outage {
                        return Err(e);
                    }
                    tracing::warn!(
                        "object store: {what} {} failed ({e}); retrying in {:.1} s",
                        key.display(),
                        wait.as_secs_f64()
                    );
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    fn head(&self, id: &BlobId) -> Result<Option<u64>, StoreError> {
        let key = self.key(id);
        let shown = self.display_key(id);
        match self.retry("stat", &shown, || self.block_on(self.client.head(&key))) {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(s3_err("stat", &shown, e)),
        }
    }

    fn upload(&self, id: &BlobId, src: &Path, size: u64) -> Result<(), StoreError> {
        let key = self.key(id);
        let shown = self.display_key(id);
        if size <= MULTIPART_THRESHOLD {
            let bytes = fs::read(src).map_err(|e| StoreError::io("read", src, e))?;
            let payload = PutPayload::from(Bytes::from(bytes));
            self.retry("upload", &shown, || {
                self.block_on(self.client.put(&key, payload.clone()))
            })
            .map_err(|e| s3_err("upload", &shown, e))?;
            return Ok(());
        }
        // Streaming multipart: at most two parts in flight, the file read
        // part by part. A failed upload is aborted and begun again.
        self.retry("upload", &shown, || {
            self.block_on(async {
                let upload = self.client.put_multipart(&key).await?;
                let mut w = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
                let mut file = File::open(src).map_err(|e| object_store::Error::Generic {
                    store: "local staging",
                    source: Box::new(e),
                })?;
                let mut buf = vec![0u8; IO_BUF];
                loop {
                    let n = match file.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            let _ = w.abort().await;
                            return Err(object_store::Error::Generic {
                                store: "local staging",
                                source: Box::new(e),
                            });
                        }
                    };
                    if let Err(e) = w.wait_for_capacity(2).await {
                        let _ = w.abort().await;
                        return Err(e);
                    }
                    w.write(&buf[..n]);
                }
                w.finish().await.map(|_| ())
            })
        })
        .map_err(|e| s3_err("upload", &shown, e))
    }

    /// Reach the bucket once (no waiting out an outage): a wrong endpoint,
    /// bucket or key fails here with the service's answer.
    pub fn list_probe(&self) -> Result<(), StoreError> {
        let prefix = ObjPath::from(self.location.prefix.as_str());
        self.block_on(self.client.list_with_delimiter(Some(&prefix)))
            .map(|_| ())
            .map_err(|e| s3_err("list", Path::new(&self.location.url()), e))
    }

    /// A local file holding the blob: downloaded into the node's cache
    /// (streamed, its sha256 checked) the first time.
    pub fn cached(&self, id: &BlobId) -> Result<PathBuf, StoreError> {
        let hex = id.to_hex();
        let dest = self.cache.join(&hex[0..2]).join(&hex);
        if dest.is_file() {
            return Ok(dest);
        }
        let dir = dest.parent().expect("cache path has a parent");
        super::create_private_dir_all(dir)?;
        let tmp =
            tempfile::NamedTempFile::new_in(dir).map_err(|e| StoreError::io("create", dir, e))?;
        let mut out = tmp.as_file();
        let mut hasher = sha2::Sha256::new();
        let mut r = self.open(id)?;
        let mut buf = vec![0u8; IO_BUF];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(StoreError::io("download", &self.display_key(id), e)),
            };
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| StoreError::io("write", tmp.path(), e))?;
        }
        let actual = BlobId::from_bytes(hasher.finalize().into());
        if actual != *id {
            return Err(StoreError::Corrupt {
                id: *id,
                actual,
                location: self.display_key(id),
            });
        }
        tmp.persist(&dest)
            .map_err(|e| StoreError::io("rename", &dest, e.error))?;
        Ok(dest)
    }
}

/// Errors worth waiting out: the service unreachable or failing, not a
/// refusal of the request.
fn transient(e: &object_store::Error) -> bool {
    match e {
        object_store::Error::NotFound { .. }
        | object_store::Error::AlreadyExists { .. }
        | object_store::Error::Precondition { .. }
        | object_store::Error::NotModified { .. }
        | object_store::Error::NotSupported { .. }
        | object_store::Error::NotImplemented { .. }
        | object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. }
        | object_store::Error::InvalidPath { .. }
        | object_store::Error::UnknownConfigurationKey { .. } => false,
        object_store::Error::Generic { store, .. } => *store != "local staging",
        _ => true,
    }
}

fn s3_err(op: &'static str, key: &Path, e: object_store::Error) -> StoreError {
    StoreError::S3 {
        op,
        key: key.display().to_string(),
        source: Box::new(e),
    }
}

/// A blob streamed from the bucket, read synchronously.
struct S3Reader {
    store: S3Store,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    chunk: Bytes,
    id: BlobId,
}

impl Read for S3Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            let next = {
                let stream = &mut self.stream;
                self.store.block_on(stream.next())
            };
            match next {
                None => return Ok(0),
                Some(Ok(b)) => self.chunk = b,
                Some(Err(e)) => {
                    return Err(std::io::Error::other(format!(
                        "{}: {e}",
                        self.store.display_key(&self.id).display()
                    )))
                }
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

impl BlobStore for S3Store {
    fn stage(&self, src: &Path, expected: Option<&BlobId>) -> Result<StagedBlob, StoreError> {
        self.staging.stage(src, expected)
    }

    fn commit(&self, staged: StagedBlob) -> Result<Committed, StoreError> {
        let id = staged.id();
        if let Some(size) = self.head(&id)? {
            if size == staged.size() {
                return Ok(Committed::AlreadyStored); // staged copy removed on drop
            }
            return Err(StoreError::Corrupt {
                id,
                actual: id,
                location: self.display_key(&id),
            });
        }
        self.upload(&id, staged.path(), staged.size())?;
        match self.head(&id)? {
            Some(size) if size == staged.size() => Ok(Committed::New),
            _ => Err(StoreError::S3 {
                op: "verify upload",
                key: self.display_key(&id).display().to_string(),
                source: "the object is missing or of the wrong size after upload".into(),
            }),
        }
    }

    fn contains(&self, id: &BlobId) -> Result<bool, StoreError> {
        Ok(self.head(id)?.is_some())
    }

    fn open(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, StoreError> {
        let key = self.key(id);
        let shown = self.display_key(id);
        let got = match self.retry("download", &shown, || self.block_on(self.client.get(&key))) {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Err(StoreError::NotFound(*id)),
            Err(e) => return Err(s3_err("download", &shown, e)),
        };
        Ok(Box::new(S3Reader {
            store: self.clone(),
            stream: got.into_stream(),
            chunk: Bytes::new(),
            id: *id,
        }))
    }

    fn size(&self, id: &BlobId) -> Result<u64, StoreError> {
        self.head(id)?.ok_or(StoreError::NotFound(*id))
    }

    fn remove(&self, id: &BlobId) -> Result<(), StoreError> {
        let key = self.key(id);
        let shown = self.display_key(id);
        match self.retry("delete", &shown, || self.block_on(self.client.delete(&key))) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(s3_err("delete", &shown, e)),
        }
        let hex = id.to_hex();
        let copy = self.cache.join(&hex[0..2]).join(&hex);
        match std::fs::remove_file(&copy) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io("remove", &copy, e)),
        }
    }

    fn local_path(&self, _id: &BlobId) -> Option<PathBuf> {
        None
    }

    fn local_copy(&self, id: &BlobId) -> Result<PathBuf, StoreError> {
        self.cached(id)
    }

    fn clean_staging(&self) -> Result<usize, StoreError> {
        self.staging.clean_staging()
    }

    fn list(&self) -> Result<Vec<BlobId>, StoreError> {
        let prefix = if self.location.prefix.is_empty() {
            ObjPath::from("sha256")
        } else {
            ObjPath::from(format!("{}/sha256", self.location.prefix))
        };
        let shown = PathBuf::from(format!("s3://{}/{prefix}", self.location.bucket));
        let metas = self
            .retry("list", &shown, || {
                self.block_on(self.client.list(Some(&prefix)).collect::<Vec<_>>())
                    .into_iter()
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| s3_err("list", &shown, e))?;
        Ok(metas
            .iter()
            .filter_map(|m| m.location.filename()?.parse().ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store on the test Garage node (`scripts/services.sh start`), under
    /// a prefix of its own.
    fn test_store(local: &Path) -> S3Store {
        let bucket = std::env::var("ARSHIF_TEST_BUCKET").expect(
            "ARSHIF_TEST_BUCKET and the AWS_* settings are unset: run `scripts/services.sh start` and export what it prints (make test does)",
        );
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let url = format!("s3://{bucket}/unit-{}-{nanos}", std::process::id());
        S3Store::open(&S3Config::from_env(&url).unwrap(), local).unwrap()
    }

    #[test]
    fn a_large_blob_goes_up_in_parts_and_comes_back_whole() {
        let t = tempfile::tempdir().unwrap();
        let store = test_store(&t.path().join("node"));
        // 20 MiB of varied bytes: above the multipart threshold.
        let src = t.path().join("big.bin");
        let mut bytes = Vec::with_capacity(20 << 20);
        let mut x: u32 = 1;
        while bytes.len() < 20 << 20 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        std::fs::write(&src, &bytes).unwrap();
        assert!(bytes.len() as u64 > MULTIPART_THRESHOLD);
        let staged = store.stage(&src, None).unwrap();
        let id = staged.id();
        assert_eq!(store.commit(staged).unwrap(), Committed::New);
        assert_eq!(store.size(&id).unwrap(), bytes.len() as u64);
        let (back, n) = super::super::hash_reader(store.open(&id).unwrap()).unwrap();
        assert_eq!((back, n), (id, bytes.len() as u64));
        // The verified cache holds the same bytes.
        let cached = store.local_copy(&id).unwrap();
        assert_eq!(std::fs::read(cached).unwrap(), bytes);
        assert_eq!(store.list().unwrap(), vec![id]);
    }

    #[test]
    fn a_blob_is_never_overwritten_and_a_missing_one_is_not_found() {
        let t = tempfile::tempdir().unwrap();
        let store = test_store(&t.path().join("node"));
        let src = t.path().join("a.txt");
        std::fs::write(&src, "رخصة بناء 4451234").unwrap();
        let staged = store.stage(&src, None).unwrap();
        let id = staged.id();
        assert_eq!(store.commit(staged).unwrap(), Committed::New);
        let key = store.key(&id);
        let first = store.block_on(store.client.head(&key)).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        // The same bytes again: found, not uploaded again.
        let again = store.stage(&src, None).unwrap();
        assert_eq!(store.commit(again).unwrap(), Committed::AlreadyStored);
        let second = store.block_on(store.client.head(&key)).unwrap();
        assert_eq!(first.last_modified, second.last_modified);
        assert_eq!(first.e_tag, second.e_tag);
        // Nothing staged is left behind.
        assert_eq!(store.clean_staging().unwrap(), 0);

        let missing = BlobId::from_bytes([7; 32]);
        assert!(!store.contains(&missing).unwrap());
        assert!(matches!(store.open(&missing), Err(StoreError::NotFound(_))));
        assert!(matches!(store.size(&missing), Err(StoreError::NotFound(_))));
    }

    #[test]
    fn locations_parse() {
        let l = S3Location::parse("s3://arshif/hasa/main").unwrap();
        assert_eq!(l.bucket, "arshif");
        assert_eq!(l.prefix, "hasa/main");
        assert_eq!(l.url(), "s3://arshif/hasa/main");
        assert_eq!(S3Location::parse("s3://b").unwrap().prefix, "");
        for bad in ["http://b", "s3://", "s3://Big/x", "s3://a_b"] {
            assert!(S3Location::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(loopback_http("http://127.0.0.1:3900").unwrap());
        assert!(loopback_http("http://localhost:3900").unwrap());
        assert!(loopback_http("http://[::1]:3900").unwrap());
        assert!(!loopback_http("https://s3.example.org").unwrap());
        let e = loopback_http("http://10.0.0.5:3900").unwrap_err();
        assert!(e.to_string().contains("plain http"), "{e}");
    }
}

//! The audit key and what it signs: a MAC on each entry, and checkpoints.
//!
//! The hash chain alone shows a change only to someone who does not
//! recompute it; whoever can write the log can. The key is a secret kept
//! away from the log (`ARSHIF_AUDIT_KEY`, or a file named by
//! `ARSHIF_AUDIT_KEY_FILE`): every entry appended while it is configured
//! carries an HMAC-SHA256 of its sequence number and hash, which nobody
//! without the key can make for a rewritten entry. Because an entry's hash
//! covers the hash before it, one valid MAC vouches for every entry up to
//! its own. [`Checkpoint`]s, signed with the same key and kept elsewhere,
//! pin how long the log was.
//!
//! Domain separation: entry MACs, checkpoint MACs and the key's id are
//! HMACs of texts that start with different labels, so none can stand in
//! for another.

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::AuditError;

/// The key itself, in the environment.
pub const KEY_ENV: &str = "ARSHIF_AUDIT_KEY";
/// The path of a file holding the key.
pub const KEY_FILE_ENV: &str = "ARSHIF_AUDIT_KEY_FILE";
/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// The format a checkpoint names.
pub const CHECKPOINT_FORMAT: &str = "arshif-audit-checkpoint/1";

type HmacSha256 = Hmac<Sha256>;

/// Where the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `ARSHIF_AUDIT_KEY`.
    Env,
    /// The file `ARSHIF_AUDIT_KEY_FILE` names.
    File(PathBuf),
    /// Given by the caller (tests, embedding programs).
    Given,
}

/// The secret that keys the audit log. Its bytes are never shown: `Debug`
/// prints only its id.
#[derive(Clone)]
pub struct AuditKey {
    bytes: Vec<u8>,
    id: String,
    source: KeySource,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey")
            .field("id", &self.id)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn key_error(detail: impl Into<String>) -> AuditError {
    AuditError::Key {
        detail: detail.into(),
    }
}

impl AuditKey {
    /// A key from its bytes (at least [`MIN_KEY_BYTES`]).
    pub fn new(bytes: &[u8]) -> Result<Self, AuditError> {
        Self::with_source(bytes, KeySource::Given)
    }

    fn with_source(bytes: &[u8], source: KeySource) -> Result<Self, AuditError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(key_error(format!(
                "the key is {} bytes long; give at least {MIN_KEY_BYTES} \
                 (e.g. the output of `openssl rand -hex 32`)",
                bytes.len()
            )));
        }
        let mut key = AuditKey {
            bytes: bytes.to_vec(),
            id: String::new(),
            source,
        };
        key.id = key.mac_hex("arshif audit key id", &[])[..16].to_string();
        Ok(key)
    }

    /// The key the environment configures: `ARSHIF_AUDIT_KEY` (its bytes),
    /// or the file `ARSHIF_AUDIT_KEY_FILE` names (its content, without
    /// surrounding whitespace). Neither set (or set empty): `None`. Both
    /// set: an error, rather than a guess.
    pub fn from_env() -> Result<Option<Self>, AuditError> {
        let value = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty());
        let file = std::env::var_os(KEY_FILE_ENV).filter(|v| !v.is_empty());
        match (value, file) {
            (None, None) => Ok(None),
            (Some(_), Some(_)) => Err(key_error(format!(
                "both {KEY_ENV} and {KEY_FILE_ENV} are set; set one"
            ))),
            (Some(v), None) => {
                use std::os::unix::ffi::OsStrExt;
                Self::with_source(v.as_bytes(), KeySource::Env).map(Some)
            }
            (None, Some(path)) => Self::from_file(Path::new(&path)).map(Some),
        }
    }

    /// The key in a file: its content without surrounding whitespace.
    pub fn from_file(path: &Path) -> Result<Self, AuditError> {
        let bytes = std::fs::read(path)
            .map_err(|e| key_error(format!("cannot read the key file {}: {e}", path.display())))?;
        Self::with_source(bytes.trim_ascii(), KeySource::File(path.to_path_buf()))
            .map_err(|e| key_error(format!("the key file {}: {e}", path.display())))
    }

    /// A short public name of the key (an HMAC of a fixed text: it tells
    /// keys apart and reveals nothing of them).
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// Refuse a key file kept in `dir` (the log's directory) or below it:
    /// whoever can rewrite the log could read it there.
    pub(super) fn check_apart_from(&self, dir: &Path) -> Result<(), AuditError> {
        let KeySource::File(file) = &self.source else {
            return Ok(());
        };
        let (Ok(file), Ok(dir)) = (file.canonicalize(), dir.canonicalize()) else {
            return Ok(());
        };
        if file.starts_with(&dir) {
            return Err(key_error(format!(
                "the key file {} is inside {}, beside the audit log: keep it \
                 elsewhere (whoever can rewrite the log could read it there)",
                file.display(),
                dir.display()
            )));
        }
        Ok(())
    }

    fn hmac(&self, label: &str, fields: &[&str]) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(&self.bytes).expect("HMAC takes any key length");
        m.update(label.as_bytes());
        m.update(b"\n");
        for field in fields {
            m.update(field.len().to_string().as_bytes());
            m.update(b":");
            m.update(field.as_bytes());
            m.update(b"\n");
        }
        m
    }

    fn mac_hex(&self, label: &str, fields: &[&str]) -> String {
        hex(&self.hmac(label, fields).finalize().into_bytes())
    }

    /// Whether `mac` (hex) is the MAC of `fields` under `label`, compared
    /// in constant time.
    fn check(&self, label: &str, fields: &[&str], mac: &str) -> bool {
        match unhex(mac) {
            Some(bytes) => self.hmac(label, fields).verify_slice(&bytes).is_ok(),
            None => false,
        }
    }

    /// An entry's MAC: over its sequence number and its hash (which covers
    /// every field and the hash before).
    pub(super) fn entry_mac(&self, seq: i64, hash: &str) -> String {
        self.mac_hex("arshif audit entry v1", &[&seq.to_string(), hash])
    }

    pub(super) fn entry_mac_ok(&self, seq: i64, hash: &str, mac: &str) -> bool {
        self.check("arshif audit entry v1", &[&seq.to_string(), hash], mac)
    }
}

/// A signed head of the log: entry `seq` had hash `hash`. Printed by
/// `arshif audit checkpoint` as one line of JSON, kept by the operator
/// away from the log, and given back to `arshif audit verify --checkpoint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// [`CHECKPOINT_FORMAT`].
    pub format: String,
    pub seq: i64,
    pub hash: String,
    /// The entry's time (RFC 3339, as stored).
    pub at: String,
    /// The id of the key that signed it.
    pub key_id: String,
    /// HMAC-SHA256 of the fields above, hex.
    pub mac: String,
}

const CHECKPOINT_LABEL: &str = "arshif audit checkpoint v1";

impl Checkpoint {
    /// Sign the head `seq`, `hash`, written at `at`, with `key`.
    pub fn sign(key: &AuditKey, seq: i64, hash: &str, at: &str) -> Self {
        let mut c = Checkpoint {
            format: CHECKPOINT_FORMAT.to_string(),
            seq,
            hash: hash.to_string(),
            at: at.to_string(),
            key_id: key.id().to_string(),
            mac: String::new(),
        };
        let fields = c.signed_fields();
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        c.mac = key.mac_hex(CHECKPOINT_LABEL, &fields);
        c
    }

    fn signed_fields(&self) -> [String; 5] {
        [
            self.format.clone(),
            self.seq.to_string(),
            self.hash.clone(),
            self.at.clone(),
            self.key_id.clone(),
        ]
    }

    /// A checkpoint as printed (one JSON object; surrounding whitespace is
    /// ignored).
    pub fn parse(text: &str) -> Result<Self, AuditError> {
        let c: Checkpoint =
            serde_json::from_str(text.trim()).map_err(|e| AuditError::Checkpoint {
                detail: format!("not a checkpoint written by `arshif audit checkpoint`: {e}"),
            })?;
        if c.format != CHECKPOINT_FORMAT {
            return Err(AuditError::Checkpoint {
                detail: format!(
                    "format {:?}; this arshif reads {CHECKPOINT_FORMAT:?}",
                    c.format
                ),
            });
        }
        Ok(c)
    }

    /// Read a checkpoint file.
    pub fn read(path: &Path) -> Result<Self, AuditError> {
        let text = std::fs::read_to_string(path).map_err(|e| AuditError::Checkpoint {
            detail: format!("cannot read {}: {e}", path.display()),
        })?;
        Self::parse(&text).map_err(|e| AuditError::Checkpoint {
            detail: format!("{}: {e}", path.display()),
        })
    }

    /// Why the checkpoint is not one signed by `key`, if it is not.
    pub fn signature_problem(&self, key: &AuditKey) -> Option<String> {
        if self.key_id != key.id() {
            return Some(format!(
                "the checkpoint of entry {} was signed with another key (id {}; the configured key's id is {})",
                self.seq,
                self.key_id,
                key.id()
            ));
        }
        let fields = self.signed_fields();
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        (!key.check(CHECKPOINT_LABEL, &fields, &self.mac)).then(|| {
            format!(
                "the checkpoint of entry {} does not match its MAC: it was changed or forged",
                self.seq
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> AuditKey {
        AuditKey::new(&[b; 32]).unwrap()
    }

    #[test]
    fn short_keys_are_refused_and_never_shown() {
        let e = AuditKey::new(b"short").unwrap_err();
        assert!(e.to_string().contains("at least 16"), "{e}");
        let k = AuditKey::new(b"a secret of some length").unwrap();
        let shown = format!("{k:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains(k.id()));
        assert_eq!(k.id().len(), 16);
        assert_ne!(k.id(), key(1).id());
    }

    #[test]
    fn entry_macs_depend_on_key_seq_and_hash() {
        let (a, b) = (key(1), key(2));
        let mac = a.entry_mac(5, "abc");
        assert_eq!(mac.len(), 64);
        assert!(a.entry_mac_ok(5, "abc", &mac));
        assert!(!a.entry_mac_ok(6, "abc", &mac));
        assert!(!a.entry_mac_ok(5, "abd", &mac));
        assert!(!b.entry_mac_ok(5, "abc", &mac));
        assert!(!a.entry_mac_ok(5, "abc", "zz"));
        assert!(!a.entry_mac_ok(5, "abc", ""));
        // An entry MAC is no checkpoint MAC.
        let c = Checkpoint::sign(&a, 5, "abc", "2024-01-01T00:00:00.000Z");
        assert_ne!(c.mac, mac);
    }

    #[test]
    fn checkpoints_round_trip_and_refuse_changes() {
        let a = key(1);
        let c = Checkpoint::sign(&a, 7, "ff00", "2024-01-01T00:00:00.000Z");
        let text = serde_json::to_string(&c).unwrap();
        let back = Checkpoint::parse(&format!("{text}\n")).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.signature_problem(&a), None);
        let other = back.signature_problem(&key(2)).unwrap();
        assert!(other.contains("another key"), "{other}");
        for change in [
            |c: &mut Checkpoint| c.seq = 8,
            |c: &mut Checkpoint| c.hash = "ff01".into(),
            |c: &mut Checkpoint| c.at = "2025-01-01T00:00:00.000Z".into(),
            |c: &mut Checkpoint| c.mac = "00".repeat(32),
        ] {
            let mut d = c.clone();
            change(&mut d);
            let why = d.signature_problem(&a).expect("refused");
            assert!(why.contains("changed or forged"), "{why}");
        }
        assert!(Checkpoint::parse("{}").is_err());
        let mut wrong = c.clone();
        wrong.format = "x/2".into();
        let e = Checkpoint::parse(&serde_json::to_string(&wrong).unwrap()).unwrap_err();
        assert!(e.to_string().contains("x/2"), "{e}");
    }

    #[test]
    fn a_key_file_beside_the_log_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("audit.key");
        std::fs::write(&inside, "0123456789abcdef0123456789abcdef\n").unwrap();
        let k = AuditKey::from_file(&inside).unwrap();
        // Surrounding whitespace is not part of the key.
        assert_eq!(
            k.id(),
            AuditKey::new(b"0123456789abcdef0123456789abcdef")
                .unwrap()
                .id()
        );
        let e = k.check_apart_from(dir.path()).unwrap_err();
        assert!(e.to_string().contains("beside the audit log"), "{e}");
        let elsewhere = tempfile::tempdir().unwrap();
        k.check_apart_from(elsewhere.path()).unwrap();
        let e = AuditKey::from_file(&dir.path().join("missing")).unwrap_err();
        assert!(e.to_string().contains("cannot read"), "{e}");
    }
}

//! Small value types shared by every module: content hashes, document ids,
//! branch slugs and document types. They are newtypes so that a sha256 is
//! never confused with a path, a slug or an id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The sha256 of a blob's bytes, which is also its name in the store.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId([u8; 32]);

/// Why a string is not a valid [`BlobId`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a sha256 hex digest: {0:?} (expected 64 lowercase hex digits)")]
pub struct BadBlobId(pub String);

impl BlobId {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        BlobId(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64-character lowercase hex form.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        }
        out
    }
}

impl FromStr for BlobId {
    type Err = BadBlobId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return Err(BadBlobId(s.to_string()));
        }
        let nibble = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            match (nibble(pair[0]), nibble(pair[1])) {
                (Some(h), Some(l)) => out[i] = (h << 4) | l,
                _ => return Err(BadBlobId(s.to_string())),
            }
        }
        Ok(BlobId(out))
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({})", self.to_hex())
    }
}

impl Serialize for BlobId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for BlobId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A document's id in the catalog. One document per distinct blob.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocId(pub i64);

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An import batch's id in the catalog.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub i64);

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a branch slug or document type was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {what} {value:?}: use 1-64 lowercase letters, digits, '-' or '_', starting with a letter or digit")]
pub struct BadSlug {
    pub what: &'static str,
    pub value: String,
}

fn check_slug(what: &'static str, value: &str) -> Result<String, BadSlug> {
    let v = value.trim().to_lowercase();
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.chars().next().is_some_and(|c| c.is_alphanumeric())
        && v.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(v)
    } else {
        Err(BadSlug {
            what,
            value: value.to_string(),
        })
    }
}

/// A branch municipality, e.g. `hofuf`, `mubarraz`. Lower case, no spaces.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BranchSlug(String);

impl BranchSlug {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for BranchSlug {
    type Err = BadSlug;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        check_slug("branch", s).map(BranchSlug)
    }
}

impl fmt::Display for BranchSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which branches' records someone may see: every branch (an
/// administrator, or the command line on the archive's own machine), or only
/// the branches they hold. A document is visible when any branch it was
/// imported under is in scope; a document imported under no branch is
/// visible to administrators only.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum BranchScope {
    All,
    Only(Vec<BranchSlug>),
}

impl BranchScope {
    pub fn allows(&self, branch: &BranchSlug) -> bool {
        match self {
            BranchScope::All => true,
            BranchScope::Only(held) => held.contains(branch),
        }
    }

    /// Whether a document imported under `branches` is visible.
    pub fn sees_any<'a>(&self, branches: impl IntoIterator<Item = &'a BranchSlug>) -> bool {
        match self {
            BranchScope::All => true,
            BranchScope::Only(_) => branches.into_iter().any(|b| self.allows(b)),
        }
    }
}

/// A document type such as `licence`, `health-certificate`, `violation-report`,
/// `letter` or `contract`. Free-form slug so that municipalities can add their own.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocType(String);

impl DocType {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for DocType {
    type Err = BadSlug;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        check_slug("document type", s).map(DocType)
    }
}

impl fmt::Display for DocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a page's text came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextSource {
    /// Recognised by Tesseract from the page image.
    Ocr,
    /// Taken from the PDF's own text layer.
    PdfText,
    /// Waiting for an OCR worker (imported with `ingest --queue`).
    Pending,
}

impl TextSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TextSource::Ocr => "ocr",
            TextSource::PdfText => "pdf-text",
            TextSource::Pending => "pending",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ocr" => Some(TextSource::Ocr),
            "pdf-text" => Some(TextSource::PdfText),
            "pending" => Some(TextSource::Pending),
            _ => None,
        }
    }
}

/// A recognised word and its box on the page, in pixels of the page image
/// as stored (after any rotation the OCR applied is undone, see `Page::rotation`).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    /// `[x, y, w, h]` in page pixels, origin top-left.
    pub bbox: [u32; 4],
    /// 0.0 ..= 1.0
    pub confidence: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_id_round_trips_through_hex() {
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let id: BlobId = hex.parse().unwrap();
        assert_eq!(id.to_hex(), hex);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{hex}\""));
    }

    #[test]
    fn blob_id_rejects_bad_input() {
        for bad in ["", "abc", &"g".repeat(64), &"A".repeat(64), &"a".repeat(63)] {
            assert!(bad.parse::<BlobId>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn slugs_are_normalised_and_checked() {
        assert_eq!("Hofuf".parse::<BranchSlug>().unwrap().as_str(), "hofuf");
        assert_eq!(
            "health-certificate".parse::<DocType>().unwrap().as_str(),
            "health-certificate"
        );
        for bad in ["", "a b", "../x", "-x", &"x".repeat(65)] {
            assert!(bad.parse::<BranchSlug>().is_err(), "{bad:?} accepted");
        }
    }
}

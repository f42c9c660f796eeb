//! Downloading a selection of documents as one zip file: the originals
//! under readable names, or a BagIt bag of them.
//!
//! The zip is written to an unnamed temporary file in `ARCHIVE/downloads/`
//! (private to arshif's account like the rest of the archive, gone when
//! closed, also after a crash) and the front end sends it from there: a
//! selection of 500 scans is too large to hold in memory.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::Path;

use super::{document, Actor, AppError, Done};
use crate::archive::Archive;
use crate::audit::Action;
use crate::bag::{BagError, ExportOptions};
use crate::catalog::{Catalog, DocumentRecord};
use crate::types::DocId;

/// Most documents one download holds.
pub const MAX_SELECTION: usize = 500;

/// What a selection is downloaded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionFormat {
    /// The originals, each under its title (or file name), `-ID` and its
    /// extension.
    Zip,
    /// A BagIt bag of the documents (as `arshif export` writes), zipped.
    Bag,
}

impl SelectionFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "zip" => Some(SelectionFormat::Zip),
            "bag" => Some(SelectionFormat::Bag),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SelectionFormat::Zip => "zip",
            SelectionFormat::Bag => "bag",
        }
    }
}

/// A written download: the zip file (read from its start), its size, and
/// the name to offer it under.
#[derive(Debug)]
pub struct Download {
    pub file: File,
    pub size: u64,
    pub name: String,
}

/// Why a selection could not be zipped.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("writing the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ZipError + '_ {
    move |source| ZipError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Download the documents `ids` as one zip. Every id must name a document
/// the actor may see: one that does not exist or is out of scope fails the
/// whole download as [`AppError::NoSuchDocument`] of that id (the front end
/// answers both alike, so nothing leaks). Audited as one `download` naming
/// every document.
pub fn selection(
    archive: &Archive,
    catalog: &dyn Catalog,
    who: &Actor,
    ids: &[DocId],
    format: SelectionFormat,
) -> Result<Done<Download>, AppError> {
    let mut docs = Vec::with_capacity(ids.len());
    for &id in ids {
        if docs.iter().any(|d: &DocumentRecord| d.id == id) {
            continue;
        }
        docs.push(document(catalog, who, id)?);
    }
    let dir = archive.root().join("downloads");
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut file = tempfile::tempfile_in(&dir).map_err(|e| io(&dir)(e))?;
    match format {
        SelectionFormat::Zip => write_originals(archive, &docs, &mut file, &dir)?,
        SelectionFormat::Bag => write_bag(archive, who, &docs, &mut file, &dir)?,
    }
    let size = file
        .seek(std::io::SeekFrom::End(0))
        .map_err(|e| io(&dir)(e))?;
    file.rewind().map_err(|e| io(&dir)(e))?;
    let name = format!("arshif-{}.zip", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
    let audit = who
        .event(Action::Download)
        .documents(docs.iter().map(|d| d.id))
        .detail(serde_json::json!({"what": "selection", "format": format.as_str(), "file": name}));
    Ok(Done {
        value: Download { file, size, name },
        audit,
    })
}

fn options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600)
}

/// Each original under [`entry_name`].
fn write_originals(
    archive: &Archive,
    docs: &[DocumentRecord],
    file: &mut File,
    dir: &Path,
) -> Result<(), AppError> {
    let mut zip = zip::ZipWriter::new(&mut *file);
    for d in docs {
        zip.start_file(entry_name(d), options())
            .map_err(ZipError::from)?;
        let mut reader = archive.store().open(&d.blob).map_err(BagError::from)?;
        std::io::copy(&mut reader, &mut zip).map_err(|e| io(dir)(e))?;
    }
    zip.finish().map_err(ZipError::from)?;
    file.flush().map_err(|e| io(dir)(e))?;
    Ok(())
}

/// A bag of the documents, written as `arshif export` writes one (only
/// what the actor may see of each), then zipped under `bag/`.
fn write_bag(
    archive: &Archive,
    who: &Actor,
    docs: &[DocumentRecord],
    file: &mut File,
    dir: &Path,
) -> Result<(), AppError> {
    let work = tempfile::Builder::new()
        .prefix("bag-")
        .tempdir_in(dir)
        .map_err(|e| io(dir)(e))?;
    let bag = work.path().join("bag");
    let opts = ExportOptions {
        ids: Some(docs.iter().map(|d| d.id).collect()),
        scope: Some(who.scope.clone()),
        ..Default::default()
    };
    crate::bag::export(archive, &bag, &opts)?;
    let mut zip = zip::ZipWriter::new(&mut *file);
    for entry in walkdir::WalkDir::new(&bag).sort_by_file_name() {
        let entry = entry.map_err(|e| io(&bag)(e.into()))?;
        let rel = entry
            .path()
            .strip_prefix(work.path())
            .expect("inside the work directory");
        let name = rel.to_string_lossy().replace('\\', "/");
        if entry.file_type().is_dir() {
            zip.add_directory(format!("{name}/"), options())
                .map_err(ZipError::from)?;
        } else {
            zip.start_file(name, options()).map_err(ZipError::from)?;
            let mut f = File::open(entry.path()).map_err(|e| io(entry.path())(e))?;
            std::io::copy(&mut f, &mut zip).map_err(|e| io(entry.path())(e))?;
        }
    }
    zip.finish().map_err(ZipError::from)?;
    file.flush().map_err(|e| io(dir)(e))?;
    Ok(())
}

/// A document's name in the zip: its title (else its first source's file
/// name), made safe for any file system, then `-ID` and the extension of
/// its original. Unique, as the id is.
pub fn entry_name(d: &DocumentRecord) -> String {
    let source = d.sources.first().map(|s| s.path.as_str()).unwrap_or("");
    name_for(&d.title, source, &d.media_type, d.id)
}

fn name_for(title: &str, source: &str, media_type: &str, id: DocId) -> String {
    let source = Path::new(source)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = Path::new(&source)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| crate::bag::extension(media_type).to_string());
    let stem_of_source = Path::new(&source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = if title.trim().is_empty() {
        stem_of_source
    } else {
        title.to_string()
    };
    let safe = sanitise(&base);
    let safe = if safe.is_empty() {
        "document".to_string()
    } else {
        safe
    };
    format!("{safe}-{id}.{ext}")
}

/// Letters (any script), digits, spaces (collapsed), `-`, `_`, `.` and
/// `(`/`)`; anything else (slashes, colons, control characters) becomes
/// `_`. At most 80 characters, no leading dot.
fn sanitise(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let collapsed = mapped.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = collapsed.chars().take(80).collect();
    cut.trim()
        .trim_start_matches('.')
        .trim_end_matches('.')
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_keep_the_id_and_extension() {
        let cases = [
            ("رخصة بناء", "scans/a.PDF", "رخصة بناء-7.pdf"),
            ("../../etc/passwd", "x.png", "_.._etc_passwd-7.png"),
            ("", "scans/مخطط 12.tif", "مخطط 12-7.tif"),
            ("a:b\\c\u{7}", "noext", "a_b_c_-7.bin"),
            ("...", "", "document-7.bin"),
        ];
        for (title, source, want) in cases {
            let got = name_for(title, source, "application/octet-stream", DocId(7));
            assert_eq!(got, want, "{title:?} {source:?}");
        }
    }
}

//! Page images for viewing: a page of a stored original, turned upright as
//! it was read (so OCR word boxes sit on it), scaled to a width, encoded as
//! JPEG and cached on disk under `cache/pages/` in the archive.
//!
//! The cache is derived data: deleting it loses nothing, and a cached image
//! is written to a temporary file and renamed into place, so a crash never
//! leaves half an image behind.

use std::path::{Path, PathBuf};

use crate::catalog::{DocumentRecord, PageRecord};
use crate::extract::{self, ExtractConfig, ExtractError};
use crate::store::BlobStore;
use crate::types::BlobId;

/// Narrowest and widest image served.
pub const MIN_WIDTH: u32 = 100;
pub const MAX_WIDTH: u32 = 2400;
/// Width of a thumbnail.
pub const THUMBNAIL_WIDTH: u32 = 200;
/// Default width of a page image.
pub const DEFAULT_WIDTH: u32 = 1200;

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("document {doc} has no page {page}")]
    NoPage { doc: i64, page: u32 },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot read page {page} of {blob}: {source}")]
    Extract {
        blob: BlobId,
        page: u32,
        #[source]
        source: ExtractError,
    },
    #[error("cannot encode the page image: {0}")]
    Encode(#[from] image::ImageError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Widths are served in steps of 100 pixels between [`MIN_WIDTH`] and
/// [`MAX_WIDTH`], so the cache holds a few sizes per page, not one per
/// window size.
pub fn width_step(requested: u32) -> u32 {
    requested.clamp(MIN_WIDTH, MAX_WIDTH).div_ceil(100) * 100
}

/// The on-disk cache of page images.
#[derive(Debug, Clone)]
pub struct PreviewCache {
    dir: PathBuf,
}

impl PreviewCache {
    pub fn new(archive_root: &Path) -> Self {
        PreviewCache {
            dir: archive_root.join("cache").join("pages"),
        }
    }

    fn path_of(&self, blob: &BlobId, page: &PageRecord, width: u32) -> PathBuf {
        let hex = blob.to_hex();
        self.dir
            .join(&hex[..2])
            .join(&hex)
            .join(format!("{}-r{}-w{}.jpg", page.number, page.rotation, width))
    }

    /// Drop every cached image of a blob's pages (its document was
    /// purged). Best effort: the cache is derived data.
    pub fn forget(&self, blob: &BlobId) {
        let hex = blob.to_hex();
        let _ = std::fs::remove_dir_all(self.dir.join(&hex[..2]).join(&hex));
    }

    /// JPEG bytes of `page` of `doc`, upright, `width` pixels wide (see
    /// [`width_step`]), from the cache or rendered now and cached.
    pub fn page_jpeg(
        &self,
        store: &dyn BlobStore,
        doc: &DocumentRecord,
        page: &PageRecord,
        width: u32,
    ) -> Result<Vec<u8>, PreviewError> {
        let width = width_step(width);
        let path = self.path_of(&doc.blob, page, width);
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok(bytes);
        }
        let bytes = render(store, doc, page, width)?;
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PreviewError::Io { path, source }
        };
        let dir = path.parent().expect("cache paths have a parent");
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
        std::fs::write(tmp.path(), &bytes).map_err(io(tmp.path()))?;
        tmp.persist(&path).map_err(|e| PreviewError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(bytes)
    }
}

fn render(
    store: &dyn BlobStore,
    doc: &DocumentRecord,
    page: &PageRecord,
    width: u32,
) -> Result<Vec<u8>, PreviewError> {
    let original = store.local_copy(&doc.blob)?;
    let extract_err = |source| PreviewError::Extract {
        blob: doc.blob,
        page: page.number,
        source,
    };
    let format = extract::sniff(&extract::read_head(&original).map_err(extract_err)?)
        .map_err(extract_err)?;
    let img = extract::page_image(&original, format, page.number, &ExtractConfig::default())
        .map_err(extract_err)?
        .image;
    let upright = crate::ocr::prep::rotate_quarter(&img, page.rotation);
    let (w, h) = upright.dimensions();
    let out_w = width.min(w.max(1));
    let out_h = ((h as u64 * out_w as u64) / w.max(1) as u64).max(1) as u32;
    let scaled = crate::ocr::prep::resize(&upright, out_w, out_h);
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 82).encode_image(&scaled)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_in_steps() {
        for (asked, served) in [
            (0, 100),
            (101, 200),
            (1200, 1200),
            (1250, 1300),
            (9000, 2400),
        ] {
            assert_eq!(width_step(asked), served, "{asked}");
        }
    }
}

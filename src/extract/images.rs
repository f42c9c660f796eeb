//! PNG and JPEG pages.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, GrayImage, ImageReader};

use super::{ExtractError, Format, Limits, PageImage};

pub(super) fn decode(
    path: &Path,
    format: Format,
    limits: &Limits,
) -> Result<PageImage, ExtractError> {
    let bytes = std::fs::read(path).map_err(ExtractError::Unreadable)?;
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    decode_bytes(&bytes, format, limits)
}

/// Decode a PNG or JPEG held in memory (also used for images embedded in PDFs).
pub(super) fn decode_bytes(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<PageImage, ExtractError> {
    let (img_format, dpi) = match format {
        Format::Png => {
            if !png_has_end(bytes) {
                return Err(ExtractError::Truncated {
                    format,
                    detail: "the file ends before the PNG end marker (IEND)".into(),
                });
            }
            (image::ImageFormat::Png, png_dpi(bytes))
        }
        Format::Jpeg => {
            if !jpeg_has_end(bytes) {
                return Err(ExtractError::Truncated {
                    format,
                    detail: "the file ends before the JPEG end-of-image marker".into(),
                });
            }
            (image::ImageFormat::Jpeg, jfif_dpi(bytes))
        }
        _ => unreachable!("images::decode_bytes only handles PNG and JPEG"),
    };
    // The header alone gives the size: check it before anything is decoded.
    let (w, h) = ImageReader::with_format(Cursor::new(bytes), img_format)
        .into_dimensions()
        .map_err(|e| image_error(format, e))?;
    limits.check_dimensions(format, w, h)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), img_format);
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_dimension);
    l.max_image_height = Some(limits.max_dimension);
    l.max_alloc = Some(limits.max_decoded_bytes);
    reader.limits(l);
    let img = reader.decode().map_err(|e| image_error(format, e))?;
    Ok(PageImage {
        image: to_gray_on_white(img),
        dpi,
    })
}

pub(super) fn image_error(format: Format, e: image::ImageError) -> ExtractError {
    use image::error::{ImageError as E, LimitErrorKind};
    match e {
        E::Limits(l) => ExtractError::TooLarge {
            format,
            detail: match l.kind() {
                LimitErrorKind::DimensionError => "image dimensions".to_string(),
                LimitErrorKind::InsufficientMemory => "decoded size".to_string(),
                _ => l.to_string(),
            },
            limit: "the configured decoding limits".into(),
        },
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ExtractError::Truncated {
                format,
                detail: io.to_string(),
            }
        }
        E::Unsupported(u) => ExtractError::UnsupportedFeature {
            format,
            detail: u.to_string(),
        },
        other => {
            let detail = other.to_string();
            if detail.to_ascii_lowercase().contains("eof") || detail.contains("end of") {
                ExtractError::Truncated { format, detail }
            } else {
                ExtractError::Corrupt { format, detail }
            }
        }
    }
}

/// Grey, with any transparency composited over white paper.
pub(super) fn to_gray_on_white(img: DynamicImage) -> GrayImage {
    if !img.color().has_alpha() {
        return img.to_luma8();
    }
    let la = img.to_luma_alpha8();
    let (w, h) = la.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        let p = la.get_pixel(x, y);
        let (v, a) = (p[0] as u32, p[1] as u32);
        image::Luma([((v * a + 255 * (255 - a)) / 255) as u8])
    })
}

fn png_has_end(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(64)..];
    tail.windows(4).any(|w| w == b"IEND")
}

fn jpeg_has_end(bytes: &[u8]) -> bool {
    // Some scanners pad after the marker; allow a little trailing data.
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Resolution from a PNG's pHYs chunk (pixels per metre).
fn png_dpi(bytes: &[u8]) -> Option<u32> {
    let mut i = 8;
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[i..i + 4].try_into().ok()?) as usize;
        let kind = &bytes[i + 4..i + 8];
        if kind == b"pHYs" && len == 9 && i + 8 + 9 <= bytes.len() {
            let d = &bytes[i + 8..i + 17];
            let ppm = u32::from_be_bytes(d[0..4].try_into().ok()?);
            let unit = d[8];
            return (unit == 1 && ppm > 0).then(|| (ppm as f64 * 0.0254).round() as u32);
        }
        if kind == b"IDAT" || kind == b"IEND" {
            return None;
        }
        i = i.checked_add(12 + len)?;
    }
    None
}

/// Resolution from a JPEG's JFIF header.
fn jfif_dpi(bytes: &[u8]) -> Option<u32> {
    if bytes.len() < 18 || bytes[2..4] != [0xFF, 0xE0] || &bytes[6..11] != b"JFIF\0" {
        return None;
    }
    let units = bytes[13];
    let x = u16::from_be_bytes([bytes[14], bytes[15]]) as u32;
    match units {
        1 if x > 1 => Some(x),
        2 if x > 1 => Some((x as f64 * 2.54).round() as u32),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_bytes(w: u32, h: u32) -> Vec<u8> {
        let img = GrayImage::from_pixel(w, h, image::Luma([200]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn decodes_a_png() {
        let b = png_bytes(30, 20);
        let p = decode_bytes(&b, Format::Png, &Limits::default()).unwrap();
        assert_eq!(p.image.dimensions(), (30, 20));
        assert_eq!(p.image.get_pixel(0, 0)[0], 200);
    }

    #[test]
    fn truncated_png_is_reported_as_truncated() {
        let b = png_bytes(300, 200);
        let cut = &b[..b.len() / 2];
        let err = decode_bytes(cut, Format::Png, &Limits::default()).unwrap_err();
        assert!(matches!(err, ExtractError::Truncated { .. }), "{err}");
    }

    #[test]
    fn png_bomb_is_refused_before_decoding() {
        let b = png_bytes(2000, 2000);
        let tight = Limits {
            max_pixels: 1_000_000,
            ..Limits::default()
        };
        let err = decode_bytes(&b, Format::Png, &tight).unwrap_err();
        assert!(matches!(err, ExtractError::TooLarge { .. }), "{err}");
    }
}

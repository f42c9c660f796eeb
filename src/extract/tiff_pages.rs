//! TIFF pages, every page of a multi-page file: bilevel CCITT Group 4 as
//! office scanners write it, greyscale, LZW and the rest the `tiff` crate reads.

use std::io::BufReader;
use std::path::Path;

use image::GrayImage;
use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::{ResolutionUnit, Tag};
use tiff::{ColorType, TiffError};

use super::{ExtractError, Format, Limits, PageImage};

const FORMAT: Format = Format::Tiff;

fn tiff_error(e: TiffError) -> ExtractError {
    match e {
        TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ExtractError::Truncated {
                format: FORMAT,
                detail: "the file ends inside an image".into(),
            }
        }
        TiffError::IoError(io) => ExtractError::Unreadable(io),
        TiffError::UnsupportedError(u) => ExtractError::UnsupportedFeature {
            format: FORMAT,
            detail: u.to_string(),
        },
        TiffError::LimitsExceeded => ExtractError::TooLarge {
            format: FORMAT,
            detail: "decoded image".into(),
            limit: "the configured decoding limits".into(),
        },
        other => {
            let detail = other.to_string();
            if detail.contains("end of file") || detail.to_ascii_lowercase().contains("eof") {
                ExtractError::Truncated {
                    format: FORMAT,
                    detail,
                }
            } else {
                ExtractError::Corrupt {
                    format: FORMAT,
                    detail,
                }
            }
        }
    }
}

/// Decode a TIFF page from memory (used for CCITT images inside PDFs).
pub(super) fn decode_single_in_memory(
    bytes: &[u8],
    limits: &Limits,
) -> Result<PageImage, ExtractError> {
    let mut first = None;
    decode_reader(std::io::Cursor::new(bytes), limits, &mut |_, p| {
        first = Some(p);
        false
    })
    .or_else(|e| match e {
        ExtractError::Stopped => Ok(1),
        e => Err(e),
    })?;
    first.ok_or_else(|| ExtractError::Corrupt {
        format: FORMAT,
        detail: "no image".into(),
    })
}

pub(super) fn decode_all(
    path: &Path,
    limits: &Limits,
    sink: &mut dyn FnMut(u32, PageImage) -> bool,
) -> Result<u32, ExtractError> {
    let file = std::fs::File::open(path).map_err(ExtractError::Unreadable)?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(ExtractError::Empty);
    }
    decode_reader(BufReader::new(file), limits, sink)
}

fn decode_reader<R: std::io::Read + std::io::Seek>(
    reader: R,
    limits: &Limits,
    sink: &mut dyn FnMut(u32, PageImage) -> bool,
) -> Result<u32, ExtractError> {
    let mut tl = tiff::decoder::Limits::default();
    tl.decoding_buffer_size = limits.max_decoded_bytes as usize;
    tl.intermediate_buffer_size = limits.max_decoded_bytes as usize;
    let mut dec = Decoder::new(reader).map_err(tiff_error)?.with_limits(tl);
    let mut n = 0u32;
    loop {
        n += 1;
        if n > limits.max_pages {
            return Err(ExtractError::TooLarge {
                format: FORMAT,
                detail: format!("more than {} pages", limits.max_pages),
                limit: format!("{} pages", limits.max_pages),
            });
        }
        let page = decode_current(&mut dec, limits)?;
        if !sink(n, page) {
            return Err(ExtractError::Stopped);
        }
        if !dec.more_images() {
            return Ok(n);
        }
        dec.next_image().map_err(tiff_error)?;
    }
}

fn dpi<R: std::io::Read + std::io::Seek>(dec: &mut Decoder<R>) -> Option<u32> {
    let unit = dec
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten()
        .and_then(ResolutionUnit::from_u16)
        .unwrap_or(ResolutionUnit::Inch);
    let v = dec.find_tag(Tag::XResolution).ok().flatten()?;
    let x = match v {
        tiff::decoder::ifd::Value::Rational(n, d) if d != 0 => n as f64 / d as f64,
        other => other.into_f64().ok()?,
    };
    let dpi = match unit {
        ResolutionUnit::Centimeter => x * 2.54,
        ResolutionUnit::None => return None,
        _ => x,
    };
    (dpi >= 1.0).then(|| dpi.round() as u32)
}

fn decode_current<R: std::io::Read + std::io::Seek>(
    dec: &mut Decoder<R>,
    limits: &Limits,
) -> Result<PageImage, ExtractError> {
    let (w, h) = dec.dimensions().map_err(tiff_error)?;
    limits.check_dimensions(FORMAT, w, h)?;
    let color = dec.colortype().map_err(tiff_error)?;
    let dpi = dpi(dec);
    let data = dec.read_image().map_err(tiff_error)?;
    let (w_us, h_us) = (w as usize, h as usize);
    let px = w_us * h_us;
    let short = || ExtractError::Truncated {
        format: FORMAT,
        detail: "image data is shorter than its size".into(),
    };
    let gray: Vec<u8> = match (color, data) {
        (ColorType::Gray(8), DecodingResult::U8(v)) => {
            if v.len() < px {
                return Err(short());
            }
            v[..px].to_vec()
        }
        (ColorType::Gray(bits @ (1 | 2 | 4)), DecodingResult::U8(v)) => {
            let bits = bits as usize;
            let row_bytes = (w_us * bits).div_ceil(8);
            if v.len() < row_bytes * h_us {
                return Err(short());
            }
            let max = (1u32 << bits) - 1;
            let mut out = Vec::with_capacity(px);
            for y in 0..h_us {
                let row = &v[y * row_bytes..(y + 1) * row_bytes];
                for x in 0..w_us {
                    let bit = x * bits;
                    let byte = row[bit / 8];
                    let shift = 8 - bits - (bit % 8);
                    let val = ((byte >> shift) as u32) & max;
                    out.push((val * 255 / max) as u8);
                }
            }
            out
        }
        (ColorType::Gray(16), DecodingResult::U16(v)) => {
            if v.len() < px {
                return Err(short());
            }
            v[..px].iter().map(|s| (s >> 8) as u8).collect()
        }
        (ColorType::RGB(8), DecodingResult::U8(v)) => rgb_to_gray(&v, 3, px).ok_or_else(short)?,
        (ColorType::RGBA(8), DecodingResult::U8(v)) => rgb_to_gray(&v, 4, px).ok_or_else(short)?,
        (
            ColorType::Multiband {
                bit_depth: 8,
                num_samples,
            },
            DecodingResult::U8(v),
        ) => {
            let n = num_samples as usize;
            if v.len() < px * n {
                return Err(short());
            }
            v.chunks_exact(n).take(px).map(|s| s[0]).collect()
        }
        (ColorType::Palette(8), DecodingResult::U8(v)) => {
            let map = dec.get_tag_u16_vec(Tag::ColorMap).map_err(tiff_error)?;
            if map.len() < 3 * 256 || v.len() < px {
                return Err(ExtractError::Corrupt {
                    format: FORMAT,
                    detail: "palette image without a full colour map".into(),
                });
            }
            v[..px]
                .iter()
                .map(|&i| {
                    let i = i as usize;
                    let (r, g, b) = (map[i] >> 8, map[256 + i] >> 8, map[512 + i] >> 8);
                    ((r as u32 * 299 + g as u32 * 587 + b as u32 * 114) / 1000) as u8
                })
                .collect()
        }
        (c, _) => {
            return Err(ExtractError::UnsupportedFeature {
                format: FORMAT,
                detail: format!("colour type {c:?}"),
            })
        }
    };
    let image = GrayImage::from_raw(w, h, gray).ok_or_else(short)?;
    Ok(PageImage { image, dpi })
}

fn rgb_to_gray(v: &[u8], n: usize, px: usize) -> Option<Vec<u8>> {
    if v.len() < px * n {
        return None;
    }
    Some(
        v.chunks_exact(n)
            .take(px)
            .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
            .collect(),
    )
}

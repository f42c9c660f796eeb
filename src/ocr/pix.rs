//! A grey page handed to Tesseract as a Leptonica `Pix`.
//!
//! `TessBaseAPISetImage` with raw 8-bit bytes copies the page into a `Pix`
//! one pixel at a time through Leptonica's accessor macros: about 10 ms for
//! a 300 dpi A4 page, and arshif sets each page several times (orientation,
//! reading, the single-block check). `TessBaseAPISetImage2` takes a `Pix`
//! and copies it with one `memcpy`, so the page is packed into Leptonica's
//! layout once, here, with a word-at-a-time copy.
//!
//! Only the four Leptonica functions this needs are declared; the library is
//! the one libtesseract itself links (`libleptonica-dev`).

use std::ffi::c_void;
use std::ptr::NonNull;

use image::GrayImage;

#[link(name = "lept")]
extern "C" {
    fn pixCreateNoInit(width: i32, height: i32, depth: i32) -> *mut c_void;
    fn pixGetData(pix: *mut c_void) -> *mut u32;
    fn pixGetWpl(pix: *mut c_void) -> i32;
    fn pixDestroy(ppix: *mut *mut c_void);
}

/// An owned 8-bit Leptonica image.
pub struct Pix(NonNull<c_void>);

impl Pix {
    /// Pack a grey image into a new `Pix`. Returns `None` when Leptonica
    /// cannot allocate it (or the image is empty or too large for it).
    pub fn from_gray(img: &GrayImage) -> Option<Pix> {
        let (w, h) = img.dimensions();
        let (wi, hi) = (i32::try_from(w).ok()?, i32::try_from(h).ok()?);
        if w == 0 || h == 0 {
            return None;
        }
        // SAFETY: pixCreateNoInit returns null or a w×h×8 image that we
        // own; every word of it is written below (8-bit rows hold
        // ceil(w/4) words).
        let pix = NonNull::new(unsafe { pixCreateNoInit(wi, hi, 8) })?;
        let pix = Pix(pix);
        // SAFETY: the pix is live; wpl and data describe its h rows of
        // wpl words each.
        let (data, wpl) = unsafe {
            let wpl = pixGetWpl(pix.0.as_ptr()) as usize;
            (pixGetData(pix.0.as_ptr()), wpl)
        };
        if data.is_null() || wpl != (w as usize).div_ceil(4) {
            return None;
        }
        // SAFETY: data holds h * wpl words, written only through this slice
        // while no one else holds the pix.
        let words = unsafe { std::slice::from_raw_parts_mut(data, h as usize * wpl) };
        let src = img.as_raw();
        for (row, dst) in src
            .chunks_exact(w as usize)
            .zip(words.chunks_exact_mut(wpl))
        {
            // Leptonica keeps 8-bit pixels in 32-bit words, the leftmost
            // pixel in the most significant byte.
            let mut quads = row.chunks_exact(4);
            for (d, q) in dst.iter_mut().zip(&mut quads) {
                *d = u32::from_be_bytes([q[0], q[1], q[2], q[3]]);
            }
            let rest = quads.remainder();
            if !rest.is_empty() {
                let mut q = [0u8; 4];
                q[..rest.len()].copy_from_slice(rest);
                dst[w as usize / 4] = u32::from_be_bytes(q);
            }
        }
        Some(pix)
    }

    /// The raw pointer, for `TessBaseAPISetImage2` (which copies it).
    pub fn as_ptr(&self) -> *mut c_void {
        self.0.as_ptr()
    }
}

impl Drop for Pix {
    fn drop(&mut self) {
        let mut p = self.0.as_ptr();
        // SAFETY: we own the pix; pixDestroy frees it and nulls p.
        unsafe { pixDestroy(&mut p) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_land_in_leptonica_order() {
        // 5 wide: one full word and a padded one per row.
        let img = GrayImage::from_fn(5, 2, |x, y| image::Luma([(10 * y + x) as u8]));
        let pix = Pix::from_gray(&img).expect("pix");
        let words = unsafe {
            let wpl = pixGetWpl(pix.as_ptr()) as usize;
            assert_eq!(wpl, 2);
            std::slice::from_raw_parts(pixGetData(pix.as_ptr()), 2 * wpl).to_vec()
        };
        assert_eq!(words, vec![0x00010203, 0x04000000, 0x0a0b0c0d, 0x0e000000]);
    }

    #[test]
    fn empty_image_has_no_pix() {
        assert!(Pix::from_gray(&GrayImage::new(0, 3)).is_none());
    }
}

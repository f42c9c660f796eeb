//! Bad files are reported with their path and a clear reason, and the rest of
//! the batch is archived all the same.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut h = crc32fast::Hasher::new();
    h.update(kind);
    h.update(data);
    out.extend_from_slice(&h.finalize().to_be_bytes());
}

/// A valid PNG header claiming 100 000 × 100 000 pixels (10 GB decoded)
/// with a few bytes of data: a decompression bomb.
fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey
    png_chunk(&mut out, b"IHDR", &ihdr);
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; 1 << 20]).unwrap();
    png_chunk(&mut out, b"IDAT", &z.finish().unwrap());
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A TIFF whose one strip claims 200 000 × 200 000 pixels.
fn tiff_bomb() -> Vec<u8> {
    let entries: [(u16, u16, u32); 8] = [
        (256, 4, 200_000),
        (257, 4, 200_000),
        (258, 3, 8),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 8 + 2 + 8 * 12 + 4),
        (278, 4, 200_000),
        (279, 4, 16),
    ];
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, typ, v) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        if typ == 3 {
            out.extend_from_slice(&(v as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&[0u8; 16]);
    out
}

fn prefix_of(src: &Path, fraction: f64) -> Vec<u8> {
    let b = std::fs::read(src).unwrap();
    b[..(b.len() as f64 * fraction) as usize].to_vec()
}

#[test]
fn bad_files_are_reported_and_the_rest_is_archived() {
    let a = TestArchive::new();
    let dir = a.scratch("intake");
    let s = samples();
    let good = s.join("en/inspection letter OMR-2024-0917.png");
    std::fs::copy(&good, dir.join("01 good.png")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("02 empty.pdf", vec![], "empty"),
        (
            "03 notes.txt",
            "minutes of the meeting\n".into(),
            "not a supported document",
        ),
        (
            "04 archive.zip",
            b"PK\x03\x04\x14\0\0\0\x08\0rest".to_vec(),
            "not a supported document",
        ),
        (
            "05 truncated.png",
            prefix_of(&s.join("ar/رخصة بناء 4451234.png"), 0.5),
            "truncated",
        ),
        (
            "06 truncated.jpg",
            prefix_of(&s.join("ar/شهادة صحية 27507976.jpg"), 0.6),
            "truncated",
        ),
        (
            "07 truncated.tif",
            prefix_of(&s.join("mixed/عقد صيانة MC-1445-0088.tif"), 0.5),
            "truncated",
        ),
        (
            "08 truncated.pdf",
            prefix_of(&s.join("pdf/محضر مخالفة 1445-552.pdf"), 0.4),
            "truncated",
        ),
        // a well-formed directory that lacks the image's size
        (
            "09 corrupt.tif",
            b"II*\0\x08\0\0\0\x01\0\xe7\x03\x03\0\x01\0\0\0\0\0\0\0\0\0\0\0garbage".to_vec(),
            "corrupt",
        ),
        (
            "10 corrupt.pdf",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage\ntrailer\n%%EOF\n".to_vec(),
            "corrupt",
        ),
        (
            "11 corrupt.png",
            {
                let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
                v.extend_from_slice(b"\0\0\0\x0dIHDRnot really a header at all IEND");
                v
            },
            "corrupt",
        ),
        (
            "12 encrypted.pdf",
            std::fs::read(repo().join("tests/data/encrypted.pdf")).unwrap(),
            "encrypted",
        ),
        ("13 bomb.png", png_bomb(), "refused"),
        ("14 bomb.tif", tiff_bomb(), "refused"),
    ];
    for (name, bytes, _) in &cases {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    std::os::unix::fs::symlink("/nonexistent/scan.png", dir.join("15 unreadable.png")).unwrap();

    let (report, code) = a.ingest(&[], &[&dir]);
    assert_eq!(
        code, 1,
        "some files failed, so the exit status is 1: {report}"
    );
    assert_eq!(report["ingested"], 1, "{report:#}");
    assert_eq!(report["failed"], cases.len() as u64 + 1, "{report:#}");
    assert_eq!(report["files_seen"], cases.len() as u64 + 2);
    let errors = report["errors"].as_array().unwrap();
    let error_for = |name: &str| -> String {
        errors
            .iter()
            .find(|e| e["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no error for {name}: {report:#}"))["error"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (name, _, reason) in &cases {
        let e = error_for(name);
        assert!(
            e.to_lowercase().contains(reason),
            "{name}: {e:?} does not say {reason:?}"
        );
        eprintln!("{name}: {e}");
    }
    let e = error_for("15 unreadable.png");
    assert!(e.contains("unreadable"), "{e}");
    for e in errors {
        assert!(e["path"]
            .as_str()
            .unwrap()
            .starts_with(dir.to_str().unwrap()));
    }

    // The good file is archived and searchable; no failed file left a blob.
    assert_eq!(a.blob_count(), 1);
    assert_eq!(a.search(&[], "bakeries")["total"], 1);
    assert!(walk_files(&a.dir.join("store/tmp")).is_empty());
}

#[test]
fn usage_errors_exit_with_2() {
    let a = TestArchive::new();
    for args in [
        vec!["ingest"],
        vec!["ingest", "--branch", "../etc", "x.png"],
        vec!["search"],
        vec!["frobnicate"],
        vec!["ingest", "--languages", "ara+", "x.png"],
    ] {
        let out = a.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn commands_on_a_missing_archive_say_how_to_make_one() {
    let t = tempfile::tempdir().unwrap();
    let nowhere = t.path().join("none");
    for args in [
        vec!["search", "x"],
        vec!["ingest", "x.png"],
        vec!["show", "1"],
    ] {
        let out = run(&nowhere, &args);
        assert_eq!(out.status.code(), Some(1));
        let e = stderr(&out);
        assert!(
            e.contains("not an arshif archive") && e.contains("init"),
            "{e}"
        );
    }
}

#[test]
fn unknown_documents_are_reported() {
    let a = TestArchive::new();
    let out = a.run(&["show", "12345"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no document matches"),
        "{}",
        stderr(&out)
    );
}

/// Images a few pixels across (a scanner's thumbnail, a stray favicon)
/// are no reason for a reading process to crash: each is archived, with
/// nothing to read on it.
#[test]
fn images_a_few_pixels_across_are_archived_without_a_crash() {
    let a = TestArchive::new();
    let dir = a.scratch("tiny");
    let mut files = Vec::new();
    for (i, (w, h)) in [(1u32, 1u32), (1, 500), (700, 1), (2, 2)]
        .into_iter()
        .enumerate()
    {
        let p = dir.join(format!("scan-{i:04}.png"));
        image::GrayImage::from_pixel(w, h, image::Luma([(i * 60) as u8]))
            .save(&p)
            .unwrap();
        files.push(p);
    }
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (report, code) = a.ingest(&[], &refs);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["ingested"], 4, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
}

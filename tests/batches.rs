//! Batches at scale: crash containment, kill -9 and resume, retrying
//! failures, progress lines and watching a scanner folder. Real binary,
//! real files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use serde_json::Value;

/// A sample page made distinct: the same PNG with bytes after its end
/// (decoders ignore them; the sha256 differs, so each is a new document).
fn variants(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    let png = std::fs::read(samples().join("en/inspection letter OMR-2024-0917.png")).unwrap();
    names
        .iter()
        .map(|n| {
            let p = dir.join(n);
            let mut b = png.clone();
            b.extend_from_slice(n.as_bytes());
            std::fs::write(&p, b).unwrap();
            p
        })
        .collect()
}

fn batches(a: &TestArchive) -> Vec<Value> {
    let out = a.run(&["batches", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_reader_that_crashes_hangs_or_runs_out_of_memory_fails_only_its_file() {
    let a = TestArchive::new();
    let dir = a.scratch("in");
    let files = variants(
        &dir,
        &[
            "00-good.png",
            "01-segv.png",
            "02-abrt.png",
            "03-deep.png",
            "04-hoard.png",
            "05-stuck.png",
            "06-good.png",
        ],
    );
    let out = Command::new(bin())
        .arg("--archive")
        .arg(&a.dir)
        .args(["ingest", "--json", "--workers", "2", "--page-timeout", "30"])
        .args(["--reader-memory", "1024"])
        .arg(&dir)
        .env(
            "ARSHIF_FAULT_INJECT",
            "segfault:segv,abort:abrt,stack-overflow:deep,oom:hoard,hang:stuck",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["files_seen"], 7);
    assert_eq!(report["ingested"], 2, "{report}");
    assert_eq!(report["failed"], 5);
    let reason = |name: &str| -> String {
        report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no error for {name}: {report}"))["error"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(reason("01-segv.png").contains("segmentation fault"));
    assert!(reason("02-abrt.png").contains("aborted"));
    assert!(reason("03-deep.png").contains("overflowed its stack"));
    assert!(reason("04-hoard.png").contains("ran out of memory"));
    assert!(reason("05-stuck.png").contains("longer than 30 s"));
    // The good files went in, and nothing failed was stored.
    assert_eq!(a.blob_count(), 2);
    assert_eq!(a.found("inspection").len(), 2);

    // Retrying without the faults imports the five, in a new batch.
    let (retry, code) = a.ingest(&["--retry-failed"], &[]);
    assert_eq!(code, 0, "{retry}");
    assert_eq!(retry["ingested"], 5);
    let (again, _) = a.ingest(&["--retry-failed"], &[]);
    assert_eq!(again["files_seen"], 0);
    let b = batches(&a);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0]["failures"].as_array().unwrap().len(), 5);
    assert!(b[0]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["retried_in"] == b[1]["id"]));
    assert_eq!(b[1]["ingested"], 5);
    assert_eq!(a.blob_count(), 7);
    drop(files);
}

#[test]
fn an_import_killed_at_any_point_finishes_when_run_again() {
    let a = TestArchive::new();
    let dir = a.scratch("cabinet");
    let names: Vec<String> = (0..14).map(|i| format!("scan-{i:02}.png")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    variants(&dir, &refs);
    // One of them twice, under another name: one document, two sources.
    std::fs::copy(dir.join("scan-03.png"), dir.join("scan-03-copy.png")).unwrap();

    let ingest = || {
        Command::new(bin())
            .arg("--archive")
            .arg(&a.dir)
            .args(["ingest", "--json", "--branch", "oyun", "--workers", "2"])
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut kills = 0;
    let mut finished = false;
    for delay_ms in [150u64, 700, 1300, 2000, 2600, 3300] {
        let mut child = ingest();
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            // SIGKILL: no chance to clean up.
            child.kill().unwrap();
            kills += 1;
        } else {
            // This run resumed the batch and finished it before its kill.
            finished = true;
        }
        child.wait().unwrap();
        // Whatever was recorded is consistent: every document's original
        // is in the store, and its pages are searchable after catch-up.
        let b = batches(&a);
        assert!(b.len() <= 1, "a re-run must resume, not start anew: {b:?}");
        if finished {
            break;
        }
    }
    assert!(kills >= 3, "the import finished too fast to be killed");
    if !finished {
        let out = ingest().wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    let b = batches(&a);
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0]["status"], "finished");
    assert_eq!(b[0]["files_seen"], 15, "{:?}", b[0]);
    assert_eq!(b[0]["failed"], 0);
    assert_eq!(
        b[0]["ingested"].as_u64().unwrap() + b[0]["duplicates"].as_u64().unwrap(),
        15
    );
    // Fourteen documents, fourteen blobs, nothing left in staging.
    assert_eq!(a.blob_count(), 14);
    assert!(walk_files(&a.dir.join("store/tmp")).is_empty());
    let found = a.found("inspection");
    assert_eq!(found.len(), 14, "{found:?}");
    let mut paths: Vec<String> = Vec::new();
    for id in &found {
        let doc = a.show(&id.to_string());
        for s in doc["sources"].as_array().unwrap() {
            paths.push(s["path"].as_str().unwrap().to_string());
        }
    }
    paths.sort();
    let before = paths.len();
    paths.dedup();
    assert_eq!(before, paths.len(), "a source recorded twice");
    assert_eq!(paths.len(), 15);
}

#[test]
fn progress_as_json_lines() {
    let a = TestArchive::new();
    let dir = a.scratch("in");
    variants(&dir, &["a.png"]);
    std::fs::write(dir.join("b.pdf"), b"%PDF-1.4 truncated").unwrap();
    let out = a.run(&["ingest", "--progress", "json", dir.to_str().unwrap()]);
    let events: Vec<Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    // The files are counted alongside the import (a large tree is not
    // walked twice before work starts), so the total may come after the
    // first files.
    let totals: Vec<&Value> = events.iter().filter(|e| e["event"] == "total").collect();
    assert_eq!(totals.len(), 1, "{events:?}");
    assert_eq!(totals[0]["files"], 2);
    let finished: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "file_finished")
        .collect();
    assert_eq!(finished.len(), 2);
    assert!(finished.iter().any(|e| e["status"] == "failed"
        && e["path"].as_str().unwrap().ends_with("b.pdf")
        && !e["error"].as_str().unwrap().is_empty()));
    assert!(finished.iter().any(|e| e["status"] == "ingested"));
}

#[test]
fn watch_imports_what_the_scanner_drops_and_moves_it_aside() {
    let a = TestArchive::new();
    let dir = a.scratch("scanner");
    std::fs::create_dir(dir.join("desk-2")).unwrap();
    variants(&dir.join("desk-2"), &["letter.png"]);
    std::fs::write(dir.join("broken.pdf"), b"%PDF-1.4 cut short").unwrap();
    let out = a.run(&[
        "watch",
        "--once",
        "--settle",
        "0.5",
        "--interval",
        "0.2",
        "--branch",
        "omran",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.join(".done/desk-2/letter.png").is_file());
    assert!(dir.join(".failed/broken.pdf").is_file());
    let why = std::fs::read_to_string(dir.join(".failed/broken.pdf.error.txt")).unwrap();
    assert!(!why.trim().is_empty());
    assert!(!dir.join("broken.pdf").exists() && !dir.join("desk-2/letter.png").exists());
    let hits = a.search(&["--branch", "omran"], "inspection");
    assert_eq!(hits["hits"].as_array().unwrap().len(), 1);
}

/// Where the recognition time went: the JSON report breaks
/// `tesseract_seconds` down by kind (the page's one reading and each kind
/// of second look), the kinds add up to it, and `--progress json` carries
/// the running breakdown on each finished file.
#[test]
fn the_report_breaks_recognition_time_down_by_kind() {
    let a = TestArchive::new();
    let dir = a.scratch("in");
    variants(&dir, &["a.png"]);
    let out = a.run(&[
        "ingest",
        "--json",
        "--progress",
        "json",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let by = report["tesseract_seconds_by_kind"]
        .as_object()
        .unwrap_or_else(|| panic!("no breakdown: {report}"));
    let kinds: Vec<&str> = by.keys().map(String::as_str).collect();
    assert_eq!(
        kinds,
        [
            "dropped_lines",
            "main",
            "orientation",
            "other_language",
            "unfiltered",
            "unsure_lines"
        ]
    );
    let sum: f64 = by.values().map(|v| v.as_f64().unwrap()).sum();
    let total = report["tesseract_seconds"].as_f64().unwrap();
    assert!(by["main"].as_f64().unwrap() > 0.0, "{report}");
    assert!(
        (sum - total).abs() < 1e-6 * total.max(1.0),
        "{sum} vs {total}"
    );
    let last = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .rfind(|e| e["event"] == "file_finished")
        .expect("a finished file");
    assert_eq!(
        last["tesseract_seconds_by_kind"],
        report["tesseract_seconds_by_kind"]
    );
}

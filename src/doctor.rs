//! `arshif doctor`: is this installation able to run an archive, and if
//! not, what to do about it. Each check is independent (one failing does
//! not hide the others) and says how to fix what it finds, in the words
//! of a Debian administrator (the package to install, the command to run).
//!
//! It reads and never repairs: the only thing written is an empty probe
//! file in the archive directory, removed at once.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::archive::Archive;
use crate::ocr::{OcrConfig, OcrEngine};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Works, but slower or with less than it could.
    Warn,
    /// Imports, search or serving will fail.
    Fail,
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// A stable name: `tesseract-models`, `disk-space`, …
    pub check: &'static str,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do about it (none when all is well).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Every check's result, in the order run.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub findings: Vec<Finding>,
}

impl DoctorReport {
    /// Whether any check failed (warnings do not count).
    pub fn failed(&self) -> bool {
        self.findings.iter().any(|f| f.status == Status::Fail)
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct DoctorConfig {
    /// The archive directory (it need not exist yet: then the checks that
    /// need an archive say how to create one).
    pub archive: PathBuf,
    pub ocr: OcrConfig,
    /// Below this many free bytes on the archive's file system, fail.
    pub min_free_bytes: u64,
    /// Below this share of the file system free, warn.
    pub warn_free_ratio: f64,
}

impl DoctorConfig {
    pub fn new(archive: &Path) -> DoctorConfig {
        DoctorConfig {
            archive: archive.to_path_buf(),
            ocr: OcrConfig::default(),
            min_free_bytes: 2 << 30,
            warn_free_ratio: 0.10,
        }
    }
}

fn ok(check: &'static str, detail: impl Into<String>) -> Finding {
    Finding {
        check,
        status: Status::Ok,
        detail: detail.into(),
        fix: None,
    }
}

fn bad(
    check: &'static str,
    status: Status,
    detail: impl Into<String>,
    fix: impl Into<String>,
) -> Finding {
    Finding {
        check,
        status,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

/// Run every check.
pub fn diagnose(config: &DoctorConfig) -> DoctorReport {
    let mut findings = vec![models(&config.ocr), engine(&config.ocr), pdftoppm(), omp()];
    findings.push(disk_space(config));
    match Archive::open(&config.archive) {
        Err(e) => findings.push(bad(
            "archive",
            Status::Fail,
            e.to_string(),
            format!(
                "create it with `arshif --archive {} init`, or name the right one with --archive or ARSHIF_ARCHIVE",
                config.archive.display()
            ),
        )),
        Ok(archive) => {
            findings.push(ok(
                "archive",
                format!("{} opens", config.archive.display()),
            ));
            findings.push(permissions(&config.archive));
            findings.extend(parts(&archive));
        }
    }
    DoctorReport { findings }
}

/// The models arshif reads with: `ara` and `eng` are needed; `osd` turns
/// pages upright and `Arabic` (the script model) reads some Arabic pages
/// better.
fn models(ocr: &OcrConfig) -> Finding {
    const CHECK: &str = "tesseract-models";
    let dir = &ocr.datapath;
    let has = |m: &str| dir.join(format!("{m}.traineddata")).is_file();
    let missing: Vec<&str> = ["ara", "eng"].into_iter().filter(|m| !has(m)).collect();
    if !missing.is_empty() {
        return bad(
            CHECK,
            Status::Fail,
            format!("{} has no {} model", dir.display(), missing.join(" or ")),
            format!(
                "apt-get install {} (or set TESSDATA_PREFIX to the directory that holds them)",
                missing
                    .iter()
                    .map(|m| format!("tesseract-ocr-{m}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
    }
    let optional: Vec<(&str, &str)> = [
        (
            "osd",
            "tesseract-ocr-osd (pages scanned sideways are turned upright)",
        ),
        (
            "Arabic",
            "tesseract-ocr-script-arab (the Arabic script model)",
        ),
    ]
    .into_iter()
    .filter(|(m, _)| !has(m))
    .collect();
    if !optional.is_empty() {
        return bad(
            CHECK,
            Status::Warn,
            format!(
                "ara and eng are in {}; {} missing",
                dir.display(),
                optional
                    .iter()
                    .map(|(m, _)| *m)
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            format!(
                "apt-get install {}",
                optional
                    .iter()
                    .map(|(_, p)| *p)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    ok(
        CHECK,
        format!("ara, eng, osd and Arabic in {}", dir.display()),
    )
}

/// libtesseract loads and takes the models.
fn engine(ocr: &OcrConfig) -> Finding {
    let both = OcrConfig {
        languages: crate::ocr::LanguagePlan::Fixed("ara+eng".into()),
        ..ocr.clone()
    };
    match OcrEngine::new(&both) {
        Ok(_) => ok("tesseract", "libtesseract loads the models"),
        Err(e) => bad(
            "tesseract",
            Status::Fail,
            e.to_string(),
            "apt-get install libtesseract5 tesseract-ocr-ara tesseract-ocr-eng",
        ),
    }
}

/// PDF pages without a text layer are rendered with poppler's pdftoppm.
fn pdftoppm() -> Finding {
    match std::process::Command::new("pdftoppm").arg("-v").output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stderr);
            let version = text.lines().next().unwrap_or("pdftoppm").trim().to_string();
            ok("pdftoppm", version)
        }
        Err(e) => bad(
            "pdftoppm",
            Status::Fail,
            format!("pdftoppm cannot run ({e}): scanned PDFs cannot be read"),
            "apt-get install poppler-utils",
        ),
    }
}

/// Tesseract's OpenMP threads: one per engine, set before the library
/// loads (arshif re-executes itself with it set, so here it is set unless
/// that failed).
fn omp() -> Finding {
    const CHECK: &str = "omp-thread-limit";
    match std::env::var("OMP_THREAD_LIMIT") {
        Ok(v) if v.trim() == "1" => ok(CHECK, "OMP_THREAD_LIMIT=1 in this process"),
        Ok(v) => bad(
            CHECK,
            Status::Warn,
            format!("OMP_THREAD_LIMIT={v}: each page's OCR runs several threads that fight the other readers"),
            "set OMP_THREAD_LIMIT=1 in the service's environment (the units in contrib/systemd do)",
        ),
        Err(_) => bad(
            CHECK,
            Status::Warn,
            "OMP_THREAD_LIMIT is not set: pages are read about 8 times slower",
            "set OMP_THREAD_LIMIT=1 in the environment arshif starts in",
        ),
    }
}

/// Free space where the archive is (or will be).
fn disk_space(config: &DoctorConfig) -> Finding {
    const CHECK: &str = "disk-space";
    let mut at = config.archive.as_path();
    while !at.exists() {
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => {
                at = Path::new(".");
                break;
            }
        }
    }
    let Some((free, total)) = free_space(at) else {
        return bad(
            CHECK,
            Status::Warn,
            format!("cannot tell the free space of {}", at.display()),
            "check it with `df -h`",
        );
    };
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let detail = format!(
        "{:.1} GiB free of {:.1} GiB on the file system of {}",
        gib(free),
        gib(total),
        at.display()
    );
    if free < config.min_free_bytes {
        bad(
            CHECK,
            Status::Fail,
            detail,
            "free space there, or move the archive to a larger disk: imports stop when the disk is full",
        )
    } else if total > 0 && (free as f64) < config.warn_free_ratio * total as f64 {
        bad(
            CHECK,
            Status::Warn,
            detail,
            "plan more space: the originals, page images and index grow with every import",
        )
    } else {
        ok(CHECK, detail)
    }
}

/// (free bytes for an unprivileged user, total bytes) of `path`'s file
/// system.
fn free_space(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `s` a valid statvfs to fill.
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return None;
    }
    let frsize = s.f_frsize as u64;
    Some((s.f_bavail as u64 * frsize, s.f_blocks as u64 * frsize))
}

/// This user can create files in the archive (imports, the index, the
/// lock file).
fn permissions(root: &Path) -> Finding {
    const CHECK: &str = "permissions";
    match tempfile::Builder::new()
        .prefix(".doctor-")
        .tempfile_in(root)
    {
        Ok(_) => ok(CHECK, format!("this user can write in {}", root.display())),
        Err(e) => bad(
            CHECK,
            Status::Fail,
            format!("cannot create a file in {}: {e}", root.display()),
            format!(
                "run arshif as the archive's owner (e.g. `runuser -u arshif -- arshif …`), or `chown -R` {} to the user that runs it",
                root.display()
            ),
        ),
    }
}

/// The catalog, the store and the index open and answer.
fn parts(archive: &Archive) -> Vec<Finding> {
    let mut out = Vec::new();
    let catalog = archive.catalog();
    let first_blob = match &catalog {
        Ok(c) => match c.document(crate::types::DocId(1)) {
            Ok(d) => {
                out.push(ok("catalog", "opens and answers"));
                d.map(|d| d.blob)
            }
            Err(e) => {
                out.push(bad(
                    "catalog",
                    Status::Fail,
                    e.to_string(),
                    "run `arshif check` for the details",
                ));
                None
            }
        },
        Err(e) => {
            out.push(bad(
                "catalog",
                Status::Fail,
                e.to_string(),
                "for a shared archive: is PostgreSQL up, and PGPASSWORD set? Else run `arshif check`",
            ));
            None
        }
    };
    let probe = first_blob.unwrap_or_else(|| "0".repeat(64).parse().expect("a sha256 in hex"));
    match archive.store().contains(&probe) {
        Ok(held) if held || first_blob.is_none() => out.push(ok("store", "answers")),
        Ok(_) => out.push(bad(
            "store",
            Status::Fail,
            format!("the store does not hold document 1's original {}", probe.to_hex()),
            "run `arshif check --deep` to see what is missing, and restore it from a backup or a bag",
        )),
        Err(e) => out.push(bad(
            "store",
            Status::Fail,
            e.to_string(),
            "for a shared archive: are AWS_ENDPOINT_URL and the AWS_* credentials set, and the bucket reachable?",
        )),
    }
    match archive.open_index() {
        Ok(_) => out.push(ok("index", "opens")),
        Err(e) => out.push(bad(
            "index",
            Status::Fail,
            e.to_string(),
            "rebuild it with `arshif reindex` (no OCR: from the catalog)",
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_archive_fails_and_says_how_to_create_it() {
        let tmp = tempfile::tempdir().unwrap();
        let report = diagnose(&DoctorConfig::new(&tmp.path().join("none")));
        let archive = report
            .findings
            .iter()
            .find(|f| f.check == "archive")
            .unwrap();
        assert_eq!(archive.status, Status::Fail);
        assert!(archive.fix.as_deref().unwrap().contains("init"));
        assert!(report.failed());
        // the disk check looks at the nearest directory that exists
        let disk = report
            .findings
            .iter()
            .find(|f| f.check == "disk-space")
            .unwrap();
        assert_ne!(disk.status, Status::Fail, "{disk:?}");
    }

    #[test]
    fn missing_models_name_the_packages() {
        let tmp = tempfile::tempdir().unwrap();
        let ocr = OcrConfig {
            datapath: tmp.path().to_path_buf(),
            ..OcrConfig::default()
        };
        let f = models(&ocr);
        assert_eq!(f.status, Status::Fail);
        assert!(f
            .fix
            .unwrap()
            .contains("tesseract-ocr-ara tesseract-ocr-eng"));
        assert_eq!(engine(&ocr).status, Status::Fail);
    }

    #[test]
    fn too_little_space_fails() {
        let tmp = tempfile::tempdir().unwrap();
        let mut config = DoctorConfig::new(tmp.path());
        config.min_free_bytes = u64::MAX;
        let f = disk_space(&config);
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.detail.contains("GiB free"), "{f:?}");
    }
}

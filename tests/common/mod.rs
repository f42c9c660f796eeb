//! Helpers for integration tests: run the real `arshif` binary on real files
//! in temporary directories.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub mod http;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_arshif")
}

/// The top of the repository (these tests belong to `crates/cli`).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository's top")
}

pub fn samples() -> PathBuf {
    repo().join("samples/scans")
}

/// A fresh, initialised archive in a temporary directory.
pub struct TestArchive {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl TestArchive {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("archive");
        let out = run(&dir, &["init"]);
        assert!(out.status.success(), "init failed: {}", stderr(&out));
        TestArchive { tmp, dir }
    }

    /// Add a user with `arshif user add`, the password on standard input.
    pub fn add_user(&self, name: &str, role: &str, branches: &[&str], password: &str) {
        let mut args = vec!["user", "add", name, "--role", role, "--password-stdin"];
        for b in branches {
            args.extend(["--branch", b]);
        }
        let out = self.run_with_stdin(&args, &format!("{password}\n"));
        assert!(out.status.success(), "user add {name}: {}", stderr(&out));
    }

    /// A new API token for a user (`arshif token create`).
    pub fn token(&self, user: &str) -> String {
        let out = self.run(&["token", "create", user]);
        assert!(out.status.success(), "token create: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// An administrator's token, creating the administrator `root` first.
    pub fn admin_token(&self) -> String {
        self.add_user("root", "admin", &[], "root-password-1");
        self.token("root")
    }

    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = Command::new(bin())
            .arg("--archive")
            .arg(&self.dir)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run arshif");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// A scratch directory beside the archive for input files.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run(&self.dir, args)
    }

    /// `ingest --json` with extra flags; returns the report and exit code.
    pub fn ingest(&self, flags: &[&str], paths: &[&Path]) -> (Value, i32) {
        let mut args: Vec<String> = vec!["ingest".into(), "--json".into()];
        args.extend(flags.iter().map(|s| s.to_string()));
        args.extend(paths.iter().map(|p| p.to_string_lossy().into_owned()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.run(&refs);
        let code = out.status.code().unwrap_or(-1);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "ingest printed no JSON ({e}); exit {code}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                stderr(&out)
            )
        });
        (v, code)
    }

    pub fn search(&self, flags: &[&str], query: &str) -> Value {
        let mut args = vec!["search", "--json"];
        args.extend_from_slice(flags);
        args.push(query);
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "search {query:?} failed: {}",
            stderr(&out)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn show(&self, id: &str) -> Value {
        let out = self.run(&["show", "--json", id]);
        assert!(out.status.success(), "show {id} failed: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Ids of the documents a query finds (first page of 100).
    pub fn found(&self, query: &str) -> Vec<i64> {
        self.search(&["--limit", "100"], query)["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect()
    }

    /// Number of blobs in the store.
    pub fn blob_count(&self) -> usize {
        walk_files(&self.dir.join("store/sha256")).len()
    }
}

pub fn run(archive: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--archive")
        .arg(archive)
        .args(args)
        .output()
        .expect("run arshif")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk_files(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

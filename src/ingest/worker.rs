//! Reading files: decoding their pages and OCR, the risky part of an import.
//!
//! PDF parsers and Tesseract can crash (segfault, abort, stack overflow),
//! run away with memory or loop for ever on a malformed file; `catch_unwind`
//! catches none of that. So by default each reading slot is a child process
//! (`arshif __read-worker`), restarted when it dies, with a per-page time
//! limit and an address-space limit. The file it was reading is marked
//! failed with the reason, and the batch goes on.
//!
//! Parent and child speak JSON lines over the child's stdin and stdout: a
//! [`Request`] per file, answered by [`Reply`] lines (a page started, a page
//! read, done or an error).

use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError};
use serde::{Deserialize, Serialize};

use crate::catalog::PageRecord;
use crate::extract::{self, ExtractConfig, PageContent};
use crate::ocr::{OcrConfig, OcrEngine};

/// How files are read.
#[derive(Debug, Clone)]
pub enum Isolation {
    /// In the importing process, one thread per slot. No protection from
    /// crashes; for library users and tests that have no `arshif` binary.
    InProcess,
    /// In child processes running `exe __read-worker`.
    Process(ProcessLimits),
    /// Text layers here; page images left to OCR workers: recorded as
    /// pending pages, each with a job in the shared work queue
    /// (`ingest --queue`, then `arshif worker`).
    Queue,
}

/// Limits on a reading process.
#[derive(Debug, Clone)]
pub struct ProcessLimits {
    /// The `arshif` executable.
    pub exe: PathBuf,
    /// A page that takes longer than this is abandoned and its file failed.
    pub page_timeout: Duration,
    /// Address-space limit of each reading process, in bytes.
    pub memory_limit: u64,
}

/// Default per-page time limit: far above the few seconds a page takes.
pub const DEFAULT_PAGE_TIMEOUT: Duration = Duration::from_secs(300);
/// Default address-space limit per reading process (Tesseract with every
/// model loaded uses well under half of it).
pub const DEFAULT_MEMORY_LIMIT: u64 = 3 << 30;

/// One file to read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// The file to read (the store's staged copy).
    pub path: PathBuf,
    /// How the file is named in messages (the path the user gave).
    pub shown: String,
    /// Pages already read (cached): decoded but not OCR'd again.
    pub skip: BTreeSet<u32>,
}

/// What a reader reports while reading a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// Page `n` is being read.
    Start(u32),
    Page(Box<PageRecord>),
    /// Every page is read.
    Done(ReadStats),
    /// The file cannot be read.
    Error(String),
}

/// What reading a file took.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct ReadStats {
    /// Pages the file has (read now or cached before).
    pub pages: u32,
    /// Time spent inside Tesseract's recognition calls, by what each was
    /// for.
    pub tesseract: crate::ocr::ReadingTimes,
}

/// Read one file: decode its pages, OCR the image pages (the engine starts
/// on the first one), take text layers as they are. Calls `emit` for each
/// page; returns the page count or why the file cannot be read.
pub fn read_file(
    engine: &mut Option<OcrEngine>,
    ocr: &OcrConfig,
    extract_cfg: &ExtractConfig,
    req: &Request,
    emit: &mut dyn FnMut(Reply) -> bool,
) -> Result<ReadStats, String> {
    let busy_before = engine
        .as_ref()
        .map(|e| e.reading_times())
        .unwrap_or_default();
    let head = extract::read_head(&req.path).map_err(|e| e.to_string())?;
    let format = extract::sniff(&head).map_err(|e| e.to_string())?;
    let mut failure: Option<String> = None;
    let result = extract::extract_pages(&req.path, format, extract_cfg, &mut |number, content| {
        if req.skip.contains(&number) {
            return true;
        }
        let content = match content {
            // A text layer needs no OCR: no engine is started for it.
            PageContent::Text(t) => {
                return emit(Reply::Page(Box::new(super::text_layer_page(number, t))))
            }
            other => other,
        };
        if !emit(Reply::Start(number)) {
            return false;
        }
        if engine.is_none() {
            match OcrEngine::new(ocr) {
                Ok(e) => *engine = Some(e),
                Err(e) => {
                    failure = Some(e.to_string());
                    return false;
                }
            }
        }
        let eng = engine.as_mut().expect("started above");
        match super::read_page(eng, number, content) {
            Ok(page) => emit(Reply::Page(Box::new(page))),
            Err(e) => {
                failure = Some(format!("page {number}: {e}"));
                false
            }
        }
    });
    if let Some(f) = failure {
        return Err(f);
    }
    let pages = result.map_err(|e| e.to_string())?;
    let busy = engine
        .as_ref()
        .map(|e| e.reading_times())
        .unwrap_or_default();
    Ok(ReadStats {
        pages,
        tesseract: busy.since(&busy_before),
    })
}

/// The first argument that makes a process a reading worker
/// (`EXE __read-worker --languages PLAN --tessdata DIR`).
pub const WORKER_ARG: &str = "__read-worker";

/// The reading worker's entry point. When this process was started as a
/// reading worker, parse the worker's own arguments, serve requests until
/// stdin closes and return the exit code; otherwise return `None`. Front
/// ends call this first thing in `main`, before parsing their own arguments.
pub fn run_if_worker() -> Option<std::process::ExitCode> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some(WORKER_ARG) {
        return None;
    }
    let code = match worker_config(args) {
        Ok(ocr) => match serve(&ocr, &ExtractConfig::default()) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("arshif {WORKER_ARG}: {e}");
                1
            }
        },
        Err(e) => {
            eprintln!("arshif {WORKER_ARG}: {e}");
            2
        }
    };
    Some(std::process::ExitCode::from(code))
}

/// The worker's arguments: `--languages PLAN --tessdata DIR`, both required.
fn worker_config(mut args: impl Iterator<Item = String>) -> Result<OcrConfig, String> {
    let (mut languages, mut datapath) = (None, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--languages" => languages = Some(value.parse()?),
            "--tessdata" => datapath = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(OcrConfig {
        languages: languages.ok_or("--languages is required")?,
        datapath: datapath.ok_or("--tessdata is required")?,
    })
}

/// The child's side: read requests from stdin until it closes.
pub fn serve(ocr: &OcrConfig, extract_cfg: &ExtractConfig) -> std::io::Result<()> {
    let fault = Fault::from_env();
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut engine: Option<OcrEngine> = None;
    for line in stdin.lock().lines() {
        let line = line?;
        let req: Request = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => {
                send(&mut out, &Reply::Error(format!("bad request: {e}")))?;
                continue;
            }
        };
        if let Some(f) = &fault {
            f.trigger_for(&req.shown);
        }
        let mut io_err = None;
        let result = read_file(
            &mut engine,
            ocr,
            extract_cfg,
            &req,
            &mut |reply| match send(&mut out, &reply) {
                Ok(()) => true,
                Err(e) => {
                    io_err = Some(e);
                    false
                }
            },
        );
        if let Some(e) = io_err {
            return Err(e);
        }
        match result {
            Ok(n) => send(&mut out, &Reply::Done(n))?,
            Err(e) => send(&mut out, &Reply::Error(e))?,
        }
    }
    Ok(())
}

fn send(out: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, reply)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Fault injection for the crash-containment tests: with
/// `ARSHIF_FAULT_INJECT=KIND:MARKER[,KIND:MARKER...]` in its environment, a
/// reading process given a file whose name contains MARKER misbehaves in
/// the named way (`segfault`, `abort`, `stack-overflow`, `oom`, `hang`).
struct Fault(Vec<(String, String)>);

impl Fault {
    fn from_env() -> Option<Fault> {
        let v = std::env::var("ARSHIF_FAULT_INJECT").ok()?;
        let faults: Vec<(String, String)> = v
            .split(',')
            .filter_map(|f| f.split_once(':'))
            .filter(|(_, marker)| !marker.is_empty())
            .map(|(k, m)| (k.to_string(), m.to_string()))
            .collect();
        (!faults.is_empty()).then_some(Fault(faults))
    }

    fn trigger_for(&self, shown: &str) {
        let name = std::path::Path::new(shown)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (kind, marker) in &self.0 {
            if name.contains(marker.as_str()) {
                Self::misbehave(kind);
            }
        }
    }

    fn misbehave(kind: &str) {
        match kind {
            // Rust's own SIGSEGV handler (for stack overflows) would let a
            // raised signal pass; restore the default action first.
            "segfault" => unsafe {
                libc::signal(libc::SIGSEGV, libc::SIG_DFL);
                libc::raise(libc::SIGSEGV);
            },
            "abort" => std::process::abort(),
            "stack-overflow" => {
                #[allow(unconditional_recursion)]
                fn deep(n: u64, pad: &mut [u8; 4096]) -> u64 {
                    pad[(n % 4096) as usize] = n as u8;
                    let mut next = [0u8; 4096];
                    deep(n + 1, &mut next) + u64::from(std::hint::black_box(pad)[0])
                }
                let mut pad = [0u8; 4096];
                std::hint::black_box(deep(0, &mut pad));
            }
            "oom" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 64 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "hang" => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            _ => {}
        }
    }
}

/// A reading slot as the importer sees it.
pub trait FileReader: Send {
    /// Read a file, calling `emit` with each page read. Returns the number
    /// of pages, or why the file could not be read.
    fn read(
        &mut self,
        req: &Request,
        emit: &mut dyn FnMut(PageRecord) -> bool,
    ) -> Result<ReadStats, String>;
}

/// Reads in the calling thread.
pub struct InProcessReader {
    ocr: OcrConfig,
    extract: ExtractConfig,
    engine: Option<OcrEngine>,
}

impl InProcessReader {
    pub fn new(ocr: OcrConfig, extract: ExtractConfig) -> Self {
        InProcessReader {
            ocr,
            extract,
            engine: None,
        }
    }
}

impl FileReader for InProcessReader {
    fn read(
        &mut self,
        req: &Request,
        emit: &mut dyn FnMut(PageRecord) -> bool,
    ) -> Result<ReadStats, String> {
        read_file(
            &mut self.engine,
            &self.ocr,
            &self.extract,
            req,
            &mut |reply| match reply {
                Reply::Page(p) => emit(*p),
                _ => true,
            },
        )
    }
}

/// Reads in a child process, restarted after it dies or is stopped.
pub struct ProcessReader {
    limits: ProcessLimits,
    ocr: OcrConfig,
    child: Option<Running>,
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<Result<Reply, String>>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl ProcessReader {
    pub fn new(limits: ProcessLimits, ocr: OcrConfig) -> Self {
        ProcessReader {
            limits,
            ocr,
            child: None,
        }
    }

    fn spawn(&self) -> Result<Running, String> {
        let mut cmd = Command::new(&self.limits.exe);
        cmd.arg(WORKER_ARG)
            .arg("--languages")
            .arg(self.ocr.languages.to_string())
            .arg("--tessdata")
            .arg(&self.ocr.datapath)
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let limit = self.limits.memory_limit;
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: limit as libc::rlim_t,
                    rlim_max: limit as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // Die with the importer: a killed import leaves no readers.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| {
            format!(
                "could not start a reading process ({}): {e}",
                self.limits.exe.display()
            )
        })?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let (tx, replies) = unbounded();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let msg = match line {
                    Ok(l) => serde_json::from_str::<Reply>(&l).map_err(|e| format!("{e}: {l}")),
                    Err(_) => break,
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        {
            let tail = Arc::clone(&stderr_tail);
            std::thread::spawn(move || {
                let mut r = BufReader::new(stderr);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match r.by_ref().take(4096).read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let line = String::from_utf8_lossy(&buf).trim().to_string();
                            if line.is_empty() {
                                continue;
                            }
                            tracing::debug!(target: "arshif::reader", "{line}");
                            let mut t = tail.lock().expect("not poisoned");
                            if t.len() == 8 {
                                t.pop_front();
                            }
                            t.push_back(line);
                        }
                    }
                }
            });
        }
        Ok(Running {
            child,
            stdin,
            replies,
            stderr_tail,
        })
    }

    /// Why the child ended, in words, once it has exited.
    fn obituary(&mut self, mut running: Running, page: Option<u32>) -> String {
        let _ = running.child.kill();
        let status = running.child.wait();
        // Give the stderr thread a moment to take the last words.
        std::thread::sleep(Duration::from_millis(50));
        let tail: Vec<String> = running
            .stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        let said = |needle: &str| tail.iter().any(|l| l.contains(needle));
        let what = if said("memory allocation of") || said("std::bad_alloc") {
            format!(
                "ran out of memory (limit {} MiB per reading process)",
                self.limits.memory_limit >> 20
            )
        } else if said("has overflowed its stack") {
            "overflowed its stack".to_string()
        } else {
            use std::os::unix::process::ExitStatusExt;
            match status {
                Ok(s) => match s.signal() {
                    Some(libc::SIGSEGV) => "crashed (segmentation fault)".to_string(),
                    Some(libc::SIGABRT) => "aborted".to_string(),
                    Some(libc::SIGBUS) => "crashed (bus error)".to_string(),
                    Some(libc::SIGKILL) => "was killed".to_string(),
                    Some(sig) => format!("was stopped by signal {sig}"),
                    None => format!("exited unexpectedly ({s})"),
                },
                Err(e) => format!("ended and could not be waited for: {e}"),
            }
        };
        match page {
            Some(n) => format!("the reader {what} on page {n}"),
            None => format!("the reader {what}"),
        }
    }
}

impl FileReader for ProcessReader {
    fn read(
        &mut self,
        req: &Request,
        emit: &mut dyn FnMut(PageRecord) -> bool,
    ) -> Result<ReadStats, String> {
        let mut running = match self.child.take() {
            Some(r) => r,
            None => self.spawn()?,
        };
        let line = serde_json::to_string(req).expect("requests serialise");
        if writeln!(running.stdin, "{line}")
            .and_then(|_| running.stdin.flush())
            .is_err()
        {
            return Err(self.obituary(running, None));
        }
        let mut page: Option<u32> = None;
        loop {
            match running.replies.recv_timeout(self.limits.page_timeout) {
                Ok(Ok(Reply::Start(n))) => page = Some(n),
                Ok(Ok(Reply::Page(p))) => {
                    if !emit(*p) {
                        let _ = running.child.kill();
                        let _ = running.child.wait();
                        return Err("import stopped".into());
                    }
                }
                Ok(Ok(Reply::Done(n))) => {
                    self.child = Some(running);
                    return Ok(n);
                }
                Ok(Ok(Reply::Error(e))) => {
                    self.child = Some(running);
                    return Err(e);
                }
                Ok(Err(garbled)) => {
                    let _ = running.child.kill();
                    let _ = running.child.wait();
                    return Err(format!("the reader sent a garbled reply: {garbled}"));
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = running.child.kill();
                    let _ = running.child.wait();
                    let secs = self.limits.page_timeout.as_secs_f32();
                    return Err(match page {
                        Some(n) => format!("page {n} took longer than {secs} s; reading stopped"),
                        None => format!("reading took longer than {secs} s; reading stopped"),
                    });
                }
                Err(RecvTimeoutError::Disconnected) => return Err(self.obituary(running, page)),
            }
        }
    }
}

impl Drop for ProcessReader {
    fn drop(&mut self) {
        if let Some(mut r) = self.child.take() {
            // Closing stdin ends the child's loop; reap it.
            drop(r.stdin);
            let _ = r.child.wait();
        }
    }
}

/// A reader for one slot under the given isolation.
pub fn reader(
    isolation: &Isolation,
    ocr: &OcrConfig,
    extract: &ExtractConfig,
) -> Box<dyn FileReader> {
    match isolation {
        Isolation::InProcess => Box::new(InProcessReader::new(ocr.clone(), extract.clone())),
        Isolation::Process(limits) => Box::new(ProcessReader::new(limits.clone(), ocr.clone())),
        Isolation::Queue => Box::new(QueueReader {
            extract: extract.clone(),
        }),
    }
}

/// A page waiting for an OCR worker, as the catalog records it.
pub fn pending_page(number: u32) -> PageRecord {
    PageRecord {
        number,
        text: String::new(),
        source: crate::types::TextSource::Pending,
        confidence: 0.0,
        words: Vec::new(),
        rotation: 0,
        skew: 0.0,
        width: 0,
        height: 0,
        language: String::new(),
        numbers: Vec::new(),
    }
}

/// Reads text layers and leaves page images to the work queue: no OCR
/// engine is started. A text layer with a few undecodable glyphs is kept
/// without them (an OCR worker reads whole pages only).
pub struct QueueReader {
    extract: ExtractConfig,
}

impl FileReader for QueueReader {
    fn read(
        &mut self,
        req: &Request,
        emit: &mut dyn FnMut(PageRecord) -> bool,
    ) -> Result<ReadStats, String> {
        let head = extract::read_head(&req.path).map_err(|e| e.to_string())?;
        let format = extract::sniff(&head).map_err(|e| e.to_string())?;
        let pages =
            extract::extract_pages(&req.path, format, &self.extract, &mut |number, content| {
                if req.skip.contains(&number) {
                    return true;
                }
                emit(match content {
                    PageContent::Text(t) => super::text_layer_page(number, t),
                    PageContent::TextWithHoles(mut t, _) => {
                        t.drop_holes();
                        super::text_layer_page(number, t)
                    }
                    PageContent::Image(_) => pending_page(number),
                })
            })
            .map_err(|e| e.to_string())?;
        Ok(ReadStats {
            pages,
            tesseract: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_arguments_are_parsed_without_the_front_end() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = worker_config(args(&["--languages", "auto", "--tessdata", "/td"]).into_iter())
            .expect("both given");
        assert_eq!(ok.datapath, PathBuf::from("/td"));
        assert_eq!(ok.languages, "auto".parse().unwrap());
        let table: [(&[&str], &str); 4] = [
            (&["--tessdata", "/td"], "--languages is required"),
            (&["--languages", "auto"], "--tessdata is required"),
            (&["--languages"], "--languages needs a value"),
            (&["--pages", "1"], "unknown argument --pages"),
        ];
        for (input, error) in table {
            assert_eq!(
                worker_config(args(input).into_iter()).unwrap_err(),
                error,
                "{input:?}"
            );
        }
    }
}

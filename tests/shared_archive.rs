//! Many nodes, one archive: nodes initialised against one real PostgreSQL
//! and one real Garage S3 node (both on loopback, started by
//! `scripts/services.sh`), with separate `arshif` processes standing in
//! for separate machines: one node imports with `--queue`, workers OCR the
//! pages, another node finds everything and hands back the originals byte
//! for byte; a worker killed mid-batch loses nothing; an object-store
//! outage during an import pauses it, and it completes once the store is
//! back.
//!
//! The tests of this file run one at a time (one of them stops Garage).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use common::{bin, repo, samples, stderr, walk_files};
use serde_json::Value;

/// The services' settings (database URL, S3 endpoint and keys).
fn services() -> &'static HashMap<String, String> {
    static ENV: OnceLock<HashMap<String, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let out = Command::new(repo().join("scripts/services.sh"))
            .arg("start")
            .output()
            .expect("run scripts/services.sh");
        assert!(
            out.status.success(),
            "scripts/services.sh start failed (PostgreSQL and Garage are needed; `make deps` installs them):\n{}",
            stderr(&out)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}

fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// One shared archive (its own database and bucket prefix) and a temp
/// directory for its nodes.
struct Shared {
    tmp: tempfile::TempDir,
    catalog: String,
    store: String,
}

impl Shared {
    fn new() -> Shared {
        let env = services();
        let admin = &env["ARSHIF_TEST_PG"];
        let db = unique("arshif_e2e");
        let mut client = postgres::Client::connect(admin, postgres::NoTls).expect("connect");
        client
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .expect("create database");
        let (base, _) = admin.rsplit_once('/').unwrap();
        Shared {
            tmp: tempfile::tempdir().unwrap(),
            catalog: format!("{base}/{db}"),
            store: format!("s3://{}/{}", env["ARSHIF_TEST_BUCKET"], unique("e2e")),
        }
    }

    fn node_dir(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `arshif --archive NODE …` with the services' environment.
    fn cmd(&self, node: &str, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--archive")
            .arg(self.node_dir(node))
            .args(args)
            .envs(services())
            .env("OMP_THREAD_LIMIT", "1");
        c
    }

    fn run(&self, node: &str, args: &[&str]) -> Output {
        self.cmd(node, args).output().expect("run arshif")
    }

    fn ok(&self, node: &str, args: &[&str]) -> Output {
        let out = self.run(node, args);
        assert!(
            out.status.success(),
            "arshif {args:?} on {node} failed:\n{}",
            stderr(&out)
        );
        out
    }

    fn json(&self, node: &str, args: &[&str]) -> Value {
        let out = self.ok(node, args);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn init(&self, node: &str) {
        self.ok(
            node,
            &["init", "--catalog", &self.catalog, "--store", &self.store],
        );
    }

    /// Add a user on `node` (password on standard input) and give back a
    /// new API token of theirs.
    fn add_user(&self, node: &str, name: &str, role: &str, branch: Option<&str>) -> String {
        let mut args = vec!["user", "add", name, "--role", role, "--password-stdin"];
        if let Some(b) = branch {
            args.extend(["--branch", b]);
        }
        let mut c = self.cmd(node, &args);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a-long-password-1\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "user add: {}", stderr(&out));
        let out = self.ok(node, &["token", "create", name]);
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn spawn(&self, node: &str, args: &[&str]) -> Child {
        self.cmd(node, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn arshif")
    }

    /// Pages still waiting for OCR, and pages in all, over every document.
    fn pending_pages(&self, node: &str) -> (usize, usize) {
        let mut pending = 0;
        let mut all = 0;
        for id in self.document_ids(node) {
            let doc = self.json(node, &["show", "--json", &id.to_string()]);
            for p in doc["pages"].as_array().unwrap() {
                all += 1;
                if p["source"] == "pending" {
                    pending += 1;
                }
            }
        }
        (pending, all)
    }

    fn document_ids(&self, node: &str) -> Vec<i64> {
        let out = self.ok(node, &["batches", "--json"]);
        let batches: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut ids = vec![];
        for b in batches.as_array().unwrap() {
            let id = b["id"].as_i64().unwrap().to_string();
            let one: Value = self.json(node, &["batches", "--json", &id]);
            let one = if one.is_array() { one[0].clone() } else { one };
            for f in one["files"].as_array().unwrap() {
                if let Some(d) = f["document"].as_i64() {
                    if !ids.contains(&d) {
                        ids.push(d);
                    }
                }
            }
        }
        ids
    }
}

fn wait_output(child: Child, limit: Duration) -> Output {
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            panic!("process {id} did not finish within {limit:?}");
        }
    }
}

/// Every sample file, by path.
fn sample_files() -> Vec<PathBuf> {
    walk_files(&samples())
}

fn report_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

fn ingest_queued(s: &Shared, node: &str, paths: &[&Path]) -> Value {
    let mut args = vec![
        "ingest",
        "--json",
        "--queue",
        "--branch",
        "hofuf",
        "--progress",
        "none",
    ];
    let owned: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(owned.iter().map(String::as_str));
    let out = s.run(node, &args);
    assert!(out.status.success(), "ingest --queue: {}", stderr(&out));
    report_of(&out)
}

#[test]
fn nodes_share_one_archive_workers_read_the_queue() {
    let _serial = one_at_a_time();
    let s = Shared::new();
    s.init("a");
    s.init("b");
    let files = sample_files();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();

    // Node A imports without reading: the originals are stored and the
    // page images queued.
    let report = ingest_queued(&s, "a", &paths);
    assert_eq!(report["ingested"], files.len() as u64, "{report}");
    let (pending, pages) = s.pending_pages("a");
    assert!(
        pending >= 6,
        "image pages wait for workers: {pending} of {pages}"
    );
    assert!(
        pending < pages,
        "the text-layer PDFs' pages are read at import"
    );

    // Two workers, on two nodes, read the pages.
    let w1 = s.spawn("a", &["worker", "--until-idle", "--json"]);
    let w2 = s.spawn("b", &["worker", "--until-idle", "--json"]);
    let r1 = report_of(&wait_output(w1, Duration::from_secs(600)));
    let r2 = report_of(&wait_output(w2, Duration::from_secs(600)));
    let read = r1["pages"].as_u64().unwrap() + r2["pages"].as_u64().unwrap();
    assert_eq!(read, pending as u64, "every page read once: {r1} {r2}");
    assert_eq!(r1["lost_leases"], 0);
    assert_eq!(r2["lost_leases"], 0);
    assert_eq!(s.pending_pages("b").0, 0);

    // Node B, which imported nothing, finds every document by what its
    // pages say, as staff type it.
    for (query, file) in [
        ("4451234", "رخصة بناء 4451234.png"),
        ("ابراهيم", "رخصة بناء 4451234.png"),
        ("27507976", "شهادة صحية 27507976.jpg"),
        ("OMR-2024-0917", "inspection letter OMR-2024-0917.png"),
        ("MC-1445-0088", "عقد صيانة MC-1445-0088.tif"),
        ("المنشأة", "محضر مخالفة 1445-552.pdf"),
        ("Opening hours", "circular 12-1445 opening hours.pdf"),
    ] {
        let r = s.json("b", &["search", "--json", query]);
        let hits = r["hits"].as_array().unwrap();
        assert!(
            hits.iter().any(|h| h["sources"].to_string().contains(file)),
            "node B searching {query:?} finds {file}: {r}"
        );
    }

    // A node without --queue reads its own imports, as one machine does;
    // the other node finds them.
    let extra = s.node_dir("extra.png");
    let mut bytes =
        std::fs::read(samples().join("en/inspection letter OMR-2024-0917.png")).unwrap();
    bytes.extend_from_slice(b"\0another copy");
    std::fs::write(&extra, &bytes).unwrap();
    let out = s.ok(
        "b",
        &[
            "ingest",
            "--json",
            "--branch",
            "omran",
            extra.to_str().unwrap(),
        ],
    );
    assert_eq!(report_of(&out)["ingested"], 1);
    let r = s.json(
        "a",
        &["search", "--json", "--branch", "omran", "OMR-2024-0917"],
    );
    assert_eq!(r["hits"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(s.pending_pages("a").0, 0);

    // And hands back every original byte for byte.
    for id in s.document_ids("b") {
        let doc = s.json("b", &["show", "--json", &id.to_string()]);
        let out = s.node_dir("b").join(format!("out-{id}"));
        s.ok(
            "b",
            &["get", &id.to_string(), "--output", out.to_str().unwrap()],
        );
        let source = doc["sources"][0]["path"].as_str().unwrap();
        let original = files
            .iter()
            .chain(std::iter::once(&extra))
            .find(|f| f.display().to_string() == source || f.ends_with(source))
            .unwrap_or_else(|| panic!("{source} is a sample"));
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(original).unwrap(),
            "document {id} from node B"
        );
    }
}

#[test]
fn a_worker_killed_mid_batch_loses_nothing() {
    let _serial = one_at_a_time();
    let s = Shared::new();
    s.init("a");
    s.init("w");
    let files = sample_files();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    ingest_queued(&s, "a", &paths);
    let (pending, _) = s.pending_pages("a");

    // The first worker is killed once it has finished a page (so it was
    // mid-batch, and most likely mid-page).
    let mut doomed = s.spawn("w", &["worker", "--lease", "5"]);
    let started = Instant::now();
    let stdout = doomed.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let first = lines.next().expect("the worker reports a page").unwrap();
    assert!(first.contains("read in"), "{first}");
    doomed.kill().unwrap();
    doomed.wait().unwrap();
    assert!(started.elapsed() < Duration::from_secs(300));
    let (left, _) = s.pending_pages("a");
    assert!(
        left >= 1 && left < pending,
        "killed mid-batch: {left} of {pending} left"
    );

    // The other worker finishes everything, including the page the killed
    // one held (once its lease ran out).
    let survivor = s.spawn("a", &["worker", "--until-idle", "--json", "--lease", "5"]);
    let r = report_of(&wait_output(survivor, Duration::from_secs(600)));
    assert_eq!(r["pages"], left as u64, "{r}");
    assert_eq!(s.pending_pages("a").0, 0);
    // Every document is findable, with text on every page.
    for id in s.document_ids("a") {
        let doc = s.json("a", &["show", "--json", &id.to_string()]);
        for p in doc["pages"].as_array().unwrap() {
            assert!(!p["text"].as_str().unwrap().trim().is_empty(), "{id}: {p}");
        }
    }
}

#[test]
fn an_object_store_outage_pauses_an_import_which_then_completes() {
    let _serial = one_at_a_time();
    let s = Shared::new();
    s.init("a");
    s.init("b");
    let files = sample_files();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let services_sh = repo().join("scripts/services.sh");
    let garage = |what: &str| {
        let st = Command::new(&services_sh)
            .arg(what)
            .status()
            .expect("services.sh");
        assert!(st.success(), "services.sh {what}");
    };

    garage("stop-garage");
    let mut args = vec!["ingest", "--json", "--queue", "--progress", "none"];
    let owned: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(owned.iter().map(String::as_str));
    let ingest = s.spawn("a", &args);
    std::thread::sleep(Duration::from_secs(3));
    garage("start-garage");
    let out = wait_output(ingest, Duration::from_secs(300));
    assert!(out.status.success(), "{}", stderr(&out));
    let report = report_of(&out);
    assert_eq!(report["ingested"], files.len() as u64, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    assert!(
        stderr(&out).contains("retrying"),
        "the import waited for the store: {}",
        stderr(&out)
    );

    // Everything it stored is there, byte for byte, for another node.
    for id in s.document_ids("b") {
        let doc = s.json("b", &["show", "--json", &id.to_string()]);
        let out = s.node_dir("b").join(format!("out-{id}"));
        s.ok(
            "b",
            &["get", &id.to_string(), "--output", out.to_str().unwrap()],
        );
        let sha = doc["sha256"].as_str().unwrap();
        assert_eq!(common::sha256_hex(&std::fs::read(&out).unwrap()), sha);
    }
}

#[test]
fn init_refuses_half_a_shared_archive_and_plain_http_to_other_hosts() {
    let _serial = one_at_a_time();
    let s = Shared::new();
    let out = s.run("x", &["init", "--catalog", &s.catalog]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--store"), "{}", stderr(&out));
    let out = s
        .cmd("y", &["init", "--catalog", &s.catalog, "--store", &s.store])
        .env("AWS_ENDPOINT_URL", "http://192.0.2.7:3900")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("plain http"), "{}", stderr(&out));
    assert!(!s.node_dir("y").exists(), "a failed init leaves nothing");
    // an unreachable catalog: named, and nothing left behind
    let out = s.run(
        "z",
        &[
            "init",
            "--catalog",
            "postgres://postgres@127.0.0.1:9/none",
            "--store",
            &s.store,
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("127.0.0.1:9"), "{}", stderr(&out));
    assert!(!s.node_dir("z").exists(), "a failed init leaves nothing");
    // a self-contained archive has no queue
    let local = s.node_dir("local");
    let out = common::run(&local, &["init"]);
    assert!(out.status.success());
    let out = Command::new(bin())
        .arg("--archive")
        .arg(&local)
        .args(["ingest", "--queue"])
        .arg(samples().join("en"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("shared archive"), "{}", stderr(&out));
}

#[test]
fn a_catalog_outage_pauses_workers_which_then_finish() {
    let _serial = one_at_a_time();
    let s = Shared::new();
    s.init("a");
    let files = sample_files();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    ingest_queued(&s, "a", &paths);
    let (pending, _) = s.pending_pages("a");
    let services_sh = repo().join("scripts/services.sh");
    let pg = |what: &str| {
        let st = Command::new(&services_sh)
            .arg(what)
            .status()
            .expect("services.sh");
        assert!(st.success(), "services.sh {what}");
    };

    let mut worker = s.spawn("a", &["worker", "--until-idle"]);
    let stdout = worker.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let first = lines.next().expect("the worker reports a page").unwrap();
    assert!(first.contains("read in"), "{first}");
    // PostgreSQL goes away mid-batch and comes back.
    pg("stop-pg");
    std::thread::sleep(Duration::from_secs(3));
    pg("start-pg");
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let out = wait_output(worker, Duration::from_secs(300));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("retrying"), "{}", stderr(&out));
    let summary = rest.last().expect("a summary line");
    assert!(
        summary.starts_with(&format!("{pending} pages read")),
        "every page read once: {summary}"
    );
    assert!(summary.contains("0 lost leases"), "{summary}");
    assert_eq!(s.pending_pages("a").0, 0);
}

#[test]
fn a_server_gets_over_a_restart_of_postgresql() {
    let _serial = one_at_a_time();
    let s = Shared::new();
    s.init("b");
    let pdf = samples().join("pdf/circular 12-1445 opening hours.pdf");
    let pdf = pdf.display().to_string();
    s.ok(
        "b",
        &["ingest", "--branch", "hofuf", "--progress", "none", &pdf],
    );
    let token = s.add_user("b", "root", "admin", None);

    let mut server = common::http::Server::spawn(s.cmd("b", &[]), &[]);
    server.token = Some(token);
    let search = |server: &common::http::Server| server.json("/api/search?q=opening");
    let (status, v) = search(&server);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["total"], 1, "{v}");

    let services_sh = repo().join("scripts/services.sh");
    let pg = |what: &str| {
        let st = Command::new(&services_sh)
            .arg(what)
            .status()
            .expect("services.sh");
        assert!(st.success(), "services.sh {what}");
    };
    pg("stop-pg");
    // While the database is away: 503, try again (not a 500, not a hang).
    let (status, v) = search(&server);
    pg("start-pg");
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["error"]["code"], "unavailable", "{v}");
    // Once it is back, searches recover without a restart of `serve`: the
    // pool drops the broken connections and makes new ones.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, v) = search(&server);
        if status == 200 {
            assert_eq!(v["total"], 1, "{v}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "searches never recovered: {status} {v}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // And keep working, call after call.
    for _ in 0..40 {
        let (status, v) = search(&server);
        assert_eq!(status, 200, "{v}");
    }
}

#[test]
fn any_node_serves_the_whole_archive_and_follows_it() {
    let _serial = one_at_a_time();
    let s = Shared::new();
    s.init("a");
    s.init("b");
    let add_user =
        |name: &str, role: &str, branch: Option<&str>| s.add_user("b", name, role, branch);
    let admin = add_user("root", "admin", None);
    let omran = add_user("omran-clerk", "clerk", Some("omran"));

    // Node B serves before anything is imported anywhere.
    let mut server = common::http::Server::spawn(s.cmd("b", &[]), &[]);
    server.token = Some(admin.clone());
    let hits = |server: &common::http::Server, q: &str| -> Vec<Value> {
        let (status, v) = server.json(&format!("/api/search?q={q}"));
        assert_eq!(status, 200, "{v}");
        v["hits"].as_array().unwrap().clone()
    };
    assert!(hits(&server, "4451234").is_empty());

    // Node A imports, a worker on a third node reads the pages.
    s.init("w");
    let files = sample_files();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    ingest_queued(&s, "a", &paths);
    let worker = s.spawn("w", &["worker", "--until-idle", "--json"]);
    report_of(&wait_output(worker, Duration::from_secs(600)));

    // B's index follows the shared catalog: the OCR'd text is searchable
    // there within seconds, without a restart.
    let deadline = Instant::now() + Duration::from_secs(60);
    let found = loop {
        let h = hits(&server, "%D8%A7%D8%A8%D8%B1%D8%A7%D9%87%D9%8A%D9%85"); // ابراهيم
        if !h.is_empty() {
            break h;
        }
        assert!(
            Instant::now() < deadline,
            "node B never saw the worker's pages"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let id = found[0]["id"].as_i64().unwrap();
    let sha = found[0]["sha256"].as_str().unwrap().to_string();

    // The original, from the bucket, byte for byte.
    let (status, _, body) = server.get(&format!("/api/documents/{id}/original"));
    assert_eq!(status, 200);
    assert_eq!(common::sha256_hex(&body), sha);
    // A page image is rendered from it.
    let (status, _, _) = server.get(&format!("/api/documents/{id}/pages/1/image"));
    assert_eq!(status, 200);

    // Branch scopes hold: a clerk of Omran sees nothing imported for Hofuf.
    server.token = Some(omran);
    assert!(hits(&server, "4451234").is_empty());
    let (status, _, _) = server.get(&format!("/api/documents/{id}"));
    assert_eq!(status, 404);

    // And the archive's audit log recorded who looked: one log, seen from
    // every node, its chain intact.
    server.token = Some(admin);
    let (status, log) = server.json(&format!("/api/audit?doc={id}"));
    assert_eq!(status, 200, "{log}");
    assert!(log.to_string().contains("\"download\""), "{log}");
    let out = s.ok("a", &["audit", "--json"]);
    let seen_from_a = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(seen_from_a.contains("\"download\""), "{seen_from_a}");
    assert!(
        seen_from_a.contains("\"import\""),
        "A's import: {seen_from_a}"
    );
    s.ok("b", &["audit", "verify"]);
}

/// The records lifecycle on a shared archive: a document one node moves to
/// the trash and purges leaves every node's index (the other node learns
/// it from the catalog's tombstone), the original leaves the object store,
/// and an import of the same bytes racing the purge on the other node ends
/// with its original stored whenever its document is recorded.
#[test]
fn a_purge_on_one_node_reaches_every_node_and_never_loses_a_live_original() {
    let _serial = one_at_a_time();
    let s = Shared::new();
    s.init("a");
    s.init("b");
    let pdf = repo().join("samples/scans/pdf/circular 12-1445 opening hours.pdf");
    let file = s.node_dir("scan-0001.pdf");
    std::fs::copy(&pdf, &file).unwrap();
    let found = |node: &str| -> Vec<i64> {
        s.json(node, &["search", "--json", "opening hours"])["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect()
    };
    for round in 0..3u64 {
        let r = s.json(
            "a",
            &[
                "ingest",
                "--json",
                "--branch",
                "hofuf",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(r["failed"], 0, "round {round}: {r}");
        let ids = found("b");
        assert_eq!(ids.len(), 1, "round {round}: node B finds it");
        let id = ids[0].to_string();
        let sha = s.json("b", &["show", "--json", &id])["sha256"]
            .as_str()
            .unwrap()
            .to_string();
        s.ok("a", &["delete", &id, "--reason", "shared purge"]);
        assert!(
            found("b").is_empty(),
            "round {round}: gone from node B's search"
        );
        // Node B imports the same bytes while node A purges them.
        let purge = s.spawn("a", &["purge", "--older-than", "0", "--json"]);
        if round > 0 {
            std::thread::sleep(Duration::from_millis(40 * round));
        }
        let import = s.run(
            "b",
            &[
                "ingest",
                "--json",
                "--branch",
                "hofuf",
                file.to_str().unwrap(),
            ],
        );
        let p = wait_output(purge, Duration::from_secs(120));
        assert!(
            p.status.success() || p.status.code() == Some(2),
            "{}",
            stderr(&p)
        );
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&import.stdout),
            stderr(&import)
        );
        let recorded = said.contains("\"ingested\":1");
        assert!(
            recorded || said.contains("in the trash"),
            "round {round}: {said}"
        );
        // Whatever is live has its original; what was purged is in no index.
        s.ok("a", &["purge", "--older-than", "0"]);
        let live = found("a");
        assert_eq!(found("b"), live, "round {round}: both nodes agree");
        for id in &live {
            let d = s.json("a", &["show", "--json", &id.to_string()]);
            let out = s.run(
                "b",
                &[
                    "get",
                    &id.to_string(),
                    "-o",
                    s.node_dir("got.pdf").to_str().unwrap(),
                ],
            );
            assert!(
                out.status.success(),
                "round {round}: doc {id} ({}): {}",
                d["sha256"],
                stderr(&out)
            );
            let _ = std::fs::remove_file(s.node_dir("got.pdf"));
        }
        assert_eq!(live.len(), usize::from(recorded), "round {round}");
        for id in live {
            s.ok("b", &["delete", &id.to_string(), "--reason", "next round"]);
        }
        s.ok("b", &["purge", "--older-than", "0"]);
        assert!(found("a").is_empty() && found("b").is_empty());
        // The original left the object store: no check finds it anywhere.
        let c = s.json("a", &["check", "--json"]);
        assert_eq!(c["blobs"], 0, "round {round} ({sha}): {c}");
        assert!(
            c["problems"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["damage"] == false),
            "round {round}: {c}"
        );
    }
}

/// A worker whose pages fail (here: a model that is not installed) names
/// each failure and exits 1, as `ingest` does, so that a timer or a
/// supervisor sees it; the page is given up after its attempts.
#[test]
fn a_worker_whose_pages_fail_exits_1() {
    let _serial = one_at_a_time();
    let s = Shared::new();
    s.init("a");
    let scan = samples().join("ar/رخصة بناء 4451234.png");
    ingest_queued(&s, "a", &[&scan]);
    let worker = s.spawn(
        "a",
        &[
            "worker",
            "--until-idle",
            "--json",
            "--languages",
            "nosuchmodel",
        ],
    );
    let out = wait_output(worker, Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = report_of(&out);
    assert!(report["errors"].as_u64().unwrap() >= 1, "{report}");
    assert!(stderr(&out).contains("nosuchmodel"), "{}", stderr(&out));
}

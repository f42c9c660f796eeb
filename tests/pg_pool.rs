//! PostgreSQL connections as a node makes them: over TLS when the URL's
//! `sslmode` asks (against the test server, which runs with `ssl=on` on a
//! certificate of the test CA that `scripts/services.sh` makes), and from
//! a pool that gets over a server restart: the call that finds its
//! connection lost may fail, as an outage, the calls after it succeed, and
//! no broken connection is handed out again.
//!
//! The tests of this file run one at a time (one of them restarts the
//! server).

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

use arshif::catalog::{Catalog, NewBatch, PgCatalog};
use arshif::db::pg::{PgPool, Target};
use arshif::db::url::{quote_ident, url_with_search_path};

fn services_sh() -> std::path::PathBuf {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("scripts/services.sh")
}

/// The services' settings (`scripts/services.sh start`).
fn services() -> &'static HashMap<String, String> {
    static ENV: OnceLock<HashMap<String, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let out = Command::new(services_sh())
            .arg("start")
            .output()
            .expect("run scripts/services.sh");
        assert!(
            out.status.success(),
            "scripts/services.sh start failed (PostgreSQL is needed; `make deps` installs it):\n{}",
            String::from_utf8_lossy(&out.stderr)
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

/// The test server's URL with `params` added.
fn url(params: &str) -> String {
    let base = &services()["ARSHIF_TEST_PG"];
    if params.is_empty() {
        base.clone()
    } else {
        format!("{base}?{params}")
    }
}

/// Whether the connection `url` makes is encrypted.
fn encrypted(url: &str) -> bool {
    let mut c = Target::parse(url).unwrap().connect().unwrap();
    c.query_one(
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        &[],
    )
    .unwrap()
    .get(0)
}

/// A schema of its own, dropped afterwards.
struct Schema {
    name: String,
}

impl Schema {
    fn new(prefix: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Schema {
            name: format!("{prefix}_{}_{nanos}", std::process::id()),
        }
    }

    fn url(&self, base: &str) -> String {
        url_with_search_path(base, &self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = Target::parse(&url("")).unwrap().connect() {
            let _ = c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                quote_ident(&self.name)
            ));
        }
    }
}

fn new_batch(cat: &mut dyn Catalog) -> arshif::types::BatchId {
    cat.begin_batch(&NewBatch {
        started_at: chrono::Utc::now(),
        branch: None,
        doc_type: None,
        inputs: vec!["scans".into()],
    })
    .unwrap()
}

#[test]
fn verify_full_connects_over_tls_to_the_test_server() {
    let _serial = one_at_a_time();
    let ca = &services()["ARSHIF_TEST_PG_CA"];
    let tls = url(&format!("sslmode=verify-full&sslrootcert={ca}"));
    assert!(encrypted(&tls));
    // The catalog over it.
    let schema = Schema::new("tls");
    let mut cat = PgCatalog::open(&schema.url(&tls), "n1").unwrap();
    let b = new_batch(&mut cat);
    assert_eq!(cat.batch(b).unwrap().unwrap().inputs, ["scans"]);
    // A server whose certificate no trusted root signed is refused.
    let Err(e) = Target::parse(&url("sslmode=verify-full&sslrootcert=system"))
        .unwrap()
        .connect()
    else {
        panic!("the test CA is no system root");
    };
    let why = format!("{e:?}");
    assert!(why.contains("UnknownIssuer"), "{why}");
}

#[test]
fn require_encrypts_and_no_sslmode_stays_plain() {
    let _serial = one_at_a_time();
    assert!(encrypted(&url("sslmode=require")));
    assert!(!encrypted(&url("")));
    assert!(!encrypted(&url("sslmode=disable")));
}

#[test]
fn a_pool_gets_over_a_server_restart() {
    let _serial = one_at_a_time();
    let schema = Schema::new("restart");
    let pool: PgPool = PgCatalog::pool(&schema.url(&url("")), 4).unwrap();
    let mut cat = PgCatalog::from_pool(&pool, "n1").unwrap();
    let b = new_batch(&mut cat);
    // Another connection, idle in the pool over the restart.
    drop(PgCatalog::from_pool(&pool, "n1").unwrap());
    assert_eq!(pool.state(), (2, 1));

    let pg = |what: &str| {
        let st = Command::new(services_sh()).arg(what).status().unwrap();
        assert!(st.success(), "services.sh {what}");
    };
    pg("stop-pg");
    // While the server is down: an outage, not a refusal.
    let e = cat.batch(b).unwrap_err();
    assert!(e.is_outage(), "{e}");
    pg("start-pg");

    // The call that finds the connection lost may fail, as an outage; the
    // next ones succeed on a new connection.
    if let Err(e) = cat.batch(b) {
        assert!(e.is_outage(), "{e}");
    }
    assert!(cat.batch(b).unwrap().is_some());
    assert!(cat.batches().unwrap().len() == 1);
    // Every connection the pool hands out answers (`cat` holds one): the
    // broken ones were dropped, not handed out again.
    let mut held = Vec::new();
    for _ in 0..pool.max_size() - 1 {
        let mut c = pool.get().expect("a connection that answers");
        c.query_one("SELECT 1", &[]).unwrap();
        held.push(c);
    }
    drop(held);
    let mut other = PgCatalog::from_pool(&pool, "n1").unwrap();
    assert!(other.batch(b).unwrap().is_some());
    new_batch(&mut other);
    assert_eq!(cat.batches().unwrap().len(), 2);
}

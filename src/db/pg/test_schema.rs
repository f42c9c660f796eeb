//! A schema of its own on the test server (`ARSHIF_TEST_PG`), dropped
//! afterwards, so tests run in parallel without meeting. Shared by the
//! tests of every PostgreSQL user (the catalog, the audit log).

use std::sync::atomic::{AtomicU64, Ordering};

use postgres::Client;

use crate::db::url::{quote_ident, url_with_search_path};

use super::Target;

pub(crate) struct TestSchema {
    base: String,
    pub(crate) schema: String,
    pub(crate) url: String,
}

impl TestSchema {
    pub(crate) fn new() -> Self {
        let base = std::env::var("ARSHIF_TEST_PG")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| {
                panic!(
                    "ARSHIF_TEST_PG is not set: the PostgreSQL tests need a server. \
                     Run `scripts/services.sh start` and export what it prints \
                     (make test does)"
                )
            });
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let schema = format!(
            "t_{}_{}_{}",
            std::process::id(),
            nanos,
            N.fetch_add(1, Ordering::Relaxed)
        );
        let url = url_with_search_path(&base, &schema);
        TestSchema { base, schema, url }
    }

    /// A plain connection to the test schema.
    pub(crate) fn client(&self) -> Client {
        Target::parse(&self.url).unwrap().connect().unwrap()
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = Target::parse(&self.base).and_then(|t| {
            t.connect().map_err(|source| crate::db::DbError::Pg {
                url: String::new(),
                source,
            })
        }) {
            let _ = c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                quote_ident(&self.schema)
            ));
        }
    }
}

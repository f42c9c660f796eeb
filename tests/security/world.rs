//! The fixture of the security tests: a served archive with documents in
//! two branches, and a user of each role.

use crate::common::http::*;
use crate::common::*;
use serde_json::{json, Value};

pub(crate) const PASSWORD: &str = "a-long-password-1";

/// Two branches' documents and a user of each role.
pub(crate) struct World {
    pub(crate) a: TestArchive,
    pub(crate) server: Server,
    /// hofuf's document (the circular) and omran's (the violation report).
    pub(crate) own: i64,
    pub(crate) other: i64,
    pub(crate) tokens: Vec<(&'static str, String)>,
}

pub(crate) fn pdf(name: &str) -> std::path::PathBuf {
    samples().join("pdf").join(name)
}

pub(crate) const HOFUF_PDF: &str = "circular 12-1445 opening hours.pdf";
pub(crate) const OMRAN_PDF: &str = "محضر مخالفة 1445-552.pdf";
pub(crate) const THIRD_PDF: &str = "تعميم 14-1445 نظافة الأسواق.pdf";

pub(crate) fn world(serve_flags: &[&str]) -> World {
    world_with(serve_flags, |_| {})
}

/// [`world`], with more imports before the server starts.
pub(crate) fn world_with(serve_flags: &[&str], more: impl FnOnce(&TestArchive)) -> World {
    let a = TestArchive::new();
    let (r, code) = a.ingest(
        &["--branch", "hofuf", "--doc-type", "circular"],
        &[&pdf(HOFUF_PDF)],
    );
    assert_eq!(code, 0, "{r}");
    let (r, code) = a.ingest(
        &["--branch", "omran", "--doc-type", "violation-report"],
        &[&pdf(OMRAN_PDF)],
    );
    assert_eq!(code, 0, "{r}");
    a.add_user("root", "admin", &[], PASSWORD);
    a.add_user("clerk_h", "clerk", &["hofuf"], PASSWORD);
    a.add_user("staff_h", "staff", &["hofuf"], PASSWORD);
    a.add_user("auditor", "auditor", &[], PASSWORD);
    let tokens = vec![
        ("admin", a.token("root")),
        ("clerk", a.token("clerk_h")),
        ("staff", a.token("staff_h")),
        ("auditor", a.token("auditor")),
    ];
    let id_of = |query: &str| -> i64 {
        let v = a.search(&[], query);
        assert_eq!(v["total"], 1, "{query}: {v}");
        v["hits"][0]["id"].as_i64().unwrap()
    };
    let own = id_of("hours");
    let other = id_of("مخالفة");
    more(&a);
    let server = Server::start_with(&a, serve_flags);
    World {
        a,
        server,
        own,
        other,
        tokens,
    }
}

impl World {
    pub(crate) fn call(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Answer {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        let ct = match path {
            "/api/documents" => "multipart/form-data; boundary=XyZ",
            _ => "application/json",
        };
        if method == "POST" || method == "PATCH" || !body.is_empty() {
            headers.push(("Content-Type", ct));
        }
        self.server.send(method, path, &headers, body)
    }

    pub(crate) fn token(&self, role: &str) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// Log in; returns the session cookie (name=value) and the CSRF token.
    pub(crate) fn login(
        &self,
        user: &str,
        password: &str,
        cookie: Option<&str>,
    ) -> (Answer, String, String) {
        let body = json!({"user": user, "password": password}).to_string();
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(c) = cookie {
            headers.push(("Cookie", c));
        }
        let a = self
            .server
            .send("POST", "/api/login", &headers, body.as_bytes());
        let set = a.header("set-cookie").to_string();
        let cookie = set.split(';').next().unwrap_or("").to_string();
        let csrf = a.json()["csrf_token"].as_str().unwrap_or("").to_string();
        (a, cookie, csrf)
    }

    pub(crate) fn audit(&self) -> Vec<Value> {
        let out = self.a.run(&["audit", "--json", "--limit", "1000"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
    }
}

//! The web UI's files, compiled into the binary: the page at `/` and the
//! scripts and style sheet under `/ui/`. Each is sent with a strong ETag
//! (the sha256 of its content), so a reload that sends `If-None-Match`
//! transfers nothing new.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// One file of the UI.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

/// The page at `/`.
pub const INDEX: Asset = Asset {
    name: "index.html",
    content_type: "text/html; charset=utf-8",
    body: include_str!("ui/index.html"),
};

/// A file of `ui/`, compiled in.
macro_rules! ui_file {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_str!(concat!("ui/", $name)),
        }
    };
}

/// Everything under `/ui/`: `app.js` is the entry module, which imports
/// the others.
pub const UI: &[Asset] = &[
    ui_file!("app.js", JS),
    ui_file!("core.js", JS),
    ui_file!("i18n.js", JS),
    ui_file!("search.js", JS),
    ui_file!("viewer.js", JS),
    ui_file!("session.js", JS),
    ui_file!("list.js", JS),
    ui_file!("audit.js", JS),
    ui_file!("review.js", JS),
    ui_file!("bulk.js", JS),
    ui_file!("views.js", JS),
    ui_file!("upload.js", JS),
    ui_file!("app.css", "text/css; charset=utf-8"),
];

impl Asset {
    /// `"sha256-…"` of the content, quoted as an ETag is.
    fn etag(&self) -> HeaderValue {
        static TAGS: OnceLock<Vec<(&'static str, HeaderValue)>> = OnceLock::new();
        let tags = TAGS.get_or_init(|| {
            std::iter::once(&INDEX)
                .chain(UI)
                .map(|a| {
                    let (id, _) = arshif::store::hash_reader(a.body.as_bytes())
                        .expect("hashing memory cannot fail");
                    let tag = format!("\"{}\"", id.to_hex());
                    (
                        a.name,
                        HeaderValue::from_str(&tag).expect("hex is a header value"),
                    )
                })
                .collect()
        });
        tags.iter()
            .find(|(n, _)| *n == self.name)
            .map(|(_, t)| t.clone())
            .expect("every asset has a tag")
    }

    /// The file, or 304 Not Modified when the client holds this version.
    pub fn respond(&self, headers: &HeaderMap) -> Response {
        let etag = self.etag();
        let cache = HeaderValue::from_static("no-cache");
        let held = headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| {
                let v = v.trim();
                v == "*" || v.trim_start_matches("W/") == etag.to_str().unwrap_or_default()
            });
        if held {
            return (
                StatusCode::NOT_MODIFIED,
                [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
            )
                .into_response();
        }
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.content_type),
                ),
                (header::CACHE_CONTROL, cache),
                (header::ETAG, etag),
            ],
            self.body,
        )
            .into_response()
    }
}

pub async fn index(headers: HeaderMap) -> Response {
    INDEX.respond(&headers)
}

pub async fn ui(Path(file): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    UI.iter()
        .find(|a| a.name == file)
        .map(|a| a.respond(&headers))
        .ok_or_else(|| ApiError::not_found("not_found", "no such file of the web UI"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every module a script imports (`from './x.js'`) is served, and every
    /// file served is used by the page or a script.
    #[test]
    fn the_served_files_are_the_ones_the_page_loads() {
        let mut wanted = vec![];
        for a in std::iter::once(&INDEX).chain(UI) {
            for part in a.body.split("from './").skip(1) {
                wanted.push(part.split('\'').next().unwrap().to_string());
            }
            for part in a.body.split("/ui/").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                    .collect();
                wanted.push(name);
            }
        }
        wanted.sort();
        wanted.dedup();
        let served: Vec<&str> = UI.iter().map(|a| a.name).collect();
        for w in &wanted {
            assert!(served.contains(&w.as_str()), "{w} is loaded but not served");
        }
        for s in &served {
            assert!(
                wanted.iter().any(|w| w == s),
                "{s} is served but nothing loads it"
            );
        }
    }

    #[test]
    fn a_client_holding_the_current_file_gets_304() {
        let app = &UI[0];
        let first = app.respond(&HeaderMap::new());
        assert_eq!(first.status(), StatusCode::OK);
        let tag = first.headers()[header::ETAG].clone();
        assert!(tag.to_str().unwrap().starts_with('"'));
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, tag.clone());
        let again = app.respond(&h);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(again.headers()[header::ETAG], tag);
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"old\""));
        assert_eq!(app.respond(&h).status(), StatusCode::OK);
        // another file's tag does not match
        let css = UI.iter().find(|a| a.name == "app.css").unwrap();
        h.insert(header::IF_NONE_MATCH, tag);
        assert_eq!(css.respond(&h).status(), StatusCode::OK);
    }
}

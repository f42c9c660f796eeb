//! `arshif serve` as a client sees it: the real binary on a real archive,
//! spoken to over HTTP on the loopback interface.

mod common;

use common::http::*;
use common::*;
use serde_json::Value;

#[test]
fn the_api_serves_search_documents_originals_and_pages() {
    let a = TestArchive::new();
    let licence = samples().join("ar/رخصة بناء 4451234.png");
    let circular = samples().join("pdf/circular 12-1445 opening hours.pdf");
    let (r, code) = a.ingest(&["--branch", "hofuf", "--doc-type", "licence"], &[&licence]);
    assert_eq!(code, 0, "{r}");
    let (r, code) = a.ingest(
        &["--branch", "mubarraz", "--doc-type", "circular"],
        &[&circular],
    );
    assert_eq!(code, 0, "{r}");
    let token = a.admin_token();
    let mut server = Server::start(&a);
    server.token = Some(token);

    // Search as a clerk types: no hamza, ه for ة.
    let (status, found) = server.json(&format!("/api/search?q={}", enc("رخصه بناء")));
    assert_eq!(status, 200, "{found}");
    let cli = a.search(&[], "رخصه بناء");
    assert_eq!(
        found, cli,
        "the API answers what `arshif search --json` prints"
    );
    let hit = &found["hits"][0];
    assert_eq!(hit["branch"], "hofuf");
    let id = hit["id"].as_i64().unwrap();
    let boxes = hit["matches"][0]["boxes"].as_array().unwrap();
    assert_eq!(hit["matches"][0]["page"], 1);
    assert!(!boxes.is_empty(), "{hit}");

    // The boxes are the boxes of the matched words on the page.
    let (_, doc) = server.json(&format!("/api/documents/{id}?words=1"));
    let words = doc["pages"][0]["words"].as_array().unwrap();
    for b in boxes {
        let w = words
            .iter()
            .find(|w| &w["box"] == b)
            .unwrap_or_else(|| panic!("no OCR word at {b}"));
        let t = w["text"].as_str().unwrap();
        assert!(t.contains("رخص") || t.contains("بناء"), "{t}");
    }
    let (_, m) = server.json(&format!("/api/documents/{id}/matches?q={}", enc("رخصه")));
    assert!(
        !m["matches"][0]["boxes"].as_array().unwrap().is_empty(),
        "{m}"
    );

    // Filters: branch, type and import date.
    let (_, none) = server.json(&format!("/api/search?q={}&branch=mubarraz", enc("رخصه")));
    assert_eq!(none["total"], 0, "{none}");
    let (_, by_type) = server.json("/api/search?q=hours&type=circular");
    assert_eq!(by_type["total"], 1, "{by_type}");
    let (_, old) = server.json(&format!(
        "/api/search?q={}&imported_to=2001-01-01",
        enc("رخصه")
    ));
    assert_eq!(old["total"], 0, "{old}");
    let today = chrono::Utc::now().date_naive();
    let (_, recent) = server.json(&format!(
        "/api/search?q={}&imported_from={today}&imported_to={today}",
        enc("رخصه")
    ));
    assert_eq!(recent["total"], 1, "{recent}");
    let (_, facets) = server.json("/api/facets");
    assert_eq!(
        facets["branches"],
        serde_json::json!([{"value": "hofuf", "count": 1}, {"value": "mubarraz", "count": 1}])
    );

    // The document is what `arshif show --json` prints.
    let (status, shown) = server.json(&format!("/api/documents/{id}"));
    assert_eq!(status, 200);
    assert_eq!(shown, a.show(&id.to_string()));

    // The original, byte for byte, under its Arabic name.
    let (status, h, bytes) = server.get(&format!("/api/documents/{id}/original"));
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), "image/png");
    assert_eq!(
        sha256_hex(&bytes),
        sha256_hex(&std::fs::read(&licence).unwrap())
    );
    let cd = header(&h, "content-disposition");
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains(&format!("filename*=UTF-8''{}", enc("رخصة"))),
        "{cd}"
    );

    // Page images: upright page scaled to the width asked, then cached.
    let (status, h, jpg) = server.get(&format!("/api/documents/{id}/pages/1/image?width=600"));
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), "image/jpeg");
    let img = image::load_from_memory(&jpg).unwrap();
    let (pw, ph) = (
        doc["pages"][0]["width"].as_u64().unwrap() as f64,
        doc["pages"][0]["height"].as_u64().unwrap() as f64,
    );
    assert_eq!(img.width(), 600);
    assert!((img.height() as f64 - 600.0 * ph / pw).abs() <= 1.0);
    let (_, _, again) = server.get(&format!("/api/documents/{id}/pages/1/image?width=600"));
    assert_eq!(again, jpg, "served from the cache");
    let (status, _, thumb) = server.get(&format!("/api/documents/{id}/pages/1/thumbnail"));
    assert_eq!(status, 200);
    assert_eq!(image::load_from_memory(&thumb).unwrap().width(), 200);
    let (status, _) = server.json(&format!("/api/documents/{id}/pages/9/image"));
    assert_eq!(status, 404);

    // The searchable PDF.
    let (status, h, pdf) = server.get(&format!("/api/documents/{id}/searchable.pdf"));
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));

    // The UI and the API's description.
    let (status, h, html) = server.get("/");
    assert_eq!(status, 200);
    assert!(header(&h, "content-type").starts_with("text/html"));
    assert!(String::from_utf8_lossy(&html).contains("dir=\"rtl\""));
    let (status, api) = server.json("/api/openapi.json");
    assert_eq!(status, 200);
    assert!(api["paths"]["/api/search"].is_object());
}

#[test]
fn imports_made_while_serving_are_found() {
    let a = TestArchive::new();
    let token = a.admin_token();
    let mut server = Server::start(&a);
    server.token = Some(token);
    let (_, before) = server.json("/api/search?q=hours");
    assert_eq!(before["total"], 0);
    let pdf = samples().join("pdf/circular 12-1445 opening hours.pdf");
    let (r, code) = a.ingest(&["--branch", "oyun"], &[&pdf]);
    assert_eq!(code, 0, "{r}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, found) = server.json("/api/search?q=hours");
        if found["total"] == 1 {
            assert_eq!(found["hits"][0]["branch"], "oyun");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server never saw the import: {found}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn uploads_are_imported_like_ingest() {
    let a = TestArchive::new();
    let token = a.admin_token();
    let mut server = Server::start(&a);
    server.token = Some(token);
    let pdf = samples().join("pdf/circular 12-1445 opening hours.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    let mut body = Vec::new();
    let part = |body: &mut Vec<u8>, disposition: &str, content: &[u8]| {
        body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; ");
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    part(&mut body, "name=\"branch\"", b"omran");
    part(&mut body, "name=\"doc_type\"", b"circular");
    part(
        &mut body,
        "name=\"file\"; filename=\"تعميم ساعات العمل.pdf\"",
        &bytes,
    );
    part(
        &mut body,
        "name=\"file\"; filename=\"broken.pdf\"",
        b"%PDF-1.4 not really",
    );
    body.extend_from_slice(b"--XyZ--\r\n");
    let (status, _, out) = server.request(
        "POST",
        "/api/documents",
        Some("multipart/form-data; boundary=XyZ"),
        &body,
    );
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ingested"], 1, "{report}");
    assert_eq!(report["failed"], 1, "{report}");
    assert_eq!(report["errors"][0]["path"], "upload/broken.pdf", "{report}");

    // Found at once, recorded under the uploaded name and branch.
    let (_, found) = server.json("/api/search?q=hours");
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["hits"][0]["branch"], "omran");
    assert_eq!(
        found["hits"][0]["sources"][0],
        "upload/تعميم ساعات العمل.pdf"
    );
    // Nothing of the upload is left behind but the archived original.
    let left: Vec<_> = std::fs::read_dir(a.dir.join("uploads")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");

    let (status, _, out) = server.request(
        "POST",
        "/api/documents",
        Some("multipart/form-data; boundary=XyZ"),
        b"--XyZ--\r\n",
    );
    let err: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "bad_upload");
}

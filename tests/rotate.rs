//! A page scanned sideways is turned by hand (`POST
//! /api/documents/{id}/pages/{n}/rotate`, `arshif rotate`) and read again:
//! its text is found by search, its image is served upright, the turns add
//! up, and each turn is audited.

mod common;

use common::http::Server;
use common::*;
use serde_json::Value;

/// The page as the API shows it now: its rotation and its image's shape.
fn page_now(server: &Server, id: i64) -> (u64, (u32, u32)) {
    let (status, doc) = server.json(&format!("/api/documents/{id}"));
    assert_eq!(status, 200, "{doc}");
    let rotation = doc["pages"][0]["rotation"].as_u64().unwrap();
    let (status, _, jpeg) = server.get(&format!("/api/documents/{id}/pages/1/image"));
    assert_eq!(status, 200);
    let img = image::load_from_memory(&jpeg).expect("a JPEG");
    (rotation, (img.width(), img.height()))
}

fn rotate(server: &Server, id: i64, degrees: Value) -> (u16, Value) {
    let (status, _, body) = server.request(
        "POST",
        &format!("/api/documents/{id}/pages/1/rotate"),
        Some("application/json"),
        serde_json::json!({ "degrees": degrees })
            .to_string()
            .as_bytes(),
    );
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[test]
fn a_page_scanned_sideways_is_turned_by_hand_and_read_again() {
    let a = TestArchive::new();
    // The English letter, saved turned a quarter clockwise.
    let upright = image::open(samples().join("en/inspection letter OMR-2024-0917.png")).unwrap();
    assert!(upright.width() < upright.height(), "a portrait page");
    let sideways = a.tmp.path().join("sideways.png");
    upright.rotate90().save(&sideways).unwrap();
    let (report, code) = a.ingest(&["--branch", "hofuf"], &[&sideways]);
    assert_eq!(code, 0, "{report}");
    let id = 1;

    let token = a.admin_token();
    let mut server = Server::start(&a);
    server.token = Some(token);
    let (r0, _) = page_now(&server, id);

    // Turned upright through the API (unless the import's orientation
    // detection already did): 270° clockwise undoes a quarter clockwise.
    let mut turns = 0u64;
    if r0 != 270 {
        let d = (270 + 360 - r0) % 360;
        let (status, doc) = rotate(&server, id, d.into());
        assert_eq!(status, 200, "{doc}");
        assert_eq!(doc["pages"][0]["rotation"], 270, "{doc}");
        assert_eq!(doc["indexed"], true, "{doc}");
        turns += 1;
    }
    let (rotation, (w, h)) = page_now(&server, id);
    assert_eq!(rotation, 270);
    assert!(w < h, "upright: {w}×{h}");

    // The command line turns it a quarter more: as it was scanned…
    let out = a.run(&["rotate", "1", "1", "--degrees", "90"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (rotation, (w, h)) = page_now(&server, id);
    assert_eq!(rotation, 0, "270 + 90");
    assert!(w > h, "sideways: {w}×{h}");
    // …and the API three quarters more: the turns add up to upright.
    let (status, doc) = rotate(&server, id, 270.into());
    assert_eq!(status, 200, "{doc}");
    turns += 2; // the command line's and this one
    let (rotation, (w, h)) = page_now(&server, id);
    assert_eq!(rotation, 270);
    assert!(w < h, "upright again: {w}×{h}");
    let (_, thumb_headers, thumb) = server.get(&format!("/api/documents/{id}/pages/1/thumbnail"));
    let t = image::load_from_memory(&thumb).unwrap();
    assert!(t.width() < t.height(), "the thumbnail too");
    assert!(common::http::header(&thumb_headers, "etag").contains("-r270-"));

    // Read upright: the letter's words are found.
    let text = doc["pages"][0]["text"].as_str().unwrap().to_lowercase();
    assert!(text.contains("inspection"), "{text}");
    let (status, found) = server.json("/api/search?q=inspection");
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["hits"][0]["id"], id, "{found}");

    // Each turn is audited with its page and degrees.
    let (_, log) = server.json("/api/audit?limit=100");
    let rotations: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "rotate")
        .collect();
    assert_eq!(rotations.len() as u64, turns, "every turn: {log}");
    assert_eq!(rotations[0]["detail"]["page"], 1, "{log}");
    assert_eq!(rotations[0]["detail"]["degrees"], 270, "{log}");
    assert_eq!(rotations[0]["documents"], serde_json::json!([id]), "{log}");

    // Only quarter turns, of pages that are there.
    for bad in [
        serde_json::json!(45),
        serde_json::json!(0),
        serde_json::json!("90"),
    ] {
        let (status, e) = rotate(&server, id, bad.clone());
        assert_eq!(status, 400, "{bad}: {e}");
        assert_eq!(e["error"]["code"], "bad_rotation", "{e}");
    }
    let (status, _, body) = server.request(
        "POST",
        &format!("/api/documents/{id}/pages/2/rotate"),
        Some("application/json"),
        br#"{"degrees":90}"#,
    );
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
}

//! Numbers printed in Arabic-Indic digits are read right, found by the
//! digits staff type, highlighted where they are printed, and never matched
//! approximately. The sample licence is imported under a scanner's neutral
//! name, so that its file name cannot answer the query.

mod common;

use common::*;
use serde_json::Value;

fn numbers(doc: &Value) -> Vec<(String, String)> {
    doc["pages"][0]["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["value"].as_str().unwrap().to_string(),
                n["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_sample_licence_is_found_by_its_number() {
    let a = TestArchive::new();
    let dir = a.scratch("scanner");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        samples().join("ar/رخصة بناء 4451234.png"),
        dir.join("scan-0001.png"),
    )
    .unwrap();
    let (report, code) = a.ingest(&["--branch", "hofuf"], &[&dir]);
    assert_eq!(code, 0, "{report}");

    let doc = a.show("1");
    let read = numbers(&doc);
    assert!(
        read.contains(&("4451234".into(), "number".into())),
        "{read:?}"
    );
    assert!(
        read.contains(&("1445/03/12".into(), "date".into())),
        "{read:?}"
    );
    let text = doc["pages"][0]["text"].as_str().unwrap();
    assert!(text.contains("٤٤٥١٢٣٤"), "{text}");
    assert!(text.contains("١٤٤٥/٠٣/١٢"), "{text}");
    // each number has a box on the page
    for n in doc["pages"][0]["numbers"].as_array().unwrap() {
        let b: Vec<u64> = serde_json::from_value(n["box"].clone()).unwrap();
        assert!(b.len() == 4 && b[2] > 0 && b[3] > 0, "{n}");
    }
    assert_eq!(doc["document_date"]["hijri"], "1445-03-12");
    assert!(
        doc["reference_numbers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "4451234"),
        "{doc}"
    );

    // typed in Western digits, found; the viewer has the number's box
    let hits = a.search(&[], "4451234");
    assert_eq!(hits["hits"][0]["id"], 1, "{hits}");
    let boxes = &hits["hits"][0]["matches"][0]["boxes"];
    assert!(!boxes.as_array().unwrap().is_empty(), "{hits}");
    assert_eq!(a.found("1445/03/12"), vec![1]);
    // never by edit distance
    assert!(a.found("4451235").is_empty());
    assert!(a.found("4451243").is_empty());
}

//! The use cases on a real archive in a temporary directory.

use super::*;
use crate::catalog::fixtures::{new_batch, page, source};
use crate::catalog::NewDocument;

/// An archive with two documents: one in Hofuf alone (`only`), and one
/// imported in Hofuf and again in Mubarraz (`shared`).
fn archive(root: &Path) -> (Archive, DocId, DocId) {
    let archive = Archive::init(root).unwrap();
    let mut catalog = archive.catalog().unwrap();
    let b = new_batch(&mut *catalog);
    let mut ids = vec![];
    for (name, text) in [
        ("a.png", "رخصة بناء الهفوف"),
        ("b.png", "شهادة صحية مشتركة"),
    ] {
        let file = root.join(name);
        std::fs::write(&file, text.as_bytes()).unwrap();
        let staged = archive.store().stage(&file, None).unwrap();
        let (blob, size) = (staged.id(), staged.size());
        archive.store().commit(staged).unwrap();
        let pages = vec![page(1, text)];
        let extracted = crate::metadata::extract(pages.iter().map(|p| (p.number, p.text.as_str())));
        let (id, _) = catalog
            .insert_document(&NewDocument {
                blob,
                size,
                media_type: "image/png".into(),
                title: text.into(),
                pages,
                source: source(b, &format!("scans/{name}"), Some("hofuf")),
                extracted,
            })
            .unwrap();
        ids.push(id);
    }
    catalog
        .add_source(ids[1], &source(b, "scans/again.png", Some("mubarraz")))
        .unwrap();
    drop(catalog);
    archive.reindex().unwrap();
    (archive, ids[0], ids[1])
}

fn clerk_of(branch: &str) -> Actor {
    Actor {
        name: "sara".into(),
        address: "10.0.0.7".into(),
        scope: BranchScope::Only(vec![branch.parse().unwrap()]),
        manages_records: false,
    }
}

#[test]
fn a_document_outside_the_actors_branches_is_out_of_scope_and_a_missing_one_is_not_there() {
    let t = tempfile::tempdir().unwrap();
    let (archive, only, shared) = archive(&t.path().join("a"));
    let catalog = archive.catalog().unwrap();
    let mubarraz = clerk_of("mubarraz");
    let table: [(DocId, &Actor, &str); 4] = [
        (only, &mubarraz, "out of scope"),
        (DocId(999), &mubarraz, "missing"),
        (shared, &mubarraz, "seen"),
        (only, &clerk_of("hofuf"), "seen"),
    ];
    for (id, who, expected) in table {
        let got = match view(&*catalog, who, id, PageDetail::Text) {
            Ok(done) => {
                assert_eq!(done.audit.actor, who.name);
                assert_eq!(done.audit.documents, vec![id]);
                "seen"
            }
            Err(AppError::OutOfScope(i)) if i == id => "out of scope",
            Err(AppError::NoSuchDocument(i)) if i == id => "missing",
            Err(e) => panic!("{id}: {e}"),
        };
        assert_eq!(got, expected, "{id} as {:?}", who.scope);
    }
    // Seen from Mubarraz, the shared document shows only Mubarraz's source.
    let v = view(&*catalog, &mubarraz, shared, PageDetail::Text)
        .unwrap()
        .value
        .json();
    assert_eq!(v["sources"].as_array().unwrap().len(), 1);
    assert_eq!(v["sources"][0]["branch"], "mubarraz");
}

#[test]
fn a_search_is_scoped_to_the_actor_and_audited_with_every_filter() {
    let t = tempfile::tempdir().unwrap();
    let (archive, only, shared) = archive(&t.path().join("a"));
    let catalog = archive.catalog().unwrap();
    let index = archive.fresh_index().unwrap();
    let mut req = SearchRequest::new("رخصة شهادة");
    // Whatever scope the front end left in the request, the actor's counts.
    req.scope = BranchScope::All;
    let done = search(&index, &*catalog, &clerk_of("mubarraz"), req.clone()).unwrap();
    let found: Vec<DocId> = done.value.hits.iter().map(|h| h.id).collect();
    assert_eq!(found, vec![shared]);
    let all = search(&index, &*catalog, &Actor::local(), req).unwrap();
    let mut found: Vec<DocId> = all.value.hits.iter().map(|h| h.id).collect();
    found.sort();
    assert_eq!(found, vec![only, shared]);
    let keys: Vec<&str> = done
        .audit
        .detail
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut keys = keys;
    keys.sort();
    assert_eq!(
        keys,
        [
            "branch",
            "from",
            "imported_from",
            "imported_to",
            "offset",
            "query",
            "to",
            "total",
            "type"
        ]
    );
    assert_eq!(done.audit.documents, vec![shared]);
}

#[test]
fn a_clerk_cannot_correct_what_another_branch_holds_too() {
    let t = tempfile::tempdir().unwrap();
    let (archive, only, shared) = archive(&t.path().join("a"));
    let catalog = archive.catalog().unwrap();
    let change = DocumentEdit {
        change: crate::metadata::CorrectionChange::parse(None, None, Some("عنوان مصحح")).unwrap(),
        review: None,
        branch: None,
    };
    let hofuf = clerk_of("hofuf");
    assert!(matches!(
        correct(&archive, &*catalog, &hofuf, shared, &change),
        Err(AppError::SharedDocument(id)) if id == shared
    ));
    assert!(matches!(
        correct(&archive, &*catalog, &clerk_of("mubarraz"), only, &change),
        Err(AppError::OutOfScope(id)) if id == only
    ));
    let done = correct(&archive, &*catalog, &hofuf, only, &change).unwrap();
    assert!(done.value.indexed);
    assert_eq!(done.value.json()["title"], "عنوان مصحح");
    assert_eq!(done.value.json()["indexed"], true);
    assert_eq!(done.audit.detail["title"]["to"], "عنوان مصحح");
    // Everyone's branches: the shared document too.
    let done = correct(&archive, &*catalog, &Actor::local(), shared, &change).unwrap();
    assert_eq!(done.audit.documents, vec![shared]);
}

#[test]
fn a_bulk_edit_answers_for_each_document_and_audits_them_in_one_entry() {
    let t = tempfile::tempdir().unwrap();
    let (archive, only, shared) = archive(&t.path().join("a"));
    let catalog = archive.catalog().unwrap();
    let missing = DocId(only.0 + shared.0 + 100);
    let edit = DocumentEdit {
        change: crate::metadata::CorrectionChange::parse(None, Some("circular"), None).unwrap(),
        review: Some(crate::catalog::ReviewState::Done),
        branch: None,
    };
    let hofuf = clerk_of("hofuf");
    let done = bulk_edit(&archive, &*catalog, &hofuf, &[only, shared, missing], &edit).unwrap();
    let v = done.value.json(|e| ("refused", e.to_string()));
    assert_eq!(v["indexed"], true);
    let r = v["results"].as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["id"], only.0);
    assert_eq!(r[0]["ok"], true);
    assert_eq!(r[0]["changes"]["type"]["to"], "circular");
    assert_eq!(r[0]["changes"]["review"]["from"], "pending");
    assert_eq!(r[0]["changes"]["review"]["to"], "done");
    assert_eq!(r[1]["ok"], false, "another branch holds it too");
    assert_eq!(r[2]["ok"], false, "no such document");
    // one entry, naming only what was edited
    assert_eq!(done.audit.action, Action::BulkEdit);
    assert_eq!(done.audit.documents, vec![only]);
    assert_eq!(
        done.audit.detail["changes"][only.0.to_string()]["type"]["to"],
        "circular"
    );
    let doc = catalog.document(only).unwrap().unwrap();
    assert_eq!(doc.doc_type.unwrap().as_str(), "circular");
    assert_eq!(doc.meta.review.state, crate::catalog::ReviewState::Done);
    assert_eq!(doc.meta.review.by.as_deref(), Some(hofuf.name.as_str()));
    // the index knows: a search for the type finds it
    let idx = archive.open_index().unwrap().0;
    let mut req = SearchRequest::new("");
    req.doc_type = Some("circular".parse().unwrap());
    let found = crate::search::search(&idx, &req).unwrap();
    assert_eq!(found.total, 1);
}

#[test]
fn only_who_holds_every_branch_moves_a_document_and_its_scope_follows() {
    let t = tempfile::tempdir().unwrap();
    let (archive, only, shared) = archive(&t.path().join("a"));
    let catalog = archive.catalog().unwrap();
    let edit = DocumentEdit {
        branch: Some("mubarraz".parse().unwrap()),
        ..Default::default()
    };
    assert!(matches!(
        correct(&archive, &*catalog, &clerk_of("hofuf"), only, &edit),
        Err(AppError::MoveNotAllowed)
    ));
    let done = correct(&archive, &*catalog, &Actor::local(), only, &edit).unwrap();
    assert_eq!(
        done.audit.detail["branch"],
        serde_json::json!({"from": ["hofuf"], "to": ["mubarraz"]})
    );
    assert!(matches!(
        document(&*catalog, &clerk_of("hofuf"), only),
        Err(AppError::OutOfScope(_))
    ));
    assert!(document(&*catalog, &clerk_of("mubarraz"), only).is_ok());
    // A document of two branches ends in one; its sources stay.
    let edit = DocumentEdit {
        branch: Some("omran".parse().unwrap()),
        ..Default::default()
    };
    let _ = correct(&archive, &*catalog, &Actor::local(), shared, &edit).unwrap();
    let doc = catalog.document(shared).unwrap().unwrap();
    assert_eq!(doc.branches(), vec!["omran".parse().unwrap()]);
    assert_eq!(doc.sources.len(), 2);
}

#[test]
fn corrected_reference_numbers_replace_the_read_ones_in_the_view_and_the_index() {
    let t = tempfile::tempdir().unwrap();
    let (archive, only, _) = archive(&t.path().join("a"));
    let catalog = archive.catalog().unwrap();
    let edit = DocumentEdit {
        change: crate::metadata::CorrectionChange::default()
            .with_references(Some(Some(&["٤٤٥١٢٣٤".to_string()])))
            .unwrap(),
        ..Default::default()
    };
    let done = correct(&archive, &*catalog, &Actor::local(), only, &edit).unwrap();
    assert_eq!(
        done.value.json()["reference_numbers"],
        serde_json::json!(["٤٤٥١٢٣٤"])
    );
    assert_eq!(
        done.audit.detail["reference_numbers"],
        serde_json::json!({"from": null, "to": ["٤٤٥١٢٣٤"]})
    );
    let (index, _) = archive.open_index().unwrap();
    let req = SearchRequest::new("4451234");
    let found = search(&index, &*catalog, &Actor::local(), req).unwrap();
    assert_eq!(
        found.value.hits.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![only]
    );
}

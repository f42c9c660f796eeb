//! One behavioural suite for both catalog backends, over `&mut dyn
//! Catalog`: every test runs against SQLite, and against PostgreSQL when
//! the test server is configured (`ARSHIF_TEST_PG`; `make test` starts
//! it). What only one backend has (migrations of its own schema, the
//! PostgreSQL job queue, change listener and per-node indexing) is tested
//! beside that backend.

use std::path::PathBuf;

use chrono::Utc;

use super::fixtures::{new_batch, page, source};
use super::stored::ms;
use super::*;
use crate::db::pg::test_schema::TestSchema;
use crate::metadata::TypeSource;
use crate::types::{BatchId, BlobId, DocId};

/// A catalog under test: new connections to one database.
trait Subject {
    fn open(&self) -> Box<dyn Catalog>;
}

/// A SQLite catalog in a temporary directory.
struct Lite {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Lite {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        drop(SqliteCatalog::create(&path).unwrap());
        Lite { _dir: dir, path }
    }
}

impl Subject for Lite {
    fn open(&self) -> Box<dyn Catalog> {
        Box::new(SqliteCatalog::open(&self.path).unwrap())
    }
}

/// A PostgreSQL catalog in a schema of its own on the test server.
struct Pg(TestSchema);

impl Pg {
    /// `None` (and a note) when no test server is configured.
    fn new() -> Option<Self> {
        if std::env::var("ARSHIF_TEST_PG").map_or(true, |u| u.trim().is_empty()) {
            eprintln!("ARSHIF_TEST_PG is not set: the PostgreSQL catalog is not tested");
            return None;
        }
        Some(Pg(TestSchema::new()))
    }
}

impl Subject for Pg {
    fn open(&self) -> Box<dyn Catalog> {
        Box::new(PgCatalog::create_or_open(&self.0.url, "n1").unwrap())
    }
}

/// Each test of the suite, once per backend.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::Lite::new())
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(pg) = super::Pg::new() {
                        super::$name(&pg)
                    }
                }
            )*
        }
    };
}

suite!(
    documents_pages_and_sources_round_trip,
    batch_counters_follow_recorded_files,
    interrupted_batches_resume_and_cached_pages_last_until_recorded,
    corrections_beat_extraction_and_a_stale_index_entry_is_not_taken_as_current,
    resolve_by_id_and_sha_prefix,
    a_write_group_commits_together_and_a_failed_write_only_undoes_itself,
    page_numbers_round_trip_through_the_page_cache_and_pages,
    a_new_document_is_pending_review_until_a_clerk_confirms_it,
    split_parts_name_their_origin_and_page_range,
    corrected_reference_numbers_replace_the_read_ones_until_dropped,
    a_moved_document_and_its_sources_belong_to_the_new_branch,
    document_types_are_listed_added_renamed_checked_and_learned,
    a_turned_page_is_read_again_and_its_turns_add_up,
    the_trash_hides_nothing_it_restores_and_holds_stop_it,
    a_purge_keeps_a_tombstone_and_removes_only_blobs_nothing_refers_to,
    retention_rules_are_kept_by_type,
    a_rescan_keeps_the_old_original_as_a_version_and_a_bag_restores_versions,
    only_guessed_types_are_guessed_again,
);

/// `guess_types_again` marks for reading again the documents whose type is
/// a guess, and none whose type was given at import or corrected.
fn only_guessed_types_are_guessed_again(s: &dyn Subject) {
    let mut cat = s.open();
    let b = new_batch(&mut *cat);
    let version = crate::metadata::EXTRACTOR_VERSION;
    let text = "تعميم\nالموضوع: مواعيد العمل";
    let mut add = |hex: &str, doc_type: Option<&str>| {
        let mut src = source(b, &format!("{hex}.png"), Some("hofuf"));
        src.doc_type = doc_type.map(|t| t.parse().unwrap());
        cat.insert_document(&NewDocument {
            blob: hex.repeat(32).parse().unwrap(),
            size: 1,
            media_type: "image/png".into(),
            title: "t".into(),
            pages: vec![page(1, text)],
            source: src,
            extracted: crate::metadata::extract([(1, text)]),
        })
        .unwrap()
        .0
    };
    let guessed = add("a1", None);
    add("a2", Some("licence"));
    let corrected = add("a3", None);
    let change = CorrectionChange {
        date: None,
        doc_type: Some(Some("memo".parse().unwrap())),
        title: None,
        reference_numbers: None,
    };
    cat.correct(corrected, &by_sara(&change, Utc::now()))
        .unwrap();
    assert!(cat.stale_extractions(version).unwrap().is_empty());

    assert_eq!(cat.guess_types_again().unwrap(), 1);
    assert_eq!(cat.stale_extractions(version).unwrap(), vec![guessed]);
    cat.set_extracted(
        guessed,
        &crate::metadata::extract([(1, text)]),
        "t",
        version,
    )
    .unwrap();
    assert!(cat.stale_extractions(version).unwrap().is_empty());
    assert!(cat.unindexed().unwrap().contains(&guessed));
}

/// `replace_original` makes the old original version 1 and the new one
/// current, refuses another document's bytes and a document in the trash;
/// `add_version` (a bag's) records a version as it was, once.
fn a_rescan_keeps_the_old_original_as_a_version_and_a_bag_restores_versions(s: &dyn Subject) {
    let mut cat = s.open();
    let (old, new, other) = ("a1".repeat(32), "b2".repeat(32), "c3".repeat(32));
    let id = insert(&mut *cat, &old, vec![page(1, "crooked")]);
    let other_id = insert(&mut *cat, &other, vec![page(1, "other")]);
    let at = ms(&Utc::now());
    let pages = [page(1, "straight"), page(2, "two")];
    let extracted = Extracted::default();
    let scan = |blob: &str| Rescan {
        blob: blob.parse().unwrap(),
        size: 7,
        media_type: "application/pdf",
        pages: &pages,
        extracted: &extracted,
        title: "better",
        by: "sara",
        at,
    };
    let v = cat.replace_original(id, &scan(&new)).unwrap();
    assert_eq!(
        (v.number, v.sha256.to_hex(), v.page_count),
        (1, old.clone(), 1)
    );
    let doc = cat.document(id).unwrap().unwrap();
    assert_eq!(doc.blob.to_hex(), new);
    assert_eq!(doc.page_count, 2);
    assert_eq!(cat.pages(id).unwrap()[0].text, "straight");
    assert_eq!(cat.versions(id).unwrap(), vec![v.clone()]);
    assert_eq!(doc.meta.versions, vec![v.clone()]);
    assert!(matches!(
        cat.replace_original(id, &scan(&other)),
        Err(CatalogError::BlobTaken(d)) if d == other_id
    ));
    // a bag's version 1 again changes nothing; its version 2 is recorded
    let mut two = v.clone();
    two.number = 2;
    two.sha256 = "d4".repeat(32).parse().unwrap();
    cat.add_version(id, &v).unwrap();
    cat.add_version(id, &two).unwrap();
    assert_eq!(cat.versions(id).unwrap(), vec![v, two]);
    cat.trash(id, &stamp_of("root", "scanned twice")).unwrap();
    assert!(matches!(
        cat.replace_original(id, &scan(&"e5".repeat(32))),
        Err(CatalogError::InTrash(_))
    ));
}

fn stamp_of(by: &str, why: &str) -> Stamp {
    Stamp {
        at: ms(&Utc::now()),
        by: by.into(),
        reason: why.into(),
    }
}

/// Trash and restore keep everything; a held document cannot be trashed
/// or purged; each refusal says why; a trashed document is to be indexed
/// again (out of the index) and its bytes are not recorded again.
fn the_trash_hides_nothing_it_restores_and_holds_stop_it(s: &dyn Subject) {
    let mut cat = s.open();
    let id = insert(&mut *cat, &"5a".repeat(32), vec![page(1, "رخصة")]);
    let change = CorrectionChange {
        title: Some(Some("رخصة بناء 1".into())),
        ..Default::default()
    };
    cat.correct(id, &by_sara(&change, Utc::now())).unwrap();
    let before = cat.document(id).unwrap().unwrap();
    cat.mark_indexed(&[(id, before.meta.revision)]).unwrap();
    let gone = stamp_of("admin", "wrong folder");
    cat.trash(id, &gone).unwrap();
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.meta.deleted.as_ref(), Some(&gone));
    assert_eq!(cat.trashed().unwrap(), vec![id]);
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    assert!(matches!(cat.trash(id, &gone), Err(CatalogError::InTrash(d)) if d == id));
    // The same bytes again: refused, nothing added to the trashed record.
    let b = new_batch(&mut *cat);
    let again = NewDocument {
        blob: rec.blob,
        size: 1,
        media_type: "image/tiff".into(),
        title: "t".into(),
        pages: vec![page(1, "x")],
        source: source(b, "again.tif", Some("mubarraz")),
        extracted: Default::default(),
    };
    assert!(matches!(cat.insert_document(&again), Err(CatalogError::InTrash(d)) if d == id));
    assert_eq!(cat.restore(id).unwrap(), gone);
    let back = cat.document(id).unwrap().unwrap();
    assert_eq!(back.meta.deleted, None);
    assert_eq!(back.title, "رخصة بناء 1");
    assert_eq!(back.sources, before.sources);
    assert_eq!(back.meta.review, before.meta.review);
    assert!(matches!(cat.restore(id), Err(CatalogError::NotInTrash(_))));

    let hold = stamp_of("admin", "case 77/1446");
    assert_eq!(cat.set_hold(id, Some(&hold)).unwrap(), None);
    assert_eq!(cat.held().unwrap(), vec![id]);
    assert!(matches!(cat.trash(id, &gone), Err(CatalogError::Held(_))));
    assert_eq!(cat.document(id).unwrap().unwrap().meta.deleted, None);
    assert_eq!(cat.set_hold(id, None).unwrap(), Some(hold));
    assert!(matches!(
        cat.set_hold(id, None),
        Err(CatalogError::NotHeld(_))
    ));
    assert_eq!(cat.held().unwrap(), vec![]);
    // Held while in the trash: not purged.
    cat.trash(id, &gone).unwrap();
    cat.set_hold(id, Some(&stamp_of("admin", "late request")))
        .unwrap();
    assert!(matches!(
        cat.purge(id, "admin", Utc::now()),
        Err(CatalogError::Held(_))
    ));
    assert!(cat.document(id).unwrap().is_some());
    assert!(matches!(
        cat.trash(DocId(id.0 + 100), &gone),
        Err(CatalogError::NoSuchDocument(_))
    ));
}

/// A purge removes the document's rows and keeps a tombstone; the blob goes
/// only when nothing refers to it (a batch scan's origin stays while a part
/// of it lives); a purged id is never given to another document; every
/// node learns the id to take out of its index.
fn a_purge_keeps_a_tombstone_and_removes_only_blobs_nothing_refers_to(s: &dyn Subject) {
    let mut cat = s.open();
    let b = new_batch(&mut *cat);
    let origin: BlobId = "0e".repeat(32).parse().unwrap();
    let mut parts = Vec::new();
    for (hex, first) in [("6b", 1), ("6c", 4)] {
        let mut src = source(b, "batch/scan-0002.pdf", Some("hofuf"));
        src.part = Some(SourcePart {
            origin,
            first_page: first,
            last_page: first + 2,
        });
        let (id, _) = cat
            .insert_document(&NewDocument {
                blob: hex.repeat(32).parse().unwrap(),
                size: 10,
                media_type: "application/pdf".into(),
                title: "t".into(),
                pages: vec![page(1, "part")],
                source: src,
                extracted: Default::default(),
            })
            .unwrap();
        parts.push(id);
    }
    let first = parts[0];
    let first_blob = cat.document(first).unwrap().unwrap().blob;
    assert!(matches!(
        cat.purge(first, "admin", Utc::now()),
        Err(CatalogError::NotInTrash(_))
    ));
    let gone = stamp_of("admin", "personal record");
    cat.trash(first, &gone).unwrap();
    let at = ms(&Utc::now());
    let stone = cat.purge(first, "root", at).unwrap();
    assert_eq!(stone.id, first);
    assert_eq!(stone.sha256, first_blob);
    assert_eq!(stone.deleted, gone);
    assert_eq!((stone.purged_by.as_str(), stone.purged_at), ("root", at));
    assert_eq!(stone.blobs, vec![first_blob, origin]);
    assert!(cat.document(first).unwrap().is_none());
    assert!(cat.pages(first).unwrap().is_empty());
    assert_eq!(cat.trashed().unwrap(), vec![]);
    assert_eq!(cat.tombstones().unwrap(), vec![stone.clone()]);
    assert_eq!(cat.purged_in_index().unwrap(), vec![first]);
    cat.mark_purged_from_index(&[first]).unwrap();
    assert_eq!(cat.purged_in_index().unwrap(), vec![]);
    // The part's own bytes go; the batch scan stays for the other part.
    let mut removed = Vec::new();
    for blob in &stone.blobs {
        let mut remove = |b: &BlobId| -> std::result::Result<(), String> {
            removed.push(*b);
            Ok(())
        };
        cat.remove_blob(blob, &mut remove).unwrap();
    }
    assert_eq!(removed, vec![first_blob]);
    // A blob a live document is: never removed.
    let live = cat.document(parts[1]).unwrap().unwrap().blob;
    let mut never =
        |_: &BlobId| -> std::result::Result<(), String> { panic!("removed a live blob") };
    assert!(!cat.remove_blob(&live, &mut never).unwrap());
    // A failed removal is an error, and the tombstone stays to be finished.
    let mut failing = |_: &BlobId| -> std::result::Result<(), String> { Err("disk gone".into()) };
    assert!(cat.remove_blob(&first_blob, &mut failing).is_err());
    assert!(!cat.tombstones().unwrap()[0].blobs_removed);
    cat.mark_blobs_removed(first).unwrap();
    assert!(cat.tombstones().unwrap()[0].blobs_removed);
    // The highest id purged is not given again.
    cat.trash(parts[1], &gone).unwrap();
    cat.purge(parts[1], "root", Utc::now()).unwrap();
    let next = insert(&mut *cat, &"7d".repeat(32), vec![page(1, "new")]);
    assert!(next.0 > parts[1].0, "{next} after purged {}", parts[1]);
    // The same bytes as a purged document: a new document.
    let b = new_batch(&mut *cat);
    let (again, created) = cat
        .insert_document(&NewDocument {
            blob: first_blob,
            size: 10,
            media_type: "application/pdf".into(),
            title: "t".into(),
            pages: vec![page(1, "part")],
            source: source(b, "again.pdf", Some("hofuf")),
            extracted: Default::default(),
        })
        .unwrap();
    assert!(created && again != first);
}

fn retention_rules_are_kept_by_type(s: &dyn Subject) {
    let mut cat = s.open();
    assert_eq!(cat.retention_rules().unwrap(), vec![]);
    let at = ms(&Utc::now());
    let mut rule = RetentionRule {
        doc_type: "licence".parse().unwrap(),
        years: 10,
        from: RetentionFrom::DocumentDate,
        set_by: "admin".into(),
        set_at: at,
    };
    cat.set_retention(&rule).unwrap();
    let memo = RetentionRule {
        doc_type: "memo".parse().unwrap(),
        years: 2,
        from: RetentionFrom::Imported,
        set_by: "admin".into(),
        set_at: at,
    };
    cat.set_retention(&memo).unwrap();
    rule.years = 15;
    cat.set_retention(&rule).unwrap();
    assert_eq!(cat.retention_rules().unwrap(), vec![rule, memo]);
}

/// A page a clerk turned: its new reading replaces the old, the turns
/// given add up, the other pages stay, and the document is indexed again.
fn a_turned_page_is_read_again_and_its_turns_add_up(s: &dyn Subject) {
    let mut cat = s.open();
    let id = insert(
        &mut *cat,
        &"3c".repeat(32),
        vec![page(1, "one"), page(2, "sdrawkcab")],
    );
    cat.mark_indexed(&[(id, cat.document(id).unwrap().unwrap().meta.revision)])
        .unwrap();
    assert_eq!(cat.page_turn(id, 2).unwrap(), 0);
    let mut read = page(2, "upright at last");
    read.rotation = 90;
    (read.width, read.height) = (1200, 800);
    cat.turn_page(id, &read, 90).unwrap();
    assert_eq!(cat.page_turn(id, 2).unwrap(), 90);
    let pages = cat.pages(id).unwrap();
    assert_eq!(pages[1], read);
    assert_eq!(pages[0], page(1, "one"));
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    cat.turn_page(id, &read, 180).unwrap();
    assert_eq!(cat.page_turn(id, 2).unwrap(), 180);
    assert_eq!(cat.page_turn(id, 1).unwrap(), 0);
    assert!(matches!(
        cat.page_turn(id, 3),
        Err(CatalogError::NoSuchDocument(_))
    ));
    assert!(matches!(
        cat.turn_page(id, &page(3, "x"), 90),
        Err(CatalogError::NoSuchDocument(_))
    ));
    assert_eq!(cat.pages(id).unwrap().len(), 2, "no page added");
}

/// The defaults are there without anything stored; a type is added once,
/// renamed (a default too) by its slug, and checked; corrected documents
/// teach the guesser.
fn document_types_are_listed_added_renamed_checked_and_learned(s: &dyn Subject) {
    let mut cat = s.open();
    let slugs = |cat: &dyn Catalog| -> Vec<String> {
        doc_types(cat)
            .unwrap()
            .iter()
            .map(|t| t.slug.to_string())
            .collect()
    };
    let defaults: Vec<String> = DEFAULT_TYPES.iter().map(|t| t.0.to_string()).collect();
    assert_eq!(slugs(&*cat), defaults);
    assert!(cat.stored_doc_types().unwrap().is_empty());
    let tender: DocType = "tender".parse().unwrap();
    assert!(matches!(
        check_doc_type(&*cat, &tender),
        Err(CatalogError::UnknownType { ref known, .. }) if known.len() == DEFAULT_TYPES.len()
    ));
    check_doc_type(&*cat, &"circular".parse().unwrap()).unwrap();

    let at = Utc::now();
    let t = DocTypeRecord::new(
        tender.clone(),
        " مناقصة ",
        "Tender",
        &["منافسة عامة".into()],
    )
    .unwrap();
    assert_eq!(t.ar, "مناقصة");
    add_doc_type(&mut *cat, &t, at).unwrap();
    assert!(matches!(
        add_doc_type(&mut *cat, &t, at),
        Err(CatalogError::TypeExists(_))
    ));
    let licence = DocTypeRecord::new("licence".parse().unwrap(), "رخصة", "Licence", &[]).unwrap();
    assert!(matches!(
        add_doc_type(&mut *cat, &licence, at),
        Err(CatalogError::TypeExists(_))
    ));
    assert!(matches!(
        DocTypeRecord::new(tender.clone(), "", "Tender", &[]),
        Err(CatalogError::BadTypeName(_))
    ));
    check_doc_type(&*cat, &tender).unwrap();
    let mut want = defaults.clone();
    want.push("tender".into());
    assert_eq!(slugs(&*cat), want);
    // A second connection sees it.
    assert_eq!(doc_type(&*s.open(), &tender).unwrap(), Some(t.clone()));

    // Renaming keeps the slug; keywords are added or replaced.
    let (before, after) = update_doc_type(
        &mut *cat,
        &tender,
        &DocTypeChange {
            en: Some("Tender documents".into()),
            add_keywords: vec!["كراسة الشروط".into(), "منافسة عامة".into()],
            ..Default::default()
        },
        at,
    )
    .unwrap();
    assert_eq!(before, t);
    assert_eq!(after.en, "Tender documents");
    assert_eq!(after.ar, "مناقصة");
    assert_eq!(after.keywords, ["منافسة عامة", "كراسة الشروط"]);
    assert_eq!(doc_type(&*cat, &tender).unwrap(), Some(after));
    let (_, memo) = update_doc_type(
        &mut *cat,
        &"memo".parse().unwrap(),
        &DocTypeChange {
            ar: Some("مذكرة داخلية".into()),
            ..Default::default()
        },
        at,
    )
    .unwrap();
    assert_eq!(
        (memo.ar.as_str(), memo.en.as_str()),
        ("مذكرة داخلية", "Memo")
    );
    assert_eq!(slugs(&*cat), want, "a renamed default keeps its place");
    assert!(matches!(
        update_doc_type(
            &mut *cat,
            &"nope".parse().unwrap(),
            &DocTypeChange::default(),
            at
        ),
        Err(CatalogError::NoSuchType(_))
    ));

    // Corrections teach: two documents corrected to `bid` whose headings
    // share a phrase.
    let heading = |place: &str| format!("بلدية {place}\nعرض سعر توريد\nأجهزة حاسب آلي");
    let mut ids = Vec::new();
    for (hex, place) in [("a1", "الهفوف"), ("a2", "المبرز")] {
        let id = insert(&mut *cat, &hex.repeat(32), vec![page(1, &heading(place))]);
        ids.push(id);
    }
    let third = "بلدية العيون\nعرض سعر توريد\nأثاث مكتبي";
    assert_eq!(
        crate::metadata::guess_type_with(third, &type_knowledge(&*cat).unwrap())
            .unwrap()
            .doc_type
            .as_str(),
        "other"
    );
    let bid: DocType = "bid".parse().unwrap();
    add_doc_type(
        &mut *cat,
        &DocTypeRecord::new(bid.clone(), "عرض سعر", "Bid", &[]).unwrap(),
        at,
    )
    .unwrap();
    for id in ids {
        let change = CorrectionChange {
            doc_type: Some(Some(bid.clone())),
            ..Default::default()
        };
        cat.correct(id, &by_sara(&change, at)).unwrap();
    }
    let texts = cat.corrected_type_texts(10).unwrap();
    assert_eq!(texts.len(), 2);
    assert_eq!(texts[0].0, bid);
    assert!(texts[0].1.contains("عرض سعر"));
    assert_eq!(
        crate::metadata::guess_type_with(third, &type_knowledge(&*cat).unwrap())
            .unwrap()
            .doc_type
            .as_str(),
        "bid"
    );
}

/// Staff's reference numbers (an empty list too) stand in for those read
/// from the text, survive a new reading, and give them back when dropped.
fn corrected_reference_numbers_replace_the_read_ones_until_dropped(s: &dyn Subject) {
    let mut cat = s.open();
    let b = new_batch(&mut *cat);
    let (id, _) = cat
        .insert_document(&NewDocument {
            blob: "3c".repeat(32).parse().unwrap(),
            size: 1,
            media_type: "application/pdf".into(),
            title: "t".into(),
            pages: vec![page(1, "رقم المحضر: 1445/552")],
            source: source(b, "v.pdf", Some("hofuf")),
            extracted: crate::metadata::extract([(1, "رقم المحضر: 1445/552")]),
        })
        .unwrap();
    assert_eq!(
        cat.document(id).unwrap().unwrap().reference_numbers(),
        ["1445/552"]
    );
    let set = |cat: &mut dyn Catalog, refs: Option<Vec<String>>| {
        let change = CorrectionChange {
            reference_numbers: Some(refs),
            ..Default::default()
        };
        cat.correct(id, &by_sara(&change, Utc::now())).unwrap()
    };
    let (old, new) = set(&mut *cat, Some(vec!["٤٤٥١٢٣٤".into(), "1445/553".into()]));
    assert_eq!(old.reference_numbers, None);
    assert_eq!(
        new.reference_numbers.as_deref(),
        Some(&["٤٤٥١٢٣٤".to_string(), "1445/553".into()][..])
    );
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.reference_numbers(), ["٤٤٥١٢٣٤", "1445/553"]);
    assert_eq!(rec.meta.extracted.reference_numbers, ["1445/552"]);
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    set(&mut *cat, Some(vec![]));
    let rec = cat.document(id).unwrap().unwrap();
    assert!(rec.reference_numbers().is_empty());
    assert!(!rec.meta.correction.is_empty());
    let (_, new) = set(&mut *cat, None);
    assert!(new.is_empty() && new.by.is_none());
    assert_eq!(
        cat.document(id).unwrap().unwrap().reference_numbers(),
        ["1445/552"]
    );
}

/// Moving a document makes it and every source of it the new branch's;
/// two sources of one path fold into one.
fn a_moved_document_and_its_sources_belong_to_the_new_branch(s: &dyn Subject) {
    let mut cat = s.open();
    let id = insert(&mut *cat, &"4b".repeat(32), vec![page(1, "x")]);
    let b = new_batch(&mut *cat);
    let path = format!("{}.tif", "4b".repeat(32));
    cat.add_source(id, &source(b, &path, Some("mubarraz")))
        .unwrap();
    cat.add_source(id, &source(b, "other.tif", Some("omran")))
        .unwrap();
    let r = cat.document(id).unwrap().unwrap().meta.revision;
    let to: crate::types::BranchSlug = "mubarraz".parse().unwrap();
    let before = cat.move_to_branch(id, &to).unwrap();
    let names: Vec<&str> = before.iter().map(|b| b.as_str()).collect();
    assert_eq!(names, ["hofuf", "mubarraz", "omran"]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.branch, Some(to.clone()));
    assert_eq!(rec.branches(), vec![to.clone()]);
    let mut paths: Vec<&str> = rec.sources.iter().map(|s| s.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, [path.as_str(), "other.tif"]);
    assert!(rec.meta.revision > r);
    assert!(cat.unindexed().unwrap().contains(&id));
    assert!(matches!(
        cat.move_to_branch(DocId(id.0 + 1000), &to),
        Err(CatalogError::NoSuchDocument(_))
    ));
}

/// A document cut from a batch scan keeps the whole file's sha256 and its
/// page range in it, in either backend; `check` finds the origins.
fn split_parts_name_their_origin_and_page_range(s: &dyn Subject) {
    let mut cat = s.open();
    let b = new_batch(&mut *cat);
    let origin: BlobId = "0f".repeat(32).parse().unwrap();
    let part = crate::catalog::SourcePart {
        origin,
        first_page: 3,
        last_page: 7,
    };
    let mut source = source(b, "batch/scan-0001.pdf", None);
    source.part = Some(part);
    let (id, _) = cat
        .insert_document(&NewDocument {
            blob: "1e".repeat(32).parse().unwrap(),
            size: 10,
            media_type: "application/pdf".into(),
            title: "t".into(),
            pages: vec![page(1, "one")],
            source,
            extracted: Default::default(),
        })
        .unwrap();
    let whole = insert(&mut *cat, &"2d".repeat(32), vec![page(1, "whole")]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.sources[0].part, Some(part));
    assert_eq!(cat.document(whole).unwrap().unwrap().sources[0].part, None);
    assert_eq!(
        cat.source_origins().unwrap(),
        vec![crate::catalog::OriginRow {
            origin,
            doc: id,
            path: "batch/scan-0001.pdf".into()
        }]
    );
}

/// Record a document of `pages` whose sha256 is `hex`, from a new batch.
fn insert(cat: &mut dyn Catalog, hex: &str, pages: Vec<PageRecord>) -> DocId {
    let b = new_batch(cat);
    cat.insert_document(&NewDocument {
        blob: hex.parse().unwrap(),
        size: 1,
        media_type: "image/tiff".into(),
        title: "t".into(),
        pages,
        source: source(b, &format!("{hex}.tif"), Some("hofuf")),
        extracted: Default::default(),
    })
    .unwrap()
    .0
}

fn documents_pages_and_sources_round_trip(s: &dyn Subject) {
    let mut cat = s.open();
    let b = new_batch(&mut *cat);
    let blob: BlobId = "ab".repeat(32).parse().unwrap();
    let doc = NewDocument {
        blob,
        size: 1234,
        media_type: "image/png".into(),
        title: "رخصة بناء".into(),
        pages: vec![
            page(1, "رخصة بناء"),
            page(2, "second page"),
            page(3, " \n\t"),
        ],
        source: source(b, "scans/hofuf/رخصة 1234.png", Some("hofuf")),
        extracted: crate::metadata::extract([(
            1,
            "رخصة بناء\nرقم الرخصة: 1234\nتاريخ الإصدار: 1445/03/12هـ",
        )]),
    };
    let (id, new) = cat.insert_document(&doc).unwrap();
    assert!(new);
    assert_eq!(cat.find_by_blob(&blob).unwrap(), Some(id));
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.title, "رخصة بناء");
    assert_eq!(rec.blob, blob);
    assert_eq!((rec.size, rec.media_type.as_str()), (1234, "image/png"));
    assert_eq!(rec.branch.as_ref().unwrap().as_str(), "hofuf");
    assert_eq!(rec.page_count, 3);
    assert_eq!(rec.meta.extracted, doc.extracted);
    assert_eq!(rec.meta.revision, 0);
    // times to the millisecond, as the SQLite catalog keeps them
    assert_eq!(rec.created_at, ms(&doc.source.imported_at));
    assert_eq!(
        rec.sources,
        vec![SourceRecord {
            imported_at: ms(&doc.source.imported_at),
            ..doc.source.clone()
        }]
    );
    assert_eq!(cat.pages(id).unwrap(), doc.pages);
    assert_eq!(
        cat.page_words(id, &[2, 9, 1]).unwrap(),
        vec![
            (2, doc.pages[1].words.clone()),
            (1, doc.pages[0].words.clone())
        ]
    );
    assert_eq!(cat.text_pages().unwrap(), vec![(id, 1), (id, 2)]);

    // a second source: recorded once, and the document needs re-indexing
    cat.mark_indexed(&[(id, 0)]).unwrap();
    assert!(cat.unindexed().unwrap().is_empty());
    assert!(cat
        .add_source(id, &source(b, "other/name.png", Some("omran")))
        .unwrap());
    assert!(!cat
        .add_source(id, &source(b, "other/name.png", Some("omran")))
        .unwrap());
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.sources.len(), 2);
    assert_eq!(rec.branch.unwrap().as_str(), "hofuf");

    // inserting the same blob again only adds a source
    let (again, new) = cat
        .insert_document(&NewDocument {
            source: source(b, "third.png", None),
            ..doc.clone()
        })
        .unwrap();
    assert_eq!((again, new), (id, false));
    assert_eq!(cat.document(id).unwrap().unwrap().sources.len(), 3);
    let stats = cat.stats().unwrap();
    assert_eq!(
        (stats.documents, stats.pages, stats.sources, stats.batches),
        (1, 3, 3, 1)
    );
    assert_eq!(cat.document_ids().unwrap(), vec![id]);
    assert!(cat.document(DocId(id.0 + 1)).unwrap().is_none());

    // what `arshif check` reads
    let at = Utc::now();
    cat.mark_verified(id, at).unwrap();
    let rows = cat.check_rows().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].blob, blob);
    assert_eq!(rows[0].first_source, "scans/hofuf/رخصة 1234.png");
    assert_eq!(rows[0].verified_at, Some(ms(&at)));
    assert!(!rows[0].indexed);
    assert!(cat.integrity(false).unwrap().is_empty());
    assert!(cat.integrity(true).unwrap().is_empty());
}

fn batch_counters_follow_recorded_files(s: &dyn Subject) {
    let mut cat = s.open();
    let b = new_batch(&mut *cat);
    cat.record_file(&FileRecord {
        batch: b,
        path: "a.png",
        outcome: &FileOutcome::Ingested(DocId(1)),
        pages: 1,
    })
    .unwrap_err(); // no such document: foreign key holds
    cat.record_file(&FileRecord {
        batch: b,
        path: "bad.png",
        outcome: &FileOutcome::Failed("corrupt".into()),
        pages: 0,
    })
    .unwrap();
    cat.record_file(&FileRecord {
        batch: b,
        path: "bad.png",
        outcome: &FileOutcome::Failed("corrupt".into()),
        pages: 0,
    })
    .unwrap();
    // the same file twice counts once
    let counts = cat.batch(b).unwrap().unwrap().counts;
    assert_eq!((counts.files_seen, counts.failed), (1, 1));
    let id = insert(
        &mut *cat,
        &"ef".repeat(32),
        vec![page(1, "x"), page(2, "y")],
    );
    cat.record_file(&FileRecord {
        batch: b,
        path: "good.tif",
        outcome: &FileOutcome::Ingested(id),
        pages: 2,
    })
    .unwrap();
    cat.record_file(&FileRecord {
        batch: b,
        path: "copy.tif",
        outcome: &FileOutcome::Duplicate(id),
        pages: 0,
    })
    .unwrap();
    let at = Utc::now();
    cat.finish_batch(b, at).unwrap();
    let rec = cat.batch(b).unwrap().unwrap();
    assert_eq!(rec.status, BatchStatus::Finished);
    assert_eq!(rec.finished_at, Some(ms(&at)));
    assert_eq!(
        rec.counts,
        BatchCounts {
            files_seen: 3,
            ingested: 1,
            duplicates: 1,
            failed: 1,
            pages: 2
        }
    );
    assert_eq!(rec.inputs, vec!["scans".to_string()]);
    assert!(cat.batch(BatchId(b.0 + 100)).unwrap().is_none());
    assert_eq!(cat.batches().unwrap().len(), 2);
    let files = cat.batch_files(b).unwrap();
    assert_eq!(files.len(), 3);
    assert!(files
        .iter()
        .any(|f| f.path == "good.tif" && f.document == Some(id) && f.status == "ingested"));
}

fn interrupted_batches_resume_and_cached_pages_last_until_recorded(s: &dyn Subject) {
    let mut cat = s.open();
    let spec = NewBatch {
        started_at: Utc::now(),
        branch: Some("oyun".parse().unwrap()),
        doc_type: None,
        inputs: vec!["cabinet".into()],
    };
    assert_eq!(cat.unfinished_batch(&spec).unwrap(), None);
    let b = cat.begin_batch(&spec).unwrap();
    cat.record_file(&FileRecord {
        batch: b,
        path: "cabinet/x.png",
        outcome: &FileOutcome::Failed("torn".into()),
        pages: 0,
    })
    .unwrap();
    // Same inputs, branch and type: resumable; anything else is not.
    assert_eq!(cat.unfinished_batch(&spec).unwrap(), Some(b));
    let other = NewBatch {
        branch: None,
        ..spec.clone()
    };
    assert_eq!(cat.unfinished_batch(&other).unwrap(), None);
    let other = NewBatch {
        inputs: vec!["cabinet".into(), "more".into()],
        ..spec.clone()
    };
    assert_eq!(cat.unfinished_batch(&other).unwrap(), None);
    cat.finish_batch(b, Utc::now()).unwrap();
    assert_eq!(cat.unfinished_batch(&spec).unwrap(), None);
    cat.resume_batch(b).unwrap();
    assert_eq!(cat.unfinished_batch(&spec).unwrap(), Some(b));
    let rec = cat.batch(b).unwrap().unwrap();
    assert_eq!((rec.status, rec.finished_at), (BatchStatus::Running, None));
    let files = cat.batch_files(b).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].error.as_deref(), Some("torn"));
    cat.finish_batch(b, Utc::now()).unwrap();

    // Failed, then retried: no longer listed as failed.
    assert_eq!(cat.failed_files().unwrap().len(), 1);
    let b2 = new_batch(&mut *cat);
    cat.mark_retried(&files[0], b2).unwrap();
    assert!(cat.failed_files().unwrap().is_empty());
    assert_eq!(cat.batch_files(b).unwrap()[0].retried_in, Some(b2));

    // Pages cached under one settings key only, dropped once recorded.
    let blob: BlobId = "cd".repeat(32).parse().unwrap();
    cat.cache_page(&blob, "k1", &page(2, "second")).unwrap();
    cat.cache_page(&blob, "k1", &page(1, "old")).unwrap();
    cat.cache_page(&blob, "k1", &page(1, "first")).unwrap();
    let cached = cat.cached_pages(&blob, "k1").unwrap();
    assert_eq!(cached, vec![page(1, "first"), page(2, "second")]);
    assert!(cat.cached_pages(&blob, "k2").unwrap().is_empty());
    cat.insert_document(&NewDocument {
        blob,
        size: 1,
        media_type: "image/tiff".into(),
        title: "t".into(),
        pages: cached,
        source: source(b2, "cabinet/y.tif", None),
        extracted: Default::default(),
    })
    .unwrap();
    assert!(cat.cached_pages(&blob, "k1").unwrap().is_empty());
}

fn corrections_beat_extraction_and_a_stale_index_entry_is_not_taken_as_current(s: &dyn Subject) {
    let mut cat = s.open();
    let b = new_batch(&mut *cat);
    let text = "شهادة صحية\nرقم الشهادة: 27507976\nتاريخ الإصدار: 1445/07/12 هـ";
    let (id, _) = cat
        .insert_document(&NewDocument {
            blob: "cd".repeat(32).parse().unwrap(),
            size: 1,
            media_type: "image/png".into(),
            title: "شهادة صحية".into(),
            pages: vec![page(1, text)],
            source: source(b, "x.png", Some("hofuf")),
            extracted: crate::metadata::extract([(1, text)]),
        })
        .unwrap();
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(
        rec.doc_type.as_ref().unwrap().as_str(),
        "health-certificate"
    );
    assert_eq!(rec.meta.doc_type_source, Some(TypeSource::Guessed));
    assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-24");
    assert_eq!(rec.meta.extracted.reference_numbers, ["27507976"]);

    // The index reads revision r; a correction lands before it records
    // that: the document stays to be indexed.
    let r = rec.meta.revision;
    let change = CorrectionChange {
        date: Some(Some("1445-07-13h".parse().unwrap())),
        doc_type: Some(Some("licence".parse().unwrap())),
        title: Some(Some("شهادة صحية 27507976".into())),
        reference_numbers: None,
    };
    let at = Utc::now();
    let (old, new) = cat.correct(id, &by_sara(&change, at)).unwrap();
    assert!(old.is_empty());
    assert_eq!(new.by.as_deref(), Some("sara"));
    cat.mark_indexed(&[(id, r)]).unwrap();
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-25");
    assert_eq!(rec.document_date_source(), Some("corrected"));
    assert_eq!(rec.doc_type.as_ref().unwrap().as_str(), "licence");
    assert_eq!(rec.meta.doc_type_source, Some(TypeSource::Corrected));
    assert_eq!(rec.title, "شهادة صحية 27507976");
    assert_eq!(rec.meta.extracted_title, "شهادة صحية");
    assert_eq!(rec.meta.correction.at, Some(ms(&at)));
    assert_eq!(rec.meta.correction, new);
    cat.mark_indexed(&[(id, rec.meta.revision)]).unwrap();
    assert!(cat.unindexed().unwrap().is_empty());

    // Re-reading the text (a newer extractor) keeps the corrections.
    assert!(cat
        .stale_extractions(crate::metadata::EXTRACTOR_VERSION)
        .unwrap()
        .is_empty());
    assert_eq!(cat.stale_extractions(99).unwrap(), vec![id]);
    cat.set_extracted(
        id,
        &crate::metadata::extract([(1, text)]),
        "شهادة صحية 1",
        99,
    )
    .unwrap();
    assert!(cat.stale_extractions(99).unwrap().is_empty());
    assert_eq!(cat.unindexed().unwrap(), vec![id]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-25");
    // The title read again is kept; the corrected one still wins.
    assert_eq!(rec.meta.extracted_title, "شهادة صحية 1");
    assert_eq!(rec.title, "شهادة صحية 27507976");

    // Dropping a correction gives extraction back.
    let back = CorrectionChange {
        date: Some(None),
        doc_type: Some(None),
        title: Some(None),
        reference_numbers: None,
    };
    let (_, new) = cat.correct(id, &by_sara(&back, Utc::now())).unwrap();
    assert!(new.is_empty() && new.by.is_none());
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.document_date().unwrap().to_string(), "2024-01-24");
    assert_eq!(rec.meta.doc_type_source, Some(TypeSource::Guessed));
    // The title read again, now that no correction beats it.
    assert_eq!(rec.title, "شهادة صحية 1");
    assert!(matches!(
        cat.correct(DocId(id.0 + 1), &by_sara(&back, Utc::now())),
        Err(CatalogError::NoSuchDocument(_))
    ));
}

fn resolve_by_id_and_sha_prefix(s: &dyn Subject) {
    let mut cat = s.open();
    let ids: Vec<DocId> = [
        "abcd".repeat(16),
        "abce".repeat(16),
        format!("abcdef{}", "0".repeat(58)),
    ]
    .iter()
    .map(|hex| insert(&mut *cat, hex, vec![]))
    .collect();
    assert_eq!(cat.resolve(&ids[1].to_string()).unwrap(), ids[1]);
    assert_eq!(cat.resolve("abcda").unwrap(), ids[0]);
    assert_eq!(cat.resolve("sha256:ABCE").unwrap(), ids[1]);
    assert!(matches!(
        cat.resolve("abc"),
        Err(CatalogError::NoSuchDocument(_))
    ));
    assert!(matches!(
        cat.resolve("abcd"),
        Err(CatalogError::Ambiguous { count: 2, .. })
    ));
    assert!(matches!(
        cat.resolve("ffff"),
        Err(CatalogError::NoSuchDocument(_))
    ));
    assert!(matches!(
        cat.resolve("zzzz"),
        Err(CatalogError::NoSuchDocument(_))
    ));
}

fn a_write_group_commits_together_and_a_failed_write_only_undoes_itself(s: &dyn Subject) {
    let mut cat = s.open();
    let other = s.open();
    let b = new_batch(&mut *cat);
    cat.begin_group().unwrap();
    cat.begin_group().unwrap(); // idempotent
    let id = insert(&mut *cat, &"aa".repeat(32), vec![page(1, "x")]);
    cat.record_file(&FileRecord {
        batch: b,
        path: "a.png",
        outcome: &FileOutcome::Ingested(DocId(id.0 + 50)),
        pages: 1,
    })
    .unwrap_err(); // fails alone
    assert_eq!(
        cat.find_by_blob(&"aa".repeat(32).parse().unwrap()).unwrap(),
        Some(id)
    );
    cat.record_file(&FileRecord {
        batch: b,
        path: "b.png",
        outcome: &FileOutcome::Ingested(id),
        pages: 1,
    })
    .unwrap();
    assert_eq!(other.document_ids().unwrap(), vec![]); // not yet committed
    cat.end_group().unwrap();
    cat.end_group().unwrap();
    assert_eq!(other.document_ids().unwrap(), vec![id]);
    assert_eq!(other.batch(b).unwrap().unwrap().counts.ingested, 1);
}

fn page_numbers_round_trip_through_the_page_cache_and_pages(s: &dyn Subject) {
    use super::fixtures::page_with_numbers;
    let mut cat = s.open();
    let read = vec![
        page_with_numbers(1, "رخصة بناء رقم ٤٤٥١٢٨٤"),
        page(2, "second page"),
    ];
    assert_eq!(read[0].numbers.len(), 2);
    // Cached while the file is read, numbers and all, then recorded.
    let hex = "ef".repeat(32);
    let blob: BlobId = hex.parse().unwrap();
    for p in &read {
        cat.cache_page(&blob, "k", p).unwrap();
    }
    let cached = cat.cached_pages(&blob, "k").unwrap();
    assert_eq!(cached, read);
    let doc = insert(&mut *cat, &hex, cached);
    assert_eq!(cat.pages(doc).unwrap(), read);
}

fn a_new_document_is_pending_review_until_a_clerk_confirms_it(s: &dyn Subject) {
    let mut cat = s.open();
    let id = insert(&mut *cat, &"ab".repeat(32), vec![page(1, "x")]);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.meta.review, Review::default_pending());
    let r = rec.meta.revision;
    cat.mark_indexed(&[(id, r)]).unwrap();
    assert!(cat.unindexed().unwrap().is_empty());

    let at = ms(&Utc::now());
    let old = cat
        .set_review(id, ReviewState::Done, &Signed { by: "sara", at })
        .unwrap();
    assert_eq!(old.state, ReviewState::Pending);
    let rec = cat.document(id).unwrap().unwrap();
    assert_eq!(rec.meta.review.state, ReviewState::Done);
    assert_eq!(rec.meta.review.by.as_deref(), Some("sara"));
    assert_eq!(rec.meta.review.at, Some(at));
    // the index shows the review: the document is to be indexed again
    assert!(rec.meta.revision > r);
    assert_eq!(cat.unindexed().unwrap(), vec![id]);

    // back to pending (a clerk reopens it); a missing document is an error
    let old = cat
        .set_review(id, ReviewState::Pending, &Signed { by: "ali", at })
        .unwrap();
    assert_eq!(old.by.as_deref(), Some("sara"));
    assert!(matches!(
        cat.set_review(
            DocId(id.0 + 9),
            ReviewState::Done,
            &Signed { by: "ali", at }
        ),
        Err(CatalogError::NoSuchDocument(_))
    ));
}

/// A correction by the clerk the tests name.
fn by_sara(change: &CorrectionChange, at: DateTime<Utc>) -> Amendment<'_> {
    Amendment {
        change,
        by: "sara",
        at,
    }
}

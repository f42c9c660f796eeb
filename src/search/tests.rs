//! Ranking and query behaviour on a small in-memory index.

use chrono::Utc;

use super::*;
use crate::analysis::AnalysisConfig;
use crate::catalog::{DocumentRecord, PageRecord, SourceRecord};
use crate::types::{BatchId, TextSource};

/// Index documents given as (branch, doc type, pages) and return the index.
fn index_of(docs: &[(&str, &str, &[&str])]) -> SearchIndex {
    let docs: Vec<(&str, &str, Vec<PageRecord>)> = docs
        .iter()
        .map(|(branch, doc_type, pages)| {
            let pages = pages
                .iter()
                .enumerate()
                .map(|(n, t)| text_page(n as u32 + 1, t))
                .collect();
            (*branch, *doc_type, pages)
        })
        .collect();
    index_pages(&docs)
}

/// A page of OCR'd text.
fn text_page(number: u32, text: &str) -> PageRecord {
    PageRecord {
        number,
        text: text.to_string(),
        source: TextSource::Ocr,
        confidence: 0.9,
        words: vec![],
        rotation: 0,
        skew: 0.0,
        width: 0,
        height: 0,
        language: "ara".into(),
        numbers: vec![],
    }
}

/// Index documents given as (branch, doc type, page records).
fn index_pages(docs: &[(&str, &str, Vec<PageRecord>)]) -> SearchIndex {
    let idx = SearchIndex::create_in_ram(AnalysisConfig::default()).unwrap();
    let mut w = idx.writer().unwrap();
    for (i, (branch, doc_type, pages)) in docs.iter().enumerate() {
        let mut blob = [0u8; 32];
        blob[0] = i as u8 + 1;
        let doc = DocumentRecord {
            id: DocId(i as i64 + 1),
            blob: BlobId::from_bytes(blob),
            size: 1,
            media_type: "image/png".into(),
            title: format!("document {}", i + 1),
            branch: Some(branch.parse().unwrap()),
            doc_type: Some(doc_type.parse().unwrap()),
            page_count: pages.len() as u32,
            created_at: Utc::now(),
            sources: vec![SourceRecord {
                path: format!("scan-{}.png", i + 1),
                branch: Some(branch.parse().unwrap()),
                doc_type: None,
                batch: BatchId(1),
                imported_at: Utc::now(),
                part: None,
            }],
            meta: Default::default(),
        };
        w.upsert(&doc, pages).unwrap();
    }
    w.commit().unwrap();
    idx.reload().unwrap();
    idx
}

fn ids(idx: &SearchIndex, q: &str) -> Vec<i64> {
    search(idx, &SearchRequest::new(q))
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .hits
        .iter()
        .map(|h| h.id.0)
        .collect()
}

#[test]
fn exact_matches_rank_above_stem_only_matches() {
    let idx = index_of(&[
        (
            "hofuf",
            "licence",
            &["الرخص الرخص الرخص الرخص القديمة للبناء الرخص"],
        ),
        ("hofuf", "licence", &["رخصة بناء جديدة"]),
    ]);
    assert_eq!(ids(&idx, "رخصة"), vec![2, 1]);
    assert_eq!(ids(&idx, "الرخص"), vec![1, 2]);
}

#[test]
fn documents_with_every_word_come_first() {
    let idx = index_of(&[
        (
            "hofuf",
            "letter",
            &["مخالفة مخالفة مخالفة مخالفة مخالفة مخالفة"],
        ),
        ("hofuf", "letter", &["نص آخر", "مخالفة في مخبز الواحة"]),
        ("hofuf", "letter", &["مخبز الواحة مخبز الواحة"]),
    ]);
    let r = search(&idx, &SearchRequest::new("مخالفة الواحة")).unwrap();
    assert_eq!(r.hits[0].id, DocId(2));
    assert_eq!(r.hits[0].pages, vec![2]);
    assert_eq!(r.total, 3);
    assert!(!r.fuzzy || r.hits[0].score > r.hits[1].score);
}

#[test]
fn words_split_across_pages_still_count_as_all_words() {
    let idx = index_of(&[
        ("hofuf", "contract", &["عقد صيانة", "مؤسسة النخيل"]),
        ("hofuf", "contract", &["عقد صيانة عقد صيانة"]),
    ]);
    let r = search(&idx, &SearchRequest::new("صيانة النخيل")).unwrap();
    assert_eq!(r.hits[0].id, DocId(1));
    assert_eq!(r.hits[0].pages, vec![1, 2]);
}

#[test]
fn how_staff_type_it() {
    let idx = index_of(&[
        (
            "hofuf",
            "licence",
            &["رخصة بناء رقم ٤٤٥١٢٣٤ بتاريخ ١٤٤٥/٠٣/١٢ هـ في الأحساء"],
        ),
        (
            "mubarraz",
            "health-certificate",
            &["شهادة صحية رقم ٢٧٥٠٧٩٧٦ للعامل مُحَمَّد"],
        ),
        (
            "omran",
            "violation-report",
            &["محضر ضبط المخالفات والبلدية أصدرت الإنذار"],
        ),
        (
            "omran",
            "letter",
            &["HEALTH CERTIFICATES were issued to the Workers. Reference MC-1445-0088"],
        ),
        ("oyun", "letter", &["إلى مستشفى الولادة"]),
    ]);
    let cases: &[(&str, i64)] = &[
        // digits typed in Western form, printed Arabic-Indic
        ("4451234", 1),
        ("27507976", 2),
        ("1445/03/12", 1),
        ("1445/3/12", 1),
        // spelling variants
        ("الاحساء", 1),
        ("رخصه", 1),
        ("مستشفي", 5),
        ("الي مستشفى", 5),
        // diacritics either way
        ("محمد", 2),
        ("شَهَادَة", 2),
        // article and prefixes dropped or added
        ("بلدية", 3),
        ("البلدية", 3),
        ("والرخصة", 1),
        ("بالمحضر", 3),
        // singular / plural
        ("مخالفة", 3),
        ("مخالفات", 3),
        ("certificate", 4),
        ("worker", 4),
        // case
        ("health", 4),
        ("WORKERS", 4),
        // reference numbers with separators and leading zeros
        ("MC-1445-0088", 4),
        ("mc 1445 88", 4),
    ];
    for (q, want) in cases {
        let got = ids(&idx, q);
        assert_eq!(got.first(), Some(want), "{q}: {got:?}");
    }
}

#[test]
fn phrases_exclusions_prefixes_and_filters() {
    let idx = index_of(&[
        ("hofuf", "letter", &["بلدية الهفوف ترحب"]),
        ("hofuf", "letter", &["الهفوف مدينة وفيها بلدية"]),
        ("omran", "licence", &["رخصة ملغاة بسبب مخالفة الشروط"]),
        ("omran", "licence", &["رخصة سارية"]),
    ]);
    assert_eq!(ids(&idx, "\"بلدية الهفوف\""), vec![1]);
    assert_eq!(ids(&idx, "رخصة -ملغاة"), vec![4]);
    assert_eq!(ids(&idx, "رخصة -\"ملغاة بسبب\""), vec![4]);
    assert_eq!(ids(&idx, "مخال*"), vec![3]);
    assert_eq!(ids(&idx, "بلدية branch:hofuf"), vec![1, 2]);
    let mut both = ids(&idx, "رخصة type:licence branch:omran");
    both.sort();
    assert_eq!(both, vec![3, 4]);
    assert_eq!(ids(&idx, "branch:omran"), vec![3, 4]);
    let sha = search(&idx, &SearchRequest::new("سارية")).unwrap().hits[0]
        .sha256
        .to_hex();
    assert_eq!(ids(&idx, &format!("رخصة sha256:{}", &sha[..6])), vec![4]);
    let mut req = SearchRequest::new("رخصة");
    req.branch = Some("hofuf".parse().unwrap());
    assert!(search(&idx, &req).unwrap().hits.is_empty());
}

#[test]
fn ocr_misread_words_are_found_by_fuzzy_matching_below_exact_ones() {
    let idx = index_of(&[
        ("oyun", "violation-report", &["اسم المنشأة: مخبر الواحة"]), // OCR read مخبز as مخبر
        ("oyun", "violation-report", &["مخبز الواحة"]),
        ("oyun", "letter", &["Inspectlon of restaurants"]), // i read as l
    ]);
    let r = search(&idx, &SearchRequest::new("مخبز")).unwrap();
    assert!(r.fuzzy);
    assert_eq!(
        r.hits.iter().map(|h| h.id.0).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert!(r.hits[0].score > r.hits[1].score);
    assert!(
        r.hits[1].snippet.contains("<mark>مخبر</mark>"),
        "{}",
        r.hits[1].snippet
    );
    assert_eq!(ids(&idx, "inspection"), vec![3]);
    // numbers never match fuzzily
    let idx = index_of(&[("oyun", "licence", &["رخصة رقم 4451235"])]);
    assert!(ids(&idx, "4451234").is_empty());
}

#[test]
fn queries_that_cannot_run_get_a_helpful_answer() {
    let idx = index_of(&[("hofuf", "letter", &["نص"])]);
    let err = |q: &str| {
        search(&idx, &SearchRequest::new(q))
            .unwrap_err()
            .to_string()
    };
    assert!(err("في من على").contains("too common"));
    assert!(err("the of").contains("too common"));
    assert!(err("... ؟؟ !!").contains("no letters or digits"));
    assert!(err("-نص").contains("only says what to leave out"));
    assert!(err("   ").contains("empty"));
    assert!(err("branch:").contains("branch:hofuf"));
    assert!(err("sha256:zz").contains("hex"));
    let r = search(&idx, &SearchRequest::new("\"نص")).unwrap();
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.notices.len(), 1);
}

#[test]
fn results_are_deterministic() {
    let docs: Vec<(&str, &str, &[&str])> = (0..30)
        .map(|_| ("hofuf", "letter", &["نفس النص تماما"][..]))
        .collect();
    let idx = index_of(&docs);
    let first = ids(&idx, "النص");
    assert_eq!(first, (1..=10).collect::<Vec<i64>>());
    for _ in 0..5 {
        assert_eq!(ids(&idx, "النص"), first);
    }
    let mut req = SearchRequest::new("النص");
    req.offset = 10;
    assert_eq!(search(&idx, &req).unwrap().hits[0].id, DocId(11));
}

#[test]
fn an_approximate_match_never_outranks_a_real_one() {
    // مظلات (awnings) is one letter from محلات (shops) and, by skeleton, near
    // it too; the stemmed match of the singular must still come first.
    let idx = index_of(&[
        ("oyun", "health-certificate", &["للعمل في محلات الأغذية"]),
        (
            "oyun",
            "violation-report",
            &["نوع المخالفة: وجود مظلة مخالفة للاشتراطات"],
        ),
    ]);
    let r = search(&idx, &SearchRequest::new("مظلات")).unwrap();
    assert!(r.fuzzy);
    assert_eq!(
        r.hits.iter().map(|h| h.id.0).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert!(
        r.hits[0].score >= 1000.0 && r.hits[1].score < 1000.0,
        "{:?}",
        r.hits
    );
}

#[test]
fn a_misread_word_outranks_a_common_word_one_letter_away() {
    // الرقي (the shop name) misread as الرشي on one page; الرقم ("number")
    // is also one letter from الرقي, but it is printed on many pages: it is
    // another word, not a misreading, so the rare match comes first.
    let mut docs: Vec<(&str, &str, &[&str])> = (0..12)
        .map(|_| {
            (
                "hofuf",
                "letter",
                &["الرقم: 4223/51 إلى سعادة مدير البلدية"][..],
            )
        })
        .collect();
    docs.push(("mubarraz", "licence", &["النشاط: مقهى الرشّي"]));
    let idx = index_of(&docs);
    let r = search(&idx, &SearchRequest::new("الرقي")).unwrap();
    assert!(r.fuzzy);
    assert_eq!(r.hits[0].id, DocId(13), "{:?}", r.hits);
    assert!(r.hits[0].score > r.hits[1].score);
}

/// Import-date filters far outside what an index can hold are answered,
/// not a crash (found by schemathesis: year 5297).
#[test]
fn far_dates_are_clamped() {
    let idx = index_of(&[("hofuf", "licence", &["رخصة بناء"])]);
    let d = |s: &str| Some(s.parse::<chrono::NaiveDate>().unwrap());
    for (from, to, expected) in [
        (None, d("5297-07-21"), vec![1]),
        (d("0001-01-01"), None, vec![1]),
        (d("9999-12-31"), None, vec![]),
        (None, d("1000-01-01"), vec![]),
    ] {
        let mut req = SearchRequest::new("رخصة");
        req.imported_from = from;
        req.imported_to = to;
        let got: Vec<i64> = search(&idx, &req)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.id.0)
            .collect();
        assert_eq!(got, expected, "{from:?} {to:?}");
    }
}

/// A scope limits hits, totals and facets, and filters naming a branch
/// outside it match nothing.
#[test]
fn scope_limits_hits_facets_and_filters() {
    let idx = index_of(&[
        ("hofuf", "licence", &["رخصة بناء الهفوف"]),
        ("omran", "violation-report", &["رخصة محضر العمران"]),
        ("hofuf", "letter", &["خطاب رخصة"]),
    ]);
    let hofuf = BranchScope::Only(vec!["hofuf".parse().unwrap()]);
    let run = |q: &str, scope: &BranchScope, branch: Option<&str>| -> Vec<i64> {
        let mut req = SearchRequest::new(q);
        req.scope = scope.clone();
        req.branch = branch.map(|b| b.parse().unwrap());
        let r = search(&idx, &req).unwrap();
        assert_eq!(r.total, r.hits.len(), "{q}");
        r.hits.iter().map(|h| h.id.0).collect()
    };
    let mut all = run("رخصة", &BranchScope::All, None);
    all.sort();
    assert_eq!(all, [1, 2, 3]);
    let mut mine = run("رخصة", &hofuf, None);
    mine.sort();
    assert_eq!(mine, [1, 3]);
    assert!(run("محضر", &hofuf, None).is_empty());
    assert!(run("رخصة", &hofuf, Some("omran")).is_empty());
    assert!(run("رخصة branch:omran", &hofuf, None).is_empty());
    assert!(run("رخصة", &BranchScope::Only(vec![]), None).is_empty());

    let f = facets(&idx, &hofuf, crate::calendar::Calendar::Hijri).unwrap();
    let count = |v: &[FacetCount]| -> Vec<(String, usize)> {
        v.iter().map(|c| (c.value.clone(), c.count)).collect()
    };
    assert_eq!(count(&f.branches), [("hofuf".to_string(), 2)]);
    assert_eq!(
        count(&f.doc_types),
        [("letter".to_string(), 1), ("licence".to_string(), 1)]
    );
    let all = facets(&idx, &BranchScope::All, crate::calendar::Calendar::Hijri).unwrap();
    assert_eq!(
        count(&all.branches),
        [("hofuf".to_string(), 2), ("omran".to_string(), 1)]
    );
}

/// A number the number reader read on a page.
fn number(value: &str, alternatives: &[&str]) -> crate::ocr::digits::NumberReading {
    crate::ocr::digits::NumberReading {
        text: value.into(),
        value: value.into(),
        kind: if value.contains('/') {
            crate::ocr::digits::NumberKind::Date
        } else {
            crate::ocr::digits::NumberKind::Number
        },
        confidence: if alternatives.is_empty() { 0.99 } else { 0.6 },
        alternatives: alternatives.iter().map(|a| a.to_string()).collect(),
        bbox: [10, 10, 100, 20],
    }
}

#[test]
fn an_uncertain_number_is_found_by_its_alternatives_below_exact_readings() {
    // Document 1: the licence number 4451234 read as 4451284, the reader
    // unsure of its sixth digit. Document 2: 4451234 read as printed.
    // Document 3: a sure reading of another number.
    let misread = PageRecord {
        numbers: vec![
            number("4451284", &["4451234", "4451264"]),
            number("1445/03/12", &["1445/08/12"]),
        ],
        ..text_page(1, "رخصة بناء رقم الرخصة: 4451284 بتاريخ 1445/03/12")
    };
    let read = PageRecord {
        numbers: vec![number("4451234", &[])],
        ..text_page(1, "شهادة رقم 4451234")
    };
    let sure = PageRecord {
        numbers: vec![number("7781234", &[])],
        ..text_page(1, "محضر رقم 7781234")
    };
    let idx = index_pages(&[
        ("hofuf", "licence", vec![text_page(1, "غلاف"), misread]),
        ("omran", "letter", vec![read]),
        ("oyun", "violation-report", vec![sure]),
    ]);
    let r = search(&idx, &SearchRequest::new("4451234")).unwrap();
    assert_eq!(
        r.hits.iter().map(|h| h.id.0).collect::<Vec<_>>(),
        vec![2, 1],
        "{:?}",
        r.hits
    );
    assert!(
        r.hits[0].score >= 1000.0 && r.hits[1].score < 1000.0,
        "{:?}",
        r.hits
    );
    // What it was read as finds it as before, far above an alternative.
    assert_eq!(ids(&idx, "4451284"), vec![1]);
    assert_eq!(ids(&idx, "٤٤٥١٢٦٤"), vec![1]);
    // Numbers are never matched by distance, alternatives included.
    assert!(ids(&idx, "4451235").is_empty());
    assert!(ids(&idx, "445123").is_empty());
    // A date's alternative, however its zeros are typed.
    assert_eq!(ids(&idx, "1445/8/12"), vec![1]);
    assert_eq!(ids(&idx, "1445/08/12"), vec![1]);
    // With another word: matching both (one by an alternative) comes first.
    assert_eq!(ids(&idx, "رخصة 4451234"), vec![1, 2]);
    // A sure reading has no alternatives.
    assert!(ids(&idx, "7781284").is_empty());
}

/// Documents to browse: (title, branch, document date, days since import
/// began, first reference number, review state).
#[allow(clippy::type_complexity)]
fn browse_index(
    docs: &[(
        &str,
        &str,
        Option<&str>,
        i64,
        Option<&str>,
        crate::catalog::ReviewState,
    )],
) -> SearchIndex {
    let idx = SearchIndex::create_in_ram(AnalysisConfig::default()).unwrap();
    let mut w = idx.writer().unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2024-01-01T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    for (i, (title, branch, date, day, number, review)) in docs.iter().enumerate() {
        let mut blob = [0u8; 32];
        blob[0] = i as u8 + 1;
        let mut meta = crate::catalog::DocMeta::default();
        meta.extracted.document_date = date.map(|d| d.parse().unwrap());
        meta.extracted.reference_numbers = number.iter().map(|n| n.to_string()).collect();
        meta.review.state = *review;
        let doc = DocumentRecord {
            id: DocId(i as i64 + 1),
            blob: BlobId::from_bytes(blob),
            size: 1,
            media_type: "image/png".into(),
            title: title.to_string(),
            branch: Some(branch.parse().unwrap()),
            doc_type: None,
            page_count: 1,
            created_at: Utc::now(),
            sources: vec![SourceRecord {
                path: format!("scan-{}.png", i + 1),
                branch: Some(branch.parse().unwrap()),
                doc_type: None,
                batch: BatchId(1),
                imported_at: start + chrono::Duration::days(*day),
                part: None,
            }],
            meta,
        };
        w.upsert(&doc, &[text_page(1, title)]).unwrap();
    }
    w.commit().unwrap();
    idx.reload().unwrap();
    idx
}

#[test]
fn browsing_lists_in_each_order_with_filters_and_scope() {
    use crate::catalog::ReviewState::{Done, Pending};
    let idx = browse_index(&[
        (
            "رخصة بناء",
            "hofuf",
            Some("1445-03-12h"),
            3,
            Some("4451234"),
            Pending,
        ),
        ("أمر شراء", "hofuf", None, 1, Some("99"), Done),
        ("تعميم", "omran", Some("2023-01-05"), 2, None, Done),
        (
            "اجازة",
            "hofuf",
            Some("2022-06-01"),
            0,
            Some("100"),
            Pending,
        ),
    ]);
    let list = |sort: BrowseSort, req: &SearchRequest| -> Vec<i64> {
        browse(&idx, req, sort)
            .unwrap()
            .ids
            .iter()
            .map(|d| d.0)
            .collect()
    };
    let all = SearchRequest::new("");
    // the home page: newest import first
    assert_eq!(list(BrowseSort::default(), &all), [1, 3, 2, 4]);
    assert_eq!(list(BrowseSort::Imported, &all), [4, 2, 3, 1]);
    // by the document's date; undated last either way
    assert_eq!(list(BrowseSort::Date, &all), [4, 3, 1, 2]);
    assert_eq!(list(BrowseSort::DateDesc, &all), [1, 3, 4, 2]);
    // by title, folded: أمر and اجازة sort together by their letters
    assert_eq!(list(BrowseSort::Title, &all), [4, 2, 3, 1]);
    // by number, by value: 99 before 100; none last
    assert_eq!(list(BrowseSort::Number, &all), [2, 4, 1, 3]);

    let mut pending = SearchRequest::new("");
    pending.review = Some(Pending);
    assert_eq!(list(BrowseSort::Imported, &pending), [4, 1]);
    assert_eq!(
        browse(&idx, &pending, BrowseSort::Imported).unwrap().total,
        2
    );

    let mut omran = SearchRequest::new("");
    omran.scope = BranchScope::Only(vec!["omran".parse().unwrap()]);
    assert_eq!(list(BrowseSort::default(), &omran), [3]);
    omran.branch = Some("hofuf".parse().unwrap());
    assert!(
        list(BrowseSort::default(), &omran).is_empty(),
        "another branch's filter finds nothing"
    );

    // the same second of import: the newer document first when newest
    // first, the older when oldest first
    let same = browse_index(&[
        ("a", "hofuf", None, 0, None, Done),
        ("b", "hofuf", None, 0, None, Done),
    ]);
    let order = |sort| -> Vec<i64> {
        browse(&same, &all, sort)
            .unwrap()
            .ids
            .iter()
            .map(|d| d.0)
            .collect()
    };
    assert_eq!(order(BrowseSort::ImportedDesc), [2, 1]);
    assert_eq!(order(BrowseSort::Imported), [1, 2]);

    let mut page = SearchRequest::new("");
    page.limit = 2;
    page.offset = 2;
    let p = browse(&idx, &page, BrowseSort::default()).unwrap();
    assert_eq!(p.total, 4);
    assert_eq!(p.ids, [DocId(2), DocId(4)]);
}

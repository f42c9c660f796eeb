//! A document's title: what tells it apart from the others, never the
//! letterhead every document of a municipality carries. In order:
//!
//! 1. its subject line (`الموضوع:`, `بشأن`, `Subject:`, `Re:`): the text after
//!    the marker, or the next line when the marker stands alone;
//! 2. the heading line that names its kind ("رخصة بناء", "Health
//!    Certificate"), with its first reference number as printed when the
//!    line does not carry it already;
//! 3. its first meaningful line that is not a letterhead line;
//! 4. its file name.

use super::doctype::{words, TypeKnowledge};
use super::fold::Folded;
use super::{reference_key, Extracted};

/// Longest title kept, in characters.
const MAX_TITLE_CHARS: usize = 120;
/// Lines of the first page searched for a subject or the kind's name.
const HEADING_LINES: usize = 12;

/// Whether a line reads like a heading rather than OCR debris: enough
/// letters, and mostly letters.
fn meaningful(line: &str) -> bool {
    let mut letters = 0usize;
    let mut other = 0usize;
    for c in line.chars() {
        if c.is_alphabetic() {
            letters += 1;
        } else if !c.is_whitespace()
            && !c.is_ascii_digit()
            && crate::analysis::normalize::ascii_digit(c).is_none()
        {
            other += 1;
        }
    }
    letters >= 4 && letters >= 2 * other
}

/// Arabic letterhead lines begin with one of these (folded) words.
const LETTERHEAD_AR: &[&str] = &["المملكه العربيه السعوديه", "وزاره", "امانه", "بلديه"];
/// English letterhead lines begin with one of these (lower case)…
const LETTERHEAD_EN_START: &[&str] = &["kingdom of saudi arabia", "ministry of", "municipality of"];
/// …or end with one of these words.
const LETTERHEAD_EN_END: &[&str] = &["municipality", "branch"];

/// Whether a line is a letterhead's: the kingdom, a ministry, the
/// municipality or one of its branches (المملكة العربية السعودية, وزارة …,
/// أمانة …, بلدية …, Ministry of …, … Municipality, … Branch).
pub fn is_letterhead(line: &str) -> bool {
    let folded = Folded::new(line.trim());
    let text = folded
        .text
        .trim_matches(|c: char| !c.is_alphanumeric())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        return false;
    }
    let starts = |p: &str| {
        text == p || text.starts_with(&format!("{p} ")) || text.starts_with(&format!("{p},"))
    };
    if LETTERHEAD_AR.iter().any(|p| starts(p)) || LETTERHEAD_EN_START.iter().any(|p| starts(p)) {
        return true;
    }
    let last = text
        .rsplit(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    LETTERHEAD_EN_END.contains(&last)
}

/// One line with its runs of spaces made one.
fn tidy(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The subject a heading line gives, if it is a subject line: the text
/// after the marker ("" when the marker stands alone).
fn subject_of(line: &str) -> Option<String> {
    let folded = Folded::new(line);
    let text = folded.text.as_str();
    let start = text.find(|c: char| c.is_alphanumeric())?;
    let rest = &text[start..];
    // (marker, whether a colon must follow it)
    const MARKERS: &[(&str, bool)] = &[
        ("الموضوع", false),
        ("موضوع", true),
        ("بشان", false),
        ("subject", true),
        ("re", true),
    ];
    for (marker, colon) in MARKERS {
        let Some(after) = rest.strip_prefix(marker) else {
            continue;
        };
        let trimmed = after.trim_start();
        let has_colon = trimmed.starts_with([':', '：']);
        let ends_word = after.is_empty() || !after.starts_with(|c: char| c.is_alphanumeric());
        if !ends_word || (*colon && !has_colon) {
            continue;
        }
        let value_start = start + marker.len() + (after.len() - trimmed.len());
        let value_start = if has_colon {
            value_start + trimmed.chars().next().map_or(0, char::len_utf8)
        } else {
            value_start
        };
        let value = folded.printed(value_start..text.len());
        return Some(tidy(value.trim_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '-' | '–' | '/' | '.' | '،')
        })));
    }
    None
}

/// The non-empty lines of a page's heading.
fn heading(page: &str) -> impl Iterator<Item = &str> {
    page.lines()
        .filter(|l| !l.trim().is_empty())
        .take(HEADING_LINES)
}

/// The subject a page's heading states.
fn subject(page: &str) -> Option<String> {
    let mut lines = heading(page);
    while let Some(line) = lines.next() {
        match subject_of(line) {
            Some(s) if meaningful(&s) => return Some(s),
            Some(s) if s.is_empty() => {
                return lines.map(tidy).find(|l| meaningful(l));
            }
            _ => {}
        }
    }
    None
}

/// The heading line that names the document's kind, with its first
/// reference number as printed when the line does not carry it.
fn kind_line(page: &str, extracted: &Extracted, knowledge: &TypeKnowledge) -> Option<String> {
    let guess = extracted.type_guess.as_ref()?;
    if guess.doc_type.as_str() == "other" {
        return None;
    }
    let names = knowledge.names(guess.doc_type.as_str());
    if names.is_empty() {
        return None;
    }
    let line = heading(page)
        .map(tidy)
        .filter(|l| meaningful(l) && !is_letterhead(l))
        .find(|l| {
            let folded = Folded::new(l);
            let w = words(&folded.text);
            names.iter().any(|n| super::doctype::occurrences(&w, n) > 0)
        })?;
    let Some(number) = extracted.reference_numbers.first() else {
        return Some(line);
    };
    let key = reference_key(number);
    let key_of =
        |token: &str| reference_key(token.trim_matches(|c: char| !c.is_alphanumeric() && c != '/'));
    if line.split_whitespace().any(|t| key_of(t) == key) {
        return Some(line);
    }
    // The number as printed (Arabic-Indic digits stay so).
    let printed = page
        .split_whitespace()
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric() && c != '/'))
        .find(|t| reference_key(t) == key)
        .unwrap_or(number);
    Some(format!("{line} {printed}"))
}

/// A document's title from its pages' text (in page order), what was read
/// from them, and its file name (the last resort).
pub fn derive_title(
    pages: &[&str],
    source_path: &str,
    extracted: &Extracted,
    knowledge: &TypeKnowledge,
) -> String {
    let first = pages.iter().find(|p| !p.trim().is_empty());
    if let Some(page) = first {
        if let Some(t) = subject(page).or_else(|| kind_line(page, extracted, knowledge)) {
            return truncate(&t);
        }
    }
    for text in pages {
        for line in text.lines() {
            let line = tidy(line);
            if meaningful(&line) && !is_letterhead(&line) {
                return truncate(&line);
            }
        }
    }
    let name = std::path::Path::new(source_path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| source_path.to_string());
    truncate(&name)
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_TITLE_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_TITLE_CHARS).collect();
    // Cut at the last word boundary when there is one.
    match cut.rfind(' ') {
        Some(i) if i > MAX_TITLE_CHARS / 2 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn title(pages: &[&str], path: &str) -> String {
        let texts: Vec<(u32, &str)> = (1..).zip(pages.iter().copied()).collect();
        let extracted = super::super::extract(texts);
        derive_title(pages, path, &extracted, &TypeKnowledge::builtin())
    }

    /// OCR text as arshif reads the samples (`samples/golden/`), and the
    /// title each gets.
    #[test]
    fn titles() {
        let cases: &[(&[&str], &str, &str)] = &[
            // A licence: its kind and number, not "أمانة محافظة الأحساء".
            (
                &["أمانة محافظة الأحساء\n\nبلدية الهفوف\n\nرخصة بناء\n\nرقم الرخصة: ٤٤٥١٢٣٤\n\nتاريخ الإصدار: ١٤٤٥/٠٣/١٢هـ\n\nاسم المالك: عبدالله بن إبراهيم العمران"],
                "رخصة بناء 4451234.png",
                "رخصة بناء ٤٤٥١٢٣٤",
            ),
            (
                &["بلدية المبرز\n\nشهادة صحية\n\nرقم الشهادة: 27507976\n\nاسم العامل: محمد أحمد السالم\nالجنسية: سعودي"],
                "x.jpg",
                "شهادة صحية 27507976",
            ),
            (
                &["HEALTH CERTIFICATE\nCertificate No: 27507976\nThe holder is medically fit to work in food establishments."],
                "x.png",
                "HEALTH CERTIFICATE 27507976",
            ),
            (
                &["بلدية العيون\n\nمحضر ضبط مخالفة\n\nرقم المحضر: 1445/552\n\nاسم المنشأة: مخبز الواحة\n\nنوع المخالفة: عدم نظافة أدوات العمل"],
                "x.pdf",
                "محضر ضبط مخالفة 1445/552",
            ),
            // A letter: its subject.
            (
                &["Al-Ahsa Municipality, Omran Branch\n\nRef: OMR/2024/0917\n\nDate: 15 September 2024\n\nTo: Director of the Public Health Department\n\nSubject: Inspection of food establishments\n\nDear Sir,"],
                "x.png",
                "Inspection of food establishments",
            ),
            (
                &["سعادة مدير إدارة صحة البيئة المحترم\nالسلام عليكم ورحمة الله وبركاته، وبعد:\nالموضوع : جولة رقابية على المطاعم"],
                "x.png",
                "جولة رقابية على المطاعم",
            ),
            // Circulars: the subject, with or without a colon.
            (
                &["Al-Ahsa Municipality\nCircular No. 12/1445\nSubject: Opening hours of branch municipalities during Ramadan\nAll branch municipalities, including Hofuf, Mubarraz, Omran and Oyun, will receive"],
                "circular 12-1445 opening hours.pdf",
                "Opening hours of branch municipalities during Ramadan",
            ),
            (
                &["أمانة محافظة الأحساء\nتعميم رقم 14/1445\nبشأن نظافة الأسواق الشعبية\nعلى جميع البلديات الفرعية في الهفوف والمبرز"],
                "x.pdf",
                "نظافة الأسواق الشعبية",
            ),
            // A marker alone on its line: the next line.
            (
                &["وزارة الشؤون البلدية والقروية\nالموضوع:\nتمديد ساعات العمل في الأسواق"],
                "x.pdf",
                "تمديد ساعات العمل في الأسواق",
            ),
            (
                &["Ministry of Municipal Affairs\nRe: Road works on King Abdullah Street\nDear Sir,"],
                "x.pdf",
                "Road works on King Abdullah Street",
            ),
            // A contract: its kind and number; "موضوع العقد:" is no subject line.
            (
                &["عقد صيانة\n\nرقم العقد: MC-1445-0088\n\nالطرف الأول: بلدية العمران\n\nموضوع العقد: صيانة الإنارة العامة"],
                "x.tif",
                "عقد صيانة MC-1445-0088",
            ),
            // A circular without a subject: the line naming it, which
            // carries its number already.
            (
                &["أمانة محافظة الأحساء\nتعميم رقم 14/1445\nعلى جميع البلديات الفرعية متابعة نظافة الأسواق"],
                "x.pdf",
                "تعميم رقم 14/1445",
            ),
            // Nothing names it: the first line that is not the letterhead.
            (
                &["المملكة العربية السعودية\nKingdom of Saudi Arabia\nأمانة محافظة الأحساء\nبلدية المبرز\nكشف بأسماء العاملين في السوق"],
                "x.png",
                "كشف بأسماء العاملين في السوق",
            ),
            (&["| ~ .\nرخصة   بناء\nرقم 5"], "x.png", "رخصة بناء"),
            (
                &["", "HEALTH CERTIFICATE\n..."],
                "x.png",
                "HEALTH CERTIFICATE",
            ),
            // Only a letterhead, or only debris: the file name.
            (&["بلدية الهفوف\n12 / 3"], "a/بلدية.png", "بلدية.png"),
            (
                &["12 / 3", "  "],
                "scans/hofuf/رخصة 1234.png",
                "رخصة 1234.png",
            ),
            (&[], "a/b/c.pdf", "c.pdf"),
        ];
        for (pages, path, want) in cases {
            assert_eq!(title(pages, path), *want, "{pages:?}");
        }
    }

    #[test]
    fn letterheads() {
        for (line, want) in [
            ("المملكة العربية السعودية", true),
            ("وزارة الشؤون البلدية والقروية والإسكان", true),
            ("أمانة محافظة الأحساء", true),
            ("بلدية المبرز", true),
            ("Kingdom of Saudi Arabia", true),
            ("Ministry of Municipal and Rural Affairs", true),
            ("Al-Ahsa Municipality", true),
            ("Municipality of Al-Ahsa", true),
            ("Al-Ahsa Municipality, Omran Branch", true),
            ("رخصة بناء", false),
            ("الطرف الأول: بلدية العمران", false),
            ("Opening hours of branch municipalities", false),
        ] {
            assert_eq!(is_letterhead(line), want, "{line}");
        }
    }

    #[test]
    fn the_archive_s_own_types_name_titles() {
        let text =
            "أمانة محافظة الأحساء\nكراسة الشروط والمواصفات\nمنافسة عامة رقم 1445/77\nتشغيل الحدائق";
        let mut k = TypeKnowledge::builtin();
        k.add_type(
            &"tender".parse().unwrap(),
            &["منافسة"],
            &["منافسة عامة".into()],
        );
        let extracted = super::super::extract_with([(1, text)], &k);
        assert_eq!(
            extracted.type_guess.as_ref().unwrap().doc_type.as_str(),
            "tender"
        );
        assert_eq!(
            derive_title(&[text], "x.pdf", &extracted, &k),
            "منافسة عامة رقم 1445/77"
        );
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let long = "word ".repeat(60);
        let t = title(&[long.as_str()], "x");
        assert!(t.chars().count() <= MAX_TITLE_CHARS + 1);
        assert!(t.ends_with('…'));
    }
}

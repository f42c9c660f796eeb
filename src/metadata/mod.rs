//! What a document says about itself: the dates printed on it (Hijri and
//! Gregorian), its reference numbers and what kind of document it is.
//!
//! Everything here is read from page text alone, so it can be read again at
//! any time (a newer [`EXTRACTOR_VERSION`] re-reads every document). What
//! staff correct is kept apart, in the catalog, and always wins.

mod dates;
mod doctype;
mod fold;
mod refs;
mod title;

use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Day};
use crate::types::DocType;

pub use dates::find_dates;
pub use doctype::{guess_type, guess_type_with, TypeKnowledge, KNOWN_TYPES};
pub use refs::{find_references, reference_key};
pub use title::{derive_title, is_letterhead};

/// Bump when extraction changes: documents read by an older version are
/// read again (from their stored text) when the index next catches up.
/// 2: circulars, memos, decisions and permits are types of their own, the
/// archive's types and corrections count, and the title is the subject
/// line or the kind with its number, never the letterhead.
pub const EXTRACTOR_VERSION: i64 = 2;

/// A date printed on a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoundDate {
    /// The calendar it was printed in.
    pub calendar: Calendar,
    pub day: Day,
    pub page: u32,
    /// As printed.
    pub text: String,
    /// How likely this is the document's issue date (higher is likelier).
    #[serde(default)]
    pub score: f32,
    /// Printed beside a twin in the other calendar that names another day:
    /// one of the two was misread, so neither is believed as the
    /// document's date (both are kept, marked, as alternatives).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disputed: bool,
    /// The line of its page it was printed on (to find its twin).
    #[serde(default)]
    pub line: u32,
}

impl FoundDate {
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "calendar": self.calendar,
            "hijri": self.day.hijri().to_string(),
            "gregorian": self.day.to_string(),
            "page": self.page,
            "text": self.text,
        });
        if self.disputed {
            // Only when so: a date's twin names another day.
            v["disputed"] = true.into();
        }
        v
    }
}

/// A document type guessed from the text, and how sure the guess is
/// (0.0 ..= 1.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeGuess {
    pub doc_type: DocType,
    pub confidence: f32,
}

/// Everything read from a document's text.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Extracted {
    /// Every date found, in page and reading order.
    pub dates: Vec<FoundDate>,
    /// The most plausible issue date among them.
    pub document_date: Option<Day>,
    /// As printed, digits made ASCII; unique, in reading order.
    pub reference_numbers: Vec<String>,
    pub type_guess: Option<TypeGuess>,
}

/// Read a document's dates, reference numbers and type from its pages
/// (page number, text), knowing only the built-in types.
pub fn extract<'a>(pages: impl IntoIterator<Item = (u32, &'a str)>) -> Extracted {
    extract_with(pages, &TypeKnowledge::builtin())
}

/// Read a document's facts ([`extract_with`]) and its title
/// ([`derive_title`]) from its pages (page number, text) and the path of
/// the file it came from: what an import, a queue worker and a re-read of
/// stored text all keep.
pub fn read_document(
    pages: &[(u32, &str)],
    source_path: &str,
    knowledge: &TypeKnowledge,
) -> (Extracted, String) {
    let extracted = extract_with(pages.iter().copied(), knowledge);
    let texts: Vec<&str> = pages.iter().map(|p| p.1).collect();
    let title = derive_title(&texts, source_path, &extracted, knowledge);
    (extracted, title)
}

/// Read a document's dates, reference numbers and type from its pages
/// (page number, text), with what the archive knows of its types.
pub fn extract_with<'a>(
    pages: impl IntoIterator<Item = (u32, &'a str)>,
    knowledge: &TypeKnowledge,
) -> Extracted {
    let mut dates = Vec::new();
    let mut references: Vec<String> = Vec::new();
    let mut texts = Vec::new();
    for (page, text) in pages {
        let folded = fold::Folded::new(text);
        let refs = refs::find_in(&folded);
        for r in &refs {
            if !references
                .iter()
                .any(|x| reference_key(x) == reference_key(&r.value))
            {
                references.push(r.value.clone());
            }
        }
        let spans: Vec<std::ops::Range<usize>> = refs.iter().map(|r| r.span.clone()).collect();
        dates.extend(dates::find_in(&folded, page, &spans));
        texts.push((page, folded));
    }
    dates::score_pairs(&mut dates);
    let document_date = dates::pick(&dates).map(|d| d.day);
    Extracted {
        dates,
        document_date,
        reference_numbers: references,
        type_guess: doctype::guess_folded(&texts, knowledge),
    }
}

/// Where a document's type came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeSource {
    /// Given when it was imported.
    Import,
    /// Read from its text.
    Guessed,
    /// Set by staff (`arshif set`, the API).
    Corrected,
}

impl TypeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TypeSource::Import => "import",
            TypeSource::Guessed => "guessed",
            TypeSource::Corrected => "corrected",
        }
    }
}

/// What staff set by hand. Each field, when set, beats what was imported
/// or read from the text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub date: Option<Day>,
    pub doc_type: Option<DocType>,
    pub title: Option<String>,
    /// The reference numbers staff set (as typed; empty: the document has
    /// none), in place of those read from the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_numbers: Option<Vec<String>>,
    /// Who made the latest correction, and when.
    pub by: Option<String>,
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Correction {
    pub fn is_empty(&self) -> bool {
        self.date.is_none()
            && self.doc_type.is_none()
            && self.title.is_none()
            && self.reference_numbers.is_none()
    }
}

/// A change to a document's corrections: for each field, leave it
/// (`None`), set it (`Some(Some(v))`) or drop the correction so extraction
/// decides again (`Some(None)`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CorrectionChange {
    pub date: Option<Option<Day>>,
    pub doc_type: Option<Option<DocType>>,
    pub title: Option<Option<String>>,
    pub reference_numbers: Option<Option<Vec<String>>>,
}

/// Why a correction was refused.
#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    #[error(transparent)]
    Date(#[from] crate::calendar::DateError),
    #[error(transparent)]
    Type(#[from] crate::types::BadSlug),
    #[error("the title is empty; give a title, or `auto` for the one read from the text")]
    EmptyTitle,
    #[error("the title is {0} characters long; at most {MAX_TITLE} are kept")]
    LongTitle(usize),
    #[error("{0:?} is not a reference number: give its digits (and letters, `/` or `-`), one number each")]
    BadReference(String),
    #[error("{0} reference numbers given; at most {MAX_REFERENCES} are kept")]
    ManyReferences(usize),
    #[error("nothing to correct: give a date, a type, a title or reference numbers")]
    Nothing,
}

/// Most reference numbers staff may set on one document.
pub const MAX_REFERENCES: usize = 20;

/// Longest reference number staff may set, in characters.
pub const MAX_REFERENCE_LEN: usize = 64;

/// Reference numbers as staff typed them: each trimmed (inner spaces
/// collapsed), a number the index can key (digits, letters, `/`, `-`),
/// duplicates (the same number however its digits are written) dropped.
pub fn check_references(numbers: &[String]) -> Result<Vec<String>, CorrectionError> {
    if numbers.len() > MAX_REFERENCES {
        return Err(CorrectionError::ManyReferences(numbers.len()));
    }
    let mut out: Vec<String> = Vec::with_capacity(numbers.len());
    for n in numbers {
        let n = n.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = match reference_key(&n) {
            Some(k) if n.chars().count() <= MAX_REFERENCE_LEN => k,
            _ => return Err(CorrectionError::BadReference(n)),
        };
        if !out
            .iter()
            .any(|x| reference_key(x).as_deref() == Some(&key))
        {
            out.push(n);
        }
    }
    Ok(out)
}

/// Longest title staff may set, in characters.
pub const MAX_TITLE: usize = 200;

/// The word that drops a correction (`--date auto`).
pub const AUTO: &str = "auto";

impl CorrectionChange {
    /// A change as typed: each of date (`1445-03-12h`, `2023-09-27`), type
    /// and title either absent, a new value, or `auto` to drop the
    /// correction.
    pub fn parse(
        date: Option<&str>,
        doc_type: Option<&str>,
        title: Option<&str>,
    ) -> Result<Self, CorrectionError> {
        let auto = |s: &str| s.trim() == AUTO;
        let change = CorrectionChange {
            date: date
                .map(|d| {
                    if auto(d) {
                        Ok(None)
                    } else {
                        d.parse().map(Some)
                    }
                })
                .transpose()?,
            doc_type: doc_type
                .map(|t| {
                    if auto(t) {
                        Ok(None)
                    } else {
                        t.parse().map(Some)
                    }
                })
                .transpose()?,
            title: title
                .map(|t| {
                    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                    match t.chars().count() {
                        _ if auto(&t) => Ok(None),
                        0 => Err(CorrectionError::EmptyTitle),
                        n if n > MAX_TITLE => Err(CorrectionError::LongTitle(n)),
                        _ => Ok(Some(t)),
                    }
                })
                .transpose()?,
            reference_numbers: None,
        };
        if change.is_empty() {
            return Err(CorrectionError::Nothing);
        }
        Ok(change)
    }

    /// This change, also setting the reference numbers (`Some(None)`:
    /// back to those read from the text), checked by [`check_references`].
    pub fn with_references(
        mut self,
        numbers: Option<Option<&[String]>>,
    ) -> Result<Self, CorrectionError> {
        self.reference_numbers = match numbers {
            None => None,
            Some(None) => Some(None),
            Some(Some(list)) => Some(Some(check_references(list)?)),
        };
        Ok(self)
    }

    pub fn is_empty(&self) -> bool {
        self.date.is_none()
            && self.doc_type.is_none()
            && self.title.is_none()
            && self.reference_numbers.is_none()
    }

    /// The corrections after this change.
    pub fn apply(&self, old: &Correction) -> Correction {
        let mut new = old.clone();
        if let Some(d) = &self.date {
            new.date = *d;
        }
        if let Some(t) = &self.doc_type {
            new.doc_type = t.clone();
        }
        if let Some(t) = &self.title {
            new.title = t.clone();
        }
        if let Some(r) = &self.reference_numbers {
            new.reference_numbers = r.clone();
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        s.parse().unwrap()
    }

    /// Whole documents: the date picked, the references, the type.
    #[test]
    fn documents_read_whole() {
        struct Case {
            text: &'static str,
            date: Option<&'static str>,
            refs: &'static [&'static str],
            doc_type: &'static str,
        }
        let cases = [
            Case {
                text: "بلدية المبرز\nشهادة صحية\nرقم الشهادة: 27507976\nاسم العامل: محمد أحمد السالم\nتاريخ الإصدار: 1445/07/12 هـ\nتاريخ الانتهاء: 1446/07/12 هـ\nتشهد البلدية بأن حامل هذه الشهادة لائق صحيا",
                date: Some("1445-07-12h"),
                refs: &["27507976"],
                doc_type: "health-certificate",
            },
            Case {
                // The expiry date comes first; the issue date still wins.
                text: "رخصة محل تجاري\nتاريخ الانتهاء: 11 ربيع الأول 1446هـ\nرقم الرخصة: 1445/3217\nتاريخ الإصدار: 12 ربيع الأول 1445هـ\nالموافق: 27 سبتمبر 2023م",
                date: Some("2023-09-27"),
                refs: &["1445/3217"],
                doc_type: "licence",
            },
            Case {
                text: "بلدية العمران\nمحضر ضبط مخالفة\nرقم المحضر: ١٤٤٥/٣٢١٧\nالتاريخ: ١٤٤٥/٠٣/١٢ هـ\nاسم المنشأة: مخبز الواحة\nنوع المخالفة: عدم نظافة أدوات العمل\nالإجراء: غرامة مالية",
                date: Some("1445-03-12h"),
                refs: &["1445/3217"],
                doc_type: "violation-report",
            },
            Case {
                text: "Al-Ahsa Municipality, Omran Branch\nRef: OMR/2024/0917\nDate: 15 September 2024\nTo: Director of the Public Health Department\nSubject: Inspection of food establishments\nDear Sir,\nFollowing the inspection campaign...\nYours sincerely,",
                date: Some("2024-09-15"),
                refs: &["OMR/2024/0917"],
                doc_type: "letter",
            },
            Case {
                text: "عقد صيانة\nرقم العقد: MC-1445-0088\nالطرف الأول: بلدية العمران\nالطرف الثاني: مؤسسة النخيل للمقاولات\nMAINTENANCE CONTRACT\nContract reference: MC-1445-0088\nFirst party: Omran Municipality",
                date: None,
                refs: &["MC-1445-0088"],
                doc_type: "contract",
            },
            Case {
                text: "أمانة محافظة الأحساء\nتعميم رقم 14/1445\nبشأن نظافة الأسواق الشعبية",
                date: None,
                refs: &["14/1445"],
                doc_type: "circular",
            },
        ];
        for c in cases {
            let e = extract([(1, c.text)]);
            assert_eq!(e.document_date, c.date.map(day), "{}", c.text);
            assert_eq!(e.reference_numbers, c.refs, "{}", c.text);
            let guess = e.type_guess.expect("a guess");
            assert_eq!(guess.doc_type.as_str(), c.doc_type, "{}", c.text);
            assert!((0.0..=1.0).contains(&guess.confidence));
        }
    }

    #[test]
    fn dates_keep_their_page_and_text_as_printed() {
        let e = extract([(1, "بلدية الهفوف"), (2, "حرر في ١٤٤٥/٠٣/١٢ هـ")]);
        assert_eq!(e.dates.len(), 1);
        let d = &e.dates[0];
        assert_eq!((d.page, d.text.as_str()), (2, "١٤٤٥/٠٣/١٢ هـ"));
        assert_eq!(d.calendar, Calendar::Hijri);
        let j = d.to_json();
        assert_eq!(j["hijri"], "1445-03-12");
        assert_eq!(j["gregorian"], "2023-09-27");
    }

    #[test]
    fn a_reference_number_is_not_a_date() {
        let e = extract([(1, "الرقم: 1445/03/12\nالتاريخ: 1445/03/14هـ")]);
        assert_eq!(e.reference_numbers, ["1445/03/12"]);
        assert_eq!(e.dates.len(), 1);
        assert_eq!(e.document_date, Some(day("1445-03-14h")));
    }

    #[test]
    fn corrected_reference_numbers_are_checked_and_deduplicated() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = [
            (list(&["1445/552"]), list(&["1445/552"])),
            (
                list(&[" ٤٤٥١٢٣٤ ", "4451234", "MC-1445-0088"]),
                list(&["٤٤٥١٢٣٤", "MC-1445-0088"]),
            ),
            (list(&[]), list(&[])),
        ];
        for (given, kept) in ok {
            assert_eq!(check_references(&given).unwrap(), kept, "{given:?}");
        }
        for bad in [list(&["no digits"]), list(&[""]), list(&[&"1".repeat(65)])] {
            assert!(
                matches!(
                    check_references(&bad),
                    Err(CorrectionError::BadReference(_))
                ),
                "{bad:?}"
            );
        }
        let many: Vec<String> = (0..=MAX_REFERENCES).map(|i| i.to_string()).collect();
        assert!(matches!(
            check_references(&many),
            Err(CorrectionError::ManyReferences(_))
        ));
    }

    #[test]
    fn corrections_apply_field_by_field() {
        let old = Correction {
            date: Some(day("2023-09-27")),
            doc_type: Some("licence".parse().unwrap()),
            ..Default::default()
        };
        let change = CorrectionChange {
            date: Some(None),
            title: Some(Some("رخصة".into())),
            ..Default::default()
        };
        let new = change.apply(&old);
        assert_eq!(new.date, None);
        assert_eq!(new.doc_type, old.doc_type);
        assert_eq!(new.title.as_deref(), Some("رخصة"));
    }
}

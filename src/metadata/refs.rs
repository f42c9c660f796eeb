//! Reference numbers: the numbers a document is known by (licence,
//! certificate, report, outgoing-letter and contract numbers), found after
//! the labels offices print before them.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::fold::Folded;

/// Labels, folded (see `fold`): Arabic `رقم الرخصة`, `رقم الشهادة`,
/// `رقم المحضر`, `الرقم`, `رقم الصادر`…, `تعميم رقم`…, and English `Ref:`,
/// `Contract reference:`, `Licence No.`…
const ARABIC_KINDS: &str = "الرخصه|الشهاده|المحضر|الصادر|الوارد|العقد|الخطاب|القرار|التعميم|المعامله|الطلب|الترخيص|السجل\\ التجاري|السجل";

/// The value after a label: words and numbers joined by `/` or `-`.
const VALUE: &str = r"(?P<value>[\p{L}\d]+(?:\ ?[/\-]\ ?[\p{L}\d]+)*)";

static LABELED: LazyLock<Regex> = LazyLock::new(|| {
    let arabic_kinds = ARABIC_KINDS;
    let arabic_before = "تعميم|قرار|خطاب|محضر|رخصه|شهاده|عقد|معامله|ترخيص";
    let english_kinds =
        "licen[cs]e|permit|certificate|report|circular|letter|decision|contract|file|case|invoice";
    let pattern = format!(
        r"(?x)
        (?:^|[^\p{{L}}\d])
        (?:
            رقم\ (?:{arabic_kinds})
          | (?:{arabic_before})\ رقم
          | الرقم
          | (?:contract\ )?(?:our\ |your\ )?ref(?:erence)?(?:\ no|\ number)?
          | (?:{english_kinds})\ (?:no|number|ref(?:erence)?)
        )
        \b
        [\ .]*[:\#]?[\ ]*
        (?:no\.?\ *[:\#]?\ *)?
        {VALUE}
        "
    );
    Regex::new(&pattern).expect("the reference pattern compiles")
});

/// `رقم` and a word, then a colon: a label whose kind OCR may have misread
/// by a letter (`رقم الشبادة:` for `رقم الشهادة:`). Taken when the word is
/// one edit from a kind of [`ARABIC_KINDS`] of five letters or more; the
/// colon keeps running text (`رقم الهاتف` aside) from being taken.
static MISREAD_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(r"(?:^|[^\p{{L}}\d])رقم\ (?P<kind>ال\p{{L}}{{3,}})\ *:\ *{VALUE}");
    Regex::new(&pattern).expect("the misread-label pattern compiles")
});

/// Whether a word is a label kind OCR misread by one letter.
fn misread_kind(word: &str) -> bool {
    ARABIC_KINDS.split('|').any(|kind| {
        kind.chars().count() >= 5
            && kind != word
            && crate::search::matcher::edit_distance(word, kind, 1) <= 1
    })
}

/// A reference number found in a page.
pub struct FoundReference {
    /// As printed, with ASCII digits and no spaces around separators.
    pub value: String,
    /// Where it is in the folded text.
    pub span: Range<usize>,
}

/// Whether a segment of a reference (between separators) belongs to it:
/// any segment with a digit; a short Latin code (MC, OMR); one Arabic
/// letter (١٢٣/ب). Anything else is the next word, not the number.
fn segment_ok(seg: &str, first: bool) -> bool {
    let letters = seg.chars().filter(|c| c.is_alphabetic()).count();
    if seg.chars().any(|c| c.is_ascii_digit()) {
        return true;
    }
    let latin = seg.chars().all(|c| c.is_ascii_alphabetic());
    (latin && letters <= 5) || (!first && letters == 1)
}

pub fn find_in(page: &Folded) -> Vec<FoundReference> {
    let mut out = Vec::new();
    let values = LABELED
        .captures_iter(&page.text)
        .map(|caps| caps.name("value").expect("the group always takes part"));
    let misread = MISREAD_LABEL
        .captures_iter(&page.text)
        .filter(|caps| misread_kind(&caps["kind"]))
        .map(|caps| caps.name("value").expect("the group always takes part"));
    for m in values.chain(misread) {
        // Keep whole segments up to the first that is not part of a number.
        let text = m.as_str();
        let mut end = 0;
        let mut first = true;
        for (i, piece) in split_keeping(text) {
            let seg = piece.trim_matches(|c: char| c == '/' || c == '-' || c == ' ');
            if seg.is_empty() {
                continue;
            }
            if !segment_ok(seg, first) {
                break;
            }
            end = i + piece.trim_end().len();
            first = false;
        }
        let value = &text[..end];
        if !value.chars().any(|c| c.is_ascii_digit()) || value.chars().count() < 2 {
            continue;
        }
        let span = m.start()..m.start() + end;
        let printed: String = page
            .printed(span.clone())
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| crate::analysis::normalize::ascii_digit(c).unwrap_or(c))
            .collect();
        out.push(FoundReference {
            value: printed,
            span,
        });
    }
    out
}

/// The pieces of a value, each starting at a separator (but the first),
/// with their byte offsets.
fn split_keeping(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if (c == '/' || c == '-') && i > start {
            out.push((start, &text[start..i]));
            start = i;
        }
    }
    out.push((start, &text[start..]));
    out
}

/// Reference numbers in a text, as printed (ASCII digits).
pub fn find_references(text: &str) -> Vec<String> {
    find_in(&Folded::new(text))
        .into_iter()
        .map(|r| r.value)
        .collect()
}

/// The form a reference number is indexed and looked up by: ASCII digits,
/// lower case, no spaces, `-` `.` `\` as `/`. `MC-1445-0088`,
/// `mc/1445/0088` and `١٤٤٥/٣٢١٧` are each found however they are typed.
/// `None` for text that is not a number (no digit, or a space inside).
pub fn reference_key(text: &str) -> Option<String> {
    let folded = Folded::new(text.trim());
    let mut key = String::new();
    for c in folded.text.chars() {
        match c {
            '-' | '.' | '\\' | '/' => key.push('/'),
            c if c.is_alphanumeric() => key.push(c),
            ' ' => {}
            _ => return None,
        }
    }
    if text.trim().contains(char::is_whitespace) {
        // `1445 / 3217` yes; two words no.
        let compact: String = text.split_whitespace().collect();
        if compact.split(['/', '-']).any(|s| s.is_empty()) || !text.contains(['/', '-']) {
            return None;
        }
    }
    let key = key.trim_matches('/').to_string();
    (key.chars().any(|c| c.is_ascii_digit()) && !key.contains("//")).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text, the references found in it.
    const CASES: &[(&str, &[&str])] = &[
        ("رقم الرخصة: ٤٤٥١٢٣٤", &["4451234"]),
        ("رقم الشهادة: 27507976", &["27507976"]),
        ("رقم المحضر: 1445/552", &["1445/552"]),
        ("رقم المحضر: ١٤٤٥/٣٢١٧", &["1445/3217"]),
        ("الرقم: 45/ب/1445 التاريخ: 1445/03/12هـ", &["45/ب/1445"]),
        ("رقم الصادر: 1445/12 وتاريخه", &["1445/12"]),
        ("تعميم رقم 14/1445\nبشأن نظافة الأسواق", &["14/1445"]),
        ("رقم العقد: MC-1445-0088", &["MC-1445-0088"]),
        ("Contract reference: MC-1445-0088", &["MC-1445-0088"]),
        (
            "Ref: OMR/2024/0917\nDate: 15 September 2024",
            &["OMR/2024/0917"],
        ),
        ("Our Ref. No.: MUB / 2024 / 118", &["MUB/2024/118"]),
        ("Licence No. 4451234 issued", &["4451234"]),
        ("Circular No. 12/1445", &["12/1445"]),
        ("رقم العقد: 55 - الطرف الأول", &["55"]),
        // a kind OCR misread by one letter, before a colon
        ("رقم الشبادة: 7071158 اسم العامل", &["7071158"]),
        ("رقم الرخصق: ٤٤٥١٢٣٤", &["4451234"]),
        ("رقم الشبادة 7071158", &[]),
        ("رقم الهاتف: 0135820000", &[]),
        // No label, no reference; a label with no number, none.
        ("1445/3217", &[]),
        ("رقم الهاتف: 0135820000", &[]),
        ("Reference: see the attached letter", &[]),
        ("the referee's report number was not given", &[]),
    ];

    #[test]
    fn references_by_label() {
        for (text, want) in CASES {
            assert_eq!(&find_references(text), want, "{text}");
        }
    }

    #[test]
    fn keys_ignore_digit_script_case_and_separator() {
        for (typed, key) in [
            ("1445/3217", Some("1445/3217")),
            ("١٤٤٥/٣٢١٧", Some("1445/3217")),
            ("1445-3217", Some("1445/3217")),
            ("MC-1445-0088", Some("mc/1445/0088")),
            ("mc/1445/0088", Some("mc/1445/0088")),
            ("1445 / 3217", Some("1445/3217")),
            ("4451234", Some("4451234")),
            ("licence", None),
            ("رخصة 1445", None),
        ] {
            assert_eq!(reference_key(typed).as_deref(), key, "{typed}");
        }
    }
}

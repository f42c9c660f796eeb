//! Numbers on Arabic pages: licence, certificate and report numbers and
//! Hijri dates, usually printed in Arabic-Indic digits — what staff search
//! for most, and what Debian's `ara` model (tessdata_fast) reads worst.
//!
//! Measured on the evaluation's number pages (112 numbers, five fonts, three
//! in four in Arabic-Indic digits, `make ocr-eval`): plain `tesseract -l
//! ara+eng` reads 29 exactly; the Arabic script model
//! (`tesseract-ocr-script-arab`, `Arabic`) on the whole page 40, but with
//! word accuracy 0.57 against 0.74. So pages are read with `ara` and the
//! lines holding numbers again with `Arabic`, at twice their size; its
//! number is taken where it is better formed, group by group for dates:
//! 45 of 112. The `Arabic` model also writes the first group of a slashed number
//! reversed (١٤٤٥/٠٣/١٢ → ٥٤٤١/…); a first group that is no plausible year
//! but is one reversed is turned round.

/// The value of a digit in any of the three systems.
pub fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '\u{0660}'..='\u{0669}' => Some(c as u32 - 0x0660),
        '\u{06F0}'..='\u{06F9}' => Some(c as u32 - 0x06F0),
        _ => None,
    }
}

fn is_junk(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(
            c,
            '/' | '|'
                | '"'
                | '\''
                | '+'
                | '-'
                | '.'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '\u{200E}'
                | '\u{200F}'
        )
}

/// The byte range of a line's number zone: from the first digit to the last,
/// widened over adjacent junk that OCR makes of digits (Latin letters, `/`, `|`).
pub fn number_zone(line: &str) -> Option<(usize, usize)> {
    let idx: Vec<(usize, char)> = line.char_indices().collect();
    let first = idx.iter().position(|(_, c)| digit_value(*c).is_some())?;
    let last = idx.iter().rposition(|(_, c)| digit_value(*c).is_some())?;
    // ه is how OCR often reads ٥: junk when glued to the number
    let glued = |c: char, inner: char| c == 'ه' && inner != ' ';
    let mut a = first;
    while a > 0 {
        let c = idx[a - 1].1;
        if is_junk(c) || glued(c, idx[a].1) || (c == ' ' && a > 1 && is_junk(idx[a - 2].1)) {
            a -= 1;
        } else {
            break;
        }
    }
    let mut b = last;
    while b + 1 < idx.len() {
        let c = idx[b + 1].1;
        if is_junk(c)
            || glued(c, idx[b].1)
            || (c == ' ' && b + 2 < idx.len() && is_junk(idx[b + 2].1))
        {
            b += 1;
        } else {
            break;
        }
    }
    let start = idx[a].0;
    let end = idx[b].0 + idx[b].1.len_utf8();
    Some((start, end))
}

fn plausible_year(y: u32) -> bool {
    (1300..=1500).contains(&y) || (1900..=2100).contains(&y)
}

fn value(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 12 {
        return None;
    }
    s.chars()
        .try_fold(0u32, |acc, c| Some(acc * 10 + digit_value(c)?))
}

/// Turn round a first group that is only a year when reversed.
pub fn fix_reversed_year(token: &str) -> String {
    let Some((first, rest)) = token.split_once('/') else {
        return token.to_string();
    };
    let first_chars: Vec<char> = first.chars().collect();
    if first_chars.len() == 4 {
        if let Some(v) = value(first) {
            let rev: String = first_chars.iter().rev().collect();
            if !plausible_year(v) && value(&rev).is_some_and(plausible_year) {
                return format!("{rev}/{rest}");
            }
        }
    }
    token.to_string()
}

/// How much a zone reads like well-formed numbers: each token that is only
/// digits (and slashes) counts for, a valid date more, junk against.
pub fn quality(zone: &str) -> i32 {
    let mut q = 0;
    for t in zone.split_whitespace() {
        let t = t.trim_matches(|c| c == '\u{200E}' || c == '\u{200F}');
        if t.is_empty() {
            continue;
        }
        let clean = t.chars().all(|c| digit_value(c).is_some() || c == '/')
            && !t.starts_with('/')
            && !t.ends_with('/')
            && t.chars().filter(|c| digit_value(*c).is_some()).count() >= 3;
        if !clean {
            q -= 2;
            continue;
        }
        q += 2;
        let parts: Vec<&str> = t.split('/').collect();
        if parts.len() == 3 {
            let ok = value(parts[0]).is_some_and(plausible_year)
                && value(parts[1]).is_some_and(|m| (1..=12).contains(&m))
                && value(parts[2]).is_some_and(|d| (1..=31).contains(&d));
            q += if ok { 1 } else { -1 };
        }
        // one digit system throughout is how numbers are printed
        let systems = [
            t.chars().any(|c| c.is_ascii_digit()),
            t.chars().any(|c| {
                ('\u{0660}'..='\u{0669}').contains(&c) || ('\u{06F0}'..='\u{06F9}').contains(&c)
            }),
        ];
        if systems[0] && systems[1] {
            q -= 1;
        }
    }
    q
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| digit_value(c).is_some())
}

/// Merge two readings of a slashed number (a date or `1445/552`) group by
/// group: each group from the reading where it is all digits and in range
/// (a year first, then month and day), the `Arabic` model's when both are.
fn merge_groups(ara: &str, arabic: &str) -> Option<String> {
    let a: Vec<&str> = ara.split('/').collect();
    let b: Vec<&str> = arabic.split('/').collect();
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let in_range = |i: usize, g: &str| -> bool {
        let Some(v) = value(g) else { return false };
        match (a.len(), i) {
            (_, 0) if g.chars().count() == 4 => plausible_year(v),
            (3, 1) => (1..=12).contains(&v),
            (3, 2) => (1..=31).contains(&v),
            _ => true,
        }
    };
    let groups: Vec<&str> = a
        .iter()
        .zip(&b)
        .enumerate()
        .map(|(i, (x, y))| {
            match (
                all_digits(x) && in_range(i, x),
                all_digits(y) && in_range(i, y),
            ) {
                (true, false) => *x,
                (false, true) => *y,
                // both fine: the year as `ara` reads it (the script model turns
                // ٥ into ٠ there), other groups as the script model does
                (true, true) if i == 0 && a.len() == 3 => *x,
                _ => *y,
            }
        })
        .collect();
    Some(groups.join("/"))
}

/// The `ara` line with its number zone replaced by the `Arabic` model's, when
/// that is better formed; `None` to keep the line as it is.
pub fn merge_line(ara: &str, arabic: &str) -> Option<String> {
    let (a0, a1) = number_zone(ara)?;
    let (b0, b1) = number_zone(arabic)?;
    let clean = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .map(|t| fix_reversed_year(t.trim_matches(|c| c == '\u{200E}' || c == '\u{200F}')))
            .collect()
    };
    let ours = clean(&ara[a0..a1]);
    let theirs = clean(&arabic[b0..b1]);
    let merged = match (ours.as_slice(), theirs.as_slice()) {
        ([x], [y]) if x.contains('/') && y.contains('/') => {
            merge_groups(x, y).unwrap_or_else(|| y.clone())
        }
        _ => theirs.join(" "),
    };
    if merged != ara[a0..a1] && quality(&merged) >= quality(&ara[a0..a1]).max(1) {
        Some(format!("{}{}{}", &ara[..a0], merged, &ara[a1..]))
    } else {
        None
    }
}

/// Correct look-alike characters inside a token that is mostly digits:
/// in Western digits `O o → 0`, `l I | → 1`, `S → 5`, `B → 8`; in
/// Arabic-Indic digits the shapes OCR takes them for, `o O ه → ٥`,
/// `l I | 1 → ١`, `V v → ٧`, `A Λ → ٨`.
pub fn fix_lookalikes(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let western = chars.iter().filter(|c| c.is_ascii_digit()).count();
    let indic = chars
        .iter()
        .filter(|c| digit_value(**c).is_some() && !c.is_ascii_digit())
        .count();
    let digits = western + indic;
    if chars.len() < 4 || digits * 10 < chars.len() * 7 || digits == chars.len() {
        return token.to_string();
    }
    chars
        .iter()
        .map(|&c| {
            if digit_value(c).is_some() || c == '/' {
                return c;
            }
            if indic > western {
                match c {
                    'o' | 'O' | 'ه' => '٥',
                    'l' | 'I' | '|' => '١',
                    'V' | 'v' => '٧',
                    'A' | 'Λ' => '٨',
                    c => c,
                }
            } else {
                match c {
                    'O' | 'o' => '0',
                    'l' | 'I' | '|' => '1',
                    'S' => '5',
                    'B' => '8',
                    c => c,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_quality() {
        let line = "رقم الرخصة: / ه51/1177/٠";
        let (a, b) = number_zone(line).unwrap();
        assert_eq!(&line[a..b], "/ ه51/1177/٠");
        let line = "تاريخ الإصدار: 1445/03/18 ه";
        let (a, b) = number_zone(line).unwrap();
        assert_eq!(&line[a..b], "1445/03/18");
        assert!(quality("٧٦٧١٧٦٥٨") > quality("ه51/1177/٠"));
        assert!(quality("١٤٤٥/٠٣/١٨") > quality("٠٤٤١/٠٣/١٨"));
        assert!(quality("1445/03/18") > quality("١445/07/18") || quality("١445/07/18") < 3);
    }

    /// `ara` line, `Arabic` line, merged line (None: keep `ara`).
    const MERGES: &[(&str, &str, Option<&str>)] = &[
        (
            "رقم الرخصة: / ه51/1177/٠",
            "رقم الرخصة: ۷٦۷۱۷٦٥۸",
            Some("رقم الرخصة: ۷٦۷۱۷٦٥۸"),
        ),
        (
            "رقم الشبادة: 11/917 517/",
            "رقم الشہادة: ۸٦۲۱۷۹۷",
            Some("رقم الشبادة: ۸٦۲۱۷۹۷"),
        ),
        ("الرقم: 59391459", "الرقم: 59391459", None),
        (
            "تاريخ الإصدار: ١445/07/18 ه",
            "تارج الإ صدار: ٥٤٤١/۰۳/۱۸ ه",
            Some("تاريخ الإصدار: ١445/۰۳/۱۸ ه"),
        ),
        (
            "تاريخ الإصدار: 1445/0/18 ه",
            "تارج الإ صدار: ٠٤٤١/۰۳/۱۸ ه",
            Some("تاريخ الإصدار: 1445/۰۳/۱۸ ه"),
        ),
        (
            "رقم المحضر: ١545/8155",
            "رقم المحضر: ١٤٤٥/٨٢٦",
            Some("رقم المحضر: ١٤٤٥/٨٢٦"),
        ),
        ("بلدية الهفوف", "بلدية المهفوف", None),
    ];

    #[test]
    fn merging_number_zones() {
        for (ara, arabic, want) in MERGES {
            assert_eq!(
                merge_line(ara, arabic).as_deref(),
                *want,
                "{ara} | {arabic}"
            );
        }
    }

    #[test]
    fn lookalikes_in_numeric_context() {
        let cases = [
            ("2750797O", "27507970"),
            ("44Sl234", "4451234"),
            ("٢٧o٠٧٩٧٦", "٢٧٥٠٧٩٧٦"),
            ("١٤٤ه/٠٣", "١٤٤٥/٠٣"),
            ("Omran", "Omran"),
            ("MC-1445", "MC-1445"),
            ("1445", "1445"),
        ];
        for (input, want) in cases {
            assert_eq!(fix_lookalikes(input), want, "{input}");
        }
    }

    #[test]
    fn reversed_years() {
        assert_eq!(fix_reversed_year("٥٤٤١/۰۳/۱۸"), "١٤٤٥/۰۳/۱۸");
        assert_eq!(fix_reversed_year("1445/03/18"), "1445/03/18");
        assert_eq!(fix_reversed_year("4202/1/1"), "2024/1/1");
        assert_eq!(fix_reversed_year("27507976"), "27507976");
    }
}

//! Digits and look-alikes in what Tesseract read. Numbers themselves are
//! read again by arshif's own number reader ([`super::digits`], through
//! [`super::number_pass`]); this module holds what the rest of the reading
//! still needs: digit values in any system, and look-alike letters fixed in
//! tokens that are mostly digits.

/// The value of a digit in any of the three systems.
pub fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '\u{0660}'..='\u{0669}' => Some(c as u32 - 0x0660),
        '\u{06F0}'..='\u{06F9}' => Some(c as u32 - 0x06F0),
        _ => None,
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
    fn digit_values() {
        assert_eq!(digit_value('7'), Some(7));
        assert_eq!(digit_value('٤'), Some(4));
        assert_eq!(digit_value('۴'), Some(4));
        assert_eq!(digit_value('a'), None);
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
}

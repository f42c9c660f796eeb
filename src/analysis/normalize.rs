//! Character-level normalisation rules shared by the tokenizer and by code
//! that compares text the way search does (snippets, highlight boxes).
//!
//! Each rule is a pure function of one character, so it can be applied while
//! tokenising in a single pass and tested from a table.

/// What the tokenizer does with one input character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharClass {
    /// Part of an Arabic-script word; the char is the normalised letter.
    Arabic(char),
    /// Part of a digit run; the char is the ASCII digit.
    Digit(char),
    /// A letter of another script (Latin and the rest); fold with [`fold_other`].
    Other(char),
    /// Belongs to the word it is in but leaves no trace: Arabic diacritics,
    /// tatweel, combining accents, zero-width joiners, soft hyphen.
    Silent,
    /// Ends a word.
    Separator,
}

/// Arabic diacritics (harakat, tanween, shadda, sukun, and the rest of the
/// U+064B–U+065F block) and the superscript alef U+0670.
pub fn is_arabic_diacritic(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}')
        // Quranic annotation marks that also appear in printed text
        || matches!(c, '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E4}' | '\u{06E7}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}')
}

/// Presentation forms that NFKC maps back to base letters.
pub fn is_arabic_presentation_form(c: char) -> bool {
    matches!(c, '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Arabic-Indic (U+0660–U+0669) and extended/Persian (U+06F0–U+06F9) digits,
/// and ASCII digits, to ASCII.
pub fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{0660}'..='\u{0669}' => char::from_u32('0' as u32 + (c as u32 - 0x0660)),
        '\u{06F0}'..='\u{06F9}' => char::from_u32('0' as u32 + (c as u32 - 0x06F0)),
        _ => None,
    }
}

/// The letter folds applied to every Arabic-script letter:
/// أ إ آ ٱ → ا, ى → ي, ة → ه, Persian ی → ي, Persian ک → ك.
pub fn fold_arabic_letter(c: char) -> char {
    match c {
        '\u{0623}' | '\u{0625}' | '\u{0622}' | '\u{0671}' | '\u{0672}' | '\u{0673}' => '\u{0627}',
        '\u{0649}' | '\u{06CC}' | '\u{06D2}' => '\u{064A}',
        '\u{0629}' | '\u{06C0}' | '\u{06C3}' | '\u{06BE}' => '\u{0647}',
        '\u{06A9}' => '\u{0643}',
        _ => c,
    }
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c,
        '\u{0621}'..='\u{063F}'
        | '\u{0641}'..='\u{064A}'
        | '\u{066E}'..='\u{066F}'
        | '\u{0671}'..='\u{06D3}'
        | '\u{06D5}'
        | '\u{06EE}'..='\u{06EF}'
        | '\u{06FA}'..='\u{06FC}'
        | '\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08C9}')
}

/// Classify one character, after presentation forms were decomposed.
pub fn classify(c: char) -> CharClass {
    if c.is_ascii() {
        return if c.is_ascii_alphabetic() {
            CharClass::Other(c.to_ascii_lowercase())
        } else if c.is_ascii_digit() {
            CharClass::Digit(c)
        } else {
            CharClass::Separator
        };
    }
    if let Some(d) = ascii_digit(c) {
        return CharClass::Digit(d);
    }
    if is_arabic_diacritic(c)
        || matches!(
            c,
            '\u{0640}' // tatweel
            | '\u{200C}' | '\u{200D}' // zero-width non-joiner / joiner
            | '\u{200E}' | '\u{200F}' | '\u{061C}' // direction marks
            | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' // embeddings, isolates
            | '\u{00AD}' // soft hyphen
            | '\u{0300}'..='\u{036F}' // combining accents
        )
    {
        return CharClass::Silent;
    }
    if is_arabic_letter(c) {
        return CharClass::Arabic(fold_arabic_letter(c));
    }
    if c.is_alphabetic() {
        return CharClass::Other(c);
    }
    CharClass::Separator
}

/// Lower-case and strip accents from a non-Arabic letter, appending to `out`:
/// `É` → `e`, `ß` → `ss`, `Æ` → `ae`.
pub fn fold_other(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    match c {
        'ß' | 'ẞ' => out.push_str("ss"),
        'æ' | 'Æ' => out.push_str("ae"),
        'œ' | 'Œ' => out.push_str("oe"),
        'ø' | 'Ø' => out.push('o'),
        'ł' | 'Ł' => out.push('l'),
        'đ' | 'Đ' => out.push('d'),
        'þ' | 'Þ' => out.push_str("th"),
        'ı' => out.push('i'),
        _ => {
            let mut any = false;
            unicode_normalization::char::decompose_canonical(c, |d| {
                if !matches!(d, '\u{0300}'..='\u{036F}') {
                    out.extend(d.to_lowercase());
                    any = true;
                }
            });
            if !any {
                out.extend(c.to_lowercase());
            }
        }
    }
}

/// Feed one input character to `f`, decomposing Arabic presentation forms and
/// ligatures into base letters first (NFKC's effect on those blocks).
#[inline]
pub fn expand(c: char, mut f: impl FnMut(char)) {
    // Latin ligatures too (ﬁ ﬂ ﬃ): PDF text layers keep the font's glyphs.
    if is_arabic_presentation_form(c) || ('\u{FB00}'..='\u{FB06}').contains(&c) {
        unicode_normalization::char::decompose_compatible(c, |d| {
            // ﷲ and other ligatures decompose with spaces between words
            f(d)
        });
    } else {
        f(c)
    }
}

/// Normalise a whole string the way the tokenizer normalises each word,
/// keeping separators as single spaces. Used for tests and display logic.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        expand(c, |d| match classify(d) {
            CharClass::Arabic(a) => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(a)
            }
            CharClass::Digit(a) => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(a)
            }
            CharClass::Other(o) => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                fold_other(o, &mut out)
            }
            CharClass::Silent => {}
            CharClass::Separator => pending_space = true,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row per rule: input, normalised output.
    const RULES: &[(&str, &str, &str)] = &[
        // diacritics U+064B–U+065F
        ("fatha/damma/kasra", "كَتَبَ", "كتب"),
        ("tanween", "شكرًا", "شكرا"),
        ("shadda+sukun", "مُحَمَّدْ", "محمد"),
        ("hamza above/below marks", "\u{0627}\u{0654}\u{0655}", "ا"),
        ("superscript alef", "هٰذا", "هذا"),
        (
            "latin ligatures from PDF text layers",
            "oﬃce ﬁre",
            "office fire",
        ),
        ("tatweel", "بـــلـدية", "بلديه"),
        ("direction marks", "\u{200F}رقم\u{200E}", "رقم"),
        // letter folds
        ("alef with hamza above", "أحمد", "احمد"),
        ("alef with hamza below", "إدارة", "اداره"),
        ("alef madda", "آمنة", "امنه"),
        ("alef wasla", "ٱلبلدية", "البلديه"),
        ("alef maqsura", "مستشفى", "مستشفي"),
        ("teh marbuta", "رخصة", "رخصه"),
        ("persian yeh", "علی", "علي"),
        ("persian keheh", "کتاب", "كتاب"),
        // presentation forms and ligatures (NFKC)
        (
            "isolated/final forms",
            "\u{FEB3}\u{FEE0}\u{FEE4}\u{FEEA}",
            "سلمه",
        ),
        ("lam-alef ligature", "\u{FEFB}", "لا"),
        ("lam-alef with hamza ligature", "\u{FEF7}", "لا"),
        ("allah ligature", "\u{FDF2}", "الله"),
        // digits
        ("arabic-indic digits", "٢٧٥٠٧٩٧٦", "27507976"),
        ("persian digits", "۱۴۴۵", "1445"),
        ("mixed digits with separators", "١٤٤٥/٠٣/١٢", "1445 03 12"),
        ("mixed arabic-indic and western", "٢٧٥٠7976", "27507976"),
        // latin
        ("lowercase", "HEALTH Certificate", "health certificate"),
        ("accents", "Café Ångström", "cafe angstrom"),
        ("sharp s", "Straße", "strasse"),
        // arabic punctuation separates
        ("arabic comma and question", "نعم،لا؟", "نعم لا"),
    ];

    #[test]
    fn every_normalisation_rule() {
        for (name, input, expected) in RULES {
            assert_eq!(normalize(input), *expected, "rule {name}: {input:?}");
        }
    }

    #[test]
    fn digits_table() {
        for (i, c) in "٠١٢٣٤٥٦٧٨٩".chars().enumerate() {
            assert_eq!(ascii_digit(c), char::from_digit(i as u32, 10));
        }
        for (i, c) in "۰۱۲۳۴۵۶۷۸۹".chars().enumerate() {
            assert_eq!(ascii_digit(c), char::from_digit(i as u32, 10));
        }
        assert_eq!(ascii_digit('x'), None);
    }

    #[test]
    fn every_diacritic_in_the_block_is_silent() {
        for u in 0x064Bu32..=0x065F {
            let c = char::from_u32(u).unwrap();
            assert_eq!(classify(c), CharClass::Silent, "U+{u:04X}");
        }
        assert_eq!(classify('\u{0670}'), CharClass::Silent);
        assert_eq!(classify('\u{0640}'), CharClass::Silent);
    }
}

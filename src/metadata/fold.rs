//! Text folded the way staff type it (no diacritics or tatweel, one alef,
//! ه for ة, ي for ى, ASCII digits, lower case), with a map back to the text
//! as printed so that what was found can be quoted exactly.

use crate::analysis::normalize::{self, CharClass};

pub struct Folded<'a> {
    pub original: &'a str,
    /// The folded text. Line breaks are kept; other spaces become ' '.
    pub text: String,
    /// For each byte of `text`, the byte range of the printed character it
    /// came from.
    map: Vec<(usize, usize)>,
}

impl<'a> Folded<'a> {
    pub fn new(original: &'a str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len());
        for (i, c) in original.char_indices() {
            let range = (i, i + c.len_utf8());
            let mut push = |ch: char, text: &mut String| {
                let before = text.len();
                text.push(ch);
                map.extend(std::iter::repeat_n(range, text.len() - before));
            };
            match c {
                '\n' => push('\n', &mut text),
                // Apostrophes and ayn marks in transliterations: Rabi' al-Awwal.
                '\'' | '\u{2019}' | '\u{2018}' | '\u{02BF}' | '\u{02BC}' | '`' => {}
                '\u{2010}'..='\u{2015}' | '\u{2212}' => push('-', &mut text),
                c if c.is_whitespace() => push(' ', &mut text),
                c => normalize::expand(c, |d| match normalize::classify(d) {
                    CharClass::Arabic(a) => push(a, &mut text),
                    CharClass::Digit(a) => push(a, &mut text),
                    CharClass::Other(o) => {
                        let mut s = String::new();
                        normalize::fold_other(o, &mut s);
                        for ch in s.chars() {
                            push(ch, &mut text);
                        }
                    }
                    CharClass::Silent => {}
                    CharClass::Separator => push(d, &mut text),
                }),
            }
        }
        Folded {
            original,
            text,
            map,
        }
    }

    /// The printed text behind a byte range of the folded text.
    pub fn printed(&self, range: std::ops::Range<usize>) -> &'a str {
        if range.is_empty() || range.end > self.map.len() {
            return "";
        }
        let start = self.map[range.start].0;
        let mut end = self.map[range.end - 1].1;
        // Marks that fold to nothing after the last letter: the tatweel of هـ.
        for c in self.original[end..].chars() {
            if c == '\u{0640}' || normalize::is_arabic_diacritic(c) {
                end += c.len_utf8();
            } else {
                break;
            }
        }
        &self.original[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_maps_back() {
        for (printed, folded) in [
            ("تاريخ الإصدار: ١٤٤٥/٠٣/١٢ هـ", "تاريخ الاصدار: 1445/03/12 ه"),
            ("شهادةٌ صحيّة", "شهاده صحيه"),
            ("Rabi' al-Awwal", "rabi al-awwal"),
            ("جمادى الأولى", "جمادي الاولي"),
            ("2024\u{2013}09\u{2013}15", "2024-09-15"),
        ] {
            let f = Folded::new(printed);
            assert_eq!(f.text, folded, "{printed}");
            assert_eq!(f.printed(0..f.text.len()), printed);
        }
        let f = Folded::new("التاريخ: ١٤٤٥/٠٣/١٢ هـ");
        let at = f.text.find("1445").unwrap();
        assert_eq!(f.printed(at..at + 10), "١٤٤٥/٠٣/١٢");
    }
}

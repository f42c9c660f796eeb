//! The letter skeleton (rasm) of Arabic words, for OCR-tolerant matching.
//!
//! Most Arabic OCR errors are dot errors: ب ت ث ن ي share one shape and
//! differ only in their dots, as do ج ح خ, س ش, ص ض, ط ظ, ع غ, ف ق, د ذ,
//! ر ز. Mapping each letter to its dotless skeleton makes "اليحيى" and its
//! misreading "البحجى" one edit apart instead of three. The skeleton field is
//! only searched in the fuzzy pass, below exact and stemmed matches.

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// The skeleton class of one normalised letter.
pub fn skeleton_char(c: char) -> char {
    match c {
        'ب' | 'ت' | 'ث' | 'ن' | 'ي' | 'ى' | 'ئ' => 'ٮ',
        'ج' | 'ح' | 'خ' => 'ح',
        'د' | 'ذ' => 'د',
        'ر' | 'ز' => 'ر',
        'س' | 'ش' => 'س',
        'ص' | 'ض' => 'ص',
        'ط' | 'ظ' => 'ط',
        'ع' | 'غ' => 'ع',
        'ف' | 'ق' => 'ڡ',
        'ؤ' => 'و',
        'ة' => 'ه',
        c => c,
    }
}

/// The skeleton of a normalised token (unchanged if it is not Arabic).
pub fn skeleton(token: &str) -> String {
    token.chars().map(skeleton_char).collect()
}

/// A tantivy token filter replacing each token by its skeleton.
#[derive(Clone, Copy, Default)]
pub struct RasmFilter;

impl TokenFilter for RasmFilter {
    type Tokenizer<T: Tokenizer> = RasmWrapper<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> RasmWrapper<T> {
        RasmWrapper(tokenizer)
    }
}

#[derive(Clone)]
pub struct RasmWrapper<T>(T);

impl<T: Tokenizer> Tokenizer for RasmWrapper<T> {
    type TokenStream<'a> = RasmStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RasmStream(self.0.token_stream(text))
    }
}

pub struct RasmStream<T>(T);

impl<T: TokenStream> TokenStream for RasmStream<T> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let t = self.0.token_mut();
        if t.text.chars().any(|c| skeleton_char(c) != c) {
            t.text = skeleton(&t.text);
        }
        true
    }
    fn token(&self) -> &Token {
        self.0.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::matcher::edit_distance;

    /// A printed word, its OCR misreading, and their distance before and
    /// after reducing both to skeletons.
    const MISREADINGS: &[(&str, &str, u8, u8)] = &[
        ("اليحيي", "البحجي", 2, 1),
        ("الحمدان", "الجدان", 2, 1),
        ("شهاده", "شباده", 1, 1),
        ("المخالفه", "الخالفه", 1, 1),
        ("الخزامي", "الحرامي", 2, 0),
        ("قطيف", "فطيق", 2, 0),
    ];

    #[test]
    fn dot_errors_vanish_in_the_skeleton() {
        for (printed, read, before, after) in MISREADINGS {
            assert_eq!(edit_distance(printed, read, 3), *before, "{printed}/{read}");
            assert_eq!(
                edit_distance(&skeleton(printed), &skeleton(read), 3),
                *after,
                "{printed}/{read}"
            );
        }
        assert_eq!(skeleton("licence"), "licence");
        assert_eq!(skeleton("2024"), "2024");
    }
}

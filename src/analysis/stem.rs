//! Stemming for the `text_stem` field: each token by its own script's rules.
//!
//! * Arabic: a light stemmer in the manner of Larkey's "light10" (the one
//!   Lucene's ArabicStemmer implements): strip one article/conjunction prefix
//!   (وال بال كال فال لل ال و) and then the common suffixes, keeping at least
//!   two letters. Snowball's Arabic stemmer is the alternative, chosen by
//!   [`ArabicStemmer::Snowball`]; `make eval` compares the two.
//! * Latin: Snowball English.
//! * Digits: unchanged.
//!
//! Tokens arrive normalised (ة→ه, ى→ي, hamza forms→ا), so the affix tables
//! are written in normalised spelling.

use std::borrow::Cow;

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Which Arabic stemmer the stemmed field uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArabicStemmer {
    /// Light prefix/suffix stripping.
    #[default]
    Light,
    /// The Snowball Arabic algorithm (root-oriented, more aggressive).
    Snowball,
}

/// Longest first: the first that applies is stripped.
const PREFIXES: &[&str] = &["وال", "بال", "كال", "فال", "لل", "ال", "و"];
/// Tried in this order; each that applies is stripped.
const SUFFIXES: &[&str] = &["ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"];

/// Light-stem one normalised Arabic word.
pub fn light_stem_arabic(word: &str) -> Cow<'_, str> {
    let mut w: &str = word;
    let len = |s: &str| s.chars().count();
    for p in PREFIXES {
        if let Some(rest) = w.strip_prefix(p) {
            let p_len = len(p);
            // A lone و must leave three letters (e.g. وزير is a word, not و+زير).
            let keep = if p_len == 1 { 3 } else { 2 };
            if len(rest) >= keep {
                w = rest;
                break;
            }
        }
    }
    for s in SUFFIXES {
        if let Some(rest) = w.strip_suffix(s) {
            if len(rest) >= 2 {
                w = rest;
            }
        }
    }
    if w.len() == word.len() {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(w.to_string())
    }
}

fn is_arabic_token(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| ('\u{0600}'..='\u{08FF}').contains(&c))
}

/// Stems tokens by script.
#[derive(Clone, Copy)]
pub struct Stemmers {
    arabic: ArabicStemmer,
    arabic_snowball: frostem::Stemmer,
    english: frostem::Stemmer,
}

impl Stemmers {
    pub fn new(arabic: ArabicStemmer) -> Self {
        Stemmers {
            arabic,
            arabic_snowball: frostem::Stemmer::new(frostem::Algorithm::Arabic),
            english: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }

    /// The stem of one normalised token.
    pub fn stem<'a>(&self, token: &'a str) -> Cow<'a, str> {
        let Some(first) = token.chars().next() else {
            return Cow::Borrowed(token);
        };
        if first.is_ascii_digit() {
            Cow::Borrowed(token)
        } else if is_arabic_token(token) {
            match self.arabic {
                ArabicStemmer::Light => light_stem_arabic(token),
                ArabicStemmer::Snowball => match self.arabic_snowball.stem(token) {
                    // Snowball may strip a short word to nothing useful.
                    s if s.chars().count() < 2 => Cow::Borrowed(token),
                    s => s,
                },
            }
        } else {
            self.english.stem(token)
        }
    }
}

/// A tantivy token filter applying [`Stemmers`].
#[derive(Clone, Copy)]
pub struct StemFilter(pub Stemmers);

impl TokenFilter for StemFilter {
    type Tokenizer<T: Tokenizer> = StemFilterWrapper<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> StemFilterWrapper<T> {
        StemFilterWrapper {
            inner: tokenizer,
            stemmers: self.0,
        }
    }
}

#[derive(Clone)]
pub struct StemFilterWrapper<T> {
    inner: T,
    stemmers: Stemmers,
}

impl<T: Tokenizer> Tokenizer for StemFilterWrapper<T> {
    type TokenStream<'a> = StemTokenStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemTokenStream {
            tail: self.inner.token_stream(text),
            stemmers: self.stemmers,
            buf: String::new(),
        }
    }
}

pub struct StemTokenStream<T> {
    tail: T,
    stemmers: Stemmers,
    buf: String,
}

impl<T: TokenStream> TokenStream for StemTokenStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Cow::Owned(s) = self.stemmers.stem(&token.text) {
            self.buf = s;
            std::mem::swap(&mut token.text, &mut self.buf);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Normalised input → light stem.
    const LIGHT: &[(&str, &str)] = &[
        ("البلديه", "بلد"),
        ("بلديه", "بلد"),
        ("والبلديه", "بلد"),
        ("بالبلديه", "بلد"),
        ("للبلديه", "بلد"),
        ("الرخصه", "رخص"),
        ("رخصه", "رخص"),
        ("رخص", "رخص"),
        ("الشهادات", "شهاد"),
        ("شهاده", "شهاد"),
        ("مخالفات", "مخالف"),
        ("المخالفه", "مخالف"),
        ("المهندسون", "مهندس"),
        ("المهندسين", "مهندس"),
        ("وزير", "زير"), // a lone و goes when three letters remain (as in light10)
        ("وبلديه", "بلد"),
        ("ولد", "ولد"),
        ("ال", "ال"),
        ("في", "في"),
        ("سيارتها", "سيارت"),
    ];

    #[test]
    fn light_stemmer_table() {
        for (input, want) in LIGHT {
            assert_eq!(light_stem_arabic(input), *want, "{input}");
        }
    }

    #[test]
    fn stems_by_script() {
        let s = Stemmers::new(ArabicStemmer::Light);
        let cases: &[(&str, &str)] = &[
            ("certificates", "certif"),
            ("inspections", "inspect"),
            ("licence", "licenc"),
            ("1445", "1445"),
            ("الشهادات", "شهاد"),
        ];
        for (input, want) in cases {
            assert_eq!(s.stem(input), *want, "{input}");
        }
        let snow = Stemmers::new(ArabicStemmer::Snowball);
        assert_eq!(snow.stem("certificates"), "certif");
        assert_ne!(snow.stem("الشهادات"), "الشهادات");
    }
}

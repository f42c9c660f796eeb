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

/// Broken (internal) plurals of common municipal nouns, which affix rules
/// cannot reach, mapped to their singular (normalised spelling). Applied
/// after the prefix is stripped, before the suffixes.
const BROKEN_PLURALS: &[(&str, &str)] = &[
    ("مخابز", "مخبز"),
    ("مطاعم", "مطعم"),
    ("شوارع", "شارع"),
    ("مباني", "مبني"),
    ("اسواق", "سوق"),
    ("عقود", "عقد"),
    ("مشاريع", "مشروع"),
    ("مساجد", "مسجد"),
    ("حدائق", "حديقه"),
    ("مدارس", "مدرسه"),
    ("مكاتب", "مكتب"),
    ("افران", "فرن"),
    ("اكشاك", "كشك"),
    ("مخازن", "مخزن"),
    ("مطابخ", "مطبخ"),
    ("كراسي", "كرسي"),
    ("براميل", "برميل"),
    ("اجهزه", "جهاز"),
    ("ادوات", "اداه"),
    ("احياء", "حي"),
    ("اراضي", "ارض"),
    ("املاك", "ملك"),
    ("مواقع", "موقع"),
    ("منازل", "منزل"),
    ("بيوت", "بيت"),
    ("مصانع", "مصنع"),
    ("ورش", "ورشه"),
    ("اطعمه", "طعام"),
    ("اغذيه", "غذاء"),
    ("مواد", "ماده"),
    ("عمال", "عامل"),
    ("ملاك", "مالك"),
    ("اصحاب", "صاحب"),
    ("طرق", "طريق"),
    ("جسور", "جسر"),
    ("ارصفه", "رصيف"),
    ("مصابيح", "مصباح"),
    ("اعمده", "عمود"),
    ("لوائح", "لائحه"),
    ("انظمه", "نظام"),
    ("شروط", "شرط"),
    ("تصاريح", "تصريح"),
    ("رسوم", "رسم"),
    ("وثائق", "وثيقه"),
    ("اوراق", "ورقه"),
    ("قطع", "قطعه"),
    ("اسر", "اسره"),
    ("ابناء", "ابن"),
    ("محاضر", "محضر"),
    ("مراكز", "مركز"),
    ("مستودعات", "مستودع"),
    ("خزانات", "خزان"),
];

fn len(s: &str) -> usize {
    s.chars().count()
}

/// Light-stem one normalised Arabic word.
pub fn light_stem_arabic(word: &str) -> Cow<'_, str> {
    let mut w: &str = word;
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
    let w = strip_suffixes(w);
    if w == word {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(w.to_string())
    }
}

/// The suffix half of the light stemmer (with the broken-plural table).
fn strip_suffixes(word: &str) -> &str {
    let mut w = word;
    if let Some((_, singular)) = BROKEN_PLURALS.iter().find(|(p, _)| *p == w) {
        w = singular;
    }
    for s in SUFFIXES {
        if let Some(rest) = w.strip_suffix(s) {
            if len(rest) >= 2 {
                w = rest;
            }
        }
    }
    w
}

/// Other stems a query word may have been indexed under. A word that only
/// looks prefixed (واحه, الفه: و and ال are its own letters) is stemmed by
/// the indexer from its printed form (الواحه → واح, الالفه → الف), so the
/// query also tries the stem without prefix stripping.
///
/// Likewise a word that only looks suffixed (سخان: the ان is its own) is
/// indexed unstripped inside its plural (سخانات → سخان), so the query also
/// tries the word with its prefix stripped but no suffix.
pub fn alternative_stems(word: &str) -> Vec<String> {
    let full = light_stem_arabic(word);
    let mut out: Vec<String> = Vec::new();
    for alt in [strip_suffixes(word), strip_prefix(word)] {
        if alt != full && !out.iter().any(|o| o == alt) {
            out.push(alt.to_string());
        }
    }
    out
}

/// The prefix half of the light stemmer.
fn strip_prefix(word: &str) -> &str {
    for p in PREFIXES {
        if let Some(rest) = word.strip_prefix(p) {
            let keep = if len(p) == 1 { 3 } else { 2 };
            if len(rest) >= keep {
                return rest;
            }
        }
    }
    word
}

/// Spellings of a word with the article added or removed, which staff drop
/// or add at will: عمري ↔ العمري, بالمحضر → المحضر, محضر.
pub fn article_variants(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in ["وال", "بال", "كال", "فال"] {
        if let Some(rest) = word.strip_prefix(p) {
            if len(rest) >= 3 {
                out.push(format!("ال{rest}"));
                out.push(rest.to_string());
                return out;
            }
        }
    }
    if let Some(rest) = word.strip_prefix("لل") {
        if len(rest) >= 3 {
            out.push(format!("ال{rest}"));
            return out;
        }
    }
    if let Some(rest) = word.strip_prefix("ال") {
        if len(rest) >= 3 {
            out.push(rest.to_string());
        }
    } else if len(word) >= 3 {
        out.push(format!("ال{word}"));
    }
    out
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

    /// Stems a query token may match in the index: its own, and for Arabic
    /// with the light stemmer the alternatives of [`alternative_stems`].
    pub fn query_stems(&self, token: &str) -> Vec<String> {
        let mut v = vec![self.stem(token).into_owned()];
        if self.arabic == ArabicStemmer::Light && is_arabic_token(token) {
            for a in alternative_stems(token) {
                if !v.contains(&a) {
                    v.push(a);
                }
            }
        }
        v
    }

    /// Article variants of a query token (Arabic only).
    pub fn variants(&self, token: &str) -> Vec<String> {
        if is_arabic_token(token) {
            article_variants(token)
        } else {
            vec![]
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
        // broken plurals meet their singulars
        ("المخابز", "مخبز"),
        ("مخبز", "مخبز"),
        ("الافران", "فرن"),
        ("فرن", "فرن"),
        ("الحدائق", "حديق"),
        ("حديقه", "حديق"),
    ];

    #[test]
    fn light_stemmer_table() {
        for (input, want) in LIGHT {
            assert_eq!(light_stem_arabic(input), *want, "{input}");
        }
    }

    #[test]
    fn query_side_variants() {
        assert_eq!(alternative_stems("واحه"), vec!["واح", "احه"]);
        assert_eq!(alternative_stems("سخان"), vec!["سخان"]);
        assert_eq!(light_stem_arabic("سخانات"), "سخان");
        assert_eq!(light_stem_arabic("الواحه"), "واح");
        assert_eq!(alternative_stems("الفه"), vec!["الف"]);
        assert_eq!(alternative_stems("رخصه"), vec!["رخصه"]);
        let cases: &[(&str, &[&str])] = &[
            ("عمري", &["العمري"]),
            ("العمري", &["عمري"]),
            ("بالمحضر", &["المحضر", "محضر"]),
            ("للبلديه", &["البلديه"]),
            ("في", &[]),
        ];
        for (w, want) in cases {
            assert_eq!(article_variants(w), *want, "{w}");
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

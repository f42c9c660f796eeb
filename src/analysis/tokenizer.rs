//! A tantivy tokenizer that splits mixed Arabic/English text into words by
//! script and normalises each word for its script in the same pass.
//!
//! * Arabic words keep their diacritics and tatweel *inside* the word (the
//!   default tokenizer splits there) and drop them from the token; letters are
//!   folded (hamza forms, ى, ة, Persian letters), presentation forms expanded.
//! * Digit runs become ASCII, whatever digits were printed.
//! * Other letters are lower-cased and stripped of accents.
//! * A change of script or between letters and digits starts a new token:
//!   `رقم2024` → `رقم`, `2024`.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::normalize::{classify, expand, fold_other, CharClass};

/// Tokens longer than this (in bytes) are dropped: they are OCR noise or
/// binary garbage, never something a person types.
pub const MAX_TOKEN_BYTES: usize = 120;

#[derive(Clone, Default)]
pub struct ScriptTokenizer {
    token: Token,
}

impl Tokenizer for ScriptTokenizer {
    type TokenStream<'a> = ScriptTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ScriptTokenStream<'a> {
        self.token.reset();
        ScriptTokenStream {
            chars: Expanded::new(text),
            lookahead: None,
            token: &mut self.token,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Arabic,
    Digit,
    Other,
}

/// Characters of the input with their byte span in the original text, with
/// presentation forms expanded into base letters (all sharing the span of the
/// form they came from).
struct Expanded<'a> {
    text: &'a str,
    pos: usize,
    buf: [char; 20],
    buf_len: usize,
    buf_i: usize,
    span: (usize, usize),
}

impl<'a> Expanded<'a> {
    fn new(text: &'a str) -> Self {
        Expanded {
            text,
            pos: 0,
            buf: ['\0'; 20],
            buf_len: 0,
            buf_i: 0,
            span: (0, 0),
        }
    }
}

impl Iterator for Expanded<'_> {
    type Item = (char, usize, usize);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.buf_i < self.buf_len {
            let c = self.buf[self.buf_i];
            self.buf_i += 1;
            return Some((c, self.span.0, self.span.1));
        }
        let c = self.text[self.pos..].chars().next()?;
        let start = self.pos;
        self.pos += c.len_utf8();
        if super::normalize::is_arabic_presentation_form(c) {
            let mut n = 0;
            let buf = &mut self.buf;
            expand(c, |d| {
                if n < buf.len() {
                    buf[n] = d;
                    n += 1;
                }
            });
            self.buf_len = n;
            self.buf_i = 0;
            self.span = (start, self.pos);
            return self.next();
        }
        Some((c, start, self.pos))
    }
}

pub struct ScriptTokenStream<'a> {
    chars: Expanded<'a>,
    lookahead: Option<(char, usize, usize)>,
    token: &'a mut Token,
}

impl ScriptTokenStream<'_> {
    fn emit(&mut self, kind: Kind) -> bool {
        if self.token.text.len() > MAX_TOKEN_BYTES {
            self.token.text.clear();
            return false;
        }
        if kind == Kind::Digit {
            // 07 and 7, 0088 and 88 are the same number to a person typing.
            let zeros = self.token.text.bytes().take_while(|b| *b == b'0').count();
            let zeros = zeros.min(self.token.text.len() - 1);
            if zeros > 0 {
                self.token.text.drain(..zeros);
            }
        }
        self.token.position = self.token.position.wrapping_add(1);
        self.token.position_length = 1;
        true
    }
}

impl TokenStream for ScriptTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        let mut kind: Option<Kind> = None;
        loop {
            let next = self.lookahead.take().or_else(|| self.chars.next());
            let Some((c, start, end)) = next else {
                return kind.is_some_and(|k| self.emit(k));
            };
            let (k, ch) = match classify(c) {
                CharClass::Arabic(a) => (Kind::Arabic, a),
                CharClass::Digit(d) => (Kind::Digit, d),
                CharClass::Other(o) => (Kind::Other, o),
                CharClass::Silent => {
                    if kind.is_some() {
                        self.token.offset_to = end;
                    }
                    continue;
                }
                CharClass::Separator => {
                    if let Some(k) = kind {
                        if self.emit(k) {
                            return true;
                        }
                        kind = None;
                    }
                    continue;
                }
            };
            match kind {
                Some(current) if current != k => {
                    self.lookahead = Some((c, start, end));
                    if self.emit(current) {
                        return true;
                    }
                    kind = None;
                    continue;
                }
                Some(_) => {}
                None => {
                    kind = Some(k);
                    self.token.offset_from = start;
                }
            }
            self.token.offset_to = end;
            if k == Kind::Other {
                fold_other(ch, &mut self.token.text);
            } else {
                self.token.text.push(ch);
            }
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut t = ScriptTokenizer::default();
        let mut s = t.token_stream(text);
        let mut out = vec![];
        while s.advance() {
            out.push(s.token().text.clone());
        }
        out
    }

    /// Input text and the tokens it must produce.
    const CASES: &[(&str, &[&str])] = &[
        ("", &[]),
        ("   ،؛ ... ", &[]),
        ("بَلَدِيَّة الأحساء", &["بلديه", "الاحساء"]),
        ("مُحَمَّد", &["محمد"]),
        ("رخصة رقم ٢٧٥٠٧٩٧٦", &["رخصه", "رقم", "27507976"]),
        ("رقم2024", &["رقم", "2024"]),
        (
            "Health Certificate No. 1445/03/12",
            &["health", "certificate", "no", "1445", "3", "12"],
        ),
        ("شهادةHealth", &["شهاده", "health"]),
        ("COVID19", &["covid", "19"]),
        (
            "MC-1445-0088 and 000 and 0",
            &["mc", "1445", "88", "and", "0", "and", "0"],
        ),
        ("١٤٤٥/٠٧/١٢هـ", &["1445", "7", "12", "ه"]),
        ("إدارة\u{200C}المرور", &["ادارهالمرور"]),
        ("\u{FEB3}\u{FEE0}\u{FEE4}\u{FEEA} \u{FEFB}", &["سلمه", "لا"]),
        ("Café—naïve", &["cafe", "naive"]),
        (
            "scans/hofuf/رخصة 1234.png",
            &["scans", "hofuf", "رخصه", "1234", "png"],
        ),
    ];

    #[test]
    fn token_table() {
        for (input, expected) in CASES {
            assert_eq!(tokens(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "قرار  بَلَدِيَّة x";
        let mut t = ScriptTokenizer::default();
        let mut s = t.token_stream(text);
        let mut spans = vec![];
        while s.advance() {
            let tok = s.token();
            spans.push((&text[tok.offset_from..tok.offset_to], tok.position));
        }
        assert_eq!(spans, vec![("قرار", 0), ("بَلَدِيَّة", 1), ("x", 2)]);
    }

    #[test]
    fn overlong_tokens_are_dropped() {
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(tokens(&format!("one {long} two")), vec!["one", "two"]);
    }
}

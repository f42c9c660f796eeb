//! The query language staff type:
//!
//! * plain words — every word counts; documents with all of them come first;
//! * `"a phrase"` — these words in this order;
//! * `-word`, `-"a phrase"` — leave out documents containing it;
//! * `word*` — words starting with it;
//! * `branch:hofuf`, `type:licence`, `sha256:ab12…` — filters (also `فرع:`,
//!   `نوع:`).
//!
//! Parsing never fails on what a person might plausibly type: a missing
//! closing quote is added (and said so), a stray `-` or `*` is ignored. It
//! fails, with a message saying what to do, only when a filter is malformed.

use crate::types::{BranchSlug, DocType};

/// One positive or excluded part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A word as typed (it may analyse to several tokens, e.g. `1445/07/12`).
    Word(String),
    /// Words that must appear in this order.
    Phrase(String),
    /// A word prefix (`licen*`).
    Prefix(String),
}

impl Clause {
    pub fn text(&self) -> &str {
        match self {
            Clause::Word(s) | Clause::Phrase(s) | Clause::Prefix(s) => s,
        }
    }
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
    pub excluded: Vec<Clause>,
    pub branches: Vec<BranchSlug>,
    pub doc_types: Vec<DocType>,
    /// Lower-case hex prefix of a sha256.
    pub sha256_prefix: Option<String>,
    /// Things a person should know about how the query was read.
    pub notices: Vec<String>,
}

/// Why a query cannot be run as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QuerySyntaxError(pub String);

/// Split into raw items, honouring quotes.
fn lex(input: &str, notices: &mut Vec<String>) -> Vec<(bool, bool, String)> {
    // (negated, quoted, text)
    let mut items = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let mut negated = false;
        if chars[i] == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
            negated = true;
            i += 1;
        }
        if is_quote(chars[i]) {
            i += 1;
            let start = i;
            while i < chars.len() && !is_quote(chars[i]) {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            if i >= chars.len() {
                notices.push(
                    "a closing quote was missing; the phrase runs to the end of the query".into(),
                );
            } else {
                i += 1;
            }
            items.push((negated, true, text));
            continue;
        }
        let start = i;
        // a word, which may contain key:"quoted value"
        while i < chars.len() && !chars[i].is_whitespace() {
            if is_quote(chars[i]) && i > start && chars[i - 1] == ':' {
                i += 1;
                while i < chars.len() && !is_quote(chars[i]) {
                    i += 1;
                }
            }
            i += 1;
        }
        let text: String = chars[start..i.min(chars.len())].iter().collect();
        if text != "-" {
            items.push((negated, false, text));
        }
    }
    items
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '«' | '»')
}

fn filter_key(k: &str) -> Option<&'static str> {
    match k.to_lowercase().as_str() {
        "branch" | "فرع" | "الفرع" => Some("branch"),
        "type" | "doc_type" | "doctype" | "نوع" | "النوع" => Some("type"),
        "sha256" | "sha" => Some("sha256"),
        _ => None,
    }
}

pub fn parse(input: &str) -> Result<ParsedQuery, QuerySyntaxError> {
    let mut q = ParsedQuery::default();
    let items = lex(input, &mut q.notices);
    for (negated, quoted, text) in items {
        if quoted {
            if text.trim().is_empty() {
                continue;
            }
            let c = Clause::Phrase(text);
            if negated {
                q.excluded.push(c)
            } else {
                q.clauses.push(c)
            }
            continue;
        }
        if let Some((key, value)) = text.split_once(':') {
            if let Some(k) = filter_key(key) {
                let value = value.trim_matches(is_quote).trim();
                if value.is_empty() {
                    let example = match k {
                        "branch" => "branch:hofuf",
                        "type" => "type:licence",
                        _ => "sha256:3f2a9c",
                    };
                    return Err(QuerySyntaxError(format!(
                        "`{key}:` needs a value, for example {example}"
                    )));
                }
                if negated {
                    return Err(QuerySyntaxError(format!(
                        "filters cannot be negated: remove the '-' before {key}:"
                    )));
                }
                match k {
                    "branch" => q.branches.push(
                        value
                            .parse()
                            .map_err(|e: crate::types::BadSlug| QuerySyntaxError(e.to_string()))?,
                    ),
                    "type" => q.doc_types.push(
                        value
                            .parse()
                            .map_err(|e: crate::types::BadSlug| QuerySyntaxError(e.to_string()))?,
                    ),
                    _ => {
                        let hex = value.to_ascii_lowercase();
                        if hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return Err(QuerySyntaxError(format!(
                                "sha256:{value} is not a hex prefix of a sha256 (0-9, a-f)"
                            )));
                        }
                        q.sha256_prefix = Some(hex);
                    }
                }
                continue;
            }
        }
        let (word, prefix) = match text.strip_suffix('*') {
            Some(w) if !w.is_empty() && !w.ends_with('*') => (w.to_string(), true),
            Some(_) => continue, // a lone or doubled '*'
            None => (text, false),
        };
        let c = if prefix {
            Clause::Prefix(word)
        } else {
            Clause::Word(word)
        };
        if negated {
            q.excluded.push(c)
        } else {
            q.clauses.push(c)
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Clause {
        Clause::Word(s.into())
    }

    #[test]
    fn parses_the_query_language() {
        let q = parse(r#"رخصة "بلدية الهفوف" -ملغاة licen* branch:Hofuf type:licence sha256:AB12"#)
            .unwrap();
        assert_eq!(
            q.clauses,
            vec![
                w("رخصة"),
                Clause::Phrase("بلدية الهفوف".into()),
                Clause::Prefix("licen".into())
            ]
        );
        assert_eq!(q.excluded, vec![w("ملغاة")]);
        assert_eq!(q.branches[0].as_str(), "hofuf");
        assert_eq!(q.doc_types[0].as_str(), "licence");
        assert_eq!(q.sha256_prefix.as_deref(), Some("ab12"));
        assert!(q.notices.is_empty());
    }

    #[test]
    fn arabic_filter_names_and_quoted_values() {
        let q = parse(r#"فرع:omran نوع:"letter" مخالفة"#).unwrap();
        assert_eq!(q.branches[0].as_str(), "omran");
        assert_eq!(q.doc_types[0].as_str(), "letter");
        assert_eq!(q.clauses, vec![w("مخالفة")]);
    }

    #[test]
    fn forgiving_where_a_person_would_expect_it() {
        let q = parse(r#""unclosed phrase"#).unwrap();
        assert_eq!(q.clauses, vec![Clause::Phrase("unclosed phrase".into())]);
        assert_eq!(q.notices.len(), 1);
        let q = parse("- * ** 1445/07/12 رقم:1234").unwrap();
        assert_eq!(q.clauses, vec![w("1445/07/12"), w("رقم:1234")]);
        let q = parse("-\"a b\" x").unwrap();
        assert_eq!(q.excluded, vec![Clause::Phrase("a b".into())]);
    }

    #[test]
    fn malformed_filters_say_what_to_do() {
        for (q, says) in [
            ("branch:", "branch:hofuf"),
            ("type: x", "type:licence"),
            ("sha256:xyz", "hex"),
            ("branch:../etc", "invalid branch"),
            ("-branch:hofuf", "cannot be negated"),
        ] {
            let e = parse(q).unwrap_err();
            assert!(e.0.contains(says), "{q}: {e}");
        }
    }
}

//! A document's title: the first meaningful line of its text, else its file name.

/// Longest title kept, in characters.
const MAX_TITLE_CHARS: usize = 120;

/// Whether a line reads like a heading rather than OCR debris: enough
/// letters, and mostly letters.
fn meaningful(line: &str) -> bool {
    let mut letters = 0usize;
    let mut other = 0usize;
    for c in line.chars() {
        if c.is_alphabetic() {
            letters += 1;
        } else if !c.is_whitespace()
            && !c.is_ascii_digit()
            && crate::analysis::normalize::ascii_digit(c).is_none()
        {
            other += 1;
        }
    }
    letters >= 4 && letters >= 2 * other
}

/// The first meaningful line of the first page that has one, or the file name.
pub fn derive_title<'a>(pages: impl IntoIterator<Item = &'a str>, source_path: &str) -> String {
    for text in pages {
        for line in text.lines() {
            let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
            if meaningful(&line) {
                return truncate(&line);
            }
        }
    }
    let name = std::path::Path::new(source_path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| source_path.to_string());
    truncate(&name)
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_TITLE_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_TITLE_CHARS).collect();
    // Cut at the last word boundary when there is one.
    match cut.rfind(' ') {
        Some(i) if i > MAX_TITLE_CHARS / 2 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        let cases: &[(&[&str], &str, &str)] = &[
            (&["| ~ .\nرخصة   بناء\nرقم 5"], "x.png", "رخصة بناء"),
            (
                &["", "HEALTH CERTIFICATE\n..."],
                "x.png",
                "HEALTH CERTIFICATE",
            ),
            (
                &["12 / 3", "  "],
                "scans/hofuf/رخصة 1234.png",
                "رخصة 1234.png",
            ),
            (&[], "a/b/c.pdf", "c.pdf"),
        ];
        for (pages, path, want) in cases {
            assert_eq!(derive_title(pages.iter().copied(), path), *want);
        }
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let long = "word ".repeat(60);
        let t = derive_title([long.as_str()], "x");
        assert!(t.chars().count() <= MAX_TITLE_CHARS + 1);
        assert!(t.ends_with('…'));
    }
}

//! Words too common to search for on their own. They stay in the index (so
//! phrases keep their positions) and in queries they only add to the score;
//! a query made of nothing else gets a helpful message instead of every
//! document in the archive.

/// Normalised spelling (as the analyzer produces it).
const ARABIC: &[&str] = &[
    "في",
    "من",
    "علي",
    "الي",
    "عن",
    "مع",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "التي",
    "الذي",
    "الذين",
    "او",
    "ام",
    "ان",
    "انه",
    "انها",
    "كان",
    "كانت",
    "قد",
    "لا",
    "ما",
    "لم",
    "لن",
    "ثم",
    "حتي",
    "كل",
    "بعد",
    "قبل",
    "عند",
    "لدي",
    "هو",
    "هي",
    "هم",
    "نحن",
    "انا",
    "انت",
    "و",
    "ب",
    "ل",
    "ف",
    "ك",
    "يا",
    "اي",
    "بين",
    "غير",
    "بن",
    "بنت",
    "ابو",
    "اذا",
    "كما",
    "لكن",
    "بل",
    "منذ",
    "الا",
];

const ENGLISH: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "by", "for", "with", "from", "is",
    "are", "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "as", "not",
    "no", "but", "if", "then", "so", "do", "does", "did", "has", "have", "had",
];

/// Whether a normalised token is a stopword.
pub fn is_stopword(token: &str) -> bool {
    ARABIC.contains(&token) || ENGLISH.contains(&token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_in_normalised_spelling() {
        for w in ARABIC.iter().chain(ENGLISH) {
            assert_eq!(
                crate::analysis::normalize::normalize(w),
                *w,
                "{w} is not normalised"
            );
        }
        assert!(is_stopword("في"));
        assert!(is_stopword("علي")); // على as typed, after ى→ي
        assert!(!is_stopword("بلديه"));
    }
}

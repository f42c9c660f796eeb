//! Guessing a document's type from its words when the import did not say:
//! each type has phrases that give it away (رخصة بناء, محضر ضبط, الطرف
//! الأول, Dear Sir), worth more in the heading than in the body. The best
//! type wins when its evidence is enough; its confidence says how far it
//! stands above the others. With too little evidence the guess is `other`.

use super::fold::Folded;
use super::TypeGuess;

/// The types arshif guesses; `other` when none fits.
pub const KNOWN_TYPES: &[&str] = &[
    "licence",
    "health-certificate",
    "violation-report",
    "letter",
    "contract",
    "other",
];

/// Phrases (folded, without the article) and their weight, by type.
const SIGNALS: &[(&str, &[(&str, f32)])] = &[
    (
        "licence",
        &[
            ("رخصه", 2.0),
            ("ترخيص", 1.5),
            ("رقم رخصه", 3.0),
            ("رخصه بناء", 3.0),
            ("رخصه محل", 3.0),
            ("licence", 2.0),
            ("license", 2.0),
            ("permit", 1.5),
        ],
    ),
    (
        "health-certificate",
        &[
            ("شهاده صحيه", 4.0),
            ("لائق صحيا", 3.0),
            ("رقم شهاده", 2.0),
            ("شهاده", 1.0),
            ("health certificate", 4.0),
            ("medically fit", 2.0),
        ],
    ),
    (
        "violation-report",
        &[
            ("محضر ضبط", 4.0),
            ("محضر مخالفه", 4.0),
            ("مخالفه", 2.0),
            ("محضر", 1.5),
            ("غرامه", 1.5),
            ("violation report", 4.0),
            ("violation", 2.0),
            ("penalty", 1.5),
        ],
    ),
    (
        "letter",
        &[
            ("محترم", 3.0),
            ("سلام عليكم", 3.0),
            ("وبعد", 2.0),
            ("موضوع", 1.5),
            ("سعاده", 2.0),
            ("مع تحيه", 2.0),
            ("dear", 3.0),
            ("yours sincerely", 3.0),
            ("yours faithfully", 3.0),
            ("subject", 1.5),
            ("regards", 1.5),
        ],
    ),
    (
        "contract",
        &[
            ("عقد", 2.0),
            ("طرف اول", 3.0),
            ("طرف ثاني", 3.0),
            ("contract", 3.0),
            ("first party", 3.0),
            ("second party", 3.0),
            ("agreement", 2.0),
        ],
    ),
    (
        // Kinds arshif does not name (circulars, memos): evidence for
        // `other`, so a circular's "Subject:" does not make it a letter.
        "other",
        &[
            ("تعميم", 3.0),
            ("circular", 3.0),
            ("memorandum", 3.0),
            ("مذكره داخليه", 3.0),
        ],
    ),
];

/// Below this much evidence for the best type, the guess is `other`.
const ENOUGH: f32 = 3.0;
/// Lines of the first page that count as its heading.
const HEADING_LINES: usize = 5;
const HEADING_WEIGHT: f32 = 3.0;
/// A phrase counts at most this many times.
const MAX_REPEATS: usize = 3;

/// A word without the article and the conjunctions fused to it:
/// والمخالفة → مخالفه, بالرخصة → رخصه.
fn bare(word: &str) -> &str {
    for p in ["وال", "بال", "فال", "كال", "لل", "ال"] {
        if let Some(rest) = word.strip_prefix(p) {
            if rest.chars().count() >= 2 {
                return rest;
            }
        }
    }
    word
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(bare)
        .collect()
}

fn occurrences(words: &[&str], phrase: &[&str]) -> usize {
    if phrase.is_empty() || words.len() < phrase.len() {
        return 0;
    }
    words.windows(phrase.len()).filter(|w| w == &phrase).count()
}

/// Guess from folded pages (page number, text).
pub(super) fn guess_folded(pages: &[(u32, Folded)]) -> Option<TypeGuess> {
    if pages.iter().all(|(_, p)| p.text.trim().is_empty()) {
        return None;
    }
    let first = pages.iter().min_by_key(|(n, _)| *n).map(|(_, p)| p);
    let heading: Vec<&str> = first
        .map(|p| {
            p.text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(HEADING_LINES)
                .flat_map(words)
                .collect()
        })
        .unwrap_or_default();
    let body: Vec<Vec<&str>> = pages.iter().map(|(_, p)| words(&p.text)).collect();
    let mut scores: Vec<(&str, f32)> = SIGNALS
        .iter()
        .map(|(doc_type, signals)| {
            let score = signals
                .iter()
                .map(|(phrase, weight)| {
                    let phrase: Vec<&str> = phrase.split(' ').map(bare).collect();
                    let n: usize = body.iter().map(|w| occurrences(w, &phrase)).sum();
                    let h = occurrences(&heading, &phrase);
                    weight * (n.min(MAX_REPEATS) as f32 + (HEADING_WEIGHT - 1.0) * h.min(1) as f32)
                })
                .sum::<f32>();
            (*doc_type, score)
        })
        .collect();
    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (best, top) = scores[0];
    let total: f32 = scores.iter().map(|(_, s)| s).sum();
    let round = |x: f32| (x.clamp(0.0, 1.0) * 100.0).round() / 100.0;
    let (doc_type, confidence) = if top < ENOUGH {
        ("other", round(0.9 - 0.4 * top / ENOUGH))
    } else {
        (best, round(top / (total + 2.0)))
    };
    Some(TypeGuess {
        doc_type: doc_type.parse().expect("known types are valid slugs"),
        confidence,
    })
}

/// Guess a type from one text.
pub fn guess_type(text: &str) -> Option<TypeGuess> {
    guess_folded(&[(1, Folded::new(text))])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text, the type guessed, the least confidence expected.
    const CASES: &[(&str, &str, f32)] = &[
        ("أمانة محافظة الأحساء\nبلدية الهفوف\nرخصة بناء\nرقم الرخصة: ٤٤٥١٢٣٤\nيسمح للمالك بالبناء وفق المخططات المعتمدة", "licence", 0.6),
        ("بلدية المبرز\nشهادة صحية\nرقم الشهادة: 27507976\nتشهد البلدية بأن حامل هذه الشهادة لائق صحيا للعمل", "health-certificate", 0.6),
        ("بلدية العيون\nمحضر ضبط مخالفة\nرقم المحضر: 1445/552\nنوع المخالفة: عدم نظافة أدوات العمل وانتهاء صلاحية الشهادات الصحية", "violation-report", 0.6),
        ("سعادة مدير إدارة صحة البيئة المحترم\nالسلام عليكم ورحمة الله وبركاته، وبعد:\nالموضوع: جولة رقابية", "letter", 0.6),
        ("Al-Ahsa Municipality, Omran Branch\nRef: OMR/2024/0917\nSubject: Inspection\nDear Sir,\nwe enclose the list of restaurants that received violation notices.\nYours sincerely,", "letter", 0.5),
        ("عقد صيانة\nرقم العقد: MC-1445-0088\nالطرف الأول: بلدية العمران\nالطرف الثاني: مؤسسة النخيل", "contract", 0.6),
        ("MAINTENANCE CONTRACT\nFirst party: Omran Municipality\nSecond party: Al Nakheel", "contract", 0.6),
        ("Health Certificate\nThe holder is medically fit to work in food establishments.", "health-certificate", 0.6),
        ("أمانة محافظة الأحساء\nتعميم رقم 14/1445\nبشأن نظافة الأسواق الشعبية", "other", 0.6),
        ("Al-Ahsa Municipality\nCircular No. 12/1445\nSubject: Opening hours of branch municipalities during Ramadan\nAll branch municipalities will receive citizens.", "other", 0.5),
    ];

    #[test]
    fn types_from_their_words() {
        for (text, want, least) in CASES {
            let g = guess_type(text).unwrap();
            assert_eq!(g.doc_type.as_str(), *want, "{text}");
            assert!(
                g.confidence >= *least,
                "{text}: confidence {}",
                g.confidence
            );
            assert!(g.confidence <= 1.0);
        }
        assert_eq!(guess_type("  \n"), None);
    }
}

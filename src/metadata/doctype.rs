//! Guessing a document's type from its words when the import did not say:
//! each type has phrases that give it away (رخصة بناء, محضر ضبط, الطرف
//! الأول, Dear Sir), worth more in the heading than in the body. The best
//! type wins when its evidence is enough; its confidence says how far it
//! stands above the others. With too little evidence the guess is `other`.

use super::fold::Folded;
use super::TypeGuess;
use crate::types::DocType;

/// The types arshif guesses without being told of any; `other` when none
/// fits. The archive's own types (`arshif type add`) come in through
/// [`TypeKnowledge`].
pub const KNOWN_TYPES: &[&str] = &[
    "licence",
    "health-certificate",
    "violation-report",
    "letter",
    "contract",
    "circular",
    "memo",
    "decision",
    "permit",
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
        // A circular's "Subject:" does not make it a letter.
        "circular",
        &[
            ("تعميم", 3.0),
            ("تعميم رقم", 3.0),
            ("circular", 3.0),
            ("circular no", 3.0),
        ],
    ),
    (
        "memo",
        &[
            ("مذكره داخليه", 4.0),
            ("مذكره", 2.0),
            ("memorandum", 4.0),
            ("memo", 3.0),
        ],
    ),
    (
        "decision",
        &[
            ("قرار اداري", 4.0),
            ("قرار رقم", 4.0),
            ("قرار", 1.5),
            ("decision", 3.0),
            ("decision no", 3.0),
        ],
    ),
    (
        // A licence's "ترخيص" is not a permit, nor a permit's "تصريح" a
        // licence: each names its own.
        "permit",
        &[
            ("تصريح", 3.0),
            ("تصريح رقم", 3.0),
            ("permit", 3.0),
            ("permit no", 3.0),
        ],
    ),
];

/// The words that name each built-in kind on a document's heading
/// ("رخصة بناء", "Health Certificate"): the line a title is made of.
/// Letters are not named on themselves (their subject line is their title).
const NAMES: &[(&str, &[&str])] = &[
    ("licence", &["رخصه", "ترخيص", "licence", "license"]),
    (
        "health-certificate",
        &["شهاده صحيه", "شهاده", "health certificate"],
    ),
    (
        "violation-report",
        &["محضر", "مخالفه", "violation report", "violation"],
    ),
    ("contract", &["عقد", "contract", "agreement"]),
    ("circular", &["تعميم", "circular"]),
    ("memo", &["مذكره", "memorandum", "memo"]),
    ("decision", &["قرار", "decision"]),
    ("permit", &["تصريح", "permit"]),
];

/// How much an administrator's keyword counts: once is enough.
const KEYWORD_WEIGHT: f32 = 3.0;
/// How much a phrase learned from corrected documents counts: in the
/// heading, enough alone.
const LEARNED_WEIGHT: f32 = 1.5;
/// Corrected documents of a type whose headings must share a phrase before
/// it is learned.
const LEARN_MIN_DOCUMENTS: usize = 2;
/// Lines of a corrected document's first page a phrase is learned from.
const LEARN_LINES: usize = 8;
/// Words of a label ("رقم الرخصة:", "Date:") or too common to tell a kind.
const NOT_LEARNED: &[&str] = &[
    "رقم",
    "تاريخ",
    "اسم",
    "عنوان",
    "no",
    "ref",
    "date",
    "name",
    "to",
    "from",
    "of",
    "the",
    "and",
    "for",
    "in",
    "on",
    "at",
    "by",
    "with",
];

/// What the guesser knows besides its built-in phrases: the archive's
/// types with their names, the administrator's keywords, and phrases
/// learned from documents whose type a clerk corrected. Loaded from the
/// catalog once per import; the guess stays a pure function of the text and
/// this.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeKnowledge {
    /// By type: (folded, bare words of a phrase, weight). Weight 0: a name,
    /// for titles only.
    extra: std::collections::BTreeMap<String, Vec<(Vec<String>, f32)>>,
}

/// A phrase as the guesser compares it: folded, without articles.
fn phrase_words(text: &str) -> Vec<String> {
    let folded = Folded::new(text);
    words(&folded.text)
        .into_iter()
        .map(str::to_string)
        .collect()
}

impl TypeKnowledge {
    /// Only the built-in phrases.
    pub fn builtin() -> Self {
        Self::default()
    }

    fn add(&mut self, doc_type: &DocType, phrase: &str, weight: f32) {
        let w = phrase_words(phrase);
        if w.is_empty() {
            return;
        }
        let list = self.extra.entry(doc_type.as_str().to_string()).or_default();
        if !list.iter().any(|(p, x)| *p == w && *x == weight) {
            list.push((w, weight));
        }
    }

    /// A type the archive keeps, by its names (they name it in titles) and
    /// the administrator's keywords (each counts as a strong signal).
    pub fn add_type(&mut self, doc_type: &DocType, names: &[&str], keywords: &[String]) {
        for n in names {
            self.add(doc_type, n, 0.0);
        }
        for k in keywords {
            self.add(doc_type, k, KEYWORD_WEIGHT);
        }
    }

    /// Learn from documents whose type a clerk corrected (type, first
    /// page's text): a two-word phrase of the heading lines (letterheads
    /// and labels left out) that recurs in at least two documents
    /// corrected to one type, and in none corrected to another, becomes
    /// evidence for that type.
    pub fn learn<'a>(&mut self, corrected: impl IntoIterator<Item = (&'a DocType, &'a str)>) {
        use std::collections::{BTreeMap, BTreeSet};
        // phrase → type → documents
        let mut seen: BTreeMap<Vec<String>, BTreeMap<String, usize>> = BTreeMap::new();
        for (doc_type, text) in corrected {
            let mut phrases: BTreeSet<Vec<String>> = BTreeSet::new();
            for line in text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(LEARN_LINES)
                .filter(|l| !super::title::is_letterhead(l))
            {
                // A label's value, not the label.
                let line = line.rsplit([':', '：']).next().unwrap_or(line);
                let folded = Folded::new(line);
                let w = words(&folded.text);
                for pair in w.windows(2) {
                    let learnable = |x: &str| {
                        x.chars().count() >= 2
                            && x.chars().all(char::is_alphabetic)
                            && !NOT_LEARNED.contains(&x)
                            && !crate::analysis::stopwords::is_stopword(x)
                    };
                    if pair.iter().all(|x| learnable(x)) {
                        phrases.insert(pair.iter().map(|x| x.to_string()).collect());
                    }
                }
            }
            for p in phrases {
                *seen
                    .entry(p)
                    .or_default()
                    .entry(doc_type.as_str().to_string())
                    .or_default() += 1;
            }
        }
        for (phrase, by_type) in seen {
            if by_type.len() != 1 {
                continue;
            }
            let (doc_type, n) = by_type.into_iter().next().expect("one type");
            if n >= LEARN_MIN_DOCUMENTS {
                let list = self.extra.entry(doc_type).or_default();
                if !list.iter().any(|(p, _)| *p == phrase) {
                    list.push((phrase, LEARNED_WEIGHT));
                }
            }
        }
    }

    /// The phrases (folded words) that name a type on a heading: its
    /// built-in names, the archive's names and keywords for it, and what
    /// was learned.
    pub(super) fn names(&self, doc_type: &str) -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = NAMES
            .iter()
            .filter(|(t, _)| *t == doc_type)
            .flat_map(|(_, names)| names.iter())
            .map(|n| n.split(' ').map(|w| bare(w).to_string()).collect())
            .collect();
        if let Some(extra) = self.extra.get(doc_type) {
            v.extend(extra.iter().map(|(p, _)| p.clone()));
        }
        v
    }
}

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

pub(super) fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(bare)
        .collect()
}

pub(super) fn occurrences<S: AsRef<str>>(words: &[&str], phrase: &[S]) -> usize {
    if phrase.is_empty() || words.len() < phrase.len() {
        return 0;
    }
    words
        .windows(phrase.len())
        .filter(|w| w.iter().zip(phrase).all(|(a, b)| *a == b.as_ref()))
        .count()
}

/// Guess from folded pages (page number, text), with what the archive
/// knows of its types.
pub(super) fn guess_folded(
    pages: &[(u32, Folded)],
    knowledge: &TypeKnowledge,
) -> Option<TypeGuess> {
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
    let score_of = |phrase: &[String], weight: f32| {
        let n: usize = body.iter().map(|w| occurrences(w, phrase)).sum();
        let h = occurrences(&heading, phrase);
        weight * (n.min(MAX_REPEATS) as f32 + (HEADING_WEIGHT - 1.0) * h.min(1) as f32)
    };
    let mut scores: Vec<(&str, f32)> = SIGNALS
        .iter()
        .map(|(doc_type, signals)| {
            let score = signals
                .iter()
                .map(|(phrase, weight)| {
                    let phrase: Vec<String> =
                        phrase.split(' ').map(|w| bare(w).to_string()).collect();
                    score_of(&phrase, *weight)
                })
                .sum::<f32>();
            (*doc_type, score)
        })
        .collect();
    for (doc_type, phrases) in &knowledge.extra {
        let extra: f32 = phrases
            .iter()
            .filter(|(_, w)| *w > 0.0)
            .map(|(p, w)| score_of(p, *w))
            .sum();
        match scores.iter_mut().find(|(t, _)| t == doc_type) {
            Some((_, s)) => *s += extra,
            None => scores.push((doc_type.as_str(), extra)),
        }
    }
    // Ties go to the built-in order, then the slug: the same text always
    // gets the same guess.
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

/// Guess a type from one text, from the built-in phrases alone.
pub fn guess_type(text: &str) -> Option<TypeGuess> {
    guess_type_with(text, &TypeKnowledge::builtin())
}

/// Guess a type from one text, with what the archive knows of its types.
pub fn guess_type_with(text: &str, knowledge: &TypeKnowledge) -> Option<TypeGuess> {
    guess_folded(&[(1, Folded::new(text))], knowledge)
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
        ("أمانة محافظة الأحساء\nتعميم رقم 14/1445\nبشأن نظافة الأسواق الشعبية", "circular", 0.6),
        ("Al-Ahsa Municipality\nCircular No. 12/1445\nSubject: Opening hours of branch municipalities during Ramadan\nAll branch municipalities will receive citizens.", "circular", 0.5),
        ("بلدية المبرز\nمذكرة داخلية\nإلى: مدير الشؤون المالية\nنرجو التكرم بصرف المستحقات", "memo", 0.5),
        ("INTERNAL MEMORANDUM\nTo: All heads of sections\nFrom: Director\nPlease submit the monthly reports.", "memo", 0.5),
        ("أمانة محافظة الأحساء\nقرار إداري رقم 77/1445\nإن أمين محافظة الأحساء بناء على الصلاحيات المخولة له يقرر ما يلي", "decision", 0.5),
        ("Al-Ahsa Municipality\nDecision No. 31/1445\nThe Mayor has decided to close the market for maintenance.", "decision", 0.5),
        ("بلدية الهفوف\nتصريح رقم 5521\nيصرح لمؤسسة النخيل بإقامة لوحة إعلانية مؤقتة", "permit", 0.5),
        ("Hofuf Municipality\nTemporary Event Permit\nPermit No. 5521\nThe holder may set up a tent for ten days.", "permit", 0.5),
        ("بلدية الهفوف\nرخصة محل تجاري\nرقم الرخصة: 1445/3217\nيسمح بمزاولة النشاط وفق الترخيص", "licence", 0.6),
        ("Hofuf Municipality\nBuilding Licence\nLicence No. 4451234\nThe owner may build according to the approved plans.", "licence", 0.5),
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

    fn t(s: &str) -> DocType {
        s.parse().unwrap()
    }

    #[test]
    fn keywords_count_as_signals() {
        let text = "بلدية الهفوف\nكراسة الشروط والمواصفات\nمنافسة عامة لتشغيل الحدائق";
        assert_eq!(guess_type(text).unwrap().doc_type.as_str(), "other");
        let mut k = TypeKnowledge::builtin();
        k.add_type(&t("tender"), &["مناقصة", "Tender"], &["منافسة عامة".into()]);
        assert_eq!(
            guess_type_with(text, &k).unwrap().doc_type.as_str(),
            "tender"
        );
        // A name alone is for titles, not evidence.
        let mut names_only = TypeKnowledge::builtin();
        names_only.add_type(&t("tender"), &["منافسة"], &[]);
        assert_eq!(
            guess_type_with(text, &names_only)
                .unwrap()
                .doc_type
                .as_str(),
            "other"
        );
    }

    #[test]
    fn corrected_documents_teach_the_guesser() {
        let first = "أمانة محافظة الأحساء\nبلدية الهفوف\nكراسة شروط المنافسة\nتشغيل وصيانة الحدائق العامة\nيقدم العطاء في ظرف مختوم";
        let second = "أمانة محافظة الأحساء\nبلدية المبرز\nكراسة شروط المنافسة\nنظافة الطرق الرئيسية";
        let third = "بلدية العيون\nكراسة شروط المنافسة\nإنارة الشوارع الفرعية";
        let licence = "أمانة محافظة الأحساء\nبلدية العيون\nرخصة بناء\nرقم الرخصة: 55";
        assert_eq!(guess_type(third).unwrap().doc_type.as_str(), "other");
        // One document is not enough.
        let mut k = TypeKnowledge::builtin();
        k.learn([(&t("tender"), first)]);
        assert_eq!(
            guess_type_with(third, &k).unwrap().doc_type.as_str(),
            "other"
        );
        let mut k = TypeKnowledge::builtin();
        k.learn([
            (&t("tender"), first),
            (&t("tender"), second),
            (&t("licence"), licence),
        ]);
        assert_eq!(
            guess_type_with(third, &k).unwrap().doc_type.as_str(),
            "tender"
        );
        // The shared letterhead taught nothing: a licence stays a licence,
        // and a letterhead alone says nothing.
        assert_eq!(
            guess_type_with(licence, &k).unwrap().doc_type.as_str(),
            "licence"
        );
        assert_eq!(
            guess_type_with("أمانة محافظة الأحساء\nبلدية الهفوف\nإلى من يهمه الأمر", &k)
                .unwrap()
                .doc_type
                .as_str(),
            "other"
        );
        // The same corrections, in any order, teach the same.
        let mut again = TypeKnowledge::builtin();
        again.learn([
            (&t("licence"), licence),
            (&t("tender"), second),
            (&t("tender"), first),
        ]);
        assert_eq!(again, k);
    }
}

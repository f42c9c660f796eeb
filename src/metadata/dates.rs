//! Dates printed on a page, in the forms Saudi offices write them:
//!
//! * Hijri: `1445/03/12هـ`, `١٤٤٥/٠٣/١٢ هـ`, `12/3/1445`, `12 ربيع الأول 1445هـ`;
//! * Gregorian: `2024-09-15`, `15/09/2024`, `15 سبتمبر 2024`, `Sep 15, 2024`.
//!
//! A numeric date is Hijri when marked so (هـ, AH) or when its year is a
//! Hijri one (1300–1600), Gregorian when marked (م, AD) or its year is
//! 1882–2174; day-first unless only month-first makes sense (09/15/2024).
//! Each date is then scored as the document's issue date by the words
//! before it (تاريخ الإصدار, Date: against تاريخ الانتهاء, expiry).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::fold::Folded;
use super::FoundDate;
use crate::calendar::{Calendar, Day, GREGORIAN_YEARS, HIJRI_YEARS};

/// Month names, folded, by calendar and number. Longer spellings first.
const MONTHS: &[(Calendar, u8, &str)] = &[
    (Calendar::Hijri, 1, r"المحرم|محرم|muharram"),
    (Calendar::Hijri, 2, r"صفر|safar"),
    (
        Calendar::Hijri,
        3,
        r"ربيع\ ?(?:ال)?اول|rabi\ ?(?:al|ul)?[\ -]?(?:awwal|awal|i)",
    ),
    (
        Calendar::Hijri,
        4,
        r"ربيع\ ?(?:ال)?(?:ثاني|اخر)|rabi\ ?(?:al|ul)?[\ -]?(?:thani|akhir|akhar|ii)",
    ),
    (
        Calendar::Hijri,
        5,
        r"جمادي?\ ?(?:ال)?(?:اولي|اول)|jumad[ai]\ ?(?:al|ul)?[\ -]?(?:ula|oula|awwal|i)",
    ),
    (
        Calendar::Hijri,
        6,
        r"جمادي?\ ?(?:ال)?(?:ثانيه|ثاني|اخره|اخر)|jumad[ai]\ ?(?:al|ul)?[\ -]?(?:thaniyah|thani|akhirah|akhira|ii)",
    ),
    (Calendar::Hijri, 7, r"رجب|rajab"),
    (Calendar::Hijri, 8, r"شعبان|shaban"),
    (Calendar::Hijri, 9, r"رمضان|ramadh?an"),
    (Calendar::Hijri, 10, r"شوال|shaw?wal"),
    (
        Calendar::Hijri,
        11,
        r"(?:ذو|ذي)\ ?القعده|dhu(?:\ ?al|l)?[\ -]?q[ai]dah?",
    ),
    (
        Calendar::Hijri,
        12,
        r"(?:ذو|ذي)\ ?الحجه|dhu(?:\ ?al|l)?[\ -]?hij+ah?",
    ),
    (Calendar::Gregorian, 1, r"يناير|كانون\ الثاني|january|jan"),
    (Calendar::Gregorian, 2, r"فبراير|شباط|february|feb"),
    (Calendar::Gregorian, 3, r"مارس|اذار|march|mar"),
    (Calendar::Gregorian, 4, r"ابريل|نيسان|april|apr"),
    (Calendar::Gregorian, 5, r"مايو|ايار|may"),
    (Calendar::Gregorian, 6, r"يونيو|يونيه|حزيران|june|jun"),
    (Calendar::Gregorian, 7, r"يوليو|يوليه|تموز|july|jul"),
    (Calendar::Gregorian, 8, r"اغسطس|اب|august|aug"),
    (Calendar::Gregorian, 9, r"سبتمبر|ايلول|september|sept|sep"),
    (Calendar::Gregorian, 10, r"اكتوبر|تشرين\ الاول|october|oct"),
    (
        Calendar::Gregorian,
        11,
        r"نوفمبر|تشرين\ الثاني|november|nov",
    ),
    (Calendar::Gregorian, 12, r"ديسمبر|كانون\ الاول|december|dec"),
];

/// Each month's spellings, anchored, to tell which month a match named.
static MONTH_EXACT: LazyLock<Vec<(Calendar, u8, Regex)>> = LazyLock::new(|| {
    MONTHS
        .iter()
        .map(|(cal, n, alts)| {
            let re = Regex::new(&format!("(?x)^(?:{alts})$")).expect("month pattern compiles");
            (*cal, *n, re)
        })
        .collect()
});

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let month = MONTHS
        .iter()
        .map(|(_, _, alts)| format!("(?:{alts})"))
        .collect::<Vec<_>>()
        .join("|");
    let pattern = format!(
        r"(?x)
          (?P<a>\d{{1,4}})\ ?(?P<s1>[/\-.])\ ?(?P<b>\d{{1,2}})\ ?(?P<s2>[/\-.])\ ?(?P<c>\d{{1,4}})
        | (?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\ *(?:من\ +|of\ +)?(?P<m1>{month})\b\.?\ *[,،]?\ *(?:سنه\ +|عام\ +|لعام\ +)?(?P<y1>\d{{4}})
        | (?P<m2>{month})\.?\ +(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\ *,?\ *(?P<y2>\d{{4}})
        "
    );
    Regex::new(&pattern).expect("the date pattern compiles")
});

/// A calendar named right after a date: هـ, هجري, AH; م, ميلادي, AD.
fn marker(after: &str) -> (Option<Calendar>, usize) {
    let trimmed = after.trim_start_matches(' ');
    let skipped = after.len() - trimmed.len();
    for (word, cal) in [
        ("للهجره", Calendar::Hijri),
        ("هجريه", Calendar::Hijri),
        ("هجري", Calendar::Hijri),
        ("ه", Calendar::Hijri),
        ("ah", Calendar::Hijri),
        ("h", Calendar::Hijri),
        ("ميلاديه", Calendar::Gregorian),
        ("ميلادي", Calendar::Gregorian),
        ("م", Calendar::Gregorian),
        ("ad", Calendar::Gregorian),
        ("ce", Calendar::Gregorian),
    ] {
        if let Some(rest) = trimmed.strip_prefix(word) {
            // A whole word: not the first letter of the next word.
            let rest = rest.strip_prefix('.').unwrap_or(rest);
            if !rest.chars().next().is_some_and(|c| c.is_alphanumeric()) {
                return (Some(cal), skipped + (trimmed.len() - rest.len()));
            }
        }
    }
    (None, 0)
}

fn year_calendar(year: i32) -> Option<Calendar> {
    if HIJRI_YEARS.contains(&year) {
        Some(Calendar::Hijri)
    } else if GREGORIAN_YEARS.contains(&year) {
        Some(Calendar::Gregorian)
    } else {
        None
    }
}

fn make(calendar: Calendar, y: i32, m: u32, d: u32) -> Option<Day> {
    match calendar {
        Calendar::Hijri => Day::from_hijri(y, u8::try_from(m).ok()?, u8::try_from(d).ok()?),
        Calendar::Gregorian => Day::from_gregorian(y, m, d),
    }
}

/// A numeric date: year first (`1445/03/12`) or last (`12/3/1445`,
/// `15/09/2024`, and `09/15/2024` when the day cannot be first).
fn numeric(a: &str, b: &str, c: &str, marked: Option<Calendar>) -> Option<(Calendar, Day)> {
    let n = |s: &str| s.parse::<u32>().ok();
    let (y, m, d, swappable) = if a.len() == 4 && c.len() <= 2 {
        (n(a)? as i32, n(b)?, n(c)?, false)
    } else if c.len() == 4 && a.len() <= 2 {
        (n(c)? as i32, n(b)?, n(a)?, true)
    } else {
        return None;
    };
    let calendar = year_calendar(y)?;
    if marked.is_some_and(|m| m != calendar) {
        return None;
    }
    if let Some(day) = make(calendar, y, m, d) {
        return Some((calendar, day));
    }
    if swappable && calendar == Calendar::Gregorian && m > 12 {
        return make(calendar, y, d, m).map(|day| (calendar, day));
    }
    None
}

fn month_named(text: &str) -> Option<(Calendar, u8)> {
    let text = text.trim();
    MONTH_EXACT
        .iter()
        .find(|(_, _, re)| re.is_match(text))
        .map(|(cal, n, _)| (*cal, *n))
}

/// Is the character at a boundary part of a longer number?
fn digit_joined(before: Option<char>, after: &str) -> bool {
    if before.is_some_and(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.')) {
        return true;
    }
    let mut it = after.chars();
    match it.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('/' | '-' | '.') => it.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// Dates on one page, skipping any inside `exclude` (reference numbers).
pub fn find_in(page: &Folded, number: u32, exclude: &[Range<usize>]) -> Vec<FoundDate> {
    let text = &page.text;
    let mut out = Vec::new();
    for caps in DATE.captures_iter(text) {
        let whole = caps.get(0).expect("match");
        if exclude
            .iter()
            .any(|r| r.start < whole.end() && whole.start() < r.end)
        {
            continue;
        }
        let before = text[..whole.start()].chars().next_back();
        if digit_joined(before, &text[whole.end()..]) {
            continue;
        }
        let (marked, marker_len) = marker(&text[whole.end()..]);
        let found =
            if let (Some(a), Some(b), Some(c)) = (caps.name("a"), caps.name("b"), caps.name("c")) {
                if caps["s1"] != caps["s2"] {
                    continue;
                }
                numeric(a.as_str(), b.as_str(), c.as_str(), marked)
            } else {
                let (d, m, y) = if caps.name("d1").is_some() {
                    (&caps["d1"], &caps["m1"], &caps["y1"])
                } else {
                    (&caps["d2"], &caps["m2"], &caps["y2"])
                };
                month_named(m).and_then(|(calendar, month)| {
                    if marked.is_some_and(|m| m != calendar) {
                        return None;
                    }
                    let y: i32 = y.parse().ok()?;
                    (year_calendar(y) == Some(calendar))
                        .then(|| make(calendar, y, month as u32, d.parse().ok()?))
                        .flatten()
                        .map(|day| (calendar, day))
                })
            };
        let Some((calendar, day)) = found else {
            continue;
        };
        let span = whole.start()..whole.end() + marker_len;
        out.push(FoundDate {
            calendar,
            day,
            page: number,
            text: page.printed(span.clone()).trim().to_string(),
            score: context_score(text, whole.start()) + if number == 1 { 1.0 } else { 0.0 },
            disputed: false,
            line: text[..whole.start()].matches('\n').count() as u32,
        });
    }
    out
}

/// Words before a date that say it is the issue date, or that it is not.
const ISSUE: &[&str] = &[
    "اصدار",
    "الاصدار",
    "صدر",
    "صادر",
    "حرر",
    "تحرير",
    "التحرير",
    "issue",
    "issued",
    "dated",
];
const GENERIC: &[&str] = &["تاريخ", "التاريخ", "بتاريخ", "وتاريخ", "date", "على"];
const NOT_ISSUE: &[&str] = &[
    "انتهاء",
    "الانتهاء",
    "ينتهي",
    "تنتهي",
    "نهايه",
    "صلاحيه",
    "expiry",
    "expires",
    "expiration",
    "until",
    "حتي",
    "ميلاد",
    "الميلاد",
    "birth",
    "يبدا",
    "تبدا",
    "بدايه",
    "start",
    "starts",
    "from",
    "اعتبارا",
    "مده",
];

/// The label before a date on its line (or on the line above, when the
/// date starts its line), scored: issue-date words raise it, expiry and
/// birth words lower it.
fn context_score(text: &str, at: usize) -> f32 {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut context = &text[line_start..at];
    if !context.chars().any(char::is_alphabetic) && line_start > 0 {
        let prev = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        context = &text[prev..at];
    }
    // The last few words only: a date closes the label before it.
    let words: Vec<&str> = context
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let last = &words[words.len().saturating_sub(4)..];
    let has = |list: &[&str]| last.iter().any(|w| list.contains(w));
    let mut score = if has(ISSUE) {
        5.0
    } else if has(GENERIC) {
        2.0
    } else {
        0.0
    };
    if has(NOT_ISSUE) {
        score -= 5.0;
    }
    score
}

/// A Hijri date and a Gregorian one printed next to each other on one line
/// (`1445/03/12هـ الموافق 2023/09/27م`) are twins: the same day, twice.
/// Twins that agree are one date: each takes the better score of the two,
/// and a little more for agreeing. Twins that name different days (more
/// than two apart: the two calendars' conversions may differ by a day or
/// two) mean one was misread, and nothing says which: both are marked
/// disputed, and neither becomes the document's date.
pub fn score_pairs(dates: &mut [FoundDate]) {
    for i in 1..dates.len() {
        let (a, b) = (&dates[i - 1], &dates[i]);
        let twins = a.calendar != b.calendar && a.page == b.page && a.line == b.line;
        if !twins {
            continue;
        }
        let apart = (a.day.days_since_epoch() - b.day.days_since_epoch()).abs();
        if apart <= 2 {
            let s = a.score.max(b.score) + 1.0;
            dates[i - 1].score = s;
            dates[i].score = s;
        } else {
            dates[i - 1].disputed = true;
            dates[i].disputed = true;
        }
    }
}

/// The likeliest issue date: the best score, the first among equals; never
/// a disputed one.
pub fn pick(dates: &[FoundDate]) -> Option<&FoundDate> {
    let mut best: Option<&FoundDate> = None;
    for d in dates.iter().filter(|d| !d.disputed) {
        if best.is_none_or(|b| d.score > b.score) {
            best = Some(d);
        }
    }
    best
}

/// Every date in a text (as page 1), in reading order.
pub fn find_dates(text: &str) -> Vec<FoundDate> {
    find_in(&Folded::new(text), 1, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed, calendar, the day (Gregorian), the text kept as printed.
    const FORMS: &[(&str, Calendar, &str, &str)] = &[
        // Hijri
        (
            "1445/03/12هـ",
            Calendar::Hijri,
            "2023-09-27",
            "1445/03/12هـ",
        ),
        (
            "١٤٤٥/٠٣/١٢ هـ",
            Calendar::Hijri,
            "2023-09-27",
            "١٤٤٥/٠٣/١٢ هـ",
        ),
        ("12/3/1445", Calendar::Hijri, "2023-09-27", "12/3/1445"),
        ("١٢/٣/١٤٤٥هـ", Calendar::Hijri, "2023-09-27", "١٢/٣/١٤٤٥هـ"),
        (
            "12 ربيع الأول 1445هـ",
            Calendar::Hijri,
            "2023-09-27",
            "12 ربيع الأول 1445هـ",
        ),
        (
            "١٢ ربيع الاول ١٤٤٥ هـ",
            Calendar::Hijri,
            "2023-09-27",
            "١٢ ربيع الاول ١٤٤٥ هـ",
        ),
        (
            "1 رمضان 1445",
            Calendar::Hijri,
            "2024-03-11",
            "1 رمضان 1445",
        ),
        (
            "12 من ربيع أول لعام 1445هـ",
            Calendar::Hijri,
            "2023-09-27",
            "12 من ربيع أول لعام 1445هـ",
        ),
        (
            "15 جمادى الآخرة 1445 هـ",
            Calendar::Hijri,
            "2023-12-28",
            "15 جمادى الآخرة 1445 هـ",
        ),
        (
            "10 ذو الحجة 1444هـ",
            Calendar::Hijri,
            "2023-06-28",
            "10 ذو الحجة 1444هـ",
        ),
        (
            "1445-03-12 AH",
            Calendar::Hijri,
            "2023-09-27",
            "1445-03-12 AH",
        ),
        (
            "1 Ramadan 1445 AH",
            Calendar::Hijri,
            "2024-03-11",
            "1 Ramadan 1445 AH",
        ),
        (
            "12 Rabi' al-Awwal 1445",
            Calendar::Hijri,
            "2023-09-27",
            "12 Rabi' al-Awwal 1445",
        ),
        // Gregorian
        (
            "2024-09-15",
            Calendar::Gregorian,
            "2024-09-15",
            "2024-09-15",
        ),
        (
            "15/09/2024",
            Calendar::Gregorian,
            "2024-09-15",
            "15/09/2024",
        ),
        (
            "15/09/2024م",
            Calendar::Gregorian,
            "2024-09-15",
            "15/09/2024م",
        ),
        (
            "١٥/٠٩/٢٠٢٤م",
            Calendar::Gregorian,
            "2024-09-15",
            "١٥/٠٩/٢٠٢٤م",
        ),
        (
            "15 سبتمبر 2024",
            Calendar::Gregorian,
            "2024-09-15",
            "15 سبتمبر 2024",
        ),
        (
            "27 سبتمبر 2023م",
            Calendar::Gregorian,
            "2023-09-27",
            "27 سبتمبر 2023م",
        ),
        (
            "15 أيلول 2024",
            Calendar::Gregorian,
            "2024-09-15",
            "15 أيلول 2024",
        ),
        (
            "Sep 15, 2024",
            Calendar::Gregorian,
            "2024-09-15",
            "Sep 15, 2024",
        ),
        (
            "September 15th, 2024",
            Calendar::Gregorian,
            "2024-09-15",
            "September 15th, 2024",
        ),
        (
            "15 September 2024",
            Calendar::Gregorian,
            "2024-09-15",
            "15 September 2024",
        ),
        (
            "15.09.2024",
            Calendar::Gregorian,
            "2024-09-15",
            "15.09.2024",
        ),
        (
            "09/15/2024",
            Calendar::Gregorian,
            "2024-09-15",
            "09/15/2024",
        ),
    ];

    #[test]
    fn every_printed_form() {
        for (printed, calendar, day, text) in FORMS {
            let found = find_dates(&format!("التاريخ: {printed} والله الموفق"));
            assert_eq!(found.len(), 1, "{printed}: {found:?}");
            let f = &found[0];
            assert_eq!(f.calendar, *calendar, "{printed}");
            assert_eq!(f.day.to_string(), *day, "{printed}");
            assert_eq!(f.text, *text, "{printed}");
        }
    }

    #[test]
    fn what_is_not_a_date() {
        for text in [
            "1445/3217",
            "رقم 4451234",
            "1445/13/01",
            "1445/02/31هـ",
            "2024-09-15-3",
            "12/3/1445م",
            "15/09/2024هـ",
            "31 فبراير 2024",
            "10/10/10",
            "Tel 013/582/0000",
            "12 رمضان 2024",
            "the 15 may 1999 ",
        ] {
            let found = find_dates(text);
            let wanted = usize::from(text.contains("may 1999"));
            assert_eq!(found.len(), wanted, "{text}: {found:?}");
        }
    }

    #[test]
    fn the_issue_date_outranks_expiry_and_start_dates() {
        let text = "تاريخ الانتهاء: 1446/07/12 هـ\nتاريخ الإصدار: 1445/07/12 هـ\nيبدأ العمل بتاريخ 2024-10-01";
        let mut found = find_dates(text);
        score_pairs(&mut found);
        assert_eq!(found.len(), 3);
        assert_eq!(pick(&found).unwrap().text, "1445/07/12 هـ");
    }

    #[test]
    fn twins_that_name_different_days_are_not_believed() {
        // Each case: the text, then the date picked (none when the only
        // candidates are disputed twins).
        for (text, picked) in [
            // The Hijri date misread (١٤٤٥/٠٣/١٢ read as 1440/02/12).
            ("حرر في 1440/02/12هـ الموافق 2023/09/27م", None),
            // The Gregorian twin misread.
            ("حرر في 1445/03/12هـ الموافق 2028/09/27م", None),
            // A disputed pair does not hide a sure date elsewhere.
            (
                "تاريخ الإصدار: 1440/02/12هـ الموافق 2023/09/27م\nتاريخ القيد 1445/05/01هـ",
                Some("1445/05/01هـ"),
            ),
            // Agreeing within the calendars' one or two days: believed.
            (
                "حرر في 1445/03/13هـ الموافق 2023/09/27م",
                Some("1445/03/13هـ"),
            ),
            // A Hijri date and a Gregorian one on different lines are not
            // twins, whatever they say.
            (
                "تاريخ الإصدار: 1445/07/12 هـ\n2030/01/01م",
                Some("1445/07/12 هـ"),
            ),
        ] {
            let mut found = find_dates(text);
            score_pairs(&mut found);
            assert_eq!(
                pick(&found).map(|d| d.text.as_str()),
                picked,
                "{text}: {found:?}"
            );
        }
        let mut found = find_dates("حرر في 1440/02/12هـ الموافق 2023/09/27م");
        score_pairs(&mut found);
        assert!(found.iter().all(|d| d.disputed), "{found:?}");
        assert_eq!(found[0].to_json()["disputed"], true);
    }

    #[test]
    fn a_hijri_date_and_its_gregorian_twin_agree() {
        let mut found =
            find_dates("حرر في 1445/03/12هـ الموافق 2023/09/27م\nتاريخ الانتهاء 2024/09/27م");
        score_pairs(&mut found);
        assert_eq!(found[0].score, found[1].score);
        assert_eq!(pick(&found).unwrap().day.to_string(), "2023-09-27");
    }
}

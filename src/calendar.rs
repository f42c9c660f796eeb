//! Days in the two calendars Saudi records are dated in: the Hijri calendar
//! of Umm al-Qura and the Gregorian calendar.
//!
//! A [`Day`] is one day, whichever calendar named it; it converts to the
//! other through ICU4X's Umm al-Qura tables (`icu_calendar`), which cover
//! the Hijri years 1300–1600 (1882–2174). [`DateInput`] is a date as staff
//! type it in a filter or a correction: `1445-03-01h`, `2023-09-16`, or a
//! whole month or year (`1445-03h`, `2023`), in either kind of digits.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use icu_calendar::cal::Hijri;
use icu_calendar::{Date, Gregorian};
use serde::{Deserialize, Serialize};

/// The Hijri years the Umm al-Qura tables cover.
pub const HIJRI_YEARS: std::ops::RangeInclusive<i32> = 1300..=1600;
/// The Gregorian years a record's date may fall in.
pub const GREGORIAN_YEARS: std::ops::RangeInclusive<i32> = 1882..=2174;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Calendar {
    /// Umm al-Qura.
    #[default]
    Hijri,
    Gregorian,
}

impl Calendar {
    pub fn as_str(self) -> &'static str {
        match self {
            Calendar::Hijri => "hijri",
            Calendar::Gregorian => "gregorian",
        }
    }
}

impl fmt::Display for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{input:?} is not a date: {reason}. Write a Gregorian date as 2023-09-16 and a Hijri one as 1445-03-01h (a month or a year alone also works: 1445-03h, 2023)")]
    Unreadable { input: String, reason: String },
    #[error("{input:?} names a whole {what}; give one day, e.g. 1445-03-12h or 2023-09-27")]
    NotADay { input: String, what: &'static str },
    #[error("unknown calendar {0:?}: use hijri or gregorian")]
    UnknownCalendar(String),
}

impl FromStr for Calendar {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hijri" => Ok(Calendar::Hijri),
            "gregorian" => Ok(Calendar::Gregorian),
            other => Err(DateError::UnknownCalendar(other.to_string())),
        }
    }
}

/// A Hijri (Umm al-Qura) date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HijriDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl fmt::Display for HijriDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One day. Kept as its Gregorian date; [`Day::hijri`] gives the other name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(NaiveDate);

fn umm_al_qura() -> Hijri<icu_calendar::cal::hijri::UmmAlQura> {
    Hijri::new_umm_al_qura()
}

impl Day {
    /// A Gregorian day; `None` if it does not exist or lies outside
    /// [`GREGORIAN_YEARS`].
    pub fn from_gregorian(year: i32, month: u32, day: u32) -> Option<Day> {
        if !GREGORIAN_YEARS.contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, day).map(Day)
    }

    /// An Umm al-Qura day; `None` if it does not exist (a 30th of a 29-day
    /// month, a 13th month) or lies outside [`HIJRI_YEARS`].
    pub fn from_hijri(year: i32, month: u8, day: u8) -> Option<Day> {
        if !HIJRI_YEARS.contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let h = Date::try_new_hijri_with_calendar(year, month, day, umm_al_qura()).ok()?;
        // ICU accepts only days the month has; check it kept the fields.
        if h.month().ordinal != month || h.day_of_month().0 != day {
            return None;
        }
        let g = h.to_calendar(Gregorian);
        NaiveDate::from_ymd_opt(
            g.era_year().year,
            g.month().ordinal as u32,
            g.day_of_month().0 as u32,
        )
        .map(Day)
    }

    pub fn from_naive(d: NaiveDate) -> Day {
        Day(d)
    }

    pub fn gregorian(&self) -> NaiveDate {
        self.0
    }

    pub fn hijri(&self) -> HijriDate {
        let g = Date::try_new_gregorian(self.0.year(), self.0.month() as u8, self.0.day() as u8)
            .expect("a chrono date is a valid Gregorian date");
        let h = g.to_calendar(umm_al_qura());
        HijriDate {
            year: h.era_year().year,
            month: h.month().ordinal,
            day: h.day_of_month().0,
        }
    }

    /// The year in a calendar.
    pub fn year(&self, calendar: Calendar) -> i32 {
        match calendar {
            Calendar::Gregorian => self.0.year(),
            Calendar::Hijri => self.hijri().year,
        }
    }

    /// `{"hijri":"1445-03-12","gregorian":"2023-09-27"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "hijri": self.hijri().to_string(), "gregorian": self.to_string() })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(&self) -> i64 {
        (self.0 - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days()
    }

    /// The same day `years` years later in `calendar` (a day the later
    /// month lacks, a 30th or a 29 February, becomes its last day); `None`
    /// beyond the years a record's date may have.
    pub fn plus_years(&self, years: u32, calendar: Calendar) -> Option<Day> {
        let years = i32::try_from(years).ok()?;
        match calendar {
            Calendar::Gregorian => {
                let g = self.0;
                let year = g.year().checked_add(years)?;
                (1..=g.day())
                    .rev()
                    .find_map(|d| Day::from_gregorian(year, g.month(), d))
            }
            Calendar::Hijri => {
                let h = self.hijri();
                let year = h.year.checked_add(years)?;
                (1..=h.day)
                    .rev()
                    .find_map(|d| Day::from_hijri(year, h.month, d))
            }
        }
    }

    pub fn succ(&self) -> Day {
        Day(self.0.succ_opt().expect("years are bounded"))
    }
}

/// The Gregorian ISO form, `2023-09-27`.
impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// The Gregorian ISO form; an `h` suffix (`1445-03-12h`) reads it as Hijri.
impl FromStr for Day {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let input = DateInput::parse(s)?;
        input.single_day().ok_or_else(|| DateError::NotADay {
            input: s.to_string(),
            what: match input.span {
                Span::Month => "month",
                _ => "year",
            },
        })
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How much of the calendar a [`DateInput`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Day,
    Month,
    Year,
}

/// A date as staff type it: a day, a month or a year, in either calendar.
/// It covers the days `first ..= last`, the same days whichever calendar
/// they are later shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateInput {
    pub calendar: Calendar,
    pub span: Span,
    pub first: Day,
    pub last: Day,
}

impl FromStr for DateInput {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateInput::parse(s)
    }
}

impl DateInput {
    /// Read `1445-03-01h`, `1445/3/1 هـ`, `١٤٤٥-٠٣h`, `1445h`, `2023-09-16`,
    /// `2023-09`, `2023` (also with a `g` or `م` suffix), and the forms the
    /// web UI prints: a month by its name, `12 ربيع الأول 1445هـ`,
    /// `12 Rabi‘ al-Awwal 1445 AH`, `27 سبتمبر 2023م`, `27 September 2023`
    /// (or the month alone, `رجب 1445`), and both at once, `12 ربيع الأول
    /// 1445هـ — 27 سبتمبر 2023م`, when they name the same day. A year from
    /// 1300 to 1600 with no suffix is taken as Hijri: no Gregorian record is
    /// that old. Bidirectional marks copied with a date are ignored.
    pub fn parse(input: &str) -> Result<DateInput, DateError> {
        let bad = |reason: &str| DateError::Unreadable {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let cleaned: String = input
            .chars()
            .filter(|c| *c != '\u{0640}' && !is_bidi_mark(*c))
            .collect();
        // The day in both calendars, as the UI shows it: "A — B".
        if let Some((a, b)) = cleaned.split_once(['\u{2014}', '\u{2013}']) {
            let (a, b) = (DateInput::parse(a)?, DateInput::parse(b)?);
            if (a.first, a.last) != (b.first, b.last) {
                return Err(bad("its two dates are not the same days"));
            }
            return Ok(a);
        }
        let mut s: String = cleaned
            .trim()
            .chars()
            .map(|c| crate::analysis::normalize::ascii_digit(c).unwrap_or(c))
            .collect::<String>()
            .to_lowercase();
        let mut calendar = None;
        for (suffix, cal) in [
            ("هـ", Calendar::Hijri),
            ("ه", Calendar::Hijri),
            ("ah", Calendar::Hijri),
            ("h", Calendar::Hijri),
            ("م", Calendar::Gregorian),
            ("ad", Calendar::Gregorian),
            ("g", Calendar::Gregorian),
        ] {
            if let Some(rest) = s.strip_suffix(suffix) {
                s = rest.trim_end().to_string();
                calendar = Some(cal);
                break;
            }
        }
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        // year, then month and day if given
        let (nums, year_digits) = if s.chars().any(char::is_alphabetic) {
            let (cal, nums) = named_date(&s, calendar).map_err(bad)?;
            calendar = Some(cal);
            (nums, 4)
        } else {
            numeric_date(&s).map_err(bad)?
        };
        let year = nums[0] as i32;
        if year_digits != 4 {
            return Err(bad("the year comes first, with four digits"));
        }
        let calendar = calendar.unwrap_or(if HIJRI_YEARS.contains(&year) {
            Calendar::Hijri
        } else {
            Calendar::Gregorian
        });
        let (years, other) = match calendar {
            Calendar::Hijri => (HIJRI_YEARS, "a Hijri year runs from 1300 to 1600"),
            Calendar::Gregorian => (GREGORIAN_YEARS, "a Gregorian year runs from 1882 to 2174"),
        };
        if !years.contains(&year) {
            return Err(bad(other));
        }
        let month = nums.get(1).copied();
        if month.is_some_and(|m| !(1..=12).contains(&m)) {
            return Err(bad("months run from 1 to 12"));
        }
        let day_of = |y: i32, m: u32, d: u32| match calendar {
            Calendar::Hijri => Day::from_hijri(y, m as u8, d as u8),
            Calendar::Gregorian => Day::from_gregorian(y, m, d),
        };
        // The last day of a month: the first of the next, less one.
        let month_end = |y: i32, m: u32| {
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            day_of(ny, nm, 1)
                .map(|d| Day(d.0.pred_opt().expect("bounded")))
                .or_else(|| (28..=31).rev().find_map(|d| day_of(y, m, d)))
        };
        let (span, first, last) = match (month, nums.get(2).copied()) {
            (None, _) => (Span::Year, day_of(year, 1, 1), month_end(year, 12)),
            (Some(m), None) => (Span::Month, day_of(year, m, 1), month_end(year, m)),
            (Some(m), Some(d)) => {
                let day = day_of(year, m, d);
                (Span::Day, day, day)
            }
        };
        match (first, last) {
            (Some(first), Some(last)) => Ok(DateInput {
                calendar,
                span,
                first,
                last,
            }),
            _ => Err(bad("that day does not exist in the calendar")),
        }
    }

    pub fn single_day(&self) -> Option<Day> {
        (self.span == Span::Day).then_some(self.first)
    }
}

/// Marks that steer the direction of text (LRM, RLM, ALM, embeddings,
/// overrides, isolates): invisible, and copied along with a date shown in
/// a right-to-left page.
fn is_bidi_mark(c: char) -> bool {
    matches!(
        c,
        '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// `2023-09-16`, `1445/3/1`, `12/3/1445`, `2023-09`, `2023`: the numbers
/// (year first) and how many digits the year was written with.
fn numeric_date(s: &str) -> Result<(Vec<u32>, usize), &'static str> {
    if s.contains(char::is_whitespace) {
        return Err("a date has no spaces inside");
    }
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err("use year-month-day");
    }
    // Day first, as printed: 12/3/1445.
    let parts: Vec<&str> = if parts.len() == 3 && parts[2].len() == 4 && parts[0].len() <= 2 {
        vec![parts[2], parts[1], parts[0]]
    } else {
        parts
    };
    let mut nums = Vec::new();
    for p in &parts {
        if !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 4 {
            return Err("only digits and - / separators are expected");
        }
        nums.push(p.parse::<u32>().map_err(|_| "not a number")?);
    }
    Ok((nums, parts[0].len()))
}

/// `12 ربيع الأول 1445`, `12 rabi‘ al-awwal 1445`, `27 سبتمبر 2023`,
/// `september 2023` (lower-cased, suffix removed): the calendar the month
/// is of, and the numbers, year first.
fn named_date(s: &str, suffix: Option<Calendar>) -> Result<(Calendar, Vec<u32>), &'static str> {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '\u{060C}')
        .filter(|w| !w.is_empty())
        .collect();
    let digits = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
    let (day, rest) = match words.split_first() {
        Some((&d, rest)) if digits(d) => {
            if d.len() > 2 {
                return Err("write the day, then the month's name, then the year");
            }
            (Some(d.parse::<u32>().map_err(|_| "not a number")?), rest)
        }
        _ => (None, &words[..]),
    };
    let Some((&year, month)) = rest.split_last() else {
        return Err("a month's name needs its year");
    };
    if !digits(year)
        || year.len() != 4
        || month.is_empty()
        || month.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()))
    {
        return Err("write the day, then the month's name, then the year with four digits");
    }
    let key = month_key(&month.concat());
    let (calendar, number) = month_by_name(&key).ok_or("that is not the name of a month")?;
    if suffix.is_some_and(|c| c != calendar) {
        return Err("the month is not of the calendar its suffix names");
    }
    let mut nums = vec![year.parse::<u32>().map_err(|_| "not a number")?, number];
    nums.extend(day);
    Ok((calendar, nums))
}

/// A month's name as compared: letters only, Arabic folded (أ إ آ → ا,
/// ى → ي, ة → ه, no diacritics), Latin lower case.
fn month_key(s: &str) -> String {
    s.chars()
        .map(crate::analysis::normalize::fold_arabic_letter)
        .filter(|c| c.is_alphabetic() && !matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The names of the months, as the UI prints them (`i18n.js`:
/// `hijriMonths`, `gregorianMonths`) and as they are commonly written.
const MONTH_NAMES: &[(Calendar, u32, &[&str])] = &[
    (
        Calendar::Hijri,
        1,
        &["محرم", "المحرم", "muharram", "muharam"],
    ),
    (Calendar::Hijri, 2, &["صفر", "safar"]),
    (
        Calendar::Hijri,
        3,
        &[
            "ربيع الأول",
            "ربيع أول",
            "rabi al-awwal",
            "rabi ul-awwal",
            "rabi al-awal",
            "rabi i",
        ],
    ),
    (
        Calendar::Hijri,
        4,
        &[
            "ربيع الآخر",
            "ربيع الثاني",
            "ربيع آخر",
            "ربيع ثاني",
            "rabi al-akhir",
            "rabi al-thani",
            "rabi ul-akhir",
            "rabi ath-thani",
            "rabi ii",
        ],
    ),
    (
        Calendar::Hijri,
        5,
        &[
            "جمادى الأولى",
            "جمادى الأول",
            "جمادى أولى",
            "jumada al-ula",
            "jumada al-awwal",
            "jumada al-oula",
            "jumada i",
        ],
    ),
    (
        Calendar::Hijri,
        6,
        &[
            "جمادى الآخرة",
            "جمادى الآخر",
            "جمادى الثانية",
            "جمادى الثاني",
            "jumada al-akhirah",
            "jumada al-akhira",
            "jumada al-akhir",
            "jumada al-thani",
            "jumada al-thaniyah",
            "jumada ii",
        ],
    ),
    (Calendar::Hijri, 7, &["رجب", "rajab"]),
    (Calendar::Hijri, 8, &["شعبان", "shaban"]),
    (Calendar::Hijri, 9, &["رمضان", "ramadan", "ramadhan"]),
    (Calendar::Hijri, 10, &["شوال", "shawwal", "shawal"]),
    (
        Calendar::Hijri,
        11,
        &[
            "ذو القعدة",
            "ذي القعدة",
            "dhu al-qadah",
            "dhu al-qidah",
            "dhul-qadah",
            "dhul-qidah",
            "dhu al-qada",
        ],
    ),
    (
        Calendar::Hijri,
        12,
        &[
            "ذو الحجة",
            "ذي الحجة",
            "dhu al-hijjah",
            "dhul-hijjah",
            "dhu al-hijja",
            "dhul-hijja",
        ],
    ),
    (
        Calendar::Gregorian,
        1,
        &["يناير", "كانون الثاني", "january", "jan"],
    ),
    (
        Calendar::Gregorian,
        2,
        &["فبراير", "شباط", "february", "feb"],
    ),
    (Calendar::Gregorian, 3, &["مارس", "آذار", "march", "mar"]),
    (
        Calendar::Gregorian,
        4,
        &["أبريل", "إبريل", "نيسان", "april", "apr"],
    ),
    (Calendar::Gregorian, 5, &["مايو", "أيار", "may"]),
    (
        Calendar::Gregorian,
        6,
        &["يونيو", "يونيه", "حزيران", "june", "jun"],
    ),
    (
        Calendar::Gregorian,
        7,
        &["يوليو", "يوليه", "تموز", "july", "jul"],
    ),
    (Calendar::Gregorian, 8, &["أغسطس", "آب", "august", "aug"]),
    (
        Calendar::Gregorian,
        9,
        &["سبتمبر", "أيلول", "september", "sep", "sept"],
    ),
    (
        Calendar::Gregorian,
        10,
        &["أكتوبر", "تشرين الأول", "october", "oct"],
    ),
    (
        Calendar::Gregorian,
        11,
        &["نوفمبر", "تشرين الثاني", "november", "nov"],
    ),
    (
        Calendar::Gregorian,
        12,
        &["ديسمبر", "كانون الأول", "december", "dec"],
    ),
];

fn month_by_name(key: &str) -> Option<(Calendar, u32)> {
    MONTH_NAMES
        .iter()
        .find(|(_, _, names)| names.iter().any(|n| month_key(n) == key))
        .map(|(cal, m, _)| (*cal, *m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Day {
        Day(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    /// Known Umm al-Qura dates (Hijri, Gregorian), from the calendar Saudi
    /// offices print.
    #[test]
    fn umm_al_qura_conversions() {
        for (h, greg) in [
            ((1445, 9, 1), "2024-03-11"),  // 1 Ramadan 1445
            ((1445, 3, 12), "2023-09-27"), // the example
            ((1445, 3, 1), "2023-09-16"),  // 1 Rabi' al-Awwal 1445
            ((1445, 1, 1), "2023-07-19"),  // 1 Muharram 1445
            ((1446, 1, 1), "2024-07-07"),  // 1 Muharram 1446
            ((1444, 10, 1), "2023-04-21"), // Eid al-Fitr 1444
            ((1446, 9, 1), "2025-03-01"),  // 1 Ramadan 1446
            ((1400, 1, 1), "1979-11-21"),
        ] {
            let day = Day::from_hijri(h.0, h.1, h.2).unwrap();
            assert_eq!(day, g(greg), "{h:?}");
            assert_eq!(
                g(greg).hijri(),
                HijriDate {
                    year: h.0,
                    month: h.1,
                    day: h.2
                }
            );
        }
    }

    /// Retention periods: years counted in the calendar the date was
    /// printed in; a day the later month lacks becomes its last day.
    #[test]
    fn years_later_in_either_calendar() {
        let h = |y, m, d| Day::from_hijri(y, m, d).unwrap();
        for (from, years, calendar, want) in [
            (h(1445, 3, 12), 10, Calendar::Hijri, h(1455, 3, 12)),
            (g("2023-09-27"), 10, Calendar::Gregorian, g("2033-09-27")),
            (g("2024-02-29"), 1, Calendar::Gregorian, g("2025-02-28")),
        ] {
            assert_eq!(
                from.plus_years(years, calendar),
                Some(want),
                "{from} + {years}"
            );
        }
        // A 30th in a month of 29 days the year after: its last day.
        let m = (1..=12)
            .find(|&m| {
                Day::from_hijri(1445, m, 30).is_some() && Day::from_hijri(1446, m, 30).is_none()
            })
            .expect("some month has 30 days in 1445 and 29 in 1446");
        assert_eq!(
            h(1445, m, 30).plus_years(1, Calendar::Hijri),
            Some(h(1446, m, 29))
        );
        // Ten Hijri years are about 109 days shorter than ten Gregorian ones.
        let d = h(1445, 3, 12);
        let hijri = d.plus_years(10, Calendar::Hijri).unwrap();
        let greg = d.plus_years(10, Calendar::Gregorian).unwrap();
        assert!((100..120).contains(&(greg.days_since_epoch() - hijri.days_since_epoch())));
        assert_eq!(d.plus_years(1000, Calendar::Hijri), None);
    }

    #[test]
    fn days_that_do_not_exist_are_refused() {
        assert_eq!(Day::from_hijri(1445, 13, 1), None);
        assert_eq!(Day::from_hijri(1445, 1, 31), None);
        // Rabi' al-Awwal 1445 has 30 days, Jumada al-Ula 29.
        assert!(Day::from_hijri(1445, 3, 30).is_some());
        assert_eq!(Day::from_hijri(1445, 5, 30), None);
        assert_eq!(Day::from_hijri(1200, 1, 1), None);
        assert_eq!(Day::from_gregorian(2023, 2, 29), None);
    }

    #[test]
    fn inputs_in_either_calendar() {
        for (input, span, first, last) in [
            ("2023-09-16", Span::Day, "2023-09-16", "2023-09-16"),
            ("1445-03-01h", Span::Day, "2023-09-16", "2023-09-16"),
            ("1445/3/1 هـ", Span::Day, "2023-09-16", "2023-09-16"),
            ("١٤٤٥-٠٣-٠١هـ", Span::Day, "2023-09-16", "2023-09-16"),
            ("1445-03h", Span::Month, "2023-09-16", "2023-10-15"),
            ("1445-03", Span::Month, "2023-09-16", "2023-10-15"),
            ("1445h", Span::Year, "2023-07-19", "2024-07-06"),
            ("1445-12h", Span::Month, "2024-06-07", "2024-07-06"),
            ("2023-09", Span::Month, "2023-09-01", "2023-09-30"),
            ("2024-02", Span::Month, "2024-02-01", "2024-02-29"),
            ("2023", Span::Year, "2023-01-01", "2023-12-31"),
            ("2023-09-16g", Span::Day, "2023-09-16", "2023-09-16"),
            ("2023-09-16م", Span::Day, "2023-09-16", "2023-09-16"),
            ("12/3/1445", Span::Day, "2023-09-27", "2023-09-27"),
            ("27/09/2023", Span::Day, "2023-09-27", "2023-09-27"),
        ] {
            let d = DateInput::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (d.span, d.first, d.last),
                (span, g(first), g(last)),
                "{input}"
            );
        }
        for bad in [
            "",
            "h",
            "2023-13-01",
            "1445-02-31h",
            "3/1445",
            "1445 / 3 / 1h",
            "1445-03-01-02",
            "tomorrow",
            "3000",
            "1700h",
        ] {
            assert!(DateInput::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let e = "1445-03h".parse::<Day>().unwrap_err();
        assert!(e.to_string().contains("whole month"), "{e}");
        assert_eq!("1445-03-12h".parse::<Day>().unwrap(), g("2023-09-27"));
        assert_eq!(g("2023-09-27").to_json()["hijri"], "1445-03-12");
    }

    /// The forms the web UI prints (`hijriText`, `gregorianText`, `dayText`
    /// in `core.js`, in either language), typed or pasted back into a
    /// filter: input → the day it names.
    #[test]
    fn the_forms_the_ui_prints() {
        for (input, day) in [
            ("12 ربيع الأول 1445هـ", "2023-09-27"),
            ("12 ربيع الأول 1445 هـ", "2023-09-27"),
            ("12 ربيع الأول 1445", "2023-09-27"),
            ("١٢ ربيع الأول ١٤٤٥هـ", "2023-09-27"),
            ("١٢ ربيع الاول ١٤٤٥ ه", "2023-09-27"),
            ("12 Rabi\u{2018} al-Awwal 1445 AH", "2023-09-27"),
            ("12 Rabi' al-awwal 1445", "2023-09-27"),
            ("12 rabi al awwal 1445h", "2023-09-27"),
            ("27 سبتمبر 2023م", "2023-09-27"),
            ("٢٧ سبتمبر ٢٠٢٣م", "2023-09-27"),
            ("27 September 2023", "2023-09-27"),
            ("27 Sep 2023", "2023-09-27"),
            ("27 أيلول 2023", "2023-09-27"),
            ("12 رجب 1445هـ", "2024-01-24"),
            ("12 Rajab 1445 AH", "2024-01-24"),
            ("24 يناير 2024م", "2024-01-24"),
            ("12 Sha\u{2018}ban 1445 AH", "2024-02-22"),
            ("1 ذو الحجة 1445هـ", "2024-06-07"),
            ("1 Dhu al-Hijjah 1445 AH", "2024-06-07"),
            ("1 جمادى الآخرة 1445هـ", "2023-12-14"),
            ("1 Jumada al-Akhirah 1445 AH", "2023-12-14"),
            ("1 جمادى الثانية 1445", "2023-12-14"),
            // the day in both calendars, as one line of the UI
            ("12 ربيع الأول 1445هـ — 27 سبتمبر 2023م", "2023-09-27"),
            (
                "12 Rabi\u{2018} al-Awwal 1445 AH — 27 September 2023",
                "2023-09-27",
            ),
            // copied from a right-to-left page, with its isolates and marks
            ("\u{2066}1445-03-12\u{2069}هـ", "2023-09-27"),
            ("\u{200F}12 ربيع الأول 1445هـ\u{200F}", "2023-09-27"),
        ] {
            let d = DateInput::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (d.span, d.first, d.last),
                (Span::Day, g(day), g(day)),
                "{input}"
            );
        }
        // a month by its name
        for (input, first, last) in [
            ("ربيع الأول 1445هـ", "2023-09-16", "2023-10-15"),
            ("Rabi\u{2018} al-Awwal 1445 AH", "2023-09-16", "2023-10-15"),
            ("سبتمبر 2023م", "2023-09-01", "2023-09-30"),
            ("February 2024", "2024-02-01", "2024-02-29"),
        ] {
            let d = DateInput::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (d.span, d.first, d.last),
                (Span::Month, g(first), g(last)),
                "{input}"
            );
        }
        for bad in [
            "12 رجب 2023م",          // a Hijri month, a Gregorian suffix
            "27 September 1445",     // no Gregorian year 1445
            "30 جمادى الأولى 1445هـ", // Jumada al-Ula 1445 has 29 days
            "12 Smarch 2023",
            "12 ربيع 1445", // which Rabi‘?
            "ربيع الأول",    // no year
            "123 رجب 1445",
            "12 رجب 45",
            "12 ربيع الأول 1445هـ — 28 سبتمبر 2023م", // two different days
        ] {
            assert!(DateInput::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

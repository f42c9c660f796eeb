//! Where reading time goes: each recognition call is charged to what it
//! was for, so that an import can say how much of its Tesseract time was
//! the page's one reading and how much was a second look.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a recognition call was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadingKind {
    /// The page's reading, in the language chosen for it.
    Main,
    /// Orientation: Tesseract's OSD, and strips or whole pages read under
    /// other quarter turns when OSD had no answer.
    Orientation,
    /// The page again in the other language or in both, and the lines of
    /// the other script read with the other model.
    OtherLanguage,
    /// The unsure lines of an unsure page, each read again on its own.
    UnsureLines,
    /// The page again without the median filter, when the filtered page
    /// read poorly.
    Unfiltered,
    /// Bands of ink the page's reading dropped, read again as lines.
    DroppedLines,
}

/// Seconds inside Tesseract's recognition calls, by what they were for
/// (`tesseract_seconds_by_kind` in an import's report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadingTimes {
    pub main: f64,
    pub orientation: f64,
    pub other_language: f64,
    pub unsure_lines: f64,
    pub unfiltered: f64,
    pub dropped_lines: f64,
}

impl ReadingTimes {
    fn slot(&mut self, kind: ReadingKind) -> &mut f64 {
        match kind {
            ReadingKind::Main => &mut self.main,
            ReadingKind::Orientation => &mut self.orientation,
            ReadingKind::OtherLanguage => &mut self.other_language,
            ReadingKind::UnsureLines => &mut self.unsure_lines,
            ReadingKind::Unfiltered => &mut self.unfiltered,
            ReadingKind::DroppedLines => &mut self.dropped_lines,
        }
    }

    /// Each kind's seconds, named as in the report.
    pub fn by_kind(&self) -> [(&'static str, f64); 6] {
        [
            ("main", self.main),
            ("orientation", self.orientation),
            ("other_language", self.other_language),
            ("unsure_lines", self.unsure_lines),
            ("unfiltered", self.unfiltered),
            ("dropped_lines", self.dropped_lines),
        ]
    }

    fn values(&self) -> [f64; 6] {
        self.by_kind().map(|(_, v)| v)
    }

    fn from_values(v: [f64; 6]) -> Self {
        let [main, orientation, other_language, unsure_lines, unfiltered, dropped_lines] = v;
        ReadingTimes {
            main,
            orientation,
            other_language,
            unsure_lines,
            unfiltered,
            dropped_lines,
        }
    }

    /// Charge `took` to `kind`.
    pub fn add(&mut self, kind: ReadingKind, took: Duration) {
        *self.slot(kind) += took.as_secs_f64();
    }

    /// Every kind together.
    pub fn total(&self) -> f64 {
        self.values().iter().sum()
    }

    /// What was spent since `before` (a reading of the same engine).
    pub fn since(&self, before: &ReadingTimes) -> ReadingTimes {
        let (a, b) = (self.values(), before.values());
        Self::from_values(std::array::from_fn(|i| (a[i] - b[i]).max(0.0)))
    }
}

impl std::ops::AddAssign for ReadingTimes {
    fn add_assign(&mut self, other: ReadingTimes) {
        let (a, b) = (self.values(), other.values());
        *self = Self::from_values(std::array::from_fn(|i| a[i] + b[i]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_add_up_by_kind_and_subtract_field_by_field() {
        let mut t = ReadingTimes::default();
        t.add(ReadingKind::Main, Duration::from_millis(500));
        t.add(ReadingKind::Orientation, Duration::from_millis(100));
        let before = t;
        t.add(ReadingKind::Main, Duration::from_millis(250));
        t.add(ReadingKind::DroppedLines, Duration::from_millis(50));
        let d = t.since(&before);
        assert!((d.main - 0.25).abs() < 1e-9 && (d.dropped_lines - 0.05).abs() < 1e-9);
        assert_eq!(d.orientation, 0.0);
        assert!((t.total() - 0.9).abs() < 1e-9);
        let mut sum = ReadingTimes::default();
        sum += d;
        sum += d;
        assert!((sum.total() - 0.6).abs() < 1e-9);
        let v = serde_json::to_value(d).unwrap();
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            [
                "dropped_lines",
                "main",
                "orientation",
                "other_language",
                "unfiltered",
                "unsure_lines"
            ]
        );
    }
}

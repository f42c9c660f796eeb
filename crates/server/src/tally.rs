//! Refusals a client can repeat as fast as it likes (a locked login tried
//! again and again) go to the audit log as counts, not one synced entry
//! each: the first refusal of a kind from an address is written at once,
//! the ones after it within the interval are only counted, and the count is
//! written as one entry when the interval ends. An unauthenticated flood
//! then grows the log by one small entry per address and interval.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most distinct user names (or documents) a count entry names.
const MAX_NAMED: usize = 5;
/// Most open counts kept; beyond this a new address is written at once and
/// not counted (a count is a saving, not a record: nothing is lost).
const MAX_OPEN: usize = 10_000;

/// What [`Tally::note`] decided for one refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// The first of its kind from the address in this interval: write it.
    Write,
    /// Counted: it is written as part of the interval's count.
    Counted,
}

/// The refusals counted for one kind and address in one interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub kind: &'static str,
    /// Who was refused (empty when no one is logged in).
    pub actor: String,
    pub address: String,
    /// Refusals after the first one (which was written on its own).
    pub repeated: u32,
    /// The first few distinct names tried (login names, or the documents
    /// asked for), sorted.
    pub names: Vec<String>,
    /// Refusals that named something beyond those listed.
    pub more_names: u32,
    pub interval: Duration,
}

struct Open {
    since: Instant,
    repeated: u32,
    names: BTreeSet<String>,
    more_names: u32,
}

/// Counts of repeated refusals, per kind and client address.
pub struct Tally {
    interval: Duration,
    open: Mutex<HashMap<(&'static str, String, String), Open>>,
}

impl Tally {
    pub fn new(interval: Duration) -> Self {
        Tally {
            interval,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A refusal of `kind` to `actor` (empty if unknown) from `address`
    /// naming `name`: write it now, or count it. Counts whose interval has
    /// ended are returned for writing by [`Tally::due`].
    pub fn note(
        &self,
        kind: &'static str,
        actor: &str,
        address: &str,
        name: &str,
        now: Instant,
    ) -> Note {
        let mut open = self.open.lock().expect("tally lock");
        let key = (kind, actor.to_string(), address.to_string());
        match open.get_mut(&key) {
            Some(o) if now.duration_since(o.since) < self.interval => {
                o.repeated = o.repeated.saturating_add(1);
                if !o.names.contains(name) {
                    if o.names.len() < MAX_NAMED {
                        o.names.insert(name.to_string());
                    } else {
                        o.more_names = o.more_names.saturating_add(1);
                    }
                }
                Note::Counted
            }
            // An ended interval still holding a count is left for `due`;
            // a new one starts when it has been written.
            Some(o) if o.repeated > 0 => {
                o.repeated = o.repeated.saturating_add(1);
                Note::Counted
            }
            _ => {
                if open.len() < MAX_OPEN {
                    open.insert(
                        key,
                        Open {
                            since: now,
                            repeated: 0,
                            names: BTreeSet::new(),
                            more_names: 0,
                        },
                    );
                }
                Note::Write
            }
        }
    }

    /// The counts whose interval has ended, taken out of the tally (an
    /// interval with no repeats just closes).
    pub fn due(&self, now: Instant) -> Vec<Count> {
        let mut open = self.open.lock().expect("tally lock");
        let mut out = Vec::new();
        open.retain(|(kind, actor, address), o| {
            if now.duration_since(o.since) < self.interval {
                return true;
            }
            if o.repeated > 0 {
                out.push(Count {
                    kind,
                    actor: actor.clone(),
                    address: address.clone(),
                    repeated: o.repeated,
                    names: std::mem::take(&mut o.names).into_iter().collect(),
                    more_names: o.more_names,
                    interval: self.interval,
                });
            }
            false
        });
        out.sort_by(|a, b| (a.kind, &a.actor, &a.address).cmp(&(b.kind, &b.actor, &b.address)));
        out
    }

    /// Every count still open, whatever its age (at shutdown).
    pub fn all(&self) -> Vec<Count> {
        self.due(Instant::now() + self.interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_refusal_is_written_and_the_rest_counted_per_interval() {
        let t = Tally::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let s = |n| t0 + Duration::from_secs(n);
        assert_eq!(t.note("login", "", "10.0.0.1", "sara", s(0)), Note::Write);
        for i in 0..500 {
            let name = format!("name{}", i % 8);
            assert_eq!(t.note("login", "", "10.0.0.1", &name, s(1)), Note::Counted);
        }
        // Another address, another kind: their own first entries.
        assert_eq!(t.note("login", "", "10.0.0.2", "sara", s(2)), Note::Write);
        assert_eq!(t.note("read", "omar", "10.0.0.1", "7", s(2)), Note::Write);
        assert!(t.due(s(59)).is_empty());
        let due = t.due(s(61));
        assert_eq!(
            due,
            vec![Count {
                kind: "login",
                actor: String::new(),
                address: "10.0.0.1".into(),
                repeated: 500,
                names: ["name0", "name1", "name2", "name3", "name4"]
                    .map(String::from)
                    .to_vec(),
                more_names: 186,
                interval: Duration::from_secs(60),
            }]
        );
        // Written: a new interval starts with a written entry again.
        assert_eq!(t.note("login", "", "10.0.0.1", "sara", s(62)), Note::Write);
        assert!(t.due(s(200)).is_empty());
    }

    #[test]
    fn a_count_past_its_interval_keeps_counting_until_written() {
        let t = Tally::new(Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(t.note("login", "", "a", "x", t0), Note::Write);
        assert_eq!(t.note("login", "", "a", "x", t0), Note::Counted);
        let late = t0 + Duration::from_secs(90);
        assert_eq!(t.note("login", "", "a", "x", late), Note::Counted);
        assert_eq!(t.all()[0].repeated, 2);
        assert!(t.all().is_empty());
    }
}

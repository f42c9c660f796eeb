//! Throttling of failed logins, per user name and per client address.
//!
//! A few failures are free; after that each further failure locks the key
//! for twice as long as the one before, up to a ceiling. A locked key is
//! refused before its password is even checked, so guessing is slowed to a
//! handful of tries per hour whatever the attacker's speed. Failures are
//! forgotten after a quiet period. Kept in memory: a restart forgets them,
//! which only ever helps the legitimate user.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How forgiving the throttle is.
#[derive(Debug, Clone)]
pub struct ThrottlePolicy {
    /// Failures allowed per user name before it is locked.
    pub free_per_user: u32,
    /// Failures allowed per client address (many users behind one office
    /// router share it) before it is locked.
    pub free_per_address: u32,
    /// The first lock; each further failure doubles it.
    pub first_lock: Duration,
    /// The longest lock.
    pub max_lock: Duration,
    /// Failures older than this (and not locked) are forgotten.
    pub forget_after: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            free_per_user: 5,
            free_per_address: 20,
            first_lock: Duration::from_secs(30),
            max_lock: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// The throttle's memory. Keys are `user:NAME` and `addr:ADDRESS`.
pub struct Throttle {
    policy: ThrottlePolicy,
    records: Mutex<HashMap<String, Record>>,
}

/// Most keys remembered; beyond this the forgettable ones are dropped.
const MAX_KEYS: usize = 100_000;

impl Throttle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Throttle {
            policy,
            records: Mutex::new(HashMap::new()),
        }
    }

    fn keys(user: &str, address: &str) -> [(String, bool); 2] {
        [
            (format!("user:{}", user.to_lowercase()), true),
            (format!("addr:{address}"), false),
        ]
    }

    /// `Err(wait)` when the user or the address is locked.
    pub fn check(&self, user: &str, address: &str, now: Instant) -> Result<(), Duration> {
        let records = self.records.lock().expect("throttle lock");
        Self::locked(&records, user, address, now)
    }

    fn locked(
        records: &HashMap<String, Record>,
        user: &str,
        address: &str,
        now: Instant,
    ) -> Result<(), Duration> {
        let wait = Self::keys(user, address)
            .iter()
            .filter_map(|(k, _)| records.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        match wait {
            Some(w) => Err(w),
            None => Ok(()),
        }
    }

    /// Start a password check: `Err(wait)` when the user or the address is
    /// locked; otherwise the attempt is counted as a failure at once, in
    /// the same step as the lock check, before the password is looked at.
    /// So however many attempts arrive together, no more than the free ones
    /// get their password checked. [`Throttle::succeeded`] takes the count
    /// back when the password was right.
    pub fn begin(&self, user: &str, address: &str, now: Instant) -> Result<(), Duration> {
        let mut records = self.records.lock().expect("throttle lock");
        Self::locked(&records, user, address, now)?;
        if records.len() >= MAX_KEYS {
            let p = &self.policy;
            records.retain(|_, r| !Self::forgettable(p, r, now));
        }
        for (key, is_user) in Self::keys(user, address) {
            let free = self.free(is_user);
            let r = records.entry(key).or_insert(Record {
                failures: 0,
                last: now,
                locked_until: None,
            });
            if Self::forgettable(&self.policy, r, now) {
                *r = Record {
                    failures: 0,
                    last: now,
                    locked_until: None,
                };
            }
            r.failures += 1;
            r.last = now;
            if r.failures >= free {
                let doublings = (r.failures - free).min(16);
                let lock = self
                    .policy
                    .first_lock
                    .saturating_mul(1 << doublings)
                    .min(self.policy.max_lock);
                r.locked_until = Some(now + lock);
            }
        }
        Ok(())
    }

    fn free(&self, is_user: bool) -> u32 {
        if is_user {
            self.policy.free_per_user
        } else {
            self.policy.free_per_address
        }
    }

    /// The attempt begun by [`Throttle::begin`] had the right password: the
    /// user's failures are cleared, and the address gets back the one
    /// failure the attempt was counted as (only that one: a valid account
    /// must not reset a guessing run from its address). A lock the attempt
    /// itself set on the address is lifted if the address is back under its
    /// free failures.
    pub fn succeeded(&self, user: &str, address: &str) {
        let mut records = self.records.lock().expect("throttle lock");
        let [(user_key, _), (addr_key, _)] = Self::keys(user, address);
        records.remove(&user_key);
        let free = self.free(false);
        if let Some(r) = records.get_mut(&addr_key) {
            r.failures = r.failures.saturating_sub(1);
            if r.failures < free {
                r.locked_until = None;
            }
        }
    }

    fn forgettable(p: &ThrottlePolicy, r: &Record, now: Instant) -> bool {
        r.locked_until.is_none_or(|u| u <= now) && now.duration_since(r.last) >= p.forget_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> Throttle {
        Throttle::new(ThrottlePolicy {
            free_per_user: 3,
            free_per_address: 5,
            first_lock: Duration::from_secs(10),
            max_lock: Duration::from_secs(60),
            forget_after: Duration::from_secs(300),
        })
    }

    fn at(t0: Instant, s: u64) -> Instant {
        t0 + Duration::from_secs(s)
    }

    #[test]
    fn a_user_is_locked_after_the_free_failures_and_the_lock_doubles() {
        let t = throttle();
        let t0 = Instant::now();
        for i in 0..2 {
            t.begin("sara", "10.0.0.1", at(t0, i)).unwrap();
            assert!(t.check("sara", "10.0.0.1", at(t0, i)).is_ok());
        }
        t.begin("sara", "10.0.0.1", at(t0, 2)).unwrap();
        let wait = t.check("sara", "10.0.0.9", at(t0, 2)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(10));
        // From another address too, and a locked attempt is refused before
        // it counts: the lock is on the name.
        assert_eq!(
            t.begin("SARA", "10.0.0.2", at(t0, 5)).unwrap_err(),
            Duration::from_secs(7)
        );
        assert!(t.check("sara", "10.0.0.2", at(t0, 12)).is_ok());
        t.begin("sara", "10.0.0.2", at(t0, 12)).unwrap();
        assert_eq!(
            t.check("sara", "x", at(t0, 12)).unwrap_err(),
            Duration::from_secs(20)
        );
        // Each attempt after a lock doubles it, up to the ceiling.
        t.begin("sara", "10.0.0.3", at(t0, 33)).unwrap();
        assert_eq!(
            t.check("sara", "x", at(t0, 33)).unwrap_err(),
            Duration::from_secs(40)
        );
        t.begin("sara", "10.0.0.3", at(t0, 74)).unwrap();
        assert_eq!(
            t.check("sara", "x", at(t0, 74)).unwrap_err(),
            Duration::from_secs(60)
        );
        // Other users are unaffected.
        assert!(t.check("omar", "10.0.0.8", at(t0, 74)).is_ok());
    }

    #[test]
    fn attempts_arriving_together_get_only_the_free_checks() {
        let t = std::sync::Arc::new(throttle());
        let t0 = Instant::now();
        let begun: usize = (0..40)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || t.begin("sara", "10.0.0.1", t0).is_ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap() as usize)
            .sum();
        assert_eq!(begun, 3);
    }

    #[test]
    fn an_address_is_locked_after_failures_across_many_names() {
        let t = throttle();
        let t0 = Instant::now();
        for (i, name) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            t.begin(name, "192.0.2.7", at(t0, i as u64)).unwrap();
        }
        assert!(t.check("f", "192.0.2.7", at(t0, 5)).is_err());
        assert!(t.check("f", "192.0.2.8", at(t0, 5)).is_ok());
    }

    #[test]
    fn success_clears_the_user_and_gives_the_address_its_attempt_back() {
        let t = throttle();
        let t0 = Instant::now();
        t.begin("sara", "a1", t0).unwrap();
        t.begin("sara", "a1", t0).unwrap();
        t.begin("sara", "a1", t0).unwrap();
        assert!(t.check("sara", "a1", t0).is_err());
        // Right password: the name starts again, and the address holds the
        // two failures, not three.
        t.succeeded("sara", "a1");
        assert!(t.check("sara", "a2", t0).is_ok(), "count restarted");
        for name in ["b", "c"] {
            t.begin(name, "a1", t0).unwrap();
        }
        assert!(t.check("z", "a1", t0).is_ok(), "address at 4 of 5");
        // Many good logins from one office address never lock it.
        for _ in 0..20 {
            t.begin("omar", "a1", t0).unwrap();
            t.succeeded("omar", "a1");
        }
        assert!(t.check("z", "a1", t0).is_ok());
        let later = at(t0, 301);
        t.begin("x", "a1", later).unwrap();
        assert!(t.check("y", "a1", later).is_ok(), "old failures forgotten");
    }
}

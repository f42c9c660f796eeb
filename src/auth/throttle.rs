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

    /// Count a failed login.
    pub fn failed(&self, user: &str, address: &str, now: Instant) {
        let mut records = self.records.lock().expect("throttle lock");
        if records.len() >= MAX_KEYS {
            let p = &self.policy;
            records.retain(|_, r| !Self::forgettable(p, r, now));
        }
        for (key, is_user) in Self::keys(user, address) {
            let free = if is_user {
                self.policy.free_per_user
            } else {
                self.policy.free_per_address
            };
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
    }

    /// A successful login clears the user's failures (not the address's:
    /// one valid account must not reset a guessing run from that address).
    pub fn succeeded(&self, user: &str) {
        let key = format!("user:{}", user.to_lowercase());
        self.records.lock().expect("throttle lock").remove(&key);
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

    #[test]
    fn a_user_is_locked_after_the_free_failures_and_the_lock_doubles() {
        let t = throttle();
        let t0 = Instant::now();
        for i in 0..2 {
            t.failed("sara", "10.0.0.1", t0 + Duration::from_secs(i));
            assert!(t
                .check("sara", "10.0.0.1", t0 + Duration::from_secs(i))
                .is_ok());
        }
        t.failed("sara", "10.0.0.1", t0 + Duration::from_secs(2));
        let wait = t
            .check("sara", "10.0.0.9", t0 + Duration::from_secs(2))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(10));
        // From another address too: the lock is on the name.
        assert!(t
            .check("SARA", "10.0.0.2", t0 + Duration::from_secs(5))
            .is_err());
        assert!(t
            .check("sara", "10.0.0.2", t0 + Duration::from_secs(12))
            .is_ok());
        t.failed("sara", "10.0.0.2", t0 + Duration::from_secs(12));
        assert_eq!(
            t.check("sara", "x", t0 + Duration::from_secs(12))
                .unwrap_err(),
            Duration::from_secs(20)
        );
        // Capped.
        for s in 13..30 {
            t.failed("sara", "10.0.0.3", t0 + Duration::from_secs(s));
        }
        assert_eq!(
            t.check("sara", "x", t0 + Duration::from_secs(29))
                .unwrap_err(),
            Duration::from_secs(60)
        );
        // Other users are unaffected.
        assert!(t
            .check("omar", "10.0.0.8", t0 + Duration::from_secs(29))
            .is_ok());
    }

    #[test]
    fn an_address_is_locked_after_failures_across_many_names() {
        let t = throttle();
        let t0 = Instant::now();
        for (i, name) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            t.failed(name, "192.0.2.7", t0 + Duration::from_secs(i as u64));
        }
        assert!(t
            .check("f", "192.0.2.7", t0 + Duration::from_secs(5))
            .is_err());
        assert!(t
            .check("f", "192.0.2.8", t0 + Duration::from_secs(5))
            .is_ok());
    }

    #[test]
    fn success_clears_the_user_and_quiet_time_forgets() {
        let t = throttle();
        let t0 = Instant::now();
        t.failed("sara", "a1", t0);
        t.failed("sara", "a1", t0);
        t.succeeded("sara");
        t.failed("sara", "a1", t0);
        assert!(t.check("sara", "a2", t0).is_ok(), "count restarted");
        t.failed("sara", "a1", t0);
        let later = t0 + Duration::from_secs(301);
        t.failed("sara", "a1", later);
        assert!(
            t.check("sara", "a2", later).is_ok(),
            "old failures forgotten"
        );
    }
}

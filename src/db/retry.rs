//! How an outage is waited out: the one reconnect policy of arshif's
//! database users. A call that fails because the database cannot be
//! reached is tried again after a pause that doubles (from 200 ms to at
//! most 10 s), for as long as the caller allows; any other failure, or an
//! outage that lasts longer, is returned.

use std::time::{Duration, Instant};

/// Waits with backoff between attempts, up to a limit.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first pause.
    pub first: Duration,
    /// The longest pause.
    pub max: Duration,
    /// How long the outage is waited out in all.
    pub limit: Duration,
}

impl Backoff {
    /// The policy for an outage of up to `limit`.
    pub fn outage(limit: Duration) -> Self {
        Backoff {
            first: Duration::from_millis(200),
            max: Duration::from_secs(10),
            limit,
        }
    }

    /// Run `op` until it succeeds, fails other than by an outage
    /// (`is_outage`), or the next pause would end past the limit. Each
    /// pause is logged, naming `what` was unreachable.
    pub fn run<T, E: std::fmt::Display>(
        &self,
        what: &str,
        mut op: impl FnMut() -> Result<T, E>,
        is_outage: impl Fn(&E) -> bool,
    ) -> Result<T, E> {
        let start = Instant::now();
        let mut wait = self.first;
        loop {
            match op() {
                Ok(v) => return Ok(v),
                Err(e) if is_outage(&e) && start.elapsed() + wait <= self.limit => {
                    tracing::warn!(
                        "{what} unreachable ({e}); retrying in {:.1} s",
                        wait.as_secs_f64()
                    );
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(self.max);
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_waited_out_and_other_failures_are_not() {
        let quick = Backoff {
            first: Duration::from_millis(1),
            max: Duration::from_millis(4),
            limit: Duration::from_secs(5),
        };
        let mut n = 0;
        let r: Result<i32, String> = quick.run(
            "db",
            || {
                n += 1;
                if n < 4 {
                    Err("down".into())
                } else {
                    Ok(n)
                }
            },
            |e| e == "down",
        );
        assert_eq!(r, Ok(4));
        let mut n = 0;
        let r: Result<i32, String> = quick.run(
            "db",
            || {
                n += 1;
                Err("refused".into())
            },
            |e| e == "down",
        );
        assert_eq!((r, n), (Err("refused".into()), 1));
        // The limit: given up once the next pause would pass it.
        let short = Backoff {
            limit: Duration::from_millis(5),
            ..quick
        };
        let mut n = 0;
        let r: Result<i32, String> = short.run(
            "db",
            || {
                n += 1;
                Err("down".into())
            },
            |e| e == "down",
        );
        assert!(r.is_err());
        assert!((2..=4).contains(&n), "{n} attempts");
    }
}

//! Backoff between tries of one request: exponential with jitter, bounded by the number
//! of tries and by the time spent since the first one. Written here rather than taken
//! from a crate because the loop also has to honour `Retry-After` and renew tokens,
//! which would leave a crate only the arithmetic below.

use crate::config::RetryPolicy;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// The retry budget of one request.
pub(crate) struct Backoff<'a> {
    policy: &'a RetryPolicy,
    started: Instant,
    /// Tries made so far.
    tries: u32,
}

impl<'a> Backoff<'a> {
    pub(crate) fn start(policy: &'a RetryPolicy) -> Self {
        Self {
            policy,
            started: Instant::now(),
            tries: 0,
        }
    }

    /// Counts a try; returns its 1-based number for logs.
    pub(crate) fn begin_try(&mut self) -> u32 {
        self.tries += 1;
        self.tries
    }

    /// After a failed try: how long to wait before the next one, or `None` when the
    /// tries or the time are used up. `server_hint` is a `Retry-After` from Ponto.
    pub(crate) fn next_delay(&self, server_hint: Option<Duration>) -> Option<Duration> {
        if self.tries >= self.policy.max_attempts {
            return None;
        }
        let delay = match server_hint {
            Some(hint) => hint.min(self.policy.max_delay),
            None => jittered(exponential(self.policy, self.tries - 1)),
        };
        let fits = self.started.elapsed() + delay <= self.policy.max_elapsed;
        fits.then_some(delay)
    }
}

/// `base_delay * 2^retry`, never above `max_delay`.
pub(crate) fn exponential(policy: &RetryPolicy, retry: u32) -> Duration {
    let factor = 2u32.saturating_pow(retry.min(30));
    policy
        .base_delay
        .saturating_mul(factor)
        .min(policy.max_delay)
}

/// A random delay between half and all of `delay`, so that several clients (or threads)
/// hit by the same outage do not come back in lockstep.
pub(crate) fn jittered(delay: Duration) -> Duration {
    let half = delay / 2;
    let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    if spread == 0 {
        return delay;
    }
    half + Duration::from_nanos(random_u64() % (spread + 1))
}

/// Randomness without a dependency: std's per-process random hash keys.
fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(attempts: u32, elapsed_ms: u64) -> RetryPolicy {
        RetryPolicy {
            max_attempts: attempts,
            max_elapsed: Duration::from_millis(elapsed_ms),
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        }
    }

    #[test]
    fn doubles_up_to_the_cap() {
        let p = policy(10, 60_000);
        let delays: Vec<u128> = (0..6).map(|r| exponential(&p, r).as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(exponential(&p, 1_000), Duration::from_millis(1000));
    }

    #[test]
    fn jitter_stays_between_half_and_all() {
        for _ in 0..200 {
            let d = jittered(Duration::from_millis(800));
            assert!(
                d >= Duration::from_millis(400) && d <= Duration::from_millis(800),
                "{d:?}"
            );
        }
        assert_eq!(jittered(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn stops_after_max_attempts() {
        let p = policy(3, 60_000);
        let mut b = Backoff::start(&p);
        b.begin_try();
        assert!(b.next_delay(None).is_some());
        b.begin_try();
        assert!(b.next_delay(None).is_some());
        b.begin_try();
        assert_eq!(b.next_delay(None), None);
    }

    #[test]
    fn stops_when_the_wait_would_pass_max_elapsed() {
        let short = policy(10, 50);
        let mut b = Backoff::start(&short);
        b.begin_try();
        assert_eq!(b.next_delay(Some(Duration::from_millis(400))), None);
        let long = policy(10, 600_000);
        let mut b = Backoff::start(&long);
        b.begin_try();
        assert_eq!(
            b.next_delay(Some(Duration::from_millis(400))),
            Some(Duration::from_millis(400))
        );
    }

    #[test]
    fn caps_a_long_retry_after() {
        let p = policy(10, 60_000);
        let mut b = Backoff::start(&p);
        b.begin_try();
        assert_eq!(
            b.next_delay(Some(Duration::from_secs(3600))),
            Some(Duration::from_millis(1000))
        );
    }
}

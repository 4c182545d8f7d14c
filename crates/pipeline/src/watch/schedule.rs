//! When the next scheduled fetch is due: every `interval` plus a jitter of at most 10%,
//! sooner with backoff after a temporary failure. The next time is counted from the end
//! of the last run, so a machine that slept through several runs catches up once.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// The first retry after a temporary failure; it doubles up to the interval.
pub const FIRST_RETRY: Duration = Duration::from_secs(30);

/// How a run ended, for the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    Ok,
    /// Ponto unreachable, 5xx, 429, a busy ledger: try again sooner.
    Temporary,
    /// Needs someone to look (credentials, an account gone): reported on every run.
    Permanent,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    interval: Duration,
    next_due: DateTime<Utc>,
    temporary_failures: u32,
    jitter_seed: u64,
}

impl Schedule {
    /// A schedule whose first fetch is due at `now`.
    pub fn starting(now: DateTime<Utc>, interval: Duration, jitter_seed: u64) -> Schedule {
        Schedule {
            interval,
            next_due: now,
            temporary_failures: 0,
            jitter_seed,
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn set_interval(&mut self, interval: Duration, now: DateTime<Utc>) {
        self.interval = interval;
        let latest = now + to_chrono(interval);
        if self.next_due > latest {
            self.next_due = latest;
        }
    }

    pub fn next_due(&self) -> DateTime<Utc> {
        self.next_due
    }

    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        now >= self.next_due
    }

    /// How long until the next fetch (zero when due).
    pub fn until_due(&self, now: DateTime<Utc>) -> Duration {
        (self.next_due - now).to_std().unwrap_or(Duration::ZERO)
    }

    /// Plans the next fetch after a run that ended at `now`.
    pub fn after_run(&mut self, end: RunEnd, now: DateTime<Utc>) {
        let wait = match end {
            RunEnd::Temporary => {
                self.temporary_failures = self.temporary_failures.saturating_add(1);
                self.backoff()
            }
            RunEnd::Ok | RunEnd::Permanent => {
                self.temporary_failures = 0;
                self.interval + self.jitter()
            }
        };
        self.next_due = now + to_chrono(wait);
    }

    /// 30 s, 60 s, 120 s … but never longer than the interval.
    fn backoff(&self) -> Duration {
        let doublings = self.temporary_failures.saturating_sub(1).min(20);
        FIRST_RETRY
            .saturating_mul(1 << doublings)
            .min(self.interval)
    }

    /// At most 10% of the interval, different on every run, so that many installations
    /// do not ask Ponto at the same second.
    fn jitter(&mut self) -> Duration {
        self.jitter_seed = mix(self.jitter_seed);
        let tenth = self.interval.as_millis() as u64 / 10;
        if tenth == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(self.jitter_seed % (tenth + 1))
    }
}

fn to_chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// splitmix64's mixer: enough to spread the jitter.
fn mix(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0)
            .single()
            .expect("instant")
    }

    #[test]
    fn the_first_fetch_is_due_at_once_and_the_next_after_the_interval_plus_at_most_10_percent() {
        let mut schedule = Schedule::starting(at(0), Duration::from_secs(3600), 7);
        assert!(schedule.is_due(at(0)));
        for run in 0..50 {
            let end = at(run * 4000);
            schedule.after_run(RunEnd::Ok, end);
            let wait = (schedule.next_due() - end).num_milliseconds();
            assert!((3_600_000..=3_960_000).contains(&wait), "{wait}");
        }
    }

    #[test]
    fn a_machine_that_slept_catches_up_once() {
        let mut schedule = Schedule::starting(at(0), Duration::from_secs(60), 1);
        schedule.after_run(RunEnd::Ok, at(0));
        // Asleep for ten intervals: one run is due, and after it the next is an interval away.
        assert!(schedule.is_due(at(600)));
        schedule.after_run(RunEnd::Ok, at(601));
        assert!(!schedule.is_due(at(602)));
        assert!(schedule.until_due(at(602)) >= Duration::from_secs(59));
    }

    #[test]
    fn temporary_failures_back_off_up_to_the_interval_and_a_success_resets() {
        let mut schedule = Schedule::starting(at(0), Duration::from_secs(300), 3);
        let mut waits = Vec::new();
        for _ in 0..5 {
            schedule.after_run(RunEnd::Temporary, at(0));
            waits.push(schedule.until_due(at(0)).as_secs());
        }
        assert_eq!(waits, [30, 60, 120, 240, 300]);
        schedule.after_run(RunEnd::Ok, at(0));
        schedule.after_run(RunEnd::Temporary, at(0));
        assert_eq!(schedule.until_due(at(0)).as_secs(), 30);
        schedule.after_run(RunEnd::Permanent, at(0));
        assert!(
            schedule.until_due(at(0)).as_secs() >= 300,
            "a permanent failure waits the interval"
        );
    }
}

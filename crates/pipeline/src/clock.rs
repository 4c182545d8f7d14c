//! Time is passed in: the engine never reads the system clock behind the caller's back,
//! so runs and loops can be tested with a fixed or fake clock.

use chrono::{DateTime, Utc};

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock (with the `test-hooks` feature, `PONTO2CAMT_NOW` can fix it).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        now()
    }
}

/// A clock that always says the same time.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock that starts where another one stands and then runs with real time: a
/// long-running process whose clock was fixed for a test still sees time pass.
#[derive(Debug, Clone, Copy)]
pub struct RunningClock {
    anchor: DateTime<Utc>,
    started: std::time::Instant,
}

impl RunningClock {
    pub fn from(clock: &dyn Clock) -> RunningClock {
        RunningClock {
            anchor: clock.now(),
            started: std::time::Instant::now(),
        }
    }
}

impl Clock for RunningClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default();
        self.anchor + elapsed
    }
}

/// `PONTO2CAMT_NOW` (RFC 3339, e.g. `2024-03-06T07:00:00Z`) fixes the clock in test
/// builds: every creation time written into a file then comes from it.
pub const NOW_VARIABLE: &str = "PONTO2CAMT_NOW";

/// The current time.
pub fn now() -> DateTime<Utc> {
    fixed_by_environment().unwrap_or_else(Utc::now)
}

#[cfg(feature = "test-hooks")]
fn fixed_by_environment() -> Option<DateTime<Utc>> {
    std::env::var(NOW_VARIABLE)
        .ok()
        .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(not(feature = "test-hooks"))]
fn fixed_by_environment() -> Option<DateTime<Utc>> {
    None
}

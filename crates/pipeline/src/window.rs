//! How far back a first read goes. Ponto lists by creation, so transactions executed a
//! few days before the start day can sit among newer ones: a first read (the first
//! `fetch` of an account, `export --since`) goes on until the transactions were created
//! a margin before the start day's local midnight in the bank's zone.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Days read before the start day.
pub const FIRST_READ_MARGIN_DAYS: i64 = 7;

/// The zone a bank's days are counted in when neither the bank nor the configuration says.
pub const DEFAULT_ZONE: Tz = chrono_tz::Europe::Brussels;

/// The creation time before which a first read from `start` may stop.
pub fn first_read_cutoff(start: NaiveDate, zone: Tz) -> DateTime<Utc> {
    local_midnight(start, zone) - Duration::days(FIRST_READ_MARGIN_DAYS)
}

/// The instant a day starts in `zone` (the earliest, when a clock change repeats it).
pub fn local_midnight(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let naive = day.and_time(chrono::NaiveTime::MIN);
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_seven_days_before_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 7, 10).expect("date");
        let cutoff = first_read_cutoff(day, chrono_tz::Europe::Brussels);
        // Brussels is UTC+2 in summer: local midnight is 22:00 UTC the day before.
        assert_eq!(cutoff.to_rfc3339(), "2026-07-02T22:00:00+00:00");
    }
}

//! Dates as Ponto writes them: UTC instants with milliseconds. Central European banks
//! that only know a date send local midnight expressed in UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn utc_midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap_or_default();
    let mut day = first_next - Duration::days(1);
    while day.weekday() != Weekday::Sun {
        day -= Duration::days(1);
    }
    day
}

/// Central European summer time runs from the last Sunday of March to the last Sunday
/// of October, switching at 01:00 UTC (EU rule since 1996).
fn is_summer_time(t: DateTime<Utc>) -> bool {
    let year = t.year();
    let start = utc_midnight(last_sunday(year, 3)) + Duration::hours(1);
    let end = utc_midnight(last_sunday(year, 10)) + Duration::hours(1);
    t >= start && t < end
}

/// Central European local time to UTC (Berlin, Brussels, Amsterdam, Zurich).
pub fn cet_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    let guess = Utc.from_utc_datetime(&local) - Duration::hours(1);
    let offset = if is_summer_time(guess - Duration::hours(1)) {
        2
    } else {
        1
    };
    Utc.from_utc_datetime(&local) - Duration::hours(offset)
}

pub fn cet_midnight(day: NaiveDate) -> DateTime<Utc> {
    cet_to_utc(day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_midnight_in_utc() {
        let winter = NaiveDate::from_ymd_opt(2019, 1, 2).unwrap();
        assert_eq!(iso(cet_midnight(winter)), "2019-01-01T23:00:00.000Z");
        let summer = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        assert_eq!(iso(cet_midnight(summer)), "2024-06-30T22:00:00.000Z");
        let after_switch = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
        assert_eq!(iso(cet_midnight(after_switch)), "2024-03-31T22:00:00.000Z");
    }
}

//! Dates: Ponto sends UTC instants (a date-only bank sends its local midnight in UTC);
//! the calendar date is taken in the bank's time zone, so a booking shortly after local
//! midnight does not land on the previous day.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use std::cell::RefCell;

/// The years `xs:date` can hold as our writer writes them (four digits, no year 0).
pub const MIN_CAMT_YEAR: i32 = 1;
pub const MAX_CAMT_YEAR: i32 = 9999;

/// The calendar date of `instant` in the bank's zone.
pub fn local_date(instant: DateTime<Utc>, zone: Tz) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// [`local_date`], remembered for the instants this thread saw last. Banks that book
/// by day send the same local midnight for every transaction of the day, so a bundle
/// has few distinct instants, while the zone lookup (a binary search over the zone's
/// transitions) cost ~360 instructions a transaction. The table keeps a pure function
/// of its key (zone and instant), overwritten slot by slot, so it always gives what
/// [`local_date`] gives.
pub(crate) fn recent_local_date(instant: DateTime<Utc>, zone: Tz) -> NaiveDate {
    type Slot = Option<(Tz, DateTime<Utc>, NaiveDate)>;
    const SLOTS: usize = 1024;
    thread_local! {
        static RECENT: RefCell<[Slot; SLOTS]> = const { RefCell::new([None; SLOTS]) };
    }
    // Fibonacci hashing: midnights are multiples of an hour, so the low bits alone
    // would pile them into a few slots. A negative timestamp wraps, which is as good.
    let hash = (instant.timestamp() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let slot = (hash >> 54) as usize % SLOTS;
    RECENT.with_borrow_mut(|recent| match recent[slot] {
        Some((seen_zone, seen, day)) if seen_zone == zone && seen == instant => day,
        _ => {
            let day = local_date(instant, zone);
            recent[slot] = Some((zone, instant, day));
            day
        }
    })
}

/// The first instant of `day` in `zone`, with its offset. Midnight may not exist on a
/// day the clocks jump at midnight; then the first existing hour is taken.
pub fn start_of_day(day: NaiveDate, zone: Tz) -> DateTime<FixedOffset> {
    for hour in 0..24 {
        if let Some(local) = day
            .and_hms_opt(hour, 0, 0)
            .and_then(|naive| zone.from_local_datetime(&naive).earliest())
        {
            return local.fixed_offset();
        }
    }
    // No zone skips a whole day's hours; UTC midnight keeps this total anyway.
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .fixed_offset()
}

/// The last second of `day` in `zone`: one second before the next day starts.
pub fn end_of_day(day: NaiveDate, zone: Tz) -> DateTime<FixedOffset> {
    let next = day.succ_opt().unwrap_or(day);
    let end = start_of_day(next, zone) - Duration::seconds(1);
    end.with_timezone(&zone).fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Brussels;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn winter_booking_just_after_brussels_midnight_is_the_next_day() {
        // 23:30 UTC on 14 January is 00:30 on 15 January in Brussels (UTC+1).
        assert_eq!(
            local_date(utc("2024-01-14T23:30:00Z"), Brussels),
            date("2024-01-15")
        );
        assert_eq!(
            local_date(utc("2024-01-14T22:59:59Z"), Brussels),
            date("2024-01-14")
        );
    }

    #[test]
    fn summer_booking_just_after_brussels_midnight_is_the_next_day() {
        // 22:30 UTC on 14 July is 00:30 on 15 July in Brussels (UTC+2).
        assert_eq!(
            local_date(utc("2024-07-14T22:30:00Z"), Brussels),
            date("2024-07-15")
        );
        assert_eq!(
            local_date(utc("2024-07-14T21:59:59Z"), Brussels),
            date("2024-07-14")
        );
    }

    #[test]
    fn date_only_bank_at_local_midnight_keeps_its_day() {
        assert_eq!(
            local_date(utc("2024-01-14T23:00:00.000Z"), Brussels),
            date("2024-01-15")
        );
        assert_eq!(
            local_date(utc("2024-07-14T22:00:00.000Z"), Brussels),
            date("2024-07-15")
        );
    }

    #[test]
    fn day_bounds_carry_the_offset_of_the_day() {
        let start = start_of_day(date("2024-03-31"), Brussels);
        assert_eq!(start.to_rfc3339(), "2024-03-31T00:00:00+01:00");
        let end = end_of_day(date("2024-03-31"), Brussels);
        assert_eq!(end.to_rfc3339(), "2024-03-31T23:59:59+02:00");
    }

    mod recent_local_date_is_local_date {
        use super::*;
        use proptest::prelude::*;

        fn zone() -> impl Strategy<Value = Tz> {
            prop::sample::select(vec![
                Brussels,
                chrono_tz::America::Santiago,
                chrono_tz::Australia::Lord_Howe,
                chrono_tz::Pacific::Kiritimati,
                chrono_tz::UTC,
            ])
        }

        fn instant() -> impl Strategy<Value = DateTime<Utc>> {
            prop_oneof![
                // Midnights and hours, as date-only banks send them: many repeats.
                (0i64..2000, 0i64..24)
                    .prop_map(|(day, hour)| 1_600_000_000 + day * 86_400 + hour * 3_600),
                // Any second of years 0 to 9999.
                -62_167_219_200i64..253_402_300_800,
            ]
            .prop_flat_map(|seconds| (Just(seconds), 0u32..2))
            .prop_map(|(seconds, nanos)| {
                DateTime::from_timestamp(seconds, nanos).unwrap_or_default()
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            #[test]
            fn for_any_sequence_of_lookups(lookups in prop::collection::vec((instant(), zone()), 1..60)) {
                // Twice over, so the second round finds what the first remembered.
                for (instant, zone) in lookups.iter().chain(&lookups) {
                    prop_assert_eq!(recent_local_date(*instant, *zone), local_date(*instant, *zone));
                }
            }
        }
    }

    #[test]
    fn a_day_without_midnight_starts_at_its_first_hour() {
        // Santiago de Chile skipped 00:00-01:00 on 2022-09-11.
        let start = start_of_day(date("2022-09-11"), chrono_tz::America::Santiago);
        assert_eq!(start.to_rfc3339(), "2022-09-11T01:00:00-03:00");
    }
}

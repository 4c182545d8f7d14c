//! Instants (`DateTime<Utc>`) from JSON strings, cheaper than chrono's own `Deserialize`.
//!
//! A bundle carries three or four instants per transaction, nearly always in one exact
//! shape: `2024-01-25T19:33:18.000Z`. chrono's parser is general (spaces, `t`, `UTC`,
//! offsets, signed years) and costs ~1,800 instructions per instant; that one shape is
//! read here directly. Anything else goes to chrono, so what is accepted, the value and
//! every error text stay exactly chrono's.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::de::{self, Deserialize, Deserializer};
use std::fmt;

/// `deserialize_with` for an optional instant: the same as serde's default for
/// `Option<DateTime<Utc>>` (`null` and absence give `None`), but faster.
pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    // serde's own `Option` handling around the one replaced part, the instant.
    Ok(Option::<Instant>::deserialize(d)?.map(|instant| instant.0))
}

struct Instant(DateTime<Utc>);

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(InstantVisitor).map(Instant)
    }
}

/// chrono's `DateTimeVisitor` with a fast path in front.
struct InstantVisitor;

impl de::Visitor<'_> for InstantVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        // chrono's words, so type errors read as before.
        formatter.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        match parse_common(value.as_bytes()) {
            Some(instant) => Ok(instant),
            None => parse_like_chrono(value).map_err(E::custom),
        }
    }
}

/// The instant written in the common exact shape (see [`parse_common`]); `None` for
/// any other text, which chrono may still accept: for readers that parse the rest
/// through serde.
pub fn parse_exact(text: &str) -> Option<DateTime<Utc>> {
    parse_common(text.as_bytes())
}

/// What chrono's `Deserialize for DateTime<Utc>` does with a string.
fn parse_like_chrono(value: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    value
        .parse::<DateTime<FixedOffset>>()
        .map(|instant| instant.with_timezone(&Utc))
}

/// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1 to 9 digits, then `Z` or `+00:00`;
/// `None` for anything else, valid or not (leap seconds included), for chrono to read.
fn parse_common(text: &[u8]) -> Option<DateTime<Utc>> {
    let (date_time, rest) = text.split_at_checked(19)?;
    let [
        y1,
        y2,
        y3,
        y4,
        b'-',
        m1,
        m2,
        b'-',
        d1,
        d2,
        b'T',
        h1,
        h2,
        b':',
        i1,
        i2,
        b':',
        s1,
        s2,
    ] = *date_time
    else {
        return None;
    };
    let year = two_digits(y1, y2)? * 100 + two_digits(y3, y4)?;
    let second = two_digits(s1, s2)?;
    // A second of 60 (leap second) is left to chrono, like every other rarity.
    if second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        two_digits(m1, m2)?,
        two_digits(d1, d2)?,
    )?;
    let time = (two_digits(h1, h2)?, two_digits(i1, i2)?, second);
    let nanosecond = fraction(rest)?;
    Some(
        date.and_hms_nano_opt(time.0, time.1, time.2, nanosecond)?
            .and_utc(),
    )
}

/// The nanoseconds of what follows the seconds: an optional `.` and 1 to 9 digits,
/// then the zone, which must be UTC spelled `Z` or `+00:00`.
fn fraction(rest: &[u8]) -> Option<u32> {
    let digits = rest
        .strip_suffix(b"Z")
        .or_else(|| rest.strip_suffix(b"+00:00"))?;
    let Some(digits) = digits.strip_prefix(b".") else {
        return digits.is_empty().then_some(0);
    };
    // What one unit of the last digit is worth, by the number of digits (1 to 9).
    const SCALE: [u32; 10] = [
        0,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    let scale = *SCALE.get(digits.len()).filter(|&&scale| scale > 0)?;
    let value = digits.iter().try_fold(0u32, |value, &b| {
        b.is_ascii_digit().then(|| value * 10 + u32::from(b - b'0'))
    })?;
    Some(value * scale)
}

/// The value of two ASCII digits.
fn two_digits(tens: u8, ones: u8) -> Option<u32> {
    (tens.is_ascii_digit() && ones.is_ascii_digit())
        .then(|| u32::from(tens - b'0') * 10 + u32::from(ones - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path's answer must be chrono's whenever it gives one, and every text
    /// must come out of the deserializer exactly as out of chrono's.
    fn assert_same_as_chrono(text: &str) {
        if let Some(fast) = parse_common(text.as_bytes()) {
            assert_eq!(parse_like_chrono(text).ok(), Some(fast), "{text:?}");
        }
        let json = serde_json::to_string(text).expect("string");
        let ours =
            option(&mut serde_json::Deserializer::from_str(&json)).map_err(|e| e.to_string());
        let theirs =
            serde_json::from_str::<Option<DateTime<Utc>>>(&json).map_err(|e| e.to_string());
        assert_eq!(ours, theirs, "{text:?}");
    }

    #[test]
    fn the_common_shapes_take_the_fast_path() {
        for text in [
            "2024-01-25T19:33:18.000Z",
            "2024-01-25T19:33:18Z",
            "2024-02-29T00:00:00.123456789+00:00",
            "0000-01-01T00:00:00.5Z",
            "9999-12-31T23:59:59.999999999Z",
        ] {
            assert!(parse_common(text.as_bytes()).is_some(), "{text}");
            assert_same_as_chrono(text);
        }
    }

    /// Every single-byte change of a few common instants: wrong digits, wrong separators,
    /// invalid days and times, cut and lengthened fractions and zones.
    #[test]
    fn near_misses_behave_as_chrono() {
        let replacements = [
            b'0', b'1', b'2', b'3', b'5', b'6', b'9', b'-', b'+', b':', b'.', b'T', b't', b' ',
            b'Z', b'z', b'U', b'a', b'/', 0xC3,
        ];
        for base in [
            "2024-01-25T19:33:18.000Z",
            "2023-02-28T23:59:59+00:00",
            "2024-12-31T00:00:00.123456789Z",
            "1999-09-30T12:00:00Z",
        ] {
            let bytes = base.as_bytes();
            assert_same_as_chrono(base);
            for at in 0..=bytes.len() {
                assert_same_as_chrono(&String::from_utf8_lossy(&bytes[..at]));
                let mut longer = bytes.to_vec();
                for &b in &replacements {
                    longer.insert(at, b);
                    assert_same_as_chrono(&String::from_utf8_lossy(&longer));
                    longer.remove(at);
                    if at < bytes.len() {
                        let mut changed = bytes.to_vec();
                        changed[at] = b;
                        assert_same_as_chrono(&String::from_utf8_lossy(&changed));
                    }
                }
            }
        }
    }

    #[test]
    fn null_absent_and_other_types_behave_as_chrono() {
        for json in ["null", "5", "true", "{}", "[]", "\"\""] {
            let ours =
                option(&mut serde_json::Deserializer::from_str(json)).map_err(|e| e.to_string());
            let theirs =
                serde_json::from_str::<Option<DateTime<Utc>>>(json).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{json}");
        }
    }
}

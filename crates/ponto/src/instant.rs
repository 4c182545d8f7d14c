//! Instants (`DateTime<Utc>`) from JSON strings, cheaper than chrono's own `Deserialize`.
//!
//! A bundle carries three or four instants per transaction, nearly always in one exact
//! shape: `2024-01-25T19:33:18.000Z`. chrono's parser is general (spaces, `t`, `UTC`,
//! offsets, signed years) and costs ~1,800 instructions per instant; that one shape is
//! read here directly. Anything else goes to chrono, so what is accepted, the value and
//! every error text stay exactly chrono's.

use chrono::{DateTime, NaiveDate, Utc};
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
            None => value.parse::<DateTime<Utc>>().map_err(E::custom),
        }
    }
}

/// The instant written in the common exact shape (see [`parse_common`]); `None` for
/// any other text, which chrono may still accept: for readers that parse the rest
/// through serde.
pub fn parse_exact(text: &str) -> Option<DateTime<Utc>> {
    parse_common(text.as_bytes())
}

/// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1 to 9 digits, then `Z` or `+00:00`;
/// `None` for anything else, valid or not (leap seconds included), for chrono to read.
fn parse_common(text: &[u8]) -> Option<DateTime<Utc>> {
    let (date_time, rest) = text.split_first_chunk::<19>()?;
    let digits = common_digits(date_time)?;
    let pair = |at: usize| u32::from(digits[at]) * 10 + u32::from(digits[at + 1]);
    let year = pair(0) * 100 + pair(2);
    let second = pair(17);
    // A second of 60 (leap second) is left to chrono, like every other rarity.
    if second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, pair(5), pair(8))?;
    let nanosecond = fraction(rest)?;
    Some(
        date.and_hms_nano_opt(pair(11), pair(14), second, nanosecond)?
            .and_utc(),
    )
}

/// The 19 bytes of `YYYY-MM-DDTHH:MM:SS` with each digit replaced by its value (and
/// each separator by 0), or `None` when a digit or separator is not one. Eight bytes
/// at a time: a byte at a time cost more than the date arithmetic.
fn common_digits(date_time: &[u8; 19]) -> Option<[u8; 19]> {
    const PATTERN: &[u8; 19] = b"0000-00-00T00:00:00";
    // What a byte of `byte ^ PATTERN` may be: at most 9 for a digit, 0 for a separator.
    // Adding 0x76 (or 0x7F) sets the high bit of a byte exactly when it is above 9
    // (or 0); a byte that carries into the next one had its own high bit set already.
    const LIMITS: &[u8; 19] =
        b"\x76\x76\x76\x76\x7F\x76\x76\x7F\x76\x76\x7F\x76\x76\x7F\x76\x76\x7F\x76\x76";
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut values = [0u8; 19];
    // Three overlapping words: bytes 0..8, 8..16 and 11..19.
    for at in [0, 8, 11] {
        let word = |bytes: &[u8; 19]| {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(eight)
        };
        let value = word(date_time) ^ word(PATTERN);
        if (value.wrapping_add(word(LIMITS)) | value) & HIGHS != 0 {
            return None;
        }
        values[at..at + 8].copy_from_slice(&value.to_le_bytes());
    }
    Some(values)
}

/// The nanoseconds of what follows the seconds: an optional `.` and 1 to 9 digits,
/// then the zone, which must be UTC spelled `Z` or `+00:00`.
fn fraction(rest: &[u8]) -> Option<u32> {
    // Milliseconds, as Ponto writes them: the general way below gives the same.
    if let [b'.', a, b, c, b'Z'] = *rest {
        let digit = |d: u8| d.is_ascii_digit().then(|| u32::from(d - b'0'));
        return Some((digit(a)? * 100 + digit(b)? * 10 + digit(c)?) * 1_000_000);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path's answer must be chrono's whenever it gives one, and every text
    /// must come out of the deserializer exactly as out of chrono's.
    fn assert_same_as_chrono(text: &str) {
        if let Some(fast) = parse_common(text.as_bytes()) {
            assert_eq!(text.parse::<DateTime<Utc>>().ok(), Some(fast), "{text:?}");
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

    /// [`common_digits`] as a byte walk would do it.
    fn digits_walked(date_time: &[u8; 19]) -> Option<[u8; 19]> {
        let mut values = [0u8; 19];
        for (at, (&byte, &pattern)) in date_time.iter().zip(b"0000-00-00T00:00:00").enumerate() {
            values[at] = match pattern {
                b'0' if byte.is_ascii_digit() => byte - b'0',
                b'0' => return None,
                _ if byte == pattern => 0,
                _ => return None,
            };
        }
        Some(values)
    }

    /// Every byte value in every place of the date and time, and two at once (a wrong
    /// byte's carry must not hide a wrong byte above it).
    #[test]
    fn the_digits_are_checked_as_a_byte_walk_checks_them() {
        for base in [
            b"2024-01-25T19:33:18",
            b"0000-00-00T00:00:00",
            b"9999-99-99T99:99:99",
        ] {
            for at in 0..19 {
                for byte in 0..=255u8 {
                    let mut text = *base;
                    text[at] = byte;
                    assert_eq!(common_digits(&text), digits_walked(&text), "{text:?}");
                    for (above, other) in [(at + 1, b'a'), (at + 1, b'0' - 1), (at + 2, b'9' + 1)] {
                        if above < 19 {
                            let mut both = text;
                            both[above] = other;
                            assert_eq!(common_digits(&both), digits_walked(&both), "{both:?}");
                        }
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

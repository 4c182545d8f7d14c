//! Value checks shared by the writer (which refuses invalid values) and the lint (which
//! reports them): XSD text lengths, XML 1.0 characters, patterns and amount digits.

use rust_decimal::Decimal;

/// Why a text value cannot be written as an XSD `MaxNText`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextIssue {
    /// Empty or only whitespace (`minLength 1`; whitespace-only text is never meaningful).
    Empty,
    /// More characters (code points, as XSD counts) than allowed.
    TooLong { len: usize, max: usize },
    /// A character XML 1.0 forbids, at a 0-based character position.
    Forbidden { code: u32, position: usize },
}

/// Whether XML 1.0 allows `c` in character data (the `Char` production).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// One pass over `value`: XML characters, emptiness and length in characters.
pub(crate) fn text(value: &str, max: usize) -> Result<(), TextIssue> {
    let mut len = 0;
    let mut blank = true;
    for c in value.chars() {
        if !is_xml_char(c) {
            return Err(TextIssue::Forbidden {
                code: c as u32,
                position: len,
            });
        }
        blank &= c.is_whitespace();
        len += 1;
    }
    if blank {
        Err(TextIssue::Empty)
    } else if len > max {
        Err(TextIssue::TooLong { len, max })
    } else {
        Ok(())
    }
}

/// `IBAN2007Identifier`: `[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}`.
/// The account part is checked eight bytes at a time: every entry with a counterpart
/// account has one, and a byte at a time was ~150 instructions.
pub(crate) fn is_iban(value: &str) -> bool {
    let b = value.as_bytes();
    let Some(([c1, c2, d1, d2], account)) = b.split_first_chunk::<4>() else {
        return false;
    };
    b.len() <= 34
        && c1.is_ascii_uppercase()
        && c2.is_ascii_uppercase()
        && d1.is_ascii_digit()
        && d2.is_ascii_digit()
        && !account.is_empty()
        && all_ascii_alphanumeric(account)
}

/// A byte of 1 and a byte of 0x80 in every lane, for the checks a word at a time (the
/// writer's too).
pub(crate) const ONES: u64 = u64::from_ne_bytes([1; 8]);
pub(crate) const HIGH_BITS: u64 = ONES * 0x80;

/// `bytes.iter().all(u8::is_ascii_alphanumeric)`, a word at a time from 8 bytes on (the
/// last word overlapping the one before it: a byte seen twice changes nothing).
fn all_ascii_alphanumeric(bytes: &[u8]) -> bool {
    let Some(last) = bytes.last_chunk::<8>() else {
        return bytes.iter().all(u8::is_ascii_alphanumeric);
    };
    let (words, _) = bytes.as_chunks::<8>();
    let mut alphanumeric = alphanumeric_bytes(u64::from_le_bytes(*last));
    for word in words {
        alphanumeric &= alphanumeric_bytes(u64::from_le_bytes(*word));
    }
    alphanumeric & HIGH_BITS == HIGH_BITS
}

/// The high bit is set in every byte of `word` that is an ASCII letter or digit; the
/// other bits are noise.
fn alphanumeric_bytes(word: u64) -> u64 {
    // Bytes of 0..=0x7F: adding at most 0x80 to each cannot carry into the next.
    let low = word & !HIGH_BITS;
    // The high bit of `x + (0x80 - lo)` is set when `x >= lo`, that of
    // `x + (0x7F - hi)` when `x > hi`.
    let within = |x: u64, lo: u8, hi: u8| {
        (x + ONES * u64::from(0x80 - lo)) & !(x + ONES * u64::from(0x7F - hi))
    };
    let digit = within(low, b'0', b'9');
    // Setting bit 0x20 turns `A..=Z` into `a..=z` and no other byte into a letter.
    let letter = within(low | (ONES * 0x20), b'a', b'z');
    !word & (digit | letter)
}

/// `BICIdentifier`: `[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?`.
pub(crate) fn is_bic(value: &str) -> bool {
    let b = value.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && (b[6].is_ascii_uppercase() || (b'2'..=b'9').contains(&b[6]))
        && ((b[7].is_ascii_uppercase() && b[7] != b'O') || b[7].is_ascii_digit())
        && b[8..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// `ActiveOrHistoricCurrencyCode`: `[A-Z]{3}`.
pub(crate) fn is_currency(value: &str) -> bool {
    value.len() == 3 && value.bytes().all(|c| c.is_ascii_uppercase())
}

/// Why an amount cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AmountIssue {
    Negative,
    FractionDigits { digits: u32, max: u32 },
    TotalDigits { digits: u32 },
}

/// The most digits any camt decimal may have (`totalDigits 18`).
pub(crate) const MAX_TOTAL_DIGITS: u32 = 18;
/// `ActiveOrHistoricCurrencyAndAmount` allows 5 fraction digits.
pub(crate) const AMOUNT_FRACTION_DIGITS: u32 = 5;
/// `DecimalNumber` (the summary's sums) allows 17.
pub(crate) const DECIMAL_FRACTION_DIGITS: u32 = 17;

/// Checks an unsigned amount as written (its scale is what gets written).
pub(crate) fn amount(value: Decimal, max_fraction: u32) -> Result<(), AmountIssue> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AmountIssue::Negative);
    }
    let scale = value.scale();
    if scale > max_fraction {
        return Err(AmountIssue::FractionDigits {
            digits: scale,
            max: max_fraction,
        });
    }
    // Lexical digits: the integer part without its lone leading zero, plus the fraction.
    let digits = decimal_digits(value.mantissa().unsigned_abs()).max(scale);
    if digits > MAX_TOTAL_DIGITS {
        return Err(AmountIssue::TotalDigits { digits });
    }
    Ok(())
}

fn decimal_digits(n: u128) -> u32 {
    if n == 0 { 1 } else { n.ilog10() + 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checks before they looked at eight bytes at a time, kept to test them against.
    mod reference {
        pub fn is_iban(value: &str) -> bool {
            let b = value.as_bytes();
            (5..=34).contains(&b.len())
                && b[..2].iter().all(u8::is_ascii_uppercase)
                && b[2..4].iter().all(u8::is_ascii_digit)
                && b[4..].iter().all(u8::is_ascii_alphanumeric)
        }
    }

    mod fast_paths_match_the_reference {
        use super::*;
        use proptest::prelude::*;

        /// IBAN-like texts: mostly valid bytes, with any byte (a neighbour of a range's
        /// end, a high byte) in places, of every length around the allowed ones.
        fn iban_like() -> impl Strategy<Value = Vec<u8>> {
            let byte = prop_oneof![
                8 => prop::sample::select(
                    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".to_vec()
                ),
                1 => prop::sample::select(b"/:@[`{ -\x7f\x00".to_vec()),
                1 => any::<u8>(),
            ];
            prop::collection::vec(byte, 0..40)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(5000))]

            #[test]
            fn is_iban_matches(bytes in iban_like()) {
                let text = String::from_utf8_lossy(&bytes);
                prop_assert_eq!(is_iban(&text), reference::is_iban(&text));
            }

            #[test]
            fn is_iban_matches_on_any_text(text in any::<String>()) {
                prop_assert_eq!(is_iban(&text), reference::is_iban(&text));
            }

            #[test]
            fn alphanumeric_bytes_match(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
                prop_assert_eq!(
                    all_ascii_alphanumeric(&bytes),
                    bytes.iter().all(u8::is_ascii_alphanumeric)
                );
            }
        }

        #[test]
        fn every_byte_in_every_position_of_a_word() {
            for byte in 0..=u8::MAX {
                for at in 0..8 {
                    let mut word = *b"Ab3Zz09a";
                    word[at] = byte;
                    assert_eq!(
                        all_ascii_alphanumeric(&word),
                        word.iter().all(u8::is_ascii_alphanumeric),
                        "byte {byte:#04x} at {at}"
                    );
                }
            }
        }
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        assert_eq!(text(&"é".repeat(35), 35), Ok(()));
        assert_eq!(
            text(&"é".repeat(36), 35),
            Err(TextIssue::TooLong { len: 36, max: 35 })
        );
    }

    #[test]
    fn text_rejects_blank_and_control_characters() {
        assert_eq!(text("  ", 5), Err(TextIssue::Empty));
        assert_eq!(
            text("ab\u{1}", 5),
            Err(TextIssue::Forbidden {
                code: 1,
                position: 2
            })
        );
        assert_eq!(
            text("\u{FFFE}", 5),
            Err(TextIssue::Forbidden {
                code: 0xFFFE,
                position: 0
            })
        );
    }

    #[test]
    fn patterns() {
        assert!(is_iban("BE68539007547034"));
        assert!(!is_iban("BE68 5390 0754 7034"));
        assert!(!is_iban("be68539007547034"));
        assert!(is_bic("GEBABEBB"));
        assert!(is_bic("GEBABEBB036"));
        assert!(!is_bic("TEST1234"));
        assert!(!is_bic("GEBABEBO"));
        assert!(is_currency("EUR"));
        assert!(!is_currency("eur"));
    }

    #[test]
    fn amounts() {
        assert_eq!(amount(Decimal::new(12345, 5), 5), Ok(()));
        assert_eq!(
            amount(Decimal::new(123456, 6), 5),
            Err(AmountIssue::FractionDigits { digits: 6, max: 5 })
        );
        assert_eq!(amount(Decimal::new(-1, 2), 5), Err(AmountIssue::Negative));
        assert_eq!(amount(Decimal::new(-0, 2), 5), Ok(()));
        assert_eq!(amount(Decimal::new(999_999_999_999_999_999, 2), 5), Ok(()));
        assert_eq!(
            amount(
                Decimal::from_i128_with_scale(1_000_000_000_000_000_000, 2),
                5
            ),
            Err(AmountIssue::TotalDigits { digits: 19 })
        );
    }
}

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
pub(crate) fn is_iban(value: &str) -> bool {
    let b = value.as_bytes();
    (5..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(u8::is_ascii_alphanumeric)
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

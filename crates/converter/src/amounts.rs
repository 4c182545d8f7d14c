//! Amounts: exact decimals with the currency's ISO 4217 minor units, never rounded.

use crate::error::ConvertError;
use rust_decimal::Decimal;

/// XSD `totalDigits` of `ActiveOrHistoricCurrencyAndAmount`.
pub const MAX_TOTAL_DIGITS: u32 = 18;

const ZERO_DECIMALS: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];
const THREE_DECIMALS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
const FOUR_DECIMALS: &[&str] = &["CLF", "UYW"];
const TWO_DECIMALS: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF",
    "CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK", "DKK", "DOP",
    "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ",
    "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS",
    "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD",
    "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP",
    "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH",
    "USD", "USN", "UYU", "UZS", "VED", "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG",
    "ZWL",
];

/// ISO 4217 minor units of an active currency code (upper case), `None` when the code is
/// unknown or has none (gold, SDR, test codes…).
pub fn minor_units(currency: &str) -> Option<u32> {
    let tables: [(&[&str], u32); 4] = [
        (TWO_DECIMALS, 2),
        (ZERO_DECIMALS, 0),
        (THREE_DECIMALS, 3),
        (FOUR_DECIMALS, 4),
    ];
    tables
        .iter()
        .find(|(codes, _)| codes.contains(&currency))
        .map(|&(_, units)| units)
}

/// Where an amount comes from, for error messages.
pub struct AmountSource<'a> {
    pub resource: &'a str,
    pub field: &'a str,
    pub currency: &'a str,
}

/// The unsigned amount with exactly `minor` decimals (12.1 EUR → 12.10). More decimals
/// than the currency has (after dropping trailing zeros) or more than 18 digits is an
/// error: the amount cannot be written exactly.
pub fn unsigned_amount(
    amount: Decimal,
    minor: u32,
    source: &AmountSource,
) -> Result<Decimal, ConvertError> {
    // Normalising only lowers the scale, so one within `minor` needs no normalising.
    if amount.scale() > minor && amount.normalize().scale() > minor {
        return Err(ConvertError::TooManyDecimals {
            transaction: source.resource.to_owned(),
            field: source.field.to_owned(),
            amount: amount.to_string(),
            currency: source.currency.to_owned(),
            allowed: minor,
        });
    }
    let magnitude = amount.abs();
    if !fits_total_digits(magnitude, minor) {
        return Err(ConvertError::InvalidField {
            transaction: source.resource.to_owned(),
            field: source.field.to_owned(),
            value: amount.to_string(),
            problem: format!(
                "more than {MAX_TOTAL_DIGITS} digits with {minor} decimals (XSD totalDigits)"
            ),
        });
    }
    let mut rescaled = magnitude;
    rescaled.rescale(minor);
    Ok(rescaled)
}

/// Fraction digits an `Amt` (`ActiveOrHistoricCurrencyAndAmount`) may have.
pub const MAX_AMOUNT_FRACTION_DIGITS: u32 = 5;
/// Fraction digits a `TxsSummry` sum (`DecimalNumber`) may have.
pub const MAX_SUM_FRACTION_DIGITS: u32 = 17;

/// Refuses a value camt.053 cannot carry as it stands (unsigned, with its own scale):
/// more than `max_fraction` fraction digits or more than 18 digits in all. These are the
/// camt053 writer's rules, checked here so that bad data is reported as bad data of
/// `resource` and `field`, not later as a failure to write the file.
pub fn check_camt_amount(
    value: Decimal,
    max_fraction: u32,
    resource: &str,
    field: &str,
) -> Result<(), ConvertError> {
    let scale = value.scale();
    // Digits as written: the integer part without a lone leading zero, plus the fraction.
    let mantissa = value.mantissa().unsigned_abs();
    let integer_and_fraction = mantissa.checked_ilog10().map_or(1, |log| log + 1);
    let digits = integer_and_fraction.max(scale);
    let problem = if scale > max_fraction {
        format!("{scale} fraction digits, at most {max_fraction} allowed")
    } else if digits > MAX_TOTAL_DIGITS {
        format!("{digits} digits, at most {MAX_TOTAL_DIGITS} allowed (XSD totalDigits)")
    } else {
        return Ok(());
    };
    Err(ConvertError::AmountOutOfRange {
        resource: resource.to_owned(),
        field: field.to_owned(),
        amount: value.to_string(),
        problem,
    })
}

/// The exact sum of `amounts`; an overflow is an error naming `resource` and `field`.
pub fn checked_sum(
    amounts: impl IntoIterator<Item = Decimal>,
    resource: &str,
    field: &str,
) -> Result<Decimal, ConvertError> {
    amounts.into_iter().try_fold(Decimal::ZERO, |sum, amount| {
        sum.checked_add(amount)
            .ok_or_else(|| ConvertError::AmountOverflow {
                resource: resource.to_owned(),
                field: field.to_owned(),
                calculation: format!("{sum} + {amount}"),
            })
    })
}

/// Whether the magnitude, written with `minor` decimals, has at most 18 digits.
fn fits_total_digits(magnitude: Decimal, minor: u32) -> bool {
    let integer_digits = MAX_TOTAL_DIGITS.saturating_sub(minor);
    // mantissa / 10^scale < 10^digits ⇔ mantissa < 10^(digits + scale), compared as
    // integers rather than as decimals. A power beyond u128 is beyond every mantissa
    // (under 2^96).
    let exponent = integer_digits + magnitude.scale();
    usize::try_from(exponent)
        .ok()
        .and_then(|exponent| POWERS_OF_TEN.get(exponent))
        .is_none_or(|&limit| magnitude.mantissa().unsigned_abs() < limit)
}

/// 10^0 to 10^38, every power of ten a u128 holds.
const POWERS_OF_TEN: [u128; 39] = {
    let mut powers = [1; 39];
    let mut i = 1;
    while i < powers.len() {
        powers[i] = powers[i - 1] * 10;
        i += 1;
    }
    powers
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn source(currency: &str) -> AmountSource<'_> {
        AmountSource {
            resource: "transaction t1",
            field: "attributes.amount",
            currency,
        }
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        assert_eq!(minor_units("EUR"), Some(2));
        assert_eq!(minor_units("USD"), Some(2));
        assert_eq!(minor_units("JPY"), Some(0));
        assert_eq!(minor_units("KWD"), Some(3));
        assert_eq!(minor_units("BHD"), Some(3));
        assert_eq!(minor_units("JOD"), Some(3));
        assert_eq!(minor_units("OMR"), Some(3));
        assert_eq!(minor_units("TND"), Some(3));
        assert_eq!(minor_units("CLF"), Some(4));
        assert_eq!(minor_units("XAU"), None);
        assert_eq!(minor_units("eur"), None);
        assert_eq!(minor_units("ZZZ"), None);
    }

    #[test]
    fn eur_amount_is_written_with_two_decimals() {
        assert_eq!(
            unsigned_amount(d("12.1"), 2, &source("EUR"))
                .unwrap()
                .to_string(),
            "12.10"
        );
        assert_eq!(
            unsigned_amount(d("-12.10"), 2, &source("EUR"))
                .unwrap()
                .to_string(),
            "12.10"
        );
        assert_eq!(
            unsigned_amount(d("5"), 2, &source("EUR"))
                .unwrap()
                .to_string(),
            "5.00"
        );
        assert_eq!(
            unsigned_amount(d("12.1000"), 2, &source("EUR"))
                .unwrap()
                .to_string(),
            "12.10"
        );
    }

    #[test]
    fn too_many_decimals_is_an_error_not_a_rounding() {
        let err = unsigned_amount(d("12.345"), 2, &source("EUR")).unwrap_err();
        assert!(matches!(
            err,
            ConvertError::TooManyDecimals { allowed: 2, .. }
        ));
        let message = err.to_string();
        assert!(
            message.contains("t1")
                && message.contains("attributes.amount")
                && message.contains("12.345")
        );
    }

    #[test]
    fn yen_has_no_decimals_and_dinar_three() {
        assert_eq!(
            unsigned_amount(d("1500"), 0, &source("JPY"))
                .unwrap()
                .to_string(),
            "1500"
        );
        assert!(unsigned_amount(d("1500.5"), 0, &source("JPY")).is_err());
        assert_eq!(
            unsigned_amount(d("-1.5"), 3, &source("KWD"))
                .unwrap()
                .to_string(),
            "1.500"
        );
        assert!(unsigned_amount(d("1.2345"), 3, &source("KWD")).is_err());
    }

    #[test]
    fn camt_amounts_follow_the_writers_digit_rules() {
        let check = |value: &str, fraction| check_camt_amount(d(value), fraction, "r", "f");
        assert_eq!(check("9999999999999999.99", 5), Ok(()));
        assert_eq!(check("-9999999999999999.99", 5), Ok(()));
        assert_eq!(check("0.00000", 5), Ok(()));
        assert_eq!(check("0", 5), Ok(()));
        let err = check("10000000000000000.00", 5).unwrap_err();
        assert!(
            matches!(&err, ConvertError::AmountOutOfRange { problem, .. } if problem.contains("19 digits"))
        );
        assert!(check("1.000001", 5).is_err());
        assert_eq!(check("1.000001", 17), Ok(()));
        assert!(check("0.000000000000000001", 17).is_err());
        let err = check("79228162514264337593543950335", 5).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("r: f = 79228162514264337593543950335"),
            "{message}"
        );
    }

    #[test]
    fn sums_are_exact_and_overflow_is_an_error() {
        assert_eq!(
            checked_sum([d("1.10"), d("-0.10")], "r", "f"),
            Ok(d("1.00"))
        );
        assert_eq!(checked_sum([], "r", "f"), Ok(Decimal::ZERO));
        let err = checked_sum([Decimal::MAX, d("1")], "account A", "net").unwrap_err();
        assert!(matches!(
            &err,
            ConvertError::AmountOverflow { resource, field, .. } if resource == "account A" && field == "net"
        ));
        assert!(checked_sum([Decimal::MIN, d("-1")], "r", "f").is_err());
    }

    #[test]
    fn magnitudes_beyond_18_digits_are_rejected() {
        assert!(unsigned_amount(d("9999999999999999.99"), 2, &source("EUR")).is_ok());
        let err = unsigned_amount(d("10000000000000000"), 2, &source("EUR")).unwrap_err();
        assert!(matches!(err, ConvertError::InvalidField { .. }));
    }

    /// The code before its fast paths, kept to test them against.
    mod reference {
        use super::*;

        /// Compared as decimals, before comparing mantissas.
        pub fn fits_total_digits_as_decimals(magnitude: Decimal, minor: u32) -> bool {
            let integer_digits = MAX_TOTAL_DIGITS.saturating_sub(minor);
            let limit = Decimal::from_i128_with_scale(10_i128.pow(integer_digits), 0);
            magnitude < limit
        }

        fn fits_total_digits(magnitude: Decimal, minor: u32) -> bool {
            let integer_digits = MAX_TOTAL_DIGITS.saturating_sub(minor);
            let limit = Decimal::from_i128_with_scale(10_i128.pow(integer_digits), 0);
            magnitude.trunc() < limit
        }

        pub fn unsigned_amount(
            amount: Decimal,
            minor: u32,
            source: &AmountSource,
        ) -> Result<Decimal, ConvertError> {
            if amount.normalize().scale() > minor {
                return Err(ConvertError::TooManyDecimals {
                    transaction: source.resource.to_owned(),
                    field: source.field.to_owned(),
                    amount: amount.to_string(),
                    currency: source.currency.to_owned(),
                    allowed: minor,
                });
            }
            let magnitude = amount.abs();
            if !fits_total_digits(magnitude, minor) {
                return Err(ConvertError::InvalidField {
                    transaction: source.resource.to_owned(),
                    field: source.field.to_owned(),
                    value: amount.to_string(),
                    problem: format!(
                        "more than {MAX_TOTAL_DIGITS} digits with {minor} decimals (XSD totalDigits)"
                    ),
                });
            }
            let mut rescaled = magnitude;
            rescaled.rescale(minor);
            Ok(rescaled)
        }
    }

    mod fast_path_matches_the_reference {
        use super::*;
        use proptest::prelude::*;

        fn any_decimal() -> impl Strategy<Value = Decimal> {
            prop_oneof![
                (any::<i64>(), 0u32..=6).prop_map(|(m, scale)| Decimal::new(m, scale)),
                // Just around the 18-digit limit for every number of minor units.
                (0u32..=18, -3i128..=3, 0u32..=6).prop_map(|(digits, delta, scale)| {
                    let limit = 10_i128.pow(digits) * 10_i128.pow(scale);
                    Decimal::from_i128_with_scale(limit + delta, scale)
                }),
                (
                    any::<u32>(),
                    any::<u32>(),
                    any::<u32>(),
                    any::<bool>(),
                    0u32..=28
                )
                    .prop_map(
                        |(lo, mid, hi, negative, scale)| Decimal::from_parts(
                            lo, mid, hi, negative, scale
                        )
                    ),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn fits_total_digits_matches(amount in any_decimal(), minor in 0u32..=20) {
                let magnitude = amount.abs();
                prop_assert_eq!(fits_total_digits(magnitude, minor), reference::fits_total_digits_as_decimals(magnitude, minor));
            }

            #[test]
            fn unsigned_amount_matches(amount in any_decimal(), minor in 0u32..=4) {
                let source = source("EUR");
                let fast = unsigned_amount(amount, minor, &source);
                let slow = reference::unsigned_amount(amount, minor, &source);
                // Equal decimals may differ in scale; the written text may not.
                prop_assert_eq!(fast.clone().map(|d| d.to_string()), slow.clone().map(|d| d.to_string()));
                prop_assert_eq!(fast, slow);
            }
        }
    }
}

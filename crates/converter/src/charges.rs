//! `fee` → `TxDtls/Chrgs`: the fee the bank withheld, for information. The entry keeps
//! Ponto's `amount` as booked; the fee is not added to it or taken from it (camt.053
//! readers treat `Chrgs` as detail of the booked amount: Odoo Enterprise takes the line
//! amount from `Ntry/Amt` when `Chrgs` is present and `TxDtls` has no `Amt` of its own,
//! the OCA importer does not read `Chrgs` in camt.053.001.02 files).
//!
//! `Chrgs/Amt` is the fee's magnitude in the account's currency with its minor units,
//! `CdtDbtInd` `DBIT` (a charge taken from the account; Ponto does not document a sign
//! for `fee`, so either sign is read as the charge it names). No `fee`, `null` or zero:
//! no `Chrgs`. A fee that cannot be written exactly with the currency's minor units is
//! never rounded: it goes as text into `AddtlNtryInf`, and the statement is still written
//! (a fee is information, not what the bank booked).

use crate::amounts::{AmountSource, unsigned_amount};
use camt053::{Charges, CreditDebit};
use rust_decimal::Decimal;

/// What becomes of a Ponto `fee`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MappedFee {
    /// `TxDtls/Chrgs`: none or one.
    pub charges: Vec<Charges>,
    /// Text for `AddtlNtryInf` when the fee cannot be an XSD amount as it stands.
    pub overflow: Option<String>,
}

/// `fee` in `currency`, which has `minor` decimals.
pub fn charges(fee: Option<Decimal>, currency: &str, minor: u32) -> MappedFee {
    let Some(fee) = fee.filter(|f| !f.is_zero()) else {
        return MappedFee::default();
    };
    let source = AmountSource {
        resource: "",
        field: "attributes.fee",
        currency,
    };
    match unsigned_amount(fee, minor, &source) {
        Ok(amount) => MappedFee {
            charges: vec![Charges {
                amount,
                currency: currency.to_owned(),
                direction: Some(CreditDebit::Debit),
            }],
            overflow: None,
        },
        Err(_) => MappedFee {
            charges: Vec::new(),
            overflow: Some(format!("{fee} {currency}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).expect("decimal")
    }

    #[test]
    fn a_fee_becomes_a_debit_charge_with_minor_units() {
        let mapped = charges(Some(dec("1.5")), "EUR", 2);
        assert_eq!(mapped.overflow, None);
        assert_eq!(
            mapped.charges,
            vec![Charges {
                amount: dec("1.50"),
                currency: "EUR".into(),
                direction: Some(CreditDebit::Debit),
            }]
        );
        assert_eq!(mapped.charges[0].amount.to_string(), "1.50");
    }

    #[test]
    fn the_sign_is_not_the_direction() {
        let mapped = charges(Some(dec("-0.35")), "EUR", 2);
        assert_eq!(mapped.charges[0].amount.to_string(), "0.35");
        assert_eq!(mapped.charges[0].direction, Some(CreditDebit::Debit));
    }

    #[test]
    fn no_fee_null_or_zero_gives_no_charges() {
        for fee in [None, Some(dec("0")), Some(dec("0.00")), Some(dec("-0"))] {
            assert_eq!(charges(fee, "EUR", 2), MappedFee::default(), "{fee:?}");
        }
    }

    #[test]
    fn a_fee_that_cannot_be_written_exactly_is_kept_as_text() {
        let mapped = charges(Some(dec("0.125")), "EUR", 2);
        assert!(mapped.charges.is_empty());
        assert_eq!(mapped.overflow.as_deref(), Some("0.125 EUR"));
        let yen = charges(Some(dec("12.5")), "JPY", 0);
        assert_eq!(yen.overflow.as_deref(), Some("12.5 JPY"));
        let huge = charges(Some(dec("12345678901234567.89")), "EUR", 2);
        assert!(huge.charges.is_empty());
        assert!(huge.overflow.is_some());
        // trailing zeros beyond the minor units are not extra decimals
        let zeros = charges(Some(dec("2.5000")), "EUR", 2);
        assert_eq!(zeros.charges[0].amount.to_string(), "2.50");
    }
}

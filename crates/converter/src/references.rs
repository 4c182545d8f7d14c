//! Ponto's references that camt.053.001.02 has no element of their own for.
//!
//! - `internalReference`, the bank's own reference for the transaction, would be
//!   ISO's account servicer reference, but `AcctSvcrRef` carries the Ponto id (the key
//!   the ERP and our ledger know a transaction by). It goes to `TxDtls/Refs/Prtry` with
//!   `Tp` [`INTERNAL_REFERENCE_TYPE`]; one longer than 35 characters goes to
//!   `AddtlNtryInf` instead. Not `Refs/InstrId`: that is the ordering party's id, and
//!   the OCA importer would take it as the line label.
//! - `cardReference` with `cardReferenceType` names the card that paid, not the
//!   transaction: version 02 has no card element (`CardTx` came with camt.053.001.03),
//!   so it is text in `AddtlNtryInf`, `Card (MASKEDPAN): XXXXXXXXXXXX1234`. Not in
//!   `AddtlTxInf`, which the OCA importer makes the line label. A full card number is
//!   masked down to its last four digits: statement files are read by everyone with
//!   access to the bookkeeping, and card numbers must not be shown whole (PCI DSS).

use crate::text::{MAX_ID, fits_chars, one_line_opt};
use camt053::ProprietaryReference;

/// `Refs/Prtry/Tp` of Ponto's `internalReference`.
pub const INTERNAL_REFERENCE_TYPE: &str = "InternalReference";

/// Digits from which a card reference is a full card number (ISO/IEC 7812: 8 to 19,
/// payment cards 12 or more); shorter ones are already partial.
const FULL_CARD_NUMBER_DIGITS: usize = 12;
/// Digits of a full card number that stay visible.
const VISIBLE_DIGITS: usize = 4;

/// `Refs/Prtry` for `internalReference`, or (when longer than 35 characters) the text
/// to keep in `AddtlNtryInf`.
pub fn internal_reference(
    reference: Option<&str>,
) -> (Option<ProprietaryReference>, Option<String>) {
    match one_line_opt(reference) {
        Some(reference) if fits_chars(&reference, MAX_ID) => (
            Some(ProprietaryReference {
                kind: INTERNAL_REFERENCE_TYPE.to_owned(),
                reference,
            }),
            None,
        ),
        Some(reference) => (None, Some(reference)),
        None => (None, None),
    }
}

/// The card reference as it may be shown: a full card number masked but for its last
/// four digits (`X` for each hidden digit), anything else unchanged.
pub fn shown_card_reference(reference: &str) -> String {
    let digits = reference.chars().filter(char::is_ascii_digit).count();
    if digits < FULL_CARD_NUMBER_DIGITS {
        return reference.to_owned();
    }
    let mut to_hide = digits - VISIBLE_DIGITS;
    reference
        .chars()
        .map(|c| {
            if c.is_ascii_digit() && to_hide > 0 {
                to_hide -= 1;
                'X'
            } else {
                c
            }
        })
        .collect()
}

/// `AddtlNtryInf` text for `cardReference` and `cardReferenceType`: `Card (TYPE): REF`,
/// `Card: REF` without a type; nothing without a reference.
pub fn card_reference(reference: Option<&str>, kind: Option<&str>) -> Option<String> {
    let reference = shown_card_reference(&one_line_opt(reference)?);
    Some(match one_line_opt(kind) {
        Some(kind) => format!("Card ({kind}): {reference}"),
        None => format!("Card: {reference}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_reference_goes_to_refs_prtry() {
        let (prtry, overflow) = internal_reference(Some(" 5F2A9C0D11E34B7A\n"));
        assert_eq!(
            prtry,
            Some(ProprietaryReference {
                kind: "InternalReference".into(),
                reference: "5F2A9C0D11E34B7A".into(),
            })
        );
        assert_eq!(overflow, None);
    }

    #[test]
    fn long_internal_reference_is_kept_as_text() {
        let long = "R".repeat(36);
        let (prtry, overflow) = internal_reference(Some(&long));
        assert_eq!(prtry, None);
        assert_eq!(overflow, Some(long));
        let exactly = "R".repeat(35);
        assert!(internal_reference(Some(&exactly)).0.is_some());
    }

    #[test]
    fn empty_internal_reference_is_left_out() {
        assert_eq!(internal_reference(None), (None, None));
        assert_eq!(internal_reference(Some(" \u{1} ")), (None, None));
    }

    #[test]
    fn card_reference_with_and_without_type() {
        assert_eq!(
            card_reference(Some("XXXXXXXXXXXX1234"), Some("MASKEDPAN")).as_deref(),
            Some("Card (MASKEDPAN): XXXXXXXXXXXX1234")
        );
        assert_eq!(
            card_reference(Some("4821"), Some("PAN")).as_deref(),
            Some("Card (PAN): 4821")
        );
        assert_eq!(
            card_reference(Some("4821"), Some(" ")).as_deref(),
            Some("Card: 4821")
        );
        assert_eq!(card_reference(None, Some("PAN")), None);
        assert_eq!(card_reference(Some("\n"), Some("PAN")), None);
    }

    #[test]
    fn a_full_card_number_is_masked_to_its_last_four_digits() {
        assert_eq!(
            card_reference(Some("4871 0400 1234 5678"), Some("PAN")).as_deref(),
            Some("Card (PAN): XXXX XXXX XXXX 5678")
        );
        assert_eq!(shown_card_reference("4871040012345678"), "XXXXXXXXXXXX5678");
        // already masked or partial: unchanged
        assert_eq!(shown_card_reference("487104XXXXXX5678"), "487104XXXXXX5678");
        assert_eq!(shown_card_reference("5678"), "5678");
        assert_eq!(shown_card_reference("12345678901"), "12345678901");
    }
}

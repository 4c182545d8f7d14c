//! map_transaction and statement assembly, one rule per test.

mod common;

use camt053::{AccountId, BalanceType, Charges, CreditDebit, EntryStatus, ProprietaryReference};
use chrono::NaiveDate;
use common::*;
use converter::{
    ConvertError, StatementId, StatementTotals, group_header, map_transaction, pending_resource,
    statement_header,
};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn booked_credit_maps_to_one_entry_with_one_detail() {
    let mut tx = transaction("12.1");
    tx.attributes.counterpart_name = Some("Muster GmbH".to_owned());
    tx.attributes.counterpart_reference = Some("DE02 1203 0000 0000 2020 51".to_owned());
    tx.attributes.remittance_information = Some("Invoice 2024-001".to_owned());
    tx.attributes.remittance_information_type = Some("unstructured".to_owned());
    tx.attributes.description = Some("SEPA credit transfer".to_owned());
    tx.attributes.bank_transaction_code = Some("PMNT-RCDT-ESCT".to_owned());
    tx.attributes.end_to_end_id = Some("E2E-1".to_owned());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    let entry = &mapped.entry;
    assert_eq!(entry.amount.to_string(), "12.10");
    assert_eq!(entry.direction, CreditDebit::Credit);
    assert_eq!(entry.status, EntryStatus::Booked);
    assert_eq!(entry.currency, "EUR");
    assert_eq!(entry.booking_date, Some(date("2024-01-15")));
    assert_eq!(entry.value_date, Some(date("2024-01-16")));
    assert_eq!(
        entry.account_servicer_ref.as_deref(),
        Some("6e1b2a4c9f3d4d2e8a7b1c2d3e4f5a6b")
    );
    assert_eq!(
        entry.additional_info.as_deref(),
        Some("SEPA credit transfer")
    );
    assert_eq!(entry.details.len(), 1);
    let details = &entry.details[0];
    assert_eq!(
        details.refs.account_servicer_ref,
        entry.account_servicer_ref
    );
    assert_eq!(details.refs.end_to_end_id.as_deref(), Some("E2E-1"));
    assert_eq!(details.amount, Some((entry.amount, "EUR".to_owned())));
    assert_eq!(
        details
            .related_parties
            .debtor
            .as_ref()
            .unwrap()
            .name
            .as_deref(),
        Some("Muster GmbH")
    );
    assert_eq!(
        details.related_parties.debtor_account,
        Some(AccountId::Iban("DE02120300000000202051".to_owned()))
    );
    assert_eq!(
        details.remittance.unstructured,
        vec!["Invoice 2024-001".to_owned()]
    );
    assert_eq!(details.additional_info, None, "Ustrd labels the line");
    assert_eq!(mapped.signed_amount.to_string(), "12.10");
    assert_eq!(mapped.ponto_id, TX_ID);
}

#[test]
fn debit_puts_the_counterpart_in_creditor_with_mandate_and_creditor_id() {
    let mut tx = transaction("-45.00");
    tx.attributes.counterpart_name = Some("Energy Co".to_owned());
    tx.attributes.counterpart_reference = Some("123456789".to_owned());
    tx.attributes.mandate_id = Some("MANDATE-9".to_owned());
    tx.attributes.creditor_id = Some("BE68ZZZ0123456789".to_owned());
    tx.attributes.purpose_code = Some("ELEC".to_owned());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    assert_eq!(mapped.entry.direction, CreditDebit::Debit);
    assert_eq!(mapped.signed_amount.to_string(), "-45.00");
    let details = &mapped.entry.details[0];
    let creditor = details.related_parties.creditor.as_ref().unwrap();
    assert_eq!(creditor.name.as_deref(), Some("Energy Co"));
    assert_eq!(
        creditor.sepa_creditor_id.as_deref(),
        Some("BE68ZZZ0123456789")
    );
    assert_eq!(
        details.related_parties.creditor_account,
        Some(AccountId::Other("123456789".to_owned()))
    );
    assert_eq!(details.refs.mandate_id.as_deref(), Some("MANDATE-9"));
    assert_eq!(details.purpose.as_deref(), Some("ELEC"));
    assert_eq!(
        details.additional_info.as_deref(),
        Some("Energy Co"),
        "label from counterpart name"
    );
}

#[test]
fn zero_amount_is_a_credit() {
    let mapped = map_transaction(&transaction("0"), &context("EUR")).unwrap();
    assert_eq!(mapped.entry.direction, CreditDebit::Credit);
    assert_eq!(mapped.entry.amount.to_string(), "0.00");
}

#[test]
fn missing_required_fields_are_named() {
    let mut tx = transaction("1");
    tx.id = None;
    let err = map_transaction(&tx, &context("EUR")).unwrap_err();
    assert!(matches!(&err, ConvertError::MissingField { field, .. } if field == "id"));

    let mut tx = transaction("1");
    tx.attributes.amount = None;
    let err = map_transaction(&tx, &context("EUR")).unwrap_err();
    assert!(
        matches!(&err, ConvertError::MissingField { field, .. } if field == "attributes.amount")
    );
    assert!(err.to_string().contains(TX_ID));

    let mut tx = transaction("1");
    tx.attributes.execution_date = None;
    let err = map_transaction(&tx, &context("EUR")).unwrap_err();
    assert!(err.to_string().contains("attributes.executionDate"));
}

#[test]
fn missing_value_date_uses_the_execution_date_and_missing_currency_the_account_one() {
    let mut tx = transaction("1");
    tx.attributes.value_date = None;
    tx.attributes.currency = None;
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    assert_eq!(mapped.entry.value_date, mapped.entry.booking_date);
    assert_eq!(mapped.entry.currency, "EUR");
}

#[test]
fn currency_mismatch_is_an_error() {
    let mut tx = transaction("1");
    tx.attributes.currency = Some("USD".to_owned());
    let err = map_transaction(&tx, &context("EUR")).unwrap_err();
    assert!(matches!(err, ConvertError::CurrencyMismatch { .. }));
    tx.attributes.currency = Some("eur".to_owned());
    assert!(map_transaction(&tx, &context("EUR")).is_ok());
}

#[test]
fn decimals_per_currency() {
    assert!(matches!(
        map_transaction(&transaction("12.345"), &context("EUR")),
        Err(ConvertError::TooManyDecimals { allowed: 2, .. })
    ));
    let mut yen = transaction("1500");
    yen.attributes.currency = Some("JPY".to_owned());
    assert_eq!(
        map_transaction(&yen, &context("JPY"))
            .unwrap()
            .entry
            .amount
            .to_string(),
        "1500"
    );
    yen.attributes.amount = Some(amount("1500.5"));
    assert!(map_transaction(&yen, &context("JPY")).is_err());
    let mut dinar = transaction("-2.5");
    dinar.attributes.currency = Some("KWD".to_owned());
    assert_eq!(
        map_transaction(&dinar, &context("KWD"))
            .unwrap()
            .entry
            .amount
            .to_string(),
        "2.500"
    );
}

#[test]
fn near_midnight_booking_takes_the_brussels_day() {
    let mut tx = transaction("1");
    tx.attributes.execution_date = Some(instant("2024-01-31T23:30:00Z"));
    tx.attributes.value_date = Some(instant("2024-07-31T22:00:00.000Z"));
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    assert_eq!(mapped.booking_date, date("2024-02-01"));
    assert_eq!(mapped.entry.value_date, Some(date("2024-08-01")));
}

#[test]
fn too_long_references_are_kept_in_entry_info() {
    let mut tx = transaction("1");
    let long_e2e = "E".repeat(40);
    let long_account = "9".repeat(40);
    tx.attributes.end_to_end_id = Some(long_e2e.clone());
    tx.attributes.counterpart_reference = Some(long_account.clone());
    tx.attributes.description = Some("Transfer".to_owned());
    tx.attributes.additional_information = Some("More".to_owned());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    let details = &mapped.entry.details[0];
    assert_eq!(details.refs.end_to_end_id, None);
    assert_eq!(details.related_parties.debtor_account, None);
    let info = mapped.entry.additional_info.unwrap();
    assert!(info.starts_with("Transfer / More / "));
    assert!(info.contains(&long_e2e) && info.contains(&long_account));
}

#[test]
fn structured_reference_labels_the_line() {
    let mut tx = transaction("100");
    tx.attributes.remittance_information = Some("+++123/4567/89012+++".to_owned());
    tx.attributes.remittance_information_type = Some("structured".to_owned());
    tx.attributes.description = Some("Payment".to_owned());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    let details = &mapped.entry.details[0];
    assert_eq!(
        details
            .remittance
            .creditor_reference
            .as_ref()
            .unwrap()
            .reference,
        "+++123/4567/89012+++"
    );
    assert_eq!(
        details.additional_info.as_deref(),
        Some("+++123/4567/89012+++")
    );
}

#[test]
fn line_with_only_a_card_reference_is_not_labelled_slash() {
    let mut tx = transaction("-3.5");
    tx.attributes.card_reference = Some("5555 XXXX XXXX 1234".to_owned());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    assert_eq!(
        mapped.entry.details[0].additional_info.as_deref(),
        Some("5555 XXXX XXXX 1234")
    );
}

#[test]
fn fee_goes_to_charges_and_leaves_the_amount_as_booked() {
    let mut tx = transaction("-25.00");
    tx.attributes.fee = Some("0.5".parse().unwrap());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    assert_eq!(mapped.entry.amount.to_string(), "25.00");
    assert_eq!(mapped.signed_amount.to_string(), "-25.00");
    let details = &mapped.entry.details[0];
    assert_eq!(
        details.amount.as_ref().map(|a| a.0.to_string()).as_deref(),
        Some("25.00")
    );
    assert_eq!(
        details.charges,
        vec![Charges {
            amount: "0.50".parse().unwrap(),
            currency: "EUR".to_owned(),
            direction: Some(CreditDebit::Debit),
        }]
    );
    for none in [None, Some("0".parse().unwrap())] {
        tx.attributes.fee = none;
        let mapped = map_transaction(&tx, &context("EUR")).unwrap();
        assert!(mapped.entry.details[0].charges.is_empty(), "{none:?}");
    }
    // a fee with more decimals than the currency has is kept as text, not rounded
    tx.attributes.fee = Some("0.5".parse().unwrap());
    tx.attributes.amount = Some("-25".parse().unwrap());
    tx.attributes.currency = Some("JPY".to_owned());
    let mapped = map_transaction(&tx, &context("JPY")).unwrap();
    assert!(mapped.entry.details[0].charges.is_empty());
    assert_eq!(
        mapped.entry.additional_info.as_deref(),
        Some("Fee: 0.5 JPY")
    );
}

#[test]
fn internal_reference_goes_to_refs_prtry_and_a_long_one_to_entry_info() {
    let mut tx = transaction("10");
    tx.attributes.internal_reference = Some("5F2A9C0D11E34B7A".to_owned());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    assert_eq!(
        mapped.entry.details[0].refs.proprietary,
        Some(ProprietaryReference {
            kind: "InternalReference".to_owned(),
            reference: "5F2A9C0D11E34B7A".to_owned(),
        })
    );
    assert_eq!(mapped.entry.additional_info, None);
    let long = "I".repeat(36);
    tx.attributes.internal_reference = Some(long.clone());
    tx.attributes.description = Some("Transfer".to_owned());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    assert_eq!(mapped.entry.details[0].refs.proprietary, None);
    assert_eq!(
        mapped.entry.additional_info,
        Some(format!("Transfer / InternalReference: {long}"))
    );
}

#[test]
fn card_reference_and_its_type_go_to_entry_info_not_the_label() {
    let mut tx = transaction("-12.40");
    tx.attributes.description = Some("Card payment".to_owned());
    tx.attributes.additional_information = Some("BAKERY BRUSSELS 12:03".to_owned());
    tx.attributes.remittance_information = Some("Receipt 991".to_owned());
    tx.attributes.card_reference = Some("XXXXXXXXXXXX1234".to_owned());
    tx.attributes.card_reference_type = Some("MASKEDPAN".to_owned());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    assert_eq!(
        mapped.entry.additional_info.as_deref(),
        Some("Card payment / BAKERY BRUSSELS 12:03 / Card (MASKEDPAN): XXXXXXXXXXXX1234")
    );
    let details = &mapped.entry.details[0];
    assert_eq!(details.additional_info, None, "Ustrd still labels the line");
    assert_eq!(details.refs.proprietary, None);
}

#[test]
fn a_full_card_number_is_masked_everywhere_it_is_written() {
    let mut tx = transaction("-3.5");
    tx.attributes.card_reference = Some("4871040012345678".to_owned());
    tx.attributes.card_reference_type = Some("PAN".to_owned());
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    assert_eq!(
        mapped.entry.additional_info.as_deref(),
        Some("Card (PAN): XXXXXXXXXXXX5678")
    );
    assert_eq!(
        mapped.entry.details[0].additional_info.as_deref(),
        Some("XXXXXXXXXXXX5678"),
        "the label too"
    );
}

#[test]
fn bank_codes_reach_bktxcd() {
    let mut tx = transaction("1");
    tx.attributes.bank_transaction_code = Some("PMNT-ICDT-ESCT".to_owned());
    tx.attributes.proprietary_bank_transaction_code = Some("01-01".to_owned());
    let code = map_transaction(&tx, &context("EUR"))
        .unwrap()
        .entry
        .bank_transaction_code;
    assert_eq!(code.domain.unwrap().family, "ICDT");
    assert_eq!(code.proprietary.unwrap().code, "01-01");
    let none = map_transaction(&transaction("1"), &context("EUR"))
        .unwrap()
        .entry
        .bank_transaction_code;
    assert_eq!(none.domain.unwrap().sub_family, "NTAV");
}

#[test]
fn pending_transactions_are_recognised() {
    let mut tx = transaction("1");
    assert!(!pending_resource(&tx));
    tx.kind = Some("pendingTransaction".to_owned());
    assert!(pending_resource(&tx));
}

#[test]
fn statement_balances_add_up_and_span_the_booking_days() {
    let ctx = context("EUR");
    let mut late = transaction("-30.25");
    late.id = Some("aaaaaaaa-0000-4000-8000-000000000002".to_owned());
    late.attributes.execution_date = Some(instant("2024-03-02T23:30:00Z"));
    let mapped = [
        map_transaction(&transaction("100.10"), &ctx).unwrap(),
        map_transaction(&late, &ctx).unwrap(),
    ];
    let totals = StatementTotals::of(&mapped).unwrap();
    assert_eq!(totals.count(), 2);
    assert_eq!(totals.first_day(), Some(date("2024-01-15")));
    assert_eq!(totals.last_day(), Some(date("2024-03-03")));
    let opening = amount("-50.00");
    let id = StatementId::for_ledger(&ctx.account_tag(), 3);
    let created = instant("2024-03-04T06:00:00Z").fixed_offset();
    let header = statement_header(&ctx, id.clone(), Some(3), created, opening, &totals).unwrap();
    assert_eq!(header.id, id.as_str());
    assert_eq!(header.electronic_sequence, Some(3));
    assert_eq!(header.legal_sequence, None);
    let [open, close] = &header.balances[..] else {
        panic!("two balances expected")
    };
    assert_eq!(open.kind, BalanceType::OpeningBooked);
    assert_eq!(open.date, date("2024-01-15"));
    assert_eq!(close.kind, BalanceType::ClosingBooked);
    assert_eq!(close.date, date("2024-03-03"));
    let sum: rust_decimal::Decimal = mapped.iter().map(|m| m.signed_amount).sum();
    assert_eq!(close.amount, opening + sum);
    assert_eq!(close.amount.to_string(), "19.85");
    let (from, to) = header.from_to.unwrap();
    assert_eq!(from.to_rfc3339(), "2024-01-15T00:00:00+01:00");
    assert_eq!(to.to_rfc3339(), "2024-03-03T23:59:59+01:00");
    let summary = header.summary.unwrap();
    assert_eq!((summary.credit_count, summary.debit_count), (1, 1));
    assert_eq!(group_header(&id, created).message_id, id.as_str());
}

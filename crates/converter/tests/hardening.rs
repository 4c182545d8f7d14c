//! Hostile or absurd input is refused as bad data of a named transaction, account or
//! statement: oversized texts, amounts whose sums overflow, days and balances camt.053
//! cannot carry. Never a panic, never a write error later.

mod common;

use common::*;
use converter::text::MAX_INPUT_BYTES;
use converter::{
    ConvertError, MappedTransaction, StatementId, StatementTotals, map_transaction,
    opening_from_current, statement_header,
};
use rust_decimal::Decimal;

fn mapped(amount_text: &str) -> MappedTransaction {
    map_transaction(&transaction(amount_text), &context("EUR")).unwrap()
}

fn header_for(
    opening: Decimal,
    transactions: &[MappedTransaction],
) -> Result<camt053::StatementHeader, ConvertError> {
    let ctx = context("EUR");
    let totals = StatementTotals::of(transactions)?;
    let id = StatementId::for_ledger(&ctx.account_tag(), 1);
    let created = instant("2024-03-04T06:00:00Z").fixed_offset();
    statement_header(&ctx, id, Some(1), created, opening, &totals)
}

/// The closing balance as the writer turns it into XML, to prove it is writable.
fn write(header: &camt053::StatementHeader) -> Result<(), camt053::WriteError> {
    let group = camt053::GroupHeader {
        message_id: header.id.clone(),
        created: header.created,
    };
    camt053::StatementWriter::start(Vec::new(), &group, header)?.finish(None)?;
    Ok(())
}

fn field_too_long(err: &ConvertError) -> Option<(&str, &str)> {
    match err {
        ConvertError::FieldTooLong {
            resource, field, ..
        } => Some((resource, field)),
        _ => None,
    }
}

#[test]
fn oversized_text_fields_of_a_transaction_are_refused_naming_id_and_field() {
    let huge = "R".repeat(MAX_INPUT_BYTES + 1);
    type Setter = fn(&mut ponto::TransactionAttributes, String);
    let fields: [(&str, Setter); 6] = [
        ("attributes.remittanceInformation", |a, v| {
            a.remittance_information = Some(v)
        }),
        ("attributes.description", |a, v| a.description = Some(v)),
        ("attributes.counterpartName", |a, v| {
            a.counterpart_name = Some(v)
        }),
        ("attributes.counterpartReference", |a, v| {
            a.counterpart_reference = Some(v)
        }),
        ("attributes.additionalInformation", |a, v| {
            a.additional_information = Some(v)
        }),
        ("attributes.endToEndId", |a, v| a.end_to_end_id = Some(v)),
    ];
    for (name, set) in fields {
        let mut tx = transaction("1");
        set(&mut tx.attributes, huge.clone());
        let err = map_transaction(&tx, &context("EUR")).unwrap_err();
        assert_eq!(
            field_too_long(&err),
            Some((format!("transaction {TX_ID}").as_str(), name)),
            "{err}"
        );
        let message = err.to_string();
        assert!(message.contains(TX_ID) && message.contains(name));
        assert!(message.len() < 400, "the value is not echoed: {message}");
    }
}

#[test]
fn text_of_exactly_64_kib_still_maps() {
    let mut tx = transaction("1");
    tx.attributes.remittance_information = Some("r".repeat(MAX_INPUT_BYTES));
    let mapped = map_transaction(&tx, &context("EUR")).unwrap();
    let ustrd = &mapped.entry.details[0].remittance.unstructured;
    assert_eq!(ustrd.concat().len(), MAX_INPUT_BYTES);
}

#[test]
fn an_oversized_id_is_refused_without_echoing_it() {
    let mut tx = transaction("1");
    tx.id = Some("i".repeat(MAX_INPUT_BYTES + 1));
    let err = map_transaction(&tx, &context("EUR")).unwrap_err();
    assert!(matches!(&err, ConvertError::FieldTooLong { field, .. } if field == "id"));
    assert!(err.to_string().len() < 400, "{err}");
}

#[test]
fn oversized_account_and_bank_fields_are_refused() {
    let mut account = ponto::Resource {
        kind: Some("account".to_owned()),
        id: Some("acc-1".to_owned()),
        attributes: ponto::AccountAttributes {
            reference: Some("BE68539007547034".to_owned()),
            currency: Some("EUR".to_owned()),
            holder_name: Some("H".repeat(MAX_INPUT_BYTES + 1)),
            ..Default::default()
        },
        relationships: None,
        meta: None,
        links: None,
    };
    let err = converter::AccountContext::new(&account, None, None).unwrap_err();
    assert_eq!(
        field_too_long(&err),
        Some(("account acc-1", "attributes.holderName"))
    );
    account.attributes.holder_name = None;
    let bank = ponto::Resource {
        kind: None,
        id: Some("fi-1".to_owned()),
        attributes: ponto::FinancialInstitutionAttributes {
            name: Some("N".repeat(MAX_INPUT_BYTES + 1)),
            ..Default::default()
        },
        relationships: None,
        meta: None,
        links: None,
    };
    let err = converter::AccountContext::new(&account, Some(&bank), None).unwrap_err();
    assert_eq!(
        field_too_long(&err),
        Some(("financial institution fi-1", "attributes.name"))
    );
}

#[test]
fn closing_balance_overflow_is_an_error_not_a_panic() {
    let err = header_for(Decimal::MAX, &[mapped("1")]).unwrap_err();
    assert!(
        matches!(&err, ConvertError::AmountOverflow { field, .. } if field == "closing balance"),
        "{err}"
    );
    assert!(err.to_string().contains("79228162514264337593543950335"));
    let totals = StatementTotals::of(&[mapped("-1")]).unwrap();
    assert!(totals.closing(Decimal::MIN).is_err());
    assert_eq!(totals.closing(Decimal::ZERO), Ok(amount("-1.00")));
}

#[test]
fn opening_from_the_current_balance_overflow_is_an_error_not_a_panic() {
    let ctx = context("EUR");
    let one = mapped("1").signed_amount;
    let err = opening_from_current(&ctx, Decimal::MIN, [one]).unwrap_err();
    assert!(
        matches!(&err, ConvertError::AmountOverflow { resource, field, .. }
            if resource == "account BE68539007547034" && field == "opening balance"),
        "{err}"
    );
    assert!(err.to_string().contains("currentBalance"));
    let err = opening_from_current(&ctx, Decimal::ZERO, [Decimal::MAX, one]).unwrap_err();
    assert!(
        matches!(&err, ConvertError::AmountOverflow { field, .. } if field == "net of the transactions")
    );
    assert_eq!(
        opening_from_current(&ctx, amount("100.00"), [one, amount("-30.25")]),
        Ok(amount("129.25"))
    );
}

#[test]
fn overflowing_statement_totals_are_an_error_and_leave_the_totals_unchanged() {
    let mut huge = mapped("1");
    huge.entry.amount = Decimal::MAX;
    let mut totals = StatementTotals::new();
    totals.add(&huge).unwrap();
    let before = totals.clone();
    let err = totals.add(&huge).unwrap_err();
    assert!(
        matches!(&err, ConvertError::AmountOverflow { resource, field, .. }
            if resource.contains(TX_ID) && field == "sum of the credits"),
        "{err}"
    );
    assert_eq!(totals, before);
    let mut debit = mapped("-1");
    debit.entry.amount = Decimal::MAX;
    let err = totals.add(&debit).unwrap_err();
    assert!(
        matches!(&err, ConvertError::AmountOverflow { field, .. } if field == "sum of all entries")
    );
    assert!(StatementTotals::of([&huge, &huge]).is_err());
}

#[test]
fn a_booking_day_in_year_10000_is_refused_when_mapping() {
    // 23:30 UTC on 31 December 9999 is 00:30 on 1 January 10000 in Brussels.
    let mut tx = transaction("1");
    tx.attributes.execution_date = Some(instant("9999-12-31T23:30:00Z"));
    tx.attributes.value_date = None;
    let err = map_transaction(&tx, &context("EUR")).unwrap_err();
    assert!(
        matches!(&err, ConvertError::DateOutOfRange { resource, field, date, zone, .. }
            if resource.contains(TX_ID) && field == "attributes.executionDate"
                && date == "+10000-01-01" && zone == "Europe/Brussels"),
        "{err:?}"
    );
}

#[test]
fn a_booking_day_in_year_0_is_refused_when_mapping() {
    let mut tx = transaction("1");
    tx.attributes.execution_date = Some(instant("0000-06-01T12:00:00Z"));
    tx.attributes.value_date = None;
    let err = map_transaction(&tx, &context("EUR")).unwrap_err();
    assert!(
        matches!(&err, ConvertError::DateOutOfRange { field, .. } if field == "attributes.executionDate"),
        "{err:?}"
    );
}

#[test]
fn a_value_day_out_of_range_is_refused_naming_the_value_date() {
    let mut tx = transaction("1");
    tx.attributes.value_date = Some(instant("9999-12-31T23:30:00Z"));
    let err = map_transaction(&tx, &context("EUR")).unwrap_err();
    assert!(
        matches!(&err, ConvertError::DateOutOfRange { field, .. } if field == "attributes.valueDate"),
        "{err:?}"
    );
}

#[test]
fn the_first_and_last_writable_days_still_map_and_write() {
    let mut first = transaction("1");
    first.attributes.execution_date = Some(instant("0001-01-01T12:00:00Z"));
    first.attributes.value_date = None;
    let mut last = transaction("-1");
    last.id = Some("aaaaaaaa-0000-4000-8000-000000000002".to_owned());
    last.attributes.execution_date = Some(instant("9999-12-31T22:59:59Z"));
    last.attributes.value_date = None;
    let ctx = context("EUR");
    let mapped = [
        map_transaction(&first, &ctx).unwrap(),
        map_transaction(&last, &ctx).unwrap(),
    ];
    let header = header_for(Decimal::ZERO, &mapped).unwrap();
    write(&header).unwrap();
}

#[test]
fn an_opening_balance_beyond_18_digits_is_refused_before_writing() {
    let opening = amount("1000000000000000000");
    let err = header_for(opening, &[mapped("1")]).unwrap_err();
    assert!(
        matches!(&err, ConvertError::AmountOutOfRange { resource, field, .. }
            if resource.starts_with("statement ") && field == "opening balance"),
        "{err:?}"
    );
    assert!(err.to_string().contains("1000000000000000000"));
}

#[test]
fn a_closing_balance_beyond_18_digits_is_refused_before_writing() {
    let err = header_for(amount("999999999999999999"), &[mapped("1")]).unwrap_err();
    assert!(
        matches!(&err, ConvertError::AmountOutOfRange { field, .. } if field == "closing balance"),
        "{err:?}"
    );
}

#[test]
fn statement_sums_beyond_18_digits_are_refused_before_writing() {
    // Credits and debits cancel out, so both balances stay small while the sums grow.
    let big: Vec<MappedTransaction> = (0..10)
        .map(|i| match i % 2 {
            0 => mapped("9999999999999999.99"),
            _ => mapped("-9999999999999999.99"),
        })
        .collect();
    let err = header_for(Decimal::ZERO, &big).unwrap_err();
    assert!(
        matches!(&err, ConvertError::AmountOutOfRange { field, .. } if field.contains("TtlNtries/Sum")),
        "{err:?}"
    );
}

#[test]
fn the_largest_writable_balances_are_accepted_and_written() {
    let header = header_for(
        amount("-9999999999999998.99"),
        &[mapped("9999999999999999.99")],
    );
    let header = header.unwrap();
    assert_eq!(header.balances[1].amount, amount("1.00"));
    write(&header).unwrap();
    let header = header_for(amount("9999999999999998.99"), &[mapped("1")]).unwrap();
    assert_eq!(header.balances[1].amount, amount("9999999999999999.99"));
    write(&header).unwrap();
}

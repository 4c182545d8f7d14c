//! Property test over the whole mapping: arbitrary Ponto transactions (any Unicode,
//! control characters, any amount with up to the currency's minor units) become a file
//! that is well-formed, valid against the official XSD, clean for our lint, and reads
//! back with the same ids, amounts, signs and dates.

use crate::util::*;
use chrono::{DateTime, TimeZone, Utc};
use converter::{AccountContext, StatementId, StatementTotals};
use ponto::{Account, AccountAttributes, Resource, Transaction, TransactionAttributes};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn any_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(
        prop::collection::vec(
            prop_oneof![
                4 => any::<char>(),
                2 => prop::char::range('\u{0}', '\u{1f}'),
                1 => Just('&'), 1 => Just('<'), 1 => Just('\u{202e}'), 1 => Just('\u{1F600}'),
                1 => Just(' '),
            ],
            0..700,
        )
        .prop_map(String::from_iter),
    )
}

fn any_amount() -> impl Strategy<Value = Decimal> {
    (-9_999_999_999_999i64..9_999_999_999_999i64, 0u32..=2)
        .prop_map(|(units, scale)| Decimal::new(units, scale))
}

fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800i64..2_208_988_800i64)
        .prop_map(|s| Utc.timestamp_opt(s, 0).single().unwrap_or_default())
}

prop_compose! {
    fn any_transaction()(
        id in "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        amount in any_amount(),
        execution in any_instant(),
        value in prop::option::of(any_instant()),
        description in any_text(),
        remittance in any_text(),
        structured in any::<bool>(),
        name in any_text(),
        reference in any_text(),
        code in prop::option::of(prop_oneof![Just("PMNT-RCDT-ESCT".to_owned()), Just("PMNT-XXXX-YYYY".to_owned()), "[A-Za-z0-9 -]{0,20}"]),
        proprietary in any_text(),
        end_to_end in any_text(),
        mandate in any_text(),
        creditor in any_text(),
    ) -> Transaction {
        Resource {
            kind: Some("transaction".into()),
            id: Some(id),
            attributes: TransactionAttributes {
                amount: Some(amount),
                currency: Some("EUR".into()),
                execution_date: Some(execution),
                value_date: value,
                description,
                remittance_information: remittance,
                remittance_information_type: Some(if structured { "structured" } else { "unstructured" }.into()),
                counterpart_name: name,
                counterpart_reference: reference,
                bank_transaction_code: code,
                proprietary_bank_transaction_code: proprietary,
                end_to_end_id: end_to_end,
                mandate_id: mandate,
                creditor_id: creditor,
                ..TransactionAttributes::default()
            },
            relationships: None,
            meta: None,
            links: None,
        }
    }
}

fn account() -> Account {
    Resource {
        kind: Some("account".into()),
        id: Some("8f6e0000-0000-0000-0000-000000000001".into()),
        attributes: AccountAttributes {
            reference: Some("BE68539007547034".into()),
            reference_type: Some("IBAN".into()),
            currency: Some("EUR".into()),
            holder_name: Some("Proptest BV".into()),
            ..AccountAttributes::default()
        },
        relationships: None,
        meta: None,
        links: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_transactions_make_valid_files_that_read_back(
        transactions in prop::collection::vec(any_transaction(), 1..12),
        opening in any_amount(),
    ) {
        let ctx = AccountContext::new(&account(), None, Some("Europe/Brussels")).expect("context");
        let mapped: Vec<_> = transactions
            .iter()
            .map(|t| converter::map_transaction(t, &ctx).expect("every arbitrary transaction maps"))
            .collect();
        let totals = StatementTotals::of(&mapped).expect("arbitrary amounts add up");
        let id = StatementId::for_ledger(&ctx.account_tag(), 1);
        let created = Utc.with_ymd_and_hms(2024, 3, 8, 6, 0, 0).single().expect("date").fixed_offset();
        let header = converter::statement_header(&ctx, id.clone(), Some(1), created, opening, &totals)
            .expect("arbitrary balances fit");
        let mut writer = camt053::StatementWriter::start(Vec::new(), &converter::group_header(&id, created), &header)
            .expect("header writes");
        for m in &mapped {
            writer.entry(&m.entry).expect("entry writes");
        }
        let xml = writer.finish(None).expect("document closes");

        let document = camt053::read_document(xml.as_slice()).expect("well-formed and readable");
        let findings: Vec<_> = camt053::lint(&document)
            .into_iter()
            .filter(|f| f.severity == camt053::Severity::Error)
            .collect();
        prop_assert!(findings.is_empty(), "lint: {:?}", findings);
        let entries = &document.statements[0].entries;
        prop_assert_eq!(entries.len(), transactions.len());
        for ((entry, source), m) in entries.iter().zip(&transactions).zip(&mapped) {
            let id = source.id.as_deref().unwrap_or_default().replace('-', "");
            prop_assert_eq!(entry.account_servicer_ref.as_deref(), Some(id.as_str()));
            prop_assert_eq!(entry.details[0].refs.account_servicer_ref.as_deref(), Some(id.as_str()));
            let amount = source.attributes.amount.unwrap_or_default();
            prop_assert_eq!(entry.signed_amount(), amount);
            prop_assert_eq!(entry.signed_amount(), m.signed_amount);
            let local = source.attributes.execution_date.map(|d| d.with_timezone(&ctx.time_zone).date_naive());
            prop_assert_eq!(entry.booking_date, local);
        }

        let dir = tempdir();
        let file = dir.path().join("case.xml");
        std::fs::write(&file, &xml).expect("write");
        assert_xsd_valid(&[file]);
    }
}

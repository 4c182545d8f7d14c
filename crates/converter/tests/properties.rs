//! Property: any Ponto transaction with a valid amount maps, and every text in the entry
//! fits its XSD length, is non-empty, one-line and free of XML-forbidden characters.

mod common;

use camt053::{CreditDebit, Entry};
use common::*;
use converter::bank_codes::is_known_combination;
use converter::text::{one_line, xml_allowed};
use converter::{StatementId, StatementTotals, group_header, map_transaction, statement_header};
use ponto::{Resource, TransactionAttributes};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        2 => (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or(' ')),
        2 => prop::sample::select(vec![' ', '\n', '\r', '\t', '&', '<', '>', '"', '\u{FFFE}', '\u{FFFF}', '\u{202E}', '😀']),
        4 => proptest::char::range('a', 'z'),
    ]
}

fn text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop::collection::vec(hostile_char(), 0..400).prop_map(String::from_iter))
}

fn amount() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000_000i64..1_000_000_000_000, 0u32..=2)
        .prop_map(|(m, scale)| Decimal::new(m, scale))
}

/// Any decimal at all: every scale, every magnitude up to the largest.
fn any_decimal() -> impl Strategy<Value = Decimal> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<bool>(),
        0u32..=28,
    )
        .prop_map(|(lo, mid, hi, negative, scale)| {
            Decimal::from_parts(lo, mid, hi, negative, scale)
        })
}

/// Opening balances: ordinary, around the 18 digits camt.053 allows, or anything.
fn opening() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        amount(),
        (
            -999_999_999_999_999_999i64..=999_999_999_999_999_999,
            0u32..=6
        )
            .prop_map(|(m, scale)| Decimal::new(m, scale)),
        any_decimal(),
    ]
}

/// Amounts near and beyond what camt.053 can carry, and ordinary ones.
fn extreme_amount() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        amount(),
        (-99_999_999_999_999_999i64..=99_999_999_999_999_999).prop_map(|m| Decimal::new(m, 2)),
        any_decimal(),
    ]
}

/// Any instant Ponto can send (years 0000 to 9999), so the bank's day may fall outside.
fn any_instant() -> impl Strategy<Value = chrono::DateTime<chrono::Utc>> {
    prop_oneof![
        (-62_167_219_200i64..253_402_300_800)
            .prop_map(|s| chrono::DateTime::from_timestamp(s, 0).unwrap_or_default()),
        (253_402_200_000i64..253_402_300_800)
            .prop_map(|s| chrono::DateTime::from_timestamp(s, 0).unwrap_or_default()),
    ]
}

fn instant() -> impl Strategy<Value = chrono::DateTime<chrono::Utc>> {
    (946_684_800i64..2_208_988_800)
        .prop_map(|s| chrono::DateTime::from_timestamp(s, 0).unwrap_or_default())
}

fn attributes() -> impl Strategy<Value = TransactionAttributes> {
    let core = (
        amount(),
        instant(),
        proptest::option::of(instant()),
        proptest::option::of(Just("EUR".to_owned())),
        proptest::option::of(extreme_amount()),
    );
    let texts1 = (text(), text(), text(), text(), text(), text());
    let texts2 = (
        text(),
        text(),
        text(),
        text(),
        text(),
        text(),
        text(),
        text(),
    );
    let kind = proptest::option::of(prop_oneof![
        Just("structured".to_owned()),
        Just("unstructured".to_owned()),
        ".{0,12}".prop_map(|s| s),
    ]);
    (core, texts1, texts2, kind).prop_map(
        |((amount, execution, value, currency, fee), t1, t2, kind)| TransactionAttributes {
            amount: Some(amount),
            currency,
            execution_date: Some(execution),
            value_date: value,
            description: t1.0,
            remittance_information: t1.1,
            counterpart_name: t1.2,
            counterpart_reference: t1.3,
            bank_transaction_code: t1.4,
            proprietary_bank_transaction_code: t1.5,
            end_to_end_id: t2.0,
            purpose_code: t2.1,
            mandate_id: t2.2,
            creditor_id: t2.3,
            additional_information: t2.4,
            card_reference: t2.5,
            internal_reference: t2.6,
            card_reference_type: t2.7,
            fee,
            remittance_information_type: kind,
            ..Default::default()
        },
    )
}

/// Every text of the entry with its maximum length in characters.
fn texts(entry: &Entry) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut push = |value: &Option<String>, max: usize| {
        if let Some(v) = value {
            out.push((v.clone(), max));
        }
    };
    push(&entry.additional_info, 500);
    push(&entry.account_servicer_ref, 35);
    push(
        &entry
            .bank_transaction_code
            .proprietary
            .as_ref()
            .map(|p| p.code.clone()),
        35,
    );
    for d in &entry.details {
        push(&d.refs.account_servicer_ref, 35);
        push(&d.refs.end_to_end_id, 35);
        push(&d.refs.mandate_id, 35);
        if let Some(proprietary) = &d.refs.proprietary {
            push(&Some(proprietary.kind.clone()), 35);
            push(&Some(proprietary.reference.clone()), 35);
        }
        push(&d.purpose, 4);
        push(&d.additional_info, 500);
        for party in [&d.related_parties.debtor, &d.related_parties.creditor]
            .into_iter()
            .flatten()
        {
            push(&party.name, 140);
            push(&party.sepa_creditor_id, 35);
        }
        for account in [
            &d.related_parties.debtor_account,
            &d.related_parties.creditor_account,
        ]
        .into_iter()
        .flatten()
        {
            // IBAN2007Identifier and Max34Text are both at most 34 characters.
            push(&Some(account.as_str().to_owned()), 34);
        }
        for ustrd in &d.remittance.unstructured {
            push(&Some(ustrd.clone()), 140);
        }
        push(
            &d.remittance
                .creditor_reference
                .as_ref()
                .map(|r| r.reference.clone()),
            35,
        );
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_transaction_maps_to_a_valid_entry(attributes in attributes()) {
        let tx = Resource { kind: Some("transaction".to_owned()), id: Some(TX_ID.to_owned()), attributes, relationships: None, meta: None, links: None };
        let mapped = map_transaction(&tx, &context("EUR")).unwrap();
        let entry = &mapped.entry;
        for (value, max) in texts(entry) {
            prop_assert!(!value.is_empty());
            prop_assert!(value.chars().count() <= max, "{value:?} longer than {max}");
            prop_assert!(value.chars().all(xml_allowed), "{value:?}");
            prop_assert!(!value.contains(['\r', '\n', '\t']), "{value:?}");
            prop_assert_eq!(value.trim(), value.as_str());
        }
        if let Some(domain) = &entry.bank_transaction_code.domain {
            prop_assert!(is_known_combination(&domain.domain, &domain.family, &domain.sub_family));
        }
        let input = tx.attributes.amount.unwrap_or_default();
        prop_assert_eq!(entry.amount.scale(), 2);
        prop_assert!(!entry.amount.is_sign_negative() || entry.amount.is_zero());
        prop_assert_eq!(entry.direction == CreditDebit::Debit, input < Decimal::ZERO);
        prop_assert_eq!(mapped.signed_amount, input);
        prop_assert_eq!(entry.details.len(), 1);
        // A fee is a charge of its own, never part of the booked amount.
        for charge in &entry.details[0].charges {
            prop_assert_eq!(charge.amount.scale(), 2);
            prop_assert!(charge.amount > Decimal::ZERO);
            prop_assert_eq!(Some(charge.amount), tx.attributes.fee.map(|f| f.abs()));
        }

        // A line is never labelled "/" when Ponto had any text for it.
        let a = &tx.attributes;
        let had_text = [&a.description, &a.counterpart_name, &a.card_reference, &a.counterpart_reference,
            &a.additional_information, &a.end_to_end_id, &a.remittance_information]
            .into_iter()
            .any(|t| t.as_deref().and_then(one_line).is_some());
        let details = &entry.details[0];
        let labelled = !details.remittance.unstructured.is_empty() || details.additional_info.is_some();
        prop_assert_eq!(labelled, had_text);
    }

    #[test]
    fn whatever_maps_and_totals_without_error_is_written_without_error(
        opening in opening(),
        moves in prop::collection::vec(
            (extreme_amount(), any_instant(), proptest::option::of(extreme_amount())),
            1..6,
        ),
    ) {
        let ctx = context("EUR");
        let mut writable = Vec::new();
        for (i, (amount, execution, fee)) in moves.into_iter().enumerate() {
            let mut tx = transaction("1");
            tx.id = Some(format!("00000000-0000-4000-8000-{i:012}"));
            tx.attributes.amount = Some(amount);
            tx.attributes.execution_date = Some(execution);
            tx.attributes.value_date = None;
            tx.attributes.fee = fee;
            if let Ok(mapped) = map_transaction(&tx, &ctx) {
                writable.push(mapped);
            }
        }
        let Ok(totals) = StatementTotals::of(&writable) else {
            return Ok(());
        };
        let id = StatementId::for_ledger(&ctx.account_tag(), 1);
        let created = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default().fixed_offset();
        let Ok(header) = statement_header(&ctx, id.clone(), Some(1), created, opening, &totals) else {
            return Ok(());
        };
        let written = camt053::StatementWriter::start(Vec::new(), &group_header(&id, created), &header)
            .and_then(|mut writer| {
                writable.iter().try_for_each(|m| writer.entry(&m.entry))?;
                writer.finish(None)
            });
        prop_assert!(written.is_ok(), "{:?}", written.err());
    }

    #[test]
    fn split_remittance_gives_the_text_back(words in prop::collection::vec("[a-zA-Z0-9éü😀]{1,30}", 1..60)) {
        let text = words.join(" ");
        let pieces = converter::text::split_text(&text, 140);
        prop_assert!(pieces.iter().all(|p| !p.is_empty() && p.chars().count() <= 140));
        prop_assert_eq!(pieces.join(" "), text);
    }
}

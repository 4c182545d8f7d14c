//! Property: whatever valid statement is written, the reader gives it back unchanged.

mod common;

use camt053::*;
use common::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Characters that stress escaping and encoding, mixed into arbitrary XML characters.
const TRICKY: &[char] = &[
    '&', '<', '>', '"', '\'', ' ', 'é', 'ß', '€', '😀', '👩', '\u{200D}', 'ש', 'ل', '\u{200F}',
    '\u{202E}', '\t', '\n', '\r', ']', ';', '#',
];

fn xml_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>().prop_filter("XML 1.0 character", |c| {
            matches!(*c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        }),
        2 => prop::sample::select(TRICKY),
        3 => prop::char::range('a', 'z'),
    ]
}

/// A text of 1..=max characters that is not only whitespace.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(xml_char(), 1..=max)
        .prop_map(|chars| chars.into_iter().collect::<String>())
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn opt_text(max: usize) -> impl Strategy<Value = Option<String>> {
    prop::option::of(text(max))
}

fn code4() -> impl Strategy<Value = String> {
    "[A-Z]{1,4}"
}

/// Unsigned amounts with 0..=5 decimals.
fn amount() -> impl Strategy<Value = Decimal> {
    (0i64..1_000_000_000_000, 0u32..=5).prop_map(|(m, scale)| Decimal::new(m, scale))
}

fn iban() -> impl Strategy<Value = String> {
    "[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}"
}

fn account_id() -> impl Strategy<Value = AccountId> {
    prop_oneof![
        iban().prop_map(AccountId::Iban),
        text(34).prop_map(AccountId::Other)
    ]
}

fn party() -> impl Strategy<Value = Option<Party>> {
    prop::option::of((text(140), opt_text(35)).prop_map(|(name, id)| Party {
        name: Some(name),
        sepa_creditor_id: id,
    }))
}

fn bank_transaction_code() -> impl Strategy<Value = BankTransactionCode> {
    let domain = (code4(), code4(), code4()).prop_map(|(domain, family, sub_family)| DomainCode {
        domain,
        family,
        sub_family,
    });
    let proprietary =
        (text(35), opt_text(35)).prop_map(|(code, issuer)| ProprietaryCode { code, issuer });
    (prop::option::of(domain), prop::option::of(proprietary))
        .prop_filter("BkTxCd needs a code", |(d, p)| d.is_some() || p.is_some())
        .prop_map(|(domain, proprietary)| BankTransactionCode {
            domain,
            proprietary,
        })
}

fn details() -> impl Strategy<Value = TransactionDetails> {
    let refs = (
        opt_text(35),
        opt_text(35),
        opt_text(35),
        opt_text(35),
        opt_text(35),
        opt_text(35),
        prop::option::of((text(35), text(35))),
    )
        .prop_map(|(a, p, i, e, t, m, prtry)| References {
            account_servicer_ref: a,
            payment_information_id: p,
            instruction_id: i,
            end_to_end_id: e,
            transaction_id: t,
            mandate_id: m,
            proprietary: prtry.map(|(kind, reference)| ProprietaryReference { kind, reference }),
        });
    let charges = prop::collection::vec(
        (
            amount(),
            prop::option::of(prop::sample::select(vec![
                CreditDebit::Credit,
                CreditDebit::Debit,
            ])),
        )
            .prop_map(|(amount, direction)| Charges {
                amount,
                currency: "EUR".to_owned(),
                direction,
            }),
        0..3,
    );
    let parties = (
        party(),
        prop::option::of(account_id()),
        party(),
        prop::option::of(account_id()),
    )
        .prop_map(
            |(debtor, debtor_account, creditor, creditor_account)| RelatedParties {
                debtor,
                debtor_account,
                creditor,
                creditor_account,
            },
        );
    let reference = prop::option::of(
        (
            prop::option::of(prop_oneof![Just("SCOR".to_owned()), text(35)]),
            text(35),
        )
            .prop_map(|(kind, reference)| CreditorReference { kind, reference }),
    );
    let remittance = (prop::collection::vec(text(140), 0..3), reference).prop_map(
        |(unstructured, creditor_reference)| Remittance {
            unstructured,
            creditor_reference,
        },
    );
    (
        refs,
        prop::option::of(amount().prop_map(|a| (a, "EUR".to_owned()))),
        charges,
        parties,
        prop::option::of(code4()),
        remittance,
        opt_text(105),
        text(500),
    )
        .prop_map(
            |(refs, amount, charges, related_parties, purpose, remittance, return_info, info)| {
                TransactionDetails {
                    refs,
                    amount,
                    charges,
                    related_parties,
                    purpose,
                    remittance,
                    return_info,
                    // Always set so that no TxDtls is empty (an empty one is not written).
                    additional_info: Some(info),
                }
            },
        )
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        (opt_text(35), amount(), any::<bool>(), any::<bool>()),
        (
            prop::sample::select(vec![
                EntryStatus::Booked,
                EntryStatus::Pending,
                EntryStatus::Info,
            ]),
            prop::option::of((1i32..=9999, 1u32..=12, 1u32..=28)),
            opt_text(35),
        ),
        bank_transaction_code(),
        prop::collection::vec(details(), 0..3),
        opt_text(500),
    )
        .prop_map(
            |(
                (entry_ref, amount, credit, reversal),
                (status, day, reference),
                code,
                details,
                info,
            )| Entry {
                entry_ref,
                amount,
                currency: "EUR".into(),
                direction: if credit {
                    CreditDebit::Credit
                } else {
                    CreditDebit::Debit
                },
                reversal,
                status,
                booking_date: day.map(|(y, m, d)| date(y, m, d)),
                value_date: day.map(|(y, m, d)| date(y, m, d)),
                account_servicer_ref: reference,
                bank_transaction_code: code,
                details,
                additional_info: info,
            },
        )
}

fn document() -> impl Strategy<Value = Document> {
    (
        text(35),
        text(35),
        prop::option::of(0u64..1_000_000),
        opt_text(70),
        opt_text(140),
        prop::collection::vec(entry(), 1..4),
        opt_text(500),
        (-1_000_000_000i64..1_000_000_000, 0u32..=2),
    )
        .prop_map(
            |(message_id, id, sequence, name, owner, entries, info, (opening, scale))| {
                let mut summary = TransactionsSummary::default();
                for entry in &entries {
                    summary.add(entry.direction, entry.amount);
                }
                let opening = Decimal::new(opening, scale);
                let mut header = rich_header();
                header.id = id;
                header.electronic_sequence = sequence;
                header.account.name = name;
                header.account.owner_name = owner;
                header.balances[0].amount = opening;
                header.balances[1].amount = opening + summary.net();
                header.summary = Some(summary);
                Document {
                    namespace: NAMESPACE.into(),
                    group_header: GroupHeader {
                        message_id,
                        created: group_header().created,
                    },
                    statements: vec![Statement {
                        header,
                        entries,
                        additional_info: info,
                    }],
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn read_back_equals_written(doc in document()) {
        let xml = write_document(Vec::new(), &doc).unwrap();
        let read = read_document(xml.as_slice()).unwrap();
        prop_assert_eq!(read, doc);
    }

    #[test]
    fn fragments_equal_entries_in_place(doc in document()) {
        let statement = &doc.statements[0];
        let mut writer = StatementWriter::start(Vec::new(), &doc.group_header, &statement.header).unwrap();
        let mut spool = Vec::new();
        for entry in &statement.entries {
            write_entry_fragment(&mut spool, entry).unwrap();
        }
        writer.splice_entries(spool.as_slice()).unwrap();
        let spliced = writer.finish(statement.additional_info.as_deref()).unwrap();
        prop_assert_eq!(spliced, write_document(Vec::new(), &doc).unwrap());
    }
}

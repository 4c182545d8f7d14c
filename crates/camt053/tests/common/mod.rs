//! Hand-built documents shared by the tests.
#![allow(dead_code)]

use camt053::*;
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn time(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

pub fn eur(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// A credit entry with every field the model has.
pub fn rich_credit() -> Entry {
    Entry {
        entry_ref: Some("NREF-1".into()),
        amount: eur(12_345),
        currency: "EUR".into(),
        direction: CreditDebit::Credit,
        reversal: false,
        status: EntryStatus::Booked,
        booking_date: Some(date(2024, 1, 31)),
        value_date: Some(date(2024, 2, 1)),
        account_servicer_ref: Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9".into()),
        bank_transaction_code: BankTransactionCode {
            domain: Some(DomainCode {
                domain: "PMNT".into(),
                family: "RCDT".into(),
                sub_family: "ESCT".into(),
            }),
            proprietary: Some(ProprietaryCode {
                code: "NTRF+166".into(),
                issuer: Some("DK".into()),
            }),
        },
        details: vec![TransactionDetails {
            refs: References {
                account_servicer_ref: Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9".into()),
                payment_information_id: Some("PMT-INF-1".into()),
                instruction_id: Some("INSTR-1".into()),
                end_to_end_id: Some("INV-2024-001".into()),
                transaction_id: Some("TX-1".into()),
                mandate_id: None,
                proprietary: Some(ProprietaryReference {
                    kind: "InternalReference".into(),
                    reference: "BANK-REF <1>".into(),
                }),
            },
            amount: Some((eur(12_345), "EUR".into())),
            charges: vec![Charges {
                amount: eur(150),
                currency: "EUR".into(),
                direction: Some(CreditDebit::Debit),
            }],
            related_parties: RelatedParties {
                debtor: Some(Party {
                    name: Some("Müller & Söhne <GmbH> \"quoted\" 'single'".into()),
                    sepa_creditor_id: None,
                }),
                debtor_account: Some(AccountId::Iban("DE02120300000000202051".into())),
                creditor: None,
                creditor_account: None,
            },
            purpose: Some("SUPP".into()),
            remittance: Remittance {
                unstructured: vec!["Rechnung 2024-001".into(), "zweite Zeile ✓ 😀".into()],
                creditor_reference: Some(CreditorReference {
                    kind: Some("SCOR".into()),
                    reference: "RF18539007547034".into(),
                }),
            },
            return_info: None,
            additional_info: Some("Rechnung 2024-001".into()),
        }],
        additional_info: Some("SEPA credit transfer".into()),
    }
}

/// A reversed direct-debit entry with a creditor id, mandate, non-IBAN account, return info.
pub fn rich_debit() -> Entry {
    Entry {
        entry_ref: None,
        amount: eur(2_000),
        currency: "EUR".into(),
        direction: CreditDebit::Debit,
        reversal: true,
        status: EntryStatus::Booked,
        booking_date: Some(date(2024, 1, 31)),
        value_date: Some(date(2024, 1, 31)),
        account_servicer_ref: Some("ffeeddccbbaa99887766554433221100".into()),
        bank_transaction_code: BankTransactionCode {
            domain: None,
            proprietary: Some(ProprietaryCode {
                code: "DDT".into(),
                issuer: None,
            }),
        },
        details: vec![TransactionDetails {
            refs: References {
                mandate_id: Some("MANDATE-42".into()),
                ..Default::default()
            },
            amount: None,
            charges: Vec::new(),
            related_parties: RelatedParties {
                debtor: None,
                debtor_account: None,
                creditor: Some(Party {
                    name: Some("שלום Energy Ltd".into()),
                    sepa_creditor_id: Some("BE69ZZZ050D000000008".into()),
                }),
                creditor_account: Some(AccountId::Other("123-4567890-12".into())),
            },
            purpose: None,
            remittance: Remittance {
                unstructured: vec![],
                creditor_reference: Some(CreditorReference {
                    kind: None,
                    reference: "+++090/9337/55493+++".into(),
                }),
            },
            return_info: Some("MS03 reason not specified".into()),
            additional_info: None,
        }],
        additional_info: None,
    }
}

pub fn rich_header() -> StatementHeader {
    StatementHeader {
        id: "BE68539007547034-000042".into(),
        electronic_sequence: Some(42),
        legal_sequence: None,
        created: time("2024-02-01T06:00:00+01:00"),
        from_to: Some((
            time("2024-01-31T00:00:00+01:00"),
            time("2024-01-31T23:59:59+01:00"),
        )),
        account: Account {
            iban: Some("BE68539007547034".into()),
            other_id: None,
            currency: Some("EUR".into()),
            name: Some("Zichtrekening".into()),
            owner_name: Some("Example BV".into()),
            servicer_bic: Some("GEBABEBB".into()),
            servicer_name: Some("BNP Paribas Fortis".into()),
        },
        balances: vec![
            Balance {
                kind: BalanceType::OpeningBooked,
                amount: eur(-5_000),
                currency: "EUR".into(),
                date: date(2024, 1, 30),
            },
            Balance {
                kind: BalanceType::ClosingBooked,
                amount: eur(-5_000 + 12_345 - 2_000),
                currency: "EUR".into(),
                date: date(2024, 1, 31),
            },
        ],
        summary: Some(TransactionsSummary {
            credit_count: 1,
            credit_sum: eur(12_345),
            debit_count: 1,
            debit_sum: eur(2_000),
        }),
    }
}

pub fn rich_statement() -> Statement {
    Statement {
        header: rich_header(),
        entries: vec![rich_credit(), rich_debit()],
        additional_info: Some("Statement 42 for BE68539007547034".into()),
    }
}

pub fn group_header() -> GroupHeader {
    GroupHeader {
        message_id: "PONTO2CAMT-20240201-0001".into(),
        created: time("2024-02-01T06:00:00+01:00"),
    }
}

pub fn rich_document() -> Document {
    Document {
        namespace: NAMESPACE.into(),
        group_header: group_header(),
        statements: vec![rich_statement()],
    }
}

pub fn to_string(doc: &Document) -> String {
    String::from_utf8(write_document(Vec::new(), doc).unwrap()).unwrap()
}

//! Writes a statement with N typical entries (default 1,000,000) to a file, to measure
//! the writer: `cargo run --release -p camt053 --example write_many -- 1000000 /tmp/out.xml`.

use std::time::Instant;

use camt053::*;
use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: u64 = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let path = args
        .next()
        .unwrap_or_else(|| "/tmp/camt053-write-many.xml".into());
    let created = DateTime::parse_from_rfc3339("2024-02-01T06:00:00+01:00")?;
    let day = NaiveDate::from_ymd_opt(2024, 1, 31).ok_or("date")?;
    let header = StatementHeader {
        id: "BENCH-1".into(),
        electronic_sequence: Some(1),
        legal_sequence: None,
        created,
        from_to: None,
        account: Account {
            iban: Some("BE68539007547034".into()),
            currency: Some("EUR".into()),
            ..Default::default()
        },
        balances: vec![Balance {
            kind: BalanceType::OpeningBooked,
            amount: Decimal::ZERO,
            currency: "EUR".into(),
            date: day,
        }],
        summary: None,
    };
    let group = GroupHeader {
        message_id: "BENCH".into(),
        created,
    };
    let mut entry = Entry {
        entry_ref: None,
        amount: Decimal::new(12_345, 2),
        currency: "EUR".into(),
        direction: CreditDebit::Credit,
        reversal: false,
        status: EntryStatus::Booked,
        booking_date: Some(day),
        value_date: Some(day),
        account_servicer_ref: Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9".into()),
        bank_transaction_code: BankTransactionCode {
            domain: Some(DomainCode {
                domain: "PMNT".into(),
                family: "RCDT".into(),
                sub_family: "ESCT".into(),
            }),
            proprietary: None,
        },
        details: vec![TransactionDetails {
            refs: References {
                account_servicer_ref: Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9".into()),
                end_to_end_id: Some("INV-2024-001".into()),
                ..Default::default()
            },
            amount: Some((Decimal::new(12_345, 2), "EUR".into())),
            charges: Vec::new(),
            related_parties: RelatedParties {
                debtor: Some(Party {
                    name: Some("Müller & Söhne GmbH".into()),
                    sepa_creditor_id: None,
                }),
                debtor_account: Some(AccountId::Iban("DE02120300000000202051".into())),
                ..Default::default()
            },
            remittance: Remittance {
                unstructured: vec!["Rechnung 2024-001 vom 15.01.2024".into()],
                creditor_reference: None,
            },
            ..Default::default()
        }],
        additional_info: Some("SEPA Überweisung".into()),
    };
    let start = Instant::now();
    let file = std::fs::File::create(&path)?;
    let mut writer = StatementWriter::start(file, &group, &header)?;
    for i in 0..count {
        entry.amount = Decimal::new(i as i64 % 100_000, 2);
        writer.entry(&entry)?;
    }
    let _ = writer.finish(None)?.sync_all();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "{count} entries, {} MB in {:.2?} ({path})",
        size / 1_000_000,
        start.elapsed()
    );
    Ok(())
}

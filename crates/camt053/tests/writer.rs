//! Writer: round trips through the reader, byte identity of fragments, rejections, XSD.

mod common;

use camt053::*;
use common::*;
use rust_decimal::Decimal;

#[test]
fn rich_document_round_trips_through_the_reader() {
    let doc = rich_document();
    let xml = to_string(&doc);
    let read = read_document(xml.as_bytes()).unwrap();
    assert_eq!(read, doc);
}

#[test]
fn output_starts_with_declaration_default_namespace_and_group_header() {
    let xml = to_string(&rich_document());
    let expected_start = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n  \
        <BkToCstmrStmt>\n    <GrpHdr>\n      <MsgId>PONTO2CAMT-20240201-0001</MsgId>\n      \
        <CreDtTm>2024-02-01T06:00:00+01:00</CreDtTm>";
    assert!(xml.starts_with(expected_start), "{xml}");
    assert!(xml.ends_with("</Document>\n"));
    assert!(!xml.contains("<!--"));
    // A negative balance is written unsigned with DBIT.
    assert!(xml.contains("<Amt Ccy=\"EUR\">50.00</Amt>\n        <CdtDbtInd>DBIT</CdtDbtInd>"));
    assert!(xml.contains("Müller &amp; Söhne &lt;GmbH&gt;"));
}

#[test]
fn rich_statement_snapshot() {
    insta::assert_snapshot!(to_string(&rich_document()));
}

#[test]
fn statement_writer_matches_write_document() {
    let doc = rich_document();
    let statement = &doc.statements[0];
    let mut writer =
        StatementWriter::start(Vec::new(), &doc.group_header, &statement.header).unwrap();
    for entry in &statement.entries {
        writer.entry(entry).unwrap();
    }
    let bytes = writer.finish(statement.additional_info.as_deref()).unwrap();
    assert_eq!(String::from_utf8(bytes).unwrap(), to_string(&doc));
}

#[test]
fn fragments_are_the_bytes_entry_writes() {
    let doc = rich_document();
    let statement = &doc.statements[0];
    let direct = {
        let mut writer =
            StatementWriter::start(Vec::new(), &doc.group_header, &statement.header).unwrap();
        for entry in &statement.entries {
            writer.entry(entry).unwrap();
        }
        writer.finish(None).unwrap()
    };
    let mut spool = Vec::new();
    for entry in &statement.entries {
        write_entry_fragment(&mut spool, entry).unwrap();
    }
    let header_only = StatementWriter::start(Vec::new(), &doc.group_header, &statement.header)
        .unwrap()
        .finish(None)
        .unwrap();
    // The spooled fragments are exactly the difference between the two outputs...
    let spool_text = String::from_utf8(spool.clone()).unwrap();
    let direct_text = String::from_utf8(direct.clone()).unwrap();
    let header_text = String::from_utf8(header_only).unwrap();
    let split = header_text.find("\n    </Stmt>").unwrap();
    assert_eq!(
        direct_text,
        format!(
            "{}{}{}",
            &header_text[..split],
            spool_text,
            &header_text[split..]
        )
    );
    // ...and splicing them yields the same document.
    let mut writer =
        StatementWriter::start(Vec::new(), &doc.group_header, &statement.header).unwrap();
    let copied = writer.splice_entries(spool.as_slice()).unwrap();
    assert_eq!(copied, spool.len() as u64);
    assert_eq!(writer.finish(None).unwrap(), direct);
}

#[test]
fn several_statements_round_trip() {
    let mut doc = rich_document();
    let mut second = rich_statement();
    second.header.id = "SECOND".into();
    second.header.account.iban = None;
    second.header.account.other_id = Some("ACC-0001".into());
    second.header.balances[0].kind = BalanceType::Other("PRCD".into());
    second.header.balances[1].kind = BalanceType::Other("BANK-SPECIFIC".into());
    second.header.summary = Some(TransactionsSummary::default());
    second.additional_info = None;
    doc.statements.push(second);
    let xml = to_string(&doc);
    assert!(xml.contains("<Prtry>BANK-SPECIFIC</Prtry>"));
    assert!(!xml.contains("TtlCdtNtries>\n          <NbOfNtries>0"));
    assert_eq!(read_document(xml.as_bytes()).unwrap(), doc);
}

fn write_entry_err(entry: &Entry) -> WriteError {
    write_entry_fragment(Vec::new(), entry).unwrap_err()
}

#[test]
fn rejects_an_id_over_35_characters() {
    let mut entry = rich_credit();
    entry.account_servicer_ref = Some("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9".into());
    match write_entry_err(&entry) {
        WriteError::TooLong { path, len, max } => {
            assert_eq!(path, "Document/BkToCstmrStmt/Stmt/Ntry/AcctSvcrRef");
            assert_eq!((len, max), (36, 35));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn rejects_a_too_long_id_in_the_header_with_its_path() {
    let mut header = rich_header();
    header.id = "x".repeat(36);
    let err = StatementWriter::start(Vec::new(), &group_header(), &header)
        .err()
        .unwrap();
    assert!(
        matches!(&err, WriteError::TooLong { path, len: 36, max: 35 } if path == "Document/BkToCstmrStmt/Stmt/Id"),
        "{err:?}"
    );
}

#[test]
fn error_path_names_the_entry_and_transaction() {
    let doc = rich_document();
    let mut writer =
        StatementWriter::start(Vec::new(), &doc.group_header, &doc.statements[0].header).unwrap();
    writer.entry(&rich_credit()).unwrap();
    let mut bad = rich_debit();
    bad.details[0].refs.end_to_end_id = Some(String::new());
    let err = writer.entry(&bad).unwrap_err();
    match err {
        WriteError::Empty { path } => assert_eq!(
            path,
            "Document/BkToCstmrStmt/Stmt/Ntry[2]/NtryDtls/TxDtls[1]/Refs/EndToEndId"
        ),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn rejects_empty_and_blank_text() {
    let mut entry = rich_credit();
    entry.additional_info = Some(String::new());
    assert!(
        matches!(write_entry_err(&entry), WriteError::Empty { path } if path.ends_with("Ntry/AddtlNtryInf"))
    );
    let mut entry = rich_credit();
    entry.details[0].remittance.unstructured[1] = "   ".into();
    assert!(
        matches!(write_entry_err(&entry), WriteError::Empty { path } if path.ends_with("RmtInf/Ustrd"))
    );
}

#[test]
fn rejects_negative_amounts() {
    let mut entry = rich_credit();
    entry.amount = eur(-100);
    assert!(
        matches!(write_entry_err(&entry), WriteError::NegativeAmount { path, .. } if path.ends_with("Ntry/Amt"))
    );
}

#[test]
fn rejects_six_fraction_digits_and_nineteen_digits() {
    let mut entry = rich_credit();
    entry.amount = Decimal::new(1_234_567, 6);
    assert!(matches!(
        write_entry_err(&entry),
        WriteError::TooManyFractionDigits {
            digits: 6,
            max: 5,
            ..
        }
    ));
    let mut entry = rich_credit();
    entry.amount = Decimal::from_i128_with_scale(1_000_000_000_000_000_000, 2);
    assert!(matches!(
        write_entry_err(&entry),
        WriteError::TooManyDigits { digits: 19, .. }
    ));
}

#[test]
fn accepts_five_fraction_digits_as_is() {
    let mut entry = rich_credit();
    entry.amount = Decimal::new(1_234_567, 5);
    let mut out = Vec::new();
    write_entry_fragment(&mut out, &entry).unwrap();
    assert!(String::from_utf8(out).unwrap().contains(">12.34567</Amt>"));
}

#[test]
fn rejects_characters_xml_forbids() {
    let mut entry = rich_credit();
    entry.details[0].related_parties.debtor = Some(Party {
        name: Some("Bad\u{1}Name".into()),
        sepa_creditor_id: None,
    });
    match write_entry_err(&entry) {
        WriteError::ForbiddenCharacter {
            path,
            code,
            position,
        } => {
            assert!(path.ends_with("RltdPties/Dbtr/Nm"), "{path}");
            assert_eq!((code, position), (1, 3));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn rejects_an_entry_without_bank_transaction_code() {
    let mut entry = rich_credit();
    entry.bank_transaction_code = BankTransactionCode::default();
    assert!(matches!(
        write_entry_err(&entry),
        WriteError::MissingBankTransactionCode { path } if path.ends_with("Ntry/BkTxCd")
    ));
}

#[test]
fn rejects_bad_iban_bic_and_currency() {
    let mut entry = rich_credit();
    entry.details[0].related_parties.debtor_account = Some(AccountId::Iban("DE02 1203".into()));
    assert!(
        matches!(write_entry_err(&entry), WriteError::Pattern { path, .. } if path.ends_with("DbtrAcct/Id/IBAN"))
    );
    let mut entry = rich_credit();
    entry.currency = "eur".into();
    assert!(matches!(
        write_entry_err(&entry),
        WriteError::Pattern { .. }
    ));
    let mut header = rich_header();
    header.account.servicer_bic = Some("TEST1234".into());
    let err = StatementWriter::start(Vec::new(), &group_header(), &header)
        .err()
        .unwrap();
    assert!(
        matches!(err, WriteError::Pattern { path, .. } if path.ends_with("Svcr/FinInstnId/BIC"))
    );
}

#[test]
fn rejects_a_statement_without_balance_or_account_id() {
    let mut header = rich_header();
    header.balances.clear();
    let err = StatementWriter::start(Vec::new(), &group_header(), &header)
        .err()
        .unwrap();
    assert!(matches!(err, WriteError::Missing { path } if path.ends_with("Stmt/Bal")));
    let mut header = rich_header();
    header.account.iban = None;
    let err = StatementWriter::start(Vec::new(), &group_header(), &header)
        .err()
        .unwrap();
    assert!(matches!(err, WriteError::Missing { path } if path.ends_with("Acct/Id")));
}

#[test]
fn carriage_returns_survive_the_round_trip() {
    let mut doc = rich_document();
    doc.statements[0].entries[0].additional_info = Some("line one\r\nline two\ttab".into());
    let xml = to_string(&doc);
    assert!(xml.contains("line one&#13;\nline two\ttab"));
    assert_eq!(read_document(xml.as_bytes()).unwrap(), doc);
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

#[test]
fn rich_document_validates_against_the_xsd() {
    let xmllint_present = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok();
    if !xmllint_present {
        assert!(
            !ci(),
            "xmllint is required when CI=true (apt-get install libxml2-utils)"
        );
        eprintln!("note: xmllint not on PATH, XSD validation skipped");
        return;
    }
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schemas/camt.053.001.02.xsd"
    );
    let mut doc = rich_document();
    let mut second_entry = rich_debit();
    second_entry.status = EntryStatus::Pending;
    second_entry.details.push(rich_credit().details[0].clone());
    doc.statements[0].entries.push(second_entry);
    let file = tempfile::NamedTempFile::new().unwrap();
    write_document(std::fs::File::create(file.path()).unwrap(), &doc).unwrap();
    let output = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", schema])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "xmllint: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

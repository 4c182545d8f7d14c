//! Reader: real bank files and error reporting.

use std::path::PathBuf;

use camt053::*;
use rust_decimal::Decimal;

fn reference_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference-camt"
    ));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "{} is missing (required when CI=true)",
        dir.display()
    );
    eprintln!(
        "note: {} not found, reference files not read",
        dir.display()
    );
    None
}

fn read_reference(name: &str) -> Option<Document> {
    let path = reference_dir()?.join(name);
    let file = std::fs::File::open(&path).unwrap();
    Some(read_document(std::io::BufReader::new(file)).unwrap())
}

#[test]
fn every_reference_file_parses() {
    let Some(dir) = reference_dir() else { return };
    let mut read = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xml") {
            let file = std::fs::File::open(&path).unwrap();
            let doc = read_document(std::io::BufReader::new(file))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!doc.statements.is_empty(), "{}", path.display());
            assert!(
                doc.namespace
                    .starts_with("urn:iso:std:iso:20022:tech:xsd:camt.05")
            );
            read += 1;
        }
    }
    assert!(read >= 7, "only {read} reference files");
}

#[test]
fn abn_amro_batch_file() {
    let Some(doc) = read_reference("oca-nl-abnamro-batch.camt053.xml") else {
        return;
    };
    let statement = &doc.statements[0];
    assert_eq!(statement.header.id, "1234Test/1");
    assert_eq!(statement.header.legal_sequence, Some(2));
    assert_eq!(
        statement.header.account.iban.as_deref(),
        Some("NL77ABNA0574908765")
    );
    assert_eq!(
        statement.header.balances[0].kind,
        BalanceType::OpeningBooked
    );
    // The batch entry keeps both transactions with their own amounts.
    let batch = statement
        .entries
        .iter()
        .find(|e| e.details.len() == 2)
        .expect("a batch entry");
    assert!(batch.details.iter().all(|d| d.amount.is_some()));
    assert!(statement.entries.iter().any(|e| e.reversal));
    // The OCA test file's balances do not add up (15568.27 - 754.25 - 664.05 + 1405.31
    // is not 15121.12): the lint says so.
    let findings = lint(&doc);
    assert!(
        findings.iter().any(|f| f.severity == Severity::Error
            && f.path == "Stmt[1]"
            && f.message
                .contains("= 15555.28, but the closing balance is 15121.12")),
        "{findings:#?}"
    );
}

#[test]
fn structured_remittance_and_proprietary_codes() {
    let Some(doc) = read_reference("genkgo-nl-strd-fullfeatured.camt053.xml") else {
        return;
    };
    let entries: Vec<&Entry> = doc.statements.iter().flat_map(|s| &s.entries).collect();
    assert!(entries.iter().any(|e| e.details.iter().any(|d| {
        d.remittance
            .creditor_reference
            .as_ref()
            .is_some_and(|r| r.kind.as_deref() == Some("SCOR"))
    })));
    assert!(
        entries
            .iter()
            .any(|e| e.bank_transaction_code.proprietary.is_some())
    );
}

#[test]
fn camt052_reports_are_read_as_statements() {
    let Some(doc) = read_reference("hbci4java-de-dk-standingorder.camt052.xml") else {
        return;
    };
    assert_eq!(
        doc.namespace,
        "urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"
    );
    let statement = &doc.statements[0];
    assert!(
        statement
            .header
            .balances
            .iter()
            .any(|b| b.kind == BalanceType::Other("PRCD".into()))
    );
    // The entry's BkTxCd is empty; the transaction's code is taken instead.
    let code = &statement.entries[0].bank_transaction_code;
    assert_eq!(
        code.proprietary.as_ref().unwrap().issuer.as_deref(),
        Some("DK")
    );
}

#[test]
fn invalid_but_well_formed_file_is_read_and_linted() {
    let Some(doc) = read_reference("hbci4java-de-dk-return-debit.camt052.xml") else {
        return;
    };
    let entry = &doc.statements[0].entries[0];
    assert_eq!(entry.direction, CreditDebit::Debit);
    assert_eq!(entry.amount, Decimal::new(5300, 2));
    // The empty Prtry/Cd is kept and reported.
    assert!(
        lint(&doc)
            .iter()
            .any(|f| f.path.ends_with("BkTxCd/Prtry/Cd") && f.message == "empty value")
    );
}

#[test]
fn date_times_in_booking_date_are_taken_as_dates() {
    let Some(doc) = read_reference("ofxstatement-lt-dnb.camt053.xml") else {
        return;
    };
    let entry = &doc.statements[0].entries[0];
    assert_eq!(
        entry.booking_date,
        chrono::NaiveDate::from_ymd_opt(2015, 12, 31)
    );
}

const MINIMAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <c:BkToCstmrStmt>
  <c:GrpHdr><c:MsgId>M1</c:MsgId><c:CreDtTm>2024-02-01T06:00:00</c:CreDtTm></c:GrpHdr>
  <c:Stmt>
   <c:Id>S1</c:Id>
   <c:Acct><c:Id><c:IBAN>BE68539007547034</c:IBAN></c:Id></c:Acct>
   <c:Bal><c:Tp><c:CdOrPrtry><c:Cd>OPBD</c:Cd></c:CdOrPrtry></c:Tp><c:Amt Ccy="EUR">1.00</c:Amt>
    <c:CdtDbtInd>DBIT</c:CdtDbtInd><c:Dt><c:DtTm>2024-01-31T10:00:00+01:00</c:DtTm></c:Dt></c:Bal>
   <c:Ntry>
    <c:Amt Ccy="EUR">AMOUNT</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd><c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
    <c:BkTxCd/>
    <c:NtryDtls><c:TxDtls><c:RltdPties><c:Dbtr><c:Pty><c:Nm>Pty &amp; name</c:Nm></c:Pty></c:Dbtr></c:RltdPties></c:TxDtls></c:NtryDtls>
   </c:Ntry>
  </c:Stmt>
 </c:BkToCstmrStmt>
</c:Document>"#;

#[test]
fn prefixed_namespaces_and_later_version_shapes_are_read() {
    let doc = read_document(MINIMAL.replace("AMOUNT", "2.50").as_bytes()).unwrap();
    assert_eq!(doc.namespace, NAMESPACE);
    let statement = &doc.statements[0];
    assert_eq!(statement.header.balances[0].amount, Decimal::new(-100, 2));
    let entry = &statement.entries[0];
    assert_eq!(entry.status, EntryStatus::Booked);
    assert_eq!(
        entry.details[0]
            .related_parties
            .debtor
            .as_ref()
            .unwrap()
            .name
            .as_deref(),
        Some("Pty & name")
    );
    // The statement's missing CreDtTm falls back to the group header's.
    assert_eq!(statement.header.created, doc.group_header.created);
}

#[test]
fn charges_and_the_proprietary_reference_are_read_in_both_shapes() {
    let details = r#"<c:TxDtls><c:Refs><c:AcctSvcrRef>A1</c:AcctSvcrRef>
        <c:Prtry><c:Tp>InternalReference</c:Tp><c:Ref>5F2A</c:Ref></c:Prtry></c:Refs>
        <c:Chrgs><c:Amt Ccy="EUR">0.35</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd></c:Chrgs>
        <c:Chrgs><c:TtlChrgsAndTaxAmt Ccy="EUR">3.00</c:TtlChrgsAndTaxAmt>
          <c:Rcrd><c:Amt Ccy="EUR">1.00</c:Amt></c:Rcrd>
          <c:Rcrd><c:Amt Ccy="EUR">2.00</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd></c:Rcrd></c:Chrgs>
        </c:TxDtls>"#;
    let xml = MINIMAL.replace("AMOUNT", "2.50").replace(
        "<c:NtryDtls><c:TxDtls>",
        &format!("<c:NtryDtls>{details}<c:TxDtls>"),
    );
    let doc = read_document(xml.as_bytes()).unwrap();
    let tx = &doc.statements[0].entries[0].details[0];
    assert_eq!(
        tx.refs.proprietary,
        Some(ProprietaryReference {
            kind: "InternalReference".into(),
            reference: "5F2A".into(),
        })
    );
    let charge = |amount: i64, direction| Charges {
        amount: Decimal::new(amount, 2),
        currency: "EUR".into(),
        direction,
    };
    assert_eq!(
        tx.charges,
        vec![
            charge(35, Some(CreditDebit::Debit)),
            charge(100, None),
            charge(200, Some(CreditDebit::Credit)),
        ]
    );
    let bad = xml.replace(">0.35<", ">0,35<");
    let err = read_document(bad.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("Chrgs"), "{err}");
}

#[test]
fn a_bad_decimal_names_its_element_and_position() {
    let err = read_document(MINIMAL.as_bytes()).unwrap_err();
    match &err {
        ReadError::Invalid {
            path,
            position,
            value,
            ..
        } => {
            assert_eq!(path, "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt");
            assert_eq!(value, "AMOUNT");
            assert_eq!(
                *position as usize,
                MINIMAL.find("<c:Amt Ccy=\"EUR\">AMOUNT").unwrap()
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("decimal"));
}

#[test]
fn a_missing_amount_is_reported() {
    let xml = MINIMAL.replace(r#"<c:Amt Ccy="EUR">AMOUNT</c:Amt>"#, "");
    let err = read_document(xml.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, ReadError::Missing { path, element, .. } if path.ends_with("Ntry[1]") && element == "Amt"),
        "{err:?}"
    );
}

#[test]
fn not_well_formed_input_is_an_error_with_position() {
    let err = read_document("<Document><BkToCstmrStmt></Document>".as_bytes()).unwrap_err();
    assert!(matches!(err, ReadError::Xml { .. }), "{err:?}");
    let err = read_document("<Document><BkToCstmrStmt>".as_bytes()).unwrap_err();
    assert!(
        matches!(err, ReadError::Malformed { .. } | ReadError::Xml { .. }),
        "{err:?}"
    );
}

#[test]
fn other_documents_are_not_camt() {
    let err = read_document("<html><body/></html>".as_bytes()).unwrap_err();
    assert!(matches!(err, ReadError::NotCamt(_)), "{err:?}");
    let pain = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>"#;
    let err = read_document(pain.as_bytes()).unwrap_err();
    assert!(matches!(err, ReadError::NotCamt(_)), "{err:?}");
    assert!(matches!(
        read_document("".as_bytes()).unwrap_err(),
        ReadError::NotCamt(_)
    ));
}

//! Hostile input for the reader and the lint (`ponto2camt inspect` reads any file it is
//! given): deep nesting, many siblings, streaming, amounts and dates at the edges of
//! what the model holds. Every case is an error or a finding, never a panic, and costs
//! time linear in the input (no test measures time: before, several took minutes).
//! Memory is measured in `tests/memory.rs`.

mod common;

use std::io::{self, BufReader, Read};

use camt053::*;
use common::*;
use rust_decimal::Decimal;

/// rust_decimal's largest value.
const MAX: &str = "79228162514264337593543950335";

fn entry(amount: &str, direction: &str) -> String {
    format!(
        r#"<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-01-31</Dt></BookgDt><BkTxCd><Prtry><Cd>X</Cd></Prtry></BkTxCd></Ntry>"#
    )
}

fn balance(code: &str, amount: &str) -> String {
    format!(
        r#"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-31</Dt></Dt></Bal>"#
    )
}

/// A camt.053 with one statement: OPBD `opening`, CLBD `closing`, then `rest` (a
/// `TxsSummry` and the `Ntry` elements).
fn camt(opening: &str, closing: &str, rest: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-02-01T06:00:00+01:00</CreDtTm></GrpHdr>
<Stmt>
<Id>S1</Id>
<Acct><Id><IBAN>BE68539007547034</IBAN></Id><Ccy>EUR</Ccy></Acct>
{}
{}
{rest}
</Stmt>
</BkToCstmrStmt>
</Document>
"#,
        balance("OPBD", opening),
        balance("CLBD", closing)
    )
}

fn read(xml: &str) -> Result<Document, ReadError> {
    read_document(xml.as_bytes())
}

fn nested(name: &str, depth: usize) -> String {
    format!(
        "{}{}",
        format!("<{name}>").repeat(depth),
        format!("</{name}>").repeat(depth)
    )
}

fn has(findings: &[Finding], path: &str, text: &str) -> bool {
    findings
        .iter()
        .any(|f| f.severity == Severity::Error && f.path == path && f.message.contains(text))
}

// ---------------------------------------------------------------------------------------
// 1. Nesting depth

/// 65,000 levels (455 KB) needed 9.2 GB before: every element kept its whole path.
#[test]
fn nesting_beyond_the_limit_is_an_error_naming_line_byte_and_path() {
    let xml = format!("<Document>{}</Document>", nested("a", 65_000));
    let err = read(&xml).unwrap_err();
    let ReadError::TooDeep {
        path,
        line,
        position,
        limit,
    } = &err
    else {
        panic!("unexpected {err:?}");
    };
    assert_eq!(*limit, MAX_DEPTH);
    assert_eq!(*line, 1);
    // The first element too deep: the root and 64 `a` open before it, 3 bytes each.
    assert_eq!(*position as usize, "<Document>".len() + 3 * MAX_DEPTH - 3);
    assert_eq!(path, &format!("Document{}", "/a".repeat(MAX_DEPTH)));
    assert!(
        err.to_string().contains("nested more than 64 deep"),
        "{err}"
    );
}

/// Inside a statement, with line breaks, read through a small buffer: the path carries
/// the indexes of the kept elements and the line is counted across buffer refills.
#[test]
fn the_depth_error_counts_lines_and_names_the_entry() {
    let deep = nested("x", 100).replace("><", ">\n<");
    let entries = format!(
        "{}\n{}",
        entry("0", "CRDT"),
        entry("0", "CRDT").replace("<BkTxCd>", &format!("<AddtlNtryInf/>\n{deep}<BkTxCd>"))
    );
    let xml = camt("0", "0", &entries);
    let err = read_document(BufReader::with_capacity(7, xml.as_bytes())).unwrap_err();
    let ReadError::TooDeep {
        path,
        line,
        position,
        ..
    } = &err
    else {
        panic!("unexpected {err:?}");
    };
    // Document, BkToCstmrStmt, Stmt and Ntry: the 61st `x` is the 65th level.
    let offending = xml.find("<x>").unwrap() + (MAX_DEPTH - 4) * "<x>\n".len();
    assert_eq!(&xml[offending..offending + 4], "<x>\n");
    assert_eq!(*position as usize, offending);
    assert_eq!(*line as usize, xml[..offending].matches('\n').count() + 1);
    assert_eq!(
        path,
        &format!(
            "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]{}",
            "/x".repeat(MAX_DEPTH - 3)
        )
    );
}

/// Element names have no length limit in XML; messages cut them short.
#[test]
fn long_names_are_cut_short_in_messages() {
    let name = "n".repeat(100_000);
    let err = read(&format!("<Document>{}</Document>", nested(&name, 100))).unwrap_err();
    assert!(matches!(err, ReadError::TooDeep { .. }), "{err:?}");
    assert!(
        err.to_string().len() < 64 * 80,
        "{} bytes",
        err.to_string().len()
    );

    let err = read(&format!("<{name}/>")).unwrap_err();
    assert!(err.to_string().len() < 200, "{err}");
    let err = read(&format!("<Document><{name}>")).unwrap_err();
    assert!(err.to_string().len() < 200, "{err}");
}

#[test]
fn nesting_up_to_the_limit_is_read() {
    // Document, BkToCstmrStmt, Stmt, Ntry: 60 more levels make 64.
    let xml = camt(
        "0",
        "1",
        &entry("1", "CRDT").replace("<BkTxCd>", &format!("{}<BkTxCd>", nested("x", 60))),
    );
    let doc = read(&xml).unwrap();
    assert_eq!(doc.statements[0].entries.len(), 1);
    assert_eq!(lint(&doc), vec![]);
}

// ---------------------------------------------------------------------------------------
// 2. Streaming

/// Any `BufRead` will do, however it cuts the input.
#[test]
fn a_one_byte_buffer_reads_the_same_document() {
    let xml = to_string(&rich_document());
    let whole = read(&xml).unwrap();
    let trickled = read_document(BufReader::with_capacity(1, xml.as_bytes())).unwrap();
    assert_eq!(whole, trickled);
    assert_eq!(whole, rich_document());
}

/// An input that fails while being read is an I/O error, not malformed XML.
#[test]
fn a_read_failure_is_an_io_error() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("disk on fire"));
            }
            self.0 -= 1;
            let text = b"<Document><a>";
            let n = text.len().min(out.len());
            out[..n].copy_from_slice(&text[..n]);
            Ok(n)
        }
    }
    let err = read_document(BufReader::new(Failing(3))).unwrap_err();
    assert!(matches!(err, ReadError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("disk on fire"), "{err}");
}

// ---------------------------------------------------------------------------------------
// 3. Linear in the number of siblings (minutes before: each new child counted its
// same-named siblings, and every path was rebuilt)

#[test]
fn many_unknown_siblings_under_document_are_skipped() {
    let xml = camt("0", "0", &entry("0", "CRDT")).replacen(
        "<BkToCstmrStmt>",
        &format!("{}<BkToCstmrStmt>", "<a/>".repeat(200_000)),
        1,
    );
    let doc = read(&xml).unwrap();
    assert_eq!(doc.statements[0].entries.len(), 1);
}

#[test]
fn two_hundred_thousand_siblings_in_one_entry_are_read() {
    let xml = camt(
        "0",
        "1",
        &entry("1", "CRDT").replace("<BkTxCd>", &format!("{}<BkTxCd>", "<a/>".repeat(200_000))),
    );
    let doc = read(&xml).unwrap();
    assert_eq!(doc.statements[0].entries[0].amount, Decimal::ONE);
}

/// Repeated elements the model keeps (`Ustrd`) and repeated elements it reads once
/// (`Nm`): the first `Nm` is the one read, as before.
#[test]
fn many_known_siblings_in_one_entry_are_read() {
    let lines = "<Ustrd>x</Ustrd><Ustrd/>".repeat(100_000);
    let names = "<Nm>first</Nm>".to_owned() + &"<Nm>other</Nm>".repeat(100_000);
    let details = format!(
        "<NtryDtls><TxDtls><RltdPties><Dbtr>{names}</Dbtr></RltdPties><RmtInf>{lines}</RmtInf></TxDtls></NtryDtls>"
    );
    let xml = camt(
        "0",
        "0",
        &entry("0", "CRDT").replace("</Ntry>", &format!("{details}</Ntry>")),
    );
    let doc = read(&xml).unwrap();
    let details = &doc.statements[0].entries[0].details[0];
    assert_eq!(details.remittance.unstructured.len(), 100_000);
    assert_eq!(
        details
            .related_parties
            .debtor
            .as_ref()
            .unwrap()
            .name
            .as_deref(),
        Some("first")
    );
}

/// 50,000 entries (6 MB; 100,000 took 2 min 46 s before); the error still names the
/// last one.
#[test]
fn fifty_thousand_entries_are_read_and_indexed() {
    let entries = entry("1", "CRDT").repeat(50_000);
    let doc = read(&camt("0", "50000", &entries)).unwrap();
    assert_eq!(doc.statements[0].entries.len(), 50_000);
    assert_eq!(lint(&doc), vec![]);

    let bad = format!(
        "{}{}",
        entry("1", "CRDT").repeat(49_999),
        entry("x", "CRDT")
    );
    let err = read(&camt("0", "50000", &bad)).unwrap_err();
    assert!(
        matches!(&err, ReadError::Invalid { path, .. } if path == "Document/BkToCstmrStmt/Stmt[1]/Ntry[50000]/Amt"),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 5. Sums past Decimal's range (the lint panicked "Addition overflowed")

#[test]
fn entries_adding_up_past_the_decimal_range_are_a_finding() {
    let xml = camt(
        "0",
        "0",
        &format!("{}{}", entry(MAX, "CRDT"), entry(MAX, "CRDT")),
    );
    let findings = lint(&read(&xml).unwrap());
    assert!(
        has(
            &findings,
            "Stmt[1]/Ntry[2]/Amt",
            "more than a decimal can hold"
        ),
        "{findings:#?}"
    );
}

#[test]
fn an_opening_balance_at_the_decimal_maximum_is_a_finding() {
    let xml = camt(MAX, "0", &entry("1.00", "CRDT"));
    let findings = lint(&read(&xml).unwrap());
    assert!(
        has(
            &findings,
            "Stmt[1]/Bal[1]/Amt",
            "more than a decimal can hold"
        ),
        "{findings:#?}"
    );
    assert!(
        has(&findings, "Stmt[1]/Bal[1]/Amt", "29 digits, at most 18"),
        "{findings:#?}"
    );
}

#[test]
fn a_summary_of_entries_past_the_decimal_range_is_a_finding() {
    let summary = "<TxsSummry><TtlCdtNtries><NbOfNtries>2</NbOfNtries><Sum>0</Sum></TtlCdtNtries></TxsSummry>";
    let xml = camt(
        "0",
        "0",
        &format!("{summary}{}{}", entry(MAX, "CRDT"), entry(MAX, "CRDT")),
    );
    let findings = lint(&read(&xml).unwrap());
    assert!(
        findings.iter().any(|f| f.path == "Stmt[1]/Ntry[2]/Amt"
            && f.message
                .contains("the credit entries add up to more than a decimal can hold")),
        "{findings:#?}"
    );
}

#[test]
fn summary_totals_are_checked() {
    let max = Decimal::MAX;
    let mut summary = TransactionsSummary::default();
    summary.try_add(CreditDebit::Credit, max).unwrap();
    assert_eq!(
        summary.try_add(CreditDebit::Credit, Decimal::ONE),
        Err(TotalOverflow::Credit)
    );
    assert_eq!((summary.credit_count, summary.credit_sum), (1, max));
    summary.try_add(CreditDebit::Debit, max).unwrap();
    assert_eq!(summary.checked_sum(), None);
    assert_eq!(summary.checked_net(), Some(Decimal::ZERO));
    // The unchecked forms saturate rather than panic.
    assert_eq!(summary.sum(), max);
    summary.add(CreditDebit::Debit, max);
    assert_eq!((summary.debit_count, summary.debit_sum), (2, max));

    let summary = TransactionsSummary {
        credit_count: u64::MAX,
        credit_sum: max,
        debit_count: 1,
        debit_sum: -max,
    };
    assert_eq!(summary.checked_net(), None);
    assert_eq!(summary.net(), max);
    assert_eq!(summary.count(), u64::MAX);
}

#[test]
fn the_writer_refuses_totals_it_cannot_compute() {
    let mut header = rich_header();
    header.summary = Some(TransactionsSummary {
        credit_count: 1,
        credit_sum: Decimal::MAX,
        debit_count: 1,
        debit_sum: Decimal::MAX,
    });
    let err = StatementWriter::start(Vec::new(), &group_header(), &header)
        .err()
        .unwrap();
    assert!(
        matches!(&err, WriteError::AmountOverflow { path } if path.ends_with("TxsSummry/TtlNtries/Sum")),
        "{err:?}"
    );

    // Opposite signs (invalid, but the type allows them): the sum fits, the net does not.
    header.summary = Some(TransactionsSummary {
        credit_count: 1,
        credit_sum: Decimal::MAX,
        debit_count: 1,
        debit_sum: Decimal::ONE - Decimal::MAX,
    });
    let err = StatementWriter::start(Vec::new(), &group_header(), &header)
        .err()
        .unwrap();
    assert!(
        matches!(&err, WriteError::AmountOverflow { path } if path.ends_with("TxsSummry/TtlNtries/TtlNetNtryAmt")),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 6. Amounts and dates at the edges

#[test]
fn amounts_of_more_than_18_digits_are_findings() {
    let big = "1234567890123456789"; // 19 digits
    let details = format!(
        r#"<NtryDtls><TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">{big}</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls>"#
    );
    let summary = format!(
        "<TxsSummry><TtlCdtNtries><NbOfNtries>1</NbOfNtries><Sum>{big}</Sum></TtlCdtNtries></TxsSummry>"
    );
    let xml = camt(
        "0",
        big,
        &format!(
            "{summary}{}",
            entry(big, "CRDT").replace("</Ntry>", &format!("{details}</Ntry>"))
        ),
    );
    let findings = lint(&read(&xml).unwrap());
    for path in [
        "Stmt[1]/Bal[2]/Amt",
        "Stmt[1]/TxsSummry/TtlCdtNtries/Sum",
        "Stmt[1]/Ntry[1]/Amt",
        "Stmt[1]/Ntry[1]/NtryDtls/TxDtls[1]/AmtDtls/TxAmt/Amt",
    ] {
        assert!(
            has(&findings, path, "19 digits, at most 18"),
            "{path}: {findings:#?}"
        );
    }
    // Everything else about the document is right.
    assert_eq!(findings.len(), 4, "{findings:#?}");
}

#[test]
fn amounts_with_too_many_fraction_digits_are_findings() {
    let xml = camt("0", "0.123456", &entry("0.123456", "CRDT"));
    let findings = lint(&read(&xml).unwrap());
    assert!(
        has(
            &findings,
            "Stmt[1]/Ntry[1]/Amt",
            "6 fraction digits, at most 5"
        ),
        "{findings:#?}"
    );
}

/// Beyond the decimal range, digits the decimal would silently round away (a positive
/// amount read as zero), and what is no XSD decimal: errors naming the element.
#[test]
fn amounts_the_model_cannot_hold_exactly_are_read_errors() {
    for amount in [
        "79228162514264337593543950336",
        "123456789012345678901234567890",
        "0.00000000000000000000000000001",
        "1.00000000000000000000000000001",
        "1e5",
        "1_000",
    ] {
        let err = read(&camt("0", "0", &entry(amount, "CRDT"))).unwrap_err();
        assert!(
            matches!(&err, ReadError::Invalid { path, value, .. }
                if path == "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt" && value == amount),
            "{amount}: {err:?}"
        );
    }
    // The largest value is read (the lint reports its digits).
    let doc = read(&camt("0", MAX, &entry(MAX, "CRDT"))).unwrap();
    assert_eq!(doc.statements[0].entries[0].amount, Decimal::MAX);
}

#[test]
fn years_outside_1_to_9999_are_read_errors() {
    for date in ["0000-01-01", "10000-01-01", "-001-01-01", "-0001-01-01"] {
        let xml = camt("0", "0", &entry("0", "CRDT")).replace(
            "2024-01-31</Dt></BookgDt>",
            &format!("{date}</Dt></BookgDt>"),
        );
        let err = read(&xml).unwrap_err();
        assert!(
            matches!(&err, ReadError::Invalid { path, value, .. }
                if path == "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/BookgDt/Dt" && value == date),
            "{date}: {err:?}"
        );
    }
    for time in [
        "0000-01-01T00:00:00Z",
        "0000-01-01T00:00:00",
        "0000-01-01",
        "10000-01-01T00:00:00+01:00",
        "-001-01-01",
    ] {
        let xml = camt("0", "0", &entry("0", "CRDT")).replace("2024-02-01T06:00:00+01:00", time);
        let err = read(&xml).unwrap_err();
        assert!(
            matches!(&err, ReadError::Invalid { path, value, .. }
                if path == "Document/BkToCstmrStmt/GrpHdr/CreDtTm" && value == time),
            "{time}: {err:?}"
        );
    }
    // The edges themselves are dates.
    let xml = camt("0", "0", &entry("0", "CRDT"))
        .replace("2024-01-31</Dt></BookgDt>", "9999-12-31</Dt></BookgDt>")
        .replace("2024-02-01T06:00:00+01:00", "0001-01-01T00:00:00Z");
    let doc = read(&xml).unwrap();
    assert_eq!(
        doc.statements[0].entries[0].booking_date,
        Some(date(9999, 12, 31))
    );
}

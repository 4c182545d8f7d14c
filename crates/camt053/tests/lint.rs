//! Lint findings for crafted documents.

mod common;

use camt053::*;
use common::*;

fn has(findings: &[Finding], severity: Severity, path: &str, text: &str) -> bool {
    findings
        .iter()
        .any(|f| f.severity == severity && f.path == path && f.message.contains(text))
}

#[test]
fn a_good_document_has_no_findings() {
    assert_eq!(lint(&rich_document()), vec![]);
}

#[test]
fn statement_count_and_empty_statement() {
    let mut doc = rich_document();
    doc.statements.push(rich_statement());
    let findings = lint(&doc);
    assert!(has(&findings, Severity::Error, "Document", "2 statements"));

    let mut doc = rich_document();
    doc.statements[0].entries.clear();
    doc.statements[0].header.summary = None;
    doc.statements[0].header.balances[1].amount = doc.statements[0].header.balances[0].amount;
    let findings = lint(&doc);
    assert!(has(&findings, Severity::Error, "Stmt[1]", "no entries"));
    assert_eq!(findings.len(), 1, "{findings:#?}");
}

#[test]
fn balances_must_add_up_and_exist() {
    let mut doc = rich_document();
    doc.statements[0].header.balances[1].amount = eur(1);
    let findings = lint(&doc);
    assert!(has(
        &findings,
        Severity::Error,
        "Stmt[1]",
        "but the closing balance is 0.01"
    ));

    let mut doc = rich_document();
    doc.statements[0].header.balances.remove(0);
    assert!(has(
        &lint(&doc),
        Severity::Error,
        "Stmt[1]",
        "no opening balance"
    ));

    let mut doc = rich_document();
    doc.statements[0].header.balances.remove(1);
    assert!(has(
        &lint(&doc),
        Severity::Error,
        "Stmt[1]",
        "no closing balance"
    ));
}

#[test]
fn previous_closing_counts_as_opening() {
    let mut doc = rich_document();
    doc.statements[0].header.balances[0].kind = BalanceType::Other("PRCD".into());
    assert_eq!(lint(&doc), vec![]);
}

#[test]
fn summary_must_match_the_entries() {
    let mut doc = rich_document();
    let summary = doc.statements[0].header.summary.as_mut().unwrap();
    summary.credit_count = 3;
    summary.debit_sum = eur(1);
    let findings = lint(&doc);
    assert!(has(
        &findings,
        Severity::Error,
        "Stmt[1]/TxsSummry",
        "credit count is 3, but the entries give 1"
    ));
    assert!(has(
        &findings,
        Severity::Error,
        "Stmt[1]/TxsSummry",
        "debit sum is 0.01, but the entries give 20"
    ));
}

#[test]
fn ids_longer_than_35_and_empty_texts() {
    let mut doc = rich_document();
    doc.group_header.message_id = "m".repeat(36);
    let entry = &mut doc.statements[0].entries[1];
    entry.account_servicer_ref = Some("a".repeat(36));
    entry.details[0].refs.end_to_end_id = Some(String::new());
    entry.details[0]
        .remittance
        .creditor_reference
        .as_mut()
        .unwrap()
        .reference = "r".repeat(40);
    let findings = lint(&doc);
    assert!(has(
        &findings,
        Severity::Error,
        "GrpHdr/MsgId",
        "36 characters, at most 35"
    ));
    assert!(has(
        &findings,
        Severity::Error,
        "Stmt[1]/Ntry[2]/AcctSvcrRef",
        "36 characters"
    ));
    assert!(has(
        &findings,
        Severity::Error,
        "Stmt[1]/Ntry[2]/NtryDtls/TxDtls[1]/Refs/EndToEndId",
        "empty value"
    ));
    assert!(has(
        &findings,
        Severity::Error,
        "Stmt[1]/Ntry[2]/NtryDtls/TxDtls[1]/RmtInf/Strd/CdtrRefInf/Ref",
        "40 characters"
    ));
}

#[test]
fn currency_status_and_duplicate_references() {
    let mut doc = rich_document();
    let entries = &mut doc.statements[0].entries;
    entries[0].currency = "USD".into();
    entries[1].status = EntryStatus::Pending;
    entries[1].account_servicer_ref = entries[0].account_servicer_ref.clone();
    let findings = lint(&doc);
    assert!(has(
        &findings,
        Severity::Error,
        "Stmt[1]/Ntry[1]/Amt",
        "entry currency USD differs"
    ));
    assert!(has(
        &findings,
        Severity::Warning,
        "Stmt[1]/Ntry[2]/Sts",
        "PDNG"
    ));
    assert!(has(
        &findings,
        Severity::Error,
        "Stmt[1]/Ntry[2]/AcctSvcrRef",
        "also the AcctSvcrRef of Ntry[1]"
    ));
}

#[test]
fn missing_bank_transaction_code_and_batch_without_amounts() {
    let mut doc = rich_document();
    let entry = &mut doc.statements[0].entries[1];
    entry.bank_transaction_code = BankTransactionCode::default();
    entry.details.push(entry.details[0].clone());
    let findings = lint(&doc);
    assert!(has(
        &findings,
        Severity::Error,
        "Stmt[1]/Ntry[2]/BkTxCd",
        "no Domn or Prtry"
    ));
    assert!(has(
        &findings,
        Severity::Warning,
        "Stmt[1]/Ntry[2]/NtryDtls",
        "AmtDtls/TxAmt"
    ));
}

#[test]
fn findings_display_severity_path_and_message() {
    let finding = Finding {
        severity: Severity::Warning,
        path: "Stmt[1]/Ntry[3]/Sts".into(),
        message: "status PDNG".into(),
    };
    assert_eq!(
        finding.to_string(),
        "warning: Stmt[1]/Ntry[3]/Sts: status PDNG"
    );
}

//! Checks the XSD cannot express but the ERP importers depend on: one statement per file,
//! balances that add up, a consistent summary, ids within 35 characters, no empty texts,
//! one currency, booked entries only, no duplicate bank references; and amounts within
//! the XSD's digits, which a bank's file (never validated) may exceed. Sums past what a
//! decimal holds are findings too: the lint never panics on what a file contains.

use std::collections::HashMap;
use std::fmt;

use rust_decimal::Decimal;

use crate::check::{self, AmountIssue, TextIssue};
use crate::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, located by an element path such as `Stmt[1]/Ntry[3]/AcctSvcrRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub path: String,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}: {}: {}", self.path, self.message)
    }
}

/// All findings for `doc`, in document order.
pub fn lint(doc: &Document) -> Vec<Finding> {
    let mut lint = Lint::default();
    lint.text("GrpHdr/MsgId", &doc.group_header.message_id, 35);
    if doc.statements.len() != 1 {
        lint.error(
            "Document",
            format!(
                "{} statements; the ERP importers need exactly one Stmt per file",
                doc.statements.len()
            ),
        );
    }
    for (index, statement) in (1..).zip(&doc.statements) {
        lint.statement(&format!("Stmt[{index}]"), statement);
    }
    lint.findings
}

#[derive(Default)]
struct Lint {
    findings: Vec<Finding>,
}

impl Lint {
    fn error(&mut self, path: &str, message: String) {
        self.push(Severity::Error, path, message);
    }

    fn warning(&mut self, path: &str, message: String) {
        self.push(Severity::Warning, path, message);
    }

    fn push(&mut self, severity: Severity, path: &str, message: String) {
        self.findings.push(Finding {
            severity,
            path: path.to_owned(),
            message,
        });
    }

    /// Length, emptiness and XML characters of one text value.
    fn text(&mut self, path: &str, value: &str, max: usize) {
        match check::text(value, max) {
            Ok(()) => {}
            Err(TextIssue::Empty) => self.error(path, "empty value".to_owned()),
            Err(TextIssue::TooLong { len, max }) => {
                self.error(path, format!("{len} characters, at most {max} allowed"))
            }
            Err(TextIssue::Forbidden { code, position }) => self.error(
                path,
                format!("character U+{code:04X} at position {position} is not allowed in XML 1.0"),
            ),
        }
    }

    /// Digits of an amount (the sign is checked where it matters): what the XSD allows
    /// and the writer writes.
    fn amount(&mut self, path: &str, value: Decimal, max_fraction: u32) {
        match check::amount(value, max_fraction) {
            Ok(()) | Err(AmountIssue::Negative) => {}
            Err(AmountIssue::FractionDigits { digits, max }) => self.error(
                path,
                format!("amount {value} has {digits} fraction digits, at most {max} allowed"),
            ),
            Err(AmountIssue::TotalDigits { digits }) => self.error(
                path,
                format!(
                    "amount {value} has {digits} digits, at most {} allowed",
                    check::MAX_TOTAL_DIGITS
                ),
            ),
        }
    }

    fn opt_text(&mut self, path: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.text(path, value, max);
        }
    }

    fn statement(&mut self, path: &str, statement: &Statement) {
        let header = &statement.header;
        self.text(&format!("{path}/Id"), &header.id, 35);
        self.account(&format!("{path}/Acct"), &header.account);
        if statement.entries.is_empty() {
            self.error(
                path,
                "no entries; both Odoo importers refuse a statement without Ntry".to_owned(),
            );
        }
        let currency = header.account.currency.as_deref();
        for (index, balance) in (1..).zip(&header.balances) {
            self.amount(
                &format!("{path}/Bal[{index}]/Amt"),
                balance.amount.abs(),
                check::AMOUNT_FRACTION_DIGITS,
            );
            if currency.is_some_and(|c| c != balance.currency) {
                self.error(
                    &format!("{path}/Bal[{index}]/Amt"),
                    format!(
                        "balance currency {} differs from the account currency {}",
                        balance.currency,
                        currency.unwrap_or_default()
                    ),
                );
            }
        }
        self.balances(path, statement);
        if let Some(summary) = &header.summary {
            self.summary(path, summary, &statement.entries);
        }
        let mut first_by_reference: HashMap<&str, usize> = HashMap::new();
        for (index, entry) in (1..).zip(&statement.entries) {
            let entry_path = format!("{path}/Ntry[{index}]");
            self.entry(&entry_path, entry, currency);
            if let Some(reference) = entry.account_servicer_ref.as_deref() {
                if let Some(first) = first_by_reference.get(reference) {
                    self.error(
                        &format!("{entry_path}/AcctSvcrRef"),
                        format!("{reference:?} is also the AcctSvcrRef of Ntry[{first}]"),
                    );
                } else {
                    first_by_reference.insert(reference, index);
                }
            }
        }
        self.opt_text(
            &format!("{path}/AddtlStmtInf"),
            statement.additional_info.as_deref(),
            500,
        );
    }

    fn account(&mut self, path: &str, account: &Account) {
        match (&account.iban, &account.other_id) {
            (Some(iban), _) if !check::is_iban(iban) => self.error(
                &format!("{path}/Id/IBAN"),
                format!("{iban:?} is not an IBAN"),
            ),
            (None, Some(other)) => self.text(&format!("{path}/Id/Othr/Id"), other, 34),
            (None, None) => self.error(path, "no account id (IBAN or Othr/Id)".to_owned()),
            _ => {}
        }
        match &account.currency {
            Some(ccy) if !check::is_currency(ccy) => self.error(
                &format!("{path}/Ccy"),
                format!("{ccy:?} is not a currency code"),
            ),
            Some(_) => {}
            None => self.warning(
                &format!("{path}/Ccy"),
                "no account currency; Odoo matches it against the journal".to_owned(),
            ),
        }
        self.opt_text(&format!("{path}/Nm"), account.name.as_deref(), 70);
        self.opt_text(
            &format!("{path}/Ownr/Nm"),
            account.owner_name.as_deref(),
            140,
        );
    }

    /// Opening (OPBD, else PRCD) + signed entries = closing (CLBD).
    fn balances(&mut self, path: &str, statement: &Statement) {
        let balances = &statement.header.balances;
        let find = |code: &str| (1..).zip(balances).find(|(_, b)| b.kind.code() == code);
        let opening = find("OPBD").or_else(|| find("PRCD"));
        let closing = find("CLBD");
        if opening.is_none() {
            self.error(path, "no opening balance (OPBD or PRCD)".to_owned());
        }
        if closing.is_none() {
            self.error(path, "no closing balance (CLBD)".to_owned());
        }
        let (Some((opening_index, opening)), Some((_, closing))) = (opening, closing) else {
            return;
        };
        // Amounts come from the file: a sum past Decimal's range is a finding, not a panic.
        let mut movement = Decimal::ZERO;
        for (index, entry) in (1..).zip(&statement.entries) {
            match movement.checked_add(entry.signed_amount()) {
                Some(sum) => movement = sum,
                None => {
                    self.error(
                        &format!("{path}/Ntry[{index}]/Amt"),
                        format!(
                            "the entries up to this one ({} {}) add up to more than a decimal can hold; the balances cannot be checked",
                            entry.direction.code(),
                            entry.amount
                        ),
                    );
                    return;
                }
            }
        }
        let Some(expected) = opening.amount.checked_add(movement) else {
            self.error(
                &format!("{path}/Bal[{opening_index}]/Amt"),
                format!(
                    "opening {} {} + entries {movement} is more than a decimal can hold; the balances cannot be checked",
                    opening.kind.code(),
                    opening.amount
                ),
            );
            return;
        };
        if expected != closing.amount {
            self.error(
                path,
                format!(
                    "opening {} {} + entries {movement} = {expected}, but the closing balance is {}",
                    opening.kind.code(),
                    opening.amount,
                    closing.amount
                ),
            );
        }
    }

    fn summary(&mut self, statement_path: &str, summary: &TransactionsSummary, entries: &[Entry]) {
        let path = &format!("{statement_path}/TxsSummry");
        for (name, sum) in [
            ("TtlCdtNtries", summary.credit_sum),
            ("TtlDbtNtries", summary.debit_sum),
        ] {
            self.amount(
                &format!("{path}/{name}/Sum"),
                sum,
                check::DECIMAL_FRACTION_DIGITS,
            );
        }
        let mut actual = TransactionsSummary::default();
        for (index, entry) in (1..).zip(entries) {
            if let Err(overflow) = actual.try_add(entry.direction, entry.amount) {
                self.error(
                    &format!("{statement_path}/Ntry[{index}]/Amt"),
                    format!("{overflow} at this entry; the summary cannot be checked"),
                );
                return;
            }
        }
        let mut compare = |what: &str, stated: String, counted: String| {
            if stated != counted {
                self.error(
                    path,
                    format!("{what} is {stated}, but the entries give {counted}"),
                );
            }
        };
        compare(
            "the credit count",
            summary.credit_count.to_string(),
            actual.credit_count.to_string(),
        );
        compare(
            "the credit sum",
            summary.credit_sum.normalize().to_string(),
            actual.credit_sum.normalize().to_string(),
        );
        compare(
            "the debit count",
            summary.debit_count.to_string(),
            actual.debit_count.to_string(),
        );
        compare(
            "the debit sum",
            summary.debit_sum.normalize().to_string(),
            actual.debit_sum.normalize().to_string(),
        );
    }

    fn entry(&mut self, path: &str, entry: &Entry, account_currency: Option<&str>) {
        self.opt_text(&format!("{path}/NtryRef"), entry.entry_ref.as_deref(), 35);
        if entry.amount.is_sign_negative() && !entry.amount.is_zero() {
            self.error(
                &format!("{path}/Amt"),
                format!("negative amount {}", entry.amount),
            );
        }
        self.amount(
            &format!("{path}/Amt"),
            entry.amount.abs(),
            check::AMOUNT_FRACTION_DIGITS,
        );
        if let Some(currency) = account_currency.filter(|c| *c != entry.currency) {
            self.error(
                &format!("{path}/Amt"),
                format!(
                    "entry currency {} differs from the account currency {currency}",
                    entry.currency
                ),
            );
        }
        if entry.status != EntryStatus::Booked {
            self.warning(
                &format!("{path}/Sts"),
                format!(
                    "status {}: a camt.053 should hold booked (BOOK) entries only",
                    entry.status.code()
                ),
            );
        }
        self.opt_text(
            &format!("{path}/AcctSvcrRef"),
            entry.account_servicer_ref.as_deref(),
            35,
        );
        self.bank_transaction_code(&format!("{path}/BkTxCd"), &entry.bank_transaction_code);
        if entry.details.len() > 1 && entry.details.iter().any(|d| d.amount.is_none()) {
            self.warning(
                &format!("{path}/NtryDtls"),
                "several TxDtls without AmtDtls/TxAmt: importers give each the whole entry amount"
                    .to_owned(),
            );
        }
        for (index, details) in (1..).zip(&entry.details) {
            self.details(&format!("{path}/NtryDtls/TxDtls[{index}]"), details);
        }
        self.opt_text(
            &format!("{path}/AddtlNtryInf"),
            entry.additional_info.as_deref(),
            500,
        );
    }

    fn bank_transaction_code(&mut self, path: &str, code: &BankTransactionCode) {
        if code.domain.is_none() && code.proprietary.is_none() {
            self.error(path, "no Domn or Prtry code".to_owned());
        }
        if let Some(domain) = &code.domain {
            self.text(&format!("{path}/Domn/Cd"), &domain.domain, 4);
            self.text(&format!("{path}/Domn/Fmly/Cd"), &domain.family, 4);
            self.text(
                &format!("{path}/Domn/Fmly/SubFmlyCd"),
                &domain.sub_family,
                4,
            );
        }
        if let Some(proprietary) = &code.proprietary {
            self.text(&format!("{path}/Prtry/Cd"), &proprietary.code, 35);
            self.opt_text(
                &format!("{path}/Prtry/Issr"),
                proprietary.issuer.as_deref(),
                35,
            );
        }
    }

    fn details(&mut self, path: &str, details: &TransactionDetails) {
        let refs = &details.refs;
        for (name, value) in [
            ("AcctSvcrRef", &refs.account_servicer_ref),
            ("PmtInfId", &refs.payment_information_id),
            ("InstrId", &refs.instruction_id),
            ("EndToEndId", &refs.end_to_end_id),
            ("TxId", &refs.transaction_id),
            ("MndtId", &refs.mandate_id),
        ] {
            self.opt_text(&format!("{path}/Refs/{name}"), value.as_deref(), 35);
        }
        if let Some((amount, _)) = &details.amount {
            self.amount(
                &format!("{path}/AmtDtls/TxAmt/Amt"),
                amount.abs(),
                check::AMOUNT_FRACTION_DIGITS,
            );
        }
        let parties = &details.related_parties;
        for (name, party) in [("Dbtr", &parties.debtor), ("Cdtr", &parties.creditor)] {
            if let Some(party) = party {
                self.opt_text(
                    &format!("{path}/RltdPties/{name}/Nm"),
                    party.name.as_deref(),
                    140,
                );
                self.opt_text(
                    &format!("{path}/RltdPties/{name}/Id/PrvtId/Othr/Id"),
                    party.sepa_creditor_id.as_deref(),
                    35,
                );
            }
        }
        for (name, account) in [
            ("DbtrAcct", &parties.debtor_account),
            ("CdtrAcct", &parties.creditor_account),
        ] {
            match account {
                Some(AccountId::Iban(iban)) if !check::is_iban(iban) => self.error(
                    &format!("{path}/RltdPties/{name}/Id/IBAN"),
                    format!("{iban:?} is not an IBAN"),
                ),
                Some(AccountId::Other(other)) => {
                    self.text(&format!("{path}/RltdPties/{name}/Id/Othr/Id"), other, 34)
                }
                _ => {}
            }
        }
        for (index, line) in (1..).zip(&details.remittance.unstructured) {
            self.text(&format!("{path}/RmtInf/Ustrd[{index}]"), line, 140);
        }
        if let Some(reference) = &details.remittance.creditor_reference {
            self.text(
                &format!("{path}/RmtInf/Strd/CdtrRefInf/Ref"),
                &reference.reference,
                35,
            );
        }
        self.opt_text(
            &format!("{path}/AddtlTxInf"),
            details.additional_info.as_deref(),
            500,
        );
    }
}

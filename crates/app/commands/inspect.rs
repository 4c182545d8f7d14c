//! `ponto2camt inspect`: what is in a camt.053 file, for a person — account, period,
//! balances, a table of entries with the label an importer would show, and lint findings.

use super::Outcome;
use crate::cli::InspectArgs;
use crate::error::{CliError, ExitKind};
use crate::output;
use camt053::lint::{self, Finding, Severity};
use camt053::{CreditDebit, Document, Entry, Statement, TransactionDetails};
use serde_json::{Value, json};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

pub fn run(args: &InspectArgs) -> Outcome {
    let mut errors = Vec::new();
    let mut reports = Vec::new();
    for path in &args.files {
        match inspect_file(path) {
            Ok(inspection) => {
                if args.json {
                    reports.push(render_json(path, &inspection));
                } else {
                    output::print(&render_text(path, &inspection));
                }
                if args.strict && has_errors(&inspection) {
                    errors.push(CliError::new(
                        ExitKind::Data,
                        format!("{}: the lint found errors", path.display()),
                    ));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if args.json {
        output::line(serde_json::to_string_pretty(&reports).unwrap_or_else(|_| "[]".into()));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

pub struct Inspection {
    pub document: Document,
    pub findings: Vec<Finding>,
}

pub fn inspect_file(path: &Path) -> Result<Inspection, CliError> {
    let cannot_read = |e: &dyn std::fmt::Display| {
        CliError::new(
            ExitKind::Io,
            format!("{}: cannot read: {e}", path.display()),
        )
    };
    let file = File::open(path).map_err(|e| cannot_read(&e))?;
    // A folder, a device or a pipe is no statement file (`/dev/zero` never ends).
    let meta = file.metadata().map_err(|e| cannot_read(&e))?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file"
        };
        return Err(cannot_read(&what).hinted("inspect reads camt.053 (and camt.052) XML files"));
    }
    let mut reader = BufReader::new(file);
    let looks_like_json = reader
        .fill_buf()
        .map(|head| {
            let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
            head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        })
        .unwrap_or(false);
    let document = camt053::reader::read_document(reader).map_err(|e| {
        let kind = match e {
            camt053::ReadError::Io { .. } => ExitKind::Io,
            _ => ExitKind::Data,
        };
        let error = CliError::new(kind, format!("{}: {}", path.display(), shorten(&e.to_string(), 1000)));
        if looks_like_json {
            error.hinted("this looks like a Ponto bundle (JSON); turn it into camt.053 with `ponto2camt convert`")
        } else {
            error.hinted("inspect reads ISO 20022 camt.053 (and camt.052) XML files")
        }
    })?;
    let findings = lint::lint(&document);
    Ok(Inspection { document, findings })
}

pub fn has_errors(inspection: &Inspection) -> bool {
    inspection
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error)
}

/// The line label as the OCA importer builds it: `AddtlTxInf` replaces the remittance;
/// then unstructured remittance, then the structured reference, then the entry's text.
pub fn label(entry: &Entry, details: Option<&TransactionDetails>) -> String {
    if let Some(d) = details {
        if let Some(text) = &d.additional_info {
            return text.clone();
        }
        if !d.remittance.unstructured.is_empty() {
            return d.remittance.unstructured.join(" ");
        }
        if let Some(r) = &d.remittance.creditor_reference {
            return r.reference.clone();
        }
    }
    entry
        .additional_info
        .clone()
        .unwrap_or_else(|| "/".to_owned())
}

/// Name and account of the other side: the debtor of a credit, the creditor of a debit.
pub fn counterparty(
    entry: &Entry,
    details: Option<&TransactionDetails>,
) -> (Option<String>, Option<String>) {
    let Some(d) = details else {
        return (None, None);
    };
    let parties = &d.related_parties;
    let (party, account) = match entry.direction {
        CreditDebit::Credit => (&parties.debtor, &parties.debtor_account),
        CreditDebit::Debit => (&parties.creditor, &parties.creditor_account),
    };
    (
        party.as_ref().and_then(|p| p.name.clone()),
        account.as_ref().map(|a| a.as_str().to_owned()),
    )
}

pub fn render_text(path: &Path, inspection: &Inspection) -> String {
    let mut out = format!("{}\n", path.display());
    for statement in &inspection.document.statements {
        out.push_str(&render_statement(statement));
    }
    if inspection.findings.is_empty() {
        out.push_str("lint: no findings\n");
    } else {
        out.push_str("lint:\n");
        for finding in &inspection.findings {
            out.push_str(&format!("  {finding}\n"));
        }
    }
    out
}

fn render_statement(statement: &Statement) -> String {
    let h = &statement.header;
    let account = h
        .account
        .iban
        .as_deref()
        .or(h.account.other_id.as_deref())
        .unwrap_or("?");
    // Banks may leave Acct/Ccy out; importers then take the balances' currency.
    let currency = h
        .account
        .currency
        .as_deref()
        .or(h.balances.first().map(|b| b.currency.as_str()))
        .unwrap_or("?");
    let mut out = format!("statement {}  account {account} {currency}", h.id);
    if let Some(seq) = h.electronic_sequence {
        out.push_str(&format!("  seq {seq}"));
    }
    out.push('\n');
    let dates: Vec<_> = statement
        .entries
        .iter()
        .filter_map(|e| e.booking_date)
        .collect();
    if let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) {
        out.push_str(&format!("period    {first} .. {last}\n"));
    }
    for balance in &h.balances {
        out.push_str(&format!(
            "balance   {} {} {:>15} {}\n",
            balance.kind.code(),
            balance.date,
            balance.amount.to_string(),
            balance.currency
        ));
    }
    out.push_str(&format!("entries   {}\n", statement.entries.len()));
    out.push_str(&format!(
        "  {:<10}  {:>14}  {:<30}  {}\n",
        "booked", "amount", "counterparty", "label"
    ));
    for entry in &statement.entries {
        let details = entry.details.first();
        let (name, _) = counterparty(entry, details);
        let date = entry
            .booking_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "  {:<10}  {:>14}  {:<30}  {}\n",
            date,
            entry.signed_amount().to_string(),
            shorten(name.as_deref().unwrap_or("-"), 30),
            shorten(&label(entry, details), 60)
        ));
    }
    out
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

pub fn render_json(path: &Path, inspection: &Inspection) -> Value {
    let statements: Vec<Value> = inspection
        .document
        .statements
        .iter()
        .map(statement_json)
        .collect();
    let findings: Vec<Value> = inspection
        .findings
        .iter()
        .map(|f| {
            json!({
                "severity": match f.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "path": f.path,
                "message": f.message,
            })
        })
        .collect();
    json!({
        "file": path.display().to_string(),
        "namespace": inspection.document.namespace,
        "message_id": inspection.document.group_header.message_id,
        "statements": statements,
        "findings": findings,
    })
}

fn statement_json(statement: &Statement) -> Value {
    let h = &statement.header;
    let entries: Vec<Value> = statement
        .entries
        .iter()
        .map(|entry| {
            let details = entry.details.first();
            let (name, account) = counterparty(entry, details);
            json!({
                "booking_date": entry.booking_date.map(|d| d.to_string()),
                "value_date": entry.value_date.map(|d| d.to_string()),
                "amount": entry.signed_amount().to_string(),
                "currency": entry.currency,
                "reference": entry.account_servicer_ref,
                "counterparty": name,
                "counterparty_account": account,
                "label": label(entry, details),
            })
        })
        .collect();
    let balances: Vec<Value> = h
        .balances
        .iter()
        .map(|b| json!({"type": b.kind.code(), "date": b.date.to_string(), "amount": b.amount.to_string(), "currency": b.currency}))
        .collect();
    json!({
        "id": h.id,
        "electronic_sequence": h.electronic_sequence,
        "account": h.account.iban.as_ref().or(h.account.other_id.as_ref()),
        "currency": h.account.currency,
        "balances": balances,
        "entries": entries,
    })
}

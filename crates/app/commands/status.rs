//! `ponto2camt status`: per account what the last run did, what was exported, how the
//! balance chain compares with Ponto, and which files still wait in the drop folder.
//! Reads the ledger without the lock, so it works beside a running `fetch` or `watch`.

use super::load_config;
use crate::cli::StatusArgs;
use crate::error::CliError;
use crate::output;
use chrono::{DateTime, Utc};
use pipeline::health::{self, Problem};
use pipeline::status::{StatusReport, read_status};
use serde_json::{Value, json};
use std::path::Path;

/// `status --check`'s exit code when some account has a problem.
pub const PROBLEMS_FOUND: u8 = 1;

pub fn run(config_path: Option<&Path>, args: &StatusArgs) -> Result<(), CliError> {
    let config = load_config(config_path)?;
    let report = read_status(&config.state_dir)?;
    let now = pipeline::clock::now();
    let problems = Problems::of(&report, health::Limits::of(&config), now);
    if args.json {
        let value = render_json(&report, &problems);
        output::line(serde_json::to_string_pretty(&value).unwrap_or_default());
    } else if args.check {
        output::print(&render_check(&report, &problems));
    } else {
        output::print(&render_text(&report, &problems, now));
    }
    if args.check && problems.any() {
        return Err(CliError::problems_found(PROBLEMS_FOUND));
    }
    Ok(())
}

/// Every account's problems and warnings, in the order of the report's accounts.
struct Problems {
    problems: Vec<Vec<Problem>>,
    warnings: Vec<Vec<Problem>>,
}

impl Problems {
    fn of(report: &StatusReport, limits: health::Limits, now: DateTime<Utc>) -> Problems {
        let problems = report
            .accounts
            .iter()
            .map(|s| {
                let waiting: Vec<_> = report.waiting_for(&s.account.key).collect();
                health::problems(s, &waiting, limits, now)
            })
            .collect();
        let warnings = report
            .accounts
            .iter()
            .map(|s| health::warnings(s, limits, now))
            .collect();
        Problems { problems, warnings }
    }

    fn any(&self) -> bool {
        self.problems.iter().any(|p| !p.is_empty())
    }

    fn of_account(&self, index: usize) -> &[Problem] {
        self.problems
            .get(index)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn warnings_of(&self, index: usize) -> &[Problem] {
        self.warnings
            .get(index)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

fn render_check(report: &StatusReport, problems: &Problems) -> String {
    let mut out = String::new();
    let mut warnings = String::new();
    for (i, s) in report.accounts.iter().enumerate() {
        for p in problems.of_account(i) {
            out.push_str(&format!(
                "{} {} {}: {}\n",
                s.account.iban, s.account.currency, p.kind, p.message
            ));
        }
        for w in problems.warnings_of(i) {
            warnings.push_str(&format!(
                "warning: {} {} {}: {}\n",
                s.account.iban, s.account.currency, w.kind, w.message
            ));
        }
    }
    if out.is_empty() {
        out = format!("ok: {} account(s), no problems\n", report.accounts.len());
    }
    out + &warnings
}

fn render_text(report: &StatusReport, problems: &Problems, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for (i, s) in report.accounts.iter().enumerate() {
        let a = &s.account;
        out.push_str(&format!("{} {}\n", a.iban, a.currency));
        match &s.last_run {
            Some(run) => out.push_str(&format!(
                "  last run        {} ({}){}\n",
                run.finished_at.format("%Y-%m-%d %H:%M:%S UTC"),
                run.outcome,
                run.message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            )),
            None => out.push_str("  last run        never\n"),
        }
        out.push_str(&format!(
            "  exported        {} statement(s), {} transaction(s){}\n",
            s.statements_exported,
            s.transactions_exported,
            if s.unpublished > 0 {
                format!(", {} not yet delivered", s.unpublished)
            } else {
                String::new()
            }
        ));
        if let Some(id) = &a.last_statement_id {
            out.push_str(&format!(
                "  last statement  {id}, closing {} {}\n",
                a.last_closing
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "?".into()),
                a.currency
            ));
        }
        let held_back = s
            .last_run
            .as_ref()
            .is_some_and(|r| r.outcome == pipeline::ledger::RunOutcome::HeldBack);
        match &s.balance {
            // A zero difference with transactions held back: their amounts are inside the
            // first opening balance (Ponto's balance includes them), not in any statement.
            Some(b) if b.difference().is_zero() && held_back => out.push_str(&format!(
                "  balance check   agrees with Ponto ({} {}, {}) only because the opening balance counts held-back transactions no statement has\n",
                b.ponto_balance,
                a.currency,
                b.checked_at.format("%Y-%m-%d %H:%M")
            )),
            Some(b) if b.difference().is_zero() => out.push_str(&format!(
                "  balance check   agrees with Ponto ({} {}, {})\n",
                b.ponto_balance,
                a.currency,
                b.checked_at.format("%Y-%m-%d %H:%M")
            )),
            Some(b) => out.push_str(&format!(
                "  balance check   DIFFERS: Ponto {} vs ours {} (difference {}) at {}\n",
                b.ponto_balance,
                b.chain_balance,
                b.difference(),
                b.checked_at.format("%Y-%m-%d %H:%M")
            )),
            None => out.push_str("  balance check   not done yet\n"),
        }
        if s.changed_transactions > 0 {
            out.push_str(&format!(
                "  changed         {} exported transaction(s) changed in Ponto afterwards (see the log)\n",
                s.changed_transactions
            ));
        }
        let found = problems.of_account(i);
        if found.is_empty() {
            out.push_str("  problems        none\n");
        }
        for p in found {
            out.push_str(&format!("  PROBLEM         {}: {}\n", p.kind, p.message));
        }
        for w in problems.warnings_of(i) {
            out.push_str(&format!("  warning         {}: {}\n", w.kind, w.message));
        }
        if let Some(link) = &s.bank_link {
            out.push_str(&format!(
                "  bank link       Ponto account {}, consent until {}, synchronized {} (seen {})\n",
                link.ponto_account_id,
                link.consent_expires_at
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "?".into()),
                link.synchronized_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "never".into()),
                link.observed_at.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        let mut mine = report.waiting_for(&a.key).peekable();
        if mine.peek().is_none() {
            out.push_str("  drop folder     nothing waiting\n");
        }
        for file in mine {
            let since = file.published_at;
            let hours = (now - since).num_hours();
            out.push_str(&format!(
                "  waiting         {} (since {}, {hours} h)\n",
                file.path,
                since.format("%Y-%m-%d %H:%M")
            ));
        }
    }
    if report.accounts.is_empty() {
        out.push_str("no accounts in the ledger yet\n");
    }
    out
}

fn render_json(report: &StatusReport, problems: &Problems) -> Value {
    Value::Array(
        report
            .accounts
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let a = &s.account;
                json!({
                    "account": a.iban,
                    "currency": a.currency,
                    "last_run": s.last_run.as_ref().map(|r| json!({
                        "finished_at": r.finished_at.to_rfc3339(),
                        "outcome": r.outcome.as_str(),
                        "message": r.message,
                        "statements": r.statements,
                        "transactions": r.transactions,
                    })),
                    "statements_exported": s.statements_exported,
                    "transactions_exported": s.transactions_exported,
                    "unpublished": s.unpublished,
                    "last_statement_id": a.last_statement_id,
                    "last_closing": a.last_closing.map(|c| c.to_string()),
                    "balance_difference": s.balance.as_ref().map(|b| b.difference().to_string()),
                    "ponto_balance": s.balance.as_ref().map(|b| b.ponto_balance.to_string()),
                    "changed_transactions": s.changed_transactions,
                    "problems": problems.of_account(i).iter()
                        .map(|p| json!({"kind": p.kind, "message": p.message}))
                        .collect::<Vec<_>>(),
                    "warnings": problems.warnings_of(i).iter()
                        .map(|p| json!({"kind": p.kind, "message": p.message}))
                        .collect::<Vec<_>>(),
                    "bank_link": s.bank_link.as_ref().map(|l| json!({
                        "ponto_account_id": l.ponto_account_id,
                        "observed_at": l.observed_at.to_rfc3339(),
                        "consent_expires_at": l.consent_expires_at.map(|t| t.to_rfc3339()),
                        "synchronized_at": l.synchronized_at.map(|t| t.to_rfc3339()),
                        "availability": l.availability,
                        "deprecated": l.deprecated,
                        "sync_status": l.sync_status,
                    })),
                    "review_holds": s.review_holds.iter()
                        .map(|h| json!({"transaction": h.ponto_id, "held_at": h.held_at.to_rfc3339(), "reason": h.reason}))
                        .collect::<Vec<_>>(),
                    "waiting_files": report.waiting_for(&a.key)
                        .map(|w| json!({"file": w.path, "since": w.published_at.to_rfc3339()}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

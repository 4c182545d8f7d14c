//! `ponto2camt status`: per account what the last run did, what was exported, how the
//! balance chain compares with Ponto, and which files still wait in the drop folder.

use crate::error::{CliError, ExitKind};
use crate::fetch::{ledger_error, load_config};
use crate::ledger::{AccountStatus, Ledger};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::path::Path;

pub fn run(config_path: Option<&Path>, json: bool) -> Result<(), CliError> {
    let config = load_config(config_path)?;
    if !config.state_dir.join(crate::ledger::FILE_NAME).exists() {
        return Err(CliError::new(
            ExitKind::Config,
            format!("{}: no ledger yet", config.state_dir.display()),
        )
        .hinted("run `ponto2camt fetch` first"));
    }
    let ledger = Ledger::open(&config.state_dir).map_err(ledger_error)?;
    // Status only reads: a pickup seen here is recorded by the next fetch.
    let statuses = ledger.status().map_err(ledger_error)?;
    let waiting = waiting_files(&ledger)?;
    if json {
        let value = render_json(&statuses, &waiting);
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        print!("{}", render_text(&statuses, &waiting, crate::clock::now()));
    }
    Ok(())
}

/// Published files still in their drop folder, by account key: (file, published at).
fn waiting_files(ledger: &Ledger) -> Result<Vec<(String, String, DateTime<Utc>)>, CliError> {
    Ok(ledger
        .awaiting_pickup()
        .map_err(ledger_error)?
        .into_iter()
        .filter(|f| f.drop_dir.join(&f.file_name).exists())
        .map(|f| {
            (
                f.account_key,
                f.drop_dir.join(&f.file_name).display().to_string(),
                f.published_at,
            )
        })
        .collect())
}

pub fn render_text(
    statuses: &[AccountStatus],
    waiting: &[(String, String, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> String {
    let mut out = String::new();
    for s in statuses {
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
        match &s.balance {
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
        let mine: Vec<_> = waiting.iter().filter(|(key, _, _)| *key == a.key).collect();
        if mine.is_empty() {
            out.push_str("  drop folder     nothing waiting\n");
        }
        for (_, file, since) in mine {
            let hours = (now - *since).num_hours();
            out.push_str(&format!(
                "  waiting         {file} (since {}, {hours} h)\n",
                since.format("%Y-%m-%d %H:%M")
            ));
        }
    }
    if statuses.is_empty() {
        out.push_str("no accounts in the ledger yet\n");
    }
    out
}

pub fn render_json(
    statuses: &[AccountStatus],
    waiting: &[(String, String, DateTime<Utc>)],
) -> Value {
    Value::Array(
        statuses
            .iter()
            .map(|s| {
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
                    "waiting_files": waiting.iter().filter(|(k, _, _)| *k == a.key)
                        .map(|(_, f, since)| json!({"file": f, "since": since.to_rfc3339()})).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

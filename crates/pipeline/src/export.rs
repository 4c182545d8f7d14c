//! `ponto2camt export`: one bundle per account, the format `convert` reads, so that
//! `export` then `convert` is a complete, stateless pipeline.

use crate::connect::{PontoAccess, client, ponto_error};
use crate::error::{CliError, ExitKind, Failures};
use crate::publish;
use chrono::{NaiveDate, TimeZone, Utc};
use ponto::{Account, Client, stop};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Transactions executed this long before `--since` are still read: Ponto lists by
/// creation, so neighbours can be out of date order by a few days.
const SINCE_MARGIN_DAYS: i64 = 7;

pub struct ExportOptions {
    pub accounts: Vec<String>,
    pub since: Option<NaiveDate>,
    pub out_dir: PathBuf,
}

pub struct Exported {
    pub file: PathBuf,
    pub transactions: usize,
}

pub fn export(accesses: &[PontoAccess], options: &ExportOptions) -> (Vec<Exported>, Failures) {
    let wanted: Vec<String> = options.accounts.iter().map(|a| normalize(a)).collect();
    let mut done = Vec::new();
    let mut failures = Failures::default();
    let mut seen = Vec::new();
    for access in accesses {
        let result = client(access).and_then(|ponto| {
            let accounts = ponto
                .accounts()
                .map_err(|e| ponto_error(&access.organization, e))?;
            Ok((ponto, accounts))
        });
        let (ponto, accounts) = match result {
            Ok(found) => found,
            Err(e) => {
                failures.0.push(e);
                continue;
            }
        };
        for account in accounts {
            let reference = normalize(account.attributes.reference.as_deref().unwrap_or(""));
            if !wanted.is_empty() && !wanted.contains(&reference) {
                continue;
            }
            seen.push(reference);
            match export_account(&ponto, &access.organization, &account, options) {
                Ok(exported) => done.push(exported),
                Err(e) => failures.0.push(e),
            }
        }
    }
    for missing in wanted.iter().filter(|w| !seen.contains(w)) {
        failures.0.push(
            CliError::new(
                ExitKind::Config,
                format!("account {missing}: not found in Ponto"),
            )
            .hinted("run `ponto2camt accounts` to see the accounts the integration may read"),
        );
    }
    (done, failures)
}

fn normalize(iban: &str) -> String {
    iban.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

fn export_account(
    ponto: &Client,
    organization: &str,
    account: &Account,
    options: &ExportOptions,
) -> Result<Exported, CliError> {
    let id = account.id.as_deref().unwrap_or_default();
    let institution = ponto
        .account_financial_institution(account)
        .map_err(|e| ponto_error(organization, e))?;
    let read = match options.since {
        Some(since) => {
            let cutoff = Utc.from_utc_datetime(
                &(since - chrono::Duration::days(SINCE_MARGIN_DAYS))
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default(),
            );
            ponto.transactions(id, &mut stop::stop_created_before(cutoff))
        }
        None => ponto.transactions(id, &mut stop::read_all()),
    }
    .map_err(|e| ponto_error(organization, e))?;
    let since_instant = options.since.map(|d| {
        // Generous on purpose: the day boundary is decided in the bank's zone by convert;
        // here only clearly older transactions are left out.
        Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            - chrono::Duration::hours(14)
    });
    let transactions: Vec<_> = read
        .transactions
        .into_iter()
        .filter(|t| match (since_instant, t.attributes.execution_date) {
            (Some(since), Some(executed)) => executed >= since,
            _ => true,
        })
        .collect();
    let bundle = json!({
        "account": account,
        "financialInstitution": institution,
        "transactions": transactions,
    });
    let bytes = serde_json::to_vec_pretty(&bundle)
        .map_err(|e| CliError::new(ExitKind::Data, format!("account {id}: cannot encode: {e}")))?;
    let name = bundle_name(account);
    let file = publish::write_file(&options.out_dir, &name, &bytes, true).map_err(|e| {
        CliError::new(
            ExitKind::Io,
            format!("{}: {e}", options.out_dir.join(&name).display()),
        )
    })?;
    Ok(Exported {
        file,
        transactions: transactions.len(),
    })
}

fn bundle_name(account: &Account) -> String {
    let a = &account.attributes;
    let reference: String = a
        .reference
        .as_deref()
        .unwrap_or("account")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!(
        "{reference}_{}.bundle.json",
        a.currency.as_deref().unwrap_or("XXX")
    )
}

pub fn out_dir_exists(dir: &Path) -> Result<(), CliError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(
            CliError::new(ExitKind::Io, format!("{}: no such folder", dir.display()))
                .hinted("create it first, or pass --out-dir with an existing folder"),
        )
    }
}

//! Export: one bundle per account, the format `convert` reads, so that
//! `export` then `convert` is a complete, stateless pipeline.
//!
//! The bundle holds the resources exactly as Ponto sent them: each one's JSON text is
//! written unchanged (attributes this program does not know yet, `null`s, number
//! literals such as `1.10`), so a bundle converted later carries whatever Ponto adds.
//! The typed decode of the same bytes is used only to choose and validate.

use crate::Error;
use crate::connect::{PontoAccess, client};
use crate::matching::{normalize_iban, reference_of};
use crate::{publish, window};
use chrono::{NaiveDate, TimeZone, Utc};
use ponto::{Account, Client, FinancialInstitution, Raw, stop};
use serde::Serialize;
use serde_json::value::RawValue;
use std::path::PathBuf;

pub struct ExportOptions {
    pub accounts: Vec<String>,
    pub since: Option<NaiveDate>,
    pub out_dir: PathBuf,
}

pub struct Exported {
    pub file: PathBuf,
    pub transactions: usize,
}

/// Writes a bundle for every account of every organization (or those in
/// `options.accounts`); returns the bundles written and the failures (the others go on).
pub fn export(accesses: &[PontoAccess], options: &ExportOptions) -> (Vec<Exported>, Vec<Error>) {
    let wanted: Vec<String> = options.accounts.iter().map(|a| normalize_iban(a)).collect();
    let mut done = Vec::new();
    let mut failures = Vec::new();
    let mut seen = Vec::new();
    for access in accesses {
        let result = client(access).and_then(|ponto| {
            let accounts = ponto
                .accounts_raw()
                .map_err(|e| Error::ponto(&access.organization, e))?;
            Ok((ponto, accounts))
        });
        let (ponto, accounts) = match result {
            Ok(found) => found,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for account in accounts {
            let reference = reference_of(&account);
            if !wanted.is_empty() && !wanted.contains(&reference) {
                continue;
            }
            seen.push(reference);
            match export_account(&ponto, &access.organization, &account, options) {
                Ok(exported) => done.push(exported),
                Err(e) => failures.push(e),
            }
        }
    }
    for missing in wanted.iter().filter(|w| !seen.contains(w)) {
        failures.push(Error::NotFoundInPonto(missing.clone()));
    }
    (done, failures)
}

/// A bundle as written: the resources' JSON text as Ponto sent it.
#[derive(Serialize)]
struct Bundle<'a> {
    account: &'a RawValue,
    /// `null` when the account names no bank.
    #[serde(rename = "financialInstitution")]
    financial_institution: Option<&'a RawValue>,
    transactions: Vec<&'a RawValue>,
}

fn export_account(
    ponto: &Client,
    organization: &str,
    raw_account: &Raw<Account>,
    options: &ExportOptions,
) -> Result<Exported, Error> {
    let account = raw_account.value();
    let id = account.id.as_deref().unwrap_or_default();
    let institution = ponto
        .account_financial_institution_raw(account)
        .map_err(|e| Error::ponto(organization, e))?;
    let read = match options.since {
        Some(since) => {
            let zone = bank_zone(account, institution.as_ref().map(|i| i.value()));
            let cutoff = window::first_read_cutoff(since, zone);
            ponto.transactions_raw(id, &mut stop::stop_created_before(cutoff))
        }
        None => ponto.transactions_raw(id, &mut stop::read_all()),
    }
    .map_err(|e| Error::ponto(organization, e))?;
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
    let bundle = Bundle {
        account: raw_account.json(),
        financial_institution: institution.as_ref().map(|i| i.json()),
        transactions: transactions.iter().map(|t| t.json()).collect(),
    };
    let bytes = serde_json::to_vec_pretty(&bundle).map_err(|source| Error::Encode {
        account: id.to_owned(),
        source,
    })?;
    let name = bundle_name(account);
    let file =
        publish::write_file(&options.out_dir, &name, &bytes, true).map_err(|source| Error::Io {
            path: options.out_dir.join(&name),
            source,
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

/// The zone the bank's days are counted in (as `convert` will count them).
fn bank_zone(account: &Account, institution: Option<&FinancialInstitution>) -> chrono_tz::Tz {
    converter::AccountContext::new(account, institution, None)
        .map(|ctx| ctx.time_zone)
        .unwrap_or(window::DEFAULT_ZONE)
}

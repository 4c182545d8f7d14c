//! Fetch: new booked Ponto transactions into the drop folder, exactly once.
//!
//! Per account ([`account`]): read the newest pages until the ledger's known ids (or the
//! start date) are reached, keep what was never exported ([`statements`]), plan
//! statements, then for each one record it in the ledger and deliver it (see
//! [`crate::delivery`]). Accounts run concurrently with a bounded number in flight
//! ([`plan`]); one failing account does not stop the others.

mod account;
mod balance;
pub(crate) mod batch;
mod changes;
pub(crate) mod from_bundle;
mod plan;
mod relisting;
mod statements;
#[cfg(test)]
mod tests;

pub use statements::file_name;

use crate::Error;
use crate::clock::Clock;
use crate::config::{AccountConfig, Config};
use crate::ledger::{Ledger, RunOutcome, RunRecord};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;

/// How long `--sync-now` waits for Ponto's synchronization with the bank.
const SYNC_TIMEOUT_SECS: u64 = 120;

#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// Only these IBANs (electronic form); empty: all configured accounts.
    pub only: Vec<String>,
    pub dry_run: bool,
    /// Ask Ponto to synchronize first, for the person at this address (attended access).
    pub sync_now: Option<IpAddr>,
    /// Daily grouping: also publish today's statement.
    pub include_today: bool,
}

/// What one account's part of a run did.
#[derive(Debug, Clone, Default)]
pub struct AccountReport {
    pub iban: String,
    pub currency: String,
    /// Files published in this run (planned ones for a dry run).
    pub files: Vec<PathBuf>,
    pub transactions: u64,
    /// Booked today and held back until the day is over (daily grouping).
    pub held_for_today: u64,
    pub pages: usize,
    /// Ponto's balance minus what our statements (and held-back transactions) add up to.
    pub balance_difference: Option<Decimal>,
    /// Held in this run until an operator decides whether they are re-listings.
    pub needs_review: u64,
}

/// What a run did: per account, and what failed (per account or per organization).
#[derive(Debug, Default)]
pub struct FetchReport {
    pub accounts: Vec<AccountReport>,
    pub failures: Vec<Error>,
}

impl FetchReport {
    pub fn statements(&self) -> usize {
        self.accounts.iter().map(|a| a.files.len()).sum()
    }

    pub fn transactions(&self) -> u64 {
        self.accounts.iter().map(|a| a.transactions).sum()
    }

    pub fn held_for_today(&self) -> u64 {
        self.accounts.iter().map(|a| a.held_for_today).sum()
    }
}

/// One run over every configured account (or those in `options.only`), with the
/// ledger of a held state folder.
pub(crate) fn run(
    config: &Config,
    ledger: &Ledger,
    clock: &dyn Clock,
    options: &FetchOptions,
) -> FetchReport {
    let now = clock.now();
    let mut report = FetchReport::default();
    let (work, unreachable) = plan::plan_work(config, options, &mut report.failures);
    for (accounts, error) in unreachable {
        if !options.dry_run {
            let failed = Err(error);
            for account in accounts {
                let key = ledger_key(ledger, account);
                record_run(ledger, &key, now, clock.now(), &failed);
            }
            report.failures.extend(failed.err());
        } else {
            report.failures.push(error);
        }
    }
    let results = Mutex::new(Vec::new());
    let queue = Mutex::new(work.into_iter());
    let workers = config.concurrency.max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    let Some(job) = next else { break };
                    let result = job.run(config, ledger, clock, options, now);
                    if let Ok(mut results) = results.lock() {
                        results.push(result);
                    }
                }
            });
        }
    });
    for result in results.into_inner().unwrap_or_default() {
        match result {
            Ok(account) => {
                if account.needs_review > 0 {
                    report.failures.push(Error::NeedsReview {
                        iban: account.iban.clone(),
                        count: account.needs_review,
                    });
                }
                report.accounts.push(account);
            }
            Err(error) => report.failures.push(error),
        }
    }
    report.accounts.sort_by(|a, b| a.iban.cmp(&b.iban));
    report
}

/// The account's ledger key: from the configured currency, else from the ledger (an
/// account never registered gets a key no row has, so nothing is recorded for it).
pub(crate) fn ledger_key(ledger: &Ledger, account: &AccountConfig) -> String {
    if let Some(currency) = &account.currency {
        return crate::ledger::account_key(&account.iban, currency);
    }
    ledger
        .accounts()
        .ok()
        .and_then(|accounts| accounts.into_iter().find(|a| a.iban == account.iban))
        .map(|a| a.key)
        .unwrap_or_else(|| crate::ledger::account_key(&account.iban, "?"))
}

/// How much of an error message the ledger keeps (server text in it is capped at 500
/// characters already; this bounds the whole line).
const STORED_MESSAGE_CHARS: usize = 2000;

fn capped(message: &str) -> String {
    match message.char_indices().nth(STORED_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_owned(),
    }
}

/// Notes the run's outcome for the account in the ledger (for `status`).
fn record_run(
    ledger: &Ledger,
    key: &str,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    result: &Result<AccountReport, Error>,
) {
    let (outcome, message, statements, transactions) = match result {
        Ok(r) => (
            RunOutcome::Ok,
            Some(format!(
                "{} statement(s), {} transaction(s)",
                r.files.len(),
                r.transactions
            )),
            r.files.len() as u64,
            r.transactions,
        ),
        Err(e) => (
            if e.is_temporary() {
                RunOutcome::Temporary
            } else if matches!(e, Error::HeldBack { .. }) {
                RunOutcome::HeldBack
            } else {
                RunOutcome::Failed
            },
            Some(capped(&e.to_string())),
            0,
            0,
        ),
    };
    let record = RunRecord {
        account_key: key.to_owned(),
        started_at: started,
        finished_at: finished,
        outcome,
        message,
        statements,
        transactions,
    };
    if let Err(e) = ledger.record_run(&record) {
        tracing::debug!("run not recorded: {e}");
    }
}

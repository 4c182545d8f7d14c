//! What a state folder says, read without the lock (a `watch` daemon or a `fetch` may be
//! working on it): per account the last run, what was exported, the balance check, and
//! the published files still waiting in their drop folder.

use crate::Error;
use crate::ledger::{self, AccountStatus, Ledger};
use chrono::{DateTime, Utc};
use std::path::Path;

/// A published file still in its drop folder.
#[derive(Debug, Clone)]
pub struct WaitingFile {
    pub account_key: String,
    /// Where it waits (drop folder and name).
    pub path: String,
    pub published_at: DateTime<Utc>,
}

/// The state folder's view for `status`.
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub accounts: Vec<AccountStatus>,
    pub waiting: Vec<WaitingFile>,
}

impl StatusReport {
    /// The files of one account (by ledger key) that wait.
    pub fn waiting_for<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a WaitingFile> {
        self.waiting.iter().filter(move |w| w.account_key == key)
    }
}

/// Reads the ledger of `state_dir`. Only reads: a pickup seen here is recorded by the
/// next run that holds the lock.
pub fn read_status(state_dir: &Path) -> Result<StatusReport, Error> {
    if !state_dir.join(ledger::FILE_NAME).exists() {
        return Err(Error::NoLedger(state_dir.to_path_buf()));
    }
    let ledger = Ledger::open_read_only(state_dir)?;
    let accounts = ledger.status()?;
    let waiting = ledger
        .awaiting_pickup()?
        .into_iter()
        .filter(|f| f.drop_dir.join(&f.file_name).exists())
        .map(|f| WaitingFile {
            path: f.drop_dir.join(&f.file_name).display().to_string(),
            account_key: f.account_key,
            published_at: f.published_at,
        })
        .collect();
    Ok(StatusReport { accounts, waiting })
}

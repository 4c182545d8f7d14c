//! What happened, for `status`: one row per account per run, and each comparison of
//! our balance chain with Ponto's `currentBalance`.

use super::{ErrorKind, Ledger, LedgerError, timestamp};
use chrono::{DateTime, Utc};
use rusqlite::params;
use rust_decimal::Decimal;

/// How an account's part of a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Everything new was recorded and published (possibly nothing was new).
    Ok,
    /// It failed in a way that retrying later may fix (Ponto unavailable, a lock).
    Temporary,
    /// It failed and needs someone to look (configuration, bad data, a broken chain).
    Failed,
    /// The rest was published, but some transactions could not be converted and wait.
    HeldBack,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Ok => "ok",
            RunOutcome::Temporary => "temporary",
            RunOutcome::Failed => "failed",
            RunOutcome::HeldBack => "held-back",
        }
    }

    pub(super) fn parse(text: &str) -> Result<Self, ErrorKind> {
        match text {
            "ok" => Ok(RunOutcome::Ok),
            "temporary" => Ok(RunOutcome::Temporary),
            "failed" => Ok(RunOutcome::Failed),
            "held-back" => Ok(RunOutcome::HeldBack),
            other => Err(ErrorKind::Corrupt(format!("unknown run outcome {other:?}"))),
        }
    }
}

impl std::fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account's part of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub account_key: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: RunOutcome,
    /// What went wrong, or a one-line summary.
    pub message: Option<String>,
    /// Statements and transactions published in this run.
    pub statements: u64,
    pub transactions: u64,
}

/// Our chain compared with Ponto's balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceCheck {
    pub account_key: String,
    pub checked_at: DateTime<Utc>,
    /// The closing balance of our last statement.
    pub chain_balance: Decimal,
    /// Ponto's `currentBalance`.
    pub ponto_balance: Decimal,
    /// Ponto's `currentBalanceReferenceDate`.
    pub ponto_reference_date: Option<DateTime<Utc>>,
}

impl BalanceCheck {
    /// Ponto's balance minus ours: zero when the chain agrees.
    pub fn difference(&self) -> Decimal {
        self.ponto_balance - self.chain_balance
    }
}

impl Ledger {
    /// Appends a run record; returns its id.
    pub fn record_run(&self, run: &RunRecord) -> Result<i64, LedgerError> {
        let statements = saturating_i64(run.statements);
        let transactions = saturating_i64(run.transactions);
        self.with_conn(|conn| {
            conn.execute(
                "INSERT INTO runs (account_key, started_at, finished_at, outcome, message, statements, transactions)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    run.account_key,
                    timestamp(run.started_at),
                    timestamp(run.finished_at),
                    run.outcome.as_str(),
                    run.message,
                    statements,
                    transactions,
                ],
            )
            .map_err(|e| unknown_account_or(e, &run.account_key))?;
            Ok(conn.last_insert_rowid())
        })
    }

    /// Appends a balance comparison (the difference is stored with it); returns its id.
    pub fn record_balance_check(&self, check: &BalanceCheck) -> Result<i64, LedgerError> {
        self.with_conn(|conn| {
            conn.execute(
                "INSERT INTO balance_checks (account_key, checked_at, chain_balance, ponto_balance,
                                             ponto_reference_date, difference)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    check.account_key,
                    timestamp(check.checked_at),
                    check.chain_balance.to_string(),
                    check.ponto_balance.to_string(),
                    check.ponto_reference_date.map(timestamp),
                    check.difference().to_string(),
                ],
            )
            .map_err(|e| unknown_account_or(e, &check.account_key))?;
            Ok(conn.last_insert_rowid())
        })
    }
}

/// A foreign key failure here can only mean the account was never registered.
fn unknown_account_or(error: rusqlite::Error, account_key: &str) -> ErrorKind {
    if error.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
        ErrorKind::UnknownAccount(account_key.to_owned())
    } else {
        ErrorKind::from(error)
    }
}

/// Counts of one run never come near i64::MAX; saturate rather than fail a run record.
fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

//! Everything `ponto2camt status` shows, per account, read in one snapshot.

use super::accounts::{AccountState, load_accounts};
use super::bank_link::{BankLink, bank_link};
use super::history::{BalanceCheck, RunOutcome, RunRecord};
use super::outbox::oldest_waiting;
use super::{
    ErrorKind, Ledger, LedgerError, parse_decimal, parse_optional_timestamp, parse_timestamp,
    to_u64,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

/// One account's state as `status` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStatus {
    pub account: AccountState,
    pub last_run: Option<RunRecord>,
    /// When the last run that ended `ok` finished.
    pub last_ok_at: Option<DateTime<Utc>>,
    /// Statements recorded (published or still in the outbox).
    pub statements_exported: u64,
    pub transactions_exported: u64,
    /// Statements recorded but not yet in the drop folder (recovery will publish them).
    pub unpublished: u64,
    /// Files in the drop folder the ERP has not taken yet, and since when the oldest waits.
    pub waiting_files: u64,
    pub waiting_since: Option<DateTime<Utc>>,
    /// The last comparison with Ponto's balance.
    pub balance: Option<BalanceCheck>,
    /// Exported transactions that Ponto changed afterwards.
    pub changed_transactions: u64,
    /// What Ponto last said about the account's consent and synchronization.
    pub bank_link: Option<BankLink>,
    /// Transactions held back until an operator decides (possible re-listings).
    pub review_holds: Vec<super::ReviewHold>,
}

impl Ledger {
    /// The status of every registered account, by key.
    pub fn status(&self) -> Result<Vec<AccountStatus>, LedgerError> {
        self.with_conn(|conn| {
            // One read transaction: all numbers from the same moment.
            let tx = conn.transaction()?;
            let statuses = load_accounts(&tx)?
                .into_iter()
                .map(|account| account_status(&tx, account))
                .collect::<Result<Vec<_>, _>>()?;
            tx.commit()?;
            Ok(statuses)
        })
    }
}

fn account_status(conn: &Connection, account: AccountState) -> Result<AccountStatus, ErrorKind> {
    let key = account.key.as_str();
    let (statements_exported, unpublished) = statement_counts(conn, key)?;
    let (waiting_files, waiting_since) = oldest_waiting(conn, key)?;
    Ok(AccountStatus {
        last_run: last_run(conn, key)?,
        last_ok_at: last_ok_at(conn, key)?,
        statements_exported,
        transactions_exported: count(
            conn,
            "SELECT COUNT(*) FROM exported_transactions WHERE account_key = ?1",
            key,
        )?,
        unpublished,
        waiting_files,
        waiting_since,
        balance: last_balance_check(conn, key)?,
        changed_transactions: count(
            conn,
            "SELECT COUNT(*) FROM changed_transactions WHERE account_key = ?1",
            key,
        )?,
        bank_link: bank_link(conn, key)?,
        review_holds: super::relisting::pending_holds(conn, key)?,
        account,
    })
}

fn count(conn: &Connection, sql: &str, key: &str) -> Result<u64, ErrorKind> {
    let n: i64 = conn.query_row(sql, [key], |row| row.get(0))?;
    to_u64("count", n)
}

fn statement_counts(conn: &Connection, key: &str) -> Result<(u64, u64), ErrorKind> {
    let (all, unpublished): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE published_at IS NULL) FROM statements WHERE account_key = ?1",
        [key],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok((
        to_u64("statements", all)?,
        to_u64("unpublished", unpublished)?,
    ))
}

fn last_run(conn: &Connection, key: &str) -> Result<Option<RunRecord>, ErrorKind> {
    let row = conn
        .query_row(
            "SELECT started_at, finished_at, outcome, message, statements, transactions FROM runs
             WHERE account_key = ?1 ORDER BY id DESC LIMIT 1",
            [key],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((started_at, finished_at, outcome, message, statements, transactions)) = row else {
        return Ok(None);
    };
    Ok(Some(RunRecord {
        account_key: key.to_owned(),
        started_at: parse_timestamp("runs.started_at", &started_at)?,
        finished_at: parse_timestamp("runs.finished_at", &finished_at)?,
        outcome: RunOutcome::parse(&outcome)?,
        message,
        statements: to_u64("runs.statements", statements)?,
        transactions: to_u64("runs.transactions", transactions)?,
    }))
}

fn last_ok_at(conn: &Connection, key: &str) -> Result<Option<DateTime<Utc>>, ErrorKind> {
    let finished: Option<String> = conn
        .query_row(
            "SELECT finished_at FROM runs WHERE account_key = ?1 AND outcome = 'ok' ORDER BY id DESC LIMIT 1",
            [key],
            |row| row.get(0),
        )
        .optional()?;
    parse_optional_timestamp("runs.finished_at", finished)
}

fn last_balance_check(conn: &Connection, key: &str) -> Result<Option<BalanceCheck>, ErrorKind> {
    let row = conn
        .query_row(
            "SELECT checked_at, chain_balance, ponto_balance, ponto_reference_date FROM balance_checks
             WHERE account_key = ?1 ORDER BY id DESC LIMIT 1",
            [key],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((checked_at, chain, ponto, reference)) = row else {
        return Ok(None);
    };
    Ok(Some(BalanceCheck {
        account_key: key.to_owned(),
        checked_at: parse_timestamp("balance_checks.checked_at", &checked_at)?,
        chain_balance: parse_decimal("balance_checks.chain_balance", &chain)?,
        ponto_balance: parse_decimal("balance_checks.ponto_balance", &ponto)?,
        ponto_reference_date: parse_optional_timestamp(
            "balance_checks.ponto_reference_date",
            reference,
        )?,
    }))
}

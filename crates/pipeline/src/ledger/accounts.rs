//! Account rows: registration, the statement counter, the last closing balance and
//! the read cursor.

use super::{
    ErrorKind, Ledger, LedgerError, parse_optional_decimal, parse_optional_timestamp, timestamp,
    to_u64,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

/// What identifies an account, given when it is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    /// See [`super::account_key`].
    pub key: String,
    pub iban: String,
    pub currency: String,
    /// Ponto's id of the account, when known.
    pub ponto_account_id: Option<String>,
}

/// An account's state in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountState {
    pub key: String,
    pub iban: String,
    pub currency: String,
    pub ponto_account_id: Option<String>,
    /// Sequence number of the last recorded statement; 0 before the first.
    pub statement_count: u64,
    /// Closing balance of the last recorded statement: the next one's opening.
    pub last_closing: Option<Decimal>,
    pub last_statement_id: Option<String>,
    /// When the first statement was recorded (the chain's start); `None` = not opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// The newest Ponto transaction id seen.
    pub cursor: Option<String>,
}

impl AccountState {
    /// Whether the balance chain has started (a first statement was recorded).
    pub fn is_opened(&self) -> bool {
        self.opened_at.is_some()
    }
}

impl Ledger {
    /// Registers the account if it is new, and records its Ponto id if that is newly
    /// known or changed. The IBAN and currency of an existing key must not change.
    pub fn ensure_account(
        &self,
        info: &AccountInfo,
        at: DateTime<Utc>,
    ) -> Result<AccountState, LedgerError> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            match load_account(&tx, &info.key)? {
                Some(existing) => {
                    if existing.iban != info.iban || existing.currency != info.currency {
                        return Err(ErrorKind::AccountMismatch {
                            key: info.key.clone(),
                            existing: format!("{} {}", existing.iban, existing.currency),
                            given: format!("{} {}", info.iban, info.currency),
                        });
                    }
                    if info.ponto_account_id.is_some()
                        && info.ponto_account_id != existing.ponto_account_id
                    {
                        tx.execute(
                            "UPDATE accounts SET ponto_account_id = ?2 WHERE key = ?1",
                            params![info.key, info.ponto_account_id],
                        )?;
                    }
                }
                None => {
                    tx.execute(
                        "INSERT INTO accounts (key, iban, currency, ponto_account_id, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![
                            info.key,
                            info.iban,
                            info.currency,
                            info.ponto_account_id,
                            timestamp(at)
                        ],
                    )?;
                }
            }
            let state = require_account(&tx, &info.key)?;
            tx.commit()?;
            Ok(state)
        })
    }

    /// The account's state, `None` if it was never registered.
    pub fn account(&self, key: &str) -> Result<Option<AccountState>, LedgerError> {
        self.read(|conn| load_account(conn, key))
    }

    /// Every registered account, by key.
    pub fn accounts(&self) -> Result<Vec<AccountState>, LedgerError> {
        self.read(load_accounts)
    }

    /// The sequence number the account's next statement must have.
    pub fn next_sequence(&self, key: &str) -> Result<u64, LedgerError> {
        self.read(|conn| Ok(require_account(conn, key)?.statement_count + 1))
    }

    /// The closing balance of the account's last statement (`None` before the first).
    pub fn last_closing(&self, key: &str) -> Result<Option<Decimal>, LedgerError> {
        self.read(|conn| Ok(require_account(conn, key)?.last_closing))
    }

    /// Remembers the newest Ponto transaction id seen for the account.
    pub fn set_cursor(
        &self,
        key: &str,
        ponto_id: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.with_conn(|conn| {
            let changed = conn.execute(
                "UPDATE accounts SET cursor = ?2, cursor_at = ?3 WHERE key = ?1",
                params![key, ponto_id, timestamp(at)],
            )?;
            if changed == 0 {
                return Err(ErrorKind::UnknownAccount(key.to_owned()));
            }
            Ok(())
        })
    }

    /// The newest Ponto transaction id seen for the account.
    pub fn cursor(&self, key: &str) -> Result<Option<String>, LedgerError> {
        self.read(|conn| Ok(require_account(conn, key)?.cursor))
    }
}

const SELECT_ACCOUNT: &str =
    "SELECT key, iban, currency, ponto_account_id, statement_count, last_closing,
        last_statement_id, opened_at, cursor FROM accounts";

/// The columns as SQLite gives them; checked in [`AccountRow::into_state`].
struct AccountRow {
    key: String,
    iban: String,
    currency: String,
    ponto_account_id: Option<String>,
    statement_count: i64,
    last_closing: Option<String>,
    last_statement_id: Option<String>,
    opened_at: Option<String>,
    cursor: Option<String>,
}

fn account_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        key: row.get(0)?,
        iban: row.get(1)?,
        currency: row.get(2)?,
        ponto_account_id: row.get(3)?,
        statement_count: row.get(4)?,
        last_closing: row.get(5)?,
        last_statement_id: row.get(6)?,
        opened_at: row.get(7)?,
        cursor: row.get(8)?,
    })
}

impl AccountRow {
    fn into_state(self) -> Result<AccountState, ErrorKind> {
        Ok(AccountState {
            statement_count: to_u64("accounts.statement_count", self.statement_count)?,
            last_closing: parse_optional_decimal("accounts.last_closing", self.last_closing)?,
            opened_at: parse_optional_timestamp("accounts.opened_at", self.opened_at)?,
            key: self.key,
            iban: self.iban,
            currency: self.currency,
            ponto_account_id: self.ponto_account_id,
            last_statement_id: self.last_statement_id,
            cursor: self.cursor,
        })
    }
}

pub(super) fn load_accounts(conn: &Connection) -> Result<Vec<AccountState>, ErrorKind> {
    let mut stmt = conn.prepare(&format!("{SELECT_ACCOUNT} ORDER BY key"))?;
    let rows = stmt.query_map([], account_row)?;
    rows.map(|row| {
        row.map_err(ErrorKind::from)
            .and_then(AccountRow::into_state)
    })
    .collect()
}

pub(super) fn load_account(
    conn: &Connection,
    key: &str,
) -> Result<Option<AccountState>, ErrorKind> {
    conn.query_row(
        &format!("{SELECT_ACCOUNT} WHERE key = ?1"),
        [key],
        account_row,
    )
    .optional()?
    .map(AccountRow::into_state)
    .transpose()
}

pub(super) fn require_account(conn: &Connection, key: &str) -> Result<AccountState, ErrorKind> {
    load_account(conn, key)?.ok_or_else(|| ErrorKind::UnknownAccount(key.to_owned()))
}

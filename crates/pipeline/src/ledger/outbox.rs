//! Statements: recording one (the exactly-once step), the outbox of statements not yet
//! in the drop folder, publish and pickup times, the exported ids and the log of
//! transactions Ponto changed after they were exported.

use super::accounts::require_account;
use super::{
    ErrorKind, Ledger, LedgerError, parse_decimal, parse_optional_timestamp, parse_timestamp,
    path_text, timestamp, to_u64,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// A rendered statement, about to be recorded and then published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStatement {
    /// `Stmt/Id`, unique across all accounts.
    pub id: String,
    /// `ElctrncSeqNb`: must be the account's counter + 1.
    pub seq: u64,
    /// The final name in the drop folder.
    pub file_name: String,
    pub drop_dir: PathBuf,
    /// The whole camt.053 document.
    pub xml: Vec<u8>,
    /// Must equal the previous statement's closing (if there is one).
    pub opening: Decimal,
    pub closing: Decimal,
    /// The Ponto ids of the statement's transactions (at least one).
    pub transaction_ids: Vec<String>,
    /// Optional, by Ponto id: what the transaction looked like when exported (any text
    /// the program chooses), so that a later change can be told with what changed.
    pub summaries: HashMap<String, String>,
    /// Optional, by Ponto id: what identifies the transaction across a re-listing.
    pub match_keys: HashMap<String, String>,
    /// The Ponto account the transactions were read from, when known.
    pub ponto_account_id: Option<String>,
}

/// A recorded statement that is not yet known to be in the drop folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub statement_id: String,
    pub account_key: String,
    pub seq: u64,
    pub file_name: String,
    pub drop_dir: PathBuf,
    pub xml: Vec<u8>,
    pub opening: Decimal,
    pub closing: Decimal,
    pub transaction_count: u64,
    pub created_at: DateTime<Utc>,
    /// The file was written and synced under its hidden name (see [`Ledger::mark_staged`]).
    pub staged: bool,
    /// The rename into place was started and not known to have failed (see
    /// [`Ledger::mark_renaming`]).
    pub renaming: bool,
    /// The SHA-256 of `xml` recorded with it; `None` for statements recorded before the
    /// ledger kept one (schema version 3 and older).
    pub xml_sha256: Option<[u8; 32]>,
}

/// A statement published into the drop folder that the ERP has not taken yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedFile {
    pub statement_id: String,
    pub account_key: String,
    pub file_name: String,
    pub drop_dir: PathBuf,
    pub published_at: DateTime<Utc>,
}

/// A transaction Ponto changed after it was exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedTransaction {
    pub ponto_id: String,
    pub detected_at: DateTime<Utc>,
    pub changes: String,
}

impl Ledger {
    /// Records a rendered statement in ONE transaction: the outbox row with its XML,
    /// its transaction ids as exported, and the account's counter, last statement and
    /// closing balance. Fails with nothing written if a transaction was already
    /// exported, the sequence number is not counter + 1, the opening is not the
    /// previous closing, the statement is empty or its id or file name is taken.
    pub fn record_statement(
        &self,
        account_key: &str,
        statement: &PlannedStatement,
        at: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.with_conn(|conn| {
            // IMMEDIATE takes the write lock first, so the checks below still hold at
            // commit even with a second process on the same ledger.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            check_statement(&tx, account_key, statement)?;
            insert_statement(&tx, account_key, statement, at)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Notes that the statement's file is complete and synced under its hidden temporary
    /// name, the last step before the rename that makes it visible.
    pub fn mark_staged(&self, statement_id: &str, at: DateTime<Utc>) -> Result<(), LedgerError> {
        self.with_conn(|conn| set_time_once(conn, Step::Staged, statement_id, at))
    }

    /// Notes that the hidden file is about to be renamed into place: from now on, a
    /// hidden file that is gone was renamed (recovery must not write it again).
    pub fn mark_renaming(&self, statement_id: &str, at: DateTime<Utc>) -> Result<(), LedgerError> {
        self.with_conn(|conn| set_time_once(conn, Step::Renaming, statement_id, at))
    }

    /// Notes that the rename did not happen after all (it failed, or the hidden file was
    /// taken away): the statement must be written again before it is renamed.
    pub fn clear_renaming(&self, statement_id: &str) -> Result<(), LedgerError> {
        self.with_conn(|conn| {
            let changed = conn.execute(
                "UPDATE statements SET renaming_at = NULL WHERE statement_id = ?1",
                [statement_id],
            )?;
            if changed == 0 {
                return Err(ErrorKind::UnknownStatement(statement_id.to_owned()));
            }
            Ok(())
        })
    }

    /// Notes that the statement's file is in the drop folder. Marking it again keeps
    /// the first time (recovery may finish a publish that had already happened).
    pub fn mark_published(&self, statement_id: &str, at: DateTime<Utc>) -> Result<(), LedgerError> {
        self.with_conn(|conn| set_time_once(conn, Step::Published, statement_id, at))
    }

    /// Notes that the ERP took the published file away. Marking it again keeps the
    /// first time.
    pub fn mark_picked_up(&self, statement_id: &str, at: DateTime<Utc>) -> Result<(), LedgerError> {
        self.with_conn(|conn| {
            let published: Option<Option<String>> = conn
                .query_row(
                    "SELECT published_at FROM statements WHERE statement_id = ?1",
                    [statement_id],
                    |row| row.get(0),
                )
                .optional()?;
            match published {
                None => return Err(ErrorKind::UnknownStatement(statement_id.to_owned())),
                Some(None) => return Err(ErrorKind::NotPublished(statement_id.to_owned())),
                Some(Some(_)) => {}
            }
            conn.execute(
                "UPDATE statements SET picked_up_at = COALESCE(picked_up_at, ?2) WHERE statement_id = ?1",
                params![statement_id, timestamp(at)],
            )?;
            Ok(())
        })
    }

    /// Every recorded statement not yet published, per account in sequence order: what
    /// recovery must finish before anything new is fetched.
    pub fn unpublished(&self) -> Result<Vec<OutboxItem>, LedgerError> {
        self.read(|conn| outbox_items(conn, "WHERE published_at IS NULL", &[]))
    }

    /// The account's statements not yet published, in sequence order.
    pub fn unpublished_for(&self, account_key: &str) -> Result<Vec<OutboxItem>, LedgerError> {
        self.read(|conn| {
            outbox_items(
                conn,
                "WHERE published_at IS NULL AND account_key = ?1",
                &[account_key],
            )
        })
    }

    /// A recorded statement, published or not (with its XML).
    pub fn statement(&self, statement_id: &str) -> Result<Option<OutboxItem>, LedgerError> {
        self.read(|conn| Ok(outbox_items(conn, "WHERE statement_id = ?1", &[statement_id])?.pop()))
    }

    /// Published files the ERP has not taken yet (oldest first).
    pub fn awaiting_pickup(&self) -> Result<Vec<PublishedFile>, LedgerError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT statement_id, account_key, file_name, drop_dir, published_at FROM statements
                 WHERE published_at IS NOT NULL AND picked_up_at IS NULL
                 ORDER BY published_at, account_key, seq",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })?;
            rows.map(|row| {
                let (statement_id, account_key, file_name, drop_dir, published_at) = row?;
                Ok(PublishedFile {
                    statement_id,
                    account_key,
                    file_name,
                    drop_dir: PathBuf::from(drop_dir),
                    published_at: parse_timestamp("statements.published_at", &published_at)?,
                })
            })
            .collect()
        })
    }

    /// Whether the Ponto transaction was already exported for the account.
    pub fn is_exported(&self, account_key: &str, ponto_id: &str) -> Result<bool, LedgerError> {
        Ok(self.exported_in(account_key, ponto_id)?.is_some())
    }

    /// The statement the Ponto transaction was exported in, if it was.
    pub fn exported_in(
        &self,
        account_key: &str,
        ponto_id: &str,
    ) -> Result<Option<String>, LedgerError> {
        self.read(|conn| exported_in(conn, account_key, ponto_id))
    }

    /// All Ponto ids never to deliver for the account (one query; fine for 100,000s):
    /// the exported ones, and those delivered elsewhere or held for review.
    pub fn exported_ids(&self, account_key: &str) -> Result<HashSet<String>, LedgerError> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT ponto_id FROM exported_transactions WHERE account_key = ?1")?;
            let rows = stmt.query_map([account_key], |row| row.get::<_, String>(0))?;
            let mut ids = rows.collect::<Result<HashSet<_>, _>>()?;
            ids.extend(super::relisting::other_known_ids(conn, account_key)?);
            Ok(ids)
        })
    }

    /// What the transaction looked like when exported (the summary given then, or the
    /// one given with its last recorded change).
    pub fn exported_summary(
        &self,
        account_key: &str,
        ponto_id: &str,
    ) -> Result<Option<String>, LedgerError> {
        self.read(|conn| {
            let summary: Option<Option<String>> = conn
                .query_row(
                    "SELECT summary FROM exported_transactions WHERE account_key = ?1 AND ponto_id = ?2",
                    [account_key, ponto_id],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(summary.flatten())
        })
    }

    /// Logs that Ponto changed an exported transaction (it is never exported again),
    /// and keeps `new_summary` so the same change is not logged again on the next run.
    pub fn record_change(
        &self,
        account_key: &str,
        ponto_id: &str,
        changes: &str,
        new_summary: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let updated = tx.execute(
                "UPDATE exported_transactions SET summary = COALESCE(?3, summary)
                 WHERE account_key = ?1 AND ponto_id = ?2",
                params![account_key, ponto_id, new_summary],
            )?;
            if updated == 0 {
                return Err(ErrorKind::NotExported {
                    account: account_key.to_owned(),
                    ponto_id: ponto_id.to_owned(),
                });
            }
            tx.execute(
                "INSERT INTO changed_transactions (account_key, ponto_id, detected_at, changes)
                 VALUES (?1, ?2, ?3, ?4)",
                params![account_key, ponto_id, timestamp(at), changes],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The logged changes of the account's exported transactions, oldest first.
    pub fn changed_transactions(
        &self,
        account_key: &str,
    ) -> Result<Vec<ChangedTransaction>, LedgerError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT ponto_id, detected_at, changes FROM changed_transactions
                 WHERE account_key = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([account_key], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            rows.map(|row| {
                let (ponto_id, detected_at, changes) = row?;
                Ok(ChangedTransaction {
                    ponto_id,
                    detected_at: parse_timestamp("changed_transactions.detected_at", &detected_at)?,
                    changes,
                })
            })
            .collect()
        })
    }
}

fn check_statement(
    conn: &Connection,
    account_key: &str,
    statement: &PlannedStatement,
) -> Result<(), ErrorKind> {
    let account = require_account(conn, account_key)?;
    if statement.transaction_ids.is_empty() {
        return Err(ErrorKind::EmptyStatement(statement.id.clone()));
    }
    let expected = account.statement_count + 1;
    if statement.seq != expected {
        return Err(ErrorKind::SequenceMismatch {
            account: account_key.to_owned(),
            statement_id: statement.id.clone(),
            expected,
            given: statement.seq,
        });
    }
    if let Some(previous_closing) = account.last_closing
        && previous_closing != statement.opening
    {
        return Err(ErrorKind::BrokenChain {
            account: account_key.to_owned(),
            statement_id: statement.id.clone(),
            previous_closing,
            opening: statement.opening,
        });
    }
    check_transactions_are_new(conn, account_key, statement)?;
    check_names_are_free(conn, statement)
}

fn check_transactions_are_new(
    conn: &Connection,
    account_key: &str,
    statement: &PlannedStatement,
) -> Result<(), ErrorKind> {
    let mut seen = HashSet::with_capacity(statement.transaction_ids.len());
    for ponto_id in &statement.transaction_ids {
        if !seen.insert(ponto_id.as_str()) {
            return Err(ErrorKind::DuplicateInStatement {
                ponto_id: ponto_id.clone(),
                statement_id: statement.id.clone(),
            });
        }
        if let Some(statement_id) = exported_in(conn, account_key, ponto_id)? {
            return Err(ErrorKind::AlreadyExported {
                account: account_key.to_owned(),
                ponto_id: ponto_id.clone(),
                statement_id,
            });
        }
    }
    Ok(())
}

fn check_names_are_free(conn: &Connection, statement: &PlannedStatement) -> Result<(), ErrorKind> {
    let id_taken = conn
        .query_row(
            "SELECT 1 FROM statements WHERE statement_id = ?1",
            [&statement.id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if id_taken {
        return Err(ErrorKind::DuplicateStatementId(statement.id.clone()));
    }
    let name_taken = conn
        .query_row(
            "SELECT 1 FROM statements WHERE drop_dir = ?1 AND file_name = ?2",
            [path_text(&statement.drop_dir)?, &statement.file_name],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if name_taken {
        return Err(ErrorKind::DuplicateFileName {
            drop_dir: statement.drop_dir.clone(),
            file_name: statement.file_name.clone(),
        });
    }
    Ok(())
}

fn insert_statement(
    conn: &Connection,
    account_key: &str,
    statement: &PlannedStatement,
    at: DateTime<Utc>,
) -> Result<(), ErrorKind> {
    let now = timestamp(at);
    let count = i64::try_from(statement.transaction_ids.len())
        .map_err(|_| ErrorKind::Corrupt("too many transactions".to_owned()))?;
    let seq = i64::try_from(statement.seq)
        .map_err(|_| ErrorKind::Corrupt("sequence number too large".to_owned()))?;
    conn.execute(
        "INSERT INTO statements (statement_id, account_key, seq, file_name, drop_dir, xml, opening, closing,
                                 transaction_count, created_at, xml_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            statement.id,
            account_key,
            seq,
            statement.file_name,
            path_text(&statement.drop_dir)?,
            statement.xml,
            statement.opening.to_string(),
            statement.closing.to_string(),
            count,
            now,
            sha256(&statement.xml).as_slice(),
        ],
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO exported_transactions (account_key, ponto_id, statement_id, summary, ponto_account_id, match_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for ponto_id in &statement.transaction_ids {
        insert.execute(params![
            account_key,
            ponto_id,
            statement.id,
            statement.summaries.get(ponto_id),
            statement.ponto_account_id,
            statement.match_keys.get(ponto_id),
        ])?;
    }
    conn.execute(
        "UPDATE accounts SET statement_count = ?2, last_closing = ?3, last_statement_id = ?4,
                             opened_at = COALESCE(opened_at, ?5)
         WHERE key = ?1",
        params![
            account_key,
            seq,
            statement.closing.to_string(),
            statement.id,
            now
        ],
    )?;
    Ok(())
}

fn exported_in(
    conn: &Connection,
    account_key: &str,
    ponto_id: &str,
) -> Result<Option<String>, ErrorKind> {
    let mut stmt = conn.prepare_cached(
        "SELECT statement_id FROM exported_transactions WHERE account_key = ?1 AND ponto_id = ?2",
    )?;
    Ok(stmt
        .query_row([account_key, ponto_id], |row| row.get(0))
        .optional()?)
}

/// The SHA-256 of a statement's XML, as stored with it.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// A step of the publish protocol that the ledger notes with its time.
enum Step {
    Staged,
    Renaming,
    Published,
}

/// Notes a step's time; marking it again keeps the first time.
fn set_time_once(
    conn: &Connection,
    step: Step,
    statement_id: &str,
    at: DateTime<Utc>,
) -> Result<(), ErrorKind> {
    // Column names cannot be bound parameters; these two are fixed strings.
    let sql = match step {
        Step::Staged => {
            "UPDATE statements SET staged_at = COALESCE(staged_at, ?2) WHERE statement_id = ?1"
        }
        Step::Renaming => {
            "UPDATE statements SET renaming_at = COALESCE(renaming_at, ?2) WHERE statement_id = ?1"
        }
        Step::Published => {
            "UPDATE statements SET published_at = COALESCE(published_at, ?2) WHERE statement_id = ?1"
        }
    };
    let changed = conn.execute(sql, params![statement_id, timestamp(at)])?;
    if changed == 0 {
        return Err(ErrorKind::UnknownStatement(statement_id.to_owned()));
    }
    Ok(())
}

fn outbox_items(
    conn: &Connection,
    filter: &str,
    args: &[&str],
) -> Result<Vec<OutboxItem>, ErrorKind> {
    let mut stmt = conn.prepare(&format!(
        "SELECT statement_id, account_key, seq, file_name, drop_dir, xml, opening, closing, transaction_count,
                created_at, staged_at, renaming_at, xml_sha256
         FROM statements {filter} ORDER BY account_key, seq"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |row| {
        Ok(OutboxRow {
            statement_id: row.get(0)?,
            account_key: row.get(1)?,
            seq: row.get(2)?,
            file_name: row.get(3)?,
            drop_dir: row.get(4)?,
            xml: row.get(5)?,
            opening: row.get(6)?,
            closing: row.get(7)?,
            transaction_count: row.get(8)?,
            created_at: row.get(9)?,
            staged_at: row.get(10)?,
            renaming_at: row.get(11)?,
            xml_sha256: row.get(12)?,
        })
    })?;
    rows.map(|row| row.map_err(ErrorKind::from).and_then(OutboxRow::into_item))
        .collect()
}

struct OutboxRow {
    statement_id: String,
    account_key: String,
    seq: i64,
    file_name: String,
    drop_dir: String,
    xml: Vec<u8>,
    opening: String,
    closing: String,
    transaction_count: i64,
    created_at: String,
    staged_at: Option<String>,
    renaming_at: Option<String>,
    xml_sha256: Option<Vec<u8>>,
}

impl OutboxRow {
    fn into_item(self) -> Result<OutboxItem, ErrorKind> {
        Ok(OutboxItem {
            seq: to_u64("statements.seq", self.seq)?,
            opening: parse_decimal("statements.opening", &self.opening)?,
            closing: parse_decimal("statements.closing", &self.closing)?,
            transaction_count: to_u64("statements.transaction_count", self.transaction_count)?,
            created_at: parse_timestamp("statements.created_at", &self.created_at)?,
            account_key: self.account_key,
            file_name: self.file_name,
            drop_dir: PathBuf::from(self.drop_dir),
            xml: self.xml,
            staged: self.staged_at.is_some(),
            renaming: self.renaming_at.is_some(),
            xml_sha256: self
                .xml_sha256
                .map(|hash| {
                    <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| {
                        ErrorKind::Corrupt(format!(
                            "statements.xml_sha256 of {} is not 32 bytes",
                            self.statement_id
                        ))
                    })
                })
                .transpose()?,
            statement_id: self.statement_id,
        })
    }
}

// Used by status for the oldest waiting file.
pub(super) fn oldest_waiting(
    conn: &Connection,
    account_key: &str,
) -> Result<(u64, Option<DateTime<Utc>>), ErrorKind> {
    let (count, oldest): (i64, Option<String>) = conn.query_row(
        "SELECT COUNT(*), MIN(published_at) FROM statements
         WHERE account_key = ?1 AND published_at IS NOT NULL AND picked_up_at IS NULL",
        [account_key],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok((
        to_u64("waiting files", count)?,
        parse_optional_timestamp("statements.published_at", oldest)?,
    ))
}

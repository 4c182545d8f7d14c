//! What the ledger keeps for accounts Ponto replaced (a bank re-authorization lists the
//! history again under new transaction ids) and for accounts another program served
//! before: transactions delivered from the replaced account, re-listings recorded as
//! known, transactions held for an operator's review, and transactions delivered
//! elsewhere (`start_after_id`).

use super::{ErrorKind, Ledger, LedgerError, parse_timestamp, timestamp};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// A transaction delivered from another Ponto account than the current one, not yet
/// matched by a re-listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldExport {
    pub ponto_id: String,
    pub ponto_account_id: String,
    /// What identifies it across a re-listing (set since schema version 5).
    pub match_key: Option<String>,
    /// What it looked like when exported (for older rows without a match key).
    pub summary: Option<String>,
}

/// A transaction held back until an operator decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewHold {
    pub account_key: String,
    pub ponto_id: String,
    pub held_at: DateTime<Utc>,
    pub reason: String,
}

/// What the operator decided for a held transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    /// Deliver it: it is not a re-listing.
    Accepted,
    /// Never deliver it: it is a re-listing of a delivered transaction.
    Dismissed,
}

impl ReviewDecision {
    fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Accepted => "accepted",
            ReviewDecision::Dismissed => "dismissed",
        }
    }
}

impl Ledger {
    /// The account's transactions delivered from a Ponto account other than `current`
    /// that no re-listing has matched yet.
    pub fn old_exports(&self, key: &str, current: &str) -> Result<Vec<OldExport>, LedgerError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT e.ponto_id, e.ponto_account_id, e.match_key, e.summary
                 FROM exported_transactions e
                 WHERE e.account_key = ?1 AND e.ponto_account_id IS NOT NULL
                   AND e.ponto_account_id <> ?2 AND e.relisted_from IS NULL
                   AND NOT EXISTS (SELECT 1 FROM exported_transactions r
                                   WHERE r.account_key = e.account_key AND r.relisted_from = e.ponto_id)",
            )?;
            let rows = stmt.query_map(params![key, current], |row| {
                Ok(OldExport {
                    ponto_id: row.get(0)?,
                    ponto_account_id: row.get(1)?,
                    match_key: row.get(2)?,
                    summary: row.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Records `ponto_id` (of the Ponto account `ponto_account_id`) as a re-listing of
    /// the delivered `old_id`: known from now on, in the statement that has `old_id`.
    pub fn record_relisted(
        &self,
        key: &str,
        ponto_id: &str,
        ponto_account_id: &str,
        old_id: &str,
        summary: &str,
        match_key: &str,
    ) -> Result<(), LedgerError> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let statement: String = tx
                .query_row(
                    "SELECT statement_id FROM exported_transactions WHERE account_key = ?1 AND ponto_id = ?2",
                    params![key, old_id],
                    |row| row.get(0),
                )
                .optional()?
                .ok_or_else(|| ErrorKind::Corrupt(format!("no exported transaction {old_id}")))?;
            tx.execute(
                "INSERT OR IGNORE INTO exported_transactions
                     (account_key, ponto_id, statement_id, summary, ponto_account_id, match_key, relisted_from)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![key, ponto_id, statement, summary, ponto_account_id, match_key, old_id],
            )?;
            tx.execute(
                "DELETE FROM review_holds WHERE account_key = ?1 AND ponto_id = ?2",
                params![key, ponto_id],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Holds a transaction back for review (a second hold of the same one is ignored).
    pub fn hold_for_review(
        &self,
        key: &str,
        ponto_id: &str,
        ponto_account_id: &str,
        reason: &str,
        transaction_json: &str,
        at: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.with_conn(|conn| {
            conn.execute(
                "INSERT OR IGNORE INTO review_holds
                     (account_key, ponto_id, ponto_account_id, held_at, reason, transaction_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    key,
                    ponto_id,
                    ponto_account_id,
                    timestamp(at),
                    reason,
                    transaction_json
                ],
            )?;
            Ok(())
        })
    }

    /// The ids of every account's transactions held and not decided yet.
    pub fn undecided_holds(&self) -> Result<std::collections::HashSet<String>, LedgerError> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT ponto_id FROM review_holds WHERE decision IS NULL")?;
            let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Records the operator's decision on a held transaction (any account); the
    /// account's key when it was held and undecided, `None` otherwise.
    pub fn decide_review(
        &self,
        ponto_id: &str,
        decision: ReviewDecision,
        at: DateTime<Utc>,
    ) -> Result<Option<String>, LedgerError> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let key: Option<String> = tx
                .query_row(
                    "SELECT account_key FROM review_holds WHERE ponto_id = ?1 AND decision IS NULL",
                    [ponto_id],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(key) = &key {
                tx.execute(
                    "UPDATE review_holds SET decision = ?3, decided_at = ?4
                     WHERE account_key = ?1 AND ponto_id = ?2",
                    params![key, ponto_id, decision.as_str(), timestamp(at)],
                )?;
            }
            tx.commit()?;
            Ok(key)
        })
    }

    /// The transactions (as read, JSON) an operator accepted that are not delivered yet.
    pub fn accepted_holds(&self, key: &str) -> Result<Vec<(String, String)>, LedgerError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT h.ponto_id, h.transaction_json FROM review_holds h
                 WHERE h.account_key = ?1 AND h.decision = 'accepted'
                   AND NOT EXISTS (SELECT 1 FROM exported_transactions e
                                   WHERE e.account_key = h.account_key AND e.ponto_id = h.ponto_id)
                 ORDER BY h.held_at, h.ponto_id",
            )?;
            let rows = stmt.query_map([key], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Records transactions another program delivered (never delivered by this one).
    pub fn record_delivered_elsewhere(&self, key: &str, ids: &[String]) -> Result<(), LedgerError> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR IGNORE INTO delivered_elsewhere (account_key, ponto_id) VALUES (?1, ?2)",
                )?;
                for id in ids {
                    insert.execute(params![key, id])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }
}

/// The account's undecided holds, oldest first (none in a ledger older than version 5).
pub(super) fn pending_holds(conn: &Connection, key: &str) -> Result<Vec<ReviewHold>, ErrorKind> {
    if !has_table(conn, "review_holds")? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(
        "SELECT ponto_id, held_at, reason FROM review_holds
         WHERE account_key = ?1 AND decision IS NULL ORDER BY held_at, ponto_id",
    )?;
    let rows = stmt.query_map([key], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (ponto_id, held_at, reason) = row?;
        Ok(ReviewHold {
            account_key: key.to_owned(),
            ponto_id,
            held_at: parse_timestamp("review_holds.held_at", &held_at)?,
            reason,
        })
    })
    .collect()
}

/// Ids never to deliver besides the exported ones: delivered elsewhere, or held for
/// review (undecided, dismissed, or accepted: those are delivered from the hold).
pub(super) fn other_known_ids(conn: &Connection, key: &str) -> Result<Vec<String>, ErrorKind> {
    let mut stmt = conn.prepare(
        "SELECT ponto_id FROM delivered_elsewhere WHERE account_key = ?1
         UNION SELECT ponto_id FROM review_holds WHERE account_key = ?1",
    )?;
    let rows = stmt.query_map([key], |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn has_table(conn: &Connection, name: &str) -> Result<bool, ErrorKind> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
        [name],
        |row| row.get(0),
    )?)
}

//! What Ponto last said about an account's link to its bank, kept for `status`.

use super::{ErrorKind, Ledger, LedgerError, parse_optional_timestamp, parse_timestamp, timestamp};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// An account's consent and synchronization as Ponto described them at `observed_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankLink {
    pub observed_at: DateTime<Utc>,
    pub ponto_account_id: String,
    pub consent_expires_at: Option<DateTime<Utc>>,
    pub synchronized_at: Option<DateTime<Utc>>,
    /// `meta.availability` (`available`, `unavailable`, …).
    pub availability: Option<String>,
    pub deprecated: bool,
    /// The latest synchronization's `status` (`success`, `error`, …).
    pub sync_status: Option<String>,
    /// The latest synchronization's `errors`, as compact JSON (bounded), when any.
    pub sync_errors: Option<String>,
}

impl Ledger {
    /// Replaces what is known of the account's bank link.
    pub fn record_bank_link(&self, key: &str, link: &BankLink) -> Result<(), LedgerError> {
        self.with_conn(|conn| {
            conn.execute(
                "INSERT OR REPLACE INTO bank_links (account_key, observed_at, ponto_account_id,
                     consent_expires_at, synchronized_at, availability, deprecated, sync_status, sync_errors)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    key,
                    timestamp(link.observed_at),
                    link.ponto_account_id,
                    link.consent_expires_at.map(timestamp),
                    link.synchronized_at.map(timestamp),
                    link.availability,
                    link.deprecated,
                    link.sync_status,
                    link.sync_errors,
                ],
            )?;
            Ok(())
        })
    }
}

/// The account's recorded bank link; none before the first fetch that saw the account
/// (or in a ledger written before schema version 5, which has no such table).
pub(super) fn bank_link(conn: &Connection, key: &str) -> Result<Option<BankLink>, ErrorKind> {
    if !super::relisting::has_table(conn, "bank_links")? {
        return Ok(None);
    }
    let row = conn
        .query_row(
            "SELECT observed_at, ponto_account_id, consent_expires_at, synchronized_at,
                    availability, deprecated, sync_status, sync_errors
             FROM bank_links WHERE account_key = ?1",
            [key],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, bool>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<String>>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((observed, id, consent, synced, availability, deprecated, status, errors)) = row
    else {
        return Ok(None);
    };
    Ok(Some(BankLink {
        observed_at: parse_timestamp("bank_links.observed_at", &observed)?,
        ponto_account_id: id,
        consent_expires_at: parse_optional_timestamp("bank_links.consent_expires_at", consent)?,
        synchronized_at: parse_optional_timestamp("bank_links.synchronized_at", synced)?,
        availability,
        deprecated,
        sync_status: status,
        sync_errors: errors,
    }))
}

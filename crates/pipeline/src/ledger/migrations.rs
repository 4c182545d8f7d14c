//! Versioned schema migrations, counted in `PRAGMA user_version`. Migration N brings
//! the database from version N-1 to N; each runs in its own transaction together with
//! the version bump, so a crash leaves the database at a whole version. To change the
//! schema, add a file and a line to [`MIGRATIONS`]; never edit a released one.

use super::ErrorKind;
use rusqlite::{Connection, TransactionBehavior};

const MIGRATIONS: &[&str] = &[
    include_str!("0001_init.sql"),
    include_str!("0002_picked_up.sql"),
    include_str!("0003_staged.sql"),
    include_str!("0004_checked_delivery.sql"),
    include_str!("0005_bank_links_and_relisting.sql"),
];

/// The schema version this program writes.
pub(super) const LATEST: u32 = MIGRATIONS.len() as u32;

pub(super) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Applies the migrations after the database's version, up to `target`.
pub(super) fn migrate(conn: &mut Connection, target: u32) -> Result<(), ErrorKind> {
    // IMMEDIATE: two processes opening a fresh ledger at once must not both migrate.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    if found > LATEST {
        return Err(ErrorKind::TooNew {
            found,
            supported: LATEST,
        });
    }
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(found as usize)
    {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

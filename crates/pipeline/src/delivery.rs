//! Delivery of recorded statements from the ledger's outbox into the drop folder, and
//! recovery after a crash. The protocol, each step durable before the next:
//!
//! 1. the statement is recorded in the ledger (with its XML and its transaction ids);
//! 2. its file is written under a hidden temporary name in the drop folder and synced;
//! 3. the ledger notes it as *staged*;
//! 4. the file is renamed to its final name (the ERP sees it whole, or not at all) and
//!    the folder is synced;
//! 5. the ledger notes it as *published*.
//!
//! Recovery of an unpublished statement: not staged → write it again from step 2 (a
//! partial temporary file is overwritten); staged and the temporary file still there →
//! rename it; staged and the temporary file gone → the rename happened (the ERP may even
//! have taken the file): only note it as published. So a crash anywhere neither loses a
//! statement nor delivers one twice.

use crate::crash::{self, CrashPoint};
use crate::ledger::{Ledger, LedgerError, OutboxItem};
use crate::publish::{sync_dir, temporary_name};
use chrono::{DateTime, Utc};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("{}: cannot deliver statement {statement}: {source}", path.display())]
    Io {
        statement: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Takes a recorded statement through steps 2-5 (or what is left of them).
pub fn deliver(
    ledger: &Ledger,
    item: &OutboxItem,
    now: DateTime<Utc>,
) -> Result<PathBuf, DeliveryError> {
    let temp = item.drop_dir.join(temporary_name(&item.file_name));
    let target = item.drop_dir.join(&item.file_name);
    let io_error = |path: &PathBuf, source| DeliveryError::Io {
        statement: item.statement_id.clone(),
        path: path.clone(),
        source,
    };
    if !item.staged {
        write_synced(&temp, &item.xml).map_err(|e| io_error(&temp, e))?;
        crash::point(CrashPoint::AfterStageWrite);
        ledger.mark_staged(&item.statement_id, now)?;
        crash::point(CrashPoint::AfterStaged);
    }
    if item.staged && !temp.exists() {
        tracing::info!(statement = %item.statement_id, "already renamed into place before a restart");
    } else {
        fs::rename(&temp, &target).map_err(|e| io_error(&target, e))?;
        sync_dir(&item.drop_dir).map_err(|e| io_error(&item.drop_dir, e))?;
        crash::point(CrashPoint::AfterRename);
    }
    ledger.mark_published(&item.statement_id, now)?;
    crash::point(CrashPoint::AfterPublished);
    Ok(target)
}

fn write_synced(path: &PathBuf, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    let folder = path
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    sync_dir(&folder)
}

/// Finishes every statement a previous run recorded but did not publish.
pub fn recover(ledger: &Ledger, now: DateTime<Utc>) -> Result<Vec<PathBuf>, DeliveryError> {
    let mut delivered = Vec::new();
    for item in ledger.unpublished()? {
        tracing::warn!(statement = %item.statement_id, file = %item.file_name, "finishing a delivery interrupted earlier");
        delivered.push(deliver(ledger, &item, now)?);
    }
    Ok(delivered)
}

/// Notes the published files the ERP has taken away since the last look.
pub fn note_pickups(ledger: &Ledger, now: DateTime<Utc>) -> Result<(), LedgerError> {
    for file in ledger.awaiting_pickup()? {
        if !file.drop_dir.join(&file.file_name).exists() {
            ledger.mark_picked_up(&file.statement_id, now)?;
        }
    }
    Ok(())
}

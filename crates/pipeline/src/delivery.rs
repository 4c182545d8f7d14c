//! Delivery of recorded statements from the ledger's outbox into the drop folder, and
//! recovery after a crash. The protocol, each step durable before the next:
//!
//! 1. the statement is recorded in the ledger with its XML, the XML's SHA-256 and its
//!    transaction ids;
//! 2. the XML is checked against its SHA-256, written under a hidden temporary name in
//!    the drop folder (always a new file: never through a symlink, never into an existing
//!    file), synced, read back and checked again;
//! 3. the ledger notes it as *staged*;
//! 4. the ledger notes that the rename starts (*renaming*); the file is renamed to its
//!    final name with a rename that never replaces a file (the ERP sees it whole or not
//!    at all, and a file of that name that is not ours stays as it is), and the folder is
//!    synced;
//! 5. the ledger notes it as *published*.
//!
//! Recovery of an unpublished statement decides with what the drop folder shows and the
//! ledger knows, in this order:
//!
//! - a file of the final name holding exactly the statement's bytes is ours, renamed
//!   before an interruption: the statement is only noted as published. A file of that
//!   name with other bytes (or a link, or a folder) is a clash: it is left alone, the
//!   statement stays in the outbox and the run fails ([`DeliveryError::Clash`], exit 74)
//!   until someone moves the file away;
//! - no file of the final name, the rename started and the hidden file gone: the rename
//!   happened and the ERP has taken the file since — noted as published;
//! - anything else (not staged; staged but the rename never started, even if the hidden
//!   file was removed since; the hidden file still there): the ERP never saw the file,
//!   so it is written again from step 2.
//!
//! The one state recovery cannot see through is a crash between noting *renaming* and
//! the rename itself (a single system call, no I/O in between) after which someone
//! removes the hidden file: it is taken as delivered. Every other interruption is told
//! apart exactly, so none loses a statement or delivers one twice. A rename that fails
//! is noted as not started again before its hidden file is removed. (On a file system
//! without `RENAME_NOREPLACE` the rename is a link and an unlink: a crash between the
//! two, the ERP taking the file before the next run, and that run writes it again.)
//!
//! A statement whose XML does not match its SHA-256 is never written: the ledger keeps
//! its transactions' ids, not their data, so it cannot be rendered again, and that
//! account's delivery stops with [`DeliveryError::Damaged`]. A written file that reads
//! back different is written once more from the (checked) ledger copy before delivery
//! gives up. Statements recorded before the ledger kept a checksum are checked by reading
//! them as camt.053: one statement with as many entries as it has transactions.

use crate::crash::{self, CrashPoint};
use crate::ledger::{self, Ledger, LedgerError, OutboxItem};
use crate::publish::{create_new, rename_noreplace, sync_dir, temporary_name};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("{}: cannot deliver statement {statement}: {source}", path.display())]
    Io {
        statement: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A file of the statement's name is in the drop folder and is not the statement.
    #[error(
        "{}: a file of that name is already in the drop folder and is not statement {statement}; it is never replaced, and the statement waits in the outbox until that file is moved away",
        path.display()
    )]
    Clash { statement: String, path: PathBuf },
    /// The XML kept in the ledger is not what was recorded.
    #[error(
        "statement {statement} of account {account}: the copy kept in the ledger is damaged ({problem}); nothing was delivered, and its {transactions} transaction(s), recorded as exported, are not in the drop folder"
    )]
    Damaged {
        statement: String,
        account: String,
        transactions: u64,
        problem: String,
    },
    /// The written file read back different, twice.
    #[error(
        "{}: statement {statement} read back different from what was written, twice; nothing was delivered (is the disk failing?)",
        path.display()
    )]
    WrittenDiffers { statement: String, path: PathBuf },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// The two names of a statement's file in its drop folder.
struct Names {
    hidden: PathBuf,
    target: PathBuf,
}

impl Names {
    fn of(item: &OutboxItem) -> Names {
        Names {
            hidden: item.drop_dir.join(temporary_name(&item.file_name)),
            target: item.drop_dir.join(&item.file_name),
        }
    }
}

/// What is at the statement's final name.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    Nothing,
    /// A regular file with exactly the statement's bytes.
    Ours,
    Foreign,
}

/// Takes a recorded statement through steps 2-5, or finishes what an interrupted run
/// left of them (see the module doc). New files get `file_mode`.
pub fn deliver(
    ledger: &Ledger,
    item: &OutboxItem,
    file_mode: u32,
    now: DateTime<Utc>,
) -> Result<PathBuf, DeliveryError> {
    let digest = checked_digest(item)?;
    let names = Names::of(item);
    match found_at(&names.target, &digest).map_err(|e| io_error(item, &names.target, e))? {
        Found::Ours => {
            tracing::info!(statement = %item.statement_id, "already renamed into place before a restart");
            remove_if_there(&names.hidden).map_err(|e| io_error(item, &names.hidden, e))?;
            return mark_published(ledger, item, names.target, now);
        }
        Found::Foreign => return Err(clash(ledger, item, &names)),
        Found::Nothing => {}
    }
    if item.renaming && !exists(&names.hidden) {
        tracing::info!(statement = %item.statement_id, "renamed into place before a restart, and taken by the ERP since");
        return mark_published(ledger, item, names.target, now);
    }
    stage(ledger, item, &names.hidden, &digest, file_mode, now)?;
    rename_into_place(ledger, item, &names, &digest, now)?;
    mark_published(ledger, item, names.target, now)
}

fn mark_published(
    ledger: &Ledger,
    item: &OutboxItem,
    target: PathBuf,
    now: DateTime<Utc>,
) -> Result<PathBuf, DeliveryError> {
    ledger.mark_published(&item.statement_id, now)?;
    crash::point(CrashPoint::AfterPublished);
    Ok(target)
}

/// Steps 2 and 3: the hidden file, written, checked and synced; then noted as staged.
fn stage(
    ledger: &Ledger,
    item: &OutboxItem,
    hidden: &Path,
    digest: &[u8; 32],
    file_mode: u32,
    now: DateTime<Utc>,
) -> Result<(), DeliveryError> {
    write_checked(item, hidden, digest, file_mode)?;
    crash::point(CrashPoint::AfterStageWrite);
    ledger.mark_staged(&item.statement_id, now)?;
    crash::point(CrashPoint::AfterStaged);
    Ok(())
}

/// Writes the hidden file and reads it back; a file that reads back different is
/// written once more from the ledger's copy. Nothing is left behind on failure.
fn write_checked(
    item: &OutboxItem,
    hidden: &Path,
    digest: &[u8; 32],
    file_mode: u32,
) -> Result<(), DeliveryError> {
    for attempt in 1..=2 {
        let written = write_synced(hidden, &item.xml, file_mode)
            .and_then(|()| file_digest(hidden).map(|read| read == *digest));
        match written {
            Ok(true) => return Ok(()),
            Ok(false) => {
                tracing::warn!(statement = %item.statement_id, file = %hidden.display(), attempt,
                    "the written file reads back different; writing it again");
            }
            Err(e) => {
                let _ = fs::remove_file(hidden);
                return Err(io_error(item, hidden, e));
            }
        }
    }
    let _ = fs::remove_file(hidden);
    Err(DeliveryError::WrittenDiffers {
        statement: item.statement_id.clone(),
        path: hidden.to_path_buf(),
    })
}

/// Step 4. A rename that fails did not happen: that is noted before the hidden file is
/// removed, so that recovery never takes the missing hidden file for a rename.
fn rename_into_place(
    ledger: &Ledger,
    item: &OutboxItem,
    names: &Names,
    digest: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<(), DeliveryError> {
    ledger.mark_renaming(&item.statement_id, now)?;
    if let Err(e) = rename_noreplace(&names.hidden, &names.target) {
        let taken = e.kind() == io::ErrorKind::AlreadyExists;
        match found_at(&names.target, digest) {
            Ok(Found::Ours) if taken => {
                let _ = fs::remove_file(&names.hidden);
            }
            Ok(Found::Foreign) if taken => return Err(clash(ledger, item, names)),
            _ => {
                ledger.clear_renaming(&item.statement_id)?;
                let _ = fs::remove_file(&names.hidden);
                return Err(io_error(item, &names.target, e));
            }
        }
    }
    sync_dir(&item.drop_dir).map_err(|e| io_error(item, &item.drop_dir, e))?;
    crash::point(CrashPoint::AfterRename);
    Ok(())
}

/// A foreign file holds the statement's name: the rename is noted as not started and
/// our hidden file removed (the statement is written again once the name is free).
fn clash(ledger: &Ledger, item: &OutboxItem, names: &Names) -> DeliveryError {
    if let Err(e) = ledger.clear_renaming(&item.statement_id) {
        return e.into();
    }
    let _ = fs::remove_file(&names.hidden);
    DeliveryError::Clash {
        statement: item.statement_id.clone(),
        path: names.target.clone(),
    }
}

fn io_error(item: &OutboxItem, path: &Path, source: io::Error) -> DeliveryError {
    DeliveryError::Io {
        statement: item.statement_id.clone(),
        path: path.to_path_buf(),
        source,
    }
}

/// The hidden file, new (see [`create_new`]), written, synced, with its folder synced.
fn write_synced(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut file = create_new(path, Some(mode))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn remove_if_there(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Whether `path` holds exactly the bytes whose SHA-256 is `digest`.
fn found_at(path: &Path, digest: &[u8; 32]) -> io::Result<Found> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Found::Nothing),
        Err(e) => Err(e),
        Ok(meta) if !meta.file_type().is_file() => Ok(Found::Foreign),
        Ok(_) => Ok(if file_digest(path)? == *digest {
            Found::Ours
        } else {
            Found::Foreign
        }),
    }
}

/// The SHA-256 of a regular file, read in pieces. Opened without following a link and
/// without blocking (a FIFO planted under the name must not hang the run).
fn file_digest(path: &Path) -> io::Result<[u8; 32]> {
    use sha2::Digest;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buffer)? {
            0 => break,
            n => hasher.update(&buffer[..n]),
        }
    }
    Ok(hasher.finalize().into())
}

/// The SHA-256 of the statement's XML once it is known to be what was recorded.
fn checked_digest(item: &OutboxItem) -> Result<[u8; 32], DeliveryError> {
    let digest = ledger::sha256(&item.xml);
    let problem = match item.xml_sha256 {
        Some(recorded) if recorded == digest => return Ok(digest),
        Some(_) => "its XML does not match the checksum recorded with it".to_owned(),
        None => match unchecked_problem(item) {
            None => return Ok(digest),
            Some(problem) => problem,
        },
    };
    Err(DeliveryError::Damaged {
        statement: item.statement_id.clone(),
        account: item.account_key.clone(),
        transactions: item.transaction_count,
        problem,
    })
}

/// For a statement recorded without a checksum: what is wrong with its XML, if anything.
fn unchecked_problem(item: &OutboxItem) -> Option<String> {
    if let Err(e) = std::str::from_utf8(&item.xml) {
        return Some(format!("its XML is not UTF-8: {e}"));
    }
    let document = match camt053::read_document(item.xml.as_slice()) {
        Ok(document) => document,
        Err(e) => return Some(format!("its XML is not a readable camt.053 document: {e}")),
    };
    let entries: usize = document.statements.iter().map(|s| s.entries.len()).sum();
    let whole = document.statements.len() == 1 && entries as u64 == item.transaction_count;
    (!whole).then(|| {
        format!(
            "its XML holds {} statement(s) with {entries} entries, not one with {}",
            document.statements.len(),
            item.transaction_count
        )
    })
}

/// What recovery did: the files it published, and the accounts it had to stop at a
/// statement it could not deliver (their later statements wait behind it).
#[derive(Debug, Default)]
pub struct Recovery {
    pub delivered: Vec<PathBuf>,
    pub failed: Vec<(String, DeliveryError)>,
}

/// Finishes every statement a previous run recorded but did not publish, per account in
/// sequence order. An account whose statement cannot be delivered stops there (its
/// later statements must not overtake it); the other accounts go on.
pub fn recover_each(
    ledger: &Ledger,
    file_mode: u32,
    now: DateTime<Utc>,
) -> Result<Recovery, LedgerError> {
    let mut recovery = Recovery::default();
    let mut stopped = HashSet::new();
    for item in ledger.unpublished()? {
        if stopped.contains(&item.account_key) {
            continue;
        }
        tracing::warn!(statement = %item.statement_id, file = %item.file_name, "finishing a delivery interrupted earlier");
        match deliver(ledger, &item, file_mode, now) {
            Ok(path) => recovery.delivered.push(path),
            Err(error) => {
                tracing::error!(account = %item.account_key, "{error}");
                stopped.insert(item.account_key.clone());
                recovery.failed.push((item.account_key, error));
            }
        }
    }
    Ok(recovery)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{AccountInfo, PlannedStatement, account_key};
    use chrono::TimeZone;

    const MODE: u32 = 0o640;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
            .single()
            .expect("a time")
    }

    /// A ledger with one recorded statement per account for `drop`.
    fn ledger_with(state: &Path, drop: &Path, accounts: &[&str], xml: &[u8]) -> Ledger {
        let ledger = Ledger::open(state).expect("ledger");
        for (n, iban) in accounts.iter().enumerate() {
            let key = account_key(iban, "EUR");
            let info = AccountInfo {
                key: key.clone(),
                iban: (*iban).to_owned(),
                currency: "EUR".to_owned(),
                ponto_account_id: None,
            };
            ledger.ensure_account(&info, now()).expect("account");
            let planned = PlannedStatement {
                id: format!("S-{n}"),
                seq: 1,
                file_name: format!("{iban}.xml"),
                drop_dir: drop.to_path_buf(),
                xml: xml.to_vec(),
                opening: rust_decimal::Decimal::ZERO,
                closing: rust_decimal::Decimal::ONE,
                transaction_ids: vec![format!("t-{n}")],
                summaries: Default::default(),
                match_keys: Default::default(),
                ponto_account_id: None,
            };
            ledger
                .record_statement(&key, &planned, now())
                .expect("recorded");
        }
        ledger
    }

    fn only_item(ledger: &Ledger) -> OutboxItem {
        let mut items = ledger.unpublished().expect("outbox");
        assert_eq!(items.len(), 1);
        items.remove(0)
    }

    #[test]
    fn a_foreign_file_of_the_same_name_is_a_clash_and_our_own_is_recognised() {
        let dir = tempfile::tempdir().expect("dir");
        let drop = dir.path().join("drop");
        fs::create_dir(&drop).expect("drop");
        let ledger = ledger_with(&dir.path().join("state"), &drop, &["A"], b"<ours/>");
        let target = drop.join("A.xml");
        fs::write(&target, "theirs").expect("foreign");
        let err = deliver(&ledger, &only_item(&ledger), MODE, now()).expect_err("a clash");
        assert!(matches!(err, DeliveryError::Clash { .. }), "{err}");
        assert_eq!(fs::read_to_string(&target).expect("kept"), "theirs");
        assert_eq!(
            fs::read_dir(&drop).expect("drop").count(),
            1,
            "no leftovers"
        );

        // Our own bytes under the name: an earlier rename; only noted as published.
        fs::write(&target, "<ours/>").expect("ours");
        deliver(&ledger, &only_item(&ledger), MODE, now()).expect("recognised");
        assert!(ledger.unpublished().expect("outbox").is_empty());
    }

    #[test]
    fn a_missing_hidden_file_counts_as_renamed_only_once_the_rename_started() {
        let dir = tempfile::tempdir().expect("dir");
        let drop = dir.path().join("drop");
        fs::create_dir(&drop).expect("drop");
        let ledger = ledger_with(&dir.path().join("state"), &drop, &["A"], b"<ours/>");
        // Staged, hidden file gone, rename never started: written again.
        ledger.mark_staged("S-0", now()).expect("staged");
        let path = deliver(&ledger, &only_item(&ledger), MODE, now()).expect("delivered");
        assert_eq!(fs::read(&path).expect("written"), b"<ours/>");
        let mode = fs::metadata(&path).expect("meta").permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, MODE);

        let other = tempfile::tempdir().expect("dir");
        let drop = other.path().join("drop");
        fs::create_dir(&drop).expect("drop");
        let ledger = ledger_with(&other.path().join("state"), &drop, &["A"], b"<ours/>");
        // The rename started and neither file is there: the ERP took it.
        ledger.mark_renaming("S-0", now()).expect("renaming");
        deliver(&ledger, &only_item(&ledger), MODE, now()).expect("noted");
        assert!(ledger.unpublished().expect("outbox").is_empty());
        assert_eq!(
            fs::read_dir(&drop).expect("drop").count(),
            0,
            "not written twice"
        );
    }

    #[test]
    fn a_written_file_that_reads_back_different_is_never_renamed_nor_left() {
        let dir = tempfile::tempdir().expect("dir");
        let drop = dir.path().join("drop");
        fs::create_dir(&drop).expect("drop");
        let ledger = ledger_with(&dir.path().join("state"), &drop, &["A"], b"<ours/>");
        let item = only_item(&ledger);
        let hidden = drop.join(temporary_name(&item.file_name));
        let wrong = [0u8; 32];
        let err = write_checked(&item, &hidden, &wrong, MODE).expect_err("differs");
        assert!(matches!(err, DeliveryError::WrittenDiffers { .. }), "{err}");
        assert_eq!(fs::read_dir(&drop).expect("drop").count(), 0);
    }

    #[test]
    fn a_damaged_statement_stops_its_account_and_the_others_are_delivered() {
        let dir = tempfile::tempdir().expect("dir");
        let drop = dir.path().join("drop");
        fs::create_dir(&drop).expect("drop");
        let state = dir.path().join("state");
        let ledger = ledger_with(&state, &drop, &["A", "B"], b"<ours/>");
        drop_ledger_and_damage(ledger, &state, "S-0");
        let ledger = Ledger::open(&state).expect("ledger");
        let recovery = recover_each(&ledger, MODE, now()).expect("recovery");
        assert_eq!(recovery.delivered, vec![drop.join("B.xml")]);
        assert_eq!(recovery.failed.len(), 1);
        let (account, error) = &recovery.failed[0];
        assert_eq!(account, "A/EUR");
        assert!(matches!(error, DeliveryError::Damaged { .. }), "{error}");
        assert!(error.to_string().contains("damaged"), "{error}");
        assert!(!drop.join("A.xml").exists());
    }

    fn drop_ledger_and_damage(ledger: Ledger, state: &Path, statement: &str) {
        drop(ledger);
        let conn = rusqlite::Connection::open(state.join(crate::ledger::FILE_NAME)).expect("db");
        conn.execute(
            "UPDATE statements SET xml = x'3c6f7572ff2f3e' WHERE statement_id = ?1",
            [statement],
        )
        .expect("damaged");
    }

    #[test]
    fn a_statement_recorded_without_a_checksum_is_checked_as_camt() {
        let dir = tempfile::tempdir().expect("dir");
        let drop = dir.path().join("drop");
        fs::create_dir(&drop).expect("drop");
        let ledger = ledger_with(&dir.path().join("state"), &drop, &["A"], b"<ours/>");
        let mut item = only_item(&ledger);
        item.xml_sha256 = None;
        let err = checked_digest(&item).expect_err("not camt");
        assert!(matches!(err, DeliveryError::Damaged { .. }), "{err}");

        item.xml = camt_with_entries(&dir.path().join("camt"));
        item.transaction_count = 5;
        assert_eq!(
            checked_digest(&item).expect("a whole statement"),
            ledger::sha256(&item.xml)
        );
        item.transaction_count = 4;
        assert!(
            checked_digest(&item).is_err(),
            "the entries must all be there"
        );
    }

    /// A real statement of five entries (a fixture bundle, converted).
    fn camt_with_entries(out: &Path) -> Vec<u8> {
        fs::create_dir(out).expect("out");
        let bundle = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/bundles/belgian-ordinary.json");
        let options = crate::convert::ConvertOptions {
            out_dir: out.to_path_buf(),
            stdout: false,
            grouping: crate::config::Grouping::Batch,
            time_zone: None,
            opening_balance: None,
            force: false,
            now: now(),
        };
        let (done, failures) = crate::convert::convert_all(&[bundle], &options);
        assert!(failures.is_empty(), "{failures:?}");
        fs::read(&done[0].files[0]).expect("converted")
    }
}

//! A new ledger is a deliberate act. The ledger is what remembers what was delivered: a
//! `state_dir` that is mistyped, emptied or lost would otherwise look like a first run,
//! and everything since `start_date` would be delivered again. So a new ledger is only
//! started when nothing shows an earlier one — no file of ours in a drop folder, no
//! lock, holder note or SQLite side file in the state folder — unless the operator says
//! so (`fetch --new-ledger`). A ledger file of 0 bytes is never taken for a new one.

use crate::config::Config;
use crate::ledger;
use crate::lock::LOCK_FILE;
use std::path::{Path, PathBuf};

/// What shows that this state folder had a ledger before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// A statement file this program delivered (or was delivering) into a drop folder.
    DeliveredFile(PathBuf),
    /// The state folder holds what only a run leaves (lock, holder note, WAL files).
    StateLeftover(PathBuf),
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Evidence::DeliveredFile(path) => {
                write!(f, "{} was delivered by ponto2camt", path.display())
            }
            Evidence::StateLeftover(path) => {
                write!(f, "{} is left by an earlier run", path.display())
            }
        }
    }
}

/// Whether the ledger exists, is missing, or is there but empty (truncated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerFile {
    Present,
    Missing,
    Empty(PathBuf),
}

pub fn ledger_file(state_dir: &Path) -> LedgerFile {
    let path = state_dir.join(ledger::FILE_NAME);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.len() == 0 => LedgerFile::Empty(path),
        Ok(_) => LedgerFile::Present,
        Err(_) => LedgerFile::Missing,
    }
}

/// The first sign of an earlier ledger, if any: looked for in the state folder, then in
/// every configured drop folder.
pub fn earlier_ledger(config: &Config) -> Option<Evidence> {
    state_leftover(&config.state_dir).or_else(|| delivered_file(config))
}

fn state_leftover(state_dir: &Path) -> Option<Evidence> {
    let wal = format!("{}-wal", ledger::FILE_NAME);
    let shm = format!("{}-shm", ledger::FILE_NAME);
    let holder = format!("{LOCK_FILE}.holder");
    [LOCK_FILE, holder.as_str(), wal.as_str(), shm.as_str()]
        .into_iter()
        .map(|name| state_dir.join(name))
        .find(|path| path.exists())
        .map(Evidence::StateLeftover)
}

/// Our drop file names start with the account's IBAN (`IBAN_CCY_SEQ_DAY.xml`, hidden as
/// `.IBAN_….xml.part` while written).
fn delivered_file(config: &Config) -> Option<Evidence> {
    config.accounts().find_map(|(_, account)| {
        let prefix = format!("{}_", account.iban);
        let entries = std::fs::read_dir(&account.drop_dir).ok()?;
        entries.flatten().map(|e| e.file_name()).find_map(|name| {
            let name = name.to_str()?;
            let bare = name.strip_prefix('.').unwrap_or(name);
            let ours = bare.starts_with(&prefix)
                && (bare.ends_with(".xml") || bare.ends_with(".xml.part"));
            ours.then(|| Evidence::DeliveredFile(account.drop_dir.join(name)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> Config {
        let text = "state_dir = \"state\"\ndrop_dir = \"drop\"\n[ponto]\nclient_id = \"i\"\nclient_secret = \"s\"\n\
             [[accounts]]\niban = \"BE68539007547034\"\nstart_date = \"2026-01-01\"\n";
        crate::config::parse(text, dir, &|_| None).expect("config")
    }

    #[test]
    fn a_first_run_finds_no_earlier_ledger() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("drop")).expect("drop");
        std::fs::write(dir.path().join("drop/someone-elses.xml"), "x").expect("file");
        let config = config(dir.path());
        assert_eq!(earlier_ledger(&config), None);
        assert_eq!(ledger_file(&config.state_dir), LedgerFile::Missing);
    }

    #[test]
    fn our_files_in_the_drop_folder_or_leftovers_in_the_state_folder_show_one() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("drop")).expect("drop");
        std::fs::create_dir_all(dir.path().join("state")).expect("state");
        let config = config(dir.path());
        let part = dir
            .path()
            .join("drop/.BE68539007547034_EUR_000002_2026-01-02.xml.part");
        std::fs::write(&part, "x").expect("file");
        assert_eq!(
            earlier_ledger(&config),
            Some(Evidence::DeliveredFile(part.clone()))
        );
        std::fs::remove_file(&part).expect("removed");
        let wal = dir.path().join("state/ledger.sqlite3-wal");
        std::fs::write(&wal, "").expect("wal");
        assert_eq!(earlier_ledger(&config), Some(Evidence::StateLeftover(wal)));
    }

    #[test]
    fn an_empty_ledger_file_is_not_a_new_ledger() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join(ledger::FILE_NAME), "").expect("empty");
        assert!(matches!(ledger_file(dir.path()), LedgerFile::Empty(_)));
    }
}

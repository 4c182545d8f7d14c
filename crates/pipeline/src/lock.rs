//! One process per state directory: an exclusive lock on `ponto2camt.lock`. The holder
//! writes its pid and start time into `ponto2camt.lock.holder` (by rename, so it is never
//! seen half-written), so that a second process can say who has the lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const LOCK_FILE: &str = "ponto2camt.lock";
const HOLDER_FILE: &str = "ponto2camt.lock.holder";

/// Why the state folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}: cannot create the state folder: {source}", path.display())]
    CreateFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Another process works on the same state folder (temporary: it will finish).
    #[error("another ponto2camt holds the lock on {} ({})", state_dir.display(), holder.as_deref().map(str::trim).unwrap_or("process unknown"))]
    Held {
        state_dir: PathBuf,
        /// The holder's note (`pid N since T`), when it names a live process.
        holder: Option<String>,
    },
}

/// Held until dropped (the operating system releases it if the process dies).
pub struct StateLock {
    _file: File,
    path: PathBuf,
}

impl StateLock {
    pub fn acquire(state_dir: &Path) -> Result<StateLock, LockError> {
        // The state folder holds the ledger (every counterparty, IBAN and amount).
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(state_dir)
            .map_err(|source| LockError::CreateFolder {
                path: state_dir.to_path_buf(),
                source,
            })?;
        let path = state_dir.join(LOCK_FILE);
        let io = |source: std::io::Error| LockError::Io {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io)?;
        let mut holder = None;
        for _ in 0..ATTEMPTS {
            match file.try_lock() {
                Ok(()) => {
                    write_holder(state_dir).map_err(io)?;
                    remove_stale_holder_notes(state_dir);
                    return Ok(StateLock { _file: file, path });
                }
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
            holder = live_holder(state_dir);
            if holder.is_some() {
                break;
            }
            // Just taken (no note yet) or just being let go: look again shortly.
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(LockError::Held {
            state_dir: state_dir.to_path_buf(),
            holder,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn write_holder(state_dir: &Path) -> std::io::Result<()> {
    let note = format!(
        "pid {} since {}",
        std::process::id(),
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
    );
    let temp = state_dir.join(format!("{HOLDER_FILE}.{}", std::process::id()));
    let written = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut file| std::io::Write::write_all(&mut file, note.as_bytes()))
        .and_then(|()| std::fs::rename(&temp, state_dir.join(HOLDER_FILE)));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Notes a process left half-written (`ponto2camt.lock.holder.<pid>`, killed between
/// writing and renaming): only the lock holder writes one, and that is us now.
fn remove_stale_holder_notes(state_dir: &Path) {
    let prefix = format!("{HOLDER_FILE}.");
    let Ok(entries) = std::fs::read_dir(state_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_str().is_some_and(|n| n.starts_with(&prefix)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// How often a busy lock is looked at before giving up (50 ms apart).
const ATTEMPTS: usize = 10;

/// The holder's note, when it names a process that is still running (a note left by a
/// finished run says nothing about who holds the lock now).
fn live_holder(state_dir: &Path) -> Option<String> {
    std::fs::read_to_string(state_dir.join(HOLDER_FILE))
        .ok()
        .filter(|note| names_a_live_process(note))
}

fn names_a_live_process(note: &str) -> bool {
    let pid = note
        .strip_prefix("pid ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|pid| pid.parse::<u32>().ok());
    match pid {
        Some(pid) if pid != std::process::id() => Path::new(&format!("/proc/{pid}")).exists(),
        _ => false,
    }
}

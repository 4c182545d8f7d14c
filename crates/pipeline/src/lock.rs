//! One process per state directory: an exclusive lock on `ponto2camt.lock`. The holder
//! writes its pid and start time into `ponto2camt.lock.holder` (by rename, so it is never
//! seen half-written), so that a second process can say who has the lock.

use crate::error::{CliError, ExitKind};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const LOCK_FILE: &str = "ponto2camt.lock";
const HOLDER_FILE: &str = "ponto2camt.lock.holder";

/// Held until dropped (the operating system releases it if the process dies).
pub struct StateLock {
    _file: File,
    path: PathBuf,
}

impl StateLock {
    pub fn acquire(state_dir: &Path) -> Result<StateLock, CliError> {
        std::fs::create_dir_all(state_dir).map_err(|e| {
            CliError::new(
                ExitKind::Io,
                format!(
                    "{}: cannot create the state folder: {e}",
                    state_dir.display()
                ),
            )
        })?;
        let path = state_dir.join(LOCK_FILE);
        let io =
            |e: std::io::Error| CliError::new(ExitKind::Io, format!("{}: {e}", path.display()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let mut holder = None;
        for _ in 0..ATTEMPTS {
            match file.try_lock() {
                Ok(()) => {
                    write_holder(state_dir).map_err(io)?;
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
        Err(held_by_another(state_dir, holder))
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
    std::fs::write(&temp, note)?;
    std::fs::rename(&temp, state_dir.join(HOLDER_FILE))
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

fn held_by_another(state_dir: &Path, holder: Option<String>) -> CliError {
    CliError::new(
        ExitKind::TempFail,
        format!(
            "another ponto2camt holds the lock on {} ({})",
            state_dir.display(),
            holder
                .as_deref()
                .map(str::trim)
                .unwrap_or("process unknown")
        ),
    )
    .hinted("runs may overlap when a schedule is short; this one will be picked up by the next run")
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

//! One process per state directory: an exclusive lock on `ponto2camt.lock`, with the
//! holder's pid and start time written in it so that a second process can say who has it.

use crate::error::{CliError, ExitKind};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub const LOCK_FILE: &str = "ponto2camt.lock";

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
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        if file.try_lock().is_err() {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(CliError::new(
                ExitKind::TempFail,
                format!(
                    "another ponto2camt holds the lock on {} ({})",
                    state_dir.display(),
                    if holder.is_empty() { "process unknown" } else { holder }
                ),
            )
            .hinted("runs may overlap when a schedule is short; this one will be picked up by the next run"));
        }
        let note = format!(
            "pid {} since {}",
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(note.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(StateLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

//! Standard output for results. A reader that goes away (`| head -1`) is no failure of
//! ours: once the pipe is closed, further output is dropped and the command ends as it
//! would have, with its own exit code — never "failed printing to stdout" and exit 101.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output as it is.
pub fn print(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if let Err(e) = written {
        // Nothing else to do with output that cannot be written: the reader is gone or
        // the disk is full, and the exit code still tells what the command did.
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != io::ErrorKind::BrokenPipe {
            tracing::warn!("cannot write to standard output: {e}");
        }
    }
}

/// Writes `line` and a line break.
pub fn line(line: impl std::fmt::Display) {
    print(&format!("{line}\n"));
}

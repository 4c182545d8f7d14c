//! SIGTERM and SIGINT during a one-shot command. Every step of delivery is already safe
//! to cut short (the outbox finishes it on the next run), so a run that is told to stop
//! says so in one log line and exits at once with [`INTERRUPTED`]: a systemd stop or a
//! Ctrl-C never waits for a slow Ponto read.

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The exit code of a run stopped by a signal: 75, "try again later" — the next run
/// picks up where this one stopped.
pub const INTERRUPTED: u8 = crate::error::ExitKind::TempFail.code();

/// From now on, SIGTERM or SIGINT ends the process (after one log line).
pub fn exit_on_stop_signals(what: &'static str) {
    let mut signals = match Signals::new([SIGTERM, SIGINT]) {
        Ok(signals) => signals,
        Err(e) => {
            tracing::warn!("cannot watch for SIGTERM/SIGINT: {e}");
            return;
        }
    };
    let watcher = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let name = if signal == SIGINT { "SIGINT" } else { "SIGTERM" };
                tracing::warn!(
                    "{what} stopped by {name}; nothing is half-delivered: the next run finishes what this one started"
                );
                std::process::exit(i32::from(INTERRUPTED));
            }
        });
    if let Err(e) = watcher {
        tracing::warn!("cannot watch for SIGTERM/SIGINT: {e}");
    }
}

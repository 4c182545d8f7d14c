//! Test-only crash points: `PONTO2CAMT_CRASH_AT=<point>` makes the process abort — no
//! unwinding, no cleanup, like a power cut — when it reaches that step of the publish
//! protocol. The crash-safety tests use it to prove that every step boundary recovers.

use std::sync::OnceLock;

pub const VARIABLE: &str = "PONTO2CAMT_CRASH_AT";

/// The step boundaries, in protocol order.
pub const POINTS: &[&str] = &[
    "after-record",
    "after-stage-write",
    "after-staged",
    "after-rename",
    "after-published",
];

pub fn point(name: &str) {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| std::env::var(VARIABLE).ok());
    if chosen.as_deref() == Some(name) {
        eprintln!("{VARIABLE}={name}: aborting here on purpose");
        std::process::abort();
    }
}

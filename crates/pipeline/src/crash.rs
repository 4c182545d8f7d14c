//! Test-only crash points: with the `test-hooks` feature, `PONTO2CAMT_CRASH_AT=<point>`
//! makes the process abort — no unwinding, no cleanup, like a power cut — when it
//! reaches that step of the publish protocol. The crash-safety tests use it to prove
//! that every step boundary recovers. Without the feature, [`point`] does nothing.

pub const VARIABLE: &str = "PONTO2CAMT_CRASH_AT";

/// The step boundaries of the publish protocol, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    AfterRecord,
    AfterStageWrite,
    AfterStaged,
    AfterRename,
    AfterPublished,
}

impl CrashPoint {
    pub const ALL: [CrashPoint; 5] = [
        CrashPoint::AfterRecord,
        CrashPoint::AfterStageWrite,
        CrashPoint::AfterStaged,
        CrashPoint::AfterRename,
        CrashPoint::AfterPublished,
    ];

    /// The name `PONTO2CAMT_CRASH_AT` takes.
    pub const fn as_str(self) -> &'static str {
        match self {
            CrashPoint::AfterRecord => "after-record",
            CrashPoint::AfterStageWrite => "after-stage-write",
            CrashPoint::AfterStaged => "after-staged",
            CrashPoint::AfterRename => "after-rename",
            CrashPoint::AfterPublished => "after-published",
        }
    }
}

/// Every point's name, in protocol order.
pub const NAMES: [&str; 5] = [
    CrashPoint::ALL[0].as_str(),
    CrashPoint::ALL[1].as_str(),
    CrashPoint::ALL[2].as_str(),
    CrashPoint::ALL[3].as_str(),
    CrashPoint::ALL[4].as_str(),
];

#[cfg(feature = "test-hooks")]
pub fn point(at: CrashPoint) {
    use std::sync::OnceLock;
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| std::env::var(VARIABLE).ok());
    if chosen.as_deref() == Some(at.as_str()) {
        eprintln!("{VARIABLE}={}: aborting here on purpose", at.as_str());
        std::process::abort();
    }
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub fn point(_: CrashPoint) {}

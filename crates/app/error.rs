//! Expected failures of the program, each with an exit code and hints for the user.
//!
//! Libraries return their own typed errors; commands turn them into a [`CliError`] with
//! the [`ExitKind`] that tells scripts (cron, systemd) what happened.

use std::fmt;
use std::process::ExitCode;

/// Exit codes (sysexits) — documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitKind {
    /// 2: the command line is wrong.
    Usage,
    /// 65: bad input data (a bundle, a camt file).
    Data,
    /// 69: Ponto unavailable (after retries).
    Unavailable,
    /// 74: a file or folder could not be read or written.
    Io,
    /// 75: temporary failure, try again later (lock held, rate limited).
    TempFail,
    /// 78: configuration or credentials are wrong.
    Config,
}

impl ExitKind {
    pub fn code(self) -> u8 {
        match self {
            ExitKind::Usage => 2,
            ExitKind::Data => 65,
            ExitKind::Unavailable => 69,
            ExitKind::Io => 74,
            ExitKind::TempFail => 75,
            ExitKind::Config => 78,
        }
    }
}

impl From<ExitKind> for ExitCode {
    fn from(kind: ExitKind) -> Self {
        ExitCode::from(kind.code())
    }
}

#[derive(Debug)]
pub struct CliError {
    pub kind: ExitKind,
    pub message: String,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn hinted(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        for hint in &self.hints {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

/// Several failures of one run (one per bundle or account): the worst kind wins the exit code.
#[derive(Debug, Default)]
pub struct Failures(pub Vec<CliError>);

impl Failures {
    pub fn exit_kind(&self) -> Option<ExitKind> {
        self.0.iter().map(|e| e.kind).max_by_key(|k| severity(*k))
    }
}

/// Which code a run with mixed failures reports: configuration problems first (nothing will
/// work until fixed), then unavailability, then data, then temporary, I/O.
fn severity(kind: ExitKind) -> u8 {
    match kind {
        ExitKind::Config => 6,
        ExitKind::Usage => 5,
        ExitKind::Unavailable => 4,
        ExitKind::Data => 3,
        ExitKind::Io => 2,
        ExitKind::TempFail => 1,
    }
}

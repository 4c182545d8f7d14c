//! Expected failures of the program, each with an exit code and hints for the user.
//!
//! Libraries return their own typed errors; this file is the one table that turns them
//! into a [`CliError`]: the [`ExitKind`] that tells scripts (cron, systemd) what
//! happened, the message, and what the user can do about it.

use pipeline::config::{ConfigError, Problem};
use pipeline::lock::LockError;
use pipeline::{Error, ErrorKind};
use ponto::PontoError;
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
    /// `status --check`: the state is readable, and some account has a problem.
    Problems(u8),
}

impl ExitKind {
    pub const fn code(self) -> u8 {
        match self {
            ExitKind::Usage => 2,
            ExitKind::Data => 65,
            ExitKind::Unavailable => 69,
            ExitKind::Io => 74,
            ExitKind::TempFail => 75,
            ExitKind::Config => 78,
            ExitKind::Problems(code) => code,
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
    /// An overlap with another run (the state folder's lock is held): with `-q` it is not
    /// printed, so that cron mails only real problems. The exit code still says 75.
    pub overlap: bool,
}

impl CliError {
    pub fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            hints: Vec::new(),
            overlap: false,
        }
    }

    /// `status --check` found problems: nothing more to print, only the exit code.
    pub fn problems_found(code: u8) -> Self {
        CliError {
            kind: ExitKind::Problems(code),
            message: String::new(),
            hints: Vec::new(),
            overlap: false,
        }
    }

    pub fn hinted(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            return Ok(());
        }
        write!(f, "error: {}", self.message)?;
        for hint in &self.hints {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

impl From<ErrorKind> for ExitKind {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Usage => ExitKind::Usage,
            ErrorKind::Config => ExitKind::Config,
            ErrorKind::Data => ExitKind::Data,
            ErrorKind::Unavailable => ExitKind::Unavailable,
            ErrorKind::Io => ExitKind::Io,
            ErrorKind::Temporary => ExitKind::TempFail,
        }
    }
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        let mut cli = CliError::new(error.kind().into(), error.to_string());
        cli.hints = hints(&error);
        cli.overlap = matches!(error, Error::Lock(LockError::Held { .. }));
        cli
    }
}

impl From<ConfigError> for CliError {
    fn from(error: ConfigError) -> Self {
        Error::from(error).into()
    }
}

impl From<pipeline::convert::ConvertFailure> for CliError {
    fn from(error: pipeline::convert::ConvertFailure) -> Self {
        Error::from(error).into()
    }
}

const SEE_ACCOUNTS: &str = "run `ponto2camt accounts` to see what the integration may read";

/// What the user can do about an error.
fn hints(error: &Error) -> Vec<String> {
    if let Error::SeveralCurrencies { config_key, .. } = error {
        return vec![format!("set currency = \"…\" in {config_key}")];
    }
    fixed_hints(error).into_iter().map(str::to_owned).collect()
}

fn fixed_hints(error: &Error) -> Vec<&'static str> {
    match error {
        Error::Config(ConfigError::Invalid {
            problem: Problem::UnknownTimeZone(_),
            ..
        }) => vec!["use an IANA name such as Europe/Brussels"],
        Error::Config(ConfigError::NotFound { .. }) => vec![
            "pass --config FILE or set PONTO2CAMT_CONFIG=FILE; `ponto2camt init` writes a first configuration for your Ponto accounts",
        ],
        Error::Config(ConfigError::EnvPathMissing { .. }) => vec![
            "correct PONTO2CAMT_CONFIG, or unset it to look in the usual places (./ponto2camt.toml, ~/.config/ponto2camt/, /etc/ponto2camt/)",
        ],
        Error::Config(ConfigError::Environment { .. }) => vec![
            "the secret file must be a regular file of at most 4 KiB holding the secret; the environment's secret comes before the configuration file's (see `ponto2camt check-config` in the README)",
        ],
        Error::Config(_) => vec![
            "every key is documented in ponto2camt.example.toml; `ponto2camt check-config` checks a file",
        ],
        Error::NoCredentials => vec![
            "set PONTO_CLIENT_ID and PONTO_CLIENT_SECRET (from Ponto's Integrations page), or pass --config FILE",
            "to try the tool without credentials: ponto2camt demo",
        ],
        Error::NoLedger(_) => vec!["run `ponto2camt fetch` first"],
        Error::LedgerMissing { .. } | Error::LedgerEmpty(_) => vec![
            "check state_dir in the configuration (mistyped? a folder that was emptied or not mounted?) and restore the ledger from a backup",
            "to start over on purpose, run `ponto2camt fetch --new-ledger` (every transaction since start_date is delivered again; take the drop folder's files away first)",
        ],
        Error::Lock(LockError::Held { .. }) => vec![
            "runs may overlap when a schedule is short; this one will be picked up by the next run",
        ],
        Error::Ponto { source, .. } => ponto_hints(source),
        Error::NotConfigured(_) => vec!["add it under [[accounts]] with its start_date"],
        Error::NotInPonto { .. } => vec![
            "run `ponto2camt accounts` to see what the integration may read; in Ponto, the integration must be allowed to read this account",
        ],
        Error::ConfiguredNotInPonto { .. } => vec![SEE_ACCOUNTS],
        Error::NotFoundInPonto(_) => {
            vec!["run `ponto2camt accounts` to see the accounts the integration may read"]
        }
        Error::NoCurrentBalance { .. } => {
            vec!["run again after Ponto's next synchronization (or with --sync-now)"]
        }
        Error::NeedsReview { .. } => vec![
            "`ponto2camt status` lists them with what each might repeat; compare with the statements already in the ERP, then `ponto2camt fetch --accept ID` to deliver one or `--dismiss ID` to drop it (repeatable)",
        ],
        Error::NotHeldForReview(_) => {
            vec!["`ponto2camt status` lists the transactions held for review"]
        }
        Error::AmbiguousAccount { .. } => vec![
            "in the Ponto dashboard, revoke the integration's access to the account that is no longer used; `ponto2camt accounts` lists both",
        ],
        Error::StartAfterIdNotFound { .. } => vec![
            "check the id (Odoo's journal: \"Ponto Last Identifier\"), and set start_date on or before that transaction's date so that the first read reaches it; nothing was delivered",
        ],
        Error::HeldBack { .. } => vec![
            "they stay unexported and are tried again on every run; `ponto2camt status` lists them as a held_back problem, and the balance check shows their amount as a difference (on an account's first run it is inside the first opening balance instead, which status says)",
        ],
        Error::Convert(pipeline::convert::ConvertFailure::Exists(_)) => {
            vec!["pass --force to replace it, or -o to write elsewhere"]
        }
        Error::Undelivered { .. } => vec![
            "the error above says why that statement cannot be delivered; once it is (the next run tries again), this account's new transactions follow",
        ],
        Error::Delivery(pipeline::delivery::DeliveryError::Clash { .. }) => vec![
            "move that file out of the drop folder (it is not ponto2camt's); the next run delivers the statement",
        ],
        Error::Delivery(pipeline::delivery::DeliveryError::Damaged { .. }) => vec![
            "restore state_dir from a backup taken after this statement was recorded; the ledger cannot render its transactions again",
        ],
        Error::Convert(pipeline::convert::ConvertFailure::NoOpeningBalance(_)) => {
            vec!["pass --opening-balance AMOUNT"]
        }
        _ => Vec::new(),
    }
}

fn ponto_hints(error: &PontoError) -> Vec<&'static str> {
    match error {
        PontoError::BadCredentials { .. } => vec![
            "check client_id / client_secret (or PONTO_CLIENT_ID / PONTO_CLIENT_SECRET); a regenerated secret replaces the old one",
        ],
        PontoError::InvalidConfig { .. } | PontoError::InsecureUrl { .. } => Vec::new(),
        PontoError::RateLimited { .. } => vec![
            "Ponto asked to slow down; the next scheduled run will pick up where this one stopped",
        ],
        PontoError::NotFound { .. } => vec![
            "the account may have been revoked in Ponto; run `ponto2camt accounts` to see what the integration can read",
        ],
        _ if error.is_temporary() => vec![
            "Ponto could not be reached after several tries; nothing was lost, run again later",
        ],
        _ => Vec::new(),
    }
}

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
        ExitKind::Problems(_) => 0,
    }
}

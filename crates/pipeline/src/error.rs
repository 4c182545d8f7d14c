//! The engine's errors: one enum, each variant saying what went wrong and where, and a
//! [`ErrorKind`] that tells the caller what kind of trouble it is. The program turns
//! kinds into exit codes and adds hints; the engine knows neither.

use crate::config::ConfigError;
use crate::convert::ConvertFailure;
use crate::delivery::DeliveryError;
use crate::ledger::LedgerError;
use crate::lock::LockError;
use ponto::PontoError;
use std::path::PathBuf;

/// What kind of trouble an error is, by what the operator has to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request itself is wrong (an option that cannot apply).
    Usage,
    /// The configuration or the credentials are wrong: nothing works until fixed.
    Config,
    /// Input data (a bundle, a Ponto transaction) is wrong.
    Data,
    /// Ponto could not be reached or answered with errors after retries.
    Unavailable,
    /// A file or folder could not be read or written.
    Io,
    /// Try again later: another process holds the state folder, Ponto rate-limits, the
    /// ledger is busy.
    Temporary,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "no Ponto credentials: no configuration file and PONTO_CLIENT_ID / PONTO_CLIENT_SECRET are not set"
    )]
    NoCredentials,
    #[error("{}: no ledger yet", .0.display())]
    NoLedger(PathBuf),
    /// The ledger is gone but something shows there was one: starting a new one would
    /// deliver everything since `start_date` again.
    #[error("{}: the ledger is missing, but {evidence}; refusing to start a new ledger (it would deliver everything since start_date again)", state_dir.display())]
    LedgerMissing {
        state_dir: PathBuf,
        evidence: crate::first_run::Evidence,
    },
    #[error("{}: the ledger file is empty (truncated?); refusing to start a new ledger (it would deliver everything since start_date again)", .0.display())]
    LedgerEmpty(PathBuf),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    Convert(#[from] ConvertFailure),
    #[error("Ponto ({organization}): {source}")]
    Ponto {
        organization: String,
        #[source]
        source: Box<PontoError>,
    },
    /// `--account IBAN` names an account the configuration does not have.
    #[error("--account {0}: not in the configuration")]
    NotConfigured(String),
    /// A configured account Ponto does not list for its organization.
    #[error("account {iban}: Ponto has no such account for organization {organization}")]
    NotInPonto { iban: String, organization: String },
    /// `check-config --online`: the same, said of the configuration file.
    #[error("{}: {config_key}: Ponto has no account {iban} for organization {organization}", file.display())]
    ConfiguredNotInPonto {
        file: PathBuf,
        config_key: String,
        iban: String,
        organization: String,
    },
    /// `export --account IBAN` for an account Ponto does not list.
    #[error("account {0}: not found in Ponto")]
    NotFoundInPonto(String),
    #[error("account {iban}: Ponto has it in several currencies")]
    SeveralCurrencies { iban: String, config_key: String },
    /// Several Ponto accounts with the same IBAN and currency, none (or all) deprecated.
    #[error("account {iban}: Ponto lists {} accounts for it that are not deprecated: {}", ids.len(), ids.join(", "))]
    AmbiguousAccount { iban: String, ids: Vec<String> },
    /// Transactions held in this run until an operator decides whether they are
    /// re-listings of delivered ones (the rest was delivered).
    #[error(
        "account {iban}: {count} transaction(s) held for review: they might be re-listings of transactions delivered from the replaced Ponto account"
    )]
    NeedsReview { iban: String, count: u64 },
    /// `fetch --accept/--dismiss ID` for a transaction not held for review.
    #[error("transaction {0} is not held for review (see `ponto2camt status`)")]
    NotHeldForReview(String),
    /// Migration: the configured `start_after_id` is not among the transactions read.
    #[error(
        "{config_key}.start_after_id: account {iban}: Ponto lists no transaction {id} since the start date"
    )]
    StartAfterIdNotFound {
        iban: String,
        config_key: String,
        id: String,
    },
    /// The account's data cannot be mapped (time zone, currency).
    #[error("account {iban}: {source}")]
    Account {
        iban: String,
        #[source]
        source: Box<converter::ConvertError>,
    },
    #[error("account {iban}: statement {statement}: {source}")]
    Render {
        iban: String,
        statement: String,
        #[source]
        source: Box<camt053::WriteError>,
    },
    #[error(
        "account {iban}: Ponto sent no currentBalance, so the first opening balance is unknown"
    )]
    NoCurrentBalance { iban: String },
    /// Some transactions could not be converted; the others were delivered.
    #[error(
        "account {iban}: {} transaction(s) could not be converted and were held back ({published} others were published): {}",
        reasons.len(),
        reasons.join("; ")
    )]
    HeldBack {
        iban: String,
        reasons: Vec<String>,
        published: u64,
    },
    /// An inbox bundle for an account the configuration does not have.
    #[error("{}: account: {reference} ({currency}) is not a configured account", file.display())]
    UnknownBundleAccount {
        file: PathBuf,
        reference: String,
        currency: String,
    },
    #[error("{}: {bytes} bytes is more than an inbox bundle may be (64 MiB)", file.display())]
    BundleTooLarge { file: PathBuf, bytes: u64 },
    #[error("statement {0} vanished from the ledger")]
    Vanished(String),
    /// An account whose earlier statement could not be delivered (see the delivery
    /// error): nothing new is delivered for it, so that no file overtakes that one.
    #[error(
        "account {iban}: statement {statement} is not delivered yet; nothing new is delivered for this account until it is"
    )]
    Undelivered { iban: String, statement: String },
    #[error("account {account}: cannot encode: {source}")]
    Encode {
        account: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_)
            | Error::NoCredentials
            | Error::NoLedger(_)
            | Error::LedgerMissing { .. }
            | Error::LedgerEmpty(_)
            | Error::NotConfigured(_)
            | Error::NotInPonto { .. }
            | Error::ConfiguredNotInPonto { .. }
            | Error::NotFoundInPonto(_)
            | Error::SeveralCurrencies { .. }
            | Error::AmbiguousAccount { .. }
            | Error::StartAfterIdNotFound { .. } => ErrorKind::Config,
            Error::UnknownBundleAccount { .. } | Error::BundleTooLarge { .. } => ErrorKind::Data,
            Error::Lock(LockError::Held { .. }) => ErrorKind::Temporary,
            Error::Lock(_)
            | Error::Delivery(_)
            | Error::Vanished(_)
            | Error::Undelivered { .. }
            | Error::Io { .. } => ErrorKind::Io,
            Error::Ledger(e) if e.is_temporary() => ErrorKind::Temporary,
            Error::Ledger(_) => ErrorKind::Io,
            Error::Convert(failure) => failure.kind(),
            Error::Ponto { source, .. } => ponto_kind(source),
            Error::Account { source, .. } => match **source {
                converter::ConvertError::UnknownTimeZone { .. } => ErrorKind::Config,
                _ => ErrorKind::Data,
            },
            Error::Render { .. }
            | Error::NoCurrentBalance { .. }
            | Error::HeldBack { .. }
            | Error::NeedsReview { .. }
            | Error::Encode { .. } => ErrorKind::Data,
            Error::NotHeldForReview(_) => ErrorKind::Usage,
        }
    }

    /// Worth trying again later without changing anything.
    pub fn is_temporary(&self) -> bool {
        matches!(self.kind(), ErrorKind::Temporary | ErrorKind::Unavailable)
    }

    pub(crate) fn ponto(organization: &str, source: PontoError) -> Error {
        Error::Ponto {
            organization: organization.to_owned(),
            source: Box::new(source),
        }
    }
}

fn ponto_kind(error: &PontoError) -> ErrorKind {
    match error {
        PontoError::BadCredentials { .. }
        | PontoError::InvalidConfig { .. }
        | PontoError::InsecureUrl { .. } => ErrorKind::Config,
        PontoError::RateLimited { .. } => ErrorKind::Temporary,
        PontoError::NotFound { .. } => ErrorKind::Data,
        _ => ErrorKind::Unavailable,
    }
}

//! Ledger errors: every one names the database file; [`LedgerError::is_temporary`]
//! tells a lock held by someone else (retry later, exit 75) from a real problem.

use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

/// An error of the ledger at `path`.
#[derive(Debug)]
pub struct LedgerError {
    path: PathBuf,
    kind: ErrorKind,
}

impl LedgerError {
    pub(super) fn new(path: &Path, kind: ErrorKind) -> Self {
        LedgerError {
            path: path.to_path_buf(),
            kind,
        }
    }

    pub(super) fn sqlite(path: &Path, error: rusqlite::Error) -> Self {
        Self::new(path, ErrorKind::from(error))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub fn into_kind(self) -> ErrorKind {
        self.kind
    }

    /// The database was locked by another process for longer than the busy timeout:
    /// trying again later will work.
    pub fn is_temporary(&self) -> bool {
        matches!(self.kind, ErrorKind::Busy(_))
    }
}

impl std::fmt::Display for LedgerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ledger {}: {}", self.path.display(), self.kind)
    }
}

impl std::error::Error for LedgerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("the database is busy (locked by another process); try again later")]
    Busy(#[source] rusqlite::Error),
    #[error("{0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("cannot create the state directory: {0}")]
    CreateDir(#[source] std::io::Error),
    #[error(
        "the database has schema version {found}, newer than this program knows ({supported}); use a newer ponto2camt"
    )]
    TooNew { found: u32, supported: u32 },
    #[error("unknown account {0:?}")]
    UnknownAccount(String),
    #[error("account {key:?} is already in the ledger as {existing}, not {given}")]
    AccountMismatch {
        key: String,
        existing: String,
        given: String,
    },
    #[error("unknown statement {0:?}")]
    UnknownStatement(String),
    #[error("statement {0:?} is not published yet")]
    NotPublished(String),
    #[error("transaction {ponto_id} of account {account} was never exported")]
    NotExported { account: String, ponto_id: String },
    #[error(
        "transaction {ponto_id} of account {account} was already exported in statement {statement_id}"
    )]
    AlreadyExported {
        account: String,
        ponto_id: String,
        statement_id: String,
    },
    #[error("transaction {ponto_id} appears twice in statement {statement_id}")]
    DuplicateInStatement {
        ponto_id: String,
        statement_id: String,
    },
    #[error(
        "statement {statement_id} of account {account} has sequence number {given}, expected {expected}"
    )]
    SequenceMismatch {
        account: String,
        statement_id: String,
        expected: u64,
        given: u64,
    },
    #[error(
        "statement {statement_id} of account {account} opens at {opening}, but the previous statement closed at {previous_closing}"
    )]
    BrokenChain {
        account: String,
        statement_id: String,
        previous_closing: Decimal,
        opening: Decimal,
    },
    #[error("statement {0} has no transactions (a file without transactions is never written)")]
    EmptyStatement(String),
    #[error("statement id {0:?} is already used")]
    DuplicateStatementId(String),
    #[error("file name {file_name:?} is already used in {}", drop_dir.display())]
    DuplicateFileName {
        drop_dir: PathBuf,
        file_name: String,
    },
    #[error("path is not UTF-8: {}", .0.display())]
    NonUtf8Path(PathBuf),
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for ErrorKind {
    fn from(error: rusqlite::Error) -> Self {
        if is_busy(&error) {
            ErrorKind::Busy(error)
        } else {
            ErrorKind::Sqlite(error)
        }
    }
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

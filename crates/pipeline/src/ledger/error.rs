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

    /// An SQLite error of the database at `path`, naming a side file that is in the way.
    pub(super) fn sqlite(path: &Path, error: rusqlite::Error) -> Self {
        Self::new(path, name_side_file(path, ErrorKind::from(error), false))
    }

    /// The same for a connection that only reads.
    pub(super) fn sqlite_read(path: &Path, error: rusqlite::Error) -> Self {
        Self::new(path, name_side_file(path, ErrorKind::from(error), true))
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
    #[error("cannot create the database file: {0}")]
    CreateFile(#[source] std::io::Error),
    /// SQLite failed, and one of its side files (`-wal`, `-shm`) is why: SQLite's own
    /// message names only the database.
    #[error("{source} ({}: {problem})", file.display())]
    SideFile {
        file: PathBuf,
        problem: String,
        #[source]
        source: Box<rusqlite::Error>,
    },
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

/// `path` with `suffix` appended (`ledger.sqlite3-wal`).
pub(super) fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// When SQLite fails to open or use a file, looks at its `-wal` and `-shm` files and
/// names the one that cannot be used (not a regular file, or not readable — and, unless
/// `read_only`, not writable) in the error.
pub(super) fn name_side_file(path: &Path, kind: ErrorKind, read_only: bool) -> ErrorKind {
    let ErrorKind::Sqlite(source) = kind else {
        return kind;
    };
    let file_trouble = matches!(
        source.sqlite_error_code(),
        Some(
            rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::SystemIoFailure
                | rusqlite::ErrorCode::PermissionDenied
                | rusqlite::ErrorCode::DatabaseCorrupt
                | rusqlite::ErrorCode::NotADatabase
        )
    );
    let unusable = ["-wal", "-shm"].into_iter().find_map(|suffix| {
        let file = side_file(path, suffix);
        side_file_problem(&file, read_only).map(|problem| (file, problem))
    });
    match unusable {
        Some((file, problem)) if file_trouble => ErrorKind::SideFile {
            file,
            problem,
            source: Box::new(source),
        },
        _ => ErrorKind::Sqlite(source),
    }
}

/// What keeps SQLite from using an existing side file; `None` if it is missing or fine.
fn side_file_problem(file: &Path, read_only: bool) -> Option<String> {
    let meta = std::fs::symlink_metadata(file).ok()?;
    if !meta.file_type().is_file() {
        return Some("not a regular file".to_owned());
    }
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .write(!read_only)
        .open(file);
    opened.err().map(|e| e.to_string())
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

//! The ledger: an SQLite database in the state directory that makes delivery into the
//! drop folder exactly-once. Per account it holds the exported Ponto transaction ids,
//! the statement counter, the closing balance of the last statement, the read cursor
//! and the outbox of statements rendered but not yet published, plus the run history,
//! balance checks and changed transactions that `status` reports.
//!
//! Every write that belongs together is one SQLite transaction (see
//! [`Ledger::record_statement`]); the database runs in WAL mode with
//! `synchronous=FULL`, so a recorded statement survives a crash or power loss.
//! Amounts are exact decimals stored as TEXT; times are RFC 3339 UTC TEXT.
//!
//! A [`Ledger`] can be shared between threads (`&self` methods, one connection behind
//! a mutex); several processes may open the same file (SQLite locks, with a busy
//! timeout; a lock held too long is [`ErrorKind::Busy`], a temporary failure).
//!
//! The ledger holds every counterparty, IBAN and amount: a new state folder is created
//! `0700` and a new database file `0600` whatever the umask (SQLite gives its `-wal` and
//! `-shm` files the database file's mode). Existing files keep the mode they have.

mod accounts;
mod bank_link;
mod error;
mod history;
mod migrations;
mod outbox;
mod relisting;
mod status;
#[cfg(test)]
mod tests;

pub use accounts::{AccountInfo, AccountState};
pub use bank_link::BankLink;
pub use error::{ErrorKind, LedgerError};
pub use history::{BalanceCheck, RunOutcome, RunRecord};
pub use outbox::{ChangedTransaction, OutboxItem, PlannedStatement, PublishedFile, sha256};
pub use relisting::{OldExport, ReviewDecision, ReviewHold};
pub use status::AccountStatus;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The database file inside the state directory.
pub const FILE_NAME: &str = "ledger.sqlite3";

/// How long a writer waits for another process's lock before giving up with `Busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The stable key of an account in the ledger: IBAN (electronic form) and currency.
/// The organization is left out on purpose: renaming an organization in the config
/// must not orphan the account's history (the config rejects the same IBAN and
/// currency twice, across organizations too).
pub fn account_key(iban: &str, currency: &str) -> String {
    format!("{iban}/{currency}")
}

/// An open ledger.
pub struct Ledger {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Opened with [`Ledger::open_read_only`]: every write fails.
    read_only: bool,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish()
    }
}

impl Ledger {
    /// Opens (creating the folder and the database if needed) the ledger in
    /// `state_dir` and brings its schema up to date.
    pub fn open(state_dir: &Path) -> Result<Ledger, LedgerError> {
        Self::open_with(state_dir, migrations::LATEST, BUSY_TIMEOUT)
    }

    /// Opens the ledger migrated only up to `version` (the migration test needs a
    /// database as an older program left it) and with the given busy timeout.
    fn open_with(
        state_dir: &Path,
        version: u32,
        busy_timeout: Duration,
    ) -> Result<Ledger, LedgerError> {
        let path = state_dir.join(FILE_NAME);
        create_private_dir(state_dir)
            .map_err(|source| LedgerError::new(&path, ErrorKind::CreateDir(source)))?;
        create_private_file(&path)
            .map_err(|source| LedgerError::new(&path, ErrorKind::CreateFile(source)))?;
        let mut conn = Connection::open(&path).map_err(|e| LedgerError::sqlite(&path, e))?;
        configure(&conn, busy_timeout).map_err(|e| LedgerError::sqlite(&path, e))?;
        migrations::migrate(&mut conn, version)
            .map_err(|kind| LedgerError::new(&path, error::name_side_file(&path, kind, false)))?;
        Ok(Ledger {
            path,
            conn: Mutex::new(conn),
            read_only: false,
        })
    }

    /// Opens the ledger in `state_dir` only to read it (`status`): never creates,
    /// migrates or writes anything, so that it also works when the state folder is
    /// read-only (a read-only mount, a snapshot, a restricted service). There SQLite
    /// cannot create its `-shm` file; when no writer left a `-wal` file either, the
    /// database is read as immutable, which is then exact.
    pub fn open_read_only(state_dir: &Path) -> Result<Ledger, LedgerError> {
        let path = state_dir.join(FILE_NAME);
        let conn = match open_for_reading(&path, false) {
            Ok(conn) => conn,
            Err(error) if cannot_open(&error) && !has_wal_content(&path) => {
                let why = error::name_side_file(&path, ErrorKind::from(error), true);
                if matches!(why, ErrorKind::SideFile { .. }) {
                    tracing::warn!(ledger = %path.display(), "read as it is on disk: {why}");
                }
                open_for_reading(&path, true).map_err(|e| LedgerError::sqlite_read(&path, e))?
            }
            Err(error) => return Err(LedgerError::sqlite_read(&path, error)),
        };
        let found = migrations::version(&conn).map_err(|e| LedgerError::sqlite_read(&path, e))?;
        if found == 0 || found > migrations::LATEST {
            let kind = match found {
                0 => ErrorKind::Corrupt("not a ponto2camt ledger (schema version 0)".to_owned()),
                _ => ErrorKind::TooNew {
                    found,
                    supported: migrations::LATEST,
                },
            };
            return Err(LedgerError::new(&path, kind));
        }
        Ok(Ledger {
            path,
            conn: Mutex::new(conn),
            read_only: true,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, LedgerError> {
        self.read(|conn| migrations::version(conn).map_err(ErrorKind::from))
    }

    /// Runs `f` on the connection; errors get the database path.
    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, ErrorKind>,
    ) -> Result<T, LedgerError> {
        let mut conn = self.lock();
        f(&mut conn).map_err(|kind| {
            let kind = error::name_side_file(&self.path, kind, self.read_only);
            LedgerError::new(&self.path, kind)
        })
    }

    /// A read on the connection (shorthand for [`Ledger::with_conn`] with `&Connection`).
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, ErrorKind>,
    ) -> Result<T, LedgerError> {
        self.with_conn(|conn| f(conn))
    }

    /// A panic while the lock was held cannot leave a half-written state behind: every
    /// write is an SQLite transaction that rolls back when dropped.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Creates the state folder (and its parents) `0700`; an existing one is left as it is.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Creates an empty database file `0600` (SQLite would create it with the umask's mode,
/// and give that mode to its `-wal` and `-shm` files too); an existing one is left as
/// it is. An empty file is an empty SQLite database.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
    {
        // The umask may have taken bits away, never added: 0600 exactly.
        Ok(file) => file.set_permissions(std::fs::Permissions::from_mode(0o600)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A connection that never creates the database and refuses every write; `immutable`
/// tells SQLite that nobody changes the file (no locks, no `-shm`, no `-wal`).
fn open_for_reading(path: &Path, immutable: bool) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let (uri, flags) = if immutable {
        let flags = (flags - OpenFlags::SQLITE_OPEN_READ_WRITE) | OpenFlags::SQLITE_OPEN_READ_ONLY;
        (format!("{}?immutable=1", file_uri(path)), flags)
    } else {
        // Read-write without create: SQLite falls back to read-only on a read-only file
        // or folder, and a reader that may write cleans up the `-wal`/`-shm` it made.
        (file_uri(path), flags)
    };
    let conn = Connection::open_with_flags(uri, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", true)?;
    // The first read is what opens the `-wal` and `-shm` files: fail here, not later.
    conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |row| {
        row.get::<_, i64>(0)
    })?;
    Ok(conn)
}

/// `file:` URI of a path: every byte but unreserved ones and `/` percent-encoded.
fn file_uri(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// SQLite could not open the database or one of its side files.
fn cannot_open(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
    )
}

/// A `-wal` file that may hold commits not yet in the database file: reading the
/// database as immutable would miss them.
fn has_wal_content(path: &Path) -> bool {
    let wal = error::side_file(path, "-wal");
    std::fs::metadata(wal).is_ok_and(|meta| meta.len() > 0)
}

fn configure(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    conn.busy_timeout(busy_timeout)?;
    // journal_mode answers with the mode it ended up in; WAL lets readers (status)
    // run beside a writer (fetch).
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_timestamp(column: &str, text: &str) -> Result<DateTime<Utc>, ErrorKind> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ErrorKind::Corrupt(format!("{column} is not a time: {text:?}")))
}

fn parse_optional_timestamp(
    column: &str,
    text: Option<String>,
) -> Result<Option<DateTime<Utc>>, ErrorKind> {
    text.map(|t| parse_timestamp(column, &t)).transpose()
}

fn parse_decimal(column: &str, text: &str) -> Result<Decimal, ErrorKind> {
    Decimal::from_str(text)
        .map_err(|_| ErrorKind::Corrupt(format!("{column} is not a decimal: {text:?}")))
}

fn parse_optional_decimal(
    column: &str,
    text: Option<String>,
) -> Result<Option<Decimal>, ErrorKind> {
    text.map(|t| parse_decimal(column, &t)).transpose()
}

fn path_text(path: &Path) -> Result<&str, ErrorKind> {
    path.to_str()
        .ok_or_else(|| ErrorKind::NonUtf8Path(path.to_path_buf()))
}

/// SQLite integers are i64; counts and sequence numbers are never negative.
fn to_u64(column: &str, value: i64) -> Result<u64, ErrorKind> {
    u64::try_from(value).map_err(|_| ErrorKind::Corrupt(format!("{column} is negative: {value}")))
}

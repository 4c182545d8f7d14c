//! What can be wrong with a configuration: [`ConfigError`] names the file and the key,
//! [`Problem`] says what is wrong with the value and what to do.

use std::path::{Path, PathBuf};

/// What is wrong with a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// TOML syntax, unknown keys, missing keys and wrong types, with the position.
    #[error("{}: line {line}, column {column}: {}{message}", file.display(), key_prefix(key))]
    Toml {
        file: PathBuf,
        key: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A reload named another state folder: a running process keeps the folder it locked.
    #[error("{}: state_dir: changed from {} to {}; restart the program to use another state folder", file.display(), from.display(), to.display())]
    StateDirChanged {
        file: PathBuf,
        from: PathBuf,
        to: PathBuf,
    },
    /// A value that TOML accepted but that is not possible.
    #[error("{}: {}{problem}", file.display(), key_prefix(key))]
    Invalid {
        file: PathBuf,
        key: String,
        problem: Problem,
    },
    /// No `--config` and no configuration file in any of the usual places.
    #[error(
        "no configuration file: looked for {} ({} is not set); pass --config FILE",
        list_paths(tried),
        super::ENV_CONFIG
    )]
    NotFound { tried: Vec<PathBuf> },
    /// `PONTO2CAMT_CONFIG` names a file that is not there: an explicit choice is never
    /// silently replaced by another file.
    #[error("{var} names {}, which does not exist", path.display())]
    EnvPathMissing { var: &'static str, path: PathBuf },
    /// A value the environment gives (a secret file it names) cannot be used. `origin`
    /// is the variable, or `$CREDENTIALS_DIRECTORY/ponto_client_secret`.
    #[error("{origin}: {problem}")]
    Environment { origin: String, problem: Problem },
    /// Every problem the check found, in file order (never fewer than two).
    #[error("{}: {} problems:{}", file.display(), problems.len(), list_problems(problems))]
    Many {
        file: PathBuf,
        problems: Vec<ConfigError>,
    },
}

fn list_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

fn list_problems(problems: &[ConfigError]) -> String {
    problems
        .iter()
        .map(|p| format!("\n  {}", p.without_file()))
        .collect()
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() || key == "." {
        String::new()
    } else {
        format!("{key}: ")
    }
}

impl ConfigError {
    pub(crate) fn invalid(file: &Path, key: impl Into<String>, problem: Problem) -> Self {
        ConfigError::Invalid {
            file: file.to_path_buf(),
            key: key.into(),
            problem,
        }
    }

    /// The problems found: one, or those of [`ConfigError::Many`] (never with a
    /// [`Many`](ConfigError::Many) among them).
    pub(crate) fn from_problems(file: &Path, mut problems: Vec<ConfigError>) -> Self {
        if problems.len() == 1
            && let Some(only) = problems.pop()
        {
            return only;
        }
        ConfigError::Many {
            file: file.to_path_buf(),
            problems,
        }
    }

    /// The key path the error is about (empty when it concerns the whole file or several
    /// keys: see [`ConfigError::problems`]).
    pub fn key(&self) -> &str {
        match self {
            ConfigError::Read { .. }
            | ConfigError::NotFound { .. }
            | ConfigError::EnvPathMissing { .. }
            | ConfigError::Environment { .. }
            | ConfigError::Many { .. } => "",
            ConfigError::StateDirChanged { .. } => "state_dir",
            ConfigError::Toml { key, .. } | ConfigError::Invalid { key, .. } => key,
        }
    }

    /// Each problem on its own: the list of [`ConfigError::Many`], else this one.
    pub fn problems(&self) -> Vec<&ConfigError> {
        match self {
            ConfigError::Many { problems, .. } => problems.iter().collect(),
            other => vec![other],
        }
    }

    /// The message without the file's name in front (for a list under it).
    fn without_file(&self) -> String {
        match self {
            ConfigError::Invalid { key, problem, .. } => format!("{}{problem}", key_prefix(key)),
            ConfigError::Toml {
                key,
                line,
                column,
                message,
                ..
            } => format!("line {line}, column {column}: {}{message}", key_prefix(key)),
            other => other.to_string(),
        }
    }
}

/// The impossible values, each with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("is required")]
    Missing,
    #[error("must not be empty")]
    Empty,
    #[error("{value:?} is not a valid IBAN ({reason})")]
    InvalidIban { value: String, reason: String },
    #[error("{0:?} is not a currency code (three letters, like \"EUR\")")]
    InvalidCurrency(String),
    #[error("{value:?} is not a duration like \"90s\", \"15m\" or \"1h\" ({reason})")]
    BadDuration { value: String, reason: String },
    #[error("unknown time zone {0:?}")]
    UnknownTimeZone(String),
    #[error("{0:?} is not a date in the form YYYY-MM-DD")]
    InvalidDate(String),
    #[error(
        "account {iban}{} is configured twice (also at {first})",
        currency_suffix(currency)
    )]
    DuplicateAccount {
        iban: String,
        currency: Option<String>,
        first: String,
    },
    #[error("organization {0:?} is configured twice")]
    DuplicateOrganization(String),
    #[error("organization names may not contain '/': {0:?}")]
    InvalidOrganizationName(String),
    #[error("must be \"per-run\" or \"daily\", not {0:?}")]
    BadGrouping(String),
    #[error(
        "{0:?} is not a file mode: octal like \"0640\", at most \"0777\", readable by its owner"
    )]
    BadFileMode(String),
    #[error("must be between {min} and {max}, not {value}")]
    OutOfRange { value: i64, min: usize, max: usize },
    #[error("{0:?} is not an amount like \"12345.67\" (digits, a '.' and an optional '-')")]
    InvalidAmount(String),
    #[error("write the amount in quotes (\"{0}\"): a TOML number may already have lost cents")]
    UnquotedAmount(String),
    #[error("{0:?} is not an http(s) URL")]
    BadUrl(String),
    #[error("is required: set it in the file or in the environment variable {env}")]
    MissingCredential { env: &'static str },
    #[error(
        "is required: set client_secret_file (or client_secret) here, or PONTO_CLIENT_SECRET or PONTO_CLIENT_SECRET_FILE in the environment, or load the systemd credential ponto_client_secret"
    )]
    MissingSecret,
    #[error("give either client_secret or client_secret_file, not both")]
    SecretTwice,
    #[error("cannot read the secret file {}: {reason}", path.display())]
    SecretFile { path: PathBuf, reason: String },
    #[error("the secret file {} is empty", .0.display())]
    EmptySecretFile(PathBuf),
    #[error("no drop folder: set drop_dir for this account or the global drop_dir")]
    NoDropDir,
    #[error("the inbox folder {} does not exist or is not a folder", .0.display())]
    InboxDirMissing(PathBuf),
    #[error("the drop folder {} does not exist or is not a folder", .0.display())]
    DropDirMissing(PathBuf),
    #[error("{} does not exist: before the first run, create it (mkdir -m 700 …); if fetch ran before, the ledger is gone or the path is wrong: restore it from a backup", .0.display())]
    StateDirMissing(PathBuf),
    #[error("{0}")]
    UnusableUrl(String),
    #[error("{0}")]
    Conflict(&'static str),
    #[error("no accounts configured: add [[accounts]] (or [[organizations.accounts]])")]
    NoAccounts,
}

fn currency_suffix(currency: &Option<String>) -> String {
    currency
        .as_deref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default()
}

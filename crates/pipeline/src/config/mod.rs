//! The TOML configuration: what is read from `ponto2camt.toml`, checked and resolved
//! into a [`Config`] that the rest of the program can trust (paths absolute, IBANs
//! normalised, credentials present, every account with its drop folder).
//!
//! Every mistake is a [`ConfigError`] naming the file and the key path
//! (`accounts[2].start_date`, 0-based like the TOML arrays they index), so that the
//! user can fix the file without guessing. Secrets never appear in any message.

use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// The production API of MyPonto custom integrations.
pub const DEFAULT_API_URL: &str = "https://api.myponto.com";
/// Accounts fetched at once when the file does not say.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The bounds of `concurrency`: at least one, and few enough not to hammer Ponto.
pub const CONCURRENCY_RANGE: std::ops::RangeInclusive<usize> = 1..=64;
/// The organization name used for the single-organization form (`[ponto]` + `[[accounts]]`).
pub const DEFAULT_ORGANIZATION: &str = "default";

/// Environment variables that override the single-organization `[ponto]` table.
pub const ENV_CLIENT_ID: &str = "PONTO_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "PONTO_CLIENT_SECRET";
pub const ENV_API_URL: &str = "PONTO_API_URL";

/// Secrets print as `***` in Debug and Display: the client crate's type, so the secret
/// goes from the file to Ponto without ever being a plain string in between.
pub use ponto::Secret;

/// How transactions are cut into statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    /// One statement per account per run that found new transactions.
    #[default]
    PerRun,
    /// One statement per booking day that is over in the bank's time zone.
    Daily,
}

impl Grouping {
    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::PerRun => "per-run",
            Grouping::Daily => "daily",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "per-run" => Some(Grouping::PerRun),
            "daily" => Some(Grouping::Daily),
            _ => None,
        }
    }
}

impl fmt::Display for Grouping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The checked configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (or a placeholder for [`parse`]), for messages.
    pub source: PathBuf,
    /// Ledger and lock file live here (absolute).
    pub state_dir: PathBuf,
    /// The global default drop folder, if the file has one (accounts carry the resolved one).
    pub drop_dir: Option<PathBuf>,
    pub grouping: Grouping,
    /// `daily` grouping: also write today's statement (normally only closed days).
    pub include_today: bool,
    /// Accounts fetched at once.
    pub concurrency: usize,
    pub organizations: Vec<OrganizationConfig>,
}

impl Config {
    /// Every configured account with the organization it belongs to, in file order.
    pub fn accounts(&self) -> impl Iterator<Item = (&OrganizationConfig, &AccountConfig)> {
        self.organizations
            .iter()
            .flat_map(|org| org.accounts.iter().map(move |account| (org, account)))
    }

    /// The accounts whose IBAN is `iban` (spaces and case do not matter).
    pub fn accounts_with_iban(&self, iban: &str) -> Vec<(&OrganizationConfig, &AccountConfig)> {
        let wanted = normalize_iban(iban);
        self.accounts()
            .filter(|(_, account)| account.iban == wanted)
            .collect()
    }

    /// The checks that need the file system (kept out of [`parse`] so that a config can
    /// be parsed anywhere): every drop folder must exist and be a folder.
    pub fn check_paths(&self) -> Result<(), ConfigError> {
        for (_, account) in self.accounts() {
            if !account.drop_dir.is_dir() {
                return Err(ConfigError::invalid(
                    &self.source,
                    format!("{}.drop_dir", account.config_key),
                    Problem::DropDirMissing(account.drop_dir.clone()),
                ));
            }
        }
        Ok(())
    }
}

/// One Ponto organization: its credentials and the accounts read with them.
#[derive(Debug, Clone)]
pub struct OrganizationConfig {
    /// `default` for the single-organization form.
    pub name: String,
    pub api_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub accounts: Vec<AccountConfig>,
}

/// One account to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// Where it is in the file (`accounts[1]`, `organizations[0].accounts[3]`), for messages.
    pub config_key: String,
    /// Electronic form: no spaces, upper case.
    pub iban: String,
    /// Upper case ISO 4217 code; only needed when one IBAN has several currencies.
    pub currency: Option<String>,
    /// Transactions booked before this date are never exported.
    pub start_date: NaiveDate,
    /// An IANA zone name, checked by the program (chrono-tz); overrides the bank's.
    pub time_zone: Option<String>,
    /// Absolute; the account's own or the global one.
    pub drop_dir: PathBuf,
}

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
    /// A value that TOML accepted but that is not possible.
    #[error("{}: {}{problem}", file.display(), key_prefix(key))]
    Invalid {
        file: PathBuf,
        key: String,
        problem: Problem,
    },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() || key == "." {
        String::new()
    } else {
        format!("{key}: ")
    }
}

impl ConfigError {
    fn invalid(file: &Path, key: impl Into<String>, problem: Problem) -> Self {
        ConfigError::Invalid {
            file: file.to_path_buf(),
            key: key.into(),
            problem,
        }
    }

    /// The key path the error is about (empty when it concerns the whole file).
    pub fn key(&self) -> &str {
        match self {
            ConfigError::Read { .. } => "",
            ConfigError::Toml { key, .. } | ConfigError::Invalid { key, .. } => key,
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
    #[error("must be between {min} and {max}, not {value}")]
    OutOfRange { value: i64, min: usize, max: usize },
    #[error("{0:?} is not an http(s) URL")]
    BadUrl(String),
    #[error("is required: set it in the file or in the environment variable {env}")]
    MissingCredential { env: &'static str },
    #[error("give either client_secret or client_secret_file, not both")]
    SecretTwice,
    #[error("cannot read the secret file {}: {reason}", path.display())]
    SecretFile { path: PathBuf, reason: String },
    #[error("the secret file {} is empty", .0.display())]
    EmptySecretFile(PathBuf),
    #[error("no drop folder: set drop_dir for this account or the global drop_dir")]
    NoDropDir,
    #[error("the drop folder {} does not exist or is not a folder", .0.display())]
    DropDirMissing(PathBuf),
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

/// Where the configuration is looked for without `--config`.
pub const DEFAULT_PATH: &str = "ponto2camt.toml";

/// Reads and checks the configuration file. Relative paths in it are resolved against
/// the file's folder; `env` looks up environment variables (pass `|k| std::env::var(k).ok()`).
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let absolute = absolute(path);
    let base_dir = absolute.parent().unwrap_or(Path::new("/")).to_path_buf();
    Checker {
        file: &absolute,
        base_dir: &base_dir,
        env,
    }
    .run(&text)
}

/// Checks a configuration given as text; relative paths are resolved against `base_dir`.
pub fn parse(
    text: &str,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let file = base_dir.join("<config>");
    Checker {
        file: &file,
        base_dir: &absolute(base_dir),
        env,
    }
    .run(text)
}

/// The electronic form of an IBAN: no spaces, upper case.
pub fn normalize_iban(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The message with every `quoted` or "quoted" part replaced by `…`.
fn without_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in message.chars() {
        match open {
            Some(q) if c == q => open = None,
            Some(_) => {}
            None if c == '`' || c == '"' => {
                open = Some(c);
                out.push('…');
            }
            None => out.push(c),
        }
    }
    out
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

// ---- the file as written -------------------------------------------------------------
// No Debug on these: they hold the client secret in clear.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    state_dir: Option<PathBuf>,
    drop_dir: Option<PathBuf>,
    grouping: Option<String>,
    include_today: Option<bool>,
    concurrency: Option<i64>,
    ponto: Option<RawPonto>,
    accounts: Option<Vec<RawAccount>>,
    organizations: Option<Vec<RawOrganization>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPonto {
    api_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    client_secret_file: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganization {
    name: String,
    ponto: Option<RawPonto>,
    #[serde(default)]
    accounts: Vec<RawAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    iban: String,
    currency: Option<String>,
    start_date: RawDate,
    time_zone: Option<String>,
    drop_dir: Option<PathBuf>,
}

/// A date written either as a TOML date (`2026-01-01`) or as a string (`"2026-01-01"`).
#[derive(Deserialize)]
#[serde(untagged, expecting = "expected a date like \"2026-01-01\"")]
enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

// ---- checking ------------------------------------------------------------------------

struct Checker<'a> {
    file: &'a Path,
    base_dir: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Checker<'_> {
    fn run(&self, text: &str) -> Result<Config, ConfigError> {
        let raw = self.deserialize(text)?;
        self.check(raw)
    }

    fn deserialize(&self, text: &str) -> Result<RawConfig, ConfigError> {
        let deserializer =
            toml::Deserializer::parse(text).map_err(|e| self.toml_error(text, "", &e))?;
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let key = e.path().to_string();
            self.toml_error(text, &key, e.inner())
        })
    }

    /// toml's own Display quotes the offending line, which may hold a secret; so the
    /// message is rebuilt from the position and the bare message, and a message about a
    /// value on a line that mentions a secret is not shown.
    fn toml_error(&self, text: &str, key: &str, error: &toml::de::Error) -> ConfigError {
        let offset = error
            .span()
            .map(|span| span.start)
            .unwrap_or(0)
            .min(text.len());
        let before = text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = text.get(line_start..offset).unwrap_or("").chars().count() + 1;
        let line_text = text[line_start..].lines().next().unwrap_or("");
        let message = error.message().trim_end();
        let names_only =
            message.starts_with("unknown field") || message.starts_with("missing field");
        let message = if !names_only
            && (key.contains("secret") || line_text.to_ascii_lowercase().contains("secret"))
        {
            format!(
                "{} (value not shown: it may be a secret)",
                without_quoted(message)
            )
        } else {
            message.to_owned()
        };
        ConfigError::Toml {
            file: self.file.to_path_buf(),
            key: key.to_owned(),
            line,
            column,
            message,
        }
    }

    fn invalid(&self, key: impl Into<String>, problem: Problem) -> ConfigError {
        ConfigError::invalid(self.file, key, problem)
    }

    fn check(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let state_dir = self.path(raw.state_dir.as_deref(), "state_dir")?;
        let state_dir = state_dir.ok_or_else(|| self.invalid("state_dir", Problem::Missing))?;
        let drop_dir = self.path(raw.drop_dir.as_deref(), "drop_dir")?;
        let grouping = match raw.grouping.as_deref() {
            None => Grouping::default(),
            Some(text) => Grouping::parse(text)
                .ok_or_else(|| self.invalid("grouping", Problem::BadGrouping(text.to_owned())))?,
        };
        let concurrency = self.concurrency(raw.concurrency)?;
        let organizations = self.organizations(
            raw.ponto,
            raw.accounts,
            raw.organizations,
            drop_dir.as_deref(),
        )?;
        self.reject_duplicates(&organizations)?;
        Ok(Config {
            source: self.file.to_path_buf(),
            state_dir,
            drop_dir,
            grouping,
            include_today: raw.include_today.unwrap_or(false),
            concurrency,
            organizations,
        })
    }

    fn path(&self, value: Option<&Path>, key: &str) -> Result<Option<PathBuf>, ConfigError> {
        match value {
            None => Ok(None),
            Some(p) if p.as_os_str().is_empty() => Err(self.invalid(key, Problem::Empty)),
            Some(p) => Ok(Some(self.base_dir.join(p))),
        }
    }

    fn concurrency(&self, value: Option<i64>) -> Result<usize, ConfigError> {
        let Some(value) = value else {
            return Ok(DEFAULT_CONCURRENCY);
        };
        usize::try_from(value)
            .ok()
            .filter(|n| CONCURRENCY_RANGE.contains(n))
            .ok_or_else(|| {
                self.invalid(
                    "concurrency",
                    Problem::OutOfRange {
                        value,
                        min: *CONCURRENCY_RANGE.start(),
                        max: *CONCURRENCY_RANGE.end(),
                    },
                )
            })
    }

    fn organizations(
        &self,
        ponto: Option<RawPonto>,
        accounts: Option<Vec<RawAccount>>,
        organizations: Option<Vec<RawOrganization>>,
        drop_dir: Option<&Path>,
    ) -> Result<Vec<OrganizationConfig>, ConfigError> {
        let Some(organizations) = organizations else {
            return Ok(vec![self.single_organization(ponto, accounts, drop_dir)?]);
        };
        if ponto.is_some() {
            return Err(self.invalid(
                "ponto",
                Problem::Conflict("[ponto] is for a single organization; with [[organizations]] give each its own [organizations.ponto]"),
            ));
        }
        if accounts.is_some() {
            return Err(self.invalid(
                "accounts",
                Problem::Conflict(
                    "with [[organizations]], list accounts under [[organizations.accounts]]",
                ),
            ));
        }
        if organizations.is_empty() {
            return Err(self.invalid("organizations", Problem::NoAccounts));
        }
        organizations
            .into_iter()
            .enumerate()
            .map(|(i, org)| self.organization(i, org, drop_dir))
            .collect()
    }

    fn single_organization(
        &self,
        ponto: Option<RawPonto>,
        accounts: Option<Vec<RawAccount>>,
        drop_dir: Option<&Path>,
    ) -> Result<OrganizationConfig, ConfigError> {
        let accounts = accounts.unwrap_or_default();
        if accounts.is_empty() {
            return Err(self.invalid("accounts", Problem::NoAccounts));
        }
        let (api_url, client_id, client_secret) =
            self.credentials("ponto", ponto.unwrap_or_default(), true)?;
        let accounts = self.accounts("accounts", accounts, drop_dir)?;
        Ok(OrganizationConfig {
            name: DEFAULT_ORGANIZATION.to_owned(),
            api_url,
            client_id,
            client_secret,
            accounts,
        })
    }

    fn organization(
        &self,
        index: usize,
        raw: RawOrganization,
        drop_dir: Option<&Path>,
    ) -> Result<OrganizationConfig, ConfigError> {
        let key = format!("organizations[{index}]");
        let name = raw.name.trim().to_owned();
        if name.is_empty() {
            return Err(self.invalid(format!("{key}.name"), Problem::Empty));
        }
        if name.contains('/') {
            return Err(self.invalid(
                format!("{key}.name"),
                Problem::InvalidOrganizationName(name),
            ));
        }
        let ponto = raw
            .ponto
            .ok_or_else(|| self.invalid(format!("{key}.ponto"), Problem::Missing))?;
        let (api_url, client_id, client_secret) =
            self.credentials(&format!("{key}.ponto"), ponto, false)?;
        if raw.accounts.is_empty() {
            return Err(self.invalid(format!("{key}.accounts"), Problem::NoAccounts));
        }
        let accounts = self.accounts(&format!("{key}.accounts"), raw.accounts, drop_dir)?;
        Ok(OrganizationConfig {
            name,
            api_url,
            client_id,
            client_secret,
            accounts,
        })
    }

    /// The environment wins over the file, but only for the single organization: with
    /// several there is no telling which one a variable is meant for.
    fn credentials(
        &self,
        key: &str,
        ponto: RawPonto,
        use_env: bool,
    ) -> Result<(String, String, Secret), ConfigError> {
        let env = |name: &str| {
            if use_env {
                (self.env)(name).filter(|v| !v.trim().is_empty())
            } else {
                None
            }
        };
        let api_url = env(ENV_API_URL)
            .or(ponto.api_url)
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let api_url = api_url.trim().trim_end_matches('/').to_owned();
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            return Err(self.invalid(format!("{key}.api_url"), Problem::BadUrl(api_url)));
        }
        let client_id = env(ENV_CLIENT_ID)
            .or(ponto.client_id.filter(|v| !v.trim().is_empty()))
            .ok_or_else(|| {
                self.invalid(
                    format!("{key}.client_id"),
                    self.missing(use_env, ENV_CLIENT_ID),
                )
            })?;
        if ponto.client_secret.is_some() && ponto.client_secret_file.is_some() {
            return Err(self.invalid(format!("{key}.client_secret_file"), Problem::SecretTwice));
        }
        let secret = match env(ENV_CLIENT_SECRET) {
            Some(secret) => secret,
            None => {
                self.secret_from_file(key, ponto.client_secret, ponto.client_secret_file, use_env)?
            }
        };
        Ok((api_url, client_id.trim().to_owned(), Secret::new(secret)))
    }

    fn missing(&self, use_env: bool, env: &'static str) -> Problem {
        if use_env {
            Problem::MissingCredential { env }
        } else {
            Problem::Missing
        }
    }

    fn secret_from_file(
        &self,
        key: &str,
        inline: Option<String>,
        file: Option<PathBuf>,
        use_env: bool,
    ) -> Result<String, ConfigError> {
        if let Some(secret) = inline.filter(|s| !s.trim().is_empty()) {
            return Ok(secret.trim().to_owned());
        }
        let file_key = format!("{key}.client_secret_file");
        let Some(path) = self.path(file.as_deref(), &file_key)? else {
            let problem = self.missing(use_env, ENV_CLIENT_SECRET);
            return Err(self.invalid(format!("{key}.client_secret"), problem));
        };
        // The io error names no content, only why the file could not be read.
        let text = std::fs::read_to_string(&path).map_err(|e| {
            self.invalid(
                &file_key,
                Problem::SecretFile {
                    path: path.clone(),
                    reason: e.to_string(),
                },
            )
        })?;
        let secret = text.trim();
        if secret.is_empty() {
            return Err(self.invalid(file_key, Problem::EmptySecretFile(path)));
        }
        Ok(secret.to_owned())
    }

    fn accounts(
        &self,
        key: &str,
        accounts: Vec<RawAccount>,
        drop_dir: Option<&Path>,
    ) -> Result<Vec<AccountConfig>, ConfigError> {
        accounts
            .into_iter()
            .enumerate()
            .map(|(i, raw)| self.account(format!("{key}[{i}]"), raw, drop_dir))
            .collect()
    }

    fn account(
        &self,
        key: String,
        raw: RawAccount,
        global_drop_dir: Option<&Path>,
    ) -> Result<AccountConfig, ConfigError> {
        let iban = self.iban(&format!("{key}.iban"), &raw.iban)?;
        let currency = match raw.currency {
            None => None,
            Some(text) => Some(self.currency(&format!("{key}.currency"), &text)?),
        };
        let start_date = self.date(&format!("{key}.start_date"), &raw.start_date)?;
        let time_zone = match raw.time_zone.map(|tz| tz.trim().to_owned()) {
            Some(tz) if tz.is_empty() => {
                return Err(self.invalid(format!("{key}.time_zone"), Problem::Empty));
            }
            other => other,
        };
        let drop_dir_key = format!("{key}.drop_dir");
        let drop_dir = match self.path(raw.drop_dir.as_deref(), &drop_dir_key)? {
            Some(dir) => dir,
            None => global_drop_dir
                .map(Path::to_path_buf)
                .ok_or_else(|| self.invalid(drop_dir_key, Problem::NoDropDir))?,
        };
        Ok(AccountConfig {
            config_key: key,
            iban,
            currency,
            start_date,
            time_zone,
            drop_dir,
        })
    }

    /// Something that looks like an IBAN (two letters, two digits) must be a valid one;
    /// anything else is kept as Ponto's account reference (cards, non-IBAN accounts).
    fn iban(&self, key: &str, text: &str) -> Result<String, ConfigError> {
        let iban = normalize_iban(text);
        if iban.is_empty() {
            return Err(self.invalid(key, Problem::Empty));
        }
        let bytes = iban.as_bytes();
        let looks_like_iban = bytes.len() >= 4
            && bytes[..2].iter().all(u8::is_ascii_uppercase)
            && bytes[2..4].iter().all(u8::is_ascii_digit);
        if looks_like_iban && let Err(e) = iban.parse::<iban::Iban>() {
            return Err(self.invalid(
                key,
                Problem::InvalidIban {
                    value: iban,
                    reason: e.to_string(),
                },
            ));
        }
        Ok(iban)
    }

    fn currency(&self, key: &str, text: &str) -> Result<String, ConfigError> {
        let code = text.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(code)
        } else {
            Err(self.invalid(key, Problem::InvalidCurrency(text.to_owned())))
        }
    }

    fn date(&self, key: &str, raw: &RawDate) -> Result<NaiveDate, ConfigError> {
        let text = match raw {
            RawDate::Text(text) => text.trim().to_owned(),
            RawDate::Toml(datetime) => datetime.to_string(),
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .ok_or_else(|| self.invalid(key, Problem::InvalidDate(text)))
    }

    /// The same bank account twice would be exported twice; an account without a
    /// currency stands for all of the IBAN's currencies, so it clashes with any other.
    fn reject_duplicates(&self, organizations: &[OrganizationConfig]) -> Result<(), ConfigError> {
        let mut seen: Vec<&AccountConfig> = Vec::new();
        let mut names = HashSet::new();
        for (i, org) in organizations.iter().enumerate() {
            if !names.insert(org.name.as_str()) {
                return Err(self.invalid(
                    format!("organizations[{i}].name"),
                    Problem::DuplicateOrganization(org.name.clone()),
                ));
            }
            for account in &org.accounts {
                let clash = seen.iter().find(|other| {
                    other.iban == account.iban
                        && (other.currency.is_none()
                            || account.currency.is_none()
                            || other.currency == account.currency)
                });
                if let Some(first) = clash {
                    return Err(self.invalid(
                        account.config_key.clone(),
                        Problem::DuplicateAccount {
                            iban: account.iban.clone(),
                            currency: account.currency.clone(),
                            first: first.config_key.clone(),
                        },
                    ));
                }
                seen.push(account);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const MINIMAL: &str = r#"
state_dir = "state"
drop_dir = "/srv/drop"

[ponto]
client_id = "id-1"
client_secret = "s3cr3t-value"

[[accounts]]
iban = "be68 5390 0754 7034"
start_date = "2026-01-01"
"#;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse_ok(text: &str) -> Config {
        parse(text, Path::new("/etc/p2c"), &no_env).expect("valid config")
    }

    fn parse_err(text: &str) -> ConfigError {
        parse(text, Path::new("/etc/p2c"), &no_env).expect_err("invalid config")
    }

    fn with_env(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse(text, Path::new("/etc/p2c"), &move |k| map.get(k).cloned())
    }

    #[test]
    fn minimal_single_organization_gets_defaults_and_resolved_paths() {
        let config = parse_ok(MINIMAL);
        assert_eq!(config.state_dir, Path::new("/etc/p2c/state"));
        assert_eq!(config.grouping, Grouping::PerRun);
        assert!(!config.include_today);
        assert_eq!(config.concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(config.organizations.len(), 1);
        let org = &config.organizations[0];
        assert_eq!(org.name, DEFAULT_ORGANIZATION);
        assert_eq!(org.api_url, DEFAULT_API_URL);
        assert_eq!(org.client_id, "id-1");
        assert_eq!(org.client_secret.expose(), "s3cr3t-value");
        let account = &org.accounts[0];
        assert_eq!(account.iban, "BE68539007547034");
        assert_eq!(account.currency, None);
        assert_eq!(
            account.start_date,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
        assert_eq!(account.drop_dir, Path::new("/srv/drop"));
        assert_eq!(account.config_key, "accounts[0]");
    }

    #[test]
    fn example_file_parses_and_documents_every_key() {
        let text = include_str!("../../ponto2camt.example.toml");
        let config = parse(text, Path::new("/etc/p2c"), &no_env).expect("the example is valid");
        assert_eq!(config.grouping, Grouping::PerRun);
        let accounts: Vec<_> = config.accounts().collect();
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts[1].1.drop_dir, Path::new("/srv/erp/journal-bnk2"));
        assert_eq!(accounts[1].1.time_zone.as_deref(), Some("Europe/Brussels"));
        for key in [
            "state_dir",
            "drop_dir",
            "grouping",
            "include_today",
            "concurrency",
            "[ponto]",
            "api_url",
            "client_id",
            "client_secret",
            "client_secret_file",
            "[[accounts]]",
            "iban",
            "currency",
            "start_date",
            "time_zone",
            "[[organizations]]",
            "name",
            "[organizations.ponto]",
            "[[organizations.accounts]]",
        ] {
            assert!(text.contains(key), "the example does not mention {key}");
        }
    }

    #[test]
    fn several_organizations_each_with_credentials_and_folders() {
        let config = parse_ok(
            r#"
state_dir = "/var/lib/p2c"
drop_dir = "drop"
grouping = "daily"
include_today = true
concurrency = 3

[[organizations]]
name = "acme"
[organizations.ponto]
client_id = "a"
client_secret = "sa"
api_url = "http://127.0.0.1:9999/"
[[organizations.accounts]]
iban = "BE68539007547034"
currency = "eur"
start_date = 2026-01-01
drop_dir = "/srv/acme"

[[organizations]]
name = "globex"
[organizations.ponto]
client_id = "b"
client_secret = "sb"
[[organizations.accounts]]
iban = "NL91ABNA0417164300"
start_date = "2025-12-31"
"#,
        );
        assert_eq!(config.grouping, Grouping::Daily);
        assert!(config.include_today);
        assert_eq!(config.concurrency, 3);
        let names: Vec<_> = config
            .organizations
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(names, ["acme", "globex"]);
        let acme = &config.organizations[0];
        assert_eq!(acme.api_url, "http://127.0.0.1:9999");
        assert_eq!(acme.accounts[0].currency.as_deref(), Some("EUR"));
        assert_eq!(acme.accounts[0].drop_dir, Path::new("/srv/acme"));
        let globex = &config.organizations[1];
        assert_eq!(globex.client_secret.expose(), "sb");
        assert_eq!(globex.accounts[0].drop_dir, Path::new("/etc/p2c/drop"));
        assert_eq!(
            globex.accounts[0].config_key,
            "organizations[1].accounts[0]"
        );
        assert_eq!(config.accounts_with_iban("nl91 abna 0417 1643 00").len(), 1);
    }

    #[test]
    fn environment_overrides_the_single_organization() {
        let text = MINIMAL.replace("client_id = \"id-1\"\n", "");
        let config = with_env(
            &text,
            &[
                (ENV_CLIENT_ID, "env-id"),
                (ENV_CLIENT_SECRET, "env-secret"),
                (ENV_API_URL, "http://localhost:1234"),
            ],
        )
        .unwrap();
        let org = &config.organizations[0];
        assert_eq!(org.client_id, "env-id");
        assert_eq!(org.client_secret.expose(), "env-secret");
        assert_eq!(org.api_url, "http://localhost:1234");
    }

    #[test]
    fn environment_alone_can_supply_the_credentials() {
        let text = "state_dir = \"/s\"\ndrop_dir = \"/d\"\n[[accounts]]\niban = \"BE68539007547034\"\nstart_date = \"2026-01-01\"\n";
        let config = with_env(text, &[(ENV_CLIENT_ID, "i"), (ENV_CLIENT_SECRET, "s")]).unwrap();
        assert_eq!(config.organizations[0].client_secret.expose(), "s");
    }

    #[test]
    fn environment_does_not_apply_to_several_organizations() {
        let text = r#"
state_dir = "/s"
drop_dir = "/d"
[[organizations]]
name = "acme"
[organizations.ponto]
client_secret = "x"
[[organizations.accounts]]
iban = "BE68539007547034"
start_date = "2026-01-01"
"#;
        let err = with_env(text, &[(ENV_CLIENT_ID, "i")]).unwrap_err();
        assert_eq!(err.key(), "organizations[0].ponto.client_id");
    }

    #[test]
    fn missing_credentials_name_the_environment_variables() {
        let err = parse_err(&MINIMAL.replace("client_id = \"id-1\"\n", ""));
        assert_eq!(err.key(), "ponto.client_id");
        assert!(err.to_string().contains(ENV_CLIENT_ID), "{err}");
        let err = parse_err(&MINIMAL.replace("client_secret = \"s3cr3t-value\"\n", ""));
        assert_eq!(err.key(), "ponto.client_secret");
        assert!(err.to_string().contains(ENV_CLIENT_SECRET), "{err}");
    }

    #[test]
    fn secret_file_is_read_trimmed_and_relative_to_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret.txt"), "  file-secret\n").unwrap();
        let text = MINIMAL.replace(
            "client_secret = \"s3cr3t-value\"",
            "client_secret_file = \"secret.txt\"",
        );
        let config_path = dir.path().join("ponto2camt.toml");
        std::fs::write(&config_path, text).unwrap();
        let config = load(&config_path, &no_env).unwrap();
        assert_eq!(
            config.organizations[0].client_secret.expose(),
            "file-secret"
        );
        assert_eq!(config.state_dir, dir.path().join("state"));
        assert_eq!(config.source, config_path);
    }

    #[test]
    fn unreadable_or_doubled_secret_is_an_error() {
        let text = MINIMAL.replace(
            "client_secret = \"s3cr3t-value\"",
            "client_secret_file = \"/nonexistent/secret\"",
        );
        let err = parse_err(&text);
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    problem: Problem::SecretFile { .. },
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.key(), "ponto.client_secret_file");
        let text = MINIMAL.replace(
            "client_secret = \"s3cr3t-value\"",
            "client_secret = \"a\"\nclient_secret_file = \"b\"",
        );
        let err = parse_err(&text);
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    problem: Problem::SecretTwice,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn secrets_never_show_in_debug_or_errors() {
        let config = parse_ok(MINIMAL);
        assert!(!format!("{config:?}").contains("s3cr3t-value"));
        assert!(format!("{config:?}").contains("***"));
        assert_eq!(config.organizations[0].client_secret.to_string(), "***");
        // a wrong type on the secret's line: toml would quote the value
        let err = parse_err(&MINIMAL.replace("\"s3cr3t-value\"", "123456789"));
        assert!(!err.to_string().contains("123456789"), "{err}");
        assert!(!format!("{err:?}").contains("123456789"), "{err:?}");
        // a typo in the key: the error quotes the line in toml's own rendering
        let err = parse_err(&MINIMAL.replace("client_secret =", "client_secrt ="));
        assert!(!err.to_string().contains("s3cr3t-value"), "{err}");
        assert!(err.to_string().contains("client_secrt"), "{err}");
        // an unterminated string on the secret's line
        let err = parse_err(&MINIMAL.replace("\"s3cr3t-value\"", "\"s3cr3t-value"));
        assert!(!err.to_string().contains("s3cr3t-value"), "{err}");
    }

    #[test]
    fn unknown_key_names_the_path_and_position() {
        let err = parse_err(&format!("{MINIMAL}ibna = \"x\"\n"));
        assert!(matches!(err, ConfigError::Toml { .. }), "{err}");
        assert_eq!(err.key(), "accounts[0].ibna");
        let text = err.to_string();
        assert!(text.contains("unknown field `ibna`"), "{text}");
        assert!(text.contains("line 12"), "{text}");
        assert!(text.contains("/etc/p2c/<config>"), "{text}");
        let err = parse_err(&format!("colour = 1\n{MINIMAL}"));
        assert!(err.to_string().contains("unknown field `colour`"), "{err}");
    }

    #[test]
    fn wrong_type_names_the_key_and_line() {
        let err = parse_err(&MINIMAL.replace("start_date = \"2026-01-01\"", "start_date = 5"));
        assert_eq!(err.key(), "accounts[0].start_date");
        assert!(err.to_string().contains("line 11"), "{err}");
        assert!(err.to_string().contains("expected a date"), "{err}");
        let err = parse_err(&format!("include_today = \"yes\"\n{MINIMAL}"));
        assert_eq!(err.key(), "include_today");
        assert!(err.to_string().contains("line 1, column 17"), "{err}");
    }

    #[test]
    fn syntax_error_keeps_line_and_column() {
        let err = parse_err("state_dir = \n");
        let ConfigError::Toml { line, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(line, 1);
    }

    #[test]
    fn invalid_values_name_their_key() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "iban = \"be68 5390 0754 7034\"",
                "iban = \"BE68 5390 0754 7035\"",
                "accounts[0].iban",
            ),
            (
                "start_date = \"2026-01-01\"",
                "start_date = \"2026-13-01\"",
                "accounts[0].start_date",
            ),
            (
                "start_date = \"2026-01-01\"",
                "start_date = \"2026-01-01\"\ncurrency = \"EURO\"",
                "accounts[0].currency",
            ),
            (
                "drop_dir = \"/srv/drop\"",
                "drop_dir = \"/srv/drop\"\ngrouping = \"weekly\"",
                "grouping",
            ),
            (
                "drop_dir = \"/srv/drop\"",
                "drop_dir = \"/srv/drop\"\nconcurrency = 0",
                "concurrency",
            ),
            (
                "drop_dir = \"/srv/drop\"",
                "drop_dir = \"/srv/drop\"\nconcurrency = 65",
                "concurrency",
            ),
            ("drop_dir = \"/srv/drop\"\n", "", "accounts[0].drop_dir"),
            ("state_dir = \"state\"\n", "", "state_dir"),
            ("[ponto]", "[ponto]\napi_url = \"ftp://x\"", "ponto.api_url"),
        ];
        for (from, to, key) in cases {
            let text = MINIMAL.replace(from, to);
            assert_ne!(text, MINIMAL, "case {key} did not change the text");
            let err = parse_err(&text);
            assert_eq!(err.key(), *key, "{err}");
            assert!(err.to_string().contains(key), "{err}");
        }
        let err = parse_err(&MINIMAL.replace(
            "drop_dir = \"/srv/drop\"",
            "drop_dir = \"/srv/drop\"\ngrouping = \"weekly\"",
        ));
        assert!(
            err.to_string().contains("\"per-run\" or \"daily\""),
            "{err}"
        );
    }

    #[test]
    fn non_iban_references_are_kept_as_written() {
        let config = parse_ok(&MINIMAL.replace("be68 5390 0754 7034", "card-4242"));
        assert_eq!(config.organizations[0].accounts[0].iban, "CARD-4242");
    }

    #[test]
    fn duplicate_accounts_are_rejected_but_currencies_may_differ() {
        let second = |iban: &str, currency: &str| {
            format!(
                "{MINIMAL}{currency}\n[[accounts]]\niban = \"{iban}\"\nstart_date = \"2026-01-01\"\n{currency}\n"
            )
        };
        let err = parse_err(&second("BE68539007547034", ""));
        assert_eq!(err.key(), "accounts[1]");
        assert!(err.to_string().contains("accounts[0]"), "{err}");
        // one account without a currency stands for all: still a clash
        let text = format!(
            "{MINIMAL}\n[[accounts]]\niban = \"BE68539007547034\"\ncurrency = \"USD\"\nstart_date = \"2026-01-01\"\n"
        );
        assert!(matches!(
            parse_err(&text),
            ConfigError::Invalid {
                problem: Problem::DuplicateAccount { .. },
                ..
            }
        ));
        let text = MINIMAL.replace(
            "start_date = \"2026-01-01\"",
            "start_date = \"2026-01-01\"\ncurrency = \"EUR\"",
        );
        let config = parse_ok(&format!(
            "{text}\n[[accounts]]\niban = \"BE68539007547034\"\ncurrency = \"USD\"\nstart_date = \"2026-01-01\"\n"
        ));
        assert_eq!(config.organizations[0].accounts.len(), 2);
    }

    #[test]
    fn forms_cannot_be_mixed_and_accounts_are_required() {
        let text = format!("{MINIMAL}\n[[organizations]]\nname = \"x\"\n");
        assert_eq!(parse_err(&text).key(), "ponto");
        let text = "state_dir = \"/s\"\n[ponto]\nclient_id = \"i\"\nclient_secret = \"s\"\n";
        assert!(matches!(
            parse_err(text),
            ConfigError::Invalid {
                problem: Problem::NoAccounts,
                ..
            }
        ));
    }

    #[test]
    fn check_paths_requires_existing_drop_folders() {
        let dir = tempfile::tempdir().unwrap();
        let text = MINIMAL.replace("/srv/drop", "drop");
        let config = parse(&text, dir.path(), &no_env).unwrap();
        let err = config.check_paths().unwrap_err();
        assert_eq!(err.key(), "accounts[0].drop_dir");
        std::fs::create_dir(dir.path().join("drop")).unwrap();
        config.check_paths().unwrap();
    }

    #[test]
    fn unreadable_config_file_names_the_path() {
        let err = load(Path::new("/nonexistent/ponto2camt.toml"), &no_env).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/ponto2camt.toml"),
            "{err}"
        );
    }
}

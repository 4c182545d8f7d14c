//! The TOML configuration: what is read from `ponto2camt.toml`, checked and resolved
//! into a [`Config`] that the rest of the program can trust (paths absolute, IBANs
//! normalised, credentials present, every account with its drop folder).
//!
//! Every mistake is a [`ConfigError`] naming the file and the key path
//! (`accounts[2].start_date`, 0-based like the TOML arrays they index), so that the
//! user can fix the file without guessing; every mistake the check finds is reported
//! at once ([`ConfigError::Many`]). Secrets never appear in any message.
//!
//! Also here: where the file is without `--config` ([`locate`]), where the client
//! secret comes from ([`secret_from_environment`], then the file), and the first
//! configuration `ponto2camt init` writes ([`template`]).

mod locate;
mod parse;
mod permissions;
mod problems;
mod secrets;
pub mod template;
#[cfg(test)]
mod tests;

pub use locate::{SYSTEM_PLACES, locate, locate_among, places};
pub use permissions::{DEFAULT_FILE_MODE, MAX_SECRET_FILE, SecretSource};
pub use problems::{ConfigError, Problem};
pub use secrets::secret_from_environment;

use crate::matching::normalize_iban;
use chrono::NaiveDate;
use parse::Checker;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The production API of MyPonto custom integrations.
pub const DEFAULT_API_URL: &str = "https://api.myponto.com";
/// `lookback_days` when the file does not say.
pub const DEFAULT_LOOKBACK_DAYS: u32 = 7;
/// The bounds of `lookback_days`.
pub const LOOKBACK_RANGE: std::ops::RangeInclusive<u32> = 0..=366;
/// `consent_warn_days` when the file does not say: warn this many days before a bank
/// consent expires.
pub const DEFAULT_CONSENT_WARN_DAYS: u32 = 14;
/// The bounds of `consent_warn_days`.
pub const CONSENT_WARN_RANGE: std::ops::RangeInclusive<u32> = 0..=365;
/// `stale_after` when the file does not say: a last synchronization older than this is
/// a problem.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(36 * 3600);
/// The largest configuration file read (a real one is a few kilobytes).
pub const MAX_CONFIG_FILE: u64 = 1024 * 1024;
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
/// A file holding the client secret (single organization), below `PONTO_CLIENT_SECRET`.
pub const ENV_CLIENT_SECRET_FILE: &str = "PONTO_CLIENT_SECRET_FILE";
/// Set by systemd for a service with `LoadCredential=`/`SetCredential=`.
pub const ENV_CREDENTIALS_DIRECTORY: &str = "CREDENTIALS_DIRECTORY";
/// The credential's name in that folder (`LoadCredential=ponto_client_secret:FILE`).
pub const SYSTEMD_CREDENTIAL: &str = "ponto_client_secret";
/// Names the configuration file when `--config` does not.
pub const ENV_CONFIG: &str = "PONTO2CAMT_CONFIG";

/// Secrets print as `***` in Debug and Display: the client crate's type, so the secret
/// goes from the file to Ponto without ever being a plain string in between.
pub use ponto::Secret;

/// How transactions are cut into statements (by `fetch`, `watch` and `convert` alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    /// One statement for each batch: per account per fetch run that found new
    /// transactions (`per-run` in the configuration), per bundle for `convert`
    /// (`--grouping per-file`).
    #[default]
    Batch,
    /// One statement per booking day that is over in the bank's time zone.
    Daily,
}

impl Grouping {
    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::Batch => "per-run",
            Grouping::Daily => "daily",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "per-run" => Some(Grouping::Batch),
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
    /// The mode of the files delivered into drop folders (`file_mode`, default
    /// [`DEFAULT_FILE_MODE`]), set exactly whatever the umask.
    pub file_mode: u32,
    /// The `watch` daemon's settings (`[watch]`).
    pub watch: WatchSettings,
    /// Warn when a bank consent expires within this many days.
    pub consent_warn_days: u32,
    /// A last Ponto synchronization older than this is reported as a problem.
    pub stale_after: Duration,
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
    /// be parsed anywhere): every drop folder must exist and be a folder. Every missing
    /// one is reported.
    pub fn check_paths(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if let Some(inbox) = &self.watch.inbox_dir
            && !inbox.is_dir()
        {
            problems.push(ConfigError::invalid(
                &self.source,
                "watch.inbox_dir",
                Problem::InboxDirMissing(inbox.clone()),
            ));
        }
        for (_, account) in self.accounts() {
            if !account.drop_dir.is_dir() {
                problems.push(ConfigError::invalid(
                    &self.source,
                    format!("{}.drop_dir", account.config_key),
                    Problem::DropDirMissing(account.drop_dir.clone()),
                ));
            }
        }
        self.verdict(problems)
    }

    /// Every configured `time_zone` must be a zone the program knows (chrono-tz).
    pub fn check_time_zones(&self) -> Result<(), ConfigError> {
        let problems = self
            .accounts()
            .filter_map(|(_, account)| {
                let zone = account.time_zone.as_ref()?;
                zone.parse::<chrono_tz::Tz>().is_err().then(|| {
                    ConfigError::invalid(
                        &self.source,
                        format!("{}.time_zone", account.config_key),
                        Problem::UnknownTimeZone(zone.clone()),
                    )
                })
            })
            .collect();
        self.verdict(problems)
    }

    fn verdict(&self, problems: Vec<ConfigError>) -> Result<(), ConfigError> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::from_problems(&self.source, problems))
        }
    }
}

/// `[watch]`: how the daemon schedules fetches and watches its folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchSettings {
    /// Between scheduled fetches (plus a jitter of at most 10%).
    pub interval: Duration,
    /// Bundles dropped here are delivered like fetched data (absolute).
    pub inbox_dir: Option<PathBuf>,
    /// Poll the folders instead of OS notifications (network shares send none).
    pub poll: bool,
    /// A file waiting longer than this in a drop folder is a warning.
    pub pickup_warn_after: Duration,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            interval: Duration::from_secs(3600),
            inbox_dir: None,
            poll: false,
            pickup_warn_after: Duration::from_secs(2 * 3600),
        }
    }
}

/// The shortest `watch.interval`: Ponto itself synchronizes only a few times a day.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// A duration as people write it: "90s", "15m", "1h", "1h 30m" (humantime).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim()).map_err(|e| e.to_string())?;
    if duration < MIN_INTERVAL {
        return Err("must be at least 1s".into());
    }
    Ok(duration)
}

/// One Ponto organization: its credentials and the accounts read with them.
#[derive(Debug, Clone)]
pub struct OrganizationConfig {
    /// `default` for the single-organization form.
    pub name: String,
    pub api_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Where the secret came from (for [`Config::permission_warnings`]).
    pub secret_source: SecretSource,
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
    /// How far below the newest known transaction an incremental read goes on looking
    /// (days of execution date; 0 trusts Ponto's creation order). Resolved: the
    /// account's own, else the global one, else [`DEFAULT_LOOKBACK_DAYS`].
    pub lookback_days: Option<u32>,
    /// Migration from Odoo's Ponto module: the last Ponto transaction id Odoo imported
    /// ("Ponto Last Identifier"). The first run treats it and everything Ponto lists
    /// after it as delivered.
    pub start_after_id: Option<String>,
    /// Migration: the first statement opens at this balance (Odoo's last closing
    /// balance) instead of one derived from Ponto's current balance.
    pub opening_balance: Option<rust_decimal::Decimal>,
}

/// Where the configuration is looked for without `--config`.
pub const DEFAULT_PATH: &str = "ponto2camt.toml";

/// Reads and checks the configuration file. Relative paths in it are resolved against
/// the file's folder; `env` looks up environment variables (pass `|k| std::env::var(k).ok()`).
/// Every problem found after the TOML was read is reported ([`ConfigError::Many`]); a
/// TOML syntax error, an unknown key or a wrong type stops at the first.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    load_with(path, env, false)
}

/// `check-config`: [`load`], and also what the file system and the Ponto client say:
/// `state_dir`, every drop folder and `watch.inbox_dir` exist, every `time_zone` is
/// known, every `api_url` is one the client will use (https, or http on loopback).
/// Every problem is reported.
pub fn check(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    load_with(path, env, true)
}

fn load_with(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    thorough: bool,
) -> Result<Config, ConfigError> {
    let read_error = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let bytes = permissions::read_regular_file(path, MAX_CONFIG_FILE).map_err(read_error)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not UTF-8 text",
        ))
    })?;
    let absolute = absolute(path);
    let base_dir = absolute.parent().unwrap_or(Path::new("/")).to_path_buf();
    Checker::new(&absolute, &base_dir, env, thorough).run(&text)
}

/// Checks a configuration given as text; relative paths are resolved against `base_dir`.
pub fn parse(
    text: &str,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let file = base_dir.join("<config>");
    Checker::new(&file, &absolute(base_dir), env, false).run(text)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

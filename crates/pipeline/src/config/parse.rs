//! Reading the TOML file into the checked [`Config`]: the file as written (`Raw*`, no
//! Debug: they hold the secret in clear), then a [`Checker`] that resolves paths,
//! normalises IBANs and reports every mistake with its key path.

use super::*;
use crate::matching::normalize_iban;
use chrono::NaiveDate;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    file_mode: Option<String>,
    lookback_days: Option<i64>,
    consent_warn_days: Option<i64>,
    stale_after: Option<String>,
    watch: Option<RawWatch>,
    ponto: Option<RawPonto>,
    accounts: Option<Vec<RawAccount>>,
    organizations: Option<Vec<RawOrganization>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWatch {
    interval: Option<String>,
    inbox_dir: Option<PathBuf>,
    poll: Option<bool>,
    pickup_warn_after: Option<String>,
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
    lookback_days: Option<i64>,
    start_after_id: Option<String>,
    opening_balance: Option<RawAmount>,
}

/// An amount written as text (`"12345.67"`, exact) or, by mistake, as a TOML number
/// (which may already have lost digits: refused with a hint to quote it).
#[derive(Deserialize)]
#[serde(untagged, expecting = "expected an amount like \"12345.67\"")]
enum RawAmount {
    Text(String),
    Integer(i64),
    Float(f64),
}

/// A date written either as a TOML date (`2026-01-01`) or as a string (`"2026-01-01"`).
#[derive(Deserialize)]
#[serde(untagged, expecting = "expected a date like \"2026-01-01\"")]
enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

// ---- checking ------------------------------------------------------------------------

pub(super) struct Checker<'a> {
    file: &'a Path,
    base_dir: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// `check-config`: also the folders on disk, the time zones, and each `api_url` as
    /// the Ponto client takes it.
    thorough: bool,
    /// Every problem found so far, in file order.
    problems: RefCell<Vec<ConfigError>>,
    /// The missing folders reported (`thorough`), each once.
    missing_folders: RefCell<HashSet<PathBuf>>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(
        file: &'a Path,
        base_dir: &'a Path,
        env: &'a dyn Fn(&str) -> Option<String>,
        thorough: bool,
    ) -> Self {
        Checker {
            file,
            base_dir,
            env,
            thorough,
            problems: RefCell::new(Vec::new()),
            missing_folders: RefCell::new(HashSet::new()),
        }
    }

    /// The checked configuration, or every problem found after the TOML was read (a
    /// TOML error stops at the first: the rest of the file cannot be trusted).
    pub(super) fn run(&self, text: &str) -> Result<Config, ConfigError> {
        let raw = self.deserialize(text)?;
        let config = self.check(raw);
        let problems = self.problems.take();
        match config {
            Some(config) if problems.is_empty() => Ok(config),
            _ => Err(ConfigError::from_problems(self.file, problems)),
        }
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

    /// Notes a problem; the check goes on to find the others.
    fn report(&self, error: ConfigError) {
        self.problems.borrow_mut().push(error);
    }

    /// The value, or `None` with its problem noted.
    fn keep<T>(&self, result: Result<T, ConfigError>) -> Option<T> {
        result.map_err(|e| self.report(e)).ok()
    }

    /// Every check runs, each problem is noted; a [`Config`] only when there was none.
    fn check(&self, raw: RawConfig) -> Option<Config> {
        let state_dir = match self.keep(self.path(raw.state_dir.as_deref(), "state_dir")) {
            Some(None) => {
                self.report(self.invalid("state_dir", Problem::Missing));
                None
            }
            other => other.flatten(),
        };
        if let Some(dir) = &state_dir {
            self.require_folder("state_dir", dir, Problem::StateDirMissing);
        }
        // None: broken (noted); Some(None): not set.
        let drop_dir = self.keep(self.path(raw.drop_dir.as_deref(), "drop_dir"));
        let grouping = match raw.grouping.as_deref() {
            None => Some(Grouping::default()),
            Some(text) => self
                .keep(Grouping::parse(text).ok_or_else(|| {
                    self.invalid("grouping", Problem::BadGrouping(text.to_owned()))
                })),
        };
        let concurrency = self.keep(self.concurrency(raw.concurrency));
        let file_mode = self.keep(self.file_mode(raw.file_mode.as_deref()));
        let lookback = self.keep(self.lookback_days("lookback_days", raw.lookback_days));
        let watch = self.watch(raw.watch.unwrap_or_default());
        let consent_warn_days = self.keep(self.ranged_u32(
            "consent_warn_days",
            raw.consent_warn_days,
            CONSENT_WARN_RANGE,
        ));
        let stale_after = self.keep(self.duration("stale_after", raw.stale_after.as_deref()));
        let global_drop = drop_dir.as_ref().map(|dir| dir.as_deref());
        let mut organizations =
            self.organizations(raw.ponto, raw.accounts, raw.organizations, global_drop);
        self.reject_duplicates(&organizations);
        let lookback = lookback?;
        for org in &mut organizations {
            for account in &mut org.accounts {
                account.lookback_days = account
                    .lookback_days
                    .or(lookback)
                    .or(Some(DEFAULT_LOOKBACK_DAYS));
            }
        }
        Some(Config {
            source: self.file.to_path_buf(),
            state_dir: state_dir?,
            drop_dir: drop_dir?,
            grouping: grouping?,
            include_today: raw.include_today.unwrap_or(false),
            watch: watch?,
            consent_warn_days: consent_warn_days?.unwrap_or(DEFAULT_CONSENT_WARN_DAYS),
            stale_after: stale_after?.unwrap_or(DEFAULT_STALE_AFTER),
            concurrency: concurrency?,
            file_mode: file_mode?,
            organizations,
        })
    }

    /// `check-config`: a folder the file names must exist (each reported once).
    fn require_folder(&self, key: &str, dir: &Path, problem: fn(PathBuf) -> Problem) {
        if self.thorough
            && !dir.is_dir()
            && self.missing_folders.borrow_mut().insert(dir.to_path_buf())
        {
            self.report(self.invalid(key, problem(dir.to_path_buf())));
        }
    }

    fn file_mode(&self, text: Option<&str>) -> Result<u32, ConfigError> {
        let Some(text) = text else {
            return Ok(DEFAULT_FILE_MODE);
        };
        super::permissions::parse_file_mode(text)
            .ok_or_else(|| self.invalid("file_mode", Problem::BadFileMode(text.to_owned())))
    }

    fn watch(&self, raw: RawWatch) -> Option<WatchSettings> {
        let defaults = WatchSettings::default();
        let interval = self.keep(self.duration("watch.interval", raw.interval.as_deref()));
        let inbox_dir = self.keep(self.path(raw.inbox_dir.as_deref(), "watch.inbox_dir"));
        if let Some(Some(dir)) = &inbox_dir {
            self.require_folder("watch.inbox_dir", dir, Problem::InboxDirMissing);
        }
        let pickup_warn_after =
            self.keep(self.duration("watch.pickup_warn_after", raw.pickup_warn_after.as_deref()));
        Some(WatchSettings {
            interval: interval?.unwrap_or(defaults.interval),
            inbox_dir: inbox_dir?,
            poll: raw.poll.unwrap_or(defaults.poll),
            pickup_warn_after: pickup_warn_after?.unwrap_or(defaults.pickup_warn_after),
        })
    }

    fn duration(&self, key: &str, text: Option<&str>) -> Result<Option<Duration>, ConfigError> {
        let Some(text) = text else { return Ok(None) };
        parse_duration(text).map(Some).map_err(|reason| {
            self.invalid(
                key,
                Problem::BadDuration {
                    value: text.to_owned(),
                    reason,
                },
            )
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

    /// The organizations whose every value is right (the others' problems are noted).
    /// `drop_dir`: the global one; `None` when it is broken (then an account without
    /// its own is not reported as having none).
    fn organizations(
        &self,
        ponto: Option<RawPonto>,
        accounts: Option<Vec<RawAccount>>,
        organizations: Option<Vec<RawOrganization>>,
        drop_dir: Option<Option<&Path>>,
    ) -> Vec<OrganizationConfig> {
        let Some(organizations) = organizations else {
            return self
                .single_organization(ponto, accounts, drop_dir)
                .into_iter()
                .collect();
        };
        if ponto.is_some() {
            self.report(self.invalid(
                "ponto",
                Problem::Conflict("[ponto] is for a single organization; with [[organizations]] give each its own [organizations.ponto]"),
            ));
        }
        if accounts.is_some() {
            self.report(self.invalid(
                "accounts",
                Problem::Conflict(
                    "with [[organizations]], list accounts under [[organizations.accounts]]",
                ),
            ));
        }
        if organizations.is_empty() {
            self.report(self.invalid("organizations", Problem::NoAccounts));
        }
        organizations
            .into_iter()
            .enumerate()
            .filter_map(|(i, org)| self.organization(i, org, drop_dir))
            .collect()
    }

    fn single_organization(
        &self,
        ponto: Option<RawPonto>,
        accounts: Option<Vec<RawAccount>>,
        drop_dir: Option<Option<&Path>>,
    ) -> Option<OrganizationConfig> {
        let accounts = accounts.unwrap_or_default();
        if accounts.is_empty() {
            self.report(self.invalid("accounts", Problem::NoAccounts));
        }
        let credentials = self.credentials("ponto", ponto.unwrap_or_default(), true);
        let accounts = self.accounts("accounts", accounts, drop_dir);
        let (api_url, client_id, client_secret, secret_source) = credentials?;
        Some(OrganizationConfig {
            name: DEFAULT_ORGANIZATION.to_owned(),
            api_url,
            client_id,
            client_secret,
            secret_source,
            accounts,
        })
    }

    fn organization(
        &self,
        index: usize,
        raw: RawOrganization,
        drop_dir: Option<Option<&Path>>,
    ) -> Option<OrganizationConfig> {
        let key = format!("organizations[{index}]");
        let name = raw.name.trim().to_owned();
        let name = if name.is_empty() {
            self.report(self.invalid(format!("{key}.name"), Problem::Empty));
            None
        } else if name.contains('/') {
            self.report(self.invalid(
                format!("{key}.name"),
                Problem::InvalidOrganizationName(name),
            ));
            None
        } else {
            Some(name)
        };
        let credentials = match raw.ponto {
            None => {
                self.report(self.invalid(format!("{key}.ponto"), Problem::Missing));
                None
            }
            Some(ponto) => self.credentials(&format!("{key}.ponto"), ponto, false),
        };
        if raw.accounts.is_empty() {
            self.report(self.invalid(format!("{key}.accounts"), Problem::NoAccounts));
        }
        let accounts = self.accounts(&format!("{key}.accounts"), raw.accounts, drop_dir);
        let (api_url, client_id, client_secret, secret_source) = credentials?;
        Some(OrganizationConfig {
            name: name?,
            api_url,
            client_id,
            client_secret,
            secret_source,
            accounts,
        })
    }

    /// The environment wins over the file, but only for the single organization: with
    /// several there is no telling which one a variable is meant for. Each of the three
    /// values is checked (and reported) on its own.
    fn credentials(
        &self,
        key: &str,
        ponto: RawPonto,
        use_env: bool,
    ) -> Option<(String, String, Secret, SecretSource)> {
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
        let api_url = self.keep(self.api_url(key, &api_url));
        let client_id = env(ENV_CLIENT_ID)
            .or(ponto.client_id.filter(|v| !v.trim().is_empty()))
            .map(|id| id.trim().to_owned());
        if client_id.is_none() {
            let problem = self.missing(use_env, ENV_CLIENT_ID);
            self.report(self.invalid(format!("{key}.client_id"), problem));
        }
        let secret = self.secret(key, ponto.client_secret, ponto.client_secret_file, use_env);
        let (secret, source) = secret?;
        Some((api_url?, client_id?, secret, source))
    }

    fn api_url(&self, key: &str, text: &str) -> Result<String, ConfigError> {
        let api_url = text.trim().trim_end_matches('/').to_owned();
        let key = format!("{key}.api_url");
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            return Err(self.invalid(key, Problem::BadUrl(api_url)));
        }
        if self.thorough {
            // What fetch would refuse: plain http to another host, a password in the URL.
            let credentials = ponto::Credentials::new("check", Secret::new("check"));
            let config = ponto::ClientConfig::new(credentials).with_base_url(api_url.clone());
            if let Err(e) = ponto::Client::new(config) {
                return Err(self.invalid(key, Problem::UnusableUrl(e.to_string())));
            }
        }
        Ok(api_url)
    }

    /// Environment first (single organization), then the file; see `secrets.rs`.
    fn secret(
        &self,
        key: &str,
        inline: Option<String>,
        file: Option<PathBuf>,
        use_env: bool,
    ) -> Option<(Secret, SecretSource)> {
        if inline.is_some() && file.is_some() {
            self.report(self.invalid(format!("{key}.client_secret_file"), Problem::SecretTwice));
            return None;
        }
        if use_env {
            match self.keep(super::secrets::secret_from_environment(self.env)) {
                None => return None,
                Some(Some(found)) => return Some(found),
                Some(None) => {}
            }
        }
        self.keep(self.secret_from_file(key, inline, file, use_env))
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
    ) -> Result<(Secret, SecretSource), ConfigError> {
        if let Some(secret) = inline.filter(|s| !s.trim().is_empty()) {
            return Ok((
                Secret::new(secret.trim().to_owned()),
                SecretSource::ConfigFile,
            ));
        }
        let file_key = format!("{key}.client_secret_file");
        let Some(path) = self.path(file.as_deref(), &file_key)? else {
            let problem = if use_env {
                Problem::MissingSecret
            } else {
                Problem::Missing
            };
            return Err(self.invalid(format!("{key}.client_secret"), problem));
        };
        // The problem names no content, only why the file could not be used.
        let secret = super::secrets::read_secret(&path)
            .map_err(|problem| self.invalid(&file_key, problem))?;
        Ok((secret, SecretSource::File(path)))
    }

    /// The accounts whose every value is right (the others' problems are noted).
    fn accounts(
        &self,
        key: &str,
        accounts: Vec<RawAccount>,
        drop_dir: Option<Option<&Path>>,
    ) -> Vec<AccountConfig> {
        accounts
            .into_iter()
            .enumerate()
            .filter_map(|(i, raw)| self.account(format!("{key}[{i}]"), raw, drop_dir))
            .collect()
    }

    fn account(
        &self,
        key: String,
        raw: RawAccount,
        global_drop_dir: Option<Option<&Path>>,
    ) -> Option<AccountConfig> {
        let iban = self.keep(self.iban(&format!("{key}.iban"), &raw.iban));
        let currency = match raw.currency {
            None => Some(None),
            Some(text) => self
                .keep(self.currency(&format!("{key}.currency"), &text))
                .map(Some),
        };
        let start_date = self.keep(self.date(&format!("{key}.start_date"), &raw.start_date));
        let time_zone = self.keep(self.time_zone(&format!("{key}.time_zone"), raw.time_zone));
        let drop_dir_key = format!("{key}.drop_dir");
        let drop_dir = match self.keep(self.path(raw.drop_dir.as_deref(), &drop_dir_key)) {
            Some(Some(dir)) => {
                self.require_folder(&drop_dir_key, &dir, Problem::DropDirMissing);
                Some(dir)
            }
            Some(None) => match global_drop_dir {
                Some(Some(global)) => {
                    // a missing global drop folder is named once, under its own key
                    self.require_folder("drop_dir", global, Problem::DropDirMissing);
                    Some(global.to_path_buf())
                }
                Some(None) => {
                    self.report(self.invalid(drop_dir_key, Problem::NoDropDir));
                    None
                }
                // the global one is broken: that is the problem, already noted
                None => None,
            },
            None => None,
        };
        let lookback_days =
            self.keep(self.lookback_days(&format!("{key}.lookback_days"), raw.lookback_days));
        let start_after_id = match raw.start_after_id.map(|id| id.trim().to_owned()) {
            Some(id) if id.is_empty() => {
                self.report(self.invalid(format!("{key}.start_after_id"), Problem::Empty));
                None
            }
            other => Some(other),
        };
        let opening_balance = match &raw.opening_balance {
            None => Some(None),
            Some(amount) => self
                .keep(self.amount(&format!("{key}.opening_balance"), amount))
                .map(Some),
        };
        Some(AccountConfig {
            config_key: key,
            iban: iban?,
            currency: currency?,
            start_date: start_date?,
            time_zone: time_zone?,
            drop_dir: drop_dir?,
            lookback_days: lookback_days?,
            start_after_id: start_after_id?,
            opening_balance: opening_balance?,
        })
    }

    /// Not empty; `check-config` also wants a zone the program knows (fetch reports an
    /// unknown one for its account only).
    fn time_zone(&self, key: &str, raw: Option<String>) -> Result<Option<String>, ConfigError> {
        let Some(zone) = raw.map(|tz| tz.trim().to_owned()) else {
            return Ok(None);
        };
        if zone.is_empty() {
            return Err(self.invalid(key, Problem::Empty));
        }
        if self.thorough && zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(self.invalid(key, Problem::UnknownTimeZone(zone)));
        }
        Ok(Some(zone))
    }

    fn lookback_days(&self, key: &str, value: Option<i64>) -> Result<Option<u32>, ConfigError> {
        self.ranged_u32(key, value, LOOKBACK_RANGE)
    }

    fn ranged_u32(
        &self,
        key: &str,
        value: Option<i64>,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<Option<u32>, ConfigError> {
        let Some(value) = value else { return Ok(None) };
        u32::try_from(value)
            .ok()
            .filter(|days| range.contains(days))
            .map(Some)
            .ok_or_else(|| {
                self.invalid(
                    key,
                    Problem::OutOfRange {
                        value,
                        min: *range.start() as usize,
                        max: *range.end() as usize,
                    },
                )
            })
    }

    /// An amount as written, exactly (the currency's decimals are checked where the
    /// currency is known).
    fn amount(&self, key: &str, raw: &RawAmount) -> Result<rust_decimal::Decimal, ConfigError> {
        let text = match raw {
            RawAmount::Text(text) => text.trim().to_owned(),
            RawAmount::Integer(n) => n.to_string(),
            RawAmount::Float(f) => {
                return Err(self.invalid(key, Problem::UnquotedAmount(f.to_string())));
            }
        };
        text.parse::<rust_decimal::Decimal>()
            .ok()
            .filter(|_| {
                !text.is_empty()
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b"-.".contains(&b))
            })
            .ok_or_else(|| self.invalid(key, Problem::InvalidAmount(text)))
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
    fn reject_duplicates(&self, organizations: &[OrganizationConfig]) {
        let mut seen: Vec<&AccountConfig> = Vec::new();
        let mut names = HashSet::new();
        for (i, org) in organizations.iter().enumerate() {
            if !names.insert(org.name.as_str()) {
                self.report(self.invalid(
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
                    self.report(self.invalid(
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
    }
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

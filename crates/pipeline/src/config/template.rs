//! `ponto2camt init`: a first configuration, commented, with one `[[accounts]]` block
//! per account Ponto lists, and never the secret; written as a new file only (an
//! existing file is never replaced, not even by a race).

use super::{DEFAULT_API_URL, ENV_CLIENT_SECRET, ENV_CLIENT_SECRET_FILE, SYSTEMD_CREDENTIAL};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// How many days before the day `init` runs the accounts' `start_date` lies.
pub const START_DAYS_BACK: i64 = 7;

/// What goes into the file.
#[derive(Debug, Clone)]
pub struct Template {
    pub api_url: String,
    pub client_id: String,
    /// Written as `client_secret_file` when the secret came from a file (its path, never
    /// its content).
    pub secret_file: Option<PathBuf>,
    /// As written into the file (relative: to the file's folder).
    pub state_dir: String,
    pub drop_dir: String,
    /// The day the file is written.
    pub today: NaiveDate,
    pub accounts: Vec<TemplateAccount>,
}

/// One account as Ponto lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateAccount {
    /// Ponto's `reference` (the IBAN for bank accounts).
    pub reference: String,
    pub currency: String,
    pub description: Option<String>,
    pub holder: Option<String>,
    pub bank: Option<String>,
}

impl Template {
    /// The accounts' `start_date`: a week before today, so the first `fetch` delivers
    /// that week.
    pub fn start_date(&self) -> NaiveDate {
        self.today - chrono::Duration::days(START_DAYS_BACK)
    }

    /// The configuration's text. It passes `check-config` once the folders exist and
    /// the secret is given as the comments say.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "\
# ponto2camt configuration, written by `ponto2camt init` on {today} for the accounts
# Ponto listed. Every key is documented in ponto2camt.example.toml (in the source);
# `ponto2camt check-config --config THIS_FILE` checks it.

# The ledger (what was delivered, the statement chains) and the lock live here. `fetch`
# creates the folder (mode 0700) the first time; back it up with the drop folder.
# Relative paths are relative to this file's folder. Under the contrib systemd units
# (StateDirectory=ponto2camt) it is \"/var/lib/ponto2camt\".
state_dir = {state_dir}

# Where the camt.053 files are delivered: the ERP's import folder. It must exist (the
# ERP reads it, so its owner and group are the ERP's business); an account can have
# its own drop_dir.
drop_dir = {drop_dir}

# One statement per account per run (\"per-run\"), or one per booking day (\"daily\").
# grouping = \"per-run\"

[ponto]
",
            today = self.today,
            state_dir = quoted(&self.state_dir),
            drop_dir = quoted(&self.drop_dir),
        );
        if self.api_url.trim_end_matches('/') == DEFAULT_API_URL {
            let _ = writeln!(out, "# api_url = {}", quoted(DEFAULT_API_URL));
        } else {
            let _ = writeln!(out, "api_url = {}", quoted(&self.api_url));
        }
        let _ = writeln!(out, "client_id = {}", quoted(&self.client_id));
        let _ = write!(
            out,
            "\
# The client secret is never written here. ponto2camt takes the first of:
#   {ENV_CLIENT_SECRET} (environment variable),
#   {ENV_CLIENT_SECRET_FILE} (environment variable naming a file that holds it),
#   the systemd credential {SYSTEMD_CREDENTIAL} (LoadCredential={SYSTEMD_CREDENTIAL}:FILE),
#   client_secret_file below (a file only ponto2camt's user may read).
"
        );
        match &self.secret_file {
            Some(path) => {
                let _ = writeln!(
                    out,
                    "client_secret_file = {}",
                    quoted(&path.display().to_string())
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "# client_secret_file = \"/etc/ponto2camt/{SYSTEMD_CREDENTIAL}\""
                );
            }
        }
        let _ = write!(
            out,
            "
# start_date: transactions booked before it are never delivered. It is a week before
# this file was written, so the first fetch delivers that week. When the ERP already
# holds statements of an account, set the day after the last one instead.
"
        );
        let mut per_reference: HashMap<&str, usize> = HashMap::new();
        for account in &self.accounts {
            *per_reference.entry(account.reference.as_str()).or_default() += 1;
        }
        if self.accounts.is_empty() {
            let _ = write!(
                out,
                "
# Ponto lists no account for this integration: allow it to read accounts in Ponto,
# then add one block per account:
# [[accounts]]
# iban = \"BE68539007547034\"
# start_date = {}
",
                self.start_date()
            );
        }
        for account in &self.accounts {
            out.push('\n');
            let about: Vec<&str> = [&account.description, &account.holder, &account.bank]
                .into_iter()
                .filter_map(|v| v.as_deref())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect();
            if !about.is_empty() {
                let _ = writeln!(out, "# {}", one_line(&about.join(" — ")));
            }
            let _ = writeln!(out, "[[accounts]]");
            let _ = writeln!(out, "iban = {}", quoted(&account.reference));
            if per_reference
                .get(account.reference.as_str())
                .is_some_and(|n| *n > 1)
            {
                let _ = writeln!(
                    out,
                    "currency = {}  # this IBAN has several currencies",
                    quoted(&account.currency)
                );
            }
            let _ = writeln!(out, "start_date = {}", self.start_date());
        }
        out
    }
}

/// A TOML basic string (quotes and control characters escaped).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A comment stays one line whatever the bank wrote.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Writes `text` as the new file `path`: into a hidden temporary file beside it, synced,
/// then linked into place only if nothing is there (`AlreadyExists` otherwise, the
/// existing file untouched, also when it appeared meanwhile). Mode 0644: the file names
/// the accounts but holds no secret, and a service user must be able to read it.
pub fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".ponto2camt-init-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    temp.as_file().sync_all()?;
    temp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(accounts: Vec<TemplateAccount>) -> Template {
        Template {
            api_url: DEFAULT_API_URL.to_owned(),
            client_id: "client-1".to_owned(),
            secret_file: None,
            state_dir: "state".to_owned(),
            drop_dir: "drop".to_owned(),
            today: NaiveDate::from_ymd_opt(2026, 3, 8).expect("date"),
            accounts,
        }
    }

    fn account(reference: &str, currency: &str) -> TemplateAccount {
        TemplateAccount {
            reference: reference.to_owned(),
            currency: currency.to_owned(),
            description: Some("Current \"account\"\nsecond line".to_owned()),
            holder: Some("ACME NV".to_owned()),
            bank: None,
        }
    }

    #[test]
    fn the_template_parses_with_every_account_and_no_secret() {
        let text = template(vec![
            account("BE68539007547034", "EUR"),
            account("NL91ABNA0417164300", "EUR"),
            account("NL91ABNA0417164300", "USD"),
        ])
        .render();
        let env = |name: &str| (name == ENV_CLIENT_SECRET).then(|| "from-env".to_owned());
        let config = super::super::parse(&text, Path::new("/srv/p2c"), &env)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let accounts: Vec<_> = config.accounts().map(|(_, a)| a.clone()).collect();
        assert_eq!(accounts.len(), 3);
        assert_eq!(accounts[0].currency, None, "one currency: none written");
        assert_eq!(accounts[1].currency.as_deref(), Some("EUR"));
        assert_eq!(accounts[2].currency.as_deref(), Some("USD"));
        let start = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        assert!(accounts.iter().all(|a| a.start_date == start));
        assert_eq!(config.state_dir, Path::new("/srv/p2c/state"));
        assert_eq!(accounts[0].drop_dir, Path::new("/srv/p2c/drop"));
        assert!(
            text.contains("# Current \"account\" second line — ACME NV\n"),
            "{text}"
        );
        assert!(!text.contains("from-env"));
        assert!(!text.contains("\nclient_secret"), "{text}");
    }

    #[test]
    fn a_secret_file_is_named_and_a_test_url_kept() {
        let mut t = template(vec![account("BE68539007547034", "EUR")]);
        t.secret_file = Some(PathBuf::from("/etc/p2c/secret"));
        t.api_url = "http://127.0.0.1:8080".to_owned();
        let text = t.render();
        assert!(
            text.contains("\nclient_secret_file = \"/etc/p2c/secret\"\n"),
            "{text}"
        );
        assert!(
            text.contains("\napi_url = \"http://127.0.0.1:8080\"\n"),
            "{text}"
        );
    }

    #[test]
    fn an_existing_file_is_never_replaced() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ponto2camt.toml");
        write_new(&path, "first").expect("new file");
        let again = write_new(&path, "second").expect_err("exists");
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "first");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    }
}

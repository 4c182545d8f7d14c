//! Harness for tests against the Ponto simulator: a simulator in this process, a temp
//! folder with a configuration for the binary, a drop folder, and a test "ERP" that takes
//! files out of the drop folder into an archive (as Odoo's pickup does).

#![allow(dead_code)]

use crate::util::*;
use ponto_sim::{SimAccount, SimConfig, Simulator};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The simulator's "today" (it dates its data relative to the real date).
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `YYYY-MM-DD` of `days` days before the simulator's today.
pub fn days_ago(days: i64) -> String {
    (today() - chrono::Duration::days(days)).to_string()
}

/// Noon UTC of the day `offset` days after today, for `PONTO2CAMT_NOW`.
pub fn noon(offset: i64) -> String {
    format!("{}T12:00:00Z", today() + chrono::Duration::days(offset))
}

/// Runs the binary with its clock on today's noon.
pub fn live(env: &SimEnv, args: &[&str]) -> Run {
    live_on(env, 0, args)
}

pub fn live_on(env: &SimEnv, day_offset: i64, args: &[&str]) -> Run {
    env.run_with_env(args, &[("PONTO2CAMT_NOW", &noon(day_offset))])
}

pub struct SimEnv {
    pub sim: Simulator,
    pub dir: tempfile::TempDir,
}

impl SimEnv {
    pub fn start(transactions_per_account: usize) -> SimEnv {
        Self::start_with(SimConfig {
            transactions_per_account,
            ..SimConfig::default()
        })
    }

    pub fn start_with(config: SimConfig) -> SimEnv {
        let sim = Simulator::start(config).expect("simulator starts");
        let dir = tempdir();
        for sub in ["drop", "state", "erp-archive"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("folder");
        }
        SimEnv { sim, dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn drop_dir(&self) -> PathBuf {
        self.path().join("drop")
    }

    pub fn archive_dir(&self) -> PathBuf {
        self.path().join("erp-archive")
    }

    pub fn config_path(&self) -> PathBuf {
        self.path().join("ponto2camt.toml")
    }

    /// The first organization's accounts (German, Belgian, Dutch EUR, then non-EUR).
    pub fn accounts(&self) -> Vec<SimAccount> {
        self.sim.organizations()[0].accounts.clone()
    }

    /// A single-organization configuration for `accounts`, all from `start_date`, with
    /// `extra` TOML appended at the top level (before the tables).
    pub fn write_config(&self, accounts: &[SimAccount], start_date: &str, extra: &str) {
        let org = &self.sim.organizations()[0];
        let mut text = format!(
            "state_dir = \"state\"\ndrop_dir = \"drop\"\n{extra}\n[ponto]\napi_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n",
            self.sim.base_url(),
            org.client_id,
            org.client_secret
        );
        for account in accounts {
            text.push_str(&format!(
                "\n[[accounts]]\niban = \"{}\"\ncurrency = \"{}\"\nstart_date = \"{start_date}\"\n",
                account.iban, account.currency
            ));
        }
        std::fs::write(self.config_path(), text).expect("config written");
    }

    /// Runs `ponto2camt --config <config> ARGS...` in the folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = ponto2camt();
        cmd.arg("--config")
            .arg(self.config_path())
            .args(args)
            .current_dir(self.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        output_of(&mut cmd)
    }

    /// Runs `export --out-dir OUT EXTRA...` with the configuration.
    pub fn export(&self, out: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["export", "--out-dir", out.to_str().expect("utf-8 path")];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    pub fn fetch(&self) -> Run {
        self.run(&["fetch"])
    }

    /// The test ERP picks up every finished file (`*.xml`) from the drop folder.
    pub fn erp_takes_files(&self) -> usize {
        let files = xml_files(&self.drop_dir());
        for file in &files {
            let name = file.file_name().expect("file name");
            std::fs::rename(file, self.archive_dir().join(name)).expect("ERP takes the file");
        }
        files.len()
    }

    /// Every file ever published: still in the drop folder or taken by the ERP, in
    /// publication order (per account the sequence is in the name).
    pub fn published_files(&self) -> Vec<PathBuf> {
        let mut files = xml_files(&self.drop_dir());
        files.extend(xml_files(&self.archive_dir()));
        files.sort_by_key(|f| f.file_name().map(|n| n.to_owned()));
        files
    }

    /// How often each Ponto transaction (hyphen-less id) was delivered, over all files.
    pub fn delivered_counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for file in self.published_files() {
            let reader = std::io::BufReader::new(std::fs::File::open(&file).expect("open"));
            let document = camt053::read_document(reader).expect("a readable camt file");
            for statement in document.statements {
                for entry in statement.entries {
                    let id = entry
                        .account_servicer_ref
                        .expect("every entry names its Ponto id");
                    *counts.entry(id).or_insert(0) += 1;
                }
            }
        }
        counts
    }

    /// Asserts that exactly these simulator transactions were delivered, each once.
    pub fn assert_delivered_exactly_once(&self, expected: &[String]) {
        assert_exactly_once(&self.delivered_counts(), expected);
    }
}

/// `counts` (by hyphen-less Ponto id) holds exactly the `expected` ids, each once.
pub fn assert_exactly_once<'a>(
    counts: &HashMap<String, usize>,
    expected: impl IntoIterator<Item = &'a String>,
) {
    let expected: Vec<String> = expected.into_iter().map(|id| id.replace('-', "")).collect();
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let missing: Vec<_> = expected
        .iter()
        .filter(|id| !counts.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "never delivered: {missing:?}");
    assert_eq!(
        counts.len(),
        expected.len(),
        "delivered something unexpected"
    );
}

/// The files a command printed, one per line, sorted.
pub fn printed_files(run: &Run) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = run.stdout.lines().map(PathBuf::from).collect();
    files.sort();
    files
}

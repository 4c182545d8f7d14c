//! Getting to a configuration (issue 11): where the file is found without `--config`,
//! `--config` only where it acts, `check-config` listing every problem at once, and
//! `init` writing a first configuration from Ponto credentials.

use crate::sim_env::{SimEnv, noon};
use crate::util::*;
use std::path::{Path, PathBuf};

const EXIT_USAGE: i32 = 2;
const EXIT_IO: i32 = 74;
const EXIT_CONFIG: i32 = 78;

/// The binary with a controlled environment: no configuration or secret from the
/// machine running the tests, `HOME` inside the test's folder.
fn run_with(dir: &Path, home: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut cmd = ponto2camt();
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("PONTO2CAMT_CONFIG")
        .env_remove("PONTO_CLIENT_SECRET_FILE")
        .env_remove("CREDENTIALS_DIRECTORY");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    output_of(&mut cmd)
}

/// A current folder, a home and an XDG config folder, in one temporary folder.
struct Machine {
    root: tempfile::TempDir,
}

impl Machine {
    fn new() -> Machine {
        let machine = Machine { root: tempdir() };
        for dir in ["cwd", "home", "xdg", "state", "drop"] {
            std::fs::create_dir_all(machine.path(dir)).expect("folder");
        }
        machine
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.path().join(relative)
    }

    fn cwd(&self) -> PathBuf {
        self.path("cwd")
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// A valid configuration (absolute folders, so it can live anywhere).
    fn write_config(&self, relative: &str) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        let text = format!(
            "state_dir = \"{}\"\ndrop_dir = \"{}\"\n[ponto]\nclient_id = \"id\"\nclient_secret = \"s\"\n[[accounts]]\niban = \"BE68539007547034\"\nstart_date = \"2026-01-01\"\n",
            self.path("state").display(),
            self.path("drop").display()
        );
        std::fs::write(&path, text).expect("config");
        path
    }

    fn check(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut all = vec!["check-config"];
        all.extend_from_slice(args);
        run_with(&self.cwd(), &self.home(), &all, vars)
    }
}

/// `check-config` says which file it checked: `PATH: ok (…)`.
fn checked(run: &Run) -> PathBuf {
    assert_eq!(run.code, 0, "{run:#?}");
    let line = run.stdout.lines().next().unwrap_or_default();
    let (path, _) = line
        .split_once(": ok")
        .unwrap_or_else(|| panic!("{run:#?}"));
    PathBuf::from(path)
}

// ---- where the configuration is ----------------------------------------------------------

#[test]
fn without_config_the_first_place_holding_a_file_is_used() {
    let m = Machine::new();
    let none = m.check(&[], &[]);
    assert_eq!(none.code, EXIT_CONFIG, "{none:#?}");
    for place in [
        m.cwd().join("ponto2camt.toml"),
        m.home().join(".config/ponto2camt/ponto2camt.toml"),
        PathBuf::from("/etc/ponto2camt/ponto2camt.toml"),
    ] {
        assert!(
            none.stderr.contains(&place.display().to_string()),
            "{place:?} not listed: {none:#?}"
        );
    }
    assert!(none.stderr.contains("--config FILE"), "{none:#?}");
    assert!(none.stderr.contains("ponto2camt init"), "{none:#?}");

    let in_home = m.write_config("home/.config/ponto2camt/ponto2camt.toml");
    assert_eq!(checked(&m.check(&[], &[])), in_home);

    let xdg = m.path("xdg");
    let xdg_var = [("XDG_CONFIG_HOME", xdg.to_str().expect("utf-8"))];
    let in_xdg = m.write_config("xdg/ponto2camt/ponto2camt.toml");
    assert_eq!(
        checked(&m.check(&[], &[])),
        in_home,
        "XDG_CONFIG_HOME unset"
    );
    assert_eq!(checked(&m.check(&[], &xdg_var)), in_xdg, "earlier than ~");

    let in_cwd = m.write_config("cwd/ponto2camt.toml");
    assert_eq!(
        std::fs::canonicalize(checked(&m.check(&[], &xdg_var))).expect("path"),
        std::fs::canonicalize(&in_cwd).expect("path"),
        "the current folder comes before XDG_CONFIG_HOME"
    );

    let named = m.write_config("named.toml");
    let by_env = [
        xdg_var[0],
        ("PONTO2CAMT_CONFIG", named.to_str().expect("utf-8")),
    ];
    assert_eq!(checked(&m.check(&[], &by_env)), named, "the variable first");
    let given = in_xdg.to_str().expect("utf-8");
    assert_eq!(
        checked(&m.check(&["--config", given], &by_env)),
        in_xdg,
        "--config over the variable"
    );

    let typo = m.path("typo.toml");
    let missing = m.check(&[], &[("PONTO2CAMT_CONFIG", typo.to_str().expect("utf-8"))]);
    assert_eq!(missing.code, EXIT_CONFIG, "{missing:#?}");
    assert!(
        missing.stderr.contains("PONTO2CAMT_CONFIG") && missing.stderr.contains("typo.toml"),
        "never another file instead: {missing:#?}"
    );
}

#[test]
fn fetch_and_status_find_the_configuration_the_same_way() {
    let m = Machine::new();
    m.write_config("home/.config/ponto2camt/ponto2camt.toml");
    // status reads the ledger the found file names: there is none yet (but the file
    // was found and read: it names the state folder)
    let status = run_with(&m.cwd(), &m.home(), &["status"], &[]);
    assert!(
        status
            .stderr
            .contains(&m.path("state").display().to_string()),
        "{status:#?}"
    );
    let nothing = tempdir();
    let none = run_with(&m.cwd(), nothing.path(), &["fetch"], &[]);
    assert_eq!(none.code, EXIT_CONFIG, "{none:#?}");
    assert!(none.stderr.contains("no configuration file"), "{none:#?}");
}

// ---- --config only where it acts -----------------------------------------------------------

#[test]
fn config_is_taken_before_or_after_the_commands_that_read_one() {
    let m = Machine::new();
    let file = m.write_config("somewhere/p2c.toml");
    let file = file.to_str().expect("utf-8");
    assert_eq!(checked(&m.check(&["--config", file], &[])), Path::new(file));
    let before = run_with(
        &m.cwd(),
        &m.home(),
        &["--config", file, "check-config"],
        &[],
    );
    assert_eq!(checked(&before), Path::new(file));
    let twice = run_with(
        &m.cwd(),
        &m.home(),
        &["--config", file, "check-config", "--config", "other.toml"],
        &[],
    );
    assert_eq!(twice.code, EXIT_USAGE, "{twice:#?}");
    for command in [
        "fetch",
        "watch",
        "status",
        "accounts",
        "export",
        "check-config",
    ] {
        let help = run_with(&m.cwd(), &m.home(), &[command, "--help"], &[]);
        assert!(
            help.stdout.contains("--config <FILE>"),
            "{command}: {help:#?}"
        );
    }
}

#[test]
fn commands_that_read_no_configuration_refuse_config() {
    let m = Machine::new();
    let camt = fixture("bundles/belgian-ordinary.json");
    let camt = camt.to_str().expect("utf-8");
    let after = run_with(
        &m.cwd(),
        &m.home(),
        &["inspect", "--config", "x.toml", camt],
        &[],
    );
    assert_eq!(after.code, EXIT_USAGE, "{after:#?}");
    let before = run_with(
        &m.cwd(),
        &m.home(),
        &["--config", "x.toml", "inspect", camt],
        &[],
    );
    assert_eq!(before.code, EXIT_USAGE, "{before:#?}");
    assert!(
        before
            .stderr
            .contains("--config x.toml: not used by `inspect`"),
        "{before:#?}"
    );
    for command in [
        "inspect",
        "convert",
        "simulate",
        "demo",
        "completions",
        "man",
        "init",
    ] {
        let help = run_with(&m.cwd(), &m.home(), &[command, "--help"], &[]);
        assert_eq!(help.code, 0, "{command}: {help:#?}");
        assert!(
            !help.stdout.contains("--config"),
            "{command}: {}",
            help.stdout
        );
        let refused = run_with(&m.cwd(), &m.home(), &["--config", "x.toml", command], &[]);
        assert_eq!(refused.code, EXIT_USAGE, "{command}: {refused:#?}");
    }
    let init = run_with(&m.cwd(), &m.home(), &["--config", "x.toml", "init"], &[]);
    assert!(init.stderr.contains("--output x.toml"), "{init:#?}");
    assert!(all_files(&m.cwd()).is_empty(), "nothing written");
}

// ---- check-config: every problem at once ---------------------------------------------------

#[test]
fn check_config_lists_every_problem_with_its_key() {
    let m = Machine::new();
    let path = m.write_config("cwd/ponto2camt.toml");
    let text = std::fs::read_to_string(&path).expect("config");
    let broken = format!("grouping = \"weekly\"\n{text}")
        .replace("BE68539007547034", "BE68539007547035")
        .replace(&m.path("drop").display().to_string(), "/nonexistent/drop");
    std::fs::write(&path, broken).expect("config");
    let run = m.check(&[], &[]);
    assert_eq!(run.code, EXIT_CONFIG, "{run:#?}");
    assert!(!run.stdout.contains("ok"), "{run:#?}");
    assert!(run.stderr.contains("3 problems"), "{run:#?}");
    for (key, what) in [
        ("grouping", "weekly"),
        ("accounts[0].iban", "BE68539007547035"),
        ("drop_dir", "/nonexistent/drop"),
    ] {
        let line = run
            .stderr
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{key}: ")))
            .unwrap_or_else(|| panic!("no line for {key}: {run:#?}"));
        assert!(line.contains(what), "{line}");
    }
    // fetch refuses the same file with the same list
    let fetch = run_with(&m.cwd(), &m.home(), &["fetch"], &[]);
    assert_eq!(fetch.code, EXIT_CONFIG, "{fetch:#?}");
    assert!(
        fetch.stderr.contains("grouping") && fetch.stderr.contains("accounts[0].iban"),
        "{fetch:#?}"
    );
}

// ---- init ------------------------------------------------------------------------------

fn sim_credentials(env: &SimEnv) -> (String, String, String) {
    let org = &env.sim.organizations()[0];
    (
        env.sim.base_url(),
        org.client_id.clone(),
        org.client_secret.clone(),
    )
}

#[test]
fn init_writes_a_configuration_that_check_config_accepts_and_fetch_uses() {
    let env = SimEnv::start(5);
    let (url, id, secret) = sim_credentials(&env);
    let m = Machine::new();
    let today = noon(0);
    let vars = [
        ("PONTO_API_URL", url.as_str()),
        ("PONTO_CLIENT_ID", id.as_str()),
        ("PONTO_CLIENT_SECRET", secret.as_str()),
        ("PONTO2CAMT_NOW", today.as_str()),
    ];
    let init = run_with(&m.cwd(), &m.home(), &["init"], &vars);
    assert_eq!(init.code, 0, "{init:#?}");
    let written = m.cwd().join("ponto2camt.toml");
    let text = std::fs::read_to_string(&written).expect("init wrote the file");
    assert!(!text.contains(&secret), "the secret is never written");
    assert!(!init.stdout.contains(&secret) && !init.stderr.contains(&secret));
    for account in env.accounts() {
        assert!(
            text.contains(&format!("iban = \"{}\"", account.iban)),
            "{} missing:\n{text}",
            account.iban
        );
    }
    assert!(
        text.contains("# Geschäftskonto"),
        "the description as a comment:\n{text}"
    );
    let start = (chrono::Utc::now().date_naive() - chrono::Duration::days(7)).to_string();
    assert!(text.contains(&format!("start_date = {start}")), "{text}");
    assert!(init.stdout.contains("4 account(s)"), "{init:#?}");
    // it says what to create, and creates nothing itself
    assert!(init.stdout.contains("mkdir -m 700"), "{init:#?}");
    assert_eq!(all_files(&m.cwd()), ["ponto2camt.toml"]);

    let before = m.check(&["--config", "ponto2camt.toml"], &vars);
    assert_eq!(
        before.code, EXIT_CONFIG,
        "the folders are missing: {before:#?}"
    );
    assert!(before.stderr.contains("state_dir") && before.stderr.contains("drop_dir"));
    std::fs::create_dir(m.cwd().join("state")).expect("state");
    std::fs::create_dir(m.cwd().join("drop")).expect("drop");
    let check = m.check(&["--config", "ponto2camt.toml"], &vars);
    assert_eq!(check.code, 0, "{check:#?}");
    let online = m.check(&["--online"], &vars);
    assert_eq!(online.code, 0, "{online:#?}");
    let fetch = run_with(&m.cwd(), &m.home(), &["fetch"], &vars);
    assert_eq!(fetch.code, 0, "{fetch:#?}");
}

#[test]
fn init_with_a_secret_file_names_it_so_no_environment_is_needed_later() {
    use std::os::unix::fs::PermissionsExt;
    let env = SimEnv::start(5);
    let (url, id, secret) = sim_credentials(&env);
    let m = Machine::new();
    let secret_file = m.path("ponto_client_secret");
    std::fs::write(&secret_file, format!("{secret}\n")).expect("secret");
    std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = m.path("etc/p2c.toml");
    std::fs::create_dir_all(out.parent().expect("parent")).expect("folder");
    let state = m.path("state");
    let drop = m.path("drop");
    let args = [
        "init",
        "--output",
        out.to_str().expect("utf-8"),
        "--api-url",
        &url,
        "--client-id",
        &id,
        "--client-secret-file",
        secret_file.to_str().expect("utf-8"),
        "--state-dir",
        state.to_str().expect("utf-8"),
        "--drop-dir",
        drop.to_str().expect("utf-8"),
    ];
    let init = run_with(&m.cwd(), &m.home(), &args, &[]);
    assert_eq!(init.code, 0, "{init:#?}");
    assert!(
        !init.stdout.contains("mkdir"),
        "the folders exist: {init:#?}"
    );
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(!text.contains(&secret));
    assert!(
        text.contains(&format!(
            "client_secret_file = \"{}\"",
            secret_file.display()
        )),
        "{text}"
    );
    let check = m.check(&["--config", out.to_str().expect("utf-8"), "--online"], &[]);
    assert_eq!(check.code, 0, "{check:#?}");
}

#[test]
fn init_never_replaces_an_existing_file() {
    let env = SimEnv::start(5);
    let (url, id, secret) = sim_credentials(&env);
    let m = Machine::new();
    let existing = m.cwd().join("ponto2camt.toml");
    std::fs::write(&existing, "# mine\n").expect("existing");
    let vars = [
        ("PONTO_API_URL", url.as_str()),
        ("PONTO_CLIENT_ID", id.as_str()),
        ("PONTO_CLIENT_SECRET", secret.as_str()),
    ];
    let run = run_with(&m.cwd(), &m.home(), &["init"], &vars);
    assert_eq!(run.code, EXIT_IO, "{run:#?}");
    assert!(run.stderr.contains("never replaces"), "{run:#?}");
    assert_eq!(
        std::fs::read_to_string(&existing).expect("read"),
        "# mine\n"
    );
    assert_eq!(
        all_files(&m.cwd()),
        ["ponto2camt.toml"],
        "no temporary file left"
    );
    assert!(
        env.sim.request_log().is_empty(),
        "refused before logging in"
    );
}

#[test]
fn init_without_credentials_says_where_they_come_from_and_writes_nothing() {
    let m = Machine::new();
    let run = run_with(&m.cwd(), &m.home(), &["init"], &[]);
    assert_eq!(run.code, EXIT_CONFIG, "{run:#?}");
    for name in [
        "PONTO_CLIENT_ID",
        "PONTO_CLIENT_SECRET",
        "--client-secret-file",
    ] {
        assert!(run.stderr.contains(name), "{name}: {run:#?}");
    }
    assert!(all_files(&m.cwd()).is_empty());
}

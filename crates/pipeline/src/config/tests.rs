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

/// The key of every problem an error reports, in order.
fn keys_of(error: &ConfigError) -> Vec<String> {
    error
        .problems()
        .iter()
        .map(|p| p.key().to_owned())
        .collect()
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
    assert_eq!(config.grouping, Grouping::Batch);
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
    let text = include_str!("../../../../ponto2camt.example.toml");
    let config = parse(text, Path::new("/etc/p2c"), &no_env).expect("the example is valid");
    assert_eq!(config.grouping, Grouping::Batch);
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
        "file_mode",
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
    let keys = keys_of(&parse_err(&text));
    assert_eq!(keys[..2], ["ponto", "accounts"], "{keys:?}");
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

#[test]
fn health_keys_have_defaults_and_bounds() {
    let config = parse_ok(MINIMAL);
    assert_eq!(config.consent_warn_days, DEFAULT_CONSENT_WARN_DAYS);
    assert_eq!(config.stale_after, DEFAULT_STALE_AFTER);
    let text = format!("consent_warn_days = 30\nstale_after = \"2d\"\n{MINIMAL}");
    let config = parse_ok(&text);
    assert_eq!(config.consent_warn_days, 30);
    assert_eq!(config.stale_after, Duration::from_secs(2 * 86_400));
    let error = parse_err(&format!("consent_warn_days = 400\n{MINIMAL}")).to_string();
    assert!(error.contains("consent_warn_days"), "{error}");
    let error = parse_err(&format!("stale_after = \"soon\"\n{MINIMAL}")).to_string();
    assert!(error.contains("stale_after"), "{error}");
}

#[test]
fn migration_keys_are_read_exactly() {
    let text = format!(
        "{MINIMAL}start_after_id = \" 9a1f0e6c-0000-4000-8000-000000000001 \"\nopening_balance = \"12345.67\"\n"
    );
    let account = &parse_ok(&text).organizations[0].accounts[0];
    assert_eq!(
        account.start_after_id.as_deref(),
        Some("9a1f0e6c-0000-4000-8000-000000000001")
    );
    assert_eq!(
        account.opening_balance,
        Some(rust_decimal::Decimal::new(1_234_567, 2))
    );
    let negative = parse_ok(&format!("{MINIMAL}opening_balance = \"-0.50\"\n"));
    assert_eq!(
        negative.organizations[0].accounts[0].opening_balance,
        Some(rust_decimal::Decimal::new(-50, 2))
    );
}

#[test]
fn migration_keys_refuse_what_could_be_misread() {
    let error = parse_err(&format!("{MINIMAL}opening_balance = 12345.67\n")).to_string();
    assert!(error.contains("accounts[0].opening_balance"), "{error}");
    assert!(error.contains("quotes"), "{error}");
    let error = parse_err(&format!("{MINIMAL}opening_balance = \"12.345,67\"\n")).to_string();
    assert!(error.contains("not an amount"), "{error}");
    let error = parse_err(&format!("{MINIMAL}start_after_id = \"  \"\n")).to_string();
    assert!(error.contains("accounts[0].start_after_id"), "{error}");
}

// ---- every problem at once (issue 11) ---------------------------------------------------

#[test]
fn every_problem_is_reported_each_with_its_key() {
    let text = format!("grouping = \"weekly\"\n{MINIMAL}")
        .replace("be68 5390 0754 7034", "BE68 5390 0754 7035")
        .replace("start_date = \"2026-01-01\"", "start_date = \"2026-13-01\"");
    let err = parse_err(&text);
    assert!(matches!(err, ConfigError::Many { .. }), "{err}");
    assert_eq!(
        keys_of(&err),
        ["grouping", "accounts[0].iban", "accounts[0].start_date"]
    );
    let message = err.to_string();
    assert!(
        message.starts_with("/etc/p2c/<config>: 3 problems:"),
        "{message}"
    );
    for line in [
        "\n  grouping: must be \"per-run\" or \"daily\", not \"weekly\"",
        "\n  accounts[0].iban: ",
        "\n  accounts[0].start_date: \"2026-13-01\" is not a date",
    ] {
        assert!(message.contains(line), "{line:?} not in {message}");
    }
    // one problem stays one error, as before
    let one = parse_err(&MINIMAL.replace("2026-01-01", "2026-13-01"));
    assert!(matches!(one, ConfigError::Invalid { .. }), "{one}");
}

#[test]
fn problems_in_several_accounts_and_the_credentials_are_all_reported() {
    let text = format!(
        "{}\n[[accounts]]\niban = \"x\"\nstart_date = \"2026-01-01\"\ncurrency = \"EURO\"\nlookback_days = 400\n",
        MINIMAL
            .replace("client_id = \"id-1\"\n", "api_url = \"ftp://x\"\n")
            .replace("client_secret = \"s3cr3t-value\"\n", "")
    );
    let err = parse_err(&text);
    assert_eq!(
        keys_of(&err),
        [
            "ponto.api_url",
            "ponto.client_id",
            "ponto.client_secret",
            "accounts[1].currency",
            "accounts[1].lookback_days",
        ],
        "{err}"
    );
}

#[test]
fn a_broken_global_drop_dir_is_reported_once() {
    let err = parse_err(&MINIMAL.replace("drop_dir = \"/srv/drop\"", "drop_dir = \"\""));
    assert_eq!(keys_of(&err), ["drop_dir"], "{err}");
}

#[test]
fn duplicates_are_all_reported() {
    let account = "\n[[accounts]]\niban = \"BE68539007547034\"\nstart_date = \"2026-01-01\"\n";
    let err = parse_err(&format!("{MINIMAL}{account}{account}"));
    assert_eq!(keys_of(&err), ["accounts[1]", "accounts[2]"], "{err}");
}

#[test]
fn check_also_finds_missing_folders_unknown_zones_and_unusable_urls_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = MINIMAL
        .replace("/srv/drop", "drop")
        .replace("[ponto]", "[ponto]\napi_url = \"http://ponto.example.com\"")
        .replace(
            "start_date = \"2026-01-01\"",
            "start_date = \"2026-01-01\"\ntime_zone = \"Mars/Base\"",
        );
    let path = dir.path().join("ponto2camt.toml");
    std::fs::write(&path, &text).unwrap();
    // load leaves these to fetch (and check_paths)
    let config = load(&path, &no_env).expect("valid for load");
    assert!(config.check_paths().is_err());
    let err = check(&path, &no_env).unwrap_err();
    assert_eq!(
        keys_of(&err),
        [
            "state_dir",
            "ponto.api_url",
            "accounts[0].time_zone",
            "drop_dir"
        ],
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains("http://ponto.example.com"), "{message}");
    assert!(message.contains("mkdir -m 700"), "{message}");
    std::fs::create_dir(dir.path().join("state")).unwrap();
    std::fs::create_dir(dir.path().join("drop")).unwrap();
    let fixed = text
        .replace("http://ponto.example.com", "https://ponto.example.com")
        .replace("Mars/Base", "Europe/Brussels");
    std::fs::write(&path, fixed).unwrap();
    check(&path, &no_env).expect("every problem fixed");
}

#[test]
fn check_paths_reports_every_missing_folder() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n[[accounts]]\niban = \"NL91ABNA0417164300\"\nstart_date = \"2026-01-01\"\ndrop_dir = \"other\"\n",
        MINIMAL.replace("/srv/drop", "drop")
    );
    let config = parse(&text, dir.path(), &no_env).unwrap();
    let err = config.check_paths().unwrap_err();
    assert_eq!(
        keys_of(&err),
        ["accounts[0].drop_dir", "accounts[1].drop_dir"]
    );
}

// ---- where the file is -----------------------------------------------------------------

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

/// A current folder, a home, an XDG folder and a "system" folder, all empty.
struct Places {
    _dir: tempfile::TempDir,
    cwd: PathBuf,
    home: PathBuf,
    xdg: PathBuf,
    system: PathBuf,
}

impl Places {
    fn new() -> Places {
        let dir = tempfile::tempdir().unwrap();
        let [cwd, home, xdg, system] =
            ["cwd", "home", "xdg", "etc"].map(|name| dir.path().join(name));
        for folder in [&cwd, &home, &xdg, &system] {
            std::fs::create_dir_all(folder).unwrap();
        }
        Places {
            _dir: dir,
            cwd,
            home,
            xdg,
            system,
        }
    }

    fn system_file(&self) -> PathBuf {
        self.system.join("ponto2camt.toml")
    }

    fn locate(&self, vars: &[(&str, &str)]) -> Result<PathBuf, ConfigError> {
        locate_among(&env_of(vars), &self.cwd, &[self.system_file()])
    }
}

fn touch(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, "").unwrap();
}

#[test]
fn lookup_takes_the_first_place_that_has_a_file() {
    let p = Places::new();
    let home = p.home.to_str().unwrap();
    let xdg = p.xdg.to_str().unwrap();
    let vars = [("HOME", home), ("XDG_CONFIG_HOME", xdg)];
    let in_cwd = p.cwd.join("ponto2camt.toml");
    let in_xdg = p.xdg.join("ponto2camt/ponto2camt.toml");
    let in_home = p.home.join(".config/ponto2camt/ponto2camt.toml");
    let named = p.cwd.join("elsewhere.toml");

    touch(&p.system_file());
    assert_eq!(p.locate(&vars).unwrap(), p.system_file());
    touch(&in_home);
    assert_eq!(
        p.locate(&vars).unwrap(),
        p.system_file(),
        "XDG_CONFIG_HOME is set: ~/.config is not looked at"
    );
    assert_eq!(p.locate(&[("HOME", home)]).unwrap(), in_home, "~/.config");
    touch(&in_xdg);
    assert_eq!(p.locate(&vars).unwrap(), in_xdg);
    touch(&in_cwd);
    assert_eq!(p.locate(&vars).unwrap(), in_cwd);
    touch(&named);
    let with_env = [vars[0], vars[1], (ENV_CONFIG, named.to_str().unwrap())];
    assert_eq!(p.locate(&with_env).unwrap(), named);
}

#[test]
fn a_relative_xdg_config_home_is_ignored_for_home() {
    let p = Places::new();
    let home = p.home.to_str().unwrap();
    let listed = places(
        &env_of(&[("HOME", home), ("XDG_CONFIG_HOME", "relative")]),
        &p.cwd,
        &[],
    );
    assert_eq!(
        listed,
        [
            p.cwd.join("ponto2camt.toml"),
            p.home.join(".config/ponto2camt/ponto2camt.toml")
        ]
    );
    assert_eq!(places(&env_of(&[]), &p.cwd, &[]).len(), 1, "no HOME");
    assert_eq!(
        SYSTEM_PLACES,
        ["/etc/ponto2camt/ponto2camt.toml"],
        "the documented system place"
    );
}

#[test]
fn no_file_anywhere_lists_the_places_tried() {
    let p = Places::new();
    let home = p.home.to_str().unwrap();
    let err = p.locate(&[("HOME", home)]).unwrap_err();
    let ConfigError::NotFound { tried } = &err else {
        panic!("{err}")
    };
    assert_eq!(tried.len(), 3, "{tried:?}");
    let message = err.to_string();
    for place in [
        p.cwd.join("ponto2camt.toml"),
        p.home.join(".config/ponto2camt/ponto2camt.toml"),
        p.system_file(),
    ] {
        assert!(message.contains(&place.display().to_string()), "{message}");
    }
    assert!(message.contains("--config FILE"), "{message}");
    assert!(message.contains(ENV_CONFIG), "{message}");
}

#[test]
fn the_file_ponto2camt_config_names_must_exist() {
    let p = Places::new();
    touch(&p.cwd.join("ponto2camt.toml"));
    let missing = p.cwd.join("typo.toml");
    let err = p
        .locate(&[(ENV_CONFIG, missing.to_str().unwrap())])
        .unwrap_err();
    assert!(matches!(err, ConfigError::EnvPathMissing { .. }), "{err}");
    assert!(err.to_string().contains("typo.toml"), "{err}");
    // empty is unset
    assert_eq!(
        p.locate(&[(ENV_CONFIG, " ")]).unwrap(),
        p.cwd.join("ponto2camt.toml")
    );
}

// ---- where the secret is ---------------------------------------------------------------

const NO_SECRET: &str = r#"
state_dir = "/s"
drop_dir = "/d"
[ponto]
client_id = "id-1"
SECRET
[[accounts]]
iban = "BE68539007547034"
start_date = "2026-01-01"
"#;

struct Secrets {
    dir: tempfile::TempDir,
}

impl Secrets {
    fn new() -> Secrets {
        let secrets = Secrets {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir(secrets.dir.path().join("credentials")).unwrap();
        secrets.write("env-file", "from-env-file\n");
        secrets.write("credentials/ponto_client_secret", "from-credential\n");
        secrets.write("config-file", "from-config-file\n");
        secrets
    }

    fn write(&self, name: &str, secret: &str) {
        std::fs::write(self.path(name), secret).unwrap();
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn parse(
        &self,
        in_file: &str,
        vars: &[(&str, &str)],
    ) -> Result<(String, SecretSource), ConfigError> {
        let in_file = in_file.replace("CONFIG_FILE", self.path("config-file").to_str().unwrap());
        let config = parse(
            &NO_SECRET.replace("SECRET", &in_file),
            Path::new("/"),
            &env_of(vars),
        )?;
        let org = &config.organizations[0];
        Ok((
            org.client_secret.expose().to_owned(),
            org.secret_source.clone(),
        ))
    }
}

#[test]
fn secret_precedence_environment_then_its_file_then_systemd_then_the_config() {
    let s = Secrets::new();
    let env_file = s.path("env-file");
    let credentials = s.path("credentials");
    let all = [
        (ENV_CLIENT_SECRET, "from-env"),
        (ENV_CLIENT_SECRET_FILE, env_file.to_str().unwrap()),
        (ENV_CREDENTIALS_DIRECTORY, credentials.to_str().unwrap()),
    ];
    let in_file = "client_secret_file = \"CONFIG_FILE\"";
    let source = |n: usize| s.parse(in_file, &all[n..]).unwrap();
    assert_eq!(
        source(0),
        ("from-env".to_owned(), SecretSource::Environment)
    );
    assert_eq!(
        source(1),
        (
            "from-env-file".to_owned(),
            SecretSource::EnvironmentFile(env_file.clone())
        )
    );
    assert_eq!(
        source(2),
        (
            "from-credential".to_owned(),
            SecretSource::Credential(credentials.join(SYSTEMD_CREDENTIAL))
        )
    );
    assert_eq!(
        source(3),
        (
            "from-config-file".to_owned(),
            SecretSource::File(s.path("config-file"))
        )
    );
    // inline in the file: below the systemd credential too
    assert_eq!(
        s.parse("client_secret = \"inline\"", &all[2..]).unwrap().0,
        "from-credential"
    );
    assert_eq!(
        s.parse("client_secret = \"inline\"", &[]).unwrap(),
        ("inline".to_owned(), SecretSource::ConfigFile)
    );
}

#[test]
fn a_credentials_directory_without_our_credential_is_passed_over() {
    let s = Secrets::new();
    std::fs::remove_file(s.path("credentials/ponto_client_secret")).unwrap();
    let credentials = s.path("credentials");
    let vars = [(ENV_CREDENTIALS_DIRECTORY, credentials.to_str().unwrap())];
    assert_eq!(
        s.parse("client_secret = \"inline\"", &vars).unwrap().0,
        "inline"
    );
    let err = s.parse("", &vars).unwrap_err();
    assert_eq!(err.key(), "ponto.client_secret");
    for name in [
        ENV_CLIENT_SECRET,
        ENV_CLIENT_SECRET_FILE,
        SYSTEMD_CREDENTIAL,
        "client_secret_file",
    ] {
        assert!(err.to_string().contains(name), "{name}: {err}");
    }
}

#[test]
fn a_secret_file_from_the_environment_that_cannot_be_used_is_an_error_naming_the_variable() {
    let s = Secrets::new();
    s.write("empty", "  \n");
    let empty = s.path("empty");
    let err = s
        .parse(
            "client_secret = \"inline\"",
            &[(ENV_CLIENT_SECRET_FILE, empty.to_str().unwrap())],
        )
        .unwrap_err();
    assert!(
        err.to_string().starts_with("PONTO_CLIENT_SECRET_FILE: "),
        "{err}"
    );
    assert!(err.to_string().contains("empty"), "{err}");
    let err = s
        .parse("", &[(ENV_CLIENT_SECRET_FILE, "/nonexistent/secret")])
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/secret"), "{err}");

    // a systemd credential that is a folder: named by where it is, content never shown
    std::fs::remove_file(s.path("credentials/ponto_client_secret")).unwrap();
    std::fs::create_dir(s.path("credentials/ponto_client_secret")).unwrap();
    let credentials = s.path("credentials");
    let err = s
        .parse(
            "",
            &[(ENV_CREDENTIALS_DIRECTORY, credentials.to_str().unwrap())],
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("$CREDENTIALS_DIRECTORY/ponto_client_secret: "),
        "{err}"
    );
}

#[test]
fn secrets_from_the_environment_never_show_and_their_files_are_checked_for_others() {
    use std::os::unix::fs::PermissionsExt;
    let s = Secrets::new();
    let env_file = s.path("env-file");
    std::fs::set_permissions(&env_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let vars = [(ENV_CLIENT_SECRET_FILE, env_file.to_str().unwrap())];
    let config = parse(
        &NO_SECRET.replace("SECRET", ""),
        Path::new("/"),
        &env_of(&vars),
    )
    .unwrap();
    assert!(!format!("{config:?}").contains("from-env-file"));
    let warnings = config.permission_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(env_file.to_str().unwrap()),
        "{warnings:?}"
    );
    assert!(!warnings[0].contains("from-env-file"));
    std::fs::set_permissions(&env_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(config.permission_warnings().is_empty());
    let shown = config.organizations[0].secret_source.to_string();
    assert!(shown.contains("PONTO_CLIENT_SECRET_FILE"), "{shown}");
}

#[test]
fn the_environment_s_secret_files_do_not_apply_to_several_organizations() {
    let s = Secrets::new();
    let env_file = s.path("env-file");
    let text = r#"
state_dir = "/s"
drop_dir = "/d"
[[organizations]]
name = "acme"
[organizations.ponto]
client_id = "i"
[[organizations.accounts]]
iban = "BE68539007547034"
start_date = "2026-01-01"
"#;
    let vars = [(ENV_CLIENT_SECRET_FILE, env_file.to_str().unwrap())];
    let err = parse(text, Path::new("/"), &env_of(&vars)).unwrap_err();
    assert_eq!(err.key(), "organizations[0].ponto.client_secret");
}

#[test]
fn a_config_file_that_is_huge_or_not_a_file_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().expect("dir");
    let huge = dir.path().join("huge.toml");
    let mut text = MINIMAL.to_owned();
    text.push_str(&"# padding\n".repeat((MAX_CONFIG_FILE as usize) / 10 + 1));
    std::fs::write(&huge, text).expect("written");
    let error = load(&huge, &no_env).expect_err("too large").to_string();
    assert!(error.contains("larger than"), "{error}");

    let fifo = dir.path().join("fifo.toml");
    let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    let error = load(&fifo, &no_env)
        .expect_err("no writer, no hang")
        .to_string();
    assert!(error.contains("not a regular file"), "{error}");
}

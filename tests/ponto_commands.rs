//! The Ponto commands end to end against the simulator: `accounts` (text, JSON, warnings),
//! `export` (bundles, filters, `--since`), `export` then `convert` (every transaction once,
//! XSD-valid, readable by the OCA importer), credentials from the file and from the
//! environment, the exit codes of the failures, and `simulate` as a separate process.

use crate::sim_env::{SimEnv, assert_exactly_once, printed_files};
use crate::util::*;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use ponto::{Account, Client, ClientConfig, Credentials, Secret};
use ponto_sim::SimConfig;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::str::FromStr;

const EXIT_UNAVAILABLE: i32 = 69;
const EXIT_CONFIG: i32 = 78;

// ---------------------------------------------------------------------------------------
// helpers

/// The simulator with a configuration naming all of the first organization's accounts.
fn configured(transactions_per_account: usize) -> SimEnv {
    let env = SimEnv::start(transactions_per_account);
    env.write_config(&env.accounts(), "2020-01-01", "");
    env
}

/// Runs the binary in `dir` without `--config`, with extra environment variables.
fn run_in(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut cmd = ponto2camt();
    cmd.args(args).current_dir(dir);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    output_of(&mut cmd)
}

/// The organization's accounts as Ponto serves them (the truth `accounts` must show).
fn served_accounts(env: &SimEnv, organization: usize) -> Vec<Account> {
    let org = &env.sim.organizations()[organization];
    let credentials = Credentials::new(
        org.client_id.clone(),
        Secret::new(org.client_secret.clone()),
    );
    let client = Client::new(ClientConfig::new(credentials).with_base_url(env.sim.base_url()))
        .expect("client");
    client.accounts().expect("the simulator lists accounts")
}

fn served_account<'a>(served: &'a [Account], iban: &str) -> &'a Account {
    served
        .iter()
        .find(|a| a.attributes.reference.as_deref() == Some(iban))
        .unwrap_or_else(|| panic!("{iban} is served"))
}

fn synchronized_at(account: &Account) -> DateTime<Utc> {
    let text = account
        .meta
        .as_ref()
        .and_then(|m| m["synchronizedAt"].as_str())
        .expect("meta.synchronizedAt");
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}

fn consent_expires(account: &Account) -> DateTime<Utc> {
    account
        .attributes
        .authorization_expiration_expected_at
        .expect("authorizationExpirationExpectedAt")
}

/// The simulator's banks, by the account's country or currency.
fn bank_name(iban: &str, currency: &str) -> &'static str {
    match (&iban[..2], currency) {
        (_, "USD") => "Wise",
        ("DE", _) => "Deutsche Bank",
        ("BE", _) => "KBC Bank",
        ("NL", _) => "ING Bank",
        other => panic!("unexpected account {other:?}"),
    }
}

/// A decimal text with the currency's ISO 4217 minor units.
fn with_minor_units(text: &str, currency: &str) -> String {
    let minor = converter::minor_units(currency).expect("a known currency");
    let mut amount = decimal(text).normalize();
    assert!(amount.scale() <= minor, "{text} {currency}");
    amount.rescale(minor);
    amount.to_string()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text:?} is not a decimal: {e}"))
}

fn accounts_json(run: &Run) -> Vec<Value> {
    assert_eq!(run.code, 0, "{run:?}");
    let value: Value = serde_json::from_str(&run.stdout).expect("accounts --json prints JSON");
    value.as_array().expect("a JSON array").clone()
}

fn json_for<'a>(listed: &'a [Value], iban: &str) -> &'a Value {
    listed
        .iter()
        .find(|v| v["reference"] == iban)
        .unwrap_or_else(|| panic!("{iban} is listed"))
}

/// The text table's row for an account: columns are separated by two or more spaces.
fn text_row(stdout: &str, iban: &str) -> Vec<String> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(iban))
        .unwrap_or_else(|| panic!("{iban} has a line in:\n{stdout}"));
    line.split("  ")
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The `warning:` lines printed under an account's row.
fn text_warnings(stdout: &str, iban: &str) -> Vec<String> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with(iban))
        .skip(1)
        .take_while(|l| l.starts_with("  warning: "))
        .map(str::to_owned)
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("readable bundle");
    serde_json::from_str(&text).expect("a bundle is JSON")
}

fn bundle_ids(bundle: &Value) -> Vec<String> {
    bundle["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect()
}

/// How often each Ponto id (hyphen-less) appears as an entry's AcctSvcrRef, and the IBANs
/// of the statements.
fn entries_in(files: &[PathBuf]) -> (HashMap<String, usize>, HashSet<String>) {
    let mut counts = HashMap::new();
    let mut ibans = HashSet::new();
    for file in files {
        let reader = BufReader::new(std::fs::File::open(file).expect("open"));
        let document = camt053::read_document(reader).expect("a readable camt file");
        for statement in document.statements {
            if let Some(iban) = statement.header.account.iban.clone() {
                ibans.insert(iban);
            }
            for entry in statement.entries {
                let id = entry
                    .account_servicer_ref
                    .expect("every entry names its id");
                *counts.entry(id).or_insert(0) += 1;
            }
        }
    }
    (counts, ibans)
}

fn all_booked_ids(env: &SimEnv) -> HashSet<String> {
    env.accounts()
        .iter()
        .flat_map(|a| env.sim.booked_transaction_ids(&a.id))
        .collect()
}

fn assert_secret_hidden(run: &Run, secret: &str) {
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the secret was printed: {run:?}"
    );
}

// ---------------------------------------------------------------------------------------
// accounts

#[test]
fn accounts_lists_every_account_with_its_details() {
    let env = configured(20);
    let served = served_accounts(&env, 0);
    let run = env.run(&["accounts"]);
    assert_eq!(run.code, 0, "{run:?}");
    let header = run.stdout.lines().next().expect("a header line");
    for column in ["account", "balance", "bank", "synchronized", "consent"] {
        assert!(header.contains(column), "header {header:?} lacks {column}");
    }
    let accounts = env.accounts();
    assert_eq!(accounts.len(), 4);
    for account in &accounts {
        let row = text_row(&run.stdout, &account.iban);
        let truth = served_account(&served, &account.iban);
        let balance = env.sim.current_balance(&account.id).expect("balance");
        let expected = [
            account.iban.clone(),
            account.currency.clone(),
            with_minor_units(&balance, &account.currency),
            bank_name(&account.iban, &account.currency).to_owned(),
            synchronized_at(truth)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
            consent_expires(truth).date_naive().to_string(),
        ];
        assert_eq!(row, expected, "row of {}", account.iban);
        assert_eq!(decimal(&row[2]), decimal(&balance));
        // EUR and USD: always two decimals (57546.4 is shown as 57546.40)
        let decimals = row[2].split_once('.').map(|(_, d)| d.len());
        assert_eq!(decimals, Some(2), "{}", row[2]);
        // the clock is fixed before the simulator's dates: nothing to warn about
        assert!(
            text_warnings(&run.stdout, &account.iban).is_empty(),
            "{run:?}"
        );
    }
    assert!(
        accounts.iter().any(|a| a.currency != "EUR"),
        "the non-EUR account is listed"
    );
    let rows = run.stdout.lines().skip(1).filter(|l| !l.starts_with(' '));
    assert_eq!(rows.count(), 4, "one line per account:\n{}", run.stdout);
}

#[test]
fn accounts_json_gives_the_same_as_json() {
    let env = configured(20);
    let served = served_accounts(&env, 0);
    let listed = accounts_json(&env.run(&["accounts", "--json"]));
    let text = env.run(&["accounts"]);
    assert_eq!(listed.len(), 4, "{listed:?}");
    for account in env.accounts() {
        let item = json_for(&listed, &account.iban);
        let truth = served_account(&served, &account.iban);
        assert_eq!(item["id"], account.id.as_str());
        assert_eq!(item["currency"], account.currency.as_str());
        let balance = env.sim.current_balance(&account.id).expect("balance");
        let shown = item["current_balance"].as_str().expect("balance as text");
        assert_eq!(decimal(shown), decimal(&balance));
        assert_eq!(shown, with_minor_units(&balance, &account.currency));
        assert_eq!(
            item["bank"],
            bank_name(&account.iban, &account.currency),
            "{item}"
        );
        let synchronized = item["synchronized_at"].as_str().expect("synchronized_at");
        assert_eq!(
            DateTime::parse_from_rfc3339(synchronized).expect("RFC 3339"),
            synchronized_at(truth)
        );
        let consent = item["consent_expires"].as_str().expect("consent_expires");
        assert_eq!(
            DateTime::parse_from_rfc3339(consent).expect("RFC 3339"),
            consent_expires(truth)
        );
        assert_eq!(item["warnings"], serde_json::json!([]));
        // the same account as the text table shows
        let row = text_row(&text.stdout, &account.iban);
        assert_eq!(decimal(&row[2]), decimal(shown));
        assert_eq!(row[3], item["bank"].as_str().expect("bank"));
    }
}

/// Which warnings the rule asks for: (consent: "expired" | "expires" | none, stale data).
fn expected_warnings(account: &Account, now: DateTime<Utc>) -> (Option<&'static str>, bool) {
    let expires = consent_expires(account);
    let consent = if expires <= now {
        Some("expired")
    } else if expires - now <= Duration::days(14) {
        Some("expires")
    } else {
        None
    };
    (
        consent,
        // stale_after's default
        now - synchronized_at(account) > Duration::hours(36),
    )
}

fn assert_warnings_follow_the_rule(env: &SimEnv, now: DateTime<Utc>) -> usize {
    let served = served_accounts(env, 0);
    let now_text = rfc3339(now);
    let vars = [("PONTO2CAMT_NOW", now_text.as_str())];
    let listed = accounts_json(&env.run_with_env(&["accounts", "--json"], &vars));
    let text = env.run_with_env(&["accounts"], &vars);
    assert_eq!(text.code, 0, "{text:?}");
    let mut warned = 0;
    for account in &served {
        let iban = account.attributes.reference.as_deref().expect("IBAN");
        let warnings: Vec<String> = json_for(&listed, iban)["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .map(|w| w.as_str().expect("text").to_owned())
            .collect();
        let (consent, stale) = expected_warnings(account, now);
        let consent_warning = warnings.iter().find(|w| w.contains("consent"));
        match consent {
            Some(word) => {
                let w = consent_warning
                    .unwrap_or_else(|| panic!("{iban} at {now}: no consent warning"));
                assert!(w.contains(word), "{iban}: {w}");
                let day = consent_expires(account).date_naive().to_string();
                assert!(w.contains(&day), "{iban}: {w} names the day {day}");
            }
            None => assert!(consent_warning.is_none(), "{iban} at {now}: {warnings:?}"),
        }
        let stale_warning = warnings.iter().any(|w| w.contains("last synchronized"));
        assert_eq!(stale_warning, stale, "{iban} at {now}: {warnings:?}");
        assert_eq!(
            warnings.len(),
            usize::from(consent.is_some()) + usize::from(stale)
        );
        let printed = text_warnings(&text.stdout, iban);
        assert_eq!(printed.len(), warnings.len(), "{}", text.stdout);
        warned += warnings.len();
    }
    warned
}

#[test]
fn accounts_warns_when_consent_is_near_or_the_last_synchronization_is_old() {
    // The simulator's dates follow today; the binary's clock is moved to meet them.
    let env = configured(5);
    let served = served_accounts(&env, 0);
    let synchronized = served.iter().map(synchronized_at).max().expect("accounts");
    let soonest = served.iter().map(consent_expires).min().expect("accounts");
    let latest = served.iter().map(consent_expires).max().expect("accounts");

    // an hour after the synchronization: fresh data, consent maybe near
    assert_warnings_follow_the_rule(&env, synchronized + Duration::hours(1));
    // five days before the first consent runs out: it warns, and the data is stale
    let warned = assert_warnings_follow_the_rule(&env, soonest - Duration::days(5));
    assert!(warned >= 2, "both warnings for the first account");
    // after every consent ran out: expired everywhere
    let warned = assert_warnings_follow_the_rule(&env, latest + Duration::days(1));
    assert_eq!(
        warned, 8,
        "expired consent and stale data, for each of 4 accounts"
    );
}

#[test]
fn accounts_reads_credentials_from_the_environment_without_a_config_file() {
    let env = SimEnv::start(5);
    // the second organization: only its credentials can list these accounts
    let org = &env.sim.organizations()[1];
    let dir = tempdir();
    let url = env.sim.base_url();
    let vars = [
        ("PONTO_CLIENT_ID", org.client_id.as_str()),
        ("PONTO_CLIENT_SECRET", org.client_secret.as_str()),
        ("PONTO_API_URL", url.as_str()),
    ];
    let listed = accounts_json(&run_in(dir.path(), &["accounts", "--json"], &vars));
    let mut shown: Vec<&str> = listed
        .iter()
        .map(|a| a["reference"].as_str().expect("reference"))
        .collect();
    let mut expected: Vec<&str> = org.accounts.iter().map(|a| a.iban.as_str()).collect();
    shown.sort();
    expected.sort();
    assert_eq!(shown, expected);
    let banks: HashSet<&str> = listed.iter().filter_map(|a| a["bank"].as_str()).collect();
    assert_eq!(banks, HashSet::from(["Belfius Bank", "Rabobank"]));

    let text = run_in(dir.path(), &["accounts"], &vars);
    assert_eq!(text.code, 0, "{text:?}");
    for account in &org.accounts {
        assert!(text.stdout.contains(&account.iban), "{text:?}");
    }
    assert_secret_hidden(&text, &org.client_secret);
}

#[test]
fn a_config_file_in_the_working_folder_is_used_without_config_flag() {
    let env = configured(5);
    let run = run_in(env.path(), &["accounts", "--json"], &[]);
    let listed = accounts_json(&run);
    assert_eq!(listed.len(), env.accounts().len());
}

// ---------------------------------------------------------------------------------------
// export

#[test]
fn export_writes_one_bundle_per_account() {
    let env = configured(30);
    let out = tempdir();
    let run = env.export(out.path(), &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let files = printed_files(&run);
    let mut on_disk = all_files(out.path());
    on_disk.retain(|n| !n.starts_with('.'));
    assert_eq!(on_disk.len(), 4, "{on_disk:?}");
    assert_eq!(all_files(out.path()).len(), 4, "no leftovers");
    assert_eq!(files.len(), 4, "{run:?}");
    for account in env.accounts() {
        let name = format!("{}_{}.bundle.json", account.iban, account.currency);
        let file = out.path().join(&name);
        assert!(files.contains(&file), "{name} printed: {run:?}");
        let bundle = read_json(&file);
        assert_eq!(bundle["account"]["id"], account.id.as_str());
        assert_eq!(
            bundle["account"]["attributes"]["reference"],
            account.iban.as_str()
        );
        assert_eq!(
            bundle["financialInstitution"]["id"],
            account.financial_institution_id.as_str()
        );
        let zone = &bundle["financialInstitution"]["attributes"]["timeZone"];
        assert_eq!(zone.is_null(), account.currency == "USD", "{zone}");
        // every booked transaction, in Ponto's order, and nothing pending
        assert_eq!(
            bundle_ids(&bundle),
            env.sim.booked_transaction_ids(&account.id)
        );
    }
}

#[test]
fn export_account_filter_takes_ibans_in_any_spelling() {
    let env = configured(10);
    let accounts = env.accounts();
    let spaced_lower: String = accounts[1]
        .iban
        .to_lowercase()
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let out = tempdir();
    let run = env.export(
        out.path(),
        &["--account", &accounts[3].iban, "--account", &spaced_lower],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let mut expected: Vec<String> = [&accounts[1], &accounts[3]]
        .iter()
        .map(|a| format!("{}_{}.bundle.json", a.iban, a.currency))
        .collect();
    expected.sort();
    assert_eq!(all_files(out.path()), expected);
}

#[test]
fn export_then_convert_delivers_every_booked_transaction_exactly_once() {
    let env = configured(250);
    let accounts = env.accounts();
    // new ones on top, back-dated ones on top with old dates
    env.sim.add_transactions(&accounts[0].id, 7);
    for account in &accounts {
        env.sim.add_backdated_transaction(&account.id, 12);
    }
    let bundles = tempdir();
    let run = env.export(bundles.path(), &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let bundle_files = printed_files(&run);
    assert_eq!(bundle_files.len(), 4);
    let expected = all_booked_ids(&env);
    assert_eq!(expected.len(), 4 * 250 + 7 + 4);

    for grouping in ["per-file", "daily"] {
        let out = tempdir();
        let converted = convert_into(&bundle_files, out.path(), &["--grouping", grouping]);
        assert_eq!(converted.code, 0, "{grouping}: {converted:?}");
        let files = xml_files(out.path());
        if grouping == "per-file" {
            assert_eq!(files.len(), 4, "one statement per bundle");
        }
        let (counts, ibans) = entries_in(&files);
        assert_exactly_once(&counts, &expected);
        let all_ibans: HashSet<String> = accounts.iter().map(|a| a.iban.clone()).collect();
        assert_eq!(
            ibans, all_ibans,
            "a statement for each account, the USD one too"
        );
        assert_xsd_valid(&files);
        if let Some(parsed) = oca_parse(&files) {
            let imported: usize = parsed
                .as_array()
                .expect("one item per file")
                .iter()
                .flat_map(|f| f["statements"].as_array().expect("statements").iter())
                .map(|s| s["transactions"].as_array().expect("transactions").len())
                .sum();
            assert_eq!(
                imported,
                expected.len(),
                "{grouping}: the OCA importer's view"
            );
        }
    }
}

/// A bundle's transactions with their execution day in the bank's zone (Ponto's
/// `timeZone`, or the converter's default Europe/Brussels when the bank gives none).
fn local_days(bundle: &Value) -> HashMap<String, (DateTime<Utc>, NaiveDate)> {
    let zone: chrono_tz::Tz = bundle["financialInstitution"]["attributes"]["timeZone"]
        .as_str()
        .unwrap_or("Europe/Brussels")
        .parse()
        .expect("a known zone");
    bundle["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .map(|t| {
            let executed = DateTime::parse_from_rfc3339(
                t["attributes"]["executionDate"].as_str().expect("date"),
            )
            .expect("RFC 3339")
            .with_timezone(&Utc);
            let id = t["id"].as_str().expect("id").to_owned();
            (id, (executed, executed.with_timezone(&zone).date_naive()))
        })
        .collect()
}

#[test]
fn export_since_keeps_transactions_from_that_day_on() {
    let env = configured(250);
    let full = tempdir();
    assert_eq!(env.export(full.path(), &[]).code, 0);
    let since = Utc::now().date_naive() - Duration::days(20);
    let since_text = since.to_string();
    let recent = tempdir();
    let run = env.export(recent.path(), &["--since", &since_text]);
    assert_eq!(run.code, 0, "{run:?}");
    // the documented margin: up to a day before `since` may come along (time zones)
    let earliest = since.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::days(1);
    for account in env.accounts() {
        let name = format!("{}_{}.bundle.json", account.iban, account.currency);
        let all = local_days(&read_json(&full.path().join(&name)));
        let kept = local_days(&read_json(&recent.path().join(&name)));
        let wanted: HashSet<&String> = all
            .iter()
            .filter(|(_, (_, day))| *day >= since)
            .map(|(id, _)| id)
            .collect();
        assert!(!wanted.is_empty() && wanted.len() < all.len(), "{name}");
        let missing: Vec<_> = wanted
            .iter()
            .filter(|id| !kept.contains_key(**id))
            .collect();
        assert!(
            missing.is_empty(),
            "{name}: in range but not exported: {missing:?}"
        );
        let too_old: Vec<_> = kept
            .iter()
            .filter(|(_, (executed, _))| *executed < earliest)
            .collect();
        assert!(
            too_old.is_empty(),
            "{name}: older than {since}: {too_old:?}"
        );
        assert!(kept.keys().all(|id| all.contains_key(id)));
    }
}

#[test]
fn export_since_is_not_fooled_by_a_page_of_back_dated_transactions() {
    // Ponto lists by creation: a bank back-filling 100 old bookings puts a whole page of
    // old dates above the recent transactions.
    let env = configured(60);
    let account = env.accounts()[0].clone();
    for _ in 0..100 {
        env.sim.add_backdated_transaction(&account.id, 50);
    }
    let full = tempdir();
    assert_eq!(
        env.export(full.path(), &["--account", &account.iban]).code,
        0
    );
    let since = Utc::now().date_naive() - Duration::days(20);
    let recent = tempdir();
    let run = env.export(
        recent.path(),
        &["--account", &account.iban, "--since", &since.to_string()],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let name = format!("{}_{}.bundle.json", account.iban, account.currency);
    let all = local_days(&read_json(&full.path().join(&name)));
    let kept = local_days(&read_json(&recent.path().join(&name)));
    let missing: Vec<_> = all
        .iter()
        .filter(|(id, (_, day))| *day >= since && !kept.contains_key(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} in range, {} missing",
        all.values().filter(|(_, d)| *d >= since).count(),
        missing.len()
    );
}

// ---------------------------------------------------------------------------------------
// failures

#[test]
fn bad_credentials_exit_78_with_a_hint_and_never_show_the_secret() {
    let env = SimEnv::start(5);
    let org = &env.sim.organizations()[0];
    let wrong = "s3cr3t-that-ponto-does-not-know-4f9a0c7e1b";
    let text = std::fs::read_to_string({
        env.write_config(&env.accounts(), "2020-01-01", "");
        env.config_path()
    })
    .expect("config");
    let text = text.replace(&org.client_secret, wrong);
    std::fs::write(env.config_path(), text).expect("config written");
    for args in [&["accounts"][..], &["export", "--out-dir", "."]] {
        let run = env.run(args);
        assert_eq!(run.code, EXIT_CONFIG, "{args:?}: {run:?}");
        assert!(run.stderr.contains("hint:"), "{run:?}");
        assert!(run.stderr.contains("client_secret"), "{run:?}");
        assert_secret_hidden(&run, wrong);
        assert_secret_hidden(&run, &org.client_secret);
    }

    // the same from the environment
    let dir = tempdir();
    let url = env.sim.base_url();
    let vars = [
        ("PONTO_CLIENT_ID", org.client_id.as_str()),
        ("PONTO_CLIENT_SECRET", wrong),
        ("PONTO_API_URL", url.as_str()),
    ];
    let run = run_in(dir.path(), &["accounts"], &vars);
    assert_eq!(run.code, EXIT_CONFIG, "{run:?}");
    assert!(run.stderr.contains("PONTO_CLIENT_SECRET"), "{run:?}");
    assert_secret_hidden(&run, wrong);
}

#[test]
fn an_unknown_account_exits_78() {
    let env = configured(5);
    let out = tempdir();
    let unknown = "DE89370400440532013000";
    let run = env.export(
        out.path(),
        &["--account", &env.accounts()[0].iban, "--account", unknown],
    );
    assert_eq!(run.code, EXIT_CONFIG, "{run:?}");
    assert!(run.stderr.contains(unknown), "{run:?}");
    assert!(run.stderr.contains("ponto2camt accounts"), "{run:?}");
}

#[test]
fn ponto_unreachable_exits_69_after_retries() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let dir = tempdir();
    let url = format!("http://127.0.0.1:{port}");
    let vars = [
        ("PONTO_CLIENT_ID", "some-client"),
        ("PONTO_CLIENT_SECRET", "some-secret-value-123"),
        ("PONTO_API_URL", url.as_str()),
    ];
    let run = run_in(dir.path(), &["accounts"], &vars);
    assert_eq!(run.code, EXIT_UNAVAILABLE, "{run:?}");
    assert!(run.stderr.contains("hint:"), "{run:?}");
    assert_secret_hidden(&run, "some-secret-value-123");
}

#[test]
fn accounts_amounts_keep_their_minor_units_when_ponto_drops_a_trailing_zero() {
    let env = configured(5);
    let account = env.accounts()[1].clone();
    env.sim.set_current_balance(&account.id, "57546.4");
    let served = served_accounts(&env, 0);
    let truth = served_account(&served, &account.iban);
    assert_eq!(
        truth
            .attributes
            .current_balance
            .map(|b| b.to_string())
            .as_deref(),
        Some("57546.4"),
        "Ponto sends the number without its trailing zero"
    );
    let row = text_row(&env.run(&["accounts"]).stdout, &account.iban);
    assert_eq!(row[2], "57546.40");
    let listed = accounts_json(&env.run(&["accounts", "--json"]));
    assert_eq!(
        json_for(&listed, &account.iban)["current_balance"],
        "57546.40"
    );
}

#[test]
fn the_secret_can_come_from_a_file_or_a_systemd_credential() {
    let env = SimEnv::start(5);
    let org = &env.sim.organizations()[0];
    let dir = tempdir();
    let url = env.sim.base_url();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, format!("{}\n", org.client_secret)).expect("secret");
    let credentials = dir.path().join("credentials");
    std::fs::create_dir(&credentials).expect("credentials");
    std::fs::write(credentials.join("ponto_client_secret"), &org.client_secret)
        .expect("credential");
    let base = [
        ("PONTO_CLIENT_ID", org.client_id.as_str()),
        ("PONTO_API_URL", url.as_str()),
        ("HOME", "/nonexistent"),
    ];
    for (name, value) in [
        (
            "PONTO_CLIENT_SECRET_FILE",
            secret_file.to_str().expect("utf-8"),
        ),
        (
            "CREDENTIALS_DIRECTORY",
            credentials.to_str().expect("utf-8"),
        ),
    ] {
        let mut vars = base.to_vec();
        vars.push((name, value));
        let listed = accounts_json(&run_in(dir.path(), &["accounts", "--json"], &vars));
        assert_eq!(listed.len(), org.accounts.len(), "{name}");
    }
    // an unusable file named by the environment: 78, the variable named, no secret shown
    let mut vars = base.to_vec();
    vars.push(("PONTO_CLIENT_SECRET_FILE", "/nonexistent/secret"));
    let run = run_in(dir.path(), &["accounts"], &vars);
    assert_eq!(run.code, EXIT_CONFIG, "{run:?}");
    assert!(run.stderr.contains("PONTO_CLIENT_SECRET_FILE"), "{run:?}");
    assert_secret_hidden(&run, &org.client_secret);
}

#[test]
fn no_config_and_no_environment_exits_78_with_a_way_forward() {
    let dir = tempdir();
    for args in [&["accounts"][..], &["export"]] {
        let run = run_in(dir.path(), args, &[]);
        assert_eq!(run.code, EXIT_CONFIG, "{args:?}: {run:?}");
        assert!(run.stderr.contains("PONTO_CLIENT_ID"), "{run:?}");
        assert!(run.stderr.contains("ponto2camt demo"), "{run:?}");
    }
    assert!(all_files(dir.path()).is_empty(), "nothing written");
}

#[test]
fn export_into_a_missing_folder_exits_74() {
    let env = configured(5);
    let missing = env.path().join("no-such-folder");
    let run = env.export(&missing, &[]);
    assert_eq!(run.code, 74, "{run:?}");
    assert!(run.stderr.contains("no-such-folder"), "{run:?}");
}

// ---------------------------------------------------------------------------------------
// simulate

/// A `ponto2camt simulate` child, killed when dropped.
struct Simulate(std::process::Child);

impl Drop for Simulate {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What `simulate` printed about itself: base URL, first organization's id, secret, IBANs.
struct Announced {
    url: String,
    client_id: String,
    secret: String,
    ibans: Vec<String>,
}

/// Reads the child's stdout up to the second organization (the first one is complete).
fn read_announcement(stdout: std::process::ChildStdout) -> Announced {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut announced = Announced {
        url: String::new(),
        client_id: String::new(),
        secret: String::new(),
        ibans: Vec::new(),
    };
    let mut organizations = 0;
    // a guard against a hang, not a timing assertion
    while let Ok(line) = receive.recv_timeout(std::time::Duration::from_secs(60)) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(url) = line.strip_prefix("Ponto simulator listening on ") {
            announced.url = url.trim().to_owned();
        } else if line.starts_with("organization:") {
            organizations += 1;
            if organizations == 2 {
                break;
            }
        } else if organizations == 1 && line.trim_start().starts_with("client id:") {
            announced.client_id = words.last().expect("id").to_string();
        } else if organizations == 1 && line.trim_start().starts_with("client secret:") {
            announced.secret = words.last().expect("secret").to_string();
        } else if organizations == 1 && words.first() == Some(&"account") {
            announced.ibans.push(words[2].to_owned());
        }
    }
    assert_eq!(organizations, 2, "simulate announced two organizations");
    announced
}

/// Starts `ponto2camt simulate --port 0 --seed 7 --transactions 5 EXTRA...`.
fn start_simulate(extra: &[&str]) -> (Simulate, Announced) {
    let mut child = ponto2camt()
        .args([
            "simulate",
            "--port",
            "0",
            "--seed",
            "7",
            "--transactions",
            "5",
        ])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("simulate starts");
    let stdout = child.stdout.take().expect("stdout");
    let child = Simulate(child);
    (child, read_announcement(stdout))
}

/// `export` of one account with the announced credentials: its transaction ids.
fn exported_ids(announced: &Announced, iban: &str) -> Vec<String> {
    let dir = tempdir();
    let vars = [
        ("PONTO_CLIENT_ID", announced.client_id.as_str()),
        ("PONTO_CLIENT_SECRET", announced.secret.as_str()),
        ("PONTO_API_URL", announced.url.as_str()),
    ];
    let out = dir.path().to_str().expect("utf-8");
    let run = run_in(
        dir.path(),
        &["export", "--out-dir", out, "--account", iban],
        &vars,
    );
    assert_eq!(run.code, 0, "{run:?}");
    bundle_ids(&read_json(&printed_files(&run)[0]))
}

#[test]
fn simulate_books_new_transactions_when_asked_to() {
    let (child, announced) = start_simulate(&["--book-every", "1s"]);
    let iban = announced.ibans[0].clone();
    // a guard against a hang, not a timing assertion: wait for the bookings
    let mut ids = exported_ids(&announced, &iban);
    for _ in 0..60 {
        if ids.len() > 6 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        ids = exported_ids(&announced, &iban);
    }
    assert!(ids.len() > 6, "new bookings arrive: {}", ids.len());
    drop(child);
    let refused = ponto2camt()
        .args(["simulate", "--book-every", "soon"])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn simulate_serves_the_accounts_command() {
    let (child, announced) = start_simulate(&[]);
    assert!(
        announced.url.starts_with("http://127.0.0.1:"),
        "{}",
        announced.url
    );
    assert!(
        !announced.url.ends_with(":0"),
        "a real port: {}",
        announced.url
    );
    assert_eq!(announced.ibans.len(), 4);

    // the same seed in process gives the same organization
    let same = ponto_sim::Simulator::start(SimConfig {
        seed: 7,
        transactions_per_account: 5,
        ..SimConfig::default()
    })
    .expect("simulator");
    let org = &same.organizations()[0];
    assert_eq!(announced.client_id, org.client_id);
    assert_eq!(announced.secret, org.client_secret);

    let dir = tempdir();
    let vars = [
        ("PONTO_CLIENT_ID", announced.client_id.as_str()),
        ("PONTO_CLIENT_SECRET", announced.secret.as_str()),
        ("PONTO_API_URL", announced.url.as_str()),
    ];
    let listed = accounts_json(&run_in(dir.path(), &["accounts", "--json"], &vars));
    let mut shown: Vec<String> = listed
        .iter()
        .map(|a| a["reference"].as_str().expect("IBAN").to_owned())
        .collect();
    let mut expected = announced.ibans.clone();
    shown.sort();
    expected.sort();
    assert_eq!(shown, expected);

    // five transactions per account, as asked
    let out = tempdir();
    let mut args = vec!["export", "--out-dir", out.path().to_str().expect("utf-8")];
    args.extend(["--account", expected[0].as_str()]);
    let run = run_in(dir.path(), &args, &vars);
    assert_eq!(run.code, 0, "{run:?}");
    let bundle = read_json(&printed_files(&run)[0]);
    assert_eq!(bundle_ids(&bundle).len(), 5);
    drop(child);
}

//! `ponto2camt fetch`, `status`, `demo` and `check-config` against the in-process Ponto
//! simulator: exactly-once delivery, the balance chain, grouping, several organizations,
//! exit codes, and secrets kept out of every output and file.
//!
//! The binary's clock is set to noon UTC of the simulator's "today" (the simulator dates
//! its data relative to the real date), so that a bank day is the same in every European
//! zone and "the next day" can be simulated by moving the clock.

use crate::sim_env::{SimEnv, days_ago, live, live_on, noon, today};
use crate::util::*;
use camt053::{BalanceType, Statement};
use chrono::{Duration, NaiveDate};
use ponto_sim::{Fault, FaultKind, SimAccount};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::str::FromStr;

// ---- helpers -------------------------------------------------------------------------

fn fetch_ok(env: &SimEnv, args: &[&str]) -> Run {
    fetch_ok_on(env, 0, args)
}

fn fetch_ok_on(env: &SimEnv, day_offset: i64, args: &[&str]) -> Run {
    let mut all = vec!["fetch"];
    all.extend_from_slice(args);
    let run = live_on(env, day_offset, &all);
    assert_eq!(run.code, 0, "fetch failed: {run:#?}");
    run
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text.trim()).expect("decimal text")
}

fn hyphenless(id: &str) -> String {
    id.replace('-', "")
}

fn read_statement(file: &Path) -> Statement {
    let reader = std::io::BufReader::new(std::fs::File::open(file).expect("open"));
    let mut document = camt053::read_document(reader).expect("a readable camt file");
    assert_eq!(
        document.statements.len(),
        1,
        "{}: one Stmt per file",
        file.display()
    );
    document.statements.remove(0)
}

fn balance(statement: &Statement, kind: BalanceType) -> Decimal {
    statement
        .header
        .balances
        .iter()
        .find(|b| b.kind == kind)
        .map(|b| b.amount)
        .unwrap_or_else(|| panic!("statement {} has no {}", statement.header.id, kind.code()))
}

fn opening(statement: &Statement) -> Decimal {
    balance(statement, BalanceType::OpeningBooked)
}

fn closing(statement: &Statement) -> Decimal {
    balance(statement, BalanceType::ClosingBooked)
}

fn entry_ids(statement: &Statement) -> Vec<String> {
    statement
        .entries
        .iter()
        .map(|e| e.account_servicer_ref.clone().expect("AcctSvcrRef"))
        .collect()
}

fn file_name(file: &Path) -> String {
    file.file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned()
}

/// Every published file of one account (drop folder + ERP archive), in sequence order.
fn files_of(env: &SimEnv, account: &SimAccount) -> Vec<PathBuf> {
    let prefix = format!("{}_{}_", account.iban, account.currency);
    env.published_files()
        .into_iter()
        .filter(|f| file_name(f).starts_with(&prefix))
        .collect()
}

/// Asserts `IBAN_CCY_SEQ_FIRST[_LAST].xml` with the given sequence number.
fn assert_file_name(file: &Path, account: &SimAccount, seq: u64) {
    let name = file_name(file);
    let prefix = format!("{}_{}_{seq:06}_", account.iban, account.currency);
    let period = name
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(".xml"))
        .unwrap_or_else(|| panic!("{name} is not {prefix}<dates>.xml"));
    for day in period.split('_') {
        assert!(
            NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok(),
            "{name}: {day} is not a date"
        );
    }
}

/// Asserts the chain over one account's files: sequence 1, 2, 3…, each opening equal to
/// the previous closing, and opening + entries = closing. Returns the statements.
fn assert_chain(files: &[PathBuf], account: &SimAccount) -> Vec<Statement> {
    let statements: Vec<Statement> = files.iter().map(|f| read_statement(f)).collect();
    for (i, (file, statement)) in files.iter().zip(&statements).enumerate() {
        let seq = i as u64 + 1;
        assert_file_name(file, account, seq);
        assert_eq!(
            statement.header.electronic_sequence,
            Some(seq),
            "{}",
            file.display()
        );
        assert!(
            !statement.entries.is_empty(),
            "{}: a file without entries",
            file.display()
        );
        let sum: Decimal = statement.entries.iter().map(|e| e.signed_amount()).sum();
        assert_eq!(
            opening(statement) + sum,
            closing(statement),
            "{}",
            file.display()
        );
        if i > 0 {
            assert_eq!(
                opening(statement),
                closing(&statements[i - 1]),
                "{}: opening is not the previous closing",
                file.display()
            );
        }
    }
    statements
}

fn current_balance(env: &SimEnv, account: &SimAccount) -> Decimal {
    dec(&env.sim.current_balance(&account.id).expect("balance"))
}

fn all_booked(env: &SimEnv, accounts: &[SimAccount]) -> Vec<String> {
    accounts
        .iter()
        .flat_map(|a| env.sim.booked_transaction_ids(&a.id))
        .collect()
}

/// Transaction pages the simulator served for one account.
fn transaction_pages(env: &SimEnv, account: &SimAccount) -> usize {
    let path = format!("/accounts/{}/transactions", account.id);
    env.sim
        .request_log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with(&path))
        .count()
}

fn status_json(env: &SimEnv) -> serde_json::Value {
    let run = live(env, &["status", "--json"]);
    assert_eq!(run.code, 0, "status --json failed: {run:#?}");
    serde_json::from_str(&run.stdout).expect("status --json prints JSON")
}

fn status_of<'a>(status: &'a serde_json::Value, account: &SimAccount) -> &'a serde_json::Value {
    status
        .as_array()
        .expect("a list of accounts")
        .iter()
        .find(|a| a["account"] == account.iban.as_str())
        .unwrap_or_else(|| panic!("status has no {}: {status:#}", account.iban))
}

fn json_decimal(value: &serde_json::Value) -> Decimal {
    dec(value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not decimal text")))
}

fn inspect_strict(env: &SimEnv, files: &[PathBuf]) {
    let mut args = vec!["inspect", "--strict"];
    args.extend(files.iter().map(|f| f.to_str().expect("utf-8 path")));
    let run = crate::util::run(&args, env.path());
    assert_eq!(run.code, 0, "lint findings: {run:#?}");
}

// ---- first fetch ---------------------------------------------------------------------

#[test]
fn first_fetch_publishes_every_booked_transaction_once_in_valid_files() {
    let env = SimEnv::start(60);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(400), "");

    let run = fetch_ok(&env, &[]);
    let files = files_of(&env, &account);
    assert_eq!(files.len(), 1, "per-run: one statement: {run:#?}");
    assert!(run.stdout.contains(&file_name(&files[0])), "{run:#?}");
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
    let statements = assert_chain(&files, &account);
    let exported: Decimal = statements[0]
        .entries
        .iter()
        .map(|e| e.signed_amount())
        .sum();
    assert_eq!(
        opening(&statements[0]),
        current_balance(&env, &account) - exported,
        "first opening = Ponto's currentBalance minus what was exported"
    );
    assert_eq!(closing(&statements[0]), current_balance(&env, &account));
    assert_xsd_valid(&files);
    inspect_strict(&env, &files);
    if let Some(parsed) = oca_parse(&files) {
        let statement = &parsed[0]["statements"][0];
        let count = statement["transactions"].as_array().expect("list").len();
        assert_eq!(count, statements[0].entries.len(), "OCA sees every entry");
        let start: f64 = statement["balance_start"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("start");
        assert!(
            (start
                - opening(&statements[0])
                    .to_string()
                    .parse::<f64>()
                    .expect("f64"))
            .abs()
                < 0.005
        );
    }

    // Nothing new: no file (never one without transactions), exit 0, nothing left over.
    let before = all_files(&env.drop_dir());
    let again = fetch_ok(&env, &[]);
    assert_eq!(all_files(&env.drop_dir()), before, "{again:#?}");
    assert!(!again.stdout.contains(".xml"), "{again:#?}");
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
}

#[test]
fn first_fetch_starts_at_the_start_date() {
    let start = today() - Duration::days(20);
    // Same seed, same day: the same transactions in both simulators.
    let everything = SimEnv::start(60);
    let limited = SimEnv::start(60);
    let account = everything.accounts()[0].clone();
    assert_eq!(limited.accounts()[0], account, "deterministic simulator");
    everything.write_config(std::slice::from_ref(&account), &days_ago(400), "");
    limited.write_config(std::slice::from_ref(&account), &start.to_string(), "");
    fetch_ok(&everything, &[]);
    fetch_ok(&limited, &[]);

    let all: Vec<_> = files_of(&everything, &account)
        .iter()
        .flat_map(|f| read_statement(f).entries)
        .collect();
    let since: Vec<_> = files_of(&limited, &account)
        .iter()
        .flat_map(|f| read_statement(f).entries)
        .collect();
    let booked = |e: &camt053::Entry| e.booking_date.expect("BookgDt");
    assert!(
        since.iter().all(|e| booked(e) >= start),
        "an entry before the start date"
    );
    let mut expected: Vec<_> = all
        .iter()
        .filter(|e| booked(e) >= start)
        .map(|e| e.account_servicer_ref.clone())
        .collect();
    let mut got: Vec<_> = since
        .iter()
        .map(|e| e.account_servicer_ref.clone())
        .collect();
    expected.sort();
    got.sort();
    assert!(
        !got.is_empty() && got.len() < all.len(),
        "the start date must cut the history"
    );
    assert_eq!(
        got, expected,
        "exactly the transactions booked since the start date"
    );
    // The opening still agrees with Ponto: balance minus what was exported.
    let statement = read_statement(&files_of(&limited, &account)[0]);
    assert_eq!(closing(&statement), current_balance(&limited, &account));
}

// ---- incremental ---------------------------------------------------------------------

#[test]
fn incremental_fetches_deliver_new_and_backdated_transactions_once_with_a_chain() {
    let env = SimEnv::start(250);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(400), "");
    fetch_ok(&env, &[]);

    env.sim.clear_request_log();
    let mut added = env.sim.add_transactions(&account.id, 3);
    let backdated = env.sim.add_backdated_transaction(&account.id, 10);
    added.push(backdated.clone());
    assert_eq!(
        env.sim.booked_transaction_ids(&account.id)[0],
        backdated,
        "Ponto lists it first"
    );
    fetch_ok(&env, &[]);
    // DESIGN: one page per 100 new transactions plus one (the read stops after a page
    // holding nothing new, so that nothing held back below the known ids is lost).
    assert_eq!(
        transaction_pages(&env, &account),
        2,
        "a small incremental read costs two pages: {:#?}",
        env.sim.request_log()
    );
    let files = files_of(&env, &account);
    assert_eq!(files.len(), 2);
    let mut second = entry_ids(&read_statement(&files[1]));
    let mut expected: Vec<String> = added.iter().map(|id| hyphenless(id)).collect();
    second.sort();
    expected.sort();
    assert_eq!(
        second, expected,
        "the second statement holds exactly the new ones"
    );

    env.erp_takes_files();
    env.sim.add_transactions(&account.id, 2);
    env.sim.add_backdated_transaction(&account.id, 3);
    fetch_ok(&env, &[]);
    let files = files_of(&env, &account);
    assert_eq!(files.len(), 3);
    let statements = assert_chain(&files, &account);
    assert_eq!(
        closing(&statements[2]),
        current_balance(&env, &account),
        "the chain ends at Ponto's balance"
    );
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
}

#[test]
fn incremental_reads_cost_one_page_per_hundred_new_transactions_plus_one() {
    // Trusting creation order (no look-back window): the cheapest read there is.
    let env = SimEnv::start(250);
    let account = env.accounts()[0].clone();
    env.write_config(
        std::slice::from_ref(&account),
        &days_ago(400),
        "lookback_days = 0",
    );
    fetch_ok(&env, &[]);
    for (new, pages) in [(0, 1), (150, 3), (100, 2)] {
        env.sim.add_transactions(&account.id, new);
        env.sim.clear_request_log();
        fetch_ok(&env, &[]);
        assert_eq!(
            transaction_pages(&env, &account),
            pages,
            "{new} new transactions"
        );
    }
    assert_chain(&files_of(&env, &account), &account);
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
}

#[test]
fn dry_run_on_a_fresh_ledger_changes_nothing_and_says_what_it_would_write() {
    let env = SimEnv::start(40);
    let account = env.accounts()[1].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(400), "");

    let dry = fetch_ok(&env, &["--dry-run"]);
    assert!(dry.stdout.contains("dry run"), "{dry:#?}");
    assert!(
        dry.stdout
            .contains(&format!("{}_{}_000001_", account.iban, account.currency)),
        "{dry:#?}"
    );
    assert!(
        all_files(&env.drop_dir()).is_empty(),
        "a dry run wrote into the drop folder"
    );

    fetch_ok(&env, &[]);
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
    assert_chain(&files_of(&env, &account), &account);
}

#[test]
fn dry_run_after_a_fetch_changes_nothing_and_says_what_it_would_write() {
    let env = SimEnv::start(40);
    let account = env.accounts()[1].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(400), "");
    fetch_ok(&env, &[]);
    let status_before = status_json(&env);

    let added = env.sim.add_transactions(&account.id, 2);
    let dry = fetch_ok(&env, &["--dry-run"]);
    assert!(dry.stdout.contains("dry run"), "{dry:#?}");
    assert!(
        dry.stdout
            .contains(&format!("{}_{}_000002_", account.iban, account.currency)),
        "{dry:#?}"
    );
    assert_eq!(
        files_of(&env, &account).len(),
        1,
        "a dry run published a file"
    );
    assert!(
        all_files(&env.drop_dir())
            .iter()
            .all(|f| f.ends_with(".xml")),
        "a dry run left a temporary file: {:?}",
        all_files(&env.drop_dir())
    );
    let status_after = status_json(&env);
    for key in [
        "statements_exported",
        "transactions_exported",
        "last_statement_id",
        "last_closing",
        "last_run",
    ] {
        assert_eq!(
            status_of(&status_after, &account)[key],
            status_of(&status_before, &account)[key],
            "a dry run changed {key} in the ledger"
        );
    }

    fetch_ok(&env, &[]);
    let files = files_of(&env, &account);
    assert_eq!(files.len(), 2);
    let mut got = entry_ids(&read_statement(&files[1]));
    got.sort();
    let mut expected: Vec<String> = added.iter().map(|id| hyphenless(id)).collect();
    expected.sort();
    assert_eq!(got, expected, "the dry run did not mark them exported");
    assert_chain(&files, &account);
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
}

#[test]
fn account_option_limits_the_run_and_an_unknown_one_is_a_config_error() {
    let env = SimEnv::start(30);
    let accounts: Vec<SimAccount> = env.accounts().into_iter().take(2).collect();
    env.write_config(&accounts, &days_ago(400), "");

    // Spaces and lower case are how people copy IBANs.
    let spaced: String = accounts[1]
        .iban
        .to_lowercase()
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            (i > 0 && i % 4 == 0)
                .then_some(' ')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect();
    fetch_ok(&env, &["--account", &spaced]);
    assert!(
        files_of(&env, &accounts[0]).is_empty(),
        "the other account was fetched"
    );
    assert_eq!(files_of(&env, &accounts[1]).len(), 1);

    let unknown = live(&env, &["fetch", "--account", "BE68539007547034"]);
    assert_eq!(unknown.code, 78, "{unknown:#?}");
    assert!(unknown.stderr.contains("BE68539007547034"), "{unknown:#?}");
    assert!(
        files_of(&env, &accounts[0]).is_empty(),
        "an unknown --account ran the others"
    );

    fetch_ok(&env, &[]);
    env.assert_delivered_exactly_once(&all_booked(&env, &accounts));
}

#[test]
fn one_failing_account_does_not_stop_the_others() {
    let env = SimEnv::start(30);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(400), "");
    let mut config = std::fs::read_to_string(env.config_path()).expect("config");
    // A valid IBAN that this Ponto organization does not have, listed first.
    config = config.replacen(
        "\n[[accounts]]",
        &format!(
            "\n[[accounts]]\niban = \"BE68539007547034\"\nstart_date = \"{}\"\n\n[[accounts]]",
            days_ago(30)
        ),
        1,
    );
    std::fs::write(env.config_path(), config).expect("config");

    let run = live(&env, &["fetch"]);
    assert_eq!(run.code, 78, "{run:#?}");
    assert!(run.stderr.contains("BE68539007547034"), "{run:#?}");
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
    let status = status_json(&env);
    assert_eq!(
        status_of(&status, &account)["last_run"]["outcome"],
        "ok",
        "{status:#}"
    );
}

// ---- daily grouping ------------------------------------------------------------------

#[test]
fn daily_grouping_writes_one_statement_per_closed_day_and_holds_today_back() {
    let env = SimEnv::start(40);
    let account = env.accounts()[0].clone();
    env.write_config(
        std::slice::from_ref(&account),
        &days_ago(400),
        "grouping = \"daily\"",
    );

    fetch_ok(&env, &[]);
    let files = files_of(&env, &account);
    let statements = assert_chain(&files, &account);
    let mut days = Vec::new();
    for (file, statement) in files.iter().zip(&statements) {
        let dates: std::collections::BTreeSet<_> = statement
            .entries
            .iter()
            .map(|e| e.booking_date.expect("BookgDt"))
            .collect();
        assert_eq!(
            dates.len(),
            1,
            "{}: one booking day per statement",
            file.display()
        );
        let day = *dates.first().expect("a day");
        assert!(
            file_name(file).ends_with(&format!("_{day}.xml")),
            "{} is named after its day",
            file.display()
        );
        assert!(day < today(), "today is not over yet");
        days.push(day);
    }
    assert!(
        days.windows(2).all(|w| w[0] < w[1]),
        "one statement per day, in order: {days:?}"
    );
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));

    // Booked today: held back, then published once with --include-today.
    let morning = env.sim.add_transactions(&account.id, 3);
    let held = fetch_ok(&env, &[]);
    assert_eq!(
        files_of(&env, &account).len(),
        files.len(),
        "today was published early: {held:#?}"
    );
    fetch_ok(&env, &["--include-today"]);
    let files = files_of(&env, &account);
    let last = read_statement(files.last().expect("a file"));
    let mut got = entry_ids(&last);
    got.sort();
    let mut expected: Vec<String> = morning.iter().map(|id| hyphenless(id)).collect();
    expected.sort();
    assert_eq!(got, expected);

    // More today: held back today, published on the next day, once.
    let evening = env.sim.add_transactions(&account.id, 2);
    fetch_ok(&env, &[]);
    assert_eq!(files_of(&env, &account).len(), files.len());
    fetch_ok_on(&env, 1, &[]);
    fetch_ok_on(&env, 1, &[]);
    let files = files_of(&env, &account);
    let last = read_statement(files.last().expect("a file"));
    let mut got = entry_ids(&last);
    got.sort();
    let mut expected: Vec<String> = evening.iter().map(|id| hyphenless(id)).collect();
    expected.sort();
    assert_eq!(got, expected);
    assert_chain(&files, &account);
    assert_eq!(closing(&last), current_balance(&env, &account));
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
}

// ---- several accounts and organizations ----------------------------------------------

#[test]
fn two_organizations_with_own_credentials_deliver_each_account_into_its_folder() {
    let env = SimEnv::start(30);
    let orgs = env.sim.organizations();
    assert_ne!(orgs[0].client_secret, orgs[1].client_secret);
    let chosen = [
        (&orgs[0], orgs[0].accounts[0].clone(), "drop-a1"),
        (&orgs[0], orgs[0].accounts[1].clone(), "drop-a2"),
        (&orgs[1], orgs[1].accounts[0].clone(), "drop-b1"),
    ];
    let mut text = "state_dir = \"state\"\n".to_owned();
    for (i, org) in orgs.iter().take(2).enumerate() {
        text.push_str(&format!(
            "\n[[organizations]]\nname = \"org{i}\"\n\n[organizations.ponto]\napi_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n",
            env.sim.base_url(), org.client_id, org.client_secret
        ));
        for (owner, account, folder) in &chosen {
            if owner.client_id == org.client_id {
                std::fs::create_dir_all(env.path().join(folder)).expect("folder");
                text.push_str(&format!(
                    "\n[[organizations.accounts]]\niban = \"{}\"\nstart_date = \"{}\"\ndrop_dir = \"{folder}\"\n",
                    account.iban, days_ago(400)
                ));
            }
        }
    }
    std::fs::write(env.config_path(), text).expect("config");

    fetch_ok(&env, &[]);
    for (_, account, folder) in &chosen {
        let files = xml_files(&env.path().join(folder));
        assert_eq!(files.len(), 1, "{folder}: {files:?}");
        assert_file_name(&files[0], account, 1);
        let mut got = entry_ids(&read_statement(&files[0]));
        let mut expected: Vec<String> = env
            .sim
            .booked_transaction_ids(&account.id)
            .iter()
            .map(|id| hyphenless(id))
            .collect();
        got.sort();
        expected.sort();
        assert_eq!(
            got, expected,
            "{folder} holds exactly its account's transactions"
        );
    }
    assert!(
        xml_files(&env.drop_dir()).is_empty(),
        "nothing in the unused global folder"
    );

    // And incrementally, still each into its own folder.
    env.sim.add_transactions(&chosen[2].1.id, 2);
    fetch_ok(&env, &[]);
    assert_eq!(xml_files(&env.path().join("drop-b1")).len(), 2);
    assert_eq!(xml_files(&env.path().join("drop-a1")).len(), 1);
    let status = status_json(&env);
    assert_eq!(status.as_array().expect("list").len(), 3, "{status:#}");
}

// ---- failures and exit codes ---------------------------------------------------------

#[test]
fn bad_credentials_exit_78_with_a_hint_and_without_the_secret() {
    let env = SimEnv::start(10);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(30), "");
    let config = std::fs::read_to_string(env.config_path()).expect("config");
    let (_, secret) = env.sim.credentials();
    let wrong = "0123456789abcdef0123456789abcdef-wrong";
    std::fs::write(env.config_path(), config.replace(&secret, wrong)).expect("config");

    let run = live(&env, &["fetch"]);
    assert_eq!(run.code, 78, "{run:#?}");
    assert!(run.stderr.contains("hint:"), "{run:#?}");
    assert!(
        run.stderr.contains("client_secret") || run.stderr.contains("credentials"),
        "{run:#?}"
    );
    assert!(
        !run.stderr.contains(wrong) && !run.stdout.contains(wrong),
        "the secret was printed"
    );
    assert!(xml_files(&env.drop_dir()).is_empty());
}

#[test]
fn ponto_unreachable_exits_69() {
    let env = SimEnv::start(10);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(30), "");
    // A loopback port nobody listens on any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let config = std::fs::read_to_string(env.config_path()).expect("config");
    std::fs::write(
        env.config_path(),
        config.replace(&env.sim.base_url(), &format!("http://127.0.0.1:{port}")),
    )
    .expect("config");

    let run = live(&env, &["fetch"]);
    assert_eq!(run.code, 69, "{run:#?}");
    assert!(xml_files(&env.drop_dir()).is_empty());
}

#[test]
fn an_unknown_config_key_exits_78_naming_it() {
    let env = SimEnv::start(10);
    let account = env.accounts()[0].clone();
    env.write_config(
        std::slice::from_ref(&account),
        &days_ago(30),
        "drop_folder = \"drop\"",
    );
    let run = live(&env, &["fetch"]);
    assert_eq!(run.code, 78, "{run:#?}");
    assert!(run.stderr.contains("drop_folder"), "{run:#?}");
    assert!(
        env.sim.request_log().is_empty(),
        "Ponto was asked before the config was checked"
    );
}

#[test]
fn a_second_fetch_while_the_first_holds_the_lock_exits_75_naming_its_pid() {
    let env = SimEnv::start(30);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(400), "");
    env.sim.inject(
        Fault::once(FaultKind::Slow(std::time::Duration::from_secs(4))).on("/transactions"),
    );

    let mut first = ponto2camt();
    first
        .env("PONTO2CAMT_NOW", noon(0))
        .arg("--config")
        .arg(env.config_path())
        .arg("fetch")
        .current_dir(env.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let first = first.spawn().expect("first fetch starts");
    let pid = first.id();
    // The holder writes its note next to the lock file (see lock.rs).
    let lock = env.path().join("state/ponto2camt.lock.holder");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::fs::read_to_string(&lock).is_ok_and(|t| t.contains(&format!("pid {pid}"))) {
        assert!(
            std::time::Instant::now() < deadline,
            "the first fetch never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    let second = live(&env, &["fetch"]);
    let first = first.wait_with_output().expect("first fetch ends");
    assert_eq!(second.code, 75, "{second:#?}");
    assert!(second.stderr.contains(&format!("pid {pid}")), "{second:#?}");
    assert!(
        first.status.success(),
        "the first fetch: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
}

// ---- changes in Ponto after export ---------------------------------------------------

#[test]
fn a_transaction_changed_after_export_is_not_exported_again_and_status_shows_it() {
    let env = SimEnv::start(30);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(400), "");
    fetch_ok(&env, &[]);

    let newest = env.sim.booked_transaction_ids(&account.id)[0].clone();
    env.sim.modify_transaction(
        &account.id,
        &newest,
        "remittanceInformation",
        serde_json::json!("corrected by the bank"),
    );
    let run = fetch_ok(&env, &[]);
    assert_eq!(
        files_of(&env, &account).len(),
        1,
        "the changed transaction was exported again"
    );
    assert!(
        run.stderr.contains("remittanceInformation"),
        "the log says what changed: {run:#?}"
    );
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));

    let status = status_json(&env);
    assert_eq!(
        status_of(&status, &account)["changed_transactions"],
        1,
        "{status:#}"
    );
    let text = live(&env, &["status"]);
    assert!(text.stdout.contains("changed"), "{text:#?}");
}

#[test]
fn a_balance_change_without_a_transaction_is_reported_and_not_fixed() {
    let env = SimEnv::start(30);
    let account = env.accounts()[2].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(400), "");
    fetch_ok(&env, &[]);
    let status = status_json(&env);
    assert!(
        json_decimal(&status_of(&status, &account)["balance_difference"]).is_zero(),
        "{status:#}"
    );
    let closing_before = json_decimal(&status_of(&status, &account)["last_closing"]);

    let moved = current_balance(&env, &account) + dec("10.00");
    env.sim.set_current_balance(&account.id, &moved.to_string());
    fetch_ok(&env, &[]);
    assert_eq!(
        files_of(&env, &account).len(),
        1,
        "a balance change is no transaction"
    );
    let status = status_json(&env);
    let mine = status_of(&status, &account);
    assert_eq!(
        json_decimal(&mine["balance_difference"]),
        dec("10.00"),
        "{status:#}"
    );
    assert_eq!(
        json_decimal(&mine["last_closing"]),
        closing_before,
        "the chain was changed"
    );
    let text = live(&env, &["status"]);
    assert!(
        text.stdout.contains("DIFFERS") && text.stdout.contains("10.00"),
        "{text:#?}"
    );

    // The next statement still opens at our previous closing.
    env.sim.add_transactions(&account.id, 2);
    fetch_ok(&env, &[]);
    let statements = assert_chain(&files_of(&env, &account), &account);
    assert_eq!(opening(&statements[1]), closing_before);
    let status = status_json(&env);
    assert_eq!(
        json_decimal(&status_of(&status, &account)["balance_difference"]),
        dec("10.00"),
        "{status:#}"
    );
}

// ---- status --------------------------------------------------------------------------

#[test]
fn status_shows_runs_exports_balances_and_waiting_files() {
    let env = SimEnv::start(30);
    let accounts: Vec<SimAccount> = env.accounts().into_iter().take(2).collect();
    env.write_config(&accounts, &days_ago(400), "");
    let none = live(&env, &["status"]);
    assert_eq!(none.code, 78, "status before any fetch: {none:#?}");

    fetch_ok(&env, &[]);
    let status = status_json(&env);
    for account in &accounts {
        let files = files_of(&env, account);
        let statement = read_statement(&files[0]);
        let mine = status_of(&status, account);
        assert_eq!(mine["currency"], account.currency.as_str());
        assert_eq!(mine["last_run"]["outcome"], "ok", "{mine:#}");
        assert_eq!(mine["statements_exported"], 1);
        assert_eq!(mine["transactions_exported"], statement.entries.len());
        assert_eq!(mine["last_statement_id"], statement.header.id.as_str());
        assert_eq!(json_decimal(&mine["last_closing"]), closing(&statement));
        assert!(json_decimal(&mine["balance_difference"]).is_zero());
        let waiting = mine["waiting_files"].as_array().expect("list");
        assert_eq!(waiting.len(), 1, "{mine:#}");
        assert!(
            waiting[0]["file"]
                .as_str()
                .expect("text")
                .ends_with(&file_name(&files[0]))
        );
    }
    let text = live(&env, &["status"]);
    assert_eq!(text.code, 0);
    for account in &accounts {
        let statement = read_statement(&files_of(&env, account)[0]);
        assert!(text.stdout.contains(&account.iban), "{text:#?}");
        assert!(text.stdout.contains(&statement.header.id), "{text:#?}");
        assert!(
            text.stdout.contains(&closing(&statement).to_string()),
            "{text:#?}"
        );
    }
    assert!(
        text.stdout.contains("last run") && text.stdout.contains("waiting"),
        "{text:#?}"
    );

    assert_eq!(env.erp_takes_files(), 2);
    fetch_ok(&env, &[]);
    let status = status_json(&env);
    for account in &accounts {
        let mine = status_of(&status, account);
        assert_eq!(
            mine["waiting_files"].as_array().map(Vec::len),
            Some(0),
            "{mine:#}"
        );
        assert_eq!(mine["last_run"]["outcome"], "ok");
        assert_eq!(
            mine["last_run"]["statements"], 0,
            "the last run found nothing new"
        );
        assert_eq!(mine["statements_exported"], 1);
    }
    let text = live(&env, &["status"]);
    assert!(text.stdout.contains("nothing waiting"), "{text:#?}");
}

// ---- check-config --------------------------------------------------------------------

#[test]
fn check_config_accepts_a_good_file_and_rejects_a_bad_one() {
    let env = SimEnv::start(10);
    let accounts: Vec<SimAccount> = env.accounts().into_iter().take(2).collect();
    env.write_config(&accounts, &days_ago(30), "");
    let ok = live(&env, &["check-config"]);
    assert_eq!(ok.code, 0, "{ok:#?}");
    assert!(ok.stdout.contains("ok"), "{ok:#?}");
    assert!(
        env.sim.request_log().is_empty(),
        "offline check asked Ponto"
    );

    let online = live(&env, &["check-config", "--online"]);
    assert_eq!(online.code, 0, "{online:#?}");
    for account in &accounts {
        assert!(
            online.stdout.contains(&format!("{} ", account.iban)),
            "{online:#?}"
        );
    }
    assert!(online.stdout.contains("found in Ponto"), "{online:#?}");

    env.write_config(&accounts, &days_ago(30), "grouping = \"weekly\"");
    let bad = live(&env, &["check-config"]);
    assert_eq!(bad.code, 78, "{bad:#?}");
    assert!(bad.stderr.contains("grouping"), "{bad:#?}");
}

#[test]
fn check_config_online_reports_an_iban_ponto_does_not_have() {
    let env = SimEnv::start(10);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(30), "");
    let mut config = std::fs::read_to_string(env.config_path()).expect("config");
    config.push_str(&format!(
        "\n[[accounts]]\niban = \"BE68 5390 0754 7034\"\nstart_date = \"{}\"\n",
        days_ago(30)
    ));
    std::fs::write(env.config_path(), config).expect("config");

    assert_eq!(
        live(&env, &["check-config"]).code,
        0,
        "offline it is a valid file"
    );
    let online = live(&env, &["check-config", "--online"]);
    assert_eq!(online.code, 78, "{online:#?}");
    assert!(online.stderr.contains("BE68539007547034"), "{online:#?}");
}

// ---- demo ----------------------------------------------------------------------------

#[test]
fn demo_runs_on_a_fresh_folder_and_delivers_the_new_transactions_once() {
    let dir = tempdir();
    let demo = dir.path().join("demo");
    let output = ponto2camt()
        .env("PONTO2CAMT_NOW", noon(0))
        .arg("demo")
        .arg("--dir")
        .arg(&demo)
        .current_dir(dir.path())
        .output()
        .expect("demo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let files = xml_files(&demo.join("drop"));
    assert!(
        files.len() >= 3,
        "first fetch for two accounts plus the second: {files:?}"
    );
    assert!(
        stdout.contains("4 of the 4 new transactions delivered"),
        "{stdout}"
    );
    assert!(stdout.contains(&file_name(&files[0])), "{stdout}");
    assert_xsd_valid(&files);
    // Nothing delivered twice across the demo's files.
    let mut ids: Vec<String> = files
        .iter()
        .flat_map(|f| entry_ids(&read_statement(f)))
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "the demo delivered a transaction twice");
}

// ---- secrets -------------------------------------------------------------------------

/// Whether `bytes` hold something shaped like the simulator's access tokens
/// (24 hex digits, a dot, 40 hex digits).
fn holds_token(bytes: &[u8]) -> bool {
    let hex = |b: &u8| b.is_ascii_hexdigit();
    bytes.iter().enumerate().any(|(i, b)| {
        *b == b'.'
            && i >= 24
            && bytes[i - 24..i].iter().all(hex)
            && bytes
                .get(i + 1..i + 41)
                .is_some_and(|after| after.iter().all(hex))
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn token_detector_finds_a_token() {
    assert!(holds_token(
        b"Bearer 0123456789abcdef01234567.0123456789abcdef0123456789abcdef01234567 x"
    ));
    assert!(!holds_token(b"0123456789abcdef.0123"));
}

#[test]
fn no_secret_or_token_in_any_output_or_state_file() {
    let env = SimEnv::start(120);
    let accounts: Vec<SimAccount> = env.accounts().into_iter().take(2).collect();
    env.write_config(&accounts, &days_ago(400), "");
    let (_, secret) = env.sim.credentials();
    // A token expiring mid-read and a retried 503 make the client log its recovery paths.
    env.sim.inject(
        Fault::once(FaultKind::ExpireToken)
            .on("/transactions")
            .skipping(1),
    );
    env.sim
        .inject(Fault::once(FaultKind::ServerError(503)).on("/transactions"));
    let mut runs = vec![live(&env, &["fetch"])];
    env.sim.add_transactions(&accounts[0].id, 3);
    runs.push(live(&env, &["--log-format", "json", "fetch"]));
    env.sim.add_transactions(&accounts[1].id, 3);
    runs.push(env.run_with_env(
        &["fetch"],
        &[("PONTO2CAMT_NOW", &noon(0)), ("RUST_LOG", "debug")],
    ));
    runs.push(live(&env, &["status"]));
    runs.push(live(&env, &["check-config", "--online"]));
    for run in &runs {
        assert_eq!(run.code, 0, "{run:#?}");
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains(&secret),
                "the client secret was printed: {run:#?}"
            );
            assert!(
                !holds_token(text.as_bytes()),
                "an access token was printed: {run:#?}"
            );
        }
    }
    assert!(
        runs[1].stderr.lines().any(|l| l.starts_with('{')),
        "JSON log lines expected: {:#?}",
        runs[1]
    );
    env.assert_delivered_exactly_once(&all_booked(&env, &accounts));
    let mut checked = 0;
    for dir in [env.path().join("state"), env.drop_dir(), env.archive_dir()] {
        for file in files_under(&dir) {
            let bytes = std::fs::read(&file).expect("readable");
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{} holds the client secret",
                file.display()
            );
            assert!(
                !holds_token(&bytes),
                "{} holds an access token",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "the ledger, the lock and the files were checked"
    );
}

// ---- listing order (issue #10) ---------------------------------------------------------

#[test]
fn a_late_booking_below_known_transactions_is_delivered_in_either_listing_order() {
    for order in [
        ponto_sim::ListingOrder::Created,
        ponto_sim::ListingOrder::Execution,
    ] {
        let env = SimEnv::start(2500);
        env.sim.set_listing_order(order);
        let account = env.accounts()[0].clone();
        env.write_config(std::slice::from_ref(&account), &days_ago(60), "");
        fetch_ok(&env, &[]);
        let late = env.sim.add_backdated_transaction(&account.id, 4);
        let before = transaction_pages(&env, &account);
        fetch_ok(&env, &[]);
        let pages = transaction_pages(&env, &account) - before;
        let counts = env.delivered_counts();
        assert_eq!(counts.get(&hyphenless(&late)), Some(&1), "{order:?}");
        assert!(counts.values().all(|n| *n == 1), "{order:?}");
        eprintln!("{order:?}: incremental read of 1 new transaction: {pages} page(s)");
    }
}

#[test]
fn without_a_look_back_execution_order_would_lose_the_late_booking() {
    let env = SimEnv::start(2500);
    env.sim
        .set_listing_order(ponto_sim::ListingOrder::Execution);
    let account = env.accounts()[0].clone();
    env.write_config(
        std::slice::from_ref(&account),
        &days_ago(60),
        "lookback_days = 0",
    );
    fetch_ok(&env, &[]);
    let late = env.sim.add_backdated_transaction(&account.id, 4);
    fetch_ok(&env, &[]);
    assert_eq!(
        env.delivered_counts().get(&hyphenless(&late)),
        None,
        "lookback_days = 0 trusts creation order: this is what the window protects against"
    );
}

#[test]
fn every_fetch_warns_about_consent_and_synchronization_health() {
    let env = SimEnv::start(5);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(30), "");
    let now = chrono::DateTime::parse_from_rfc3339(&noon(0))
        .expect("noon")
        .to_utc();
    env.sim
        .set_authorization_expiry(&account.id, Some(now + Duration::days(5)));
    env.sim.set_deprecated(&account.id, true);
    let run = fetch_ok(&env, &[]);
    assert!(run.stderr.contains("consent expires"), "{run:#?}");
    assert!(run.stderr.contains("deprecated"), "{run:#?}");
    env.sim
        .set_authorization_expiry(&account.id, Some(now - Duration::days(1)));
    let expired = fetch_ok(&env, &[]);
    assert!(expired.stderr.contains("consent expired"), "{expired:#?}");
}

#[test]
fn log_lines_about_an_account_name_its_iban() {
    let env = SimEnv::start(20);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(30), "");
    env.sim
        .inject(Fault::once(FaultKind::ServerError(503)).on("/transactions"));
    let run = fetch_ok(&env, &[]);
    let retry = run
        .stderr
        .lines()
        .find(|l| l.contains("503"))
        .unwrap_or_else(|| panic!("a retry is logged: {run:#?}"));
    assert!(retry.contains(&account.iban), "{retry}");
    let fetched = run
        .stderr
        .lines()
        .find(|l| l.contains("fetched"))
        .unwrap_or_else(|| panic!("the account's run is logged: {run:#?}"));
    assert!(fetched.contains(&account.iban), "{fetched}");
    for line in run.stderr.lines().filter(|l| l.contains(&account.id)) {
        assert!(
            line.contains(&account.iban),
            "a line with Ponto's id names the IBAN too: {line}"
        );
    }
}

//! `cargo bench --bench fetch`: `ponto2camt fetch` (release binary) against the Ponto
//! simulator on loopback, publishing included, reporting wall time:
//!
//! (a) 1 account with 1,000 new transactions: the first fetch of a 1,000-transaction
//!     history, then an incremental fetch of 1,000 more (target < 2 s each);
//! (b) 100 accounts with 50 new transactions each, 20 ms simulated latency per request:
//!     first fetch, then an incremental fetch of 50 more each (target < 15 s each).
//!
//! (c) `order`: the request cost of an incremental run in each listing order Ponto may
//!     use (newest created first, or by execution date), with the default look-back
//!     and with `lookback_days = 0`: 1 account with 2,500 transactions (~40 a day),
//!     then one new booking dated 4 days back; prints the transaction pages read.
//!
//! For (b) the simulator's first organization gets 96 more accounts
//! (`Simulator::add_accounts`), so one organization holds all 100.
//!
//! Not a pass/fail test: it prints numbers, the targets are in the README.

use ponto_sim::{SimConfig, Simulator};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const MANY_ACCOUNTS: usize = 100;
const PER_ACCOUNT: usize = 50;
const LATENCY: Duration = Duration::from_millis(20);

/// Runs `ponto2camt --config CONFIG fetch` and returns its wall time.
fn timed_fetch(config: &Path) -> Duration {
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_ponto2camt"))
        .arg("--quiet")
        .arg("--config")
        .arg(config)
        .arg("fetch")
        .env_remove("PONTO_CLIENT_ID")
        .env_remove("PONTO_CLIENT_SECRET")
        .env_remove("PONTO_API_URL")
        .env_remove("PONTO2CAMT_NOW")
        .output()
        .expect("ponto2camt runs");
    let elapsed = start.elapsed();
    assert!(
        output.status.success(),
        "fetch failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

/// Files in the drop folder and the entries in them (to show the work was done).
fn delivered(drop_dir: &Path) -> (usize, usize) {
    let mut files = 0;
    let mut entries = 0;
    for entry in std::fs::read_dir(drop_dir).expect("drop folder").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "xml") {
            files += 1;
            let text = std::fs::read_to_string(&path).expect("readable file");
            entries += text.matches("<Ntry>").count();
        }
    }
    (files, entries)
}

fn start_date() -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(400)).to_string()
}

fn report(what: &str, elapsed: Duration, drop_dir: &Path, target_secs: f64) {
    let (files, entries) = delivered(drop_dir);
    println!(
        "fetch {what}: {:.2} s (target < {target_secs} s) — {files} file(s), {entries} entries in the drop folder",
        elapsed.as_secs_f64()
    );
}

fn one_account(dir: &Path) {
    let sim = Simulator::start(SimConfig {
        transactions_per_account: 1_000,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let org = &sim.organizations()[0];
    let account = &org.accounts[0];
    let drop_dir = dir.join("drop");
    std::fs::create_dir_all(&drop_dir).expect("drop folder");
    let config = dir.join("ponto2camt.toml");
    let text = format!(
        "state_dir = \"state\"\ndrop_dir = \"drop\"\n\n[ponto]\napi_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n\n[[accounts]]\niban = \"{}\"\nstart_date = \"{}\"\n",
        sim.base_url(),
        org.client_id,
        org.client_secret,
        account.iban,
        start_date()
    );
    std::fs::write(&config, text).expect("config");

    let first = timed_fetch(&config);
    report(
        "1 account, 1,000 transactions (first fetch)",
        first,
        &drop_dir,
        2.0,
    );
    sim.add_transactions(&account.id, 1_000);
    let incremental = timed_fetch(&config);
    report(
        "1 account, 1,000 new transactions (incremental)",
        incremental,
        &drop_dir,
        2.0,
    );
}

fn many_accounts(dir: &Path) {
    let sim = Simulator::start(SimConfig {
        transactions_per_account: PER_ACCOUNT,
        latency: LATENCY,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let base = sim.organizations()[0].accounts.len();
    sim.add_accounts(MANY_ACCOUNTS.saturating_sub(base));
    let org = &sim.organizations()[0];
    let drop_dir = dir.join("drop");
    std::fs::create_dir_all(&drop_dir).expect("drop folder");
    let mut text = format!(
        "state_dir = \"state\"\ndrop_dir = \"drop\"\nconcurrency = 8\n\n[ponto]\napi_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n",
        sim.base_url(),
        org.client_id,
        org.client_secret
    );
    let configured: Vec<_> = org.accounts.iter().take(MANY_ACCOUNTS).cloned().collect();
    for account in &configured {
        let _ = write!(
            text,
            "\n[[accounts]]\niban = \"{}\"\ncurrency = \"{}\"\nstart_date = \"{}\"\n",
            account.iban,
            account.currency,
            start_date()
        );
    }
    let config = dir.join("ponto2camt.toml");
    std::fs::write(&config, text).expect("config");

    let first = timed_fetch(&config);
    report(
        &format!(
            "{} accounts, {PER_ACCOUNT} transactions each, {} ms latency (first fetch)",
            configured.len(),
            LATENCY.as_millis()
        ),
        first,
        &drop_dir,
        15.0,
    );
    for account in &configured {
        sim.add_transactions(&account.id, PER_ACCOUNT);
    }
    let incremental = timed_fetch(&config);
    report(
        &format!(
            "{} accounts, {PER_ACCOUNT} new transactions each, {} ms latency (incremental)",
            configured.len(),
            LATENCY.as_millis()
        ),
        incremental,
        &drop_dir,
        15.0,
    );
}

/// Transaction pages the simulator served for the account so far.
fn transaction_pages(sim: &Simulator, account_id: &str) -> usize {
    let path = format!("/accounts/{account_id}/transactions");
    sim.request_log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with(&path))
        .count()
}

fn listing_orders(dir: &Path) {
    for order in [
        ponto_sim::ListingOrder::Created,
        ponto_sim::ListingOrder::Execution,
    ] {
        for lookback in [None, Some(0)] {
            let sim = Simulator::start(SimConfig {
                transactions_per_account: 2_500,
                ..SimConfig::default()
            })
            .expect("simulator starts");
            sim.set_listing_order(order);
            let org = &sim.organizations()[0];
            let account = &org.accounts[0];
            let run_dir = dir.join(format!("{order:?}-{lookback:?}"));
            std::fs::create_dir_all(run_dir.join("drop")).expect("drop folder");
            let config = run_dir.join("ponto2camt.toml");
            let text = format!(
                "state_dir = \"state\"\ndrop_dir = \"drop\"\n{}\n[ponto]\napi_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n\n[[accounts]]\niban = \"{}\"\ncurrency = \"{}\"\nstart_date = \"{}\"\n",
                lookback
                    .map(|d| format!("lookback_days = {d}"))
                    .unwrap_or_default(),
                sim.base_url(),
                org.client_id,
                org.client_secret,
                account.iban,
                account.currency,
                (chrono::Utc::now().date_naive() - chrono::Duration::days(60))
            );
            std::fs::write(&config, text).expect("config");
            timed_fetch(&config);
            let first = transaction_pages(&sim, &account.id);
            sim.add_backdated_transaction(&account.id, 4);
            let elapsed = timed_fetch(&config);
            let incremental = transaction_pages(&sim, &account.id) - first;
            println!(
                "listing order {order:?}, lookback_days {}: first fetch {first} page(s); incremental run with 1 new booking dated 4 days back: {incremental} page(s), {:.2} s",
                lookback.map_or("7 (default)".to_owned(), |d| d.to_string()),
                elapsed.as_secs_f64()
            );
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a name argument picks one scenario.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    if wanted("one") {
        let dir = tempfile::tempdir().expect("temp dir");
        one_account(dir.path());
    }
    if wanted("many") {
        let dir = tempfile::tempdir().expect("temp dir");
        many_accounts(dir.path());
    }
    if wanted("order") {
        let dir = tempfile::tempdir().expect("temp dir");
        listing_orders(dir.path());
    }
}

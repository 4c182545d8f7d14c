//! `cargo bench --bench watch`: the `watch` daemon (release binary) against the Ponto
//! simulator on loopback, reporting what an operator cares about:
//!
//! (a) idle with 10 accounts: resident memory, and CPU time over 60 idle seconds
//!     (targets: RSS ≤ 20 MB, CPU ≤ 0.05 s — no busy polling);
//! (b) inbox latency: a bundle of 100 transactions written into the inbox, until its
//!     statement appears in the drop folder, measured from the writer's close (median and
//!     worst of 20; target ≤ 1 s);
//! (c) memory over time: RSS after 10 ticks of a 1 s interval and after 1,000 (target:
//!     within 2 MB). `cargo bench --bench watch -- TICKS` sets the longer count (default
//!     1000, about 17 minutes).
//!
//! Not a pass/fail test: it prints numbers, the targets are in the README.

use ponto_sim::{SimConfig, Simulator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ACCOUNTS: usize = 10;
const BUNDLES: usize = 20;
const PER_BUNDLE: usize = 100;

fn main() {
    let ticks: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = Simulator::start(SimConfig {
        transactions_per_account: 20,
        ..SimConfig::default()
    })
    .expect("simulator");
    let have = sim.organizations()[0].accounts.len();
    if have < ACCOUNTS {
        sim.add_accounts(ACCOUNTS - have);
    }
    let config = write_config(&sim, dir.path());

    let daemon = start(&config, "1h");
    wait_until("the first fetch", || {
        xml_count(&dir.path().join("drop")) >= ACCOUNTS
    });
    idle(&daemon);
    inbox_latency(&sim, dir.path());
    stop(daemon);

    let daemon = start(&config, "1s");
    memory_over_ticks(&daemon, &sim, ticks);
    stop(daemon);
}

fn write_config(sim: &Simulator, dir: &Path) -> PathBuf {
    for sub in ["state", "drop", "inbox"] {
        std::fs::create_dir_all(dir.join(sub)).expect("folder");
    }
    let org = &sim.organizations()[0];
    let start = (chrono::Utc::now().date_naive() - chrono::Duration::days(400)).to_string();
    let mut text = format!(
        "state_dir = \"state\"\ndrop_dir = \"drop\"\n[watch]\ninbox_dir = \"inbox\"\n\n[ponto]\napi_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n",
        sim.base_url(),
        org.client_id,
        org.client_secret
    );
    for account in org.accounts.iter().take(ACCOUNTS) {
        text.push_str(&format!(
            "\n[[accounts]]\niban = \"{}\"\ncurrency = \"{}\"\nstart_date = \"{start}\"\n",
            account.iban, account.currency
        ));
    }
    let path = dir.join("ponto2camt.toml");
    std::fs::write(&path, text).expect("config");
    path
}

fn start(config: &Path, interval: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ponto2camt"))
        .args(["--quiet", "--config"])
        .arg(config)
        .args(["watch", "--interval", interval])
        .env_remove("PONTO2CAMT_NOW")
        // As contrib/ponto2camt-watch.service runs it.
        .env("MIMALLOC_ARENA_EAGER_COMMIT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("watch starts")
}

fn stop(mut daemon: Child) {
    // SAFETY: kill(2) of our own child.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let _ = daemon.wait();
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn xml_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|e| {
            e.flatten()
                .filter(|f| f.path().extension().is_some_and(|x| x == "xml"))
                .count()
        })
        .unwrap_or(0)
}

/// Resident memory in kB (`VmRSS`).
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// User + system CPU time in seconds (`/proc/PID/stat`, fields 14 and 15).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|f| f.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|f| f.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf only reads a constant of the system.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    ticks as f64 / per_second
}

fn idle(daemon: &Child) {
    std::thread::sleep(Duration::from_secs(2));
    let pid = daemon.id();
    let cpu_before = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs(60));
    let cpu = cpu_seconds(pid) - cpu_before;
    println!(
        "watch idle, {ACCOUNTS} accounts: RSS {:.1} MB (target ≤ 20 MB); CPU over 60 idle s: {cpu:.3} s (target ≤ 0.05 s)",
        rss_kb(pid) as f64 / 1024.0
    );
}

/// A bundle of `n` transactions the ledger has never seen, for `account`.
fn bundle(account: &ponto_sim::SimAccount, round: usize, n: usize) -> String {
    let transactions: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"type":"transaction","id":"7a000000-0000-4000-8000-{round:04}{i:08}","attributes":{{"amount":{}.25,"currency":"{}","executionDate":"{}T10:00:00.000Z","valueDate":"{}T10:00:00.000Z","remittanceInformation":"invoice {round}-{i}","counterpartName":"Bench {i}"}}}}"#,
                i + 1,
                account.currency,
                chrono::Utc::now().date_naive() - chrono::Duration::days(1),
                chrono::Utc::now().date_naive() - chrono::Duration::days(1),
            )
        })
        .collect();
    format!(
        r#"{{"account":{{"type":"account","id":"{}","attributes":{{"reference":"{}","referenceType":"IBAN","currency":"{}","currentBalance":1000.00}}}},"transactions":[{}]}}"#,
        account.id,
        account.iban,
        account.currency,
        transactions.join(",")
    )
}

fn inbox_latency(sim: &Simulator, dir: &Path) {
    let account = sim.organizations()[0].accounts[0].clone();
    let drop_dir = dir.join("drop");
    let mut latencies = Vec::new();
    for round in 0..BUNDLES {
        let text = bundle(&account, round, PER_BUNDLE);
        let before = xml_count(&drop_dir);
        let path = dir.join("inbox").join(format!("bench-{round}.json"));
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&path).expect("bundle");
            file.write_all(text.as_bytes()).expect("write");
        }
        let closed = Instant::now();
        wait_until("the bundle's statement", || xml_count(&drop_dir) > before);
        latencies.push(closed.elapsed());
    }
    latencies.sort();
    println!(
        "watch inbox, bundle of {PER_BUNDLE} transactions → drop folder, {BUNDLES} bundles: median {:.0} ms, worst {:.0} ms (target ≤ 1000 ms)",
        latencies[BUNDLES / 2].as_secs_f64() * 1000.0,
        latencies[BUNDLES - 1].as_secs_f64() * 1000.0
    );
}

fn memory_over_ticks(daemon: &Child, sim: &Simulator, ticks: usize) {
    let pid = daemon.id();
    let started = Instant::now();
    let tick = Duration::from_millis(1050);
    let mut at_10 = 0;
    for t in 1..=ticks {
        if t % 50 == 0 {
            // Some real work now and then: a new booking on every account.
            for account in sim.organizations()[0].accounts.iter().take(ACCOUNTS) {
                sim.add_transactions(&account.id, 1);
            }
        }
        let due = started + tick * t as u32;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        if t == 10 {
            at_10 = rss_kb(pid);
        }
    }
    let at_end = rss_kb(pid);
    println!(
        "watch over time, 1 s interval: RSS after 10 ticks {:.1} MB, after {ticks} ticks {:.1} MB, growth {:+.2} MB (target within 2 MB)",
        at_10 as f64 / 1024.0,
        at_end as f64 / 1024.0,
        (at_end as f64 - at_10 as f64) / 1024.0
    );
}

//! Hardening of the run around delivery (issue #8): a lost ledger, signals, truthful
//! reports, messages. Each test failed before its fix.

#![allow(unused_imports)]

use crate::sim_env::SimEnv;
use crate::sim_env::{days_ago, live};
use crate::util::*;
use ponto_sim::{Fault, FaultKind};
use std::process::Stdio;

fn env_with_two_accounts() -> SimEnv {
    let env = SimEnv::start(20);
    let accounts: Vec<_> = env.accounts().into_iter().take(2).collect();
    env.write_config(&accounts, &days_ago(30), "");
    env
}

fn delivered_once(env: &SimEnv) -> usize {
    let run = live(env, &["fetch"]);
    assert_eq!(run.code, 0, "{run:#?}");
    env.delivered_counts().len()
}

// ---- 1. a lost ledger does not silently start over -----------------------------------

#[test]
fn a_deleted_ledger_with_files_in_the_drop_folder_is_refused() {
    let env = env_with_two_accounts();
    let delivered = delivered_once(&env);
    assert!(delivered > 0);
    let state = env.path().join("state");
    std::fs::remove_dir_all(&state).expect("state folder removed");

    let again = live(&env, &["fetch"]);
    assert_eq!(again.code, 78, "{again:#?}");
    assert!(again.stderr.contains("ledger is missing"), "{again:#?}");
    assert!(again.stderr.contains("--new-ledger"), "{again:#?}");
    assert_eq!(
        env.delivered_counts().len(),
        delivered,
        "nothing delivered again"
    );
    assert!(env.delivered_counts().values().all(|n| *n == 1));
}

#[test]
fn a_ledger_truncated_to_nothing_is_refused_even_after_the_erp_took_every_file() {
    let env = env_with_two_accounts();
    delivered_once(&env);
    env.erp_takes_files();
    let ledger = env.path().join("state/ledger.sqlite3");
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(env.path().join(format!("state/ledger.sqlite3{side}")));
    }
    std::fs::write(&ledger, "").expect("truncated");

    let again = live(&env, &["fetch"]);
    assert_eq!(again.code, 78, "{again:#?}");
    assert!(again.stderr.contains("ledger file is empty"), "{again:#?}");
    assert!(
        env.delivered_counts().values().all(|n| *n == 1),
        "nothing twice"
    );
}

#[test]
fn a_mistyped_state_dir_is_refused_and_check_config_says_so() {
    let env = env_with_two_accounts();
    delivered_once(&env);
    let config = std::fs::read_to_string(env.config_path()).expect("config");
    std::fs::write(
        env.config_path(),
        config.replace("state_dir = \"state\"", "state_dir = \"stat\""),
    )
    .expect("config");

    let check = live(&env, &["check-config"]);
    assert_eq!(check.code, 78, "{check:#?}");
    assert!(check.stderr.contains("state_dir"), "{check:#?}");
    assert!(!check.stdout.contains("ok"), "{check:#?}");
    let fetch = live(&env, &["fetch"]);
    assert_eq!(fetch.code, 78, "{fetch:#?}");
    assert!(!env.path().join("stat/ledger.sqlite3").exists());
}

#[test]
fn the_first_run_is_one_command_and_starting_over_is_deliberate() {
    let env = env_with_two_accounts();
    std::fs::remove_dir_all(env.path().join("state")).expect("no state folder yet");
    let first = delivered_once(&env);
    assert!(first > 0, "the very first fetch needs nothing more");

    std::fs::remove_dir_all(env.path().join("state")).expect("state lost");
    assert_eq!(live(&env, &["fetch"]).code, 78);
    env.erp_takes_files();
    let over = live(&env, &["fetch", "--new-ledger"]);
    assert_eq!(over.code, 0, "{over:#?}");
    assert!(
        env.delivered_counts().values().all(|n| *n == 2),
        "starting over delivers everything again, as asked"
    );
}

// ---- 8. server text never carries a secret into logs, the ledger or status ---------

#[test]
fn an_error_body_echoing_the_credentials_reaches_no_log_ledger_or_status() {
    let env = env_with_two_accounts();
    delivered_once(&env);
    let org = env.sim.organizations()[0].clone();
    env.sim
        .inject(Fault::once(FaultKind::EchoAuthorization(400)).on("/transactions"));
    let failed = live(&env, &["fetch"]);
    assert_ne!(failed.code, 0, "{failed:#?}");
    let status = live(&env, &["status"]);
    let json = live(&env, &["status", "--json"]);
    let ledger = std::fs::read(env.path().join("state/ledger.sqlite3")).expect("ledger");
    let wal = std::fs::read(env.path().join("state/ledger.sqlite3-wal")).unwrap_or_default();
    let basic = base64_of(&format!("{}:{}", org.client_id, org.client_secret));
    for secret in [org.client_secret.as_str(), basic.as_str()] {
        for (what, text) in [
            ("fetch stderr", &failed.stderr),
            ("status", &status.stdout),
            ("status --json", &json.stdout),
        ] {
            assert!(!text.contains(secret), "{what} leaks a secret: {text}");
        }
        for (what, bytes) in [("ledger", &ledger), ("ledger WAL", &wal)] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "the {what} holds a secret"
            );
        }
    }
    assert!(
        failed.stderr.contains("[redacted]"),
        "the echo is shown, without the secret: {failed:#?}"
    );
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

// ---- 16. SIGTERM during fetch ---------------------------------------------------------

#[test]
fn sigterm_during_a_slow_fetch_logs_one_line_and_exits_75() {
    let env = env_with_two_accounts();
    env.sim.inject(
        Fault::once(FaultKind::Slow(std::time::Duration::from_secs(20))).on("/transactions"),
    );
    let child = ponto2camt()
        .arg("--config")
        .arg(env.config_path())
        .arg("fetch")
        .env("PONTO2CAMT_NOW", crate::sim_env::noon(0))
        .current_dir(env.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fetch starts");
    // Until the slow page is asked for.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !env
        .sim
        .request_log()
        .iter()
        .any(|r| r.path.contains("/transactions"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "fetch never read a page"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let started = std::time::Instant::now();
    // SAFETY: a plain kill(2) of our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let output = child.wait_with_output().expect("fetch ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(75), "{stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "the slow read was abandoned"
    );
    assert_eq!(stderr.matches("stopped by SIGTERM").count(), 1, "{stderr}");
    assert!(
        hidden_files(&env.drop_dir()).is_empty(),
        "no partial file is visible"
    );
}

fn hidden_files(dir: &std::path::Path) -> Vec<String> {
    all_files(dir)
        .into_iter()
        .filter(|name| name.starts_with('.'))
        .collect()
}

// ---- 18. messages ----------------------------------------------------------------------

#[test]
fn inspect_of_a_folder_or_a_device_is_an_io_error() {
    let dir = tempdir();
    let folder = run(&["inspect", "."], dir.path());
    assert_eq!(folder.code, 74, "{folder:#?}");
    assert!(folder.stderr.contains("a folder"), "{folder:#?}");
    let device = run(&["inspect", "/dev/zero"], dir.path());
    assert_eq!(device.code, 74, "{device:#?}");
    assert!(device.stderr.contains("not a regular file"), "{device:#?}");
}

#[test]
fn inspect_of_a_bundle_points_to_convert() {
    let dir = tempdir();
    let bundle = fixture("bundles/belgian-ordinary.json");
    let run = run(&["inspect", bundle.to_str().expect("path")], dir.path());
    assert_eq!(run.code, 65, "{run:#?}");
    assert!(run.stderr.contains("ponto2camt convert"), "{run:#?}");
}

#[test]
fn offline_check_config_refuses_plain_http_to_another_host() {
    let env = env_with_two_accounts();
    let config = std::fs::read_to_string(env.config_path()).expect("config");
    let base = env.sim.base_url();
    std::fs::write(
        env.config_path(),
        config.replace(&base, "http://ponto.example.com"),
    )
    .expect("config");
    let check = live(&env, &["check-config"]);
    assert_eq!(check.code, 78, "{check:#?}");
    assert!(
        check.stderr.contains("http://ponto.example.com"),
        "{check:#?}"
    );
    assert!(env.sim.request_log().is_empty(), "offline");
}

// ---- issue #7: output on pipes ----------------------------------------------------------

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    let env = env_with_two_accounts();
    delivered_once(&env);
    let files = xml_files(&env.drop_dir());
    let mut inspect = ponto2camt();
    inspect.arg("inspect").arg("--json").args(&files);
    let mut status = ponto2camt();
    status
        .args(["--config", env.config_path().to_str().expect("path")])
        .args(["status", "--json"]);
    for mut command in [inspect, status] {
        let mut child = command
            .current_dir(env.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        // Like `| head` that has already quit: the pipe is closed before anything is written.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

#[test]
fn logs_carry_no_colour_codes_off_a_terminal() {
    let env = env_with_two_accounts();
    let run = live(&env, &["fetch"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("INFO"), "{run:#?}");
    assert!(
        !run.stderr.contains('\u{1b}'),
        "escape codes in a log file: {:?}",
        run.stderr
    );
}

// ---- issue #9: problems in status, status --check --------------------------------------

fn status_json(env: &SimEnv, day: i64) -> serde_json::Value {
    let run = crate::sim_env::live_on(env, day, &["status", "--json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    serde_json::from_str(&run.stdout).expect("JSON")
}

fn kinds(status: &serde_json::Value) -> Vec<String> {
    status
        .as_array()
        .expect("accounts")
        .iter()
        .flat_map(|a| a["problems"].as_array().cloned().unwrap_or_default())
        .map(|p| p["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn status_check_is_0_when_all_is_well_and_1_with_a_problem() {
    let env = env_with_two_accounts();
    delivered_once(&env);
    env.erp_takes_files();
    let ok = live(&env, &["status", "--check"]);
    assert_eq!(ok.code, 0, "{ok:#?}");
    assert!(ok.stdout.starts_with("ok"), "{ok:#?}");
    assert!(kinds(&status_json(&env, 0)).is_empty());

    // A file the ERP has not taken after a day (pickup_warn_after defaults to 2h).
    let account = env.accounts()[0].clone();
    env.sim.add_transactions(&account.id, 1);
    delivered_once(&env);
    // Ponto synchronized again since (else tomorrow's status also says sync_stale)
    let tomorrow = chrono::DateTime::parse_from_rfc3339(&crate::sim_env::noon(1))
        .expect("noon")
        .to_utc();
    for account in env.accounts() {
        env.sim
            .set_synchronized_at(&account.id, tomorrow - chrono::Duration::hours(1));
    }
    delivered_once(&env);
    let late = crate::sim_env::live_on(&env, 1, &["status", "--check"]);
    assert_eq!(late.code, 1, "{late:#?}");
    assert!(late.stdout.contains("not_picked_up"), "{late:#?}");
    assert_eq!(kinds(&status_json(&env, 1)), ["not_picked_up"]);
}

#[test]
fn rejected_credentials_show_as_a_failed_last_run_not_ok() {
    let env = env_with_two_accounts();
    delivered_once(&env);
    env.erp_takes_files();
    let config = std::fs::read_to_string(env.config_path()).expect("config");
    let (_, secret) = env.sim.credentials();
    std::fs::write(
        env.config_path(),
        config.replace(&secret, "wrong-secret-0123456789"),
    )
    .expect("config");
    assert_eq!(live(&env, &["fetch"]).code, 78);
    let status = status_json(&env, 0);
    assert_eq!(
        kinds(&status),
        ["last_run_failed", "last_run_failed"],
        "{status:#}"
    );
    let text = live(&env, &["status"]);
    assert!(text.stdout.contains("PROBLEM"), "{text:#?}");
    assert_eq!(live(&env, &["status", "--check"]).code, 1);
}

#[test]
fn a_transaction_held_back_shows_as_a_problem() {
    let env = env_with_two_accounts();
    let account = env.accounts()[0].clone();
    env.sim.add_transaction(
        &account.id,
        ponto_sim::NewTransaction {
            amount: "12.345".into(),
            ..Default::default()
        },
    );
    let run = live(&env, &["fetch"]);
    assert_eq!(run.code, 65, "{run:#?}");
    let status = status_json(&env, 0);
    assert!(
        kinds(&status).contains(&"held_back".to_owned()),
        "{status:#}"
    );
}

#[test]
fn a_run_overlapping_another_is_silent_under_q_but_still_exits_75() {
    let env = env_with_two_accounts();
    delivered_once(&env);
    // Another process holds the lock (as a long run would).
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(env.path().join("state/ponto2camt.lock"))
        .expect("lock file");
    lock.try_lock().expect("locked");
    let quiet = live(&env, &["-q", "fetch"]);
    assert_eq!(quiet.code, 75, "{quiet:#?}");
    assert_eq!(quiet.stderr.trim(), "", "cron would mail this");
    assert_eq!(quiet.stdout.trim(), "");
    let loud = live(&env, &["fetch"]);
    assert_eq!(loud.code, 75);
    assert!(loud.stderr.contains("holds the lock"), "{loud:#?}");
}

// ---- 19, 22: bad numbers and days are bad data (65), never a panic or an I/O error -----

fn bundle_with(balance: &str, amount: &str, executed: &str) -> String {
    format!(
        r#"{{"account": {{"type": "account", "id": "a", "attributes": {{"reference": "BE68539007547034", "referenceType": "IBAN", "currency": "EUR", "currentBalance": {balance}}}}},
  "transactions": [{{"type": "transaction", "id": "6e1b2a4c-9f3d-4d2e-8a7b-1c2d3e4f5a6b",
    "attributes": {{"amount": {amount}, "currency": "EUR", "executionDate": "{executed}", "valueDate": "{executed}"}}}}]}}"#
    )
}

fn convert_text(bundle: &str, extra: &[&str]) -> Run {
    let dir = tempdir();
    std::fs::write(dir.path().join("b.json"), bundle).expect("bundle");
    std::fs::create_dir_all(dir.path().join("out")).expect("out");
    let mut args = vec!["convert", "b.json", "-o", "out"];
    args.extend_from_slice(extra);
    let result = run(&args, dir.path());
    assert!(
        xml_files(&dir.path().join("out")).is_empty(),
        "nothing is written for a bad bundle"
    );
    result
}

#[test]
fn amounts_at_the_decimal_limit_are_bad_data_naming_the_field() {
    const MAX: &str = "79228162514264337593543950335";
    let cases = [
        (
            bundle_with(&format!("-{MAX}"), "1", "2026-03-01T10:00:00Z"),
            vec![],
        ),
        (
            bundle_with("10", "1", "2026-03-01T10:00:00Z"),
            vec!["--opening-balance", MAX],
        ),
        (
            bundle_with("1000000000000000000", "1", "2026-03-01T10:00:00Z"),
            vec![],
        ),
    ];
    for (bundle, extra) in cases {
        let run = convert_text(&bundle, &extra);
        assert_eq!(run.code, 65, "{run:#?}");
        assert!(run.stderr.contains("balance"), "names the field: {run:#?}");
        assert!(!run.stderr.contains("panicked"), "{run:#?}");
    }
}

#[test]
fn a_booking_day_outside_years_1_to_9999_is_bad_data() {
    for executed in ["9999-12-31T23:30:00Z", "0000-06-01T10:00:00Z"] {
        let run = convert_text(&bundle_with("10", "1", executed), &[]);
        assert_eq!(run.code, 65, "{executed}: {run:#?}");
        assert!(run.stderr.contains("executionDate"), "{run:#?}");
    }
}

#[test]
fn inspect_of_amounts_at_the_decimal_limit_is_no_panic() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("b.json"),
        bundle_with("10", "1", "2026-03-01T10:00:00Z"),
    )
    .expect("bundle");
    assert_eq!(run(&["convert", "b.json", "-o", "."], dir.path()).code, 0);
    let file = xml_files(dir.path()).pop().expect("a statement");
    let text = std::fs::read_to_string(&file).expect("xml");
    let huge = text.replacen(
        "<Amt Ccy=\"EUR\">1.00</Amt>",
        "<Amt Ccy=\"EUR\">79228162514264337593543950335</Amt>",
        2,
    );
    assert_ne!(huge, text, "the amounts were replaced");
    std::fs::write(&file, huge).expect("xml");
    let inspected = run(&["inspect", file.to_str().expect("path")], dir.path());
    assert!(
        inspected.code == 0 || inspected.code == 65,
        "{inspected:#?}"
    );
    assert!(!inspected.stderr.contains("panicked"), "{inspected:#?}");
}

#[test]
fn check_config_warns_when_the_file_with_the_secret_is_readable_by_others() {
    use std::os::unix::fs::PermissionsExt;
    let env = env_with_two_accounts();
    let path = env.config_path();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let open = live(&env, &["check-config"]);
    assert_eq!(open.code, 0, "{open:#?}");
    assert!(open.stderr.contains("WARN"), "{open:#?}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let closed = live(&env, &["check-config"]);
    assert!(!closed.stderr.contains("WARN"), "{closed:#?}");
}

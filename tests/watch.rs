//! `ponto2camt watch` against the simulator with a 1 s interval: scheduled fetches, the
//! inbox, signals, reloads, polling — and exactly once through it all, also when the
//! daemon is killed at random moments.

use crate::sim_env::{SimEnv, days_ago, live, noon};
use crate::util::*;
use ponto_sim::{Fault, FaultKind, SimAccount};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A running daemon; killed when dropped.
struct Daemon {
    child: Option<Child>,
    log: PathBuf,
}

impl Daemon {
    fn start(env: &SimEnv, args: &[&str]) -> Daemon {
        let log = env.path().join(format!("watch-{}.log", nanos()));
        let stderr = std::fs::File::create(&log).expect("log file");
        let child = ponto2camt()
            .arg("--config")
            .arg(env.config_path())
            .arg("watch")
            .args(args)
            .env("PONTO2CAMT_NOW", noon(0))
            .current_dir(env.path())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("watch starts");
        Daemon {
            child: Some(child),
            log,
        }
    }

    fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) of our own child process.
        unsafe { libc::kill(self.pid(), signal) };
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `signal` and waits for the exit; returns the code and how long it took.
    fn stop_with(mut self, signal: i32) -> (Option<i32>, Duration) {
        let started = Instant::now();
        self.signal(signal);
        let mut child = self.child.take().expect("running");
        let status = child.wait().expect("exits");
        (status.code(), started.elapsed())
    }

    fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// Waits until `done` holds (at most 20 s).
fn wait_for(what: &str, daemon: &Daemon, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; daemon log:\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn hyphenless(ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| id.replace('-', "")).collect()
}

/// Every transaction of the account that was booked since the start date.
fn all_ids(env: &SimEnv, account: &SimAccount) -> Vec<String> {
    hyphenless(&env.sim.booked_transaction_ids(&account.id))
}

fn setup(accounts: usize, extra: &str) -> (SimEnv, Vec<SimAccount>) {
    let env = SimEnv::start(15);
    let accounts: Vec<SimAccount> = env.accounts().into_iter().take(accounts).collect();
    std::fs::create_dir_all(env.path().join("inbox")).expect("inbox");
    env.write_config(
        &accounts,
        &days_ago(60),
        &format!("{extra}\n[watch]\ninbox_dir = \"inbox\"\npickup_warn_after = \"1h\"\n"),
    );
    (env, accounts)
}

fn expected(env: &SimEnv, accounts: &[SimAccount]) -> Vec<String> {
    accounts.iter().flat_map(|a| all_ids(env, a)).collect()
}

fn all_delivered(env: &SimEnv, accounts: &[SimAccount]) -> bool {
    let counts = env.delivered_counts();
    expected(env, accounts)
        .iter()
        .all(|id| counts.contains_key(id))
}

#[test]
fn new_transactions_arrive_exactly_once_over_many_ticks_and_sigterm_exits_0() {
    let (env, accounts) = setup(2, "");
    let daemon = Daemon::start(&env, &["--interval", "1s"]);
    wait_for("the first fetch", &daemon, || {
        all_delivered(&env, &accounts)
    });
    for round in 0..3 {
        env.sim.add_transactions(&accounts[round % 2].id, 2);
        if round == 1 {
            env.sim.add_backdated_transaction(&accounts[0].id, 3);
        }
        wait_for("the new transactions", &daemon, || {
            all_delivered(&env, &accounts)
        });
        env.erp_takes_files();
    }
    let log = daemon.log();
    let (code, took) = daemon.stop_with(libc::SIGTERM);
    assert_eq!(code, Some(0), "{log}");
    assert!(took < Duration::from_secs(2), "stopped in {took:?}");
    env.assert_delivered_exactly_once(&expected(&env, &accounts));
    assert!(log.contains("last run"), "one line per run: {log}");
}

#[test]
fn killed_at_random_moments_and_restarted_it_still_delivers_exactly_once() {
    let (env, accounts) = setup(2, "");
    let mut rng = ponto_sim::Rng::new(0x5EED_0009);
    for round in 0..6 {
        let daemon = Daemon::start(&env, &["--interval", "1s"]);
        env.sim.add_transactions(&accounts[round % 2].id, 3);
        std::thread::sleep(Duration::from_millis(rng.range(50, 1500)));
        daemon.signal(libc::SIGKILL);
        daemon.kill();
        if rng.chance(50) {
            env.erp_takes_files();
        }
    }
    let daemon = Daemon::start(&env, &["--interval", "1s"]);
    wait_for("everything", &daemon, || all_delivered(&env, &accounts));
    let (code, _) = daemon.stop_with(libc::SIGTERM);
    assert_eq!(code, Some(0));
    env.assert_delivered_exactly_once(&expected(&env, &accounts));
}

/// Writes a bundle of `account` with `ponto2camt export` (the account's whole history).
fn export_bundle(env: &SimEnv, account: &SimAccount, into: &Path) -> PathBuf {
    std::fs::create_dir_all(into).expect("folder");
    let run = live(
        env,
        &[
            "export",
            "--account",
            &account.iban,
            "--out-dir",
            into.to_str().expect("path"),
        ],
    );
    assert_eq!(run.code, 0, "{run:#?}");
    PathBuf::from(run.stdout.trim())
}

#[test]
fn an_inbox_bundle_is_delivered_once_and_moved_to_done() {
    let (env, accounts) = setup(1, "");
    let account = &accounts[0];
    let daemon = Daemon::start(&env, &["--interval", "1h"]);
    wait_for("the first fetch", &daemon, || {
        all_delivered(&env, &accounts)
    });

    // Already fetched: a bundle of the same history delivers nothing new.
    let bundle = export_bundle(&env, account, &env.path().join("exports"));
    let files_before = env.published_files().len();
    std::fs::copy(&bundle, env.path().join("inbox/old.bundle.json")).expect("dropped");
    wait_for("done/", &daemon, || {
        env.path().join("inbox/done/old.bundle.json").exists()
    });
    assert_eq!(env.published_files().len(), files_before, "nothing new");

    // New at the bank, not fetched yet (the next fetch is an hour away): the bundle brings it.
    let new = env.sim.add_transactions(&account.id, 3);
    let bundle = export_bundle(&env, account, &env.path().join("exports2"));
    std::fs::copy(&bundle, env.path().join("inbox/new.bundle.json")).expect("dropped");
    wait_for("the bundle's new transactions", &daemon, || {
        let counts = env.delivered_counts();
        hyphenless(&new).iter().all(|id| counts.contains_key(id))
    });
    wait_for("done/", &daemon, || {
        env.path().join("inbox/done/new.bundle.json").exists()
    });
    env.assert_delivered_exactly_once(&expected(&env, &accounts));
    assert!(env.path().join("inbox/done/old.bundle.json").exists());
    drop(daemon);
}

#[test]
fn broken_and_foreign_bundles_move_to_failed_with_a_note_and_the_daemon_goes_on() {
    let (env, accounts) = setup(1, "");
    let other = env.accounts()[1].clone();
    let daemon = Daemon::start(&env, &["--interval", "1h"]);
    wait_for("the first fetch", &daemon, || {
        all_delivered(&env, &accounts)
    });
    std::fs::write(env.path().join("inbox/broken.json"), "{\"account\": {").expect("broken");
    let foreign = export_bundle(&env, &other, &env.path().join("exports"));
    std::fs::copy(&foreign, env.path().join("inbox/foreign.json")).expect("foreign");
    let failed = env.path().join("inbox/failed");
    wait_for("failed/", &daemon, || {
        failed.join("broken.json.error.txt").exists()
            && failed.join("foreign.json.error.txt").exists()
    });
    let broken_note = std::fs::read_to_string(failed.join("broken.json.error.txt")).expect("note");
    assert!(
        broken_note.contains("broken.json") && broken_note.contains("line"),
        "{broken_note}"
    );
    let foreign_note =
        std::fs::read_to_string(failed.join("foreign.json.error.txt")).expect("note");
    assert!(
        foreign_note.contains(&other.iban) && foreign_note.contains("not a configured account"),
        "{foreign_note}"
    );

    // Still serving: a good bundle afterwards is delivered.
    let new = env.sim.add_transactions(&accounts[0].id, 1);
    let bundle = export_bundle(&env, &accounts[0], &env.path().join("exports2"));
    std::fs::copy(&bundle, env.path().join("inbox/good.json")).expect("good");
    wait_for("the good bundle", &daemon, || {
        env.delivered_counts()
            .contains_key(&new[0].replace('-', ""))
    });
    let (code, _) = daemon.stop_with(libc::SIGTERM);
    assert_eq!(code, Some(0));
}

#[test]
fn a_bundle_written_slowly_in_pieces_is_taken_only_when_complete() {
    let (env, accounts) = setup(1, "");
    let daemon = Daemon::start(&env, &["--interval", "1h"]);
    wait_for("the first fetch", &daemon, || {
        all_delivered(&env, &accounts)
    });
    let new = env.sim.add_transactions(&accounts[0].id, 2);
    let bundle = std::fs::read(export_bundle(
        &env,
        &accounts[0],
        &env.path().join("exports"),
    ))
    .expect("bundle");
    let target = env.path().join("inbox/slow.json");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&target).expect("create");
        for piece in bundle.chunks(bundle.len() / 6 + 1) {
            file.write_all(piece).expect("piece");
            file.flush().expect("flush");
            std::thread::sleep(Duration::from_millis(300));
        }
    }
    wait_for("the slow bundle", &daemon, || {
        env.path().join("inbox/done/slow.json").exists()
    });
    assert!(
        !env.path().join("inbox/failed").exists(),
        "never taken half-written"
    );
    let counts = env.delivered_counts();
    assert!(hyphenless(&new).iter().all(|id| counts.get(id) == Some(&1)));
}

#[test]
fn fetch_beside_the_daemon_exits_75_and_status_still_reads() {
    let (env, accounts) = setup(1, "");
    let daemon = Daemon::start(&env, &["--interval", "1h"]);
    wait_for("the first fetch", &daemon, || {
        all_delivered(&env, &accounts)
    });
    let fetch = live(&env, &["fetch"]);
    assert_eq!(fetch.code, 75, "{fetch:#?}");
    assert!(fetch.stderr.contains("holds the lock"), "{fetch:#?}");
    let status = live(&env, &["status"]);
    assert_eq!(status.code, 0, "{status:#?}");
    drop(daemon);
}

#[test]
fn sigterm_in_the_middle_of_a_slow_ponto_read_exits_0_within_2s() {
    let (env, accounts) = setup(1, "");
    env.sim
        .inject(Fault::once(FaultKind::Slow(Duration::from_secs(30))).on("/transactions"));
    let daemon = Daemon::start(&env, &["--interval", "1s"]);
    // The slow answer is logged only once sent; what comes before it is logged at once.
    wait_for("the requests before the slow read", &daemon, || {
        env.sim
            .request_log()
            .iter()
            .any(|r| r.path.contains("financial"))
    });
    std::thread::sleep(Duration::from_millis(300));
    let (code, took) = daemon.stop_with(libc::SIGTERM);
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let hidden: Vec<String> = all_files(&env.drop_dir())
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
    let _ = accounts;
}

#[test]
fn sighup_picks_up_a_new_account_and_keeps_the_old_config_when_the_new_one_is_broken() {
    let (env, accounts) = setup(1, "");
    let daemon = Daemon::start(&env, &["--interval", "1s"]);
    wait_for("the first fetch", &daemon, || {
        all_delivered(&env, &accounts)
    });

    std::fs::write(env.config_path(), "this is not toml [").expect("broken");
    daemon.signal(libc::SIGHUP);
    wait_for("the reload error", &daemon, || {
        daemon.log().contains("keeping the configuration in use")
    });
    let new = env.sim.add_transactions(&accounts[0].id, 1);
    wait_for("fetches going on", &daemon, || {
        env.delivered_counts()
            .contains_key(&new[0].replace('-', ""))
    });

    let two: Vec<SimAccount> = env.accounts().into_iter().take(2).collect();
    env.write_config(&two, &days_ago(60), "\n[watch]\ninbox_dir = \"inbox\"\n");
    daemon.signal(libc::SIGHUP);
    wait_for("the second account", &daemon, || all_delivered(&env, &two));
    let (code, _) = daemon.stop_with(libc::SIGTERM);
    assert_eq!(code, Some(0));
    env.assert_delivered_exactly_once(&expected(&env, &two));
}

#[test]
fn polling_works_where_notifications_do_not() {
    let (env, accounts) = setup(1, "");
    let mut config = std::fs::read_to_string(env.config_path()).expect("config");
    config = config.replace("[watch]\n", "[watch]\npoll = true\n");
    std::fs::write(env.config_path(), config).expect("config");
    let daemon = Daemon::start(&env, &["--interval", "1h"]);
    wait_for("the first fetch", &daemon, || {
        all_delivered(&env, &accounts)
    });
    let new = env.sim.add_transactions(&accounts[0].id, 1);
    let bundle = export_bundle(&env, &accounts[0], &env.path().join("exports"));
    std::fs::copy(&bundle, env.path().join("inbox/polled.json")).expect("dropped");
    wait_for("the polled bundle", &daemon, || {
        env.delivered_counts()
            .contains_key(&new[0].replace('-', ""))
    });
    let (code, _) = daemon.stop_with(libc::SIGTERM);
    assert_eq!(code, Some(0));
}

#[test]
fn the_check_config_checks_the_watch_keys() {
    let (env, accounts) = setup(1, "");
    let ok = live(&env, &["check-config"]);
    assert_eq!(ok.code, 0, "{ok:#?}");
    env.write_config(&accounts, &days_ago(60), "[watch]\ninterval = \"soon\"\n");
    let bad = live(&env, &["check-config"]);
    assert_eq!(bad.code, 78, "{bad:#?}");
    assert!(bad.stderr.contains("watch.interval"), "{bad:#?}");
    env.write_config(
        &accounts,
        &days_ago(60),
        "[watch]\ninbox_dir = \"nowhere\"\n",
    );
    let missing = live(&env, &["check-config"]);
    assert_eq!(missing.code, 78, "{missing:#?}");
    assert!(missing.stderr.contains("watch.inbox_dir"), "{missing:#?}");
}

#[test]
fn files_the_erp_does_not_take_are_warned_about_with_a_test_clock() {
    let (env, accounts) = setup(1, "");
    // Delivered "yesterday" by a fetch...
    let run = crate::sim_env::live_on(&env, -1, &["fetch"]);
    assert_eq!(run.code, 0, "{run:#?}");
    // ...and still there today: the daemon (pickup_warn_after = 1h) warns, once per file.
    let daemon = Daemon::start(&env, &["--interval", "1h"]);
    wait_for("the warning", &daemon, || {
        daemon.log().contains("has not taken this file")
    });
    std::thread::sleep(Duration::from_millis(500));
    let log = daemon.log();
    let files = xml_files(&env.drop_dir());
    assert!(!files.is_empty());
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        let warnings = log
            .lines()
            .filter(|l| l.contains("has not taken") && l.contains(name))
            .count();
        assert_eq!(warnings, 1, "{name}: {log}");
    }
    let _ = accounts;
}

#[test]
fn systemd_hears_ready_status_and_the_watchdog() {
    use std::os::unix::net::UnixDatagram;
    let (env, accounts) = setup(1, "");
    let socket_path = env.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let log = env.path().join("watch-systemd.log");
    let mut child = ponto2camt()
        .arg("--config")
        .arg(env.config_path())
        .args(["watch", "--interval", "1h"])
        .env("PONTO2CAMT_NOW", noon(0))
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .current_dir(env.path())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("watch starts");
    let mut heard = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Ok(n) = socket.recv(&mut buffer) else {
            break;
        };
        heard.push(String::from_utf8_lossy(&buffer[..n]).into_owned());
        let watchdogs = heard.iter().filter(|m| m.contains("WATCHDOG=1")).count();
        if heard.iter().any(|m| m.contains("READY=1"))
            && heard.iter().any(|m| m.starts_with("STATUS=last run"))
            && watchdogs >= 3
        {
            break;
        }
    }
    // SAFETY: kill(2) of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().expect("exits");
    assert_eq!(status.code(), Some(0));
    assert!(heard.iter().any(|m| m.contains("READY=1")), "{heard:#?}");
    let line = heard
        .iter()
        .find(|m| m.starts_with("STATUS=last run"))
        .expect("a STATUS= line");
    assert!(line.contains("transaction(s)"), "{line}");
    assert!(
        heard.iter().filter(|m| m.contains("WATCHDOG=1")).count() >= 3,
        "{heard:#?}"
    );
    let _ = accounts;
}

#[test]
fn demo_watch_keeps_the_bank_booking_and_delivering_until_ctrl_c() {
    let dir = tempdir();
    let demo_dir = dir.path().join("demo");
    let log = dir.path().join("demo.log");
    let child = ponto2camt()
        .args(["demo", "--watch", "--dir"])
        .arg(&demo_dir)
        .env_remove("PONTO2CAMT_NOW")
        .current_dir(dir.path())
        .stdout(std::fs::File::create(&log).expect("log"))
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let daemon = Daemon {
        child: Some(child),
        log: log.clone(),
    };
    let drop_dir = demo_dir.join("drop");
    wait_for("the story", &daemon, || {
        daemon.log().contains("== watching")
    });
    let before = xml_files(&drop_dir).len();
    assert!(
        daemon.log().contains("--config"),
        "commands to try: {}",
        daemon.log()
    );
    wait_for("the bank's new bookings as files", &daemon, || {
        xml_files(&drop_dir).len() > before
    });
    let (code, took) = daemon.stop_with(libc::SIGINT);
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(2));
}

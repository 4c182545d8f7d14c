//! Hardening of delivery and conversion (issue #8): the outbox, the drop folder and the
//! bundles misbehaving. Each test failed before its fix.

use crate::sim_env::{SimEnv, days_ago, live, noon};
use crate::util::*;
use pipeline::crash::VARIABLE as CRASH_AT;
use ponto_sim::SimAccount;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Exit codes the program documents.
const DATA: i32 = 65;
const IO: i32 = 74;
const CONFIG: i32 = 78;
/// What `Run::code` holds for a process stopped by a crash point (it aborts).
const KILLED: i32 = -1;

// ---- helpers -------------------------------------------------------------------------

/// A simulator with one account of `transactions` booked transactions, configured from
/// far enough back to include them all.
fn one_account(transactions: usize, extra: &str) -> (SimEnv, SimAccount) {
    let env = SimEnv::start(transactions);
    let account = env.accounts()[1].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(400), extra);
    (env, account)
}

fn live_with(env: &SimEnv, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let now = noon(0);
    let mut all = vec![("PONTO2CAMT_NOW", now.as_str())];
    all.extend_from_slice(vars);
    env.run_with_env(args, &all)
}

fn fetch_ok(env: &SimEnv, context: &str) -> Run {
    let run = live(env, &["fetch"]);
    assert_eq!(run.code, 0, "{context}: {run:#?}");
    run
}

fn crash_at(env: &SimEnv, point: &str) {
    let run = live_with(env, &["fetch"], &[(CRASH_AT, point)]);
    assert_eq!(
        run.code, KILLED,
        "{CRASH_AT}={point} should abort: {run:#?}"
    );
}

/// The files the next `fetch` would write, as its dry run says.
fn next_files(env: &SimEnv) -> Vec<PathBuf> {
    let run = live(env, &["fetch", "--dry-run"]);
    assert_eq!(run.code, 0, "dry run: {run:#?}");
    run.stdout
        .lines()
        .filter_map(|line| line.split(" (dry run").next())
        .filter(|path| path.ends_with(".xml"))
        .map(PathBuf::from)
        .collect()
}

fn hidden_name(target: &Path) -> PathBuf {
    let name = target.file_name().expect("a file name").to_string_lossy();
    target.with_file_name(format!(".{name}.part"))
}

fn hidden_leftovers(dir: &Path) -> Vec<String> {
    all_files(dir)
        .into_iter()
        .filter(|name| name.starts_with('.') || name.ends_with(".part"))
        .collect()
}

fn assert_no_hidden_leftovers(dir: &Path) {
    let leftovers = hidden_leftovers(dir);
    assert!(
        leftovers.is_empty(),
        "left in {}: {leftovers:?}",
        dir.display()
    );
}

fn unpublished(env: &SimEnv) -> usize {
    let ledger = pipeline::ledger::Ledger::open(&env.path().join("state")).expect("ledger");
    ledger.unpublished().expect("outbox").len()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

fn status_json(env: &SimEnv) -> serde_json::Value {
    let run = live(env, &["status", "--json"]);
    assert_eq!(run.code, 0, "status: {run:#?}");
    serde_json::from_str(&run.stdout).expect("status prints JSON")
}

/// Runs `script` with `sh` in a mount namespace of its own (so it may mount a small
/// tmpfs or a read-only bind mount, gone when it ends), with the harness's environment
/// for the binary in `$P2C`. `None` where namespaces are not available (outside CI).
fn in_mount_namespace(dir: &Path, script: &str) -> Option<Run> {
    let as_root = unsafe { libc::geteuid() } == 0;
    let mut cmd = Command::new("unshare");
    if !as_root {
        cmd.arg("-r");
    }
    cmd.args(["-m", "sh", "-c", script])
        .current_dir(dir)
        .env("P2C", env!("CARGO_BIN_EXE_ponto2camt"))
        .env("PONTO2CAMT_NOW", noon(0))
        .env_remove("PONTO_CLIENT_ID")
        .env_remove("PONTO_CLIENT_SECRET")
        .env_remove("PONTO_API_URL");
    let output = cmd.output().ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if stderr.contains("unshare failed") || stderr.contains("mount: ") {
        missing_tool(&format!("a mount namespace ({})", stderr.trim()));
        return None;
    }
    Some(Run {
        code: output.status.code().unwrap_or(KILLED),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    })
}

fn bundle_json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixture(&format!("bundles/{name}.json"))).expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn write_bundle(dir: &Path, name: &str, bundle: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(bundle).expect("json")).expect("bundle");
    path
}

fn entry_count(file: &Path) -> usize {
    let reader = std::io::BufReader::new(std::fs::File::open(file).expect("open"));
    let document = camt053::read_document(reader).expect("a readable camt file");
    document.statements.iter().map(|s| s.entries.len()).sum()
}

// ---- 2. a published file is never overwritten ----------------------------------------

#[test]
fn a_file_of_the_same_name_in_the_drop_folder_is_never_replaced() {
    let (env, account) = one_account(20, "");
    fetch_ok(&env, "first run");
    env.erp_takes_files();
    env.sim.add_transactions(&account.id, 3);
    let target = next_files(&env).remove(0);
    std::fs::write(&target, "the ERP's own file").expect("foreign file");

    let clash = live(&env, &["fetch"]);
    assert_eq!(clash.code, IO, "a clash must fail the run: {clash:#?}");
    let name = target.file_name().expect("name").to_string_lossy();
    assert!(clash.stderr.contains(name.as_ref()), "{clash:#?}");
    assert_eq!(
        std::fs::read_to_string(&target).expect("still there"),
        "the ERP's own file"
    );
    assert_no_hidden_leftovers(&env.drop_dir());
    assert_eq!(unpublished(&env), 1, "the statement stays in the outbox");

    let again = live(&env, &["fetch"]);
    assert_eq!(again.code, IO, "still refused: {again:#?}");
    assert_eq!(
        std::fs::read_to_string(&target).expect("still there"),
        "the ERP's own file"
    );

    std::fs::rename(&target, env.path().join("moved-away.xml")).expect("moved");
    fetch_ok(&env, "after the foreign file was moved away");
    assert_eq!(unpublished(&env), 0);
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
}

#[test]
fn an_account_that_cannot_deliver_waits_alone_and_no_file_overtakes_its_statement() {
    let env = SimEnv::start(20);
    let accounts: Vec<SimAccount> = env.accounts().into_iter().take(2).collect();
    env.write_config(&accounts, &days_ago(400), "");
    fetch_ok(&env, "first run");
    env.erp_takes_files();
    for account in &accounts {
        env.sim.add_transactions(&account.id, 2);
    }
    let blocked = next_files(&env)
        .into_iter()
        .find(|f| f.to_string_lossy().contains(&accounts[0].iban))
        .expect("the first account's next file");
    std::fs::write(&blocked, "the ERP's own file").expect("foreign file");
    let clash = live(&env, &["fetch"]);
    assert_eq!(clash.code, IO, "{clash:#?}");
    // the first account's statement waits in the outbox; new bookings must wait behind it
    env.sim.add_transactions(&accounts[0].id, 1);
    let new_for_other = env.sim.add_transactions(&accounts[1].id, 1);
    let again = live(&env, &["fetch"]);
    assert_eq!(again.code, IO, "{again:#?}");
    assert!(again.stderr.contains("not delivered yet"), "{again:#?}");
    let mine = |f: &PathBuf| f.to_string_lossy().contains(&accounts[0].iban);
    let other_files: Vec<PathBuf> = xml_files(&env.drop_dir())
        .into_iter()
        .filter(|f| !mine(f))
        .collect();
    assert_eq!(
        other_files.len(),
        2,
        "the other account goes on: {again:#?}"
    );
    let text = std::fs::read_to_string(&other_files[1]).expect("readable");
    assert!(
        text.contains(&new_for_other[0].replace('-', "")),
        "{again:#?}"
    );
    let first_account_files: Vec<PathBuf> = xml_files(&env.drop_dir())
        .into_iter()
        .chain(xml_files(&env.archive_dir()))
        .filter(|f| mine(f) && f != &blocked)
        .collect();
    assert_eq!(
        first_account_files.len(),
        1,
        "only the first run's file: nothing overtook the waiting statement"
    );
    std::fs::remove_file(&blocked).expect("the foreign file goes");
    fetch_ok(&env, "after the foreign file went");
    let all: Vec<String> = accounts
        .iter()
        .flat_map(|a| env.sim.booked_transaction_ids(&a.id))
        .collect();
    env.assert_delivered_exactly_once(&all);
}

// ---- 3. stored statements are verified before delivery -------------------------------

#[test]
fn a_statement_damaged_in_the_ledger_is_not_delivered() {
    let (env, _account) = one_account(250, "");
    crash_at(&env, "after-record");
    let ledger = env.path().join("state/ledger.sqlite3");
    {
        let conn = rusqlite::Connection::open(&ledger).expect("ledger opens");
        let xml: Vec<u8> = conn
            .query_row("SELECT xml FROM statements", [], |row| row.get(0))
            .expect("one statement");
        let mut damaged = xml.clone();
        let middle = damaged.len() / 2;
        damaged[middle..middle + 4].copy_from_slice(&[0xFF, 0xFE, 0x00, 0x80]);
        conn.execute("UPDATE statements SET xml = ?1", [damaged])
            .expect("damaged");
    }
    let run = live(&env, &["fetch"]);
    assert_eq!(run.code, IO, "{run:#?}");
    assert!(
        run.stderr.contains("damaged"),
        "the error says what is wrong: {run:#?}"
    );
    assert!(
        xml_files(&env.drop_dir()).is_empty(),
        "a damaged statement reached the drop folder"
    );
    assert_no_hidden_leftovers(&env.drop_dir());
    assert_eq!(unpublished(&env), 1, "it stays in the outbox");
}

// ---- 4. recovery checks what it believes ---------------------------------------------

#[test]
fn a_staged_statement_whose_hidden_file_was_removed_is_written_again() {
    let (env, account) = one_account(30, "");
    crash_at(&env, "after-staged");
    let hidden = hidden_leftovers(&env.drop_dir());
    assert_eq!(hidden.len(), 1, "one staged file: {hidden:?}");
    std::fs::remove_file(env.drop_dir().join(&hidden[0])).expect("removed");

    fetch_ok(&env, "recovery");
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
    let status = status_json(&env);
    let waiting = status[0]["waiting_files"]
        .as_array()
        .expect("waiting files");
    assert_eq!(waiting.len(), 1, "status shows the file waiting: {status}");
}

// ---- 5. duplicate transaction ids in a bundle ----------------------------------------

#[test]
fn a_transaction_twice_in_a_bundle_is_delivered_once_whatever_the_spelling_of_its_id() {
    let scratch = tempdir();
    let original = bundle_json("belgian-ordinary");
    let mut doubled = original.clone();
    let transactions = doubled["transactions"].as_array_mut().expect("array");
    let count = transactions.len();
    let mut again = transactions[1].clone();
    let id = again["id"]
        .as_str()
        .expect("id")
        .to_uppercase()
        .replace('-', "");
    again["id"] = serde_json::Value::String(id);
    transactions.push(again);
    transactions.push(transactions[2].clone());

    let (one, two) = (scratch.path().join("one"), scratch.path().join("two"));
    for dir in [&one, &two] {
        std::fs::create_dir_all(dir).expect("out dir");
    }
    let plain = write_bundle(scratch.path(), "plain.json", &original);
    let twice = write_bundle(scratch.path(), "twice.json", &doubled);
    assert_eq!(convert_into(&[&plain], &one, &[]).code, 0);
    let run = convert_into(&[&twice], &two, &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    let (expected, written) = (xml_files(&one), xml_files(&two));
    assert_eq!(written.len(), 1);
    assert_eq!(entry_count(&written[0]), count, "each transaction once");
    assert_eq!(
        std::fs::read(&written[0]).expect("written"),
        std::fs::read(&expected[0]).expect("expected"),
        "the same statement as without the duplicates (balances included)"
    );
    assert_eq!(written[0].file_name(), expected[0].file_name());
}

#[test]
fn the_same_id_with_different_content_is_an_error_naming_both_places() {
    let scratch = tempdir();
    let mut bundle = bundle_json("belgian-ordinary");
    let transactions = bundle["transactions"].as_array_mut().expect("array");
    let mut changed = transactions[0].clone();
    changed["attributes"]["amount"] = serde_json::json!(-999.99);
    transactions.push(changed);
    let last = transactions.len() - 1;
    let path = write_bundle(scratch.path(), "clash.json", &bundle);
    let out = scratch.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    let run = convert_into(&[&path], &out, &[]);
    assert_eq!(run.code, DATA, "{run:#?}");
    for place in [
        "transactions[0]".to_owned(),
        format!("transactions[{last}]"),
    ] {
        assert!(run.stderr.contains(&place), "names {place}: {run:#?}");
    }
    assert!(all_files(&out).is_empty(), "nothing written");
}

// ---- 7. symlinks in the drop folder --------------------------------------------------

#[test]
fn fetch_never_writes_through_a_symlink_planted_as_its_hidden_file() {
    let (env, account) = one_account(20, "");
    fetch_ok(&env, "first run");
    env.sim.add_transactions(&account.id, 2);
    let target = next_files(&env).remove(0);
    let victim = env.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("victim");
    std::os::unix::fs::symlink(&victim, hidden_name(&target)).expect("symlink");

    fetch_ok(&env, "with the planted link");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    let meta = std::fs::symlink_metadata(&target).expect("delivered");
    assert!(
        meta.file_type().is_file(),
        "the delivered file is a plain file"
    );
    assert_no_hidden_leftovers(&env.drop_dir());
    env.assert_delivered_exactly_once(&env.sim.booked_transaction_ids(&account.id));
}

#[test]
fn convert_never_writes_through_a_symlink_planted_as_its_hidden_file() {
    let out = tempdir();
    let bundle = fixture("bundles/belgian-ordinary.json");
    assert_eq!(convert_into(&[&bundle], out.path(), &[]).code, 0);
    let target = xml_files(out.path()).remove(0);
    let expected = std::fs::read(&target).expect("written");
    std::fs::remove_file(&target).expect("removed");
    let victim = out.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("victim");
    std::os::unix::fs::symlink(&victim, hidden_name(&target)).expect("symlink");

    let run = convert_into(&[&bundle], out.path(), &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    let meta = std::fs::symlink_metadata(&target).expect("written");
    assert!(meta.file_type().is_file(), "the output is a plain file");
    assert_eq!(std::fs::read(&target).expect("written"), expected);
}

// ---- 9. permissions -------------------------------------------------------------------

fn fetch_under_umask_000(env: &SimEnv, vars: &[(&str, &str)]) -> Run {
    let mut cmd = ponto2camt();
    cmd.arg("--config")
        .arg(env.config_path())
        .arg("fetch")
        .current_dir(env.path())
        .env("PONTO2CAMT_NOW", noon(0));
    for (k, v) in vars {
        cmd.env(k, v);
    }
    // SAFETY: umask is async-signal-safe and touches no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    let output = cmd.output().expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(KILLED),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn use_state_dir(env: &SimEnv, name: &str) {
    let text = std::fs::read_to_string(env.config_path()).expect("config");
    let text = text.replace("state_dir = \"state\"", &format!("state_dir = \"{name}\""));
    std::fs::write(env.config_path(), text).expect("config");
}

#[test]
fn the_ledger_is_private_and_drop_files_are_0640_whatever_the_umask() {
    let (env, account) = one_account(20, "");
    use_state_dir(&env, "private-state");
    let run = fetch_under_umask_000(&env, &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    let state = env.path().join("private-state");
    assert_eq!(mode(&state), 0o700, "state folder");
    assert_eq!(mode(&state.join("ledger.sqlite3")), 0o600, "ledger");
    assert_eq!(mode(&state.join("ponto2camt.lock")), 0o600, "lock file");
    let files = xml_files(&env.drop_dir());
    assert_eq!(files.len(), 1);
    assert_eq!(mode(&files[0]), 0o640, "drop file");

    // A crashed run leaves SQLite's side files: they are as private as the ledger.
    env.sim.add_transactions(&account.id, 2);
    let crashed = fetch_under_umask_000(&env, &[(CRASH_AT, "after-record")]);
    assert_eq!(crashed.code, KILLED, "{crashed:#?}");
    for side in ["ledger.sqlite3-wal", "ledger.sqlite3-shm"] {
        assert_eq!(mode(&state.join(side)), 0o600, "{side}");
    }
}

#[test]
fn file_mode_in_the_config_sets_the_mode_of_drop_files() {
    let (env, _account) = one_account(20, "file_mode = \"0604\"");
    let run = fetch_under_umask_000(&env, &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    let files = xml_files(&env.drop_dir());
    assert_eq!(mode(&files[0]), 0o604, "drop file");

    let (bad, _) = one_account(20, "file_mode = \"0999\"");
    let run = live(&bad, &["check-config"]);
    assert_eq!(run.code, CONFIG, "{run:#?}");
    assert!(run.stderr.contains("file_mode"), "{run:#?}");
}

// ---- 15. convert names files from their content --------------------------------------

#[test]
fn convert_gives_different_content_a_different_name() {
    let scratch = tempdir();
    let original = bundle_json("belgian-ordinary");
    let mut changed = original.clone();
    changed["transactions"][0]["attributes"]["amount"] = serde_json::json!(-1234.56);
    let (one, two) = (scratch.path().join("one"), scratch.path().join("two"));
    for dir in [&one, &two] {
        std::fs::create_dir_all(dir).expect("out dir");
    }
    let first = write_bundle(scratch.path(), "first.json", &original);
    let second = write_bundle(scratch.path(), "second.json", &changed);
    assert_eq!(convert_into(&[&first], &one, &[]).code, 0);
    assert_eq!(convert_into(&[&second], &two, &[]).code, 0);
    let (a, b) = (xml_files(&one).remove(0), xml_files(&two).remove(0));
    assert_ne!(a.file_name(), b.file_name(), "different amounts, same name");

    // Another opening balance is other content too.
    let three = scratch.path().join("three");
    std::fs::create_dir_all(&three).expect("out dir");
    let run = convert_into(&[&first], &three, &["--opening-balance", "1.00"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_ne!(xml_files(&three).remove(0).file_name(), a.file_name());
}

// ---- 17. leftovers ---------------------------------------------------------------------

#[test]
fn a_hidden_file_whose_write_failed_is_removed_at_once() {
    let (env, _account) = one_account(60, "");
    // The drop folder becomes a tmpfs of 8 KiB: the statement cannot be written whole.
    let script = format!(
        "mount -t tmpfs -o size=8k tmpfs '{drop}' || exit 99
         \"$P2C\" --config '{config}' fetch >/dev/null
         echo \"exit=$?\"
         ls -A '{drop}' | sed 's/^/left: /'",
        drop = env.drop_dir().display(),
        config = env.config_path().display(),
    );
    let Some(run) = in_mount_namespace(env.path(), &script) else {
        return;
    };
    assert!(run.stdout.contains(&format!("exit={IO}")), "{run:#?}");
    let left: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("left: "))
        .collect();
    assert!(
        left.is_empty(),
        "left in the drop folder: {left:?}\n{run:#?}"
    );
}

#[test]
fn holder_notes_of_earlier_processes_are_removed() {
    let (env, _account) = one_account(5, "");
    fetch_ok(&env, "first run");
    let stale = env.path().join("state/ponto2camt.lock.holder.4242");
    std::fs::write(&stale, "pid 4242 since 2026-01-01T00:00:00Z").expect("stale note");
    fetch_ok(&env, "second run");
    assert!(!stale.exists(), "the stale holder note is still there");
    let leftovers: Vec<String> = all_files(&env.path().join("state"))
        .into_iter()
        .filter(|name| name.starts_with("ponto2camt.lock.holder."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// ---- 18. a BOM, a read-only state folder, SQLite's side files --------------------------

#[test]
fn a_bundle_starting_with_a_utf8_bom_is_accepted() {
    let scratch = tempdir();
    let fixture = fixture("bundles/belgian-ordinary.json");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(&fixture).expect("fixture"));
    let with_bom = scratch.path().join("bom.json");
    std::fs::write(&with_bom, bytes).expect("bundle");
    let (one, two) = (scratch.path().join("one"), scratch.path().join("two"));
    for dir in [&one, &two] {
        std::fs::create_dir_all(dir).expect("out dir");
    }
    assert_eq!(convert_into(&[&fixture], &one, &[]).code, 0);
    let run = convert_into(&[&with_bom], &two, &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        std::fs::read(xml_files(&two).remove(0)).expect("written"),
        std::fs::read(xml_files(&one).remove(0)).expect("expected")
    );
}

/// Names and sizes of the files in `dir`.
fn listing(dir: &Path) -> Vec<(String, u64)> {
    all_files(dir)
        .into_iter()
        .map(|name| {
            let size = std::fs::metadata(dir.join(&name)).map_or(0, |m| m.size());
            (name, size)
        })
        .collect()
}

/// `status --json` with the state folder mounted read-only.
fn status_on_a_read_only_state_folder(env: &SimEnv) -> Option<serde_json::Value> {
    let state = env.path().join("state");
    let before = listing(&state);
    let script = format!(
        "mount --bind '{state}' '{state}' && mount -o remount,bind,ro '{state}' || exit 99
         \"$P2C\" --config '{config}' status --json",
        state = state.display(),
        config = env.config_path().display(),
    );
    let run = in_mount_namespace(env.path(), &script)?;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(before, listing(&state), "status changed the state folder");
    Some(serde_json::from_str(&run.stdout).expect("JSON"))
}

#[test]
fn status_reads_a_read_only_state_folder() {
    let (env, account) = one_account(20, "");
    fetch_ok(&env, "first run");
    // A clean end: SQLite has removed its side files.
    let Some(status) = status_on_a_read_only_state_folder(&env) else {
        return;
    };
    assert_eq!(status[0]["statements_exported"], 1, "{status}");

    // A crash leaves them, with a statement in the outbox.
    env.sim.add_transactions(&account.id, 2);
    crash_at(&env, "after-record");
    let Some(status) = status_on_a_read_only_state_folder(&env) else {
        return;
    };
    assert_eq!(status[0]["unpublished"], 1, "{status}");
    assert_eq!(status[0]["statements_exported"], 2, "{status}");
}

#[test]
fn an_unusable_sqlite_side_file_is_named_in_the_error() {
    for side in ["ledger.sqlite3-shm", "ledger.sqlite3-wal"] {
        let (env, _account) = one_account(5, "");
        fetch_ok(&env, "first run");
        std::fs::create_dir(env.path().join("state").join(side)).expect("in the way");
        let run = live(&env, &["fetch"]);
        assert_eq!(run.code, IO, "{side}: {run:#?}");
        assert!(
            run.stderr.contains(side),
            "{side}: the message does not name the file: {run:#?}"
        );
        // `status` only reads: it may not need the side file at all; if it fails, it
        // names the file too.
        let run = live(&env, &["status"]);
        assert!(
            run.code == 0 || run.stderr.contains(side),
            "{side}: status does not name the file: {run:#?}"
        );
    }
}

//! `ponto2camt demo`: the whole pipeline on a fresh machine, without credentials. It
//! starts the Ponto simulator in-process, writes a configuration, fetches into a drop
//! folder, shows one file, then adds transactions (one back-dated) and fetches again to
//! show that only the new ones are delivered.

use super::inspect;
use crate::cli::DemoArgs;
use crate::error::{CliError, ExitKind};
use pipeline::{FetchOptions, Pipeline};
use ponto_sim::{SimConfig, Simulator};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Small enough to finish in seconds, large enough to fill a few statements.
const DEMO_TRANSACTIONS: usize = 40;
const DEMO_ACCOUNTS: usize = 2;
/// How often the demo's bank books and its daemon fetches.
const BOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The first line of the configuration the demo writes: how a later demo knows the
/// folder is its own and may be started afresh.
const MARKER: &str = "# Written by `ponto2camt demo`";

pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let dir = args.dir.as_path();
    let io = |e: std::io::Error| CliError::new(ExitKind::Io, format!("{}: {e}", dir.display()));
    prepare_folder(dir)?;
    let drop_dir = dir.join("drop");
    std::fs::create_dir_all(&drop_dir).map_err(io)?;
    let sim = Simulator::start(SimConfig {
        transactions_per_account: DEMO_TRANSACTIONS,
        ..SimConfig::default()
    })
    .map_err(|e| CliError::new(ExitKind::Io, format!("cannot start the simulator: {e}")))?;
    let config_path = dir.join("ponto2camt.toml");
    let accounts = write_config(&sim, dir, &config_path).map_err(io)?;
    println!(
        "Ponto simulator on {} — configuration written to {}",
        sim.base_url(),
        config_path.display()
    );
    let config = super::load_config(Some(&config_path))?;
    let drop_dir = config.drop_dir.clone().unwrap_or(drop_dir);
    let pipeline = Pipeline::open(config)?;
    let options = FetchOptions::default();

    println!("\n== first fetch: everything since the start date");
    let first = fetch_and_show(&pipeline, &options)?;
    if let Some(file) = first.first() {
        show(file)?;
    }

    println!(
        "\n== the bank books more: 3 new transactions and 1 back-dated one (listed first by Ponto)"
    );
    let account = &accounts[0];
    let mut added = sim.add_transactions(&account.id, 3);
    added.push(sim.add_backdated_transaction(&account.id, 5));
    println!("\n== second fetch: only the new ones");
    let second = fetch_and_show(&pipeline, &options)?;
    let counts = delivered_counts(&drop_dir);
    let delivered = added
        .iter()
        .filter(|id| counts.contains_key(&id.replace('-', "")))
        .count();
    let twice = counts.values().filter(|n| **n > 1).count();
    println!(
        "\n{delivered} of the {} new transactions delivered, in {} new file(s); {} transactions in the drop folder, {}.",
        added.len(),
        second.len(),
        counts.len(),
        if twice == 0 {
            "none of them twice".to_owned()
        } else {
            format!("{twice} TWICE")
        }
    );
    let me = program_name();
    if !args.watch {
        println!(
            "Try: {me} --config {} status\n(the simulator is gone once the demo ends; `{me} demo --watch` keeps it running)",
            config_path.display()
        );
        return Ok(());
    }
    watch(&sim, pipeline, dir, &config_path, &me)
}

/// How this program was started, so that the commands shown can be run as written
/// (after `cargo run` the binary is not on PATH).
fn program_name() -> String {
    std::env::current_exe()
        .ok()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "ponto2camt".into())
}

/// The demo as a daemon: the bank books every few seconds, the inbox takes bundles.
fn watch(
    sim: &Simulator,
    pipeline: Pipeline,
    dir: &Path,
    config_path: &Path,
    me: &str,
) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::new(ExitKind::Io, format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir.join("inbox")).map_err(io)?;
    let mut text = std::fs::read_to_string(config_path).map_err(io)?;
    text.push_str(&format!(
        "\n[watch]\ninterval = \"{}s\"\ninbox_dir = \"inbox\"\n",
        BOOK_EVERY.as_secs()
    ));
    std::fs::write(config_path, text).map_err(io)?;
    let config = super::load_config(Some(config_path))?;
    let mut pipeline = pipeline;
    pipeline.reconfigure(config)?;
    let _booker = sim.start_booking_every(BOOK_EVERY);
    println!(
        "\n== watching: the bank books a transaction on each account every {} s; files appear in {}",
        BOOK_EVERY.as_secs(),
        dir.join("drop").display()
    );
    println!(
        "Drop a bundle into {} (try: PONTO_API_URL={} PONTO_CLIENT_ID=… {me} export), see {me} --config {} status; Ctrl-C stops.",
        dir.join("inbox").display(),
        sim.base_url(),
        config_path.display()
    );
    super::watch::serve(pipeline, Some(config_path.to_path_buf()), None)
}

/// A new folder, or one a previous demo made (its state and drop folder are cleared, so
/// the story starts again); anything else is left alone.
fn prepare_folder(dir: &Path) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::new(ExitKind::Io, format!("{}: {e}", dir.display()));
    let is_empty = |d: &Path| {
        std::fs::read_dir(d)
            .map(|mut e| e.next().is_none())
            .unwrap_or(true)
    };
    if !dir.exists() || is_empty(dir) {
        return std::fs::create_dir_all(dir).map_err(io);
    }
    let ours =
        std::fs::read_to_string(dir.join("ponto2camt.toml")).is_ok_and(|t| t.starts_with(MARKER));
    if !ours {
        return Err(CliError::new(
            ExitKind::Usage,
            format!(
                "{}: not empty and not a previous demo's folder",
                dir.display()
            ),
        )
        .hinted("pass --dir with a new or empty folder"));
    }
    for sub in ["state", "drop"] {
        let path = dir.join(sub);
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(io)?;
        }
    }
    Ok(())
}

fn fetch_and_show(pipeline: &Pipeline, options: &FetchOptions) -> Result<Vec<PathBuf>, CliError> {
    if let Some((_, error)) = pipeline.recover()?.failed.into_iter().next() {
        return Err(pipeline::Error::Delivery(error).into());
    }
    pipeline.note_pickups()?;
    let report = pipeline.fetch(options);
    if let Some(error) = report.failures.into_iter().next() {
        return Err(error.into());
    }
    let files: Vec<PathBuf> = report
        .accounts
        .iter()
        .flat_map(|a| a.files.clone())
        .collect();
    for account in &report.accounts {
        println!(
            "{} {}: {} transaction(s), {} file(s)",
            account.iban,
            account.currency,
            account.transactions,
            account.files.len()
        );
        for file in &account.files {
            println!("  {}", file.display());
        }
    }
    Ok(files)
}

fn show(file: &Path) -> Result<(), CliError> {
    let inspection = inspect::inspect_file(file)?;
    println!();
    print!("{}", inspect::render_text(file, &inspection));
    Ok(())
}

/// How often each transaction (its `Ntry/AcctSvcrRef`) occurs over the folder's files.
fn delivered_counts(drop_dir: &Path) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let files = std::fs::read_dir(drop_dir).into_iter().flatten().flatten();
    for file in files.filter(|f| f.path().extension().is_some_and(|x| x == "xml")) {
        let Ok(inspection) = inspect::inspect_file(&file.path()) else {
            continue;
        };
        let entries = inspection
            .document
            .statements
            .into_iter()
            .flat_map(|s| s.entries);
        for reference in entries.filter_map(|e| e.account_servicer_ref) {
            *counts.entry(reference).or_insert(0) += 1;
        }
    }
    counts
}

fn write_config(
    sim: &Simulator,
    dir: &Path,
    path: &Path,
) -> std::io::Result<Vec<ponto_sim::SimAccount>> {
    let organization = sim
        .organizations()
        .into_iter()
        .next()
        .ok_or_else(|| std::io::Error::other("the simulator has no organization"))?;
    let accounts: Vec<_> = organization
        .accounts
        .iter()
        .take(DEMO_ACCOUNTS)
        .cloned()
        .collect();
    let start = (pipeline::clock::now() - chrono::Duration::days(30)).date_naive();
    let mut text = format!(
        "# Written by `ponto2camt demo`: the simulator's credentials, not real ones.\n\
         state_dir = \"state\"\n\
         drop_dir = \"drop\"\n\
         grouping = \"per-run\"\n\n\
         [ponto]\n\
         api_url = \"{}\"\n\
         client_id = \"{}\"\n\
         client_secret = \"{}\"\n",
        sim.base_url(),
        organization.client_id,
        organization.client_secret
    );
    for account in &accounts {
        text.push_str(&format!(
            "\n[[accounts]]\niban = \"{}\"\ncurrency = \"{}\"\nstart_date = \"{start}\"\n",
            account.iban, account.currency
        ));
    }
    std::fs::create_dir_all(dir.join("state"))?;
    std::fs::write(path, text)?;
    Ok(accounts)
}

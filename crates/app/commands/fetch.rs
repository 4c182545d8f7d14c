//! `ponto2camt fetch`: one pull of every configured account into its drop folder.

use super::{Outcome, load_config};
use crate::cli::FetchArgs;
use crate::error::CliError;
use crate::output;
use pipeline::matching::normalize_iban;
use pipeline::{FetchOptions, FetchReport, NewLedger, Pipeline};
use std::path::Path;

pub fn run(config_path: Option<&Path>, args: &FetchArgs, quiet: bool) -> Outcome {
    crate::signals::exit_on_stop_signals("fetch");
    let config = load_config(config_path).map_err(|e| vec![e])?;
    let options = FetchOptions {
        only: args.accounts.iter().map(|a| normalize_iban(a)).collect(),
        dry_run: args.dry_run,
        sync_now: args.sync_now.then_some(args.customer_ip),
        include_today: args.include_today || config.include_today,
    };
    let new_ledger = if args.new_ledger {
        NewLedger::StartOver
    } else {
        NewLedger::OnlyTheFirstTime
    };
    let clock = std::sync::Arc::new(pipeline::SystemClock);
    let pipeline =
        Pipeline::open_with(config, clock, new_ledger).map_err(|e| vec![CliError::from(e)])?;
    pipeline
        .decide_reviews(&args.accept, &args.dismiss)
        .map_err(|e| vec![CliError::from(e)])?;
    let mut recovered = Vec::new();
    let mut stuck = Vec::new();
    if !options.dry_run {
        let recovery = pipeline.recover().map_err(|e| vec![CliError::from(e)])?;
        recovered = recovery.delivered;
        stuck = recovery.failed;
        pipeline
            .note_pickups()
            .map_err(|e| vec![CliError::from(e)])?;
    }
    let report = pipeline.fetch(&options);
    print_report(&recovered, &report, options.dry_run);
    if !quiet {
        output::line(summary(&report, options.dry_run));
    }
    let failures: Vec<CliError> = stuck
        .into_iter()
        .map(|(_, error)| CliError::from(pipeline::Error::Delivery(error)))
        .chain(report.failures.into_iter().map(CliError::from))
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}

/// One line for a person who ran it by hand: it worked, and what it did.
fn summary(report: &FetchReport, dry_run: bool) -> String {
    let accounts = report.accounts.len();
    let failed = if report.failures.is_empty() {
        String::new()
    } else {
        format!("; {} failure(s), see above", report.failures.len())
    };
    if report.statements() == 0 {
        return format!("nothing new for {accounts} account(s){failed}");
    }
    let verb = if dry_run {
        "would be delivered"
    } else {
        "delivered"
    };
    format!(
        "{} statement(s) with {} transaction(s) {verb} for {accounts} account(s){failed}",
        report.statements(),
        report.transactions()
    )
}

fn print_report(recovered: &[std::path::PathBuf], report: &FetchReport, dry_run: bool) {
    for file in recovered {
        output::line(format_args!("{} (recovered)", file.display()));
    }
    let suffix = if dry_run {
        " (dry run: not written)"
    } else {
        ""
    };
    for account in &report.accounts {
        for file in &account.files {
            output::line(format_args!("{}{suffix}", file.display()));
        }
    }
    tracing::info!(
        accounts = report.accounts.len(),
        failed = report.failures.len(),
        statements = report.statements(),
        transactions = report.transactions(),
        held_for_today = report.held_for_today(),
        dry_run,
        "run finished"
    );
}

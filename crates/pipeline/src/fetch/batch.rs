//! Delivering what was read for one configured account, wherever it was read from (a
//! Ponto read by `fetch`, a bundle dropped into the `watch` inbox): keep what was never
//! exported, plan statements that continue the account's chain, record and deliver each
//! one through the outbox, check the balance.

use super::statements::{Sorted, first_opening, group_statements, plan_statement, sort_out};
use super::{AccountReport, FetchOptions, balance, changes};
use crate::config::{AccountConfig, Config, Grouping};
use crate::crash::{self, CrashPoint};
use crate::ledger::{self, AccountInfo, Ledger, PlannedStatement};
use crate::{Error, delivery};
use chrono::{DateTime, Utc};
use converter::AccountContext;
use ponto::{Account, Transaction};
use std::collections::HashSet;
use std::path::PathBuf;

/// One account's transactions as read, with what the read knew of the account.
pub(crate) struct Batch<'a> {
    pub(crate) configured: &'a AccountConfig,
    /// The account as Ponto describes it (its balance opens the first statement).
    pub(crate) account: &'a Account,
    pub(crate) ctx: &'a AccountContext,
    pub(crate) transactions: &'a [Transaction],
    /// Ponto pages the read cost (0 for a bundle).
    pub(crate) pages: usize,
    /// The newest transaction read, to keep as the account's cursor (Ponto reads only).
    pub(crate) newest: Option<&'a str>,
}

/// The account's key in the ledger, registering the account unless this is a dry run.
pub(crate) fn register(
    ledger: &Ledger,
    configured: &AccountConfig,
    ctx: &AccountContext,
    ponto_id: Option<&str>,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let key = ledger::account_key(&configured.iban, &ctx.currency);
    if !dry_run {
        ledger.ensure_account(
            &AccountInfo {
                key: key.clone(),
                iban: configured.iban.clone(),
                currency: ctx.currency.clone(),
                ponto_account_id: ponto_id.map(str::to_owned),
            },
            now,
        )?;
    }
    Ok(key)
}

/// Delivers everything in `batch` that `known` (the exported ids) lacks.
pub(crate) fn deliver(
    config: &Config,
    ledger: &Ledger,
    key: &str,
    known: &HashSet<String>,
    batch: &Batch<'_>,
    options: &FetchOptions,
    now: DateTime<Utc>,
) -> Result<AccountReport, Error> {
    let (configured, ctx) = (batch.configured, batch.ctx);
    let today = now.with_timezone(&ctx.time_zone).date_naive();
    let daily = config.grouping == Grouping::Daily;
    let sorted = sort_out(
        batch.transactions,
        known,
        ctx,
        configured.start_date,
        daily && !options.include_today,
        today,
    );
    if !options.dry_run {
        changes::note_changes(ledger, key, batch.transactions, known, now);
    }
    let mut report = AccountReport {
        iban: configured.iban.clone(),
        currency: ctx.currency.clone(),
        held_for_today: sorted.held.len() as u64,
        pages: batch.pages,
        ..AccountReport::default()
    };
    // Read once, and allowed to be missing: a dry run does not register the account.
    let state = ledger.account(key)?;
    let mut opening = match state.as_ref().and_then(|s| s.last_closing) {
        Some(closing) => closing,
        None => first_opening(&configured.iban, ctx, batch.account, &sorted)?,
    };
    let first_seq = state.map_or(1, |s| s.statement_count + 1);
    let Sorted { new, held, bad } = sorted;
    for (seq, group) in (first_seq..).zip(group_statements(new, daily)) {
        let planned = plan_statement(configured, ctx, &group, seq, opening, now)?;
        report.transactions += planned.transaction_ids.len() as u64;
        opening = planned.closing;
        if options.dry_run {
            report.files.push(planned.drop_dir.join(&planned.file_name));
            continue;
        }
        report
            .files
            .push(publish(ledger, key, &planned, config.file_mode, now)?);
    }
    let chain = balance::Chain {
        key,
        iban: &configured.iban,
        read: batch.transactions,
        held: &held,
        closing: opening,
        now,
    };
    let record_in = (!options.dry_run).then_some(ledger);
    report.balance_difference = balance::check_balance(record_in, &chain, batch.account);
    if !options.dry_run
        && let Some(newest) = batch.newest
    {
        ledger.set_cursor(key, Some(newest), now)?;
    }
    if !bad.is_empty() {
        return Err(Error::HeldBack {
            iban: configured.iban.clone(),
            reasons: bad,
            published: report.transactions,
        });
    }
    Ok(report)
}

/// Records the statement in the ledger, then delivers it from the outbox.
fn publish(
    ledger: &Ledger,
    key: &str,
    planned: &PlannedStatement,
    file_mode: u32,
    now: DateTime<Utc>,
) -> Result<PathBuf, Error> {
    ledger.record_statement(key, planned, now)?;
    crash::point(CrashPoint::AfterRecord);
    let item = ledger
        .statement(&planned.id)?
        .ok_or_else(|| Error::Vanished(planned.id.clone()))?;
    Ok(delivery::deliver(ledger, &item, file_mode, now)?)
}

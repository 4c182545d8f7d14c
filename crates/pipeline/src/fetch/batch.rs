//! Delivering what was read for one configured account, wherever it was read from (a
//! Ponto read by `fetch`, a bundle dropped into the `watch` inbox): keep what was never
//! exported, plan statements that continue the account's chain, record and deliver each
//! one through the outbox, check the balance.

use super::relisting::{self, MatchKey, Verdict};
use super::statements::{
    Mapped, Sorted, first_opening, group_statements, plan_statement, sort_out,
};
use super::{AccountReport, FetchOptions, balance, changes};
use crate::config::{AccountConfig, Config, Grouping};
use crate::crash::{self, CrashPoint};
use crate::ledger::{self, AccountInfo, Ledger, PlannedStatement};
use crate::{Error, delivery};
use chrono::{DateTime, Utc};
use converter::AccountContext;
use ponto::{Account, Transaction};
use std::borrow::Cow;
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
    // No file may overtake an earlier statement of the account that is not delivered.
    if let Some(waiting) = ledger.unpublished_for(key)?.first() {
        return Err(Error::Undelivered {
            iban: configured.iban.clone(),
            statement: waiting.statement_id.clone(),
        });
    }
    let today = now.with_timezone(&ctx.time_zone).date_naive();
    let daily = config.grouping == Grouping::Daily;
    let accepted = accepted_holds(ledger, key)?;
    let accepted_ids: HashSet<String> = accepted.iter().filter_map(|t| t.id.clone()).collect();
    // Only when an operator released held transactions do they join what was read (and
    // leave the known ids); otherwise the read and the known ids are used as they are.
    let (known, candidates): (Cow<'_, HashSet<String>>, Cow<'_, [Transaction]>) =
        if accepted.is_empty() {
            (Cow::Borrowed(known), Cow::Borrowed(batch.transactions))
        } else {
            let read = batch
                .transactions
                .iter()
                .chain(&accepted)
                .cloned()
                .collect();
            let known = known.difference(&accepted_ids).cloned().collect();
            (Cow::Owned(known), Cow::Owned(read))
        };
    let mut sorted = sort_out(
        &candidates,
        &known,
        ctx,
        configured.start_date,
        daily && !options.include_today,
        today,
    );
    if !options.dry_run {
        changes::note_changes(ledger, key, batch.transactions, &known, now);
    }
    let mut report = AccountReport {
        iban: configured.iban.clone(),
        currency: ctx.currency.clone(),
        pages: batch.pages,
        ..AccountReport::default()
    };
    let review = Review {
        ledger,
        key,
        account_id: batch.account.id.as_deref().unwrap_or_default(),
        lookback_days: configured
            .lookback_days
            .unwrap_or(crate::config::DEFAULT_LOOKBACK_DAYS),
        dry_run: options.dry_run,
        now,
    };
    report.needs_review = review.sort_out_relistings(&mut sorted, &candidates, &accepted_ids)?;
    report.held_for_today = sorted.held.len() as u64;
    // Read once, and allowed to be missing: a dry run does not register the account.
    let state = ledger.account(key)?;
    let mut opening = match (
        state.as_ref().and_then(|s| s.last_closing),
        configured.opening_balance,
    ) {
        (Some(closing), _) => closing,
        // Migration: the chain goes on from the statements another program delivered.
        (None, Some(balance)) => balance,
        (None, None) => first_opening(&configured.iban, ctx, batch.account, &sorted)?,
    };
    let first_seq = state.map_or(1, |s| s.statement_count + 1);
    let Sorted { new, held, bad, .. } = sorted;
    for (seq, group) in (first_seq..).zip(group_statements(new, daily)) {
        let mut planned = plan_statement(configured, ctx, &group, seq, opening, now)?;
        planned.ponto_account_id = batch.account.id.clone();
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

/// The transactions an operator accepted for delivery (`fetch --accept`), as read.
fn accepted_holds(ledger: &Ledger, key: &str) -> Result<Vec<Transaction>, Error> {
    Ok(ledger
        .accepted_holds(key)?
        .into_iter()
        .filter_map(|(id, json)| match serde_json::from_str::<Transaction>(&json) {
            Ok(transaction) => Some(transaction),
            Err(e) => {
                tracing::error!(transaction = %id, "an accepted transaction cannot be read back: {e}");
                None
            }
        })
        .collect())
}

/// Sorting out re-listings of a replaced account's transactions.
struct Review<'a> {
    ledger: &'a Ledger,
    key: &'a str,
    account_id: &'a str,
    lookback_days: u32,
    dry_run: bool,
    now: DateTime<Utc>,
}

impl Review<'_> {
    /// Takes re-listings and possible re-listings out of `sorted` (new and held for
    /// today): re-listings are recorded as known, possible ones held for review (their
    /// number is returned). Nothing to do unless transactions were delivered from
    /// another Ponto account than this one.
    fn sort_out_relistings(
        &self,
        sorted: &mut Sorted,
        read: &[Transaction],
        accepted: &HashSet<String>,
    ) -> Result<u64, Error> {
        if self.account_id.is_empty() {
            return Ok(0);
        }
        let old = self.ledger.old_exports(self.key, self.account_id)?;
        if old.is_empty() {
            return Ok(0);
        }
        let items: Vec<Mapped> = sorted.new.drain(..).chain(sorted.held.drain(..)).collect();
        let judged: Vec<&Mapped> = items
            .iter()
            .filter(|m| !accepted.contains(&m.mapped.ponto_id))
            .collect();
        let transactions: Vec<&Transaction> = judged.iter().map(|m| &read[m.api_index]).collect();
        let verdicts = relisting::judge(&transactions, &old, self.lookback_days);
        let mut skip = HashSet::new();
        let mut held = 0;
        for ((item, transaction), verdict) in judged.iter().zip(&transactions).zip(verdicts) {
            let id = item.mapped.ponto_id.as_str();
            match verdict {
                Verdict::New => continue,
                Verdict::Relisted(old_id) => {
                    tracing::info!(account = self.key, transaction = id, relisting_of = %old_id,
                        "a re-listing of a delivered transaction (replaced Ponto account): not delivered again");
                    if !self.dry_run {
                        let key = MatchKey::of(transaction).to_text();
                        self.ledger.record_relisted(
                            self.key,
                            id,
                            self.account_id,
                            &old_id,
                            &item.summary,
                            &key,
                        )?;
                    }
                }
                Verdict::Review(reason) => {
                    tracing::warn!(
                        account = self.key,
                        transaction = id,
                        "held for review: {reason}"
                    );
                    held += 1;
                    if !self.dry_run {
                        let json = serde_json::to_string(transaction).unwrap_or_default();
                        self.ledger.hold_for_review(
                            self.key,
                            id,
                            self.account_id,
                            &reason,
                            &json,
                            self.now,
                        )?;
                    }
                }
            }
            skip.insert(item.mapped.ponto_id.clone());
        }
        let today = sorted.held_day;
        for item in items
            .into_iter()
            .filter(|m| !skip.contains(&m.mapped.ponto_id))
        {
            if today.is_some_and(|day| item.mapped.booking_date >= day) {
                sorted.held.push(item);
            } else {
                sorted.new.push(item);
            }
        }
        Ok(held)
    }
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

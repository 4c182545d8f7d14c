//! One account's part of a run: find it at Ponto, read what is new, plan statements,
//! record and deliver each one, check the balance.

use super::statements::{Sorted, first_opening, group_statements, plan_statement, sort_out};
use super::{AccountReport, FetchOptions, SYNC_TIMEOUT_SECS, balance, changes, record_run};
use crate::clock::Clock;
use crate::config::{AccountConfig, Config, Grouping};
use crate::connect::PontoAccess;
use crate::crash::{self, CrashPoint};
use crate::ledger::{self, AccountInfo, Ledger};
use crate::{Error, delivery, matching, window};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use converter::AccountContext;
use ponto::{Account, Client, stop};
use std::collections::HashSet;
use std::sync::Arc;

/// One configured account to fetch, with the client of its organization.
pub(super) struct Job<'c> {
    pub(super) access: PontoAccess,
    pub(super) client: Client,
    pub(super) account: &'c AccountConfig,
    /// Ponto's accounts of the organization (listed once per organization).
    pub(super) listed: Arc<Vec<Account>>,
}

impl Job<'_> {
    pub(super) fn run(
        &self,
        config: &Config,
        ledger: &Ledger,
        clock: &dyn Clock,
        options: &FetchOptions,
        now: DateTime<Utc>,
    ) -> Result<AccountReport, Error> {
        let started = clock.now();
        let result = self.fetch(config, ledger, options, now);
        let label = format!(
            "{} {}",
            self.account.iban,
            self.account.currency.as_deref().unwrap_or("")
        );
        match &result {
            Ok(report) => tracing::info!(
                account = %label.trim(),
                statements = report.files.len(),
                transactions = report.transactions,
                pages = report.pages,
                "fetched"
            ),
            Err(error) => tracing::error!(account = %label.trim(), "{error}"),
        }
        if !options.dry_run {
            record_run(
                ledger,
                &self.ledger_key(ledger),
                started,
                clock.now(),
                &result,
            );
        }
        result
    }

    /// The account's ledger key: from the configured currency, else from the ledger.
    fn ledger_key(&self, ledger: &Ledger) -> String {
        if let Some(currency) = &self.account.currency {
            return ledger::account_key(&self.account.iban, currency);
        }
        ledger
            .accounts()
            .ok()
            .and_then(|accounts| accounts.into_iter().find(|a| a.iban == self.account.iban))
            .map(|a| a.key)
            .unwrap_or_else(|| ledger::account_key(&self.account.iban, "?"))
    }

    fn ponto_error(&self, error: ponto::PontoError) -> Error {
        Error::ponto(&self.access.organization, error)
    }

    fn fetch(
        &self,
        config: &Config,
        ledger: &Ledger,
        options: &FetchOptions,
        now: DateTime<Utc>,
    ) -> Result<AccountReport, Error> {
        let account = self.find_account()?;
        let id = account.id.clone().unwrap_or_default();
        let account = match options.sync_now {
            Some(ip) => {
                self.client
                    .synchronize_and_wait(
                        &id,
                        ip,
                        std::time::Duration::from_secs(SYNC_TIMEOUT_SECS),
                    )
                    .map_err(|e| self.ponto_error(e))?;
                self.client.account(&id).map_err(|e| self.ponto_error(e))?
            }
            None => account,
        };
        let institution = self
            .client
            .account_financial_institution(&account)
            .map_err(|e| self.ponto_error(e))?;
        let ctx = AccountContext::new(
            &account,
            institution.as_ref(),
            self.account.time_zone.as_deref(),
        )
        .map_err(|source| Error::Account {
            iban: self.account.iban.clone(),
            source: Box::new(source),
        })?;
        let key = ledger::account_key(&self.account.iban, &ctx.currency);
        if !options.dry_run {
            ledger.ensure_account(
                &AccountInfo {
                    key: key.clone(),
                    iban: self.account.iban.clone(),
                    currency: ctx.currency.clone(),
                    ponto_account_id: Some(id.clone()),
                },
                now,
            )?;
        }
        let known = ledger.exported_ids(&key)?;
        let read = self.read_new(&id, &known, self.account.start_date, ctx.time_zone)?;
        let today = now.with_timezone(&ctx.time_zone).date_naive();
        let daily = config.grouping == Grouping::Daily;
        let sorted = sort_out(
            &read.transactions,
            &known,
            &ctx,
            self.account.start_date,
            daily && !options.include_today,
            today,
        );
        if !options.dry_run {
            changes::note_changes(ledger, &key, &read.transactions, &known, now);
        }
        let mut report = AccountReport {
            iban: self.account.iban.clone(),
            currency: ctx.currency.clone(),
            held_for_today: sorted.held.len() as u64,
            pages: read.pages,
            ..AccountReport::default()
        };
        // Read once, and allowed to be missing: a dry run does not register the account.
        let state = ledger.account(&key)?;
        let mut opening = match state.as_ref().and_then(|s| s.last_closing) {
            Some(closing) => closing,
            None => first_opening(&self.account.iban, &ctx, &account, &sorted)?,
        };
        let first_seq = state.map_or(1, |s| s.statement_count + 1);
        let Sorted { new, held, bad } = sorted;
        for (seq, group) in (first_seq..).zip(group_statements(new, daily)) {
            let planned = plan_statement(self.account, &ctx, &group, seq, opening, now)?;
            report.transactions += planned.transaction_ids.len() as u64;
            opening = planned.closing;
            if options.dry_run {
                report.files.push(planned.drop_dir.join(&planned.file_name));
                continue;
            }
            report
                .files
                .push(self.publish(ledger, &key, &planned, now)?);
        }
        let chain = balance::Chain {
            key: &key,
            iban: &self.account.iban,
            read: &read.transactions,
            held: &held,
            closing: opening,
            now,
        };
        let record_in = (!options.dry_run).then_some(ledger);
        report.balance_difference = balance::check_balance(record_in, &chain, &account);
        if !options.dry_run
            && let Some(newest) = read.transactions.first().and_then(|t| t.id.as_deref())
        {
            ledger.set_cursor(&key, Some(newest), now)?;
        }
        if !bad.is_empty() {
            return Err(Error::HeldBack {
                iban: self.account.iban.clone(),
                reasons: bad,
                published: report.transactions,
            });
        }
        Ok(report)
    }

    /// Records the statement in the ledger, then delivers it from the outbox.
    fn publish(
        &self,
        ledger: &Ledger,
        key: &str,
        planned: &ledger::PlannedStatement,
        now: DateTime<Utc>,
    ) -> Result<std::path::PathBuf, Error> {
        ledger.record_statement(key, planned, now)?;
        crash::point(CrashPoint::AfterRecord);
        let item = ledger
            .statement(&planned.id)?
            .ok_or_else(|| Error::Vanished(planned.id.clone()))?;
        Ok(delivery::deliver(ledger, &item, now)?)
    }

    fn find_account(&self) -> Result<Account, Error> {
        match matching::matching(&self.listed, self.account).as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::NotInPonto {
                iban: self.account.iban.clone(),
                organization: self.access.organization.clone(),
            }),
            _ => Err(Error::SeveralCurrencies {
                iban: self.account.iban.clone(),
                config_key: self.account.config_key.clone(),
            }),
        }
    }

    /// Reads the newest pages until everything new is in: for an account with history,
    /// until a page holds only known or too-old transactions; the first time, until a
    /// page was wholly created in Ponto before the start date (minus a margin).
    fn read_new(
        &self,
        id: &str,
        known: &HashSet<String>,
        start: NaiveDate,
        zone: Tz,
    ) -> Result<ponto::TransactionRead, Error> {
        let start = window::first_read_cutoff(start, zone);
        let read = if known.is_empty() {
            self.client
                .transactions(id, &mut stop::stop_created_before(start))
        } else {
            self.client.transactions(
                id,
                &mut stop::stop_when_caught_up(|id| known.contains(id), start),
            )
        };
        read.map_err(|e| self.ponto_error(e))
    }
}

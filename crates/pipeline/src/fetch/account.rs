//! One account's part of a run: find it at Ponto, read what is new, plan statements,
//! record and deliver each one, check the balance.

use super::batch::{self, Batch};
use super::{AccountReport, FetchOptions, SYNC_TIMEOUT_SECS, record_run};
use crate::clock::Clock;
use crate::config::{AccountConfig, Config};
use crate::connect::PontoAccess;
use crate::ledger::Ledger;
use crate::{Error, matching, window};
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
        // Every line logged for this account (Ponto's retries included) names its IBAN,
        // not Ponto's id for it.
        let _span = tracing::info_span!("account", iban = %self.account.iban).entered();
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
                &super::ledger_key(ledger, self.account),
                started,
                clock.now(),
                &result,
            );
        }
        result
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
        let link = crate::sync_health::observe(&account, now);
        for finding in
            crate::sync_health::assess(&link, crate::sync_health::Limits::of(config), now)
        {
            tracing::warn!(account = %self.account.iban, kind = finding.kind, "{}", finding.message);
        }
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
        let key = crate::ledger::account_key(&self.account.iban, &ctx.currency);
        self.note_replacement(ledger, &key, &id)?;
        let key = batch::register(ledger, self.account, &ctx, Some(&id), options.dry_run, now)?;
        if !options.dry_run {
            ledger.record_bank_link(&key, &link)?;
        }
        let mut known = ledger.exported_ids(&key)?;
        let read = self.read_new(&id, &known, self.account.start_date, ctx.time_zone)?;
        if known.is_empty() && self.account.start_after_id.is_some() {
            let elsewhere = self.delivered_elsewhere(&read.transactions)?;
            if !options.dry_run {
                ledger.record_delivered_elsewhere(&key, &elsewhere)?;
            }
            known.extend(elsewhere);
        }
        let batch = Batch {
            configured: self.account,
            account: &account,
            ctx: &ctx,
            transactions: &read.transactions,
            pages: read.pages,
            newest: read.transactions.first().and_then(|t| t.id.as_deref()),
        };
        batch::deliver(config, ledger, &key, &known, &batch, options, now)
    }

    fn find_account(&self) -> Result<Account, Error> {
        let iban = || self.account.iban.clone();
        let id = |a: &Account| a.id.clone().unwrap_or_default();
        match matching::choose(&self.listed, self.account) {
            matching::Choice::One { account, replaced } => {
                for old in replaced {
                    tracing::info!(account = %self.account.iban, used = %id(account), deprecated = %id(old),
                        "Ponto lists a deprecated account for this IBAN too (replaced after a re-authorization); the one not deprecated is read");
                }
                Ok(account.clone())
            }
            matching::Choice::None => Err(Error::NotInPonto {
                iban: iban(),
                organization: self.access.organization.clone(),
            }),
            matching::Choice::SeveralCurrencies => Err(Error::SeveralCurrencies {
                iban: iban(),
                config_key: self.account.config_key.clone(),
            }),
            matching::Choice::Ambiguous(found) => Err(Error::AmbiguousAccount {
                iban: iban(),
                ids: found.into_iter().map(id).collect(),
            }),
        }
    }

    /// Says so when the Ponto account behind the configured IBAN is not the one the
    /// ledger knows: the statement chain goes on, and transactions Ponto lists again
    /// under new ids are matched against the delivered ones (see `relisting`).
    fn note_replacement(&self, ledger: &Ledger, key: &str, id: &str) -> Result<(), Error> {
        let before = ledger
            .account(key)?
            .and_then(|state| state.ponto_account_id);
        if let Some(before) = before.filter(|before| before != id) {
            tracing::warn!(account = %self.account.iban, previous = %before, now = %id,
                "the Ponto account behind this IBAN changed (a bank re-authorization?): the statement chain goes on; transactions listed again are matched against those delivered and not delivered twice");
        }
        Ok(())
    }

    /// Migration (`start_after_id`): the configured transaction and everything Ponto
    /// lists after it were delivered by another program.
    fn delivered_elsewhere(&self, read: &[ponto::Transaction]) -> Result<Vec<String>, Error> {
        let wanted = self.account.start_after_id.as_deref().unwrap_or_default();
        let wanted_key = converter::transaction_key(wanted);
        let ids = read.iter().map(|t| t.id.clone().unwrap_or_default());
        let position = ids
            .clone()
            .position(|id| converter::transaction_key(&id) == wanted_key)
            .ok_or_else(|| Error::StartAfterIdNotFound {
                iban: self.account.iban.clone(),
                config_key: self.account.config_key.clone(),
                id: wanted.to_owned(),
            })?;
        Ok(ids.skip(position).collect())
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
        let lookback = chrono::Duration::days(i64::from(
            self.account
                .lookback_days
                .unwrap_or(crate::config::DEFAULT_LOOKBACK_DAYS),
        ));
        let read = if known.is_empty() {
            self.client
                .transactions(id, &mut stop::stop_created_before(start))
        } else {
            self.client.transactions(
                id,
                &mut stop::stop_when_caught_up_looking_back(
                    |id| known.contains(id),
                    start,
                    lookback,
                ),
            )
        };
        read.map_err(|e| self.ponto_error(e))
    }
}

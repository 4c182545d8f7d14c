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
        for warning in crate::accounts::health_warnings(&account, now) {
            tracing::warn!(account = %self.account.iban, "{warning}");
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
        let key = batch::register(ledger, self.account, &ctx, Some(&id), options.dry_run, now)?;
        let known = ledger.exported_ids(&key)?;
        let read = self.read_new(&id, &known, self.account.start_date, ctx.time_zone)?;
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

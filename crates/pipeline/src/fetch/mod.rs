//! `ponto2camt fetch`: new booked Ponto transactions into the drop folder, exactly once.
//!
//! Per account: read the newest pages until the ledger's known ids (or the start date)
//! are reached, keep what was never exported, plan statements, then for each one record
//! it in the ledger and deliver it (see [`crate::delivery`]). Accounts run concurrently
//! with a bounded number in flight; one failing account does not stop the others.

use crate::cli::FetchArgs;
use crate::config::{AccountConfig, Config, Grouping};
use crate::connect::{self, PontoAccess, ponto_error};
use crate::delivery;
use crate::error::{CliError, ExitKind, Failures};
use crate::ledger::{
    self, AccountInfo, BalanceCheck, Ledger, LedgerError, PlannedStatement, RunOutcome, RunRecord,
};
use crate::lock::StateLock;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use converter::{AccountContext, MappedTransaction, StatementId, StatementTotals};
use ponto::{Account, Client, Transaction, stop};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Transactions executed this long before the start date are still read: Ponto lists
/// by creation, so neighbours can be out of date order by a few days.
const START_MARGIN_DAYS: i64 = 7;

/// How long `--sync-now` waits for Ponto's synchronization with the bank.
const SYNC_TIMEOUT_SECS: u64 = 120;

#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Only these IBANs (electronic form); empty: all configured accounts.
    pub only: Vec<String>,
    pub dry_run: bool,
    pub sync_now: Option<IpAddr>,
    pub include_today: bool,
}

/// What one account's part of a run did.
#[derive(Debug, Clone, Default)]
pub struct AccountReport {
    pub iban: String,
    pub currency: String,
    /// Files published in this run (planned ones for a dry run).
    pub files: Vec<PathBuf>,
    pub transactions: u64,
    /// Booked today and held back until the day is over (daily grouping).
    pub held_for_today: u64,
    pub pages: usize,
    /// Ponto's balance minus what our statements (and held-back transactions) add up to.
    pub balance_difference: Option<Decimal>,
}

#[derive(Debug, Default)]
pub struct FetchReport {
    pub recovered: Vec<PathBuf>,
    pub accounts: Vec<AccountReport>,
    pub failures: Failures,
}

pub fn run_command(config_path: Option<&Path>, args: &FetchArgs) -> Result<(), Vec<CliError>> {
    let config = load_config(config_path).map_err(|e| vec![e])?;
    let options = FetchOptions {
        only: args
            .accounts
            .iter()
            .map(|a| crate::config::normalize_iban(a))
            .collect(),
        dry_run: args.dry_run,
        sync_now: args.sync_now.then_some(args.customer_ip),
        include_today: args.include_today || config.include_today,
    };
    let report = run(&config, &options)?;
    print_report(&report, options.dry_run);
    if report.failures.0.is_empty() {
        Ok(())
    } else {
        Err(report.failures.0)
    }
}

pub fn load_config(path: Option<&Path>) -> Result<Config, CliError> {
    let path = path.unwrap_or(Path::new(crate::config::DEFAULT_PATH));
    let env = |name: &str| std::env::var(name).ok();
    let config = crate::config::load(path, &env).map_err(connect::config_error)?;
    config.check_paths().map_err(connect::config_error)?;
    Ok(config)
}

/// One run over every configured account (or those in `options.only`).
pub fn run(config: &Config, options: &FetchOptions) -> Result<FetchReport, Vec<CliError>> {
    let _lock = StateLock::acquire(&config.state_dir).map_err(|e| vec![e])?;
    let ledger = Ledger::open(&config.state_dir).map_err(|e| vec![ledger_error(e)])?;
    let now = crate::clock::now();
    let mut report = FetchReport::default();
    if !options.dry_run {
        report.recovered = delivery::recover(&ledger, now)
            .map_err(|e| vec![CliError::new(ExitKind::Io, e.to_string())])?;
        delivery::note_pickups(&ledger, now).map_err(|e| vec![ledger_error(e)])?;
    }
    let work = plan_work(config, options, &mut report.failures);
    let results = Mutex::new(Vec::new());
    let queue = Mutex::new(work.into_iter());
    let workers = config.concurrency.max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    let Some(job) = next else { break };
                    let result = job.run(config, &ledger, options, now);
                    if let Ok(mut results) = results.lock() {
                        results.push(result);
                    }
                }
            });
        }
    });
    for result in results.into_inner().unwrap_or_default() {
        match result {
            Ok(account) => report.accounts.push(account),
            Err(error) => report.failures.0.push(error),
        }
    }
    report.accounts.sort_by(|a, b| a.iban.cmp(&b.iban));
    Ok(report)
}

/// One organization's accounts to fetch, with the client they share.
struct Job<'c> {
    access: PontoAccess,
    client: Client,
    account: &'c AccountConfig,
    /// Ponto's accounts of the organization (listed once per organization).
    listed: Arc<Vec<Account>>,
}

fn plan_work<'c>(
    config: &'c Config,
    options: &FetchOptions,
    failures: &mut Failures,
) -> Vec<Job<'c>> {
    let mut jobs = Vec::new();
    let mut seen = HashSet::new();
    for org in &config.organizations {
        let wanted: Vec<&AccountConfig> = org
            .accounts
            .iter()
            .filter(|a| options.only.is_empty() || options.only.contains(&a.iban))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let access = connect::access_of(org);
        let client = match connect::client(&access) {
            Ok(client) => client,
            Err(e) => {
                failures.0.push(e);
                continue;
            }
        };
        let listed = match client.accounts() {
            Ok(listed) => Arc::new(listed),
            Err(e) => {
                failures.0.push(ponto_error(&org.name, e));
                continue;
            }
        };
        for account in wanted {
            seen.insert(account.iban.clone());
            jobs.push(Job {
                access: access.clone(),
                client: client.clone(),
                account,
                listed: listed.clone(),
            });
        }
    }
    for iban in options.only.iter().filter(|i| !seen.contains(*i)) {
        failures.0.push(
            CliError::new(
                ExitKind::Config,
                format!("--account {iban}: not in the configuration"),
            )
            .hinted("add it under [[accounts]] with its start_date"),
        );
    }
    jobs
}

impl Job<'_> {
    fn run(
        &self,
        config: &Config,
        ledger: &Ledger,
        options: &FetchOptions,
        now: DateTime<Utc>,
    ) -> Result<AccountReport, CliError> {
        let started = crate::clock::now();
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
            Err(error) => tracing::error!(account = %label.trim(), "{}", error.message),
        }
        if !options.dry_run {
            record_run(ledger, &self.ledger_key(ledger), started, &result);
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

    fn fetch(
        &self,
        config: &Config,
        ledger: &Ledger,
        options: &FetchOptions,
        now: DateTime<Utc>,
    ) -> Result<AccountReport, CliError> {
        let org = &self.access.organization;
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
                    .map_err(|e| ponto_error(org, e))?;
                self.client.account(&id).map_err(|e| ponto_error(org, e))?
            }
            None => account,
        };
        let institution = self
            .client
            .account_financial_institution(&account)
            .map_err(|e| ponto_error(org, e))?;
        let ctx = AccountContext::new(
            &account,
            institution.as_ref(),
            self.account.time_zone.as_deref(),
        )
        .map_err(|e| {
            let kind = if matches!(e, converter::ConvertError::UnknownTimeZone { .. }) {
                ExitKind::Config
            } else {
                ExitKind::Data
            };
            CliError::new(kind, format!("account {}: {e}", self.account.iban))
        })?;
        let key = ledger::account_key(&self.account.iban, &ctx.currency);
        if !options.dry_run {
            ledger
                .ensure_account(
                    &AccountInfo {
                        key: key.clone(),
                        iban: self.account.iban.clone(),
                        currency: ctx.currency.clone(),
                        ponto_account_id: Some(id.clone()),
                    },
                    now,
                )
                .map_err(ledger_error)?;
        }
        let known = ledger.exported_ids(&key).map_err(ledger_error)?;
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
            note_changes(ledger, &key, &read.transactions, &known, now);
        }
        let mut report = AccountReport {
            iban: self.account.iban.clone(),
            currency: ctx.currency.clone(),
            held_for_today: sorted.held.len() as u64,
            pages: read.pages,
            ..AccountReport::default()
        };
        // Read once, and allowed to be missing: a dry run does not register the account.
        let state = ledger.account(&key).map_err(ledger_error)?;
        let mut opening = match state.as_ref().and_then(|s| s.last_closing) {
            Some(closing) => closing,
            None => first_opening(&account, &sorted)?,
        };
        let first_seq = state.map_or(1, |s| s.statement_count + 1);
        for (seq, group) in (first_seq..).zip(group_statements(sorted.new, daily)) {
            let planned = self.plan(&ctx, &group, seq, opening, now)?;
            report.transactions += planned.transaction_ids.len() as u64;
            opening = planned.closing;
            if options.dry_run {
                report.files.push(planned.drop_dir.join(&planned.file_name));
                continue;
            }
            ledger
                .record_statement(&key, &planned, now)
                .map_err(ledger_error)?;
            crate::crash::point("after-record");
            let item = ledger
                .statement(&planned.id)
                .map_err(ledger_error)?
                .ok_or_else(|| {
                    CliError::new(
                        ExitKind::Io,
                        format!("statement {} vanished from the ledger", planned.id),
                    )
                })?;
            let file = delivery::deliver(ledger, &item, now)
                .map_err(|e| CliError::new(ExitKind::Io, e.to_string()))?;
            report.files.push(file);
        }
        report.balance_difference = self.check_balance(
            ledger,
            &key,
            &account,
            &read.transactions,
            &sorted.held,
            opening,
            options.dry_run,
            now,
        );
        if !options.dry_run
            && let Some(newest) = read.transactions.first().and_then(|t| t.id.as_deref())
        {
            ledger
                .set_cursor(&key, Some(newest), now)
                .map_err(ledger_error)?;
        }
        if !sorted.bad.is_empty() {
            return Err(bad_transactions(&self.account.iban, &sorted.bad, &report));
        }
        Ok(report)
    }

    fn find_account(&self) -> Result<Account, CliError> {
        let matches: Vec<&Account> = self
            .listed
            .iter()
            .filter(|a| {
                let reference =
                    crate::config::normalize_iban(a.attributes.reference.as_deref().unwrap_or(""));
                reference == self.account.iban
                    && self
                        .account
                        .currency
                        .as_deref()
                        .is_none_or(|c| a.attributes.currency.as_deref() == Some(c))
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(CliError::new(
                ExitKind::Config,
                format!("account {}: Ponto has no such account for organization {}", self.account.iban, self.access.organization),
            )
            .hinted("run `ponto2camt accounts` to see what the integration may read; in Ponto, the integration must be allowed to read this account")),
            _ => Err(CliError::new(
                ExitKind::Config,
                format!("account {}: Ponto has it in several currencies", self.account.iban),
            )
            .hinted(format!("set currency = \"…\" in {}", self.account.config_key))),
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
    ) -> Result<ponto::TransactionRead, CliError> {
        let start = local_midnight(start, zone) - Duration::days(START_MARGIN_DAYS);
        let read = if known.is_empty() {
            self.client
                .transactions(id, &mut stop::stop_created_before(start))
        } else {
            self.client.transactions(
                id,
                &mut stop::stop_when_caught_up(|id| known.contains(id), start),
            )
        };
        read.map_err(|e| ponto_error(&self.access.organization, e))
    }

    fn plan(
        &self,
        ctx: &AccountContext,
        group: &[Mapped],
        seq: u64,
        opening: Decimal,
        now: DateTime<Utc>,
    ) -> Result<PlannedStatement, CliError> {
        let totals = StatementTotals::of(group.iter().map(|m| &m.mapped));
        let id = StatementId::for_ledger(&ctx.account_tag(), seq);
        let created = now.with_timezone(&ctx.time_zone).fixed_offset();
        let header =
            converter::statement_header(ctx, id.clone(), Some(seq), created, opening, &totals);
        let xml = render(&id, created, &header, group).map_err(|e| {
            CliError::new(
                ExitKind::Data,
                format!("account {}: statement {id}: {e}", self.account.iban),
            )
        })?;
        let first = totals.first_day().unwrap_or_default();
        let last = totals.last_day().unwrap_or(first);
        Ok(PlannedStatement {
            id: id.as_str().to_owned(),
            seq,
            file_name: file_name(&self.account.iban, &ctx.currency, seq, first, last),
            drop_dir: self.account.drop_dir.clone(),
            xml,
            opening,
            closing: totals.closing(opening),
            transaction_ids: group.iter().map(|m| m.mapped.ponto_id.clone()).collect(),
            summaries: group
                .iter()
                .map(|m| (m.mapped.ponto_id.clone(), m.summary.clone()))
                .collect(),
        })
    }

    /// Compares our chain (plus what is held back) with Ponto's balance, when Ponto's
    /// balance is recent enough to include everything we read; logs and records it.
    #[allow(clippy::too_many_arguments)]
    fn check_balance(
        &self,
        ledger: &Ledger,
        key: &str,
        account: &Account,
        read: &[Transaction],
        held: &[Mapped],
        chain: Decimal,
        dry_run: bool,
        now: DateTime<Utc>,
    ) -> Option<Decimal> {
        let attributes = &account.attributes;
        let ponto = attributes.current_balance?;
        let newest = read
            .iter()
            .filter_map(|t| t.attributes.execution_date)
            .max();
        let reference = attributes.current_balance_reference_date;
        if let (Some(reference), Some(newest)) = (reference, newest)
            && reference < newest
        {
            tracing::info!(account = %self.account.iban, "Ponto's balance predates the newest transaction; not compared this time");
            return None;
        }
        let ours = chain + held.iter().map(|m| m.mapped.signed_amount).sum::<Decimal>();
        let check = BalanceCheck {
            account_key: key.to_owned(),
            checked_at: now,
            chain_balance: ours,
            ponto_balance: ponto,
            ponto_reference_date: reference,
        };
        let difference = check.difference();
        if !difference.is_zero() {
            tracing::warn!(account = %self.account.iban, ours = %ours, ponto = %ponto, difference = %difference,
                "the balance chain differs from Ponto's current balance (not changed; see `ponto2camt status`)");
        }
        if !dry_run && let Err(e) = ledger.record_balance_check(&check) {
            tracing::warn!("cannot record the balance check: {e}");
        }
        Some(difference)
    }
}

/// A mapped new transaction with what the ledger keeps to notice later changes.
struct Mapped {
    mapped: MappedTransaction,
    /// Position in Ponto's list (0 = newest created).
    api_index: usize,
    summary: String,
}

/// The transactions of a read, sorted out.
struct Sorted {
    new: Vec<Mapped>,
    /// Booked today, held back until the day is over (daily grouping).
    held: Vec<Mapped>,
    /// Could not be mapped: left unexported (and so read again next time), reported.
    bad: Vec<String>,
}

fn sort_out(
    read: &[Transaction],
    known: &HashSet<String>,
    ctx: &AccountContext,
    start: NaiveDate,
    hold_today: bool,
    today: NaiveDate,
) -> Sorted {
    let mut sorted = Sorted {
        new: Vec::new(),
        held: Vec::new(),
        bad: Vec::new(),
    };
    let mut seen = HashSet::new();
    for (api_index, transaction) in read.iter().enumerate() {
        if converter::pending_resource(transaction) {
            continue;
        }
        if let Some(id) = transaction.id.as_deref()
            && (known.contains(id) || !seen.insert(id.to_owned()))
        {
            continue;
        }
        let mapped = match converter::map_transaction(transaction, ctx) {
            Ok(mapped) => mapped,
            Err(e) => {
                sorted.bad.push(e.to_string());
                continue;
            }
        };
        if mapped.booking_date < start {
            continue;
        }
        let item = Mapped {
            summary: summary(transaction),
            mapped,
            api_index,
        };
        if hold_today && item.mapped.booking_date >= today {
            sorted.held.push(item);
        } else {
            sorted.new.push(item);
        }
    }
    sorted
}

/// Statements to write, oldest first: one for everything (per-run) or one per day.
fn group_statements(mut new: Vec<Mapped>, daily: bool) -> Vec<Vec<Mapped>> {
    // Booking order; equal instants in Ponto's creation order (its list is newest first).
    new.sort_by(|a, b| {
        (
            a.mapped.booking_date,
            a.mapped.execution,
            std::cmp::Reverse(a.api_index),
        )
            .cmp(&(
                b.mapped.booking_date,
                b.mapped.execution,
                std::cmp::Reverse(b.api_index),
            ))
    });
    if !daily {
        return if new.is_empty() {
            Vec::new()
        } else {
            vec![new]
        };
    }
    let mut days: BTreeMap<NaiveDate, Vec<Mapped>> = BTreeMap::new();
    for item in new {
        days.entry(item.mapped.booking_date).or_default().push(item);
    }
    days.into_values().collect()
}

/// The very first statement's opening: Ponto's current balance minus every booked
/// transaction it includes that this run reads as new (exported now or held back).
fn first_opening(account: &Account, sorted: &Sorted) -> Result<Decimal, CliError> {
    let current = account.attributes.current_balance.ok_or_else(|| {
        CliError::new(
            ExitKind::Data,
            format!(
                "account {}: Ponto sent no currentBalance, so the first opening balance is unknown",
                account.attributes.reference.as_deref().unwrap_or("?")
            ),
        )
        .hinted("run again after Ponto's next synchronization (or with --sync-now)")
    })?;
    let included: Decimal = sorted
        .new
        .iter()
        .chain(&sorted.held)
        .map(|m| m.mapped.signed_amount)
        .sum();
    Ok(current - included)
}

fn render(
    id: &StatementId,
    created: chrono::DateTime<chrono::FixedOffset>,
    header: &camt053::StatementHeader,
    group: &[Mapped],
) -> Result<Vec<u8>, camt053::WriteError> {
    let mut writer =
        camt053::StatementWriter::start(Vec::new(), &converter::group_header(id, created), header)?;
    for item in group {
        writer.entry(&item.mapped.entry)?;
    }
    writer.finish(None)
}

/// `IBAN_CCY_SEQ_FIRST[_LAST].xml`: says what is inside and is never reused (the
/// sequence grows per account).
pub fn file_name(
    iban: &str,
    currency: &str,
    seq: u64,
    first: NaiveDate,
    last: NaiveDate,
) -> String {
    let period = if first == last {
        first.format("%Y-%m-%d").to_string()
    } else {
        format!("{}_{}", first.format("%Y-%m-%d"), last.format("%Y-%m-%d"))
    };
    format!("{iban}_{currency}_{seq:06}_{period}.xml")
}

fn local_midnight(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The attributes whose change after export a bookkeeper must hear about.
const WATCHED: &[&str] = &[
    "amount",
    "currency",
    "executionDate",
    "valueDate",
    "counterpartName",
    "counterpartReference",
    "remittanceInformation",
    "description",
];

fn summary(transaction: &Transaction) -> String {
    let attributes = serde_json::to_value(&transaction.attributes).unwrap_or_default();
    let watched: serde_json::Map<String, serde_json::Value> = WATCHED
        .iter()
        .filter_map(|k| attributes.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect();
    serde_json::Value::Object(watched).to_string()
}

/// Logs (and records) exported transactions that Ponto shows differently now. They are
/// never exported again: the ERP has them already.
fn note_changes(
    ledger: &Ledger,
    key: &str,
    read: &[Transaction],
    known: &HashSet<String>,
    now: DateTime<Utc>,
) {
    for transaction in read {
        let Some(id) = transaction.id.as_deref().filter(|id| known.contains(*id)) else {
            continue;
        };
        let Ok(Some(before)) = ledger.exported_summary(key, id) else {
            continue;
        };
        let after = summary(transaction);
        if before == after {
            continue;
        }
        let changes = describe_changes(&before, &after);
        tracing::warn!(account = key, transaction = id, changes = %changes,
            "Ponto changed a transaction after it was exported; it is not exported again");
        if let Err(e) = ledger.record_change(key, id, &changes, Some(&after), now) {
            tracing::warn!("cannot record the change: {e}");
        }
    }
}

fn describe_changes(before: &str, after: &str) -> String {
    let parse =
        |s: &str| serde_json::from_str::<HashMap<String, serde_json::Value>>(s).unwrap_or_default();
    let (before, after) = (parse(before), parse(after));
    WATCHED
        .iter()
        .filter_map(|k| {
            let (b, a) = (before.get(*k), after.get(*k));
            (b != a).then(|| {
                let show = |v: Option<&serde_json::Value>| {
                    v.map_or("(none)".to_owned(), |v| v.to_string())
                };
                format!("{k}: {} -> {}", show(b), show(a))
            })
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn bad_transactions(iban: &str, bad: &[String], report: &AccountReport) -> CliError {
    let mut error = CliError::new(
        ExitKind::Data,
        format!(
            "account {iban}: {} transaction(s) could not be converted and were held back ({} others were published): {}",
            bad.len(),
            report.transactions,
            bad.join("; ")
        ),
    );
    error = error.hinted("they stay unexported and are tried again on every run; the balance check shows their amount as a difference");
    error
}

fn record_run(
    ledger: &Ledger,
    key: &str,
    started: DateTime<Utc>,
    result: &Result<AccountReport, CliError>,
) {
    let (outcome, message, statements, transactions) = match result {
        Ok(r) => (
            RunOutcome::Ok,
            Some(format!(
                "{} statement(s), {} transaction(s)",
                r.files.len(),
                r.transactions
            )),
            r.files.len() as u64,
            r.transactions,
        ),
        Err(e) => (
            if e.kind == ExitKind::TempFail || e.kind == ExitKind::Unavailable {
                RunOutcome::Temporary
            } else {
                RunOutcome::Failed
            },
            Some(e.message.clone()),
            0,
            0,
        ),
    };
    let record = RunRecord {
        account_key: key.to_owned(),
        started_at: started,
        finished_at: crate::clock::now(),
        outcome,
        message,
        statements,
        transactions,
    };
    if let Err(e) = ledger.record_run(&record) {
        tracing::debug!("run not recorded: {e}");
    }
}

pub fn ledger_error(error: LedgerError) -> CliError {
    let kind = if error.is_temporary() {
        ExitKind::TempFail
    } else {
        ExitKind::Io
    };
    CliError::new(kind, error.to_string())
}

fn print_report(report: &FetchReport, dry_run: bool) {
    for file in &report.recovered {
        println!("{} (recovered)", file.display());
    }
    for account in &report.accounts {
        for file in &account.files {
            println!(
                "{}{}",
                file.display(),
                if dry_run {
                    " (dry run: not written)"
                } else {
                    ""
                }
            );
        }
    }
    let statements: usize = report.accounts.iter().map(|a| a.files.len()).sum();
    let transactions: u64 = report.accounts.iter().map(|a| a.transactions).sum();
    let held: u64 = report.accounts.iter().map(|a| a.held_for_today).sum();
    tracing::info!(
        accounts = report.accounts.len(),
        failed = report.failures.0.len(),
        statements,
        transactions,
        held_for_today = held,
        dry_run,
        "run finished"
    );
}

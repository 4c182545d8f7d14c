//! Conversion of bundles to camt.053 files (`ponto2camt convert`), offline and stateless.
//!
//! Per bundle, pass one ([`pass_one`]; threads that parse, map and render, count and
//! sort) reads each transaction once, renders its `<Ntry>` and hands it with its place
//! in booking order ([`order`]) to an external merge sort ([`sort`]): a bounded buffer,
//! sorted runs in an anonymous file, every byte written and read back sequentially — so
//! time and memory do not depend on the order of the bundle. Beside it, a second
//! external sort of small records by transaction id finds a transaction given twice
//! (delivered once) or an id given twice with different content (an error). Only
//! running totals per statement stay in memory. Pass two writes each statement's header
//! (whose balances and summary need the totals) and the merged entries behind it. A
//! bundle with any bad transaction writes nothing; the other bundles go on. Several
//! bundles are converted side by side (one per core), with the same files, messages and
//! exit code as one after the other ([`Turns`]).
//!
//! A statement's file name and id carry a digest of its content: the ids and contents
//! of its transactions (added up, so the bundle's order does not matter), the account
//! and bank as the bundle gives them, the time zone and the opening balance. The same
//! bundle gives the same names; different content never shares one.

pub mod bundle;
mod digest;
mod order;
mod pass_one;
mod sort;

use crate::ErrorKind;
use crate::config::Grouping;
use crate::publish::PendingFile;
use bundle::{BundleError, BundleTransaction};
use camt053::CreditDebit;
use chrono::Datelike;
use chrono::{DateTime, NaiveDate, Utc};
use converter::{AccountContext, ConvertError, MappedTransaction, StatementTotals};
use digest::Digest64;
use order::{Duplicates, EntryKey, Skipped};
use pass_one::{Collected, Tallies, read_and_sort};
use rust_decimal::Decimal;
use sort::Merge;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Memory for the rendered entries waiting to be sorted (the rest of a run's data is on
/// disk); the blocks that read the runs back share as much again.
const ENTRY_BUDGET: usize = 8 << 20;
/// Memory for the id records of the duplicate check (about 56 bytes a transaction).
const SIGHTING_BUDGET: usize = 2 << 20;

/// The sort buffers' sizes: with the `test-hooks` feature, `PONTO2CAMT_SORT_BUDGET`
/// (bytes, for both) makes them small, so that a small bundle goes through runs on disk.
fn sort_budgets() -> (usize, usize) {
    #[cfg(feature = "test-hooks")]
    if let Some(budget) = std::env::var("PONTO2CAMT_SORT_BUDGET")
        .ok()
        .and_then(|text| text.trim().parse().ok())
    {
        return (budget, budget);
    }
    (ENTRY_BUDGET, SIGHTING_BUDGET)
}

#[derive(Debug, Clone)]
pub struct ConvertOptions {
    pub out_dir: PathBuf,
    pub stdout: bool,
    /// One statement per bundle ([`Grouping::Batch`]), or one per booking day with the
    /// balances chained day to day.
    pub grouping: Grouping,
    pub time_zone: Option<String>,
    pub opening_balance: Option<Decimal>,
    pub force: bool,
    pub now: DateTime<Utc>,
}

/// What one bundle produced.
#[derive(Debug)]
pub struct Converted {
    pub bundle: PathBuf,
    pub files: Vec<PathBuf>,
    pub transactions: u64,
    pub skipped_pending: u64,
    /// Transactions given again (same id, same content): delivered once.
    pub skipped_duplicates: u64,
}

/// Converts every bundle; returns what was written and the failures (one per bad bundle),
/// both in the order of `bundles`. Bundles are converted side by side, as many at a time
/// as there are cores; what is written and reported is what converting them one after
/// the other would give (see [`Turns`]).
pub fn convert_all(
    bundles: &[PathBuf],
    options: &ConvertOptions,
) -> (Vec<Converted>, Vec<ConvertFailure>) {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(bundles.len())
        .max(1);
    let turns = Turns::new(bundles.len());
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(bundles.len()));
    let work = || {
        loop {
            // Bundles are taken in order: an earlier one is always in hand or done.
            let me = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = bundles.get(me) else { break };
            let turn = Turn { turns: &turns, me };
            let result = convert_bundle(path, options, &turn);
            drop(turn);
            lock(&results).push((me, result));
        }
    };
    std::thread::scope(|scope| {
        let work = &work;
        for n in 1..workers {
            // A worker that cannot be started only means fewer at a time.
            let _ = std::thread::Builder::new()
                .name(format!("convert-{n}"))
                .spawn_scoped(scope, work);
        }
        work();
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(me, _)| *me);
    let mut done = Vec::new();
    let mut failures = Vec::new();
    for (_, result) in results {
        match result {
            Ok(converted) => done.push(converted),
            Err(error) => failures.push(error),
        }
    }
    (done, failures)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where each bundle of one call is, so that bundles converted side by side write what
/// converting them one after the other would: a bundle writes only once every earlier
/// bundle knows its file names, and waits for an earlier one that writes a file of the
/// same name (the same statement, given twice) to finish — then finds it there, as it
/// would have. Output to standard output is written strictly in order. Waits only ever
/// go to earlier bundles, which are in hand or done: no deadlock.
struct Turns {
    stages: Mutex<Vec<Stage>>,
    changed: Condvar,
}

enum Stage {
    Reading,
    /// Pass one is over: these are the names it writes.
    Writing(Vec<String>),
    Done,
}

impl Turns {
    fn new(bundles: usize) -> Self {
        Turns {
            stages: Mutex::new((0..bundles).map(|_| Stage::Reading).collect()),
            changed: Condvar::new(),
        }
    }
}

/// One bundle's place among [`Turns`]; done when dropped (also on an error or a panic).
struct Turn<'a> {
    turns: &'a Turns,
    me: usize,
}

impl Turn<'_> {
    /// Waits until this bundle may write `names` (or to standard output, `alone`).
    fn wait(&self, names: &[String], alone: bool) {
        let mut stages = lock(&self.turns.stages);
        stages[self.me] = Stage::Writing(names.to_vec());
        self.turns.changed.notify_all();
        loop {
            let clear = stages[..self.me].iter().all(|stage| match stage {
                Stage::Reading => false,
                Stage::Done => true,
                Stage::Writing(theirs) => !alone && !theirs.iter().any(|n| names.contains(n)),
            });
            if clear {
                return;
            }
            stages = self
                .turns
                .changed
                .wait(stages)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        lock(&self.turns.stages)[self.me] = Stage::Done;
        self.turns.changed.notify_all();
    }
}

/// Why a bundle could not be converted; nothing was written for it.
#[derive(Debug, thiserror::Error)]
pub enum ConvertFailure {
    #[error("{0}; nothing was written for this bundle")]
    Bundle(#[from] BundleError),
    #[error("{}: {path}: {source}; nothing was written for this bundle", file.display())]
    Mapping {
        file: PathBuf,
        /// JSON path of the offending field inside the bundle.
        path: String,
        #[source]
        source: Box<ConvertError>,
    },
    #[error("{}: cannot write the output: {source}; nothing was written for this bundle", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The options cannot apply to this bundle (`--stdout` with several statements).
    #[error("{}: {problem}; nothing was written for this bundle", file.display())]
    Output { file: PathBuf, problem: String },
    /// An output file of that name exists (and replacing was not asked for).
    #[error("{} exists already; nothing was written for this bundle", .0.display())]
    Exists(PathBuf),
    #[error(
        "{}: transactions: no booked transaction; nothing was written (an ERP rejects a statement without entries)",
        .0.display()
    )]
    NoBookedTransaction(PathBuf),
    #[error(
        "{}: account.attributes.currentBalance: missing, so the opening balance is unknown; nothing was written",
        .0.display()
    )]
    NoOpeningBalance(PathBuf),
    /// One id, twice, with different content: which one is right cannot be told.
    #[error(
        "{}: transactions[{second}]: transaction {id} is also at {first}, with different content; nothing was written for this bundle",
        file.display()
    )]
    DuplicateTransaction {
        file: PathBuf,
        id: String,
        /// Where the id was first seen (a JSON path).
        first: String,
        second: u64,
    },
}

impl ConvertFailure {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConvertFailure::Bundle(BundleError::Io { .. })
            | ConvertFailure::Io { .. }
            | ConvertFailure::Exists(_) => ErrorKind::Io,
            ConvertFailure::Output { .. } => ErrorKind::Usage,
            _ => ErrorKind::Data,
        }
    }
}

/// One statement in the making.
#[derive(Default)]
struct Group {
    totals: StatementTotals,
    /// The sum of the transactions' shares ([`digest::IdKey::share`]): order-independent.
    digest: u64,
}

/// The statements of a bundle by booking day (one, keyed `None`, unless daily).
type Groups = BTreeMap<Option<NaiveDate>, Group>;

/// What a transaction adds to its statement.
struct Tally<'a> {
    day: NaiveDate,
    amount: Decimal,
    direction: CreditDebit,
    /// Names the transaction in an error.
    ponto_id: &'a str,
    /// Its share of the statement's digest ([`digest::IdKey::share`]).
    share: u64,
}

impl<'a> Tally<'a> {
    fn of(mapped: &'a MappedTransaction, share: u64) -> Self {
        Tally {
            day: mapped.booking_date,
            amount: mapped.entry.amount,
            direction: mapped.entry.direction,
            ponto_id: &mapped.ponto_id,
            share,
        }
    }
}

/// Counts a transaction into its statement.
fn tally(
    groups: &mut Groups,
    grouping: Grouping,
    path: &Path,
    counted: Tally,
) -> Result<(), ConvertFailure> {
    let day = match grouping {
        Grouping::Batch => None,
        Grouping::Daily => Some(counted.day),
    };
    let group = groups.entry(day).or_default();
    group
        .totals
        .add_entry(
            counted.amount,
            counted.direction,
            counted.day,
            counted.ponto_id,
        )
        .map_err(|source| ConvertFailure::Mapping {
            file: path.to_owned(),
            path: "transactions".into(),
            source: Box::new(source),
        })?;
    group.digest = group.digest.wrapping_add(counted.share);
    Ok(())
}

fn convert_bundle(
    path: &Path,
    options: &ConvertOptions,
    turn: &Turn,
) -> Result<Converted, ConvertFailure> {
    let (head, transactions) = bundle::open(path)?;
    let ctx = AccountContext::new(
        &head.account,
        head.institution.as_ref(),
        options.time_zone.as_deref(),
    )
    .map_err(|source| ConvertFailure::Mapping {
        file: path.to_owned(),
        path: account_path(&source),
        source: Box::new(source),
    })?;
    let io_failure = |source| ConvertFailure::Io {
        file: path.to_owned(),
        source,
    };
    let Collected {
        tallies:
            Tallies {
                mut groups,
                mut count,
                skipped_pending,
                places,
            },
        entries,
        sightings,
    } = read_and_sort(
        path,
        options.grouping,
        &ctx,
        transactions,
        &sort_dir(options),
    )?;
    let sightings = sightings.finish().map_err(io_failure)?;
    let skipped = match order::find_duplicates(sightings, places).map_err(io_failure)? {
        Duplicates::None => None,
        Duplicates::Clash { first, second } => {
            return Err(ConvertFailure::DuplicateTransaction {
                file: path.to_owned(),
                id: usize::try_from(second)
                    .ok()
                    .and_then(|second| bundle::id_at(path, second))
                    .unwrap_or_else(|| "(unknown)".into()),
                first: format!("transactions[{first}]"),
                second,
            });
        }
        Duplicates::Repeated(skipped) => {
            // Rare: the totals of pass one counted them twice.
            (groups, count) = recount(path, options.grouping, &ctx, &skipped)?;
            Some(skipped)
        }
    };
    if count == 0 {
        return Err(ConvertFailure::NoBookedTransaction(path.to_owned()));
    }
    let skipped_duplicates = skipped.as_ref().map_or(0, |s| s.count);
    if skipped_duplicates > 0 {
        tracing::warn!(bundle = %path.display(), skipped_duplicates, "transactions given more than once were converted once");
    }
    let opening = opening_balance(
        path,
        &ctx,
        options,
        head.account.attributes.current_balance,
        &groups,
    )?;
    let written = Written {
        path,
        options,
        ctx: &ctx,
        bundle_digest: bundle_digest(&head, &ctx),
    };
    let plans = written.plan(groups, opening)?;
    let entries = entries.finish().map_err(io_failure)?;
    let files = written.statements(plans, entries, skipped.as_ref(), turn)?;
    Ok(Converted {
        bundle: path.to_owned(),
        files,
        transactions: count,
        skipped_pending,
        skipped_duplicates,
    })
}

/// The statements again without the places to skip (transactions given twice): reads
/// and maps the bundle a second time, which only a bundle with duplicates costs.
fn recount(
    path: &Path,
    grouping: Grouping,
    ctx: &AccountContext,
    skipped: &Skipped,
) -> Result<(Groups, u64), ConvertFailure> {
    let (_, transactions) = bundle::open(path)?;
    let mut groups = Groups::new();
    let mut count = 0;
    transactions.for_each(|item: BundleTransaction| {
        if converter::pending_resource(&item.transaction) || skipped.contains(item.index as u64) {
            return Ok::<(), ConvertFailure>(());
        }
        let mapped = map_one(path, &item, ctx)?;
        let content = digest::content_digest(&item.transaction.attributes);
        let share = digest::IdKey::of(&mapped.ponto_id).share(content);
        tally(&mut groups, grouping, path, Tally::of(&mapped, share))?;
        count += 1;
        Ok(())
    })?;
    Ok((groups, count))
}

/// What a bundle adds to every statement's digest beside its transactions: the account
/// and bank as given (the statement's header) and the time zone (its booking days).
fn bundle_digest(head: &bundle::BundleHead, ctx: &AccountContext) -> u64 {
    let mut digest = Digest64::new();
    let account = serde_json::to_vec(&head.account.attributes).unwrap_or_default();
    digest.bytes(&account);
    if let Some(institution) = &head.institution {
        digest.bytes(&serde_json::to_vec(&institution.attributes).unwrap_or_default());
    }
    digest.bytes(ctx.time_zone.name().as_bytes()).finish()
}

fn map_one(
    path: &Path,
    item: &BundleTransaction,
    ctx: &AccountContext,
) -> Result<MappedTransaction, ConvertFailure> {
    converter::map_transaction(&item.transaction, ctx).map_err(|source| ConvertFailure::Mapping {
        file: path.to_owned(),
        path: match field_of(&source) {
            Some(field) => format!("transactions[{}].{field}", item.index),
            None => format!("transactions[{}]", item.index),
        },
        source: Box::new(source),
    })
}

/// The field a mapping error is about, as a JSON path inside its resource.
fn field_of(error: &ConvertError) -> Option<&str> {
    match error {
        ConvertError::MissingField { field, .. }
        | ConvertError::InvalidField { field, .. }
        | ConvertError::TooManyDecimals { field, .. }
        | ConvertError::UnknownCurrency { field, .. }
        | ConvertError::FieldTooLong { field, .. }
        | ConvertError::AmountOutOfRange { field, .. }
        | ConvertError::DateOutOfRange { field, .. } => Some(field),
        ConvertError::CurrencyMismatch { .. } => Some("attributes.currency"),
        ConvertError::UnknownTimeZone { .. }
        | ConvertError::InvalidStatementId { .. }
        | ConvertError::AmountOverflow { .. } => None,
    }
}

/// Where in the bundle an account-level problem is.
fn account_path(error: &ConvertError) -> String {
    match error {
        ConvertError::UnknownTimeZone { origin, .. } if origin.contains("institution") => {
            "financialInstitution.attributes.timeZone".into()
        }
        ConvertError::UnknownTimeZone { .. } => "--timezone".into(),
        other => match field_of(other) {
            Some(field) => format!("account.{field}"),
            None => "account".into(),
        },
    }
}

/// The first statement's opening: given, or Ponto's current balance minus everything
/// in the bundle (the bundle is taken to hold the newest transactions).
fn opening_balance(
    path: &Path,
    ctx: &AccountContext,
    options: &ConvertOptions,
    current: Option<Decimal>,
    groups: &Groups,
) -> Result<Decimal, ConvertFailure> {
    if let Some(given) = options.opening_balance {
        return Ok(given);
    }
    let Some(current) = current else {
        return Err(ConvertFailure::NoOpeningBalance(path.to_owned()));
    };
    let nets = groups.values().map(|g| g.totals.net());
    converter::opening_from_current(ctx, current, nets).map_err(|source| ConvertFailure::Mapping {
        file: path.to_owned(),
        path: "account.attributes.currentBalance".into(),
        source: Box::new(source),
    })
}

/// Pass two for one bundle: what every statement of it shares.
struct Written<'a> {
    path: &'a Path,
    options: &'a ConvertOptions,
    ctx: &'a AccountContext,
    /// See [`bundle_digest`].
    bundle_digest: u64,
}

impl Written<'_> {
    fn mapping_failure(&self, path: &str, source: ConvertError) -> ConvertFailure {
        ConvertFailure::Mapping {
            file: self.path.to_owned(),
            path: path.into(),
            source: Box::new(source),
        }
    }

    /// Every statement's header and file name, before anything is written.
    fn plan(&self, groups: Groups, mut opening: Decimal) -> Result<Vec<Plan>, ConvertFailure> {
        let (options, ctx) = (self.options, self.ctx);
        if options.stdout && groups.len() > 1 {
            return Err(ConvertFailure::Output {
                file: self.path.to_owned(),
                problem: format!(
                    "--stdout takes one statement, but this bundle makes {}",
                    groups.len()
                ),
            });
        }
        let created = options.now.with_timezone(&ctx.time_zone).fixed_offset();
        let mut plans = Vec::new();
        for (day, group) in groups {
            let id = self
                .content_id(&group, opening)
                .map_err(|source| self.mapping_failure("account", source))?;
            let header =
                converter::statement_header(ctx, id.clone(), None, created, opening, &group.totals)
                    .map_err(|source| self.mapping_failure("transactions", source))?;
            opening = header_closing(&header).unwrap_or(opening);
            plans.push(Plan {
                day: day.map(|day| day.num_days_from_ce()),
                entries: group.totals.count(),
                name: file_name(ctx, &group.totals, &id),
                document_header: converter::group_header(&id, created),
                header,
            });
        }
        Ok(plans)
    }

    /// Pass two: each statement with its entries from the merge, skipping the places of
    /// transactions given again.
    fn statements(
        &self,
        plans: Vec<Plan>,
        mut entries: Merge<EntryKey>,
        skipped: Option<&Skipped>,
        turn: &Turn,
    ) -> Result<Vec<PathBuf>, ConvertFailure> {
        let options = self.options;
        let names: Vec<String> = plans.iter().map(|plan| plan.name.clone()).collect();
        turn.wait(&names, options.stdout);
        let taken = (!options.stdout && !options.force)
            .then(|| {
                names
                    .iter()
                    .map(|name| options.out_dir.join(name))
                    .find(|target| target.exists())
            })
            .flatten();
        if let Some(taken) = taken {
            return Err(ConvertFailure::Exists(taken));
        }
        let mut source = Entries {
            merge: &mut entries,
            skipped,
        };
        let mut pending = Vec::new();
        for plan in &plans {
            if options.stdout {
                let stdout = io::stdout();
                let mut out = io::BufWriter::with_capacity(1 << 20, stdout.lock());
                write_one(&mut out, plan, &mut source)
                    .and_then(|_| out.flush())
                    .map_err(|source| ConvertFailure::Io {
                        file: PathBuf::from("<stdout>"),
                        source,
                    })?;
                continue;
            }
            let io_failure = |source| ConvertFailure::Io {
                file: options.out_dir.join(&plan.name),
                source,
            };
            let mut file =
                PendingFile::create(&options.out_dir, &plan.name, None).map_err(io_failure)?;
            let out = file.writer().map_err(io_failure)?;
            crate::offload::write_offloaded(out, |out| write_one(out, plan, &mut source))
                .map_err(io_failure)?;
            file.finish_content().map_err(io_failure)?;
            pending.push(file);
        }
        commit_all(pending, options.force)
    }

    /// `{tag}-{YYYYMMDD}-{8 hex}`: like [`converter::StatementId::for_content`], but from
    /// the digests kept while streaming (nothing per transaction is held for it), with
    /// the bundle's share and the opening balance.
    fn content_id(
        &self,
        group: &Group,
        opening: Decimal,
    ) -> Result<converter::StatementId, ConvertError> {
        let first = group.totals.first_day().unwrap_or_default();
        let digest = Digest64::new()
            .u64(self.bundle_digest)
            .u64(group.digest)
            .bytes(&opening.normalize().serialize())
            .finish();
        converter::StatementId::parse(&format!(
            "{}-{}-{:08X}",
            self.ctx.account_tag(),
            first.format("%Y%m%d"),
            digest >> 32
        ))
    }
}

/// All statements of the bundle are complete: only now do they get their names.
fn commit_all(pending: Vec<PendingFile>, force: bool) -> Result<Vec<PathBuf>, ConvertFailure> {
    let mut written = Vec::new();
    for file in pending {
        let target = file.target().to_owned();
        match file.commit(force) {
            Ok(path) => written.push(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(ConvertFailure::Exists(target));
            }
            Err(source) => {
                return Err(ConvertFailure::Io {
                    file: target,
                    source,
                });
            }
        }
    }
    Ok(written)
}

fn header_closing(header: &camt053::StatementHeader) -> Option<Decimal> {
    header
        .balances
        .iter()
        .find(|b| b.kind == camt053::BalanceType::ClosingBooked)
        .map(|b| b.amount)
}

/// One statement, planned before anything is written.
struct Plan {
    /// The booking day of a daily statement (days since the common era).
    day: Option<i32>,
    /// How many entries it has.
    entries: u64,
    name: String,
    document_header: camt053::GroupHeader,
    header: camt053::StatementHeader,
}

/// The merged entries of a bundle, transactions given again left out.
struct Entries<'a> {
    merge: &'a mut Merge<EntryKey>,
    skipped: Option<&'a Skipped>,
}

impl Entries<'_> {
    /// The next entry to write: its booking day and its bytes.
    fn next(&mut self) -> io::Result<Option<(i32, &[u8])>> {
        loop {
            let Some(key) = self.merge.next()? else {
                return Ok(None);
            };
            if self.skipped.is_some_and(|s| s.contains(key.index())) {
                continue;
            }
            return Ok(Some((key.day, self.merge.payload())));
        }
    }
}

fn write_one<W: Write>(out: W, plan: &Plan, entries: &mut Entries) -> io::Result<()> {
    let mut writer =
        camt053::writer::StatementWriter::start(out, &plan.document_header, &plan.header)
            .map_err(io::Error::other)?;
    for _ in 0..plan.entries {
        let Some((day, bytes)) = entries.next()? else {
            return Err(io::Error::other("fewer sorted entries than counted"));
        };
        if plan.day.is_some_and(|planned| planned != day) {
            return Err(io::Error::other(
                "a sorted entry on another day than counted",
            ));
        }
        writer.splice_entries(bytes).map_err(io::Error::other)?;
    }
    writer.finish(None).map_err(io::Error::other)?;
    Ok(())
}

/// `IBAN_CCY_FIRST[_LAST]_DIGEST.xml`: says what is inside, and two different
/// statements never share a name.
fn file_name(
    ctx: &AccountContext,
    totals: &StatementTotals,
    id: &converter::StatementId,
) -> String {
    let account = ctx
        .iban
        .clone()
        .or_else(|| ctx.other_id.clone())
        .unwrap_or_else(|| "account".into());
    let account: String = account
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let first = totals.first_day().unwrap_or_default();
    let last = totals.last_day().unwrap_or(first);
    let period = if first == last {
        first.format("%Y-%m-%d").to_string()
    } else {
        format!("{}_{}", first.format("%Y-%m-%d"), last.format("%Y-%m-%d"))
    };
    let digest = id.as_str().rsplit('-').next().unwrap_or_default();
    format!("{account}_{}_{period}_{digest}.xml", ctx.currency)
}

fn sort_dir(options: &ConvertOptions) -> PathBuf {
    if options.stdout {
        std::env::temp_dir()
    } else {
        options.out_dir.clone()
    }
}

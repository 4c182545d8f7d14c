//! Conversion of bundles to camt.053 files (`ponto2camt convert`), offline and stateless.
//!
//! Streaming in two passes per bundle. Pass one reads each transaction once, maps it,
//! writes its `<Ntry>` into an anonymous spool file and keeps only a 32-byte index record
//! and running totals. Pass two writes each statement's header (whose balances and
//! summary need the totals) and splices the spooled entries in booking order. A bundle
//! with any bad transaction writes nothing; the other bundles go on.

pub mod bundle;
mod spool;

use crate::ErrorKind;
use crate::config::Grouping;
use crate::publish::PendingFile;
use bundle::{BundleError, BundleTransaction};
use chrono::{DateTime, NaiveDate, Utc};
use converter::{AccountContext, ConvertError, MappedTransaction, StatementTotals};
use rust_decimal::Decimal;
use spool::{Spool, SpoolRecord};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

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
}

/// Converts every bundle; returns what was written and the failures (one per bad bundle).
pub fn convert_all(
    bundles: &[PathBuf],
    options: &ConvertOptions,
) -> (Vec<Converted>, Vec<ConvertFailure>) {
    let mut done = Vec::new();
    let mut failures = Vec::new();
    for path in bundles {
        match convert_bundle(path, options) {
            Ok(converted) => done.push(converted),
            Err(error) => failures.push(error),
        }
    }
    (done, failures)
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
    records: Vec<SpoolRecord>,
    /// Order-independent digest of the Ponto ids: the statement's content discriminator.
    digest: u64,
}

fn convert_bundle(path: &Path, options: &ConvertOptions) -> Result<Converted, ConvertFailure> {
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
    let mut spool = Spool::create(&spool_dir(options)).map_err(|source| ConvertFailure::Io {
        file: path.to_owned(),
        source,
    })?;
    let collected = read_and_spool(path, options.grouping, &ctx, transactions, &mut spool)?;
    if collected.count == 0 {
        return Err(ConvertFailure::NoBookedTransaction(path.to_owned()));
    }
    let opening = opening_balance(
        path,
        &ctx,
        options,
        head.account.attributes.current_balance,
        &collected.groups,
    )?;
    let files = write_statements(path, options, &ctx, &mut spool, collected.groups, opening)?;
    Ok(Converted {
        bundle: path.to_owned(),
        files,
        transactions: collected.count,
        skipped_pending: collected.skipped_pending,
    })
}

/// Transactions handed from one stage of pass one to the next at a time.
const BATCH: usize = 512;

/// Why a stage of pass one stopped early.
enum ReadStop {
    Failure(ConvertFailure),
    /// A later stage failed and hung up; its error is the one to report.
    NextGone,
}

impl From<BundleError> for ReadStop {
    fn from(error: BundleError) -> Self {
        ReadStop::Failure(error.into())
    }
}

impl From<ConvertFailure> for ReadStop {
    fn from(failure: ConvertFailure) -> Self {
        ReadStop::Failure(failure)
    }
}

/// A booked transaction mapped, or a pending one skipped.
enum Read {
    Mapped(Box<MappedTransaction>),
    Pending,
}

/// Pass one as a pipeline of three threads — scan and parse, map, render into the
/// spool — over bounded channels, so memory stays flat and the two cores share the
/// work whatever the balance of the stages.
fn read_and_spool(
    path: &Path,
    grouping: Grouping,
    ctx: &AccountContext,
    transactions: bundle::Transactions,
    spool: &mut Spool,
) -> Result<Collected, ConvertFailure> {
    let spawn_failure = |source| ConvertFailure::Io {
        file: path.to_owned(),
        source,
    };
    std::thread::scope(|scope| {
        let (parsed_tx, parsed_rx) = mpsc::sync_channel::<Vec<BundleTransaction>>(4);
        let (mapped_tx, mapped_rx) = mpsc::sync_channel::<Vec<Read>>(4);
        let parser = std::thread::Builder::new()
            .name("bundle-parse".into())
            .spawn_scoped(scope, move || {
                let mut batch = Batcher::new(parsed_tx);
                transactions.for_each(|item| batch.push(item))?;
                batch.finish()
            })
            .map_err(spawn_failure)?;
        let mapper = std::thread::Builder::new()
            .name("bundle-map".into())
            .spawn_scoped(scope, move || {
                let mut batch = Batcher::new(mapped_tx);
                for item in parsed_rx.iter().flatten() {
                    batch.push(read_one(path, &item, ctx)?)?;
                }
                batch.finish()
            })
            .map_err(spawn_failure)?;
        let mut collected = Collected::default();
        let spooled = mapped_rx
            .iter()
            .flatten()
            .try_for_each(|item| collected.add(path, grouping, spool, item));
        drop(mapped_rx);
        let join = |stage: std::thread::ScopedJoinHandle<'_, Result<(), ReadStop>>| {
            stage
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        let (mapped, parsed) = (join(mapper), join(parser));
        // Failures in file order: the mapper only saw what the parser had passed.
        for stage in [mapped, parsed] {
            if let Err(ReadStop::Failure(failure)) = stage {
                return Err(failure);
            }
        }
        spooled.map(|()| collected)
    })
}

/// Collects items into batches for the next stage (one channel message per batch).
struct Batcher<T> {
    batch: Vec<T>,
    next: mpsc::SyncSender<Vec<T>>,
}

impl<T> Batcher<T> {
    fn new(next: mpsc::SyncSender<Vec<T>>) -> Self {
        Batcher {
            batch: Vec::with_capacity(BATCH),
            next,
        }
    }

    fn push(&mut self, item: T) -> Result<(), ReadStop> {
        self.batch.push(item);
        if self.batch.len() == BATCH {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            self.next.send(full).map_err(|_| ReadStop::NextGone)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<(), ReadStop> {
        self.next.send(self.batch).map_err(|_| ReadStop::NextGone)
    }
}

fn read_one(
    path: &Path,
    item: &BundleTransaction,
    ctx: &AccountContext,
) -> Result<Read, ConvertFailure> {
    if converter::pending_resource(&item.transaction) {
        return Ok(Read::Pending);
    }
    Ok(Read::Mapped(Box::new(map_one(path, item, ctx)?)))
}

/// What pass one gathers: the statements in the making, and counts.
#[derive(Default)]
struct Collected {
    groups: BTreeMap<Option<NaiveDate>, Group>,
    count: u64,
    skipped_pending: u64,
}

impl Collected {
    fn add(
        &mut self,
        path: &Path,
        grouping: Grouping,
        spool: &mut Spool,
        item: Read,
    ) -> Result<(), ConvertFailure> {
        let mapped = match item {
            Read::Pending => {
                self.skipped_pending += 1;
                return Ok(());
            }
            Read::Mapped(mapped) => mapped,
        };
        let key = match grouping {
            Grouping::Batch => None,
            Grouping::Daily => Some(mapped.booking_date),
        };
        let record = spool.push(&mapped).map_err(|source| ConvertFailure::Io {
            file: path.to_owned(),
            source,
        })?;
        let group = self.groups.entry(key).or_default();
        group
            .totals
            .add(&mapped)
            .map_err(|source| ConvertFailure::Mapping {
                file: path.to_owned(),
                path: "transactions".into(),
                source: Box::new(source),
            })?;
        group.digest = group.digest.wrapping_add(id_hash(&mapped.ponto_id));
        group.records.push(record);
        self.count += 1;
        Ok(())
    }
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
    groups: &BTreeMap<Option<NaiveDate>, Group>,
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

fn write_statements(
    path: &Path,
    options: &ConvertOptions,
    ctx: &AccountContext,
    spool: &mut Spool,
    groups: BTreeMap<Option<NaiveDate>, Group>,
    mut opening: Decimal,
) -> Result<Vec<PathBuf>, ConvertFailure> {
    if options.stdout && groups.len() > 1 {
        return Err(ConvertFailure::Output {
            file: path.to_owned(),
            problem: format!(
                "--stdout takes one statement, but this bundle makes {}",
                groups.len()
            ),
        });
    }
    let created = options.now.with_timezone(&ctx.time_zone).fixed_offset();
    let mut pending = Vec::new();
    for (_, mut group) in groups {
        let id = content_id(ctx, &group).map_err(|source| ConvertFailure::Mapping {
            file: path.to_owned(),
            path: "account".into(),
            source: Box::new(source),
        })?;
        let header =
            converter::statement_header(ctx, id.clone(), None, created, opening, &group.totals)
                .map_err(|source| ConvertFailure::Mapping {
                    file: path.to_owned(),
                    path: "transactions".into(),
                    source: Box::new(source),
                })?;
        let document_header = converter::group_header(&id, created);
        opening = header_closing(&header).unwrap_or(opening);
        group.records.sort_unstable();
        if options.stdout {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            write_one(&mut out, &document_header, &header, spool, &group.records)
                .and_then(|_| out.flush())
                .map_err(|source| ConvertFailure::Io {
                    file: PathBuf::from("<stdout>"),
                    source,
                })?;
            continue;
        }
        let name = file_name(ctx, &group.totals, &id);
        if !options.force && options.out_dir.join(&name).exists() {
            return Err(ConvertFailure::Exists(options.out_dir.join(&name)));
        }
        let mut file =
            PendingFile::create(&options.out_dir, &name).map_err(|source| ConvertFailure::Io {
                file: options.out_dir.join(&name),
                source,
            })?;
        let io_failure = |source| ConvertFailure::Io {
            file: options.out_dir.join(&name),
            source,
        };
        let out = file.writer().map_err(io_failure)?;
        write_one(out, &document_header, &header, spool, &group.records).map_err(io_failure)?;
        file.finish_content().map_err(io_failure)?;
        pending.push(file);
    }
    // All statements of the bundle are complete: only now do they get their names.
    let mut written = Vec::new();
    for file in pending {
        let target = file.target().to_owned();
        match file.commit(options.force) {
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

/// `{tag}-{YYYYMMDD}-{8 hex}`: like [`converter::StatementId::for_content`], but from the
/// order-independent digest kept while streaming, so the ids need not be held in memory.
fn content_id(ctx: &AccountContext, group: &Group) -> Result<converter::StatementId, ConvertError> {
    let first = group.totals.first_day().unwrap_or_default();
    converter::StatementId::parse(&format!(
        "{}-{}-{:08X}",
        ctx.account_tag(),
        first.format("%Y%m%d"),
        group.digest >> 32
    ))
}

fn header_closing(header: &camt053::StatementHeader) -> Option<Decimal> {
    header
        .balances
        .iter()
        .find(|b| b.kind == camt053::BalanceType::ClosingBooked)
        .map(|b| b.amount)
}

fn write_one<W: Write>(
    out: W,
    group: &camt053::GroupHeader,
    header: &camt053::StatementHeader,
    spool: &mut Spool,
    records: &[SpoolRecord],
) -> io::Result<()> {
    let mut writer =
        camt053::writer::StatementWriter::start(out, group, header).map_err(io::Error::other)?;
    for record in records {
        let bytes = spool.read(record)?;
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

fn spool_dir(options: &ConvertOptions) -> PathBuf {
    if options.stdout {
        std::env::temp_dir()
    } else {
        options.out_dir.clone()
    }
}

/// FNV-1a 64 of a Ponto id: summed over a statement's ids it names the content whatever
/// the order of the bundle.
pub fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

//! Conversion of bundles to camt.053 files (`ponto2camt convert`), offline and stateless.
//!
//! Streaming in two passes per bundle. Pass one reads each transaction once, maps it,
//! writes its `<Ntry>` into an anonymous spool file and keeps only a 32-byte index record,
//! its id with a digest of its content (a transaction given twice is delivered once; an
//! id given twice with different content is an error) and running totals. Pass two
//! writes each statement's header (whose balances and summary need the totals) and
//! splices the spooled entries in booking order. A bundle with any bad transaction
//! writes nothing; the other bundles go on.
//!
//! A statement's file name and id carry a digest of its content: the ids and contents
//! of its transactions (added up, so the bundle's order does not matter), the account
//! and bank as the bundle gives them, the time zone and the opening balance. The same
//! bundle gives the same names; different content never shares one.

pub mod bundle;
mod digest;
mod spool;

use crate::ErrorKind;
use crate::config::Grouping;
use crate::publish::PendingFile;
use bundle::{BundleError, BundleTransaction};
use chrono::{DateTime, NaiveDate, Utc};
use converter::{AccountContext, ConvertError, MappedTransaction, StatementTotals};
use digest::{Digest64, IdKey, Seen, SeenIds};
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
    /// Transactions given again (same id, same content): delivered once.
    pub skipped_duplicates: u64,
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
    records: Vec<SpoolRecord>,
    /// The sum of the transactions' shares ([`digest::share`]): order-independent.
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
    let Collected {
        groups,
        count,
        skipped_pending,
        skipped_duplicates,
        seen,
    } = read_and_spool(path, options.grouping, &ctx, transactions, &mut spool)?;
    drop(seen);
    if count == 0 {
        return Err(ConvertFailure::NoBookedTransaction(path.to_owned()));
    }
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
    let files = written.statements(&mut spool, groups, opening)?;
    Ok(Converted {
        bundle: path.to_owned(),
        files,
        transactions: count,
        skipped_pending,
        skipped_duplicates,
    })
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
    Mapped(Box<MappedItem>),
    Pending,
}

/// A mapped transaction with its place in the bundle, its id as a key and the digest of
/// its content (worked out on the mapping thread, to spare the one writing the spool).
struct MappedItem {
    mapped: MappedTransaction,
    index: u64,
    id: IdKey,
    content: u64,
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
    let mapped = map_one(path, item, ctx)?;
    Ok(Read::Mapped(Box::new(MappedItem {
        id: IdKey::of(&mapped.ponto_id),
        mapped,
        index: item.index as u64,
        content: digest::content_digest(&item.transaction.attributes),
    })))
}

/// What pass one gathers: the statements in the making, the ids seen, and counts.
#[derive(Default)]
struct Collected {
    groups: BTreeMap<Option<NaiveDate>, Group>,
    count: u64,
    skipped_pending: u64,
    skipped_duplicates: u64,
    seen: SeenIds,
}

impl Collected {
    fn add(
        &mut self,
        path: &Path,
        grouping: Grouping,
        spool: &mut Spool,
        item: Read,
    ) -> Result<(), ConvertFailure> {
        let item = match item {
            Read::Pending => {
                self.skipped_pending += 1;
                return Ok(());
            }
            Read::Mapped(item) => item,
        };
        if !self.first_sighting(path, &item)? {
            return Ok(());
        }
        let mapped = &item.mapped;
        let day = match grouping {
            Grouping::Batch => None,
            Grouping::Daily => Some(mapped.booking_date),
        };
        let record = spool.push(mapped).map_err(|source| ConvertFailure::Io {
            file: path.to_owned(),
            source,
        })?;
        let group = self.groups.entry(day).or_default();
        group
            .totals
            .add(mapped)
            .map_err(|source| ConvertFailure::Mapping {
                file: path.to_owned(),
                path: "transactions".into(),
                source: Box::new(source),
            })?;
        group.digest = group.digest.wrapping_add(item.id.share(item.content));
        group.records.push(record);
        self.count += 1;
        Ok(())
    }

    /// Whether the transaction is new in the bundle: given again with the same content it
    /// is skipped (delivered once); with other content the bundle is refused.
    fn first_sighting(&mut self, path: &Path, item: &MappedItem) -> Result<bool, ConvertFailure> {
        match self.seen.see(&item.id, item.content) {
            Seen::First => Ok(true),
            Seen::Again => {
                self.skipped_duplicates += 1;
                Ok(false)
            }
            Seen::Different => {
                let key = converter::transaction_key(&item.mapped.ponto_id);
                let first = bundle::first_index_with_key(path, &key).map_or_else(
                    || "an earlier transaction".to_owned(),
                    |i| format!("transactions[{i}]"),
                );
                Err(ConvertFailure::DuplicateTransaction {
                    file: path.to_owned(),
                    id: item.mapped.ponto_id.clone(),
                    first,
                    second: item.index,
                })
            }
        }
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

    fn statements(
        &self,
        spool: &mut Spool,
        groups: BTreeMap<Option<NaiveDate>, Group>,
        mut opening: Decimal,
    ) -> Result<Vec<PathBuf>, ConvertFailure> {
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
        let mut pending = Vec::new();
        for (_, mut group) in groups {
            let id = self
                .content_id(&group, opening)
                .map_err(|source| self.mapping_failure("account", source))?;
            let header =
                converter::statement_header(ctx, id.clone(), None, created, opening, &group.totals)
                    .map_err(|source| self.mapping_failure("transactions", source))?;
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
            let io_failure = |source| ConvertFailure::Io {
                file: options.out_dir.join(&name),
                source,
            };
            let mut file =
                PendingFile::create(&options.out_dir, &name, None).map_err(io_failure)?;
            let out = file.writer().map_err(io_failure)?;
            write_one(out, &document_header, &header, spool, &group.records).map_err(io_failure)?;
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

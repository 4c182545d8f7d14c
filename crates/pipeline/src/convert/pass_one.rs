//! Pass one of a conversion: every transaction of a bundle read once, mapped, counted
//! into its statement and rendered, and its entry handed to the external sorts.

use super::bundle::{self, BundleError, BundleTransaction};
use super::order::{EntryKey, Sighting};
use super::sort::Sorter;
use super::{ConvertFailure, Groups, Tally, digest, lock, map_one, sort_budgets, tally};
use crate::config::Grouping;
use camt053::CreditDebit;
use chrono::NaiveDate;
use converter::AccountContext;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};

/// Transactions handed from one stage of pass one to the next at a time.
const BATCH: usize = 512;
/// Room for a batch's rendered entries (~800 bytes each), so that filling it does not
/// grow it step by step.
const BATCH_XML: usize = BATCH * 1024;

/// Threads that map and render, each a whole batch at a time. Mapping is the dearest
/// stage: with two, no stage waits for another on two cores, and on more the parsing
/// thread is the one that sets the pace.
const MAPPERS: usize = 2;
/// Rendered batches in all: being filled, on their way or waiting for their turn. A
/// mapper takes a buffer before it takes a batch, so the batch the counting waits for
/// always has one: the pool bounds memory without a deadlock. While the sorting thread
/// writes out a run (8 MB, tens of milliseconds when the system is slow to give pages)
/// the mappers go on into the pool: with a few buffers only, the whole pipeline stood
/// still for every run (pass one at 1M: 2.4-2.6 s against 2.4-3.0 s, ~10 MB more).
const POOL: usize = MAPPERS + 20;

/// Why the parsing stage stopped early.
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

/// Why the counting and sorting stopped early.
enum CountStop {
    /// A transaction could not be mapped, rendered or counted.
    Failure(ConvertFailure),
    /// A sort could not write its runs.
    Io(io::Error),
    /// A mapper is gone without its batch (it panicked).
    MapperGone,
}

/// Entries rendered by a mapper from one batch of parsed transactions, handed to the
/// counting and sorting thread: their XML one after the other in one buffer and their
/// ids likewise, so a batch costs no allocation once the pool's buffers have grown.
struct Rendered {
    /// The batch's place in the bundle: batches are counted in this order.
    seq: u64,
    xml: Vec<u8>,
    ids: String,
    entries: Vec<RenderedEntry>,
    /// Transactions of the batch, pending ones included.
    places: u64,
    pending: u64,
    /// What stopped the batch: the entries before it are complete.
    failure: Option<ConvertFailure>,
}

impl Rendered {
    /// Room for a batch of typical entries.
    fn for_a_batch() -> Self {
        Rendered {
            seq: 0,
            xml: Vec::with_capacity(BATCH_XML),
            ids: String::with_capacity(BATCH * 36),
            entries: Vec::with_capacity(BATCH),
            places: 0,
            pending: 0,
            failure: None,
        }
    }

    fn clear(&mut self) {
        self.xml.clear();
        self.ids.clear();
        self.entries.clear();
        self.places = 0;
        self.pending = 0;
        self.failure = None;
    }
}

struct RenderedEntry {
    key: EntryKey,
    /// Where its XML ends in [`Rendered::xml`] (it starts where the previous one ends).
    end: usize,
    /// The digest of its content, for the duplicate check.
    content: u64,
    /// What it adds to its statement (its id ends at `id_end` in [`Rendered::ids`]).
    day: NaiveDate,
    amount: Decimal,
    direction: CreditDebit,
    share: u64,
    id_end: usize,
}

/// What pass one counts: the statements in the making, and transactions.
#[derive(Default)]
pub(super) struct Tallies {
    pub(super) groups: Groups,
    pub(super) count: u64,
    pub(super) skipped_pending: u64,
    /// Transactions in the bundle, pending ones included.
    pub(super) places: u64,
}

/// Pass one as a pipeline over bounded channels — one thread scans and parses, two map
/// and render, this one counts and sorts — so memory stays flat and the cores share
/// the work. The mappers' batches are counted in bundle order: totals, and which error
/// is reported, are what one thread reading the bundle front to back would give. Each
/// transaction is dropped on the thread that parsed it, each entry's parts on the one
/// that mapped it: the allocator frees fastest on the thread that allocated. Sort runs
/// go to unnamed files in `dir`.
pub(super) fn read_and_sort(
    path: &Path,
    grouping: Grouping,
    ctx: &AccountContext,
    transactions: bundle::Transactions,
    dir: &Path,
) -> Result<Collected, ConvertFailure> {
    let io_failure = |source| ConvertFailure::Io {
        file: path.to_owned(),
        source,
    };
    std::thread::scope(|scope| {
        let (parsed_tx, parsed_rx) = mpsc::sync_channel::<Numbered>(4);
        let (read_tx, read_rx) = mpsc::channel::<Vec<Parsed>>();
        let (rendered_tx, rendered_rx) = mpsc::sync_channel::<Rendered>(POOL);
        let (spare_tx, spare_rx) = mpsc::channel::<Rendered>();
        for _ in 0..POOL {
            let _ = spare_tx.send(Rendered::for_a_batch());
        }
        let parser = std::thread::Builder::new()
            .name("bundle-parse".into())
            .spawn_scoped(scope, move || {
                let mut batch = Batcher::new(parsed_tx, read_rx);
                transactions.read_into(&mut batch)?;
                batch.finish()
            })
            .map_err(io_failure)?;
        let parsed_rx = Arc::new(Mutex::new(parsed_rx));
        let spare_rx = Arc::new(Mutex::new(spare_rx));
        let mappers = MapStage { path, ctx }
            .spawn(scope, &parsed_rx, &spare_rx, &rendered_tx, &read_tx)
            .map_err(io_failure)?;
        drop((parsed_rx, spare_rx, rendered_tx, read_tx));
        let mut counting = Counting {
            path,
            grouping,
            tallies: Tallies::default(),
            sorts: Sorts::new(dir),
        };
        let counted = counting.take_in_order(&rendered_rx, &spare_tx);
        drop((rendered_rx, spare_tx));
        for mapper in mappers {
            // A mapper's panic goes on in this thread.
            mapper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        let parsed = parser
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        first_failure(path, counted, parsed)?;
        Ok(Collected {
            tallies: counting.tallies,
            entries: counting.sorts.entries,
            sightings: counting.sorts.sightings,
        })
    })
}

/// The failure to report, in file order: the mappers only saw what the parser had
/// passed, and their batches were counted in order, so the counting's comes first.
fn first_failure(
    path: &Path,
    counted: Result<(), CountStop>,
    parsed: Result<(), ReadStop>,
) -> Result<(), ConvertFailure> {
    let io_failure = |source| ConvertFailure::Io {
        file: path.to_owned(),
        source,
    };
    match (counted, parsed) {
        (Err(CountStop::Failure(failure)), _) | (_, Err(ReadStop::Failure(failure))) => {
            Err(failure)
        }
        (Err(CountStop::Io(source)), _) => Err(io_failure(source)),
        (Err(CountStop::MapperGone), _) | (Ok(()), Err(ReadStop::NextGone)) => Err(io_failure(
            io::Error::other("the mapping stage stopped early"),
        )),
        (Ok(()), Ok(())) => Ok(()),
    }
}

/// A batch of parsed transactions and its place in the bundle.
type Numbered = (u64, Vec<Parsed>);

/// A receiver the mapping threads share.
type Shared<T> = Arc<Mutex<mpsc::Receiver<T>>>;

/// A transaction as parsed, with the digest of its content (worked out on the parsing
/// thread, which has less to do than the mapping ones).
struct Parsed {
    item: BundleTransaction,
    content: u64,
}

/// Collects items into numbered batches for the next stage (one channel message per
/// batch). Batches come back once read, and their items are filled again in place
/// (what is left at the end is dropped here): the allocator frees fastest on the
/// thread that allocated, and the items' and batches' buffers are used again.
struct Batcher<T> {
    /// Filled up to `filled`; past it, items of a batch come back, to be filled again.
    batch: Vec<T>,
    filled: usize,
    seq: u64,
    next: mpsc::SyncSender<(u64, Vec<T>)>,
    read: mpsc::Receiver<Vec<T>>,
}

impl<T> Batcher<T> {
    fn new(next: mpsc::SyncSender<(u64, Vec<T>)>, read: mpsc::Receiver<Vec<T>>) -> Self {
        Batcher {
            batch: Vec::with_capacity(BATCH),
            filled: 0,
            seq: 0,
            next,
            read,
        }
    }

    /// The item to fill next: a spent one, or `fresh()` when there is none.
    fn slot(&mut self, fresh: impl FnOnce() -> T) -> &mut T {
        if self.filled == self.batch.len() {
            self.batch.push(fresh());
        }
        let filled = self.filled;
        &mut self.batch[filled]
    }

    /// The item [`Self::slot`] gave is filled: the batch is sent on when full, and a
    /// batch come back (if one has) is the next to fill.
    fn filled(&mut self) -> Result<(), ReadStop> {
        self.filled += 1;
        if self.filled == BATCH {
            let back = self
                .read
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(BATCH));
            let full = std::mem::replace(&mut self.batch, back);
            self.filled = 0;
            self.send(full)?;
        }
        Ok(())
    }

    fn send(&mut self, batch: Vec<T>) -> Result<(), ReadStop> {
        self.next
            .send((self.seq, batch))
            .map_err(|_| ReadStop::NextGone)?;
        self.seq += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<(), ReadStop> {
        let mut last = std::mem::take(&mut self.batch);
        last.truncate(self.filled);
        self.send(last)
    }
}

/// The parser reads each transaction into a batch's slot, and its content digest is
/// worked out as it is filled.
impl bundle::Slots<ReadStop> for Batcher<Parsed> {
    fn next(&mut self) -> &mut BundleTransaction {
        let fresh = || Parsed {
            item: BundleTransaction::blank(),
            content: 0,
        };
        &mut self.slot(fresh).item
    }

    fn read(&mut self) -> Result<(), ReadStop> {
        if let Some(parsed) = self.batch.get_mut(self.filled) {
            parsed.content = digest::content_digest(&parsed.item.transaction.attributes);
        }
        self.filled()
    }
}

/// The [`Batcher`]'s batches: as sent, whichever items came back to be filled again.
#[cfg(test)]
mod batcher_tests {
    use super::*;

    /// Fills `count` items through a batcher whose batches all come back at once,
    /// and returns the batches sent.
    fn batches_of(count: usize) -> Vec<(u64, Vec<usize>)> {
        let (next_tx, next_rx) = mpsc::sync_channel(64);
        let (read_tx, read_rx) = mpsc::channel();
        let mut batcher = Batcher::new(next_tx, read_rx);
        let mut sent = Vec::new();
        for n in 0..count {
            *batcher.slot(|| usize::MAX) = n;
            assert!(batcher.filled().is_ok(), "sent");
            while let Ok((seq, batch)) = next_rx.try_recv() {
                sent.push((seq, batch.clone()));
                read_tx.send(batch).expect("back");
            }
        }
        assert!(batcher.finish().is_ok(), "sent");
        sent.extend(next_rx.try_iter());
        sent
    }

    #[test]
    fn items_are_sent_in_order_whatever_the_batches_held() {
        for count in [0, 1, BATCH - 1, BATCH, BATCH + 1, 3 * BATCH + 7] {
            let sent = batches_of(count);
            let seqs: Vec<u64> = sent.iter().map(|(seq, _)| *seq).collect();
            assert_eq!(seqs, (0..sent.len() as u64).collect::<Vec<_>>());
            let items: Vec<usize> = sent.into_iter().flat_map(|(_, batch)| batch).collect();
            assert_eq!(items, (0..count).collect::<Vec<_>>(), "{count} items");
        }
    }
}

/// The mapping stage: maps each transaction and renders its entry.
#[derive(Clone, Copy)]
struct MapStage<'a> {
    path: &'a Path,
    ctx: &'a AccountContext,
}

impl<'a> MapStage<'a> {
    /// Starts the mapping threads. One that cannot be started only means fewer at a
    /// time; none at all is an error. The receivers' clones go with the threads: once
    /// the last one is gone, the parser's next send fails and it stops.
    fn spawn<'scope>(
        self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        parsed: &Shared<Numbered>,
        spare: &Shared<Rendered>,
        next: &mpsc::SyncSender<Rendered>,
        read: &mpsc::Sender<Vec<Parsed>>,
    ) -> io::Result<Vec<std::thread::ScopedJoinHandle<'scope, ()>>>
    where
        'a: 'scope,
    {
        let mut mappers = Vec::with_capacity(MAPPERS);
        let mut last_error = None;
        for n in 0..MAPPERS {
            let (parsed, spare) = (Arc::clone(parsed), Arc::clone(spare));
            let (next, read) = (next.clone(), read.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("bundle-map-{n}"))
                .spawn_scoped(scope, move || {
                    self.map_batches(&parsed, &spare, &next, &read)
                });
            match spawned {
                Ok(mapper) => mappers.push(mapper),
                Err(error) => last_error = Some(error),
            }
        }
        match last_error {
            Some(error) if mappers.is_empty() => Err(error),
            _ => Ok(mappers),
        }
    }
}

impl MapStage<'_> {
    /// Maps batches until the parser is done or the counting has stopped.
    fn map_batches(
        self,
        parsed: &Mutex<mpsc::Receiver<Numbered>>,
        spare: &Mutex<mpsc::Receiver<Rendered>>,
        next: &mpsc::SyncSender<Rendered>,
        read: &mpsc::Sender<Vec<Parsed>>,
    ) {
        loop {
            // The buffer first: see [`POOL`].
            let Ok(mut out) = lock(spare).recv() else {
                return;
            };
            let Ok((seq, batch)) = lock(parsed).recv() else {
                return;
            };
            out.clear();
            out.seq = seq;
            for parsed in &batch {
                if let Err(failure) = self.take(parsed, &mut out) {
                    out.failure = Some(failure);
                    break;
                }
            }
            let failed = out.failure.is_some();
            // Dropped where they were made; if the parser is done, here.
            let _ = read.send(batch);
            if next.send(out).is_err() || failed {
                return;
            }
        }
    }

    fn take(self, parsed: &Parsed, out: &mut Rendered) -> Result<(), ConvertFailure> {
        let Parsed { item, content } = parsed;
        out.places += 1;
        if converter::pending_resource(&item.transaction) {
            out.pending += 1;
            return Ok(());
        }
        let mapped = map_one(self.path, item, self.ctx)?;
        let attributes = &item.transaction.attributes;
        let id = digest::IdKey::of(&mapped.ponto_id);
        let key = EntryKey::new(&mapped, attributes.created_at, id, item.index as u64);
        camt053::writer::write_entry_fragment(&mut out.xml, &mapped.entry).map_err(|source| {
            ConvertFailure::Io {
                file: self.path.to_owned(),
                source: io::Error::other(source),
            }
        })?;
        let share = key.id().share(*content);
        out.ids.push_str(&mapped.ponto_id);
        out.entries.push(RenderedEntry {
            key,
            end: out.xml.len(),
            content: *content,
            day: mapped.booking_date,
            amount: mapped.entry.amount,
            direction: mapped.entry.direction,
            share,
            id_end: out.ids.len(),
        });
        Ok(())
    }
}

/// The counting and sorting stage: takes the mappers' batches in bundle order.
struct Counting<'a> {
    path: &'a Path,
    grouping: Grouping,
    tallies: Tallies,
    sorts: Sorts,
}

impl Counting<'_> {
    /// Counts and sorts every batch in order, each buffer going back to the pool.
    fn take_in_order(
        &mut self,
        rendered: &mpsc::Receiver<Rendered>,
        spare: &mpsc::Sender<Rendered>,
    ) -> Result<(), CountStop> {
        let mut waiting = BTreeMap::new();
        let mut turn = 0;
        for batch in rendered.iter() {
            waiting.insert(batch.seq, batch);
            while let Some(mut batch) = waiting.remove(&turn) {
                turn += 1;
                self.take(&mut batch)?;
                // The mappers may be gone already; then the buffer is simply dropped.
                let _ = spare.send(batch);
            }
            if waiting.len() == POOL {
                // Every buffer is waiting for one that will never come.
                return Err(CountStop::MapperGone);
            }
        }
        if waiting.is_empty() {
            Ok(())
        } else {
            Err(CountStop::MapperGone)
        }
    }

    fn take(&mut self, batch: &mut Rendered) -> Result<(), CountStop> {
        self.tallies.places += batch.places;
        self.tallies.skipped_pending += batch.pending;
        let mut id_start = 0;
        for entry in &batch.entries {
            let ponto_id = batch.ids.get(id_start..entry.id_end).unwrap_or_default();
            id_start = entry.id_end;
            let counted = Tally {
                day: entry.day,
                amount: entry.amount,
                direction: entry.direction,
                ponto_id,
                share: entry.share,
            };
            tally(&mut self.tallies.groups, self.grouping, self.path, counted)
                .map_err(CountStop::Failure)?;
            self.tallies.count += 1;
        }
        self.sorts.take(batch).map_err(CountStop::Io)?;
        match batch.failure.take() {
            Some(failure) => Err(CountStop::Failure(failure)),
            None => Ok(()),
        }
    }
}

/// The sorting stage: the rendered entries in booking order, and the sightings of ids.
struct Sorts {
    entries: Sorter<EntryKey>,
    sightings: Sorter<Sighting>,
}

impl Sorts {
    fn new(dir: &Path) -> Self {
        let (entry_budget, sighting_budget) = sort_budgets();
        Sorts {
            entries: Sorter::new(dir, entry_budget),
            sightings: Sorter::new(dir, sighting_budget),
        }
    }

    /// Takes a batch's entries, leaving it empty to be filled again.
    fn take(&mut self, batch: &mut Rendered) -> io::Result<()> {
        for entry in &batch.entries {
            let sighting = Sighting {
                id: entry.key.id().clone(),
                index: entry.key.index(),
                content: entry.content,
            };
            self.sightings.push(sighting, |_| Ok(()))?;
        }
        match self.entries.adopt(std::mem::take(&mut batch.xml)) {
            Ok(chunk) => self.adopt_entries(batch, chunk),
            Err(xml) => {
                batch.xml = xml;
                self.copy_entries(batch)
            }
        }
    }

    /// The batch's entries sorted where they are, in the buffer the sorter adopted as
    /// `chunk`: one the sorter is done with takes its place in the batch.
    fn adopt_entries(&mut self, batch: &mut Rendered, chunk: u32) -> io::Result<()> {
        batch.xml = self
            .entries
            .spent_chunk()
            .unwrap_or_else(|| Vec::with_capacity(BATCH_XML));
        let mut start = 0;
        for entry in batch.entries.drain(..) {
            self.entries
                .push_adopted(entry.key, chunk, start..entry.end);
            start = entry.end;
        }
        self.entries.spill_if_full()
    }

    fn copy_entries(&mut self, batch: &mut Rendered) -> io::Result<()> {
        let mut start = 0;
        for entry in batch.entries.drain(..) {
            let xml = batch.xml.get(start..entry.end).unwrap_or_default();
            self.entries.push(entry.key, |out| {
                out.extend_from_slice(xml);
                Ok(())
            })?;
            start = entry.end;
        }
        batch.xml.clear();
        Ok(())
    }
}

/// What pass one gathers: the counts and the two sorts.
pub(super) struct Collected {
    pub(super) tallies: Tallies,
    pub(super) entries: Sorter<EntryKey>,
    pub(super) sightings: Sorter<Sighting>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed_batch(seq: u64, problem: &str) -> Rendered {
        let mut batch = Rendered::for_a_batch();
        batch.seq = seq;
        batch.places = 1;
        batch.failure = Some(ConvertFailure::Output {
            file: "bundle.json".into(),
            problem: problem.into(),
        });
        batch
    }

    fn counting(dir: &Path) -> Counting<'_> {
        Counting {
            path: Path::new("bundle.json"),
            grouping: Grouping::Batch,
            tallies: Tallies::default(),
            sorts: Sorts::new(dir),
        }
    }

    #[test]
    fn batches_are_counted_in_bundle_order_whichever_comes_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (rendered_tx, rendered_rx) = mpsc::sync_channel(POOL);
        let (spare_tx, _spare_rx) = mpsc::channel();
        for batch in [failed_batch(2, "third"), failed_batch(1, "second")] {
            rendered_tx.send(batch).expect("send");
        }
        let mut first = Rendered::for_a_batch();
        first.places = 5;
        first.pending = 5;
        rendered_tx.send(first).expect("send");
        drop(rendered_tx);
        let mut counting = counting(dir.path());
        match counting.take_in_order(&rendered_rx, &spare_tx) {
            Err(CountStop::Failure(ConvertFailure::Output { problem, .. })) => {
                assert_eq!(problem, "second");
            }
            _ => panic!("the second batch's failure"),
        }
        assert_eq!(counting.tallies.places, 6, "the first two batches, no more");
    }

    #[test]
    fn a_batch_that_never_comes_stops_the_counting() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (rendered_tx, rendered_rx) = mpsc::sync_channel(POOL);
        let (spare_tx, _spare_rx) = mpsc::channel();
        // Batch 0 is lost (its mapper panicked): all of the pool waits behind it.
        for seq in 1..=POOL as u64 {
            let mut batch = Rendered::for_a_batch();
            batch.seq = seq;
            rendered_tx.send(batch).expect("send");
        }
        let mut counting = counting(dir.path());
        assert!(matches!(
            counting.take_in_order(&rendered_rx, &spare_tx),
            Err(CountStop::MapperGone)
        ));
    }
}

//! Pass one of a conversion: every transaction of a bundle read once, mapped, counted
//! into its statement and rendered, and its entry handed to the external sorts.

use super::bundle::{self, BundleError, BundleTransaction};
use super::order::{EntryKey, Sighting};
use super::sort::Sorter;
use super::{ConvertFailure, Groups, digest, map_one, sort_budgets, tally};
use crate::config::Grouping;
use converter::AccountContext;
use std::io;
use std::path::Path;
use std::sync::mpsc;

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

/// Entries rendered by the mapping stage, handed to the sorting one a batch at a time:
/// their XML one after the other in one buffer, so a batch costs two allocations (and
/// the sorting stage hands its buffers back to be filled again).
struct Rendered {
    xml: Vec<u8>,
    entries: Vec<RenderedEntry>,
}

impl Rendered {
    /// Room for a batch of typical entries (~800 bytes each), so that filling it does
    /// not grow it step by step.
    fn for_a_batch() -> Self {
        Rendered {
            xml: Vec::with_capacity(BATCH * 1024),
            entries: Vec::with_capacity(BATCH),
        }
    }
}

struct RenderedEntry {
    key: EntryKey,
    /// Where its XML ends in [`Rendered::xml`] (it starts where the previous one ends).
    end: usize,
    /// The digest of its content, for the duplicate check.
    content: u64,
}

/// What the mapping stage counts: the statements in the making, and transactions.
#[derive(Default)]
pub(super) struct Tallies {
    pub(super) groups: Groups,
    pub(super) count: u64,
    pub(super) skipped_pending: u64,
    /// Transactions in the bundle, pending ones included.
    pub(super) places: u64,
}

/// Pass one as a pipeline of three threads — scan and parse; map, count and render;
/// sort — over bounded channels, so memory stays flat and the two cores share the
/// work. Each entry is mapped, rendered and dropped on one thread: the allocator frees
/// fastest on the thread that allocated. Sort runs go to unnamed files in `dir`.
pub(super) fn read_and_sort(
    path: &Path,
    grouping: Grouping,
    ctx: &AccountContext,
    transactions: bundle::Transactions,
    dir: &Path,
) -> Result<Collected, ConvertFailure> {
    let spawn_failure = |source| ConvertFailure::Io {
        file: path.to_owned(),
        source,
    };
    std::thread::scope(|scope| {
        let (parsed_tx, parsed_rx) = mpsc::sync_channel::<Vec<Parsed>>(4);
        let (read_tx, read_rx) = mpsc::channel::<Vec<Parsed>>();
        let (rendered_tx, rendered_rx) = mpsc::sync_channel::<Rendered>(4);
        let (spare_tx, spare_rx) = mpsc::channel::<Rendered>();
        let parser = std::thread::Builder::new()
            .name("bundle-parse".into())
            .spawn_scoped(scope, move || {
                let mut batch = Batcher::new(parsed_tx, read_rx);
                transactions.for_each(|item: BundleTransaction| {
                    let content = digest::content_digest(&item.transaction.attributes);
                    batch.push(Parsed { item, content })
                })?;
                batch.finish()
            })
            .map_err(spawn_failure)?;
        let mapper = std::thread::Builder::new()
            .name("bundle-map".into())
            .spawn_scoped(scope, move || {
                let mut stage = MapStage {
                    path,
                    grouping,
                    ctx,
                    tallies: Tallies::default(),
                    batch: Rendered::for_a_batch(),
                    next: rendered_tx,
                    spare: spare_rx,
                };
                for batch in parsed_rx.iter() {
                    for parsed in &batch {
                        stage.take(parsed)?;
                    }
                    // Dropped where they were made; if the parser is done, here.
                    let _ = read_tx.send(batch);
                }
                stage.finish()
            })
            .map_err(spawn_failure)?;
        let mut sorts = Sorts::new(dir);
        let sorted = rendered_rx.iter().try_for_each(|mut batch| {
            let result = sorts.take(&mut batch);
            // The mapper may be gone already; then the buffer is simply dropped.
            let _ = spare_tx.send(batch);
            result
        });
        drop(rendered_rx);
        let (mapped, parsed) = (joined(mapper), joined(parser));
        // Failures in file order: the mapper only saw what the parser had passed.
        let tallies = match (mapped, parsed) {
            (Err(ReadStop::Failure(failure)), _) | (_, Err(ReadStop::Failure(failure))) => {
                return Err(failure);
            }
            (Ok(tallies), _) => Some(tallies),
            (Err(ReadStop::NextGone), _) => None,
        };
        sorted.map_err(|source| ConvertFailure::Io {
            file: path.to_owned(),
            source,
        })?;
        let tallies = tallies.ok_or_else(|| ConvertFailure::Io {
            file: path.to_owned(),
            source: io::Error::other("the sorting stage stopped early"),
        })?;
        Ok(Collected {
            tallies,
            entries: sorts.entries,
            sightings: sorts.sightings,
        })
    })
}

/// A stage's result; its panic goes on in this thread.
fn joined<T>(stage: std::thread::ScopedJoinHandle<'_, Result<T, ReadStop>>) -> Result<T, ReadStop> {
    stage
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// A transaction as parsed, with the digest of its content (worked out on the parsing
/// thread, which has less to do than the mapping one).
struct Parsed {
    item: BundleTransaction,
    content: u64,
}

/// Collects items into batches for the next stage (one channel message per batch).
/// Batches come back once read and are dropped here: the allocator frees fastest on
/// the thread that allocated, and the batches' buffers are used again.
struct Batcher<T> {
    batch: Vec<T>,
    next: mpsc::SyncSender<Vec<T>>,
    read: mpsc::Receiver<Vec<T>>,
}

impl<T> Batcher<T> {
    fn new(next: mpsc::SyncSender<Vec<T>>, read: mpsc::Receiver<Vec<T>>) -> Self {
        Batcher {
            batch: Vec::with_capacity(BATCH),
            next,
            read,
        }
    }

    fn push(&mut self, item: T) -> Result<(), ReadStop> {
        self.batch.push(item);
        if self.batch.len() == BATCH {
            let mut empty = self
                .read
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(BATCH));
            empty.clear();
            let full = std::mem::replace(&mut self.batch, empty);
            self.next.send(full).map_err(|_| ReadStop::NextGone)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<(), ReadStop> {
        self.next.send(self.batch).map_err(|_| ReadStop::NextGone)
    }
}

/// The mapping stage: maps each transaction, counts it into its statement and renders
/// its entry.
struct MapStage<'a> {
    path: &'a Path,
    grouping: Grouping,
    ctx: &'a AccountContext,
    tallies: Tallies,
    batch: Rendered,
    next: mpsc::SyncSender<Rendered>,
    /// Batches the sorting stage is done with.
    spare: mpsc::Receiver<Rendered>,
}

impl MapStage<'_> {
    fn take(&mut self, parsed: &Parsed) -> Result<(), ReadStop> {
        let Parsed { item, content } = parsed;
        self.tallies.places += 1;
        if converter::pending_resource(&item.transaction) {
            self.tallies.skipped_pending += 1;
            return Ok(());
        }
        let path = self.path;
        let mapped = map_one(path, item, self.ctx)?;
        let attributes = &item.transaction.attributes;
        let content = *content;
        let id = digest::IdKey::of(&mapped.ponto_id);
        let key = EntryKey::new(&mapped, attributes.created_at, id, item.index as u64);
        camt053::writer::write_entry_fragment(&mut self.batch.xml, &mapped.entry).map_err(
            |source| ConvertFailure::Io {
                file: path.to_owned(),
                source: io::Error::other(source),
            },
        )?;
        let share = key.id().share(content);
        tally(
            &mut self.tallies.groups,
            self.grouping,
            path,
            &mapped,
            share,
        )?;
        self.tallies.count += 1;
        self.batch.entries.push(RenderedEntry {
            key,
            end: self.batch.xml.len(),
            content,
        });
        if self.batch.entries.len() == BATCH {
            let spare = self
                .spare
                .try_recv()
                .unwrap_or_else(|_| Rendered::for_a_batch());
            let full = std::mem::replace(&mut self.batch, spare);
            self.next.send(full).map_err(|_| ReadStop::NextGone)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Tallies, ReadStop> {
        self.next.send(self.batch).map_err(|_| ReadStop::NextGone)?;
        Ok(self.tallies)
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
        let mut start = 0;
        for entry in batch.entries.drain(..) {
            let sighting = Sighting {
                id: entry.key.id().clone(),
                index: entry.key.index(),
                content: entry.content,
            };
            self.sightings.push(sighting, |_| Ok(()))?;
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

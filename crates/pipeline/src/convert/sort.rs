//! An external merge sort, so that memory stays flat and every byte goes to and from the
//! disk sequentially, whatever order the records come in.
//!
//! Records (a key and an optional payload of bytes) are gathered in a buffer of bounded
//! size; a full buffer is sorted and appended as a sorted run to an anonymous temporary
//! file. [`Sorter::finish`] then merges the runs — and the last buffer, which never
//! touches the disk — in key order, reading each run front to back in large blocks.
//! A bundle that fits the buffer is never written to disk at all.
//!
//! Payloads are either copied into the sorter's own buffer ([`Sorter::push`]) or stay in
//! a chunk of bytes it adopts whole ([`Sorter::adopt`]): rendered entries come in
//! batches, and copying each into the buffer cost as much as writing the runs out.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A key that can be parked in a run and read back.
pub(super) trait Key: Ord + Clone + Sized {
    fn encode(&self, out: &mut Vec<u8>);
    /// `None` when the bytes are not a key (the run file was damaged).
    fn decode(bytes: &[u8]) -> Option<Self>;
    /// Memory the key holds besides its own size (counted against the budget).
    fn heap_size(&self) -> usize {
        0
    }
}

/// One record in the buffer: its key and where its payload is, in the arena or in an
/// adopted chunk.
struct Slot<K> {
    key: K,
    chunk: u32,
    at: usize,
    len: usize,
}

/// [`Slot::chunk`] of a payload in the sorter's own arena.
const ARENA: u32 = u32::MAX;

/// Where the payloads of the buffered records are.
#[derive(Default)]
struct Payloads {
    arena: Vec<u8>,
    chunks: Vec<Vec<u8>>,
}

impl Payloads {
    fn of<K>(&self, slot: &Slot<K>) -> &[u8] {
        let bytes = match slot.chunk {
            ARENA => &self.arena,
            chunk => self
                .chunks
                .get(chunk as usize)
                .map_or(&[][..], Vec::as_slice),
        };
        bytes.get(slot.at..slot.at + slot.len).unwrap_or_default()
    }
}

/// The smallest block a run is read in; the blocks share the budget.
const MIN_BLOCK: usize = 64 << 10;
const MAX_BLOCK: usize = 1 << 20;
/// Runs merged at once: with more, runs are first merged into longer ones, so that the
/// read blocks stay within the budget however large the input.
const MAX_RUNS: usize = 128;

pub(super) struct Sorter<K: Key> {
    dir: PathBuf,
    /// Bytes the buffer may hold before it is written out as a run.
    budget: usize,
    slots: Vec<Slot<K>>,
    payloads: Payloads,
    /// Adopted chunks whose records are written out, emptied, for the caller to reuse.
    spent: Vec<Vec<u8>>,
    held: usize,
    spill: Option<BufWriter<File>>,
    written: u64,
    /// Where each run is in the spill file.
    runs: Vec<(u64, u64)>,
    scratch: Vec<u8>,
    max_runs: usize,
}

impl<K: Key> Sorter<K> {
    /// A sorter whose runs go to an unnamed file in `dir` (created on the first run).
    pub(super) fn new(dir: &Path, budget: usize) -> Self {
        Sorter {
            dir: dir.to_owned(),
            budget,
            slots: Vec::new(),
            payloads: Payloads::default(),
            spent: Vec::new(),
            held: 0,
            spill: None,
            written: 0,
            runs: Vec::new(),
            scratch: Vec::new(),
            max_runs: MAX_RUNS,
        }
    }

    /// Adds a record whose payload `write` appends to the buffer it is given.
    pub(super) fn push(
        &mut self,
        key: K,
        write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
    ) -> io::Result<()> {
        let arena = &mut self.payloads.arena;
        if arena.capacity() == 0 {
            arena.reserve(self.budget.saturating_add(self.budget >> 4));
        }
        let at = arena.len();
        if let Err(error) = write(arena) {
            arena.truncate(at);
            return Err(error);
        }
        let len = arena.len() - at;
        self.hold(Slot {
            key,
            chunk: ARENA,
            at,
            len,
        });
        self.spill_if_full()
    }

    /// Takes `chunk` as it is, to hold the payloads of records pushed with
    /// [`Self::push_adopted`], and returns its number; or gives it back, for its
    /// records to be [`push`](Self::push)ed, when less than half of it is used. The
    /// budget counts payloads, not the room around them: adopted chunks at least half
    /// full hold at most twice the budget.
    pub(super) fn adopt(&mut self, chunk: Vec<u8>) -> Result<u32, Vec<u8>> {
        if chunk.is_empty() || chunk.len() < chunk.capacity() / 2 {
            return Err(chunk);
        }
        self.payloads.chunks.push(chunk);
        Ok((self.payloads.chunks.len() - 1) as u32)
    }

    /// Adds a record whose payload is `within` an adopted chunk. Never writes a run:
    /// the caller calls [`Self::spill_if_full`] once the chunk's records are pushed.
    pub(super) fn push_adopted(&mut self, key: K, chunk: u32, within: std::ops::Range<usize>) {
        self.hold(Slot {
            key,
            chunk,
            at: within.start,
            len: within.len(),
        });
    }

    fn hold(&mut self, slot: Slot<K>) {
        self.held += slot.len + std::mem::size_of::<Slot<K>>() + slot.key.heap_size();
        self.slots.push(slot);
    }

    /// Writes the buffer out as a run once it holds its budget.
    pub(super) fn spill_if_full(&mut self) -> io::Result<()> {
        if self.held >= self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// An adopted chunk that is written out, emptied (with its capacity), if there is one.
    pub(super) fn spent_chunk(&mut self) -> Option<Vec<u8>> {
        self.spent.pop()
    }

    /// Sorts the buffer and appends it to the spill file as one run.
    fn spill(&mut self) -> io::Result<()> {
        self.slots.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        let out = match &mut self.spill {
            Some(out) => out,
            None => self.spill.insert(BufWriter::with_capacity(
                MAX_BLOCK,
                tempfile::tempfile_in(&self.dir)?,
            )),
        };
        let start = self.written;
        for slot in self.slots.drain(..) {
            let payload = self.payloads.of(&slot);
            self.written += write_record(out, &mut self.scratch, &slot.key, payload)?;
        }
        self.runs.push((start, self.written));
        self.payloads.arena.clear();
        for mut chunk in self.payloads.chunks.drain(..) {
            chunk.clear();
            self.spent.push(chunk);
        }
        self.held = 0;
        Ok(())
    }

    /// Every record, in key order.
    pub(super) fn finish(mut self) -> io::Result<Merge<K>> {
        self.slots.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        let mut file = match self.spill.take() {
            Some(out) => Some(out.into_inner().map_err(|e| e.into_error())?),
            None => None,
        };
        while self.runs.len() > self.max_runs.max(2) {
            let Some(spill) = file.take() else { break };
            file = Some(self.merge_runs(spill)?);
        }
        let mut sources = self.run_sources(self.runs.len());
        sources.push(Source::Memory {
            slots: std::mem::take(&mut self.slots).into_iter(),
            current: Slot {
                key: (),
                chunk: ARENA,
                at: 0,
                len: 0,
            },
        });
        let mut merge = Merge {
            file,
            payloads: std::mem::take(&mut self.payloads),
            sources,
            heap: BinaryHeap::new(),
            current: None,
        };
        for source in 0..merge.sources.len() {
            merge.advance(source)?;
        }
        Ok(merge)
    }

    /// Readers for the first `count` runs (which leave the list), sharing the budget.
    fn run_sources(&mut self, count: usize) -> Vec<Source<K>> {
        let block = (self.budget / count.max(1)).clamp(MIN_BLOCK, MAX_BLOCK);
        self.runs
            .drain(..count)
            .map(|(start, end)| Source::Run(RunReader::new(start, end, block)))
            .collect()
    }

    /// Merges the first `max_runs` runs into one, appended to the spill file.
    fn merge_runs(&mut self, spill: File) -> io::Result<File> {
        let mut out = BufWriter::with_capacity(MAX_BLOCK, spill.try_clone()?);
        let sources = self.run_sources(self.max_runs.max(2));
        let mut merge = Merge {
            file: Some(spill),
            payloads: Payloads::default(),
            sources,
            heap: BinaryHeap::new(),
            current: None,
        };
        for source in 0..merge.sources.len() {
            merge.advance(source)?;
        }
        let start = self.written;
        while let Some(key) = merge.next()? {
            self.written += write_record(&mut out, &mut self.scratch, &key, merge.payload())?;
        }
        out.flush()?;
        self.runs.push((start, self.written));
        merge
            .file
            .take()
            .ok_or_else(|| io::Error::other("the spill file went missing"))
    }
}

/// Appends one record to a run: key length, payload length, key, payload. Returns its
/// size.
fn write_record<K: Key>(
    out: &mut impl Write,
    scratch: &mut Vec<u8>,
    key: &K,
    payload: &[u8],
) -> io::Result<u64> {
    scratch.clear();
    key.encode(scratch);
    let key_len = u32::try_from(scratch.len()).map_err(|_| too_large())?;
    let payload_len = u32::try_from(payload.len()).map_err(|_| too_large())?;
    out.write_all(&key_len.to_le_bytes())?;
    out.write_all(&payload_len.to_le_bytes())?;
    out.write_all(scratch)?;
    out.write_all(payload)?;
    Ok(8 + u64::from(key_len) + u64::from(payload_len))
}

fn too_large() -> io::Error {
    io::Error::other("a record too large to sort")
}

fn damaged() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the temporary sort file was damaged",
    )
}

/// The records of a [`Sorter`] in key order: [`Merge::next`] gives the next key, and
/// [`Merge::payload`] its payload until the following call.
pub(super) struct Merge<K: Key> {
    file: Option<File>,
    /// The payloads of the last buffer, which stayed in memory.
    payloads: Payloads,
    sources: Vec<Source<K>>,
    heap: BinaryHeap<Reverse<Head<K>>>,
    /// The source of the record last returned (advanced on the next call).
    current: Option<usize>,
}

/// The next record of one source, in the heap.
struct Head<K> {
    key: K,
    source: usize,
}

impl<K: Ord> PartialEq for Head<K> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl<K: Ord> Eq for Head<K> {}

impl<K: Ord> PartialOrd for Head<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord> Ord for Head<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.key, self.source).cmp(&(&other.key, other.source))
    }
}

enum Source<K> {
    Run(RunReader),
    Memory {
        slots: std::vec::IntoIter<Slot<K>>,
        /// Where the payload of the current record is.
        current: Slot<()>,
    },
}

impl<K: Key> Merge<K> {
    #[allow(clippy::should_implement_trait)]
    pub(super) fn next(&mut self) -> io::Result<Option<K>> {
        if let Some(source) = self.current.take() {
            // The last record stayed on top of the heap: its source's next record takes
            // its place there (one sift down instead of a pop and a push).
            match self.read(source)? {
                Some(key) => {
                    if let Some(mut top) = self.heap.peek_mut() {
                        top.0.key = key;
                    }
                }
                None => {
                    self.heap.pop();
                }
            }
        }
        let Some(Reverse(head)) = self.heap.peek() else {
            return Ok(None);
        };
        self.current = Some(head.source);
        Ok(Some(head.key.clone()))
    }

    /// The payload of the record [`Merge::next`] returned last.
    pub(super) fn payload(&self) -> &[u8] {
        match self.current.and_then(|source| self.sources.get(source)) {
            Some(Source::Run(run)) => run.payload(),
            Some(Source::Memory { current, .. }) => self.payloads.of(current),
            None => &[],
        }
    }

    /// Puts the first record of `source` into the heap, if it has one.
    fn advance(&mut self, source: usize) -> io::Result<()> {
        if let Some(key) = self.read(source)? {
            self.heap.push(Reverse(Head { key, source }));
        }
        Ok(())
    }

    /// The next record of `source` (its payload becomes the source's current one).
    fn read(&mut self, source: usize) -> io::Result<Option<K>> {
        Ok(match &mut self.sources[source] {
            Source::Run(run) => match &self.file {
                Some(file) => run.next(file)?,
                None => None,
            },
            Source::Memory { slots, current } => slots.next().map(|slot| {
                *current = Slot {
                    key: (),
                    chunk: slot.chunk,
                    at: slot.at,
                    len: slot.len,
                };
                slot.key
            }),
        })
    }
}

/// Read parts of the spill file are given back to the system this much at a time (in
/// tests a page, so that small runs are given back in several parts).
const RELEASE: u64 = if cfg!(test) { 4096 } else { 1 << 20 };

/// Reads one run front to back, a block at a time.
struct RunReader {
    /// The part of the spill file not read yet.
    next: u64,
    end: u64,
    /// Where the part read but not given back yet starts.
    kept: u64,
    buf: Vec<u8>,
    /// The buffered bytes not consumed yet: `buf[start..filled]`.
    start: usize,
    filled: usize,
    payload: std::ops::Range<usize>,
}

impl RunReader {
    fn new(start: u64, end: u64, block: usize) -> Self {
        RunReader {
            next: start,
            end,
            kept: start,
            buf: Vec::with_capacity(block),
            start: 0,
            filled: 0,
            payload: 0..0,
        }
    }

    fn payload(&self) -> &[u8] {
        &self.buf[self.payload.clone()]
    }

    fn next<K: Key>(&mut self, file: &File) -> io::Result<Option<K>> {
        self.start = self.payload.end.max(self.start);
        if self.start == self.filled && self.next == self.end {
            return Ok(None);
        }
        self.fill(file, 8)?;
        let word = |at: usize| {
            let mut bytes = [0u8; 4];
            bytes.copy_from_slice(&self.buf[at..at + 4]);
            u32::from_le_bytes(bytes) as usize
        };
        let (key_len, payload_len) = (word(self.start), word(self.start + 4));
        self.fill(file, 8 + key_len + payload_len)?;
        let key_at = self.start + 8;
        let key = K::decode(&self.buf[key_at..key_at + key_len]).ok_or_else(damaged)?;
        self.payload = key_at + key_len..key_at + key_len + payload_len;
        Ok(Some(key))
    }

    /// Makes sure `need` bytes are buffered from `start`, reading whole blocks.
    fn fill(&mut self, file: &File, need: usize) -> io::Result<()> {
        if self.filled - self.start >= need {
            return Ok(());
        }
        let block = self.buf.capacity().max(need);
        if self.buf.len() < block {
            self.buf.resize(block, 0);
        }
        if self.buf.len() - self.start < need || self.start > self.buf.len() / 2 {
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.payload = 0..0;
            self.start = 0;
        }
        while self.filled - self.start < need {
            let room = (self.buf.len() - self.filled) as u64;
            let want = room.min(self.end - self.next) as usize;
            if want == 0 {
                return Err(damaged());
            }
            let read = file.read_at(&mut self.buf[self.filled..self.filled + want], self.next)?;
            if read == 0 {
                return Err(damaged());
            }
            self.filled += read;
            self.next += read as u64;
        }
        self.release_read(file);
        Ok(())
    }

    /// Gives the pages of what was read back to the system, a megabyte at a time: the
    /// statement being written needs as many, and pages just freed cost less to take
    /// again than ones the system has not used for a while (on a virtual machine that
    /// reports free memory to its host, several times less).
    fn release_read(&mut self, file: &File) {
        if self.next - self.kept < RELEASE && self.next < self.end {
            return;
        }
        punch_hole(file, self.kept, self.next - self.kept);
        self.kept = self.next;
    }
}

/// Frees the pages of `len` bytes at `at` in `file`, which reads as zeros there
/// afterwards. Only an economy: where the file system cannot, nothing changes.
fn punch_hole(file: &File, at: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(at), Ok(len)) = (libc::off_t::try_from(at), libc::off_t::try_from(len)) else {
        return;
    };
    // SAFETY: `file` is open; fallocate only changes the file's contents in the range.
    unsafe {
        libc::fallocate(
            file.as_raw_fd(),
            libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
            at,
            len,
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Key for u64 {
        fn encode(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.to_le_bytes());
        }

        fn decode(bytes: &[u8]) -> Option<Self> {
            Some(u64::from_le_bytes(bytes.try_into().ok()?))
        }
    }

    fn sorted(keys: &[u64], budget: usize, max_runs: usize) -> Vec<(u64, Vec<u8>)> {
        let dir = tempfile::tempdir().expect("dir");
        let mut sorter = Sorter::new(dir.path(), budget);
        sorter.max_runs = max_runs;
        for &key in keys {
            sorter
                .push(key, |out| {
                    // Payloads of varying size, some larger than a read block.
                    let len = if key % 97 == 0 {
                        70_000
                    } else {
                        (key % 300) as usize
                    };
                    out.extend(std::iter::repeat_n((key % 251) as u8, len));
                    Ok(())
                })
                .expect("push");
        }
        let mut merge = sorter.finish().expect("finish");
        let mut all = Vec::new();
        while let Some(key) = merge.next().expect("next") {
            all.push((key, merge.payload().to_vec()));
        }
        all
    }

    /// `count` keys from a linear congruential generator started at `seed`: each is the
    /// state's bits from `shift` up.
    fn random_keys(seed: u64, count: usize, shift: u32) -> Vec<u64> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                state >> shift
            })
            .collect()
    }

    #[test]
    fn records_come_back_in_key_order_with_their_payloads_from_memory_and_runs() {
        let keys = random_keys(0x1234_5678, 20_000, 40);
        let mut expected = keys.clone();
        expected.sort_unstable();
        // In memory only, a few runs, many runs merged in one pass, and in several.
        for (budget, max_runs) in [(64 << 20, 2), (1 << 20, 128), (50_000, 128), (50_000, 3)] {
            let all = sorted(&keys, budget, max_runs);
            let got: Vec<u64> = all.iter().map(|(k, _)| *k).collect();
            assert_eq!(got, expected, "budget {budget}");
            for (key, payload) in &all {
                let len = if key % 97 == 0 {
                    70_000
                } else {
                    (key % 300) as usize
                };
                assert_eq!(payload.len(), len);
                assert!(payload.iter().all(|&b| b == (key % 251) as u8));
            }
        }
        assert!(sorted(&[], 10, 2).is_empty());
    }

    /// A chunk of payloads and its records: each key and where its payload is.
    type Chunk = (Vec<u8>, Vec<(u64, std::ops::Range<usize>)>);

    /// Keys with a payload of their own bytes, in chunks of `per_chunk` records.
    fn chunked(keys: &[u64], per_chunk: usize) -> Vec<Chunk> {
        keys.chunks(per_chunk.max(1))
            .map(|keys| {
                let mut bytes = Vec::with_capacity(keys.len() * 8);
                let records = keys
                    .iter()
                    .map(|&key| {
                        let start = bytes.len();
                        bytes.extend_from_slice(&key.to_be_bytes()[..(key % 9) as usize]);
                        (key, start..bytes.len())
                    })
                    .collect();
                bytes.shrink_to_fit();
                (bytes, records)
            })
            .collect()
    }

    #[test]
    fn adopted_chunks_and_copied_records_come_back_in_order_and_the_chunks_are_handed_back() {
        let keys = random_keys(0x9e37_79b9, 30_000, 32);
        let mut expected: Vec<(u64, Vec<u8>)> = keys
            .iter()
            .map(|&k| (k, k.to_be_bytes()[..(k % 9) as usize].to_vec()))
            .collect();
        expected.sort();
        for budget in [64 << 20, 20_000] {
            let dir = tempfile::tempdir().expect("dir");
            let mut sorter = Sorter::new(dir.path(), budget);
            let mut handed_back = 0;
            for (n, (bytes, records)) in chunked(&keys, 700).into_iter().enumerate() {
                if n % 3 == 2 {
                    // Every third chunk copied record by record, as a sparse batch is.
                    for (key, within) in records {
                        let payload = &bytes[within];
                        sorter
                            .push(key, |out| {
                                out.extend_from_slice(payload);
                                Ok(())
                            })
                            .expect("push");
                    }
                    continue;
                }
                let chunk = sorter.adopt(bytes).expect("a full chunk is adopted");
                for (key, within) in records {
                    sorter.push_adopted(key, chunk, within);
                }
                sorter.spill_if_full().expect("spill");
                while let Some(spent) = sorter.spent_chunk() {
                    assert!(
                        spent.is_empty() && spent.capacity() > 0,
                        "emptied, room kept"
                    );
                    handed_back += 1;
                }
            }
            assert_eq!(handed_back > 0, budget < 1 << 20, "budget {budget}");
            let mut sparse = Vec::with_capacity(100);
            sparse.extend_from_slice(&[1; 49]);
            assert!(
                sorter.adopt(sparse).is_err(),
                "less than half used: given back"
            );
            assert!(
                sorter.adopt(Vec::new()).is_err(),
                "nothing in it: given back"
            );
            let mut merge = sorter.finish().expect("finish");
            let mut all = Vec::new();
            while let Some(key) = merge.next().expect("next") {
                all.push((key, merge.payload().to_vec()));
            }
            assert!(all == expected, "budget {budget}");
        }
    }
}

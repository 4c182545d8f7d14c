//! The spool: rendered `<Ntry>` fragments parked in an anonymous temporary file between
//! the two passes of a conversion, so memory does not grow with the transaction count.

use chrono::Datelike;
use converter::MappedTransaction;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Where one entry is in the spool, and where it goes in its statement: ordered by
/// booking day, then execution instant, then the bundle's order reversed — Ponto lists
/// newest-created first, so that is creation order, and the spool is read in one sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolRecord {
    day: i32,
    at: i64,
    offset: u64,
    len: u32,
}

impl SpoolRecord {
    fn key(&self) -> (i32, i64, std::cmp::Reverse<u64>) {
        (self.day, self.at, std::cmp::Reverse(self.offset))
    }
}

impl Ord for SpoolRecord {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for SpoolRecord {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

pub struct Spool {
    out: BufWriter<File>,
    written: u64,
    /// A window of the spool kept in memory for reading: entries are mostly read in (or
    /// against) the order they were written, so one read serves many.
    window: Vec<u8>,
    window_at: u64,
    flushed: bool,
}

const WINDOW: usize = 4 << 20;

impl Spool {
    /// An unnamed file in `dir` (gone when dropped, even after a crash).
    pub fn create(dir: &Path) -> io::Result<Spool> {
        let file = tempfile::tempfile_in(dir)?;
        Ok(Spool {
            out: BufWriter::with_capacity(1 << 20, file),
            written: 0,
            window: Vec::new(),
            window_at: 0,
            flushed: false,
        })
    }

    pub fn push(&mut self, mapped: &MappedTransaction) -> io::Result<SpoolRecord> {
        let offset = self.written;
        let mut counter = CountingWriter {
            inner: &mut self.out,
            count: 0,
        };
        camt053::writer::write_entry_fragment(&mut counter, &mapped.entry)
            .map_err(io::Error::other)?;
        let len = counter.count;
        self.written += len;
        Ok(SpoolRecord {
            day: mapped.booking_date.num_days_from_ce(),
            at: mapped.execution.timestamp(),
            offset,
            len: u32::try_from(len).map_err(|_| io::Error::other("entry too large"))?,
        })
    }

    /// The bytes of one spooled entry.
    pub fn read(&mut self, record: &SpoolRecord) -> io::Result<&[u8]> {
        if !self.flushed {
            self.out.flush()?;
            self.flushed = true;
        }
        let len = record.len as usize;
        let inside = record.offset >= self.window_at
            && record.offset + len as u64 <= self.window_at + self.window.len() as u64;
        if !inside {
            self.load_window(record.offset, len)?;
        }
        let start = (record.offset - self.window_at) as usize;
        Ok(&self.window[start..start + len])
    }

    /// Loads a window holding `offset..offset+len`, reaching backwards when the reader
    /// is walking backwards (newest-first bundles read oldest-first).
    fn load_window(&mut self, offset: u64, len: usize) -> io::Result<()> {
        let size = WINDOW.max(len) as u64;
        let backwards = offset < self.window_at;
        let start = if backwards {
            (offset + len as u64).saturating_sub(size)
        } else {
            offset
        };
        let end = (start + size).min(self.written);
        self.window.resize((end - start) as usize, 0);
        self.out.get_ref().read_exact_at(&mut self.window, start)?;
        self.window_at = start;
        Ok(())
    }
}

struct CountingWriter<'a, W: Write> {
    inner: &'a mut W,
    count: u64,
}

impl<W: Write> Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

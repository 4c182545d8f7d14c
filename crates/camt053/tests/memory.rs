//! The memory the reader needs, counted by this test binary's allocator: the most bytes
//! allocated at once while reading, above what was allocated before. It grows with what
//! the returned document holds, not with the size or shape of the input. A single test
//! function, so that no other test allocates at the same time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, BufReader, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

use camt053::*;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; only sizes are
// counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size > layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`; returns its result and the most bytes allocated at once meanwhile (the
/// result included).
fn peak<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

const KB: usize = 1024;

fn nested(name: &str, depth: usize) -> String {
    format!(
        "{}{}",
        format!("<{name}>").repeat(depth),
        format!("</{name}>").repeat(depth)
    )
}

fn entry(junk: &str) -> String {
    format!(
        r#"<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>{junk}<BkTxCd><Prtry><Cd>X</Cd></Prtry></BkTxCd></Ntry>"#
    )
}

/// A camt.053 whose statement holds `entries` (the `Ntry` elements).
fn camt(entries: &str) -> String {
    format!(
        r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-02-01T06:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>BE68539007547034</IBAN></Id></Acct>
{entries}
</Stmt></BkToCstmrStmt></Document>"#
    )
}

/// Streams a camt.053 with one entry holding `blocks` blocks of unknown elements nested
/// `depth` deep; the input never exists whole.
struct Generated {
    parts: Vec<Vec<u8>>,
    block: Vec<u8>,
    blocks_left: usize,
    current: Vec<u8>,
    at: usize,
}

impl Generated {
    fn new(blocks: usize, depth: usize) -> Self {
        let xml = camt(&entry("JUNK"));
        let (head, tail) = xml.split_once("JUNK").unwrap();
        Generated {
            // Taken from the end.
            parts: vec![tail.as_bytes().to_vec(), head.as_bytes().to_vec()],
            block: nested("b", depth).into_bytes(),
            blocks_left: blocks,
            current: Vec::new(),
            at: 0,
        }
    }

    fn len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum::<usize>() + self.block.len() * self.blocks_left
    }
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.current.len() {
            self.at = 0;
            self.current.clear();
            if self.parts.len() == 2 {
                self.current.extend(self.parts.pop().unwrap_or_default());
            } else if self.blocks_left > 0 {
                self.blocks_left -= 1;
                self.current.extend_from_slice(&self.block);
            } else {
                self.current.extend(self.parts.pop().unwrap_or_default());
            }
        }
        let n = out.len().min(self.current.len() - self.at);
        out[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn reading_needs_memory_for_what_is_kept_only() {
    // 65,000 levels (455 KB): 9.2 GB before.
    let deep = format!("<Document>{}</Document>", nested("a", 65_000));
    let (result, bytes) = peak(|| read_document(deep.as_bytes()));
    assert!(matches!(result, Err(ReadError::TooDeep { .. })));
    assert!(bytes < 32 * KB, "65,000 deep: {bytes} bytes");

    // 139,000 elements in blocks 60 deep (2.6 MB; that many nested took 2.2 GB before).
    let blocks = format!(
        "<Document>{}</Document>",
        nested("abcdefg", 60).repeat(2_317)
    );
    let (_, bytes) = peak(|| read_document(blocks.as_bytes()));
    assert!(bytes < 32 * KB, "blocks 60 deep: {bytes} bytes");

    // The same shape inside an entry, which is kept until it ends (6 MB of this shape
    // took 660 MB before).
    let wide_deep = camt(&entry(&nested("b", 55).repeat(5_000)));
    let (result, bytes) = peak(|| read_document(wide_deep.as_bytes()));
    assert_eq!(result.unwrap().statements[0].entries.len(), 1);
    assert!(bytes < 32 * KB, "blocks in an entry: {bytes} bytes");

    // 200,000 siblings in an entry.
    let wide = camt(&entry(&"<a/>".repeat(200_000)));
    let (result, bytes) = peak(|| read_document(wide.as_bytes()));
    assert_eq!(result.unwrap().statements[0].entries.len(), 1);
    assert!(bytes < 32 * KB, "200,000 siblings: {bytes} bytes");

    // 8 MB streamed through a 64 KB buffer: the buffer is most of what is allocated.
    let stream = Generated::new(25_000, 50);
    assert!(stream.len() > 8_000_000);
    let (result, bytes) = peak(|| read_document(BufReader::with_capacity(64 * KB, stream)));
    assert_eq!(result.unwrap().statements[0].entries.len(), 1);
    assert!(bytes < 64 * KB + 32 * KB, "8 MB stream: {bytes} bytes");

    // What is kept costs the same whatever else surrounds it: 2,000 entries, then the
    // same entries among 2 MB of unknown elements.
    let plain = camt(&entry("").repeat(2_000));
    let (plain_doc, plain_bytes) = peak(|| read_document(plain.as_bytes()).unwrap());
    let junk = format!("{}<x>{}</x>", "<y/>".repeat(300), nested("z", 20));
    let padded = camt(&entry(&junk).repeat(2_000));
    assert!(padded.len() > plain.len() + 2_000_000);
    let (padded_doc, padded_bytes) = peak(|| read_document(padded.as_bytes()).unwrap());
    assert_eq!(plain_doc, padded_doc);
    assert!(
        padded_bytes <= plain_bytes + 4 * KB,
        "{plain_bytes} bytes for {} bytes, {padded_bytes} for {}",
        plain.len(),
        padded.len()
    );
}

//! Reading bundles: `{"account": …, "financialInstitution": …, "transactions": […]}`.
//!
//! A bundle can hold a million transactions, so it is never loaded whole: a small
//! structural scanner walks the top-level object in chunks, and each transaction is
//! parsed where it lies in the chunk (by [`quick`] in its common shape, else by serde).
//! A transaction that is cut by the chunk's end or wrong is scanned first, then parsed,
//! which words its error. Memory stays at one chunk plus one transaction.

mod quick;

use ponto::{Account, FinancialInstitution, Transaction};
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

const CHUNK: usize = 1 << 20;
/// The largest single value (a transaction, the account) a bundle may hold. Ponto's
/// transactions are a few kilobytes and every text field is refused past 64 KiB, so a
/// larger value is corrupt or hostile; it would otherwise all be held in memory.
const MAX_VALUE: usize = 16 << 20;

/// What is wrong with a bundle, always with the place it is wrong.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{file}: malformed JSON at line {line}, column {column}: {problem}")]
    Malformed {
        file: PathBuf,
        line: usize,
        column: usize,
        problem: String,
    },
    #[error("{file}: {path}: {problem}")]
    Invalid {
        file: PathBuf,
        /// JSON path, e.g. `transactions[17].attributes.amount`.
        path: String,
        problem: String,
    },
    #[error("{file}: {path}: missing")]
    Missing { file: PathBuf, path: String },
}

/// The head of a bundle: everything but the transactions.
#[derive(Debug, Clone)]
pub struct BundleHead {
    pub account: Account,
    pub institution: Option<FinancialInstitution>,
}

/// One transaction as read, with where it was in the file (for messages).
pub struct BundleTransaction {
    pub index: usize,
    pub transaction: Transaction,
}

/// Opens a bundle and reads its head; the transactions are then read with
/// [`Transactions::for_each`] (which may run on another thread).
pub fn open(path: &Path) -> Result<(BundleHead, Transactions), BundleError> {
    open_with(path, Reading::default())
}

/// The reader without its one-pass parse: each value scanned, then read by serde. What
/// [`open`] must agree with, transaction for transaction and message for message; the
/// `bundle` fuzz target compares them.
#[doc(hidden)]
pub fn open_reference(path: &Path) -> Result<(BundleHead, Transactions), BundleError> {
    open_with(
        path,
        Reading {
            chunk: CHUNK,
            one_pass: false,
        },
    )
}

/// How the scanner reads: tests shrink the chunk and switch the one-pass parse off to
/// compare it with the scan-then-parse path it shortcuts.
#[derive(Clone, Copy)]
struct Reading {
    chunk: usize,
    one_pass: bool,
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            chunk: CHUNK,
            one_pass: true,
        }
    }
}

fn open_with(path: &Path, reading: Reading) -> Result<(BundleHead, Transactions), BundleError> {
    let file = File::open(path).map_err(|source| BundleError::Io {
        file: path.to_owned(),
        source,
    })?;
    let mut scanner = Scanner::new(file, path.to_owned(), reading);
    let layout = scanner.read_head()?;
    let Some(array_start) = layout.transactions_at else {
        return Err(scanner.missing("transactions"));
    };
    if !layout.positioned {
        scanner.seek(array_start)?;
    }
    let head = BundleHead {
        account: layout.account,
        institution: layout.institution,
    };
    Ok((head, Transactions { scanner }))
}

/// The id of the transaction at `index`, as the bundle spells it. Reads the bundle
/// again: only an error message needs it, and keeping every id for that would cost
/// memory per transaction.
pub fn id_at(path: &Path, index: usize) -> Option<String> {
    /// Ends the walk: found, or the bundle cannot be read (the caller reports that).
    struct Stop;
    impl From<BundleError> for Stop {
        fn from(_: BundleError) -> Self {
            Stop
        }
    }
    let (_, transactions) = open(path).ok()?;
    let mut found = None;
    let _ = transactions.for_each(|item: BundleTransaction| {
        if item.index == index {
            found = item.transaction.id;
            return Err(Stop);
        }
        Ok(())
    });
    found
}

/// The transactions of an opened bundle, not read yet.
pub struct Transactions {
    scanner: Scanner,
}

impl Transactions {
    /// Streams every transaction to `each`, in file order. `each` may stop the walk by
    /// returning an error, which is passed through.
    pub fn for_each<E: From<BundleError>>(
        self,
        each: impl FnMut(BundleTransaction) -> Result<(), E>,
    ) -> Result<(), E> {
        self.read_into(&mut Each {
            slot: BundleTransaction::blank(),
            each,
        })
    }

    /// Reads every transaction, in file order, in place into the slots `slots` gives.
    pub(crate) fn read_into<E: From<BundleError>>(
        mut self,
        slots: &mut dyn Slots<E>,
    ) -> Result<(), E> {
        self.scanner.read_transactions(slots)
    }
}

/// Where [`Transactions::read_into`] reads transactions: into a slot that may hold any
/// transaction read before (its strings' room is used again instead of allocated
/// anew), with the same outcome as into a [`BundleTransaction::blank`] one.
pub(crate) trait Slots<E> {
    /// The slot for the next transaction.
    fn next(&mut self) -> &mut BundleTransaction;
    /// The slot [`Self::next`] gave is read. An error stops the reading, passed through.
    fn read(&mut self) -> Result<(), E>;
}

impl BundleTransaction {
    /// A slot with nothing read into it yet.
    pub(crate) fn blank() -> Self {
        BundleTransaction {
            index: 0,
            transaction: quick::empty(),
        }
    }
}

/// [`Transactions::for_each`]'s slot: each transaction read is handed to `each`.
struct Each<F> {
    slot: BundleTransaction,
    each: F,
}

impl<E, F: FnMut(BundleTransaction) -> Result<(), E>> Slots<E> for Each<F> {
    fn next(&mut self) -> &mut BundleTransaction {
        &mut self.slot
    }

    fn read(&mut self) -> Result<(), E> {
        (self.each)(std::mem::replace(
            &mut self.slot,
            BundleTransaction::blank(),
        ))
    }
}

struct Layout {
    account: Account,
    institution: Option<FinancialInstitution>,
    /// Byte offset of the `[` of the transactions array.
    transactions_at: Option<u64>,
    /// The scanner stands at that `[` already.
    positioned: bool,
}

struct Scanner {
    file: File,
    path: PathBuf,
    reading: Reading,
    buf: Vec<u8>,
    /// Read position inside `buf`.
    pos: usize,
    /// File offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// How many bytes to check as UTF-8 for the next transaction: see
    /// [`Self::parse_buffered_transaction`].
    window: usize,
    /// What the transactions read so far showed the quick parser.
    learnt: quick::Learnt,
}

impl Scanner {
    fn new(file: File, path: PathBuf, reading: Reading) -> Self {
        Scanner {
            file,
            path,
            reading,
            buf: Vec::with_capacity(reading.chunk),
            pos: 0,
            base: 0,
            eof: false,
            window: 4096,
            learnt: quick::Learnt::default(),
        }
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn seek(&mut self, offset: u64) -> Result<(), BundleError> {
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|e| self.io(e))?;
        self.buf.clear();
        self.pos = 0;
        self.base = offset;
        self.eof = false;
        Ok(())
    }

    /// Makes sure at least `n` bytes are buffered from `pos`; false at end of file.
    fn fill(&mut self, n: usize) -> Result<bool, BundleError> {
        while self.buf.len() - self.pos < n {
            if self.eof {
                return Ok(false);
            }
            if self.pos > 0 {
                self.buf.drain(..self.pos);
                self.base += self.pos as u64;
                self.pos = 0;
            }
            let old = self.buf.len();
            self.buf.reserve(self.reading.chunk);
            // Into the spare capacity: zeroing a chunk first cost as much as reading it.
            let read = (&mut self.file)
                .take(self.reading.chunk as u64)
                .read_to_end(&mut self.buf)
                .map_err(|e| BundleError::Io {
                    file: self.path.to_owned(),
                    source: e,
                });
            let read = match read {
                Ok(r) => r,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            };
            if read == 0 {
                self.eof = true;
            }
        }
        Ok(true)
    }

    fn peek_non_ws(&mut self) -> Result<Option<u8>, BundleError> {
        loop {
            if !self.fill(1)? {
                return Ok(None);
            }
            let b = self.buf[self.pos];
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                return Ok(Some(b));
            }
        }
    }

    fn expect(&mut self, want: u8, what: &str) -> Result<(), BundleError> {
        match self.peek_non_ws()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(self.malformed(format!("expected {what}, found {:?}", char::from(b)))),
            None => Err(self.malformed(format!("expected {what}, found end of file"))),
        }
    }

    /// Scans one JSON value starting at `pos` (after whitespace) and returns its length,
    /// keeping it buffered.
    fn scan_value(&mut self) -> Result<usize, BundleError> {
        if self.peek_non_ws()?.is_none() {
            return Err(self.malformed("expected a value, found end of file".into()));
        }
        let mut state = ValueScan::default();
        let mut scanned = 0usize;
        loop {
            if let Some(end) = state.step(&self.buf[self.pos + scanned..]) {
                return self.within_limit(scanned + end);
            }
            scanned = self.within_limit(self.buf.len() - self.pos)?;
            if !self.fill(scanned + 1)? {
                return state.at_eof(scanned).ok_or_else(|| {
                    self.malformed_at(scanned, "unexpected end of file inside a value".into())
                });
            }
        }
    }

    /// The length of a value starting at `pos`, refused past [`MAX_VALUE`].
    fn within_limit(&self, length: usize) -> Result<usize, BundleError> {
        if length > MAX_VALUE {
            return Err(self.malformed(format!(
                "a value larger than {} MiB (a bundle's values are a few kilobytes)",
                MAX_VALUE >> 20
            )));
        }
        Ok(length)
    }

    /// Like [`Self::scan_value`], but lets the bytes go as it passes them: for the
    /// transactions array when the head comes after it.
    fn skip_value(&mut self) -> Result<(), BundleError> {
        if self.peek_non_ws()?.is_none() {
            return Err(self.malformed("expected a value, found end of file".into()));
        }
        let mut state = ValueScan::default();
        loop {
            if let Some(end) = state.step(&self.buf[self.pos..]) {
                self.pos += end;
                return Ok(());
            }
            self.pos = self.buf.len();
            if !self.fill(1)? {
                return state
                    .at_eof(0)
                    .map(|_| ())
                    .ok_or_else(|| self.malformed("unexpected end of file inside a value".into()));
            }
        }
    }

    fn take_value(&mut self) -> Result<(u64, &[u8]), BundleError> {
        let len = self.scan_value()?;
        let start = self.pos;
        let at = self.offset();
        self.pos += len;
        Ok((at, &self.buf[start..start + len]))
    }

    fn parse_key(&mut self) -> Result<String, BundleError> {
        let (at, bytes) = self.take_value()?;
        let parsed = serde_json::from_slice::<String>(bytes);
        parsed.map_err(|e| self.malformed_at_offset(at, format!("expected a key: {e}")))
    }

    /// A UTF-8 byte order mark at the start (some Windows tools write one) is skipped.
    fn skip_bom(&mut self) -> Result<(), BundleError> {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        if self.offset() == 0 && self.fill(BOM.len())? && self.buf[self.pos..].starts_with(BOM) {
            self.pos += BOM.len();
        }
        Ok(())
    }

    fn read_head(&mut self) -> Result<Layout, BundleError> {
        self.skip_bom()?;
        self.expect(b'{', "'{' (a bundle is one JSON object)")?;
        let mut account = None;
        let mut institution = None;
        let mut transactions_at = None;
        let mut institution_seen = false;
        if self.peek_non_ws()? == Some(b'}') {
            return Err(self.missing("account"));
        }
        loop {
            let key = self.parse_key()?;
            self.expect(b':', "':'")?;
            self.peek_non_ws()?;
            match key.as_str() {
                "account" => account = Some(self.parse_value::<Account>("account")?),
                "financialInstitution" => {
                    institution =
                        self.parse_value::<Option<FinancialInstitution>>("financialInstitution")?;
                    institution_seen = true;
                }
                "transactions" => {
                    if self.peek_non_ws()? != Some(b'[') {
                        return Err(self.invalid("transactions", "must be an array".into()));
                    }
                    transactions_at = Some(self.offset());
                    if account.is_some() && institution_seen {
                        // The usual order: head first. Read on from here, no second pass.
                        return Ok(Layout {
                            account: account.ok_or_else(|| self.missing("account"))?,
                            institution,
                            transactions_at,
                            positioned: true,
                        });
                    }
                    self.skip_value()?;
                }
                // Not ours: skipped a chunk at a time, never held (whatever its size).
                _ => self.skip_value()?,
            }
            match self.peek_non_ws()? {
                Some(b',') => self.pos += 1,
                Some(b'}') => break,
                _ => return Err(self.malformed("expected ',' or '}' after a value".into())),
            }
        }
        let account = account.ok_or_else(|| self.missing("account"))?;
        Ok(Layout {
            account,
            institution,
            transactions_at,
            positioned: false,
        })
    }

    fn parse_value<T: DeserializeOwned>(&mut self, path: &str) -> Result<T, BundleError> {
        let file = self.path.to_owned();
        let (_, bytes) = self.take_value()?;
        deserialize_at(bytes, path).map_err(|(path, problem)| BundleError::Invalid {
            file,
            path,
            problem,
        })
    }

    fn read_transactions<E: From<BundleError>>(
        &mut self,
        slots: &mut dyn Slots<E>,
    ) -> Result<(), E> {
        self.expect(b'[', "'['").map_err(E::from)?;
        if self.peek_non_ws().map_err(E::from)? == Some(b']') {
            return Ok(());
        }
        for index in 0.. {
            // Read in place, where it is handed on: see `quick::transaction`.
            let item = slots.next();
            item.index = index;
            if !self
                .parse_buffered_transaction(&mut item.transaction)
                .map_err(E::from)?
            {
                item.transaction = self
                    .parse_transaction(index)
                    .map_err(E::from)?
                    .into_resource();
            }
            slots.read()?;
            match self.peek_non_ws().map_err(E::from)? {
                Some(b',') => self.pos += 1,
                Some(b']') => return Ok(()),
                _ => {
                    return Err(E::from(
                        self.malformed("expected ',' or ']' in the transactions array".into()),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The common case, parsed in one pass straight from the buffer (by [`quick`],
    /// else by serde) into `into` (which may hold a spent one, see
    /// [`quick::transaction`]): a transaction object that is
    /// whole in it and valid. False, `into` left in any state, for anything else (cut
    /// by the end of the buffer, or wrong in any way), which
    /// [`Self::parse_transaction`] then reads and explains. Whatever serde accepts
    /// here ends where the scanner would have ended it (a valid object's braces
    /// match), so both paths give the same transaction and stop at the same byte.
    ///
    /// Both read a `&str` checked as UTF-8 in one go: checking every string of a
    /// transaction apart (what serde does with bytes) cost more than parsing them.
    /// The check covers a window a little longer than the last transaction, grown
    /// while a transaction runs past it.
    fn parse_buffered_transaction(&mut self, into: &mut Transaction) -> Result<bool, BundleError> {
        if !self.reading.one_pass || self.peek_non_ws()? != Some(b'{') {
            return Ok(false);
        }
        let rest = &self.buf[self.pos..];
        let mut window = self.window.min(rest.len());
        loop {
            let (text, whole) = utf8_prefix(&rest[..window]);
            if let Some(length) = quick::transaction(text, into, &mut self.learnt) {
                self.advance_past_transaction(length);
                return Ok(true);
            }
            let mut stream =
                serde_json::Deserializer::from_str(text).into_iter::<LeanTransaction>();
            match stream.next() {
                Some(Ok(lean)) => {
                    *into = lean.into_resource();
                    self.advance_past_transaction(stream.byte_offset());
                    return Ok(true);
                }
                // What the quick parser left half read, it reads over next time.
                Some(Err(e)) if e.is_eof() && whole && window < rest.len() => {
                    window = window.saturating_mul(2).min(rest.len());
                }
                _ => return Ok(false),
            }
        }
    }

    fn advance_past_transaction(&mut self, length: usize) {
        self.pos += length;
        self.window = length + length / 4 + 64;
    }

    /// Scans the transaction's extent first, then parses it: the path that reads values
    /// of any size and words every error with its JSON path.
    fn parse_transaction(&mut self, index: usize) -> Result<LeanTransaction, BundleError> {
        let path = format!("transactions[{index}]");
        self.parse_value::<LeanTransaction>(&path)
            .map_err(|e| within(e, &path))
    }

    fn io(&self, source: io::Error) -> BundleError {
        BundleError::Io {
            file: self.path.to_owned(),
            source,
        }
    }

    fn missing(&self, path: &str) -> BundleError {
        BundleError::Missing {
            file: self.path.to_owned(),
            path: path.to_owned(),
        }
    }

    fn invalid(&self, path: &str, problem: String) -> BundleError {
        BundleError::Invalid {
            file: self.path.to_owned(),
            path: path.to_owned(),
            problem,
        }
    }

    fn malformed(&self, problem: String) -> BundleError {
        self.malformed_at_offset(self.offset(), problem)
    }

    fn malformed_at(&self, ahead: usize, problem: String) -> BundleError {
        self.malformed_at_offset(self.offset() + ahead as u64, problem)
    }

    fn malformed_at_offset(&self, offset: u64, problem: String) -> BundleError {
        let (line, column) = line_and_column(&self.path, offset).unwrap_or((0, 0));
        BundleError::Malformed {
            file: self.path.to_owned(),
            line,
            column,
            problem,
        }
    }
}

/// A transaction resource without its `relationships`, `meta` and `links`: conversion
/// never looks at them, and building them as JSON trees was a sixth of the work.
#[derive(serde::Deserialize)]
struct LeanTransaction {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    id: Option<String>,
    attributes: ponto::TransactionAttributes,
}

impl LeanTransaction {
    fn into_resource(self) -> Transaction {
        Transaction {
            kind: self.kind,
            id: self.id,
            attributes: self.attributes,
            relationships: None,
            meta: None,
            links: None,
        }
    }
}

/// Says which element a syntax error is in: positions alone are hard to use in a
/// million-line file.
fn within(error: BundleError, path: &str) -> BundleError {
    match error {
        BundleError::Malformed {
            file,
            line,
            column,
            problem,
        } => BundleError::Malformed {
            file,
            line,
            column,
            problem: format!("in {path}: {problem}"),
        },
        other => other,
    }
}

/// Deserializes one value; on failure returns the full JSON path (prefixed with `path`)
/// and what serde said, without serde's position (which is relative to the value).
fn deserialize_at<T: DeserializeOwned>(bytes: &[u8], path: &str) -> Result<T, (String, String)> {
    // The fast path; the path-tracking parse runs only to explain a failure.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.path().to_string();
        let full = if inner == "." || inner.is_empty() {
            path.to_owned()
        } else {
            format!("{path}.{inner}")
        };
        let mut problem = e.into_inner().to_string();
        if let Some(cut) = problem.find(" at line ") {
            problem.truncate(cut);
        }
        (full, problem)
    })
}

/// The longest valid UTF-8 start of `bytes`, and whether only the end of `bytes` (a
/// character cut in two, or none) stopped it rather than an invalid byte.
fn utf8_prefix(bytes: &[u8]) -> (&str, bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text, true),
        Err(e) => {
            let (valid, _) = bytes.split_at(e.valid_up_to());
            let text = std::str::from_utf8(valid).unwrap_or_default();
            (text, e.error_len().is_none())
        }
    }
}

/// Line and column (1-based) of a byte offset, found by reading the file again: only
/// ever done for an error message.
fn line_and_column(path: &Path, offset: u64) -> Option<(usize, usize)> {
    let mut file = File::open(path).ok()?;
    let mut line = 1;
    let mut column = 1;
    let mut remaining = offset;
    let mut chunk = vec![0u8; 64 * 1024];
    while remaining > 0 {
        let want = chunk.len().min(remaining as usize);
        let read = file.read(&mut chunk[..want]).ok()?;
        if read == 0 {
            break;
        }
        for &b in &chunk[..read] {
            if b == b'\n' {
                line += 1;
                column = 1;
            } else if b & 0xC0 != 0x80 {
                column += 1;
            }
        }
        remaining -= read as u64;
    }
    Some((line, column))
}

/// The state of a structural scan over one JSON value, resumable across chunks.
#[derive(Default)]
struct ValueScan {
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// Bytes of a top-level scalar seen so far.
    scalar: bool,
}

impl ValueScan {
    /// Advances over `bytes`; returns the offset just past the value's end if it ends here.
    fn step(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &b) in bytes.iter().enumerate() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' if self.depth == 0 => return Some(i),
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                b',' | b' ' | b'\t' | b'\n' | b'\r' if self.depth == 0 => return Some(i),
                _ if self.depth == 0 => self.scalar = true,
                _ => {}
            }
        }
        None
    }

    /// A top-level scalar may end with the file; anything else is cut off.
    fn at_eof(&self, scanned: usize) -> Option<usize> {
        (self.depth == 0 && !self.in_string && self.scalar).then_some(scanned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn transaction(n: usize, remittance: &str) -> serde_json::Value {
        serde_json::json!({
            "type": "transaction",
            "id": format!("6e1b2a4c-9f3d-4d2e-8a7b-{n:012}"),
            "attributes": {
                "amount": 1.25,
                "currency": "EUR",
                "executionDate": "2026-03-01T10:00:00.000Z",
                "remittanceInformation": remittance,
            }
        })
    }

    /// A transaction larger than any real one is refused where it starts, naming it,
    /// instead of being held in memory whole; the ones before it were read.
    #[test]
    fn a_value_larger_than_the_limit_is_refused_not_buffered() {
        let huge = "x".repeat(MAX_VALUE + 1);
        let bundle = serde_json::json!({
            "account": {"type": "account", "id": "a", "attributes": {"currency": "EUR"}},
            "transactions": [transaction(0, "ok"), transaction(1, &huge), transaction(2, "ok")],
        });
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&serde_json::to_vec(&bundle).expect("json"))
            .expect("write");
        let (_, rest) = open(file.path()).expect("head");
        let mut read = Vec::new();
        let result = rest.for_each(|item: BundleTransaction| {
            read.push(item.index);
            Ok::<(), BundleError>(())
        });
        assert_eq!(read, [0]);
        let error = result.expect_err("refused");
        let message = error.to_string();
        assert!(
            message.contains("in transactions[1]: a value larger than 16 MiB"),
            "{message}"
        );
    }

    /// A member the reader does not know is skipped a chunk at a time, however large:
    /// the limit is for the values it keeps.
    #[test]
    fn an_unknown_member_larger_than_the_limit_is_skipped() {
        let huge = "x".repeat(MAX_VALUE + 1);
        let bundle = serde_json::json!({
            "attachment": huge,
            "account": {"type": "account", "id": "a", "attributes": {"currency": "EUR"}},
            "transactions": [transaction(0, "ok"), transaction(1, "ok")],
        });
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&serde_json::to_vec(&bundle).expect("json"))
            .expect("write");
        let (_, rest) = open(file.path()).expect("head");
        let mut read = Vec::new();
        rest.for_each(|item: BundleTransaction| {
            read.push(item.index);
            Ok::<(), BundleError>(())
        })
        .expect("read");
        assert_eq!(read, [0, 1]);
    }

    /// A bundle several chunks long, with the account after the transactions (so the
    /// reader must come back to them) and one transaction larger than a whole chunk.
    #[test]
    fn a_bundle_larger_than_the_chunk_is_read_whole_and_in_order() {
        let long = "x".repeat(CHUNK + CHUNK / 2);
        let count = 12_000;
        let transactions: Vec<_> = (0..count)
            .map(|n| {
                if n == count / 2 {
                    transaction(n, &long)
                } else {
                    transaction(n, &format!("invoice {n} \"quoted\" {{brace}} [bracket]"))
                }
            })
            .collect();
        let bundle = serde_json::json!({
            "transactions": transactions,
            "account": {"type": "account", "id": "a", "attributes": {"currency": "EUR"}},
        });
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&serde_json::to_vec_pretty(&bundle).expect("json"))
            .expect("write");
        assert!(file.as_file().metadata().expect("size").len() > 3 * CHUNK as u64);

        let (head, rest) = open(file.path()).expect("head");
        assert_eq!(head.account.id.as_deref(), Some("a"));
        let mut seen = Vec::new();
        rest.for_each(|item: BundleTransaction| {
            let remittance = item.transaction.attributes.remittance_information.clone();
            seen.push((item.index, item.transaction.id.clone(), remittance));
            Ok::<(), BundleError>(())
        })
        .expect("transactions");
        assert_eq!(seen.len(), count);
        for (n, (index, id, remittance)) in seen.iter().enumerate() {
            assert_eq!(*index, n);
            assert_eq!(
                id.as_deref(),
                Some(format!("6e1b2a4c-9f3d-4d2e-8a7b-{n:012}").as_str())
            );
            let expected = if n == count / 2 {
                long.clone()
            } else {
                format!("invoice {n} \"quoted\" {{brace}} [bracket]")
            };
            assert_eq!(
                remittance.as_deref(),
                Some(expected.as_str()),
                "transaction {n}"
            );
        }
    }
}

/// The one-pass parse against the scan-then-parse path it shortcuts, and the fast
/// instants against chrono, on bundles and texts built to hit their edges.
#[cfg(test)]
mod differential {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    const KEYS: &[&str] = &[
        "type",
        "id",
        "attributes",
        "relationships",
        "meta",
        "other",
        "ty\\u0070e",
        "links",
        "",
    ];
    const ATTRIBUTE_KEYS: &[&str] = &[
        "amount",
        "currency",
        "valueDate",
        "executionDate",
        "createdAt",
        "updatedAt",
        "remittanceInformation",
        "counterpartName",
        "fee",
        "digest",
        "amo\\u0075nt",
        "unknownAttribute",
        "description",
        "endToEndId",
        "cardReferenceType",
        "remittanceInformationType",
        "counterpartReference",
        "bankTransactionCode",
        "proprietaryBankTransactionCode",
        "purposeCode",
        "mandateId",
        "creditorId",
        "additionalInformation",
        "internalReference",
        "cardReference",
        "tab\there",
    ];
    const VALUES: &[&str] = &[
        "\"EUR\"",
        "null",
        "1.25",
        "-0.5e3",
        "\"12.10\"",
        "true",
        "[]",
        "{\"a\":[1,2,{\"b\":null}],\"c\":\"}\"}",
        "\"2024-01-25T19:33:18.000Z\"",
        "\"2024-01-25T19:33:18+00:00\"",
        "\"2024-02-30T00:00:00Z\"",
        "\"2024-01-25 19:33:18Z\"",
        "\"2024-01-25T19:33:60Z\"",
        "\"quote \\\" and \\\\ and {[\"",
        "\"\u{e9}t\u{e9} \\u00e9\"",
        "\"transaction\"",
        "\"x\\u0041\\/y\"",
        "\"tab\there\"",
        "\"\"",
        "\"  12.5 \"",
        "01",
        "1.",
        "-",
        ".5",
        "1e5",
        "1E+2",
        "-0",
        "1.5e-3",
        "1e",
        "nul",
        "nullx",
        "79228162514264337593543950336",
        "{\"account\":{\"data\":{\"type\":\"account\",\"id\":\"x\"}}}",
    ];

    /// A bundle text: fields picked from the lists above (so keys repeat, types are
    /// wrong, dates odd), the head before or after the transactions.
    fn bundle_text() -> impl Strategy<Value = String> {
        let value = prop_oneof![
            8 => (0..VALUES.len()).prop_map(|v| VALUES[v].to_owned()),
            1 => (0usize..140).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
            1 => (0usize..300).prop_map(|length| format!("\"{}\"", "y".repeat(length))),
        ];
        let space = prop::sample::select(vec!["", " ", "\n\t", "\r\n "]);
        let attribute = (0..ATTRIBUTE_KEYS.len(), value, space)
            .prop_map(|(k, v, w)| format!("{w}\"{}\"{w}:{w}{v}{w}", ATTRIBUTE_KEYS[k]));
        let attributes = prop::collection::vec(attribute, 0..6)
            .prop_map(|fields| format!("{{{}}}", fields.join(",")));
        let field = prop_oneof![
            3 => attributes.prop_map(|a| format!("\"attributes\":{a}")),
            2 => (0..KEYS.len(), 0..VALUES.len())
                .prop_map(|(k, v)| format!("\"{}\":{}", KEYS[k], VALUES[v])),
        ];
        let transaction = prop_oneof![
            6 => well_formed_transaction(),
            4 => prop::collection::vec(field, 0..5)
                .prop_map(|fields| format!("{{ {} }}", fields.join(" , "))),
            1 => (0..VALUES.len()).prop_map(|v| VALUES[v].to_owned()),
        ];
        (prop::collection::vec(transaction, 0..12), any::<bool>()).prop_map(
            |(transactions, head_first)| {
                let head = "\"account\":{\"attributes\":{\"currency\":\"EUR\"}},\
                            \"financialInstitution\":null";
                let array = format!("\"transactions\":[\n{}\n]", transactions.join(",\n"));
                if head_first {
                    format!("{{{head},{array}}}")
                } else {
                    format!("{{{array},{head}}}")
                }
            },
        )
    }

    /// A transaction as Ponto writes them, each value of its field's type (mostly
    /// valid, sometimes escaped, odd or null), keys in any order.
    fn well_formed_transaction() -> impl Strategy<Value = String> {
        let text = prop::sample::select(vec![
            "\"EUR\"",
            "null",
            "\"Factuur 2024678 / klant 8909\"",
            "\"\u{e9}t\u{e9} \u{1F600}\"",
            "\"esc\\\"aped\"",
            "\"\"",
            "5",
        ]);
        let number = prop::sample::select(vec![
            "1033.43",
            "-12.50",
            "0",
            "-0.5e3",
            "\"12.10\"",
            "null",
            "1e400",
            "\"x\"",
            "[1]",
        ]);
        let instant = prop::sample::select(vec![
            "\"2024-01-25T00:00:00.000Z\"",
            "\"2024-01-25T19:33:18+00:00\"",
            "\"2024-01-25T19:33:18.5Z\"",
            "\"2024-01-25T19:33:18+01:00\"",
            "\"2024-02-30T00:00:00Z\"",
            "null",
            "7",
        ]);
        let text_keys = [
            "currency",
            "description",
            "remittanceInformation",
            "remittanceInformationType",
            "counterpartName",
            "counterpartReference",
            "bankTransactionCode",
            "proprietaryBankTransactionCode",
            "endToEndId",
            "purposeCode",
            "mandateId",
            "creditorId",
            "additionalInformation",
            "internalReference",
            "digest",
            "cardReference",
            "cardReferenceType",
        ];
        let field = prop_oneof![
            4 => (prop::sample::select(text_keys.to_vec()), text)
                .prop_map(|(k, v)| format!("\"{k}\":{v}")),
            1 => (prop::sample::select(vec!["amount", "fee"]), number)
                .prop_map(|(k, v)| format!("\"{k}\":{v}")),
            2 => (prop::sample::select(vec!["valueDate", "executionDate", "createdAt", "updatedAt"]), instant)
                .prop_map(|(k, v)| format!("\"{k}\":{v}")),
        ];
        let relationships = prop::sample::select(vec![
            "",
            ",\"relationships\":{\"account\":{\"data\":{\"type\":\"account\",\"id\":\"x\"}}}",
            ",\"meta\":[[[[[[[[[[{\"deep\":null}]]]]]]]]]]",
            ",\"meta\":[[[[[[[[[[[[[[[[[[[[{\"deeper\":true}]]]]]]]]]]]]]]]]]]]]",
            ",\"meta\":{\"a\":tru}",
            ",\"meta\":{\"a\":[1,]}",
            ",\"meta\":{\"a\":01}",
            ",\"meta\":{\"a\":-1.5E+3,\"a\":false,\"b\":[null,\"\",{}]}",
            ",\"meta\":{\"a\":1.}",
            ",\"meta\":{\"esc\\\"aped\":\"v\\u0041\"}",
            ",\"meta\":{\"a\" 1}",
            ",\"meta\":{,}",
            ",\"links\":{\"self\":\"https://api.myponto.com/accounts/a/transactions/bc52da6b-8439-4f03-aa5d-e5aa438acf62/with/a/very/long/path/that/goes/on/and/on/and/on/and/on/and/on/and/on/and/on/and/on/and/on/and/on/and/on/and/on/and/on/and/on\"}",
        ]);
        (
            prop::collection::vec(field, 0..12),
            relationships,
            any::<bool>(),
        )
            .prop_map(|(fields, relationships, typed)| {
                let kind = if typed { "\"transaction\"" } else { "null" };
                format!(
                    "{{\"type\":{kind},\"id\":\"bc52da6b\",\"attributes\":{{{}}}{relationships}}}",
                    fields.join(",")
                )
            })
    }

    /// A bundle, perhaps broken by one byte inserted, removed or the end cut off.
    fn damaged_bundle() -> impl Strategy<Value = Vec<u8>> {
        let damage = prop_oneof![
            2 => Just(None),
            1 => (any::<prop::sample::Index>(), prop::sample::select(
                b"{}[]\",:\\ x1\xC3\xA9".to_vec()))
                .prop_map(|(at, byte)| Some((at, Some(byte)))),
            1 => any::<prop::sample::Index>().prop_map(|at| Some((at, None))),
        ];
        (bundle_text(), damage, any::<bool>()).prop_map(|(text, damage, cut)| {
            let mut bytes = text.into_bytes();
            match damage {
                Some((at, Some(byte))) => bytes.insert(at.index(bytes.len() + 1), byte),
                Some((at, None)) if cut => bytes.truncate(at.index(bytes.len())),
                Some((at, None)) if !bytes.is_empty() => {
                    bytes.remove(at.index(bytes.len()));
                }
                _ => {}
            }
            bytes
        })
    }

    /// Everything a reader makes of a bundle, errors as their messages.
    fn read_all(path: &Path, reading: Reading) -> (Vec<(usize, Transaction)>, Option<String>) {
        let (_, rest) = match open_with(path, reading) {
            Ok(opened) => opened,
            Err(e) => return (Vec::new(), Some(e.to_string())),
        };
        let mut seen = Vec::new();
        let outcome = rest.for_each(|item: BundleTransaction| {
            seen.push((item.index, item.transaction));
            Ok::<(), BundleError>(())
        });
        (seen, outcome.err().map(|e| e.to_string()))
    }

    /// Slots taken in turn, each holding what was read into it last (or planted at
    /// first), as the convert pipeline hands out spent transactions.
    struct Recycling {
        slots: Vec<BundleTransaction>,
        turn: usize,
        seen: Vec<(usize, Transaction)>,
    }

    impl Slots<BundleError> for Recycling {
        fn next(&mut self) -> &mut BundleTransaction {
            let turn = self.turn % self.slots.len();
            &mut self.slots[turn]
        }

        fn read(&mut self) -> Result<(), BundleError> {
            let item = &self.slots[self.turn % self.slots.len()];
            self.seen.push((item.index, item.transaction.clone()));
            self.turn += 1;
            Ok(())
        }
    }

    /// [`read_all`], reading into slots that held `planted` and then the transactions
    /// read before.
    fn read_all_recycling(
        path: &Path,
        reading: Reading,
        planted: &[Transaction],
    ) -> (Vec<(usize, Transaction)>, Option<String>) {
        let (_, rest) = match open_with(path, reading) {
            Ok(opened) => opened,
            Err(e) => return (Vec::new(), Some(e.to_string())),
        };
        let slots = planted
            .iter()
            .map(|transaction| BundleTransaction {
                index: usize::MAX,
                transaction: transaction.clone(),
            })
            .collect();
        let mut recycling = Recycling {
            slots,
            turn: 0,
            seen: Vec::new(),
        };
        let outcome = rest.read_into(&mut recycling);
        (recycling.seen, outcome.err().map(|e| e.to_string()))
    }

    /// A transaction as any earlier one may have left it: every field set or not, the
    /// strings long or short, and what the quick parser never reads set too.
    fn planted_transaction() -> impl Strategy<Value = Transaction> {
        let text = || prop::option::of("[a-z0-9 ]{0,40}");
        let decimal =
            || prop::option::of(any::<i64>().prop_map(|n| rust_decimal::Decimal::new(n, 2)));
        let instant = || {
            prop::option::of(
                (0i64..4_000_000_000)
                    .prop_filter_map("in range", |s| chrono::DateTime::from_timestamp(s, 0)),
            )
        };
        let value = || prop::option::of("[a-z]{0,8}".prop_map(serde_json::Value::String));
        (
            (text(), text(), prop::collection::vec(text(), 17)),
            (decimal(), decimal()),
            prop::collection::vec(instant(), 4),
            (value(), value(), value()),
        )
            .prop_map(
                |((kind, id, texts), (amount, fee), instants, (relationships, meta, links))| {
                    let mut texts = texts.into_iter();
                    let mut text = || texts.next().flatten();
                    let mut instants = instants.into_iter();
                    let mut instant = || instants.next().flatten();
                    let attributes = ponto::TransactionAttributes {
                        amount,
                        currency: text(),
                        value_date: instant(),
                        execution_date: instant(),
                        description: text(),
                        remittance_information: text(),
                        remittance_information_type: text(),
                        counterpart_name: text(),
                        counterpart_reference: text(),
                        bank_transaction_code: text(),
                        proprietary_bank_transaction_code: text(),
                        end_to_end_id: text(),
                        purpose_code: text(),
                        mandate_id: text(),
                        creditor_id: text(),
                        additional_information: text(),
                        internal_reference: text(),
                        digest: text(),
                        fee,
                        card_reference: text(),
                        card_reference_type: text(),
                        created_at: instant(),
                        updated_at: instant(),
                    };
                    Transaction {
                        kind,
                        id,
                        attributes,
                        relationships,
                        meta,
                        links,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn one_pass_reads_as_scan_then_parse(
            bundle in damaged_bundle(),
            chunk in prop::sample::select(vec![7usize, 64, 301, 4096, CHUNK]),
            planted in prop::collection::vec(planted_transaction(), 1..4),
        ) {
            let mut file = tempfile::NamedTempFile::new().expect("temp file");
            file.write_all(&bundle).expect("write");
            let reference = read_all(file.path(), Reading { chunk: CHUNK, one_pass: false });
            for one_pass in [false, true] {
                let reading = Reading { chunk, one_pass };
                let read = read_all(file.path(), reading);
                prop_assert_eq!(&read, &reference, "chunk {} one pass {}", chunk, one_pass);
                // Into spent transactions, as the convert pipeline reads.
                let read = read_all_recycling(file.path(), reading, &planted);
                prop_assert_eq!(&read, &reference, "recycled, chunk {} one pass {}", chunk, one_pass);
            }
        }

        #[test]
        fn the_quick_parser_reads_as_serde(
            text in well_formed_transaction(),
            before in well_formed_transaction(),
            planted in planted_transaction(),
        ) {
            let serde = serde_json::Deserializer::from_str(&text)
                .into_iter::<LeanTransaction>()
                .next()
                .and_then(Result::ok)
                .map(LeanTransaction::into_resource);
            // What another transaction showed learnt first.
            let mut learnt = quick::Learnt::default();
            let _ = quick::transaction(&before, &mut quick::empty(), &mut learnt);
            let mut quick = quick::empty();
            let read = quick::transaction(&text, &mut quick, &mut learnt);
            if let Some(length) = read {
                prop_assert_eq!(length, text.len());
                prop_assert_eq!(Some(&quick), serde.as_ref());
            }
            // Into a spent transaction: the same, whatever it held. (`learnt` has learnt
            // from `text` meanwhile, which changes what is tried first, not what is read.)
            let mut spent = planted;
            let read_again = quick::transaction(&text, &mut spent, &mut learnt);
            prop_assert_eq!(read_again, read);
            if read.is_some() {
                prop_assert_eq!(spent, quick);
            }
        }

        #[test]
        fn instants_read_as_chrono_reads_them(text in instant_like()) {
            let json = serde_json::json!({ "valueDate": text }).to_string();
            let ours = serde_json::from_str::<ponto::TransactionAttributes>(&json)
                .map(|a| a.value_date)
                .map_err(|e| e.to_string());
            #[derive(serde::Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Chrono {
                value_date: Option<chrono::DateTime<chrono::Utc>>,
            }
            let chrono = serde_json::from_str::<Chrono>(&json)
                .map(|a| a.value_date)
                .map_err(|e| e.to_string());
            prop_assert_eq!(ours, chrono);
        }
    }

    /// The common transaction goes the quick way.
    #[test]
    fn a_common_transaction_is_read_quickly() {
        let text = r#"{"type":"transaction","id":"bc52da6b-8439-4f03-aa5d-e5aa438acf62","attributes":{"amount":1033.43,"currency":"EUR","executionDate":"2024-01-25T00:00:00.000Z","valueDate":"2024-01-25T00:00:00.000Z","description":"SEPA overschrijving","mandateId":null,"fee":null,"createdAt":"2024-01-25T19:33:18.000Z"},"relationships":{"account":{"data":{"type":"account","id":"x"}}}}, {"#;
        let mut lean = quick::empty();
        let length =
            quick::transaction(text, &mut lean, &mut quick::Learnt::default()).expect("quick");
        assert_eq!(&text[length..], ", {");
        let attributes = &lean.attributes;
        assert_eq!(
            attributes.amount.map(|d| d.to_string()).as_deref(),
            Some("1033.43")
        );
        assert_eq!(
            attributes.description.as_deref(),
            Some("SEPA overschrijving")
        );
        assert!(attributes.created_at.is_some() && attributes.fee.is_none());
    }

    /// Arbitrary text, and instants in the common shape with a part replaced by
    /// arbitrary digits or characters (invalid days, hours, cut or long fractions, other
    /// zones and separators).
    fn instant_like() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,11})?(Z|z|\\+00:00|-00:00|\\+01:00|UTC|)",
            "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-4]):[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,9})?(Z|\\+00:00)",
            "[0-9+-]{4,6}-.{1,3}-[0-9]{1,3}T.{0,3}:[0-9]{2}:[0-9]{2}.{0,12}",
        ]
    }
}

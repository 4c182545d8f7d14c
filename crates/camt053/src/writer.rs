//! Streaming camt.053.001.02 writer: bytes straight into a buffered output.
//!
//! Every value is checked against its XSD type before it is written: the writer returns a
//! [`WriteError`] naming the element instead of emitting a file the ERP would reject.
//! Indentation (two spaces) depends only on the depth, so that an `Ntry` written on its
//! own ([`write_entry_fragment`]) is byte for byte what [`StatementWriter::entry`] writes
//! inside a statement.
//!
//! Rendering entries is a large part of a conversion, so the common case is kept to
//! copies: tags are constants spelled out at compile time (`tag!`), a text of plain
//! printable ASCII (found by a scan eight bytes at a time) is copied as it is, and amounts
//! and dates are formatted by hand. Only other texts go through the character by character
//! check and escaping. The quick-xml writer this replaced is kept as the reference of a
//! differential test (`writer/reference.rs`, `writer/differential.rs`).
//!
//! After an error the output is incomplete and must be discarded.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use rust_decimal::Decimal;

use crate::NAMESPACE;
use crate::check::{self, AmountIssue, HIGH_BITS, ONES, TextIssue};
use crate::model::*;

#[cfg(test)]
mod reference;

/// Why a value could not be written. `path` is the element path, e.g.
/// `Document/BkToCstmrStmt/Stmt/Ntry[3]/NtryDtls/TxDtls[1]/Refs/EndToEndId`.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("writing camt output: {0}")]
    Io(#[from] io::Error),
    #[error("{path}: empty value (an empty element is invalid)")]
    Empty { path: String },
    #[error("{path}: {len} characters, at most {max} allowed")]
    TooLong {
        path: String,
        len: usize,
        max: usize,
    },
    #[error("{path}: character U+{code:04X} at position {position} is not allowed in XML 1.0")]
    ForbiddenCharacter {
        path: String,
        code: u32,
        position: usize,
    },
    #[error("{path}: {value:?} is not a valid {expected}")]
    Pattern {
        path: String,
        value: String,
        expected: &'static str,
    },
    #[error("{path}: amount {amount} is negative (amounts are unsigned, the sign is CdtDbtInd)")]
    NegativeAmount { path: String, amount: Decimal },
    #[error("{path}: amount {amount} has {digits} fraction digits, at most {max} allowed")]
    TooManyFractionDigits {
        path: String,
        amount: Decimal,
        digits: u32,
        max: u32,
    },
    #[error("{path}: amount {amount} has {digits} digits, at most 18 allowed")]
    TooManyDigits {
        path: String,
        amount: Decimal,
        digits: u32,
    },
    /// A total (`TxsSummry`) that cannot be computed: the amounts add up past
    /// [`Decimal`]'s range (about 7.9e28).
    #[error("{path}: the amounts add up to more than a decimal can hold")]
    AmountOverflow { path: String },
    #[error("{path}: number {value} has more than {max_digits} digits")]
    NumberTooLarge {
        path: String,
        value: u64,
        max_digits: u32,
    },
    #[error("{path}: year {year} cannot be written as an ISO date (1..=9999)")]
    DateOutOfRange { path: String, year: i32 },
    #[error("{path}: BkTxCd needs a Domn or a Prtry code (BkTxCd is mandatory)")]
    MissingBankTransactionCode { path: String },
    #[error("{path}: required element has no value")]
    Missing { path: String },
}

/// Writes one statement (`Stmt`) as a whole camt.053 document, entry by entry.
pub struct StatementWriter<W: Write> {
    out: Out<BufWriter<W>>,
    entries: u64,
}

impl<W: Write> StatementWriter<W> {
    /// Writes declaration, Document, GrpHdr, and the Stmt header (Id, ElctrncSeqNb, LglSeqNb,
    /// CreDtTm, FrToDt, Acct, Bal*, TxsSummry) — everything before the first Ntry.
    pub fn start(
        out: W,
        group: &GroupHeader,
        header: &StatementHeader,
    ) -> Result<Self, WriteError> {
        let mut out = Out::document(out);
        write_document_start(&mut out, group)?;
        write_statement_header(&mut out, header)?;
        Ok(StatementWriter { out, entries: 0 })
    }

    pub fn entry(&mut self, entry: &Entry) -> Result<(), WriteError> {
        self.entries += 1;
        write_entry(&mut self.out, entry, self.entries)
    }

    /// Copies entries written earlier by [`write_entry_fragment`] (for instance spooled to a
    /// temporary file) into the statement; returns the number of bytes copied. The bytes
    /// are not checked: they must come from `write_entry_fragment`.
    ///
    /// They go to `W` directly, once this writer's own buffer is empty: a statement's
    /// entries are most of its bytes, and a buffered `W` then copies each of them once
    /// instead of twice. An unbuffered `W` gets a write per call.
    pub fn splice_entries(&mut self, fragments: &[u8]) -> Result<u64, WriteError> {
        if !self.out.sink.buffer().is_empty() {
            self.out.sink.flush()?;
        }
        self.out.sink.get_mut().write_all(fragments)?;
        Ok(fragments.len() as u64)
    }

    /// Writes AddtlStmtInf if given, closes Stmt/BkToCstmrStmt/Document, flushes, returns the writer.
    pub fn finish(mut self, additional_info: Option<&str>) -> Result<W, WriteError> {
        write_statement_end(&mut self.out, additional_info)?;
        write_document_end(&mut self.out)?;
        self.out.into_inner()
    }
}

/// Writes one `<Ntry>` exactly as StatementWriter::entry would at the same position (same
/// indentation, bytes identical), so a caller can spool entries to a temp file and splice
/// them in later.
pub fn write_entry_fragment<W: Write>(mut out: W, entry: &Entry) -> Result<(), WriteError> {
    FRAGMENT.with(|kept| match kept.try_borrow_mut() {
        Ok(mut kept) => {
            let fragment = kept.get_or_insert_with(Out::fragment);
            let result = write_fragment(fragment, &mut out, entry);
            if fragment.sink.bytes.len() > MAX_KEPT_FRAGMENT_BUFFER {
                *kept = None;
            }
            result
        }
        // Called again by `out` while it is passed an entry: an output of its own.
        Err(_) => write_fragment(&mut Out::fragment(), &mut out, entry),
    })
}

fn write_fragment<W: Write>(
    fragment: &mut Out<Buffer>,
    out: &mut W,
    entry: &Entry,
) -> Result<(), WriteError> {
    fragment.restart(&[DOCUMENT, BK_TO_CSTMR_STMT, STMT]);
    let written = write_entry(fragment, entry, 0);
    // What was written before an error is passed on too, as a buffered writer would.
    let copied = pass_on(out, fragment.sink.written());
    written?;
    copied?;
    Ok(())
}

/// `write_all`, failing as `BufWriter` does when its writer takes nothing (the message
/// callers saw when the fragment went through one).
fn pass_on(out: &mut impl Write, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match out.write(bytes) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write the buffered data",
                ));
            }
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

thread_local! {
    /// The output `write_entry_fragment` renders into, kept between calls: a conversion
    /// writes a million entries, one at a time.
    static FRAGMENT: RefCell<Option<Out<Buffer>>> = const { RefCell::new(None) };
}

/// A buffer grown past this by a huge entry is let go rather than kept for the next.
const MAX_KEPT_FRAGMENT_BUFFER: usize = 64 * 1024;

/// Convenience: a whole Document with one or more statements (used by tests).
pub fn write_document<W: Write>(out: W, doc: &Document) -> Result<W, WriteError> {
    let mut out = Out::document(out);
    write_document_start(&mut out, &doc.group_header)?;
    for statement in &doc.statements {
        write_statement_header(&mut out, &statement.header)?;
        for (index, entry) in (1..).zip(&statement.entries) {
            write_entry(&mut out, entry, index)?;
        }
        write_statement_end(&mut out, statement.additional_info.as_deref())?;
    }
    write_document_end(&mut out)?;
    out.into_inner()
}

/// The buffer of a document: large writes, few system calls.
const DOCUMENT_BUFFER: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------
// Element names

/// An element's name with its start and end tags, spelled out at compile time so that
/// writing a tag is one copy of a constant.
///
/// Inside an entry (no line breaks) a chain of elements that each hold only the next is
/// one `Tag` (`tag!("BookgDt", "Dt")`): `name` is their path (`BookgDt/Dt`), which is
/// what an error path shows of them, and their tags are written in one copy.
struct Tag {
    name: &'static str,
    open: &'static [u8],
    close: &'static [u8],
    /// `<Name`, for a start tag with attributes.
    open_unclosed: &'static [u8],
    /// The start tags of the chain but the last (empty for a single element): what was
    /// written of it before a value was found invalid when each was written on its own.
    outer_open: &'static [u8],
}

/// `tag!("Amt")`: the [`Tag`] of `Amt`; `tag!("AmtDtls", "TxAmt", "Amt")`: the one of
/// `Amt` in `AmtDtls/TxAmt`, each holding only the next.
macro_rules! tag {
    ($name:literal) => {
        tag!(@ $name, "", concat!("<", $name), concat!("</", $name, ">"))
    };
    ($a:literal, $b:literal) => {
        tag!(@
            concat!($a, "/", $b),
            concat!("<", $a, ">"),
            concat!("<", $a, "><", $b),
            concat!("</", $b, "></", $a, ">")
        )
    };
    ($a:literal, $b:literal, $c:literal) => {
        tag!(@
            concat!($a, "/", $b, "/", $c),
            concat!("<", $a, "><", $b, ">"),
            concat!("<", $a, "><", $b, "><", $c),
            concat!("</", $c, "></", $b, "></", $a, ">")
        )
    };
    ($a:literal, $b:literal, $c:literal, $d:literal) => {
        tag!(@
            concat!($a, "/", $b, "/", $c, "/", $d),
            concat!("<", $a, "><", $b, "><", $c, ">"),
            concat!("<", $a, "><", $b, "><", $c, "><", $d),
            concat!("</", $d, "></", $c, "></", $b, "></", $a, ">")
        )
    };
    (@ $name:expr, $outer_open:expr, $open_unclosed:expr, $close:expr) => {
        const {
            &Tag {
                name: $name,
                open: concat!($open_unclosed, ">").as_bytes(),
                close: $close.as_bytes(),
                open_unclosed: $open_unclosed.as_bytes(),
                outer_open: $outer_open.as_bytes(),
            }
        }
    };
}

const DOCUMENT: &Tag = tag!("Document");
const BK_TO_CSTMR_STMT: &Tag = tag!("BkToCstmrStmt");
const STMT: &Tag = tag!("Stmt");
/// The element written on one line.
const NTRY: &Tag = tag!("Ntry");

// ---------------------------------------------------------------------------------------
// Document structure

fn write_document_start<S: Sink>(out: &mut Out<S>, group: &GroupHeader) -> Result<(), WriteError> {
    out.put(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    out.start_root()?;
    out.start(BK_TO_CSTMR_STMT, 0)?;
    out.element(tag!("GrpHdr"), |out| {
        out.text(tag!("MsgId"), &group.message_id, 35)?;
        out.date_time(tag!("CreDtTm"), &group.created)
    })
}

fn write_document_end<S: Sink>(out: &mut Out<S>) -> Result<(), WriteError> {
    out.end(BK_TO_CSTMR_STMT)?;
    out.end(DOCUMENT)?;
    out.put(b"\n")?;
    Ok(())
}

fn write_statement_header<S: Sink>(
    out: &mut Out<S>,
    header: &StatementHeader,
) -> Result<(), WriteError> {
    out.start(STMT, 0)?;
    out.text(tag!("Id"), &header.id, 35)?;
    if let Some(n) = header.electronic_sequence {
        out.number(tag!("ElctrncSeqNb"), n, check::MAX_TOTAL_DIGITS)?;
    }
    if let Some(n) = header.legal_sequence {
        out.number(tag!("LglSeqNb"), n, check::MAX_TOTAL_DIGITS)?;
    }
    out.date_time(tag!("CreDtTm"), &header.created)?;
    if let Some((from, to)) = &header.from_to {
        out.element(tag!("FrToDt"), |out| {
            out.date_time(tag!("FrDtTm"), from)?;
            out.date_time(tag!("ToDtTm"), to)
        })?;
    }
    write_account(out, &header.account)?;
    if header.balances.is_empty() {
        return Err(out.missing("Bal"));
    }
    for balance in &header.balances {
        write_balance(out, balance)?;
    }
    if let Some(summary) = &header.summary {
        write_summary(out, summary)?;
    }
    Ok(())
}

fn write_statement_end<S: Sink>(
    out: &mut Out<S>,
    additional_info: Option<&str>,
) -> Result<(), WriteError> {
    out.opt_text(tag!("AddtlStmtInf"), additional_info, 500)?;
    out.end(STMT)
}

fn write_account<S: Sink>(out: &mut Out<S>, account: &Account) -> Result<(), WriteError> {
    out.element(tag!("Acct"), |out| {
        match (&account.iban, &account.other_id) {
            (Some(iban), _) => out.element(tag!("Id"), |out| out.iban(tag!("IBAN"), iban))?,
            (None, Some(other)) => out.element(tag!("Id"), |out| {
                out.element(tag!("Othr"), |out| out.text(tag!("Id"), other, 34))
            })?,
            (None, None) => return Err(out.missing("Id")),
        }
        if let Some(ccy) = &account.currency {
            out.currency(tag!("Ccy"), ccy)?;
        }
        out.opt_text(tag!("Nm"), account.name.as_deref(), 70)?;
        if let Some(owner) = &account.owner_name {
            out.element(tag!("Ownr"), |out| out.text(tag!("Nm"), owner, 140))?;
        }
        if account.servicer_bic.is_some() || account.servicer_name.is_some() {
            out.element(tag!("Svcr"), |out| {
                out.element(tag!("FinInstnId"), |out| {
                    if let Some(bic) = &account.servicer_bic {
                        out.bic(tag!("BIC"), bic)?;
                    }
                    out.opt_text(tag!("Nm"), account.servicer_name.as_deref(), 140)
                })
            })?;
        }
        Ok(())
    })
}

/// The codes `BalanceType12Code` enumerates; anything else goes to `Prtry`.
const BALANCE_CODES: [&str; 10] = [
    "XPCD", "OPAV", "ITAV", "CLAV", "FWAV", "CLBD", "ITBD", "OPBD", "PRCD", "INFO",
];

fn write_balance<S: Sink>(out: &mut Out<S>, balance: &Balance) -> Result<(), WriteError> {
    out.element(tag!("Bal"), |out| {
        out.element(tag!("Tp"), |out| {
            out.element(tag!("CdOrPrtry"), |out| {
                let code = balance.kind.code();
                if BALANCE_CODES.contains(&code) {
                    out.text(tag!("Cd"), code, 4)
                } else {
                    out.text(tag!("Prtry"), code, 35)
                }
            })
        })?;
        out.amount(tag!("Amt"), balance.amount.abs(), &balance.currency)?;
        out.code(tag!("CdtDbtInd"), CreditDebit::of(balance.amount).code())?;
        out.element(tag!("Dt"), |out| out.date(tag!("Dt"), balance.date))
    })
}

/// V02 `TotalTransactions2`; the credit and debit blocks are optional and left out when
/// they would count nothing.
fn write_summary<S: Sink>(
    out: &mut Out<S>,
    summary: &TransactionsSummary,
) -> Result<(), WriteError> {
    const MAX_COUNT_DIGITS: u32 = 15; // Max15NumericText
    out.element(tag!("TxsSummry"), |out| {
        out.element(tag!("TtlNtries"), |out| {
            out.number(tag!("NbOfNtries"), summary.count(), MAX_COUNT_DIGITS)?;
            let sum = summary.checked_sum().ok_or_else(|| out.overflow("Sum"))?;
            out.decimal(tag!("Sum"), sum)?;
            let net = summary
                .checked_net()
                .ok_or_else(|| out.overflow("TtlNetNtryAmt"))?;
            out.decimal(tag!("TtlNetNtryAmt"), net.abs())?;
            out.code(tag!("CdtDbtInd"), CreditDebit::of(net).code())
        })?;
        // A block is left out only when it says nothing: a bank's zero count with a non-zero
        // sum is kept as read, since its sum is part of TtlNtries above (found by fuzzing).
        if summary.credit_count > 0 || !summary.credit_sum.is_zero() {
            out.element(tag!("TtlCdtNtries"), |out| {
                out.number(tag!("NbOfNtries"), summary.credit_count, MAX_COUNT_DIGITS)?;
                out.decimal(tag!("Sum"), summary.credit_sum)
            })?;
        }
        if summary.debit_count > 0 || !summary.debit_sum.is_zero() {
            out.element(tag!("TtlDbtNtries"), |out| {
                out.number(tag!("NbOfNtries"), summary.debit_count, MAX_COUNT_DIGITS)?;
                out.decimal(tag!("Sum"), summary.debit_sum)
            })?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// Entries

/// `index` is the 1-based position in the statement for error paths, 0 when unknown.
fn write_entry<S: Sink>(out: &mut Out<S>, entry: &Entry, index: u64) -> Result<(), WriteError> {
    out.start(NTRY, index)?;
    // Inside an `Ntry`: no line breaks or indentation. One entry per line keeps a file
    // easy to scan and 40% smaller, which is most of the I/O of a large conversion.
    out.in_entry = true;
    write_entry_content(out, entry)?;
    out.end(NTRY)?;
    out.in_entry = false;
    Ok(())
}

fn write_entry_content<S: Sink>(out: &mut Out<S>, entry: &Entry) -> Result<(), WriteError> {
    out.opt_text(tag!("NtryRef"), entry.entry_ref.as_deref(), 35)?;
    out.amount(tag!("Amt"), entry.amount, &entry.currency)?;
    if entry.reversal {
        out.code(tag!("CdtDbtInd"), entry.direction.code())?;
        out.code(tag!("RvslInd"), "true")?;
        out.code(tag!("Sts"), entry.status.code())?;
    } else {
        // Inside an entry, without line breaks, the two leaves are one constant.
        debug_assert!(out.in_entry);
        out.put(direction_and_status(entry.direction, entry.status))?;
    }
    match (entry.booking_date, entry.value_date) {
        // Usually the same day: formatted once.
        (Some(booking), Some(value)) if booking == value => {
            let text = out.date_text(tag!("BookgDt", "Dt"), booking)?;
            out.leaf(tag!("BookgDt", "Dt"), &text)?;
            out.leaf(tag!("ValDt", "Dt"), &text)?;
        }
        (booking, value) => {
            if let Some(date) = booking {
                out.date(tag!("BookgDt", "Dt"), date)?;
            }
            if let Some(date) = value {
                out.date(tag!("ValDt", "Dt"), date)?;
            }
        }
    }
    out.opt_text(
        tag!("AcctSvcrRef"),
        entry.account_servicer_ref.as_deref(),
        35,
    )?;
    write_bank_transaction_code(out, &entry.bank_transaction_code)?;
    if entry.details.iter().any(|d| !details_are_empty(d)) {
        out.element(tag!("NtryDtls"), |out| {
            for (tx_index, details) in (1..).zip(&entry.details) {
                if !details_are_empty(details) {
                    write_details(out, details, tx_index)?;
                }
            }
            Ok(())
        })?;
    }
    out.opt_text(tag!("AddtlNtryInf"), entry.additional_info.as_deref(), 500)
}

/// `CdtDbtInd` and `Sts` as [`Out::code`] writes them inside an entry, one after the other.
fn direction_and_status(direction: CreditDebit, status: EntryStatus) -> &'static [u8] {
    macro_rules! leaves {
        ($direction:literal, $status:literal) => {
            concat!(
                "<CdtDbtInd>",
                $direction,
                "</CdtDbtInd><Sts>",
                $status,
                "</Sts>"
            )
            .as_bytes()
        };
    }
    match (direction, status) {
        (CreditDebit::Credit, EntryStatus::Booked) => leaves!("CRDT", "BOOK"),
        (CreditDebit::Credit, EntryStatus::Pending) => leaves!("CRDT", "PDNG"),
        (CreditDebit::Credit, EntryStatus::Info) => leaves!("CRDT", "INFO"),
        (CreditDebit::Debit, EntryStatus::Booked) => leaves!("DBIT", "BOOK"),
        (CreditDebit::Debit, EntryStatus::Pending) => leaves!("DBIT", "PDNG"),
        (CreditDebit::Debit, EntryStatus::Info) => leaves!("DBIT", "INFO"),
    }
}

fn write_bank_transaction_code<S: Sink>(
    out: &mut Out<S>,
    code: &BankTransactionCode,
) -> Result<(), WriteError> {
    if code.domain.is_none() && code.proprietary.is_none() {
        return Err(WriteError::MissingBankTransactionCode {
            path: out.path("BkTxCd"),
        });
    }
    out.element(tag!("BkTxCd"), |out| {
        if let Some(domain) = &code.domain
            && !write_plain_domain(out, domain)?
        {
            out.element(tag!("Domn"), |out| {
                out.text(tag!("Cd"), &domain.domain, 4)?;
                out.element(tag!("Fmly"), |out| {
                    out.text(tag!("Cd"), &domain.family, 4)?;
                    out.text(tag!("SubFmlyCd"), &domain.sub_family, 4)
                })
            })?;
        }
        if let Some(proprietary) = &code.proprietary {
            out.element(tag!("Prtry"), |out| {
                out.text(tag!("Cd"), &proprietary.code, 35)?;
                out.opt_text(tag!("Issr"), proprietary.issuer.as_deref(), 35)
            })?;
        }
        Ok(())
    })
}

/// `Domn` in a few copies when its three codes are [`is_plain`] (as listed codes are),
/// inside an entry: what the element by element way writes of them then. `false`, with
/// nothing written, for that way to write (or refuse) them.
#[inline(always)]
fn write_plain_domain<S: Sink>(out: &mut Out<S>, domain: &DomainCode) -> io::Result<bool> {
    let [code, family, sub_family] =
        [&domain.domain, &domain.family, &domain.sub_family].map(|text| text.as_bytes());
    if !(out.in_entry && is_plain(code, 4) && is_plain(family, 4) && is_plain(sub_family, 4)) {
        return Ok(false);
    }
    out.sink.put_leaf(b"<Domn><Cd>", code, b"</Cd><Fmly><Cd>")?;
    out.sink.put_leaf(family, b"</Cd><SubFmlyCd>", sub_family)?;
    out.put(b"</SubFmlyCd></Fmly></Domn>")?;
    Ok(true)
}

/// A `TxDtls` with nothing in it would be an empty element: it is left out.
fn details_are_empty(d: &TransactionDetails) -> bool {
    references_are_empty(&d.refs)
        && d.amount.is_none()
        && d.charges.is_empty()
        && related_parties_are_empty(&d.related_parties)
        && d.purpose.is_none()
        && d.remittance.is_empty()
        && d.return_info.is_none()
        && d.additional_info.is_none()
}

/// `*refs == References::default()`, without making and dropping a default per entry.
fn references_are_empty(refs: &References) -> bool {
    let References {
        account_servicer_ref,
        payment_information_id,
        instruction_id,
        end_to_end_id,
        transaction_id,
        mandate_id,
        proprietary,
    } = refs;
    account_servicer_ref.is_none()
        && payment_information_id.is_none()
        && instruction_id.is_none()
        && end_to_end_id.is_none()
        && transaction_id.is_none()
        && mandate_id.is_none()
        && proprietary.is_none()
}

fn related_parties_are_empty(p: &RelatedParties) -> bool {
    party_is_empty(p.debtor.as_ref())
        && p.debtor_account.is_none()
        && party_is_empty(p.creditor.as_ref())
        && p.creditor_account.is_none()
}

fn party_is_empty(party: Option<&Party>) -> bool {
    party.is_none_or(|p| p.name.is_none() && p.sepa_creditor_id.is_none())
}

fn write_details<S: Sink>(
    out: &mut Out<S>,
    d: &TransactionDetails,
    index: u64,
) -> Result<(), WriteError> {
    out.element_indexed(tag!("TxDtls"), index, |out| {
        write_references(out, &d.refs)?;
        if let Some((amount, currency)) = &d.amount {
            out.amount(tag!("AmtDtls", "TxAmt", "Amt"), *amount, currency)?;
        }
        for charges in &d.charges {
            write_charges(out, charges)?;
        }
        write_related_parties(out, &d.related_parties)?;
        if let Some(purpose) = &d.purpose {
            out.text(tag!("Purp", "Cd"), purpose, 4)?;
        }
        write_remittance(out, &d.remittance)?;
        if let Some(info) = &d.return_info {
            out.text(tag!("RtrInf", "AddtlInf"), info, 105)?;
        }
        out.opt_text(tag!("AddtlTxInf"), d.additional_info.as_deref(), 500)
    })
}

fn write_references<S: Sink>(out: &mut Out<S>, refs: &References) -> Result<(), WriteError> {
    if references_are_empty(refs) {
        return Ok(());
    }
    out.element(tag!("Refs"), |out| {
        out.opt_text(
            tag!("AcctSvcrRef"),
            refs.account_servicer_ref.as_deref(),
            35,
        )?;
        out.opt_text(tag!("PmtInfId"), refs.payment_information_id.as_deref(), 35)?;
        out.opt_text(tag!("InstrId"), refs.instruction_id.as_deref(), 35)?;
        out.opt_text(tag!("EndToEndId"), refs.end_to_end_id.as_deref(), 35)?;
        out.opt_text(tag!("TxId"), refs.transaction_id.as_deref(), 35)?;
        out.opt_text(tag!("MndtId"), refs.mandate_id.as_deref(), 35)?;
        if let Some(proprietary) = &refs.proprietary {
            out.element(tag!("Prtry"), |out| {
                out.text(tag!("Tp"), &proprietary.kind, 35)?;
                out.text(tag!("Ref"), &proprietary.reference, 35)
            })?;
        }
        Ok(())
    })
}

/// `Chrgs`: `Amt`, then `CdtDbtInd` when known.
fn write_charges<S: Sink>(out: &mut Out<S>, charges: &Charges) -> Result<(), WriteError> {
    out.element(tag!("Chrgs"), |out| {
        out.amount(tag!("Amt"), charges.amount, &charges.currency)?;
        if let Some(direction) = charges.direction {
            out.code(tag!("CdtDbtInd"), direction.code())?;
        }
        Ok(())
    })
}

fn write_related_parties<S: Sink>(
    out: &mut Out<S>,
    parties: &RelatedParties,
) -> Result<(), WriteError> {
    if related_parties_are_empty(parties) {
        return Ok(());
    }
    out.element(tag!("RltdPties"), |out| {
        write_party(out, tag!("Dbtr"), parties.debtor.as_ref())?;
        write_party_account(
            out,
            [
                tag!("DbtrAcct", "Id", "IBAN"),
                tag!("DbtrAcct", "Id", "Othr", "Id"),
            ],
            parties.debtor_account.as_ref(),
        )?;
        write_party(out, tag!("Cdtr"), parties.creditor.as_ref())?;
        write_party_account(
            out,
            [
                tag!("CdtrAcct", "Id", "IBAN"),
                tag!("CdtrAcct", "Id", "Othr", "Id"),
            ],
            parties.creditor_account.as_ref(),
        )
    })
}

/// Inlined, as `write_party_account`, so that the element's tags are constants.
#[inline(always)]
fn write_party<S: Sink>(
    out: &mut Out<S>,
    element: &'static Tag,
    party: Option<&Party>,
) -> Result<(), WriteError> {
    let Some(party) = party.filter(|p| !party_is_empty(Some(p))) else {
        return Ok(());
    };
    out.element(element, |out| {
        out.opt_text(tag!("Nm"), party.name.as_deref(), 140)?;
        if let Some(creditor_id) = &party.sepa_creditor_id {
            out.element(tag!("Id", "PrvtId", "Othr"), |out| {
                out.text(tag!("Id"), creditor_id, 35)?;
                out.code(tag!("SchmeNm", "Prtry"), "SEPA")
            })?;
        }
        Ok(())
    })
}

/// `tags`: the account element's `…Acct/Id/IBAN` and `…Acct/Id/Othr/Id`.
#[inline(always)]
fn write_party_account<S: Sink>(
    out: &mut Out<S>,
    [iban_tag, other_tag]: [&'static Tag; 2],
    account: Option<&AccountId>,
) -> Result<(), WriteError> {
    match account {
        None => Ok(()),
        Some(AccountId::Iban(iban)) => out.iban(iban_tag, iban),
        Some(AccountId::Other(other)) => out.text(other_tag, other, 34),
    }
}

/// `DocumentType3Code` values; other creditor reference types go to `Prtry`.
const CREDITOR_REFERENCE_CODES: [&str; 6] = ["RADM", "RPIN", "FXDR", "DISP", "PUOR", "SCOR"];

fn write_remittance<S: Sink>(out: &mut Out<S>, remittance: &Remittance) -> Result<(), WriteError> {
    if remittance.is_empty() {
        return Ok(());
    }
    out.element(tag!("RmtInf"), |out| {
        for line in &remittance.unstructured {
            out.text(tag!("Ustrd"), line, 140)?;
        }
        if let Some(reference) = &remittance.creditor_reference {
            out.element(tag!("Strd", "CdtrRefInf"), |out| {
                if let Some(kind) = &reference.kind {
                    write_creditor_reference_type(out, kind)?;
                }
                out.text(tag!("Ref"), &reference.reference, 35)
            })?;
        }
        Ok(())
    })
}

fn write_creditor_reference_type<S: Sink>(out: &mut Out<S>, kind: &str) -> Result<(), WriteError> {
    if CREDITOR_REFERENCE_CODES.contains(&kind) {
        out.code(tag!("Tp", "CdOrPrtry", "Cd"), kind)
    } else {
        out.text(tag!("Tp", "CdOrPrtry", "Prtry"), kind, 35)
    }
}

// ---------------------------------------------------------------------------------------
// Low level: elements, indentation, checked values

/// A line break and spaces for indentation; deeper levels (none exist in camt.053) are
/// capped.
const NEWLINE_INDENT: &[u8] = b"\n                                                                ";

/// The deepest nesting error paths name in full (camt.053 nests 12 deep).
const MAX_OPEN: usize = 16;

/// The open elements, for indentation and error paths, with their 1-based index among
/// same-named siblings (0: not tracked). A fixed array: a fragment allocates nothing for it.
struct Open {
    elements: [(&'static str, u64); MAX_OPEN],
    depth: usize,
}

impl Open {
    fn new() -> Self {
        Open {
            elements: [("", 0); MAX_OPEN],
            depth: 0,
        }
    }

    /// Empty again, inside `enclosing`.
    fn reset(&mut self, enclosing: &[&'static Tag]) {
        self.depth = 0;
        for tag in enclosing {
            self.push(tag.name, 0);
        }
    }

    #[inline(always)]
    fn push(&mut self, name: &'static str, index: u64) {
        if let Some(slot) = self.elements.get_mut(self.depth) {
            *slot = (name, index);
        }
        self.depth += 1;
    }

    #[inline(always)]
    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn named(&self) -> &[(&'static str, u64)] {
        &self.elements[..self.depth.min(MAX_OPEN)]
    }
}

/// Where the bytes go: a buffered writer (documents) or memory (entries on their own).
trait Sink {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// A start tag, a value and an end tag.
    #[inline(always)]
    fn put_leaf(&mut self, open: &[u8], value: &[u8], close: &[u8]) -> io::Result<()> {
        self.put(open)?;
        self.put(value)?;
        self.put(close)
    }

    /// `put_leaf` if `text` [`is_plain`] for `max`; otherwise nothing is written and the
    /// answer is `false`.
    #[inline(always)]
    fn plain_leaf(
        &mut self,
        open: &[u8],
        text: &[u8],
        close: &[u8],
        max: usize,
    ) -> io::Result<bool> {
        if !is_plain(text, max) {
            return Ok(false);
        }
        self.put_leaf(open, text, close)?;
        Ok(true)
    }
}

impl<W: Write> Sink for BufWriter<W> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_all(bytes)
    }
}

/// Memory for entries written on their own: an initialized buffer and how much of it is
/// written, so that copying a constant tag is a few moves and a comparison
/// (`Vec::extend_from_slice` is a call to a function and one to `memcpy`).
#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    len: usize,
}

impl Buffer {
    fn written(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    #[cold]
    #[inline(never)]
    fn grow_and_put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        self.grow(end);
        if let Some(free) = self.bytes.get_mut(self.len..end) {
            free.copy_from_slice(bytes);
            self.len = end;
        }
    }

    /// Makes room up to `end`.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, end: usize) {
        let size = end.max(2 * self.bytes.len()).max(4 * 1024);
        self.bytes.resize(size, 0);
    }

    /// The room for the next `size` bytes, split at `first` and `first + second`:
    /// one bounds check for the three parts of a leaf.
    #[inline(always)]
    fn room3(
        &mut self,
        first: usize,
        second: usize,
        third: usize,
    ) -> Option<(&mut [u8], &mut [u8], &mut [u8])> {
        let end = self.len + first + second + third;
        if end > self.bytes.len() {
            self.grow(end);
        }
        let free = self.bytes.get_mut(self.len..end)?;
        let (a, rest) = free.split_at_mut_checked(first)?;
        let (b, c) = rest.split_at_mut_checked(second)?;
        Some((a, b, c))
    }
}

impl Sink for Buffer {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        let end = self.len + bytes.len();
        match self.bytes.get_mut(self.len..end) {
            Some(free) => {
                copy_value(free, bytes);
                self.len = end;
            }
            None => self.grow_and_put(bytes),
        }
        Ok(())
    }

    #[inline(always)]
    fn put_leaf(&mut self, open: &[u8], value: &[u8], close: &[u8]) -> io::Result<()> {
        let end = self.len + open.len() + value.len() + close.len();
        match self.room3(open.len(), value.len(), close.len()) {
            Some((open_to, value_to, close_to)) => {
                open_to.copy_from_slice(open);
                copy_value(value_to, value);
                close_to.copy_from_slice(close);
                self.len = end;
            }
            None => {
                self.put(open)?;
                self.put(value)?;
                self.put(close)?;
            }
        }
        Ok(())
    }

    /// The text is copied as it is scanned; the copy counts only if it was plain.
    #[inline(always)]
    fn plain_leaf(
        &mut self,
        open: &[u8],
        text: &[u8],
        close: &[u8],
        max: usize,
    ) -> io::Result<bool> {
        if text.len() > max {
            return Ok(false);
        }
        let end = self.len + open.len() + text.len() + close.len();
        let Some((open_to, text_to, close_to)) = self.room3(open.len(), text.len(), close.len())
        else {
            return Ok(false);
        };
        open_to.copy_from_slice(open);
        if !copy_if_plain(text_to, text) {
            return Ok(false);
        }
        close_to.copy_from_slice(close);
        self.len = end;
        Ok(true)
    }
}

/// The output with the open elements.
struct Out<S: Sink> {
    sink: S,
    open: Open,
    /// Inside an `Ntry`: no line breaks or indentation.
    in_entry: bool,
    /// Reused for the few values `core::fmt` formats (the header's date-times).
    scratch: String,
    decimal: LastDecimal,
}

/// The decimal [`Out::put_decimal`] formatted last, by its 16 bytes (which are the whole
/// `Decimal`: sign, scale and mantissa), and its text. An entry's amount is written
/// twice (`Amt` and `TxDtls/AmtDtls/TxAmt/Amt`): the second time it is a copy.
struct LastDecimal {
    bits: [u8; 16],
    digits: [u8; DECIMAL_TEXT],
    /// Where the text starts in `digits`; `None` before the first and for a value
    /// [`unsigned_decimal_text`] does not write.
    start: Option<usize>,
}

impl LastDecimal {
    fn new() -> Self {
        LastDecimal {
            bits: [0; 16],
            digits: [0; DECIMAL_TEXT],
            start: None,
        }
    }

    /// [`unsigned_decimal_text`] of `value`, formatted only if it is not the last one.
    #[inline(always)]
    fn text(&mut self, value: Decimal) -> Option<&[u8]> {
        let bits = value.serialize();
        if self.start.is_none() || bits != self.bits {
            self.bits = bits;
            self.start = unsigned_decimal_text(value, &mut self.digits)
                .map(|text| DECIMAL_TEXT - text.len());
        }
        self.digits.get(self.start?..)
    }
}

impl<W: Write> Out<BufWriter<W>> {
    fn document(inner: W) -> Self {
        Out::new(BufWriter::with_capacity(DOCUMENT_BUFFER, inner))
    }

    fn into_inner(self) -> Result<W, WriteError> {
        self.sink
            .into_inner()
            .map_err(|e| WriteError::Io(e.into_error()))
    }
}

impl Out<Buffer> {
    fn fragment() -> Self {
        Out::new(Buffer::default())
    }

    /// Empty, inside `enclosing`, as if new (but with the memory it had).
    fn restart(&mut self, enclosing: &[&'static Tag]) {
        self.sink.len = 0;
        self.open.reset(enclosing);
        self.in_entry = false;
    }
}

impl<S: Sink> Out<S> {
    fn new(sink: S) -> Self {
        Out {
            sink,
            open: Open::new(),
            in_entry: false,
            scratch: String::new(),
            decimal: LastDecimal::new(),
        }
    }

    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.sink.put(bytes)
    }

    #[inline(always)]
    fn newline(&mut self) -> io::Result<()> {
        if self.in_entry { Ok(()) } else { self.indent() }
    }

    fn indent(&mut self) -> io::Result<()> {
        let width = (self.open.depth * 2).min(NEWLINE_INDENT.len() - 1);
        self.put(&NEWLINE_INDENT[..=width])
    }

    #[inline(always)]
    fn start(&mut self, tag: &'static Tag, index: u64) -> Result<(), WriteError> {
        self.newline()?;
        self.put(tag.open)?;
        self.open.push(tag.name, index);
        Ok(())
    }

    /// `<Document xmlns="…">`: the one element with an attribute besides amounts.
    fn start_root(&mut self) -> Result<(), WriteError> {
        self.newline()?;
        self.put(b"<Document xmlns=\"")?;
        self.put(NAMESPACE.as_bytes())?;
        self.put(b"\">")?;
        self.open.push(DOCUMENT.name, 0);
        Ok(())
    }

    #[inline(always)]
    fn end(&mut self, tag: &'static Tag) -> Result<(), WriteError> {
        self.open.pop();
        self.newline()?;
        self.put(tag.close)?;
        Ok(())
    }

    /// `tag` around what `content` writes.
    #[inline(always)]
    fn element(
        &mut self,
        tag: &'static Tag,
        content: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        self.element_indexed(tag, 0, content)
    }

    #[inline(always)]
    fn element_indexed(
        &mut self,
        tag: &'static Tag,
        index: u64,
        content: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        self.start(tag, index)?;
        content(self)?;
        self.end(tag)
    }

    /// `<name>escaped</name>` on one line.
    #[inline(always)]
    fn leaf(&mut self, tag: &'static Tag, escaped: &[u8]) -> Result<(), WriteError> {
        self.newline()?;
        self.sink.put_leaf(tag.open, escaped, tag.close)?;
        Ok(())
    }

    /// A fixed code from this crate (CRDT, BOOK, true…): nothing to check or escape.
    #[inline(always)]
    fn code(&mut self, tag: &'static Tag, code: &str) -> Result<(), WriteError> {
        self.leaf(tag, code.as_bytes())
    }

    #[inline(always)]
    fn text(&mut self, tag: &'static Tag, value: &str, max: usize) -> Result<(), WriteError> {
        let value_bytes = value.as_bytes();
        if self.in_entry {
            // No line break to write first: the check and the copy can be one pass.
            if self
                .sink
                .plain_leaf(tag.open, value_bytes, tag.close, max)?
            {
                return Ok(());
            }
        } else if is_plain(value_bytes, max) {
            return self.leaf(tag, value_bytes);
        }
        self.checked_text(tag, value, max)
    }

    /// A text [`is_plain`] cannot vouch for: checked character by character, escaped.
    #[inline(never)]
    fn checked_text(
        &mut self,
        tag: &'static Tag,
        value: &str,
        max: usize,
    ) -> Result<(), WriteError> {
        if let Err(issue) = check::text(value, max) {
            let error = self.text_error(tag.name, issue);
            return Err(self.outer_opened(tag, error));
        }
        self.newline()?;
        self.put(tag.open)?;
        self.put_escaped(value)?;
        self.put(tag.close)?;
        Ok(())
    }

    /// Escapes `&`, `<`, `>` and carriage return (a raw CR would be read back as LF). All
    /// four are ASCII, so the runs between them are whole characters.
    fn put_escaped(&mut self, value: &str) -> io::Result<()> {
        let bytes = value.as_bytes();
        let mut copied = 0;
        for (at, byte) in bytes.iter().enumerate() {
            let entity: &[u8] = match byte {
                b'&' => b"&amp;",
                b'<' => b"&lt;",
                b'>' => b"&gt;",
                b'\r' => b"&#13;",
                _ => continue,
            };
            self.put(&bytes[copied..at])?;
            self.put(entity)?;
            copied = at + 1;
        }
        self.put(&bytes[copied..])
    }

    #[inline(always)]
    fn opt_text(
        &mut self,
        tag: &'static Tag,
        value: Option<&str>,
        max: usize,
    ) -> Result<(), WriteError> {
        match value {
            Some(value) => self.text(tag, value, max),
            None => Ok(()),
        }
    }

    #[inline(always)]
    fn iban(&mut self, tag: &'static Tag, value: &str) -> Result<(), WriteError> {
        self.patterned(
            tag,
            value,
            check::is_iban(value),
            "IBAN ([A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30})",
        )
    }

    fn bic(&mut self, tag: &'static Tag, value: &str) -> Result<(), WriteError> {
        self.patterned(
            tag,
            value,
            check::is_bic(value),
            "BIC (8 or 11 characters, upper case)",
        )
    }

    fn currency(&mut self, tag: &'static Tag, value: &str) -> Result<(), WriteError> {
        self.patterned(
            tag,
            value,
            check::is_currency(value),
            "currency code ([A-Z]{3})",
        )
    }

    /// A value whose pattern admits only ASCII letters and digits: no escaping needed.
    #[inline(always)]
    fn patterned(
        &mut self,
        tag: &'static Tag,
        value: &str,
        valid: bool,
        expected: &'static str,
    ) -> Result<(), WriteError> {
        if !valid {
            return Err(self.invalid_pattern(tag, value, expected));
        }
        self.leaf(tag, value.as_bytes())
    }

    /// `<name Ccy="…">amount</name>`, the amount unsigned with at most 5 fraction digits.
    /// Inlined, as the other leaves on an entry's path, so that its tags are constants
    /// (copied without a call to `memcpy`).
    #[inline(always)]
    fn amount(&mut self, tag: &'static Tag, amount: Decimal, ccy: &str) -> Result<(), WriteError> {
        let (&[c1, c2, c3], true) = (ccy.as_bytes(), check::is_currency(ccy)) else {
            return Err(self.invalid_currency(tag, ccy));
        };
        if !is_plain_decimal(amount, check::AMOUNT_FRACTION_DIGITS) {
            self.checked_amount(tag, amount)?;
        }
        self.newline()?;
        self.put(tag.open_unclosed)?;
        // The currency is [A-Z]{3}: the attribute needs no escaping.
        self.put(&[b' ', b'C', b'c', b'y', b'=', b'"', c1, c2, c3, b'"', b'>'])?;
        self.put_decimal(amount)?;
        self.put(tag.close)?;
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn invalid_currency(&mut self, tag: &'static Tag, ccy: &str) -> WriteError {
        let error = self.currency_error(tag.name, ccy);
        self.outer_opened(tag, error)
    }

    /// The check of an amount [`is_plain_decimal`] cannot vouch for.
    #[inline(never)]
    fn checked_amount(&mut self, tag: &'static Tag, amount: Decimal) -> Result<(), WriteError> {
        match self.check_decimal(tag, amount, check::AMOUNT_FRACTION_DIGITS) {
            Ok(()) => Ok(()),
            Err(error) => Err(self.outer_opened(tag, error)),
        }
    }

    /// A `DecimalNumber` (TxsSummry sums): 17 fraction digits and 18 digits at most.
    fn decimal(&mut self, tag: &'static Tag, value: Decimal) -> Result<(), WriteError> {
        self.check_decimal(tag, value, check::DECIMAL_FRACTION_DIGITS)?;
        self.newline()?;
        self.put(tag.open)?;
        self.put_decimal(value)?;
        self.put(tag.close)?;
        Ok(())
    }

    #[inline(always)]
    fn check_decimal(
        &self,
        tag: &'static Tag,
        value: Decimal,
        max_fraction: u32,
    ) -> Result<(), WriteError> {
        if is_plain_decimal(value, max_fraction) {
            return Ok(());
        }
        check::amount(value, max_fraction)
            .map_err(|issue| self.amount_error(tag.name, value, issue))
    }

    /// A value `check::amount` accepted, as `Display` writes it.
    fn put_decimal(&mut self, value: Decimal) -> io::Result<()> {
        if let Some(text) = self.decimal.text(value) {
            return self.sink.put(text);
        }
        self.scratch.clear();
        // A negative zero would print as "-0": write it unsigned.
        let value = if value.is_zero() { value.abs() } else { value };
        let _ = write!(self.scratch, "{value}");
        self.sink.put(self.scratch.as_bytes())
    }

    fn number(&mut self, tag: &'static Tag, value: u64, max_digits: u32) -> Result<(), WriteError> {
        if value.checked_ilog10().unwrap_or(0) + 1 > max_digits {
            return Err(WriteError::NumberTooLarge {
                path: self.path(tag.name),
                value,
                max_digits,
            });
        }
        let mut digits = [0; DECIMAL_TEXT];
        let text = decimal_digits(value, 0, &mut digits);
        self.leaf(tag, text)
    }

    /// `YYYY-MM-DD`, formatted by hand: two dates per entry are on the hot path.
    #[inline(always)]
    fn date(&mut self, tag: &'static Tag, date: NaiveDate) -> Result<(), WriteError> {
        let text = self.date_text(tag, date)?;
        self.leaf(tag, &text)
    }

    /// The text of a `date` leaf, or its error as `date` returns it.
    #[inline(always)]
    fn date_text(&mut self, tag: &'static Tag, date: NaiveDate) -> Result<[u8; 10], WriteError> {
        let year = date.year();
        if !(1..=9999).contains(&year) {
            return Err(self.date_out_of_range(tag, year));
        }
        let year = year.unsigned_abs();
        let [c1, c2] = two_digits(year / 100);
        let [y1, y2] = two_digits(year);
        let [m1, m2] = two_digits(date.month());
        let [d1, d2] = two_digits(date.day());
        Ok([c1, c2, y1, y2, b'-', m1, m2, b'-', d1, d2])
    }

    #[cold]
    #[inline(never)]
    fn date_out_of_range(&mut self, tag: &'static Tag, year: i32) -> WriteError {
        let error = WriteError::DateOutOfRange {
            path: self.path(tag.name),
            year,
        };
        self.outer_opened(tag, error)
    }

    /// `2024-02-01T06:00:00+01:00`: seconds, explicit offset, fractions dropped.
    fn date_time(
        &mut self,
        tag: &'static Tag,
        value: &DateTime<FixedOffset>,
    ) -> Result<(), WriteError> {
        let year = value.year();
        if !(1..=9999).contains(&year) {
            return Err(WriteError::DateOutOfRange {
                path: self.path(tag.name),
                year,
            });
        }
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        let _ = write!(text, "{}", value.format("%Y-%m-%dT%H:%M:%S%:z"));
        let result = self.leaf(tag, text.as_bytes());
        self.scratch = text;
        result
    }

    /// The path of a child `leaf` of the current element, for error messages.
    fn path(&self, leaf: &str) -> String {
        let mut path = String::new();
        for (name, index) in self.open.named() {
            path.push_str(name);
            if *index > 0 {
                let _ = write!(path, "[{index}]");
            }
            path.push('/');
        }
        path.push_str(leaf);
        path
    }

    /// `error`, for a value of `tag` found invalid, once the start tags that were written
    /// before that check when the elements of the chain were written on their own are.
    #[cold]
    fn outer_opened(&mut self, tag: &'static Tag, error: WriteError) -> WriteError {
        match self.put(tag.outer_open) {
            Ok(()) => error,
            Err(io) => io.into(),
        }
    }

    #[cold]
    #[inline(never)]
    fn invalid_pattern(
        &mut self,
        tag: &'static Tag,
        value: &str,
        expected: &'static str,
    ) -> WriteError {
        let error = self.pattern_error(tag.name, value, expected);
        self.outer_opened(tag, error)
    }

    fn overflow(&self, leaf: &str) -> WriteError {
        WriteError::AmountOverflow {
            path: self.path(leaf),
        }
    }

    fn missing(&self, leaf: &str) -> WriteError {
        WriteError::Missing {
            path: self.path(leaf),
        }
    }

    fn text_error(&self, leaf: &str, issue: TextIssue) -> WriteError {
        let path = self.path(leaf);
        match issue {
            TextIssue::Empty => WriteError::Empty { path },
            TextIssue::TooLong { len, max } => WriteError::TooLong { path, len, max },
            TextIssue::Forbidden { code, position } => WriteError::ForbiddenCharacter {
                path,
                code,
                position,
            },
        }
    }

    fn pattern_error(&self, leaf: &str, value: &str, expected: &'static str) -> WriteError {
        WriteError::Pattern {
            path: self.path(leaf),
            value: value.to_owned(),
            expected,
        }
    }

    fn currency_error(&self, leaf: &str, ccy: &str) -> WriteError {
        self.pattern_error(leaf, ccy, "currency code ([A-Z]{3}) in Ccy")
    }

    fn amount_error(&self, leaf: &str, amount: Decimal, issue: AmountIssue) -> WriteError {
        let path = self.path(leaf);
        match issue {
            AmountIssue::Negative => WriteError::NegativeAmount { path, amount },
            AmountIssue::FractionDigits { digits, max } => WriteError::TooManyFractionDigits {
                path,
                amount,
                digits,
                max,
            },
            AmountIssue::TotalDigits { digits } => WriteError::TooManyDigits {
                path,
                amount,
                digits,
            },
        }
    }
}

/// "00" to "99", for formatting numbers two digits at a time.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// The last two decimal digits of `value`.
#[inline(always)]
fn two_digits(value: u32) -> [u8; 2] {
    let at = (value % 100) as usize * 2;
    match DIGIT_PAIRS.get(at..at + 2) {
        Some(&[tens, ones]) => [tens, ones],
        _ => *b"00",
    }
}

/// Whether `check::amount` accepts `value` without a doubt, in a few instructions: a
/// mantissa of 0..10^18 (not negative; a negative zero's is 0) has at most 18 digits, and
/// a scale of at most `max_fraction` and 18 is neither too many fraction digits nor too
/// many digits.
#[inline(always)]
fn is_plain_decimal(value: Decimal, max_fraction: u32) -> bool {
    value.scale() <= max_fraction.min(check::MAX_TOTAL_DIGITS)
        && u64::try_from(value.mantissa()).is_ok_and(|m| m < 10u64.pow(check::MAX_TOTAL_DIGITS))
}

/// Room for the text of any `u64` with a decimal point and up to 28 fraction digits.
const DECIMAL_TEXT: usize = 64;

/// `value` as its `Display` writes it, when that is the digits of a `u64` mantissa:
/// unsigned, a point before the last `scale` digits, and a zero before the point when
/// nothing else is. `None` for a negative value or a mantissa past `u64` (which
/// `check::amount` refuses).
fn unsigned_decimal_text(value: Decimal, buf: &mut [u8; DECIMAL_TEXT]) -> Option<&[u8]> {
    if value.is_sign_negative() && !value.is_zero() {
        return None;
    }
    let mantissa = u64::try_from(value.mantissa().unsigned_abs()).ok()?;
    Some(decimal_digits(mantissa, value.scale(), buf))
}

/// `mantissa` scaled down by `scale` decimal places, written at the end of `buf`, two
/// digits at a time.
fn decimal_digits(mut mantissa: u64, scale: u32, buf: &mut [u8; DECIMAL_TEXT]) -> &[u8] {
    // A `Decimal` has at most 28 fraction digits: 28 + 1 + 20 bytes fit in `buf`.
    let mut fraction_digits = scale.min(28);
    let mut at = buf.len();
    let mut put = |at: &mut usize, bytes: &[u8]| {
        *at -= bytes.len();
        if let Some(to) = buf.get_mut(*at..*at + bytes.len()) {
            to.copy_from_slice(bytes);
        }
    };
    if fraction_digits > 0 {
        while fraction_digits >= 2 {
            put(&mut at, &two_digits((mantissa % 100) as u32));
            mantissa /= 100;
            fraction_digits -= 2;
        }
        if fraction_digits == 1 {
            put(&mut at, &[b'0' + (mantissa % 10) as u8]);
            mantissa /= 10;
        }
        put(&mut at, b".");
    }
    while mantissa >= 100 {
        put(&mut at, &two_digits((mantissa % 100) as u32));
        mantissa /= 100;
    }
    if mantissa >= 10 {
        put(&mut at, &two_digits(mantissa as u32));
    } else {
        put(&mut at, &[b'0' + mantissa as u8]);
    }
    buf.get(at..).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Plain texts, eight bytes at a time

const SPACES: u64 = ONES * b' ' as u64;

/// Whether `text` can be written as it is: 1..=`max` bytes of printable ASCII (space to
/// DEL), not all spaces, no `&`, `<` or `>`. `check::text` accepts such a text (ASCII:
/// as many characters as bytes; space is its only whitespace) and escaping leaves it
/// unchanged. Any other text, valid or not, is for `check::text` and `put_escaped`.
#[inline(always)]
fn is_plain(text: &[u8], max: usize) -> bool {
    if text.len() > max {
        return false;
    }
    let (words, _) = text.as_chunks::<8>();
    // The last word overlaps the one before it (for a short text: two overlapping
    // halves from 4 bytes on, padded with spaces below): no byte goes unchecked, and a
    // byte seen twice changes nothing.
    let last = match text.last_chunk::<8>() {
        Some(last) => u64::from_le_bytes(*last),
        None => short_word(text),
    };
    let mut plain = plain_bytes(last);
    let mut not_space = last ^ SPACES;
    for word in words {
        let word = u64::from_le_bytes(*word);
        plain &= plain_bytes(word);
        not_space |= word ^ SPACES;
    }
    plain & HIGH_BITS == HIGH_BITS && not_space != 0
}

/// [`is_plain`] for a text no longer than allowed, copying it to `to` (of the same length)
/// on the way; what `to` holds counts only if the answer is `true`.
///
/// Only the first and the last eight bytes are looked at for a character that is not a
/// space: a plain text blank at both ends (rare) is answered `false` and goes the slow
/// way, which writes it the same.
#[inline(always)]
fn copy_if_plain(to: &mut [u8], text: &[u8]) -> bool {
    let (words, _) = text.as_chunks::<8>();
    let (to_words, _) = to.as_chunks_mut::<8>();
    let last = match text.last_chunk::<8>() {
        Some(last) => u64::from_le_bytes(*last),
        None => short_word(text),
    };
    let first = words
        .first()
        .map_or(last, |first| u64::from_le_bytes(*first));
    let not_space = (first ^ SPACES) | (last ^ SPACES);
    let mut plain = plain_bytes(last);
    for (to_word, word) in to_words.iter_mut().zip(words) {
        *to_word = *word;
        plain &= plain_bytes(u64::from_le_bytes(*word));
    }
    copy_tail(to, text);
    plain & HIGH_BITS == HIGH_BITS && not_space != 0
}

/// Copies `from` to `to` (of the same length) a word at a time, without a call to
/// `memcpy` for the short values that most are.
#[inline(always)]
fn copy_value(to: &mut [u8], from: &[u8]) {
    if from.len() > 64 {
        to.copy_from_slice(from);
        return;
    }
    let (words, _) = from.as_chunks::<8>();
    let (to_words, _) = to.as_chunks_mut::<8>();
    for (to_word, word) in to_words.iter_mut().zip(words) {
        *to_word = *word;
    }
    copy_tail(to, from);
}

/// The bytes of `from` after its last whole word (and maybe some before, again), to `to`
/// of the same length.
#[inline(always)]
fn copy_tail(to: &mut [u8], from: &[u8]) {
    if let (Some(to_word), Some(word)) = (to.last_chunk_mut::<8>(), from.last_chunk::<8>()) {
        *to_word = *word;
    } else if let (Some(to_half), Some(half)) = (to.first_chunk_mut::<4>(), from.first_chunk::<4>())
    {
        *to_half = *half;
        if let (Some(to_half), Some(half)) = (to.last_chunk_mut::<4>(), from.last_chunk::<4>()) {
            *to_half = *half;
        }
    } else {
        for (to_byte, byte) in to.iter_mut().zip(from) {
            *to_byte = *byte;
        }
    }
}

/// The bytes of a text shorter than 8 bytes in one word: from 4 bytes on its first and
/// last 4 (overlapping), below that the bytes and the rest spaces.
#[inline(always)]
fn short_word(text: &[u8]) -> u64 {
    match (text.first_chunk::<4>(), text.last_chunk::<4>()) {
        (Some(first), Some(last)) => {
            u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32
        }
        _ => text
            .iter()
            .fold(SPACES, |word, &byte| (word << 8) | u64::from(byte)),
    }
}

/// The high bit is set in every byte of `word` that is printable ASCII (space to DEL) other
/// than `&`, `<` and `>`; the other bits are noise. Words are and-ed together before the
/// high bits are looked at, with one negation fewer per word than asking for the bytes
/// that are not.
#[inline(always)]
fn plain_bytes(word: u64) -> u64 {
    // Bytes of 0..=0x7F: adding at most 0x7F to each cannot carry into the next.
    let low = word & !HIGH_BITS;
    let not_control = low + ONES * 0x60;
    let not_ampersand = bytes_differ(low, b'&');
    // `<` is `>` with bit 1 clear, and no other byte becomes `>` when it is set.
    let not_angle = bytes_differ(low | (ONES * 0x02), b'>');
    !word & not_control & not_ampersand & not_angle
}

/// The high bit of every byte of `low` (bytes of 0..=0x7F) that differs from `byte`
/// (0..=0x7F) is set; the other bits are noise. A difference of bytes of 0..=0x7F is one
/// too: adding 0x7F sets its high bit unless it is zero, and cannot carry.
#[inline(always)]
fn bytes_differ(low: u64, byte: u8) -> u64 {
    (low ^ (ONES * u64::from(byte))) + !HIGH_BITS
}

// After `tag!`, which it uses.
#[cfg(test)]
mod differential;

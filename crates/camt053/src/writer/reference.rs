//! The writer as it was before the byte-level rewrite, on `quick_xml::Writer`: the
//! reference the differential tests compare the fast writer with. Test-only.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Read, Write};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use rust_decimal::Decimal;

use super::WriteError;
use crate::NAMESPACE;
use crate::check::{self, AmountIssue, TextIssue};
use crate::model::*;

/// Writes one statement (`Stmt`) as a whole camt.053 document, entry by entry.
pub struct StatementWriter<W: Write> {
    out: Out<W>,
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
        let mut out = Out::new(out, &[]);
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
    pub fn splice_entries<R: Read>(&mut self, mut fragments: R) -> Result<u64, WriteError> {
        Ok(io::copy(&mut fragments, self.out.xml.get_mut())?)
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
pub fn write_entry_fragment<W: Write>(out: W, entry: &Entry) -> Result<(), WriteError> {
    let mut out = Out::new(out, &["Document", "BkToCstmrStmt", "Stmt"]);
    write_entry(&mut out, entry, 0)?;
    out.into_inner()?;
    Ok(())
}

/// Convenience: a whole Document with one or more statements (used by tests).
pub fn write_document<W: Write>(out: W, doc: &Document) -> Result<W, WriteError> {
    let mut out = Out::new(out, &[]);
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

// ---------------------------------------------------------------------------------------
// Document structure

fn write_document_start<W: Write>(out: &mut Out<W>, group: &GroupHeader) -> Result<(), WriteError> {
    out.xml
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    out.start_root()?;
    out.start("BkToCstmrStmt")?;
    out.start("GrpHdr")?;
    out.text("MsgId", &group.message_id, 35)?;
    out.date_time("CreDtTm", &group.created)?;
    out.end()
}

fn write_document_end<W: Write>(out: &mut Out<W>) -> Result<(), WriteError> {
    out.end()?; // BkToCstmrStmt
    out.end()?; // Document
    out.xml.get_mut().write_all(b"\n")?;
    Ok(())
}

fn write_statement_header<W: Write>(
    out: &mut Out<W>,
    header: &StatementHeader,
) -> Result<(), WriteError> {
    out.start("Stmt")?;
    out.text("Id", &header.id, 35)?;
    if let Some(n) = header.electronic_sequence {
        out.number("ElctrncSeqNb", n, check::MAX_TOTAL_DIGITS)?;
    }
    if let Some(n) = header.legal_sequence {
        out.number("LglSeqNb", n, check::MAX_TOTAL_DIGITS)?;
    }
    out.date_time("CreDtTm", &header.created)?;
    if let Some((from, to)) = &header.from_to {
        out.start("FrToDt")?;
        out.date_time("FrDtTm", from)?;
        out.date_time("ToDtTm", to)?;
        out.end()?;
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

fn write_statement_end<W: Write>(
    out: &mut Out<W>,
    additional_info: Option<&str>,
) -> Result<(), WriteError> {
    out.opt_text("AddtlStmtInf", additional_info, 500)?;
    out.end()
}

fn write_account<W: Write>(out: &mut Out<W>, account: &Account) -> Result<(), WriteError> {
    out.start("Acct")?;
    match (&account.iban, &account.other_id) {
        (Some(iban), _) => {
            out.start("Id")?;
            out.iban("IBAN", iban)?;
            out.end()?;
        }
        (None, Some(other)) => {
            out.start("Id")?;
            out.start("Othr")?;
            out.text("Id", other, 34)?;
            out.end()?;
            out.end()?;
        }
        (None, None) => return Err(out.missing("Id")),
    }
    if let Some(ccy) = &account.currency {
        out.currency("Ccy", ccy)?;
    }
    out.opt_text("Nm", account.name.as_deref(), 70)?;
    if let Some(owner) = &account.owner_name {
        out.start("Ownr")?;
        out.text("Nm", owner, 140)?;
        out.end()?;
    }
    if account.servicer_bic.is_some() || account.servicer_name.is_some() {
        out.start("Svcr")?;
        out.start("FinInstnId")?;
        if let Some(bic) = &account.servicer_bic {
            out.bic("BIC", bic)?;
        }
        out.opt_text("Nm", account.servicer_name.as_deref(), 140)?;
        out.end()?;
        out.end()?;
    }
    out.end()
}

/// The codes `BalanceType12Code` enumerates; anything else goes to `Prtry`.
const BALANCE_CODES: [&str; 10] = [
    "XPCD", "OPAV", "ITAV", "CLAV", "FWAV", "CLBD", "ITBD", "OPBD", "PRCD", "INFO",
];

fn write_balance<W: Write>(out: &mut Out<W>, balance: &Balance) -> Result<(), WriteError> {
    out.start("Bal")?;
    out.start("Tp")?;
    out.start("CdOrPrtry")?;
    let code = balance.kind.code();
    if BALANCE_CODES.contains(&code) {
        out.text("Cd", code, 4)?;
    } else {
        out.text("Prtry", code, 35)?;
    }
    out.end()?;
    out.end()?;
    out.amount("Amt", balance.amount.abs(), &balance.currency)?;
    out.code("CdtDbtInd", CreditDebit::of(balance.amount).code())?;
    out.start("Dt")?;
    out.date("Dt", balance.date)?;
    out.end()?;
    out.end()
}

/// V02 `TotalTransactions2`; the credit and debit blocks are optional and left out when
/// they would count nothing.
fn write_summary<W: Write>(
    out: &mut Out<W>,
    summary: &TransactionsSummary,
) -> Result<(), WriteError> {
    const MAX_COUNT_DIGITS: u32 = 15; // Max15NumericText
    out.start("TxsSummry")?;
    out.start("TtlNtries")?;
    out.number("NbOfNtries", summary.count(), MAX_COUNT_DIGITS)?;
    let sum = summary.checked_sum().ok_or_else(|| out.overflow("Sum"))?;
    out.decimal("Sum", sum)?;
    let net = summary
        .checked_net()
        .ok_or_else(|| out.overflow("TtlNetNtryAmt"))?;
    out.decimal("TtlNetNtryAmt", net.abs())?;
    out.code("CdtDbtInd", CreditDebit::of(net).code())?;
    out.end()?;
    // A block is left out only when it says nothing: a bank's zero count with a non-zero
    // sum is kept as read, since its sum is part of TtlNtries above (found by fuzzing).
    if summary.credit_count > 0 || !summary.credit_sum.is_zero() {
        out.start("TtlCdtNtries")?;
        out.number("NbOfNtries", summary.credit_count, MAX_COUNT_DIGITS)?;
        out.decimal("Sum", summary.credit_sum)?;
        out.end()?;
    }
    if summary.debit_count > 0 || !summary.debit_sum.is_zero() {
        out.start("TtlDbtNtries")?;
        out.number("NbOfNtries", summary.debit_count, MAX_COUNT_DIGITS)?;
        out.decimal("Sum", summary.debit_sum)?;
        out.end()?;
    }
    out.end()
}

// ---------------------------------------------------------------------------------------
// Entries

/// `index` is the 1-based position in the statement for error paths, 0 when unknown.
fn write_entry<W: Write>(out: &mut Out<W>, entry: &Entry, index: u64) -> Result<(), WriteError> {
    out.start_indexed("Ntry", index)?;
    out.opt_text("NtryRef", entry.entry_ref.as_deref(), 35)?;
    out.amount("Amt", entry.amount, &entry.currency)?;
    out.code("CdtDbtInd", entry.direction.code())?;
    if entry.reversal {
        out.code("RvslInd", "true")?;
    }
    out.code("Sts", entry.status.code())?;
    if let Some(date) = entry.booking_date {
        out.start("BookgDt")?;
        out.date("Dt", date)?;
        out.end()?;
    }
    if let Some(date) = entry.value_date {
        out.start("ValDt")?;
        out.date("Dt", date)?;
        out.end()?;
    }
    out.opt_text("AcctSvcrRef", entry.account_servicer_ref.as_deref(), 35)?;
    write_bank_transaction_code(out, &entry.bank_transaction_code)?;
    if entry.details.iter().any(|d| !details_are_empty(d)) {
        out.start("NtryDtls")?;
        for (tx_index, details) in (1..).zip(&entry.details) {
            if !details_are_empty(details) {
                write_details(out, details, tx_index)?;
            }
        }
        out.end()?;
    }
    out.opt_text("AddtlNtryInf", entry.additional_info.as_deref(), 500)?;
    out.end()
}

fn write_bank_transaction_code<W: Write>(
    out: &mut Out<W>,
    code: &BankTransactionCode,
) -> Result<(), WriteError> {
    if code.domain.is_none() && code.proprietary.is_none() {
        return Err(WriteError::MissingBankTransactionCode {
            path: out.path("BkTxCd"),
        });
    }
    out.start("BkTxCd")?;
    if let Some(domain) = &code.domain {
        out.start("Domn")?;
        out.text("Cd", &domain.domain, 4)?;
        out.start("Fmly")?;
        out.text("Cd", &domain.family, 4)?;
        out.text("SubFmlyCd", &domain.sub_family, 4)?;
        out.end()?;
        out.end()?;
    }
    if let Some(proprietary) = &code.proprietary {
        out.start("Prtry")?;
        out.text("Cd", &proprietary.code, 35)?;
        out.opt_text("Issr", proprietary.issuer.as_deref(), 35)?;
        out.end()?;
    }
    out.end()
}

/// A `TxDtls` with nothing in it would be an empty element: it is left out.
fn details_are_empty(d: &TransactionDetails) -> bool {
    d.refs == References::default()
        && d.amount.is_none()
        && d.charges.is_empty()
        && related_parties_are_empty(&d.related_parties)
        && d.purpose.is_none()
        && d.remittance.is_empty()
        && d.return_info.is_none()
        && d.additional_info.is_none()
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

fn write_details<W: Write>(
    out: &mut Out<W>,
    d: &TransactionDetails,
    index: u64,
) -> Result<(), WriteError> {
    out.start_indexed("TxDtls", index)?;
    write_references(out, &d.refs)?;
    if let Some((amount, currency)) = &d.amount {
        out.start("AmtDtls")?;
        out.start("TxAmt")?;
        out.amount("Amt", *amount, currency)?;
        out.end()?;
        out.end()?;
    }
    for charges in &d.charges {
        write_charges(out, charges)?;
    }
    write_related_parties(out, &d.related_parties)?;
    if let Some(purpose) = &d.purpose {
        out.start("Purp")?;
        out.text("Cd", purpose, 4)?;
        out.end()?;
    }
    write_remittance(out, &d.remittance)?;
    if let Some(info) = &d.return_info {
        out.start("RtrInf")?;
        out.text("AddtlInf", info, 105)?;
        out.end()?;
    }
    out.opt_text("AddtlTxInf", d.additional_info.as_deref(), 500)?;
    out.end()
}

fn write_references<W: Write>(out: &mut Out<W>, refs: &References) -> Result<(), WriteError> {
    if *refs == References::default() {
        return Ok(());
    }
    out.start("Refs")?;
    out.opt_text("AcctSvcrRef", refs.account_servicer_ref.as_deref(), 35)?;
    out.opt_text("PmtInfId", refs.payment_information_id.as_deref(), 35)?;
    out.opt_text("InstrId", refs.instruction_id.as_deref(), 35)?;
    out.opt_text("EndToEndId", refs.end_to_end_id.as_deref(), 35)?;
    out.opt_text("TxId", refs.transaction_id.as_deref(), 35)?;
    out.opt_text("MndtId", refs.mandate_id.as_deref(), 35)?;
    if let Some(proprietary) = &refs.proprietary {
        out.start("Prtry")?;
        out.text("Tp", &proprietary.kind, 35)?;
        out.text("Ref", &proprietary.reference, 35)?;
        out.end()?;
    }
    out.end()
}

/// `Chrgs`: `Amt`, then `CdtDbtInd` when known.
fn write_charges<W: Write>(out: &mut Out<W>, charges: &Charges) -> Result<(), WriteError> {
    out.start("Chrgs")?;
    out.amount("Amt", charges.amount, &charges.currency)?;
    if let Some(direction) = charges.direction {
        out.code("CdtDbtInd", direction.code())?;
    }
    out.end()
}

fn write_related_parties<W: Write>(
    out: &mut Out<W>,
    parties: &RelatedParties,
) -> Result<(), WriteError> {
    if related_parties_are_empty(parties) {
        return Ok(());
    }
    out.start("RltdPties")?;
    write_party(out, "Dbtr", parties.debtor.as_ref())?;
    write_party_account(out, "DbtrAcct", parties.debtor_account.as_ref())?;
    write_party(out, "Cdtr", parties.creditor.as_ref())?;
    write_party_account(out, "CdtrAcct", parties.creditor_account.as_ref())?;
    out.end()
}

fn write_party<W: Write>(
    out: &mut Out<W>,
    element: &'static str,
    party: Option<&Party>,
) -> Result<(), WriteError> {
    let Some(party) = party.filter(|p| !party_is_empty(Some(p))) else {
        return Ok(());
    };
    out.start(element)?;
    out.opt_text("Nm", party.name.as_deref(), 140)?;
    if let Some(creditor_id) = &party.sepa_creditor_id {
        out.start("Id")?;
        out.start("PrvtId")?;
        out.start("Othr")?;
        out.text("Id", creditor_id, 35)?;
        out.start("SchmeNm")?;
        out.code("Prtry", "SEPA")?;
        out.end()?;
        out.end()?;
        out.end()?;
        out.end()?;
    }
    out.end()
}

fn write_party_account<W: Write>(
    out: &mut Out<W>,
    element: &'static str,
    account: Option<&AccountId>,
) -> Result<(), WriteError> {
    let Some(account) = account else {
        return Ok(());
    };
    out.start(element)?;
    out.start("Id")?;
    match account {
        AccountId::Iban(iban) => out.iban("IBAN", iban)?,
        AccountId::Other(other) => {
            out.start("Othr")?;
            out.text("Id", other, 34)?;
            out.end()?;
        }
    }
    out.end()?;
    out.end()
}

/// `DocumentType3Code` values; other creditor reference types go to `Prtry`.
const CREDITOR_REFERENCE_CODES: [&str; 6] = ["RADM", "RPIN", "FXDR", "DISP", "PUOR", "SCOR"];

fn write_remittance<W: Write>(out: &mut Out<W>, remittance: &Remittance) -> Result<(), WriteError> {
    if remittance.is_empty() {
        return Ok(());
    }
    out.start("RmtInf")?;
    for line in &remittance.unstructured {
        out.text("Ustrd", line, 140)?;
    }
    if let Some(reference) = &remittance.creditor_reference {
        out.start("Strd")?;
        out.start("CdtrRefInf")?;
        if let Some(kind) = &reference.kind {
            out.start("Tp")?;
            out.start("CdOrPrtry")?;
            if CREDITOR_REFERENCE_CODES.contains(&kind.as_str()) {
                out.code("Cd", kind)?;
            } else {
                out.text("Prtry", kind, 35)?;
            }
            out.end()?;
            out.end()?;
        }
        out.text("Ref", &reference.reference, 35)?;
        out.end()?;
        out.end()?;
    }
    out.end()
}

// ---------------------------------------------------------------------------------------
// Low level: elements, indentation, checked values

/// The element written on one line.
const ENTRY: &str = "Ntry";

/// Spaces for indentation; deeper levels (none exist in camt.053) are capped.
const INDENT: &[u8] = b"                                                                ";

/// The output with the stack of open elements (for indentation and error paths) and a
/// scratch buffer reused for numbers, dates and start tags.
struct Out<W: Write> {
    xml: quick_xml::Writer<BufWriter<W>>,
    /// Open elements and their 1-based index among same-named siblings (0: not tracked).
    open: Vec<(&'static str, u64)>,
    scratch: String,
    /// Inside an `Ntry`: no line breaks or indentation. One entry per line keeps a file
    /// easy to scan and 40% smaller, which is most of the I/O of a large conversion.
    in_entry: bool,
}

impl<W: Write> Out<W> {
    fn new(inner: W, enclosing: &[&'static str]) -> Self {
        let mut open = Vec::with_capacity(16);
        open.extend(enclosing.iter().map(|name| (*name, 0)));
        Out {
            xml: quick_xml::Writer::new(BufWriter::with_capacity(64 * 1024, inner)),
            open,
            scratch: String::with_capacity(64),
            in_entry: false,
        }
    }

    fn into_inner(self) -> Result<W, WriteError> {
        self.xml
            .into_inner()
            .into_inner()
            .map_err(|e| WriteError::Io(e.into_error()))
    }

    fn newline(&mut self) -> io::Result<()> {
        if self.in_entry {
            return Ok(());
        }
        let width = (self.open.len() * 2).min(INDENT.len());
        let sink = self.xml.get_mut();
        sink.write_all(b"\n")?;
        sink.write_all(&INDENT[..width])
    }

    fn start(&mut self, name: &'static str) -> Result<(), WriteError> {
        self.start_indexed(name, 0)
    }

    fn start_indexed(&mut self, name: &'static str, index: u64) -> Result<(), WriteError> {
        self.newline()?;
        self.xml.write_event(Event::Start(BytesStart::new(name)))?;
        self.open.push((name, index));
        self.in_entry |= name == ENTRY;
        Ok(())
    }

    /// `<Document xmlns="…">`: the one element with an attribute besides amounts.
    fn start_root(&mut self) -> Result<(), WriteError> {
        self.newline()?;
        let tag = BytesStart::new("Document").with_attributes([("xmlns", NAMESPACE)]);
        self.xml.write_event(Event::Start(tag))?;
        self.open.push(("Document", 0));
        Ok(())
    }

    fn end(&mut self) -> Result<(), WriteError> {
        let (name, _) = self.open.pop().unwrap_or(("?", 0));
        self.newline()?;
        self.xml.write_event(Event::End(BytesEnd::new(name)))?;
        if name == ENTRY {
            self.in_entry = false;
        }
        Ok(())
    }

    /// `<name>escaped</name>` on one line.
    fn leaf(&mut self, name: &'static str, escaped: &str) -> Result<(), WriteError> {
        self.newline()?;
        self.xml.write_event(Event::Start(BytesStart::new(name)))?;
        self.xml
            .write_event(Event::Text(BytesText::from_escaped(escaped)))?;
        self.xml.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    /// A fixed code from this crate (CRDT, BOOK, true…): nothing to check or escape.
    fn code(&mut self, name: &'static str, code: &str) -> Result<(), WriteError> {
        self.leaf(name, code)
    }

    fn text(&mut self, name: &'static str, value: &str, max: usize) -> Result<(), WriteError> {
        check::text(value, max).map_err(|issue| self.text_error(name, issue))?;
        let escaped = escape(value);
        self.leaf(name, &escaped)
    }

    fn opt_text(
        &mut self,
        name: &'static str,
        value: Option<&str>,
        max: usize,
    ) -> Result<(), WriteError> {
        match value {
            Some(value) => self.text(name, value, max),
            None => Ok(()),
        }
    }

    fn iban(&mut self, name: &'static str, value: &str) -> Result<(), WriteError> {
        self.patterned(
            name,
            value,
            check::is_iban(value),
            "IBAN ([A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30})",
        )
    }

    fn bic(&mut self, name: &'static str, value: &str) -> Result<(), WriteError> {
        self.patterned(
            name,
            value,
            check::is_bic(value),
            "BIC (8 or 11 characters, upper case)",
        )
    }

    fn currency(&mut self, name: &'static str, value: &str) -> Result<(), WriteError> {
        self.patterned(
            name,
            value,
            check::is_currency(value),
            "currency code ([A-Z]{3})",
        )
    }

    /// A value whose pattern admits only ASCII letters and digits: no escaping needed.
    fn patterned(
        &mut self,
        name: &'static str,
        value: &str,
        valid: bool,
        expected: &'static str,
    ) -> Result<(), WriteError> {
        if !valid {
            return Err(self.pattern_error(name, value, expected));
        }
        self.leaf(name, value)
    }

    /// `<name Ccy="…">amount</name>`, the amount unsigned with at most 5 fraction digits.
    fn amount(&mut self, name: &'static str, amount: Decimal, ccy: &str) -> Result<(), WriteError> {
        if !check::is_currency(ccy) {
            return Err(self.pattern_error(name, ccy, "currency code ([A-Z]{3}) in Ccy"));
        }
        check::amount(amount, check::AMOUNT_FRACTION_DIGITS)
            .map_err(|issue| self.amount_error(name, amount, issue))?;
        self.newline()?;
        // The currency is [A-Z]{3}: the attribute needs no escaping.
        self.scratch.clear();
        self.scratch.push_str(name);
        self.scratch.push_str(" Ccy=\"");
        self.scratch.push_str(ccy);
        self.scratch.push('"');
        self.xml.write_event(Event::Start(BytesStart::from_content(
            self.scratch.as_str(),
            name.len(),
        )))?;
        self.write_decimal_text(amount)?;
        self.xml.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    /// A `DecimalNumber` (TxsSummry sums): 17 fraction digits and 18 digits at most.
    fn decimal(&mut self, name: &'static str, value: Decimal) -> Result<(), WriteError> {
        check::amount(value, check::DECIMAL_FRACTION_DIGITS)
            .map_err(|issue| self.amount_error(name, value, issue))?;
        self.newline()?;
        self.xml.write_event(Event::Start(BytesStart::new(name)))?;
        self.write_decimal_text(value)?;
        self.xml.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    fn write_decimal_text(&mut self, value: Decimal) -> Result<(), WriteError> {
        self.scratch.clear();
        // A negative zero would print as "-0": write it unsigned.
        let value = if value.is_zero() { value.abs() } else { value };
        let _ = write!(self.scratch, "{value}");
        self.xml.get_mut().write_all(self.scratch.as_bytes())?;
        Ok(())
    }

    fn number(
        &mut self,
        name: &'static str,
        value: u64,
        max_digits: u32,
    ) -> Result<(), WriteError> {
        if value.checked_ilog10().unwrap_or(0) + 1 > max_digits {
            return Err(WriteError::NumberTooLarge {
                path: self.path(name),
                value,
                max_digits,
            });
        }
        self.scratch.clear();
        let _ = write!(self.scratch, "{value}");
        let text = std::mem::take(&mut self.scratch);
        let result = self.leaf(name, &text);
        self.scratch = text;
        result
    }

    /// `YYYY-MM-DD`, formatted by hand: two dates per entry are on the hot path.
    fn date(&mut self, name: &'static str, date: NaiveDate) -> Result<(), WriteError> {
        let year = date.year();
        if !(1..=9999).contains(&year) {
            return Err(WriteError::DateOutOfRange {
                path: self.path(name),
                year,
            });
        }
        let mut buf = *b"0000-00-00";
        put_digits(&mut buf[0..4], year as u32);
        put_digits(&mut buf[5..7], date.month());
        put_digits(&mut buf[8..10], date.day());
        let text = std::str::from_utf8(&buf).unwrap_or("0000-00-00");
        self.leaf(name, text)
    }

    /// `2024-02-01T06:00:00+01:00`: seconds, explicit offset, fractions dropped.
    fn date_time(
        &mut self,
        name: &'static str,
        value: &DateTime<FixedOffset>,
    ) -> Result<(), WriteError> {
        let year = value.year();
        if !(1..=9999).contains(&year) {
            return Err(WriteError::DateOutOfRange {
                path: self.path(name),
                year,
            });
        }
        self.scratch.clear();
        let _ = write!(self.scratch, "{}", value.format("%Y-%m-%dT%H:%M:%S%:z"));
        let text = std::mem::take(&mut self.scratch);
        let result = self.leaf(name, &text);
        self.scratch = text;
        result
    }

    /// The path of a child `leaf` of the current element, for error messages.
    fn path(&self, leaf: &str) -> String {
        let mut path = String::new();
        for (name, index) in &self.open {
            path.push_str(name);
            if *index > 0 {
                let _ = write!(path, "[{index}]");
            }
            path.push('/');
        }
        path.push_str(leaf);
        path
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

/// Writes `value` as decimal digits filling `buf` (zero padded on the left).
fn put_digits(buf: &mut [u8], mut value: u32) {
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Escapes `&`, `<`, `>` and carriage return (a raw CR would be read back as LF). Borrows
/// when there is nothing to escape, which is the common case.
fn escape(value: &str) -> std::borrow::Cow<'_, str> {
    let needs = |b: u8| matches!(b, b'&' | b'<' | b'>' | b'\r');
    if !value.bytes().any(needs) {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut escaped = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\r' => escaped.push_str("&#13;"),
            other => escaped.push(other),
        }
    }
    std::borrow::Cow::Owned(escaped)
}

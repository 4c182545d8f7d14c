//! Reader for camt.053 documents: ours and banks' (camt.052 reports too, read as
//! statements). Tolerant by design: unknown elements are ignored, names are matched
//! without their namespace prefix, and the usual variations between banks and versions
//! (`BookgDt/DtTm`, `Dbtr/Pty/Nm`, `Sts/Cd`, several `TxDtls`, `Btch`) are accepted.
//!
//! The input is untrusted (`inspect` reads whatever it is given), so the reader streams:
//! only the elements the model is read from are kept (the schema at the end of this
//! file), a repeated element the model reads once is kept once, and every `Ntry`, `Bal`
//! and `Stmt` is mapped to the model as soon as it ends and its elements dropped. Memory
//! is the model read plus one entry's elements, time is linear in the input, whatever
//! its shape; elements nest at most [`MAX_DEPTH`] deep.

use std::io::{self, BufRead, Read};
use std::rc::Rc;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use rust_decimal::Decimal;

use crate::model::*;

/// The deepest element nesting the reader accepts (the root is at depth 1). camt.053
/// needs fewer than 20 levels; the margin is for banks' supplementary data.
pub const MAX_DEPTH: usize = 64;

/// Why a document could not be read. Positions are byte offsets in the input, paths are
/// element paths such as `Document/BkToCstmrStmt/Stmt[1]/Ntry[2]`.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not well-formed XML at byte {position}: {source}")]
    Xml {
        position: u64,
        #[source]
        source: quick_xml::Error,
    },
    #[error("not well-formed XML at byte {position}: {message}")]
    Malformed { position: u64, message: String },
    /// The input could not be read (as opposed to read and found wrong).
    #[error("reading the input at byte {position}: {source}")]
    Io {
        position: u64,
        #[source]
        source: Arc<io::Error>,
    },
    /// An element deeper than `limit` ([`MAX_DEPTH`]); `path` ends with it, `line` is
    /// 1-based.
    #[error("{path} (line {line}, byte {position}): elements nested more than {limit} deep")]
    TooDeep {
        path: String,
        line: u64,
        position: u64,
        limit: usize,
    },
    #[error("not a camt document: {0}")]
    NotCamt(String),
    #[error("{path} (byte {position}): missing {element}")]
    Missing {
        path: String,
        position: u64,
        element: String,
    },
    #[error("{path} (byte {position}): {value:?} is not a valid {expected}")]
    Invalid {
        path: String,
        position: u64,
        value: String,
        expected: &'static str,
    },
}

/// Reads a whole camt.053 (or camt.052) document from any buffered input, for instance a
/// `BufReader<File>` or a byte slice.
///
/// The input is streamed, never held whole: memory grows with what the returned
/// [`Document`] holds (plus the elements of the statement header and of the `Ntry` being
/// read), not with the size of the input or its shape, and time is linear in its size. This makes it fit for
/// untrusted files; a caller reading a path should still refuse what is not a regular
/// file (a FIFO or a device would be read until it ends).
///
/// Errors, by precedence: an input that is not well-formed XML ([`ReadError::Xml`],
/// [`ReadError::Malformed`]), cannot be read ([`ReadError::Io`]) or nests elements more
/// than [`MAX_DEPTH`] deep ([`ReadError::TooDeep`]) fails wherever that happens; then a
/// document that is not camt ([`ReadError::NotCamt`]); then the first missing or invalid
/// value in document order ([`ReadError::Missing`], [`ReadError::Invalid`]).
pub fn read_document<R: BufRead>(input: R) -> Result<Document, ReadError> {
    let (namespace, bodies) = match parse(input)? {
        Root::Document { namespace, bodies } => (namespace, bodies),
        Root::Other(name) => {
            return Err(ReadError::NotCamt(format!(
                "the root element is <{name}>, not <Document>"
            )));
        }
        Root::None => {
            return Err(ReadError::NotCamt(
                "the input has no root element".to_owned(),
            ));
        }
    };
    let [statement_body, report_body] = *bodies;
    let body = statement_body.or(report_body).ok_or_else(|| {
        ReadError::NotCamt(format!(
            "<Document xmlns=\"{namespace}\"> has no BkToCstmrStmt or BkToCstmrAcctRpt"
        ))
    })?;
    let group_header = read_group_header(body.node.required("GrpHdr")?)?;
    let statements = body
        .statements?
        .into_iter()
        .map(|pending| {
            let mut statement = pending.statement;
            // Mandatory, but a missing one is no reason to refuse a bank's file.
            if !pending.created_given {
                statement.header.created = group_header.created;
            }
            statement
        })
        .collect();
    Ok(Document {
        namespace,
        group_header,
        statements,
    })
}

// ---------------------------------------------------------------------------------------
// Mapping the tree to the model

fn read_group_header(node: &Node) -> Result<GroupHeader, ReadError> {
    Ok(GroupHeader {
        message_id: node.required_text("MsgId")?,
        created: date_time(node.required("CreDtTm")?)?,
    })
}

/// A statement mapped when its end tag was read, before the group header is known.
struct PendingStatement {
    statement: Statement,
    /// Whether the statement has its own `CreDtTm` (else the group header's is taken).
    created_given: bool,
}

/// Maps a `Stmt` (or `Rpt`) whose `Bal` and `Ntry` were mapped as they ended; their
/// first errors are reported where the whole statement would have reported them.
fn read_statement(
    node: &Node,
    balances: Result<Vec<Balance>, ReadError>,
    entries: Result<Vec<Entry>, ReadError>,
) -> Result<PendingStatement, ReadError> {
    let from_to = match node.child("FrToDt") {
        Some(period) => Some((
            date_time(period.required("FrDtTm")?)?,
            date_time(period.required("ToDtTm")?)?,
        )),
        None => None,
    };
    let id = node.required_text("Id")?;
    let electronic_sequence = node.child("ElctrncSeqNb").map(number).transpose()?;
    let legal_sequence = node.child("LglSeqNb").map(number).transpose()?;
    let created = node.child("CreDtTm").map(date_time).transpose()?;
    let header = StatementHeader {
        id,
        electronic_sequence,
        legal_sequence,
        // Replaced by the group header's when the statement has none.
        created: created.unwrap_or_default(),
        from_to,
        account: read_account(node.required("Acct")?),
        balances: balances?,
        summary: node.child("TxsSummry").map(read_summary).transpose()?,
    };
    Ok(PendingStatement {
        statement: Statement {
            header,
            entries: entries?,
            additional_info: node.text_at("AddtlStmtInf"),
        },
        created_given: created.is_some(),
    })
}

fn read_account(node: &Node) -> Account {
    Account {
        iban: node.text_at("Id/IBAN"),
        other_id: node.text_at("Id/Othr/Id"),
        currency: node.text_at("Ccy").map(|c| c.trim().to_owned()),
        name: node.text_at("Nm"),
        owner_name: node
            .text_at("Ownr/Nm")
            .or_else(|| node.text_at("Ownr/Pty/Nm")),
        servicer_bic: node
            .text_at("Svcr/FinInstnId/BIC")
            .or_else(|| node.text_at("Svcr/FinInstnId/BICFI")),
        servicer_name: node.text_at("Svcr/FinInstnId/Nm"),
    }
}

fn read_balance(node: &Node) -> Result<Balance, ReadError> {
    let kind = node
        .text_at("Tp/CdOrPrtry/Cd")
        .or_else(|| node.text_at("Tp/CdOrPrtry/Prtry"))
        .ok_or_else(|| node.missing("Tp/CdOrPrtry/Cd"))?;
    let (amount, currency) = amount(node.required("Amt")?)?;
    let direction = credit_debit(node.required("CdtDbtInd")?)?;
    Ok(Balance {
        kind: BalanceType::from_code(kind.trim()),
        amount: direction.signed(amount),
        currency,
        date: date_choice(node.required("Dt")?)?,
    })
}

/// Counts and sums of the credit and debit blocks; an absent block counts nothing.
fn read_summary(node: &Node) -> Result<TransactionsSummary, ReadError> {
    let block = |name: &str| -> Result<(u64, Decimal), ReadError> {
        let Some(block) = node.child(name) else {
            return Ok((0, Decimal::ZERO));
        };
        let count = block.child("NbOfNtries").map(number).transpose()?;
        let sum = block.child("Sum").map(decimal).transpose()?;
        Ok((count.unwrap_or(0), sum.unwrap_or(Decimal::ZERO)))
    };
    let (credit_count, credit_sum) = block("TtlCdtNtries")?;
    let (debit_count, debit_sum) = block("TtlDbtNtries")?;
    Ok(TransactionsSummary {
        credit_count,
        credit_sum,
        debit_count,
        debit_sum,
    })
}

fn read_entry(node: &Node) -> Result<Entry, ReadError> {
    let (amount, currency) = amount(node.required("Amt")?)?;
    let details: Vec<TransactionDetails> = node
        .children("NtryDtls")
        .flat_map(|d| d.children("TxDtls"))
        .map(read_details)
        .collect::<Result<_, _>>()?;
    Ok(Entry {
        entry_ref: node.text_at("NtryRef"),
        amount,
        currency,
        direction: credit_debit(node.required("CdtDbtInd")?)?,
        reversal: node
            .text_at("RvslInd")
            .is_some_and(|v| matches!(v.trim(), "true" | "1")),
        status: status(node.required("Sts")?)?,
        booking_date: node.child("BookgDt").map(date_choice).transpose()?,
        value_date: node.child("ValDt").map(date_choice).transpose()?,
        account_servicer_ref: node.text_at("AcctSvcrRef"),
        bank_transaction_code: entry_bank_transaction_code(node),
        details,
        additional_info: node.text_at("AddtlNtryInf"),
    })
}

/// The entry's `BkTxCd`; German banks leave it empty and code the transaction in the
/// first `TxDtls/BkTxCd` instead, which is then taken.
fn entry_bank_transaction_code(entry: &Node) -> BankTransactionCode {
    let own = entry
        .child("BkTxCd")
        .map(bank_transaction_code)
        .unwrap_or_default();
    if own != BankTransactionCode::default() {
        return own;
    }
    entry
        .children("NtryDtls")
        .flat_map(|d| d.children("TxDtls"))
        .filter_map(|tx| tx.child("BkTxCd"))
        .map(bank_transaction_code)
        .find(|code| *code != BankTransactionCode::default())
        .unwrap_or(own)
}

fn bank_transaction_code(node: &Node) -> BankTransactionCode {
    BankTransactionCode {
        domain: node.child("Domn").map(|d| DomainCode {
            domain: d.text_at("Cd").unwrap_or_default(),
            family: d.text_at("Fmly/Cd").unwrap_or_default(),
            sub_family: d.text_at("Fmly/SubFmlyCd").unwrap_or_default(),
        }),
        // An empty `Prtry/Cd` (seen in German files) is kept empty for the lint to report.
        proprietary: node.child("Prtry").map(|p| ProprietaryCode {
            code: p.child("Cd").map(|c| c.text.clone()).unwrap_or_default(),
            issuer: p.text_at("Issr"),
        }),
    }
}

fn read_details(node: &Node) -> Result<TransactionDetails, ReadError> {
    let amount = match node.at("AmtDtls/TxAmt/Amt") {
        Some(amt) => Some(amount(amt)?),
        None => None,
    };
    Ok(TransactionDetails {
        refs: References {
            account_servicer_ref: node.text_at("Refs/AcctSvcrRef"),
            payment_information_id: node.text_at("Refs/PmtInfId"),
            instruction_id: node.text_at("Refs/InstrId"),
            end_to_end_id: node.text_at("Refs/EndToEndId"),
            transaction_id: node.text_at("Refs/TxId"),
            mandate_id: node.text_at("Refs/MndtId"),
            proprietary: node.at("Refs/Prtry").and_then(|p| {
                Some(ProprietaryReference {
                    kind: p.text_at("Tp")?,
                    reference: p.text_at("Ref")?,
                })
            }),
        },
        amount,
        charges: read_charges(node)?,
        related_parties: node
            .child("RltdPties")
            .map(read_related_parties)
            .unwrap_or_default(),
        purpose: node
            .text_at("Purp/Cd")
            .or_else(|| node.text_at("Purp/Prtry")),
        remittance: node
            .child("RmtInf")
            .map(read_remittance)
            .unwrap_or_default(),
        return_info: node.child("RtrInf").and_then(read_return_info),
        additional_info: node.text_at("AddtlTxInf"),
    })
}

/// Every `Chrgs`: `Amt` and `CdtDbtInd` directly (V02), or one per `Rcrd` (V04 and later).
fn read_charges(details: &Node) -> Result<Vec<Charges>, ReadError> {
    let one = |node: &Node| -> Result<Option<Charges>, ReadError> {
        let Some(amt) = node.child("Amt") else {
            return Ok(None);
        };
        let (amount, currency) = amount(amt)?;
        Ok(Some(Charges {
            amount,
            currency,
            direction: node.child("CdtDbtInd").map(credit_debit).transpose()?,
        }))
    };
    let mut charges = Vec::new();
    for node in details.children("Chrgs") {
        charges.extend(one(node)?);
        for record in node.children("Rcrd") {
            charges.extend(one(record)?);
        }
    }
    Ok(charges)
}

fn read_related_parties(node: &Node) -> RelatedParties {
    RelatedParties {
        debtor: node.child("Dbtr").map(read_party),
        debtor_account: node.child("DbtrAcct").and_then(read_party_account),
        creditor: node.child("Cdtr").map(read_party),
        creditor_account: node.child("CdtrAcct").and_then(read_party_account),
    }
}

/// `Nm` directly (V02) or under `Pty` (V04 and later); the SEPA creditor id from a
/// private or organisation id whose scheme is `SEPA`.
fn read_party(node: &Node) -> Party {
    let party = node.child("Pty").unwrap_or(node);
    let sepa_creditor_id = party.child("Id").and_then(|id| {
        id.children("PrvtId")
            .chain(id.children("OrgId"))
            .flat_map(|kind| kind.children("Othr"))
            .find(|other| {
                other
                    .text_at("SchmeNm/Prtry")
                    .is_some_and(|scheme| scheme.trim() == "SEPA")
            })
            .and_then(|other| other.text_at("Id"))
    });
    Party {
        name: party.text_at("Nm"),
        sepa_creditor_id,
    }
}

fn read_party_account(node: &Node) -> Option<AccountId> {
    node.text_at("Id/IBAN")
        .map(AccountId::Iban)
        .or_else(|| node.text_at("Id/Othr/Id").map(AccountId::Other))
}

fn read_remittance(node: &Node) -> Remittance {
    Remittance {
        unstructured: node.children("Ustrd").filter_map(Node::value).collect(),
        creditor_reference: node
            .children("Strd")
            .filter_map(|s| s.child("CdtrRefInf"))
            .find_map(|info| {
                Some(CreditorReference {
                    kind: info
                        .text_at("Tp/CdOrPrtry/Cd")
                        .or_else(|| info.text_at("Tp/CdOrPrtry/Prtry")),
                    reference: info.text_at("Ref")?,
                })
            }),
    }
}

/// `AddtlInf` lines joined by spaces, else the reason code.
fn read_return_info(node: &Node) -> Option<String> {
    let lines: Vec<String> = node.children("AddtlInf").filter_map(Node::value).collect();
    if lines.is_empty() {
        node.text_at("Rsn/Cd").or_else(|| node.text_at("Rsn/Prtry"))
    } else {
        Some(lines.join(" "))
    }
}

// ---------------------------------------------------------------------------------------
// Values

fn amount(node: &Node) -> Result<(Decimal, String), ReadError> {
    let value = decimal(node)?;
    let currency = node
        .ccy
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| node.missing("@Ccy"))?;
    Ok((value, currency.to_owned()))
}

fn decimal(node: &Node) -> Result<Decimal, ReadError> {
    let text = node.text.trim();
    exact_decimal(text).ok_or_else(|| node.invalid(text, "decimal number"))
}

/// An XSD `decimal` (`[+-]?(d+(.d*)?|.d+)`), refused unless held exactly: `Decimal`
/// itself would also take `1e5` or `1_000`, and silently round digits beyond its 28
/// (`0.00000000000000000000000000001` would become zero).
fn exact_decimal(text: &str) -> Option<Decimal> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if (integer.is_empty() && fraction.is_empty()) || !digits(integer) || !digits(fraction) {
        return None;
    }
    let value = Decimal::from_str(text).ok()?;
    let significant_fraction = fraction.trim_end_matches('0').len();
    (value.scale() as usize >= significant_fraction).then_some(value)
}

fn number(node: &Node) -> Result<u64, ReadError> {
    let text = node.text.trim();
    text.parse().map_err(|_| node.invalid(text, "number"))
}

fn credit_debit(node: &Node) -> Result<CreditDebit, ReadError> {
    match node.text.trim() {
        "CRDT" => Ok(CreditDebit::Credit),
        "DBIT" => Ok(CreditDebit::Debit),
        other => Err(node.invalid(other, "CdtDbtInd (CRDT or DBIT)")),
    }
}

/// `Sts` is a code in V02 and `Sts/Cd` in later versions.
fn status(node: &Node) -> Result<EntryStatus, ReadError> {
    let code = node.child("Cd").unwrap_or(node);
    match code.text.trim() {
        "BOOK" => Ok(EntryStatus::Booked),
        "PDNG" => Ok(EntryStatus::Pending),
        "INFO" => Ok(EntryStatus::Info),
        other => Err(code.invalid(other, "entry status (BOOK, PDNG or INFO)")),
    }
}

/// `Dt` or `DtTm` (whose date part is taken as written).
fn date_choice(node: &Node) -> Result<NaiveDate, ReadError> {
    let value = node
        .child("Dt")
        .or_else(|| node.child("DtTm"))
        .ok_or_else(|| node.missing("Dt"))?;
    let text = value.text.trim();
    text.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .filter(|d| ISO_YEARS.contains(&d.year()))
        .ok_or_else(|| value.invalid(text, "date (YYYY-MM-DD)"))
}

/// The years an ISO 8601 date without expansion can carry. chrono takes years 0 and
/// below (`-001-01-01`), which no statement means and the writer refuses.
const ISO_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// An ISO date-time; one without an offset is taken as UTC, a bare date as midnight.
fn date_time(node: &Node) -> Result<DateTime<FixedOffset>, ReadError> {
    let text = node.text.trim();
    DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc().fixed_offset())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc().fixed_offset())
        })
        .filter(|t| ISO_YEARS.contains(&t.year()))
        .ok_or_else(|| node.invalid(text, "date-time"))
}

// ---------------------------------------------------------------------------------------
// The element tree

/// Repeating elements whose path always carries an index, so messages stay unambiguous.
const INDEXED: [&str; 8] = [
    "Stmt", "Rpt", "Ntry", "NtryDtls", "TxDtls", "Bal", "Ustrd", "Strd",
];

/// One kept element: local name, where it is, `Ccy` attribute, text and kept children.
#[derive(Debug)]
struct Node {
    name: &'static str,
    /// The parent's path, shared by the siblings: paths cost one string per parent
    /// rather than one per element (which made memory grow with depth squared).
    parent_path: Rc<str>,
    /// 1-based among same-named siblings; 0 when the path shows none.
    index: u32,
    position: u64,
    ccy: Option<String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn path(&self) -> String {
        use std::fmt::Write as _;
        let mut path = String::with_capacity(self.parent_path.len() + self.name.len() + 8);
        if !self.parent_path.is_empty() {
            path.push_str(&self.parent_path);
            path.push('/');
        }
        path.push_str(self.name);
        if self.index > 0 {
            let _ = write!(path, "[{}]", self.index);
        }
        path
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first descendant along a `/`-separated path of local names.
    fn at(&self, path: &str) -> Option<&Node> {
        path.split('/')
            .try_fold(self, |node, name| node.child(name))
    }

    /// The text as written, unless it is empty or only whitespace.
    fn value(&self) -> Option<String> {
        (!self.text.trim().is_empty()).then(|| self.text.clone())
    }

    fn text_at(&self, path: &str) -> Option<String> {
        self.at(path).and_then(Node::value)
    }

    fn required(&self, name: &str) -> Result<&Node, ReadError> {
        self.child(name).ok_or_else(|| self.missing(name))
    }

    fn required_text(&self, name: &str) -> Result<String, ReadError> {
        self.text_at(name).ok_or_else(|| self.missing(name))
    }

    fn missing(&self, element: &str) -> ReadError {
        ReadError::Missing {
            path: self.path(),
            position: self.position,
            element: element.to_owned(),
        }
    }

    fn invalid(&self, value: &str, expected: &'static str) -> ReadError {
        ReadError::Invalid {
            path: self.path(),
            position: self.position,
            value: value.to_owned(),
            expected,
        }
    }
}

/// What the input's root element turned out to be, once read.
enum Root {
    /// No root element (yet).
    None,
    /// A root other than `Document`, skipped.
    Other(String),
    Document {
        namespace: String,
        /// The first `BkToCstmrStmt` and the first `BkToCstmrAcctRpt`.
        bodies: Box<[Option<Body>; 2]>,
    },
}

/// A `BkToCstmrStmt` or `BkToCstmrAcctRpt`: its kept elements (`GrpHdr`) and its
/// statements, mapped as they ended.
struct Body {
    node: Node,
    statements: Result<Vec<PendingStatement>, ReadError>,
}

/// What an open element collects from its mapped children. After the first error, the
/// children of that kind are skipped: the error is the result whatever follows.
enum Collected {
    Nothing,
    Document {
        namespace: String,
        bodies: Box<[Option<Body>; 2]>,
    },
    Body {
        statements: Result<Vec<PendingStatement>, ReadError>,
    },
    Statement {
        balances: Result<Vec<Balance>, ReadError>,
        entries: Result<Vec<Entry>, ReadError>,
    },
}

impl Collected {
    fn refuses(&self, kind: Kind) -> bool {
        match (self, kind) {
            (Collected::Statement { entries, .. }, Kind::Entry) => entries.is_err(),
            (Collected::Statement { balances, .. }, Kind::Balance) => balances.is_err(),
            (Collected::Body { statements }, Kind::Statement) => statements.is_err(),
            _ => false,
        }
    }
}

/// Adds a mapped child, or keeps the first error.
fn collect<T>(list: &mut Result<Vec<T>, ReadError>, item: Result<T, ReadError>) {
    match item {
        Ok(item) => {
            if let Ok(items) = list {
                items.push(item);
            }
        }
        Err(error) => {
            if list.is_ok() {
                *list = Err(error);
            }
        }
    }
}

/// The most children an element of the schema has (checked by a test).
const MAX_CHILDREN: usize = 12;
// `Open::kept_once` has a bit per child.
const _: () = assert!(MAX_CHILDREN <= u32::BITS as usize);

/// An open, kept element.
struct Open {
    node: Node,
    elem: &'static Elem,
    /// Bit `i`: the child `elem.children[i]`, read once, was kept already.
    kept_once: u32,
    /// How many of each repeating child `elem.children[i]` were seen, for paths. Counted
    /// here rather than by scanning the kept children, which was quadratic.
    seen: [u32; MAX_CHILDREN],
    /// This element's path, made once when its first child is kept.
    path: Option<Rc<str>>,
    collected: Collected,
}

impl Open {
    fn new(node: Node, elem: &'static Elem, collected: Collected) -> Self {
        Open {
            node,
            elem,
            kept_once: 0,
            seen: [0; MAX_CHILDREN],
            path: None,
            collected,
        }
    }

    fn path(&mut self) -> Rc<str> {
        let node = &self.node;
        self.path
            .get_or_insert_with(|| Rc::from(node.path()))
            .clone()
    }

    /// The schema of a child to keep and the index its path shows, or `None` to skip it.
    fn admit(&mut self, name: &str) -> Option<(&'static Elem, u32)> {
        let (i, elem) = self
            .elem
            .children
            .iter()
            .enumerate()
            .find(|(_, e)| e.name == name)?;
        if !elem.many {
            let bit = 1 << i;
            if self.kept_once & bit != 0 {
                return None;
            }
            self.kept_once |= bit;
            return Some((elem, 0));
        }
        let seen = self.seen.get_mut(i)?;
        *seen = seen.saturating_add(1);
        let index = *seen;
        if self.collected.refuses(elem.kind) {
            return None;
        }
        let shown = if INDEXED.contains(&elem.name) || index > 1 {
            index
        } else {
            0
        };
        Some((elem, shown))
    }

    /// Takes a child that has ended: keeps it, or maps it into what this element collects.
    fn adopt(&mut self, node: Node, elem: &'static Elem, collected: Collected) {
        match (elem.kind, &mut self.collected, collected) {
            (Kind::Entry, Collected::Statement { entries, .. }, _) => {
                collect(entries, read_entry(&node));
            }
            (Kind::Balance, Collected::Statement { balances, .. }, _) => {
                collect(balances, read_balance(&node));
            }
            (
                Kind::Statement,
                Collected::Body { statements },
                Collected::Statement { balances, entries },
            ) => {
                collect(statements, read_statement(&node, balances, entries));
            }
            (Kind::Body, Collected::Document { bodies, .. }, Collected::Body { statements }) => {
                let slot = usize::from(node.name == REPORT_BODY);
                if let Some(body) = bodies.get_mut(slot) {
                    *body = Some(Body { node, statements });
                }
            }
            (Kind::Lines, ..) => {
                if node.value().is_some() {
                    self.node.children.push(node);
                }
            }
            _ => self.node.children.push(node),
        }
    }
}

/// The open elements: the kept ones, then (once one is skipped) the skipped ones, of
/// which only the local names are kept, for messages.
struct Tree {
    kept: Vec<Open>,
    /// `/name` for each open skipped element, outermost first.
    skipped_names: String,
    /// Where each skipped element's `/name` starts in `skipped_names`.
    skipped_starts: Vec<usize>,
    root: Root,
}

impl Tree {
    fn depth(&self) -> usize {
        self.kept.len() + self.skipped_starts.len()
    }

    fn start(
        &mut self,
        start: &BytesStart,
        namespace: ResolveResult,
        position: u64,
        line: u64,
    ) -> Result<(), ReadError> {
        let name = start.local_name().into_inner();
        if self.depth() >= MAX_DEPTH {
            return Err(ReadError::TooDeep {
                path: self.path_to(name),
                line,
                position,
                limit: MAX_DEPTH,
            });
        }
        // Read for every element, kept or not, so a malformed attribute list is an error
        // wherever it is.
        let ccy = ccy_attribute(start, position)?;
        if !self.skipped_starts.is_empty() {
            self.skip(name);
            return Ok(());
        }
        let Some(parent) = self.kept.last_mut() else {
            return self.start_root(name, namespace, position);
        };
        let Some((elem, index)) = parent.admit(name) else {
            self.skip(name);
            return Ok(());
        };
        let node = Node {
            name: elem.name,
            parent_path: parent.path(),
            index,
            position,
            ccy,
            text: String::new(),
            children: Vec::new(),
        };
        let collected = match elem.kind {
            Kind::Body => Collected::Body {
                statements: Ok(Vec::new()),
            },
            Kind::Statement => Collected::Statement {
                balances: Ok(Vec::new()),
                entries: Ok(Vec::new()),
            },
            _ => Collected::Nothing,
        };
        self.kept.push(Open::new(node, elem, collected));
        Ok(())
    }

    fn start_root(
        &mut self,
        name: &str,
        namespace: ResolveResult,
        position: u64,
    ) -> Result<(), ReadError> {
        if !matches!(self.root, Root::None) {
            return Err(malformed(position, "a second root element"));
        }
        if name != DOCUMENT.name {
            let mut shown = String::new();
            push_name(&mut shown, name);
            self.root = Root::Other(shown);
            self.skip(name);
            return Ok(());
        }
        let namespace = match namespace {
            ResolveResult::Bound(ns) => ns.into_inner().to_owned(),
            _ => String::new(),
        };
        let node = Node {
            name: DOCUMENT.name,
            parent_path: Rc::from(""),
            index: 0,
            position,
            ccy: None,
            text: String::new(),
            children: Vec::new(),
        };
        let collected = Collected::Document {
            namespace,
            bodies: Box::new([None, None]),
        };
        self.kept.push(Open::new(node, &DOCUMENT, collected));
        Ok(())
    }

    fn skip(&mut self, name: &str) {
        self.skipped_starts.push(self.skipped_names.len());
        self.skipped_names.push('/');
        push_name(&mut self.skipped_names, name);
    }

    fn end(&mut self, position: u64) -> Result<(), ReadError> {
        if let Some(start) = self.skipped_starts.pop() {
            self.skipped_names.truncate(start);
            return Ok(());
        }
        let Open {
            node,
            elem,
            collected,
            ..
        } = self
            .kept
            .pop()
            .ok_or_else(|| malformed(position, "an end tag without a start tag"))?;
        match self.kept.last_mut() {
            Some(parent) => parent.adopt(node, elem, collected),
            None => {
                if let Collected::Document { namespace, bodies } = collected {
                    self.root = Root::Document { namespace, bodies };
                }
            }
        }
        Ok(())
    }

    /// Where character data goes: the innermost element, if kept and read for its text.
    fn text_sink(&mut self) -> Option<&mut String> {
        if !self.skipped_starts.is_empty() {
            return None;
        }
        self.kept
            .last_mut()
            .filter(|open| open.elem.text)
            .map(|open| &mut open.node.text)
    }

    /// The path of a new child `name` of the innermost open element.
    fn path_to(&self, name: &str) -> String {
        let mut path = self
            .kept
            .last()
            .map(|open| open.node.path())
            .unwrap_or_default();
        path.push_str(&self.skipped_names);
        path.push('/');
        push_name(&mut path, name);
        match path.strip_prefix('/') {
            Some(relative) => relative.to_owned(),
            None => path,
        }
    }

    fn finish(self, position: u64) -> Result<Root, ReadError> {
        let unclosed = match self.skipped_starts.last() {
            Some(&start) => self.skipped_names.get(start + 1..),
            None => self.kept.last().map(|open| open.node.name),
        };
        if let Some(name) = unclosed {
            return Err(malformed(
                position,
                &format!("the input ends inside <{name}>"),
            ));
        }
        Ok(self.root)
    }
}

/// Reads the input into the kept elements and mapped statements.
fn parse<R: BufRead>(input: R) -> Result<Root, ReadError> {
    let mut reader = NsReader::from_reader(LineCounter {
        inner: input,
        newlines: 0,
    });
    reader.config_mut().expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut tree = Tree {
        kept: Vec::new(),
        skipped_names: String::new(),
        skipped_starts: Vec::new(),
        root: Root::None,
    };
    loop {
        let position = reader.buffer_position();
        // The reader has consumed the input up to this event's first byte, so the line
        // breaks it has seen are those before the event.
        let line = reader.get_ref().newlines + 1;
        let (namespace, event) = match reader.read_resolved_event_into(&mut buf) {
            Ok(resolved) => resolved,
            Err(source) => return Err(xml_error(reader.error_position(), source)),
        };
        match event {
            Event::Start(start) => tree.start(&start, namespace, position, line)?,
            Event::End(_) => tree.end(position)?,
            Event::Text(text) => {
                if let Some(sink) = tree.text_sink() {
                    sink.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(sink) = tree.text_sink() {
                    sink.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let c = resolve_reference(&reference).ok_or_else(|| {
                    malformed(position, &format!("unknown entity &{};", &*reference))
                })?;
                if let Some(sink) = tree.text_sink() {
                    sink.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    tree.finish(reader.buffer_position())
}

/// Appends an element name for a message, cut short: XML does not bound names, and a
/// message should not carry megabytes of one.
fn push_name(out: &mut String, name: &str) {
    const MAX_SHOWN: usize = 64;
    match name.char_indices().nth(MAX_SHOWN) {
        Some((end, _)) => {
            out.push_str(&name[..end]);
            out.push('…');
        }
        None => out.push_str(name),
    }
}

fn ccy_attribute(start: &BytesStart, position: u64) -> Result<Option<String>, ReadError> {
    match start.try_get_attribute("Ccy") {
        Ok(Some(attribute)) => Ok(Some(
            attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|source| xml_error(position, source))?
                .into_owned(),
        )),
        Ok(None) => Ok(None),
        Err(error) => Err(ReadError::Xml {
            position,
            source: error.into(),
        }),
    }
}

fn xml_error(position: u64, source: quick_xml::Error) -> ReadError {
    match source {
        quick_xml::Error::Io(source) => ReadError::Io { position, source },
        source => ReadError::Xml { position, source },
    }
}

/// The five predefined entities and character references.
fn resolve_reference(reference: &BytesRef) -> Option<char> {
    if reference.is_char_ref() {
        return reference.resolve_char_ref().ok().flatten();
    }
    match &**reference {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

fn malformed(position: u64, message: &str) -> ReadError {
    ReadError::Malformed {
        position,
        message: message.to_owned(),
    }
}

/// Counts the line breaks the XML reader consumes, for messages: quick-xml reports
/// byte offsets only.
struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(out)?;
        self.newlines += count_newlines(out.get(..read).unwrap_or_default());
        Ok(read)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The caller has just seen these bytes through `fill_buf`, so asking again
        // returns them from the buffer without reading.
        if amount > 0
            && let Ok(buffered) = self.inner.fill_buf()
        {
            self.newlines += count_newlines(buffered.get(..amount).unwrap_or(buffered));
        }
        self.inner.consume(amount);
    }
}

// ---------------------------------------------------------------------------------------
// The schema: which elements are kept

/// What the reader does with an element of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Kept in its parent.
    Plain,
    /// Read only for a non-blank text, so not kept when blank (`Ustrd`, `AddtlInf`).
    Lines,
    /// `BkToCstmrStmt` / `BkToCstmrAcctRpt`: collects its statements.
    Body,
    /// `Stmt` / `Rpt`: mapped when it ends, collects its balances and entries.
    Statement,
    /// `Bal`: mapped when it ends.
    Balance,
    /// `Ntry`: mapped when it ends.
    Entry,
}

/// An element the mapping reads, with those of its children it reads; anything else is
/// skipped, never kept.
#[derive(Debug)]
struct Elem {
    name: &'static str,
    /// Read with `children` (each one kept) rather than `child` (only the first kept).
    many: bool,
    /// Its text is read.
    text: bool,
    kind: Kind,
    children: &'static [Elem],
}

const fn leaf(name: &'static str) -> Elem {
    Elem {
        name,
        many: false,
        text: true,
        kind: Kind::Plain,
        children: &[],
    }
}

const fn group(name: &'static str, children: &'static [Elem]) -> Elem {
    Elem {
        name,
        many: false,
        text: false,
        kind: Kind::Plain,
        children,
    }
}

const fn repeated(name: &'static str, kind: Kind, children: &'static [Elem]) -> Elem {
    Elem {
        name,
        many: true,
        text: false,
        kind,
        children,
    }
}

const fn lines(name: &'static str) -> Elem {
    Elem {
        name,
        many: true,
        text: true,
        kind: Kind::Lines,
        children: &[],
    }
}

const fn body(name: &'static str) -> Elem {
    Elem {
        name,
        many: false,
        text: false,
        kind: Kind::Body,
        children: BODY,
    }
}

const REPORT_BODY: &str = "BkToCstmrAcctRpt";
const DOCUMENT: Elem = group("Document", &[body("BkToCstmrStmt"), body(REPORT_BODY)]);
const BODY: &[Elem] = &[
    group("GrpHdr", &[leaf("MsgId"), leaf("CreDtTm")]),
    repeated("Stmt", Kind::Statement, STATEMENT),
    repeated("Rpt", Kind::Statement, STATEMENT),
];
const STATEMENT: &[Elem] = &[
    leaf("Id"),
    leaf("ElctrncSeqNb"),
    leaf("LglSeqNb"),
    leaf("CreDtTm"),
    group("FrToDt", &[leaf("FrDtTm"), leaf("ToDtTm")]),
    group("Acct", ACCOUNT),
    repeated("Bal", Kind::Balance, BALANCE),
    group("TxsSummry", SUMMARY),
    repeated("Ntry", Kind::Entry, ENTRY),
    leaf("AddtlStmtInf"),
];
const ACCOUNT: &[Elem] = &[
    group("Id", ACCOUNT_ID),
    leaf("Ccy"),
    leaf("Nm"),
    group("Ownr", &[leaf("Nm"), group("Pty", &[leaf("Nm")])]),
    group(
        "Svcr",
        &[group(
            "FinInstnId",
            &[leaf("BIC"), leaf("BICFI"), leaf("Nm")],
        )],
    ),
];
const ACCOUNT_ID: &[Elem] = &[leaf("IBAN"), group("Othr", &[leaf("Id")])];
const CODE_OR_PROPRIETARY: &[Elem] = &[leaf("Cd"), leaf("Prtry")];
const TYPE: &[Elem] = &[group("CdOrPrtry", CODE_OR_PROPRIETARY)];
const DATE: &[Elem] = &[leaf("Dt"), leaf("DtTm")];
const BALANCE: &[Elem] = &[
    group("Tp", TYPE),
    leaf("Amt"),
    leaf("CdtDbtInd"),
    group("Dt", DATE),
];
const TOTAL: &[Elem] = &[leaf("NbOfNtries"), leaf("Sum")];
const SUMMARY: &[Elem] = &[group("TtlCdtNtries", TOTAL), group("TtlDbtNtries", TOTAL)];
const ENTRY: &[Elem] = &[
    leaf("NtryRef"),
    leaf("Amt"),
    leaf("CdtDbtInd"),
    leaf("RvslInd"),
    // A code in V02, `Sts/Cd` later.
    Elem {
        name: "Sts",
        many: false,
        text: true,
        kind: Kind::Plain,
        children: &[leaf("Cd")],
    },
    group("BookgDt", DATE),
    group("ValDt", DATE),
    leaf("AcctSvcrRef"),
    group("BkTxCd", BANK_TRANSACTION_CODE),
    repeated(
        "NtryDtls",
        Kind::Plain,
        &[repeated("TxDtls", Kind::Plain, DETAILS)],
    ),
    leaf("AddtlNtryInf"),
];
const BANK_TRANSACTION_CODE: &[Elem] = &[
    group(
        "Domn",
        &[leaf("Cd"), group("Fmly", &[leaf("Cd"), leaf("SubFmlyCd")])],
    ),
    group("Prtry", &[leaf("Cd"), leaf("Issr")]),
];
const DETAILS: &[Elem] = &[
    group(
        "Refs",
        &[
            leaf("AcctSvcrRef"),
            leaf("PmtInfId"),
            leaf("InstrId"),
            leaf("EndToEndId"),
            leaf("TxId"),
            leaf("MndtId"),
            group("Prtry", &[leaf("Tp"), leaf("Ref")]),
        ],
    ),
    group("AmtDtls", &[group("TxAmt", &[leaf("Amt")])]),
    group("BkTxCd", BANK_TRANSACTION_CODE),
    // `Amt` directly in V02, in each `Rcrd` later.
    repeated(
        "Chrgs",
        Kind::Plain,
        &[
            leaf("Amt"),
            leaf("CdtDbtInd"),
            repeated("Rcrd", Kind::Plain, &[leaf("Amt"), leaf("CdtDbtInd")]),
        ],
    ),
    group(
        "RltdPties",
        &[
            group("Dbtr", PARTY),
            group("DbtrAcct", &[group("Id", ACCOUNT_ID)]),
            group("Cdtr", PARTY),
            group("CdtrAcct", &[group("Id", ACCOUNT_ID)]),
        ],
    ),
    group("Purp", CODE_OR_PROPRIETARY),
    group(
        "RmtInf",
        &[
            lines("Ustrd"),
            repeated(
                "Strd",
                Kind::Plain,
                &[group("CdtrRefInf", &[group("Tp", TYPE), leaf("Ref")])],
            ),
        ],
    ),
    group(
        "RtrInf",
        &[lines("AddtlInf"), group("Rsn", CODE_OR_PROPRIETARY)],
    ),
    leaf("AddtlTxInf"),
];
/// `Nm` directly (V02) or under `Pty` (V04 and later).
const PARTY: &[Elem] = &[
    group("Pty", PARTY_DETAILS),
    leaf("Nm"),
    group("Id", PARTY_ID),
];
const PARTY_DETAILS: &[Elem] = &[leaf("Nm"), group("Id", PARTY_ID)];
const PARTY_ID: &[Elem] = &[
    repeated("PrvtId", Kind::Plain, OTHER_IDS),
    repeated("OrgId", Kind::Plain, OTHER_IDS),
];
const OTHER_IDS: &[Elem] = &[repeated(
    "Othr",
    Kind::Plain,
    &[leaf("Id"), group("SchmeNm", &[leaf("Prtry")])],
)];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every element's children fit the per-element counters and bit set.
    #[test]
    fn schema_fits_the_counters() {
        fn walk(elem: &Elem, depth: usize) {
            assert!(elem.children.len() <= MAX_CHILDREN, "{}", elem.name);
            assert!(depth < MAX_DEPTH);
            for child in elem.children {
                walk(child, depth + 1);
            }
        }
        walk(&DOCUMENT, 1);
    }

    #[test]
    fn exact_decimals() {
        assert_eq!(exact_decimal("12.50"), Some(Decimal::new(1250, 2)));
        assert_eq!(exact_decimal("+.5"), Some(Decimal::new(5, 1)));
        assert_eq!(exact_decimal("-1."), Some(Decimal::new(-1, 0)));
        assert_eq!(
            exact_decimal("0.1000000000000000000000000000000000"),
            Some(Decimal::new(1, 1))
        );
        for refused in [
            "",
            ".",
            "-",
            "1e5",
            "1_000",
            " 1",
            "0x10",
            "0.00000000000000000000000000001",
            "79228162514264337593543950335.4",
            "79228162514264337593543950336",
        ] {
            assert_eq!(exact_decimal(refused), None, "{refused:?}");
        }
    }
}

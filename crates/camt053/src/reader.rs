//! Reader for camt.053 documents: ours and banks' (camt.052 reports too, read as
//! statements). Tolerant by design: unknown elements are ignored, names are matched
//! without their namespace prefix, and the usual variations between banks and versions
//! (`BookgDt/DtTm`, `Dbtr/Pty/Nm`, `Sts/Cd`, several `TxDtls`, `Btch`) are accepted.
//!
//! The file is first parsed into a small element tree, then mapped to the model: files
//! read here are human-sized (`inspect`), so clarity wins over streaming.

use std::io::BufRead;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use rust_decimal::Decimal;

use crate::model::*;

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

/// Reads a whole camt.053 (or camt.052) document.
pub fn read_document<R: BufRead>(input: R) -> Result<Document, ReadError> {
    let (root, namespace) = parse_tree(input)?;
    if root.name != "Document" {
        return Err(ReadError::NotCamt(format!(
            "the root element is <{}>, not <Document>",
            root.name
        )));
    }
    let body = root
        .child("BkToCstmrStmt")
        .or_else(|| root.child("BkToCstmrAcctRpt"))
        .ok_or_else(|| {
            ReadError::NotCamt(format!(
                "<Document xmlns=\"{namespace}\"> has no BkToCstmrStmt or BkToCstmrAcctRpt"
            ))
        })?;
    let group_header = read_group_header(body.required("GrpHdr")?)?;
    let statements = body
        .children
        .iter()
        .filter(|c| c.name == "Stmt" || c.name == "Rpt")
        .map(|s| read_statement(s, &group_header))
        .collect::<Result<_, _>>()?;
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

fn read_statement(node: &Node, group: &GroupHeader) -> Result<Statement, ReadError> {
    let from_to = match node.child("FrToDt") {
        Some(period) => Some((
            date_time(period.required("FrDtTm")?)?,
            date_time(period.required("ToDtTm")?)?,
        )),
        None => None,
    };
    let header = StatementHeader {
        id: node.required_text("Id")?,
        electronic_sequence: node.child("ElctrncSeqNb").map(number).transpose()?,
        legal_sequence: node.child("LglSeqNb").map(number).transpose()?,
        // Mandatory, but a missing one is no reason to refuse a bank's file.
        created: match node.child("CreDtTm") {
            Some(created) => date_time(created)?,
            None => group.created,
        },
        from_to,
        account: read_account(node.required("Acct")?),
        balances: node
            .children("Bal")
            .map(read_balance)
            .collect::<Result<_, _>>()?,
        summary: node.child("TxsSummry").map(read_summary).transpose()?,
    };
    Ok(Statement {
        header,
        entries: node
            .children("Ntry")
            .map(read_entry)
            .collect::<Result<_, _>>()?,
        additional_info: node.text_at("AddtlStmtInf"),
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
        },
        amount,
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
    Decimal::from_str(text).map_err(|_| node.invalid(text, "decimal number"))
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
        .ok_or_else(|| value.invalid(text, "date (YYYY-MM-DD)"))
}

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
        .ok_or_else(|| node.invalid(text, "date-time"))
}

// ---------------------------------------------------------------------------------------
// The element tree

/// Repeating elements whose path always carries an index, so messages stay unambiguous.
const INDEXED: [&str; 8] = [
    "Stmt", "Rpt", "Ntry", "NtryDtls", "TxDtls", "Bal", "Ustrd", "Strd",
];

/// One element: local name, path, start position, `Ccy` attribute, text and children.
#[derive(Debug)]
struct Node {
    name: String,
    path: String,
    position: u64,
    ccy: Option<String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
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
            path: self.path.clone(),
            position: self.position,
            element: element.to_owned(),
        }
    }

    fn invalid(&self, value: &str, expected: &'static str) -> ReadError {
        ReadError::Invalid {
            path: self.path.clone(),
            position: self.position,
            value: value.to_owned(),
            expected,
        }
    }
}

/// Parses the whole input into a tree; returns the root and its namespace ("" if none).
fn parse_tree<R: BufRead>(input: R) -> Result<(Node, String), ReadError> {
    let mut reader = NsReader::from_reader(input);
    reader.config_mut().expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut open: Vec<Node> = Vec::new();
    let mut root: Option<(Node, String)> = None;
    let mut root_namespace = String::new();
    loop {
        let position = reader.buffer_position();
        let (namespace, event) = match reader.read_resolved_event_into(&mut buf) {
            Ok(resolved) => resolved,
            Err(source) => {
                return Err(ReadError::Xml {
                    position: reader.error_position(),
                    source,
                });
            }
        };
        match event {
            Event::Start(start) => {
                if open.is_empty() {
                    if root.is_some() {
                        return Err(malformed(position, "a second root element"));
                    }
                    root_namespace = match namespace {
                        ResolveResult::Bound(ns) => ns.into_inner().to_owned(),
                        _ => String::new(),
                    };
                }
                open.push(start_node(&start, open.last(), position)?);
            }
            Event::End(_) => {
                let node = open
                    .pop()
                    .ok_or_else(|| malformed(position, "an end tag without a start tag"))?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some((node, std::mem::take(&mut root_namespace))),
                }
            }
            Event::Text(text) => push_text(&mut open, &text.xml10_content()),
            Event::CData(data) => push_text(&mut open, &data.xml10_content()),
            Event::GeneralRef(reference) => {
                let c = resolve_reference(&reference).ok_or_else(|| {
                    malformed(position, &format!("unknown entity &{};", &*reference))
                })?;
                let mut utf8 = [0; 4];
                push_text(&mut open, c.encode_utf8(&mut utf8));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some(unclosed) = open.last() {
        return Err(malformed(
            reader.buffer_position(),
            &format!("the input ends inside <{}>", unclosed.name),
        ));
    }
    root.ok_or_else(|| ReadError::NotCamt("the input has no root element".to_owned()))
}

fn start_node(start: &BytesStart, parent: Option<&Node>, position: u64) -> Result<Node, ReadError> {
    let name = start.local_name().into_inner().to_owned();
    let path = match parent {
        None => name.clone(),
        Some(parent) => {
            let index = parent.children(&name).count() + 1;
            if INDEXED.contains(&name.as_str()) || index > 1 {
                format!("{}/{}[{}]", parent.path, name, index)
            } else {
                format!("{}/{}", parent.path, name)
            }
        }
    };
    let ccy = match start.try_get_attribute("Ccy") {
        Ok(Some(attribute)) => Some(
            attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|source| ReadError::Xml { position, source })?
                .into_owned(),
        ),
        Ok(None) => None,
        Err(error) => {
            return Err(ReadError::Xml {
                position,
                source: error.into(),
            });
        }
    };
    Ok(Node {
        name,
        path,
        position,
        ccy,
        text: String::new(),
        children: Vec::new(),
    })
}

fn push_text(open: &mut [Node], text: &str) {
    if let Some(node) = open.last_mut() {
        node.text.push_str(text);
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

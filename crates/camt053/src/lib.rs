//! ISO 20022 camt.053.001.02 (bank-to-customer statement): the statement model, a
//! streaming writer, a reader for ours and banks' files, and a lint for what the XSD
//! cannot check. Knows nothing of Ponto.

mod check;
pub mod lint;
pub mod model;
pub mod reader;
pub mod writer;

pub use lint::{Finding, Severity, lint};
pub use model::*;
pub use reader::{MAX_DEPTH, ReadError, read_document};
pub use writer::{StatementWriter, WriteError, write_document, write_entry_fragment};

/// The namespace of every document this crate writes.
pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02";

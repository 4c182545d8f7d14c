//! Ponto transactions to camt.053 statements: the mapping rules of DESIGN.md, as pure
//! functions without I/O. One small module per rule.

pub mod amounts;
pub mod balances;
pub mod bank_codes;
pub mod charges;
pub mod context;
pub mod counterparty;
pub mod dates;
pub mod error;
pub mod ids;
pub mod labels;
pub mod references;
pub mod remittance;
pub mod statement;
#[cfg(test)]
mod test_strings;
pub mod text;
pub mod transaction;

pub use amounts::{checked_sum, minor_units};
pub use balances::{StatementTotals, opening_from_current};
pub use context::AccountContext;
pub use error::ConvertError;
pub use ids::{StatementId, account_tag, ponto_id_reference, transaction_key};
pub use statement::{group_header, statement_header};
pub use transaction::{MappedTransaction, map_transaction, pending_resource};

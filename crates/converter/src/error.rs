//! What can go wrong while mapping Ponto data to camt.053. Every message names the
//! resource (transaction id, or "account"), the JSON path inside the resource, the value
//! and what is wrong with it, so a user can find the offending bundle entry.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConvertError {
    #[error("{transaction}: required field {field} is missing")]
    MissingField { transaction: String, field: String },

    #[error("{transaction}: field {field} = {value:?} is invalid: {problem}")]
    InvalidField {
        transaction: String,
        field: String,
        value: String,
        problem: String,
    },

    #[error(
        "{transaction}: field {field} = {amount} has more decimals than {currency} allows ({allowed}); refusing to round"
    )]
    TooManyDecimals {
        transaction: String,
        field: String,
        amount: String,
        currency: String,
        allowed: u32,
    },

    #[error(
        "{transaction}: field attributes.currency = {transaction_currency:?} differs from the account currency {account_currency:?}"
    )]
    CurrencyMismatch {
        transaction: String,
        account_currency: String,
        transaction_currency: String,
    },

    /// `origin` says where the zone name came from (configuration, financial institution…).
    #[error("unknown time zone {zone:?} (from {origin})")]
    UnknownTimeZone { zone: String, origin: String },

    #[error(
        "{resource}: field {field} = {currency:?} is not an ISO 4217 currency with known minor units"
    )]
    UnknownCurrency {
        resource: String,
        field: String,
        currency: String,
    },

    #[error("statement id {id:?} is invalid: {problem}")]
    InvalidStatementId { id: String, problem: String },
}

/// How a transaction is named in errors: its id, or a placeholder when it has none.
pub(crate) fn transaction_label(id: Option<&str>) -> String {
    match id.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => format!("transaction {id}"),
        None => "transaction (without id)".to_owned(),
    }
}

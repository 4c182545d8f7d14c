//! The Ponto (MyPonto.com) API as this project uses it: the JSON:API resource types
//! (accounts, financial institutions, transactions) with exact decimals, and, with the
//! `client` feature (on by default), a blocking client with token handling, pagination,
//! retries and typed errors.
//!
//! Without `client` the crate is the resource types, the JSON:API envelope, the error
//! types and the stop rules only, with no HTTP stack: for crates that read Ponto data
//! but never fetch it.
//!
//! Ponto's words are used throughout: account, transaction, counterpart.

#[cfg(feature = "client")]
mod auth;
#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod config;
pub mod decimal;
pub mod document;
#[cfg(feature = "client")]
mod endpoint;
mod error;
mod error_body;
pub mod instant;
mod paging;
pub mod raw;
#[cfg(feature = "client")]
mod redact;
pub mod resources;
#[cfg(feature = "client")]
mod retry;
mod secret;
pub mod stop;
#[cfg(feature = "client")]
mod synchronization;
#[cfg(feature = "client")]
mod transport;

#[cfg(feature = "client")]
pub use client::Client;
#[cfg(feature = "client")]
pub use config::{ClientConfig, Credentials, DEFAULT_BASE_URL, RetryPolicy};
pub use document::{Document, Links};
pub use error::{ApiDetails, MAX_RESPONSE_BYTES, PontoError, Result};
pub use error_body::parse_error_body;
pub use paging::{ReadMore, TransactionRead};
pub use raw::Raw;
#[cfg(feature = "client")]
pub use redact::MAX_SERVER_TEXT_CHARS;
pub use resources::{
    Account, AccountAttributes, AccountMeta, FinancialInstitution, FinancialInstitutionAttributes,
    Resource, Synchronization, SynchronizationAttributes, Transaction, TransactionAttributes,
};
pub use secret::Secret;
#[cfg(feature = "client")]
pub use synchronization::{RECENTLY_SYNCHRONIZED, SyncOutcome, SyncSubtype};

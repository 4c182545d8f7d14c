//! The Ponto (MyPonto.com) API as this project uses it: the JSON:API resource types
//! (accounts, financial institutions, transactions) with exact decimals, and a blocking
//! client with token handling, pagination, retries and typed errors.
//!
//! Ponto's words are used throughout: account, transaction, counterpart.

mod auth;
mod client;
mod config;
pub mod decimal;
pub mod document;
mod endpoint;
mod error;
mod error_body;
mod paging;
pub mod resources;
mod retry;
mod secret;
pub mod stop;
mod synchronization;
mod transport;

pub use client::Client;
pub use config::{ClientConfig, Credentials, DEFAULT_BASE_URL, RetryPolicy};
pub use document::{Document, Links};
pub use error::{ApiDetails, PontoError, Result};
pub use error_body::parse_error_body;
pub use paging::{ReadMore, TransactionRead};
pub use resources::{
    Account, AccountAttributes, FinancialInstitution, FinancialInstitutionAttributes, Resource,
    Synchronization, SynchronizationAttributes, Transaction, TransactionAttributes,
};
pub use secret::Secret;
pub use synchronization::{RECENTLY_SYNCHRONIZED, SyncOutcome, SyncSubtype};

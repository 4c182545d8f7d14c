//! The Ponto (MyPonto.com) API as this project uses it: the JSON:API resource types
//! (accounts, financial institutions, transactions) with exact decimals, and a blocking
//! client with token handling, pagination, retries and typed errors.
//!
//! Ponto's words are used throughout: account, transaction, counterpart.
//!
//! ```no_run
//! use ponto::{Client, ClientConfig, Credentials, stop};
//! # fn main() -> Result<(), ponto::PontoError> {
//! let client = Client::new(ClientConfig::new(Credentials::new("id", "secret")))?;
//! for account in client.accounts()? {
//!     let id = account.id.clone().unwrap_or_default();
//!     let known = |_: &str| false; // the ledger's exported ids
//!     let start = chrono::Utc::now() - chrono::Duration::days(30);
//!     let read = client.transactions(&id, &mut stop::stop_when_caught_up(known, start))?;
//!     println!("{id}: {} transactions in {} pages", read.transactions.len(), read.pages);
//! }
//! # Ok(()) }
//! ```

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

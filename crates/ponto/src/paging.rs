//! Reading a collection page by page, and what a transaction read returns.

use crate::resources::Transaction;
use chrono::{DateTime, Utc};

/// A stop rule's verdict after seeing a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMore {
    Continue,
    Stop,
}

/// The outcome of `Client::transactions`: every page read, complete and in
/// the API's order (newest created first). There is no partial result: a page that
/// cannot be read after retries makes the whole read an error.
///
/// `T` is [`Transaction`], or [`crate::Raw`]`<Transaction>` from
/// `Client::transactions_raw` (each transaction with the JSON text Ponto sent).
#[derive(Debug, Clone)]
pub struct TransactionRead<T = Transaction> {
    pub transactions: Vec<T>,
    pub pages: usize,
    /// `meta.synchronizedAt` of the first page: how fresh Ponto's copy of the bank is.
    pub synchronized_at: Option<DateTime<Utc>>,
    /// `meta.latestSynchronization` of the first page, as sent.
    pub latest_synchronization: Option<serde_json::Value>,
}

/// Pages of one collection, concatenated.
#[cfg(feature = "client")]
pub(crate) struct Pages<T> {
    pub items: Vec<T>,
    pub pages: usize,
    pub synchronized_at: Option<DateTime<Utc>>,
    pub latest_synchronization: Option<serde_json::Value>,
}

#[cfg(feature = "client")]
impl<T> Default for Pages<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            pages: 0,
            synchronized_at: None,
            latest_synchronization: None,
        }
    }
}

//! Synchronizations: asking Ponto to fetch fresh data from the bank. Only ever on an
//! explicit call: PSD2 allows four unattended bank accesses a day and Ponto already uses
//! them, so the scheduled path never creates one.

use crate::resources::Synchronization;
use serde_json::{Value, json};
use std::net::IpAddr;

/// What to synchronize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncSubtype {
    /// Balances and account details.
    AccountDetails,
    /// Booked transactions.
    AccountTransactions,
    /// Booked and pending transactions.
    AccountTransactionsWithUnsettled,
}

impl SyncSubtype {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountDetails => "accountDetails",
            Self::AccountTransactions => "accountTransactions",
            Self::AccountTransactionsWithUnsettled => "accountTransactionsWithUnsettled",
        }
    }
}

/// How [`crate::Client::synchronize_and_wait`] ended well.
#[derive(Debug, Clone)]
pub enum SyncOutcome {
    /// The synchronization ran and succeeded.
    Completed(Box<Synchronization>),
    /// Ponto refused a new one because the account was synchronized moments ago
    /// (`accountRecentlySynchronized`): the data is already fresh.
    AlreadyFresh,
}

/// Ponto's error code for "synchronized too recently, try later".
pub const RECENTLY_SYNCHRONIZED: &str = "accountRecentlySynchronized";

/// Where a synchronization stands, from its `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyncState {
    Running,
    Succeeded,
    Failed,
}

pub(crate) fn state(sync: &Synchronization) -> SyncState {
    match sync.attributes.status.as_deref() {
        Some("success") => SyncState::Succeeded,
        Some("error") => SyncState::Failed,
        _ => SyncState::Running,
    }
}

/// The `POST /synchronizations` body. `customerIpAddress` marks a user as present, which
/// is what makes the access "attended" under PSD2.
pub(crate) fn request_body(account_id: &str, subtype: SyncSubtype, customer_ip: IpAddr) -> Value {
    json!({"data": {"type": "synchronization", "attributes": {
        "resourceType": "account",
        "resourceId": account_id,
        "subtype": subtype.as_str(),
        "customerIpAddress": customer_ip.to_string(),
    }}})
}

/// The errors of a failed synchronization, for a message.
pub(crate) fn errors_text(sync: &Synchronization) -> String {
    match &sync.attributes.errors {
        Some(errors) if !errors.is_empty() => errors
            .iter()
            .map(|e| {
                let code = e.get("code").and_then(Value::as_str).unwrap_or("?");
                match e.get("detail").and_then(Value::as_str) {
                    Some(detail) => format!("{code}: {detail}"),
                    None => code.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => "no reason given".to_owned(),
    }
}

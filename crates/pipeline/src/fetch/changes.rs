//! Change detection: a transaction Ponto shows differently after it was exported is
//! logged and recorded (for `status`), never exported again — the ERP has it already.

use crate::ledger::Ledger;
use chrono::{DateTime, Utc};
use ponto::Transaction;
use std::collections::{HashMap, HashSet};

/// The attributes whose change after export a bookkeeper must hear about.
const WATCHED: &[&str] = &[
    "amount",
    "currency",
    "executionDate",
    "valueDate",
    "counterpartName",
    "counterpartReference",
    "remittanceInformation",
    "description",
];

pub(super) fn summary(transaction: &Transaction) -> String {
    let attributes = serde_json::to_value(&transaction.attributes).unwrap_or_default();
    let watched: serde_json::Map<String, serde_json::Value> = WATCHED
        .iter()
        .filter_map(|k| attributes.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect();
    serde_json::Value::Object(watched).to_string()
}

/// Logs (and records) exported transactions that Ponto shows differently now. They are
/// never exported again: the ERP has them already.
pub(super) fn note_changes(
    ledger: &Ledger,
    key: &str,
    read: &[Transaction],
    known: &HashSet<String>,
    now: DateTime<Utc>,
) {
    for transaction in read {
        let Some(id) = transaction.id.as_deref().filter(|id| known.contains(*id)) else {
            continue;
        };
        let Ok(Some(before)) = ledger.exported_summary(key, id) else {
            continue;
        };
        let after = summary(transaction);
        if before == after {
            continue;
        }
        let changes = describe_changes(&before, &after);
        tracing::warn!(account = key, transaction = id, changes = %changes,
            "Ponto changed a transaction after it was exported; it is not exported again");
        if let Err(e) = ledger.record_change(key, id, &changes, Some(&after), now) {
            tracing::warn!("cannot record the change: {e}");
        }
    }
}

pub(super) fn describe_changes(before: &str, after: &str) -> String {
    let parse =
        |s: &str| serde_json::from_str::<HashMap<String, serde_json::Value>>(s).unwrap_or_default();
    let (before, after) = (parse(before), parse(after));
    WATCHED
        .iter()
        .filter_map(|k| {
            let (b, a) = (before.get(*k), after.get(*k));
            (b != a).then(|| {
                let show = |v: Option<&serde_json::Value>| {
                    v.map_or("(none)".to_owned(), |v| v.to_string())
                };
                format!("{k}: {} -> {}", show(b), show(a))
            })
        })
        .collect::<Vec<_>>()
        .join("; ")
}

//! A re-authorized account: Ponto may replace an account after a bank re-authorization
//! and list its history again under new transaction ids. Transactions of the new
//! account are matched against those delivered from the old one: the same execution
//! date, amount, counterpart reference, remittance information and end-to-end id is a
//! re-listing (recorded as known, not delivered); a transaction that might be one (the
//! same amount within a day of an unmatched delivered one) is held for an operator's
//! review rather than risked twice; anything else is new.

use crate::ledger::OldExport;
use chrono::{DateTime, NaiveDate, Utc};
use ponto::Transaction;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What identifies a bank transaction whatever Ponto record lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MatchKey {
    execution_date: Option<DateTime<Utc>>,
    amount: Option<Decimal>,
    counterpart_reference: Option<String>,
    remittance_information: Option<String>,
    end_to_end_id: Option<String>,
    /// Keys rebuilt from a summary written before schema version 5 lack the end-to-end
    /// id: it is then not compared.
    #[serde(skip)]
    end_to_end_unknown: bool,
}

impl MatchKey {
    pub(crate) fn of(transaction: &Transaction) -> MatchKey {
        let a = &transaction.attributes;
        MatchKey {
            execution_date: a.execution_date,
            amount: a.amount.map(|d| d.normalize()),
            counterpart_reference: a.counterpart_reference.clone(),
            remittance_information: a.remittance_information.clone(),
            end_to_end_id: a.end_to_end_id.clone(),
            end_to_end_unknown: false,
        }
    }

    pub(crate) fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The key stored with the export, or one rebuilt from its summary.
    fn of_export(old: &OldExport) -> Option<MatchKey> {
        if let Some(key) = old.match_key.as_deref() {
            return serde_json::from_str(key).ok();
        }
        let mut key: MatchKey = serde_json::from_str(old.summary.as_deref()?).ok()?;
        key.amount = key.amount.map(|d| d.normalize());
        key.end_to_end_unknown = true;
        Some(key)
    }

    fn same_transaction(&self, other: &MatchKey) -> bool {
        let e2e_compared = !(self.end_to_end_unknown || other.end_to_end_unknown);
        self.execution_date == other.execution_date
            && self.amount == other.amount
            && self.counterpart_reference == other.counterpart_reference
            && self.remittance_information == other.remittance_information
            && (!e2e_compared || self.end_to_end_id == other.end_to_end_id)
    }

    fn day(&self) -> Option<NaiveDate> {
        self.execution_date.map(|t| t.date_naive())
    }

    /// Same amount, executed within a day: it could be the same bank transaction with
    /// texts Ponto re-read differently.
    fn could_be(&self, other: &MatchKey) -> bool {
        let near = match (self.day(), other.day()) {
            (Some(a), Some(b)) => (a - b).num_days().abs() <= 1,
            _ => false,
        };
        near && self.amount.is_some() && self.amount == other.amount
    }
}

/// What a new transaction of a replacing account is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    New,
    /// A re-listing of this delivered transaction.
    Relisted(String),
    /// Maybe a re-listing: held for review, with why.
    Review(String),
}

/// Judges `new` (not known by id) against `old` (delivered from the replaced account,
/// unmatched). Only transactions executed up to `lookback_days` after the newest old
/// one can be re-listings; later ones are new. Exact matches are taken first, each old
/// transaction matching at most one new one.
pub(crate) fn judge(new: &[&Transaction], old: &[OldExport], lookback_days: u32) -> Vec<Verdict> {
    let old_keys: Vec<(usize, MatchKey)> = old
        .iter()
        .enumerate()
        .filter_map(|(i, o)| MatchKey::of_export(o).map(|k| (i, k)))
        .collect();
    let horizon = old_keys
        .iter()
        .filter_map(|(_, k)| k.execution_date)
        .max()
        .map(|t| t + chrono::Duration::days(i64::from(lookback_days)));
    let mut claimed = vec![false; old.len()];
    let keys: Vec<MatchKey> = new.iter().map(|t| MatchKey::of(t)).collect();
    let mut verdicts = vec![Verdict::New; new.len()];
    for (verdict, key) in verdicts.iter_mut().zip(&keys) {
        let found = old_keys
            .iter()
            .find(|(i, k)| !claimed[*i] && k.same_transaction(key));
        if let Some((i, _)) = found {
            claimed[*i] = true;
            *verdict = Verdict::Relisted(old[*i].ponto_id.clone());
        }
    }
    for (verdict, key) in verdicts.iter_mut().zip(&keys) {
        let within = match (key.execution_date, horizon) {
            (Some(at), Some(horizon)) => at <= horizon,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        if *verdict != Verdict::New || !within {
            continue;
        }
        let near = old_keys
            .iter()
            .find(|(i, k)| !claimed[*i] && k.could_be(key));
        if let Some((i, _)) = near {
            *verdict = Verdict::Review(format!(
                "might be a re-listing of {} (delivered from the replaced Ponto account {}): same amount within a day, other details differ",
                old[*i].ponto_id, old[*i].ponto_account_id
            ));
        }
    }
    verdicts
}

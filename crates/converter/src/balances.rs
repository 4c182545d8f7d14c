//! Balances and totals of a statement: opening + Σ signed entries = closing, exactly.

use crate::transaction::MappedTransaction;
use camt053::{Balance, BalanceType, TransactionsSummary};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Running totals of the entries going into one statement.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatementTotals {
    summary: TransactionsSummary,
    first_day: Option<NaiveDate>,
    last_day: Option<NaiveDate>,
}

impl StatementTotals {
    pub fn new() -> Self {
        Self::default()
    }

    /// Totals over all of `transactions`.
    pub fn of<'a>(transactions: impl IntoIterator<Item = &'a MappedTransaction>) -> Self {
        let mut totals = Self::new();
        transactions.into_iter().for_each(|tx| totals.add(tx));
        totals
    }

    pub fn add(&mut self, tx: &MappedTransaction) {
        self.summary.add(tx.entry.direction, tx.entry.amount);
        let day = tx.booking_date;
        self.first_day = Some(self.first_day.map_or(day, |d| d.min(day)));
        self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
    }

    pub fn count(&self) -> u64 {
        self.summary.count()
    }

    /// Credits minus debits.
    pub fn net(&self) -> Decimal {
        self.summary.net()
    }

    pub fn closing(&self, opening: Decimal) -> Decimal {
        opening + self.net()
    }

    /// The earliest booking day, `None` without entries.
    pub fn first_day(&self) -> Option<NaiveDate> {
        self.first_day
    }

    /// The latest booking day, `None` without entries.
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.last_day
    }

    pub fn summary(&self) -> &TransactionsSummary {
        &self.summary
    }
}

/// `OPBD` at `first_day` and `CLBD` (opening + net) at `last_day`, in `currency`.
pub fn balances(
    opening: Decimal,
    totals: &StatementTotals,
    currency: &str,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Vec<Balance> {
    vec![
        Balance {
            kind: BalanceType::OpeningBooked,
            amount: opening,
            currency: currency.to_owned(),
            date: first_day,
        },
        Balance {
            kind: BalanceType::ClosingBooked,
            amount: totals.closing(opening),
            currency: currency.to_owned(),
            date: last_day,
        },
    ]
}

//! Balances and totals of a statement: opening + Σ signed entries = closing, exactly.
//! Every sum and difference is checked: amounts come from outside (Ponto, the user, the
//! ledger), and an overflow is bad data to report, never a panic.

use crate::amounts::checked_sum;
use crate::context::AccountContext;
use crate::error::{ConvertError, transaction_label};
use crate::transaction::MappedTransaction;
use camt053::{Balance, BalanceType, CreditDebit, TransactionsSummary};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Running totals of the entries going into one statement.
///
/// Invariant: the credit sum, the debit sum and their total all fit a `Decimal` (both
/// sums are unsigned), so the summary's own `sum()` and `net()` cannot overflow.
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
    pub fn of<'a>(
        transactions: impl IntoIterator<Item = &'a MappedTransaction>,
    ) -> Result<Self, ConvertError> {
        let mut totals = Self::new();
        for tx in transactions {
            totals.add(tx)?;
        }
        Ok(totals)
    }

    /// Adds one entry; the totals stay unchanged when a sum would overflow.
    pub fn add(&mut self, tx: &MappedTransaction) -> Result<(), ConvertError> {
        self.add_entry(
            tx.entry.amount,
            tx.entry.direction,
            tx.booking_date,
            &tx.ponto_id,
        )
    }

    /// [`add`](Self::add) given the parts it reads: the transaction's id only names it in
    /// an error.
    pub fn add_entry(
        &mut self,
        amount: Decimal,
        direction: CreditDebit,
        day: NaiveDate,
        ponto_id: &str,
    ) -> Result<(), ConvertError> {
        // The label only for an error: this runs for every entry.
        let overflow = |field: &str, sum: Decimal| ConvertError::AmountOverflow {
            resource: transaction_label(Some(ponto_id)),
            field: field.to_owned(),
            calculation: format!("{sum} + {amount}"),
        };
        let summary = &self.summary;
        let (credit_sum, debit_sum) = match direction {
            CreditDebit::Credit => (
                summary
                    .credit_sum
                    .checked_add(amount)
                    .ok_or_else(|| overflow("sum of the credits", summary.credit_sum))?,
                summary.debit_sum,
            ),
            CreditDebit::Debit => (
                summary.credit_sum,
                summary
                    .debit_sum
                    .checked_add(amount)
                    .ok_or_else(|| overflow("sum of the debits", summary.debit_sum))?,
            ),
        };
        credit_sum
            .checked_add(debit_sum)
            .ok_or_else(|| overflow("sum of all entries", summary.sum()))?;
        // The same additions were just checked, so the summary's unchecked ones are safe.
        self.summary.add(direction, amount);
        self.first_day = Some(self.first_day.map_or(day, |d| d.min(day)));
        self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.summary.count()
    }

    /// Credits minus debits. Cannot overflow: both sums are unsigned and fit a `Decimal`.
    pub fn net(&self) -> Decimal {
        self.summary.net()
    }

    /// Opening plus net; an overflow is an error naming the closing balance.
    pub fn closing(&self, opening: Decimal) -> Result<Decimal, ConvertError> {
        self.closing_of("statement", opening)
    }

    fn closing_of(&self, resource: &str, opening: Decimal) -> Result<Decimal, ConvertError> {
        let net = self.net();
        opening
            .checked_add(net)
            .ok_or_else(|| ConvertError::AmountOverflow {
                resource: resource.to_owned(),
                field: "closing balance".to_owned(),
                calculation: format!("opening balance {opening} + net of the entries {net}"),
            })
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

/// The opening balance before `included` (signed amounts, or statement nets) when Ponto
/// reports `current_balance` after all of them: current balance minus their sum, exactly.
pub fn opening_from_current(
    ctx: &AccountContext,
    current_balance: Decimal,
    included: impl IntoIterator<Item = Decimal>,
) -> Result<Decimal, ConvertError> {
    let resource = ctx.label();
    let net = checked_sum(included, &resource, "net of the transactions")?;
    current_balance
        .checked_sub(net)
        .ok_or_else(|| ConvertError::AmountOverflow {
            resource,
            field: "opening balance".to_owned(),
            calculation: format!(
                "attributes.currentBalance {current_balance} - net of the transactions {net}"
            ),
        })
}

/// `OPBD` at `first_day` and `CLBD` (opening + net) at `last_day`, in `currency`.
pub fn balances(
    opening: Decimal,
    totals: &StatementTotals,
    currency: &str,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Result<Vec<Balance>, ConvertError> {
    statement_balances("statement", opening, totals, currency, first_day, last_day)
}

/// [`balances`] with errors naming `resource` (the statement).
pub(crate) fn statement_balances(
    resource: &str,
    opening: Decimal,
    totals: &StatementTotals,
    currency: &str,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Result<Vec<Balance>, ConvertError> {
    Ok(vec![
        Balance {
            kind: BalanceType::OpeningBooked,
            amount: opening,
            currency: currency.to_owned(),
            date: first_day,
        },
        Balance {
            kind: BalanceType::ClosingBooked,
            amount: totals.closing_of(resource, opening)?,
            currency: currency.to_owned(),
            date: last_day,
        },
    ])
}

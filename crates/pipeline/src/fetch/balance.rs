//! The balance check: our statement chain (plus what is held back) against Ponto's
//! current balance. A difference is reported (log, ledger, `status`), never "fixed".

use super::statements::Mapped;
use crate::ledger::{BalanceCheck, Ledger};
use chrono::{DateTime, Utc};
use ponto::{Account, Transaction};
use rust_decimal::Decimal;

/// Where an account's chain stands after a run.
pub(super) struct Chain<'a> {
    pub(super) key: &'a str,
    pub(super) iban: &'a str,
    /// Everything the run read.
    pub(super) read: &'a [Transaction],
    /// New but held back (today's, with daily grouping).
    pub(super) held: &'a [Mapped],
    /// The last statement's closing balance.
    pub(super) closing: Decimal,
    pub(super) now: DateTime<Utc>,
}

/// Compares the chain with Ponto's balance, when Ponto's balance is recent enough to
/// include everything read; logs and records the comparison. Returns the difference.
/// `ledger` is `None` for a dry run (nothing is recorded).
pub(super) fn check_balance(
    ledger: Option<&Ledger>,
    chain: &Chain<'_>,
    account: &Account,
) -> Option<Decimal> {
    let check = compare(chain, account)?;
    let difference = check.difference();
    if !difference.is_zero() {
        tracing::warn!(account = %chain.iban, ours = %check.chain_balance, ponto = %check.ponto_balance, difference = %difference,
            "the balance chain differs from Ponto's current balance (not changed; see `ponto2camt status`)");
    }
    if let Some(ledger) = ledger
        && let Err(e) = ledger.record_balance_check(&check)
    {
        tracing::warn!("cannot record the balance check: {e}");
    }
    Some(difference)
}

/// The comparison, or nothing when Ponto's balance predates the newest transaction read.
pub(super) fn compare(chain: &Chain<'_>, account: &Account) -> Option<BalanceCheck> {
    let attributes = &account.attributes;
    let ponto = attributes.current_balance?;
    let newest = chain
        .read
        .iter()
        .filter_map(|t| t.attributes.execution_date)
        .max();
    let reference = attributes.current_balance_reference_date;
    if let (Some(reference), Some(newest)) = (reference, newest)
        && reference < newest
    {
        tracing::info!(account = %chain.iban, "Ponto's balance predates the newest transaction; not compared this time");
        return None;
    }
    let Some(ours) =
        super::statements::checked_sum(chain.held).and_then(|held| chain.closing.checked_add(held))
    else {
        tracing::warn!(account = %chain.iban, "the balance chain is beyond what a decimal holds; not compared");
        return None;
    };
    Some(BalanceCheck {
        account_key: chain.key.to_owned(),
        checked_at: chain.now,
        chain_balance: ours,
        ponto_balance: ponto,
        ponto_reference_date: reference,
    })
}

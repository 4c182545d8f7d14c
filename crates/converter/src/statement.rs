//! Statement assembly: the group header and everything of a `Stmt` before its entries.

use crate::amounts::{MAX_AMOUNT_FRACTION_DIGITS, MAX_SUM_FRACTION_DIGITS, check_camt_amount};
use crate::balances::{StatementTotals, statement_balances};
use crate::context::AccountContext;
use crate::dates::{end_of_day, start_of_day};
use crate::error::ConvertError;
use crate::ids::StatementId;
use camt053::{GroupHeader, StatementHeader};
use chrono::{DateTime, FixedOffset};
use rust_decimal::Decimal;

/// `GrpHdr`: one statement per message, so `MsgId` is the statement id.
pub fn group_header(id: &StatementId, created: DateTime<FixedOffset>) -> GroupHeader {
    GroupHeader {
        message_id: id.as_str().to_owned(),
        created,
    }
}

/// The `Stmt` header: id, optional `ElctrncSeqNb` (never `LglSeqNb`), `FrToDt` from the
/// start of the first booking day to the end of the last one in the bank's zone,
/// `OPBD`/`CLBD` and `TxsSummry`. Without entries the days are the creation day.
///
/// A balance or total that overflows or that camt.053 cannot carry (more than 18 digits)
/// is an error naming the statement and the amount, found here rather than by the writer.
pub fn statement_header(
    ctx: &AccountContext,
    id: StatementId,
    electronic_sequence: Option<u64>,
    created: DateTime<FixedOffset>,
    opening: Decimal,
    totals: &StatementTotals,
) -> Result<StatementHeader, ConvertError> {
    let resource = format!("statement {id}");
    let created_day = created.with_timezone(&ctx.time_zone).date_naive();
    let first_day = totals.first_day().unwrap_or(created_day);
    let last_day = totals.last_day().unwrap_or(created_day);
    let balances = statement_balances(
        &resource,
        opening,
        totals,
        &ctx.currency,
        first_day,
        last_day,
    )?;
    for (balance, field) in balances.iter().zip(["opening balance", "closing balance"]) {
        check_camt_amount(balance.amount, MAX_AMOUNT_FRACTION_DIGITS, &resource, field)?;
    }
    let summary = totals.summary();
    let sums = [
        (summary.sum(), "sum of all entries (TtlNtries/Sum)"),
        (summary.net(), "net of the entries (TtlNetNtryAmt)"),
        (summary.credit_sum, "sum of the credits (TtlCdtNtries/Sum)"),
        (summary.debit_sum, "sum of the debits (TtlDbtNtries/Sum)"),
    ];
    for (sum, field) in sums {
        check_camt_amount(sum, MAX_SUM_FRACTION_DIGITS, &resource, field)?;
    }
    Ok(StatementHeader {
        id: id.as_str().to_owned(),
        electronic_sequence,
        legal_sequence: None,
        created,
        from_to: Some((
            start_of_day(first_day, ctx.time_zone),
            end_of_day(last_day, ctx.time_zone),
        )),
        account: ctx.account.clone(),
        balances,
        summary: Some(summary.clone()),
    })
}

//! Statement assembly: the group header and everything of a `Stmt` before its entries.

use crate::balances::{StatementTotals, balances};
use crate::context::AccountContext;
use crate::dates::{end_of_day, start_of_day};
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
pub fn statement_header(
    ctx: &AccountContext,
    id: StatementId,
    electronic_sequence: Option<u64>,
    created: DateTime<FixedOffset>,
    opening: Decimal,
    totals: &StatementTotals,
) -> StatementHeader {
    let created_day = created.with_timezone(&ctx.time_zone).date_naive();
    let first_day = totals.first_day().unwrap_or(created_day);
    let last_day = totals.last_day().unwrap_or(created_day);
    StatementHeader {
        id: id.as_str().to_owned(),
        electronic_sequence,
        legal_sequence: None,
        created,
        from_to: Some((
            start_of_day(first_day, ctx.time_zone),
            end_of_day(last_day, ctx.time_zone),
        )),
        account: ctx.account.clone(),
        balances: balances(opening, totals, &ctx.currency, first_day, last_day),
        summary: Some(totals.summary().clone()),
    }
}

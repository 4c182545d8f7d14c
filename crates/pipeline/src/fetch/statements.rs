//! From what a read returned to the statements to publish: sort out what is new, held
//! back or unconvertible, group it (per run or per day), and plan each statement with
//! its XML, balances and file name.

use crate::Error;
use crate::config::AccountConfig;
use crate::ledger::PlannedStatement;
use chrono::{DateTime, NaiveDate, Utc};
use converter::{AccountContext, MappedTransaction, StatementId, StatementTotals};
use ponto::{Account, Transaction};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};

/// A mapped new transaction with what the ledger keeps to notice later changes.
pub(super) struct Mapped {
    pub(super) mapped: MappedTransaction,
    /// Position in Ponto's list (0 = newest created).
    pub(super) api_index: usize,
    pub(super) summary: String,
    /// What identifies it across a re-listing ([`super::relisting::MatchKey`]).
    pub(super) match_key: String,
}

/// The transactions of a read, sorted out.
#[derive(Default)]
pub(super) struct Sorted {
    pub(super) new: Vec<Mapped>,
    /// Booked today, held back until the day is over (daily grouping).
    pub(super) held: Vec<Mapped>,
    /// Could not be mapped: left unexported (and so read again next time), reported.
    pub(super) bad: Vec<String>,
    /// The day from which transactions are held (daily grouping, today), if any.
    pub(super) held_day: Option<NaiveDate>,
}

pub(super) fn sort_out(
    read: &[Transaction],
    known: &HashSet<String>,
    ctx: &AccountContext,
    start: NaiveDate,
    hold_today: bool,
    today: NaiveDate,
) -> Sorted {
    let mut sorted = Sorted {
        held_day: hold_today.then_some(today),
        ..Sorted::default()
    };
    // Ids compared as Ponto means them: case and hyphens do not make another transaction.
    let known: HashSet<String> = known
        .iter()
        .map(|id| converter::transaction_key(id))
        .collect();
    let mut seen = HashSet::new();
    for (api_index, transaction) in read.iter().enumerate() {
        if converter::pending_resource(transaction) {
            continue;
        }
        if let Some(id) = transaction.id.as_deref() {
            let key = converter::transaction_key(id);
            if known.contains(&key) || !seen.insert(key) {
                continue;
            }
        }
        let mapped = match converter::map_transaction(transaction, ctx) {
            Ok(mapped) => mapped,
            Err(e) => {
                sorted.bad.push(e.to_string());
                continue;
            }
        };
        if mapped.booking_date < start {
            continue;
        }
        let item = Mapped {
            summary: super::changes::summary(transaction),
            match_key: super::relisting::MatchKey::of(transaction).to_text(),
            mapped,
            api_index,
        };
        if hold_today && item.mapped.booking_date >= today {
            sorted.held.push(item);
        } else {
            sorted.new.push(item);
        }
    }
    sorted
}

/// Statements to write, oldest first: one for everything (per-run) or one per day.
pub(super) fn group_statements(mut new: Vec<Mapped>, daily: bool) -> Vec<Vec<Mapped>> {
    // Booking order; equal instants in Ponto's creation order (its list is newest first).
    new.sort_by_key(|m| {
        (
            m.mapped.booking_date,
            m.mapped.execution,
            std::cmp::Reverse(m.api_index),
        )
    });
    if !daily {
        return if new.is_empty() {
            Vec::new()
        } else {
            vec![new]
        };
    }
    let mut days: BTreeMap<NaiveDate, Vec<Mapped>> = BTreeMap::new();
    for item in new {
        days.entry(item.mapped.booking_date).or_default().push(item);
    }
    days.into_values().collect()
}

/// The very first statement's opening: Ponto's current balance minus every booked
/// transaction it includes that this run reads as new (exported now or held back).
pub(super) fn first_opening(
    iban: &str,
    ctx: &AccountContext,
    account: &Account,
    sorted: &Sorted,
) -> Result<Decimal, Error> {
    let current = account
        .attributes
        .current_balance
        .ok_or_else(|| Error::NoCurrentBalance {
            iban: account
                .attributes
                .reference
                .clone()
                .unwrap_or_else(|| iban.to_owned()),
        })?;
    let included = sorted
        .new
        .iter()
        .chain(&sorted.held)
        .map(|m| m.mapped.signed_amount);
    converter::opening_from_current(ctx, current, included).map_err(|source| Error::Account {
        iban: iban.to_owned(),
        source: Box::new(source),
    })
}

/// The sum of the signed amounts, or `None` when it overflows.
pub(super) fn checked_sum<'a>(items: impl IntoIterator<Item = &'a Mapped>) -> Option<Decimal> {
    items.into_iter().try_fold(Decimal::ZERO, |sum, m| {
        sum.checked_add(m.mapped.signed_amount)
    })
}

/// One statement of the account, rendered and ready to be recorded.
pub(super) fn plan_statement(
    account: &AccountConfig,
    ctx: &AccountContext,
    group: &[Mapped],
    seq: u64,
    opening: Decimal,
    now: DateTime<Utc>,
) -> Result<PlannedStatement, Error> {
    let bad_data = |source| Error::Account {
        iban: account.iban.clone(),
        source: Box::new(source),
    };
    let totals = StatementTotals::of(group.iter().map(|m| &m.mapped)).map_err(bad_data)?;
    let id = StatementId::for_ledger(&ctx.account_tag(), seq);
    let created = now.with_timezone(&ctx.time_zone).fixed_offset();
    let header = converter::statement_header(ctx, id.clone(), Some(seq), created, opening, &totals)
        .map_err(bad_data)?;
    let closing = totals.closing(opening).map_err(bad_data)?;
    let xml = render(&id, created, &header, group).map_err(|source| Error::Render {
        iban: account.iban.clone(),
        statement: id.to_string(),
        source: Box::new(source),
    })?;
    let first = totals.first_day().unwrap_or_default();
    let last = totals.last_day().unwrap_or(first);
    Ok(PlannedStatement {
        id: id.as_str().to_owned(),
        seq,
        file_name: file_name(&account.iban, &ctx.currency, seq, first, last),
        drop_dir: account.drop_dir.clone(),
        xml,
        opening,
        closing,
        transaction_ids: group.iter().map(|m| m.mapped.ponto_id.clone()).collect(),
        summaries: group
            .iter()
            .map(|m| (m.mapped.ponto_id.clone(), m.summary.clone()))
            .collect(),
        match_keys: group
            .iter()
            .map(|m| (m.mapped.ponto_id.clone(), m.match_key.clone()))
            .collect(),
        ponto_account_id: None,
    })
}

fn render(
    id: &StatementId,
    created: chrono::DateTime<chrono::FixedOffset>,
    header: &camt053::StatementHeader,
    group: &[Mapped],
) -> Result<Vec<u8>, camt053::WriteError> {
    let mut writer =
        camt053::StatementWriter::start(Vec::new(), &converter::group_header(id, created), header)?;
    for item in group {
        writer.entry(&item.mapped.entry)?;
    }
    writer.finish(None)
}

/// `IBAN_CCY_SEQ_FIRST[_LAST].xml`: says what is inside and is never reused (the
/// sequence grows per account).
pub fn file_name(
    iban: &str,
    currency: &str,
    seq: u64,
    first: NaiveDate,
    last: NaiveDate,
) -> String {
    let period = if first == last {
        first.format("%Y-%m-%d").to_string()
    } else {
        format!("{}_{}", first.format("%Y-%m-%d"), last.format("%Y-%m-%d"))
    };
    format!("{iban}_{currency}_{seq:06}_{period}.xml")
}

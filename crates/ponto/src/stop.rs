//! Ready-made stop rules for `Client::transactions`.
//!
//! Ponto lists transactions newest-created first and offers no date filter, so a
//! reader decides after each page whether older pages can still hold anything new. A
//! rule sees each page once, in order, and answers [`ReadMore`]; the reader also ends
//! by itself when Ponto has no `next` page. Rules only ever stop *after* a page, so the
//! page that triggers the stop is part of the result.
//!
//! Which rule to use:
//! - the ledger knows ids of this account: [`stop_when_caught_up`] (one page per 100
//!   new transactions plus one);
//! - first run, nothing known yet: [`stop_created_before`] with the start date minus a
//!   margin (creation order is the listing order, so back-dated bookings at the top
//!   cannot stop the read early, as they can with [`stop_before`]);
//! - everything: [`read_all`].

use crate::paging::ReadMore;
use crate::resources::Transaction;
use chrono::{DateTime, Utc};

fn executed_before(t: &Transaction, date: DateTime<Utc>) -> bool {
    t.attributes.execution_date.is_some_and(|d| d < date)
}

fn is_known(t: &Transaction, known: &impl Fn(&str) -> bool) -> bool {
    t.id.as_deref().is_some_and(known)
}

fn verdict(stop: bool) -> ReadMore {
    if stop {
        ReadMore::Stop
    } else {
        ReadMore::Continue
    }
}

/// Never stops: reads the whole history.
pub fn read_all() -> impl FnMut(&[Transaction]) -> ReadMore {
    |_| ReadMore::Continue
}

/// Stops after a page made only of ids `known` recognises.
pub fn stop_at_known(known: impl Fn(&str) -> bool) -> impl FnMut(&[Transaction]) -> ReadMore {
    move |page| verdict(!page.is_empty() && page.iter().all(|t| is_known(t, &known)))
}

/// Stops after a page whose transactions were all executed before `date` (a
/// transaction without an execution date never counts as before).
pub fn stop_before(date: DateTime<Utc>) -> impl FnMut(&[Transaction]) -> ReadMore {
    move |page| verdict(!page.is_empty() && page.iter().all(|t| executed_before(t, date)))
}

/// Stops after a page whose transactions were all *created* in Ponto before `date` (a
/// transaction without `createdAt` never counts as before). The safe first-read rule:
/// Ponto lists by creation, so unlike [`stop_before`] a burst of back-dated bookings at
/// the top cannot end the read early, and a booking is never created before it happened.
pub fn stop_created_before(date: DateTime<Utc>) -> impl FnMut(&[Transaction]) -> ReadMore {
    move |page| {
        verdict(
            !page.is_empty()
                && page
                    .iter()
                    .all(|t| t.attributes.created_at.is_some_and(|c| c < date)),
        )
    }
}

/// The incremental rule: stops after a page in which every transaction is either known
/// or executed before `start`, once at least one known id has shown up in this read.
///
/// Why per transaction and not "either rule says stop": ids older than `start` were never
/// recorded, so pages that mix known and too-old transactions would satisfy neither
/// rule alone and the read would run to the end of the history. Why "once a known id has
/// shown up": a burst of back-filled old bookings can sit above new in-range ones (Ponto
/// lists by creation); only reaching the previous read's territory proves there is
/// nothing new further down.
pub fn stop_when_caught_up(
    known: impl Fn(&str) -> bool,
    start: DateTime<Utc>,
) -> impl FnMut(&[Transaction]) -> ReadMore {
    let mut reached_known = false;
    move |page| {
        reached_known |= page.iter().any(|t| is_known(t, &known));
        let settled = page
            .iter()
            .all(|t| is_known(t, &known) || executed_before(t, start));
        verdict(reached_known && !page.is_empty() && settled)
    }
}

/// The incremental rule safe in any listing order: like [`stop_when_caught_up`], and
/// besides it reads on until a whole page was executed more than `lookback` before the
/// newest known transaction seen in this read.
///
/// Why: Ponto is believed to list newest-*created* first, but that is not confirmed; if
/// it lists by execution date, a late booking with an older date sits below
/// transactions already known, and [`stop_when_caught_up`] stops above it. Reading on
/// through `lookback` of known history delivers such a booking whichever order Ponto
/// uses, at the cost of the pages that span `lookback`. A zero `lookback` trusts
/// creation order and is [`stop_when_caught_up`].
pub fn stop_when_caught_up_looking_back(
    known: impl Fn(&str) -> bool,
    start: DateTime<Utc>,
    lookback: chrono::Duration,
) -> impl FnMut(&[Transaction]) -> ReadMore {
    let known = std::rc::Rc::new(known);
    let shared = std::rc::Rc::clone(&known);
    let mut caught_up = stop_when_caught_up(move |id| shared(id), start);
    let mut newest_known: Option<DateTime<Utc>> = None;
    move |page| {
        let newest_here = page
            .iter()
            .filter(|t| is_known(t, &*known))
            .filter_map(|t| t.attributes.execution_date)
            .max();
        newest_known = newest_known.max(newest_here);
        let settled = caught_up(page) == ReadMore::Stop;
        if lookback <= chrono::Duration::zero() {
            return verdict(settled);
        }
        let Some(threshold) = newest_known.map(|n| n - lookback) else {
            return ReadMore::Continue;
        };
        let beyond = page
            .iter()
            .all(|t| executed_before(t, threshold) || executed_before(t, start));
        verdict(settled && beyond)
    }
}

/// Stops as soon as either rule says stop. Both rules see every page, so stateful
/// rules stay consistent.
pub fn stop_when_either(
    mut a: impl FnMut(&[Transaction]) -> ReadMore,
    mut b: impl FnMut(&[Transaction]) -> ReadMore,
) -> impl FnMut(&[Transaction]) -> ReadMore {
    move |page| {
        let first = a(page);
        let second = b(page);
        verdict(first == ReadMore::Stop || second == ReadMore::Stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{Resource, TransactionAttributes};
    use chrono::TimeZone;

    fn tx(id: &str, day: u32) -> Transaction {
        Resource {
            kind: Some("transaction".into()),
            id: Some(id.into()),
            attributes: TransactionAttributes {
                execution_date: Utc.with_ymd_and_hms(2024, 3, day, 0, 0, 0).single(),
                ..TransactionAttributes::default()
            },
            relationships: None,
            meta: None,
            links: None,
        }
    }

    fn known(id: &str) -> bool {
        id.starts_with('k')
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, d, 0, 0, 0).single().unwrap()
    }

    fn created(id: &str, executed: u32, created: Option<u32>) -> Transaction {
        let mut t = tx(id, executed);
        t.attributes.created_at = created.map(day);
        t
    }

    #[test]
    fn creation_rule_is_not_fooled_by_back_dated_bookings() {
        let mut rule = stop_created_before(day(10));
        // Executed long ago but created now: the read must go on.
        let back_dated = [created("b1", 1, Some(20)), created("b2", 2, Some(20))];
        assert_eq!(rule(&back_dated), ReadMore::Continue);
        assert_eq!(
            rule(&[created("o1", 1, Some(9)), created("o2", 1, None)]),
            ReadMore::Continue
        );
        assert_eq!(
            rule(&[created("o1", 1, Some(9)), created("o2", 1, Some(3))]),
            ReadMore::Stop
        );
        assert_eq!(rule(&[]), ReadMore::Continue);
    }

    #[test]
    fn known_rule_needs_a_whole_known_page() {
        let mut rule = stop_at_known(known);
        assert_eq!(rule(&[tx("n1", 5), tx("k1", 5)]), ReadMore::Continue);
        assert_eq!(rule(&[tx("k2", 5), tx("k3", 5)]), ReadMore::Stop);
        assert_eq!(rule(&[]), ReadMore::Continue);
    }

    #[test]
    fn date_rule_needs_a_whole_old_page() {
        let mut rule = stop_before(day(10));
        assert_eq!(rule(&[tx("a", 2), tx("b", 12)]), ReadMore::Continue);
        let mut undated = tx("c", 1);
        undated.attributes.execution_date = None;
        assert_eq!(rule(&[tx("a", 2), undated]), ReadMore::Continue);
        assert_eq!(rule(&[tx("a", 2), tx("b", 9)]), ReadMore::Stop);
    }

    #[test]
    fn caught_up_stops_on_known_and_old_mixed_pages() {
        let mut rule = stop_when_caught_up(known, day(10));
        assert_eq!(rule(&[tx("n1", 20), tx("n2", 19)]), ReadMore::Continue);
        // Neither "all known" nor "all old", yet nothing on it is wanted.
        assert_eq!(rule(&[tx("k1", 15), tx("old1", 3)]), ReadMore::Stop);
    }

    #[test]
    fn caught_up_reads_past_back_filled_old_bookings() {
        let mut rule = stop_when_caught_up(known, day(10));
        // Back-filled bookings from before the start date, created last, on top.
        assert_eq!(rule(&[tx("old1", 2), tx("old2", 1)]), ReadMore::Continue);
        // A new in-range booking below them must still be read.
        assert_eq!(rule(&[tx("n1", 15), tx("k1", 14)]), ReadMore::Continue);
        assert_eq!(rule(&[tx("k2", 13), tx("k3", 12)]), ReadMore::Stop);
    }

    #[test]
    fn either_stops_when_one_does_and_feeds_both() {
        let mut rule = stop_when_either(stop_at_known(known), stop_before(day(10)));
        assert_eq!(rule(&[tx("n1", 20)]), ReadMore::Continue);
        assert_eq!(rule(&[tx("n2", 2)]), ReadMore::Stop);
        let mut rule = stop_when_either(read_all(), stop_at_known(known));
        assert_eq!(rule(&[tx("k1", 20)]), ReadMore::Stop);
    }

    #[test]
    fn looking_back_reads_on_through_the_window_and_finds_a_late_booking() {
        let start = Utc
            .with_ymd_and_hms(2024, 3, 1, 0, 0, 0)
            .single()
            .expect("t");
        let known = |id: &str| id.starts_with('k');
        let week = chrono::Duration::days(7);
        // Listed by execution date: known ones on top, the late booking (day 22) below them.
        let pages = [
            vec![tx("k30", 30), tx("k29", 29)],
            vec![tx("k25", 25), tx("n22", 22)],
            vec![tx("k21", 21), tx("k20", 20)],
        ];
        let mut plain = stop_when_caught_up(known, start);
        assert_eq!(
            plain(&pages[0]),
            ReadMore::Stop,
            "the old rule stops above the late booking"
        );
        let mut rule = stop_when_caught_up_looking_back(known, start, week);
        assert_eq!(rule(&pages[0]), ReadMore::Continue);
        assert_eq!(
            rule(&pages[1]),
            ReadMore::Continue,
            "day 22 is within a week of day 30"
        );
        assert_eq!(
            rule(&pages[2]),
            ReadMore::Stop,
            "days 21 and 20 are more than a week before 30"
        );
    }

    #[test]
    fn a_zero_look_back_trusts_creation_order() {
        let start = Utc
            .with_ymd_and_hms(2024, 3, 1, 0, 0, 0)
            .single()
            .expect("t");
        let known = |id: &str| id.starts_with('k');
        let mut rule = stop_when_caught_up_looking_back(known, start, chrono::Duration::zero());
        assert_eq!(rule(&[tx("k30", 30), tx("k29", 29)]), ReadMore::Stop);
    }
}

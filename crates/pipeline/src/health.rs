//! What needs someone's attention, per account: the problems `status` lists and
//! `status --check` exits non-zero on. Each has a stable `kind` for monitoring and a
//! message for people.

use crate::ledger::{AccountStatus, RunOutcome};
use crate::status::WaitingFile;
use crate::sync_health;
use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Stable: `not_picked_up`, `last_run_failed`, `last_run_temporary`, `held_back`,
    /// `balance_difference`, `undelivered`, `needs_review`, and those of the bank link
    /// ([`sync_health::Finding::kind`]: `consent_expired`, `account_deprecated`,
    /// `account_unavailable`, `sync_stale`, `sync_failed`; `consent_expiring` is a
    /// warning).
    pub kind: &'static str,
    pub message: String,
}

/// The configuration's thresholds for problems.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub pickup_warn_after: Duration,
    pub sync: sync_health::Limits,
}

impl Limits {
    pub fn of(config: &crate::config::Config) -> Limits {
        Limits {
            pickup_warn_after: config.watch.pickup_warn_after,
            sync: sync_health::Limits::of(config),
        }
    }
}

/// What someone should know but need not act on yet (a consent expiring soon).
pub fn warnings(status: &AccountStatus, limits: Limits, now: DateTime<Utc>) -> Vec<Problem> {
    bank_link(status, limits, now)
        .into_iter()
        .filter(|f| !f.is_problem)
        .map(|f| Problem::new(f.kind, f.message))
        .collect()
}

/// The bank link as last recorded, judged now.
fn bank_link(
    status: &AccountStatus,
    limits: Limits,
    now: DateTime<Utc>,
) -> Vec<sync_health::Finding> {
    status
        .bank_link
        .as_ref()
        .map(|link| {
            let mut found = sync_health::assess(link, limits.sync, now);
            for f in &mut found {
                f.message = format!(
                    "{} (as Ponto said at {})",
                    f.message,
                    link.observed_at.format("%Y-%m-%d %H:%M UTC")
                );
            }
            found
        })
        .unwrap_or_default()
}

impl Problem {
    fn new(kind: &'static str, message: String) -> Problem {
        Problem { kind, message }
    }
}

/// The problems of one account at `now`.
pub fn problems(
    status: &AccountStatus,
    waiting: &[&WaitingFile],
    limits: Limits,
    now: DateTime<Utc>,
) -> Vec<Problem> {
    let pickup_warn_after = limits.pickup_warn_after;
    let mut found: Vec<Problem> = bank_link(status, limits, now)
        .into_iter()
        .filter(|f| f.is_problem)
        .map(|f| Problem::new(f.kind, f.message))
        .collect();
    if !status.review_holds.is_empty() {
        let ids: Vec<&str> = status
            .review_holds
            .iter()
            .map(|h| h.ponto_id.as_str())
            .collect();
        found.push(Problem::new(
            "needs_review",
            format!(
                "{} transaction(s) held until you decide whether they are re-listings of delivered ones: {} (`ponto2camt fetch --accept ID` delivers one, `--dismiss ID` drops it; the log says what each might repeat)",
                ids.len(),
                ids.join(", ")
            ),
        ));
    }
    if let Some(run) = &status.last_run {
        let message = run.message.clone().unwrap_or_default();
        let kind = match run.outcome {
            RunOutcome::Ok => None,
            RunOutcome::Failed => Some("last_run_failed"),
            RunOutcome::Temporary => Some("last_run_temporary"),
            RunOutcome::HeldBack => Some("held_back"),
        };
        if let Some(kind) = kind {
            found.push(Problem::new(
                kind,
                format!(
                    "last run at {}: {message}",
                    run.finished_at.format("%Y-%m-%d %H:%M UTC")
                ),
            ));
        }
    }
    if let Some(check) = &status.balance
        && !check.difference().is_zero()
    {
        found.push(Problem::new(
            "balance_difference",
            format!(
                "our balance chain differs from Ponto's by {} (Ponto {}, ours {}, checked {})",
                check.difference(),
                check.ponto_balance,
                check.chain_balance,
                check.checked_at.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    if status.unpublished > 0 {
        found.push(Problem::new(
            "undelivered",
            format!(
                "{} statement(s) recorded but not yet in the drop folder (the next run delivers them)",
                status.unpublished
            ),
        ));
    }
    let limit = chrono::Duration::from_std(pickup_warn_after).unwrap_or(chrono::Duration::MAX);
    for file in waiting.iter().filter(|w| now - w.published_at > limit) {
        found.push(Problem::new(
            "not_picked_up",
            format!(
                "{} waits since {} ({} h): the ERP has not taken it",
                file.path,
                file.published_at.format("%Y-%m-%d %H:%M UTC"),
                (now - file.published_at).num_hours()
            ),
        ));
    }
    found
}

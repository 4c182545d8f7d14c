//! What needs someone's attention, per account: the problems `status` lists and
//! `status --check` exits non-zero on. Each has a stable `kind` for monitoring and a
//! message for people.

use crate::ledger::{AccountStatus, RunOutcome};
use crate::status::WaitingFile;
use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Stable: `not_picked_up`, `last_run_failed`, `last_run_temporary`, `held_back`,
    /// `balance_difference`, `undelivered`.
    pub kind: &'static str,
    pub message: String,
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
    pickup_warn_after: Duration,
    now: DateTime<Utc>,
) -> Vec<Problem> {
    let mut found = Vec::new();
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

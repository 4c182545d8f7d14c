//! Consent and synchronization health of a Ponto account: is the bank still telling
//! Ponto about new transactions? A scheduled fetch that gets nothing new must say why
//! (Ponto's own FAQ names an expired authorization as the first cause), so every run
//! records what Ponto says ([`BankLink`]) and `status` judges it with [`assess`].

use crate::ledger::BankLink;
use chrono::{DateTime, Utc};
use ponto::Account;
use std::time::Duration;

/// How much of a synchronization's `errors` is kept (they are Ponto's text).
const SYNC_ERRORS_CHARS: usize = 500;

/// The thresholds of the configuration (`consent_warn_days`, `stale_after`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub consent_warn_days: u32,
    pub stale_after: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            consent_warn_days: crate::config::DEFAULT_CONSENT_WARN_DAYS,
            stale_after: crate::config::DEFAULT_STALE_AFTER,
        }
    }
}

impl Limits {
    pub fn of(config: &crate::config::Config) -> Limits {
        Limits {
            consent_warn_days: config.consent_warn_days,
            stale_after: config.stale_after,
        }
    }
}

/// One thing about the bank link someone should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable, for monitoring: `consent_expiring` (a warning), `consent_expired`,
    /// `account_deprecated`, `account_unavailable`, `sync_stale`, `sync_failed`.
    pub kind: &'static str,
    /// A problem (`status --check` fails) rather than a warning.
    pub is_problem: bool,
    pub message: String,
}

impl Finding {
    fn problem(kind: &'static str, message: String) -> Finding {
        Finding {
            kind,
            is_problem: true,
            message,
        }
    }
}

/// What Ponto says of the account now.
pub fn observe(account: &Account, now: DateTime<Utc>) -> BankLink {
    let meta = account.account_meta();
    let latest = meta.latest_synchronization.as_ref();
    let sync_errors = latest
        .and_then(|s| s.attributes.errors.as_ref())
        .filter(|errors| !errors.is_empty())
        .map(|errors| capped(&serde_json::Value::from(errors.clone()).to_string()));
    BankLink {
        observed_at: now,
        ponto_account_id: account.id.clone().unwrap_or_default(),
        consent_expires_at: account.attributes.authorization_expiration_expected_at,
        synchronized_at: meta.synchronized_at,
        availability: meta.availability,
        deprecated: account.attributes.deprecated == Some(true),
        sync_status: latest.and_then(|s| s.attributes.status.clone()),
        sync_errors,
    }
}

/// What needs attention in `link` at `now`.
pub fn assess(link: &BankLink, limits: Limits, now: DateTime<Utc>) -> Vec<Finding> {
    let mut found = Vec::new();
    if let Some(finding) = consent(link.consent_expires_at, limits.consent_warn_days, now) {
        found.push(finding);
    }
    if link.deprecated {
        found.push(Finding::problem(
            "account_deprecated",
            "Ponto marks this account deprecated: after a re-authorization the bank's new \
             bookings arrive on a new Ponto account for the same IBAN"
                .to_owned(),
        ));
    }
    if let Some(availability) = link.availability.as_deref().filter(|a| *a != "available") {
        found.push(Finding::problem(
            "account_unavailable",
            format!("Ponto says the account is {availability}: its data may not be read"),
        ));
    }
    found.extend(synchronization(link, limits.stale_after, now));
    found
}

fn consent(expires: Option<DateTime<Utc>>, warn_days: u32, now: DateTime<Utc>) -> Option<Finding> {
    let expires = expires?;
    let day = expires.format("%Y-%m-%d");
    if expires <= now {
        return Some(Finding::problem(
            "consent_expired",
            format!(
                "the bank consent expired on {day}: no new transactions arrive until it is \
                 renewed (re-authorize the account in the Ponto dashboard)"
            ),
        ));
    }
    let left = expires - now;
    (left <= chrono::Duration::days(i64::from(warn_days))).then(|| Finding {
        kind: "consent_expiring",
        is_problem: false,
        message: format!(
            "the bank consent expires on {day} (in {} day(s)): re-authorize the account in \
             the Ponto dashboard before then",
            left.num_days()
        ),
    })
}

fn synchronization(link: &BankLink, stale_after: Duration, now: DateTime<Utc>) -> Vec<Finding> {
    let mut found = Vec::new();
    let limit = chrono::Duration::from_std(stale_after).unwrap_or(chrono::Duration::MAX);
    match link.synchronized_at {
        Some(at) if now - at > limit => found.push(Finding::problem(
            "sync_stale",
            format!(
                "Ponto last synchronized with the bank at {} ({} h ago, more than stale_after): \
                 Ponto's data may be behind the bank",
                at.format("%Y-%m-%d %H:%M UTC"),
                (now - at).num_hours()
            ),
        )),
        None => found.push(Finding::problem(
            "sync_stale",
            "Ponto has never synchronized this account with the bank".to_owned(),
        )),
        Some(_) => {}
    }
    let failed = link.sync_status.as_deref() == Some("error") || link.sync_errors.is_some();
    if failed {
        found.push(Finding::problem(
            "sync_failed",
            format!(
                "Ponto's latest synchronization with the bank failed{}",
                link.sync_errors
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ),
        ));
    }
    found
}

fn capped(text: &str) -> String {
    match text.char_indices().nth(SYNC_ERRORS_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
            .single()
            .expect("valid date")
    }

    fn healthy() -> BankLink {
        BankLink {
            observed_at: at(10, 12),
            ponto_account_id: "a".into(),
            consent_expires_at: Some(at(30, 12)),
            synchronized_at: Some(at(10, 6)),
            availability: Some("available".into()),
            deprecated: false,
            sync_status: Some("success".into()),
            sync_errors: None,
        }
    }

    const LIMITS: Limits = Limits {
        consent_warn_days: 14,
        stale_after: Duration::from_secs(36 * 3600),
    };

    fn kinds(link: &BankLink, now: DateTime<Utc>) -> Vec<(&'static str, bool)> {
        assess(link, LIMITS, now)
            .into_iter()
            .map(|f| (f.kind, f.is_problem))
            .collect()
    }

    #[test]
    fn a_healthy_link_says_nothing() {
        assert!(kinds(&healthy(), at(10, 12)).is_empty());
    }

    #[test]
    fn consent_warns_within_the_window_and_is_a_problem_once_expired() {
        let mut link = healthy();
        link.consent_expires_at = Some(at(20, 12));
        assert_eq!(kinds(&link, at(10, 12)), [("consent_expiring", false)]);
        let message = &assess(&link, LIMITS, at(10, 12))[0].message;
        assert!(
            message.contains("2026-03-20") && message.contains("10 day"),
            "{message}"
        );
        link.consent_expires_at = Some(at(10, 11));
        assert_eq!(kinds(&link, at(10, 12)), [("consent_expired", true)]);
        let quiet = Limits {
            consent_warn_days: 5,
            ..LIMITS
        };
        link.consent_expires_at = Some(at(20, 12));
        assert!(assess(&link, quiet, at(10, 12)).is_empty());
    }

    #[test]
    fn stale_means_older_than_stale_after() {
        let link = healthy();
        assert!(kinds(&link, at(11, 18)).is_empty(), "36 h exactly");
        assert_eq!(kinds(&link, at(11, 19)), [("sync_stale", true)]);
        let never = BankLink {
            synchronized_at: None,
            ..healthy()
        };
        assert_eq!(kinds(&never, at(10, 12)), [("sync_stale", true)]);
    }

    #[test]
    fn deprecated_unavailable_and_failed_sync_are_problems() {
        let link = BankLink {
            deprecated: true,
            availability: Some("unavailable".into()),
            sync_status: Some("error".into()),
            sync_errors: Some(r#"[{"code":"authorizationExpired"}]"#.into()),
            ..healthy()
        };
        assert_eq!(
            kinds(&link, at(10, 12)),
            [
                ("account_deprecated", true),
                ("account_unavailable", true),
                ("sync_failed", true)
            ]
        );
        let failed = &assess(&link, LIMITS, at(10, 12))[2].message;
        assert!(failed.contains("authorizationExpired"), "{failed}");
    }
}

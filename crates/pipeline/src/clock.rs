//! The current time, fixable for reproducible output (golden files, demos).

use chrono::{DateTime, Utc};

/// `PONTO2CAMT_NOW` (RFC 3339, e.g. `2024-03-06T07:00:00Z`) fixes the clock: every
/// creation time written into a file then comes from it.
pub const NOW_VARIABLE: &str = "PONTO2CAMT_NOW";

pub fn now() -> DateTime<Utc> {
    std::env::var(NOW_VARIABLE)
        .ok()
        .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

//! Watching that the ERP takes the files: a file still in its drop folder after
//! `pickup_warn_after` is logged as a warning once, and again every day while it waits.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// How often a waiting file is warned about again.
pub const REPEAT_EVERY: Duration = Duration::days(1);

/// A published file still waiting in its drop folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub statement_id: String,
    pub path: String,
    pub published_at: DateTime<Utc>,
}

/// Which waiting files were warned about, and when.
#[derive(Debug, Default)]
pub struct PickupWarnings {
    warned: HashMap<String, DateTime<Utc>>,
}

impl PickupWarnings {
    /// The files to warn about now: waiting longer than `warn_after`, and not warned
    /// about in the last day. Forgets files that no longer wait.
    pub fn due<'a>(
        &mut self,
        waiting: &'a [Waiting],
        warn_after: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Vec<&'a Waiting> {
        self.warned
            .retain(|id, _| waiting.iter().any(|w| &w.statement_id == id));
        let warn_after = Duration::from_std(warn_after).unwrap_or(Duration::MAX);
        let mut due = Vec::new();
        for file in waiting {
            if now - file.published_at < warn_after {
                continue;
            }
            let recently = self
                .warned
                .get(&file.statement_id)
                .is_some_and(|at| now - *at < REPEAT_EVERY);
            if !recently {
                self.warned.insert(file.statement_id.clone(), now);
                due.push(file);
            }
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
            .single()
            .expect("t")
            + Duration::hours(hours)
    }

    fn waiting(id: &str, published_hour: i64) -> Waiting {
        Waiting {
            statement_id: id.into(),
            path: format!("/drop/{id}.xml"),
            published_at: at(published_hour),
        }
    }

    #[test]
    fn a_file_is_warned_about_after_the_limit_once_then_daily() {
        let mut warnings = PickupWarnings::default();
        let two_hours = std::time::Duration::from_secs(7200);
        let files = [waiting("a", 0), waiting("b", 3)];
        assert!(warnings.due(&files, two_hours, at(1)).is_empty());
        let first: Vec<_> = warnings
            .due(&files, two_hours, at(2))
            .iter()
            .map(|w| w.statement_id.clone())
            .collect();
        assert_eq!(first, ["a"]);
        assert!(
            warnings.due(&files[..1], two_hours, at(3)).is_empty(),
            "once"
        );
        let later: Vec<_> = warnings
            .due(&files, two_hours, at(6))
            .iter()
            .map(|w| w.statement_id.clone())
            .collect();
        assert_eq!(later, ["b"]);
        let next_day: Vec<_> = warnings
            .due(&files, two_hours, at(26))
            .iter()
            .map(|w| w.statement_id.clone())
            .collect();
        assert_eq!(next_day, ["a"], "again a day after the first warning");
    }

    #[test]
    fn a_file_taken_and_published_again_under_the_same_id_is_new() {
        let mut warnings = PickupWarnings::default();
        let limit = std::time::Duration::from_secs(3600);
        assert_eq!(warnings.due(&[waiting("a", 0)], limit, at(2)).len(), 1);
        assert!(warnings.due(&[], limit, at(3)).is_empty());
        assert_eq!(warnings.due(&[waiting("a", 0)], limit, at(4)).len(), 1);
    }
}

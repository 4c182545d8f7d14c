//! The order of the booked transactions list. Which key Ponto really sorts by is not
//! confirmed (`shared/reference/ponto-api.md` §4, §14): one source says newest created
//! first, others newest execution date first. The simulator serves either, so a client
//! can be tested against both.

use chrono::DateTime;

/// How `GET /accounts/{id}/transactions` orders its items, and so its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ListingOrder {
    /// newest `createdAt` first: a back-dated booking is listed at the top
    #[default]
    Created,
    /// newest `executionDate` first, ties by `createdAt` newest first: a back-dated
    /// booking is listed among the transactions of its execution day
    Execution,
}

/// Display positions of an account's transactions in execution order, both ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionOrder {
    /// display position -> storage index
    storage: Vec<u32>,
    /// storage index -> display position
    position: Vec<u32>,
}

/// What a transaction is sorted by; storage index last, so that the order is total.
pub struct SortKey {
    pub execution_ms: i64,
    pub created_ms: i64,
    pub storage: usize,
}

/// Milliseconds of a Ponto timestamp. Timestamps given to `add_transaction` may be
/// written without milliseconds, so they are compared as instants, not as text; one
/// that is not a timestamp at all sorts as the oldest.
pub fn instant_ms(text: &str) -> i64 {
    DateTime::parse_from_rfc3339(text).map_or(i64::MIN, |t| t.timestamp_millis())
}

impl ExecutionOrder {
    pub fn new(mut keys: Vec<SortKey>) -> ExecutionOrder {
        keys.sort_unstable_by(|a, b| {
            (b.execution_ms, b.created_ms, b.storage).cmp(&(
                a.execution_ms,
                a.created_ms,
                a.storage,
            ))
        });
        let storage: Vec<u32> = keys.iter().map(|k| k.storage as u32).collect();
        let mut position = vec![0u32; storage.len()];
        for (p, s) in storage.iter().enumerate() {
            position[*s as usize] = p as u32;
        }
        ExecutionOrder { storage, position }
    }

    pub fn storage_at(&self, position: usize) -> Option<usize> {
        self.storage.get(position).map(|s| *s as usize)
    }

    pub fn position_of(&self, storage: usize) -> Option<usize> {
        self.position.get(storage).map(|p| *p as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_execution_then_creation_newest_first() {
        let key = |execution_ms, created_ms, storage| SortKey {
            execution_ms,
            created_ms,
            storage,
        };
        let order = ExecutionOrder::new(vec![
            key(10, 1, 0),
            key(30, 2, 1),
            key(10, 3, 2),
            key(20, 4, 3),
        ]);
        let listed: Vec<usize> = (0..4).filter_map(|p| order.storage_at(p)).collect();
        assert_eq!(listed, [1, 3, 2, 0]);
        assert_eq!(order.position_of(2), Some(2));
        assert_eq!(order.storage_at(4), None);
    }

    #[test]
    fn timestamps_compare_as_instants() {
        assert_eq!(
            instant_ms("2020-05-22T00:00:00Z"),
            instant_ms("2020-05-22T00:00:00.000Z")
        );
        assert!(instant_ms("2020-05-22T00:00:00.001Z") > instant_ms("2020-05-22T00:00:00Z"));
        assert_eq!(instant_ms("yesterday"), i64::MIN);
    }
}

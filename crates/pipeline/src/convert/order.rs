//! The order of a statement's entries, and transactions given twice — both decided by
//! external sorts ([`super::sort`]), so that neither memory nor the time taken depends on
//! the order of the bundle.
//!
//! Entries are written in booking order: booking day, then the execution instant (to
//! the nanosecond), then Ponto's creation instant (`createdAt`; missing sorts first),
//! then the transaction id (as [`converter::transaction_key`] sees it). All of it is
//! the transaction's own content, so the same transactions give the same bytes in any
//! order; among bookings at the same instant (a date-only bank books everything at
//! midnight) they stand in the order Ponto created them, as Ponto's own listing read
//! backwards would give.
//!
//! Duplicates: every booked transaction also gives a small record (its id key, its place
//! in the bundle, the digest of its content), sorted by id, so that all the sightings
//! of one id come out side by side.

use super::digest::{IdKey, take_u64};
use super::sort::{Key, Merge};
use chrono::{DateTime, Datelike, Utc};
use converter::MappedTransaction;
use std::io;

/// Where an entry goes in its statement (see the module doc). The place in the bundle
/// comes last: only sightings of the same transaction share everything else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct EntryKey {
    /// The booking day (days since the common era): the statement under daily grouping.
    pub(super) day: i32,
    at: (i64, u32),
    created: Option<(i64, u32)>,
    id: IdKey,
    index: u64,
}

impl EntryKey {
    pub(super) fn new(
        mapped: &MappedTransaction,
        created: Option<DateTime<Utc>>,
        id: IdKey,
        index: u64,
    ) -> Self {
        let instant = |at: DateTime<Utc>| (at.timestamp(), at.timestamp_subsec_nanos());
        EntryKey {
            day: mapped.booking_date.num_days_from_ce(),
            at: instant(mapped.execution),
            created: created.map(instant),
            id,
            index,
        }
    }

    pub(super) fn index(&self) -> u64 {
        self.index
    }

    pub(super) fn id(&self) -> &IdKey {
        &self.id
    }
}

impl Key for EntryKey {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.day.to_le_bytes());
        out.extend_from_slice(&self.at.0.to_le_bytes());
        out.extend_from_slice(&self.at.1.to_le_bytes());
        let (known, (seconds, nanos)) = match self.created {
            Some(created) => (1, created),
            None => (0, (0, 0)),
        };
        out.push(known);
        out.extend_from_slice(&seconds.to_le_bytes());
        out.extend_from_slice(&nanos.to_le_bytes());
        out.extend_from_slice(&self.index.to_le_bytes());
        self.id.encode(out);
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let (day, rest) = bytes.split_first_chunk::<4>()?;
        let (at, rest) = take_u64(rest)?;
        let (at_nanos, rest) = rest.split_first_chunk::<4>()?;
        let (&known, rest) = rest.split_first()?;
        let (created, rest) = take_u64(rest)?;
        let (created_nanos, rest) = rest.split_first_chunk::<4>()?;
        let (index, rest) = take_u64(rest)?;
        let (id, rest) = IdKey::decode(rest)?;
        if !rest.is_empty() || known > 1 {
            return None;
        }
        Some(EntryKey {
            day: i32::from_le_bytes(*day),
            at: (at as i64, u32::from_le_bytes(*at_nanos)),
            created: (known == 1).then_some((created as i64, u32::from_le_bytes(*created_nanos))),
            id,
            index,
        })
    }

    fn heap_size(&self) -> usize {
        self.id.heap_size()
    }
}

/// One sighting of a transaction id, for the duplicate check: sorted by id, then place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Sighting {
    pub(super) id: IdKey,
    pub(super) index: u64,
    pub(super) content: u64,
}

impl Key for Sighting {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.index.to_le_bytes());
        out.extend_from_slice(&self.content.to_le_bytes());
        self.id.encode(out);
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let (index, rest) = take_u64(bytes)?;
        let (content, rest) = take_u64(rest)?;
        let (id, rest) = IdKey::decode(rest)?;
        rest.is_empty().then_some(Sighting { id, index, content })
    }

    fn heap_size(&self) -> usize {
        self.id.heap_size()
    }
}

/// What the sightings say.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Duplicates {
    /// Every id once.
    None,
    /// Some transactions given again with the same content: those places are skipped
    /// (the first place of each is kept).
    Repeated(Skipped),
    /// An id given again with other content. Of all such, the one whose second place
    /// comes first in the bundle — where reading the bundle in order finds a clash first.
    Clash { first: u64, second: u64 },
}

/// Places in the bundle to skip: one bit per transaction of the bundle.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Skipped {
    bits: Vec<u64>,
    pub(super) count: u64,
}

impl Skipped {
    fn new(places: u64) -> Self {
        Skipped {
            bits: vec![0; places.div_ceil(64) as usize],
            count: 0,
        }
    }

    fn insert(&mut self, index: u64) {
        let word = (index / 64) as usize;
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        let bit = 1 << (index % 64);
        if self.bits[word] & bit == 0 {
            self.bits[word] |= bit;
            self.count += 1;
        }
    }

    pub(super) fn contains(&self, index: u64) -> bool {
        self.bits
            .get((index / 64) as usize)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }
}

/// Walks the sightings in id order. `places` is the number of transactions in the bundle
/// (to size the set of places to skip, made only when there is one).
pub(super) fn find_duplicates(
    mut sightings: Merge<Sighting>,
    places: u64,
) -> io::Result<Duplicates> {
    let mut skipped: Option<Skipped> = None;
    let mut clash: Option<(u64, u64)> = None;
    // The first sighting of the current id (sightings of one id come by place).
    let mut first: Option<Sighting> = None;
    // Whether the current id has clashed already: only its first clash counts.
    let mut clashed = false;
    while let Some(sighting) = sightings.next()? {
        match &first {
            Some(earlier) if earlier.id == sighting.id => {
                if sighting.content == earlier.content {
                    skipped
                        .get_or_insert_with(|| Skipped::new(places))
                        .insert(sighting.index);
                } else if !clashed {
                    clashed = true;
                    if clash.is_none_or(|(_, second)| sighting.index < second) {
                        clash = Some((earlier.index, sighting.index));
                    }
                }
            }
            _ => {
                first = Some(sighting);
                clashed = false;
            }
        }
    }
    Ok(match (clash, skipped) {
        (Some((first, second)), _) => Duplicates::Clash { first, second },
        (None, Some(skipped)) => Duplicates::Repeated(skipped),
        (None, None) => Duplicates::None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::sort::Sorter;
    use super::*;

    fn check(sightings: &[(&str, u64)], budget: usize) -> Duplicates {
        let dir = tempfile::tempdir().expect("dir");
        let mut sorter = Sorter::new(dir.path(), budget);
        for (index, &(id, content)) in sightings.iter().enumerate() {
            let sighting = Sighting {
                id: IdKey::of(id),
                index: index as u64,
                content,
            };
            sorter.push(sighting, |_| Ok(())).expect("push");
        }
        let merge = sorter.finish().expect("finish");
        find_duplicates(merge, sightings.len() as u64).expect("check")
    }

    const A: &str = "6e1b2a4c-9f3d-4d2e-8a7b-000000000001";
    const A_SHOUTED: &str = "6E1B2A4C9F3D4D2E8A7B000000000001";
    const B: &str = "6e1b2a4c-9f3d-4d2e-8a7b-000000000002";

    #[test]
    fn sightings_of_one_id_are_found_wherever_they_are() {
        for budget in [1 << 20, 1] {
            assert_eq!(
                check(&[(A, 1), (B, 1), ("card-1", 2)], budget),
                Duplicates::None
            );
            let Duplicates::Repeated(skipped) = check(
                &[(A, 1), (B, 1), (A_SHOUTED, 1), ("CARD1", 5), ("card-1", 5)],
                budget,
            ) else {
                panic!("repeated");
            };
            assert_eq!(skipped.count, 2);
            assert!(skipped.contains(2) && skipped.contains(4));
            assert!(!skipped.contains(0) && !skipped.contains(3) && !skipped.contains(99));
            // The same content again, then other content: the clash is with the first
            // sighting, and of two clashes the one met first reading the bundle counts.
            assert_eq!(
                check(&[(B, 1), (A, 1), (A, 1), (B, 2), (A, 3), (B, 4)], budget),
                Duplicates::Clash {
                    first: 0,
                    second: 3
                }
            );
        }
    }

    #[test]
    fn an_entry_key_survives_a_sort_run() {
        for (created, id) in [
            (Some((1_700_000_000, 5)), IdKey::of(A)),
            (None, IdKey::of("x-1")),
        ] {
            let key = EntryKey {
                day: 739_000,
                at: (-5, 999_999_999),
                created,
                id,
                index: 17,
            };
            let mut bytes = Vec::new();
            key.encode(&mut bytes);
            assert_eq!(EntryKey::decode(&bytes), Some(key.clone()));
            bytes.push(0);
            assert_eq!(EntryKey::decode(&bytes), None, "trailing bytes");
        }
    }
}

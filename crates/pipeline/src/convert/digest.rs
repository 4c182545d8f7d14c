//! What tells converted statements apart, kept small while streaming: a stable 64-bit
//! digest of each transaction's content (its attributes, not its id), and the set of
//! transaction ids seen in a bundle (to deliver a transaction given twice once).
//!
//! The digest is our own, not `std::hash::Hash`: file names are made from it, so it must
//! be the same on every platform, Rust version and run.

use ponto::TransactionAttributes;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;

const SEED: u64 = 0x243F_6A88_85A3_08D3;
const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// A stable 64-bit digest over words (fast enough for a million transactions on the
/// mapping thread; not cryptographic — bundles come from the user).
pub(super) struct Digest64 {
    state: u64,
}

impl Digest64 {
    pub(super) fn new() -> Self {
        Digest64 { state: SEED }
    }

    fn word(&mut self, word: u64) -> &mut Self {
        self.state = (self.state ^ word).wrapping_mul(MULTIPLIER).rotate_left(29);
        self
    }

    pub(super) fn u64(&mut self, value: u64) -> &mut Self {
        self.word(value)
    }

    /// The bytes and their length (so that consecutive fields cannot run into each other).
    pub(super) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.word(u64::from_le_bytes(last)).word(bytes.len() as u64)
    }

    fn text(&mut self, text: &Option<String>) -> &mut Self {
        match text {
            None => self.word(0),
            Some(text) => self.word(1).bytes(text.as_bytes()),
        }
    }

    fn decimal(&mut self, value: &Option<Decimal>) -> &mut Self {
        match value {
            None => self.word(0),
            // Normalized: 1.5 and 1.50 are the same amount.
            Some(value) => self.word(1).bytes(&value.normalize().serialize()),
        }
    }

    fn instant(&mut self, value: &Option<chrono::DateTime<chrono::Utc>>) -> &mut Self {
        match value {
            None => self.word(0),
            Some(at) => self
                .word(1)
                .word(at.timestamp() as u64)
                .word(u64::from(at.timestamp_subsec_nanos())),
        }
    }

    /// The final mix (MurmurHash3's), so that close inputs give far apart digests.
    pub(super) fn finish(&self) -> u64 {
        let mut h = self.state;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// The digest of everything Ponto says about a transaction but its id. Every field is
/// named, so that a field added to Ponto's attributes cannot be forgotten here.
pub(super) fn content_digest(attributes: &TransactionAttributes) -> u64 {
    let TransactionAttributes {
        amount,
        currency,
        value_date,
        execution_date,
        description,
        remittance_information,
        remittance_information_type,
        counterpart_name,
        counterpart_reference,
        bank_transaction_code,
        proprietary_bank_transaction_code,
        end_to_end_id,
        purpose_code,
        mandate_id,
        creditor_id,
        additional_information,
        internal_reference,
        digest,
        fee,
        card_reference,
        card_reference_type,
        created_at,
        updated_at,
    } = attributes;
    let mut d = Digest64::new();
    d.decimal(amount)
        .text(currency)
        .instant(value_date)
        .instant(execution_date)
        .text(description)
        .text(remittance_information)
        .text(remittance_information_type)
        .text(counterpart_name)
        .text(counterpart_reference)
        .text(bank_transaction_code)
        .text(proprietary_bank_transaction_code)
        .text(end_to_end_id)
        .text(purpose_code)
        .text(mandate_id)
        .text(creditor_id)
        .text(additional_information)
        .text(internal_reference)
        .text(digest)
        .decimal(fee)
        .text(card_reference)
        .text(card_reference_type)
        .instant(created_at)
        .instant(updated_at);
    d.finish()
}

/// A transaction's share of its statement's digest: its id (normalized) and content.
/// Shares are added up, so the order of the bundle does not matter.
pub(super) fn share(key: &str, content: u64) -> u64 {
    Digest64::new().bytes(key.as_bytes()).u64(content).finish()
}

/// Where and with what content an id was first seen.
#[derive(Clone, Copy)]
struct Sighting {
    index: u64,
    content: u64,
}

/// What a transaction id was, seen again.
pub(super) enum Seen {
    First,
    /// The same id with the same content: the same transaction given twice.
    Again,
    /// The same id with other content, first seen at this index of the bundle.
    Different {
        first: u64,
    },
}

/// The ids of a bundle's transactions seen so far, by [`converter::transaction_key`]: a
/// UUID (Ponto's ids) takes 16 bytes, anything else its text. About 35 bytes per
/// transaction, the only memory that grows with the bundle besides the spool index.
#[derive(Default)]
pub(super) struct SeenIds {
    uuids: HashMap<u128, Sighting>,
    others: HashMap<Box<str>, Sighting>,
}

impl SeenIds {
    pub(super) fn see(&mut self, key: &str, index: u64, content: u64) -> Seen {
        let sighting = Sighting { index, content };
        match uuid_bits(key) {
            Some(bits) => see_in(&mut self.uuids, bits, sighting),
            None => see_in(&mut self.others, key.into(), sighting),
        }
    }
}

/// Keeps the first sighting of a key (later messages name it).
fn see_in<K: Eq + Hash>(map: &mut HashMap<K, Sighting>, key: K, sighting: Sighting) -> Seen {
    match map.entry(key) {
        Entry::Vacant(vacant) => {
            vacant.insert(sighting);
            Seen::First
        }
        Entry::Occupied(first) if first.get().content == sighting.content => Seen::Again,
        Entry::Occupied(first) => Seen::Different {
            first: first.get().index,
        },
    }
}

/// A key of 32 hex digits (a UUID without hyphens, in lower case) as a number.
fn uuid_bits(key: &str) -> Option<u128> {
    if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(key, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_stable_and_tells_fields_apart() {
        // Fixed values: a change here renames every converted file.
        assert_eq!(Digest64::new().finish(), Digest64::new().finish());
        let ab = Digest64::new().bytes(b"a").bytes(b"b").finish();
        let a_b = Digest64::new().bytes(b"ab").bytes(b"").finish();
        assert_ne!(ab, a_b);
        let mut one = TransactionAttributes {
            amount: Some(Decimal::new(150, 2)),
            ..TransactionAttributes::default()
        };
        let mut same = TransactionAttributes {
            amount: Some(Decimal::new(15, 1)),
            ..TransactionAttributes::default()
        };
        assert_eq!(content_digest(&one), content_digest(&same), "1.50 is 1.5");
        same.description = Some("x".into());
        assert_ne!(content_digest(&one), content_digest(&same));
        one.remittance_information = Some("x".into());
        assert_ne!(content_digest(&one), content_digest(&same), "another field");
    }

    #[test]
    fn an_id_seen_again_is_the_same_transaction_only_with_the_same_content() {
        let mut seen = SeenIds::default();
        let uuid = "6e1b2a4c9f3d4d2e8a7b000000000001";
        assert!(matches!(seen.see(uuid, 0, 7), Seen::First));
        assert!(matches!(seen.see(uuid, 3, 7), Seen::Again));
        assert!(matches!(seen.see(uuid, 5, 8), Seen::Different { first: 0 }));
        assert!(matches!(seen.see("card-1", 6, 1), Seen::First));
        assert!(matches!(
            seen.see("card-1", 9, 2),
            Seen::Different { first: 6 }
        ));
    }
}

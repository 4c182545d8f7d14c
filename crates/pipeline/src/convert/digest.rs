//! What tells converted statements apart, kept small while streaming: a stable 64-bit
//! digest of each transaction's content (its attributes, not its id), and each
//! transaction id as a compact key (to find a transaction given twice, see
//! [`super::order`]).
//!
//! The digest is our own, not `std::hash::Hash`: file names are made from it, so it must
//! be the same on every platform, Rust version and run.

use ponto::TransactionAttributes;
use rust_decimal::Decimal;

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
        let mut rest = bytes;
        while let Some((eight, after)) = rest.split_first_chunk::<8>() {
            self.word(u64::from_le_bytes(*eight));
            rest = after;
        }
        self.word(tail_word(bytes, rest.len()))
            .word(bytes.len() as u64)
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

/// The last `count` (below 8) bytes of `bytes` as a little-endian word, zero-padded.
/// From the last eight bytes shifted when there are eight: copying the few bytes over
/// cost more than the rest of the digest of a short text.
fn tail_word(bytes: &[u8], count: usize) -> u64 {
    if count == 0 {
        return 0;
    }
    if let Some(last) = bytes.last_chunk::<8>() {
        return u64::from_le_bytes(*last) >> (64 - 8 * count);
    }
    // Fewer than eight bytes in all: `count` is all of them.
    bytes
        .iter()
        .rev()
        .fold(0, |word, &byte| (word << 8) | u64::from(byte))
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

/// A transaction id as [`converter::transaction_key`] sees it (case and hyphens do not
/// matter): a UUID (Ponto's ids) as 128 bits, anything else as the key's text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum IdKey {
    Uuid([u64; 2]),
    Other(Box<str>),
}

impl IdKey {
    pub(super) fn of(id: &str) -> IdKey {
        match uuid_bits(id) {
            Some(bits) => IdKey::Uuid(bits),
            None => IdKey::Other(converter::transaction_key(id).into()),
        }
    }

    /// A transaction's share of its statement's digest: its id and its content. Shares
    /// are added up, so the order of the bundle does not matter.
    pub(super) fn share(&self, content: u64) -> u64 {
        let mut digest = Digest64::new();
        match self {
            IdKey::Uuid([high, low]) => digest.u64(*high).u64(*low),
            IdKey::Other(key) => digest.bytes(key.as_bytes()),
        };
        digest.u64(content).finish()
    }

    /// The key as bytes for a sort run: a tag, then 16 bytes or the text with its length.
    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            IdKey::Uuid([high, low]) => {
                out.push(0);
                out.extend_from_slice(&high.to_le_bytes());
                out.extend_from_slice(&low.to_le_bytes());
            }
            IdKey::Other(key) => {
                out.push(1);
                out.extend_from_slice(&(key.len() as u64).to_le_bytes());
                out.extend_from_slice(key.as_bytes());
            }
        }
    }

    /// Reads a key written by [`IdKey::encode`] from the front of `bytes`; returns it
    /// with the rest.
    pub(super) fn decode(bytes: &[u8]) -> Option<(IdKey, &[u8])> {
        let (&tag, rest) = bytes.split_first()?;
        let (first, rest) = take_u64(rest)?;
        match tag {
            0 => {
                let (second, rest) = take_u64(rest)?;
                Some((IdKey::Uuid([first, second]), rest))
            }
            1 => {
                let len = usize::try_from(first).ok()?;
                let text = rest.get(..len)?;
                let text = std::str::from_utf8(text).ok()?;
                Some((IdKey::Other(text.into()), &rest[len..]))
            }
            _ => None,
        }
    }

    /// Memory the key holds outside itself.
    pub(super) fn heap_size(&self) -> usize {
        match self {
            IdKey::Uuid(_) => 0,
            IdKey::Other(key) => key.len(),
        }
    }
}

/// A little-endian u64 from the front of `bytes`, and the rest.
pub(super) fn take_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (word, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_le_bytes(*word), rest))
}

/// An id that is a UUID (32 hex digits once trimmed and without hyphens, in either
/// case) as 128 bits, read without building the key's text.
fn uuid_bits(id: &str) -> Option<[u64; 2]> {
    let mut bits: u128 = 0;
    let mut digits = 0;
    for &byte in id.trim().as_bytes() {
        let value = match byte {
            b'-' => continue,
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            b'A'..=b'F' => byte - b'A' + 10,
            _ => return None,
        };
        if digits == 32 {
            return None;
        }
        bits = (bits << 4) | u128::from(value);
        digits += 1;
    }
    (digits == 32).then_some([(bits >> 64) as u64, bits as u64])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// [`Digest64::bytes`] as it was first written: the digests it gave name files
    /// already, so the faster one must give the same.
    fn bytes_reference(digest: &mut Digest64, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            digest.word(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        digest
            .word(u64::from_le_bytes(last))
            .word(bytes.len() as u64);
    }

    proptest! {
        #[test]
        fn bytes_digest_as_they_did(
            fields in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..4),
        ) {
            let mut fast = Digest64::new();
            let mut reference = Digest64::new();
            for field in &fields {
                fast.bytes(field);
                bytes_reference(&mut reference, field);
            }
            prop_assert_eq!(fast.finish(), reference.finish());
        }
    }

    /// A digest written down, so that a change to it cannot pass unseen: it is in the
    /// names of converted files and in the ledger.
    #[test]
    fn a_transaction_digests_as_it_always_did() {
        let attributes = TransactionAttributes {
            amount: Some(Decimal::new(-103_343, 2)),
            currency: Some("EUR".into()),
            description: Some("SEPA overschrijving".into()),
            remittance_information: Some("Factuur 2024678 / klant 8909".into()),
            end_to_end_id: Some("E2E-9322".into()),
            value_date: "2024-01-25T19:33:18.250Z".parse().ok(),
            ..TransactionAttributes::default()
        };
        assert_eq!(content_digest(&attributes), 11_896_751_515_570_497_377);
    }

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
    fn an_id_is_the_same_key_however_it_is_spelt_and_survives_a_sort_run() {
        let uuid = IdKey::of("6e1b2a4c-9f3d-4d2e-8a7b-000000000001");
        let shouted = IdKey::of(" 6E1B2A4C9F3D4D2E8A7B000000000001");
        assert_eq!(uuid, shouted);
        let card = IdKey::of("card-1");
        assert_eq!(card, IdKey::of("CARD1"), "as transaction_key sees it");
        assert_eq!(uuid.share(3), shouted.share(3));
        assert_ne!(uuid.share(3), uuid.share(4));
        assert_ne!(uuid.share(3), card.share(3));
        for key in [uuid, card, IdKey::of("")] {
            let mut bytes = Vec::new();
            key.encode(&mut bytes);
            bytes.push(9);
            let (back, rest) = IdKey::decode(&bytes).expect("decodes");
            assert_eq!((back, rest), (key, &[9u8][..]));
        }
        assert_eq!(IdKey::decode(&[1, 200, 0, 0, 0, 0, 0, 0, 0, b'x']), None);
        assert_eq!(IdKey::decode(&[7]), None);
    }

    #[test]
    fn a_uuid_is_read_in_any_case_with_or_without_hyphens_and_nothing_else_is() {
        let bits = uuid_bits("6e1b2a4c-9f3d-4d2e-8a7b-0000000000ff");
        assert_eq!(bits, Some([0x6e1b_2a4c_9f3d_4d2e, 0x8a7b_0000_0000_00ff]));
        assert_eq!(uuid_bits(" 6E1B2A4C9F3D4D2E8A7B0000000000FF\n"), bits);
        for other in [
            "",
            "6e1b2a4c",
            "6e1b2a4c9f3d4d2e8a7b0000000000ff0",
            "g".repeat(32).as_str(),
        ] {
            assert_eq!(uuid_bits(other), None, "{other}");
        }
    }
}

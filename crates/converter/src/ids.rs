//! Identifiers: every camt id is at most 35 characters, statement ids are unique across
//! accounts (the account tag) and never reused (ledger sequence or content hash).

use crate::error::ConvertError;
use crate::text::{MAX_ID, trim};
use chrono::NaiveDate;
use std::fmt;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64 bits: small, stable across Rust versions and platforms (unlike `Hash`).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

/// 12 upper-case hex characters identifying an account: FNV-1a-64 over
/// `"<IBAN or reference>|<CURRENCY>"`, its top 48 bits.
pub fn account_tag(account_id: &str, currency: &str) -> String {
    let hash = fnv1a64(format!("{account_id}|{currency}").as_bytes());
    format!("{hash:016X}")[..12].to_owned()
}

/// `Stmt/Id` and `GrpHdr/MsgId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementId(String);

impl StatementId {
    /// A ledger statement: `"{tag}-{sequence:06}"`, the sequence being `ElctrncSeqNb`.
    pub fn for_ledger(account_tag: &str, sequence: u64) -> Self {
        StatementId(format!("{account_tag}-{sequence:06}"))
    }

    /// A stateless conversion: `"{tag}-{YYYYMMDD}-{8 hex}"` where the hex is a hash of the
    /// sorted Ponto ids, so the same input gives the same id and other content another.
    pub fn for_content<'a>(
        account_tag: &str,
        first_day: NaiveDate,
        ponto_ids: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut ids: Vec<&str> = ponto_ids.into_iter().collect();
        ids.sort_unstable();
        let content = format!("{:016X}", fnv1a64(ids.join("\n").as_bytes()));
        StatementId(format!(
            "{account_tag}-{}-{}",
            first_day.format("%Y%m%d"),
            &content[..8]
        ))
    }

    /// An id read back (from the ledger, for instance): non-empty, at most 35 characters,
    /// without whitespace or XML-forbidden characters.
    pub fn parse(id: &str) -> Result<Self, ConvertError> {
        let problem = if id.is_empty() {
            Some("empty")
        } else if id.chars().count() > MAX_ID {
            Some("longer than 35 characters")
        } else if !id.chars().all(|c| c.is_ascii_graphic()) {
            Some("only printable ASCII without spaces is allowed")
        } else {
            None
        };
        match problem {
            Some(problem) => Err(ConvertError::InvalidStatementId {
                id: crate::error::excerpt(id),
                problem: problem.to_owned(),
            }),
            None => Ok(StatementId(id.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StatementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Ponto transaction id as a camt reference: the UUID without hyphens (32 chars).
/// Anything that does not fit Max35Text as printable ASCII is an error, never cut
/// (a cut id could collide with another transaction's).
pub fn ponto_id_reference(id: &str) -> Result<String, ConvertError> {
    if let Some(reference) = graphic_ascii_reference(id) {
        return Ok(reference);
    }
    let reference: String = id.trim().chars().filter(|&c| c != '-').collect();
    let problem = if reference.is_empty() {
        Some("empty")
    } else if reference.chars().count() > MAX_ID {
        Some("longer than 35 characters without hyphens")
    } else if !reference.chars().all(|c| c.is_ascii_graphic()) {
        Some("only printable ASCII without spaces is allowed")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(ConvertError::InvalidField {
            transaction: crate::error::transaction_label(Some(id)),
            field: "id".to_owned(),
            value: crate::error::excerpt(id),
            problem: problem.to_owned(),
        }),
        None => Ok(reference),
    }
}

/// [`ponto_id_reference`] of the usual id, printable ASCII and short enough, copied
/// without its hyphens into a buffer on the stack in one pass; `None` for anything the
/// general code must look at (and refuse).
fn graphic_ascii_reference(id: &str) -> Option<String> {
    let id = trim(id);
    if let Some(reference) = uuid_reference(id) {
        return Some(reference);
    }
    let mut reference = [0; MAX_ID];
    let mut len = 0;
    for &b in id.as_bytes() {
        if !b.is_ascii_graphic() {
            return None;
        }
        if b != b'-' {
            *reference.get_mut(len)? = b;
            len += 1;
        }
    }
    let reference = std::str::from_utf8(reference.get(..len)?).ok()?;
    (!reference.is_empty()).then(|| reference.to_owned())
}

/// [`graphic_ascii_reference`] of Ponto's ids, UUIDs as `8-4-4-4-12` hex digits: the
/// pieces between the hyphens put together and checked eight bytes at a time; `None`
/// for any other id.
fn uuid_reference(id: &str) -> Option<String> {
    let id = <&[u8; 36]>::try_from(id.as_bytes()).ok()?;
    if [8, 13, 18, 23].iter().any(|&at| id[at] != b'-') {
        return None;
    }
    let mut reference = [0; 32];
    reference[..8].copy_from_slice(&id[..8]);
    reference[8..12].copy_from_slice(&id[9..13]);
    reference[12..16].copy_from_slice(&id[14..18]);
    reference[16..20].copy_from_slice(&id[19..23]);
    reference[20..].copy_from_slice(&id[24..]);
    let graphic_without_hyphens = reference.chunks_exact(8).all(|word| {
        <[u8; 8]>::try_from(word).is_ok_and(|word| graphic_without_hyphen(u64::from_le_bytes(word)))
    });
    if !graphic_without_hyphens {
        return None;
    }
    std::str::from_utf8(&reference).ok().map(str::to_owned)
}

/// Whether all eight bytes are printable ASCII (`0x21..=0x7E`) other than `-`.
fn graphic_without_hyphen(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOP_BITS: u64 = 0x8080_8080_8080_8080;
    // With every top bit clear no byte carries into the next below: `b + 0x5F` reaches
    // the top bit exactly when `b >= 0x21`, `b + 1` when `b == 0x7F`, and
    // `(b ^ b'-') + 0x7F` unless `b == b'-'`.
    word & TOP_BITS == 0
        && word.wrapping_add(0x5F * ONES) & TOP_BITS == TOP_BITS
        && word.wrapping_add(ONES) & TOP_BITS == 0
        && (word ^ (u64::from(b'-') * ONES)).wrapping_add(0x7F * ONES) & TOP_BITS == TOP_BITS
}

/// The Ponto transaction id as a key for telling whether two transactions are the same:
/// trimmed, hyphens removed, ASCII letters in lower case. A UUID is the same id in upper
/// case or without hyphens, and a transaction must never be exported twice because a
/// source spelled its id differently. Only ASCII is folded, so the key is stable across
/// Unicode versions.
pub fn transaction_key(id: &str) -> String {
    id.trim()
        .chars()
        .filter(|&c| c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn account_tag_is_12_upper_hex_and_differs_per_account_and_currency() {
        let tag = account_tag("BE68539007547034", "EUR");
        assert_eq!(tag.len(), 12);
        assert!(
            tag.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert_eq!(tag, account_tag("BE68539007547034", "EUR"));
        assert_ne!(tag, account_tag("BE68539007547034", "USD"));
        assert_ne!(tag, account_tag("BE71096123456769", "EUR"));
    }

    #[test]
    fn ledger_ids_fit_35_characters_even_for_huge_sequences() {
        let tag = account_tag("MT84MALT011000012345MTLCAST001S", "EUR");
        assert_eq!(
            StatementId::for_ledger(&tag, 7).as_str(),
            format!("{tag}-000007")
        );
        assert!(StatementId::for_ledger(&tag, u64::MAX).as_str().len() <= 35);
    }

    #[test]
    fn content_ids_are_stable_and_depend_on_content() {
        let tag = account_tag("BE68539007547034", "EUR");
        let day = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        let a = StatementId::for_content(&tag, day, ["b", "a"]);
        let b = StatementId::for_content(&tag, day, ["a", "b"]);
        let c = StatementId::for_content(&tag, day, ["a", "c"]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.as_str().starts_with(&format!("{tag}-20240131-")));
        assert!(a.as_str().len() <= 35);
        assert_eq!(a.to_string(), a.as_str());
    }

    #[test]
    fn uuid_loses_its_hyphens() {
        let reference = ponto_id_reference("2ed8a9f4-2b1f-4a45-9d84-0c2b2a3c9e4d").unwrap();
        assert_eq!(reference, "2ed8a9f42b1f4a459d840c2b2a3c9e4d");
        assert_eq!(reference.len(), 32);
    }

    #[test]
    fn transaction_keys_ignore_case_hyphens_and_surrounding_spaces() {
        let key = transaction_key("2ed8a9f4-2b1f-4a45-9d84-0c2b2a3c9e4d");
        assert_eq!(key, "2ed8a9f42b1f4a459d840c2b2a3c9e4d");
        for spelling in [
            "2ED8A9F4-2B1F-4A45-9D84-0C2B2A3C9E4D",
            "2ed8a9f42b1f4a459d840c2b2a3c9e4d",
            "2ED8A9F42B1F4A459D840C2B2A3C9E4D",
            " 2ed8a9f4-2b1f-4a45-9d84-0c2b2a3c9e4d\n",
        ] {
            assert_eq!(transaction_key(spelling), key, "{spelling:?}");
        }
    }

    #[test]
    fn transaction_keys_keep_other_ids_apart() {
        let a = transaction_key("2ed8a9f4-2b1f-4a45-9d84-0c2b2a3c9e4d");
        let b = transaction_key("2ed8a9f4-2b1f-4a45-9d84-0c2b2a3c9e4e");
        assert_ne!(a, b);
        assert_eq!(transaction_key("Tx_1"), "tx_1");
        assert_ne!(transaction_key("tx 1"), transaction_key("tx1"));
        assert_eq!(transaction_key("ÉTÉ"), "ÉtÉ", "only ASCII is folded");
        assert_eq!(transaction_key(""), "");
    }

    #[test]
    fn ids_that_do_not_fit_are_errors() {
        assert!(ponto_id_reference(&"a".repeat(36)).is_err());
        assert!(ponto_id_reference("").is_err());
        assert!(ponto_id_reference("has space").is_err());
        let err = ponto_id_reference(&"b".repeat(40)).unwrap_err();
        assert!(err.to_string().contains("id"));
        let huge = "c".repeat(60_000);
        let message = ponto_id_reference(&huge).unwrap_err().to_string();
        assert!(message.len() < 300, "the id is not echoed whole: {message}");
    }

    #[test]
    fn parsed_statement_ids_are_checked() {
        assert!(StatementId::parse("ABC-000001").is_ok());
        assert!(StatementId::parse("").is_err());
        assert!(StatementId::parse(&"x".repeat(36)).is_err());
        assert!(StatementId::parse("a b").is_err());
    }

    /// The code before its fast paths, kept to test them against.
    mod reference {
        use super::*;

        /// Copied a piece between hyphens at a time, before the stack buffer.
        pub fn graphic_ascii_reference(id: &str) -> Option<String> {
            let id = id.trim();
            let mut reference = String::with_capacity(id.len());
            let mut piece_start = 0;
            for (i, b) in id.bytes().enumerate() {
                if !b.is_ascii_graphic() {
                    return None;
                }
                if b == b'-' {
                    reference.push_str(id.get(piece_start..i)?);
                    piece_start = i + 1;
                }
            }
            reference.push_str(id.get(piece_start..)?);
            (!reference.is_empty() && reference.len() <= MAX_ID).then_some(reference)
        }

        pub fn ponto_id_reference(id: &str) -> Result<String, ConvertError> {
            let reference: String = id.trim().chars().filter(|&c| c != '-').collect();
            let problem = if reference.is_empty() {
                Some("empty")
            } else if reference.chars().count() > MAX_ID {
                Some("longer than 35 characters without hyphens")
            } else if !reference.chars().all(|c| c.is_ascii_graphic()) {
                Some("only printable ASCII without spaces is allowed")
            } else {
                None
            };
            match problem {
                Some(problem) => Err(ConvertError::InvalidField {
                    transaction: crate::error::transaction_label(Some(id)),
                    field: "id".to_owned(),
                    value: crate::error::excerpt(id),
                    problem: problem.to_owned(),
                }),
                None => Ok(reference),
            }
        }
    }

    mod fast_path_matches_the_reference {
        use super::*;
        use crate::test_strings::awkward_string;
        use proptest::prelude::*;

        fn id_like() -> impl Strategy<Value = String> {
            // A UUID with one character replaced, where the pieces are put together.
            let near_uuid = (
                "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                0usize..36,
                prop::sample::select(vec!['-', ' ', '\u{7F}', '\u{0}', 'é', 'Z', '~', '!', '\t']),
            )
                .prop_map(|(uuid, at, c)| {
                    uuid.chars()
                        .enumerate()
                        .map(|(i, old)| if i == at { c } else { old })
                        .collect::<String>()
                });
            prop_oneof![
                near_uuid,
                "[ -~]{36}",
                "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                "[ -~]{0,50}",
                "[-]{0,3}[A-Za-z0-9-]{30,40}[-]{0,3}",
                awkward_string(50),
                "[ \t\n]{0,2}[a-f0-9-]{0,38}[ \t\n\u{A0}]{0,2}",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn ponto_id_reference_matches(id in id_like()) {
                prop_assert_eq!(ponto_id_reference(&id), reference::ponto_id_reference(&id));
            }

            #[test]
            fn graphic_without_hyphen_matches(word in any::<[u8; 8]>(), edgy in prop::collection::vec(prop::sample::select(vec![0x20u8, 0x21, 0x2C, 0x2D, 0x2E, 0x7E, 0x7F, 0x80, 0xA1, 0xFF, 0x00, b'a']), 8)) {
                for bytes in [word.to_vec(), edgy] {
                    let word = <[u8; 8]>::try_from(bytes.as_slice()).expect("eight bytes");
                    let expected = word.iter().all(|&b| b.is_ascii_graphic() && b != b'-');
                    prop_assert_eq!(graphic_without_hyphen(u64::from_le_bytes(word)), expected);
                }
            }

            #[test]
            fn graphic_ascii_reference_matches(id in id_like()) {
                prop_assert_eq!(graphic_ascii_reference(&id), reference::graphic_ascii_reference(&id));
            }
        }
    }
}

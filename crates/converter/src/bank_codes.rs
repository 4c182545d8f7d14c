//! `BkTxCd`: ISO domain codes only from the external code list (an unknown but
//! well-formed code crashed Odoo Enterprise 16's importer), Ponto's proprietary code in
//! `Prtry/Cd`, and the neutral `PMNT/NTAV/NTAV` when neither exists.

use crate::text::{MAX_ID, one_line_opt, trim, truncate_owned};
use camt053::{BankTransactionCode, DomainCode, ProprietaryCode};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// The ISO 20022 External Bank Transaction Code combinations, `DOMN-FMLY-SBFM` per line.
const CODE_LIST: &str = include_str!("../data/bank-transaction-codes.txt");

fn known_codes() -> &'static HashSet<&'static str> {
    static CODES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    CODES.get_or_init(|| listed_codes().collect())
}

fn listed_codes() -> impl Iterator<Item = &'static str> {
    CODE_LIST
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// A listed combination as one number: its 14 ASCII bytes, for a lookup that neither
/// allocates nor runs SipHash over a string.
type PackedCode = u128;

fn pack(code: &[u8; 14]) -> PackedCode {
    let mut bytes = [0; 16];
    bytes[..14].copy_from_slice(code);
    u128::from_le_bytes(bytes)
}

/// Every listed combination by its [`PackedCode`], with its line of the list: the parts
/// of a code found are copied from there, already upper case.
fn listed_by_key()
-> &'static HashMap<PackedCode, &'static str, BuildHasherDefault<PackedCodeHasher>> {
    static CODES: OnceLock<
        HashMap<PackedCode, &'static str, BuildHasherDefault<PackedCodeHasher>>,
    > = OnceLock::new();
    // Straight from the list, not through `known_codes`: the ASCII codes (nearly all)
    // never need that set, and building it SipHashes every line.
    CODES.get_or_init(|| {
        listed_codes()
            .filter_map(|code| Some((pack(<&[u8; 14]>::try_from(code.as_bytes()).ok()?), code)))
            .collect()
    })
}

/// Hashes a [`PackedCode`] by folding and multiplying: the set is fixed and not chosen
/// by an attacker, so a keyed hash buys nothing here.
#[derive(Default)]
struct PackedCodeHasher(u64);

impl Hasher for PackedCodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u128(&mut self, value: u128) {
        // Truncations on purpose: the two halves of the packed code.
        let folded = (value as u64) ^ ((value >> 64) as u64).rotate_left(29);
        self.0 = folded.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Whether `DOMN-FMLY-SBFM` is on the ISO list.
pub fn is_known_combination(domain: &str, family: &str, sub_family: &str) -> bool {
    known_codes().contains(format!("{domain}-{family}-{sub_family}").as_str())
}

/// Ponto's `bankTransactionCode` as a domain code, when it is a listed combination.
/// Separators `-` `/` `+` `.` and spaces are accepted, case is ignored.
pub fn iso_code(code: &str) -> Option<DomainCode> {
    let code = trim(code);
    if code.is_ascii() {
        return ascii_iso_code(code);
    }
    let upper = code.to_uppercase();
    let parts: Vec<&str> = upper
        .split(CODE_SEPARATORS)
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [domain, family, sub_family] if is_known_combination(domain, family, sub_family) => {
            Some(domain_code(domain, family, sub_family))
        }
        _ => None,
    }
}

const CODE_SEPARATORS: [char; 5] = ['-', '/', '+', '.', ' '];

/// [`iso_code`] of ASCII text without a String for the upper-cased code or the key:
/// ASCII upper-cases byte by byte, and every listed combination is three parts of four
/// characters, so anything else is not one.
fn ascii_iso_code(code: &str) -> Option<DomainCode> {
    let key = match dashed_key(code.as_bytes()) {
        Some(key) => key,
        None => separated_key(code.as_bytes())?,
    };
    let listed = listed_line(&key)?;
    Some(DomainCode {
        domain: listed.get(0..4)?.to_owned(),
        family: listed.get(5..9)?.to_owned(),
        sub_family: listed.get(10..14)?.to_owned(),
    })
}

/// The line of the list that `key` is, in any case.
fn listed_line(key: &[u8; 14]) -> Option<&'static str> {
    listed_by_key().get(&ascii_upper_case(pack(key))).copied()
}

/// The key of a code written as the list writes it, `DOMN-FMLY-SBFM` in any case, taken
/// as it stands; `None` for any other spelling. Another separator inside leaves fewer
/// than twelve bytes for three parts of four, so [`separated_key`] finds no key, and
/// this key has a separator where every listed line has a letter or digit: neither is
/// listed, as it must be.
fn dashed_key(code: &[u8]) -> Option<[u8; 14]> {
    let key = <[u8; 14]>::try_from(code).ok()?;
    (key[4] == b'-' && key[9] == b'-').then_some(key)
}

/// The ASCII letters of a packed code upper-cased all at once: the top bit of each byte
/// that is `a..=z` (found without carries between bytes, their top bits cleared first)
/// is moved onto its 0x20 bit.
fn ascii_upper_case(packed: PackedCode) -> PackedCode {
    const ONES: u128 = u128::MAX / 0xFF;
    const TOP_BITS: u128 = ONES * 0x80;
    let low = packed & !TOP_BITS;
    let from_a = low + ONES * u128::from(0x80 - b'a');
    let past_z = low + ONES * u128::from(0x80 - b'z' - 1);
    let lower = from_a & !past_z & !packed & TOP_BITS;
    packed ^ (lower >> 2)
}

/// The key of three parts of four bytes between any [`CODE_SEPARATORS`].
fn separated_key(code: &[u8]) -> Option<[u8; 14]> {
    let starts = four_byte_parts(code)?;
    let mut key = *b"DOMN-FMLY-SBFM";
    for (at, start) in [0, 5, 10].into_iter().zip(starts) {
        key[at..at + 4].copy_from_slice(code.get(start..start + 4)?);
    }
    Some(key)
}

fn is_code_separator(b: u8) -> bool {
    matches!(b, b'-' | b'/' | b'+' | b'.' | b' ')
}

/// Where the parts of `code` start, when it is exactly three parts of four bytes between
/// [`CODE_SEPARATORS`] (any number of them, also before and after).
fn four_byte_parts(code: &[u8]) -> Option<[usize; 3]> {
    let mut starts = [0; 3];
    let mut parts = 0;
    let mut len = 0;
    for (i, &b) in code.iter().enumerate() {
        if is_code_separator(b) {
            if len != 0 && len != 4 {
                return None;
            }
            len = 0;
            continue;
        }
        if len == 0 {
            *starts.get_mut(parts)? = i;
            parts += 1;
        }
        len += 1;
        if len > 4 {
            return None;
        }
    }
    (parts == 3 && (len == 0 || len == 4)).then_some(starts)
}

fn domain_code(domain: &str, family: &str, sub_family: &str) -> DomainCode {
    DomainCode {
        domain: domain.to_owned(),
        family: family.to_owned(),
        sub_family: sub_family.to_owned(),
    }
}

/// The neutral code for "not available".
pub fn not_available() -> DomainCode {
    DomainCode {
        domain: "PMNT".to_owned(),
        family: "NTAV".to_owned(),
        sub_family: "NTAV".to_owned(),
    }
}

fn proprietary(code: Option<&str>) -> Option<ProprietaryCode> {
    one_line_opt(code).map(|code| ProprietaryCode {
        code: truncate_owned(code, MAX_ID),
        issuer: None,
    })
}

/// The entry's `BkTxCd` from Ponto's two codes. A bank code that is not on the list is
/// kept as `Prtry/Cd` when there is no proprietary code, so it is not lost; the domain
/// then falls back to `PMNT/NTAV/NTAV`.
pub fn bank_transaction_code(
    iso: Option<&str>,
    proprietary_code: Option<&str>,
) -> BankTransactionCode {
    let (domain, proprietary) = match (iso.and_then(iso_code), proprietary(proprietary_code)) {
        (Some(domain), own) => (Some(domain), own),
        (None, Some(own)) => (None, Some(own)),
        (None, None) => (Some(not_available()), proprietary(iso)),
    };
    BankTransactionCode {
        domain,
        proprietary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(code: &BankTransactionCode) -> Option<String> {
        code.domain
            .as_ref()
            .map(|d| format!("{}-{}-{}", d.domain, d.family, d.sub_family))
    }

    #[test]
    fn the_list_has_the_common_codes_and_only_four_letter_parts() {
        for code in [
            "PMNT-RCDT-ESCT",
            "PMNT-ICDT-ESCT",
            "PMNT-RDDT-ESDD",
            "PMNT-IDDT-ESDD",
            "PMNT-CCRD-POSD",
            "PMNT-CCRD-CWDL",
            "ACMT-MDOP-CHRG",
            "ACMT-MCOP-INTR",
            "PMNT-NTAV-NTAV",
            "PMNT-OTHR-OTHR",
            "XTND-NTAV-NTAV",
            "SECU-CORP-DVCA",
        ] {
            assert!(known_codes().contains(code), "{code}");
        }
        assert!(known_codes().len() > 1000);
        for code in known_codes() {
            let parts: Vec<&str> = code.split('-').collect();
            assert_eq!(parts.len(), 3, "{code}");
            assert!(
                parts.iter().all(|p| p.len() == 4
                    && p.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())),
                "{code}"
            );
        }
    }

    #[test]
    fn known_code_goes_to_domain() {
        let code = bank_transaction_code(Some("PMNT-RCDT-ESCT"), None);
        assert_eq!(domain(&code).as_deref(), Some("PMNT-RCDT-ESCT"));
        assert_eq!(code.proprietary, None);
    }

    #[test]
    fn other_separators_and_lower_case_are_accepted() {
        for code in [
            "pmnt/icdt/esct",
            "PMNT+ICDT+ESCT",
            "PMNT.ICDT.ESCT",
            " PMNT ICDT ESCT ",
        ] {
            assert_eq!(
                domain(&bank_transaction_code(Some(code), None)).as_deref(),
                Some("PMNT-ICDT-ESCT")
            );
        }
    }

    #[test]
    fn unknown_but_well_formed_code_never_becomes_a_domain() {
        let code = bank_transaction_code(Some("PMNT-ABCD-EFGH"), None);
        assert_eq!(domain(&code).as_deref(), Some("PMNT-NTAV-NTAV"));
        assert_eq!(
            code.proprietary.map(|p| p.code).as_deref(),
            Some("PMNT-ABCD-EFGH")
        );
    }

    #[test]
    fn proprietary_only_goes_to_prtry_without_issuer() {
        let code = bank_transaction_code(None, Some(" 01-50-0 \n"));
        assert_eq!(code.domain, None);
        let prtry = code.proprietary.unwrap();
        assert_eq!(prtry.code, "01-50-0");
        assert_eq!(prtry.issuer, None);
    }

    #[test]
    fn both_codes_are_kept() {
        let code = bank_transaction_code(Some("PMNT-IDDT-ESDD"), Some("NDDT+105"));
        assert_eq!(domain(&code).as_deref(), Some("PMNT-IDDT-ESDD"));
        assert_eq!(code.proprietary.unwrap().code, "NDDT+105");
    }

    #[test]
    fn unknown_code_with_proprietary_keeps_the_proprietary_code() {
        let code = bank_transaction_code(Some("FOO"), Some("X1"));
        assert_eq!(code.domain, None);
        assert_eq!(code.proprietary.unwrap().code, "X1");
    }

    #[test]
    fn none_gives_not_available() {
        let code = bank_transaction_code(None, None);
        assert_eq!(domain(&code).as_deref(), Some("PMNT-NTAV-NTAV"));
        assert_eq!(code.proprietary, None);
        let blank = bank_transaction_code(Some("  "), Some("\u{1}"));
        assert_eq!(domain(&blank).as_deref(), Some("PMNT-NTAV-NTAV"));
    }

    #[test]
    fn long_proprietary_code_fits_35() {
        let code = bank_transaction_code(None, Some(&"Z".repeat(50)));
        assert_eq!(code.proprietary.unwrap().code.chars().count(), 35);
    }

    /// The code before its fast path, kept to test it against.
    mod reference {
        use super::*;

        pub fn iso_code(code: &str) -> Option<DomainCode> {
            let upper = code.trim().to_uppercase();
            let parts: Vec<&str> = upper
                .split(['-', '/', '+', '.', ' '])
                .filter(|p| !p.is_empty())
                .collect();
            match parts.as_slice() {
                [domain, family, sub_family]
                    if is_known_combination(domain, family, sub_family) =>
                {
                    Some(DomainCode {
                        domain: (*domain).to_owned(),
                        family: (*family).to_owned(),
                        sub_family: (*sub_family).to_owned(),
                    })
                }
                _ => None,
            }
        }
    }

    mod fast_path_matches_the_reference {
        use super::*;
        use crate::test_strings::{any_text, awkward_char};
        use proptest::prelude::*;

        /// A listed code, its case and separators mangled and awkward characters mixed in.
        fn code_like() -> impl Strategy<Value = String> {
            let listed: Vec<&'static str> = known_codes().iter().copied().collect();
            let mangled = (
                prop::sample::select(listed),
                prop::collection::vec(
                    (
                        any::<bool>(),
                        prop::sample::select(vec!["-", "/", "+", ".", " ", "--", " / ", "\t", "_"]),
                    ),
                    20,
                ),
                prop::option::of((0usize..14, awkward_char())),
                prop::sample::select(vec!["", " ", "\u{A0}", "\n", "\u{B}"]),
            )
                .prop_map(|(code, changes, inserted, edge)| {
                    let mut out = String::from(edge);
                    let mut separators = changes.iter();
                    for (i, c) in code.chars().enumerate() {
                        let (lower, separator) = separators.next().copied().unwrap_or((false, "-"));
                        if let Some((at, extra)) = inserted
                            && at == i
                        {
                            out.push(extra);
                        }
                        match c {
                            '-' => out.push_str(separator),
                            c if lower => out.push(c.to_ascii_lowercase()),
                            c => out.push(c),
                        }
                    }
                    out.push_str(edge);
                    out
                });
            // As the list writes it, but for its case and one byte at most.
            let dashed = (
                prop::sample::select(known_codes().iter().copied().collect::<Vec<_>>()),
                any::<u16>(),
                prop::option::of((
                    0usize..14,
                    prop::sample::select(vec![
                        b'-', b'/', b'+', b'.', b' ', b'_', b'\t', b'a', b'Z', b'0',
                    ]),
                )),
            )
                .prop_map(|(code, lower, replaced)| {
                    let mut bytes = code.as_bytes().to_vec();
                    for (i, b) in bytes.iter_mut().enumerate() {
                        if lower >> i & 1 == 1 {
                            b.make_ascii_lowercase();
                        }
                    }
                    if let Some((at, b)) = replaced {
                        bytes[at] = b;
                    }
                    String::from_utf8_lossy(&bytes).into_owned()
                });
            prop_oneof![
                3 => mangled,
                2 => dashed,
                1 => any_text(),
                1 => prop::sample::select(vec!["pmnt-ıcdt-esct", "PMNT-ICDT-EſCT", "PMNT\u{3000}ICDT ESCT", "PMNT-ICDT-ESCT-X", "PMNT-ICDT"]).prop_map(str::to_owned),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn iso_code_matches(code in code_like()) {
                prop_assert_eq!(iso_code(&code), reference::iso_code(&code));
            }

            #[test]
            fn a_dashed_key_finds_what_the_separated_key_finds(code in code_like()) {
                if let Some(key) = dashed_key(code.as_bytes()) {
                    let separated = separated_key(code.as_bytes());
                    prop_assert_eq!(listed_line(&key), separated.and_then(|key| listed_line(&key)));
                }
            }

            #[test]
            fn packed_upper_case_is_ascii_upper_case(key in any::<[u8; 14]>(), ascii in "[ -~]{14}") {
                let ascii = <[u8; 14]>::try_from(ascii.as_bytes()).expect("14 ASCII bytes");
                for key in [key, ascii] {
                    let mut upper = key;
                    upper.make_ascii_uppercase();
                    prop_assert_eq!(ascii_upper_case(pack(&key)), pack(&upper));
                }
            }
        }

        #[test]
        fn every_listed_code_is_in_the_packed_set() {
            assert_eq!(listed_by_key().len(), known_codes().len());
            for code in known_codes() {
                let bytes = <&[u8; 14]>::try_from(code.as_bytes()).expect("14 bytes");
                assert_eq!(listed_by_key().get(&pack(bytes)), Some(code), "{code}");
            }
        }

        #[test]
        fn dotless_i_and_long_s_upper_case_into_listed_codes_as_before() {
            for code in ["pmnt-ıcdt-esct", "PMNT-ICDT-EſCT", " PMNT-ICDT-ESCT\u{A0}"] {
                assert_eq!(iso_code(code), reference::iso_code(code), "{code:?}");
                assert!(iso_code(code).is_some(), "{code:?}");
            }
        }
    }
}

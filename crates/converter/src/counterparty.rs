//! The counterpart: for a credit it paid us (`Dbtr`/`DbtrAcct`), for a debit we paid it
//! (`Cdtr`/`CdtrAcct`). Its reference is an IBAN when it validates, otherwise `Othr/Id`;
//! what does not fit is handed back so it can go to `AddtlNtryInf` instead of being lost.

use crate::text::{MAX_ID, MAX_NAME, MAX_OTHER_ACCOUNT_ID, fits_chars, name, one_line_opt};
use camt053::{AccountId, CreditDebit, Party, RelatedParties};
use iban::{Iban, IbanLike};
use std::cell::RefCell;

/// A counterpart reference mapped to a party account, or the text that did not fit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CounterpartAccount {
    pub id: Option<AccountId>,
    /// The cleaned reference when it is too long for `Othr/Id`.
    pub overflow: Option<String>,
}

/// Spaces removed and upper-cased (how Odoo sanitises account numbers too).
pub fn normalized_reference(reference: &str) -> Option<String> {
    if reference.is_ascii() {
        return compact_ascii_reference(reference);
    }
    let cleaned = one_line_opt(Some(reference))?;
    let compact: String = cleaned
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    (!compact.is_empty()).then_some(compact)
}

/// [`normalized_reference`] of ASCII text in one pass: every ASCII control character
/// is either forbidden in XML or whitespace, and so is dropped like the space; the rest
/// upper-cases as ASCII.
fn compact_ascii_reference(reference: &str) -> Option<String> {
    // The usual reference, an electronic IBAN, is its own compact form.
    if !reference.is_empty()
        && reference
            .bytes()
            .all(|b| b > b' ' && !b.is_ascii_lowercase())
    {
        return Some(reference.to_owned());
    }
    let mut compact = String::with_capacity(reference.len());
    for b in reference.bytes().filter(|&b| b > b' ') {
        compact.push(char::from(b.to_ascii_uppercase()));
    }
    (!compact.is_empty()).then_some(compact)
}

/// The electronic form of `text` when it is a valid IBAN (checksum and country format).
pub fn valid_iban(text: &str) -> Option<String> {
    text.parse::<Iban>()
        .ok()
        .map(|iban| iban.electronic_str().to_owned())
}

/// `counterpartReference` → `Id/IBAN`, `Id/Othr/Id` (≤34) or an overflow text.
pub fn counterpart_account(reference: Option<&str>) -> CounterpartAccount {
    match reference {
        Some(reference) => recent_counterpart_account(reference),
        None => CounterpartAccount::default(),
    }
}

/// References longer than this are mapped every time: they are no IBAN, rare, and
/// would make the table big.
const MAX_REMEMBERED_BYTES: usize = 64;
const REMEMBERED_SLOTS: usize = 256;

type RememberedAccount = Option<(String, CounterpartAccount)>;

/// [`map_counterpart_account`], remembered for the references this thread saw last.
/// Counterparties repeat (suppliers, customers, the landlord), and validating an IBAN
/// costs ~1,600 instructions where finding it here and copying it costs ~220 (a miss
/// costs ~300 more than mapping alone). A slot holds a reference with what the mapping
/// gave for it, and is only ever overwritten by another such pair, so a hit (the same
/// reference, byte for byte) gives what the mapping gives.
fn recent_counterpart_account(reference: &str) -> CounterpartAccount {
    thread_local! {
        static RECENT: RefCell<[RememberedAccount; REMEMBERED_SLOTS]> =
            const { RefCell::new([const { None }; REMEMBERED_SLOTS]) };
    }
    if reference.len() > MAX_REMEMBERED_BYTES {
        return map_counterpart_account(reference);
    }
    RECENT.with_borrow_mut(|recent| {
        let slot = &mut recent[slot_of(reference.as_bytes()) % REMEMBERED_SLOTS];
        if let Some((seen, account)) = slot
            && seen == reference
        {
            return account.clone();
        }
        let account = map_counterpart_account(reference);
        match slot {
            // The evicted reference's buffer takes the new one, without a reallocation
            // when it is long enough (IBANs mostly are).
            Some((seen, remembered)) => {
                seen.clear();
                seen.push_str(reference);
                *remembered = account.clone();
            }
            None => *slot = Some((reference.to_owned(), account.clone())),
        }
        account
    })
}

/// Where a reference goes in the table: a multiplicative hash of its length and of
/// eight bytes at its start, middle and end (an IBAN's check digits, bank and account),
/// rather than a hash of every byte.
fn slot_of(key: &[u8]) -> usize {
    let word = |at: usize| {
        key.get(at..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map_or(0, |word| u64::from_le_bytes(*word))
    };
    let mixed = match key.last_chunk::<8>() {
        Some(last) => {
            word(0)
                ^ word(key.len() / 2 - 4).rotate_left(21)
                ^ u64::from_le_bytes(*last).rotate_left(42)
        }
        None => key.iter().fold(0, |folded, &b| folded << 8 | u64::from(b)),
    };
    let hash = (mixed ^ key.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // The top bits are the well-mixed ones.
    (hash >> 56) as usize
}

/// [`counterpart_account`] of a present reference, worked out.
fn map_counterpart_account(reference: &str) -> CounterpartAccount {
    let Some(compact) = normalized_reference(reference) else {
        return CounterpartAccount::default();
    };
    if let Some(iban) = valid_iban(&compact) {
        return CounterpartAccount {
            id: Some(AccountId::Iban(iban)),
            overflow: None,
        };
    }
    if fits_chars(&compact, MAX_OTHER_ACCOUNT_ID) {
        return CounterpartAccount {
            id: Some(AccountId::Other(compact)),
            overflow: None,
        };
    }
    CounterpartAccount {
        id: None,
        overflow: Some(compact),
    }
}

/// A SEPA creditor identifier (Max35Text), or the overflow text when it is longer.
pub fn creditor_id(text: Option<&str>) -> (Option<String>, Option<String>) {
    match one_line_opt(text) {
        Some(id) if fits_chars(&id, MAX_ID) => (Some(id), None),
        Some(id) => (None, Some(id)),
        None => (None, None),
    }
}

fn party(name: Option<String>, sepa_creditor_id: Option<String>) -> Option<Party> {
    (name.is_some() || sepa_creditor_id.is_some()).then_some(Party {
        name,
        sepa_creditor_id,
    })
}

/// `RltdPties` for an entry in `direction`. The SEPA creditor id belongs to the creditor:
/// the counterpart for a debit (a direct debit we paid), ourselves for a credit.
pub fn related_parties(
    direction: CreditDebit,
    counterpart_name: Option<&str>,
    account: Option<AccountId>,
    sepa_creditor_id: Option<String>,
) -> RelatedParties {
    let name = name(counterpart_name, MAX_NAME);
    match direction {
        CreditDebit::Credit => RelatedParties {
            debtor: party(name, None),
            debtor_account: account,
            creditor: party(None, sepa_creditor_id),
            creditor_account: None,
        },
        CreditDebit::Debit => RelatedParties {
            debtor: None,
            debtor_account: None,
            creditor: party(name, sepa_creditor_id),
            creditor_account: account,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_with_spaces_and_lower_case_becomes_electronic() {
        let account = counterpart_account(Some("be68 5390 0754 7034"));
        assert_eq!(
            account.id,
            Some(AccountId::Iban("BE68539007547034".to_owned()))
        );
        assert_eq!(account.overflow, None);
    }

    #[test]
    fn invalid_iban_goes_to_other_id() {
        let account = counterpart_account(Some("BE68 5390 0754 7035"));
        assert_eq!(
            account.id,
            Some(AccountId::Other("BE68539007547035".to_owned()))
        );
    }

    #[test]
    fn non_iban_numbers_go_to_other_id() {
        let account = counterpart_account(Some("123-4567890-12"));
        assert_eq!(
            account.id,
            Some(AccountId::Other("123-4567890-12".to_owned()))
        );
    }

    #[test]
    fn too_long_reference_is_kept_as_overflow() {
        let long = "X".repeat(40);
        let account = counterpart_account(Some(&long));
        assert_eq!(account.id, None);
        assert_eq!(account.overflow, Some(long));
    }

    #[test]
    fn empty_reference_gives_nothing() {
        assert_eq!(
            counterpart_account(Some(" \t ")),
            CounterpartAccount::default()
        );
        assert_eq!(counterpart_account(None), CounterpartAccount::default());
    }

    #[test]
    fn credit_puts_the_counterpart_in_debtor_and_our_creditor_id_on_the_creditor() {
        let parties = related_parties(
            CreditDebit::Credit,
            Some("Muster\nGmbH"),
            Some(AccountId::Iban("DE02120300000000202051".to_owned())),
            Some("BE68ZZZ0123456789".to_owned()),
        );
        assert_eq!(parties.debtor.unwrap().name.as_deref(), Some("Muster GmbH"));
        assert!(parties.debtor_account.is_some());
        let creditor = parties.creditor.unwrap();
        assert_eq!(creditor.name, None);
        assert_eq!(
            creditor.sepa_creditor_id.as_deref(),
            Some("BE68ZZZ0123456789")
        );
        assert_eq!(parties.creditor_account, None);
    }

    #[test]
    fn debit_puts_the_counterpart_and_its_creditor_id_in_creditor() {
        let parties = related_parties(
            CreditDebit::Debit,
            Some("Energy Co"),
            None,
            Some("DE98ZZZ09999999999".to_owned()),
        );
        assert_eq!(parties.debtor, None);
        let creditor = parties.creditor.unwrap();
        assert_eq!(creditor.name.as_deref(), Some("Energy Co"));
        assert_eq!(
            creditor.sepa_creditor_id.as_deref(),
            Some("DE98ZZZ09999999999")
        );
    }

    #[test]
    fn names_are_cut_to_140_characters() {
        let long = "N".repeat(300);
        let parties = related_parties(CreditDebit::Debit, Some(&long), None, None);
        assert_eq!(parties.creditor.unwrap().name.unwrap().chars().count(), 140);
    }

    #[test]
    fn no_name_no_id_means_no_party() {
        let parties = related_parties(CreditDebit::Credit, Some("\u{1}"), None, None);
        assert_eq!(parties, RelatedParties::default());
    }

    #[test]
    fn long_creditor_id_overflows() {
        assert_eq!(creditor_id(Some(&"C".repeat(36))).0, None);
        assert_eq!(
            creditor_id(Some(" BE68ZZZ0123456789 ")).0.as_deref(),
            Some("BE68ZZZ0123456789")
        );
    }

    /// The code before its fast path, kept to test it against.
    mod reference {
        use super::*;

        pub fn normalized_reference(reference: &str) -> Option<String> {
            let cleaned = one_line_opt(Some(reference))?;
            let compact: String = cleaned
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_uppercase)
                .collect();
            (!compact.is_empty()).then_some(compact)
        }

        pub fn counterpart_account(reference: Option<&str>) -> CounterpartAccount {
            let Some(compact) = reference.and_then(normalized_reference) else {
                return CounterpartAccount::default();
            };
            if let Some(iban) = valid_iban(&compact) {
                return CounterpartAccount {
                    id: Some(AccountId::Iban(iban)),
                    overflow: None,
                };
            }
            if compact.chars().count() <= MAX_OTHER_ACCOUNT_ID {
                return CounterpartAccount {
                    id: Some(AccountId::Other(compact)),
                    overflow: None,
                };
            }
            CounterpartAccount {
                id: None,
                overflow: Some(compact),
            }
        }
    }

    mod fast_path_matches_the_reference {
        use super::*;
        use crate::test_strings::any_text;
        use proptest::prelude::*;

        fn reference_like() -> impl Strategy<Value = String> {
            prop_oneof![
                any_text(),
                "[A-Za-z]{2}[0-9]{2}[ A-Za-z0-9]{8,32}",
                prop::sample::select(vec![
                    "BE68539007547034",
                    "be68 5390 0754 7034",
                    "DE89370400440532013000",
                    "DE89 3704 0044 0532 0130 00",
                    "\tNL91ABNA0417164300\n",
                    "BE68\u{A0}5390 0754 7034",
                    "ıban",
                    "GB82 WEST 1234 5698 7654 32",
                    "FR1420041010050500013M02606",
                ])
                .prop_map(str::to_owned),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn normalized_reference_matches(text in reference_like()) {
                prop_assert_eq!(normalized_reference(&text), reference::normalized_reference(&text));
            }

            #[test]
            fn counterpart_account_matches(text in prop::option::of(reference_like())) {
                prop_assert_eq!(counterpart_account(text.as_deref()), reference::counterpart_account(text.as_deref()));
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(50))]

            /// Repeats, and (with hundreds of references for 256 slots) references that
            /// share a slot and take it from each other.
            #[test]
            fn remembered_accounts_match(
                pool in prop::collection::vec(reference_like(), 1..600),
                picks in prop::collection::vec(any::<prop::sample::Index>(), 1..1500),
            ) {
                for pick in picks {
                    let text = pick.get(&pool);
                    prop_assert_eq!(counterpart_account(Some(text)), reference::counterpart_account(Some(text)));
                }
            }
        }

        #[test]
        fn references_sharing_a_slot_take_it_from_each_other() {
            let references: Vec<String> = (0..20_000)
                .map(|i| format!("BE{:02}5390075{:05}", i % 100, i))
                .chain([
                    "BE68539007547034".to_owned(),
                    "be68 5390 0754 7034".to_owned(),
                ])
                .collect();
            let first = &references[references.len() - 1];
            let same_slot: Vec<&String> = references
                .iter()
                .filter(|r| slot_of(r.as_bytes()) == slot_of(first.as_bytes()))
                .take(4)
                .collect();
            assert!(same_slot.len() >= 3, "{same_slot:?}");
            for _ in 0..3 {
                for text in &same_slot {
                    assert_eq!(
                        counterpart_account(Some(text)),
                        reference::counterpart_account(Some(text)),
                        "{text}"
                    );
                }
            }
        }

        #[test]
        fn long_references_are_mapped_each_time() {
            let long = format!("{} ", "A1".repeat(40));
            assert!(long.len() > MAX_REMEMBERED_BYTES);
            for _ in 0..2 {
                assert_eq!(
                    counterpart_account(Some(&long)),
                    reference::counterpart_account(Some(&long))
                );
            }
        }
    }
}

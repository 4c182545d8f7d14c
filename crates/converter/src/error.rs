//! What can go wrong while mapping Ponto data to camt.053. Every message names the
//! resource (transaction id, or "account"), the JSON path inside the resource, the value
//! and what is wrong with it, so a user can find the offending bundle entry.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConvertError {
    #[error("{transaction}: required field {field} is missing")]
    MissingField { transaction: String, field: String },

    #[error("{transaction}: field {field} = {value:?} is invalid: {problem}")]
    InvalidField {
        transaction: String,
        field: String,
        value: String,
        problem: String,
    },

    #[error(
        "{transaction}: field {field} = {amount} has more decimals than {currency} allows ({allowed}); refusing to round"
    )]
    TooManyDecimals {
        transaction: String,
        field: String,
        amount: String,
        currency: String,
        allowed: u32,
    },

    #[error(
        "{transaction}: field attributes.currency = {transaction_currency:?} differs from the account currency {account_currency:?}"
    )]
    CurrencyMismatch {
        transaction: String,
        account_currency: String,
        transaction_currency: String,
    },

    /// `origin` says where the zone name came from (configuration, financial institution…).
    #[error("unknown time zone {zone:?} (from {origin})")]
    UnknownTimeZone { zone: String, origin: String },

    #[error(
        "{resource}: field {field} = {currency:?} is not an ISO 4217 currency with known minor units"
    )]
    UnknownCurrency {
        resource: String,
        field: String,
        currency: String,
    },

    #[error("statement id {id:?} is invalid: {problem}")]
    InvalidStatementId { id: String, problem: String },

    /// A text from Ponto longer than [`crate::text::MAX_INPUT_BYTES`]; only its first
    /// characters are kept, so the message stays readable.
    #[error(
        "{resource}: field {field} is {bytes} bytes long, more than the {max} bytes accepted (it starts with {prefix:?})"
    )]
    FieldTooLong {
        resource: String,
        field: String,
        bytes: usize,
        max: usize,
        prefix: String,
    },

    /// A sum or difference of amounts beyond what a decimal can hold (±7.9·10²⁸).
    #[error("{resource}: {field} cannot be computed: {calculation} overflows")]
    AmountOverflow {
        resource: String,
        field: String,
        calculation: String,
    },

    /// An amount camt.053 cannot carry (more than 18 digits, too many fraction digits).
    #[error("{resource}: {field} = {amount} cannot be written in camt.053: {problem}")]
    AmountOutOfRange {
        resource: String,
        field: String,
        amount: String,
        problem: String,
    },

    /// A day outside the years 1 to 9999 that `xs:date` can hold, once shifted into the
    /// bank's time zone.
    #[error(
        "{resource}: field {field} = {value} is the day {date} in {zone}, outside the years 1 to 9999 a camt.053 date can hold"
    )]
    DateOutOfRange {
        resource: String,
        field: String,
        value: String,
        date: String,
        zone: String,
    },
}

/// How many characters of an offending value an error message shows at most.
pub const EXCERPT_CHARS: usize = 40;

/// The start of `value` for an error message: a value of megabytes must not end up in a
/// log line in full.
pub fn excerpt(value: &str) -> String {
    // No more bytes than the limit means no more characters: nothing to cut.
    if value.len() <= EXCERPT_CHARS {
        return value.to_owned();
    }
    match value.char_indices().nth(EXCERPT_CHARS) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

/// How a transaction is named in errors: its id (only its start when absurdly long), or a
/// placeholder when it has none.
pub(crate) fn transaction_label(id: Option<&str>) -> String {
    match id.map(str::trim).filter(|id| !id.is_empty()) {
        // The usual UUID, shown whole: one allocation instead of two and a format.
        Some(id) if id.len() <= EXCERPT_CHARS => {
            const PREFIX: &str = "transaction ";
            let mut label = String::with_capacity(PREFIX.len() + id.len());
            label.push_str(PREFIX);
            label.push_str(id);
            label
        }
        Some(id) => format!("transaction {}", excerpt(id)),
        None => "transaction (without id)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code before its fast paths, kept to test them against.
    mod reference {
        use super::*;

        pub fn excerpt(value: &str) -> String {
            match value.char_indices().nth(EXCERPT_CHARS) {
                Some((end, _)) => format!("{}…", &value[..end]),
                None => value.to_owned(),
            }
        }

        pub fn transaction_label(id: Option<&str>) -> String {
            match id.map(str::trim).filter(|id| !id.is_empty()) {
                Some(id) => format!("transaction {}", excerpt(id)),
                None => "transaction (without id)".to_owned(),
            }
        }
    }

    mod fast_paths_match_the_reference {
        use super::*;
        use crate::test_strings::{any_text, awkward_string};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn excerpt_matches(value in prop_oneof![any_text(), awkward_string(60), "[a-z]{35,45}", "[é]{15,45}"]) {
                prop_assert_eq!(excerpt(&value), reference::excerpt(&value));
            }

            #[test]
            fn transaction_label_matches(id in prop::option::of(prop_oneof![any_text(), awkward_string(60), "[ ]{0,2}[a-z]{35,45}[ ]{0,2}"])) {
                prop_assert_eq!(transaction_label(id.as_deref()), reference::transaction_label(id.as_deref()));
            }
        }
    }
}

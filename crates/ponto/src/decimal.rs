//! Exact decimals from JSON numbers.
//!
//! Ponto sends amounts as JSON numbers. Going through `f64` (what `rust_decimal`'s default
//! `Deserialize` does) loses digits past ~15 significant ones and the trailing zeros that
//! tell us how many decimals the bank sent, so the number's own text is parsed instead.
//! A string holding a number is accepted too.

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::str::FromStr;

/// Parses the text of a JSON number (or the content of a JSON string) as an exact decimal.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let text = text.trim();
    let unquoted = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if unquoted.is_empty() {
        return Err("empty number".to_owned());
    }
    let parsed = if unquoted.contains(['e', 'E']) {
        Decimal::from_scientific(unquoted)
    } else {
        Decimal::from_str(unquoted)
    };
    parsed.map_err(|e| format!("{unquoted:?} is not a decimal number: {e}"))
}

/// `deserialize_with` for an optional exact decimal (`null` and absence give `None`).
pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let raw: Option<Box<RawValue>> = Option::deserialize(d)?;
    match raw {
        None => Ok(None),
        Some(raw) if raw.get() == "null" => Ok(None),
        Some(raw) => parse_decimal(raw.get()).map(Some).map_err(D::Error::custom),
    }
}

/// `serialize_with` counterpart of [`option`]: writes the decimal as a JSON number, exactly.
pub fn serialize_option<S: serde::Serializer>(
    value: &Option<Decimal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::Serialize as _;
    match value {
        None => s.serialize_none(),
        Some(v) => {
            let raw = RawValue::from_string(v.to_string()).map_err(serde::ser::Error::custom)?;
            raw.serialize(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "option")]
        amount: Option<Decimal>,
    }

    fn amount(json: &str) -> Option<Decimal> {
        serde_json::from_str::<Holder>(json)
            .expect("valid json")
            .amount
    }

    #[test]
    fn keeps_scale_and_precision() {
        assert_eq!(
            amount(r#"{"amount": 12.10}"#).map(|d| d.to_string()),
            Some("12.10".into())
        );
        assert_eq!(
            amount(r#"{"amount": 123456789012345.67}"#).map(|d| d.to_string()),
            Some("123456789012345.67".into())
        );
        assert_eq!(
            amount(r#"{"amount": "-3.5"}"#).map(|d| d.to_string()),
            Some("-3.5".into())
        );
        assert_eq!(
            amount(r#"{"amount": 1e2}"#).map(|d| d.to_string()),
            Some("100".into())
        );
        assert_eq!(amount(r#"{"amount": null}"#), None);
        assert_eq!(amount(r#"{}"#), None);
    }

    #[test]
    fn names_the_field_through_path_to_error() {
        let mut de = serde_json::Deserializer::from_str(r#"{"amount": "abc"}"#);
        let err = match serde_path_to_error::deserialize::<_, Holder>(&mut de) {
            Ok(_) => panic!("must fail"),
            Err(e) => e,
        };
        assert_eq!(err.path().to_string(), "amount");
        assert!(err.to_string().contains("not a decimal"), "{err}");
    }
}

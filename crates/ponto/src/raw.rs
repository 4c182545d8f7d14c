//! A resource together with the JSON text Ponto sent for it.
//!
//! Bundles keep Ponto's resources exactly as sent: attributes this crate does not know
//! yet, `null`s, and number literals such as `1.10` or `1e2` (which a decode into
//! [`crate::resources`] types and a re-encode would drop or rewrite). [`Raw`] decodes
//! the typed view (for validation and the stop rules) and keeps the bytes beside it;
//! serializing a `Raw` writes those bytes unchanged.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::ops::Deref;

/// A decoded resource and its JSON text as received.
///
/// Only a JSON text can be decoded into a `Raw` (a `serde_json::Value` has already lost
/// the literals); a resource whose text is not valid for `T` is an error that names the
/// path inside it, as a plain `T` would.
#[derive(Debug, Clone)]
pub struct Raw<T> {
    value: T,
    json: Box<RawValue>,
}

impl<T> Raw<T> {
    /// The typed view.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The JSON text exactly as received (whitespace inside the resource included).
    pub fn json(&self) -> &RawValue {
        &self.json
    }

    pub fn into_parts(self) -> (T, Box<RawValue>) {
        (self.value, self.json)
    }
}

impl<T: DeserializeOwned> Raw<T> {
    /// Decodes `json` (one JSON value) as `T`, keeping the text.
    pub fn from_json(json: Box<RawValue>) -> Result<Self, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json.get());
        let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
            serde_json::Error::custom(format_args!("at `{}`: {}", e.path(), e.inner()))
        })?;
        Ok(Raw { value, json })
    }
}

impl<T> Deref for Raw<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Raw<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let json = Box::<RawValue>::deserialize(d)?;
        Raw::from_json(json).map_err(D::Error::custom)
    }
}

/// Writes the received text, not the typed view.
impl<T> Serialize for Raw<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::resources::Transaction;

    const PAGE: &str = r#"{"data": [
        {"type": "transaction", "id": "0b7c3f7e-1111-4c1e-9d2a-000000000001",
         "attributes": {"amount": 1.10, "fee": 1e2, "currency": "EUR",
                        "someNewField": {"a": null}, "digest": null}},
        {"type":"transaction","id":"0b7c3f7e-1111-4c1e-9d2a-000000000002","attributes":{"amount":-3}}
      ], "links": {"next": null}}"#;

    #[test]
    fn keeps_the_text_and_decodes_the_typed_view() {
        let doc: Document<Vec<Raw<Transaction>>> = serde_json::from_str(PAGE).expect("page");
        let first = &doc.data[0];
        assert_eq!(
            first.attributes.amount.map(|a| a.to_string()).as_deref(),
            Some("1.10")
        );
        assert_eq!(
            first.attributes.fee.map(|a| a.to_string()).as_deref(),
            Some("100")
        );
        let text = first.json().get();
        assert!(text.contains(r#""amount": 1.10, "fee": 1e2"#), "{text}");
        assert!(text.contains(r#""someNewField": {"a": null}"#), "{text}");
        // serializing writes the text, not the typed view
        let again = serde_json::to_string(&doc.data).expect("serialize");
        assert!(again.contains(r#""fee": 1e2"#), "{again}");
        assert!(again.contains(r#""digest": null"#), "{again}");
        assert!(again.contains(r#"{"type":"transaction","id":"0b7c3f7e-1111-4c1e-9d2a-000000000002","attributes":{"amount":-3}}"#), "{again}");
    }

    #[test]
    fn works_through_path_to_error_and_names_the_inner_path() {
        let bad = r#"{"data": [{"attributes": {}}, {"attributes": {"amount": "abc"}}]}"#;
        let mut de = serde_json::Deserializer::from_str(bad);
        let err =
            match serde_path_to_error::deserialize::<_, Document<Vec<Raw<Transaction>>>>(&mut de) {
                Ok(_) => panic!("must fail"),
                Err(e) => e,
            };
        assert!(err.inner().is_data(), "wrong shape, not broken JSON");
        assert_eq!(err.path().to_string(), "data[1]");
        assert!(
            err.to_string().contains("attributes.amount"),
            "the path inside the resource: {err}"
        );

        let mut de = serde_json::Deserializer::from_str(PAGE);
        let doc = serde_path_to_error::deserialize::<_, Document<Vec<Raw<Transaction>>>>(&mut de)
            .expect("a good page through path_to_error");
        assert!(doc.data[0].json().get().contains("1e2"));
    }

    #[test]
    fn broken_json_stays_a_syntax_error() {
        let cut = r#"{"data": [{"attributes": {"amount": 1.1"#;
        let err =
            serde_json::from_str::<Document<Vec<Raw<Transaction>>>>(cut).expect_err("must fail");
        assert!(!err.is_data(), "{err}");
    }
}

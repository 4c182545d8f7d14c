//! Decoding Ponto's JSON:API answers (`ponto::Document`, the resource types, the error
//! bodies) the way the client does (serde_path_to_error over the body, then the end of
//! input), and the views on them (`next_link`, `meta.synchronizedAt`,
//! `account_meta`).
//!
//! `export` reads pages as [`ponto::Raw`] (the text as sent next to the typed view): a
//! raw resource decodes exactly when the typed one does, and writes its text unchanged.
//!
//! Besides "no panic": a decoded resource serializes (that is how `export` writes
//! bundles) and the serialized form decodes to the same value, so a transaction that
//! Ponto sent survives a bundle unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ponto::{Account, Document, FinancialInstitution, Raw, Synchronization, Transaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

fuzz_target!(|data: &[u8]| {
    if let Some(page) = decode::<Document<Vec<Transaction>>>(data) {
        views(&page);
        for transaction in &page.data {
            round_trip(transaction);
        }
    }
    if let Some(page) = decode::<Document<Vec<Raw<Transaction>>>>(data) {
        for raw in &page.data {
            let written = serde_json::to_string(raw).expect("a raw resource serializes");
            assert_eq!(written, raw.json().get(), "written as sent");
            round_trip(raw.value());
        }
    }
    if let Some(page) = decode::<Document<Vec<Account>>>(data) {
        views(&page);
        for account in &page.data {
            let _ = account.account_meta();
            round_trip(account);
        }
    }
    if let Some(doc) = decode::<Document<Account>>(data) {
        views(&doc);
        let _ = doc.data.account_meta();
        round_trip(&doc.data);
    }
    if let Some(doc) = decode::<Document<FinancialInstitution>>(data) {
        round_trip(&doc.data);
    }
    if let Some(doc) = decode::<Document<Synchronization>>(data) {
        round_trip(&doc.data);
    }
    if let Some(transaction) = decode::<Transaction>(data) {
        round_trip(&transaction);
    }
    let details = ponto::parse_error_body(data, None);
    let _ = format!("{details:?}");
});

/// As the client's `decode`: path-tracking deserialization, then nothing but
/// whitespace may follow.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => de.end().ok().map(|()| value),
        Err(e) => {
            let _ = format!("at `{}`: {}", e.path(), e.inner());
            None
        }
    }
}

fn views<D>(doc: &Document<D>) {
    let _ = doc.next_link();
    let _ = doc.synchronized_at();
    let _ = doc.latest_synchronization();
}

fn round_trip<T>(value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_vec(value)
        .unwrap_or_else(|e| panic!("a decoded resource does not serialize: {e}\n{value:?}"));
    let again: T = serde_json::from_slice(&json).unwrap_or_else(|e| {
        panic!(
            "a decoded resource does not decode after serializing: {e}\n{}",
            String::from_utf8_lossy(&json)
        )
    });
    assert!(
        &again == value,
        "a decoded resource changes through serializing:\n{value:?}\n{again:?}"
    );
}


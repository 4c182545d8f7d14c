//! Inputs the fuzz target `ponto_page` (fuzz/fuzz_targets/ponto_page.rs) found, kept in
//! fuzz/regressions/ponto_page/: each decodes the way the client decodes Ponto's
//! answers, and what decodes must come back unchanged through serializing (which is how
//! `export` writes a bundle).

use ponto::{Account, Document, Transaction};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::path::PathBuf;

fn reproducer(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/ponto_page")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).ok()?;
    de.end().ok().map(|()| value)
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let json = serde_json::to_vec(value).expect("serializes");
    let again: T = serde_json::from_slice(&json).expect("decodes after serializing");
    assert_eq!(&again, value, "changes through serializing");
}

/// A JSON float in the parts of a resource kept as sent (`meta`, `relationships`,
/// `links`: `serde_json::Value`) changes in its last bit on the way into a bundle:
/// without serde_json's `float_roundtrip` feature (now on, in the workspace manifest)
/// its float parsing was not correctly rounded, so `0.0000000000000000000000000001`
/// decoded to 1.0000000000000001e-28, was written as that, and decoded again to
/// 9.999999999999999e-29. Amounts and balances
/// are not affected (they are exact decimals read from the number's text); the bundle
/// is simply not the resource "exactly as Ponto returns it". The fuzzer found it in an
/// accounts page (`crash-3b71e385…`, a float in
/// `meta.latestSynchronization.attributes.errors`); the other file is the minimal form.
#[test]
fn floats_kept_as_sent_survive_a_bundle() {
    let minimal = reproducer("float-in-meta-changes-through-a-bundle.json");
    round_trip(&decode::<Account>(&minimal).expect("an account"));
    round_trip(&decode::<Transaction>(&minimal).expect("read as a transaction too"));
    let page = reproducer("crash-3b71e385207871536bbc2b475100702800eb6155.json");
    let accounts = decode::<Document<Vec<Account>>>(&page).expect("an accounts page");
    accounts.data.iter().for_each(round_trip);
    let as_transactions = decode::<Document<Vec<Transaction>>>(&page).expect("decodes");
    as_transactions.data.iter().for_each(round_trip);
}

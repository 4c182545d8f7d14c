//! The simulator answers in the shapes documented for Ponto: every key of the contract
//! fixtures (`fixtures/ponto/`, written from the API reference, also what the client is
//! tested on) is present in the simulator's answer with the same JSON type. So the client
//! and the simulator are held to one contract, not to each other's assumptions.

mod common;

use common::*;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/ponto")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Keys the fixtures carry to test the client's tolerance, not because Ponto sends them.
const NOT_SERVED: &[&str] = &["someFutureAttribute"];

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key of `documented` must be in `served` with the same type; `null` on either side
/// matches anything (Ponto sends null for absent values). Arrays: the first documented
/// element is compared with every served one.
fn same_shape(documented: &Value, served: &Value, path: &str, problems: &mut Vec<String>) {
    match (documented, served) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(doc), Value::Object(got)) => {
            for (key, value) in doc
                .iter()
                .filter(|(k, _)| !NOT_SERVED.contains(&k.as_str()))
            {
                match got.get(key) {
                    Some(served) => same_shape(value, served, &format!("{path}.{key}"), problems),
                    None => problems.push(format!("{path}.{key}: missing")),
                }
            }
        }
        (Value::Array(doc), Value::Array(got)) => {
            if let Some(first) = doc.first() {
                for (i, served) in got.iter().enumerate() {
                    same_shape(first, served, &format!("{path}[{i}]"), problems);
                }
            }
        }
        (doc, got) if kind(doc) != kind(got) => {
            problems.push(format!(
                "{path}: documented {}, served {}",
                kind(doc),
                kind(got)
            ));
        }
        _ => {}
    }
}

fn assert_same_shape(fixture_name: &str, served: &Value) {
    let mut problems = Vec::new();
    same_shape(&fixture(fixture_name), served, "$", &mut problems);
    assert!(problems.is_empty(), "{fixture_name}: {problems:#?}");
}

#[test]
fn token_accounts_and_bank_answer_in_the_documented_shape() {
    let sim = start(30);
    let (id, secret) = sim.credentials();
    assert_same_shape(
        "token.json",
        &token_reply(&sim.base_url(), &id, &secret).json(),
    );
    let token = token(&sim);
    assert_same_shape("accounts-page.json", &get_json(&sim, &token, "/accounts"));
    let account = &sim.accounts()[0];
    assert_same_shape(
        "account.json",
        &get_json(&sim, &token, &format!("/accounts/{}", account.id)),
    );
    assert_same_shape(
        "financial-institution.json",
        &get_json(
            &sim,
            &token,
            &format!(
                "/financial-institutions/{}",
                account.financial_institution_id
            ),
        ),
    );
}

#[test]
fn transaction_pages_answer_in_the_documented_shape() {
    let sim = start(30);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let first = get_json(
        &sim,
        &token,
        &format!("/accounts/{}/transactions?page[limit]=10", account.id),
    );
    assert_same_shape("transactions-page-1.json", &first);
    let next = first["links"]["next"].as_str().expect("a next link");
    let second = get_json(&sim, &token, &target_of(&sim, next));
    assert_same_shape("transactions-page-2.json", &second);
    sim.add_transaction(&account.id, ponto_sim::NewTransaction::with_amount("-1.00"));
    let pending = get_json(
        &sim,
        &token,
        &format!("/accounts/{}/pending-transactions", account.id),
    );
    assert_same_shape("pending-transactions.json", &pending);
}

#[test]
fn errors_answer_in_the_documented_shapes() {
    let sim = start(5);
    let token = token(&sim);
    let missing = get(
        &sim,
        &token,
        "/accounts/00000000-0000-0000-0000-000000000000",
    );
    assert_eq!(missing.status, 404);
    assert_same_shape("error-not-found.json", &missing.json());
    let refused = token_reply(&sim.base_url(), "nobody", "wrong");
    assert_eq!(refused.status, 401);
    assert_same_shape("error-oauth.json", &refused.json());
}

#[test]
fn a_failed_synchronization_answers_in_the_documented_shape() {
    let sim = start(5);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    sim.set_latest_synchronization_error(
        &account.id,
        "authorizationInvalid",
        "The authorization is invalid, you should ask the customer to reauthorize the account",
    );
    let detail = get_json(&sim, &token, &format!("/accounts/{}", account.id));
    let id = detail["data"]["meta"]["latestSynchronization"]["id"]
        .as_str()
        .expect("a latest synchronization");
    assert_same_shape(
        "synchronization-error.json",
        &get_json(&sim, &token, &format!("/synchronizations/{id}")),
    );
}

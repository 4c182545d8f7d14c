//! The `*_raw` reads against the simulator: each resource's JSON text as Ponto sent it
//! (unknown attributes, `null`s, number literals), beside the typed view the stop rules
//! and validation use.

// The HTTP client only exists with the `client` feature.
#![cfg(feature = "client")]

use ponto::{Client, ClientConfig, Credentials, PontoError, RetryPolicy, stop};
use ponto_sim::{SimConfig, Simulator};
use std::time::Duration;

fn sim(transactions_per_account: usize) -> Simulator {
    Simulator::start(SimConfig {
        seed: 11,
        port: 0,
        transactions_per_account,
        token_lifetime: Duration::from_secs(1799),
        latency: Duration::ZERO,
    })
    .expect("simulator starts")
}

fn client(sim: &Simulator) -> Client {
    let (id, secret) = sim.credentials();
    let config = ClientConfig::new(Credentials::new(id, secret))
        .with_base_url(sim.base_url())
        .with_retry(RetryPolicy {
            max_attempts: 2,
            max_elapsed: Duration::from_secs(5),
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(10),
        });
    Client::new(config).expect("client")
}

#[test]
fn transactions_raw_keeps_the_text_and_reads_like_transactions() {
    let sim = sim(250);
    let client = client(&sim);
    let account = sim.organizations()[0].accounts[0].id.clone();
    let ids = sim.booked_transaction_ids(&account);
    // on the second page
    let changed = ids[150].clone();
    for (attribute, json) in [
        ("fee", "1.10"),
        ("amount", "-1e2"),
        (
            "someNewField",
            r#"{"a": null, "big": 12345678901234567890.123456789}"#,
        ),
    ] {
        assert!(sim.set_raw_attribute(&account, &changed, attribute, json));
    }

    let raw = client
        .transactions_raw(&account, &mut stop::read_all())
        .expect("raw read");
    let typed = client
        .transactions(&account, &mut stop::read_all())
        .expect("typed read");
    assert_eq!(raw.pages, 3);
    assert_eq!(raw.pages, typed.pages);
    assert_eq!(raw.synchronized_at, typed.synchronized_at);
    let raw_ids: Vec<String> = raw
        .transactions
        .iter()
        .filter_map(|t| t.id.clone())
        .collect();
    assert_eq!(raw_ids, ids);
    for (r, t) in raw.transactions.iter().zip(&typed.transactions) {
        assert_eq!(r.value(), t, "the same typed view");
    }

    let tx = &raw.transactions[150];
    let text = tx.json().get();
    assert!(text.contains(r#""fee":1.10"#), "{text}");
    assert!(text.contains(r#""amount":-1e2"#), "{text}");
    assert!(
        text.contains(r#""someNewField":{"a": null, "big": 12345678901234567890.123456789}"#),
        "{text}"
    );
    assert_eq!(
        tx.attributes.fee.map(|f| f.to_string()).as_deref(),
        Some("1.10")
    );
    assert_eq!(
        tx.attributes.amount.map(|f| f.to_string()).as_deref(),
        Some("-100")
    );
    // serializing a raw resource writes its text
    assert_eq!(serde_json::to_string(tx).expect("serialize"), text);
}

#[test]
fn stop_rules_see_the_typed_pages() {
    let sim = sim(250);
    let client = client(&sim);
    let account = sim.organizations()[0].accounts[0].id.clone();
    let ids = sim.booked_transaction_ids(&account);
    let known: std::collections::HashSet<String> = ids.iter().cloned().collect();
    let read = client
        .transactions_raw(&account, &mut stop::stop_at_known(|id| known.contains(id)))
        .expect("read");
    assert_eq!(read.pages, 1, "the first page is all known");
    assert_eq!(read.transactions.len(), 100);
}

#[test]
fn accounts_and_institution_raw_keep_attributes_the_types_do_not_have() {
    let sim = sim(5);
    let client = client(&sim);
    let accounts = client.accounts_raw().expect("accounts");
    assert_eq!(accounts.len(), sim.organizations()[0].accounts.len());
    let account = &accounts[0];
    assert!(
        account
            .json()
            .get()
            .contains(r#""currentBalanceVariationObservedAt":"#)
    );
    assert!(account.attributes.reference.is_some(), "typed view");
    let institution = client
        .account_financial_institution_raw(account.value())
        .expect("institution")
        .expect("the account names one");
    let text = institution.json().get();
    assert!(text.contains(r#""logoUrl":"#), "{text}");
    assert!(text.contains(r#""maintenanceType":null"#), "{text}");
    let typed = client
        .account_financial_institution(account.value())
        .expect("typed")
        .expect("bank");
    assert_eq!(institution.value(), &typed);
}

#[test]
fn a_resource_of_the_wrong_shape_is_refused_naming_the_attribute() {
    let sim = sim(5);
    let client = client(&sim);
    let account = sim.organizations()[0].accounts[0].id.clone();
    let ids = sim.booked_transaction_ids(&account);
    assert!(sim.set_raw_attribute(&account, &ids[2], "amount", r#""abc""#));
    match client.transactions_raw(&account, &mut stop::read_all()) {
        Err(PontoError::UnexpectedResponse { shape, .. }) => {
            assert!(shape.contains("data[2]"), "{shape}");
            assert!(shape.contains("attributes.amount"), "{shape}");
        }
        other => panic!("must be refused: {other:?}"),
    }
}

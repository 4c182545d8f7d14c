//! A bank re-authorization in Ponto: a new account for the same IBAN whose history is
//! listed again under new ids, while the old account is deprecated and still readable.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use ponto_sim::{BookingSchedule, ListingOrder, NewTransaction};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

/// What the bank sent, without the record's own id and dates.
fn bank_data(item: &Value) -> Value {
    let mut attributes = item["attributes"].clone();
    let map = attributes.as_object_mut().expect("attributes");
    map.remove("createdAt");
    map.remove("updatedAt");
    attributes
}

fn instant(text: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text.as_str().expect("a timestamp"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

#[test]
fn the_history_is_listed_again_under_new_ids_on_a_new_account() {
    let sim = start(40);
    let token = token(&sim);
    let old = sim.accounts()[1].clone();
    let ids = sim.booked_transaction_ids(&old.id);
    sim.modify_transaction(
        &old.id,
        &ids[5],
        "remittanceInformation",
        json!("corrected by the bank"),
    );
    sim.add_transaction(
        &old.id,
        NewTransaction {
            counterpart_name: Some("ACME BV".into()),
            counterpart_reference: Some("BE71096123456769".into()),
            remittance_information: Some("INV 2024-031".into()),
            end_to_end_id: Some("E2E-20240305-01".into()),
            description: Some("SEPA credit transfer".into()),
            ..NewTransaction::with_amount("-125.40")
        },
    );
    let list = |id: &str| format!("/accounts/{id}/transactions?page[limit]=9");
    let old_before = walk_items(&sim, &token, &list(&old.id));
    let old_balance = sim.current_balance(&old.id);
    let before = Utc::now();

    let new = sim.reauthorize_account(&old.id).expect("a known account");
    assert_ne!(new.id, old.id);
    assert_eq!(new.iban, old.iban);
    assert_eq!(new.currency, old.currency);
    assert_eq!(new.organization, old.organization);
    assert_eq!(new.financial_institution_id, old.financial_institution_id);
    assert_eq!(sim.current_balance(&new.id), old_balance);

    // both are listed; the old one is deprecated and lists what it listed
    let listed = walk_items(&sim, &token, "/accounts?page[limit]=2");
    let find = |id: &str| {
        listed
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("account {id} listed"))
            .clone()
    };
    assert_eq!(find(&old.id)["attributes"]["deprecated"], true);
    assert_eq!(find(&new.id)["attributes"]["deprecated"], false);
    assert_eq!(find(&new.id)["attributes"]["reference"], old.iban.as_str());
    let old_after = walk_items(&sim, &token, &list(&old.id));
    assert_eq!(old_after, old_before);

    // the same bank data, the same order, new ids created at the re-authorization
    let relisted = walk_items(&sim, &token, &list(&new.id));
    assert_eq!(relisted.len(), old_before.len());
    let old_ids: HashSet<String> = ids_of(&old_before).into_iter().collect();
    for (again, was) in relisted.iter().zip(&old_before) {
        assert!(!old_ids.contains(again["id"].as_str().unwrap()), "a new id");
        assert_eq!(bank_data(again), bank_data(was), "{}", was["id"]);
        assert!(
            instant(&again["attributes"]["createdAt"]) >= before - chrono::Duration::seconds(1)
        );
        assert_eq!(
            again["relationships"]["account"]["data"]["id"],
            new.id.as_str()
        );
    }
    let first_page = get(
        &sim,
        &token,
        &format!("/accounts/{}/transactions?page[limit]=1", new.id),
    )
    .text();
    assert!(
        first_page.contains(r#""amount":-125.40"#),
        "amounts keep their text: {first_page}"
    );
    let corrected = relisted
        .iter()
        .filter(|t| t["attributes"]["remittanceInformation"] == "corrected by the bank")
        .count();
    assert_eq!(corrected, 1, "the bank's change is part of the history");
    let single = get_json(
        &sim,
        &token,
        &format!(
            "/accounts/{}/transactions/{}",
            new.id,
            relisted[7]["id"].as_str().unwrap()
        ),
    );
    assert_eq!(single["data"], relisted[7]);
    // an old id is not one of the new account's
    let foreign = get(
        &sim,
        &token,
        &format!("/accounts/{}/transactions/{}", new.id, ids[0]),
    );
    assert_eq!(foreign.status, 404);

    // the same history in execution order too
    sim.set_listing_order(ListingOrder::Execution);
    let old_by_date = walk_items(&sim, &token, &list(&old.id));
    let new_by_date = walk_items(&sim, &token, &list(&new.id));
    let data = |items: &[Value]| items.iter().map(bank_data).collect::<Vec<_>>();
    assert_eq!(data(&new_by_date), data(&old_by_date));

    // pending transactions are read again too, under new ids
    let old_pending = sim.pending_transaction_ids(&old.id);
    let new_pending = sim.pending_transaction_ids(&new.id);
    assert_eq!(new_pending.len(), old_pending.len());
    assert!(new_pending.iter().all(|id| !old_pending.contains(id)));
}

#[test]
fn the_new_account_has_a_fresh_consent_and_synchronization() {
    let sim = start(5);
    let token = token(&sim);
    let old = sim.accounts()[0].clone();
    let before = Utc::now() - chrono::Duration::seconds(1);
    let new = sim.reauthorize_account(&old.id).expect("a known account");
    let detail = get_json(&sim, &token, &format!("/accounts/{}", new.id));
    let attributes = &detail["data"]["attributes"];
    assert!(instant(&attributes["authorizedAt"]) >= before);
    let expiry = instant(&attributes["authorizationExpirationExpectedAt"]);
    assert!(expiry > before + chrono::Duration::days(179), "{expiry}");
    let meta = &detail["data"]["meta"];
    assert_eq!(meta["availability"], "available");
    assert!(instant(&meta["synchronizedAt"]) >= before);
    assert_eq!(
        meta["latestSynchronization"]["attributes"]["status"],
        "success"
    );
    assert_eq!(
        meta["latestSynchronization"]["attributes"]["resourceId"],
        new.id.as_str()
    );
}

#[test]
fn new_bookings_go_to_the_new_account_only() {
    let sim = start(8);
    let token = token(&sim);
    let accounts = sim.accounts();
    let old = accounts[0].clone();
    let other = accounts[1].clone();
    let new = sim.reauthorize_account(&old.id).expect("a known account");
    let old_ids = sim.booked_transaction_ids(&old.id);
    let count = |id: &str| sim.booked_transaction_ids(id).len();

    let added = sim.add_transactions(&old.id, 2);
    let backdated = sim.add_backdated_transaction(&old.id, 4);
    let given = sim.add_transaction(&old.id, NewTransaction::with_amount("3.00"));
    let reply = admin_book(&sim, &format!(r#"{{"accountId":"{}"}}"#, old.id));
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["accountId"], new.id.as_str());
    let by_iban = admin_book(&sim, &format!(r#"{{"iban":"{}"}}"#, old.iban));
    assert_eq!(by_iban.json()["accountId"], new.id.as_str());
    sim.book_round(&BookingSchedule::every(Duration::from_secs(1)));

    assert_eq!(
        sim.booked_transaction_ids(&old.id),
        old_ids,
        "nothing new on the old one"
    );
    let on_new = walk(&sim, &token, &format!("/accounts/{}/transactions", new.id));
    for id in added.iter().chain([&backdated, &given]) {
        assert!(on_new.contains(id), "{id} on the new account");
    }
    assert_eq!(count(&new.id), 8 + 2 + 1 + 1 + 1 + 1 + 1);
    assert_eq!(
        count(&other.id),
        8 + 1,
        "the round booked on the others too"
    );

    // re-authorizing again replaces the account in use
    let newest = sim.reauthorize_account(&old.id).expect("a known account");
    assert_ne!(newest.id, new.id);
    let detail = get_json(&sim, &token, &format!("/accounts/{}", new.id));
    assert_eq!(detail["data"]["attributes"]["deprecated"], true);
    assert_eq!(count(&newest.id), count(&new.id));
    let next = sim.add_transactions(&new.id, 1);
    assert_eq!(sim.booked_transaction_ids(&newest.id)[0], next[0]);
}

#[test]
fn an_unknown_account_is_not_reauthorized() {
    let sim = start(1);
    let before = sim.accounts().len();
    assert!(sim.reauthorize_account("no-such-account").is_none());
    assert_eq!(sim.accounts().len(), before);
}

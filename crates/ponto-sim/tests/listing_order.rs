//! The booked transactions list in either order Ponto may use: newest created first (the
//! default) or newest execution date first.

mod common;

use chrono::{DateTime, Duration as Days, Utc};
use common::*;
use ponto_sim::{ListingOrder, NewTransaction};
use serde_json::{Value, json};
use std::collections::HashSet;

fn instant(item: &Value, attribute: &str) -> DateTime<Utc> {
    let text = item["attributes"][attribute].as_str().expect("a timestamp");
    DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

fn key(item: &Value) -> (DateTime<Utc>, DateTime<Utc>) {
    (instant(item, "executionDate"), instant(item, "createdAt"))
}

fn assert_each_once(ids: &[String], expected: &[String]) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a transaction listed twice");
    let mut sorted = ids.to_vec();
    let mut wanted = expected.to_vec();
    sorted.sort();
    wanted.sort();
    assert_eq!(sorted, wanted, "not the account's transactions");
}

#[test]
fn a_backdated_booking_is_first_by_creation_and_deep_by_execution_date() {
    let sim = start(60);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    assert_eq!(sim.listing_order(), ListingOrder::Created);
    let backdated = sim.add_backdated_transaction(&account.id, 30);
    let list = format!("/accounts/{}/transactions?page[limit]=7", account.id);

    let by_creation = walk_items(&sim, &token, &list);
    assert_eq!(by_creation.len(), 61);
    assert_eq!(by_creation[0]["id"], backdated.as_str());
    for pair in by_creation.windows(2) {
        assert!(instant(&pair[0], "createdAt") >= instant(&pair[1], "createdAt"));
    }
    assert_eq!(
        ids_of(&by_creation),
        sim.booked_transaction_ids(&account.id)
    );

    sim.set_listing_order(ListingOrder::Execution);
    assert_eq!(sim.listing_order(), ListingOrder::Execution);
    let by_execution = walk_items(&sim, &token, &list);
    let ids = ids_of(&by_execution);
    assert_each_once(&ids, &ids_of(&by_creation));
    assert_eq!(ids, sim.booked_transaction_ids(&account.id));
    for pair in by_execution.windows(2) {
        assert!(
            key(&pair[0]) >= key(&pair[1]),
            "{} listed before {}",
            pair[0]["id"],
            pair[1]["id"]
        );
    }
    let position = ids.iter().position(|id| *id == backdated).expect("listed");
    let executed = instant(&by_execution[position], "executionDate");
    let later = by_execution
        .iter()
        .filter(|t| instant(t, "executionDate") > executed)
        .count();
    assert_eq!(position, later, "after exactly the later executed ones");
    assert!(position > 20, "deep in the list, at {position}");
}

#[test]
fn execution_order_pages_consistently_forwards_and_backwards() {
    let sim = start(95);
    let token = token(&sim);
    let account = &sim.accounts()[2];
    for days in [3, 30, 1] {
        sim.add_backdated_transaction(&account.id, days);
    }
    sim.add_transactions(&account.id, 2);
    sim.set_listing_order(ListingOrder::Execution);
    let expected = sim.booked_transaction_ids(&account.id);
    assert_eq!(expected.len(), 100);
    let path = format!("/accounts/{}/transactions", account.id);
    for limit in [1, 7, 10, 100] {
        let forwards = walk(&sim, &token, &format!("{path}?page[limit]={limit}"));
        assert_eq!(forwards, expected, "limit {limit}");
        let plain = walk(&sim, &token, &format!("{path}?limit={limit}"));
        assert_eq!(plain, expected, "unbracketed limit {limit}");
    }

    // from the last page back to the first by the prev links
    let last_start = &expected[92];
    let last = format!("{path}?page[after]={last_start}&page[limit]=7");
    let page = get_json(&sim, &token, &last);
    assert_eq!(page["data"][0]["id"], expected[93].as_str());
    assert!(page["links"].get("next").is_none());
    let mut backwards = walk_back(&sim, &token, &last);
    backwards.reverse();
    assert_eq!(backwards, expected[..].to_vec());

    // every cursor names a place in this order
    let after = get_json(
        &sim,
        &token,
        &format!("{path}?page[after]={}&page[limit]=3", expected[40]),
    );
    assert_eq!(
        ids_of(after["data"].as_array().unwrap()),
        expected[41..44].to_vec()
    );
    assert_eq!(after["meta"]["paging"]["before"], expected[41].as_str());
    assert_eq!(after["meta"]["paging"]["after"], expected[43].as_str());
    let before = get_json(
        &sim,
        &token,
        &format!("{path}?page[before]={}&page[limit]=3", expected[40]),
    );
    assert_eq!(
        ids_of(before["data"].as_array().unwrap()),
        expected[37..40].to_vec()
    );
}

#[test]
fn execution_order_follows_the_banks_changes_and_new_bookings() {
    let sim = start(30);
    let token = token(&sim);
    let account = &sim.accounts()[1];
    sim.set_listing_order(ListingOrder::Execution);
    let first = sim.booked_transaction_ids(&account.id)[0].clone();
    let long_ago = Utc::now() - Days::days(400);
    sim.modify_transaction(
        &account.id,
        &first,
        "executionDate",
        json!(long_ago.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
    );
    let ids = sim.booked_transaction_ids(&account.id);
    assert_eq!(ids.last(), Some(&first), "re-sorted by the changed date");

    // a date written without milliseconds sorts as the instant it is
    let tomorrow = (Utc::now() + Days::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let future = sim.add_transaction(
        &account.id,
        NewTransaction {
            execution_date: Some(tomorrow.to_string()),
            ..NewTransaction::with_amount("12.00")
        },
    );
    let today = sim.add_transactions(&account.id, 1);
    let listed = walk(
        &sim,
        &token,
        &format!("/accounts/{}/transactions?page[limit]=4", account.id),
    );
    assert_eq!(listed[0], future);
    assert_eq!(listed[1], today[0]);
    assert_eq!(listed.last(), Some(&first));
    assert_eq!(listed, sim.booked_transaction_ids(&account.id));

    // and back: creation order again, with the newest booking first
    sim.set_listing_order(ListingOrder::Created);
    assert_eq!(sim.booked_transaction_ids(&account.id)[0], today[0]);
}

#[test]
fn a_hundred_thousand_transactions_page_by_execution_date() {
    let sim = start(100_000);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    sim.set_listing_order(ListingOrder::Execution);
    let ids = sim.booked_transaction_ids(&account.id);
    assert_eq!(ids.len(), 100_000);
    let path = format!("/accounts/{}/transactions", account.id);
    let first = get_json(&sim, &token, &format!("{path}?page[limit]=100"));
    assert_eq!(
        ids_of(first["data"].as_array().unwrap()),
        ids[..100].to_vec()
    );
    let tail = get_json(
        &sim,
        &token,
        &format!("{path}?page[limit]=100&page[after]={}", ids[99_949]),
    );
    let tail_items = tail["data"].as_array().unwrap();
    assert_eq!(ids_of(tail_items), ids[99_950..].to_vec());
    assert!(tail["links"].get("next").is_none());
    for pair in tail_items.windows(2) {
        assert!(key(&pair[0]) >= key(&pair[1]));
    }
}

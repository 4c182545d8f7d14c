//! The pure parts of a fetch: which accounts, what is new, how it is grouped, where the
//! first statement opens, what changed, and how the balance compares.

use super::balance::{Chain, compare};
use super::changes::{describe_changes, summary};
use super::plan::select;
use super::statements::{Sorted, first_opening, group_statements, sort_out};
use crate::config;
use chrono::{DateTime, NaiveDate, Utc};
use converter::AccountContext;
use ponto::{Account, Transaction};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;

fn account(balance: Option<&str>, reference_date: Option<&str>) -> Account {
    serde_json::from_value(serde_json::json!({
        "type": "account",
        "id": "0f4c1b9e-0000-4000-8000-000000000001",
        "attributes": {
            "reference": "BE68539007547034",
            "referenceType": "IBAN",
            "currency": "EUR",
            "currentBalance": balance.map(|b| b.parse::<f64>().unwrap_or(0.0)),
            "currentBalanceReferenceDate": reference_date,
        }
    }))
    .expect("account")
}

fn context() -> AccountContext {
    AccountContext::new(&account(Some("0"), None), None, Some("Europe/Brussels")).expect("context")
}

/// A booked transaction `n` with an amount, executed at `executed` (RFC 3339).
fn transaction(n: u32, amount: &str, executed: &str) -> Transaction {
    serde_json::from_value(serde_json::json!({
        "type": "transaction",
        "id": format!("6e1b2a4c-9f3d-4d2e-8a7b-{n:012}"),
        "attributes": {
            "amount": amount.parse::<f64>().unwrap_or(0.0),
            "currency": "EUR",
            "executionDate": executed,
            "valueDate": executed,
            "remittanceInformation": format!("invoice {n}"),
        }
    }))
    .expect("transaction")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::from_str(text).expect("day")
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("instant")
        .to_utc()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("decimal")
}

fn ids(groups: &[Vec<super::statements::Mapped>]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|m| m.mapped.ponto_id[24..].to_owned())
                .collect()
        })
        .collect()
}

/// Ponto's list, newest created first.
fn listed() -> Vec<Transaction> {
    vec![
        transaction(4, "-20.00", "2026-03-03T09:00:00Z"),
        // Back-dated: created last, executed before the others.
        transaction(3, "5.00", "2026-03-01T08:00:00Z"),
        transaction(2, "100.00", "2026-03-02T09:00:00Z"),
        transaction(1, "1.50", "2026-03-01T10:00:00Z"),
    ]
}

/// `read` sorted out against `known` ids, from 2026-03-01 on, on 2026-03-10.
fn sort(read: &[Transaction], known: &HashSet<String>) -> Sorted {
    sort_out(
        read,
        known,
        &context(),
        day("2026-03-01"),
        false,
        day("2026-03-10"),
    )
}

/// The last 12 digits of the new transactions' ids, in order.
fn new_ids(sorted: &Sorted) -> Vec<&str> {
    sorted
        .new
        .iter()
        .map(|m| &m.mapped.ponto_id[24..])
        .collect()
}

fn sorted(known: &[u32], hold_today: bool, today: &str) -> Sorted {
    let known: HashSet<String> = known
        .iter()
        .map(|n| format!("6e1b2a4c-9f3d-4d2e-8a7b-{n:012}"))
        .collect();
    sort_out(
        &listed(),
        &known,
        &context(),
        day("2026-03-01"),
        hold_today,
        day(today),
    )
}

#[test]
fn known_and_too_old_transactions_are_not_new() {
    let mut read = listed();
    read.push(transaction(9, "7.00", "2026-02-20T10:00:00Z"));
    let known: HashSet<String> = ["6e1b2a4c-9f3d-4d2e-8a7b-000000000002".to_owned()].into();
    let sorted = sort(&read, &known);
    assert_eq!(
        new_ids(&sorted),
        ["000000000004", "000000000003", "000000000001"]
    );
    assert!(sorted.held.is_empty() && sorted.bad.is_empty());
}

#[test]
fn a_transaction_listed_twice_is_new_once() {
    let mut read = listed();
    read.push(transaction(2, "100.00", "2026-03-02T09:00:00Z"));
    let sorted = sort(&read, &HashSet::new());
    assert_eq!(sorted.new.len(), 4);
}

#[test]
fn an_id_in_another_case_or_without_hyphens_is_the_same_transaction() {
    let mut read = listed();
    let mut upper = transaction(2, "100.00", "2026-03-02T09:00:00Z");
    upper.id = upper.id.map(|id| id.to_uppercase().replace('-', ""));
    read.push(upper);
    let known: HashSet<String> = ["6E1B2A4C9F3D4D2E8A7B000000000004".to_owned()].into();
    let sorted = sort(&read, &known);
    assert_eq!(
        new_ids(&sorted),
        ["000000000003", "000000000002", "000000000001"]
    );
}

#[test]
fn an_unconvertible_transaction_is_held_back_and_named() {
    let mut read = listed();
    read.push(transaction(7, "0.001", "2026-03-02T09:00:00Z"));
    let sorted = sort(&read, &HashSet::new());
    assert_eq!(sorted.new.len(), 4);
    assert_eq!(sorted.bad.len(), 1);
    assert!(sorted.bad[0].contains("000000000007"), "{:?}", sorted.bad);
}

#[test]
fn per_run_grouping_is_one_statement_in_booking_order() {
    let groups = group_statements(sorted(&[], false, "2026-03-10").new, false);
    assert_eq!(
        ids(&groups),
        [[
            "000000000003",
            "000000000001",
            "000000000002",
            "000000000004"
        ]]
    );
    assert!(group_statements(Vec::new(), false).is_empty());
}

#[test]
fn daily_grouping_is_one_statement_per_booking_day_and_today_waits() {
    let groups = group_statements(sorted(&[], false, "2026-03-10").new, true);
    assert_eq!(
        ids(&groups),
        vec![
            vec!["000000000003", "000000000001"],
            vec!["000000000002"],
            vec!["000000000004"]
        ]
    );
    let today = sorted(&[], true, "2026-03-03");
    assert_eq!(today.held.len(), 1);
    assert_eq!(group_statements(today.new, true).len(), 2);
}

#[test]
fn the_first_opening_is_pontos_balance_minus_everything_new_and_held() {
    let sorted = sorted(&[], true, "2026-03-03");
    // 100.00 + 1.50 + 5.00 - 20.00 = 86.50, held or not.
    let opening = first_opening(
        "BE68539007547034",
        &context(),
        &account(Some("1000.00"), None),
        &sorted,
    );
    assert_eq!(opening.expect("opening"), dec("913.50"));
    let missing = first_opening(
        "BE68539007547034",
        &context(),
        &account(None, None),
        &sorted,
    );
    assert!(missing.is_err());
}

#[test]
fn the_balance_check_counts_held_transactions_and_waits_for_a_recent_balance() {
    let read = listed();
    let held = sorted(&[], true, "2026-03-03").held;
    let chain = Chain {
        key: "BE68539007547034/EUR",
        iban: "BE68539007547034",
        read: &read,
        held: &held,
        closing: dec("1020.00"),
        now: at("2026-03-04T12:00:00Z"),
    };
    let recent = account(Some("1000.00"), Some("2026-03-04T00:00:00Z"));
    let check = compare(&chain, &recent).expect("compared");
    assert_eq!(check.chain_balance, dec("1000.00"));
    assert!(check.difference().is_zero());
    let behind = account(Some("1000.00"), Some("2026-03-02T00:00:00Z"));
    assert!(
        compare(&chain, &behind).is_none(),
        "an older balance is not compared"
    );
    let differs = account(Some("999.99"), Some("2026-03-04T00:00:00Z"));
    assert_eq!(
        compare(&chain, &differs).expect("compared").difference(),
        dec("-0.01")
    );
}

#[test]
fn changes_name_each_watched_attribute_that_changed() {
    let before = summary(&transaction(1, "1.50", "2026-03-01T10:00:00Z"));
    let mut changed = transaction(1, "2.50", "2026-03-01T10:00:00Z");
    changed.attributes.remittance_information = Some("invoice 1 (corrected)".into());
    let after = summary(&changed);
    assert_ne!(before, after);
    let described = describe_changes(&before, &after);
    assert!(
        described.contains("amount: 1.5 -> 2.5")
            || described.contains("amount: \"1.50\" -> \"2.50\""),
        "{described}"
    );
    assert!(described.contains("remittanceInformation"), "{described}");
    assert!(!described.contains("executionDate"), "{described}");
    assert_eq!(describe_changes(&before, &before), "");
}

fn config_with(accounts: &[(&str, &str)]) -> config::Config {
    let mut text = String::from("state_dir = \"s\"\ndrop_dir = \"d\"\n");
    let orgs: Vec<&str> = accounts.iter().map(|(org, _)| *org).collect();
    let mut seen = Vec::new();
    for org in orgs {
        if seen.contains(&org) {
            continue;
        }
        seen.push(org);
        text.push_str(&format!(
            "[[organizations]]\nname = \"{org}\"\n[organizations.ponto]\nclient_id = \"i\"\nclient_secret = \"s\"\n"
        ));
        for (_, iban) in accounts.iter().filter(|(o, _)| *o == org) {
            text.push_str(&format!(
                "[[organizations.accounts]]\niban = \"{iban}\"\nstart_date = \"2026-01-01\"\n"
            ));
        }
    }
    config::parse(&text, Path::new("/tmp"), &|_| None).expect("config")
}

#[test]
fn a_run_covers_every_account_or_the_chosen_ones_and_names_unknown_ones() {
    let config = config_with(&[
        ("a", "BE68539007547034"),
        ("a", "NL91ABNA0417164300"),
        ("b", "DE89370400440532013000"),
    ]);
    let all = select(&config, &[]);
    let count: Vec<usize> = all.organizations.iter().map(|(_, a)| a.len()).collect();
    assert_eq!(count, [2, 1]);
    assert!(all.unknown.is_empty());
    let only = select(
        &config,
        &[
            "DE89370400440532013000".to_owned(),
            "FR7630006000011234567890189".to_owned(),
        ],
    );
    assert_eq!(only.organizations.len(), 1);
    assert_eq!(only.organizations[0].0.name, "b");
    assert_eq!(only.unknown, ["FR7630006000011234567890189"]);
}

// ---- re-listings of a replaced account ------------------------------------------------

fn old_export(n: u32, transaction: &Transaction, with_key: bool) -> crate::ledger::OldExport {
    crate::ledger::OldExport {
        ponto_id: format!("old-{n}"),
        ponto_account_id: "old-account".into(),
        match_key: with_key.then(|| super::relisting::MatchKey::of(transaction).to_text()),
        summary: Some(summary(transaction)),
    }
}

#[test]
fn relistings_are_matched_once_each_and_near_misses_go_to_review() {
    use super::relisting::{Verdict, judge};
    let a = transaction(1, "12.50", "2026-03-01T10:00:00Z");
    let b = transaction(2, "40.00", "2026-03-02T10:00:00Z");
    // two identical coffees on one day: each old one matches one new one
    let c1 = transaction(3, "3.20", "2026-03-03T08:00:00Z");
    let mut c2 = transaction(4, "3.20", "2026-03-03T08:00:00Z");
    c2.attributes.remittance_information = c1.attributes.remittance_information.clone();
    let old = [
        old_export(1, &a, true),
        // written before schema version 5: rebuilt from its summary, no end-to-end id
        old_export(2, &b, false),
        old_export(3, &c1, true),
        old_export(4, &c2, true),
    ];
    let mut b_again = b.clone();
    b_again.attributes.end_to_end_id = Some("E2E-B".into());
    let mut a_reworded = a.clone();
    a_reworded.attributes.remittance_information = Some("INVOICE 1 (re-read)".into());
    let third_coffee = c1.clone();
    let later = transaction(9, "12.50", "2026-03-20T10:00:00Z");
    let verdicts = judge(
        &[&b_again, &c1, &c2, &third_coffee, &a_reworded, &later],
        &old,
        7,
    );
    assert_eq!(verdicts[0], Verdict::Relisted("old-2".into()));
    assert_eq!(verdicts[1], Verdict::Relisted("old-3".into()));
    assert_eq!(verdicts[2], Verdict::Relisted("old-4".into()));
    assert_eq!(verdicts[3], Verdict::New, "a third coffee is a new one");
    assert!(
        matches!(&verdicts[4], Verdict::Review(why) if why.contains("old-1")),
        "{:?}",
        verdicts[4]
    );
    assert_eq!(
        verdicts[5],
        Verdict::New,
        "beyond the look-back after the newest delivered one, nothing is a re-listing"
    );
}

#[test]
fn an_end_to_end_id_that_differs_is_not_the_same_transaction() {
    use super::relisting::{Verdict, judge};
    let mut a = transaction(1, "12.50", "2026-03-01T10:00:00Z");
    a.attributes.end_to_end_id = Some("E2E-1".into());
    let mut other = a.clone();
    other.attributes.end_to_end_id = Some("E2E-2".into());
    let verdicts = judge(&[&other], &[old_export(1, &a, true)], 7);
    assert!(matches!(verdicts[0], Verdict::Review(_)), "{verdicts:?}");
}

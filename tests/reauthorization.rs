//! A bank re-authorization in Ponto (issue #10 §3): a new account resource for the same
//! IBAN whose history is listed again under new transaction ids, the old one deprecated.
//! Nothing is delivered twice, nothing is lost, the statement chain goes on, and what
//! cannot be told apart waits for an operator.

use crate::sim_env::*;
use crate::util::*;
use ponto_sim::{ListingOrder, SimAccount};
use std::collections::HashSet;

const ORDERS: [ListingOrder; 2] = [ListingOrder::Created, ListingOrder::Execution];

fn fetch(env: &SimEnv, args: &[&str]) -> Run {
    let mut all = vec!["fetch"];
    all.extend_from_slice(args);
    live(env, &all)
}

fn fetch_ok(env: &SimEnv, args: &[&str]) -> Run {
    let run = fetch(env, args);
    assert_eq!(run.code, 0, "fetch failed: {run:#?}");
    run
}

fn hyphenless(ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| id.replace('-', "")).collect()
}

fn status_json(env: &SimEnv) -> serde_json::Value {
    let run = live(env, &["status", "--json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    serde_json::from_str(&run.stdout).expect("JSON")
}

/// One account with history, fetched once and taken by the ERP.
fn delivered_once(order: ListingOrder) -> (SimEnv, SimAccount, Vec<String>) {
    let env = SimEnv::start(120);
    env.sim.set_listing_order(order);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(60), "");
    fetch_ok(&env, &[]);
    env.erp_takes_files();
    let delivered: Vec<String> = env.delivered_counts().into_keys().collect();
    assert!(delivered.len() > 20, "some history: {}", delivered.len());
    (env, account, delivered)
}

/// [`delivered_once`], then the bank re-authorized in Ponto: (env, the replaced account,
/// the account replacing it, the ids delivered before).
fn reauthorized(order: ListingOrder) -> (SimEnv, SimAccount, SimAccount, Vec<String>) {
    let (env, account, before) = delivered_once(order);
    let replacement = env
        .sim
        .reauthorize_account(&account.id)
        .expect("re-authorized");
    (env, account, replacement, before)
}

#[test]
fn a_reauthorized_account_delivers_nothing_twice_and_loses_nothing_in_either_order() {
    for order in ORDERS {
        let (env, account, replacement, before) = reauthorized(order);
        assert_ne!(replacement.id, account.id);
        let relisted = env.sim.booked_transaction_ids(&replacement.id);
        let fresh = env.sim.add_transactions(&account.id, 3);
        let run = fetch_ok(&env, &[]);
        assert!(
            run.stderr.contains(&account.id) && run.stderr.contains(&replacement.id),
            "{order:?}: the log names both Ponto accounts: {run:#?}"
        );
        assert!(
            !run.stderr.contains("several currencies"),
            "{order:?}: {run:#?}"
        );
        let counts = env.delivered_counts();
        let expected: Vec<String> = before.iter().cloned().chain(hyphenless(&fresh)).collect();
        assert_exactly_once(&counts, &expected);
        let relisted: HashSet<String> = hyphenless(&relisted).into_iter().collect();
        let fresh: HashSet<String> = hyphenless(&fresh).into_iter().collect();
        assert!(
            counts
                .keys()
                .all(|id| !relisted.contains(id) || fresh.contains(id)),
            "{order:?}: no re-listed id was delivered"
        );
        // the chain goes on: one more statement, opening at the last closing
        let files = env.published_files();
        assert_eq!(files.len(), 2, "{order:?}: {files:?}");
        let name = files[1].file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(name.contains("_000002_"), "{order:?}: {name}");
        assert_xsd_valid(&files);
        // and a later run reads only the new account's newest pages
        let later = env.sim.add_transactions(&replacement.id, 1);
        fetch_ok(&env, &[]);
        let expected: Vec<String> = expected.into_iter().chain(hyphenless(&later)).collect();
        assert_exactly_once(&env.delivered_counts(), &expected);
        let status = status_json(&env);
        assert_eq!(
            status[0]["bank_link"]["ponto_account_id"], replacement.id,
            "{order:?}"
        );
        assert_eq!(
            status[0]["review_holds"],
            serde_json::json!([]),
            "{order:?}"
        );
    }
}

#[test]
fn a_possible_relisting_is_held_until_the_operator_decides() {
    for order in ORDERS {
        let (env, _, replacement, before) = reauthorized(order);
        // Ponto re-read two of them with other texts: same bank transactions, or not?
        let relisted = env.sim.booked_transaction_ids(&replacement.id);
        let (accept, dismiss) = (relisted[5].clone(), relisted[9].clone());
        for id in [&accept, &dismiss] {
            env.sim.modify_transaction(
                &replacement.id,
                id,
                "remittanceInformation",
                serde_json::json!("re-read by the bank with another text"),
            );
        }
        let run = fetch(&env, &[]);
        assert_eq!(
            run.code, 65,
            "{order:?}: held for review is a data problem: {run:#?}"
        );
        assert!(run.stderr.contains("held for review"), "{run:#?}");
        assert_exactly_once(&env.delivered_counts(), &before);
        let status = status_json(&env);
        let held: HashSet<String> = status[0]["review_holds"]
            .as_array()
            .expect("holds")
            .iter()
            .map(|h| h["transaction"].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(
            held,
            HashSet::from([accept.clone(), dismiss.clone()]),
            "{order:?}"
        );
        let check = live(&env, &["status", "--check"]);
        assert_eq!(check.code, 1, "{check:#?}");
        assert!(check.stdout.contains("needs_review"), "{check:#?}");
        // a run without a decision holds them still, and says nothing new
        fetch_ok(&env, &[]);
        assert_exactly_once(&env.delivered_counts(), &before);
        // an id that is not held is refused, and nothing is decided
        let wrong = fetch(&env, &["--accept", &relisted[0]]);
        assert_eq!(wrong.code, 2, "{wrong:#?}");
        fetch_ok(&env, &["--accept", &accept, "--dismiss", &dismiss]);
        let counts = env.delivered_counts();
        let mut expected = before.clone();
        expected.push(accept.replace('-', ""));
        assert_exactly_once(&counts, &expected);
        assert_eq!(counts.get(&dismiss.replace('-', "")), None, "{order:?}");
        let check = live(&env, &["status", "--check"]);
        assert!(!check.stdout.contains("needs_review"), "{check:#?}");
        fetch_ok(&env, &[]);
        assert_exactly_once(&env.delivered_counts(), &expected);
        assert_xsd_valid(&env.published_files());
    }
}

#[test]
fn two_live_accounts_for_one_iban_are_refused_naming_both() {
    let (env, account, replacement, before) = reauthorized(ListingOrder::Created);
    env.sim.set_deprecated(&account.id, false);
    let run = fetch(&env, &[]);
    assert_eq!(run.code, 78, "{run:#?}");
    assert!(
        run.stderr.contains(&account.id) && run.stderr.contains(&replacement.id),
        "{run:#?}"
    );
    assert!(!run.stderr.contains("several currencies"), "{run:#?}");
    assert_exactly_once(&env.delivered_counts(), &before);
}

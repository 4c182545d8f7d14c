//! Bookings while the simulator runs: on a schedule from a background thread, and
//! through the simulator's own `POST /admin/book`.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use ponto_sim::{BookingSchedule, SimConfig, Simulator};
use serde_json::Value;
use std::time::Duration;

fn counts(sim: &Simulator) -> Vec<usize> {
    sim.accounts()
        .iter()
        .map(|a| sim.booked_transaction_ids(&a.id).len())
        .collect()
}

/// The generated content of `account`'s `n` newest bookings, without the record dates.
fn newest_content(sim: &Simulator, n: usize) -> Vec<Value> {
    let token = token(sim);
    let mut all = Vec::new();
    for account in &sim.organizations()[0].accounts {
        let page = get_json(
            sim,
            &token,
            &format!("/accounts/{}/transactions?page[limit]={n}", account.id),
        );
        for item in page["data"].as_array().unwrap() {
            let a = &item["attributes"];
            all.push(serde_json::json!([
                item["id"],
                a["amount"],
                a["counterpartName"],
                a["remittanceInformation"],
                a["endToEndId"],
                a["valueDate"],
                a["executionDate"],
            ]));
        }
    }
    all
}

#[test]
fn a_booker_books_on_every_account_each_tick_until_stopped() {
    let sim = start(3);
    let accounts = sim.accounts().len();
    let booker = sim.start_booking_every(Duration::from_millis(10));
    wait_until(|| booker.ticks() >= 3);
    let ticks = booker.stop();
    assert!(ticks >= 3);
    let after_stop = counts(&sim);
    assert_eq!(after_stop, vec![3 + ticks; accounts]);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(counts(&sim), after_stop, "nothing booked after stop");

    // the bookings are executed today and listed first
    let token = token(&sim);
    let account = &sim.accounts()[3];
    let page = get_json(
        &sim,
        &token,
        &format!("/accounts/{}/transactions", account.id),
    );
    let executed: DateTime<Utc> = page["data"][0]["attributes"]["executionDate"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        executed.date_naive(),
        Utc::now().date_naive(),
        "Wise dates are UTC midnight"
    );
}

#[test]
fn dropping_the_booker_stops_it() {
    let sim = start(1);
    let booker = sim.start_booking_every(Duration::from_millis(5));
    wait_until(|| booker.ticks() >= 1);
    drop(booker);
    let stopped = counts(&sim);
    std::thread::sleep(Duration::from_millis(40));
    assert_eq!(counts(&sim), stopped);
}

#[test]
fn a_schedule_books_on_the_chosen_accounts_and_follows_reauthorization() {
    let sim = start(2);
    let accounts = sim.accounts();
    let chosen = accounts[1].clone();
    let schedule = BookingSchedule {
        per_tick: 3,
        accounts: vec![chosen.id.clone(), chosen.id.clone()],
        ..BookingSchedule::every(Duration::from_millis(5))
    };
    let ids = sim.book_round(&schedule);
    assert_eq!(ids.len(), 3, "each account once, however often it is named");
    let mut expected = vec![2; accounts.len()];
    expected[1] = 5;
    assert_eq!(counts(&sim), expected);

    let new = sim.reauthorize_account(&chosen.id).unwrap();
    let booker = sim.start_booking(schedule);
    wait_until(|| booker.ticks() >= 2);
    let ticks = booker.stop();
    assert_eq!(
        sim.booked_transaction_ids(&chosen.id).len(),
        5,
        "the old one rests"
    );
    assert_eq!(sim.booked_transaction_ids(&new.id).len(), 5 + 3 * ticks);
    assert_eq!(sim.booked_transaction_ids(&accounts[0].id).len(), 2);
}

#[test]
fn scheduled_bookings_follow_the_seed() {
    let config = SimConfig {
        seed: 11,
        transactions_per_account: 4,
        ..SimConfig::default()
    };
    let a = Simulator::start(config.clone()).unwrap();
    let b = Simulator::start(config).unwrap();
    let c = Simulator::start(SimConfig {
        seed: 12,
        transactions_per_account: 4,
        ..SimConfig::default()
    })
    .unwrap();
    let schedule = BookingSchedule {
        per_tick: 2,
        backdated_percent: 50,
        ..BookingSchedule::every(Duration::from_millis(20))
    };
    // one by the background thread, the others tick by tick: the same bookings
    let booker = a.start_booking(schedule.clone());
    wait_until(|| booker.ticks() >= 3);
    let ticks = booker.stop();
    for _ in 0..ticks {
        b.book_round(&schedule);
        c.book_round(&schedule);
    }
    let newest = 2 * ticks;
    assert_eq!(newest_content(&a, newest), newest_content(&b, newest));
    assert_ne!(newest_content(&a, newest), newest_content(&c, newest));

    // about half of them back-dated, 1 to 7 days
    let token = token(&b);
    let today = Utc::now().date_naive();
    let mut backdated = 0;
    for account in &b.organizations()[0].accounts {
        let page = get_json(
            &b,
            &token,
            &format!("/accounts/{}/transactions?page[limit]=100", account.id),
        );
        for item in page["data"].as_array().unwrap().iter().take(newest) {
            let created: DateTime<Utc> = item["attributes"]["createdAt"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            let executed: DateTime<Utc> = item["attributes"]["executionDate"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(created.date_naive(), today);
            let days = (today - executed.date_naive()).num_days();
            assert!((-1..=8).contains(&days), "{days}");
            if days >= 2 {
                backdated += 1;
            }
        }
    }
    assert!(backdated > 0, "some back-dated bookings");
}

#[test]
fn admin_book_books_generated_transactions() {
    let sim = start(5);
    let token = token(&sim);
    let account = sim.accounts()[2].clone();
    let spaced: String = account
        .iban
        .to_lowercase()
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let reply = admin_book(&sim, &format!(r#"{{"iban":"{spaced}","count":3}}"#));
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert!(reply.header("ibanity-request-id").is_some());
    let answer = reply.json();
    assert_eq!(answer["accountId"], account.id.as_str());
    let ids: Vec<String> = answer["transactionIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    let listed = sim.booked_transaction_ids(&account.id);
    assert_eq!(
        listed[..3],
        [ids[2].clone(), ids[1].clone(), ids[0].clone()]
    );

    let reply = admin_book(
        &sim,
        &format!(r#"{{"accountId":"{}","daysAgo":9}}"#, account.id),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()["transactionIds"][0]
        .as_str()
        .unwrap()
        .to_string();
    let tx = get_json(
        &sim,
        &token,
        &format!("/accounts/{}/transactions/{id}", account.id),
    );
    let executed: DateTime<Utc> = tx["data"]["attributes"]["executionDate"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let days = (Utc::now().date_naive() - executed.date_naive()).num_days();
    assert!(
        (9..=10).contains(&days),
        "executed {days} days ago (ING books late evenings too)"
    );
    assert_eq!(
        sim.booked_transaction_ids(&account.id)[0],
        id,
        "created now, listed first"
    );
}

#[test]
fn admin_book_books_a_transaction_with_given_attributes() {
    let sim = start(5);
    let token = token(&sim);
    let account = sim.accounts()[0].clone();
    sim.set_current_balance(&account.id, "1000.00");
    let body = format!(
        r#"{{"accountId":"{}","transaction":{{"amount":"-125.40","counterpartName":"ACME BV",
        "counterpartReference":"BE71096123456769","remittanceInformation":"INV 2024-031",
        "endToEndId":"E2E-1","executionDate":"2024-03-04T23:00:00.000Z","fee":"0.50"}}}}"#,
        account.id
    );
    let reply = admin_book(&sim, &body);
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()["transactionIds"][0]
        .as_str()
        .unwrap()
        .to_string();
    let raw = get(
        &sim,
        &token,
        &format!("/accounts/{}/transactions/{id}", account.id),
    );
    assert!(raw.text().contains(r#""amount":-125.40"#), "{}", raw.text());
    let attributes = raw.json()["data"]["attributes"].clone();
    assert_eq!(attributes["counterpartName"], "ACME BV");
    assert_eq!(attributes["remittanceInformation"], "INV 2024-031");
    assert_eq!(attributes["remittanceInformationType"], "unstructured");
    assert_eq!(attributes["executionDate"], "2024-03-04T23:00:00.000Z");
    assert_eq!(attributes["valueDate"], "2024-03-04T23:00:00.000Z");
    assert_eq!(sim.current_balance(&account.id).as_deref(), Some("874.60"));
}

#[test]
fn admin_book_refuses_what_it_cannot_book() {
    let sim = start(2);
    let account = sim.accounts()[0].clone();
    let cases = [
        (String::new(), 400, "accountId"),
        ("[1]".to_string(), 400, "body"),
        ("{nope".to_string(), 400, "body"),
        (r#"{"accountId":"unknown"}"#.to_string(), 404, ""),
        (r#"{"iban":"DE00 0000"}"#.to_string(), 404, ""),
        (
            format!(r#"{{"accountId":"{}","count":0}}"#, account.id),
            400,
            "count",
        ),
        (
            format!(r#"{{"accountId":"{}","count":1001}}"#, account.id),
            400,
            "count",
        ),
        (
            format!(r#"{{"accountId":"{}","daysAgo":-1}}"#, account.id),
            400,
            "daysAgo",
        ),
        (
            format!(
                r#"{{"accountId":"{}","transaction":{{"amount":"1e5"}}}}"#,
                account.id
            ),
            400,
            "amount",
        ),
        (
            format!(
                r#"{{"accountId":"{}","transaction":{{"counterpartName":"x"}}}}"#,
                account.id
            ),
            400,
            "amount",
        ),
        (
            format!(
                r#"{{"accountId":"{}","transaction":{{"amount":"1","counterpart":"x"}}}}"#,
                account.id
            ),
            400,
            "counterpart",
        ),
    ];
    for (body, status, attribute) in cases {
        let reply = admin_book(&sim, &body);
        assert_eq!(reply.status, status, "{body}: {}", reply.text());
        let error = &reply.json()["errors"][0];
        if status == 400 {
            assert_eq!(error["code"], "invalidParameter", "{body}");
            assert_eq!(error["meta"]["attribute"], attribute, "{body}");
        } else {
            assert_eq!(error["code"], "resourceNotFound", "{body}");
        }
    }
    assert_eq!(
        sim.booked_transaction_ids(&account.id).len(),
        2,
        "nothing booked"
    );
    let wrong_method = raw(&sim.base_url(), "GET", "/admin/book", &[], "").unwrap();
    assert_eq!(wrong_method.status, 405);
    let unknown = raw(&sim.base_url(), "POST", "/admin/nothing", &[], "{}").unwrap();
    assert_eq!(unknown.status, 404);
}

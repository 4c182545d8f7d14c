mod common;

use std::time::Duration;

use common::*;

fn body(account: &str, subtype: &str, ip: Option<&str>) -> String {
    let ip = ip.map_or(String::new(), |ip| {
        format!(r#","customerIpAddress":"{ip}""#)
    });
    format!(
        r#"{{"data":{{"type":"synchronization","attributes":{{"resourceType":"account","resourceId":"{account}","subtype":"{subtype}"{ip}}}}}}}"#
    )
}

#[test]
fn synchronization_goes_pending_running_success() {
    let sim = start(3);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let created = post_json(
        &sim,
        &token,
        "/synchronizations",
        &body(&account.id, "accountTransactions", Some("203.0.113.7")),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    assert_eq!(created["data"]["attributes"]["status"], "pending");
    assert_eq!(
        created["data"]["attributes"]["resourceId"],
        account.id.as_str()
    );
    let id = created["data"]["id"].as_str().unwrap();
    let statuses: Vec<String> = (0..3)
        .map(|_| get_json(&sim, &token, &format!("/synchronizations/{id}"))["data"]["attributes"]["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["running", "success", "success"]);
    let detail = get_json(&sim, &token, &format!("/accounts/{}", account.id));
    assert_eq!(detail["data"]["meta"]["latestSynchronization"]["id"], id);
    let updated = get_json(
        &sim,
        &token,
        &format!("/synchronizations/{id}/updated-transactions"),
    );
    assert!(updated["data"].as_array().unwrap().is_empty());
}

#[test]
fn customer_ip_is_required() {
    let sim = start(3);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let reply = post_json(
        &sim,
        &token,
        "/synchronizations",
        &body(&account.id, "accountDetails", None),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json()["errors"][0]["meta"]["attribute"],
        "customerIpAddress"
    );
}

#[test]
fn a_second_synchronization_too_soon_is_refused() {
    let sim = start(3);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let sync = body(&account.id, "accountDetails", Some("198.51.100.1"));
    assert_eq!(
        post_json(&sim, &token, "/synchronizations", &sync).status,
        201
    );
    let again = post_json(&sim, &token, "/synchronizations", &sync);
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json()["errors"][0]["code"],
        "accountRecentlySynchronized"
    );
    sim.set_sync_cooldown(Duration::ZERO);
    assert_eq!(
        post_json(&sim, &token, "/synchronizations", &sync).status,
        201
    );
}

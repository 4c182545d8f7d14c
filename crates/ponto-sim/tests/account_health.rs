//! Consent and synchronization health, where Ponto puts them: consent expiry and
//! `deprecated` in the account's attributes, availability and synchronizations in its
//! meta (and the synchronizations in the transaction lists' meta too).

mod common;

use chrono::{Duration as Days, TimeZone, Utc};
use common::*;
use serde_json::Value;

fn account_json(sim: &ponto_sim::Simulator, token: &str, id: &str) -> Value {
    get_json(sim, token, &format!("/accounts/{id}"))["data"].clone()
}

#[test]
fn consent_expiry_deprecation_and_availability_are_rendered() {
    let sim = start(3);
    let token = token(&sim);
    let accounts = sim.accounts();
    let (account, untouched) = (&accounts[0], &accounts[1]);
    let before = account_json(&sim, &token, &untouched.id);

    let expiry = Utc.with_ymd_and_hms(2031, 2, 3, 4, 5, 6).unwrap();
    sim.set_authorization_expiry(&account.id, Some(expiry));
    sim.set_deprecated(&account.id, true);
    sim.set_availability(&account.id, "unavailable");
    let detail = account_json(&sim, &token, &account.id);
    assert_eq!(
        detail["attributes"]["authorizationExpirationExpectedAt"],
        "2031-02-03T04:05:06.000Z"
    );
    assert_eq!(detail["attributes"]["deprecated"], true);
    assert_eq!(detail["meta"]["availability"], "unavailable");
    let listed = walk_items(&sim, &token, "/accounts");
    let in_list = listed
        .iter()
        .find(|a| a["id"] == account.id.as_str())
        .unwrap();
    assert_eq!(in_list, &detail, "the list shows the same resource");

    sim.set_authorization_expiry(&account.id, None);
    sim.set_deprecated(&account.id, false);
    sim.set_availability(&account.id, "available");
    let detail = account_json(&sim, &token, &account.id);
    assert!(detail["attributes"]["authorizationExpirationExpectedAt"].is_null());
    assert_eq!(detail["attributes"]["deprecated"], false);
    assert_eq!(detail["meta"]["availability"], "available");

    assert_eq!(
        account_json(&sim, &token, &untouched.id),
        before,
        "one account only"
    );
}

#[test]
fn synchronization_health_is_rendered_on_the_account_and_its_lists() {
    let sim = start(12);
    let token = token(&sim);
    let account = &sim.accounts()[2];
    let stale = Utc.with_ymd_and_hms(2025, 6, 1, 8, 0, 0).unwrap() + Days::milliseconds(250);
    sim.set_synchronized_at(&account.id, stale);
    let meta = account_json(&sim, &token, &account.id)["meta"].clone();
    assert_eq!(meta["synchronizedAt"], "2025-06-01T08:00:00.250Z");
    let latest = &meta["latestSynchronization"];
    assert_eq!(latest["type"], "synchronization");
    assert_eq!(latest["attributes"]["status"], "success");
    assert_eq!(latest["attributes"]["errors"], Value::Array(Vec::new()));
    assert_eq!(
        latest["attributes"]["updatedAt"],
        "2025-06-01T08:00:00.250Z"
    );
    assert_eq!(latest["attributes"]["resourceId"], account.id.as_str());
    assert_eq!(latest["attributes"]["subtype"], "accountTransactions");

    sim.set_latest_synchronization_error(
        &account.id,
        "authorizationInvalid",
        "The authorization is invalid, you should ask the customer to reauthorize the account",
    );
    let meta = account_json(&sim, &token, &account.id)["meta"].clone();
    assert_eq!(
        meta["synchronizedAt"], "2025-06-01T08:00:00.250Z",
        "only a successful synchronization moves synchronizedAt"
    );
    let failed = &meta["latestSynchronization"];
    assert_ne!(failed["id"], latest["id"]);
    assert_eq!(failed["attributes"]["status"], "error");
    let errors = failed["attributes"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], "authorizationInvalid");
    assert!(
        errors[0]["detail"]
            .as_str()
            .unwrap()
            .contains("reauthorize")
    );
    assert_eq!(
        errors[0]["meta"]["financialInstitutionResponse"]["statusCode"],
        401
    );

    // the transaction lists carry the same, and the synchronization can be read
    for list in ["transactions", "pending-transactions"] {
        let page = get_json(&sim, &token, &format!("/accounts/{}/{list}", account.id));
        assert_eq!(
            page["meta"]["synchronizedAt"], meta["synchronizedAt"],
            "{list}"
        );
        assert_eq!(page["meta"]["latestSynchronization"], *failed, "{list}");
    }
    let id = failed["id"].as_str().unwrap();
    let sync = get_json(&sim, &token, &format!("/synchronizations/{id}"));
    assert_eq!(sync["data"], *failed);

    // a later success is the latest again
    let now = Utc::now();
    sim.set_synchronized_at(&account.id, now);
    let meta = account_json(&sim, &token, &account.id)["meta"].clone();
    assert_eq!(
        meta["latestSynchronization"]["attributes"]["status"],
        "success"
    );
    assert_eq!(
        meta["synchronizedAt"],
        now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    );
}

#[test]
fn health_setters_ignore_unknown_accounts() {
    let sim = start(1);
    let token = token(&sim);
    let before = get(&sim, &token, "/accounts").text();
    sim.set_authorization_expiry("nope", None);
    sim.set_deprecated("nope", true);
    sim.set_availability("nope", "unavailable");
    sim.set_synchronized_at("nope", Utc::now());
    sim.set_latest_synchronization_error("nope", "authorizationExpired", "expired");
    assert_eq!(get(&sim, &token, "/accounts").text(), before);
}

mod common;

use std::time::Duration;

use common::*;
use ponto_sim::{SimConfig, Simulator};

#[test]
fn token_response_has_the_oauth_shape() {
    let sim = start(1);
    let (id, secret) = sim.credentials();
    let reply = token_reply(&sim.base_url(), &id, &secret);
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(body["expires_in"], 1799);
    assert_eq!(body["scope"], "ai");
    assert_eq!(body["token_type"], "bearer");
    assert!(reply.header("ibanity-request-id").is_some());
}

#[test]
fn grant_type_in_the_query_with_an_empty_body_works() {
    let sim = start(1);
    let (id, secret) = sim.credentials();
    let basic = format!("Basic {}", base64(&format!("{id}:{secret}")));
    let reply = raw(
        &sim.base_url(),
        "POST",
        "/oauth2/token?grant_type=client_credentials",
        &[("Authorization", &basic)],
        "",
    )
    .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn bad_credentials_get_the_flat_oauth_error() {
    let sim = start(1);
    let (id, _) = sim.credentials();
    let reply = token_reply(&sim.base_url(), &id, "wrong");
    assert_eq!(reply.status, 401);
    let body = reply.json();
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"].is_string());
    assert!(body.get("errors").is_none());
}

#[test]
fn missing_and_unknown_tokens_get_json_api_401() {
    let sim = start(1);
    let reply = raw(&sim.base_url(), "GET", "/accounts", &[], "").unwrap();
    assert_eq!(reply.status, 401);
    let error = &reply.json()["errors"][0];
    assert_eq!(error["code"], "unauthorized");
    assert_eq!(
        error["meta"]["requestId"],
        reply.header("ibanity-request-id").unwrap()
    );
    let reply = get(&sim, "made-up", "/accounts");
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["errors"][0]["code"], "credentialsInvalid");
}

#[test]
fn expire_tokens_invalidates_issued_tokens() {
    let sim = start(1);
    let token = token(&sim);
    assert_eq!(get(&sim, &token, "/accounts").status, 200);
    sim.expire_tokens();
    assert_eq!(get(&sim, &token, "/accounts").status, 401);
    let fresh = common::token(&sim);
    assert_eq!(get(&sim, &fresh, "/accounts").status, 200);
}

#[test]
fn tokens_expire_after_their_lifetime() {
    let sim = Simulator::start(SimConfig {
        token_lifetime: Duration::ZERO,
        ..SimConfig::default()
    })
    .unwrap();
    let token = token(&sim);
    let reply = get(&sim, &token, "/accounts");
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["errors"][0]["code"], "credentialsInvalid");
}

#[test]
fn a_token_sees_only_its_own_organization() {
    let sim = start(2);
    let orgs = sim.organizations();
    assert_eq!(orgs.len(), 2);
    let second = token_reply(&sim.base_url(), &orgs[1].client_id, &orgs[1].client_secret).json();
    let second = second["access_token"].as_str().unwrap().to_string();
    let listed = walk(&sim, &second, "/accounts");
    let own: Vec<String> = orgs[1].accounts.iter().map(|a| a.id.clone()).collect();
    assert_eq!(listed, own);
    let foreign = &orgs[0].accounts[0].id;
    let reply = get(&sim, &second, &format!("/accounts/{foreign}/transactions"));
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["errors"][0]["code"], "resourceNotFound");
}

#[test]
fn unknown_resources_are_404_and_request_ids_are_unique() {
    let sim = start(1);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let a = get(
        &sim,
        &token,
        "/accounts/00000000-0000-4000-8000-000000000000",
    );
    let b = get(
        &sim,
        &token,
        &format!(
            "/accounts/{}/transactions/00000000-0000-4000-8000-000000000000",
            account.id
        ),
    );
    let c = get(&sim, &token, "/financial-institutions/nope");
    for reply in [&a, &b, &c] {
        assert_eq!(reply.status, 404);
        assert_eq!(reply.json()["errors"][0]["code"], "resourceNotFound");
    }
    let ids: std::collections::HashSet<&str> = [&a, &b, &c]
        .iter()
        .map(|r| r.header("ibanity-request-id").unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
}

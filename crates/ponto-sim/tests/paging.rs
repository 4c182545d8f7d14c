mod common;

use common::*;

#[test]
fn walking_next_links_returns_every_transaction_newest_first() {
    let sim = start(250);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let expected = sim.booked_transaction_ids(&account.id);
    assert_eq!(expected.len(), 250);
    let by_100 = walk(
        &sim,
        &token,
        &format!("/accounts/{}/transactions?page[limit]=100", account.id),
    );
    assert_eq!(by_100, expected);
    let by_default = walk(
        &sim,
        &token,
        &format!("/accounts/{}/transactions", account.id),
    );
    assert_eq!(by_default, expected);
}

#[test]
fn pages_carry_paging_meta_and_links() {
    let sim = start(25);
    let token = token(&sim);
    let account = &sim.accounts()[1];
    let ids = sim.booked_transaction_ids(&account.id);
    let first = get_json(
        &sim,
        &token,
        &format!("/accounts/{}/transactions", account.id),
    );
    assert_eq!(first["data"].as_array().unwrap().len(), 10);
    assert_eq!(first["meta"]["paging"]["limit"], 10);
    assert!(first["meta"]["paging"]["before"].is_null());
    assert_eq!(first["meta"]["paging"]["after"], ids[9].as_str());
    assert!(first["links"].get("prev").is_none());
    let base = sim.base_url();
    assert_eq!(
        first["links"]["first"],
        format!("{base}/accounts/{}/transactions?page[limit]=10", account.id)
    );
    assert_eq!(
        first["links"]["next"],
        format!(
            "{base}/accounts/{}/transactions?page[after]={}&page[limit]=10",
            account.id, ids[9]
        )
    );
    assert!(first["meta"]["synchronizedAt"].is_string());
    assert_eq!(
        first["meta"]["latestSynchronization"]["type"],
        "synchronization"
    );

    let last = get_json(
        &sim,
        &token,
        &format!(
            "/accounts/{}/transactions?page[after]={}&page[limit]=10",
            account.id, ids[19]
        ),
    );
    let last_ids: Vec<&str> = last["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        last_ids,
        ids[20..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(last["links"].get("next").is_none());
    assert!(last["meta"]["paging"]["after"].is_null());
    assert_eq!(last["meta"]["paging"]["before"], ids[20].as_str());

    // the prev link leads back to the page before
    let prev = target_of(&sim, last["links"]["prev"].as_str().unwrap());
    let previous = get_json(&sim, &token, &prev);
    let previous_ids: Vec<&str> = previous["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        previous_ids,
        ids[10..20].iter().map(String::as_str).collect::<Vec<_>>()
    );
}

#[test]
fn unbracketed_and_encoded_parameters_work_like_bracketed_ones() {
    let sim = start(30);
    let token = token(&sim);
    let account = &sim.accounts()[2];
    let ids = sim.booked_transaction_ids(&account.id);
    let path = format!("/accounts/{}/transactions", account.id);
    let bracketed = get_json(
        &sim,
        &token,
        &format!("{path}?page[limit]=5&page[after]={}", ids[4]),
    );
    let plain = get_json(&sim, &token, &format!("{path}?limit=5&after={}", ids[4]));
    let encoded = get_json(
        &sim,
        &token,
        &format!("{path}?page%5Blimit%5D=5&page%5Bafter%5D={}", ids[4]),
    );
    assert_eq!(bracketed, plain);
    assert_eq!(bracketed, encoded);
    assert_eq!(bracketed["data"][0]["id"], ids[5].as_str());
    let before = get_json(&sim, &token, &format!("{path}?limit=3&before={}", ids[10]));
    let before_ids: Vec<&str> = before["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        before_ids,
        vec![ids[7].as_str(), ids[8].as_str(), ids[9].as_str()]
    );
}

#[test]
fn bad_limits_and_cursors_are_rejected() {
    let sim = start(5);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    for limit in ["0", "101", "abc"] {
        let reply = get(
            &sim,
            &token,
            &format!("/accounts/{}/transactions?page[limit]={limit}", account.id),
        );
        assert_eq!(reply.status, 400, "limit {limit}");
        assert_eq!(reply.json()["errors"][0]["code"], "invalidParameter");
    }
    let reply = get(
        &sim,
        &token,
        &format!("/accounts/{}/transactions?page[after]=nope", account.id),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        get(
            &sim,
            &token,
            &format!("/accounts/{}/transactions?page[limit]=100", account.id)
        )
        .status,
        200
    );
}

#[test]
fn accounts_institutions_and_pending_lists_are_paged_too() {
    let sim = start(3);
    let token = token(&sim);
    let own: Vec<String> = sim.organizations()[0]
        .accounts
        .iter()
        .map(|a| a.id.clone())
        .collect();
    assert_eq!(walk(&sim, &token, "/accounts?page[limit]=1"), own);
    let institutions = walk(&sim, &token, "/financial-institutions?limit=2");
    assert_eq!(institutions.len(), 4);
    let account = &sim.accounts()[0];
    assert!(institutions.contains(&account.financial_institution_id));
    let pending = walk(
        &sim,
        &token,
        &format!(
            "/accounts/{}/pending-transactions?page[limit]=1",
            account.id
        ),
    );
    assert_eq!(pending, sim.pending_transaction_ids(&account.id));
    let one = get_json(
        &sim,
        &token,
        &format!(
            "/accounts/{}/pending-transactions/{}",
            account.id, pending[0]
        ),
    );
    assert_eq!(one["data"]["type"], "pendingTransaction");
}

#[test]
fn a_hundred_thousand_transactions_page_from_both_ends() {
    let sim = start(100_000);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let ids = sim.booked_transaction_ids(&account.id);
    assert_eq!(ids.len(), 100_000);
    let tail = get_json(
        &sim,
        &token,
        &format!(
            "/accounts/{}/transactions?page[limit]=100&page[after]={}",
            account.id, ids[99_949]
        ),
    );
    assert_eq!(tail["data"].as_array().unwrap().len(), 50);
    assert_eq!(tail["data"][49]["id"], ids[99_999].as_str());
    assert!(tail["links"].get("next").is_none());
    let single = get_json(
        &sim,
        &token,
        &format!("/accounts/{}/transactions/{}", account.id, ids[54_321]),
    );
    assert_eq!(single["data"]["id"], ids[54_321].as_str());
}

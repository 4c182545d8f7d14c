mod common;

use common::*;
use ponto_sim::{NewTransaction, SimConfig, Simulator};
use serde_json::json;

#[test]
fn a_backdated_transaction_is_listed_first() {
    let sim = start(40);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let id = sim.add_backdated_transaction(&account.id, 20);
    let page = get_json(
        &sim,
        &token,
        &format!("/accounts/{}/transactions?page[limit]=2", account.id),
    );
    assert_eq!(page["data"][0]["id"], id.as_str());
    let execution = page["data"][0]["attributes"]["executionDate"]
        .as_str()
        .unwrap();
    let older = page["data"][1]["attributes"]["executionDate"]
        .as_str()
        .unwrap();
    assert!(
        execution < older,
        "back-dated {execution} should be older than {older}"
    );
    assert_eq!(sim.booked_transaction_ids(&account.id)[0], id);
}

#[test]
fn added_transactions_move_the_balance() {
    let sim = start(10);
    let token = token(&sim);
    let account = &sim.accounts()[1];
    sim.set_current_balance(&account.id, "1000.00");
    let id = sim.add_transaction(&account.id, NewTransaction::with_amount("-125.40"));
    assert_eq!(sim.current_balance(&account.id).as_deref(), Some("874.60"));
    let ids = sim.add_transactions(&account.id, 3);
    assert_eq!(ids.len(), 3);
    assert_eq!(
        sim.booked_transaction_ids(&account.id)[..4],
        [ids[2].clone(), ids[1].clone(), ids[0].clone(), id.clone()]
    );
    let body = get(
        &sim,
        &token,
        &format!("/accounts/{}/transactions/{id}", account.id),
    )
    .text();
    assert!(body.contains(r#""amount":-125.40"#), "{body}");
    let detail = get_json(&sim, &token, &format!("/accounts/{}", account.id));
    let shown = detail["data"]["attributes"]["currentBalance"].to_string();
    let expected = sim.current_balance(&account.id).unwrap();
    assert_eq!(
        shown.parse::<f64>().unwrap(),
        expected.parse::<f64>().unwrap()
    );
}

#[test]
fn modified_transactions_keep_id_and_position() {
    let sim = start(12);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let ids = sim.booked_transaction_ids(&account.id);
    sim.modify_transaction(
        &account.id,
        &ids[3],
        "remittanceInformation",
        json!("changed by the bank"),
    );
    assert_eq!(sim.booked_transaction_ids(&account.id), ids);
    let page = get_json(
        &sim,
        &token,
        &format!("/accounts/{}/transactions", account.id),
    );
    assert_eq!(page["data"][3]["id"], ids[3].as_str());
    assert_eq!(
        page["data"][3]["attributes"]["remittanceInformation"],
        "changed by the bank"
    );
}

#[test]
fn transactions_have_the_documented_attributes() {
    let sim = start(60);
    let token = token(&sim);
    let keys = [
        "valueDate",
        "executionDate",
        "amount",
        "currency",
        "counterpartName",
        "counterpartReference",
        "description",
        "remittanceInformationType",
        "remittanceInformation",
        "endToEndId",
        "bankTransactionCode",
        "proprietaryBankTransactionCode",
        "purposeCode",
        "mandateId",
        "creditorId",
        "additionalInformation",
        "internalReference",
        "digest",
        "fee",
        "cardReference",
        "cardReferenceType",
        "createdAt",
        "updatedAt",
    ];
    for account in sim.accounts() {
        let page = get_json(
            &sim,
            &token_for(&sim, &account.organization),
            &format!("/accounts/{}/transactions?limit=100", account.id),
        );
        for tx in page["data"].as_array().unwrap() {
            assert_eq!(tx["type"], "transaction");
            assert_eq!(tx["id"].as_str().unwrap().len(), 36);
            for key in keys {
                assert!(tx["attributes"].get(key).is_some(), "{key} missing");
            }
            assert_eq!(
                tx["relationships"]["account"]["data"]["id"],
                account.id.as_str()
            );
            assert_eq!(tx["attributes"]["currency"], account.currency.as_str());
            assert!(
                tx["attributes"]["executionDate"]
                    .as_str()
                    .unwrap()
                    .ends_with(".000Z")
            );
        }
    }
    let _ = token;
}

fn token_for(sim: &Simulator, client_id: &str) -> String {
    let org = sim
        .organizations()
        .into_iter()
        .find(|o| o.client_id == client_id)
        .unwrap();
    token_reply(&sim.base_url(), &org.client_id, &org.client_secret).json()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn accounts_and_institutions_look_like_ponto() {
    let sim = start(5);
    let token = token(&sim);
    let account = &sim.accounts()[0];
    let detail = get_json(&sim, &token, &format!("/accounts/{}", account.id));
    let attributes = &detail["data"]["attributes"];
    assert_eq!(attributes["reference"], account.iban.as_str());
    assert_eq!(attributes["referenceType"], "IBAN");
    assert!(attributes["currentBalance"].is_number());
    assert_eq!(
        detail["data"]["relationships"]["financialInstitution"]["data"]["id"],
        account.financial_institution_id.as_str()
    );
    assert!(detail["data"]["meta"]["synchronizedAt"].is_string());
    assert_eq!(detail["data"]["meta"]["availability"], "available");
    let institution = get_json(
        &sim,
        &token,
        &format!(
            "/financial-institutions/{}",
            account.financial_institution_id
        ),
    );
    assert_eq!(
        institution["data"]["attributes"]["timeZone"],
        "Europe/Berlin"
    );
    let currencies: Vec<String> = sim.organizations()[0]
        .accounts
        .iter()
        .map(|a| a.currency.clone())
        .collect();
    assert_eq!(currencies, ["EUR", "EUR", "EUR", "USD"]);
}

#[test]
fn the_same_seed_serves_the_same_json() {
    let config = SimConfig {
        seed: 99,
        transactions_per_account: 30,
        ..SimConfig::default()
    };
    let a = Simulator::start(config.clone()).unwrap();
    let b = Simulator::start(config).unwrap();
    let c = Simulator::start(SimConfig {
        seed: 100,
        transactions_per_account: 30,
        ..SimConfig::default()
    })
    .unwrap();
    assert_eq!(a.organizations(), b.organizations());
    assert_ne!(a.organizations(), c.organizations());
    let (ta, tb) = (token(&a), token(&b));
    for account in a.organizations()[0].accounts.iter() {
        for target in [
            format!("/accounts/{}", account.id),
            format!("/accounts/{}/transactions?limit=100", account.id),
        ] {
            let left = get(&a, &ta, &target).text().replace(&a.base_url(), "BASE");
            let right = get(&b, &tb, &target).text().replace(&b.base_url(), "BASE");
            assert_eq!(left, right, "{target}");
        }
    }
}

#[test]
fn amounts_are_written_as_plain_decimals() {
    let sim = start(300);
    let token = token(&sim);
    for account in &sim.organizations()[0].accounts {
        let body = get(
            &sim,
            &token,
            &format!("/accounts/{}/transactions?limit=100", account.id),
        )
        .text();
        for part in body.split(r#""amount":"#).skip(1) {
            let number: String = part.chars().take_while(|c| *c != ',').collect();
            assert!(
                number
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '-' || c == '.'),
                "{number}"
            );
            let decimals = number.split('.').nth(1).map_or(0, str::len);
            assert!(decimals <= 2, "{number}");
        }
    }
}

#[test]
fn added_accounts_belong_to_the_first_organization_and_are_listed_by_the_api() {
    let sim = start(12);
    let before = sim.organizations()[0].accounts.len();
    let added = sim.add_accounts(30);
    assert_eq!(added.len(), 30);
    let org = &sim.organizations()[0];
    assert_eq!(org.accounts.len(), before + 30);
    let mut ibans: Vec<&str> = org.accounts.iter().map(|a| a.iban.as_str()).collect();
    ibans.sort_unstable();
    ibans.dedup();
    assert_eq!(
        ibans.len(),
        before + 30,
        "every added account has its own IBAN"
    );
    for account in &added {
        assert_eq!(account.currency, "EUR");
        assert_eq!(sim.booked_transaction_ids(&account.id).len(), 12);
    }
    let token = token(&sim);
    let listed = walk(&sim, &token, "/accounts?page[limit]=10");
    assert_eq!(
        listed.len(),
        before + 30,
        "the API pages through all of them"
    );
}

#[test]
fn simulators_with_different_seeds_have_different_accounts() {
    // runs with several simulators side by side tell their accounts apart by IBAN and id
    let start_seeded = |seed| {
        Simulator::start(SimConfig {
            seed,
            transactions_per_account: 1,
            ..SimConfig::default()
        })
        .expect("simulator starts")
    };
    let (one, two) = (start_seeded(1), start_seeded(2));
    let (a, b) = (one.accounts(), two.accounts());
    assert_eq!(a.len(), b.len());
    for account in &a {
        assert!(
            b.iter()
                .all(|other| other.iban != account.iban && other.id != account.id),
            "{} / {} in both",
            account.iban,
            account.id
        );
    }
}

//! Contract tests: the documented Ponto answers in fixtures/ponto parse into the
//! resource types, and the client drives them end to end (token, paging, errors).

mod support;

use chrono::{TimeZone, Utc};
use ponto::{
    Account, Document, FinancialInstitution, Synchronization, Transaction, parse_error_body,
};
use support::fixture;
// The HTTP client, and so everything below that drives it, needs the `client` feature.
#[cfg(feature = "client")]
use ponto::{Client, ClientConfig, Credentials, PontoError, ReadMore, RetryPolicy, stop};
#[cfg(feature = "client")]
use std::time::Duration;
#[cfg(feature = "client")]
use support::{FixtureServer, Request, fixture_at, reply};

const ACCOUNT: &str = "8f6e2a1c-3b4d-4e5f-9a0b-1c2d3e4f5a6b";
#[cfg(feature = "client")]
const BANK: &str = "953934eb-229a-4fd2-8675-07794078cc7d";
#[cfg(feature = "client")]
const SYNC: &str = "c0ffee00-1234-4abc-9def-000000000001";

fn parse<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let text = fixture(name);
    let mut de = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut de).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn accounts_page_parses_with_exact_balances() {
    let doc: Document<Vec<Account>> = parse("accounts-page.json");
    assert_eq!(doc.data.len(), 2);
    let main = &doc.data[0];
    assert_eq!(main.id.as_deref(), Some(ACCOUNT));
    assert_eq!(
        main.attributes.reference.as_deref(),
        Some("BE53586671384412")
    );
    assert_eq!(
        main.attributes.current_balance.map(|d| d.to_string()),
        Some("12345.60".into())
    );
    assert_eq!(
        main.attributes.available_balance.map(|d| d.to_string()),
        Some("12000".into())
    );
    assert_eq!(
        main.attributes.authorization_expiration_expected_at,
        Utc.with_ymd_and_hms(2024, 7, 8, 9, 0, 0).single()
    );
    assert_eq!(
        doc.data[1]
            .attributes
            .current_balance
            .map(|d| d.to_string()),
        Some("-0.05".into())
    );
    assert!(doc.next_link().is_none());
}

#[test]
fn single_account_and_bank_parse() {
    let account: Document<Account> = parse("account.json");
    assert_eq!(account.data.attributes.currency.as_deref(), Some("EUR"));
    assert_eq!(
        account.data.attributes.available_balance_reference_date,
        Utc.with_ymd_and_hms(2024, 3, 6, 0, 0, 0).single()
    );
    let bank: Document<FinancialInstitution> = parse("financial-institution.json");
    assert_eq!(
        bank.data.attributes.time_zone.as_deref(),
        Some("Europe/Brussels")
    );
    assert_eq!(bank.data.attributes.bic.as_deref(), Some("NBBEBEBB203"));
}

#[test]
fn transaction_pages_parse_with_links_meta_and_exact_amounts() {
    let first: Document<Vec<Transaction>> = parse("transactions-page-1.json");
    assert_eq!(first.data.len(), 2);
    let t = &first.data[0];
    assert_eq!(
        t.attributes.amount.map(|d| d.to_string()),
        Some("-125.40".into())
    );
    assert_eq!(
        t.attributes.execution_date,
        Utc.with_ymd_and_hms(2024, 3, 4, 23, 0, 0).single()
    );
    assert_eq!(
        t.attributes.bank_transaction_code.as_deref(),
        Some("PMNT-ICDT-ESCT")
    );
    assert_eq!(first.data[1].attributes.counterpart_name, None);
    assert_eq!(
        first.data[1].attributes.fee.map(|d| d.to_string()),
        Some("0.10".into())
    );
    assert!(
        first
            .next_link()
            .is_some_and(|l| l.contains("page[after]=0b7c3f7e-1111-4c1e-9d2a-000000000002"))
    );
    assert_eq!(
        first.synchronized_at(),
        Utc.with_ymd_and_hms(2024, 3, 6, 7, 2, 11)
            .single()
            .map(|t| t + chrono::Duration::milliseconds(532))
    );
    let latest = first
        .latest_synchronization()
        .expect("latest synchronization");
    assert_eq!(latest["attributes"]["status"], "success");

    let second: Document<Vec<Transaction>> = parse("transactions-page-2.json");
    assert_eq!(
        second.data[0].attributes.amount.map(|d| d.to_string()),
        Some("123456789012345.67".into())
    );
    assert_eq!(second.next_link(), None);
    assert!(
        second
            .links
            .as_ref()
            .and_then(|l| l.prev.as_deref())
            .is_some()
    );
    assert_eq!(second.latest_synchronization(), None);
}

#[test]
fn pending_transactions_and_synchronizations_parse() {
    let pending: Document<Vec<Transaction>> = parse("pending-transactions.json");
    assert_eq!(pending.data[0].kind.as_deref(), Some("pendingTransaction"));
    assert_eq!(
        pending.data[0].attributes.amount.map(|d| d.to_string()),
        Some("-9.99".into())
    );
    let ok: Document<Synchronization> = parse("synchronization.json");
    assert_eq!(ok.data.attributes.status.as_deref(), Some("success"));
    assert_eq!(ok.data.attributes.resource_id.as_deref(), Some(ACCOUNT));
    let failed: Document<Synchronization> = parse("synchronization-error.json");
    let errors = failed.data.attributes.errors.expect("errors");
    assert_eq!(errors[0]["code"], "authorizationInvalid");
}

#[test]
fn both_error_shapes_parse() {
    let oauth = parse_error_body(fixture("error-oauth.json").as_bytes(), None);
    assert_eq!(oauth.code.as_deref(), Some("invalid_client"));
    assert!(
        oauth
            .detail
            .is_some_and(|d| d.starts_with("Client authentication failed"))
    );
    let api = parse_error_body(fixture("error-not-found.json").as_bytes(), None);
    assert_eq!(api.code.as_deref(), Some("resourceNotFound"));
    assert_eq!(
        api.request_id.as_deref(),
        Some("00077F00000000000000000000000000")
    );
    let recent = parse_error_body(fixture("error-recently-synchronized.json").as_bytes(), None);
    assert_eq!(recent.code.as_deref(), Some("accountRecentlySynchronized"));
    assert_eq!(recent.request_id, None);
}

#[cfg(feature = "client")]
fn fast_config(base: &str) -> ClientConfig {
    let mut config =
        ClientConfig::new(Credentials::new("client-id", "s3cr3t-value")).with_base_url(base);
    config.retry = RetryPolicy {
        max_attempts: 3,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    };
    config.sync_poll_interval = Duration::from_millis(1);
    config
}

/// Ponto as the fixtures describe it.
#[cfg(feature = "client")]
fn route(req: &Request, base: &str) -> support::Reply {
    let transactions = format!("/accounts/{ACCOUNT}/transactions");
    let target = req.target.as_str();
    match (req.method.as_str(), target) {
        ("POST", "/oauth2/token") => {
            let basic = req.header("authorization").unwrap_or("");
            if basic.starts_with("Basic ") && req.body == "grant_type=client_credentials" {
                reply(200, fixture("token.json"))
            } else {
                reply(400, fixture("error-oauth.json"))
            }
        }
        _ if req.header("authorization") != Some("Bearer 3q2-EXAMPLE.token") => reply(401, "{}"),
        ("GET", "/accounts?page[limit]=100") => reply(200, fixture_at("accounts-page.json", base)),
        ("GET", t) if t == format!("/accounts/{ACCOUNT}") => {
            reply(200, fixture_at("account.json", base))
        }
        ("GET", t) if t == format!("/financial-institutions/{BANK}") => {
            reply(200, fixture_at("financial-institution.json", base))
        }
        ("GET", t) if t == format!("{transactions}?page[limit]=100") => {
            reply(200, fixture_at("transactions-page-1.json", base))
        }
        ("GET", t)
            if t.starts_with(&transactions)
                && t.contains("page[after]=0b7c3f7e-1111-4c1e-9d2a-000000000002") =>
        {
            reply(200, fixture_at("transactions-page-2.json", base))
        }
        ("GET", t) if t.starts_with(&format!("/accounts/{ACCOUNT}/pending-transactions")) => {
            reply(200, fixture_at("pending-transactions.json", base))
        }
        ("POST", "/synchronizations") => reply(201, fixture_at("synchronization.json", base)),
        ("GET", t) if t == format!("/synchronizations/{SYNC}") => {
            reply(200, fixture_at("synchronization.json", base))
        }
        _ => reply(404, fixture("error-not-found.json")),
    }
}

#[cfg(feature = "client")]
#[test]
fn client_reads_every_fixture_endpoint() {
    let server = FixtureServer::start(route);
    let client = Client::new(fast_config(&server.base_url)).expect("client");

    let accounts = client.accounts().expect("accounts");
    assert_eq!(accounts.len(), 2);
    let account = client.account(ACCOUNT).expect("account");
    let bank = client
        .account_financial_institution(&account)
        .expect("bank")
        .expect("has a bank");
    assert_eq!(bank.attributes.name.as_deref(), Some("Fake Bank"));

    let read = client
        .transactions(ACCOUNT, &mut stop::read_all())
        .expect("transactions");
    let ids: Vec<_> = read
        .transactions
        .iter()
        .filter_map(|t| t.id.as_deref())
        .collect();
    assert_eq!(
        ids,
        [
            "0b7c3f7e-1111-4c1e-9d2a-000000000003",
            "0b7c3f7e-1111-4c1e-9d2a-000000000002",
            "0b7c3f7e-1111-4c1e-9d2a-000000000001"
        ]
    );
    assert_eq!(read.pages, 2);
    assert!(read.synchronized_at.is_some());
    assert!(read.latest_synchronization.is_some());

    let pending = client.pending_transactions(ACCOUNT).expect("pending");
    assert_eq!(pending.len(), 1);

    let sync = client
        .create_synchronization(
            ACCOUNT,
            ponto::SyncSubtype::AccountTransactions,
            "203.0.113.7".parse().expect("ip"),
        )
        .expect("sync");
    assert_eq!(sync.id.as_deref(), Some(SYNC));
    let waited = client
        .synchronize_and_wait(
            ACCOUNT,
            "203.0.113.7".parse().expect("ip"),
            Duration::from_secs(5),
        )
        .expect("wait");
    assert!(matches!(waited, ponto::SyncOutcome::Completed(_)));

    let requests = server.requests();
    let tokens = requests
        .iter()
        .filter(|(_, t)| t == "/oauth2/token")
        .count();
    assert_eq!(tokens, 1, "one token serves every call: {requests:?}");
    // The next link was followed exactly as the fixture wrote it.
    assert!(requests.iter().any(|(_, t)| {
        t.ends_with("transactions?page[after]=0b7c3f7e-1111-4c1e-9d2a-000000000002&page[limit]=2")
    }));
    let sync_body = server
        .log
        .lock()
        .expect("log")
        .iter()
        .find(|r| r.target == "/synchronizations")
        .map(|r| r.body.clone());
    let sync_body: serde_json::Value =
        serde_json::from_str(&sync_body.expect("sync posted")).expect("json");
    assert_eq!(
        sync_body["data"]["attributes"]["customerIpAddress"],
        "203.0.113.7"
    );
    assert_eq!(sync_body["data"]["attributes"]["resourceId"], ACCOUNT);
}

#[cfg(feature = "client")]
#[test]
fn stop_rule_ends_the_read_after_the_first_page() {
    let server = FixtureServer::start(route);
    let client = Client::new(fast_config(&server.base_url)).expect("client");
    let mut pages_seen = 0;
    let read = client
        .transactions(ACCOUNT, &mut |_: &[Transaction]| {
            pages_seen += 1;
            ReadMore::Stop
        })
        .expect("transactions");
    assert_eq!((read.pages, read.transactions.len(), pages_seen), (1, 2, 1));
}

#[cfg(feature = "client")]
#[test]
fn not_found_carries_code_and_request_id() {
    let server = FixtureServer::start(route);
    let client = Client::new(fast_config(&server.base_url)).expect("client");
    let err = client.account("does-not-exist").expect_err("404");
    assert!(matches!(err, PontoError::NotFound { .. }), "{err:?}");
    assert_eq!(err.code(), Some("resourceNotFound"));
    assert_eq!(err.request_id(), Some("00077F00000000000000000000000000"));
    assert!(!err.is_temporary());
}

#[cfg(feature = "client")]
#[test]
fn oauth_invalid_client_is_bad_credentials_without_the_secret() {
    let server = FixtureServer::start(|_, _| reply(400, fixture("error-oauth.json")));
    let client = Client::new(fast_config(&server.base_url)).expect("client");
    let err = client.accounts().expect_err("bad credentials");
    assert!(matches!(err, PontoError::BadCredentials { .. }), "{err:?}");
    assert_eq!(err.code(), Some("invalid_client"));
    let shown = format!("{err} {err:?} {client:?}");
    assert!(!shown.contains("s3cr3t-value"), "{shown}");
    assert_eq!(
        server.requests().len(),
        1,
        "bad credentials are not retried"
    );
}

#[cfg(feature = "client")]
#[test]
fn recently_synchronized_counts_as_fresh() {
    let server = FixtureServer::start(|req, _| match req.target.as_str() {
        "/oauth2/token" => reply(200, fixture("token.json")),
        _ => reply(400, fixture("error-recently-synchronized.json")),
    });
    let client = Client::new(fast_config(&server.base_url)).expect("client");
    let outcome = client
        .synchronize_and_wait(
            ACCOUNT,
            "198.51.100.1".parse().expect("ip"),
            Duration::from_secs(1),
        )
        .expect("fresh");
    assert!(matches!(outcome, ponto::SyncOutcome::AlreadyFresh));
}

#[cfg(feature = "client")]
#[test]
fn a_next_link_to_another_site_is_refused() {
    let server = FixtureServer::start(|req, _| match req.target.as_str() {
        "/oauth2/token" => reply(200, fixture("token.json")),
        // Links left pointing at api.myponto.com: another origin than the loopback base.
        _ => reply(200, fixture("transactions-page-1.json")),
    });
    let client = Client::new(fast_config(&server.base_url)).expect("client");
    let err = client
        .transactions(ACCOUNT, &mut stop::read_all())
        .expect_err("foreign link");
    assert!(matches!(err, PontoError::NextLinkRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("another site"), "{err}");
    assert_eq!(
        server.requests().len(),
        2,
        "token + first page, nothing sent elsewhere"
    );
}

//! The client against servers that misbehave on purpose: links that wander to another
//! account, bodies that never end, proxies that echo the credentials back, a 403.

// The HTTP client only exists with the `client` feature.
#![cfg(feature = "client")]

mod support;

use ponto::{Client, ClientConfig, Credentials, PontoError, RetryPolicy, stop};
use std::time::Duration;
use support::{ChunkedServer, FixtureServer, fixture, fixture_at, reply};

const ACCOUNT: &str = "8f6e2a1c-3b4d-4e5f-9a0b-1c2d3e4f5a6b";
const OTHER_ACCOUNT: &str = "11111111-2222-4333-8444-555555555555";
const CLIENT_ID: &str = "5f1c2d3e-ffff-4aaa-8bbb-client00id00";
const SECRET: &str = "s3cr3t-client-value";
/// The access token in fixtures/ponto/token.json.
const TOKEN: &str = "3q2-EXAMPLE.token";

fn config(base: &str) -> ClientConfig {
    let mut config = ClientConfig::new(Credentials::new(CLIENT_ID, SECRET)).with_base_url(base);
    config.request_timeout = Duration::from_secs(20);
    config.with_retry(RetryPolicy {
        max_attempts: 2,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    })
}

fn client(base: &str) -> Client {
    Client::new(config(base)).expect("client")
}

#[test]
fn a_next_link_to_another_accounts_transactions_is_refused() {
    let server = FixtureServer::start(|req, base| {
        if req.target == "/oauth2/token" {
            return reply(200, fixture("token.json"));
        }
        let page = fixture_at("transactions-page-1.json", base);
        if req.target.starts_with(&format!("/accounts/{ACCOUNT}/")) {
            // Same host, same shape of path, but another account's transactions.
            reply(
                200,
                page.replace(
                    &format!("{ACCOUNT}/transactions?page[after]"),
                    &format!("{OTHER_ACCOUNT}/transactions?page[after]"),
                ),
            )
        } else {
            reply(200, fixture_at("transactions-page-2.json", base))
        }
    });
    let err = client(&server.base_url)
        .transactions(ACCOUNT, &mut stop::read_all())
        .expect_err("a link to another account must be refused");
    assert!(matches!(err, PontoError::NextLinkRefused { .. }), "{err:?}");
    assert!(err.to_string().contains(OTHER_ACCOUNT), "{err}");
    assert!(!err.is_temporary());
    let requests = server.requests();
    assert!(
        !requests.iter().any(|(_, t)| t.contains(OTHER_ACCOUNT)),
        "the other account was never asked for: {requests:?}"
    );
}

/// The page answer never ends; the client must stop at the cap, not run out of memory.
#[test]
fn an_endless_page_body_is_cut_off_at_the_cap() {
    let server = ChunkedServer::start(|target| {
        if target == "/oauth2/token" {
            Some(fixture("token.json"))
        } else {
            None
        }
    });
    let err = client(&server.base_url)
        .transactions(ACCOUNT, &mut stop::read_all())
        .expect_err("endless body");
    assert!(
        matches!(err, PontoError::ResponseTooLarge { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert_eq!(
        text,
        format!("response body larger than 16 MiB from /accounts/{ACCOUNT}/transactions")
    );
    assert!(!err.is_temporary(), "retrying fetches the same body");
    assert_eq!(ponto::MAX_RESPONSE_BYTES, 16 * 1024 * 1024);
    assert_eq!(server.endless_answers(), 1, "not retried");
    assert!(
        server.bytes_sent() < 64 * 1024 * 1024,
        "the client stopped reading soon after the cap: {} bytes sent",
        server.bytes_sent()
    );
}

#[test]
fn an_endless_token_answer_is_cut_off_at_the_cap() {
    let server = ChunkedServer::start(|_| None);
    let err = client(&server.base_url)
        .accounts()
        .expect_err("endless token answer");
    assert!(
        matches!(err, PontoError::ResponseTooLarge { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "response body larger than 16 MiB from /oauth2/token"
    );
}

#[test]
fn a_declared_oversized_body_is_refused_before_reading() {
    let server = FixtureServer::start(|req, _| match req.target.as_str() {
        "/oauth2/token" => reply(200, fixture("token.json")),
        _ => {
            let mut r = reply(500, "");
            r.declared_length = Some(1 << 40);
            r
        }
    });
    let err = client(&server.base_url)
        .account(ACCOUNT)
        .expect_err("oversized error body");
    assert!(
        matches!(err, PontoError::ResponseTooLarge { .. }),
        "{err:?}"
    );
}

/// A proxy that copies the request's Authorization header into its error bodies.
fn echoing_server(token_status: u16, api_status: u16) -> FixtureServer {
    FixtureServer::start(move |req, _| {
        let auth = req.header("authorization").unwrap_or("").to_owned();
        let echo = format!(
            r#"{{"errors":[{{"code":"echo","detail":"you sent Authorization: {auth} ({CLIENT_ID} / {SECRET})"}}]}}"#
        );
        if req.target == "/oauth2/token" {
            if token_status == 200 {
                return reply(200, fixture("token.json"));
            }
            return reply(token_status, echo);
        }
        if api_status == 200 {
            // Success, but the data is the echo: the decoder's message would quote it.
            return reply(200, format!(r#"{{"data": "{auth}"}}"#));
        }
        reply(api_status, echo)
    })
}

fn assert_no_secret(err: &PontoError) {
    let basic = "NWYxYzJkM2UtZmZmZi00YWFhLThiYmItY2xpZW50MDBpZDAwOnMzY3IzdC1jbGllbnQtdmFsdWU=";
    for shown in [err.to_string(), format!("{err:?}")] {
        for leaked in [SECRET, CLIENT_ID, basic, TOKEN] {
            assert!(!shown.contains(leaked), "{leaked} leaked: {shown}");
        }
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

#[test]
fn echoed_credentials_never_reach_an_error() {
    // The token request's Basic credential echoed in a 400 and in a 500.
    for status in [400, 403, 500] {
        let server = echoing_server(status, 200);
        let err = client(&server.base_url).accounts().expect_err("echo");
        assert_no_secret(&err);
    }
    // The bearer token echoed in a 4xx, in a 5xx, and in a 200 of the wrong shape.
    for status in [400, 404, 409, 503, 200] {
        let server = echoing_server(200, status);
        let err = client(&server.base_url).account(ACCOUNT).expect_err("echo");
        assert_no_secret(&err);
    }
}

#[test]
fn server_text_in_an_error_is_capped() {
    let long = "é".repeat(5000);
    let server = FixtureServer::start(move |req, _| match req.target.as_str() {
        "/oauth2/token" => reply(200, fixture("token.json")),
        _ => reply(
            400,
            format!(r#"{{"errors":[{{"code":"tooLong","detail":"{long}"}}]}}"#),
        ),
    });
    let err = client(&server.base_url).account(ACCOUNT).expect_err("400");
    let detail = err
        .details()
        .and_then(|d| d.detail.clone())
        .expect("detail kept");
    assert_eq!(
        detail.chars().count(),
        501,
        "500 characters and the ellipsis"
    );
    assert!(detail.ends_with("é…"), "{detail}");
    assert!(err.to_string().chars().count() < 700, "{err}");
}

#[test]
fn forbidden_says_forbidden() {
    let server = FixtureServer::start(|req, _| match req.target.as_str() {
        "/oauth2/token" => reply(200, fixture("token.json")),
        _ => reply(
            403,
            r#"{"errors":[{"code":"forbidden","detail":"Access denied.","meta":{"requestId":"R403"}}]}"#,
        ),
    });
    let err = client(&server.base_url).account(ACCOUNT).expect_err("403");
    assert!(matches!(err, PontoError::Forbidden { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("forbidden"), "{text}");
    assert!(text.contains("HTTP 403"), "{text}");
    assert!(!text.contains("reached"), "{text}");
    assert_eq!(err.request_id(), Some("R403"));
    assert!(!err.is_temporary());
    assert_eq!(server.requests().len(), 2, "token + one try: not retried");
}

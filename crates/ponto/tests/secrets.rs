//! The client secret and access tokens never reach a log line, an error message or a
//! Debug print, along the paths where they are most at risk: token renewal after a
//! 401, retries, refused credentials.

// The HTTP client only exists with the `client` feature.
#![cfg(feature = "client")]

mod support;

use ponto::{Client, ClientConfig, Credentials, PontoError, RetryPolicy, Secret, stop};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{FixtureServer, fixture, fixture_at, reply};

const SECRET: &str = "s3cr3t-client-value";
const TOKEN: &str = "3q2-EXAMPLE.token";
const ACCOUNT: &str = "8f6e2a1c-3b4d-4e5f-9a0b-1c2d3e4f5a6b";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("buffer")).into_owned()
    }
}

fn config_for(base: &str, secret: &str) -> ClientConfig {
    ClientConfig::new(Credentials::new("client-id", secret))
        .with_base_url(base)
        .with_retry(RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(10),
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        })
}

#[test]
fn neither_secret_nor_token_shows_in_logs_errors_or_debug() {
    // Answers: the first API call 401 (forces a new token), the next one 503 (a retry),
    // then the fixtures; an unknown account 404; a token refused for the bad client.
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = FixtureServer::start(move |req, base| {
        if req.target == "/oauth2/token" {
            let good = req
                .header("authorization")
                .is_some_and(|h| h != "Basic Y2xpZW50LWlkOndyb25n");
            return if good {
                reply(200, fixture("token.json"))
            } else {
                reply(401, fixture("error-oauth.json"))
            };
        }
        match seen.fetch_add(1, Ordering::SeqCst) {
            0 => reply(
                401,
                r#"{"errors":[{"code":"credentialsInvalid","detail":"expired"}]}"#,
            ),
            1 => reply(503, r#"{"errors":[{"code":"serviceUnavailable"}]}"#),
            _ if req.target.contains(ACCOUNT) && req.target.contains("transactions") => {
                reply(200, fixture_at("transactions-page-2.json", base))
            }
            _ => reply(404, fixture("error-not-found.json")),
        }
    });

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let mut shown = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        let config = config_for(&server.base_url, SECRET);
        let client = Client::new(config.clone()).expect("client");
        let read = client
            .transactions(ACCOUNT, &mut stop::read_all())
            .expect("read after renewal and retry");
        assert_eq!(read.transactions.len(), 1);
        let not_found = client.account("nope").expect_err("404");
        assert!(matches!(not_found, PontoError::NotFound { .. }));

        let bad = Client::new(config_for(&server.base_url, "wrong")).expect("client");
        let refused = bad.accounts().expect_err("refused");
        assert!(
            matches!(refused, PontoError::BadCredentials { .. }),
            "{refused:?}"
        );

        for text in [
            format!("{not_found} {not_found:?}"),
            format!("{refused} {refused:?}"),
            format!("{config:?} {:?} {client:?}", config.credentials),
            format!(
                "{} {:?}",
                config.credentials.client_secret,
                Secret::new(TOKEN)
            ),
        ] {
            shown.push(text);
        }
    });

    let logs = captured.text();
    assert!(
        logs.contains("retrying Ponto request"),
        "retries are logged: {logs}"
    );
    assert!(
        logs.contains("fetching a new one"),
        "renewal is logged: {logs}"
    );
    for text in shown.iter().chain([&logs]) {
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains("Y2xpZW50LWlk"), "basic auth leaked: {text}");
    }
    let tokens = server
        .requests()
        .iter()
        .filter(|(_, t)| t == "/oauth2/token")
        .count();
    assert_eq!(
        tokens, 3,
        "first token, renewal after 401, the refused client"
    );
}

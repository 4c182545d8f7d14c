//! The client against the Ponto simulator (crates/ponto-sim): every endpoint, every
//! fault kind, token expiry mid-read, and what an incremental read costs.

// The HTTP client only exists with the `client` feature.
#![cfg(feature = "client")]

use chrono::{Duration as Days, Utc};
use ponto::{
    Client, ClientConfig, Credentials, PontoError, ReadMore, RetryPolicy, SyncOutcome, Transaction,
    stop,
};
use ponto_sim::{Fault, FaultKind, SimConfig, Simulator};
use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Duration;

fn sim(transactions_per_account: usize) -> Simulator {
    Simulator::start(SimConfig {
        seed: 7,
        port: 0,
        transactions_per_account,
        token_lifetime: Duration::from_secs(1799),
        latency: Duration::ZERO,
    })
    .expect("simulator starts")
}

/// Short delays and timeouts so that retries cost milliseconds.
fn config(sim: &Simulator) -> ClientConfig {
    let (id, secret) = sim.credentials();
    let mut config = ClientConfig::new(Credentials::new(id, secret)).with_base_url(sim.base_url());
    config.request_timeout = Duration::from_millis(1500);
    config.connect_timeout = Duration::from_millis(500);
    config.sync_poll_interval = Duration::from_millis(5);
    config.with_retry(RetryPolicy {
        max_attempts: 4,
        max_elapsed: Duration::from_secs(30),
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    })
}

fn client(sim: &Simulator) -> Client {
    Client::new(config(sim)).expect("client")
}

fn first_account(sim: &Simulator) -> String {
    let org = &sim.organizations()[0];
    org.accounts[0].id.clone()
}

fn ids(transactions: &[Transaction]) -> Vec<String> {
    transactions.iter().filter_map(|t| t.id.clone()).collect()
}

fn count(sim: &Simulator, pred: impl Fn(&ponto_sim::LoggedRequest) -> bool) -> usize {
    sim.request_log().iter().filter(|r| pred(r)).count()
}

fn is_token(r: &ponto_sim::LoggedRequest) -> bool {
    r.path.starts_with("/oauth2/token")
}

fn is_transactions_page(r: &ponto_sim::LoggedRequest) -> bool {
    r.path.contains("/transactions")
}

const USER_IP: &str = "203.0.113.7";

fn ip() -> IpAddr {
    USER_IP.parse().expect("ip")
}

#[test]
fn reads_every_endpoint() {
    let sim = sim(250);
    let client = client(&sim);
    let org = &sim.organizations()[0];

    let accounts = client.accounts().expect("accounts");
    let got: HashSet<_> = accounts.iter().filter_map(|a| a.id.clone()).collect();
    let expected: HashSet<_> = org.accounts.iter().map(|a| a.id.clone()).collect();
    assert_eq!(got, expected);

    let sim_account = &org.accounts[0];
    let account = client.account(&sim_account.id).expect("account");
    assert_eq!(
        account.attributes.reference.as_deref(),
        Some(sim_account.iban.as_str())
    );
    assert_eq!(
        account.attributes.currency.as_deref(),
        Some(sim_account.currency.as_str())
    );
    let bank = client
        .account_financial_institution(&account)
        .expect("bank")
        .expect("has bank");
    assert_eq!(
        bank.id.as_deref(),
        Some(sim_account.financial_institution_id.as_str())
    );
    let same = client
        .financial_institution(&sim_account.financial_institution_id)
        .expect("bank");
    assert_eq!(same.attributes.name, bank.attributes.name);

    let read = client
        .transactions(&sim_account.id, &mut stop::read_all())
        .expect("transactions");
    assert_eq!(
        ids(&read.transactions),
        sim.booked_transaction_ids(&sim_account.id)
    );
    assert_eq!(read.pages, 3, "250 transactions in pages of 100");
    assert!(
        read.transactions
            .iter()
            .all(|t| t.attributes.amount.is_some())
    );
    assert!(read.synchronized_at.is_some());

    let pending = client
        .pending_transactions(&sim_account.id)
        .expect("pending");
    assert_eq!(ids(&pending), sim.pending_transaction_ids(&sim_account.id));

    let outcome = client
        .synchronize_and_wait(&sim_account.id, ip(), Duration::from_secs(10))
        .expect("sync");
    let SyncOutcome::Completed(sync) = outcome else {
        panic!("expected a completed synchronization")
    };
    assert_eq!(sync.attributes.status.as_deref(), Some("success"));
    let again = client
        .synchronization(sync.id.as_deref().expect("id"))
        .expect("get sync");
    assert_eq!(
        again.attributes.resource_id.as_deref(),
        Some(sim_account.id.as_str())
    );
    // A second one right away hits the cooldown: fine, the data is fresh.
    let second = client
        .synchronize_and_wait(&sim_account.id, ip(), Duration::from_secs(10))
        .expect("fresh");
    assert!(matches!(second, SyncOutcome::AlreadyFresh));

    assert_eq!(count(&sim, is_token), 1, "one token for the whole session");
    assert!(matches!(
        client.account("00000000-0000-0000-0000-000000000000"),
        Err(PontoError::NotFound { .. })
    ));
}

#[test]
fn recovers_from_each_fault_kind() {
    let sim = sim(150);
    let client = client(&sim);
    let account = first_account(&sim);
    let expected = sim.booked_transaction_ids(&account);
    let faults = [
        FaultKind::TooManyRequests {
            retry_after_secs: 1,
        },
        FaultKind::ServerError(503),
        FaultKind::ServerError(500),
        FaultKind::ConnectionReset,
        FaultKind::Slow(Duration::from_secs(3)),
        FaultKind::TruncatedBody,
        FaultKind::ExpireToken,
    ];
    for kind in faults {
        sim.clear_request_log();
        sim.inject(Fault::once(kind.clone()).on("/transactions"));
        let read = client
            .transactions(&account, &mut stop::read_all())
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(ids(&read.transactions), expected, "{kind:?}");
        assert_eq!(read.pages, 2, "{kind:?}");
        // A slow answer is logged only once the simulator gives up waiting, after the read.
        let tried_again =
            matches!(kind, FaultKind::Slow(_)) || count(&sim, is_transactions_page) >= 3;
        assert!(tried_again, "{kind:?}: the failed page was tried again");
    }
}

#[test]
fn a_fault_in_the_middle_of_a_read_retries_that_page_only() {
    let sim = sim(450);
    let client = client(&sim);
    let account = first_account(&sim);
    let expected = sim.booked_transaction_ids(&account);
    for kind in [
        FaultKind::ServerError(502),
        FaultKind::TruncatedBody,
        FaultKind::ConnectionReset,
    ] {
        sim.clear_request_log();
        // The third page fails twice, then answers.
        sim.inject(
            Fault::once(kind.clone())
                .on("/transactions")
                .skipping(2)
                .repeated(2),
        );
        let read = client
            .transactions(&account, &mut stop::read_all())
            .expect("complete read");
        assert_eq!(
            ids(&read.transactions),
            expected,
            "{kind:?}: complete and in order"
        );
        assert_eq!(read.pages, 5);
        let pages: Vec<String> = sim
            .request_log()
            .into_iter()
            .filter(is_transactions_page)
            .map(|r| r.path)
            .collect();
        assert_eq!(
            pages.len(),
            7,
            "{kind:?}: 5 pages + 2 retries of the third: {pages:?}"
        );
        assert_eq!(pages[2], pages[3], "the retry asks for the same page");
        assert_eq!(pages[3], pages[4]);
        assert_eq!(HashSet::<&String>::from_iter(&pages).len(), 5);
    }
}

#[test]
fn a_lasting_fault_mid_read_is_an_error_not_a_partial_result() {
    let sim = sim(450);
    let client = client(&sim);
    let account = first_account(&sim);
    sim.inject(
        Fault::once(FaultKind::ServerError(503))
            .on("/transactions")
            .skipping(1)
            .repeated(100),
    );
    let err = client
        .transactions(&account, &mut stop::read_all())
        .expect_err("must fail");
    assert!(
        matches!(
            err,
            PontoError::Unavailable {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_temporary());
    assert_eq!(
        count(&sim, is_transactions_page),
        1 + 4,
        "first page, then 4 tries of the second"
    );
}

/// Whether an error is the expected kind.
type ErrorCheck = fn(&PontoError) -> bool;

#[test]
fn lasting_faults_give_typed_errors() {
    let sim = sim(10);
    let account = first_account(&sim);
    let cases: [(FaultKind, ErrorCheck); 4] = [
        (
            FaultKind::TooManyRequests {
                retry_after_secs: 1,
            },
            |e| matches!(e, PontoError::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(1)),
        ),
        (FaultKind::ServerError(500), |e| {
            matches!(
                e,
                PontoError::Unavailable {
                    status: Some(500),
                    ..
                }
            )
        }),
        (FaultKind::ConnectionReset, |e| {
            matches!(e, PontoError::Unavailable { status: None, .. })
        }),
        (FaultKind::TruncatedBody, |e| {
            matches!(e, PontoError::Unavailable { .. })
        }),
    ];
    for (kind, expected) in cases {
        let client = client(&sim);
        sim.clear_faults();
        sim.inject(Fault::once(kind.clone()).on("/accounts/").repeated(100));
        let err = client.account(&account).expect_err("lasting fault");
        assert!(expected(&err), "{kind:?}: {err:?}");
        assert!(err.is_temporary(), "{kind:?}");
    }
    sim.clear_faults();
    let mut slow = config(&sim);
    slow.request_timeout = Duration::from_millis(200);
    slow.retry.max_attempts = 2;
    let client = Client::new(slow).expect("client");
    client.accounts().expect("token and accounts while fast");
    sim.inject(
        Fault::once(FaultKind::Slow(Duration::from_secs(2)))
            .on("/accounts/")
            .repeated(2),
    );
    let err = client.account(&account).expect_err("too slow");
    assert!(matches!(err, PontoError::Timeout { .. }), "{err:?}");
    assert!(err.is_temporary());
}

#[test]
fn a_token_expiring_mid_read_is_renewed_and_the_read_completes() {
    let sim = sim(350);
    let client = client(&sim);
    let account = first_account(&sim);
    let mut pages = 0;
    let read = client
        .transactions(&account, &mut |_: &[Transaction]| {
            pages += 1;
            if pages == 2 {
                sim.expire_tokens();
            }
            ReadMore::Continue
        })
        .expect("read");
    assert_eq!(
        ids(&read.transactions),
        sim.booked_transaction_ids(&account)
    );
    assert_eq!(count(&sim, is_token), 2);
    assert_eq!(
        count(&sim, |r| is_transactions_page(r) && r.status == 401),
        1
    );
}

#[test]
fn an_incremental_read_costs_one_page_per_hundred_new_plus_one() {
    let sim = sim(10_000);
    let account = first_account(&sim);
    let known: HashSet<String> = sim.booked_transaction_ids(&account).into_iter().collect();
    assert_eq!(known.len(), 10_000);
    let new: Vec<String> = sim.add_transactions(&account, 1_000);
    sim.clear_request_log();

    let client = client(&sim);
    let start = Utc::now() - Days::days(3650);
    let read = client
        .transactions(
            &account,
            &mut stop::stop_when_caught_up(|id| known.contains(id), start),
        )
        .expect("read");
    let got: HashSet<String> = ids(&read.transactions).into_iter().collect();
    assert!(
        new.iter().all(|id| got.contains(id)),
        "every new transaction was read"
    );
    assert!(read.pages <= 11, "{} pages", read.pages);
    assert!(count(&sim, is_transactions_page) <= 11);
    assert_eq!(count(&sim, is_token), 1);
    assert_eq!(
        sim.request_log().len(),
        count(&sim, is_transactions_page) + 1
    );

    // The plain known-id rule costs the same.
    sim.clear_request_log();
    let read = client
        .transactions(&account, &mut stop::stop_at_known(|id| known.contains(id)))
        .expect("read");
    assert!(read.pages <= 11);
    assert_eq!(count(&sim, is_token), 0, "the cached token is reused");
}

#[test]
fn a_back_dated_booking_on_top_is_not_lost() {
    let sim = sim(300);
    let account = first_account(&sim);
    let known: HashSet<String> = sim.booked_transaction_ids(&account).into_iter().collect();
    let late = sim.add_backdated_transaction(&account, 40);
    let client = client(&sim);
    let start = Utc::now() - Days::days(30);
    let read = client
        .transactions(
            &account,
            &mut stop::stop_when_caught_up(|id| known.contains(id), start),
        )
        .expect("read");
    assert!(ids(&read.transactions).contains(&late));
    assert_eq!(read.pages, 1);
}

#[test]
fn bad_credentials_are_typed_and_never_shown() {
    let sim = sim(5);
    let (id, _) = sim.credentials();
    let mut config = config(&sim);
    config.credentials = Credentials::new(id, "wrong-secret-123");
    let client = Client::new(config.clone()).expect("client");
    let err = client.accounts().expect_err("bad credentials");
    assert!(matches!(err, PontoError::BadCredentials { .. }), "{err:?}");
    assert!(!err.is_temporary());
    let shown = format!(
        "{err} {err:?} {config:?} {:?} {client:?}",
        config.credentials
    );
    assert!(!shown.contains("wrong-secret-123"), "{shown}");
    assert_eq!(count(&sim, is_token), 1, "not retried");
}

#[test]
fn one_client_shared_by_threads_fetches_one_token() {
    let sim = sim(120);
    let client = client(&sim);
    let account = first_account(&sim);
    let expected = sim.booked_transaction_ids(&account);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let client = client.clone();
                let account = account.clone();
                s.spawn(move || client.transactions(&account, &mut stop::read_all()))
            })
            .collect();
        for h in handles {
            let read = h.join().expect("thread").expect("read");
            assert_eq!(ids(&read.transactions), expected);
        }
    });
    assert_eq!(count(&sim, is_token), 1);
}

#[test]
fn insecure_urls_are_refused() {
    let creds = Credentials::new("id", "secret");
    let err = Client::new(ClientConfig::new(creds.clone()).with_base_url("http://api.myponto.com"))
        .expect_err("http");
    assert!(matches!(err, PontoError::InsecureUrl { .. }));
    assert!(Client::new(ClientConfig::new(creds.clone()).with_base_url("http://[::1]:1")).is_ok());
    assert!(
        Client::new(ClientConfig::new(creds)).is_ok(),
        "the https default builds"
    );
}

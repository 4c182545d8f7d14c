mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use ponto_sim::{Fault, FaultKind};

#[test]
fn too_many_requests_carries_retry_after() {
    let sim = start(3);
    let token = token(&sim);
    sim.inject(
        Fault::once(FaultKind::TooManyRequests {
            retry_after_secs: 7,
        })
        .on("/transactions"),
    );
    let account = &sim.accounts()[0];
    assert_eq!(
        get(&sim, &token, "/accounts").status,
        200,
        "other paths pass"
    );
    let reply = get(
        &sim,
        &token,
        &format!("/accounts/{}/transactions", account.id),
    );
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("Retry-After"), Some("7"));
    assert_eq!(reply.json()["errors"][0]["code"], "tooManyRequests");
    assert_eq!(
        get(
            &sim,
            &token,
            &format!("/accounts/{}/transactions", account.id)
        )
        .status,
        200
    );
}

#[test]
fn server_errors_skip_and_repeat() {
    let sim = start(3);
    let token = token(&sim);
    sim.inject(Fault {
        kind: FaultKind::ServerError(503),
        path_contains: None,
        times: 2,
        skip: 1,
    });
    let statuses: Vec<u16> = (0..4)
        .map(|_| get(&sim, &token, "/accounts").status)
        .collect();
    assert_eq!(statuses, [200, 503, 503, 200]);
    sim.inject(Fault::once(FaultKind::ServerError(502)));
    sim.clear_faults();
    assert_eq!(get(&sim, &token, "/accounts").status, 200);
}

#[test]
fn connection_reset_answers_nothing() {
    let sim = start(3);
    let token = token(&sim);
    sim.inject(Fault::once(FaultKind::ConnectionReset));
    let bearer = format!("Bearer {token}");
    let result = raw(
        &sim.base_url(),
        "GET",
        "/accounts",
        &[("Authorization", &bearer)],
        "",
    );
    match result {
        Err(e) => assert!(
            matches!(
                e.kind(),
                ErrorKind::ConnectionReset | ErrorKind::UnexpectedEof | ErrorKind::BrokenPipe
            ),
            "{e:?}"
        ),
        Ok(reply) => panic!("expected no answer, got {}", reply.status),
    }
    assert_eq!(sim.request_log().last().map(|r| r.status), Some(0));
    assert_eq!(get(&sim, &token, "/accounts").status, 200);
}

#[test]
fn truncated_body_sends_less_than_content_length() {
    let sim = start(3);
    let token = token(&sim);
    sim.inject(Fault::once(FaultKind::TruncatedBody).on("/accounts"));
    let reply = get(&sim, &token, "/accounts");
    assert_eq!(reply.status, 200);
    assert!(reply.length > 0);
    assert!(
        reply.body.len() < reply.length,
        "{} of {}",
        reply.body.len(),
        reply.length
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_err());
}

#[test]
fn slow_answers_still_arrive() {
    let sim = start(3);
    let token = token(&sim);
    sim.inject(Fault::once(FaultKind::Slow(Duration::from_millis(300))));
    // a client with a short read timeout gives up; the answer itself is intact
    let bearer = format!("Bearer {token}");
    let mut stream = TcpStream::connect(sim.base_url().trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    write!(
        stream,
        "GET /accounts HTTP/1.1\r\nAuthorization: {bearer}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = [0u8; 16];
    let early = stream.read(&mut buf);
    assert!(early.is_err(), "nothing before the delay");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert!(String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 200"));
}

#[test]
fn expire_token_fault_answers_401_once() {
    let sim = start(3);
    let token = token(&sim);
    sim.inject(Fault::once(FaultKind::ExpireToken).on("/accounts"));
    let reply = get(&sim, &token, "/accounts");
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["errors"][0]["code"], "credentialsInvalid");
    assert_eq!(get(&sim, &token, "/accounts").status, 200);
}

#[test]
fn faults_are_safe_with_concurrent_clients() {
    let sim = start(50);
    let token = token(&sim);
    sim.inject(
        Fault::once(FaultKind::ServerError(500))
            .on("/transactions")
            .repeated(5),
    );
    let account = sim.accounts()[0].id.clone();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..5)
                        .map(|_| {
                            get(&sim, &token, &format!("/accounts/{account}/transactions")).status
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 500).count(), 5);
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 15);
}

#[test]
fn request_log_records_method_path_status_and_authorization() {
    let sim = start(3);
    let token = token(&sim);
    sim.clear_request_log();
    let account = &sim.accounts()[0];
    get(
        &sim,
        &token,
        &format!("/accounts/{}/transactions?page[limit]=2", account.id),
    );
    get(&sim, "bad", "/accounts");
    let log = sim.request_log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(
        log[0].path,
        format!("/accounts/{}/transactions?page[limit]=2", account.id)
    );
    assert_eq!(log[0].status, 200);
    assert!(log[0].authorized);
    assert_eq!(log[1].status, 401);
    assert!(!log[1].authorized);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let sim = start(3);
    let token = token(&sim);
    let mut stream = TcpStream::connect(sim.base_url().trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!("GET /accounts HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\r\n");
    let last = format!(
        "GET /accounts HTTP/1.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    write!(stream, "{request}{last}").unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&all)
            .matches("HTTP/1.1 200 OK")
            .count(),
        2
    );
}

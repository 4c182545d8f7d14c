//! A tiny hand-written HTTP client, so these tests depend on nothing but std and serde_json.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ponto_sim::{SimConfig, Simulator};
use serde_json::Value;

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// declared Content-Length
    pub length: usize,
    /// the bytes actually received after the head
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn address(base: &str) -> String {
    base.trim_start_matches("http://").to_string()
}

/// Sends one request on a fresh connection (`Connection: close`) and reads until EOF.
pub fn raw(
    base: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> io::Result<Reply> {
    let mut stream = TcpStream::connect(address(base))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        address(base)
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes())?;
    let mut received = Vec::new();
    stream.read_to_end(&mut received)?;
    parse(&received)
}

fn parse(received: &[u8]) -> io::Result<Reply> {
    let head_end = received
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no complete head"))?;
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    Ok(Reply {
        status,
        headers,
        length,
        body: received[head_end + 4..].to_vec(),
    })
}

/// base64 for HTTP Basic.
pub fn base64(input: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = input.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn token_reply(base: &str, id: &str, secret: &str) -> Reply {
    let basic = format!("Basic {}", base64(&format!("{id}:{secret}")));
    raw(
        base,
        "POST",
        "/oauth2/token",
        &[
            ("Authorization", &basic),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        "grant_type=client_credentials",
    )
    .expect("token request")
}

pub fn token(sim: &Simulator) -> String {
    let (id, secret) = sim.credentials();
    let reply = token_reply(&sim.base_url(), &id, &secret);
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

pub fn get(sim: &Simulator, token: &str, target: &str) -> Reply {
    let bearer = format!("Bearer {token}");
    raw(
        &sim.base_url(),
        "GET",
        target,
        &[("Authorization", &bearer), ("Accept", "application/json")],
        "",
    )
    .expect("GET")
}

pub fn get_json(sim: &Simulator, token: &str, target: &str) -> Value {
    let reply = get(sim, token, target);
    assert_eq!(reply.status, 200, "{target}: {}", reply.text());
    reply.json()
}

pub fn post_json(sim: &Simulator, token: &str, target: &str, body: &str) -> Reply {
    let bearer = format!("Bearer {token}");
    raw(
        &sim.base_url(),
        "POST",
        target,
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
        ],
        body,
    )
    .expect("POST")
}

/// Absolute link to a request target on the simulator.
pub fn target_of(sim: &Simulator, link: &str) -> String {
    link.strip_prefix(&sim.base_url())
        .expect("link on the simulator's base URL")
        .to_string()
}

pub fn start(transactions: usize) -> Simulator {
    Simulator::start(SimConfig {
        seed: 7,
        transactions_per_account: transactions,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

/// Walks `links.next` from `first`, returning the ids in order.
pub fn walk(sim: &Simulator, token: &str, first: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut target = Some(first.to_string());
    while let Some(t) = target {
        let page = get_json(sim, token, &t);
        for item in page["data"].as_array().expect("data array") {
            ids.push(item["id"].as_str().expect("id").to_string());
        }
        target = page["links"]["next"].as_str().map(|l| target_of(sim, l));
    }
    ids
}

/// Walks `links.next` from `first`, returning the items in order.
pub fn walk_items(sim: &Simulator, token: &str, first: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut target = Some(first.to_string());
    while let Some(t) = target {
        let page = get_json(sim, token, &t);
        items.extend(page["data"].as_array().expect("data array").iter().cloned());
        target = page["links"]["next"].as_str().map(|l| target_of(sim, l));
    }
    items
}

/// Walks `links.prev` from the page at `last`, returning the ids from the last one
/// listed back to the first.
pub fn walk_back(sim: &Simulator, token: &str, last: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut target = Some(last.to_string());
    while let Some(t) = target {
        let page = get_json(sim, token, &t);
        let data = page["data"].as_array().expect("data array");
        for item in data.iter().rev() {
            ids.push(item["id"].as_str().expect("id").to_string());
        }
        target = page["links"]["prev"].as_str().map(|l| target_of(sim, l));
    }
    ids
}

pub fn ids_of(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_string())
        .collect()
}

/// `POST /admin/book` (no token: the admin routes are the simulator's own).
pub fn admin_book(sim: &Simulator, body: &str) -> Reply {
    raw(
        &sim.base_url(),
        "POST",
        "/admin/book",
        &[("Content-Type", "application/json")],
        body,
    )
    .expect("POST /admin/book")
}

/// Polls `done` until it holds; a guard against a hang, not a timing assertion.
pub fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting after 30 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

//! Tiny HTTP/1.1 servers on loopback: one answers from a routing closure, so the
//! client can be run against the contract fixtures without the simulator; the other
//! sends bodies that never end.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub struct Request {
    pub method: String,
    /// Path and query as sent, e.g. `/accounts?page[limit]=100`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
    /// A `content-length` to announce instead of the body's real length.
    pub declared_length: Option<u64>,
}

pub fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        body: body.into(),
        headers: Vec::new(),
        declared_length: None,
    }
}

pub struct FixtureServer {
    pub base_url: String,
    pub log: Arc<Mutex<Vec<Request>>>,
}

impl FixtureServer {
    pub fn start(route: impl Fn(&Request, &str) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (log2, base2) = (log.clone(), base_url.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &route, &base2, &log2);
            }
        });
        Self { base_url, log }
    }

    pub fn requests(&self) -> Vec<(String, String)> {
        self.log
            .lock()
            .expect("log")
            .iter()
            .map(|r| (r.method.clone(), r.target.clone()))
            .collect()
    }
}

/// Reads one request (head and `content-length` body) from `reader`.
fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = h.trim_end().split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    Some(Request {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn serve(
    stream: TcpStream,
    route: &impl Fn(&Request, &str) -> Reply,
    base: &str,
    log: &Mutex<Vec<Request>>,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let answer = route(&request, base);
    log.lock().expect("log").push(request);
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        answer.status,
        answer.declared_length.unwrap_or(answer.body.len() as u64)
    );
    for (n, v) in &answer.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(answer.body.as_bytes());
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/ponto")
        .join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).expect("fixture exists")
}

/// A fixture with its `https://api.myponto.com` links pointing at `base` instead.
pub fn fixture_at(name: &str, base: &str) -> String {
    fixture(name).replace("https://api.myponto.com", base)
}

/// Answers every request whose target `answer` maps to `None` with a chunked body that
/// does not end (it stops at 256 MiB only so that a client without a limit fails the
/// test rather than the machine). Counts what it sent.
pub struct ChunkedServer {
    pub base_url: String,
    sent: Arc<AtomicU64>,
    endless: Arc<AtomicUsize>,
}

const ENDLESS_CEILING: u64 = 256 * 1024 * 1024;

impl ChunkedServer {
    pub fn start(answer: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let sent = Arc::new(AtomicU64::new(0));
        let endless = Arc::new(AtomicUsize::new(0));
        let (sent2, endless2) = (sent.clone(), endless.clone());
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (answer, sent, endless) = (answer.clone(), sent2.clone(), endless2.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    let Some(request) = read_request(&mut reader) else {
                        return;
                    };
                    let mut out = stream;
                    if let Some(body) = answer(&request.target) {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = out.write_all(head.as_bytes());
                        let _ = out.write_all(body.as_bytes());
                        return;
                    }
                    endless.fetch_add(1, Ordering::SeqCst);
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
                    if out.write_all(head.as_bytes()).is_err() {
                        return;
                    }
                    let data = vec![b' '; 64 * 1024];
                    let chunk = [
                        format!("{:x}\r\n", data.len()).into_bytes(),
                        data,
                        b"\r\n".to_vec(),
                    ]
                    .concat();
                    while sent.load(Ordering::SeqCst) < ENDLESS_CEILING {
                        if out.write_all(&chunk).is_err() {
                            return;
                        }
                        sent.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                    }
                });
            }
        });
        Self {
            base_url,
            sent,
            endless,
        }
    }

    /// Body bytes written to clients so far.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    /// How many requests got an endless body.
    pub fn endless_answers(&self) -> usize {
        self.endless.load(Ordering::SeqCst)
    }
}

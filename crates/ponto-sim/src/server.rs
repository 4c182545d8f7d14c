//! The running simulator: a loopback listener, one thread per connection, and the
//! controls tests use to change data and inject faults.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use chrono::{Duration as Days, Utc};

use crate::api::{self, Context, Token};
use crate::dates::iso;
use crate::decimal::Dec;
use crate::faults::{self, Fault, FaultKind};
use crate::generate::date_only;
use crate::http::{Conn, Request};
use crate::json::J;
use crate::model::{NewTransaction, SimAccount, SimOrganization, Tx};
use crate::response::{ApiError, Response};
use crate::rng::{key, uuid_from};
use crate::world::World;

/// How the simulator starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    pub seed: u64,
    /// 0 = any free port
    pub port: u16,
    pub transactions_per_account: usize,
    pub token_lifetime: Duration,
    /// added to every request
    pub latency: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            port: 0,
            transactions_per_account: 250,
            token_lifetime: Duration::from_secs(1799),
            latency: Duration::ZERO,
        }
    }
}

/// One request as the simulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// path with query, as sent
    pub path: String,
    /// 0 when the connection was reset instead of answered
    pub status: u16,
    /// whether the request carried valid credentials (token or client secret)
    pub authorized: bool,
}

struct Shared {
    world: Mutex<World>,
    tokens: Mutex<HashMap<String, Token>>,
    faults: Mutex<Vec<Fault>>,
    log: Mutex<Vec<LoggedRequest>>,
    latency: Mutex<Duration>,
    token_lifetime: Duration,
    base_url: String,
    seed: u64,
    requests: AtomicU64,
    stop: AtomicBool,
}

/// A poisoned lock only means a test thread panicked; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running Ponto simulator on 127.0.0.1. Stops when dropped.
pub struct Simulator {
    shared: Arc<Shared>,
    address: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl Simulator {
    pub fn start(config: SimConfig) -> io::Result<Simulator> {
        let listener = TcpListener::bind(("127.0.0.1", config.port))?;
        let address = listener.local_addr()?;
        let world = World::new(
            config.seed,
            config.transactions_per_account,
            Utc::now().date_naive(),
        );
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            tokens: Mutex::new(HashMap::new()),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            latency: Mutex::new(config.latency),
            token_lifetime: config.token_lifetime,
            base_url: format!("http://{address}"),
            seed: config.seed,
            requests: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let accepting = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("ponto-sim-accept".into())
            .spawn(move || accept_loop(listener, accepting))?;
        Ok(Simulator {
            shared,
            address,
            acceptor: Some(acceptor),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn organizations(&self) -> Vec<SimOrganization> {
        lock(&self.shared.world).public_organizations()
    }

    /// The first organization's client id and secret.
    pub fn credentials(&self) -> (String, String) {
        let world = lock(&self.shared.world);
        let org = &world.organizations[0];
        (org.client_id.clone(), org.client_secret.clone())
    }

    /// `n` more accounts for the first organization (for tests and benchmarks with many
    /// accounts), each with `transactions_per_account` seeded transactions.
    pub fn add_accounts(&self, n: usize) -> Vec<SimAccount> {
        let mut world = lock(&self.shared.world);
        let added = world.add_accounts(n);
        added
            .into_iter()
            .map(|i| world.public_account(&world.accounts[i]))
            .collect()
    }

    /// All accounts of all organizations.
    pub fn accounts(&self) -> Vec<SimAccount> {
        let world = lock(&self.shared.world);
        world
            .accounts
            .iter()
            .map(|a| world.public_account(a))
            .collect()
    }

    /// Exact decimal text with at least two decimals, e.g. `"1234.50"`.
    pub fn current_balance(&self, account_id: &str) -> Option<String> {
        let world = lock(&self.shared.world);
        world
            .account_index(account_id)
            .map(|i| world.accounts[i].balance.to_text(2))
    }

    /// `n` new booked transactions created now (listed at the top), dated today (UTC);
    /// the balance follows. Returns their ids, oldest first. Unknown account: none.
    pub fn add_transactions(&self, account_id: &str, n: usize) -> Vec<String> {
        let mut world = lock(&self.shared.world);
        let Some(index) = world.account_index(account_id) else {
            return Vec::new();
        };
        let today = Utc::now().date_naive();
        (0..n)
            .map(|_| {
                let tx = world.generated_content(index, today);
                world.push_transaction(index, tx)
            })
            .collect()
    }

    /// One booked transaction created now, executed `days_ago` days ago (back-dated).
    /// Returns its id (empty for an unknown account).
    pub fn add_backdated_transaction(&self, account_id: &str, days_ago: u32) -> String {
        let mut world = lock(&self.shared.world);
        let Some(index) = world.account_index(account_id) else {
            return String::new();
        };
        let day = Utc::now().date_naive() - Days::days(i64::from(days_ago));
        let tx = world.generated_content(index, day);
        world.push_transaction(index, tx)
    }

    /// A booked transaction with the given attributes, created now. Returns its id
    /// (empty for an unknown account or an amount that is not decimal text).
    pub fn add_transaction(&self, account_id: &str, new: NewTransaction) -> String {
        let mut world = lock(&self.shared.world);
        let Some(index) = world.account_index(account_id) else {
            return String::new();
        };
        let Some(amount) = Dec::parse(new.amount.trim()) else {
            return String::new();
        };
        let account = &world.accounts[index];
        let today = date_only(account.bank().date_style, Utc::now().date_naive());
        let now = iso(Utc::now());
        let has_remittance = new.remittance_information.is_some();
        let tx = Tx {
            id: String::new(),
            amount,
            amount_text: new.amount.trim().to_string(),
            currency: new
                .currency
                .unwrap_or_else(|| account.spec.currency.to_string()),
            value_date: new
                .value_date
                .or_else(|| new.execution_date.clone())
                .unwrap_or_else(|| today.clone()),
            execution_date: new.execution_date.unwrap_or(today),
            description: new.description,
            remittance_information: new.remittance_information,
            remittance_information_type: new
                .remittance_information_type
                .or_else(|| has_remittance.then(|| "unstructured".to_string())),
            counterpart_name: new.counterpart_name,
            counterpart_reference: new.counterpart_reference,
            end_to_end_id: new.end_to_end_id,
            bank_transaction_code: new.bank_transaction_code,
            proprietary_bank_transaction_code: new.proprietary_bank_transaction_code,
            purpose_code: new.purpose_code,
            mandate_id: new.mandate_id,
            creditor_id: new.creditor_id,
            additional_information: new.additional_information,
            internal_reference: new.internal_reference,
            digest: None,
            fee: new.fee,
            card_reference: new.card_reference,
            card_reference_type: new.card_reference_type,
            created_at: now.clone(),
            updated_at: now,
        };
        world.push_transaction(index, tx)
    }

    /// Sets the current (and available) balance; ignored when `balance` is not decimal text.
    pub fn set_current_balance(&self, account_id: &str, balance: &str) {
        let mut world = lock(&self.shared.world);
        let (Some(index), Some(value)) =
            (world.account_index(account_id), Dec::parse(balance.trim()))
        else {
            return;
        };
        let account = &mut world.accounts[index];
        account.balance = value;
        account.balance_changed_at = iso(Utc::now());
        account.balance_reference_date = account.balance_changed_at.clone();
    }

    /// Changes an attribute of an already listed transaction (as Ponto sometimes does),
    /// keeping its id and position; `updatedAt` moves to now.
    pub fn modify_transaction(
        &self,
        account_id: &str,
        tx_id: &str,
        attribute: &str,
        value: serde_json::Value,
    ) {
        let mut world = lock(&self.shared.world);
        let seed = world.seed;
        let Some(index) = world.account_index(account_id) else {
            return;
        };
        let account = &mut world.accounts[index];
        let Some(storage) = account.index_of(seed, tx_id) else {
            return;
        };
        let changes = account.overrides.entry(storage).or_default();
        changes.retain(|(name, _)| name != attribute);
        changes.push((attribute.to_string(), J::from(&value)));
        if attribute != "updatedAt" {
            changes.retain(|(name, _)| name != "updatedAt");
            changes.push(("updatedAt".to_string(), J::Str(iso(Utc::now()))));
        }
    }

    /// Booked transaction ids, newest (by creation) first.
    pub fn booked_transaction_ids(&self, account_id: &str) -> Vec<String> {
        let world = lock(&self.shared.world);
        let Some(index) = world.account_index(account_id) else {
            return Vec::new();
        };
        let account = &world.accounts[index];
        let ctx = account.context(world.seed);
        (0..account.transaction_count())
            .rev()
            .map(|i| crate::generate::tx_id(&ctx, i))
            .collect()
    }

    /// Pending transaction ids, newest first.
    pub fn pending_transaction_ids(&self, account_id: &str) -> Vec<String> {
        let world = lock(&self.shared.world);
        let Some(index) = world.account_index(account_id) else {
            return Vec::new();
        };
        world.accounts[index]
            .pending
            .iter()
            .rev()
            .map(|t| t.id.clone())
            .collect()
    }

    /// Queues a fault for the next matching requests.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every token issued so far becomes invalid (401 on its next use).
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).clear();
    }

    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.shared.latency) = latency;
    }

    /// Minimum time between two synchronizations of one subtype for one account
    /// (default 60 s); sooner gives 400 `accountRecentlySynchronized`.
    pub fn set_sync_cooldown(&self, cooldown: Duration) {
        lock(&self.shared.world).sync_cooldown = cooldown;
    }

    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    pub fn clear_request_log(&self) {
        lock(&self.shared.log).clear();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // wake the blocking accept() so the thread sees the stop flag
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Starts a simulator, prints its base URL and credentials, and serves until killed.
pub fn serve_forever(config: SimConfig) -> io::Result<()> {
    let simulator = Simulator::start(config)?;
    println!("Ponto simulator listening on {}", simulator.base_url());
    for org in simulator.organizations() {
        println!("organization: {}", org.name);
        println!("  client id:     {}", org.client_id);
        println!("  client secret: {}", org.client_secret);
        for account in org.accounts {
            println!(
                "  account {} {} {}",
                account.id, account.iban, account.currency
            );
        }
    }
    loop {
        thread::park();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let connection = Arc::clone(&shared);
        let _ = thread::Builder::new()
            .name("ponto-sim-conn".into())
            .spawn(move || serve_connection(stream, connection));
    }
}

fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let Ok(mut conn) = Conn::new(stream) else {
        return;
    };
    while let Ok(Some(request)) = conn.read_request(&shared.stop) {
        if !answer(&mut conn, &request, &shared) || request.wants_close() {
            break;
        }
    }
}

fn next_request_id(shared: &Shared) -> String {
    let n = shared.requests.fetch_add(1, Ordering::SeqCst);
    let h = key(&[shared.seed, 0x1D, n]);
    uuid_from(h, key(&[h, n]))
}

/// Answers one request; false when the connection must close.
fn answer(conn: &mut Conn, request: &Request, shared: &Shared) -> bool {
    let latency = *lock(&shared.latency);
    if !latency.is_zero() {
        thread::sleep(latency);
    }
    let request_id = next_request_id(shared);
    let fault = faults::take(&mut lock(&shared.faults), &request.target);
    let mut truncate = false;
    let response = match fault {
        Some(FaultKind::ConnectionReset) => {
            record(shared, request, 0, false);
            // linger 0 makes close() send RST instead of FIN
            let _ = socket2::SockRef::from(&conn.stream).set_linger(Some(Duration::ZERO));
            return false;
        }
        Some(FaultKind::Slow(delay)) => {
            thread::sleep(delay);
            normal(request, shared, &request_id)
        }
        Some(FaultKind::TooManyRequests { retry_after_secs }) => ApiError::new(
            429,
            "tooManyRequests",
            "Too many requests. Try again later.",
        )
        .into_response(&request_id)
        .header("Retry-After", &retry_after_secs.to_string()),
        Some(FaultKind::ServerError(status)) => ApiError::new(
            status,
            "internalServerError",
            "Something went wrong on our side.",
        )
        .into_response(&request_id),
        Some(FaultKind::ExpireToken) => ApiError::expired_token().into_response(&request_id),
        Some(FaultKind::TruncatedBody) => {
            truncate = true;
            normal(request, shared, &request_id)
        }
        None => normal(request, shared, &request_id),
    };
    let response = response.header("ibanity-request-id", &request_id);
    record(shared, request, response.status, response.authorized);
    let keep_alive = !truncate && !request.wants_close();
    let written = conn.write_response(&response, keep_alive, truncate);
    if truncate {
        let _ = conn.stream.shutdown(std::net::Shutdown::Both);
    }
    written.is_ok() && keep_alive
}

fn normal(request: &Request, shared: &Shared, request_id: &str) -> Response {
    let mut world = lock(&shared.world);
    let mut tokens = lock(&shared.tokens);
    let mut ctx = Context {
        world: &mut world,
        tokens: &mut tokens,
        base: &shared.base_url,
        token_lifetime: shared.token_lifetime,
        request_id,
        token_seed: shared.seed,
    };
    api::handle(&mut ctx, request)
}

fn record(shared: &Shared, request: &Request, status: u16, authorized: bool) {
    lock(&shared.log).push(LoggedRequest {
        method: request.method.clone(),
        path: request.target.clone(),
        status,
        authorized,
    });
}

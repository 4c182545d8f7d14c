//! The running simulator: a loopback listener, one thread per connection, and the
//! controls tests use to change data and inject faults.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use chrono::{DateTime, Duration as Days, Utc};

use crate::api::{self, Context, Token};
use crate::booking::{Booker, BookingSchedule};
use crate::dates::iso;
use crate::decimal::Dec;
use crate::faults::{self, Fault, FaultKind};
use crate::http::{Conn, Request};
use crate::json::J;
use crate::listing::ListingOrder;
use crate::model::{NewTransaction, SimAccount, SimOrganization};
use crate::response::{ApiError, Response};
use crate::rng::{key, uuid_from};
use crate::world::{SyncError, World};

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

    /// `n` new booked transactions created now (listed at the top in creation order),
    /// dated today (UTC); the balance follows. Returns their ids, oldest first. Unknown
    /// account: none. On an account replaced by [`Simulator::reauthorize_account`] they
    /// are booked on the account that replaced it, as all of the bank's new bookings are.
    pub fn add_transactions(&self, account_id: &str, n: usize) -> Vec<String> {
        let mut world = lock(&self.shared.world);
        let Some(index) = world.account_index(account_id).map(|i| world.live(i)) else {
            return Vec::new();
        };
        let today = Utc::now().date_naive();
        (0..n).map(|_| world.book_generated(index, today)).collect()
    }

    /// One booked transaction created now, executed `days_ago` days ago (back-dated).
    /// Returns its id (empty for an unknown account). Follows re-authorizations like
    /// [`Simulator::add_transactions`].
    pub fn add_backdated_transaction(&self, account_id: &str, days_ago: u32) -> String {
        let mut world = lock(&self.shared.world);
        let Some(index) = world.account_index(account_id).map(|i| world.live(i)) else {
            return String::new();
        };
        let day = Utc::now().date_naive() - Days::days(i64::from(days_ago));
        world.book_generated(index, day)
    }

    /// A booked transaction with the given attributes, created now. Returns its id
    /// (empty for an unknown account or an amount that is not decimal text). Follows
    /// re-authorizations like [`Simulator::add_transactions`].
    pub fn add_transaction(&self, account_id: &str, new: NewTransaction) -> String {
        let mut world = lock(&self.shared.world);
        let Some(index) = world.account_index(account_id).map(|i| world.live(i)) else {
            return String::new();
        };
        world.book_new(index, new).unwrap_or_default()
    }

    /// How the booked transactions list is ordered from now on (default
    /// [`ListingOrder::Created`]). Ponto's real order is not confirmed; set it right after
    /// `start` to test a client against the other one.
    pub fn set_listing_order(&self, order: ListingOrder) {
        lock(&self.shared.world).listing_order = order;
    }

    pub fn listing_order(&self) -> ListingOrder {
        lock(&self.shared.world).listing_order
    }

    /// Models a bank re-authorization in Ponto (a new consent on a new connection): a new
    /// account for the same IBAN and currency, with a new id, whose whole history is
    /// listed again under new transaction ids with the same bank data (dates, amount,
    /// counterpart, remittance, end-to-end id, description, codes, digest) and a new
    /// `createdAt`/`updatedAt` (the moment of re-authorization); the old account becomes
    /// `deprecated` and keeps listing its transactions. New bookings go to the new
    /// account only. Returns the new account (`None` for an unknown id); re-authorizing a
    /// replaced account replaces the account that replaced it.
    pub fn reauthorize_account(&self, account_id: &str) -> Option<SimAccount> {
        let mut world = lock(&self.shared.world);
        let index = world.account_index(account_id)?;
        let new = world.reauthorize(index);
        Some(world.public_account(&world.accounts[new]))
    }

    /// Sets `attributes.authorizationExpirationExpectedAt` (`None`: `null`).
    pub fn set_authorization_expiry(&self, account_id: &str, at: Option<DateTime<Utc>>) {
        self.with_account(account_id, |world, index| {
            world.accounts[index].authorization_expires_at = at.map(iso);
        });
    }

    /// Sets `attributes.deprecated`.
    pub fn set_deprecated(&self, account_id: &str, deprecated: bool) {
        self.with_account(account_id, |world, index| {
            world.accounts[index].deprecated = deprecated;
        });
    }

    /// Sets `meta.availability`: `"available"` is the only value the sources show;
    /// anything else (`"unavailable"`, say) is served as given.
    pub fn set_availability(&self, account_id: &str, availability: &str) {
        self.with_account(account_id, |world, index| {
            world.accounts[index].availability = availability.to_string();
        });
    }

    /// A successful synchronization by Ponto that finished at `at` becomes the account's
    /// `meta.latestSynchronization`, and `meta.synchronizedAt` becomes `at`. Call it
    /// before [`Simulator::set_latest_synchronization_error`] for an account that has
    /// been failing since `at`.
    pub fn set_synchronized_at(&self, account_id: &str, at: DateTime<Utc>) {
        self.with_account(account_id, |world, index| {
            world.record_sync(index, at, Vec::new());
        });
    }

    /// A synchronization by Ponto that failed now becomes the account's
    /// `meta.latestSynchronization`: status `error`, `errors` `[{code, detail, meta}]`
    /// (e.g. `authorizationInvalid`, "The authorization is invalid, you should ask the
    /// customer to reauthorize the account"). `meta.synchronizedAt` stays at the last
    /// successful one.
    pub fn set_latest_synchronization_error(&self, account_id: &str, code: &str, detail: &str) {
        self.with_account(account_id, |world, index| {
            let now = Utc::now();
            let error = SyncError {
                code: code.to_string(),
                detail: detail.to_string(),
                at: iso(now),
            };
            world.record_sync(index, now, vec![error]);
        });
    }

    /// One round of `schedule`'s bookings, now; returns the new transaction ids. The
    /// same seed and the same calls book the same transactions (apart from the dates).
    pub fn book_round(&self, schedule: &BookingSchedule) -> Vec<String> {
        lock(&self.shared.world).book_round(schedule)
    }

    /// Books one transaction executed today on every account (not replaced by a
    /// re-authorization) every `every`, from a background thread, until the returned
    /// [`Booker`] is stopped or dropped.
    pub fn start_booking_every(&self, every: Duration) -> Booker {
        self.start_booking(BookingSchedule::every(every))
    }

    /// Books [`Simulator::book_round`]`(schedule)` every `schedule.every` from a
    /// background thread, until the returned [`Booker`] is stopped or dropped, or the
    /// simulator stops.
    pub fn start_booking(&self, schedule: BookingSchedule) -> Booker {
        let shared = Arc::clone(&self.shared);
        Booker::spawn(schedule.every, move || {
            if shared.stop.load(Ordering::SeqCst) {
                return false;
            }
            lock(&shared.world).book_round(&schedule);
            true
        })
    }

    fn with_account(&self, account_id: &str, change: impl FnOnce(&mut World, usize)) {
        let mut world = lock(&self.shared.world);
        if let Some(index) = world.account_index(account_id) {
            change(&mut world, index);
        }
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
        // the change may move it in execution order
        account.execution_order.take();
        let changes = account.overrides.entry(storage).or_default();
        changes.retain(|(name, _)| name != attribute);
        changes.push((attribute.to_string(), J::from(&value)));
        if attribute != "updatedAt" {
            changes.retain(|(name, _)| name != "updatedAt");
            changes.push(("updatedAt".to_string(), J::Str(iso(Utc::now()))));
        }
    }

    /// Sets a transaction attribute to `json`, JSON text served exactly as given: an
    /// attribute Ponto may add one day, a `null`, a number literal like `1.10` or `1e2`.
    /// As if the bank had sent it so from the start, `updatedAt` stays. False (nothing
    /// changed) when the account or transaction is unknown or `json` is not one JSON value.
    pub fn set_raw_attribute(
        &self,
        account_id: &str,
        tx_id: &str,
        attribute: &str,
        json: &str,
    ) -> bool {
        let Some(value) = J::raw(json) else {
            return false;
        };
        let mut world = lock(&self.shared.world);
        let seed = world.seed;
        let Some(index) = world.account_index(account_id) else {
            return false;
        };
        let account = &mut world.accounts[index];
        let Some(storage) = account.index_of(seed, tx_id) else {
            return false;
        };
        // it may replace an earlier change that moved it in execution order
        account.execution_order.take();
        let changes = account.overrides.entry(storage).or_default();
        changes.retain(|(name, _)| name != attribute);
        changes.push((attribute.to_string(), value));
        true
    }

    /// Booked transaction ids as the API lists them: in the listing order (by default
    /// newest by creation first).
    pub fn booked_transaction_ids(&self, account_id: &str) -> Vec<String> {
        let world = lock(&self.shared.world);
        let Some(index) = world.account_index(account_id) else {
            return Vec::new();
        };
        let account = &world.accounts[index];
        let ctx = account.context(world.seed);
        (0..account.transaction_count())
            .filter_map(|p| world.listed_storage(account, p))
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
/// `book_every`: also book one transaction on every account at that interval (see
/// [`Simulator::start_booking_every`]), so that incremental fetches have news.
pub fn serve_forever(config: SimConfig, book_every: Option<Duration>) -> io::Result<()> {
    let simulator = Simulator::start(config)?;
    let _booker = book_every.map(|every| simulator.start_booking_every(every));
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
        Some(FaultKind::EchoAuthorization(status)) => ApiError::new(
            status,
            "badRequest",
            &format!(
                "request rejected; it carried Authorization: {}",
                request.header("authorization").unwrap_or("(none)")
            ),
        )
        .into_response(&request_id),
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

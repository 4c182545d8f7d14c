//! The Ponto client: one value, cheap to clone and safe to share between threads
//! (the token cache is shared too), with a method per API call this project needs.

use crate::auth::{AccessToken, TokenCache, TokenResponse};
use crate::config::{ClientConfig, Credentials};
use crate::document::Document;
use crate::endpoint::Endpoint;
use crate::error::{ApiDetails, PontoError, Result};
use crate::error_body::is_credentials_code;
use crate::paging::{Pages, ReadMore, TransactionRead};
use crate::raw::Raw;
use crate::redact::Redactor;
use crate::resources::{Account, FinancialInstitution, Synchronization, Transaction};
use crate::synchronization::{
    RECENTLY_SYNCHRONIZED, SyncOutcome, SyncState, SyncSubtype, errors_text, request_body, state,
};
use crate::transport::{Answer, Auth, Body, Call, Transport};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest page Ponto serves; also what a run costs: one page per 100 new items.
const PAGE_LIMIT_QUERY: &str = "page[limit]=100";

/// A blocking Ponto client.
///
/// ```no_run
/// use ponto::{Client, ClientConfig, Credentials, stop};
/// # fn main() -> Result<(), ponto::PontoError> {
/// let client = Client::new(ClientConfig::new(Credentials::new("id", "secret")))?;
/// for account in client.accounts()? {
///     let id = account.id.clone().unwrap_or_default();
///     let known = |_: &str| false; // the ledger's exported ids
///     let start = chrono::Utc::now() - chrono::Duration::days(30);
///     let read = client.transactions(&id, &mut stop::stop_when_caught_up(known, start))?;
///     println!("{id}: {} transactions in {} pages", read.transactions.len(), read.pages);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Endpoint,
    transport: Transport,
    credentials: Credentials,
    tokens: TokenCache,
    sync_poll_interval: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.endpoint.base().as_str())
            .field("client_id", &self.inner.credentials.client_id)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Checks the configuration (https, or http on loopback only; credentials present)
    /// and prepares the HTTP client. Nothing is sent yet.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let endpoint = Endpoint::parse(&config.base_url)?;
        if config.credentials.client_id.trim().is_empty()
            || config.credentials.client_secret.is_empty()
        {
            return Err(PontoError::InvalidConfig {
                reason: "client id and client secret must both be set".into(),
            });
        }
        // reqwest takes rustls's process-wide crypto provider: ring, unless the program
        // installed another one first (then that one stays).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::blocking::Client::builder()
            .user_agent(config.user_agent.as_str())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // Ponto's API does not redirect; following one could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!endpoint.plain_http)
            .build()
            .map_err(|e| PontoError::InvalidConfig {
                reason: format!("cannot set up HTTPS: {e}"),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                endpoint,
                transport: Transport::new(http, config.retry, Redactor::new(&config.credentials)),
                credentials: config.credentials,
                tokens: TokenCache::default(),
                sync_poll_interval: config.sync_poll_interval,
            }),
        })
    }

    pub fn base_url(&self) -> &str {
        self.inner.endpoint.base().as_str()
    }

    /// Every account the integration may read (all pages).
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let url = self.first_page(&["accounts"]);
        Ok(self
            .read_pages::<Account>(url, &mut |_| ReadMore::Continue)?
            .items)
    }

    /// [`accounts`](Self::accounts), each with the JSON text Ponto sent (for bundles).
    pub fn accounts_raw(&self) -> Result<Vec<Raw<Account>>> {
        let url = self.first_page(&["accounts"]);
        Ok(self
            .read_pages::<Raw<Account>>(url, &mut |_| ReadMore::Continue)?
            .items)
    }

    pub fn account(&self, account_id: &str) -> Result<Account> {
        self.get_one(&["accounts", account_id])
    }

    pub fn financial_institution(&self, id: &str) -> Result<FinancialInstitution> {
        self.get_one(&["financial-institutions", id])
    }

    /// The account's bank, via `relationships.financialInstitution.data.id`; `None`
    /// when the account names none.
    pub fn account_financial_institution(
        &self,
        account: &Account,
    ) -> Result<Option<FinancialInstitution>> {
        financial_institution_id(account)
            .map(|id| self.financial_institution(id))
            .transpose()
    }

    /// [`account_financial_institution`](Self::account_financial_institution) with the
    /// JSON text Ponto sent (for bundles).
    pub fn account_financial_institution_raw(
        &self,
        account: &Account,
    ) -> Result<Option<Raw<FinancialInstitution>>> {
        financial_institution_id(account)
            .map(|id| self.get_one(&["financial-institutions", id]))
            .transpose()
    }

    /// Booked transactions, newest created first, 100 a page, following `links.next`
    /// exactly as Ponto sends it while it stays on this account's transactions (a link
    /// to another site or path is [`PontoError::NextLinkRefused`]). `stop` sees each
    /// page after it is read (see [`crate::stop`]); reading also ends when there is no
    /// next page. The result holds every page read, in API order, or the read is an
    /// error: never a partial list.
    pub fn transactions(
        &self,
        account_id: &str,
        stop: &mut dyn FnMut(&[Transaction]) -> ReadMore,
    ) -> Result<TransactionRead> {
        self.read_transactions(account_id, stop)
    }

    /// [`transactions`](Self::transactions), each with the JSON text Ponto sent: what a
    /// bundle stores, so that attributes this crate does not know yet, `null`s and
    /// number literals survive. `stop` sees the typed transactions of each page.
    pub fn transactions_raw(
        &self,
        account_id: &str,
        stop: &mut dyn FnMut(&[Transaction]) -> ReadMore,
    ) -> Result<TransactionRead<Raw<Transaction>>> {
        // The stop rules take typed pages; a page is at most 100 transactions.
        let mut typed_stop = |page: &[Raw<Transaction>]| {
            let typed: Vec<Transaction> = page.iter().map(|t| t.value().clone()).collect();
            stop(&typed)
        };
        self.read_transactions(account_id, &mut typed_stop)
    }

    fn read_transactions<T: DeserializeOwned>(
        &self,
        account_id: &str,
        stop: &mut dyn FnMut(&[T]) -> ReadMore,
    ) -> Result<TransactionRead<T>> {
        let url = self.first_page(&["accounts", account_id, "transactions"]);
        let pages = self.read_pages(url, stop)?;
        // debug: the caller logs the account's read by its IBAN, which this does not know
        tracing::debug!(
            account_id,
            pages = pages.pages,
            transactions = pages.items.len(),
            "read Ponto transactions"
        );
        Ok(TransactionRead {
            transactions: pages.items,
            pages: pages.pages,
            synchronized_at: pages.synchronized_at,
            latest_synchronization: pages.latest_synchronization,
        })
    }

    /// All pending (not yet booked) transactions of the account.
    pub fn pending_transactions(&self, account_id: &str) -> Result<Vec<Transaction>> {
        let url = self.first_page(&["accounts", account_id, "pending-transactions"]);
        Ok(self.read_pages(url, &mut |_| ReadMore::Continue)?.items)
    }

    /// Asks Ponto to fetch fresh data from the bank. `customer_ip` is the address of the
    /// user who asked for it (PSD2: an attended access). Ponto answers 400 with code
    /// `accountRecentlySynchronized` when one ran moments ago.
    pub fn create_synchronization(
        &self,
        account_id: &str,
        subtype: SyncSubtype,
        customer_ip: IpAddr,
    ) -> Result<Synchronization> {
        let url = self.inner.endpoint.url(&["synchronizations"]);
        let body = request_body(account_id, subtype, customer_ip);
        let (doc, _) =
            self.authorized::<Document<Synchronization>>(Method::POST, &url, Body::Json(&body))?;
        tracing::info!(
            account_id,
            subtype = subtype.as_str(),
            id = doc.data.id.as_deref().unwrap_or(""),
            "created Ponto synchronization"
        );
        Ok(doc.data)
    }

    pub fn synchronization(&self, id: &str) -> Result<Synchronization> {
        self.get_one(&["synchronizations", id])
    }

    /// Synchronizes the account's transactions and waits until Ponto reports success or
    /// error, or `timeout` passes. "Synchronized too recently" counts as success: the
    /// data is fresh already.
    pub fn synchronize_and_wait(
        &self,
        account_id: &str,
        customer_ip: IpAddr,
        timeout: Duration,
    ) -> Result<SyncOutcome> {
        let deadline = Instant::now() + timeout;
        let mut current = match self.create_synchronization(
            account_id,
            SyncSubtype::AccountTransactions,
            customer_ip,
        ) {
            Ok(sync) => sync,
            Err(e) if e.code() == Some(RECENTLY_SYNCHRONIZED) => {
                return Ok(SyncOutcome::AlreadyFresh);
            }
            Err(e) => return Err(e),
        };
        let id = current
            .id
            .clone()
            .ok_or_else(|| PontoError::UnexpectedResponse {
                status: 201,
                shape: "synchronization without an id".into(),
                details: ApiDetails::default(),
            })?;
        loop {
            match state(&current) {
                SyncState::Succeeded => return Ok(SyncOutcome::Completed(Box::new(current))),
                SyncState::Failed if was_recent(&current) => return Ok(SyncOutcome::AlreadyFresh),
                SyncState::Failed => {
                    return Err(self.redacted(PontoError::SynchronizationFailed {
                        id,
                        errors: errors_text(&current),
                    }));
                }
                SyncState::Running => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(self.redacted(PontoError::SynchronizationTimeout {
                    id,
                    waited: timeout,
                }));
            }
            std::thread::sleep(self.inner.sync_poll_interval.min(deadline - now));
            current = self.synchronization(&id)?;
        }
    }

    /// `base/segments…?page[limit]=100`, written as Ponto documents it (brackets as is).
    fn first_page(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.endpoint.url(segments);
        url.set_query(Some(PAGE_LIMIT_QUERY));
        url
    }

    fn get_one<R: DeserializeOwned>(&self, segments: &[&str]) -> Result<R> {
        let url = self.inner.endpoint.url(segments);
        let (doc, _) = self.authorized::<Document<R>>(Method::GET, &url, Body::Empty)?;
        Ok(doc.data)
    }

    /// Reads pages from `first` on, one retried request per page, until `stop` says so or
    /// Ponto has no next page.
    fn read_pages<T: DeserializeOwned>(
        &self,
        first: Url,
        stop: &mut dyn FnMut(&[T]) -> ReadMore,
    ) -> Result<Pages<T>> {
        let mut pages = Pages::default();
        let mut seen = HashSet::new();
        let mut url = first;
        loop {
            seen.insert(url.to_string());
            let (doc, status) =
                self.authorized::<Document<Vec<T>>>(Method::GET, &url, Body::Empty)?;
            pages.pages += 1;
            if pages.pages == 1 {
                pages.synchronized_at = doc.synchronized_at();
                pages.latest_synchronization = doc.latest_synchronization();
            }
            let verdict = stop(&doc.data);
            let next = match verdict {
                ReadMore::Continue if !doc.data.is_empty() => doc.next_link().map(str::to_owned),
                _ => None,
            };
            tracing::debug!(
                page = pages.pages,
                items = doc.data.len(),
                path = url.path(),
                "read Ponto page"
            );
            pages.items.extend(doc.data);
            let Some(link) = next else { return Ok(pages) };
            url = self
                .inner
                .endpoint
                .next_page(&url, &link, status)
                .map_err(|e| self.redacted(e))?;
            if seen.contains(url.as_str()) {
                return Err(PontoError::UnexpectedResponse {
                    status,
                    shape: "links.next leads back to a page already read".into(),
                    details: ApiDetails::default(),
                });
            }
        }
    }

    /// A call with the cached token; on 401 once more with a new token, and a second 401
    /// means the credentials no longer work.
    fn authorized<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &Url,
        body: Body<'_>,
    ) -> Result<(T, u16)> {
        let token = self.token()?;
        let details = match self.send_with(&token, method.clone(), url, body)? {
            Answer::Ok { value, status } => return Ok((value, status)),
            Answer::Unauthorized(details) => details,
        };
        tracing::info!(
            code = details.code.as_deref().unwrap_or(""),
            "Ponto refused the access token; fetching a new one"
        );
        self.inner.tokens.invalidate(&token);
        let token = self.token()?;
        match self.send_with(&token, method, url, body)? {
            Answer::Ok { value, status } => Ok((value, status)),
            Answer::Unauthorized(details) => {
                self.inner.tokens.invalidate(&token);
                Err(PontoError::BadCredentials { details })
            }
        }
    }

    fn send_with<T: DeserializeOwned>(
        &self,
        token: &AccessToken,
        method: Method,
        url: &Url,
        body: Body<'_>,
    ) -> Result<Answer<T>> {
        self.inner.transport.send(&Call {
            method,
            url,
            auth: Auth::Bearer(&token.secret),
            body,
        })
    }

    /// `error` cleaned of the credentials and the current token, for errors the client
    /// builds itself from server text (the transport cleans its own).
    fn redacted(&self, error: PontoError) -> PontoError {
        let token = self.inner.tokens.current();
        self.inner
            .transport
            .redactor()
            .error(error, token.as_ref().map(|t| &t.secret))
    }

    fn token(&self) -> Result<AccessToken> {
        self.inner.tokens.get(|| self.fetch_token())
    }

    /// `POST /oauth2/token` with HTTP Basic and `grant_type=client_credentials`.
    fn fetch_token(&self) -> Result<TokenResponse> {
        let url = self.inner.endpoint.url(&["oauth2", "token"]);
        let call = Call {
            method: Method::POST,
            url: &url,
            auth: Auth::Basic(&self.inner.credentials),
            body: Body::Form(&[("grant_type", "client_credentials")]),
        };
        match self.inner.transport.send::<TokenResponse>(&call) {
            Ok(Answer::Ok { value, .. }) => Ok(value),
            Ok(Answer::Unauthorized(details)) => Err(PontoError::BadCredentials { details }),
            Err(PontoError::Rejected { details, .. } | PontoError::Forbidden { details })
                if is_credentials_code(details.code.as_deref()) =>
            {
                Err(PontoError::BadCredentials { details })
            }
            // The decoder's message could quote a field of the answer; keep tokens out.
            Err(PontoError::UnexpectedResponse {
                status, details, ..
            }) => Err(PontoError::UnexpectedResponse {
                status,
                shape: "token answer without a string `access_token`".into(),
                details,
            }),
            Err(e) => Err(e),
        }
    }
}

/// `relationships.financialInstitution.data.id`.
fn financial_institution_id(account: &Account) -> Option<&str> {
    account
        .relationships
        .as_ref()
        .and_then(|r| r.pointer("/financialInstitution/data/id"))
        .and_then(|id| id.as_str())
}

fn was_recent(sync: &Synchronization) -> bool {
    sync.attributes
        .errors
        .iter()
        .flatten()
        .any(|e| e.get("code").and_then(|c| c.as_str()) == Some(RECENTLY_SYNCHRONIZED))
}

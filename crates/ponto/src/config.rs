//! How to reach Ponto: base URL, credentials, timeouts and the retry policy.

use crate::secret::Secret;
use std::time::Duration;

/// The production API of MyPonto custom integrations.
pub const DEFAULT_BASE_URL: &str = "https://api.myponto.com";

/// A custom integration's client id and secret (the secret never prints).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
}

impl Credentials {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }
}

/// Bounds on retrying temporary failures (429, 5xx, dropped connections, timeouts,
/// truncated bodies): exponential backoff with jitter, at most `max_attempts` tries in
/// total and no new try once `max_elapsed` has passed since the first one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries per request, the first included (1 = no retry).
    pub max_attempts: u32,
    pub max_elapsed: Duration,
    /// Delay before the first retry; doubles on each further retry.
    pub base_delay: Duration,
    /// Upper bound of a single delay, also the cap on a server's `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(120),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: every temporary failure is returned at once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://…`, or `http://…` on a loopback host only (simulator, tests).
    pub base_url: String,
    pub credentials: Credentials,
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub user_agent: String,
    /// Pause between two looks at a running synchronization.
    pub sync_poll_interval: Duration,
}

impl ClientConfig {
    /// Production defaults for the given credentials.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            user_agent: concat!("ponto2camt/", env!("CARGO_PKG_VERSION")).to_owned(),
            sync_poll_interval: Duration::from_secs(2),
        }
    }

    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

//! What can go wrong talking to Ponto. Every variant carries what Ponto said about the
//! failure (its error `code`, `detail` and the `ibanity-request-id` to quote to support)
//! and never the client secret or a token: text from the server passes through the
//! client's redaction (credentials and the token replaced, at most 500 characters)
//! before it is stored here.
//!
//! How a caller sorts these (the app's exit codes):
//! - [`PontoError::is_temporary`]: try again later (rate limit, outage, timeout);
//! - `BadCredentials`, `InvalidConfig`, `InsecureUrl`: the configuration is wrong;
//! - `NotFound`, `Forbidden`: the integration cannot read this resource;
//! - everything else (`Rejected`, `UnexpectedResponse`, `ResponseTooLarge`,
//!   `NextLinkRefused`, synchronization failures): Ponto, or something between it and
//!   us, answered in a way retrying will not fix; treat as "Ponto unavailable".

use std::fmt;
use std::time::Duration;

/// The most any one response body may hold. A page of 100 transactions is well under
/// 1 MiB; the cap only stops a broken or hostile server from filling the memory.
pub const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// Ponto's own words about a failed request, all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiDetails {
    /// JSON:API `errors[0].code` or OAuth `error`, e.g. `resourceNotFound`, `invalid_client`.
    pub code: Option<String>,
    /// JSON:API `errors[0].detail` or OAuth `error_description`.
    pub detail: Option<String>,
    /// The `ibanity-request-id` header, else `errors[0].meta.requestId`.
    pub request_id: Option<String>,
}

impl ApiDetails {
    pub fn is_empty(&self) -> bool {
        self.code.is_none() && self.detail.is_none() && self.request_id.is_none()
    }
}

/// Renders as ` (code …: detail …; request id …)`, or nothing when Ponto said nothing.
impl fmt::Display for ApiDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return Ok(());
        }
        let mut parts = Vec::new();
        match (&self.code, &self.detail) {
            (Some(c), Some(d)) => parts.push(format!("{c}: {d}")),
            (Some(c), None) => parts.push(c.clone()),
            (None, Some(d)) => parts.push(d.clone()),
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            parts.push(format!("request id {id}"));
        }
        write!(f, " ({})", parts.join("; "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PontoError {
    #[error(
        "Ponto rejected the client id/secret (check the custom integration's credentials){details}"
    )]
    BadCredentials { details: ApiDetails },

    #[error("Ponto has no such resource (HTTP 404){details}")]
    NotFound { details: ApiDetails },

    #[error(
        "Ponto is rate limiting requests{}{details}",
        retry_after_text(retry_after)
    )]
    RateLimited {
        retry_after: Option<Duration>,
        details: ApiDetails,
    },

    /// 5xx answers, dropped connections or broken bodies that outlasted the retries.
    #[error("Ponto is unavailable: {reason}{details}")]
    Unavailable {
        reason: String,
        status: Option<u16>,
        details: ApiDetails,
    },

    #[error("Ponto did not answer in time: {reason}")]
    Timeout { reason: String },

    /// HTTP 403: the credentials are valid but may not do this (the account's
    /// authorization was withdrawn, or the integration lacks the scope). Not temporary.
    #[error("Ponto answered forbidden (HTTP 403): this integration may not access it{details}")]
    Forbidden { details: ApiDetails },

    /// A 4xx other than 401/403/404/429: the request itself is wrong; retrying cannot help.
    #[error("Ponto refused the request (HTTP {status}){details}")]
    Rejected { status: u16, details: ApiDetails },

    /// The answer is well-formed HTTP but not what the API documents.
    #[error("unexpected answer from Ponto (HTTP {status}): {shape}{details}")]
    UnexpectedResponse {
        status: u16,
        shape: String,
        details: ApiDetails,
    },

    /// A body (page, token answer or error) longer than [`MAX_RESPONSE_BYTES`]: the
    /// read stopped there. Not temporary, since a retry would fetch the same body; a
    /// caller treats it like [`PontoError::Unavailable`] (the app: exit 69).
    #[error("response body larger than {} MiB from {path}", MAX_RESPONSE_BYTES >> 20)]
    ResponseTooLarge {
        /// The request's path, without the query.
        path: String,
    },

    /// A `links.next` that leaves the collection being read: another site (the token
    /// would go with the request) or another path on the same site (another account's
    /// transactions would land in this account's statement). Not temporary.
    #[error("refusing Ponto's links.next while reading {reading}: {reason}")]
    NextLinkRefused {
        /// The path being paged.
        reading: String,
        /// Where the link leads, in words.
        reason: String,
    },

    #[error(
        "refusing {url}: Ponto must be reached over https (plain http only on a loopback address)"
    )]
    InsecureUrl { url: String },

    #[error("invalid Ponto client configuration: {reason}")]
    InvalidConfig { reason: String },

    #[error("synchronization {id} ended in error: {errors}")]
    SynchronizationFailed { id: String, errors: String },

    #[error("synchronization {id} did not finish within {waited:?}")]
    SynchronizationTimeout { id: String, waited: Duration },
}

fn retry_after_text(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (retry after {} s)", d.as_secs()),
        None => String::new(),
    }
}

impl PontoError {
    /// True when trying again later may succeed (rate limits, outages, timeouts).
    /// `ResponseTooLarge`, `NextLinkRefused` and `Forbidden` are not: the same request
    /// gets the same answer. See the module documentation for how to sort the rest.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Unavailable { .. }
                | Self::Timeout { .. }
                | Self::SynchronizationTimeout { .. }
        )
    }

    /// Ponto's details, when the failure came with an answer from Ponto.
    pub fn details(&self) -> Option<&ApiDetails> {
        match self {
            Self::BadCredentials { details }
            | Self::NotFound { details }
            | Self::Forbidden { details }
            | Self::RateLimited { details, .. }
            | Self::Unavailable { details, .. }
            | Self::Rejected { details, .. }
            | Self::UnexpectedResponse { details, .. } => Some(details),
            _ => None,
        }
    }

    /// Ponto's error code, e.g. `accountRecentlySynchronized`.
    pub fn code(&self) -> Option<&str> {
        self.details().and_then(|d| d.code.as_deref())
    }

    pub fn request_id(&self) -> Option<&str> {
        self.details().and_then(|d| d.request_id.as_deref())
    }
}

pub type Result<T, E = PontoError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_carries_code_detail_and_request_id() {
        let e = PontoError::NotFound {
            details: ApiDetails {
                code: Some("resourceNotFound".into()),
                detail: Some("The requested resource was not found.".into()),
                request_id: Some("00077F".into()),
            },
        };
        let text = e.to_string();
        assert!(
            text.contains("resourceNotFound: The requested resource was not found."),
            "{text}"
        );
        assert!(text.contains("request id 00077F"), "{text}");
        assert!(!e.is_temporary());
    }

    #[test]
    fn temporary_kinds() {
        let limited = PontoError::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
            details: ApiDetails::default(),
        };
        assert!(limited.is_temporary());
        assert!(limited.to_string().contains("retry after 3 s"));
        let bad = PontoError::BadCredentials {
            details: ApiDetails::default(),
        };
        assert!(!bad.is_temporary());
        assert!(!bad.to_string().contains("()"));
    }
}

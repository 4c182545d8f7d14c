//! One request to Ponto, tried until it gives an answer worth returning: temporary
//! failures (429, 5xx, dropped connections, timeouts, bodies cut short or not JSON) are
//! retried with backoff; everything else comes back at once. A 401 is handed to the
//! caller, which owns the token and decides whether a new one is worth a try.
//!
//! Every body is read through a cap ([`MAX_RESPONSE_BYTES`]), and every error leaves
//! here with its server text redacted, before it is logged or returned.

use crate::config::{Credentials, RetryPolicy};
use crate::error::{ApiDetails, MAX_RESPONSE_BYTES, PontoError, Result};
use crate::error_body::parse_error_body;
use crate::redact::Redactor;
use crate::retry::Backoff;
use crate::secret::Secret;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use std::io::Read;
use std::time::Duration;

const REQUEST_ID_HEADER: &str = "ibanity-request-id";

pub(crate) enum Auth<'a> {
    /// HTTP Basic with the client id and secret: only for `/oauth2/token`.
    Basic(&'a Credentials),
    Bearer(&'a Secret),
}

#[derive(Clone, Copy)]
pub(crate) enum Body<'a> {
    Empty,
    Form(&'a [(&'a str, &'a str)]),
    Json(&'a serde_json::Value),
}

pub(crate) struct Call<'a> {
    pub method: Method,
    pub url: &'a Url,
    pub auth: Auth<'a>,
    pub body: Body<'a>,
}

/// A decoded 2xx answer, or Ponto's 401.
pub(crate) enum Answer<T> {
    Ok { value: T, status: u16 },
    Unauthorized(ApiDetails),
}

/// What one try came to.
enum Try<T> {
    Done(Answer<T>),
    Fatal(PontoError),
    Temporary {
        error: PontoError,
        server_hint: Option<Duration>,
    },
}

pub(crate) struct Transport {
    http: Http,
    policy: RetryPolicy,
    redactor: Redactor,
}

impl Transport {
    pub(crate) fn new(http: Http, policy: RetryPolicy, redactor: Redactor) -> Self {
        Self {
            http,
            policy,
            redactor,
        }
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Sends `call` (again after each temporary failure) and decodes the 2xx body as `T`.
    pub(crate) fn send<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<Answer<T>> {
        let mut backoff = Backoff::start(&self.policy);
        loop {
            let attempt = backoff.begin_try();
            let (error, server_hint) = match self.try_once(call) {
                Try::Done(answer) => return Ok(answer),
                Try::Fatal(error) => return Err(error),
                Try::Temporary { error, server_hint } => (error, server_hint),
            };
            let Some(delay) = backoff.next_delay(server_hint) else {
                tracing::warn!(attempt, method = %call.method, path = call.url.path(), error = %error, "giving up on Ponto request");
                return Err(error);
            };
            tracing::info!(attempt, delay_ms = delay.as_millis() as u64, method = %call.method,
                path = call.url.path(), error = %error, "retrying Ponto request");
            std::thread::sleep(delay);
        }
    }

    /// One try, with the server's words cleaned of the credentials and the call's token.
    fn try_once<T: DeserializeOwned>(&self, call: &Call<'_>) -> Try<T> {
        let token = match call.auth {
            Auth::Bearer(token) => Some(token),
            Auth::Basic(_) => None,
        };
        match self.try_once_raw(call, token) {
            Try::Done(Answer::Unauthorized(details)) => {
                Try::Done(Answer::Unauthorized(self.redactor.details(details, token)))
            }
            Try::Fatal(error) => Try::Fatal(self.redactor.error(error, token)),
            Try::Temporary { error, server_hint } => Try::Temporary {
                error: self.redactor.error(error, token),
                server_hint,
            },
            done => done,
        }
    }

    fn try_once_raw<T: DeserializeOwned>(&self, call: &Call<'_>, token: Option<&Secret>) -> Try<T> {
        let response = match self.request(call).send() {
            Ok(response) => response,
            Err(e) => return from_send_error(&e),
        };
        let status = response.status();
        let request_id = header_text(response.headers(), REQUEST_ID_HEADER)
            .map(|id| self.redactor.text(&id, token));
        let server_hint = retry_after(response.headers());
        tracing::debug!(method = %call.method, path = call.url.path(), status = status.as_u16(),
            request_id = request_id.as_deref().unwrap_or(""), "Ponto answered");
        let body = match read_capped(response, MAX_RESPONSE_BYTES) {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                return Try::Fatal(PontoError::ResponseTooLarge {
                    path: call.url.path().to_owned(),
                });
            }
            Err(BodyError::Broken { reason, timed_out }) => return broken_body(reason, timed_out),
        };
        if status.is_success() {
            return decode(status, &body, request_id);
        }
        classify_failure(status, parse_error_body(&body, request_id), server_hint)
    }

    fn request(&self, call: &Call<'_>) -> RequestBuilder {
        let builder = self
            .http
            .request(call.method.clone(), call.url.clone())
            .header(ACCEPT, "application/json");
        let builder = match call.auth {
            Auth::Basic(c) => builder.basic_auth(&c.client_id, Some(c.client_secret.expose())),
            Auth::Bearer(token) => builder.bearer_auth(token.expose()),
        };
        match call.body {
            Body::Empty => builder,
            Body::Form(pairs) => builder.form(pairs),
            Body::Json(value) => builder.json(value),
        }
    }
}

enum BodyError {
    TooLarge,
    Broken { reason: String, timed_out: bool },
}

/// The whole body, or `TooLarge` as soon as it passes `limit` bytes: a declared length
/// over the limit is refused unread, and an undeclared (chunked) one is read no further
/// than one byte past it, so a body that never ends costs `limit` bytes of memory.
fn read_capped(response: Response, limit: u64) -> std::result::Result<Vec<u8>, BodyError> {
    let declared = response.content_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    let expected = declared.map_or(0, |n| usize::try_from(n).unwrap_or(0));
    let mut body = Vec::with_capacity(expected);
    if let Err(e) = response.take(limit + 1).read_to_end(&mut body) {
        return Err(BodyError::Broken {
            reason: describe(&e),
            timed_out: io_timed_out(&e),
        });
    }
    if body.len() as u64 > limit {
        return Err(BodyError::TooLarge);
    }
    Ok(body)
}

/// Reading a blocking body reports reqwest's own errors wrapped in `io::Error`.
fn io_timed_out(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
}

fn from_send_error<T>(e: &reqwest::Error) -> Try<T> {
    if e.is_builder() {
        return Try::Fatal(PontoError::InvalidConfig {
            reason: describe(e),
        });
    }
    let error = if e.is_timeout() {
        PontoError::Timeout {
            reason: describe(e),
        }
    } else {
        PontoError::Unavailable {
            reason: describe(e),
            status: None,
            details: ApiDetails::default(),
        }
    };
    Try::Temporary {
        error,
        server_hint: None,
    }
}

fn broken_body<T>(reason: String, timed_out: bool) -> Try<T> {
    let error = if timed_out {
        PontoError::Timeout { reason }
    } else {
        PontoError::Unavailable {
            reason: format!("answer cut short or unreadable: {reason}"),
            status: None,
            details: ApiDetails::default(),
        }
    };
    Try::Temporary {
        error,
        server_hint: None,
    }
}

/// A body that is not JSON at all (cut short, garbled) is a transport failure and is
/// retried; JSON of the wrong shape is Ponto answering something else, and is not.
fn decode<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
    request_id: Option<String>,
) -> Try<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => value,
        Err(e) if e.inner().is_data() => {
            return Try::Fatal(PontoError::UnexpectedResponse {
                status: status.as_u16(),
                shape: format!("at `{}`: {}", e.path(), e.inner()),
                details: ApiDetails {
                    request_id,
                    ..ApiDetails::default()
                },
            });
        }
        Err(e) => return broken_body(e.inner().to_string(), false),
    };
    if let Err(e) = de.end() {
        return broken_body(e.to_string(), false);
    }
    Try::Done(Answer::Ok {
        value,
        status: status.as_u16(),
    })
}

fn classify_failure<T>(
    status: StatusCode,
    details: ApiDetails,
    server_hint: Option<Duration>,
) -> Try<T> {
    let code = status.as_u16();
    match code {
        401 => Try::Done(Answer::Unauthorized(details)),
        403 => Try::Fatal(PontoError::Forbidden { details }),
        404 => Try::Fatal(PontoError::NotFound { details }),
        429 => Try::Temporary {
            error: PontoError::RateLimited {
                retry_after: server_hint,
                details,
            },
            server_hint,
        },
        408 | 500..=599 => Try::Temporary {
            error: PontoError::Unavailable {
                reason: format!("HTTP {status}"),
                status: Some(code),
                details,
            },
            server_hint,
        },
        400..=499 => Try::Fatal(PontoError::Rejected {
            status: code,
            details,
        }),
        _ => Try::Fatal(PontoError::UnexpectedResponse {
            status: code,
            shape: "neither a success nor an error status".into(),
            details,
        }),
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `Retry-After` in seconds; the HTTP-date form is left to the ordinary backoff.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// The error and its causes on one line ("error sending request: connection reset").
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Shape {
        #[allow(dead_code)]
        data: Vec<u32>,
    }

    #[test]
    fn cut_short_json_is_retried_wrong_shape_is_not() {
        let cut: Try<Shape> = decode(StatusCode::OK, br#"{"data":[1,2"#, None);
        assert!(matches!(
            cut,
            Try::Temporary {
                error: PontoError::Unavailable { .. },
                ..
            }
        ));
        let garbage: Try<Shape> = decode(StatusCode::OK, b"<html>", None);
        assert!(matches!(garbage, Try::Temporary { .. }));
        let trailing: Try<Shape> = decode(StatusCode::OK, br#"{"data":[]} x"#, None);
        assert!(matches!(trailing, Try::Temporary { .. }));
        let wrong: Try<Shape> = decode(StatusCode::OK, br#"{"data":{"a":1}}"#, None);
        match wrong {
            Try::Fatal(PontoError::UnexpectedResponse { shape, .. }) => {
                assert!(shape.contains("data"), "{shape}")
            }
            _ => panic!("wrong shape must be fatal"),
        }
    }

    #[test]
    fn statuses_sort_into_retry_fail_and_reauth() {
        let d = ApiDetails::default;
        assert!(matches!(
            classify_failure::<()>(StatusCode::UNAUTHORIZED, d(), None),
            Try::Done(Answer::Unauthorized(_))
        ));
        assert!(matches!(
            classify_failure::<()>(StatusCode::NOT_FOUND, d(), None),
            Try::Fatal(PontoError::NotFound { .. })
        ));
        assert!(matches!(
            classify_failure::<()>(StatusCode::FORBIDDEN, d(), None),
            Try::Fatal(PontoError::Forbidden { .. })
        ));
        assert!(matches!(
            classify_failure::<()>(StatusCode::BAD_REQUEST, d(), None),
            Try::Fatal(PontoError::Rejected { status: 400, .. })
        ));
        assert!(matches!(
            classify_failure::<()>(StatusCode::BAD_GATEWAY, d(), None),
            Try::Temporary { .. }
        ));
        let hint = Some(Duration::from_secs(7));
        match classify_failure::<()>(StatusCode::TOO_MANY_REQUESTS, d(), hint) {
            Try::Temporary {
                error: PontoError::RateLimited { retry_after, .. },
                server_hint,
            } => {
                assert_eq!(retry_after, hint);
                assert_eq!(server_hint, hint);
            }
            _ => panic!("429 must be retried"),
        }
    }
}

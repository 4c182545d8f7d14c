//! Server text on its way into an error. Error messages end up in logs, the ledger and
//! `status`, and a server (or a proxy in front of it) can put anything in its answers,
//! including the request's own `Authorization` header. So every piece of server text an
//! error keeps passes through here first: the client id, the client secret, the HTTP
//! Basic credential built from them and the access token are replaced by `[redacted]`,
//! and what is left is cut to [`MAX_SERVER_TEXT_CHARS`].

use crate::config::Credentials;
use crate::error::{ApiDetails, PontoError};
use crate::secret::Secret;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The most characters of server text one error field keeps (an ellipsis marks a cut).
pub const MAX_SERVER_TEXT_CHARS: usize = 500;

const REDACTED: &str = "[redacted]";

/// The credentials to strip, in every form they travel in.
#[derive(Clone)]
pub(crate) struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    pub(crate) fn new(credentials: &Credentials) -> Self {
        let id = credentials.client_id.as_str();
        let secret = credentials.client_secret.expose();
        let basic = STANDARD.encode(format!("{id}:{secret}"));
        let mut needles = Vec::new();
        for value in [id, secret, basic.as_str()] {
            push_forms(&mut needles, value);
        }
        Self { needles }
    }

    /// `text` without any credential nor `token`, at most [`MAX_SERVER_TEXT_CHARS`]
    /// characters. Redacting comes first, so a cut never leaves half a secret behind.
    pub(crate) fn text(&self, text: &str, token: Option<&Secret>) -> String {
        let mut token_forms = Vec::new();
        if let Some(token) = token {
            push_forms(&mut token_forms, token.expose());
        }
        let mut needles: Vec<&str> = self
            .needles
            .iter()
            .chain(&token_forms)
            .map(String::as_str)
            .collect();
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let mut clean = text.to_owned();
        // Longest first, so a value that contains another is replaced whole.
        for needle in needles {
            if clean.contains(needle) {
                clean = clean.replace(needle, REDACTED);
            }
        }
        cap(clean)
    }

    pub(crate) fn details(&self, details: ApiDetails, token: Option<&Secret>) -> ApiDetails {
        let clean = |text: Option<String>| text.map(|t| self.text(&t, token));
        ApiDetails {
            code: clean(details.code),
            detail: clean(details.detail),
            request_id: clean(details.request_id),
        }
    }

    /// The same error with every text field cleaned.
    pub(crate) fn error(&self, error: PontoError, token: Option<&Secret>) -> PontoError {
        let text = |t: String| self.text(&t, token);
        let details = |d: ApiDetails| self.details(d, token);
        // Exhaustive on purpose: a new variant with text must decide here.
        match error {
            PontoError::BadCredentials { details: d } => PontoError::BadCredentials {
                details: details(d),
            },
            PontoError::NotFound { details: d } => PontoError::NotFound {
                details: details(d),
            },
            PontoError::Forbidden { details: d } => PontoError::Forbidden {
                details: details(d),
            },
            PontoError::RateLimited {
                retry_after,
                details: d,
            } => PontoError::RateLimited {
                retry_after,
                details: details(d),
            },
            PontoError::Unavailable {
                reason,
                status,
                details: d,
            } => PontoError::Unavailable {
                reason: text(reason),
                status,
                details: details(d),
            },
            PontoError::Timeout { reason } => PontoError::Timeout {
                reason: text(reason),
            },
            PontoError::Rejected { status, details: d } => PontoError::Rejected {
                status,
                details: details(d),
            },
            PontoError::UnexpectedResponse {
                status,
                shape,
                details: d,
            } => PontoError::UnexpectedResponse {
                status,
                shape: text(shape),
                details: details(d),
            },
            PontoError::ResponseTooLarge { path } => {
                PontoError::ResponseTooLarge { path: text(path) }
            }
            PontoError::NextLinkRefused { reading, reason } => PontoError::NextLinkRefused {
                reading: text(reading),
                reason: text(reason),
            },
            PontoError::InsecureUrl { url } => PontoError::InsecureUrl { url: text(url) },
            PontoError::InvalidConfig { reason } => PontoError::InvalidConfig {
                reason: text(reason),
            },
            PontoError::SynchronizationFailed { id, errors } => PontoError::SynchronizationFailed {
                id: text(id),
                errors: text(errors),
            },
            PontoError::SynchronizationTimeout { id, waited } => {
                PontoError::SynchronizationTimeout {
                    id: text(id),
                    waited,
                }
            }
        }
    }
}

/// `value` as sent and as it reads once form- or percent-encoded into a URL.
fn push_forms(needles: &mut Vec<String>, value: &str) {
    if value.is_empty() {
        return;
    }
    needles.push(value.to_owned());
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    if encoded != value {
        needles.push(encoded);
    }
}

fn cap(text: String) -> String {
    match text.char_indices().nth(MAX_SERVER_TEXT_CHARS) {
        None => text,
        Some((cut, _)) => {
            let mut short = text[..cut].to_owned();
            short.push('…');
            short
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(&Credentials::new("client-id", "p@ss word"))
    }

    #[test]
    fn strips_every_form_of_the_credentials_and_the_token() {
        let r = redactor();
        let token = Secret::new("tok.EN/1");
        // base64("client-id:p@ss word"), as reqwest's basic_auth sends it.
        let basic = "Y2xpZW50LWlkOnBAc3Mgd29yZA==";
        let text = format!(
            "Basic {basic} / Bearer tok.EN/1 / id client-id / secret p@ss word / query p%40ss+word tok.EN%2F1"
        );
        let clean = r.text(&text, Some(&token));
        for leaked in [basic, "tok.EN", "client-id", "p@ss", "p%40ss", "Y2xp"] {
            assert!(!clean.contains(leaked), "{leaked} in {clean}");
        }
        assert_eq!(
            clean,
            "Basic [redacted] / Bearer [redacted] / id [redacted] / secret [redacted] / query [redacted] [redacted]"
        );
    }

    #[test]
    fn caps_at_a_character_boundary_and_only_once() {
        let r = redactor();
        let short = "é".repeat(MAX_SERVER_TEXT_CHARS);
        assert_eq!(r.text(&short, None), short);
        let long = "é".repeat(MAX_SERVER_TEXT_CHARS + 1);
        let capped = r.text(&long, None);
        assert_eq!(capped.chars().count(), MAX_SERVER_TEXT_CHARS + 1);
        assert!(capped.ends_with("é…"));
        assert_eq!(
            r.text(&capped, None),
            capped,
            "capping twice changes nothing"
        );
    }

    #[test]
    fn cleans_every_text_field_of_an_error() {
        let r = redactor();
        let error = PontoError::UnexpectedResponse {
            status: 200,
            shape: "invalid type: string \"Basic Y2xpZW50LWlkOnBAc3Mgd29yZA==\"".into(),
            details: ApiDetails {
                code: Some("client-id".into()),
                detail: Some("p@ss word".into()),
                request_id: Some("R1".into()),
            },
        };
        let shown = format!("{}", r.error(error, None));
        assert!(
            !shown.contains("client-id") && !shown.contains("p@ss"),
            "{shown}"
        );
        assert!(!shown.contains("Y2xp"), "{shown}");
        assert!(shown.contains("request id R1"), "{shown}");
    }
}

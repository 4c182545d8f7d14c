//! Where requests go: the checked base URL, the paths under it, and the rule that a
//! `links.next` from Ponto may only lead to the next page of the same collection: the
//! same origin (the bearer token goes with every request, so following a link elsewhere
//! would hand it out) and the same path (a link to another account's transactions would
//! put them into this account's statement).

use crate::error::{ApiDetails, PontoError, Result};
use reqwest::Url;
use url::Host;

#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    base: Url,
    /// Plain http is allowed (loopback only); https otherwise.
    pub(crate) plain_http: bool,
}

impl Endpoint {
    /// Accepts `https://…`, or `http://…` when the host is 127.0.0.0/8, ::1 or localhost.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let base =
            Url::parse(text.trim()).map_err(|e| invalid(format!("base URL is not a URL: {e}")))?;
        // Checked before anything echoes the URL: it would print the password.
        if !base.username().is_empty() || base.password().is_some() {
            return Err(invalid(
                "base URL must not contain a user name or password".into(),
            ));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(invalid("base URL must not have a query or fragment".into()));
        }
        let plain_http = match base.scheme() {
            "https" => false,
            "http" if is_loopback(&base) => true,
            _ => {
                return Err(PontoError::InsecureUrl {
                    url: base.to_string(),
                });
            }
        };
        Ok(Self { base, plain_http })
    }

    /// The base URL followed by `segments`, each percent-encoded, so an id can never
    /// escape its place in the path.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Resolves a `links.next` found on the page at `current` exactly as Ponto sent it
    /// (relative links against the base) and refuses one that leaves the collection:
    /// another origin, or another path. Only the query (the paging cursor) may differ.
    pub(crate) fn next_page(&self, current: &Url, link: &str, status: u16) -> Result<Url> {
        let url = self
            .base
            .join(link)
            .map_err(|e| PontoError::UnexpectedResponse {
                status,
                shape: format!("links.next is not a URL ({e})"),
                details: ApiDetails::default(),
            })?;
        let refuse = |reason: String| PontoError::NextLinkRefused {
            reading: current.path().to_owned(),
            reason,
        };
        if url.origin() != self.base.origin() {
            return Err(refuse(format!(
                "it leads to another site, {}",
                url.origin().ascii_serialization()
            )));
        }
        if url.path() != current.path() {
            return Err(refuse(format!(
                "it leads to another collection, {}",
                url.path()
            )));
        }
        Ok(url)
    }

    pub(crate) fn base(&self) -> &Url {
        &self.base
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn invalid(reason: String) -> PontoError {
    PontoError::InvalidConfig { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(
            !Endpoint::parse("https://api.myponto.com")
                .unwrap()
                .plain_http
        );
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://[::1]:9000/",
            "http://localhost:1",
        ] {
            assert!(Endpoint::parse(ok).unwrap().plain_http, "{ok}");
        }
        for bad in [
            "http://api.myponto.com",
            "http://10.0.0.1",
            "http://[::2]",
            "http://localhost.evil.com",
            "ftp://127.0.0.1",
        ] {
            assert!(
                matches!(Endpoint::parse(bad), Err(PontoError::InsecureUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_credentials_in_the_url_without_repeating_them() {
        let err = Endpoint::parse("https://id:topsecret@api.myponto.com").unwrap_err();
        assert!(matches!(err, PontoError::InvalidConfig { .. }));
        assert!(!format!("{err} {err:?}").contains("topsecret"));
    }

    #[test]
    fn builds_paths_with_encoded_segments() {
        let e = Endpoint::parse("https://api.ibanity.com/ponto-connect/").unwrap();
        assert_eq!(
            e.url(&["accounts", "a/../b"]).as_str(),
            "https://api.ibanity.com/ponto-connect/accounts/a%2F..%2Fb"
        );
        let e = Endpoint::parse("https://api.myponto.com").unwrap();
        assert_eq!(
            e.url(&["oauth2", "token"]).as_str(),
            "https://api.myponto.com/oauth2/token"
        );
    }

    #[test]
    fn follows_links_on_the_same_origin_and_path_only() {
        let e = Endpoint::parse("http://127.0.0.1:4000").unwrap();
        let current = e.url(&["accounts", "x", "transactions"]);
        let next = "http://127.0.0.1:4000/accounts/x/transactions?page[after]=abc&page[limit]=100";
        assert_eq!(e.next_page(&current, next, 200).unwrap().as_str(), next);
        assert_eq!(
            e.next_page(&current, "/accounts/x/transactions?after=1", 200)
                .unwrap()
                .as_str(),
            "http://127.0.0.1:4000/accounts/x/transactions?after=1"
        );
        for elsewhere in [
            "http://127.0.0.1:4001/accounts/x/transactions",
            "https://evil.example/accounts/x/transactions",
            "/accounts/y/transactions?page[after]=abc",
            "/accounts/x/pending-transactions?page[after]=abc",
            "/accounts/x/transactions/..%2F..%2Fy%2Ftransactions",
            "/accounts/x/transactions/",
            "/accounts/x",
        ] {
            match e.next_page(&current, elsewhere, 200) {
                Err(PontoError::NextLinkRefused { reading, .. }) => {
                    assert_eq!(reading, "/accounts/x/transactions", "{elsewhere}")
                }
                other => panic!("{elsewhere}: {other:?}"),
            }
        }
    }

    #[test]
    fn follows_links_under_a_base_path() {
        let e = Endpoint::parse("https://api.ibanity.com/ponto-connect/").unwrap();
        let current = e.url(&["accounts", "x", "transactions"]);
        let next = "https://api.ibanity.com/ponto-connect/accounts/x/transactions?page[after]=a";
        assert_eq!(e.next_page(&current, next, 200).unwrap().as_str(), next);
        assert!(
            e.next_page(&current, "/accounts/x/transactions?page[after]=a", 200)
                .is_err(),
            "an absolute path drops the base path: another collection"
        );
    }
}

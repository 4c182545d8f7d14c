//! Access tokens: the client-credentials grant, and a cache shared by every thread
//! using the client. A token is renewed shortly before Ponto's `expires_in` runs out,
//! and on demand when Ponto answers 401 to a call made with it.

use crate::secret::Secret;
use serde::Deserialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Ponto's token answer (`token_type` and `scope` are not needed).
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: Secret,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// Used when Ponto leaves `expires_in` out: well below the 30 minutes it gives.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);
/// How long before expiry a token is replaced, so a request never leaves with a token
/// that dies on the way.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

/// A token plus a number telling tokens apart, so that a 401 on an old token does not
/// throw away the newer one another thread already fetched.
#[derive(Clone)]
pub(crate) struct AccessToken {
    pub secret: Secret,
    generation: u64,
}

struct Cached {
    token: AccessToken,
    renew_at: Instant,
}

#[derive(Default)]
pub(crate) struct TokenCache {
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    cached: Option<Cached>,
    generation: u64,
}

impl TokenCache {
    /// The cached token while it is fresh, else a new one from `fetch`. The lock is held
    /// while fetching so that threads arriving together fetch one token, not one each.
    pub(crate) fn get<E>(
        &self,
        fetch: impl FnOnce() -> Result<TokenResponse, E>,
    ) -> Result<AccessToken, E> {
        let mut slot = self
            .slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cached) = &slot.cached
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let fetched_at = Instant::now();
        let response = fetch()?;
        slot.generation += 1;
        let token = AccessToken {
            secret: response.access_token,
            generation: slot.generation,
        };
        let lifetime = response
            .expires_in
            .map_or(ASSUMED_LIFETIME, Duration::from_secs);
        slot.cached = Some(Cached {
            token: token.clone(),
            renew_at: fetched_at + renew_after(lifetime),
        });
        tracing::debug!(lifetime_s = lifetime.as_secs(), "new Ponto access token");
        Ok(token)
    }

    /// The cached token, fresh or not, without fetching one.
    pub(crate) fn current(&self) -> Option<AccessToken> {
        let slot = self
            .slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slot.cached.as_ref().map(|c| c.token.clone())
    }

    /// Forgets `stale` (Ponto refused it), unless a newer token has replaced it already.
    pub(crate) fn invalidate(&self, stale: &AccessToken) {
        let mut slot = self
            .slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if slot
            .cached
            .as_ref()
            .is_some_and(|c| c.token.generation == stale.generation)
        {
            slot.cached = None;
        }
    }
}

/// Renew a minute before expiry; for short lifetimes (simulators), at half-life.
fn renew_after(lifetime: Duration) -> Duration {
    lifetime - RENEW_MARGIN.min(lifetime / 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn response(token: &str, expires_in: u64) -> TokenResponse {
        TokenResponse {
            access_token: Secret::new(token),
            expires_in: Some(expires_in),
        }
    }

    #[test]
    fn renews_a_minute_early_or_at_half_life() {
        assert_eq!(
            renew_after(Duration::from_secs(1799)),
            Duration::from_secs(1739)
        );
        assert_eq!(
            renew_after(Duration::from_secs(60)),
            Duration::from_secs(30)
        );
        assert_eq!(renew_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn reuses_a_fresh_token_and_refetches_after_invalidation() {
        let cache = TokenCache::default();
        let fetches = Cell::new(0);
        let fetch = || -> Result<TokenResponse, ()> {
            fetches.set(fetches.get() + 1);
            Ok(response(&format!("t{}", fetches.get()), 1800))
        };
        let first = cache.get(fetch).unwrap();
        let again = cache.get(fetch).unwrap();
        assert_eq!(fetches.get(), 1);
        assert_eq!(again.secret.expose(), "t1");
        cache.invalidate(&first);
        let second = cache.get(fetch).unwrap();
        assert_eq!(second.secret.expose(), "t2");
        // A late 401 on the first token must not discard the second.
        cache.invalidate(&first);
        assert_eq!(cache.get(fetch).unwrap().secret.expose(), "t2");
        assert_eq!(fetches.get(), 2);
    }

    #[test]
    fn an_expired_token_is_replaced() {
        let cache = TokenCache::default();
        let n = Cell::new(0);
        let fetch = || -> Result<TokenResponse, ()> {
            n.set(n.get() + 1);
            Ok(response("t", 0))
        };
        cache.get(fetch).unwrap();
        cache.get(fetch).unwrap();
        assert_eq!(n.get(), 2);
    }
}

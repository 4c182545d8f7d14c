//! Injected faults: queued, matched against request targets, consumed as they fire.

use std::time::Duration;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with `Retry-After: <secs>` and a `tooManyRequests` error
    TooManyRequests { retry_after_secs: u64 },
    /// this status (500, 502, 503...) with a JSON:API error body
    ServerError(u16),
    /// the request is read, then the connection is reset (TCP RST, nothing answered)
    ConnectionReset,
    /// the answer is delayed by this long, then sent normally
    Slow(Duration),
    /// the normal answer's headers with its full Content-Length, half the body, then close
    TruncatedBody,
    /// 401 `credentialsInvalid`, as if the token had expired
    ExpireToken,
    /// this status with an error body that echoes the request's `Authorization` header,
    /// as a misbehaving proxy or server might: the client must never pass it on
    EchoAuthorization(u16),
}

/// One queued fault. It applies to requests whose path-with-query contains
/// `path_contains` (all requests when `None`, including `/oauth2/token`): the first
/// `skip` of them pass, the next `times` fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub path_contains: Option<String>,
    pub times: usize,
    pub skip: usize,
}

impl Fault {
    /// A fault hitting the next request, once.
    pub fn once(kind: FaultKind) -> Fault {
        Fault {
            kind,
            path_contains: None,
            times: 1,
            skip: 0,
        }
    }

    /// Only requests whose path (with query) contains `fragment`.
    pub fn on(mut self, fragment: &str) -> Fault {
        self.path_contains = Some(fragment.to_string());
        self
    }

    pub fn repeated(mut self, times: usize) -> Fault {
        self.times = times;
        self
    }

    pub fn skipping(mut self, skip: usize) -> Fault {
        self.skip = skip;
        self
    }

    fn matches(&self, target: &str) -> bool {
        self.path_contains
            .as_ref()
            .is_none_or(|p| target.contains(p.as_str()))
    }
}

/// Takes the fault to apply to a request for `target`, if any.
pub fn take(queue: &mut Vec<Fault>, target: &str) -> Option<FaultKind> {
    for index in 0..queue.len() {
        let fault = &mut queue[index];
        if !fault.matches(target) || fault.times == 0 {
            continue;
        }
        if fault.skip > 0 {
            fault.skip -= 1;
            continue;
        }
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            queue.remove(index);
        }
        return Some(kind);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_then_fires_then_disappears() {
        let mut queue = vec![
            Fault::once(FaultKind::ServerError(503))
                .on("/transactions")
                .skipping(1)
                .repeated(2),
        ];
        assert_eq!(take(&mut queue, "/accounts"), None);
        assert_eq!(take(&mut queue, "/accounts/a/transactions"), None);
        assert_eq!(
            take(&mut queue, "/accounts/a/transactions"),
            Some(FaultKind::ServerError(503))
        );
        assert_eq!(
            take(&mut queue, "/accounts/a/transactions?x"),
            Some(FaultKind::ServerError(503))
        );
        assert_eq!(take(&mut queue, "/accounts/a/transactions"), None);
        assert!(queue.is_empty());
    }
}

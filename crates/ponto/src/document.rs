//! The JSON:API envelopes Ponto wraps its resources in: `{"data", "links", "meta"}`.
//! Public so that fixtures and other tools can be checked against the same parser.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// A single resource (`D` = the resource) or a page of a collection (`D` = `Vec<…>`).
#[derive(Debug, Clone, Deserialize)]
pub struct Document<D> {
    pub data: D,
    #[serde(default)]
    pub links: Option<Links>,
    #[serde(default)]
    pub meta: Option<Value>,
}

/// Collection links. `next` leads to older items, `prev` to newer; each is present
/// only when such a page exists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Links {
    #[serde(default)]
    pub first: Option<String>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub prev: Option<String>,
}

impl<D> Document<D> {
    pub fn next_link(&self) -> Option<&str> {
        self.links
            .as_ref()
            .and_then(|l| l.next.as_deref())
            .filter(|l| !l.is_empty())
    }

    /// `meta.synchronizedAt`: when Ponto last synchronized the account successfully.
    pub fn synchronized_at(&self) -> Option<DateTime<Utc>> {
        let text = self.meta.as_ref()?.get("synchronizedAt")?.as_str()?;
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// `meta.latestSynchronization`, the whole synchronization resource as sent.
    pub fn latest_synchronization(&self) -> Option<Value> {
        self.meta
            .as_ref()?
            .get("latestSynchronization")
            .filter(|v| !v.is_null())
            .cloned()
    }
}

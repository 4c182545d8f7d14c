//! Which accounts a run fetches, with the Ponto client of their organization: Ponto's
//! accounts are listed once per organization; an organization that cannot be reached
//! fails alone.

use super::FetchOptions;
use super::account::Job;
use crate::Error;
use crate::config::{AccountConfig, Config, OrganizationConfig};
use crate::connect;
use std::collections::HashSet;
use std::sync::Arc;

/// The configured accounts a run covers, by organization, and the `--account` IBANs
/// the configuration does not have.
pub(super) struct Selection<'c> {
    pub(super) organizations: Vec<(&'c OrganizationConfig, Vec<&'c AccountConfig>)>,
    pub(super) unknown: Vec<String>,
}

/// Every configured account, or only those whose IBAN is in `only`.
pub(super) fn select<'c>(config: &'c Config, only: &[String]) -> Selection<'c> {
    let organizations = config
        .organizations
        .iter()
        .map(|org| {
            let wanted = org
                .accounts
                .iter()
                .filter(|a| only.is_empty() || only.contains(&a.iban))
                .collect::<Vec<_>>();
            (org, wanted)
        })
        .filter(|(_, wanted)| !wanted.is_empty())
        .collect();
    let configured: HashSet<&str> = config.accounts().map(|(_, a)| a.iban.as_str()).collect();
    let unknown = only
        .iter()
        .filter(|iban| !configured.contains(iban.as_str()))
        .cloned()
        .collect();
    Selection {
        organizations,
        unknown,
    }
}

/// An organization that could not be reached, with the accounts it failed for.
pub(super) type Unreachable<'c> = (Vec<&'c AccountConfig>, Error);

/// One job per selected account, with its organization's client and Ponto's list of the
/// organization's accounts; an organization that cannot be reached fails for all of them.
pub(super) fn plan_work<'c>(
    config: &'c Config,
    options: &FetchOptions,
    failures: &mut Vec<Error>,
) -> (Vec<Job<'c>>, Vec<Unreachable<'c>>) {
    let selection = select(config, &options.only);
    failures.extend(selection.unknown.into_iter().map(Error::NotConfigured));
    let mut jobs = Vec::new();
    let mut unreachable = Vec::new();
    for (org, wanted) in selection.organizations {
        let access = connect::access_of(org);
        let client = match connect::client(&access) {
            Ok(client) => client,
            Err(e) => {
                unreachable.push((wanted, e));
                continue;
            }
        };
        let listed = match client.accounts() {
            Ok(listed) => Arc::new(listed),
            Err(e) => {
                unreachable.push((wanted, Error::ponto(&org.name, e)));
                continue;
            }
        };
        for account in wanted {
            jobs.push(Job {
                access: access.clone(),
                client: client.clone(),
                account,
                listed: listed.clone(),
            });
        }
    }
    (jobs, unreachable)
}

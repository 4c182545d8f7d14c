//! A bundle (the format `export` writes and `convert` reads) delivered through the
//! ledger like fetched data: into the drop folder of the configured account it belongs
//! to, skipping what was delivered already, continuing the account's statement chain.

use super::batch::{self, Batch};
use super::{AccountReport, FetchOptions};
use crate::config::Config;
use crate::convert::ConvertFailure;
use crate::convert::bundle::{self, BundleError, BundleTransaction};
use crate::ledger::Ledger;
use crate::{Error, matching};
use chrono::{DateTime, Utc};
use converter::AccountContext;
use std::path::Path;

/// The largest inbox bundle taken: a month of a busy account is a few MB; `convert`
/// streams larger ones.
pub const MAX_BUNDLE_BYTES: u64 = 64 << 20;

pub(crate) fn deliver_bundle(
    config: &Config,
    ledger: &Ledger,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<AccountReport, Error> {
    let size = std::fs::metadata(path)
        .map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?
        .len();
    if size > MAX_BUNDLE_BYTES {
        return Err(Error::BundleTooLarge {
            file: path.to_owned(),
            bytes: size,
        });
    }
    let (head, rest) = bundle::open(path).map_err(bundle_error)?;
    let mut transactions = Vec::new();
    rest.for_each(|item: BundleTransaction| {
        transactions.push(item.transaction);
        Ok::<(), BundleError>(())
    })
    .map_err(bundle_error)?;
    let configured = config
        .accounts()
        .map(|(_, account)| account)
        .find(|configured| matching::is_configured_account(&head.account, configured))
        .ok_or_else(|| Error::UnknownBundleAccount {
            file: path.to_owned(),
            reference: matching::reference_of(&head.account),
            currency: head.account.attributes.currency.clone().unwrap_or_default(),
        })?;
    let ctx = AccountContext::new(
        &head.account,
        head.institution.as_ref(),
        configured.time_zone.as_deref(),
    )
    .map_err(|source| Error::Account {
        iban: configured.iban.clone(),
        source: Box::new(source),
    })?;
    let options = FetchOptions::default();
    let key = batch::register(
        ledger,
        configured,
        &ctx,
        head.account.id.as_deref(),
        false,
        now,
    )?;
    let known = ledger.exported_ids(&key)?;
    let batch = Batch {
        configured,
        account: &head.account,
        ctx: &ctx,
        transactions: &transactions,
        pages: 0,
        newest: None,
    };
    batch::deliver(config, ledger, &key, &known, &batch, &options, now)
}

fn bundle_error(error: BundleError) -> Error {
    Error::Convert(ConvertFailure::Bundle(error))
}

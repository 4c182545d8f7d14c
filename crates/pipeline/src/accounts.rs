//! What the integration can read, with what a bookkeeper must act on about each
//! account's link to its bank ([`crate::sync_health`]).

use crate::Error;
use crate::connect::{PontoAccess, client};
use crate::sync_health::{self, Limits};
use chrono::{DateTime, Utc};
use ponto::{Account, Client, FinancialInstitution};
use std::collections::HashMap;

/// One account as shown.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub organization: String,
    pub id: String,
    pub reference: String,
    pub currency: String,
    /// Decimal text with the currency's minor units (`57546.40` EUR, `1200` JPY).
    pub current_balance: Option<String>,
    pub bank: Option<String>,
    /// Ponto's `description` and `holderName` of the account, when it gives them.
    pub description: Option<String>,
    pub holder_name: Option<String>,
    pub synchronized_at: Option<DateTime<Utc>>,
    pub consent_expires: Option<DateTime<Utc>>,
    pub warnings: Vec<String>,
}

pub fn list(
    accesses: &[PontoAccess],
    limits: Limits,
    now: DateTime<Utc>,
) -> Result<Vec<AccountView>, Error> {
    let mut views = Vec::new();
    for access in accesses {
        let ponto = client(access)?;
        let accounts = ponto
            .accounts()
            .map_err(|e| Error::ponto(&access.organization, e))?;
        let mut banks: HashMap<String, Option<FinancialInstitution>> = HashMap::new();
        for account in accounts {
            let bank = bank_of(&ponto, &account, &mut banks);
            views.push(view(
                &access.organization,
                &account,
                bank.as_ref(),
                limits,
                now,
            ));
        }
    }
    Ok(views)
}

/// The account's bank, looked up once per institution; a failed look-up only costs the
/// bank's name in the listing.
fn bank_of(
    ponto: &Client,
    account: &Account,
    cache: &mut HashMap<String, Option<FinancialInstitution>>,
) -> Option<FinancialInstitution> {
    let id = account
        .relationships
        .as_ref()?
        .pointer("/financialInstitution/data/id")?
        .as_str()?
        .to_owned();
    cache
        .entry(id.clone())
        .or_insert_with(|| ponto.financial_institution(&id).ok())
        .clone()
}

fn view(
    organization: &str,
    account: &Account,
    bank: Option<&FinancialInstitution>,
    limits: Limits,
    now: DateTime<Utc>,
) -> AccountView {
    let a = &account.attributes;
    let synchronized = account.account_meta().synchronized_at;
    let currency = a.currency.clone().unwrap_or_else(|| "?".into());
    AccountView {
        organization: organization.to_owned(),
        id: account.id.clone().unwrap_or_default(),
        reference: a.reference.clone().unwrap_or_else(|| "?".into()),
        current_balance: a.current_balance.map(|b| amount_text(b, &currency)),
        currency,
        bank: bank.and_then(|b| b.attributes.name.clone()),
        description: a.description.clone(),
        holder_name: a.holder_name.clone(),
        synchronized_at: synchronized,
        consent_expires: a.authorization_expiration_expected_at,
        warnings: sync_health::assess(&sync_health::observe(account, now), limits, now)
            .into_iter()
            .map(|finding| finding.message)
            .collect(),
    }
}

/// An amount with its currency's minor units (ISO 4217): `57546.4` EUR → `57546.40`,
/// JPY without decimals. Never rounded: an amount with more decimals than its currency
/// has, or in an unknown currency, is shown as Ponto gave it.
pub fn amount_text(amount: rust_decimal::Decimal, currency: &str) -> String {
    match converter::minor_units(currency) {
        Some(minor) if amount.normalize().scale() <= minor => {
            let mut shown = amount.normalize();
            shown.rescale(minor);
            shown.to_string()
        }
        _ => amount.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_show_the_currency_s_minor_units_and_are_never_rounded() {
        let amount = |text: &str| text.parse::<rust_decimal::Decimal>().expect("decimal");
        assert_eq!(amount_text(amount("57546.4"), "EUR"), "57546.40");
        assert_eq!(amount_text(amount("-3"), "EUR"), "-3.00");
        assert_eq!(amount_text(amount("1200.00"), "JPY"), "1200");
        assert_eq!(amount_text(amount("1.5"), "KWD"), "1.500");
        assert_eq!(amount_text(amount("0.125"), "EUR"), "0.125", "not rounded");
        assert_eq!(amount_text(amount("7.1"), "XAU"), "7.1", "no minor units");
    }
}

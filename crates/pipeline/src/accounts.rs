//! What the integration can read, with warnings a bookkeeper must
//! act on (consent about to expire, data not synchronized for a day).

use crate::Error;
use crate::connect::{PontoAccess, client};
use chrono::{DateTime, Duration, Utc};
use ponto::{Account, Client, FinancialInstitution};
use std::collections::HashMap;

pub const CONSENT_WARNING_DAYS: i64 = 14;
pub const STALE_SYNC_HOURS: i64 = 24;

/// One account as shown.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub organization: String,
    pub id: String,
    pub reference: String,
    pub currency: String,
    pub current_balance: Option<String>,
    pub bank: Option<String>,
    pub synchronized_at: Option<DateTime<Utc>>,
    pub consent_expires: Option<DateTime<Utc>>,
    pub warnings: Vec<String>,
}

pub fn list(accesses: &[PontoAccess], now: DateTime<Utc>) -> Result<Vec<AccountView>, Error> {
    let mut views = Vec::new();
    for access in accesses {
        let ponto = client(access)?;
        let accounts = ponto
            .accounts()
            .map_err(|e| Error::ponto(&access.organization, e))?;
        let mut banks: HashMap<String, Option<FinancialInstitution>> = HashMap::new();
        for account in accounts {
            let bank = bank_of(&ponto, &account, &mut banks);
            views.push(view(&access.organization, &account, bank.as_ref(), now));
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

pub fn synchronized_at(account: &Account) -> Option<DateTime<Utc>> {
    let text = account.meta.as_ref()?.get("synchronizedAt")?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn view(
    organization: &str,
    account: &Account,
    bank: Option<&FinancialInstitution>,
    now: DateTime<Utc>,
) -> AccountView {
    let a = &account.attributes;
    let synchronized = synchronized_at(account);
    AccountView {
        organization: organization.to_owned(),
        id: account.id.clone().unwrap_or_default(),
        reference: a.reference.clone().unwrap_or_else(|| "?".into()),
        currency: a.currency.clone().unwrap_or_else(|| "?".into()),
        current_balance: a.current_balance.map(|b| b.to_string()),
        bank: bank.and_then(|b| b.attributes.name.clone()),
        synchronized_at: synchronized,
        consent_expires: a.authorization_expiration_expected_at,
        warnings: warnings(a.authorization_expiration_expected_at, synchronized, now),
    }
}

pub fn warnings(
    consent_expires: Option<DateTime<Utc>>,
    synchronized: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(expires) = consent_expires {
        if expires <= now {
            warnings.push(format!(
                "bank consent expired on {}: renew it in Ponto, no new transactions arrive until then",
                expires.date_naive()
            ));
        } else if expires - now <= Duration::days(CONSENT_WARNING_DAYS) {
            warnings.push(format!(
                "bank consent expires on {} ({} days): renew it in Ponto",
                expires.date_naive(),
                (expires - now).num_days()
            ));
        }
    }
    match synchronized {
        Some(at) if now - at > Duration::hours(STALE_SYNC_HOURS) => warnings.push(format!(
            "last synchronization {} ago: Ponto's data may be behind the bank",
            human_age(now - at)
        )),
        None => warnings.push("never synchronized by Ponto".into()),
        _ => {}
    }
    warnings
}

/// Everything about the account's connection to its bank that a bookkeeper must act on:
/// consent, synchronization, availability, a replaced (deprecated) account. Logged on
/// every fetch, so a scheduled run that silently gets nothing new still says why.
pub fn health_warnings(account: &Account, now: DateTime<Utc>) -> Vec<String> {
    let meta = account.account_meta();
    let mut found = warnings(
        account.attributes.authorization_expiration_expected_at,
        meta.synchronized_at,
        now,
    );
    if account.attributes.deprecated == Some(true) {
        found.push(
            "Ponto marks this account deprecated (replaced after a re-authorization?)".into(),
        );
    }
    if let Some(availability) = meta.availability.filter(|a| a != "available") {
        found.push(format!("Ponto says the account is {availability}"));
    }
    found
}

fn human_age(age: Duration) -> String {
    if age.num_days() >= 1 {
        format!("{} days", age.num_days())
    } else {
        format!("{} hours", age.num_hours())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0)
            .single()
            .expect("valid date")
    }

    #[test]
    fn warns_about_consent_within_14_days_and_stale_data() {
        assert!(warnings(Some(at(30)), Some(at(10)), at(10)).is_empty());
        let soon = warnings(Some(at(20)), Some(at(10)), at(10));
        assert_eq!(soon.len(), 1);
        assert!(soon[0].contains("10 days"), "{soon:?}");
        let stale = warnings(None, Some(at(7)), at(10));
        assert!(stale[0].contains("3 days"), "{stale:?}");
        assert!(warnings(Some(at(9)), Some(at(10)), at(10))[0].contains("expired"));
    }
}

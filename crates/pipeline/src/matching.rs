//! Which Ponto account a configured account is: the IBAN in its electronic form, and the
//! currency when the configuration names one. One rule, used by fetch, export and
//! `check-config --online`.

use crate::config::AccountConfig;
use ponto::Account;

/// The electronic form of an IBAN (or of another account reference): no spaces, upper case.
pub fn normalize_iban(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The account's reference at Ponto, in electronic form.
pub fn reference_of(account: &Account) -> String {
    normalize_iban(account.attributes.reference.as_deref().unwrap_or(""))
}

/// Whether the Ponto account is the configured one: same IBAN, and the same currency
/// when one is configured.
pub fn is_configured_account(account: &Account, configured: &AccountConfig) -> bool {
    reference_of(account) == configured.iban
        && configured
            .currency
            .as_deref()
            .is_none_or(|c| account.attributes.currency.as_deref() == Some(c))
}

/// The Ponto accounts that are the configured one.
pub fn matching<'a>(listed: &'a [Account], configured: &AccountConfig) -> Vec<&'a Account> {
    listed
        .iter()
        .filter(|a| is_configured_account(a, configured))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(reference: &str, currency: &str) -> Account {
        serde_json::from_value(serde_json::json!({
            "type": "account",
            "id": "a",
            "attributes": {"reference": reference, "currency": currency}
        }))
        .expect("account")
    }

    fn configured(iban: &str, currency: Option<&str>) -> AccountConfig {
        AccountConfig {
            config_key: "accounts[0]".into(),
            iban: normalize_iban(iban),
            currency: currency.map(str::to_owned),
            start_date: chrono::NaiveDate::default(),
            time_zone: None,
            drop_dir: "/tmp".into(),
            lookback_days: None,
            start_after_id: None,
            opening_balance: None,
        }
    }

    #[test]
    fn spaces_and_case_do_not_matter() {
        assert_eq!(normalize_iban(" be68 5390\t0754 7034 "), "BE68539007547034");
        let ponto = account("be68 5390 0754 7034", "EUR");
        assert!(is_configured_account(
            &ponto,
            &configured("BE68539007547034", None)
        ));
    }

    #[test]
    fn a_configured_currency_must_match() {
        let listed = [
            account("BE68539007547034", "EUR"),
            account("BE68539007547034", "USD"),
        ];
        assert_eq!(
            matching(&listed, &configured("BE68539007547034", None)).len(),
            2
        );
        let usd = matching(&listed, &configured("BE68539007547034", Some("USD")));
        assert_eq!(usd.len(), 1);
        assert_eq!(usd[0].attributes.currency.as_deref(), Some("USD"));
        assert!(matching(&listed, &configured("BE68539007547034", Some("GBP"))).is_empty());
    }
}

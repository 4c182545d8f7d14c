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

/// Which Ponto account serves a configured one.
#[derive(Debug)]
pub enum Choice<'a> {
    /// This one; `replaced` are deprecated accounts with the same IBAN and currency
    /// (Ponto keeps the old account after a bank re-authorization).
    One {
        account: &'a Account,
        replaced: Vec<&'a Account>,
    },
    None,
    /// The IBAN has several currencies and none is configured.
    SeveralCurrencies,
    /// Several accounts with the same IBAN and currency that none of them is deprecated
    /// (or all are): which one is meant cannot be told.
    Ambiguous(Vec<&'a Account>),
}

/// The Ponto account for `configured`: among the matching ones of one currency, the one
/// not deprecated.
pub fn choose<'a>(listed: &'a [Account], configured: &AccountConfig) -> Choice<'a> {
    let found = matching(listed, configured);
    let Some(first) = found.first() else {
        return Choice::None;
    };
    let currency = |a: &Account| a.attributes.currency.clone();
    if found.iter().any(|a| currency(a) != currency(first)) {
        return Choice::SeveralCurrencies;
    }
    let deprecated = |a: &Account| a.attributes.deprecated == Some(true);
    let (replaced, live): (Vec<&Account>, Vec<&Account>) =
        found.iter().partition(|a| deprecated(a));
    match live.as_slice() {
        [one] => Choice::One {
            account: one,
            replaced,
        },
        [] if replaced.len() == 1 => Choice::One {
            account: replaced[0],
            replaced: Vec::new(),
        },
        _ => Choice::Ambiguous(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(reference: &str, currency: &str) -> Account {
        replaced_account("a", reference, currency, false)
    }

    fn replaced_account(id: &str, reference: &str, currency: &str, deprecated: bool) -> Account {
        serde_json::from_value(serde_json::json!({
            "type": "account",
            "id": id,
            "attributes": {"reference": reference, "currency": currency, "deprecated": deprecated}
        }))
        .expect("account")
    }

    fn chosen_id(choice: Choice<'_>) -> String {
        match choice {
            Choice::One { account, .. } => account.id.clone().unwrap_or_default(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn the_account_not_deprecated_is_chosen_over_the_one_it_replaced() {
        let iban = "BE68539007547034";
        let listed = [
            replaced_account("old", iban, "EUR", true),
            replaced_account("new", iban, "EUR", false),
        ];
        let choice = choose(&listed, &configured(iban, None));
        let Choice::One { account, replaced } = &choice else {
            panic!("{choice:?}");
        };
        assert_eq!(account.id.as_deref(), Some("new"));
        assert_eq!(replaced.len(), 1);
        assert_eq!(replaced[0].id.as_deref(), Some("old"));
        let only_old = [replaced_account("old", iban, "EUR", true)];
        assert_eq!(chosen_id(choose(&only_old, &configured(iban, None))), "old");
        let two_live = [
            replaced_account("x", iban, "EUR", false),
            replaced_account("y", iban, "EUR", false),
        ];
        assert!(matches!(
            choose(&two_live, &configured(iban, None)),
            Choice::Ambiguous(_)
        ));
        let currencies = [
            replaced_account("x", iban, "EUR", false),
            replaced_account("y", iban, "USD", false),
        ];
        assert!(matches!(
            choose(&currencies, &configured(iban, None)),
            Choice::SeveralCurrencies
        ));
        assert_eq!(
            chosen_id(choose(&currencies, &configured(iban, Some("USD")))),
            "y"
        );
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

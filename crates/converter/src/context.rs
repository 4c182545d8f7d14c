//! What the mapping needs to know about the account: its identifier, currency, minor
//! units, the bank's time zone and the `Stmt/Acct` block.

use crate::amounts::minor_units;
use crate::counterparty::{normalized_reference, valid_iban};
use crate::error::{ConvertError, excerpt};
use crate::ids::account_tag;
use crate::text::{MAX_ACCOUNT_NAME, MAX_NAME, MAX_OTHER_ACCOUNT_ID, check_input_size, name};
use chrono_tz::Tz;

/// The zone of Belgian banks, Ponto's home market, when nothing else is known.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Brussels;

#[derive(Debug, Clone, PartialEq)]
pub struct AccountContext {
    /// Electronic IBAN of the account, when it has one.
    pub iban: Option<String>,
    /// `Acct/Id/Othr/Id` when the account has no IBAN.
    pub other_id: Option<String>,
    pub currency: String,
    pub minor_units: u32,
    pub time_zone: Tz,
    /// `Stmt/Acct`.
    pub account: camt053::Account,
}

impl AccountContext {
    /// Time zone precedence: `time_zone_override` (user configuration or `--timezone`) >
    /// the financial institution's `timeZone` > Europe/Brussels.
    pub fn new(
        account: &ponto::Account,
        institution: Option<&ponto::FinancialInstitution>,
        time_zone_override: Option<&str>,
    ) -> Result<Self, ConvertError> {
        let resource = account_label(account);
        check_text_sizes(account, institution, &resource)?;
        let currency = account_currency(account, &resource)?;
        let minor_units = minor_units(&currency).ok_or_else(|| ConvertError::UnknownCurrency {
            resource: resource.clone(),
            field: "attributes.currency".to_owned(),
            currency: currency.clone(),
        })?;
        let (iban, other_id) = account_identifier(account, &resource)?;
        let time_zone = time_zone(institution, time_zone_override)?;
        let institution = institution.map(|i| &i.attributes);
        let camt_account = camt053::Account {
            iban: iban.clone(),
            other_id: other_id.clone(),
            currency: Some(currency.clone()),
            name: name(account.attributes.description.as_deref(), MAX_ACCOUNT_NAME),
            owner_name: name(account.attributes.holder_name.as_deref(), MAX_NAME),
            servicer_bic: institution
                .and_then(|i| i.bic.as_deref())
                .and_then(valid_bic),
            servicer_name: name(institution.and_then(|i| i.name.as_deref()), MAX_NAME),
        };
        Ok(AccountContext {
            iban,
            other_id,
            currency,
            minor_units,
            time_zone,
            account: camt_account,
        })
    }

    /// How the account is named in errors: by its IBAN or other identifier.
    pub(crate) fn label(&self) -> String {
        match self.iban.as_deref().or(self.other_id.as_deref()) {
            Some(id) => format!("account {id}"),
            None => "account".to_owned(),
        }
    }

    /// The account's tag for statement ids (see [`account_tag`]).
    pub fn account_tag(&self) -> String {
        let id = self
            .iban
            .as_deref()
            .or(self.other_id.as_deref())
            .unwrap_or_default();
        account_tag(id, &self.currency)
    }
}

fn account_label(account: &ponto::Account) -> String {
    match account
        .id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        Some(id) => format!("account {}", excerpt(id)),
        None => "account".to_owned(),
    }
}

/// Every text field Ponto sends about the account and its bank, refused when absurdly
/// long (see [`MAX_INPUT_BYTES`](crate::text::MAX_INPUT_BYTES)).
fn check_text_sizes(
    account: &ponto::Account,
    institution: Option<&ponto::FinancialInstitution>,
    resource: &str,
) -> Result<(), ConvertError> {
    let a = &account.attributes;
    let fields = [
        ("type", &account.kind),
        ("id", &account.id),
        ("attributes.reference", &a.reference),
        ("attributes.referenceType", &a.reference_type),
        ("attributes.currency", &a.currency),
        ("attributes.description", &a.description),
        ("attributes.holderName", &a.holder_name),
        ("attributes.product", &a.product),
        ("attributes.subtype", &a.subtype),
        ("attributes.internalReference", &a.internal_reference),
    ];
    fields
        .into_iter()
        .try_for_each(|(field, value)| check_input_size(resource, field, value.as_deref()))?;
    let Some(institution) = institution else {
        return Ok(());
    };
    let resource = match institution.id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => format!("financial institution {}", excerpt(id)),
        _ => "financial institution".to_owned(),
    };
    let i = &institution.attributes;
    let fields = [
        ("type", &institution.kind),
        ("id", &institution.id),
        ("attributes.name", &i.name),
        ("attributes.bic", &i.bic),
        ("attributes.country", &i.country),
        ("attributes.timeZone", &i.time_zone),
        ("attributes.status", &i.status),
    ];
    fields
        .into_iter()
        .try_for_each(|(field, value)| check_input_size(&resource, field, value.as_deref()))
}

fn account_currency(account: &ponto::Account, resource: &str) -> Result<String, ConvertError> {
    let raw = account
        .attributes
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let Some(raw) = raw else {
        return Err(ConvertError::MissingField {
            transaction: resource.to_owned(),
            field: "attributes.currency".to_owned(),
        });
    };
    let currency = raw.to_ascii_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ConvertError::InvalidField {
            transaction: resource.to_owned(),
            field: "attributes.currency".to_owned(),
            value: excerpt(raw),
            problem: "not a three-letter ISO 4217 code".to_owned(),
        });
    }
    Ok(currency)
}

/// `(iban, other_id)`: an IBAN-typed reference must be a valid IBAN (Odoo matches the
/// journal on it); any other reference that validates as IBAN is used as one too.
fn account_identifier(
    account: &ponto::Account,
    resource: &str,
) -> Result<(Option<String>, Option<String>), ConvertError> {
    let raw = account.attributes.reference.as_deref().unwrap_or_default();
    let Some(compact) = normalized_reference(raw) else {
        return Err(ConvertError::MissingField {
            transaction: resource.to_owned(),
            field: "attributes.reference".to_owned(),
        });
    };
    if let Some(iban) = valid_iban(&compact) {
        return Ok((Some(iban), None));
    }
    let iban_typed = account
        .attributes
        .reference_type
        .as_deref()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("IBAN"));
    let problem = if iban_typed {
        Some("referenceType is IBAN but the reference is not a valid IBAN")
    } else if compact.chars().count() > MAX_OTHER_ACCOUNT_ID {
        Some("longer than 34 characters (Othr/Id)")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(ConvertError::InvalidField {
            transaction: resource.to_owned(),
            field: "attributes.reference".to_owned(),
            value: excerpt(raw),
            problem: problem.to_owned(),
        }),
        None => Ok((None, Some(compact))),
    }
}

fn time_zone(
    institution: Option<&ponto::FinancialInstitution>,
    time_zone_override: Option<&str>,
) -> Result<Tz, ConvertError> {
    let configured = time_zone_override
        .map(str::trim)
        .filter(|z| !z.is_empty())
        .map(|z| (z, "the configured time zone".to_owned()));
    let from_bank = institution
        .and_then(|i| i.attributes.time_zone.as_deref())
        .map(str::trim)
        .filter(|z| !z.is_empty())
        .map(|z| (z, "financial institution attributes.timeZone".to_owned()));
    match configured.or(from_bank) {
        None => Ok(DEFAULT_TIME_ZONE),
        Some((zone, origin)) => zone
            .parse::<Tz>()
            .map_err(|_| ConvertError::UnknownTimeZone {
                zone: excerpt(zone),
                origin,
            }),
    }
}

/// A BIC that matches the XSD pattern `[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?`;
/// anything else is omitted (an invalid BIC fails validation).
fn valid_bic(bic: &str) -> Option<String> {
    let bic = bic.trim().to_ascii_uppercase();
    let chars: Vec<char> = bic.chars().collect();
    let upper_alnum = |c: &char| c.is_ascii_uppercase() || c.is_ascii_digit();
    let ok = (chars.len() == 8 || chars.len() == 11)
        && chars[..6].iter().all(char::is_ascii_uppercase)
        && (chars[6].is_ascii_uppercase() || ('2'..='9').contains(&chars[6]))
        && upper_alnum(&chars[7])
        && chars[7] != 'O'
        && chars[8..].iter().all(upper_alnum);
    ok.then_some(bic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponto::{AccountAttributes, FinancialInstitutionAttributes, Resource};

    fn account(reference: &str, currency: &str) -> ponto::Account {
        Resource {
            kind: Some("account".to_owned()),
            id: Some("acc-1".to_owned()),
            attributes: AccountAttributes {
                reference: Some(reference.to_owned()),
                reference_type: Some("IBAN".to_owned()),
                currency: Some(currency.to_owned()),
                description: Some("Current account".to_owned()),
                holder_name: Some("ACME SA".to_owned()),
                ..Default::default()
            },
            relationships: None,
            meta: None,
            links: None,
        }
    }

    fn institution(zone: Option<&str>, bic: &str) -> ponto::FinancialInstitution {
        Resource {
            kind: Some("financialInstitution".to_owned()),
            id: Some("fi-1".to_owned()),
            attributes: FinancialInstitutionAttributes {
                name: Some("Bank".to_owned()),
                bic: Some(bic.to_owned()),
                time_zone: zone.map(str::to_owned),
                ..Default::default()
            },
            relationships: None,
            meta: None,
            links: None,
        }
    }

    #[test]
    fn iban_account_with_defaults() {
        let ctx = AccountContext::new(&account("BE68 5390 0754 7034", "eur"), None, None).unwrap();
        assert_eq!(ctx.iban.as_deref(), Some("BE68539007547034"));
        assert_eq!(ctx.currency, "EUR");
        assert_eq!(ctx.minor_units, 2);
        assert_eq!(ctx.time_zone, chrono_tz::Europe::Brussels);
        assert_eq!(ctx.account.iban.as_deref(), Some("BE68539007547034"));
        assert_eq!(ctx.account.currency.as_deref(), Some("EUR"));
        assert_eq!(ctx.account.name.as_deref(), Some("Current account"));
        assert_eq!(ctx.account_tag().len(), 12);
    }

    #[test]
    fn time_zone_precedence() {
        let acc = account("BE68539007547034", "EUR");
        let fi = institution(Some("Europe/Amsterdam"), "GKCCBEBB");
        let from_bank = AccountContext::new(&acc, Some(&fi), None).unwrap();
        assert_eq!(from_bank.time_zone, chrono_tz::Europe::Amsterdam);
        assert_eq!(from_bank.account.servicer_bic.as_deref(), Some("GKCCBEBB"));
        let configured = AccountContext::new(&acc, Some(&fi), Some("America/New_York")).unwrap();
        assert_eq!(configured.time_zone, chrono_tz::America::New_York);
    }

    #[test]
    fn unknown_time_zone_names_its_origin() {
        let acc = account("BE68539007547034", "EUR");
        let err = AccountContext::new(&acc, None, Some("Mars/Olympus")).unwrap_err();
        assert!(
            matches!(&err, ConvertError::UnknownTimeZone { zone, .. } if zone == "Mars/Olympus")
        );
        assert!(err.to_string().contains("configured"));
        let fi = institution(Some("Nowhere/Town"), "GKCCBEBB");
        let err = AccountContext::new(&acc, Some(&fi), None).unwrap_err();
        assert!(err.to_string().contains("timeZone"));
    }

    #[test]
    fn currency_errors() {
        let mut acc = account("BE68539007547034", "EUR");
        acc.attributes.currency = None;
        assert!(matches!(
            AccountContext::new(&acc, None, None),
            Err(ConvertError::MissingField { .. })
        ));
        let acc = account("BE68539007547034", "EURO");
        assert!(matches!(
            AccountContext::new(&acc, None, None),
            Err(ConvertError::InvalidField { .. })
        ));
        let acc = account("BE68539007547034", "XAU");
        assert!(matches!(
            AccountContext::new(&acc, None, None),
            Err(ConvertError::UnknownCurrency { .. })
        ));
    }

    #[test]
    fn invalid_iban_typed_reference_is_an_error_but_other_references_are_othr() {
        let acc = account("BE68539007547035", "EUR");
        assert!(AccountContext::new(&acc, None, None).is_err());
        let mut acc = account("1234567", "JPY");
        acc.attributes.reference_type = Some("BBAN".to_owned());
        let ctx = AccountContext::new(&acc, None, None).unwrap();
        assert_eq!(ctx.other_id.as_deref(), Some("1234567"));
        assert_eq!(ctx.minor_units, 0);
    }

    #[test]
    fn bic_pattern_is_checked() {
        assert_eq!(valid_bic("gkccbebb").as_deref(), Some("GKCCBEBB"));
        assert_eq!(valid_bic("GKCCBEBBXXX").as_deref(), Some("GKCCBEBBXXX"));
        assert_eq!(valid_bic("TEST1234"), None);
        assert_eq!(valid_bic("GKCCBEB"), None);
    }
}

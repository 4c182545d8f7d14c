//! Ponto JSON:API resources exactly as the API returns them (and as bundles store them).
//!
//! Every attribute is optional because Ponto sends `null` for many of them and omits
//! others depending on the bank; unknown attributes are ignored. Deciding which missing
//! attribute is an error is the converter's business, where the context is known.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A JSON:API resource: `type`, `id`, `attributes`, plus the parts we pass through untouched.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Resource<A> {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Ponto ids are UUIDs (36 characters); a missing id is an error for the caller to report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub attributes: A,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<serde_json::Value>,
}

pub type Account = Resource<AccountAttributes>;
pub type Transaction = Resource<TransactionAttributes>;
pub type FinancialInstitution = Resource<FinancialInstitutionAttributes>;

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountAttributes {
    /// The account's identifier at the bank: an IBAN when `reference_type` is `IBAN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::decimal::option",
        serialize_with = "crate::decimal::serialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub current_balance: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_balance_reference_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_balance_changed_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        deserialize_with = "crate::decimal::option",
        serialize_with = "crate::decimal::serialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub available_balance: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_balance_reference_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_balance_changed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_expiration_expected_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_reference: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FinancialInstitutionAttributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// IANA zone of the bank, e.g. `Europe/Brussels`: booking days are taken in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionAttributes {
    /// Signed: positive is money in.
    #[serde(
        default,
        deserialize_with = "crate::decimal::option",
        serialize_with = "crate::decimal::serialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::instant::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub value_date: Option<DateTime<Utc>>,
    #[serde(
        default,
        deserialize_with = "crate::instant::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub execution_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remittance_information: Option<String>,
    /// `structured` or `unstructured`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remittance_information_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterpart_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterpart_reference: Option<String>,
    /// ISO 20022 code as `DOMAIN-FAMILY-SUBFAMILY`, e.g. `PMNT-ICDT-ESCT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_transaction_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proprietary_bank_transaction_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_to_end_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandate_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creditor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_information: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::decimal::option",
        serialize_with = "crate::decimal::serialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub fee: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_reference_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::instant::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        deserialize_with = "crate::instant::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<DateTime<Utc>>,
}

pub type Synchronization = Resource<SynchronizationAttributes>;

/// What an account's `meta` says about its connection to the bank: the consent and
/// synchronization health. [`Resource::meta`] keeps the object as sent (bundles store
/// it unchanged); this is its decoded view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountMeta {
    /// `meta.availability`, e.g. `available`.
    pub availability: Option<String>,
    /// `meta.synchronizedAt`: Ponto's last successful synchronization with the bank.
    /// (Ponto's `attributes.synchronizedAt` copy was always empty in production.)
    pub synchronized_at: Option<DateTime<Utc>>,
    /// `meta.latestSynchronization`, successful or not: `attributes.status` and
    /// `attributes.errors` say why the data may be stale.
    pub latest_synchronization: Option<Synchronization>,
}

impl Resource<AccountAttributes> {
    /// The decoded `meta`. Each field stands alone and is `None` when absent, `null` or
    /// of another shape: none of them is needed to read transactions, so an odd value
    /// must not make the account unreadable.
    pub fn account_meta(&self) -> AccountMeta {
        let Some(meta) = self.meta.as_ref() else {
            return AccountMeta::default();
        };
        AccountMeta {
            availability: meta
                .get("availability")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            synchronized_at: meta
                .get("synchronizedAt")
                .and_then(serde_json::Value::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc)),
            latest_synchronization: meta
                .get("latestSynchronization")
                .filter(|v| v.is_object())
                .and_then(|v| Synchronization::deserialize(v).ok()),
        }
    }
}

/// A synchronization: Ponto asking the bank for fresh data about one account.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationAttributes {
    /// Always `account` today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The account's id (the synchronization's own id is the resource id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// `accountDetails`, `accountTransactions` or `accountTransactionsWithUnsettled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// `pending` → `running` → `success` | `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why it failed, as Ponto sent it (`code`, `detail`, `meta`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An account as Ponto's docs and the Ibanity clients' fixtures show it, with the
    /// consent and synchronization health attributes.
    const ACCOUNT: &str = r#"{
      "type": "account",
      "id": "8f6e2a1c-3b4d-4e5f-9a0b-1c2d3e4f5a6b",
      "attributes": {
        "reference": "BE53586671384412", "referenceType": "IBAN", "currency": "EUR",
        "subtype": "checking", "deprecated": true, "currentBalance": 12345.60,
        "authorizedAt": "2024-01-10T09:00:00.000Z",
        "authorizationExpirationExpectedAt": "2024-07-08T09:00:00.000Z"
      },
      "meta": {
        "availability": "available",
        "synchronizedAt": "2024-03-06T07:02:11.532Z",
        "latestSynchronization": {
          "type": "synchronization", "id": "c0ffee00-1234-4abc-9def-000000000002",
          "attributes": {
            "resourceType": "account", "resourceId": "8f6e2a1c-3b4d-4e5f-9a0b-1c2d3e4f5a6b",
            "subtype": "accountTransactions", "status": "error",
            "errors": [{"code": "authorizationInvalid", "detail": "The authorization is invalid."}],
            "createdAt": "2024-03-07T07:00:00.000Z", "updatedAt": "2024-03-07T07:00:02.000Z"
          }
        }
      }
    }"#;

    fn instant(text: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    #[test]
    fn account_decodes_consent_and_synchronization_health() {
        let account: Account = serde_json::from_str(ACCOUNT).expect("account");
        assert_eq!(account.attributes.deprecated, Some(true));
        assert_eq!(
            account.attributes.authorization_expiration_expected_at,
            instant("2024-07-08T09:00:00Z")
        );
        assert_eq!(
            account.attributes.authorized_at,
            instant("2024-01-10T09:00:00Z")
        );
        let meta = account.account_meta();
        assert_eq!(meta.availability.as_deref(), Some("available"));
        assert_eq!(meta.synchronized_at, instant("2024-03-06T07:02:11.532Z"));
        let latest = meta.latest_synchronization.expect("latest synchronization");
        assert_eq!(latest.attributes.status.as_deref(), Some("error"));
        let errors = latest.attributes.errors.expect("errors");
        assert_eq!(errors[0]["code"], "authorizationInvalid");
        // The raw meta stays as sent, for bundles.
        let again = serde_json::to_value(&account).expect("serialize");
        assert_eq!(
            again["meta"]["latestSynchronization"]["attributes"]["status"],
            "error"
        );
    }

    #[test]
    fn account_health_is_optional_and_tolerant() {
        let bare: Account =
            serde_json::from_str(r#"{"type":"account","id":"a","attributes":{}}"#).expect("bare");
        assert_eq!(bare.attributes.deprecated, None);
        assert_eq!(bare.attributes.authorization_expiration_expected_at, None);
        assert_eq!(bare.account_meta(), AccountMeta::default());
        let odd: Account = serde_json::from_str(
            r#"{"attributes":{},"meta":{"availability":null,"synchronizedAt":"yesterday",
                "latestSynchronization":null}}"#,
        )
        .expect("odd meta");
        assert_eq!(odd.account_meta(), AccountMeta::default());
        let wrong: Account = serde_json::from_str(
            r#"{"attributes":{},"meta":{"availability":1,"synchronizedAt":5,
                "latestSynchronization":{"attributes":{"status":7}}}}"#,
        )
        .expect("wrong shapes in meta do not fail the account");
        assert_eq!(wrong.account_meta(), AccountMeta::default());
    }

    #[test]
    fn transaction_keeps_fee_and_card_and_internal_references() {
        let tx: Transaction = serde_json::from_str(
            r#"{"type": "transaction", "id": "0b7c3f7e-1111-4c1e-9d2a-000000000002",
                "attributes": {"amount": -12.50, "currency": "EUR", "fee": 0.10,
                  "internalReference": "INT-778", "cardReference": "6789",
                  "cardReferenceType": "MASKEDPAN"}}"#,
        )
        .expect("transaction");
        let a = &tx.attributes;
        assert_eq!(a.fee.map(|d| d.to_string()).as_deref(), Some("0.10"));
        assert_eq!(a.internal_reference.as_deref(), Some("INT-778"));
        assert_eq!(a.card_reference.as_deref(), Some("6789"));
        assert_eq!(a.card_reference_type.as_deref(), Some("MASKEDPAN"));
        let again = serde_json::to_string(&tx).expect("serialize");
        assert!(again.contains(r#""fee":0.10"#), "{again}");
        assert!(
            again.contains(r#""cardReferenceType":"MASKEDPAN""#),
            "{again}"
        );

        let bare: Transaction = serde_json::from_str(
            r#"{"attributes": {"fee": null, "cardReference": null, "cardReferenceType": null}}"#,
        )
        .expect("nulls");
        assert_eq!(bare.attributes, TransactionAttributes::default());
    }
}

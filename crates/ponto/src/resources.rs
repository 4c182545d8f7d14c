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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

pub type Synchronization = Resource<SynchronizationAttributes>;

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

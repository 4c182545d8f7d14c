//! Public descriptions of the simulated world and the internal transaction record.

use crate::decimal::Dec;

/// A simulated organization: one custom integration with its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrganization {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub accounts: Vec<SimAccount>,
}

/// A simulated bank account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAccount {
    pub id: String,
    pub iban: String,
    pub currency: String,
    /// the owning organization's client id
    pub organization: String,
    pub financial_institution_id: String,
}

/// A transaction to add with full control over its attributes. `amount` is decimal text
/// written into the JSON exactly as given (`"-125.40"`). Dates are Ponto timestamps
/// (`2024-03-04T23:00:00.000Z`); when absent, today's date in the bank's style is used.
/// `None` attributes are sent as JSON `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewTransaction {
    pub amount: String,
    /// defaults to the account's currency
    pub currency: Option<String>,
    pub execution_date: Option<String>,
    pub value_date: Option<String>,
    pub description: Option<String>,
    pub remittance_information: Option<String>,
    /// defaults to `unstructured` when remittance information is given
    pub remittance_information_type: Option<String>,
    pub counterpart_name: Option<String>,
    pub counterpart_reference: Option<String>,
    pub end_to_end_id: Option<String>,
    pub bank_transaction_code: Option<String>,
    pub proprietary_bank_transaction_code: Option<String>,
    pub purpose_code: Option<String>,
    pub mandate_id: Option<String>,
    pub creditor_id: Option<String>,
    pub additional_information: Option<String>,
    pub internal_reference: Option<String>,
    /// decimal text
    pub fee: Option<String>,
    pub card_reference: Option<String>,
    pub card_reference_type: Option<String>,
}

impl NewTransaction {
    pub fn with_amount(amount: &str) -> NewTransaction {
        NewTransaction {
            amount: amount.to_string(),
            ..NewTransaction::default()
        }
    }
}

/// One transaction as the simulator stores (or lazily generates) it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tx {
    pub id: String,
    pub amount: Dec,
    /// the JSON number text, in the bank's style
    pub amount_text: String,
    pub currency: String,
    pub value_date: String,
    pub execution_date: String,
    pub description: Option<String>,
    pub remittance_information: Option<String>,
    pub remittance_information_type: Option<String>,
    pub counterpart_name: Option<String>,
    pub counterpart_reference: Option<String>,
    pub end_to_end_id: Option<String>,
    pub bank_transaction_code: Option<String>,
    pub proprietary_bank_transaction_code: Option<String>,
    pub purpose_code: Option<String>,
    pub mandate_id: Option<String>,
    pub creditor_id: Option<String>,
    pub additional_information: Option<String>,
    pub internal_reference: Option<String>,
    pub digest: Option<String>,
    /// JSON number text
    pub fee: Option<String>,
    pub card_reference: Option<String>,
    pub card_reference_type: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

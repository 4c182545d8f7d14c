//! The Ponto (MyPonto.com) API as this project uses it: the JSON:API resource types
//! (accounts, financial institutions, transactions) with exact decimals, and a client.
//!
//! Ponto's words are used throughout: account, transaction, counterpart.

pub mod decimal;
pub mod resources;

pub use resources::{
    Account, AccountAttributes, FinancialInstitution, FinancialInstitutionAttributes, Resource,
    Transaction, TransactionAttributes,
};

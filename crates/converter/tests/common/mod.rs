//! Builders shared by the integration tests.
#![allow(dead_code)]

use converter::AccountContext;
use ponto::{AccountAttributes, Resource, TransactionAttributes};
use rust_decimal::Decimal;
use std::str::FromStr;

pub const TX_ID: &str = "6e1b2a4c-9f3d-4d2e-8a7b-1c2d3e4f5a6b";

pub fn context(currency: &str) -> AccountContext {
    let account = Resource {
        kind: Some("account".to_owned()),
        id: Some("0f4c1b9e-0000-4000-8000-000000000001".to_owned()),
        attributes: AccountAttributes {
            reference: Some("BE68539007547034".to_owned()),
            reference_type: Some("IBAN".to_owned()),
            currency: Some(currency.to_owned()),
            ..Default::default()
        },
        relationships: None,
        meta: None,
        links: None,
    };
    AccountContext::new(&account, None, None).unwrap()
}

pub fn amount(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

pub fn instant(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

pub fn transaction(amount_text: &str) -> ponto::Transaction {
    Resource {
        kind: Some("transaction".to_owned()),
        id: Some(TX_ID.to_owned()),
        attributes: TransactionAttributes {
            amount: Some(amount(amount_text)),
            currency: Some("EUR".to_owned()),
            execution_date: Some(instant("2024-01-15T10:00:00Z")),
            value_date: Some(instant("2024-01-16T10:00:00Z")),
            ..Default::default()
        },
        relationships: None,
        meta: None,
        links: None,
    }
}

//! Simulator-only routes under `/admin/`, outside Ponto's API, for a program that drives
//! a simulator running in another process (`ponto2camt simulate`). They take no token:
//! the listener is bound to 127.0.0.1, so only local processes reach them.

use chrono::{Duration as Days, Utc};
use serde_json::Value;

use crate::api::Context;
use crate::http::Request;
use crate::json::J;
use crate::model::NewTransaction;
use crate::response::{ApiError, Response};

/// Most transactions one `POST /admin/book` may book.
const MAX_BOOK: u64 = 1_000;
/// Furthest back a generated booking may be executed.
const MAX_DAYS_AGO: u64 = 3_650;

pub fn handle(ctx: &mut Context, req: &Request, action: &str) -> Result<Response, ApiError> {
    match (req.method.as_str(), action) {
        ("POST", "book") => book(ctx, req),
        (_, "book") => Err(ApiError::new(
            405,
            "methodNotAllowed",
            "This method is not allowed on this resource.",
        )),
        _ => Err(ApiError::not_found("route")),
    }
}

/// `POST /admin/book`: `{"accountId" | "iban", "count", "daysAgo"}` books generated
/// transactions, `{"accountId" | "iban", "transaction": {Ponto attributes}}` one with
/// these attributes. Answers 201 `{"accountId", "transactionIds"}`.
fn book(ctx: &mut Context, req: &Request) -> Result<Response, ApiError> {
    let body: Value = if req.body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(&req.body).map_err(|e| {
            ApiError::invalid_parameter("body", &format!("The body is not valid JSON: {e}"))
        })?
    };
    if !body.is_object() {
        return Err(ApiError::invalid_parameter(
            "body",
            "The body must be a JSON object.",
        ));
    }
    let index = target_account(ctx, &body)?;
    let world = &mut *ctx.world;
    let ids = if let Some(attributes) = body.get("transaction") {
        let new = new_transaction(attributes)?;
        let id = world.book_new(index, new).ok_or_else(|| {
            ApiError::invalid_parameter("amount", "amount must be decimal text like \"-125.40\".")
        })?;
        vec![id]
    } else {
        let count = whole_number(&body, "count", 1, 1, MAX_BOOK)?;
        let days_ago = whole_number(&body, "daysAgo", 0, 0, MAX_DAYS_AGO)?;
        let day = Utc::now().date_naive() - Days::days(days_ago as i64);
        (0..count)
            .map(|_| world.book_generated(index, day))
            .collect()
    };
    let answer = J::obj(vec![
        ("accountId", J::str(&world.accounts[index].id)),
        (
            "transactionIds",
            J::Arr(ids.into_iter().map(J::Str).collect()),
        ),
    ]);
    Ok(Response::json(201, &answer))
}

/// The account that receives the booking: by id or by IBAN (any spacing or case; with
/// `currency` when one IBAN has several), followed to its replacement after a
/// re-authorization, as the bank's new bookings are.
fn target_account(ctx: &Context, body: &Value) -> Result<usize, ApiError> {
    let world = &*ctx.world;
    let found = if let Some(id) = body.get("accountId") {
        let id = id.as_str().ok_or_else(|| {
            ApiError::invalid_parameter("accountId", "accountId must be a string.")
        })?;
        world.account_index(id)
    } else if let Some(iban) = body.get("iban") {
        let iban = iban
            .as_str()
            .ok_or_else(|| ApiError::invalid_parameter("iban", "iban must be a string."))?;
        let wanted: String = iban
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let currency = body.get("currency").and_then(Value::as_str);
        world.accounts.iter().position(|a| {
            a.successor.is_none()
                && a.iban == wanted
                && currency.is_none_or(|c| c.eq_ignore_ascii_case(a.spec.currency))
        })
    } else {
        return Err(ApiError::invalid_parameter(
            "accountId",
            "Name the account with accountId or iban.",
        ));
    };
    found
        .map(|i| world.live(i))
        .ok_or_else(|| ApiError::not_found("account"))
}

fn whole_number(
    body: &Value,
    name: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                ApiError::invalid_parameter(
                    name,
                    &format!("{name} must be a whole number from {min} to {max}."),
                )
            }),
    }
}

/// A Ponto attribute as text: strings as they are, numbers as JSON writes them (so an
/// exact amount like `-125.40` is best sent as a string).
fn text(
    attributes: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<String>, ApiError> {
    match attributes.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::invalid_parameter(
            name,
            &format!("{name} must be a string."),
        )),
    }
}

const ATTRIBUTES: [&str; 20] = [
    "amount",
    "currency",
    "executionDate",
    "valueDate",
    "description",
    "remittanceInformation",
    "remittanceInformationType",
    "counterpartName",
    "counterpartReference",
    "endToEndId",
    "bankTransactionCode",
    "proprietaryBankTransactionCode",
    "purposeCode",
    "mandateId",
    "creditorId",
    "additionalInformation",
    "internalReference",
    "fee",
    "cardReference",
    "cardReferenceType",
];

fn new_transaction(value: &Value) -> Result<NewTransaction, ApiError> {
    let attributes = value.as_object().ok_or_else(|| {
        ApiError::invalid_parameter(
            "transaction",
            "transaction must be an object of Ponto attributes.",
        )
    })?;
    // a misspelt attribute would otherwise be dropped without a word
    if let Some(unknown) = attributes
        .keys()
        .find(|k| !ATTRIBUTES.contains(&k.as_str()))
    {
        return Err(ApiError::invalid_parameter(
            unknown,
            &format!("{unknown} is not a transaction attribute the simulator can set."),
        ));
    }
    let get = |name: &str| text(attributes, name);
    Ok(NewTransaction {
        amount: get("amount")?.ok_or_else(|| {
            ApiError::invalid_parameter("amount", "transaction.amount is required.")
        })?,
        currency: get("currency")?,
        execution_date: get("executionDate")?,
        value_date: get("valueDate")?,
        description: get("description")?,
        remittance_information: get("remittanceInformation")?,
        remittance_information_type: get("remittanceInformationType")?,
        counterpart_name: get("counterpartName")?,
        counterpart_reference: get("counterpartReference")?,
        end_to_end_id: get("endToEndId")?,
        bank_transaction_code: get("bankTransactionCode")?,
        proprietary_bank_transaction_code: get("proprietaryBankTransactionCode")?,
        purpose_code: get("purposeCode")?,
        mandate_id: get("mandateId")?,
        creditor_id: get("creditorId")?,
        additional_information: get("additionalInformation")?,
        internal_reference: get("internalReference")?,
        fee: get("fee")?,
        card_reference: get("cardReference")?,
        card_reference_type: get("cardReferenceType")?,
    })
}

//! One booked Ponto transaction → one `Ntry` with exactly one `TxDtls`.

use crate::amounts::{AmountSource, unsigned_amount};
use crate::bank_codes::bank_transaction_code;
use crate::charges::charges;
use crate::context::AccountContext;
use crate::counterparty::{counterpart_account, creditor_id, related_parties};
use crate::dates::{MAX_CAMT_YEAR, MIN_CAMT_YEAR, recent_local_date};
use crate::error::{ConvertError, excerpt, transaction_label};
use crate::ids::ponto_id_reference;
use crate::labels::{LabelSources, additional_transaction_info};
use crate::references::{card_reference, internal_reference, shown_card_reference};
use crate::remittance::remittance;
use crate::text::{
    MAX_ID, MAX_INFO, MAX_INPUT_BYTES, check_input_size, fits_chars, one_line_opt, push_one_line,
    trim, truncate_owned,
};
use camt053::{CreditDebit, Entry, EntryStatus, References, TransactionDetails};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;

/// A mapped transaction with what statement assembly needs besides the entry.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedTransaction {
    pub entry: Entry,
    pub ponto_id: String,
    pub booking_date: NaiveDate,
    /// Signed, with exactly the currency's minor units.
    pub signed_amount: Decimal,
    pub execution: DateTime<Utc>,
}

/// Ponto's pending transactions (`type` "pendingTransaction") never go into a camt.053.
pub fn pending_resource(tx: &ponto::Transaction) -> bool {
    tx.kind
        .as_deref()
        .is_some_and(|kind| trim(kind).eq_ignore_ascii_case("pendingTransaction"))
}

/// Maps one booked Ponto transaction. Errors name the transaction id and the field.
pub fn map_transaction(
    tx: &ponto::Transaction,
    ctx: &AccountContext,
) -> Result<MappedTransaction, ConvertError> {
    let label = Label(tx.id.as_deref());
    check_text_sizes(tx, label)?;
    let missing = |field: &str| ConvertError::MissingField {
        transaction: label.text(),
        field: field.to_owned(),
    };
    let ponto_id = tx
        .id
        .as_deref()
        .map(trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| missing("id"))?;
    let reference = ponto_id_reference(ponto_id)?;
    let a = &tx.attributes;
    let amount = a.amount.ok_or_else(|| missing("attributes.amount"))?;
    let execution = a
        .execution_date
        .ok_or_else(|| missing("attributes.executionDate"))?;
    check_currency(a.currency.as_deref(), ctx, label)?;
    let unsigned = booked_amount(amount, ctx, label)?;
    let direction = CreditDebit::of(amount);
    let booking_date = camt_date(execution, "attributes.executionDate", ctx, label)?;
    let value_date = match a.value_date {
        // Usually the same instant: the same day, without a second zone lookup.
        Some(value) if value == execution => booking_date,
        Some(value) => camt_date(value, "attributes.valueDate", ctx, label)?,
        None => booking_date,
    };

    let (end_to_end_id, end_to_end_overflow) = fitting_id(a.end_to_end_id.as_deref());
    let (mandate_id, mandate_overflow) = fitting_id(a.mandate_id.as_deref());
    let (sepa_creditor_id, creditor_overflow) = creditor_id(a.creditor_id.as_deref());
    let (internal_reference, internal_reference_overflow) =
        internal_reference(a.internal_reference.as_deref());
    let fee = charges(a.fee, &ctx.currency, ctx.minor_units);
    let shown_card = a.card_reference.as_deref().map(shown_card_reference);
    let account = counterpart_account(a.counterpart_reference.as_deref());
    let rmt = remittance(
        a.remittance_information.as_deref(),
        a.remittance_information_type.as_deref(),
    );
    let sources = LabelSources {
        description: a.description.as_deref(),
        counterpart_name: a.counterpart_name.as_deref(),
        card_reference: shown_card.as_deref(),
        counterpart_reference: a.counterpart_reference.as_deref(),
        additional_information: a.additional_information.as_deref(),
        end_to_end_id: a.end_to_end_id.as_deref(),
    };
    let details = TransactionDetails {
        refs: References {
            account_servicer_ref: Some(reference.clone()),
            end_to_end_id,
            mandate_id,
            proprietary: internal_reference,
            ..Default::default()
        },
        amount: Some((unsigned, ctx.currency.clone())),
        charges: fee.charges,
        related_parties: related_parties(
            direction,
            a.counterpart_name.as_deref(),
            account.id,
            sepa_creditor_id,
        ),
        purpose: purpose_code(a.purpose_code.as_deref()),
        additional_info: additional_transaction_info(&rmt, &sources),
        remittance: rmt,
        return_info: None,
    };
    let overflow = Overflow {
        card: card_reference(
            a.card_reference.as_deref(),
            a.card_reference_type.as_deref(),
        ),
        end_to_end_id: end_to_end_overflow,
        mandate_id: mandate_overflow,
        creditor_id: creditor_overflow,
        counterpart_account: account.overflow,
        internal_reference: internal_reference_overflow,
        fee: fee.overflow,
    };
    let entry = Entry {
        entry_ref: None,
        amount: unsigned,
        currency: ctx.currency.clone(),
        direction,
        reversal: false,
        status: EntryStatus::Booked,
        booking_date: Some(booking_date),
        value_date: Some(value_date),
        account_servicer_ref: Some(reference),
        bank_transaction_code: bank_transaction_code(
            a.bank_transaction_code.as_deref(),
            a.proprietary_bank_transaction_code.as_deref(),
        ),
        details: vec![details],
        additional_info: entry_info(
            a.description.as_deref(),
            a.additional_information.as_deref(),
            &overflow,
        ),
    };
    Ok(MappedTransaction {
        entry,
        ponto_id: ponto_id.to_owned(),
        booking_date,
        signed_amount: direction.signed(unsigned),
        execution,
    })
}

/// How the transaction is named in its errors, built only for an error: this runs for
/// every transaction, and almost none has one.
#[derive(Clone, Copy)]
struct Label<'a>(Option<&'a str>);

impl Label<'_> {
    fn text(self) -> String {
        transaction_label(self.0)
    }
}

/// Every text field Ponto sends, with its JSON path, so that an absurdly long one is
/// refused before any cleaning or splitting works through it.
fn check_text_sizes(tx: &ponto::Transaction, label: Label) -> Result<(), ConvertError> {
    let a = &tx.attributes;
    let fields = [
        ("type", &tx.kind),
        ("id", &tx.id),
        ("attributes.currency", &a.currency),
        ("attributes.description", &a.description),
        (
            "attributes.remittanceInformation",
            &a.remittance_information,
        ),
        (
            "attributes.remittanceInformationType",
            &a.remittance_information_type,
        ),
        ("attributes.counterpartName", &a.counterpart_name),
        ("attributes.counterpartReference", &a.counterpart_reference),
        ("attributes.bankTransactionCode", &a.bank_transaction_code),
        (
            "attributes.proprietaryBankTransactionCode",
            &a.proprietary_bank_transaction_code,
        ),
        ("attributes.endToEndId", &a.end_to_end_id),
        ("attributes.purposeCode", &a.purpose_code),
        ("attributes.mandateId", &a.mandate_id),
        ("attributes.creditorId", &a.creditor_id),
        (
            "attributes.additionalInformation",
            &a.additional_information,
        ),
        ("attributes.internalReference", &a.internal_reference),
        ("attributes.digest", &a.digest),
        ("attributes.cardReference", &a.card_reference),
        ("attributes.cardReferenceType", &a.card_reference_type),
    ];
    // One pass over the lengths first: the names are needed only for an error.
    let too_long = |value: &Option<String>| {
        value
            .as_ref()
            .is_some_and(|value| value.len() > MAX_INPUT_BYTES)
    };
    if !fields.iter().any(|(_, value)| too_long(value)) {
        return Ok(());
    }
    let label = label.text();
    fields
        .into_iter()
        .try_for_each(|(field, value)| check_input_size(&label, field, value.as_deref()))
}

/// `attributes.amount` with exactly the currency's minor units. Mapped unnamed first:
/// the label is built only when there is an error to name it in, by mapping the same
/// amount again (the result depends on nothing else).
fn booked_amount(
    amount: Decimal,
    ctx: &AccountContext,
    label: Label,
) -> Result<Decimal, ConvertError> {
    let unnamed = AmountSource {
        resource: "",
        field: "attributes.amount",
        currency: &ctx.currency,
    };
    unsigned_amount(amount, ctx.minor_units, &unnamed).or_else(|_| {
        let resource = label.text();
        let named = AmountSource {
            resource: &resource,
            ..unnamed
        };
        unsigned_amount(amount, ctx.minor_units, &named)
    })
}

/// The calendar day of `instant` in the bank's zone, refused here (as bad data of this
/// transaction) when `xs:date` cannot hold it, rather than later by the XML writer.
fn camt_date(
    instant: DateTime<Utc>,
    field: &str,
    ctx: &AccountContext,
    label: Label,
) -> Result<NaiveDate, ConvertError> {
    let day = recent_local_date(instant, ctx.time_zone);
    if (MIN_CAMT_YEAR..=MAX_CAMT_YEAR).contains(&day.year()) {
        return Ok(day);
    }
    Err(ConvertError::DateOutOfRange {
        resource: label.text(),
        field: field.to_owned(),
        value: instant.to_rfc3339(),
        date: day.to_string(),
        zone: ctx.time_zone.name().to_owned(),
    })
}

/// A transaction currency must be the account's; a missing one means the account's.
fn check_currency(
    currency: Option<&str>,
    ctx: &AccountContext,
    label: Label,
) -> Result<(), ConvertError> {
    match currency.map(trim).filter(|c| !c.is_empty()) {
        Some(c) if !c.eq_ignore_ascii_case(&ctx.currency) => Err(ConvertError::CurrencyMismatch {
            transaction: label.text(),
            account_currency: ctx.currency.clone(),
            transaction_currency: excerpt(c),
        }),
        _ => Ok(()),
    }
}

/// A reference for a Max35Text field, or (when longer) the text to keep elsewhere.
fn fitting_id(text: Option<&str>) -> (Option<String>, Option<String>) {
    match one_line_opt(text) {
        Some(id) if fits_chars(&id, MAX_ID) => (Some(id), None),
        Some(id) => (None, Some(id)),
        None => (None, None),
    }
}

/// `Purp/Cd` is an external code of 1 to 4 characters; anything else is left out.
fn purpose_code(code: Option<&str>) -> Option<String> {
    one_line_opt(code).filter(|c| fits_chars(c, 4))
}

/// Texts without an element of their own (the card) or that did not fit theirs, for
/// `AddtlNtryInf`.
struct Overflow {
    /// Already labelled (`Card (MASKEDPAN): …`).
    card: Option<String>,
    end_to_end_id: Option<String>,
    mandate_id: Option<String>,
    creditor_id: Option<String>,
    counterpart_account: Option<String>,
    internal_reference: Option<String>,
    fee: Option<String>,
}

/// `AddtlNtryInf`: the bank's description, additional information, the card, and
/// whatever did not fit elsewhere, separated by " / ", cleaned, at most 500 characters.
/// Built in one String: this runs for every transaction.
fn entry_info(
    description: Option<&str>,
    additional: Option<&str>,
    overflow: &Overflow,
) -> Option<String> {
    let cleaned_len = description.map_or(0, str::len) + additional.map_or(0, str::len);
    let mut info = InfoText(String::with_capacity(cleaned_len));
    info.push_cleaned(description);
    info.push_cleaned(additional);
    info.push_labelled(None, &overflow.card);
    info.push_labelled(Some("EndToEndId"), &overflow.end_to_end_id);
    info.push_labelled(Some("MandateId"), &overflow.mandate_id);
    info.push_labelled(Some("CreditorId"), &overflow.creditor_id);
    info.push_labelled(Some("Counterpart account"), &overflow.counterpart_account);
    info.push_labelled(Some("InternalReference"), &overflow.internal_reference);
    info.push_labelled(Some("Fee"), &overflow.fee);
    (!info.0.is_empty()).then(|| truncate_owned(info.0, MAX_INFO))
}

/// Non-empty parts joined with " / ".
struct InfoText(String);

impl InfoText {
    const SEPARATOR: &str = " / ";

    /// The [`one_line`](crate::text::one_line) of `text`, when there is any.
    fn push_cleaned(&mut self, text: Option<&str>) {
        let Some(text) = text else { return };
        let before = self.0.len();
        if before > 0 {
            self.0.push_str(Self::SEPARATOR);
        }
        if !push_one_line(&mut self.0, text) {
            self.0.truncate(before);
        }
    }

    /// `label: value`, or the value alone without a label; an empty value is no part.
    fn push_labelled(&mut self, label: Option<&str>, value: &Option<String>) {
        let Some(value) = value else { return };
        if label.is_none() && value.is_empty() {
            return;
        }
        if !self.0.is_empty() {
            self.0.push_str(Self::SEPARATOR);
        }
        if let Some(label) = label {
            self.0.push_str(label);
            self.0.push_str(": ");
        }
        self.0.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code before it was built in one String, kept to test it against.
    mod reference {
        use super::*;
        use crate::text::{join_present, truncate_chars};

        pub fn entry_info(
            description: Option<&str>,
            additional: Option<&str>,
            overflow: &Overflow,
        ) -> Option<String> {
            let labelled =
                |name: &str, value: &Option<String>| value.as_ref().map(|v| format!("{name}: {v}"));
            let parts = [
                one_line_opt(description),
                one_line_opt(additional),
                overflow.card.clone(),
                labelled("EndToEndId", &overflow.end_to_end_id),
                labelled("MandateId", &overflow.mandate_id),
                labelled("CreditorId", &overflow.creditor_id),
                labelled("Counterpart account", &overflow.counterpart_account),
                labelled("InternalReference", &overflow.internal_reference),
                labelled("Fee", &overflow.fee),
            ];
            let text = join_present(parts.iter().map(Option::as_deref), " / ")?;
            Some(truncate_chars(&text, MAX_INFO))
        }
    }

    mod fast_path_matches_the_reference {
        use super::*;
        use crate::test_strings::any_text;
        use proptest::prelude::*;

        fn part() -> impl Strategy<Value = Option<String>> {
            prop::option::of(prop_oneof![
                any_text(),
                Just(String::new()),
                "[a-z ]{100,300}",
            ])
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn entry_info_matches(
                description in part(),
                additional in part(),
                overflows in prop::collection::vec(part(), 7),
            ) {
                let overflow = Overflow {
                    card: overflows[0].clone(),
                    end_to_end_id: overflows[1].clone(),
                    mandate_id: overflows[2].clone(),
                    creditor_id: overflows[3].clone(),
                    counterpart_account: overflows[4].clone(),
                    internal_reference: overflows[5].clone(),
                    fee: overflows[6].clone(),
                };
                prop_assert_eq!(
                    entry_info(description.as_deref(), additional.as_deref(), &overflow),
                    reference::entry_info(description.as_deref(), additional.as_deref(), &overflow)
                );
            }
        }
    }
}

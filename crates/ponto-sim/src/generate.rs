//! Seeded transaction content. A generated transaction is a pure function of
//! (seed, account, index), so 100,000 of them cost no memory until listed.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::catalog::{Bank, COMPANIES, DateStyle, MERCHANTS, PEOPLE};
use crate::dates::{cet_midnight, cet_to_utc, iso, utc_midnight};
use crate::decimal::Dec;
use crate::model::Tx;
use crate::refs::{belgian_ogm, creditor_id, random_iban, rf_reference, spaced};
use crate::rng::{Rng, key, mix, uuid_from};

/// Days back over which the seeded history is spread.
pub const HISTORY_DAYS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Incoming,
    Outgoing,
    DirectDebit,
    Card,
    Cash,
    Fee,
    Salary,
    Odd,
}

/// What the generator needs to know about the account.
#[derive(Debug, Clone, Copy)]
pub struct TxContext<'a> {
    pub seed: u64,
    pub salt: u64,
    pub mask: u64,
    pub bank: &'a Bank,
    pub currency: &'a str,
}

const ID_BITS: u64 = 0xffff_ffff_ffff;

/// Transaction ids carry their (masked) index in the last 12 hex digits, so a lookup by
/// id is O(1) without keeping a map of 100,000 strings.
pub fn tx_id(ctx: &TxContext, index: usize) -> String {
    let h = key(&[ctx.seed, ctx.salt, index as u64]);
    uuid_from(
        h,
        (mix(h) & !ID_BITS) | ((index as u64 ^ ctx.mask) & ID_BITS),
    )
}

/// The index an id stands for, if it is one of this account's ids.
pub fn tx_index(ctx: &TxContext, id: &str) -> Option<usize> {
    let tail = id.get(24..)?;
    let value = u64::from_str_radix(tail, 16).ok()?;
    let index = ((value ^ ctx.mask) & ID_BITS) as usize;
    (id.len() == 36 && tx_id(ctx, index) == id).then_some(index)
}

fn tx_rng(ctx: &TxContext, index: usize) -> Rng {
    Rng::new(key(&[ctx.seed, ctx.salt, index as u64, 0xC0FFEE]))
}

// amounts are in cents, written `euros_cents`
#[allow(clippy::inconsistent_digit_grouping)]
fn draw_kind_and_cents(rng: &mut Rng) -> (Kind, i64) {
    let roll = rng.range(0, 99);
    let (kind, lo, hi, sign) = match roll {
        0..=29 => (Kind::Incoming, 50_00, 9_500_00, 1),
        30..=49 => (Kind::Outgoing, 20_00, 6_000_00, -1),
        50..=61 => (Kind::DirectDebit, 9_99, 850_00, -1),
        62..=81 => (Kind::Card, 1_20, 320_00, -1),
        82..=84 => (Kind::Cash, 2, 50, -10_00),
        85..=89 => (Kind::Fee, 35, 25_00, -1),
        90..=94 => (Kind::Salary, 1_900_00, 4_800_00, -1),
        _ => (Kind::Odd, 5_00, 1_500_00, 1),
    };
    (kind, sign * rng.range(lo, hi) as i64)
}

/// The amount of generated transaction `index`, without building the rest (for balances).
pub fn generated_amount(ctx: &TxContext, index: usize) -> Dec {
    Dec::cents(draw_kind_and_cents(&mut tx_rng(ctx, index)).1)
}

/// Creation day and instant of seeded transaction `index` of `count`: spread evenly over
/// the last [`HISTORY_DAYS`] days (never today), creation order = index order.
fn seeded_creation(today: NaiveDate, index: usize, count: usize) -> (NaiveDate, DateTime<Utc>) {
    let days = HISTORY_DAYS as usize;
    let slot = index * days / count;
    let first = (slot * count).div_ceil(days);
    let next = ((slot + 1) * count).div_ceil(days);
    let day = today - Duration::days(HISTORY_DAYS - slot as i64);
    let span_ms: i64 = 14 * 3600 * 1000;
    let offset = (index - first) as i64 * span_ms / (next - first).max(1) as i64;
    (
        day,
        utc_midnight(day) + Duration::hours(5) + Duration::milliseconds(offset),
    )
}

fn seeded_execution_day(ctx: &TxContext, created_day: NaiveDate, index: usize) -> NaiveDate {
    let mut extra = Rng::new(key(&[ctx.seed, ctx.salt, index as u64, 0xBAC0]));
    // a few bookings reach Ponto days after their execution date (back-filled)
    if extra.chance(3) {
        created_day - Duration::days(extra.range(2, 10) as i64)
    } else {
        created_day
    }
}

/// Seeded transaction `index` of `count` for an account.
pub fn seeded_tx(ctx: &TxContext, today: NaiveDate, index: usize, count: usize) -> Tx {
    let (day, created) = seeded_creation(today, index, count);
    build_tx(ctx, index, seeded_execution_day(ctx, day, index), created)
}

/// Execution and creation instants of seeded transaction `index` of `count`: what
/// [`seeded_tx`] would write, without building the rest, so that sorting 100,000 of them
/// by execution date stays cheap.
pub fn seeded_instants(
    ctx: &TxContext,
    today: NaiveDate,
    index: usize,
    count: usize,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let (day, created) = seeded_creation(today, index, count);
    let execution_day = seeded_execution_day(ctx, day, index);
    // the same draws, in the same order, as build_tx makes before the booking time
    let mut rng = tx_rng(ctx, index);
    draw_kind_and_cents(&mut rng);
    (
        booking_instant(ctx.bank.date_style, execution_day, &mut rng),
        created,
    )
}

/// A transaction with generated content, booked on `execution_day`, created at `created`.
pub fn build_tx(
    ctx: &TxContext,
    index: usize,
    execution_day: NaiveDate,
    created: DateTime<Utc>,
) -> Tx {
    let mut rng = tx_rng(ctx, index);
    let (kind, cents) = draw_kind_and_cents(&mut rng);
    let amount = Dec::cents(cents);
    let mut tx = empty_tx(ctx, index, amount, created);
    tx.execution_date = iso(booking_instant(
        ctx.bank.date_style,
        execution_day,
        &mut rng,
    ));
    let value_day = match kind {
        Kind::Card if rng.chance(50) => execution_day - Duration::days(1),
        Kind::Incoming if rng.chance(10) => execution_day + Duration::days(1),
        _ => execution_day,
    };
    tx.value_date = date_only(ctx.bank.date_style, value_day);
    fill_texts(&mut tx, ctx, kind, execution_day, &mut rng);
    tx.internal_reference = Some(rng.hex(16).to_uppercase());
    tx.digest = Some(rng.hex(64));
    fill_fee_and_card(&mut tx, ctx, kind, index);
    tx
}

/// Fees the bank withheld and the card reference's form. Drawn from their own stream so
/// that the other attributes stay what they were before these existed.
fn fill_fee_and_card(tx: &mut Tx, ctx: &TxContext, kind: Kind, index: usize) {
    let mut rng = Rng::new(key(&[ctx.seed, ctx.salt, index as u64, 0xFEE]));
    let fee_cents = match kind {
        // an ATM of another bank
        Kind::Cash if rng.chance(50) => Some(rng.range(150, 495)),
        // a card payment in a foreign currency
        Kind::Card if rng.chance(15) => Some(rng.range(15, 250)),
        // an urgent or non-SEPA transfer
        Kind::Outgoing if rng.chance(8) => Some(rng.range(50, 1_200)),
        _ => None,
    };
    if let Some(cents) = fee_cents {
        tx.fee = Some(amount_text(ctx.bank, Dec::cents(cents as i64)));
    }
    // some banks give the last four digits only, typed PAN
    if let Some(reference) = &tx.card_reference
        && rng.chance(25)
    {
        let last4 = reference
            .chars()
            .skip(reference.len().saturating_sub(4))
            .collect();
        tx.card_reference = Some(last4);
        tx.card_reference_type = some("PAN");
    }
}

pub fn amount_text(bank: &Bank, amount: Dec) -> String {
    if bank.fixed_decimals {
        amount.to_text(2)
    } else {
        amount.to_trimmed_text()
    }
}

fn empty_tx(ctx: &TxContext, index: usize, amount: Dec, created: DateTime<Utc>) -> Tx {
    Tx {
        id: tx_id(ctx, index),
        amount,
        amount_text: amount_text(ctx.bank, amount),
        currency: ctx.currency.to_string(),
        value_date: String::new(),
        execution_date: String::new(),
        description: None,
        remittance_information: None,
        remittance_information_type: None,
        counterpart_name: None,
        counterpart_reference: None,
        end_to_end_id: None,
        bank_transaction_code: None,
        proprietary_bank_transaction_code: None,
        purpose_code: None,
        mandate_id: None,
        creditor_id: None,
        additional_information: None,
        internal_reference: None,
        digest: None,
        fee: None,
        card_reference: None,
        card_reference_type: None,
        created_at: iso(created),
        updated_at: iso(created),
    }
}

/// A date as a bank that only knows dates sends it.
pub fn date_only(style: DateStyle, day: NaiveDate) -> String {
    iso(date_only_instant(style, day))
}

fn date_only_instant(style: DateStyle, day: NaiveDate) -> DateTime<Utc> {
    match style {
        DateStyle::UtcMidnight => utc_midnight(day),
        DateStyle::LocalMidnight | DateStyle::LocalTime => cet_midnight(day),
    }
}

/// A booking instant; banks with real times sometimes book just after local midnight,
/// which is the previous day in UTC.
fn booking_instant(style: DateStyle, day: NaiveDate, rng: &mut Rng) -> DateTime<Utc> {
    if style != DateStyle::LocalTime {
        return date_only_instant(style, day);
    }
    let hour = match rng.range(0, 9) {
        0 => 0,
        1 => 23,
        _ => rng.range(7, 21),
    } as u32;
    let local = day.and_hms_opt(hour, rng.range(0, 59) as u32, rng.range(0, 59) as u32);
    local.map(cet_to_utc).unwrap_or_else(|| cet_midnight(day))
}

fn some(s: impl Into<String>) -> Option<String> {
    Some(s.into())
}

fn counterpart_account(rng: &mut Rng, country: &str) -> String {
    let iban = random_iban(rng, country);
    if rng.chance(12) { spaced(&iban) } else { iban }
}

fn invoice_text(rng: &mut Rng, bank: &Bank, day: NaiveDate) -> String {
    let year = day.format("%Y");
    match bank.country {
        "DE" => format!(
            "Rechnung RE-{year}-{} Kd-Nr. {}",
            rng.digits(4),
            rng.digits(6)
        ),
        "NL" => format!(
            "Factuur F{year}{} klantnummer {}",
            rng.digits(4),
            rng.digits(5)
        ),
        _ if bank.name == "Wise" => format!("Invoice INV-{}", rng.digits(5)),
        _ => format!("Factuur {year}/{}", rng.digits(4)),
    }
}

fn structured_or(rng: &mut Rng, bank: &Bank, unstructured: String) -> (String, &'static str) {
    if bank.country == "BE" && bank.name != "Wise" && rng.chance(40) {
        (belgian_ogm(rng), "structured")
    } else if rng.chance(15) {
        (rf_reference(rng), "structured")
    } else {
        (unstructured, "unstructured")
    }
}

fn set_remittance(tx: &mut Tx, (text, kind): (String, &str)) {
    tx.remittance_information = Some(text);
    tx.remittance_information_type = some(kind);
}

fn fill_texts(tx: &mut Tx, ctx: &TxContext, kind: Kind, day: NaiveDate, rng: &mut Rng) {
    let bank = ctx.bank;
    let period = day.format("%m/%Y").to_string();
    match kind {
        Kind::Incoming => {
            let company = rng.pick(&COMPANIES);
            tx.counterpart_name = some(company.name);
            let account = counterpart_account(rng, company.country);
            let invoice = invoice_text(rng, bank, day);
            let remittance = structured_or(rng, bank, invoice.clone());
            if bank.bic == "INGBNL2A" && remittance.1 == "unstructured" && rng.chance(40) {
                let text = format!(
                    "Naam: {}<br>Omschrijving: {invoice}<br>IBAN: {}<br>Kenmerk: {}",
                    company.name,
                    account.replace(' ', ""),
                    rng.digits(10)
                );
                set_remittance(tx, (text, "unstructured"));
            } else {
                set_remittance(tx, remittance);
            }
            tx.counterpart_reference = Some(account);
            tx.description = some(bank.words[0]);
            tx.bank_transaction_code = some("PMNT-RCDT-ESCT");
            tx.proprietary_bank_transaction_code = some(bank.proprietary_codes[0]);
            tx.end_to_end_id = match rng.range(0, 9) {
                0..=5 => Some(format!("E2E{}", rng.digits(14))),
                6..=7 => some("NOTPROVIDED"),
                _ => None,
            };
            if bank.name == "Wise" && rng.chance(30) {
                tx.fee = Some(amount_text(bank, Dec::cents(rng.range(20, 450) as i64)));
            }
        }
        Kind::Outgoing => {
            let company = rng.pick(&COMPANIES);
            tx.counterpart_name = some(company.name);
            tx.counterpart_reference = Some(counterpart_account(rng, company.country));
            let invoice = format!(
                "{} {}",
                rng.pick(&["Invoice", "Rechnung", "Factuur", "Facture"]),
                rng.digits(7)
            );
            let remittance = if company.country == "BE" && rng.chance(40) {
                (belgian_ogm(rng), "structured")
            } else {
                structured_or(rng, &crate::catalog::BANKS[0], invoice)
            };
            set_remittance(tx, remittance);
            tx.description = some(bank.words[1]);
            tx.bank_transaction_code = some("PMNT-ICDT-ESCT");
            tx.proprietary_bank_transaction_code = some(bank.proprietary_codes[1]);
            tx.end_to_end_id = Some(format!("PAY-{}", rng.hex(12).to_uppercase()));
        }
        Kind::DirectDebit => {
            let company = rng.pick(&COMPANIES);
            tx.counterpart_name = some(company.name);
            tx.counterpart_reference = Some(random_iban(rng, company.country));
            tx.creditor_id = Some(creditor_id(company.country, company.creditor_national_id));
            tx.mandate_id = Some(format!(
                "{}{}",
                rng.pick(&["MNDT-", "KD", "M", ""]),
                rng.digits(9)
            ));
            set_remittance(
                tx,
                (
                    format!("{period} Vertragskonto {} {}", rng.digits(8), company.name),
                    "unstructured",
                ),
            );
            tx.description = some(bank.words[2]);
            tx.bank_transaction_code = some(if rng.chance(10) {
                "PMNT-RDDT-BBDD"
            } else {
                "PMNT-RDDT-ESDD"
            });
            tx.proprietary_bank_transaction_code = some(bank.proprietary_codes[2]);
            tx.end_to_end_id = Some(format!("DD{}", rng.digits(16)));
            if rng.chance(50) {
                tx.purpose_code = some(*rng.pick(&["ELEC", "PHON", "INSU", "GASB", "OTHR"]));
            }
        }
        Kind::Card | Kind::Cash => {
            let (merchant, city) = *rng.pick(&MERCHANTS);
            let last4 = rng.digits(4);
            let time = format!("{:02}:{:02}", rng.range(7, 21), rng.range(0, 59));
            let name = if kind == Kind::Cash {
                format!("Geldautomat {city}")
            } else {
                merchant.to_string()
            };
            tx.additional_information = Some(match bank.country {
                "DE" => format!(
                    "{name} {city} {} {time} Karte ...{last4}",
                    day.format("%d.%m.%Y")
                ),
                "NL" => format!(
                    "{name}, Pas {last4} {} {time} Term: {}",
                    day.format("%d-%m-%Y"),
                    rng.hex(8).to_uppercase()
                ),
                _ => format!(
                    "Betaling met debetkaart {name} {city} {} {time}",
                    day.format("%d/%m/%Y")
                ),
            });
            tx.counterpart_name = Some(name);
            if rng.chance(30) {
                tx.counterpart_reference = Some(format!("4871 04XX XXXX {last4}"));
            }
            tx.card_reference = Some(format!("XXXXXXXXXXXX{last4}"));
            tx.card_reference_type = some("MASKEDPAN");
            tx.description = some(bank.words[3]);
            tx.bank_transaction_code = some(if kind == Kind::Cash {
                "PMNT-CCRD-CWDL"
            } else {
                "PMNT-CCRD-POSD"
            });
            tx.proprietary_bank_transaction_code = some(bank.proprietary_codes[3]);
            if rng.chance(50) {
                tx.remittance_information_type = some("unstructured");
            }
        }
        Kind::Fee => {
            tx.counterpart_name = some(bank.name);
            set_remittance(tx, (format!("{} {period}", bank.words[4]), "unstructured"));
            tx.description = some(bank.words[4]);
            tx.bank_transaction_code = some("ACMT-MDOP-CHRG");
            tx.proprietary_bank_transaction_code = some(bank.proprietary_codes[4]);
        }
        Kind::Salary => {
            let person = *rng.pick(&PEOPLE);
            tx.counterpart_name = some(person);
            tx.counterpart_reference = Some(counterpart_account(rng, bank.country));
            let word = match bank.country {
                "DE" => "Gehalt",
                "NL" => "Salaris",
                _ => "Loon",
            };
            set_remittance(tx, (format!("{word} {period}"), "unstructured"));
            tx.description = some(bank.words[1]);
            tx.bank_transaction_code = some("PMNT-ICDT-SALA");
            tx.proprietary_bank_transaction_code = some(bank.proprietary_codes[1]);
            tx.purpose_code = some("SALA");
            tx.end_to_end_id = Some(format!("SAL-{}-{}", day.format("%Y%m"), rng.digits(4)));
        }
        Kind::Odd => fill_odd(tx, bank, rng),
    }
}

/// Data as some banks really send it: no counterpart name, a local account number,
/// no ISO code, long multi-line remittance with markup-like characters.
fn fill_odd(tx: &mut Tx, bank: &Bank, rng: &mut Rng) {
    tx.counterpart_reference = Some(if rng.chance(50) {
        format!("{}-{}-{}", rng.digits(3), rng.digits(7), rng.digits(2))
    } else {
        rng.digits(10)
    });
    let person = *rng.pick(&PEOPLE);
    let text = format!(
        "Teilzahlung & Restbetrag <Auftrag {}> von {person}\nBezug: Lieferung vom {}. / Lieferschein {}\n\
         Bitte beachten Sie die geänderte Bankverbindung ab dem nächsten Monat; Rückfragen unter +49 89 {}",
        rng.digits(6),
        rng.range(1, 28),
        rng.digits(8),
        rng.digits(7)
    );
    set_remittance(tx, (text, "unstructured"));
    tx.description = some(bank.words[0]);
    tx.proprietary_bank_transaction_code = Some(format!("X{}", rng.digits(3)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::BANKS;
    use std::collections::HashSet;

    fn ctx() -> TxContext<'static> {
        TxContext {
            seed: 1,
            salt: 2,
            mask: 0x1234_5678_9abc,
            bank: &BANKS[0],
            currency: "EUR",
        }
    }

    #[test]
    fn ids_round_trip_to_their_index() {
        let ctx = ctx();
        for index in [0, 1, 99_999, 250_000] {
            let id = tx_id(&ctx, index);
            assert_eq!(id.len(), 36);
            assert_eq!(tx_index(&ctx, &id), Some(index));
        }
        assert_eq!(tx_index(&ctx, "00000000-0000-4000-8000-000000000000"), None);
    }

    #[test]
    fn creation_is_increasing_and_before_today() {
        let today = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        let mut last = String::new();
        for count in [1, 7, 61, 1000] {
            last.clear();
            for index in 0..count {
                let tx = seeded_tx(&ctx(), today, index, count);
                assert!(tx.created_at > last, "{} after {last}", tx.created_at);
                assert!(tx.created_at.as_str() < "2024-03-31");
                last = tx.created_at;
            }
        }
    }

    #[test]
    fn instants_match_full_transaction() {
        let today = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        for bank in &BANKS {
            let ctx = TxContext { bank, ..ctx() };
            for index in 0..200 {
                let tx = seeded_tx(&ctx, today, index, 200);
                let (execution, created) = seeded_instants(&ctx, today, index, 200);
                assert_eq!(iso(execution), tx.execution_date, "{} #{index}", bank.name);
                assert_eq!(iso(created), tx.created_at);
            }
        }
    }

    #[test]
    fn fees_and_card_references_are_seeded() {
        let today = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        let txs: Vec<Tx> = (0..400).map(|i| seeded_tx(&ctx(), today, i, 400)).collect();
        let fees: Vec<&str> = txs.iter().filter_map(|t| t.fee.as_deref()).collect();
        assert!(fees.len() >= 10, "{} fees", fees.len());
        assert!(
            fees.iter()
                .all(|f| Dec::parse(f).is_some_and(|d| d.mantissa > 0)),
            "{fees:?}"
        );
        let types: HashSet<&str> = txs
            .iter()
            .filter_map(|t| t.card_reference_type.as_deref())
            .collect();
        assert_eq!(types, HashSet::from(["PAN", "MASKEDPAN"]));
        for tx in txs
            .iter()
            .filter(|t| t.card_reference_type.as_deref() == Some("PAN"))
        {
            assert_eq!(
                tx.card_reference.as_ref().map(String::len),
                Some(4),
                "{tx:?}"
            );
        }
        assert!(txs.iter().all(|t| t.internal_reference.is_some()));
    }

    #[test]
    fn amount_matches_full_transaction() {
        let today = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        for index in 0..50 {
            assert_eq!(
                generated_amount(&ctx(), index),
                seeded_tx(&ctx(), today, index, 50).amount
            );
        }
    }
}

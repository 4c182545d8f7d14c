//! The writer against [`super::reference`] (the quick-xml writer it replaced): same bytes,
//! same errors, for arbitrary values, valid or not.

use std::io::Write;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::reference;
use super::*;

/// Characters that stress the checks and escaping: markup, whitespace of all kinds,
/// characters XML forbids, multi-byte characters.
const TRICKY: &[char] = &[
    '&', '<', '>', '"', '\'', ' ', '\t', '\n', '\r', '\u{0}', '\u{1}', '\u{B}', '\u{C}', '\u{1F}',
    '\u{7F}', '\u{85}', '\u{A0}', 'é', 'ß', '€', '\u{2028}', '\u{3000}', '\u{D7FF}', '\u{E000}',
    '\u{FFFD}', '\u{FFFE}', '\u{FFFF}', '😀', 'ש', ']', ';', '#',
];

fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(TRICKY),
        3 => prop::char::range(' ', '~'),
        1 => any::<char>(),
    ]
}

fn regex(pattern: &str) -> impl Strategy<Value = String> + use<> {
    proptest::string::string_regex(pattern).expect("a valid pattern")
}

/// Mostly texts the writer takes, some around the length `max` allows, a few not.
fn text(max: usize) -> BoxedStrategy<String> {
    let plain = format!("[!-~][ -~]{{0,{}}}", max.saturating_sub(1));
    let near_max = format!("[a-zA-Z0-9 ./-]{{{},{}}}", max.saturating_sub(2), max + 2);
    let valid_tricky = prop::sample::select(
        TRICKY
            .iter()
            .copied()
            .filter(|c| crate::check::is_xml_char(*c))
            .collect::<Vec<_>>(),
    );
    prop_oneof![
        120 => "[A-Za-z0-9][A-Za-z0-9 /.-]{0,30}",
        40 => regex(&plain),
        20 => one_special_byte(max),
        // Plain, but blank at both ends: the slow way for the fused copy.
        4 => "[ ]{8,12}[!-~][ -~]{0,12}[ ]{8,12}",
        2 => "[ ]{1,40}",
        4 => regex(&near_max),
        20 => ("[a-z]", prop::collection::vec(valid_tricky, 1..=max.min(30)))
            .prop_map(|(first, rest)| first + &String::from_iter(rest)),
        3 => prop::collection::vec(tricky_char(), 1..=max.min(40)).prop_map(String::from_iter),
        1 => any::<String>(),
        1 => Just(String::new()),
        1 => "[ \t\n\r]{1,4}",
        1 => prop::collection::vec(
            prop::sample::select(vec!['\u{A0}', '\u{2028}', '\u{3000}', ' ']),
            1..4
        )
        .prop_map(String::from_iter),
    ]
    .boxed()
}

/// A plain text of up to `max + 2` bytes with one character of [`SPECIAL`] at any
/// position, so at every position in an eight byte word and around word boundaries.
fn one_special_byte(max: usize) -> impl Strategy<Value = String> {
    (
        1..=max + 2,
        any::<prop::sample::Index>(),
        prop::sample::select(SPECIAL),
    )
        .prop_map(|(len, at, special)| with_special("x".repeat(len), at.index(len), special))
}

/// What the eight byte scan looks for, and bytes around what it looks for.
const SPECIAL: &[&str] = &[
    "&", "<", ">", "\r", "\t", "\n", "\u{0}", "\u{1}", "\u{1F}", "é", "€", "\u{7F}", "=", "?", ";",
    "%", "'", "\"", " ",
];

/// `text` with the character at `at` (an ASCII one) replaced by `special`.
fn with_special(mut text: String, at: usize, special: &str) -> String {
    text.replace_range(at..=at, special);
    text
}

fn opt_text(max: usize) -> impl Strategy<Value = Option<String>> {
    prop::option::of(text(max))
}

/// Mostly valid codes (`[A-Z]{3}` and the like), sometimes anything.
fn code(pattern: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![80 => pattern, 1 => "[A-Za-z0-9]{0,5}", 1 => any::<String>()]
}

/// Amounts of every kind: typical, zero, negative zero, negative, too precise, too large.
fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        80 => (0i64..100_000_000_000, 0u32..=5).prop_map(|(m, s)| Decimal::new(m, s)),
        2 => (any::<i64>(), 0u32..=20).prop_map(|(m, s)| Decimal::new(m, s)),
        2 => (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>(), 0u32..=28)
            .prop_map(|(lo, mid, hi, negative, scale)| Decimal::from_parts(lo, mid, hi, negative, scale)),
        1 => (0u32..=28, any::<bool>()).prop_map(|(scale, negative)| Decimal::from_parts(0, 0, 0, negative, scale)),
        1 => (0i64..=1, 0u32..=28).prop_map(|(m, s)| Decimal::new(m * 999_999_999_999_999_999, s)),
    ]
}

fn date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        20 => (1900i32..=2100, 1u32..=12, 1u32..=28),
        1 => (-300i32..=10_300, 1u32..=12, 1u32..=31),
    ]
    .prop_filter_map("a day of the month", |(y, m, d)| {
        NaiveDate::from_ymd_opt(y, m, d)
    })
}

fn date_time() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (
        date(),
        0u32..86_400,
        -86_399i32..86_400,
        0u32..1_000_000_000,
    )
        .prop_filter_map("a time in range", |(day, seconds, offset, nanos)| {
            let offset = FixedOffset::east_opt(offset)?;
            let time =
                day.and_hms_nano_opt(seconds / 3600, seconds / 60 % 60, seconds % 60, nanos)?;
            offset.from_local_datetime(&time).single()
        })
}

fn account_id() -> impl Strategy<Value = AccountId> {
    prop_oneof![
        code("[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}").prop_map(AccountId::Iban),
        text(34).prop_map(AccountId::Other),
    ]
}

fn party() -> impl Strategy<Value = Option<Party>> {
    prop::option::of(
        (opt_text(140), opt_text(35)).prop_map(|(name, sepa_creditor_id)| Party {
            name,
            sepa_creditor_id,
        }),
    )
}

fn bank_transaction_code() -> impl Strategy<Value = BankTransactionCode> {
    let domain = || {
        (code("[A-Z]{4}"), code("[A-Z]{4}"), code("[A-Z]{4}")).prop_map(
            |(domain, family, sub_family)| DomainCode {
                domain,
                family,
                sub_family,
            },
        )
    };
    let proprietary =
        || (text(35), opt_text(35)).prop_map(|(code, issuer)| ProprietaryCode { code, issuer });
    prop_oneof![
        10 => (domain().prop_map(Some), Just(None)),
        10 => (domain().prop_map(Some), proprietary().prop_map(Some)),
        5 => (Just(None), proprietary().prop_map(Some)),
        1 => (Just(None), Just(None)),
    ]
    .prop_map(|(domain, proprietary)| BankTransactionCode {
        domain,
        proprietary,
    })
}

fn references() -> impl Strategy<Value = References> {
    (
        opt_text(35),
        opt_text(35),
        opt_text(35),
        opt_text(35),
        opt_text(35),
        opt_text(35),
        prop::option::of((text(35), text(35))),
    )
        .prop_map(|(a, p, i, e, t, m, prtry)| References {
            account_servicer_ref: a,
            payment_information_id: p,
            instruction_id: i,
            end_to_end_id: e,
            transaction_id: t,
            mandate_id: m,
            proprietary: prtry.map(|(kind, reference)| ProprietaryReference { kind, reference }),
        })
}

fn direction() -> impl Strategy<Value = CreditDebit> {
    prop::sample::select(vec![CreditDebit::Credit, CreditDebit::Debit])
}

fn remittance() -> impl Strategy<Value = Remittance> {
    let kind = prop_oneof![
        prop::sample::select(vec!["SCOR", "RADM", "DISP", "XXXX"]).prop_map(String::from),
        text(35),
    ];
    let reference = prop::option::of(
        (prop::option::of(kind), text(35))
            .prop_map(|(kind, reference)| CreditorReference { kind, reference }),
    );
    (prop::collection::vec(text(140), 0..3), reference).prop_map(
        |(unstructured, creditor_reference)| Remittance {
            unstructured,
            creditor_reference,
        },
    )
}

fn details() -> impl Strategy<Value = TransactionDetails> {
    let charges = prop::collection::vec(
        (decimal(), code("[A-Z]{3}"), prop::option::of(direction())).prop_map(
            |(amount, currency, direction)| Charges {
                amount,
                currency,
                direction,
            },
        ),
        0..3,
    );
    let parties = (
        party(),
        prop::option::of(account_id()),
        party(),
        prop::option::of(account_id()),
    )
        .prop_map(
            |(debtor, debtor_account, creditor, creditor_account)| RelatedParties {
                debtor,
                debtor_account,
                creditor,
                creditor_account,
            },
        );
    (
        references(),
        prop::option::of((decimal(), code("[A-Z]{3}"))),
        charges,
        parties,
        prop::option::of(code("[A-Z]{4}")),
        remittance(),
        opt_text(105),
        opt_text(500),
    )
        .prop_map(
            |(refs, amount, charges, related_parties, purpose, remittance, return_info, info)| {
                TransactionDetails {
                    refs,
                    amount,
                    charges,
                    related_parties,
                    purpose,
                    remittance,
                    return_info,
                    additional_info: info,
                }
            },
        )
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        (opt_text(35), decimal(), code("[A-Z]{3}"), direction()),
        (
            any::<bool>(),
            prop::sample::select(vec![
                EntryStatus::Booked,
                EntryStatus::Pending,
                EntryStatus::Info,
            ]),
            prop::option::of(date()),
            prop::option::of(date()),
            opt_text(35),
        ),
        bank_transaction_code(),
        prop::collection::vec(details(), 0..3),
        opt_text(500),
    )
        .prop_map(
            |(
                (entry_ref, amount, currency, direction),
                (reversal, status, booking_date, value_date, account_servicer_ref),
                bank_transaction_code,
                details,
                additional_info,
            )| Entry {
                entry_ref,
                amount,
                currency,
                direction,
                reversal,
                status,
                booking_date,
                value_date,
                account_servicer_ref,
                bank_transaction_code,
                details,
                additional_info,
            },
        )
}

fn account() -> impl Strategy<Value = Account> {
    (
        prop::option::of(code("[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}")),
        opt_text(34),
        prop::option::of(code("[A-Z]{3}")),
        opt_text(70),
        opt_text(140),
        prop::option::of(code("[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")),
        opt_text(140),
    )
        .prop_map(
            |(iban, other_id, currency, name, owner_name, servicer_bic, servicer_name)| Account {
                iban,
                other_id,
                currency,
                name,
                owner_name,
                servicer_bic,
                servicer_name,
            },
        )
}

fn balance() -> impl Strategy<Value = Balance> {
    let kind = prop_oneof![
        Just(BalanceType::OpeningBooked),
        Just(BalanceType::ClosingBooked),
        prop::sample::select(vec!["PRCD", "ITBD", "CLAV"])
            .prop_map(|code| BalanceType::Other(code.into())),
        text(35).prop_map(BalanceType::Other),
    ];
    let signed = prop_oneof![decimal(), decimal().prop_map(|d| -d)];
    (kind, signed, code("[A-Z]{3}"), date()).prop_map(|(kind, amount, currency, date)| Balance {
        kind,
        amount,
        currency,
        date,
    })
}

fn summary() -> impl Strategy<Value = TransactionsSummary> {
    let count = prop_oneof![10 => 0u64..1000, 1 => any::<u64>()];
    (count.clone(), decimal(), count, decimal()).prop_map(
        |(credit_count, credit_sum, debit_count, debit_sum)| TransactionsSummary {
            credit_count,
            credit_sum,
            debit_count,
            debit_sum,
        },
    )
}

fn header() -> impl Strategy<Value = StatementHeader> {
    let sequence = prop_oneof![10 => 0u64..1_000_000, 1 => any::<u64>()];
    (
        text(35),
        prop::option::of(sequence.clone()),
        prop::option::of(sequence),
        date_time(),
        prop::option::of((date_time(), date_time())),
        account(),
        prop::collection::vec(balance(), 0..3),
        prop::option::of(summary()),
    )
        .prop_map(
            |(
                id,
                electronic_sequence,
                legal_sequence,
                created,
                from_to,
                account,
                balances,
                summary,
            )| {
                StatementHeader {
                    id,
                    electronic_sequence,
                    legal_sequence,
                    created,
                    from_to,
                    account,
                    balances,
                    summary,
                }
            },
        )
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        header(),
        prop::collection::vec(entry(), 0..4),
        opt_text(500),
    )
        .prop_map(|(header, entries, additional_info)| Statement {
            header,
            entries,
            additional_info,
        })
}

fn group_header() -> impl Strategy<Value = GroupHeader> {
    (text(35), date_time()).prop_map(|(message_id, created)| GroupHeader {
        message_id,
        created,
    })
}

fn document() -> impl Strategy<Value = Document> {
    (group_header(), prop::collection::vec(statement(), 0..3)).prop_map(
        |(group_header, statements)| Document {
            namespace: NAMESPACE.into(),
            group_header,
            statements,
        },
    )
}

/// What a write gave: the bytes (also those written before an error) and the error.
fn outcome<T>(bytes: Vec<u8>, result: Result<T, WriteError>) -> (String, Option<String>) {
    (
        String::from_utf8_lossy(&bytes).into_owned(),
        result.err().map(|e| format!("{e:?} / {e}")),
    )
}

fn fragment_with(
    write: impl Fn(&mut Vec<u8>, &Entry) -> Result<(), WriteError>,
    entry: &Entry,
) -> (String, Option<String>) {
    let mut bytes = Vec::new();
    let result = write(&mut bytes, entry);
    outcome(bytes, result)
}

fn document_with(
    write: impl Fn(&mut Vec<u8>, &Document) -> Result<(), WriteError>,
    doc: &Document,
) -> (String, Option<String>) {
    let mut bytes = Vec::new();
    let result = write(&mut bytes, doc);
    outcome(bytes, result)
}

/// Each statement of `doc` through the streaming API, entries written in place and, for
/// every other statement, spliced from fragments.
fn streamed(doc: &Document) -> (String, Option<String>) {
    let mut bytes = Vec::new();
    let result = (|| {
        for (n, statement) in doc.statements.iter().enumerate() {
            let mut writer =
                StatementWriter::start(&mut bytes, &doc.group_header, &statement.header)?;
            for entry in &statement.entries {
                if n % 2 == 0 {
                    writer.entry(entry)?;
                } else {
                    let mut spool = Vec::new();
                    write_entry_fragment(&mut spool, entry)?;
                    writer.splice_entries(spool.as_slice())?;
                }
            }
            writer.finish(statement.additional_info.as_deref())?;
        }
        Ok::<_, WriteError>(())
    })();
    outcome(bytes, result)
}

fn streamed_reference(doc: &Document) -> (String, Option<String>) {
    let mut bytes = Vec::new();
    let result = (|| {
        for (n, statement) in doc.statements.iter().enumerate() {
            let mut writer = reference::StatementWriter::start(
                &mut bytes,
                &doc.group_header,
                &statement.header,
            )?;
            for entry in &statement.entries {
                if n % 2 == 0 {
                    writer.entry(entry)?;
                } else {
                    let mut spool = Vec::new();
                    reference::write_entry_fragment(&mut spool, entry)?;
                    writer.splice_entries(spool.as_slice())?;
                }
            }
            writer.finish(statement.additional_info.as_deref())?;
        }
        Ok::<_, WriteError>(())
    })();
    outcome(bytes, result)
}

/// Whether `text` is what [`is_plain`] means, said the slow way.
fn plain_the_slow_way(text: &str, max: usize) -> bool {
    let printable = |b: u8| (b' '..=0x7F).contains(&b) && !matches!(b, b'&' | b'<' | b'>');
    (1..=max).contains(&text.len())
        && text.bytes().all(printable)
        && text.bytes().any(|b| b != b' ')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn fragments_are_the_reference_fragments(entry in entry()) {
        let fast = fragment_with(|out, e| write_entry_fragment(out, e), &entry);
        let slow = fragment_with(|out, e| reference::write_entry_fragment(out, e), &entry);
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn documents_are_the_reference_documents(doc in document()) {
        let fast = document_with(|out, d| write_document(out, d).map(drop), &doc);
        let slow = document_with(|out, d| reference::write_document(out, d).map(drop), &doc);
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn streamed_statements_are_the_reference_statements(doc in document()) {
        prop_assert_eq!(streamed(&doc), streamed_reference(&doc));
    }

    #[test]
    fn plain_texts_are_found_eight_bytes_at_a_time(text in text(35), max in 0usize..40) {
        prop_assert_eq!(is_plain(text.as_bytes(), max), plain_the_slow_way(&text, max));
    }

    #[test]
    fn plain_texts_are_copied_as_they_are_scanned(text in text(35), max in 0usize..40) {
        prop_assert_eq!(copied_if_plain(&text, max), copied_the_slow_way(&text, max));
    }

    #[test]
    fn plain_decimals_pass_the_check(value in decimal(), max_fraction in 0u32..=20) {
        if is_plain_decimal(value, max_fraction) {
            prop_assert_eq!(crate::check::amount(value, max_fraction), Ok(()));
        }
    }

    #[test]
    fn decimals_are_written_as_display_writes_them(value in decimal()) {
        let mut buf = [0; DECIMAL_TEXT];
        let expected = format!("{}", if value.is_zero() { value.abs() } else { value });
        match unsigned_decimal_text(value, &mut buf) {
            Some(text) => prop_assert_eq!(std::str::from_utf8(text).unwrap(), expected),
            None => prop_assert!(
                value.is_sign_negative() || value.mantissa().unsigned_abs() > u128::from(u64::MAX)
            ),
        }
    }
}

/// [`copy_if_plain`] as `Buffer::plain_leaf` calls it: after the length check, into
/// room of the text's length (which held other bytes before).
fn copied_if_plain(text: &str, max: usize) -> Option<Vec<u8>> {
    let mut to = vec![b'#'; text.len()];
    (text.len() <= max && copy_if_plain(&mut to, text.as_bytes())).then_some(to)
}

#[test]
fn plain_texts_of_every_short_length() {
    for len in 0..=41 {
        for special in SPECIAL {
            for at in 0..len {
                let text = with_special("a".repeat(len), at, special);
                assert_eq!(
                    is_plain(text.as_bytes(), 40),
                    plain_the_slow_way(&text, 40),
                    "{text:?}"
                );
                let copied = copied_the_slow_way(&text, 40);
                assert_eq!(copied_if_plain(&text, 40), copied, "{text:?}");
            }
        }
        let blank = " ".repeat(len);
        assert!(!is_plain(blank.as_bytes(), 40));
        assert_eq!(copied_if_plain(&blank, 40), None);
        let text = "a".repeat(len);
        let plain = (1..=40).contains(&len).then(|| text.clone().into_bytes());
        assert_eq!(copied_if_plain(&text, 40), plain, "{text:?}");
        for at in 0..len {
            let text = with_special(" ".repeat(len), at, "a");
            let copied = copied_the_slow_way(&text, 40);
            assert_eq!(copied_if_plain(&text, 40), copied, "{text:?}");
        }
    }
}

/// What [`copy_if_plain`] answers, said the slow way: a plain text not blank in both its
/// first and its last eight bytes.
fn copied_the_slow_way(text: &str, max: usize) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let ends = [
        &bytes[..bytes.len().min(8)],
        &bytes[bytes.len().saturating_sub(8)..],
    ];
    let blank_ends = ends.iter().all(|end| end.iter().all(|&b| b == b' '));
    (plain_the_slow_way(text, max) && !blank_ends).then(|| bytes.to_vec())
}

#[test]
fn values_of_every_length_are_copied_whole() {
    for len in 0..=200 {
        let from: Vec<u8> = (0..len).map(|n| (n * 7 + len) as u8).collect();
        let mut to = vec![0xAA; len];
        copy_value(&mut to, &from);
        assert_eq!(to, from, "{len} bytes");
    }
}

/// What an entry's `Out` writes for one leaf.
fn entry_leaf(write: impl FnOnce(&mut Out<Buffer>) -> Result<(), WriteError>) -> String {
    let mut out = Out::new(Buffer::default());
    out.in_entry = true;
    write(&mut out).expect("a valid value");
    String::from_utf8_lossy(out.sink.written()).into_owned()
}

#[test]
fn dates_of_every_year_are_written_as_chrono_writes_them() {
    for year in 1..=9999 {
        let (month, day) = (year as u32 % 12 + 1, year as u32 % 28 + 1);
        for (month, day) in [(1, 1), (12, 31), (month, day), (2, 10), (10, 9)] {
            let date = NaiveDate::from_ymd_opt(year, month, day).expect("a date");
            let written = entry_leaf(|out| out.date(tag!("Dt"), date));
            assert_eq!(written, format!("<Dt>{}</Dt>", date.format("%Y-%m-%d")));
        }
    }
}

#[test]
fn decimals_at_the_extremes_are_written_as_display_writes_them() {
    let mut mantissas = vec![0, 1, 9, 99, u64::MAX, u64::MAX - 1];
    for digits in 1..=19 {
        let power = 10u64.pow(digits);
        mantissas.extend([power - 1, power, power + 1, power / 2 + 5]);
    }
    for mantissa in mantissas {
        for scale in 0..=28 {
            let value = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
            let mut buf = [0; DECIMAL_TEXT];
            let text = unsigned_decimal_text(value, &mut buf).expect("an unsigned u64 mantissa");
            assert_eq!(
                std::str::from_utf8(text).ok(),
                Some(value.to_string().as_str())
            );
        }
        let mut buf = [0; DECIMAL_TEXT];
        assert_eq!(
            decimal_digits(mantissa, 0, &mut buf),
            mantissa.to_string().as_bytes()
        );
    }
}

/// A writer that fails after `room` bytes, with an error or (`zero`) by taking nothing.
struct Full {
    room: usize,
    zero: bool,
}

impl Write for Full {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.room == 0 && self.zero {
            return Ok(0);
        }
        if self.room == 0 {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "no room"));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn output_errors_are_the_reference_errors() {
    let doc = Document {
        namespace: NAMESPACE.into(),
        group_header: GroupHeader {
            message_id: "M".into(),
            created: FixedOffset::east_opt(3600)
                .and_then(|o| o.with_ymd_and_hms(2024, 2, 1, 6, 0, 0).single())
                .expect("a time"),
        },
        statements: Vec::new(),
    };
    let message = |result: Result<_, WriteError>| result.err().map(|e| e.to_string());
    for room in [0, 10, 100] {
        for zero in [false, true] {
            let fast = write_document(Full { room, zero }, &doc).map(drop);
            let slow = reference::write_document(Full { room, zero }, &doc).map(drop);
            assert_eq!(message(fast), message(slow));
        }
    }
    let entry = crate::model::Entry {
        entry_ref: None,
        amount: Decimal::new(1, 2),
        currency: "EUR".into(),
        direction: CreditDebit::Credit,
        reversal: false,
        status: EntryStatus::Booked,
        booking_date: None,
        value_date: None,
        account_servicer_ref: None,
        bank_transaction_code: BankTransactionCode {
            domain: None,
            proprietary: Some(ProprietaryCode {
                code: "X".into(),
                issuer: None,
            }),
        },
        details: Vec::new(),
        additional_info: None,
    };
    for room in [0, 10, 100] {
        for zero in [false, true] {
            let fast = write_entry_fragment(Full { room, zero }, &entry);
            let slow = reference::write_entry_fragment(Full { room, zero }, &entry);
            assert_eq!(message(fast), message(slow));
        }
    }
}

/// Entries past the fragment buffer's first size and past the size kept between calls,
/// written in turn with small ones.
#[test]
fn long_fragments_are_the_reference_fragments() {
    let detail = |n: usize| TransactionDetails {
        additional_info: Some(format!("{n} {}", "x".repeat(480))),
        ..TransactionDetails::default()
    };
    let entry = |details: usize| Entry {
        entry_ref: None,
        amount: Decimal::new(12_345, 2),
        currency: "EUR".into(),
        direction: CreditDebit::Debit,
        reversal: true,
        status: EntryStatus::Pending,
        booking_date: NaiveDate::from_ymd_opt(2024, 2, 29),
        value_date: None,
        account_servicer_ref: Some("ref".into()),
        bank_transaction_code: BankTransactionCode {
            domain: None,
            proprietary: Some(ProprietaryCode {
                code: "X".into(),
                issuer: Some("Y".into()),
            }),
        },
        details: (0..details).map(detail).collect(),
        additional_info: None,
    };
    for details in [0, 1, 10, 300, 2, 1000, 0] {
        let entry = entry(details);
        let fast = fragment_with(|out, e| write_entry_fragment(out, e), &entry);
        let slow = fragment_with(|out, e| reference::write_entry_fragment(out, e), &entry);
        assert_eq!(fast, slow, "{details} details");
    }
}

/// A writer that writes an entry of its own (a nested call of the writer under test, or
/// of the reference) before taking each write.
struct Nesting<'a> {
    entry: &'a Entry,
    bytes: Vec<u8>,
    reference: bool,
}

impl Nesting<'_> {
    fn fragment(&mut self, entry: &Entry) -> Result<(), WriteError> {
        if self.reference {
            reference::write_entry_fragment(self, entry)
        } else {
            write_entry_fragment(self, entry)
        }
    }
}

impl Write for Nesting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let nested = if self.reference {
            reference::write_entry_fragment(&mut self.bytes, self.entry)
        } else {
            write_entry_fragment(&mut self.bytes, self.entry)
        };
        nested.map_err(io::Error::other)?;
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The kept output is busy during a nested call, which must not see or change it.
    #[test]
    fn nested_fragments_are_the_reference_fragments(outer in entry(), inner in entry()) {
        let nested = |reference: bool| {
            let mut out = Nesting { entry: &inner, bytes: Vec::new(), reference };
            let result = out.fragment(&outer);
            // After an error of `out`, the reference (a `BufWriter`) tries it again when
            // dropped, as the writer never did: only the messages are compared then.
            match result {
                Ok(()) => Ok(String::from_utf8_lossy(&out.bytes).into_owned()),
                Err(e) => Err(e.to_string()),
            }
        };
        prop_assert_eq!(nested(false), nested(true));
    }
}

/// Decimals that repeat, in the same and in other representations (1, 1.0, 1.00; 0 and
/// -0), so that [`LastDecimal`] is asked for the text it holds as well as for another.
fn repeating_decimals() -> impl Strategy<Value = Vec<Decimal>> {
    let pool = vec![
        Decimal::new(1, 0),
        Decimal::new(10, 1),
        Decimal::new(100, 2),
        Decimal::new(115065, 2),
        Decimal::new(1150650, 3),
        Decimal::new(-115065, 2),
        Decimal::from_parts(0, 0, 0, true, 2),
        Decimal::from_parts(0, 0, 0, false, 2),
        Decimal::from_parts(u32::MAX, u32::MAX, 1, false, 2),
    ];
    prop::collection::vec(
        prop_oneof![3 => prop::sample::select(pool), 1 => decimal()],
        1..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decimals_written_in_a_row_are_each_written_as_on_their_own(
        values in repeating_decimals(),
    ) {
        let mut reused = Out::fragment();
        for value in values {
            let mut fresh = Out::fragment();
            fresh.put_decimal(value).unwrap();
            let before = reused.sink.len;
            reused.put_decimal(value).unwrap();
            prop_assert_eq!(&reused.sink.written()[before..], fresh.sink.written());
        }
    }

    #[test]
    fn usual_fragments_are_the_reference_fragments(
        mut entry in entry(),
        amounts in repeating_decimals(),
        same_day in any::<bool>(),
        domain_texts in prop::option::of((text(5), text(5), text(5))),
    ) {
        // The usual entry: booked and valued the same day (also one `date` refuses).
        if same_day {
            entry.value_date = entry.booking_date;
        }
        // Domain codes that need escaping, are blank, too long, or not text at all.
        if let (Some(domain), Some((code, family, sub_family))) =
            (&mut entry.bank_transaction_code.domain, domain_texts)
        {
            *domain = DomainCode { domain: code, family, sub_family };
        }
        // The usual entry: its details carry the entry's amount again.
        for (details, amount) in entry.details.iter_mut().zip(amounts.iter().cycle()) {
            let amount = if amount.is_zero() { entry.amount } else { *amount };
            details.amount = Some((amount, entry.currency.clone()));
        }
        let fast = fragment_with(|out, e| write_entry_fragment(out, e), &entry);
        let slow = fragment_with(|out, e| reference::write_entry_fragment(out, e), &entry);
        prop_assert_eq!(fast, slow);
    }
}

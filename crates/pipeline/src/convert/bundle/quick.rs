//! A parser for the one shape bundle transactions nearly always have: an object of
//! known keys with plain strings (no escapes), plain numbers, `null`s, instants in
//! their common exact shape, and unknown values (`relationships`) that are plain or
//! small.
//!
//! serde's generic machinery cost ~14,000 instructions per transaction, most of it
//! per string. This reads the same bytes directly and gives up (`None`) at anything
//! outside that shape (an escape, a duplicate key, a wrong type, odd numbers, big or
//! deep unknown values…), for serde to read instead. So whatever it returns is what
//! serde would have made of the same bytes: the proptest in `bundle`'s tests compares
//! the readers on damaged bundles.

use super::LeanTransaction;
use ponto::TransactionAttributes;
use rust_decimal::Decimal;

/// The transaction at the start of `text` (which starts with `{`) and its length in
/// bytes, or `None` for serde to read it.
pub(super) fn transaction(text: &str) -> Option<(LeanTransaction, usize)> {
    let mut cursor = Cursor { text, at: 0 };
    let mut kind = None;
    let mut id = None;
    let mut attributes = None;
    let mut seen = Seen::default();
    cursor.object(|cursor, key| {
        match key {
            "type" => {
                seen.first(0)?;
                kind = cursor.string()?;
            }
            "id" => {
                seen.first(1)?;
                id = cursor.string()?;
            }
            "attributes" => {
                seen.first(2)?;
                attributes = Some(cursor.attributes()?);
            }
            _ => cursor.skip_value()?,
        }
        Some(())
    })?;
    let lean = LeanTransaction {
        kind,
        id,
        attributes: attributes?,
    };
    Some((lean, cursor.at))
}

/// Which known keys came already: serde refuses a key twice.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, bit: u32) -> Option<()> {
        let mask = 1 << bit;
        if self.0 & mask != 0 {
            return None;
        }
        self.0 |= mask;
        Some(())
    }
}

/// Unknown values are skipped by serde itself (so validated alike) when shorter than
/// this: too short to nest as deep as serde's recursion limit allows in there.
const SMALL_VALUE: usize = 200;

/// How deep plain unknown values may nest to be skipped here; serde allows over 120.
const PLAIN_DEPTH: u32 = 16;

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.at) {
            self.at += 1;
        }
        self.bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// An object, each key and the cursor (at its value) handed to `field`.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.plain_string()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string without escapes or control characters: its content.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let end = start + special_byte(&self.bytes()[start..])?;
        if self.bytes()[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        self.text.get(start..end)
    }

    /// `null` (consumed: true) or not (nothing consumed).
    fn null(&mut self) -> Option<bool> {
        if self.peek()? == b'n' && self.bytes()[self.at..].starts_with(b"null") {
            self.at += 4;
            return Some(true);
        }
        Some(false)
    }

    fn string(&mut self) -> Option<Option<String>> {
        if self.null()? {
            return Some(None);
        }
        self.plain_string().map(|s| Some(s.to_owned()))
    }

    fn instant(&mut self) -> Option<Option<chrono::DateTime<chrono::Utc>>> {
        if self.null()? {
            return Some(None);
        }
        ponto::instant::parse_exact(self.plain_string()?).map(Some)
    }

    /// A plain number or a plain string, read as [`ponto::decimal::option`] reads
    /// them: the value's own text, quotes included, to `parse_decimal`.
    fn decimal(&mut self) -> Option<Option<Decimal>> {
        if self.null()? {
            return Some(None);
        }
        let start = self.at;
        match self.peek()? {
            b'"' => {
                self.plain_string()?;
            }
            _ => self.number()?,
        }
        let raw = self.text.get(start..self.at)?;
        ponto::decimal::parse_decimal(raw).ok().map(Some)
    }

    /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        if self.bytes().get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match self.bytes().get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits()?,
            _ => return None,
        }
        if self.bytes().get(self.at) == Some(&b'.') {
            self.at += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.bytes().get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes().get(self.at) {
                self.at += 1;
            }
            self.digits()?;
        }
        Some(())
    }

    /// One digit or more.
    fn digits(&mut self) -> Option<()> {
        let count = self.bytes()[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        self.at += count;
        (count > 0).then_some(())
    }

    /// An unknown value: skipped here when plain (see [`Self::skip_plain_value`]),
    /// else by serde.
    fn skip_value(&mut self) -> Option<()> {
        let start = self.at;
        if self.skip_plain_value(PLAIN_DEPTH).is_some() {
            return Some(());
        }
        self.at = start;
        self.skip_small_value()
    }

    /// A value of plain strings, numbers, literals, objects and arrays, nested at most
    /// `depth` deep (far below serde's limit): validated as serde validates what it
    /// skips, for the shapes it accepts. `None` for anything else.
    fn skip_plain_value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.plain_string()?;
            }
            b'{' => self.object(|cursor, _| cursor.skip_plain_value(depth.checked_sub(1)?))?,
            b'[' => self.array(|cursor| cursor.skip_plain_value(depth.checked_sub(1)?))?,
            b'n' => self.literal(b"null")?,
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            _ => self.number()?,
        }
        Some(())
    }

    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.bytes()[self.at..]
            .starts_with(word)
            .then(|| self.at += word.len())
    }

    /// Any value, validated and skipped by serde as it skips unknown fields.
    fn skip_small_value(&mut self) -> Option<()> {
        self.peek()?;
        let rest = self.text.get(self.at..)?;
        let mut stream =
            serde_json::Deserializer::from_str(rest).into_iter::<serde::de::IgnoredAny>();
        stream.next()?.ok()?;
        let length = stream.byte_offset();
        if length >= SMALL_VALUE {
            return None;
        }
        self.at += length;
        Some(())
    }

    fn attributes(&mut self) -> Option<TransactionAttributes> {
        let mut a = TransactionAttributes::default();
        let mut seen = Seen::default();
        self.object(|cursor, key| {
            match key {
                "amount" => {
                    seen.first(0)?;
                    a.amount = cursor.decimal()?;
                }
                "currency" => {
                    seen.first(1)?;
                    a.currency = cursor.string()?;
                }
                "valueDate" => {
                    seen.first(2)?;
                    a.value_date = cursor.instant()?;
                }
                "executionDate" => {
                    seen.first(3)?;
                    a.execution_date = cursor.instant()?;
                }
                "description" => {
                    seen.first(4)?;
                    a.description = cursor.string()?;
                }
                "remittanceInformation" => {
                    seen.first(5)?;
                    a.remittance_information = cursor.string()?;
                }
                "remittanceInformationType" => {
                    seen.first(6)?;
                    a.remittance_information_type = cursor.string()?;
                }
                "counterpartName" => {
                    seen.first(7)?;
                    a.counterpart_name = cursor.string()?;
                }
                "counterpartReference" => {
                    seen.first(8)?;
                    a.counterpart_reference = cursor.string()?;
                }
                "bankTransactionCode" => {
                    seen.first(9)?;
                    a.bank_transaction_code = cursor.string()?;
                }
                "proprietaryBankTransactionCode" => {
                    seen.first(10)?;
                    a.proprietary_bank_transaction_code = cursor.string()?;
                }
                "endToEndId" => {
                    seen.first(11)?;
                    a.end_to_end_id = cursor.string()?;
                }
                "purposeCode" => {
                    seen.first(12)?;
                    a.purpose_code = cursor.string()?;
                }
                "mandateId" => {
                    seen.first(13)?;
                    a.mandate_id = cursor.string()?;
                }
                "creditorId" => {
                    seen.first(14)?;
                    a.creditor_id = cursor.string()?;
                }
                "additionalInformation" => {
                    seen.first(15)?;
                    a.additional_information = cursor.string()?;
                }
                "internalReference" => {
                    seen.first(16)?;
                    a.internal_reference = cursor.string()?;
                }
                "digest" => {
                    seen.first(17)?;
                    a.digest = cursor.string()?;
                }
                "fee" => {
                    seen.first(18)?;
                    a.fee = cursor.decimal()?;
                }
                "cardReference" => {
                    seen.first(19)?;
                    a.card_reference = cursor.string()?;
                }
                "cardReferenceType" => {
                    seen.first(20)?;
                    a.card_reference_type = cursor.string()?;
                }
                "createdAt" => {
                    seen.first(21)?;
                    a.created_at = cursor.instant()?;
                }
                "updatedAt" => {
                    seen.first(22)?;
                    a.updated_at = cursor.instant()?;
                }
                _ => cursor.skip_value()?,
            }
            Some(())
        })?;
        Some(a)
    }
}

/// Where the first `"`, `\\` or control byte is, the bytes that end a plain string's
/// content. Eight bytes at a time: a byte at a time cost more than all of serde did.
fn special_byte(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::MAX / 255;
    const HIGHS: u64 = ONES << 7;
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let Ok(eight) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(eight);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        // A byte's high bit is set where it is zero (or below 0x20 for `control`);
        // bytes above the first such one may be flagged wrongly, so only the lowest
        // flag is used.
        let control = word.wrapping_sub(ONES * 0x20) & !word;
        let found = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | control)
            & HIGHS;
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let rest = bytes.get(at..)?;
    let tail = rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    Some(at + tail)
}

/// Fails to compile when `TransactionAttributes` gains a field: this parser would skip
/// it as unknown where serde reads it, so it must learn the new key first.
#[allow(dead_code)]
fn every_attribute_is_read(a: TransactionAttributes) {
    let TransactionAttributes {
        amount: _,
        currency: _,
        value_date: _,
        execution_date: _,
        description: _,
        remittance_information: _,
        remittance_information_type: _,
        counterpart_name: _,
        counterpart_reference: _,
        bank_transaction_code: _,
        proprietary_bank_transaction_code: _,
        end_to_end_id: _,
        purpose_code: _,
        mandate_id: _,
        creditor_id: _,
        additional_information: _,
        internal_reference: _,
        digest: _,
        fee: _,
        card_reference: _,
        card_reference_type: _,
        created_at: _,
        updated_at: _,
    } = a;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn special_byte_is_found_as_a_byte_walk_finds_it(
            bytes in prop::collection::vec(
                prop_oneof![any::<u8>(), Just(b'"'), Just(b'\\'), Just(0x1F), Just(0x20)],
                0..40,
            ),
            skip in 0usize..40,
        ) {
            // Mostly plain bytes first, so the special one falls in any lane.
            let mut text = vec![b'a'; skip];
            text.extend(&bytes);
            let walked = text.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(special_byte(&text), walked);
        }
    }
}

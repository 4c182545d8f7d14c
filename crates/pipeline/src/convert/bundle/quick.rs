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

use chrono::{DateTime, Utc};
use ponto::{Transaction, TransactionAttributes};
use rust_decimal::Decimal;

/// Reads the transaction at the start of `text` (which starts with `{`) into `into`,
/// and returns its length in bytes; or `None`, with `into` in any state, for serde to
/// read it. `into` may hold any transaction read before: what it holds afterwards is
/// what reading into [`empty`] gives (the strings present take the room of the ones
/// before, the fields absent are `None`), so a spent transaction saves allocating its
/// strings again. `learnt` is what the transactions before showed (see [`Learnt`]).
/// Filled in place: the transaction is large, and moving it from one return value to
/// the next cost more than a field.
pub(super) fn transaction(
    text: &str,
    into: &mut Transaction,
    learnt: &mut Learnt,
) -> Option<usize> {
    let mut cursor = Cursor::new(text);
    let mut seen = Seen::default();
    cursor.object(|cursor, key| {
        match (key.len(), key.first()) {
            (4, Some(b't')) if key == b"type" => {
                seen.first(0)?;
                cursor.string(&mut into.kind)?;
            }
            (2, Some(b'i')) if key == b"id" => {
                seen.first(1)?;
                cursor.string(&mut into.id)?;
            }
            (10, Some(b'a')) if key == b"attributes" => {
                seen.first(2)?;
                cursor.attributes(&mut into.attributes, &mut learnt.order)?;
            }
            _ => cursor.skip_value_as_before(&mut learnt.skipped)?,
        }
        Some(())
    })?;
    // serde refuses a transaction without attributes.
    if !seen.has(2) {
        return None;
    }
    if !seen.has(0) {
        into.kind = None;
    }
    if !seen.has(1) {
        into.id = None;
    }
    // Never read here (see `LeanTransaction`), whatever a spent one came with.
    into.relationships = None;
    into.meta = None;
    into.links = None;
    Some(cursor.at)
}

/// What the transactions read before showed, to read the next one faster.
pub(super) struct Learnt {
    order: KeyOrder,
    /// The last unknown container or string skipped at the top of a transaction (the
    /// same `relationships` in every transaction of an account), as written.
    skipped: Vec<u8>,
}

impl Default for Learnt {
    fn default() -> Self {
        Learnt {
            order: KeyOrder::new(),
            skipped: Vec::new(),
        }
    }
}

/// The longest skipped value [`Learnt`] keeps.
const RECALLED_VALUE: usize = 256;

/// A transaction with nothing read into it yet: what [`transaction`] reads into when
/// there is no spent one.
pub(super) fn empty() -> Transaction {
    Transaction {
        kind: None,
        id: None,
        attributes: TransactionAttributes::default(),
        relationships: None,
        meta: None,
        links: None,
    }
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

    fn has(&self, bit: u32) -> bool {
        self.0 & (1 << bit) != 0
    }
}

/// Unknown values are skipped by serde itself (so validated alike) when shorter than
/// this: too short to nest as deep as serde's recursion limit allows in there.
const SMALL_VALUE: usize = 200;

/// How many non-empty containers deep plain unknown values may nest to be skipped
/// here; serde allows over 120.
const PLAIN_DEPTH: u32 = 16;

struct Cursor<'a> {
    text: &'a str,
    at: usize,
    /// The last instant read, as written and as read.
    last_instant: Option<(&'a str, DateTime<Utc>)>,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            text,
            at: 0,
            last_instant: None,
        }
    }

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
    fn object(&mut self, field: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.object_with(Self::plain_bytes, field)
    }

    /// An object, each key read by `key` and handed with the cursor (at its value) to
    /// `field`.
    fn object_with<K>(
        &mut self,
        mut key: impl FnMut(&mut Self) -> Option<K>,
        mut field: impl FnMut(&mut Self, K) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = key(self)?;
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
        let (start, end) = self.plain_span()?;
        self.text.get(start..end)
    }

    /// [`Self::plain_string`] as bytes: for keys, which are only compared.
    fn plain_bytes(&mut self) -> Option<&'a [u8]> {
        let (start, end) = self.plain_span()?;
        self.bytes().get(start..end)
    }

    /// Where the content of a plain string starts and ends; consumes the string.
    fn plain_span(&mut self) -> Option<(usize, usize)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let end = start + special_byte(self.bytes().get(start..)?)?;
        if *self.bytes().get(end)? != b'"' {
            return None;
        }
        self.at = end + 1;
        Some((start, end))
    }

    /// `null` (consumed: true) or not (nothing consumed).
    fn null(&mut self) -> Option<bool> {
        if self.peek()? == b'n' && self.bytes()[self.at..].starts_with(b"null") {
            self.at += 4;
            return Some(true);
        }
        Some(false)
    }

    /// A string or `null` into `slot`, a string into the room of the one there.
    fn string(&mut self, slot: &mut Option<String>) -> Option<()> {
        if self.null()? {
            *slot = None;
            return Some(());
        }
        let text = self.plain_string()?;
        match slot {
            Some(room) => {
                room.clear();
                room.push_str(text);
            }
            None => *slot = Some(text.to_owned()),
        }
        Some(())
    }

    fn instant(&mut self) -> Option<Option<DateTime<Utc>>> {
        if self.null()? {
            return Some(None);
        }
        let text = self.plain_string()?;
        // Often the instant before again (the value date is the execution date).
        if let Some((last, instant)) = self.last_instant
            && last == text
        {
            return Some(Some(instant));
        }
        let instant = ponto::instant::parse_exact(text)?;
        self.last_instant = Some((text, instant));
        Some(Some(instant))
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

    /// [`Self::skip_value`], but a value spelt as the `last` one skipped is taken as
    /// it is: a container or string ends at its own closing byte and skipping it
    /// reads nothing past that, so the same bytes are valid alike and end alike.
    fn skip_value_as_before(&mut self, last: &mut Vec<u8>) -> Option<()> {
        self.peek()?;
        let start = self.at;
        let rest = self.bytes().get(start..)?;
        if !last.is_empty() && rest.starts_with(last) {
            self.at += last.len();
            return Some(());
        }
        self.skip_value()?;
        let value = self.bytes().get(start..self.at)?;
        if matches!(value.first(), Some(b'{' | b'[' | b'"')) && value.len() <= RECALLED_VALUE {
            last.clear();
            last.extend_from_slice(value);
        }
        Some(())
    }

    /// An unknown value: skipped here when plain (see [`Self::skip_plain_value`]),
    /// else by serde.
    fn skip_value(&mut self) -> Option<()> {
        let start = self.at;
        if self.skip_plain_value().is_some() {
            return Some(());
        }
        self.at = start;
        self.skip_small_value()
    }

    /// A value of plain strings, numbers, literals, objects and arrays, with at most
    /// [`PLAIN_DEPTH`] non-empty containers one in the other (far below serde's limit):
    /// validated as serde validates what it skips, for the shapes it accepts. `None`
    /// for anything else. Without recursion (the containers open are bits of a word):
    /// a call per value cost more than the value.
    fn skip_plain_value(&mut self) -> Option<()> {
        // One bit per open container, the innermost lowest: set for an object.
        let mut objects: u32 = 0;
        let mut open: u32 = 0;
        loop {
            match self.peek()? {
                opening @ (b'{' | b'[') => {
                    self.at += 1;
                    let object = opening == b'{';
                    if self.peek()? == if object { b'}' } else { b']' } {
                        self.at += 1;
                    } else {
                        open += 1;
                        if open > PLAIN_DEPTH {
                            return None;
                        }
                        objects = objects << 1 | u32::from(object);
                        if object {
                            self.member_key()?;
                        }
                        continue;
                    }
                }
                b'"' => {
                    self.plain_span()?;
                }
                b'n' => self.literal(b"null")?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                _ => self.number()?,
            }
            // After a value: close the containers that end here, up to the next value.
            loop {
                if open == 0 {
                    return Some(());
                }
                let object = objects & 1 == 1;
                match self.peek()? {
                    b',' => {
                        self.at += 1;
                        if object {
                            self.member_key()?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                self.at += 1;
                open -= 1;
                objects >>= 1;
            }
        }
    }

    /// A key in an object being skipped, and its colon.
    fn member_key(&mut self) -> Option<()> {
        self.plain_span()?;
        self.eat(b':')
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

    /// The attributes into `a`, which may hold any read before (see [`transaction`]);
    /// `order` guesses each key from the one before.
    fn attributes(&mut self, a: &mut TransactionAttributes, order: &mut KeyOrder) -> Option<()> {
        let mut seen = Seen::default();
        self.attribute_fields(a, order, &mut seen)?;
        // Not set by the fields read: what a spent transaction held there goes.
        let mut absent = !seen.0 & ((1 << ATTRIBUTE_KEYS.len()) - 1);
        while absent != 0 {
            clear_attribute(a, absent.trailing_zeros() as usize);
            absent &= absent - 1;
        }
        Some(())
    }

    /// The fields of the attributes object into `a`, each marked in `seen`.
    fn attribute_fields(
        &mut self,
        a: &mut TransactionAttributes,
        order: &mut KeyOrder,
        seen: &mut Seen,
    ) -> Option<()> {
        let mut last = KeyOrder::START;
        self.object_with(
            |cursor| {
                let guess = order.after(last);
                let index = match ATTRIBUTE_KEYS.get(guess) {
                    Some(name) if cursor.expected_key(name) => Some(guess),
                    _ => attribute_index(cursor.plain_bytes()?),
                };
                if let Some(index) = index {
                    order.learn(last, index);
                    last = index;
                }
                Some(index)
            },
            |cursor, index| match index {
                Some(index) => {
                    seen.first(index as u32)?;
                    cursor.read_attribute(a, index)
                }
                None => cursor.skip_value(),
            },
        )
    }

    /// Consumes the key `name` when it is the one at the cursor (after whitespace):
    /// then it is what [`Self::plain_bytes`] would read there.
    fn expected_key(&mut self, name: &[u8]) -> bool {
        if self.peek() != Some(b'"') {
            return false;
        }
        let start = self.at + 1;
        let end = start + name.len();
        let found =
            self.bytes().get(start..end) == Some(name) && self.bytes().get(end) == Some(&b'"');
        if found {
            self.at = end + 1;
        }
        found
    }
}

/// The attributes of [`TransactionAttributes`] the quick parser knows, each listed once:
/// its place, field, key as Ponto spells it, and how its value is read. From this one
/// list come the key table, the lookup, and reading and clearing a field by its place,
/// so that they cannot disagree. The places count up from 0 in the fields' order.
macro_rules! attributes {
    ($($index:literal => $field:ident: $key:literal, $kind:ident;)*) => {
        /// The keys of [`TransactionAttributes`], at their places.
        const ATTRIBUTE_KEYS: [&[u8]; [$($index),*].len()] = [$($key),*];

        const _: () = {
            let places = [$($index),*];
            let mut at = 0;
            while at < places.len() {
                assert!(places[at] == at, "the attributes' places count up from 0");
                at += 1;
            }
        };

        // Fails to compile when `TransactionAttributes` gains a field this list lacks:
        // a spent transaction filled again would keep that field's old value.
        const _: fn(&TransactionAttributes) = |a| {
            let TransactionAttributes { $($field: _),* } = a;
        };

        /// Where `key` is in [`ATTRIBUTE_KEYS`]: a slice compares lengths first, so
        /// few keys are compared byte by byte. Only a key out of its usual order (see
        /// [`KeyOrder`]) is looked up.
        fn attribute_index(key: &[u8]) -> Option<usize> {
            $(if key == $key {
                return Some($index);
            })*
            None
        }

        impl Cursor<'_> {
            /// The value of the attribute at `index` of [`ATTRIBUTE_KEYS`] into `a`.
            fn read_attribute(&mut self, a: &mut TransactionAttributes, index: usize) -> Option<()> {
                match index {
                    $($index => attributes!(@read self, a.$field, $kind),)*
                    _ => return None,
                }
                Some(())
            }
        }

        /// Sets the attribute at `index` of [`ATTRIBUTE_KEYS`] as serde leaves an absent
        /// one.
        fn clear_attribute(a: &mut TransactionAttributes, index: usize) {
            match index {
                $($index => a.$field = None,)*
                _ => {}
            }
        }
    };
    (@read $cursor:ident, $slot:expr, string) => { $cursor.string(&mut $slot)? };
    (@read $cursor:ident, $slot:expr, $kind:ident) => { $slot = $cursor.$kind()? };
}

attributes! {
    0 => amount: b"amount", decimal;
    1 => currency: b"currency", string;
    2 => value_date: b"valueDate", instant;
    3 => execution_date: b"executionDate", instant;
    4 => description: b"description", string;
    5 => remittance_information: b"remittanceInformation", string;
    6 => remittance_information_type: b"remittanceInformationType", string;
    7 => counterpart_name: b"counterpartName", string;
    8 => counterpart_reference: b"counterpartReference", string;
    9 => bank_transaction_code: b"bankTransactionCode", string;
    10 => proprietary_bank_transaction_code: b"proprietaryBankTransactionCode", string;
    11 => end_to_end_id: b"endToEndId", string;
    12 => purpose_code: b"purposeCode", string;
    13 => mandate_id: b"mandateId", string;
    14 => creditor_id: b"creditorId", string;
    15 => additional_information: b"additionalInformation", string;
    16 => internal_reference: b"internalReference", string;
    17 => digest: b"digest", string;
    18 => fee: b"fee", decimal;
    19 => card_reference: b"cardReference", string;
    20 => card_reference_type: b"cardReferenceType", string;
    21 => created_at: b"createdAt", instant;
    22 => updated_at: b"updatedAt", instant;
}

/// Which attribute key came after which, last time: a bundle's transactions spell
/// their keys in one order, so the key that followed last time is compared first
/// instead of the key being scanned for its end and looked up.
struct KeyOrder {
    /// By the index of a key in [`ATTRIBUTE_KEYS`] (or [`Self::START`]), the index of
    /// the key after it.
    after: [u8; ATTRIBUTE_KEYS.len() + 1],
}

impl KeyOrder {
    const START: usize = ATTRIBUTE_KEYS.len();

    fn new() -> Self {
        // Until learnt, the fields' order.
        KeyOrder {
            after: std::array::from_fn(|index| ((index + 1) % (Self::START + 1)) as u8),
        }
    }

    fn after(&self, key: usize) -> usize {
        self.after.get(key).map_or(0, |&next| usize::from(next))
    }

    fn learn(&mut self, key: usize, next: usize) {
        if let (Some(slot), Ok(next)) = (self.after.get_mut(key), u8::try_from(next)) {
            *slot = next;
        }
    }
}

/// Where the first `"`, `\\` or control byte is, the bytes that end a plain string's
/// content. Eight bytes at a time: a byte at a time cost more than all of serde did.
fn special_byte(bytes: &[u8]) -> Option<usize> {
    let mut rest = bytes;
    while let Some((eight, after)) = rest.split_first_chunk::<8>() {
        let found = specials(u64::from_le_bytes(*eight));
        if found != 0 {
            let lane = found.trailing_zeros() as usize / 8;
            return Some(bytes.len() - rest.len() + lane);
        }
        rest = after;
    }
    let tail = rest.iter().position(|&b| is_special(b))?;
    Some(bytes.len() - rest.len() + tail)
}

/// The bytes that end a plain string's content.
fn is_special(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

/// The high bit of the lowest byte of `word` (little-endian) that [`is_special`], and
/// perhaps of higher bytes that are not: only the lowest set bit tells the truth.
/// Zero when no byte is special.
fn specials(word: u64) -> u64 {
    const ONES: u64 = u64::MAX / 255;
    const HIGHS: u64 = ONES << 7;
    // `"` (0x22) flipped to 0x20 while control bytes stay below it: one "below 0x21"
    // test finds both.
    let quote_or_control = word ^ (ONES * 0x02);
    let backslash = word ^ (ONES * u64::from(b'\\'));
    // A byte's high bit is set where it is below 0x21 (or zero for `backslash`); the
    // borrow from a lower flagged byte may flag the bytes above it wrongly.
    let below = quote_or_control.wrapping_sub(ONES * 0x21) & !quote_or_control;
    let zero = backslash.wrapping_sub(ONES) & !backslash;
    (below | zero) & HIGHS
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

    /// The skip as first written, with recursion: what [`Cursor::skip_plain_value`]
    /// must agree with.
    impl Cursor<'_> {
        fn skip_plain_value_reference(&mut self, depth: u32) -> Option<()> {
            match self.peek()? {
                b'"' => {
                    self.plain_string()?;
                }
                b'{' => self
                    .object(|cursor, _| cursor.skip_plain_value_reference(depth.checked_sub(1)?))?,
                b'[' => {
                    self.array(|cursor| cursor.skip_plain_value_reference(depth.checked_sub(1)?))?
                }
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
    }

    /// JSON values, plain or not (escapes, odd numbers, literals cut), nested up to
    /// past [`PLAIN_DEPTH`], with spaces between tokens or not.
    fn value_text() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec![
            "null",
            "true",
            "false",
            "nul",
            "tru",
            "0",
            "-1.5e3",
            "01",
            "1.",
            "-",
            "12",
            "\"\"",
            "\"x\"",
            "\"esc\\\"aped\"",
            "\"\u{e9}\"",
            "\"tab\there\"",
        ])
        .prop_map(str::to_owned);
        leaf.prop_recursive(20, 64, 4, |inner| {
            let space = prop::sample::select(vec!["", " ", "\n"]);
            prop_oneof![
                (prop::collection::vec(inner.clone(), 0..4), space.clone())
                    .prop_map(|(items, w)| format!("[{w}{}{w}]", items.join(&format!("{w},{w}")))),
                (
                    prop::collection::vec(
                        (prop::sample::select(vec!["a", "", "k\\n"]), inner),
                        0..4
                    ),
                    space,
                )
                    .prop_map(|(members, w)| {
                        let members: Vec<_> = members
                            .iter()
                            .map(|(k, v)| format!("\"{k}\"{w}:{w}{v}"))
                            .collect();
                        format!("{{{w}{}{w}}}", members.join(","))
                    }),
            ]
        })
    }

    /// Bytes at the edges of the tests `specials` makes: the three that end a string,
    /// their neighbours, the bytes its tricks flip them to, and the high half.
    const EDGES: &[u8] = &[
        b'"', b'\\', 0x00, 0x01, 0x02, 0x1F, 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xA0, 0xA2,
        0xC3, 0xDC, 0xDF, 0xE2, 0xFF,
    ];

    fn walked(bytes: &[u8]) -> Option<usize> {
        bytes
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
    }

    proptest! {
        #[test]
        fn special_byte_is_found_as_a_byte_walk_finds_it(
            bytes in prop::collection::vec(
                prop_oneof![any::<u8>(), prop::sample::select(EDGES)],
                0..40,
            ),
            skip in 0usize..40,
        ) {
            // Mostly plain bytes first, so the special one falls in any lane.
            let mut text = vec![b'a'; skip];
            text.extend(&bytes);
            prop_assert_eq!(special_byte(&text), walked(&text));
        }

        /// A string's content as JSON text holds it, with a character that ends or spoils
        /// a plain string at any place, and the text cut anywhere: read as the byte walk
        /// reads it (and as serde does when it is plain).
        #[test]
        fn a_plain_string_is_read_as_a_byte_walk_reads_it(
            content in "[a-z0-9 /.-]{0,24}",
            odd in prop::sample::select(vec![
                "", "\"", "\\\\", "\\\"", "\\u00e9", "\t", "\n", "\u{1}", "\u{1f}", " ",
                "\u{7f}", "\u{e9}", "\u{20ac}", "\u{1F600}", "\u{a2}", "\u{dc}",
            ]),
            at in any::<prop::sample::Index>(),
            after in prop::sample::select(vec!["", ",", ":", "}", "\"", " \"x\":1}"]),
            cut in prop::option::of(any::<prop::sample::Index>()),
        ) {
            let at = at.index(content.len() + 1);
            let mut text = format!("\"{}{odd}{}\"{after}", &content[..at], &content[at..]);
            if let Some(cut) = cut {
                let mut end = cut.index(text.len() + 1);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
            }
            let mut cursor = Cursor::new(&text);
            let read = cursor.plain_string();
            let body = text.as_bytes().get(1..).unwrap_or_default();
            let expected = walked(body)
                .filter(|&end| body[end] == b'"')
                .map(|end| &text[1..end + 1]);
            prop_assert_eq!(read, expected);
            if let Some(read) = read {
                prop_assert_eq!(cursor.at, read.len() + 2);
                let serde = serde_json::Deserializer::from_str(&text)
                    .into_iter::<String>()
                    .next()
                    .and_then(Result::ok);
                prop_assert_eq!(Some(read.to_owned()), serde);
            }
        }
    }

    proptest! {
        /// The skip without recursion against the one with, on values whole, cut, or
        /// with a byte put in or taken out, and followed by more text.
        #[test]
        fn skipping_a_value_agrees_with_the_recursive_skip(
            value in value_text(),
            damage in prop::option::of((any::<prop::sample::Index>(),
                prop::option::of(prop::sample::select(b"{}[],:\" x1".to_vec())))),
            after in prop::sample::select(vec!["", ",", "}", " ]", "x"]),
            depth in 0usize..20,
        ) {
            let mut bytes = format!("{}{value}{}", "[".repeat(depth), "]".repeat(depth))
                .into_bytes();
            if let Some((at, byte)) = damage {
                let at = at.index(bytes.len() + 1);
                match byte {
                    Some(byte) => bytes.insert(at, byte),
                    None if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    None => bytes.truncate(at.saturating_sub(1)),
                }
            }
            let Ok(mut text) = String::from_utf8(bytes) else {
                return Ok(());
            };
            text.push_str(after);
            let mut fast = Cursor::new(&text);
            let mut reference = Cursor::new(&text);
            let skipped = fast.skip_plain_value();
            let expected = reference.skip_plain_value_reference(PLAIN_DEPTH);
            prop_assert_eq!(skipped, expected);
            if skipped.is_some() {
                prop_assert_eq!(fast.at, reference.at);
            }
        }
    }

    proptest! {
        /// A value skipped as the one before it (the same text, or another) ends where
        /// and as the plain skip ends it.
        #[test]
        fn skipping_as_before_agrees_with_skipping(
            before in value_text(),
            value in value_text(),
            same in any::<bool>(),
            after in prop::sample::select(vec!["", ",", "}", "x", "1", " ]"]),
        ) {
            let mut last = Vec::new();
            let _ = Cursor::new(&before).skip_value_as_before(&mut last);
            let text = format!("{}{after}", if same { &before } else { &value });
            let mut recalled = Cursor::new(&text);
            let mut plain = Cursor::new(&text);
            let skipped = recalled.skip_value_as_before(&mut last);
            prop_assert_eq!(skipped, plain.skip_value());
            if skipped.is_some() {
                prop_assert_eq!(recalled.at, plain.at);
            }
        }
    }

    /// The table and the lookup agree, and every attribute key is known.
    #[test]
    fn every_attribute_key_is_found_at_its_place() {
        for (index, key) in ATTRIBUTE_KEYS.iter().enumerate() {
            assert_eq!(attribute_index(key), Some(index));
        }
        for wrong in [&b""[..], b"amounT", b"Amount", b"fee ", b"creditorIe"] {
            assert_eq!(attribute_index(wrong), None);
        }
    }

    /// Every byte in every lane of a word and in the tail after the last whole word.
    #[test]
    fn every_byte_in_every_lane_is_told_apart() {
        for length in 1..=20 {
            for at in 0..length {
                for byte in 0..=255u8 {
                    let mut text = vec![b'a'; length];
                    text[at] = byte;
                    assert_eq!(
                        special_byte(&text),
                        walked(&text),
                        "{byte:#x} at {at} of {length}"
                    );
                }
            }
        }
    }
}

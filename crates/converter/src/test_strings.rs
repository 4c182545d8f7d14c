//! Strings for the differential tests of the fast paths: what Ponto usually sends mixed
//! with everything that makes cleaning differ (controls, Unicode whitespace, characters
//! XML forbids, characters whose upper case is ASCII or longer).

use proptest::prelude::*;

/// Characters where a fast path could part from the general code.
const AWKWARD: &[char] = &[
    ' ', ' ', '\t', '\n', '\r', '\u{B}', '\u{C}', '\u{0}', '\u{1}', '\u{1C}', '\u{1F}', '\u{7F}',
    '\u{85}', '\u{A0}', '\u{1680}', '\u{2000}', '\u{200A}', '\u{200B}', '\u{2028}', '\u{2029}',
    '\u{202F}', '\u{205F}', '\u{3000}', '\u{FEFF}', '\u{FFFE}', '\u{FFFF}', '\u{202E}', '-', '/',
    '+', '.', 'ı', 'ſ', 'ß', 'ﬀ', 'é', 'É', 'ǅ', '😀', '&', '<',
];

pub fn awkward_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        3 => proptest::char::range('A', 'Z'),
        2 => proptest::char::range('0', '9'),
        1 => proptest::char::range('\u{0}', '\u{7F}'),
        4 => prop::sample::select(AWKWARD),
        1 => any::<char>(),
    ]
}

/// Up to `max` characters, mostly short as real fields are.
pub fn awkward_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(awkward_char(), 0..max).prop_map(String::from_iter)
}

/// Texts of every kind: awkward, already clean ASCII words, and long.
pub fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => awkward_string(40),
        2 => prop::collection::vec("[A-Za-z0-9/+.-]{1,8}", 1..6).prop_map(|w| w.join(" ")),
        1 => awkward_string(700),
        1 => prop::collection::vec("[a-z]{1,30}", 1..40).prop_map(|w| w.join(" ")),
    ]
}

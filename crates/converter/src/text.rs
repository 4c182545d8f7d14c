//! Text cleaning: what XML 1.0 forbids is removed, one-line fields lose their line
//! breaks, and every text respects its XSD length counted in characters (code points).

use crate::error::{ConvertError, excerpt};

/// XSD `Max140Text`: party names, `Ustrd`.
pub const MAX_NAME: usize = 140;
/// XSD `Max70Text`: account names.
pub const MAX_ACCOUNT_NAME: usize = 70;
/// XSD `Max140Text` of one `Ustrd` element.
pub const MAX_USTRD: usize = 140;
/// XSD `Max500Text`: `AddtlNtryInf`, `AddtlTxInf`.
pub const MAX_INFO: usize = 500;
/// XSD `Max35Text`: every id and reference.
pub const MAX_ID: usize = 35;
/// XSD `Max34Text`: `Othr/Id` of an account.
pub const MAX_OTHER_ACCOUNT_ID: usize = 34;
/// The longest text field accepted from Ponto, in bytes. Real fields are a few hundred
/// bytes at most; anything near this is corrupt or hostile and is refused rather than
/// cleaned, split and carried into a statement (or echoed into a log).
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Refuses a text field of `resource` longer than [`MAX_INPUT_BYTES`].
#[inline]
pub fn check_input_size(
    resource: &str,
    field: &str,
    value: Option<&str>,
) -> Result<(), ConvertError> {
    match value {
        Some(value) if value.len() > MAX_INPUT_BYTES => Err(too_long(resource, field, value)),
        _ => Ok(()),
    }
}

/// Kept out of line: the message is built only for a field that is too long.
#[cold]
fn too_long(resource: &str, field: &str, value: &str) -> ConvertError {
    ConvertError::FieldTooLong {
        resource: resource.to_owned(),
        field: field.to_owned(),
        bytes: value.len(),
        max: MAX_INPUT_BYTES,
        prefix: excerpt(value),
    }
}

/// Whether XML 1.0 allows the character at all (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD
/// #x10000-#x10FFFF; surrogates cannot occur in a Rust `char`).
pub fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Removes the characters XML 1.0 forbids, keeping line breaks.
pub fn strip_forbidden(text: &str) -> String {
    text.chars().filter(|&c| xml_allowed(c)).collect()
}

/// A one-line field: forbidden characters removed, any run of whitespace (CR, LF, TAB,
/// spaces) turned into one space, trimmed. `None` when nothing is left, because an empty
/// element is invalid (XSD minLength 1) and crashes the OCA importer.
pub fn one_line(text: &str) -> Option<String> {
    if is_clean_ascii_line(text) {
        return (!text.is_empty()).then(|| text.to_owned());
    }
    let mut line = String::with_capacity(text.len());
    push_cleaned_line(&mut line, text).then_some(line)
}

/// [`one_line`] on an optional value.
pub fn one_line_opt(text: Option<&str>) -> Option<String> {
    text.and_then(one_line)
}

/// Appends [`one_line`] of `text` to `out`; whether anything was appended. Lets a
/// caller build a joined text without a String per part.
pub(crate) fn push_one_line(out: &mut String, text: &str) -> bool {
    if is_clean_ascii_line(text) {
        out.push_str(text);
        return !text.is_empty();
    }
    push_cleaned_line(out, text)
}

/// [`push_one_line`] of a text that needs cleaning, kept out of line so that the
/// usual clean text is copied without setting up this loop.
#[inline(never)]
fn push_cleaned_line(out: &mut String, text: &str) -> bool {
    let start = out.len();
    out.reserve(text.len());
    let mut space = false;
    for c in text.chars().filter(|&c| xml_allowed(c)) {
        if c.is_whitespace() {
            space = out.len() > start;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out.len() > start
}

/// Whether `text` is already its own [`one_line`]: ASCII from 0x20 to 0x7F (DEL
/// included: XML allows it and it is no whitespace) whose only whitespace is single
/// spaces between words. Most of Ponto's texts are, and then cleaning them is a copy.
/// Looks at eight bytes at a time: this runs for every text field of every transaction.
fn is_clean_ascii_line(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut previous_space = true;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            return false;
        };
        let Some(spaces) = clean_ascii_spaces(u64::from_le_bytes(word)) else {
            return false;
        };
        // A space right after a space, the first one counting the last byte before.
        let after_space = (spaces << 8) | (u64::from(previous_space) << 7);
        if spaces & after_space != 0 {
            return false;
        }
        previous_space = spaces >> 63 != 0;
    }
    if words.remainder().is_empty() {
        return !previous_space || bytes.is_empty();
    }
    // The last eight bytes, overlapping words already checked: a pair of bytes across
    // its start lies inside one of those words, and was checked there.
    if let Some(last) = bytes.last_chunk::<8>() {
        let Some(spaces) = clean_ascii_spaces(u64::from_le_bytes(*last)) else {
            return false;
        };
        return spaces & (spaces << 8) == 0 && spaces >> 63 == 0;
    }
    for &b in words.remainder() {
        match b {
            b' ' if previous_space => return false,
            b' ' => previous_space = true,
            0x21..=0x7F => previous_space = false,
            _ => return false,
        }
    }
    !previous_space
}

const ONES: u64 = 0x0101_0101_0101_0101;
const TOP_BITS: u64 = 0x8080_8080_8080_8080;

/// For eight bytes that are all `0x20..=0x7F`: the top bit of each that is a space.
/// `None` when any byte is outside that range.
fn clean_ascii_spaces(word: u64) -> Option<u64> {
    // With every top bit clear no byte carries into the next below: `b + 0x60` reaches
    // the top bit exactly when `b >= 0x20`, and `(b ^ 0x20) + 0x7F` unless `b == 0x20`.
    if word & TOP_BITS != 0 || word.wrapping_add(0x60 * ONES) & TOP_BITS != TOP_BITS {
        return None;
    }
    Some(!(word ^ (0x20 * ONES)).wrapping_add(0x7F * ONES) & TOP_BITS)
}

/// [`str::trim`], without looking up Unicode whitespace when both ends are printable
/// ASCII (never whitespace), as they are in nearly every field.
pub(crate) fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Cuts `text` to at most `max` characters (names only: a cut name still identifies).
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].trim_end().to_owned(),
        None => text.to_owned(),
    }
}

/// [`truncate_chars`] of an owned text, in place: a text that fits is not copied.
pub(crate) fn truncate_owned(mut text: String, max: usize) -> String {
    // Fewer bytes than `max` means fewer characters: no need to count them.
    if text.len() <= max {
        return text;
    }
    if let Some((end, _)) = text.char_indices().nth(max) {
        let kept = text[..end].trim_end().len();
        text.truncate(kept);
    }
    text
}

/// Whether `text` has at most `max` characters, without counting them when its bytes
/// already say so.
pub(crate) fn fits_chars(text: &str, max: usize) -> bool {
    text.len() <= max || text.chars().count() <= max
}

/// A cleaned one-line name of at most `max` characters.
pub fn name(text: Option<&str>, max: usize) -> Option<String> {
    one_line_opt(text).map(|n| truncate_owned(n, max))
}

/// Splits a cleaned one-line text into pieces of at most `max` characters, breaking at
/// spaces, so that joining the pieces with single spaces gives the text back. Only a
/// single word longer than `max` is broken inside the word. Nothing is ever dropped.
/// Linear in the length of `text`: a long word is cut by walking it once, never by
/// copying its remainder for every piece.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word_len = word.chars().count();
        let needed = if current.is_empty() {
            word_len
        } else {
            current_len + 1 + word_len
        };
        if needed <= max {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
            current_len = needed;
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        let mut rest = word;
        let mut rest_len = word_len;
        while rest_len > max {
            let end = rest
                .char_indices()
                .nth(max)
                .map_or(rest.len(), |(end, _)| end);
            pieces.push(rest[..end].to_owned());
            rest = &rest[end..];
            rest_len -= max;
        }
        current = rest.to_owned();
        current_len = rest_len;
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// [`split_text`] of a [`one_line`] result, which is words separated by single spaces
/// by construction: one that fits is that piece, without looking at its spaces again.
pub(crate) fn split_one_line(text: String, max: usize) -> Vec<String> {
    if fits_chars(&text, max.max(1)) {
        return vec![text];
    }
    split_text(&text, max)
}

/// Joins the present, non-empty parts with `separator`.
pub fn join_present<'a>(
    parts: impl IntoIterator<Item = Option<&'a str>>,
    separator: &str,
) -> Option<String> {
    let parts: Vec<&str> = parts
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(separator))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_removed_and_line_breaks_become_spaces() {
        let hostile = "A\u{0}B\u{1}\u{8}C\r\nD\tE\u{B}\u{C}F\u{FFFE}\u{FFFF}  G";
        assert_eq!(one_line(hostile).as_deref(), Some("ABC D EF G"));
    }

    #[test]
    fn xml_specials_emoji_and_rtl_are_kept_for_the_writer_to_escape() {
        let text = "<a & \"b\"> 'c' 😀 שלום \u{202E}x";
        assert_eq!(one_line(text).as_deref(), Some(text));
    }

    #[test]
    fn only_whitespace_or_controls_is_omitted() {
        assert_eq!(one_line(" \r\n\t\u{1}\u{1F} "), None);
        assert_eq!(one_line_opt(None), None);
    }

    #[test]
    fn truncation_counts_characters_not_bytes() {
        let name = "é".repeat(200);
        let cut = truncate_chars(&name, MAX_NAME);
        assert_eq!(cut.chars().count(), 140);
        assert_eq!(truncate_chars("short", 140), "short");
    }

    #[test]
    fn truncation_does_not_leave_a_trailing_space() {
        assert_eq!(truncate_chars("abc def", 4), "abc");
    }

    #[test]
    fn long_remittance_is_split_at_word_boundaries_and_loses_nothing() {
        let words: Vec<String> = (0..120).map(|i| format!("word{i}")).collect();
        let text = words.join(" ");
        assert!(text.chars().count() > 600);
        let pieces = split_text(&text, MAX_USTRD);
        assert!(pieces.len() >= 5);
        assert!(
            pieces
                .iter()
                .all(|p| !p.is_empty() && p.chars().count() <= 140)
        );
        assert!(
            pieces
                .iter()
                .all(|p| !p.starts_with(' ') && !p.ends_with(' '))
        );
        assert_eq!(pieces.join(" "), text);
    }

    #[test]
    fn a_word_longer_than_the_limit_is_broken_inside_the_word() {
        let text = format!("a {} b", "x".repeat(300));
        let pieces = split_text(&text, 140);
        assert!(pieces.iter().all(|p| p.chars().count() <= 140));
        assert_eq!(pieces.concat().replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn a_long_word_is_cut_into_full_pieces_counting_characters() {
        let word = "é😀x".repeat(100);
        let pieces = split_text(&format!("ab {word} cd"), 140);
        let lengths: Vec<usize> = pieces.iter().map(|p| p.chars().count()).collect();
        assert_eq!(lengths, vec![2, 140, 140, 23]);
        assert_eq!(pieces[1..4].concat(), format!("{word} cd"));
        assert_eq!(split_text(&"z".repeat(280), 140).len(), 2);
    }

    #[test]
    fn splitting_megabytes_without_spaces_takes_linear_time() {
        // Copying the rest of the word for every piece took minutes for 8 MB; one walk
        // takes well under a second even unoptimised. The deadline makes a regression
        // fail instead of hanging the suite.
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let text = "x".repeat(8 * 1024 * 1024);
            let pieces = split_text(&text, MAX_USTRD);
            let all_full = pieces.iter().all(|p| p.len() <= MAX_USTRD);
            let _ = done.send((pieces.concat() == text, all_full));
        });
        let result = finished.recv_timeout(std::time::Duration::from_secs(30));
        assert_eq!(result, Ok((true, true)), "8 MB not split within 30 s");
    }

    #[test]
    fn input_up_to_64_kib_is_accepted() {
        let value = "a".repeat(MAX_INPUT_BYTES);
        assert_eq!(
            check_input_size("transaction t1", "x", Some(&value)),
            Ok(())
        );
        assert_eq!(check_input_size("transaction t1", "x", None), Ok(()));
    }

    #[test]
    fn input_over_64_kib_is_refused_without_echoing_it() {
        let value = format!("{}{}", "Invoice ", "9".repeat(MAX_INPUT_BYTES));
        let err = check_input_size(
            "transaction t1",
            "attributes.remittanceInformation",
            Some(&value),
        )
        .unwrap_err();
        assert!(matches!(
            &err,
            ConvertError::FieldTooLong { bytes, max: MAX_INPUT_BYTES, .. } if *bytes == value.len()
        ));
        let message = err.to_string();
        assert!(message.contains("transaction t1"));
        assert!(message.contains("attributes.remittanceInformation"));
        assert!(message.contains("Invoice 999"));
        assert!(message.len() < 300, "{message}");
    }

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(
            split_text("hello world", 140),
            vec!["hello world".to_owned()]
        );
        assert!(split_text("", 140).is_empty());
    }

    /// The code before its fast paths, kept to test them against.
    mod reference {
        use super::*;

        pub fn one_line(text: &str) -> Option<String> {
            let cleaned = strip_forbidden(text);
            let joined = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
            (!joined.is_empty()).then_some(joined)
        }

        /// Before [`split_one_line`], which knows its text is single-spaced.
        pub fn split_owned(text: String, max: usize) -> Vec<String> {
            if is_single_spaced(&text) && fits_chars(&text, max.max(1)) {
                return vec![text];
            }
            split_text(&text, max)
        }

        /// Whether `text` is words separated by single spaces, without a space at either end.
        fn is_single_spaced(text: &str) -> bool {
            let mut previous_space = true;
            for b in text.bytes() {
                let space = b == b' ';
                if space && previous_space {
                    return false;
                }
                previous_space = space;
            }
            !previous_space
        }

        /// Byte by byte, before it looked at eight at a time.
        pub fn is_clean_ascii_line(text: &str) -> bool {
            let bytes = text.as_bytes();
            let mut previous_space = true;
            for &b in bytes {
                match b {
                    b' ' if previous_space => return false,
                    b' ' => previous_space = true,
                    0x21..=0x7F => previous_space = false,
                    _ => return false,
                }
            }
            !previous_space || bytes.is_empty()
        }
    }

    mod fast_paths_match_the_reference {
        use super::*;
        use crate::test_strings::any_text;
        use proptest::prelude::*;

        /// Texts of the bytes around the edges of the eight-byte check (space, controls,
        /// DEL, a two-byte character) at every length and position.
        fn edgy_ascii() -> impl Strategy<Value = String> {
            let chars = prop::sample::select(vec![
                ' ', ' ', ' ', 'a', 'a', 'a', 'Z', '!', '~', '\u{7F}', '\u{1F}', '\u{0}', '\t',
                '\n', '\u{80}', '\u{A0}', 'é', '\u{3000}',
            ]);
            prop_oneof![
                prop::collection::vec(chars, 0..40).prop_map(String::from_iter),
                prop::collection::vec("[a-z]{1,9}", 0..8).prop_map(|w| w.join(" ")),
                (
                    prop::collection::vec("[a-z]{1,9}", 1..8),
                    0usize..80,
                    prop::sample::select(vec![" ", "  ", "\u{7F}", "\u{1F}", "é", "\n"])
                )
                    .prop_map(|(words, at, extra)| {
                        let mut text = words.join(" ");
                        let at = at.min(text.len());
                        text.insert_str(at, extra);
                        text
                    }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn is_clean_ascii_line_matches(text in prop_oneof![edgy_ascii(), any_text()]) {
                prop_assert_eq!(is_clean_ascii_line(&text), reference::is_clean_ascii_line(&text));
            }

            #[test]
            fn one_line_matches_on_edgy_ascii(text in edgy_ascii()) {
                prop_assert_eq!(one_line(&text), reference::one_line(&text));
            }

            #[test]
            fn trim_matches(text in prop_oneof![edgy_ascii(), any_text()]) {
                prop_assert_eq!(trim(&text), text.trim());
            }

            #[test]
            fn split_one_line_matches(text in prop_oneof![edgy_ascii(), any_text()], max in prop::sample::select(vec![0usize, 1, 3, 10, MAX_ID, MAX_USTRD])) {
                if let Some(line) = one_line(&text) {
                    prop_assert_eq!(split_one_line(line.clone(), max), split_text(&line, max));
                    prop_assert_eq!(split_one_line(line.clone(), max), reference::split_owned(line, max));
                }
            }

            #[test]
            fn one_line_matches(text in any_text()) {
                prop_assert_eq!(one_line(&text), reference::one_line(&text));
            }

            #[test]
            fn push_one_line_appends_one_line(prefix in any_text(), text in any_text()) {
                let mut out = prefix.clone();
                let pushed = push_one_line(&mut out, &text);
                let expected = reference::one_line(&text);
                prop_assert_eq!(pushed, expected.is_some());
                prop_assert_eq!(out, format!("{prefix}{}", expected.unwrap_or_default()));
            }

            #[test]
            fn truncate_owned_matches(text in any_text(), max in 0usize..60) {
                prop_assert_eq!(truncate_owned(text.clone(), max), truncate_chars(&text, max));
            }

            #[test]
            fn truncate_owned_matches_at_field_limits(text in any_text(), max in prop::sample::select(vec![MAX_ID, MAX_NAME, MAX_INFO])) {
                prop_assert_eq!(truncate_owned(text.clone(), max), truncate_chars(&text, max));
            }

            #[test]
            fn split_owned_matches(text in any_text(), max in prop::sample::select(vec![0usize, 1, 3, 10, MAX_ID, MAX_USTRD])) {
                prop_assert_eq!(reference::split_owned(text.clone(), max), split_text(&text, max));
            }

            #[test]
            fn split_owned_matches_on_cleaned_text(text in any_text()) {
                if let Some(line) = one_line(&text) {
                    prop_assert_eq!(reference::split_owned(line.clone(), MAX_USTRD), split_text(&line, MAX_USTRD));
                }
            }
        }
    }
}

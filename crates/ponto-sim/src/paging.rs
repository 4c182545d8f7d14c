//! Cursor paging as Ponto does it: `page[limit]` 1..100 (default 10), `page[before]` /
//! `page[after]` resource ids (or the unbracketed `limit`, `before`, `after`).
//! Positions are in display order (0 = newest); every page costs O(limit).

use crate::json::J;
use crate::response::ApiError;

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    First,
    Before(String),
    After(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    pub cursor: Cursor,
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let bracketed = format!("page[{name}]");
    query
        .iter()
        .find(|(k, _)| *k == bracketed)
        .or_else(|| query.iter().find(|(k, _)| k == name))
        .map(|(_, v)| v.as_str())
}

pub fn parse(query: &[(String, String)]) -> Result<PageRequest, ApiError> {
    let limit = match param(query, "limit") {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid_parameter(
                    "page[limit]",
                    &format!(
                        "page[limit] must be a number between 1 and {MAX_LIMIT}, got '{text}'"
                    ),
                ));
            }
        },
    };
    let before = param(query, "before").filter(|v| !v.is_empty());
    let after = param(query, "after").filter(|v| !v.is_empty());
    let cursor = match (before, after) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_parameter(
                "page[before]",
                "page[before] and page[after] cannot be used together",
            ));
        }
        (Some(id), None) => Cursor::Before(id.to_string()),
        (None, Some(id)) => Cursor::After(id.to_string()),
        (None, None) => Cursor::First,
    };
    Ok(PageRequest { limit, cursor })
}

/// The display positions `start..end` of one page out of `len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
    pub len: usize,
}

/// Computes the page; `position_of` maps a cursor id to its display position.
pub fn window(
    request: &PageRequest,
    len: usize,
    position_of: impl Fn(&str) -> Option<usize>,
) -> Result<Window, ApiError> {
    let limit = request.limit;
    let (start, end) = match &request.cursor {
        Cursor::First => (0, limit.min(len)),
        Cursor::After(id) => {
            let p = position_of(id)
                .ok_or_else(|| ApiError::invalid_parameter("page[after]", "unknown cursor"))?;
            (p + 1, (p + 1 + limit).min(len))
        }
        Cursor::Before(id) => {
            let p = position_of(id)
                .ok_or_else(|| ApiError::invalid_parameter("page[before]", "unknown cursor"))?;
            (p.saturating_sub(limit), p)
        }
    };
    Ok(Window { start, end, len })
}

/// `{"data", "links", "meta"}` of a collection page. `id_at` gives the id at a display position.
pub fn collection(
    data: Vec<J>,
    window: Window,
    limit: usize,
    list_url: &str,
    id_at: impl Fn(usize) -> String,
    mut extra_meta: Vec<(&str, J)>,
) -> J {
    let has_newer = window.start > 0 && window.end > window.start;
    let has_older = window.end < window.len;
    let before = has_newer.then(|| id_at(window.start));
    let after = (has_older && window.end > 0).then(|| id_at(window.end - 1));
    let mut links = vec![("first", J::Str(format!("{list_url}?page[limit]={limit}")))];
    if let Some(id) = &before {
        links.push((
            "prev",
            J::Str(format!("{list_url}?page[before]={id}&page[limit]={limit}")),
        ));
    }
    if let Some(id) = &after {
        links.push((
            "next",
            J::Str(format!("{list_url}?page[after]={id}&page[limit]={limit}")),
        ));
    }
    let paging = J::obj(vec![
        ("limit", J::num(limit)),
        ("before", before.map_or(J::Null, J::Str)),
        ("after", after.map_or(J::Null, J::Str)),
    ]);
    let mut meta = vec![("paging", paging)];
    meta.append(&mut extra_meta);
    J::obj(vec![
        ("data", J::Arr(data)),
        ("links", J::obj(links)),
        ("meta", J::obj(meta)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_both_spellings_and_rejects_bad_limits() {
        assert_eq!(
            parse(&q(&[])).unwrap(),
            PageRequest {
                limit: 10,
                cursor: Cursor::First
            }
        );
        assert_eq!(
            parse(&q(&[("limit", "100"), ("after", "x")]))
                .unwrap()
                .cursor,
            Cursor::After("x".into())
        );
        assert_eq!(parse(&q(&[("page[limit]", "7")])).unwrap().limit, 7);
        for bad in ["0", "101", "ten", "-1"] {
            assert_eq!(parse(&q(&[("page[limit]", bad)])).unwrap_err().status, 400);
        }
    }

    #[test]
    fn windows_move_both_ways() {
        let pos = |id: &str| id.parse::<usize>().ok();
        let req = |cursor| PageRequest { limit: 3, cursor };
        assert_eq!(
            window(&req(Cursor::First), 10, pos).unwrap(),
            Window {
                start: 0,
                end: 3,
                len: 10
            }
        );
        assert_eq!(
            window(&req(Cursor::After("2".into())), 10, pos).unwrap(),
            Window {
                start: 3,
                end: 6,
                len: 10
            }
        );
        assert_eq!(
            window(&req(Cursor::After("8".into())), 10, pos).unwrap(),
            Window {
                start: 9,
                end: 10,
                len: 10
            }
        );
        assert_eq!(
            window(&req(Cursor::Before("4".into())), 10, pos).unwrap(),
            Window {
                start: 1,
                end: 4,
                len: 10
            }
        );
        assert_eq!(
            window(&req(Cursor::Before("1".into())), 10, pos).unwrap(),
            Window {
                start: 0,
                end: 1,
                len: 10
            }
        );
    }
}

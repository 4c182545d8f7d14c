//! A tiny JSON tree written by hand: keys keep their order and numbers are written
//! from their exact decimal text (no f64 round trip, no `1e-5`).

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    /// JSON number text, written as is.
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
    /// Any JSON text, written as is: what Ponto may send one day (an unknown attribute,
    /// a number literal like `1e2`). Made by [`J::raw`], which checks it is JSON.
    Raw(String),
}

impl J {
    pub fn obj(fields: Vec<(&str, J)>) -> J {
        J::Obj(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    pub fn str(s: impl Into<String>) -> J {
        J::Str(s.into())
    }

    pub fn opt_str(s: &Option<String>) -> J {
        s.as_ref().map_or(J::Null, |s| J::Str(s.clone()))
    }

    pub fn num(n: impl ToString) -> J {
        J::Num(n.to_string())
    }

    /// `text` verbatim, when it is exactly one JSON value.
    pub fn raw(text: &str) -> Option<J> {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .map(|_| J::Raw(text.trim().to_string()))
    }

    /// Sets (replacing in place) or appends an object field.
    pub fn set(&mut self, key: &str, value: J) {
        if let J::Obj(fields) = self {
            match fields.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => fields.push((key.to_string(), value)),
            }
        }
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) | J::Raw(n) => out.push_str(n),
            J::Str(s) => write_string(out, s),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<&serde_json::Value> for J {
    fn from(value: &serde_json::Value) -> J {
        match value {
            serde_json::Value::Null => J::Null,
            serde_json::Value::Bool(b) => J::Bool(*b),
            serde_json::Value::Number(n) => J::Num(n.to_string()),
            serde_json::Value::String(s) => J::Str(s.clone()),
            serde_json::Value::Array(items) => J::Arr(items.iter().map(J::from).collect()),
            serde_json::Value::Object(map) => {
                J::Obj(map.iter().map(|(k, v)| (k.clone(), J::from(v))).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::J;

    #[test]
    fn writes_numbers_verbatim_and_escapes_strings() {
        let j = J::obj(vec![
            ("amount", J::num("-125.40")),
            ("text", J::str("a\"b\n\u{1}")),
            ("list", J::Arr(vec![J::Null, J::Bool(true)])),
        ]);
        assert_eq!(
            j.to_text(),
            r#"{"amount":-125.40,"text":"a\"b\n\u0001","list":[null,true]}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&j.to_text()).unwrap();
        assert_eq!(parsed["text"], "a\"b\n\u{1}");
    }

    #[test]
    fn raw_text_is_checked_and_written_verbatim() {
        let raw = J::raw(" {\"a\": null, \"n\": 1e2} ").expect("JSON");
        let j = J::obj(vec![("x", raw), ("fee", J::raw("1.10").expect("number"))]);
        assert_eq!(j.to_text(), r#"{"x":{"a": null, "n": 1e2},"fee":1.10}"#);
        assert_eq!(J::raw("{\"a\":"), None);
        assert_eq!(J::raw("1 2"), None);
        assert_eq!(J::raw(""), None);
    }
}

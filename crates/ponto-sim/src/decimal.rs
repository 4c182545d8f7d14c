//! Exact decimal amounts: parsed from and written as text, never through f64.

/// A decimal number `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec {
    pub mantissa: i128,
    pub scale: u32,
}

impl Dec {
    pub fn cents(cents: i64) -> Dec {
        Dec {
            mantissa: cents as i128,
            scale: 2,
        }
    }

    /// Parses JSON-number-like decimal text: `-125.40`, `12`, `0.5`. No exponents.
    pub fn parse(text: &str) -> Option<Dec> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = match rest.split_once('.') {
            Some((i, f)) => (i, f),
            None => (rest, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !all_digits(int) || !all_digits(frac) || rest.ends_with('.') {
            return None;
        }
        if frac.len() > 18 || int.len() > 18 {
            return None;
        }
        let mantissa: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Dec {
            mantissa: if negative { -mantissa } else { mantissa },
            scale: frac.len() as u32,
        })
    }

    fn rescaled(self, scale: u32) -> i128 {
        self.mantissa * 10i128.pow(scale - self.scale)
    }

    pub fn add(self, other: Dec) -> Dec {
        let scale = self.scale.max(other.scale);
        Dec {
            mantissa: self.rescaled(scale) + other.rescaled(scale),
            scale,
        }
    }

    /// Written with at least `min_scale` decimals (never fewer than it has).
    pub fn to_text(self, min_scale: u32) -> String {
        let scale = self.scale.max(min_scale);
        let m = self.rescaled(scale);
        let digits = m.unsigned_abs().to_string();
        let sign = if m < 0 { "-" } else { "" };
        if scale == 0 {
            return format!("{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale as usize + 1);
        let (int, frac) = padded.split_at(padded.len() - scale as usize);
        format!("{sign}{int}.{frac}")
    }

    /// Written without trailing zeros: `-125.4`, `12`.
    pub fn to_trimmed_text(self) -> String {
        let text = self.to_text(0);
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Dec;

    #[test]
    fn parses_and_writes_exactly() {
        let d = Dec::parse("-125.40").unwrap();
        assert_eq!(d.to_text(2), "-125.40");
        assert_eq!(d.to_trimmed_text(), "-125.4");
        assert_eq!(Dec::parse("0.05").unwrap().to_text(2), "0.05");
        assert_eq!(Dec::parse("-0.05").unwrap().to_trimmed_text(), "-0.05");
        assert_eq!(Dec::parse("12").unwrap().to_text(2), "12.00");
        assert_eq!(
            Dec::parse("1.5")
                .unwrap()
                .add(Dec::parse("-0.25").unwrap())
                .to_text(2),
            "1.25"
        );
        assert!(Dec::parse("1e5").is_none());
        assert!(Dec::parse("1.").is_none());
        assert!(Dec::parse(".5").is_none());
        assert!(Dec::parse("").is_none());
    }
}

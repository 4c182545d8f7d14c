//! Bank references with valid check digits: IBANs, Belgian structured communications
//! (OGM/VCS), ISO 11649 RF creditor references and SEPA creditor identifiers.

use crate::rng::Rng;

/// ISO 7064 mod 97-10 of an alphanumeric string (letters count as 10..35).
pub fn mod97(text: &str) -> u32 {
    let mut rest: u32 = 0;
    for c in text.chars() {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => continue,
        };
        let digits = if value >= 10 { 100 } else { 10 };
        rest = (rest * digits + value) % 97;
    }
    rest
}

fn check_digits(body: &str, country: &str) -> u32 {
    98 - mod97(&format!("{body}{country}00"))
}

/// An IBAN for `country` from a national account number (BBAN).
pub fn iban(country: &str, bban: &str) -> String {
    format!("{country}{:02}{bban}", check_digits(bban, country))
}

/// A random IBAN of a given country with a well-formed BBAN.
pub fn random_iban(rng: &mut Rng, country: &str) -> String {
    let bban = match country {
        "DE" => format!(
            "{}{}",
            rng.pick(&["50070010", "10010010", "37040044", "70020270"]),
            rng.digits(10)
        ),
        "BE" => belgian_bban(&format!(
            "{}{}",
            rng.pick(&["001", "068", "310", "735", "363"]),
            rng.digits(7)
        )),
        "NL" => format!(
            "{}{}",
            rng.pick(&["INGB", "RABO", "ABNA", "TRIO", "SNSB"]),
            rng.digits(10)
        ),
        "AT" => format!(
            "{}{}",
            rng.pick(&["20111", "12000", "32000"]),
            rng.digits(11)
        ),
        _ => format!("{}{}", rng.pick(&["001", "002", "019"]), rng.digits(13)),
    };
    iban(country, &bban)
}

/// Belgian BBAN: 10 digits plus their national mod-97 check (0 becomes 97).
pub fn belgian_bban(ten_digits: &str) -> String {
    let value: u64 = ten_digits.parse().unwrap_or(0);
    let check = match value % 97 {
        0 => 97,
        c => c,
    };
    format!("{ten_digits}{check:02}")
}

/// An IBAN written in groups of four, as people type it.
pub fn spaced(iban: &str) -> String {
    iban.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Belgian structured communication `+++123/4567/89012+++` with a valid check.
pub fn belgian_ogm(rng: &mut Rng) -> String {
    let base = rng.digits(10);
    let full = belgian_bban(&base);
    format!("+++{}/{}/{}+++", &full[0..3], &full[3..7], &full[7..12])
}

/// ISO 11649 creditor reference `RFkk...` with valid check digits.
pub fn rf_reference(rng: &mut Rng) -> String {
    let reference = format!("{}{}", rng.pick(&["INV", "RE", "F", ""]), rng.digits(8));
    format!("RF{:02}{reference}", check_digits(&reference, "RF"))
}

/// SEPA creditor identifier: country, check digits over the national id, `ZZZ`, national id.
pub fn creditor_id(country: &str, national_id: &str) -> String {
    format!(
        "{country}{:02}ZZZ{national_id}",
        check_digits(national_id, country)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_pass_mod97() {
        let mut rng = Rng::new(7);
        for country in ["DE", "BE", "NL", "AT", "LU"] {
            let iban = random_iban(&mut rng, country);
            let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
            assert_eq!(mod97(&rearranged), 1, "{iban}");
        }
        assert_eq!(iban("BE", "096123456769"), "BE71096123456769");
    }

    #[test]
    fn structured_references_are_valid() {
        let mut rng = Rng::new(9);
        let ogm = belgian_ogm(&mut rng);
        let digits: String = ogm.chars().filter(char::is_ascii_digit).collect();
        let base: u64 = digits[..10].parse().unwrap();
        let check: u64 = digits[10..].parse().unwrap();
        assert_eq!(
            if base.is_multiple_of(97) {
                97
            } else {
                base % 97
            },
            check
        );
        let rf = rf_reference(&mut rng);
        assert_eq!(mod97(&format!("{}{}", &rf[4..], &rf[..4])), 1, "{rf}");
        // the Bundesbank's published example creditor id
        assert_eq!(creditor_id("DE", "09999999999"), "DE98ZZZ09999999999");
    }
}

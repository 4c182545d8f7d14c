//! `BkTxCd`: ISO domain codes only from the external code list (an unknown but
//! well-formed code crashed Odoo Enterprise 16's importer), Ponto's proprietary code in
//! `Prtry/Cd`, and the neutral `PMNT/NTAV/NTAV` when neither exists.

use crate::text::{MAX_ID, one_line_opt, truncate_chars};
use camt053::{BankTransactionCode, DomainCode, ProprietaryCode};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The ISO 20022 External Bank Transaction Code combinations, `DOMN-FMLY-SBFM` per line.
const CODE_LIST: &str = include_str!("../data/bank-transaction-codes.txt");

fn known_codes() -> &'static HashSet<&'static str> {
    static CODES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    CODES.get_or_init(|| {
        CODE_LIST
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

/// Whether `DOMN-FMLY-SBFM` is on the ISO list.
pub fn is_known_combination(domain: &str, family: &str, sub_family: &str) -> bool {
    known_codes().contains(format!("{domain}-{family}-{sub_family}").as_str())
}

/// Ponto's `bankTransactionCode` as a domain code, when it is a listed combination.
/// Separators `-` `/` `+` `.` and spaces are accepted, case is ignored.
pub fn iso_code(code: &str) -> Option<DomainCode> {
    let upper = code.trim().to_uppercase();
    let parts: Vec<&str> = upper
        .split(['-', '/', '+', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [domain, family, sub_family] if is_known_combination(domain, family, sub_family) => {
            Some(DomainCode {
                domain: (*domain).to_owned(),
                family: (*family).to_owned(),
                sub_family: (*sub_family).to_owned(),
            })
        }
        _ => None,
    }
}

/// The neutral code for "not available".
pub fn not_available() -> DomainCode {
    DomainCode {
        domain: "PMNT".to_owned(),
        family: "NTAV".to_owned(),
        sub_family: "NTAV".to_owned(),
    }
}

fn proprietary(code: Option<&str>) -> Option<ProprietaryCode> {
    one_line_opt(code).map(|code| ProprietaryCode {
        code: truncate_chars(&code, MAX_ID),
        issuer: None,
    })
}

/// The entry's `BkTxCd` from Ponto's two codes. A bank code that is not on the list is
/// kept as `Prtry/Cd` when there is no proprietary code, so it is not lost; the domain
/// then falls back to `PMNT/NTAV/NTAV`.
pub fn bank_transaction_code(
    iso: Option<&str>,
    proprietary_code: Option<&str>,
) -> BankTransactionCode {
    let (domain, proprietary) = match (iso.and_then(iso_code), proprietary(proprietary_code)) {
        (Some(domain), own) => (Some(domain), own),
        (None, Some(own)) => (None, Some(own)),
        (None, None) => (Some(not_available()), proprietary(iso)),
    };
    BankTransactionCode {
        domain,
        proprietary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(code: &BankTransactionCode) -> Option<String> {
        code.domain
            .as_ref()
            .map(|d| format!("{}-{}-{}", d.domain, d.family, d.sub_family))
    }

    #[test]
    fn the_list_has_the_common_codes_and_only_four_letter_parts() {
        for code in [
            "PMNT-RCDT-ESCT",
            "PMNT-ICDT-ESCT",
            "PMNT-RDDT-ESDD",
            "PMNT-IDDT-ESDD",
            "PMNT-CCRD-POSD",
            "PMNT-CCRD-CWDL",
            "ACMT-MDOP-CHRG",
            "ACMT-MCOP-INTR",
            "PMNT-NTAV-NTAV",
            "PMNT-OTHR-OTHR",
            "XTND-NTAV-NTAV",
            "SECU-CORP-DVCA",
        ] {
            assert!(known_codes().contains(code), "{code}");
        }
        assert!(known_codes().len() > 1000);
        for code in known_codes() {
            let parts: Vec<&str> = code.split('-').collect();
            assert_eq!(parts.len(), 3, "{code}");
            assert!(
                parts.iter().all(|p| p.len() == 4
                    && p.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())),
                "{code}"
            );
        }
    }

    #[test]
    fn known_code_goes_to_domain() {
        let code = bank_transaction_code(Some("PMNT-RCDT-ESCT"), None);
        assert_eq!(domain(&code).as_deref(), Some("PMNT-RCDT-ESCT"));
        assert_eq!(code.proprietary, None);
    }

    #[test]
    fn other_separators_and_lower_case_are_accepted() {
        for code in [
            "pmnt/icdt/esct",
            "PMNT+ICDT+ESCT",
            "PMNT.ICDT.ESCT",
            " PMNT ICDT ESCT ",
        ] {
            assert_eq!(
                domain(&bank_transaction_code(Some(code), None)).as_deref(),
                Some("PMNT-ICDT-ESCT")
            );
        }
    }

    #[test]
    fn unknown_but_well_formed_code_never_becomes_a_domain() {
        let code = bank_transaction_code(Some("PMNT-ABCD-EFGH"), None);
        assert_eq!(domain(&code).as_deref(), Some("PMNT-NTAV-NTAV"));
        assert_eq!(
            code.proprietary.map(|p| p.code).as_deref(),
            Some("PMNT-ABCD-EFGH")
        );
    }

    #[test]
    fn proprietary_only_goes_to_prtry_without_issuer() {
        let code = bank_transaction_code(None, Some(" 01-50-0 \n"));
        assert_eq!(code.domain, None);
        let prtry = code.proprietary.unwrap();
        assert_eq!(prtry.code, "01-50-0");
        assert_eq!(prtry.issuer, None);
    }

    #[test]
    fn both_codes_are_kept() {
        let code = bank_transaction_code(Some("PMNT-IDDT-ESDD"), Some("NDDT+105"));
        assert_eq!(domain(&code).as_deref(), Some("PMNT-IDDT-ESDD"));
        assert_eq!(code.proprietary.unwrap().code, "NDDT+105");
    }

    #[test]
    fn unknown_code_with_proprietary_keeps_the_proprietary_code() {
        let code = bank_transaction_code(Some("FOO"), Some("X1"));
        assert_eq!(code.domain, None);
        assert_eq!(code.proprietary.unwrap().code, "X1");
    }

    #[test]
    fn none_gives_not_available() {
        let code = bank_transaction_code(None, None);
        assert_eq!(domain(&code).as_deref(), Some("PMNT-NTAV-NTAV"));
        assert_eq!(code.proprietary, None);
        let blank = bank_transaction_code(Some("  "), Some("\u{1}"));
        assert_eq!(domain(&blank).as_deref(), Some("PMNT-NTAV-NTAV"));
    }

    #[test]
    fn long_proprietary_code_fits_35() {
        let code = bank_transaction_code(None, Some(&"Z".repeat(50)));
        assert_eq!(code.proprietary.unwrap().code.chars().count(), 35);
    }
}

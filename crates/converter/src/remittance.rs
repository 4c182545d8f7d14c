//! `RmtInf`: a structured creditor reference (Belgian `+++…+++`, RF) goes to
//! `Strd/CdtrRefInf` typed SCOR when it fits 35 characters; everything else is
//! unstructured and split over several `Ustrd`, never cut.

use crate::text::{MAX_ID, MAX_USTRD, fits_chars, one_line_opt, split_one_line, trim};
use camt053::{CreditorReference, Remittance};

/// `RmtInf` from Ponto's `remittanceInformation` and `remittanceInformationType`.
pub fn remittance(information: Option<&str>, kind: Option<&str>) -> Remittance {
    let Some(text) = one_line_opt(information) else {
        return Remittance::default();
    };
    let structured = kind.is_some_and(|k| trim(k).eq_ignore_ascii_case("structured"));
    if structured && fits_chars(&text, MAX_ID) {
        return Remittance {
            unstructured: Vec::new(),
            creditor_reference: Some(CreditorReference {
                kind: Some("SCOR".to_owned()),
                reference: text,
            }),
        };
    }
    Remittance {
        unstructured: split_one_line(text, MAX_USTRD),
        creditor_reference: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belgian_structured_reference_goes_to_scor() {
        let rmt = remittance(Some("+++123/4567/89012+++"), Some("structured"));
        let reference = rmt.creditor_reference.unwrap();
        assert_eq!(reference.kind.as_deref(), Some("SCOR"));
        assert_eq!(reference.reference, "+++123/4567/89012+++");
        assert!(rmt.unstructured.is_empty());
    }

    #[test]
    fn rf_reference_goes_to_scor() {
        let rmt = remittance(Some("RF18539007547034"), Some("Structured"));
        assert_eq!(
            rmt.creditor_reference.unwrap().reference,
            "RF18539007547034"
        );
    }

    #[test]
    fn too_long_structured_text_becomes_unstructured_uncut() {
        let text = "S".repeat(36);
        let rmt = remittance(Some(&text), Some("structured"));
        assert_eq!(rmt.creditor_reference, None);
        assert_eq!(rmt.unstructured, vec![text]);
    }

    #[test]
    fn unstructured_600_characters_are_split() {
        let text = "lorem ipsum dolor sit amet ".repeat(23);
        let rmt = remittance(Some(&text), Some("unstructured"));
        assert!(rmt.unstructured.len() >= 5);
        assert!(rmt.unstructured.iter().all(|u| u.chars().count() <= 140));
        assert_eq!(rmt.unstructured.join(" "), text.trim());
    }

    #[test]
    fn empty_remittance_is_omitted() {
        assert!(remittance(Some("\r\n"), None).is_empty());
        assert!(remittance(None, Some("structured")).is_empty());
    }
}

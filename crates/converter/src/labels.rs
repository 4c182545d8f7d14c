//! The statement line's label. The OCA importer takes the label from `Ustrd` only and
//! lets `AddtlTxInf` replace it; Odoo matches the label against the invoice's payment
//! reference. So `AddtlTxInf` is written only when there is no unstructured remittance,
//! and then carries the best text Ponto had, so a line is never labelled "/".

use crate::text::{MAX_INFO, join_present, one_line_opt, truncate_owned};
use camt053::Remittance;

/// Texts of a Ponto transaction a label can come from.
#[derive(Debug, Clone, Copy, Default)]
pub struct LabelSources<'a> {
    pub description: Option<&'a str>,
    pub counterpart_name: Option<&'a str>,
    pub card_reference: Option<&'a str>,
    pub counterpart_reference: Option<&'a str>,
    pub additional_information: Option<&'a str>,
    pub end_to_end_id: Option<&'a str>,
}

/// `AddtlTxInf`: none when `Ustrd` already labels the line; else the structured
/// reference; else description and counterpart name; else any other text Ponto had.
pub fn additional_transaction_info(
    remittance: &Remittance,
    sources: &LabelSources,
) -> Option<String> {
    if !remittance.unstructured.is_empty() {
        return None;
    }
    if let Some(reference) = &remittance.creditor_reference {
        return Some(reference.reference.clone());
    }
    let description = one_line_opt(sources.description);
    let name = one_line_opt(sources.counterpart_name);
    let label = join_present([description.as_deref(), name.as_deref()], " ").or_else(|| {
        [
            sources.card_reference,
            sources.counterpart_reference,
            sources.additional_information,
            sources.end_to_end_id,
        ]
        .into_iter()
        .find_map(one_line_opt)
    })?;
    Some(truncate_owned(label, MAX_INFO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remittance::remittance;

    #[test]
    fn unstructured_remittance_means_no_additional_info() {
        let rmt = remittance(Some("Invoice 42"), None);
        let sources = LabelSources {
            description: Some("SEPA transfer"),
            ..Default::default()
        };
        assert_eq!(additional_transaction_info(&rmt, &sources), None);
    }

    #[test]
    fn structured_reference_reaches_the_label() {
        let rmt = remittance(Some("+++090/9337/55493+++"), Some("structured"));
        let sources = LabelSources {
            description: Some("SEPA transfer"),
            ..Default::default()
        };
        assert_eq!(
            additional_transaction_info(&rmt, &sources).as_deref(),
            Some("+++090/9337/55493+++")
        );
    }

    #[test]
    fn description_and_name_when_no_remittance() {
        let sources = LabelSources {
            description: Some("Card payment\n"),
            counterpart_name: Some(" Bakery "),
            ..Default::default()
        };
        assert_eq!(
            additional_transaction_info(&Remittance::default(), &sources).as_deref(),
            Some("Card payment Bakery")
        );
    }

    #[test]
    fn any_text_ponto_had_becomes_the_label() {
        for sources in [
            LabelSources {
                card_reference: Some("1234XXXX5678"),
                ..Default::default()
            },
            LabelSources {
                counterpart_reference: Some("BE68539007547034"),
                ..Default::default()
            },
            LabelSources {
                additional_information: Some("extra"),
                ..Default::default()
            },
            LabelSources {
                end_to_end_id: Some("E2E"),
                ..Default::default()
            },
        ] {
            let label = additional_transaction_info(&Remittance::default(), &sources);
            assert!(label.is_some_and(|l| !l.is_empty() && l != "/"));
        }
    }

    #[test]
    fn nothing_gives_no_label() {
        let sources = LabelSources {
            description: Some(" \u{2} "),
            ..Default::default()
        };
        assert_eq!(
            additional_transaction_info(&Remittance::default(), &sources),
            None
        );
    }

    #[test]
    fn label_fits_500_characters() {
        let long = "d".repeat(700);
        let sources = LabelSources {
            description: Some(&long),
            ..Default::default()
        };
        let label = additional_transaction_info(&Remittance::default(), &sources).unwrap();
        assert_eq!(label.chars().count(), 500);
    }
}

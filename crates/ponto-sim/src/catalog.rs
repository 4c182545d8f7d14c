//! Fixed simulated world: banks, organizations and the names that appear in the data.

/// How a bank writes booking and value dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// date-only bank: local midnight expressed in UTC (`2024-03-04T23:00:00.000Z`)
    LocalMidnight,
    /// real booking times, converted from local time to UTC (some near midnight)
    LocalTime,
    /// plain UTC midnight (`2024-03-05T00:00:00.000Z`)
    UtcMidnight,
}

#[derive(Debug, Clone, Copy)]
pub struct Bank {
    pub name: &'static str,
    pub bic: &'static str,
    pub country: &'static str,
    pub time_zone: Option<&'static str>,
    pub date_style: DateStyle,
    /// writes amounts with two decimals (`-125.40`) rather than trimmed (`-125.4`)
    pub fixed_decimals: bool,
    /// descriptions for incoming transfer, outgoing transfer, direct debit, card, fee
    pub words: [&'static str; 5],
    pub proprietary_codes: [&'static str; 5],
}

pub const BANKS: [Bank; 6] = [
    Bank {
        name: "Deutsche Bank",
        bic: "DEUTDEFFXXX",
        country: "DE",
        time_zone: Some("Europe/Berlin"),
        date_style: DateStyle::LocalMidnight,
        fixed_decimals: true,
        words: [
            "SEPA-Gutschrift",
            "SEPA-Überweisung",
            "SEPA-Lastschrift",
            "Kartenzahlung",
            "Entgelt",
        ],
        proprietary_codes: ["166", "116", "105", "106", "805"],
    },
    Bank {
        name: "KBC Bank",
        bic: "KREDBEBB",
        country: "BE",
        time_zone: Some("Europe/Brussels"),
        date_style: DateStyle::LocalMidnight,
        fixed_decimals: false,
        words: [
            "Europese overschrijving",
            "Overschrijving",
            "Europese domiciliëring",
            "Betaling Bancontact",
            "Kosten",
        ],
        proprietary_codes: [
            "01-50-000",
            "01-01-000",
            "05-03-000",
            "04-37-000",
            "35-01-000",
        ],
    },
    Bank {
        name: "ING Bank",
        bic: "INGBNL2A",
        country: "NL",
        time_zone: Some("Europe/Amsterdam"),
        date_style: DateStyle::LocalTime,
        fixed_decimals: false,
        words: [
            "SEPA Overboeking",
            "SEPA Overboeking",
            "SEPA Incasso algemeen doorlopend",
            "Betaalautomaat",
            "Kosten",
        ],
        proprietary_codes: ["OV", "OV", "IC", "BA", "DV"],
    },
    Bank {
        name: "Wise",
        bic: "TRWIBEB1XXX",
        country: "BE",
        time_zone: None,
        date_style: DateStyle::UtcMidnight,
        fixed_decimals: false,
        words: [
            "Received money",
            "Sent money",
            "Direct debit",
            "Card transaction",
            "Wise fee",
        ],
        proprietary_codes: ["TRANSFER", "TRANSFER", "DIRECT_DEBIT", "CARD", "FEE"],
    },
    Bank {
        name: "Belfius Bank",
        bic: "GKCCBEBB",
        country: "BE",
        time_zone: Some("Europe/Brussels"),
        date_style: DateStyle::LocalMidnight,
        fixed_decimals: true,
        words: [
            "Virement européen",
            "Virement",
            "Domiciliation européenne",
            "Paiement Bancontact",
            "Frais",
        ],
        proprietary_codes: ["0150", "0101", "0503", "0437", "3501"],
    },
    Bank {
        name: "Rabobank",
        bic: "RABONL2U",
        country: "NL",
        time_zone: Some("Europe/Amsterdam"),
        date_style: DateStyle::LocalMidnight,
        fixed_decimals: true,
        words: [
            "Overboeking",
            "Overboeking",
            "Incasso",
            "Betaalautomaat",
            "Kosten",
        ],
        proprietary_codes: ["cb", "tb", "ei", "ba", "ck"],
    },
];

/// One simulated account before ids are drawn.
#[derive(Debug, Clone, Copy)]
pub struct AccountSpec {
    pub bank: usize,
    pub currency: &'static str,
    pub description: &'static str,
    pub product: &'static str,
}

pub struct OrganizationSpec {
    pub name: &'static str,
    pub accounts: &'static [AccountSpec],
}

pub const ORGANIZATIONS: [OrganizationSpec; 2] = [
    OrganizationSpec {
        name: "Müller & Peeters Handel GmbH",
        accounts: &[
            AccountSpec {
                bank: 0,
                currency: "EUR",
                description: "Geschäftskonto",
                product: "Business Giro",
            },
            AccountSpec {
                bank: 1,
                currency: "EUR",
                description: "Zichtrekening",
                product: "KBC-Bedrijfsrekening",
            },
            AccountSpec {
                bank: 2,
                currency: "EUR",
                description: "Zakelijke rekening",
                product: "Zakelijke Betaalrekening",
            },
            AccountSpec {
                bank: 3,
                currency: "USD",
                description: "USD balance",
                product: "Wise Business",
            },
        ],
    },
    OrganizationSpec {
        name: "Bakkerij De Vries BV",
        accounts: &[
            AccountSpec {
                bank: 4,
                currency: "EUR",
                description: "Compte courant",
                product: "Belfius Business",
            },
            AccountSpec {
                bank: 5,
                currency: "EUR",
                description: "Rabo Zakelijke Rekening",
                product: "Rabo BasisPakket",
            },
        ],
    },
];

/// A counterpart company: name, country of its IBAN, creditor national id for direct debits.
pub struct Company {
    pub name: &'static str,
    pub country: &'static str,
    pub creditor_national_id: &'static str,
}

pub const COMPANIES: [Company; 18] = [
    Company {
        name: "Stadtwerke München GmbH",
        country: "DE",
        creditor_national_id: "00000024151",
    },
    Company {
        name: "Deutsche Telekom AG",
        country: "DE",
        creditor_national_id: "00000012345",
    },
    Company {
        name: "Müller Bürobedarf GmbH & Co. KG",
        country: "DE",
        creditor_national_id: "00000098765",
    },
    Company {
        name: "Schäfer Logistik GmbH",
        country: "DE",
        creditor_national_id: "00000055512",
    },
    Company {
        name: "Allianz Versicherungs-AG",
        country: "DE",
        creditor_national_id: "00000002001",
    },
    Company {
        name: "Proximus NV",
        country: "BE",
        creditor_national_id: "0202239951",
    },
    Company {
        name: "Engie Electrabel SA",
        country: "BE",
        creditor_national_id: "0403170701",
    },
    Company {
        name: "Brouwerij Het Anker BV",
        country: "BE",
        creditor_national_id: "0401289511",
    },
    Company {
        name: "Colruyt Group NV",
        country: "BE",
        creditor_national_id: "0400378485",
    },
    Company {
        name: "Dubois & Fils SPRL",
        country: "BE",
        creditor_national_id: "0456123987",
    },
    Company {
        name: "Eneco B.V.",
        country: "NL",
        creditor_national_id: "240520400000",
    },
    Company {
        name: "KPN B.V.",
        country: "NL",
        creditor_national_id: "272860500000",
    },
    Company {
        name: "Bol.com B.V.",
        country: "NL",
        creditor_national_id: "320478390000",
    },
    Company {
        name: "Van der Berg Installatietechniek",
        country: "NL",
        creditor_national_id: "123456780000",
    },
    Company {
        name: "Achmea Schadeverzekeringen N.V.",
        country: "NL",
        creditor_national_id: "082922810000",
    },
    Company {
        name: "Österreichische Post AG",
        country: "AT",
        creditor_national_id: "00000000123",
    },
    Company {
        name: "Luxembourg Online S.A.",
        country: "LU",
        creditor_national_id: "0000000456",
    },
    Company {
        name: "Maison Lefèvre SARL",
        country: "LU",
        creditor_national_id: "0000000789",
    },
];

pub const PEOPLE: [&str; 14] = [
    "Jürgen Schäfer",
    "Anna Müller",
    "Katharina Weiß",
    "Lukas Becker",
    "Jan Peeters",
    "Marie Dubois",
    "Lotte Janssens",
    "Thomas Claes",
    "Pieter de Vries",
    "Sanne van Dijk",
    "Daan Bakker",
    "Emma Visser",
    "François Lemaître",
    "Zoë O'Brien",
];

pub const MERCHANTS: [(&str, &str); 12] = [
    ("ALDI SUED", "MUENCHEN"),
    ("SHELL 4711", "KOELN"),
    ("DB Vertrieb GmbH", "FRANKFURT"),
    ("DELHAIZE LE LION", "BRUXELLES"),
    ("COLRUYT 0123", "GENT"),
    ("NMBS/SNCB", "BRUSSEL"),
    ("ALBERT HEIJN 1234", "AMSTERDAM"),
    ("NS GROEP IZ NS REIZIGERS", "UTRECHT"),
    ("IKEA", "DELFT"),
    ("AMAZON EU SARL", "LUXEMBOURG"),
    ("TOTALENERGIES", "ANTWERPEN"),
    ("HEMA", "ROTTERDAM"),
];

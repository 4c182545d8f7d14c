//! JSON:API resources as Ponto writes them.

use crate::generate::amount_text;
use crate::json::J;
use crate::model::Tx;
use crate::world::{Account, Institution, Sync, SyncError, World};

fn num_or_null(text: &Option<String>) -> J {
    text.as_ref().map_or(J::Null, |t| J::Num(t.clone()))
}

fn link(href: String) -> J {
    J::obj(vec![("related", J::Str(href))])
}

pub fn transaction(
    tx: &Tx,
    account: &Account,
    base: &str,
    kind: &str,
    overrides: Option<&Vec<(String, J)>>,
) -> J {
    let mut attributes = J::obj(vec![
        ("valueDate", J::str(&tx.value_date)),
        ("executionDate", J::str(&tx.execution_date)),
        ("amount", J::Num(tx.amount_text.clone())),
        ("currency", J::str(&tx.currency)),
        ("counterpartName", J::opt_str(&tx.counterpart_name)),
        (
            "counterpartReference",
            J::opt_str(&tx.counterpart_reference),
        ),
        ("description", J::opt_str(&tx.description)),
        (
            "remittanceInformationType",
            J::opt_str(&tx.remittance_information_type),
        ),
        (
            "remittanceInformation",
            J::opt_str(&tx.remittance_information),
        ),
        ("endToEndId", J::opt_str(&tx.end_to_end_id)),
        ("bankTransactionCode", J::opt_str(&tx.bank_transaction_code)),
        (
            "proprietaryBankTransactionCode",
            J::opt_str(&tx.proprietary_bank_transaction_code),
        ),
        ("purposeCode", J::opt_str(&tx.purpose_code)),
        ("mandateId", J::opt_str(&tx.mandate_id)),
        ("creditorId", J::opt_str(&tx.creditor_id)),
        (
            "additionalInformation",
            J::opt_str(&tx.additional_information),
        ),
        ("internalReference", J::opt_str(&tx.internal_reference)),
        ("digest", J::opt_str(&tx.digest)),
        ("fee", num_or_null(&tx.fee)),
        ("cardReference", J::opt_str(&tx.card_reference)),
        ("cardReferenceType", J::opt_str(&tx.card_reference_type)),
        ("createdAt", J::str(&tx.created_at)),
        ("updatedAt", J::str(&tx.updated_at)),
    ]);
    for (name, value) in overrides.into_iter().flatten() {
        attributes.set(name, value.clone());
    }
    J::obj(vec![
        ("type", J::str(kind)),
        ("id", J::str(&tx.id)),
        ("attributes", attributes),
        (
            "relationships",
            J::obj(vec![(
                "account",
                J::obj(vec![
                    (
                        "data",
                        J::obj(vec![
                            ("type", J::str("account")),
                            ("id", J::str(&account.id)),
                        ]),
                    ),
                    ("links", link(format!("{base}/accounts/{}", account.id))),
                ]),
            )]),
        ),
    ])
}

pub fn synchronization(sync: &Sync, world: &World, base: &str) -> J {
    let account = &world.accounts[sync.account];
    let mut relationships = Vec::new();
    if sync.subtype.starts_with("accountTransactions") {
        relationships.push((
            "updatedTransactions",
            J::obj(vec![(
                "links",
                link(format!(
                    "{base}/synchronizations/{}/updated-transactions",
                    sync.id
                )),
            )]),
        ));
        relationships.push((
            "updatedPendingTransactions",
            J::obj(vec![(
                "links",
                link(format!(
                    "{base}/synchronizations/{}/updated-pending-transactions",
                    sync.id
                )),
            )]),
        ));
    }
    J::obj(vec![
        ("type", J::str("synchronization")),
        ("id", J::str(&sync.id)),
        (
            "attributes",
            J::obj(vec![
                ("resourceType", J::str("account")),
                ("resourceId", J::str(&account.id)),
                ("subtype", J::str(&sync.subtype)),
                ("status", J::str(sync.status())),
                (
                    "errors",
                    J::Arr(
                        sync.errors
                            .iter()
                            .map(|e| sync_error(e, sync, account))
                            .collect(),
                    ),
                ),
                ("customerIpAddress", J::opt_str(&sync.customer_ip)),
                ("createdAt", J::str(&sync.created_at)),
                ("updatedAt", J::str(&sync.updated_at)),
            ]),
        ),
        ("relationships", J::obj(relationships)),
    ])
}

/// An error item as in Ibanity's synchronization fixture: code, detail, and the bank's
/// answer in `meta.financialInstitutionResponse`.
fn sync_error(error: &SyncError, sync: &Sync, account: &Account) -> J {
    // an invalid or expired consent is refused by the bank as unauthorized
    let status = if error.code.starts_with("authorization") {
        401
    } else {
        503
    };
    let bank = account.bank();
    J::obj(vec![
        ("code", J::str(&error.code)),
        ("detail", J::str(&error.detail)),
        (
            "meta",
            J::obj(vec![(
                "financialInstitutionResponse",
                J::obj(vec![
                    ("statusCode", J::num(status)),
                    ("body", J::str("{}")),
                    (
                        "requestId",
                        J::Str(format!("FI-{}", &sync.id.replace('-', "")[..16])),
                    ),
                    ("timestamp", J::str(&error.at)),
                    (
                        "requestUri",
                        J::Str(format!(
                            "https://psd2.{}.example/v1/accounts",
                            bank.bic.to_lowercase()
                        )),
                    ),
                ]),
            )]),
        ),
    ])
}

pub fn latest_synchronization(account: &Account, world: &World, base: &str) -> J {
    world
        .syncs
        .get(&account.latest_sync)
        .map_or(J::Null, |s| synchronization(s, world, base))
}

pub fn account(account: &Account, world: &World, base: &str) -> J {
    let bank = account.bank();
    let balance = J::Num(amount_text(bank, account.balance));
    let institution = &world.institutions[account.institution];
    J::obj(vec![
        ("type", J::str("account")),
        ("id", J::str(&account.id)),
        (
            "attributes",
            J::obj(vec![
                ("reference", J::str(&account.iban)),
                ("referenceType", J::str("IBAN")),
                ("currency", J::str(account.spec.currency)),
                ("description", J::str(account.spec.description)),
                ("holderName", J::str(&account.holder_name)),
                ("product", J::str(account.spec.product)),
                ("subtype", J::str("checking")),
                ("internalReference", J::str(&account.internal_reference)),
                ("currentBalance", balance.clone()),
                (
                    "currentBalanceReferenceDate",
                    J::str(&account.balance_reference_date),
                ),
                (
                    "currentBalanceChangedAt",
                    J::str(&account.balance_changed_at),
                ),
                (
                    "currentBalanceVariationObservedAt",
                    J::str(&account.balance_changed_at),
                ),
                ("availableBalance", balance),
                (
                    "availableBalanceReferenceDate",
                    J::str(&account.balance_reference_date),
                ),
                (
                    "availableBalanceChangedAt",
                    J::str(&account.balance_changed_at),
                ),
                (
                    "availableBalanceVariationObservedAt",
                    J::str(&account.balance_changed_at),
                ),
                ("authorizedAt", J::str(&account.authorized_at)),
                (
                    "authorizationExpirationExpectedAt",
                    J::opt_str(&account.authorization_expires_at),
                ),
                ("deprecated", J::Bool(account.deprecated)),
            ]),
        ),
        (
            "relationships",
            J::obj(vec![
                (
                    "financialInstitution",
                    J::obj(vec![
                        (
                            "data",
                            J::obj(vec![
                                ("type", J::str("financialInstitution")),
                                ("id", J::str(&institution.id)),
                            ]),
                        ),
                        (
                            "links",
                            link(format!("{base}/financial-institutions/{}", institution.id)),
                        ),
                    ]),
                ),
                (
                    "transactions",
                    J::obj(vec![(
                        "links",
                        link(format!("{base}/accounts/{}/transactions", account.id)),
                    )]),
                ),
                (
                    "pendingTransactions",
                    J::obj(vec![(
                        "links",
                        link(format!(
                            "{base}/accounts/{}/pending-transactions",
                            account.id
                        )),
                    )]),
                ),
            ]),
        ),
        (
            "meta",
            J::obj(vec![
                ("synchronizedAt", J::str(&account.synchronized_at)),
                (
                    "latestSynchronization",
                    latest_synchronization(account, world, base),
                ),
                ("availability", J::str(&account.availability)),
            ]),
        ),
        (
            "links",
            J::obj(vec![(
                "self",
                J::Str(format!("{base}/accounts/{}", account.id)),
            )]),
        ),
    ])
}

pub fn institution(institution: &Institution, base: &str) -> J {
    let bank = institution.bank;
    J::obj(vec![
        ("type", J::str("financialInstitution")),
        ("id", J::str(&institution.id)),
        (
            "attributes",
            J::obj(vec![
                ("name", J::str(bank.name)),
                ("bic", J::str(bank.bic)),
                ("country", J::str(bank.country)),
                ("timeZone", bank.time_zone.map_or(J::Null, J::str)),
                ("status", J::str("stable")),
                ("deprecated", J::Bool(false)),
                ("maintenanceType", J::Null),
                ("maintenanceFrom", J::Null),
                ("maintenanceTo", J::Null),
                (
                    "logoUrl",
                    J::Str(format!("{base}/logos/{}.png", bank.bic.to_lowercase())),
                ),
            ]),
        ),
        (
            "links",
            J::obj(vec![(
                "self",
                J::Str(format!("{base}/financial-institutions/{}", institution.id)),
            )]),
        ),
    ])
}

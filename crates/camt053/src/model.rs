//! The statement model, in ISO's words. Amounts are exact and unsigned; the direction is
//! in [`CreditDebit`]. Balances carry a signed amount because that is how people think of
//! them; the writer turns the sign into `CdtDbtInd`.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;

/// `GrpHdr`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupHeader {
    /// `MsgId`, at most 35 characters.
    pub message_id: String,
    pub created: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreditDebit {
    Credit,
    Debit,
}

impl CreditDebit {
    pub fn code(self) -> &'static str {
        match self {
            CreditDebit::Credit => "CRDT",
            CreditDebit::Debit => "DBIT",
        }
    }

    /// The direction of a signed amount: zero and positive are credits.
    pub fn of(signed: Decimal) -> Self {
        if signed.is_sign_negative() && !signed.is_zero() {
            CreditDebit::Debit
        } else {
            CreditDebit::Credit
        }
    }

    /// `amount` (unsigned) with this direction's sign.
    pub fn signed(self, amount: Decimal) -> Decimal {
        match self {
            CreditDebit::Credit => amount,
            CreditDebit::Debit => -amount,
        }
    }
}

/// `Stmt/Acct`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Account {
    /// `Id/IBAN`, electronic form (no spaces, upper case).
    pub iban: Option<String>,
    /// `Id/Othr/Id`, used when the account has no IBAN.
    pub other_id: Option<String>,
    /// `Ccy`.
    pub currency: Option<String>,
    /// `Nm`, at most 70 characters.
    pub name: Option<String>,
    /// `Ownr/Nm`, at most 140 characters.
    pub owner_name: Option<String>,
    /// `Svcr/FinInstnId/BIC`.
    pub servicer_bic: Option<String>,
    /// `Svcr/FinInstnId/Nm`.
    pub servicer_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BalanceType {
    /// OPBD, opening booked.
    OpeningBooked,
    /// CLBD, closing booked.
    ClosingBooked,
    /// Any other code (PRCD, ITBD, CLAV, OPAV…) or proprietary type, as read from a bank file.
    Other(String),
}

impl BalanceType {
    pub fn code(&self) -> &str {
        match self {
            BalanceType::OpeningBooked => "OPBD",
            BalanceType::ClosingBooked => "CLBD",
            BalanceType::Other(code) => code,
        }
    }

    pub fn from_code(code: &str) -> Self {
        match code {
            "OPBD" => BalanceType::OpeningBooked,
            "CLBD" => BalanceType::ClosingBooked,
            other => BalanceType::Other(other.to_owned()),
        }
    }
}

/// `Stmt/Bal`.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    pub kind: BalanceType,
    /// Signed: negative is an overdrawn (DBIT) balance.
    pub amount: Decimal,
    pub currency: String,
    pub date: NaiveDate,
}

/// `Stmt/TxsSummry`: counts and sums of the statement's entries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TransactionsSummary {
    pub credit_count: u64,
    /// Sum of the credit entries' (unsigned) amounts.
    pub credit_sum: Decimal,
    pub debit_count: u64,
    /// Sum of the debit entries' (unsigned) amounts.
    pub debit_sum: Decimal,
}

/// A total of [`TransactionsSummary`] beyond what it can hold: a sum past [`Decimal`]'s
/// range (about 7.9e28) or a count past `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotalOverflow {
    #[error("the credit entries add up to more than a decimal can hold")]
    Credit,
    #[error("the debit entries add up to more than a decimal can hold")]
    Debit,
}

impl TransactionsSummary {
    /// Counts one entry. Amounts come from outside (a bank file, an API), so a sum that
    /// would overflow saturates instead of panicking; a saturated sum has 29 digits,
    /// which the writer refuses (camt allows 18). [`try_add`](Self::try_add) reports it.
    pub fn add(&mut self, direction: CreditDebit, amount: Decimal) {
        let (count, sum) = self.totals(direction);
        *count = count.saturating_add(1);
        *sum = sum.saturating_add(amount);
    }

    /// Counts one entry, or leaves the summary unchanged if its count or sum would
    /// overflow.
    pub fn try_add(
        &mut self,
        direction: CreditDebit,
        amount: Decimal,
    ) -> Result<(), TotalOverflow> {
        let overflow = match direction {
            CreditDebit::Credit => TotalOverflow::Credit,
            CreditDebit::Debit => TotalOverflow::Debit,
        };
        let (count, sum) = self.totals(direction);
        let new_count = count.checked_add(1).ok_or(overflow)?;
        let new_sum = sum.checked_add(amount).ok_or(overflow)?;
        *count = new_count;
        *sum = new_sum;
        Ok(())
    }

    fn totals(&mut self, direction: CreditDebit) -> (&mut u64, &mut Decimal) {
        match direction {
            CreditDebit::Credit => (&mut self.credit_count, &mut self.credit_sum),
            CreditDebit::Debit => (&mut self.debit_count, &mut self.debit_sum),
        }
    }

    /// All entries; saturates at `u64::MAX` (which the writer refuses: at most 15 digits).
    pub fn count(&self) -> u64 {
        self.credit_count.saturating_add(self.debit_count)
    }

    /// `TtlNtries/Sum`: the sum of all amounts, unsigned. Saturates like [`add`](Self::add);
    /// [`checked_sum`](Self::checked_sum) says when.
    pub fn sum(&self) -> Decimal {
        self.credit_sum.saturating_add(self.debit_sum)
    }

    /// [`sum`](Self::sum), or `None` past [`Decimal`]'s range.
    pub fn checked_sum(&self) -> Option<Decimal> {
        self.credit_sum.checked_add(self.debit_sum)
    }

    /// Credits minus debits (signed); `TtlNetNtryAmt` is its absolute value. Saturates
    /// like [`add`](Self::add); [`checked_net`](Self::checked_net) says when.
    pub fn net(&self) -> Decimal {
        self.credit_sum.saturating_sub(self.debit_sum)
    }

    /// [`net`](Self::net), or `None` past [`Decimal`]'s range.
    pub fn checked_net(&self) -> Option<Decimal> {
        self.credit_sum.checked_sub(self.debit_sum)
    }
}

/// Everything of a `Stmt` that comes before its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementHeader {
    /// `Stmt/Id`, at most 35 characters.
    pub id: String,
    /// `ElctrncSeqNb`: the account's statement counter.
    pub electronic_sequence: Option<u64>,
    /// `LglSeqNb`: never written by us (Odoo Enterprise would de-duplicate on it), but read.
    pub legal_sequence: Option<u64>,
    pub created: DateTime<FixedOffset>,
    /// `FrToDt/FrDtTm` and `ToDtTm`.
    pub from_to: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
    pub account: Account,
    pub balances: Vec<Balance>,
    pub summary: Option<TransactionsSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    Booked,
    Pending,
    Info,
}

impl EntryStatus {
    pub fn code(self) -> &'static str {
        match self {
            EntryStatus::Booked => "BOOK",
            EntryStatus::Pending => "PDNG",
            EntryStatus::Info => "INFO",
        }
    }
}

/// `BkTxCd/Domn`: an ISO 20022 external bank transaction code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCode {
    pub domain: String,
    pub family: String,
    pub sub_family: String,
}

/// `BkTxCd/Prtry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProprietaryCode {
    pub code: String,
    pub issuer: Option<String>,
}

/// `BkTxCd`: at least one of the two must be set for a written entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BankTransactionCode {
    pub domain: Option<DomainCode>,
    pub proprietary: Option<ProprietaryCode>,
}

/// `Refs`: every value at most 35 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct References {
    pub account_servicer_ref: Option<String>,
    pub payment_information_id: Option<String>,
    pub instruction_id: Option<String>,
    pub end_to_end_id: Option<String>,
    pub transaction_id: Option<String>,
    pub mandate_id: Option<String>,
    /// `Prtry` (at most one in camt.053.001.02): a reference ISO has no element for.
    pub proprietary: Option<ProprietaryReference>,
}

/// `Refs/Prtry` (`ProprietaryReference1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProprietaryReference {
    /// `Tp`: what kind of reference it is, at most 35 characters.
    pub kind: String,
    /// `Ref`, at most 35 characters.
    pub reference: String,
}

/// `Chrgs` (`ChargesInformation6`): a charge for the transaction. Information only: the
/// entry's amount already is what was booked.
#[derive(Debug, Clone, PartialEq)]
pub struct Charges {
    /// `Amt`, unsigned.
    pub amount: Decimal,
    /// `Amt/@Ccy`.
    pub currency: String,
    /// `CdtDbtInd`: `Debit` for a charge taken from the account.
    pub direction: Option<CreditDebit>,
}

/// A party account's `Id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountId {
    /// `Id/IBAN`, electronic form.
    Iban(String),
    /// `Id/Othr/Id`, at most 34 characters.
    Other(String),
}

impl AccountId {
    pub fn as_str(&self) -> &str {
        match self {
            AccountId::Iban(s) | AccountId::Other(s) => s,
        }
    }
}

/// `Dbtr` / `Cdtr`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Party {
    /// `Nm`, at most 140 characters.
    pub name: Option<String>,
    /// The SEPA creditor identifier: `Id/PrvtId/Othr/Id` with `SchmeNm/Prtry` = `SEPA`.
    pub sepa_creditor_id: Option<String>,
}

/// `RltdPties`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RelatedParties {
    pub debtor: Option<Party>,
    pub debtor_account: Option<AccountId>,
    pub creditor: Option<Party>,
    pub creditor_account: Option<AccountId>,
}

/// `RmtInf/Strd/CdtrRefInf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditorReference {
    /// `Tp/CdOrPrtry/Cd`, `SCOR` for structured creditor references.
    pub kind: Option<String>,
    /// `Ref`, at most 35 characters.
    pub reference: String,
}

/// `RmtInf`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Remittance {
    /// `Ustrd`, each at most 140 characters.
    pub unstructured: Vec<String>,
    pub creditor_reference: Option<CreditorReference>,
}

impl Remittance {
    pub fn is_empty(&self) -> bool {
        self.unstructured.is_empty() && self.creditor_reference.is_none()
    }
}

/// `NtryDtls/TxDtls`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TransactionDetails {
    pub refs: References,
    /// `AmtDtls/TxAmt/Amt` (unsigned) and its currency.
    pub amount: Option<(Decimal, String)>,
    /// `Chrgs`, in order (V04+ files: one per `Chrgs/Rcrd`).
    pub charges: Vec<Charges>,
    pub related_parties: RelatedParties,
    /// `Purp/Cd`.
    pub purpose: Option<String>,
    pub remittance: Remittance,
    /// `RtrInf/AddtlInf`, read only.
    pub return_info: Option<String>,
    /// `AddtlTxInf`, at most 500 characters.
    pub additional_info: Option<String>,
}

/// `Ntry`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `NtryRef`.
    pub entry_ref: Option<String>,
    /// Unsigned.
    pub amount: Decimal,
    pub currency: String,
    pub direction: CreditDebit,
    pub reversal: bool,
    pub status: EntryStatus,
    pub booking_date: Option<NaiveDate>,
    pub value_date: Option<NaiveDate>,
    pub account_servicer_ref: Option<String>,
    pub bank_transaction_code: BankTransactionCode,
    pub details: Vec<TransactionDetails>,
    /// `AddtlNtryInf`, at most 500 characters.
    pub additional_info: Option<String>,
}

impl Entry {
    /// The amount with the sign of its direction.
    pub fn signed_amount(&self) -> Decimal {
        self.direction.signed(self.amount)
    }
}

/// A whole statement, as the reader returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub header: StatementHeader,
    pub entries: Vec<Entry>,
    /// `AddtlStmtInf`.
    pub additional_info: Option<String>,
}

/// A whole document, as the reader returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The root namespace as found (camt.053.001.02 for ours; the reader also takes camt.052).
    pub namespace: String,
    pub group_header: GroupHeader,
    pub statements: Vec<Statement>,
}

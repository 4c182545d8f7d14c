//! The simulated Ponto data: organizations, institutions, accounts, transactions, synchronizations.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, NaiveDate, Utc};

use crate::booking::BookingSchedule;
use crate::catalog::{AccountSpec, BANKS, Bank, ORGANIZATIONS};
use crate::dates::{iso, utc_midnight};
use crate::decimal::Dec;
use crate::generate::{
    TxContext, build_tx, date_only, generated_amount, seeded_instants, seeded_tx, tx_id, tx_index,
};
use crate::json::J;
use crate::listing::{ExecutionOrder, ListingOrder, SortKey, instant_ms};
use crate::model::{NewTransaction, SimAccount, SimOrganization, Tx};
use crate::refs::{belgian_bban, iban};
use crate::rng::{Rng, key};

/// How long a new consent lasts (Ponto: 90 days, now often 180).
const CONSENT_DAYS: i64 = 180;

pub struct Organization {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
}

pub struct Institution {
    pub id: String,
    pub bank: &'static Bank,
}

pub struct Account {
    pub id: String,
    pub iban: String,
    pub org: usize,
    pub institution: usize,
    pub spec: AccountSpec,
    pub holder_name: String,
    pub salt: u64,
    pub mask: u64,
    /// number of seeded transactions (indexes `0..seeded`); later ones live in `added`
    pub seeded: usize,
    pub added: Vec<Tx>,
    /// attribute changes made after listing, by storage index
    pub overrides: HashMap<usize, Vec<(String, J)>>,
    pub pending: Vec<Tx>,
    pub pending_mask: u64,
    pub balance: Dec,
    pub balance_changed_at: String,
    pub balance_reference_date: String,
    pub latest_sync: String,
    pub synchronized_at: String,
    pub internal_reference: String,
    pub authorized_at: String,
    pub authorization_expires_at: Option<String>,
    pub deprecated: bool,
    /// `meta.availability`
    pub availability: String,
    /// the account that replaced this one when the bank connection was re-authorized
    pub successor: Option<usize>,
    /// built on the first listing in execution order after a change
    pub execution_order: OnceCell<ExecutionOrder>,
}

/// One entry of a synchronization's `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncError {
    pub code: String,
    pub detail: String,
    /// when the bank answered
    pub at: String,
}

pub struct Sync {
    pub id: String,
    pub account: usize,
    pub subtype: String,
    pub customer_ip: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// when it was created in this process (None for the seeded history)
    pub created: Option<Instant>,
    /// GETs seen so far: the status moves pending -> running -> success with them
    pub polls: u32,
    /// a finished synchronization with errors has status `error`
    pub errors: Vec<SyncError>,
}

impl Sync {
    pub fn status(&self) -> &'static str {
        match self.polls {
            0 => "pending",
            1 => "running",
            _ if self.errors.is_empty() => "success",
            _ => "error",
        }
    }
}

pub struct World {
    pub seed: u64,
    pub today: NaiveDate,
    pub organizations: Vec<Organization>,
    pub institutions: Vec<Institution>,
    pub accounts: Vec<Account>,
    pub syncs: HashMap<String, Sync>,
    pub sync_cooldown: Duration,
    /// counts transactions added after start, so their content differs
    pub added_counter: u64,
    /// seeded transactions per account and the seeded last synchronization, for
    /// accounts added after start
    pub seeded_per_account: usize,
    pub sync_time: DateTime<Utc>,
    pub listing_order: ListingOrder,
    /// counts scheduled bookings, so that which ones are back-dated follows the seed
    pub booking_counter: u64,
}

fn account_iban(rng: &mut Rng, bank: &Bank) -> String {
    match bank.bic {
        "DEUTDEFFXXX" => iban("DE", &format!("50070010{}", rng.digits(10))),
        "KREDBEBB" => iban("BE", &belgian_bban(&format!("73{}", rng.digits(8)))),
        "INGBNL2A" => iban("NL", &format!("INGB{}", rng.digits(10))),
        "TRWIBEB1XXX" => iban("BE", &belgian_bban(&format!("967{}", rng.digits(7)))),
        "GKCCBEBB" => iban("BE", &belgian_bban(&format!("068{}", rng.digits(7)))),
        _ => iban("NL", &format!("RABO0{}", rng.digits(9))),
    }
}

impl World {
    pub fn new(seed: u64, transactions_per_account: usize, today: NaiveDate) -> World {
        let mut rng = Rng::new(key(&[seed, 0x0A11]));
        let institutions = BANKS
            .iter()
            .map(|bank| Institution {
                id: rng.uuid(),
                bank,
            })
            .collect();
        // the seeded "latest synchronization": shortly before today's midnight UTC
        let sync_time = utc_midnight(today) - Days::minutes(rng.range(15, 120) as i64);
        let mut world = World {
            seed,
            today,
            organizations: Vec::new(),
            institutions,
            accounts: Vec::new(),
            syncs: HashMap::new(),
            sync_cooldown: Duration::from_secs(60),
            added_counter: 0,
            seeded_per_account: transactions_per_account,
            sync_time,
            listing_order: ListingOrder::default(),
            booking_counter: 0,
        };
        for (org_index, spec) in ORGANIZATIONS.iter().enumerate() {
            world.organizations.push(Organization {
                name: spec.name.to_string(),
                client_id: rng.uuid(),
                client_secret: rng.hex(48),
            });
            for account_spec in spec.accounts {
                let account = world.new_account(
                    &mut rng,
                    org_index,
                    *account_spec,
                    transactions_per_account,
                    sync_time,
                );
                world.accounts.push(account);
            }
        }
        world
    }

    /// `n` more accounts for the first organization (cycling over its EUR account kinds),
    /// each with the seeded number of transactions; returns their indices. Deterministic:
    /// the same seed and calls give the same accounts.
    pub fn add_accounts(&mut self, n: usize) -> Vec<usize> {
        let kinds: Vec<AccountSpec> = ORGANIZATIONS[0]
            .accounts
            .iter()
            .filter(|spec| spec.currency == "EUR")
            .copied()
            .collect();
        let mut added = Vec::with_capacity(n);
        for i in 0..n {
            let mut rng = Rng::new(key(&[self.seed, 0xADD, self.accounts.len() as u64]));
            let spec = kinds[i % kinds.len()];
            let account =
                self.new_account(&mut rng, 0, spec, self.seeded_per_account, self.sync_time);
            self.accounts.push(account);
            added.push(self.accounts.len() - 1);
        }
        added
    }

    // amounts are in cents, written `euros_cents`
    #[allow(clippy::inconsistent_digit_grouping)]
    fn new_account(
        &mut self,
        rng: &mut Rng,
        org: usize,
        spec: AccountSpec,
        seeded: usize,
        sync_time: DateTime<Utc>,
    ) -> Account {
        let bank = &BANKS[spec.bank];
        let mut account = Account {
            id: rng.uuid(),
            iban: account_iban(rng, bank),
            org,
            institution: spec.bank,
            spec,
            holder_name: ORGANIZATIONS[org].name.to_string(),
            salt: rng.next_u64(),
            mask: rng.next_u64(),
            seeded,
            added: Vec::new(),
            overrides: HashMap::new(),
            pending: Vec::new(),
            pending_mask: rng.next_u64(),
            balance: Dec::cents(rng.range(5_000_00, 60_000_00) as i64),
            balance_changed_at: iso(sync_time),
            balance_reference_date: iso(sync_time),
            latest_sync: String::new(),
            synchronized_at: iso(sync_time),
            internal_reference: rng.hex(12).to_uppercase(),
            authorized_at: iso(sync_time - Days::days(rng.range(20, 80) as i64)),
            authorization_expires_at: None,
            deprecated: false,
            availability: "available".to_string(),
            successor: None,
            execution_order: OnceCell::new(),
        };
        account.authorization_expires_at =
            Some(iso(sync_time + Days::days(rng.range(10, 170) as i64)));
        let ctx = account.context(self.seed);
        let sum = (0..seeded).fold(Dec::cents(0), |sum, i| sum.add(generated_amount(&ctx, i)));
        account.balance = account.balance.add(sum);
        let pending_ctx = account.pending_context(self.seed);
        account.pending = (0..2)
            .map(|i| {
                build_tx(
                    &pending_ctx,
                    i,
                    sync_time.date_naive(),
                    sync_time - Days::minutes(40 - 15 * i as i64),
                )
            })
            .collect();
        let sync = Sync {
            id: rng.uuid(),
            account: self.accounts.len(),
            subtype: "accountTransactions".to_string(),
            customer_ip: None,
            created_at: iso(sync_time - Days::milliseconds(1_431)),
            updated_at: iso(sync_time),
            created: None,
            polls: 2,
            errors: Vec::new(),
        };
        account.latest_sync = sync.id.clone();
        self.syncs.insert(sync.id.clone(), sync);
        account
    }

    pub fn public_account(&self, account: &Account) -> SimAccount {
        SimAccount {
            id: account.id.clone(),
            iban: account.iban.clone(),
            currency: account.spec.currency.to_string(),
            organization: self.organizations[account.org].client_id.clone(),
            financial_institution_id: self.institutions[account.institution].id.clone(),
        }
    }

    pub fn public_organizations(&self) -> Vec<SimOrganization> {
        self.organizations
            .iter()
            .enumerate()
            .map(|(index, org)| SimOrganization {
                name: org.name.clone(),
                client_id: org.client_id.clone(),
                client_secret: org.client_secret.clone(),
                accounts: self
                    .accounts
                    .iter()
                    .filter(|a| a.org == index)
                    .map(|a| self.public_account(a))
                    .collect(),
            })
            .collect()
    }

    pub fn account_index(&self, id: &str) -> Option<usize> {
        self.accounts.iter().position(|a| a.id == id)
    }

    /// Transaction at storage index `index` (0 = oldest created).
    pub fn transaction(&self, account: &Account, index: usize) -> Option<Tx> {
        if index < account.seeded {
            let ctx = account.context(self.seed);
            Some(seeded_tx(&ctx, self.today, index, account.seeded))
        } else {
            account.added.get(index - account.seeded).cloned()
        }
    }

    /// Adds a booked transaction created now and moves the balance with it.
    pub fn push_transaction(&mut self, account_index: usize, mut tx: Tx) -> String {
        let account = &mut self.accounts[account_index];
        // by execution date a new booking may belong anywhere in the list
        account.execution_order.take();
        let index = account.transaction_count();
        tx.id = tx_id(&account.context(self.seed), index);
        account.balance = account.balance.add(tx.amount);
        let now = iso(Utc::now());
        account.balance_changed_at = now.clone();
        account.balance_reference_date = now;
        let id = tx.id.clone();
        account.added.push(tx);
        id
    }

    /// Content for a new generated transaction booked on `day`, created now.
    pub fn generated_content(&mut self, account_index: usize, day: NaiveDate) -> Tx {
        self.added_counter += 1;
        let account = &self.accounts[account_index];
        let mut ctx = account.context(self.seed);
        ctx.salt ^= key(&[0xADD, self.added_counter]);
        build_tx(&ctx, account.transaction_count(), day, Utc::now())
    }

    /// A generated booked transaction executed on `day`, created now.
    pub fn book_generated(&mut self, account_index: usize, day: NaiveDate) -> String {
        let tx = self.generated_content(account_index, day);
        self.push_transaction(account_index, tx)
    }

    /// A booked transaction with the given attributes, created now; `None` when the
    /// amount is not decimal text.
    pub fn book_new(&mut self, account_index: usize, new: NewTransaction) -> Option<String> {
        let amount = Dec::parse(new.amount.trim())?;
        let account = &self.accounts[account_index];
        let today = date_only(account.bank().date_style, Utc::now().date_naive());
        let now = iso(Utc::now());
        let has_remittance = new.remittance_information.is_some();
        let tx = Tx {
            id: String::new(),
            amount,
            amount_text: new.amount.trim().to_string(),
            currency: new
                .currency
                .unwrap_or_else(|| account.spec.currency.to_string()),
            value_date: new
                .value_date
                .or_else(|| new.execution_date.clone())
                .unwrap_or_else(|| today.clone()),
            execution_date: new.execution_date.unwrap_or(today),
            description: new.description,
            remittance_information: new.remittance_information,
            remittance_information_type: new
                .remittance_information_type
                .or_else(|| has_remittance.then(|| "unstructured".to_string())),
            counterpart_name: new.counterpart_name,
            counterpart_reference: new.counterpart_reference,
            end_to_end_id: new.end_to_end_id,
            bank_transaction_code: new.bank_transaction_code,
            proprietary_bank_transaction_code: new.proprietary_bank_transaction_code,
            purpose_code: new.purpose_code,
            mandate_id: new.mandate_id,
            creditor_id: new.creditor_id,
            additional_information: new.additional_information,
            internal_reference: new.internal_reference,
            digest: None,
            fee: new.fee,
            card_reference: new.card_reference,
            card_reference_type: new.card_reference_type,
            created_at: now.clone(),
            updated_at: now,
        };
        Some(self.push_transaction(account_index, tx))
    }

    /// The account that receives the bookings for `index`'s bank account: itself, or the
    /// account that replaced it at the latest re-authorization.
    pub fn live(&self, mut index: usize) -> usize {
        while let Some(next) = self.accounts[index].successor {
            index = next;
        }
        index
    }

    /// One round of scheduled bookings; returns the new transaction ids.
    pub fn book_round(&mut self, schedule: &BookingSchedule) -> Vec<String> {
        let mut targets: Vec<usize> = Vec::new();
        if schedule.accounts.is_empty() {
            targets
                .extend((0..self.accounts.len()).filter(|i| self.accounts[*i].successor.is_none()));
        } else {
            for id in &schedule.accounts {
                if let Some(index) = self.account_index(id).map(|i| self.live(i))
                    && !targets.contains(&index)
                {
                    targets.push(index);
                }
            }
        }
        let today = Utc::now().date_naive();
        let mut ids = Vec::new();
        for index in targets {
            for _ in 0..schedule.per_tick {
                self.booking_counter += 1;
                let mut rng = Rng::new(key(&[self.seed, 0xB00C, self.booking_counter]));
                let day = if rng.chance(u64::from(schedule.backdated_percent)) {
                    today - Days::days(rng.range(1, 7) as i64)
                } else {
                    today
                };
                ids.push(self.book_generated(index, day));
            }
        }
        ids
    }

    /// Records a synchronization by Ponto itself that finished at `finished` and makes it
    /// the account's latest; without errors it also moves `synchronizedAt`, which only
    /// successful synchronizations do.
    pub fn record_sync(&mut self, index: usize, finished: DateTime<Utc>, errors: Vec<SyncError>) {
        let mut rng = Rng::new(key(&[self.seed, 0x5EC, self.syncs.len() as u64]));
        let sync = Sync {
            id: rng.uuid(),
            account: index,
            subtype: "accountTransactions".to_string(),
            customer_ip: None,
            created_at: iso(finished - Days::milliseconds(1_431)),
            updated_at: iso(finished),
            // not created by a client, so no cooldown for clients
            created: None,
            polls: 2,
            errors,
        };
        let account = &mut self.accounts[index];
        account.latest_sync = sync.id.clone();
        if sync.errors.is_empty() {
            account.synchronized_at = sync.updated_at.clone();
        }
        self.syncs.insert(sync.id.clone(), sync);
    }

    /// Models a bank re-authorization in Ponto: a new account resource for the same IBAN
    /// and currency whose history is listed again under new transaction ids; the old
    /// account is deprecated and keeps its list. Returns the new account's index.
    pub fn reauthorize(&mut self, index: usize) -> usize {
        let old = self.live(index);
        let now = Utc::now();
        let mut rng = Rng::new(key(&[self.seed, 0x2EA, self.accounts.len() as u64]));
        let source = &self.accounts[old];
        let count = source.transaction_count();
        let history: Vec<Tx> = (0..count)
            .filter_map(|i| self.transaction(source, i))
            .collect();
        // the bank's later changes are part of the history read again; the record dates
        // are the new records' own
        let overrides = source
            .overrides
            .iter()
            .map(|(storage, changes)| {
                let kept: Vec<(String, J)> = changes
                    .iter()
                    .filter(|(name, _)| name != "createdAt" && name != "updatedAt")
                    .cloned()
                    .collect();
                (*storage, kept)
            })
            .filter(|(_, kept)| !kept.is_empty())
            .collect();
        let mut account = Account {
            id: rng.uuid(),
            iban: source.iban.clone(),
            org: source.org,
            institution: source.institution,
            spec: source.spec,
            holder_name: source.holder_name.clone(),
            salt: rng.next_u64(),
            mask: rng.next_u64(),
            seeded: 0,
            added: Vec::with_capacity(count),
            overrides,
            pending: Vec::new(),
            pending_mask: rng.next_u64(),
            balance: source.balance,
            balance_changed_at: iso(now),
            balance_reference_date: iso(now),
            latest_sync: String::new(),
            synchronized_at: iso(now),
            internal_reference: source.internal_reference.clone(),
            authorized_at: iso(now),
            authorization_expires_at: Some(iso(now + Days::days(CONSENT_DAYS))),
            deprecated: false,
            availability: "available".to_string(),
            successor: None,
            execution_order: OnceCell::new(),
        };
        let ctx = account.context(self.seed);
        for (i, mut tx) in history.into_iter().enumerate() {
            tx.id = tx_id(&ctx, i);
            // Ponto creates the records when it reads the history again: now, one
            // millisecond apart in the old creation order, so both lists agree
            let created = iso(now - Days::milliseconds((count - 1 - i) as i64));
            tx.created_at = created.clone();
            tx.updated_at = created;
            account.added.push(tx);
        }
        let pending_ctx = account.pending_context(self.seed);
        account.pending = source
            .pending
            .iter()
            .enumerate()
            .map(|(i, tx)| Tx {
                id: tx_id(&pending_ctx, i),
                ..tx.clone()
            })
            .collect();
        self.accounts.push(account);
        let new = self.accounts.len() - 1;
        // Ponto synchronizes an account when it is (re)authorized
        self.record_sync(new, now, Vec::new());
        let replaced = &mut self.accounts[old];
        replaced.deprecated = true;
        replaced.successor = Some(new);
        new
    }

    /// Storage index of the transaction listed at display `position` (0 = first listed).
    pub fn listed_storage(&self, account: &Account, position: usize) -> Option<usize> {
        let len = account.transaction_count();
        match self.listing_order {
            ListingOrder::Created => (position < len).then(|| len - 1 - position),
            ListingOrder::Execution => self.execution_order(account).storage_at(position),
        }
    }

    /// Display position of the transaction at `storage`.
    pub fn listed_position(&self, account: &Account, storage: usize) -> Option<usize> {
        let len = account.transaction_count();
        match self.listing_order {
            ListingOrder::Created => (storage < len).then(|| len - 1 - storage),
            ListingOrder::Execution => self.execution_order(account).position_of(storage),
        }
    }

    fn execution_order<'a>(&self, account: &'a Account) -> &'a ExecutionOrder {
        account.execution_order.get_or_init(|| {
            let ctx = account.context(self.seed);
            let keys = (0..account.transaction_count())
                .map(|storage| {
                    let (mut execution_ms, mut created_ms) = if storage < account.seeded {
                        let (execution, created) =
                            seeded_instants(&ctx, self.today, storage, account.seeded);
                        (execution.timestamp_millis(), created.timestamp_millis())
                    } else {
                        let tx = &account.added[storage - account.seeded];
                        (instant_ms(&tx.execution_date), instant_ms(&tx.created_at))
                    };
                    // the list shows the bank's changes, so it is sorted by them too
                    for (name, value) in account.overrides.get(&storage).into_iter().flatten() {
                        let J::Str(text) = value else { continue };
                        match name.as_str() {
                            "executionDate" => execution_ms = instant_ms(text),
                            "createdAt" => created_ms = instant_ms(text),
                            _ => {}
                        }
                    }
                    SortKey {
                        execution_ms,
                        created_ms,
                        storage,
                    }
                })
                .collect();
            ExecutionOrder::new(keys)
        })
    }
}

impl Account {
    pub fn context(&self, seed: u64) -> TxContext<'static> {
        TxContext {
            seed,
            salt: self.salt,
            mask: self.mask,
            bank: &BANKS[self.spec.bank],
            currency: self.spec.currency,
        }
    }

    fn pending_context(&self, seed: u64) -> TxContext<'static> {
        TxContext {
            salt: self.salt ^ 0x9E4D,
            mask: self.pending_mask,
            ..self.context(seed)
        }
    }

    pub fn bank(&self) -> &'static Bank {
        &BANKS[self.spec.bank]
    }

    pub fn transaction_count(&self) -> usize {
        self.seeded + self.added.len()
    }

    pub fn index_of(&self, seed: u64, id: &str) -> Option<usize> {
        tx_index(&self.context(seed), id).filter(|i| *i < self.transaction_count())
    }

    pub fn pending_index_of(&self, id: &str) -> Option<usize> {
        self.pending.iter().position(|t| t.id == id)
    }
}

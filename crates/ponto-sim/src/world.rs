//! The simulated Ponto data: organizations, institutions, accounts, transactions, synchronizations.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, NaiveDate, Utc};

use crate::catalog::{AccountSpec, BANKS, Bank, ORGANIZATIONS};
use crate::dates::{iso, utc_midnight};
use crate::decimal::Dec;
use crate::generate::{TxContext, build_tx, generated_amount, seeded_tx, tx_id, tx_index};
use crate::json::J;
use crate::model::{SimAccount, SimOrganization, Tx};
use crate::refs::{belgian_bban, iban};
use crate::rng::{Rng, key};

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
    pub authorization_expires_at: String,
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
}

impl Sync {
    pub fn status(&self) -> &'static str {
        match self.polls {
            0 => "pending",
            1 => "running",
            _ => "success",
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
            authorization_expires_at: String::new(),
        };
        account.authorization_expires_at = iso(sync_time + Days::days(rng.range(10, 170) as i64));
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

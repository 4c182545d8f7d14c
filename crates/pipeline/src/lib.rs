//! The ponto2camt engine: everything that touches the state folder or a drop folder.
//!
//! [`Pipeline`] owns one state folder for its whole life — the configuration, the state
//! lock and the ledger — so that a long-running process (the `watch` daemon) locks once,
//! and every run goes through the same outbox: [`Pipeline::recover`] finishes what an
//! interrupted run left, [`Pipeline::note_pickups`] notes the files the ERP took, and
//! [`Pipeline::fetch`] delivers what Ponto has new. [`status::read_status`] reads a
//! state folder without the lock, while another process works on it.
//!
//! No command line here: errors are typed ([`Error`], with [`ErrorKind`]); the program
//! turns them into exit codes and hints.

pub mod accounts;
pub mod clock;
pub mod config;
pub mod connect;
pub mod convert;
pub mod crash;
pub mod delivery;
pub mod error;
pub mod export;
pub mod fetch;
pub mod first_run;
pub mod health;
pub mod ledger;
pub mod lock;
pub mod matching;
mod offload;
pub mod publish;
pub mod status;
pub mod sync_health;
pub mod watch;
pub mod window;

pub use clock::{Clock, SystemClock};
pub use config::{Config, Grouping};
pub use error::{Error, ErrorKind};
pub use fetch::{AccountReport, FetchOptions, FetchReport};

use ledger::Ledger;
use lock::StateLock;
use std::sync::Arc;

/// When a missing ledger may be started anew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewLedger {
    /// Only when nothing shows an earlier ledger (the first run).
    OnlyTheFirstTime,
    /// The operator starts over on purpose: everything since `start_date` is delivered
    /// again. An empty (truncated) ledger file is set aside as `ledger.sqlite3.empty`.
    StartOver,
}

/// What shows an earlier ledger when there is none now — looked at before locking,
/// because taking the lock leaves a lock file and a holder note of its own.
fn earlier_ledger(config: &Config, new_ledger: NewLedger) -> Option<first_run::Evidence> {
    let missing = first_run::ledger_file(&config.state_dir) == first_run::LedgerFile::Missing;
    (missing && new_ledger == NewLedger::OnlyTheFirstTime)
        .then(|| first_run::earlier_ledger(config))
        .flatten()
}

/// Under the lock: the ledger is there, or may be started. Looked at again here because
/// a run that held the lock before may just have created it.
fn check_ledger_file(
    config: &Config,
    new_ledger: NewLedger,
    evidence: Option<first_run::Evidence>,
) -> Result<(), Error> {
    use first_run::LedgerFile;
    match (first_run::ledger_file(&config.state_dir), new_ledger) {
        (LedgerFile::Present, _) => Ok(()),
        (LedgerFile::Empty(path), NewLedger::OnlyTheFirstTime) => Err(Error::LedgerEmpty(path)),
        (LedgerFile::Empty(path), NewLedger::StartOver) => {
            let aside = path.with_extension("sqlite3.empty");
            std::fs::rename(&path, &aside).map_err(|source| Error::Io { path, source })
        }
        (LedgerFile::Missing, _) => match evidence {
            None => Ok(()),
            Some(evidence) => Err(Error::LedgerMissing {
                state_dir: config.state_dir.clone(),
                evidence,
            }),
        },
    }
}

/// One state folder, held: its configuration, its lock and its ledger.
pub struct Pipeline {
    config: Config,
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    _lock: StateLock,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("state_dir", &self.config.state_dir)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Takes the state folder's lock (or fails with [`lock::LockError::Held`], a
    /// temporary error) and opens the ledger; both are kept until the pipeline is dropped.
    /// A missing ledger is only started anew when nothing shows an earlier one (see
    /// [`first_run`]).
    pub fn open(config: Config) -> Result<Pipeline, Error> {
        Pipeline::open_with(config, Arc::new(SystemClock), NewLedger::OnlyTheFirstTime)
    }

    pub fn open_with(
        config: Config,
        clock: Arc<dyn Clock>,
        new_ledger: NewLedger,
    ) -> Result<Pipeline, Error> {
        let evidence = earlier_ledger(&config, new_ledger);
        let lock = StateLock::acquire(&config.state_dir)?;
        check_ledger_file(&config, new_ledger, evidence)?;
        let ledger = Ledger::open(&config.state_dir)?;
        Ok(Pipeline {
            config,
            ledger,
            clock,
            _lock: lock,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Finishes every delivery an earlier run recorded but did not publish: the files it
    /// published, and per account what stopped it (that account's later statements wait;
    /// a fetch delivers nothing new for it, the other accounts go on).
    pub fn recover(&self) -> Result<delivery::Recovery, Error> {
        Ok(delivery::recover_each(
            &self.ledger,
            self.config.file_mode,
            self.now(),
        )?)
    }

    /// Notes the published files the ERP has taken from the drop folders since the last look.
    pub fn note_pickups(&self) -> Result<(), Error> {
        Ok(delivery::note_pickups(&self.ledger, self.now())?)
    }

    /// Records an operator's decision on transactions held for review (possible
    /// re-listings after a re-authorization): accepted ones are delivered by the next
    /// fetch, dismissed ones never. An id that is not held undecided is an error, and
    /// no decision is recorded then.
    pub fn decide_reviews(&self, accept: &[String], dismiss: &[String]) -> Result<(), Error> {
        use ledger::ReviewDecision::{Accepted, Dismissed};
        if accept.is_empty() && dismiss.is_empty() {
            return Ok(());
        }
        let held = self.ledger.undecided_holds()?;
        if let Some(id) = accept.iter().chain(dismiss).find(|id| !held.contains(*id)) {
            return Err(Error::NotHeldForReview(id.clone()));
        }
        let decisions = accept
            .iter()
            .map(|id| (id, Accepted))
            .chain(dismiss.iter().map(|id| (id, Dismissed)));
        for (id, decision) in decisions {
            if let Some(key) = self.ledger.decide_review(id, decision, self.now())? {
                tracing::info!(account = %key, transaction = %id, ?decision, "review decided");
            }
        }
        Ok(())
    }

    /// One fetch over the configured accounts (or those in `options.only`). Failures of
    /// single accounts or organizations are in the report; the others go on.
    pub fn fetch(&self, options: &FetchOptions) -> FetchReport {
        fetch::run(&self.config, &self.ledger, self.clock.as_ref(), options)
    }

    /// Delivers a bundle file through the ledger like fetched data (the `watch` inbox):
    /// into the drop folder of the configured account it belongs to, skipping what was
    /// delivered already, continuing the statement chain.
    pub fn publish_bundle(&self, path: &std::path::Path) -> Result<AccountReport, Error> {
        fetch::from_bundle::deliver_bundle(&self.config, &self.ledger, path, self.now())
    }

    /// Replaces the configuration (a reload), keeping the lock and the ledger. The new
    /// configuration must name the same state folder.
    pub fn reconfigure(&mut self, config: Config) -> Result<(), Error> {
        if config.state_dir != self.config.state_dir {
            return Err(Error::Config(config::ConfigError::StateDirChanged {
                file: config.source.clone(),
                from: self.config.state_dir.clone(),
                to: config.state_dir.clone(),
            }));
        }
        self.config = config;
        Ok(())
    }
}

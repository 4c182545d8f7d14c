//! The `ponto2camt` program: CLI, config, ledger, publishing, fetch/watch loops, demo.
//! `main.rs` only calls [`cli::main`]; everything else lives in the module named after it.

pub mod accounts;
pub mod bundle;
pub mod check_config;
pub mod cli;
pub mod clock;
pub mod config;
pub mod connect;
pub mod convert;
pub mod crash;
pub mod delivery;
pub mod demo;
pub mod error;
pub mod export;
pub mod fetch;
pub mod inspect;
pub mod ledger;
pub mod lock;
pub mod logging;
pub mod publish;
pub mod spool;
pub mod status;

//! The `ponto2camt` program: CLI, config, ledger, publishing, fetch/watch loops, demo.
//! `main.rs` only calls [`cli::main`]; everything else lives in the module named after it.

pub mod config;
pub mod ledger;

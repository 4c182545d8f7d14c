//! The one integration-test binary: end-to-end tests of `ponto2camt`, with a tiny harness
//! in `util.rs`. Each module is one concern.

mod sim_env;
mod util;

mod bank_link;
mod cli;
mod config_setup;
mod contrib;
mod convert;
mod inspect;
mod roundtrip;

mod exactly_once;
mod export_raw;
mod fetch;
mod hardening;
mod hardening_delivery;
mod migration;
mod ponto_commands;
mod reauthorization;
mod watch;

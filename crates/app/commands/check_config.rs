//! `ponto2camt check-config`: the configuration file is valid (keys, values, folders,
//! time zones) and, with `--online`, the credentials work and every configured account
//! exists in Ponto.

use super::load_config;
use crate::cli::CheckConfigArgs;
use crate::error::CliError;
use crate::output;
use std::path::Path;

pub fn run(config_path: Option<&Path>, args: &CheckConfigArgs) -> Result<(), CliError> {
    let config = load_config(config_path)?;
    config.check_time_zones()?;
    check_state_dir(&config)?;
    for warning in config.permission_warnings() {
        tracing::warn!("{warning}");
    }
    // Offline, a client is only built, not used: that checks each api_url as fetch would.
    for access in pipeline::connect::from_config(&config) {
        pipeline::connect::client(&access)?;
    }
    output::line(format_args!(
        "{}: ok ({} organization(s), {} account(s), grouping {})",
        config.source.display(),
        config.organizations.len(),
        config.accounts().count(),
        config.grouping.as_str()
    ));
    if args.online {
        pipeline::connect::check_online(&config, &mut |iban, organization| {
            output::line(format_args!("{iban} ({organization}): found in Ponto"));
        })?;
    }
    Ok(())
}

/// The state folder must exist: `fetch` creates it the first time, and after that a
/// missing one means the ledger is gone (or the path is wrong).
fn check_state_dir(config: &pipeline::Config) -> Result<(), CliError> {
    if config.state_dir.is_dir() {
        return Ok(());
    }
    Err(CliError::new(
        crate::error::ExitKind::Config,
        format!(
            "{}: state_dir: {} does not exist",
            config.source.display(),
            config.state_dir.display()
        ),
    )
    .hinted("before the first run, create it (mkdir -m 700 …); if fetch ran before, the ledger is gone or the path is wrong: restore it from a backup"))
}

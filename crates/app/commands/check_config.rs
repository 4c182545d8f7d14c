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

//! `ponto2camt check-config`: the configuration file is valid (keys, values, folders,
//! time zones, URLs) — every problem is reported in one run — and, with `--online`, the
//! credentials work and every configured account exists in Ponto.

use crate::cli::CheckConfigArgs;
use crate::error::CliError;
use crate::output;
use std::path::Path;

pub fn run(config_path: Option<&Path>, args: &CheckConfigArgs) -> Result<(), CliError> {
    let path = super::config_path(config_path)?;
    // Every check the file allows, offline: values, folders, time zones, each api_url
    // as the client takes it (a client is only built, never used, offline).
    let config = pipeline::config::check(&path, &super::env)?;
    for warning in config.permission_warnings() {
        tracing::warn!("{warning}");
    }
    for org in &config.organizations {
        tracing::info!(organization = %org.name, "client secret from {}", org.secret_source);
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

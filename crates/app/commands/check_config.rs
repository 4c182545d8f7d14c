//! `ponto2camt check-config`: the configuration file is valid (keys, values, folders,
//! time zones) and, with `--online`, the credentials work and every configured account
//! exists in Ponto.

use crate::config::Config;
use crate::connect::{self, ponto_error};
use crate::error::{CliError, ExitKind};
use crate::fetch::load_config;
use std::path::Path;

pub fn run(config_path: Option<&Path>, online: bool) -> Result<(), CliError> {
    let config = load_config(config_path)?;
    check_time_zones(&config)?;
    let accounts = config.accounts().count();
    println!(
        "{}: ok ({} organization(s), {} account(s), grouping {})",
        config.source.display(),
        config.organizations.len(),
        accounts,
        config.grouping.as_str()
    );
    if online {
        check_online(&config)?;
    }
    Ok(())
}

fn check_time_zones(config: &Config) -> Result<(), CliError> {
    for (_, account) in config.accounts() {
        if let Some(zone) = &account.time_zone
            && zone.parse::<chrono_tz::Tz>().is_err()
        {
            return Err(CliError::new(
                ExitKind::Config,
                format!(
                    "{}: {}.time_zone: unknown time zone {zone:?}",
                    config.source.display(),
                    account.config_key
                ),
            )
            .hinted("use an IANA name such as Europe/Brussels"));
        }
    }
    Ok(())
}

fn check_online(config: &Config) -> Result<(), CliError> {
    for (access, org) in connect::from_config(config)
        .iter()
        .zip(&config.organizations)
    {
        let client = connect::client(access)?;
        let listed = client.accounts().map_err(|e| ponto_error(&org.name, e))?;
        for account in &org.accounts {
            let found = listed.iter().any(|a| {
                crate::config::normalize_iban(a.attributes.reference.as_deref().unwrap_or(""))
                    == account.iban
                    && account
                        .currency
                        .as_deref()
                        .is_none_or(|c| a.attributes.currency.as_deref() == Some(c))
            });
            if !found {
                return Err(CliError::new(
                    ExitKind::Config,
                    format!(
                        "{}: {}: Ponto has no account {} for organization {}",
                        config.source.display(),
                        account.config_key,
                        account.iban,
                        org.name
                    ),
                )
                .hinted("run `ponto2camt accounts` to see what the integration may read"));
            }
            println!("{} ({}): found in Ponto", account.iban, org.name);
        }
    }
    Ok(())
}

//! Reaching Ponto: credentials from the configuration or the environment, a client per
//! organization, and Ponto's errors turned into exit codes with hints.

use crate::error::{CliError, ExitKind};
use ponto::{Client, ClientConfig, Credentials, PontoError, Secret};
use std::path::Path;

/// One organization's way into Ponto.
#[derive(Debug, Clone)]
pub struct PontoAccess {
    pub organization: String,
    pub api_url: String,
    pub client_id: String,
    pub client_secret: Secret,
}

use crate::config::{ENV_API_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET};

/// Credentials from the environment alone (no configuration file).
pub fn from_environment(env: &dyn Fn(&str) -> Option<String>) -> Result<PontoAccess, CliError> {
    let client_id = env(ENV_CLIENT_ID).filter(|v| !v.trim().is_empty());
    let secret = env(ENV_CLIENT_SECRET).filter(|v| !v.is_empty());
    match (client_id, secret) {
        (Some(client_id), Some(secret)) => Ok(PontoAccess {
            organization: "default".into(),
            api_url: env(ENV_API_URL).unwrap_or_else(|| ponto::DEFAULT_BASE_URL.to_owned()),
            client_id: client_id.trim().to_owned(),
            client_secret: Secret::new(secret.trim().to_owned()),
        }),
        _ => Err(CliError::new(
            ExitKind::Config,
            "no Ponto credentials: no configuration file and PONTO_CLIENT_ID / PONTO_CLIENT_SECRET are not set",
        )
        .hinted("set PONTO_CLIENT_ID and PONTO_CLIENT_SECRET (from Ponto's Integrations page), or pass --config FILE")
        .hinted("to try the tool without credentials: ponto2camt demo")),
    }
}

/// Where the credentials come from: the configuration file when there is one (given with
/// `--config`, or `./ponto2camt.toml`), else the environment.
pub fn accesses(config: Option<&Path>) -> Result<Vec<PontoAccess>, CliError> {
    let env = |name: &str| std::env::var(name).ok();
    let default = Path::new(crate::config::DEFAULT_PATH);
    let path = match config {
        Some(path) => path,
        None if default.exists() => default,
        None => return from_environment(&env).map(|access| vec![access]),
    };
    let config = crate::config::load(path, &env).map_err(config_error)?;
    Ok(from_config(&config))
}

pub fn from_config(config: &crate::config::Config) -> Vec<PontoAccess> {
    config.organizations.iter().map(access_of).collect()
}

pub fn access_of(org: &crate::config::OrganizationConfig) -> PontoAccess {
    PontoAccess {
        organization: org.name.clone(),
        api_url: org.api_url.clone(),
        client_id: org.client_id.clone(),
        client_secret: org.client_secret.clone(),
    }
}

pub fn config_error(error: crate::config::ConfigError) -> CliError {
    CliError::new(ExitKind::Config, error.to_string())
        .hinted("every key is documented in ponto2camt.example.toml; `ponto2camt check-config` checks a file")
}

pub fn client(access: &PontoAccess) -> Result<Client, CliError> {
    let credentials = Credentials::new(access.client_id.clone(), access.client_secret.clone());
    let config = ClientConfig::new(credentials).with_base_url(access.api_url.clone());
    Client::new(config).map_err(|e| ponto_error(&access.organization, e))
}

/// The exit code a Ponto failure means, with what the user can do about it.
pub fn ponto_error(organization: &str, error: PontoError) -> CliError {
    let message = format!("Ponto ({organization}): {error}");
    match &error {
        PontoError::BadCredentials { .. } => CliError::new(ExitKind::Config, message)
            .hinted("check client_id / client_secret (or PONTO_CLIENT_ID / PONTO_CLIENT_SECRET); a regenerated secret replaces the old one"),
        PontoError::InvalidConfig { .. } | PontoError::InsecureUrl { .. } => {
            CliError::new(ExitKind::Config, message)
        }
        PontoError::RateLimited { .. } => CliError::new(ExitKind::TempFail, message)
            .hinted("Ponto asked to slow down; the next scheduled run will pick up where this one stopped"),
        PontoError::NotFound { .. } => CliError::new(ExitKind::Data, message)
            .hinted("the account may have been revoked in Ponto; run `ponto2camt accounts` to see what the integration can read"),
        _ if error.is_temporary() => CliError::new(ExitKind::Unavailable, message)
            .hinted("Ponto could not be reached after several tries; nothing was lost, run again later"),
        _ => CliError::new(ExitKind::Unavailable, message),
    }
}

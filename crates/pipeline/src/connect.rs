//! Reaching Ponto: credentials from the configuration or the environment, and a client
//! per organization.

use crate::Error;
use crate::config::{
    self, Config, ConfigError, ENV_API_URL, ENV_CLIENT_ID, OrganizationConfig, SecretSource,
};
use ponto::{Client, ClientConfig, Credentials, Secret};
use std::path::Path;

/// One organization's way into Ponto.
#[derive(Debug, Clone)]
pub struct PontoAccess {
    pub organization: String,
    pub api_url: String,
    pub client_id: String,
    pub client_secret: Secret,
}

/// Credentials from the environment alone (no configuration file): `PONTO_CLIENT_ID`,
/// the secret as [`config::secret_from_environment`] finds it (`PONTO_CLIENT_SECRET`,
/// `PONTO_CLIENT_SECRET_FILE`, the systemd credential), `PONTO_API_URL`.
pub fn from_environment(env: &dyn Fn(&str) -> Option<String>) -> Result<PontoAccess, Error> {
    from_environment_with_source(env).map(|(access, _)| access)
}

/// [`from_environment`], and where the secret came from.
pub fn from_environment_with_source(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(PontoAccess, SecretSource), Error> {
    let client_id = env(ENV_CLIENT_ID).filter(|v| !v.trim().is_empty());
    let secret = config::secret_from_environment(env)?;
    match (client_id, secret) {
        (Some(client_id), Some((client_secret, source))) => Ok((
            PontoAccess {
                organization: config::DEFAULT_ORGANIZATION.into(),
                api_url: env(ENV_API_URL)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_else(|| ponto::DEFAULT_BASE_URL.to_owned()),
                client_id: client_id.trim().to_owned(),
                client_secret,
            },
            source,
        )),
        _ => Err(Error::NoCredentials),
    }
}

/// Where the credentials come from: the configuration file when there is one (given as
/// `config`, else found by [`config::locate`]), else the environment.
pub fn accesses(
    config: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<PontoAccess>, Error> {
    accesses_and_limits(config, env).map(|(accesses, _)| accesses)
}

/// [`accesses`], with the configuration's bank-link thresholds (the defaults when the
/// credentials come from the environment alone).
pub fn accesses_and_limits(
    config: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Vec<PontoAccess>, crate::sync_health::Limits), Error> {
    let path = match config {
        Some(path) => path.to_path_buf(),
        None => match config::locate(env) {
            Ok(path) => path,
            Err(ConfigError::NotFound { .. }) => {
                let access = from_environment(env)?;
                return Ok((vec![access], crate::sync_health::Limits::default()));
            }
            Err(other) => return Err(other.into()),
        },
    };
    let config = config::load(&path, env)?;
    Ok((
        from_config(&config),
        crate::sync_health::Limits::of(&config),
    ))
}

pub fn from_config(config: &Config) -> Vec<PontoAccess> {
    config.organizations.iter().map(access_of).collect()
}

pub fn access_of(org: &OrganizationConfig) -> PontoAccess {
    PontoAccess {
        organization: org.name.clone(),
        api_url: org.api_url.clone(),
        client_id: org.client_id.clone(),
        client_secret: org.client_secret.clone(),
    }
}

pub fn client(access: &PontoAccess) -> Result<Client, Error> {
    let credentials = Credentials::new(access.client_id.clone(), access.client_secret.clone());
    let config = ClientConfig::new(credentials).with_base_url(access.api_url.clone());
    Client::new(config).map_err(|e| Error::ponto(&access.organization, e))
}

/// `check-config --online`: logs in for every organization and looks for every
/// configured account, telling `found(IBAN, organization)` of each one as it goes.
pub fn check_online(config: &Config, found: &mut dyn FnMut(&str, &str)) -> Result<(), Error> {
    for org in &config.organizations {
        let client = client(&access_of(org))?;
        let listed = client.accounts().map_err(|e| Error::ponto(&org.name, e))?;
        for account in &org.accounts {
            if crate::matching::matching(&listed, account).is_empty() {
                return Err(Error::ConfiguredNotInPonto {
                    file: config.source.clone(),
                    config_key: account.config_key.clone(),
                    iban: account.iban.clone(),
                    organization: org.name.clone(),
                });
            }
            found(&account.iban, &org.name);
        }
    }
    Ok(())
}

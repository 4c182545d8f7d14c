//! Reaching Ponto: credentials from the configuration or the environment, and a client
//! per organization.

use crate::Error;
use crate::config::{
    self, Config, ENV_API_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, OrganizationConfig,
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

/// Credentials from the environment alone (no configuration file).
pub fn from_environment(env: &dyn Fn(&str) -> Option<String>) -> Result<PontoAccess, Error> {
    let client_id = env(ENV_CLIENT_ID).filter(|v| !v.trim().is_empty());
    let secret = env(ENV_CLIENT_SECRET).filter(|v| !v.is_empty());
    match (client_id, secret) {
        (Some(client_id), Some(secret)) => Ok(PontoAccess {
            organization: config::DEFAULT_ORGANIZATION.into(),
            api_url: env(ENV_API_URL).unwrap_or_else(|| ponto::DEFAULT_BASE_URL.to_owned()),
            client_id: client_id.trim().to_owned(),
            client_secret: Secret::new(secret.trim().to_owned()),
        }),
        _ => Err(Error::NoCredentials),
    }
}

/// Where the credentials come from: the configuration file when there is one (given as
/// `config`, or `./ponto2camt.toml`), else the environment.
pub fn accesses(
    config: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<PontoAccess>, Error> {
    let default = Path::new(config::DEFAULT_PATH);
    let path = match config {
        Some(path) => path,
        None if default.exists() => default,
        None => return from_environment(env).map(|access| vec![access]),
    };
    let config = config::load(path, env)?;
    Ok(from_config(&config))
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

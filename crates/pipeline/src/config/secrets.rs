//! The client secret from the environment (single organization only), in this order:
//! `PONTO_CLIENT_SECRET`, the file `PONTO_CLIENT_SECRET_FILE` names, the systemd
//! credential `$CREDENTIALS_DIRECTORY/ponto_client_secret`. Only after these comes the
//! configuration file (`client_secret`, `client_secret_file`): what this process was
//! started with beats the file every process shares. No message holds a secret.

use super::permissions::read_secret_file;
use super::{
    ConfigError, ENV_CLIENT_SECRET, ENV_CLIENT_SECRET_FILE, ENV_CREDENTIALS_DIRECTORY, Problem,
    SYSTEMD_CREDENTIAL, Secret, SecretSource,
};
use std::path::Path;

/// The secret the environment gives, with where it came from; `None` when it gives none
/// (then the configuration file must). A secret file that cannot be used is an error
/// naming the variable, never the content.
pub fn secret_from_environment(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(Secret, SecretSource)>, ConfigError> {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(secret) = set(ENV_CLIENT_SECRET) {
        return Ok(Some((
            Secret::new(secret.trim().to_owned()),
            SecretSource::Environment,
        )));
    }
    if let Some(named) = set(ENV_CLIENT_SECRET_FILE) {
        let path = super::absolute(Path::new(named.trim()));
        let secret = read_secret(&path).map_err(|problem| ConfigError::Environment {
            origin: ENV_CLIENT_SECRET_FILE.to_owned(),
            problem,
        })?;
        return Ok(Some((secret, SecretSource::EnvironmentFile(path))));
    }
    if let Some(dir) = set(ENV_CREDENTIALS_DIRECTORY) {
        let path = Path::new(dir.trim()).join(SYSTEMD_CREDENTIAL);
        // The service may load other credentials and not this one.
        if std::fs::symlink_metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            return Ok(None);
        }
        let secret = read_secret(&path).map_err(|problem| ConfigError::Environment {
            origin: format!("${ENV_CREDENTIALS_DIRECTORY}/{SYSTEMD_CREDENTIAL}"),
            problem,
        })?;
        return Ok(Some((secret, SecretSource::Credential(path))));
    }
    Ok(None)
}

/// A secret file's content, trimmed; a problem that names the file, not the content.
pub(super) fn read_secret(path: &Path) -> Result<Secret, Problem> {
    let text = read_secret_file(path).map_err(|reason| Problem::SecretFile {
        path: path.to_path_buf(),
        reason,
    })?;
    let secret = text.trim();
    if secret.is_empty() {
        return Err(Problem::EmptySecretFile(path.to_path_buf()));
    }
    Ok(Secret::new(secret.to_owned()))
}

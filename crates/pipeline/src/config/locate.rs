//! Where the configuration file is when no `--config` names one: `PONTO2CAMT_CONFIG`,
//! then `./ponto2camt.toml`, then `$XDG_CONFIG_HOME/ponto2camt/ponto2camt.toml`
//! (`~/.config/…` when the variable is not set), then `/etc/ponto2camt/ponto2camt.toml`.
//! The first that exists is used.

use super::{ConfigError, DEFAULT_PATH, ENV_CONFIG};
use std::path::{Path, PathBuf};

/// The places outside the user's reach, last in the lookup.
pub const SYSTEM_PLACES: &[&str] = &["/etc/ponto2camt/ponto2camt.toml"];

/// The configuration file to use without `--config` (see the module's documentation).
/// `PONTO2CAMT_CONFIG` is an explicit choice: when the file it names does not exist,
/// that is the error (never another file). When no place holds a file, the error lists
/// every place looked at.
pub fn locate(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, ConfigError> {
    let system: Vec<PathBuf> = SYSTEM_PLACES.iter().map(PathBuf::from).collect();
    locate_among(env, Path::new("."), &system)
}

/// [`locate`] with the current folder and the system places given (for tests).
pub fn locate_among(
    env: &dyn Fn(&str) -> Option<String>,
    current_dir: &Path,
    system: &[PathBuf],
) -> Result<PathBuf, ConfigError> {
    if let Some(named) = env(ENV_CONFIG).filter(|v| !v.trim().is_empty()) {
        let path = PathBuf::from(named);
        if !is_there(&path) {
            return Err(ConfigError::EnvPathMissing {
                var: ENV_CONFIG,
                path: super::absolute(&path),
            });
        }
        tracing::debug!(path = %path.display(), "configuration file named by {ENV_CONFIG}");
        return Ok(path);
    }
    let tried = places(env, current_dir, system);
    match tried.iter().find(|place| is_there(place)) {
        Some(found) => {
            tracing::debug!(path = %found.display(), "configuration file found");
            Ok(found.clone())
        }
        None => Err(ConfigError::NotFound {
            tried: tried.iter().map(|p| super::absolute(p)).collect(),
        }),
    }
}

/// The places looked at after `PONTO2CAMT_CONFIG`, in order.
pub fn places(
    env: &dyn Fn(&str) -> Option<String>,
    current_dir: &Path,
    system: &[PathBuf],
) -> Vec<PathBuf> {
    let mut places = vec![current_dir.join(DEFAULT_PATH)];
    // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and ignored.
    let config_home = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            env("HOME")
                .filter(|h| !h.trim().is_empty())
                .map(|home| Path::new(&home).join(".config"))
        });
    if let Some(config_home) = config_home {
        places.push(config_home.join("ponto2camt").join(DEFAULT_PATH));
    }
    places.extend(system.iter().cloned());
    places
}

/// Something is there (a dangling link or an unreadable file too: reading it then says
/// what is wrong, instead of another file being taken silently).
fn is_there(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
        ),
    }
}

//! Who may read what: the mode of the files written into drop folders (`file_mode`),
//! the checks `check-config` makes on the files holding the client secret, and reading
//! a secret file safely.

use super::Config;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Drop files are readable by their owner and group (the ERP usually reads them as a
/// member of the drop folder's group), by nobody else.
pub const DEFAULT_FILE_MODE: u32 = 0o640;

/// A secret file longer than this is not a secret (`/dev/zero`, a wrong path).
pub const MAX_SECRET_FILE: u64 = 4096;

/// Where an organization's client secret came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `client_secret` in the configuration file.
    ConfigFile,
    /// `client_secret_file` (absolute).
    File(PathBuf),
    /// `PONTO_CLIENT_SECRET`.
    Environment,
    /// The file `PONTO_CLIENT_SECRET_FILE` names (absolute).
    EnvironmentFile(PathBuf),
    /// The systemd credential `$CREDENTIALS_DIRECTORY/ponto_client_secret`.
    Credential(PathBuf),
}

impl std::fmt::Display for SecretSource {
    /// Where the secret came from, for logs (never the secret).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::ConfigFile => f.write_str("client_secret in the configuration file"),
            SecretSource::File(path) => write!(f, "client_secret_file {}", path.display()),
            SecretSource::Environment => f.write_str("PONTO_CLIENT_SECRET"),
            SecretSource::EnvironmentFile(path) => {
                write!(f, "PONTO_CLIENT_SECRET_FILE {}", path.display())
            }
            SecretSource::Credential(path) => {
                write!(f, "the systemd credential {}", path.display())
            }
        }
    }
}

/// `file_mode`: octal text such as `"0640"` (`"640"` and `"0o640"` too), permission bits
/// only, and the owner must be able to read the file (recovery reads it back).
pub(super) fn parse_file_mode(text: &str) -> Option<u32> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix("0o").unwrap_or(trimmed);
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return None;
    }
    u32::from_str_radix(digits, 8)
        .ok()
        .filter(|mode| *mode <= 0o777 && mode & 0o400 != 0)
}

/// Reads a regular file of at most `max` bytes. Opened without blocking, so that a FIFO
/// (or a device such as /dev/zero) named where a file is expected cannot hang the
/// program or fill its memory.
pub(super) fn read_regular_file(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(Error::new(
            ErrorKind::FileTooLarge,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

/// Reads a secret file: a regular file (systemd's credentials are regular files too) of
/// at most [`MAX_SECRET_FILE`] bytes of UTF-8; the error never quotes the content.
pub(super) fn read_secret_file(path: &Path) -> Result<String, String> {
    let bytes = read_regular_file(path, MAX_SECRET_FILE).map_err(|e| match e.kind() {
        std::io::ErrorKind::FileTooLarge => {
            format!("larger than {MAX_SECRET_FILE} bytes (a secret is a short line)")
        }
        _ => e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
}

impl Config {
    /// Warnings for `check-config`: the configuration file holds a `client_secret` and
    /// is readable by every user, or a file holding the secret is (`client_secret_file`,
    /// `PONTO_CLIENT_SECRET_FILE`'s, a systemd credential). Files that cannot be looked
    /// at give no warning (reading them already failed or will).
    pub fn permission_warnings(&self) -> Vec<String> {
        let mut files: Vec<(&Path, &str)> = Vec::new();
        for org in &self.organizations {
            match &org.secret_source {
                SecretSource::ConfigFile => files.push((&self.source, "holds client_secret")),
                SecretSource::File(path) => files.push((path, "is the client_secret_file")),
                SecretSource::EnvironmentFile(path) => {
                    files.push((path, "is the file PONTO_CLIENT_SECRET_FILE names"))
                }
                SecretSource::Credential(path) => files.push((path, "holds the client secret")),
                SecretSource::Environment => {}
            }
        }
        files.dedup();
        files
            .into_iter()
            .filter_map(|(path, what)| world_readable_warning(path, what))
            .collect()
    }
}

fn world_readable_warning(path: &Path, what: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    (mode & 0o004 != 0).then(|| {
        format!(
            "{}: {what} and is readable by every user (mode {mode:04o}); run `chmod o-r {}`",
            path.display(),
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::{ConfigError, Problem, load, parse};
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const CONFIG: &str = r#"
state_dir = "state"
drop_dir = "/srv/drop"
FILE_MODE
[ponto]
client_id = "id-1"
SECRET

[[accounts]]
iban = "BE68539007547034"
start_date = "2026-01-01"
"#;

    fn text(file_mode: &str, secret: &str) -> String {
        CONFIG
            .replace("FILE_MODE", file_mode)
            .replace("SECRET", secret)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn refusal(result: Result<Config, ConfigError>) -> (String, Problem) {
        match result {
            Err(ConfigError::Invalid { key, problem, .. }) => (key, problem),
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("accepted"),
        }
    }

    fn with_secret_file(path: &Path) -> Result<Config, ConfigError> {
        let secret = format!("client_secret_file = \"{}\"", path.display());
        parse(&text("", &secret), Path::new("/etc/p2c"), &no_env)
    }

    #[test]
    fn file_mode_is_0640_unless_set_and_must_be_a_readable_octal_mode() {
        let inline = "client_secret = \"s\"";
        let parsed = |mode: &str| parse(&text(mode, inline), Path::new("/etc/p2c"), &no_env);
        assert_eq!(parsed("").expect("valid").file_mode, 0o640);
        assert_eq!(
            parsed("file_mode = \"0600\"").expect("valid").file_mode,
            0o600
        );
        assert_eq!(
            parsed("file_mode = \"644\"").expect("valid").file_mode,
            0o644
        );
        assert_eq!(
            parsed("file_mode = \"0o664\"").expect("valid").file_mode,
            0o664
        );
        for bad in ["0999", "1777", "0200", "", "rw-r-----", "00640"] {
            let (key, problem) = refusal(parsed(&format!("file_mode = \"{bad}\"")));
            assert_eq!(key, "file_mode", "{bad}");
            assert!(
                matches!(problem, Problem::BadFileMode(_)),
                "{bad}: {problem}"
            );
        }
    }

    #[test]
    fn a_secret_file_is_read_only_when_it_is_a_small_regular_file() {
        let dir = tempfile::tempdir().expect("dir");
        let large = dir.path().join("large");
        let file = std::fs::File::create(&large).expect("large");
        file.set_len(1 << 20).expect("sparse, 1 MiB");
        let (key, problem) = refusal(with_secret_file(&large));
        assert_eq!(key, "ponto.client_secret_file");
        assert!(problem.to_string().contains("larger than"), "{problem}");

        // A FIFO without a writer would block a plain read forever; /dev/zero never ends.
        let fifo = dir.path().join("fifo");
        let c_path = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
        // SAFETY: a NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        for special in [fifo.as_path(), Path::new("/dev/zero")] {
            let (_, problem) = refusal(with_secret_file(special));
            assert!(
                problem.to_string().contains("not a regular file"),
                "{}: {problem}",
                special.display()
            );
        }

        let fine = dir.path().join("fine");
        std::fs::write(&fine, "  the-secret\n").expect("secret");
        let config = with_secret_file(&fine).expect("valid");
        assert_eq!(config.organizations[0].client_secret.expose(), "the-secret");
        assert_eq!(
            config.organizations[0].secret_source,
            SecretSource::File(fine)
        );
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    #[test]
    fn check_config_warns_when_a_file_holding_the_secret_is_readable_by_everyone() {
        let dir = tempfile::tempdir().expect("dir");
        let config_path = dir.path().join("ponto2camt.toml");
        std::fs::write(&config_path, text("", "client_secret = \"s\"")).expect("config");
        chmod(&config_path, 0o644);
        let config = load(&config_path, &no_env).expect("valid");
        let warnings = config.permission_warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains(&config_path.display().to_string()));
        assert!(warnings[0].contains("client_secret"), "{warnings:?}");
        chmod(&config_path, 0o640);
        assert!(config.permission_warnings().is_empty());

        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s").expect("secret");
        chmod(&secret, 0o604);
        let with_file = format!("client_secret_file = \"{}\"", secret.display());
        std::fs::write(&config_path, text("", &with_file)).expect("config");
        chmod(&config_path, 0o644);
        let config = load(&config_path, &no_env).expect("valid");
        let warnings = config.permission_warnings();
        assert_eq!(
            warnings.len(),
            1,
            "the config file holds no secret: {warnings:?}"
        );
        assert!(warnings[0].contains(&secret.display().to_string()));

        // From the environment: no file holds it.
        let env = |name: &str| (name == "PONTO_CLIENT_SECRET").then(|| "s".to_owned());
        std::fs::write(&config_path, text("", "")).expect("config");
        let config = load(&config_path, &env).expect("valid");
        assert!(config.permission_warnings().is_empty());
    }
}

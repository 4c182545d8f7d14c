//! `ponto2camt init`: from Ponto credentials to a configuration in one command. Logs in,
//! lists the accounts, writes a commented configuration with one `[[accounts]]` block
//! each — never the secret, never over an existing file — and says what comes next.

use crate::cli::InitArgs;
use crate::error::{CliError, ExitKind};
use crate::output;
use pipeline::config::template::{Template, TemplateAccount, write_new};
use pipeline::config::{
    ENV_API_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_CLIENT_SECRET_FILE, SecretSource,
};
use std::path::{Path, PathBuf};

pub fn run(args: &InitArgs) -> Result<(), CliError> {
    let output = &args.output;
    // Checked before logging in (and again, atomically, when the file is put in place).
    if std::fs::symlink_metadata(output).is_ok() {
        return Err(exists(output));
    }
    let folder = match output.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(CliError::new(
            ExitKind::Io,
            format!("{}: no such folder", folder.display()),
        )
        .hinted("create it first, or pass --output with a file in an existing folder"));
    }

    let env = |name: &str| overlay(args, name);
    let (access, source) = match pipeline::connect::from_environment_with_source(&env) {
        Ok(found) => found,
        Err(pipeline::Error::NoCredentials) => return Err(no_credentials()),
        Err(other) => return Err(other.into()),
    };
    let views = pipeline::accounts::list(
        std::slice::from_ref(&access),
        pipeline::sync_health::Limits::default(),
        pipeline::clock::now(),
    )?;
    let (accounts, unnamed): (Vec<_>, Vec<_>) = views
        .into_iter()
        .partition(|v| v.reference != "?" && !v.reference.trim().is_empty());
    let secret_file = match &source {
        SecretSource::File(path) | SecretSource::EnvironmentFile(path) => Some(path.clone()),
        _ => None,
    };
    let template = Template {
        api_url: access.api_url.clone(),
        client_id: access.client_id.clone(),
        secret_file,
        state_dir: folder_text(args.state_dir.as_deref(), "state"),
        drop_dir: folder_text(args.drop_dir.as_deref(), "drop"),
        today: pipeline::clock::now().date_naive(),
        accounts: accounts
            .iter()
            .map(|v| TemplateAccount {
                reference: v.reference.clone(),
                currency: v.currency.clone(),
                description: v.description.clone(),
                holder: v.holder_name.clone(),
                bank: v.bank.clone(),
            })
            .collect(),
    };
    write_new(output, &template.render()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            exists(output)
        } else {
            CliError::new(
                ExitKind::Io,
                format!("cannot write {}: {e}", output.display()),
            )
        }
    })?;
    if !unnamed.is_empty() {
        tracing::warn!(
            "{} account(s) without a reference (IBAN) left out",
            unnamed.len()
        );
    }
    output::print(&next_steps(output, &template, &source));
    Ok(())
}

/// The environment, with the command line's credentials on top. `--client-secret-file`
/// stands for `PONTO_CLIENT_SECRET_FILE` and wins over `PONTO_CLIENT_SECRET`.
fn overlay(args: &InitArgs, name: &str) -> Option<String> {
    let flag = match name {
        ENV_API_URL => args.api_url.clone(),
        ENV_CLIENT_ID => args.client_id.clone(),
        ENV_CLIENT_SECRET_FILE => args
            .client_secret_file
            .as_ref()
            .map(|p| p.display().to_string()),
        ENV_CLIENT_SECRET if args.client_secret_file.is_some() => return None,
        _ => None,
    };
    flag.or_else(|| super::env(name))
}

/// A folder given on the command line is written absolute (it was meant relative to
/// the current folder, the file's relative paths are relative to the file's folder);
/// the default is written relative: beside the file.
fn folder_text(given: Option<&Path>, default: &str) -> String {
    match given {
        Some(dir) => std::path::absolute(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .display()
            .to_string(),
        None => default.to_owned(),
    }
}

fn next_steps(output: &Path, template: &Template, source: &SecretSource) -> String {
    let base = std::path::absolute(output)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let mut out = format!(
        "wrote {}: {} account(s), start_date {} (a week ago)\n",
        output.display(),
        template.accounts.len(),
        template.start_date()
    );
    if matches!(source, SecretSource::Environment) {
        out.push_str(&format!(
            "the secret is not in the file: keep {ENV_CLIENT_SECRET} set for every run, or put it into a file only you can read and set client_secret_file\n"
        ));
    }
    out.push_str("next:\n");
    let state_dir = base.join(&template.state_dir);
    if !state_dir.is_dir() {
        out.push_str(&format!(
            "  mkdir -m 700 {}    # state_dir (fetch would create it too)\n",
            shell_word(&state_dir)
        ));
    }
    let drop_dir = base.join(&template.drop_dir);
    if !drop_dir.is_dir() {
        out.push_str(&format!(
            "  mkdir {}    # drop_dir: the ERP's import folder, readable by the ERP\n",
            shell_word(&drop_dir)
        ));
    }
    let config = shell_word(output);
    out.push_str(&format!(
        "  ponto2camt check-config --config {config}\n  ponto2camt fetch --config {config}\n"
    ));
    out
}

/// A path as one shell word (quoted when it holds anything but plain characters), so
/// the printed commands can be pasted.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:,@%=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn exists(output: &Path) -> CliError {
    CliError::new(
        ExitKind::Io,
        format!(
            "{} exists: init never replaces a configuration",
            output.display()
        ),
    )
    .hinted("pass --output with another file, or move the existing one away first")
}

fn no_credentials() -> CliError {
    CliError::new(
        ExitKind::Config,
        format!(
            "no Ponto credentials: set {ENV_CLIENT_ID} (or --client-id) and {ENV_CLIENT_SECRET}, {ENV_CLIENT_SECRET_FILE} (or --client-secret-file FILE)"
        ),
    )
    .hinted("the client id and secret are on Ponto's Integrations page")
    .hinted("to try it without Ponto: `ponto2camt simulate` prints credentials for its simulator")
}

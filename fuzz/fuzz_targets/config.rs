//! The configuration parser (`pipeline::config::parse`): TOML text in, a checked
//! `Config` or a `ConfigError` naming the key out. Parsed twice: without environment,
//! and with `PONTO_CLIENT_ID`, `PONTO_CLIENT_SECRET` and `PONTO_API_URL` set (which
//! override the single organization's `[ponto]`).
//!
//! Besides "no panic": the client secret never appears in an error message or in the
//! Debug output of the result (README: secrets never appear in logs or errors).

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

const ENV_SECRET: &str = "env-secret-6f1c2d9a8b";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base_dir = Path::new("/nonexistent/ponto2camt-fuzz");
    let secrets = secrets_in(text);

    let no_env = |_: &str| None;
    check(text, base_dir, &no_env, &secrets);

    let env = |name: &str| match name {
        "PONTO_CLIENT_ID" => Some("env-client-id".to_owned()),
        "PONTO_CLIENT_SECRET" => Some(ENV_SECRET.to_owned()),
        "PONTO_API_URL" => Some("http://127.0.0.1:9".to_owned()),
        _ => None,
    };
    let mut with_env = secrets.clone();
    with_env.push(ENV_SECRET.to_owned());
    check(text, base_dir, &env, &with_env);
});

fn check(text: &str, base_dir: &Path, env: &dyn Fn(&str) -> Option<String>, secrets: &[String]) {
    match pipeline::config::parse(text, base_dir, env) {
        Ok(config) => {
            let _ = config.check_time_zones();
            let _ = config.accounts().count();
            let shown = format!("{config:?}");
            for secret in secrets {
                assert!(
                    !shown.contains(secret.as_str()),
                    "the secret is in Debug of Config"
                );
            }
        }
        Err(error) => {
            let _ = error.key().len();
            let shown = format!("{error}\n{error:?}");
            for secret in secrets {
                assert!(
                    !shown.contains(secret.as_str()),
                    "the secret {secret:?} is in the error: {shown}"
                );
            }
        }
    }
}

/// The `client_secret` values of the file that are distinctive enough to look for: at
/// least 12 characters, alphanumeric with `-`/`_`, and written once in the whole text
/// (so that a message quoting another value cannot contain them by chance).
fn secrets_in(text: &str) -> Vec<String> {
    let Ok(value) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    collect(&toml::Value::Table(value), &mut found);
    found
        .into_iter()
        .filter(|s| {
            s.len() >= 12
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && text.matches(s.as_str()).count() == 1
        })
        .collect()
}

fn collect(value: &toml::Value, found: &mut Vec<String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                match value {
                    toml::Value::String(s) if key == "client_secret" => {
                        found.push(s.trim().to_owned())
                    }
                    other => collect(other, found),
                }
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
        _ => {}
    }
}

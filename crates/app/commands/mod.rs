//! One module per command: arguments in, one engine call, rendering out.

mod accounts;
mod check_config;
mod convert;
mod demo;
mod export;
mod fetch;
mod init;
mod inspect;
mod shell;
mod simulate;
mod status;
mod watch;

use crate::cli::{Cli, Command, ConfigArg};
use crate::error::{CliError, ExitKind};
use pipeline::Config;
use std::path::{Path, PathBuf};

/// What a command ends with: nothing to say, or every failure (the worst one's exit code wins).
pub type Outcome = Result<(), Vec<CliError>>;

pub fn dispatch(cli: Cli) -> Outcome {
    // The demo tells its own story on standard output; only problems go to the log.
    let quiet = cli.quiet || matches!(cli.command, Command::Demo(_));
    crate::logging::init(cli.log_format, quiet);
    let top = cli.config;
    let config = |arg: &ConfigArg| config_option(top.as_deref(), arg).map_err(one);
    if let Some(name) = ignores_config(&cli.command)
        && let Some(path) = &top
    {
        return Err(one(config_not_used(name, path)));
    }
    match cli.command {
        Command::Demo(args) => demo::run(&args).map_err(one),
        Command::Fetch(args) => fetch::run(config(&args.config)?.as_deref(), &args, cli.quiet),
        Command::Watch(args) => watch::run(config(&args.config)?.as_deref(), &args).map_err(one),
        Command::Status(args) => status::run(config(&args.config)?.as_deref(), &args).map_err(one),
        Command::CheckConfig(args) => {
            check_config::run(config(&args.config)?.as_deref(), &args).map_err(one)
        }
        Command::Init(args) => init::run(&args).map_err(one),
        Command::Accounts(args) => {
            accounts::run(config(&args.config)?.as_deref(), &args).map_err(one)
        }
        Command::Export(args) => {
            let path = config(&args.config)?;
            export::run(path.as_deref(), args)
        }
        Command::Convert(args) => convert::run(args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Simulate(args) => simulate::run(&args).map_err(one),
        Command::Completions(args) => {
            shell::completions(args.shell);
            Ok(())
        }
        Command::Man => shell::man().map_err(one),
    }
}

/// The commands that read no configuration: `--config` before them is a mistake (the
/// user believes it acts), so it is refused rather than ignored.
fn ignores_config(command: &Command) -> Option<&'static str> {
    match command {
        Command::Demo(_) => Some("demo"),
        Command::Init(_) => Some("init"),
        Command::Convert(_) => Some("convert"),
        Command::Inspect(_) => Some("inspect"),
        Command::Simulate(_) => Some("simulate"),
        Command::Completions(_) => Some("completions"),
        Command::Man => Some("man"),
        _ => None,
    }
}

fn config_not_used(command: &str, path: &Path) -> CliError {
    let hint = if command == "init" {
        format!(
            "to write the configuration to {}, pass --output {}",
            path.display(),
            path.display()
        )
    } else {
        format!("leave --config out: `{command}` reads no configuration")
    };
    CliError::new(
        ExitKind::Usage,
        format!("--config {}: not used by `{command}`", path.display()),
    )
    .hinted(hint)
}

/// `--config` before the command or after it (not both).
fn config_option(top: Option<&Path>, arg: &ConfigArg) -> Result<Option<PathBuf>, CliError> {
    match (top, arg.config.as_deref()) {
        (Some(before), Some(after)) if before != after => Err(CliError::new(
            ExitKind::Usage,
            format!(
                "--config given twice: {} and {}",
                before.display(),
                after.display()
            ),
        )
        .hinted("give --config once, before or after the command")),
        (top, after) => Ok(after.or(top).map(Path::to_path_buf)),
    }
}

fn one(error: CliError) -> Vec<CliError> {
    vec![error]
}

/// The environment, as the engine's configuration loader looks variables up.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The configuration file's path: `--config`, else the first found of
/// `PONTO2CAMT_CONFIG`, `./ponto2camt.toml`, `$XDG_CONFIG_HOME/ponto2camt/ponto2camt.toml`,
/// `/etc/ponto2camt/ponto2camt.toml` (`pipeline::config::locate`).
pub fn config_path(given: Option<&Path>) -> Result<PathBuf, CliError> {
    match given {
        Some(path) => Ok(path.to_path_buf()),
        None => Ok(pipeline::config::locate(&env)?),
    }
}

/// The configuration file (see [`config_path`]), checked, with its drop folders present.
pub fn load_config(path: Option<&Path>) -> Result<Config, CliError> {
    let path = config_path(path)?;
    let config = pipeline::config::load(&path, &env)?;
    config.check_paths()?;
    Ok(config)
}

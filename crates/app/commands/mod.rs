//! One module per command: arguments in, one engine call, rendering out.

mod accounts;
mod check_config;
mod convert;
mod demo;
mod export;
mod fetch;
mod inspect;
mod shell;
mod simulate;
mod status;
mod watch;

use crate::cli::{Cli, Command};
use crate::error::CliError;
use pipeline::Config;
use std::path::Path;

/// What a command ends with: nothing to say, or every failure (the worst one's exit code wins).
pub type Outcome = Result<(), Vec<CliError>>;

pub fn dispatch(cli: Cli) -> Outcome {
    // The demo tells its own story on standard output; only problems go to the log.
    let quiet = cli.quiet || matches!(cli.command, Command::Demo(_));
    crate::logging::init(cli.log_format, quiet);
    let config = cli.config.as_deref();
    match cli.command {
        Command::Demo(args) => demo::run(&args).map_err(one),
        Command::Fetch(args) => fetch::run(config, &args, cli.quiet),
        Command::Watch(args) => watch::run(config, &args).map_err(one),
        Command::Status(args) => status::run(config, &args).map_err(one),
        Command::CheckConfig(args) => check_config::run(config, &args).map_err(one),
        Command::Accounts(args) => accounts::run(config, &args).map_err(one),
        Command::Export(args) => export::run(config, args),
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

fn one(error: CliError) -> Vec<CliError> {
    vec![error]
}

/// The environment, as the engine's configuration loader looks variables up.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The configuration file (`--config`, else `./ponto2camt.toml`), checked, with its
/// drop folders present.
pub fn load_config(path: Option<&Path>) -> Result<Config, CliError> {
    let path = path.unwrap_or(Path::new(pipeline::config::DEFAULT_PATH));
    let config = pipeline::config::load(path, &env)?;
    config.check_paths()?;
    Ok(config)
}

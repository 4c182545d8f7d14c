//! `ponto2camt completions SHELL` and `ponto2camt man`: generated from the command line's
//! own definition, so they never disagree with it.

use crate::cli::Cli;
use crate::error::{CliError, ExitKind};
use crate::output;
use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut command, "ponto2camt", &mut text);
    output::print(&String::from_utf8_lossy(&text));
}

pub fn man() -> Result<(), CliError> {
    let mut text = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut text)
        .map_err(|e| CliError::new(ExitKind::Io, format!("cannot render the man page: {e}")))?;
    output::print(&String::from_utf8_lossy(&text));
    Ok(())
}

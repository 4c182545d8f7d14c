//! `ponto2camt`: parse the command line, run the command, turn its outcome into an exit
//! code. The work is in `crates/pipeline`; this program is its shell.

mod cli;
mod commands;
mod error;
mod logging;
mod output;
mod signals;
mod systemd;

use clap::Parser;
use error::{ExitKind, Failures};
use std::process::ExitCode;

// glibc's allocator serialises frees of memory allocated on another thread; conversion
// parses on one thread and maps on the other, so a per-thread-heap allocator pays off.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitKind::Usage.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let quiet = cli.quiet;
    match commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(errors) => {
            // Under -q an overlap with another run says nothing (cron would mail it).
            let hidden = |e: &error::CliError| e.message.is_empty() || (quiet && e.overlap);
            let shown = |e: &&error::CliError| !hidden(e);
            for error in errors.iter().filter(shown) {
                eprintln!("{error}");
            }
            Failures(errors)
                .exit_kind()
                .map(ExitCode::from)
                .unwrap_or(ExitCode::FAILURE)
        }
    }
}

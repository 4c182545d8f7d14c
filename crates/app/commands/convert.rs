//! `ponto2camt convert`: saved bundles into camt.053 files, offline and stateless.

use super::Outcome;
use crate::cli::ConvertArgs;
use crate::error::{CliError, ExitKind};
use crate::output;
use pipeline::convert::{self, ConvertOptions};

pub fn run(args: ConvertArgs) -> Outcome {
    if !args.stdout && !args.out_dir.is_dir() {
        return Err(vec![
            CliError::new(
                ExitKind::Io,
                format!("{}: no such folder", args.out_dir.display()),
            )
            .hinted("create it first, or pass -o with an existing folder"),
        ]);
    }
    let options = ConvertOptions {
        out_dir: args.out_dir,
        stdout: args.stdout,
        grouping: args.grouping,
        time_zone: args.time_zone,
        opening_balance: args.opening_balance,
        force: args.force,
        now: pipeline::clock::now(),
    };
    let (done, failures) = convert::convert_all(&args.bundles, &options);
    for converted in &done {
        if !options.stdout {
            for file in &converted.files {
                output::line(file.display());
            }
        }
        eprintln!(
            "{}: {} transactions in {} statement(s){}",
            converted.bundle.display(),
            converted.transactions,
            converted.files.len().max(usize::from(options.stdout)),
            if converted.skipped_pending > 0 {
                format!(", {} pending skipped", converted.skipped_pending)
            } else {
                String::new()
            }
        );
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.into_iter().map(CliError::from).collect())
    }
}

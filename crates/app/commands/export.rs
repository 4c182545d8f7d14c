//! `ponto2camt export`: one bundle per account, the format `convert` reads.

use super::Outcome;
use crate::cli::ExportArgs;
use crate::error::{CliError, ExitKind};
use crate::output;
use pipeline::export::{self, ExportOptions};
use std::path::Path;

pub fn run(config: Option<&Path>, args: ExportArgs) -> Outcome {
    if !args.out_dir.is_dir() {
        return Err(vec![
            CliError::new(
                ExitKind::Io,
                format!("{}: no such folder", args.out_dir.display()),
            )
            .hinted("create it first, or pass --out-dir with an existing folder"),
        ]);
    }
    let accesses = pipeline::connect::accesses(config, &super::env).map_err(|e| vec![e.into()])?;
    let options = ExportOptions {
        accounts: args.accounts,
        since: args.since,
        out_dir: args.out_dir,
    };
    let (done, failures) = export::export(&accesses, &options);
    for exported in &done {
        output::line(exported.file.display());
        tracing::info!(file = %exported.file.display(), transactions = exported.transactions, "bundle written");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.into_iter().map(CliError::from).collect())
    }
}

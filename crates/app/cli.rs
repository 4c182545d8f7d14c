//! The command line: argument definitions and dispatch. Each command's work lives in the
//! module named after it; this file only wires arguments to it and errors to exit codes.

use crate::convert::{self, ConvertOptions, Grouping};
use crate::error::{CliError, ExitKind, Failures};
use crate::inspect;
use clap::{Parser, Subcommand};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

#[derive(Debug, Parser)]
#[command(
    name = "ponto2camt",
    version,
    about = "Ponto bank transactions into camt.053.001.02 statement files"
)]
pub struct Cli {
    /// Configuration file.
    #[arg(long, global = true, default_value = "ponto2camt.toml")]
    pub config: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert saved Ponto bundles into camt.053 files (offline, no state).
    Convert(ConvertArgs),
    /// Show what is in camt.053 files, with lint findings.
    Inspect(InspectArgs),
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// Bundle files: {"account": …, "financialInstitution": …, "transactions": […]}.
    #[arg(required = true)]
    pub bundles: Vec<PathBuf>,
    /// Folder for the camt.053 files.
    #[arg(short = 'o', long = "out-dir", default_value = ".")]
    pub out_dir: PathBuf,
    /// Write the statement to standard output instead (one statement only).
    #[arg(long, conflicts_with = "out_dir")]
    pub stdout: bool,
    /// One statement per bundle, or one per booking day.
    #[arg(long, value_enum, default_value = "per-file")]
    pub grouping: Grouping,
    /// Time zone for booking days (overrides the bank's), e.g. Europe/Brussels.
    #[arg(long = "timezone")]
    pub time_zone: Option<String>,
    /// Opening balance of the first statement (default: currentBalance minus the bundle's transactions).
    #[arg(long, value_parser = parse_amount, allow_hyphen_values = true)]
    pub opening_balance: Option<Decimal>,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// camt.053 (or camt.052) files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Exit 65 when the lint finds an error.
    #[arg(long)]
    pub strict: bool,
}

fn parse_amount(text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text.trim()).map_err(|e| format!("{text:?} is not an amount: {e}"))
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
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
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(errors) => {
            for error in &errors {
                eprintln!("{error}");
            }
            Failures(errors)
                .exit_kind()
                .map(ExitCode::from)
                .unwrap_or(ExitCode::FAILURE)
        }
    }
}

fn run(cli: Cli) -> Result<(), Vec<CliError>> {
    match cli.command {
        Command::Convert(args) => run_convert(args),
        Command::Inspect(args) => run_inspect(args),
    }
}

fn run_convert(args: ConvertArgs) -> Result<(), Vec<CliError>> {
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
        now: crate::clock::now(),
    };
    let (done, failures) = convert::convert_all(&args.bundles, &options);
    for converted in &done {
        for file in &converted.files {
            if !options.stdout {
                println!("{}", file.display());
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
    if failures.0.is_empty() {
        Ok(())
    } else {
        Err(failures.0)
    }
}

fn run_inspect(args: InspectArgs) -> Result<(), Vec<CliError>> {
    let mut errors = Vec::new();
    let mut reports = Vec::new();
    for path in &args.files {
        match inspect::inspect_file(path) {
            Ok(inspection) => {
                if args.json {
                    reports.push(inspect::render_json(path, &inspection));
                } else {
                    print!("{}", inspect::render_text(path, &inspection));
                }
                if args.strict && inspect::has_errors(&inspection) {
                    errors.push(CliError::new(
                        ExitKind::Data,
                        format!("{}: the lint found errors", path.display()),
                    ));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).unwrap_or_else(|_| "[]".into())
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

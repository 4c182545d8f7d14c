//! The command line: argument definitions and dispatch. Each command's work lives in the
//! module named after it; this file only wires arguments to it and errors to exit codes.

use crate::convert::{self, ConvertOptions, Grouping};
use crate::error::{CliError, ExitKind, Failures};
use crate::{accounts, connect, export, inspect};
use clap::{Parser, Subcommand};
use rust_decimal::Decimal;
use std::path::Path;
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
    /// Configuration file [default: ./ponto2camt.toml].
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Log format on standard error.
    #[arg(long, global = true, value_enum, default_value = "human")]
    pub log_format: LogFormat,
    /// Only warnings and errors in the log.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on a built-in Ponto simulator (no credentials needed).
    Demo(DemoArgs),
    /// Fetch new booked transactions and publish them as camt.053 files into the drop folder.
    Fetch(FetchArgs),
    /// Per account: last run, exported statements, balance check, files waiting for the ERP.
    Status(StatusArgs),
    /// Check the configuration file (with --online also the credentials and accounts).
    CheckConfig(CheckConfigArgs),
    /// List the accounts the Ponto integration may read, with warnings.
    Accounts(AccountsArgs),
    /// Write one bundle per account (the input of `convert`).
    Export(ExportArgs),
    /// Convert saved Ponto bundles into camt.053 files (offline, no state).
    Convert(ConvertArgs),
    /// Show what is in camt.053 files, with lint findings.
    Inspect(InspectArgs),
    /// Run a Ponto API simulator on loopback (for trying things out and for tests).
    Simulate(SimulateArgs),
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Folder for the demo's configuration, state and drop folder.
    #[arg(long, default_value = "ponto2camt-demo")]
    pub dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Only these accounts (IBAN; repeatable).
    #[arg(long = "account", value_name = "IBAN")]
    pub accounts: Vec<String>,
    /// Show what would be written; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Ask Ponto to synchronize with the bank first (an attended access under PSD2).
    #[arg(long)]
    pub sync_now: bool,
    /// The address of the person asking for --sync-now (Ponto requires it).
    #[arg(long, default_value = "127.0.0.1")]
    pub customer_ip: std::net::IpAddr,
    /// With daily grouping: also publish today's statement (the day is not over yet).
    #[arg(long)]
    pub include_today: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckConfigArgs {
    /// Also log in to Ponto and check that every configured account exists.
    #[arg(long)]
    pub online: bool,
}

#[derive(Debug, clap::Args)]
pub struct AccountsArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Only these accounts (IBAN; repeatable).
    #[arg(long = "account", value_name = "IBAN")]
    pub accounts: Vec<String>,
    /// Only transactions executed on or after this day (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<chrono::NaiveDate>,
    /// Folder for the bundles.
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Booked transactions per account.
    #[arg(long, default_value_t = 250)]
    pub transactions: usize,
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
    // The demo tells its own story on standard output; only problems go to the log.
    let quiet = cli.quiet || matches!(cli.command, Command::Demo(_));
    crate::logging::init(cli.log_format, quiet);
    let config = cli.config.as_deref();
    match cli.command {
        Command::Demo(args) => crate::demo::run(&args.dir).map_err(|e| vec![e]),
        Command::Fetch(args) => crate::fetch::run_command(config, &args),
        Command::Status(args) => crate::status::run(config, args.json).map_err(|e| vec![e]),
        Command::CheckConfig(args) => {
            crate::check_config::run(config, args.online).map_err(|e| vec![e])
        }
        Command::Accounts(args) => run_accounts(config, args.json).map_err(|e| vec![e]),
        Command::Export(args) => run_export(config, args),
        Command::Convert(args) => run_convert(args),
        Command::Inspect(args) => run_inspect(args),
        Command::Simulate(args) => run_simulate(args).map_err(|e| vec![e]),
    }
}

fn run_accounts(config: Option<&Path>, json: bool) -> Result<(), CliError> {
    let accesses = connect::accesses(config)?;
    let views = accounts::list(&accesses, crate::clock::now())?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&accounts::render_json(&views)).unwrap_or_default()
        );
    } else {
        print!("{}", accounts::render_text(&views));
    }
    Ok(())
}

fn run_export(config: Option<&Path>, args: ExportArgs) -> Result<(), Vec<CliError>> {
    export::out_dir_exists(&args.out_dir).map_err(|e| vec![e])?;
    let accesses = connect::accesses(config).map_err(|e| vec![e])?;
    let options = export::ExportOptions {
        accounts: args.accounts,
        since: args.since,
        out_dir: args.out_dir,
    };
    let (done, failures) = export::export(&accesses, &options);
    for exported in &done {
        println!("{}", exported.file.display());
        tracing::info!(file = %exported.file.display(), transactions = exported.transactions, "bundle written");
    }
    if failures.0.is_empty() {
        Ok(())
    } else {
        Err(failures.0)
    }
}

fn run_simulate(args: SimulateArgs) -> Result<(), CliError> {
    let config = ponto_sim::SimConfig {
        seed: args.seed,
        port: args.port,
        transactions_per_account: args.transactions,
        ..ponto_sim::SimConfig::default()
    };
    ponto_sim::serve_forever(config).map_err(|e| {
        CliError::new(ExitKind::Io, format!("cannot start the simulator: {e}"))
            .hinted("pick another --port, or 0 for any free one")
    })
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

//! The command line: argument definitions only. Each command's work is in
//! `commands/NAME.rs`; `main.rs` dispatches.

use crate::logging::LogFormat;
use clap::{Parser, Subcommand};
use pipeline::Grouping;
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::str::FromStr;

/// The exit codes, in `--help` and the man page (the README has the same table).
pub const EXIT_CODES: &str = "\
Exit codes:
  0   ok
  1   status --check: some account has a problem
  2   usage: the command line is wrong
  65  bad input data (a bundle, a camt file, a transaction that cannot be converted)
  69  Ponto could not be reached after several tries (nothing lost: run again later)
  74  a file or folder could not be read or written
  75  temporary failure, retry later (another run holds the state folder; rate limited; stopped by a signal)
  78  configuration or credentials wrong";

#[derive(Debug, Parser)]
#[command(
    name = "ponto2camt",
    version,
    about = "Ponto bank transactions into camt.053.001.02 statement files",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Configuration file, for the commands that read one (fetch, watch, status,
    /// check-config, accounts, export); also accepted after the command.
    #[arg(long, value_name = "FILE")]
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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on a built-in Ponto simulator (no credentials needed).
    Demo(DemoArgs),
    /// Fetch new booked transactions and publish them as camt.053 files into the drop folder.
    Fetch(FetchArgs),
    /// Run as a daemon: scheduled fetches, an inbox folder for bundles, pickup monitoring.
    Watch(WatchArgs),
    /// Per account: last run, exported statements, balance check, files waiting for the ERP.
    Status(StatusArgs),
    /// Check the configuration file (with --online also the credentials and accounts).
    CheckConfig(CheckConfigArgs),
    /// Write a first configuration for the accounts the Ponto credentials can read.
    Init(InitArgs),
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
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `ponto2camt man > /usr/share/man/man1/ponto2camt.1`.
    Man,
}

/// `--config FILE` of the commands that read a configuration.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArg {
    /// Configuration file [default: $PONTO2CAMT_CONFIG, else the first of
    /// ./ponto2camt.toml, $XDG_CONFIG_HOME/ponto2camt/ponto2camt.toml
    /// (~/.config/…), /etc/ponto2camt/ponto2camt.toml].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to write the configuration; an existing file is never replaced.
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = "ponto2camt.toml"
    )]
    pub output: PathBuf,
    /// Ponto's API [default: $PONTO_API_URL, else https://api.myponto.com].
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The integration's client id [default: $PONTO_CLIENT_ID].
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// A file holding the client secret; the configuration names it as
    /// client_secret_file [default: $PONTO_CLIENT_SECRET, $PONTO_CLIENT_SECRET_FILE,
    /// the systemd credential ponto_client_secret]. There is no option for the secret
    /// itself: the command line is visible to every user (ps).
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// The state folder to write into the file [default: "state", beside the file].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The drop folder (the ERP's import folder) to write [default: "drop", beside the file].
    #[arg(long, value_name = "DIR")]
    pub drop_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Folder for the demo's configuration, state and drop folder.
    #[arg(long, default_value = "ponto2camt-demo")]
    pub dir: PathBuf,
    /// Then keep running as the daemon: the "bank" books a few transactions every few
    /// seconds, bundles dropped into DIR/inbox are delivered; Ctrl-C stops.
    #[arg(long)]
    pub watch: bool,
}

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub config: ConfigArg,
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
    /// Start a new ledger although the state or drop folders show an earlier one:
    /// everything since each account's start_date is delivered again.
    #[arg(long)]
    pub new_ledger: bool,
    /// Deliver a transaction held for review (`status` lists them): it is not a
    /// re-listing of one already delivered. Repeatable.
    #[arg(long, value_name = "ID", conflicts_with = "dry_run")]
    pub accept: Vec<String>,
    /// Never deliver a transaction held for review: it is a re-listing of one already
    /// delivered. Repeatable.
    #[arg(long, value_name = "ID", conflicts_with = "dry_run")]
    pub dismiss: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Between scheduled fetches, e.g. 90s, 15m, 1h (overrides [watch] interval).
    #[arg(long, value_parser = parse_interval)]
    pub interval: Option<std::time::Duration>,
}

fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    pipeline::config::parse_duration(text)
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// For monitoring: print only the problems (or "ok") and exit 1 when there is one.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckConfigArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Also log in to Ponto and check that every configured account exists.
    #[arg(long)]
    pub online: bool,
}

#[derive(Debug, clap::Args)]
pub struct AccountsArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Only these accounts (IBAN; repeatable).
    #[arg(long = "account", value_name = "IBAN")]
    pub accounts: Vec<String>,
    /// Only transactions executed on or after this day: 2026-11-01, 1.11.2026 or 01/11/2026 (day first).
    #[arg(long, value_parser = parse_day)]
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
    /// Also book one new transaction on every account at this interval (e.g. 30s, 5m),
    /// so that incremental fetches find something. `POST /admin/book` books on demand.
    #[arg(long, value_name = "DURATION", value_parser = parse_interval)]
    pub book_every: Option<std::time::Duration>,
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
    #[arg(long, default_value = "per-file", value_parser = parse_convert_grouping())]
    pub grouping: Grouping,
    /// Time zone for booking days (overrides the bank's), e.g. Europe/Brussels.
    #[arg(long = "timezone", value_parser = parse_time_zone)]
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

/// A day as people type it: ISO `2026-11-01`, or day first `1.11.2026`, `01/11/2026`.
fn parse_day(text: &str) -> Result<chrono::NaiveDate, String> {
    let text = text.trim();
    ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y"]
        .iter()
        .find_map(|format| chrono::NaiveDate::parse_from_str(text, format).ok())
        .ok_or_else(|| format!("{text:?} is not a day: write it as 2026-11-01 (or 1.11.2026)"))
}

fn parse_time_zone(text: &str) -> Result<String, String> {
    text.trim()
        .parse::<chrono_tz::Tz>()
        .map(|_| text.trim().to_owned())
        .map_err(|_| {
            format!("{text:?} is not a time zone: use an IANA name such as Europe/Brussels")
        })
}

fn parse_amount(text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text.trim()).map_err(|e| format!("{text:?} is not an amount: {e}"))
}

/// `convert --grouping`: a bundle is the batch.
fn parse_convert_grouping() -> impl clap::builder::TypedValueParser<Value = Grouping> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["per-file", "daily"]).map(|text| {
        match text.as_str() {
            "daily" => Grouping::Daily,
            _ => Grouping::Batch,
        }
    })
}

//! Logs through `tracing` on standard error: readable on a terminal, JSON lines for
//! log collectors (`--log-format json`). `RUST_LOG` refines the filter.

use crate::cli::LogFormat;
use tracing_subscriber::EnvFilter;

pub fn init(format: LogFormat, quiet: bool) {
    let default = if quiet { "warn" } else { "info" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A second init (tests calling the library twice) is harmless: keep the first.
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

//! `ponto2camt simulate`: the Ponto API simulator on loopback, until stopped.

use crate::cli::SimulateArgs;
use crate::error::{CliError, ExitKind};

pub fn run(args: &SimulateArgs) -> Result<(), CliError> {
    let config = ponto_sim::SimConfig {
        seed: args.seed,
        port: args.port,
        transactions_per_account: args.transactions,
        ..ponto_sim::SimConfig::default()
    };
    ponto_sim::serve_forever(config, args.book_every).map_err(|e| {
        CliError::new(ExitKind::Io, format!("cannot start the simulator: {e}"))
            .hinted("pick another --port, or 0 for any free one")
    })
}

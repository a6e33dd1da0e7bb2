//! One module per command group.

pub(crate) mod contracts;

use clap::Subcommand;

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Build, list and deploy coffer's contract suite.
    #[command(subcommand)]
    Contracts(contracts::ContractsCmd),
}

impl Command {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Contracts(cmd) => cmd.run().await,
        }
    }
}

//! One module per command group.

pub(crate) mod balance;
pub(crate) mod contracts;
pub(crate) mod delay;
pub(crate) mod payout;
pub(crate) mod payout_plan;
pub(crate) mod relay;
pub(crate) mod safe;
pub(crate) mod send;
pub(crate) mod serve;
pub(crate) mod tx;
pub(crate) mod wallet;

use clap::Subcommand;

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Build, list and deploy coffer's contract suite.
    #[command(subcommand)]
    Contracts(contracts::ContractsCmd),
    /// Create and inspect Safes.
    #[command(subcommand)]
    Safe(safe::SafeCmd),
    /// Propose, sign, approve and execute Safe transactions.
    #[command(subcommand)]
    Tx(tx::TxCmd),
    /// Payout tools: split a total pro rata over shares.
    #[command(subcommand)]
    Payout(payout::PayoutCmd),
    /// Show ETH or ERC-20 balances of accounts.
    Balance(balance::BalanceArgs),
    /// Send a plain transaction from your own key (fund a Safe, call a test token's mint).
    Send(Box<send::SendArgs>),
    /// Watch a Safe's queue and execute what reaches the threshold, in nonce order (simulated
    /// first, under a gas-price ceiling and a spend budget); stops cleanly on SIGTERM.
    Relay(Box<relay::RelayArgs>),
    /// Run a self-hosted Safe Transaction Service (api-kit, safe-cli and coffer talk to it unchanged).
    Serve(Box<serve::ServeArgs>),
    /// Wallet tools: print a wallet's address (keys, mnemonics, keystores, Ledger, Trezor).
    #[command(subcommand)]
    Wallet(wallet::WalletCmd),
    /// A time-lock with veto between proposers and a Safe (coffer's Delay or a Zodiac Delay).
    #[command(subcommand)]
    Delay(delay::DelayCmd),
}

impl Command {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Contracts(cmd) => cmd.run().await,
            Self::Safe(cmd) => cmd.run().await,
            Self::Tx(cmd) => cmd.run().await,
            Self::Send(args) => args.run().await,
            Self::Balance(args) => args.run().await,
            Self::Payout(cmd) => cmd.run().await,
            Self::Relay(args) => args.run().await,
            Self::Serve(args) => args.run().await,
            Self::Wallet(cmd) => cmd.run().await,
            Self::Delay(cmd) => cmd.run().await,
        }
    }
}

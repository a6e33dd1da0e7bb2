//! One module per command group.

pub(crate) mod allowance;
pub(crate) mod balance;
pub(crate) mod contracts;
pub(crate) mod delay;
pub(crate) mod drill;
pub(crate) mod guard;
pub(crate) mod message;
pub(crate) mod payout;
pub(crate) mod recovery;
pub(crate) mod relay;
pub(crate) mod safe;
pub(crate) mod send;
pub(crate) mod serve;
pub(crate) mod sheet;
pub(crate) mod store;
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
    /// Safe messages: sign (text or EIP-712 typed data), show, list, verify with the Safe's isValidSignature.
    #[command(subcommand)]
    Message(message::MessageCmd),
    /// Wallet tools: print a wallet's address (keys, mnemonics, keystores, Ledger, Trezor).
    #[command(subcommand)]
    Wallet(wallet::WalletCmd),
    /// Key drills: every owner proves their key signs, the Safe says which combinations it
    /// accepts (no gas, nothing moves), and the history flags stale owners.
    #[command(subcommand)]
    Drill(drill::DrillCmd),
    /// The local store: salvage a damaged one.
    #[command(subcommand)]
    Store(store::StoreCmd),
    /// Spending limits: delegates pay within an allowance with one signature (AllowanceModule ABI).
    #[command(subcommand)]
    Allowance(allowance::AllowanceCmd),
    /// A time-lock with veto between proposers and a Safe (coffer's Delay or a Zodiac Delay).
    #[command(subcommand)]
    Delay(delay::DelayCmd),
    /// Social recovery: guardians replace lost owners after a delay the owners can cancel.
    #[command(subcommand)]
    Recovery(recovery::RecoveryCmd),
    /// Transaction guards: the allowlist guard (the Safe may only call what its list allows).
    #[command(subcommand)]
    Guard(guard::GuardCmd),
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
            Self::Drill(cmd) => cmd.run().await,
            Self::Message(cmd) => cmd.run().await,
            Self::Store(cmd) => cmd.run().await,
            Self::Allowance(cmd) => cmd.run().await,
            Self::Delay(cmd) => cmd.run().await,
            Self::Recovery(cmd) => cmd.run().await,
            Self::Guard(cmd) => cmd.run().await,
        }
    }
}

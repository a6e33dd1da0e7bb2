//! `coffer tx …`: propose, inspect, sign (online and offline), approve, execute.

mod approve;
mod approve_as_safe;
mod execute;
mod export;
mod export_builder;
mod import;
mod list;
mod propose;
mod reject;
mod remove;
mod show;
mod sign;
mod sign_as_safe;
mod sign_execute;
mod sync;

use clap::Subcommand;

/// `coffer tx …`
#[derive(Debug, Subcommand)]
pub(crate) enum TxCmd {
    /// Propose a Safe transaction: build it, check its hash with the Safe, store it.
    Propose(Box<propose::ProposeArgs>),
    /// Show a proposal: fields, decoded action and risks, hashes, signers, executable or not.
    Show(show::ShowArgs),
    /// List a Safe's queue by nonce, with same-nonce conflicts marked.
    List(list::ListArgs),
    /// Sign a proposal (previewed first), or an offline bundle with --bundle (no RPC at all).
    Sign(Box<sign::SignArgs>),
    /// Approve a proposal on chain (approveHash) as an owner.
    Approve(approve::ApproveArgs),
    /// Execute a proposal that has enough signatures (simulated first).
    Execute(execute::ExecuteArgs),
    /// Write a proposal and its signatures to an offline bundle file.
    Export(export::ExportArgs),
    /// Write a proposal as a Safe{Wallet} Transaction Builder file (with a valid checksum).
    ExportBuilder(export_builder::ExportBuilderArgs),
    /// Import a bundle: verify every signature, then merge it into the store.
    Import(import::ImportArgs),
    /// Propose the standard cancellation of a nonce: an empty transaction from the Safe to itself.
    Reject(reject::RejectArgs),
    /// Remove a proposal and its signatures from the local store.
    Remove(remove::RemoveArgs),
    /// Pull a Safe's pending queue from a Transaction Service into the local store (every hash
    /// recomputed, every signature verified on chain; mismatches reported, never stored).
    Sync(sync::SyncArgs),
}

impl TxCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Propose(a) => a.run().await,
            Self::Show(a) => a.run().await,
            Self::List(a) => a.run().await,
            Self::Sign(a) => a.run().await,
            Self::Approve(a) => a.run().await,
            Self::Execute(a) => a.run().await,
            Self::Export(a) => a.run().await,
            Self::ExportBuilder(a) => a.run().await,
            Self::Import(a) => a.run().await,
            Self::Reject(a) => a.run().await,
            Self::Remove(a) => a.run().await,
            Self::Sync(a) => a.run().await,
        }
    }
}

//! `coffer tx reject SAFE NONCE`: propose the standard cancellation, an empty transaction from the
//! Safe to itself at the same nonce. Once it executes, every other proposal with that nonce is void.

use alloy::primitives::{Bytes, U256};
use clap::Args;
use coffer_chain::read_safe;
use coffer_core::SafeTx;
use coffer_store::ProposalMeta;

use crate::{
    exit::bad_input,
    flow::{print_proposal, snapshot_extra, submit},
    opts::{RpcOpts, StoreOpts},
    parse,
};

/// Arguments of `coffer tx reject`.
#[derive(Debug, Args)]
pub(crate) struct RejectArgs {
    /// The Safe's address.
    safe: String,
    /// The nonce to cancel.
    nonce: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
}

impl RejectArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let nonce: U256 = parse::uint("NONCE", &self.nonce)?;
        let store = self.store.open()?;
        let provider = self.rpc.provider()?;
        self.rpc.chain_id(&provider).await?;
        let info = read_safe(&provider, safe).await?;
        if nonce < info.nonce {
            return Err(bad_input(format!(
                "nonce {nonce} is already used (the Safe's nonce is {}); there is nothing left to reject",
                info.nonce
            )));
        }
        let ctx = info.context()?;
        let tx = SafeTx::call(safe, U256::ZERO, Bytes::new(), nonce);
        let meta = ProposalMeta {
            label: Some(format!("reject nonce {nonce}")),
            origin: Some("reject".to_owned()),
            extra: Some(snapshot_extra(&info)),
            ..ProposalMeta::default()
        };
        let (hash, v) = submit(&provider, &store, &ctx, &tx, &meta, self.json).await?;
        print_proposal(hash, &v, self.json)
    }
}

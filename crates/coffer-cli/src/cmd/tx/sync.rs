//! `coffer tx sync SAFE --tx-service URL`: pull a Safe's pending queue from a Transaction
//! Service into the local store, every hash recomputed and every signature verified on chain
//! (the flow is `coffer_queue::service::sync_safe`).

use clap::Args;
use serde_json::json;

use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts, TxServiceOpts},
    output::print_json,
    parse,
};

/// Arguments of `coffer tx sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// The Safe's address.
    safe: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    service: TxServiceOpts,
}

impl SyncArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        if !self.service.enabled() {
            return Err(bad_input(
                "tx sync needs a Transaction Service: pass --tx-service URL (or set COFFER_TX_SERVICE), \
                 or --tx-service-key KEY for Safe's hosted service",
            ));
        }
        let store = self.store.open()?;
        let report = crate::service::pull_safe(&self.service, &self.rpc, &store, safe)
            .await?
            .unwrap_or_default();
        if self.json {
            print_json(&json!({
                "safe": safe,
                "seen": report.seen,
                "newProposals": report.new_proposals,
                "signaturesAdded": report.signatures_added,
                "refused": report.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }))?;
        } else {
            for h in &report.new_proposals {
                println!("{h}");
            }
        }
        Ok(())
    }
}

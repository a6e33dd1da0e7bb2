//! `coffer tx approve HASH`: approve a proposal on chain with the Safe's `approveHash`, after the
//! signing gate (`coffer_chain::gate`) has reviewed it and its preview is shown.

use clap::Args;
use coffer_chain::{approve_hash, gate};
use coffer_signer::WalletOpts;
use serde_json::json;

use crate::flow::check_chain;
use crate::opts::PolicyOpts;
use crate::view::tx::review_text;
use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts, sending_key},
    output::{print_json, with_spinner},
};

/// Arguments of `coffer tx approve`.
#[derive(Debug, Args)]
pub(crate) struct ApproveArgs {
    /// The safeTxHash (or a unique prefix of it).
    hash: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Approve as INNER, a Safe that owns this proposal's Safe: proposes INNER's own transaction calling
    /// approveHash(HASH) (INNER's owners sign and execute it); once the chain has the approval, run this again
    /// to add INNER's approved-hash signature (v = 1) to the proposal. No wallet is needed.
    #[arg(long, value_name = "INNER")]
    as_safe: Option<String>,
    #[command(flatten)]
    policy: PolicyOpts,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    wallet: WalletOpts,
}

impl ApproveArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        if let Some(inner) = &self.as_safe {
            let inner = crate::parse::address("--as-safe", inner)?;
            return super::approve_as_safe::ApproveAsSafe {
                hash_text: &self.hash,
                inner,
                policy: self.policy,
                json: self.json,
                rpc: &self.rpc,
                store: &self.store,
            }
            .run()
            .await;
        }
        let store = self.store.open()?;
        let hash = store.resolve(&self.hash)?;
        let p = store.proposal(hash)?;
        if let coffer_store::ProposalStatus::Executed { tx_hash, .. } = p.status {
            return Err(bad_input(format!(
                "{hash} was already executed in {tx_hash}; nothing to approve"
            )));
        }
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let owner = key.address();
        let provider = self.rpc.signing_provider(key)?;
        check_chain(p.ctx.chain_id, self.rpc.chain_id(&provider).await?)?;
        let review = gate::review_online(&provider, &p.ctx, &p.tx, self.policy.policy()).await?;
        eprint!("{}", review_text(&review, &p.tx, 10));
        eprintln!("approving on chain as {owner} (approveHash {})", review.safe_tx_hash);
        let approval = with_spinner(
            "sending approveHash, waiting for the receipt",
            approve_hash(&provider, &p.ctx, &p.tx, owner),
        )
        .await?;
        let stored = match store.add_signature(hash, &approval.signature) {
            Ok(()) => true,
            Err(coffer_store::Error::DuplicateSignature { .. }) => false,
            Err(e) => return Err(e.into()),
        };
        if self.json {
            return print_json(&json!({
                "safeTxHash": hash,
                "owner": owner,
                "txHash": approval.tx_hash,
                "alreadyApproved": approval.tx_hash.is_none(),
            }));
        }
        match approval.tx_hash {
            Some(tx) => {
                println!("{tx}");
                eprintln!("{owner} approved {hash} on chain in transaction {tx}");
            }
            None => eprintln!("{owner} had already approved {hash} on chain; nothing was sent"),
        }
        if !stored {
            eprintln!(
                "note: the store already holds a signature of {owner} for {hash}; it was kept"
            );
        }
        Ok(())
    }
}

//! `coffer tx approve HASH --as-safe INNER`: INNER, a Safe that owns the proposal's (OUTER's) Safe, approves
//! OUTER's transaction HASH on chain: `approveHash(HASH)` called on OUTER by INNER's own Safe transaction.
//!
//! The first run shows OUTER's transaction as the signing gate reviews it (what INNER approves) and proposes
//! INNER's transaction through the existing propose flow (`flow::submit`: the gate again, the hash checked
//! against INNER's `getTransactionHash`, stored). INNER's owners then sign and execute it as any proposal
//! (`tx sign`, `tx execute`). Once the chain has the approval, a second run adds INNER's approved-hash signature
//! (v = 1, INNER as owner) to HASH, which `tx execute HASH` then verifies on chain (`approvedHashes`).

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use coffer_contracts::bindings::ISafe;
use coffer_core::{SafeSignature, SafeTx};
use coffer_store::{ProposalMeta, Store};
use serde_json::json;

use crate::{
    flow::{AsSafeStart, ORIGIN, as_safe_start, snapshot_extra, unexecuted},
    opts::{PolicyOpts, RpcOpts, StoreOpts},
    output::print_json,
    view::tx::review_text,
};

/// What `tx approve --as-safe` needs from `tx approve`'s arguments.
pub(crate) struct ApproveAsSafe<'a> {
    pub(crate) hash_text: &'a str,
    pub(crate) inner: Address,
    pub(crate) policy: PolicyOpts,
    pub(crate) json: bool,
    pub(crate) rpc: &'a RpcOpts,
    pub(crate) store: &'a StoreOpts,
}

impl ApproveAsSafe<'_> {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let store: Store = self.store.open()?;
        let (hash, p) = unexecuted(&store, self.hash_text, "approve")?;
        let inner = self.inner;
        let outer_safe = p.ctx.safe;
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        // The gate reviews the OUTER transaction: that is what INNER approves.
        let AsSafeStart { review, outer, inner: inner_info, inner_ctx } =
            as_safe_start(&provider, &p, inner, chain_id, self.policy.policy()).await?;
        let approved =
            ISafe::new(outer_safe, &provider).approvedHashes(inner, hash).call().await.map_err(
                |e| coffer_chain::Error::Rpc(format!("approvedHashes of {outer_safe}: {e}")),
            )?;
        if !approved.is_zero() {
            // The chain has INNER's approval: its v = 1 signature joins the proposal.
            let added = match store.add_signature(hash, &SafeSignature::approved_hash(inner)) {
                Ok(()) => true,
                Err(coffer_store::Error::DuplicateSignature { .. }) => false,
                Err(e) => return Err(e.into()),
            };
            let count = store.signatures(hash)?.len();
            if self.json {
                return print_json(&json!({
                    "safeTxHash": hash,
                    "asSafe": inner,
                    "approvedOnChain": true,
                    "signatureAdded": added,
                    "signatures": count,
                    "threshold": outer.threshold,
                }));
            }
            eprintln!(
                "Safe {inner} has approved {hash} on chain; its approved-hash signature (v = 1) is {} ({count} signature(s) of {} required)",
                if added { "added to the proposal" } else { "already in the store" },
                outer.threshold
            );
            return Ok(());
        }
        let data = ISafe::approveHashCall { hashToApprove: hash }.abi_encode();
        // INNER's approval already proposed and not executed (at a nonce still free): that one, not a second.
        if let Some(existing) = store.proposals_for_safe(chain_id, inner)?.into_iter().find(|q| {
            matches!(q.status, coffer_store::ProposalStatus::Pending)
                && q.tx.nonce >= inner_info.nonce
                && q.tx.to == outer_safe
                && q.tx.value.is_zero()
                && q.tx.data.as_ref() == data.as_slice()
        }) {
            if self.json {
                return print_json(&json!({
                    "safeTxHash": hash,
                    "asSafe": inner,
                    "approvedOnChain": false,
                    "innerProposal": existing.hash,
                    "alreadyProposed": true,
                }));
            }
            println!("{}", existing.hash);
            eprintln!(
                "Safe {inner}'s approval of {hash} is already proposed as {}: its owners sign and execute it, then run this again",
                existing.hash
            );
            return Ok(());
        }
        let nonce = store.next_nonce(chain_id, inner, inner_info.nonce)?;
        let tx = SafeTx::call(outer_safe, U256::ZERO, data, nonce);
        eprintln!(
            "Safe {inner} (version {}) will approve Safe {outer_safe}'s transaction {hash} on chain: approveHash({hash}) \
             called on {outer_safe} by a transaction of Safe {inner}. The transaction it approves:",
            inner_ctx.version
        );
        eprint!("{}", review_text(&review, &p.tx, 10));
        let meta = ProposalMeta {
            label: Some(format!("approve {hash} of Safe {outer_safe} (approveHash)")),
            origin: Some(ORIGIN.to_owned()),
            batch: None,
            payout_plan: None,
            extra: Some(snapshot_extra(&inner_info)),
        };
        let (inner_hash, v) =
            crate::flow::submit(&provider, &store, &inner_ctx, &tx, &meta, self.json).await?;
        if self.json {
            return print_json(&json!({
                "safeTxHash": hash,
                "asSafe": inner,
                "approvedOnChain": false,
                "innerProposal": inner_hash,
                "alreadyProposed": false,
                "innerTransaction": v,
            }));
        }
        println!("{inner_hash}");
        eprintln!(
            "Safe {inner}'s owners sign and execute {inner_hash} (`coffer tx sign {inner_hash}`, `coffer tx execute {inner_hash}`); \
             then run `coffer tx approve {hash} --as-safe {inner}` again to add its approval to {hash}"
        );
        Ok(())
    }
}

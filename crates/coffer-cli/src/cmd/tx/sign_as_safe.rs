//! `coffer tx sign HASH --as-safe INNER`: an owner of INNER, a Safe that owns the proposal's Safe, signs the
//! proposal as a Safe message of INNER (coffer-chain's `owner_safe_message`). The signing gate reviews the
//! outer transaction, whose fields are shown first. Once INNER's threshold of signatures is collected (kept as
//! a Safe message in the store), coffer adds INNER's contract signature (v = 0) to the proposal.

use alloy::primitives::Address;
use coffer_chain::message::nested;
use coffer_core::SafeSignature;
use coffer_signer::{SigningMode, sign_safe_message};
use coffer_store::{Store, signature_kind_name};
use serde_json::json;

use crate::flow::{AsSafeStart, as_safe_start, unexecuted};
use crate::opts::PolicyOpts;
use crate::view::tx::{GatedPreview, review_text};
use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts},
    output::print_json,
};

/// What `tx sign --as-safe` needs from `tx sign`'s arguments.
pub(crate) struct AsSafe<'a> {
    pub(crate) hash_text: &'a str,
    pub(crate) inner: Address,
    pub(crate) mode: SigningMode,
    pub(crate) policy: PolicyOpts,
    pub(crate) json: bool,
    pub(crate) rpc: &'a RpcOpts,
    pub(crate) store: &'a StoreOpts,
    pub(crate) wallet: &'a coffer_signer::WalletOpts,
}

impl AsSafe<'_> {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let store: Store = self.store.open()?;
        let (hash, p) = unexecuted(&store, self.hash_text, "sign")?;
        let inner = self.inner;
        if store.signatures(hash)?.iter().any(|s| s.owner == inner) {
            return Err(bad_input(format!(
                "Safe {inner} has already signed {hash}; a Safe counts each owner once"
            )));
        }
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        // The gate reviews the OUTER transaction: that is what the inner Safe's owners approve.
        let AsSafeStart { review, outer, inner: inner_info, inner_ctx } =
            as_safe_start(&provider, &p, inner, chain_id, self.policy.policy()).await?;
        let signer = self.wallet.signer().await?;
        let me = signer.address();
        if !inner_info.is_owner(me) {
            return Err(bad_input(format!(
                "{me} is not an owner of Safe {inner}; its signature would not count. Owners: {}",
                inner_info.owners.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )));
        }
        let content = nested::owner_safe_content(&p.ctx, &p.tx);
        let message_hash = content.safe_message_hash(&inner_ctx)?;
        if let Ok(sigs) = store.message_signatures(message_hash)
            && sigs.iter().any(|s| s.owner == me)
        {
            return Err(bad_input(format!(
                "{me} has already signed {hash} for Safe {inner} (Safe message {message_hash})"
            )));
        }
        eprintln!(
            "Signing Safe {} transaction {hash} as an owner of Safe {inner} (version {}), which owns it:",
            p.ctx.safe, inner_ctx.version
        );
        eprint!("{}", review_text(&review, &p.tx, 20));
        eprintln!(
            "  as Safe {inner}'s message {message_hash} (the message is the outer transaction's {})",
            if p.ctx.version.uses_standard_eip1271() { "safeTxHash" } else { "EIP-712 encoding" }
        );
        let mut preview = GatedPreview(&review);
        let sig = sign_safe_message(&signer, &inner_ctx, &content, self.mode, &mut preview).await?;
        store.insert_message(&inner_ctx, &content)?;
        store.add_message_signature(message_hash, &sig)?;
        let inner_sigs = store.message_signatures(message_hash)?;
        let contract = nested::contract_signature(inner, inner_info.threshold, &inner_sigs)?;
        if let Some(c) = &contract {
            store.add_signature(hash, c)?;
        }
        let count = store.signatures(hash)?.len();
        self.report(
            &sig,
            hash,
            message_hash,
            inner_sigs.len(),
            inner_info.threshold,
            contract,
            count,
            outer.threshold,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        sig: &SafeSignature,
        hash: alloy::primitives::B256,
        message_hash: alloy::primitives::B256,
        inner_count: usize,
        inner_threshold: u64,
        contract: Option<SafeSignature>,
        count: usize,
        threshold: u64,
    ) -> eyre::Result<()> {
        if self.json {
            return print_json(&json!({
                "safeTxHash": hash,
                "owner": sig.owner,
                "kind": signature_kind_name(&sig.kind),
                "signature": sig.to_bytes(),
                "asSafe": self.inner,
                "safeMessageHash": message_hash,
                "innerSignatures": inner_count,
                "innerThreshold": inner_threshold,
                "contractSignature": contract.as_ref().map(SafeSignature::to_bytes),
                "signatures": count,
                "threshold": threshold,
            }));
        }
        println!("{}", sig.to_bytes());
        eprintln!(
            "signed for Safe {}: {inner_count} of {inner_threshold} signature(s) of its message {message_hash}",
            self.inner
        );
        if contract.is_some() {
            eprintln!(
                "Safe {}'s contract signature added to {hash}: {count} signature(s) of {threshold} required",
                self.inner
            );
        }
        Ok(())
    }
}

//! The propose / sign flow every command that makes or signs a Safe transaction goes through:
//! [`propose`] (the signing gate's review, which checks the hash against the Safe's
//! `getTransactionHash`; the store's own hash cross-checked; stored), [`check_signable`] (a stored
//! proposal an owner may sign now: not executed, not signed by them yet, the signer an owner, the
//! nonce unused, the gate's review) and [`sign_reviewed`] (signed with the gate's findings in the
//! preview, the signature stored). The proposer's signature for a Transaction Service is
//! [`sign_reviewed`] followed by [`crate::service::publish_signature`]. Execution is
//! [`crate::execute_ready`]; [`check_next`] says why a stored proposal cannot execute yet.
//!
//! Nothing here prints: results are returned as values and the caller shows them.

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use coffer_chain::{
    SafeInfo,
    gate::{self, Policy, Review},
    read_safe,
};
use coffer_core::{SafeSignature, SafeTx, SafeTxContext};
use coffer_signer::{DevicePrompt, PreviewSink, SigningMode, SigningPreview, WalletSigner};
use coffer_store::{Proposal, ProposalMeta, ProposalStatus, Store, signature_kind_name};

use crate::{Error, Result};

/// A proposal stored by [`propose`].
#[derive(Clone, Debug)]
pub struct Proposed {
    /// Its safeTxHash (the Safe's, equal to the store's).
    pub safe_tx_hash: B256,
    /// What the signing gate found.
    pub review: Review,
}

/// Runs the signing gate on `tx` (chain id, version, the hash against the Safe's
/// `getTransactionHash`, what `policy` refuses), stores it with `meta`, and checks that the store
/// computed the same safeTxHash as the Safe.
pub async fn propose<P: Provider>(
    provider: &P,
    store: &Store,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    meta: &ProposalMeta,
    policy: Policy,
) -> Result<Proposed> {
    let review = gate::review_online(provider, ctx, tx, policy).await?;
    let hash = review.safe_tx_hash;
    let stored = store.insert_proposal(ctx, tx, meta)?;
    if stored != hash {
        return Err(Error::HashMismatch { stored, safe: hash });
    }
    Ok(Proposed { safe_tx_hash: hash, review })
}

/// A stored proposal that an owner may sign now.
#[derive(Clone, Debug)]
pub struct SignCheck {
    /// The proposal.
    pub proposal: Proposal,
    /// The signing gate's review of it.
    pub review: Review,
    /// The Safe as read from the chain just now.
    pub info: SafeInfo,
}

/// Checks that `signer` may sign the stored proposal `hash` on the chain `chain_id` (the node's):
/// not executed, not signed by `signer` yet, the same chain, the gate's review, `signer` an owner
/// on chain, the nonce not used.
pub async fn check_signable<P: Provider>(
    provider: &P,
    store: &Store,
    hash: B256,
    signer: Address,
    chain_id: u64,
    policy: Policy,
) -> Result<SignCheck> {
    let p = store.proposal(hash)?;
    if let ProposalStatus::Executed { tx_hash, .. } = p.status {
        return Err(Error::AlreadyExecuted { hash, tx_hash });
    }
    if let Some(s) = store.signatures(hash)?.iter().find(|s| s.owner == signer) {
        return Err(Error::AlreadySigned {
            owner: signer,
            hash,
            kind: signature_kind_name(&s.kind).to_owned(),
        });
    }
    if p.ctx.chain_id != chain_id {
        return Err(coffer_chain::Error::ChainIdMismatch {
            expected: p.ctx.chain_id,
            actual: chain_id,
        }
        .into());
    }
    let review = gate::review_online(provider, &p.ctx, &p.tx, policy).await?;
    let info = read_safe(provider, p.ctx.safe).await?;
    if !info.is_owner(signer) {
        return Err(Error::NotOwner { signer, safe: p.ctx.safe, owners: info.owners.clone() });
    }
    if p.tx.nonce < info.nonce {
        return Err(coffer_chain::Error::NonceUsed {
            safe: p.ctx.safe,
            tx_nonce: p.tx.nonce,
            safe_nonce: info.nonce,
        }
        .into());
    }
    Ok(SignCheck { proposal: p, review, info })
}

/// How the signing gate's findings reach the signer: shown together with the signer's own
/// preview, before a key or device is asked.
pub trait ReviewSink: Send {
    /// Shows the gate's `review` and then the signer's `preview` (whatever the signer adds, such
    /// as a device prompt, stays last).
    fn show(&mut self, review: &Review, preview: &SigningPreview) -> std::io::Result<()>;

    /// Shown while a device waits for its owner.
    fn waiting(&mut self, prompt: &DevicePrompt) -> std::io::Result<()>;
}

/// A [`PreviewSink`] that hands one review to a [`ReviewSink`].
struct Gated<'a> {
    review: &'a Review,
    sink: &'a mut dyn ReviewSink,
}

impl PreviewSink for Gated<'_> {
    fn show(&mut self, preview: &SigningPreview) -> std::io::Result<()> {
        self.sink.show(self.review, preview)
    }

    fn waiting(&mut self, prompt: &DevicePrompt) -> std::io::Result<()> {
        self.sink.waiting(prompt)
    }
}

/// Signs `tx` as the gate reviewed it (`review` first, then the signer's preview, on `sink`),
/// with the signature recovered to the signer, and stores it under `review.safe_tx_hash` (the
/// proposal must be stored). Returns the signature.
pub async fn sign_reviewed(
    store: &Store,
    review: &Review,
    tx: &SafeTx,
    signer: &WalletSigner,
    mode: SigningMode,
    sink: &mut dyn ReviewSink,
) -> Result<SafeSignature> {
    let mut preview = Gated { review, sink };
    let sig = signer.sign_safe_tx(&review.ctx, tx, mode, &mut preview).await?;
    store.add_signature(review.safe_tx_hash, &sig)?;
    Ok(sig)
}

/// Signs `tx` as the gate reviewed it without storing anything (an offline bundle).
pub async fn sign_only(
    review: &Review,
    tx: &SafeTx,
    signer: &WalletSigner,
    mode: SigningMode,
    sink: &mut dyn ReviewSink,
) -> Result<SafeSignature> {
    let mut preview = Gated { review, sink };
    Ok(signer.sign_safe_tx(&review.ctx, tx, mode, &mut preview).await?)
}

/// Refuses a stored proposal whose nonce is above the Safe's `safe_nonce` (the nonces in between
/// must execute first), naming the pending proposals of the store that fill the gap.
pub fn check_next(store: &Store, p: &Proposal, safe_nonce: U256) -> Result<()> {
    if p.tx.nonce <= safe_nonce {
        return Ok(());
    }
    let before = store
        .proposals_for_safe(p.ctx.chain_id, p.ctx.safe)?
        .iter()
        .filter(|q| {
            q.status == ProposalStatus::Pending
                && q.tx.nonce >= safe_nonce
                && q.tx.nonce < p.tx.nonce
        })
        .map(|q| (q.tx.nonce, q.hash))
        .collect();
    Err(Error::NotNext { hash: p.hash, nonce: p.tx.nonce, safe_nonce, before })
}

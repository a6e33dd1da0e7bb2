//! The propose / sign flow every command that makes or signs a Safe transaction goes through:
//! [`propose`] (the signing gate's review, which checks the hash against the Safe's
//! `getTransactionHash`; the store's own hash cross-checked; stored), [`check_signable`] (a stored
//! proposal an owner may sign now: not executed, not signed by them yet, the signer an owner, the
//! nonce unused, the gate's review) and [`sign_reviewed`] (signed with the gate's findings in the
//! preview, the signature stored). The proposer's signature for a Transaction Service is
//! [`sign_reviewed`] followed by [`crate::service::publish_signature`]. Execution is
//! [`crate::execute_ready`] (`tx sign --execute`, the relay, `drill transfer`) or, for `tx execute`
//! with its executor approval and `--force`, the steps in order: [`check_chain_status`] (executed
//! or replaced on chain), [`resumed_execution`] (an earlier run's send found by its hash),
//! [`check_next`] (earlier nonces first), [`check_simulation`], [`execution_request`], then
//! `coffer_chain::{prepare_execution, send_execution}` and [`record_execution`].
//!
//! Nothing here prints: results are returned as values and the caller shows them.

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionReceipt,
};
use coffer_chain::{
    ChainStatus, ExecutionReport, ExecutionRequest, OwnerSnapshot, SafeInfo, execution_event,
    gate::{self, Policy, Review},
    read_safe, simulate,
};
use coffer_core::{SafeSignature, SafeTx, SafeTxContext};
use coffer_signer::{DevicePrompt, PreviewSink, SigningMode, SigningPreview, WalletSigner};
use coffer_store::{Proposal, ProposalMeta, ProposalStatus, Store, signature_kind_name};

use crate::{Error, Result, heal::purpose_of};

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
    check_nonce_unused(&p, info.nonce)?;
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
    let sig = sign_only(review, tx, signer, mode, sink).await?;
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

/// Refuses a stored proposal whose nonce the Safe has used already (`safe_nonce` is the Safe's nonce on
/// chain): it can never execute.
pub fn check_nonce_unused(p: &Proposal, safe_nonce: U256) -> Result<()> {
    if p.tx.nonce < safe_nonce {
        return Err(coffer_chain::Error::NonceUsed {
            safe: p.ctx.safe,
            tx_nonce: p.tx.nonce,
            safe_nonce,
        }
        .into());
    }
    Ok(())
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

/// Refuses to execute a proposal the chain already settled: executed (by any tool, or before a
/// crash), or replaced by another transaction with its nonce. `status` is the chain's word from
/// [`crate::heal::reconcile`] (`None`: not known).
pub fn check_chain_status(p: &Proposal, status: Option<&ChainStatus>) -> Result<()> {
    match status {
        Some(ChainStatus::Executed { tx_hash: Some(tx_hash), .. }) => {
            Err(Error::ExecutedOnChain { hash: p.hash, tx_hash: *tx_hash })
        }
        Some(ChainStatus::Replaced { by_safe_tx_hash, tx_hash }) => Err(Error::Replaced {
            hash: p.hash,
            nonce: p.tx.nonce,
            by: match (by_safe_tx_hash, tx_hash) {
                (Some(b), Some(t)) => format!("by the Safe transaction {b} (executed in {t})"),
                _ => "by another Safe transaction".to_owned(),
            },
        }),
        _ => Ok(()),
    }
}

/// What the simulation of a stored proposal said, when it does not stop the execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Simulated {
    /// The inner call succeeds, with the gas it used.
    Succeeds(u64),
    /// The inner call fails, and the caller forces the execution anyway.
    FailsForced(String),
    /// The node could not simulate (its `eth_call` of the execution still checks it).
    Unavailable(String),
}

/// Simulates the inner call through `accessor`; a failing call is refused (nothing is sent)
/// unless `force`.
pub async fn check_simulation<P: Provider>(
    provider: &P,
    p: &Proposal,
    accessor: Address,
    force: bool,
) -> Result<Simulated> {
    match simulate(provider, p.ctx.safe, accessor, &p.tx).await {
        Ok(sim) if !sim.success && !force => {
            Err(Error::SimulationFails(sim.revert_reason.unwrap_or_default()))
        }
        Ok(sim) if !sim.success => {
            Ok(Simulated::FailsForced(sim.revert_reason.unwrap_or_default()))
        }
        Ok(sim) => Ok(Simulated::Succeeds(sim.gas_used)),
        Err(e) => Ok(Simulated::Unavailable(e.to_string())),
    }
}

/// The execution request of a stored proposal: its stored signatures, the simulation accessor,
/// and the owner snapshot kept with it (so that "the owners changed" is told from "too few").
pub fn execution_request(
    store: &Store,
    p: &Proposal,
    accessor: Address,
) -> Result<ExecutionRequest> {
    let mut request = ExecutionRequest::new(p.ctx, p.tx.clone(), store.signatures(p.hash)?)
        .with_accessor(accessor);
    if let Some(s) = snapshot_of(&p.meta) {
        request = request.with_snapshot(s);
    }
    Ok(request)
}

/// The `extra` metadata kept with a proposal: the owners and threshold when it was proposed, so a
/// signer without RPC (an offline bundle) can tell an owner from a stranger, and execution can
/// tell "the owners changed" from "too few signatures".
pub fn snapshot_extra(info: &SafeInfo) -> serde_json::Value {
    serde_json::json!({ "proposedAgainst": { "owners": info.owners, "threshold": info.threshold } })
}

/// The owners and threshold kept with a proposal when it was proposed (`extra.proposedAgainst`).
pub fn snapshot_of(meta: &ProposalMeta) -> Option<OwnerSnapshot> {
    let v = meta.extra.as_ref()?.get("proposedAgainst")?;
    let owners: Vec<Address> = serde_json::from_value(v.get("owners")?.clone()).ok()?;
    let threshold = v.get("threshold")?.as_u64()?;
    Some(OwnerSnapshot { owners, threshold })
}

/// Records a sent execution of `hash` in the store and forgets its journalled bytes.
pub fn record_execution(store: &Store, hash: B256, tx_hash: B256) -> Result<()> {
    store.mark_executed(hash, tx_hash)?;
    store.forget_sends(&purpose_of(hash))?;
    Ok(())
}

/// A rerun found the execution an earlier run sent (by its hash, in the journal): recorded, and
/// reported like a fresh one. Refused when that transaction did not execute `p`.
pub fn resumed_execution(
    store: &Store,
    p: &Proposal,
    receipt: &TransactionReceipt,
) -> Result<ExecutionReport> {
    let hash = p.hash;
    let Some((success, payment)) = execution_event(receipt, p.ctx.safe, hash) else {
        store.forget_sends(&purpose_of(hash))?;
        return Err(Error::ResumedElsewhere {
            hash,
            tx_hash: receipt.transaction_hash,
            status: if receipt.status() { "success" } else { "reverted" },
        });
    };
    record_execution(store, hash, receipt.transaction_hash)?;
    Ok(ExecutionReport {
        safe: p.ctx.safe,
        safe_tx_hash: hash,
        tx_hash: receipt.transaction_hash,
        block_number: receipt.block_number,
        gas_used: receipt.gas_used,
        success,
        payment,
    })
}

//! The CLI side of the library flow (`coffer_queue::flow`): what every command that proposes a
//! Safe transaction shares. [`submit`] / [`submit_with`] run the flow and show the proposal,
//! [`Publish`] sends the proposer's signature to a Transaction Service, [`print_proposal`] prints
//! the result; the owner snapshot kept with a proposal, the chain check, and the store healed from
//! the chain before a status is shown.

use alloy::{
    primitives::{B256, U256},
    providers::DynProvider,
};
use coffer_chain::{
    Library, OwnerSnapshot, SafeInfo,
    gate::{self, Policy},
    simulate,
};
use coffer_core::SafeTx;
use coffer_store::{Proposal, ProposalMeta};
use serde_json::Value;

use crate::{
    exit::bad_input,
    opts::{SafeTxArgs, TxServiceOpts},
    output::{Fields, print_json},
    parse,
    view::tx::{add_review_fields, add_tx_fields, tx_json},
};

/// What `origin` coffer's own proposals carry.
pub(crate) const ORIGIN: &str = "coffer-cli";

/// The `extra` metadata kept with a proposal (`coffer_queue::flow::snapshot_extra`).
pub(crate) fn snapshot_extra(info: &SafeInfo) -> Value {
    coffer_queue::flow::snapshot_extra(info)
}

/// The snapshot kept by [`snapshot_extra`], if the proposal has one.
pub(crate) fn snapshot_of(meta: Option<&ProposalMeta>) -> Option<OwnerSnapshot> {
    meta.and_then(coffer_queue::flow::snapshot_of)
}

/// Refuses to work on a proposal for another chain than the RPC node's.
pub(crate) fn check_chain(expected: u64, actual: u64) -> eyre::Result<()> {
    if expected != actual {
        return Err(coffer_chain::Error::ChainIdMismatch { expected, actual }.into());
    }
    Ok(())
}

/// The chain's word on `proposals` with the store healed from it (`coffer_queue::heal::reconcile`). A node that
/// cannot answer the log query (a provider that limits `eth_getLogs` ranges) leaves the store's record, said so
/// on stderr; a store failure stops.
pub(crate) async fn reconcile_or_warn(
    provider: &alloy::providers::DynProvider,
    store: &coffer_store::Store,
    proposals: &[Proposal],
) -> eyre::Result<Vec<coffer_queue::heal::Reconciled>> {
    match coffer_queue::heal::reconcile(provider, store, proposals).await {
        Ok(r) => Ok(r),
        Err(coffer_queue::Error::Chain(e @ coffer_chain::Error::Rpc(_))) => {
            eprintln!(
                "warning: could not read the Safe's executions from the chain ({e}); the status shown is the \
                 store's, not checked on chain"
            );
            Ok(Vec::new())
        }
        Err(e) => Err(e.into()),
    }
}

/// [`submit_with`] under the default signing policy (every proposal coffer makes for its own
/// flows: batches, payout plans, module enablement, rejections).
pub(crate) async fn submit(
    provider: &DynProvider,
    store: &coffer_store::Store,
    ctx: &coffer_core::SafeTxContext,
    tx: &SafeTx,
    meta: &ProposalMeta,
    json: bool,
) -> eyre::Result<(alloy::primitives::B256, serde_json::Value)> {
    submit_with(provider, store, ctx, tx, meta, json, Policy::default()).await
}

/// With `--tx-service`: the proposer's wallet and the service a proposal is published to.
pub(crate) struct Publish<'a> {
    pub(crate) signer: &'a coffer_signer::WalletSigner,
    pub(crate) service: &'a TxServiceOpts,
}

impl Publish<'_> {
    /// Signs the stored proposal `hash` with the proposer's wallet (previewed with the signing gate's findings),
    /// stores the signature and sends it to the service (a proposal, or a confirmation if the service knows it).
    pub(crate) async fn send(
        &self,
        provider: &DynProvider,
        store: &coffer_store::Store,
        ctx: &coffer_core::SafeTxContext,
        tx: &SafeTx,
        hash: alloy::primitives::B256,
        policy: Policy,
    ) -> eyre::Result<()> {
        let review = gate::review_online(provider, ctx, tx, policy).await?;
        if review.safe_tx_hash != hash {
            return Err(eyre::eyre!(
                "{hash} is not the reviewed transaction's hash; nothing was signed"
            ));
        }
        let sig = coffer_queue::flow::sign_reviewed(
            store,
            &review,
            tx,
            self.signer,
            coffer_signer::SigningMode::Eip712,
            &mut crate::view::tx::StderrReview,
        )
        .await?;
        crate::service::push_signature(self.service, ctx, tx, &sig).await?;
        Ok(())
    }
}

/// Runs the signing gate on `tx` (which checks its hash against the Safe's `getTransactionHash`
/// and refuses what `policy` refuses), stores it with `meta`, and shows the summary with the
/// gate's findings on stderr (unless `json`). Returns the safeTxHash and the JSON shape of the
/// proposal; the caller prints the result.
pub(crate) async fn submit_with(
    provider: &DynProvider,
    store: &coffer_store::Store,
    ctx: &coffer_core::SafeTxContext,
    tx: &SafeTx,
    meta: &ProposalMeta,
    json: bool,
    policy: Policy,
) -> eyre::Result<(alloy::primitives::B256, serde_json::Value)> {
    let coffer_queue::flow::Proposed { safe_tx_hash: hash, review } =
        coffer_queue::flow::propose(provider, store, ctx, tx, meta, policy).await?;
    let mut v = tx_json(ctx, tx);
    v["label"] = serde_json::json!(meta.label);
    if !json {
        let mut f = Fields::default();
        add_tx_fields(&mut f, ctx, tx, 10);
        add_review_fields(&mut f, &review);
        eprint!("{}", f.render());
        eprintln!(
            "proposed and stored (hash checked against the Safe's getTransactionHash); owners sign with `coffer tx sign {hash}`"
        );
    }
    Ok((hash, v))
}

/// Prints one proposal's result: its safeTxHash, or its JSON shape.
pub(crate) fn print_proposal(
    hash: alloy::primitives::B256,
    v: &serde_json::Value,
    json: bool,
) -> eyre::Result<()> {
    if json {
        print_json(v)
    } else {
        println!("{hash}");
        Ok(())
    }
}

/// A Safe transaction about to be proposed by a [`SafeTxArgs`] command: the store, its nonce, and
/// the proposer's wallet when it is published to a Transaction Service.
pub(crate) struct Prepared {
    /// The local store.
    pub(crate) store: coffer_store::Store,
    /// The nonce the transaction gets.
    pub(crate) nonce: U256,
    /// With `--tx-service`: the proposing owner (checked to be an owner).
    pub(crate) proposer: Option<coffer_signer::WalletSigner>,
}

impl SafeTxArgs {
    /// Before the transaction is built: the service's queue pulled (it counts for the next free
    /// nonce), the nonce (`--nonce`, refused when already used, or the next free one), and with
    /// a service the proposer's wallet, checked to be an owner before anything is stored.
    pub(crate) async fn prepare(&self, info: &SafeInfo, publish: bool) -> eyre::Result<Prepared> {
        let nonce_arg = self.nonce.as_deref().map(|n| parse::uint("--nonce", n)).transpose()?;
        let store = self.store.open()?;
        crate::service::pull_safe(&self.service, &self.rpc, &store, info.address).await?;
        let nonce = match nonce_arg {
            Some(n) if n < info.nonce => {
                return Err(bad_input(format!(
                    "--nonce {n} is already used: the Safe's nonce is {}; use {} or higher",
                    info.nonce, info.nonce
                )));
            }
            Some(n) => n,
            None => store.next_nonce(info.chain_id, info.address, info.nonce)?,
        };
        let proposer = if publish && self.service.enabled() {
            let signer = self.wallet.signer().await?;
            if !info.is_owner(signer.address()) {
                return Err(bad_input(format!(
                    "{} is not an owner of Safe {}; a Transaction Service accepts proposals signed \
                     by an owner only",
                    signer.address(),
                    info.address
                )));
            }
            Some(signer)
        } else {
            None
        };
        Ok(Prepared { store, nonce, proposer })
    }

    /// Proposes `tx` through the library flow: the signing gate (before any simulation: a
    /// refused delegatecall is not simulated), a warning if it would fail now, stored with the
    /// label (`--label` first, else `label`), the origin and the owner snapshot, and with a
    /// service the proposer's signature published. Returns its safeTxHash and JSON shape; the
    /// caller adds its own fields and prints with [`print_proposal`].
    pub(crate) async fn submit(
        &self,
        provider: &DynProvider,
        prepared: &Prepared,
        info: &SafeInfo,
        tx: &SafeTx,
        label: Option<String>,
        origin: Option<&str>,
    ) -> eyre::Result<(B256, Value)> {
        let meta = ProposalMeta {
            label,
            origin: Some(origin.map_or_else(|| ORIGIN.to_owned(), |o| format!("{ORIGIN} {o}"))),
            batch: None,
            payout_plan: None,
            extra: Some(snapshot_extra(info)),
        };
        self.submit_meta(provider, prepared, info, tx, meta).await
    }

    /// [`SafeTxArgs::submit`] with the caller's metadata (`--label`, when given, replaces its
    /// label).
    pub(crate) async fn submit_meta(
        &self,
        provider: &DynProvider,
        prepared: &Prepared,
        info: &SafeInfo,
        tx: &SafeTx,
        mut meta: ProposalMeta,
    ) -> eyre::Result<(B256, Value)> {
        let ctx = info.context()?;
        let policy = self.policy();
        gate::review_online(provider, &ctx, tx, policy).await?;
        self.warn_if_failing(provider, info, tx).await;
        if self.label.is_some() {
            meta.label.clone_from(&self.label);
        }
        let meta = &meta;
        let store = &prepared.store;
        let (hash, v) = submit_with(provider, store, &ctx, tx, meta, self.json, policy).await?;
        if let Some(signer) = &prepared.proposer {
            Publish { signer, service: &self.service }
                .send(provider, store, &ctx, tx, hash, policy)
                .await?;
        }
        Ok((hash, v))
    }

    /// [`SafeTxArgs::prepare`], `build(nonce)`, then [`SafeTxArgs::submit`].
    pub(crate) async fn propose(
        &self,
        provider: &DynProvider,
        info: &SafeInfo,
        label: String,
        origin: &str,
        build: impl FnOnce(U256) -> eyre::Result<SafeTx>,
    ) -> eyre::Result<(B256, Value)> {
        let prepared = self.prepare(info, true).await?;
        let tx = build(prepared.nonce)?;
        self.submit(provider, &prepared, info, &tx, Some(label), Some(origin)).await
    }

    /// Simulates the inner call and warns on stderr if it would fail now (the proposal is stored
    /// anyway: it may become valid, e.g. once the Safe is funded).
    async fn warn_if_failing(&self, provider: &DynProvider, info: &SafeInfo, tx: &SafeTx) {
        let Ok(libs) = self.suite.for_safe(provider, info.address).await else { return };
        let Ok(accessor) = libs.require(provider, Library::SimulateTxAccessor).await else {
            return;
        };
        if let Ok(sim) = simulate(provider, info.address, accessor, tx).await
            && !sim.success
        {
            eprintln!(
                "warning: executed now, this transaction would fail: {}",
                sim.revert_reason.unwrap_or_default()
            );
        }
    }
}

/// A stored proposal that is not executed yet: its hash and the proposal. Refused (bad input) when it was
/// executed, saying there is nothing to `verb`.
pub(crate) fn unexecuted(
    store: &coffer_store::Store,
    hash_text: &str,
    verb: &str,
) -> eyre::Result<(B256, Proposal)> {
    let hash = store.resolve(hash_text)?;
    let p = store.proposal(hash)?;
    if let coffer_store::ProposalStatus::Executed { tx_hash, .. } = p.status {
        return Err(bad_input(format!(
            "{hash} was already executed in {tx_hash}; nothing to {verb}"
        )));
    }
    Ok((hash, p))
}

/// What `tx sign|approve --as-safe INNER` start from: OUTER's proposal as the signing gate reviews it (that is
/// what INNER's owners approve), OUTER and INNER as the chain has them.
pub(crate) struct AsSafeStart {
    /// The gate's review of OUTER's transaction.
    pub(crate) review: gate::Review,
    /// OUTER, the proposal's Safe.
    pub(crate) outer: SafeInfo,
    /// INNER, a Safe that owns OUTER.
    pub(crate) inner: SafeInfo,
    /// INNER's transaction context.
    pub(crate) inner_ctx: coffer_core::SafeTxContext,
}

/// Checks that the node is on the proposal's chain (`chain_id` is the node's), reviews OUTER's transaction
/// through the gate, and reads OUTER and INNER: refused when INNER is not an owner of OUTER, or when the
/// proposal's nonce is already used.
pub(crate) async fn as_safe_start(
    provider: &DynProvider,
    p: &Proposal,
    inner: alloy::primitives::Address,
    chain_id: u64,
    policy: Policy,
) -> eyre::Result<AsSafeStart> {
    check_chain(p.ctx.chain_id, chain_id)?;
    let review = gate::review_online(provider, &p.ctx, &p.tx, policy).await?;
    let outer = coffer_chain::read_safe(provider, p.ctx.safe).await?;
    if !outer.is_owner(inner) {
        return Err(bad_input(format!(
            "{inner} is not an owner of Safe {}; --as-safe takes a Safe that owns it. Owners: {}",
            p.ctx.safe,
            outer.owners.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        )));
    }
    coffer_queue::flow::check_nonce_unused(p, outer.nonce)?;
    let inner_info = coffer_chain::read_safe(provider, inner).await?;
    let inner_ctx = inner_info.context()?;
    Ok(AsSafeStart { review, outer, inner: inner_info, inner_ctx })
}

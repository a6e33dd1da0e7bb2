//! `coffer tx sign HASH` (checked against the chain, stored) and `coffer tx sign --bundle FILE`
//! (no RPC at all: every hash recomputed from the bundle's fields, the signature written back).
//! Both go through the signing gate (`coffer_chain::gate`) before anything is signed.

use std::path::PathBuf;

use clap::Args;
use coffer_chain::gate;
use coffer_core::{SafeSignature, SafeTx, SafeTxContext};
use coffer_queue::flow;
use coffer_signer::{SigningMode, WalletOpts};
use coffer_store::{Bundle, signature_kind_name};
use serde_json::json;

use crate::flow::snapshot_of;
use crate::opts::PolicyOpts;
use crate::view::tx::StderrReview;
use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts, SuiteOpts, TxServiceOpts, sending_key},
    output::print_json,
};

/// Arguments of `coffer tx sign`.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The safeTxHash (or a unique prefix of it) of a stored proposal.
    #[arg(required_unless_present = "bundle", conflicts_with = "bundle")]
    hash: Option<String>,
    /// Sign the proposal in this bundle file instead, with no RPC and no store: the hashes are
    /// recomputed from its fields, and the signature is written back into the file.
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
    /// With --bundle: write the signed bundle here instead of back into FILE.
    #[arg(long, short = 'o', value_name = "OUT", requires = "bundle")]
    output: Option<PathBuf>,
    /// Sign with eth_sign (a personal message over the safeTxHash, v + 4) instead of EIP-712.
    #[arg(long)]
    eth_sign: bool,
    /// With --bundle: sign for a Safe version before 1.3.0, whose EIP-712 domain has no chain id
    /// (the signature is valid on every chain; offline the version the bundle claims cannot be
    /// checked).
    #[arg(long, requires = "bundle")]
    allow_legacy_domain: bool,
    #[command(flatten)]
    policy: PolicyOpts,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Sign as an owner of INNER, a Safe that owns this proposal's Safe: the proposal is signed as a
    /// Safe message of INNER, and once INNER's threshold is reached its contract signature (v = 0) is
    /// added to the proposal.
    #[arg(long, value_name = "INNER", conflicts_with_all = ["bundle", "execute"])]
    as_safe: Option<String>,
    /// Execute right after signing if the valid signatures now reach the threshold (simulated
    /// first; sent from this wallet, which must then be a local key).
    #[arg(long, conflicts_with = "bundle")]
    execute: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    suite: SuiteOpts,
    #[command(flatten)]
    service: TxServiceOpts,
    #[command(flatten)]
    wallet: WalletOpts,
}

impl SignArgs {
    fn mode(&self) -> SigningMode {
        if self.eth_sign { SigningMode::EthSign } else { SigningMode::Eip712 }
    }

    pub(crate) async fn run(self) -> eyre::Result<()> {
        match (&self.hash, &self.bundle) {
            (_, Some(file)) => self.sign_bundle(file.clone()).await,
            (Some(_), None) if self.as_safe.is_some() && self.service.enabled() => Err(bad_input(
                "--as-safe does not publish to a Transaction Service yet: sign without --tx-service \
                 (and without COFFER_TX_SERVICE); the inner Safe's contract signature is kept in the store",
            )),
            (Some(hash), None) if self.as_safe.is_some() => {
                let inner =
                    crate::parse::address("--as-safe", self.as_safe.as_deref().unwrap_or(""))?;
                super::sign_as_safe::AsSafe {
                    hash_text: hash,
                    inner,
                    mode: self.mode(),
                    policy: self.policy,
                    json: self.json,
                    rpc: &self.rpc,
                    store: &self.store,
                    wallet: &self.wallet,
                }
                .run()
                .await
            }
            (Some(hash), None) => self.sign_stored(hash.clone()).await,
            (None, None) => Err(bad_input("give a HASH to sign, or --bundle FILE")),
        }
    }

    async fn sign_stored(&self, hash_text: String) -> eyre::Result<()> {
        let store = self.store.open()?;
        crate::service::pull_hash(&self.service, &self.rpc, &store, &hash_text).await?;
        let hash = store.resolve(&hash_text)?;
        let p = store.proposal(hash)?;
        if let coffer_store::ProposalStatus::Executed { tx_hash, .. } = p.status {
            return Err(coffer_queue::Error::AlreadyExecuted { hash, tx_hash }.into());
        }
        let signer = self.wallet.signer().await?;
        let me = signer.address();
        // With --execute the same wallet sends: refuse a device before anything is signed.
        let sender = if self.execute { Some(sending_key(&signer)?) } else { None };
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        let flow::SignCheck { proposal: p, review, info } =
            flow::check_signable(&provider, &store, hash, me, chain_id, self.policy.policy())
                .await?;
        crate::view::plan::print_plan_preview(&store, &p, Some(&provider)).await?;
        let sig =
            flow::sign_reviewed(&store, &review, &p.tx, &signer, self.mode(), &mut StderrReview)
                .await?;
        let count = store.signatures(hash)?.len();
        crate::service::push_signature(&self.service, &p.ctx, &p.tx, &sig).await?;
        let execution = match sender {
            Some(key) => Some(
                super::sign_execute::execute_after_signing(
                    &self.rpc,
                    &self.suite,
                    key,
                    &store,
                    hash,
                    self.policy.policy(),
                )
                .await?,
            ),
            None => None,
        };
        self.report(&sig, &p.ctx, &p.tx, count, Some(info.threshold), None, execution)
    }

    async fn sign_bundle(&self, file: PathBuf) -> eyre::Result<()> {
        let mut bundle = Bundle::read(&file)?;
        bundle.verify()?;
        let mut policy = self.policy.policy();
        policy.allow_legacy_domain = self.allow_legacy_domain;
        let review = gate::review_offline(&bundle.ctx, &bundle.tx, policy)?;
        let signer = self.wallet.signer().await?;
        let me = signer.address();
        let hash = bundle.safe_tx_hash();
        if bundle.signatures.iter().any(|s| s.owner == me) {
            return Err(bad_input(format!(
                "{me} has already signed {hash} in {}; a Safe counts each owner once",
                file.display()
            )));
        }
        let snapshot = snapshot_of(bundle.meta.as_ref());
        if let Some(s) = &snapshot
            && !s.owners.contains(&me)
        {
            return Err(bad_input(format!(
                "{me} was not an owner of Safe {} when this was proposed (owners: {}); its signature would not count",
                bundle.ctx.safe,
                s.owners.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )));
        }
        let sig =
            flow::sign_only(&review, &bundle.tx, &signer, self.mode(), &mut StderrReview).await?;
        bundle.add_signature(sig.clone())?;
        let out = self.output.clone().unwrap_or_else(|| file.clone());
        bundle.write_atomic(&out)?;
        eprintln!("wrote the signature into {}", out.display());
        self.report(
            &sig,
            &bundle.ctx,
            &bundle.tx,
            bundle.signatures.len(),
            snapshot.map(|s| s.threshold),
            Some(out),
            None,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        sig: &SafeSignature,
        ctx: &SafeTxContext,
        tx: &SafeTx,
        count: usize,
        threshold: Option<u64>,
        bundle: Option<PathBuf>,
        execution: Option<serde_json::Value>,
    ) -> eyre::Result<()> {
        let hash = tx.safe_tx_hash(ctx);
        if self.json {
            let mut out = json!({
                "safeTxHash": hash,
                "owner": sig.owner,
                "kind": signature_kind_name(&sig.kind),
                "signature": sig.to_bytes(),
                "signatures": count,
                "threshold": threshold,
                "bundle": bundle,
            });
            if let Some(e) = execution {
                out["execution"] = e;
            }
            return print_json(&out);
        }
        println!("{}", sig.to_bytes());
        let of = threshold.map_or_else(String::new, |t| format!(" of {t} required"));
        eprintln!(
            "signed {hash} as {} ({}): {count} signature(s){of}",
            sig.owner,
            signature_kind_name(&sig.kind)
        );
        Ok(())
    }
}

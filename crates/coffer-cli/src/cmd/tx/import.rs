//! `coffer tx import FILE`: merge a bundle's proposal and signatures into the store, after the
//! signing gate's online review (chain id, Safe version, hash, delegatecall targets), checking its
//! label and batch rows against its calldata, and verifying every signature against the chain.

use std::collections::BTreeMap;

use std::path::PathBuf;

use clap::Args;
use coffer_chain::{SignatureStatus, gate, read_safe, verify_signatures};
use coffer_store::Bundle;
use serde_json::json;

use crate::flow::check_chain;
use crate::opts::PolicyOpts;
use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts, TxServiceOpts},
    output::print_json,
};

/// Arguments of `coffer tx import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The bundle file (from `coffer tx export`, signed with `coffer tx sign --bundle`).
    file: PathBuf,
    #[command(flatten)]
    policy: PolicyOpts,
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

impl ImportArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let store = self.store.open()?;
        let bundle = Bundle::read(&self.file)?;
        bundle.verify()?;
        let provider = self.rpc.provider()?;
        check_chain(bundle.ctx.chain_id, self.rpc.chain_id(&provider).await?)?;
        let review =
            gate::review_online(&provider, &bundle.ctx, &bundle.tx, self.policy.policy()).await?;
        let hash = review.safe_tx_hash;
        let mut decimals = BTreeMap::new();
        let tokens = bundle.meta.iter().flat_map(|m| m.batch.iter()).flat_map(|b| &b.rows);
        for token in tokens.filter_map(|r| r.token) {
            if let std::collections::btree_map::Entry::Vacant(e) = decimals.entry(token) {
                e.insert(crate::batch::decimals(&provider, token).await.ok());
            }
        }
        bundle.check_meta(|t| decimals.get(&t).copied().flatten())?;
        let info = read_safe(&provider, bundle.ctx.safe).await?;
        let checks =
            verify_signatures(&provider, &info, &bundle.ctx, &bundle.tx, &bundle.signatures, None)
                .await?;
        if let Some((c, reason)) = checks.iter().find_map(|c| match &c.status {
            SignatureStatus::Rejected(r) => Some((c, r)),
            SignatureStatus::Valid => None,
        }) {
            return Err(bad_input(format!(
                "rejected the signature of {} in {}: {reason}; nothing was imported",
                c.signature.owner,
                self.file.display()
            )));
        }
        let stored = if store.contains(hash)? { store.signatures(hash)? } else { Vec::new() };
        let new: Vec<_> = bundle
            .signatures
            .iter()
            .filter(|s| !stored.iter().any(|t| t.owner == s.owner))
            .collect();
        if store.contains(hash)? && new.is_empty() {
            let dups = bundle.signatures.iter().map(|s| s.owner.to_string()).collect::<Vec<_>>();
            return Err(bad_input(format!(
                "nothing to import from {}: {hash} is already stored{}",
                self.file.display(),
                if dups.is_empty() {
                    " and the bundle holds no signature".to_owned()
                } else {
                    format!(" with the signatures of {}", dups.join(", "))
                }
            )));
        }
        let report = store.import_bundle(&bundle, Some(&info.owners))?;
        // With a service: send each newly stored (verified) signature there too.
        for sig in bundle.signatures.iter().filter(|s| report.added.contains(&s.owner)) {
            crate::service::push_signature(&self.service, &bundle.ctx, &bundle.tx, sig).await?;
        }
        if self.json {
            return print_json(&json!({
                "safeTxHash": report.hash,
                "proposalCreated": report.proposal_created,
                "added": report.added,
                "duplicates": report.duplicates,
            }));
        }
        println!("{}", report.hash);
        if report.proposal_created {
            eprintln!("imported the proposal {}", report.hash);
        }
        for o in &report.added {
            eprintln!("added the signature of {o}");
        }
        for o in &report.duplicates {
            eprintln!("skipped the signature of {o}: already in the store");
        }
        Ok(())
    }
}

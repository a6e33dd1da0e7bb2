//! `coffer tx list SAFE`: the queue by nonce, with same-nonce conflicts marked.

use std::collections::BTreeMap;

use alloy::primitives::U256;
use clap::Args;
use coffer_chain::{ChainStatus, safe_nonce, threshold};
use coffer_core::decode_call;
use coffer_store::ProposalStatus;
use serde_json::json;

use crate::flow::reconcile_or_warn;
use crate::view::tx::status_json;
use crate::{
    opts::{RpcOpts, StoreOpts, TxServiceOpts},
    output::{Table, print_json},
    parse,
};

/// Arguments of `coffer tx list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The Safe's address.
    safe: String,
    /// Include executed proposals and those whose nonce is used.
    #[arg(long)]
    all: bool,
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

impl ListArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let store = self.store.open()?;
        crate::service::pull_safe(&self.service, &self.rpc, &store, safe).await?;
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        let current = safe_nonce(&provider, safe).await.map_err(|e| match e {
            coffer_chain::Error::Rpc(_) => coffer_chain::Error::NotASafe {
                address: safe,
                reason: format!("it does not answer nonce() ({e})"),
            },
            e => e,
        })?;
        let threshold = threshold(&provider, safe).await?;
        // The chain's word on every proposal (one log query), and the store healed from it.
        let chain: std::collections::HashMap<_, _> =
            reconcile_or_warn(&provider, &store, &store.proposals_for_safe(chain_id, safe)?)
                .await?
                .into_iter()
                .map(|r| (r.hash, r))
                .collect();
        let proposals = store.proposals_for_safe(chain_id, safe)?;
        let mut per_nonce: BTreeMap<U256, usize> = BTreeMap::new();
        for p in &proposals {
            if p.status == ProposalStatus::Pending && p.tx.nonce >= current {
                *per_nonce.entry(p.tx.nonce).or_default() += 1;
            }
        }
        let mut rows = Vec::new();
        let mut hidden = 0usize;
        for p in &proposals {
            let executed = matches!(p.status, ProposalStatus::Executed { .. });
            let stale = !executed && p.tx.nonce < current;
            if (executed || stale) && !self.all {
                hidden += 1;
                continue;
            }
            let conflict =
                !executed && !stale && per_nonce.get(&p.tx.nonce).copied().unwrap_or(0) > 1;
            let sigs = store.signatures(p.hash)?.len();
            let state = if executed {
                "executed"
            } else if stale {
                "nonce used"
            } else if sigs as u64 >= threshold {
                if p.tx.nonce == current { "ready" } else { "signed" }
            } else {
                "pending"
            };
            let action = decode_call(p.tx.to, p.tx.value, &p.tx.data, p.tx.operation);
            let first = action.to_string().lines().next().unwrap_or_default().to_owned();
            let entries = action.to_string().lines().count().saturating_sub(1);
            let summary = match (&p.meta.label, entries) {
                (Some(l), _) => l.clone(),
                (None, 0) => first,
                (None, n) => format!("{first} ({n} calls)"),
            };
            rows.push((p, sigs, state, conflict, summary));
        }
        if self.json {
            let v: Vec<_> = rows
                .iter()
                .map(|(p, sigs, state, conflict, summary)| {
                    json!({
                        "safeTxHash": p.hash,
                        "nonce": p.tx.nonce.to_string(),
                        "signatures": sigs,
                        "threshold": threshold,
                        "state": state,
                        "conflict": conflict,
                        "summary": summary,
                        "status": status_json(p),
                        "chain": chain.get(&p.hash).map(super::show::chain_status_json),
                    })
                })
                .collect();
            return print_json(&json!({
                "chainId": chain_id,
                "safe": safe,
                "safeNonce": current.to_string(),
                "threshold": threshold,
                "proposals": v,
            }));
        }
        if rows.is_empty() {
            eprintln!("no pending proposals for {safe} on chain {chain_id} (Safe nonce {current})");
            if hidden > 0 {
                eprintln!("{hidden} executed or replaced proposal(s) hidden: --all shows them");
            }
            return Ok(());
        }
        let mut t = Table::new(&["NONCE", "SAFETXHASH", "SIGS", "STATE", "ACTION"]);
        for (p, sigs, state, conflict, summary) in &rows {
            let state = match chain.get(&p.hash).map(|r| &r.status) {
                Some(ChainStatus::Executed { tx_hash: Some(t), .. }) => format!("executed in {t}"),
                Some(ChainStatus::Replaced { by_safe_tx_hash: Some(b), .. }) => {
                    format!("replaced by {b}")
                }
                Some(ChainStatus::Replaced { .. }) => "replaced".to_owned(),
                Some(s) if s.nonce_taken_in_mempool(p.tx.nonce) => {
                    format!("{state} (nonce taken in mempool)")
                }
                _ => (*state).to_owned(),
            };
            let state = if *conflict { format!("{state} CONFLICT") } else { state };
            t.row(vec![
                p.tx.nonce.to_string(),
                format!("{:#x}", p.hash),
                format!("{sigs}/{threshold}"),
                state,
                summary.clone(),
            ]);
        }
        t.print();
        if hidden > 0 {
            eprintln!("{hidden} executed or replaced proposal(s) hidden: --all shows them");
        }
        if per_nonce.values().any(|n| *n > 1) {
            eprintln!(
                "CONFLICT: several proposals share a nonce; only one of them can execute, the others become void"
            );
        }
        Ok(())
    }
}

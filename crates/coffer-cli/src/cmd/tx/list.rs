//! `coffer tx list SAFE`: the queue by nonce, with same-nonce conflicts marked.

use std::collections::BTreeMap;

use alloy::primitives::U256;
use clap::Args;
use coffer_chain::{safe_nonce, threshold};
use coffer_core::decode_call;
use coffer_store::ProposalStatus;
use serde_json::json;

use super::common::status_json;
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
        super::service::pull_safe(&self.service, &self.rpc, &store, safe).await?;
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
        let proposals = store.proposals_for_safe(chain_id, safe)?;
        let mut per_nonce: BTreeMap<U256, usize> = BTreeMap::new();
        for p in &proposals {
            if p.status == ProposalStatus::Pending && p.tx.nonce >= current {
                *per_nonce.entry(p.tx.nonce).or_default() += 1;
            }
        }
        let mut rows = Vec::new();
        for p in &proposals {
            let executed = matches!(p.status, ProposalStatus::Executed { .. });
            let stale = !executed && p.tx.nonce < current;
            if (executed || stale) && !self.all {
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
            return Ok(());
        }
        let mut t = Table::new(&["NONCE", "SAFETXHASH", "SIGS", "STATE", "ACTION"]);
        for (p, sigs, state, conflict, summary) in &rows {
            let state = if *conflict { format!("{state} CONFLICT") } else { (*state).to_owned() };
            t.row(vec![
                p.tx.nonce.to_string(),
                format!("{:#x}", p.hash),
                format!("{sigs}/{threshold}"),
                state,
                summary.clone(),
            ]);
        }
        t.print();
        if per_nonce.values().any(|n| *n > 1) {
            eprintln!(
                "CONFLICT: several proposals share a nonce; only one of them can execute, the others become void"
            );
        }
        Ok(())
    }
}

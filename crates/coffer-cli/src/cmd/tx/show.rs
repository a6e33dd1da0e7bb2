//! `coffer tx show HASH`: the fields, the decoded action with risk flags, the three hashes, who
//! signed, who is missing, and whether it can execute.

use alloy::primitives::{Address, U256};
use clap::Args;
use coffer_chain::ChainStatus;
use coffer_chain::{SignatureStatus, read_safe, verify_signatures};
use coffer_core::format_units;
use coffer_queue::heal::Reconciled;
use coffer_store::{Proposal, ProposalStatus, signature_kind_name};
use serde_json::{Value, json};

use crate::flow::{check_chain, reconcile_or_warn, snapshot_of};
use crate::view::tx::{add_tx_fields, signature_json, status_json, tx_json};
use crate::{
    opts::{RpcOpts, StoreOpts, TxServiceOpts},
    output::{Fields, print_json},
};

/// Arguments of `coffer tx show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The safeTxHash (or a unique prefix of it).
    hash: String,
    /// Do not ask the RPC node: owners and threshold come from the snapshot taken at proposal time.
    #[arg(long)]
    offline: bool,
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

/// Who signed, who is missing, and the verdict, from the chain or from the snapshot.
struct Approvals {
    source: &'static str,
    owners: Vec<Address>,
    threshold: u64,
    safe_nonce: Option<U256>,
    /// (owner, kind, problem if not valid)
    signed: Vec<(Address, &'static str, Option<String>)>,
}

impl Approvals {
    fn valid(&self) -> usize {
        self.signed.iter().filter(|(o, _, p)| p.is_none() && self.owners.contains(o)).count()
    }

    fn missing(&self) -> Vec<Address> {
        self.owners
            .iter()
            .filter(|o| !self.signed.iter().any(|(s, _, p)| s == *o && p.is_none()))
            .copied()
            .collect()
    }

    fn verdict(&self, p: &Proposal) -> (bool, String) {
        if let ProposalStatus::Executed { tx_hash, .. } = p.status {
            return (false, format!("no: already executed in {tx_hash}"));
        }
        if let Some(n) = self.safe_nonce {
            if p.tx.nonce < n {
                return (
                    false,
                    format!("no: nonce {} is used (the Safe's nonce is {n})", p.tx.nonce),
                );
            }
            if p.tx.nonce > n {
                return (
                    false,
                    format!(
                        "no: nonce {} is not next; nonces {n}..{} must execute first",
                        p.tx.nonce, p.tx.nonce
                    ),
                );
            }
        }
        let valid = self.valid() as u64;
        if valid < self.threshold {
            return (
                false,
                format!(
                    "no: {valid} of {} signatures; {} more needed",
                    self.threshold,
                    self.threshold - valid
                ),
            );
        }
        (true, format!("yes: {valid} of {} signatures", self.threshold))
    }
}

impl ShowArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let store = self.store.open()?;
        crate::service::pull_hash(&self.service, &self.rpc, &store, &self.hash).await?;
        let hash = store.resolve(&self.hash)?;
        let mut p = store.proposal(hash)?;
        // Online, the status is the chain's (executed, replaced, pending again after a reorganisation), and
        // the store is healed from it.
        let chain = if self.offline {
            None
        } else {
            let provider = self.rpc.provider()?;
            check_chain(p.ctx.chain_id, self.rpc.chain_id(&provider).await?)?;
            let r = reconcile_or_warn(&provider, &store, std::slice::from_ref(&p)).await?.pop();
            p = store.proposal(hash)?;
            r
        };
        let sigs = store.signatures(hash)?;
        let approvals = if self.offline { None } else { Some(self.read_chain(&p, &sigs).await?) };
        // A plan approval's figures are recomputed from its chunks; units read on chain unless
        // --offline.
        let provider = if self.offline { None } else { Some(self.rpc.provider()?) };
        let plan = crate::view::plan::show_fields(&store, &p, provider.as_ref()).await?;
        let approvals = approvals.or_else(|| {
            snapshot_of(Some(&p.meta)).map(|s| Approvals {
                source: "snapshot at proposal time",
                owners: s.owners,
                threshold: s.threshold,
                safe_nonce: None,
                signed: sigs
                    .iter()
                    .map(|sig| (sig.owner, signature_kind_name(&sig.kind), None))
                    .collect(),
            })
        });

        if self.json {
            let mut v = tx_json(&p.ctx, &p.tx);
            v["label"] = json!(p.meta.label);
            v["status"] = status_json(&p);
            v["status"]["source"] = json!(if chain.is_some() { "chain" } else { "store" });
            if let Some(r) = &chain {
                v["status"]["chain"] = chain_status_json(r);
            }
            v["signatures"] = Value::Array(sigs.iter().map(signature_json).collect());
            if let Some(b) = &p.meta.batch {
                v["batch"] = json!(b);
            }
            v["approvals"] = match &approvals {
                Some(a) => {
                    let (executable, reason) = a.verdict(&p);
                    json!({
                        "source": a.source,
                        "owners": a.owners,
                        "threshold": a.threshold,
                        "valid": a.valid(),
                        "signed": a.signed.iter().map(|(o, k, prob)| json!({"owner": o, "kind": k, "problem": prob})).collect::<Vec<_>>(),
                        "missing": a.missing(),
                        "executable": executable,
                        "reason": reason,
                    })
                }
                None => Value::Null,
            };
            if let Some((_, plan)) = &plan {
                v["payoutPlan"] = plan.clone();
            }
            return print_json(&v);
        }

        let mut f = Fields::default();
        if let Some(label) = &p.meta.label {
            f.add("label", label);
        }
        f.add(
            "status",
            match (&chain, p.status) {
                (Some(r), _) => chain_status_text(r, &p),
                (None, ProposalStatus::Pending) => {
                    "pending (as recorded in the store; not checked on chain: --offline)".to_owned()
                }
                (None, ProposalStatus::Executed { tx_hash, .. }) => format!(
                    "executed in {tx_hash} (as recorded in the store; not checked on chain: --offline)"
                ),
            },
        );
        add_tx_fields(&mut f, &p.ctx, &p.tx, usize::MAX);
        if let Some((plan, _)) = &plan {
            f.append(plan);
        }
        if let Some(b) = &p.meta.batch {
            let rows = b
                .rows
                .iter()
                .map(|r| {
                    format!(
                        "line {:>4}  {}  {}  {}",
                        r.line,
                        r.token.map_or_else(|| "ETH".to_owned(), |t| t.to_string()),
                        r.receiver,
                        r.amount
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            f.add(
                "batch rows",
                format!(
                    "chunk {} of {} from {}\n{rows}",
                    b.chunk + 1,
                    b.chunks,
                    b.source.as_deref().unwrap_or("(unknown)")
                ),
            );
        }
        match &approvals {
            Some(a) => {
                let signed = if a.signed.is_empty() {
                    "nobody yet".to_owned()
                } else {
                    a.signed
                        .iter()
                        .map(|(o, k, prob)| match prob {
                            None if a.owners.contains(o) => format!("{o}  {k}"),
                            None => format!("{o}  {k}  NOT AN OWNER"),
                            Some(prob) => format!("{o}  {k}  INVALID: {prob}"),
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                let missing = a.missing();
                f.add("threshold", format!("{} of {} ({})", a.threshold, a.owners.len(), a.source))
                    .add("signed", signed)
                    .add(
                        "missing",
                        if missing.is_empty() {
                            "nobody".to_owned()
                        } else {
                            missing.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
                        },
                    )
                    .add("executable", a.verdict(&p).1);
            }
            None => {
                f.add(
                    "signed",
                    sigs.iter()
                        .map(|s| format!("{}  {}", s.owner, signature_kind_name(&s.kind)))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
            }
        }
        if !p.tx.value.is_zero() {
            f.add("value (ETH)", format_units(p.tx.value, 18));
        }
        f.print();
        Ok(())
    }

    async fn read_chain(
        &self,
        p: &Proposal,
        sigs: &[coffer_core::SafeSignature],
    ) -> eyre::Result<Approvals> {
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        check_chain(p.ctx.chain_id, chain_id)?;
        let info = read_safe(&provider, p.ctx.safe).await?;
        let checks = verify_signatures(&provider, &info, &p.ctx, &p.tx, sigs, None).await?;
        Ok(Approvals {
            source: "read on chain now",
            owners: info.owners.clone(),
            threshold: info.threshold,
            safe_nonce: Some(info.nonce),
            signed: checks
                .iter()
                .map(|c| {
                    (
                        c.signature.owner,
                        signature_kind_name(&c.signature.kind),
                        match &c.status {
                            SignatureStatus::Valid => None,
                            SignatureStatus::Rejected(r) => Some(r.clone()),
                        },
                    )
                })
                .collect(),
        })
    }
}

/// The chain's word on a proposal, as JSON: `state` (`executed`, `replaced`, `pending`) and its transactions.
pub(crate) fn chain_status_json(r: &Reconciled) -> Value {
    let mut v = match &r.status {
        ChainStatus::Executed { tx_hash, block_number, success } => json!({
            "state": "executed", "txHash": tx_hash, "blockNumber": block_number, "success": success,
        }),
        ChainStatus::Replaced { by_safe_tx_hash, tx_hash } => json!({
            "state": "replaced", "bySafeTxHash": by_safe_tx_hash, "txHash": tx_hash,
        }),
        ChainStatus::Pending { safe_nonce, pending_nonce } => json!({
            "state": "pending", "safeNonce": safe_nonce.to_string(),
            "pendingNonce": pending_nonce.to_string(),
        }),
    };
    v["revertedByReorg"] = json!(r.reverted);
    v
}

/// The chain's word on a proposal, as one line.
pub(crate) fn chain_status_text(r: &Reconciled, p: &Proposal) -> String {
    let reorg = if r.reverted {
        " (the execution the store recorded is no longer on chain: reorganised away)"
    } else {
        ""
    };
    match &r.status {
        ChainStatus::Executed { tx_hash, block_number, success } => format!(
            "executed in {} (block {}{}, read on chain)",
            tx_hash.map_or_else(|| "?".to_owned(), |t| t.to_string()),
            block_number.map_or_else(|| "?".to_owned(), |b| b.to_string()),
            if *success { "" } else { ", ExecutionFailure: the inner call failed" }
        ),
        ChainStatus::Replaced { by_safe_tx_hash: Some(b), tx_hash: Some(t) } => format!(
            "replaced: nonce {} was used by the Safe transaction {b} (executed in {t}); this one can never execute",
            p.tx.nonce
        ),
        ChainStatus::Replaced { .. } => format!(
            "replaced: nonce {} was used by another Safe transaction; this one can never execute",
            p.tx.nonce
        ),
        s @ ChainStatus::Pending { pending_nonce, .. } if s.nonce_taken_in_mempool(p.tx.nonce) => {
            format!(
                "pending{reorg}; a transaction in the node's mempool uses its nonce (Safe pending nonce {pending_nonce})"
            )
        }
        ChainStatus::Pending { .. } => format!("pending (read on chain){reorg}"),
    }
}

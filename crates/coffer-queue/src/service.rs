//! A Transaction Service as a source and a sink of the queue, with nothing it says trusted.
//!
//! Reading ([`verify_service_tx`], [`import_tx`], [`sync_safe`]): the Safe's context (chain id,
//! version) and owners are read from the chain; every transaction's safeTxHash is recomputed
//! from its fields and compared with the service's; every confirmation is decoded against the
//! recomputed hash, must recover (or point) to the owner the service names, and is verified
//! like an execution would (owner on chain now, `approvedHashes`, EIP-1271 `eth_call`). Each
//! mismatch is a [`Finding`] that names the transaction or the owner, and is never stored.
//!
//! Writing ([`publish_signature`]): the signature of a proposal the service does not know yet is
//! sent as a proposal (the service requires the proposer's signature), else as a confirmation.

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
};
use coffer_chain::{OwnerCheck, SafeInfo, read_safe, verify_signatures_with};
use coffer_core::{SafeSignature, SafeTx, SafeTxContext, parse_signatures};
use coffer_store::{ProposalMeta, Store};
use coffer_txs_api::{Client, MultisigTransaction, MultisigTransactionCreate};

use crate::{Refresh, Result};

/// Something a service said that does not hold; never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The whole transaction is refused.
    Transaction {
        /// The safeTxHash the service gave.
        claimed: B256,
        /// Why.
        reason: String,
    },
    /// One confirmation is refused; the rest of the transaction may still be used.
    Confirmation {
        /// The transaction (recomputed hash).
        hash: B256,
        /// The owner the service named.
        owner: Address,
        /// Why.
        reason: String,
    },
}

impl core::fmt::Display for Finding {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Transaction { claimed, reason } => {
                write!(f, "refused transaction {claimed:#x} from the service: {reason}")
            }
            Self::Confirmation { hash, owner, reason } => write!(
                f,
                "refused the confirmation of {owner} on {hash:#x} from the service: {reason}"
            ),
        }
    }
}

/// A service transaction after verification: the hash is ours, the signatures are valid now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedTx {
    /// The recomputed safeTxHash (equal to the service's).
    pub hash: B256,
    /// Chain, Safe and version read from the chain.
    pub ctx: SafeTxContext,
    /// The ten fields.
    pub tx: SafeTx,
    /// The confirmations that verified.
    pub signatures: Vec<SafeSignature>,
    /// Whether the service says it was executed, and in which transaction.
    pub executed: Option<B256>,
    /// The service's proposer (display only).
    pub proposer: Option<Address>,
    /// Confirmations refused, by owner.
    pub findings: Vec<Finding>,
}

/// Verifies one service transaction for the Safe `info` describes, in context `ctx` (both read
/// from the chain): `Ok(Err(finding))` when the whole transaction is refused.
pub async fn verify_service_tx<P: Provider>(
    provider: &P,
    info: &SafeInfo,
    ctx: &SafeTxContext,
    wire: &MultisigTransaction,
) -> Result<Result<VerifiedTx, Finding>> {
    let refuse =
        |reason: String| Ok(Err(Finding::Transaction { claimed: wire.safe_tx_hash, reason }));
    if wire.safe != ctx.safe {
        return refuse(format!("it belongs to Safe {}, not {}", wire.safe, ctx.safe));
    }
    let tx = match wire.safe_tx() {
        Ok(tx) => tx,
        Err(e) => return refuse(format!("its fields do not form a Safe transaction: {e}")),
    };
    let hash = tx.safe_tx_hash(ctx);
    if hash != wire.safe_tx_hash {
        return refuse(format!(
            "safeTxHash mismatch: its fields hash to {hash:#x} on chain {} (Safe {} version {}), not to the \
             {:#x} the service gives",
            ctx.chain_id, ctx.safe, ctx.version, wire.safe_tx_hash
        ));
    }
    let mut findings = Vec::new();
    let mut decoded = Vec::new();
    for c in &wire.confirmations {
        let mut refuse_sig = |reason: String| {
            findings.push(Finding::Confirmation { hash, owner: c.owner, reason });
        };
        match parse_signatures(&c.signature, hash) {
            Ok(mut sigs) if sigs.len() == 1 => {
                let sig = sigs.remove(0);
                if sig.owner != c.owner {
                    refuse_sig(format!(
                        "the signature recovers to {}, not to the owner the service names",
                        sig.owner
                    ));
                } else {
                    decoded.push(sig);
                }
            }
            Ok(sigs) => refuse_sig(format!("it holds {} signatures instead of one", sigs.len())),
            Err(e) => refuse_sig(format!("the signature does not decode: {e}")),
        }
    }
    let checks = verify_signatures_with(
        provider,
        info,
        ctx,
        &tx,
        &decoded,
        None,
        OwnerCheck::Listed(&info.owners),
    )
    .await?;
    let mut signatures = Vec::new();
    for check in checks {
        match check.status {
            coffer_chain::SignatureStatus::Valid => signatures.push(check.signature),
            coffer_chain::SignatureStatus::Rejected(reason) => {
                findings.push(Finding::Confirmation { hash, owner: check.signature.owner, reason })
            }
        }
    }
    Ok(Ok(VerifiedTx {
        hash,
        ctx: *ctx,
        tx,
        signatures,
        executed: wire.transaction_hash.filter(|_| wire.is_executed),
        proposer: wire.proposer,
        findings,
    }))
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Transactions the service listed.
    pub seen: usize,
    /// Proposals new to the store.
    pub new_proposals: Vec<B256>,
    /// Signatures added to the store (new owners only; a stored signature is kept).
    pub signatures_added: usize,
    /// What was refused, by name.
    pub findings: Vec<Finding>,
}

impl SyncReport {
    fn merge(&mut self, other: Self) {
        self.seen += other.seen;
        self.new_proposals.extend(other.new_proposals);
        self.signatures_added += other.signatures_added;
        self.findings.extend(other.findings);
    }
}

/// Stores a verified transaction and its signatures.
fn store_verified(store: &Store, v: &VerifiedTx, origin: &str) -> Result<SyncReport> {
    let mut report = SyncReport { seen: 1, ..SyncReport::default() };
    if !store.contains(v.hash)? {
        let meta = ProposalMeta { origin: Some(origin.to_owned()), ..ProposalMeta::default() };
        store.insert_proposal(&v.ctx, &v.tx, &meta)?;
        report.new_proposals.push(v.hash);
    }
    let have: Vec<Address> = store.signatures(v.hash)?.iter().map(|s| s.owner).collect();
    for sig in &v.signatures {
        if !have.contains(&sig.owner) {
            store.add_signature(v.hash, sig)?;
            report.signatures_added += 1;
        }
    }
    report.findings.extend(v.findings.iter().cloned());
    Ok(report)
}

/// Fetches one transaction by safeTxHash from the service, verifies it against the chain, and
/// stores it with its valid signatures. `Ok(None)` when the service does not know it.
pub async fn import_tx<P: Provider>(
    client: &Client,
    provider: &P,
    store: &Store,
    hash: B256,
) -> Result<Option<SyncReport>> {
    let Some(wire) = client.transaction(hash).await? else {
        return Ok(None);
    };
    let info = read_safe(provider, wire.safe).await?;
    let ctx = info.context()?;
    let origin = format!("tx-service:{}", client.base_url());
    Ok(Some(match verify_service_tx(provider, &info, &ctx, &wire).await? {
        Ok(v) if v.hash == hash => store_verified(store, &v, &origin)?,
        Ok(v) => SyncReport {
            seen: 1,
            findings: vec![Finding::Transaction {
                claimed: hash,
                reason: format!("asked for {hash:#x}, the service answered {:#x}", v.hash),
            }],
            ..SyncReport::default()
        },
        Err(f) => SyncReport { seen: 1, findings: vec![f], ..SyncReport::default() },
    }))
}

/// Pulls the Safe's pending queue (not executed, nonce ≥ the chain's) from the service into the
/// store, verifying each transaction and confirmation.
pub async fn sync_safe<P: Provider>(
    client: &Client,
    provider: &P,
    store: &Store,
    safe: Address,
) -> Result<SyncReport> {
    let info = read_safe(provider, safe).await?;
    let ctx = info.context()?;
    let origin = format!("tx-service:{}", client.base_url());
    let mut report = SyncReport::default();
    for wire in client.pending(safe, info.nonce).await? {
        match verify_service_tx(provider, &info, &ctx, &wire).await? {
            Ok(v) => report.merge(store_verified(store, &v, &origin)?),
            Err(f) => {
                report.merge(SyncReport { seen: 1, findings: vec![f], ..SyncReport::default() })
            }
        }
    }
    Ok(report)
}

/// Sends `sig` (already verified, by an owner) for the proposal `tx` to the service: as a
/// confirmation when the service knows the transaction, else as a proposal with `sig` as the
/// proposer's signature (`sender` = the signer).
pub async fn publish_signature(
    client: &Client,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    sig: &SafeSignature,
    origin: Option<String>,
) -> Result<Published> {
    let hash = tx.safe_tx_hash(ctx);
    if client.transaction(hash).await?.is_some() {
        client.confirm(hash, sig.to_bytes()).await?;
        return Ok(Published::Confirmed);
    }
    let body = MultisigTransactionCreate::new(tx, hash, sig.owner, Some(sig.to_bytes()), origin);
    client.propose(ctx.safe, &body).await?;
    Ok(Published::Proposed)
}

/// What [`publish_signature`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Published {
    /// The service did not know the transaction: proposed with this signature.
    Proposed,
    /// Added as a confirmation.
    Confirmed,
}

/// The relay's [`Refresh`] from a service: each round, [`sync_safe`] for the relay's Safe.
#[derive(Clone, Debug)]
pub struct ServiceRefresh<P> {
    client: Client,
    provider: P,
    safe: Address,
    reported: std::collections::HashSet<String>,
}

impl<P> ServiceRefresh<P> {
    /// Pulls `safe`'s queue from `client`, reading the chain through `provider`.
    pub fn new(client: Client, provider: P, safe: Address) -> Self {
        Self { client, provider, safe, reported: Default::default() }
    }
}

impl<P: Provider> Refresh for ServiceRefresh<P> {
    async fn refresh(&mut self, store: &Store) -> Result<Vec<String>> {
        let report = sync_safe(&self.client, &self.provider, store, self.safe).await?;
        let mut notes = Vec::new();
        if !report.new_proposals.is_empty() || report.signatures_added > 0 {
            notes.push(format!(
                "from {}: {} new proposal(s), {} new signature(s), all verified",
                self.client.base_url(),
                report.new_proposals.len(),
                report.signatures_added
            ));
        }
        for f in report.findings {
            let text = f.to_string();
            if self.reported.insert(text.clone()) {
                notes.push(text);
            }
        }
        Ok(notes)
    }
}

//! The store heals from the chain: [`reconcile`] takes each proposal's status from the chain (executed, with
//! its transaction; replaced; pending again after a reorganisation) and records it; [`StoreJournal`] records
//! every signed transaction before it is broadcast, and [`resume_recorded`] finds it again on a rerun, by its
//! hash, resubmitting the same bytes instead of signing a new transaction.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
};

use alloy::{
    primitives::{B256, Bytes},
    providers::Provider,
    rpc::types::TransactionReceipt,
};
use coffer_chain::{
    ChainStatus, chain_statuses,
    once::{Earlier, find_earlier},
    rpc::SendJournal,
};
use coffer_store::{Proposal, ProposalStatus, Store};

use crate::Result;

/// A [`SendJournal`] over the store in a data directory: each signed transaction is recorded under the
/// current purpose (the safeTxHash being executed, set with [`StoreJournal::set_purpose`]) before the
/// first byte goes to the node. It opens the store for each record, so it is `Send + Sync`.
#[derive(Debug)]
pub struct StoreJournal {
    dir: PathBuf,
    chain_id: u64,
    purpose: Mutex<String>,
}

impl StoreJournal {
    /// A journal over the store in `dir`, for `chain_id`, with the purpose `unlabelled` until one is set.
    pub fn new(dir: impl Into<PathBuf>, chain_id: u64) -> Arc<Self> {
        Arc::new(Self { dir: dir.into(), chain_id, purpose: Mutex::new("unlabelled".to_owned()) })
    }

    /// What the next broadcast is for: [`purpose_of`] a safeTxHash for an execution.
    pub fn set_purpose(&self, purpose: impl Into<String>) {
        if let Ok(mut p) = self.purpose.lock() {
            *p = purpose.into();
        }
    }
}

impl SendJournal for StoreJournal {
    fn record(&self, tx_hash: B256, raw: &Bytes) -> Result<(), String> {
        let purpose = self.purpose.lock().map_err(|e| e.to_string())?.clone();
        let store = Store::open(&self.dir).map_err(|e| e.to_string())?;
        store.record_send(&purpose, self.chain_id, tx_hash, raw).map_err(|e| e.to_string())
    }
}

/// The journal purpose of the execution of `safe_tx_hash`.
pub fn purpose_of(safe_tx_hash: B256) -> String {
    format!("exec:{safe_tx_hash:#x}")
}

/// What the chain said about one proposal, and what [`reconcile`] changed in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconciled {
    /// The safeTxHash.
    pub hash: B256,
    /// The chain's word.
    pub status: ChainStatus,
    /// The store recorded an execution the chain no longer has (a reorganisation): it is pending again.
    pub reverted: bool,
    /// The store now records an execution it did not know (executed by another tool, or after a crash).
    pub recorded: bool,
}

/// Takes the status of `proposals` (all of one Safe on one chain) from the chain with one log query (from the
/// Safe's creation block, [`history_start_cached`]; paged when the node limits ranges), and makes
/// the store agree: an execution found on chain is recorded (and its journal entries dropped); an execution
/// the store recorded but the chain no longer has (a reorganisation removed it) is cleared, so the proposal
/// is pending again.
pub async fn reconcile<P: Provider>(
    provider: &P,
    store: &Store,
    proposals: &[Proposal],
) -> Result<Vec<Reconciled>> {
    let Some(first) = proposals.first() else { return Ok(Vec::new()) };
    let safe = first.ctx.safe;
    let keys: Vec<(B256, alloy::primitives::U256)> =
        proposals.iter().map(|p| (p.hash, p.tx.nonce)).collect();
    let from = history_start_cached(provider, store, first.ctx.chain_id, safe).await?;
    let statuses = chain_statuses(provider, safe, &keys, from).await?;
    let mut out = Vec::with_capacity(proposals.len());
    for (p, status) in proposals.iter().zip(statuses) {
        let stored = match p.status {
            ProposalStatus::Executed { tx_hash, .. } => Some(tx_hash),
            ProposalStatus::Pending => None,
        };
        let mut reverted = false;
        let mut recorded = false;
        match (&status, stored) {
            (ChainStatus::Executed { tx_hash: Some(t), .. }, Some(s)) if *t == s => {}
            (ChainStatus::Executed { tx_hash: Some(t), .. }, s) => {
                if s.is_some() {
                    store.mark_pending(p.hash)?;
                }
                store.mark_executed(p.hash, *t)?;
                store.forget_sends(&purpose_of(p.hash))?;
                recorded = true;
            }
            (ChainStatus::Executed { tx_hash: None, .. }, _) => {}
            (_, Some(_)) => {
                store.mark_pending(p.hash)?;
                reverted = true;
            }
            (_, None) => {}
        }
        out.push(Reconciled { hash: p.hash, status, reverted, recorded });
    }
    Ok(out)
}

/// The first block of `safe`'s history ([`coffer_chain::history_start`]: its creation block), cached in the
/// store once found, so that status lookups read its logs from there and the binary search runs once per Safe.
/// Not cached when the node could not tell (block 0).
pub async fn history_start_cached<P: Provider>(
    provider: &P,
    store: &Store,
    chain_id: u64,
    safe: alloy::primitives::Address,
) -> Result<u64> {
    if let Some(b) = store.safe_creation_block(chain_id, safe)?
        && still_creation_block(provider, safe, b).await
    {
        return Ok(b);
    }
    let b = coffer_chain::history_start(provider, safe).await;
    if b > 0 {
        store.record_safe_creation_block(chain_id, safe, b)?;
    }
    Ok(b)
}

/// Whether `safe` still has code at block `b` and none before it (a local chain started again, or a
/// reorganisation, can move a creation). A node that cannot answer for old blocks keeps the cached value.
async fn still_creation_block<P: Provider>(
    provider: &P,
    safe: alloy::primitives::Address,
    b: u64,
) -> bool {
    let code_at = |n: u64| async move {
        provider.get_code_at(safe).block_id(n.into()).await.map(|c| !c.is_empty())
    };
    match (code_at(b).await, if b == 0 { Ok(false) } else { code_at(b - 1).await }) {
        (Ok(now), Ok(before)) => now && !before,
        _ => true,
    }
}

/// What [`resume_recorded`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resumed {
    /// Nothing is recorded for this purpose.
    Nothing,
    /// A recorded transaction is mined (found, or resubmitted and mined): its receipt.
    Mined(Box<TransactionReceipt>),
    /// The recorded transactions can never be mined (the account's nonce moved on without them); they were
    /// forgotten.
    Dead,
}

/// On a rerun: for each signed transaction recorded under `purpose`, newest first, its receipt if it is mined;
/// if the node still holds it, waits for it; if the node does not know it and its account nonce is still
/// free, resubmits the same bytes and waits (`coffer_chain::once::find_earlier`). One whose nonce was used
/// by another transaction (or that would wait behind a nonce gap) can never be mined.
pub async fn resume_recorded<P: Provider>(
    provider: &P,
    store: &Store,
    purpose: &str,
    chain_id: u64,
) -> Result<Resumed> {
    let sends = store.recorded_sends(purpose, chain_id)?;
    if sends.is_empty() {
        return Ok(Resumed::Nothing);
    }
    let sends: Vec<(B256, Bytes)> =
        sends.into_iter().map(|s| (s.tx_hash, Bytes::from(s.raw))).collect();
    match find_earlier(provider, &sends).await? {
        Earlier::Mined(r) | Earlier::Waited(r) => return Ok(Resumed::Mined(r)),
        Earlier::Nothing => {}
    }
    store.forget_sends(purpose)?;
    Ok(Resumed::Dead)
}

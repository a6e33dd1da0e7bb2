//! Where a Safe transaction stands, read from the chain: executed (by whom, in which transaction), replaced by
//! another transaction with the same nonce, pending, or taken by a transaction waiting in the node's mempool.
//! A store's record is a cache of this; `tx show`, `tx list` and every rerun take the chain's word.

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, U256},
    providers::Provider,
};
use coffer_contracts::bindings::ISafe;

use crate::{
    Error, Result,
    execute::{ExecutionRecord, find_executions},
    read::safe_nonce,
};

/// What the chain says about one Safe transaction, from [`chain_status`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainStatus {
    /// The Safe emitted `ExecutionSuccess` / `ExecutionFailure` for this safeTxHash.
    Executed {
        /// The Ethereum transaction that executed it.
        tx_hash: Option<B256>,
        /// Its block.
        block_number: Option<u64>,
        /// `ExecutionSuccess` (true) or `ExecutionFailure`.
        success: bool,
    },
    /// Its nonce was used by another Safe transaction: it can never execute.
    Replaced {
        /// The Safe transaction that used the nonce, when the Safe's execution log could be matched to nonces.
        by_safe_tx_hash: Option<B256>,
        /// The Ethereum transaction that executed that one.
        tx_hash: Option<B256>,
    },
    /// Not executed, and its nonce is free.
    Pending {
        /// The Safe's nonce now.
        safe_nonce: U256,
        /// The Safe's nonce in the node's pending state: above the transaction's nonce when a transaction
        /// waiting in the mempool (another executor's) uses it.
        pending_nonce: U256,
    },
}

impl ChainStatus {
    /// A short name: `executed`, `replaced` or `pending`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Executed { .. } => "executed",
            Self::Replaced { .. } => "replaced",
            Self::Pending { .. } => "pending",
        }
    }

    /// True when a transaction in the mempool already uses this nonce (pending, not yet mined).
    pub fn nonce_taken_in_mempool(&self, nonce: U256) -> bool {
        matches!(self, Self::Pending { pending_nonce, .. } if *pending_nonce > nonce)
    }
}

/// The Safe's nonce in the node's pending state (the mempool applied). Nodes without a pending state answer
/// for the latest block.
pub async fn pending_safe_nonce<P: Provider>(provider: &P, safe: Address) -> Result<U256> {
    ISafe::new(safe, provider).nonce().block(BlockId::pending()).call().await.map_err(Error::rpc)
}

/// The status of each `(safeTxHash, nonce)` of `safe`, with one log query (paged when the node limits
/// ranges, [`crate::get_logs_paged`]): the Safe's execution events from block `from_block` on. A Safe's nonce counts its executions, so when the log holds every execution since
/// the Safe was created (`from_block` at or before its creation), the n-th event is the one that used nonce n
/// and [`ChainStatus::Replaced`] names it.
pub async fn chain_statuses<P: Provider>(
    provider: &P,
    safe: Address,
    txs: &[(B256, U256)],
    from_block: u64,
) -> Result<Vec<ChainStatus>> {
    let nonce = safe_nonce(provider, safe).await?;
    let pending_nonce = pending_safe_nonce(provider, safe).await.unwrap_or(nonce);
    let executions = find_executions(provider, safe, from_block).await?;
    Ok(txs
        .iter()
        .map(|(hash, n)| status_of(&executions, nonce, pending_nonce, *hash, *n))
        .collect())
}

/// The first block a Safe's history can be in: its creation block (binary search on `eth_getCode`,
/// [`crate::sheet::creation_block`]), or block 0 when the node cannot answer for old blocks (not an archive
/// node) or there is no code yet.
pub async fn history_start<P: Provider>(provider: &P, safe: Address) -> u64 {
    crate::sheet::creation_block(provider, safe).await.unwrap_or(0)
}

/// [`chain_statuses`] for one transaction, from the Safe's creation block ([`history_start`]).
pub async fn chain_status<P: Provider>(
    provider: &P,
    safe: Address,
    safe_tx_hash: B256,
    nonce: U256,
) -> Result<ChainStatus> {
    let from = history_start(provider, safe).await;
    let mut v = chain_statuses(provider, safe, &[(safe_tx_hash, nonce)], from).await?;
    v.pop().ok_or_else(|| Error::Rpc("no status".to_owned()))
}

/// The pure rule of [`chain_statuses`].
pub fn status_of(
    executions: &[ExecutionRecord],
    safe_nonce: U256,
    pending_nonce: U256,
    safe_tx_hash: B256,
    nonce: U256,
) -> ChainStatus {
    if let Some(e) = executions.iter().rev().find(|e| e.safe_tx_hash == safe_tx_hash) {
        return ChainStatus::Executed {
            tx_hash: e.tx_hash,
            block_number: e.block_number,
            success: e.success,
        };
    }
    if nonce < safe_nonce {
        // The n-th execution used nonce n only when the log is complete.
        let by = (U256::from(executions.len()) == safe_nonce)
            .then(|| usize::try_from(nonce).ok().and_then(|i| executions.get(i)))
            .flatten();
        return ChainStatus::Replaced {
            by_safe_tx_hash: by.map(|e| e.safe_tx_hash),
            tx_hash: by.and_then(|e| e.tx_hash),
        };
    }
    ChainStatus::Pending { safe_nonce, pending_nonce: pending_nonce.max(safe_nonce) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(h: u8, tx: u8) -> ExecutionRecord {
        ExecutionRecord {
            safe_tx_hash: B256::repeat_byte(h),
            success: true,
            payment: U256::ZERO,
            tx_hash: Some(B256::repeat_byte(tx)),
            block_number: Some(u64::from(tx)),
        }
    }

    #[test]
    fn range_refusals_are_told_from_rate_limits() {
        use crate::execute::is_range_refusal;
        for m in [
            "query returned more than 10000 results",
            "block range is too large",
            "exceed maximum block range: 50",
            "Log response size exceeded",
            "eth_getLogs is limited to a 10,000 range",
        ] {
            assert!(is_range_refusal(m), "{m}");
        }
        for m in ["too many requests", "rate limit exceeded", "nonce too low", "execution reverted"]
        {
            assert!(!is_range_refusal(m), "{m}");
        }
    }

    #[test]
    fn executed_replaced_pending() {
        let log = [rec(1, 11), rec(2, 12)];
        let n = U256::from;
        let two = n(2);
        assert_eq!(
            status_of(&log, two, two, B256::repeat_byte(2), n(1)),
            ChainStatus::Executed {
                tx_hash: Some(B256::repeat_byte(12)),
                block_number: Some(12),
                success: true
            }
        );
        assert_eq!(
            status_of(&log, two, two, B256::repeat_byte(9), n(1)),
            ChainStatus::Replaced {
                by_safe_tx_hash: Some(B256::repeat_byte(2)),
                tx_hash: Some(B256::repeat_byte(12))
            }
        );
        // An incomplete log (the Safe executed before from_block): replaced, by an unknown transaction.
        assert_eq!(
            status_of(&log[1..], two, two, B256::repeat_byte(9), n(0)),
            ChainStatus::Replaced { by_safe_tx_hash: None, tx_hash: None }
        );
        let pending = status_of(&log, two, n(3), B256::repeat_byte(9), two);
        assert_eq!(pending.name(), "pending");
        assert!(pending.nonce_taken_in_mempool(two));
        assert!(!status_of(&log, two, two, B256::repeat_byte(9), two).nonce_taken_in_mempool(two));
    }
}

//! The safeTxHash cross-check and the nonce a new transaction should use.

use crate::{
    Error, Result,
    read::{chain_id, safe_context, safe_nonce},
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use coffer_contracts::bindings::ISafe;
use coffer_core::{SafeTx, SafeTxContext};

/// Computes `tx`'s safeTxHash with coffer-core and checks it against the Safe's own
/// `getTransactionHash` (which every Safe version, 1.0.0 to 1.5.0, has on the Safe itself).
///
/// Call this before anything is signed or sent: it also checks that the provider is on
/// `ctx.chain_id` ([`Error::ChainIdMismatch`]) and that the Safe reports `ctx.version`
/// ([`Error::VersionMismatch`]). Returns the verified hash; a difference is
/// [`Error::HashMismatch`].
pub async fn check_safe_tx_hash<P: Provider>(
    provider: &P,
    ctx: &SafeTxContext,
    tx: &SafeTx,
) -> Result<B256> {
    let actual = chain_id(provider).await?;
    if actual != ctx.chain_id {
        return Err(Error::ChainIdMismatch { expected: ctx.chain_id, actual });
    }
    let on_chain_ctx = safe_context(provider, ctx.safe).await?;
    if on_chain_ctx.version != ctx.version {
        return Err(Error::VersionMismatch {
            safe: ctx.safe,
            expected: ctx.version.to_string(),
            actual: on_chain_ctx.version.to_string(),
        });
    }
    let computed = tx.safe_tx_hash(ctx);
    let on_chain = ISafe::new(ctx.safe, provider)
        .getTransactionHash(
            tx.to,
            tx.value,
            tx.data.clone(),
            tx.operation.as_u8(),
            tx.safe_tx_gas,
            tx.base_gas,
            tx.gas_price,
            tx.gas_token,
            tx.refund_receiver,
            tx.nonce,
        )
        .call()
        .await
        .map_err(Error::rpc)?;
    if computed != on_chain {
        return Err(Error::HashMismatch { safe: ctx.safe, computed, on_chain });
    }
    Ok(computed)
}

/// The nonce a new transaction for `safe` should use.
///
/// With an empty `queued`, the Safe's nonce on chain. Otherwise, as the Safe Transaction
/// Service does, the nonce right after the highest queued one that is still pending (at or
/// above the chain's nonce); queued nonces below the chain's nonce are stale and ignored.
pub async fn next_nonce<P: Provider>(provider: &P, safe: Address, queued: &[U256]) -> Result<U256> {
    let current = safe_nonce(provider, safe).await?;
    Ok(next_nonce_after(current, queued))
}

/// The pure rule of [`next_nonce`]: `max(current, highest pending queued + 1)`.
pub fn next_nonce_after(current: U256, queued: &[U256]) -> U256 {
    queued
        .iter()
        .filter(|n| **n >= current)
        .max()
        .map_or(current, |max| (*max + U256::from(1)).max(current))
}

/// Checks that `tx_nonce` is the Safe's next nonce: [`Error::NonceUsed`] below it (this tx or a
/// rival with the same nonce executed), [`Error::NonceNotNext`] above it.
pub async fn check_nonce<P: Provider>(provider: &P, safe: Address, tx_nonce: U256) -> Result<()> {
    let safe_nonce = safe_nonce(provider, safe).await?;
    if tx_nonce < safe_nonce {
        return Err(Error::NonceUsed { safe, tx_nonce, safe_nonce });
    }
    if tx_nonce > safe_nonce {
        return Err(Error::NonceNotNext { safe, tx_nonce, safe_nonce });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_nonce_rule() {
        let n = |v: u64| U256::from(v);
        assert_eq!(next_nonce_after(n(5), &[]), n(5));
        assert_eq!(next_nonce_after(n(5), &[n(1), n(4)]), n(5), "stale queue entries ignored");
        assert_eq!(next_nonce_after(n(5), &[n(5)]), n(6));
        assert_eq!(next_nonce_after(n(5), &[n(7), n(5)]), n(8));
    }
}

//! Chain reads for the server: the Safe's state through a brief per-Safe cache, and execution records.

use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
};
use coffer_chain::{SafeInfo, read_safe};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Why a Safe could not be read.
#[derive(Clone, Debug)]
pub(crate) enum ReadError {
    /// There is no Safe at the address (no code, or no `VERSION()`).
    NotASafe(String),
    /// The node failed.
    Rpc(String),
}

#[derive(Default)]
struct Slot {
    value: Option<(Instant, Arc<SafeInfo>)>,
    refresh: Arc<tokio::sync::Mutex<()>>,
}

/// The provider, the chain id and the Safe cache.
pub(crate) struct ChainView {
    pub(crate) provider: DynProvider,
    pub(crate) chain_id: u64,
    ttl: Duration,
    slots: Mutex<HashMap<Address, Slot>>,
}

impl ChainView {
    pub(crate) fn new(provider: DynProvider, chain_id: u64, ttl: Duration) -> Self {
        Self { provider, chain_id, ttl, slots: Mutex::new(HashMap::new()) }
    }

    fn cached(&self, safe: Address, max_age: Duration) -> Option<Arc<SafeInfo>> {
        let slots = self.slots.lock().ok()?;
        let (at, info) = slots.get(&safe)?.value.as_ref()?;
        (at.elapsed() <= max_age).then(|| info.clone())
    }

    /// The Safe's state (owners, threshold, nonce, version, …), read from the chain at most `ttl` ago.
    /// Concurrent callers for one Safe wait for a single read.
    pub(crate) async fn safe(&self, safe: Address) -> Result<Arc<SafeInfo>, ReadError> {
        self.safe_max_age(safe, self.ttl).await
    }

    /// The Safe's state read now (and cached for the others).
    pub(crate) async fn fresh(&self, safe: Address) -> Result<Arc<SafeInfo>, ReadError> {
        self.safe_max_age(safe, Duration::ZERO).await
    }

    async fn safe_max_age(
        &self,
        safe: Address,
        max_age: Duration,
    ) -> Result<Arc<SafeInfo>, ReadError> {
        if let Some(info) = self.cached(safe, max_age) {
            return Ok(info);
        }
        let requested = Instant::now();
        let lock = {
            let mut slots =
                self.slots.lock().map_err(|_| ReadError::Rpc("cache poisoned".into()))?;
            slots.entry(safe).or_default().refresh.clone()
        };
        let _guard = lock.lock().await;
        // Someone may have read it while we waited: take theirs if it was read after we asked.
        if let Ok(slots) = self.slots.lock()
            && let Some((at, info)) = slots.get(&safe).and_then(|s| s.value.as_ref())
            && *at >= requested
        {
            return Ok(info.clone());
        }
        let info = match read_safe(&self.provider, safe).await {
            Ok(info) => Arc::new(info),
            Err(
                e @ (coffer_chain::Error::NotASafe { .. }
                | coffer_chain::Error::UnsupportedVersion { .. }),
            ) => {
                return Err(ReadError::NotASafe(e.to_string()));
            }
            Err(e) => return Err(ReadError::Rpc(e.to_string())),
        };
        if let Ok(mut slots) = self.slots.lock() {
            slots.entry(safe).or_default().value = Some((Instant::now(), info.clone()));
        }
        Ok(info)
    }

    /// The executor and the block time of an execution transaction, if the node still has them.
    pub(crate) async fn execution_details(
        &self,
        tx_hash: alloy::primitives::B256,
        block: Option<u64>,
    ) -> (Option<Address>, Option<u64>) {
        let executor = self
            .provider
            .get_transaction_by_hash(tx_hash)
            .await
            .ok()
            .flatten()
            .map(|t| t.inner.signer());
        let time = match block {
            Some(b) => self
                .provider
                .get_block_by_number(b.into())
                .await
                .ok()
                .flatten()
                .map(|blk| blk.header.timestamp),
            None => None,
        };
        (executor, time)
    }
}

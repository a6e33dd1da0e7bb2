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
    /// The last read and when it started.
    value: Option<(Instant, Arc<SafeInfo>)>,
    /// A read in the background is under way (at most one per Safe).
    refreshing: bool,
    /// Held by the one caller that reads while the others wait (no usable value).
    refresh: Arc<tokio::sync::Mutex<()>>,
}

type Slots = Arc<Mutex<HashMap<Address, Slot>>>;

/// The provider, the chain id and the Safe cache.
///
/// A value is used for at most `ttl` after its read began. Once it is three quarters that old, the
/// first caller starts one read in the background (of what the rules use: see [`refresh`]) and every caller
/// keeps using the value, which is
/// still within `ttl`: under steady load no request waits for the chain. Only a value older than
/// `ttl` (or none) makes callers wait, for a single read.
pub(crate) struct ChainView {
    pub(crate) provider: DynProvider,
    pub(crate) chain_id: u64,
    ttl: Duration,
    slots: Slots,
    /// Each Safe's creation block, found once ([`ChainView::history_start`]).
    starts: Arc<Mutex<HashMap<Address, u64>>>,
}

async fn read(provider: &DynProvider, safe: Address) -> Result<Arc<SafeInfo>, ReadError> {
    match read_safe(provider, safe).await {
        Ok(info) => Ok(Arc::new(info)),
        Err(
            e @ (coffer_chain::Error::NotASafe { .. }
            | coffer_chain::Error::UnsupportedVersion { .. }),
        ) => Err(ReadError::NotASafe(e.to_string())),
        Err(e) => Err(ReadError::Rpc(e.to_string())),
    }
}

/// The background refresh of a value under use: what the service's rules depend on (`VERSION()`, owners,
/// threshold, nonce) is read again, in parallel; the rest of the previous full read (singleton, modules, guard,
/// fallback handler, balance) is kept. If the version changed (the singleton was replaced), everything is read
/// again. Five calls instead of eleven, and neither the singleton's code nor the balance: under load this halves
/// what the refreshes cost the node and the server.
async fn refresh(provider: &DynProvider, prev: &SafeInfo) -> Result<Arc<SafeInfo>, ReadError> {
    let safe = prev.address;
    let classify = |e: coffer_chain::Error| match e {
        e @ coffer_chain::Error::NotASafe { .. } => ReadError::NotASafe(e.to_string()),
        e => ReadError::Rpc(e.to_string()),
    };
    let (version_string, owners, threshold, nonce) = tokio::try_join!(
        coffer_chain::safe_version(provider, safe),
        coffer_chain::owners(provider, safe),
        coffer_chain::threshold(provider, safe),
        coffer_chain::safe_nonce(provider, safe),
    )
    .map_err(classify)?;
    if version_string != prev.version_string {
        return read(provider, safe).await;
    }
    let mut info = prev.clone();
    info.owners = owners;
    info.threshold = threshold;
    info.nonce = nonce;
    Ok(Arc::new(info))
}

impl ChainView {
    pub(crate) fn new(provider: DynProvider, chain_id: u64, ttl: Duration) -> Self {
        Self { provider, chain_id, ttl, slots: Arc::default(), starts: Arc::default() }
    }

    /// The first block of the Safe's history (its creation block, `coffer_chain::history_start`), found
    /// once per Safe and kept, so that its execution logs are read from there rather than from block 0.
    pub(crate) async fn history_start(&self, safe: Address) -> u64 {
        if let Some(b) = self.starts.lock().ok().and_then(|m| m.get(&safe).copied()) {
            return b;
        }
        let b = coffer_chain::history_start(&self.provider, safe).await;
        if b > 0
            && let Ok(mut m) = self.starts.lock()
        {
            m.insert(safe, b);
        }
        b
    }

    /// The cached value if it is at most `max_age` old; past three quarters of that age, starts one
    /// background read.
    fn cached(&self, safe: Address, max_age: Duration) -> Option<Arc<SafeInfo>> {
        let mut slots = self.slots.lock().ok()?;
        let slot = slots.get_mut(&safe)?;
        let (at, info) = slot.value.as_ref()?;
        let age = at.elapsed();
        if age > max_age {
            return None;
        }
        let info = info.clone();
        if age > max_age / 4 * 3
            && !slot.refreshing
            && tokio::runtime::Handle::try_current().is_ok()
        {
            slot.refreshing = true;
            let (provider, slots, prev) = (self.provider.clone(), self.slots.clone(), info.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let got = refresh(&provider, &prev).await;
                if let Ok(mut slots) = slots.lock() {
                    let slot = slots.entry(safe).or_default();
                    slot.refreshing = false;
                    if let Ok(info) = got
                        && slot.value.as_ref().is_none_or(|(at, _)| *at < started)
                    {
                        slot.value = Some((started, info));
                    }
                }
            });
        }
        Some(info)
    }

    /// The Safe's state (owners, threshold, nonce, version, …), from a read that began at most `ttl` ago.
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
        if !max_age.is_zero()
            && let Some(info) = self.cached(safe, max_age)
        {
            return Ok(info);
        }
        let requested = Instant::now();
        let lock = {
            let mut slots =
                self.slots.lock().map_err(|_| ReadError::Rpc("cache poisoned".into()))?;
            slots.entry(safe).or_default().refresh.clone()
        };
        let _guard = lock.lock().await;
        // Someone may have read it while we waited: take theirs if the read began after we asked.
        if let Ok(slots) = self.slots.lock()
            && let Some((at, info)) = slots.get(&safe).and_then(|s| s.value.as_ref())
            && *at >= requested
        {
            return Ok(info.clone());
        }
        let started = Instant::now();
        let info = read(&self.provider, safe).await?;
        if let Ok(mut slots) = self.slots.lock() {
            let slot = slots.entry(safe).or_default();
            if slot.value.as_ref().is_none_or(|(at, _)| *at < started) {
                slot.value = Some((started, info.clone()));
            }
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

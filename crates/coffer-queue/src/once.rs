//! The store's side of `coffer_chain::once`: [`StoreLog`] keeps each command's signed transactions in the
//! store's `sends` table, by purpose, so that a rerun after a crash (before the broadcast, after it, after the
//! receipt) finds the earlier transaction by its hash instead of sending a second one.

use std::{future::Future, path::PathBuf, sync::Arc};

use alloy::{eips::BlockNumberOrTag, primitives::Bytes, providers::Provider};
use coffer_chain::once::{Earlier, SendLog, Step, find_earlier};
use coffer_store::Store;

use crate::heal::StoreJournal;

/// A callback told each [`Step`] of a journaled send (the binary's crash test hook).
pub type StepHook = Arc<dyn Fn(&str) + Send + Sync>;

/// A [`SendLog`] over the store in a data directory. Its purposes are scoped to the chain the provider
/// talks to (chain id and genesis block hash), so a journal entry made on another chain with the same id (a
/// local node started again) is never taken for this one's.
pub struct StoreLog {
    dir: PathBuf,
    chain_id: u64,
    scope: String,
    journal: Arc<StoreJournal>,
    hook: Option<StepHook>,
}

impl std::fmt::Debug for StoreLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreLog")
            .field("dir", &self.dir)
            .field("chain_id", &self.chain_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl StoreLog {
    /// A log over the store in `dir` for the chain `provider` talks to. `journal` must be the
    /// [`StoreJournal`] the provider's RPC layer records with (`coffer_chain::rpc::client`): the log sets its
    /// purpose before each send.
    pub async fn new<P: Provider>(
        provider: &P,
        dir: impl Into<PathBuf>,
        journal: Arc<StoreJournal>,
    ) -> crate::Result<Self> {
        let rpc = |e: alloy::transports::TransportError| coffer_chain::Error::Rpc(e.to_string());
        let chain_id = provider.get_chain_id().await.map_err(rpc)?;
        let genesis = provider
            .get_block_by_number(BlockNumberOrTag::Number(0))
            .await
            .map_err(rpc)?
            .map(|b| b.header.hash)
            .unwrap_or_default();
        Ok(Self { dir: dir.into(), chain_id, scope: format!("{genesis:#x}"), journal, hook: None })
    }

    /// Calls `hook` with each step's name ([`Step::name`]).
    pub fn with_hook(mut self, hook: StepHook) -> Self {
        self.hook = Some(hook);
        self
    }

    /// The store key of `purpose`: scoped to this chain.
    pub fn key(&self, purpose: &str) -> String {
        format!("{purpose}@{}", self.scope)
    }

    fn store(&self) -> coffer_chain::Result<Store> {
        Store::open(&self.dir).map_err(|e| coffer_chain::Error::Journal(e.to_string()))
    }
}

impl SendLog for StoreLog {
    fn earlier<P: Provider>(
        &self,
        provider: &P,
        purpose: &str,
    ) -> impl Future<Output = coffer_chain::Result<Earlier>> + Send {
        let key = self.key(purpose);
        // A resubmission is recorded under the same purpose (a no-op: it is already there).
        self.journal.set_purpose(key.clone());
        let sends = self.store().and_then(|s| {
            s.recorded_sends(&key, self.chain_id)
                .map_err(|e| coffer_chain::Error::Journal(e.to_string()))
        });
        async move {
            let sends: Vec<_> =
                sends?.into_iter().map(|s| (s.tx_hash, Bytes::from(s.raw))).collect();
            if sends.is_empty() {
                return Ok(Earlier::Nothing);
            }
            let found = find_earlier(provider, &sends).await?;
            if found == Earlier::Nothing {
                self.settle(purpose)?;
            }
            Ok(found)
        }
    }

    fn step(&self, purpose: &str, step: Step) {
        if step == Step::BeforeSend {
            self.journal.set_purpose(self.key(purpose));
        }
        if let Some(hook) = &self.hook {
            hook(step.name());
        }
    }

    fn settle(&self, purpose: &str) -> coffer_chain::Result<()> {
        self.store()?
            .forget_sends(&self.key(purpose))
            .map_err(|e| coffer_chain::Error::Journal(e.to_string()))
    }
}

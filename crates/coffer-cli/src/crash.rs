//! Test hook: `COFFER_TEST_CRASH_AT=STEP` makes the process die abruptly (abort: no destructor, no store write,
//! no flush) at that step, so the end-to-end tests can check that a rerun after a crash at every step never
//! sends a second transaction and heals the store from the chain. Unset (always, outside those tests), it does
//! nothing. Steps: `before-send` (checked, nothing signed), `after-record` (signed and recorded in the store,
//! not broadcast), `after-send` (broadcast, before the receipt; the journaled sends of `coffer_chain::once`:
//! `send`, `safe create`, `contracts deploy`, `payout run`), `after-receipt` (mined, store not written).
//! For `tx execute`, "broadcast, before the receipt" is tested with a real SIGKILL while the command waits for
//! a receipt on a node that does not mine.

use std::sync::Arc;

use alloy::primitives::{B256, Bytes};
use coffer_chain::rpc::SendJournal;
use coffer_queue::{heal::StoreJournal, once::StoreLog};

/// The environment variable naming the step to die at.
pub(crate) const CRASH_ENV: &str = "COFFER_TEST_CRASH_AT";

/// Dies here if `COFFER_TEST_CRASH_AT` names `step`.
pub(crate) fn at(step: &str) {
    if std::env::var(CRASH_ENV).is_ok_and(|v| v == step) {
        eprintln!("{CRASH_ENV}={step}: dying here (test hook)");
        std::process::abort();
    }
}

/// `journal` with the `after-record` step after each record.
pub(crate) fn journal(inner: Arc<dyn SendJournal>) -> Arc<dyn SendJournal> {
    if std::env::var(CRASH_ENV).is_err() {
        return inner;
    }
    Arc::new(CrashingJournal(inner))
}

#[derive(Debug)]
struct CrashingJournal(Arc<dyn SendJournal>);

impl SendJournal for CrashingJournal {
    fn record(&self, tx_hash: B256, raw: &Bytes) -> Result<(), String> {
        self.0.record(tx_hash, raw)?;
        at("after-record");
        Ok(())
    }
}

/// A provider that signs with `key` and records each signed transaction in the store (`--data-dir`) before
/// broadcasting it, and the [`StoreLog`] the library's journaled sends (`coffer_chain::once`) go through;
/// its steps reach [`at`] (`before-send`, `after-send`, `after-receipt`), the journal `after-record`.
pub(crate) async fn logged_provider(
    rpc: &crate::opts::RpcOpts,
    store: &crate::opts::StoreOpts,
    key: coffer_signer::TxSender,
) -> eyre::Result<(alloy::providers::DynProvider, StoreLog)> {
    let dir = {
        let store = store.open()?;
        store.path().parent().map(ToOwned::to_owned).unwrap_or_default()
    };
    let chain_id = rpc.chain_id(&rpc.provider()?).await?;
    let store_journal = StoreJournal::new(dir.clone(), chain_id);
    let provider = rpc.journaled_provider(key, Some(journal(store_journal.clone())))?;
    let log = StoreLog::new(&provider, dir, store_journal).await?.with_hook(Arc::new(at));
    Ok((provider, log))
}

//! Hooks that let the `tx` commands share their queue with a Transaction Service
//! (`--tx-service`): pull (verified, through `coffer_queue::service`) before reading the store,
//! push a new signature after storing it. Each prints what it did on stderr.

use alloy::primitives::{Address, B256};
use coffer_core::{SafeSignature, SafeTx, SafeTxContext};
use coffer_queue::service::{Published, SyncReport, import_tx, publish_signature, sync_safe};
use coffer_store::Store;

use crate::opts::{RpcOpts, TxServiceOpts};

fn print_report(url: &str, r: &SyncReport) {
    eprintln!(
        "from {url}: {} transaction(s) read, {} new proposal(s), {} new signature(s) (hashes recomputed, signatures verified on chain)",
        r.seen,
        r.new_proposals.len(),
        r.signatures_added
    );
    for f in &r.findings {
        eprintln!("warning: {f}");
    }
}

/// With a service and a full 32-byte hash: imports that transaction (verified) into the store
/// first, so a command can work on a transaction known only to the service.
pub(crate) async fn pull_hash(
    service: &TxServiceOpts,
    rpc: &RpcOpts,
    store: &Store,
    text: &str,
) -> eyre::Result<()> {
    if !service.enabled() {
        return Ok(());
    }
    let t = text.trim();
    let Ok(hash) = t.parse::<B256>() else {
        // A prefix: only the local store can resolve it.
        return Ok(());
    };
    let provider = rpc.provider()?;
    let chain_id = rpc.chain_id(&provider).await?;
    let Some(client) = service.client(chain_id)? else { return Ok(()) };
    match import_tx(&client, &provider, store, hash).await? {
        Some(report) => print_report(client.base_url(), &report),
        None => eprintln!("{} does not know {hash}", client.base_url()),
    }
    Ok(())
}

/// With a service: pulls `safe`'s pending queue (verified) into the store.
pub(crate) async fn pull_safe(
    service: &TxServiceOpts,
    rpc: &RpcOpts,
    store: &Store,
    safe: Address,
) -> eyre::Result<Option<SyncReport>> {
    if !service.enabled() {
        return Ok(None);
    }
    let provider = rpc.provider()?;
    let chain_id = rpc.chain_id(&provider).await?;
    let Some(client) = service.client(chain_id)? else { return Ok(None) };
    let report = sync_safe(&client, &provider, store, safe).await?;
    print_report(client.base_url(), &report);
    Ok(Some(report))
}

/// With a service: sends a stored, verified signature (a proposal when the service does not
/// know the transaction yet, else a confirmation).
pub(crate) async fn push_signature(
    service: &TxServiceOpts,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    sig: &SafeSignature,
) -> eyre::Result<Option<Published>> {
    let Some(client) = service.client(ctx.chain_id)? else { return Ok(None) };
    let published =
        publish_signature(&client, ctx, tx, sig, Some(crate::flow::ORIGIN.to_owned())).await?;
    eprintln!(
        "sent to {}: {}",
        client.base_url(),
        match published {
            Published::Proposed => "proposed with this signature",
            Published::Confirmed => "confirmation added",
        }
    );
    Ok(Some(published))
}

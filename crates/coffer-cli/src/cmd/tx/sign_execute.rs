//! `coffer tx sign HASH --execute`: after the signature is stored, execute the proposal if the
//! valid signatures now reach the threshold (through `coffer_queue::execute_ready`, the path the
//! relay uses too), and say why not otherwise.

use alloy::primitives::B256;
use coffer_queue::{ExecuteOptions, JournalHandle, Readiness, execute_ready, heal::StoreJournal};
use coffer_signer::TxSender;
use coffer_store::Store;
use serde_json::{Value, json};

use crate::{
    opts::{RpcOpts, SuiteOpts},
    output::with_spinner,
};

/// Executes `hash` from `key` if it is ready; prints what happened on stderr and returns it as
/// JSON (`{"executed": bool, …}`). A proposal that must not be sent (failing simulation, refused
/// delegatecall, would revert) is an error: the signature stays stored.
pub(crate) async fn execute_after_signing(
    rpc: &RpcOpts,
    suite: &SuiteOpts,
    key: TxSender,
    store: &Store,
    hash: B256,
    policy: coffer_chain::gate::Policy,
) -> eyre::Result<Value> {
    let executor = key.address();
    // Signed executions are recorded in the store before they are broadcast (found again on a rerun).
    let proposal = store.proposal(hash)?;
    let (chain_id, safe) = (proposal.ctx.chain_id, proposal.ctx.safe);
    let dir = store.path().parent().map(ToOwned::to_owned).unwrap_or_default();
    let journal = StoreJournal::new(dir, chain_id);
    let provider = rpc.journaled_provider(key, Some(crate::crash::journal(journal.clone())))?;
    let accessor =
        suite.for_safe(&provider, safe).await?.address(coffer_chain::Library::SimulateTxAccessor);
    let mut options = ExecuteOptions::new(accessor);
    options.policy = policy;
    options.journal = Some(JournalHandle(journal));
    let (readiness, executed) = with_spinner(
        "checking the threshold; executing if it is met",
        execute_ready(&provider, store, hash, &options, executor),
    )
    .await?;
    if let Some(e) = executed {
        eprintln!(
            "executed {hash} from {executor} in transaction {} (block {}, {} gas)",
            e.report.tx_hash,
            e.report.block_number.map_or_else(|| "?".to_owned(), |b| b.to_string()),
            e.report.gas_used
        );
        if !e.report.success {
            return Err(eyre::eyre!(
                "the Safe executed {hash} in {} but the inner call failed (ExecutionFailure); its nonce is used",
                e.report.tx_hash
            ));
        }
        return Ok(json!({
            "executed": true,
            "txHash": e.report.tx_hash,
            "blockNumber": e.report.block_number,
            "gasUsed": e.report.gas_used,
        }));
    }
    let reason = match readiness {
        Readiness::NotReady { valid, threshold } => {
            format!("{valid} of {threshold} required valid signature(s)")
        }
        Readiness::NotNext { nonce, safe_nonce } => format!(
            "its nonce {nonce} is not the Safe's next one ({safe_nonce}); earlier nonces must execute first"
        ),
        Readiness::Done => "it is already executed, or its nonce is used".to_owned(),
        Readiness::Refused(reason) => {
            return Err(eyre::eyre!(
                "signed and stored, but not executed: {reason}. Nothing was sent"
            ));
        }
        Readiness::GasPriceTooHigh { price, ceiling } => {
            format!("the gas price {price} is above the ceiling {ceiling}")
        }
        Readiness::Ready(_) => "it was not sent".to_owned(),
    };
    eprintln!("not executed yet: {reason}");
    Ok(json!({ "executed": false, "reason": reason }))
}

//! `coffer tx execute HASH`: simulate, check the signatures, send `execTransaction`, wait.

use clap::Args;
use coffer_chain::{ExecutionRequest, prepare_execution, safe_nonce, send_execution, simulate};
use coffer_signer::WalletOpts;
use coffer_store::ProposalStatus;
use serde_json::json;

use super::common::{check_chain, check_delegatecall, snapshot_of};
use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts, SuiteOpts, TxServiceOpts, sending_key},
    output::{print_json, with_spinner},
};

/// Arguments of `coffer tx execute`.
#[derive(Debug, Args)]
pub(crate) struct ExecuteArgs {
    /// The safeTxHash (or a unique prefix of it).
    hash: String,
    /// Execute even if the simulation says the inner call fails (only meaningful with a non-zero
    /// safeTxGas or gasPrice; otherwise the Safe reverts the whole transaction anyway).
    #[arg(long)]
    force: bool,
    /// Accept a DELEGATECALL to a contract that is not a known MultiSendCallOnly or SignMessageLib.
    #[arg(long)]
    allow_delegatecall: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    service: TxServiceOpts,
    #[command(flatten)]
    suite: SuiteOpts,
    #[command(flatten)]
    wallet: WalletOpts,
}

impl ExecuteArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let store = self.store.open()?;
        super::service::pull_hash(&self.service, &self.rpc, &store, &self.hash).await?;
        let hash = store.resolve(&self.hash)?;
        let p = store.proposal(hash)?;
        if let ProposalStatus::Executed { tx_hash, .. } = p.status {
            return Err(bad_input(format!("{hash} was already executed in {tx_hash}")));
        }
        check_delegatecall(&p.tx, self.allow_delegatecall)?;
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let executor = key.address();
        let provider = self.rpc.signing_provider(key)?;
        check_chain(p.ctx.chain_id, self.rpc.chain_id(&provider).await?)?;

        let current = safe_nonce(&provider, p.ctx.safe).await?;
        if p.tx.nonce > current {
            let before: Vec<String> = store
                .proposals_for_safe(p.ctx.chain_id, p.ctx.safe)?
                .iter()
                .filter(|q| {
                    q.status == ProposalStatus::Pending
                        && q.tx.nonce >= current
                        && q.tx.nonce < p.tx.nonce
                })
                .map(|q| format!("nonce {}: {:#x}", q.tx.nonce, q.hash))
                .collect();
            let queued = if before.is_empty() {
                "none of them is in the local queue".to_owned()
            } else {
                format!("pending in the queue: {}", before.join(", "))
            };
            return Err(bad_input(format!(
                "cannot execute {hash} yet: it has nonce {} but the Safe is at nonce {current}; the \
                 transactions with nonces {current}..{} must execute first ({queued})",
                p.tx.nonce, p.tx.nonce
            )));
        }

        let suite = self.suite.addresses(&provider).await?;
        match simulate(&provider, p.ctx.safe, suite.simulate_tx_accessor, &p.tx).await {
            Ok(sim) if !sim.success && !self.force => {
                return Err(eyre::eyre!(
                    "the simulation says this transaction fails: {}. Nothing was sent. Fix the cause (funds, \
                     parameters) or pass --force to execute it anyway",
                    sim.revert_reason.unwrap_or_default()
                ));
            }
            Ok(sim) if !sim.success => eprintln!(
                "warning: the simulation says the inner call fails ({}); executing anyway (--force)",
                sim.revert_reason.unwrap_or_default()
            ),
            Ok(sim) => eprintln!("simulation: the inner call succeeds ({} gas)", sim.gas_used),
            Err(e) => {
                eprintln!("warning: could not simulate ({e}); the node's eth_call still checks it")
            }
        }

        let mut request = ExecutionRequest::new(p.ctx, p.tx.clone(), store.signatures(hash)?)
            .with_accessor(suite.simulate_tx_accessor);
        if let Some(s) = snapshot_of(Some(&p.meta)) {
            request = request.with_snapshot(s);
        }
        // prepare_execution keeps the gas limit under the EIP-7825 cap whenever the estimate fits.
        let prepared = prepare_execution(&provider, &request, executor).await?;
        eprintln!(
            "executing {hash} from {executor} with the signatures of {}{} (gas limit {})",
            prepared.used.iter().map(|s| s.owner.to_string()).collect::<Vec<_>>().join(", "),
            if prepared.executor_approval_added {
                " (the executor's own approval as msg.sender)"
            } else {
                ""
            },
            prepared.gas_limit
        );
        let report = with_spinner(
            "sending execTransaction, waiting for the receipt",
            send_execution(&provider, &prepared),
        )
        .await?;
        store.mark_executed(hash, report.tx_hash)?;
        if self.json {
            print_json(&json!({
                "safeTxHash": hash,
                "txHash": report.tx_hash,
                "blockNumber": report.block_number,
                "gasUsed": report.gas_used,
                "success": report.success,
                "payment": report.payment.to_string(),
            }))?;
        } else {
            println!("{}", report.tx_hash);
        }
        if !report.success {
            return Err(eyre::eyre!(
                "the Safe executed {hash} in {} but the inner call failed (ExecutionFailure); its nonce is used",
                report.tx_hash
            ));
        }
        if !self.json {
            eprintln!(
                "executed {hash} in transaction {} (block {}, {} gas)",
                report.tx_hash,
                report.block_number.map_or_else(|| "?".to_owned(), |b| b.to_string()),
                report.gas_used
            );
        }
        Ok(())
    }
}

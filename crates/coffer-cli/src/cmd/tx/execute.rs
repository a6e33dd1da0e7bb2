//! `coffer tx execute HASH`: the signing gate's review and preview, simulate, check the
//! signatures, send `execTransaction`, wait. The executor's own approval (v = 1) counts only when
//! asked for (`--with-my-approval`, or a yes on an interactive terminal).

use std::io::{BufRead, IsTerminal, Write};

use alloy::primitives::Address;
use clap::Args;
use coffer_chain::{gate, prepare_execution, safe_nonce, send_execution};
use coffer_queue::{
    flow,
    heal::{self, StoreJournal, purpose_of},
};
use coffer_signer::WalletOpts;
use serde_json::json;

use crate::flow::{check_chain, reconcile_or_warn};
use crate::opts::PolicyOpts;
use crate::view::tx::review_text;
use crate::{
    crash,
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
    #[command(flatten)]
    policy: PolicyOpts,
    /// When exactly one signature is missing and you (the executor) are an owner who has not
    /// signed, count your own approval (v = 1, valid because you send the transaction). Without
    /// it coffer asks on an interactive terminal and refuses otherwise.
    #[arg(long)]
    with_my_approval: bool,
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
        crate::service::pull_hash(&self.service, &self.rpc, &store, &self.hash).await?;
        let hash = store.resolve(&self.hash)?;
        let p = store.proposal(hash)?;
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let executor = key.address();
        // Every signed transaction is recorded in the store before it is broadcast, so that a rerun after a
        // crash or a lost reply finds it by its hash instead of sending a second one.
        let dir = store.path().parent().map(ToOwned::to_owned).unwrap_or_default();
        let journal = StoreJournal::new(dir, p.ctx.chain_id);
        journal.set_purpose(purpose_of(hash));
        let provider = self.rpc.journaled_provider(key, Some(crash::journal(journal.clone())))?;
        check_chain(p.ctx.chain_id, self.rpc.chain_id(&provider).await?)?;

        // The chain's word first: executed (by this tool, another one, or before a crash), replaced, or
        // pending. The store is healed from it.
        let status = reconcile_or_warn(&provider, &store, std::slice::from_ref(&p))
            .await?
            .pop()
            .map(|r| r.status);
        flow::check_chain_status(&p, status.as_ref())?;
        // A signed execution recorded by an earlier run (crashed, or its reply lost): find it by its hash,
        // resubmitting the same bytes if the node lost it. Never a new one while it can still be mined.
        match heal::resume_recorded(&provider, &store, &purpose_of(hash), p.ctx.chain_id).await? {
            heal::Resumed::Mined(receipt) => {
                let report = flow::resumed_execution(&store, &p, &receipt)?;
                eprintln!(
                    "found the execution an earlier run sent, by its hash: {} (nothing new was sent)",
                    receipt.transaction_hash
                );
                return self.print_report(hash, &report);
            }
            heal::Resumed::Dead => eprintln!(
                "note: an earlier signed execution of {hash} can no longer be mined (its account nonce was used); \
                 checking again before sending a new one"
            ),
            heal::Resumed::Nothing => {}
        }
        let review = gate::review_online(&provider, &p.ctx, &p.tx, self.policy.policy()).await?;
        // The preview is always shown (on stderr, so --json output stays clean).
        eprint!("{}", review_text(&review, &p.tx, 10));

        let current = safe_nonce(&provider, p.ctx.safe).await?;
        coffer_queue::flow::check_next(&store, &p, current)?;

        let accessor = self
            .suite
            .for_safe(&provider, p.ctx.safe)
            .await?
            .address(coffer_chain::Library::SimulateTxAccessor);
        match flow::check_simulation(&provider, &p, accessor, self.force).await? {
            flow::Simulated::FailsForced(reason) => eprintln!(
                "warning: the simulation says the inner call fails ({reason}); executing anyway (--force)"
            ),
            flow::Simulated::Succeeds(gas) => {
                eprintln!("simulation: the inner call succeeds ({gas} gas)")
            }
            flow::Simulated::Unavailable(e) => {
                eprintln!("warning: could not simulate ({e}); the node's eth_call still checks it")
            }
        }

        let request = flow::execution_request(&store, &p, accessor)?;
        // prepare_execution keeps the gas limit under the EIP-7825 cap whenever the estimate fits.
        let prepared = match prepare_execution(
            &provider,
            &request.clone().with_executor_approval(self.with_my_approval),
            executor,
        )
        .await
        {
            Err(coffer_chain::Error::ExecutorApprovalNotRequested { valid, threshold, .. }) => {
                self.ask_for_my_approval(executor, valid, threshold)?;
                prepare_execution(&provider, &request.with_executor_approval(true), executor)
                    .await?
            }
            other => other?,
        };
        eprintln!(
            "executing {hash} from {executor} with the signatures of {}{} (gas limit {})",
            prepared.used.iter().map(|s| s.owner.to_string()).collect::<Vec<_>>().join(", "),
            if prepared.executor_approval_added {
                " (including the executor's own approval as msg.sender, as asked)"
            } else {
                ""
            },
            prepared.gas_limit
        );
        crash::at("before-send");
        let report = with_spinner(
            "sending execTransaction, waiting for the receipt",
            send_execution(&provider, &prepared),
        )
        .await?;
        crash::at("after-receipt");
        flow::record_execution(&store, hash, report.tx_hash)?;
        self.print_report(hash, &report)
    }

    fn print_report(
        &self,
        hash: alloy::primitives::B256,
        report: &coffer_chain::ExecutionReport,
    ) -> eyre::Result<()> {
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

impl ExecuteArgs {
    /// One signature is missing and the executor could fill it with its own approval: allowed by
    /// `--with-my-approval`, else asked on an interactive terminal, else refused.
    fn ask_for_my_approval(
        &self,
        executor: Address,
        valid: usize,
        threshold: usize,
    ) -> eyre::Result<()> {
        if self.with_my_approval {
            return Ok(());
        }
        let refuse = || {
            bad_input(format!(
                "{valid} valid signature(s) of the {threshold} required. You ({executor}) are an owner and have not                  signed: pass --with-my-approval to count your own approval (v = 1, as the sender of                  execTransaction), or collect one more signature with `coffer tx sign`. Nothing was sent"
            ))
        };
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return Err(refuse());
        }
        eprint!(
            "{valid} valid signature(s) of the {threshold} required. Count your own approval as owner {executor}              (v = 1) and execute the transaction shown above? [y/N] "
        );
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            Ok(())
        } else {
            Err(refuse())
        }
    }
}

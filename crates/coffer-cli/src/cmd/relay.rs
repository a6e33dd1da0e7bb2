//! `coffer relay --safe SAFE`: watch a Safe's queue and execute what is ready, in nonce order
//! (the logic is `coffer_queue::Relay`; this file parses, wires SIGTERM and prints).

use std::time::Duration;

use alloy::primitives::U256;
use clap::Args;
use coffer_queue::{
    ExecuteOptions, Relay, RelayConfig, RelayEvent, RelaySummary, service::ServiceRefresh,
};
use coffer_signer::WalletOpts;
use serde_json::json;
use tokio::sync::watch;

use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts, SuiteOpts, TxServiceOpts, sending_key},
    output::print_json,
    parse,
};

/// Arguments of `coffer relay`.
#[derive(Debug, Args)]
pub(crate) struct RelayArgs {
    /// The Safe whose queue is watched.
    #[arg(long)]
    safe: String,
    /// Do not execute while the node's gas price is above this (with a unit: 30gwei); executions
    /// are sent with this maxFeePerGas, so no more is ever paid per gas.
    #[arg(long, value_name = "PRICE")]
    max_gas_price: Option<String>,
    /// The most the relay may spend on gas in total (with a unit: 0.05ether). It stops before an
    /// execution whose worst-case cost (gas limit × price) does not fit in what is left.
    #[arg(long, value_name = "AMOUNT")]
    budget: Option<String>,
    /// Seconds between two looks at the queue (decimals allowed).
    #[arg(long, value_name = "SECONDS", default_value = "2")]
    interval: String,
    /// Execute what is ready now, then exit instead of watching.
    #[arg(long)]
    once: bool,
    /// Print the summary as JSON on stdout (events stay on stderr).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    suite: SuiteOpts,
    #[command(flatten)]
    wallet: WalletOpts,
    #[command(flatten)]
    service: TxServiceOpts,
}

fn interval(s: &str) -> eyre::Result<Duration> {
    let secs: f64 = s.trim().parse().map_err(|_| {
        bad_input(format!("--interval: {s:?} is not a number of seconds (e.g. 2 or 0.5)"))
    })?;
    if !(0.05..=86_400.0).contains(&secs) {
        return Err(bad_input(format!("--interval: {s} is out of range (0.05 to 86400 seconds)")));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn print_event(event: &RelayEvent) {
    match event {
        RelayEvent::Executed(e) => eprintln!(
            "executed nonce {} ({:#x}) in {} (block {}, {} gas, paid {} wei){}",
            e.nonce,
            e.hash,
            e.report.tx_hash,
            e.report.block_number.map_or_else(|| "?".to_owned(), |b| b.to_string()),
            e.report.gas_used,
            e.cost,
            if e.report.success { "" } else { "; the inner call FAILED (ExecutionFailure)" }
        ),
        RelayEvent::Skipped { hash, nonce, reason } => {
            eprintln!("skipped nonce {nonce} ({hash:#x}): {reason}")
        }
        RelayEvent::Failed { hash, nonce, error } => eprintln!(
            "FAILED to execute nonce {nonce} ({hash:#x}): {error}; the relay will not send for this nonce again"
        ),
        RelayEvent::GasPriceTooHigh { price, ceiling } => {
            eprintln!("waiting: the gas price is {price} wei, above the ceiling of {ceiling} wei")
        }
        RelayEvent::BudgetExhausted { hash, needed, left } => eprintln!(
            "stopping: executing {hash:#x} may cost up to {needed} wei but only {left} wei of the budget is left"
        ),
        RelayEvent::Note(text) => eprintln!("{text}"),
    }
}

fn summary_json(s: &RelaySummary) -> serde_json::Value {
    json!({
        "executed": s.executed.iter().map(|e| json!({
            "safeTxHash": e.hash,
            "nonce": e.nonce.to_string(),
            "txHash": e.report.tx_hash,
            "blockNumber": e.report.block_number,
            "gasUsed": e.report.gas_used,
            "success": e.report.success,
            "cost": e.cost.to_string(),
        })).collect::<Vec<_>>(),
        "skipped": s.skipped.iter().map(|(h, r)| json!({"safeTxHash": h, "reason": r})).collect::<Vec<_>>(),
        "spent": s.spent.to_string(),
        "rounds": s.rounds,
        "budgetExhausted": s.budget_exhausted,
    })
}

/// Turns SIGTERM and Ctrl-C into `true` on the returned channel.
fn shutdown_signal() -> eyre::Result<watch::Receiver<bool>> {
    let (tx, rx) = watch::channel(false);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        eprintln!("stopping: finishing what is in flight");
        let _ = tx.send(true);
    });
    Ok(rx)
}

impl RelayArgs {
    /// The relay's configuration from the options (no RPC).
    fn config(&self, accessor: alloy::primitives::Address) -> eyre::Result<RelayConfig> {
        let safe = parse::address("--safe", &self.safe)?;
        let max_fee_per_gas = self
            .max_gas_price
            .as_deref()
            .map(|s| {
                let v = parse::eth_value("--max-gas-price", s)?;
                u128::try_from(v)
                    .map_err(|_| bad_input(format!("--max-gas-price {s} is too large")))
            })
            .transpose()?;
        let budget: Option<U256> =
            self.budget.as_deref().map(|s| parse::eth_value("--budget", s)).transpose()?;
        let mut execute = ExecuteOptions::new(accessor);
        execute.max_fee_per_gas = max_fee_per_gas;
        Ok(RelayConfig { safe, execute, budget, poll_interval: interval(&self.interval)? })
    }

    pub(crate) async fn run(self) -> eyre::Result<()> {
        // Check every option before touching the wallet or the chain.
        self.config(alloy::primitives::Address::ZERO)?;
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let executor = key.address();
        // The chain id first (a plain provider), then the signing provider with the store's send journal.
        let chain_id = self.rpc.chain_id(&self.rpc.provider()?).await?;
        let store = self.store.open()?;
        let dir = store.path().parent().map(ToOwned::to_owned).unwrap_or_default();
        let journal = coffer_queue::heal::StoreJournal::new(dir, chain_id);
        let provider =
            self.rpc.journaled_provider(key, Some(crate::crash::journal(journal.clone())))?;
        let safe = self.config(alloy::primitives::Address::ZERO)?.safe;
        let accessor = self
            .suite
            .for_safe(&provider, safe)
            .await?
            .address(coffer_chain::Library::SimulateTxAccessor);
        let mut config = self.config(accessor)?;
        config.execute.journal = Some(coffer_queue::JournalHandle(journal));
        let shutdown = shutdown_signal()?;
        eprintln!(
            "relay for Safe {} on chain {chain_id}, executing from {executor}{}{}",
            config.safe,
            config
                .execute
                .max_fee_per_gas
                .map_or_else(String::new, |c| format!(", gas price ceiling {c} wei")),
            config.budget.map_or_else(String::new, |b| format!(", budget {b} wei")),
        );
        let safe = config.safe;
        let summary = match self.service.client(chain_id)? {
            Some(client) => {
                eprintln!(
                    "watching the queue of {} (verified into the local store each round)",
                    client.base_url()
                );
                let refresh = ServiceRefresh::new(client, self.rpc.provider()?, safe);
                let mut relay =
                    Relay::with_refresh(provider, executor, store, chain_id, config, refresh);
                relay.run(shutdown, self.once, print_event).await?
            }
            None => {
                let mut relay = Relay::new(provider, executor, store, chain_id, config);
                relay.run(shutdown, self.once, print_event).await?
            }
        };
        if self.json {
            print_json(&summary_json(&summary))?;
        }
        eprintln!(
            "relay stopped: {} executed, {} skipped, {} wei spent",
            summary.executed.len(),
            summary.skipped.len(),
            summary.spent
        );
        Ok(())
    }
}

//! The one path that sends a stored proposal once its valid signatures reach the threshold:
//! [`prepare_ready`] checks everything and sends nothing, [`send_ready`] sends and records the
//! execution in the store. `coffer tx sign --execute` and the [`Relay`](crate::Relay) use it.

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use coffer_chain::{
    ExecutionReport, ExecutionRequest, PreparedExecution,
    gate::{self, Policy},
    prepare_execution, read_safe, send_execution_capped, simulate, verify_signatures,
};
use coffer_store::{ProposalStatus, Store};

use crate::{
    Result,
    heal::{Resumed, StoreJournal, purpose_of, resume_recorded},
};

/// What an execution may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecuteOptions {
    /// The suite's SimulateTxAccessor, used to simulate the inner call before anything is sent.
    pub accessor: Address,
    /// The signing gate's policy (`coffer_chain::gate`): by default a DELEGATECALL may only go
    /// to a known MultiSendCallOnly or SignMessageLib with the expected runtime code.
    pub policy: Policy,
    /// The most the executor pays per gas, in wei. Above it nothing is sent
    /// ([`Readiness::GasPriceTooHigh`]); the transaction is sent with this `maxFeePerGas`.
    pub max_fee_per_gas: Option<u128>,
    /// The journal the provider records signed transactions in (the same one given to
    /// `coffer_chain::rpc::client`): [`prepare_ready`] looks there for an execution an earlier run sent (found
    /// by its hash, resubmitted as is) and points it at the proposal it is about to send.
    pub journal: Option<JournalHandle>,
}

/// A shared [`StoreJournal`]; two handles are equal when they are the same journal.
#[derive(Clone, Debug)]
pub struct JournalHandle(pub std::sync::Arc<StoreJournal>);

impl PartialEq for JournalHandle {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for JournalHandle {}

impl ExecuteOptions {
    /// Options with this accessor, the gate's default policy and no gas-price ceiling.
    pub fn new(accessor: Address) -> Self {
        Self { accessor, policy: Policy::default(), max_fee_per_gas: None, journal: None }
    }
}

/// A proposal checked and ready to send: simulated, signatures verified, `execTransaction`
/// built, estimated and `eth_call`ed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadyExecution {
    /// The safeTxHash.
    pub hash: B256,
    /// Its nonce.
    pub nonce: U256,
    /// The checked execution.
    pub prepared: PreparedExecution,
    /// Gas the inner call used in the simulation.
    pub simulated_gas: u64,
    /// The node's gas price when it was checked, in wei.
    pub gas_price: u128,
}

impl ReadyExecution {
    /// The most sending it can cost, in wei: the gas limit at the higher of the current price and
    /// the ceiling the transaction is sent with.
    pub fn max_cost(&self, max_fee_per_gas: Option<u128>) -> U256 {
        let price = max_fee_per_gas.unwrap_or(self.gas_price).max(self.gas_price);
        U256::from(self.prepared.gas_limit) * U256::from(price)
    }
}

/// Whether a stored proposal can be executed now, from [`prepare_ready`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Everything checked; send it with [`send_ready`].
    Ready(Box<ReadyExecution>),
    /// Too few valid signatures yet (collected signatures only; the executor's own approval is
    /// not added).
    NotReady {
        /// Valid signatures (with the executor's approval if it counts).
        valid: usize,
        /// The Safe's threshold.
        threshold: u64,
    },
    /// Its nonce is not the Safe's next one: an earlier nonce must execute first.
    NotNext {
        /// The proposal's nonce.
        nonce: U256,
        /// The Safe's nonce.
        safe_nonce: U256,
    },
    /// Already recorded as executed, or its nonce is used on chain.
    Done,
    /// It must not be sent: the simulation fails, a delegatecall target is not allowed, or the
    /// execution would revert. The reason is for the user.
    Refused(String),
    /// The node's gas price is above the ceiling; try again later.
    GasPriceTooHigh {
        /// The node's price, in wei per gas.
        price: u128,
        /// The ceiling, in wei per gas.
        ceiling: u128,
    },
}

/// A sent execution, from [`send_ready`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executed {
    /// The safeTxHash.
    pub hash: B256,
    /// Its nonce.
    pub nonce: U256,
    /// The receipt's facts.
    pub report: ExecutionReport,
    /// What the executor paid for gas, in wei (gas used × effective gas price).
    pub cost: U256,
}

/// Checks whether the stored proposal `hash` can be executed now by `executor`, in this order,
/// sending nothing: recorded status; nonce (`Done` when used, `NotNext` when later); the
/// signing gate (`coffer_chain::gate::review_online`: chain, version, hash, delegatecall
/// targets); the valid signatures against the threshold (each verified on chain; the executor's
/// own approval is not added); the simulation of the inner call;
/// the gas-price ceiling; then [`prepare_execution`] (hash against `getTransactionHash`, an
/// `eth_call` of the execution and a gas estimate).
pub async fn prepare_ready<P: Provider>(
    provider: &P,
    store: &Store,
    hash: B256,
    options: &ExecuteOptions,
    executor: Address,
) -> Result<Readiness> {
    let p = store.proposal(hash)?;
    if matches!(p.status, ProposalStatus::Executed { .. }) {
        return Ok(Readiness::Done);
    }
    let info = read_safe(provider, p.ctx.safe).await?;
    if p.tx.nonce < info.nonce {
        return Ok(Readiness::Done);
    }
    if p.tx.nonce > info.nonce {
        return Ok(Readiness::NotNext { nonce: p.tx.nonce, safe_nonce: info.nonce });
    }
    if let Some(journal) = &options.journal {
        // An execution an earlier run signed and recorded (then crashed, or lost the reply): found by its hash
        // (resubmitting the same bytes if the node lost it), never replaced by a new one.
        journal.0.set_purpose(purpose_of(hash));
        if let Resumed::Mined(receipt) =
            resume_recorded(provider, store, &purpose_of(hash), p.ctx.chain_id).await?
            && coffer_chain::execution_event(&receipt, p.ctx.safe, hash).is_some()
        {
            store.mark_executed(hash, receipt.transaction_hash)?;
            store.forget_sends(&purpose_of(hash))?;
            return Ok(Readiness::Done);
        }
    }
    // The signing gate, as for every other path: chain, version, getTransactionHash, and the
    // delegatecall policy. A refusal is reported, not sent.
    match gate::review_online(provider, &p.ctx, &p.tx, options.policy).await {
        Ok(_) => {}
        Err(e @ coffer_chain::Error::Rpc(_)) => return Err(e.into()),
        Err(e) => return Ok(Readiness::Refused(format!("the signing gate refuses it: {e}"))),
    }
    let signatures = store.signatures(hash)?;
    let checks =
        verify_signatures(provider, &info, &p.ctx, &p.tx, &signatures, Some(executor)).await?;
    // The executor's own approval is never added here: like `tx execute` without
    // `--with-my-approval`, only collected signatures count.
    let valid = checks.iter().filter(|c| c.is_valid()).count();
    if (valid as u64) < info.threshold {
        return Ok(Readiness::NotReady { valid, threshold: info.threshold });
    }
    let simulated_gas = match simulate(provider, p.ctx.safe, options.accessor, &p.tx).await {
        Ok(sim) if sim.success => sim.gas_used,
        Ok(sim) => {
            return Ok(Readiness::Refused(format!(
                "the simulation says the inner call fails: {}",
                sim.revert_reason.unwrap_or_else(|| "no reason given".to_owned())
            )));
        }
        Err(e) => return Ok(Readiness::Refused(format!("it could not be simulated: {e}"))),
    };
    let gas_price =
        provider.get_gas_price().await.map_err(|e| coffer_chain::Error::Rpc(e.to_string()))?;
    if let Some(ceiling) = options.max_fee_per_gas
        && gas_price > ceiling
    {
        return Ok(Readiness::GasPriceTooHigh { price: gas_price, ceiling });
    }
    let request =
        ExecutionRequest::new(p.ctx, p.tx.clone(), signatures).with_accessor(options.accessor);
    let prepared = match prepare_execution(provider, &request, executor).await {
        Ok(prepared) => prepared,
        Err(coffer_chain::Error::WouldRevert { reason }) => {
            return Ok(Readiness::Refused(format!("the execution would revert: {reason}")));
        }
        Err(coffer_chain::Error::NonceUsed { .. }) => return Ok(Readiness::Done),
        Err(e @ coffer_chain::Error::NonceTakenInMempool { .. }) => {
            return Ok(Readiness::Refused(e.to_string()));
        }
        Err(
            coffer_chain::Error::TooFewSignatures { valid, threshold, .. }
            | coffer_chain::Error::ExecutorApprovalNotRequested { valid, threshold, .. },
        ) => {
            return Ok(Readiness::NotReady { valid, threshold: threshold as u64 });
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Readiness::Ready(Box::new(ReadyExecution {
        hash,
        nonce: p.tx.nonce,
        prepared,
        simulated_gas,
        gas_price,
    })))
}

/// Sends a [`ReadyExecution`] (with `maxFeePerGas` = the ceiling, if any), waits for the
/// receipt, records the execution in the store, and returns what it cost.
pub async fn send_ready<P: Provider>(
    provider: &P,
    store: &Store,
    ready: &ReadyExecution,
    max_fee_per_gas: Option<u128>,
) -> Result<Executed> {
    let report = send_execution_capped(provider, &ready.prepared, max_fee_per_gas).await?;
    store.mark_executed(ready.hash, report.tx_hash)?;
    store.forget_sends(&purpose_of(ready.hash))?;
    let price = provider
        .get_transaction_receipt(report.tx_hash)
        .await
        .map_err(|e| coffer_chain::Error::Rpc(e.to_string()))?
        .map_or(0, |r| r.effective_gas_price);
    let cost = U256::from(report.gas_used) * U256::from(price);
    Ok(Executed { hash: ready.hash, nonce: ready.nonce, report, cost })
}

/// [`prepare_ready`], then [`send_ready`] when it is ready: `Ok((readiness, Some(executed)))`
/// when something was sent, `Ok((readiness, None))` with the reason otherwise.
pub async fn execute_ready<P: Provider>(
    provider: &P,
    store: &Store,
    hash: B256,
    options: &ExecuteOptions,
    executor: Address,
) -> Result<(Readiness, Option<Executed>)> {
    let readiness = prepare_ready(provider, store, hash, options, executor).await?;
    let executed = match &readiness {
        Readiness::Ready(ready) => {
            Some(send_ready(provider, store, ready, options.max_fee_per_gas).await?)
        }
        _ => None,
    };
    Ok((readiness, executed))
}

//! Simulating a Safe transaction without signatures, through `simulateAndRevert` and
//! SimulateTxAccessor.

use crate::{Error, Result};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::{
        TransactionRequest,
        state::{StateOverride, StateOverridesBuilder},
    },
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::{Panic, Revert, SolCall, SolError, SolValue, decode_revert_reason},
};
use coffer_contracts::bindings::{ISafe, ISimulateTxAccessor};
use coffer_core::{SafeTx, SafeTxContext};

/// What the Safe would do with a transaction's inner call, from [`simulate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simulation {
    /// Whether the inner call (to, value, data, operation) succeeds.
    pub success: bool,
    /// Gas the inner call used, as SimulateTxAccessor measures it (`gasleft()` before and after,
    /// inside the Safe). Excludes the signature checks and the 21,000 base cost.
    pub gas_used: u64,
    /// What the inner call returned, or its revert data.
    pub return_data: Bytes,
    /// The decoded revert reason when it failed (`Error(string)`, `Panic(uint256)`, a GS code,
    /// or the raw data in hex).
    pub revert_reason: Option<String>,
}

/// Decodes revert data for a person: the bare `Error(string)` message (so a Safe revert reads
/// `GS013`), `panic: <description>` for `Panic(uint256)`, or the raw bytes in hex.
pub fn revert_reason(data: &[u8]) -> String {
    if data.is_empty() {
        return "reverted without a reason (no revert data)".to_owned();
    }
    if let Ok(revert) = Revert::abi_decode(data) {
        return revert.reason;
    }
    if let Ok(panic) = Panic::abi_decode(data) {
        return panic.to_string();
    }
    if let Some(refusal) = crate::guard::describe_refusal(data) {
        return refusal;
    }
    decode_revert_reason(data)
        .unwrap_or_else(|| format!("revert data {}", Bytes::copy_from_slice(data)))
}

/// Runs `tx`'s inner call as the Safe would (from the Safe, with its storage), with
/// `eth_call` to `safe.simulateAndRevert(accessor, SimulateTxAccessor.simulate(...))`.
///
/// Needs no signatures and sends nothing. `accessor` is the suite's SimulateTxAccessor (see
/// [`crate::SuiteAddresses::simulate_tx_accessor`]). The nonce, gas and refund fields of `tx`
/// are not used.
pub async fn simulate<P: Provider>(
    provider: &P,
    safe: Address,
    accessor: Address,
    tx: &SafeTx,
) -> Result<Simulation> {
    let payload = ISimulateTxAccessor::simulateCall {
        to: tx.to,
        value: tx.value,
        data: tx.data.clone(),
        operation: tx.operation.as_u8(),
    }
    .abi_encode();
    let input =
        ISafe::simulateAndRevertCall { targetContract: accessor, calldataPayload: payload.into() }
            .abi_encode();
    let request = TransactionRequest::default().with_to(safe).with_input(Bytes::from(input));
    let data = match provider.call(request).await {
        Ok(returned) => {
            return Err(Error::BadSimulation {
                len: returned.len(),
                reason: format!(
                    "simulateAndRevert returned instead of reverting; is {safe} a Safe (1.3.0 or later)?"
                ),
            });
        }
        Err(e) => match e.as_error_resp().and_then(|p| p.as_revert_data()) {
            Some(data) => data,
            None => return Err(Error::rpc(e)),
        },
    };
    decode_simulation(&data, accessor)
}

/// Decodes `simulateAndRevert`'s revert data: `success (32) ‖ length (32) ‖ returndata`, where
/// the returndata is `simulate`'s `(uint256 estimate, bool success, bytes returnData)`.
fn decode_simulation(data: &[u8], accessor: Address) -> Result<Simulation> {
    let bad = |reason: String| Error::BadSimulation { len: data.len(), reason };
    if data.len() < 64 {
        return Err(bad(format!("expected at least 64 bytes, {}", revert_reason(data))));
    }
    let delegate_ok = U256::from_be_slice(&data[..32]);
    let len = usize::try_from(U256::from_be_slice(&data[32..64]))
        .map_err(|_| bad("the length word is too large".into()))?;
    let inner =
        data.get(64..64 + len).ok_or_else(|| bad("the length word exceeds the data".into()))?;
    if delegate_ok.is_zero() {
        return Err(bad(format!(
            "the delegatecall to SimulateTxAccessor {accessor} failed ({}); is it deployed on this chain?",
            revert_reason(inner)
        )));
    }
    let ret = ISimulateTxAccessor::simulateCall::abi_decode_returns(inner)
        .map_err(|e| bad(format!("not simulate()'s return values: {e}")))?;
    let revert = (!ret.success).then(|| revert_reason(&ret.returnData));
    Ok(Simulation {
        success: ret.success,
        gas_used: ret.estimate.saturating_to(),
        return_data: ret.returnData,
        revert_reason: revert,
    })
}

/// Measures the gas limit `execTransaction(tx)` needs as a whole, with `eth_estimateGas` and
/// state overrides, without the owners' signatures and without SimulateTxAccessor.
///
/// `tx` is signed (EIP-712, at the Safe's current `nonce`) by `threshold` stand-in keys that are
/// made owners of the Safe for the call by overriding their `owners` mapping entries (storage
/// slot 2); so the call does exactly the work of the real transaction: the same signature count
/// and kind, the same cold owner reads, the same nonce write. The sender is given a balance for
/// the estimate. A node that refuses state overrides answers with an error ([`Error::Rpc`]).
pub async fn estimate_exec<P: Provider>(
    provider: &P,
    ctx: &SafeTxContext,
    threshold: u64,
    nonce: U256,
    tx: &SafeTx,
) -> Result<u64> {
    let (request, overrides) = exec_request(ctx, threshold, nonce, tx)?;
    provider.estimate_gas(request).overrides(overrides).await.map_err(Error::rpc)
}

/// Whether the node applies state overrides to `eth_estimateGas` (what [`estimate_exec`] needs): a 1-wei
/// transfer from an account with no balance, given one by an override, is estimated. `false` when the node
/// answers with a JSON-RPC error (it refuses the third parameter, or ignores it and finds no funds); `Err` only
/// when the node cannot be reached.
pub async fn estimate_overrides_supported<P: Provider>(provider: &P) -> Result<bool> {
    let from = Address::from_slice(&keccak256(b"coffer state override probe")[12..]);
    let overrides = StateOverridesBuilder::default()
        .with_balance(from, U256::from(10u8).pow(U256::from(24u8)))
        .build();
    let request =
        TransactionRequest::default().with_from(from).with_to(from).with_value(U256::from(1u8));
    match provider.estimate_gas(request).overrides(overrides).await {
        Ok(_) => Ok(true),
        Err(e) if e.as_error_resp().is_some() => Ok(false),
        Err(e) => Err(Error::rpc(e)),
    }
}

/// Whether `execTransaction(tx)`, signed and overridden as by [`estimate_exec`], succeeds within
/// a gas limit of `budget`: an `eth_call` with that limit. Settles a chunk whose node estimate is
/// just over the budget (a node's estimate may carry a margin of its own).
pub async fn exec_fits<P: Provider>(
    provider: &P,
    ctx: &SafeTxContext,
    threshold: u64,
    nonce: U256,
    tx: &SafeTx,
    budget: u64,
) -> Result<bool> {
    let (request, overrides) = exec_request(ctx, threshold, nonce, tx)?;
    match provider.call(request.with_gas_limit(budget)).overrides(overrides).await {
        Ok(returned) => {
            Ok(ISafe::execTransactionCall::abi_decode_returns(&returned).unwrap_or(false))
        }
        // Out of gas, or the inner call failing for want of gas (GS013), at this limit.
        Err(e) if e.as_error_resp().is_some() => Ok(false),
        Err(e) => Err(Error::rpc(e)),
    }
}

/// `execTransaction(tx)` signed by `threshold` stand-in owners, and the overrides that make them
/// owners (and give the sender a balance).
fn exec_request(
    ctx: &SafeTxContext,
    threshold: u64,
    nonce: U256,
    tx: &SafeTx,
) -> Result<(TransactionRequest, StateOverride)> {
    let mut tx = tx.clone();
    tx.nonce = nonce;
    let hash = tx.safe_tx_hash(ctx);
    let mut keys = (0..threshold.max(1))
        .map(|i| {
            let seed = keccak256([b"coffer gas probe owner".as_slice(), &i.to_be_bytes()].concat());
            PrivateKeySigner::from_bytes(&seed).map_err(|e| Error::BadSimulation {
                len: 0,
                reason: format!("stand-in owner key: {e}"),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // The Safe wants its signatures ordered by owner address.
    keys.sort_by_key(PrivateKeySigner::address);
    let mut signatures = Vec::with_capacity(65 * keys.len());
    let mut slots = Vec::with_capacity(keys.len());
    for key in &keys {
        let sig = key.sign_hash_sync(&hash).map_err(|e| Error::BadSimulation {
            len: 0,
            reason: format!("stand-in signature: {e}"),
        })?;
        signatures.extend_from_slice(&sig.r().to_be_bytes::<32>());
        signatures.extend_from_slice(&sig.s().to_be_bytes::<32>());
        signatures.push(27 + u8::from(sig.v()));
        // owners[key] (mapping at slot 2) := the sentinel, any non-zero value.
        let slot = keccak256((key.address(), U256::from(2u8)).abi_encode());
        slots.push((slot, B256::from(U256::from(1u8))));
    }
    let sender = keys[0].address();
    let input = ISafe::execTransactionCall {
        to: tx.to,
        value: tx.value,
        data: tx.data.clone(),
        operation: tx.operation.as_u8(),
        safeTxGas: tx.safe_tx_gas,
        baseGas: tx.base_gas,
        gasPrice: tx.gas_price,
        gasToken: tx.gas_token,
        refundReceiver: tx.refund_receiver,
        signatures: signatures.into(),
    }
    .abi_encode();
    let overrides = StateOverridesBuilder::default()
        .with_state_diff(ctx.safe, slots)
        .with_balance(sender, U256::from(10u8).pow(U256::from(24u8)))
        .build();
    let request = TransactionRequest::default()
        .with_from(sender)
        .with_to(ctx.safe)
        .with_input(Bytes::from(input));
    Ok((request, overrides))
}

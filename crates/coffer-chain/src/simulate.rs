//! Simulating a Safe transaction without signatures, through `simulateAndRevert` and
//! SimulateTxAccessor.

use crate::{Error, Result};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{Panic, Revert, SolCall, SolError, decode_revert_reason},
};
use coffer_contracts::bindings::{ISafe, ISimulateTxAccessor};
use coffer_core::SafeTx;

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

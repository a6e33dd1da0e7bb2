//! What the chain's EVM supports, probed with `eth_call` before anything is sent.

use crate::{Error, Result};
use alloy::{
    network::TransactionBuilder, primitives::Bytes, providers::Provider,
    rpc::types::TransactionRequest,
};

/// Init code `PUSH0 PUSH0 RETURN`: returns empty code on an EVM with PUSH0 (Shanghai and
/// later); an invalid opcode before it.
const PUSH0_PROBE: [u8; 3] = [0x5f, 0x5f, 0xf3];

/// Whether the chain's EVM executes PUSH0 (EIP-3855, Shanghai), by `eth_call`ing a contract
/// creation whose init code uses it. Sends nothing. An error answer from the node (the invalid
/// opcode) is `false`; a node that cannot be reached is [`Error::Rpc`].
pub async fn supports_push0<P: Provider>(provider: &P) -> Result<bool> {
    let probe = TransactionRequest::default().with_deploy_code(Bytes::from_static(&PUSH0_PROBE));
    match provider.call(probe).await {
        Ok(_) => Ok(true),
        Err(e) if e.as_error_resp().is_some() => Ok(false),
        Err(e) => Err(Error::rpc(e)),
    }
}

/// [`Error::NoPush0`] (naming `action`) when the chain's EVM rejects PUSH0: coffer's suite is
/// compiled for Cancun and cannot run there. Called before deploying coffer's suite or
/// creating a Safe from it.
pub async fn require_push0<P: Provider>(provider: &P, action: &'static str) -> Result<()> {
    if supports_push0(provider).await? { Ok(()) } else { Err(Error::NoPush0 { action }) }
}

//! Sending a transaction and waiting for a successful receipt: the one way this crate sends.

use crate::{Error, Result};
use alloy::{
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
};

/// Sends `request`, waits for its receipt, and turns a reverted receipt into
/// [`Error::Reverted`].
pub(crate) async fn send_and_confirm<P: Provider>(
    provider: &P,
    request: TransactionRequest,
) -> Result<TransactionReceipt> {
    let receipt = provider
        .send_transaction(request)
        .await
        .map_err(Error::rpc)?
        .get_receipt()
        .await
        .map_err(Error::rpc)?;
    if !receipt.status() {
        return Err(Error::Reverted { tx: receipt.transaction_hash });
    }
    Ok(receipt)
}

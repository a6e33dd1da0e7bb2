//! `coffer send`: a plain transaction from your own key (not through a Safe), e.g. to fund a Safe
//! with ETH or to call a token's `mint` on a test chain.

use alloy::{
    network::TransactionBuilder,
    primitives::{Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use clap::Args;
use coffer_signer::WalletOpts;
use serde_json::json;

use crate::{
    opts::{RpcOpts, sending_key},
    output::{print_json, with_spinner},
    parse,
};

/// Arguments of `coffer send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The receiver or contract.
    #[arg(long)]
    to: String,
    /// ETH to send, with a unit: 1.5ether, 20gwei, 1000wei.
    #[arg(long, allow_hyphen_values = true)]
    value: Option<String>,
    /// A function to call, e.g. "mint(address,uint256)", followed by its arguments.
    #[arg(long, conflicts_with = "data")]
    sig: Option<String>,
    /// Raw calldata in hex.
    #[arg(long)]
    data: Option<String>,
    /// The arguments of --sig, in order.
    #[arg(allow_negative_numbers = true, requires = "sig")]
    args: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    wallet: WalletOpts,
}

impl SendArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let to = parse::address("--to", &self.to)?;
        let value = match &self.value {
            Some(v) => parse::eth_value("--value", v)?,
            None => U256::ZERO,
        };
        let data: Bytes = match (&self.sig, &self.data) {
            (Some(sig), _) => parse::encode_call(sig, &self.args)?,
            (None, Some(d)) => parse::hex_data("--data", d)?,
            (None, None) => Bytes::new(),
        };
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        let provider = self.rpc.signing_provider(key)?;
        self.rpc.chain_id(&provider).await?;
        let request = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_value(value)
            .with_input(data);
        let receipt = with_spinner("sending, waiting for the receipt", async {
            provider.send_transaction(request).await?.get_receipt().await
        })
        .await?;
        if self.json {
            print_json(&json!({
                "txHash": receipt.transaction_hash,
                "from": from,
                "to": to,
                "success": receipt.status(),
                "gasUsed": receipt.gas_used,
            }))?;
        } else {
            println!("{}", receipt.transaction_hash);
        }
        if !receipt.status() {
            return Err(eyre::eyre!("transaction {} reverted", receipt.transaction_hash));
        }
        Ok(())
    }
}

//! `coffer send`: a plain transaction from your own key (not through a Safe), e.g. to fund a Safe
//! with ETH or to call a token's `mint` on a test chain. Journaled (`coffer_chain::once::send_transfer`): a
//! rerun of the same transfer finds the earlier one instead of paying twice; `--again` pays a second time.

use alloy::primitives::{Bytes, U256};
use clap::Args;
use coffer_signer::WalletOpts;
use serde_json::json;

use crate::{
    crash,
    opts::{RpcOpts, StoreOpts, sending_key},
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
    /// Send it even if the same transfer (same sender, receiver, value and calldata) was already sent from
    /// this data directory. Without it, a rerun finds the earlier transfer by its recorded hash: it waits for
    /// it if it is still pending, and refuses (exit 2, nothing sent) if it was mined.
    #[arg(long)]
    again: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
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
        let (provider, log) = crash::logged_provider(&self.rpc, &self.store, key).await?;
        let sent = with_spinner(
            "sending, waiting for the receipt",
            coffer_chain::once::send_transfer(&provider, &log, from, to, value, data, self.again),
        )
        .await?;
        let receipt = sent.receipt;
        if sent.found.is_some() {
            eprintln!(
                "found the transfer an earlier run sent, by its hash: {} (nothing new was sent)",
                receipt.transaction_hash
            );
        }
        if self.json {
            print_json(&json!({
                "txHash": receipt.transaction_hash,
                "from": from,
                "to": to,
                "success": receipt.status(),
                "gasUsed": receipt.gas_used,
                "foundEarlier": sent.found.is_some(),
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

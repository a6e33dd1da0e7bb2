//! Fixtures of the payout tests: an anvil that enforces the Osaka per-transaction gas cap (EIP-7825), and payout
//! CSV files of many ERC-20 rows.

use std::path::PathBuf;

use alloy::primitives::Address;
use coffer_chain::test_utils::{TestChain, TestChainBuilder};

use crate::{Cli, fail};

/// The CSV header of a payout file.
pub const CSV_HEADER: &str = "token_type,token_address,receiver,amount,id\n";

/// An anvil builder on the Osaka hardfork with the per-transaction gas cap enforced (`--enable-tx-gas-limit`).
pub fn osaka() -> TestChainBuilder {
    TestChain::builder().arg("--hardfork").arg("osaka").arg("--enable-tx-gas-limit")
}

/// [`osaka`], spawned.
///
/// # Panics
/// When anvil cannot start.
pub async fn osaka_chain() -> TestChain {
    osaka().spawn().await.unwrap_or_else(|e| fail(&format!("cannot start anvil (osaka): {e}")))
}

/// Writes `NAME` in the CLI's scratch directory: the header, then one `erc20,TOKEN,RECEIVER,AMOUNT,` row per
/// `(receiver, amount)`; returns its path.
///
/// # Panics
/// When the file cannot be written.
pub fn erc20_csv(
    cli: &Cli,
    name: &str,
    token: &str,
    rows: impl IntoIterator<Item = (Address, String)>,
) -> PathBuf {
    let mut csv = String::from(CSV_HEADER);
    for (r, amount) in rows {
        csv.push_str(&format!("erc20,{token},{r},{amount},\n"));
    }
    let file = cli.file(name);
    std::fs::write(&file, csv).unwrap_or_else(|e| fail(&format!("cannot write {name}: {e}")));
    file
}

/// What [`payout_safe`] sets up.
#[derive(Debug)]
pub struct PayoutSafe {
    /// `contracts addresses --include-test`.
    pub addresses: serde_json::Value,
    /// The test ERC-20 (`TestToken`).
    pub token: String,
    /// A 2-of-3 Safe of dev accounts 1, 2 and 3.
    pub safe: String,
}

/// Deploys coffer's suite with the test contracts from `payer` (`contracts deploy --include-test`) and creates a
/// 2-of-3 Safe of dev accounts 1, 2 and 3.
///
/// # Panics
/// When a command fails or the addresses have no `TestToken`.
pub fn payout_safe(cli: &Cli, chain: &TestChain, payer: &str) -> PayoutSafe {
    cli.ok(&["contracts", "deploy", "--include-test", "--private-key", payer]);
    let addresses = cli.json(&["contracts", "addresses", "--include-test"]);
    let token = addresses["TestToken"]
        .as_str()
        .unwrap_or_else(|| fail(&format!("no TestToken in {addresses}")))
        .to_owned();
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let safe = cli.create_safe(&[&owners[0], &owners[1], &owners[2]], 2, payer);
    PayoutSafe { addresses, token, safe }
}

/// `n` receivers nobody else uses: the addresses `base + 1` … `base + n`.
pub fn numbered_addresses(base: u64, n: u64) -> Vec<Address> {
    (1..=n).map(|i| Address::left_padding_from(&(base + i).to_be_bytes())).collect()
}

//! Interop with npm `@safe-global/protocol-kit` 8 (pinned in script/toolchain/package.json,
//! installed by script/bootstrap), pointed at coffer's suite through `contractNetworks` on one
//! anvil, through `tests/interop/protocol-kit.mjs`:
//!
//! - protocol-kit accepts our contracts: it reads a coffer-created Safe (version, owners,
//!   threshold, nonce, handler), predicts the address coffer predicts, and creates a Safe on our
//!   factory and executes a MultiSendCallOnly batch through it, which coffer then reads;
//! - a transaction protocol-kit signed (EIP-712 and eth_sign) executes through coffer
//!   (the signatures travel in a coffer bundle: `tx export` → protocol-kit → `tx import`);
//! - a transaction coffer signed (EIP-712 and eth_sign) executes through protocol-kit;
//! - protocol-kit computes the same safeTxHash as coffer for each of them.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256};
use coffer_chain::test_utils::{Implementation, TestChain};
use coffer_contracts::bindings::IERC20;
use coffer_e2e::{
    Cli,
    interop::{node_script, write_addresses},
    key_hex,
};
use serde_json::Value;

/// The dev account the coffer CLI sends from (account 0 is TestChain's own).
const CLI_PAYER: usize = 9;
/// The dev account protocol-kit executes from.
const PK_EXECUTOR: usize = 8;

/// Runs `node protocol-kit.mjs ARGS` and parses its JSON output.
fn protocol_kit(args: &[&str]) -> Value {
    node_script("protocol-kit.mjs", "@safe-global/protocol-kit", args)
}

fn csv_file(cli: &Cli, name: &str, token: Address, receivers: &[Address]) -> PathBuf {
    let mut csv = String::from("token_type,token_address,receiver,amount,id\n");
    for (i, r) in receivers.iter().enumerate() {
        csv.push_str(&format!("erc20,{token},{r},{}.75,\n", i + 1));
    }
    let file = cli.file(name);
    std::fs::write(&file, csv).unwrap();
    file
}

fn receivers(seed: u64, n: u64) -> Vec<Address> {
    (1..=n).map(|i| Address::left_padding_from(&(seed + i).to_be_bytes())).collect()
}

/// `(i + 1).75` tokens of 18 decimals: what row `i` of [`csv_file`] pays.
fn row_amount(i: usize) -> U256 {
    U256::from(i as u64 + 1) * U256::from(10u64).pow(U256::from(18))
        + U256::from(75u64) * U256::from(10u64).pow(U256::from(16))
}

async fn assert_paid(chain: &TestChain, token: Address, receivers: &[Address], what: &str) {
    let erc20 = IERC20::new(token, chain.provider());
    for (i, r) in receivers.iter().enumerate() {
        let b = erc20.balanceOf(*r).call().await.unwrap();
        assert_eq!(b, row_amount(i), "{what}: receiver {i} ({r})");
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn protocol_kit_and_coffer_interoperate_on_coffers_suite() {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let token = chain.deploy_coffer_test_token().await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let rpc = chain.endpoint();
    let payer = key_hex(chain.signer(CLI_PAYER));
    let pk_executor = key_hex(chain.signer(PK_EXECUTOR));
    let keys: Vec<String> = (0..4).map(|i| key_hex(chain.signer(i))).collect();
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let owners_csv = owners.join(",");

    let addresses_file = write_addresses(&suite, &cli.file("addresses.json"));
    let addr = addresses_file.as_str();

    // A coffer Safe, 2 of 3; protocol-kit predicts the same address and reads it back.
    let mut create = vec!["safe", "create", "--threshold", "2", "--salt-nonce", "41"];
    for o in &owners {
        create.extend(["--owner", o.as_str()]);
    }
    let mut predict = create.clone();
    predict.push("--predict");
    let predicted = cli.ok(&predict);
    let pk_predicted = protocol_kit(&[
        "predict",
        "--rpc",
        &rpc,
        "--addresses",
        addr,
        "--owners",
        &owners_csv,
        "--threshold",
        "2",
        "--salt",
        "41",
    ]);
    assert_eq!(
        pk_predicted["safe"],
        predicted.as_str(),
        "protocol-kit and coffer predict one address"
    );
    create.extend(["--private-key", payer.as_str()]);
    let safe = cli.ok(&create);
    assert_eq!(safe, predicted);
    let info = protocol_kit(&["info", "--rpc", &rpc, "--addresses", addr, "--safe", &safe]);
    assert_eq!(info["version"], "1.4.1");
    assert_eq!(info["chainId"], "31337");
    assert_eq!(info["threshold"], 2);
    assert_eq!(info["nonce"], 0);
    let pk_owners: Vec<String> =
        info["owners"].as_array().unwrap().iter().map(|o| o.as_str().unwrap().to_owned()).collect();
    assert_eq!(pk_owners, owners, "protocol-kit reads the owners in the Safe's order");
    assert_eq!(
        info["fallbackHandler"].as_str().unwrap().to_lowercase(),
        suite.fallback_handler.to_string().to_lowercase()
    );
    let safe_addr: Address = safe.parse().unwrap();
    chain.transfer_token(token, safe_addr, U256::from(10u64).pow(U256::from(24))).await.unwrap();

    // protocol-kit creates a Safe on our factory and runs a batch through our MultiSendCallOnly;
    // coffer reads that Safe.
    let mut pk_predict = create.clone();
    pk_predict.truncate(pk_predict.len() - 2);
    let salt_index = pk_predict.iter().position(|a| *a == "41").unwrap();
    pk_predict[salt_index] = "42";
    pk_predict.push("--predict");
    let pk_safe = cli.ok(&pk_predict);
    let pk_safe_addr: Address = pk_safe.parse().unwrap();
    chain.transfer_token(token, pk_safe_addr, U256::from(10u64).pow(U256::from(24))).await.unwrap();
    let paid = receivers(0x0070_0000_0000, 12);
    let csv = csv_file(&cli, "pk-flow.csv", token, &paid);
    let flow = protocol_kit(&[
        "flow",
        "--rpc",
        &rpc,
        "--addresses",
        addr,
        "--executor",
        &pk_executor,
        "--owners",
        &owners_csv,
        "--signers",
        &format!("{},{}", keys[1], keys[3]),
        "--salt",
        "42",
        "--csv",
        path_str(&csv),
        "--expect-safe",
        &pk_safe,
    ]);
    assert_eq!(flow["rows"], 12);
    assert_paid(&chain, token, &paid, "protocol-kit's own batch").await;
    let pk_info = cli.json(&["safe", "info", &pk_safe]);
    assert_eq!(pk_info["threshold"], 2);
    assert_eq!(pk_info["nonce"], "1", "protocol-kit's batch used nonce 0");
    assert_eq!(pk_info["owners"].as_array().unwrap().len(), 3);

    // protocol-kit signs (owner 1 EIP-712, owner 3 eth_sign), coffer imports and executes.
    let paid = receivers(0x0071_0000_0000, 25);
    let csv = csv_file(&cli, "pk-signed.csv", token, &paid);
    let proposed = cli.json(&["tx", "propose", &safe, "batch", "--csv", path_str(&csv)]);
    let hash = proposed
        .get("proposals")
        .and_then(|p| p[0]["safeTxHash"].as_str())
        .or_else(|| proposed["safeTxHash"].as_str())
        .unwrap_or_else(|| panic!("no safeTxHash in {proposed}"))
        .to_owned();
    let bundle = cli.file("pk-signed.bundle.json");
    let bundle_s = path_str(&bundle);
    cli.ok(&["tx", "export", &hash, "-o", bundle_s]);
    let s1 = protocol_kit(&[
        "sign",
        "--rpc",
        &rpc,
        "--addresses",
        addr,
        "--bundle",
        bundle_s,
        "--key",
        &keys[1],
    ]);
    assert_eq!(s1["safeTxHash"], hash.as_str(), "protocol-kit computes coffer's safeTxHash");
    assert_eq!(s1["kind"], "eip712");
    let s3 = protocol_kit(&[
        "sign",
        "--rpc",
        &rpc,
        "--addresses",
        addr,
        "--bundle",
        bundle_s,
        "--key",
        &keys[3],
        "--eth-sign",
    ]);
    assert_eq!(s3["kind"], "eth_sign");
    let imported = cli.json(&["tx", "import", bundle_s]);
    assert_eq!(imported["added"].as_array().unwrap().len(), 2, "{imported}");
    let shown = cli.json(&["tx", "show", &hash]);
    assert_eq!(
        shown["approvals"]["valid"], 2,
        "coffer verifies protocol-kit's signatures: {shown}"
    );
    let done = cli.json(&["tx", "execute", &hash, "--private-key", &payer]);
    assert_eq!(done["success"], true);
    assert_paid(&chain, token, &paid, "protocol-kit-signed batch executed by coffer").await;

    // coffer signs (owner 2 EIP-712, owner 3 eth_sign), protocol-kit executes.
    let to: Address = "0x00000000000000000000000000000000000bEEf1".parse().unwrap();
    let hash = cli.ok(&[
        "tx",
        "propose",
        &safe,
        "erc20",
        "--token",
        &token.to_string(),
        "--to",
        &to.to_string(),
        "--amount",
        "3.000000000000000007",
    ]);
    cli.ok(&["tx", "sign", &hash, "--private-key", &keys[2]]);
    cli.ok(&["tx", "sign", &hash, "--private-key", &keys[3], "--eth-sign"]);
    let bundle = cli.file("coffer-signed.bundle.json");
    let bundle_s = path_str(&bundle);
    cli.ok(&["tx", "export", &hash, "-o", bundle_s]);
    let executed = protocol_kit(&[
        "execute",
        "--rpc",
        &rpc,
        "--addresses",
        addr,
        "--bundle",
        bundle_s,
        "--key",
        &pk_executor,
    ]);
    assert_eq!(executed["safeTxHash"], hash.as_str());
    assert_eq!(executed["nonce"], 2, "the Safe's nonce moved past the executed tx");
    let got = IERC20::new(token, chain.provider()).balanceOf(to).call().await.unwrap();
    assert_eq!(got, U256::from(3_000_000_000_000_000_007u128));
}

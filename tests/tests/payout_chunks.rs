//! A payout too big for one transaction, on an anvil that enforces the EIP-7825 per-transaction
//! gas cap (Osaka, `--enable-tx-gas-limit`): `batch --csv` cuts it into chunks with consecutive
//! nonces, each chunk executes under the cap and within its estimate, and every row is paid.

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::primitives::Address;
use coffer_chain::test_utils::TestChain;
use coffer_e2e::{Cli, key_hex};

const CAP: u64 = 16_777_216;

#[tokio::test(flavor = "multi_thread")]
async fn a_1000_row_payout_is_chunked_under_the_osaka_cap() {
    let chain = TestChain::builder()
        .arg("--hardfork")
        .arg("osaka")
        .arg("--enable-tx-gas-limit")
        .spawn()
        .await
        .unwrap();
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(9));
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let keys: Vec<String> = (0..4).map(|i| key_hex(chain.signer(i))).collect();
    cli.ok(&["contracts", "deploy", "--include-test", "--private-key", &payer]);
    let addresses = cli.json(&["contracts", "addresses", "--include-test"]);
    let token = addresses["TestToken"].as_str().unwrap().to_owned();
    let safe = cli.ok(&[
        "safe",
        "create",
        "--owner",
        &owners[0],
        "--owner",
        &owners[1],
        "--owner",
        &owners[2],
        "--threshold",
        "2",
        "--private-key",
        &payer,
    ]);
    cli.ok(&[
        "send",
        "--to",
        &token,
        "--sig",
        "mint(address,uint256)",
        &safe,
        "1000000000000000000000000",
        "--private-key",
        &payer,
    ]);

    let receivers: Vec<Address> = (1..=1000u64)
        .map(|i| Address::left_padding_from(&(0x00ab_cdef_0000_0000 + i).to_be_bytes()))
        .collect();
    let mut csv = String::from("token_type,token_address,receiver,amount,id\n");
    for (i, r) in receivers.iter().enumerate() {
        csv.push_str(&format!("erc20,{token},{r},{}.5,\n", i + 1));
    }
    let file = cli.file("payouts-1000.csv");
    std::fs::write(&file, csv).unwrap();
    let file = file.to_str().unwrap();

    // The dry run plans without storing anything.
    let plan = cli.json(&["tx", "propose", &safe, "batch", "--csv", file, "--dry-run"]);
    assert_eq!(cli.snapshot(), "", "a dry run stores nothing");
    assert_eq!(plan["maxGas"], CAP);
    eprintln!("plan: {plan}");
    let chunks = plan["chunks"].as_array().unwrap();
    assert!(chunks.len() >= 2, "1000 payouts do not fit one transaction: {plan}");
    let planned_rows: u64 = chunks.iter().map(|c| c["rows"].as_u64().unwrap()).sum();
    assert_eq!(planned_rows, 1000);
    for c in chunks {
        assert!(c["estimatedGas"].as_u64().unwrap() <= CAP, "{c}");
    }

    let proposed = cli.json(&["tx", "propose", &safe, "batch", "--csv", file]);
    let proposals = proposed["proposals"].as_array().unwrap();
    assert_eq!(proposals.len(), chunks.len());
    for (i, p) in proposals.iter().enumerate() {
        assert_eq!(p["tx"]["nonce"], i.to_string(), "consecutive nonces");
    }
    let shown = cli.json(&["tx", "show", proposals[1]["safeTxHash"].as_str().unwrap()]);
    assert_eq!(shown["batch"]["chunk"], 1);
    assert_eq!(
        shown["batch"]["rows"].as_array().unwrap().len() as u64,
        chunks[1]["rows"].as_u64().unwrap(),
        "tx show lists the chunk's rows"
    );

    let mut report = Vec::new();
    for p in proposals {
        let h = p["safeTxHash"].as_str().unwrap();
        cli.ok(&["tx", "sign", h, "--private-key", &keys[1]]);
        cli.ok(&["tx", "sign", h, "--private-key", &keys[2]]);
        let done = cli.json(&["tx", "execute", h, "--private-key", &payer]);
        let used = done["gasUsed"].as_u64().unwrap();
        let estimated = p["estimatedGas"].as_u64().unwrap();
        assert!(used <= CAP, "chunk used {used} gas, over the cap");
        assert!(used <= estimated, "chunk used {used} gas, more than its estimate {estimated}");
        report.push((p["rows"].as_u64().unwrap(), used, estimated));
    }
    eprintln!("chunks (rows, gas used, estimated): {report:?}");

    let mut args = vec!["balance".to_owned(), "--token".to_owned(), token.clone()];
    args.extend(receivers.iter().map(ToString::to_string));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let balances = cli.json(&args);
    for (i, b) in balances["balances"].as_array().unwrap().iter().enumerate() {
        let expected = format!("{}500000000000000000", i + 1);
        assert_eq!(b["balance"], expected.as_str(), "receiver {i}");
    }
}

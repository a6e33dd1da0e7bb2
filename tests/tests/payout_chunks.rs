//! A payout too big for one transaction, on an anvil that enforces the EIP-7825 per-transaction
//! gas cap (Osaka, `--enable-tx-gas-limit`): `batch --csv` cuts it into chunks with consecutive
//! nonces, each chunk executes under the cap and within its estimate, and every row is paid.

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::primitives::Address;
use coffer_chain::test_utils::TestChain;
use coffer_e2e::{
    Cli, key_hex,
    payouts::{PayoutSafe, erc20_csv, numbered_addresses, osaka, osaka_chain, payout_safe},
};

const CAP: u64 = 16_777_216;

#[tokio::test(flavor = "multi_thread")]
async fn a_1000_row_payout_is_chunked_under_the_osaka_cap() {
    let chain = osaka_chain().await;
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(9));
    let keys: Vec<String> = (0..4).map(|i| key_hex(chain.signer(i))).collect();
    let PayoutSafe { token, safe, .. } = payout_safe(&cli, &chain, &payer);
    cli.mint(&token, &safe, "1000000000000000000000000", &payer);

    let receivers = numbered_addresses(0x00ab_cdef_0000_0000, 1000);
    let rows = receivers.iter().enumerate().map(|(i, r)| (*r, format!("{}.5", i + 1)));
    let file = erc20_csv(&cli, "payouts-1000.csv", &token, rows);
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

/// Transaction Builder files both ways, and a pro-rata split straight into a proposal.
#[tokio::test(flavor = "multi_thread")]
async fn tx_builder_round_trip_and_payout_split() {
    let chain = TestChain::spawn().await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(9));
    let k1 = key_hex(chain.signer(1));
    let k2 = key_hex(chain.signer(2));
    cli.ok(&["contracts", "deploy", "--include-test", "--private-key", &payer]);
    let token = cli.json(&["contracts", "addresses", "--include-test"])["TestToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (a1, a2, a3) =
        (chain.address(1).to_string(), chain.address(2).to_string(), chain.address(3).to_string());
    let safe = cli.create_safe(&[&a1, &a2, &a3], 2, &payer);
    cli.mint(&token, &safe, "1000000000000000000000000", &payer);

    // A 3-row CSV batch, exported as a Transaction Builder file and imported back at the same
    // nonce: the same calldata, so the same safeTxHash.
    let csv = cli.file("three.csv");
    std::fs::write(
        &csv,
        format!(
            "token_type,token_address,receiver,amount,id\nerc20,{token},{a1},1.5,\nerc20,{token},{a2},2,\nerc20,{token},{a3},0.25,\n"
        ),
    )
    .unwrap();
    let h = cli.ok(&["tx", "propose", &safe, "batch", "--csv", csv.to_str().unwrap()]);
    let file = cli.file("three.tx-builder.json");
    let out = cli.json(&["tx", "export-builder", &h, "-o", file.to_str().unwrap()]);
    assert_eq!(out["transactions"], 3);
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(exported["chainId"], chain.chain_id().to_string());
    assert_eq!(exported["meta"]["checksum"], out["checksum"]);
    cli.ok(&["tx", "remove", &h]);
    let again = cli.ok(&["tx", "propose", &safe, "batch", "--tx-builder", file.to_str().unwrap()]);
    assert_eq!(again, h, "export then import gives the same transaction");
    cli.ok(&["tx", "remove", &again]);

    // A file edited after export is refused by its checksum; a file for another chain too.
    let mut edited = exported.clone();
    edited["transactions"][0]["to"] = a3.clone().into();
    let edited_file = cli.file("edited.json");
    std::fs::write(&edited_file, edited.to_string()).unwrap();
    cli.bad(
        &["tx", "propose", &safe, "batch", "--tx-builder", edited_file.to_str().unwrap()],
        "checksum",
    );
    let mut other = exported.clone();
    other["chainId"] = "1".into();
    other["meta"].as_object_mut().unwrap().remove("checksum");
    let other_file = cli.file("other-chain.json");
    std::fs::write(&other_file, other.to_string()).unwrap();
    cli.bad(
        &["tx", "propose", &safe, "batch", "--tx-builder", other_file.to_str().unwrap()],
        "chain id mismatch",
    );

    // A single-call proposal exports as one transaction and comes back as the same plain call.
    let single =
        cli.ok(&["tx", "propose", &safe, "erc20", "--token", &token, "--to", &a1, "--amount", "3"]);
    let single_file = cli.file("single.json");
    cli.ok(&["tx", "export-builder", &single, "-o", single_file.to_str().unwrap()]);
    cli.ok(&["tx", "remove", &single]);
    let back =
        cli.ok(&["tx", "propose", &safe, "batch", "--tx-builder", single_file.to_str().unwrap()]);
    assert_eq!(back, single);
    cli.ok(&["tx", "remove", &single]);

    // 1000 tokens split over shares 1 : 2 : 3 : 0.5 : 0, exactly: the floors of 1000·share/6.5
    // leave 3 base units, which go to the largest remainders (.923, .846, .692 of a unit).
    let shares = cli.file("shares.csv");
    let zero = "0x000000000000000000000000000000000000bEEF".to_owned();
    std::fs::write(
        &shares,
        format!("address,shares\n{a1},1\n{a2},2\n{a3},3\n{},0.5\n{zero},0\n", chain.address(4)),
    )
    .unwrap();
    let split_csv = cli.ok(&[
        "payout",
        "split",
        "--total",
        "1000",
        "--token",
        &token,
        "--shares",
        shares.to_str().unwrap(),
    ]);
    let amounts: Vec<&str> =
        split_csv.lines().skip(1).map(|l| l.split(',').nth(3).unwrap()).collect();
    assert_eq!(amounts.len(), 4, "the zero share gets no row:\n{split_csv}");
    assert_eq!(
        amounts,
        [
            "153.846153846153846154",
            "307.692307692307692308",
            "461.538461538461538461",
            "76.923076923076923077"
        ]
    );
    let proposed = cli.json(&[
        "payout",
        "split",
        "--total",
        "1000",
        "--token",
        &token,
        "--shares",
        shares.to_str().unwrap(),
        "--propose",
        &safe,
    ]);
    let h = proposed["proposals"][0]["safeTxHash"].as_str().unwrap().to_owned();
    cli.ok(&["tx", "sign", &h, "--private-key", &k1]);
    cli.ok(&["tx", "sign", &h, "--private-key", &k2]);
    cli.ok(&["tx", "execute", &h, "--private-key", &payer]);
    let b = cli.json(&["balance", "--token", &token, &a3]);
    assert_eq!(b["balances"][0]["balance"], "461538461538461538461");

    // Bad shares and totals.
    let bad = cli.file("bad-shares.csv");
    std::fs::write(&bad, "address,shares\n0x12,1\nvitalik.eth,2\n").unwrap();
    let r =
        cli.bad(&["payout", "split", "--total", "1", "--shares", bad.to_str().unwrap()], "line 2");
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
    cli.bad(&["payout", "split", "--total", "0", "--shares", shares.to_str().unwrap()], "zero");
    cli.bad(
        &["payout", "split", "--total", "-5", "--shares", shares.to_str().unwrap()],
        "negative",
    );
    let no_header = cli.file("no-header.csv");
    std::fs::write(&no_header, "who,much\n").unwrap();
    cli.bad(
        &["payout", "split", "--total", "1", "--shares", no_header.to_str().unwrap()],
        "`address` and `shares`",
    );
}

/// Issue 8's end-to-end figure: a 10,000-row CSV planned, proposed, signed by 2 of 3 and executed
/// on an Osaka anvil with the per-transaction cap enforced. Prints the wall time of each phase
/// and the number of Safe transactions. Slow (a minute or more), so run it on demand:
/// `cargo test -p coffer-e2e --test payout_chunks -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: 10,000 payouts end to end"]
async fn ten_thousand_rows_end_to_end() {
    let chain = osaka().block_gas_limit(60_000_000).spawn().await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(9));
    let keys: Vec<String> = (0..3).map(|i| key_hex(chain.signer(i))).collect();
    let PayoutSafe { token, safe, .. } = payout_safe(&cli, &chain, &payer);
    cli.mint(&token, &safe, "1000000000000000000000000000", &payer);
    let rows = (1..=10_000u64).map(|i| {
        let r = Address::left_padding_from(&(0x0010_0000_0000_0000 + i).to_be_bytes());
        (r, format!("{}.25", i % 997 + 1))
    });
    let file = erc20_csv(&cli, "payouts-10000.csv", &token, rows);

    let t0 = std::time::Instant::now();
    let proposed = cli.json(&["tx", "propose", &safe, "batch", "--csv", file.to_str().unwrap()]);
    let t_propose = t0.elapsed();
    let simulations = proposed["simulations"].as_u64().unwrap();
    let proposals = proposed["proposals"].as_array().unwrap().clone();
    let t1 = std::time::Instant::now();
    for p in &proposals {
        let h = p["safeTxHash"].as_str().unwrap();
        cli.ok(&["tx", "sign", h, "--private-key", &keys[1]]);
        cli.ok(&["tx", "sign", h, "--private-key", &keys[2]]);
    }
    let t_sign = t1.elapsed();
    let t2 = std::time::Instant::now();
    let mut gas = Vec::new();
    for p in &proposals {
        let h = p["safeTxHash"].as_str().unwrap();
        let done = cli.json(&["tx", "execute", h, "--private-key", &payer]);
        let used = done["gasUsed"].as_u64().unwrap();
        assert!(used <= CAP);
        gas.push((p["rows"].as_u64().unwrap(), used));
    }
    let t_exec = t2.elapsed();
    let paid: u64 = gas.iter().map(|(r, _)| r).sum();
    assert_eq!(paid, 10_000);
    // The fewest Safe txs under the cap: 10,000 payouts need about 271M gas, more than 16 × the
    // cap; each chunk is filled to the last row that fits its measured gas (18 with the
    // per-row estimate alone).
    assert_eq!(proposals.len(), 17, "{gas:?}");
    eprintln!(
        "10,000 rows: {} Safe txs ({simulations} simulations to plan); plan+propose {:.1?}, 2-of-3 signing {:.1?}, execution {:.1?}, total {:.1?}",
        proposals.len(),
        t_propose,
        t_sign,
        t_exec,
        t0.elapsed()
    );
    eprintln!("(rows, gas used) per tx: {gas:?}");
    // Every receiver holds exactly its row's amount (18 decimals).
    let mut args = vec!["balance".to_owned(), "--token".to_owned(), token.clone()];
    args.extend((1..=10_000u64).map(|i| {
        Address::left_padding_from(&(0x0010_0000_0000_0000 + i).to_be_bytes()).to_string()
    }));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let balances = cli.json(&args);
    let balances = balances["balances"].as_array().unwrap();
    assert_eq!(balances.len(), 10_000);
    for (i, b) in balances.iter().enumerate() {
        let expected = format!("{}250000000000000000", (i as u64 + 1) % 997 + 1);
        assert_eq!(b["balance"], expected.as_str(), "receiver {}", i + 1);
    }
}

/// Chunking by gas without SimulateTxAccessor on the chain (issue 15): each chunk is measured by
/// `eth_estimateGas` of its whole `execTransaction` with state overrides, the method is said, and
/// every chunk executes under the cap and within its estimate.
#[tokio::test(flavor = "multi_thread")]
async fn chunks_without_simulate_tx_accessor() {
    let chain = osaka_chain().await;
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(9));
    let keys: Vec<String> = (0..4).map(|i| key_hex(chain.signer(i))).collect();
    let PayoutSafe { addresses, token, safe } = payout_safe(&cli, &chain, &payer);
    let accessor: Address = addresses["SimulateTxAccessor"].as_str().unwrap().parse().unwrap();
    cli.mint(&token, &safe, "1000000000000000000000000", &payer);
    // The chain has no SimulateTxAccessor.
    chain.set_code(accessor, Default::default()).await.unwrap();

    let receivers = numbered_addresses(0x00fe_ed00_0000_0000, 700);
    let rows = receivers.iter().enumerate().map(|(i, r)| (*r, format!("{}", i + 1)));
    let file = erc20_csv(&cli, "payouts-700.csv", &token, rows);
    let file = file.to_str().unwrap();

    let plan = cli.json(&["tx", "propose", &safe, "batch", "--csv", file, "--dry-run"]);
    let method = plan["gasMethod"].as_str().unwrap();
    assert!(method.contains("eth_estimateGas") && method.contains("not deployed"), "{plan}");
    let chunks = plan["chunks"].as_array().unwrap();
    assert_eq!(chunks.len(), 2, "700 payouts take two Safe txs: {plan}");
    assert!(chunks[0]["innerGas"].is_null(), "no inner gas without the accessor: {plan}");
    // The first chunk is as full as the cap allows (589 rows of this size, as with the accessor).
    assert!(chunks[0]["rows"].as_u64().unwrap() >= 585, "{plan}");

    let proposed = cli.json(&["tx", "propose", &safe, "batch", "--csv", file]);
    for p in proposed["proposals"].as_array().unwrap() {
        let h = p["safeTxHash"].as_str().unwrap();
        cli.ok(&["tx", "sign", h, "--private-key", &keys[1]]);
        cli.ok(&["tx", "sign", h, "--private-key", &keys[2]]);
        let done = cli.json(&["tx", "execute", h, "--private-key", &payer]);
        let used = done["gasUsed"].as_u64().unwrap();
        assert!(used <= CAP, "chunk used {used} gas, over the cap");
        assert!(used <= p["estimatedGas"].as_u64().unwrap(), "{used} over its estimate: {p}");
    }
    let b = cli.json(&["balance", "--token", &token, &receivers[699].to_string()]);
    assert_eq!(b["balances"][0]["balance"], "700000000000000000000");
}

/// A node that refuses state overrides (issue 15; the fault proxy answers geth's "too many arguments" to any
/// `eth_estimateGas` / `eth_call` with a third parameter): `batch --csv` falls back to the static estimate
/// (per-row gas by SimulateTxAccessor, the Safe's overhead computed) and says so in `gasMethod`; each chunk is
/// under the cap, executes through that same node within its estimate, and every row is paid. Without
/// SimulateTxAccessor too, the plan says that nothing was measured.
#[tokio::test(flavor = "multi_thread")]
async fn static_estimate_when_the_node_refuses_state_overrides() {
    let chain = osaka_chain().await;
    let proxy = coffer_e2e::proxy::FaultProxy::start(&chain.endpoint());
    for method in ["eth_estimateGas", "eth_call"] {
        proxy.add(method, coffer_e2e::proxy::Fault::RefuseStateOverrides, usize::MAX);
    }
    let cli = Cli::new(proxy.url());
    let payer = key_hex(chain.signer(9));
    let keys: Vec<String> = (0..4).map(|i| key_hex(chain.signer(i))).collect();
    let PayoutSafe { addresses, token, safe } = payout_safe(&cli, &chain, &payer);
    let accessor: Address = addresses["SimulateTxAccessor"].as_str().unwrap().parse().unwrap();
    cli.mint(&token, &safe, "1000000000000000000000000", &payer);
    let receivers = numbered_addresses(0x00be_ef00_0000_0000, 700);
    let rows = receivers.iter().enumerate().map(|(i, r)| (*r, format!("{}", i + 1)));
    let file = erc20_csv(&cli, "payouts-static.csv", &token, rows);
    let file = file.to_str().unwrap();

    let plan = cli.json(&["tx", "propose", &safe, "batch", "--csv", file, "--dry-run"]);
    let method = plan["gasMethod"].as_str().unwrap();
    assert!(
        method.starts_with("static estimate") && method.contains("SimulateTxAccessor"),
        "{plan}"
    );
    let chunks = plan["chunks"].as_array().unwrap();
    assert!(chunks.len() >= 2, "700 payouts do not fit one Safe tx under the cap: {plan}");
    for c in chunks {
        assert!(c["estimatedGas"].as_u64().unwrap() <= CAP, "{c}");
        assert!(c["innerGas"].as_u64().is_some(), "{c}");
    }

    let proposed = cli.json(&["tx", "propose", &safe, "batch", "--csv", file]);
    assert_eq!(proposed["gasMethod"], plan["gasMethod"]);
    for p in proposed["proposals"].as_array().unwrap() {
        let h = p["safeTxHash"].as_str().unwrap();
        cli.ok(&["tx", "sign", h, "--private-key", &keys[1]]);
        cli.ok(&["tx", "sign", h, "--private-key", &keys[2]]);
        let done = cli.json(&["tx", "execute", h, "--private-key", &payer]);
        let used = done["gasUsed"].as_u64().unwrap();
        assert!(used <= CAP, "chunk used {used} gas, over the cap");
        assert!(
            used <= p["estimatedGas"].as_u64().unwrap(),
            "{used} over its static estimate: {p}"
        );
    }
    let b = cli.json(&["balance", "--token", &token, &receivers[699].to_string()]);
    assert_eq!(b["balances"][0]["balance"], "700000000000000000000");

    // Without SimulateTxAccessor as well: nothing measures; the plan says so and still fits the cap.
    chain.set_code(accessor, Default::default()).await.unwrap();
    let plan = cli.json(&["tx", "propose", &safe, "batch", "--csv", file, "--dry-run"]);
    let method = plan["gasMethod"].as_str().unwrap();
    assert!(method.contains("nothing measured"), "{plan}");
    for c in plan["chunks"].as_array().unwrap() {
        assert!(c["estimatedGas"].as_u64().unwrap() <= CAP, "{c}");
        assert!(c["innerGas"].is_null(), "{c}");
    }
}

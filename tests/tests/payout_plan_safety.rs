//! Issue 12, payout plans, through the `coffer` binary on an anvil with the EIP-7825 cap:
//! `payout plan` refuses when the module is not deployed and refuses `--caps none`; a first plan
//! on a Safe without the module is ONE Safe tx (enable + approve) that 2 of 3 owners sign;
//! `tx show` recomputes every figure from the chunks even when the plan file's summary is edited
//! (and, offline, shows base units with the file's decimals marked unverified); planning the same
//! rows again is refused (read from the module's events) unless `--allow-repeat`; after a partial
//! run `payout replan` revokes the old plan and approves the unpaid rows in one tx, and nobody is
//! paid twice; `payout status` on a chain without the module says what to do.

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::primitives::{B256, Bytes, U256};
use coffer_chain::{
    plan::PlanChunks,
    test_utils::{Implementation, TestChain},
};
use coffer_core::PlanDomain;
use coffer_e2e::{
    Cli, key_hex,
    payouts::{erc20_csv, numbered_addresses, osaka_chain},
};

/// The plan file's chunks and domain, to run one chunk with the library (a partial run).
fn plan_from_file(path: &str) -> PlanChunks {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let domain = PlanDomain {
        chain_id: v["chainId"].as_u64().unwrap(),
        module: v["module"].as_str().unwrap().parse().unwrap(),
        safe: v["safe"].as_str().unwrap().parse().unwrap(),
        salt: v["salt"].as_u64().unwrap(),
    };
    let chunks: Vec<Bytes> = v["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().parse().unwrap())
        .collect();
    let plan = PlanChunks::new(domain, chunks).unwrap();
    assert_eq!(plan.root(), v["root"].as_str().unwrap().parse::<B256>().unwrap());
    plan
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_safety_through_the_cli() {
    let chain = osaka_chain().await;
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(0));
    let runner = key_hex(chain.signer(9));
    let k1 = key_hex(chain.signer(1));
    let k2 = key_hex(chain.signer(2));
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let owners: Vec<&str> = owners.iter().map(String::as_str).collect();
    // The suite without PayoutPlanModule (`contracts deploy` would deploy the module too): the
    // refusal below needs a chain where the module is missing.
    chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let token = chain.deploy_coffer_test_token().await.unwrap().to_string();
    let safe = cli.create_safe(&owners, 2, &payer);
    // Enough rows for 3 chunks under the cap.
    let rows = 1150u64;
    let receivers = numbered_addresses(0x00be_ef00_0000_0000, rows);
    let unit = U256::from(10).pow(U256::from(16));
    let amounts: Vec<U256> = (1..=rows).map(|i| U256::from(i) * unit).collect();
    let total: U256 = amounts.iter().copied().sum();
    let amounts_text =
        receivers.iter().zip(1..=rows).map(|(r, i)| (*r, format!("{}.{:02}", i / 100, i % 100)));
    let file = erc20_csv(&cli, "rows.csv", &token, amounts_text);
    let file = file.to_str().unwrap();
    cli.mint(&token, &safe, &total.to_string(), &payer);

    // No module on this chain: nothing is proposed, and the message says what to do.
    cli.bad(&["payout", "plan", &safe, "--csv", file], "enable-module");
    cli.bad(&["payout", "plan", &safe, "--csv", file, "--caps", "none"], "caps each asset");

    // Deploy the module (enable-module for another Safe deploys it, and warns about the guard).
    let other = cli.create_safe(&owners[..2], 1, &payer);
    let r = cli.run(&["payout", "enable-module", &other, "--private-key", &payer]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("does not pass through the Safe's transaction guard"),
        "{}",
        r.stderr
    );

    // A first plan on a Safe that has not enabled the module: ONE Safe tx, a MultiSendCallOnly
    // batch (enableModule + approvePlan), executed with exactly 2 signatures.
    let proposed = cli.json(&["payout", "plan", &safe, "--csv", file, "--expiry", "1d"]);
    let plan_json = &proposed["payoutPlan"];
    assert_eq!(plan_json["enablesModule"], true, "{proposed}");
    assert_eq!(proposed["tx"]["operation"], 1, "{proposed}");
    let hash = proposed["safeTxHash"].as_str().unwrap().to_owned();
    let root = plan_json["root"].as_str().unwrap().to_owned();
    let chunks = plan_json["chunks"].as_u64().unwrap();
    assert!(chunks >= 3, "{chunks} chunks");
    let path = plan_json["planFile"].as_str().unwrap().to_owned();

    // Someone edits the plan file's summary: fewer payouts, a tiny total, wrong decimals.
    let original = std::fs::read_to_string(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&original).unwrap();
    v["payouts"] = 1.into();
    v["totals"][0]["payouts"] = 1.into();
    v["totals"][0]["total"] = "0x1".into();
    v["totals"][0]["largest"] = "0x1".into();
    v["totals"][0]["decimals"] = 2.into();
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    // tx show counts from the chunks and reads the decimals on chain.
    let shown = cli.json(&["tx", "show", &hash]);
    let p = &shown["payoutPlan"];
    assert_eq!(p["recomputed"], true, "{p}");
    assert_eq!(p["payouts"], rows, "{p}");
    assert_eq!(p["enablesModule"], true);
    assert_eq!(p["totals"][0]["total"].as_str().unwrap(), format!("{total:#x}"));
    assert_eq!(
        p["totals"][0]["largest"].as_str().unwrap(),
        format!("{:#x}", amounts[amounts.len() - 1])
    );
    assert_eq!(p["totals"][0]["decimals"], 18);
    assert_eq!(p["totals"][0]["decimalsVerified"], true);
    let text = cli.ok(&["tx", "show", &hash]);
    let whole = format!("{} CTT", coffer_core::format_units(total, 18));
    let count = format!("{rows} in {chunks} chunks");
    for needle in [count.as_str(), whole.as_str(), "11.5 CTT", "counted from"] {
        assert!(text.contains(needle), "tx show lacks {needle:?}:\n{text}");
    }
    // Offline: base units, and the file's (edited) decimals marked unverified.
    let offline = cli.ok(&["tx", "show", &hash, "--offline"]);
    let base = format!("{total} base units of");
    for needle in [base.as_str(), "the plan file says 2 decimals", "unverified"] {
        assert!(offline.contains(needle), "tx show --offline lacks {needle:?}:\n{offline}");
    }
    // An added row (an edited chunk) no longer gives the approved root: no figure is shown.
    let mut added = v.clone();
    let c0 = added["chunks"][0].as_str().unwrap().to_owned();
    added["chunks"][0] = format!("{c0}{}", &c0[2..2 + 2 * 153]).into();
    std::fs::write(&path, serde_json::to_string_pretty(&added).unwrap()).unwrap();
    let shown = cli.json(&["tx", "show", &hash]);
    assert_eq!(shown["payoutPlan"]["recomputed"], false, "{shown}");
    assert!(cli.ok(&["tx", "show", &hash]).contains("payouts cannot be shown"));
    std::fs::write(&path, &original).unwrap();

    // The signer's preview carries the same recomputed figures.
    let r = cli.run(&["tx", "sign", &hash, "--private-key", &k1]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for needle in ["counted from its chunks", count.as_str(), whole.as_str(), "enables module"] {
        assert!(r.stderr.contains(needle), "the signer's preview lacks {needle:?}:\n{}", r.stderr);
    }
    cli.ok(&["tx", "sign", &hash, "--private-key", &k2]);
    cli.json(&["tx", "execute", &hash, "--private-key", &payer]);
    let status = cli.json(&["payout", "status", &root]);
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(status["moduleEnabled"], true);

    // A partial run: chunk 0 only (by anyone, through the library).
    let plan = plan_from_file(&path);
    coffer_chain::plan::execute_chunk(chain.provider(), &plan, 0, chain.address(9)).await.unwrap();

    // A row that pays the Safe's fallback handler (a contract with admin power over the Safe):
    // refused before anything is proposed.
    let handler =
        cli.json(&["safe", "info", &safe])["fallbackHandler"].as_str().unwrap().to_owned();
    let odd = cli.file("handler.csv");
    std::fs::write(
        &odd,
        format!("token_type,token_address,receiver,amount,id\nnative,,{handler},0.001,\n"),
    )
    .unwrap();
    cli.bad(&["payout", "plan", &safe, "--csv", odd.to_str().unwrap()], "the fallback handler");

    // The same rows again: refused, from the module's events (paid) and the active plan (pending).
    cli.bad(&["payout", "plan", &safe, "--csv", file], "already paid or are pending");

    // Re-plan: one Safe tx revokes the old plan (only if exactly 1 chunk ran) and approves the
    // unpaid chunks.
    let replan = cli.json(&["payout", "replan", &root[..12]]);
    let new_root = replan["payoutPlan"]["root"].as_str().unwrap().to_owned();
    assert_ne!(new_root, root);
    assert_eq!(replan["payoutPlan"]["chunks"].as_u64().unwrap(), chunks - 1);
    assert_eq!(replan["payoutPlan"]["replaces"]["executedCount"], 1, "{replan}");
    let replan_hash = replan["safeTxHash"].as_str().unwrap().to_owned();
    let text = cli.ok(&["tx", "show", &replan_hash]);
    assert!(text.contains("revokes plan") && text.contains("exactly 1 of its chunks"), "{text}");
    cli.ok(&["tx", "sign", &replan_hash, "--private-key", &k1]);
    cli.ok(&["tx", "sign", &replan_hash, "--private-key", &k2]);
    cli.json(&["tx", "execute", &replan_hash, "--private-key", &payer]);
    assert_eq!(cli.json(&["payout", "status", &root])["status"], "revoked");
    let run = cli.json(&["payout", "run", &new_root, "--private-key", &runner]);
    assert_eq!(run["complete"], true, "{run}");

    // Every recipient holds exactly its amount (paid once), and the Safe nothing.
    for (part, want) in receivers.chunks(400).zip(amounts.chunks(400)) {
        let mut args = vec!["balance".to_owned(), "--token".to_owned(), token.clone()];
        args.extend(part.iter().map(ToString::to_string));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = cli.json(&args);
        for (b, w) in got["balances"].as_array().unwrap().iter().zip(want) {
            assert_eq!(b["balance"].as_str().unwrap(), w.to_string(), "{b}");
        }
    }
    let left = cli.json(&["balance", "--token", &token, &safe]);
    assert_eq!(left["balances"][0]["balance"], "0");

    // `payout status` against a chain without the module: what to do, not an RPC error.
    let bare = TestChain::spawn().await.unwrap();
    let r =
        cli.bad(&["payout", "status", &new_root, "--rpc-url", &bare.endpoint()], "not deployed");
    assert!(r.stderr.contains("enable-module"), "{}", r.stderr);
}

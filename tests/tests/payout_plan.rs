//! A payout plan through the `coffer` binary on an anvil that enforces the EIP-7825 cap:
//! `payout enable-module` (deploying the module), `payout plan` (one approval Safe tx, which
//! `tx show` presents with root, chunks, payouts, totals and the largest payout), 2 signatures,
//! `payout run` from a non-owner, `payout status`, every balance; and the refusals of bad input
//! (a plan run before approval, a tampered plan file, a bad expiry).

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::primitives::U256;
use coffer_e2e::{
    Cli, key_hex,
    payouts::{PayoutSafe, erc20_csv, numbered_addresses, osaka_chain, payout_safe},
};

#[tokio::test(flavor = "multi_thread")]
async fn a_1200_row_payout_plan_through_the_cli() {
    let chain = osaka_chain().await;
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(0));
    let runner = key_hex(chain.signer(9));
    let k1 = key_hex(chain.signer(1));
    let k2 = key_hex(chain.signer(2));
    let PayoutSafe { token, safe, .. } = payout_safe(&cli, &chain, &payer);
    let rows = 1200u64;
    let receivers = numbered_addresses(0x00ca_fe00_0000_0000, rows);
    let unit = U256::from(10).pow(U256::from(16));
    let amounts: Vec<U256> = (1..=rows).map(|i| U256::from(i) * unit).collect();
    let total: U256 = amounts.iter().copied().sum();
    let amounts_text =
        receivers.iter().zip(1..=rows).map(|(r, i)| (*r, format!("{}.{:02}", i / 100, i % 100)));
    let file = erc20_csv(&cli, "plan.csv", &token, amounts_text);
    let file = file.to_str().unwrap();
    cli.ok(&[
        "send",
        "--to",
        &token,
        "--sig",
        "mint(address,uint256)",
        &safe,
        &total.to_string(),
        "--private-key",
        &payer,
    ]);
    let sign_and_execute = |hash: &str| {
        cli.ok(&["tx", "sign", hash, "--private-key", &k1]);
        cli.ok(&["tx", "sign", hash, "--private-key", &k2]);
        cli.json(&["tx", "execute", hash, "--private-key", &payer])
    };

    // Enabling the module (deployed by `contracts deploy`): a normal Safe tx.
    let enable = cli.ok(&["payout", "enable-module", &safe, "--private-key", &payer]);
    sign_and_execute(&enable);
    let again = cli.json(&["payout", "enable-module", &safe]);
    assert_eq!(again["enabled"], true, "a second enable-module proposes nothing: {again}");

    cli.bad(&["payout", "plan", &safe, "--csv", file, "--expiry", "7y"], "is not a duration");

    // The plan: one approval Safe tx.
    let proposed = cli.json(&["payout", "plan", &safe, "--csv", file, "--expiry", "1d"]);
    let hash = proposed["safeTxHash"].as_str().unwrap().to_owned();
    let root = proposed["payoutPlan"]["root"].as_str().unwrap().to_owned();
    let chunks = proposed["payoutPlan"]["chunks"].as_u64().unwrap();
    assert!((2..=4).contains(&chunks), "{chunks} chunks for {rows} payouts");

    // What the owners see before they sign.
    let shown = cli.json(&["tx", "show", &hash]);
    let plan = &shown["payoutPlan"];
    assert_eq!(plan["root"].as_str().unwrap(), root);
    assert_eq!(plan["payouts"], rows);
    assert_eq!(plan["chunks"], chunks);
    let totals = plan["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0]["total"].as_str().unwrap(), format!("{total:#x}"));
    assert_eq!(
        totals[0]["largest"].as_str().unwrap(),
        format!("{:#x}", amounts[amounts.len() - 1])
    );
    let text = cli.ok(&["tx", "show", &hash]);
    for needle in ["plan root", "largest payout", "12 CTT", "7206 CTT", "counted from"] {
        assert!(text.contains(needle), "tx show lacks {needle:?}:\n{text}");
    }

    // Not approved yet: run refuses and says why; status says so.
    let r = cli.run(&["payout", "run", &root, "--private-key", &runner]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("has not approved it"), "{}", r.stderr);
    assert_eq!(cli.json(&["payout", "status", &root])["status"], "not approved");
    cli.bad(&["payout", "revoke", &root], "nothing to revoke");

    sign_and_execute(&hash);

    // While the plan is active, owners can propose its revocation: one Safe tx to the module
    // that the preview names. (Left unsigned here, so the run below still goes through.)
    let revoke = cli.json(&["payout", "revoke", &root[..10]]);
    assert_eq!(revoke["payoutPlan"]["root"].as_str().unwrap(), root, "{revoke}");
    let revoke_hash = revoke["safeTxHash"].as_str().unwrap().to_owned();
    let shown = cli.ok(&["tx", "show", &revoke_hash]);
    assert!(shown.contains(&format!("revokePlan(root {root})")), "{shown}");

    // A tampered copy of the plan file is refused before anything is sent.
    let path = cli.json(&["payout", "status", &root])["planFile"].as_str().unwrap().to_owned();
    let original = std::fs::read_to_string(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&original).unwrap();
    let chunk0 = v["chunks"][0].as_str().unwrap().to_owned();
    let flipped =
        format!("{}{}", &chunk0[..chunk0.len() - 1], if chunk0.ends_with('0') { '1' } else { '0' });
    v["chunks"][0] = serde_json::Value::String(flipped);
    let tampered = cli.file("tampered.json");
    std::fs::write(&tampered, serde_json::to_string(&v).unwrap()).unwrap();
    let tampered = tampered.to_str().unwrap();
    cli.bad(&["payout", "run", tampered, "--private-key", &runner], "changed after it was built");

    // Run it from a non-owner key, then again (nothing left).
    let run = cli.json(&["payout", "run", &root[..10], "--private-key", &runner]);
    assert_eq!(run["complete"], true, "{run}");
    assert_eq!(run["executed"].as_array().unwrap().len() as u64, chunks);
    let again = cli.json(&["payout", "run", &root, "--private-key", &runner]);
    assert!(again["executed"].as_array().unwrap().is_empty());
    assert_eq!(again["doneBefore"], chunks);
    let status = cli.json(&["payout", "status", &root]);
    assert_eq!(status["status"], "completed");
    cli.bad(&["payout", "revoke", &root], "nothing to revoke");
    assert_eq!(status["executed"], chunks);

    // Every recipient holds exactly its amount; the Safe nothing.
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
}

//! Every send is journaled (issue 19): `send`, `safe create`, `contracts deploy` and `payout run` die (abort, as
//! SIGKILL: nothing flushed) at each step of a send — before it (`before-send`), signed and recorded but not
//! broadcast (`after-record`), broadcast before the receipt (`after-send`), mined before the store is written
//! (`after-receipt`) — and the rerun finds the earlier transaction by its recorded hash (or the code at the
//! predicted address) instead of sending a second one. The chain is the witness: the sender's transaction
//! count and every receipt. `payout run` and `send` are also killed on a node that does not mine
//! (`evm_setAutomine false`): the rerun waits for the transaction in the mempool. The fault matrix is
//! `docs/reliability.md`.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::{process::Stdio, time::Duration};

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use coffer_chain::test_utils::{Implementation, TestChain};
use coffer_e2e::{
    Cli, key_hex,
    payouts::{PayoutSafe, erc20_csv, osaka_chain, payout_safe},
    proxy::FaultProxy,
};
use serde_json::{Value, json};

const STEPS: [&str; 4] = ["before-send", "after-record", "after-send", "after-receipt"];
const CRASH: &str = "COFFER_TEST_CRASH_AT";

/// Transactions mined from `who` so far (its account nonce).
async fn sent(chain: &TestChain, who: Address) -> u64 {
    chain.provider().get_transaction_count(who).await.unwrap()
}

/// Its account nonce in the node's pending state (the mempool counted).
async fn sent_pending(chain: &TestChain, who: Address) -> u64 {
    let n: U256 = chain
        .provider()
        .raw_request("eth_getTransactionCount".into(), (who, "pending"))
        .await
        .unwrap();
    n.to::<u64>()
}

async fn balance(chain: &TestChain, who: Address) -> U256 {
    chain.provider().get_balance(who).await.unwrap()
}

async fn rpc(chain: &TestChain, method: &'static str, params: Value) {
    let _: Value = chain.provider().raw_request(method.into(), params).await.unwrap();
}

/// Every transaction `who` sent in blocks `from..`, with its receipt's status.
async fn txs_from(chain: &TestChain, who: Address, from: u64) -> Vec<(B256, bool)> {
    let p = chain.provider();
    let latest = p.get_block_number().await.unwrap();
    let mut out = Vec::new();
    for n in from..=latest {
        let block = p.get_block_by_number(n.into()).full().await.unwrap().unwrap();
        for tx in block.transactions.txns() {
            if tx.inner.signer() == who {
                let hash = *tx.inner.hash();
                let r = p.get_transaction_receipt(hash).await.unwrap().unwrap();
                out.push((hash, r.status()));
            }
        }
    }
    out
}

fn crashed(r: &coffer_e2e::Run, step: &str) {
    assert_ne!(r.code, 0, "{step}: {}", r.stderr);
    assert!(r.stderr.contains("dying here"), "{step}: {}", r.stderr);
}

/// Runs `args` through `proxy` while the node does not mine: once the rerun has asked the node for the
/// recorded transaction (so it found it waiting, not mined), mines a block every 100 ms until it exits.
async fn rerun_while_mining(
    chain: &TestChain,
    cli: &Cli,
    proxy: &FaultProxy,
    args: &[&str],
) -> std::process::Output {
    let url = proxy.url();
    let mut args: Vec<&str> = args.to_vec();
    args.extend(["--rpc-url", &url]);
    let before = proxy.count("eth_getTransactionByHash").0;
    let mut child =
        cli.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut waited = 0;
    while proxy.count("eth_getTransactionByHash").0 == before {
        assert!(waited < 600, "the rerun never looked for the recorded transaction");
        assert!(child.try_wait().unwrap().is_none(), "the rerun ended before looking");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut rounds = 0;
    while child.try_wait().unwrap().is_none() {
        assert!(rounds < 1200, "the rerun did not finish");
        rpc(chain, "evm_mine", json!([])).await;
        rounds += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.wait_with_output().unwrap()
}

/// `coffer send` killed at each step: the rerun resubmits the recorded bytes or finds the mined transfer and
/// refuses to pay twice (exit 2, "--again"); `--again` pays a second time on purpose; on a node that does not
/// mine, the rerun waits for the transfer in the mempool.
#[tokio::test(flavor = "multi_thread")]
async fn send_killed_at_every_step_pays_once() {
    let chain = TestChain::spawn().await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let key = key_hex(chain.signer(9));
    let from = chain.address(9);
    for (i, step) in STEPS.iter().enumerate() {
        let to = Address::with_last_byte(0x40 + u8::try_from(i).unwrap());
        let to_s = to.to_string();
        let args = ["send", "--to", &to_s, "--value", "1000wei", "--private-key", &key];
        let before = sent(&chain, from).await;
        crashed(&cli.run_env(&args, &[(CRASH, step)]), step);
        let broadcast = matches!(*step, "after-send" | "after-receipt");
        // Counted with the mempool: anvil may answer the broadcast before its automine has mined it.
        assert_eq!(sent_pending(&chain, from).await - before, u64::from(broadcast), "{step}");
        let rerun = cli.run(&args);
        match *step {
            "before-send" => {
                assert_eq!(rerun.code, 0, "{step}: {}", rerun.stderr);
                assert!(!rerun.stderr.contains("earlier run"), "{}", rerun.stderr);
            }
            "after-record" => {
                assert_eq!(rerun.code, 0, "{step}: {}", rerun.stderr);
                assert!(
                    rerun.stderr.contains("found the transfer an earlier run sent"),
                    "{}",
                    rerun.stderr
                );
            }
            _ => {
                assert_eq!(rerun.code, 2, "{step}: {}", rerun.stderr);
                assert!(
                    rerun.stderr.contains("already sent by an earlier run")
                        && rerun.stderr.contains("--again"),
                    "{}",
                    rerun.stderr
                );
            }
        }
        assert_eq!(sent(&chain, from).await - before, 1, "{step}: exactly one transfer");
        assert_eq!(balance(&chain, to).await, U256::from(1000), "{step}: paid once");
        // Rerunning a finished transfer is refused as well: the journal entry is kept.
        let again = cli.run(&args);
        assert_eq!(again.code, 2, "{step}: {}", again.stderr);
        assert_eq!(balance(&chain, to).await, U256::from(1000), "{step}: still paid once");
    }

    // --again: a second payment, deliberately.
    let to = Address::with_last_byte(0x40);
    let to_s = to.to_string();
    let r =
        cli.run(&["send", "--to", &to_s, "--value", "1000wei", "--again", "--private-key", &key]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(balance(&chain, to).await, U256::from(2000));
    // Another value is another transfer: no --again needed.
    cli.ok(&["send", "--to", &to_s, "--value", "1001wei", "--private-key", &key]);
    assert_eq!(balance(&chain, to).await, U256::from(3001));

    // A node that does not mine: killed after the broadcast, the transfer waits in the mempool; the rerun
    // waits for it (found by its hash) and sends nothing new.
    let proxy = FaultProxy::start(&chain.endpoint());
    rpc(&chain, "evm_setAutomine", json!([false])).await;
    let to = Address::with_last_byte(0x50);
    let to_s = to.to_string();
    let args = ["send", "--to", &to_s, "--value", "1000wei", "--private-key", &key];
    let before = sent(&chain, from).await;
    crashed(&cli.run_env(&args, &[(CRASH, "after-send")]), "after-send");
    assert_eq!(sent_pending(&chain, from).await, before + 1, "in the mempool");
    let out = rerun_while_mining(&chain, &cli, &proxy, &args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("found the transfer an earlier run sent"), "{stderr}");
    assert_eq!(sent(&chain, from).await, before + 1, "exactly one transfer");
    assert_eq!(sent_pending(&chain, from).await, before + 1, "nothing else waiting");
    assert_eq!(balance(&chain, to).await, U256::from(1000));
}

/// `safe create` killed at each step: the rerun finds the creation an earlier run sent (by its hash, and the
/// code at the predicted address) and reports the Safe; one creation transaction each time.
#[tokio::test(flavor = "multi_thread")]
async fn safe_create_killed_at_every_step_creates_once() {
    let chain = TestChain::spawn().await.unwrap();
    chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let key = key_hex(chain.signer(9));
    let from = chain.address(9);
    let (o1, o2) = (chain.address(1).to_string(), chain.address(2).to_string());
    for (i, step) in STEPS.iter().enumerate() {
        let salt = (100 + i).to_string();
        let base = [
            "safe",
            "create",
            "--owner",
            &o1,
            "--owner",
            &o2,
            "--threshold",
            "2",
            "--salt-nonce",
            &salt,
        ];
        let predicted: Address = cli.ok(&[&base[..], &["--predict"]].concat()).parse().unwrap();
        let args = [&base[..], &["--private-key", &key]].concat();
        let before = sent(&chain, from).await;
        crashed(&cli.run_env(&args, &[(CRASH, step)]), step);
        let broadcast = matches!(*step, "after-send" | "after-receipt");
        // Counted with the mempool: anvil may answer the broadcast before its automine has mined it.
        assert_eq!(sent_pending(&chain, from).await - before, u64::from(broadcast), "{step}");
        let rerun = cli.run(&args);
        assert_eq!(rerun.code, 0, "{step}: {}", rerun.stderr);
        assert_eq!(rerun.stdout.trim().parse::<Address>().unwrap(), predicted, "{step}");
        assert_eq!(
            rerun.stderr.contains("found the creation an earlier run sent"),
            *step != "before-send",
            "{step}: {}",
            rerun.stderr
        );
        assert_eq!(sent(&chain, from).await - before, 1, "{step}: exactly one creation");
        assert!(!chain.provider().get_code_at(predicted).await.unwrap().is_empty());
        // Once it is reported, the journal entry is gone: a third run says the Safe exists, sends nothing.
        let third = cli.run(&args);
        assert_eq!(third.code, 2, "{step}: {}", third.stderr);
        assert!(third.stderr.contains("already exists"), "{}", third.stderr);
        assert_eq!(sent(&chain, from).await - before, 1, "{step}");
    }
}

/// `contracts deploy` killed at each step (at its first deployment): the rerun finds that deployment by its
/// hash and deploys the rest; one transaction per contract, on a fresh chain each time.
#[tokio::test(flavor = "multi_thread")]
async fn contracts_deploy_killed_at_every_step_deploys_once() {
    for step in STEPS {
        let chain = TestChain::spawn().await.unwrap();
        let cli = Cli::new(chain.endpoint());
        let key = key_hex(chain.signer(9));
        let from = chain.address(9);
        let args = ["contracts", "deploy", "--private-key", &key];
        crashed(&cli.run_env(&args, &[(CRASH, step)]), step);
        let broadcast = matches!(step, "after-send" | "after-receipt");
        // Counted with the mempool: anvil may answer the broadcast before its automine has mined it.
        assert_eq!(sent_pending(&chain, from).await, u64::from(broadcast), "{step}");
        let rerun = cli.run(&args);
        assert_eq!(rerun.code, 0, "{step}: {}", rerun.stderr);
        let lines: Vec<&str> = rerun.stdout.lines().collect();
        assert!(lines.len() > 5, "{}", rerun.stdout);
        assert!(lines.iter().all(|l| l.contains("deployed")), "{step}: {}", rerun.stdout);
        let earlier = lines.iter().filter(|l| l.contains("an earlier run sent")).count();
        assert_eq!(earlier, usize::from(step != "before-send"), "{step}: {}", rerun.stdout);
        assert_eq!(
            sent(&chain, from).await,
            lines.len() as u64,
            "{step}: exactly one transaction per contract"
        );
        let txs = txs_from(&chain, from, 0).await;
        assert!(txs.iter().all(|(_, ok)| *ok), "{step}: no reverted deployment: {txs:?}");
    }
}

/// `payout run` killed at each step, on one plan of several chunks: before a chunk's send, after recording it,
/// after its broadcast, after its receipt, and after a broadcast on a node that does not mine. Every rerun
/// finds the chunk an earlier run sent (by its hash; waiting for it in the mempool) instead of sending it
/// again: the runner sends exactly one transaction per chunk, and none reverts (a second send of a chunk
/// would revert on the module's bitmap, `ChunkAlreadyExecuted`, and lose its gas).
#[tokio::test(flavor = "multi_thread")]
async fn payout_run_killed_at_every_step_sends_each_chunk_once() {
    let chain = osaka_chain().await;
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(0));
    let runner = key_hex(chain.signer(9));
    let runner_addr = chain.address(9);
    let PayoutSafe { token, safe, .. } = payout_safe(&cli, &chain, &payer);
    let rows = 2600u64;
    let receivers = (1..=rows).map(|i| {
        (Address::left_padding_from(&(0x00ba_be00_0000_0000 + i).to_be_bytes()), "1".to_owned())
    });
    let file = erc20_csv(&cli, "plan.csv", &token, receivers);
    let total = U256::from(rows) * U256::from(10).pow(U256::from(18));
    cli.mint(&token, &safe, &total.to_string(), &payer);
    let enable = cli.ok(&["payout", "enable-module", &safe, "--private-key", &payer]);
    let sign_and_execute = |hash: &str| {
        for k in [1, 2] {
            cli.ok(&["tx", "sign", hash, "--private-key", &key_hex(chain.signer(k))]);
        }
        cli.ok(&["tx", "execute", hash, "--private-key", &payer]);
    };
    sign_and_execute(&enable);
    let proposed = cli.json(&["payout", "plan", &safe, "--csv", file.to_str().unwrap()]);
    let root = proposed["payoutPlan"]["root"].as_str().unwrap().to_owned();
    let chunks = proposed["payoutPlan"]["chunks"].as_u64().unwrap();
    assert!(chunks >= 4, "{chunks} chunks: the test needs at least 4");
    sign_and_execute(proposed["safeTxHash"].as_str().unwrap());
    let start = chain.provider().get_block_number().await.unwrap();
    let args = ["payout", "run", &root, "--private-key", &runner];

    // Chunk 0: killed before its send, then after recording it (not broadcast): nothing on chain.
    crashed(&cli.run_env(&args, &[(CRASH, "before-send")]), "before-send");
    crashed(&cli.run_env(&args, &[(CRASH, "after-record")]), "after-record");
    assert_eq!(sent(&chain, runner_addr).await, 0);
    // Killed after a broadcast: chunk 0 is found (its recorded bytes resubmitted), chunk 1 sent, then death.
    crashed(&cli.run_env(&args, &[(CRASH, "after-send")]), "after-send");
    assert_eq!(sent(&chain, runner_addr).await, 2, "chunks 0 and 1, each once");
    // Killed after chunk 2's receipt: chunk 1 is done on chain (the bitmap), chunk 2 mined, then death.
    crashed(&cli.run_env(&args, &[(CRASH, "after-receipt")]), "after-receipt");
    assert_eq!(sent(&chain, runner_addr).await, 3, "chunk 2 once");
    assert_eq!(cli.json(&["payout", "status", &root])["executed"], 3);

    // Without automine: killed after chunk 3's broadcast, it waits in the mempool; the rerun finds it there
    // (by its hash), waits for it, and runs the rest.
    let proxy = FaultProxy::start(&chain.endpoint());
    rpc(&chain, "evm_setAutomine", json!([false])).await;
    crashed(&cli.run_env(&args, &[(CRASH, "after-send")]), "after-send");
    assert_eq!(sent(&chain, runner_addr).await, 3, "not mined");
    assert_eq!(sent_pending(&chain, runner_addr).await, 4, "chunk 3 waits in the mempool");
    let out = rerun_while_mining(&chain, &cli, &proxy, &[&args[..], &["--json"]].concat()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["complete"], true, "{report}");
    assert_eq!(report["foundEarlier"], json!([3]), "{report}");
    assert_eq!(report["doneBefore"], 3, "{report}");
    rpc(&chain, "evm_setAutomine", json!([true])).await;

    // The chain: one transaction per chunk from the runner, none reverted; every payout made.
    assert_eq!(sent(&chain, runner_addr).await, chunks, "exactly one transaction per chunk");
    let txs = txs_from(&chain, runner_addr, start).await;
    assert_eq!(txs.len() as u64, chunks, "{txs:?}");
    assert!(txs.iter().all(|(_, ok)| *ok), "no chunk transaction reverted: {txs:?}");
    let status = cli.json(&["payout", "status", &root]);
    assert_eq!(status["status"], "completed", "{status}");
    let left = cli.json(&["balance", "--token", &token, &safe]);
    assert_eq!(left["balances"][0]["balance"], "0", "{left}");
}

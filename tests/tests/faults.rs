//! Money stays safe when things fail (issue 19), through the real binary on a real anvil: the status comes
//! from the chain (executed elsewhere, replaced, reorganised away), two executors race, the reply to a send is
//! lost, the node rate-limits, fails and garbles its answers (a fault-injecting proxy on loopback), and the
//! process dies at each step of `tx execute` (`COFFER_TEST_CRASH_AT`). In every case nothing is sent twice.
//! The fault matrix is `docs/reliability.md`.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::{process::Stdio, time::Duration};

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use coffer_chain::{
    SuiteAddresses,
    test_utils::{Implementation, TestChain},
};
use coffer_e2e::{
    Cli, key_hex,
    proxy::{Fault, FaultProxy, LogRange},
};
use coffer_store::{ProposalStatus, Store};
use serde_json::Value;

/// A 2-of-3 Safe of coffer's suite with 10 ETH, created through the CLI; account 9 pays and executes.
struct World {
    chain: TestChain,
    cli: Cli,
    #[allow(dead_code)]
    suite: SuiteAddresses,
    keys: Vec<String>,
    safe: String,
}

impl World {
    async fn new() -> Self {
        Self::after_blocks(0).await
    }

    /// [`World::new`] on a chain that already has `blocks` blocks before the suite and the Safe.
    async fn after_blocks(blocks: u64) -> Self {
        let chain = TestChain::spawn().await.unwrap();
        if blocks > 0 {
            let _: Value =
                chain.provider().raw_request("anvil_mine".into(), (blocks,)).await.unwrap();
        }
        let suite = chain.deploy_suite(Implementation::Coffer).await.unwrap();
        let cli = Cli::new(chain.endpoint());
        let keys: Vec<String> = (0..10).map(|i| key_hex(chain.signer(i))).collect();
        let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
        let mut args = vec!["safe", "create", "--threshold", "2"];
        for o in &owners {
            args.extend(["--owner", o.as_str()]);
        }
        args.extend(["--private-key", keys[9].as_str()]);
        let safe = cli.ok(&args);
        cli.ok(&["send", "--to", &safe, "--value", "10ether", "--private-key", &keys[9]]);
        Self { chain, cli, suite, keys, safe }
    }

    /// Proposes sending `wei` to 0x…dEaD (at `nonce` if given), signed by owners 1 and 2.
    fn ready(&self, wei: &str, nonce: Option<&str>) -> String {
        let mut args = vec![
            "tx",
            "propose",
            self.safe.as_str(),
            "eth",
            "--to",
            "0x000000000000000000000000000000000000dEaD",
            "--value",
            wei,
        ];
        if let Some(n) = nonce {
            args.extend(["--nonce", n]);
        }
        let h = self.cli.ok(&args);
        for i in [1, 2] {
            self.cli.ok(&["tx", "sign", &h, "--private-key", &self.keys[i]]);
        }
        h
    }

    fn execute_args<'a>(&'a self, hash: &'a str, key: usize) -> Vec<&'a str> {
        vec!["tx", "execute", hash, "--private-key", &self.keys[key]]
    }

    async fn sent_by(&self, i: usize) -> u64 {
        self.chain.provider().get_transaction_count(self.chain.address(i)).await.unwrap()
    }

    async fn safe_nonce(&self) -> U256 {
        coffer_chain::safe_nonce(self.chain.provider(), self.safe.parse::<Address>().unwrap())
            .await
            .unwrap()
    }

    fn store_status(&self, hash: &str) -> ProposalStatus {
        let store = Store::open(self.cli.home()).unwrap();
        store.status(hash.parse::<B256>().unwrap()).unwrap()
    }

    async fn rpc(&self, method: &'static str, params: Value) -> Value {
        self.chain.provider().raw_request(method.into(), params).await.unwrap()
    }
}

/// Executed by another tool, and a rival at the same nonce: `tx show` / `tx list` say so from the chain, the
/// store heals, and rerunning `tx execute` answers "already executed" / "already used", never "propose it
/// again with nonce N".
#[tokio::test(flavor = "multi_thread")]
async fn status_comes_from_the_chain() {
    let w = World::new().await;
    let h = w.ready("1ether", None);
    let rival = w.ready("2ether", Some("0"));
    assert_eq!(w.cli.json(&["tx", "show", &h])["status"]["chain"]["state"], "pending");

    // Another tool executes h (coffer-chain directly, its own store untouched).
    let p = Store::open(w.cli.home()).unwrap().proposal(h.parse().unwrap()).unwrap();
    let sigs = Store::open(w.cli.home()).unwrap().signatures(p.hash).unwrap();
    let request = coffer_chain::ExecutionRequest::new(p.ctx, p.tx.clone(), sigs);
    let report =
        coffer_chain::execute(w.chain.provider(), &request, w.chain.deployer()).await.unwrap();
    assert_eq!(w.store_status(&h), ProposalStatus::Pending, "the CLI's store does not know yet");

    let shown = w.cli.json(&["tx", "show", &h]);
    assert_eq!(shown["status"]["state"], "executed", "{shown}");
    assert_eq!(shown["status"]["txHash"], format!("{:#x}", report.tx_hash), "{shown}");
    assert_eq!(shown["status"]["chain"]["state"], "executed", "{shown}");
    assert!(
        matches!(w.store_status(&h), ProposalStatus::Executed { tx_hash, .. } if tx_hash == report.tx_hash)
    );
    let text = w.cli.ok(&["tx", "show", &h]);
    assert!(text.contains(&format!("executed in {}", report.tx_hash)), "{text}");

    let shown = w.cli.json(&["tx", "show", &rival]);
    assert_eq!(shown["status"]["chain"]["state"], "replaced", "{shown}");
    assert_eq!(shown["status"]["chain"]["bySafeTxHash"], h.as_str(), "{shown}");
    let text = w.cli.ok(&["tx", "show", &rival]);
    assert!(
        text.contains(&format!("replaced: nonce 0 was used by the Safe transaction {h}")),
        "{text}"
    );

    let list = w.cli.json(&["tx", "list", &w.safe, "--all"]);
    let row = |x: &str| {
        list["proposals"].as_array().unwrap().iter().find(|p| p["safeTxHash"] == x).unwrap().clone()
    };
    assert_eq!(row(&h)["state"], "executed", "{list}");
    assert_eq!(row(&rival)["chain"]["state"], "replaced", "{list}");
    let table = w.cli.ok(&["tx", "list", &w.safe, "--all"]);
    assert!(table.contains(&format!("replaced by {h}")), "{table}");

    let before = w.sent_by(9).await;
    for hash in [&h, &rival] {
        let r = w.cli.run(&w.execute_args(hash, 9));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(!r.stderr.contains("propose it again"), "{}", r.stderr);
        assert!(
            r.stderr.contains("Nothing was sent") || r.stderr.contains("nothing was sent"),
            "{}",
            r.stderr
        );
    }
    let r = w.cli.run(&w.execute_args(&h, 9));
    assert!(r.stderr.contains(&format!("already executed in {}", report.tx_hash)), "{}", r.stderr);
    let r = w.cli.run(&w.execute_args(&rival, 9));
    assert!(r.stderr.contains("already used") && r.stderr.contains(&h), "{}", r.stderr);
    assert_eq!(w.sent_by(9).await, before, "nothing was sent");
}

/// `anvil_reorg` removes the block that executed a proposal: `tx show` puts it back to pending (store too),
/// and it can be executed again.
#[tokio::test(flavor = "multi_thread")]
async fn a_reorg_puts_the_proposal_back_to_pending() {
    let w = World::new().await;
    let h = w.ready("1ether", None);
    let tx = w.cli.ok(&w.execute_args(&h, 9));
    assert!(matches!(w.store_status(&h), ProposalStatus::Executed { .. }));
    assert_eq!(w.safe_nonce().await, U256::from(1));
    // Replace the last block (the execution) by an empty one.
    w.rpc("anvil_reorg", serde_json::json!([1, []])).await;
    // anvil may put the dropped transaction back in its pool; clear it so the chain really forgets it.
    let _ =
        w.chain.provider().raw_request::<_, Value>("anvil_dropAllTransactions".into(), ()).await;
    assert_eq!(w.safe_nonce().await, U256::ZERO, "the reorg removed the execution");
    let shown = w.cli.json(&["tx", "show", &h]);
    assert_eq!(shown["status"]["state"], "pending", "{shown}");
    assert_eq!(shown["status"]["chain"]["revertedByReorg"], true, "{shown}");
    assert_eq!(w.store_status(&h), ProposalStatus::Pending);
    let again = w.cli.ok(&w.execute_args(&h, 9));
    assert_ne!(again, tx, "a new execution on the new chain");
    assert_eq!(w.safe_nonce().await, U256::from(1));
}

/// Two executors race on a node that does not mine at once: the loser sees the winner's transaction in the
/// pending state and sends nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_losing_executor_sends_nothing() {
    let w = World::new().await;
    let h = w.ready("1ether", None);
    // The loser is another machine: its own store, a copy of this one (no coffer process has it open).
    let other = Cli::new(w.chain.endpoint());
    std::fs::copy(
        w.cli.home().join(coffer_store::STORE_FILE),
        other.home().join(coffer_store::STORE_FILE),
    )
    .unwrap();
    w.rpc("evm_setAutomine", serde_json::json!([false])).await;
    let winner = w
        .cli
        .command(&w.execute_args(&h, 9))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut waited = 0;
    loop {
        let status = w.rpc("txpool_status", serde_json::json!([])).await;
        if status["pending"] != "0x0" && status["pending"] != 0 {
            break;
        }
        assert!(waited < 300, "the winner never broadcast");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = w.sent_by(8).await;
    let loser = other.run(&w.execute_args(&h, 8));
    assert_ne!(loser.code, 0, "{}", loser.stderr);
    assert!(loser.stderr.contains("mempool"), "{}", loser.stderr);
    assert!(loser.stderr.contains("Nothing was sent"), "{}", loser.stderr);
    let pending_count: U256 = w
        .chain
        .provider()
        .raw_request("eth_getTransactionCount".into(), (w.chain.address(8), "pending"))
        .await
        .unwrap();
    assert_eq!(pending_count, U256::from(before), "the loser sent nothing, not even to the pool");
    w.rpc("evm_mine", serde_json::json!([])).await;
    let out = winner.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // And `tx show` agrees with the chain.
    assert_eq!(w.cli.json(&["tx", "show", &h])["status"]["state"], "executed");
}

/// Every reply to eth_sendRawTransaction is lost (the node executes it): coffer says it may have been sent,
/// and the rerun finds it instead of sending again. When only the first reply is lost, the retry resubmits
/// the same bytes and the command succeeds with exactly one transaction.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_send_reply_is_reported_and_found_again() {
    let w = World::new().await;
    let proxy = FaultProxy::start(&w.chain.endpoint());
    let h = w.ready("1ether", None);
    proxy.add("eth_sendRawTransaction", Fault::DropAfter, 100);
    // The layer's own check (eth_getTransactionByHash) is lost too, so it cannot tell whether the send arrived.
    proxy.add("eth_getTransactionByHash", Fault::DropBefore, 100);
    let before = w.sent_by(9).await;
    let mut args = w.execute_args(&h, 9);
    let url = proxy.url();
    args.extend(["--rpc-url", &url]);
    let r = w.cli.run(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("may have been sent"), "{}", r.stderr);
    assert!(r.stderr.contains("rerun"), "{}", r.stderr);
    assert_eq!(w.sent_by(9).await, before + 1, "the first attempt reached the node");
    let (sends, faulted) = proxy.count("eth_sendRawTransaction");
    assert!(sends >= 1 && sends == faulted, "{sends} {faulted}");
    // The store recorded the signed transaction before the send.
    let store = Store::open(w.cli.home()).unwrap();
    let recorded = store.recorded_sends(&coffer_queue_purpose(&h), w.chain.chain_id()).unwrap();
    assert_eq!(recorded.len(), 1, "one signed transaction, resubmitted as is");
    // The rerun (node reachable) finds it and sends nothing.
    let r = w.cli.run(&w.execute_args(&h, 9));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("already executed in {}", recorded[0].tx_hash)),
        "{}",
        r.stderr
    );
    assert_eq!(w.sent_by(9).await, before + 1, "nothing sent twice");
    assert!(
        matches!(w.store_status(&h), ProposalStatus::Executed { tx_hash, .. } if tx_hash == recorded[0].tx_hash)
    );

    // Only the first reply lost: retried with the same bytes, one transaction, success.
    proxy.clear();
    let h2 = w.ready("1ether", None);
    proxy.add("eth_sendRawTransaction", Fault::DropAfter, 1);
    let before = w.sent_by(9).await;
    let faulted_before = proxy.count("eth_sendRawTransaction").1;
    let mut args = w.execute_args(&h2, 9);
    args.extend(["--rpc-url", &url]);
    let r = w.cli.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(w.sent_by(9).await, before + 1, "one transaction");
    assert_eq!(proxy.count("eth_sendRawTransaction").1, faulted_before + 1, "one lost reply");
    assert!(proxy.count("eth_sendRawTransaction").0 >= faulted_before + 2, "then resubmitted");
}

fn coffer_queue_purpose(h: &str) -> String {
    format!("exec:{}", h.to_lowercase())
}

/// Reads survive 429s, 5xx, dropped connections, delays and broken JSON (retried with backoff); a node that
/// keeps failing ends the command with a clear message and exit 1.
#[tokio::test(flavor = "multi_thread")]
async fn node_faults_are_retried_then_reported() {
    let w = World::new().await;
    let h = w.ready("1ether", None);
    let proxy = FaultProxy::start(&w.chain.endpoint());
    let url = proxy.url();
    proxy.add("eth_chainId", Fault::Status(429), 2);
    proxy.add("eth_call", Fault::Status(502), 2);
    proxy.add("eth_getLogs", Fault::BrokenJson, 1);
    proxy.add("eth_getCode", Fault::DropBefore, 2);
    proxy.add("*", Fault::Delay(Duration::from_millis(300)), 3);
    let shown = w.cli.json(&["tx", "show", &h, "--rpc-url", &url]);
    assert_eq!(shown["approvals"]["executable"], true, "{shown}");
    assert!(proxy.count("eth_chainId").1 >= 2);
    assert!(proxy.count("eth_call").1 >= 2 && proxy.count("eth_getLogs").1 >= 1);

    // Execute through the faults too: the sends go through once.
    proxy.add("eth_estimateGas", Fault::Status(503), 2);
    proxy.add("eth_getTransactionReceipt", Fault::BrokenJson, 2);
    let before = w.sent_by(9).await;
    let mut args = w.execute_args(&h, 9);
    args.extend(["--rpc-url", &url]);
    let r = w.cli.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(w.sent_by(9).await, before + 1);

    // A node that never recovers: a clear error, exit 1, no panic.
    proxy.clear();
    proxy.add("*", Fault::Status(502), 1000);
    let r = w.cli.run(&["tx", "show", &h, "--rpc-url", &url]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("502"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// `tx execute` dies (abort, as SIGKILL: nothing flushed) at each step; the rerun never sends a second
/// execution and the store heals from the chain.
#[tokio::test(flavor = "multi_thread")]
async fn tx_execute_killed_at_every_step() {
    let w = World::new().await;
    for step in ["before-send", "after-record", "after-receipt"] {
        let h = w.ready("1ether", None);
        let before = w.sent_by(9).await;
        let r = w.cli.run_env(&w.execute_args(&h, 9), &[("COFFER_TEST_CRASH_AT", step)]);
        assert_ne!(r.code, 0, "{step}: {}", r.stderr);
        assert!(r.stderr.contains("dying here"), "{step}: {}", r.stderr);
        let sent = w.sent_by(9).await - before;
        assert_eq!(sent, u64::from(step == "after-receipt"), "{step}");
        assert_eq!(w.store_status(&h), ProposalStatus::Pending, "{step}: not recorded yet");
        let rerun = w.cli.run(&w.execute_args(&h, 9));
        match step {
            "after-receipt" => {
                assert_eq!(rerun.code, 2, "{step}: {}", rerun.stderr);
                assert!(rerun.stderr.contains("already executed"), "{}", rerun.stderr);
            }
            "after-record" => {
                assert_eq!(rerun.code, 0, "{step}: {}", rerun.stderr);
                assert!(
                    rerun.stderr.contains("found the execution an earlier run sent"),
                    "{}",
                    rerun.stderr
                );
            }
            _ => assert_eq!(rerun.code, 0, "{step}: {}", rerun.stderr),
        }
        assert_eq!(w.sent_by(9).await - before, 1, "{step}: exactly one execution");
        assert!(matches!(w.store_status(&h), ProposalStatus::Executed { .. }), "{step}");
    }
}

/// A damaged store (pages overwritten): a clear error naming the way out, and `coffer store salvage` copies
/// what can still be read into a new store, each row checked again.
#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_store_has_a_way_out() {
    let w = World::new().await;
    let hashes: Vec<String> = (0..3).map(|i| w.ready(&format!("{}wei", i + 1), None)).collect();
    let file = w.cli.home().join(coffer_store::STORE_FILE);
    // Damage the page that holds the signatures table (its root page; page 1, the schema, stays readable).
    let (root, page_size): (i64, i64) = {
        let conn = rusqlite::Connection::open(&file).unwrap();
        let root = conn
            .query_row("SELECT rootpage FROM sqlite_master WHERE name = 'signatures'", [], |r| {
                r.get(0)
            })
            .unwrap();
        (root, conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap())
    };
    let mut bytes = std::fs::read(&file).unwrap();
    let start = usize::try_from((root - 1) * page_size).unwrap();
    bytes[start..start + usize::try_from(page_size).unwrap()].fill(0x55);
    std::fs::write(&file, &bytes).unwrap();
    let r = w.cli.run(&["tx", "list", &w.safe, "--all"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("is damaged") && r.stderr.contains("coffer store salvage"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);

    let aside = w.cli.file("coffer.sqlite3.damaged");
    std::fs::rename(&file, &aside).unwrap();
    let out = w.cli.json(&["store", "salvage", aside.to_str().unwrap()]);
    let copied = out["proposals"].as_array().unwrap().len();
    let lost = out["lost"].as_array().unwrap().len();
    assert_eq!(copied, 3, "the proposals table is intact: {out}");
    assert!(lost >= 1, "the signatures were on the damaged page: {out}");
    // What was copied reads back and checks (the hashes are recomputed on every read).
    let store = Store::open(w.cli.home()).unwrap();
    for p in store.proposals().unwrap() {
        assert!(hashes.contains(&format!("{:#x}", p.hash)), "an unknown proposal {}", p.hash);
        store.signatures(p.hash).unwrap();
    }
    assert_eq!(store.proposals().unwrap().len(), copied);
    // The store works again.
    w.cli.ok(&["tx", "list", &w.safe, "--all"]);
}

/// `tx sign --execute` dies after its execution is signed and recorded, before the broadcast: the signature is
/// kept, and the rerun (`tx execute` or the relay) sends the recorded bytes, never a second execution.
#[tokio::test(flavor = "multi_thread")]
async fn sign_and_execute_killed_after_recording() {
    let w = World::new().await;
    let h = w.cli.ok(&[
        "tx",
        "propose",
        &w.safe,
        "eth",
        "--to",
        "0x000000000000000000000000000000000000dEaD",
        "--value",
        "1wei",
    ]);
    w.cli.ok(&["tx", "sign", &h, "--private-key", &w.keys[1]]);
    let before = w.sent_by(2).await;
    let r = w.cli.run_env(
        &["tx", "sign", &h, "--execute", "--private-key", &w.keys[2]],
        &[("COFFER_TEST_CRASH_AT", "after-record")],
    );
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("dying here"), "{}", r.stderr);
    assert_eq!(w.sent_by(2).await, before, "nothing broadcast");
    assert_eq!(w.cli.json(&["tx", "show", &h])["approvals"]["valid"], 2, "the signature was kept");
    let rerun = w.cli.run(&["relay", "--safe", &w.safe, "--once", "--private-key", &w.keys[2]]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert_eq!(w.sent_by(2).await, before + 1, "exactly one execution");
    assert!(matches!(w.store_status(&h), ProposalStatus::Executed { .. }));
    let recorded = Store::open(w.cli.home())
        .unwrap()
        .recorded_sends(&coffer_queue_purpose(&h), w.chain.chain_id())
        .unwrap();
    assert!(recorded.is_empty(), "the journal entry is dropped once the execution is recorded");
}

/// Status lookups are bounded: `tx show` and `tx list` read the Safe's execution logs from its creation block
/// (found by binary search on `eth_getCode`, then cached in the store), not from block 0, and a node that
/// refuses `eth_getLogs` over 64 blocks (the fault proxy) gets the range in pages, halved until accepted: the
/// status still comes from the chain, with no "store's status" warning.
#[tokio::test(flavor = "multi_thread")]
async fn status_lookups_start_at_the_safe_and_page_refused_ranges() {
    let w = World::after_blocks(300).await;
    let safe: Address = w.safe.parse().unwrap();
    let h = w.ready("1ether", None);
    // Executed by another tool: only the chain knows.
    let store = Store::open(w.cli.home()).unwrap();
    let p = store.proposal(h.parse().unwrap()).unwrap();
    let request =
        coffer_chain::ExecutionRequest::new(p.ctx, p.tx.clone(), store.signatures(p.hash).unwrap());
    drop(store);
    let report =
        coffer_chain::execute(w.chain.provider(), &request, w.chain.deployer()).await.unwrap();
    w.rpc("anvil_mine", serde_json::json!([200])).await;
    let creation = coffer_chain::sheet::creation_block(w.chain.provider(), safe).await.unwrap();
    assert!(creation >= 300, "the Safe came after the first 300 blocks: {creation}");
    let latest = w.chain.provider().get_block_number().await.unwrap();

    let proxy = FaultProxy::start(&w.chain.endpoint());
    proxy.add("eth_getLogs", Fault::LogRangeLimit(64), usize::MAX);
    let url = proxy.url();
    let r = w.cli.run(&["tx", "show", &h, "--json", "--rpc-url", &url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("could not read the Safe's executions"), "{}", r.stderr);
    let shown: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(shown["status"]["chain"]["state"], "executed", "{shown}");
    assert_eq!(shown["status"]["txHash"], format!("{:#x}", report.tx_hash), "{shown}");

    let ranges = proxy.log_ranges();
    assert!(ranges.iter().any(|g| g.refused), "the whole range was refused first: {ranges:?}");
    assert!(ranges.iter().all(|g| g.from >= creation), "never from block 0: {ranges:?}");
    let mut pages: Vec<LogRange> = ranges.iter().copied().filter(|g| !g.refused).collect();
    assert!(pages.iter().all(|g| g.to - g.from < 64), "{pages:?}");
    pages.sort_by_key(|g| g.from);
    assert_eq!(pages[0].from, creation, "{pages:?}");
    for pair in pages.windows(2) {
        assert_eq!(pair[1].from, pair[0].to + 1, "pages without gaps: {pages:?}");
    }
    assert!(pages.last().unwrap().to >= latest, "{pages:?}");
    // The creation block is cached: found once per Safe.
    let cached =
        Store::open(w.cli.home()).unwrap().safe_creation_block(w.chain.chain_id(), safe).unwrap();
    assert_eq!(cached, Some(creation));

    // `tx list` (from the cache) agrees, through the same limit.
    let list = w.cli.run(&["tx", "list", &w.safe, "--all", "--json", "--rpc-url", &url]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(!list.stderr.contains("could not read"), "{}", list.stderr);
    let list: Value = serde_json::from_str(&list.stdout).unwrap();
    let row = list["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["safeTxHash"] == h.as_str())
        .unwrap();
    assert_eq!(row["state"], "executed", "{list}");
    assert!(proxy.log_ranges().iter().all(|g| g.from >= creation));
}

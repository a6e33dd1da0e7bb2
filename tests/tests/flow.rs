//! The whole lifecycle through the real binary on anvil: create a Safe, propose each kind of
//! transaction, collect signatures online, on chain and through an offline bundle, execute, and
//! check the chain afterwards.

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use coffer_chain::{
    SuiteAddresses,
    test_utils::{Implementation, TestChain},
};
use coffer_contracts::bindings::IERC20;
use coffer_e2e::{Cli, key_hex};
use serde_json::Value;

/// The `--suite` value for an implementation.
fn suite_arg(imp: Implementation) -> &'static str {
    match imp {
        Implementation::Coffer => "coffer",
        _ => "canonical-1.4.1",
    }
}

struct Setup {
    chain: TestChain,
    cli: Cli,
    suite: SuiteAddresses,
    suite_arg: &'static str,
    keys: Vec<String>,
    safe: String,
}

impl Setup {
    async fn new(imp: Implementation) -> Self {
        let chain = TestChain::spawn().await.unwrap();
        let suite = chain.deploy_suite(imp).await.unwrap();
        let cli = Cli::new(chain.endpoint());
        // Account 0 sends TestChain's own transactions (its provider caches nonces), so the CLI
        // sends and pays from account 9.
        let mut keys: Vec<String> = (0..10).map(|i| key_hex(chain.signer(i))).collect();
        keys[0] = keys[9].clone();
        let suite_arg = suite_arg(imp);
        let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
        let mut args = vec!["safe", "create", "--threshold", "2", "--suite", suite_arg];
        for o in &owners {
            args.extend(["--owner", o.as_str()]);
        }
        let mut predict = args.clone();
        predict.push("--predict");
        let predicted = cli.ok(&predict);
        args.extend(["--private-key", keys[0].as_str()]);
        let safe = cli.ok(&args);
        assert_eq!(safe, predicted, "the created Safe is where --predict said");
        Self { chain, cli, suite, suite_arg, keys, safe }
    }

    fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    /// Proposes and returns the safeTxHash printed on stdout.
    fn propose(&self, action: &[&str]) -> String {
        let mut args = vec!["tx", "propose", self.safe.as_str(), "--suite", self.suite_arg];
        args.extend(action);
        let hash = self.cli.ok(&args);
        assert!(hash.starts_with("0x") && hash.len() == 66, "not a hash: {hash}");
        hash
    }

    fn sign(&self, hash: &str, owner: usize) {
        self.cli.ok(&["tx", "sign", hash, "--private-key", self.key(owner)]);
    }

    fn execute(&self, hash: &str) -> String {
        self.cli.ok(&[
            "tx",
            "execute",
            hash,
            "--suite",
            self.suite_arg,
            "--private-key",
            self.key(0),
        ])
    }

    fn info(&self) -> Value {
        self.cli.json(&["safe", "info", &self.safe])
    }

    fn show(&self, hash: &str) -> Value {
        self.cli.json(&["tx", "show", hash])
    }

    async fn token_balance(&self, token: Address, who: Address) -> U256 {
        IERC20::new(token, self.chain.provider()).balanceOf(who).call().await.unwrap()
    }
}

async fn lifecycle(imp: Implementation) {
    let s = Setup::new(imp).await;
    let safe: Address = s.safe.parse().unwrap();
    let info = s.info();
    assert_eq!(info["threshold"], 2);
    assert_eq!(info["owners"].as_array().unwrap().len(), 3);
    assert_eq!(info["nonce"], "0");

    // Fund the Safe with ETH through `coffer send`.
    s.cli.ok(&["send", "--to", &s.safe, "--value", "10ether", "--private-key", s.key(0)]);
    assert_eq!(s.info()["balance"], "10000000000000000000");

    // ETH transfer: owner 1 signs online, owner 2 offline through a bundle.
    let receiver: Address = "0x000000000000000000000000000000000000dEaD".parse().unwrap();
    let before = s.chain.provider().get_balance(receiver).await.unwrap();
    let h = s.propose(&["eth", "--to", &receiver.to_string(), "--value", "1.5ether"]);
    let shown = s.show(&h);
    assert_eq!(shown["safeTxHash"], h.as_str());
    assert_eq!(shown["approvals"]["executable"], false);
    assert_eq!(shown["approvals"]["missing"].as_array().unwrap().len(), 3);
    s.sign(&h, 1);
    let bundle = s.cli.file("eth.bundle.json");
    let bundle_s = bundle.to_str().unwrap();
    s.cli.ok(&["tx", "export", &h, "-o", bundle_s]);
    s.cli.ok(&["tx", "sign", "--bundle", bundle_s, "--private-key", s.key(2)]);
    let imported = s.cli.json(&["tx", "import", bundle_s]);
    assert_eq!(imported["added"].as_array().unwrap().len(), 1);
    assert_eq!(imported["duplicates"].as_array().unwrap().len(), 1);
    let shown = s.show(&h);
    assert_eq!(shown["approvals"]["executable"], true, "{shown}");
    assert_eq!(shown["approvals"]["valid"], 2);
    let text = s.cli.ok(&["tx", "show", &h]);
    assert!(text.contains("domain hash") && text.contains("message hash"), "{text}");
    s.execute(&h);
    let after = s.chain.provider().get_balance(receiver).await.unwrap();
    assert_eq!(after - before, U256::from(1_500_000_000_000_000_000u128));
    assert_eq!(s.show(&h)["status"]["state"], "executed");

    // ERC-20 transfer (npm ERC20Token: 18 decimals, 0.001 tokens in all), decimals read on chain; owner 1 approves on chain, owner 3 signs.
    let token = s.chain.deploy_test_token().await.unwrap();
    let supply = s.token_balance(token, s.chain.deployer()).await;
    s.chain.transfer_token(token, safe, supply / U256::from(2)).await.unwrap();
    let to: Address = "0x00000000000000000000000000000000000bEEF1".parse().unwrap();
    let h = s.propose(&[
        "erc20",
        "--token",
        &token.to_string(),
        "--to",
        &to.to_string(),
        "--amount",
        "0.000100000000000025",
    ]);
    s.cli.ok(&["tx", "approve", &h, "--private-key", s.key(1)]);
    s.sign(&h, 3);
    s.execute(&h);
    assert_eq!(s.token_balance(token, to).await, U256::from(100_000_000_000_025u128));

    // A call with --sig and arguments, executed with the executor's own approval missing: two
    // owners sign.
    let to2: Address = "0x00000000000000000000000000000000000bEEF2".parse().unwrap();
    let h = s.propose(&[
        "call",
        "--to",
        &token.to_string(),
        "--sig",
        "transfer(address,uint256)",
        &to2.to_string(),
        "42",
        "--label",
        "options after the call's arguments are options",
    ]);
    assert_eq!(s.show(&h)["label"], "options after the call's arguments are options");
    // The same for `coffer send --sig … ARGS --private-key …`.
    s.cli.ok(&[
        "send",
        "--to",
        &token.to_string(),
        "--sig",
        "approve(address,uint256)",
        &s.safe,
        "5",
        "--private-key",
        s.key(0),
    ]);
    s.sign(&h, 2);
    s.sign(&h, 3);
    s.execute(&h);
    assert_eq!(s.token_balance(token, to2).await, U256::from(42));

    // Owner management: add (threshold 3), swap, remove (threshold back to 2), threshold.
    let new_owner = s.chain.address(4).to_string().to_lowercase();
    let h = s.propose(&["owners", "add", &new_owner, "--threshold", "3"]);
    let shown = s.show(&h);
    assert!(shown["risks"].as_array().unwrap().iter().any(|r| r == "OWNER CHANGE"), "{shown}");
    s.sign(&h, 1);
    s.sign(&h, 2);
    s.execute(&h);
    let info = s.info();
    assert_eq!(info["threshold"], 3);
    assert_eq!(info["owners"][0], new_owner.as_str(), "an added owner goes first");

    let replacement = s.chain.address(5).to_string().to_lowercase();
    let h = s.propose(&["owners", "swap", &s.chain.address(3).to_string(), &replacement]);
    for o in [1, 2, 4] {
        s.sign(&h, o);
    }
    s.execute(&h);
    let owners = s.info()["owners"].clone();
    assert!(owners.as_array().unwrap().iter().any(|o| o == replacement.as_str()), "{owners}");

    let h = s.propose(&["owners", "remove", &new_owner, "--threshold", "2"]);
    for o in [1, 2, 5] {
        s.sign(&h, o);
    }
    s.execute(&h);
    let info = s.info();
    assert_eq!(info["threshold"], 2);
    assert_eq!(info["owners"].as_array().unwrap().len(), 3);

    let h = s.propose(&["owners", "threshold", "1"]);
    s.sign(&h, 1);
    s.sign(&h, 2);
    s.execute(&h);
    assert_eq!(s.info()["threshold"], 1);

    // Modules, guard and fallback handler (threshold 1 now: owner 1 alone).
    let module = s.chain.address(6).to_string().to_lowercase();
    let h = s.propose(&["modules", "enable", &module]);
    s.sign(&h, 1);
    s.execute(&h);
    assert_eq!(s.info()["modules"][0], module.as_str());
    let h = s.propose(&["modules", "disable", &module]);
    s.sign(&h, 1);
    s.execute(&h);
    assert_eq!(s.info()["modules"].as_array().unwrap().len(), 0);

    let guard = s.chain.deploy_test_guard().await.unwrap().to_string().to_lowercase();
    let h = s.propose(&["guard", "set", &guard]);
    s.sign(&h, 1);
    s.execute(&h);
    assert_eq!(s.info()["guard"], guard.as_str());
    let h = s.propose(&["guard", "clear"]);
    s.sign(&h, 1);
    s.execute(&h);
    assert_eq!(s.info()["guard"], format!("{:#x}", Address::ZERO));

    let handler = s.suite.fallback_handler.to_string().to_lowercase();
    let h = s.propose(&["fallback-handler", "set", &Address::ZERO.to_string()]);
    s.sign(&h, 1);
    s.execute(&h);
    assert_eq!(s.info()["fallbackHandler"], format!("{:#x}", Address::ZERO));
    let h = s.propose(&["fallback-handler", "set", &handler]);
    s.sign(&h, 1);
    s.execute(&h);
    assert_eq!(s.info()["fallbackHandler"], handler.as_str());

    // A raw delegatecall to the known MultiSendCallOnly is allowed with the flag.
    let h = s.propose(&[
        "raw",
        "--to",
        &s.suite.multi_send_call_only.to_string(),
        "--data",
        "0x8d80ff0a00000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000000",
        "--operation",
        "delegatecall",
        "--allow-delegatecall",
    ]);
    let shown = s.show(&h);
    assert!(shown["risks"].as_array().unwrap().iter().any(|r| r == "DELEGATECALL"), "{shown}");
    s.sign(&h, 1);
    s.execute(&h);

    // The queue: two proposals at the same nonce are a conflict; executing one voids the other.
    let a = s.propose(&["eth", "--to", &receiver.to_string(), "--value", "1wei"]);
    let nonce = s.show(&a)["tx"]["nonce"].as_str().unwrap().to_owned();
    let b =
        s.propose(&["eth", "--to", &receiver.to_string(), "--value", "2wei", "--nonce", &nonce]);
    let c = s.propose(&["eth", "--to", &receiver.to_string(), "--value", "3wei"]);
    let r = s.cli.ok(&["tx", "reject", &s.safe, &nonce]);
    assert_eq!(s.show(&r)["tx"]["to"], s.safe.to_lowercase());
    let list = s.cli.json(&["tx", "list", &s.safe]);
    let props = list["proposals"].as_array().unwrap();
    assert_eq!(props.len(), 4, "{list}");
    assert_eq!(props.iter().filter(|p| p["conflict"] == true).count(), 3, "{list}");
    let table = s.cli.ok(&["tx", "list", &s.safe]);
    assert!(table.contains("CONFLICT") && table.contains("reject nonce"), "{table}");
    s.sign(&c, 1);
    let out = s.cli.run(&["tx", "execute", &c, "--suite", s.suite_arg, "--private-key", s.key(0)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("must execute first") && out.stderr.contains(&a), "{}", out.stderr);
    // The rejection wins the nonce: the other two at that nonce become void.
    s.sign(&r, 1);
    s.execute(&r);
    let out = s.cli.run(&["tx", "sign", &a, "--private-key", s.key(1)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("already used"), "{}", out.stderr);
    let out = s.cli.run(&["tx", "execute", &a, "--suite", s.suite_arg, "--private-key", s.key(0)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("already used"), "{}", out.stderr);
    s.execute(&c);
    let list = s.cli.json(&["tx", "list", &s.safe]);
    assert_eq!(list["proposals"].as_array().unwrap().len(), 0, "{list}");
    let list = s.cli.json(&["tx", "list", &s.safe, "--all"]);
    let state_of = |h: &str| {
        list["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["safeTxHash"] == h)
            .map(|p| p["state"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(state_of(&a), "nonce used", "{list}");
    assert_eq!(state_of(&b), "nonce used", "{list}");
    assert_eq!(state_of(&r), "executed", "{list}");
    assert_eq!(state_of(&c), "executed", "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_canonical_141() {
    lifecycle(Implementation::Canonical141).await;
}

/// The demo's job on canonical Safe 1.4.1: a 200-row CSV payout, owner 1 signing online and owner 2
/// signing an exported bundle with no RPC reachable, then import, execute, and every receiver paid.
#[tokio::test(flavor = "multi_thread")]
async fn payout_200_rows_with_an_offline_cosigner() {
    let s = Setup::new(Implementation::Canonical141).await;
    let safe: Address = s.safe.parse().unwrap();
    let token = s.chain.deploy_test_token().await.unwrap();
    let supply = s.token_balance(token, s.chain.deployer()).await;
    s.chain.transfer_token(token, safe, supply).await.unwrap();

    // The npm ERC20Token has 0.001 tokens in all: pay 1e-12 .. 200e-12 tokens.
    let mut csv = String::from("token_type,token_address,receiver,amount,id\n");
    let receivers: Vec<Address> = (1..=200u64)
        .map(|i| Address::left_padding_from(&(0x00c0_ffee_0000 + i).to_be_bytes()))
        .collect();
    for (i, r) in receivers.iter().enumerate() {
        csv.push_str(&format!("erc20,{token},{r},0.{:0>12},\n", i + 1));
    }
    let file = s.cli.file("payouts.csv");
    std::fs::write(&file, csv).unwrap();
    let h = s.propose(&["batch", "--csv", file.to_str().unwrap()]);
    let shown = s.show(&h);
    assert_eq!(shown["batch"]["rows"].as_array().unwrap().len(), 200);
    assert_eq!(shown["tx"]["to"], format!("{:#x}", s.suite.multi_send_call_only));
    assert_eq!(shown["tx"]["operation"], 1);

    s.sign(&h, 1);
    let bundle = s.cli.file("payout.bundle.json");
    let bundle_s = bundle.to_str().unwrap();
    s.cli.ok(&["tx", "export", &h, "-o", bundle_s]);
    // Offline: an RPC URL where nothing listens and an empty data directory.
    let offline = s.cli.run(&[
        "tx",
        "sign",
        "--bundle",
        bundle_s,
        "--private-key",
        s.key(2),
        "--rpc-url",
        "http://127.0.0.1:9",
        "--data-dir",
        s.cli.file("air-gapped").to_str().unwrap(),
    ]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert!(offline.stderr.contains("Domain hash"), "the preview comes first:\n{}", offline.stderr);
    s.cli.ok(&["tx", "import", bundle_s]);
    s.execute(&h);

    let mut args = vec!["balance".to_owned(), "--token".to_owned(), token.to_string()];
    args.extend(receivers.iter().map(ToString::to_string));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let balances = s.cli.json(&args);
    for (i, b) in balances["balances"].as_array().unwrap().iter().enumerate() {
        assert_eq!(b["balance"], ((i as u64 + 1) * 1_000_000).to_string(), "receiver {i}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_coffer() {
    lifecycle(Implementation::Coffer).await;
}

/// Several `coffer` processes writing to one store at once: every proposal and signature lands.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_processes_share_the_store() {
    let s = Setup::new(Implementation::Canonical141).await;
    let children: Vec<_> = (0..6u64)
        .map(|n| {
            let nonce = n.to_string();
            let args = [
                "tx",
                "propose",
                s.safe.as_str(),
                "--suite",
                s.suite_arg,
                "--nonce",
                nonce.as_str(),
                "eth",
                "--to",
                "0x000000000000000000000000000000000000dEaD",
                "--value",
                "1wei",
            ];
            let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
            (args, &s.cli)
        })
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = children
            .iter()
            .map(|(args, cli)| {
                scope.spawn(move || {
                    let a: Vec<&str> = args.iter().map(String::as_str).collect();
                    cli.run(&a)
                })
            })
            .collect();
        for h in handles {
            let r = h.join().unwrap();
            assert_eq!(r.code, 0, "{}", r.stderr);
        }
    });
    let list = s.cli.json(&["tx", "list", &s.safe]);
    assert_eq!(list["proposals"].as_array().unwrap().len(), 6, "{list}");
    // Now sign all six at once, two owners each, from twelve processes.
    let hashes: Vec<String> = list["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["safeTxHash"].as_str().unwrap().to_owned())
        .collect();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for h in &hashes {
            for owner in [1usize, 2] {
                let key = s.key(owner).to_owned();
                let cli = &s.cli;
                handles
                    .push(scope.spawn(move || cli.run(&["tx", "sign", h, "--private-key", &key])));
            }
        }
        for h in handles {
            let r = h.join().unwrap();
            assert_eq!(r.code, 0, "{}", r.stderr);
        }
    });
    for h in &hashes {
        assert_eq!(s.show(h)["approvals"]["valid"], 2, "{h}");
    }
}

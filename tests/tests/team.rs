//! coffer's Transaction Service client against a real `coffer serve` (SQLite) on anvil, through
//! the real binary, with each user in a separate data directory:
//!
//! - one owner proposes through the service (with the proposer's signature), another sees the
//!   proposal with `tx list` / `tx show` (known only to the service) and signs through it, and a
//!   relay in a third directory, watching the service, executes within seconds, in nonce order,
//!   after skipping and reporting a transaction whose simulation fails; SIGTERM stops it;
//! - `tx sign --execute` through the service;
//! - a second owner who signs offline (sync, export, `tx sign --bundle` without a node, import
//!   publishing the signature) and a fresh machine that executes from the service alone;
//! - nothing from the service is trusted: a transaction edited in the server's database is
//!   refused by its hash and nothing is stored; a confirmation re-attributed to another owner is
//!   refused by that owner's name and not stored, while the proposal is;
//! - a 4xx from the service shows the service's own message, with exit code 2;
//! - a payout batch proposed with `--tx-service` is published with the proposer's signature, one proposal
//!   per chunk.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use coffer_chain::{
    safe_nonce,
    test_utils::{Implementation, TestChain},
};
use coffer_e2e::{Cli, key_hex, serve::Serve};

struct Team {
    chain: TestChain,
    serve: Serve,
    db: std::path::PathBuf,
    _db_dir: tempfile::TempDir,
    /// Owner 1's machine.
    alice: Cli,
    /// Owner 2's machine.
    bob: Cli,
    /// The relay's machine.
    relay: Cli,
    keys: Vec<String>,
    safe: String,
    safe_address: Address,
}

async fn team() -> Team {
    let chain = TestChain::spawn().await.unwrap();
    chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let db_dir = tempfile::tempdir().unwrap();
    let db = db_dir.path().join("service.sqlite3");
    let serve = Serve::start(&chain.endpoint(), &format!("sqlite:{}", db.display()), &[]);
    let alice = Cli::new(chain.endpoint());
    let bob = Cli::new(chain.endpoint());
    let relay = Cli::new(chain.endpoint());
    let keys: Vec<String> = (0..10).map(|i| key_hex(chain.signer(i))).collect();
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let owners: Vec<&str> = owners.iter().map(String::as_str).collect();
    let safe = alice.create_safe(&owners, 2, &keys[9]);
    alice.ok(&["send", "--to", &safe, "--value", "1ether", "--private-key", &keys[9]]);
    let safe_address = safe.parse().unwrap();
    Team { chain, serve, db, _db_dir: db_dir, alice, bob, relay, keys, safe, safe_address }
}

impl Team {
    fn svc(&self) -> String {
        self.serve.api()
    }

    /// Owner `owner` proposes `value` to `to` through the service from `cli`.
    fn propose(&self, cli: &Cli, owner: usize, to: &str, value: &str, extra: &[&str]) -> String {
        let svc = self.svc();
        let mut args = vec![
            "tx",
            "propose",
            self.safe.as_str(),
            "--tx-service",
            svc.as_str(),
            "--private-key",
            self.keys[owner].as_str(),
        ];
        args.extend(extra);
        args.extend(["eth", "--to", to, "--value", value]);
        cli.ok(&args)
    }

    async fn nonce(&self) -> U256 {
        safe_nonce(self.chain.provider(), self.safe_address).await.unwrap()
    }

    /// Bob finds `hash` on the service with owner 1's signature only, then signs it with owner 2's key and
    /// executes it (`tx sign --execute`).
    fn bob_signs_owner_1s_proposal_and_executes(&self, hash: &str) {
        let svc = self.svc();
        let shown = self.bob.json(&["tx", "show", hash, "--tx-service", &svc]);
        let sigs = shown["signatures"].as_array().unwrap();
        assert_eq!(sigs.len(), 1, "{shown}");
        assert_eq!(
            sigs[0]["owner"].as_str().unwrap().parse::<Address>().unwrap(),
            self.chain.address(1)
        );
        let signed = self.bob.json(&[
            "tx",
            "sign",
            hash,
            "--tx-service",
            &svc,
            "--execute",
            "--private-key",
            &self.keys[2],
        ]);
        assert_eq!(signed["execution"]["executed"], true, "{signed}");
    }

    fn sql(&self, statement: &str) {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        conn.execute_batch(statement).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_sign_through_the_service_and_the_relay_executes_within_seconds() {
    let t = team().await;
    let svc = t.svc();

    // A relay on a third machine watches the service (its own store is empty).
    let mut relay = t
        .relay
        .command(&[
            "relay",
            "--safe",
            &t.safe,
            "--tx-service",
            &svc,
            "--interval",
            "0.2",
            "--json",
            "--private-key",
            &t.keys[9],
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Alice proposes: nonce 0 fails in simulation (2 ETH from a Safe holding 1), then a
    // replacement for nonce 0, then nonce 1.
    let failing =
        t.propose(&t.alice, 1, "0x00000000000000000000000000000000000000f0", "2ether", &[]);
    let good = t.propose(
        &t.alice,
        1,
        "0x00000000000000000000000000000000000000e2",
        "7wei",
        &["--nonce", "0"],
    );
    let next = t.propose(
        &t.alice,
        1,
        "0x00000000000000000000000000000000000000e3",
        "5wei",
        &["--nonce", "1"],
    );

    // Bob has never seen them: `tx list` and `tx show` read them from the service, verified.
    let list = t.bob.json(&["tx", "list", &t.safe, "--tx-service", &svc]);
    let listed: Vec<&str> = list["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["safeTxHash"].as_str().unwrap())
        .collect();
    for h in [&failing, &good, &next] {
        assert!(listed.contains(&h.as_str()), "{h} not listed: {list}");
    }
    let shown = t.bob.json(&["tx", "show", &next, "--tx-service", &svc]);
    assert_eq!(shown["signatures"].as_array().unwrap().len(), 1, "{shown}");
    let signer = shown["signatures"][0]["owner"].as_str().unwrap().parse::<Address>().unwrap();
    assert_eq!(signer, t.chain.address(1));
    assert_eq!(t.nonce().await, U256::ZERO);

    // Bob signs all three through the service; the relay executes within seconds.
    let signed_at = Instant::now();
    for h in [&failing, &good, &next] {
        t.bob.ok(&["tx", "sign", h, "--tx-service", &svc, "--private-key", &t.keys[2]]);
    }
    while t.nonce().await < U256::from(2) {
        assert!(
            signed_at.elapsed() < Duration::from_secs(20),
            "the relay did not execute within 20 s of the second signature"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("the relay executed both {:?} after the last signature", signed_at.elapsed());

    let _ = std::process::Command::new("kill").args(["-TERM", &relay.id().to_string()]).status();
    let started = Instant::now();
    while relay.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(10), "the relay ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = relay.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(&format!("skipped nonce 0 ({failing})")), "{stderr}");
    assert!(stderr.contains("simulation"), "{stderr}");
    assert!(stderr.contains("all verified"), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let executed: Vec<&str> = summary["executed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["safeTxHash"].as_str().unwrap())
        .collect();
    assert_eq!(executed, vec![good.as_str(), next.as_str()], "{summary}");
    let provider = t.chain.provider();
    assert_eq!(
        provider
            .get_balance("0x00000000000000000000000000000000000000e3".parse().unwrap())
            .await
            .unwrap(),
        U256::from(5)
    );

    // `tx sign --execute` through the service: Alice proposes nonce 2, Bob signs and sends.
    let third = t.propose(&t.alice, 1, "0x00000000000000000000000000000000000000e4", "9wei", &[]);
    let signed = t.bob.json(&[
        "tx",
        "sign",
        &third,
        "--tx-service",
        &svc,
        "--execute",
        "--private-key",
        &t.keys[2],
    ]);
    assert_eq!(signed["execution"]["executed"], true, "{signed}");
    assert_eq!(t.nonce().await, U256::from(3));

    // `tx execute` on a transaction the executor's machine knows only from the service.
    let fourth = t.propose(&t.alice, 1, "0x00000000000000000000000000000000000000e6", "4wei", &[]);
    t.bob.ok(&["tx", "sign", &fourth, "--tx-service", &svc, "--private-key", &t.keys[2]]);
    let third_machine = Cli::new(t.chain.endpoint());
    let done = third_machine.json(&[
        "tx",
        "execute",
        &fourth,
        "--tx-service",
        &svc,
        "--private-key",
        &t.keys[9],
    ]);
    assert_eq!(done["success"], true, "{done}");
    assert_eq!(t.nonce().await, U256::from(4));

    // Coordination only through the service, with the second owner offline: Alice proposes; Bob
    // pulls the queue into his store, exports a bundle and signs it on a machine with no node
    // (`tx sign --bundle`, the same offline path a Ledger signs on); back online he imports it,
    // which publishes his signature; a fresh machine executes what it knows only from the service.
    let fifth = t.propose(&t.alice, 1, "0x00000000000000000000000000000000000000e7", "3wei", &[]);
    t.bob.ok(&["tx", "sync", &t.safe, "--tx-service", &svc]);
    let bundle = t.bob.file("fifth.bundle.json");
    let bundle_s = bundle.to_str().unwrap();
    t.bob.ok(&["tx", "export", &fifth, "-o", bundle_s]);
    let offline = Cli::new("http://127.0.0.1:9");
    offline.ok(&["tx", "sign", "--bundle", bundle_s, "--private-key", &t.keys[2]]);
    t.bob.ok(&["tx", "import", bundle_s, "--tx-service", &svc]);
    let executor = Cli::new(t.chain.endpoint());
    let shown = executor.json(&["tx", "show", &fifth, "--tx-service", &svc]);
    assert_eq!(shown["signatures"].as_array().unwrap().len(), 2, "{shown}");
    let done = executor.json(&[
        "tx",
        "execute",
        &fifth,
        "--tx-service",
        &svc,
        "--private-key",
        &t.keys[9],
    ]);
    assert_eq!(done["success"], true, "{done}");
    assert_eq!(t.nonce().await, U256::from(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_service_says_is_verified_before_it_is_stored() {
    let t = team().await;
    let svc = t.svc();
    let hash = t.propose(&t.alice, 1, "0x00000000000000000000000000000000000000e5", "3wei", &[]);

    // The server's database is edited: the value no longer matches the safeTxHash.
    t.sql(&format!("UPDATE multisig_tx SET value = '3000' WHERE safe_tx_hash = '{hash}'"));
    let r = t.bob.run(&["tx", "sync", &t.safe, "--tx-service", &svc, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["newProposals"].as_array().unwrap().len(), 0, "{report}");
    let refused = report["refused"][0].as_str().unwrap();
    assert!(refused.contains(&hash) && refused.contains("safeTxHash mismatch"), "{refused}");
    assert!(r.stderr.contains("safeTxHash mismatch"), "{}", r.stderr);
    assert_eq!(t.bob.snapshot(), "", "nothing was stored");

    // Value restored, but Alice's confirmation is re-attributed to owner 3.
    t.sql(&format!("UPDATE multisig_tx SET value = '3' WHERE safe_tx_hash = '{hash}'"));
    let owner3 = t.chain.address(3).to_checksum(None);
    t.sql(&format!("UPDATE confirmation SET owner = '{owner3}' WHERE safe_tx_hash = '{hash}'"));
    let report = t.bob.json(&["tx", "sync", &t.safe, "--tx-service", &svc]);
    assert_eq!(report["newProposals"][0], hash.as_str(), "{report}");
    assert_eq!(report["signaturesAdded"], 0, "{report}");
    let refused = report["refused"][0].as_str().unwrap();
    assert!(refused.contains(&owner3) && refused.contains("recovers to"), "{refused}");
    let shown = t.bob.json(&["tx", "show", &hash]);
    assert_eq!(shown["signatures"].as_array().unwrap().len(), 0, "{shown}");

    // A refusal by the service is shown in its own words, as bad input (exit 2): a second
    // server requires an API token; the key is sent as `Authorization: Bearer`.
    let db2 = tempfile::tempdir().unwrap();
    let guarded = Serve::start(
        &t.chain.endpoint(),
        &format!("sqlite:{}", db2.path().join("s.sqlite3").display()),
        &["--api-token", "team-secret"],
    );
    let r = t.bob.run(&["tx", "sync", &t.safe, "--tx-service", &guarded.api()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("answered 401")
            && r.stderr.contains("Authentication credentials were not provided."),
        "{}",
        r.stderr
    );
    let r = t.bob.run(&[
        "tx",
        "sync",
        &t.safe,
        "--tx-service",
        &guarded.api(),
        "--tx-service-key",
        "wrong",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("Invalid token."), "{}", r.stderr);
    let report = t.bob.json(&[
        "tx",
        "sync",
        &t.safe,
        "--tx-service",
        &guarded.url(),
        "--tx-service-key",
        "team-secret",
    ]);
    assert_eq!(report["seen"], 0, "{report}");

    // A service that is not there: a clear failure naming the URL (exit 1).
    let r = t.bob.run(&["tx", "sync", &t.safe, "--tx-service", "http://127.0.0.1:9"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot reach the Transaction Service at http://127.0.0.1:9/api"),
        "{}",
        r.stderr
    );

    // No service configured: tx sync says what to pass (exit 2).
    t.bob.bad(&["tx", "sync", &t.safe], "--tx-service");
}

/// `tx propose … batch --tx-service`: the chunk goes through the same path as any proposal (the signing gate,
/// the local store), is signed by the proposer and published; the other owner, who has never seen it, finds it
/// on the service with that signature, signs and executes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_proposed_through_the_service() {
    let t = team().await;
    let svc = t.svc();
    let (one, two) = (
        "0x00000000000000000000000000000000000000e8",
        "0x00000000000000000000000000000000000000e9",
    );
    let csv = t.alice.file("payouts.csv");
    std::fs::write(
        &csv,
        format!("token_type,token_address,receiver,amount,id\nnative,,{one},0.001,\nnative,,{two},0.002,\n"),
    )
    .unwrap();
    let out = t.alice.ok(&[
        "tx",
        "propose",
        &t.safe,
        "--tx-service",
        &svc,
        "--private-key",
        &t.keys[1],
        "--json",
        "batch",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    let proposals = out["proposals"].as_array().unwrap();
    assert_eq!(proposals.len(), 1, "{out}");
    let hash = proposals[0]["safeTxHash"].as_str().unwrap().to_owned();

    t.bob_signs_owner_1s_proposal_and_executes(&hash);
    let provider = t.chain.provider();
    for (to, wei) in [(one, 1_000_000_000_000_000u64), (two, 2_000_000_000_000_000)] {
        assert_eq!(provider.get_balance(to.parse().unwrap()).await.unwrap(), U256::from(wei));
    }
}

/// The module commands share `tx propose`'s options and path (`SafeTxArgs`): `guard allowlist
/// install --tx-service` deploys the guard, proposes installing it with `--label` and `--nonce`,
/// and publishes the proposer's signature; the other owner finds it on the service, signs and
/// executes it. A proposer who is not an owner is refused before anything is deployed or stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_command_proposes_through_the_service() {
    let t = team().await;
    let svc = t.svc();
    let provider = t.chain.provider();
    let stranger = t.chain.address(5);
    let before = provider.get_transaction_count(stranger).await.unwrap();
    t.alice.bad(
        &[
            "guard",
            "allowlist",
            "install",
            "--safe",
            &t.safe,
            "--tx-service",
            &svc,
            "--private-key",
            &t.keys[5],
        ],
        "is not an owner",
    );
    assert_eq!(
        provider.get_transaction_count(stranger).await.unwrap(),
        before,
        "something was sent"
    );

    let out = t.alice.json(&[
        "guard",
        "allowlist",
        "install",
        "--safe",
        &t.safe,
        "--tx-service",
        &svc,
        "--private-key",
        &t.keys[1],
        "--label",
        "install the team's guard",
        "--nonce",
        "0",
    ]);
    let hash = out["safeTxHash"].as_str().unwrap().to_owned();
    assert_eq!(out["label"], "install the team's guard");
    assert_eq!(out["tx"]["nonce"], "0");
    t.bob_signs_owner_1s_proposal_and_executes(&hash);
    let guard: Address = out["guard"].as_str().unwrap().parse().unwrap();
    let info = coffer_chain::read_safe(provider, t.safe_address).await.unwrap();
    assert_eq!(info.guard, guard);
}

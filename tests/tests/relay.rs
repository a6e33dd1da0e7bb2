//! `tx sign --execute` and `coffer relay` through the real binary on anvil, with the local
//! store as the queue: execution right after the signature that reaches the threshold, the relay
//! executing within seconds of the second signature, a failing simulation skipped and reported,
//! and a clean stop on SIGTERM.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::{
    process::{Child, Stdio},
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
use coffer_e2e::{Cli, key_hex};

struct Setup {
    chain: TestChain,
    cli: Cli,
    keys: Vec<String>,
    safe: String,
    safe_address: Address,
}

/// A 2-of-3 Safe (owners: dev accounts 1..=3) on coffer's suite, holding 1 ETH. The CLI pays
/// from account 9 (TestChain's provider sends from account 0 and caches its nonces).
async fn setup() -> Setup {
    let chain = TestChain::spawn().await.unwrap();
    chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let keys: Vec<String> = (0..10).map(|i| key_hex(chain.signer(i))).collect();
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let owners: Vec<&str> = owners.iter().map(String::as_str).collect();
    let safe = cli.create_safe(&owners, 2, &keys[9]);
    cli.ok(&["send", "--to", &safe, "--value", "1ether", "--private-key", &keys[9]]);
    let safe_address = safe.parse().unwrap();
    Setup { chain, cli, keys, safe, safe_address }
}

impl Setup {
    fn propose_eth(&self, to: &str, value: &str, extra: &[&str]) -> String {
        let mut args = vec!["tx", "propose", self.safe.as_str()];
        args.extend(extra);
        args.extend(["eth", "--to", to, "--value", value]);
        self.cli.ok(&args)
    }

    async fn nonce(&self) -> U256 {
        safe_nonce(self.chain.provider(), self.safe_address).await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_execute_sends_right_after_the_threshold() {
    let s = setup().await;
    let to = "0x00000000000000000000000000000000000000e1";
    let hash = s.propose_eth(to, "1000wei", &[]);

    // The first signature of two: signed and stored, not executed.
    let first = s.cli.json(&["tx", "sign", &hash, "--execute", "--private-key", &s.keys[1]]);
    assert_eq!(first["execution"]["executed"], false, "{first}");
    assert!(first["execution"]["reason"].as_str().unwrap().contains("1 of 2"), "{first}");
    assert_eq!(s.nonce().await, U256::ZERO);

    // The second reaches the threshold: executed from the signer's own key.
    let second = s.cli.json(&["tx", "sign", &hash, "--execute", "--private-key", &s.keys[2]]);
    assert_eq!(second["execution"]["executed"], true, "{second}");
    assert_eq!(s.nonce().await, U256::from(1));
    let balance = s.chain.provider().get_balance(to.parse().unwrap()).await.unwrap();
    assert_eq!(balance, U256::from(1000));
    let shown = s.cli.json(&["tx", "show", &hash]);
    assert_eq!(shown["status"]["state"], "executed", "{shown}");
    assert_eq!(shown["status"]["txHash"], second["execution"]["txHash"]);
}

fn spawn_relay(s: &Setup, extra: &[&str]) -> Child {
    let mut args = vec!["relay", "--safe", s.safe.as_str(), "--interval", "0.2", "--json"];
    args.extend(extra);
    args.extend(["--private-key", s.keys[9].as_str()]);
    s.cli.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

fn sigterm(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_executes_within_seconds_skips_a_failing_simulation_and_stops_on_sigterm() {
    let s = setup().await;
    // Nonce 0 fails in simulation (2 ETH from a Safe holding 1); a replacement for nonce 0
    // follows; nonce 1 pays 5 wei.
    let failing = s.propose_eth("0x00000000000000000000000000000000000000f0", "2ether", &[]);
    let good =
        s.propose_eth("0x00000000000000000000000000000000000000e2", "7wei", &["--nonce", "0"]);
    let next =
        s.propose_eth("0x00000000000000000000000000000000000000e3", "5wei", &["--nonce", "1"]);
    for h in [&failing, &good, &next] {
        s.cli.ok(&["tx", "sign", h, "--private-key", &s.keys[1]]);
    }

    let relay = spawn_relay(&s, &["--max-gas-price", "1000gwei", "--budget", "1ether"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(s.nonce().await, U256::ZERO, "nothing has two signatures yet");

    // The second owner signs all three; the relay executes within seconds, in nonce order.
    let signed_at = Instant::now();
    for h in [&failing, &good, &next] {
        s.cli.ok(&["tx", "sign", h, "--private-key", &s.keys[2]]);
    }
    while s.nonce().await < U256::from(2) {
        assert!(
            signed_at.elapsed() < Duration::from_secs(15),
            "the relay did not execute within 15 s of the second signature"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("relay executed two transactions {:?} after the last signature", signed_at.elapsed());

    sigterm(&relay);
    let stopped_at = Instant::now();
    let out = relay.wait_with_output().unwrap();
    assert!(stopped_at.elapsed() < Duration::from_secs(5), "SIGTERM took too long");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(stderr.contains("relay stopped"), "{stderr}");
    assert!(stderr.contains(&format!("skipped nonce 0 ({failing})")), "{stderr}");
    assert!(stderr.contains("simulation"), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let executed: Vec<&str> = summary["executed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["safeTxHash"].as_str().unwrap())
        .collect();
    assert_eq!(executed, vec![good.as_str(), next.as_str()], "{summary}");
    assert_eq!(summary["skipped"][0]["safeTxHash"], failing.as_str());
    let provider = s.chain.provider();
    assert_eq!(
        provider
            .get_balance("0x00000000000000000000000000000000000000e2".parse().unwrap())
            .await
            .unwrap(),
        U256::from(7)
    );
    assert_eq!(
        provider
            .get_balance("0x00000000000000000000000000000000000000f0".parse().unwrap())
            .await
            .unwrap(),
        U256::ZERO
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_options_are_checked_before_anything_runs() {
    let s = setup().await;
    for (args, needle) in [
        (vec!["relay", "--safe", "0x12", "--private-key", &s.keys[9]], "--safe"),
        (vec!["relay", "--safe", &s.safe, "--budget", "5", "--private-key", &s.keys[9]], "no unit"),
        (
            vec![
                "relay",
                "--safe",
                &s.safe,
                "--max-gas-price",
                "lots",
                "--private-key",
                &s.keys[9],
            ],
            "--max-gas-price",
        ),
        (
            vec!["relay", "--safe", &s.safe, "--interval", "0", "--private-key", &s.keys[9]],
            "--interval",
        ),
        (vec!["relay", "--safe", &s.safe], "wallet"),
    ] {
        s.cli.bad(&args, needle);
    }
}

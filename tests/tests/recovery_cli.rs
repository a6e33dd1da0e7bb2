//! Issue 17 items 2–3 through the real binary: `coffer recovery setup` (module + guardians +
//! threshold in one Safe tx through the normal propose/sign/execute flow), two guardians confirm
//! (one with a key on chain, one on a Ledger or a Trezor into an offline file submitted by `execute
//! --signatures`; a refusal on the Trezor writes nothing), `finalize` refused before the delay, the owners' cancel in one run and the
//! owners replaced after `evm_increaseTime` in another; `safe info` and `status` show guardians,
//! the recovery delay and the pending request; bad input exits 2.

#![allow(clippy::unwrap_used, clippy::panic)]

// The Ledger and the Trezor are coffer-signer's device doubles (no device, app image or Trezor
// emulator can run here), spoken to over the real Speculos TCP transport and the real emulator
// UDP link, as in tests/tests/drill.rs.
#[path = "../../crates/coffer-signer/tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use alloy::primitives::Address;
use coffer_chain::{
    read_safe,
    test_utils::{Implementation, TestChain},
};
use coffer_e2e::{Cli, Run, key_hex};
use serde_json::Value;

const DELAY: u64 = 3 * 86_400;

/// Runs the binary off the async runtime, so the Ledger double keeps answering.
async fn run(cli: &Arc<Cli>, args: &[&str]) -> Run {
    run_env(cli, args, &[]).await
}

/// [`run`] with extra environment variables.
async fn run_env(cli: &Arc<Cli>, args: &[&str], env: &[(&str, &str)]) -> Run {
    let cli = Arc::clone(cli);
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let env: Vec<(String, String)> =
        env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let e: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        cli.run_env(&a, &e)
    })
    .await
    .unwrap()
}

/// The device guardian 7 confirms on: the Ledger double over Speculos TCP, or the Trezor double
/// over the emulator's UDP link (`COFFER_TREZOR_EMULATOR`).
#[derive(Clone, Copy)]
enum Device<'a> {
    Ledger(&'a common::LedgerDouble),
    Trezor(&'a common::trezor::TrezorDouble),
}

async fn json(cli: &Arc<Cli>, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let r = run(cli, &a).await;
    assert_eq!(r.code, 0, "`coffer {}`:\n{}", a.join(" "), r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr))
}

async fn ok(cli: &Arc<Cli>, args: &[&str]) -> Run {
    let r = run(cli, args).await;
    assert_eq!(r.code, 0, "`coffer {}`:\n{}", args.join(" "), r.stderr);
    r
}

async fn sign_and_execute(cli: &Arc<Cli>, hash: &str, keys: [&str; 2], payer: &str) {
    ok(cli, &["tx", "sign", hash, "--private-key", keys[0]]).await;
    ok(cli, &["tx", "sign", hash, "--private-key", keys[1]]).await;
    ok(cli, &["tx", "execute", hash, "--private-key", payer]).await;
}

fn addr(v: &Value) -> Address {
    v.as_str().unwrap().parse().unwrap()
}

/// Sets up recovery on a fresh 2-of-3 Safe (owners 1, 2, 3; guardians 6 and 7, threshold 2),
/// then guardian 6 confirms on chain with a key and guardian 7 on a device (Ledger or Trezor)
/// into a file, and the request (owner 1 lost: new owners 9, 2, 3, threshold 2) is executed.
/// Returns the Safe.
async fn start_recovery(
    chain: &TestChain,
    cli: &Arc<Cli>,
    device: Device<'_>,
    salt: &str,
) -> (String, String) {
    let payer = key_hex(chain.signer(0));
    let k1 = key_hex(chain.signer(1));
    let k2 = key_hex(chain.signer(2));
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let mut args = vec!["safe", "create"];
    for o in &owners {
        args.extend(["--owner", o.as_str()]);
    }
    args.extend(["--threshold", "2", "--salt-nonce", salt, "--private-key", &payer]);
    let safe = ok(cli, &args).await.stdout.trim().to_owned();
    let (g6, g7) = (chain.address(6).to_string(), chain.address(7).to_string());
    let v = json(
        cli,
        &[
            "recovery",
            "setup",
            &safe,
            "--guardian",
            &g6,
            "--guardian",
            &g7,
            "--threshold",
            "2",
            "--delay",
            "3d",
            "--private-key",
            &payer,
        ],
    )
    .await;
    assert_eq!(v["recoveryPeriod"], DELAY);
    assert!(v["risks"].to_string().contains("MODULE CHANGE"), "{v}");
    let module = v["module"].as_str().unwrap().to_owned();
    sign_and_execute(cli, v["safeTxHash"].as_str().unwrap(), [&k1, &k2], &payer).await;

    let st = json(cli, &["recovery", "status", &safe]).await;
    assert_eq!(st["enabled"], true, "{st}");
    assert_eq!(st["threshold"], 2);
    assert_eq!(st["recoveryPeriod"], DELAY);
    let mut gs: Vec<Address> = st["guardians"].as_array().unwrap().iter().map(addr).collect();
    gs.sort();
    let mut want = vec![chain.address(6), chain.address(7)];
    want.sort();
    assert_eq!(gs, want);
    assert!(st["pending"].is_null());

    let (n9, n2, n3) =
        (chain.address(9).to_string(), chain.address(2).to_string(), chain.address(3).to_string());
    let req = ["--new-owner", &n9, "--new-owner", &n2, "--new-owner", &n3, "--new-threshold", "2"];
    // Guardian 6 confirms on chain with its key.
    let k6 = key_hex(chain.signer(6));
    let mut a = vec!["recovery", "confirm", &safe];
    a.extend(req);
    a.extend(["--private-key", &k6]);
    let r = ok(cli, &a).await;
    assert!(r.stderr.contains("REMOVED") && r.stderr.contains("NEW"), "{}", r.stderr);
    // One confirmation is not enough to start: refused before sending.
    let mut a = vec!["recovery", "execute", &safe];
    a.extend(req);
    a.extend(["--private-key", &payer]);
    let r = run(cli, &a).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("only 1 of the 2"), "{}", r.stderr);

    // Guardian 7 on the device, offline into a file.
    let file = cli.file(&format!("g7-{salt}.json"));
    let f = file.to_str().unwrap();
    let mut a = vec!["recovery", "confirm", &safe];
    a.extend(req);
    a.extend(["--out", f, "--hd-path", "m/44'/60'/0'/0/7"]);
    let mut env = Vec::new();
    match device {
        Device::Ledger(ledger) => a.extend(["--ledger-url", &ledger.url]),
        Device::Trezor(trezor) => {
            a.push("--trezor");
            env.push(("COFFER_TREZOR_EMULATOR", trezor.addr.as_str()));
            // The guardian cancels on the device first: a clear error, exit 1, no file.
            *trezor.state.user.lock().unwrap() = common::User::Reject;
            let r = run_env(cli, &a, &env).await;
            assert_eq!(r.code, 1, "{}", r.stderr);
            assert!(r.stderr.contains("rejected on the Trezor"), "{}", r.stderr);
            assert!(!file.exists());
            *trezor.state.user.lock().unwrap() = common::User::Approve;
        }
    }
    let r = run_env(cli, &a, &env).await;
    assert_eq!(r.code, 0, "`coffer {}`:\n{}", a.join(" "), r.stderr);
    match device {
        Device::Ledger(_) => assert!(r.stderr.contains("Ledger hashed EIP-712"), "{}", r.stderr),
        Device::Trezor(trezor) => {
            // A core model: the typed data streamed field by field, the new owners checked on
            // the device one by one, then the message hash.
            assert!(r.stderr.contains("Trezor EthereumSignTypedData"), "{}", r.stderr);
            let shown = trezor.shown();
            for (i, o) in [9, 2, 3].iter().enumerate() {
                let screen = (format!("newOwners[{i}]"), chain.address(*o).to_checksum(None));
                assert!(shown.contains(&screen), "no {screen:?} in {shown:?}");
            }
            let verifying = module.parse::<Address>().unwrap().to_checksum(None);
            assert!(shown.contains(&("verifyingContract".to_owned(), verifying)), "{shown:?}");
        }
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(addr(&saved["signer"]), chain.address(7));
    assert_eq!(addr(&saved["module"]), module.parse::<Address>().unwrap());
    // The file cannot be overwritten.
    let r = run_env(cli, &a, &env).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("exists"), "{}", r.stderr);

    // Anyone submits the file: the threshold is met, the delay starts.
    let v = json(cli, &["recovery", "execute", &safe, "--signatures", f, "--private-key", &payer])
        .await;
    assert!(v["executeAfter"].as_u64().unwrap() > 0, "{v}");
    let st = json(cli, &["recovery", "status", &safe]).await;
    let p = &st["pending"];
    assert_eq!(p["approvals"], 2, "{st}");
    assert_eq!(p["newThreshold"], 2);
    let news: Vec<Address> = p["newOwners"].as_array().unwrap().iter().map(addr).collect();
    assert_eq!(news, vec![chain.address(9), chain.address(2), chain.address(3)]);
    let left = p["secondsLeft"].as_u64().unwrap();
    assert!(left > DELAY - 60 && left <= DELAY, "{st}");

    // Finalize before the delay: refused (exit 1), nothing sent, the owners unchanged.
    let r = run(cli, &["recovery", "finalize", &safe, "--private-key", &payer]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("has not passed"), "{}", r.stderr);
    let info = read_safe(chain.provider(), safe.parse().unwrap()).await.unwrap();
    assert!(info.owners.contains(&chain.address(1)));
    (safe, module)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_cli_cancelled_by_owners_then_finalized_on_another_safe() {
    let chain = TestChain::spawn().await.unwrap();
    chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let ledger = common::LedgerDouble::spawn().await;
    let trezor = common::trezor::TrezorDouble::spawn_model("Safe 5");
    let cli = Arc::new(Cli::new(chain.endpoint()));
    let payer = key_hex(chain.signer(0));
    let k1 = key_hex(chain.signer(1));
    let k2 = key_hex(chain.signer(2));

    // Run 1 (guardian 7 on a Ledger): the owners see the pending recovery and cancel it through
    // the normal flow.
    let (safe, module) = start_recovery(&chain, &cli, Device::Ledger(&ledger), "1").await;
    let info = ok(&cli, &["safe", "info", &safe]).await.stdout;
    assert!(info.contains("recovery delay 3d") && info.contains("PENDING"), "{info}");
    assert!(info.contains(&chain.address(6).to_string()), "{info}");
    let v = json(&cli, &["safe", "info", &safe]).await;
    assert_eq!(v["recoveries"][0]["module"].as_str().unwrap(), module);
    let v = json(&cli, &["recovery", "cancel", &safe]).await;
    sign_and_execute(&cli, v["safeTxHash"].as_str().unwrap(), [&k1, &k2], &payer).await;
    let st = json(&cli, &["recovery", "status", &safe]).await;
    assert!(st["pending"].is_null(), "{st}");
    chain.advance_time(DELAY + 1).await.unwrap();
    let r = run(&cli, &["recovery", "finalize", &safe, "--private-key", &payer]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("nothing to finalize"), "{}", r.stderr);
    let after = read_safe(chain.provider(), safe.parse().unwrap()).await.unwrap();
    assert_eq!(after.owners.len(), 3);
    assert!(after.owners.contains(&chain.address(1)), "cancelled: owner 1 stays");

    // Run 2 (guardian 7 on a Trezor Safe 5): on another Safe (same module: one per delay), the
    // delay passes and the owners change.
    let (safe, module2) = start_recovery(&chain, &cli, Device::Trezor(&trezor), "2").await;
    assert_eq!(module, module2);
    chain.advance_time(DELAY + 1).await.unwrap();
    let v = json(&cli, &["recovery", "finalize", &safe, "--private-key", &payer]).await;
    assert_eq!(v["threshold"], 2);
    let mut owners: Vec<Address> = v["owners"].as_array().unwrap().iter().map(addr).collect();
    owners.sort();
    let mut want = vec![chain.address(9), chain.address(2), chain.address(3)];
    want.sort();
    assert_eq!(owners, want);
    let info = read_safe(chain.provider(), safe.parse().unwrap()).await.unwrap();
    assert_eq!(info.threshold, 2);
    assert!(!info.owners.contains(&chain.address(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_cli_bad_input_exits_2() {
    let chain = TestChain::spawn().await.unwrap();
    chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(0));
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let o: Vec<&str> = owners.iter().map(String::as_str).collect();
    let safe = cli.create_safe(&o, 2, &payer);
    let g = chain.address(6).to_string();
    let setup = |extra: &[&str]| {
        let mut a = vec!["recovery", "setup", &safe];
        a.extend_from_slice(extra);
        a.extend(["--private-key", &payer]);
        a.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>()
    };
    let check = |args: Vec<String>, needle: &str| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.bad(&a, needle);
    };
    check(setup(&["--guardian", &g, "--threshold", "1", "--delay", "2y"]), "not a duration");
    check(setup(&["--guardian", &g, "--threshold", "1", "--delay", "0"]), "no time to cancel");
    check(setup(&["--guardian", &g, "--threshold", "2", "--delay", "3d"]), "between 1 and");
    check(setup(&["--guardian", o[0], "--threshold", "1", "--delay", "3d"]), "is an owner");
    check(setup(&["--guardian", "0xnope", "--threshold", "1", "--delay", "3d"]), "--guardian");
    cli.bad(&["recovery", "status", &safe], "recovery module(s) are enabled");
    cli.bad(&["recovery", "status", &safe, "--module", o[1]], "no contract");
    let missing = cli.file("missing.json");
    cli.bad(
        &[
            "recovery",
            "execute",
            &safe,
            "--module",
            o[1],
            "--signatures",
            missing.to_str().unwrap(),
            "--private-key",
            &payer,
        ],
        "cannot read",
    );
    cli.bad(
        &["recovery", "confirm", &safe, "--new-owner", o[1], "--private-key", &payer],
        "--new-threshold",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_cli_guardians_managed_by_owners() {
    let chain = TestChain::spawn().await.unwrap();
    chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let cli = Arc::new(Cli::new(chain.endpoint()));
    let payer = key_hex(chain.signer(0));
    let keys = [key_hex(chain.signer(1)), key_hex(chain.signer(2))];
    let keys = [keys[0].as_str(), keys[1].as_str()];
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let mut args = vec!["safe", "create"];
    for o in &owners {
        args.extend(["--owner", o.as_str()]);
    }
    args.extend(["--threshold", "2", "--private-key", &payer]);
    let safe = ok(&cli, &args).await.stdout.trim().to_owned();
    let (g6, g7) = (chain.address(6).to_string(), chain.address(7).to_string());
    let v = json(
        &cli,
        &[
            "recovery",
            "setup",
            &safe,
            "--guardian",
            &g6,
            "--threshold",
            "1",
            "--delay",
            "14d",
            "--private-key",
            &payer,
        ],
    )
    .await;
    sign_and_execute(&cli, v["safeTxHash"].as_str().unwrap(), keys, &payer).await;
    let status = || async {
        let st = json(&cli, &["recovery", "status", &safe]).await;
        let gs: Vec<Address> = st["guardians"].as_array().unwrap().iter().map(addr).collect();
        (gs, st["threshold"].as_u64().unwrap(), st["recoveryPeriod"].as_u64().unwrap())
    };
    assert_eq!(status().await, (vec![chain.address(6)], 1, 14 * 86_400));

    let v = json(&cli, &["recovery", "add-guardian", &safe, &g7, "--threshold", "2"]).await;
    sign_and_execute(&cli, v["safeTxHash"].as_str().unwrap(), keys, &payer).await;
    assert_eq!(status().await.0, vec![chain.address(7), chain.address(6)]);
    assert_eq!(status().await.1, 2);
    // Refused before anything is proposed: an existing guardian, a threshold above the count.
    cli.bad(&["recovery", "add-guardian", &safe, &g7], "already a guardian");
    cli.bad(&["recovery", "set-threshold", &safe, "3"], "between 1 and 2");

    let v = json(&cli, &["recovery", "set-threshold", &safe, "1"]).await;
    sign_and_execute(&cli, v["safeTxHash"].as_str().unwrap(), keys, &payer).await;
    assert_eq!(status().await.1, 1);

    let v = json(&cli, &["recovery", "remove-guardian", &safe, &g6]).await;
    sign_and_execute(&cli, v["safeTxHash"].as_str().unwrap(), keys, &payer).await;
    assert_eq!(status().await.0, vec![chain.address(7)]);
    assert_eq!(status().await.1, 1);
    // Nothing pending: cancel is refused as bad input.
    cli.bad(&["recovery", "cancel", &safe], "nothing to cancel");

    // Guardian 7 confirms on a Trezor One (EthereumSignTypedHash: the domain and message hashes)
    // into a file; anyone submits it and, at threshold 1, the recovery starts.
    let one = common::trezor::TrezorDouble::spawn_model("1");
    let file = cli.file("g7-one.json");
    let f = file.to_str().unwrap();
    let n9 = chain.address(9).to_string();
    let mut a = vec!["recovery", "confirm", &safe, "--new-owner", &n9];
    a.extend(["--new-owner", &owners[1], "--new-owner", &owners[2], "--new-threshold", "2"]);
    a.extend(["--out", f, "--trezor", "--hd-path", "m/44'/60'/0'/0/7"]);
    let r = run_env(&cli, &a, &[("COFFER_TREZOR_EMULATOR", one.addr.as_str())]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Trezor EthereumSignTypedHash"), "{}", r.stderr);
    let received = one.received();
    assert!(received.contains(&"EthereumSignTypedHash".to_owned()), "{received:?}");
    json(&cli, &["recovery", "execute", &safe, "--signatures", f, "--private-key", &payer]).await;
    let st = json(&cli, &["recovery", "status", &safe]).await;
    assert_eq!(st["pending"]["approvals"], 1, "{st}");
    let news: Vec<Address> =
        st["pending"]["newOwners"].as_array().unwrap().iter().map(addr).collect();
    assert_eq!(news, vec![chain.address(9), chain.address(2), chain.address(3)]);
}

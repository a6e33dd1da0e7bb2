//! `coffer wallet address` for each wallet kind, and the Ledger paths of `tx sign --bundle` through the
//! binary: Blind signing off (refused before the device is asked) and nobody confirming (`--device-timeout`),
//! each leaving the bundle untouched. The Ledger is coffer-signer's device double (see its `tests/common`:
//! no device or app image can run here), spoken to over the real Speculos TCP transport.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "../../coffer-signer/tests/common/mod.rs"]
mod common;

use std::process::Command;

use alloy::{
    primitives::{Address, U256, address},
    signers::local::PrivateKeySigner,
};
use coffer_core::{SafeTx, SafeTxContext, SafeVersion};
use coffer_store::Bundle;
use common::{Event, LedgerDouble, SEED, User, key_at};

/// Runs the binary off the async runtime, so the double keeps answering.
async fn coffer(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_coffer"))
            .args(&args)
            .env_remove("ETH_PRIVATE_KEY")
            .env_remove("ETH_MNEMONIC")
            .env_remove("ETH_KEYSTORE")
            .env_remove("COFFER_LEDGER_URL")
            .env_remove("ETH_RPC_URL")
            .env("COFFER_HOME", std::env::temp_dir().join("coffer-cli-wallet-test-unused"))
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn addr(v: &serde_json::Value) -> Address {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn address_of_each_local_wallet() {
    let k = key_at("m/44'/60'/0'/0/3");
    let hex = format!("0x{}", alloy::primitives::hex::encode(k.to_bytes()));
    let (code, out, err) = coffer(&["wallet", "address", "--private-key", &hex]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), k.address().to_string());

    let (code, out, err) =
        coffer(&["wallet", "address", "--mnemonic", SEED, "--index", "0..3", "--json"]).await;
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["kind"], "mnemonic key");
    let accounts = v["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 3);
    for (i, a) in accounts.iter().enumerate() {
        let path = format!("m/44'/60'/0'/0/{i}");
        assert_eq!(a["path"], path.as_str());
        assert_eq!(addr(&a["address"]), key_at(&path).address());
        assert_eq!(a["confirmedOnDevice"], false);
    }

    let dir = tempfile::tempdir().unwrap();
    let mut rng = alloy::signers::k256::elliptic_curve::rand_core::OsRng;
    PrivateKeySigner::encrypt_keystore(dir.path(), &mut rng, k.to_bytes(), "pw", Some("k.json"))
        .unwrap();
    std::fs::write(dir.path().join("pw"), "pw\n").unwrap();
    let ks = dir.path().join("k.json");
    let pw = dir.path().join("pw");
    let (code, out, err) = coffer(&[
        "wallet",
        "address",
        "--keystore",
        ks.to_str().unwrap(),
        "--password-file",
        pw.to_str().unwrap(),
        "--json",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["kind"], "keystore key");
    assert_eq!(addr(&v["accounts"][0]["address"]), k.address());
    assert!(v["accounts"][0]["path"].is_null());

    // Bad input: a range for a single key, a range that does not parse, a device option for a key.
    for (args, needle) in [
        (vec!["--private-key", hex.as_str(), "--index", "0..2"], "holds one key only"),
        (vec!["--mnemonic", SEED, "--index", "5..2"], "--index"),
        (
            vec!["--private-key", hex.as_str(), "--show-on-device"],
            "--show-on-device does not apply",
        ),
    ] {
        let mut all = vec!["wallet", "address"];
        all.extend(args);
        let (code, out, err) = coffer(&all).await;
        assert_eq!(code, 2, "{all:?}: {err}");
        assert!(out.is_empty() && err.contains(needle), "{all:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn address_of_a_ledger_listed_and_confirmed_on_screen() {
    let double = LedgerDouble::spawn().await;
    let (code, out, err) = coffer(&[
        "wallet",
        "address",
        "--ledger-url",
        &double.url,
        "--index",
        "0..=1",
        "--show-on-device",
        "--json",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["kind"], "Ledger");
    for (i, a) in v["accounts"].as_array().unwrap().iter().enumerate() {
        let path = format!("m/44'/60'/{i}'/0/0");
        assert_eq!(a["path"], path.as_str());
        assert_eq!(addr(&a["address"]), key_at(&path).address());
        assert_eq!(a["confirmedOnDevice"], true);
        assert!(
            err.contains(&format!(
                "Confirm on your Ledger: it shows Address {}",
                key_at(&path).address()
            )),
            "{err}"
        );
    }
    let shown = double
        .device
        .events()
        .iter()
        .filter(|e| **e == Event::Apdu { ins: 0x02, p1: 1, p2: 0 })
        .count();
    assert_eq!(shown, 2, "GET_PUBLIC_KEY P1 01 once per account");

    // Rejected on the device: exit 1, nothing on stdout.
    *double.device.user.lock().unwrap() = User::Reject;
    let (code, out, err) =
        coffer(&["wallet", "address", "--ledger-url", &double.url, "--show-on-device"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty() && err.contains("rejected on the Ledger"), "{err}");
}

fn bundle_file(dir: &std::path::Path) -> std::path::PathBuf {
    let ctx = SafeTxContext::new(
        31337,
        address!("0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe"),
        SafeVersion::V1_4_1,
    );
    // A call with 200 bytes of data: too long for the Ledger screen, so auto mode needs hashed mode.
    let tx = SafeTx::call(
        address!("0x00000000000000000000000000000000c0ffee01"),
        U256::from(1),
        vec![0xab; 200],
        U256::ZERO,
    );
    let path = dir.join("bundle.json");
    Bundle::new(ctx, tx, &[], None).unwrap().write_atomic(&path).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_blind_signing_off_is_refused_before_any_signing_apdu() {
    let double = LedgerDouble::spawn().await;
    double.device.set(false, false);
    let dir = tempfile::tempdir().unwrap();
    let file = bundle_file(dir.path());
    let before = std::fs::read(&file).unwrap();
    let (code, out, err) =
        coffer(&["tx", "sign", "--bundle", file.to_str().unwrap(), "--ledger-url", &double.url])
            .await;
    // A device setting, not bad input: exit 1, as when the same refusal comes while sending.
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("App settings > Blind signing") && err.contains("--eth-sign"), "{err}");
    assert!(
        !err.contains("Signing a Safe transaction"),
        "the preview came before the refusal: {err}"
    );
    assert!(
        !double
            .device
            .events()
            .iter()
            .any(|e| e.is(0x0C) || e.is(0x1A) || e.is(0x1C) || e.is(0x08)),
        "{:?}",
        double.device.events()
    );
    assert_eq!(std::fs::read(&file).unwrap(), before, "the bundle changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_timeout_stores_nothing() {
    let double = LedgerDouble::spawn().await;
    *double.device.user.lock().unwrap() = User::Never;
    let dir = tempfile::tempdir().unwrap();
    let file = bundle_file(dir.path());
    let before = std::fs::read(&file).unwrap();
    let started = std::time::Instant::now();
    let (code, out, err) = coffer(&[
        "tx",
        "sign",
        "--bundle",
        file.to_str().unwrap(),
        "--ledger-url",
        &double.url,
        "--device-timeout",
        "1",
    ])
    .await;
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("Confirm on your Ledger: it shows Domain hash 0x"), "{err}");
    assert!(err.contains("no answer from the Ledger within 1 s"), "{err}");
    assert!(err.contains("nothing was signed and nothing was stored"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), before, "the bundle changed");
}

/// `coffer send` from a Ledger: the EIP-1559 transaction goes through the double's SIGN_TRANSACTION (RLP
/// decoded there) and is mined on a real anvil; contract data with Blind signing off is refused before the
/// device is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_from_a_ledger() {
    use alloy::{
        network::TransactionBuilder,
        providers::{Provider, ProviderBuilder},
        rpc::types::TransactionRequest,
    };
    let anvil_bin =
        std::env::var_os("COFFER_ANVIL").map(std::path::PathBuf::from).unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/bin/anvil")
        });
    let anvil = alloy::node_bindings::Anvil::at(anvil_bin).spawn();
    let double = LedgerDouble::spawn().await;
    let me = key_at("m/44'/60'/3'/0/0").address();
    let funder = ProviderBuilder::new()
        .wallet(alloy::network::EthereumWallet::from(PrivateKeySigner::from(
            anvil.keys()[0].clone(),
        )))
        .connect_http(anvil.endpoint_url());
    let fund = TransactionRequest::default().with_to(me).with_value(U256::from(10u64.pow(18)));
    funder.send_transaction(fund).await.unwrap().get_receipt().await.unwrap();
    let to = address!("0x00000000000000000000000000000000c0ffee01");
    let endpoint = anvil.endpoint();

    let (code, out, err) = coffer(&[
        "send",
        "--to",
        &to.to_string(),
        "--value",
        "1234wei",
        "--ledger-url",
        &double.url,
        "--mnemonic-index",
        "3",
        "--rpc-url",
        &endpoint,
        "--json",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Confirm on your Ledger: it shows Review transaction"), "{err}");
    assert!(!out.is_empty());
    assert_eq!(funder.get_balance(to).await.unwrap(), U256::from(1234));
    let sent = double.device.last_tx.lock().unwrap().clone().unwrap();
    assert_eq!((sent.to.to().copied(), sent.value), (Some(to), U256::from(1234)));
    assert_eq!(sent.chain_id, anvil.chain_id());

    // Contract data needs Blind signing: refused before SIGN_TRANSACTION, nothing sent.
    double.device.set(false, false);
    let nonce = funder.get_transaction_count(me).await.unwrap();
    let (code, _, err) = coffer(&[
        "send",
        "--to",
        &to.to_string(),
        "--data",
        "0xdeadbeef",
        "--ledger-url",
        &double.url,
        "--mnemonic-index",
        "3",
        "--rpc-url",
        &endpoint,
    ])
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Blind signing") && err.contains("App settings > Blind signing"), "{err}");
    assert_eq!(funder.get_transaction_count(me).await.unwrap(), nonce);
    let transactions = double.device.events().iter().filter(|e| e.is(0x04)).count();
    assert_eq!(transactions, 1, "only the first send reached SIGN_TRANSACTION");
}

//! `coffer serve` against real clients: npm `@safe-global/api-kit` 5.0.3 with protocol-kit 8.0.7
//! (`tests/interop/api-kit.mjs`), on one anvil with coffer's suite:
//!
//! - on SQLite with `--api-token`: the api-kit flow (service info, Safe info, next nonce, propose, get, list,
//!   pending, confirmations, confirm, Safes by owner), each refusal of the reference (hash mismatch, non-owner,
//!   sender mismatch, non-checksummed address, unknown tx, non-owner confirmation), protocol-kit executing the
//!   service's transaction, after which it leaves the queue; and 401 without the token;
//! - the same flow on a real PostgreSQL server started for the test (`initdb` in a temp dir);
//! - two `coffer serve` processes on that one PostgreSQL database, every confirmation sent to both at once:
//!   each stored exactly once;
//! - SIGTERM stops the server cleanly (exit 0).

#![allow(clippy::unwrap_used, clippy::panic)]

use std::process::Command;

use alloy::{primitives::U256, signers::local::PrivateKeySigner};
use coffer_chain::{
    SafeConfig,
    test_utils::{ETHER, Implementation, TestChain, repo_root},
};
use coffer_e2e::{
    key_hex,
    serve::{Postgres, Serve},
};
use serde_json::Value;

/// Runs `node api-kit.mjs ARGS` and parses its JSON output.
fn api_kit(args: &[&str]) -> Value {
    let tools = repo_root().join(".tools");
    assert!(
        tools.join("node_modules/@safe-global/api-kit/package.json").is_file(),
        "npm @safe-global/api-kit is not installed in {}: run script/bootstrap",
        tools.display()
    );
    let out = Command::new("node")
        .arg(repo_root().join("tests/interop/api-kit.mjs"))
        .args(args)
        .env("COFFER_TOOLS", &tools)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node (install Node.js >= 18): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "api-kit.mjs {} failed ({}):\n{stderr}\n{stdout}",
        args.first().unwrap_or(&""),
        out.status
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("api-kit.mjs printed no JSON ({e}):\n{stdout}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn api_kit_against_coffer_serve_on_sqlite_and_postgres() {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let rpc = chain.endpoint();
    let scratch = tempfile::tempdir().unwrap();
    let addresses: serde_json::Map<String, Value> = suite
        .entries()
        .iter()
        .map(|(name, a)| ((*name).to_owned(), Value::String(a.to_string())))
        .collect();
    let addresses_file = scratch.path().join("addresses.json");
    std::fs::write(&addresses_file, Value::Object(addresses).to_string()).unwrap();
    let addresses_file = addresses_file.to_str().unwrap().to_owned();
    let keys = format!("{},{}", key_hex(chain.signer(1)), key_hex(chain.signer(2)));
    let outsider = key_hex(chain.signer(7));
    let executor = key_hex(chain.signer(8));

    let flow = |service: &str, safe: &str, api_key: Option<&str>| {
        let mut args = vec![
            "flow",
            "--service",
            service,
            "--rpc",
            &rpc,
            "--addresses",
            &addresses_file,
            "--safe",
            safe,
            "--keys",
            &keys,
            "--outsider",
            &outsider,
            "--executor",
            &executor,
        ];
        if let Some(k) = api_key {
            args.extend(["--api-key", k]);
        }
        api_kit(&args)
    };

    // 1. SQLite, with an API token.
    let safe1 = chain.create_safe_with(&suite, &[1, 2, 3], 2, 1).await.unwrap();
    chain.fund(safe1.address, ETHER).await.unwrap();
    let sqlite = format!("sqlite:{}", scratch.path().join("service.sqlite3").display());
    let mut server = Serve::start(&rpc, &sqlite, &["--api-token", "s3cret"]);
    let out = flow(&server.api(), &safe1.address.to_string(), Some("s3cret"));
    assert_eq!(out["withoutKey"]["status"], 401);
    assert_eq!(out["about"]["api_version"], "v1");
    assert_eq!(out["safeInfo"]["threshold"], 2);
    assert_eq!(out["refusals"]["nonChecksummed"]["data"]["code"], 1);
    assert_eq!(
        out["refusals"]["unknownTx"]["message"],
        "No MultisigTransaction matches the given query."
    );
    // SIGTERM: the server drains and exits 0; its data survives a restart.
    let status = server.signal("-TERM");
    assert!(status.success(), "coffer serve exited {status} on SIGTERM:\n{}", server.log());
    let server = Serve::start(&rpc, &sqlite, &["--api-token", "s3cret"]);
    drop(server);

    // 2. PostgreSQL: the same flow on another Safe.
    let pg = Postgres::start();
    let safe2 = chain.create_safe_with(&suite, &[1, 2, 3], 2, 2).await.unwrap();
    chain.fund(safe2.address, ETHER).await.unwrap();
    let a = Serve::start(&rpc, &pg.url(), &[]);
    let out = flow(&a.api(), &safe2.address.to_string(), None);
    assert!(out["executed"]["blockNumber"].as_u64().is_some());
    assert_eq!(pg.psql("SELECT MAX(version) FROM coffer_schema"), "1");

    // 3. Two servers on one PostgreSQL database: each confirmation sent to both at once is stored once.
    let b = Serve::start(&rpc, &pg.url(), &[]);
    let owners: Vec<PrivateKeySigner> = (0..24).map(|_| PrivateKeySigner::random()).collect();
    let config = SafeConfig::new(owners.iter().map(PrivateKeySigner::address).collect(), 3)
        .with_salt_nonce(U256::from(3));
    let created = coffer_chain::create_safe(chain.provider(), chain.deployer(), &suite, &config)
        .await
        .unwrap();
    let safe3 = created.plan.address.to_string();
    let owner_keys: Vec<String> = owners.iter().map(key_hex).collect();
    let race = api_kit(&[
        "race",
        "--a",
        &a.api(),
        "--b",
        &b.api(),
        "--rpc",
        &rpc,
        "--addresses",
        &addresses_file,
        "--safe",
        &safe3,
        "--keys",
        &owner_keys.join(","),
    ]);
    let answers = race["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2 * 23);
    assert!(answers.iter().all(|s| s == 201), "every confirmation is answered 201: {answers:?}");
    for side in ["a", "b"] {
        assert_eq!(race[side]["count"], 24, "server {side}: {}", race[side]);
        let mut seen: Vec<&str> =
            race[side]["owners"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 24, "server {side} lists each owner once");
    }
    let hash = race["safeTxHash"].as_str().unwrap();
    assert_eq!(
        pg.psql(&format!("SELECT COUNT(*) FROM confirmation WHERE safe_tx_hash = '{hash}'")),
        "24"
    );
}

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
//! - SIGTERM stops the server cleanly (exit 0);
//! - raw HTTP bad input (broken JSON, oversized body, malformed signature, a hash for another chain, …) gets a
//!   4xx in the official shape, never a 500; trailing and doubled slashes, v1 numbers, CORS preflight; an
//!   approved-hash confirmation (v = 1) is refused until the owner calls `approveHash`, then accepted.

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::{primitives::U256, signers::local::PrivateKeySigner, transports::http::reqwest};
use coffer_chain::{
    SafeConfig,
    test_utils::{ETHER, TestChain, TestSafe},
};
use coffer_core::SafeTx;
use coffer_e2e::{
    interop::{SuiteChain, api_kit, get, post, suite_chain},
    key_hex,
    serve::{Postgres, Serve},
};
use coffer_txs_api::MultisigTransactionCreate;
use serde_json::Value;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn api_kit_against_coffer_serve_on_sqlite_and_postgres() {
    let SuiteChain { chain, suite, rpc, scratch, addresses_file } = suite_chain().await;
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
        api_kit("api-kit.mjs", &args)
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
    assert_eq!(pg.psql("SELECT MAX(version) FROM coffer_schema"), "2");

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
    let race = api_kit(
        "api-kit.mjs",
        &[
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
        ],
    );
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
    drop((a, b));

    // 4. Raw HTTP: bad input is a 4xx in the official shape, never a 500.
    let server = Serve::start(
        &rpc,
        &format!("sqlite:{}", scratch.path().join("raw.sqlite3").display()),
        &[],
    );
    bad_input_over_http(&chain, &server, &safe2).await;
}

async fn bad_input_over_http(chain: &TestChain, server: &Serve, safe: &TestSafe) {
    let api = server.api();
    let safe_addr = safe.address;
    let propose_url = format!("{api}/v2/safes/{safe_addr}/multisig-transactions/");
    let nonce = coffer_chain::safe_nonce(chain.provider(), safe_addr).await.unwrap();
    let tx = SafeTx::call(chain.address(5), U256::from(1), Vec::<u8>::new(), nonce);
    let hash = tx.safe_tx_hash(&safe.ctx);
    let sig = safe.sign(&tx, 0).unwrap();
    let good =
        MultisigTransactionCreate::new(&tx, hash, chain.address(1), Some(sig.to_bytes()), None);
    let good_json = serde_json::to_value(&good).unwrap();
    let with = |key: &str, v: Value| {
        let mut b = good_json.clone();
        b[key] = v;
        b.to_string()
    };

    // Broken JSON, a JSON list, an oversized body.
    let (s, b) = post(&propose_url, "{\"to\": ").await;
    assert_eq!(s, 400);
    assert!(b["detail"].as_str().unwrap().starts_with("JSON parse error"), "{b}");
    let (s, b) = post(&propose_url, "[]").await;
    assert_eq!(
        (s, &b["nonFieldErrors"][0]),
        (422, &json!("Invalid data. Expected a dictionary, but got list."))
    );
    let (s, b) = post(&propose_url, format!("{{\"data\":\"0x{}\"}}", "00".repeat(1_400_000))).await;
    assert_eq!(s, 413, "{b}");
    assert!(b["detail"].is_string());
    // Malformed signatures: too short, not hex, an unknown v.
    let (s, b) = post(&propose_url, with("signature", json!("0x1234"))).await;
    assert_eq!(
        (s, &b["signature"][0]),
        (422, &json!("Ensure this field has at least 65 hexadecimal chars (not counting 0x)."))
    );
    let (s, b) = post(&propose_url, with("signature", json!("0xzz"))).await;
    assert_eq!(s, 422, "{b}");
    assert!(b["signature"][0].is_string());
    let mut bad_v = sig.to_bytes().to_vec();
    bad_v[64] = 5;
    let (s, b) =
        post(&propose_url, with("signature", json!(alloy::primitives::Bytes::from(bad_v)))).await;
    assert_eq!(s, 422, "{b}");
    assert!(b["nonFieldErrors"][0].as_str().unwrap().contains("v = 5"), "{b}");
    // A non-checksummed body address, a hex integer, operation CREATE, a short hash.
    let (s, b) =
        post(&propose_url, with("to", json!(chain.address(5).to_string().to_lowercase()))).await;
    assert_eq!(s, 422);
    assert!(b["to"][0].as_str().unwrap().ends_with("is not checksumed"), "{b}");
    let (s, b) = post(&propose_url, with("value", json!("0x01"))).await;
    assert_eq!((s, &b["value"][0]), (422, &json!("A valid integer is required.")));
    let (s, b) = post(&propose_url, with("operation", json!(2))).await;
    assert_eq!(
        (s, &b["operation"][0]),
        (422, &json!("Operation CREATE not supported. Please use Safe CreateLib"))
    );
    let (s, b) = post(&propose_url, with("contractTransactionHash", json!("0x1234"))).await;
    assert_eq!(s, 422);
    assert!(b["contractTransactionHash"][0].is_string());
    // A transaction hashed and signed for another chain: the hash does not match this chain's.
    let other = coffer_core::SafeTxContext::new(1, safe_addr, safe.ctx.version);
    let other_hash = tx.safe_tx_hash(&other);
    let other_sig = coffer_chain::test_utils::sign_hash(&safe.owners[0], other_hash).unwrap();
    let foreign = MultisigTransactionCreate::new(
        &tx,
        other_hash,
        chain.address(1),
        Some(other_sig.to_bytes()),
        None,
    );
    let (s, b) = post(&propose_url, serde_json::to_string(&foreign).unwrap()).await;
    assert_eq!(s, 422);
    assert_eq!(
        b["nonFieldErrors"][0],
        json!(format!(
            "Contract-transaction-hash={hash} does not match provided contract-tx-hash={other_hash}"
        ))
    );
    // An address without a Safe: propose 422, info 404 with an empty body, list an empty page.
    let nobody = chain.address(6);
    let (s, b) =
        post(&format!("{api}/v2/safes/{nobody}/multisig-transactions/"), good_json.to_string())
            .await;
    assert_eq!(s, 422, "{b}");
    let (s, _, text) = get(&format!("{api}/v1/safes/{nobody}/")).await;
    assert_eq!((s, text.as_str()), (404, ""));
    let (s, b, _) = get(&format!("{api}/v2/safes/{nobody}/multisig-transactions/")).await;
    assert_eq!((s, &b["count"]), (200, &json!(0)));
    // Confirmation bodies.
    let unknown_confirm = format!("{api}/v1/multisig-transactions/{hash}/confirmations/");
    let (s, b) = post(&unknown_confirm, "{}").await;
    assert_eq!((s, &b["signature"][0]), (400, &json!("This field is required.")));
    let (s, b) = post(&unknown_confirm, "nope").await;
    assert_eq!(s, 400, "{b}");
    // Unknown routes and methods; a malformed hash.
    let (s, b, _) = get(&format!("{api}/v1/nothing-here/")).await;
    assert_eq!((s, &b["detail"]), (404, &json!("Not found.")));
    let (s, b) = post(&format!("{api}/v1/about/"), "{}").await;
    assert_eq!((s, &b["detail"]), (405, &json!("Method \"POST\" not allowed.")));
    let (s, b, _) = get(&format!("{api}/v2/multisig-transactions/0x/")).await;
    assert_eq!((s, &b["detail"]), (404, &json!("Not found.")));

    // Unsigned, from an owner: stored untrusted as the official service does (201, no confirmation, hidden from
    // the default list, which filters on trusted=true); from a non-owner, still refused. The signed proposal
    // below makes it trusted.
    let (s, b) = post(&propose_url, with("signature", Value::Null)).await;
    assert_eq!((s, b), (201, Value::Null));
    let (_, v2, _) = get(&format!("{api}/v2/multisig-transactions/{hash}/")).await;
    assert_eq!((&v2["trusted"], &v2["confirmations"]), (&json!(false), &json!([])), "{v2}");
    let list = format!("{api}/v2/safes/{safe_addr}/multisig-transactions/");
    let (_, page, _) = get(&list).await;
    assert_eq!(page["count"], json!(0), "{page}");
    let (_, page, _) = get(&format!("{list}?trusted=false")).await;
    assert_eq!(page["count"], json!(1), "{page}");
    let mut stranger = good_json.clone();
    stranger["signature"] = Value::Null;
    stranger["sender"] = json!(nobody.to_string());
    let (s, b) = post(&propose_url, stranger.to_string()).await;
    assert_eq!(s, 422, "{b}");
    assert!(b["nonFieldErrors"][0].as_str().unwrap().starts_with("Sender="), "{b}");

    // The good proposal: accepted through a doubled slash and without the trailing one; v1 numbers, v2 strings.
    let (s, b) =
        post(&format!("{api}//v2/safes/{safe_addr}/multisig-transactions"), good_json.to_string())
            .await;
    assert_eq!((s, b), (201, Value::Null));
    let (s, v2, _) = get(&format!("{api}/v2/multisig-transactions/{hash}")).await;
    assert_eq!(
        (s, &v2["nonce"], &v2["isExecuted"]),
        (200, &json!(nonce.to_string()), &json!(false))
    );
    let (_, v1, _) = get(&format!("{api}/v1/multisig-transactions/{hash}/")).await;
    assert_eq!(v1["nonce"], json!(nonce.to::<u64>()));
    assert_eq!(v1["confirmations"][0]["signatureType"], "EOA");
    assert_eq!(v1["trusted"], json!(true));

    // An approved-hash confirmation (v = 1) counts only once the owner approved the hash on chain.
    let owner2 = chain.address(2);
    let approved = coffer_core::SafeSignature::approved_hash(owner2).to_bytes();
    let confirm_url = format!("{api}/v1/multisig-transactions/{hash}/confirmations/");
    let body = json!({ "signature": approved }).to_string();
    let (s, b) = post(&confirm_url, body.clone()).await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(
        b["signature"][0],
        json!(format!("Signature={approved} for owner={owner2} is not valid"))
    );
    coffer_chain::approve_hash(chain.provider(), &safe.ctx, &tx, owner2).await.unwrap();
    let (s, b) = post(&confirm_url, body).await;
    assert_eq!(s, 201, "{b}");
    let (_, v2, _) = get(&format!("{api}/v2/multisig-transactions/{hash}/")).await;
    assert_eq!(v2["confirmations"][1]["signatureType"], "APPROVED_HASH");

    // CORS preflight, as the official service answers it.
    let resp = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, &propose_url)
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,authorization")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "preflight {}", resp.status());
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
}

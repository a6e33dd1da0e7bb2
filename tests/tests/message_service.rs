//! The Safe message routes of `coffer serve` (issue 15) against real clients, on one anvil with coffer's suite:
//!
//! - npm `@safe-global/api-kit` 5.0.3 with protocol-kit 8.0.7 (`tests/interop/api-kit-messages.mjs`): addMessage,
//!   getMessage, getMessages (orderings, pages), addMessageSignature, the prepared signature accepted by the Safe's
//!   own `isValidSignature`, and each refusal of the reference (same message, same owner, non-owner, two
//!   signatures, unknown hash, non-checksummed Safe, bad hex); on SQLite and on a real PostgreSQL server;
//! - coffer's own client: `coffer message sign SAFE --text … --tx-service URL` by two owners with separate data
//!   directories, then a third data directory's `message show | list | verify --tx-service` sees the combined
//!   signature, recomputed and checked against the chain;
//! - a Safe owner (EIP-1271): a contract signature of a Safe that owns the Safe is accepted (a forged one
//!   refused), and the service's prepared signature is accepted by the Safe itself (`isValidSignature`);
//! - raw HTTP bad input on the message routes: never a 500.

#![allow(clippy::unwrap_used, clippy::panic)]

use coffer_chain::test_utils::{ETHER, TestChain};
use coffer_core::MessageContent;
use coffer_e2e::{
    Cli,
    interop::{SuiteChain, api_kit, get, post, suite_chain},
    key_hex,
    serve::{Postgres, Serve},
};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn safe_messages_through_coffer_serve() {
    let SuiteChain { chain, suite, rpc, scratch, addresses_file } = suite_chain().await;
    let keys = [1, 2, 3].map(|i| key_hex(chain.signer(i))).join(",");
    let outsider = key_hex(chain.signer(7));
    let run = |service: &str, safe: &str| {
        api_kit(
            "api-kit-messages.mjs",
            &[
                "messages",
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
            ],
        )
    };

    // 1. api-kit on SQLite.
    let safe1 = chain.create_safe_with(&suite, &[1, 2, 3], 2, 11).await.unwrap();
    let sqlite = format!("sqlite:{}", scratch.path().join("service.sqlite3").display());
    let server = Serve::start(&rpc, &sqlite, &[]);
    let out = run(&server.api(), &safe1.address.to_string());
    // The hash the service computed is the Safe's own (recomputed here with coffer-core).
    let text = out["text"]["message"].as_str().unwrap();
    let hash = MessageContent::Text(text.to_owned()).safe_message_hash(&safe1.ctx).unwrap();
    assert_eq!(out["text"]["messageHash"], json!(hash.to_string()));
    assert_eq!(out["refusals"]["nonChecksummed"]["data"]["code"], 1);
    assert_eq!(out["refusals"]["unknownSign"]["status"], 404);

    // 2. Raw HTTP bad input on the message routes: 4xx in the service's shape, never a 500.
    raw_bad_input(&server, &safe1.address.to_string(), &hash.to_string()).await;

    // 3. coffer's own client: two owners in separate data directories sign through the service; a third data
    //    directory reads the message from it and sees the combined signature, which the Safe accepts.
    let safe2 = chain.create_safe_with(&suite, &[1, 2, 3], 2, 12).await.unwrap();
    chain.fund(safe2.address, ETHER).await.unwrap();
    let safe2_s = safe2.address.to_string();
    let api = server.api();
    let text = "coffer: sign in to treasury.example\nnonce 9";
    let hash = MessageContent::Text(text.to_owned()).safe_message_hash(&safe2.ctx).unwrap();
    let hash_s = hash.to_string();
    let (alice, bob, carol) = (Cli::new(&rpc), Cli::new(&rpc), Cli::new(&rpc));
    let k1 = key_hex(chain.signer(1));
    let k2 = key_hex(chain.signer(2));
    let signed = alice.json(&[
        "message",
        "sign",
        &safe2_s,
        "--text",
        text,
        "--tx-service",
        &api,
        "--private-key",
        &k1,
    ]);
    assert_eq!(signed["postedToService"], json!(true), "{signed}");
    let signed = bob.json(&[
        "message",
        "sign",
        &safe2_s,
        "--text",
        text,
        "--eth-sign",
        "--tx-service",
        &api,
        "--private-key",
        &k2,
    ]);
    assert_eq!(signed["postedToService"], json!(true), "{signed}");
    // Bob's own store has only his signature; the service has both.
    assert_eq!(signed["signatures"].as_array().unwrap().len(), 1, "{signed}");
    let (s, m, _) = get(&format!("{api}/v1/messages/{hash_s}/")).await;
    assert_eq!(s, 200);
    assert_eq!(m["confirmations"].as_array().unwrap().len(), 2, "{m}");
    assert_eq!(m["proposedBy"], json!(chain.address(1).to_string()));

    // Carol has nothing stored: without the service, an unknown hash; with it, both signatures.
    carol.bad(&["message", "show", &hash_s], "no Safe message");
    let shown = carol.json(&["message", "show", &hash_s, "--tx-service", &api]);
    assert_eq!(shown["message"], json!(text));
    assert_eq!(shown["safeMessageHash"], json!(hash_s));
    assert_eq!(shown["signatures"].as_array().unwrap().len(), 2, "{shown}");
    assert_eq!(
        shown["preparedSignature"], m["preparedSignature"],
        "the service's prepared signature"
    );
    let v = carol.json(&["message", "verify", &safe2_s, &hash_s]);
    assert_eq!(v["valid"], json!(true), "{v}");
    // Alice verifies straight from the service (her store had one signature).
    let v = alice.json(&["message", "verify", &safe2_s, &hash_s, "--tx-service", &api]);
    assert_eq!(v["valid"], json!(true), "{v}");
    let listed = bob.json(&["message", "list", &safe2_s, "--tx-service", &api]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["signatures"].as_array().unwrap().len(), 2);
    // coffer's client refuses the same owner twice and a stranger before anything is posted.
    alice.bad(
        &["message", "sign", &safe2_s, "--text", text, "--tx-service", &api, "--private-key", &k1],
        "has already signed",
    );
    let (_, m2, _) = get(&format!("{api}/v1/messages/{hash_s}/")).await;
    assert_eq!(m2["confirmations"], m["confirmations"], "nothing posted by the refusals");
    // Nothing from the service is trusted: with the message edited in the server's database, a fresh data
    // directory refuses it by its hash and stores nothing.
    let db = scratch.path().join("service.sqlite3");
    let sql = |statement: &str| {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        conn.execute_batch(statement).unwrap();
    };
    sql(&format!(
        "UPDATE safe_message SET message = '\"coffer: sign in to evil.example\"' WHERE message_hash = '{hash_s}'"
    ));
    let dave = Cli::new(&rpc);
    let r = dave.run(&["message", "show", &hash_s, "--tx-service", &api]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("refused, nothing stored"), "{}", r.stderr);
    dave.bad(&["message", "show", &hash_s], "no Safe message");
    sql(&format!(
        "UPDATE safe_message SET message = '{}' WHERE message_hash = '{hash_s}'",
        json!(text).to_string().replace('\'', "''")
    ));
    let shown = dave.json(&["message", "show", &hash_s, "--tx-service", &api]);
    assert_eq!(shown["signatures"].as_array().unwrap().len(), 2, "restored: {shown}");

    // 4. A Safe owner (EIP-1271): OUTER is a 2-of-2 of an EOA and INNER, a 1-of-1 Safe. INNER's contract
    //    signature (its owner's signature of INNER's message over OUTER's Safe message hash) is accepted, after
    //    the same signature by someone who does not own INNER was refused; with the EOA's, the prepared
    //    signature is accepted by OUTER itself (isValidSignature by eth_call).
    contract_owner_message(&chain, &suite, &api).await;
    drop(server);

    // 5. api-kit on PostgreSQL (schema migrated to 2).
    let pg = Postgres::start();
    let safe3 = chain.create_safe_with(&suite, &[1, 2, 3], 2, 13).await.unwrap();
    let server = Serve::start(&rpc, &pg.url(), &[]);
    let out = run(&server.api(), &safe3.address.to_string());
    assert_eq!(out["list"]["count"], 2);
    assert_eq!(pg.psql("SELECT MAX(version) FROM coffer_schema"), "2");
    assert_eq!(pg.psql("SELECT COUNT(*) FROM safe_message_confirmation"), "3");
}

async fn raw_bad_input(server: &Serve, safe: &str, hash: &str) {
    let api = server.api();
    let create = format!("{api}/v1/safes/{safe}/messages/");
    // Broken JSON, a list, missing fields, a number as message, a short signature, a negative app id.
    let (s, b) = post(&create, "{\"message\": ").await;
    assert_eq!(s, 400, "{b}");
    assert!(b["detail"].as_str().unwrap().starts_with("JSON parse error"), "{b}");
    let (s, b) = post(&create, "[]").await;
    assert_eq!(
        (s, &b["nonFieldErrors"][0]),
        (400, &json!("Invalid data. Expected a dictionary, but got list."))
    );
    let (s, b) = post(&create, "{}").await;
    assert_eq!(s, 400);
    assert_eq!(b["message"][0], json!("This field is required."));
    assert_eq!(b["signature"][0], json!("This field is required."));
    let sig = format!("0x{}1b", "11".repeat(64));
    let (s, b) = post(&create, json!({"message": 5, "signature": sig}).to_string()).await;
    assert_eq!((s, &b["message"][0]), (400, &json!("Provided value is not a valid dict or str 5")));
    let (s, b) =
        post(&create, json!({"message": {"types": 3}, "signature": sig}).to_string()).await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["message"][0].as_str().unwrap().starts_with("Provided dictionary is not a valid EIP712")
    );
    let (s, b) = post(&create, json!({"message": "x", "signature": "0x1234"}).to_string()).await;
    assert_eq!(
        (s, &b["signature"][0]),
        (400, &json!("Ensure this field has at least 65 hexadecimal chars (not counting 0x)."))
    );
    let (s, b) =
        post(&create, json!({"message": "x", "signature": sig, "safeAppId": -1}).to_string()).await;
    assert_eq!(
        (s, &b["safeAppId"][0]),
        (400, &json!("Ensure this value is greater than or equal to 0."))
    );
    // A signature with an unknown v: named, 400.
    let bad_v = format!("0x{}05", "11".repeat(64));
    let (s, b) = post(&create, json!({"message": "x", "signature": bad_v}).to_string()).await;
    assert_eq!(s, 400, "{b}");
    assert!(b["nonFieldErrors"][0].as_str().unwrap().contains("v = 5"), "{b}");
    // An address without a Safe.
    let nobody = "0x000000000000000000000000000000000000dEaD";
    let (s, b) = post(
        &format!("{api}/v1/safes/{nobody}/messages/"),
        json!({"message": "x", "signature": sig}).to_string(),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    // Malformed and unknown hashes; the signatures route without a trailing slash.
    let (s, b, _) = get(&format!("{api}/v1/messages/0x12/")).await;
    assert_eq!((s, &b["detail"]), (404, &json!("Not found.")));
    let (s, b) = post(&format!("{api}/v1/messages/{hash}/signatures"), "{}").await;
    assert_eq!((s, &b["signature"][0]), (400, &json!("This field is required.")));
    let (s, b) = post(&format!("{api}/v1/messages/{hash}/signatures"), "nope").await;
    assert_eq!(s, 400, "{b}");
    let unknown = format!("0x{}", "cd".repeat(32));
    let (s, b) = post(&format!("{api}/v1/messages/{unknown}/signatures/"), "{}").await;
    assert_eq!((s, &b["detail"]), (404, &json!("No SafeMessage matches the given query.")));
    // The list without a trailing slash; a bad ordering falls back to the default; a bad limit is ignored.
    let (s, b, _) = get(&format!("{api}/v1/safes/{safe}/messages?ordering=nonsense&limit=x")).await;
    assert_eq!((s, &b["count"]), (200, &json!(2)), "{b}");
    let (s, b) = post(&format!("{api}/v1/safes/{safe}/messages/"), "{\"message\":\"x\"}").await;
    assert_eq!(s, 400, "{b}");
}

async fn contract_owner_message(
    chain: &TestChain,
    suite: &coffer_chain::SuiteAddresses,
    api: &str,
) {
    use coffer_chain::{SafeConfig, create_safe, read_safe, test_utils::sign_hash};
    use coffer_core::{SafeSignature, pack_signatures};
    let p = chain.provider();
    let make = |owners: Vec<alloy::primitives::Address>, threshold: u64, salt: u64| {
        let config =
            SafeConfig::new(owners, threshold).with_salt_nonce(alloy::primitives::U256::from(salt));
        async move { create_safe(p, chain.deployer(), suite, &config).await.unwrap().plan.address }
    };
    let inner = make(vec![chain.address(2)], 1, 31).await;
    let outer = make(vec![chain.address(1), inner], 2, 32).await;
    let outer_ctx = read_safe(p, outer).await.unwrap().context().unwrap();
    let inner_ctx = read_safe(p, inner).await.unwrap().context().unwrap();
    let content = MessageContent::Text("coffer: a Safe signs for a Safe".to_owned());
    let outer_hash = content.safe_message_hash(&outer_ctx).unwrap();
    // INNER's message is OUTER's Safe message hash (the standard EIP-1271 form OUTER asks with).
    let inner_hash =
        MessageContent::Raw(outer_hash.to_vec().into()).safe_message_hash(&inner_ctx).unwrap();
    let contract = |signer: usize| {
        let sig = sign_hash(chain.signer(signer), inner_hash).unwrap();
        SafeSignature::contract(inner, pack_signatures(&[sig]).unwrap()).to_bytes()
    };
    let create = format!("{api}/v1/safes/{outer}/messages/");
    let body = |sig: &alloy::primitives::Bytes| {
        json!({"message": "coffer: a Safe signs for a Safe", "signature": sig}).to_string()
    };
    // Signed for INNER by account 3, which does not own INNER: INNER does not answer the magic value.
    let forged = contract(3);
    let (s, b) = post(&create, body(&forged)).await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(
        b["nonFieldErrors"][0],
        json!(format!("Signature={forged} for owner={inner} is not valid"))
    );
    let good = contract(2);
    let (s, b) = post(&create, body(&good)).await;
    assert_eq!((s, b), (201, Value::Null));
    let eoa = sign_hash(chain.signer(1), outer_hash).unwrap().to_bytes();
    let (s, b) = post(
        &format!("{api}/v1/messages/{outer_hash}/signatures/"),
        json!({ "signature": eoa }).to_string(),
    )
    .await;
    assert_eq!((s, b), (201, Value::Null));
    let (_, m, _) = get(&format!("{api}/v1/messages/{outer_hash}/")).await;
    assert_eq!(m["proposedBy"], json!(inner.to_checksum(None)), "{m}");
    assert_eq!(m["confirmations"][0]["signatureType"], "CONTRACT_SIGNATURE", "{m}");
    let prepared: alloy::primitives::Bytes =
        m["preparedSignature"].as_str().unwrap().parse().unwrap();
    let check = coffer_chain::message::check_message_signature(p, &outer_ctx, &content, &prepared)
        .await
        .unwrap();
    assert!(check.is_valid(), "OUTER accepts the service's prepared signature: {check:?}");
}

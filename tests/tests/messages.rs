//! Safe messages and nested Safes through the real binary (issue 15, parts 3 and 4), on coffer's suite and
//! on canonical 1.4.1: `message sign` (text and EIP-712 typed data) with the preview recomputed, `message
//! show | list | verify`, each checked against the Safe itself on chain (`getMessageHash`, both
//! `isValidSignature` forms); refusals of bad input leave the store unchanged.

#![allow(clippy::unwrap_used, clippy::panic)]

// The Ledger is coffer-signer's device double (no device or Speculos app image can run here),
// spoken to over the real Speculos TCP transport, as in tests/drill.rs.
#[path = "../../crates/coffer-signer/tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    sol,
};
use coffer_chain::{
    SuiteAddresses,
    test_utils::{Implementation, TestChain},
};
use coffer_core::{MessageContent, SafeTxContext, SafeVersion};
use coffer_e2e::{Cli, key_hex};
use serde_json::{Value, json};

/// `#[tokio::test]` NAME running `CHECK(Implementation::IMP)`: one test per implementation of a shared check.
macro_rules! test_on {
    ($name:ident: $check:ident, $imp:ident) => {
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            $check(Implementation::$imp).await;
        }
    };
}

sol! {
    #[sol(rpc)]
    interface IMessageHandler {
        function getMessageHash(bytes memory message) external view returns (bytes32);
    }
}

struct World {
    chain: TestChain,
    #[allow(dead_code)]
    suite: SuiteAddresses,
    imp: Implementation,
    cli: Cli,
    keys: Vec<String>,
}

impl World {
    async fn new(imp: Implementation) -> Self {
        let chain = TestChain::spawn().await.unwrap();
        let suite = chain.deploy_suite(imp).await.unwrap();
        let cli = Cli::new(chain.endpoint());
        // Account 0 sends TestChain's own transactions; the CLI pays from account 9.
        let mut keys: Vec<String> = (0..10).map(|i| key_hex(chain.signer(i))).collect();
        keys[0] = keys[9].clone();
        Self { chain, suite, imp, cli, keys }
    }

    fn suite_name(&self) -> &'static str {
        match self.imp {
            Implementation::Coffer => "coffer",
            Implementation::Canonical130 => "canonical-1.3.0",
            Implementation::Canonical150 => "canonical-1.5.0",
            _ => "canonical-1.4.1",
        }
    }

    /// A Safe with these owners (addresses as text) and threshold, created through the CLI.
    /// The nested-Safe world: INNER, a 2-of-3 Safe (owners 1-3); OUTER, a 2-of-2 owned by owner 4 and INNER;
    /// and OTHER, a 1-of-1 Safe (owner 5) that owns neither.
    async fn nested(&self) -> (Address, Address, Address) {
        let inner_owners: Vec<String> = (1..=3).map(|i| self.owner(i)).collect();
        let inner = self.safe(&inner_owners, 2).await;
        let outer = self.safe(&[self.owner(4), inner.to_string()], 2).await;
        let other = self.safe(&[self.owner(5)], 1).await;
        (inner, outer, other)
    }

    async fn safe(&self, owners: &[String], threshold: u32) -> Address {
        let t = threshold.to_string();
        let mut args = vec!["safe", "create", "--suite", self.suite_name(), "--threshold", &t];
        for o in owners {
            args.extend(["--owner", o.as_str()]);
        }
        args.extend(["--private-key", self.keys[0].as_str()]);
        let safe: Address = self.cli.ok(&args).parse().unwrap();
        self.chain.fund(safe, U256::from(10u64).pow(U256::from(18))).await.unwrap();
        safe
    }

    async fn ctx(&self, safe: Address) -> SafeTxContext {
        let info = coffer_chain::read_safe(self.chain.provider(), safe).await.unwrap();
        info.context().unwrap()
    }

    fn owner(&self, i: usize) -> String {
        self.chain.address(i).to_string()
    }
}

fn mail_typed_data() -> Value {
    json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
            ],
            "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
            "Mail": [
                {"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                {"name": "contents", "type": "string"}
            ]
        },
        "primaryType": "Mail",
        "domain": {
            "name": "Ether Mail", "version": "1", "chainId": 31337,
            "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
        },
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
        }
    })
}

async fn messages_sign_show_list_verify(imp: Implementation) {
    let w = World::new(imp).await;
    let owners: Vec<String> = (1..=3).map(|i| w.owner(i)).collect();
    let safe = w.safe(&owners, 2).await;
    let safe_s = safe.to_string();
    let ctx = w.ctx(safe).await;
    let expected = match imp {
        Implementation::Canonical130 => Some(SafeVersion::V1_3_0),
        Implementation::Canonical150 => Some(SafeVersion::V1_5_0),
        _ => None,
    };
    if let Some(v) = expected {
        assert_eq!(ctx.version, v, "{imp}: the Safe is of the release under test");
    }
    let p = w.chain.provider();
    let text = "coffer: sign in to example.org\nnonce 42";

    // The hash coffer shows is the one the Safe's handler computes on chain.
    let content = MessageContent::Text(text.to_owned());
    let hash = content.safe_message_hash(&ctx).unwrap();
    let on_chain = IMessageHandler::new(safe, p)
        .getMessageHash(content.message_bytes().unwrap())
        .call()
        .await
        .unwrap();
    assert_eq!(on_chain, hash, "{imp}: getMessageHash");

    // Owner 1 signs: the preview shows the text and the Safe message hash before the signature.
    let r = w.cli.run(&["message", "sign", &safe_s, "--text", text, "--private-key", &w.keys[1]]);
    assert_eq!(r.code, 0, "{imp}: {}", r.stderr);
    assert!(r.stderr.contains("sign in to example.org"), "{}", r.stderr);
    assert!(r.stderr.contains(&hash.to_string()), "{}", r.stderr);
    assert!(r.stdout.trim().starts_with("0x"), "{}", r.stdout);

    // One signature of two: the Safe says no (exit 1), in every form.
    let hash_s = hash.to_string();
    let r = w.cli.run(&["message", "verify", &safe_s, &hash_s, "--json"]);
    assert_eq!(r.code, 1, "{imp}: one of two signatures must not verify\n{}", r.stderr);
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["valid"], json!(false));

    // Refusals: the same owner again, a stranger, no message, bad typed data, an unknown hash.
    w.cli.bad(
        &["message", "sign", &safe_s, "--text", text, "--private-key", &w.keys[1]],
        "has already signed",
    );
    w.cli.bad(
        &["message", "sign", &safe_s, "--text", text, "--private-key", &w.keys[5]],
        "is not an owner",
    );
    w.cli.bad(&["message", "sign", &safe_s, "--private-key", &w.keys[2]], "--text TEXT");
    let bad_file = w.cli.file("bad.json");
    std::fs::write(&bad_file, "{\"types\": 3}").unwrap();
    w.cli.bad(
        &[
            "message",
            "sign",
            &safe_s,
            "--typed-data",
            bad_file.to_str().unwrap(),
            "--private-key",
            &w.keys[2],
        ],
        "--typed-data",
    );
    w.cli.bad(&["message", "show", "0x1234"], "is not a Safe message hash");
    w.cli.bad(&["message", "show", &B256::repeat_byte(7).to_string()], "no Safe message");

    // Owner 2 (eth_sign) completes it: valid in both forms the version has, and not signed on chain.
    w.cli.ok(&[
        "message",
        "sign",
        &safe_s,
        "--text",
        text,
        "--eth-sign",
        "--private-key",
        &w.keys[2],
    ]);
    let v = w.cli.json(&["message", "verify", &safe_s, &hash_s]);
    assert_eq!(v["valid"], json!(true), "{imp}: {v}");
    assert_eq!(v["bytes32Form"]["valid"], json!(true), "{imp}: {v}");
    if ctx.version == SafeVersion::V1_5_0 {
        assert_eq!(v["bytesForm"], Value::Null);
    } else {
        assert_eq!(v["bytesForm"]["valid"], json!(true), "{imp}: {v}");
    }
    assert_eq!(v["signedOnChain"], json!(false));
    // The same, giving the text instead of the hash.
    let v = w.cli.json(&["message", "verify", &safe_s, "--text", text]);
    assert_eq!(v["valid"], json!(true), "{imp}: {v}");
    // An edited text is not what the owners signed.
    let r = w.cli.run(&[
        "message",
        "verify",
        &safe_s,
        "--text",
        "coffer: sign in to example.org\nnonce 43",
        "--signature",
        v["signature"].as_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{imp}: an edited text must not verify\n{}", r.stderr);

    let shown = w.cli.json(&["message", "show", &hash_s]);
    assert_eq!(shown["message"], json!(text));
    assert_eq!(shown["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(shown["preparedSignature"], v["signature"]);

    // EIP-712 typed data: the preview decodes the domain, types and message.
    let file = w.cli.file("mail.json");
    std::fs::write(&file, serde_json::to_string_pretty(&mail_typed_data()).unwrap()).unwrap();
    let file_s = file.to_str().unwrap();
    for owner in [1, 3] {
        let r = w.cli.run(&[
            "message",
            "sign",
            &safe_s,
            "--typed-data",
            file_s,
            "--private-key",
            &w.keys[owner],
        ]);
        assert_eq!(r.code, 0, "{imp}: {}", r.stderr);
        for needle in
            ["name Ether Mail", "Mail(Person from,Person to,string contents)", "Hello, Bob!"]
        {
            assert!(r.stderr.contains(needle), "{needle} not in\n{}", r.stderr);
        }
    }
    let typed = MessageContent::typed_data(mail_typed_data()).unwrap();
    let typed_hash = typed.safe_message_hash(&ctx).unwrap();
    let v = w.cli.json(&["message", "verify", &safe_s, &typed_hash.to_string()]);
    assert_eq!(v["valid"], json!(true), "{imp}: {v}");

    let list = w.cli.json(&["message", "list", &safe_s]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["safeMessageHash"], json!(hash));
    assert_eq!(list[1]["safeMessageHash"], json!(typed_hash));
    assert_eq!(list[1]["kind"], json!("typed_data"));
    let _ = p.get_block_number().await.unwrap();
}

test_on!(messages_on_canonical_141: messages_sign_show_list_verify, Canonical141);
test_on!(messages_on_coffer_suite: messages_sign_show_list_verify, Coffer);

/// A 2-of-2 Safe owned by an EOA and by a 2-of-3 Safe: the EOA signs, two owners of the inner Safe sign with
/// `tx sign --as-safe`, coffer adds the inner Safe's contract signature, and the transaction executes on chain.
async fn nested_safe_signs_and_executes(imp: Implementation) {
    let w = World::new(imp).await;
    let (inner, outer, other) = w.nested().await;
    let outer_s = outer.to_string();
    let inner_s = inner.to_string();
    let to = "0x000000000000000000000000000000000000dEaD";
    let before = w.chain.provider().get_balance(to.parse().unwrap()).await.unwrap();
    let h = w.cli.ok(&[
        "tx",
        "propose",
        &outer_s,
        "--suite",
        w.suite_name(),
        "eth",
        "--to",
        to,
        "--value",
        "0.01ether",
    ]);
    w.cli.ok(&["tx", "sign", &h, "--private-key", &w.keys[4]]);

    // Refused: a Safe that is not an owner, and a signer that does not own the inner Safe.
    w.cli.bad(
        &["tx", "sign", &h, "--as-safe", &other.to_string(), "--private-key", &w.keys[5]],
        "is not an owner of Safe",
    );
    w.cli.bad(
        &["tx", "sign", &h, "--as-safe", &inner_s, "--private-key", &w.keys[6]],
        "is not an owner of Safe",
    );

    // Not published to a service yet: refused rather than silently skipped.
    w.cli.bad(
        &[
            "tx",
            "sign",
            &h,
            "--as-safe",
            &inner_s,
            "--tx-service",
            "http://127.0.0.1:9/api",
            "--private-key",
            &w.keys[1],
        ],
        "does not publish to a Transaction Service",
    );

    // First inner owner: the outer transaction is shown, the signature is kept as the inner Safe's message.
    let r = w.cli.run(&["tx", "sign", &h, "--as-safe", &inner_s, "--private-key", &w.keys[1]]);
    assert_eq!(r.code, 0, "{imp}: {}", r.stderr);
    assert!(r.stderr.contains(&h), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("as Safe {inner_s}'s message")), "{}", r.stderr);
    let v: Value = w.cli.json(&["tx", "show", &h]);
    let n = v["signatures"].as_array().map_or(0, Vec::len);
    assert_eq!(n, 1, "{imp}: no contract signature before the inner threshold: {v}");
    // Not executable yet.
    let r =
        w.cli.run(&["tx", "execute", &h, "--suite", w.suite_name(), "--private-key", &w.keys[0]]);
    assert_ne!(r.code, 0, "{imp}: executed with one inner signature");

    // Second inner owner: the contract signature (v = 0) is added; the transaction executes.
    let v = w.cli.json(&["tx", "sign", &h, "--as-safe", &inner_s, "--private-key", &w.keys[3]]);
    assert_eq!(v["innerSignatures"], json!(2), "{v}");
    assert!(v["contractSignature"].is_string(), "{v}");
    assert_eq!(v["signatures"], json!(2), "{v}");
    w.cli.ok(&["tx", "execute", &h, "--suite", w.suite_name(), "--private-key", &w.keys[0]]);
    let after = w.chain.provider().get_balance(to.parse().unwrap()).await.unwrap();
    assert_eq!(after - before, U256::from(10_000_000_000_000_000u64), "{imp}: paid");
}

test_on!(nested_safe_on_canonical_141: nested_safe_signs_and_executes, Canonical141);
test_on!(nested_safe_on_coffer_suite: nested_safe_signs_and_executes, Coffer);

/// A 2-of-2 Safe owned by an EOA and by a 2-of-3 Safe, the inner Safe approving on chain: `tx approve HASH
/// --as-safe INNER` shows the outer transaction and proposes INNER's `approveHash(HASH)` through the propose
/// flow; INNER's owners sign and execute it; the second `tx approve --as-safe` adds INNER's approved-hash
/// signature (v = 1) and the outer transaction executes with it.
async fn nested_safe_approves_on_chain(imp: Implementation) {
    let w = World::new(imp).await;
    let (inner, outer, other) = w.nested().await;
    let (outer_s, inner_s) = (outer.to_string(), inner.to_string());
    let to = "0x000000000000000000000000000000000000bEEF";
    let before = w.chain.provider().get_balance(to.parse().unwrap()).await.unwrap();
    let h = w.cli.ok(&[
        "tx",
        "propose",
        &outer_s,
        "--suite",
        w.suite_name(),
        "eth",
        "--to",
        to,
        "--value",
        "0.02ether",
    ]);
    w.cli.ok(&["tx", "sign", &h, "--private-key", &w.keys[4]]);
    // Refused: a Safe that does not own the outer Safe; nothing proposed.
    w.cli.bad(&["tx", "approve", &h, "--as-safe", &other.to_string()], "is not an owner of Safe");

    // The preview names what is approved and decodes the outer transaction; INNER's proposal is stored.
    let r = w.cli.run(&["tx", "approve", &h, "--as-safe", &inner_s]);
    assert_eq!(r.code, 0, "{imp}: {}", r.stderr);
    assert!(
        r.stderr.contains(&format!("will approve Safe {outer_s}'s transaction {h}")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("value         20000000000000000 wei"),
        "the outer transfer is shown: {}",
        r.stderr
    );
    let ih = r.stdout.trim().to_owned();
    let shown = w.cli.json(&["tx", "show", &ih]);
    let lower = |v: &Value| v.as_str().unwrap_or_default().to_lowercase();
    assert_eq!(lower(&shown["safe"]), inner_s.to_lowercase(), "{shown}");
    assert_eq!(lower(&shown["tx"]["to"]), outer_s.to_lowercase(), "{shown}");
    // approveHash(bytes32) = 0xd4d9bdcd, then the outer hash.
    let data = lower(&shown["tx"]["data"]);
    assert_eq!(data, format!("0xd4d9bdcd{}", h.trim_start_matches("0x").to_lowercase()), "{shown}");
    let action = shown["action"].as_str().unwrap();
    assert!(action.contains(&format!("approveHash({h})")), "decoded for INNER's signers: {action}");
    // Before the inner Safe executes it, the outer transaction does not execute, and a second run proposes
    // nothing new.
    let r =
        w.cli.run(&["tx", "execute", &h, "--suite", w.suite_name(), "--private-key", &w.keys[0]]);
    assert_ne!(r.code, 0, "{imp}: executed without the inner approval");
    let again = w.cli.json(&["tx", "approve", &h, "--as-safe", &inner_s]);
    assert_eq!(
        (&again["alreadyProposed"], &again["innerProposal"]),
        (&json!(true), &json!(ih)),
        "{again}"
    );
    for k in [1, 3] {
        w.cli.ok(&["tx", "sign", &ih, "--private-key", &w.keys[k]]);
    }
    w.cli.ok(&["tx", "execute", &ih, "--suite", w.suite_name(), "--private-key", &w.keys[0]]);
    let v = w.cli.json(&["tx", "approve", &h, "--as-safe", &inner_s]);
    assert_eq!(v["approvedOnChain"], json!(true), "{v}");
    assert_eq!(v["signatureAdded"], json!(true), "{v}");
    assert_eq!(v["signatures"], json!(2), "{v}");
    let shown = w.cli.json(&["tx", "show", &h]);
    let kinds: Vec<&str> =
        shown["signatures"].as_array().unwrap().iter().filter_map(|s| s["kind"].as_str()).collect();
    assert!(kinds.iter().any(|k| k.contains("approved")), "{imp}: {shown}");
    w.cli.ok(&["tx", "execute", &h, "--suite", w.suite_name(), "--private-key", &w.keys[0]]);
    let after = w.chain.provider().get_balance(to.parse().unwrap()).await.unwrap();
    assert_eq!(after - before, U256::from(20_000_000_000_000_000u64), "{imp}: paid");
}

test_on!(nested_safe_approves_on_chain_canonical_141: nested_safe_approves_on_chain, Canonical141);

/// On-chain signing through SignMessageLib: `tx propose SAFE sign-message --text T` shows the message and its
/// Safe message hash; once executed, `message verify` accepts the empty signature (signedMessages set).
async fn sign_message_on_chain(imp: Implementation) {
    let w = World::new(imp).await;
    let owners: Vec<String> = (1..=3).map(|i| w.owner(i)).collect();
    let safe = w.safe(&owners, 2).await;
    let safe_s = safe.to_string();
    let ctx = w.ctx(safe).await;
    let text = "coffer: treasury policy v2 adopted";
    let hash = MessageContent::Text(text.to_owned()).safe_message_hash(&ctx).unwrap();
    // Before: no signature, not signed on chain.
    let r = w.cli.run(&["message", "verify", &safe_s, "--text", text, "--signature", "0x"]);
    assert_eq!(r.code, 1, "{imp}: {}", r.stderr);
    let args =
        ["tx", "propose", &safe_s, "--suite", w.suite_name(), "sign-message", "--text", text];
    let r = w.cli.run(&args);
    assert_eq!(r.code, 0, "{imp}: {}", r.stderr);
    assert!(
        r.stderr.contains("treasury policy v2") && r.stderr.contains(&hash.to_string()),
        "{}",
        r.stderr
    );
    let h = r.stdout.trim().to_owned();
    for owner in [1, 2] {
        let r = w.cli.run(&["tx", "sign", &h, "--private-key", &w.keys[owner]]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains(&hash.to_string()), "{}", r.stderr);
    }
    w.cli.ok(&["tx", "execute", &h, "--suite", w.suite_name(), "--private-key", &w.keys[0]]);
    let v = w.cli.json(&["message", "verify", &safe_s, "--text", text, "--signature", "0x"]);
    assert_eq!(v["valid"], json!(true), "{imp}: {v}");
    assert_eq!(v["signedOnChain"], json!(true), "{imp}: {v}");
}

test_on!(sign_message_on_chain_canonical_141: sign_message_on_chain, Canonical141);
test_on!(sign_message_on_chain_coffer_suite: sign_message_on_chain, Coffer);

// Canonical 1.3.0 and 1.5.0 Safes coffer did not deploy (npm bytecode at the canonical addresses): the message hash
// equals the Safe's own `getMessageHash` (on the CompatibilityFallbackHandler), `message verify` accepts (1.5.0:
// the bytes32 form only), and a nested 2-of-2 (EOA + 2-of-3 Safe) executes, by contract signature and by
// on-chain approval.

test_on!(messages_on_canonical_130: messages_sign_show_list_verify, Canonical130);
test_on!(messages_on_canonical_150: messages_sign_show_list_verify, Canonical150);
test_on!(nested_safe_on_canonical_130: nested_safe_signs_and_executes, Canonical130);
test_on!(nested_safe_on_canonical_150: nested_safe_signs_and_executes, Canonical150);
test_on!(nested_safe_approves_on_chain_canonical_130: nested_safe_approves_on_chain, Canonical130);
test_on!(nested_safe_approves_on_chain_canonical_150: nested_safe_approves_on_chain, Canonical150);

/// Issue 15 item 3: a Safe message (EIP-712 typed data) collected through an offline file on a
/// 2-of-3 canonical 1.4.1 Safe. Owner A signs online; `message export`; owner B signs the file on a
/// machine with no node and an empty store (`message sign --bundle --offline`); `message import`
/// checks B against the chain; the Safe's `isValidSignature` accepts the pair. Refused with exit 2
/// and the store unchanged: an altered message, a non-owner's signature, a file for another chain.
#[tokio::test(flavor = "multi_thread")]
async fn message_signed_offline_through_a_file() {
    let w = World::new(Implementation::Canonical141).await;
    let owners: Vec<String> = (1..=3).map(|i| w.owner(i)).collect();
    let safe = w.safe(&owners, 2).await;
    let s = safe.to_string();
    let ctx = w.ctx(safe).await;
    let typed = w.cli.file("mail.json");
    std::fs::write(&typed, mail_typed_data().to_string()).unwrap();
    let typed_s = typed.to_str().unwrap();
    let expected =
        MessageContent::typed_data(mail_typed_data()).unwrap().safe_message_hash(&ctx).unwrap();

    // Owner A online.
    let v: Value = serde_json::from_str(&w.cli.ok(&[
        "message",
        "sign",
        &s,
        "--typed-data",
        typed_s,
        "--private-key",
        &w.keys[1],
        "--json",
    ]))
    .unwrap();
    let hash = v["safeMessageHash"].as_str().unwrap().to_owned();
    assert_eq!(hash.parse::<B256>().unwrap(), expected);

    // Export; an existing file is not replaced silently.
    let file = w.cli.file("msg.json");
    let file_s = file.to_str().unwrap();
    let v: Value =
        serde_json::from_str(&w.cli.ok(&["message", "export", &hash, "-o", file_s, "--json"]))
            .unwrap();
    assert_eq!(v["signatures"], json!(1), "{v}");
    assert_eq!(v["safeMessageHash"], json!(hash));
    w.cli.bad(&["message", "export", &hash, "-o", file_s], "--force");

    // Owner B on a machine with no node and its own empty store.
    let offline = Arc::new(Cli::new("http://127.0.0.1:1"));
    let carried = offline.file("msg.json");
    std::fs::copy(&file, &carried).unwrap();
    let carried_s = carried.to_str().unwrap();
    let r = offline.run(&[
        "message",
        "sign",
        "--bundle",
        carried_s,
        "--offline",
        "--private-key",
        &w.keys[2],
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["offline"], json!(true));
    assert_eq!(v["signatures"], json!(2), "{v}");
    assert_eq!(v["safeMessageHash"], json!(hash));
    assert_eq!(v["owner"], json!(w.chain.address(2)));
    assert!(r.stderr.contains("Hello, Bob!"), "the preview shows the message:\n{}", r.stderr);
    assert!(r.stderr.contains(&hash), "the preview shows the hash:\n{}", r.stderr);
    assert!(r.stderr.contains("offline: not checked against the chain"), "{}", r.stderr);
    offline.bad(
        &["message", "sign", "--bundle", carried_s, "--private-key", &w.keys[2]],
        "already signed",
    );

    // Owner C on the same offline machine with a Ledger (the double, run off the async runtime so
    // it keeps answering; anvil's mnemonic is its seed, so m/44'/60'/0'/0/3 holds owner 3's key).
    let ledger = common::LedgerDouble::spawn().await;
    let args: Vec<String> = [
        "message",
        "sign",
        "--bundle",
        carried_s,
        "--offline",
        "--ledger-url",
        &ledger.url,
        "--hd-path",
        "m/44'/60'/0'/0/3",
        "--json",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    let off = Arc::clone(&offline);
    let r = tokio::task::spawn_blocking(move || {
        off.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["owner"], json!(w.chain.address(3)), "{v}");
    assert_eq!(v["signerKind"], json!("Ledger"), "{v}");
    assert_eq!(v["signatures"], json!(3), "{v}");

    // Bad input: a message beside the file, a missing file, --offline without a file.
    offline.bad(
        &["message", "sign", "--bundle", carried_s, "--text", "hi", "--private-key", &w.keys[3]],
        "do not also give",
    );
    w.cli.bad(&["message", "import", "/nonexistent/msg.json"], "cannot read it");
    let r = offline.run(&["message", "sign", &s, "--offline", "--private-key", &w.keys[3]]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--bundle"), "{}", r.stderr);

    // An altered message: refused offline and online, whatever signatures the file holds.
    let mut altered: Value =
        serde_json::from_str(&std::fs::read_to_string(&carried).unwrap()).unwrap();
    altered["message"]["message"]["contents"] = json!("Hello, Mallory!");
    let altered_p = offline.file("altered.json");
    std::fs::write(&altered_p, altered.to_string()).unwrap();
    let altered_s = altered_p.to_str().unwrap();
    offline.bad(
        &["message", "sign", "--bundle", altered_s, "--private-key", &w.keys[3]],
        "the file was altered",
    );
    w.cli.bad(&["message", "import", altered_s], "the file was altered");

    // A non-owner's signature alone: named and refused, nothing imported.
    let stranger = offline.file("stranger.json");
    std::fs::copy(&file, &stranger).unwrap();
    let stranger_s = stranger.to_str().unwrap();
    let mut only: Value =
        serde_json::from_str(&std::fs::read_to_string(&stranger).unwrap()).unwrap();
    only["signatures"] = json!([]);
    std::fs::write(&stranger, only.to_string()).unwrap();
    offline.ok(&["message", "sign", "--bundle", stranger_s, "--private-key", &w.keys[5]]);
    w.cli.bad(&["message", "import", stranger_s], "is not an owner");

    // A file for another chain (its hash is right for chain 1): refused on this node.
    let other = coffer_chain::message_file::MessageFile::new(
        &SafeTxContext { chain_id: 1, ..ctx },
        &MessageContent::typed_data(mail_typed_data()).unwrap(),
    )
    .unwrap();
    let other_p = offline.file("other.json");
    std::fs::write(&other_p, other.to_json().unwrap()).unwrap();
    let other_s = other_p.to_str().unwrap();
    offline.ok(&["message", "sign", "--bundle", other_s, "--private-key", &w.keys[2]]);
    w.cli.bad(&["message", "import", other_s], "for chain 1");

    // The good file: B's and C's signatures imported, A's already there.
    let v: Value =
        serde_json::from_str(&w.cli.ok(&["message", "import", carried_s, "--json"])).unwrap();
    assert_eq!(v["imported"], json!([w.chain.address(2), w.chain.address(3)]), "{v}");
    assert_eq!(v["signatures"], json!(3), "{v}");
    assert_eq!(v["threshold"], json!(2), "{v}");
    assert_eq!(v["refused"], json!([]), "{v}");
    // The Safe itself accepts the collected signatures.
    let v: Value =
        serde_json::from_str(&w.cli.ok(&["message", "verify", &s, &hash, "--json"])).unwrap();
    assert_eq!(v["valid"], json!(true), "{v}");
    assert_eq!(v["bytes32Form"]["valid"], json!(true), "{v}");
    assert_eq!(v["bytesForm"]["valid"], json!(true), "{v}");
}

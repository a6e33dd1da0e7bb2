//! The signing gate through the real binary (issue 12): every path that proposes, signs,
//! approves, imports or executes refuses a DELEGATECALL to anything but a known library (by
//! address, and online by runtime code); offline bundles say what was not checked and refuse a
//! legacy domain; SignMessageLib's message and Safe message hash are shown (and cross-checked on
//! chain); the executor's own approval counts only when asked; `tx import` refuses a bundle
//! whose label or rows do not match its calldata.

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::{
    primitives::{Address, Bytes, U256, address},
    providers::Provider,
};
use coffer_chain::{
    SuiteAddresses,
    test_utils::{Implementation, TestChain},
};
use coffer_contracts::bindings::ISafe;
use coffer_core::{
    MultiSendBatch, MultiSendEntry, SafeTx, SafeTxContext, SafeVersion, safe_message_hash,
};
use coffer_e2e::{Cli, key_hex};
use coffer_store::Bundle;
use serde_json::Value;

const SUITE: &str = "canonical-1.4.1";
const NOBODY: &str = "0x000000000000000000000000000000000000dEaD";
/// An address no library lives at, where the tests put an exact copy of MultiSendCallOnly.
const LOOKALIKE: Address = address!("00000000000000000000000000000000C0FFEE01");
/// The canonical 1.5.0 MultiSendCallOnly: a known library address, not deployed on the test chain
/// (its suite is canonical 1.4.1), so the tests can put other code there.
const CANONICAL_150_MSCO: Address = address!("A83c336B20401Af773B6219BA5027174338D1836");

struct World {
    chain: TestChain,
    suite: SuiteAddresses,
    cli: Cli,
    keys: Vec<String>,
    safe: String,
    safe_addr: Address,
}

impl World {
    async fn new() -> Self {
        let chain = TestChain::spawn().await.unwrap();
        let suite = chain.deploy_suite(Implementation::Canonical141).await.unwrap();
        let cli = Cli::new(chain.endpoint());
        // Account 0 sends TestChain's own transactions; the CLI pays from account 9.
        let mut keys: Vec<String> = (0..10).map(|i| key_hex(chain.signer(i))).collect();
        keys[0] = keys[9].clone();
        let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
        let owners: Vec<&str> = owners.iter().map(String::as_str).collect();
        let mut args = vec!["safe", "create", "--suite", SUITE, "--threshold", "2"];
        for o in &owners {
            args.extend(["--owner", o]);
        }
        args.extend(["--private-key", keys[0].as_str()]);
        let safe = cli.ok(&args);
        let safe_addr: Address = safe.parse().unwrap();
        chain.fund(safe_addr, U256::from(10u64).pow(U256::from(18))).await.unwrap();
        Self { chain, suite, cli, keys, safe, safe_addr }
    }

    fn ctx(&self) -> SafeTxContext {
        SafeTxContext::new(self.chain.chain_id(), self.safe_addr, SafeVersion::V1_4_1)
    }

    fn propose(&self, action: &[&str]) -> String {
        let mut args = vec!["tx", "propose", self.safe.as_str(), "--suite", SUITE];
        args.extend(action);
        self.cli.ok(&args)
    }

    fn propose_bad(&self, action: &[&str], needle: &str) {
        let mut args = vec!["tx", "propose", self.safe.as_str(), "--suite", SUITE];
        args.extend(action);
        self.cli.bad(&args, needle);
    }

    /// Writes `tx` for this Safe (in `ctx`) as a bundle file with no signature.
    fn bundle(&self, name: &str, ctx: SafeTxContext, tx: SafeTx) -> String {
        let path = self.cli.file(name).to_str().unwrap().to_owned();
        Bundle::new(ctx, tx, &[], None).unwrap().write_atomic(&path).unwrap();
        path
    }

    /// `tx sign --bundle` must refuse `path` (exit 2) and leave it byte for byte unchanged.
    fn bundle_sign_bad(&self, path: &str, extra: &[&str], needle: &str) {
        let before = std::fs::read(path).unwrap();
        let mut args = vec!["tx", "sign", "--bundle", path, "--private-key", self.keys[1].as_str()];
        args.extend(extra);
        self.cli.bad(&args, needle);
        assert_eq!(std::fs::read(path).unwrap(), before, "{path} changed");
    }

    /// `tx sign --bundle` that must succeed: its stderr (the preview).
    fn bundle_sign_ok(&self, path: &str, extra: &[&str]) -> String {
        let mut args = vec!["tx", "sign", "--bundle", path, "--private-key", self.keys[1].as_str()];
        args.extend(extra);
        let r = self.cli.run(&args);
        assert_eq!(r.code, 0, "`coffer {}` failed:\n{}", args.join(" "), r.stderr);
        r.stderr
    }

    async fn nonce(&self) -> U256 {
        ISafe::new(self.safe_addr, self.chain.provider()).nonce().call().await.unwrap()
    }
}

/// `multiSend(bytes)` calldata of one plain ETH transfer out of the Safe: what every honest batch
/// looks like, so only the target tells a library from an impostor.
fn one_transfer_batch() -> Bytes {
    MultiSendBatch::new(vec![MultiSendEntry::call(
        NOBODY.parse().unwrap(),
        U256::from(1000u64),
        Bytes::new(),
    )])
    .encode_call()
}

#[tokio::test(flavor = "multi_thread")]
async fn delegatecalls_are_refused_on_every_path() {
    let w = World::new().await;
    let data = one_transfer_batch().to_string();
    // A lookalike: the exact runtime code of the canonical MultiSendCallOnly, at another address.
    let msco_code = w.chain.provider().get_code_at(w.suite.multi_send_call_only).await.unwrap();
    w.chain.set_code(LOOKALIKE, msco_code).await.unwrap();
    let lookalike = LOOKALIKE.to_string();
    let raw =
        ["raw", "--to", lookalike.as_str(), "--data", data.as_str(), "--operation", "delegatecall"];

    // propose: refused by default, accepted with the flag (and the preview says so).
    w.propose_bad(&raw, "not a known MultiSendCallOnly or SignMessageLib");
    let mut allowed = raw.to_vec();
    allowed.push("--allow-delegatecall");
    let h = w.propose(&allowed);

    // Online sign, approve, execute: each refuses without the flag, and nothing reaches the chain.
    let nonce = w.nonce().await;
    for cmd in [
        vec!["tx", "sign", h.as_str(), "--private-key", w.keys[1].as_str()],
        vec!["tx", "approve", h.as_str(), "--private-key", w.keys[1].as_str()],
        vec!["tx", "execute", h.as_str(), "--suite", SUITE, "--private-key", w.keys[1].as_str()],
    ] {
        w.cli.bad(&cmd, "not a known MultiSendCallOnly or SignMessageLib");
    }
    assert_eq!(w.nonce().await, nonce);
    let approved = ISafe::new(w.safe_addr, w.chain.provider())
        .approvedHashes(w.chain.address(1), h.parse().unwrap())
        .call()
        .await
        .unwrap();
    assert!(approved.is_zero(), "approveHash was sent");

    // With the flag an owner may sign; the preview names the target as not a known library.
    let r = w.cli.run(&["tx", "sign", &h, "--allow-delegatecall", "--private-key", &w.keys[1]]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("NOT a known library"), "{}", r.stderr);

    // Offline: the exported bundle is refused by `tx sign --bundle`, and by `tx import`.
    let file = w.cli.file("lookalike.bundle.json").to_str().unwrap().to_owned();
    w.cli.ok(&["tx", "export", &h, "-o", &file]);
    w.bundle_sign_bad(&file, &[], "not a known MultiSendCallOnly or SignMessageLib");
    let other = Cli::new(w.chain.endpoint());
    other.bad(&["tx", "import", &file], "not a known MultiSendCallOnly or SignMessageLib");

    // A known library address holding other code (here canonical MultiSend, whose entries may
    // delegatecall) is refused online even with --allow-delegatecall.
    let multisend_code = w.chain.provider().get_code_at(w.suite.multi_send).await.unwrap();
    w.chain.set_code(CANONICAL_150_MSCO, multisend_code).await.unwrap();
    let target = CANONICAL_150_MSCO.to_string();
    let impostor =
        ["raw", "--to", target.as_str(), "--data", data.as_str(), "--operation", "delegatecall"];
    w.propose_bad(
        &impostor,
        "is the address of canonical 1.5.0 MultiSendCallOnly, but the code there has hash",
    );
    let mut impostor_allowed = impostor.to_vec();
    impostor_allowed.push("--allow-delegatecall");
    w.propose_bad(&impostor_allowed, "this is not that library");
    // Offline the same address passes by address only, and the preview says the code was not
    // checked.
    let tx = SafeTx::delegate_call(CANONICAL_150_MSCO, one_transfer_batch(), U256::from(7));
    let path = w.bundle("impostor.bundle.json", w.ctx(), tx);
    let preview = w.bundle_sign_ok(&path, &[]);
    assert!(preview.contains("offline its code was NOT checked"), "{preview}");
    assert!(preview.contains("were not checked against a node"), "{preview}");

    // The honest batch through the real library passes everywhere, with the code check shown.
    let msco = w.suite.multi_send_call_only.to_string();
    let honest = w.propose(&["raw", "--to", &msco, "--data", &data, "--operation", "delegatecall"]);
    let r = w.cli.run(&["tx", "sign", &honest, "--private-key", &w.keys[1]]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("runtime code checked on chain"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_bundles_refuse_legacy_domains_and_show_messages() {
    let w = World::new().await;
    // A Safe < 1.3.0 has no chain id in its domain: refused offline unless asked for.
    let legacy = SafeTxContext::new(w.chain.chain_id(), w.safe_addr, SafeVersion::V1_2_0);
    let tx = SafeTx::call(NOBODY.parse().unwrap(), U256::from(1u64), Bytes::new(), U256::ZERO);
    let path = w.bundle("legacy.bundle.json", legacy, tx.clone());
    w.bundle_sign_bad(&path, &[], "--allow-legacy-domain");
    let preview = w.bundle_sign_ok(&path, &["--allow-legacy-domain"]);
    assert!(preview.contains("has no chain id in its EIP-712 domain"), "{preview}");
    assert!(preview.contains("the version was NOT checked"), "{preview}");
    // Online, the version is read from the chain: a bundle that claims 1.2.0 for a 1.4.1 Safe
    // is refused by `tx import`.
    let legacy_again = w.bundle("legacy2.bundle.json", legacy, tx);
    w.cli.bad(&["tx", "import", &legacy_again], "reports 1.4.1");

    // SignMessageLib: the message and its Safe message hash are shown, offline and online.
    let message = "coffer: I approve the March payroll";
    let calldata = sign_message_calldata(message.as_bytes());
    let expected = safe_message_hash(&w.ctx(), message.as_bytes());
    let lib = w.suite.sign_message_lib;
    let path = w.bundle(
        "message.bundle.json",
        w.ctx(),
        SafeTx::delegate_call(lib, calldata.clone(), U256::ZERO),
    );
    let preview = w.bundle_sign_ok(&path, &[]);
    assert!(preview.contains(&format!("{message:?}")), "{preview}");
    assert!(preview.contains(&expected.to_string()), "{preview}");
    assert!(preview.contains("SAFE MESSAGE SIGNATURE"), "{preview}");

    let lib_s = lib.to_string();
    let cd = calldata.to_string();
    let h = w.propose(&["raw", "--to", &lib_s, "--data", &cd, "--operation", "delegatecall"]);
    for owner in [1, 2] {
        let r = w.cli.run(&["tx", "sign", &h, "--private-key", &w.keys[owner]]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains(&expected.to_string()), "{}", r.stderr);
    }
    w.cli.ok(&["tx", "execute", &h, "--suite", SUITE, "--private-key", &w.keys[0]]);
    // On-chain cross-check: the Safe now holds exactly the hash the gate showed.
    let signed =
        ISafe::new(w.safe_addr, w.chain.provider()).signedMessages(expected).call().await.unwrap();
    assert_eq!(signed, U256::from(1u64), "signedMessages({expected})");
}

fn sign_message_calldata(message: &[u8]) -> Bytes {
    // signMessage(bytes): selector 0x85a5affe, then the ABI-encoded bytes.
    let mut out = vec![0x85, 0xa5, 0xaf, 0xfe];
    out.extend_from_slice(&U256::from(32u64).to_be_bytes::<32>());
    out.extend_from_slice(&U256::from(message.len()).to_be_bytes::<32>());
    out.extend_from_slice(message);
    out.resize(4 + 64 + message.len().div_ceil(32) * 32, 0);
    Bytes::from(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn execute_counts_my_approval_only_when_asked() {
    let w = World::new().await;
    let h = w.propose(&["eth", "--to", NOBODY, "--value", "0.01ether"]);
    w.cli.ok(&["tx", "sign", &h, "--private-key", &w.keys[1]]);
    let nonce = w.nonce().await;
    // Owner 2 executes with one signature missing: no terminal, no flag → refused, nothing sent,
    // and the transaction was shown first.
    let r = w.cli.bad(
        &["tx", "execute", &h, "--suite", SUITE, "--private-key", &w.keys[2]],
        "--with-my-approval",
    );
    assert!(r.stderr.contains("safeTxHash") && r.stderr.contains("action"), "{}", r.stderr);
    assert_eq!(w.nonce().await, nonce);
    // Asked for: executed with owner 2's v = 1 approval.
    let r = w.cli.run(&[
        "tx",
        "execute",
        &h,
        "--suite",
        SUITE,
        "--with-my-approval",
        "--private-key",
        &w.keys[2],
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("the executor's own approval"), "{}", r.stderr);
    assert_eq!(w.nonce().await, nonce + U256::from(1u64));
}

/// An edit of a bundle's JSON.
type Edit<'a> = dyn Fn(&mut Value) + 'a;

#[tokio::test(flavor = "multi_thread")]
async fn import_refuses_rows_and_labels_that_do_not_match() {
    let w = World::new().await;
    let token = w.chain.deploy_coffer_test_token().await.unwrap();
    w.chain
        .transfer_token(token, w.safe_addr, U256::from(10u64).pow(U256::from(20)))
        .await
        .unwrap();
    let csv = format!(
        "token_type,token_address,receiver,amount,id\n\
         native,,0x00000000000000000000000000000000000b0b01,0.5,\n\
         erc20,{token},0x00000000000000000000000000000000000b0b02,1.25,\n\
         erc20,{token},0x00000000000000000000000000000000000b0b03,2,\n"
    );
    let file = w.cli.file("pay.csv");
    std::fs::write(&file, csv).unwrap();
    let h = w.propose(&["batch", "--csv", file.to_str().unwrap()]);
    let bundle = w.cli.file("pay.bundle.json").to_str().unwrap().to_owned();
    w.cli.ok(&["tx", "export", &h, "-o", &bundle]);
    let original: Value = serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let label = original["meta"]["label"].as_str().unwrap().to_owned();
    assert!(label.starts_with("payout of 3 rows from "), "{original}");

    let edited = |name: &str, edit: &dyn Fn(&mut Value)| {
        let mut v = original.clone();
        edit(&mut v);
        let path = w.cli.file(name).to_str().unwrap().to_owned();
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        path
    };
    // Each edit leaves the signed fields (and so every hash) intact: only what is shown changes.
    let cases: [(&str, &Edit<'_>, &str); 5] = [
        (
            "amount",
            &|v| v["meta"]["batch"]["rows"][1]["amount"] = "12.5".into(),
            "row 1 (line 3) says it pays 12.5",
        ),
        (
            "receiver",
            &|v| v["meta"]["batch"]["rows"][0]["receiver"] = NOBODY.into(),
            "row 0 (line 2)",
        ),
        (
            "dropped",
            &|v| {
                v["meta"]["batch"]["rows"].as_array_mut().unwrap().pop();
            },
            "lists 2 row(s) but the calldata makes 3 call(s)",
        ),
        (
            "label",
            &|v| v["meta"]["label"] = label.replace("of 3 rows", "of 30 rows").into(),
            "says 30 but the calldata makes 3",
        ),
        (
            "chunk",
            &|v| v["meta"]["batch"]["chunk"] = 4.into(),
            "chunk 5 of 1, which does not exist",
        ),
    ];
    let fresh = Cli::new(w.chain.endpoint());
    for (name, edit, needle) in cases {
        let path = edited(&format!("{name}.bundle.json"), edit);
        fresh.bad(&["tx", "import", &path], needle);
    }
    // The untouched bundle imports.
    fresh.ok(&["tx", "import", &bundle]);
}

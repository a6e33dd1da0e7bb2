//! Bad input through the real binary: every case must exit with code 2, say what is wrong on
//! stderr, print nothing on stdout, and leave the store exactly as it was.

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::primitives::{Address, U256};
use coffer_chain::test_utils::{Implementation, TestChain};
use coffer_e2e::{Cli, key_hex};
use serde_json::Value;

const SUITE: &str = "canonical-1.4.1";
const ZERO: &str = "0x0000000000000000000000000000000000000000";
const SENTINEL: &str = "0x0000000000000000000000000000000000000001";
const NOBODY: &str = "0x000000000000000000000000000000000000dEaD";

struct World {
    chain: TestChain,
    cli: Cli,
    keys: Vec<String>,
    safe: String,
    owners: Vec<String>,
    token: String,
    /// A proposal signed by owner 1.
    hash: String,
    /// Its bundle, exported after owner 1 signed.
    bundle: String,
}

impl World {
    async fn new() -> Self {
        let chain = TestChain::spawn().await.unwrap();
        let suite = chain.deploy_suite(Implementation::Canonical141).await.unwrap();
        let token = chain.deploy_test_token().await.unwrap();
        let cli = Cli::new(chain.endpoint());
        let mut keys: Vec<String> = (0..10).map(|i| key_hex(chain.signer(i))).collect();
        keys[0] = keys[9].clone();
        let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
        let safe = cli.ok(&[
            "safe",
            "create",
            "--suite",
            SUITE,
            "--threshold",
            "2",
            "--owner",
            &owners[0],
            "--owner",
            &owners[1],
            "--owner",
            &owners[2],
            "--private-key",
            &keys[0],
        ]);
        let safe_addr: Address = safe.parse().unwrap();
        chain.fund(safe_addr, U256::from(10u64).pow(U256::from(18))).await.unwrap();
        let supply = coffer_contracts::bindings::IERC20::new(token, chain.provider())
            .balanceOf(chain.deployer())
            .call()
            .await
            .unwrap();
        chain.transfer_token(token, safe_addr, supply / U256::from(2)).await.unwrap();
        let hash = cli.ok(&["tx", "propose", &safe, "eth", "--to", NOBODY, "--value", "0.1ether"]);
        cli.ok(&["tx", "sign", &hash, "--private-key", &keys[1]]);
        let bundle = cli.file("p.bundle.json").to_str().unwrap().to_owned();
        cli.ok(&["tx", "export", &hash, "-o", &bundle]);
        let _ = suite;
        Self { chain, cli, keys, safe, owners, token: token.to_string(), hash, bundle }
    }

    fn bad(&self, args: &[&str], needle: &str) {
        self.cli.bad(args, needle);
    }

    fn propose_bad(&self, action: &[&str], needle: &str) {
        let mut args = vec!["tx", "propose", self.safe.as_str(), "--suite", SUITE];
        args.extend(action);
        self.cli.bad(&args, needle);
    }

    /// Writes a modified copy of the bundle and returns its path.
    fn edited_bundle(&self, name: &str, edit: impl FnOnce(&mut Value)) -> String {
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(&self.bundle).unwrap()).unwrap();
        edit(&mut v);
        let path = self.cli.file(name).to_str().unwrap().to_owned();
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        path
    }

    /// `tx sign --bundle` must refuse `path` and leave it byte for byte unchanged.
    fn bundle_sign_bad(&self, path: &str, key: &str, needle: &str) {
        let before = std::fs::read(path).unwrap_or_default();
        self.bad(&["tx", "sign", "--bundle", path, "--private-key", key], needle);
        assert_eq!(std::fs::read(path).unwrap_or_default(), before, "{path} changed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn addresses_amounts_and_safe_creation() {
    let w = World::new().await;
    let cli = &w.cli;
    let (o1, o2, o3) = (&w.owners[0], &w.owners[1], &w.owners[2]);
    // Addresses.
    w.bad(&["safe", "info", "0x1234"], "is not an address");
    w.bad(&["safe", "info", "vitalik.eth"], "looks like an ENS name");
    w.bad(&["safe", "info", "0x5FbDB2315678afecb367f032d93F642f64180aA3"], "wrong EIP-55 checksum");
    w.bad(&["safe", "info", NOBODY], "is not a Safe");
    w.bad(&["safe", "info", &w.token], "is not a Safe");
    w.bad(&["tx", "list", "0xzz"], "is not an address");
    w.bad(&["tx", "list", NOBODY], "is not a Safe");
    w.bad(&["safe", "info", &w.safe, "--rpc-url", "not a url"], "is not a URL");
    // Safe creation.
    fn create<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["safe", "create", "--suite", SUITE, "--predict"];
        a.extend(extra);
        a
    }
    w.bad(&create(&["--owner", o1, "--owner", o2, "--threshold", "0"]), "GS202");
    w.bad(&create(&["--owner", o1, "--owner", o2, "--threshold", "3"]), "GS201");
    w.bad(&create(&["--owner", o1, "--owner", o1, "--threshold", "1"]), "GS204");
    w.bad(&create(&["--owner", o1, "--owner", ZERO, "--threshold", "1"]), "GS203");
    w.bad(&create(&["--owner", o1, "--owner", SENTINEL, "--threshold", "1"]), "GS203");
    w.bad(&create(&["--owner", o1, "--threshold", "two"]), "not a non-negative integer");
    w.bad(&create(&["--owner", o1, "--threshold", "1", "--salt-nonce=-1"]), "salt-nonce");
    w.bad(&create(&["--owner", "0x12", "--threshold", "1"]), "--owner #1");
    w.bad(
        &["safe", "create", "--suite", SUITE, "--owner", o1, "--threshold", "1"],
        "no wallet given",
    );
    w.bad(
        &[
            "safe",
            "create",
            "--suite",
            SUITE,
            "--owner",
            o1,
            "--owner",
            o2,
            "--owner",
            o3,
            "--threshold",
            "2",
            "--private-key",
            &w.keys[0],
        ],
        "already exists",
    );
    w.bad(&create(&["--owner", o1, "--threshold", "1", "--suite", "canonical-9.9.9"]), "--suite");
    w.bad(
        &["safe", "create", "--owner", o1, "--threshold", "1", "--private-key", "0x1234"],
        "invalid private key",
    );
    // ETH values.
    let to = ["eth", "--to", NOBODY, "--value"];
    for (v, needle) in [
        ("1.5", "has no unit"),
        ("-1ether", "negative"),
        ("1.5eht", "unknown unit"),
        ("1.5wei", "decimal"),
        ("1,5ether", "separator"),
        ("1e18wei", "unknown unit \"e18wei\""),
        ("ether", "empty; write a decimal number"),
    ] {
        let mut a = to.to_vec();
        a.push(v);
        w.propose_bad(&a, needle);
    }
    w.propose_bad(&["eth", "--to", "0xnope", "--value", "1ether"], "--to");
    // ERC-20 amounts and tokens.
    let erc20 = |amount: &str, needle: &str| {
        w.propose_bad(&["erc20", "--token", &w.token, "--to", NOBODY, "--amount", amount], needle)
    };
    erc20("1.0000000000000000001", "decimal");
    erc20("abc", "unexpected character");
    erc20("0", "zero");
    erc20("0x10", "hex is not allowed");
    w.propose_bad(
        &["erc20", "--token", NOBODY, "--to", NOBODY, "--amount", "1"],
        "has no code on this chain",
    );
    w.propose_bad(
        &["erc20", "--token", &w.safe, "--to", NOBODY, "--amount", "1"],
        "does not answer decimals()",
    );
    assert!(cli.snapshot().contains(&w.hash[2..]));
}

#[tokio::test(flavor = "multi_thread")]
async fn proposals_that_the_safe_would_refuse() {
    let w = World::new().await;
    let (o1, o2) = (&w.owners[0], &w.owners[1]);
    let other = w.chain.address(6).to_string();
    // Calls.
    w.propose_bad(
        &["call", "--to", &w.token, "--sig", "transfer(address"],
        "not a function signature",
    );
    w.propose_bad(
        &["call", "--to", &w.token, "--sig", "transfer(address,uint256)", NOBODY],
        "takes 2 argument(s)",
    );
    w.propose_bad(
        &["call", "--to", &w.token, "--sig", "transfer(address,uint256)", NOBODY, "lots"],
        "argument 2",
    );
    w.propose_bad(
        &["call", "--to", &w.token, "--sig", "transfer(address,uint256)", "0x12", "1"],
        "argument 1",
    );
    // Raw.
    w.propose_bad(&["raw", "--to", NOBODY, "--data", "0xabc"], "odd number of hex digits");
    w.propose_bad(&["raw", "--to", NOBODY, "--data", "0xzz"], "not hex");
    w.propose_bad(
        &["raw", "--to", NOBODY, "--data", "0x", "--operation", "delegatecall"],
        "not a known MultiSendCallOnly or SignMessageLib",
    );
    w.propose_bad(&["raw", "--to", NOBODY, "--operation", "staticcall"], "invalid value");
    // Owners, threshold, modules, guard, handler.
    w.propose_bad(&["owners", "add", o1], "GS204");
    w.propose_bad(&["owners", "add", ZERO], "GS203");
    w.propose_bad(&["owners", "add", &w.safe], "GS203");
    w.propose_bad(&["owners", "add", &other, "--threshold", "5"], "GS201");
    w.propose_bad(&["owners", "remove", &other], "GS205");
    w.propose_bad(&["owners", "remove", o1, "--threshold", "3"], "GS201");
    w.propose_bad(&["owners", "swap", &other, o2], "GS204");
    w.propose_bad(&["owners", "swap", NOBODY, &other], "GS205");
    w.propose_bad(&["owners", "threshold", "0"], "GS202");
    w.propose_bad(&["owners", "threshold", "4"], "GS201");
    w.propose_bad(&["modules", "enable", SENTINEL], "GS101");
    w.propose_bad(&["modules", "disable", &other], "GS103");
    w.propose_bad(&["guard", "set", ZERO], "guard clear");
    w.propose_bad(&["fallback-handler", "set", &w.safe], "GS400");
    // Nonces and targets.
    w.propose_bad(&["--nonce", "abc", "eth", "--to", NOBODY, "--value", "1wei"], "--nonce");
    w.chain.fund(NOBODY.parse().unwrap(), U256::from(1)).await.unwrap();
    w.bad(&["tx", "propose", NOBODY, "eth", "--to", NOBODY, "--value", "1wei"], "is not a Safe");
    // CSV batches.
    let csv = |name: &str, text: &str| {
        let p = w.cli.file(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    w.propose_bad(&["batch", "--csv", "/nonexistent/payouts.csv"], "cannot read the CSV file");
    let bad_rows = csv(
        "bad.csv",
        &format!(
            "token_type,token_address,receiver,amount,id\nerc20,{t},0x12,1,\nerc20,{t},{NOBODY},-3,\nnative,,{NOBODY},1.5,\n",
            t = w.token
        ),
    );
    let r = w
        .cli
        .bad(&["tx", "propose", &w.safe, "--suite", SUITE, "batch", "--csv", &bad_rows], "line 2");
    assert!(r.stderr.contains("line 3"), "every bad row is reported at once:\n{}", r.stderr);
    let empty = csv("empty.csv", "");
    w.propose_bad(&["batch", "--csv", &empty], "empty");
    let header_only = csv("header.csv", "token_type,token_address,receiver,amount,id\n");
    w.propose_bad(&["batch", "--csv", &header_only], "no payout rows");
    let too_much = csv(
        "much.csv",
        &format!("token_type,token_address,receiver,amount,id\nnative,,{NOBODY},500,\n"),
    );
    w.propose_bad(&["batch", "--csv", &too_much], "fund the Safe first");
    let bad_header = csv("hdr.csv", "who,what\n1,2\n");
    w.propose_bad(&["batch", "--csv", &bad_header], "unknown column");
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_importing_and_executing() {
    let w = World::new().await;
    let h = w.hash.as_str();
    let unknown = format!("0x{}", "ab".repeat(32));
    // Unknown and malformed hashes, for every command that takes one.
    for cmd in ["show", "sign", "approve", "execute", "export", "remove"] {
        let mut a = vec!["tx", cmd, unknown.as_str()];
        if cmd == "export" {
            a.extend(["-o", "/tmp/never-written.json"]);
        }
        if matches!(cmd, "sign" | "approve" | "execute") {
            a.extend(["--private-key", w.keys[1].as_str()]);
        }
        w.bad(&a, "no proposal");
    }
    w.bad(&["tx", "show", "xyz"], "is not a safeTxHash");
    w.bad(&["tx", "show", "0xffffffff"], "no proposal matches");
    // Wallets.
    w.bad(&["tx", "sign", h], "no wallet given");
    w.bad(&["tx", "sign", h, "--private-key", "0xnothex"], "invalid private key");
    w.bad(&["tx", "sign", h, "--mnemonic", "one two three"], "invalid mnemonic");
    w.bad(&["tx", "sign", h, "--keystore", "/nonexistent/key.json"], "does not exist");
    w.bad(
        &["tx", "sign", h, "--private-key", &w.keys[2], "--mnemonic-index", "1"],
        "does not apply",
    );
    w.bad(&["tx", "approve", h], "no wallet given");
    w.bad(&["tx", "execute", h], "no wallet given");
    // Signers.
    w.bad(&["tx", "sign", h, "--private-key", &w.keys[6]], "is not an owner");
    w.bad(&["tx", "sign", h, "--private-key", &w.keys[1]], "has already signed");
    w.bad(&["tx", "approve", h, "--private-key", &w.keys[6]], "is not an owner");
    // Execution.
    w.bad(
        &["tx", "execute", h, "--suite", SUITE, "--private-key", &w.keys[0]],
        "too few valid signatures",
    );
    // Wrong chain.
    let other = TestChain::builder().arg("--chain-id").arg("4242").spawn().await.unwrap();
    let url = other.endpoint();
    w.bad(&["tx", "show", h, "--rpc-url", &url], "chain id mismatch");
    w.bad(&["tx", "sign", h, "--private-key", &w.keys[2], "--rpc-url", &url], "chain id mismatch");
    w.bad(
        &["tx", "execute", h, "--private-key", &w.keys[0], "--rpc-url", &url],
        "chain id mismatch",
    );
    w.bad(&["tx", "import", &w.bundle, "--rpc-url", &url], "chain id mismatch");

    // Offline bundles: edited, truncated, foreign, wrong version, unknown field, duplicate owner.
    let k2 = w.keys[2].clone();
    let edited = w.edited_bundle("edited.json", |v| v["tx"]["value"] = "999".into());
    w.bundle_sign_bad(&edited, &k2, "safeTxStructHash");
    w.bad(&["tx", "import", &edited], "bundle hash mismatch");
    let edited_to = w
        .edited_bundle("edited-to.json", |v| v["tx"]["to"] = NOBODY.replace("dEaD", "beef").into());
    w.bundle_sign_bad(&edited_to, &k2, "bundle hash mismatch");
    let edited_chain = w.edited_bundle("edited-chain.json", |v| v["chainId"] = 1.into());
    w.bundle_sign_bad(&edited_chain, &k2, "domainSeparator");
    let edited_hash = w.edited_bundle("edited-hash.json", |v| {
        v["hashes"]["safeTxHash"] = format!("0x{}", "11".repeat(32)).into()
    });
    w.bundle_sign_bad(&edited_hash, &k2, "safeTxHash");
    let text = std::fs::read_to_string(&w.bundle).unwrap();
    let truncated = w.cli.file("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    w.bundle_sign_bad(truncated.to_str().unwrap(), &k2, "truncated");
    w.bad(&["tx", "import", truncated.to_str().unwrap()], "truncated");
    let foreign = w.edited_bundle("foreign.json", |v| {
        *v = serde_json::json!({"version": "1.0", "transactions": []})
    });
    w.bundle_sign_bad(&foreign, &k2, "not a coffer bundle");
    let v2 = w.edited_bundle("v2.json", |v| v["version"] = 2.into());
    w.bundle_sign_bad(&v2, &k2, "version");
    let unknown_field = w.edited_bundle("unknown.json", |v| v["tx"]["gas"] = "1".into());
    w.bundle_sign_bad(&unknown_field, &k2, "tx.gas");
    let dup = w.edited_bundle("dup.json", |v| {
        let s = v["signatures"][0].clone();
        v["signatures"].as_array_mut().unwrap().push(s);
    });
    w.bad(&["tx", "import", &dup], "has already signed");
    let bad_sig = w.edited_bundle("badsig.json", |v| {
        v["signatures"][0]["owner"] = w.owners[2].clone().into();
    });
    w.bad(&["tx", "import", &bad_sig], "does not verify");
    w.bundle_sign_bad("/nonexistent/bundle.json", &k2, "could not read bundle");
    w.bundle_sign_bad(&w.bundle, &w.keys[1], "has already signed");
    w.bundle_sign_bad(&w.bundle, &w.keys[6], "was not an owner");
    w.bad(&["tx", "sign", "--bundle", &w.bundle], "no wallet given");

    // A stranger's signature in a bundle without the owner snapshot is rejected on import, by name.
    let stranger = w.edited_bundle("stranger.json", |v| {
        v["meta"].as_object_mut().unwrap().remove("extra");
    });
    w.cli.ok(&["tx", "sign", "--bundle", &stranger, "--private-key", &w.keys[6]]);
    let r = w.cli.bad(&["tx", "import", &stranger], "is not an owner");
    assert!(r.stderr.contains(&w.chain.address(6).to_string()), "{}", r.stderr);
    // Importing what the store already has is refused, naming the signer.
    let r = w.cli.bad(&["tx", "import", &w.bundle], "nothing to import");
    assert!(r.stderr.contains(&w.owners[0]), "{}", r.stderr);
    w.bad(&["tx", "import", "/nonexistent/bundle.json"], "could not read bundle");

    // Execute: a failing transaction is refused (exit 1, a failure), and an executed one cannot
    // be executed, signed or approved again.
    let fails = w.cli.ok(&[
        "tx",
        "propose",
        &w.safe,
        "--suite",
        SUITE,
        "--nonce",
        "0",
        "erc20",
        "--token",
        &w.token,
        "--to",
        NOBODY,
        "--amount",
        "1000000000",
    ]);
    w.cli.ok(&["tx", "sign", &fails, "--private-key", &w.keys[1]]);
    w.cli.ok(&["tx", "sign", &fails, "--private-key", &w.keys[2]]);
    w.cli.refused(
        &["tx", "execute", &fails, "--suite", SUITE, "--private-key", &w.keys[0]],
        &[],
        "the simulation says this transaction fails",
        1,
    );
    w.cli.ok(&["tx", "remove", &fails]);
    w.cli.ok(&["tx", "sign", h, "--private-key", &w.keys[2]]);
    w.cli.ok(&["tx", "execute", h, "--suite", SUITE, "--private-key", &w.keys[0]]);
    w.bad(&["tx", "execute", h, "--suite", SUITE, "--private-key", &w.keys[0]], "already executed");
    w.bad(&["tx", "sign", h, "--private-key", &w.keys[3]], "already executed");
    w.bad(&["tx", "approve", h, "--private-key", &w.keys[3]], "already executed");
    w.propose_bad(&["--nonce", "0", "eth", "--to", NOBODY, "--value", "1wei"], "already used");
}

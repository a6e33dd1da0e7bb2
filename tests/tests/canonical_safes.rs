//! Issue 15: Safes a treasury already has. Canonical Safe 1.3.0, 1.4.1 and 1.5.0 suites are
//! deployed from their npm artifacts at their canonical addresses (code hashes checked by
//! `TestChain::deploy_suite`), and a Safe of each is created through that release's own factory
//! by a plain transaction built here, not by coffer. Then, through the real binary and with **no
//! `--suite` flag**: `safe info`, an ETH and an ERC-20 transfer, an owner swap and a CSV batch
//! (which must use the Safe's own release's MultiSendCallOnly). Also: `safe create --version
//! 1.5.0`, 1.5.0's bubbled-up inner revert, and the PUSH0 refusal on a pre-Shanghai chain.

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256, address},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use coffer_chain::{
    SuiteAddresses,
    test_utils::{ETHER, Implementation, TestChain},
};
use coffer_contracts::bindings::{IERC20, ISafe, ISafeProxyFactory};
use coffer_e2e::{Cli, key_hex};

/// Canonical MultiSendCallOnly per release, written out here from SAFE-COMPAT.md section 9
/// (independently of coffer's table).
fn msco(version: &str) -> Address {
    match version {
        "1.3.0" => address!("40A2aCCbd92BCA938b02010E17A5b8929b49130D"),
        "1.4.1" => address!("9641d764fc13c8B624c04430C7356C1C7C8102e2"),
        _ => address!("A83c336B20401Af773B6219BA5027174338D1836"),
    }
}

/// Creates a 2-of-3 Safe (owners: accounts 1..=3) through the release's own factory with a
/// plain `createProxyWithNonce` sent from account 0: SafeL2 singleton, the release's handler.
async fn create_with_factory(chain: &TestChain, suite: &SuiteAddresses, salt: u64) -> Address {
    let setup = ISafe::setupCall {
        owners: (1..=3).map(|i| chain.address(i)).collect(),
        threshold: U256::from(2),
        to: Address::ZERO,
        data: Default::default(),
        fallbackHandler: suite.fallback_handler,
        paymentToken: Address::ZERO,
        payment: U256::ZERO,
        paymentReceiver: Address::ZERO,
    }
    .abi_encode();
    let call = ISafeProxyFactory::createProxyWithNonceCall {
        singleton: suite.safe_l2,
        initializer: setup.into(),
        saltNonce: U256::from(salt),
    }
    .abi_encode();
    let tx = TransactionRequest::default()
        .with_from(chain.deployer())
        .with_to(suite.proxy_factory)
        .with_input(call);
    let ret = chain.provider().call(tx.clone()).await.unwrap();
    let proxy = ISafeProxyFactory::createProxyWithNonceCall::abi_decode_returns(&ret).unwrap();
    chain.send_tx(tx).await.unwrap();
    assert!(!chain.provider().get_code_at(proxy).await.unwrap().is_empty());
    proxy
}

struct World {
    chain: TestChain,
    cli: Cli,
    keys: Vec<String>,
    safe: String,
}

impl World {
    async fn new(imp: Implementation) -> (Self, SuiteAddresses) {
        let chain = TestChain::spawn().await.unwrap();
        let suite = chain.deploy_suite(imp).await.unwrap();
        let safe = create_with_factory(&chain, &suite, 7).await.to_string();
        let cli = Cli::new(chain.endpoint());
        // Account 0 sends TestChain's own transactions, so the CLI pays from account 9.
        let mut keys: Vec<String> = (0..10).map(|i| key_hex(chain.signer(i))).collect();
        keys[0] = keys[9].clone();
        (Self { chain, cli, keys, safe }, suite)
    }

    /// Proposes with no --suite; returns the hashes printed (one per line).
    fn propose(&self, action: &[&str]) -> Vec<String> {
        let mut args = vec!["tx", "propose", self.safe.as_str()];
        args.extend(action);
        self.cli.ok(&args).lines().map(str::to_owned).collect()
    }

    /// Two owners sign, account 9 executes; no --suite anywhere.
    fn sign_and_execute(&self, hash: &str, owners: [usize; 2]) {
        for o in owners {
            self.cli.ok(&["tx", "sign", hash, "--private-key", &self.keys[o]]);
        }
        self.cli.ok(&["tx", "execute", hash, "--private-key", &self.keys[0]]);
    }

    async fn token_balance(&self, token: Address, who: Address) -> U256 {
        IERC20::new(token, self.chain.provider()).balanceOf(who).call().await.unwrap()
    }
}

async fn lifecycle(imp: Implementation) {
    let version = imp.canonical_version().unwrap().as_str();
    let (w, _suite) = World::new(imp).await;
    let safe: Address = w.safe.parse().unwrap();
    let p = w.chain.provider();

    // safe info: the release, its singleton recognised as canonical.
    let info = w.cli.json(&["safe", "info", &w.safe]);
    assert_eq!(info["version"], version, "{info}");
    let kind = info["singletonKind"].as_str().unwrap();
    assert!(kind.contains("canonical") && kind.contains(version), "{info}");
    assert_eq!(info["threshold"], 2);

    // ETH.
    w.chain.fund(safe, ETHER * U256::from(10)).await.unwrap();
    let receiver = address!("000000000000000000000000000000000000dEaD");
    let before = p.get_balance(receiver).await.unwrap();
    let h = w.propose(&["eth", "--to", &receiver.to_string(), "--value", "1.5ether"]);
    w.sign_and_execute(&h[0], [1, 2]);
    let after = p.get_balance(receiver).await.unwrap();
    assert_eq!(after - before, U256::from(1_500_000_000_000_000_000u128), "{imp}");

    // ERC-20 (decimals read on chain).
    let token = w.chain.deploy_test_token().await.unwrap();
    let supply = w.token_balance(token, w.chain.deployer()).await;
    w.chain.transfer_token(token, safe, supply / U256::from(2)).await.unwrap();
    let to = address!("00000000000000000000000000000000000bEEF1");
    let h = w.propose(&[
        "erc20",
        "--token",
        &token.to_string(),
        "--to",
        &to.to_string(),
        "--amount",
        "0.0001",
    ]);
    w.sign_and_execute(&h[0], [2, 3]);
    assert_eq!(w.token_balance(token, to).await, U256::from(100_000_000_000_000u128));

    // Owner swap: account 3 out, account 4 in.
    let h = w.propose(&[
        "owners",
        "swap",
        &w.chain.address(3).to_string(),
        &w.chain.address(4).to_string(),
    ]);
    w.sign_and_execute(&h[0], [1, 2]);
    let owners = w.cli.json(&["safe", "info", &w.safe])["owners"].clone();
    let owners: Vec<Address> =
        owners.as_array().unwrap().iter().map(|o| o.as_str().unwrap().parse().unwrap()).collect();
    assert!(owners.contains(&w.chain.address(4)) && !owners.contains(&w.chain.address(3)));

    // A CSV batch with no flag: ETH and ERC-20 rows, through the release's MultiSendCallOnly.
    let csv = w.cli.file("payouts.csv");
    let r1 = address!("00000000000000000000000000000000000C0fe1");
    let r2 = address!("00000000000000000000000000000000000C0fe2");
    std::fs::write(
        &csv,
        format!(
            "token_type,token_address,receiver,amount,id\nnative,,{r1},0.25,\nerc20,{token},{r2},0.00002,\nnative,,{r2},0.5,\n"
        ),
    )
    .unwrap();
    let hashes = w.propose(&["batch", "--csv", csv.to_str().unwrap()]);
    assert_eq!(hashes.len(), 1, "{hashes:?}");
    let shown = w.cli.json(&["tx", "show", &hashes[0]]);
    let to_field: Address = shown["tx"]["to"].as_str().unwrap().parse().unwrap();
    assert_eq!(to_field, msco(version), "the batch goes through {version}'s own library: {shown}");
    assert_eq!(shown["tx"]["operation"], 1, "{shown}");
    w.sign_and_execute(&hashes[0], [1, 4]);
    assert_eq!(p.get_balance(r1).await.unwrap(), U256::from(250_000_000_000_000_000u128));
    assert_eq!(p.get_balance(r2).await.unwrap(), U256::from(500_000_000_000_000_000u128));
    assert_eq!(w.token_balance(token, r2).await, U256::from(20_000_000_000_000u128));

    // `payout split --propose` also batches with no flag.
    let shares = w.cli.file("shares.csv");
    std::fs::write(&shares, format!("receiver,shares\n{r1},1\n{r2},3\n")).unwrap();
    let out = w.cli.ok(&[
        "payout",
        "split",
        "--shares",
        shares.to_str().unwrap(),
        "--total",
        "1",
        "--propose",
        &w.safe,
    ]);
    let h = out.lines().last().unwrap().to_owned();
    let shown = w.cli.json(&["tx", "show", &h]);
    let to_field: Address = shown["tx"]["to"].as_str().unwrap().parse().unwrap();
    assert_eq!(to_field, msco(version), "{shown}");
    w.sign_and_execute(&h, [1, 2]);
    assert_eq!(p.get_balance(r1).await.unwrap(), U256::from(500_000_000_000_000_000u128));

    // A failing inner call, executed anyway: up to 1.4.1 the Safe reverts with GS013; 1.5.0
    // bubbles the inner revert up. coffer decodes both.
    let h = w.propose(&[
        "erc20",
        "--token",
        &token.to_string(),
        "--to",
        &to.to_string(),
        "--amount",
        "1000000000000",
    ]);
    for o in [1, 2] {
        w.cli.ok(&["tx", "sign", &h[0], "--private-key", &w.keys[o]]);
    }
    let out = w.cli.run(&["tx", "execute", &h[0], "--force", "--private-key", &w.keys[0]]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("exceeds balance"),
        "the simulation names the inner revert: {}",
        out.stderr
    );
    let expected =
        if version == "1.5.0" { "ERC20: transfer amount exceeds balance" } else { "GS013" };
    let after_sim = out.stderr.split("executing anyway").nth(1).unwrap_or_default();
    assert!(after_sim.contains(expected), "{version}: {}", out.stderr);
    w.cli.ok(&["tx", "remove", &h[0]]);

    // The module guard: 1.5.0 only.
    let slot = alloy::primitives::b256!(
        "b104e0b93118902c651344349b610029d694cfdec91c589c91ebafbcd0289947"
    );
    if version == "1.5.0" {
        let artifact = coffer_chain::test_utils::canonical_artifact_of(
            coffer_core::SafeVersion::V1_5_0,
            "DebugTransactionGuard",
        )
        .unwrap();
        let guard = w.chain.deploy_contract(&artifact, &[]).await.unwrap();
        let h = w.propose(&["module-guard", "set", &guard.to_string()]);
        let shown = w.cli.ok(&["tx", "show", &h[0]]);
        assert!(shown.contains("setModuleGuard"), "{shown}");
        w.sign_and_execute(&h[0], [1, 2]);
        let word = p.get_storage_at(safe, slot.into()).await.unwrap();
        assert_eq!(Address::from_word(word.into()), guard);
        let h = w.propose(&["module-guard", "clear"]);
        w.sign_and_execute(&h[0], [1, 2]);
        assert_eq!(p.get_storage_at(safe, slot.into()).await.unwrap(), U256::ZERO);
    } else {
        let out = w.cli.run(&["tx", "propose", &w.safe, "module-guard", "set", &r1.to_string()]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("1.5.0"), "{}", out.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canonical_130_lifecycle_without_flags() {
    lifecycle(Implementation::Canonical130).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canonical_141_lifecycle_without_flags() {
    lifecycle(Implementation::Canonical141).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canonical_150_lifecycle_without_flags() {
    lifecycle(Implementation::Canonical150).await;
}

/// A batch on a 1.3.0 Safe whose release's MultiSendCallOnly is missing: the error names the
/// release and the address, exit 1, nothing stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_library_error_names_release_and_address() {
    let (w, _) = World::new(Implementation::Canonical130).await;
    w.chain.fund(w.safe.parse().unwrap(), ETHER).await.unwrap();
    w.chain.set_code(msco("1.3.0"), Default::default()).await.unwrap();
    let csv = w.cli.file("p.csv");
    let r = address!("00000000000000000000000000000000000C0fe1");
    std::fs::write(
        &csv,
        format!("token_type,token_address,receiver,amount,id\nnative,,{r},0.1,\n"),
    )
    .unwrap();
    let out = w.cli.run(&["tx", "propose", &w.safe, "batch", "--csv", csv.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("canonical 1.3.0"), "{}", out.stderr);
    assert!(out.stderr.contains(&msco("1.3.0").to_string()), "{}", out.stderr);
    assert!(w.cli.json(&["tx", "list", &w.safe])["proposals"].as_array().unwrap().is_empty());
}

/// `safe create --version 1.5.0` goes through the canonical 1.5.0 factory and singleton.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_create_version_150_uses_canonical_150() {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Canonical150).await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let key = key_hex(chain.signer(9));
    let owner = chain.address(1).to_string();
    let args = ["safe", "create", "--version", "1.5.0", "--owner", &owner, "--threshold", "1"];
    let predicted = cli.json(&[&args[..], &["--predict"]].concat());
    assert_eq!(predicted["factory"], format!("{:#x}", suite.proxy_factory), "{predicted}");
    assert_eq!(predicted["singleton"], format!("{:#x}", suite.safe_l2), "{predicted}");
    let created = cli.json(&[&args[..], &["--private-key", &key]].concat());
    let safe = created["address"].as_str().unwrap().to_owned();
    assert_eq!(safe.to_lowercase(), predicted["address"].as_str().unwrap().to_lowercase());
    // SafeL2 through the factory's createProxyWithNonceL2: its ProxyCreationL2 event, read here from the
    // receipt with the 1.5.0 ABI, names this Safe, the singleton and the initializer.
    assert_eq!(created["factoryEvent"], "ProxyCreationL2", "{created}");
    let tx_hash: alloy::primitives::B256 = created["txHash"].as_str().unwrap().parse().unwrap();
    let tx = chain.provider().get_transaction_by_hash(tx_hash).await.unwrap().unwrap();
    {
        use alloy::consensus::Transaction as _;
        use alloy::sol_types::SolCall as _;
        let input = tx.input();
        assert!(
            coffer_chain::ISafeProxyFactoryL2::createProxyWithNonceL2Call::abi_decode(input)
                .is_ok(),
            "the factory's L2 function was called"
        );
    }
    let receipt = chain.provider().get_transaction_receipt(tx_hash).await.unwrap().unwrap();
    let safe_addr: alloy::primitives::Address = safe.parse().unwrap();
    let l2_logs: Vec<_> = receipt
        .inner
        .logs()
        .iter()
        .filter_map(|l| {
            use alloy::sol_types::SolEvent as _;
            coffer_chain::ISafeProxyFactoryL2::ProxyCreationL2::decode_log_data(&l.inner.data)
                .ok()
                .map(|e| (l.address(), e))
        })
        .collect();
    assert_eq!(l2_logs.len(), 1, "one ProxyCreationL2");
    let (emitter, event) = &l2_logs[0];
    assert_eq!(*emitter, suite.proxy_factory);
    assert_eq!((event.proxy, event.singleton), (safe_addr, suite.safe_l2));
    assert_eq!(event.saltNonce, alloy::primitives::U256::ZERO);
    // The recovery sheet still finds the creation (the L2 call decoded, the CREATE2 address recomputed).
    let creation = coffer_chain::sheet::read_creation(chain.provider(), safe_addr).await.unwrap();
    assert_eq!((creation.tx_hash, creation.singleton), (tx_hash, suite.safe_l2));
    assert_eq!(creation.initializer, event.initializer);
    assert_eq!(creation.initial_owners, vec![chain.address(1)]);
    // The L1 singleton goes through the plain function: no L2 event.
    let l1 = cli.json(
        &[&args[..], &["--salt-nonce", "1", "--l1-singleton", "--private-key", &key]].concat(),
    );
    assert_eq!(l1["factoryEvent"], serde_json::Value::Null, "{l1}");
    assert_eq!(l1["singleton"], format!("{:#x}", suite.safe), "{l1}");
    let info = cli.json(&["safe", "info", &safe]);
    assert_eq!(info["version"], "1.5.0");
    assert_eq!(info["singleton"], format!("{:#x}", suite.safe_l2));
    assert_eq!(info["fallbackHandler"], format!("{:#x}", suite.fallback_handler));
    let out =
        cli.run(&["safe", "create", "--version", "1.2.0", "--owner", &owner, "--threshold", "1"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--version"), "{}", out.stderr);
}

/// On a pre-Shanghai chain (anvil --hardfork paris), `contracts deploy` and `safe create` with
/// coffer's suite refuse before sending anything, naming the canonical suite; the canonical
/// suite works there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_push0_refused_with_canonical_named() {
    let chain = TestChain::builder().arg("--hardfork").arg("paris").spawn().await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let key = key_hex(chain.signer(9));
    let payer = chain.address(9);
    let nonce = chain.provider().get_transaction_count(payer).await.unwrap();
    let out = cli.run(&["contracts", "deploy", "--private-key", &key]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("PUSH0"), "{}", out.stderr);
    assert!(out.stderr.contains("--suite canonical-1.4.1"), "{}", out.stderr);
    let owner = chain.address(1).to_string();
    let out =
        cli.run(&["safe", "create", "--owner", &owner, "--threshold", "1", "--private-key", &key]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("PUSH0") && out.stderr.contains("canonical"), "{}", out.stderr);
    assert_eq!(chain.provider().get_transaction_count(payer).await.unwrap(), nonce, "nothing sent");
    // The canonical suite is the way there.
    chain.deploy_suite(Implementation::Canonical141).await.unwrap();
    let safe = cli.ok(&[
        "safe",
        "create",
        "--suite",
        "canonical-1.4.1",
        "--owner",
        &owner,
        "--threshold",
        "1",
        "--private-key",
        &key,
    ]);
    assert_eq!(cli.json(&["safe", "info", &safe])["version"], "1.4.1");
}

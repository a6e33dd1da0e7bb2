//! Issue 16 item 2, the allowlist guard: coffer's `CofferAllowlistGuard` on a real anvil, installed on coffer's
//! Safe and on the canonical Safe 1.4.1 bytecode, every Safe tx signed by the owners and executed for real.
//! Covers each pitfall of MODULES.md §3: the guard's own removal under every list state (empty list, a list
//! without the Safe, pending additions, additions in force), a non-listed call refused, a listed call allowed,
//! the selector restriction, a delegatecall to a non-listed MultiSend refused (and an allowlisted
//! MultiSendCallOnly batch checked entry by entry), the delay on additions (and immediate removals), refunds
//! refused, only the Safe may drive or change the guard, and a module transaction that bypasses the guard (1.4.1
//! has no module guard). Then the CLI flow (`coffer guard allowlist …`, `safe info`).

#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, FixedBytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolInterface, SolValue},
};
use coffer_chain::{
    guard::{
        Effect, allow_delegate_call_tx, allow_selector_tx, allow_target_tx, deploy_allowlist_guard,
        install_tx, parse_selector, read_allowlist, remove_selector_tx, remove_target_tx,
        uninstall_tx,
    },
    read_safe,
    test_utils::{ETHER, Implementation, TestChain, TestSafe},
};
use coffer_contracts::bindings::{
    CofferAllowlistGuard::{self, CofferAllowlistGuardErrors},
    Safe,
};
use coffer_core::{MultiSendBatch, MultiSendEntry, SafeTx, erc20_transfer_calldata};

const DELAY: u64 = 3_600;
const PAYEE_A: usize = 5;
const PAYEE_B: usize = 6;
const STRANGER: usize = 7;
const MODULE: usize = 8;

struct Setup {
    chain: TestChain,
    safe: TestSafe,
    guard: Address,
    token: Address,
}

impl Setup {
    async fn new(implementation: Implementation) -> Self {
        let chain = TestChain::spawn().await.unwrap();
        let suite = chain.deploy_suite(implementation).await.unwrap();
        let safe = chain.create_test_safe(&suite, 3, 2).await.unwrap();
        chain.fund(safe.address, ETHER * U256::from(10)).await.unwrap();
        let token = chain.deploy_coffer_test_token().await.unwrap();
        chain.transfer_token(token, safe.address, ETHER * U256::from(1000)).await.unwrap();
        let guard = deploy_allowlist_guard(chain.provider(), chain.deployer(), safe.address, DELAY)
            .await
            .unwrap();
        Self { chain, safe, guard, token }
    }

    fn p(&self) -> &alloy::providers::DynProvider {
        self.chain.provider()
    }

    async fn nonce(&self) -> U256 {
        coffer_chain::safe_nonce(self.p(), self.safe.address).await.unwrap()
    }

    async fn info(&self) -> coffer_chain::SafeInfo {
        read_safe(self.p(), self.safe.address).await.unwrap()
    }

    /// Signs with two owners and executes; panics if it does not succeed.
    async fn exec(&self, tx: &SafeTx) {
        let report = self.safe.execute(self.p(), tx, &[0, 1], self.chain.deployer()).await.unwrap();
        assert!(report.success, "{tx:?}");
    }

    /// The guard's refusal of `tx` (signed by two owners, sent as a raw `execTransaction`): the decoded
    /// custom error. Also checks that coffer's own execution path refuses it and the nonce is not consumed.
    async fn refused(&self, tx: &SafeTx) -> CofferAllowlistGuardErrors {
        let before = self.nonce().await;
        let mut sigs = self.safe.sign_by(tx, &[0, 1]).unwrap();
        sigs.sort_by_key(|s| s.owner);
        let input = Safe::execTransactionCall {
            to: tx.to,
            value: tx.value,
            data: tx.data.clone(),
            operation: tx.operation.as_u8(),
            safeTxGas: tx.safe_tx_gas,
            baseGas: tx.base_gas,
            gasPrice: tx.gas_price,
            gasToken: tx.gas_token,
            refundReceiver: tx.refund_receiver,
            signatures: coffer_core::pack_signatures(&sigs).unwrap(),
        }
        .abi_encode();
        let req = TransactionRequest::default()
            .with_from(self.chain.deployer())
            .with_to(self.safe.address)
            .with_input(input);
        let err = self.p().call(req).await.expect_err("the guard must refuse this transaction");
        let data = err
            .as_error_resp()
            .and_then(|e| e.as_revert_data())
            .unwrap_or_else(|| panic!("no revert data: {err}"));
        let decoded = CofferAllowlistGuardErrors::abi_decode(&data)
            .unwrap_or_else(|e| panic!("revert data {data} is not a guard error ({e})"));
        let refusal = self
            .safe
            .execute(self.p(), tx, &[0, 1], self.chain.deployer())
            .await
            .expect_err("coffer's execution path must refuse it too");
        assert!(refusal.to_string().contains("the allowlist guard refuses"), "{refusal}");
        assert_eq!(self.nonce().await, before, "a refused transaction consumes no nonce");
        decoded
    }

    async fn install(&self) {
        let info = self.info().await;
        self.exec(&install_tx(&info, self.guard, self.nonce().await).unwrap()).await;
        assert_eq!(self.info().await.guard, self.guard);
    }

    /// Removes the guard with `setGuard(0)` and puts it back, proving the Safe can always remove it.
    async fn remove_and_reinstall(&self) {
        let info = self.info().await;
        self.exec(&uninstall_tx(&info, self.nonce().await).unwrap()).await;
        assert_eq!(self.info().await.guard, Address::ZERO, "setGuard(0) must go through");
        self.install().await;
    }

    async fn warp(&self, secs: u64) {
        let p = self.p();
        p.raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (secs,)).await.unwrap();
        p.raw_request::<_, serde_json::Value>("evm_mine".into(), ()).await.unwrap();
    }

    fn token_transfer(&self, to: Address, amount: U256, nonce: U256) -> SafeTx {
        SafeTx::call(self.token, U256::ZERO, erc20_transfer_calldata(to, amount), nonce)
    }

    async fn balance_of(&self, who: Address) -> U256 {
        coffer_contracts::bindings::IERC20::new(self.token, self.p())
            .balanceOf(who)
            .call()
            .await
            .unwrap()
    }
}

fn transfer_selector() -> FixedBytes<4> {
    parse_selector("transfer(address,uint256)").unwrap()
}

async fn allowlist_scenario(implementation: Implementation) {
    let s = Setup::new(implementation).await;
    let (a, b) = (s.chain.address(PAYEE_A), s.chain.address(PAYEE_B));
    let module = s.chain.address(MODULE);

    // ERC-165 as the Safe checks it (1.4.1 refuses a guard without it, GS300).
    let g = CofferAllowlistGuard::new(s.guard, s.p());
    assert!(g.supportsInterface(FixedBytes([0xe6, 0xd7, 0xa8, 0x3a])).call().await.unwrap());
    assert!(g.supportsInterface(FixedBytes([0x01, 0xff, 0xc9, 0xa7])).call().await.unwrap());
    assert!(!g.supportsInterface(FixedBytes([0xff, 0xff, 0xff, 0xff])).call().await.unwrap());
    assert_eq!(g.safe().call().await.unwrap(), s.safe.address);

    // A module enabled before the guard (the guard refuses enableModule once installed).
    let info = s.info().await;
    s.exec(&info.enable_module_tx(module, s.nonce().await).unwrap()).await;

    // Empty list: install, then the Safe can still remove the guard.
    s.install().await;
    let list = read_allowlist(s.p(), s.guard).await.unwrap();
    assert!(list.entries.is_empty());
    assert_eq!((list.safe, list.delay), (s.safe.address, DELAY));
    let n = s.nonce().await;
    assert!(matches!(
        s.refused(&SafeTx::call(a, ETHER, Bytes::new(), n)).await,
        CofferAllowlistGuardErrors::TargetNotAllowed(e) if e.target == a
    ));
    s.remove_and_reinstall().await;
    // Other self-calls: enableModule and setFallbackHandler are refused whatever the list.
    let info = s.info().await;
    let n = s.nonce().await;
    assert!(matches!(
        s.refused(&info.enable_module_tx(s.chain.address(STRANGER), n).unwrap()).await,
        CofferAllowlistGuardErrors::SelfCallNotAllowed(_)
    ));
    assert!(matches!(
        s.refused(&info.set_fallback_handler_tx(s.chain.address(STRANGER), n).unwrap()).await,
        CofferAllowlistGuardErrors::SelfCallNotAllowed(_)
    ));
    // The cancel-nonce transaction (empty self-call) is always allowed.
    s.exec(&SafeTx::call(s.safe.address, U256::ZERO, Bytes::new(), s.nonce().await)).await;

    // Schedule the token (transfer only) and payee A (ETH, empty calldata): pending, not yet in force.
    s.exec(&allow_target_tx(s.guard, s.token, false, false, s.nonce().await)).await;
    s.exec(&allow_selector_tx(s.guard, s.token, transfer_selector(), s.nonce().await)).await;
    s.exec(&allow_target_tx(s.guard, a, true, true, s.nonce().await)).await;
    let list = read_allowlist(s.p(), s.guard).await.unwrap();
    let tok = list.entries.iter().find(|e| e.target == s.token).unwrap();
    assert!(matches!(tok.call, Effect::Pending(t) if t > list.now && t <= list.now + DELAY));
    assert_eq!(tok.any_selector, Effect::Off);
    assert!(matches!(tok.selectors[..], [(sel, Effect::Pending(_))] if sel == transfer_selector()));
    let n = s.nonce().await;
    assert!(matches!(
        s.refused(&s.token_transfer(a, ETHER, n)).await,
        CofferAllowlistGuardErrors::TargetNotAllowed(_)
    ));
    // Pending additions: the Safe can still remove the guard.
    s.remove_and_reinstall().await;

    // Not yet after most of the delay; in force after it.
    s.warp(DELAY / 2).await;
    let n = s.nonce().await;
    assert!(matches!(
        s.refused(&s.token_transfer(a, ETHER, n)).await,
        CofferAllowlistGuardErrors::TargetNotAllowed(_)
    ));
    s.warp(DELAY).await;
    let list = read_allowlist(s.p(), s.guard).await.unwrap();
    assert!(list.entries.iter().all(|e| e.call.is_active()));
    s.exec(&s.token_transfer(a, ETHER, s.nonce().await)).await;
    assert_eq!(s.balance_of(a).await, ETHER);
    s.exec(&SafeTx::call(a, ETHER, Bytes::new(), s.nonce().await)).await;

    // Selector restriction: approve is not listed on the token.
    let n = s.nonce().await;
    let approve = SafeTx::call(
        s.token,
        U256::ZERO,
        [&[0x09, 0x5e, 0xa7, 0xb3][..], &(b, ETHER).abi_encode_params()].concat(),
        n,
    );
    assert!(matches!(
        s.refused(&approve).await,
        CofferAllowlistGuardErrors::FunctionNotAllowed(e) if e.target == s.token
    ));
    // ETH to the token (no value flag), ETH to a non-listed payee, 1–3 byte calldata.
    assert!(matches!(
        s.refused(&SafeTx::call(s.token, ETHER, erc20_transfer_calldata(a, ETHER), n)).await,
        CofferAllowlistGuardErrors::ValueNotAllowed(_)
    ));
    assert!(matches!(
        s.refused(&SafeTx::call(b, ETHER, Bytes::new(), n)).await,
        CofferAllowlistGuardErrors::TargetNotAllowed(e) if e.target == b
    ));
    assert!(matches!(
        s.refused(&SafeTx::call(a, U256::ZERO, Bytes::from(vec![1, 2]), n)).await,
        CofferAllowlistGuardErrors::MalformedData(_)
    ));
    // Refunds would pay out past the list.
    let mut refund = s.token_transfer(a, ETHER, n);
    refund.gas_price = U256::from(1);
    refund.base_gas = U256::from(50_000);
    assert!(matches!(s.refused(&refund).await, CofferAllowlistGuardErrors::RefundNotAllowed(_)));

    // Delegatecall to the full MultiSend (not listed): refused, even with only listed inner calls.
    let suite = s.safe.suite;
    let batch = MultiSendBatch {
        entries: vec![MultiSendEntry::call(s.token, U256::ZERO, erc20_transfer_calldata(a, ETHER))],
    };
    let n = s.nonce().await;
    let via_multisend = SafeTx::delegate_call(suite.multi_send, batch.encode_call(), n);
    assert!(matches!(
        s.refused(&via_multisend).await,
        CofferAllowlistGuardErrors::DelegateCallNotAllowed(e) if e.target == suite.multi_send
    ));
    // MultiSendCallOnly allowlisted: each inner call is checked.
    s.exec(&allow_delegate_call_tx(s.guard, suite.multi_send_call_only, s.nonce().await)).await;
    s.warp(DELAY + 1).await;
    let good = MultiSendBatch::call_only(vec![
        MultiSendEntry::call(s.token, U256::ZERO, erc20_transfer_calldata(a, ETHER)),
        MultiSendEntry::call(a, ETHER, Bytes::new()),
    ])
    .unwrap();
    s.exec(&SafeTx::delegate_call(suite.multi_send_call_only, good.encode_call(), s.nonce().await))
        .await;
    assert_eq!(s.balance_of(a).await, ETHER * U256::from(2));
    let bad = MultiSendBatch::call_only(vec![
        MultiSendEntry::call(s.token, U256::ZERO, erc20_transfer_calldata(a, ETHER)),
        MultiSendEntry::call(b, ETHER, Bytes::new()),
    ])
    .unwrap();
    let n = s.nonce().await;
    assert!(matches!(
        s.refused(&SafeTx::delegate_call(suite.multi_send_call_only, bad.encode_call(), n)).await,
        CofferAllowlistGuardErrors::TargetNotAllowed(e) if e.target == b
    ));
    // The same batch through the full MultiSend, even allowlisted, refuses an inner delegatecall.
    s.exec(&allow_delegate_call_tx(s.guard, suite.multi_send, s.nonce().await)).await;
    s.warp(DELAY + 1).await;
    let inner_dc = MultiSendBatch {
        entries: vec![MultiSendEntry {
            operation: coffer_core::Operation::DelegateCall,
            to: suite.multi_send_call_only,
            value: U256::ZERO,
            data: good.encode_call(),
        }],
    };
    let n = s.nonce().await;
    assert!(matches!(
        s.refused(&SafeTx::delegate_call(suite.multi_send, inner_dc.encode_call(), n)).await,
        CofferAllowlistGuardErrors::DelegateCallNotAllowed(_)
    ));

    // Removals are immediate.
    s.exec(&remove_selector_tx(s.guard, s.token, transfer_selector(), s.nonce().await)).await;
    let n = s.nonce().await;
    assert!(matches!(
        s.refused(&s.token_transfer(a, ETHER, n)).await,
        CofferAllowlistGuardErrors::FunctionNotAllowed(_)
    ));
    s.exec(&remove_target_tx(s.guard, a, s.nonce().await)).await;
    let n = s.nonce().await;
    assert!(matches!(
        s.refused(&SafeTx::call(a, ETHER, Bytes::new(), n)).await,
        CofferAllowlistGuardErrors::TargetNotAllowed(_)
    ));
    let list = read_allowlist(s.p(), s.guard).await.unwrap();
    assert!(list.entries.iter().all(|e| e.target != a), "{list:?}");

    // Only the Safe drives the guard or changes its list.
    let stranger = s.chain.address(STRANGER);
    let req = TransactionRequest::default().with_from(stranger).with_to(s.guard).with_input(
        CofferAllowlistGuard::allowTargetCall { target: b, anySelector: true, value: true }
            .abi_encode(),
    );
    let reason = s.chain.revert_reason(req).await.unwrap().expect("a stranger must be refused");
    assert_eq!(
        reason,
        format!("the allowlist guard refuses: {stranger} is not the Safe this guard guards")
    );

    // The module bypasses the transaction guard: 1.4.1 (and coffer's Safe, the same semantics) has no module
    // guard, so a call to a non-listed payee succeeds through execTransactionFromModule.
    let before = s.p().get_balance(b).await.unwrap();
    let req = TransactionRequest::default().with_from(module).with_to(s.safe.address).with_input(
        Safe::execTransactionFromModuleCall {
            to: b,
            value: ETHER,
            data: Bytes::new(),
            operation: 0,
        }
        .abi_encode(),
    );
    s.chain.send_tx(req).await.unwrap();
    assert_eq!(s.p().get_balance(b).await.unwrap(), before + ETHER);
    let info = s.info().await;
    assert!(info.modules.contains(&module) && info.guard == s.guard);

    // Entries in force: still removable; and removable in one MultiSendCallOnly batch too.
    let info = s.info().await;
    let remove = uninstall_tx(&info, U256::ZERO).unwrap();
    let batch = MultiSendBatch::call_only(vec![MultiSendEntry::call(
        s.safe.address,
        U256::ZERO,
        remove.data.clone(),
    )])
    .unwrap();
    s.exec(&SafeTx::delegate_call(
        suite.multi_send_call_only,
        batch.encode_call(),
        s.nonce().await,
    ))
    .await;
    assert_eq!(s.info().await.guard, Address::ZERO);
    // With the guard gone, the Safe is unrestricted again.
    s.exec(&SafeTx::call(b, ETHER, Bytes::new(), s.nonce().await)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn allowlist_guard_on_coffer_safe() {
    allowlist_scenario(Implementation::Coffer).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn allowlist_guard_on_canonical_141() {
    allowlist_scenario(Implementation::Canonical141).await;
}

#[test]
fn selectors_parse() {
    assert_eq!(transfer_selector(), FixedBytes([0xa9, 0x05, 0x9c, 0xbb]));
    assert_eq!(parse_selector("0x095ea7b3").unwrap(), FixedBytes([0x09, 0x5e, 0xa7, 0xb3]));
    assert_eq!(parse_selector("empty").unwrap(), FixedBytes::ZERO);
    assert!(parse_selector("0x1234").is_err());
    assert!(parse_selector("transfer").is_err());
    assert!(parse_selector("transfer(address to, uint256)").is_err());
}

/// The CLI: `guard allowlist install` deploys the guard for the Safe and proposes setGuard; two owners sign and
/// `tx execute` runs it; `add` proposes a delayed addition whose preview decodes the effect; `show --json` and
/// `safe info` read the list from the chain; a bad selector is exit 2; `uninstall` removes the guard.
#[tokio::test(flavor = "multi_thread")]
async fn allowlist_guard_through_the_cli() {
    use coffer_e2e::{Cli, key_hex};
    let chain = TestChain::spawn().await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(0));
    cli.json(&["contracts", "deploy", "--private-key", &payer]);
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let owners: Vec<&str> = owners.iter().map(String::as_str).collect();
    let safe = cli.create_safe(&owners, 2, &payer);
    let run = |hash: &str| {
        cli.ok(&["tx", "sign", hash, "--private-key", &key_hex(chain.signer(1))]);
        cli.ok(&["tx", "sign", hash, "--private-key", &key_hex(chain.signer(2))]);
        cli.ok(&["tx", "execute", hash, "--private-key", &payer]);
    };

    let installed = cli.json(&[
        "guard",
        "allowlist",
        "install",
        "--safe",
        &safe,
        "--delay",
        "1h",
        "--private-key",
        &payer,
    ]);
    let guard = installed["guard"].as_str().unwrap().to_owned();
    let hash = installed["safeTxHash"].as_str().unwrap().to_owned();
    run(&hash);
    let shown = cli.json(&["guard", "allowlist", "show", "--safe", &safe]);
    assert_eq!(shown["installed"], true, "{shown}");
    assert_eq!(shown["delaySeconds"], 3600);
    assert_eq!(shown["entries"].as_array().unwrap().len(), 0);

    let payee = chain.address(PAYEE_A).to_string();
    cli.bad(
        &["guard", "allowlist", "add", "--safe", &safe, "--to", &payee, "--selector", "0x12"],
        "selector",
    );
    let add = cli.run(&[
        "guard",
        "allowlist",
        "add",
        "--safe",
        &safe,
        "--to",
        &payee,
        "--any-function",
        "--value",
    ]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert!(add.stderr.contains("allowTarget"), "the preview decodes the change:\n{}", add.stderr);
    run(add.stdout.trim());
    let shown = cli.json(&["guard", "allowlist", "show", "--safe", &safe]);
    assert_eq!(shown["entries"][0]["call"]["state"], "pending", "{shown}");
    let info = cli.json(&["safe", "info", &safe]);
    assert_eq!(info["allowlistGuard"]["guard"].as_str().unwrap(), guard, "{info}");
    assert!(cli.ok(&["safe", "info", &safe]).contains("allowlist"));

    let hash = cli.ok(&["guard", "allowlist", "uninstall", "--safe", &safe]);
    run(&hash);
    let info = cli.json(&["safe", "info", &safe]);
    assert_eq!(info["allowlistGuard"], serde_json::Value::Null, "{info}");
    cli.bad(&["guard", "allowlist", "uninstall", "--safe", &safe], "no guard");
}

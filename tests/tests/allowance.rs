//! Issue 16, spending limits: coffer's `CofferAllowanceModule` on a real anvil, on coffer's Safe and on the
//! canonical Safe 1.4.1 bytecode. The setup is one Safe transaction (enable + addDelegate + setAllowance in a
//! MultiSendCallOnly batch) signed by the owners; transfers are signed by the delegate alone (empty signature
//! from the delegate, EIP-712, eth_sign) and sent by the delegate or a relayer; every digest coffer computes is
//! cross-checked with the module's own `generateTransferHash`. Then the attack cases of MODULES.md §1: each must
//! revert or do nothing, with the module's own reason.

#![allow(clippy::unwrap_used, clippy::panic)]

// The Ledger is coffer-signer's device double (no device or app image can run here), spoken to over the real
// Speculos TCP transport, as in tests/tests/drill.rs.
#[path = "../../crates/coffer-signer/tests/common/mod.rs"]
mod common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, aliases::U48, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolCall,
};
use coffer_chain::{
    allowance::{
        AllowanceSetting, ModuleKind, PreparedTransfer, batch_or_call, deploy_allowance_module,
        detect_allowance_module, module_call_tx, prepare_transfer, read_allowance, read_allowances,
        read_delegates, send_transfer, set_allowances_tx, transfer_request,
    },
    read_safe,
    test_utils::{ETHER, Implementation, TestChain, TestSafe},
};
use coffer_contracts::bindings::{AllowanceOddToken, AllowanceReentrant, CofferAllowanceModule};
use coffer_core::{
    AllowanceTransfer, AllowanceVersion, MultiSendEntry, add_delegate_calldata,
    delete_allowance_calldata, eth_sign_hash, remove_delegate_calldata, reset_allowance_calldata,
};

const DELEGATE: usize = 5;
const RELAYER: usize = 0;
const STRANGER: usize = 7;

fn sign712(signer: &PrivateKeySigner, digest: B256) -> Vec<u8> {
    signer.sign_hash_sync(&digest).unwrap().as_bytes().to_vec()
}

fn sign_eth(signer: &PrivateKeySigner, digest: B256) -> Vec<u8> {
    let mut sig = signer.sign_hash_sync(&eth_sign_hash(digest)).unwrap().as_bytes().to_vec();
    sig[64] += 4;
    sig
}

struct Setup {
    chain: TestChain,
    safe: TestSafe,
    module: Address,
    token: Address,
}

impl Setup {
    async fn new(implementation: Implementation) -> Self {
        let chain = TestChain::spawn().await.unwrap();
        let suite = chain.deploy_suite(implementation).await.unwrap();
        let module =
            deploy_allowance_module(chain.provider(), chain.deployer()).await.unwrap().address;
        let safe = chain.create_test_safe(&suite, 3, 2).await.unwrap();
        chain.fund(safe.address, ETHER * U256::from(10)).await.unwrap();
        let token = chain.deploy_coffer_test_token().await.unwrap();
        chain.transfer_token(token, safe.address, ETHER * U256::from(1000)).await.unwrap();
        Self { chain, safe, module, token }
    }

    async fn exec(&self, tx: &coffer_core::SafeTx) {
        self.safe.execute(self.chain.provider(), tx, &[0, 1], self.chain.deployer()).await.unwrap();
    }

    async fn nonce(&self) -> U256 {
        coffer_chain::safe_nonce(self.chain.provider(), self.safe.address).await.unwrap()
    }

    async fn set(&self, settings: &[AllowanceSetting]) {
        let info = read_safe(self.chain.provider(), self.safe.address).await.unwrap();
        let tx = set_allowances_tx(
            self.chain.provider(),
            &info,
            self.module,
            self.safe.suite.multi_send_call_only,
            settings,
            self.nonce().await,
        )
        .await
        .unwrap();
        self.exec(&tx).await;
    }

    async fn module_tx(&self, calldata: Bytes) {
        let tx = module_call_tx(self.module, calldata, self.nonce().await);
        self.exec(&tx).await;
    }

    async fn prepare(&self, token: Address, to: Address, amount: u128) -> PreparedTransfer {
        let info = detect_allowance_module(self.chain.provider(), self.module).await.unwrap();
        prepare_transfer(
            self.chain.provider(),
            info,
            self.safe.address,
            self.chain.address(DELEGATE),
            token,
            to,
            amount,
            None,
        )
        .await
        .unwrap()
    }

    /// The revert reason of `executeAllowanceTransfer(transfer, delegate, signature)` sent from `from`, `None`
    /// when it would succeed.
    async fn refusal(
        &self,
        transfer: &AllowanceTransfer,
        delegate: Address,
        sig: &[u8],
        from: Address,
    ) -> Option<String> {
        let req = TransactionRequest::default()
            .with_from(from)
            .with_to(self.module)
            .with_input(transfer.execute_calldata(delegate, sig));
        self.chain.revert_reason(req).await.unwrap()
    }

    async fn eth_balance(&self, a: Address) -> U256 {
        self.chain.provider().get_balance(a).await.unwrap()
    }

    async fn warp(&self, secs: u64) {
        let p = self.chain.provider();
        p.raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (secs,)).await.unwrap();
        p.raw_request::<_, serde_json::Value>("evm_mine".into(), ()).await.unwrap();
    }
}

fn setting(delegate: Address, token: Address, amount: u128, period: u16) -> AllowanceSetting {
    AllowanceSetting {
        delegate,
        token,
        amount,
        reset_time_min: period,
        reset_base_min: 0,
        reset_spent: false,
    }
}

async fn happy_path_and_attacks(implementation: Implementation) {
    let s = Setup::new(implementation).await;
    let p = s.chain.provider();
    let delegate = s.chain.address(DELEGATE);
    let dsigner = s.chain.signer(DELEGATE).clone();
    let relayer = s.chain.address(RELAYER);
    let recipient = Address::repeat_byte(0x77);
    let info = detect_allowance_module(p, s.module).await.unwrap();
    assert_eq!(info.kind, ModuleKind::Coffer, "{implementation}");
    assert_eq!(info.version, AllowanceVersion::V1_0_0);

    // One Safe tx: enableModule + addDelegate + setAllowance(ETH, 1 ether / day) + setAllowance(token, 100 once).
    let hundred = 100u128 * 10u128.pow(18);
    s.set(&[
        setting(delegate, Address::ZERO, 10u128.pow(18), 1440),
        setting(delegate, s.token, hundred, 0),
    ])
    .await;
    let safe_info = read_safe(p, s.safe.address).await.unwrap();
    assert!(safe_info.is_module(s.module));
    let rows = read_allowances(p, s.module, s.safe.address).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].state.amount, 10u128.pow(18));
    assert_eq!(rows[0].state.nonce, 1);
    assert_eq!(rows[1].state.reset_time_min, 0);

    // 1. ETH, sent by the delegate with an empty signature.
    let prep = s.prepare(Address::ZERO, recipient, 4 * 10u128.pow(17)).await;
    send_transfer(p, &prep, &[], delegate).await.unwrap();
    assert_eq!(s.eth_balance(recipient).await, U256::from(4 * 10u128.pow(17)));

    // 2. ERC-20, EIP-712 signature by the delegate, sent by a relayer; digest = generateTransferHash.
    let prep = s.prepare(s.token, recipient, 30 * 10u128.pow(18)).await;
    let sig = sign712(&dsigner, prep.digest);
    // Reused with a changed recipient, amount, token or payment: refused.
    let mut changed = prep.transfer;
    changed.to = Address::repeat_byte(0x66);
    assert!(s.refusal(&changed, delegate, &sig, relayer).await.unwrap().contains("signer"));
    let mut changed = prep.transfer;
    changed.amount += 1;
    assert!(s.refusal(&changed, delegate, &sig, relayer).await.is_some());
    let mut changed = prep.transfer;
    changed.token = Address::ZERO;
    assert!(s.refusal(&changed, delegate, &sig, relayer).await.is_some());
    let mut changed = prep.transfer;
    changed.payment = 1;
    changed.payment_token = s.token;
    assert!(s.refusal(&changed, delegate, &sig, relayer).await.is_some());
    // Signed by someone who is not the delegate: refused.
    let bad = sign712(s.chain.signer(STRANGER), prep.digest);
    assert!(s.refusal(&prep.transfer, delegate, &bad, relayer).await.unwrap().contains("signer"));
    // Signed for another chain or another module address: refused.
    let other_chain =
        sign712(&dsigner, prep.transfer.digest(AllowanceVersion::V1_0_0, 1, s.module));
    assert!(s.refusal(&prep.transfer, delegate, &other_chain, relayer).await.is_some());
    let other_module = sign712(
        &dsigner,
        prep.transfer.digest(AllowanceVersion::V1_0_0, prep.chain_id, Address::repeat_byte(9)),
    );
    assert!(s.refusal(&prep.transfer, delegate, &other_module, relayer).await.is_some());
    // 0.1.0's flawed digest is not accepted by a 1.0.0 module.
    let v010 =
        sign712(&dsigner, prep.transfer.digest(AllowanceVersion::V0_1_0, prep.chain_id, s.module));
    assert!(s.refusal(&prep.transfer, delegate, &v010, relayer).await.is_some());
    // v = 0 (contract signature) is refused by name.
    let mut v0 = sig.clone();
    v0[64] = 0;
    assert!(
        s.refusal(&prep.transfer, delegate, &v0, relayer)
            .await
            .unwrap()
            .contains("Contract signatures")
    );
    // The real one goes through from the relayer.
    let before = U256::from(0);
    send_transfer(p, &prep, &sig, relayer).await.unwrap();
    let erc20 = coffer_contracts::bindings::TestToken::new(s.token, p);
    assert_eq!(
        erc20.balanceOf(recipient).call().await.unwrap(),
        before + U256::from(30 * 10u128.pow(18))
    );
    // Replayed: refused.
    assert!(s.refusal(&prep.transfer, delegate, &sig, relayer).await.is_some());

    // 3. eth_sign (v + 4) signature.
    let prep = s.prepare(s.token, recipient, 10u128.pow(18)).await;
    send_transfer(p, &prep, &sign_eth(&dsigner, prep.digest), relayer).await.unwrap();
    // v = 1 means "msg.sender": only the delegate itself can use it.
    let prep = s.prepare(s.token, recipient, 10u128.pow(18)).await;
    let mut v1 = vec![0u8; 65];
    v1[64] = 1;
    assert!(s.refusal(&prep.transfer, delegate, &v1, relayer).await.is_some());
    send_transfer(p, &prep, &v1, delegate).await.unwrap();

    // Above the remaining allowance, and amount 0: refused (and prepare_transfer refuses before signing).
    let st = read_allowance(p, s.module, s.safe.address, delegate, s.token).await.unwrap();
    assert_eq!(st.spent, 32 * 10u128.pow(18));
    let mut over = prep.transfer;
    over.nonce = st.nonce;
    over.amount = st.remaining() + 1;
    assert!(s.refusal(&over, delegate, &[], delegate).await.unwrap().contains("newSpent"));
    over.amount = 0;
    assert!(s.refusal(&over, delegate, &[], delegate).await.unwrap().contains("newSpent"));
    over.amount = (1u128 << 96) - 1; // spent + amount wraps past 2^96
    assert!(s.refusal(&over, delegate, &[], delegate).await.unwrap().contains("newSpent"));
    let info = detect_allowance_module(p, s.module).await.unwrap();
    let err =
        prepare_transfer(p, info, s.safe.address, delegate, s.token, recipient, hundred, None)
            .await
            .unwrap_err();
    assert!(err.to_string().contains("left in this period"), "{err}");

    // Payment path, same token: the payment goes to tx.origin (the relayer) and counts against the allowance.
    let prep = prepare_transfer(
        p,
        info,
        s.safe.address,
        delegate,
        s.token,
        recipient,
        10u128.pow(18),
        Some((s.token, 2 * 10u128.pow(18))),
    )
    .await
    .unwrap();
    let relayer_before = erc20.balanceOf(relayer).call().await.unwrap();
    send_transfer(p, &prep, &sign712(&dsigner, prep.digest), relayer).await.unwrap();
    assert_eq!(
        erc20.balanceOf(relayer).call().await.unwrap(),
        relayer_before + U256::from(2 * 10u128.pow(18))
    );
    let st = read_allowance(p, s.module, s.safe.address, delegate, s.token).await.unwrap();
    assert_eq!(st.spent, 35 * 10u128.pow(18));
    // Payment in a different token (ETH) comes from the ETH allowance.
    let prep = prepare_transfer(
        p,
        info,
        s.safe.address,
        delegate,
        s.token,
        recipient,
        10u128.pow(18),
        Some((Address::ZERO, 10u128.pow(17))),
    )
    .await
    .unwrap();
    send_transfer(p, &prep, &sign712(&dsigner, prep.digest), relayer).await.unwrap();
    let eth_st =
        read_allowance(p, s.module, s.safe.address, delegate, Address::ZERO).await.unwrap();
    assert_eq!(eth_st.spent, 5 * 10u128.pow(17));

    // A raw setAllowance below spent: nothing left to spend (spent is kept; coffer's batch resets it first).
    s.module_tx(
        coffer_core::set_allowance_calldata(delegate, s.token, 10u128.pow(18), 0, 0).unwrap(),
    )
    .await;
    let st = read_allowance(p, s.module, s.safe.address, delegate, s.token).await.unwrap();
    assert_eq!(st.remaining(), 0);
    // One-time allowance needs resetAllowance; set_allowances_tx adds it when spent != 0.
    s.set(&[setting(delegate, s.token, hundred, 0)]).await;
    let st = read_allowance(p, s.module, s.safe.address, delegate, s.token).await.unwrap();
    assert_eq!((st.spent, st.remaining()), (0, hundred));

    // The view-time reset after the period (1 day) for ETH.
    assert_ne!(eth_st.spent, 0);
    s.warp(86_400 + 60).await;
    let eth_st =
        read_allowance(p, s.module, s.safe.address, delegate, Address::ZERO).await.unwrap();
    assert_eq!(eth_st.spent, 0);

    // A deleted allowance re-set: the nonce continues, the old signature stays dead.
    let prep = s.prepare(s.token, recipient, 10u128.pow(18)).await;
    let old_sig = sign712(&dsigner, prep.digest);
    s.module_tx(delete_allowance_calldata(delegate, s.token)).await;
    let st = read_allowance(p, s.module, s.safe.address, delegate, s.token).await.unwrap();
    assert_eq!((st.amount, st.nonce), (0, prep.transfer.nonce));
    assert!(s.refusal(&prep.transfer, delegate, &old_sig, relayer).await.is_some());
    // getTokens keeps the deleted token.
    let tokens = CofferAllowanceModule::new(s.module, p)
        .getTokens(s.safe.address, delegate)
        .call()
        .await
        .unwrap();
    assert_eq!(tokens, vec![Address::ZERO, s.token]);
    s.set(&[setting(delegate, s.token, hundred, 0)]).await;
    let st2 = read_allowance(p, s.module, s.safe.address, delegate, s.token).await.unwrap();
    assert_eq!(st2.nonce, prep.transfer.nonce);
    // (Signed before the delete at the same nonce, it is valid again only because nothing was spent meanwhile:
    // a spend in between moves the nonce; shown by the replay case above.)
    s.module_tx(reset_allowance_calldata(delegate, s.token)).await;

    // Re-entry from an ETH recipient calling executeAllowanceTransfer again with the same signature: refused.
    let reentrant = s
        .chain
        .deploy_contract(coffer_contracts::artifact("AllowanceReentrant").unwrap(), &[])
        .await
        .unwrap();
    let prep = s.prepare(Address::ZERO, reentrant, 10u128.pow(16)).await;
    let sig = sign712(&dsigner, prep.digest);
    let again = prep.transfer.execute_calldata(delegate, &sig);
    let r = AllowanceReentrant::new(reentrant, p);
    let arm = r.arm(s.module, again).calldata().clone();
    s.chain
        .send_tx(
            TransactionRequest::default().with_from(relayer).with_to(reentrant).with_input(arm),
        )
        .await
        .unwrap();
    send_transfer(p, &prep, &sig, relayer).await.unwrap();
    assert_eq!(r.received().call().await.unwrap(), U256::from(1));
    assert!(!r.reentrySucceeded().call().await.unwrap());

    // The nonce at 65535 refuses (1.0.0): plant it in the packed slot (nonce = bits 240..256).
    let slot = allowance_slot(s.safe.address, delegate, Address::ZERO);
    let word = p.get_storage_at(s.module, slot.into()).await.unwrap();
    let planted =
        (word & ((U256::from(1) << 240) - U256::from(1))) | (U256::from(0xffffu64) << 240);
    s.chain.set_storage(s.module, slot, B256::from(planted)).await.unwrap();
    let st = read_allowance(p, s.module, s.safe.address, delegate, Address::ZERO).await.unwrap();
    assert_eq!(st.nonce, 65_535);
    let mut t = prep.transfer;
    t.nonce = 65_535;
    t.to = recipient;
    assert!(s.refusal(&t, delegate, &[], delegate).await.unwrap().contains("nonce"));

    // A removed delegate can no longer spend.
    let prep = s.prepare(s.token, recipient, 10u128.pow(18)).await;
    s.module_tx(remove_delegate_calldata(delegate, false)).await;
    assert!(s.refusal(&prep.transfer, delegate, &[], delegate).await.is_some());
    // ... and with removeAllowances=false its allowance comes back when re-added (Safe{Wallet} deletes first).
    s.module_tx(add_delegate_calldata(delegate)).await;
    assert!(s.refusal(&prep.transfer, delegate, &[], delegate).await.is_none());
    s.module_tx(remove_delegate_calldata(delegate, true)).await;
    let st = read_allowance(p, s.module, s.safe.address, delegate, s.token).await.unwrap();
    assert_eq!(st.amount, 0);
    assert_ne!(st.nonce, 0, "removeAllowances keeps the nonces");
}

/// The storage slot of `allowances[safe][delegate][token]` (mapping at slot 0).
fn allowance_slot(safe: Address, delegate: Address, token: Address) -> B256 {
    let mut h = keccak256([safe.into_word().as_slice(), B256::ZERO.as_slice()].concat());
    h = keccak256([delegate.into_word().as_slice(), h.as_slice()].concat());
    keccak256([token.into_word().as_slice(), h.as_slice()].concat())
}

#[tokio::test(flavor = "multi_thread")]
async fn allowance_on_coffer_safe() {
    happy_path_and_attacks(Implementation::Coffer).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn allowance_on_canonical_141() {
    happy_path_and_attacks(Implementation::Canonical141).await;
}

/// Namespaces, collisions, setAllowance bounds, pagination, the module not enabled, odd ERC-20s.
#[tokio::test(flavor = "multi_thread")]
async fn allowance_registry_rules_and_tokens() {
    let s = Setup::new(Implementation::Canonical141).await;
    let p = s.chain.provider();
    let m = CofferAllowanceModule::new(s.module, p);
    let stranger = s.chain.address(STRANGER);
    let call = |data: Vec<u8>| {
        TransactionRequest::default().with_from(stranger).with_to(s.module).with_input(data)
    };

    // A non-Safe caller writes only its own namespace.
    let d1 = Address::from_slice(
        &[[0x11u8; 14].as_slice(), &[0xab, 0xcd, 0xef, 0x01, 0x23, 0x45]].concat(),
    );
    let d2 = Address::from_slice(
        &[[0x22u8; 14].as_slice(), &[0xab, 0xcd, 0xef, 0x01, 0x23, 0x45]].concat(),
    );
    s.chain.send_tx(call(add_delegate_calldata(d1).to_vec())).await.unwrap();
    assert_eq!(read_delegates(p, s.module, stranger, 10).await.unwrap(), vec![d1]);
    assert!(read_delegates(p, s.module, s.safe.address, 10).await.unwrap().is_empty());
    // A colliding key: addDelegate and (1.0.0) removeDelegate refuse it.
    let reason =
        s.chain.revert_reason(call(add_delegate_calldata(d2).to_vec())).await.unwrap().unwrap();
    assert!(reason.contains("currentDelegate == delegate"), "{reason}");
    let reason = s
        .chain
        .revert_reason(call(remove_delegate_calldata(d2, false).to_vec()))
        .await
        .unwrap()
        .unwrap();
    assert!(reason.contains("current.delegate == delegate"), "{reason}");
    // setAllowance with an anchor but no period, and with an anchor in the future.
    let now_min =
        (p.get_block_by_number(Default::default()).await.unwrap().unwrap().header.timestamp / 60)
            as u32;
    let set = |base: u32, period: u16| {
        coffer_contracts::bindings::CofferAllowanceModule::setAllowanceCall {
            delegate: d1,
            token: Address::ZERO,
            allowanceAmount: alloy::primitives::aliases::U96::from(5),
            resetTimeMin: period,
            resetBaseMin: base,
        }
        .abi_encode()
    };
    assert!(
        s.chain
            .revert_reason(call(set(now_min - 10, 0)))
            .await
            .unwrap()
            .unwrap()
            .contains("resetTimeMin > 0")
    );
    assert!(
        s.chain
            .revert_reason(call(set(now_min + 10, 60)))
            .await
            .unwrap()
            .unwrap()
            .contains("resetBaseMin")
    );
    // Anchored: lastResetMin aligned to the base (here a base 90 minutes ago with a 60-minute period).
    s.chain.send_tx(call(set(now_min - 90, 60))).await.unwrap();
    let st = read_allowance(p, s.module, stranger, d1, Address::ZERO).await.unwrap();
    let base = now_min - 90;
    assert_eq!((st.last_reset_min - base) % 60, 0, "aligned to the anchor");
    assert!(st.last_reset_min + 60 > now_min && st.last_reset_min <= now_min + 1);

    // Pagination over 3 pages, and removal of the head, the middle and the tail.
    let ds: Vec<Address> = (1..=7u8).map(|i| Address::repeat_byte(0x30 + i)).collect();
    let entries: Vec<MultiSendEntry> = ds
        .iter()
        .map(|d| MultiSendEntry::call(s.module, U256::ZERO, add_delegate_calldata(*d)))
        .collect();
    let tx = batch_or_call(entries, s.safe.suite.multi_send_call_only, s.nonce().await).unwrap();
    s.exec(&tx).await;
    let newest_first: Vec<Address> = ds.iter().rev().copied().collect();
    assert_eq!(read_delegates(p, s.module, s.safe.address, 3).await.unwrap(), newest_first);
    let page = m.getDelegates(s.safe.address, U48::ZERO, 3).call().await.unwrap();
    assert_eq!(page.results.len(), 3);
    assert_ne!(page.next, U48::ZERO);
    for d in [ds[6], ds[3], ds[0]] {
        s.module_tx(remove_delegate_calldata(d, false)).await;
    }
    let left: Vec<Address> = [5usize, 4, 2, 1].iter().map(|i| ds[*i]).collect();
    assert_eq!(read_delegates(p, s.module, s.safe.address, 2).await.unwrap(), left);

    // Module not enabled: allowances set without enableModule, the transfer fails.
    let delegate = s.chain.address(DELEGATE);
    let entries = vec![
        MultiSendEntry::call(s.module, U256::ZERO, add_delegate_calldata(delegate)),
        MultiSendEntry::call(
            s.module,
            U256::ZERO,
            coffer_core::set_allowance_calldata(delegate, Address::ZERO, 10u128.pow(18), 0, 0)
                .unwrap(),
        ),
    ];
    let tx = batch_or_call(entries, s.safe.suite.multi_send_call_only, s.nonce().await).unwrap();
    s.exec(&tx).await;
    let prep = s.prepare(Address::ZERO, Address::repeat_byte(0x55), 10u128.pow(17)).await;
    assert!(s.chain.revert_reason(transfer_request(&prep, &[], delegate)).await.unwrap().is_some());

    // Enable it, then ERC-20s: one that returns false must revert (spent unchanged); one with no return succeeds.
    let odd = s
        .chain
        .deploy_contract(coffer_contracts::artifact("AllowanceOddToken").unwrap(), &[])
        .await
        .unwrap();
    let oddc = AllowanceOddToken::new(odd, p);
    let mint = oddc.mint(s.safe.address, U256::from(1_000_000)).calldata().clone();
    s.chain
        .send_tx(TransactionRequest::default().with_from(stranger).with_to(odd).with_input(mint))
        .await
        .unwrap();
    s.set(&[setting(delegate, odd, 1_000, 0)]).await;
    let set_mode = |mode: u8| {
        TransactionRequest::default()
            .with_from(stranger)
            .with_to(odd)
            .with_input(oddc.setMode(mode).calldata().clone())
    };
    s.chain.send_tx(set_mode(1)).await.unwrap();
    let prep = s.prepare(odd, Address::repeat_byte(0x55), 100).await;
    let reason =
        s.chain.revert_reason(transfer_request(&prep, &[], delegate)).await.unwrap().unwrap();
    assert!(reason.contains("returned false"), "{reason}");
    // The refusal is checked by eth_call above, not by a failing send: a send that fails its gas
    // estimate still takes a nonce from the provider's cache, and the delegate's next transaction
    // would then wait forever behind the gap (seen once in CI).
    assert_eq!(read_allowance(p, s.module, s.safe.address, delegate, odd).await.unwrap().spent, 0);
    s.chain.send_tx(set_mode(2)).await.unwrap();
    send_transfer(p, &prep, &[], delegate).await.unwrap();
    assert_eq!(oddc.balanceOf(Address::repeat_byte(0x55)).call().await.unwrap(), U256::from(100));
    assert_eq!(
        read_allowance(p, s.module, s.safe.address, delegate, odd).await.unwrap().spent,
        100
    );

    // A delegate of another Safe (the stranger's namespace has d1) cannot spend this Safe's allowance.
    let mut t = prep.transfer;
    t.nonce += 1;
    let sig = sign712(
        s.chain.signer(STRANGER),
        t.digest(AllowanceVersion::V1_0_0, prep.chain_id, s.module),
    );
    assert!(s.refusal(&t, stranger, &sig, stranger).await.is_some());
    let _ = read_allowances(p, s.module, s.safe.address).await.unwrap();
    let _ = module_call_tx;
    let _ = Bytes::new();
}

/// Through the binary: coffer's suite deployed (`contracts deploy`, its JSON returned), and a
/// 2-of-3 Safe of accounts 1, 2, 3 holding 3 ETH (its address returned).
fn cli_safe_with_suite(
    chain: &TestChain,
    cli: &coffer_e2e::Cli,
    payer: &str,
) -> (serde_json::Value, String) {
    let deployed = cli.json(&["contracts", "deploy", "--private-key", payer]);
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let owners: Vec<&str> = owners.iter().map(String::as_str).collect();
    let safe = cli.create_safe(&owners, 2, payer);
    cli.ok(&["send", "--to", &safe, "--value", "3ether", "--private-key", payer]);
    (deployed, safe)
}

/// `allowance set`: `delegate` may spend 1 ETH a day from `safe`; the proposal signed by owners 1
/// and 2 and executed through `tx execute`. Returns its safeTxHash.
fn allow_one_eth_a_day(
    chain: &TestChain,
    cli: &coffer_e2e::Cli,
    safe: &str,
    delegate: &str,
    payer: &str,
) -> String {
    use coffer_e2e::key_hex;
    let hash = cli.ok(&[
        "allowance",
        "set",
        "--safe",
        safe,
        "--delegate",
        delegate,
        "--token",
        "ETH",
        "--amount",
        "1",
        "--period",
        "1d",
    ]);
    cli.ok(&["tx", "sign", &hash, "--private-key", &key_hex(chain.signer(1))]);
    cli.ok(&["tx", "sign", &hash, "--private-key", &key_hex(chain.signer(2))]);
    cli.ok(&["tx", "execute", &hash, "--private-key", payer]);
    hash
}

/// Through the binary: `contracts deploy` deploys the module; `allowance set` is one proposal (enable +
/// addDelegate + setAllowance batch) that two owners sign and `tx execute` runs through the gate; `allowance
/// list --json` shows the row; `allowance hash` gives the on-chain digest; the delegate's `allowance transfer`
/// pays within the limit and is refused (exit 2, nothing sent) above it.
#[tokio::test(flavor = "multi_thread")]
async fn allowance_through_the_cli() {
    use coffer_e2e::{Cli, key_hex};
    let chain = TestChain::spawn().await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(0));
    let (deployed, safe) = cli_safe_with_suite(&chain, &cli, &payer);
    let module: Address =
        deployed["CofferAllowanceModule"]["address"].as_str().unwrap().parse().unwrap();
    let delegate = chain.address(DELEGATE).to_string();
    let dkey = key_hex(chain.signer(DELEGATE));

    let bad = cli.bad(
        &[
            "allowance",
            "set",
            "--safe",
            &safe,
            "--delegate",
            &delegate,
            "--token",
            "ETH",
            "--amount",
            "1",
            "--period",
            "50d",
        ],
        "period",
    );
    assert_eq!(bad.code, 2);
    let hash = allow_one_eth_a_day(&chain, &cli, &safe, &delegate, &payer);
    let shown = cli.json(&["tx", "show", &hash]);
    assert_eq!(shown["tx"]["operation"], 1, "one MultiSendCallOnly batch: {shown}");

    let list = cli.json(&["allowance", "list", "--safe", &safe]);
    assert_eq!(list["enabled"], true, "{list}");
    assert_eq!(list["module"].as_str().unwrap().parse::<Address>().unwrap(), module);
    assert_eq!(list["allowances"][0]["amount"], "1000000000000000000");
    assert_eq!(list["allowances"][0]["resetTimeMin"], 1440);
    let info = cli.json(&["safe", "info", &safe]);
    assert_eq!(
        info["spendingLimits"][0]["allowances"][0]["amount"], "1000000000000000000",
        "{info}"
    );
    assert!(
        cli.ok(&["safe", "info", &safe]).contains("may spend 1000000000000000000 of ETH per 1 day")
    );

    let to = "0x000000000000000000000000000000000000bEEF";
    let h = cli.json(&[
        "allowance",
        "hash",
        "--safe",
        &safe,
        "--token",
        "ETH",
        "--to",
        to,
        "--amount",
        "0.25",
        "--delegate",
        &delegate,
    ]);
    let digest: B256 = h["digest"].as_str().unwrap().parse().unwrap();
    let t = AllowanceTransfer {
        safe: safe.parse().unwrap(),
        token: Address::ZERO,
        to: to.parse().unwrap(),
        amount: 25 * 10u128.pow(16),
        payment_token: Address::ZERO,
        payment: 0,
        nonce: 1,
    };
    let onchain =
        coffer_chain::allowance::onchain_transfer_hash(chain.provider(), module, &t).await.unwrap();
    assert_eq!(digest, onchain);

    // The delegate's `allowance transfer` of `amount` ETH to `to`.
    let transfer = |amount: &'static str| {
        [
            "allowance",
            "transfer",
            "--safe",
            safe.as_str(),
            "--token",
            "ETH",
            "--to",
            to,
            "--amount",
            amount,
            "--private-key",
            dkey.as_str(),
        ]
    };
    cli.ok(&transfer("0.25"));
    let bal = chain.provider().get_balance(to.parse().unwrap()).await.unwrap();
    assert_eq!(bal, U256::from(25 * 10u128.pow(16)));
    let r = cli.bad(&transfer("0.8"), "left in this period");
    assert_eq!(r.code, 2);
    assert_eq!(chain.provider().get_balance(to.parse().unwrap()).await.unwrap(), bal);
}

/// The delegate signs ALONE on a Ledger (hashed EIP-712, device preview of domain and message hash) into a file
/// (`allowance transfer --out`, never overwritten); another key relays it (`allowance relay`) after the digest
/// is recomputed from the chain. Within the limit it pays (and refunds the relayer its `--payment`); a second
/// signed file above what is left is refused (exit 2, nothing sent); a file whose amount was altered, or whose
/// nonce was used, is refused (exit 2).
#[tokio::test(flavor = "multi_thread")]
async fn allowance_ledger_delegate_relayed() {
    use coffer_e2e::{Cli, Run, key_hex};
    use std::sync::Arc;
    async fn run(cli: &Arc<Cli>, args: &[&str]) -> Run {
        let cli = Arc::clone(cli);
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            cli.run(&a)
        })
        .await
        .unwrap()
    }
    let chain = TestChain::spawn().await.unwrap();
    let cli = Arc::new(Cli::new(chain.endpoint()));
    let payer = key_hex(chain.signer(0));
    let (_, safe) = cli_safe_with_suite(&chain, &cli, &payer);
    let delegate = chain.address(DELEGATE).to_string();
    allow_one_eth_a_day(&chain, &cli, &safe, &delegate, &payer);

    // anvil's mnemonic is the double's seed: the Ledger at m/44'/60'/0'/0/5 holds the delegate's key.
    let ledger = common::LedgerDouble::spawn().await;
    let path = format!("m/44'/60'/0'/0/{DELEGATE}");
    let to = "0x000000000000000000000000000000000000bEEF";
    let sign = |amount: &'static str, file: std::path::PathBuf, extra: &'static [&'static str]| {
        let (cli, safe, url, path) =
            (Arc::clone(&cli), safe.clone(), ledger.url.clone(), path.clone());
        async move {
            let f = file.to_str().unwrap().to_owned();
            let mut args = vec![
                "allowance",
                "transfer",
                "--safe",
                &safe,
                "--token",
                "ETH",
                "--to",
                to,
                "--amount",
                amount,
                "--out",
                &f,
                "--ledger-url",
                &url,
                "--hd-path",
                &path,
            ];
            args.extend_from_slice(extra);
            run(&cli, &args).await
        }
    };
    let a = cli.file("a.json");
    let r = sign("0.6", a.clone(), &["--payment", "0.05"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Ledger hashed EIP-712"), "no device preview:\n{}", r.stderr);
    assert!(r.stderr.contains("left before"), "{}", r.stderr);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
    assert_eq!(
        saved["delegate"].as_str().unwrap().parse::<Address>().unwrap(),
        chain.address(DELEGATE)
    );
    assert_eq!(saved["nonce"], 1);
    assert_eq!(saved["payment"], "50000000000000000");
    assert!(r.stderr.contains("relayer refund"), "{}", r.stderr);
    // Never overwritten.
    let r = sign("0.6", a.clone(), &[]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("exists"), "{}", r.stderr);
    // A second transfer signed at the same nonce (0.7 fits the 1 ETH before A is sent).
    let b = cli.file("b.json");
    assert_eq!(sign("0.7", b.clone(), &[]).await.code, 0);
    assert_eq!(chain.provider().get_balance(to.parse().unwrap()).await.unwrap(), U256::ZERO);

    // A tampered file (amount raised) is refused before sending.
    let mut forged = saved.clone();
    forged["amount"] = "900000000000000000".into();
    let c = cli.file("forged.json");
    std::fs::write(&c, forged.to_string()).unwrap();
    let relayer = key_hex(chain.signer(8));
    let r =
        run(&cli, &["allowance", "relay", c.to_str().unwrap(), "--private-key", &relayer]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("recomputed from the chain"), "{}", r.stderr);

    // Anyone relays A: the Safe pays 0.6 ETH, the delegate sent nothing.
    let d_nonce = chain.provider().get_transaction_count(chain.address(DELEGATE)).await.unwrap();
    let relayer_before = chain.provider().get_balance(chain.address(8)).await.unwrap();
    let r = run(
        &cli,
        &["allowance", "relay", a.to_str().unwrap(), "--private-key", &relayer, "--json"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["relayer"].as_str().unwrap().parse::<Address>().unwrap(), chain.address(8));
    // The relayer got its 0.05 ETH refund (net of the gas it paid).
    let tx: B256 = v["transaction"].as_str().unwrap().parse().unwrap();
    let receipt = chain.provider().get_transaction_receipt(tx).await.unwrap().unwrap();
    let gas = U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
    assert_eq!(
        chain.provider().get_balance(chain.address(8)).await.unwrap(),
        relayer_before - gas + U256::from(5 * 10u128.pow(16))
    );
    let bal = chain.provider().get_balance(to.parse().unwrap()).await.unwrap();
    assert_eq!(bal, U256::from(6 * 10u128.pow(17)));
    assert_eq!(
        chain.provider().get_transaction_count(chain.address(DELEGATE)).await.unwrap(),
        d_nonce
    );

    // B (0.7) is above the 0.35 left: refused, exit 2, nothing sent.
    let r =
        run(&cli, &["allowance", "relay", b.to_str().unwrap(), "--private-key", &relayer]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("left in this period"), "{}", r.stderr);
    assert_eq!(chain.provider().get_balance(to.parse().unwrap()).await.unwrap(), bal);
    // A again: its nonce is used.
    let r =
        run(&cli, &["allowance", "relay", a.to_str().unwrap(), "--private-key", &relayer]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(chain.provider().get_balance(to.parse().unwrap()).await.unwrap(), bal);
}

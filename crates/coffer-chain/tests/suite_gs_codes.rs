//! Differential suite: every reachable GS revert code, provoked and asserted by its exact revert
//! data (`Error(string)` with the code), on coffer's suite and on canonical Safe 1.4.1.
//!
//! Codes of functions only the Safe may call (owner, module, guard and handler changes) are read
//! with an `eth_call` from the Safe's own address; through a Safe transaction with safeTxGas = 0
//! and gasPrice = 0 they surface as the outer GS013, which is asserted too. GS011/GS012 (refunds)
//! live in `suite_refunds.rs`.
#![allow(clippy::unwrap_used, clippy::panic, clippy::type_complexity)]

#[macro_use]
mod suite_common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};
use coffer_chain::{SENTINEL, test_utils::Implementation};
use coffer_contracts::bindings::{ISafe, ISafeProxyFactory};
use coffer_core::{SafeTx, erc20_transfer_calldata};
use suite_common::*;

on_both!(setup_codes, signature_codes, execution_codes, management_codes, check_n_signatures);

/// `setup(owners, threshold, to, data, handler 0, no payment)` calldata.
fn setup_call(owners: Vec<Address>, threshold: u64, to: Address, data: Bytes) -> Bytes {
    ISafe::setupCall {
        owners,
        threshold: U256::from(threshold),
        to,
        data,
        fallbackHandler: Address::ZERO,
        paymentToken: Address::ZERO,
        payment: U256::ZERO,
        paymentReceiver: Address::ZERO,
    }
    .abi_encode()
    .into()
}

/// GS000, GS001, GS002, GS100, GS200-GS204 on `setup`, on a proxy created without an
/// initializer (so nothing has been set up yet).
async fn setup_codes(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let me = chain.deployer();
    let (a1, a2, a3) = (chain.address(1), chain.address(2), chain.address(3));

    // The factory with an empty initializer makes the proxy and calls nothing.
    let create = ISafeProxyFactory::createProxyWithNonceCall {
        singleton: suite.safe,
        initializer: Bytes::new(),
        saltNonce: U256::from(77),
    };
    let proxy = Address::abi_decode(
        &call(p, me, suite.proxy_factory, create.abi_encode()).await.returned("create"),
    )?;
    send(&chain, me, suite.proxy_factory, create.abi_encode(), U256::ZERO).await;
    assert!(!p.get_code_at(proxy).await?.is_empty());

    // Not set up: the threshold is 0, so any Safe transaction fails its signature check.
    let tx = SafeTx::call(a1, U256::ZERO, vec![], U256::ZERO);
    assert_reverts(&exec_call(p, proxy, &tx, Bytes::new(), me).await, "GS001", "exec before setup");
    let check = ISafe::checkSignaturesCall {
        dataHash: B256::ZERO,
        data: Bytes::new(),
        signatures: Bytes::new(),
    };
    assert_reverts(
        &call(p, me, proxy, check.abi_encode()).await,
        "GS001",
        "checkSignatures before setup",
    );

    let none = Address::ZERO;
    let cases: Vec<(Vec<Address>, u64, Address, Bytes, &str, &str)> = vec![
        (vec![], 1, none, Bytes::new(), "GS201", "no owners"),
        (vec![a1, a2], 3, none, Bytes::new(), "GS201", "threshold above the owner count"),
        (vec![a1], 0, none, Bytes::new(), "GS202", "threshold 0"),
        (vec![Address::ZERO], 1, none, Bytes::new(), "GS203", "owner address(0)"),
        (vec![a1, SENTINEL], 1, none, Bytes::new(), "GS203", "owner = sentinel"),
        (vec![proxy], 1, none, Bytes::new(), "GS203", "owner = the Safe itself"),
        (vec![a1, a1], 1, none, Bytes::new(), "GS203", "the same owner twice in a row"),
        (vec![a1, a2, a1], 1, none, Bytes::new(), "GS204", "a duplicate owner"),
        (
            vec![a1],
            1,
            chain.address(5),
            Bytes::from(vec![0x12]),
            "GS002",
            "setup `to` without code",
        ),
    ];
    for (owners, threshold, to, data, code, what) in cases {
        let out = call(p, me, proxy, setup_call(owners, threshold, to, data)).await;
        assert_reverts(&out, code, &format!("{imp}: setup with {what}"));
    }
    // A setup delegatecall that fails: TestToken has no fallback.
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    let out = call(
        p,
        me,
        proxy,
        setup_call(vec![a1], 1, token, Bytes::from(vec![0xde, 0xad, 0xbe, 0xef])),
    )
    .await;
    assert_reverts(&out, "GS000", "setup delegatecall reverts");

    // A real setup, then a second one.
    send(&chain, me, proxy, setup_call(vec![a1, a2], 1, none, Bytes::new()), U256::ZERO).await;
    assert_eq!(ISafe::new(proxy, p).getOwners().call().await?, vec![a1, a2]);
    let out = call(p, me, proxy, setup_call(vec![a3], 1, none, Bytes::new())).await;
    assert_reverts(&out, "GS200", "setup twice");

    // GS100 needs storage surgery: with the threshold slot cleared, setup passes the owner
    // checks with fresh owners and reaches the module list, which setup already initialised.
    chain.set_storage(proxy, B256::with_last_byte(4), B256::ZERO).await?;
    let out = call(p, me, proxy, setup_call(vec![a3], 1, none, Bytes::new())).await;
    assert_reverts(&out, "GS100", "module list initialised twice");
    Ok(())
}

/// A 2-of-3 Safe owned by accounts 1 and 2 and a TestSignatureValidator (contract owner).
async fn safe_with_contract_owner(
    chain: &coffer_chain::test_utils::TestChain,
    suite: &coffer_chain::SuiteAddresses,
) -> (coffer_chain::test_utils::TestSafe, Address) {
    let validator = deploy_helper(chain, "TestSignatureValidator", &[]).await;
    let safe = create_safe_owned(
        chain,
        suite,
        vec![chain.address(1), chain.address(2), validator],
        vec![chain.signer(1).clone(), chain.signer(2).clone()],
        2,
        0,
    )
    .await;
    (safe, validator)
}

/// GS020-GS027 and GS030: the signature checks.
async fn signature_codes(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let me = chain.deployer();
    let (safe, validator) = safe_with_contract_owner(&chain, &suite).await;
    let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], U256::ZERO);
    let hash = tx.safe_tx_hash(&safe.ctx);
    let (s1, s2) = (chain.signer(1), chain.signer(2));
    let (a1, a2) = (s1.address(), s2.address());
    let sig1 = ecdsa_712(s1, hash);
    let sig2 = ecdsa_712(s2, hash);
    // Owners sorted ascending.
    let (lo, hi) = if a1 < a2 { (sig1, sig2) } else { (sig2, sig1) };
    let exec = |sigs: Bytes| exec_call(p, safe.address, &tx, sigs, me);
    let ok = |out: Outcome, what: &str| {
        let data = out.returned(what);
        assert!(bool::abi_decode(&data).unwrap(), "{what}: execTransaction returned false");
    };

    // The valid baseline executes (eth_call: state unchanged).
    ok(exec(concat(&[&lo, &hi])).await, "two sorted owner signatures");

    // GS020: shorter than threshold * 65.
    for len in [0usize, 65, 129] {
        let blob = concat(&[&lo, &hi])[..len].to_vec();
        assert_reverts(&exec(blob.into()).await, "GS020", &format!("{imp}: {len} signature bytes"));
    }

    // Contract signatures (v = 0, r = the validator): the dynamic part's pointer and bounds.
    let v0 = |offset: u64| part(addr_word(validator), U256::from(offset), 0);
    let contract_sig = Bytes::from(vec![0xab; 65]);
    let tail = |len: u64, data: &[u8]| concat(&[&word(U256::from(len)), data]);
    let cases: Vec<(Bytes, &str, &str)> = vec![
        (concat(&[&v0(0), &lo]), "GS021", "offset 0 (inside the static part)"),
        (concat(&[&lo, &v0(129), &[0u8; 40]]), "GS021", "offset 129 (last static byte)"),
        (concat(&[&lo, &v0(130), &[0u8; 31]]), "GS022", "no room for the length word"),
        (concat(&[&lo, &v0(130), &tail(64, &[7u8; 10])]), "GS023", "data shorter than its length"),
        (concat(&[&lo, &v0(130), &tail(65, &contract_sig)]), "GS024", "the owner does not sign it"),
    ];
    for (sigs, code, what) in &cases {
        assert_reverts(
            &exec(sigs.clone()).await,
            code,
            &format!("{imp}: contract signature: {what}"),
        );
    }
    let configure = |m: u8| ITestSignatureValidator::configureCall {
        mode: m,
        expectedHash: hash,
        expectedSignature: contract_sig.clone(),
    };
    // The owner answering the legacy form (both implementations accept it), and one returning a
    // wrong magic value.
    let good = concat(&[&lo, &v0(130), &tail(65, &contract_sig)]);
    for (m, expect) in
        [(mode::LEGACY_ONLY, None), (mode::WRONG_MAGIC, Some("GS024")), (mode::NONE, Some("GS024"))]
    {
        send(&chain, me, validator, configure(m).abi_encode(), U256::ZERO).await;
        let out = exec(good.clone()).await;
        match expect {
            None => ok(out, "a valid legacy EIP-1271 signature"),
            Some(code) => assert_reverts(&out, code, &format!("{imp}: validator mode {m}")),
        }
    }

    // GS025: v = 1 for an owner who did not approve and is not the caller.
    let approver = a1.min(a2);
    let v1_lo = concat(&[&part(addr_word(approver), U256::ZERO, 1), &hi]);
    assert_reverts(&exec(v1_lo.clone()).await, "GS025", "v = 1 without approval");
    // The same blob is valid when that owner is the caller.
    ok(exec_call(p, safe.address, &tx, v1_lo, approver).await, "v = 1 from the owner itself");

    // GS026: non-owner, wrong order, duplicate, a signature of another hash, nonsense v.
    let stranger = ecdsa_712(chain.signer(7), hash);
    let other_hash = ecdsa_712(s1, keccak256("another hash"));
    let mut bad_v = lo;
    bad_v[64] = 5;
    let cases: Vec<(Bytes, &str)> = vec![
        (concat(&[&stranger, &lo]), "a non-owner's signature"),
        (concat(&[&hi, &lo]), "owners in descending order"),
        (concat(&[&lo, &lo]), "the same owner twice"),
        (concat(&[&other_hash, &hi]), "a signature of another hash"),
        (concat(&[&bad_v, &hi]), "v = 5"),
        (
            concat(&[&part(U256::from(1), U256::ZERO, 1), &hi]),
            "v = 1 naming the sentinel, sent from it",
        ),
    ];
    for (sigs, what) in cases {
        let from = if what.contains("sentinel") { SENTINEL } else { me };
        let out = exec_call(p, safe.address, &tx, sigs, from).await;
        assert_reverts(&out, "GS026", &format!("{imp}: {what}"));
    }
    // eth_sign (v + 4) counts like EIP-712.
    let eth1 = ecdsa_eth_sign(s1, hash);
    let blob = if a1 < a2 { concat(&[&eth1, &sig2]) } else { concat(&[&sig2, &eth1]) };
    ok(exec(blob).await, "eth_sign signature");

    // GS027 (<= 1.4.1): checkSignatures with data that is not the preimage of dataHash, read
    // only for contract signatures. ECDSA-only signatures do not look at the data.
    let wrong_data = Bytes::from_static(b"not the preimage");
    let check = |sigs: Bytes| ISafe::checkSignaturesCall {
        dataHash: hash,
        data: wrong_data.clone(),
        signatures: sigs,
    };
    let out = call(p, me, safe.address, check(good.clone()).abi_encode()).await;
    assert_reverts(&out, "GS027", "contract signature with a wrong preimage");
    let out = call(p, me, safe.address, check(concat(&[&lo, &hi])).abi_encode()).await;
    assert_eq!(out, Outcome::Returned(Bytes::new()), "{imp}: ECDSA signatures ignore the preimage");

    // GS030: approveHash by a non-owner.
    let approve = ISafe::approveHashCall { hashToApprove: hash };
    assert_reverts(
        &call(p, chain.address(7), safe.address, approve.abi_encode()).await,
        "GS030",
        "approveHash",
    );
    assert_eq!(
        call(p, a1, safe.address, approve.abi_encode()).await,
        Outcome::Returned(Bytes::new())
    );
    Ok(())
}

/// GS010 (not enough gas for safeTxGas) and GS013 (inner failure with safeTxGas = gasPrice = 0).
async fn execution_codes(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let me = chain.deployer();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let token = deploy_helper(&chain, "TestToken", &[]).await;

    // The Safe holds no tokens, so the transfer reverts inside.
    let failing = SafeTx::call(
        token,
        U256::ZERO,
        erc20_transfer_calldata(recipient(2), U256::from(1)),
        U256::ZERO,
    );
    let out = exec_call(p, safe.address, &failing, signed(&safe, &failing, &[0, 1]), me).await;
    assert_reverts(&out, "GS013", "inner failure with safeTxGas = gasPrice = 0");
    // With safeTxGas > 0 the same failure does not revert: execTransaction returns false.
    let tolerant = SafeTx { safe_tx_gas: U256::from(100_000), ..failing.clone() };
    let out = exec_call(p, safe.address, &tolerant, signed(&safe, &tolerant, &[0, 1]), me).await;
    assert!(!bool::abi_decode(&out.returned("safeTxGas > 0"))?, "{imp}: returns false");

    // GS010: safeTxGas 5M, but the call gets 1M gas.
    let greedy = SafeTx {
        safe_tx_gas: U256::from(5_000_000),
        ..SafeTx::call(recipient(3), U256::ZERO, vec![], U256::ZERO)
    };
    let request = TransactionRequest::default()
        .with_from(me)
        .with_to(safe.address)
        .with_input(exec_calldata(&greedy, signed(&safe, &greedy, &[0, 1])))
        .with_gas_limit(1_000_000);
    assert_reverts(
        &call_request(p, request.clone()).await,
        "GS010",
        "safeTxGas above the gas left",
    );
    // ... and passes with enough gas.
    let out = call_request(p, request.with_gas_limit(6_000_000)).await;
    assert!(bool::abi_decode(&out.returned("enough gas"))?);
    Ok(())
}

/// GS031 and every owner/module/guard/handler code, from the Safe itself; GS013 around it.
async fn management_codes(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let me = chain.deployer();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let s = safe.address;
    let (a1, a2, a3, a9) = (chain.address(1), chain.address(2), chain.address(3), chain.address(9));
    let module = deploy_helper(&chain, "TestModule", &[]).await;
    manage(&chain, &safe, ISafe::enableModuleCall { module }, &[0, 1]).await;

    let guard = deploy_helper(&chain, "TestGuard", &[]).await;
    let deny =
        ITestGuard::configureCall { revertBefore: false, revertAfter: false, denyInterface: true };
    send(&chain, me, guard, deny.abi_encode(), U256::ZERO).await;

    let u = U256::from;
    let cases: Vec<(Bytes, &str, &str)> = vec![
        (
            ISafe::addOwnerWithThresholdCall { owner: Address::ZERO, threshold: u(1) }
                .abi_encode()
                .into(),
            "GS203",
            "add owner 0",
        ),
        (
            ISafe::addOwnerWithThresholdCall { owner: SENTINEL, threshold: u(1) }
                .abi_encode()
                .into(),
            "GS203",
            "add the sentinel",
        ),
        (
            ISafe::addOwnerWithThresholdCall { owner: s, threshold: u(1) }.abi_encode().into(),
            "GS203",
            "add the Safe itself",
        ),
        (
            ISafe::addOwnerWithThresholdCall { owner: a2, threshold: u(1) }.abi_encode().into(),
            "GS204",
            "add an owner",
        ),
        (
            ISafe::addOwnerWithThresholdCall { owner: a9, threshold: u(0) }.abi_encode().into(),
            "GS202",
            "add with threshold 0",
        ),
        (
            ISafe::addOwnerWithThresholdCall { owner: a9, threshold: u(5) }.abi_encode().into(),
            "GS201",
            "add with threshold 5 of 4",
        ),
        (
            ISafe::removeOwnerCall { prevOwner: SENTINEL, owner: a1, threshold: u(3) }
                .abi_encode()
                .into(),
            "GS201",
            "remove below the threshold",
        ),
        (
            ISafe::removeOwnerCall { prevOwner: SENTINEL, owner: Address::ZERO, threshold: u(1) }
                .abi_encode()
                .into(),
            "GS203",
            "remove owner 0",
        ),
        (
            ISafe::removeOwnerCall { prevOwner: a1, owner: SENTINEL, threshold: u(1) }
                .abi_encode()
                .into(),
            "GS203",
            "remove the sentinel",
        ),
        (
            ISafe::removeOwnerCall { prevOwner: a2, owner: a1, threshold: u(1) }
                .abi_encode()
                .into(),
            "GS205",
            "remove with a wrong prevOwner",
        ),
        (
            ISafe::removeOwnerCall { prevOwner: SENTINEL, owner: a9, threshold: u(1) }
                .abi_encode()
                .into(),
            "GS205",
            "remove a non-owner",
        ),
        (
            ISafe::removeOwnerCall { prevOwner: SENTINEL, owner: a1, threshold: u(0) }
                .abi_encode()
                .into(),
            "GS202",
            "remove with threshold 0",
        ),
        (
            ISafe::swapOwnerCall { prevOwner: SENTINEL, oldOwner: a1, newOwner: Address::ZERO }
                .abi_encode()
                .into(),
            "GS203",
            "swap in owner 0",
        ),
        (
            ISafe::swapOwnerCall { prevOwner: SENTINEL, oldOwner: a1, newOwner: SENTINEL }
                .abi_encode()
                .into(),
            "GS203",
            "swap in the sentinel",
        ),
        (
            ISafe::swapOwnerCall { prevOwner: SENTINEL, oldOwner: a1, newOwner: s }
                .abi_encode()
                .into(),
            "GS203",
            "swap in the Safe itself",
        ),
        (
            ISafe::swapOwnerCall { prevOwner: SENTINEL, oldOwner: a1, newOwner: a3 }
                .abi_encode()
                .into(),
            "GS204",
            "swap in an owner",
        ),
        (
            ISafe::swapOwnerCall { prevOwner: SENTINEL, oldOwner: Address::ZERO, newOwner: a9 }
                .abi_encode()
                .into(),
            "GS203",
            "swap out owner 0",
        ),
        (
            ISafe::swapOwnerCall { prevOwner: a3, oldOwner: SENTINEL, newOwner: a9 }
                .abi_encode()
                .into(),
            "GS203",
            "swap out the sentinel",
        ),
        (
            ISafe::swapOwnerCall { prevOwner: a2, oldOwner: a1, newOwner: a9 }.abi_encode().into(),
            "GS205",
            "swap with a wrong prevOwner",
        ),
        (
            ISafe::changeThresholdCall { threshold: u(0) }.abi_encode().into(),
            "GS202",
            "threshold 0",
        ),
        (
            ISafe::changeThresholdCall { threshold: u(4) }.abi_encode().into(),
            "GS201",
            "threshold 4 of 3",
        ),
        (
            ISafe::enableModuleCall { module: Address::ZERO }.abi_encode().into(),
            "GS101",
            "enable module 0",
        ),
        (
            ISafe::enableModuleCall { module: SENTINEL }.abi_encode().into(),
            "GS101",
            "enable the sentinel",
        ),
        (ISafe::enableModuleCall { module }.abi_encode().into(), "GS102", "enable a module twice"),
        (
            ISafe::disableModuleCall { prevModule: SENTINEL, module: Address::ZERO }
                .abi_encode()
                .into(),
            "GS101",
            "disable module 0",
        ),
        (
            ISafe::disableModuleCall { prevModule: module, module: SENTINEL }.abi_encode().into(),
            "GS101",
            "disable the sentinel",
        ),
        (
            ISafe::disableModuleCall { prevModule: a9, module }.abi_encode().into(),
            "GS103",
            "disable with a wrong prevModule",
        ),
        (
            ISafe::disableModuleCall { prevModule: SENTINEL, module: a9 }.abi_encode().into(),
            "GS103",
            "disable a non-module",
        ),
        (
            ISafe::setGuardCall { guard }.abi_encode().into(),
            "GS300",
            "a guard denying the interface",
        ),
        (
            ISafe::setFallbackHandlerCall { handler: s }.abi_encode().into(),
            "GS400",
            "the Safe as its own handler",
        ),
    ];
    for (data, code, what) in &cases {
        // From anyone else: GS031.
        let out = call(p, me, s, data.clone()).await;
        assert_reverts(&out, "GS031", &format!("{imp}: {what}, not from the Safe"));
        // From the Safe itself: the specific code.
        let out = call(p, s, s, data.clone()).await;
        assert_reverts(&out, code, &format!("{imp}: {what}"));
    }
    // Through a Safe transaction the inner code surfaces as GS013.
    let tx = SafeTx::call(s, U256::ZERO, cases[3].0.clone(), nonce(p, s).await);
    let out = exec_call(p, s, &tx, signed(&safe, &tx, &[0, 1]), me).await;
    assert_reverts(&out, "GS013", "adding an owner twice through a Safe tx");

    // A guard address without code: the ERC-165 call reverts without data in both.
    let out = call(p, s, s, ISafe::setGuardCall { guard: a9 }.abi_encode()).await;
    assert_eq!(out, Outcome::Reverted(Bytes::new()), "{imp}: setGuard(EOA)");

    // GS104: module execution by a non-module, or from the sentinel address.
    let from_module = ISafe::execTransactionFromModuleCall {
        to: a9,
        value: U256::ZERO,
        data: Bytes::new(),
        operation: 0,
    };
    for from in [me, SENTINEL, a1] {
        assert_reverts(
            &call(p, from, s, from_module.abi_encode()).await,
            "GS104",
            &format!("{imp}: module call from {from}"),
        );
    }
    let with_data = ISafe::execTransactionFromModuleReturnDataCall {
        to: a9,
        value: U256::ZERO,
        data: Bytes::new(),
        operation: 0,
    };
    assert_reverts(
        &call(p, me, s, with_data.abi_encode()).await,
        "GS104",
        "execTransactionFromModuleReturnData",
    );
    assert!(matches!(call(p, module, s, from_module.abi_encode()).await, Outcome::Returned(_)));

    // GS105 / GS106: module pages.
    let page = |start: Address, size: u64| {
        ISafe::getModulesPaginatedCall { start, pageSize: U256::from(size) }.abi_encode()
    };
    assert_reverts(&call(p, me, s, page(a9, 10)).await, "GS105", "page start is not a module");
    assert_reverts(&call(p, me, s, page(SENTINEL, 0)).await, "GS106", "page size 0");
    assert!(matches!(call(p, me, s, page(module, 1)).await, Outcome::Returned(_)));
    Ok(())
}

alloy::sol! {
    function checkNSignatures(bytes32 dataHash, bytes calldata data, bytes calldata signatures, uint256 requiredSignatures) external view;
}

/// `checkNSignatures` with a caller-chosen count: 0 accepts anything, a count above the
/// threshold needs that many, and a count whose `* 65` overflows reverts without data (the
/// canonical SafeMath).
async fn check_n_signatures(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let me = chain.deployer();
    let safe = chain.create_test_safe(&suite, 3, 1).await?;
    let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], U256::ZERO);
    let hash = tx.safe_tx_hash(&safe.ctx);
    let data = tx.encode_transaction_data(&safe.ctx);
    let check = |sigs: Bytes, n: U256| {
        checkNSignaturesCall {
            dataHash: hash,
            data: data.clone(),
            signatures: sigs,
            requiredSignatures: n,
        }
        .abi_encode()
    };
    let two = signed(&safe, &tx, &[0, 2]);
    let three = signed(&safe, &tx, &[0, 1, 2]);
    let ok = Outcome::Returned(Bytes::new());
    assert_eq!(
        call(p, me, safe.address, check(Bytes::new(), U256::ZERO)).await,
        ok,
        "{imp}: 0 required"
    );
    assert_eq!(
        call(p, me, safe.address, check(two.clone(), U256::from(2))).await,
        ok,
        "{imp}: 2 of 2"
    );
    assert_reverts(
        &call(p, me, safe.address, check(two, U256::from(3))).await,
        "GS020",
        "3 required, 2 given",
    );
    assert_eq!(
        call(p, me, safe.address, check(three.clone(), U256::from(3))).await,
        ok,
        "{imp}: above the threshold"
    );
    let huge = U256::MAX / U256::from(65) + U256::from(1);
    assert_eq!(
        call(p, me, safe.address, check(three, huge)).await,
        Outcome::Reverted(Bytes::new()),
        "{imp}: overflowing count"
    );
    Ok(())
}

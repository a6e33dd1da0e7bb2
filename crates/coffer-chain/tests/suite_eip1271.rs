//! Contract owners (v = 0, EIP-1271) and the CompatibilityFallbackHandler's message signing.
//!
//! Differential (both implementations must pass the same test): a Safe owned by a Safe, with the
//! owner Safe's signatures and with a message it signed on chain, across implementations too (a
//! coffer Safe owned by a canonical Safe and the reverse, on one chain); the handler's Safe
//! message views, both EIP-1271 forms over Safe messages, `getModules`, token callbacks and
//! ERC-165.
//!
//! Not differential, on purpose: coffer's documented improvement. A v = 0 owner that answers
//! only the standard `isValidSignature(bytes32,bytes)` → `0x1626ba7e` is accepted by coffer and
//! refused (GS024) by canonical 1.4.1; each implementation is held to its own behaviour in
//! `contract_owner_forms`.
#![allow(clippy::unwrap_used, clippy::panic)]

#[macro_use]
mod suite_common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, FixedBytes, U256, keccak256},
    providers::Provider,
    sol_types::{SolCall, SolValue},
};
use coffer_chain::{
    SuiteAddresses, owner_safe_message, owner_safe_message_hash,
    test_utils::{Implementation, TestChain, TestSafe, sign_hash},
};
use coffer_contracts::bindings::ISafe;
use coffer_core::{Operation, SafeSignature, SafeTx, pack_signatures};
use suite_common::*;

alloy::sol! {
    interface IHandler {
        function isValidSignature(bytes calldata _data, bytes calldata _signature) external view returns (bytes4);
        function getMessageHash(bytes memory message) external view returns (bytes32);
        function getMessageHashForSafe(address safe, bytes memory message) external view returns (bytes32);
        function encodeMessageDataForSafe(address safe, bytes memory message) external view returns (bytes memory);
        function getModules() external view returns (address[] memory);
        function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4);
        function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4);
        function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata) external returns (bytes4);
        function tokensReceived(address, address, address, uint256, bytes calldata, bytes calldata) external;
        function supportsInterface(bytes4 interfaceId) external view returns (bool);
    }
    interface IStandard1271 {
        function isValidSignature(bytes32 _dataHash, bytes calldata _signature) external view returns (bytes4);
    }
    function signMessage(bytes calldata _data) external;
}

on_both!(
    safe_owned_by_safe,
    handler_messages,
    handler_callbacks,
    contract_owner_forms,
    contract_owner_failures_pass_up,
);

/// A cross-implementation pair on one chain: `inner` (of `inner_imp`) is owned by `outer` (of
/// the other implementation) and account 3, 2-of-2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_owned_by_safe_across_implementations() -> TestResult {
    let chain = TestChain::spawn().await?;
    chain.provider().client().set_poll_interval(std::time::Duration::from_millis(10));
    let ours = chain.deploy_suite(Implementation::Coffer).await?;
    let theirs = chain.deploy_suite(Implementation::Canonical141).await?;
    for (i, (outer_suite, inner_suite)) in [(ours, theirs), (theirs, ours)].into_iter().enumerate()
    {
        owned_by_safe(
            &chain,
            &outer_suite,
            &inner_suite,
            10 + i as u64 * 10,
            &format!("outer {} / inner {}", name(&chain, &outer_suite), name(&chain, &inner_suite)),
        )
        .await;
    }
    Ok(())
}

fn name(_chain: &TestChain, suite: &SuiteAddresses) -> &'static str {
    if SuiteAddresses::canonical(coffer_core::SafeVersion::V1_4_1).as_ref() == Some(suite) {
        "canonical"
    } else {
        "coffer"
    }
}

async fn safe_owned_by_safe(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    owned_by_safe(&chain, &suite, &suite, 0, imp.name()).await;
    Ok(())
}

/// The inner Safe executes with the outer Safe's v = 0 signature: once with its owners'
/// signatures over the Safe message, once with the message signed on chain (empty data), and
/// fails with GS024 for a wrong signature and for an unsigned message.
async fn owned_by_safe(
    chain: &TestChain,
    outer_suite: &SuiteAddresses,
    inner_suite: &SuiteAddresses,
    salt: u64,
    what: &str,
) {
    let p = chain.provider();
    let outer = create_safe_owned(
        chain,
        outer_suite,
        vec![chain.address(1), chain.address(2)],
        vec![chain.signer(1).clone(), chain.signer(2).clone()],
        2,
        salt,
    )
    .await;
    let inner = create_safe_owned(
        chain,
        inner_suite,
        vec![outer.address, chain.address(3)],
        vec![chain.signer(3).clone()],
        2,
        salt + 1,
    )
    .await;
    chain.fund(inner.address, U256::from(1_000_000u64)).await.unwrap();
    let to = recipient(salt + 42);

    // 1. The outer owners sign the Safe message (over the inner tx's EIP-712 preimage).
    let tx = SafeTx::call(to, U256::from(999), vec![], U256::ZERO);
    let hash = tx.safe_tx_hash(&inner.ctx);
    let message_hash = owner_safe_message_hash(&outer.ctx, &inner.ctx, &tx);
    let outer_sigs = pack_signatures(&[
        sign_hash(chain.signer(1), message_hash).unwrap(),
        sign_hash(chain.signer(2), message_hash).unwrap(),
    ])
    .unwrap();
    let contract = SafeSignature::contract(outer.address, outer_sigs);
    let sigs = pack_signatures(&[contract, sign_hash(chain.signer(3), hash).unwrap()]).unwrap();
    let receipt = exec_send(chain, inner.address, &tx, sigs, chain.deployer()).await;
    assert_eq!(execution_event(&receipt, inner.address), Some(true), "{what}: owner signatures");
    assert_eq!(p.get_balance(to).await.unwrap(), U256::from(999));

    // 2. (A stale owner signature is in `contract_owner_failures_pass_up`.)
    let tx = SafeTx::call(to, U256::from(1), vec![], U256::from(1));
    let hash = tx.safe_tx_hash(&inner.ctx);

    // 3. The message signed on chain by the outer Safe (SignMessageLib): empty signature data.
    let empty = SafeSignature::contract(outer.address, Bytes::new());
    let sigs = pack_signatures(&[empty, sign_hash(chain.signer(3), hash).unwrap()]).unwrap();
    // (Before it is signed, see `contract_owner_failures_pass_up`.)
    let message = owner_safe_message(&inner.ctx, &tx);
    let sign = SafeTx {
        operation: Operation::DelegateCall,
        ..SafeTx::call(
            outer_suite.sign_message_lib,
            U256::ZERO,
            signMessageCall { _data: message }.abi_encode(),
            U256::ZERO,
        )
    };
    let outer_signers = TestSafe {
        owners: vec![chain.signer(1).clone(), chain.signer(2).clone()],
        ..outer.clone()
    };
    exec_signed(chain, &outer_signers, &sign, &[0, 1]).await;
    assert_eq!(
        ISafe::new(outer.address, p)
            .signedMessages(message_hash_for(&outer, &inner, &tx))
            .call()
            .await
            .unwrap(),
        U256::from(1)
    );
    let receipt = exec_send(chain, inner.address, &tx, sigs, chain.deployer()).await;
    assert_eq!(
        execution_event(&receipt, inner.address),
        Some(true),
        "{what}: message signed on chain"
    );
}

fn message_hash_for(outer: &TestSafe, inner: &TestSafe, tx: &SafeTx) -> B256 {
    owner_safe_message_hash(&outer.ctx, &inner.ctx, tx)
}

/// The handler's message views and both EIP-1271 forms over Safe messages, through the Safe.
async fn handler_messages(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let s = safe.address;
    let me = chain.deployer();
    let q = |data: Vec<u8>| call(p, me, s, data);

    let message = Bytes::from_static(b"gm from coffer");
    let expected = coffer_core::safe_message_hash(&safe.ctx, &message);
    let got = q(IHandler::getMessageHashCall { message: message.clone() }.abi_encode())
        .await
        .returned("getMessageHash");
    assert_eq!(B256::abi_decode(&got)?, expected, "{imp}: getMessageHash");
    let got =
        q(IHandler::getMessageHashForSafeCall { safe: s, message: message.clone() }.abi_encode())
            .await
            .returned("getMessageHashForSafe");
    assert_eq!(B256::abi_decode(&got)?, expected);
    let got =
        q(IHandler::encodeMessageDataForSafeCall { safe: s, message: message.clone() }
            .abi_encode())
        .await
        .returned("encodeMessageDataForSafe");
    let data = Bytes::abi_decode(&got)?;
    assert_eq!(data.len(), 66);
    assert_eq!(&data[..2], &[0x19, 0x01]);
    assert_eq!(B256::from_slice(&data[2..34]), coffer_core::domain_separator(&safe.ctx));
    assert_eq!(keccak256(&data), expected);

    // Legacy form: data = the message; signatures over its Safe message hash.
    let sigs = pack_signatures(&safe.sign_by_hash(expected, &[0, 2]))?;
    let legacy =
        IHandler::isValidSignatureCall { _data: message.clone(), _signature: sigs.clone() }
            .abi_encode();
    let got = q(legacy).await.returned("legacy isValidSignature");
    assert_eq!(
        FixedBytes::<4>::abi_decode(&got)?,
        FixedBytes([0x20, 0xc1, 0x3b, 0x0b]),
        "{imp}: legacy magic"
    );
    // Standard form: hash = 32 bytes, message = abi.encode(hash).
    let h = keccak256("an off-chain order");
    let h_message = coffer_core::safe_message_hash(&safe.ctx, h.as_slice());
    let sigs = pack_signatures(&safe.sign_by_hash(h_message, &[1, 2]))?;
    let standard =
        IStandard1271::isValidSignatureCall { _dataHash: h, _signature: sigs.clone() }.abi_encode();
    let got = q(standard).await.returned("standard isValidSignature");
    assert_eq!(
        FixedBytes::<4>::abi_decode(&got)?,
        FixedBytes([0x16, 0x26, 0xba, 0x7e]),
        "{imp}: standard magic"
    );
    // Too few signatures: the Safe's own GS code comes back.
    let one = pack_signatures(&safe.sign_by_hash(h_message, &[1]))?;
    assert_reverts(
        &q(IStandard1271::isValidSignatureCall { _dataHash: h, _signature: one }.abi_encode())
            .await,
        "GS020",
        "one signature",
    );
    // Signed on chain: empty signature; before that, "Hash not approved".
    let empty =
        IStandard1271::isValidSignatureCall { _dataHash: h, _signature: Bytes::new() }.abi_encode();
    assert_reverts(
        &q(empty.clone()).await,
        "Hash not approved",
        &format!("{imp}: not signed on chain"),
    );
    let tx = SafeTx {
        operation: Operation::DelegateCall,
        ..SafeTx::call(
            suite.sign_message_lib,
            U256::ZERO,
            signMessageCall { _data: h.to_vec().into() }.abi_encode(),
            U256::ZERO,
        )
    };
    exec_signed(&chain, &safe, &tx, &[0, 1]).await;
    let got = q(empty).await.returned("signed on chain");
    assert_eq!(FixedBytes::<4>::abi_decode(&got)?, FixedBytes([0x16, 0x26, 0xba, 0x7e]));
    Ok(())
}

/// Token callbacks, ERC-165 and getModules through the Safe's fallback handler.
async fn handler_callbacks(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 1, 1).await?;
    let s = safe.address;
    let q = |data: Vec<u8>| call(p, chain.address(4), s, data);
    let a = chain.address(4);
    let selector = |out: Outcome| FixedBytes::<4>::abi_decode(&out.returned("callback")).unwrap().0;
    assert_eq!(
        selector(
            q(IHandler::onERC721ReceivedCall { _0: a, _1: a, _2: U256::from(1), _3: Bytes::new() }
                .abi_encode())
            .await
        ),
        [0x15, 0x0b, 0x7a, 0x02]
    );
    assert_eq!(
        selector(
            q(IHandler::onERC1155ReceivedCall {
                _0: a,
                _1: a,
                _2: U256::from(1),
                _3: U256::from(2),
                _4: Bytes::new()
            }
            .abi_encode())
            .await
        ),
        [0xf2, 0x3a, 0x6e, 0x61]
    );
    assert_eq!(
        selector(
            q(IHandler::onERC1155BatchReceivedCall {
                _0: a,
                _1: a,
                _2: vec![],
                _3: vec![],
                _4: Bytes::new()
            }
            .abi_encode())
            .await
        ),
        [0xbc, 0x19, 0x7c, 0x81]
    );
    let out = q(IHandler::tokensReceivedCall {
        _0: a,
        _1: a,
        _2: a,
        _3: U256::from(1),
        _4: Bytes::new(),
        _5: Bytes::new(),
    }
    .abi_encode())
    .await;
    assert!(matches!(out, Outcome::Returned(_)), "{imp}: ERC-777 tokensReceived");
    for (id, expected) in [
        ([0x01, 0xff, 0xc9, 0xa7], true),
        ([0x4e, 0x23, 0x12, 0xe0], true),
        ([0x15, 0x0b, 0x7a, 0x02], true),
        ([0xff, 0xff, 0xff, 0xff], false),
        ([0x12, 0x34, 0x56, 0x78], false),
    ] {
        let out = q(IHandler::supportsInterfaceCall { interfaceId: FixedBytes(id) }.abi_encode())
            .await
            .returned("supportsInterface");
        assert_eq!(
            bool::abi_decode(&out)?,
            expected,
            "{imp}: supportsInterface(0x{})",
            alloy::hex::encode(id)
        );
    }
    // getModules: the first 10.
    let modules: Vec<Address> = (0..12).map(|i| recipient(500 + i)).collect();
    for m in &modules {
        manage(&chain, &safe, ISafe::enableModuleCall { module: *m }, &[0]).await;
    }
    let out = q(IHandler::getModulesCall {}.abi_encode()).await.returned("getModules");
    let listed = Vec::<Address>::abi_decode(&out)?;
    let expected: Vec<Address> = modules.iter().rev().take(10).copied().collect();
    assert_eq!(listed, expected, "{imp}: getModules");
    Ok(())
}

/// A v = 0 owner by the EIP-1271 forms it answers. Legacy and both: accepted everywhere. Wrong
/// magic or nothing: GS024 everywhere. Standard only: coffer accepts (the documented
/// improvement), canonical 1.4.1 refuses with GS024.
async fn contract_owner_forms(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let validator = deploy_helper(&chain, "TestSignatureValidator", &[]).await;
    let safe = create_safe_owned(
        &chain,
        &suite,
        vec![validator, chain.address(1)],
        vec![chain.signer(1).clone()],
        2,
        0,
    )
    .await;
    chain.fund(safe.address, U256::from(100u64)).await?;
    let tx = SafeTx::call(recipient(1), U256::from(1), vec![], U256::ZERO);
    let hash = tx.safe_tx_hash(&safe.ctx);
    let contract_sig = Bytes::from_static(b"the validator's signature");
    let sigs = pack_signatures(&[
        SafeSignature::contract(validator, contract_sig.clone()),
        safe.sign(&tx, 0)?,
    ])?;
    let coffer = imp == Implementation::Coffer;
    let cases: Vec<(u8, Result<(), &str>)> = vec![
        (mode::LEGACY_ONLY, Ok(())),
        (mode::BOTH, Ok(())),
        (mode::NONE, Err("GS024")),
        (mode::WRONG_MAGIC, Err("GS024")),
        (mode::STANDARD_ONLY, if coffer { Ok(()) } else { Err("GS024") }),
    ];
    for (m, expected) in cases {
        let configure = ITestSignatureValidator::configureCall {
            mode: m,
            expectedHash: hash,
            expectedSignature: contract_sig.clone(),
        };
        send(&chain, chain.deployer(), validator, configure.abi_encode(), U256::ZERO).await;
        let out = exec_call(p, safe.address, &tx, sigs.clone(), chain.deployer()).await;
        match expected {
            Ok(()) => assert!(bool::abi_decode(&out.returned(&format!("{imp}: mode {m}")))?),
            Err(reason) => assert_reverts(&out, reason, &format!("{imp}: validator mode {m}")),
        }
    }
    // The improvement for real: a standard-only owner executes a transaction on coffer.
    if coffer {
        let configure = ITestSignatureValidator::configureCall {
            mode: mode::STANDARD_ONLY,
            expectedHash: hash,
            expectedSignature: contract_sig.clone(),
        };
        send(&chain, chain.deployer(), validator, configure.abi_encode(), U256::ZERO).await;
        let receipt = exec_send(&chain, safe.address, &tx, sigs, chain.deployer()).await;
        assert_eq!(execution_event(&receipt, safe.address), Some(true));
        assert_eq!(p.get_balance(recipient(1)).await?, U256::from(1));
    }
    Ok(())
}

/// Signing a bare hash with a TestSafe's owners.
trait SignHash {
    fn sign_by_hash(&self, hash: B256, indices: &[usize]) -> Vec<SafeSignature>;
}

impl SignHash for TestSafe {
    fn sign_by_hash(&self, hash: B256, indices: &[usize]) -> Vec<SafeSignature> {
        indices.iter().map(|i| sign_hash(&self.owners[*i], hash).unwrap()).collect()
    }
}

/// When a contract owner's check fails by reverting, canonical 1.4.1 passes the owner's revert
/// data up (a Safe owner's own GS code, a custom reason), and a v = 0 part naming an account
/// without code reverts without data. coffer does the same (it asks the standard form in
/// between, which is the only documented difference).
async fn contract_owner_failures_pass_up(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    // A reverting validator owner.
    let validator = deploy_helper(&chain, "TestSignatureValidator", &[]).await;
    let safe = create_safe_owned(
        &chain,
        &suite,
        vec![validator, chain.address(1)],
        vec![chain.signer(1).clone()],
        2,
        0,
    )
    .await;
    let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], U256::ZERO);
    let hash = tx.safe_tx_hash(&safe.ctx);
    let contract_sig = Bytes::from_static(b"sig");
    let configure = ITestSignatureValidator::configureCall {
        mode: mode::REVERT,
        expectedHash: hash,
        expectedSignature: contract_sig.clone(),
    };
    send(&chain, chain.deployer(), validator, configure.abi_encode(), U256::ZERO).await;
    let sigs =
        pack_signatures(&[SafeSignature::contract(validator, contract_sig), safe.sign(&tx, 0)?])?;
    let out = exec_call(p, safe.address, &tx, sigs, chain.deployer()).await;
    assert_reverts(
        &out,
        "TestSignatureValidator: revert",
        &format!("{imp}: a reverting contract owner"),
    );

    // A Safe owned by a Safe, with the owner Safe's signatures of another message: the owner
    // Safe's checkSignatures reverts with GS026, which comes back.
    let outer = create_safe_owned(
        &chain,
        &suite,
        vec![chain.address(1), chain.address(2)],
        vec![chain.signer(1).clone(), chain.signer(2).clone()],
        2,
        1,
    )
    .await;
    let inner = create_safe_owned(
        &chain,
        &suite,
        vec![outer.address, chain.address(3)],
        vec![chain.signer(3).clone()],
        2,
        2,
    )
    .await;
    let other = owner_safe_message_hash(
        &outer.ctx,
        &inner.ctx,
        &SafeTx::call(recipient(2), U256::ZERO, vec![], U256::ZERO),
    );
    let stale =
        pack_signatures(&[sign_hash(chain.signer(1), other)?, sign_hash(chain.signer(2), other)?])?;
    let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], U256::ZERO);
    let sigs = pack_signatures(&[
        SafeSignature::contract(outer.address, stale),
        sign_hash(chain.signer(3), tx.safe_tx_hash(&inner.ctx))?,
    ])?;
    let out = exec_call(p, inner.address, &tx, sigs, chain.deployer()).await;
    assert_reverts(&out, "GS026", &format!("{imp}: the owner Safe's own revert"));
    // Signed on chain expected, but not signed: the handler's "Hash not approved" comes back.
    let sigs = pack_signatures(&[
        SafeSignature::contract(outer.address, Bytes::new()),
        sign_hash(chain.signer(3), tx.safe_tx_hash(&inner.ctx))?,
    ])?;
    let out = exec_call(p, inner.address, &tx, sigs, chain.deployer()).await;
    assert_reverts(&out, "Hash not approved", &format!("{imp}: unsigned message"));

    // Owners that answer every call with a fixed return value (raw runtime code): the legacy
    // magic value in a 32-byte word is accepted, also with other bytes after it (only the first 4
    // count); only 4 bytes of it cannot be decoded, so the call reverts without data.
    let magic = "20c13b0b";
    let word = |tail: &str| format!("7f{magic}{}{tail}5f5260205ff3", "0".repeat(56 - tail.len()));
    for (i, (runtime, accepted)) in
        [(word(""), true), (word("01"), true), (format!("63{magic}5f526004601cf3"), false)]
            .into_iter()
            .enumerate()
    {
        let runtime = alloy::hex::decode(&runtime)?;
        let init = [alloy::hex::decode(format!("61{:04x}80600a5f395ff3", runtime.len()))?, runtime]
            .concat();
        let owner = chain
            .send_tx(
                alloy::rpc::types::TransactionRequest::default()
                    .with_from(chain.deployer())
                    .with_deploy_code(init),
            )
            .await?
            .contract_address
            .unwrap();
        let safe = create_safe_owned(
            &chain,
            &suite,
            vec![owner, chain.address(1)],
            vec![chain.signer(1).clone()],
            2,
            10 + i as u64,
        )
        .await;
        let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], U256::ZERO);
        let sigs = pack_signatures(&[
            SafeSignature::contract(owner, Bytes::from_static(b"any")),
            safe.sign(&tx, 0)?,
        ])?;
        let out = exec_call(p, safe.address, &tx, sigs, chain.deployer()).await;
        if accepted {
            assert!(
                bool::abi_decode(&out.returned("fixed magic owner"))?,
                "{imp}: clean magic accepted"
            );
        } else {
            assert_eq!(out, Outcome::Reverted(Bytes::new()), "{imp}: malformed answer #{i}");
        }
    }

    // A v = 0 part naming an EOA owner: no code, no answer: revert without data.
    let eoa_owned = chain.create_test_safe(&suite, 2, 2).await?;
    let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], U256::ZERO);
    let mut parts = vec![
        SafeSignature::contract(chain.address(1), Bytes::from_static(b"x")),
        eoa_owned.sign(&tx, 1)?,
    ];
    parts.sort_by_key(|p| p.owner);
    let out =
        exec_call(p, eoa_owned.address, &tx, pack_signatures(&parts)?, chain.deployer()).await;
    assert_eq!(out, Outcome::Reverted(Bytes::new()), "{imp}: v = 0 naming an account without code");
    Ok(())
}

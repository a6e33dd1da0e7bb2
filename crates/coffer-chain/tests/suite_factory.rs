//! Differential suite: the proxy factory and the proxy (SAFE-COMPAT section 7), on coffer's suite
//! and on canonical Safe 1.4.1: address prediction computed here from first principles for
//! `createProxyWithNonce`, `createChainSpecificProxyWithNonce` and `createProxyWithCallback`,
//! `proxyCreationCode`, the callback, `masterCopy()`, delegation, and the failure modes.
#![allow(clippy::unwrap_used, clippy::panic)]

#[macro_use]
mod suite_common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolEvent, SolValue},
};
use coffer_chain::{
    setup_calldata,
    test_utils::{Implementation, canonical_artifact},
};
use coffer_contracts::bindings::{ISafe, ISafeProxyFactory};
use suite_common::*;

alloy::sol! {
    interface IFactoryExtra {
        function createProxyWithCallback(address singleton, bytes memory initializer, uint256 saltNonce, address callback) external returns (address proxy);
        function getChainId() external view returns (uint256);
    }
    interface IProxy {
        function masterCopy() external view returns (address);
    }
}

on_both!(address_prediction, callback_creation, proxy_behaviour, creation_failures);

/// `CREATE2(factory, salt, keccak256(proxyCreationCode ‖ uint256(singleton)))`, written out.
fn predict(factory: Address, creation_code: &[u8], singleton: Address, salt: B256) -> Address {
    let init_code_hash = keccak256([creation_code, singleton.into_word().as_slice()].concat());
    let preimage =
        [&[0xffu8][..], factory.as_slice(), salt.as_slice(), init_code_hash.as_slice()].concat();
    Address::from_slice(&keccak256(preimage)[12..])
}

fn plain_salt(initializer: &[u8], salt_nonce: U256) -> B256 {
    keccak256((keccak256(initializer), salt_nonce).abi_encode_packed())
}

fn chain_salt(initializer: &[u8], salt_nonce: U256, chain_id: u64) -> B256 {
    keccak256((keccak256(initializer), salt_nonce, U256::from(chain_id)).abi_encode_packed())
}

async fn creation_code(p: &impl Provider, factory: Address) -> Bytes {
    ISafeProxyFactory::new(factory, p).proxyCreationCode().call().await.unwrap()
}

/// Calls the factory with `data` (eth_call for the return value, then for real) and returns
/// the created proxy and the receipt.
async fn create(
    chain: &coffer_chain::test_utils::TestChain,
    factory: Address,
    data: Bytes,
) -> (Address, alloy::rpc::types::TransactionReceipt) {
    let p = chain.provider();
    let returned = call(p, chain.deployer(), factory, data.clone()).await.returned("factory call");
    let proxy = Address::abi_decode(&returned).unwrap();
    let receipt = send(chain, chain.deployer(), factory, data, U256::ZERO).await;
    (proxy, receipt)
}

/// Both salt schemes, several initializers and nonces, both singletons.
async fn address_prediction(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let code = creation_code(p, suite.proxy_factory).await;
    assert!(!code.is_empty());
    let chain_id = chain.chain_id();
    let extra_chain_id = IFactoryExtra::getChainIdCall {}.abi_encode();
    let got =
        call(p, chain.deployer(), suite.proxy_factory, extra_chain_id).await.returned("getChainId");
    assert_eq!(U256::abi_decode(&got)?, U256::from(chain_id), "{imp}: factory getChainId");

    let mut seen = Vec::new();
    for (i, singleton) in [suite.safe, suite.safe_l2].into_iter().enumerate() {
        for (j, salt_nonce) in
            [U256::ZERO, U256::from(1), U256::MAX, U256::from(0xc0ffee)].into_iter().enumerate()
        {
            let owners: Vec<Address> = (1..=1 + (i + j) % 4).map(|k| chain.address(k)).collect();
            let initializer = setup_calldata(&owners, 1, suite.fallback_handler);
            // Plain.
            let expected = predict(
                suite.proxy_factory,
                &code,
                singleton,
                plain_salt(&initializer, salt_nonce),
            );
            let data = ISafeProxyFactory::createProxyWithNonceCall {
                singleton,
                initializer: initializer.clone(),
                saltNonce: salt_nonce,
            };
            let (proxy, _) = create(&chain, suite.proxy_factory, data.abi_encode().into()).await;
            assert_eq!(proxy, expected, "{imp}: createProxyWithNonce address");
            assert_eq!(
                coffer_chain::proxy_address(
                    suite.proxy_factory,
                    &code,
                    singleton,
                    coffer_chain::proxy_salt(&initializer, salt_nonce, None)
                ),
                expected
            );
            // Chain-specific.
            let expected_cs = predict(
                suite.proxy_factory,
                &code,
                singleton,
                chain_salt(&initializer, salt_nonce, chain_id),
            );
            let data = ISafeProxyFactory::createChainSpecificProxyWithNonceCall {
                singleton,
                initializer: initializer.clone(),
                saltNonce: salt_nonce,
            };
            let (proxy, _) = create(&chain, suite.proxy_factory, data.abi_encode().into()).await;
            assert_eq!(proxy, expected_cs, "{imp}: createChainSpecificProxyWithNonce address");
            assert_eq!(
                coffer_chain::proxy_address(
                    suite.proxy_factory,
                    &code,
                    singleton,
                    coffer_chain::proxy_salt(&initializer, salt_nonce, Some(chain_id))
                ),
                expected_cs
            );
            assert_ne!(expected, expected_cs);
            for a in [expected, expected_cs] {
                assert_eq!(ISafe::new(a, p).getOwners().call().await?, owners, "{imp}: set up");
                assert_eq!(
                    B256::from(p.get_storage_at(a, U256::ZERO).await?),
                    singleton.into_word()
                );
                assert!(!seen.contains(&a));
                seen.push(a);
            }
        }
    }
    Ok(())
}

/// `createProxyWithCallback`: salt nonce `keccak256(saltNonce ‖ callback)`, then the callback
/// is told (proxy, singleton, initializer, saltNonce). No callback with address(0).
async fn callback_creation(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let code = creation_code(p, suite.proxy_factory).await;
    let callback = deploy_helper(&chain, "TestCreationCallback", &[]).await;
    let initializer =
        setup_calldata(&[chain.address(1), chain.address(2)], 2, suite.fallback_handler);
    for (salt_nonce, cb) in
        [(U256::from(5), callback), (U256::from(5), Address::ZERO), (U256::MAX, callback)]
    {
        let with_callback = U256::from_be_bytes(keccak256((salt_nonce, cb).abi_encode_packed()).0);
        let expected = predict(
            suite.proxy_factory,
            &code,
            suite.safe_l2,
            plain_salt(&initializer, with_callback),
        );
        let data = IFactoryExtra::createProxyWithCallbackCall {
            singleton: suite.safe_l2,
            initializer: initializer.clone(),
            saltNonce: salt_nonce,
            callback: cb,
        };
        let (proxy, receipt) = create(&chain, suite.proxy_factory, data.abi_encode().into()).await;
        assert_eq!(proxy, expected, "{imp}: createProxyWithCallback address (callback {cb})");
        let notified: Vec<_> = raw_logs(&receipt)
            .into_iter()
            .filter(|l| l.address == callback)
            .map(|l| ITestCreationCallback::ProxyCreated::decode_log_data(&l.data).unwrap())
            .collect();
        if cb == Address::ZERO {
            assert!(notified.is_empty());
        } else {
            assert_eq!(notified.len(), 1);
            let n = &notified[0];
            assert_eq!(
                (n.proxy, n.singleton, &n.initializer, n.saltNonce),
                (proxy, suite.safe_l2, &initializer, salt_nonce)
            );
        }
    }
    Ok(())
}

/// `masterCopy()` answered by the proxy itself, every other call delegated with its return data
/// and revert data, ether accepted.
async fn proxy_behaviour(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 2, 1).await?;
    let master = call(p, chain.deployer(), safe.address, IProxy::masterCopyCall {}.abi_encode())
        .await
        .returned("masterCopy");
    assert_eq!(Address::abi_decode(&master)?, suite.safe_l2, "{imp}: masterCopy()");
    assert_eq!(IProxy::masterCopyCall::SELECTOR, [0xa6, 0x19, 0x48, 0x6e]);
    assert_eq!(ISafe::new(safe.address, p).VERSION().call().await?, "1.4.1");
    // On the singleton itself masterCopy() is not a function: its fallback has no handler set,
    // so the call returns nothing.
    let out =
        call(p, chain.deployer(), suite.safe_l2, IProxy::masterCopyCall {}.abi_encode()).await;
    assert_eq!(
        out,
        Outcome::Returned(Bytes::new()),
        "{imp}: the singleton's fallback without a handler"
    );
    // Revert data passes through unchanged.
    let out = call(
        p,
        chain.deployer(),
        safe.address,
        ISafe::changeThresholdCall { threshold: U256::from(1) }.abi_encode(),
    )
    .await;
    assert_reverts(&out, "GS031", "revert through the proxy");
    // The runtime size: coffer's proxy must not be larger than canonical's 171 bytes.
    let size = p.get_code_at(safe.address).await?.len();
    println!("{imp}: proxy runtime {size} bytes");
    assert!(size <= 171);
    Ok(())
}

/// A singleton without code, a zero singleton in the proxy constructor, a reverting
/// initializer, and the same salt twice: all revert.
async fn creation_failures(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let me = chain.deployer();
    let initializer = setup_calldata(&[chain.address(1)], 1, suite.fallback_handler);
    let create_with = |singleton: Address, initializer: Bytes, salt: u64| {
        ISafeProxyFactory::createProxyWithNonceCall {
            singleton,
            initializer,
            saltNonce: U256::from(salt),
        }
        .abi_encode()
    };
    let out =
        call(p, me, suite.proxy_factory, create_with(chain.address(5), initializer.clone(), 1))
            .await;
    assert_reverts(
        &out,
        "Singleton contract not deployed",
        &format!("{imp}: singleton without code"),
    );

    // A reverting initializer (threshold 2 of 1 owner: GS201) reverts the creation, without data.
    let bad = setup_calldata(&[chain.address(1)], 2, suite.fallback_handler);
    let out = call(p, me, suite.proxy_factory, create_with(suite.safe, bad, 1)).await;
    assert_eq!(out, Outcome::Reverted(Bytes::new()), "{imp}: reverting initializer");

    // The same salt twice.
    send(
        &chain,
        me,
        suite.proxy_factory,
        create_with(suite.safe, initializer.clone(), 1),
        U256::ZERO,
    )
    .await;
    let out =
        call(p, me, suite.proxy_factory, create_with(suite.safe, initializer.clone(), 1)).await;
    assert_reverts(&out, "Create2 call failed", &format!("{imp}: the same salt twice"));

    // The proxy's constructor refuses a zero singleton.
    let proxy_code = match imp {
        Implementation::Coffer => coffer_contracts::artifact("SafeProxy")?.bytecode.clone(),
        Implementation::Canonical141 => canonical_artifact("SafeProxy")?.bytecode,
        other => panic!("the suite scenarios run on coffer and canonical 1.4.1, not {other}"),
    };
    assert_eq!(
        proxy_code,
        creation_code(p, suite.proxy_factory).await,
        "{imp}: proxyCreationCode is SafeProxy's creation code"
    );
    let deploy = |singleton: Address| {
        TransactionRequest::default()
            .with_from(me)
            .with_deploy_code([proxy_code.to_vec(), singleton.into_word().to_vec()].concat())
    };
    let out = call_request(p, deploy(Address::ZERO)).await;
    assert_reverts(&out, "Invalid singleton address provided", &format!("{imp}: zero singleton"));
    assert!(matches!(call_request(p, deploy(suite.safe)).await, Outcome::Returned(_)));
    Ok(())
}

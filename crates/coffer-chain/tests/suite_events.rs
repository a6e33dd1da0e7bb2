//! Differential suite: every Safe event with its fields and its 1.4.1 topic layout (which
//! arguments are indexed), compared as the exact ordered list of raw logs of each receipt, on
//! coffer's suite and on canonical Safe 1.4.1.
#![allow(clippy::unwrap_used, clippy::panic, clippy::type_complexity, clippy::too_many_arguments)]

#[macro_use]
mod suite_common;

use alloy::{
    primitives::{Address, B256, Bytes, LogData, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionReceipt,
    sol_types::{SolCall, SolEvent, SolValue},
};
use coffer_chain::{
    SENTINEL, SafeConfig, SingletonChoice, create_safe, test_utils::Implementation,
};
use coffer_contracts::bindings::ISafe;
use coffer_core::{Operation, SafeTx, erc20_transfer_calldata};
use suite_common::*;

alloy::sol! {
    /// Events outside `ISafe`, with the 1.4.1 layout.
    interface IEvents141 {
        event ProxyCreation(address indexed proxy, address singleton);
        event SafeMultiSigTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures, bytes additionalInfo);
        event SafeModuleTransaction(address module, address to, uint256 value, bytes data, uint8 operation);
        event ContractCreation(address indexed newContract);
    }
    interface ICreateCall {
        function performCreate(uint256 value, bytes memory deploymentData) external returns (address newContract);
    }
    interface ISignMessageLib {
        function signMessage(bytes calldata _data) external;
        function getMessageHash(bytes memory message) external view returns (bytes32);
    }
}

on_both!(
    creation_events,
    execution_events_l1,
    execution_events_l2,
    owner_events,
    module_events,
    guard_handler_approve_receive_events,
    library_events,
);

/// One expected log: emitter and data.
fn ev(emitter: Address, event: &impl SolEvent) -> (Address, LogData) {
    (emitter, event.encode_log_data())
}

/// Asserts that `receipt` has exactly these logs, in this order.
#[track_caller]
fn assert_logs(receipt: &TransactionReceipt, expected: &[(Address, LogData)], what: &str) {
    let got: Vec<(Address, LogData)> =
        raw_logs(receipt).into_iter().map(|l| (l.address, l.data)).collect();
    assert_eq!(got.len(), expected.len(), "{what}: number of logs; got {got:#?}");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert_eq!(g.0, e.0, "{what}: log {i} emitter");
        assert_eq!(g.1.topics(), e.1.topics(), "{what}: log {i} topics");
        assert_eq!(g.1.data, e.1.data, "{what}: log {i} data");
    }
}

fn success(safe: Address, hash: B256) -> (Address, LogData) {
    ev(safe, &ISafe::ExecutionSuccess { txHash: hash, payment: U256::ZERO })
}

/// The SafeL2 `SafeMultiSigTransaction` of `tx` sent by `sender` with `signatures`.
fn multisig_event(
    tx: &SafeTx,
    signatures: &Bytes,
    sender: Address,
    threshold: u64,
) -> IEvents141::SafeMultiSigTransaction {
    IEvents141::SafeMultiSigTransaction {
        to: tx.to,
        value: tx.value,
        data: tx.data.clone(),
        operation: tx.operation.as_u8(),
        safeTxGas: tx.safe_tx_gas,
        baseGas: tx.base_gas,
        gasPrice: tx.gas_price,
        gasToken: tx.gas_token,
        refundReceiver: tx.refund_receiver,
        signatures: signatures.clone(),
        additionalInfo: (tx.nonce, sender, U256::from(threshold)).abi_encode_params().into(),
    }
}

/// ProxyCreation (factory) and SafeSetup (proxy), for both singletons and both salt schemes.
async fn creation_events(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let owners = vec![chain.address(1), chain.address(2), chain.address(3)];
    for (i, singleton) in [SingletonChoice::Safe, SingletonChoice::SafeL2].into_iter().enumerate() {
        let config = SafeConfig::new(owners.clone(), 2)
            .with_salt_nonce(U256::from(i))
            .with_singleton(singleton);
        let created = create_safe(p, chain.deployer(), &suite, &config).await?;
        let receipt = p.get_transaction_receipt(created.tx_hash).await?.unwrap();
        let setup = ISafe::SafeSetup {
            initiator: suite.proxy_factory,
            owners: owners.clone(),
            threshold: U256::from(2),
            initializer: Address::ZERO,
            fallbackHandler: suite.fallback_handler,
        };
        let creation = IEvents141::ProxyCreation {
            proxy: created.plan.address,
            singleton: created.plan.singleton,
        };
        assert_logs(
            &receipt,
            &[ev(created.plan.address, &setup), ev(suite.proxy_factory, &creation)],
            &format!("{imp}: creating a Safe ({singleton:?})"),
        );
    }
    Ok(())
}

/// Safe (L1): ExecutionSuccess, ExecutionFailure; nothing else.
async fn execution_events_l1(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = create_safe_l1(&chain, &suite).await;
    chain.fund(safe.address, alloy::primitives::U256::from(1_000_000u64)).await?;
    let tx = SafeTx::call(recipient(1), U256::from(5), vec![], U256::ZERO);
    let receipt = exec_signed(&chain, &safe, &tx, &[0, 1]).await;
    assert_logs(
        &receipt,
        &[success(safe.address, tx.safe_tx_hash(&safe.ctx))],
        &format!("{imp}: L1 exec"),
    );

    let token = deploy_helper(&chain, "TestToken", &[]).await;
    let failing = SafeTx {
        safe_tx_gas: U256::from(50_000),
        ..SafeTx::call(
            token,
            U256::ZERO,
            erc20_transfer_calldata(recipient(2), U256::from(1)),
            U256::from(1),
        )
    };
    let receipt = exec_signed(&chain, &safe, &failing, &[1, 2]).await;
    let failure =
        ISafe::ExecutionFailure { txHash: failing.safe_tx_hash(&safe.ctx), payment: U256::ZERO };
    assert_logs(&receipt, &[ev(safe.address, &failure)], &format!("{imp}: L1 failure"));
    assert_eq!(nonce(p, safe.address).await, U256::from(2), "{imp}: a failure uses the nonce");
    Ok(())
}

/// A 2-of-3 Safe of accounts 1-3 on the L1 singleton.
async fn create_safe_l1(
    chain: &coffer_chain::test_utils::TestChain,
    suite: &coffer_chain::SuiteAddresses,
) -> coffer_chain::test_utils::TestSafe {
    let signers: Vec<_> = (1..=3).map(|i| chain.signer(i).clone()).collect();
    let config = SafeConfig::new(signers.iter().map(|s| s.address()).collect(), 2)
        .with_salt_nonce(U256::from(100))
        .with_singleton(SingletonChoice::Safe);
    let created = create_safe(chain.provider(), chain.deployer(), suite, &config).await.unwrap();
    coffer_chain::test_utils::TestSafe {
        address: created.plan.address,
        ctx: created.info.context().unwrap(),
        owners: signers,
        threshold: 2,
        suite: *suite,
    }
}

/// SafeL2: SafeMultiSigTransaction (with additionalInfo = nonce, sender, threshold) before
/// ExecutionSuccess / ExecutionFailure.
async fn execution_events_l2(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    assert_eq!(safe.ctx.safe, safe.address);
    chain.fund(safe.address, U256::from(1_000_000u64)).await?;
    let sender = chain.address(7);
    let tx = SafeTx::call(recipient(1), U256::from(5), vec![0xab, 0xcd], U256::ZERO);
    let sigs = signed(&safe, &tx, &[0, 2]);
    let receipt = exec_send(&chain, safe.address, &tx, sigs.clone(), sender).await;
    assert_logs(
        &receipt,
        &[
            ev(safe.address, &multisig_event(&tx, &sigs, sender, 2)),
            success(safe.address, tx.safe_tx_hash(&safe.ctx)),
        ],
        &format!("{imp}: L2 exec"),
    );

    let failing = SafeTx {
        safe_tx_gas: U256::from(30_000),
        base_gas: U256::from(7),
        ..SafeTx::delegate_call(recipient(3), vec![1, 2, 3], U256::from(1))
    };
    // A delegatecall to an account without code succeeds; make it fail with a reverting target.
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    let failing = SafeTx { to: token, data: vec![0xde, 0xad].into(), ..failing };
    let sigs = signed(&safe, &failing, &[1, 2]);
    let receipt = exec_send(&chain, safe.address, &failing, sigs.clone(), sender).await;
    let failure =
        ISafe::ExecutionFailure { txHash: failing.safe_tx_hash(&safe.ctx), payment: U256::ZERO };
    assert_logs(
        &receipt,
        &[
            ev(safe.address, &multisig_event(&failing, &sigs, sender, 2)),
            ev(safe.address, &failure),
        ],
        &format!("{imp}: L2 failure"),
    );
    Ok(())
}

/// AddedOwner, RemovedOwner, ChangedThreshold (only when it changes), in Safe order.
async fn owner_events(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = create_safe_l1(&chain, &suite).await;
    let s = safe.address;
    let (a1, a2, a9) = (chain.address(1), chain.address(2), chain.address(9));
    let th = |t: u64| ev(s, &ISafe::ChangedThreshold { threshold: U256::from(t) });
    let added = |o: Address| ev(s, &ISafe::AddedOwner { owner: o });
    let removed = |o: Address| ev(s, &ISafe::RemovedOwner { owner: o });

    let steps: Vec<(Bytes, Vec<(Address, LogData)>, &str)> = vec![
        (
            ISafe::addOwnerWithThresholdCall { owner: a9, threshold: U256::from(2) }
                .abi_encode()
                .into(),
            vec![added(a9)],
            "add, same threshold",
        ),
        (
            ISafe::removeOwnerCall { prevOwner: SENTINEL, owner: a9, threshold: U256::from(3) }
                .abi_encode()
                .into(),
            vec![removed(a9), th(3)],
            "remove, new threshold",
        ),
        (
            ISafe::addOwnerWithThresholdCall { owner: a9, threshold: U256::from(2) }
                .abi_encode()
                .into(),
            vec![added(a9), th(2)],
            "add, new threshold",
        ),
        (
            ISafe::swapOwnerCall { prevOwner: a9, oldOwner: a1, newOwner: chain.address(8) }
                .abi_encode()
                .into(),
            vec![removed(a1), added(chain.address(8))],
            "swap",
        ),
        (
            ISafe::changeThresholdCall { threshold: U256::from(1) }.abi_encode().into(),
            vec![th(1)],
            "change threshold",
        ),
        (
            ISafe::changeThresholdCall { threshold: U256::from(1) }.abi_encode().into(),
            vec![th(1)],
            "change threshold to the same value",
        ),
        (
            ISafe::removeOwnerCall { prevOwner: SENTINEL, owner: a9, threshold: U256::from(1) }
                .abi_encode()
                .into(),
            vec![removed(a9)],
            "remove, same threshold",
        ),
    ];
    for (data, mut expected, what) in steps {
        let tx = SafeTx::call(s, U256::ZERO, data, nonce(p, s).await);
        let threshold = ISafe::new(s, p).getThreshold().call().await?.to::<usize>();
        // Owner 1 (index 0) is swapped out at step 4, when the threshold is 2 again.
        let signers: Vec<usize> =
            if threshold == 3 { vec![0, 1, 2] } else { [1, 2][..threshold].to_vec() };
        let receipt = exec_signed(&chain, &safe, &tx, &signers).await;
        expected.push(success(s, tx.safe_tx_hash(&safe.ctx)));
        assert_logs(&receipt, &expected, &format!("{imp}: {what}"));
    }
    assert!(ISafe::new(s, p).isOwner(a2).call().await?);
    Ok(())
}

/// EnabledModule, DisabledModule, ExecutionFromModuleSuccess/Failure, and SafeModuleTransaction
/// first on SafeL2.
async fn module_events(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let module = deploy_helper(&chain, "TestModule", &[]).await;
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    for l2 in [false, true] {
        let safe = if l2 {
            chain.create_test_safe(&suite, 3, 2).await?
        } else {
            create_safe_l1(&chain, &suite).await
        };
        let s = safe.address;
        chain.fund(s, U256::from(1_000u64)).await?;
        let receipt = manage(&chain, &safe, ISafe::enableModuleCall { module }, &[0, 1]).await;
        let tx_hash = |n: u64, data: Bytes| {
            SafeTx::call(s, U256::ZERO, data, U256::from(n)).safe_tx_hash(&safe.ctx)
        };
        let enable_hash = tx_hash(0, ISafe::enableModuleCall { module }.abi_encode().into());
        let mut expected = vec![ev(s, &ISafe::EnabledModule { module }), success(s, enable_hash)];
        if l2 {
            let tx = SafeTx::call(
                s,
                U256::ZERO,
                ISafe::enableModuleCall { module }.abi_encode(),
                U256::ZERO,
            );
            expected.insert(
                0,
                ev(s, &multisig_event(&tx, &signed(&safe, &tx, &[0, 1]), chain.deployer(), 2)),
            );
        }
        assert_logs(&receipt, &expected, &format!("{imp}: enable module (L2 {l2})"));

        // Success and failure through the module.
        for (to, value, data, ok) in [
            (recipient(5), U256::from(3), Bytes::new(), true),
            (token, U256::ZERO, erc20_transfer_calldata(recipient(6), U256::from(1)), false),
        ] {
            let call =
                ITestModule::execCall { safe: s, to, value, data: data.clone(), operation: 0 };
            let receipt =
                send(&chain, chain.address(7), module, call.abi_encode(), U256::ZERO).await;
            let mut expected = Vec::new();
            if l2 {
                let e = IEvents141::SafeModuleTransaction { module, to, value, data, operation: 0 };
                expected.push(ev(s, &e));
            }
            if ok {
                expected.push(ev(s, &ISafe::ExecutionFromModuleSuccess { module }));
            } else {
                expected.push(ev(s, &ISafe::ExecutionFromModuleFailure { module }));
            }
            expected.push(ev(
                module,
                &ITestModule::ModuleExecuted { safe: s, success: ok, returnData: Bytes::new() },
            ));
            assert_logs(&receipt, &expected, &format!("{imp}: module call ok={ok} (L2 {l2})"));
        }

        let tx = SafeTx::call(
            s,
            U256::ZERO,
            ISafe::disableModuleCall { prevModule: SENTINEL, module }.abi_encode(),
            nonce(p, s).await,
        );
        let sigs = signed(&safe, &tx, &[1, 2]);
        let receipt = exec_send(&chain, s, &tx, sigs.clone(), chain.deployer()).await;
        let mut expected =
            vec![ev(s, &ISafe::DisabledModule { module }), success(s, tx.safe_tx_hash(&safe.ctx))];
        if l2 {
            expected.insert(0, ev(s, &multisig_event(&tx, &sigs, chain.deployer(), 2)));
        }
        assert_logs(&receipt, &expected, &format!("{imp}: disable module (L2 {l2})"));
    }
    Ok(())
}

/// ChangedGuard, the guard's view of a transaction, ChangedFallbackHandler, ApproveHash,
/// SafeReceived.
async fn guard_handler_approve_receive_events(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = create_safe_l1(&chain, &suite).await;
    let s = safe.address;
    let guard = deploy_helper(&chain, "TestGuard", &[]).await;

    let receipt = manage(&chain, &safe, ISafe::setGuardCall { guard }, &[0, 1]).await;
    let h = SafeTx::call(s, U256::ZERO, ISafe::setGuardCall { guard }.abi_encode(), U256::ZERO)
        .safe_tx_hash(&safe.ctx);
    assert_logs(
        &receipt,
        &[ev(s, &ISafe::ChangedGuard { guard }), success(s, h)],
        &format!("{imp}: setGuard"),
    );

    // The guard sees every argument before, and the hash and result after, ExecutionSuccess.
    let executor = chain.address(6);
    let tx = SafeTx::call(recipient(9), U256::ZERO, vec![9, 9], U256::from(1));
    let sigs = signed(&safe, &tx, &[0, 2]);
    let receipt = exec_send(&chain, s, &tx, sigs.clone(), executor).await;
    let hash = tx.safe_tx_hash(&safe.ctx);
    let checked = ITestGuard::TransactionChecked {
        to: tx.to,
        value: tx.value,
        data: tx.data.clone(),
        operation: 0,
        safeTxGas: U256::ZERO,
        baseGas: U256::ZERO,
        gasPrice: U256::ZERO,
        gasToken: Address::ZERO,
        refundReceiver: Address::ZERO,
        signatures: sigs,
        msgSender: executor,
    };
    assert_logs(
        &receipt,
        &[
            ev(guard, &checked),
            success(s, hash),
            ev(guard, &ITestGuard::ExecutionChecked { txHash: hash, success: true }),
        ],
        &format!("{imp}: guarded exec"),
    );

    let handler = recipient(77);
    let tx = SafeTx::call(
        s,
        U256::ZERO,
        ISafe::setFallbackHandlerCall { handler }.abi_encode(),
        U256::from(2),
    );
    let sigs = signed(&safe, &tx, &[0, 1]);
    let receipt = exec_send(&chain, s, &tx, sigs.clone(), chain.deployer()).await;
    let hash = tx.safe_tx_hash(&safe.ctx);
    let mut checked = checked;
    (checked.to, checked.data, checked.signatures, checked.msgSender) =
        (s, tx.data.clone(), sigs, chain.deployer());
    assert_logs(
        &receipt,
        &[
            ev(guard, &checked),
            ev(s, &ISafe::ChangedFallbackHandler { handler }),
            success(s, hash),
            ev(guard, &ITestGuard::ExecutionChecked { txHash: hash, success: true }),
        ],
        &format!("{imp}: setFallbackHandler"),
    );

    let approved = keccak256("some hash");
    let receipt = send(
        &chain,
        chain.address(2),
        s,
        ISafe::approveHashCall { hashToApprove: approved }.abi_encode(),
        U256::ZERO,
    )
    .await;
    assert_logs(
        &receipt,
        &[ev(s, &ISafe::ApproveHash { approvedHash: approved, owner: chain.address(2) })],
        &format!("{imp}: approveHash"),
    );

    let receipt = send(&chain, chain.address(5), s, Bytes::new(), U256::from(12345)).await;
    assert_logs(
        &receipt,
        &[ev(s, &ISafe::SafeReceived { sender: chain.address(5), value: U256::from(12345) })],
        &format!("{imp}: receive"),
    );
    assert_eq!(p.get_balance(s).await?, U256::from(12345));
    Ok(())
}

/// SignMessageLib's SignMsg and CreateCall's ContractCreation, both emitted by the Safe through
/// a delegatecall.
async fn library_events(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = create_safe_l1(&chain, &suite).await;
    let s = safe.address;

    let message = Bytes::from_static(b"coffer signs this");
    let msg_hash = coffer_core::safe_message_hash(&safe.ctx, &message);
    let tx = SafeTx {
        operation: Operation::DelegateCall,
        ..SafeTx::call(
            suite.sign_message_lib,
            U256::ZERO,
            ISignMessageLib::signMessageCall { _data: message.clone() }.abi_encode(),
            U256::ZERO,
        )
    };
    let receipt = exec_signed(&chain, &safe, &tx, &[0, 1]).await;
    assert_logs(
        &receipt,
        &[ev(s, &ISafe::SignMsg { msgHash: msg_hash }), success(s, tx.safe_tx_hash(&safe.ctx))],
        &format!("{imp}: signMessage"),
    );
    assert_eq!(ISafe::new(s, p).signedMessages(msg_hash).call().await?, U256::from(1));

    let code = coffer_contracts::artifact("TestToken")?.bytecode.clone();
    let tx = SafeTx {
        operation: Operation::DelegateCall,
        ..SafeTx::call(
            suite.create_call,
            U256::ZERO,
            ICreateCall::performCreateCall { value: U256::ZERO, deploymentData: code }.abi_encode(),
            U256::from(1),
        )
    };
    let created = s.create(p.get_transaction_count(s).await?);
    let receipt = exec_signed(&chain, &safe, &tx, &[0, 1]).await;
    assert_logs(
        &receipt,
        &[
            ev(s, &IEvents141::ContractCreation { newContract: created }),
            success(s, tx.safe_tx_hash(&safe.ctx)),
        ],
        &format!("{imp}: performCreate"),
    );
    assert!(!p.get_code_at(created).await?.is_empty());
    Ok(())
}

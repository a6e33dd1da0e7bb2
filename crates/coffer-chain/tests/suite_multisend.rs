//! Differential suite: MultiSend and MultiSendCallOnly (SAFE-COMPAT section 8), and
//! `simulateAndRevert` with SimulateTxAccessor, on coffer's suite and on canonical Safe 1.4.1.
#![allow(clippy::unwrap_used, clippy::panic)]

#[macro_use]
mod suite_common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::Provider,
    sol_types::{SolCall, SolValue},
};
use coffer_chain::test_utils::Implementation;
use coffer_contracts::bindings::{IMultiSend, ISafe, ISimulateTxAccessor};
use coffer_core::{MultiSendBatch, MultiSendEntry, Operation, SafeTx, erc20_transfer_calldata};
use suite_common::*;

alloy::sol! {
    function signMessage(bytes calldata _data) external;
    interface IHandlerSimulate {
        function simulate(address targetContract, bytes calldata calldataPayload) external returns (bytes memory response);
    }
}

on_both!(
    multisend_batches,
    call_only_refuses_delegatecall,
    direct_calls,
    simulate_and_revert,
    overrunning_entry,
);

fn delegate(to: Address, data: impl Into<Bytes>) -> MultiSendEntry {
    MultiSendEntry { operation: Operation::DelegateCall, to, value: U256::ZERO, data: data.into() }
}

/// A Safe tx that delegatecalls `multisend` with `batch`.
async fn batch_tx(
    p: &impl Provider,
    safe: Address,
    multisend: Address,
    batch: &MultiSendBatch,
) -> SafeTx {
    batch.into_safe_tx(multisend, nonce(p, safe).await)
}

/// MultiSend runs calls and delegatecalls in order, in the Safe's context; any failure reverts
/// the whole batch (GS013 outside).
async fn multisend_batches(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 2, 1).await?;
    let s = safe.address;
    chain.fund(s, U256::from(10_000u64)).await?;
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    send(
        &chain,
        chain.deployer(),
        token,
        ITestToken::mintCall { to: s, amount: U256::from(100) }.abi_encode(),
        U256::ZERO,
    )
    .await;
    let message = Bytes::from_static(b"batched");

    let entries = vec![
        MultiSendEntry::call(recipient(1), U256::from(11), Bytes::new()),
        MultiSendEntry::call(
            token,
            U256::ZERO,
            erc20_transfer_calldata(recipient(2), U256::from(40)),
        ),
        delegate(suite.sign_message_lib, signMessageCall { _data: message.clone() }.abi_encode()),
        // A call to the Safe itself passes `authorized` (msg.sender is the Safe).
        MultiSendEntry::call(
            s,
            U256::ZERO,
            ISafe::changeThresholdCall { threshold: U256::from(2) }.abi_encode(),
        ),
        // to == 0 is address(0) in 1.4.1, not the Safe.
        MultiSendEntry::call(Address::ZERO, U256::from(3), Bytes::new()),
    ];
    let batch = MultiSendBatch::new(entries);
    let tx = batch_tx(p, s, suite.multi_send, &batch).await;
    let receipt = exec_signed(&chain, &safe, &tx, &[0]).await;
    assert_eq!(execution_event(&receipt, s), Some(true));
    assert_eq!(p.get_balance(recipient(1)).await?, U256::from(11));
    assert_eq!(ITestToken::new(token, p).balanceOf(recipient(2)).call().await?, U256::from(40));
    let msg_hash = coffer_core::safe_message_hash(&safe.ctx, &message);
    assert_eq!(
        ISafe::new(s, p).signedMessages(msg_hash).call().await?,
        U256::from(1),
        "{imp}: delegatecall entry"
    );
    assert_eq!(
        ISafe::new(s, p).getThreshold().call().await?,
        U256::from(2),
        "{imp}: self call entry"
    );
    // 11 + 3 wei left the Safe: the entry to address(0) did not go to the Safe itself (it would
    // in 1.5.0). (anvil's coinbase is address(0), so its balance cannot be checked exactly.)
    assert_eq!(p.get_balance(s).await?, U256::from(10_000 - 14), "{imp}: to == 0");

    // One failing entry (too many tokens) reverts everything.
    let failing = MultiSendBatch::new(vec![
        MultiSendEntry::call(recipient(3), U256::from(1), Bytes::new()),
        MultiSendEntry::call(
            token,
            U256::ZERO,
            erc20_transfer_calldata(recipient(3), U256::from(61)),
        ),
    ]);
    let tx = batch_tx(p, s, suite.multi_send, &failing).await;
    assert_reverts(
        &exec_call(p, s, &tx, signed(&safe, &tx, &[0, 1]), chain.deployer()).await,
        "GS013",
        "failing entry",
    );
    // With MultiSendCallOnly too.
    let tx = batch_tx(p, s, suite.multi_send_call_only, &failing).await;
    assert_reverts(
        &exec_call(p, s, &tx, signed(&safe, &tx, &[0, 1]), chain.deployer()).await,
        "GS013",
        "failing entry, call only",
    );

    // An empty batch does nothing and succeeds.
    for multisend in [suite.multi_send, suite.multi_send_call_only] {
        let tx = SafeTx {
            operation: Operation::DelegateCall,
            ..SafeTx::call(
                multisend,
                U256::ZERO,
                IMultiSend::multiSendCall { transactions: Bytes::new() }.abi_encode(),
                nonce(p, s).await,
            )
        };
        let receipt = exec_signed(&chain, &safe, &tx, &[0, 1]).await;
        assert_eq!(execution_event(&receipt, s), Some(true), "{imp}: empty batch");
    }
    Ok(())
}

/// A deliberate difference from canonical (docs/compatibility.md): an entry that runs past the end
/// of `transactions` reverts the batch in coffer's MultiSend and MultiSendCallOnly, where
/// canonical 1.4.1 reads on past the end of its memory copy (zeros) and runs it. Two cases: an
/// entry cut short, and an entry whose 68 data bytes lie after `transactions` in the calldata,
/// hidden from any decoder that slices the bytes (coffer's libraries before this change ran
/// those hidden bytes).
async fn overrunning_entry(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 2, 1).await?;
    let s = safe.address;
    chain.fund(s, U256::from(100u64)).await?;
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    send(
        &chain,
        chain.deployer(),
        token,
        ITestToken::mintCall { to: s, amount: U256::from(100) }.abi_encode(),
        U256::ZERO,
    )
    .await;
    let coffer = imp == Implementation::Coffer;
    for (i, multisend) in [suite.multi_send, suite.multi_send_call_only].into_iter().enumerate() {
        let who = |n: u64| recipient(10 * (i as u64 + 1) + n);
        // 1. The last entry is 4 bytes short.
        let mut packed =
            MultiSendBatch::new(vec![MultiSendEntry::call(who(1), U256::from(2), vec![0xaa; 4])])
                .encode_packed()
                .to_vec();
        packed.truncate(packed.len() - 4);
        assert!(
            MultiSendBatch::decode_packed(&packed).is_err(),
            "coffer-core refuses to decode it"
        );
        let cut = SafeTx {
            operation: Operation::DelegateCall,
            ..SafeTx::call(
                multisend,
                U256::ZERO,
                IMultiSend::multiSendCall { transactions: packed.into() }.abi_encode(),
                nonce(p, s).await,
            )
        };
        // 2. `transactions` is one entry head (3 wei to who(2)) claiming 68 bytes of data, and
        //    those bytes (a token transfer) are placed after `transactions` in the calldata.
        let hidden = erc20_transfer_calldata(who(3), U256::from(40));
        let head =
            MultiSendBatch::new(vec![MultiSendEntry::call(who(2), U256::from(3), hidden.clone())])
                .encode_packed()[..85]
                .to_vec();
        let mut data = IMultiSend::multiSendCall::SELECTOR.to_vec();
        data.extend_from_slice(&U256::from(0x20).to_be_bytes::<32>());
        data.extend_from_slice(&U256::from(85).to_be_bytes::<32>());
        data.extend_from_slice(&head);
        data.extend_from_slice(&hidden);
        let sliced = IMultiSend::multiSendCall::abi_decode(&data);
        assert!(
            sliced.map_or(true, |c| c.transactions.len() == 85),
            "a decoder sees only the 85-byte head"
        );
        for (what, tx) in [
            ("cut entry", cut),
            (
                "hidden data",
                SafeTx {
                    operation: Operation::DelegateCall,
                    ..SafeTx::call(multisend, U256::ZERO, data, U256::ZERO)
                },
            ),
        ] {
            let tx = SafeTx { nonce: nonce(p, s).await, ..tx };
            let outcome = exec_call(p, s, &tx, signed(&safe, &tx, &[0]), chain.deployer()).await;
            if coffer {
                assert_reverts(&outcome, "GS013", &format!("{imp}: {what} in {multisend}"));
            } else {
                assert!(
                    matches!(outcome, Outcome::Returned(_)),
                    "{imp}: canonical runs the {what} in {multisend}"
                );
                let receipt = exec_signed(&chain, &safe, &tx, &[0, 1]).await;
                assert_eq!(execution_event(&receipt, s), Some(true), "{imp}: {what}");
            }
        }
        let paid = (p.get_balance(who(1)).await?, p.get_balance(who(2)).await?);
        let expected =
            if coffer { (U256::ZERO, U256::ZERO) } else { (U256::from(2), U256::from(3)) };
        assert_eq!(paid, expected, "{imp}: what ran through {multisend}");
        // The hidden transfer never runs: canonical reads its own copy of `transactions`.
        let tokens = ITestToken::new(token, p).balanceOf(who(3)).call().await?;
        assert_eq!(tokens, U256::ZERO, "{imp}: hidden transfer");
    }
    Ok(())
}

/// MultiSendCallOnly refuses an inner delegatecall: the batch reverts without data, so the Safe
/// tx reverts with GS013 and a simulation reports the failure.
async fn call_only_refuses_delegatecall(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 2, 1).await?;
    let s = safe.address;
    chain.fund(s, U256::from(100u64)).await?;
    let with_delegate = MultiSendBatch::new(vec![
        MultiSendEntry::call(recipient(1), U256::from(1), Bytes::new()),
        delegate(
            suite.sign_message_lib,
            signMessageCall { _data: Bytes::from_static(b"x") }.abi_encode(),
        ),
    ]);
    assert!(
        MultiSendBatch::call_only(with_delegate.entries.clone()).is_err(),
        "coffer-core refuses it too"
    );
    let tx = batch_tx(p, s, suite.multi_send_call_only, &with_delegate).await;
    assert_reverts(
        &exec_call(p, s, &tx, signed(&safe, &tx, &[0]), chain.deployer()).await,
        "GS013",
        "delegatecall in call-only",
    );
    // The same batch through MultiSend is fine.
    let tx = batch_tx(p, s, suite.multi_send, &with_delegate).await;
    assert!(matches!(
        exec_call(p, s, &tx, signed(&safe, &tx, &[0]), chain.deployer()).await,
        Outcome::Returned(_)
    ));
    // The inner revert, seen through simulateAndRevert: MultiSendCallOnly reverts without data.
    let sim = simulate_raw(
        p,
        s,
        suite.simulate_tx_accessor,
        &batch_tx(p, s, suite.multi_send_call_only, &with_delegate).await,
    )
    .await;
    assert!(!sim.1, "{imp}: inner failure");
    assert!(sim.2.is_empty(), "{imp}: MultiSendCallOnly reverts without data, got {}", sim.2);
    // A direct call of MultiSendCallOnly (no delegatecall) with a delegatecall entry reverts too.
    let direct =
        IMultiSend::multiSendCall { transactions: with_delegate.encode_packed() }.abi_encode();
    assert_eq!(
        call(p, chain.deployer(), suite.multi_send_call_only, direct).await,
        Outcome::Reverted(Bytes::new())
    );
    Ok(())
}

/// MultiSend must be delegatecalled; MultiSendCallOnly may be called directly (in the caller's
/// own name); SimulateTxAccessor must be delegatecalled.
async fn direct_calls(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let batch =
        MultiSendBatch::new(vec![MultiSendEntry::call(recipient(1), U256::from(5), Bytes::new())]);
    let data = IMultiSend::multiSendCall { transactions: batch.encode_packed() }.abi_encode();
    assert_reverts(
        &call(p, chain.deployer(), suite.multi_send, data.clone()).await,
        "MultiSend should only be called via delegatecall",
        &format!("{imp}: direct MultiSend"),
    );
    // The call-only library forwards the value it received: 5 wei sent along.
    let request = alloy::rpc::types::TransactionRequest::default()
        .with_from(chain.deployer())
        .with_to(suite.multi_send_call_only)
        .with_input(data.clone())
        .with_value(U256::from(5));
    assert!(
        matches!(call_request(p, request).await, Outcome::Returned(_)),
        "{imp}: direct MultiSendCallOnly"
    );
    let sim = ISimulateTxAccessor::simulateCall {
        to: recipient(1),
        value: U256::ZERO,
        data: Bytes::new(),
        operation: 0,
    }
    .abi_encode();
    assert_reverts(
        &call(p, chain.deployer(), suite.simulate_tx_accessor, sim).await,
        "SimulateTxAccessor should only be called via delegatecall",
        &format!("{imp}: direct accessor"),
    );
    Ok(())
}

/// `simulateAndRevert(accessor, simulate(...))` through eth_call: the revert data is
/// `success ‖ length ‖ abi.encode(estimate, success, returnData)`. Returns (estimate, success,
/// returnData).
async fn simulate_raw(
    p: &impl Provider,
    safe: Address,
    accessor: Address,
    tx: &SafeTx,
) -> (U256, bool, Bytes) {
    let payload = ISimulateTxAccessor::simulateCall {
        to: tx.to,
        value: tx.value,
        data: tx.data.clone(),
        operation: tx.operation.as_u8(),
    }
    .abi_encode();
    let outer =
        ISafe::simulateAndRevertCall { targetContract: accessor, calldataPayload: payload.into() }
            .abi_encode();
    // No signatures, any sender.
    let Outcome::Reverted(data) = call(p, recipient(999), safe, outer).await else {
        panic!("simulateAndRevert must revert")
    };
    assert_eq!(
        U256::from_be_slice(&data[..32]),
        U256::from(1),
        "the delegatecall to the accessor succeeded"
    );
    let len = U256::from_be_slice(&data[32..64]).to::<usize>();
    assert_eq!(len, data.len() - 64, "length word");
    let r = ISimulateTxAccessor::simulateCall::abi_decode_returns(&data[64..]).unwrap();
    (r.estimate, r.success, r.returnData)
}

async fn simulate_and_revert(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let s = safe.address;
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    send(
        &chain,
        chain.deployer(),
        token,
        ITestToken::mintCall { to: s, amount: U256::from(100) }.abi_encode(),
        U256::ZERO,
    )
    .await;
    let block = p.get_block_number().await?;

    let ok = SafeTx::call(
        token,
        U256::ZERO,
        erc20_transfer_calldata(recipient(1), U256::from(60)),
        U256::ZERO,
    );
    let (estimate, success, ret) = simulate_raw(p, s, suite.simulate_tx_accessor, &ok).await;
    assert!(success);
    assert!(bool::abi_decode(&ret)?, "{imp}: transfer returned true");
    assert!(
        estimate > U256::from(20_000) && estimate < U256::from(100_000),
        "{imp}: estimate {estimate}"
    );

    let bad = SafeTx::call(
        token,
        U256::ZERO,
        erc20_transfer_calldata(recipient(1), U256::from(101)),
        U256::ZERO,
    );
    let (_, success, ret) = simulate_raw(p, s, suite.simulate_tx_accessor, &bad).await;
    assert!(!success);
    let expected: Bytes = alloy::sol_types::SolError::abi_encode(&alloy::sol_types::Revert::from(
        "TestToken: insufficient balance",
    ))
    .into();
    assert_eq!(ret, expected, "{imp}: the inner revert data");

    // A batch, delegatecalled, simulated as a whole.
    let batch = MultiSendBatch::call_only(
        (0..5)
            .map(|i| {
                MultiSendEntry::call(
                    token,
                    U256::ZERO,
                    erc20_transfer_calldata(recipient(10 + i), U256::from(20)),
                )
            })
            .collect(),
    )?;
    let (_, success, _) = simulate_raw(
        p,
        s,
        suite.simulate_tx_accessor,
        &batch.into_safe_tx(suite.multi_send_call_only, U256::ZERO),
    )
    .await;
    assert!(success, "{imp}: 5 x 20 of 100");
    let batch = MultiSendBatch::call_only(
        (0..6)
            .map(|i| {
                MultiSendEntry::call(
                    token,
                    U256::ZERO,
                    erc20_transfer_calldata(recipient(10 + i), U256::from(20)),
                )
            })
            .collect(),
    )?;
    let (_, success, _) = simulate_raw(
        p,
        s,
        suite.simulate_tx_accessor,
        &batch.into_safe_tx(suite.multi_send_call_only, U256::ZERO),
    )
    .await;
    assert!(!success, "{imp}: 6 x 20 of 100");

    // The fallback handler's simulate() does the same from inside the Safe and returns the
    // accessor's answer.
    let payload = ISimulateTxAccessor::simulateCall {
        to: ok.to,
        value: ok.value,
        data: ok.data.clone(),
        operation: 0,
    }
    .abi_encode();
    let through_handler = IHandlerSimulate::simulateCall {
        targetContract: suite.simulate_tx_accessor,
        calldataPayload: payload.into(),
    }
    .abi_encode();
    let out = call(p, recipient(998), s, through_handler).await.returned("handler simulate");
    let response = IHandlerSimulate::simulateCall::abi_decode_returns(&out)?;
    let r = ISimulateTxAccessor::simulateCall::abi_decode_returns(&response)?;
    assert!(r.success && bool::abi_decode(&r.returnData)?, "{imp}: handler simulate");

    // Nothing changed: no block, no nonce, no balance.
    assert_eq!(p.get_block_number().await?, block);
    assert_eq!(nonce(p, s).await, U256::ZERO);
    assert_eq!(ITestToken::new(token, p).balanceOf(s).call().await?, U256::from(100));
    Ok(())
}

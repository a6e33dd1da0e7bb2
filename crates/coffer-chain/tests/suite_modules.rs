//! Differential suite: module execution, module pages, owner changes as signing sees them,
//! guards, and fallback-handler forwarding, on coffer's suite and on canonical Safe 1.4.1.
#![allow(clippy::unwrap_used, clippy::panic)]

#[macro_use]
mod suite_common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};
use coffer_chain::{SENTINEL, test_utils::Implementation};
use coffer_contracts::bindings::ISafe;
use coffer_core::{SafeTx, erc20_transfer_calldata};
use suite_common::*;

alloy::sol! {
    function signMessage(bytes calldata _data) external;
}

on_both!(
    module_execution,
    module_pages,
    owner_changes_and_signing,
    guard_blocks,
    fallback_forwarding
);

/// Runs `(to, value, data, operation)` through the TestModule's `execReturnData` as an eth_call
/// and then for real; returns what the Safe returned.
async fn module_exec(
    chain: &coffer_chain::test_utils::TestChain,
    module: Address,
    safe: Address,
    to: Address,
    value: U256,
    data: Bytes,
    operation: u8,
) -> (bool, Bytes) {
    let call_data =
        ITestModule::execReturnDataCall { safe, to, value, data, operation }.abi_encode();
    let out = call(chain.provider(), chain.address(7), module, call_data.clone())
        .await
        .returned("module call");
    let ret = ITestModule::execReturnDataCall::abi_decode_returns(&out).unwrap();
    send(chain, chain.address(7), module, call_data, U256::ZERO).await;
    (ret.success, ret.returnData)
}

/// Calls, delegatecalls, return data and failures through a module; no nonce, no guard.
async fn module_execution(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let s = safe.address;
    chain.fund(s, U256::from(1_000_000u64)).await?;
    let module = deploy_helper(&chain, "TestModule", &[]).await;
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    send(
        &chain,
        chain.deployer(),
        token,
        ITestToken::mintCall { to: s, amount: U256::from(500) }.abi_encode(),
        U256::ZERO,
    )
    .await;
    manage(&chain, &safe, ISafe::enableModuleCall { module }, &[0, 1]).await;
    // A guard that refuses every Safe transaction: 1.4.1 guards do not see module transactions.
    let guard = deploy_helper(&chain, "TestGuard", &[]).await;
    manage(&chain, &safe, ISafe::setGuardCall { guard }, &[0, 1]).await;
    let block =
        ITestGuard::configureCall { revertBefore: true, revertAfter: true, denyInterface: false };
    send(&chain, chain.deployer(), guard, block.abi_encode(), U256::ZERO).await;
    let nonce_before = nonce(p, s).await;

    // ETH out.
    let (ok, ret) =
        module_exec(&chain, module, s, recipient(1), U256::from(777), Bytes::new(), 0).await;
    assert!(ok && ret.is_empty(), "{imp}: ETH transfer by module");
    assert_eq!(p.get_balance(recipient(1)).await?, U256::from(777));
    // Return data of a call.
    let balance_of = ITestToken::balanceOfCall { owner: s }.abi_encode();
    let (ok, ret) = module_exec(&chain, module, s, token, U256::ZERO, balance_of.into(), 0).await;
    assert!(ok);
    assert_eq!(U256::abi_decode(&ret)?, U256::from(500), "{imp}: return data");
    // A failing call: success false and the revert data.
    let too_much = erc20_transfer_calldata(recipient(2), U256::from(501));
    let (ok, ret) = module_exec(&chain, module, s, token, U256::ZERO, too_much, 0).await;
    assert!(!ok, "{imp}: failing module call");
    let expected: Bytes = alloy::sol_types::SolError::abi_encode(&alloy::sol_types::Revert::from(
        "TestToken: insufficient balance",
    ))
    .into();
    assert_eq!(ret, expected, "{imp}: revert data of a failing module call");
    // A delegatecall runs in the Safe's storage: SignMessageLib marks the message signed.
    let message = Bytes::from_static(b"module-signed");
    let (ok, _) = module_exec(
        &chain,
        module,
        s,
        suite.sign_message_lib,
        U256::ZERO,
        signMessageCall { _data: message.clone() }.abi_encode().into(),
        1,
    )
    .await;
    assert!(ok);
    let msg_hash = coffer_core::safe_message_hash(&safe.ctx, &message);
    assert_eq!(
        ISafe::new(s, p).signedMessages(msg_hash).call().await?,
        U256::from(1),
        "{imp}: delegatecall by module"
    );
    assert_eq!(nonce(p, s).await, nonce_before, "{imp}: module transactions do not use the nonce");

    // Disabled: GS104.
    send(
        &chain,
        chain.deployer(),
        guard,
        ITestGuard::configureCall { revertBefore: false, revertAfter: false, denyInterface: false }
            .abi_encode(),
        U256::ZERO,
    )
    .await;
    manage(&chain, &safe, ISafe::disableModuleCall { prevModule: SENTINEL, module }, &[0, 1]).await;
    let call_data = ITestModule::execCall {
        safe: s,
        to: recipient(1),
        value: U256::from(1),
        data: Bytes::new(),
        operation: 0,
    }
    .abi_encode();
    assert_reverts(&call(p, chain.address(7), module, call_data).await, "GS104", "disabled module");
    Ok(())
}

/// `getModulesPaginated` against a model of the 1.4.1 semantics: up to `pageSize` modules after
/// `start`, and `next` = the last one returned when more follow, else the sentinel.
async fn module_pages(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 1, 1).await?;
    let s = ISafe::new(safe.address, p);
    let mut list: Vec<Address> = Vec::new(); // list order: newest first
    let (array, next) =
        s.getModulesPaginated(SENTINEL, U256::from(3)).call().await.map(|r| (r.array, r.next))?;
    assert!(array.is_empty() && next == SENTINEL, "{imp}: empty list");
    for i in 0..5u64 {
        let m = recipient(300 + i);
        manage(&chain, &safe, ISafe::enableModuleCall { module: m }, &[0]).await;
        list.insert(0, m);
    }
    for start_index in [None, Some(0usize), Some(2), Some(4)] {
        let start = start_index.map_or(SENTINEL, |i| list[i]);
        let rest: Vec<Address> = match start_index {
            None => list.clone(),
            Some(i) => list[i + 1..].to_vec(),
        };
        for size in 1..=7usize {
            let r = s.getModulesPaginated(start, U256::from(size)).call().await?;
            let page: Vec<Address> = rest.iter().take(size).copied().collect();
            let next = if rest.len() > size { *page.last().unwrap() } else { SENTINEL };
            assert_eq!(r.array, page, "{imp}: page from {start} size {size}");
            assert_eq!(r.next, next, "{imp}: next from {start} size {size}");
        }
    }
    for m in &list {
        assert!(s.isModuleEnabled(*m).call().await?);
    }
    assert!(!s.isModuleEnabled(SENTINEL).call().await?, "{imp}: the sentinel is no module");
    assert!(!s.isModuleEnabled(recipient(1)).call().await?);
    Ok(())
}

/// After add/swap/remove/changeThreshold, the signature check follows the new owners and
/// threshold.
async fn owner_changes_and_signing(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let s = safe.address;
    let (a1, a2, a3, a6) = (chain.address(1), chain.address(2), chain.address(3), chain.address(6));
    // Swap a2 for a6; add a7 with threshold 3; remove a7 again with threshold 2.
    manage(
        &chain,
        &safe,
        ISafe::swapOwnerCall { prevOwner: a1, oldOwner: a2, newOwner: a6 },
        &[0, 1],
    )
    .await;
    let safe = coffer_chain::test_utils::TestSafe {
        owners: vec![chain.signer(1).clone(), chain.signer(6).clone(), chain.signer(3).clone()],
        ..safe
    };
    manage(
        &chain,
        &safe,
        ISafe::addOwnerWithThresholdCall { owner: chain.address(7), threshold: U256::from(3) },
        &[0, 2],
    )
    .await;
    manage(
        &chain,
        &safe,
        ISafe::removeOwnerCall {
            prevOwner: SENTINEL,
            owner: chain.address(7),
            threshold: U256::from(2),
        },
        &[0, 1, 2],
    )
    .await;
    let info = ISafe::new(s, p);
    assert_eq!(info.getOwners().call().await?, vec![a1, a6, a3]);
    assert_eq!(info.getThreshold().call().await?, U256::from(2));
    for (who, expected) in [
        (a1, true),
        (a2, false),
        (a3, true),
        (a6, true),
        (chain.address(7), false),
        (SENTINEL, false),
        (Address::ZERO, false),
    ] {
        assert_eq!(info.isOwner(who).call().await?, expected, "{imp}: isOwner({who})");
    }
    let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], nonce(p, s).await);
    let hash = tx.safe_tx_hash(&safe.ctx);
    let sig = |i: usize| ecdsa_712(chain.signer(i), hash);
    let sorted = |mut v: Vec<(Address, [u8; 65])>| {
        v.sort_by_key(|(a, _)| *a);
        concat(&v.iter().map(|(_, s)| &s[..]).collect::<Vec<_>>())
    };
    let with = |idx: &[usize]| sorted(idx.iter().map(|i| (chain.address(*i), sig(*i))).collect());
    assert_reverts(
        &exec_call(p, s, &tx, with(&[1, 2]), chain.deployer()).await,
        "GS026",
        "swapped-out owner",
    );
    assert_reverts(
        &exec_call(p, s, &tx, with(&[1, 7]), chain.deployer()).await,
        "GS026",
        "removed owner",
    );
    assert!(matches!(
        exec_call(p, s, &tx, with(&[1, 6]), chain.deployer()).await,
        Outcome::Returned(_)
    ));
    assert!(matches!(
        exec_call(p, s, &tx, with(&[3, 6]), chain.deployer()).await,
        Outcome::Returned(_)
    ));
    // Threshold 1: one signature is enough, and only the first `threshold` parts are read.
    manage(&chain, &safe, ISafe::changeThresholdCall { threshold: U256::from(1) }, &[0, 1]).await;
    let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], nonce(p, s).await);
    let hash = tx.safe_tx_hash(&safe.ctx);
    let one = ecdsa_712(chain.signer(3), hash);
    let junk = [0x42u8; 65];
    assert!(
        matches!(
            exec_call(p, s, &tx, concat(&[&one, &junk]), chain.deployer()).await,
            Outcome::Returned(_)
        ),
        "{imp}: parts after the threshold are ignored"
    );
    Ok(())
}

/// A guard that reverts before or after: the Safe transaction reverts with the guard's reason
/// and nothing changes.
async fn guard_blocks(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 2, 1).await?;
    let s = safe.address;
    let guard = deploy_helper(&chain, "TestGuard", &[]).await;
    manage(&chain, &safe, ISafe::setGuardCall { guard }, &[0]).await;
    for (before, after, reason) in
        [(true, false, "TestGuard: blocked before"), (false, true, "TestGuard: blocked after")]
    {
        send(
            &chain,
            chain.deployer(),
            guard,
            ITestGuard::configureCall {
                revertBefore: before,
                revertAfter: after,
                denyInterface: false,
            }
            .abi_encode(),
            U256::ZERO,
        )
        .await;
        let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], nonce(p, s).await);
        let out = exec_call(p, s, &tx, signed(&safe, &tx, &[0]), chain.deployer()).await;
        assert_reverts(&out, reason, &format!("{imp}: guard"));
    }
    send(
        &chain,
        chain.deployer(),
        guard,
        ITestGuard::configureCall { revertBefore: false, revertAfter: false, denyInterface: false }
            .abi_encode(),
        U256::ZERO,
    )
    .await;
    manage(&chain, &safe, ISafe::setGuardCall { guard: Address::ZERO }, &[1]).await;
    assert_eq!(nonce(p, s).await, U256::from(2));
    Ok(())
}

/// The fallback forwards calldata ‖ caller (20 bytes) to the handler and returns its answer;
/// without a handler it returns nothing; it does not take ether.
async fn fallback_forwarding(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 1, 1).await?;
    let s = safe.address;
    // An "echo" contract: returns its whole calldata.
    // runtime: CALLDATASIZE PUSH0 PUSH0 CALLDATACOPY CALLDATASIZE PUSH0 RETURN
    let init = alloy::hex::decode("66365f5f37365ff35f5260076019f3")?;
    let receipt = chain
        .send_tx(TransactionRequest::default().with_from(chain.deployer()).with_deploy_code(init))
        .await?;
    let echo = receipt.contract_address.unwrap();
    assert_eq!(p.get_code_at(echo).await?.to_vec(), alloy::hex::decode("365f5f37365ff3")?);
    manage(&chain, &safe, ISafe::setFallbackHandlerCall { handler: echo }, &[0]).await;
    let caller = chain.address(4);
    for data in [vec![0x12, 0x34, 0x56, 0x78], vec![0xff; 100], vec![0x00, 0x01, 0x02, 0x03, 0x04]]
    {
        let out = call(p, caller, s, data.clone()).await.returned("forwarded call");
        assert_eq!(
            out.to_vec(),
            [data, caller.to_vec()].concat(),
            "{imp}: handler sees calldata ‖ caller"
        );
    }
    // Non-payable fallback: value with calldata reverts.
    let with_value = TransactionRequest::default()
        .with_from(caller)
        .with_to(s)
        .with_input(vec![0x12, 0x34, 0x56, 0x78])
        .with_value(U256::from(1));
    assert!(
        matches!(call_request(p, with_value).await, Outcome::Reverted(_)),
        "{imp}: value to the fallback"
    );
    manage(&chain, &safe, ISafe::setFallbackHandlerCall { handler: Address::ZERO }, &[0]).await;
    assert_eq!(
        call(p, caller, s, vec![0x12, 0x34, 0x56, 0x78]).await,
        Outcome::Returned(Bytes::new()),
        "{imp}: no handler"
    );
    Ok(())
}

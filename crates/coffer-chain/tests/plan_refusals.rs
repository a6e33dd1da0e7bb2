//! Every way `PayoutPlanModule` must refuse, on a real anvil, once per Safe implementation: a
//! wrong proof, a replayed chunk, an expired plan, a revoked plan, approval by a non-Safe caller,
//! a chunk over a cap, a delegatecall entry (plus another Safe's plan and a disabled module).
//! Each refusal is the module's own custom error, decoded into `Error::PlanRefused`, and no
//! balance moves.
#![allow(clippy::unwrap_used, clippy::panic)]

mod plan_common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use coffer_chain::{
    Error,
    plan::{
        PlanChunks, PlanStatus, RawChunk, execute_chunk, execute_chunk_raw, module_error,
        plan_chunks, read_plan, run_plan,
    },
    read_safe,
    test_utils::Implementation,
};
use coffer_core::{
    MultiSendBatch, MultiSendEntry, Operation, PlanCheckError, TokenCap, approve_plan_calldata,
    check_plan, execute_chunk_calldata,
};
use core::ops::ControlFlow;
use plan_common::{Env, TestResult};

on_both!(
    wrong_proof,
    replayed_chunk,
    expired_plan,
    revoked_plan,
    approval_by_non_safe,
    chunk_over_cap,
    delegatecall_entry,
    other_safe_and_disabled_module,
);

/// The module's error name in a refusal, or a panic naming what came instead.
fn refused(r: Result<impl core::fmt::Debug, Error>) -> &'static str {
    match r {
        Err(Error::PlanRefused { error, reason }) => {
            assert!(!reason.is_empty());
            error
        }
        other => panic!("expected a PlanRefused error, got {other:?}"),
    }
}

/// A small funded plan: 3 chunks of 4 payouts (tag `tag`), approved with exact caps.
async fn small_plan(env: &Env, tag: &str) -> (PlanChunks, Vec<(Address, U256)>) {
    let payouts = env.payouts(tag, 12);
    let total: U256 = payouts.iter().map(|p| p.1).sum();
    env.mint(env.safe.address, total).await;
    let chunks: Vec<Bytes> = env
        .entries(&payouts)
        .chunks(4)
        .map(|c| MultiSendBatch::new(c.to_vec()).encode_packed())
        .collect();
    let (plan, _, report) = env.approve(chunks, 3600).await;
    assert!(report.success);
    (plan, payouts)
}

async fn unpaid(env: &Env, payouts: &[(Address, U256)]) {
    for (to, _) in payouts {
        assert_eq!(env.balance(*to).await, U256::ZERO, "{to} was paid");
    }
}

fn raw<'a>(
    env: &Env,
    plan: &PlanChunks,
    index: u32,
    chunk: &'a [u8],
    proof: &'a [B256],
) -> RawChunk<'a> {
    RawChunk { module: env.module, safe: env.safe.address, root: plan.root(), index, chunk, proof }
}

async fn wrong_proof(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let (plan, payouts) = small_plan(&env, "proof").await;
    let executor = env.chain.address(9);
    let (c0, p0) = plan.chunk_with_proof(0)?;
    let (c1, p1) = plan.chunk_with_proof(1)?;
    // Chunk 0 with chunk 1's proof.
    let r = execute_chunk_raw(env.provider(), raw(&env, &plan, 0, c0, &p1), executor).await;
    assert_eq!(refused(r), "InvalidProof");
    // Chunk 1's bytes at index 0 (its own proof): the index is in the leaf.
    let r = execute_chunk_raw(env.provider(), raw(&env, &plan, 0, c1, &p1), executor).await;
    assert_eq!(refused(r), "InvalidProof");
    // Chunk 0 with one amount raised by one unit (the last byte of its first entry's data).
    let mut tampered = c0.to_vec();
    let first_end = 85 + 68;
    tampered[first_end - 1] ^= 1;
    let r = execute_chunk_raw(env.provider(), raw(&env, &plan, 0, &tampered, &p0), executor).await;
    assert_eq!(refused(r), "InvalidProof");
    // A proof with one sibling dropped.
    let r = execute_chunk_raw(env.provider(), raw(&env, &plan, 0, c0, &p0[1..]), executor).await;
    assert_eq!(refused(r), "InvalidProof");
    unpaid(&env, &payouts).await;
    // The right one runs.
    execute_chunk(env.provider(), &plan, 0, executor).await?;
    assert_eq!(env.balance(payouts[0].0).await, payouts[0].1);
    Ok(())
}

async fn replayed_chunk(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let (plan, payouts) = small_plan(&env, "replay").await;
    let executor = env.chain.address(9);
    let first = execute_chunk(env.provider(), &plan, 1, executor).await?;
    assert_eq!(first.entries, 4);
    // Simulation refuses the replay, and nothing is sent.
    let r = execute_chunk(env.provider(), &plan, 1, executor).await;
    assert_eq!(refused(r), "ChunkAlreadyExecuted");
    // Sent anyway (no simulation, fixed gas), the chain itself reverts it.
    let tx = TransactionRequest::default()
        .with_from(executor)
        .with_to(env.module)
        .with_input(plan.execute_calldata(1)?)
        .with_gas_limit(1_000_000);
    let receipt = env.provider().send_transaction(tx).await?.get_receipt().await?;
    assert!(!receipt.status(), "a replayed chunk must revert on chain");
    // Paid exactly once.
    for (i, (to, amount)) in payouts.iter().enumerate() {
        let expected = if (4..8).contains(&i) { *amount } else { U256::ZERO };
        assert_eq!(env.balance(*to).await, expected);
    }
    let state = read_plan(env.provider(), env.module, env.safe.address, plan.root()).await?;
    assert_eq!(state.executed_count, 1);
    assert_eq!(state.pending(), vec![0, 2]);
    Ok(())
}

async fn expired_plan(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let (plan, payouts) = small_plan(&env, "expiry").await;
    let executor = env.chain.address(9);
    execute_chunk(env.provider(), &plan, 0, executor).await?;
    env.warp(3601).await;
    let r = execute_chunk(env.provider(), &plan, 1, executor).await;
    assert_eq!(refused(r), "PlanExpired");
    let state = read_plan(env.provider(), env.module, env.safe.address, plan.root()).await?;
    assert_eq!(state.status, PlanStatus::Expired);
    match run_plan(env.provider(), &plan, executor, |_| ControlFlow::Continue(())).await {
        Err(Error::PlanState(msg)) => assert!(msg.contains("expired"), "{msg}"),
        other => panic!("run_plan on an expired plan: {other:?}"),
    }
    unpaid(&env, &payouts[4..]).await;
    // Expiry is checked against the chain's clock: approving in the past is refused too.
    let past = env.now().await - 1;
    let tx = coffer_chain::plan::approve_plan_tx(
        env.module,
        B256::repeat_byte(7),
        1,
        past,
        99,
        &[TokenCap { token: env.token, amount: U256::from(1) }],
        env.nonce().await,
    );
    match env.exec(&tx).await {
        Err(Error::WouldRevert { reason }) => assert!(reason.contains("GS013"), "{reason}"),
        other => panic!("approving with a past expiry: {other:?}"),
    }
    Ok(())
}

async fn revoked_plan(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let (plan, payouts) = small_plan(&env, "revoke").await;
    let executor = env.chain.address(9);
    execute_chunk(env.provider(), &plan, 2, executor).await?;
    let report = env.revoke(plan.root()).await;
    assert!(report.success);
    for index in [0, 1] {
        let r = execute_chunk(env.provider(), &plan, index, executor).await;
        assert_eq!(refused(r), "PlanIsRevoked");
    }
    let state = read_plan(env.provider(), env.module, env.safe.address, plan.root()).await?;
    assert_eq!(state.status, PlanStatus::Revoked);
    assert!(state.revoked);
    match run_plan(env.provider(), &plan, executor, |_| ControlFlow::Continue(())).await {
        Err(Error::PlanState(msg)) => assert!(msg.contains("revoked"), "{msg}"),
        other => panic!("run_plan on a revoked plan: {other:?}"),
    }
    unpaid(&env, &payouts[..8]).await;
    assert_eq!(env.balance(payouts[8].0).await, payouts[8].1);
    Ok(())
}

async fn approval_by_non_safe(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let payouts = env.payouts("eoa", 4);
    let chunk = MultiSendBatch::new(env.entries(&payouts)).encode_packed();
    let plan = PlanChunks::new(env.domain(), vec![chunk])?;
    let expiry = env.now().await + 3600;
    let caps = [TokenCap { token: env.token, amount: U256::from(10).pow(U256::from(20)) }];
    let salt = plan.domain().salt;
    let data = approve_plan_calldata(plan.root(), 1, expiry, salt, &caps);
    // An owner calling the module from their own key, thinking they approve for the Safe.
    let owner = env.chain.address(1);
    let call = TransactionRequest::default().with_from(owner).with_to(env.module).with_input(data);
    let err = env.provider().call(call.clone()).await.unwrap_err();
    let revert = err.as_error_resp().and_then(|p| p.as_revert_data()).unwrap();
    assert_eq!(module_error(&revert).unwrap().0, "NotAnEnabledSafe");
    let receipt =
        env.provider().send_transaction(call.with_gas_limit(500_000)).await?.get_receipt().await?;
    assert!(!receipt.status(), "an EOA's approval must revert on chain");
    // A Safe that has not enabled the module: its approval Safe tx fails (GS013; the inner
    // call's reason is NotAnEnabledSafe).
    let other = env.chain.create_safe_with(&env.suite, &[1, 2, 3], 2, 77).await?;
    let tx = coffer_chain::plan::approve_plan_tx(
        env.module,
        plan.root(),
        1,
        expiry,
        salt,
        &caps,
        U256::ZERO,
    );
    match other.execute(env.provider(), &tx, &[0, 1], env.chain.deployer()).await {
        Err(Error::WouldRevert { reason }) => assert!(reason.contains("GS013"), "{reason}"),
        other => panic!("approval by a Safe without the module: {other:?}"),
    }
    let sim =
        coffer_chain::simulate(env.provider(), other.address, env.suite.simulate_tx_accessor, &tx)
            .await?;
    assert!(!sim.success);
    assert_eq!(module_error(&sim.return_data).unwrap().0, "NotAnEnabledSafe");
    // Nothing was stored for anyone.
    for who in [owner, other.address, env.safe.address] {
        let state = read_plan(env.provider(), env.module, who, plan.root()).await?;
        assert_eq!(state.status, PlanStatus::None);
    }
    Ok(())
}

async fn chunk_over_cap(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let payouts = env.payouts("cap", 8);
    let total: U256 = payouts.iter().map(|p| p.1).sum();
    env.mint(env.safe.address, total).await;
    let chunks: Vec<Bytes> = env
        .entries(&payouts)
        .chunks(4)
        .map(|c| MultiSendBatch::new(c.to_vec()).encode_packed())
        .collect();
    let plan = PlanChunks::new(env.domain(), chunks)?;
    // A cap one unit below the plan's total: coffer-core predicts the refusal at chunk 1 ...
    let caps = [TokenCap { token: env.token, amount: total - U256::from(1) }];
    match check_plan(&env.domain(), plan.chunks(), &caps) {
        Err(PlanCheckError::CapExceeded { chunk: 1, .. }) => {}
        other => panic!("check_plan: {other:?}"),
    }
    // ... and the chain refuses it there, after chunk 0 ran within the cap.
    let expiry = env.now().await + 3600;
    let tx = coffer_chain::plan::approve_plan_tx(
        env.module,
        plan.root(),
        2,
        expiry,
        plan.domain().salt,
        &caps,
        env.nonce().await,
    );
    env.exec(&tx).await?;
    let executor = env.chain.address(9);
    execute_chunk(env.provider(), &plan, 0, executor).await?;
    let r = execute_chunk(env.provider(), &plan, 1, executor).await;
    assert_eq!(refused(r), "CapExceeded");
    unpaid(&env, &payouts[4..]).await;
    let state = read_plan(env.provider(), env.module, env.safe.address, plan.root()).await?;
    let paid: U256 = payouts[..4].iter().map(|p| p.1).sum();
    assert_eq!(state.caps[0].spent, paid);
    // A plan also refuses a call that is not a plain transfer (here: approve()).
    let mut odd =
        MultiSendEntry::call(env.token, U256::ZERO, Bytes::from(vec![0x09, 0x5e, 0xa7, 0xb3]));
    odd.data = [odd.data.to_vec(), vec![0u8; 64]].concat().into();
    let plan2 =
        PlanChunks::new(env.domain(), vec![MultiSendBatch::new(vec![odd]).encode_packed()])?;
    let tx = coffer_chain::plan::approve_plan_tx(
        env.module,
        plan2.root(),
        1,
        expiry,
        plan2.domain().salt,
        &caps,
        env.nonce().await,
    );
    env.exec(&tx).await?;
    assert_eq!(
        refused(execute_chunk(env.provider(), &plan2, 0, executor).await),
        "NotAPlainTransfer"
    );
    Ok(())
}

async fn delegatecall_entry(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let payouts = env.payouts("dcall", 3);
    env.mint(env.safe.address, U256::from(10).pow(U256::from(20))).await;
    let mut entries = env.entries(&payouts);
    // The middle entry delegatecalls the token: coffer-core refuses to plan it ...
    entries[1].operation = Operation::DelegateCall;
    assert!(plan_chunks(&entries, 30_000, 16_000_000).is_err());
    let chunk = MultiSendBatch::new(entries).encode_packed();
    let plan = PlanChunks::new(env.domain(), vec![chunk])?;
    let caps = [TokenCap { token: env.token, amount: U256::from(10).pow(U256::from(20)) }];
    assert!(matches!(
        check_plan(&env.domain(), plan.chunks(), &caps),
        Err(PlanCheckError::DelegateCallEntry { chunk: 0, entry: 1 })
    ));
    // ... and even approved (the root is over any bytes), the module refuses to run it.
    let (plan, _, _) = env.approve_unchecked(plan).await;
    let r = execute_chunk(env.provider(), &plan, 0, env.chain.address(9)).await;
    assert_eq!(refused(r), "DelegateCallEntry");
    unpaid(&env, &payouts).await;
    Ok(())
}

async fn other_safe_and_disabled_module(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let (plan, payouts) = small_plan(&env, "other").await;
    let executor = env.chain.address(9);
    // The same chunk and proof claimed for another Safe: no plan there.
    let other = env.chain.create_safe_with(&env.suite, &[1, 2, 3], 2, 78).await?;
    let (c0, p0) = plan.chunk_with_proof(0)?;
    let r = execute_chunk_raw(
        env.provider(),
        RawChunk { safe: other.address, ..raw(&env, &plan, 0, c0, &p0) },
        executor,
    )
    .await;
    assert_eq!(refused(r), "UnknownPlan");
    // The owners disable the module: every plan stops, with the Safe's own GS104.
    let info = read_safe(env.provider(), env.safe.address).await?;
    let tx = info.disable_module_tx(env.module, info.nonce)?;
    env.exec(&tx).await?;
    let data = execute_chunk_calldata(env.safe.address, plan.root(), 0, c0, &p0);
    let call =
        TransactionRequest::default().with_from(executor).with_to(env.module).with_input(data);
    let err = env.provider().call(call).await.unwrap_err();
    let revert = err.as_error_resp().and_then(|p| p.as_revert_data()).unwrap();
    assert!(module_error(&revert).is_none());
    match execute_chunk(env.provider(), &plan, 0, executor).await {
        Err(Error::WouldRevert { reason }) => assert!(reason.contains("GS104"), "{reason}"),
        other => panic!("chunk with the module disabled: {other:?}"),
    }
    unpaid(&env, &payouts).await;
    Ok(())
}

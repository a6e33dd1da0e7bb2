//! PayoutPlanModule 1.1.0's safety rules on a real anvil, once per Safe implementation (coffer's
//! suite and canonical 1.4.1): every forbidden call is refused on chain (and by coffer-core
//! before proposing), caps are mandatory, a salt makes every plan's leaves its own, the library
//! refuses plans that call an enabled module, the guard or the fallback handler, a first plan
//! enables the module and approves in one Safe tx (2 signatures on a 2-of-3), and a re-plan
//! after a partial run pays nobody twice.
#![allow(clippy::unwrap_used, clippy::panic)]

mod plan_common;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolCall,
};
use coffer_chain::{
    Error,
    plan::{
        PlanChunks, PlanStatus, check_plan_preconditions, execute_chunk, module_error,
        plan_approval_tx, plan_history, read_plan, repeated_payouts, run_plan,
    },
    read_safe,
    test_utils::Implementation,
};
use coffer_contracts::bindings::ISafe;
use coffer_core::{
    MultiSendBatch, MultiSendEntry, PlanCheckError, PlanDomain, TokenCap, approve_plan_calldata,
    check_plan, erc20_transfer_calldata, plan_totals, revoke_plan_at_calldata,
};
use core::ops::ControlFlow;
use plan_common::{Env, TestResult, check_balances};
use std::collections::BTreeMap;

on_both!(forbidden_calls, caps_and_salt, safe_components, first_plan_one_tx, replan_pays_once);

alloy::sol! {
    function approve(address spender, uint256 amount) returns (bool);
    /// TestModule's admin entry point: make a Safe that enabled it run any call.
    function exec(address safe, address to, uint256 value, bytes data, uint8 operation) returns (bool);
}

/// The module's error name in a refusal, or a panic naming what came instead.
fn refused(r: Result<impl core::fmt::Debug, Error>) -> &'static str {
    match r {
        Err(Error::PlanRefused { error, .. }) => error,
        other => panic!("expected a PlanRefused error, got {other:?}"),
    }
}

fn big() -> U256 {
    U256::from(10).pow(U256::from(30))
}

/// Each forbidden call, approved as a one-chunk plan with generous caps on the token and ether:
/// coffer-core refuses to plan it, and the module refuses to run it, with its own error.
async fn forbidden_calls(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    env.mint(env.safe.address, big()).await;
    env.chain.fund(env.safe.address, U256::from(10u64).pow(U256::from(18))).await?;
    let attacker = env.chain.address(8);
    let other_module =
        env.chain.deploy_contract(coffer_contracts::artifact("TestModule")?, &[]).await?;
    let other_safe = env.chain.create_safe_with(&env.suite, &[4, 5], 1, 91).await?;
    let caps = [
        TokenCap { token: Address::ZERO, amount: big() },
        TokenCap { token: env.token, amount: big() },
    ];
    let cases: Vec<(&str, MultiSendEntry, &str)> = vec![
        (
            "approve(attacker, max)",
            MultiSendEntry::call(
                env.token,
                U256::ZERO,
                approveCall { spender: attacker, amount: U256::MAX }.abi_encode(),
            ),
            "NotAPlainTransfer",
        ),
        (
            "another module's admin function",
            MultiSendEntry::call(
                other_module,
                U256::ZERO,
                execCall {
                    safe: env.safe.address,
                    to: attacker,
                    value: U256::from(1),
                    data: Bytes::new(),
                    operation: 0,
                }
                .abi_encode(),
            ),
            "NotAPlainTransfer",
        ),
        (
            "another Safe's approveHash",
            MultiSendEntry::call(
                other_safe.address,
                U256::ZERO,
                ISafe::approveHashCall { hashToApprove: B256::repeat_byte(0x42) }.abi_encode(),
            ),
            "NotAPlainTransfer",
        ),
        (
            "a transfer with value",
            MultiSendEntry::call(
                env.token,
                U256::from(1),
                erc20_transfer_calldata(attacker, U256::from(5)),
            ),
            "NotAPlainTransfer",
        ),
        (
            "ether with data",
            MultiSendEntry::call(attacker, U256::from(1), Bytes::from_static(&[0x12, 0x34])),
            "NotAPlainTransfer",
        ),
        (
            "a call to the Safe",
            MultiSendEntry::call(env.safe.address, U256::from(1), Bytes::new()),
            "ForbiddenTarget",
        ),
        (
            "a call to the module",
            MultiSendEntry::call(env.module, U256::from(1), Bytes::new()),
            "ForbiddenTarget",
        ),
    ];
    let executor = env.chain.address(9);
    for (what, entry, error) in cases {
        let chunk = MultiSendBatch::new(vec![entry]).encode_packed();
        let plan = PlanChunks::new(env.domain(), vec![chunk])?;
        // coffer-core refuses to plan it ...
        let core = check_plan(&plan.domain(), plan.chunks(), &caps);
        assert!(
            matches!(
                (&core, error),
                (Err(PlanCheckError::NotAPlainTransfer { .. }), "NotAPlainTransfer")
                    | (Err(PlanCheckError::ForbiddenTarget { .. }), "ForbiddenTarget")
            ),
            "{imp}: {what}: check_plan gave {core:?}"
        );
        // ... and approved anyway (the root is over any bytes), the module refuses to run it.
        let (plan, _, _) = env.approve_unchecked(plan).await;
        let r = execute_chunk(env.provider(), &plan, 0, executor).await;
        assert_eq!(refused(r), error, "{imp}: {what}");
        let state = read_plan(env.provider(), env.module, env.safe.address, plan.root()).await?;
        assert_eq!(state.executed_count, 0, "{imp}: {what}");
    }
    assert_eq!(env.balance(attacker).await, U256::ZERO);
    Ok(())
}

/// A plan without caps is refused at approval (`NoCaps`); the same chunks under two salts give
/// two roots whose proofs do not cross; a salt serves one root (`SaltUsed`).
async fn caps_and_salt(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let payouts = env.payouts("salt", 2);
    env.mint(env.safe.address, big()).await;
    let chunks = vec![
        MultiSendBatch::new(env.entries(&payouts[..1])).encode_packed(),
        MultiSendBatch::new(env.entries(&payouts[1..])).encode_packed(),
    ];
    let expiry = env.now().await + 3600;
    // No caps: refused by coffer-core and by the module.
    let plan = PlanChunks::new(env.domain(), chunks.clone())?;
    assert_eq!(check_plan(&plan.domain(), plan.chunks(), &[]), Err(PlanCheckError::NoCaps));
    let tx = coffer_chain::plan::approve_plan_tx(
        env.module,
        plan.root(),
        2,
        expiry,
        plan.domain().salt,
        &[],
        env.nonce().await,
    );
    let sim = coffer_chain::simulate(
        env.provider(),
        env.safe.address,
        env.suite.simulate_tx_accessor,
        &tx,
    )
    .await?;
    assert!(!sim.success);
    assert_eq!(module_error(&sim.return_data).unwrap().0, "NoCaps", "{imp}");
    // Two plans of the same chunks: different roots, and no proof of one verifies in the other.
    let (a, _, _) = env.approve(chunks.clone(), 3600).await;
    let (b, _, _) = env.approve(chunks.clone(), 3600).await;
    assert_ne!(a.root(), b.root());
    assert_ne!(a.tree().leaves(), b.tree().leaves());
    // coffer-core's leaves and roots are the module's, byte for byte.
    let m = coffer_chain::plan::IPayoutPlanModule::new(env.module, env.provider());
    for plan in [&a, &b] {
        for i in 0..plan.chunk_count() {
            let (chunk, proof) = plan.chunk_with_proof(i)?;
            let d = plan.domain();
            let leaf = m
                .chunkLeaf(d.safe, d.salt, plan.chunk_count(), U256::from(i), chunk.clone())
                .call()
                .await?;
            assert_eq!(Some(leaf), plan.tree().leaf(i), "{imp}: leaf {i}");
            assert_eq!(m.computeRoot(leaf, proof).call().await?, plan.root());
        }
    }
    let (c0, p0) = a.chunk_with_proof(0)?;
    let r = coffer_chain::plan::execute_chunk_raw(
        env.provider(),
        coffer_chain::plan::RawChunk {
            module: env.module,
            safe: env.safe.address,
            root: b.root(),
            index: 0,
            chunk: c0,
            proof: &p0,
        },
        env.chain.address(9),
    )
    .await;
    assert_eq!(refused(r), "InvalidProof", "{imp}: plan a's leaf under plan b");
    // Plan a's salt for a third root: SaltUsed.
    let salt_a = a.domain().salt;
    let c = PlanChunks::new(PlanDomain { salt: salt_a, ..a.domain() }, chunks[..1].to_vec())?;
    let caps = plan_totals(c.chunks())?.exact_caps()?;
    let tx = coffer_chain::plan::approve_plan_tx(
        env.module,
        c.root(),
        1,
        expiry,
        salt_a,
        &caps,
        env.nonce().await,
    );
    let sim = coffer_chain::simulate(
        env.provider(),
        env.safe.address,
        env.suite.simulate_tx_accessor,
        &tx,
    )
    .await?;
    assert_eq!(module_error(&sim.return_data).unwrap().0, "SaltUsed", "{imp}");
    // Both real plans run; each pays its rows once.
    execute_chunk(env.provider(), &a, 0, env.chain.address(9)).await?;
    assert_eq!(env.balance(payouts[0].0).await, payouts[0].1);
    Ok(())
}

/// The library check before proposing: a plan that calls an enabled module, the guard or the
/// fallback handler is refused; a module without code is refused with what to do.
async fn safe_components(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let other_module =
        env.chain.deploy_contract(coffer_contracts::artifact("TestModule")?, &[]).await?;
    let info = read_safe(env.provider(), env.safe.address).await?;
    env.exec(&info.enable_module_tx(other_module, info.nonce)?).await?;
    let info = read_safe(env.provider(), env.safe.address).await?;
    assert!(!info.fallback_handler.is_zero(), "the test Safe has a fallback handler");
    let msco = env.suite.multi_send_call_only;
    let ok = MultiSendBatch::new(env.entries(&env.payouts("ok", 1))).encode_packed();
    assert!(
        check_plan_preconditions(
            env.provider(),
            &info,
            env.module,
            msco,
            std::slice::from_ref(&ok)
        )
        .await?
    );
    for (target, role) in
        [(other_module, "an enabled module"), (info.fallback_handler, "the fallback handler")]
    {
        let chunk = MultiSendBatch::new(vec![MultiSendEntry::call(
            target,
            U256::ZERO,
            erc20_transfer_calldata(env.chain.address(8), U256::from(1)),
        )])
        .encode_packed();
        match check_plan_preconditions(
            env.provider(),
            &info,
            env.module,
            msco,
            &[ok.clone(), chunk],
        )
        .await
        {
            Err(Error::PlanCheck(PlanCheckError::TargetIsSafeComponent {
                chunk: 1,
                entry: 0,
                to,
                role: r,
            })) => {
                assert_eq!((to, r), (target, role), "{imp}");
            }
            other => panic!("{imp}: a plan calling {role}: {other:?}"),
        }
    }
    let nowhere = env.chain.address(7);
    match check_plan_preconditions(env.provider(), &info, nowhere, msco, &[ok]).await {
        Err(Error::ModuleUnavailable(msg)) => {
            assert!(msg.contains("not deployed") && msg.contains("enable-module"), "{msg}");
        }
        other => panic!("{imp}: no module: {other:?}"),
    }
    Ok(())
}

/// A Safe that has not enabled the module: one Safe tx (MultiSendCallOnly, DELEGATECALL) enables
/// it and approves the plan, with exactly 2 signatures of the 2-of-3, and the plan then runs.
async fn first_plan_one_tx(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let fresh = env.chain.create_safe_with(&env.suite, &[1, 2, 3], 2, 92).await?;
    let info = read_safe(env.provider(), fresh.address).await?;
    assert!(!info.is_module(env.module));
    let payouts = env.payouts("first", 6);
    env.mint(fresh.address, payouts.iter().map(|p| p.1).sum()).await;
    let chunks: Vec<Bytes> = env
        .entries(&payouts)
        .chunks(3)
        .map(|c| MultiSendBatch::new(c.to_vec()).encode_packed())
        .collect();
    let msco = env.suite.multi_send_call_only;
    let enabled =
        check_plan_preconditions(env.provider(), &info, env.module, msco, &chunks).await?;
    assert!(!enabled);
    let domain = PlanDomain {
        chain_id: env.chain.chain_id(),
        module: env.module,
        safe: fresh.address,
        salt: info.nonce.saturating_to(),
    };
    let plan = PlanChunks::new(domain, chunks)?;
    let caps = plan_totals(plan.chunks())?.exact_caps()?;
    let approve = approve_plan_calldata(plan.root(), 2, env.now().await + 3600, domain.salt, &caps);
    let tx = plan_approval_tx(&info, env.module, msco, vec![(env.module, approve)], info.nonce)?;
    assert_eq!(tx.to, msco);
    assert_eq!(tx.operation, coffer_core::Operation::DelegateCall);
    let report = fresh.execute(env.provider(), &tx, &[0, 1], env.chain.deployer()).await?;
    assert!(report.success);
    let info = read_safe(env.provider(), fresh.address).await?;
    assert!(info.is_module(env.module), "{imp}: enabled by the same tx");
    let state = read_plan(env.provider(), env.module, fresh.address, plan.root()).await?;
    assert_eq!(state.status, PlanStatus::Active);
    let done = run_plan(env.provider(), &plan, env.chain.address(9), |_| ControlFlow::Continue(()))
        .await?;
    assert!(done.is_complete());
    check_balances(&env, &payouts).await;
    // Already enabled: the approval is a plain call to the module.
    let again = plan_approval_tx(
        &info,
        env.module,
        msco,
        vec![(env.module, Bytes::from_static(&[1]))],
        info.nonce,
    )?;
    assert_eq!((again.to, again.operation), (env.module, coffer_core::Operation::Call));
    Ok(())
}

/// A plan of 4 chunks runs chunks 0 and 2, then is re-planned: the new plan is the chunks the
/// chain says are unpaid, approved in the same Safe tx that revokes the old one with
/// `revokePlanAt(old, 2)`. A re-plan built before another old chunk ran reverts as a whole
/// (`PlanProgressed`). The repeat check (events + known chunks) flags every row of the old plan
/// for a plan that repeats it. At the end every recipient holds exactly their amount.
async fn replan_pays_once(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let payouts = env.payouts("replan", 8);
    env.mint(env.safe.address, payouts.iter().map(|p| p.1).sum()).await;
    let chunks: Vec<Bytes> = env
        .entries(&payouts)
        .chunks(2)
        .map(|c| MultiSendBatch::new(c.to_vec()).encode_packed())
        .collect();
    let (old, _, _) = env.approve(chunks.clone(), 3600).await;
    let executor = env.chain.address(9);
    execute_chunk(env.provider(), &old, 0, executor).await?;
    // Before anything else: a new plan of the same rows repeats 2 paid and 6 pending payouts.
    let known = BTreeMap::from([(old.root(), chunks.clone())]);
    let history = plan_history(env.provider(), env.module, env.safe.address, &known).await?;
    assert_eq!((history.paid.len(), history.pending.len()), (2, 6), "{imp}");
    assert_eq!(repeated_payouts(&chunks, &history).len(), 8);
    // Without the plan's chunks, the pending ones are unknown (and the paid ones are read back
    // from the executeChunk transactions).
    let blind =
        plan_history(env.provider(), env.module, env.safe.address, &BTreeMap::new()).await?;
    assert_eq!(blind.paid.len(), 2);
    assert_eq!(blind.unknown_pending, vec![(old.root(), 3)]);

    // A re-plan built now (1 chunk run), but another chunk runs before it executes: it reverts.
    let state = read_plan(env.provider(), env.module, env.safe.address, old.root()).await?;
    let stale = replan_tx(&env, &old, &chunks, state.executed_count, &state.pending()).await?;
    execute_chunk(env.provider(), &old, 2, executor).await?;
    match env.exec(&stale.1).await {
        Err(Error::WouldRevert { reason }) => assert!(reason.contains("GS013"), "{reason}"),
        other => panic!("{imp}: a stale re-plan: {other:?}"),
    }
    // MultiSendCallOnly drops the inner revert data; the revocation alone shows the reason.
    let revoke = coffer_core::SafeTx::call(
        env.module,
        U256::ZERO,
        revoke_plan_at_calldata(old.root(), state.executed_count),
        env.nonce().await,
    );
    let sim = coffer_chain::simulate(
        env.provider(),
        env.safe.address,
        env.suite.simulate_tx_accessor,
        &revoke,
    )
    .await?;
    assert_eq!(module_error(&sim.return_data).unwrap().0, "PlanProgressed", "{imp}");

    // The re-plan built on the chain's state now.
    let state = read_plan(env.provider(), env.module, env.safe.address, old.root()).await?;
    assert_eq!(state.pending(), vec![1, 3]);
    let (new, tx) = replan_tx(&env, &old, &chunks, state.executed_count, &state.pending()).await?;
    env.exec(&tx).await?;
    let after = read_plan(env.provider(), env.module, env.safe.address, old.root()).await?;
    assert_eq!(after.status, PlanStatus::Revoked);
    // The old plan can no longer pay chunk 1; the new one pays exactly the unpaid rows.
    let r = execute_chunk(env.provider(), &old, 1, executor).await;
    assert_eq!(refused(r), "PlanIsRevoked");
    let done = run_plan(env.provider(), &new, executor, |_| ControlFlow::Continue(())).await?;
    assert_eq!(done.executed.len(), 2);
    check_balances(&env, &payouts).await;
    // And now the chain shows all 8 paid: a plan of the same rows is flagged row by row.
    let known = BTreeMap::from([(old.root(), chunks.clone())]);
    let history = plan_history(env.provider(), env.module, env.safe.address, &known).await?;
    assert_eq!(history.paid.len(), 8);
    assert!(history.pending.is_empty());
    assert_eq!(repeated_payouts(&chunks, &history).len(), 8);
    Ok(())
}

/// The re-plan of `old` after `executed` chunks ran: a plan of its `pending` chunks and the one
/// Safe tx `[revokePlanAt(old, executed), approvePlan(new)]`.
async fn replan_tx(
    env: &Env,
    old: &PlanChunks,
    chunks: &[Bytes],
    executed: u32,
    pending: &[u32],
) -> Result<(PlanChunks, coffer_core::SafeTx), Box<dyn std::error::Error>> {
    let unpaid: Vec<Bytes> = pending.iter().map(|i| chunks[*i as usize].clone()).collect();
    let new = PlanChunks::new(env.domain(), unpaid)?;
    let caps = plan_totals(new.chunks())?.exact_caps()?;
    let info = read_safe(env.provider(), env.safe.address).await?;
    let calls = vec![
        (env.module, revoke_plan_at_calldata(old.root(), executed)),
        (
            env.module,
            approve_plan_calldata(
                new.root(),
                new.chunk_count(),
                env.now().await + 3600,
                new.domain().salt,
                &caps,
            ),
        ),
    ];
    let tx =
        plan_approval_tx(&info, env.module, env.suite.multi_send_call_only, calls, info.nonce)?;
    Ok((new, tx))
}

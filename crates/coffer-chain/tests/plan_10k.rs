//! A 10,000-row payout plan on a real anvil that enforces the EIP-7825 per-transaction cap
//! (`--hardfork osaka --enable-tx-gas-limit`), once per Safe implementation: planned under
//! 16,777,216 gas with a per-transfer cost measured on chain, approved by one Safe tx with 2
//! signatures, run to the end by an executor that is not an owner, every balance checked.
#![allow(clippy::unwrap_used, clippy::panic)]

mod plan_common;

use coffer_chain::{
    plan::{PlanStatus, RunEvent, TX_GAS_CAP, read_plan, run_plan},
    test_utils::Implementation,
};
use core::ops::ControlFlow;
use plan_common::{Env, TestResult};
use std::time::Instant;

on_both!(ten_thousand_rows);

async fn ten_thousand_rows(imp: Implementation) -> TestResult {
    let t0 = Instant::now();
    let env = Env::new(imp).await?;
    let payouts = env.payouts("10k", 10_000);
    let total: alloy::primitives::U256 = payouts.iter().map(|p| p.1).sum();
    env.mint(env.safe.address, total).await;
    let entries = env.entries(&payouts);
    let (inner, chunks) = env.chunk(&entries).await;
    let setup = t0.elapsed();

    // One approval: one Safe tx, 2 signatures. The caps are the plan's exact totals.
    let (plan, totals, approval) = env.approve(chunks, 7 * 24 * 3600).await;
    assert!(approval.success);
    assert_eq!(totals.transfers, 10_000);
    assert_eq!(totals.totals[&env.token], total);
    let count = plan.chunk_count();
    assert!((17..=22).contains(&count), "{count} chunks for 10,000 transfers");

    // Run it. The executor (account 9) is not an owner: anyone may execute.
    let executor = env.chain.address(9);
    let mut events = Vec::new();
    let t1 = Instant::now();
    let report = run_plan(env.provider(), &plan, executor, |e| {
        events.push(e.clone());
        ControlFlow::Continue(())
    })
    .await?;
    let run = t1.elapsed();
    assert!(report.is_complete());
    assert_eq!(report.done_before, 0);
    assert_eq!(report.executed.len(), count as usize);
    assert!(
        matches!(&events[0], RunEvent::Started { total, done: 0, pending } if *total == count && pending.len() == count as usize)
    );
    let sent = events.iter().filter(|e| matches!(e, RunEvent::Sent { .. })).count();
    assert_eq!(sent, count as usize);
    let mut entries_run = 0;
    for (i, r) in report.executed.iter().enumerate() {
        assert_eq!(r.index as usize, i, "chunks run in index order");
        assert!(r.gas_used <= TX_GAS_CAP, "chunk {i} used {} gas", r.gas_used);
        assert!(r.gas_limit <= TX_GAS_CAP);
        entries_run += r.entries;
    }
    assert_eq!(entries_run, 10_000);
    // The planning budget is conservative but not wasteful: the fullest chunk uses most of the cap.
    let fullest = report.executed.iter().map(|r| r.gas_used).max().unwrap();
    assert!(fullest > TX_GAS_CAP * 85 / 100, "fullest chunk used only {fullest} gas");

    let state = read_plan(env.provider(), env.module, env.safe.address, plan.root()).await?;
    assert_eq!(state.status, PlanStatus::Completed);
    assert_eq!(state.executed_count, count);
    assert!(state.pending().is_empty());
    assert_eq!(state.caps.len(), 1);
    assert_eq!(state.caps[0].spent, total);

    // Every recipient got exactly its amount; the Safe paid exactly the total.
    let t2 = Instant::now();
    plan_common::check_balances(&env, &payouts).await;
    assert_eq!(env.balance(env.safe.address).await, alloy::primitives::U256::ZERO);
    let check = t2.elapsed();

    // A second run finds nothing to do and sends nothing.
    let again = run_plan(env.provider(), &plan, executor, |_| ControlFlow::Continue(())).await?;
    assert!(again.executed.is_empty() && again.is_complete());
    assert_eq!(again.done_before, count);

    eprintln!(
        "{imp}: 10,000 payouts, {count} chunks, {inner} gas per transfer inside the Safe, {} gas in total \
         (approval {}), setup {setup:.1?}, run {run:.1?}, balance check {check:.1?}, total {:.1?}",
        report.gas_used,
        approval.gas_used,
        t0.elapsed()
    );
    Ok(())
}

//! A payout plan run that is stopped, killed mid-transaction and raced by a rival executor, then
//! resumed from the on-chain bitmap, once per Safe implementation: every payout is made exactly
//! once (each recipient holds exactly its amount and the Safe ends with nothing), none is lost.
#![allow(clippy::unwrap_used, clippy::panic)]

mod plan_common;

use alloy::primitives::U256;
use coffer_chain::{
    plan::{PlanStatus, RunEvent, execute_chunk, plan_chunks, read_plan, run_plan},
    test_utils::Implementation,
};
use core::ops::ControlFlow;
use plan_common::{Env, TestResult, check_balances};

on_both!(killed_and_resumed);

async fn killed_and_resumed(imp: Implementation) -> TestResult {
    let env = Env::new(imp).await?;
    let payouts = env.payouts("resume", 600);
    let total: U256 = payouts.iter().map(|p| p.1).sum();
    env.mint(env.safe.address, total).await;
    let entries = env.entries(&payouts);
    let (inner, _) = env.chunk(&entries[..32]).await;
    // Small chunks (a 2M-gas budget), so the plan has many.
    let chunks = plan_chunks(&entries, inner, 2_000_000)?;
    let (plan, _, _) = env.approve(chunks, 3600).await;
    let count = plan.chunk_count();
    assert!(count >= 8, "{count} chunks");
    let sizes: Vec<usize> = plan
        .chunks()
        .iter()
        .map(|c| coffer_core::MultiSendBatch::decode_packed(c).unwrap().entries.len())
        .collect();
    let paid_through = |chunks: usize| -> usize { sizes[..chunks].iter().sum() };
    let executor = env.chain.address(9);

    // Run 1: stopped by its caller after 3 chunks.
    let mut executed = 0;
    let first = run_plan(env.provider(), &plan, executor, |e| {
        if matches!(e, RunEvent::Executed(_)) {
            executed += 1;
        }
        if executed == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    })
    .await?;
    assert_eq!(first.executed.len(), 3);
    assert_eq!(first.remaining, (3..count).collect::<Vec<_>>());
    assert!(!first.is_complete());
    let n = paid_through(3);
    check_balances(&env, &payouts[..n]).await;
    for (to, _) in &payouts[n..] {
        assert_eq!(env.balance(*to).await, U256::ZERO);
    }

    // Run 2: killed (its task aborted) right after chunk 3's transaction was sent, before it
    // saw the receipt.
    let (tx_sent, rx_sent) = tokio::sync::oneshot::channel::<u32>();
    let mut tx_sent = Some(tx_sent);
    let provider = env.provider().clone();
    let plan2 = plan.clone();
    let task = tokio::spawn(async move {
        run_plan(&provider, &plan2, executor, move |e| {
            if let RunEvent::Sent { index, .. } = e
                && let Some(tx) = tx_sent.take()
            {
                let _ = tx.send(*index);
            }
            ControlFlow::Continue(())
        })
        .await
    });
    let killed_at = rx_sent.await?;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled(), "the run was killed before it finished");
    assert_eq!(killed_at, 3);
    let state = read_plan(env.provider(), env.module, env.safe.address, plan.root()).await?;
    let after_kill = state.executed_count;
    assert!(after_kill >= 4, "chunk 3 was mined (automine), so its bit is set: {after_kill}");
    assert!(after_kill < count, "the kill left chunks to do");

    // Run 3: resumes from the bitmap; a rival executor runs the next pending chunk right after
    // run 3 read the bitmap, so run 3 meets ChunkAlreadyExecuted and skips it.
    let rival = env.chain.address(8);
    let rival_chunk = after_kill;
    let mut events = Vec::new();
    let third = run_plan(env.provider(), &plan, executor, |e| {
        if let RunEvent::Started { .. } = e {
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async {
                    execute_chunk(env.provider(), &plan, rival_chunk, rival).await.unwrap();
                })
            });
        }
        events.push(e.clone());
        ControlFlow::Continue(())
    })
    .await?;
    assert!(third.is_complete());
    assert_eq!(third.done_before, after_kill);
    assert_eq!(third.already_executed, vec![rival_chunk]);
    assert!(events.contains(&RunEvent::AlreadyExecuted { index: rival_chunk }));
    let ran: Vec<u32> = third.executed.iter().map(|r| r.index).collect();
    assert_eq!(ran, (after_kill + 1..count).collect::<Vec<_>>());

    // Exactly once each, none lost: every recipient holds its amount, the Safe holds nothing.
    check_balances(&env, &payouts).await;
    assert_eq!(env.balance(env.safe.address).await, U256::ZERO);
    let state = read_plan(env.provider(), env.module, env.safe.address, plan.root()).await?;
    assert_eq!(state.status, PlanStatus::Completed);
    assert_eq!(state.executed_count, count);
    assert_eq!(state.caps[0].spent, total);
    Ok(())
}

//! Benchmark: a 10,000-row ERC-20 payout paid through a payout plan (one approval, then anyone
//! runs the chunks) against the same chunks paid as separate Safe transactions (each signed by
//! 2 owners), on anvil with the EIP-7825 cap (`--hardfork osaka --enable-tx-gas-limit`), for
//! coffer's suite and canonical Safe 1.4.1. Fresh recipients for both methods.
//!
//! ```text
//! script/bootstrap
//! cargo run -p coffer-chain --example plan_bench -- [ROWS]
//! ```
//!
//! Prints a markdown table (stdout). Wall time is this machine's time to build, sign locally and
//! execute; with hardware wallets each device confirmation adds a person's time on top.
#![allow(clippy::unwrap_used, clippy::panic, dead_code, unreachable_pub)]

#[path = "../tests/plan_common/mod.rs"]
mod plan_common;

use alloy::primitives::U256;
use coffer_chain::{
    plan::{TX_GAS_CAP, run_plan},
    test_utils::Implementation,
};
use coffer_core::MultiSendBatch;
use core::ops::ControlFlow;
use plan_common::{Env, check_balances};
use std::time::{Duration, Instant};

struct Row {
    imp: Implementation,
    method: &'static str,
    safe_txs: usize,
    confirmations: usize,
    eth_txs: usize,
    gas: u64,
    wall: Duration,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: u64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(10_000);
    let threshold = 2;
    let mut table = Vec::new();
    for imp in Implementation::ALL {
        let env = Env::new(imp).await?;

        // Payout plan: build (measure, chunk, root), one approval Safe tx, run every chunk.
        let payouts = env.payouts("bench-plan", rows);
        let total: U256 = payouts.iter().map(|p| p.1).sum();
        env.mint(env.safe.address, total).await;
        let t = Instant::now();
        let entries = env.entries(&payouts);
        let (_, chunks) = env.chunk(&entries).await;
        let same_chunks = chunks.clone();
        let (plan, _, approval) = env.approve(chunks, 24 * 3600).await;
        let report =
            run_plan(env.provider(), &plan, env.chain.address(9), |_| ControlFlow::Continue(()))
                .await?;
        let wall = t.elapsed();
        assert!(report.is_complete());
        check_balances(&env, &payouts).await;
        table.push(Row {
            imp,
            method: "payout plan (1 approval + chunks)",
            safe_txs: 1,
            confirmations: threshold,
            eth_txs: 1 + report.executed.len(),
            gas: approval.gas_used + report.gas_used,
            wall,
        });

        // The same chunks (the same rows, fresh recipients), each its own Safe tx.
        let payouts = env.payouts("bench-safe-txs", rows);
        env.mint(env.safe.address, total).await;
        let t = Instant::now();
        let entries = env.entries(&payouts);
        let mut gas = 0;
        let mut offset = 0;
        for chunk in &same_chunks {
            let n = MultiSendBatch::decode_packed(chunk)?.entries.len();
            let batch = MultiSendBatch::call_only(entries[offset..offset + n].to_vec())?;
            offset += n;
            let tx = batch.into_safe_tx(env.suite.multi_send_call_only, env.nonce().await);
            let r = env.exec(&tx).await?;
            assert!(r.success && r.gas_used <= TX_GAS_CAP);
            gas += r.gas_used;
        }
        let wall = t.elapsed();
        check_balances(&env, &payouts).await;
        table.push(Row {
            imp,
            method: "separate Safe txs (one per chunk)",
            safe_txs: same_chunks.len(),
            confirmations: threshold * same_chunks.len(),
            eth_txs: same_chunks.len(),
            gas,
            wall,
        });
    }
    println!(
        "| Safe | method ({rows} ERC-20 payouts, 2-of-3) | Safe txs to sign | device confirmations | Ethereum txs | total gas | wall time |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in &table {
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.1} s |",
            r.imp,
            r.method,
            r.safe_txs,
            r.confirmations,
            r.eth_txs,
            group(r.gas),
            r.wall.as_secs_f64()
        );
    }
    Ok(())
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

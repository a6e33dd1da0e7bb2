//! The relay and `execute_ready` against a real anvil, coffer's compiled suite and a real SQLite
//! store: nonce order, a failing simulation skipped and reported, a same-nonce replacement
//! executed instead, the gas-price ceiling, the budget, and shutdown.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use coffer_chain::{
    safe_nonce,
    test_utils::{ETHER, Implementation, TestChain, TestSafe},
};
use coffer_core::SafeTx;
use coffer_queue::{
    ExecuteOptions, Readiness, Relay, RelayConfig, RelayEvent, RoundOutcome, execute_ready,
};
use coffer_store::{ProposalMeta, ProposalStatus, Store};
use tokio::sync::watch;

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Setup {
    chain: TestChain,
    safe: TestSafe,
    store: Store,
    _dir: tempfile::TempDir,
}

/// A 2-of-3 Safe (owners: dev accounts 1..=3) holding 10 ETH, and an empty store.
async fn setup() -> Result<Setup, Box<dyn std::error::Error>> {
    let chain = TestChain::spawn().await?;
    let suite = chain.deploy_suite(Implementation::Coffer).await?;
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    chain.fund(safe.address, U256::from(10) * ETHER).await?;
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    Ok(Setup { chain, safe, store, _dir: dir })
}

/// Stores `tx` with the signatures of the owners at `signers`.
fn propose(s: &Setup, tx: &SafeTx, signers: &[usize]) -> alloy::primitives::B256 {
    let hash = s.store.insert_proposal(&s.safe.ctx, tx, &ProposalMeta::default()).unwrap();
    for sig in s.safe.sign_by(tx, signers).unwrap() {
        s.store.add_signature(hash, &sig).unwrap();
    }
    hash
}

fn config(s: &Setup) -> RelayConfig {
    RelayConfig {
        safe: s.safe.address,
        execute: ExecuteOptions::new(s.safe.suite.simulate_tx_accessor),
        budget: None,
        poll_interval: Duration::from_millis(100),
    }
}

fn pay(to: u8, wei: u64, nonce: u64) -> SafeTx {
    SafeTx::call(Address::repeat_byte(to), U256::from(wei), vec![], U256::from(nonce))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_executes_in_nonce_order_and_skips_a_failing_simulation() -> TestResult {
    let s = setup().await?;
    // Stored out of order: nonce 2 first, then 0, then a failing nonce 1 (more ETH than the
    // Safe holds), then a replacement for nonce 1. Nonce 3 has one signature of two.
    let n2 = propose(&s, &pay(0xa2, 2, 2), &[1, 2]);
    let n0 = propose(&s, &pay(0xa0, 1, 0), &[0, 1]);
    let failing = propose(&s, &pay(0xbb, 0, 1).tap_value(U256::from(1000) * ETHER), &[0, 2]);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let n1 = propose(&s, &pay(0xa1, 3, 1), &[0, 2]);
    let n3 = propose(&s, &pay(0xa3, 4, 3), &[0]);

    let provider = s.chain.provider().clone();
    let executor = s.chain.deployer();
    let store = Store::open(s.store.path().parent().unwrap())?;
    let mut relay = Relay::new(provider.clone(), executor, store, s.chain.chain_id(), config(&s));
    let (_tx, rx) = watch::channel(false);
    let mut events = Vec::new();
    let summary = relay.run(rx, true, |e| events.push(e.clone())).await?;

    let order: Vec<_> = summary.executed.iter().map(|e| (e.nonce, e.hash)).collect();
    assert_eq!(
        order,
        vec![(U256::from(0), n0), (U256::from(1), n1), (U256::from(2), n2)],
        "events: {events:?}"
    );
    assert!(summary.executed.iter().all(|e| e.report.success && e.cost > U256::ZERO));
    assert_eq!(summary.spent, summary.executed.iter().map(|e| e.cost).sum::<U256>());
    assert_eq!(summary.skipped.len(), 1, "{events:?}");
    assert_eq!(summary.skipped[0].0, failing);
    assert!(summary.skipped[0].1.contains("simulation"), "{}", summary.skipped[0].1);
    // On chain: nonce 3 is next (one signature of two, not executed), the payments landed.
    assert_eq!(safe_nonce(&provider, s.safe.address).await?, U256::from(3));
    assert_eq!(provider.get_balance(Address::repeat_byte(0xa1)).await?, U256::from(3));
    assert_eq!(provider.get_balance(Address::repeat_byte(0xbb)).await?, U256::ZERO);
    // In the store: executed with the receipts' transaction hashes; the others still pending.
    for e in &summary.executed {
        let ProposalStatus::Executed { tx_hash, .. } = s.store.status(e.hash)? else {
            panic!("{} is not recorded as executed", e.hash);
        };
        assert_eq!(tx_hash, e.report.tx_hash);
    }
    assert_eq!(s.store.status(failing)?, ProposalStatus::Pending);
    assert_eq!(s.store.status(n3)?, ProposalStatus::Pending);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ceiling_budget_and_readiness_stop_a_send() -> TestResult {
    let s = setup().await?;
    let provider = s.chain.provider().clone();
    let executor = s.chain.deployer();
    let hash = propose(&s, &pay(0xc0, 1, 0), &[0]);

    // One signature of two: not ready, nothing sent.
    let options = ExecuteOptions::new(s.safe.suite.simulate_tx_accessor);
    let (r, sent) = execute_ready(&provider, &s.store, hash, &options, executor).await?;
    assert_eq!(r, Readiness::NotReady { valid: 1, threshold: 2 });
    assert!(sent.is_none());
    for sig in s.safe.sign_by(&pay(0xc0, 1, 0), &[1])? {
        s.store.add_signature(hash, &sig)?;
    }

    // A ceiling of 1 wei per gas: the node's price is above it, the relay waits.
    let mut cfg = config(&s);
    cfg.execute.max_fee_per_gas = Some(1);
    let store = Store::open(s.store.path().parent().unwrap())?;
    let mut relay = Relay::new(provider.clone(), executor, store, s.chain.chain_id(), cfg);
    let mut events = Vec::new();
    assert_eq!(relay.round(&mut |e| events.push(e.clone())).await?, RoundOutcome::Idle);
    assert!(
        matches!(events.as_slice(), [RelayEvent::GasPriceTooHigh { ceiling: 1, .. }]),
        "{events:?}"
    );

    // A budget of 1000 wei: the execution's worst case does not fit, the relay stops.
    let mut cfg = config(&s);
    cfg.budget = Some(U256::from(1000));
    let store = Store::open(s.store.path().parent().unwrap())?;
    let mut relay = Relay::new(provider.clone(), executor, store, s.chain.chain_id(), cfg);
    let (_tx, rx) = watch::channel(false);
    let summary = relay.run(rx, false, |_| {}).await?;
    assert!(summary.budget_exhausted);
    assert!(summary.executed.is_empty());
    assert_eq!(safe_nonce(&provider, s.safe.address).await?, U256::ZERO);

    // A ceiling well above the price and a budget that fits: executed, paid at most the ceiling.
    let mut cfg = config(&s);
    cfg.execute.max_fee_per_gas = Some(1_000_000_000_000);
    cfg.budget = Some(ETHER);
    let store = Store::open(s.store.path().parent().unwrap())?;
    let mut relay = Relay::new(provider.clone(), executor, store, s.chain.chain_id(), cfg);
    let (_tx, rx) = watch::channel(false);
    let summary = relay.run(rx, true, |_| {}).await?;
    assert_eq!(summary.executed.len(), 1);
    let e = &summary.executed[0];
    assert!(e.cost <= U256::from(e.report.gas_used) * U256::from(1_000_000_000_000u64));
    assert_eq!(safe_nonce(&provider, s.safe.address).await?, U256::from(1));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_a_watching_relay() -> TestResult {
    let s = setup().await?;
    let provider = s.chain.provider().clone();
    let store = Store::open(s.store.path().parent().unwrap())?;
    let mut relay = Relay::new(provider, s.chain.deployer(), store, s.chain.chain_id(), config(&s));
    let (tx, rx) = watch::channel(false);
    // Taken before the stopper starts its 400 ms: taken after, the stopper's clock could run ahead of it.
    let started = std::time::Instant::now();
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        tx.send(true).unwrap();
        // Keep the sender alive until the relay has seen it.
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let summary = tokio::time::timeout(Duration::from_secs(3), relay.run(rx, false, |_| {}))
        .await
        .expect("the relay did not stop within 3 s of the shutdown signal")?;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(summary.rounds >= 2, "it watched: {} rounds", summary.rounds);
    stopper.abort();
    Ok(())
}

trait TapValue {
    fn tap_value(self, value: U256) -> Self;
}

impl TapValue for SafeTx {
    fn tap_value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nonce_is_sent_at_most_once() -> TestResult {
    let s = setup().await?;
    let provider = s.chain.provider().clone();
    // The executor (dev account 8) has no ETH: the send fails after every check passed.
    let executor = s.chain.address(8);
    let set_balance = |wei: U256| {
        let provider = provider.clone();
        async move {
            provider
                .raw_request::<_, serde_json::Value>("anvil_setBalance".into(), (executor, wei))
                .await
        }
    };
    set_balance(U256::ZERO).await?;
    let hash = propose(&s, &pay(0xd0, 1, 0), &[0, 1]);
    let store = Store::open(s.store.path().parent().unwrap())?;
    let mut relay = Relay::new(provider.clone(), executor, store, s.chain.chain_id(), config(&s));
    let mut events = Vec::new();
    assert_eq!(relay.round(&mut |e| events.push(e.clone())).await?, RoundOutcome::Idle);
    assert!(
        matches!(events.as_slice(), [RelayEvent::Failed { hash: h, .. }] if *h == hash),
        "{events:?}"
    );
    // Funded again, with a second ready proposal for the same nonce: nothing more is sent.
    set_balance(ETHER).await?;
    propose(&s, &pay(0xd1, 1, 0), &[0, 2]);
    events.clear();
    for _ in 0..3 {
        assert_eq!(relay.round(&mut |e| events.push(e.clone())).await?, RoundOutcome::Idle);
    }
    assert!(events.is_empty(), "{events:?}");
    // A restarted relay (a new process: new memory, the store reopened) does not send that nonce either.
    drop(relay);
    let store = Store::open(s.store.path().parent().unwrap())?;
    assert_eq!(store.relay_claim(s.chain.chain_id(), s.safe.address, U256::ZERO)?, Some(hash));
    let mut restarted =
        Relay::new(provider.clone(), executor, store, s.chain.chain_id(), config(&s));
    for _ in 0..3 {
        assert_eq!(restarted.round(&mut |e| events.push(e.clone())).await?, RoundOutcome::Idle);
    }
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(safe_nonce(&provider, s.safe.address).await?, U256::ZERO);
    assert_eq!(provider.get_transaction_count(executor).await?, 0, "no transaction was sent");
    Ok(())
}

//! The relay: watches one Safe's queue and executes what is ready, in nonce order.
//!
//! Each round reads the Safe's nonce and looks only at the pending proposals with exactly that
//! nonce (a later nonce cannot execute first), oldest first. The first one that is ready
//! ([`prepare_ready`]: signatures verified on chain, simulation succeeds, gas price under the
//! ceiling) is sent if its worst-case cost fits in what is left of the budget. A proposal that
//! must not be sent (failing simulation, refused delegatecall, would revert) is reported once
//! and skipped. The relay sends at most one transaction per nonce, even if that send fails: the
//! next attempt is left to a person. The claim is recorded in the store before the send
//! ([`coffer_store::Store::claim_relay_nonce`]), so a restarted relay, or a second one on the same
//! store, does not send that nonce again.

use std::{
    collections::{BTreeSet, HashSet},
    time::Duration,
};

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use coffer_chain::safe_nonce;
use coffer_store::{ProposalStatus, Store};
use tokio::sync::watch;

use crate::{
    Result,
    execute::{ExecuteOptions, Executed, Readiness, prepare_ready, send_ready},
};

/// What the relay does and within which limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayConfig {
    /// The Safe whose queue is watched.
    pub safe: Address,
    /// Simulation accessor, delegatecall allow-list and gas-price ceiling.
    pub execute: ExecuteOptions,
    /// The most the relay may spend on gas over its lifetime, in wei. A transaction whose
    /// worst-case cost (gas limit × price) does not fit in what is left is not sent, and the
    /// relay stops.
    pub budget: Option<U256>,
    /// How long to wait between two rounds when nothing was executed.
    pub poll_interval: Duration,
}

/// Something the relay did or decided, for the caller to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayEvent {
    /// A proposal was executed.
    Executed(Executed),
    /// A proposal must not be sent; it is skipped from now on (reported once).
    Skipped {
        /// The safeTxHash.
        hash: B256,
        /// Its nonce.
        nonce: U256,
        /// Why.
        reason: String,
    },
    /// Sending failed (the nonce is not retried by this relay).
    Failed {
        /// The safeTxHash.
        hash: B256,
        /// Its nonce.
        nonce: U256,
        /// The error.
        error: String,
    },
    /// The node's gas price is above the ceiling; the relay waits (reported when it changes).
    GasPriceTooHigh {
        /// The node's price, in wei per gas.
        price: u128,
        /// The ceiling.
        ceiling: u128,
    },
    /// The next execution does not fit in the budget; the relay stops.
    BudgetExhausted {
        /// The safeTxHash that was not sent.
        hash: B256,
        /// Its worst-case cost, in wei.
        needed: U256,
        /// What was left of the budget, in wei.
        left: U256,
    },
    /// Something outside the relay's own store (a Transaction Service) was read into it; the
    /// text says what (and names anything refused).
    Note(String),
}

/// What one round did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundOutcome {
    /// A transaction was executed: run the next round at once.
    Progress,
    /// Nothing to do now: wait for the next round.
    Idle,
    /// The relay must stop (budget exhausted).
    Stop,
}

/// What the relay did over its lifetime, from [`Relay::run`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelaySummary {
    /// The executions, in order.
    pub executed: Vec<Executed>,
    /// The proposals skipped, with the reason.
    pub skipped: Vec<(B256, String)>,
    /// Gas paid, in wei.
    pub spent: U256,
    /// Rounds run.
    pub rounds: u64,
    /// Whether it stopped because the budget was exhausted.
    pub budget_exhausted: bool,
}

/// A hook the relay calls at the start of every round, before reading the store: a
/// Transaction Service import (see the CLI's `coffer relay --tx-service`) puts the service's
/// verified proposals and signatures into the store here, and returns notes to report.
pub trait Refresh {
    /// Brings the store up to date; returns notes for the user.
    fn refresh(&mut self, store: &Store) -> impl std::future::Future<Output = Result<Vec<String>>>;
}

/// No refresh: the relay reads the local store only.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalOnly;

impl Refresh for LocalOnly {
    async fn refresh(&mut self, _store: &Store) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// The relay for one Safe, sending from `executor` through `provider` (which must sign for it).
#[derive(Debug)]
pub struct Relay<P, R = LocalOnly> {
    provider: P,
    executor: Address,
    store: Store,
    chain_id: u64,
    config: RelayConfig,
    refresh: R,
    attempted: BTreeSet<U256>,
    reported: HashSet<B256>,
    last_price_event: Option<u128>,
    summary: RelaySummary,
}

impl<P: Provider> Relay<P, LocalOnly> {
    /// A relay over the local store.
    pub fn new(
        provider: P,
        executor: Address,
        store: Store,
        chain_id: u64,
        config: RelayConfig,
    ) -> Self {
        Self::with_refresh(provider, executor, store, chain_id, config, LocalOnly)
    }
}

impl<P: Provider, R: Refresh> Relay<P, R> {
    /// A relay whose store is refreshed by `refresh` at the start of every round.
    pub fn with_refresh(
        provider: P,
        executor: Address,
        store: Store,
        chain_id: u64,
        config: RelayConfig,
        refresh: R,
    ) -> Self {
        Self {
            provider,
            executor,
            store,
            chain_id,
            config,
            refresh,
            attempted: BTreeSet::new(),
            reported: HashSet::new(),
            last_price_event: None,
            summary: RelaySummary::default(),
        }
    }

    /// What the relay has done so far.
    pub fn summary(&self) -> &RelaySummary {
        &self.summary
    }

    fn emit(&mut self, event: RelayEvent, on_event: &mut impl FnMut(&RelayEvent)) {
        match &event {
            RelayEvent::Executed(e) => {
                self.summary.spent += e.cost;
                self.summary.executed.push(e.clone());
            }
            RelayEvent::Skipped { hash, reason, .. }
            | RelayEvent::Failed { hash, error: reason, .. } => {
                self.summary.skipped.push((*hash, reason.clone()));
            }
            RelayEvent::BudgetExhausted { .. } => self.summary.budget_exhausted = true,
            RelayEvent::GasPriceTooHigh { .. } | RelayEvent::Note(_) => {}
        }
        on_event(&event);
    }

    /// One round: refresh, read the Safe's nonce, try the pending proposals of that nonce.
    pub async fn round(&mut self, on_event: &mut impl FnMut(&RelayEvent)) -> Result<RoundOutcome> {
        self.summary.rounds += 1;
        for note in self.refresh.refresh(&self.store).await? {
            self.emit(RelayEvent::Note(note), on_event);
        }
        let safe = self.config.safe;
        let current = safe_nonce(&self.provider, safe).await?;
        if self.attempted.contains(&current)
            || self.store.relay_claim(self.chain_id, safe, current)?.is_some()
        {
            return Ok(RoundOutcome::Idle);
        }
        let mut candidates: Vec<_> = self
            .store
            .proposals_for_safe(self.chain_id, safe)?
            .into_iter()
            .filter(|p| p.status == ProposalStatus::Pending && p.tx.nonce == current)
            .filter(|p| !self.reported.contains(&p.hash))
            .collect();
        candidates.sort_by_key(|p| (p.created_at_ms, p.hash));
        for p in candidates {
            let readiness = prepare_ready(
                &self.provider,
                &self.store,
                p.hash,
                &self.config.execute,
                self.executor,
            )
            .await?;
            match readiness {
                Readiness::Ready(ready) => {
                    let needed = ready.max_cost(self.config.execute.max_fee_per_gas);
                    if let Some(budget) = self.config.budget {
                        let left = budget.saturating_sub(self.summary.spent);
                        if needed > left {
                            self.emit(
                                RelayEvent::BudgetExhausted { hash: p.hash, needed, left },
                                on_event,
                            );
                            return Ok(RoundOutcome::Stop);
                        }
                    }
                    self.attempted.insert(current);
                    // Recorded in the store before sending: a restarted relay (or another one on this store)
                    // does not send this nonce again.
                    if !self.store.claim_relay_nonce(self.chain_id, safe, current, p.hash)? {
                        return Ok(RoundOutcome::Idle);
                    }
                    let sent = send_ready(
                        &self.provider,
                        &self.store,
                        &ready,
                        self.config.execute.max_fee_per_gas,
                    )
                    .await;
                    return match sent {
                        Ok(executed) => {
                            self.emit(RelayEvent::Executed(executed), on_event);
                            Ok(RoundOutcome::Progress)
                        }
                        Err(e) => {
                            self.reported.insert(p.hash);
                            self.emit(
                                RelayEvent::Failed {
                                    hash: p.hash,
                                    nonce: current,
                                    error: e.to_string(),
                                },
                                on_event,
                            );
                            Ok(RoundOutcome::Idle)
                        }
                    };
                }
                Readiness::Refused(reason) => {
                    self.reported.insert(p.hash);
                    self.emit(
                        RelayEvent::Skipped { hash: p.hash, nonce: current, reason },
                        on_event,
                    );
                }
                Readiness::GasPriceTooHigh { price, ceiling } => {
                    if self.last_price_event != Some(price) {
                        self.last_price_event = Some(price);
                        self.emit(RelayEvent::GasPriceTooHigh { price, ceiling }, on_event);
                    }
                    return Ok(RoundOutcome::Idle);
                }
                Readiness::NotReady { .. } | Readiness::NotNext { .. } | Readiness::Done => {}
            }
        }
        Ok(RoundOutcome::Idle)
    }

    /// Runs rounds until `shutdown` turns true (checked between rounds and during the wait, never
    /// in the middle of a send: an execution in flight is waited for) or the budget is
    /// exhausted. With `once`, runs until a round has nothing left to execute.
    pub async fn run(
        &mut self,
        mut shutdown: watch::Receiver<bool>,
        once: bool,
        mut on_event: impl FnMut(&RelayEvent),
    ) -> Result<RelaySummary> {
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.round(&mut on_event).await? {
                RoundOutcome::Progress => continue,
                RoundOutcome::Stop => break,
                RoundOutcome::Idle if once => break,
                RoundOutcome::Idle => {}
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.poll_interval) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        // The sender is gone: nobody can ask to stop any more; keep polling.
                        tokio::time::sleep(self.config.poll_interval).await;
                    }
                }
            }
        }
        Ok(self.summary.clone())
    }
}

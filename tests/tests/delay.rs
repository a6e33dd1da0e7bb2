//! Issue 17, the time-lock: coffer's `CofferDelay` and the canonical Zodiac Delay 1.0.1 (npm
//! `@gnosis.pm/zodiac@4.0.3` bytecode, proxied through the real ModuleProxyFactory), each on coffer's
//! Safe and on canonical Safe 1.4.1, on anvil with controlled block time. Every scenario of
//! MODULES.md §2 "Tests" runs on the four combinations and must give the same results (the same
//! revert strings included): the Delay is differential. Then the CLI (`coffer delay …`) on one
//! combination: deploy, status, propose, queue (re-hashed, flagged), veto through the normal
//! propose/sign/execute flow, execute-next, skip-expired, watch.

#![allow(clippy::unwrap_used, clippy::panic, clippy::too_many_lines)]

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};
use coffer_chain::{
    SuiteAddresses,
    delay::{self, DelayParams, DelayStatus, QueueFlag, QueueState},
    read_safe,
    test_utils::{ETHER, Implementation, TestChain, TestSafe},
};
use coffer_contracts::bindings::{IDelay, ISafe};
use coffer_core::{Operation, SafeTx};

/// The two tests of a scenario: on coffer's Safe and on canonical 1.4.1.
macro_rules! on_coffer_and_canonical_141 {
    ($scenario:ident => $coffer:ident, $canonical:ident) => {
        #[tokio::test(flavor = "multi_thread")]
        async fn $coffer() {
            $scenario(Implementation::Coffer).await;
        }

        #[tokio::test(flavor = "multi_thread")]
        async fn $canonical() {
            $scenario(Implementation::Canonical141).await;
        }
    };
}

const COOLDOWN: u64 = 100;
const EXPIRATION: u64 = 1_000;
const PROPOSER: usize = 5;
const ANYONE: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DelayImpl {
    Coffer,
    Zodiac,
}

struct Env<'a> {
    chain: &'a TestChain,
    safe: TestSafe,
    delay: Address,
    label: String,
}

impl Env<'_> {
    fn p(&self) -> &alloy::providers::DynProvider {
        self.chain.provider()
    }

    async fn status(&self) -> DelayStatus {
        delay::read_delay(self.p(), self.delay).await.unwrap()
    }

    /// Executes `build(nonce)` as a Safe transaction signed by owners 0 and 1.
    async fn safe_exec(&self, build: impl FnOnce(U256) -> SafeTx) {
        let nonce = read_safe(self.p(), self.safe.address).await.unwrap().nonce;
        let tx = build(nonce);
        self.safe.execute(self.p(), &tx, &[0, 1], self.chain.deployer()).await.unwrap();
    }

    /// The revert reason of calling the Delay with `data` from `from` (None: it would succeed).
    async fn reason(&self, from: Address, data: Vec<u8>) -> Option<String> {
        self.chain
            .revert_reason(
                TransactionRequest::default().with_from(from).with_to(self.delay).with_input(data),
            )
            .await
            .unwrap()
    }

    /// Sends with a fixed gas limit (no estimate at the latest block's time, so a timestamp set
    /// for the next block counts).
    async fn send(&self, from: Address, data: Vec<u8>) {
        self.chain
            .send_tx(
                TransactionRequest::default()
                    .with_from(from)
                    .with_to(self.delay)
                    .with_input(data)
                    .with_gas_limit(2_000_000),
            )
            .await
            .unwrap();
    }

    async fn propose(&self, to: Address, value: U256, data: Bytes, op: Operation) -> u64 {
        delay::propose(self.p(), self.delay, self.chain.address(PROPOSER), to, value, data, op)
            .await
            .unwrap()
    }

    async fn created_at(&self, index: u64) -> u64 {
        let d = IDelay::new(self.delay, self.p());
        d.txCreatedAt(U256::from(index)).call().await.unwrap().to::<u64>()
    }

    fn exec_data(to: Address, value: U256, data: Bytes, operation: u8) -> Vec<u8> {
        IDelay::executeNextTxCall { to, value, data, operation }.abi_encode()
    }

    async fn balance(&self, a: Address) -> U256 {
        self.p().get_balance(a).await.unwrap()
    }

    async fn nonces(&self) -> (u64, u64) {
        let s = self.status().await;
        (s.tx_nonce, s.queue_nonce)
    }
}

fn reason_has(r: &Option<String>, needle: &str, label: &str) {
    let r = r.as_deref().unwrap_or("<no revert>");
    assert!(r.contains(needle), "{label}: expected a revert with {needle:?}, got {r:?}");
}

/// Deploys a Delay of `which` for the Safe with the default cooldown/expiration and wires it
/// (enable on the Safe, the proposer enabled on the Delay) in one Safe transaction.
async fn setup<'a>(
    chain: &'a TestChain,
    safe: &TestSafe,
    which: DelayImpl,
    imp: Implementation,
    salt: u64,
) -> Env<'a> {
    let p = chain.provider();
    let params = DelayParams::for_safe(safe.address, COOLDOWN, EXPIRATION);
    let delay_addr = match which {
        DelayImpl::Coffer => {
            let s = B256::from(U256::from(salt));
            let deployer = coffer_chain::deploy::find_deployer(p).await.unwrap();
            let predicted = delay::coffer_delay_address(deployer, s, &params).unwrap();
            let got = delay::deploy_coffer_delay(p, chain.deployer(), s, &params).await.unwrap();
            assert_eq!(got, predicted, "CofferDelay lands at the predicted address");
            got
        }
        DelayImpl::Zodiac => {
            let (factory, mastercopy) =
                (delay::ZODIAC_MODULE_PROXY_FACTORY, delay::ZODIAC_DELAY_101_MASTERCOPY);
            let init = delay::setup_initializer(&params);
            let predicted =
                delay::zodiac_proxy_address(factory, mastercopy, &init, U256::from(salt));
            let got = delay::deploy_zodiac_delay(
                p,
                chain.deployer(),
                factory,
                mastercopy,
                &params,
                U256::from(salt),
            )
            .await
            .unwrap();
            assert_eq!(got, predicted, "the Zodiac proxy lands at the predicted address");
            got
        }
    };
    let env = Env {
        chain,
        safe: safe.clone(),
        delay: delay_addr,
        label: format!("{which:?} Delay on {imp}"),
    };
    let info = read_safe(p, safe.address).await.unwrap();
    let msco = safe.suite.multi_send_call_only;
    env.safe_exec(|n| {
        delay::setup_tx(&info, delay_addr, &[chain.address(PROPOSER)], msco, n).unwrap()
    })
    .await;
    let s = env.status().await;
    let expected_kind = match which {
        DelayImpl::Coffer => delay::DelayKind::Coffer,
        DelayImpl::Zodiac => delay::DelayKind::Zodiac {
            mastercopy: delay::ZODIAC_DELAY_101_MASTERCOPY,
            version: "1.0.1",
        },
    };
    assert_eq!(s.kind, expected_kind, "{}", env.label);
    assert_eq!((s.owner, s.avatar, s.target), (safe.address, safe.address, safe.address));
    assert_eq!((s.cooldown, s.expiration, s.tx_nonce, s.queue_nonce), (COOLDOWN, EXPIRATION, 0, 0));
    assert_eq!(s.proposers, vec![chain.address(PROPOSER)]);
    let info = read_safe(p, safe.address).await.unwrap();
    assert!(info.is_module(delay_addr), "{}: the Delay is enabled on the Safe", env.label);
    assert!(s.warnings(safe.address, true).is_empty(), "{:?}", s.warnings(safe.address, true));
    env
}

/// Every scenario of MODULES.md §2 "Tests" on one Delay. Returns an observation log that must be
/// equal across implementations (the differential part).
async fn scenarios(env: &Env<'_>) -> Vec<String> {
    let mut log = Vec::new();
    let chain = env.chain;
    let safe = env.safe.address;
    let anyone = chain.address(ANYONE);
    let proposer = chain.address(PROPOSER);
    // Fresh receivers per Delay (the scenarios share one chain).
    let x = Address::from_slice(&alloy::primitives::keccak256(env.delay)[..20]);
    let y = Address::from_slice(&alloy::primitives::keccak256(x)[..20]);
    chain.fund(safe, ETHER).await.unwrap();

    // --- a non-module enqueue is refused ---
    let call = IDelay::execTransactionFromModuleCall {
        to: x,
        value: U256::from(1),
        data: Bytes::new(),
        operation: 0,
    };
    let r = env.reason(anyone, call.abi_encode()).await;
    reason_has(&r, "Module not authorized", &env.label);
    log.push(format!("non-module enqueue: {r:?}"));

    // --- execTransactionFromModuleReturnData returns the queue tuple (eth_call) ---
    let ret = chain
        .provider()
        .call(
            TransactionRequest::default().with_from(proposer).with_to(env.delay).with_input(
                IDelay::execTransactionFromModuleReturnDataCall {
                    to: x,
                    value: U256::from(1),
                    data: Bytes::new(),
                    operation: 0,
                }
                .abi_encode(),
            ),
        )
        .await
        .unwrap();
    let decoded =
        IDelay::execTransactionFromModuleReturnDataCall::abi_decode_returns(&ret).unwrap();
    assert!(decoded.success);
    let (idx, h, _ts) = <(U256, B256, U256)>::abi_decode_params(&decoded.returnData).unwrap();
    assert_eq!(h, delay::queue_hash(x, U256::from(1), &[], 0), "{}", env.label);
    log.push(format!("returnData index {idx}"));

    // --- enqueue does not execute; early, mismatched, exact-cooldown, twice ---
    let i0 = env.propose(x, U256::from(1), Bytes::new(), Operation::Call).await;
    assert_eq!(i0, 0);
    assert_eq!(env.balance(x).await, U256::ZERO, "{}: enqueue does not execute", env.label);
    let good = Env::exec_data(x, U256::from(1), Bytes::new(), 0);
    let r = env.reason(anyone, good.clone()).await;
    reason_has(&r, "Transaction is still in cooldown", &env.label);
    log.push(format!("early: {r:?}"));
    let t0 = env.created_at(0).await;
    chain.mine_at(t0 + COOLDOWN).await.unwrap();
    for (what, bad) in [
        ("value", Env::exec_data(x, U256::from(2), Bytes::new(), 0)),
        ("data", Env::exec_data(x, U256::from(1), Bytes::from(vec![0u8]), 0)),
        ("operation", Env::exec_data(x, U256::from(1), Bytes::new(), 1)),
        ("to", Env::exec_data(y, U256::from(1), Bytes::new(), 0)),
    ] {
        let r = env.reason(anyone, bad).await;
        log.push(format!("mismatched {what}: {r:?}"));
        assert!(r.is_some(), "{}: a changed {what} must not execute", env.label);
    }
    // The queue view: ready now, hash checked, the proposer from the event's transaction.
    let q = delay::read_queue(chain.provider(), &env.status().await, safe, t0 + COOLDOWN + 1)
        .await
        .unwrap();
    assert_eq!(q.len(), 1);
    assert!(q[0].hash_ok());
    assert_eq!(q[0].state, QueueState::Ready);
    assert_eq!(q[0].proposer, Some(proposer));
    // A payment to another account: only "target is not the Safe" (for a recovery Delay,
    // anything but an owner change of the Safe is suspect).
    assert_eq!(q[0].flags, vec![QueueFlag::NotTheSafe(x)]);
    env.send(anyone, good.clone()).await;
    assert_eq!(env.balance(x).await, U256::from(1), "{}: executed after the cooldown", env.label);
    let r = env.reason(anyone, good.clone()).await;
    reason_has(&r, "Transaction queue is empty", &env.label);
    log.push(format!("twice: {r:?}"));

    // --- execution exactly at the end of the cooldown (and not one second before) ---
    let i1 = env.propose(x, U256::from(1), Bytes::new(), Operation::Call).await;
    let t1 = env.created_at(i1).await;
    chain.mine_at(t1 + COOLDOWN - 2).await.unwrap();
    chain.set_next_timestamp(t1 + COOLDOWN - 1).await.unwrap();
    let sent = chain
        .send_tx(
            TransactionRequest::default()
                .with_from(anyone)
                .with_to(env.delay)
                .with_input(good.clone())
                .with_gas_limit(500_000),
        )
        .await;
    assert!(sent.is_err(), "{}: one second before the cooldown ends it must revert", env.label);
    chain.set_next_timestamp(t1 + COOLDOWN).await.unwrap();
    env.send(anyone, good.clone()).await;
    assert_eq!(env.balance(x).await, U256::from(2));

    // --- FIFO ---
    let ia = env.propose(x, U256::from(10), Bytes::new(), Operation::Call).await;
    let ib = env.propose(y, U256::from(20), Bytes::new(), Operation::Call).await;
    assert_eq!(ib, ia + 1);
    chain.advance_time(COOLDOWN).await.unwrap();
    let r = env.reason(anyone, Env::exec_data(y, U256::from(20), Bytes::new(), 0)).await;
    reason_has(&r, "Transaction hashes do not match", &env.label);
    log.push(format!("out of order: {r:?}"));
    let st = env.status().await;
    let now = chain.now().await.unwrap();
    assert_eq!(delay::execute_next(chain.provider(), &st, safe, anyone, now).await.unwrap(), ia);
    let st = env.status().await;
    assert_eq!(delay::execute_next(chain.provider(), &st, safe, anyone, now).await.unwrap(), ib);
    assert_eq!(env.balance(y).await, U256::from(20));

    // --- expiration boundaries: executable at createdAt+cooldown+expiration, expired 1s later ---
    let ic = env.propose(x, U256::from(100), Bytes::new(), Operation::Call).await;
    let tc = env.created_at(ic).await;
    chain.set_next_timestamp(tc + COOLDOWN + EXPIRATION).await.unwrap();
    env.send(anyone, Env::exec_data(x, U256::from(100), Bytes::new(), 0)).await;
    let id = env.propose(x, U256::from(1000), Bytes::new(), Operation::Call).await;
    let ie = env.propose(x, U256::from(1001), Bytes::new(), Operation::Call).await;
    let td = env.created_at(id).await;
    chain.mine_at(td + COOLDOWN + EXPIRATION + 1).await.unwrap();
    let r = env.reason(anyone, Env::exec_data(x, U256::from(1000), Bytes::new(), 0)).await;
    reason_has(&r, "Transaction expired", &env.label);
    log.push(format!("expired: {r:?}"));
    // skipExpired skips only expired calls and stops at queueNonce: both are expired here.
    let q = delay::read_queue(
        chain.provider(),
        &env.status().await,
        safe,
        td + COOLDOWN + EXPIRATION + 1,
    )
    .await
    .unwrap();
    assert!(q.iter().all(|q| q.state == QueueState::Expired));
    let head = delay::skip_expired(chain.provider(), env.delay, anyone).await.unwrap();
    assert_eq!(head, ie + 1, "{}: skipExpired stops at queueNonce", env.label);
    // A live one is not skipped.
    let iff = env.propose(x, U256::from(7), Bytes::new(), Operation::Call).await;
    assert_eq!(delay::skip_expired(chain.provider(), env.delay, anyone).await.unwrap(), iff);

    // --- veto one, then the whole queue (Safe transactions) ---
    let ig = env.propose(y, U256::from(1), Bytes::new(), Operation::Call).await;
    let ih = env.propose(y, U256::from(2), Bytes::new(), Operation::Call).await;
    let st = env.status().await;
    env.safe_exec(|n| delay::veto_tx(&st, iff + 1, n).unwrap()).await;
    assert_eq!(env.nonces().await, (ig, ih + 1), "{}: one vetoed", env.label);
    let st = env.status().await;
    env.safe_exec(|n| delay::veto_tx(&st, st.queue_nonce, n).unwrap()).await;
    assert_eq!(env.nonces().await, (ih + 1, ih + 1), "{}: whole queue vetoed", env.label);
    chain.advance_time(COOLDOWN).await.unwrap();
    let r = env.reason(anyone, Env::exec_data(y, U256::from(2), Bytes::new(), 0)).await;
    reason_has(&r, "Transaction queue is empty", &env.label);

    // --- setTxNonce: non-owner, <= txNonce, > queueNonce; setTxExpiration(30) ---
    let (tn, qn) = env.nonces().await;
    let r = env.reason(anyone, IDelay::setTxNonceCall { nonce: U256::from(qn) }.abi_encode()).await;
    log.push(format!("setTxNonce by non-owner: {r:?}"));
    assert!(r.is_some());
    let r = env.reason(safe, IDelay::setTxNonceCall { nonce: U256::from(tn) }.abi_encode()).await;
    log.push(format!("setTxNonce <= txNonce: {r:?}"));
    assert!(r.is_some());
    let r =
        env.reason(safe, IDelay::setTxNonceCall { nonce: U256::from(qn + 1) }.abi_encode()).await;
    log.push(format!("setTxNonce > queueNonce: {r:?}"));
    assert!(r.is_some());
    let r = env
        .reason(safe, IDelay::setTxExpirationCall { expiration: U256::from(30) }.abi_encode())
        .await;
    log.push(format!("setTxExpiration(30): {r:?}"));
    assert!(r.is_some());
    assert!(
        delay::set_expiration_tx(env.delay, 30, U256::ZERO).is_err(),
        "the library refuses it too"
    );
    let st = env.status().await;
    assert!(delay::veto_tx(&st, tn, U256::ZERO).is_err());
    assert!(delay::veto_tx(&st, qn + 1, U256::ZERO).is_err());

    // --- a failing head blocks the queue until skipped or vetoed ---
    let too_much = U256::from(1000) * ETHER;
    let ifail = env.propose(x, too_much, Bytes::new(), Operation::Call).await;
    let _iok = env.propose(x, U256::from(3), Bytes::new(), Operation::Call).await;
    chain.advance_time(COOLDOWN).await.unwrap();
    let r = env.reason(anyone, Env::exec_data(x, too_much, Bytes::new(), 0)).await;
    log.push(format!("failing head: {r:?}"));
    assert!(r.is_some());
    let r = env.reason(anyone, Env::exec_data(x, U256::from(3), Bytes::new(), 0)).await;
    reason_has(&r, "Transaction hashes do not match", &env.label);
    // The owners veto just the failing head; the next one then runs.
    let st = env.status().await;
    env.safe_exec(|n| delay::veto_tx(&st, ifail + 1, n).unwrap()).await;
    env.send(anyone, Env::exec_data(x, U256::from(3), Bytes::new(), 0)).await;

    // --- re-entrancy: the executed call runs executeNextTx again (the next entry, never itself) ---
    let inner =
        IDelay::executeNextTxCall { to: y, value: U256::from(5), data: Bytes::new(), operation: 0 }
            .abi_encode();
    let before_y = env.balance(y).await;
    let ir = env.propose(env.delay, U256::ZERO, inner.clone().into(), Operation::Call).await;
    let _ir2 = env.propose(y, U256::from(5), Bytes::new(), Operation::Call).await;
    chain.advance_time(COOLDOWN).await.unwrap();
    let q =
        delay::read_queue(chain.provider(), &env.status().await, safe, chain.now().await.unwrap())
            .await
            .unwrap();
    assert!(q[0].flags.contains(&QueueFlag::CallsTheDelay), "{:?}", q[0].flags);
    env.send(anyone, Env::exec_data(env.delay, U256::ZERO, inner.into(), 0)).await;
    assert_eq!(env.balance(y).await, before_y + U256::from(5), "{}: each ran once", env.label);
    assert_eq!(env.nonces().await.0, ir + 2);

    // --- lowering the cooldown makes a queued call executable at once ---
    let il = env.propose(x, U256::from(11), Bytes::new(), Operation::Call).await;
    let r = env.reason(anyone, Env::exec_data(x, U256::from(11), Bytes::new(), 0)).await;
    reason_has(&r, "cooldown", &env.label);
    env.safe_exec(|n| delay::set_cooldown_tx(env.delay, 0, n)).await;
    let q =
        delay::read_queue(chain.provider(), &env.status().await, safe, chain.now().await.unwrap())
            .await
            .unwrap();
    assert_eq!((q[0].index, q[0].state), (il, QueueState::Ready));
    env.send(anyone, Env::exec_data(x, U256::from(11), Bytes::new(), 0)).await;
    env.safe_exec(|n| delay::set_cooldown_tx(env.delay, COOLDOWN, n)).await;

    // --- a proposer routes Delay.setTxCooldown(0) through the Delay: flagged, and vetoable ---
    let evil = IDelay::setTxCooldownCall { cooldown: U256::ZERO }.abi_encode();
    let _iev = env.propose(env.delay, U256::ZERO, evil.into(), Operation::Call).await;
    // A delegatecall proposal and an owner change: flagged.
    let _idc =
        env.propose(x, U256::ZERO, Bytes::from(vec![1, 2, 3, 4]), Operation::DelegateCall).await;
    let swap = ISafe::swapOwnerCall {
        prevOwner: Address::with_last_byte(1),
        oldOwner: env.safe.owners[0].address(),
        newOwner: proposer,
    }
    .abi_encode();
    let _isw = env.propose(safe, U256::ZERO, swap.into(), Operation::Call).await;
    let q =
        delay::read_queue(chain.provider(), &env.status().await, safe, chain.now().await.unwrap())
            .await
            .unwrap();
    assert!(q[0].flags.contains(&QueueFlag::CallsTheDelay));
    assert!(
        q[1].flags.contains(&QueueFlag::DelegateCall)
            && q[1].flags.contains(&QueueFlag::NotTheSafe(x))
    );
    assert!(
        q[2].flags.contains(&QueueFlag::Risk(coffer_core::Risk::OwnerChange)),
        "{:?}",
        q[2].flags
    );
    let named: Vec<Vec<String>> = q
        .iter()
        .map(|q| {
            q.flags
                .iter()
                .map(|f| match f {
                    QueueFlag::NotTheSafe(a) if *a == x => "NotTheSafe(x)".to_owned(),
                    f => format!("{f:?}"),
                })
                .collect()
        })
        .collect();
    log.push(format!("flags: {named:?}"));

    // --- spam: 20 entries, cleared by one setTxNonce ---
    for i in 0..20u64 {
        env.propose(x, U256::from(i), Bytes::new(), Operation::Call).await;
    }
    let st = env.status().await;
    assert_eq!(st.pending(), 23);
    env.safe_exec(|n| delay::veto_tx(&st, st.queue_nonce, n).unwrap()).await;
    assert_eq!(env.status().await.pending(), 0);

    // --- the Delay disabled on the Safe: execution fails and the queue stays intact ---
    let idis = env.propose(x, U256::from(9), Bytes::new(), Operation::Call).await;
    chain.advance_time(COOLDOWN).await.unwrap();
    let info = read_safe(chain.provider(), safe).await.unwrap();
    env.safe_exec(|n| info.disable_module_tx(env.delay, n).unwrap()).await;
    let r = env.reason(anyone, Env::exec_data(x, U256::from(9), Bytes::new(), 0)).await;
    log.push(format!("disabled on the Safe: {r:?}"));
    assert!(r.is_some());
    assert_eq!(env.nonces().await, (idis, idis + 1), "{}: queue intact", env.label);
    let st = env.status().await;
    assert!(!st.warnings(safe, false).is_empty());

    // --- proposers: pagination (1.0.x semantics: next = first of the next page) and removal ---
    let more = [chain.address(7), chain.address(8)];
    let st = env.status().await;
    env.safe_exec(|n| delay::add_proposer_tx(&st, more[0], n).unwrap()).await;
    let st = env.status().await;
    env.safe_exec(|n| delay::add_proposer_tx(&st, more[1], n).unwrap()).await;
    let d = IDelay::new(env.delay, chain.provider());
    let page =
        d.getModulesPaginated(Address::with_last_byte(1), U256::from(2)).call().await.unwrap();
    assert_eq!(page.array, vec![more[1], more[0]]);
    log.push(format!("page next is third: {}", page.next == proposer));
    let st = env.status().await;
    assert_eq!(st.proposers, vec![more[1], more[0], proposer]);
    env.safe_exec(|n| delay::remove_proposer_tx(&st, more[0], n).unwrap()).await;
    let st = env.status().await;
    assert_eq!(st.proposers, vec![more[1], proposer]);
    assert!(delay::remove_proposer_tx(&st, more[0], U256::ZERO).is_err());
    assert!(delay::add_proposer_tx(&st, proposer, U256::ZERO).is_err());
    log
}

async fn differential(imp: Implementation) {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(imp).await.unwrap();
    chain.deploy_zodiac().await.unwrap();
    let safe_a = chain.create_safe_with(&suite, &[1, 2, 3], 2, 1).await.unwrap();
    let safe_b = chain.create_safe_with(&suite, &[1, 2, 3], 2, 2).await.unwrap();
    let ours = setup(&chain, &safe_a, DelayImpl::Coffer, imp, 1).await;
    let log_ours = scenarios(&ours).await;
    let zodiac = setup(&chain, &safe_b, DelayImpl::Zodiac, imp, 1).await;
    let log_zodiac = scenarios(&zodiac).await;
    assert_eq!(log_ours, log_zodiac, "on {imp}: CofferDelay and Zodiac Delay 1.0.1 differ");
}

on_coffer_and_canonical_141!(differential => delay_differential_on_coffer_safe, delay_differential_on_canonical_141);

/// Signs `hash` by two owners and executes it, through the binary.
fn sign_and_execute(cli: &coffer_e2e::Cli, hash: &str, k1: &str, k2: &str, payer: &str) {
    cli.ok(&["tx", "sign", hash, "--private-key", k1]);
    cli.ok(&["tx", "sign", hash, "--private-key", k2]);
    cli.ok(&["tx", "execute", hash, "--private-key", payer]);
}

/// The CLI on coffer's Safe with a CofferDelay as a recovery-with-veto setup: a "recoverer"
/// proposer queues an owner swap; the owners see it (`queue`, `watch`, `safe info`), veto it
/// through the normal propose/sign/execute flow, and a second proposal runs after its cooldown.
/// Refusals exit 2 with a message that says what to do.
#[tokio::test(flavor = "multi_thread")]
async fn delay_cli_recovery_with_veto() {
    use coffer_e2e::{Cli, key_hex};
    let chain = TestChain::spawn().await.unwrap();
    chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let payer = key_hex(chain.signer(0));
    let k1 = key_hex(chain.signer(1));
    let k2 = key_hex(chain.signer(2));
    let kp = key_hex(chain.signer(PROPOSER));
    let owners: Vec<String> = (1..=3).map(|i| chain.address(i).to_string()).collect();
    let owners: Vec<&str> = owners.iter().map(String::as_str).collect();
    let safe = cli.create_safe(&owners, 2, &payer);
    let recoverer = chain.address(PROPOSER).to_string();

    // Bad input first (nothing deployed, nothing stored).
    cli.bad(
        &[
            "delay",
            "deploy",
            "--safe",
            &safe,
            "--cooldown",
            "2y",
            "--expiration",
            "0",
            "--private-key",
            &payer,
        ],
        "not a duration",
    );
    cli.bad(
        &[
            "delay",
            "deploy",
            "--safe",
            &safe,
            "--cooldown",
            "1h",
            "--expiration",
            "30",
            "--private-key",
            &payer,
        ],
        "at least 60 seconds",
    );
    cli.bad(&["delay", "status", "--delay", owners[0]], "no contract");

    // Deploy + the setup Safe tx (enable the Delay, enable the recoverer on it).
    let v = cli.json(&[
        "delay",
        "deploy",
        "--safe",
        &safe,
        "--cooldown",
        "1h",
        "--expiration",
        "1d",
        "--proposer",
        &recoverer,
        "--private-key",
        &payer,
    ]);
    let d = v["delay"].as_str().unwrap().to_owned();
    assert!(v["warnings"][0].as_str().unwrap().contains("shorter than a day"), "{v}");
    assert!(v["risks"].to_string().contains("MODULE CHANGE"), "{v}");
    sign_and_execute(&cli, v["safeTxHash"].as_str().unwrap(), &k1, &k2, &payer);
    let st = cli.json(&["delay", "status", "--delay", &d]);
    assert_eq!(st["kind"], "coffer CofferDelay");
    assert_eq!(st["enabledOnSafe"], true);
    assert_eq!(st["cooldown"], 3600);
    assert_eq!(st["proposers"][0].as_str().unwrap().to_lowercase(), recoverer.to_lowercase());
    assert_eq!(st["warnings"].as_array().unwrap().len(), 0, "{st}");
    let info = cli.ok(&["safe", "info", &safe]);
    assert!(
        info.to_lowercase().contains(&format!(
            "{} (coffer cofferdelay): cooldown 1h, expiration 1d",
            d.to_lowercase()
        )),
        "{info}"
    );
    let info = cli.json(&["safe", "info", &safe]);
    assert_eq!(info["delays"][0]["delay"].as_str().unwrap().to_lowercase(), d.to_lowercase());
    // The recovery sheet lists the Delay's settings under its module, read on chain.
    let sheet_path = cli.file("sheet.json");
    cli.ok(&["safe", "sheet", &safe, "-o", sheet_path.to_str().unwrap()]);
    let sheet: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sheet_path).unwrap()).unwrap();
    let settings = sheet["modules"][0]["settings"][0].as_str().unwrap_or_default().to_owned();
    assert!(
        settings.contains("cooldown 3600 s")
            && settings.to_lowercase().contains(&recoverer.to_lowercase()),
        "{sheet}"
    );

    // The recoverer queues swapOwner(owner 1 -> a new key).
    let new_owner = chain.address(8);
    let swap = ISafe::swapOwnerCall {
        prevOwner: Address::with_last_byte(1),
        oldOwner: chain.address(1),
        newOwner: new_owner,
    }
    .abi_encode();
    let swap_hex = format!("0x{}", alloy::primitives::hex::encode(&swap));
    // The proposer queues the swap through the Delay.
    let propose_swap = || {
        cli.json(&[
            "delay",
            "propose",
            "--delay",
            &d,
            "--to",
            &safe,
            "--data",
            &swap_hex,
            "--private-key",
            &kp,
        ])
    };
    let before = chain.provider().get_block_number().await.unwrap();
    let p = propose_swap();
    assert_eq!(p["index"], 0);
    // A non-proposer is refused with what to do.
    cli.bad(
        &[
            "delay",
            "propose",
            "--delay",
            &d,
            "--to",
            &safe,
            "--data",
            &swap_hex,
            "--private-key",
            &k1,
        ],
        "add-proposer",
    );
    // The owners see it: queue (re-hashed, flagged) and watch (one alert line per entry).
    let q = cli.json(&["delay", "queue", "--delay", &d]);
    let e = &q["queue"][0];
    assert_eq!(
        (e["index"].as_u64(), e["state"].as_str(), e["hashOk"].as_bool()),
        (Some(0), Some("cooling"), Some(true))
    );
    assert!(e["flags"].to_string().contains("OWNER CHANGE"), "{e}");
    assert_eq!(e["proposer"].as_str().unwrap().to_lowercase(), recoverer.to_lowercase());
    let from = before.to_string();
    let w = cli.ok(&["delay", "watch", "--delay", &d, "--from-block", &from, "--once"]);
    assert_eq!(w.lines().filter(|l| l.starts_with("ALERT")).count(), 1, "{w}");
    assert!(
        w.contains("queued #0") && w.contains("OWNER CHANGE") && w.contains("delay veto 0"),
        "{w}"
    );
    // Too early: refused, nothing sent.
    cli.bad(&["delay", "execute-next", "--delay", &d, "--private-key", &payer], "cooldown");

    // Veto through the normal flow.
    cli.bad(&["delay", "veto", "5", "--delay", &d], "not queued");
    let v = cli.json(&["delay", "veto", "0", "--delay", &d]);
    sign_and_execute(&cli, v["safeTxHash"].as_str().unwrap(), &k1, &k2, &payer);
    let q = cli.json(&["delay", "queue", "--delay", &d]);
    assert_eq!(q["queue"].as_array().unwrap().len(), 0, "vetoed: {q}");
    chain.advance_time(3_600).await.unwrap();
    cli.bad(&["delay", "execute-next", "--delay", &d, "--private-key", &payer], "empty");

    // Proposed again, it runs after the cooldown: owner 1 is replaced.
    let p = propose_swap();
    assert_eq!(p["index"], 1);
    chain.advance_time(3_600).await.unwrap();
    let r = cli.json(&["delay", "execute-next", "--delay", &d, "--private-key", &payer]);
    assert_eq!(r["executed"], 1);
    let info = read_safe(chain.provider(), safe.parse().unwrap()).await.unwrap();
    assert!(info.is_owner(new_owner) && !info.is_owner(chain.address(1)));

    // --sig builds the same calldata as --data (an owner swap back, queued and then vetoed below
    // by the queue reset of skip-expired's test).
    let via_sig = cli.json(&[
        "delay",
        "propose",
        "--delay",
        &d,
        "--to",
        &safe,
        "--private-key",
        &kp,
        "--sig",
        "swapOwner(address,address,address)",
        "0x0000000000000000000000000000000000000001",
        &new_owner.to_string(),
        &chain.address(1).to_string(),
    ]);
    let back = ISafe::swapOwnerCall {
        prevOwner: Address::with_last_byte(1),
        oldOwner: new_owner,
        newOwner: chain.address(1),
    }
    .abi_encode();
    assert_eq!(
        via_sig["hash"].as_str().unwrap().parse::<B256>().unwrap(),
        delay::queue_hash(safe.parse().unwrap(), U256::ZERO, &back, 0)
    );

    // Expiry: calls left past cooldown + expiration are skipped by anyone.
    cli.json(&[
        "delay",
        "propose",
        "--delay",
        &d,
        "--to",
        &safe,
        "--value",
        "0ether",
        "--private-key",
        &kp,
    ]);
    chain.advance_time(3_600 + 86_400 + 1).await.unwrap();
    let q = cli.json(&["delay", "queue", "--delay", &d]);
    assert_eq!(q["queue"][0]["state"], "expired");
    cli.bad(&["delay", "execute-next", "--delay", &d, "--private-key", &payer], "skip-expired");
    let s = cli.json(&["delay", "skip-expired", "--delay", &d, "--private-key", &payer]);
    assert_eq!(s["txNonce"], 4);

    // Settings through the normal flow; the library refuses what the Delay would.
    cli.bad(&["delay", "set-expiration", "30", "--delay", &d], "at least 60 seconds");
    let v = cli.json(&["delay", "set-cooldown", "2d", "--delay", &d]);
    sign_and_execute(
        &cli,
        v["safeTxHash"].as_str().unwrap(),
        &chain_key(&chain, 2),
        &chain_key(&chain, 3),
        &payer,
    );
    assert_eq!(cli.json(&["delay", "status", "--delay", &d])["cooldown"], 172_800);
    cli.bad(&["delay", "add-proposer", &recoverer, "--delay", &d], "already a proposer");
    let v = cli.json(&["delay", "remove-proposer", &recoverer, "--delay", &d]);
    sign_and_execute(
        &cli,
        v["safeTxHash"].as_str().unwrap(),
        &chain_key(&chain, 2),
        &chain_key(&chain, 3),
        &payer,
    );
    assert_eq!(
        cli.json(&["delay", "status", "--delay", &d])["proposers"].as_array().unwrap().len(),
        0
    );
}

fn chain_key(chain: &TestChain, i: usize) -> String {
    coffer_e2e::key_hex(chain.signer(i))
}

// ----- social recovery (CofferSocialRecoveryModule; no registry ships the Candide bytecode, so
// these pin MODULES.md §4's behaviour on coffer's Safe and canonical 1.4.1) -----

const PERIOD: u64 = 14 * 86_400;

fn sig_of(chain: &TestChain, i: usize, digest: B256) -> Bytes {
    use alloy::signers::SignerSync;
    Bytes::from(chain.signer(i).sign_hash_sync(&digest).unwrap().as_bytes().to_vec())
}

/// The start of every recovery scenario: a fresh chain with `imp`'s suite, a 2-of-3 test Safe
/// (owners 0, 1, 2 of `create_test_safe`) and a recovery module with the `PERIOD` delay, not yet
/// enabled on it.
async fn recovery_fixture(imp: Implementation) -> (TestChain, SuiteAddresses, TestSafe, Address) {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(imp).await.unwrap();
    let safe = chain.create_test_safe(&suite, 3, 2).await.unwrap();
    let module =
        coffer_chain::recovery::deploy_recovery_module(chain.provider(), chain.deployer(), PERIOD)
            .await
            .unwrap();
    (chain, suite, safe, module)
}

/// Enables `module` on `safe` with `guardians` and `threshold` (`setup_tx`, signed by owners 0
/// and 1).
async fn enable_recovery(
    chain: &TestChain,
    suite: &SuiteAddresses,
    safe: &TestSafe,
    module: Address,
    guardians: &[Address],
    threshold: u64,
) {
    let p = chain.provider();
    let info = read_safe(p, safe.address).await.unwrap();
    let tx = coffer_chain::recovery::setup_tx(
        &info,
        module,
        guardians,
        threshold,
        suite.multi_send_call_only,
        info.nonce,
    )
    .unwrap();
    safe.execute(p, &tx, &[0, 1], chain.deployer()).await.unwrap();
}

async fn recovery_scenarios(imp: Implementation) {
    use coffer_chain::recovery::{self as rec, RecoveryStatus};
    use coffer_contracts::bindings::ISocialRecovery;
    let (owned, suite, safe, module) = recovery_fixture(imp).await;
    let chain = &owned;
    let p = chain.provider();
    let m = ISocialRecovery::new(module, p);
    let guardians = [chain.address(6), chain.address(7), chain.address(8)];
    let info = read_safe(p, safe.address).await.unwrap();
    // Preflight refusals: an owner, a duplicate, a threshold above the count.
    let msco = suite.multi_send_call_only;
    assert!(rec::setup_tx(&info, module, &[chain.address(1)], 1, msco, info.nonce).is_err());
    assert!(
        rec::setup_tx(&info, module, &[guardians[0], guardians[0]], 1, msco, info.nonce).is_err()
    );
    assert!(rec::setup_tx(&info, module, &guardians, 4, msco, info.nonce).is_err());
    enable_recovery(chain, &suite, &safe, module, &guardians, 2).await;
    let status =
        |info: SafeInfoRef| async move { rec::read_recovery(p, module, &info.0).await.unwrap() };
    let st: RecoveryStatus = status(SafeInfoRef(read_safe(p, safe.address).await.unwrap())).await;
    assert_eq!(st.guardians, vec![guardians[2], guardians[1], guardians[0]], "newest first");
    assert_eq!((st.threshold, st.enabled, st.pending.is_none()), (2, true, true));
    let reason = |from: Address, data: Vec<u8>| async move {
        chain
            .revert_reason(
                TransactionRequest::default().with_from(from).with_to(module).with_input(data),
            )
            .await
            .unwrap()
    };
    // Guardian management by an EOA / a Safe without the module: refused.
    let add = ISocialRecovery::addGuardianWithThresholdCall {
        guardian: chain.address(9),
        threshold: U256::from(1),
    };
    assert!(reason(chain.address(0), add.abi_encode()).await.is_some());

    // The request: owner 1 lost; new owners [9, 2] (9 replaces owner 1), threshold 2.
    let new_owners = vec![chain.address(9), chain.address(2)];
    let (msg, digest) =
        rec::recovery_message(p, module, safe.address, new_owners.clone(), 2).await.unwrap();
    assert_eq!(
        m.domainSeparator().call().await.unwrap(),
        coffer_core::recovery::recovery_domain_separator(chain.chain_id(), module)
    );
    // A non-guardian confirms: refused.
    let confirm = |execute: bool| ISocialRecovery::confirmRecoveryCall {
        wallet: safe.address,
        newOwners: new_owners.clone(),
        newThreshold: U256::from(2),
        execute,
    };
    assert_eq!(
        reason(chain.address(5), confirm(false).abi_encode()).await.as_deref(),
        Some("SM: sender not a guardian")
    );
    // Signatures: a non-guardian's, one over a wrong digest (other chain id), unsorted signers.
    let multi = |sigs: Vec<(Address, Bytes)>, execute: bool| {
        ISocialRecovery::multiConfirmRecoveryCall {
            wallet: safe.address,
            newOwners: new_owners.clone(),
            newThreshold: U256::from(2),
            signatures: sigs
                .into_iter()
                .map(|(signer, signature)| ISocialRecovery::SignatureData { signer, signature })
                .collect(),
            execute,
        }
        .abi_encode()
    };
    let r =
        reason(chain.address(0), multi(vec![(chain.address(5), sig_of(chain, 5, digest))], false))
            .await;
    assert_eq!(r.as_deref(), Some("SM: Signer not a guardian"));
    let wrong = msg.digest(chain.chain_id() + 1, module);
    let r =
        reason(chain.address(0), multi(vec![(guardians[1], sig_of(chain, 7, wrong))], false)).await;
    assert_eq!(r.as_deref(), Some("SM: Invalid guardian signature"));
    let mut pair =
        vec![(guardians[0], sig_of(chain, 6, digest)), (guardians[1], sig_of(chain, 7, digest))];
    pair.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
    let r = reason(chain.address(0), multi(pair, false)).await;
    assert_eq!(r.as_deref(), Some("SM: duplicate signers/invalid ordering"));
    // One guardian is not enough to start.
    rec::confirm(p, module, guardians[0], &msg, false).await.unwrap();
    let e = rec::execute(p, module, chain.address(0), &msg).await.unwrap_err().to_string();
    assert!(e.contains("less than threshold"), "{e}");
    // The owners invalidate the nonce: the confirmation dies (W1), a replayed signature too.
    safe.execute(
        p,
        &rec::invalidate_nonce_tx(module, read_safe(p, safe.address).await.unwrap().nonce),
        &[0, 1],
        chain.deployer(),
    )
    .await
    .unwrap();
    let (msg, digest2) =
        rec::recovery_message(p, module, safe.address, new_owners.clone(), 2).await.unwrap();
    assert_ne!(digest, digest2);
    assert_eq!(
        m.getRecoveryApprovals(safe.address, new_owners.clone(), U256::from(2))
            .call()
            .await
            .unwrap(),
        U256::ZERO
    );
    let r = reason(chain.address(0), multi(vec![(guardians[1], sig_of(chain, 7, digest))], false))
        .await;
    assert_eq!(
        r.as_deref(),
        Some("SM: Invalid guardian signature"),
        "a signature replayed after the nonce bump"
    );
    // Guardian 6 on chain + guardian 7 by signature (sorted by the library), executed: the period starts.
    rec::confirm(p, module, guardians[0], &msg, false).await.unwrap();
    rec::multi_confirm(
        p,
        module,
        chain.address(0),
        &msg,
        vec![(guardians[1], sig_of(chain, 7, digest2))],
        true,
    )
    .await
    .unwrap();
    let st = status(SafeInfoRef(read_safe(p, safe.address).await.unwrap())).await;
    let pending = st.pending.clone().unwrap();
    assert_eq!((pending.approvals, pending.new_threshold), (2, 2));
    assert_eq!(pending.new_owners, new_owners);
    // A replacement with equal approvals is refused.
    let other = vec![chain.address(5)];
    let (msg_o, _) =
        rec::recovery_message(p, module, safe.address, other.clone(), 1).await.unwrap();
    rec::confirm(p, module, guardians[0], &msg_o, false).await.unwrap();
    let e = rec::confirm(p, module, guardians[1], &msg_o, true).await.unwrap_err().to_string();
    assert!(e.contains("not enough approvals for replacement"), "{e}");
    // Finalize before the period: refused.
    let e = rec::finalize(p, module, chain.address(0), safe.address).await.unwrap_err().to_string();
    assert!(e.contains("recovery period still pending"), "{e}");
    // The owners cancel during the window (a normal Safe tx), and finalize then has nothing to do.
    let info = read_safe(p, safe.address).await.unwrap();
    safe.execute(p, &rec::cancel_tx(&st, info.nonce).unwrap(), &[0, 1], chain.deployer())
        .await
        .unwrap();
    let st = status(SafeInfoRef(read_safe(p, safe.address).await.unwrap())).await;
    assert!(st.pending.is_none());
    assert!(rec::cancel_tx(&st, U256::ZERO).is_err());
    chain.advance_time(PERIOD).await.unwrap();
    let e = rec::finalize(p, module, chain.address(0), safe.address).await.unwrap_err().to_string();
    assert!(e.contains("no ongoing recovery"), "{e}");

    // Again, and this time the period passes: the owners become the new set (reversed order).
    let (msg, digest3) =
        rec::recovery_message(p, module, safe.address, new_owners.clone(), 2).await.unwrap();
    rec::multi_confirm(
        p,
        module,
        chain.address(0),
        &msg,
        vec![(guardians[2], sig_of(chain, 8, digest3)), (guardians[1], sig_of(chain, 7, digest3))],
        true,
    )
    .await
    .unwrap();
    chain.advance_time(PERIOD - 5).await.unwrap();
    assert!(rec::finalize(p, module, chain.address(0), safe.address).await.is_err(), "5 s early");
    chain.advance_time(5).await.unwrap();
    rec::finalize(p, module, chain.address(0), safe.address).await.unwrap();
    let info = read_safe(p, safe.address).await.unwrap();
    assert_eq!(info.owners, vec![chain.address(2), chain.address(9)], "newOwners reversed");
    assert_eq!(info.threshold, 2);

    // A guardian as a new owner: finalize reverts, and the owners can still cancel.
    let (msg, digest4) =
        rec::recovery_message(p, module, safe.address, vec![guardians[0]], 1).await.unwrap();
    rec::multi_confirm(
        p,
        module,
        chain.address(0),
        &msg,
        vec![(guardians[2], sig_of(chain, 8, digest4)), (guardians[1], sig_of(chain, 7, digest4))],
        true,
    )
    .await
    .unwrap();
    chain.advance_time(PERIOD).await.unwrap();
    let e = rec::finalize(p, module, chain.address(0), safe.address).await.unwrap_err().to_string();
    assert!(e.contains("new owner cannot be guardian"), "{e}");
    // With the module disabled, finalize fails too (GS104 inside).
    let new_safe =
        TestSafe { owners: vec![chain.signer(2).clone(), chain.signer(9).clone()], ..safe.clone() };
    let info = read_safe(p, safe.address).await.unwrap();
    new_safe
        .execute(p, &info.disable_module_tx(module, info.nonce).unwrap(), &[0, 1], chain.deployer())
        .await
        .unwrap();
    assert!(rec::finalize(p, module, chain.address(0), safe.address).await.is_err());
}

/// `read_recovery` takes a `SafeInfo` by reference; the helper closure owns one.
struct SafeInfoRef(coffer_chain::SafeInfo);

on_coffer_and_canonical_141!(recovery_scenarios => recovery_on_coffer_safe, recovery_on_canonical_141);

/// The §4 cases the scenario above leaves out: a contract guardian (a 2-of-2 Safe) confirming
/// through `multiConfirmRecovery` with an ERC-1271 signature (its owners' signatures of the
/// SafeMessage wrapping the recovery digest, checked by the real CompatibilityFallbackHandler),
/// refused when the guardian Safe's own threshold is not met or the digest is wrong; an empty
/// signature from the sending guardian; a duplicate and a zero address in `newOwners` (finalize
/// reverts, nothing changes, the request is stuck until the owners cancel); a transaction guard
/// that blocks every Safe tx does not block the recovery (1.4.1: module txs bypass it); then a good
/// recovery confirmed by the Safe guardian whose first new owner is old owner 0, with threshold 1.
async fn recovery_contract_guardian_and_bad_owners(imp: Implementation) {
    use coffer_chain::recovery as rec;
    use coffer_chain::test_utils::sign_hash;
    use coffer_core::{pack_signatures, recovery::RecoveryMessage, safe_message_hash};
    let (owned, suite, safe, module) = recovery_fixture(imp).await;
    let chain = &owned;
    let p = chain.provider();
    // The guardian Safe: 2-of-2, owned by accounts 4 and 5.
    let gsafe = chain.create_safe_with(&suite, &[4, 5], 2, 7).await.unwrap();
    let g7 = chain.address(7);
    enable_recovery(chain, &suite, &safe, module, &[gsafe.address, g7], 2).await;
    let owners_before = read_safe(p, safe.address).await.unwrap().owners;
    let threshold_before = read_safe(p, safe.address).await.unwrap().threshold;

    // The guardian Safe's ERC-1271 signature of `digest` by its owners at `who`.
    let safe_sig = |digest: B256, who: &[usize]| -> Bytes {
        let h = safe_message_hash(&gsafe.ctx, digest.as_slice());
        let sigs: Vec<_> = who.iter().map(|i| sign_hash(&gsafe.owners[*i], h).unwrap()).collect();
        pack_signatures(&sigs).unwrap()
    };
    // The guardian Safe (its owners 0 and 1) and g7 (the sender, empty signature) confirm `msg` in one
    // multiConfirmRecovery that starts the recovery; then the recovery period passes.
    let gsafe_address = gsafe.address;
    let confirm_by_both_and_wait = |msg: RecoveryMessage, digest: B256| {
        let sig = safe_sig(digest, &[0, 1]);
        async move {
            let sigs = vec![(gsafe_address, sig), (g7, Bytes::new())];
            rec::multi_confirm(p, module, g7, &msg, sigs, true).await.unwrap();
            chain.advance_time(PERIOD).await.unwrap();
        }
    };
    let multi_reason = |msg: &RecoveryMessage, sigs: Vec<(Address, Bytes)>| {
        let mut sigs = sigs;
        sigs.sort_by_key(|(s, _)| *s);
        let data = ISocialRecoveryLocal::multi(msg, sigs);
        async move {
            chain
                .revert_reason(
                    TransactionRequest::default().with_from(g7).with_to(module).with_input(data),
                )
                .await
                .unwrap()
        }
    };

    // A request the library refuses to build (its preflight names the bad owner), built by hand
    // as another client could, its digest checked against the module's getRecoveryHash.
    let raw_message = |new_owners: Vec<Address>| async move {
        let e = rec::recovery_message(p, module, safe.address, new_owners.clone(), 1)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("finalize would revert"), "{e}");
        let m = coffer_contracts::bindings::ISocialRecovery::new(module, p);
        let nonce = m.nonce(safe.address).call().await.unwrap();
        let msg = RecoveryMessage {
            wallet: safe.address,
            new_owners,
            new_threshold: U256::from(1),
            nonce,
        };
        let digest = msg.digest(chain.chain_id(), module);
        let on_chain = m
            .getRecoveryHash(safe.address, msg.new_owners.clone(), msg.new_threshold, nonce)
            .call()
            .await
            .unwrap();
        assert_eq!(digest, on_chain);
        (msg, digest)
    };

    // --- a duplicate new owner: [9, 9], threshold 1 ---
    let dup = vec![chain.address(9), chain.address(9)];
    let (msg, digest) = raw_message(dup.clone()).await;
    // The Safe guardian below its own threshold (one of two owners), or over another digest:
    // not a valid contract signature.
    let r =
        multi_reason(&msg, vec![(gsafe.address, safe_sig(digest, &[0])), (g7, Bytes::new())]).await;
    assert_eq!(r.as_deref(), Some("SM: Invalid guardian signature"), "{}: 1 of 2 owners", imp);
    let wrong = msg.digest(chain.chain_id() + 1, module);
    let r = multi_reason(&msg, vec![(gsafe.address, safe_sig(wrong, &[0, 1])), (g7, Bytes::new())])
        .await;
    assert_eq!(r.as_deref(), Some("SM: Invalid guardian signature"), "{}: wrong digest", imp);
    // An empty signature must come from its signer.
    let r = chain
        .revert_reason(
            TransactionRequest::default().with_from(chain.address(0)).with_to(module).with_input(
                ISocialRecoveryLocal::multi(
                    &msg,
                    vec![(gsafe.address, safe_sig(digest, &[0, 1])), (g7, Bytes::new())],
                ),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        r.as_deref(),
        Some("SM: sender not a guardian"),
        "{imp}: an empty signature, sent by a non-guardian"
    );
    // An empty signature for the Safe guardian, sent by guardian 7: not the signer.
    let r = multi_reason(&msg, vec![(gsafe.address, Bytes::new()), (g7, sig_of(chain, 7, digest))])
        .await;
    assert_eq!(
        r.as_deref(),
        Some("SM: null signature should have the signer as the sender"),
        "{imp}: an empty signature for another guardian"
    );
    // Guardian 7 alone (an ECDSA signature) is below the guardian threshold of 2.
    let e = rec::multi_confirm(
        p,
        module,
        chain.address(0),
        &msg,
        vec![(g7, sig_of(chain, 7, digest))],
        true,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("less than threshold"), "{imp}: {e}");
    // The Safe guardian's valid ERC-1271 signature + guardian 7's empty one, sent by guardian 7.
    rec::multi_confirm(
        p,
        module,
        g7,
        &msg,
        vec![(gsafe.address, safe_sig(digest, &[1, 0])), (g7, Bytes::new())],
        true,
    )
    .await
    .unwrap();
    let info = read_safe(p, safe.address).await.unwrap();
    let st = rec::read_recovery(p, module, &info).await.unwrap();
    let pending = st.pending.clone().unwrap();
    assert_eq!((pending.approvals, pending.new_owners.clone()), (2, dup.clone()), "{imp}");
    chain.advance_time(PERIOD).await.unwrap();
    let e = rec::finalize(p, module, chain.address(0), safe.address).await.unwrap_err().to_string();
    assert!(e.contains("SM: owner addition failed"), "{imp}: {e}");
    let info = read_safe(p, safe.address).await.unwrap();
    assert_eq!(
        (&info.owners, info.threshold),
        (&owners_before, threshold_before),
        "{imp}: unchanged"
    );
    // Stuck, not gone: the owners cancel it.
    let st = rec::read_recovery(p, module, &info).await.unwrap();
    assert!(st.pending.is_some(), "{imp}: the request stays pending");
    safe.execute(p, &rec::cancel_tx(&st, info.nonce).unwrap(), &[0, 1], chain.deployer())
        .await
        .unwrap();
    let info = read_safe(p, safe.address).await.unwrap();
    assert!(rec::read_recovery(p, module, &info).await.unwrap().pending.is_none());

    // --- a zero new owner (first: the swap fails; later: the addition fails) ---
    for (zero, reason) in [
        (vec![Address::ZERO], "SM: owner replacement failed"),
        (vec![chain.address(9), Address::ZERO], "SM: owner addition failed"),
    ] {
        let (msg, digest) = raw_message(zero.clone()).await;
        confirm_by_both_and_wait(msg, digest).await;
        let e =
            rec::finalize(p, module, chain.address(0), safe.address).await.unwrap_err().to_string();
        assert!(e.contains(reason), "{imp} {zero:?}: {e}");
        let info = read_safe(p, safe.address).await.unwrap();
        assert_eq!((&info.owners, info.threshold), (&owners_before, threshold_before));
        let st = rec::read_recovery(p, module, &info).await.unwrap();
        safe.execute(p, &rec::cancel_tx(&st, info.nonce).unwrap(), &[0, 1], chain.deployer())
            .await
            .unwrap();
    }

    // --- §3 interplay (1.4.1 semantics, no module guard): a transaction guard that blocks every
    // Safe transaction does not block the recovery, which runs through execTransactionFromModule ---
    let guard = chain.deploy_test_guard().await.unwrap();
    let info = read_safe(p, safe.address).await.unwrap();
    safe.execute(p, &info.set_guard_tx(guard, info.nonce).unwrap(), &[0, 1], chain.deployer())
        .await
        .unwrap();
    coffer_contracts::bindings::TestGuard::new(guard, p)
        .configure(true, false, false)
        .from(chain.deployer())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let info = read_safe(p, safe.address).await.unwrap();
    let e = safe
        .execute(p, &rec::invalidate_nonce_tx(module, info.nonce), &[0, 1], chain.deployer())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("TestGuard: blocked before"), "{imp}: the guard blocks Safe txs: {e}");

    // --- a good recovery through the Safe guardian: [old owner 0, 9], threshold 1 ---
    let good = vec![owners_before[0], chain.address(9)];
    let (msg, digest) =
        rec::recovery_message(p, module, safe.address, good.clone(), 1).await.unwrap();
    confirm_by_both_and_wait(msg, digest).await;
    rec::finalize(p, module, chain.address(0), safe.address).await.unwrap();
    let info = read_safe(p, safe.address).await.unwrap();
    assert_eq!(info.owners, vec![chain.address(9), owners_before[0]], "{imp}: newOwners reversed");
    assert_eq!(info.threshold, 1, "{imp}");
}

/// `multiConfirmRecovery` calldata for `msg` with `sigs` as given (no sorting).
struct ISocialRecoveryLocal;

impl ISocialRecoveryLocal {
    fn multi(msg: &coffer_core::recovery::RecoveryMessage, sigs: Vec<(Address, Bytes)>) -> Vec<u8> {
        use coffer_contracts::bindings::ISocialRecovery;
        ISocialRecovery::multiConfirmRecoveryCall {
            wallet: msg.wallet,
            newOwners: msg.new_owners.clone(),
            newThreshold: msg.new_threshold,
            signatures: sigs
                .into_iter()
                .map(|(signer, signature)| ISocialRecovery::SignatureData { signer, signature })
                .collect(),
            execute: false,
        }
        .abi_encode()
    }
}

on_coffer_and_canonical_141!(recovery_contract_guardian_and_bad_owners => recovery_contract_guardian_and_bad_owners_on_coffer_safe, recovery_contract_guardian_and_bad_owners_on_canonical_141);

/// More §4 cases: wrong digests (another module, another nonce, the owners in another order);
/// revoke and change threshold; W1 both ways (a revoked guardian's confirmation is not counted,
/// comes back live when the guardian is re-added, and dies if the owners invalidate the nonce
/// first); a replacement request with more approvals wins and voids the old one; guardian
/// management by another module of the same Safe (allowed by design: a module can do anything the
/// Safe can).
async fn recovery_rotation_and_replacement(imp: Implementation) {
    use coffer_chain::recovery as rec;
    use coffer_contracts::bindings::ISocialRecovery;
    let (owned, suite, safe, module) = recovery_fixture(imp).await;
    let chain = &owned;
    let p = chain.provider();
    let m = &ISocialRecovery::new(module, p);
    let safe_ref = &safe;
    let (g6, g7, g8) = (chain.address(6), chain.address(7), chain.address(8));
    enable_recovery(chain, &suite, &safe, module, &[g6, g7, g8], 2).await;
    let run = |build: BuildTx| async move {
        let info = read_safe(p, safe_ref.address).await.unwrap();
        let st = rec::read_recovery(p, module, &info).await.unwrap();
        safe_ref.execute(p, &build(&info, &st), &[0, 1], chain.deployer()).await.unwrap();
        let info = read_safe(p, safe_ref.address).await.unwrap();
        rec::read_recovery(p, module, &info).await.unwrap()
    };
    let reason = |from: Address, data: Vec<u8>| async move {
        chain
            .revert_reason(
                TransactionRequest::default().with_from(from).with_to(module).with_input(data),
            )
            .await
            .unwrap()
    };
    let new_owners = vec![chain.address(9), chain.address(2)];
    let (msg, digest) =
        rec::recovery_message(p, module, safe.address, new_owners.clone(), 2).await.unwrap();
    let approvals = |owners: Vec<Address>| async move {
        m.getRecoveryApprovals(safe_ref.address, owners, U256::from(2)).call().await.unwrap()
    };

    // --- wrong digests: another module, another nonce, the owners in another order ---
    let mut later = msg.clone();
    later.nonce += U256::from(1);
    let mut reordered = msg.clone();
    reordered.new_owners.reverse();
    for (what, d) in [
        ("another module", msg.digest(chain.chain_id(), chain.address(0))),
        ("another nonce", later.digest(chain.chain_id(), module)),
        ("another owner order", reordered.digest(chain.chain_id(), module)),
    ] {
        assert_ne!(d, digest);
        let data = ISocialRecoveryLocal::multi(&msg, vec![(g7, sig_of(chain, 7, d))]);
        assert_eq!(
            reason(chain.address(0), data).await.as_deref(),
            Some("SM: Invalid guardian signature"),
            "{imp}: {what}"
        );
    }

    // --- change threshold (3, then back to 2) ---
    let st =
        run(Box::new(move |info, st| rec::change_threshold_tx(st, 3, info.nonce).unwrap())).await;
    assert_eq!(st.threshold, 3, "{imp}");
    let st =
        run(Box::new(move |info, st| rec::change_threshold_tx(st, 2, info.nonce).unwrap())).await;
    assert_eq!(st.threshold, 2, "{imp}");

    // --- W1, without invalidation: 6 and 7 confirm; 7 is revoked (not counted), re-added (live) ---
    rec::confirm(p, module, g6, &msg, false).await.unwrap();
    rec::confirm(p, module, g7, &msg, false).await.unwrap();
    assert_eq!(approvals(new_owners.clone()).await, U256::from(2));
    let st = run(Box::new(move |info, st| rec::revoke_guardian_tx(st, g7, 2, info.nonce).unwrap()))
        .await;
    assert!(!st.guardians.contains(&g7), "{imp}: revoked");
    assert_eq!(approvals(new_owners.clone()).await, U256::from(1), "{imp}: 7 no longer counted");
    let e = rec::execute(p, module, chain.address(0), &msg).await.unwrap_err().to_string();
    assert!(e.contains("less than threshold"), "{imp}: {e}");
    let st =
        run(Box::new(move |info, st| rec::add_guardian_tx(info, st, g7, 2, info.nonce).unwrap()))
            .await;
    assert!(st.guardians.contains(&g7));
    assert_eq!(
        approvals(new_owners.clone()).await,
        U256::from(2),
        "{imp}: W1, the old one is live"
    );
    assert!(
        m.hasGuardianApproved(safe.address, g7, new_owners.clone(), U256::from(2))
            .call()
            .await
            .unwrap()
    );
    assert_eq!(
        reason(chain.address(0), execute_recovery_data(&msg)).await,
        None,
        "{imp}: executable"
    );

    // --- W1, with invalidation: the owners bump the nonce after the re-add: nothing is live ---
    let st = run(Box::new(move |info, st| rec::revoke_guardian_tx(st, g7, 2, info.nonce).unwrap()))
        .await;
    assert!(!st.guardians.contains(&g7));
    run(Box::new(move |info, _| rec::invalidate_nonce_tx(module, info.nonce))).await;
    let st =
        run(Box::new(move |info, st| rec::add_guardian_tx(info, st, g7, 2, info.nonce).unwrap()))
            .await;
    assert!(st.guardians.contains(&g7));
    assert_eq!(approvals(new_owners.clone()).await, U256::ZERO, "{imp}: invalidated");
    let e = rec::execute(p, module, chain.address(0), &msg).await.unwrap_err().to_string();
    assert!(e.contains("less than threshold"), "{imp}: {e}");

    // --- replacement: A with 2 approvals, then B with 3 replaces it ---
    let (msg_a, da) =
        rec::recovery_message(p, module, safe.address, new_owners.clone(), 2).await.unwrap();
    rec::multi_confirm(
        p,
        module,
        chain.address(0),
        &msg_a,
        vec![(g6, sig_of(chain, 6, da)), (g7, sig_of(chain, 7, da))],
        true,
    )
    .await
    .unwrap();
    let b_owners = vec![chain.address(9)];
    let (msg_b, db) =
        rec::recovery_message(p, module, safe.address, b_owners.clone(), 1).await.unwrap();
    assert_eq!(msg_b.nonce, msg_a.nonce + U256::from(1), "executing A bumped the nonce");
    rec::multi_confirm(
        p,
        module,
        chain.address(0),
        &msg_b,
        vec![(g6, sig_of(chain, 6, db)), (g7, sig_of(chain, 7, db)), (g8, sig_of(chain, 8, db))],
        true,
    )
    .await
    .unwrap();
    let info = read_safe(p, safe.address).await.unwrap();
    let pending = rec::read_recovery(p, module, &info).await.unwrap().pending.unwrap();
    assert_eq!((pending.approvals, pending.new_owners, pending.new_threshold), (3, b_owners, 1));
    chain.advance_time(PERIOD).await.unwrap();
    rec::finalize(p, module, chain.address(0), safe.address).await.unwrap();
    let info = read_safe(p, safe.address).await.unwrap();
    assert_eq!((info.owners.clone(), info.threshold), (vec![chain.address(9)], 1), "{imp}: B won");

    // --- another module of the same Safe manages the guardians (allowed by design) ---
    let other = chain.address(4);
    let owner9 = TestSafe { owners: vec![chain.signer(9).clone()], ..safe.clone() };
    owner9
        .execute(p, &info.enable_module_tx(other, info.nonce).unwrap(), &[0], chain.deployer())
        .await
        .unwrap();
    let add = ISocialRecovery::addGuardianWithThresholdCall {
        guardian: chain.address(3),
        threshold: U256::from(3),
    };
    let via_module = ISafe::execTransactionFromModuleCall {
        to: module,
        value: U256::ZERO,
        data: add.abi_encode().into(),
        operation: 0,
    };
    chain
        .send_tx(
            TransactionRequest::default()
                .with_from(other)
                .with_to(safe.address)
                .with_input(via_module.abi_encode())
                .with_gas_limit(1_000_000),
        )
        .await
        .unwrap();
    let info = read_safe(p, safe.address).await.unwrap();
    let st = rec::read_recovery(p, module, &info).await.unwrap();
    assert_eq!(st.guardians.first(), Some(&chain.address(3)), "{imp}: added by another module");
    assert_eq!(st.threshold, 3);
}

/// Builds a Safe tx from the Safe's and the module's current state.
type BuildTx =
    Box<dyn FnOnce(&coffer_chain::SafeInfo, &coffer_chain::recovery::RecoveryStatus) -> SafeTx>;

/// `executeRecovery` calldata for `msg`.
fn execute_recovery_data(msg: &coffer_core::recovery::RecoveryMessage) -> Vec<u8> {
    coffer_contracts::bindings::ISocialRecovery::executeRecoveryCall {
        wallet: msg.wallet,
        newOwners: msg.new_owners.clone(),
        newThreshold: msg.new_threshold,
    }
    .abi_encode()
}

on_coffer_and_canonical_141!(recovery_rotation_and_replacement => recovery_rotation_and_replacement_on_coffer_safe, recovery_rotation_and_replacement_on_canonical_141);

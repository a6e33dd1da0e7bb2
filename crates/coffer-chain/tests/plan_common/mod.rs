//! Shared setup of the payout-plan tests: an Osaka anvil that enforces the EIP-7825
//! per-transaction gas cap, a suite, `PayoutPlanModule`, a 2-of-3 Safe with the module enabled, a
//! funded `TestToken`, and plans built with coffer-core + `coffer_chain::plan`.
#![allow(clippy::unwrap_used, clippy::panic, dead_code)]

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use coffer_chain::{
    ExecutionReport, SuiteAddresses,
    plan::{
        PlanChunks, TX_GAS_CAP, approve_plan_tx, deploy_payout_plan_module, measure_transfer_gas,
        plan_chunks, revoke_plan_tx,
    },
    read_safe,
    test_utils::{Implementation, TestChain, TestSafe},
};
use coffer_contracts::bindings::IERC20;
use coffer_core::{
    MultiSendEntry, PlanDomain, PlanTotals, SafeTx, TokenCap, check_plan, erc20_transfer_calldata,
    plan_totals,
};
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs a scenario once per implementation, as `<scenario>::coffer` and `<scenario>::canonical141`.
#[macro_export]
macro_rules! on_both {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn coffer() -> $crate::plan_common::TestResult {
                super::$scenario(coffer_chain::test_utils::Implementation::Coffer).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn canonical141() -> $crate::plan_common::TestResult {
                super::$scenario(coffer_chain::test_utils::Implementation::Canonical141).await
            }
        }
    )*};
}

alloy::sol! {
    function mint(address to, uint256 amount);
}

/// Everything a plan test needs.
pub(crate) struct Env {
    pub(crate) chain: TestChain,
    pub(crate) suite: SuiteAddresses,
    pub(crate) module: Address,
    pub(crate) safe: TestSafe,
    pub(crate) token: Address,
    /// The next plan salt (each plan of the Safe needs its own).
    pub(crate) salt: AtomicU64,
}

/// A recipient that has never held anything.
pub(crate) fn recipient(tag: &str, i: u64) -> Address {
    Address::from_word(keccak256(format!("coffer plan recipient {tag} {i}")))
}

impl Env {
    /// Osaka anvil with the per-transaction cap, `imp`'s suite, the module, a 2-of-3 Safe owned
    /// by accounts 1..=3 with the module enabled (one Safe tx, 2 signatures), and a TestToken.
    pub(crate) async fn new(imp: Implementation) -> Result<Self, Box<dyn std::error::Error>> {
        let chain = TestChain::builder()
            .arg("--hardfork")
            .arg("osaka")
            .arg("--enable-tx-gas-limit")
            .spawn()
            .await?;
        let suite = chain.deploy_suite(imp).await?;
        let module = deploy_payout_plan_module(
            chain.provider(),
            chain.deployer(),
            suite.multi_send_call_only,
        )
        .await?
        .address;
        let safe = chain.create_test_safe(&suite, 3, 2).await?;
        let token = chain.deploy_contract(coffer_contracts::artifact("TestToken")?, &[]).await?;
        let env = Self { chain, suite, module, safe, token, salt: AtomicU64::new(1) };
        let info = read_safe(env.chain.provider(), env.safe.address).await?;
        let tx = info.enable_module_tx(module, info.nonce)?;
        env.exec(&tx).await?;
        Ok(env)
    }

    pub(crate) fn provider(&self) -> &alloy::providers::DynProvider {
        self.chain.provider()
    }

    /// The domain of a new plan: every call takes a fresh salt.
    pub(crate) fn domain(&self) -> PlanDomain {
        PlanDomain {
            chain_id: self.chain.chain_id(),
            module: self.module,
            safe: self.safe.address,
            salt: self.salt.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Signs `tx` by owners 0 and 1 (2 of 3) and executes it from account 0.
    pub(crate) async fn exec(&self, tx: &SafeTx) -> Result<ExecutionReport, coffer_chain::Error> {
        self.safe.execute(self.provider(), tx, &[0, 1], self.chain.deployer()).await
    }

    pub(crate) async fn nonce(&self) -> U256 {
        coffer_chain::safe_nonce(self.provider(), self.safe.address).await.unwrap()
    }

    /// Mints `amount` of the token to `to`.
    pub(crate) async fn mint(&self, to: Address, amount: U256) {
        let tx = TransactionRequest::default()
            .with_from(self.chain.deployer())
            .with_to(self.token)
            .with_input(Bytes::from(mintCall { to, amount }.abi_encode()));
        self.chain.send_tx(tx).await.unwrap();
    }

    pub(crate) async fn balance(&self, who: Address) -> U256 {
        IERC20::new(self.token, self.provider()).balanceOf(who).call().await.unwrap()
    }

    /// `n` ERC-20 payouts to fresh recipients tagged `tag`; payout `i` is `i + 1` base units
    /// times 10^12 (distinct amounts, so a payout made twice or to the wrong row shows).
    pub(crate) fn payouts(&self, tag: &str, n: u64) -> Vec<(Address, U256)> {
        (0..n)
            .map(|i| (recipient(tag, i), U256::from(i + 1) * U256::from(1_000_000_000_000u64)))
            .collect()
    }

    pub(crate) fn entries(&self, payouts: &[(Address, U256)]) -> Vec<MultiSendEntry> {
        payouts
            .iter()
            .map(|(to, amount)| {
                MultiSendEntry::call(self.token, U256::ZERO, erc20_transfer_calldata(*to, *amount))
            })
            .collect()
    }

    /// Chunks `entries` under the EIP-7825 cap, with the per-transfer gas measured on chain
    /// (a simulation of the first 32 payouts from the Safe, which must be funded).
    pub(crate) async fn chunk(&self, entries: &[MultiSendEntry]) -> (u64, Vec<Bytes>) {
        let sample = &entries[..entries.len().min(32)];
        let inner = measure_transfer_gas(
            self.provider(),
            self.safe.address,
            self.suite.simulate_tx_accessor,
            self.suite.multi_send_call_only,
            sample,
        )
        .await
        .unwrap();
        (inner, plan_chunks(entries, inner, TX_GAS_CAP).unwrap())
    }

    /// Builds the plan over `chunks`, checks it with coffer-core, and approves it with exact
    /// caps and an expiry `ttl` seconds after the latest block, in one Safe tx signed by 2
    /// owners.
    pub(crate) async fn approve(
        &self,
        chunks: Vec<Bytes>,
        ttl: u64,
    ) -> (PlanChunks, PlanTotals, ExecutionReport) {
        let plan = PlanChunks::new(self.domain(), chunks).unwrap();
        let totals = plan_totals(plan.chunks()).unwrap();
        let caps: Vec<TokenCap> = totals.exact_caps().unwrap();
        check_plan(&plan.domain(), plan.chunks(), &caps).unwrap();
        let expiry = self.now().await + ttl;
        let tx = approve_plan_tx(
            self.module,
            plan.root(),
            plan.chunk_count(),
            expiry,
            plan.domain().salt,
            &caps,
            self.nonce().await,
        );
        let report = self.exec(&tx).await.unwrap();
        (plan, totals, report)
    }

    pub(crate) async fn revoke(&self, root: B256) -> ExecutionReport {
        let tx = revoke_plan_tx(self.module, root, self.nonce().await);
        self.exec(&tx).await.unwrap()
    }

    /// Approves `plan` as it is (no coffer-core check: for plans the module must refuse at
    /// execution), with a cap of 10^30 on the test token and on ether, expiring in an hour.
    pub(crate) async fn approve_unchecked(
        &self,
        plan: PlanChunks,
    ) -> (PlanChunks, (), ExecutionReport) {
        let expiry = self.now().await + 3600;
        let big = U256::from(10).pow(U256::from(30));
        let caps = [
            TokenCap { token: Address::ZERO, amount: big },
            TokenCap { token: self.token, amount: big },
        ];
        let tx = approve_plan_tx(
            self.module,
            plan.root(),
            plan.chunk_count(),
            expiry,
            plan.domain().salt,
            &caps,
            self.nonce().await,
        );
        let report = self.exec(&tx).await.unwrap();
        (plan, (), report)
    }

    /// The latest block's timestamp.
    pub(crate) async fn now(&self) -> u64 {
        self.provider()
            .get_block_by_number(Default::default())
            .await
            .unwrap()
            .unwrap()
            .header
            .timestamp
    }

    /// Moves the chain's clock forward by `secs` and mines a block.
    pub(crate) async fn warp(&self, secs: u64) {
        self.provider()
            .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (secs,))
            .await
            .unwrap();
        self.provider().raw_request::<_, serde_json::Value>("evm_mine".into(), ()).await.unwrap();
    }
}

/// Asserts that every `(recipient, amount)` holds exactly `amount` of the token (8 readers at once).
pub(crate) async fn check_balances(env: &Env, payouts: &[(Address, U256)]) {
    let mut set = tokio::task::JoinSet::new();
    for part in payouts.chunks(payouts.len().div_ceil(8).max(1)) {
        let part = part.to_vec();
        let provider = env.provider().clone();
        let token = env.token;
        set.spawn(async move {
            let erc20 = IERC20::new(token, &provider);
            for (to, amount) in part {
                let got = erc20.balanceOf(to).call().await.unwrap();
                assert_eq!(got, amount, "recipient {to}");
            }
        });
    }
    while let Some(done) = set.join_next().await {
        done.unwrap();
    }
}

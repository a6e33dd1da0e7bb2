//! Shared helpers of the differential contract suite (`tests/suite_*.rs`).
//!
//! Every scenario is an `async fn(Implementation) -> TestResult` and is run once per Safe
//! implementation by [`on_both!`]: coffer's suite (the committed artifacts) and the canonical Safe
//! 1.4.1 bytecode from npm. The test helper contracts (`contracts/src/test/`) come from coffer's
//! committed artifacts and are the same on both runs; only the Safe suite differs.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::panic,
    clippy::too_many_arguments
)]

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, Log, U256, keccak256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolCall,
};
use coffer_chain::{
    SuiteAddresses,
    test_utils::{Implementation, TestChain, TestSafe},
};
use coffer_contracts::bindings::ISafe;
use coffer_core::{SafeSignature, SafeTx, pack_signatures};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs each named scenario once per implementation, as `<scenario>::coffer` and
/// `<scenario>::canonical141`.
macro_rules! on_both {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn coffer() -> $crate::suite_common::TestResult {
                super::$scenario(coffer_chain::test_utils::Implementation::Coffer).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn canonical141() -> $crate::suite_common::TestResult {
                super::$scenario(coffer_chain::test_utils::Implementation::Canonical141).await
            }
        }
    )*};
}

/// A fresh anvil with `imp`'s suite deployed.
pub async fn setup(
    imp: Implementation,
) -> Result<(TestChain, SuiteAddresses), coffer_chain::Error> {
    let chain = TestChain::spawn().await?;
    // anvil mines each transaction at once: poll for receipts every 10 ms, not every 250 ms.
    chain.provider().client().set_poll_interval(std::time::Duration::from_millis(10));
    let suite = chain.deploy_suite(imp).await?;
    Ok((chain, suite))
}

/// A deterministic address nobody has a key for (fresh: no code, no balance).
pub fn recipient(i: u64) -> Address {
    Address::from_word(keccak256(format!("coffer suite recipient {i}")))
}

/// Deploys the test helper contract `name` (from `contracts/src/test/`, coffer's committed
/// artifacts) with a plain CREATE from account 0.
pub async fn deploy_helper(chain: &TestChain, name: &str, args: &[u8]) -> Address {
    let artifact = coffer_contracts::artifact(name)
        .unwrap_or_else(|e| panic!("test helper {name}: {e} (regenerate the artifacts)"));
    assert!(artifact.is_test_helper(), "{name} is not a test helper");
    chain.deploy_contract(artifact, args).await.unwrap()
}

/// What an `eth_call` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Returned this data.
    Returned(Bytes),
    /// Reverted with this data (possibly empty).
    Reverted(Bytes),
}

impl Outcome {
    /// The revert reason as a readable string: the `Error(string)` message (a GS code reads
    /// `"GS013"`), a panic, or a description of raw data; `None` if it returned.
    pub fn reason(&self) -> Option<String> {
        match self {
            Self::Returned(_) => None,
            Self::Reverted(data) => Some(coffer_chain::revert_reason(data)),
        }
    }

    /// The returned data; panics (naming `what`) on a revert.
    pub fn returned(self, what: &str) -> Bytes {
        match self {
            Self::Returned(d) => d,
            Self::Reverted(d) => {
                panic!("{what} reverted: {}", coffer_chain::revert_reason(&d))
            }
        }
    }
}

/// `eth_call`s `to` with `data` from `from` and reports what happened. A JSON-RPC error that is
/// not a revert panics.
pub async fn call<P: Provider>(
    p: &P,
    from: Address,
    to: Address,
    data: impl Into<Bytes>,
) -> Outcome {
    call_request(
        p,
        TransactionRequest::default().with_from(from).with_to(to).with_input(data.into()),
    )
    .await
}

/// `eth_call`s `request`; see [`call`].
pub async fn call_request<P: Provider>(p: &P, request: TransactionRequest) -> Outcome {
    match p.call(request).await {
        Ok(data) => Outcome::Returned(data),
        Err(e) => {
            let resp = e.as_error_resp().unwrap_or_else(|| panic!("eth_call failed: {e}"));
            if let Some(data) = resp.as_revert_data() {
                return Outcome::Reverted(data);
            }
            // anvil reports a revert without data as "execution reverted" with no data field.
            if resp.message.contains("revert") {
                return Outcome::Reverted(Bytes::new());
            }
            panic!("eth_call failed: {e}")
        }
    }
}

/// Asserts that `outcome` is a revert with exactly the `Error(string)` message `reason`.
#[track_caller]
pub fn assert_reverts(outcome: &Outcome, reason: &str, what: &str) {
    match outcome {
        Outcome::Reverted(data) => {
            let expected: Bytes =
                alloy::sol_types::SolError::abi_encode(&alloy::sol_types::Revert::from(reason))
                    .into();
            assert_eq!(
                *data,
                expected,
                "{what}: expected revert {reason:?}, got {}",
                coffer_chain::revert_reason(data)
            );
        }
        Outcome::Returned(d) => panic!("{what}: expected revert {reason:?}, but it returned {d}"),
    }
}

/// `execTransaction` calldata for `tx` with the packed `signatures`.
pub fn exec_calldata(tx: &SafeTx, signatures: impl Into<Bytes>) -> Bytes {
    ISafe::execTransactionCall {
        to: tx.to,
        value: tx.value,
        data: tx.data.clone(),
        operation: tx.operation.as_u8(),
        safeTxGas: tx.safe_tx_gas,
        baseGas: tx.base_gas,
        gasPrice: tx.gas_price,
        gasToken: tx.gas_token,
        refundReceiver: tx.refund_receiver,
        signatures: signatures.into(),
    }
    .abi_encode()
    .into()
}

/// The packed EIP-712 signatures of `tx` by `safe`'s owners at `indices` (sorted by owner).
pub fn signed(safe: &TestSafe, tx: &SafeTx, indices: &[usize]) -> Bytes {
    pack_signatures(&safe.sign_by(tx, indices).unwrap()).unwrap()
}

/// `eth_call`s `execTransaction(tx, signatures)` on `safe` from `from`.
pub async fn exec_call<P: Provider>(
    p: &P,
    safe: Address,
    tx: &SafeTx,
    signatures: impl Into<Bytes>,
    from: Address,
) -> Outcome {
    call(p, from, safe, exec_calldata(tx, signatures)).await
}

/// Sends `execTransaction(tx, signatures)` to `safe` from `from` (a dev account) and returns the
/// receipt; panics if it reverts.
pub async fn exec_send(
    chain: &TestChain,
    safe: Address,
    tx: &SafeTx,
    signatures: impl Into<Bytes>,
    from: Address,
) -> TransactionReceipt {
    send(chain, from, safe, exec_calldata(tx, signatures), U256::ZERO).await
}

/// Signs `tx` by the owners at `indices` and executes it from account 0; panics on a revert.
pub async fn exec_signed(
    chain: &TestChain,
    safe: &TestSafe,
    tx: &SafeTx,
    indices: &[usize],
) -> TransactionReceipt {
    exec_send(chain, safe.address, tx, signed(safe, tx, indices), chain.deployer()).await
}

/// Sends a transaction from the dev account `from` and returns its receipt; panics if it
/// reverts (naming the revert reason from an `eth_call` replay).
pub async fn send(
    chain: &TestChain,
    from: Address,
    to: Address,
    data: impl Into<Bytes>,
    value: U256,
) -> TransactionReceipt {
    let data = data.into();
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_input(data.clone())
        .with_value(value);
    let p = chain.provider();
    let receipt = p.send_transaction(request.clone()).await.unwrap().get_receipt().await.unwrap();
    if !receipt.status() {
        panic!("transaction to {to} reverted: {:?}", call_request(p, request).await.reason());
    }
    receipt
}

/// The Safe transaction nonce of `safe`.
pub async fn nonce<P: Provider>(p: &P, safe: Address) -> U256 {
    ISafe::new(safe, p).nonce().call().await.unwrap()
}

/// A Safe transaction that calls the Safe itself with `data` (an owner/module/guard change),
/// at the Safe's current nonce.
pub async fn self_tx<P: Provider>(p: &P, safe: Address, data: impl SolCall) -> SafeTx {
    SafeTx::call(safe, U256::ZERO, data.abi_encode(), nonce(p, safe).await)
}

/// Runs the management call `data` on `safe` as a Safe transaction signed by the owners at
/// `indices`; panics unless it succeeds. Returns the receipt.
pub async fn manage(
    chain: &TestChain,
    safe: &TestSafe,
    data: impl SolCall,
    indices: &[usize],
) -> TransactionReceipt {
    let tx = self_tx(chain.provider(), safe.address, data).await;
    let receipt = exec_signed(chain, safe, &tx, indices).await;
    assert_eq!(
        execution_event(&receipt, safe.address),
        Some(true),
        "management call on {} did not succeed",
        safe.address
    );
    receipt
}

/// `Some(true)` for `ExecutionSuccess` emitted by `safe` in `receipt`, `Some(false)` for
/// `ExecutionFailure`, `None` for neither.
pub fn execution_event(receipt: &TransactionReceipt, safe: Address) -> Option<bool> {
    use alloy::sol_types::SolEvent;
    receipt.inner.logs().iter().filter(|l| l.address() == safe).find_map(|l| {
        match l.topics().first() {
            Some(t) if *t == ISafe::ExecutionSuccess::SIGNATURE_HASH => Some(true),
            Some(t) if *t == ISafe::ExecutionFailure::SIGNATURE_HASH => Some(false),
            _ => None,
        }
    })
}

/// The raw logs of a receipt as `(emitter, topics, data)`.
pub fn raw_logs(receipt: &TransactionReceipt) -> Vec<Log> {
    receipt.inner.logs().iter().map(|l| l.inner.clone()).collect()
}

/// The static part of an EIP-712 signature of `hash` by `signer` (r ‖ s ‖ v, v = 27/28).
pub fn ecdsa_712(signer: &PrivateKeySigner, hash: B256) -> [u8; 65] {
    let sig = signer.sign_hash_sync(&hash).unwrap();
    SafeSignature::from_eip712_rsv(hash, sig).unwrap().static_part(0)
}

/// The static part of an eth_sign signature of `hash` by `signer` (v = 31/32).
pub fn ecdsa_eth_sign(signer: &PrivateKeySigner, hash: B256) -> [u8; 65] {
    let sig = signer.sign_message_sync(hash.as_slice()).unwrap();
    SafeSignature::from_eth_sign(hash, sig).unwrap().static_part(0)
}

/// A 32-byte word holding `value`.
pub fn word(value: impl Into<U256>) -> [u8; 32] {
    value.into().to_be_bytes::<32>()
}

/// A static part `r ‖ s ‖ v` from words.
pub fn part(r: impl Into<U256>, s: impl Into<U256>, v: u8) -> [u8; 65] {
    let mut out = [0u8; 65];
    out[..32].copy_from_slice(&word(r));
    out[32..64].copy_from_slice(&word(s));
    out[64] = v;
    out
}

/// An address as a U256 (for `r` of v = 0/1 parts).
pub fn addr_word(a: Address) -> U256 {
    U256::from_be_slice(a.as_slice())
}

/// Concatenates byte chunks.
pub fn concat(parts: &[&[u8]]) -> Bytes {
    parts.iter().flat_map(|p| p.iter().copied()).collect::<Vec<u8>>().into()
}

alloy::sol! {
    /// contracts/src/test/TestSignatureValidator.sol: `mode` 0 None, 1 LegacyOnly, 2 StandardOnly,
    /// 3 Both, 4 Revert, 5 WrongMagic.
    #[sol(rpc)]
    interface ITestSignatureValidator {
        function configure(uint8 mode, bytes32 expectedHash, bytes calldata expectedSignature) external;
    }

    /// contracts/src/test/TestGuard.sol.
    #[sol(rpc)]
    interface ITestGuard {
        event TransactionChecked(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures, address msgSender);
        event ExecutionChecked(bytes32 txHash, bool success);
        function configure(bool revertBefore, bool revertAfter, bool denyInterface) external;
    }

    /// contracts/src/test/TestModule.sol.
    #[sol(rpc)]
    interface ITestModule {
        event ModuleExecuted(address safe, bool success, bytes returnData);
        function exec(address safe, address to, uint256 value, bytes calldata data, uint8 operation) external returns (bool success);
        function execReturnData(address safe, address to, uint256 value, bytes calldata data, uint8 operation) external returns (bool success, bytes memory returnData);
    }

    /// contracts/src/test/TestCreationCallback.sol.
    #[sol(rpc)]
    interface ITestCreationCallback {
        event ProxyCreated(address proxy, address singleton, bytes initializer, uint256 saltNonce);
    }

    /// contracts/src/test/TestToken.sol (an ERC-20 with an open mint; refuses ether).
    #[sol(rpc)]
    interface ITestToken {
        event Transfer(address indexed from, address indexed to, uint256 value);
        function mint(address to, uint256 amount) external;
        function transfer(address to, uint256 amount) external returns (bool);
        function balanceOf(address owner) external view returns (uint256);
    }
}

/// TestSignatureValidator modes.
pub mod mode {
    pub const NONE: u8 = 0;
    pub const LEGACY_ONLY: u8 = 1;
    pub const STANDARD_ONLY: u8 = 2;
    pub const BOTH: u8 = 3;
    pub const REVERT: u8 = 4;
    pub const WRONG_MAGIC: u8 = 5;
}

/// Creates a `threshold`-of-`owners` Safe with arbitrary owner addresses (contracts included)
/// through the suite's factory, with the default singleton (SafeL2 off mainnet) and handler.
/// `signers` are the keys of the EOA owners, kept in [`TestSafe::owners`] for signing.
pub async fn create_safe_owned(
    chain: &TestChain,
    suite: &SuiteAddresses,
    owners: Vec<Address>,
    signers: Vec<PrivateKeySigner>,
    threshold: u64,
    salt_nonce: u64,
) -> TestSafe {
    let config =
        coffer_chain::SafeConfig::new(owners, threshold).with_salt_nonce(U256::from(salt_nonce));
    let created = coffer_chain::create_safe(chain.provider(), chain.deployer(), suite, &config)
        .await
        .unwrap();
    TestSafe {
        address: created.plan.address,
        ctx: created.info.context().unwrap(),
        owners: signers,
        threshold,
        suite: *suite,
    }
}

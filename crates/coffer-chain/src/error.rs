use alloy::primitives::{Address, B256, U256};

/// Errors of on-chain operations.
///
/// Every variant says what was found and, where there is one, what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The RPC node returned an error or could not be reached.
    #[error("RPC request failed: {0}")]
    Rpc(String),
    /// A transaction was mined but reverted.
    #[error("transaction {tx} reverted")]
    Reverted {
        /// The transaction hash.
        tx: B256,
    },
    /// Neither the Safe Singleton Factory nor Arachnid's deterministic deployment proxy exists
    /// on this chain.
    #[error(
        "no CREATE2 deployer on this chain: neither the Safe Singleton Factory (0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7) nor Arachnid's proxy (0x4e59b44847b379578588920ca78fbf26c0b4956c) has code here. Deploy one of them first."
    )]
    NoDeployer,
    /// Other code already lives at the address a contract would be deployed to.
    #[error(
        "{contract}: {address} already holds different code (code hash {found}); refusing to treat it as coffer's {contract}"
    )]
    CodeMismatch {
        /// The contract name.
        contract: String,
        /// The deterministic address.
        address: Address,
        /// keccak-256 of the code found there.
        found: B256,
    },
    /// The deployment transaction succeeded but left no code at the expected address.
    #[error("{contract}: deployment to {address} left no code there")]
    NotDeployed {
        /// The contract name.
        contract: String,
        /// The deterministic address.
        address: Address,
    },
    /// An artifact problem.
    #[error(transparent)]
    Contracts(#[from] coffer_contracts::Error),
    /// A coffer-core problem (hashing, signatures, batches).
    #[error(transparent)]
    Core(#[from] coffer_core::Error),

    /// There is no Safe at the address (no code, or it does not answer `VERSION()`).
    #[error("{address} is not a Safe: {reason}. Check the address and the RPC URL's chain.")]
    NotASafe {
        /// The address given.
        address: Address,
        /// What was found instead.
        reason: String,
    },
    /// The Safe reports a `VERSION()` coffer cannot hash for.
    #[error(
        "the Safe at {address} reports VERSION() = {version:?}, which coffer does not know; it supports 1.0.0 to 1.5.0"
    )]
    UnsupportedVersion {
        /// The Safe.
        address: Address,
        /// What `VERSION()` returned.
        version: String,
    },
    /// A contract of a suite is missing on this chain.
    #[error(
        "{contract} is not deployed at {address} on this chain. Deploy the suite first (`coffer contracts deploy`) or pass the right addresses."
    )]
    MissingContract {
        /// Which contract.
        contract: &'static str,
        /// Where it was expected.
        address: Address,
    },

    /// The transaction was prepared for another chain.
    #[error(
        "chain id mismatch: the transaction was made for chain {expected}, but the RPC node is on chain {actual}. Use an RPC URL of chain {expected}."
    )]
    ChainIdMismatch {
        /// The chain id in the transaction's context.
        expected: u64,
        /// The chain id the provider reports.
        actual: u64,
    },
    /// The transaction was prepared for another Safe version than the one on chain.
    #[error(
        "the transaction was hashed for a Safe {expected}, but the Safe at {safe} reports {actual}; re-create the proposal so its hash matches"
    )]
    VersionMismatch {
        /// The Safe.
        safe: Address,
        /// The version in the transaction's context.
        expected: String,
        /// The version on chain.
        actual: String,
    },
    /// coffer-core's safeTxHash differs from the Safe's own `getTransactionHash`. Nothing is
    /// signed or sent when this happens.
    #[error(
        "safeTxHash mismatch for the Safe at {safe}: coffer computed {computed}, the Safe's getTransactionHash returns {on_chain}. Stopping: nothing was signed or sent. This is a bug or a non-standard Safe; please report it."
    )]
    HashMismatch {
        /// The Safe.
        safe: Address,
        /// The hash coffer-core computed.
        computed: B256,
        /// The hash the Safe returned.
        on_chain: B256,
    },
    /// The transaction's nonce is below the Safe's nonce: it, or a rival transaction with the
    /// same nonce, was already executed.
    #[error(
        "nonce {tx_nonce} of the Safe at {safe} is already used (the Safe's nonce is now {safe_nonce}): this transaction or a rival one with the same nonce was executed, and it can never execute again. Nothing was sent. Run `coffer tx show` to see which transaction used the nonce; do not propose it again before checking that it was not executed."
    )]
    NonceUsed {
        /// The Safe.
        safe: Address,
        /// The transaction's nonce.
        tx_nonce: U256,
        /// The Safe's current nonce.
        safe_nonce: U256,
    },
    /// A transaction waiting in the node's mempool (another executor's, or an earlier run's) already uses this
    /// nonce: sending would only revert. Nothing is sent.
    #[error(
        "a transaction waiting in the node's mempool already uses nonce {tx_nonce} of the Safe at {safe} (its pending nonce is {pending_nonce}): another executor, or an earlier run, is executing it or a rival. Nothing was sent. Wait for it to be mined, then run `coffer tx show` to see which one executed."
    )]
    NonceTakenInMempool {
        /// The Safe.
        safe: Address,
        /// The transaction's nonce.
        tx_nonce: U256,
        /// The Safe's nonce in the pending state.
        pending_nonce: U256,
    },
    /// The transaction's nonce is above the Safe's nonce: earlier transactions must execute first.
    #[error(
        "nonce {tx_nonce} is not next for the Safe at {safe}: its nonce is {safe_nonce}. Execute the transactions with nonces {safe_nonce}..{tx_nonce} first (or reject them with empty transactions)."
    )]
    NonceNotNext {
        /// The Safe.
        safe: Address,
        /// The transaction's nonce.
        tx_nonce: U256,
        /// The Safe's current nonce.
        safe_nonce: U256,
    },
    /// Fewer valid owner signatures than the threshold.
    #[error(
        "too few valid signatures: {valid} valid of the {threshold} required{}. Collect {} more from owners.",
        fmt_problems(problems),
        threshold.saturating_sub(*valid)
    )]
    TooFewSignatures {
        /// Valid signatures from distinct current owners.
        valid: usize,
        /// The Safe's threshold.
        threshold: usize,
        /// Why each rejected signature was rejected.
        problems: Vec<String>,
    },
    /// The owners or the threshold changed after the transaction was signed, and the signatures
    /// no longer reach the threshold.
    #[error(
        "the Safe's owners or threshold changed since signing (threshold {threshold_then} -> {threshold_now}; no longer owners: {removed:?}; new owners: {added:?}); {valid} signatures are still valid of the {threshold_now} required. Collect signatures from the current owners."
    )]
    OwnersChanged {
        /// Threshold when signed.
        threshold_then: usize,
        /// Threshold now.
        threshold_now: usize,
        /// Signers-time owners that are no longer owners.
        removed: Vec<Address>,
        /// Owners added since.
        added: Vec<Address>,
        /// Valid signatures from current owners.
        valid: usize,
    },
    /// A signature the caller asked to use is not valid.
    #[error("signature of {owner} is not valid: {reason}")]
    InvalidSignature {
        /// The owner it claims to be from.
        owner: Address,
        /// Why it was rejected.
        reason: String,
    },
    /// Executing would revert; nothing was sent.
    #[error("the transaction would revert: {reason}. Nothing was sent.")]
    WouldRevert {
        /// The decoded revert reason (a GS code, an error string, or raw data).
        reason: String,
    },
    /// A Safe transaction was mined but no `ExecutionSuccess` / `ExecutionFailure` event for it
    /// was found in the receipt.
    #[error(
        "transaction {tx} was mined but emitted neither ExecutionSuccess nor ExecutionFailure for safeTxHash {safe_tx_hash}"
    )]
    NoExecutionEvent {
        /// The Ethereum transaction.
        tx: B256,
        /// The Safe transaction hash.
        safe_tx_hash: B256,
    },
    /// `simulateAndRevert` returned data coffer cannot decode.
    #[error("simulation returned undecodable data ({len} bytes): {reason}")]
    BadSimulation {
        /// Length of the revert data.
        len: usize,
        /// What was wrong.
        reason: String,
    },

    /// A management change that the Safe would refuse (with the GS code it would give).
    #[error("{0}")]
    InvalidChange(String),
    /// Safe creation parameters are not valid.
    #[error("{0}")]
    InvalidSafeConfig(String),
    /// A Safe already exists at the predicted address.
    #[error(
        "a Safe already exists at {address} for these owners, threshold and salt nonce; pick another salt nonce"
    )]
    SafeExists {
        /// The predicted (and occupied) address.
        address: Address,
    },
    /// A freshly created Safe does not hold what was asked for.
    #[error("the Safe created at {address} has {what} {found}, expected {expected}")]
    SetupMismatch {
        /// The Safe.
        address: Address,
        /// Which property.
        what: &'static str,
        /// What was asked for.
        expected: String,
        /// What the chain holds.
        found: String,
    },
    /// The account is not an owner of the Safe (`approveHash` would fail with GS030).
    #[error(
        "{account} is not an owner of the Safe at {safe} (GS030: only owners can approve a hash)"
    )]
    NotAnOwner {
        /// The account.
        account: Address,
        /// The Safe.
        safe: Address,
    },

    /// `PayoutPlanModule` refuses the call with one of its custom errors (see
    /// `docs/payout-plans.md`); when found by simulation nothing was sent.
    #[error("the PayoutPlanModule refuses: {reason}")]
    PlanRefused {
        /// The module's error name, e.g. `"InvalidProof"` or `"ChunkAlreadyExecuted"`.
        error: &'static str,
        /// What it means and what to do, with the error's values.
        reason: String,
    },
    /// A payout plan breaks the module's rules (found before anything is sent).
    #[error(transparent)]
    PlanCheck(#[from] coffer_core::PlanCheckError),
    /// A payout plan's on-chain state does not allow what was asked (not approved, another
    /// chunk count, another module, ...).
    #[error("{0}")]
    PlanState(String),
    /// PayoutPlanModule is not deployed (or not usable) where a plan needs it; the message says
    /// what to do.
    #[error("{0}")]
    ModuleUnavailable(String),

    /// A payout-plan file is missing, unreadable, of another format, or does not give its root.
    #[error("{0}")]
    PlanFile(String),

    /// A payout-plan file could not be written.
    #[error("{0}")]
    PlanFileWrite(String),

    /// A Delay (time-lock) problem: not a Delay, a refused setting, a queue entry that cannot run;
    /// the message says what to do.
    #[error("{0}")]
    Delay(String),
    /// A social-recovery problem: not a recovery module, a refused guardian or threshold, a
    /// request that cannot be started or finalized; the message says what to do.
    #[error("{0}")]
    Recovery(String),
    /// A key-drill file problem: unreadable, for another Safe or drill, a challenge that does not
    /// match its stated hash, a signature by someone else; the message says what to do.
    #[error("{0}")]
    Drill(String),
    /// A Safe message file problem (`coffer-message/1`): unreadable, a message that does not match
    /// its stated hash, a signature by someone other than its stated owner; the message says what to do.
    #[error("{0}")]
    MessageFile(String),
    /// An allowlist-guard problem: not a CofferAllowlistGuard, a guard for another Safe, a refused
    /// entry; the message says what to do.
    #[error("{0}")]
    Guard(String),

    /// The signing gate refuses a DELEGATECALL (see [`crate::gate`]).
    #[error(
        "refusing a DELEGATECALL to {target}: {reason}. A delegatecall runs the target's code with the Safe's storage and funds; pass --allow-delegatecall only if you have audited that contract"
    )]
    DelegatecallRefused {
        /// The target.
        target: Address,
        /// Why.
        reason: String,
    },
    /// A known library address holds other code than the library's (see [`crate::gate`]).
    #[error(
        "refusing a DELEGATECALL to {address}: it is the address of {library}, but {}; this is not that library. Nothing was signed or sent",
        match found { Some(h) => format!("the code there has hash {h}"), None => "there is no code there".to_owned() }
    )]
    LibraryCodeMismatch {
        /// The library expected, e.g. `"canonical 1.4.1 MultiSendCallOnly"`.
        library: String,
        /// Its address.
        address: Address,
        /// keccak-256 of the code found, `None` when there is none.
        found: Option<B256>,
    },
    /// Offline, a Safe version whose EIP-712 domain has no chain id (see [`crate::gate`]).
    #[error(
        "refusing to sign offline for a Safe {version}: that version's EIP-712 domain has no chain id, so the signature would be valid on every chain, and offline coffer cannot check the version the bundle claims. Sign online (`coffer tx import` the bundle, then `coffer tx sign`), or pass --allow-legacy-domain if you know the Safe is {version}"
    )]
    LegacyDomainRefused {
        /// The version the bundle claims.
        version: String,
    },
    /// One signature is missing, and the executor is an owner whose own approval would complete
    /// the set, but it was not asked for ([`crate::ExecutionRequest::with_executor_approval`]).
    #[error(
        "{valid} valid signature(s) of the {threshold} required: the executor {executor} is an owner and its own approval (v = 1, as msg.sender) would make {}, but it counts only when you ask for it. Nothing was sent",
        valid + 1
    )]
    ExecutorApprovalNotRequested {
        /// The executor.
        executor: Address,
        /// Valid signatures collected.
        valid: usize,
        /// The threshold.
        threshold: usize,
    },

    /// A library of the Safe's release (or of the suite chosen with `--suite`) is not at its
    /// address with the expected code (see [`crate::safe_libraries`]).
    #[error(
        "{library} of {from} is not deployed at {address} on this chain ({}). Deploy that release's libraries at their canonical addresses, or pass --suite with a suite this chain has (coffer, canonical-1.3.0, canonical-1.4.1, canonical-1.5.0)",
        match found { Some(h) => format!("the code there has hash {h}, not that release's"), None => "there is no code there".to_owned() }
    )]
    MissingLibrary {
        /// The library, e.g. `"MultiSendCallOnly"`.
        library: &'static str,
        /// Where it was expected.
        address: Address,
        /// Where the expectation came from: the Safe's release, or `--suite`.
        from: String,
        /// keccak-256 of the code found, `None` when there is none.
        found: Option<B256>,
    },
    /// The chain's EVM rejects the PUSH0 opcode (before Shanghai), which coffer's suite
    /// (compiled for Cancun) uses.
    #[error(
        "this chain's EVM does not support PUSH0 (it predates the Shanghai upgrade), and coffer's contract suite is compiled for Cancun, so {action} would fail. Use the canonical Safe suite instead: it runs on pre-Shanghai chains (`--suite canonical-1.4.1`, or `canonical-1.3.0`)"
    )]
    NoPush0 {
        /// What was refused, e.g. `"deploying coffer's suite"`.
        action: &'static str,
    },
    /// A recovery sheet or owners file is not usable (named problem, what to do).
    #[error("{0}")]
    Sheet(String),
    /// How the Safe was created could not be read from the chain.
    #[error(
        "could not read how the Safe {safe} was created (it has code from block {block} on): {reason}"
    )]
    CreationNotFound {
        /// The Safe.
        safe: Address,
        /// Its creation block (the first block where it has code).
        block: u64,
        /// What was missing.
        reason: String,
    },
    /// A contract a rebuild needs has no code on the target chain.
    #[error(
        "the {what} {address} has no code on chain {chain_id}, so the Safe cannot be re-created there yet. {how}; then rerun."
    )]
    RebuildMissing {
        /// Which contract (`SafeProxyFactory`, `singleton`, `fallback handler`, ...).
        what: &'static str,
        /// Its address.
        address: Address,
        /// The target chain.
        chain_id: u64,
        /// How to deploy it.
        how: String,
    },

    /// The same transfer (sender, receiver, value and calldata) was already sent and mined by an earlier run
    /// (found in the send journal by its hash).
    #[error(
        "this transfer (same sender, receiver, value and calldata) was already sent by an earlier run: transaction \
         {tx} (mined in block {}); nothing was sent. Pass --again to send it a second time",
        block.map_or_else(|| "?".to_owned(), |b| b.to_string())
    )]
    AlreadySent {
        /// The earlier transaction.
        tx: B256,
        /// Its block.
        block: Option<u64>,
    },

    /// The send journal (the record of signed transactions, kept so that a rerun never sends twice) could
    /// not be read or written: nothing was sent.
    #[error("the send journal failed: {0}; nothing was sent")]
    Journal(String),

    /// A test helper failed (only with the `test-utils` feature).
    #[error("{0}")]
    TestSetup(String),
}

fn fmt_problems(problems: &[String]) -> String {
    if problems.is_empty() {
        String::new()
    } else {
        format!(" (rejected: {})", problems.join("; "))
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn rpc(e: impl std::fmt::Display) -> Self {
        Self::Rpc(e.to_string())
    }
}

//! Payout plans on chain: deploying `PayoutPlanModule`, reading a plan's state, executing its
//! chunks, and running a whole plan resumably.
//!
//! `docs/payout-plans.md` is the specification. The pure side (tree, proofs, checks, calldata)
//! is `coffer_core::payout_plan`; this module talks to the chain:
//!
//! - [`deploy_payout_plan_module`] deploys the module deterministically (CREATE2, the same
//!   deployer and salt as the suite) for a given MultiSendCallOnly, its only constructor
//!   argument; [`payout_plan_module_address`] predicts where.
//! - [`read_plan`] returns a plan's [`PlanState`] (status, counts, expiry, caps, executed
//!   bitmap).
//! - [`execute_chunk`] simulates, estimates, sends and decodes one `executeChunk`; the
//!   module's custom errors become [`Error::PlanRefused`] with a readable reason.
//! - [`run_plan`] executes every chunk whose bit is not set, in index order, reporting each step
//!   to a callback that may stop the run; a later call resumes from the on-chain bitmap.
//! - [`measure_transfer_gas`] and [`plan_chunks`] cut a list of payouts into chunks that fit
//!   under a gas budget (the EIP-7825 cap by default).

use crate::{
    Error, Result,
    deploy::{Deployment, SUITE_SALT, create2_address, deploy_init_code, find_deployer},
    simulate::{revert_reason, simulate},
};
use alloy::{
    network::{Ethereum, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{PendingTransactionBuilder, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol,
    sol_types::{SolEvent, SolInterface, SolValue},
};
use coffer_contracts::{Artifact, artifact};
use coffer_core::{
    MultiSendBatch, MultiSendEntry, PayoutPlanTree, PlanDomain, SafeTx, TokenCap,
    approve_plan_calldata, bitmap_words, chunk_by_gas, execute_chunk_calldata, pending_chunks,
    revoke_plan_calldata,
};
use core::ops::ControlFlow;

sol! {
    /// `PayoutPlanModule`'s interface, written from its ABI (`docs/payout-plans.md`).
    #[sol(rpc)]
    interface IPayoutPlanModule {
        /// A cap as approved.
        struct TokenCapInfo { address token; uint256 amount; }
        /// A cap and what has been spent against it.
        struct CapState { address token; uint256 cap; uint256 spent; }
        /// A plan's stored record.
        struct Plan { uint32 chunkCount; uint32 executedCount; uint64 expiry; bool revoked; uint8 capCount; }

        event PlanApproved(address indexed safe, bytes32 indexed root, uint32 chunkCount, uint64 expiry, TokenCapInfo[] caps);
        event ChunkExecuted(address indexed safe, bytes32 indexed root, uint256 indexed index, address executor, uint256 entries);
        event PlanRevoked(address indexed safe, bytes32 indexed root, uint32 executedCount);

        error MultiSendCallOnlyHasNoCode(address multiSendCallOnly);
        error DelegateCallToModule();
        error NotAnEnabledSafe(address caller);
        error ZeroRoot();
        error ZeroChunkCount();
        error ExpiryNotInFuture(uint64 expiry, uint256 blockTime);
        error TooManyCaps(uint256 count, uint256 max);
        error DuplicateCap(address token);
        error PlanActive(address safe, bytes32 root);
        error ChunkCountMismatch(uint32 stored, uint32 given);
        error UnknownPlan(address safe, bytes32 root);
        error PlanIsRevoked(address safe, bytes32 root);
        error PlanExpired(address safe, bytes32 root, uint64 expiry);
        error ChunkIndexOutOfRange(uint256 index, uint32 chunkCount);
        error ChunkAlreadyExecuted(uint256 index);
        error InvalidProof(uint256 index);
        error EmptyChunk();
        error MalformedChunk(uint256 offset);
        error DelegateCallEntry(uint256 entry);
        error UnsupportedOperation(uint256 entry, uint8 operation);
        error ForbiddenTarget(uint256 entry, address to);
        error NotAPlainTransfer(uint256 entry);
        error UncappedToken(uint256 entry, address token);
        error CapExceeded(address token, uint256 cap, uint256 total);
        error ChunkFailed(uint256 index);

        function MULTISEND_CALL_ONLY() external view returns (address);
        function VERSION() external view returns (string memory);
        function approvePlan(bytes32 root, uint32 chunkCount, uint64 expiry, TokenCapInfo[] caps) external;
        function revokePlan(bytes32 root) external;
        function executeChunk(address safe, bytes32 planRoot, uint256 index, bytes chunkData, bytes32[] proof) external;
        function planOf(address safe, bytes32 root) external view returns (Plan memory);
        function planStatus(address safe, bytes32 root) external view returns (uint8);
        function isChunkExecuted(address safe, bytes32 root, uint256 index) external view returns (bool);
        function executedBitmap(address safe, bytes32 root, uint256 wordIndex) external view returns (uint256);
        function capsOf(address safe, bytes32 root) external view returns (CapState[] memory);
        function chunkLeaf(address safe, uint32 chunkCount, uint256 index, bytes chunkData) external view returns (bytes32);
    }
}

use IPayoutPlanModule::IPayoutPlanModuleErrors as ModuleError;

/// The contract name of the module's artifact.
pub const PAYOUT_PLAN_MODULE: &str = "PayoutPlanModule";

/// The per-transaction gas cap of EIP-7825 (Osaka): 2^24 = 16,777,216. Chunks are planned under
/// it, and no chunk is sent with a higher gas limit.
pub const TX_GAS_CAP: u64 = 1 << 24;

/// Gas a chunk costs on top of its entries, as [`plan_chunks`] budgets it: the 21,000 base, the
/// module's checks and bookkeeping (cold plan reads, the proof, a first write to a bitmap word and
/// to each cap's spent amount), `execTransactionFromModule` and the MultiSendCallOnly call. The
/// measured fixed part is about 60,000 for one capped token (`docs/payout-plans.md`, Gas); the
/// rest is margin.
pub const PLAN_CHUNK_OVERHEAD: u64 = 120_000;

/// Gas the module adds per entry (its entry walk and cap accounting: about 300 uncapped, 500
/// capped), with margin for what grows faster than linearly: a chunk is copied to memory three
/// times on its way (module, Safe, MultiSendCallOnly), and memory costs quadratically. Measured
/// on anvil: a capped chunk of 555 fresh ERC-20 transfers uses 15.79M gas and runs under the
/// 16,777,216 cap; one of 565 planned with 700 here does not.
pub const PLAN_GAS_PER_ENTRY: u64 = 1_200;

/// The module's init code for `multi_send_call_only`: the creation code followed by
/// `abi.encode(multiSendCallOnly)`.
pub fn payout_plan_module_init_code(multi_send_call_only: Address) -> Result<Bytes> {
    let artifact = artifact(PAYOUT_PLAN_MODULE)?;
    Ok(init_code(artifact, multi_send_call_only))
}

fn init_code(artifact: &Artifact, multi_send_call_only: Address) -> Bytes {
    let mut code = artifact.bytecode.to_vec();
    code.extend_from_slice(&multi_send_call_only.abi_encode());
    code.into()
}

/// Where the module for `multi_send_call_only` lands when deployed through `deployer` (see
/// [`crate::deploy::find_deployer`]) with the suite's salt.
pub fn payout_plan_module_address(
    deployer: Address,
    multi_send_call_only: Address,
) -> Result<Address> {
    Ok(create2_address(deployer, SUITE_SALT, &payout_plan_module_init_code(multi_send_call_only)?))
}

/// Deploys `PayoutPlanModule` for `multi_send_call_only` with CREATE2 (the Safe Singleton Factory
/// if the chain has it, else Arachnid's proxy; salt [`SUITE_SALT`]), sending from `from`.
///
/// Idempotent: a module already at the address is checked (code, and `MULTISEND_CALL_ONLY()`)
/// and reused. MultiSendCallOnly must have code ([`Error::MissingContract`]; the constructor
/// would revert with `MultiSendCallOnlyHasNoCode`).
pub async fn deploy_payout_plan_module<P: Provider>(
    provider: &P,
    from: Address,
    multi_send_call_only: Address,
) -> Result<Deployment> {
    if provider.get_code_at(multi_send_call_only).await.map_err(Error::rpc)?.is_empty() {
        return Err(Error::MissingContract {
            contract: "MultiSendCallOnly",
            address: multi_send_call_only,
        });
    }
    let deployer = find_deployer(provider).await?;
    let artifact = artifact(PAYOUT_PLAN_MODULE)?;
    let code = init_code(artifact, multi_send_call_only);
    let deployment =
        deploy_init_code(provider, from, deployer, SUITE_SALT, artifact, &code).await?;
    check_module(provider, deployment.address, multi_send_call_only).await?;
    Ok(deployment)
}

/// The module for `multi_send_call_only` on this chain, if it is deployed: its predicted address,
/// checked to hold the module's code and that MultiSendCallOnly.
pub async fn find_payout_plan_module<P: Provider>(
    provider: &P,
    multi_send_call_only: Address,
) -> Result<Option<Address>> {
    let deployer = find_deployer(provider).await?;
    let address = payout_plan_module_address(deployer, multi_send_call_only)?;
    if provider.get_code_at(address).await.map_err(Error::rpc)?.is_empty() {
        return Ok(None);
    }
    check_module(provider, address, multi_send_call_only).await?;
    Ok(Some(address))
}

/// Checks that `module` holds `PayoutPlanModule`'s code, built for `multi_send_call_only`.
pub async fn check_module<P: Provider>(
    provider: &P,
    module: Address,
    multi_send_call_only: Address,
) -> Result<()> {
    let artifact = artifact(PAYOUT_PLAN_MODULE)?;
    let code = provider.get_code_at(module).await.map_err(Error::rpc)?;
    if code.is_empty() {
        return Err(Error::MissingContract { contract: "PayoutPlanModule", address: module });
    }
    if !crate::deploy::code_matches(artifact, &code) {
        return Err(Error::CodeMismatch {
            contract: PAYOUT_PLAN_MODULE.to_owned(),
            address: module,
            found: alloy::primitives::keccak256(&code),
        });
    }
    let lib = IPayoutPlanModule::new(module, provider)
        .MULTISEND_CALL_ONLY()
        .call()
        .await
        .map_err(Error::rpc)?;
    if lib != multi_send_call_only {
        return Err(Error::PlanState(format!(
            "the PayoutPlanModule at {module} runs chunks through MultiSendCallOnly {lib}, not {multi_send_call_only}"
        )));
    }
    Ok(())
}

/// The Safe transaction that approves a plan: `approvePlan(root, chunkCount, expiry, caps)` to
/// the module, operation CALL, value 0. The one transaction the owners sign.
pub fn approve_plan_tx(
    module: Address,
    root: B256,
    chunk_count: u32,
    expiry: u64,
    caps: &[TokenCap],
    nonce: U256,
) -> SafeTx {
    SafeTx::call(module, U256::ZERO, approve_plan_calldata(root, chunk_count, expiry, caps), nonce)
}

/// The Safe transaction that revokes a plan: `revokePlan(root)` to the module.
pub fn revoke_plan_tx(module: Address, root: B256, nonce: U256) -> SafeTx {
    SafeTx::call(module, U256::ZERO, revoke_plan_calldata(root), nonce)
}

/// A plan's status, as `planStatus` reports it (the first that applies, in this order:
/// `None`, `Completed`, `Revoked`, `Expired`, `Active`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    /// Never approved by this Safe.
    None,
    /// Approved, not revoked, not expired, chunks left.
    Active,
    /// Past its expiry (renewable by approving it again).
    Expired,
    /// Revoked (renewable by approving it again).
    Revoked,
    /// Every chunk has run.
    Completed,
}

impl PlanStatus {
    fn from_u8(v: u8) -> Result<Self> {
        Ok(match v {
            0 => Self::None,
            1 => Self::Active,
            2 => Self::Expired,
            3 => Self::Revoked,
            4 => Self::Completed,
            other => {
                return Err(Error::PlanState(format!(
                    "planStatus returned {other}, which is not a PayoutPlanModule 1.0.0 status"
                )));
            }
        })
    }

    /// Lower-case name (`"active"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "not approved",
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Completed => "completed",
        }
    }
}

impl core::fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One cap of an approved plan and what has been spent against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CapState {
    /// The token (`Address::ZERO` = ether).
    pub token: Address,
    /// The cap, in base units.
    pub cap: U256,
    /// Spent so far, over the plan's whole life.
    pub spent: U256,
}

/// A plan's on-chain state, from [`read_plan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanState {
    /// The module.
    pub module: Address,
    /// The Safe.
    pub safe: Address,
    /// The plan's root.
    pub root: B256,
    /// Its status.
    pub status: PlanStatus,
    /// The approved chunk count (0 if never approved).
    pub chunk_count: u32,
    /// Chunks executed so far.
    pub executed_count: u32,
    /// The expiry (unix seconds; a chunk may run while `block.timestamp < expiry`).
    pub expiry: u64,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Its caps (empty: uncapped).
    pub caps: Vec<CapState>,
    /// The executed bitmap, `ceil(chunk_count / 256)` words (bit `i % 256` of word `i / 256` is
    /// chunk `i`).
    pub bitmap: Vec<U256>,
}

impl PlanState {
    /// The chunks that have not run, in index order.
    pub fn pending(&self) -> Vec<u32> {
        pending_chunks(&self.bitmap, self.chunk_count)
    }
}

/// Reads the state of the plan `root` of `safe` on `module`: `planStatus`, `planOf`, `capsOf`
/// and every `executedBitmap` word.
pub async fn read_plan<P: Provider>(
    provider: &P,
    module: Address,
    safe: Address,
    root: B256,
) -> Result<PlanState> {
    let m = IPayoutPlanModule::new(module, provider);
    let status = PlanStatus::from_u8(m.planStatus(safe, root).call().await.map_err(Error::rpc)?)?;
    let plan = m.planOf(safe, root).call().await.map_err(Error::rpc)?;
    let caps = m
        .capsOf(safe, root)
        .call()
        .await
        .map_err(Error::rpc)?
        .into_iter()
        .map(|c| CapState { token: c.token, cap: c.cap, spent: c.spent })
        .collect();
    let bitmap = read_bitmap(provider, module, safe, root, plan.chunkCount).await?;
    Ok(PlanState {
        module,
        safe,
        root,
        status,
        chunk_count: plan.chunkCount,
        executed_count: plan.executedCount,
        expiry: plan.expiry,
        revoked: plan.revoked,
        caps,
        bitmap,
    })
}

/// The executed bitmap of a plan of `chunk_count` chunks: `ceil(chunk_count / 256)` words.
pub async fn read_bitmap<P: Provider>(
    provider: &P,
    module: Address,
    safe: Address,
    root: B256,
    chunk_count: u32,
) -> Result<Vec<U256>> {
    let m = IPayoutPlanModule::new(module, provider);
    let mut words = Vec::new();
    for w in 0..bitmap_words(chunk_count) {
        words.push(m.executedBitmap(safe, root, U256::from(w)).call().await.map_err(Error::rpc)?);
    }
    Ok(words)
}

/// A plan ready to run: its chunks and the tree over them, bound to a [`PlanDomain`] (chain,
/// module, Safe).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanChunks {
    tree: PayoutPlanTree,
    chunks: Vec<Bytes>,
}

impl PlanChunks {
    /// Builds the tree over `chunks` (each a packed MultiSend `transactions` byte string).
    pub fn new(domain: PlanDomain, chunks: Vec<Bytes>) -> Result<Self> {
        let tree = PayoutPlanTree::new(domain, &chunks)?;
        Ok(Self { tree, chunks })
    }

    /// The domain (chain, module, Safe).
    pub fn domain(&self) -> PlanDomain {
        self.tree.domain()
    }

    /// The root the owners approve.
    pub fn root(&self) -> B256 {
        self.tree.root()
    }

    /// The number of chunks.
    pub fn chunk_count(&self) -> u32 {
        self.tree.chunk_count()
    }

    /// The chunks.
    pub fn chunks(&self) -> &[Bytes] {
        &self.chunks
    }

    /// The tree.
    pub fn tree(&self) -> &PayoutPlanTree {
        &self.tree
    }

    /// Chunk `index` and its proof, or [`Error::PlanState`] past the end.
    pub fn chunk_with_proof(&self, index: u32) -> Result<(&Bytes, Vec<B256>)> {
        let chunk = usize::try_from(index).ok().and_then(|i| self.chunks.get(i));
        match (chunk, self.tree.proof(index)) {
            (Some(chunk), Some(proof)) => Ok((chunk, proof)),
            _ => Err(Error::PlanState(format!(
                "the plan has {} chunks; there is no chunk {index}",
                self.chunks.len()
            ))),
        }
    }

    /// The `executeChunk` calldata of chunk `index`.
    pub fn execute_calldata(&self, index: u32) -> Result<Bytes> {
        let (chunk, proof) = self.chunk_with_proof(index)?;
        Ok(execute_chunk_calldata(self.domain().safe, self.root(), index, chunk, &proof))
    }
}

/// A chunk executed on chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkReceipt {
    /// The chunk index.
    pub index: u32,
    /// The transaction.
    pub tx_hash: B256,
    /// The block it was mined in.
    pub block_number: Option<u64>,
    /// Gas used by the transaction.
    pub gas_used: u64,
    /// The gas limit it was sent with.
    pub gas_limit: u64,
    /// The number of entries the module ran (`ChunkExecuted.entries`).
    pub entries: u64,
}

/// Explains `PayoutPlanModule` revert data: `Some((error name, reason))` when it is one of the
/// module's custom errors, `None` otherwise (a GS code from the Safe, a token's revert, ...).
pub fn module_error(data: &[u8]) -> Option<(&'static str, String)> {
    let e = ModuleError::abi_decode(data).ok()?;
    use ModuleError as M;
    let reason = match &e {
        M::MultiSendCallOnlyHasNoCode(x) => {
            format!("MultiSendCallOnly {} has no code; deploy it first", x.multiSendCallOnly)
        }
        M::DelegateCallToModule(_) => {
            "the module was reached through DELEGATECALL; call it with operation 0 (CALL)".into()
        }
        M::NotAnEnabledSafe(x) => format!(
            "{} is not a Safe with the module enabled; approve plans through a Safe transaction, after enableModule (the same batch is fine)",
            x.caller
        ),
        M::ZeroRoot(_) => "the root is zero; build the plan first".into(),
        M::ZeroChunkCount(_) => "the chunk count is zero".into(),
        M::ExpiryNotInFuture(x) => format!(
            "the expiry {} is not after the block time {}; pick a later expiry",
            x.expiry, x.blockTime
        ),
        M::TooManyCaps(x) => {
            format!("{} caps given, at most {}; split the plan by token", x.count, x.max)
        }
        M::DuplicateCap(x) => format!("{} is capped twice; give one cap per asset", x.token),
        M::PlanActive(x) => format!(
            "the plan {} of {} is active; revoke it before approving it again",
            x.root, x.safe
        ),
        M::ChunkCountMismatch(x) => format!(
            "the plan is stored with {} chunks, not {}; renew it with the stored count",
            x.stored, x.given
        ),
        M::UnknownPlan(x) => format!(
            "{} has not approved the plan {}; check the Safe and the root, and execute the approval first",
            x.safe, x.root
        ),
        M::PlanIsRevoked(x) => format!(
            "the plan {} of {} is revoked; the owners can renew it by approving it again",
            x.root, x.safe
        ),
        M::PlanExpired(x) => format!(
            "the plan {} of {} expired at {}; the owners can renew it with a later expiry",
            x.root, x.safe, x.expiry
        ),
        M::ChunkIndexOutOfRange(x) => {
            format!("chunk {} does not exist: the plan has {} chunks", x.index, x.chunkCount)
        }
        M::ChunkAlreadyExecuted(x) => {
            format!("chunk {} has already run (it is paid; nothing to do)", x.index)
        }
        M::InvalidProof(x) => format!(
            "chunk {}'s bytes and proof do not lead to the approved root (wrong chunk, index, proof, Safe, module or chain); rebuild them from the plan file",
            x.index
        ),
        M::EmptyChunk(_) => "the chunk is empty".into(),
        M::MalformedChunk(x) => format!(
            "the chunk's entry at byte {} is cut short or followed by stray bytes",
            x.offset
        ),
        M::DelegateCallEntry(x) => {
            format!("entry {} of the chunk is a delegatecall; payout plans run calls only", x.entry)
        }
        M::UnsupportedOperation(x) => {
            format!("entry {} has operation {}, not 0 (call)", x.entry, x.operation)
        }
        M::ForbiddenTarget(x) => format!(
            "entry {} calls {}, which is address(0), the Safe or the module; use a normal Safe transaction for that",
            x.entry, x.to
        ),
        M::NotAPlainTransfer(x) => {
            format!("entry {} is not a plain transfer, which a capped plan refuses", x.entry)
        }
        M::UncappedToken(x) => {
            format!("entry {} moves {} (0x0 = ether), which has no cap", x.entry, x.token)
        }
        M::CapExceeded(x) => format!(
            "the chunk would bring the total of {} (0x0 = ether) to {}, above its cap of {}",
            x.token, x.total, x.cap
        ),
        M::ChunkFailed(x) => format!(
            "a transfer of chunk {} failed inside the Safe (balance too low, a blocked recipient or too little gas); fund the Safe, or revoke and re-plan without the bad row",
            x.index
        ),
    };
    let name = match e {
        M::MultiSendCallOnlyHasNoCode(_) => "MultiSendCallOnlyHasNoCode",
        M::DelegateCallToModule(_) => "DelegateCallToModule",
        M::NotAnEnabledSafe(_) => "NotAnEnabledSafe",
        M::ZeroRoot(_) => "ZeroRoot",
        M::ZeroChunkCount(_) => "ZeroChunkCount",
        M::ExpiryNotInFuture(_) => "ExpiryNotInFuture",
        M::TooManyCaps(_) => "TooManyCaps",
        M::DuplicateCap(_) => "DuplicateCap",
        M::PlanActive(_) => "PlanActive",
        M::ChunkCountMismatch(_) => "ChunkCountMismatch",
        M::UnknownPlan(_) => "UnknownPlan",
        M::PlanIsRevoked(_) => "PlanIsRevoked",
        M::PlanExpired(_) => "PlanExpired",
        M::ChunkIndexOutOfRange(_) => "ChunkIndexOutOfRange",
        M::ChunkAlreadyExecuted(_) => "ChunkAlreadyExecuted",
        M::InvalidProof(_) => "InvalidProof",
        M::EmptyChunk(_) => "EmptyChunk",
        M::MalformedChunk(_) => "MalformedChunk",
        M::DelegateCallEntry(_) => "DelegateCallEntry",
        M::UnsupportedOperation(_) => "UnsupportedOperation",
        M::ForbiddenTarget(_) => "ForbiddenTarget",
        M::NotAPlainTransfer(_) => "NotAPlainTransfer",
        M::UncappedToken(_) => "UncappedToken",
        M::CapExceeded(_) => "CapExceeded",
        M::ChunkFailed(_) => "ChunkFailed",
    };
    Some((name, reason))
}

/// Turns revert data into an error: [`Error::PlanRefused`] for the module's errors, else
/// [`Error::WouldRevert`] with the decoded reason (a GS code reaches the caller unchanged).
pub fn plan_revert_error(data: &[u8]) -> Error {
    match module_error(data) {
        Some((error, reason)) => Error::PlanRefused { error, reason },
        None => Error::WouldRevert { reason: revert_reason(data) },
    }
}

/// `eth_call`s `request`; a revert becomes [`plan_revert_error`].
async fn call_checked<P: Provider>(provider: &P, request: &TransactionRequest) -> Result<Bytes> {
    match provider.call(request.clone()).await {
        Ok(out) => Ok(out),
        Err(e) => match e.as_error_resp().and_then(|p| p.as_revert_data()) {
            Some(data) => Err(plan_revert_error(&data)),
            None => Err(Error::rpc(e)),
        },
    }
}

/// An `executeChunk` checked and ready to send, from [`prepare_chunk`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedChunk {
    /// The module.
    pub module: Address,
    /// The chunk index.
    pub index: u32,
    /// Who sends it.
    pub executor: Address,
    /// The calldata.
    pub calldata: Bytes,
    /// `eth_estimateGas`.
    pub gas_estimate: u64,
    /// The gas limit to send: the estimate + 20%, at most [`TX_GAS_CAP`] and the block gas limit
    /// (never below the estimate).
    pub gas_limit: u64,
}

/// Simulates chunk `index` of `plan` from `executor` (`eth_call`) and estimates its gas, sending
/// nothing. Every refusal of the module is [`Error::PlanRefused`] (e.g. `InvalidProof`,
/// `ChunkAlreadyExecuted`, `PlanExpired`), a Safe revert [`Error::WouldRevert`] (e.g. `GS104`
/// when the module is disabled).
pub async fn prepare_chunk<P: Provider>(
    provider: &P,
    plan: &PlanChunks,
    index: u32,
    executor: Address,
) -> Result<PreparedChunk> {
    let module = plan.domain().module;
    let calldata = plan.execute_calldata(index)?;
    prepare_raw(provider, module, index, calldata, executor).await
}

async fn prepare_raw<P: Provider>(
    provider: &P,
    module: Address,
    index: u32,
    calldata: Bytes,
    executor: Address,
) -> Result<PreparedChunk> {
    // Simulate and estimate within the EIP-7825 cap (and the block's limit): a chunk that needs
    // more can never be mined on a capped chain, and a capped node refuses a larger call.
    let mut max_gas = TX_GAS_CAP;
    if let Ok(Some(block)) = provider.get_block_by_number(Default::default()).await {
        max_gas = max_gas.min(block.header.gas_limit);
    }
    let request = TransactionRequest::default()
        .with_from(executor)
        .with_to(module)
        .with_input(calldata.clone())
        .with_gas_limit(max_gas);
    call_checked(provider, &request).await?;
    let gas_estimate = provider.estimate_gas(request).await.map_err(|e| {
        match e.as_error_resp().and_then(|p| p.as_revert_data()) {
            Some(data) => plan_revert_error(&data),
            None => Error::rpc(e),
        }
    })?;
    let gas_limit = gas_estimate.saturating_add(gas_estimate / 5).min(max_gas);
    Ok(PreparedChunk {
        module,
        index,
        executor,
        calldata,
        gas_estimate,
        gas_limit: gas_limit.max(gas_estimate),
    })
}

/// Sends a prepared chunk (the provider must sign for its executor) and returns the pending
/// transaction's hash, without waiting. Then [`wait_chunk`].
pub async fn send_chunk<P: Provider>(
    provider: &P,
    prepared: &PreparedChunk,
) -> Result<PendingTransactionBuilder<Ethereum>> {
    let request = TransactionRequest::default()
        .with_from(prepared.executor)
        .with_to(prepared.module)
        .with_input(prepared.calldata.clone())
        .with_gas_limit(prepared.gas_limit);
    provider.send_transaction(request).await.map_err(Error::rpc)
}

/// Decodes the `ChunkExecuted` event of `index` emitted by `module` in `receipt`: the entry count.
pub fn chunk_executed_event(
    receipt: &TransactionReceipt,
    module: Address,
    index: u32,
) -> Option<u64> {
    receipt.inner.logs().iter().find_map(|log| {
        if log.address() != module {
            return None;
        }
        let event = IPayoutPlanModule::ChunkExecuted::decode_log_data(log.data()).ok()?;
        (event.index == U256::from(index)).then(|| event.entries.saturating_to())
    })
}

/// Waits for a sent chunk's receipt and decodes `ChunkExecuted`. A reverted transaction is
/// [`Error::Reverted`]; its chunk did not run and can run again.
pub async fn wait_chunk(
    pending: PendingTransactionBuilder<Ethereum>,
    prepared: &PreparedChunk,
) -> Result<ChunkReceipt> {
    let receipt = pending.get_receipt().await.map_err(Error::rpc)?;
    if !receipt.status() {
        return Err(Error::Reverted { tx: receipt.transaction_hash });
    }
    let entries =
        chunk_executed_event(&receipt, prepared.module, prepared.index).ok_or_else(|| {
            Error::PlanState(format!(
                "transaction {} was mined but the module emitted no ChunkExecuted for chunk {}",
                receipt.transaction_hash, prepared.index
            ))
        })?;
    Ok(ChunkReceipt {
        index: prepared.index,
        tx_hash: receipt.transaction_hash,
        block_number: receipt.block_number,
        gas_used: receipt.gas_used,
        gas_limit: prepared.gas_limit,
        entries,
    })
}

/// Executes chunk `index` of `plan` from `executor`: [`prepare_chunk`] (simulate, estimate),
/// [`send_chunk`], [`wait_chunk`].
pub async fn execute_chunk<P: Provider>(
    provider: &P,
    plan: &PlanChunks,
    index: u32,
    executor: Address,
) -> Result<ChunkReceipt> {
    let prepared = prepare_chunk(provider, plan, index, executor).await?;
    let pending = send_chunk(provider, &prepared).await?;
    wait_chunk(pending, &prepared).await
}

/// `executeChunk` arguments given one by one, for [`execute_chunk_raw`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawChunk<'a> {
    /// The module.
    pub module: Address,
    /// The Safe whose plan it is.
    pub safe: Address,
    /// The plan's root.
    pub root: B256,
    /// The chunk index.
    pub index: u32,
    /// The packed MultiSend entries.
    pub chunk: &'a [u8],
    /// The Merkle proof.
    pub proof: &'a [B256],
}

/// Executes arbitrary `executeChunk` arguments (for tools that hold a chunk and its proof without
/// the whole plan, and for tests of the module's refusals). Same steps as [`execute_chunk`].
pub async fn execute_chunk_raw<P: Provider>(
    provider: &P,
    raw: RawChunk<'_>,
    executor: Address,
) -> Result<ChunkReceipt> {
    let calldata = execute_chunk_calldata(raw.safe, raw.root, raw.index, raw.chunk, raw.proof);
    let prepared = prepare_raw(provider, raw.module, raw.index, calldata, executor).await?;
    let pending = send_chunk(provider, &prepared).await?;
    wait_chunk(pending, &prepared).await
}

/// A step of [`run_plan`], passed to its callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEvent {
    /// The bitmap was read: `done` of `total` chunks have run, `pending` will be sent in this order.
    Started {
        /// The plan's chunk count.
        total: u32,
        /// Chunks already executed (by an earlier run or anyone else).
        done: u32,
        /// The chunks to send.
        pending: Vec<u32>,
    },
    /// A chunk's transaction was sent (not yet mined).
    Sent {
        /// The chunk.
        index: u32,
        /// Its transaction.
        tx_hash: B256,
        /// Its gas limit.
        gas_limit: u64,
    },
    /// A chunk ran.
    Executed(ChunkReceipt),
    /// A pending chunk turned out to have run already (another executor won the race): skipped.
    AlreadyExecuted {
        /// The chunk.
        index: u32,
    },
}

/// The outcome of [`run_plan`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// The chunks this run executed, in order.
    pub executed: Vec<ChunkReceipt>,
    /// Chunks found already executed by someone else during the run.
    pub already_executed: Vec<u32>,
    /// Chunks done before the run started.
    pub done_before: u32,
    /// Chunks still pending at the end (non-empty only when the callback stopped the run).
    pub remaining: Vec<u32>,
    /// Gas used by this run's transactions.
    pub gas_used: u64,
}

impl RunReport {
    /// Whether every chunk of the plan has run.
    pub fn is_complete(&self) -> bool {
        self.remaining.is_empty()
    }
}

/// Executes every chunk of `plan` whose bit is not set, in index order, from `executor`.
///
/// First it reads the plan: it must be approved by the Safe with the same chunk count, and be
/// active ([`Error::PlanState`] otherwise, naming the status and what to do). Then it reads the
/// bitmap and sends only the pending chunks, one at a time. Each step is passed to `on_event`;
/// returning [`ControlFlow::Break`] stops the run after that step (the report lists what is
/// left). A chunk that another executor ran meanwhile (`ChunkAlreadyExecuted`) is skipped.
/// Any other failure stops the run with its error. Calling `run_plan` again resumes: chunks
/// whose transaction was mined are marked on chain, and a chunk is paid entirely or not at all.
pub async fn run_plan<P: Provider>(
    provider: &P,
    plan: &PlanChunks,
    executor: Address,
    mut on_event: impl FnMut(&RunEvent) -> ControlFlow<()>,
) -> Result<RunReport> {
    let domain = plan.domain();
    let state = read_plan(provider, domain.module, domain.safe, plan.root()).await?;
    let hint = match state.status {
        PlanStatus::None => {
            Some("the Safe has not approved it: execute the approval Safe transaction first")
        }
        PlanStatus::Revoked => {
            Some("it was revoked: the owners can renew it by approving it again")
        }
        PlanStatus::Expired => {
            Some("it expired: the owners can renew it by approving it again with a later expiry")
        }
        PlanStatus::Active | PlanStatus::Completed => None,
    };
    if let Some(hint) = hint {
        return Err(Error::PlanState(format!(
            "the plan {} of {} is {}; {hint}",
            plan.root(),
            domain.safe,
            state.status
        )));
    }
    if state.chunk_count != plan.chunk_count() {
        return Err(Error::PlanState(format!(
            "the plan {} is approved with {} chunks, but the plan file has {}; use the file the root was computed from",
            plan.root(),
            state.chunk_count,
            plan.chunk_count()
        )));
    }
    let pending = state.pending();
    let mut report = RunReport {
        done_before: plan.chunk_count() - u32::try_from(pending.len()).unwrap_or(u32::MAX),
        remaining: pending.clone(),
        ..RunReport::default()
    };
    let started =
        RunEvent::Started { total: plan.chunk_count(), done: report.done_before, pending };
    if on_event(&started).is_break() {
        return Ok(report);
    }
    while let Some(&index) = report.remaining.first() {
        let prepared = match prepare_chunk(provider, plan, index, executor).await {
            Ok(p) => p,
            Err(Error::PlanRefused { error: "ChunkAlreadyExecuted", .. }) => {
                report.remaining.remove(0);
                report.already_executed.push(index);
                if on_event(&RunEvent::AlreadyExecuted { index }).is_break() {
                    break;
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        let pending = send_chunk(provider, &prepared).await?;
        let sent =
            RunEvent::Sent { index, tx_hash: *pending.tx_hash(), gas_limit: prepared.gas_limit };
        let stop = on_event(&sent).is_break();
        let receipt = wait_chunk(pending, &prepared).await?;
        report.remaining.remove(0);
        report.gas_used = report.gas_used.saturating_add(receipt.gas_used);
        report.executed.push(receipt.clone());
        if stop || on_event(&RunEvent::Executed(receipt)).is_break() {
            break;
        }
    }
    Ok(report)
}

/// The average gas one entry of `sample` costs inside the Safe: `sample` is run as a
/// MultiSendCallOnly batch from `safe` by simulation (SimulateTxAccessor at `accessor`, nothing
/// sent), with the Safe's real balances and the recipients' real storage, so fresh recipients
/// cost what they will cost. The Safe must hold enough to pay the sample. Rounded up.
pub async fn measure_transfer_gas<P: Provider>(
    provider: &P,
    safe: Address,
    accessor: Address,
    multi_send_call_only: Address,
    sample: &[MultiSendEntry],
) -> Result<u64> {
    if sample.is_empty() {
        return Err(Error::PlanState("no payout to measure: the sample is empty".into()));
    }
    let batch = MultiSendBatch::call_only(sample.to_vec())?;
    let tx = batch.into_safe_tx(multi_send_call_only, U256::ZERO);
    let sim = simulate(provider, safe, accessor, &tx).await?;
    if !sim.success {
        return Err(Error::WouldRevert {
            reason: format!(
                "the sample payouts fail from the Safe ({}); fund the Safe before measuring",
                sim.revert_reason.unwrap_or_default()
            ),
        });
    }
    Ok(sim.gas_used.div_ceil(sample.len() as u64))
}

/// Calldata gas of `bytes` (EIP-2028: 16 per non-zero byte, 4 per zero byte).
pub fn calldata_gas(bytes: &[u8]) -> u64 {
    bytes.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum()
}

/// The gas [`plan_chunks`] budgets for one entry: `inner_gas` (its cost inside the Safe, e.g.
/// from [`measure_transfer_gas`]) + the calldata of its packed bytes (16 per non-zero byte, 4 per
/// zero byte) + 8 per packed byte for the log (SafeL2's `SafeModuleTransaction` event carries the
/// whole chunk) + [`PLAN_GAS_PER_ENTRY`].
pub fn entry_plan_gas(entry: &MultiSendEntry, inner_gas: u64) -> u64 {
    let packed = MultiSendBatch::new(vec![entry.clone()]).encode_packed();
    inner_gas + calldata_gas(&packed) + 8 * packed.len() as u64 + PLAN_GAS_PER_ENTRY
}

/// The gas a chunk may use so that a transaction with `budget` gas can run it: the module calls
/// the Safe, and the Safe delegatecalls MultiSendCallOnly, each forwarding at most 63/64 of what
/// is left (EIP-150), so `budget · (63/64)²`.
pub fn usable_chunk_gas(budget: u64) -> u64 {
    budget / 64 * 63 / 64 * 63
}

/// Cuts `entries` into chunks (packed MultiSend bytes) whose budgeted gas
/// ([`PLAN_CHUNK_OVERHEAD`] + Σ [`entry_plan_gas`]) stays within [`usable_chunk_gas`] of
/// `budget` (use [`TX_GAS_CAP`]), keeping their order. Refuses delegatecall entries.
pub fn plan_chunks(entries: &[MultiSendEntry], inner_gas: u64, budget: u64) -> Result<Vec<Bytes>> {
    MultiSendBatch::call_only(entries.to_vec())?;
    let ranges = chunk_by_gas(
        entries,
        |e| entry_plan_gas(e, inner_gas),
        PLAN_CHUNK_OVERHEAD,
        usable_chunk_gas(budget),
    )?;
    Ok(ranges
        .into_iter()
        .map(|c| MultiSendBatch::new(entries[c.range].to_vec()).encode_packed())
        .collect())
}

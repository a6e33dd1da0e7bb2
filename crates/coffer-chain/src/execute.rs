//! Verifying signatures, executing a Safe transaction, and on-chain approval (`approveHash`).

use crate::{
    Error, Result,
    nonce::{check_nonce, check_safe_tx_hash},
    read::{SafeInfo, SingletonKind, read_safe},
    simulate::{revert_reason, simulate},
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, FixedBytes, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::{SolCall, SolEvent},
};
use coffer_contracts::bindings::{IEip1271, ILegacyEip1271, ISafe};
use coffer_core::{
    ParsedSignatures, SafeSignature, SafeTx, SafeTxContext, SignatureKind, pack_signatures,
    safe_message_hash,
};

/// The legacy EIP-1271 magic value (`isValidSignature(bytes,bytes)`), used up to 1.4.1.
pub const LEGACY_EIP1271_MAGIC: [u8; 4] = [0x20, 0xc1, 0x3b, 0x0b];
/// The standard EIP-1271 magic value (`isValidSignature(bytes32,bytes)`), used from 1.5.0.
pub const EIP1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// The owners and threshold a transaction was signed against (recorded when it was proposed),
/// so that execution can tell "the owners changed since" apart from "not enough signatures".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerSnapshot {
    /// Owners then.
    pub owners: Vec<Address>,
    /// Threshold then.
    pub threshold: u64,
}

impl From<&SafeInfo> for OwnerSnapshot {
    fn from(info: &SafeInfo) -> Self {
        Self { owners: info.owners.clone(), threshold: info.threshold }
    }
}

/// Whether one collected signature counts, from [`verify_signatures`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureStatus {
    /// It recovers (or is approved / answered) for a current owner.
    Valid,
    /// It does not count, and why.
    Rejected(String),
}

/// One signature and its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The signature.
    pub signature: SafeSignature,
    /// The verdict.
    pub status: SignatureStatus,
}

impl SignatureCheck {
    /// Whether it counts.
    pub fn is_valid(&self) -> bool {
        self.status == SignatureStatus::Valid
    }
}

/// The message the owners of a **Safe that owns a Safe** sign, so that the owner Safe's
/// fallback handler answers the inner Safe's EIP-1271 check for `tx`.
///
/// Up to 1.4.1 the inner Safe calls the legacy `isValidSignature(bytes data, bytes sig)` with
/// `data = encodeTransactionData(tx)` (66 bytes); from 1.5.0 the standard form with the
/// safeTxHash, which the handler treats as the message `abi.encode(hash)` (32 bytes). coffer's
/// suite accepts either, so the 1.4.1 form is used for it.
pub fn owner_safe_message(inner: &SafeTxContext, tx: &SafeTx) -> Bytes {
    if inner.version.uses_standard_eip1271() {
        Bytes::copy_from_slice(tx.safe_tx_hash(inner).as_slice())
    } else {
        tx.encode_transaction_data(inner)
    }
}

/// The hash the owners of the owner Safe (`outer`) sign (EIP-712 SafeMessage over
/// [`owner_safe_message`]). Their packed signatures are the data of the owner Safe's contract
/// signature: `SafeSignature::contract(outer.safe, pack_signatures(&their_signatures)?)`.
pub fn owner_safe_message_hash(outer: &SafeTxContext, inner: &SafeTxContext, tx: &SafeTx) -> B256 {
    safe_message_hash(outer, &owner_safe_message(inner, tx))
}

async fn contract_signature_ok<P: Provider>(
    provider: &P,
    info: &SafeInfo,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    owner: Address,
    data: &Bytes,
) -> Result<bool, String> {
    let ours = matches!(info.singleton_kind, SingletonKind::Coffer { .. });
    let standard = ctx.version.uses_standard_eip1271();
    let hash = tx.safe_tx_hash(ctx);
    if !standard || ours {
        let got = ILegacyEip1271::new(owner, provider)
            .isValidSignature(tx.encode_transaction_data(ctx), data.clone())
            .call()
            .await;
        if matches!(got, Ok(m) if m.0 == LEGACY_EIP1271_MAGIC) {
            return Ok(true);
        }
        if !ours {
            return Err(match got {
                Ok(m) => format!("the owner contract answered {m} instead of 0x20c13b0b (GS024)"),
                Err(e) => format!(
                    "the owner contract's isValidSignature(bytes,bytes) reverted (GS024): {e}"
                ),
            });
        }
    }
    let got = IEip1271::new(owner, provider).isValidSignature(hash, data.clone()).call().await;
    match got {
        Ok(m) if m.0 == EIP1271_MAGIC => Ok(true),
        Ok(m) => Err(format!(
            "the owner contract answered {m} instead of the EIP-1271 magic value (GS024)"
        )),
        Err(e) => Err(format!("the owner contract's isValidSignature reverted (GS024): {e}")),
    }
}

/// Checks each collected signature for `tx` on the Safe `info` describes: first locally
/// (coffer-core recovery, low-s), then on chain: `isOwner`, and for v = 1 `approvedHashes` (or
/// that the owner is `executor`), for v = 0 the owner contract's EIP-1271 answer. A second
/// signature for an owner that already has a valid one is rejected as a duplicate.
pub async fn verify_signatures<P: Provider>(
    provider: &P,
    info: &SafeInfo,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    signatures: &[SafeSignature],
    executor: Option<Address>,
) -> Result<Vec<SignatureCheck>> {
    verify_signatures_with(provider, info, ctx, tx, signatures, executor, OwnerCheck::OnChain).await
}

/// Where [`verify_signatures_with`] reads ownership from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerCheck<'a> {
    /// `isOwner(owner)` on chain, for each signature.
    OnChain,
    /// An owner list the caller read from the chain itself (`getOwners()`, as in [`SafeInfo::owners`]); a server
    /// that caches it briefly saves one `eth_call` per signature.
    Listed(&'a [Address]),
}

/// [`verify_signatures`] with the owner check read from `owners`. Every other check (local recovery and low-s,
/// `approvedHashes`, EIP-1271 `eth_call`, duplicates) is the same.
pub async fn verify_signatures_with<P: Provider>(
    provider: &P,
    info: &SafeInfo,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    signatures: &[SafeSignature],
    executor: Option<Address>,
    owners: OwnerCheck<'_>,
) -> Result<Vec<SignatureCheck>> {
    check_signatures(provider, info, ctx, tx, signatures, None, executor, owners).await
}

/// [`verify_signatures_with`] for signatures from [`coffer_core::parse_signatures_for`]: when they were
/// recovered over this transaction's safeTxHash, the ECDSA owners are not recovered a second time (a server
/// checking thousands of confirmations a second saves one recovery each). Every other check is the same; over
/// another hash, every signature is recovered again.
pub async fn verify_parsed_signatures<P: Provider>(
    provider: &P,
    info: &SafeInfo,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    parsed: &ParsedSignatures,
    executor: Option<Address>,
    owners: OwnerCheck<'_>,
) -> Result<Vec<SignatureCheck>> {
    let recovered_over = Some(parsed.hash());
    check_signatures(provider, info, ctx, tx, parsed.signatures(), recovered_over, executor, owners)
        .await
}

#[allow(clippy::too_many_arguments)]
async fn check_signatures<P: Provider>(
    provider: &P,
    info: &SafeInfo,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    signatures: &[SafeSignature],
    recovered_over: Option<B256>,
    executor: Option<Address>,
    owners: OwnerCheck<'_>,
) -> Result<Vec<SignatureCheck>> {
    let hash = tx.safe_tx_hash(ctx);
    let safe = ISafe::new(info.address, provider);
    let mut out: Vec<SignatureCheck> = Vec::with_capacity(signatures.len());
    for sig in signatures {
        let owner = sig.owner;
        // Recovered (and checked for low s) over this very hash by `parse_signatures_for`: nothing to redo.
        let local = if recovered_over == Some(hash)
            && matches!(sig.kind, SignatureKind::Eip712 { .. } | SignatureKind::EthSign { .. })
        {
            Ok(())
        } else {
            sig.verify(hash)
        };
        let status = if let Err(e) = local {
            SignatureStatus::Rejected(format!("local check failed: {e}"))
        } else if out.iter().any(|c| c.is_valid() && c.signature.owner == owner) {
            SignatureStatus::Rejected(format!("{owner} already has a valid signature (duplicate)"))
        } else if !match owners {
            OwnerCheck::OnChain => safe.isOwner(owner).call().await.map_err(Error::rpc)?,
            OwnerCheck::Listed(list) => list.contains(&owner),
        } {
            SignatureStatus::Rejected(format!("{owner} is not an owner of the Safe (GS026)"))
        } else {
            match &sig.kind {
                SignatureKind::ApprovedHash if Some(owner) == executor => SignatureStatus::Valid,
                SignatureKind::ApprovedHash => {
                    let approved =
                        safe.approvedHashes(owner, hash).call().await.map_err(Error::rpc)?;
                    if approved.is_zero() {
                        SignatureStatus::Rejected(format!(
                            "{owner} has not approved {hash} on chain (approveHash) and is not the executor (GS025)"
                        ))
                    } else {
                        SignatureStatus::Valid
                    }
                }
                SignatureKind::Contract { data } => {
                    match contract_signature_ok(provider, info, ctx, tx, owner, data).await {
                        Ok(_) => SignatureStatus::Valid,
                        Err(reason) => SignatureStatus::Rejected(format!("{owner}: {reason}")),
                    }
                }
                SignatureKind::Eip712 { .. } | SignatureKind::EthSign { .. } => {
                    SignatureStatus::Valid
                }
            }
        };
        out.push(SignatureCheck { signature: sig.clone(), status });
    }
    Ok(out)
}

/// What to execute, from whom, as signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionRequest {
    /// The context the transaction was hashed and signed in (chain, Safe, version).
    pub ctx: SafeTxContext,
    /// The transaction.
    pub tx: SafeTx,
    /// The signatures collected (any order; invalid and surplus ones are left out).
    pub signatures: Vec<SafeSignature>,
    /// Owners and threshold when signed, if recorded.
    pub signed_against: Option<OwnerSnapshot>,
    /// The suite's SimulateTxAccessor: when given, a revert is explained with the inner call's
    /// own reason (a GS013 otherwise hides it).
    pub simulation_accessor: Option<Address>,
    /// Whether the executor's own approval (a v = 1 signature, valid because it is `msg.sender`)
    /// may complete the signatures. Off by default: the owner must ask for it.
    pub executor_approval: bool,
}

impl ExecutionRequest {
    /// A request with no snapshot and no simulation accessor.
    pub fn new(ctx: SafeTxContext, tx: SafeTx, signatures: Vec<SafeSignature>) -> Self {
        Self {
            ctx,
            tx,
            signatures,
            signed_against: None,
            simulation_accessor: None,
            executor_approval: false,
        }
    }

    /// Lets the executor's own approval (v = 1) complete the signatures when it is an owner
    /// without a collected signature and exactly that one is missing.
    pub fn with_executor_approval(mut self, allowed: bool) -> Self {
        self.executor_approval = allowed;
        self
    }

    /// Records the owners and threshold the transaction was signed against.
    pub fn with_snapshot(mut self, snapshot: OwnerSnapshot) -> Self {
        self.signed_against = Some(snapshot);
        self
    }

    /// Sets the SimulateTxAccessor used to explain reverts.
    pub fn with_accessor(mut self, accessor: Address) -> Self {
        self.simulation_accessor = Some(accessor);
        self
    }
}

/// An execution checked and ready to send, from [`prepare_execution`]: show it, then
/// [`send_execution`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedExecution {
    /// The Safe.
    pub safe: Address,
    /// The transaction.
    pub tx: SafeTx,
    /// Its safeTxHash, equal to the Safe's `getTransactionHash`.
    pub safe_tx_hash: B256,
    /// The account that sends `execTransaction`.
    pub executor: Address,
    /// The verdict on every collected signature.
    pub checks: Vec<SignatureCheck>,
    /// The signatures used (exactly the threshold), sorted by owner.
    pub used: Vec<SafeSignature>,
    /// Whether a v = 1 signature of the executor was added because it was asked for
    /// ([`ExecutionRequest::with_executor_approval`]), the executor was an owner with no collected
    /// signature, and one was missing.
    pub executor_approval_added: bool,
    /// The packed `signatures` argument.
    pub packed_signatures: Bytes,
    /// The `execTransaction` calldata.
    pub calldata: Bytes,
    /// `eth_estimateGas` of the call.
    pub gas_estimate: u64,
    /// The gas limit that will be sent (estimate + 20%, at most the block gas limit, and at most
    /// the EIP-7825 cap of 16,777,216 when the estimate is under it).
    pub gas_limit: u64,
}

/// The outcome of [`send_execution`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionReport {
    /// The Safe.
    pub safe: Address,
    /// The Safe transaction hash.
    pub safe_tx_hash: B256,
    /// The Ethereum transaction.
    pub tx_hash: B256,
    /// The block it was mined in.
    pub block_number: Option<u64>,
    /// Gas used by the Ethereum transaction.
    pub gas_used: u64,
    /// `true` for `ExecutionSuccess`, `false` for `ExecutionFailure` (only possible with
    /// safeTxGas or gasPrice non-zero; otherwise a failure reverts).
    pub success: bool,
    /// The refund paid (the event's `payment`).
    pub payment: U256,
}

fn preference(sig: &SafeSignature, executor: Address) -> u8 {
    match sig.kind {
        SignatureKind::ApprovedHash if sig.owner == executor => 0,
        SignatureKind::Eip712 { .. } | SignatureKind::EthSign { .. } => 1,
        SignatureKind::ApprovedHash => 2,
        SignatureKind::Contract { .. } => 3,
    }
}

fn exec_call(tx: &SafeTx, signatures: Bytes) -> Bytes {
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
        signatures,
    }
    .abi_encode()
    .into()
}

/// Checks everything and builds the `execTransaction` call, sending nothing:
///
/// 1. the chain id, the Safe's version and the safeTxHash against `getTransactionHash`
///    ([`check_safe_tx_hash`](crate::check_safe_tx_hash));
/// 2. the nonce ([`Error::NonceUsed`], [`Error::NonceNotNext`]);
/// 3. each signature ([`verify_signatures`]); if the executor is an owner without a collected
///    signature and one is missing, a v = 1 signature for it is added (the Safe accepts it
///    because it is `msg.sender`) when the request allows it
///    ([`ExecutionRequest::with_executor_approval`]), else [`Error::ExecutorApprovalNotRequested`];
/// 4. the count against the threshold ([`Error::OwnersChanged`] when the request's snapshot
///    differs from the chain, else [`Error::TooFewSignatures`]);
/// 5. the packed signatures (exactly threshold of them, sorted by owner), an `eth_call` of the
///    execution from `executor` ([`Error::WouldRevert`] with the reason) and `eth_estimateGas`.
pub async fn prepare_execution<P: Provider>(
    provider: &P,
    request: &ExecutionRequest,
    executor: Address,
) -> Result<PreparedExecution> {
    let ctx = &request.ctx;
    let tx = &request.tx;
    let safe_tx_hash = check_safe_tx_hash(provider, ctx, tx).await?;
    check_nonce(provider, ctx.safe, tx.nonce).await?;
    // Against the pending state too: another executor's transaction may be waiting in the mempool.
    check_not_in_mempool(provider, ctx.safe, tx.nonce).await?;
    let info = read_safe(provider, ctx.safe).await?;
    let checks =
        verify_signatures(provider, &info, ctx, tx, &request.signatures, Some(executor)).await?;
    let threshold = usize::try_from(info.threshold).unwrap_or(usize::MAX);
    let mut valid: Vec<SafeSignature> =
        checks.iter().filter(|c| c.is_valid()).map(|c| c.signature.clone()).collect();
    let mut executor_approval_added = false;
    if valid.len() + 1 == threshold
        && info.is_owner(executor)
        && !valid.iter().any(|s| s.owner == executor)
    {
        if !request.executor_approval {
            return Err(Error::ExecutorApprovalNotRequested {
                executor,
                valid: valid.len(),
                threshold,
            });
        }
        valid.push(SafeSignature::approved_hash(executor));
        executor_approval_added = true;
    }
    if valid.len() < threshold {
        if let Some(then) = &request.signed_against
            && (then.owners != info.owners || then.threshold != info.threshold)
        {
            return Err(Error::OwnersChanged {
                threshold_then: usize::try_from(then.threshold).unwrap_or(usize::MAX),
                threshold_now: threshold,
                removed: then.owners.iter().filter(|o| !info.is_owner(**o)).copied().collect(),
                added: info.owners.iter().filter(|o| !then.owners.contains(o)).copied().collect(),
                valid: valid.len(),
            });
        }
        let problems = checks
            .iter()
            .filter_map(|c| match &c.status {
                SignatureStatus::Rejected(r) => Some(r.clone()),
                SignatureStatus::Valid => None,
            })
            .collect();
        return Err(Error::TooFewSignatures { valid: valid.len(), threshold, problems });
    }
    valid.sort_by_key(|s| preference(s, executor));
    valid.truncate(threshold);
    let packed_signatures = pack_signatures(&valid)?;
    valid.sort_by_key(|s| s.owner);
    let calldata = exec_call(tx, packed_signatures.clone());
    let request_tx = TransactionRequest::default()
        .with_from(executor)
        .with_to(ctx.safe)
        .with_input(calldata.clone());
    if let Err(e) = provider.call(request_tx.clone()).await {
        let Some(data) = e.as_error_resp().and_then(|p| p.as_revert_data()) else {
            return Err(Error::rpc(e));
        };
        let mut reason = revert_reason(&data);
        if let Some(accessor) = request.simulation_accessor
            && let Ok(sim) = simulate(provider, ctx.safe, accessor, tx).await
            && let Some(inner) = sim.revert_reason
        {
            reason = format!("{reason}; the inner call fails with: {inner}");
        }
        return Err(Error::WouldRevert { reason });
    }
    let gas_estimate = provider.estimate_gas(request_tx).await.map_err(Error::rpc)?;
    let mut gas_limit = gas_estimate.saturating_add(gas_estimate / 5);
    if let Ok(Some(block)) = provider.get_block_by_number(Default::default()).await {
        // Under the EIP-7825 cap when the execution fits under it (a capped chain refuses more).
        let cap = if gas_estimate <= crate::plan::TX_GAS_CAP {
            crate::plan::TX_GAS_CAP
        } else {
            u64::MAX
        };
        gas_limit = gas_limit.min(block.header.gas_limit).min(cap).max(gas_estimate);
    }
    Ok(PreparedExecution {
        safe: ctx.safe,
        tx: tx.clone(),
        safe_tx_hash,
        executor,
        checks,
        used: valid,
        executor_approval_added,
        packed_signatures,
        calldata,
        gas_estimate,
        gas_limit,
    })
}

/// [`Error::NonceTakenInMempool`] when the Safe's nonce in the node's pending state is past `nonce`: a
/// transaction in the mempool uses it. A node without a pending state answers for the latest block, which
/// [`check_nonce`] has already checked.
async fn check_not_in_mempool<P: Provider>(provider: &P, safe: Address, nonce: U256) -> Result<()> {
    let pending_nonce = crate::status::pending_safe_nonce(provider, safe).await?;
    if pending_nonce > nonce {
        return Err(Error::NonceTakenInMempool { safe, tx_nonce: nonce, pending_nonce });
    }
    Ok(())
}

/// Finds the `ExecutionSuccess` / `ExecutionFailure` event of `safe_tx_hash` emitted by `safe`
/// in `receipt`: `Some((success, payment))`. Reads both the 1.4.0+ layout (txHash indexed) and
/// the 1.3.0 one (txHash in the data).
pub fn execution_event(
    receipt: &TransactionReceipt,
    safe: Address,
    safe_tx_hash: B256,
) -> Option<(bool, U256)> {
    receipt
        .inner
        .logs()
        .iter()
        .filter_map(|log| decode_execution_log(&log.inner, safe))
        .find(|(hash, _, _)| *hash == safe_tx_hash)
        .map(|(_, success, payment)| (success, payment))
}

/// Decodes one `ExecutionSuccess` / `ExecutionFailure` log of `safe`: `(safeTxHash, success, payment)`.
fn decode_execution_log(log: &alloy::primitives::Log, safe: Address) -> Option<(B256, bool, U256)> {
    if log.address != safe {
        return None;
    }
    let topics = log.topics();
    let success = match topics.first() {
        Some(t) if *t == ISafe::ExecutionSuccess::SIGNATURE_HASH => true,
        Some(t) if *t == ISafe::ExecutionFailure::SIGNATURE_HASH => false,
        _ => return None,
    };
    let data = &log.data.data;
    let (hash, payment) = match topics.len() {
        2 if data.len() >= 32 => (topics[1], U256::from_be_slice(&data[..32])),
        1 if data.len() >= 64 => {
            (FixedBytes::from_slice(&data[..32]), U256::from_be_slice(&data[32..64]))
        }
        _ => return None,
    };
    Some((hash, success, payment))
}

/// One execution of a Safe transaction found in the chain's logs by [`find_executions`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionRecord {
    /// The executed safeTxHash.
    pub safe_tx_hash: B256,
    /// `ExecutionSuccess` (true) or `ExecutionFailure`.
    pub success: bool,
    /// The refund paid.
    pub payment: U256,
    /// The Ethereum transaction that executed it.
    pub tx_hash: Option<B256>,
    /// Its block.
    pub block_number: Option<u64>,
}

/// Every `ExecutionSuccess` / `ExecutionFailure` the Safe emitted from block `from_block` on (both event
/// layouts), oldest first. The range is read in pages ([`get_logs_paged`]): a node that refuses a range as
/// too large is asked again for halves of it.
pub async fn find_executions<P: Provider>(
    provider: &P,
    safe: Address,
    from_block: u64,
) -> Result<Vec<ExecutionRecord>> {
    let filter = alloy::rpc::types::Filter::new().address(safe).event_signature(vec![
        ISafe::ExecutionSuccess::SIGNATURE_HASH,
        ISafe::ExecutionFailure::SIGNATURE_HASH,
    ]);
    let to_block = provider.get_block_number().await.map_err(Error::rpc)?;
    let logs = get_logs_paged(provider, &filter, from_block, to_block).await?;
    Ok(logs
        .iter()
        .filter_map(|log| {
            let (safe_tx_hash, success, payment) = decode_execution_log(&log.inner, safe)?;
            Some(ExecutionRecord {
                safe_tx_hash,
                success,
                payment,
                tx_hash: log.transaction_hash,
                block_number: log.block_number,
            })
        })
        .collect())
}

/// The logs `filter` matches in blocks `from_block..=to_block`, oldest first, asked for in pages: first the
/// whole range; when the node refuses a page as too large (a block-range or result-count limit,
/// [`is_range_refusal`]), the page is halved and asked again, down to one block. Any other error is returned.
pub async fn get_logs_paged<P: Provider>(
    provider: &P,
    filter: &alloy::rpc::types::Filter,
    from_block: u64,
    to_block: u64,
) -> Result<Vec<alloy::rpc::types::Log>> {
    let mut out = Vec::new();
    let mut size = to_block.saturating_sub(from_block).saturating_add(1);
    let mut start = from_block;
    while start <= to_block {
        let end = start.saturating_add(size - 1).min(to_block);
        let page = filter.clone().from_block(start).to_block(end);
        match provider.get_logs(&page).await {
            Ok(logs) => {
                out.extend(logs);
                start = end.saturating_add(1);
                if end == u64::MAX {
                    break;
                }
            }
            Err(e) if size > 1 && is_range_refusal(&e.to_string()) => size = size.div_ceil(2),
            Err(e) => return Err(Error::rpc(e)),
        }
    }
    Ok(out)
}

/// Whether a node's `eth_getLogs` error refuses the size of the query (its block range or its result count),
/// as providers word it ("block range is too large", "query returned more than 10000 results", "exceed
/// maximum block range", "response size exceeded", …), so that a smaller range may succeed.
pub fn is_range_refusal(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    ["range", "more than", "results", "response size", "too large", "too many logs"]
        .iter()
        .any(|w| m.contains(w))
        && !m.contains("too many requests")
}

/// Sends a prepared execution from its executor (the provider must sign for it), waits for the
/// receipt and decodes `ExecutionSuccess` / `ExecutionFailure`.
pub async fn send_execution<P: Provider>(
    provider: &P,
    prepared: &PreparedExecution,
) -> Result<ExecutionReport> {
    send_execution_capped(provider, prepared, None).await
}

/// [`send_execution`] with an optional ceiling on the price paid per gas: with
/// `Some(max_fee_per_gas)` the transaction is sent as EIP-1559 with that `maxFeePerGas` (and a
/// priority fee of at most the node's suggestion, never above the ceiling), so the executor
/// never pays more than the ceiling per gas. `None` lets the provider pick the fees.
pub async fn send_execution_capped<P: Provider>(
    provider: &P,
    prepared: &PreparedExecution,
    max_fee_per_gas: Option<u128>,
) -> Result<ExecutionReport> {
    let mut request = TransactionRequest::default()
        .with_from(prepared.executor)
        .with_to(prepared.safe)
        .with_input(prepared.calldata.clone())
        .with_gas_limit(prepared.gas_limit);
    if let Some(cap) = max_fee_per_gas {
        let tip = provider.get_max_priority_fee_per_gas().await.map_err(Error::rpc)?;
        request = request.with_max_fee_per_gas(cap).with_max_priority_fee_per_gas(tip.min(cap));
    }
    // Last look before anything is signed: another executor's transaction may be waiting in the mempool.
    check_not_in_mempool(provider, prepared.safe, prepared.tx.nonce).await?;
    let receipt = crate::send::send_and_confirm(provider, request).await?;
    let (success, payment) = execution_event(&receipt, prepared.safe, prepared.safe_tx_hash)
        .ok_or(Error::NoExecutionEvent {
            tx: receipt.transaction_hash,
            safe_tx_hash: prepared.safe_tx_hash,
        })?;
    Ok(ExecutionReport {
        safe: prepared.safe,
        safe_tx_hash: prepared.safe_tx_hash,
        tx_hash: receipt.transaction_hash,
        block_number: receipt.block_number,
        gas_used: receipt.gas_used,
        success,
        payment,
    })
}

/// [`prepare_execution`] then [`send_execution`].
pub async fn execute<P: Provider>(
    provider: &P,
    request: &ExecutionRequest,
    executor: Address,
) -> Result<ExecutionReport> {
    let prepared = prepare_execution(provider, request, executor).await?;
    send_execution(provider, &prepared).await
}

/// The result of [`approve_hash`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// The approved safeTxHash (checked against `getTransactionHash`).
    pub safe_tx_hash: B256,
    /// The `approveHash` transaction, or `None` if the owner had already approved it.
    pub tx_hash: Option<B256>,
    /// The v = 1 signature that now counts for the owner.
    pub signature: SafeSignature,
}

/// Approves `tx` on chain for `owner` with `approveHash(safeTxHash)`, sent from `owner` (the
/// provider must sign for it). The hash is cross-checked with `getTransactionHash` first; a
/// non-owner is refused ([`Error::NotAnOwner`], which the Safe would revert with GS030) and a
/// used nonce is [`Error::NonceUsed`]. Already approved: nothing is sent.
pub async fn approve_hash<P: Provider>(
    provider: &P,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    owner: Address,
) -> Result<Approval> {
    let safe_tx_hash = check_safe_tx_hash(provider, ctx, tx).await?;
    let safe = ISafe::new(ctx.safe, provider);
    let safe_nonce = safe.nonce().call().await.map_err(Error::rpc)?;
    if tx.nonce < safe_nonce {
        return Err(Error::NonceUsed { safe: ctx.safe, tx_nonce: tx.nonce, safe_nonce });
    }
    if !safe.isOwner(owner).call().await.map_err(Error::rpc)? {
        return Err(Error::NotAnOwner { account: owner, safe: ctx.safe });
    }
    let signature = SafeSignature::approved_hash(owner);
    if !safe.approvedHashes(owner, safe_tx_hash).call().await.map_err(Error::rpc)?.is_zero() {
        return Ok(Approval { safe_tx_hash, tx_hash: None, signature });
    }
    let request = TransactionRequest::default().with_from(owner).with_to(ctx.safe).with_input(
        Bytes::from(ISafe::approveHashCall { hashToApprove: safe_tx_hash }.abi_encode()),
    );
    let receipt = crate::send::send_and_confirm(provider, request).await?;
    Ok(Approval { safe_tx_hash, tx_hash: Some(receipt.transaction_hash), signature })
}

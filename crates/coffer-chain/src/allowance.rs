//! Spending limits over any AllowanceModule address: coffer's `CofferAllowanceModule` (deployed with CREATE2
//! like the suite) or the canonical 0.1.0 / 0.1.1 / 1.0.0 deployments, detected and labelled. Reads the
//! delegates and allowances, builds the Safe's setup transaction (one MultiSendCallOnly batch in the order
//! Safe{Wallet} uses, to be proposed, signed and executed through the normal flow and its gate), and prepares a
//! delegate's transfer: the nonce read on chain, the digest computed locally and checked against the module's
//! own `generateTransferHash`.

use crate::{
    Error, Result, SafeInfo,
    deploy::{
        Deployment, SUITE_SALT, code_matches, create2_address, deploy_init_code, find_deployer,
    },
    send::send_and_confirm,
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, address, aliases::U96},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::SolCall,
};
use coffer_contracts::{artifact, bindings::CofferAllowanceModule};
use coffer_core::{
    AllowanceState, AllowanceTransfer, AllowanceVersion, MultiSendBatch, MultiSendEntry, SafeTx,
    add_delegate_calldata, delegate_key, reset_allowance_calldata, set_allowance_calldata,
};

/// The contract name of coffer's module in the committed artifacts.
pub const COFFER_ALLOWANCE_MODULE: &str = "CofferAllowanceModule";

/// The canonical AllowanceModule deployments (address, version), from `safe-modules-deployments`.
pub const CANONICAL_ALLOWANCE_MODULES: [(Address, AllowanceVersion); 4] = [
    (address!("0xCFbFaC74C26F8647cBDb8c5caf80BB5b32E43134"), AllowanceVersion::V0_1_0),
    (address!("0x1Fb403834C911eB98d56E74F5182b0d64C3b3b4D"), AllowanceVersion::V0_1_0),
    (address!("0xAA46724893dedD72658219405185Fb0Fc91e091C"), AllowanceVersion::V0_1_1),
    (address!("0x691f59471Bfd2B7d639DCF74671a2d648ED1E331"), AllowanceVersion::V1_0_0),
];

/// Which deployment an AllowanceModule address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleKind {
    /// coffer's `CofferAllowanceModule` (code matched against the committed artifact).
    Coffer,
    /// A canonical Safe deployment (by address).
    Canonical,
    /// Some other contract answering the ABI.
    Unknown,
}

/// An AllowanceModule found at an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowanceModuleInfo {
    /// Its address.
    pub address: Address,
    /// Its `VERSION()`.
    pub version: AllowanceVersion,
    /// Which deployment it is.
    pub kind: ModuleKind,
}

impl AllowanceModuleInfo {
    /// A label for tables: `coffer CofferAllowanceModule (1.0.0 semantics)`, `canonical AllowanceModule 0.1.1`.
    pub fn label(&self) -> String {
        match self.kind {
            ModuleKind::Coffer => {
                format!("coffer CofferAllowanceModule ({} semantics)", self.version)
            }
            ModuleKind::Canonical => format!("canonical AllowanceModule {}", self.version),
            ModuleKind::Unknown => {
                format!("unknown contract answering AllowanceModule {}", self.version)
            }
        }
    }

    /// Warnings a user must see about this module version.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.version == AllowanceVersion::V0_1_0 {
            w.push("AllowanceModule 0.1.0 has a wrong EIP-712 typehash: wallets cannot show its transfers as typed data; coffer signs the digest from its generateTransferHash as a hash".into());
        }
        if !self.version.refuses_nonce_wrap() {
            w.push(format!(
                "AllowanceModule {}: the transfer nonce wraps at 65535, which can make old signatures valid again",
                self.version
            ));
        }
        if self.kind == ModuleKind::Unknown {
            w.push("this address is neither coffer's module nor a canonical deployment".into());
        }
        w
    }
}

/// Where coffer's module lands when deployed through `deployer` with the suite's salt.
pub fn coffer_allowance_module_address(deployer: Address) -> Result<Address> {
    Ok(create2_address(deployer, SUITE_SALT, &artifact(COFFER_ALLOWANCE_MODULE)?.bytecode))
}

/// coffer's module on this chain: its predicted address (whether or not it is deployed).
pub async fn default_allowance_module<P: Provider>(provider: &P) -> Result<Address> {
    coffer_allowance_module_address(find_deployer(provider).await?)
}

/// Deploys coffer's module with CREATE2 (idempotent, code checked), sending from `from`.
pub async fn deploy_allowance_module<P: Provider>(
    provider: &P,
    from: Address,
) -> Result<Deployment> {
    let deployer = find_deployer(provider).await?;
    let artifact = artifact(COFFER_ALLOWANCE_MODULE)?;
    deploy_init_code(provider, from, deployer, SUITE_SALT, artifact, &artifact.bytecode).await
}

/// Reads and labels the AllowanceModule at `module`; an address without code, or one that does not answer
/// `VERSION()` with a known version, is an error.
pub async fn detect_allowance_module<P: Provider>(
    provider: &P,
    module: Address,
) -> Result<AllowanceModuleInfo> {
    let code = provider.get_code_at(module).await.map_err(Error::rpc)?;
    if code.is_empty() {
        return Err(Error::ModuleUnavailable(format!(
            "no AllowanceModule at {module}: the address has no code on this chain. Deploy coffer's with `coffer contracts deploy` or pass --module"
        )));
    }
    let contract = CofferAllowanceModule::new(module, provider);
    let version = contract.VERSION().call().await.map_err(|e| {
        Error::ModuleUnavailable(format!(
            "{module} does not answer VERSION() like an AllowanceModule ({e})"
        ))
    })?;
    let version = AllowanceVersion::parse(&version)?;
    let kind = if code_matches(artifact(COFFER_ALLOWANCE_MODULE)?, &code) {
        ModuleKind::Coffer
    } else if CANONICAL_ALLOWANCE_MODULES.iter().any(|(a, _)| *a == module) {
        ModuleKind::Canonical
    } else {
        ModuleKind::Unknown
    };
    Ok(AllowanceModuleInfo { address: module, version, kind })
}

/// One (delegate, token) allowance of a Safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowanceRow {
    /// The delegate.
    pub delegate: Address,
    /// The token (zero address: ether).
    pub token: Address,
    /// The state, period reset applied.
    pub state: AllowanceState,
}

/// Every delegate of `safe` on `module`, newest first, through `getDelegates` pages of `page_size`.
pub async fn read_delegates<P: Provider>(
    provider: &P,
    module: Address,
    safe: Address,
    page_size: u8,
) -> Result<Vec<Address>> {
    let contract = CofferAllowanceModule::new(module, provider);
    let mut out = Vec::new();
    let mut start = alloy::primitives::aliases::U48::ZERO;
    // A linked list cannot hold more than 2^48 entries; 10,000 pages is a safe stop against a hostile module.
    for _ in 0..10_000 {
        let page = contract
            .getDelegates(safe, start, page_size.max(1))
            .call()
            .await
            .map_err(Error::rpc)?;
        out.extend(page.results.iter().copied());
        if page.next.is_zero() {
            return Ok(out);
        }
        start = page.next;
    }
    Err(Error::ModuleUnavailable(format!("the delegate list of {safe} on {module} does not end")))
}

/// The allowance of (safe, delegate, token), period reset applied.
pub async fn read_allowance<P: Provider>(
    provider: &P,
    module: Address,
    safe: Address,
    delegate: Address,
    token: Address,
) -> Result<AllowanceState> {
    let words = CofferAllowanceModule::new(module, provider)
        .getTokenAllowance(safe, delegate, token)
        .call()
        .await
        .map_err(Error::rpc)?;
    Ok(AllowanceState::from_words(&words)?)
}

/// Every (delegate, token) row of `safe` on `module`, delegates newest first, tokens in `getTokens` order
/// (deleted allowances included: see [`AllowanceState::is_listed`]).
pub async fn read_allowances<P: Provider>(
    provider: &P,
    module: Address,
    safe: Address,
) -> Result<Vec<AllowanceRow>> {
    let contract = CofferAllowanceModule::new(module, provider);
    let mut rows = Vec::new();
    for delegate in read_delegates(provider, module, safe, 50).await? {
        let tokens = contract.getTokens(safe, delegate).call().await.map_err(Error::rpc)?;
        for token in tokens {
            let state = read_allowance(provider, module, safe, delegate, token).await?;
            rows.push(AllowanceRow { delegate, token, state });
        }
    }
    Ok(rows)
}

/// One allowance to set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowanceSetting {
    /// The delegate.
    pub delegate: Address,
    /// The token (zero address: ether).
    pub token: Address,
    /// The amount per period, in base units (< 2^96).
    pub amount: u128,
    /// The period in minutes (0: one time).
    pub reset_time_min: u16,
    /// The anchor minute (0: none; the period starts now).
    pub reset_base_min: u32,
    /// Whether to reset `spent` even when it is 0.
    pub reset_spent: bool,
}

/// Builds the Safe transaction that sets `settings`, in Safe{Wallet}'s order: `enableModule` if the module is not
/// enabled, `addDelegate` for each delegate, `resetAllowance` where the current allowance has `spent ≠ 0` (or
/// when asked), then `setAllowance`. More than one call becomes one MultiSendCallOnly batch (a DELEGATECALL to
/// `multi_send_call_only`, which the signing gate checks); a single call is a plain CALL.
///
/// Refuses a delegate whose 48-bit key is held by another address (it could never be added), reading the module.
pub async fn set_allowances_tx<P: Provider>(
    provider: &P,
    info: &SafeInfo,
    module: Address,
    multi_send_call_only: Address,
    settings: &[AllowanceSetting],
    nonce: U256,
) -> Result<SafeTx> {
    if settings.is_empty() {
        return Err(Error::InvalidChange("no allowance to set".into()));
    }
    let contract = CofferAllowanceModule::new(module, provider);
    let mut entries = Vec::new();
    if !info.is_module(module) {
        entries.push(MultiSendEntry::call(
            info.address,
            U256::ZERO,
            coffer_contracts::bindings::ISafe::enableModuleCall { module }.abi_encode(),
        ));
    }
    let mut added: Vec<Address> = Vec::new();
    for s in settings {
        if added.contains(&s.delegate) {
            continue;
        }
        let key = alloy::primitives::aliases::U48::from(delegate_key(s.delegate));
        if key.is_zero() {
            return Err(Error::InvalidChange(format!(
                "delegate {} has a zero 48-bit key: the module refuses it; use another address",
                s.delegate
            )));
        }
        let entry = contract.delegates(info.address, key).call().await.map_err(Error::rpc)?;
        if !entry.delegate.is_zero() && entry.delegate != s.delegate {
            return Err(Error::InvalidChange(format!(
                "delegate {} collides with delegate {} (same lowest 48 address bits): the module cannot hold both; use a fresh delegate address",
                s.delegate, entry.delegate
            )));
        }
        entries.push(MultiSendEntry::call(module, U256::ZERO, add_delegate_calldata(s.delegate)));
        added.push(s.delegate);
    }
    for s in settings {
        let current = read_allowance(provider, module, info.address, s.delegate, s.token).await?;
        if current.spent != 0 || s.reset_spent {
            entries.push(MultiSendEntry::call(
                module,
                U256::ZERO,
                reset_allowance_calldata(s.delegate, s.token),
            ));
        }
        entries.push(MultiSendEntry::call(
            module,
            U256::ZERO,
            set_allowance_calldata(
                s.delegate,
                s.token,
                s.amount,
                s.reset_time_min,
                s.reset_base_min,
            )?,
        ));
    }
    batch_or_call(entries, multi_send_call_only, nonce)
}

/// One call as a CALL, several as a MultiSendCallOnly batch.
pub fn batch_or_call(
    entries: Vec<MultiSendEntry>,
    multi_send_call_only: Address,
    nonce: U256,
) -> Result<SafeTx> {
    if entries.len() == 1 {
        let e = &entries[0];
        return Ok(SafeTx::call(e.to, e.value, e.data.clone(), nonce));
    }
    Ok(MultiSendBatch::call_only(entries)?.into_safe_tx(multi_send_call_only, nonce))
}

/// A Safe transaction calling the module with `calldata` (reset, delete, remove-delegate).
pub fn module_call_tx(module: Address, calldata: Bytes, nonce: U256) -> SafeTx {
    SafeTx::call(module, U256::ZERO, calldata, nonce)
}

/// A delegate's transfer, ready to sign: the digest computed locally and read from the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreparedTransfer {
    /// The module.
    pub module: AllowanceModuleInfo,
    /// The chain id of the domain.
    pub chain_id: u64,
    /// The transfer (nonce read on chain).
    pub transfer: AllowanceTransfer,
    /// The delegate.
    pub delegate: Address,
    /// The allowance of the transferred token before the transfer.
    pub allowance: AllowanceState,
    /// The digest coffer computed.
    pub digest: B256,
}

/// Reads the nonce of (safe, delegate, token), computes the digest for the module's version and checks it
/// against the module's `generateTransferHash` ([`Error::HashMismatch`]-like refusal when they differ).
/// Refuses a transfer the allowance cannot cover, so the delegate is told before signing.
#[allow(clippy::too_many_arguments)]
pub async fn prepare_transfer<P: Provider>(
    provider: &P,
    module: AllowanceModuleInfo,
    safe: Address,
    delegate: Address,
    token: Address,
    to: Address,
    amount: u128,
    payment: Option<(Address, u128)>,
) -> Result<PreparedTransfer> {
    let chain_id = provider.get_chain_id().await.map_err(Error::rpc)?;
    let allowance = read_allowance(provider, module.address, safe, delegate, token).await?;
    let (payment_token, payment) = payment.unwrap_or((Address::ZERO, 0));
    let transfer = AllowanceTransfer {
        safe,
        token,
        to,
        amount,
        payment_token,
        payment,
        nonce: allowance.nonce,
    };
    transfer.check()?;
    let digest = transfer.digest(module.version, chain_id, module.address);
    let onchain = onchain_transfer_hash(provider, module.address, &transfer).await?;
    if onchain != digest {
        return Err(Error::ModuleUnavailable(format!(
            "the module's generateTransferHash gives {onchain}, coffer computes {digest} for AllowanceModule {}: refusing to sign a digest that cannot be explained",
            module.version
        )));
    }
    if allowance.nonce == 0 || !allowance.is_listed() {
        return Err(Error::InvalidChange(format!(
            "{delegate} has no allowance for token {token} on Safe {safe}"
        )));
    }
    let mut needed_same = amount;
    if payment > 0 && payment_token == token {
        needed_same = needed_same.saturating_add(payment);
    }
    if needed_same > allowance.remaining() {
        return Err(Error::InvalidChange(format!(
            "the transfer needs {needed_same} but only {} of {} is left in this period (spent {})",
            allowance.remaining(),
            allowance.amount,
            allowance.spent
        )));
    }
    if payment > 0 && payment_token != token {
        let pay = read_allowance(provider, module.address, safe, delegate, payment_token).await?;
        if !pay.is_listed() || payment > pay.remaining() {
            return Err(Error::InvalidChange(format!(
                "the relayer payment needs {payment} of token {payment_token} but the delegate's allowance for it has only {} left: pay the relayer in the transferred token or lower --payment",
                if pay.is_listed() { pay.remaining() } else { 0 }
            )));
        }
    }
    if module.version.refuses_nonce_wrap() && allowance.nonce == coffer_core::MAX_TRANSFER_NONCE {
        return Err(Error::InvalidChange(
            "this allowance has used all 65,535 transfer nonces; the Safe must set up a new delegate".into(),
        ));
    }
    Ok(PreparedTransfer { module, chain_id, transfer, delegate, allowance, digest })
}

/// The module's own `generateTransferHash` for `transfer`.
pub async fn onchain_transfer_hash<P: Provider>(
    provider: &P,
    module: Address,
    transfer: &AllowanceTransfer,
) -> Result<B256> {
    CofferAllowanceModule::new(module, provider)
        .generateTransferHash(
            transfer.safe,
            transfer.token,
            transfer.to,
            U96::from(transfer.amount),
            transfer.payment_token,
            U96::from(transfer.payment),
            transfer.nonce,
        )
        .call()
        .await
        .map_err(Error::rpc)
}

/// The transaction request of `executeAllowanceTransfer` for `prepared` with `signature` (empty when `from` is
/// the delegate), sent from `from`.
pub fn transfer_request(
    prepared: &PreparedTransfer,
    signature: &[u8],
    from: Address,
) -> TransactionRequest {
    let data = prepared.transfer.execute_calldata(prepared.delegate, signature);
    TransactionRequest::default().with_from(from).with_to(prepared.module.address).with_input(data)
}

/// Sends `executeAllowanceTransfer` from `from` (the delegate with an empty signature, or any relayer with the
/// delegate's signature) and waits for a successful receipt.
pub async fn send_transfer<P: Provider>(
    provider: &P,
    prepared: &PreparedTransfer,
    signature: &[u8],
    from: Address,
) -> Result<TransactionReceipt> {
    send_and_confirm(provider, transfer_request(prepared, signature, from)).await
}

/// The `executeAllowanceTransfer` selector, for decoders.
pub const EXECUTE_ALLOWANCE_TRANSFER_SELECTOR: [u8; 4] =
    coffer_contracts::bindings::coffer_allowance_module::CofferAllowanceModule::executeAllowanceTransferCall::SELECTOR;

/// The spending limits of every enabled module of `info` that answers as an AllowanceModule (others are
/// skipped): the module and its listed rows (`amount == 0 && period == 0` rows dropped, as Safe{Wallet} does).
pub async fn enabled_spending_limits<P: Provider>(
    provider: &P,
    info: &SafeInfo,
) -> Result<Vec<(AllowanceModuleInfo, Vec<AllowanceRow>)>> {
    let mut out = Vec::new();
    for module in &info.modules {
        let Ok(found) = detect_allowance_module(provider, *module).await else { continue };
        let rows = read_allowances(provider, *module, info.address).await?;
        out.push((found, rows.into_iter().filter(|r| r.state.is_listed()).collect()));
    }
    Ok(out)
}

/// A delegate's transfer signed offline (`allowance transfer --out`), which anyone may relay
/// (`allowance relay`). Every field is re-derived from the chain before sending: see [`check_signed_transfer`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedTransfer {
    /// The chain id of the EIP-712 domain.
    pub chain_id: u64,
    /// The AllowanceModule.
    pub module: Address,
    /// The Safe paying.
    pub safe: Address,
    /// The delegate who signed.
    pub delegate: Address,
    /// The token (zero address: ether).
    pub token: Address,
    /// The recipient.
    pub to: Address,
    /// The amount in base units (decimal string).
    pub amount: String,
    /// The relayer payment token.
    pub payment_token: Address,
    /// The relayer payment in base units (decimal string).
    pub payment: String,
    /// The transfer nonce the delegate signed.
    pub nonce: u16,
    /// The digest the delegate signed.
    pub digest: B256,
    /// The delegate's 65-byte signature `r ‖ s ‖ v`.
    pub signature: Bytes,
}

impl SignedTransfer {
    /// The file for `prepared` signed with `signature`.
    pub fn new(prepared: &PreparedTransfer, signature: &[u8]) -> Self {
        let t = &prepared.transfer;
        Self {
            chain_id: prepared.chain_id,
            module: prepared.module.address,
            safe: t.safe,
            delegate: prepared.delegate,
            token: t.token,
            to: t.to,
            amount: t.amount.to_string(),
            payment_token: t.payment_token,
            payment: t.payment.to_string(),
            nonce: t.nonce,
            digest: prepared.digest,
            signature: Bytes::copy_from_slice(signature),
        }
    }

    /// The amount and payment as numbers.
    pub fn amounts(&self) -> Result<(u128, u128)> {
        let num = |what: &str, s: &str| {
            s.parse::<u128>().map_err(|_| {
                Error::InvalidChange(format!(
                    "the signed transfer's {what} {s:?} is not a whole number of base units"
                ))
            })
        };
        Ok((num("amount", &self.amount)?, num("payment", &self.payment)?))
    }
}

/// Checks a signed transfer against `prepared`, the same transfer prepared again from the chain
/// ([`prepare_transfer`]: nonce read, digest recomputed and matched with `generateTransferHash`, allowance
/// checked): same chain, nonce and digest, and the signature recovers to the delegate.
pub fn check_signed_transfer(prepared: &PreparedTransfer, signed: &SignedTransfer) -> Result<()> {
    if signed.chain_id != prepared.chain_id {
        return Err(Error::InvalidChange(format!(
            "the transfer was signed for chain {}, this RPC is chain {}: use the RPC of chain {}",
            signed.chain_id, prepared.chain_id, signed.chain_id
        )));
    }
    if signed.nonce != prepared.transfer.nonce {
        return Err(Error::InvalidChange(format!(
            "the transfer was signed for nonce {} but the allowance is at nonce {}: it was already used or replaced; ask the delegate to sign again",
            signed.nonce, prepared.transfer.nonce
        )));
    }
    if signed.digest != prepared.digest {
        return Err(Error::InvalidChange(format!(
            "the file's digest {} is not the digest {} recomputed from the chain for these fields: the file was altered; ask the delegate to sign again",
            signed.digest, prepared.digest
        )));
    }
    let sigs = coffer_core::parse_signatures(&signed.signature, prepared.digest)
        .map_err(|e| Error::InvalidChange(format!("the file's signature cannot be read: {e}")))?;
    let recovered = match sigs.as_slice() {
        [one] if signed.signature.len() == 65 => one.owner,
        _ => {
            return Err(Error::InvalidChange(
                "the file's signature must be one 65-byte ECDSA signature".into(),
            ));
        }
    };
    if recovered != prepared.delegate {
        return Err(Error::InvalidChange(format!(
            "the signature recovers to {recovered}, not the delegate {}: refusing to relay it",
            prepared.delegate
        )));
    }
    Ok(())
}

//! Social recovery: guardians replace a Safe's owners after a recovery period the Safe can cancel.
//! One client ([`coffer_contracts::bindings::ISocialRecovery`]) for coffer's
//! `CofferSocialRecoveryModule` and a canonical Candide SocialRecoveryModule.
//!
//! - [`deploy_recovery_module`]: CREATE2 with the recovery period (one module per period).
//! - [`read_recovery`] → [`RecoveryStatus`]: guardians, threshold, nonce, the pending request,
//!   whether the module is enabled.
//! - Safe-side changes are [`SafeTx`] builders for the normal propose/sign/execute flow:
//!   [`setup_tx`] (enable + guardians with a progressive threshold), [`cancel_tx`],
//!   [`invalidate_nonce_tx`], [`change_threshold_tx`], [`revoke_guardian_tx`].
//! - Guardian side: [`recovery_message`] (the EIP-712 message at the current nonce, digest
//!   cross-checked with `getRecoveryHash`), [`confirm`], [`multi_confirm`] (signers sorted and
//!   de-duplicated), [`execute`], [`finalize`].

use crate::{Error, Result, SafeInfo, read::SENTINEL, send::send_and_confirm};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};
use coffer_contracts::{artifact, bindings::ISocialRecovery};
use coffer_core::{MultiSendBatch, MultiSendEntry, SafeTx, recovery::RecoveryMessage};

/// The artifact name of coffer's recovery module.
pub const COFFER_RECOVERY_MODULE: &str = "CofferSocialRecoveryModule";

/// `CofferSocialRecoveryModule`'s init code for a recovery period of `period` seconds.
pub fn recovery_module_init_code(period: u64) -> Result<Bytes> {
    let mut code = artifact(COFFER_RECOVERY_MODULE)?.bytecode.to_vec();
    code.extend_from_slice(&U256::from(period).abi_encode());
    Ok(code.into())
}

/// Deploys coffer's recovery module with `period` through the chain's CREATE2 deployer (salt 0),
/// sending from `from`. Idempotent: one address per period.
pub async fn deploy_recovery_module<P: Provider>(
    provider: &P,
    from: Address,
    period: u64,
) -> Result<Address> {
    let deployer = crate::deploy::find_deployer(provider).await?;
    let init = recovery_module_init_code(period)?;
    let d = crate::deploy::deploy_init_code(
        provider,
        from,
        deployer,
        crate::deploy::SUITE_SALT,
        artifact(COFFER_RECOVERY_MODULE)?,
        &init,
    )
    .await?;
    Ok(d.address)
}

/// A pending recovery request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRecovery {
    /// Guardians that approved it.
    pub approvals: u64,
    /// The owners after it.
    pub new_owners: Vec<Address>,
    /// The threshold after it.
    pub new_threshold: u64,
    /// The first second it may be finalized.
    pub execute_after: u64,
}

/// A Safe's recovery state on a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryStatus {
    /// The module.
    pub module: Address,
    /// The Safe.
    pub wallet: Address,
    /// Its guardians, list order (newest first).
    pub guardians: Vec<Address>,
    /// The guardians' threshold.
    pub threshold: u64,
    /// `nonce(wallet)`.
    pub nonce: U256,
    /// The pending request, if any.
    pub pending: Option<PendingRecovery>,
    /// Whether the module is enabled on the Safe.
    pub enabled: bool,
}

fn small(v: U256, what: &str) -> Result<u64> {
    u64::try_from(v).map_err(|_| Error::Recovery(format!("{what} = {v} does not fit in 64 bits")))
}

/// Reads a Safe's recovery state on `module`.
pub async fn read_recovery<P: Provider>(
    provider: &P,
    module: Address,
    info: &SafeInfo,
) -> Result<RecoveryStatus> {
    if provider.get_code_at(module).await.map_err(Error::rpc)?.is_empty() {
        return Err(Error::Recovery(format!(
            "there is no contract at {module}: check the recovery module address and the RPC URL's chain"
        )));
    }
    let m = ISocialRecovery::new(module, provider);
    let wallet = info.address;
    let bad = |e: alloy::contract::Error| {
        Error::Recovery(format!(
            "{module} does not answer the social recovery interface ({e}); is it a recovery module?"
        ))
    };
    let guardians = m.getGuardians(wallet).call().await.map_err(bad)?;
    let threshold = small(m.threshold(wallet).call().await.map_err(bad)?, "threshold")?;
    let nonce = m.nonce(wallet).call().await.map_err(bad)?;
    let req = m.getRecoveryRequest(wallet).call().await.map_err(bad)?;
    let pending = (req.executeAfter > 0).then(|| PendingRecovery {
        approvals: small(req.guardiansApprovalCount, "approvals").unwrap_or(u64::MAX),
        new_owners: req.newOwners.clone(),
        new_threshold: small(req.newThreshold, "newThreshold").unwrap_or(u64::MAX),
        execute_after: req.executeAfter,
    });
    Ok(RecoveryStatus {
        module,
        wallet,
        guardians,
        threshold,
        nonce,
        pending,
        enabled: info.is_module(module),
    })
}

fn module_call(module: Address, data: Vec<u8>, nonce: U256) -> SafeTx {
    SafeTx::call(module, U256::ZERO, data, nonce)
}

/// One Safe tx that enables `module` (unless enabled) and adds `guardians` with the threshold
/// raised progressively (`min(i, threshold)`: it can never exceed the count). Refuses a guardian
/// that is an owner, the Safe, zero, or listed twice, and a threshold of 0 or above the count.
pub fn setup_tx(
    info: &SafeInfo,
    module: Address,
    guardians: &[Address],
    threshold: u64,
    multi_send_call_only: Address,
    nonce: U256,
) -> Result<SafeTx> {
    if guardians.is_empty() || threshold == 0 || threshold > guardians.len() as u64 {
        return Err(Error::Recovery(format!(
            "the guardians' threshold must be between 1 and the number of guardians ({}); got {threshold}",
            guardians.len()
        )));
    }
    for (i, g) in guardians.iter().enumerate() {
        if *g == Address::ZERO || *g == SENTINEL || *g == info.address {
            return Err(Error::Recovery(format!("{g} cannot be a guardian")));
        }
        if info.is_owner(*g) {
            return Err(Error::Recovery(format!(
                "{g} is an owner of the Safe: a guardian must not be an owner"
            )));
        }
        if guardians[..i].contains(g) {
            return Err(Error::Recovery(format!("guardian {g} is listed twice")));
        }
    }
    let mut entries = Vec::new();
    if !info.is_module(module) {
        let t = info.enable_module_tx(module, nonce)?;
        entries.push(MultiSendEntry::call(t.to, U256::ZERO, t.data));
    }
    for (i, g) in guardians.iter().enumerate() {
        let t = (i as u64 + 1).min(threshold);
        entries.push(MultiSendEntry::call(
            module,
            U256::ZERO,
            ISocialRecovery::addGuardianWithThresholdCall {
                guardian: *g,
                threshold: U256::from(t),
            }
            .abi_encode(),
        ));
    }
    let mut tx = MultiSendBatch::call_only(entries)?.into_safe_tx(multi_send_call_only, U256::ZERO);
    tx.nonce = nonce;
    Ok(tx)
}

/// `cancelRecovery()` as a Safe tx (refused when nothing is pending).
pub fn cancel_tx(status: &RecoveryStatus, nonce: U256) -> Result<SafeTx> {
    if status.pending.is_none() {
        return Err(Error::Recovery(format!(
            "no recovery is pending for {} on {}: nothing to cancel",
            status.wallet, status.module
        )));
    }
    Ok(module_call(status.module, ISocialRecovery::cancelRecoveryCall {}.abi_encode(), nonce))
}

/// `invalidateNonce()` as a Safe tx: voids every outstanding confirmation (not a pending request).
pub fn invalidate_nonce_tx(module: Address, nonce: U256) -> SafeTx {
    module_call(module, ISocialRecovery::invalidateNonceCall {}.abi_encode(), nonce)
}

/// `changeThreshold(t)` as a Safe tx.
pub fn change_threshold_tx(status: &RecoveryStatus, threshold: u64, nonce: U256) -> Result<SafeTx> {
    if threshold == 0 || threshold > status.guardians.len() as u64 {
        return Err(Error::Recovery(format!(
            "the guardians' threshold must be between 1 and {} (the number of guardians); got {threshold}",
            status.guardians.len()
        )));
    }
    Ok(module_call(
        status.module,
        ISocialRecovery::changeThresholdCall { threshold: U256::from(threshold) }.abi_encode(),
        nonce,
    ))
}

/// `addGuardianWithThreshold(g, t)` as a Safe tx.
pub fn add_guardian_tx(
    info: &SafeInfo,
    status: &RecoveryStatus,
    guardian: Address,
    threshold: u64,
    nonce: U256,
) -> Result<SafeTx> {
    if guardian == Address::ZERO || guardian == SENTINEL || guardian == info.address {
        return Err(Error::Recovery(format!("{guardian} cannot be a guardian")));
    }
    if info.is_owner(guardian) {
        return Err(Error::Recovery(format!(
            "{guardian} is an owner: a guardian must not be an owner"
        )));
    }
    if status.guardians.contains(&guardian) {
        return Err(Error::Recovery(format!("{guardian} is already a guardian")));
    }
    if threshold == 0 || threshold > status.guardians.len() as u64 + 1 {
        return Err(Error::Recovery(format!(
            "the guardians' threshold must be between 1 and {}; got {threshold}",
            status.guardians.len() + 1
        )));
    }
    Ok(module_call(
        status.module,
        ISocialRecovery::addGuardianWithThresholdCall {
            guardian,
            threshold: U256::from(threshold),
        }
        .abi_encode(),
        nonce,
    ))
}

/// `revokeGuardianWithThreshold(prev, g, t)` as a Safe tx, `prev` from the list.
pub fn revoke_guardian_tx(
    status: &RecoveryStatus,
    guardian: Address,
    threshold: u64,
    nonce: U256,
) -> Result<SafeTx> {
    let prev = crate::prev_in_list(&status.guardians, guardian).ok_or_else(|| {
        Error::Recovery(format!("{guardian} is not a guardian of {}", status.wallet))
    })?;
    if threshold > status.guardians.len() as u64 - 1
        || (status.guardians.len() > 1 && threshold == 0)
    {
        return Err(Error::Recovery(format!(
            "after the removal {} guardian(s) remain: the threshold must be between 1 and that; got {threshold}",
            status.guardians.len() - 1
        )));
    }
    Ok(module_call(
        status.module,
        ISocialRecovery::revokeGuardianWithThresholdCall {
            prevGuardian: prev,
            guardian,
            threshold: U256::from(threshold),
        }
        .abi_encode(),
        nonce,
    ))
}

/// The message guardians sign for `(new_owners, new_threshold)` at the current nonce, and its
/// digest computed by coffer-core and checked against the module's `getRecoveryHash`.
pub async fn recovery_message<P: Provider>(
    provider: &P,
    module: Address,
    wallet: Address,
    new_owners: Vec<Address>,
    new_threshold: u64,
) -> Result<(RecoveryMessage, B256)> {
    if new_owners.is_empty() || new_threshold == 0 || new_threshold > new_owners.len() as u64 {
        return Err(Error::Recovery(format!(
            "the new threshold must be between 1 and the number of new owners ({}); got {new_threshold}",
            new_owners.len()
        )));
    }
    for (i, o) in new_owners.iter().enumerate() {
        if *o == Address::ZERO || *o == SENTINEL || new_owners[..i].contains(o) {
            return Err(Error::Recovery(format!(
                "new owner {o} is zero, the sentinel or listed twice: finalize would revert"
            )));
        }
    }
    let chain_id = provider.get_chain_id().await.map_err(Error::rpc)?;
    let m = ISocialRecovery::new(module, provider);
    let nonce = m.nonce(wallet).call().await.map_err(Error::rpc)?;
    let msg =
        RecoveryMessage { wallet, new_owners, new_threshold: U256::from(new_threshold), nonce };
    let digest = msg.digest(chain_id, module);
    let on_chain = m
        .getRecoveryHash(wallet, msg.new_owners.clone(), msg.new_threshold, nonce)
        .call()
        .await
        .map_err(Error::rpc)?;
    if on_chain != digest {
        return Err(Error::Recovery(format!(
            "the recovery digest coffer computed ({digest}) differs from the module's getRecoveryHash ({on_chain}); not signing"
        )));
    }
    Ok((msg, digest))
}

async fn send<P: Provider>(
    provider: &P,
    from: Address,
    to: Address,
    data: Vec<u8>,
) -> Result<B256> {
    let tx = TransactionRequest::default().with_from(from).with_to(to).with_input(data);
    if let Err(e) = provider.call(tx.clone()).await {
        let reason = e
            .as_error_resp()
            .and_then(|r| r.as_revert_data())
            .map(|d| crate::revert_reason(&d))
            .unwrap_or_else(|| e.to_string());
        return Err(Error::WouldRevert { reason });
    }
    Ok(send_and_confirm(provider, tx).await?.transaction_hash)
}

/// `confirmRecovery` from guardian `from` (simulated first).
pub async fn confirm<P: Provider>(
    provider: &P,
    module: Address,
    from: Address,
    msg: &RecoveryMessage,
    execute: bool,
) -> Result<B256> {
    let data = ISocialRecovery::confirmRecoveryCall {
        wallet: msg.wallet,
        newOwners: msg.new_owners.clone(),
        newThreshold: msg.new_threshold,
        execute,
    }
    .abi_encode();
    send(provider, from, module, data).await
}

/// `multiConfirmRecovery` with `signatures` (signer, 65-byte signature or empty for `from`),
/// sorted by signer and de-duplicated as the module requires; sent from `from`.
pub async fn multi_confirm<P: Provider>(
    provider: &P,
    module: Address,
    from: Address,
    msg: &RecoveryMessage,
    mut signatures: Vec<(Address, Bytes)>,
    execute: bool,
) -> Result<B256> {
    signatures.sort_by_key(|(s, _)| *s);
    signatures.dedup_by_key(|(s, _)| *s);
    let data = ISocialRecovery::multiConfirmRecoveryCall {
        wallet: msg.wallet,
        newOwners: msg.new_owners.clone(),
        newThreshold: msg.new_threshold,
        signatures: signatures
            .into_iter()
            .map(|(signer, signature)| ISocialRecovery::SignatureData { signer, signature })
            .collect(),
        execute,
    }
    .abi_encode();
    send(provider, from, module, data).await
}

/// `executeRecovery` from `from` (anyone): starts the recovery period.
pub async fn execute<P: Provider>(
    provider: &P,
    module: Address,
    from: Address,
    msg: &RecoveryMessage,
) -> Result<B256> {
    let data = ISocialRecovery::executeRecoveryCall {
        wallet: msg.wallet,
        newOwners: msg.new_owners.clone(),
        newThreshold: msg.new_threshold,
    }
    .abi_encode();
    send(provider, from, module, data).await
}

/// `finalizeRecovery(wallet)` from `from` (anyone), after the period.
pub async fn finalize<P: Provider>(
    provider: &P,
    module: Address,
    from: Address,
    wallet: Address,
) -> Result<B256> {
    send(provider, from, module, ISocialRecovery::finalizeRecoveryCall { wallet }.abi_encode())
        .await
}

/// The recovery period of coffer's module at `module`, read from its runtime code (the period is
/// an immutable; Candide's module has no getter): `None` when the code is not
/// `CofferSocialRecoveryModule`'s (e.g. a canonical Candide deployment).
pub async fn recovery_period<P: Provider>(provider: &P, module: Address) -> Result<Option<u64>> {
    let code = provider.get_code_at(module).await.map_err(Error::rpc)?;
    let art = artifact(COFFER_RECOVERY_MODULE)?;
    if !crate::deploy::code_matches(art, &code) {
        return Ok(None);
    }
    let Some(refs) = art.immutable_references.as_object() else { return Ok(None) };
    let start = refs
        .values()
        .filter_map(|v| v.as_array())
        .flatten()
        .find_map(|o| o.get("start").and_then(serde_json::Value::as_u64));
    let Some(start) = start.map(|s| s as usize) else { return Ok(None) };
    let Some(word) = code.get(start..start + 32) else { return Ok(None) };
    Ok(u64::try_from(U256::from_be_slice(word)).ok())
}

/// Every module enabled on the Safe that answers the social recovery interface, with its state.
pub async fn recoveries_of<P: Provider>(provider: &P, info: &SafeInfo) -> Vec<RecoveryStatus> {
    let mut out = Vec::new();
    for m in &info.modules {
        if let Ok(s) = read_recovery(provider, *m, info).await {
            out.push(s);
        }
    }
    out
}

/// A guardian's offline confirmation, as `coffer recovery confirm --out` writes it and
/// `coffer recovery execute --signatures` reads it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardianSignature {
    /// The chain.
    pub chain_id: u64,
    /// The recovery module.
    pub module: Address,
    /// The Safe.
    pub wallet: Address,
    /// The owners after the recovery.
    pub new_owners: Vec<Address>,
    /// The threshold after the recovery.
    pub new_threshold: u64,
    /// The module's nonce for the Safe when signed.
    pub nonce: U256,
    /// The EIP-712 digest signed.
    pub digest: B256,
    /// The guardian.
    pub signer: Address,
    /// `r ‖ s ‖ v`.
    pub signature: Bytes,
}

impl GuardianSignature {
    /// Checks the confirmation against the request recomputed from the chain (`msg`, `digest`):
    /// same request, signature recovering to `signer` over the recomputed digest.
    pub fn check(&self, chain_id: u64, module: Address, msg: &RecoveryMessage) -> Result<()> {
        let digest = msg.digest(chain_id, module);
        if self.chain_id != chain_id || self.module != module || self.wallet != msg.wallet {
            return Err(Error::Recovery(format!(
                "the confirmation by {} is for Safe {} on module {} (chain {}), not {} on {module} (chain {chain_id})",
                self.signer, self.wallet, self.module, self.chain_id, msg.wallet
            )));
        }
        if self.new_owners != msg.new_owners || U256::from(self.new_threshold) != msg.new_threshold
        {
            return Err(Error::Recovery(format!(
                "the confirmation by {} is for another request (owners {:?}, threshold {})",
                self.signer, self.new_owners, self.new_threshold
            )));
        }
        if self.nonce != msg.nonce || self.digest != digest {
            return Err(Error::Recovery(format!(
                "the confirmation by {} was signed at nonce {} but the module is at {}: the owners invalidated it; ask for a new one",
                self.signer, self.nonce, msg.nonce
            )));
        }
        let sig = coffer_core::SafeSignature::from_eip712_rsv(
            digest,
            coffer_core::Rsv::try_from(self.signature.as_ref()).map_err(|_| {
                Error::Recovery(format!("the signature by {} is not 65 bytes", self.signer))
            })?,
        )
        .map_err(|e| Error::Recovery(format!("the signature by {}: {e}", self.signer)))?;
        if sig.owner != self.signer {
            return Err(Error::Recovery(format!(
                "the signature in the confirmation of {} recovers to {}: not signed by the guardian",
                self.signer, sig.owner
            )));
        }
        Ok(())
    }
}

//! Safe messages on chain: the Safe's own EIP-1271 answer (`isValidSignature` by `eth_call`, through its
//! fallback handler) for a message and a set of owner signatures, in each form the Safe's version has.

use alloy::{
    primitives::{Address, B256, Bytes},
    providers::Provider,
};
use coffer_contracts::bindings::{IEip1271, ILegacyEip1271, ISafe};
use coffer_core::{
    MessageContent, SafeSignature, SafeTxContext, SignatureKind, domain_separator,
    safe_message_hash,
};

use crate::{
    Error, Result, SignatureStatus,
    execute::{EIP1271_MAGIC, LEGACY_EIP1271_MAGIC},
};

/// One EIP-1271 form's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormAnswer {
    /// The magic value: the Safe accepts the signature.
    Valid,
    /// Another value, or a revert (with the reason as the node gave it).
    Invalid(String),
    /// The form does not exist in this Safe version (1.5.0 has only the bytes32 form).
    NotInThisVersion,
}

impl FormAnswer {
    /// Whether the Safe accepted the signature in this form.
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid)
    }
}

/// What the Safe answers for a Safe message and a signature blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageCheck {
    /// The Safe message hash, recomputed from the content (`getMessageHash`).
    pub safe_message_hash: B256,
    /// `isValidSignature(bytes32, bytes)` with the message's 32 bytes → `0x1626ba7e`.
    pub bytes32_form: FormAnswer,
    /// `isValidSignature(bytes, bytes)` with the message bytes → `0x20c13b0b` (up to 1.4.1 and coffer's suite).
    pub bytes_form: FormAnswer,
    /// Whether the Safe signed the message on chain (`signedMessages[hash] != 0`, through SignMessageLib).
    pub signed_on_chain: bool,
}

impl MessageCheck {
    /// Valid in every form the version has.
    pub fn is_valid(&self) -> bool {
        let forms = [&self.bytes32_form, &self.bytes_form];
        forms.iter().any(|f| f.is_valid())
            && forms.iter().all(|f| matches!(f, FormAnswer::Valid | FormAnswer::NotInThisVersion))
    }
}

/// Asks the Safe in `ctx` (by `eth_call`) whether `signatures` (packed owner signatures of the Safe message hash;
/// empty means "signed on chain") are a valid EIP-1271 signature of `content`, in both forms where the
/// version has them, and reads `signedMessages`.
pub async fn check_message_signature<P: Provider>(
    provider: &P,
    ctx: &SafeTxContext,
    content: &MessageContent,
    signatures: &Bytes,
) -> Result<MessageCheck> {
    let message = content.message_bytes()?;
    let safe_message_hash = content.safe_message_hash(ctx)?;
    let answer =
        |got: core::result::Result<alloy::primitives::FixedBytes<4>, alloy::contract::Error>,
         magic: [u8; 4]| match got {
            Ok(m) if m.0 == magic => FormAnswer::Valid,
            Ok(m) => FormAnswer::Invalid(format!("answered {m}")),
            Err(e) => FormAnswer::Invalid(format!("reverted: {e}")),
        };
    let bytes32_form = if message.len() == 32 {
        let got = IEip1271::new(ctx.safe, provider)
            .isValidSignature(B256::from_slice(&message), signatures.clone())
            .call()
            .await;
        answer(got, EIP1271_MAGIC)
    } else {
        FormAnswer::Invalid(format!(
            "the message is {} bytes; the bytes32 form takes a 32-byte hash",
            message.len()
        ))
    };
    let bytes_form = if ctx.version.uses_standard_eip1271() {
        FormAnswer::NotInThisVersion
    } else {
        let got = ILegacyEip1271::new(ctx.safe, provider)
            .isValidSignature(message.clone(), signatures.clone())
            .call()
            .await;
        answer(got, LEGACY_EIP1271_MAGIC)
    };
    let signed =
        ISafe::new(ctx.safe, provider).signedMessages(safe_message_hash).call().await.map_err(
            |e| Error::Rpc(format!("signedMessages({safe_message_hash}) of {}: {e}", ctx.safe)),
        )?;
    Ok(MessageCheck {
        safe_message_hash,
        bytes32_form,
        bytes_form,
        signed_on_chain: !signed.is_zero(),
    })
}

/// A Safe that owns another Safe ("nested Safes"): what its owners sign so that it signs a transaction of the
/// Safe it owns, and the contract signature (v = 0) their signatures make.
pub mod nested {
    use alloy::primitives::Address;
    use coffer_core::{MessageContent, SafeSignature, SafeTx, SafeTxContext, pack_signatures};

    use crate::{Result, owner_safe_message};

    /// The Safe message the owners of `owner_safe` sign for `tx` of the Safe in `ctx` (which `owner_safe`
    /// owns): [`owner_safe_message`], as raw bytes.
    pub fn owner_safe_content(ctx: &SafeTxContext, tx: &SafeTx) -> MessageContent {
        MessageContent::Raw(owner_safe_message(ctx, tx))
    }

    /// Once `signatures` (owner signatures of the owner Safe's message) reach `threshold`, the contract
    /// signature of `owner_safe` for the outer transaction: `r` = the owner Safe, `v` = 0, and the packed owner
    /// signatures as its dynamic part. `None` while there are fewer than `threshold`.
    pub fn contract_signature(
        owner_safe: Address,
        threshold: u64,
        signatures: &[SafeSignature],
    ) -> Result<Option<SafeSignature>> {
        if (signatures.len() as u64) < threshold {
            return Ok(None);
        }
        Ok(Some(SafeSignature::contract(owner_safe, pack_signatures(signatures)?)))
    }
}

/// Whether one owner's signature of a Safe message counts, as the Transaction Service checks it before storing
/// it (the caller checks that [`SafeSignature::owner`] is a current owner):
///
/// - EIP-712 and eth_sign: the signature recovers to the owner over the Safe message hash, with a low `s`;
/// - v = 1: the owner approved the Safe message hash on the Safe (`approvedHashes`);
/// - v = 0: the owner contract (EIP-1271) accepts its data, in the standard form with the Safe message hash
///   (what 1.5.0 asks), or in the legacy form with the bytes 1.4.1 passes (the EIP-712 preimage
///   `0x1901 ‖ domainSeparator ‖ structHash`) or 1.3.0 passes (the message bytes).
///
/// `Ok(SignatureStatus::Rejected(reason))` for a signature that does not count; `Err` only when the node fails.
pub async fn check_owner_message_signature<P: Provider>(
    provider: &P,
    ctx: &SafeTxContext,
    content: &MessageContent,
    sig: &SafeSignature,
) -> Result<SignatureStatus> {
    let message = content.message_bytes()?;
    let hash = safe_message_hash(ctx, &message);
    Ok(match &sig.kind {
        SignatureKind::Eip712 { .. } | SignatureKind::EthSign { .. } => match sig.verify(hash) {
            Ok(()) => SignatureStatus::Valid,
            Err(e) => SignatureStatus::Rejected(e.to_string()),
        },
        SignatureKind::ApprovedHash => {
            let approved = ISafe::new(ctx.safe, provider)
                .approvedHashes(sig.owner, hash)
                .call()
                .await
                .map_err(Error::rpc)?;
            if approved.is_zero() {
                SignatureStatus::Rejected(format!(
                    "{} has not approved the Safe message hash {hash} on chain",
                    sig.owner
                ))
            } else {
                SignatureStatus::Valid
            }
        }
        SignatureKind::Contract { data } => {
            let got = IEip1271::new(sig.owner, provider)
                .isValidSignature(hash, data.clone())
                .call()
                .await;
            if matches!(got, Ok(m) if m.0 == EIP1271_MAGIC) {
                return Ok(SignatureStatus::Valid);
            }
            let struct_hash = content.struct_hash()?;
            let mut preimage = Vec::with_capacity(66);
            preimage.extend_from_slice(&[0x19, 0x01]);
            preimage.extend_from_slice(domain_separator(ctx).as_slice());
            preimage.extend_from_slice(struct_hash.as_slice());
            for data_arg in [Bytes::from(preimage), message.clone()] {
                let got = ILegacyEip1271::new(sig.owner, provider)
                    .isValidSignature(data_arg, data.clone())
                    .call()
                    .await;
                if matches!(got, Ok(m) if m.0 == LEGACY_EIP1271_MAGIC) {
                    return Ok(SignatureStatus::Valid);
                }
            }
            SignatureStatus::Rejected(format!(
                "the owner contract {} did not answer the EIP-1271 magic value for the Safe message {hash}",
                sig.owner
            ))
        }
    })
}

/// A Safe message read from a Transaction Service, recomputed and checked: nothing from a service is trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceMessageCheck {
    /// The message, from the service's `message` (a text or EIP-712 typed data).
    pub content: MessageContent,
    /// The Safe message hash recomputed from it for the Safe (compare with the hash the service claims).
    pub safe_message_hash: B256,
    /// The confirmations that count: one signature each, by the owner the service names, a current owner,
    /// valid for the recomputed hash ([`check_owner_message_signature`]).
    pub accepted: Vec<SafeSignature>,
    /// The others: the owner the service named and why the confirmation does not count.
    pub refused: Vec<(Address, String)>,
}

/// Recomputes a service message's hash for the Safe `ctx` describes (whose current owners are `owners`, read
/// from the chain) and checks each confirmation `(owner, signature)` the service listed.
pub async fn check_service_message<P: Provider>(
    provider: &P,
    ctx: &SafeTxContext,
    owners: &[Address],
    message: serde_json::Value,
    confirmations: &[(Address, Bytes)],
) -> Result<ServiceMessageCheck> {
    let content = MessageContent::from_service_json(message)?;
    let hash = content.safe_message_hash(ctx)?;
    let mut accepted: Vec<SafeSignature> = Vec::new();
    let mut refused = Vec::new();
    for (owner, blob) in confirmations {
        let sig = match coffer_core::parse_signatures(blob, hash) {
            Ok(v) if v.len() == 1 => v.into_iter().next(),
            Ok(v) => {
                refused.push((*owner, format!("{} signatures in one confirmation", v.len())));
                continue;
            }
            Err(e) => {
                refused.push((*owner, e.to_string()));
                continue;
            }
        };
        let Some(sig) = sig else { continue };
        let reason = if sig.owner != *owner {
            Some(format!("the signature is by {}, not by {owner} as the service says", sig.owner))
        } else if !owners.contains(owner) {
            Some(format!("{owner} is not an owner of the Safe {}", ctx.safe))
        } else if accepted.iter().any(|a| a.owner == *owner) {
            Some(format!("a second signature by {owner}"))
        } else {
            match check_owner_message_signature(provider, ctx, &content, &sig).await? {
                SignatureStatus::Valid => None,
                SignatureStatus::Rejected(why) => Some(why),
            }
        };
        match reason {
            None => accepted.push(sig),
            Some(why) => refused.push((*owner, why)),
        }
    }
    Ok(ServiceMessageCheck { content, safe_message_hash: hash, accepted, refused })
}

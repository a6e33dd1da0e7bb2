//! Signing any EIP-712 typed data that is not a Safe transaction or message (e.g. a social
//! recovery guardian's confirmation): a local key signs the full typed data (alloy), a Ledger in
//! hashed EIP-712 mode (its screens: domain hash, message hash; Blind signing must be on), a
//! Trezor One with `EthereumSignTypedHash`, a core Trezor (T, Safe 3, Safe 5) with the streaming
//! `EthereumSignTypedData` flow (each field, then the message hash). The digest is checked against the caller's and the
//! signature must recover to the signer.

use alloy::{dyn_abi::TypedData, primitives::B256};
use coffer_core::{Rsv, SafeSignature, normalize_s};

use crate::{Error, LedgerMode, Result, WalletSigner};

/// An EIP-712 signature over a digest, as the signer returned it, low-s and v = 27/28.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedSignature {
    /// `r ‖ s ‖ v`, 65 bytes.
    pub bytes: [u8; 65],
    /// How the device was asked (empty for a local key).
    pub device_method: String,
}

impl WalletSigner {
    /// Signs the typed data `typed_json` (`eth_signTypedData_v4` JSON) whose domain separator is
    /// `domain_hash` and struct hash `struct_hash`; its digest must be `digest`.
    pub async fn sign_typed_digest(
        &self,
        typed_json: &serde_json::Value,
        domain_hash: B256,
        struct_hash: B256,
        digest: B256,
    ) -> Result<TypedSignature> {
        let typed: TypedData = serde_json::from_value(typed_json.clone())
            .map_err(|e| Error::LocalSign { reason: e.to_string() })?;
        let typed_hash =
            typed.eip712_signing_hash().map_err(|e| Error::LocalSign { reason: e.to_string() })?;
        let mut b = Vec::with_capacity(66);
        b.extend_from_slice(&[0x19, 0x01]);
        b.extend_from_slice(domain_hash.as_slice());
        b.extend_from_slice(struct_hash.as_slice());
        let joined = alloy::primitives::keccak256(b);
        for (what, computed) in [
            ("the EIP-712 hash of the typed data", typed_hash),
            ("keccak256(0x1901 ‖ domain hash ‖ message hash)", joined),
        ] {
            if computed != digest {
                return Err(Error::HashMismatch { what, computed, expected: digest });
            }
        }
        let (rsv, method): (Rsv, &str) = match self {
            Self::Local(key) => (key.sign_typed_data(&typed)?, ""),
            Self::Ledger(ledger) => {
                if ledger.mode() == LedgerMode::EthSign {
                    return Err(Error::LocalSign {
                        reason:
                            "this message must be signed as EIP-712; drop --ledger-mode eth-sign"
                                .into(),
                    });
                }
                ledger.ensure_blind_signing("hashed EIP-712 signing").await?;
                (
                    ledger.sign_eip712_hashed(domain_hash, struct_hash).await?,
                    "Ledger hashed EIP-712 (SIGN_EIP712 v0): check the domain hash and message hash",
                )
            }
            // Only the Trezor One has EthereumSignTypedHash; the core models stream the typed
            // data field by field and show the message hash.
            Self::Trezor(trezor) if trezor.is_trezor_one() => (
                trezor.sign_typed_hash(domain_hash, struct_hash).await?,
                "Trezor EthereumSignTypedHash: check the domain hash and message hash",
            ),
            Self::Trezor(trezor) => (
                trezor
                    .sign_json_typed_data(
                        crate::trezor_json::JsonTypedData::parse(typed_json)?,
                        struct_hash,
                    )
                    .await?,
                "Trezor EthereumSignTypedData: check each field and the message hash",
            ),
        };
        let (rsv, _) = normalize_s(rsv);
        let sig = SafeSignature::from_eip712_rsv(digest, rsv)?;
        if sig.owner != self.address() {
            return Err(Error::WrongSigner {
                expected: self.address(),
                recovered: sig.owner,
                hash: digest,
            });
        }
        let mut bytes = [0u8; 65];
        bytes.copy_from_slice(&sig.to_bytes()[..65]);
        Ok(TypedSignature { bytes, device_method: method.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloy::primitives::{Address, U256};
    use coffer_core::recovery::{RecoveryMessage, recovery_domain_separator};

    fn msg() -> RecoveryMessage {
        RecoveryMessage {
            wallet: Address::repeat_byte(0x11),
            new_owners: vec![Address::repeat_byte(0x22), Address::repeat_byte(0x33)],
            new_threshold: U256::from(2),
            nonce: U256::from(7),
        }
    }

    #[tokio::test]
    async fn key_signs_the_recovery_digest_and_a_wrong_digest_is_refused() {
        let key = crate::KeySigner::from_private_key(
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        )
        .unwrap();
        let signer = WalletSigner::Local(key);
        let (m, module) = (msg(), Address::repeat_byte(0x44));
        let typed = m.typed_data_json(31337, module);
        let domain = recovery_domain_separator(31337, module);
        let digest = m.digest(31337, module);
        let sig = signer.sign_typed_digest(&typed, domain, m.struct_hash(), digest).await.unwrap();
        let rsv = Rsv::from(sig.bytes);
        assert!(rsv.v == 27 || rsv.v == 28);
        let back = SafeSignature::from_eip712_rsv(digest, rsv).unwrap();
        assert_eq!(back.owner, signer.address());
        // A digest for another chain does not match the typed data: refused before signing.
        let other = m.digest(1, module);
        let e = signer.sign_typed_digest(&typed, domain, m.struct_hash(), other).await;
        assert!(matches!(e, Err(Error::HashMismatch { .. })), "{e:?}");
    }
}

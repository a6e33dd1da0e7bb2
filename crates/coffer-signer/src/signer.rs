//! [`WalletSigner`]: one signer over every backend, producing checked Safe signatures.

use core::fmt;

use alloy::{
    dyn_abi::TypedData,
    primitives::{Address, B256, keccak256},
};
use coffer_core::{
    Rsv, SAFE_MSG_TYPEHASH, SafeSignature, SafeTx, SafeTxContext, decode_call, domain_separator,
    normalize_s, safe_message_hash, safe_message_typed_data_json,
};

use crate::{
    DevicePrompt, Error, KeySigner, LedgerMode, LedgerSigner, PreviewSink, PreviewSubject, Result,
    Screen, SigningPreview, TrezorSigner, TypedMessage, local::KeySource, preview::device_hex,
};

/// How the owner signs the Safe hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SigningMode {
    /// EIP-712: the signature is over the safeTxHash itself; the Safe stores v as 27/28. Local keys sign the
    /// full typed data; a Ledger signs in full mode (the fields) or hashed mode (the two hashes, Blind signing
    /// on) as its [`crate::LedgerMode`] says, or in eth_sign mode with `--ledger-mode eth-sign`; a Trezor core
    /// model streams the typed data (`EthereumSignTypedData`), a Trezor One uses `EthereumSignTypedHash`.
    #[default]
    Eip712,
    /// eth_sign: the signature is over `keccak256("\x19Ethereum Signed Message:\n32" ‖ safeTxHash)`, v + 4
    /// (31/32). The fallback for devices or apps that cannot sign EIP-712 hashes.
    EthSign,
}

impl fmt::Display for SigningMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Eip712 => "EIP-712",
            Self::EthSign => "eth_sign",
        })
    }
}

/// Which kind of wallet signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignerKind {
    /// A raw private key.
    PrivateKey,
    /// A key derived from a mnemonic.
    Mnemonic,
    /// A key from an encrypted keystore.
    Keystore,
    /// A Ledger (USB or Speculos).
    Ledger,
    /// A Trezor.
    Trezor,
}

impl fmt::Display for SignerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PrivateKey => "private key",
            Self::Mnemonic => "mnemonic key",
            Self::Keystore => "keystore key",
            Self::Ledger => "Ledger",
            Self::Trezor => "Trezor",
        })
    }
}

/// One wallet, whatever its backend. Built by [`crate::WalletOpts::signer`]. Clones share a device connection.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum WalletSigner {
    /// A private key, mnemonic key or keystore key in memory.
    Local(KeySigner),
    /// A Ledger over USB HID or Speculos TCP.
    Ledger(LedgerSigner),
    /// A Trezor.
    Trezor(TrezorSigner),
}

/// What is signed: a transaction or a message.
enum Payload<'a> {
    Tx(&'a SafeTx),
    Message(&'a [u8]),
}

/// How the key or device is asked, decided before the preview is shown.
enum Plan {
    /// A local key signs the typed data or the personal message.
    Local,
    /// SIGN_EIP712 v0 (two hashes).
    LedgerHashed,
    /// Struct definitions and values, then SIGN_EIP712 P2 01.
    LedgerFull,
    /// SIGN_PERSONAL_MESSAGE of the safeTxHash.
    LedgerEthSign,
    /// The streaming `EthereumSignTypedData` flow with the message-hash confirmation (core models).
    TrezorTypedData,
    /// `EthereumSignTypedHash` (the Trezor One only).
    TrezorTypedHash,
    /// `EthereumSignMessage` of the safeTxHash.
    TrezorEthSign,
}

fn hash_screens(domain: B256, message: B256) -> Vec<Screen> {
    vec![
        Screen::new("Domain hash", device_hex(&domain)),
        Screen::new("Message hash", device_hex(&message)),
    ]
}

fn trezor_typed_screens(typed: &TypedMessage) -> Vec<Screen> {
    let mut out = Vec::new();
    for s in [&typed.domain, &typed.message] {
        out.push(Screen::new(format!("Confirm {}", s.name), ""));
        for (i, m) in s.members.iter().enumerate() {
            out.push(Screen::new(m.name, s.display_value_uncut(i)));
        }
    }
    out
}

/// `keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message)))`, the SafeMessage struct hash.
fn safe_message_struct_hash(message: &[u8]) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(SAFE_MSG_TYPEHASH.as_slice());
    buf[32..].copy_from_slice(keccak256(message).as_slice());
    keccak256(buf)
}

fn eip712_digest(domain: B256, struct_hash: B256) -> B256 {
    let mut buf = [0u8; 66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf[2..34].copy_from_slice(domain.as_slice());
    buf[34..].copy_from_slice(struct_hash.as_slice());
    keccak256(buf)
}

/// The `eth_signTypedData_v4` payload of a Safe message (coffer-core's JSON), parsed for alloy.
fn safe_message_typed_data(ctx: &SafeTxContext, message: &[u8]) -> Result<TypedData> {
    serde_json::from_value(safe_message_typed_data_json(ctx, message))
        .map_err(|e| Error::LocalSign { reason: e.to_string() })
}

/// Makes a Safe signature from what a key or device returned: low-s (flipping v when s is lowered), v as
/// 27/28 (EIP-712) or 31/32 (eth_sign), and checked to recover to `expected` for `hash`.
pub(crate) fn checked_signature(
    rsv: Rsv,
    mode: SigningMode,
    hash: B256,
    expected: Address,
) -> Result<SafeSignature> {
    let (rsv, _) = normalize_s(rsv);
    let sig = match mode {
        SigningMode::Eip712 => SafeSignature::from_eip712_rsv(hash, rsv)?,
        SigningMode::EthSign => SafeSignature::from_eth_sign(hash, rsv)?,
    };
    if sig.owner != expected {
        return Err(Error::WrongSigner { expected, recovered: sig.owner, hash });
    }
    sig.verify(hash)?;
    Ok(sig)
}

impl WalletSigner {
    /// The signer's address: the Safe owner its signatures must recover to.
    pub fn address(&self) -> Address {
        match self {
            Self::Local(k) => k.address(),
            Self::Ledger(l) => l.address(),
            Self::Trezor(t) => t.address(),
        }
    }

    /// The kind of wallet.
    pub fn kind(&self) -> SignerKind {
        match self {
            Self::Local(k) => match k.source() {
                KeySource::PrivateKey => SignerKind::PrivateKey,
                KeySource::Mnemonic { .. } => SignerKind::Mnemonic,
                KeySource::Keystore { .. } => SignerKind::Keystore,
            },
            Self::Ledger(_) => SignerKind::Ledger,
            Self::Trezor(_) => SignerKind::Trezor,
        }
    }

    /// The derivation path of the signing key, when it has one (a Ledger, a Trezor, a mnemonic); `None` for a
    /// raw private key or a keystore. Kept with drill and message signatures for the team's records.
    pub fn derivation_path(&self) -> Option<String> {
        match self {
            Self::Ledger(l) => Some(l.path().to_string()),
            Self::Trezor(t) => Some(t.path().to_string()),
            Self::Local(k) => match k.source() {
                KeySource::Mnemonic { path } => Some(path.to_string()),
                KeySource::PrivateKey | KeySource::Keystore { .. } => None,
            },
        }
    }

    /// Signs a Safe transaction for the Safe in `ctx`.
    ///
    /// First emits a [`SigningPreview`] through `preview` (chain, Safe, version, nonce, decoded action and
    /// risks, domain hash, message hash, safeTxHash); only then asks the key or device. The signature is
    /// returned only if it recovers to [`WalletSigner::address`] for the safeTxHash; v is 27/28
    /// ([`SigningMode::Eip712`]) or 31/32 ([`SigningMode::EthSign`]), s is low.
    pub async fn sign_safe_tx(
        &self,
        ctx: &SafeTxContext,
        tx: &SafeTx,
        mode: SigningMode,
        preview: &mut dyn PreviewSink,
    ) -> Result<SafeSignature> {
        self.sign(ctx, Payload::Tx(tx), mode, preview).await
    }

    /// Signs a Safe message (the hash `getMessageHash` returns, checked with EIP-1271 by the Safe's fallback
    /// handler). Same preview, modes and checks as [`WalletSigner::sign_safe_tx`].
    pub async fn sign_safe_message(
        &self,
        ctx: &SafeTxContext,
        message: &[u8],
        mode: SigningMode,
        preview: &mut dyn PreviewSink,
    ) -> Result<SafeSignature> {
        self.sign(ctx, Payload::Message(message), mode, preview).await
    }

    /// The signing mode that will be used for `requested`: a Ledger with `--ledger-mode eth-sign` signs in
    /// eth_sign mode even when EIP-712 is asked.
    pub fn effective_mode(&self, requested: SigningMode) -> SigningMode {
        match self {
            Self::Ledger(l) if l.mode() == LedgerMode::EthSign => SigningMode::EthSign,
            _ => requested,
        }
    }

    fn device_timeout_secs(&self) -> u64 {
        match self {
            Self::Local(_) => 0,
            Self::Ledger(l) => l.device_timeout().as_secs(),
            Self::Trezor(t) => t.device_timeout().as_secs(),
        }
    }

    /// Decides how the device is asked, refusing early (before any preview or signing request) what the
    /// device's settings would refuse.
    async fn plan(
        &self,
        requested: SigningMode,
        typed: &TypedMessage,
    ) -> Result<(Plan, SigningMode)> {
        let mode = self.effective_mode(requested);
        let plan = match (self, mode) {
            (Self::Local(_), _) => Plan::Local,
            (Self::Ledger(_), SigningMode::EthSign) => Plan::LedgerEthSign,
            (Self::Trezor(_), SigningMode::EthSign) => Plan::TrezorEthSign,
            (Self::Ledger(ledger), SigningMode::Eip712) => match ledger.mode() {
                LedgerMode::EthSign => Plan::LedgerEthSign,
                LedgerMode::Hashed => {
                    ledger.ensure_blind_signing("hashed EIP-712 signing").await?;
                    Plan::LedgerHashed
                }
                // Asked for explicitly, full mode also signs values the screen cuts: the preview then says
                // so and gives the message hash to compare (shown with the app's "Display hash" setting).
                LedgerMode::Full => Plan::LedgerFull,
                LedgerMode::Auto => {
                    let config = ledger.read_app_config().await?;
                    if config.supports_eip712_full() && typed.ledger_cut_value().is_none() {
                        Plan::LedgerFull
                    } else if config.blind_signing_enabled() {
                        Plan::LedgerHashed
                    } else {
                        return Err(Error::LedgerBlindSigningOff {
                            what: "hashed EIP-712 signing (chosen because the device cannot show this \
                                   data uncut in full mode)",
                        });
                    }
                }
            },
            (Self::Trezor(trezor), SigningMode::Eip712) => {
                if trezor.is_trezor_one() {
                    Plan::TrezorTypedHash
                } else {
                    Plan::TrezorTypedData
                }
            }
        };
        Ok((plan, mode))
    }

    async fn sign(
        &self,
        ctx: &SafeTxContext,
        payload: Payload<'_>,
        mode: SigningMode,
        preview: &mut dyn PreviewSink,
    ) -> Result<SafeSignature> {
        let domain_hash = domain_separator(ctx);
        let (message_hash, safe_hash, subject) = match payload {
            Payload::Tx(tx) => (
                tx.struct_hash_for(ctx.version),
                tx.safe_tx_hash(ctx),
                PreviewSubject::Transaction {
                    tx: Box::new(tx.clone()),
                    action: decode_call(tx.to, tx.value, &tx.data, tx.operation),
                },
            ),
            Payload::Message(m) => (
                safe_message_struct_hash(m),
                safe_message_hash(ctx, m),
                PreviewSubject::Message { message: m.to_vec().into() },
            ),
        };
        // The device signs keccak(0x1901 ‖ domain ‖ message); it must be the hash the Safe checks.
        let digest = eip712_digest(domain_hash, message_hash);
        if digest != safe_hash {
            return Err(Error::HashMismatch {
                what: "keccak256(0x1901 ‖ domain hash ‖ message hash)",
                computed: digest,
                expected: safe_hash,
            });
        }

        let typed = match payload {
            Payload::Tx(tx) => TypedMessage::safe_tx(ctx, tx),
            Payload::Message(m) => TypedMessage::safe_message(ctx, m),
        };
        // What is streamed to a device must hash to what coffer-core computed.
        for (what, computed, expected) in [
            ("the domain hash of the streamed typed data", typed.domain_hash(), domain_hash),
            ("the message hash of the streamed typed data", typed.message_hash(), message_hash),
        ] {
            if computed != expected {
                return Err(Error::HashMismatch { what, computed, expected });
            }
        }
        let (plan, mode) = self.plan(mode, &typed).await?;
        let timeout_secs = self.device_timeout_secs();
        let prompt = |device: &'static str, method: &str, screens: Vec<Screen>| DevicePrompt {
            device,
            method: method.to_owned(),
            screens,
            timeout_secs,
        };
        let eth_sign_screens =
            || vec![Screen::new("Sign message", ""), Screen::new("Message", safe_hash.to_string())];
        let device = match plan {
            Plan::Local => None,
            Plan::LedgerHashed => Some(prompt(
                "Ledger",
                "hashed EIP-712, SIGN_EIP712 v0; each hash over two pages",
                hash_screens(domain_hash, message_hash),
            )),
            Plan::LedgerFull => {
                Some(prompt("Ledger", "full EIP-712, SIGN_EIP712 P2 01", typed.ledger_screens()))
            }
            Plan::LedgerEthSign => {
                Some(prompt("Ledger", "eth_sign, SIGN_PERSONAL_MESSAGE", eth_sign_screens()))
            }
            Plan::TrezorTypedData => {
                let mut screens = trezor_typed_screens(&typed);
                screens.push(Screen::new("Message hash", message_hash.to_string()));
                Some(prompt("Trezor", "EthereumSignTypedData with the message hash", screens))
            }
            Plan::TrezorTypedHash => Some(prompt(
                "Trezor",
                "EthereumSignTypedHash",
                hash_screens(domain_hash, message_hash),
            )),
            Plan::TrezorEthSign => {
                Some(prompt("Trezor", "eth_sign, EthereumSignMessage", eth_sign_screens()))
            }
        };

        let shown = SigningPreview {
            signer: self.address(),
            signer_kind: self.kind(),
            mode,
            chain_id: ctx.chain_id,
            safe: ctx.safe,
            version: ctx.version,
            domain_hash,
            message_hash,
            safe_hash,
            subject,
            device: device.clone(),
        };
        preview.show(&shown).map_err(|source| Error::Preview { source })?;
        if let Some(prompt) = &device {
            preview.waiting(prompt).map_err(|source| Error::Preview { source })?;
        }

        let rsv = match (self, plan) {
            (Self::Local(key), Plan::Local) if mode == SigningMode::Eip712 => {
                let typed = match payload {
                    Payload::Tx(tx) => tx.typed_data(ctx)?,
                    Payload::Message(m) => safe_message_typed_data(ctx, m)?,
                };
                let typed_hash = typed
                    .eip712_signing_hash()
                    .map_err(|e| Error::LocalSign { reason: e.to_string() })?;
                if typed_hash != safe_hash {
                    return Err(Error::HashMismatch {
                        what: "the EIP-712 hash of the typed data",
                        computed: typed_hash,
                        expected: safe_hash,
                    });
                }
                key.sign_typed_data(&typed)?
            }
            (Self::Local(key), _) => key.sign_personal_hash(&safe_hash)?,
            (Self::Ledger(ledger), Plan::LedgerHashed) => {
                ledger.sign_eip712_hashed(domain_hash, message_hash).await?
            }
            (Self::Ledger(ledger), Plan::LedgerFull) => ledger.sign_eip712_full(&typed).await?,
            (Self::Ledger(ledger), _) => ledger.sign_personal_message(safe_hash.as_slice()).await?,
            (Self::Trezor(trezor), Plan::TrezorTypedData) => {
                trezor.sign_typed_data(&typed, message_hash).await?
            }
            (Self::Trezor(trezor), Plan::TrezorTypedHash) => {
                trezor.sign_typed_hash(domain_hash, message_hash).await?
            }
            (Self::Trezor(trezor), _) => trezor.sign_personal_message(safe_hash.as_slice()).await?,
        };
        checked_signature(rsv, mode, safe_hash, self.address())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloy::primitives::U256;
    use coffer_core::{SECP256K1N, SafeVersion, SignatureKind};

    fn key() -> KeySigner {
        KeySigner::from_private_key(
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        )
        .unwrap()
    }

    #[test]
    fn message_struct_hash_matches_core() {
        let ctx = SafeTxContext::new(1, Address::repeat_byte(0x11), SafeVersion::V1_4_1);
        for m in [&b""[..], b"hello", &[0u8; 100]] {
            let d = eip712_digest(domain_separator(&ctx), safe_message_struct_hash(m));
            assert_eq!(d, safe_message_hash(&ctx, m));
            let typed = safe_message_typed_data(&ctx, m).unwrap();
            assert_eq!(typed.eip712_signing_hash().unwrap(), d);
        }
        let legacy = SafeTxContext::new(1, Address::repeat_byte(0x11), SafeVersion::V1_1_1);
        let typed = safe_message_typed_data(&legacy, b"x").unwrap();
        assert_eq!(typed.eip712_signing_hash().unwrap(), safe_message_hash(&legacy, b"x"));
    }

    #[test]
    fn checked_signature_normalises_and_checks_the_owner() {
        let k = key();
        let hash = B256::repeat_byte(0x42);
        let rsv = k.sign_personal_hash(&hash).unwrap();
        // eth_sign: v 27/28 → 31/32.
        let sig = checked_signature(rsv, SigningMode::EthSign, hash, k.address()).unwrap();
        assert!(matches!(sig.kind, SignatureKind::EthSign { v: 31 | 32, .. }));
        // 0/1 from a device becomes the same signature.
        let raw = Rsv { v: rsv.v - 27, ..rsv };
        assert_eq!(checked_signature(raw, SigningMode::EthSign, hash, k.address()).unwrap(), sig);
        // A high-s twin is lowered and its v flipped back.
        let high = Rsv { s: SECP256K1N - rsv.s, v: 55 - rsv.v, ..rsv };
        assert_eq!(checked_signature(high, SigningMode::EthSign, hash, k.address()).unwrap(), sig);
        // The wrong expected owner is refused with both addresses named.
        let other = Address::repeat_byte(7);
        let e = checked_signature(rsv, SigningMode::EthSign, hash, other).unwrap_err();
        assert!(
            matches!(e, Error::WrongSigner { expected, recovered, .. } if expected == other && recovered == k.address())
        );
        // An eth_sign signature presented as EIP-712 recovers to someone else.
        assert!(matches!(
            checked_signature(rsv, SigningMode::Eip712, hash, k.address()),
            Err(Error::WrongSigner { .. })
        ));
        // Garbage r is refused by recovery.
        let bad = Rsv { r: U256::ZERO, ..rsv };
        assert!(checked_signature(bad, SigningMode::Eip712, hash, k.address()).is_err());
    }
}

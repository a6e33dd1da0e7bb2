//! Local keys: a raw private key, a BIP-39 mnemonic, or an encrypted JSON keystore.

use std::path::{Path, PathBuf};

use alloy::{
    dyn_abi::TypedData,
    primitives::{Address, B256},
    signers::{
        SignerSync,
        local::{
            LocalSignerError, MnemonicBuilder, PrivateKeySigner,
            coins_bip39::{English, Wordlist},
        },
    },
};
use coffer_core::Rsv;

use crate::{DerivationPath, Error, Result};

/// Where a local key came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// A raw private key.
    PrivateKey,
    /// A BIP-39 mnemonic, derived at this path.
    Mnemonic {
        /// The derivation path.
        path: DerivationPath,
    },
    /// An encrypted JSON keystore file.
    Keystore {
        /// The keystore file.
        path: PathBuf,
    },
}

/// A private key held in memory, from a raw key, a mnemonic or a keystore.
#[derive(Clone, Debug)]
pub struct KeySigner {
    key: PrivateKeySigner,
    source: KeySource,
}

impl KeySigner {
    /// A raw private key: 64 hex digits, optionally `0x`-prefixed. The error never echoes the key.
    pub fn from_private_key(hex: &str) -> Result<Self> {
        let key: PrivateKeySigner =
            hex.trim().parse().map_err(|e: LocalSignerError| Error::InvalidPrivateKey {
                reason: match e {
                    LocalSignerError::HexError(_) => "not 32 bytes of hex".to_owned(),
                    _ => "not a valid secp256k1 private key".to_owned(),
                },
            })?;
        Ok(Self { key, source: KeySource::PrivateKey })
    }

    /// A BIP-39 English mnemonic derived at `path`. The error names the position of a bad word, never the
    /// words themselves.
    pub fn from_mnemonic(phrase: &str, path: DerivationPath) -> Result<Self> {
        let words: Vec<&str> = phrase.split_whitespace().collect();
        if ![12, 15, 18, 21, 24].contains(&words.len()) {
            return Err(Error::InvalidMnemonic {
                reason: format!("{} words; a BIP-39 phrase has 12, 15, 18, 21 or 24", words.len()),
            });
        }
        if let Some(pos) = words.iter().position(|w| English::get_index(w).is_err()) {
            return Err(Error::InvalidMnemonic {
                reason: format!("word {} is not in the BIP-39 English word list", pos + 1),
            });
        }
        let key = MnemonicBuilder::<English>::default()
            .phrase(words.join(" "))
            .derivation_path(path.to_string())
            .and_then(|b| b.build())
            .map_err(|e| Error::InvalidMnemonic {
                reason: match e {
                    LocalSignerError::Bip39Error(_) => {
                        "its checksum does not match: a word is wrong or out of order".to_owned()
                    }
                    LocalSignerError::Bip32Error(e) => format!("derivation failed: {e}"),
                    _ => "it could not be turned into a key".to_owned(),
                },
            })?;
        Ok(Self { key, source: KeySource::Mnemonic { path } })
    }

    /// An encrypted JSON keystore (the format of geth, foundry's `cast wallet`, MetaMask exports).
    pub fn from_keystore(path: &Path, password: &str) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::KeystoreNotFound { path: path.to_owned() });
        }
        let key = PrivateKeySigner::decrypt_keystore(path, password)
            .map_err(|e| Error::Keystore { path: path.to_owned(), reason: e.to_string() })?;
        Ok(Self { key, source: KeySource::Keystore { path: path.to_owned() } })
    }

    /// The key's address.
    pub fn address(&self) -> Address {
        self.key.address()
    }

    /// Where the key came from.
    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// The alloy signer, e.g. to send the `execTransaction` transaction with this key.
    pub fn alloy_signer(&self) -> &PrivateKeySigner {
        &self.key
    }

    /// Signs full EIP-712 typed data (alloy computes `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct)`).
    pub(crate) fn sign_typed_data(&self, typed: &TypedData) -> Result<Rsv> {
        let sig = self
            .key
            .sign_dynamic_typed_data_sync(typed)
            .map_err(|e| Error::LocalSign { reason: e.to_string() })?;
        Ok(Rsv::from(sig))
    }

    /// Signs the 32 bytes of `hash` as an EIP-191 personal message (eth_sign).
    pub(crate) fn sign_personal_hash(&self, hash: &B256) -> Result<Rsv> {
        let sig = self
            .key
            .sign_message_sync(hash.as_slice())
            .map_err(|e| Error::LocalSign { reason: e.to_string() })?;
        Ok(Rsv::from(sig))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const PHRASE: &str = "test test test test test test test test test test test junk";

    #[test]
    fn anvil_mnemonic_derives_anvil_accounts() {
        let a0 = KeySigner::from_mnemonic(PHRASE, DerivationPath::bip44(0).unwrap()).unwrap();
        let a1 = KeySigner::from_mnemonic(PHRASE, DerivationPath::bip44(1).unwrap()).unwrap();
        // anvil's default accounts 0 and 1.
        assert_eq!(
            a0.address(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse::<Address>().unwrap()
        );
        assert_eq!(
            a1.address(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse::<Address>().unwrap()
        );
        let pk = KeySigner::from_private_key(
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        )
        .unwrap();
        assert_eq!(pk.address(), a0.address());
    }

    #[test]
    fn bad_keys_never_echo_the_secret() {
        let e = KeySigner::from_private_key("0xdeadbeef").unwrap_err().to_string();
        assert!(e.contains("not 32 bytes of hex") && !e.contains("deadbeef"), "{e}");
        let zero = format!("0x{}", "00".repeat(32));
        let e = KeySigner::from_private_key(&zero).unwrap_err().to_string();
        assert!(e.contains("not a valid secp256k1 private key"), "{e}");

        let e = KeySigner::from_mnemonic("test test", DerivationPath::bip44(0).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 words"), "{e}");
        let typo = PHRASE.replace("junk", "junkk");
        let e = KeySigner::from_mnemonic(&typo, DerivationPath::bip44(0).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("word 12 is not in") && !e.contains("junkk"), "{e}");
        let swapped = PHRASE.replace("junk", "test");
        let e = KeySigner::from_mnemonic(&swapped, DerivationPath::bip44(0).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("checksum") && !e.contains("test test"), "{e}");
    }
}

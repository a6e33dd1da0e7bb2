//! Safe signatures: recover, normalise, parse a packed blob, sort and pack.
//!
//! A Safe reads its `signatures` argument as 65-byte static parts `r ‖ s ‖ v`, one per owner, sorted by owner
//! address ascending, followed by the dynamic parts of contract signatures. `v` says what a part is:
//!
//! | v | kind | owner |
//! |---|---|---|
//! | 27, 28 | [`SignatureKind::Eip712`]: ECDSA over the safeTxHash | recovered |
//! | 31, 32 | [`SignatureKind::EthSign`]: ECDSA over `keccak256("\x19Ethereum Signed Message:\n32" ‖ hash)`, v + 4 | recovered |
//! | 1 | [`SignatureKind::ApprovedHash`]: the owner approved the hash on chain, or is the executor | `r` |
//! | 0 | [`SignatureKind::Contract`]: EIP-1271; `s` is the byte offset of `{uint256 len}{data}` | `r` |

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Bytes, Signature, U256, eip191_hash_message, uint};

use crate::{Error, Result};

/// The secp256k1 curve order n.
pub const SECP256K1N: U256 =
    uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);

/// n / 2: an ECDSA `s` above this is "high" (malleable).
pub const SECP256K1N_HALF: U256 =
    uint!(0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_U256);

/// A raw ECDSA signature as a device or wallet returns it: `r`, `s` and `v` as given (0/1, 27/28 or 31/32).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rsv {
    /// r
    pub r: U256,
    /// s
    pub s: U256,
    /// v, as given
    pub v: u8,
}

impl Rsv {
    /// The 65 bytes `r ‖ s ‖ v`.
    pub fn to_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r.to_be_bytes::<32>());
        out[32..64].copy_from_slice(&self.s.to_be_bytes::<32>());
        out[64] = self.v;
        out
    }

    /// True if `s > n/2`.
    pub fn is_high_s(&self) -> bool {
        self.s > SECP256K1N_HALF
    }
}

impl From<[u8; 65]> for Rsv {
    fn from(b: [u8; 65]) -> Self {
        Self::from(&b)
    }
}

impl From<&[u8; 65]> for Rsv {
    fn from(b: &[u8; 65]) -> Self {
        Self { r: U256::from_be_slice(&b[..32]), s: U256::from_be_slice(&b[32..64]), v: b[64] }
    }
}

impl From<Signature> for Rsv {
    /// v = 27 + y-parity.
    fn from(sig: Signature) -> Self {
        Self { r: sig.r(), s: sig.s(), v: 27 + u8::from(sig.v()) }
    }
}

impl From<&Signature> for Rsv {
    fn from(sig: &Signature) -> Self {
        Self::from(*sig)
    }
}

impl TryFrom<&[u8]> for Rsv {
    type Error = Error;

    fn try_from(b: &[u8]) -> Result<Self> {
        let arr: &[u8; 65] =
            b.try_into().map_err(|_| Error::SignatureLength { index: 0, len: b.len() })?;
        Ok(Self::from(arr))
    }
}

/// Turns a high-s signature into its low-s twin: `s' = n − s`, and the y-parity of `v` flips (27 ↔ 28,
/// 31 ↔ 32, 0 ↔ 1). Both recover to the same key. Returns the signature and `true` if it was changed, so the
/// caller can say so; a low-s signature is returned unchanged with `false`.
pub fn normalize_s(sig: Rsv) -> (Rsv, bool) {
    if !sig.is_high_s() {
        return (sig, false);
    }
    let v = match sig.v {
        0 | 1 => 1 - sig.v,
        27 | 28 => 55 - sig.v,
        31 | 32 => 63 - sig.v,
        // Not a y-parity encoding; recovery will refuse it with a clear error anyway.
        v => v,
    };
    (Rsv { r: sig.r, s: SECP256K1N - sig.s, v }, true)
}

/// What kind of Safe signature a part is, with its data.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SignatureKind {
    /// ECDSA over the EIP-712 hash itself. `v` is stored as 27 or 28.
    Eip712 {
        /// r
        r: U256,
        /// s (low-s)
        s: U256,
        /// 27 or 28
        v: u8,
    },
    /// ECDSA over `keccak256("\x19Ethereum Signed Message:\n32" ‖ hash)`. `v` is stored as 31 or 32 (27/28 + 4,
    /// which is how the Safe tells it apart).
    EthSign {
        /// r
        r: U256,
        /// s (low-s)
        s: U256,
        /// 31 or 32
        v: u8,
    },
    /// v = 1: the owner approved the hash with `approveHash`, or is the account executing the transaction.
    ApprovedHash,
    /// v = 0: an EIP-1271 contract owner; `data` is the signature passed to its `isValidSignature`.
    Contract {
        /// The dynamic signature data.
        data: Bytes,
    },
}

/// One owner's signature, as the Safe will check it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SafeSignature {
    /// The owner this signature stands for.
    pub owner: Address,
    /// The kind of signature and its data.
    pub kind: SignatureKind,
}

fn recover(hash: &B256, r: U256, s: U256, v: u8, index: usize) -> Result<Address> {
    let parity = match v {
        27 => false,
        28 => true,
        _ => {
            return Err(Error::InvalidV {
                index,
                v,
                expected: "ECDSA recovery needs v = 27 or 28",
            });
        }
    };
    recover_parity(hash, r, s, parity).map_err(|reason| Error::Recovery { index, reason })
}

/// ECDSA public-key recovery with libsecp256k1 (the library Bitcoin Core and geth use), then the address.
/// The property test below checks it against k256 (alloy's `recover_address_from_prehash`).
fn recover_parity(
    hash: &B256,
    r: U256,
    s: U256,
    parity: bool,
) -> std::result::Result<Address, String> {
    use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(&r.to_be_bytes::<32>());
    compact[32..].copy_from_slice(&s.to_be_bytes::<32>());
    let recid = if parity { RecoveryId::One } else { RecoveryId::Zero };
    let sig = RecoverableSignature::from_compact(&compact, recid).map_err(|e| e.to_string())?;
    let key = sig.recover(secp256k1::Message::from_digest(hash.0)).map_err(|e| e.to_string())?;
    Ok(Address::from_raw_public_key(&key.serialize_uncompressed()[1..]))
}

#[cfg(test)]
mod recovery_tests {
    use super::*;
    use proptest::prelude::*;

    fn k256_recover(hash: &B256, r: U256, s: U256, parity: bool) -> Option<Address> {
        Signature::new(r, s, parity).recover_address_from_prehash(hash).ok()
    }

    proptest! {
        /// Signatures made with k256: libsecp256k1 recovers the signer, as k256 does.
        #[test]
        fn libsecp256k1_recovers_what_k256_signs(key in 1u64.., hash in any::<[u8; 32]>()) {
            let sk = k256::ecdsa::SigningKey::from_slice(&U256::from(key).to_be_bytes::<32>())
                .expect("a key below the order");
            let (sig, recid) = sk.sign_prehash_recoverable(&hash).expect("signs");
            let bytes = sig.to_bytes();
            let (r, s) = (U256::from_be_slice(&bytes[..32]), U256::from_be_slice(&bytes[32..]));
            let hash = B256::from(hash);
            let expected = Address::from_public_key(sk.verifying_key());
            prop_assert_eq!(recover_parity(&hash, r, s, recid.is_y_odd()).ok(), Some(expected));
            prop_assert_eq!(k256_recover(&hash, r, s, recid.is_y_odd()), Some(expected));
        }

        /// Arbitrary (r, s, parity): both libraries agree, on the address or on refusing.
        #[test]
        fn libsecp256k1_and_k256_agree_on_any_input(
            r in any::<[u8; 32]>(), s in any::<[u8; 32]>(), parity in any::<bool>(), hash in any::<[u8; 32]>()
        ) {
            let (r, s, hash) = (U256::from_be_bytes(r), U256::from_be_bytes(s), B256::from(hash));
            prop_assert_eq!(recover_parity(&hash, r, s, parity).ok(), k256_recover(&hash, r, s, parity));
        }
    }

    #[test]
    fn zero_and_out_of_range_values_are_refused() {
        let hash = B256::repeat_byte(7);
        assert!(recover_parity(&hash, U256::ZERO, U256::from(1), false).is_err());
        assert!(recover_parity(&hash, U256::from(1), U256::ZERO, false).is_err());
        assert!(recover_parity(&hash, SECP256K1N, U256::from(1), false).is_err());
    }
}

impl SafeSignature {
    /// An EIP-712 signature of `hash` (the safeTxHash or Safe message hash). `v` may be 0/1 or 27/28 and is
    /// stored as 27/28. The owner is recovered from the signature. A high-s signature is refused with
    /// [`Error::HighS`]; pass it through [`normalize_s`] first to accept it.
    pub fn from_eip712_rsv(hash: B256, sig: impl Into<Rsv>) -> Result<Self> {
        let sig = sig.into();
        let v = match sig.v {
            0 | 1 => sig.v + 27,
            27 | 28 => sig.v,
            v => {
                return Err(Error::InvalidV {
                    index: 0,
                    v,
                    expected: "an EIP-712 signature has v = 0, 1, 27 or 28",
                });
            }
        };
        if sig.is_high_s() {
            return Err(Error::HighS { index: 0 });
        }
        let owner = recover(&hash, sig.r, sig.s, v, 0)?;
        Ok(Self { owner, kind: SignatureKind::Eip712 { r: sig.r, s: sig.s, v } })
    }

    /// An `eth_sign` (EIP-191 personal message) signature of the 32 bytes of `hash`. The signer signed
    /// `keccak256("\x19Ethereum Signed Message:\n32" ‖ hash)`. `v` may be 0/1, 27/28 or already 31/32 and is
    /// stored as 31/32. The owner is recovered. High-s is refused with [`Error::HighS`].
    pub fn from_eth_sign(hash: B256, sig: impl Into<Rsv>) -> Result<Self> {
        let sig = sig.into();
        let v = match sig.v {
            0 | 1 => sig.v + 31,
            27 | 28 => sig.v + 4,
            31 | 32 => sig.v,
            v => {
                return Err(Error::InvalidV {
                    index: 0,
                    v,
                    expected: "an eth_sign signature has v = 0, 1, 27, 28, 31 or 32",
                });
            }
        };
        if sig.is_high_s() {
            return Err(Error::HighS { index: 0 });
        }
        let owner = recover(&eip191_hash_message(hash), sig.r, sig.s, v - 4, 0)?;
        Ok(Self { owner, kind: SignatureKind::EthSign { r: sig.r, s: sig.s, v } })
    }

    /// An approved-hash "signature" (v = 1) for `owner`: valid if the owner called `approveHash(hash)` or is the
    /// account that sends `execTransaction`.
    pub fn approved_hash(owner: Address) -> Self {
        Self { owner, kind: SignatureKind::ApprovedHash }
    }

    /// A contract signature (v = 0) for the EIP-1271 owner contract `owner`, with the data its
    /// `isValidSignature` expects.
    pub fn contract(owner: Address, data: impl Into<Bytes>) -> Self {
        Self { owner, kind: SignatureKind::Contract { data: data.into() } }
    }

    /// The owner this signature proves for `hash`: recovered for ECDSA kinds, the stated owner for approved-hash
    /// and contract signatures (those are checked on chain).
    pub fn recover_owner(&self, hash: B256) -> Result<Address> {
        match &self.kind {
            SignatureKind::Eip712 { r, s, v } => recover(&hash, *r, *s, *v, 0),
            SignatureKind::EthSign { r, s, v } => {
                recover(&eip191_hash_message(hash), *r, *s, v.wrapping_sub(4), 0)
            }
            SignatureKind::ApprovedHash | SignatureKind::Contract { .. } => Ok(self.owner),
        }
    }

    /// Checks that the signature recovers to [`SafeSignature::owner`] for `hash`, and is low-s.
    pub fn verify(&self, hash: B256) -> Result<()> {
        if let SignatureKind::Eip712 { s, .. } | SignatureKind::EthSign { s, .. } = &self.kind
            && *s > SECP256K1N_HALF
        {
            return Err(Error::HighS { index: 0 });
        }
        let recovered = self.recover_owner(hash)?;
        if recovered != self.owner {
            return Err(Error::WrongSigner { index: 0, expected: self.owner, recovered });
        }
        Ok(())
    }

    /// The name the Safe Transaction Service uses for this kind: `EOA`, `ETH_SIGN`, `APPROVED_HASH` or
    /// `CONTRACT_SIGNATURE`.
    pub fn service_type(&self) -> &'static str {
        match self.kind {
            SignatureKind::Eip712 { .. } => "EOA",
            SignatureKind::EthSign { .. } => "ETH_SIGN",
            SignatureKind::ApprovedHash => "APPROVED_HASH",
            SignatureKind::Contract { .. } => "CONTRACT_SIGNATURE",
        }
    }

    /// The 65-byte static part. For a contract signature, `dynamic_offset` is the byte offset of its dynamic
    /// part in the whole blob; it is ignored for other kinds.
    pub fn static_part(&self, dynamic_offset: usize) -> [u8; 65] {
        let owner_word = U256::from_be_slice(self.owner.as_slice());
        let rsv = match &self.kind {
            SignatureKind::Eip712 { r, s, v } | SignatureKind::EthSign { r, s, v } => {
                Rsv { r: *r, s: *s, v: *v }
            }
            SignatureKind::ApprovedHash => Rsv { r: owner_word, s: U256::ZERO, v: 1 },
            SignatureKind::Contract { .. } => {
                Rsv { r: owner_word, s: U256::from(dynamic_offset), v: 0 }
            }
        };
        rsv.to_bytes()
    }

    /// This signature alone, as the Safe reads it: 65 bytes, and for a contract signature the dynamic part
    /// right after (offset 65). Equal to `pack_signatures(&[self.clone()])`.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = self.static_part(65).to_vec();
        if let SignatureKind::Contract { data } = &self.kind {
            out.extend_from_slice(&U256::from(data.len()).to_be_bytes::<32>());
            out.extend_from_slice(data);
        }
        out.into()
    }
}

fn owner_from_word(word: &[u8], index: usize) -> Result<Address> {
    if word[..12].iter().any(|b| *b != 0) {
        return Err(Error::OwnerWordNotAddress { index, word: B256::from_slice(word) });
    }
    Ok(Address::from_slice(&word[12..]))
}

/// Parses a packed `signatures` blob as the Safe's `checkNSignatures` reads it, recovering ECDSA owners over
/// `hash`.
///
/// Static parts are read until the blob ends or the first dynamic part begins (the smallest contract-signature
/// offset). Each contract signature (v = 0) is bounds-checked like the Safe does: its offset must not point into
/// the static parts read so far (GS021), its length word must be present (GS022) and its data complete (GS023).
/// High-s ECDSA parts are refused with [`Error::HighS`]. Every error names the part index.
pub fn parse_signatures(blob: &[u8], hash: B256) -> Result<Vec<SafeSignature>> {
    if blob.is_empty() {
        return Err(Error::EmptySignatures);
    }
    let mut out = Vec::new();
    let mut static_end = blob.len();
    let mut index = 0;
    while index * 65 < static_end {
        let start = index * 65;
        if start + 65 > static_end {
            return Err(Error::SignaturesTruncated { index, start, end: static_end });
        }
        let part = &blob[start..start + 65];
        let r = U256::from_be_slice(&part[..32]);
        let s = U256::from_be_slice(&part[32..64]);
        let v = part[64];
        let sig = match v {
            0 => {
                let owner = owner_from_word(&part[..32], index)?;
                let own_end = start + 65;
                if s < U256::from(own_end) {
                    return Err(Error::ContractSignatureInsideStatic {
                        index,
                        offset: s,
                        static_end: own_end,
                    });
                }
                let offset = match usize::try_from(s) {
                    Ok(o) if o.checked_add(32).is_some_and(|end| end <= blob.len()) => o,
                    _ => {
                        return Err(Error::ContractSignatureLengthMissing {
                            index,
                            offset: s,
                            len: blob.len(),
                        });
                    }
                };
                let data_len = U256::from_be_slice(&blob[offset..offset + 32]);
                let available = blob.len() - offset - 32;
                let len = match usize::try_from(data_len) {
                    Ok(l) if l <= available => l,
                    _ => {
                        return Err(Error::ContractSignatureDataIncomplete {
                            index,
                            offset,
                            data_len,
                            available,
                        });
                    }
                };
                static_end = static_end.min(offset);
                let data = Bytes::copy_from_slice(&blob[offset + 32..offset + 32 + len]);
                SafeSignature::contract(owner, data)
            }
            1 => SafeSignature::approved_hash(owner_from_word(&part[..32], index)?),
            27 | 28 => {
                if s > SECP256K1N_HALF {
                    return Err(Error::HighS { index });
                }
                let owner = recover(&hash, r, s, v, index)?;
                SafeSignature { owner, kind: SignatureKind::Eip712 { r, s, v } }
            }
            31 | 32 => {
                if s > SECP256K1N_HALF {
                    return Err(Error::HighS { index });
                }
                let owner = recover(&eip191_hash_message(hash), r, s, v - 4, index)?;
                SafeSignature { owner, kind: SignatureKind::EthSign { r, s, v } }
            }
            v => {
                return Err(Error::InvalidV {
                    index,
                    v,
                    expected: "a Safe signature part has v = 0 (contract), 1 (approved hash), \
                               27/28 (EIP-712) or 31/32 (eth_sign)",
                });
            }
        };
        out.push(sig);
        index += 1;
    }
    Ok(out)
}

/// Signatures parsed from a blob by [`parse_signatures_for`], with the hash their ECDSA owners were recovered
/// over. The fields are private, so a value proves that every EIP-712 / eth_sign part was recovered (and
/// checked for low s) against [`ParsedSignatures::hash`]: a verifier given the same hash need not recover again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedSignatures {
    hash: B256,
    signatures: Vec<SafeSignature>,
}

impl ParsedSignatures {
    /// The hash the owners were recovered over.
    pub fn hash(&self) -> B256 {
        self.hash
    }

    /// The signatures, in blob order.
    pub fn signatures(&self) -> &[SafeSignature] {
        &self.signatures
    }

    /// The signatures, in blob order.
    pub fn into_signatures(self) -> Vec<SafeSignature> {
        self.signatures
    }
}

/// [`parse_signatures`], keeping the hash the owners were recovered over (see [`ParsedSignatures`]).
pub fn parse_signatures_for(blob: &[u8], hash: B256) -> Result<ParsedSignatures> {
    Ok(ParsedSignatures { hash, signatures: parse_signatures(blob, hash)? })
}

/// Packs signatures into the blob `execTransaction` takes: sorted by owner ascending (the Safe requires
/// strictly increasing owners), one 65-byte static part each, then the dynamic parts of contract signatures in
/// the same order, each as `uint256 length ‖ data` (unpadded), with each static `s` holding its dynamic part's
/// byte offset. Two signatures for the same owner are an error naming the owner and the later index.
pub fn pack_signatures(sigs: &[SafeSignature]) -> Result<Bytes> {
    let mut seen: HashMap<Address, usize> = HashMap::with_capacity(sigs.len());
    for (index, sig) in sigs.iter().enumerate() {
        if seen.insert(sig.owner, index).is_some() {
            return Err(Error::DuplicateOwner { index, owner: sig.owner });
        }
    }
    let mut sorted: Vec<&SafeSignature> = sigs.iter().collect();
    sorted.sort_by_key(|s| s.owner);
    let mut head = Vec::with_capacity(sorted.len() * 65);
    let mut tail = Vec::new();
    let static_len = sorted.len() * 65;
    for sig in sorted {
        head.extend_from_slice(&sig.static_part(static_len + tail.len()));
        if let SignatureKind::Contract { data } = &sig.kind {
            tail.extend_from_slice(&U256::from(data.len()).to_be_bytes::<32>());
            tail.extend_from_slice(data);
        }
    }
    head.extend_from_slice(&tail);
    Ok(head.into())
}

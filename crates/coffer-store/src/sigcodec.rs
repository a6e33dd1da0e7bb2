//! One signature as bytes, the same way in the store and in bundles: the blob a Safe reads for that signature
//! alone ([`SafeSignature::to_bytes`]), next to a kind name and the stated owner.

use alloy_primitives::{Address, U256};
use coffer_core::{SafeSignature, SignatureKind};

use crate::{Error, Result};

/// The kind names used in the store and in bundles.
pub(crate) const KIND_NAMES: [&str; 4] = ["eip712", "eth_sign", "approved_hash", "contract"];

/// The name of a signature kind: `eip712`, `eth_sign`, `approved_hash` or `contract`.
pub fn signature_kind_name(kind: &SignatureKind) -> &'static str {
    match kind {
        SignatureKind::Eip712 { .. } => "eip712",
        SignatureKind::EthSign { .. } => "eth_sign",
        SignatureKind::ApprovedHash => "approved_hash",
        SignatureKind::Contract { .. } => "contract",
    }
}

fn owner_word(owner: Address) -> U256 {
    U256::from_be_slice(owner.as_slice())
}

/// Decodes one signature. This checks the structure only (length, v, the owner word, the contract offset); it
/// does not recover anything: call [`SafeSignature::verify`] for that.
pub(crate) fn decode(
    index: usize,
    owner: Address,
    kind: &str,
    bytes: &[u8],
) -> Result<SafeSignature> {
    let fail =
        |reason: String| Error::SignatureEncoding { index, owner, kind: kind.to_owned(), reason };
    if !KIND_NAMES.contains(&kind) {
        return Err(fail(format!("unknown kind; expected one of {}", KIND_NAMES.join(", "))));
    }
    if bytes.len() < 65 {
        return Err(fail(format!(
            "{} bytes, but a signature is at least 65 bytes (r ‖ s ‖ v)",
            bytes.len()
        )));
    }
    let r = U256::from_be_slice(&bytes[..32]);
    let s = U256::from_be_slice(&bytes[32..64]);
    let v = bytes[64];
    let expect_len = |len: usize| {
        if bytes.len() == len {
            Ok(())
        } else {
            Err(fail(format!("{} bytes, expected {len}", bytes.len())))
        }
    };
    let kind = match (kind, v) {
        ("eip712", 27 | 28) => {
            expect_len(65)?;
            SignatureKind::Eip712 { r, s, v }
        }
        ("eth_sign", 31 | 32) => {
            expect_len(65)?;
            SignatureKind::EthSign { r, s, v }
        }
        ("approved_hash", 1) => {
            expect_len(65)?;
            if r != owner_word(owner) || s != U256::ZERO {
                return Err(fail(
                    "an approved-hash signature has r = the owner and s = 0".to_owned(),
                ));
            }
            SignatureKind::ApprovedHash
        }
        ("contract", 0) => {
            if r != owner_word(owner) || s != U256::from(65) {
                return Err(fail(
                    "a contract signature alone has r = the owner and s = 65 (the offset of its data)"
                        .to_owned(),
                ));
            }
            if bytes.len() < 97 {
                return Err(fail(format!(
                    "{} bytes: the 32-byte length word after the static part is missing",
                    bytes.len()
                )));
            }
            let declared = U256::from_be_slice(&bytes[65..97]);
            let data = &bytes[97..];
            if declared != U256::from(data.len()) {
                return Err(fail(format!(
                    "the length word says {declared} bytes of data but {} follow",
                    data.len()
                )));
            }
            SignatureKind::Contract { data: data.to_vec().into() }
        }
        (kind, v) => {
            let want = match kind {
                "eip712" => "27 or 28",
                "eth_sign" => "31 or 32",
                "approved_hash" => "1",
                _ => "0",
            };
            return Err(fail(format!("v = {v}, but {kind} signatures have v = {want}")));
        }
    };
    Ok(SafeSignature { owner, kind })
}

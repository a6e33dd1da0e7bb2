//! Key drills (issue 18): a fresh challenge each owner signs as a Safe message, and the Safe's own
//! verdict, by `eth_call` to `checkNSignatures` (no gas, nothing moves), on every combination of
//! threshold-many owners who signed.

use crate::{Error, Result};
use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    sol,
};
use coffer_core::{MessageContent, SafeSignature, SafeTxContext, SafeVersion, pack_signatures};
use serde::{Deserialize, Serialize};

sol! {
    /// `checkNSignatures` as Safe 1.3.0 / 1.4.1 (and coffer's suite) declare it.
    #[sol(rpc)]
    interface ICheckSignaturesV14 {
        function checkNSignatures(bytes32 dataHash, bytes memory data, bytes memory signatures, uint256 requiredSignatures) external view;
    }

    /// `checkNSignatures` as Safe 1.5.0 declares it (the executor first, no data).
    #[sol(rpc)]
    interface ICheckSignaturesV15 {
        function checkNSignatures(address executor, bytes32 dataHash, bytes memory signatures, uint256 requiredSignatures) external view;
    }
}

/// The text of a drill challenge: the Safe, its chain, the date and a fresh random nonce, so a
/// signature from an earlier drill never counts for a new one.
pub fn drill_challenge(ctx: &SafeTxContext, date: &str, nonce: B256) -> MessageContent {
    MessageContent::Text(format!(
        "coffer key drill\nSafe: {}\nChain: {}\nDate: {date}\nNonce: {nonce}\nThis signature proves that the key still signs; it moves nothing.",
        ctx.safe, ctx.chain_id
    ))
}

/// A fresh random nonce for [`drill_challenge`].
pub fn drill_nonce() -> B256 {
    B256::random()
}

/// Today's date in UTC (`YYYY-MM-DD`) from the system clock.
pub fn utc_date_today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    utc_date(secs)
}

/// The UTC date (`YYYY-MM-DD`) of a Unix time in seconds.
pub fn utc_date(unix_secs: u64) -> String {
    let (y, m, d) = coffer_core::civil_date_utc(unix_secs);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Every `k`-element combination of `items`, in order.
pub fn combinations<T: Clone>(items: &[T], k: usize) -> Vec<Vec<T>> {
    fn go<T: Clone>(items: &[T], k: usize, start: usize, cur: &mut Vec<T>, out: &mut Vec<Vec<T>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..items.len() {
            cur.push(items[i].clone());
            go(items, k, i + 1, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    if k <= items.len() {
        go(items, k, 0, &mut Vec::with_capacity(k), &mut out);
    }
    out
}

/// The Safe's verdict on one combination of owners.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComboVerdict {
    /// The owners whose signatures were packed, in signature order.
    pub owners: Vec<Address>,
    /// `None` when the Safe accepted them; its revert otherwise.
    pub refusal: Option<String>,
}

/// What a drill check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrillCheck {
    /// The threshold now.
    pub threshold: u64,
    /// Owners with a signature of the challenge.
    pub signed: Vec<Address>,
    /// Owners without one (they did not answer).
    pub missing: Vec<Address>,
    /// One verdict per combination of threshold-many owners who signed.
    pub combos: Vec<ComboVerdict>,
}

impl DrillCheck {
    /// Whether the drill proves the Safe can still sign: at least threshold owners signed and the
    /// Safe accepted every combination.
    pub fn passed(&self) -> bool {
        self.signed.len() as u64 >= self.threshold
            && self.combos.iter().all(|c| c.refusal.is_none())
    }
}

/// Asks the Safe in `ctx`, by `eth_call` to `checkNSignatures` with its threshold, whether each
/// combination of threshold-many of `signatures` (of `content`'s Safe message hash) is enough.
/// A signature that does not recover for the hash is an error; one by an account that is no
/// longer an owner is kept, and the Safe's refusal of its combinations is reported.
pub async fn check_drill<P: Provider>(
    provider: &P,
    ctx: &SafeTxContext,
    content: &MessageContent,
    signatures: &[SafeSignature],
) -> Result<DrillCheck> {
    let owners = crate::owners(provider, ctx.safe).await?;
    let threshold = crate::threshold(provider, ctx.safe).await?;
    let hash = content.safe_message_hash(ctx)?;
    let message: Bytes = content.message_bytes()?;
    // A signer who is no longer an owner stays in: the Safe itself refuses the combinations that
    // count them, and the check names those.
    let mut signed: Vec<SafeSignature> = Vec::new();
    for s in signatures {
        s.verify(hash)?;
        signed.push(s.clone());
    }
    let missing: Vec<Address> =
        owners.iter().copied().filter(|o| !signed.iter().any(|s| s.owner == *o)).collect();
    let k = usize::try_from(threshold).unwrap_or(usize::MAX);
    let mut combos = Vec::new();
    for combo in combinations(&signed, k) {
        let packed = pack_signatures(&combo)?;
        let required = U256::from(threshold);
        let result = if ctx.version == SafeVersion::V1_5_0 {
            ICheckSignaturesV15::new(ctx.safe, provider)
                .checkNSignatures(Address::ZERO, hash, packed, required)
                .call()
                .await
                .map(drop)
        } else {
            ICheckSignaturesV14::new(ctx.safe, provider)
                .checkNSignatures(hash, message.clone(), packed, required)
                .call()
                .await
                .map(drop)
        };
        let mut owners: Vec<Address> = combo.iter().map(|s| s.owner).collect();
        owners.sort();
        combos.push(ComboVerdict {
            owners,
            refusal: result.err().map(|e| {
                e.as_revert_data().map_or_else(|| e.to_string(), |d| crate::revert_reason(&d))
            }),
        });
    }
    Ok(DrillCheck { threshold, signed: signed.iter().map(|s| s.owner).collect(), missing, combos })
}

/// The value of a drill file's `"format"` field.
pub const DRILL_FILE_FORMAT: &str = "coffer-drill/1";

/// A drill challenge carried to an air-gapped owner and back: written by `drill start --out`,
/// signed by `drill sign --offline`, read by `drill import`. Nothing in it is trusted: the
/// challenge must name the file's Safe and chain, its Safe message hash is recomputed, and the
/// signature must recover to the stated owner for that hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DrillFile {
    /// Always [`DRILL_FILE_FORMAT`].
    pub format: String,
    /// The Safe, its chain and version.
    #[serde(flatten)]
    pub ctx: SafeTxContext,
    /// The challenge text (see [`drill_challenge`]).
    pub challenge: String,
    /// The challenge's Safe message hash, as stated (recomputed on reading).
    pub safe_message_hash: B256,
    /// The owner who signed, once signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Address>,
    /// The owner's 65-byte signature of the Safe message hash, once signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Bytes>,
    /// The kind of signer that signed (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_kind: Option<String>,
    /// The derivation path of the signing key, when it has one (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl DrillFile {
    /// An unsigned drill file for the challenge `content` of the Safe in `ctx`.
    pub fn new(ctx: &SafeTxContext, content: &MessageContent) -> Result<Self> {
        let MessageContent::Text(challenge) = content else {
            return Err(Error::Drill("a drill challenge is a text message".to_owned()));
        };
        Ok(Self {
            format: DRILL_FILE_FORMAT.to_owned(),
            ctx: *ctx,
            challenge: challenge.clone(),
            safe_message_hash: content.safe_message_hash(ctx)?,
            owner: None,
            signature: None,
            signer_kind: None,
            path: None,
        })
    }

    /// Reads a drill file's JSON and checks it: the format, the challenge naming the file's Safe
    /// and chain, the stated hash against the one recomputed from the challenge, and (when signed)
    /// the signature against the stated owner.
    pub fn from_json(text: &str) -> Result<Self> {
        let f: Self = serde_json::from_str(text).map_err(|e| {
            Error::Drill(format!(
                "not a coffer drill file ({e}); write one with `coffer drill start SAFE --out FILE`"
            ))
        })?;
        if f.format != DRILL_FILE_FORMAT {
            return Err(Error::Drill(format!(
                "drill file format {:?} is not {DRILL_FILE_FORMAT:?}",
                f.format
            )));
        }
        let head = format!("coffer key drill\nSafe: {}\nChain: {}\n", f.ctx.safe, f.ctx.chain_id);
        if !f.challenge.starts_with(&head) {
            return Err(Error::Drill(format!(
                "the challenge in the drill file is not a coffer drill of Safe {} on chain {}",
                f.ctx.safe, f.ctx.chain_id
            )));
        }
        let hash = f.content().safe_message_hash(&f.ctx)?;
        if hash != f.safe_message_hash {
            return Err(Error::Drill(format!(
                "the drill file states Safe message hash {} but its challenge hashes to {hash}; the file was altered",
                f.safe_message_hash
            )));
        }
        if f.signature.is_some() {
            f.signed()?;
        }
        Ok(f)
    }

    /// The file as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::Drill(format!("could not write the drill file: {e}")))
    }

    /// The challenge as a Safe message.
    pub fn content(&self) -> MessageContent {
        MessageContent::Text(self.challenge.clone())
    }

    /// The owner's signature, recovered from the file's signature for the recomputed hash; an
    /// error when unsigned or when it recovers to someone other than the stated owner.
    pub fn signed(&self) -> Result<SafeSignature> {
        let Some(blob) = &self.signature else {
            return Err(Error::Drill(
                "the drill file is not signed yet: sign it with `coffer drill sign SAFE --offline --bundle FILE`".to_owned(),
            ));
        };
        let hash = self.content().safe_message_hash(&self.ctx)?;
        // The one check a Safe message file's signatures go through (`message_file`).
        crate::message_file::check_file_signature(hash, self.owner, blob)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_combinations() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_796_515_200), "2026-12-06");
        assert_eq!(combinations(&[1, 2, 3], 2), vec![vec![1, 2], vec![1, 3], vec![2, 3]]);
        assert!(combinations(&[1], 2).is_empty());
        assert_eq!(combinations(&[1, 2, 3, 4], 3).len(), 4);
    }
}

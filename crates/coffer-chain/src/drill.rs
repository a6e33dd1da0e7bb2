//! Key drills (issue 18): a fresh challenge each owner signs as a Safe message, and the Safe's own
//! verdict, by `eth_call` to `checkNSignatures` (no gas, nothing moves), on every combination of
//! threshold-many owners who signed.

use crate::Result;
use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    sol,
};
use coffer_core::{MessageContent, SafeSignature, SafeTxContext, SafeVersion, pack_signatures};

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
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = (unix_secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
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

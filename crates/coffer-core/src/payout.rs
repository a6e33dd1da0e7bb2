//! Payout planning: pro-rata splits, chunking by gas, and ERC-20 transfer calldata.

use core::ops::Range;

use alloy_primitives::{Address, Bytes, U256, U512};
use alloy_sol_types::{SolCall, sol};

use crate::{Error, Result};

sol! {
    /// ERC-20 `transfer(address to, uint256 amount)`.
    function transfer(address to, uint256 amount) returns (bool);
}

/// The calldata of ERC-20 `transfer(to, amount)` (selector `0xa9059cbb`).
pub fn erc20_transfer_calldata(to: Address, amount: U256) -> Bytes {
    transferCall { to, amount }.abi_encode().into()
}

/// Splits `total` over `shares` in proportion, in integer math, so that the parts sum to `total` exactly.
///
/// Each part is first `floor(total · share / Σshares)` (computed in 512 bits, so nothing overflows). The units
/// left over (fewer than the number of parts) go one each to the parts with the **largest remainder**
/// `total · share mod Σshares`; among equal remainders, the one that comes **first in the input** wins. A zero
/// share gets zero. The output keeps the input order and length.
///
/// Errors: an empty list, or shares that sum to zero or overflow uint256.
pub fn split_pro_rata(total: U256, shares: &[(Address, U256)]) -> Result<Vec<(Address, U256)>> {
    if shares.is_empty() {
        return Err(Error::InvalidShares { reason: "no shares given".to_owned() });
    }
    let mut sum = U256::ZERO;
    for (i, (_, s)) in shares.iter().enumerate() {
        sum = sum.checked_add(*s).ok_or_else(|| Error::InvalidShares {
            reason: format!("the sum of shares overflows uint256 at share {i}"),
        })?;
    }
    if sum.is_zero() {
        return Err(Error::InvalidShares {
            reason: "all shares are zero; at least one share must be positive".to_owned(),
        });
    }
    let sum512 = U512::from(sum);
    let total512 = U512::from(total);
    let mut parts = Vec::with_capacity(shares.len());
    let mut rems = Vec::with_capacity(shares.len());
    let mut assigned = U256::ZERO;
    for (addr, share) in shares {
        let prod = total512 * U512::from(*share);
        let (q, r) = prod.div_rem(sum512);
        // q ≤ total because share ≤ sum.
        let q = U256::from(q);
        assigned += q;
        parts.push((*addr, q));
        rems.push(r);
    }
    let left = total - assigned;
    let left = usize::try_from(left).map_err(|_| Error::InvalidShares {
        reason: "internal: remainder larger than the number of parts".to_owned(),
    })?;
    let mut order: Vec<usize> = (0..shares.len()).collect();
    // Stable sort: ties keep input order.
    order.sort_by(|a, b| rems[*b].cmp(&rems[*a]));
    for i in order.into_iter().take(left) {
        parts[i].1 += U256::from(1u8);
    }
    Ok(parts)
}

/// A run of consecutive items that fits under a gas budget.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Chunk {
    /// The indices of the items it holds (in the input list).
    pub range: Range<usize>,
    /// The estimated gas: the fixed overhead plus the items' estimates.
    pub gas: u64,
}

impl Chunk {
    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// True if it holds no item (never the case for a chunk returned by [`chunk_by_gas`]).
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

/// Cuts `items` into consecutive chunks, each with `fixed_overhead + Σ per_item_gas(item) ≤ budget`.
///
/// Greedy and deterministic: items keep their order, and a chunk is closed when the next item would not fit.
/// An item that does not fit even alone is an error naming its index. An empty list gives no chunk.
pub fn chunk_by_gas<T>(
    items: &[T],
    per_item_gas: impl Fn(&T) -> u64,
    fixed_overhead: u64,
    budget: u64,
) -> Result<Vec<Chunk>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut gas = fixed_overhead;
    for (index, item) in items.iter().enumerate() {
        let g = per_item_gas(item);
        if fixed_overhead.checked_add(g).is_none_or(|alone| alone > budget) {
            return Err(Error::ItemExceedsBudget {
                index,
                gas: g,
                overhead: fixed_overhead,
                budget,
            });
        }
        match gas.checked_add(g) {
            Some(next) if next <= budget => gas = next,
            _ => {
                chunks.push(Chunk { range: start..index, gas });
                start = index;
                gas = fixed_overhead + g;
            }
        }
    }
    if start < items.len() {
        chunks.push(Chunk { range: start..items.len(), gas });
    }
    Ok(chunks)
}

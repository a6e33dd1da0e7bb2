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

/// Packs `n` consecutive items into the fewest chunks whose *measured* gas fits a budget.
///
/// A search driven by its caller, so that the measuring (a simulation on a chain, async) stays
/// outside this crate: ask [`TightPacker::next_probe`] which range to measure, measure the whole
/// range, hand the figure back with [`TightPacker::record`], and repeat until `next_probe` gives
/// `None`; then [`TightPacker::finish`] gives the chunks. Each chunk starts where the last one
/// ended and holds as many items as fit: the packer brackets the chunk's end between an end that
/// was measured to fit and one measured not to, interpolates the next probe from the measured
/// figures (gas grows about linearly with the items), and falls back to bisection when the
/// interpolation does not close the bracket in a few probes. Gas must not fall as a chunk grows.
#[derive(Clone, Debug)]
pub struct TightPacker {
    n: usize,
    budget: u64,
    overhead: u64,
    guess: usize,
    start: usize,
    /// The longest end measured to fit (or `start`: the empty chunk), with its gas.
    lo: (usize, u64),
    /// The shortest end measured not to fit, with its gas (`None`: none yet).
    hi: Option<(usize, u64)>,
    probes_in_chunk: usize,
    probes: usize,
    chunks: Vec<Chunk>,
}

/// Probes after which the packer stops interpolating a chunk's end and bisects.
const INTERPOLATED_PROBES: usize = 4;

impl TightPacker {
    /// A packer for `n` items under `budget` gas per chunk. `overhead` is the gas of an empty chunk
    /// (an estimate is fine: it only steers the first probe of each chunk) and `first_guess` the
    /// number of items the first chunk is expected to hold (e.g. from a per-item estimate).
    pub fn new(n: usize, budget: u64, overhead: u64, first_guess: usize) -> Self {
        Self {
            n,
            budget,
            overhead,
            guess: first_guess.max(1),
            start: 0,
            lo: (0, overhead),
            hi: None,
            probes_in_chunk: 0,
            probes: 0,
            chunks: Vec::new(),
        }
    }

    /// The range to measure next, or `None` when every item is in a chunk.
    pub fn next_probe(&self) -> Option<Range<usize>> {
        if self.start >= self.n {
            return None;
        }
        let (lo, lo_gas) = self.lo;
        let hi = self.hi.map_or(self.n + 1, |(h, _)| h);
        debug_assert!(hi > lo + 1 && lo < self.n);
        let end = if self.probes_in_chunk == 0 {
            self.start + self.guess
        } else if self.probes_in_chunk >= INTERPOLATED_PROBES {
            match self.hi {
                Some(_) => lo + (hi - lo) / 2,
                None => lo + (lo - self.start).max(1),
            }
        } else {
            // A line through the two points that bracket the end (or the empty chunk and the one
            // point measured), solved for the budget.
            let ((a, ga), (b, gb)) = match self.hi {
                Some(h) if lo > self.start => ((lo, lo_gas), h),
                Some(h) => ((self.start, self.overhead), h),
                None => ((self.start, self.overhead), (lo, lo_gas)),
            };
            if b > a && gb > ga && self.budget >= ga {
                let steps = u128::from(self.budget - ga) * (b - a) as u128 / u128::from(gb - ga);
                a.saturating_add(usize::try_from(steps).unwrap_or(usize::MAX))
            } else {
                lo + 1
            }
        };
        // Strictly inside the bracket, so that every probe narrows it.
        let end = end.clamp(lo + 1, hi - 1).min(self.n);
        Some(self.start..end)
    }

    /// Records the measured gas of `range` (the range [`Self::next_probe`] gave).
    ///
    /// An item that does not fit even alone is an error naming its index.
    pub fn record(&mut self, range: Range<usize>, gas: u64) -> Result<()> {
        debug_assert_eq!(range.start, self.start);
        self.probes += 1;
        self.probes_in_chunk += 1;
        let end = range.end;
        if gas <= self.budget {
            self.lo = (end, gas);
        } else {
            if end == self.start + 1 {
                return Err(Error::ItemExceedsBudget {
                    index: self.start,
                    gas: gas.saturating_sub(self.overhead),
                    overhead: self.overhead,
                    budget: self.budget,
                });
            }
            self.hi = Some((end, gas));
        }
        let (lo, lo_gas) = self.lo;
        let closed = lo == self.n || self.hi.is_some_and(|(h, _)| h == lo + 1);
        if closed {
            self.chunks.push(Chunk { range: self.start..lo, gas: lo_gas });
            self.guess = lo - self.start;
            self.start = lo;
            self.lo = (lo, self.overhead);
            self.hi = None;
            self.probes_in_chunk = 0;
        }
        Ok(())
    }

    /// How many measurements were recorded so far.
    pub fn probes(&self) -> usize {
        self.probes
    }

    /// The chunks, in order (complete once [`Self::next_probe`] gives `None`).
    pub fn finish(self) -> Vec<Chunk> {
        self.chunks
    }
}

//! Payout plans for `PayoutPlanModule`: the Merkle tree over a plan's chunks (root and proofs, byte for byte as
//! the module hashes them), the module's entry and cap rules as a pre-flight check with the plan's totals, the
//! executed bitmap, and the module's calldata. `docs/payout-plans.md` is the specification.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, U256, b256, keccak256};
use alloy_sol_types::{SolCall, SolValue, sol};

sol! {
    struct SolTokenCap {
        address token;
        uint256 amount;
    }
    function approvePlan(bytes32 root, uint32 chunkCount, uint64 expiry, SolTokenCap[] caps);
    function revokePlan(bytes32 root);
    function executeChunk(address safe, bytes32 planRoot, uint256 index, bytes chunkData, bytes32[] proof);
}

/// `keccak256("PayoutChunk(uint256 chainId,address module,address safe,uint256 chunkCount,uint256 index,bytes chunk)")`,
/// the first word of every leaf preimage (`CHUNK_TYPEHASH()` on the module).
pub const PAYOUT_CHUNK_TYPEHASH: B256 =
    b256!("0x4371bc069fc5ed615baf52545bd2f31a469634e9e110136314ec0c21148e728c");

/// The most caps one plan may carry (the module refuses more).
pub const MAX_PLAN_CAPS: usize = 16;

/// The selector of ERC-20 `transfer(address,uint256)`.
const ERC20_TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// Size of a packed MultiSend entry's head: operation(1) ‖ to(20) ‖ value(32) ‖ dataLength(32).
const ENTRY_HEAD: usize = 85;

/// Where a plan can run: every leaf commits to the chain, the module and the Safe, so a plan built for one Safe
/// on one chain verifies nowhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlanDomain {
    /// The chain id (`block.chainid`).
    pub chain_id: u64,
    /// The `PayoutPlanModule` address.
    pub module: Address,
    /// The Safe that approves and pays the plan.
    pub safe: Address,
}

impl PlanDomain {
    /// The leaf of chunk `index` of a plan of `chunk_count` chunks, as the module's `chunkLeaf` computes it:
    /// `keccak256(abi.encode(PAYOUT_CHUNK_TYPEHASH, chainId, module, safe, uint256(chunkCount), index,
    /// keccak256(chunk)))`, 224 bytes hashed.
    pub fn chunk_leaf(&self, chunk_count: u32, index: u32, chunk: &[u8]) -> B256 {
        keccak256(
            (
                PAYOUT_CHUNK_TYPEHASH,
                U256::from(self.chain_id),
                self.module,
                self.safe,
                U256::from(chunk_count),
                U256::from(index),
                keccak256(chunk),
            )
                .abi_encode(),
        )
    }
}

/// An inner node: `keccak256(min(a, b) ‖ max(a, b))`, the pair sorted as 256-bit big-endian numbers.
pub fn hash_pair(a: B256, b: B256) -> B256 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(lo.as_slice());
    buf[32..].copy_from_slice(hi.as_slice());
    keccak256(buf)
}

/// Folds `proof` into `leaf` with [`hash_pair`], leaf level first: the root the module's `computeRoot` returns.
pub fn compute_root(leaf: B256, proof: &[B256]) -> B256 {
    proof.iter().fold(leaf, |node, sibling| hash_pair(node, *sibling))
}

/// The Merkle tree over a plan's chunks.
///
/// Level 0 is the leaves in index order. Each next level hashes the pairs `(0,1), (2,3), …` with [`hash_pair`].
/// An odd last node is promoted unchanged. The last level's single node is the root, so a one-chunk plan's root
/// is its leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutPlanTree {
    domain: PlanDomain,
    levels: Vec<Vec<B256>>,
}

impl PayoutPlanTree {
    /// Builds the tree over `chunks` (each the packed MultiSend `transactions` bytes of one chunk).
    ///
    /// Errors: no chunk ([`PlanCheckError::ZeroChunkCount`]), more than `u32::MAX` chunks, or an empty chunk.
    /// It does not check the entries: [`check_plan`] does.
    pub fn new<C: AsRef<[u8]>>(domain: PlanDomain, chunks: &[C]) -> Result<Self, PlanCheckError> {
        let count = chunk_count(chunks)?;
        let mut leaves = Vec::with_capacity(chunks.len());
        for (index, chunk) in (0..count).zip(chunks) {
            if chunk.as_ref().is_empty() {
                return Err(PlanCheckError::EmptyChunk { chunk: index });
            }
            leaves.push(domain.chunk_leaf(count, index, chunk.as_ref()));
        }
        let mut levels = vec![leaves];
        while let Some(level) = levels.last().filter(|l| l.len() > 1) {
            let next = level
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => hash_pair(*a, *b),
                    [a] => *a,
                    _ => B256::ZERO, // `chunks(2)` yields 1 or 2 items
                })
                .collect();
            levels.push(next);
        }
        Ok(Self { domain, levels })
    }

    /// The domain the leaves are bound to.
    pub fn domain(&self) -> PlanDomain {
        self.domain
    }

    /// The root to approve.
    pub fn root(&self) -> B256 {
        self.levels.last().and_then(|l| l.first()).copied().unwrap_or_default()
    }

    /// The number of chunks (the `chunkCount` to approve).
    pub fn chunk_count(&self) -> u32 {
        // `new` checked that it fits.
        u32::try_from(self.leaves().len()).unwrap_or(u32::MAX)
    }

    /// The leaves, in chunk order.
    pub fn leaves(&self) -> &[B256] {
        self.levels.first().map(Vec::as_slice).unwrap_or_default()
    }

    /// The leaf of chunk `index`, or `None` past the end.
    pub fn leaf(&self, index: u32) -> Option<B256> {
        self.leaves().get(usize::try_from(index).ok()?).copied()
    }

    /// The proof of chunk `index` (the siblings from the leaf level up; a level where the node is the promoted
    /// last one has no sibling and adds nothing), or `None` past the end.
    pub fn proof(&self, index: u32) -> Option<Vec<B256>> {
        let mut i = usize::try_from(index).ok()?;
        if i >= self.leaves().len() {
            return None;
        }
        let mut proof = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            if let Some(sibling) = level.get(i ^ 1) {
                proof.push(*sibling);
            }
            i /= 2;
        }
        Some(proof)
    }
}

/// Whether `proof` shows that `chunk` is chunk `index` of the plan with `root` and `chunk_count` chunks in
/// `domain`: exactly the module's check.
pub fn verify_chunk(
    domain: &PlanDomain,
    root: B256,
    chunk_count: u32,
    index: u32,
    chunk: &[u8],
    proof: &[B256],
) -> bool {
    compute_root(domain.chunk_leaf(chunk_count, index, chunk), proof) == root
}

/// A spending cap: at most `amount` base units of `token` over the whole plan (`Address::ZERO` = native ether).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokenCap {
    /// The ERC-20 token, or `Address::ZERO` for ether.
    pub token: Address,
    /// The most the plan may move, in base units.
    pub amount: U256,
}

/// What a plan moves, as the module counts it. Ether is under `Address::ZERO`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanTotals {
    /// Number of chunks.
    pub chunks: u32,
    /// Number of MultiSend entries over all chunks.
    pub entries: usize,
    /// Entries that are plain transfers: ether with empty data, or ERC-20 `transfer` (68 bytes, no value).
    pub transfers: usize,
    /// Entries that are not plain transfers (only possible in an uncapped plan): show them to the owners.
    pub other_calls: usize,
    /// Per asset, the sum moved: ERC-20 `transfer` amounts per token, and the `value` of every entry for ether.
    /// Sums saturate at `U256::MAX`.
    pub totals: BTreeMap<Address, U256>,
    /// Per asset, the largest single transfer.
    pub largest: BTreeMap<Address, U256>,
}

impl PlanTotals {
    /// Caps equal to the totals, one per asset, ordered by address: what `coffer payout plan` approves by
    /// default. Errors when the plan moves more than [`MAX_PLAN_CAPS`] assets, or makes calls that are not
    /// plain transfers (a capped plan refuses them).
    pub fn exact_caps(&self) -> Result<Vec<TokenCap>, PlanCheckError> {
        if self.other_calls > 0 {
            return Err(PlanCheckError::CallsInCappedPlan { calls: self.other_calls });
        }
        if self.totals.len() > MAX_PLAN_CAPS {
            return Err(PlanCheckError::TooManyCaps { count: self.totals.len() });
        }
        Ok(self
            .totals
            .iter()
            .map(|(token, amount)| TokenCap { token: *token, amount: *amount })
            .collect())
    }
}

/// Why `PayoutPlanModule` would refuse a plan or one of its chunks. Most variants mirror, by name and fields,
/// a custom error of the module, with the chunk index added, so that a plan is refused before the owners
/// approve it, not after.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanCheckError {
    /// The plan has no chunk (the module's `ZeroChunkCount`).
    #[error("the plan has no chunk; a plan needs at least one payout")]
    ZeroChunkCount,
    /// More chunks than `uint32` counts.
    #[error("the plan has {count} chunks; at most 4294967295 fit in one plan, so split it")]
    TooManyChunks {
        /// The number of chunks.
        count: usize,
    },
    /// An empty chunk (`EmptyChunk`).
    #[error("chunk {chunk} is empty; every chunk needs at least one entry")]
    EmptyChunk {
        /// The chunk index.
        chunk: u32,
    },
    /// Bytes that are not exactly whole packed entries (`MalformedChunk`).
    #[error(
        "chunk {chunk}: the entry at byte {offset} is cut short or followed by stray bytes \
         (entries are operation(1) ‖ to(20) ‖ value(32) ‖ dataLength(32) ‖ data, back to back)"
    )]
    MalformedChunk {
        /// The chunk index.
        chunk: u32,
        /// Byte offset of the bad entry in the chunk.
        offset: usize,
    },
    /// A delegatecall entry (`DelegateCallEntry`).
    #[error("chunk {chunk}, entry {entry}: a delegatecall; payout plans run calls only")]
    DelegateCallEntry {
        /// The chunk index.
        chunk: u32,
        /// The entry index in the chunk.
        entry: usize,
    },
    /// An operation other than 0 or 1 (`UnsupportedOperation`).
    #[error("chunk {chunk}, entry {entry}: operation {operation} is not 0 (call)")]
    UnsupportedOperation {
        /// The chunk index.
        chunk: u32,
        /// The entry index in the chunk.
        entry: usize,
        /// The operation byte.
        operation: u8,
    },
    /// An entry to address(0), the Safe or the module (`ForbiddenTarget`).
    #[error(
        "chunk {chunk}, entry {entry}: calls {to}, which is address(0), the Safe or the module; \
         a payout plan cannot make admin calls, so propose them as a normal Safe transaction"
    )]
    ForbiddenTarget {
        /// The chunk index.
        chunk: u32,
        /// The entry index in the chunk.
        entry: usize,
        /// The target.
        to: Address,
    },
    /// In a capped plan, an entry that is not a plain transfer (`NotAPlainTransfer`).
    #[error(
        "chunk {chunk}, entry {entry}: not a plain transfer (ether with empty data, or ERC-20 \
         transfer(address,uint256) without value); a capped plan allows only those, so drop the caps or the call"
    )]
    NotAPlainTransfer {
        /// The chunk index.
        chunk: u32,
        /// The entry index in the chunk.
        entry: usize,
    },
    /// In a capped plan, a transfer of an asset without a cap (`UncappedToken`).
    #[error(
        "chunk {chunk}, entry {entry}: moves {token} (0x0 = ether), which has no cap; add a cap for it"
    )]
    UncappedToken {
        /// The chunk index.
        chunk: u32,
        /// The entry index in the chunk.
        entry: usize,
        /// The asset.
        token: Address,
    },
    /// The plan moves more of an asset than its cap (`CapExceeded`), first at chunk `chunk` in index order.
    #[error(
        "chunk {chunk}: the plan's total of {token} (0x0 = ether) reaches {total}, above its cap of {cap}; \
         raise the cap to the plan's total"
    )]
    CapExceeded {
        /// The first chunk (in index order) at which the running total passes the cap.
        chunk: u32,
        /// The asset.
        token: Address,
        /// The cap.
        cap: U256,
        /// The running total at that chunk (saturating).
        total: U256,
    },
    /// More than [`MAX_PLAN_CAPS`] caps (`TooManyCaps`).
    #[error("{count} caps given; a plan carries at most 16, so split the plan by token")]
    TooManyCaps {
        /// The number of caps.
        count: usize,
    },
    /// A token capped twice (`DuplicateCap`).
    #[error("{token} (0x0 = ether) is capped twice; give one cap per asset")]
    DuplicateCap {
        /// The asset.
        token: Address,
    },
    /// Caps asked for a plan that makes calls that are not plain transfers.
    #[error(
        "the plan makes {calls} call(s) that are not plain transfers, and a capped plan refuses them; \
         approve it uncapped or remove those calls"
    )]
    CallsInCappedPlan {
        /// How many such calls.
        calls: usize,
    },
}

/// Checks a whole plan against the module's rules, in chunk order, and returns what it moves.
///
/// The rules (the module applies the same at each `executeChunk`): every chunk is non-empty and exactly whole
/// packed entries; every operation is 0; no entry calls address(0), the Safe or the module. With caps (non-empty
/// `caps`): at most 16, no asset twice, every entry a plain transfer of a capped asset, and each asset's total
/// over the plan within its cap. The module checks the caps against a running total in execution order; since
/// totals only grow, a plan that passes here passes in any order.
pub fn check_plan<C: AsRef<[u8]>>(
    domain: &PlanDomain,
    chunks: &[C],
    caps: &[TokenCap],
) -> Result<PlanTotals, PlanCheckError> {
    let count = chunk_count(chunks)?;
    if caps.len() > MAX_PLAN_CAPS {
        return Err(PlanCheckError::TooManyCaps { count: caps.len() });
    }
    let mut limits = BTreeMap::new();
    for cap in caps {
        if limits.insert(cap.token, cap.amount).is_some() {
            return Err(PlanCheckError::DuplicateCap { token: cap.token });
        }
    }
    let capped = !caps.is_empty();
    let mut totals = PlanTotals { chunks: count, ..PlanTotals::default() };
    for (index, chunk) in (0..count).zip(chunks) {
        let chunk = chunk.as_ref();
        if chunk.is_empty() {
            return Err(PlanCheckError::EmptyChunk { chunk: index });
        }
        for (entry, parsed) in entries(chunk).enumerate() {
            let e =
                parsed.map_err(|offset| PlanCheckError::MalformedChunk { chunk: index, offset })?;
            match e.operation {
                0 => {}
                1 => return Err(PlanCheckError::DelegateCallEntry { chunk: index, entry }),
                operation => {
                    return Err(PlanCheckError::UnsupportedOperation {
                        chunk: index,
                        entry,
                        operation,
                    });
                }
            }
            if e.to.is_zero() || e.to == domain.safe || e.to == domain.module {
                return Err(PlanCheckError::ForbiddenTarget { chunk: index, entry, to: e.to });
            }
            totals.entries += 1;
            let transfer = e.plain_transfer();
            match transfer {
                Some((token, amount)) => {
                    if capped && !limits.contains_key(&token) {
                        return Err(PlanCheckError::UncappedToken { chunk: index, entry, token });
                    }
                    totals.transfers += 1;
                    add(&mut totals.totals, token, amount);
                    let largest = totals.largest.entry(token).or_default();
                    *largest = (*largest).max(amount);
                }
                None => {
                    if capped {
                        return Err(PlanCheckError::NotAPlainTransfer { chunk: index, entry });
                    }
                    totals.other_calls += 1;
                    if !e.value.is_zero() {
                        add(&mut totals.totals, Address::ZERO, e.value);
                    }
                }
            }
        }
        for (token, cap) in &limits {
            let total = totals.totals.get(token).copied().unwrap_or_default();
            if total > *cap {
                return Err(PlanCheckError::CapExceeded {
                    chunk: index,
                    token: *token,
                    cap: *cap,
                    total,
                });
            }
        }
    }
    Ok(totals)
}

/// The number of bitmap words a plan of `chunk_count` chunks uses: `ceil(chunk_count / 256)`.
pub fn bitmap_words(chunk_count: u32) -> u32 {
    chunk_count.div_ceil(256)
}

/// Whether chunk `index` is marked executed in the bitmap `words` (word `index / 256`, bit `index % 256`, as
/// `executedBitmap` returns them; a missing word counts as zero).
pub fn is_chunk_executed(words: &[U256], index: u32) -> bool {
    let word = usize::try_from(index / 256).ok().and_then(|w| words.get(w));
    word.is_some_and(|w| w.bit((index % 256) as usize))
}

/// The chunks of a `chunk_count`-chunk plan that have not run yet, in index order: what `payout run` sends.
pub fn pending_chunks(words: &[U256], chunk_count: u32) -> Vec<u32> {
    (0..chunk_count).filter(|i| !is_chunk_executed(words, *i)).collect()
}

/// The calldata of `approvePlan(root, chunkCount, expiry, caps)`: the one Safe transaction the owners sign (to the
/// module, operation CALL, value 0).
pub fn approve_plan_calldata(
    root: B256,
    chunk_count: u32,
    expiry: u64,
    caps: &[TokenCap],
) -> Bytes {
    approvePlanCall {
        root,
        chunkCount: chunk_count,
        expiry,
        caps: caps.iter().map(|c| SolTokenCap { token: c.token, amount: c.amount }).collect(),
    }
    .abi_encode()
    .into()
}

/// The calldata of `revokePlan(root)` (a Safe transaction to the module).
pub fn revoke_plan_calldata(root: B256) -> Bytes {
    revokePlanCall { root }.abi_encode().into()
}

/// The calldata of `executeChunk(safe, planRoot, index, chunkData, proof)`, which anyone may send to the module.
pub fn execute_chunk_calldata(
    safe: Address,
    root: B256,
    index: u32,
    chunk: &[u8],
    proof: &[B256],
) -> Bytes {
    executeChunkCall {
        safe,
        planRoot: root,
        index: U256::from(index),
        chunkData: Bytes::copy_from_slice(chunk),
        proof: proof.to_vec(),
    }
    .abi_encode()
    .into()
}

fn chunk_count<C>(chunks: &[C]) -> Result<u32, PlanCheckError> {
    if chunks.is_empty() {
        return Err(PlanCheckError::ZeroChunkCount);
    }
    u32::try_from(chunks.len()).map_err(|_| PlanCheckError::TooManyChunks { count: chunks.len() })
}

fn add(map: &mut BTreeMap<Address, U256>, token: Address, amount: U256) {
    let sum = map.entry(token).or_default();
    *sum = sum.saturating_add(amount);
}

/// One packed entry, borrowed from the chunk.
struct RawEntry<'a> {
    operation: u8,
    to: Address,
    value: U256,
    data: &'a [u8],
}

impl RawEntry<'_> {
    /// `(asset, amount)` if this is a plain transfer as the module defines it.
    fn plain_transfer(&self) -> Option<(Address, U256)> {
        if self.data.is_empty() {
            return Some((Address::ZERO, self.value));
        }
        if self.value.is_zero() && self.data.len() == 68 && self.data[..4] == ERC20_TRANSFER {
            return Some((self.to, U256::from_be_slice(&self.data[36..68])));
        }
        None
    }
}

/// The entries of a chunk, framed exactly as the module frames them; `Err(offset)` for a cut-short entry.
fn entries(chunk: &[u8]) -> impl Iterator<Item = Result<RawEntry<'_>, usize>> {
    let mut pos = 0;
    let mut failed = false;
    core::iter::from_fn(move || {
        if failed || pos >= chunk.len() {
            return None;
        }
        let start = pos;
        let head = chunk.get(start..start + ENTRY_HEAD);
        let parsed = head.and_then(|h| {
            let len = usize::try_from(U256::from_be_slice(&h[53..85])).ok()?;
            let data = chunk.get(start + ENTRY_HEAD..(start + ENTRY_HEAD).checked_add(len)?)?;
            Some(RawEntry {
                operation: h[0],
                to: Address::from_slice(&h[1..21]),
                value: U256::from_be_slice(&h[21..53]),
                data,
            })
        });
        match parsed {
            Some(e) => {
                pos = start + ENTRY_HEAD + e.data.len();
                Some(Ok(e))
            }
            None => {
                failed = true;
                Some(Err(start))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{MultiSendBatch, MultiSendEntry, Operation, erc20_transfer_calldata};
    use alloy_primitives::{address, hex};

    // Golden vectors: the leaves come from `chunkLeaf` of a PayoutPlanModule deployed on anvil (chain 31337) at
    // 0xe7f1…0512, and every (leaf, proof) pair below was checked to give the root with the module's
    // `computeRoot`; an independent JavaScript tree built the roots and proofs.
    const MODULE: Address = address!("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    const SAFE: Address = address!("0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe");
    const TOKEN: Address = address!("0x7070707070707070707070707070707070707070");

    fn domain() -> PlanDomain {
        PlanDomain { chain_id: 31337, module: MODULE, safe: SAFE }
    }

    fn rcpt(i: u8) -> Address {
        Address::repeat_byte(i + 1)
    }

    /// The five golden chunks: chunks 0–3 pay `(i+1)·10^18` of TOKEN to `rcpt(i)`; chunk 4 pays 5 TOKEN to
    /// `rcpt(4)` and 7 wei to `rcpt(5)`.
    fn golden_chunks() -> Vec<Bytes> {
        let mut chunks: Vec<Bytes> = (0..4u8)
            .map(|i| {
                let amount = U256::from(10u64).pow(U256::from(18)) * U256::from(i + 1);
                MultiSendBatch::new(vec![MultiSendEntry::call(
                    TOKEN,
                    U256::ZERO,
                    erc20_transfer_calldata(rcpt(i), amount),
                )])
                .encode_packed()
            })
            .collect();
        chunks.push(
            MultiSendBatch::new(vec![
                MultiSendEntry::call(
                    TOKEN,
                    U256::ZERO,
                    erc20_transfer_calldata(rcpt(4), U256::from(5)),
                ),
                MultiSendEntry::call(rcpt(5), U256::from(7), Bytes::new()),
            ])
            .encode_packed(),
        );
        chunks
    }

    #[test]
    fn typehash_is_the_hash_of_its_preimage() {
        assert_eq!(
            keccak256(
                "PayoutChunk(uint256 chainId,address module,address safe,uint256 chunkCount,uint256 index,bytes chunk)"
            ),
            PAYOUT_CHUNK_TYPEHASH
        );
    }

    #[test]
    fn golden_chunk_bytes() {
        // The first chunk exactly as the chain saw it.
        assert_eq!(
            golden_chunks()[0],
            Bytes::from(hex!(
                "00707070707070707070707070707070707070707000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000044a9059cbb00000000000000000000000001010101010101010101010101010101010101010000000000000000000000000000000000000000000000000de0b6b3a7640000"
            ))
        );
    }

    #[test]
    fn golden_one_chunk_plan_root_is_its_leaf() {
        let chunks = &golden_chunks()[..1];
        let tree = PayoutPlanTree::new(domain(), chunks).unwrap();
        let leaf = b256!("0xb4f94e126ec23235a670e0b0635b65ca7e63ee1c7d15fbe15e48eb46550c92c0");
        assert_eq!(tree.leaves(), &[leaf]);
        assert_eq!(tree.root(), leaf);
        assert_eq!(tree.proof(0).unwrap(), Vec::<B256>::new());
        assert_eq!(tree.chunk_count(), 1);
    }

    #[test]
    fn golden_two_chunk_plan() {
        let tree = PayoutPlanTree::new(domain(), &golden_chunks()[..2]).unwrap();
        let l0 = b256!("0xb22c672087222b7f7951ee47af98c28ddd11dcf5498c16e564ec56cdfa008ded");
        let l1 = b256!("0x19c227290fc4f135b3d886e5486e325b7d802dc0c343d3161b7b74c2ef98ac32");
        assert_eq!(tree.leaves(), &[l0, l1]);
        assert_eq!(
            tree.root(),
            b256!("0x793b14660f4016529258dae3516c2bd8b87def56bd363a359c64d0a6d6cb0485")
        );
        assert_eq!(tree.proof(0).unwrap(), vec![l1]);
        assert_eq!(tree.proof(1).unwrap(), vec![l0]);
    }

    #[test]
    fn golden_five_chunk_plan() {
        let chunks = golden_chunks();
        let tree = PayoutPlanTree::new(domain(), &chunks).unwrap();
        let leaves = [
            b256!("0x39eb90a9f9a9c245b991cf0748570a20bfc505ceba7822129281a4d7873e7267"),
            b256!("0x247c773982d40dffed8be65f672104c27ab5d4f2c7ff88ad828a44be4c0e599c"),
            b256!("0x3476401cff28b493d207a6f030f79b1e9449052d817d86bcf42fc3be88cf556a"),
            b256!("0x318c91c934f50ef330a5c33cb7032b5c5d04113f5170b1f64ac81ecac13227e6"),
            b256!("0xff4ec56b240e96021e675d62e211edcf84f9c6fa2127377b453971d8b4edac90"),
        ];
        let n23 = b256!("0xa9ac6d0c57796f264e7959ca07049ece4d9d4585423d5880bc95f7097ca72750");
        let n01 = b256!("0x980fa68cdd49b3f3c032586f093bb22cfe5c2899909a7d6a4ca839714310b563");
        let n0123 = b256!("0xdd7dfd5b9dd157bbe69ccdfba34e6aed1c054265d20ab3cdf620126548b5e9a8");
        let root = b256!("0x1f85c357d31b90dc971d0029631a4e6322845d49085d4460121b4c24c8a8f271");
        assert_eq!(tree.leaves(), &leaves);
        assert_eq!(tree.root(), root);
        assert_eq!(tree.proof(0).unwrap(), vec![leaves[1], n23, leaves[4]]);
        assert_eq!(tree.proof(1).unwrap(), vec![leaves[0], n23, leaves[4]]);
        assert_eq!(tree.proof(2).unwrap(), vec![leaves[3], n01, leaves[4]]);
        assert_eq!(tree.proof(3).unwrap(), vec![leaves[2], n01, leaves[4]]);
        assert_eq!(tree.proof(4).unwrap(), vec![n0123]);
        assert_eq!(tree.proof(5), None);
        for (i, chunk) in (0..5).zip(&chunks) {
            assert!(verify_chunk(&domain(), root, 5, i, chunk, &tree.proof(i).unwrap()));
        }
    }

    #[test]
    fn every_proof_verifies_and_no_proof_verifies_elsewhere() {
        // Sizes around powers of two exercise the promoted last node.
        for n in [1u32, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33] {
            let chunks: Vec<Bytes> = (0..n)
                .map(|i| {
                    MultiSendBatch::new(vec![MultiSendEntry::call(
                        rcpt(1),
                        U256::from(i),
                        Bytes::new(),
                    )])
                    .encode_packed()
                })
                .collect();
            let tree = PayoutPlanTree::new(domain(), &chunks).unwrap();
            for i in 0..n {
                let proof = tree.proof(i).unwrap();
                assert!(proof.len() <= 32 - n.leading_zeros() as usize);
                assert!(
                    verify_chunk(&domain(), tree.root(), n, i, &chunks[i as usize], &proof),
                    "n={n} i={i}"
                );
                // Wrong index, wrong count, other Safe, other chain: all refused.
                let other = (i + 1) % n;
                if other != i {
                    assert!(!verify_chunk(
                        &domain(),
                        tree.root(),
                        n,
                        other,
                        &chunks[i as usize],
                        &proof
                    ));
                }
                assert!(!verify_chunk(
                    &domain(),
                    tree.root(),
                    n + 1,
                    i,
                    &chunks[i as usize],
                    &proof
                ));
                let elsewhere = PlanDomain { safe: rcpt(9), ..domain() };
                assert!(!verify_chunk(&elsewhere, tree.root(), n, i, &chunks[i as usize], &proof));
                let other_chain = PlanDomain { chain_id: 1, ..domain() };
                assert!(!verify_chunk(
                    &other_chain,
                    tree.root(),
                    n,
                    i,
                    &chunks[i as usize],
                    &proof
                ));
            }
        }
    }

    #[test]
    fn hash_pair_is_symmetric_and_sorted() {
        let a = B256::repeat_byte(1);
        let b = B256::repeat_byte(2);
        assert_eq!(hash_pair(a, b), hash_pair(b, a));
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(a.as_slice());
        buf[32..].copy_from_slice(b.as_slice());
        assert_eq!(hash_pair(b, a), keccak256(buf));
    }

    #[test]
    fn tree_refuses_empty_plans_and_chunks() {
        let none: [Bytes; 0] = [];
        assert_eq!(PayoutPlanTree::new(domain(), &none), Err(PlanCheckError::ZeroChunkCount));
        let chunks = [golden_chunks()[0].clone(), Bytes::new()];
        assert_eq!(
            PayoutPlanTree::new(domain(), &chunks),
            Err(PlanCheckError::EmptyChunk { chunk: 1 })
        );
    }

    fn transfer(token: Address, to: Address, amount: u64) -> MultiSendEntry {
        MultiSendEntry::call(token, U256::ZERO, erc20_transfer_calldata(to, U256::from(amount)))
    }

    fn pack(entries: Vec<MultiSendEntry>) -> Bytes {
        MultiSendBatch::new(entries).encode_packed()
    }

    #[test]
    fn totals_count_transfers_per_asset() {
        let chunks = [
            pack(vec![transfer(TOKEN, rcpt(1), 10), transfer(TOKEN, rcpt(2), 30)]),
            pack(vec![
                MultiSendEntry::call(rcpt(3), U256::from(5), Bytes::new()),
                transfer(TOKEN, rcpt(4), 20),
            ]),
        ];
        let t = check_plan(&domain(), &chunks, &[]).unwrap();
        assert_eq!((t.chunks, t.entries, t.transfers, t.other_calls), (2, 4, 4, 0));
        assert_eq!(t.totals[&TOKEN], U256::from(60));
        assert_eq!(t.totals[&Address::ZERO], U256::from(5));
        assert_eq!(t.largest[&TOKEN], U256::from(30));
        let caps = t.exact_caps().unwrap();
        assert_eq!(
            caps,
            vec![
                TokenCap { token: Address::ZERO, amount: U256::from(5) },
                TokenCap { token: TOKEN, amount: U256::from(60) }
            ]
        );
        // The exact caps pass; one unit less fails at the chunk that crosses it.
        assert_eq!(check_plan(&domain(), &chunks, &caps).unwrap(), t);
        let tight = [TokenCap { token: TOKEN, amount: U256::from(59) }, caps[0]];
        assert_eq!(
            check_plan(&domain(), &chunks, &tight),
            Err(PlanCheckError::CapExceeded {
                chunk: 1,
                token: TOKEN,
                cap: U256::from(59),
                total: U256::from(60)
            })
        );
    }

    #[test]
    fn entry_rules_mirror_the_module() {
        let d = domain();
        let ok = transfer(TOKEN, rcpt(1), 1);
        let delegate = MultiSendEntry { operation: Operation::DelegateCall, ..ok.clone() };
        let cases: Vec<(Bytes, PlanCheckError)> = vec![
            (
                pack(vec![ok.clone(), delegate]),
                PlanCheckError::DelegateCallEntry { chunk: 0, entry: 1 },
            ),
            (
                pack(vec![MultiSendEntry::call(SAFE, U256::ZERO, Bytes::new())]),
                PlanCheckError::ForbiddenTarget { chunk: 0, entry: 0, to: SAFE },
            ),
            (
                pack(vec![MultiSendEntry::call(MODULE, U256::ZERO, Bytes::new())]),
                PlanCheckError::ForbiddenTarget { chunk: 0, entry: 0, to: MODULE },
            ),
            (
                pack(vec![MultiSendEntry::call(Address::ZERO, U256::from(1), Bytes::new())]),
                PlanCheckError::ForbiddenTarget { chunk: 0, entry: 0, to: Address::ZERO },
            ),
        ];
        for (chunk, want) in cases {
            assert_eq!(check_plan(&d, &[chunk], &[]), Err(want));
        }
        // Operation 2 (not representable by `Operation`): patch the byte.
        let mut raw = pack(vec![ok.clone()]).to_vec();
        raw[0] = 2;
        assert_eq!(
            check_plan(&d, &[raw], &[]),
            Err(PlanCheckError::UnsupportedOperation { chunk: 0, entry: 0, operation: 2 })
        );
        // Framing: a cut entry, and a stray trailing byte.
        let whole = pack(vec![ok.clone()]).to_vec();
        let cut = whole[..whole.len() - 1].to_vec();
        assert_eq!(
            check_plan(&d, &[cut], &[]),
            Err(PlanCheckError::MalformedChunk { chunk: 0, offset: 0 })
        );
        let mut trailing = whole.clone();
        trailing.push(0);
        assert_eq!(
            check_plan(&d, &[trailing], &[]),
            Err(PlanCheckError::MalformedChunk { chunk: 0, offset: whole.len() })
        );
        // A huge data length does not overflow.
        let mut huge = whole.clone();
        huge[53..85].copy_from_slice(&[0xff; 32]);
        assert_eq!(
            check_plan(&d, &[huge], &[]),
            Err(PlanCheckError::MalformedChunk { chunk: 0, offset: 0 })
        );
    }

    #[test]
    fn capped_plans_allow_only_capped_transfers() {
        let d = domain();
        let cap = [TokenCap { token: TOKEN, amount: U256::from(100) }];
        let mint = MultiSendEntry::call(TOKEN, U256::ZERO, Bytes::from(hex!("40c10f19")));
        assert_eq!(
            check_plan(&d, &[pack(vec![mint.clone()])], &cap),
            Err(PlanCheckError::NotAPlainTransfer { chunk: 0, entry: 0 })
        );
        let with_value = MultiSendEntry { value: U256::from(1), ..transfer(TOKEN, rcpt(1), 1) };
        assert_eq!(
            check_plan(&d, &[pack(vec![with_value])], &cap),
            Err(PlanCheckError::NotAPlainTransfer { chunk: 0, entry: 0 })
        );
        let ether = MultiSendEntry::call(rcpt(1), U256::from(1), Bytes::new());
        assert_eq!(
            check_plan(&d, &[pack(vec![transfer(TOKEN, rcpt(2), 1), ether])], &cap),
            Err(PlanCheckError::UncappedToken { chunk: 0, entry: 1, token: Address::ZERO })
        );
        assert_eq!(
            check_plan(&d, &[pack(vec![transfer(TOKEN, rcpt(2), 1)])], &[cap[0], cap[0]]),
            Err(PlanCheckError::DuplicateCap { token: TOKEN })
        );
        let many: Vec<TokenCap> = (0..17u8)
            .map(|i| TokenCap { token: Address::repeat_byte(i + 1), amount: U256::ZERO })
            .collect();
        assert_eq!(
            check_plan(&d, &[pack(vec![transfer(TOKEN, rcpt(2), 1)])], &many),
            Err(PlanCheckError::TooManyCaps { count: 17 })
        );
        // Uncapped, the same call is allowed but counted apart, and then exact caps are refused.
        let t = check_plan(&d, &[pack(vec![mint])], &[]).unwrap();
        assert_eq!((t.transfers, t.other_calls), (0, 1));
        assert_eq!(t.exact_caps(), Err(PlanCheckError::CallsInCappedPlan { calls: 1 }));
    }

    #[test]
    fn bitmap_resume() {
        assert_eq!(bitmap_words(0), 0);
        assert_eq!(bitmap_words(1), 1);
        assert_eq!(bitmap_words(256), 1);
        assert_eq!(bitmap_words(257), 2);
        // Chunks 0, 2 and 256 ran.
        let words = [U256::from(0b101), U256::from(1)];
        assert!(is_chunk_executed(&words, 0));
        assert!(!is_chunk_executed(&words, 1));
        assert!(is_chunk_executed(&words, 256));
        assert!(!is_chunk_executed(&words, 600));
        let pending = pending_chunks(&words, 258);
        assert_eq!(pending.len(), 255);
        assert_eq!(pending[..2], [1, 3]);
        assert_eq!(pending.last(), Some(&257));
        assert_eq!(pending_chunks(&[], 3), vec![0, 1, 2]);
    }

    #[test]
    fn calldata_selectors_and_layout() {
        let root = B256::repeat_byte(0xaa);
        let cap = TokenCap { token: TOKEN, amount: U256::from(9) };
        let approve = approve_plan_calldata(root, 17, 1_800_000_000, &[cap]);
        assert_eq!(approve[..4], hex!("b890faf3"));
        assert_eq!(approve[4..36], root[..]);
        assert_eq!(U256::from_be_slice(&approve[36..68]), U256::from(17));
        assert_eq!(U256::from_be_slice(&approve[68..100]), U256::from(1_800_000_000u64));
        assert_eq!(approve.len(), 4 + 32 * 4 + 32 + 64);
        assert_eq!(revoke_plan_calldata(root)[..4], hex!("df5f7e40"));
        let exec = execute_chunk_calldata(SAFE, root, 3, &[1, 2, 3], &[root]);
        assert_eq!(exec[..4], hex!("8ead139c"));
        let decoded = executeChunkCall::abi_decode(&exec).unwrap();
        assert_eq!(decoded.safe, SAFE);
        assert_eq!(decoded.index, U256::from(3));
        assert_eq!(decoded.chunkData, Bytes::from(vec![1u8, 2, 3]));
        assert_eq!(decoded.proof, vec![root]);
    }
}

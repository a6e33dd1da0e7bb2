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
    function approvePlan(bytes32 root, uint32 chunkCount, uint64 expiry, uint64 salt, SolTokenCap[] caps);
    function revokePlan(bytes32 root);
    function revokePlanAt(bytes32 root, uint32 executedCount);
    function executeChunk(address safe, bytes32 planRoot, uint256 index, bytes chunkData, bytes32[] proof);
}

/// `keccak256("PayoutChunk(uint256 chainId,address module,address safe,uint64 salt,uint256 chunkCount,uint256 index,bytes chunk)")`,
/// the first word of every leaf preimage (`CHUNK_TYPEHASH()` on the module).
pub const PAYOUT_CHUNK_TYPEHASH: B256 =
    b256!("0x2572bfacfb90f83eb4fe03791a61824423a9df4c4e0ed01cb84765388a124984");

/// The most caps one plan may carry (the module refuses more).
pub const MAX_PLAN_CAPS: usize = 16;

/// The selector of ERC-20 `transfer(address,uint256)`.
const ERC20_TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// Size of a packed MultiSend entry's head: operation(1) ‖ to(20) ‖ value(32) ‖ dataLength(32).
const ENTRY_HEAD: usize = 85;

/// Where a plan can run: every leaf commits to the chain, the module, the Safe and the plan's salt, so a plan built
/// for one Safe on one chain verifies nowhere else, and (the module allows one root per salt and Safe) no leaf is
/// valid under two plans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlanDomain {
    /// The chain id (`block.chainid`).
    pub chain_id: u64,
    /// The `PayoutPlanModule` address.
    pub module: Address,
    /// The Safe that approves and pays the plan.
    pub safe: Address,
    /// The plan's salt (coffer uses the nonce of the Safe transaction that approves the plan).
    pub salt: u64,
}

impl PlanDomain {
    /// The leaf of chunk `index` of a plan of `chunk_count` chunks, as the module's `chunkLeaf` computes it:
    /// `keccak256(abi.encode(PAYOUT_CHUNK_TYPEHASH, chainId, module, safe, uint256(salt), uint256(chunkCount),
    /// index, keccak256(chunk)))`, 256 bytes hashed.
    pub fn chunk_leaf(&self, chunk_count: u32, index: u32, chunk: &[u8]) -> B256 {
        keccak256(
            (
                PAYOUT_CHUNK_TYPEHASH,
                U256::from(self.chain_id),
                self.module,
                self.safe,
                U256::from(self.salt),
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
    /// Per asset, the number of transfers.
    pub payouts: BTreeMap<Address, usize>,
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

/// Where the decimals and symbol used to show an asset's amounts come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssetUnits {
    /// Ether: 18 decimals.
    Native,
    /// Read from the token contract now (`decimals()`, `symbol()`).
    OnChain {
        /// The token's decimals.
        decimals: u8,
        /// Its symbol, if it answers one.
        symbol: Option<String>,
    },
    /// Not checked on chain (offline, or the token did not answer): amounts are shown in base units, with what
    /// a file claims marked unverified.
    Unverified {
        /// The decimals a file claims, if any.
        claimed_decimals: Option<u8>,
        /// The symbol a file claims, if any.
        claimed_symbol: Option<String>,
    },
}

impl AssetUnits {
    /// The units of `token` when they cannot be read on chain: ether is [`AssetUnits::Native`],
    /// a token is [`AssetUnits::Unverified`] with what `claimed` (e.g. a plan file) says of it.
    pub fn unverified(
        token: Address,
        claimed: &BTreeMap<Address, (Option<u8>, Option<String>)>,
    ) -> Self {
        if token.is_zero() {
            return Self::Native;
        }
        let (claimed_decimals, claimed_symbol) = claimed.get(&token).cloned().unwrap_or_default();
        Self::Unverified { claimed_decimals, claimed_symbol }
    }

    /// `amount` of `token` for a signer: `1.5 ETH`, `1000 USDC (0x…)`, or, unverified,
    /// `1000000000 base units of 0x… (a file says 6 decimals: 1000 USDC; not checked on chain)`.
    pub fn format(&self, token: Address, amount: U256) -> String {
        match self {
            Self::Native => format!("{} ETH", crate::format_units(amount, 18)),
            Self::OnChain { decimals, symbol } => match symbol {
                Some(sym) => format!("{} {sym} ({token})", crate::format_units(amount, *decimals)),
                None => format!("{} of token {token}", crate::format_units(amount, *decimals)),
            },
            Self::Unverified { claimed_decimals, claimed_symbol } => {
                let claim = match (claimed_decimals, claimed_symbol) {
                    (Some(d), sym) => format!(
                        "; the plan file says {d} decimals: {} {}, unverified",
                        crate::format_units(amount, *d),
                        sym.as_deref().unwrap_or("units")
                    ),
                    (None, _) => String::new(),
                };
                format!("{amount} base units of {token} (decimals not checked on chain{claim})")
            }
        }
    }
}

/// The lines a signer reads about a plan, every figure from `totals` (recomputed from the chunks by
/// [`plan_totals`] or [`check_plan`]) and `caps` (from the calldata being signed): `(label, text)` for
/// "payouts", "totals", "largest payout", "not transfers" and "caps". `units` gives each asset's units; an asset
/// missing from it is shown in base units as unverified.
pub fn plan_summary_lines(
    totals: &PlanTotals,
    caps: &[TokenCap],
    units: &BTreeMap<Address, AssetUnits>,
) -> Vec<(&'static str, String)> {
    let unknown = AssetUnits::Unverified { claimed_decimals: None, claimed_symbol: None };
    let unit = |token: &Address| {
        if token.is_zero() { &AssetUnits::Native } else { units.get(token).unwrap_or(&unknown) }
    };
    let per_asset = |map: &BTreeMap<Address, U256>, with_count: bool| {
        map.iter()
            .map(|(token, amount)| {
                let text = unit(token).format(*token, *amount);
                match totals.payouts.get(token).filter(|_| with_count) {
                    Some(n) => format!("{text} in {n} payouts"),
                    None => text,
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let caps_text = if caps.is_empty() {
        "none".to_owned()
    } else {
        caps.iter().map(|c| unit(&c.token).format(c.token, c.amount)).collect::<Vec<_>>().join("\n")
    };
    vec![
        (
            "payouts",
            format!("{} in {} chunks (counted from the chunks)", totals.transfers, totals.chunks),
        ),
        ("totals", per_asset(&totals.totals, true)),
        ("largest payout", per_asset(&totals.largest, false)),
        (
            "not transfers",
            if totals.other_calls == 0 {
                "none".to_owned()
            } else {
                format!(
                    "{} entries are not plain transfers (the module refuses them)",
                    totals.other_calls
                )
            },
        ),
        ("caps", caps_text),
    ]
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
    /// An entry that is not a plain transfer (`NotAPlainTransfer`).
    #[error(
        "chunk {chunk}, entry {entry}: not a plain transfer (ether with empty data, or ERC-20 \
         transfer(address,uint256) without value); a payout plan allows only those, so propose that call as a \
         normal Safe transaction"
    )]
    NotAPlainTransfer {
        /// The chunk index.
        chunk: u32,
        /// The entry index in the chunk.
        entry: usize,
    },
    /// A transfer of an asset without a cap (`UncappedToken`).
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
    /// No cap (`NoCaps`): every plan caps every asset it moves.
    #[error(
        "the plan has no caps; every plan must cap each asset it moves (coffer caps each at the plan's total)"
    )]
    NoCaps,
    /// An entry calls a contract the Safe trusts with admin power (an enabled module, the guard, the handler).
    #[error(
        "chunk {chunk}, entry {entry}: calls {to}, which is {role} of the Safe; a payout plan may not call it, \
         so remove that row or pay it with a normal Safe transaction"
    )]
    TargetIsSafeComponent {
        /// The chunk index.
        chunk: u32,
        /// The entry index in the chunk.
        entry: usize,
        /// The target.
        to: Address,
        /// What it is to the Safe.
        role: &'static str,
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
        "the plan makes {calls} call(s) that are not plain transfers, and the module refuses them; \
         remove those calls from the plan"
    )]
    CallsInCappedPlan {
        /// How many such calls.
        calls: usize,
    },
}

/// What a plan's chunks move, recomputed from their bytes alone: the figures to show a signer (payouts and totals
/// per asset, the largest payout, the entries that are not plain transfers), whatever a plan file's summary says.
///
/// It checks only the framing (non-empty chunks of whole packed entries); [`check_plan`] applies the module's
/// rules. Entries that are not a CALL, or not a plain transfer, count in `other_calls` (their ether `value`, if
/// any, in the ether total).
pub fn plan_totals<C: AsRef<[u8]>>(chunks: &[C]) -> Result<PlanTotals, PlanCheckError> {
    walk_plan(None, chunks, None)
}

/// Checks a whole plan against the module's rules, in chunk order, and returns what it moves.
///
/// The rules (the module applies the same at each `executeChunk`): at least one cap, at most 16, no asset twice;
/// every chunk is non-empty and exactly whole packed entries; every operation is 0; no entry calls address(0),
/// the Safe or the module; every entry is a plain transfer (ether with empty data, or ERC-20
/// `transfer(address,uint256)` without value) of a capped asset; and each asset's total over the plan is within
/// its cap. The module checks the caps against a running total in execution order; since totals only grow, a
/// plan that passes here passes in any order.
pub fn check_plan<C: AsRef<[u8]>>(
    domain: &PlanDomain,
    chunks: &[C],
    caps: &[TokenCap],
) -> Result<PlanTotals, PlanCheckError> {
    chunk_count(chunks)?;
    if caps.is_empty() {
        return Err(PlanCheckError::NoCaps);
    }
    if caps.len() > MAX_PLAN_CAPS {
        return Err(PlanCheckError::TooManyCaps { count: caps.len() });
    }
    let mut limits = BTreeMap::new();
    for cap in caps {
        if limits.insert(cap.token, cap.amount).is_some() {
            return Err(PlanCheckError::DuplicateCap { token: cap.token });
        }
    }
    walk_plan(Some(domain), chunks, Some(&limits))
}

/// Refuses a plan whose entries call one of `forbidden` (address, what it is to the Safe: "an enabled module",
/// "the guard", "the fallback handler"): a transfer to such a contract could run its admin code as the Safe.
pub fn check_plan_targets<C: AsRef<[u8]>>(
    chunks: &[C],
    forbidden: &[(Address, &'static str)],
) -> Result<(), PlanCheckError> {
    let count = chunk_count(chunks)?;
    for (index, chunk) in (0..count).zip(chunks) {
        for (entry, parsed) in entries(chunk.as_ref()).enumerate() {
            let e =
                parsed.map_err(|offset| PlanCheckError::MalformedChunk { chunk: index, offset })?;
            if let Some((to, role)) = forbidden.iter().find(|(a, _)| *a == e.to) {
                return Err(PlanCheckError::TargetIsSafeComponent {
                    chunk: index,
                    entry,
                    to: *to,
                    role,
                });
            }
        }
    }
    Ok(())
}

/// One payout of a plan, as its packed entry says: what the chain compares when it looks for repeats.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlanPayout {
    /// The asset (`Address::ZERO` = ether).
    pub token: Address,
    /// Who receives it (for an ERC-20 transfer, the `to` argument).
    pub receiver: Address,
    /// The amount, in base units.
    pub amount: U256,
}

/// The plain transfers of `chunk`, in order (entries that are not plain transfers are skipped; framing errors
/// stop the list).
pub fn chunk_payouts(chunk: &[u8]) -> Vec<PlanPayout> {
    entries(chunk)
        .map_while(Result::ok)
        .filter(|e| e.operation == 0)
        .filter_map(|e| {
            let (token, amount) = e.plain_transfer()?;
            let receiver =
                if token.is_zero() { e.to } else { Address::from_slice(&e.data[16..36]) };
            Some(PlanPayout { token, receiver, amount })
        })
        .collect()
}

fn walk_plan<C: AsRef<[u8]>>(
    domain: Option<&PlanDomain>,
    chunks: &[C],
    limits: Option<&BTreeMap<Address, U256>>,
) -> Result<PlanTotals, PlanCheckError> {
    let count = chunk_count(chunks)?;
    let mut totals = PlanTotals { chunks: count, ..PlanTotals::default() };
    for (index, chunk) in (0..count).zip(chunks) {
        let chunk = chunk.as_ref();
        if chunk.is_empty() {
            return Err(PlanCheckError::EmptyChunk { chunk: index });
        }
        for (entry, parsed) in entries(chunk).enumerate() {
            let e =
                parsed.map_err(|offset| PlanCheckError::MalformedChunk { chunk: index, offset })?;
            totals.entries += 1;
            if let Some(domain) = domain {
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
            }
            match e.plain_transfer().filter(|_| e.operation == 0) {
                Some((token, amount)) => {
                    if limits.is_some_and(|l| !l.contains_key(&token)) {
                        return Err(PlanCheckError::UncappedToken { chunk: index, entry, token });
                    }
                    totals.transfers += 1;
                    add(&mut totals.totals, token, amount);
                    *totals.payouts.entry(token).or_default() += 1;
                    let largest = totals.largest.entry(token).or_default();
                    *largest = (*largest).max(amount);
                }
                None => {
                    if limits.is_some() {
                        return Err(PlanCheckError::NotAPlainTransfer { chunk: index, entry });
                    }
                    totals.other_calls += 1;
                    if !e.value.is_zero() {
                        add(&mut totals.totals, Address::ZERO, e.value);
                    }
                }
            }
        }
        for (token, cap) in limits.into_iter().flatten() {
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

/// A plan approval found in a Safe transaction's call ([`find_plan_approval`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanApproval {
    /// The module the approval is sent to.
    pub module: Address,
    /// The approved root.
    pub root: B256,
    /// The approved chunk count.
    pub chunk_count: u32,
    /// The expiry (unix seconds).
    pub expiry: u64,
    /// The plan's salt.
    pub salt: u64,
    /// The caps, in calldata order.
    pub caps: Vec<TokenCap>,
    /// Plans revoked in the same transaction (a re-plan): (root, expected executed count if
    /// `revokePlanAt`).
    pub revokes: Vec<(B256, Option<u32>)>,
    /// Whether the same transaction enables a module first.
    pub enables_module: bool,
}

/// Finds the `approvePlan` of a Safe transaction calling `to` with `data`: a direct call, or one
/// entry of a `multiSend` batch (with any `revokePlan`/`revokePlanAt` and `enableModule` entries
/// beside it). `None` if the transaction approves no plan.
pub fn find_plan_approval(to: Address, data: &[u8]) -> Option<PlanApproval> {
    let calls: Vec<(Address, Bytes)> = match crate::MultiSendBatch::decode_call(data) {
        Ok(batch) => batch.entries.into_iter().map(|e| (e.to, e.data)).collect(),
        Err(_) => vec![(to, Bytes::copy_from_slice(data))],
    };
    let mut approval: Option<PlanApproval> = None;
    let mut revokes = Vec::new();
    let mut enables_module = false;
    for (target, data) in &calls {
        if let Ok(c) = approvePlanCall::abi_decode(data) {
            approval.get_or_insert(PlanApproval {
                module: *target,
                root: c.root,
                chunk_count: c.chunkCount,
                expiry: c.expiry,
                salt: c.salt,
                caps: c
                    .caps
                    .iter()
                    .map(|c| TokenCap { token: c.token, amount: c.amount })
                    .collect(),
                revokes: Vec::new(),
                enables_module: false,
            });
        } else if let Ok(c) = revokePlanAtCall::abi_decode(data) {
            revokes.push((c.root, Some(c.executedCount)));
        } else if let Ok(c) = revokePlanCall::abi_decode(data) {
            revokes.push((c.root, None));
        } else if data.get(..4) == Some(&ENABLE_MODULE[..]) {
            enables_module = true;
        }
    }
    approval.map(|a| PlanApproval { revokes, enables_module, ..a })
}

/// The selector of `enableModule(address)`.
const ENABLE_MODULE: [u8; 4] = [0x61, 0x0b, 0x59, 0x25];

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

/// The calldata of `approvePlan(root, chunkCount, expiry, salt, caps)`: the one Safe transaction the owners sign
/// (to the module, operation CALL, value 0).
pub fn approve_plan_calldata(
    root: B256,
    chunk_count: u32,
    expiry: u64,
    salt: u64,
    caps: &[TokenCap],
) -> Bytes {
    approvePlanCall {
        root,
        chunkCount: chunk_count,
        expiry,
        salt,
        caps: caps.iter().map(|c| SolTokenCap { token: c.token, amount: c.amount }).collect(),
    }
    .abi_encode()
    .into()
}

/// The calldata of `revokePlan(root)` (a Safe transaction to the module).
pub fn revoke_plan_calldata(root: B256) -> Bytes {
    revokePlanCall { root }.abi_encode().into()
}

/// The calldata of `revokePlanAt(root, executedCount)`: revoke, and revert the whole Safe transaction unless exactly
/// `executed_count` chunks of the plan have run (a re-plan batches it with the new plan's approval).
pub fn revoke_plan_at_calldata(root: B256, executed_count: u32) -> Bytes {
    revokePlanAtCall { root, executedCount: executed_count }.abi_encode().into()
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

    // Golden vectors (PayoutPlanModule 1.1.0 hashing, salt 7): computed by an independent JavaScript
    // implementation (ethers 5 `defaultAbiCoder` + keccak256, sorted pairs) for a module at 0xe7f1…0512 on chain
    // 31337. `plan_safety.rs` (coffer-chain) checks the same hashing against the deployed module's `chunkLeaf`
    // and `computeRoot`.
    const MODULE: Address = address!("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    const SAFE: Address = address!("0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe");
    const TOKEN: Address = address!("0x7070707070707070707070707070707070707070");

    fn domain() -> PlanDomain {
        PlanDomain { chain_id: 31337, module: MODULE, safe: SAFE, salt: 7 }
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
                "PayoutChunk(uint256 chainId,address module,address safe,uint64 salt,uint256 chunkCount,uint256 index,bytes chunk)"
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
        let leaf = b256!("0x4b43da120d237fa2b52eb520266237202c70cc58df6ac70657e0a8f25fb6074f");
        assert_eq!(tree.leaves(), &[leaf]);
        assert_eq!(tree.root(), leaf);
        assert_eq!(tree.proof(0).unwrap(), Vec::<B256>::new());
        assert_eq!(tree.chunk_count(), 1);
    }

    #[test]
    fn golden_two_chunk_plan() {
        let tree = PayoutPlanTree::new(domain(), &golden_chunks()[..2]).unwrap();
        let l0 = b256!("0x70f4f8d835fbd3ebd5c62aaeb12741ed0356d0d69d0c86da83974bb6b55ca56e");
        let l1 = b256!("0x6eac5e3bf2fa3d966a6a2c3a08252a5ecd9a907cb5d7c8aaa04181d40548a51b");
        assert_eq!(tree.leaves(), &[l0, l1]);
        assert_eq!(
            tree.root(),
            b256!("0x4d38ce4a89ddc8ff2addc19b45ace208e81508d02dabb636c8803c402da62a61")
        );
        assert_eq!(tree.proof(0).unwrap(), vec![l1]);
        assert_eq!(tree.proof(1).unwrap(), vec![l0]);
    }

    #[test]
    fn golden_five_chunk_plan() {
        let chunks = golden_chunks();
        let tree = PayoutPlanTree::new(domain(), &chunks).unwrap();
        let leaves = [
            b256!("0xadf197fa3fb4486e3cd2d533a3792ee80b3a5cb74a3302bdf19211c67733b893"),
            b256!("0x07da00e4011239f446918b020f9a73951f28b9baec129561a8d70781514917ed"),
            b256!("0x1afde58d101193a16a12ce36fa8629751ab9698cb5bf1bbe3cce74f8ef7838cb"),
            b256!("0x5f8eb89c32d5f3b23ba03c427c81caeb5a5a01e97a364262912d33eaf92602e2"),
            b256!("0xac0b71bc1bc8678d32f2b7fc68070c58502aaf6466f2fa7a06f008fc9541e80d"),
        ];
        let n23 = b256!("0x44cd9d81dc1e38ab3ce4e2c7c18a8fdc4c327918b47343af9ec25581c0c32de8");
        let n01 = b256!("0x77a7d8834c55bdbc3ce259044b49df37d736f2e0e83f3e3df28f991042a72467");
        let n0123 = b256!("0xf645edf1adc78bae90010a15d4aacd86fd57cd0cd816794300eb417098becf53");
        let root = b256!("0x25a0ac5b953bf232dd1ca1449897bba911e4f70e5d1b670b8198af6be1874336");
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
                let other_salt = PlanDomain { salt: 8, ..domain() };
                assert!(!verify_chunk(&other_salt, tree.root(), n, i, &chunks[i as usize], &proof));
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
        let t = plan_totals(&chunks).unwrap();
        assert_eq!(check_plan(&domain(), &chunks, &[]), Err(PlanCheckError::NoCaps));
        assert_eq!((t.payouts[&TOKEN], t.payouts[&Address::ZERO]), (3, 1));
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
        let caps = [
            TokenCap { token: Address::ZERO, amount: U256::MAX },
            TokenCap { token: TOKEN, amount: U256::MAX },
        ];
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
            assert_eq!(check_plan(&d, &[chunk], &caps), Err(want));
        }
        // Operation 2 (not representable by `Operation`): patch the byte.
        let mut raw = pack(vec![ok.clone()]).to_vec();
        raw[0] = 2;
        assert_eq!(
            check_plan(&d, &[raw], &caps),
            Err(PlanCheckError::UnsupportedOperation { chunk: 0, entry: 0, operation: 2 })
        );
        // Framing: a cut entry, and a stray trailing byte.
        let whole = pack(vec![ok.clone()]).to_vec();
        let cut = whole[..whole.len() - 1].to_vec();
        assert_eq!(
            check_plan(&d, &[cut], &caps),
            Err(PlanCheckError::MalformedChunk { chunk: 0, offset: 0 })
        );
        let mut trailing = whole.clone();
        trailing.push(0);
        assert_eq!(
            check_plan(&d, &[trailing], &caps),
            Err(PlanCheckError::MalformedChunk { chunk: 0, offset: whole.len() })
        );
        // A huge data length does not overflow.
        let mut huge = whole.clone();
        huge[53..85].copy_from_slice(&[0xff; 32]);
        assert_eq!(
            check_plan(&d, &[huge], &caps),
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
        // Counted for display, the same call is a non-transfer entry, and exact caps are refused.
        let t = plan_totals(&[pack(vec![mint])]).unwrap();
        assert_eq!((t.transfers, t.other_calls), (0, 1));
        assert_eq!(t.exact_caps(), Err(PlanCheckError::CallsInCappedPlan { calls: 1 }));
    }

    #[test]
    fn summary_lines_come_from_the_chunks_and_mark_unverified_units() {
        let chunks = [
            pack(vec![transfer(TOKEN, rcpt(1), 1_500_000), transfer(TOKEN, rcpt(2), 2_000_000)]),
            pack(vec![MultiSendEntry::call(
                rcpt(3),
                U256::from(10).pow(U256::from(18)),
                Bytes::new(),
            )]),
        ];
        let t = plan_totals(&chunks).unwrap();
        let caps = t.exact_caps().unwrap();
        let on_chain = BTreeMap::from([(
            TOKEN,
            AssetUnits::OnChain { decimals: 6, symbol: Some("USDC".into()) },
        )]);
        let lines: BTreeMap<_, _> = plan_summary_lines(&t, &caps, &on_chain).into_iter().collect();
        assert_eq!(lines["payouts"], "3 in 2 chunks (counted from the chunks)");
        assert_eq!(lines["totals"], format!("1 ETH in 1 payouts\n3.5 USDC ({TOKEN}) in 2 payouts"));
        assert_eq!(lines["largest payout"], format!("1 ETH\n2 USDC ({TOKEN})"));
        assert_eq!(lines["not transfers"], "none");
        // Offline: base units, and a file's claim marked unverified.
        let offline = BTreeMap::from([(
            TOKEN,
            AssetUnits::Unverified {
                claimed_decimals: Some(2),
                claimed_symbol: Some("USDC".into()),
            },
        )]);
        let lines: BTreeMap<_, _> = plan_summary_lines(&t, &caps, &offline).into_iter().collect();
        assert!(
            lines["totals"].contains(&format!(
                "3500000 base units of {TOKEN} (decimals not checked on chain; the plan file says 2 \
                 decimals: 35000 USDC, unverified)"
            )),
            "{}",
            lines["totals"]
        );
        // A non-transfer entry is counted and named.
        let mint = MultiSendEntry::call(TOKEN, U256::ZERO, Bytes::from(hex!("40c10f19")));
        let t = plan_totals(&[pack(vec![mint])]).unwrap();
        let lines: BTreeMap<_, _> = plan_summary_lines(&t, &[], &on_chain).into_iter().collect();
        assert!(lines["not transfers"].starts_with("1 entries are not plain transfers"));
        assert_eq!(lines["caps"], "none");
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
        let approve = approve_plan_calldata(root, 17, 1_800_000_000, 9, &[cap]);
        assert_eq!(approve[..4], hex!("01f94796"));
        assert_eq!(approve[4..36], root[..]);
        assert_eq!(U256::from_be_slice(&approve[36..68]), U256::from(17));
        assert_eq!(U256::from_be_slice(&approve[68..100]), U256::from(1_800_000_000u64));
        assert_eq!(U256::from_be_slice(&approve[100..132]), U256::from(9));
        assert_eq!(approve.len(), 4 + 32 * 5 + 32 + 64);
        assert_eq!(revoke_plan_calldata(root)[..4], hex!("df5f7e40"));
        let at = revoke_plan_at_calldata(root, 3);
        assert_eq!(at[..4], hex!("8e753081"));
        assert_eq!(U256::from_be_slice(&at[36..68]), U256::from(3));
        // Found inside a batch, with the revocation and the module enabling beside it.
        let batch = MultiSendBatch::new(vec![
            MultiSendEntry::call(
                SAFE,
                U256::ZERO,
                Bytes::from(hex!(
                    "610b5925000000000000000000000000e7f1725e7734ce288f8367e1bb143e90bb3f0512"
                )),
            ),
            MultiSendEntry::call(MODULE, U256::ZERO, at),
            MultiSendEntry::call(MODULE, U256::ZERO, approve.clone()),
        ]);
        let found = find_plan_approval(Address::ZERO, &batch.encode_call()).unwrap();
        assert_eq!(
            (found.module, found.root, found.chunk_count, found.salt),
            (MODULE, root, 17, 9)
        );
        assert_eq!(found.caps, vec![cap]);
        assert_eq!(found.revokes, vec![(root, Some(3))]);
        assert!(found.enables_module);
        let direct = find_plan_approval(MODULE, &approve).unwrap();
        assert!(!direct.enables_module && direct.revokes.is_empty());
        assert_eq!(find_plan_approval(MODULE, &revoke_plan_calldata(root)), None);
        let exec = execute_chunk_calldata(SAFE, root, 3, &[1, 2, 3], &[root]);
        assert_eq!(exec[..4], hex!("8ead139c"));
        let decoded = executeChunkCall::abi_decode(&exec).unwrap();
        assert_eq!(decoded.safe, SAFE);
        assert_eq!(decoded.index, U256::from(3));
        assert_eq!(decoded.chunkData, Bytes::from(vec![1u8, 2, 3]));
        assert_eq!(decoded.proof, vec![root]);
    }
}

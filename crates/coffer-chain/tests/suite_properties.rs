//! Property test of the Safe's signature check, on coffer's suite and on canonical Safe 1.4.1.
//!
//! Random owner sets (1-6 EOAs, sometimes plus an EIP-1271 contract owner), random thresholds,
//! owners who approved the hash on chain, and random `signatures` blobs: sorted and unsorted,
//! duplicated, non-owners, below the threshold, truncated, eth_sign (v + 4), high-s twins,
//! v = 1 with and without approval (and from the owner itself), v = 0 with good and malformed
//! dynamic parts, dirty upper bytes in `r`, nonsense v and random bytes.
//!
//! The invariant: `execTransaction` succeeds iff the first `threshold` static parts are valid
//! signatures of distinct owners in strictly ascending order. The expected outcome, including
//! the exact GS revert code, comes from an independent model in Rust ([`model`], which recovers
//! ECDSA owners with coffer-core), never from the contract. Each case is an `eth_call` of
//! `execTransaction` on anvil, so the state never changes and one Safe per owner set serves
//! every case; calls go out as JSON-RPC batches, several at once.
//!
//! Case count per implementation: `COFFER_PROPERTY_CASES` (default [`DEFAULT_CASES`]); the seed
//! is `COFFER_PROPERTY_SEED` (default fixed, printed). The full run of >= 100,000 cases:
//! `COFFER_PROPERTY_CASES=50000 cargo test --release -p coffer-chain --test suite_properties -- --nocapture`.
#![allow(clippy::unwrap_used, clippy::panic, clippy::type_complexity)]

#[macro_use]
mod suite_common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, eip191_hash_message, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolValue},
};
use coffer_chain::test_utils::{ETHER, Implementation, TestChain};
use coffer_contracts::bindings::ISafe;
use coffer_core::{Rsv, SECP256K1N, SafeSignature, SafeTx, normalize_s};
use std::{
    collections::{BTreeMap, HashMap},
    time::Instant,
};
use suite_common::*;

/// Cases per implementation when `COFFER_PROPERTY_CASES` is not set.
const DEFAULT_CASES: usize = 50_000;
/// Owner-set configurations (one Safe each) per implementation.
const CONFIGS: usize = 16;
/// eth_calls per JSON-RPC batch.
const BATCH: usize = 250;
/// Batches in flight at once.
const IN_FLIGHT: usize = 4;

on_both!(signature_property);

fn env_usize(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

/// SplitMix64: a small deterministic generator, so a failing case can be replayed from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// One owner set, deployed as a Safe.
struct Config {
    safe: Address,
    threshold: usize,
    /// Every owner (EOAs and the contract owner).
    owners: Vec<Address>,
    /// The EOA owners' keys.
    eoa_owners: Vec<PrivateKeySigner>,
    /// EOAs that are not owners.
    strangers: Vec<PrivateKeySigner>,
    /// The EIP-1271 owner (a TestSignatureValidator answering the legacy form) and the one
    /// signature it accepts.
    validator: Option<(Address, Bytes)>,
    /// EOA owners that called `approveHash(hash)`.
    approved: Vec<Address>,
    tx: SafeTx,
    hash: B256,
    /// Precomputed signatures of every key: EIP-712, eth_sign, EIP-712 of another hash.
    sigs: HashMap<Address, [[u8; 65]; 3]>,
}

/// What a case should do, according to the model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Expect {
    /// `execTransaction` returns true.
    Success,
    /// Reverts with `Error(code)`.
    Code(&'static str),
    /// Reverts without data: the canonical SafeMath overflow paths, and a v = 0 part naming an
    /// account without code (the canonical high-level call's code check); coffer matches both.
    Empty,
}

/// ECDSA recovery as the `ecrecover` precompile does it, computed with coffer-core: v must be
/// 27/28, r and s in [1, n); a high s is accepted (the precompile does not reject it), so it is
/// normalised before coffer-core (which refuses high s) recovers. `None` where the precompile
/// returns nothing.
fn ecrecover(
    digest: B256,
    r: U256,
    s: U256,
    v: u8,
    cache: &mut HashMap<(B256, [u8; 65]), Option<Address>>,
) -> Option<Address> {
    if v != 27 && v != 28 {
        return None;
    }
    if r.is_zero() || s.is_zero() || r >= SECP256K1N || s >= SECP256K1N {
        return None;
    }
    let rsv = Rsv { r, s, v };
    *cache.entry((digest, rsv.to_bytes())).or_insert_with(|| {
        let (low, _) = normalize_s(rsv);
        SafeSignature::from_eip712_rsv(digest, low).ok().map(|sig| sig.owner)
    })
}

fn low_address(word: &[u8]) -> Address {
    Address::from_slice(&word[12..32])
}

/// The expected outcome of `execTransaction(cfg.tx, blob)` sent by `executor`: the Safe checks
/// the first `threshold` static parts in order (GS020 if the blob is shorter), each one's owner
/// by its v, and requires owners to be strictly ascending and owners (GS026).
fn model(
    cfg: &Config,
    blob: &[u8],
    executor: Address,
    cache: &mut HashMap<(B256, [u8; 65]), Option<Address>>,
) -> Expect {
    let threshold = cfg.threshold;
    let static_len = threshold * 65;
    if blob.len() < static_len {
        return Expect::Code("GS020");
    }
    let mut last = Address::ZERO;
    for i in 0..threshold {
        let p = &blob[i * 65..i * 65 + 65];
        let (r, s, v) = (U256::from_be_slice(&p[..32]), U256::from_be_slice(&p[32..64]), p[64]);
        let owner = match v {
            0 => {
                let owner = low_address(&p[..32]);
                if s < U256::from(static_len) {
                    return Expect::Code("GS021");
                }
                let Some(len_end) = s.checked_add(U256::from(32)) else { return Expect::Empty };
                if len_end > U256::from(blob.len()) {
                    return Expect::Code("GS022");
                }
                let offset = s.to::<usize>();
                let data_len = U256::from_be_slice(&blob[offset..offset + 32]);
                let Some(data_end) = len_end.checked_add(data_len) else { return Expect::Empty };
                if data_end > U256::from(blob.len()) {
                    return Expect::Code("GS023");
                }
                let data = &blob[offset + 32..data_end.to::<usize>()];
                match &cfg.validator {
                    Some((validator, good)) if *validator == owner => {
                        if data != good.as_ref() {
                            return Expect::Code("GS024");
                        }
                    }
                    // No code there (the generator names only EOAs besides the validator): the
                    // call reverts without data.
                    _ => return Expect::Empty,
                }
                owner
            }
            1 => {
                let owner = low_address(&p[..32]);
                if owner != executor && !cfg.approved.contains(&owner) {
                    return Expect::Code("GS025");
                }
                owner
            }
            _ => {
                let (digest, v) =
                    if v > 30 { (eip191_hash_message(cfg.hash), v - 4) } else { (cfg.hash, v) };
                ecrecover(digest, r, s, v, cache).unwrap_or(Address::ZERO)
            }
        };
        if owner <= last || !cfg.owners.contains(&owner) {
            return Expect::Code("GS026");
        }
        last = owner;
    }
    Expect::Success
}

/// How a v = 0 part's dynamic part is laid out.
#[derive(Clone, Copy, Debug)]
enum Dynamic {
    /// Right, with the accepted signature.
    Good,
    /// Right layout, other bytes (GS024).
    WrongBytes,
    /// Offset into the static part (GS021).
    InsideStatic,
    /// Offset so close to the end that the length word is cut (GS022).
    PastEnd,
    /// Length word larger than the data (GS023).
    TooLong,
    /// Offset near 2^256 (overflow).
    HugeOffset,
    /// Length word near 2^256 (overflow).
    HugeLength,
}

/// One static part to build.
#[derive(Clone, Debug)]
enum Spec {
    /// A precomputed ECDSA signature (kind 0 EIP-712, 1 eth_sign, 2 EIP-712 of another hash)
    /// by `key`, optionally turned into its high-s twin, optionally with v replaced.
    Ecdsa { key: Address, kind: usize, high_s: bool, v: Option<u8> },
    /// v = 1 naming `owner`, with dirty upper bytes in r if asked.
    Approved { owner: Address, dirty: bool },
    /// v = 0 naming `owner`.
    Contract { owner: Address, dynamic: Dynamic, dirty: bool },
    /// 65 random bytes.
    Garbage([u8; 65]),
}

impl Spec {
    /// The address the part claims (for sorting).
    fn claimed(&self) -> Address {
        match self {
            Self::Ecdsa { key, .. } => *key,
            Self::Approved { owner, .. } | Self::Contract { owner, .. } => *owner,
            Self::Garbage(b) => low_address(&b[..32]),
        }
    }
}

fn dirty_word(owner: Address, dirty: bool, rng: &mut Rng) -> U256 {
    let mut w = addr_word(owner);
    if dirty {
        w |= U256::from(rng.next() | 1) << 200;
    }
    w
}

/// Lays the parts out: the static parts, then the dynamic parts of v = 0 parts, with offsets
/// filled in as each part's [`Dynamic`] says.
fn assemble(cfg: &Config, specs: &[Spec], rng: &mut Rng) -> Vec<u8> {
    let m = specs.len();
    let mut head = Vec::with_capacity(m * 65);
    let mut tail: Vec<u8> = Vec::new();
    // (index of a part, its dynamic kind) whose offset is set after the tail is known.
    let mut late: Vec<(usize, Dynamic)> = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let bytes = match spec {
            Spec::Ecdsa { key, kind, high_s, v } => {
                let mut b = cfg.sigs[key][*kind];
                if *high_s {
                    let rsv = Rsv::from(&b);
                    let flipped = match rsv.v {
                        27 => 28,
                        28 => 27,
                        31 => 32,
                        32 => 31,
                        x => x,
                    };
                    b = Rsv { r: rsv.r, s: SECP256K1N - rsv.s, v: flipped }.to_bytes();
                }
                if let Some(v) = v {
                    b[64] = *v;
                }
                b
            }
            Spec::Approved { owner, dirty } => part(dirty_word(*owner, *dirty, rng), U256::ZERO, 1),
            Spec::Contract { owner, dynamic, dirty } => {
                let r = dirty_word(*owner, *dirty, rng);
                let good = cfg.validator.as_ref().map(|(_, g)| g.clone()).unwrap_or_default();
                let offset = m * 65 + tail.len();
                match dynamic {
                    Dynamic::Good
                    | Dynamic::WrongBytes
                    | Dynamic::TooLong
                    | Dynamic::HugeLength => {
                        let mut data = good.to_vec();
                        if matches!(dynamic, Dynamic::WrongBytes) {
                            if data.is_empty() || rng.chance(30) {
                                data.push(rng.next() as u8);
                            } else {
                                let at = rng.below(data.len());
                                data[at] ^= 1 + (rng.next() as u8 % 255);
                            }
                        }
                        let len = match dynamic {
                            Dynamic::TooLong => U256::from(data.len() + 1 + rng.below(1000)),
                            Dynamic::HugeLength => U256::MAX - U256::from(rng.below(64)),
                            _ => U256::from(data.len()),
                        };
                        tail.extend_from_slice(&word(len));
                        tail.extend_from_slice(&data);
                        part(r, U256::from(offset), 0)
                    }
                    Dynamic::InsideStatic => part(r, U256::from(rng.below(cfg.threshold * 65)), 0),
                    Dynamic::PastEnd | Dynamic::HugeOffset => {
                        late.push((i, *dynamic));
                        part(r, U256::ZERO, 0)
                    }
                }
            }
            Spec::Garbage(b) => *b,
        };
        head.extend_from_slice(&bytes);
    }
    head.extend_from_slice(&tail);
    let total = head.len();
    for (i, dynamic) in late {
        let s = match dynamic {
            Dynamic::PastEnd => U256::from(total.saturating_sub(rng.below(32))),
            _ => U256::MAX - U256::from(rng.below(40)),
        };
        head[i * 65 + 32..i * 65 + 64].copy_from_slice(&word(s));
    }
    head
}

/// A valid part for `owner` of `cfg`, of a random kind (executor: who sends the call).
fn valid_spec(cfg: &Config, owner: Address, executor: Address, rng: &mut Rng) -> Spec {
    if cfg.validator.as_ref().is_some_and(|(v, _)| *v == owner) {
        return Spec::Contract { owner, dynamic: Dynamic::Good, dirty: rng.chance(10) };
    }
    if (cfg.approved.contains(&owner) || owner == executor) && rng.chance(40) {
        return Spec::Approved { owner, dirty: rng.chance(10) };
    }
    let kind = if rng.chance(30) { 1 } else { 0 };
    Spec::Ecdsa { key: owner, kind, high_s: rng.chance(15), v: None }
}

/// A part that is wrong in a random way (it may still happen to be valid, e.g. v = 1 of an
/// owner who approved: the model decides).
fn invalid_spec(cfg: &Config, rng: &mut Rng) -> Spec {
    let eoa_owner = rng.pick(&cfg.eoa_owners).address();
    let stranger = rng.pick(&cfg.strangers).address();
    match rng.below(11) {
        0 | 1 => Spec::Ecdsa { key: stranger, kind: rng.below(2), high_s: rng.chance(20), v: None },
        2 => Spec::Ecdsa { key: eoa_owner, kind: 2, high_s: false, v: None },
        3 => {
            let bad = *rng.pick(&[2u8, 3, 26, 29, 30, 33, 34, 59, 255]);
            Spec::Ecdsa { key: eoa_owner, kind: rng.below(2), high_s: false, v: Some(bad) }
        }
        4 => Spec::Approved { owner: eoa_owner, dirty: rng.chance(20) },
        5 => Spec::Approved { owner: stranger, dirty: false },
        6 => {
            let dynamic = *rng.pick(&[
                Dynamic::WrongBytes,
                Dynamic::InsideStatic,
                Dynamic::PastEnd,
                Dynamic::TooLong,
                Dynamic::HugeOffset,
                Dynamic::HugeLength,
            ]);
            match &cfg.validator {
                Some((v, _)) => Spec::Contract { owner: *v, dynamic, dirty: false },
                None => Spec::Contract { owner: eoa_owner, dynamic, dirty: false },
            }
        }
        7 => Spec::Contract { owner: eoa_owner, dynamic: Dynamic::Good, dirty: false },
        8 => Spec::Ecdsa { key: eoa_owner, kind: 0, high_s: false, v: Some(1) },
        _ => {
            let mut b = [0u8; 65];
            b.copy_from_slice(&rng.bytes(65));
            if rng.chance(50) {
                b[64] = *rng.pick(&[0u8, 1, 27, 28, 31, 32]);
            }
            Spec::Garbage(b)
        }
    }
}

/// One random case: the blob and the executor.
fn gen_case(cfg: &Config, deployer: Address, rng: &mut Rng) -> (Vec<u8>, Address) {
    let executor = if rng.chance(25) { rng.pick(&cfg.eoa_owners).address() } else { deployer };
    let mut specs: Vec<Spec>;
    if rng.chance(55) {
        // Near-valid: `threshold` (sometimes one less or more) distinct owners, valid parts,
        // then a few mutations.
        let mut owners = cfg.owners.clone();
        rng.shuffle(&mut owners);
        let k = match rng.below(10) {
            0 => cfg.threshold.saturating_sub(1),
            1 => (cfg.threshold + 1).min(owners.len()),
            _ => cfg.threshold,
        };
        owners.truncate(k);
        owners.sort();
        specs = owners.iter().map(|o| valid_spec(cfg, *o, executor, rng)).collect();
        for _ in 0..rng.below(3) {
            match rng.below(6) {
                0 if !specs.is_empty() => {
                    let at = rng.below(specs.len());
                    specs[at] = invalid_spec(cfg, rng);
                }
                1 if specs.len() > 1 => {
                    let (a, b) = (rng.below(specs.len()), rng.below(specs.len()));
                    specs.swap(a, b);
                }
                2 if !specs.is_empty() => {
                    let from = rng.below(specs.len());
                    let dup = specs[from].clone();
                    specs.insert(rng.below(specs.len() + 1), dup);
                }
                3 if !specs.is_empty() => {
                    specs.remove(rng.below(specs.len()));
                }
                4 => specs.push(invalid_spec(cfg, rng)),
                _ => {}
            }
        }
    } else {
        // Anything: a random number of random parts, valid or not, sorted by the address they
        // claim or not.
        let m = if rng.chance(70) {
            (cfg.threshold + rng.below(3)).saturating_sub(1)
        } else {
            rng.below(cfg.owners.len() + 3)
        };
        specs = (0..m)
            .map(|_| {
                if rng.chance(50) {
                    let o = *rng.pick(&cfg.owners);
                    valid_spec(cfg, o, executor, rng)
                } else {
                    invalid_spec(cfg, rng)
                }
            })
            .collect();
        if rng.chance(60) {
            specs.sort_by_key(Spec::claimed);
        }
    }
    let mut blob = assemble(cfg, &specs, rng);
    if rng.chance(5) && !blob.is_empty() {
        blob.truncate(rng.below(blob.len()));
    }
    (blob, executor)
}

/// Deploys one owner set: a Safe of `n` random dev accounts (1..=9), sometimes plus a contract
/// owner, a random threshold, and random on-chain approvals of the one transaction hash.
async fn make_config(
    chain: &TestChain,
    suite: &coffer_chain::SuiteAddresses,
    rng: &mut Rng,
    salt: u64,
    extra_keys: &[PrivateKeySigner],
) -> Config {
    let mut pool: Vec<usize> = (1..=9).collect();
    rng.shuffle(&mut pool);
    let n = 1 + rng.below(6);
    let eoa: Vec<usize> = pool[..n].to_vec();
    let mut strangers: Vec<PrivateKeySigner> =
        pool[n..].iter().map(|i| chain.signer(*i).clone()).collect();
    strangers.extend_from_slice(extra_keys);
    let eoa_owners: Vec<PrivateKeySigner> = eoa.iter().map(|i| chain.signer(*i).clone()).collect();
    let mut owners: Vec<Address> = eoa_owners.iter().map(|s| s.address()).collect();
    let validator = if rng.chance(40) {
        let v = deploy_helper(chain, "TestSignatureValidator", &[]).await;
        owners.insert(rng.below(owners.len() + 1), v);
        Some(v)
    } else {
        None
    };
    let threshold = 1 + rng.below(owners.len());
    let safe =
        create_safe_owned(chain, suite, owners.clone(), eoa_owners.clone(), threshold as u64, salt)
            .await;
    let tx = SafeTx::call(recipient(salt), U256::from(rng.below(3)), vec![], U256::ZERO);
    let hash = tx.safe_tx_hash(&safe.ctx);
    assert_eq!(
        ISafe::new(safe.address, chain.provider())
            .getTransactionHash(
                tx.to,
                tx.value,
                tx.data.clone(),
                0,
                U256::ZERO,
                U256::ZERO,
                U256::ZERO,
                Address::ZERO,
                Address::ZERO,
                U256::ZERO,
            )
            .call()
            .await
            .unwrap(),
        hash
    );
    if !tx.value.is_zero() {
        chain.fund(safe.address, ETHER).await.unwrap();
    }
    let validator = match validator {
        Some(v) => {
            let len = rng.below(97);
            let good = Bytes::from(rng.bytes(len));
            let configure = ITestSignatureValidator::configureCall {
                mode: mode::LEGACY_ONLY,
                expectedHash: hash,
                expectedSignature: good.clone(),
            };
            send(chain, chain.deployer(), v, configure.abi_encode(), U256::ZERO).await;
            Some((v, good))
        }
        None => None,
    };
    let mut approved = Vec::new();
    for s in &eoa_owners {
        if rng.chance(35) {
            send(
                chain,
                s.address(),
                safe.address,
                ISafe::approveHashCall { hashToApprove: hash }.abi_encode(),
                U256::ZERO,
            )
            .await;
            approved.push(s.address());
        }
    }
    let other = keccak256(hash);
    let mut sigs = HashMap::new();
    for key in eoa_owners.iter().chain(strangers.iter()) {
        sigs.insert(
            key.address(),
            [ecdsa_712(key, hash), ecdsa_eth_sign(key, hash), ecdsa_712(key, other)],
        );
    }
    Config {
        safe: safe.address,
        threshold,
        owners,
        eoa_owners,
        strangers,
        validator,
        approved,
        tx,
        hash,
        sigs,
    }
}

/// What the chain did, reduced to what [`Expect`] can say.
fn observed(
    result: Result<Bytes, alloy::transports::RpcError<alloy::transports::TransportErrorKind>>,
) -> Result<Expect, Bytes> {
    match result {
        Ok(data) => {
            if bool::abi_decode(&data).unwrap_or(false) {
                Ok(Expect::Success)
            } else {
                Err(data)
            }
        }
        Err(e) => {
            let resp = e.as_error_resp().unwrap_or_else(|| panic!("eth_call failed: {e}"));
            if !resp.message.contains("revert") {
                panic!("eth_call failed: {e}");
            }
            let data = resp.as_revert_data().unwrap_or_default();
            if data.is_empty() {
                return Ok(Expect::Empty);
            }
            let reason = coffer_chain::revert_reason(&data);
            match reason.as_str() {
                r if r.len() == 5 && r.starts_with("GS") => {
                    // Map to the static code strings the model uses.
                    const CODES: [&str; 8] =
                        ["GS020", "GS021", "GS022", "GS023", "GS024", "GS025", "GS026", "GS027"];
                    CODES.iter().find(|c| **c == r).map(|c| Expect::Code(c)).ok_or(data)
                }
                _ => Err(data),
            }
        }
    }
}

async fn signature_property(imp: Implementation) -> TestResult {
    let cases = env_usize("COFFER_PROPERTY_CASES", DEFAULT_CASES as u64) as usize;
    let seed =
        env_usize("COFFER_PROPERTY_SEED", 0xC0FFE5) ^ u64::from(imp == Implementation::Coffer);
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider().clone();
    let mut rng = Rng(seed);
    let extra_keys: Vec<PrivateKeySigner> = (0..3)
        .map(|i| PrivateKeySigner::from_bytes(&keccak256(format!("stranger {i}"))).unwrap())
        .collect();
    let setup_start = Instant::now();
    let mut configs = Vec::new();
    for salt in 0..CONFIGS as u64 {
        configs.push(make_config(&chain, &suite, &mut rng, 1000 + salt, &extra_keys).await);
    }
    let setup_time = setup_start.elapsed();

    let deployer = chain.deployer();
    let mut cache = HashMap::new();
    let mut histogram: BTreeMap<Expect, usize> = BTreeMap::new();
    let start = Instant::now();
    let mut done = 0usize;
    let mut in_flight = tokio::task::JoinSet::new();
    let mut next_batch = 0usize;
    let total_batches = cases.div_ceil(BATCH);
    while done < cases {
        while in_flight.len() < IN_FLIGHT && next_batch < total_batches {
            let size = BATCH.min(cases - next_batch * BATCH);
            let mut batch_cases = Vec::with_capacity(size);
            for _ in 0..size {
                let c = rng.below(configs.len());
                let cfg = &configs[c];
                let (blob, executor) = gen_case(cfg, deployer, &mut rng);
                let expect = model(cfg, &blob, executor, &mut cache);
                batch_cases.push((c, blob, executor, expect));
            }
            let requests: Vec<TransactionRequest> = batch_cases
                .iter()
                .map(|(c, blob, executor, _)| {
                    let cfg = &configs[*c];
                    TransactionRequest::default()
                        .with_from(*executor)
                        .with_to(cfg.safe)
                        .with_gas_limit(3_000_000)
                        .with_input(exec_calldata(&cfg.tx, blob.clone()))
                })
                .collect();
            let p = p.clone();
            in_flight.spawn(async move {
                let client = p.client();
                let mut batch = alloy::rpc::client::BatchRequest::new(client);
                let waiters: Vec<_> = requests
                    .iter()
                    .map(|r| batch.add_call::<_, Bytes>("eth_call", &(r, "latest")).unwrap())
                    .collect();
                batch.send().await.unwrap();
                let mut results = Vec::with_capacity(waiters.len());
                for w in waiters {
                    results.push(observed(w.await));
                }
                (batch_cases, results)
            });
            next_batch += 1;
        }
        let (batch_cases, results) = in_flight.join_next().await.unwrap()?;
        for ((c, blob, executor, expect), got) in batch_cases.into_iter().zip(results) {
            let cfg = &configs[c];
            let agrees = match (&expect, &got) {
                (e, Ok(g)) => e == g,
                (_, Err(_)) => false,
            };
            if !agrees {
                panic!(
                    "{imp}: case disagrees with the model (seed {seed:#x})\n  safe {} threshold {} owners {:?} approved {:?} validator {:?}\n  executor {executor}\n  signatures 0x{}\n  model: {expect:?}\n  chain: {}",
                    cfg.safe,
                    cfg.threshold,
                    cfg.owners,
                    cfg.approved,
                    cfg.validator,
                    alloy::hex::encode(&blob),
                    match &got {
                        Ok(e) => format!("{e:?}"),
                        Err(d) => coffer_chain::revert_reason(d),
                    },
                );
            }
            *histogram.entry(expect).or_default() += 1;
            done += 1;
        }
    }
    let elapsed = start.elapsed();
    println!(
        "{imp}: {done} property cases over {} owner sets agree with the model: {:.1} s ({:.0} cases/s; setup {:.1} s; seed {seed:#x}; the other implementation runs as many)",
        configs.len(),
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64(),
        setup_time.as_secs_f64()
    );
    for (e, n) in &histogram {
        println!("{imp}:   {e:?}: {n}");
    }
    // The generator must reach every outcome, or the property says little.
    let count = |e: Expect| histogram.get(&e).copied().unwrap_or(0);
    assert!(count(Expect::Success) * 10 >= done, "{imp}: too few successes: {histogram:?}");
    if done >= 5_000 {
        for code in ["GS020", "GS021", "GS022", "GS023", "GS024", "GS025", "GS026"] {
            assert!(count(Expect::Code(code)) > 0, "{imp}: no case reached {code}: {histogram:?}");
        }
        assert!(count(Expect::Empty) > 0, "{imp}: no overflow case: {histogram:?}");
    }
    Ok(())
}

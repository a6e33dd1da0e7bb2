//! `coffer tx propose SAFE batch --csv FILE`: a CSV Airdrop payout cut into MultiSendCallOnly
//! Safe transactions that each fit under a gas budget, proposed with consecutive nonces.
//!
//! The budget is `--max-gas`, by default the smaller of the EIP-7825 per-transaction cap
//! (16,777,216) and half the block gas limit. Each chunk's gas is budgeted as the whole
//! `execTransaction` will cost it:
//!
//! - the inner MultiSend call, **measured by simulation** on the chain (SimulateTxAccessor, from
//!   the Safe, with its balances): first per entry, from a one-entry batch paying a fresh address
//!   (the dearest case: a new balance slot), then for each planned chunk as a whole;
//! - the calldata of `execTransaction` with `threshold` signatures (EIP-2028, and the EIP-7623
//!   floor when it is higher), the 21,000 base, the Safe's own work per signature and fixed part,
//!   SafeL2's event that logs the data, and the memory the Safe uses to copy the data.
//!
//! The budget bounds the gas *limit* a chunk needs (what EIP-7825 caps), so the 1/64 the Safe
//! keeps back when it delegatecalls MultiSend and a 2% margin are added. A chunk whose
//! whole-chunk estimate exceeds the budget is cut further, so no chunk ever exceeds it.

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
};

use alloy::{
    primitives::{Address, Bytes, U256, keccak256},
    providers::{DynProvider, Provider},
    sol_types::SolCall,
};
use coffer_chain::{
    Library, SafeInfo, SafeLibraries, SuiteAddresses, estimate_exec, estimate_overrides_supported,
    exec_fits,
    plan::{TX_GAS_CAP, calldata_gas},
    simulate,
};
use coffer_contracts::bindings::{IERC20, ISafe};
use coffer_core::{
    MultiSendBatch, MultiSendEntry, PayoutRow, SafeTx, SafeTxContext, TightPacker, TxBuilderBatch,
    chunk_by_gas, erc20_transfer_calldata, format_units, parse_csv, rows_to_entries,
};
use coffer_store::{BatchChunk, BatchRow, ProposalMeta, Store};
use eyre::WrapErr;
use serde_json::json;

use crate::flow::{ORIGIN, snapshot_extra, submit};
use crate::{
    exit::bad_input,
    output::{Table, print_json},
    parse,
};

/// The Safe's own work in `execTransaction` besides the inner call and the calldata: nonce
/// update, hashing, events, the call setup (measured about 35,000 on coffer's suite and canonical
/// 1.4.1), with margin.
const SAFE_FIXED_GAS: u64 = 60_000;
/// Per signature: a cold owner read, ecrecover and the ordering check (about 6,000), with margin.
const SAFE_GAS_PER_SIGNATURE: u64 = 10_000;

/// Where the payouts come from.
pub(crate) enum Source<'a> {
    /// A CSV Airdrop file.
    Csv(&'a Path),
    /// A Safe{Wallet} Transaction Builder file.
    TxBuilder(&'a Path),
    /// Rows built in memory (e.g. by `payout split`), with the name of their source.
    Rows(Vec<PayoutRow>, String),
}

/// What the batch command needs besides the Safe.
pub(crate) struct BatchRequest<'a> {
    pub(crate) source: Source<'a>,
    pub(crate) max_gas: Option<&'a str>,
    pub(crate) dry_run: bool,
    pub(crate) label: Option<&'a str>,
    pub(crate) json: bool,
    /// With `--tx-service`: each chunk is signed by the proposer and sent to the service once stored.
    pub(crate) publish: Option<crate::flow::Publish<'a>>,
}

/// The payouts of a batch, read and checked.
struct Payouts {
    entries: Vec<MultiSendEntry>,
    /// The CSV rows, one per entry (none for a Transaction Builder file).
    rows: Option<Vec<PayoutRow>>,
    /// The file name (or source) shown in labels.
    source: String,
    /// What the batch pays per token (`None`: ETH), in base units, with the token's decimals.
    totals: BTreeMap<Option<Address>, (U256, u8)>,
}

impl Payouts {
    /// A short description of entry `i` for messages: its CSV line, or its index.
    fn at(&self, i: usize) -> String {
        match &self.rows {
            Some(rows) => format!("line {}", rows[i].line),
            None => format!("transaction #{i}"),
        }
    }
}

async fn from_rows(
    provider: &DynProvider,
    rows: Vec<PayoutRow>,
    source: String,
) -> eyre::Result<Payouts> {
    if rows.is_empty() {
        return Err(bad_input(format!("{source} has a header but no payout rows")));
    }
    let mut decs: BTreeMap<Address, u8> = BTreeMap::new();
    for token in rows.iter().filter_map(|r| r.token) {
        if let std::collections::btree_map::Entry::Vacant(e) = decs.entry(token) {
            e.insert(decimals(provider, token).await?);
        }
    }
    let entries = rows_to_entries(&rows, |t| match t {
        None => Some(18),
        Some(t) => decs.get(&t).copied(),
    })
    .wrap_err_with(|| format!("{source} does not fit the tokens' decimals"))?;
    let mut totals: BTreeMap<Option<Address>, (U256, u8)> = BTreeMap::new();
    for row in &rows {
        let d = row.token.map_or(18, |t| decs.get(&t).copied().unwrap_or(18));
        let amount = row.amount_units(d).map_err(|e| bad_input(e.to_string()))?;
        let t = totals.entry(row.token).or_insert((U256::ZERO, d));
        t.0 = t.0.saturating_add(amount);
    }
    Ok(Payouts { entries, rows: Some(rows), source, totals })
}

async fn load(provider: &DynProvider, chain_id: u64, source: Source<'_>) -> eyre::Result<Payouts> {
    let read = |path: &Path, what: &str| {
        std::fs::read_to_string(path)
            .map_err(|e| bad_input(format!("cannot read the {what} {}: {e}", path.display())))
    };
    let name = |path: &Path| {
        path.file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
    };
    match source {
        Source::Csv(path) => {
            let text = read(path, "CSV file")?;
            let rows = parse_csv(&text)
                .wrap_err_with(|| format!("{} is not a valid payout file", path.display()))?;
            from_rows(provider, rows, name(path)).await
        }
        Source::Rows(rows, source) => from_rows(provider, rows, source).await,
        Source::TxBuilder(path) => {
            let text = read(path, "Transaction Builder file")?;
            let what = || format!("{} is not a valid Transaction Builder file", path.display());
            let batch = TxBuilderBatch::from_json(&text).wrap_err_with(what)?;
            if batch.meta.checksum.as_ref().is_some_and(Option::is_some) {
                batch.verify_checksum().wrap_err_with(|| {
                    format!("{}: the file was changed after it was exported", path.display())
                })?;
            }
            let file_chain = batch.chain_id().wrap_err_with(what)?;
            if file_chain != chain_id {
                return Err(coffer_chain::Error::ChainIdMismatch {
                    expected: file_chain,
                    actual: chain_id,
                }
                .into());
            }
            let entries = batch.to_calls().wrap_err_with(what)?;
            if entries.is_empty() {
                return Err(bad_input(format!("{} holds no transactions", path.display())));
            }
            let total = entries.iter().fold(U256::ZERO, |a, e| a.saturating_add(e.value));
            let mut totals = BTreeMap::new();
            if !total.is_zero() {
                totals.insert(None, (total, 18));
            }
            Ok(Payouts { entries, rows: None, source: name(path), totals })
        }
    }
}

/// `decimals()` of an ERC-20, as a bad-input error when the address does not answer it.
pub(crate) async fn decimals(provider: &DynProvider, token: Address) -> eyre::Result<u8> {
    if provider.get_code_at(token).await?.is_empty() {
        return Err(bad_input(format!(
            "token {token} has no code on this chain: check the address and the RPC URL's chain"
        )));
    }
    IERC20::new(token, provider).decimals().call().await.map_err(|e| {
        bad_input(format!("token {token} does not answer decimals() (is it an ERC-20?): {e}"))
    })
}

/// The gas limit `execTransaction` needs for `data` (the MultiSend calldata) whose inner call uses
/// `inner` gas.
fn outer_gas(inner: u64, data: &Bytes, threshold: u64) -> u64 {
    let signatures = vec![0x11u8; 65 * threshold as usize];
    let call = ISafe::execTransactionCall {
        to: Address::repeat_byte(0x11),
        value: U256::ZERO,
        data: data.clone(),
        operation: 1,
        safeTxGas: U256::ZERO,
        baseGas: U256::ZERO,
        gasPrice: U256::ZERO,
        gasToken: Address::ZERO,
        refundReceiver: Address::ZERO,
        signatures: signatures.into(),
    }
    .abi_encode();
    let standard = calldata_gas(&call);
    // EIP-7623: tokens = zero bytes + 4 × non-zero bytes; the floor is 10 gas per token.
    let floor = 10 * (standard / 4);
    let words = (data.len() as u64).div_ceil(32);
    // SafeL2 logs the data (8 gas a byte); the Safe copies it to memory about three times.
    let log = 8 * (data.len() as u64 + 65 * threshold) + 2_000;
    let mem_words = 3 * words + 64;
    let memory = 3 * mem_words + mem_words * mem_words / 512;
    let execution = inner + SAFE_FIXED_GAS + SAFE_GAS_PER_SIGNATURE * threshold + log + memory;
    let used = 21_000 + (standard + execution).max(floor);
    // The gas *limit* must be higher than the gas used: the Safe keeps 1/64 of its gas when it
    // delegatecalls MultiSend (EIP-150), and nodes' estimates carry a small margin of their own.
    used + inner / 63 + used / 50
}

/// One planned Safe transaction.
struct PlannedChunk {
    range: std::ops::Range<usize>,
    tx_data: Bytes,
    /// Measured by SimulateTxAccessor when the chain has it.
    inner_gas: Option<u64>,
    gas: u64,
}

/// A fresh address to measure the dearest transfer: nobody holds a balance there.
fn fresh_address(token: Option<Address>, salt: u8) -> Address {
    let seed =
        [b"coffer gas probe".as_slice(), token.unwrap_or_default().as_slice(), &[salt]].concat();
    Address::from_slice(&keccak256(seed)[12..])
}

async fn simulate_inner(
    provider: &DynProvider,
    info: &SafeInfo,
    suite: &SuiteAddresses,
    entries: &[MultiSendEntry],
) -> eyre::Result<(u64, Bytes)> {
    let batch = MultiSendBatch::call_only(entries.to_vec())?;
    let tx = batch.into_safe_tx(suite.multi_send_call_only, U256::ZERO);
    let sim = simulate(provider, info.address, suite.simulate_tx_accessor, &tx).await?;
    if !sim.success {
        return Err(bad_input(format!(
            "the payouts fail when the Safe runs them: {}; check the token and the Safe's balance",
            sim.revert_reason.unwrap_or_default()
        )));
    }
    Ok((sim.gas_used, tx.data))
}

/// A chunk's MultiSendCallOnly calldata, with its inner gas measured by SimulateTxAccessor when the chain has
/// it (`accessor`).
async fn chunk_data(
    provider: &DynProvider,
    info: &SafeInfo,
    suite: &SuiteAddresses,
    entries: &[MultiSendEntry],
    accessor: bool,
) -> eyre::Result<(Option<u64>, Bytes)> {
    if accessor {
        let (inner, data) = simulate_inner(provider, info, suite, entries).await?;
        Ok((Some(inner), data))
    } else {
        let batch = MultiSendBatch::call_only(entries.to_vec())?;
        Ok((None, batch.into_safe_tx(suite.multi_send_call_only, U256::ZERO).data))
    }
}

/// Inner gas per row of the static estimate when SimulateTxAccessor cannot measure it: above an ERC-20 transfer
/// to a fresh account (about 27,000) and a native transfer creating an account (about 34,000).
const STATIC_ROW_GAS: u64 = 45_000;

/// How the chunks' gas was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GasMethod {
    /// Each chunk's whole `execTransaction` estimated by the node (state overrides).
    Measured,
    /// The node refused state overrides: the static model (per-row gas, the Safe's overhead).
    Static,
}

/// Cuts the entries into chunks under `budget`, measuring on the chain.
async fn plan(
    provider: &DynProvider,
    info: &SafeInfo,
    ctx: &SafeTxContext,
    suite: &SuiteAddresses,
    payouts: &Payouts,
    budget: u64,
    accessor: bool,
) -> eyre::Result<(Vec<PlannedChunk>, usize, GasMethod)> {
    let entries = &payouts.entries;
    let overrides = estimate_overrides_supported(provider).await?;
    let empty_gas = match accessor {
        true => simulate_inner(provider, info, suite, &[]).await?.0,
        false => 0,
    };
    // Per-entry inner gas. For payout rows, per token: batches of one and two entries paying
    // fresh addresses give the marginal cost of a payout (a new balance slot: the dearest case)
    // and what the first payout of a token costs on top (cold accounts and slots), counted once
    // per token. For other calls: the average over (up to) the first 200, run as one batch.
    let mut per_token: BTreeMap<Option<Address>, u64> = BTreeMap::new();
    let mut first_extra = 0u64;
    // Without SimulateTxAccessor, a static first guess per row (an ERC-20 transfer to a fresh
    // account costs about 27,000): it only steers the first probe; every chunk is measured.
    let mut average = match (accessor, overrides) {
        (true, _) => 0u64,
        (false, true) => 30_000,
        // Nothing measures the chunks: a figure above the dearest common row.
        (false, false) => STATIC_ROW_GAS,
    };
    match &payouts.rows {
        _ if !accessor => {}
        Some(rows) => {
            for row in rows {
                if per_token.contains_key(&row.token) {
                    continue;
                }
                let probe = |salt: u8| {
                    let to = fresh_address(row.token, salt);
                    match row.token {
                        Some(t) => MultiSendEntry::call(
                            t,
                            U256::ZERO,
                            erc20_transfer_calldata(to, U256::from(1)),
                        ),
                        None => MultiSendEntry::call(to, U256::from(1), Bytes::new()),
                    }
                };
                let (one, _) = simulate_inner(provider, info, suite, &[probe(1)]).await?;
                let (two, _) = simulate_inner(provider, info, suite, &[probe(1), probe(2)]).await?;
                let marginal = two.saturating_sub(one);
                first_extra += one.saturating_sub(empty_gas).saturating_sub(marginal);
                per_token.insert(row.token, marginal);
            }
        }
        None => {
            let k = entries.len().min(200);
            let (g, _) = simulate_inner(provider, info, suite, &entries[..k]).await?;
            average = g.saturating_sub(empty_gas).div_ceil(k as u64);
        }
    }
    let item_gas = |i: &usize| {
        let packed = MultiSendBatch::new(vec![entries[*i].clone()]).encode_packed();
        let inner = match &payouts.rows {
            Some(rows) => per_token.get(&rows[*i].token).copied().unwrap_or(average),
            None => average,
        };
        inner
            + calldata_gas(&packed)
            + 8 * packed.len() as u64
            + 3 * 3 * (packed.len() as u64).div_ceil(32)
    };
    let fixed =
        outer_gas(empty_gas, &MultiSendBatch::new(Vec::new()).encode_call(), info.threshold)
            + first_extra;
    let indices: Vec<usize> = (0..entries.len()).collect();
    let static_chunks = chunk_by_gas(&indices, item_gas, fixed, budget)
        .map_err(|e| bad_input(format!("a payout does not fit under --max-gas {budget}: {e}")))?;
    if !overrides {
        // The node refuses state overrides: the static model is the plan (per-row gas measured by
        // SimulateTxAccessor when the chain has it, the Safe's overhead computed), with 10 % on top, since
        // no chunk is measured as a whole (the model is within about 3 % of the node's figure for large
        // ERC-20 chunks, below it when calldata dominates).
        let with_margin = |g: u64| g.saturating_add(g / 10);
        let chunks =
            chunk_by_gas(&indices, |i| with_margin(item_gas(i)), with_margin(fixed), budget)
                .map_err(|e| {
                    bad_input(format!("a payout does not fit under --max-gas {budget}: {e}"))
                })?;
        let mut out = Vec::with_capacity(chunks.len());
        for c in chunks {
            let (inner_gas, tx_data) =
                chunk_data(provider, info, suite, &entries[c.range.clone()], accessor).await?;
            out.push(PlannedChunk { range: c.range, tx_data, inner_gas, gas: c.gas });
        }
        let simulations = usize::from(accessor) * (out.len() + 1) + 2 * per_token.len();
        return Ok((out, simulations, GasMethod::Static));
    }
    // The per-row estimate only steers the first probe; each chunk is then measured as a whole
    // and filled to the last row that fits (coffer_core::TightPacker).
    let first_guess = static_chunks.first().map_or(1, |c| c.range.len());
    let mut packer = TightPacker::new(entries.len(), budget, fixed, first_guess);
    let mut measured: HashMap<std::ops::Range<usize>, u64> = HashMap::new();
    while let Some(range) = packer.next_probe() {
        // The whole chunk's execTransaction, estimated by the node (stand-in owners' signatures,
        // made valid by state overrides); a chunk the node cannot fit (over the cap) does not fit.
        let batch = MultiSendBatch::call_only(entries[range.clone()].to_vec())?;
        let tx = batch.into_safe_tx(suite.multi_send_call_only, U256::ZERO);
        let mut gas = match estimate_exec(provider, ctx, info.threshold, info.nonce, &tx).await {
            Ok(g) => g,
            Err(_) if range.len() > 1 => u64::MAX,
            Err(e) => return Err(e.into()),
        };
        // A node's estimate carries a margin of its own (anvil's: up to 1.5 %): when it is just
        // over the budget, run the chunk with the budget as its limit to settle it.
        if gas > budget
            && gas - budget <= budget / 25
            && exec_fits(provider, ctx, info.threshold, info.nonce, &tx, budget).await?
        {
            gas = budget;
        }
        packer.record(range.clone(), gas).map_err(|_| {
            bad_input(format!(
                "{} alone needs about {gas} gas, more than --max-gas {budget}",
                payouts.at(range.start)
            ))
        })?;
        measured.insert(range, gas);
    }
    let probes = packer.probes();
    let mut out = Vec::new();
    for c in packer.finish() {
        let gas = measured
            .remove(&c.range)
            .ok_or_else(|| eyre::eyre!("internal: chunk {:?} was not measured", c.range))?;
        let (inner_gas, tx_data) =
            chunk_data(provider, info, suite, &entries[c.range.clone()], accessor).await?;
        out.push(PlannedChunk { range: c.range, tx_data, inner_gas, gas });
    }
    // Probes of the packer, the final chunks' inner simulations, and the per-row probes.
    let simulations = probes + usize::from(accessor) * (out.len() + 1) + 2 * per_token.len();
    Ok((out, simulations, GasMethod::Measured))
}

/// Plans, checks and proposes (or with `--dry-run`, only prints) the batch.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    provider: &DynProvider,
    store: &Store,
    libs: &SafeLibraries,
    info: &SafeInfo,
    ctx: &SafeTxContext,
    first_nonce: U256,
    mut req: BatchRequest<'_>,
) -> eyre::Result<()> {
    let payouts = load(
        provider,
        ctx.chain_id,
        std::mem::replace(&mut req.source, Source::Rows(Vec::new(), String::new())),
    )
    .await?;
    // The totals per token must be covered by the Safe's balances.
    for (token, (total, d)) in &payouts.totals {
        let (have, name) = match token {
            None => (info.balance, "ETH".to_owned()),
            Some(t) => (
                IERC20::new(*t, provider).balanceOf(info.address).call().await?,
                format!("token {t}"),
            ),
        };
        if have < *total {
            return Err(bad_input(format!(
                "the Safe holds {} of {name} but {} pays out {}; fund the Safe first",
                format_units(have, *d),
                payouts.source,
                format_units(*total, *d)
            )));
        }
    }
    // The Safe's own release's libraries (or --suite's), checked by code.
    // MultiSendCallOnly is needed; SimulateTxAccessor only adds the inner-gas figures (chunks
    // are measured by eth_estimateGas of the whole execTransaction either way).
    libs.require(provider, Library::MultiSendCallOnly).await?;
    let accessor = libs.require(provider, Library::SimulateTxAccessor).await.is_ok();
    let suite = &libs.suite;

    let budget = match req.max_gas {
        Some(g) => parse::count("--max-gas", g)?,
        None => {
            let block = provider
                .get_block_by_number(Default::default())
                .await?
                .map_or(u64::MAX, |b| b.header.gas_limit);
            TX_GAS_CAP.min(block / 2)
        }
    };
    let started = std::time::Instant::now();
    let (chunks, simulations, gas_method) =
        plan(provider, info, ctx, suite, &payouts, budget, accessor).await?;
    let method = match (gas_method, accessor) {
        (GasMethod::Measured, true) => {
            "eth_estimateGas of execTransaction with state overrides; inner gas by SimulateTxAccessor"
        }
        (GasMethod::Measured, false) => {
            "eth_estimateGas of execTransaction with state overrides; SimulateTxAccessor is not deployed, so no inner-gas figures"
        }
        (GasMethod::Static, true) => {
            "static estimate: the node refuses state overrides in eth_estimateGas; inner gas per row by SimulateTxAccessor, the Safe's overhead computed, 10 % added"
        }
        (GasMethod::Static, false) => {
            "static estimate: the node refuses state overrides in eth_estimateGas and SimulateTxAccessor is not deployed; 45000 gas per row assumed, the Safe's overhead computed, 10 % added, nothing measured"
        }
    };
    let planning = started.elapsed();
    let n = chunks.len();
    let total = payouts.entries.len();
    let lines = |c: &PlannedChunk| match &payouts.rows {
        Some(rows) => (rows[c.range.start].line, rows[c.range.end - 1].line),
        None => (c.range.start, c.range.end - 1),
    };
    let unit = if payouts.rows.is_some() { "lines" } else { "transactions" };

    if req.dry_run {
        if req.json {
            return print_json(&json!({
                "safe": info.address,
                "rows": total,
                "maxGas": budget,
                "firstNonce": first_nonce.to_string(),
                "simulations": simulations,
                "gasMethod": method,
                "chunks": chunks.iter().enumerate().map(|(i, c)| json!({
                    "chunk": i,
                    "nonce": (first_nonce + U256::from(i)).to_string(),
                    "rows": c.range.len(),
                    "firstLine": lines(c).0,
                    "lastLine": lines(c).1,
                    "innerGas": c.inner_gas,
                    "estimatedGas": c.gas,
                })).collect::<Vec<_>>(),
            }));
        }
        let mut t =
            Table::new(&["CHUNK", "NONCE", "ROWS", &unit.to_uppercase(), "INNER GAS", "EST. GAS"]);
        for (i, c) in chunks.iter().enumerate() {
            t.row(vec![
                format!("{}/{n}", i + 1),
                (first_nonce + U256::from(i)).to_string(),
                c.range.len().to_string(),
                format!("{}-{}", lines(c).0, lines(c).1),
                c.inner_gas.map_or_else(|| "-".to_owned(), |g| g.to_string()),
                c.gas.to_string(),
            ]);
        }
        t.print();
        eprintln!(
            "dry run: {total} payouts in {n} Safe transaction(s) under {budget} gas each \
             (planned with {simulations} simulations in {planning:.1?}; gas by {method}); nothing was stored"
        );
        return Ok(());
    }

    if !req.json {
        eprintln!(
            "{total} payouts in {n} Safe transaction(s) under {budget} gas each \
             (planned with {simulations} simulations in {planning:.1?}; gas by {method})"
        );
    }
    let source = payouts.source.clone();
    let mut results = Vec::with_capacity(n);
    for (i, c) in chunks.iter().enumerate() {
        let nonce = first_nonce + U256::from(i);
        // A batch of one call is proposed as that call, as Safe{Wallet} does.
        let tx = if payouts.rows.is_none() && total == 1 {
            let e = &payouts.entries[0];
            SafeTx::call(e.to, e.value, e.data.clone(), nonce)
        } else {
            SafeTx::delegate_call(suite.multi_send_call_only, c.tx_data.clone(), nonce)
        };
        let (first, last) = lines(c);
        let label = match (req.label, n) {
            (Some(l), 1) => l.to_owned(),
            (Some(l), _) => format!("{l} ({} of {n})", i + 1),
            (None, 1) if payouts.rows.is_some() => format!("payout of {total} rows from {source}"),
            (None, 1) => format!("batch of {total} transactions from {source}"),
            (None, _) => {
                format!("payout from {source}, chunk {} of {n} ({unit} {first}-{last})", i + 1)
            }
        };
        let meta = ProposalMeta {
            label: Some(label),
            origin: Some(format!("{ORIGIN} {source}")),
            batch: Some(BatchChunk {
                chunk: i,
                chunks: n,
                source: Some(source.clone()),
                rows: match &payouts.rows {
                    Some(rows) => {
                        c.range.clone().map(|k| BatchRow::from_payout_row(k, &rows[k])).collect()
                    }
                    None => Vec::new(),
                },
            }),
            payout_plan: None,
            extra: Some(snapshot_extra(info)),
        };
        if !req.json {
            eprintln!("chunk {}/{n}: {} payouts, about {} gas", i + 1, c.range.len(), c.gas);
        }
        let (hash, mut v) = submit(provider, store, ctx, &tx, &meta, req.json).await?;
        if let Some(publish) = &req.publish {
            publish
                .send(provider, store, ctx, &tx, hash, coffer_chain::gate::Policy::default())
                .await?;
        }
        v["chunk"] = json!(i);
        v["rows"] = json!(c.range.len());
        v["estimatedGas"] = json!(c.gas);
        results.push((hash, v));
    }
    if req.json {
        return print_json(&json!({
            "rows": total,
            "maxGas": budget,
            "simulations": simulations,
            "gasMethod": method,
            "proposals": results.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
        }));
    }
    for (hash, _) in &results {
        println!("{hash}");
    }
    Ok(())
}

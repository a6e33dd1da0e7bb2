//! `coffer payout plan|enable-module|run|status`: payout plans through `PayoutPlanModule` (one
//! approval Safe tx for any number of payouts; then anyone runs the chunks). See
//! `docs/payout-plans.md`.
//!
//! The plan itself (its chunks, root, caps and totals) is a JSON file in the data directory,
//! `plans/<root>.json`, written atomically. Whoever holds it can recompute the root, and every
//! command that reads it does, refusing a file whose chunks do not give its root.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    sol_types::SolCall,
};
use clap::{Args, Subcommand};
use coffer_chain::{
    deploy::find_deployer,
    plan::{
        IPayoutPlanModule, PlanChunks, PlanStatus, RunEvent, TX_GAS_CAP, approve_plan_tx,
        deploy_payout_plan_module, find_payout_plan_module, measure_transfer_gas,
        payout_plan_module_address, plan_chunks, read_plan, run_plan,
    },
    read_safe,
};
use coffer_contracts::bindings::IERC20;
use coffer_core::{
    MultiSendEntry, PlanDomain, PlanTotals, SafeTx, TokenCap, check_plan, format_units, parse_csv,
    rows_to_entries,
};
use coffer_signer::WalletOpts;
use coffer_store::{PayoutPlanRef, Proposal, ProposalMeta, Store};
use eyre::WrapErr;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::tx::{
    common::{ORIGIN, snapshot_extra},
    propose::{print_proposal, submit},
};
use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts, SuiteOpts, sending_key},
    output::{Fields, print_json, with_spinner},
    parse,
};

/// The payout-plan commands (flattened into `coffer payout`).
#[derive(Debug, Subcommand)]
pub(crate) enum PlanCmd {
    /// Build a payout plan from a CSV file and propose the single Safe tx that approves it.
    Plan(Box<PlanArgs>),
    /// Propose enabling PayoutPlanModule on a Safe (deploying the module first if needed).
    EnableModule(Box<EnableArgs>),
    /// Execute every chunk of an approved plan that has not run yet (resumable).
    Run(Box<RunArgs>),
    /// Show a plan's state on chain: status, chunks done, caps spent, expiry.
    Status(Box<StatusArgs>),
    /// Propose the Safe tx that revokes a plan: no further chunk of it can run.
    Revoke(Box<RevokeArgs>),
}

impl PlanCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Plan(a) => a.run().await,
            Self::EnableModule(a) => a.run().await,
            Self::Run(a) => a.run().await,
            Self::Status(a) => a.run().await,
            Self::Revoke(a) => a.run().await,
        }
    }
}

/// The plan file's format tag.
const FORMAT: &str = "coffer-payout-plan/1";
/// Payouts simulated to measure the gas of one transfer.
const SAMPLE: usize = 32;
/// Inner gas per payout assumed when the Safe cannot pay the sample yet (not funded): a fresh
/// ERC-20 balance costs about 25,500; this leaves room for dearer tokens.
const FALLBACK_TRANSFER_GAS: u64 = 40_000;

/// One asset's total in a plan file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssetTotal {
    /// The token (`null`: ETH).
    token: Option<Address>,
    /// Its symbol, if it answers `symbol()`.
    symbol: Option<String>,
    /// Its decimals.
    decimals: u8,
    /// Number of payouts.
    payouts: usize,
    /// Sum, in base units.
    total: U256,
    /// The largest single payout, in base units.
    largest: U256,
}

impl AssetTotal {
    fn name(&self) -> String {
        match (&self.symbol, self.token) {
            (_, None) => "ETH".to_owned(),
            (Some(s), Some(t)) => format!("{s} ({t})"),
            (None, Some(t)) => t.to_string(),
        }
    }
}

/// A payout plan as stored in `plans/<root>.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PlanFile {
    format: String,
    chain_id: u64,
    safe: Address,
    module: Address,
    multi_send_call_only: Address,
    root: B256,
    chunk_count: u32,
    expiry: u64,
    caps: Vec<CapEntry>,
    source: String,
    payouts: usize,
    totals: Vec<AssetTotal>,
    /// Packed MultiSend entries of each chunk.
    chunks: Vec<Bytes>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CapEntry {
    token: Address,
    amount: U256,
}

impl PlanFile {
    fn domain(&self) -> PlanDomain {
        PlanDomain { chain_id: self.chain_id, module: self.module, safe: self.safe }
    }

    /// The plan's chunks and tree, checked: the chunks give the stored root and count.
    fn chunks(&self, path: &Path) -> eyre::Result<PlanChunks> {
        let plan = PlanChunks::new(self.domain(), self.chunks.clone())
            .wrap_err_with(|| format!("{}: the chunks are not a valid plan", path.display()))?;
        if plan.root() != self.root || plan.chunk_count() != self.chunk_count {
            return Err(bad_input(format!(
                "{}: its chunks give root {} ({} chunks), not the root {} it names; the file was \
                 changed after it was built, so do not run it",
                path.display(),
                plan.root(),
                plan.chunk_count(),
                self.root
            )));
        }
        Ok(plan)
    }
}

/// Where plan files live: `<data dir>/plans`.
fn plans_dir(store: &Store) -> PathBuf {
    store.path().parent().map_or_else(|| PathBuf::from("plans"), |d| d.join("plans"))
}

/// Writes `plan` to `plans/<root>.json` atomically (a temporary file renamed into place).
fn write_plan(store: &Store, plan: &PlanFile) -> eyre::Result<PathBuf> {
    let dir = plans_dir(store);
    std::fs::create_dir_all(&dir)
        .wrap_err_with(|| format!("cannot create the plan directory {}", dir.display()))?;
    let path = dir.join(format!("{:#x}.json", plan.root));
    let tmp = dir.join(format!(".{:#x}.json.tmp-{}", plan.root, std::process::id()));
    let text = serde_json::to_string_pretty(plan)?;
    std::fs::write(&tmp, text).wrap_err_with(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).wrap_err_with(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Reads a plan file given as a path, or as a root (or a unique prefix of it) in the plan
/// directory.
fn load_plan(store: &Store, arg: &str) -> eyre::Result<(PathBuf, PlanFile)> {
    let as_path = Path::new(arg);
    let path = if as_path.is_file() {
        as_path.to_path_buf()
    } else {
        let dir = plans_dir(store);
        let want = arg.trim().to_ascii_lowercase();
        if !want.starts_with("0x") || want.len() < 6 {
            return Err(bad_input(format!(
                "{arg:?} is neither a plan file nor a plan root (0x and at least 4 hex digits); \
                 `coffer payout plan` prints the root"
            )));
        }
        let mut found = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_ascii_lowercase();
                if name.starts_with(&want) && name.ends_with(".json") {
                    found.push(e.path());
                }
            }
        }
        match found.len() {
            1 => found.remove(0),
            0 => {
                return Err(bad_input(format!(
                    "no plan {arg} in {}; give the plan file's path, or build it with `coffer payout plan`",
                    dir.display()
                )));
            }
            n => return Err(bad_input(format!("{arg} matches {n} plans; give more digits"))),
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad_input(format!("cannot read the plan file {}: {e}", path.display())))?;
    let plan: PlanFile = serde_json::from_str(&text)
        .map_err(|e| bad_input(format!("{} is not a coffer plan file: {e}", path.display())))?;
    if plan.format != FORMAT {
        return Err(bad_input(format!(
            "{}: format {:?} is not {FORMAT:?}; this coffer cannot read it",
            path.display(),
            plan.format
        )));
    }
    Ok((path, plan))
}

/// Parses `7d`, `12h`, `30m`, `3600s` or a bare number of seconds.
fn parse_duration(s: &str) -> eyre::Result<u64> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => 0,
    };
    let n: u64 = num.parse().unwrap_or(0);
    if mult == 0 || n == 0 {
        return Err(bad_input(format!(
            "--expiry {s:?} is not a duration: write a positive number with s, m, h, d or w (e.g. 7d)"
        )));
    }
    n.checked_mul(mult).ok_or_else(|| bad_input(format!("--expiry {s:?} is too large")))
}

async fn latest_timestamp(provider: &DynProvider) -> eyre::Result<u64> {
    let block = provider
        .get_block_by_number(Default::default())
        .await?
        .ok_or_else(|| eyre::eyre!("the RPC node returned no latest block"))?;
    Ok(block.header.timestamp)
}

/// The module for the suite's MultiSendCallOnly: where it is (or will be), and whether it is deployed.
async fn module_for(provider: &DynProvider, msco: Address) -> eyre::Result<(Address, bool)> {
    match find_payout_plan_module(provider, msco).await? {
        Some(m) => Ok((m, true)),
        None => {
            let deployer = find_deployer(provider).await?;
            Ok((payout_plan_module_address(deployer, msco)?, false))
        }
    }
}

fn when(ts: u64) -> String {
    format!("{ts} (unix time)")
}

/// Arguments of `coffer payout plan`.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The Safe that approves and pays the plan.
    safe: String,
    /// The payouts: a CSV Airdrop file (token_type,token_address,receiver,amount,id).
    #[arg(long, value_name = "FILE")]
    csv: PathBuf,
    /// How long the plan may run after it is approved: e.g. 7d, 12h, 30m (from the latest block's
    /// time when proposed).
    #[arg(long, default_value = "7d")]
    expiry: String,
    /// Per-token spending caps the module enforces: `exact` (the plan's totals, the default) or
    /// `none`.
    #[arg(long, default_value = "exact", value_parser = ["exact", "none"])]
    caps: String,
    /// A label for the proposal.
    #[arg(long)]
    label: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    suite: SuiteOpts,
}

impl PlanArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let ttl = parse_duration(&self.expiry)?;
        let text = std::fs::read_to_string(&self.csv).map_err(|e| {
            bad_input(format!("cannot read the CSV file {}: {e}", self.csv.display()))
        })?;
        let rows = parse_csv(&text)
            .wrap_err_with(|| format!("{} is not a valid payout file", self.csv.display()))?;
        let source = self
            .csv
            .file_name()
            .map_or_else(|| self.csv.display().to_string(), |n| n.to_string_lossy().into_owned());
        if rows.is_empty() {
            return Err(bad_input(format!("{source} has a header but no payout rows")));
        }
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        let store = self.store.open()?;
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        let suite = self.suite.addresses(&provider).await?;
        let msco = suite.multi_send_call_only;
        if provider.get_code_at(msco).await?.is_empty() {
            return Err(coffer_chain::Error::MissingContract {
                contract: "MultiSendCallOnly",
                address: msco,
            }
            .into());
        }
        let (module, deployed) = module_for(&provider, msco).await?;

        // Decimals (and symbols, for display) of every token.
        let mut decimals: BTreeMap<Address, (u8, Option<String>)> = BTreeMap::new();
        for token in rows.iter().filter_map(|r| r.token) {
            if decimals.contains_key(&token) {
                continue;
            }
            let erc20 = IERC20::new(token, &provider);
            let d = erc20.decimals().call().await.map_err(|e| {
                bad_input(format!(
                    "{token} does not answer decimals() ({e}); is it an ERC-20 on chain {chain_id}?"
                ))
            })?;
            let symbol = erc20.symbol().call().await.ok();
            decimals.insert(token, (d, symbol));
        }
        let entries: Vec<MultiSendEntry> = rows_to_entries(&rows, |t| match t {
            None => Some(18),
            Some(t) => decimals.get(&t).map(|d| d.0),
        })
        .wrap_err_with(|| format!("{source} does not fit the tokens' decimals"))?;

        // Chunks under the EIP-7825 cap, from the gas of a payout measured from the Safe.
        let sample = &entries[..entries.len().min(SAMPLE)];
        let measured =
            measure_transfer_gas(&provider, safe, suite.simulate_tx_accessor, msco, sample).await;
        let inner = match measured {
            Ok(g) => g,
            Err(e) => {
                eprintln!(
                    "note: could not measure a payout's gas from the Safe ({e}); planning with \
                     {FALLBACK_TRANSFER_GAS} gas per payout. Fund the Safe first for fuller chunks."
                );
                FALLBACK_TRANSFER_GAS
            }
        };
        let chunks = plan_chunks(&entries, inner, TX_GAS_CAP)?;
        let domain = PlanDomain { chain_id, module, safe };
        let plan = PlanChunks::new(domain, chunks)?;
        let totals = check_plan(&domain, plan.chunks(), &[])?;
        let caps: Vec<TokenCap> =
            if self.caps == "exact" { totals.exact_caps()? } else { Vec::new() };
        check_plan(&domain, plan.chunks(), &caps)?;
        let expiry = latest_timestamp(&provider).await? + ttl;

        let asset_totals = asset_totals(&totals, &rows_count(&rows), &decimals);
        let file = PlanFile {
            format: FORMAT.to_owned(),
            chain_id,
            safe,
            module,
            multi_send_call_only: msco,
            root: plan.root(),
            chunk_count: plan.chunk_count(),
            expiry,
            caps: caps.iter().map(|c| CapEntry { token: c.token, amount: c.amount }).collect(),
            source: source.clone(),
            payouts: rows.len(),
            totals: asset_totals,
            chunks: plan.chunks().to_vec(),
        };
        let path = write_plan(&store, &file)?;

        let nonce = store.next_nonce(chain_id, safe, info.nonce)?;
        let tx = approve_plan_tx(module, plan.root(), plan.chunk_count(), expiry, &caps, nonce);
        let label = self.label.clone().unwrap_or_else(|| {
            format!("payout plan {source}: {} payouts in {} chunks", rows.len(), plan.chunk_count())
        });
        let meta = ProposalMeta {
            label: Some(label),
            origin: Some(format!("{ORIGIN} payout plan csv:{source}")),
            payout_plan: Some(PayoutPlanRef {
                root: plan.root(),
                chunks: Some(u64::from(plan.chunk_count())),
                payouts: Some(rows.len() as u64),
            }),
            extra: Some(snapshot_extra(&info)),
            ..ProposalMeta::default()
        };
        let (hash, mut v) = submit(&provider, &store, &ctx, &tx, &meta, self.json).await?;
        v["payoutPlan"] = plan_json(&file, &path);
        if !self.json {
            let mut f = Fields::default();
            add_plan_summary(&mut f, &file);
            f.add("plan file", path.display());
            eprint!("{}", f.render());
            if !deployed {
                eprintln!(
                    "note: PayoutPlanModule is not deployed on this chain yet; `coffer payout enable-module {safe}` deploys it"
                );
            }
            if !info.is_module(module) {
                eprintln!(
                    "note: the Safe has not enabled PayoutPlanModule {module}; the approval fails until \
                     it does. Propose it first with `coffer payout enable-module {safe}` (its nonce \
                     then comes before this one: re-propose this plan after it)"
                );
            }
            eprintln!(
                "the owners sign this one transaction; once it is executed, anyone runs the plan with `coffer payout run {:#x}`",
                plan.root()
            );
        }
        print_proposal(hash, &v, self.json)
    }
}

fn rows_count(rows: &[coffer_core::PayoutRow]) -> BTreeMap<Option<Address>, usize> {
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry(r.token).or_insert(0) += 1;
    }
    out
}

fn asset_totals(
    totals: &PlanTotals,
    counts: &BTreeMap<Option<Address>, usize>,
    decimals: &BTreeMap<Address, (u8, Option<String>)>,
) -> Vec<AssetTotal> {
    totals
        .totals
        .iter()
        .map(|(asset, total)| {
            let token = (!asset.is_zero()).then_some(*asset);
            let (d, symbol) = token.and_then(|t| decimals.get(&t).cloned()).unwrap_or((18, None));
            AssetTotal {
                token,
                symbol,
                decimals: d,
                payouts: counts.get(&token).copied().unwrap_or(0),
                total: *total,
                largest: totals.largest.get(asset).copied().unwrap_or_default(),
            }
        })
        .collect()
}

/// The lines the owners read before they sign: root, chunks, payouts, totals, largest payout, caps,
/// expiry.
fn add_plan_summary(f: &mut Fields, file: &PlanFile) {
    f.add("plan root", file.root)
        .add("chunks", file.chunk_count)
        .add("payouts", format!("{} (from {})", file.payouts, file.source));
    let totals = file
        .totals
        .iter()
        .map(|t| {
            format!("{} {} in {} payouts", format_units(t.total, t.decimals), t.name(), t.payouts)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let largest = file
        .totals
        .iter()
        .map(|t| format!("{} {}", format_units(t.largest, t.decimals), t.name()))
        .collect::<Vec<_>>()
        .join("\n");
    f.add("totals", totals).add("largest payout", largest);
    f.add(
        "caps",
        if file.caps.is_empty() {
            "none (uncapped: the root alone decides)".to_owned()
        } else {
            file.caps
                .iter()
                .map(|c| {
                    let t = file.totals.iter().find(|t| t.token.unwrap_or_default() == c.token);
                    match t {
                        Some(t) => format!("{} {}", format_units(c.amount, t.decimals), t.name()),
                        None => format!("{} base units of {}", c.amount, c.token),
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    )
    .add("expires", when(file.expiry))
    .add("module", file.module);
}

fn plan_json(file: &PlanFile, path: &Path) -> Value {
    json!({
        "root": file.root,
        "module": file.module,
        "chunks": file.chunk_count,
        "payouts": file.payouts,
        "expiry": file.expiry,
        "caps": file.caps,
        "totals": file.totals,
        "planFile": path.display().to_string(),
    })
}

/// What `coffer tx show` adds for a payout-plan approval: the plan's summary, recomputed from its
/// file when the file is in the data directory (and checked to give the root the transaction
/// approves), else what the calldata itself says. `None` for other transactions.
pub(crate) fn show_fields(store: &Store, p: &Proposal) -> Option<(Fields, Value)> {
    let call = IPayoutPlanModule::approvePlanCall::abi_decode(&p.tx.data).ok()?;
    let mut f = Fields::default();
    let found = load_plan(store, &format!("{:#x}", call.root)).ok().filter(|(_, file)| {
        file.safe == p.ctx.safe && file.module == p.tx.to && file.chain_id == p.ctx.chain_id
    });
    let checked = found.and_then(|(path, file)| file.chunks(&path).ok().map(|_| (path, file)));
    match checked {
        Some((path, file))
            if file.chunk_count == call.chunkCount
                && file.expiry == call.expiry
                && file.caps.len() == call.caps.len()
                && file
                    .caps
                    .iter()
                    .zip(&call.caps)
                    .all(|(a, b)| a.token == b.token && a.amount == b.amount) =>
        {
            add_plan_summary(&mut f, &file);
            f.add(
                "plan file",
                format!("{} (root recomputed from its chunks: matches)", path.display()),
            );
            let v = plan_json(&file, &path);
            Some((f, v))
        }
        _ => {
            f.add("plan root", call.root)
                .add("chunks", call.chunkCount)
                .add("payouts", "unknown: no plan file for this root in the data directory")
                .add(
                    "caps",
                    call.caps
                        .iter()
                        .map(|c| format!("{} base units of {}", c.amount, c.token))
                        .collect::<Vec<_>>()
                        .join("\n"),
                )
                .add("expires", when(call.expiry));
            Some((
                f,
                json!({
                    "root": call.root,
                    "chunks": call.chunkCount,
                    "expiry": call.expiry,
                    "caps": call.caps.iter().map(|c| json!({"token": c.token, "amount": c.amount})).collect::<Vec<_>>(),
                    "planFile": Value::Null,
                }),
            ))
        }
    }
}

/// Arguments of `coffer payout enable-module`.
#[derive(Debug, Args)]
pub(crate) struct EnableArgs {
    /// The Safe.
    safe: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    suite: SuiteOpts,
    /// The key that deploys the module when it is not on this chain yet (not needed otherwise).
    #[command(flatten)]
    wallet: WalletOpts,
}

impl EnableArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        let store = self.store.open()?;
        let suite = self.suite.addresses(&provider).await?;
        let msco = suite.multi_send_call_only;
        let (mut module, deployed) = module_for(&provider, msco).await?;
        if !deployed {
            let signer = self.wallet.signer().await.wrap_err(
                "PayoutPlanModule is not deployed on this chain: pass a key that pays for deploying it",
            )?;
            let key = sending_key(&signer)?;
            let from = key.address();
            let sending = self.rpc.signing_provider(key)?;
            let d = with_spinner(
                "deploying PayoutPlanModule",
                deploy_payout_plan_module(&sending, from, msco),
            )
            .await?;
            module = d.address;
            eprintln!("deployed PayoutPlanModule at {module}");
        }
        let info = read_safe(&provider, safe).await?;
        if info.is_module(module) {
            if self.json {
                return print_json(&json!({ "module": module, "enabled": true, "proposed": null }));
            }
            eprintln!("PayoutPlanModule {module} is already enabled on {safe}; nothing to propose");
            println!("{module}");
            return Ok(());
        }
        let nonce = store.next_nonce(chain_id, safe, info.nonce)?;
        let tx: SafeTx = info.enable_module_tx(module, nonce)?;
        let meta = ProposalMeta {
            label: Some(format!("enable PayoutPlanModule {module}")),
            origin: Some(format!("{ORIGIN} payout enable-module")),
            extra: Some(snapshot_extra(&info)),
            ..ProposalMeta::default()
        };
        let ctx = info.context()?;
        let (hash, mut v) = submit(&provider, &store, &ctx, &tx, &meta, self.json).await?;
        v["module"] = json!(module);
        print_proposal(hash, &v, self.json)
    }
}

/// Arguments of `coffer payout run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The plan: its root (or a unique prefix) in the data directory, or the plan file's path.
    plan: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    /// The key that sends the chunks and pays their gas (anyone may; it need not be an owner).
    #[command(flatten)]
    wallet: WalletOpts,
}

impl RunArgs {
    async fn run(self) -> eyre::Result<()> {
        let store = self.store.open()?;
        let (path, file) = load_plan(&store, &self.plan)?;
        let plan = file.chunks(&path)?;
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let executor = key.address();
        let provider = self.rpc.signing_provider(key)?;
        super::tx::common::check_chain(file.chain_id, self.rpc.chain_id(&provider).await?)?;
        let bar = ProgressBar::new(u64::from(file.chunk_count));
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} chunks {pos}/{len} [{bar:30}] {msg} ({elapsed})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        let report = run_plan(&provider, &plan, executor, |e| {
            match e {
                RunEvent::Started { done, pending, .. } => {
                    bar.set_position(u64::from(*done));
                    bar.set_message(format!("{} to run", pending.len()));
                }
                RunEvent::Sent { index, tx_hash, .. } => {
                    bar.set_message(format!("chunk {index}: sent {tx_hash}"));
                }
                RunEvent::Executed(r) => {
                    bar.inc(1);
                    bar.println(format!(
                        "chunk {}: {} payouts, {} gas, tx {}",
                        r.index, r.entries, r.gas_used, r.tx_hash
                    ));
                }
                RunEvent::AlreadyExecuted { index } => {
                    bar.inc(1);
                    bar.println(format!("chunk {index}: already run by someone else"));
                }
            }
            core::ops::ControlFlow::Continue(())
        })
        .await;
        bar.finish_and_clear();
        let report = report.wrap_err_with(|| {
            format!(
                "the run stopped; what ran is recorded on chain, so `coffer payout run {:#x}` resumes",
                file.root
            )
        })?;
        let v = json!({
            "root": file.root,
            "executed": report.executed.iter().map(|r| json!({
                "index": r.index, "txHash": r.tx_hash, "gasUsed": r.gas_used, "payouts": r.entries,
            })).collect::<Vec<_>>(),
            "alreadyExecuted": report.already_executed,
            "doneBefore": report.done_before,
            "remaining": report.remaining,
            "gasUsed": report.gas_used,
            "complete": report.is_complete(),
        });
        if self.json {
            return print_json(&v);
        }
        let mut f = Fields::default();
        f.add("plan root", file.root)
            .add("chunks run now", report.executed.len())
            .add("done before", report.done_before)
            .add("run by others", report.already_executed.len())
            .add("gas used", report.gas_used)
            .add("complete", if report.is_complete() { "yes" } else { "no" });
        f.print();
        Ok(())
    }
}

/// Arguments of `coffer payout status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The plan: its root (or a unique prefix) in the data directory, or the plan file's path.
    plan: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
}

/// Arguments of `coffer payout revoke`.
#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    /// The plan: its root (or a unique prefix) in the data directory, or the plan file's path.
    plan: String,
    /// A label for the proposal.
    #[arg(long)]
    label: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
}

impl RevokeArgs {
    async fn run(self) -> eyre::Result<()> {
        let store = self.store.open()?;
        let (path, file) = load_plan(&store, &self.plan)?;
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        super::tx::common::check_chain(file.chain_id, chain_id)?;
        let state = read_plan(&provider, file.module, file.safe, file.root).await?;
        if matches!(state.status, PlanStatus::None | PlanStatus::Revoked | PlanStatus::Completed) {
            return Err(bad_input(format!(
                "plan {:#x} is {} for Safe {}: there is nothing to revoke",
                file.root,
                state.status.as_str(),
                file.safe
            )));
        }
        let info = read_safe(&provider, file.safe).await?;
        let ctx = info.context()?;
        let nonce = store.next_nonce(chain_id, file.safe, info.nonce)?;
        let tx = coffer_chain::plan::revoke_plan_tx(file.module, file.root, nonce);
        let meta = ProposalMeta {
            label: Some(self.label.clone().unwrap_or_else(|| {
                format!("revoke payout plan {:#x} ({})", file.root, file.source)
            })),
            origin: Some(format!("{ORIGIN} payout revoke")),
            extra: Some(snapshot_extra(&info)),
            ..ProposalMeta::default()
        };
        let (hash, mut v) = submit(&provider, &store, &ctx, &tx, &meta, self.json).await?;
        v["payoutPlan"] = plan_json(&file, &path);
        if !self.json {
            eprintln!(
                "once the owners sign and it is executed, no chunk of plan {:#x} can run ({} of {} \
                 chunks ran)",
                file.root, state.executed_count, file.chunk_count
            );
        }
        print_proposal(hash, &v, self.json)
    }
}

/// `0-3, 7, 9-12`.
fn ranges(items: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let start = items[i];
        let mut end = start;
        while i + 1 < items.len() && items[i + 1] == end + 1 {
            i += 1;
            end = items[i];
        }
        out.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        i += 1;
    }
    if out.is_empty() { "none".to_owned() } else { out.join(", ") }
}

impl StatusArgs {
    async fn run(self) -> eyre::Result<()> {
        let store = self.store.open()?;
        let (path, file) = load_plan(&store, &self.plan)?;
        file.chunks(&path)?;
        let provider = self.rpc.provider()?;
        super::tx::common::check_chain(file.chain_id, self.rpc.chain_id(&provider).await?)?;
        let state = read_plan(&provider, file.module, file.safe, file.root).await?;
        let pending = if state.status == PlanStatus::None {
            (0..file.chunk_count).collect()
        } else {
            state.pending()
        };
        let now = latest_timestamp(&provider).await?;
        let decimals_of =
            |token: Address| file.totals.iter().find(|t| t.token.unwrap_or_default() == token);
        if self.json {
            return print_json(&json!({
                "root": file.root,
                "safe": file.safe,
                "module": file.module,
                "status": state.status.as_str(),
                "chunks": file.chunk_count,
                "executed": state.executed_count,
                "pending": pending,
                "expiry": state.expiry,
                "revoked": state.revoked,
                "caps": state.caps.iter().map(|c| json!({"token": c.token, "cap": c.cap, "spent": c.spent})).collect::<Vec<_>>(),
                "planFile": path.display().to_string(),
            }));
        }
        let mut f = Fields::default();
        f.add("plan root", file.root)
            .add("safe", file.safe)
            .add("module", file.module)
            .add("status", state.status)
            .add("chunks", format!("{} of {} run", state.executed_count, file.chunk_count))
            .add("pending", ranges(&pending));
        if state.status != PlanStatus::None {
            let left = state.expiry.saturating_sub(now);
            f.add(
                "expires",
                format!(
                    "{} ({})",
                    when(state.expiry),
                    if left == 0 { "passed".to_owned() } else { format!("in {left} s") }
                ),
            );
        }
        for c in &state.caps {
            let text = match decimals_of(c.token) {
                Some(t) => format!(
                    "{} of {} {} spent",
                    format_units(c.spent, t.decimals),
                    format_units(c.cap, t.decimals),
                    t.name()
                ),
                None => format!("{} of {} base units of {} spent", c.spent, c.cap, c.token),
            };
            f.add("cap", text);
        }
        f.add("plan file", path.display());
        f.print();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d").ok(), Some(604_800));
        assert_eq!(parse_duration("12h").ok(), Some(43_200));
        assert_eq!(parse_duration("90").ok(), Some(90));
        assert_eq!(parse_duration("2w").ok(), Some(1_209_600));
        for bad in ["", "0d", "7y", "d", "-1h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pending_ranges() {
        assert_eq!(ranges(&[]), "none");
        assert_eq!(ranges(&[0, 1, 2, 3, 7, 9, 10]), "0-3, 7, 9-10");
    }
}

//! `coffer payout plan|replan|enable-module|run|status|revoke`: payout plans through
//! `PayoutPlanModule` (one approval Safe tx for any number of payouts; then anyone runs the
//! chunks). See `docs/payout-plans.md`.
//!
//! The plan itself (its chunks, root, salt, caps and totals) is a JSON file in the data
//! directory, `plans/<root>.json`, written atomically. Whoever holds it can recompute the root,
//! and every command that reads it does, refusing a file whose chunks do not give its root. No
//! figure shown to a signer is taken from the file: payouts, totals, largest payouts and
//! non-transfer entries are recomputed from the chunks (`coffer_core::plan_totals`), decimals and
//! symbols read on chain (`coffer_chain::plan::read_asset_units`).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy::{
    primitives::{Address, B256, Bytes},
    providers::{DynProvider, Provider},
};
use clap::{Args, Subcommand};
use coffer_chain::{
    deploy::find_deployer,
    plan::{
        PlanChunks, PlanStatus, RunEvent, TX_GAS_CAP, check_plan_preconditions,
        deploy_payout_plan_module, find_payout_plan_module, measure_transfer_gas,
        payout_plan_module_address, plan_approval_tx, plan_chunks, plan_history, read_asset_units,
        read_plan, run_plan_logged,
    },
    read_safe,
};
use coffer_contracts::bindings::IERC20;
use coffer_core::{
    AssetUnits, MultiSendEntry, PlanDomain, PlanTotals, SafeTx, TokenCap, approve_plan_calldata,
    check_plan, parse_csv, plan_summary_lines, plan_totals, revoke_plan_at_calldata,
    rows_to_entries,
};
use coffer_signer::WalletOpts;
use coffer_store::{PayoutPlanRef, ProposalMeta, Store};
use eyre::WrapErr;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use coffer_chain::plan_file::{
    CapEntry, FORMAT, PlanFile, asset_totals, known_plans, load_plan, parse_expiry, plans_dir,
    refuse_repeats, write_plan,
};

use crate::flow::{ORIGIN, print_proposal, snapshot_extra, submit};
use crate::view::plan::{totals_json, when};
use crate::{
    exit::bad_input,
    opts::{RpcOpts, SafeTxArgs, StoreOpts, sending_key},
    output::{Fields, print_json, with_spinner},
    parse,
};

/// The payout-plan commands (flattened into `coffer payout`).
#[derive(Debug, Subcommand)]
pub(crate) enum PlanCmd {
    /// Build a payout plan from a CSV file and propose the single Safe tx that approves it
    /// (enabling the module in the same tx when needed).
    Plan(Box<PlanArgs>),
    /// Build a new plan of the rows of PLAN that have not been paid, and propose one Safe tx that
    /// revokes PLAN and approves the new one.
    Replan(Box<ReplanArgs>),
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
            Self::Replan(a) => a.run().await,
            Self::EnableModule(a) => a.run().await,
            Self::Run(a) => a.run().await,
            Self::Status(a) => a.run().await,
            Self::Revoke(a) => a.run().await,
        }
    }
}

/// Payouts simulated to measure the gas of one transfer.
const SAMPLE: usize = 32;
/// Inner gas per payout assumed when the Safe cannot pay the sample yet (not funded): a fresh
/// ERC-20 balance costs about 25,500; this leaves room for dearer tokens.
const FALLBACK_TRANSFER_GAS: u64 = 40_000;

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
    /// Per-token spending caps the module enforces: `exact` (each asset capped at the plan's
    /// total, the default). Every plan has caps: `none` is refused.
    #[arg(long, default_value = "exact", value_parser = ["exact", "none"])]
    caps: String,
    /// Plan rows even when the chain shows them already paid, or pending in another active plan
    /// of the Safe (read from the module's events).
    #[arg(long)]
    allow_repeat: bool,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl PlanArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        if self.caps == "none" {
            return Err(bad_input(
                "--caps none: every payout plan caps each asset it moves (PayoutPlanModule 1.1.0 \
                 refuses a plan without caps); leave --caps at exact",
            ));
        }
        let ttl = parse_expiry(&self.expiry)?;
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
        let provider = self.tx.rpc.provider()?;
        let chain_id = self.tx.rpc.chain_id(&provider).await?;
        let store = self.tx.store.open()?;
        let info = read_safe(&provider, safe).await?;
        // The Safe's own release's MultiSendCallOnly (or --suite's), checked by code.
        let libs = self.tx.suite.for_safe(&provider, safe).await?;
        let suite = libs.suite;
        let msco = libs.require(&provider, coffer_chain::Library::MultiSendCallOnly).await?;
        let (module, deployed) = module_for(&provider, msco).await?;
        if !deployed {
            return Err(coffer_chain::Error::ModuleUnavailable(format!(
                "PayoutPlanModule is not deployed on chain {chain_id} (it would be at {module}); \
                 nothing was proposed. Deploy it with `coffer contracts deploy` and a key that \
                 pays the gas (then the first plan enables and approves in one Safe tx), or with \
                 `coffer payout enable-module {safe}`, then plan again"
            ))
            .into());
        }

        // Decimals of every token, read on chain (the CSV's amounts are in whole units).
        let mut claims: BTreeMap<Address, (Option<u8>, Option<String>)> = BTreeMap::new();
        for token in rows.iter().filter_map(|r| r.token) {
            if claims.contains_key(&token) {
                continue;
            }
            let erc20 = IERC20::new(token, &provider);
            let d = erc20.decimals().call().await.map_err(|e| {
                bad_input(format!(
                    "{token} does not answer decimals() ({e}); is it an ERC-20 on chain {chain_id}?"
                ))
            })?;
            let symbol = erc20.symbol().call().await.ok();
            claims.insert(token, (Some(d), symbol));
        }
        let entries: Vec<MultiSendEntry> = rows_to_entries(&rows, |t| match t {
            None => Some(18),
            Some(t) => claims.get(&t).and_then(|d| d.0),
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
        let draft = Draft {
            chunks,
            source: source.clone(),
            claims,
            label: self.tx.label.clone(),
            origin: format!("{ORIGIN} payout plan csv:{source}"),
            before: Vec::new(),
            replaces: None,
        };
        let env = PlanEnv {
            args: &self.tx,
            provider: &provider,
            store: &store,
            info: &info,
            chain_id,
            module,
            msco,
        };
        propose_plan(&env, draft, ttl, self.allow_repeat).await
    }
}

/// Arguments of `coffer payout replan`.
#[derive(Debug, Args)]
pub(crate) struct ReplanArgs {
    /// The plan to replace: its root (or a unique prefix) in the data directory, or its file.
    plan: String,
    /// How long the new plan may run after it is approved (e.g. 7d, 12h).
    #[arg(long, default_value = "7d")]
    expiry: String,
    /// Plan rows even when the chain shows them paid, or pending in another active plan.
    #[arg(long)]
    allow_repeat: bool,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl ReplanArgs {
    async fn run(self) -> eyre::Result<()> {
        let ttl = parse_expiry(&self.expiry)?;
        let store = self.tx.store.open()?;
        let (path, file) = load_plan(&plans_dir(store.path()), &self.plan)?;
        let old = file.chunks(&path)?;
        let provider = self.tx.rpc.provider()?;
        let chain_id = self.tx.rpc.chain_id(&provider).await?;
        crate::flow::check_chain(file.chain_id, chain_id)?;
        module_present(&provider, &file).await?;
        let info = read_safe(&provider, file.safe).await?;
        let state = read_plan(&provider, file.module, file.safe, file.root).await?;
        let before = match state.status {
            PlanStatus::None => {
                return Err(bad_input(format!(
                    "plan {:#x} was never approved by Safe {}, so nothing of it ran: propose its \
                     approval again with `coffer payout plan` instead",
                    file.root, file.safe
                )));
            }
            PlanStatus::Completed => {
                return Err(bad_input(format!(
                    "every chunk of plan {:#x} has run: there is nothing left to re-plan",
                    file.root
                )));
            }
            PlanStatus::Revoked => Vec::new(),
            PlanStatus::Active | PlanStatus::Expired => {
                vec![(file.module, revoke_plan_at_calldata(file.root, state.executed_count))]
            }
        };
        // The rows the chain says are unpaid: the chunks whose bit is not set.
        let chunks: Vec<Bytes> =
            state.pending().iter().filter_map(|i| old.chunks().get(*i as usize).cloned()).collect();
        if chunks.is_empty() {
            return Err(bad_input(format!("plan {:#x} has no unpaid chunk", file.root)));
        }
        let label = self.tx.label.clone().or_else(|| {
            Some(format!(
                "re-plan of {:#x} ({}): the {} unpaid chunks of {}",
                file.root,
                file.source,
                chunks.len(),
                file.chunk_count
            ))
        });
        let draft = Draft {
            chunks,
            source: file.source.clone(),
            claims: file.claims(),
            label,
            origin: format!("{ORIGIN} payout replan {:#x}", file.root),
            before,
            replaces: Some((file.root, state.executed_count)),
        };
        let env = PlanEnv {
            args: &self.tx,
            provider: &provider,
            store: &store,
            info: &info,
            chain_id,
            module: file.module,
            msco: file.multi_send_call_only,
        };
        propose_plan(&env, draft, ttl, self.allow_repeat).await
    }
}

/// Where a plan is proposed.
struct PlanEnv<'a> {
    args: &'a SafeTxArgs,
    provider: &'a DynProvider,
    store: &'a Store,
    info: &'a coffer_chain::SafeInfo,
    chain_id: u64,
    module: Address,
    msco: Address,
}

/// A plan's chunks before they get their salt (the approving Safe tx's nonce).
struct Draft {
    chunks: Vec<Bytes>,
    source: String,
    /// Decimals and symbols per token, as read when the rows were converted (kept in the file;
    /// never shown as checked).
    claims: BTreeMap<Address, (Option<u8>, Option<String>)>,
    label: Option<String>,
    origin: String,
    /// Calls that run before the approval in the same Safe tx (a re-plan's `revokePlanAt`).
    before: Vec<(Address, Bytes)>,
    /// The plan a re-plan replaces and its executed count (left out of the repeat check).
    replaces: Option<(B256, u32)>,
}

/// The shared end of `payout plan` and `payout replan`: the library checks (module deployed, no
/// Safe component called, no repeated payout), the salt, tree and exact caps, the plan file, and
/// the one Safe tx (with `enableModule` first when the module is not enabled).
async fn propose_plan(
    env: &PlanEnv<'_>,
    draft: Draft,
    ttl: u64,
    allow_repeat: bool,
) -> eyre::Result<()> {
    let (provider, store, info) = (env.provider, env.store, env.info);
    let json_out = env.args.json;
    let safe = info.address;
    let enabled =
        check_plan_preconditions(provider, info, env.module, env.msco, &draft.chunks).await?;
    let known = known_plans(&plans_dir(store.path()), env.chain_id, safe, env.module);
    let mut history = plan_history(provider, env.module, safe, &known).await?;
    if let Some((old, _)) = draft.replaces {
        history.paid.retain(|(_, root, _)| *root != old);
        history.pending.retain(|(_, root, _)| *root != old);
        history.unknown_pending.retain(|(root, _)| *root != old);
    }
    if !allow_repeat {
        refuse_repeats(&draft.chunks, &history, &plans_dir(store.path()))?;
    }
    // The nonce (also the plan's salt) and, with --tx-service, the proposer, before any file is written.
    let prepared = env.args.prepare(info, true).await?;
    let nonce = prepared.nonce;
    let salt: u64 = nonce.saturating_to();
    let domain = PlanDomain { chain_id: env.chain_id, module: env.module, safe, salt };
    let plan = PlanChunks::new(domain, draft.chunks)?;
    let totals = plan_totals(plan.chunks())?;
    let caps = totals.exact_caps()?;
    check_plan(&domain, plan.chunks(), &caps)?;
    let expiry = latest_timestamp(provider).await? + ttl;
    let units = read_asset_units(provider, totals.totals.keys().copied(), &draft.claims).await?;

    let file = PlanFile {
        format: FORMAT.to_owned(),
        chain_id: env.chain_id,
        safe,
        module: env.module,
        multi_send_call_only: env.msco,
        root: plan.root(),
        chunk_count: plan.chunk_count(),
        expiry,
        salt,
        caps: caps.iter().map(|c| CapEntry { token: c.token, amount: c.amount }).collect(),
        source: draft.source.clone(),
        payouts: totals.transfers,
        totals: asset_totals(&totals, &units),
        chunks: plan.chunks().to_vec(),
    };
    let mut calls = draft.before;
    calls.push((
        env.module,
        approve_plan_calldata(plan.root(), plan.chunk_count(), expiry, salt, &caps),
    ));
    let tx = plan_approval_tx(info, env.module, env.msco, calls, nonce)?;
    let path = write_plan(&plans_dir(store.path()), &file)?;
    let label = draft.label.unwrap_or_else(|| {
        format!(
            "payout plan {}: {} payouts in {} chunks",
            draft.source,
            totals.transfers,
            plan.chunk_count()
        )
    });
    let meta = ProposalMeta {
        label: Some(label),
        origin: Some(draft.origin),
        payout_plan: Some(PayoutPlanRef {
            root: plan.root(),
            chunks: Some(u64::from(plan.chunk_count())),
            payouts: Some(totals.transfers as u64),
        }),
        extra: Some(snapshot_extra(info)),
        ..ProposalMeta::default()
    };
    let (hash, mut v) = env.args.submit_meta(provider, &prepared, info, &tx, meta).await?;
    v["payoutPlan"] = plan_json(&file, &path, &totals, &units);
    v["payoutPlan"]["enablesModule"] = json!(!enabled);
    v["payoutPlan"]["replaces"] = match draft.replaces {
        Some((root, executed)) => json!({ "root": root, "executedCount": executed }),
        None => Value::Null,
    };
    if !json_out {
        let mut f = Fields::default();
        add_plan_summary(&mut f, &file, &totals, &units);
        f.add("plan file", path.display());
        eprint!("{}", f.render());
        if !enabled {
            eprintln!(
                "the module is not enabled on {safe}: this one Safe tx enables PayoutPlanModule \
                 {} and approves the plan (a MultiSendCallOnly batch). Module transactions do not \
                 pass through a transaction guard",
                env.module
            );
        }
        if let Some((root, executed)) = draft.replaces {
            eprintln!(
                "this Safe tx also revokes plan {root:#x}, and reverts if more than the {executed} \
                 chunks that have run by now run before it executes (so no row is paid twice)"
            );
        }
        eprintln!(
            "the owners sign this one transaction; once it is executed, anyone runs the plan with `coffer payout run {:#x}`",
            plan.root()
        );
    }
    print_proposal(hash, &v, json_out)
}

/// Refuses, with what to do, when the plan's module has no code on this chain (instead of a raw
/// RPC error from reading it).
async fn module_present(provider: &DynProvider, file: &PlanFile) -> eyre::Result<()> {
    if provider.get_code_at(file.module).await?.is_empty() {
        return Err(coffer_chain::Error::ModuleUnavailable(format!(
            "PayoutPlanModule is not deployed on this chain at {} (the module plan {:#x} was built \
             for): check --rpc-url, or deploy it with `coffer payout enable-module {}` and a key \
             that pays the gas, then build the plan again",
            file.module, file.root, file.safe
        ))
        .into());
    }
    Ok(())
}

/// The lines the owners read before they sign: root, chunks, and every figure recomputed from the
/// chunks (payouts, totals, largest payout, non-transfer entries), caps, expiry.
fn add_plan_summary(
    f: &mut Fields,
    file: &PlanFile,
    totals: &PlanTotals,
    units: &BTreeMap<Address, AssetUnits>,
) {
    f.add("plan root", file.root).add("chunks", file.chunk_count);
    let caps: Vec<TokenCap> =
        file.caps.iter().map(|c| TokenCap { token: c.token, amount: c.amount }).collect();
    for (label, text) in plan_summary_lines(totals, &caps, units) {
        f.add(label, text);
    }
    f.add("source", &file.source)
        .add("expires", when(file.expiry))
        .add("salt", file.salt)
        .add("module", file.module);
}

/// The `payoutPlan` JSON: the file's identity with totals recomputed from the chunks.
fn plan_json(
    file: &PlanFile,
    path: &Path,
    totals: &PlanTotals,
    units: &BTreeMap<Address, AssetUnits>,
) -> Value {
    json!({
        "root": file.root,
        "module": file.module,
        "chunks": file.chunk_count,
        "payouts": totals.transfers,
        "expiry": file.expiry,
        "salt": file.salt,
        "caps": file.caps,
        "totals": totals_json(totals, units),
        "nonTransfers": totals.other_calls,
        "recomputed": true,
        "planFile": path.display().to_string(),
    })
}

/// What `payout enable-module` tells the owners before they enable the module.
const GUARD_WARNING: &str = "warning: a module moves funds with execTransactionFromModule, which does not pass \
     through the Safe's transaction guard: a guard does not see or block payout-plan chunks. The \
     module itself only allows capped plain transfers of plans the owners approved";

/// Arguments of `coffer payout enable-module`.
#[derive(Debug, Args)]
pub(crate) struct EnableArgs {
    /// The Safe.
    safe: String,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl EnableArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let provider = self.tx.rpc.provider()?;
        self.tx.rpc.chain_id(&provider).await?;
        let msco = self
            .tx
            .suite
            .for_safe(&provider, safe)
            .await?
            .address(coffer_chain::Library::MultiSendCallOnly);
        let (mut module, deployed) = module_for(&provider, msco).await?;
        let info = read_safe(&provider, safe).await?;
        if !self.tx.json {
            eprintln!("{GUARD_WARNING}");
        }
        if info.is_module(module) {
            if self.tx.json {
                return print_json(
                    &json!({ "module": module, "enabled": true, "proposed": null, "warning": GUARD_WARNING }),
                );
            }
            eprintln!("PayoutPlanModule {module} is already enabled on {safe}; nothing to propose");
            println!("{module}");
            return Ok(());
        }
        // The nonce and (with --tx-service) the proposer are settled before anything is deployed.
        let prepared = self.tx.prepare(&info, true).await?;
        if !deployed {
            let signer = self.tx.wallet.signer().await.wrap_err(
                "PayoutPlanModule is not deployed on this chain: pass a key that pays for deploying it",
            )?;
            let key = sending_key(&signer)?;
            let from = key.address();
            let sending = self.tx.rpc.signing_provider(key)?;
            let d = with_spinner(
                "deploying PayoutPlanModule",
                deploy_payout_plan_module(&sending, from, msco),
            )
            .await?;
            module = d.address;
            eprintln!("deployed PayoutPlanModule at {module}");
        }
        let nonce = prepared.nonce;
        let tx: SafeTx = info.enable_module_tx(module, nonce)?;
        let meta = ProposalMeta {
            label: Some(format!("enable PayoutPlanModule {module}")),
            origin: Some(format!("{ORIGIN} payout enable-module")),
            extra: Some(snapshot_extra(&info)),
            ..ProposalMeta::default()
        };
        let (hash, mut v) = self.tx.submit_meta(&provider, &prepared, &info, &tx, meta).await?;
        v["module"] = json!(module);
        v["warning"] = json!(GUARD_WARNING);
        print_proposal(hash, &v, self.tx.json)
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
        let (path, file) = load_plan(&plans_dir(store.path()), &self.plan)?;
        let plan = file.chunks(&path)?;
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let executor = key.address();
        // Journaled: a chunk transaction an earlier run sent (mined, or still waiting in the node) is found by
        // its hash instead of sending it again.
        let (provider, log) = crate::crash::logged_provider(&self.rpc, &self.store, key).await?;
        crate::flow::check_chain(file.chain_id, self.rpc.chain_id(&provider).await?)?;
        let bar = ProgressBar::new(u64::from(file.chunk_count));
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} chunks {pos}/{len} [{bar:30}] {msg} ({elapsed})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        let report = run_plan_logged(&provider, &log, &plan, executor, |e| {
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
                RunEvent::FoundEarlier(r) => {
                    bar.inc(1);
                    bar.println(format!(
                        "chunk {}: {} payouts in tx {}, sent by an earlier run (found by its hash; nothing new sent)",
                        r.index, r.entries, r.tx_hash
                    ));
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
            "foundEarlier": report.found_earlier,
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
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl RevokeArgs {
    async fn run(self) -> eyre::Result<()> {
        let store = self.tx.store.open()?;
        let (path, file) = load_plan(&plans_dir(store.path()), &self.plan)?;
        let provider = self.tx.rpc.provider()?;
        let chain_id = self.tx.rpc.chain_id(&provider).await?;
        crate::flow::check_chain(file.chain_id, chain_id)?;
        module_present(&provider, &file).await?;
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
        let prepared = self.tx.prepare(&info, true).await?;
        let nonce = prepared.nonce;
        let tx = coffer_chain::plan::revoke_plan_tx(file.module, file.root, nonce);
        let meta = ProposalMeta {
            label: Some(self.tx.label.clone().unwrap_or_else(|| {
                format!("revoke payout plan {:#x} ({})", file.root, file.source)
            })),
            origin: Some(format!("{ORIGIN} payout revoke")),
            extra: Some(snapshot_extra(&info)),
            ..ProposalMeta::default()
        };
        let (hash, mut v) = submit(&provider, &store, &ctx, &tx, &meta, self.tx.json).await?;
        let totals = plan_totals(&file.chunks)?;
        let units =
            read_asset_units(&provider, totals.totals.keys().copied(), &file.claims()).await?;
        v["payoutPlan"] = plan_json(&file, &path, &totals, &units);
        if !self.tx.json {
            eprintln!(
                "once the owners sign and it is executed, no chunk of plan {:#x} can run ({} of {} \
                 chunks ran)",
                file.root, state.executed_count, file.chunk_count
            );
        }
        print_proposal(hash, &v, self.tx.json)
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
        let (path, file) = load_plan(&plans_dir(store.path()), &self.plan)?;
        let plan = file.chunks(&path)?;
        let provider = self.rpc.provider()?;
        crate::flow::check_chain(file.chain_id, self.rpc.chain_id(&provider).await?)?;
        module_present(&provider, &file).await?;
        let info = read_safe(&provider, file.safe).await?;
        let enabled = info.is_module(file.module);
        let state = read_plan(&provider, file.module, file.safe, file.root).await?;
        let totals = plan_totals(plan.chunks())?;
        let units = read_asset_units(
            &provider,
            state.caps.iter().map(|c| c.token).chain(totals.totals.keys().copied()),
            &file.claims(),
        )
        .await?;
        let pending = if state.status == PlanStatus::None {
            (0..file.chunk_count).collect()
        } else {
            state.pending()
        };
        let now = latest_timestamp(&provider).await?;
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
                "moduleEnabled": enabled,
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
        if !enabled {
            f.add(
                "module",
                format!(
                    "NOT ENABLED on the Safe: no chunk can run (GS104). Propose enabling it with \
                     `coffer payout enable-module {}`",
                    file.safe
                ),
            );
        }
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
        let unknown = AssetUnits::Unverified { claimed_decimals: None, claimed_symbol: None };
        for c in &state.caps {
            let unit = units.get(&c.token).unwrap_or(&unknown);
            f.add(
                "cap",
                format!(
                    "{} spent of {}",
                    unit.format(c.token, c.spent),
                    unit.format(c.token, c.cap)
                ),
            );
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
    fn pending_ranges() {
        assert_eq!(ranges(&[]), "none");
        assert_eq!(ranges(&[0, 1, 2, 3, 7, 9, 10]), "0-3, 7, 9-10");
    }
}

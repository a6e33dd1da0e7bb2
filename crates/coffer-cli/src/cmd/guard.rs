//! `coffer guard allowlist show | add | remove | install | uninstall`: coffer's `CofferAllowlistGuard` on a
//! Safe. Every change is a Safe tx proposed through the normal propose/sign/execute flow (`submit` and its
//! signing gate, which shows the decoded effect). Logic lives in `coffer_chain::guard`; this file parses, calls
//! and prints.

use alloy::{primitives::Address, providers::DynProvider};
use clap::{Args, Subcommand};
use coffer_chain::{
    SafeInfo,
    guard::{self, GuardList},
    read_safe,
};
use coffer_core::SafeTx;
use serde_json::json;

use crate::{
    exit::bad_input,
    flow::{Prepared, print_proposal},
    opts::{RpcOpts, SafeTxArgs, sending_key},
    output::{Fields, Table, print_json},
    parse,
    parse::duration,
    view::modules::list_json,
    view::time::human,
};

/// Transaction guards.
#[derive(Debug, Subcommand)]
pub(crate) enum GuardCmd {
    /// The allowlist guard: the Safe may only call listed targets and delegatecall listed libraries.
    #[command(subcommand)]
    Allowlist(AllowlistCmd),
}

impl GuardCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Allowlist(c) => c.run().await,
        }
    }
}

/// `coffer guard allowlist …`.
#[derive(Debug, Subcommand)]
pub(crate) enum AllowlistCmd {
    /// Show the guard's list, read from the chain: each target, what is allowed and what is pending.
    Show(ShowArgs),
    /// Propose the Safe tx that schedules a target, a selector or a delegatecall library (in force after the
    /// guard's delay).
    Add(ChangeArgs),
    /// Propose the Safe tx that removes a target or one selector (in force at once).
    Remove(ChangeArgs),
    /// Deploy a guard for the Safe (or take --guard) and propose the Safe tx that installs it.
    Install(InstallArgs),
    /// Propose the Safe tx that removes the guard (setGuard(0), always allowed by the guard).
    Uninstall(UninstallArgs),
}

impl AllowlistCmd {
    async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Show(a) => a.run().await,
            Self::Add(a) => a.run(true).await,
            Self::Remove(a) => a.run(false).await,
            Self::Install(a) => a.run().await,
            Self::Uninstall(a) => a.run().await,
        }
    }
}

/// The Safe and, optionally, the guard.
#[derive(Debug, Args)]
struct Target {
    /// The Safe.
    #[arg(long)]
    safe: String,
    /// The CofferAllowlistGuard (default: the guard installed on the Safe).
    #[arg(long)]
    guard: Option<String>,
}

impl Target {
    async fn resolve(&self, provider: &DynProvider) -> eyre::Result<(SafeInfo, GuardList)> {
        let safe = parse::address("--safe", &self.safe)?;
        let info = read_safe(provider, safe).await?;
        let address = match &self.guard {
            Some(g) => parse::address("--guard", g)?,
            None if info.guard.is_zero() => {
                return Err(bad_input(format!(
                    "the Safe {safe} has no guard installed; pass --guard, or deploy and install one with `coffer guard allowlist install`"
                )));
            }
            None => info.guard,
        };
        let list = guard::check_guard_for(provider, address, safe).await?;
        Ok((info, list))
    }
}

/// Arguments of `guard allowlist show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    #[command(flatten)]
    target: Target,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
}

impl ShowArgs {
    async fn run(self) -> eyre::Result<()> {
        let provider = self.rpc.provider()?;
        self.rpc.chain_id(&provider).await?;
        let (info, list) = self.target.resolve(&provider).await?;
        let installed = info.guard == list.guard;
        if self.json {
            let mut v = list_json(&list, installed);
            v["moduleBypass"] = json!(module_bypass(&info));
            return print_json(&v);
        }
        let mut f = Fields::default();
        f.add("guard", list.guard)
            .add("installed on the Safe", if installed { "yes" } else { "no" })
            .add("delay on additions", human(list.delay));
        if let Some(w) = module_bypass(&info) {
            f.add("warning", w);
        }
        f.print();
        if list.entries.is_empty() {
            println!(
                "empty list: the Safe may only call itself (owners, threshold, setGuard) and the guard"
            );
            return Ok(());
        }
        let mut table = Table::new(&["target", "call", "any function", "ETH", "delegatecall"]);
        for e in &list.entries {
            table.row(vec![
                e.target.to_string(),
                e.call.describe(),
                e.any_selector.describe(),
                e.value.describe(),
                e.delegate_call.describe(),
            ]);
        }
        table.print();
        for e in &list.entries {
            for (s, eff) in &e.selectors {
                println!("{} function {s}: {}", e.target, eff.describe());
            }
        }
        Ok(())
    }
}

/// The warning about modules, which a 1.3.0/1.4.1 transaction guard does not see.
pub(crate) fn module_bypass(info: &SafeInfo) -> Option<String> {
    if info.modules.is_empty() {
        return None;
    }
    Some(format!(
        "{} enabled module(s) execute without the transaction guard on Safe 1.3.0/1.4.1: the allowlist does not bind them",
        info.modules.len()
    ))
}

/// Arguments of `guard allowlist add` and `remove`.
#[derive(Debug, Args)]
pub(crate) struct ChangeArgs {
    #[command(flatten)]
    target: Target,
    /// The target contract or account (or, with --delegatecall, the library).
    #[arg(long)]
    to: String,
    /// One function, as 0x and 8 hex digits, a signature like `transfer(address,uint256)`, or `empty` (plain
    /// ETH transfers). add: the target must be added first (without --selector).
    #[arg(long)]
    selector: Option<String>,
    /// add: allow every function of the target (an unscoped target).
    #[arg(long)]
    any_function: bool,
    /// add: allow sending ETH with the calls.
    #[arg(long)]
    value: bool,
    /// add: allow DELEGATECALL to this library (e.g. MultiSendCallOnly).
    #[arg(long)]
    delegatecall: bool,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl ChangeArgs {
    async fn run(self, add: bool) -> eyre::Result<()> {
        let to = parse::address("--to", &self.to)?;
        let selector = self.selector.as_deref().map(guard::parse_selector).transpose()?;
        let flags = self.any_function || self.value || self.delegatecall;
        if selector.is_some() && flags {
            return Err(bad_input(
                "--selector cannot be combined with --any-function, --value or --delegatecall: propose them one at a time",
            ));
        }
        if !add && flags {
            return Err(bad_input(
                "remove takes --to (every permission of the target) or --to and --selector",
            ));
        }
        let provider = self.tx.rpc.provider()?;
        self.tx.rpc.chain_id(&provider).await?;
        let (info, list) = self.target.resolve(&provider).await?;
        let entry = list.entries.iter().find(|e| e.target == to);
        let prepared = self.tx.prepare(&info, true).await?;
        let nonce = prepared.nonce;
        let g = list.guard;
        let (tx, label): (SafeTx, String) = match (add, selector) {
            (true, Some(s)) => {
                if !entry.is_some_and(|e| e.call.is_on()) {
                    return Err(bad_input(format!(
                        "{to} is not on the list: add the target first (`coffer guard allowlist add --to {to}`), then its functions"
                    )));
                }
                (
                    guard::allow_selector_tx(g, to, s, nonce),
                    format!("allowlist: allow function {s} on {to} after {}", human(list.delay)),
                )
            }
            (true, None) if self.delegatecall => (
                guard::allow_delegate_call_tx(g, to, nonce),
                format!("allowlist: allow DELEGATECALL to {to} after {}", human(list.delay)),
            ),
            (true, None) => (
                guard::allow_target_tx(g, to, self.any_function, self.value, nonce),
                format!(
                    "allowlist: allow calls to {to}{}{} after {}",
                    if self.any_function { " (any function)" } else { " (listed functions)" },
                    if self.value { " with ETH" } else { "" },
                    human(list.delay)
                ),
            ),
            (false, Some(s)) => (
                guard::remove_selector_tx(g, to, s, nonce),
                format!("allowlist: remove function {s} of {to} (at once)"),
            ),
            (false, None) => {
                if entry.is_none() {
                    return Err(bad_input(format!("{to} is not on the guard's list")));
                }
                (guard::remove_target_tx(g, to, nonce), format!("allowlist: remove {to} (at once)"))
            }
        };
        let origin = if add { "guard allowlist add" } else { "guard allowlist remove" };
        propose(&provider, &self.tx, &prepared, &info, &tx, label, origin, g).await
    }
}

/// Proposes a Safe tx on the guard through the shared flow ([`SafeTxArgs::submit`]).
#[allow(clippy::too_many_arguments)]
async fn propose(
    provider: &DynProvider,
    args: &SafeTxArgs,
    prepared: &Prepared,
    info: &SafeInfo,
    tx: &SafeTx,
    label: String,
    origin: &str,
    guard_address: Address,
) -> eyre::Result<()> {
    let json_out = args.json;
    if !json_out {
        eprintln!("{label}");
        if let Some(w) = module_bypass(info) {
            eprintln!("warning: {w}");
        }
    }
    let (hash, mut v) =
        args.submit(provider, prepared, info, tx, Some(label), Some(origin)).await?;
    v["guard"] = json!(guard_address);
    print_proposal(hash, &v, json_out)
}

/// Arguments of `guard allowlist install`.
#[derive(Debug, Args)]
pub(crate) struct InstallArgs {
    /// The Safe.
    #[arg(long)]
    safe: String,
    /// An already deployed CofferAllowlistGuard for this Safe (default: deploy a new one).
    #[arg(long)]
    guard: Option<String>,
    /// When deploying: how long an addition to the list waits before it is in force (e.g. 2d, 24h).
    #[arg(long, default_value = "2d")]
    delay: String,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl InstallArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("--safe", &self.safe)?;
        let delay = duration("--delay", &self.delay)?;
        let given = self.guard.as_deref().map(|g| parse::address("--guard", g)).transpose()?;
        let provider = self.tx.rpc.provider()?;
        self.tx.rpc.chain_id(&provider).await?;
        let info = read_safe(&provider, safe).await?;
        // The nonce and (with --tx-service) the proposer are settled before anything is deployed.
        let prepared = self.tx.prepare(&info, true).await?;
        let address = match given {
            Some(g) => g,
            None => {
                let signer = self.tx.wallet.signer().await?;
                let key = sending_key(&signer)?;
                let from = key.address();
                let sending = self.tx.rpc.signing_provider(key)?;
                let g = guard::deploy_allowlist_guard(&sending, from, safe, delay).await?;
                if !self.tx.json {
                    eprintln!("deployed CofferAllowlistGuard for {safe} at {g}");
                }
                g
            }
        };
        let list = guard::check_guard_for(&provider, address, safe).await?;
        let mut warnings = Vec::new();
        if list.entries.iter().all(|e| !e.call.is_active() && !e.delegate_call.is_active()) {
            warnings.push("nothing on the list is in force yet: once installed, the Safe can only manage its owners, threshold, guard and the list until additions take effect".to_owned());
        }
        if let Some(w) = module_bypass(&info) {
            warnings.push(w);
        }
        if !self.tx.json {
            for w in &warnings {
                eprintln!("warning: {w}");
            }
        }
        let nonce = prepared.nonce;
        let tx = guard::install_tx(&info, address, nonce)?;
        let label = format!("install allowlist guard {address} (delay {})", human(list.delay));
        let (hash, mut v) = self
            .tx
            .submit(&provider, &prepared, &info, &tx, Some(label), Some("guard allowlist install"))
            .await?;
        v["guard"] = json!(address);
        v["warnings"] = json!(warnings);
        print_proposal(hash, &v, self.tx.json)
    }
}

/// Arguments of `guard allowlist uninstall`.
#[derive(Debug, Args)]
pub(crate) struct UninstallArgs {
    /// The Safe.
    #[arg(long)]
    safe: String,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl UninstallArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("--safe", &self.safe)?;
        let provider = self.tx.rpc.provider()?;
        self.tx.rpc.chain_id(&provider).await?;
        let info = read_safe(&provider, safe).await?;
        if info.guard.is_zero() {
            return Err(bad_input(format!("the Safe {safe} has no guard to uninstall")));
        }
        let prepared = self.tx.prepare(&info, true).await?;
        let nonce = prepared.nonce;
        let tx = guard::uninstall_tx(&info, nonce)?;
        let label = format!("remove the transaction guard {}", info.guard);
        let g = info.guard;
        propose(&provider, &self.tx, &prepared, &info, &tx, label, "guard allowlist uninstall", g)
            .await
    }
}

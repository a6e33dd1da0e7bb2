//! `coffer recovery …`: social recovery (coffer's CofferSocialRecoveryModule or a canonical
//! Candide SocialRecoveryModule). Parses, calls `coffer_chain::recovery`, prints. Safe-side
//! changes (setup, guardians, threshold, cancel) are Safe transactions proposed through the normal
//! flow (`tx propose`'s `submit`, so the signing gate reviews them); owners then `coffer tx sign`
//! and `coffer tx execute` them. Guardians confirm with any signer, on chain or into a file.

use std::path::PathBuf;

use alloy::{
    primitives::{Address, U256},
    providers::DynProvider,
};
use clap::{Args, Subcommand};
use coffer_chain::{
    SafeInfo, read_safe,
    recovery::{self, GuardianSignature, RecoveryStatus},
};
use coffer_core::{
    SafeTx,
    recovery::{RecoveryMessage, recovery_domain_separator},
};
use coffer_signer::WalletOpts;
use serde_json::{Value, json};

use crate::{
    exit::bad_input,
    flow::print_proposal,
    opts::{RpcOpts, SafeTxArgs, sending_key},
    output::{Fields, print_json, with_spinner},
    parse,
    parse::duration,
    view::modules::{period_text, recovery_status_json},
    view::time::{human, latest_time, utc},
};

/// `coffer recovery …`.
#[derive(Debug, Subcommand)]
pub(crate) enum RecoveryCmd {
    /// Recovery with veto in one Safe tx: deploy the module for --delay (idempotent), then
    /// propose enabling it with the guardians and their threshold.
    Setup(Box<SetupArgs>),
    /// Show the guardians, their threshold, the recovery delay and a pending recovery with its
    /// time left.
    Status(StatusArgs),
    /// Propose the Safe tx that adds a guardian (enabling the module first when needed).
    AddGuardian(Box<GuardianArgs>),
    /// Propose the Safe tx that removes a guardian.
    RemoveGuardian(Box<GuardianArgs>),
    /// Propose the Safe tx that sets the guardians' threshold.
    SetThreshold(Box<ThresholdArgs>),
    /// Propose the Safe tx that cancels the pending recovery (the owners' veto).
    Cancel(Box<OwnerArgs>),
    /// A guardian confirms a recovery (EIP-712): sent on chain, or written to --out for
    /// `execute --signatures`.
    Confirm(Box<ConfirmArgs>),
    /// Start the recovery delay once the guardians' threshold is met (submitting offline
    /// confirmations from --signatures files).
    Execute(Box<ExecuteArgs>),
    /// Replace the owners once the recovery delay has passed.
    Finalize(Box<FinalizeArgs>),
}

impl RecoveryCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Setup(a) => a.run().await,
            Self::Status(a) => a.run().await,
            Self::AddGuardian(a) => a.run(true).await,
            Self::RemoveGuardian(a) => a.run(false).await,
            Self::SetThreshold(a) => a.run().await,
            Self::Cancel(a) => a.run().await,
            Self::Confirm(a) => a.run().await,
            Self::Execute(a) => a.run().await,
            Self::Finalize(a) => a.run().await,
        }
    }
}

/// The Safe and its recovery module.
#[derive(Debug, Args)]
struct Target {
    /// The Safe.
    safe: String,
    /// The recovery module (default: the one recovery module enabled on the Safe).
    #[arg(long)]
    module: Option<String>,
}

impl Target {
    async fn read(&self, provider: &DynProvider) -> eyre::Result<(SafeInfo, RecoveryStatus)> {
        let safe = parse::address("SAFE", &self.safe)?;
        let info = read_safe(provider, safe).await?;
        let status = match &self.module {
            Some(m) => {
                recovery::read_recovery(provider, parse::address("--module", m)?, &info).await?
            }
            None => {
                let mut all = recovery::recoveries_of(provider, &info).await;
                if all.len() != 1 {
                    return Err(bad_input(format!(
                        "{} recovery module(s) are enabled on {safe}: name one with --module ADDRESS (or set one up with `coffer recovery setup`)",
                        all.len()
                    )));
                }
                all.remove(0)
            }
        };
        Ok((info, status))
    }
}

/// The preview of a request: current owners and threshold (from the chain) against the new ones.
fn preview_request(info: &SafeInfo, new_owners: &[Address], new_threshold: u64) {
    eprintln!(
        "Safe {}: now {} of {} owners (read from the chain)",
        info.address,
        info.threshold,
        info.owners.len()
    );
    for o in &info.owners {
        let mark = if new_owners.contains(o) { "stays" } else { "REMOVED" };
        eprintln!("  owner {o}  {mark}");
    }
    eprintln!("after the recovery: {new_threshold} of {} owners", new_owners.len());
    for o in new_owners {
        let mark = if info.owners.contains(o) { "stays" } else { "NEW" };
        eprintln!("  owner {o}  {mark}");
    }
}

/// Arguments of `recovery status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    target: Target,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
}

impl StatusArgs {
    async fn run(self) -> eyre::Result<()> {
        let provider = self.rpc.provider()?;
        let (_, s) = self.target.read(&provider).await?;
        let period = recovery::recovery_period(&provider, s.module).await?;
        let now = latest_time(&provider).await?;
        if self.json {
            return print_json(&recovery_status_json(&s, period, now));
        }
        let mut f = Fields::default();
        f.add("module", s.module)
            .add("safe", s.wallet)
            .add("enabled on Safe", s.enabled)
            .add("recovery delay", period_text(period))
            .add("threshold", format!("{} of {} guardians", s.threshold, s.guardians.len()))
            .add(
                "guardians",
                if s.guardians.is_empty() {
                    "none".to_owned()
                } else {
                    s.guardians.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
                },
            )
            .add("nonce", s.nonce);
        match &s.pending {
            None => {
                f.add("pending", "none");
            }
            Some(p) => {
                let left = if p.execute_after > now {
                    format!("in {}", human(p.execute_after - now))
                } else {
                    "now".to_owned()
                };
                f.add(
                    "pending",
                    format!(
                        "{} of {} owners, approved by {} guardian(s)",
                        p.new_threshold,
                        p.new_owners.len(),
                        p.approvals
                    ),
                )
                .add(
                    "new owners",
                    p.new_owners.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
                )
                .add("finalizable", format!("{} ({left})", utc(p.execute_after)))
                .add("veto", format!("`coffer recovery cancel {}`", s.wallet));
            }
        }
        f.print();
        if !s.enabled {
            eprintln!("warning: the module is not enabled on the Safe: a recovery cannot run");
        }
        Ok(())
    }
}

/// Proposes a Safe tx on the recovery `module` through the shared flow ([`SafeTxArgs::propose`]).
async fn propose(
    provider: &DynProvider,
    tx: &SafeTxArgs,
    info: &SafeInfo,
    module: Address,
    label: String,
    build: impl FnOnce(U256) -> coffer_chain::Result<SafeTx>,
) -> eyre::Result<(alloy::primitives::B256, Value)> {
    let (hash, mut v) = tx.propose(provider, info, label, "recovery", |n| Ok(build(n)?)).await?;
    v["module"] = json!(module);
    Ok((hash, v))
}

/// Arguments of `recovery setup`.
#[derive(Debug, Args)]
pub(crate) struct SetupArgs {
    /// The Safe.
    safe: String,
    /// A guardian (not an owner); repeat for more.
    #[arg(long = "guardian", required = true)]
    guardians: Vec<String>,
    /// How many guardians must confirm a recovery.
    #[arg(long)]
    threshold: String,
    /// The recovery delay the owners have to see and cancel a recovery: e.g. 3d, 14d.
    #[arg(long)]
    delay: String,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl SetupArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let guardians = self
            .guardians
            .iter()
            .map(|g| parse::address("--guardian", g))
            .collect::<eyre::Result<Vec<_>>>()?;
        let threshold = parse::count("--threshold", &self.threshold)?;
        let period = duration("--delay", &self.delay)?;
        if period == 0 {
            return Err(bad_input(
                "--delay 0 leaves the owners no time to cancel a recovery: give e.g. 3d",
            ));
        }
        let provider = self.tx.rpc.provider()?;
        let info = read_safe(&provider, safe).await?;
        // The nonce and (with --tx-service) the proposer are settled before anything is deployed.
        let prepared = self.tx.prepare(&info, true).await?;
        let suite = self.tx.suite.addresses(&provider).await?;
        // Refuse bad guardians before deploying anything.
        let probe = Address::repeat_byte(0xee);
        recovery::setup_tx(&info, probe, &guardians, threshold, probe, U256::ZERO)?;
        let mut warnings = Vec::new();
        if period < 86_400 {
            warnings.push(format!(
                "the recovery delay {} is shorter than a day: the owners must see and cancel a recovery within it",
                human(period)
            ));
        }
        if threshold == 1 && guardians.len() > 1 {
            warnings.push("a threshold of 1: any single guardian can start a recovery".to_owned());
        }
        let signer = self.tx.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        let sending = self.tx.rpc.signing_provider(key)?;
        let module = with_spinner(
            "deploying CofferSocialRecoveryModule",
            recovery::deploy_recovery_module(&sending, from, period),
        )
        .await?;
        if !self.tx.json {
            eprintln!(
                "recovery module {module} (delay {}); the Safe tx below enables it with {} guardian(s), threshold {threshold}:",
                human(period),
                guardians.len()
            );
            for w in &warnings {
                eprintln!("warning: {w}");
            }
        }
        let label =
            format!("recovery setup: {} guardian(s), threshold {threshold}", guardians.len());
        let msco = suite.multi_send_call_only;
        let tx = recovery::setup_tx(&info, module, &guardians, threshold, msco, prepared.nonce)?;
        let (hash, mut v) =
            self.tx.submit(&provider, &prepared, &info, &tx, Some(label), Some("recovery")).await?;
        v["module"] = json!(module);
        v["recoveryPeriod"] = json!(period);
        v["guardians"] = json!(guardians);
        v["threshold"] = json!(threshold);
        v["warnings"] = json!(warnings);
        print_proposal(hash, &v, self.tx.json)
    }
}

/// Arguments of `recovery add-guardian` / `remove-guardian`.
#[derive(Debug, Args)]
pub(crate) struct GuardianArgs {
    #[command(flatten)]
    target: Target,
    /// The guardian.
    guardian: String,
    /// The guardians' threshold after the change (default: unchanged, capped to the new count).
    #[arg(long)]
    threshold: Option<String>,
    #[command(flatten)]
    opts: SafeTxArgs,
}

impl GuardianArgs {
    async fn run(self, add: bool) -> eyre::Result<()> {
        let g = parse::address("GUARDIAN", &self.guardian)?;
        let t = self.threshold.as_deref().map(|t| parse::count("--threshold", t)).transpose()?;
        let provider = self.opts.rpc.provider()?;
        let (info, s) = self.target.read(&provider).await?;
        let count = s.guardians.len() as u64;
        let threshold = if add {
            t.unwrap_or(s.threshold.max(1))
        } else {
            t.unwrap_or(s.threshold.min(count.saturating_sub(1)))
        };
        let msco = self.opts.suite.addresses(&provider).await?.multi_send_call_only;
        let label = format!(
            "{} recovery guardian {g} (threshold {threshold})",
            if add { "add" } else { "remove" }
        );
        if !self.opts.json {
            eprintln!(
                "guardians now {} (threshold {}); after: {} (threshold {threshold})",
                count,
                s.threshold,
                if add { count + 1 } else { count.saturating_sub(1) }
            );
        }
        let (hash, v) = propose(&provider, &self.opts, &info, s.module, label, |n| {
            if !add {
                recovery::revoke_guardian_tx(&s, g, threshold, n)
            } else if s.enabled {
                recovery::add_guardian_tx(&info, &s, g, threshold, n)
            } else {
                // Not enabled yet: enable + add in one MultiSendCallOnly batch.
                recovery::add_guardian_tx(&info, &s, g, threshold, n)?;
                recovery::setup_tx(&info, s.module, &[g], threshold.min(1), msco, n)
            }
        })
        .await?;
        print_proposal(hash, &v, self.opts.json)
    }
}

/// Arguments of `recovery set-threshold`.
#[derive(Debug, Args)]
pub(crate) struct ThresholdArgs {
    #[command(flatten)]
    target: Target,
    /// The guardians' new threshold.
    threshold: String,
    #[command(flatten)]
    opts: SafeTxArgs,
}

impl ThresholdArgs {
    async fn run(self) -> eyre::Result<()> {
        let t = parse::count("THRESHOLD", &self.threshold)?;
        let provider = self.opts.rpc.provider()?;
        let (info, s) = self.target.read(&provider).await?;
        let label = format!("recovery guardians' threshold {} -> {t}", s.threshold);
        let (hash, v) = propose(&provider, &self.opts, &info, s.module, label, |n| {
            recovery::change_threshold_tx(&s, t, n)
        })
        .await?;
        print_proposal(hash, &v, self.opts.json)
    }
}

/// Arguments of `recovery cancel`.
#[derive(Debug, Args)]
pub(crate) struct OwnerArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    opts: SafeTxArgs,
}

impl OwnerArgs {
    async fn run(self) -> eyre::Result<()> {
        let provider = self.opts.rpc.provider()?;
        let (info, s) = self.target.read(&provider).await?;
        if let (Some(p), false) = (&s.pending, self.opts.json) {
            eprintln!("cancelling the pending recovery (read from the chain):");
            preview_request(&info, &p.new_owners, p.new_threshold);
        }
        let label = "cancel the pending recovery".to_owned();
        let (hash, v) =
            propose(&provider, &self.opts, &info, s.module, label, |n| recovery::cancel_tx(&s, n))
                .await?;
        print_proposal(hash, &v, self.opts.json)
    }
}

/// The request: new owners and threshold.
#[derive(Debug, Args)]
struct RequestOpts {
    /// An owner after the recovery, in order; repeat for each.
    #[arg(long = "new-owner")]
    new_owners: Vec<String>,
    /// The Safe's threshold after the recovery.
    #[arg(long)]
    new_threshold: Option<String>,
}

impl RequestOpts {
    fn parse(&self) -> eyre::Result<Option<(Vec<Address>, u64)>> {
        if self.new_owners.is_empty() && self.new_threshold.is_none() {
            return Ok(None);
        }
        let Some(t) = &self.new_threshold else {
            return Err(bad_input("--new-owner needs --new-threshold N"));
        };
        if self.new_owners.is_empty() {
            return Err(bad_input("--new-threshold needs at least one --new-owner"));
        }
        let owners = self
            .new_owners
            .iter()
            .map(|o| parse::address("--new-owner", o))
            .collect::<eyre::Result<Vec<_>>>()?;
        Ok(Some((owners, parse::count("--new-threshold", t)?)))
    }
}

/// The request recomputed from the chain (nonce, digest checked with `getRecoveryHash`).
async fn message(
    provider: &DynProvider,
    info: &SafeInfo,
    s: &RecoveryStatus,
    owners: Vec<Address>,
    threshold: u64,
) -> eyre::Result<(RecoveryMessage, alloy::primitives::B256)> {
    for o in &owners {
        if s.guardians.contains(o) {
            return Err(bad_input(format!(
                "new owner {o} is a guardian: the module refuses to finalize such a recovery"
            )));
        }
    }
    Ok(recovery::recovery_message(provider, s.module, info.address, owners, threshold).await?)
}

/// Arguments of `recovery confirm`.
#[derive(Debug, Args)]
pub(crate) struct ConfirmArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    request: RequestOpts,
    /// Write the signed confirmation to FILE (for `recovery execute --signatures`) instead of
    /// sending it on chain.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    /// The guardian's wallet.
    #[command(flatten)]
    wallet: WalletOpts,
}

impl ConfirmArgs {
    async fn run(self) -> eyre::Result<()> {
        let Some((owners, threshold)) = self.request.parse()? else {
            return Err(bad_input(
                "name the request: --new-owner A [--new-owner B …] --new-threshold N",
            ));
        };
        if let Some(out) = &self.out
            && out.exists()
        {
            return Err(bad_input(format!(
                "{} exists: choose another --out file (confirmations are never overwritten)",
                out.display()
            )));
        }
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        let (info, s) = self.target.read(&provider).await?;
        let (msg, digest) = message(&provider, &info, &s, owners, threshold).await?;
        let signer = self.wallet.signer().await?;
        let guardian = signer.address();
        if !s.guardians.contains(&guardian) {
            return Err(bad_input(format!(
                "{guardian} is not a guardian of {} on module {}",
                info.address, s.module
            )));
        }
        if !self.json {
            eprintln!("guardian {guardian} confirms a recovery of Safe {}:", info.address);
            preview_request(&info, &msg.new_owners, threshold);
            eprintln!(
                "module {} nonce {}; EIP-712 digest {digest} (matches the module's getRecoveryHash)",
                s.module, msg.nonce
            );
        }
        let Some(out) = &self.out else {
            let key = sending_key(&signer)?;
            let sending = self.rpc.signing_provider(key)?;
            let tx = with_spinner(
                "sending confirmRecovery",
                recovery::confirm(&sending, s.module, guardian, &msg, false),
            )
            .await?;
            if self.json {
                return print_json(&json!({ "guardian": guardian, "digest": digest, "tx": tx }));
            }
            println!("{tx}");
            return Ok(());
        };
        let domain = recovery_domain_separator(chain_id, s.module);
        let typed = msg.typed_data_json(chain_id, s.module);
        if !self.json {
            eprintln!("domain hash {domain}\nmessage hash {}", msg.struct_hash());
        }
        let sig = signer.sign_typed_digest(&typed, domain, msg.struct_hash(), digest).await?;
        if !self.json && !sig.device_method.is_empty() {
            eprintln!("signed on the device: {}", sig.device_method);
        }
        let file = GuardianSignature {
            chain_id,
            module: s.module,
            wallet: info.address,
            new_owners: msg.new_owners.clone(),
            new_threshold: threshold,
            nonce: msg.nonce,
            digest,
            signer: guardian,
            signature: sig.bytes.to_vec().into(),
        };
        let text = serde_json::to_string_pretty(&file)?;
        let tmp = out.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, out)?;
        if self.json {
            return print_json(&json!({ "guardian": guardian, "digest": digest, "file": out }));
        }
        println!("{}", out.display());
        Ok(())
    }
}

/// Arguments of `recovery execute`.
#[derive(Debug, Args)]
pub(crate) struct ExecuteArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    request: RequestOpts,
    /// Offline confirmations written by `recovery confirm --out`.
    #[arg(long, num_args = 1..)]
    signatures: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    /// The wallet that sends the transaction (anyone may).
    #[command(flatten)]
    wallet: WalletOpts,
}

impl ExecuteArgs {
    async fn run(self) -> eyre::Result<()> {
        let mut files = Vec::new();
        for p in &self.signatures {
            let text = std::fs::read_to_string(p)
                .map_err(|e| bad_input(format!("cannot read {}: {e}", p.display())))?;
            let f: GuardianSignature = serde_json::from_str(&text).map_err(|e| {
                bad_input(format!("{} is not a guardian confirmation file: {e}", p.display()))
            })?;
            files.push(f);
        }
        let (owners, threshold) = match (self.request.parse()?, files.first()) {
            (Some(r), _) => r,
            (None, Some(f)) => (f.new_owners.clone(), f.new_threshold),
            (None, None) => {
                return Err(bad_input(
                    "name the request (--new-owner … --new-threshold N) or give --signatures FILE…",
                ));
            }
        };
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        let (info, s) = self.target.read(&provider).await?;
        let (msg, digest) = message(&provider, &info, &s, owners, threshold).await?;
        let mut sigs = Vec::new();
        for f in &files {
            f.check(chain_id, s.module, &msg)?;
            if !s.guardians.contains(&f.signer) {
                return Err(bad_input(format!(
                    "{} is not a guardian of {}",
                    f.signer, info.address
                )));
            }
            sigs.push((f.signer, f.signature.clone()));
        }
        let m = coffer_contracts::bindings::ISocialRecovery::new(s.module, &provider);
        let approved = m
            .getRecoveryApprovals(info.address, msg.new_owners.clone(), msg.new_threshold)
            .call()
            .await?;
        let mut approvers = Vec::new();
        for g in &s.guardians {
            let on_chain = m
                .hasGuardianApproved(info.address, *g, msg.new_owners.clone(), msg.new_threshold)
                .call()
                .await?;
            if on_chain || sigs.iter().any(|(a, _)| a == g) {
                approvers.push(*g);
            }
        }
        if !self.json {
            eprintln!("starting the recovery delay of Safe {}:", info.address);
            preview_request(&info, &msg.new_owners, threshold);
            eprintln!(
                "digest {digest}; approvals: {approved} on chain + {} file(s) = {} of {} needed",
                sigs.len(),
                approvers.len(),
                s.threshold
            );
        }
        if (approvers.len() as u64) < s.threshold {
            return Err(bad_input(format!(
                "only {} of the {} guardian confirmations needed: collect more (`coffer recovery confirm`)",
                approvers.len(),
                s.threshold
            )));
        }
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        let sending = self.rpc.signing_provider(key)?;
        let tx = if sigs.is_empty() {
            with_spinner("executeRecovery", recovery::execute(&sending, s.module, from, &msg))
                .await?
        } else {
            with_spinner(
                "multiConfirmRecovery (execute)",
                recovery::multi_confirm(&sending, s.module, from, &msg, sigs, true),
            )
            .await?
        };
        let (_, st) = self.target.read(&provider).await?;
        let after = st.pending.as_ref().map(|p| p.execute_after);
        if self.json {
            return print_json(&json!({ "tx": tx, "digest": digest, "executeAfter": after }));
        }
        if let Some(a) = after {
            eprintln!(
                "recovery started: finalizable from {}; the owners can cancel until then (`coffer recovery cancel {}`)",
                utc(a),
                info.address
            );
        }
        println!("{tx}");
        Ok(())
    }
}

/// Arguments of `recovery finalize`.
#[derive(Debug, Args)]
pub(crate) struct FinalizeArgs {
    #[command(flatten)]
    target: Target,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    /// The wallet that sends the transaction (anyone may).
    #[command(flatten)]
    wallet: WalletOpts,
}

impl FinalizeArgs {
    async fn run(self) -> eyre::Result<()> {
        let provider = self.rpc.provider()?;
        let (info, s) = self.target.read(&provider).await?;
        let Some(p) = &s.pending else {
            return Err(bad_input(format!(
                "no recovery is pending for {} on {}: nothing to finalize",
                info.address, s.module
            )));
        };
        let now = latest_time(&provider).await?;
        if !self.json {
            eprintln!("finalizing the recovery of Safe {} (read from the chain):", info.address);
            preview_request(&info, &p.new_owners, p.new_threshold);
        }
        if now < p.execute_after {
            return Err(eyre::eyre!(
                "the recovery delay has not passed: finalizable from {} (in {}); the owners can still cancel it",
                utc(p.execute_after),
                human(p.execute_after - now)
            ));
        }
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        let sending = self.rpc.signing_provider(key)?;
        let tx = with_spinner(
            "finalizeRecovery",
            recovery::finalize(&sending, s.module, from, info.address),
        )
        .await?;
        let after = read_safe(&provider, info.address).await?;
        if self.json {
            return print_json(&json!({
                "tx": tx,
                "owners": after.owners,
                "threshold": after.threshold,
            }));
        }
        eprintln!(
            "owners now ({} of {}): {}",
            after.threshold,
            after.owners.len(),
            after.owners.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        );
        println!("{tx}");
        Ok(())
    }
}

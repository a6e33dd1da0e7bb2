//! `coffer drill start | sign | check | status` (issue 18): every owner proves that their key still
//! signs, and the Safe itself (by `eth_call` to `checkNSignatures`, no gas, nothing moves) says
//! which combinations of threshold-many owners it accepts. The challenge is a Safe message in the
//! store; each proof is kept per owner (date, signer kind, path) for `drill status`.

use clap::{Args, Subcommand};
use coffer_chain::{
    drill::{DrillFile, check_drill, drill_challenge, drill_nonce, utc_date, utc_date_today},
    read_safe,
};
use coffer_signer::{SigningMode, StderrPreview, WalletOpts, WalletSigner, sign_safe_message};
use coffer_store::signature_kind_name;
use serde_json::json;
use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256};
use coffer_chain::gate::Policy;
use coffer_queue::{
    ExecuteOptions, JournalHandle,
    drill::{propose_transfer, round_trip, transfer_of},
    flow,
    heal::StoreJournal,
};

use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts, SuiteOpts, sending_key},
    output::{Table, print_json, with_spinner, write_atomic},
    parse,
    view::message::message_fields,
    view::tx::{StderrReview, review_text},
};

/// `coffer drill …`
#[derive(Debug, Subcommand)]
pub(crate) enum DrillCmd {
    /// Start a drill: a fresh challenge (the Safe, the date, a random nonce) for every owner to sign.
    Start(StartArgs),
    /// Sign the Safe's current drill challenge as a Safe message, with any wallet (Ledger and
    /// Trezor show the usual preview). Moves nothing.
    Sign(Box<SignArgs>),
    /// Ask the Safe (eth_call to checkNSignatures, no gas) whether every combination of
    /// threshold-many owners who signed is accepted; exit 1 if any is not or too few signed.
    Check(CommonArgs),
    /// List each owner's last drill; exit 1 if any owner was not drilled within --max-age.
    Status(StatusArgs),
    /// Record an owner's signature from a drill file signed offline (`drill sign --offline`),
    /// after checking it against the challenge recomputed from the store and the Safe's owners.
    Import(ImportArgs),
    /// Run the round trip of a drill started with --with-transfer, from the receiving owner's
    /// wallet: execute the Safe's transfer once the threshold has signed (`drill sign`), send the
    /// amount back to the Safe, and check both legs from their receipts and balances (the Safe
    /// ends where it started; the owner pays only gas). Kept in the drill history.
    Transfer(Box<TransferArgs>),
}

/// Arguments of `coffer drill transfer`.
#[derive(Debug, Args)]
pub(crate) struct TransferArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    suite: SuiteOpts,
    /// The receiving owner's wallet: it sends the execution and the transfer back (a local key,
    /// keystore, Ledger or Trezor).
    #[command(flatten)]
    wallet: WalletOpts,
}

/// Arguments of `coffer drill start`.
#[derive(Debug, Args)]
pub(crate) struct StartArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Also write the challenge to this drill file, for an owner who signs on an air-gapped
    /// machine (`coffer drill sign SAFE --offline --bundle FILE`).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also test with a small amount: propose a transfer of AMOUNT (with a unit: 0.001ether,
    /// 1000000gwei) from the Safe to the owner --to, for the owners to sign with `drill sign`;
    /// that owner then runs `drill transfer`, which executes it and sends AMOUNT back. Refused
    /// when the Safe holds less than AMOUNT.
    #[arg(long, value_name = "AMOUNT")]
    with_transfer: Option<String>,
    /// With --with-transfer: the owner who receives the amount and sends it back (default: the
    /// Safe's first owner).
    #[arg(long, value_name = "OWNER", requires = "with_transfer")]
    to: Option<String>,
}

/// Arguments of `coffer drill import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The drill file signed offline.
    file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
}

/// The Safe, the node, the store.
#[derive(Debug, Args)]
pub(crate) struct CommonArgs {
    /// The Safe's address.
    safe: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
}

/// Arguments of `coffer drill sign`.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Sign with eth_sign (a personal message over the Safe message hash) instead of EIP-712.
    #[arg(long)]
    eth_sign: bool,
    /// Sign the challenge in a drill file (--bundle) without touching the chain or the store:
    /// for an owner on an air-gapped machine. The signed file goes back with `drill import`.
    #[arg(long, requires = "bundle")]
    offline: bool,
    /// The drill file to sign (written by `coffer drill start --out`); with --offline.
    #[arg(long, value_name = "FILE", requires = "offline")]
    bundle: Option<PathBuf>,
    /// Where to write the signed drill file (default: over --bundle).
    #[arg(long, value_name = "FILE", requires = "offline")]
    out: Option<PathBuf>,
    #[command(flatten)]
    wallet: WalletOpts,
}

/// Arguments of `coffer drill status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The longest time since an owner's last drill before it is stale: `90d`, `12h` or days.
    #[arg(long, default_value = "90d", value_name = "AGE")]
    max_age: String,
}

impl DrillCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Start(a) => {
                let transfer = a.transfer()?;
                a.common.start(a.out, transfer).await
            }
            Self::Sign(a) => a.run().await,
            Self::Check(a) => a.check().await,
            Self::Status(a) => a.run().await,
            Self::Import(a) => a.run().await,
            Self::Transfer(a) => a.run().await,
        }
    }
}

/// `90d`, `12h`, `30m` or a bare number of days, in milliseconds.
fn parse_age(text: &str) -> eyre::Result<u64> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 'd'),
    };
    let n: u64 = num.parse().map_err(|_| {
        bad_input(format!("--max-age {text:?}: give a number of days, or e.g. 90d, 12h, 30m"))
    })?;
    let unit_ms = match unit {
        'd' => 86_400_000,
        'h' => 3_600_000,
        'm' => 60_000,
        _ => return Err(bad_input(format!("--max-age {text:?}: the unit must be d, h or m"))),
    };
    Ok(n.saturating_mul(unit_ms))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl StartArgs {
    /// `--with-transfer AMOUNT [--to OWNER]`, parsed.
    fn transfer(&self) -> eyre::Result<Option<(U256, Option<Address>)>> {
        let Some(amount) = &self.with_transfer else { return Ok(None) };
        let amount = parse::eth_value("--with-transfer", amount)?;
        let to = self.to.as_deref().map(|t| parse::address("--to", t)).transpose()?;
        Ok(Some((amount, to)))
    }
}

impl CommonArgs {
    async fn start(
        self,
        out: Option<PathBuf>,
        transfer: Option<(U256, Option<Address>)>,
    ) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let store = self.store.open()?;
        let provider = self.rpc.provider()?;
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        let content = drill_challenge(&ctx, &utc_date_today(), drill_nonce());
        let file = out.as_ref().map(|_| DrillFile::new(&ctx, &content)).transpose()?;
        // The transfer is proposed (or refused) before the drill is stored: a refusal leaves nothing.
        let proposed = match transfer {
            Some((amount, to)) => {
                let to = to.or_else(|| info.owners.first().copied()).unwrap_or_default();
                let challenge = content.safe_message_hash(&ctx)?;
                let p = propose_transfer(&provider, &store, &info, challenge, to, amount).await?;
                if !self.json {
                    let stored = store.proposal(p.safe_tx_hash)?;
                    eprint!("{}", review_text(&p.review, &stored.tx, 10));
                }
                Some((p.safe_tx_hash, to, amount))
            }
            None => None,
        };
        let hash = store.insert_message(&ctx, &content)?;
        store.insert_drill(ctx.chain_id, safe, hash)?;
        if let (Some(path), Some(file)) = (&out, &file) {
            write_atomic(path, file.to_json()?.as_bytes())?;
            eprintln!("drill file written to {}", path.display());
        }
        if self.json {
            return print_json(&json!({
                "safe": safe,
                "chainId": ctx.chain_id,
                "safeMessageHash": hash,
                "challenge": content.message_bytes()?,
                "owners": info.owners,
                "threshold": info.threshold,
                "transfer": proposed.map(|(h, to, amount)| json!({
                    "safeTxHash": h,
                    "to": to,
                    "amount": amount.to_string(),
                })),
            }));
        }
        println!("{hash}");
        if let Some((h, to, amount)) = proposed {
            eprintln!(
                "drill transfer proposed: {amount} wei from {safe} to {to} ({h}); owners sign it with `coffer drill sign {safe}`, then {to} runs `coffer drill transfer {safe}`"
            );
        }
        eprintln!(
            "drill started for {safe}: each of the {} owners signs it with `coffer drill sign {safe}`, then `coffer drill check {safe}`",
            info.owners.len()
        );
        Ok(())
    }

    async fn check(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let store = self.store.open()?;
        let provider = self.rpc.provider()?;
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        let hash = store.latest_drill(ctx.chain_id, safe)?.ok_or_else(|| {
            bad_input(format!(
                "no drill of {safe} on chain {}: start one with `coffer drill start {safe}`",
                ctx.chain_id
            ))
        })?;
        let message = store.message(hash)?;
        let sigs = store.message_signatures(hash)?;
        let check = check_drill(&provider, &ctx, &message.content, &sigs).await?;
        let failing: Vec<_> = check.combos.iter().filter(|c| c.refusal.is_some()).collect();
        if self.json {
            print_json(&json!({
                "safe": safe,
                "safeMessageHash": hash,
                "threshold": check.threshold,
                "signed": check.signed,
                "missing": check.missing,
                "combinations": check.combos.iter().map(|c| json!({
                    "owners": c.owners,
                    "accepted": c.refusal.is_none(),
                    "refusal": c.refusal,
                })).collect::<Vec<_>>(),
                "passed": check.passed(),
            }))?;
        } else {
            let mut t = Table::new(&["owners", "the Safe says"]);
            for c in &check.combos {
                t.row(vec![
                    c.owners.iter().map(ToString::to_string).collect::<Vec<_>>().join(" + "),
                    c.refusal
                        .clone()
                        .map_or_else(|| "accepted".to_owned(), |r| format!("REFUSED: {r}")),
                ]);
            }
            t.print();
            for m in &check.missing {
                eprintln!("did not sign: {m}");
            }
        }
        if check.signed.len() as u64 >= check.threshold && failing.is_empty() {
            eprintln!(
                "drill passed: {} of {} owners signed; the Safe accepts all {} combinations of {}",
                check.signed.len(),
                info.owners.len(),
                check.combos.len(),
                check.threshold
            );
            Ok(())
        } else if (check.signed.len() as u64) < check.threshold {
            Err(eyre::eyre!(
                "drill failed: only {} owner(s) signed, fewer than the threshold {}",
                check.signed.len(),
                check.threshold
            ))
        } else {
            Err(eyre::eyre!(
                "drill failed: the Safe refuses {} of {} combinations",
                failing.len(),
                check.combos.len()
            ))
        }
    }
}

impl SignArgs {
    async fn run(self) -> eyre::Result<()> {
        if self.offline {
            return self.offline().await;
        }
        let c = &self.common;
        let safe = parse::address("SAFE", &c.safe)?;
        let store = c.store.open()?;
        let provider = c.rpc.provider()?;
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        let hash = store.latest_drill(ctx.chain_id, safe)?.ok_or_else(|| {
            bad_input(format!(
                "no drill of {safe} on chain {}: start one with `coffer drill start {safe}`",
                ctx.chain_id
            ))
        })?;
        let message = store.message(hash)?;
        let signer = self.wallet.signer().await?;
        let me = signer.address();
        if !info.is_owner(me) {
            return Err(bad_input(format!(
                "{me} is not an owner of Safe {safe}; only owners take part in its drill"
            )));
        }
        eprintln!("Drill challenge (a Safe message; signing it moves nothing):");
        eprint!("{}", message_fields(&ctx, &message.content)?.render());
        let mode = if self.eth_sign { SigningMode::EthSign } else { SigningMode::Eip712 };
        let sig =
            sign_safe_message(&signer, &ctx, &message.content, mode, &mut StderrPreview).await?;
        if !store.message_signatures(hash)?.iter().any(|s| s.owner == me) {
            store.add_message_signature(hash, &sig)?;
        }
        let kind = signer.kind().to_string();
        let path = signer.derivation_path();
        store.record_drill_signature(hash, me, &kind, path.as_deref())?;
        let transfer = self.sign_transfer(&provider, &store, &signer, hash, mode).await?;
        if c.json {
            return print_json(&json!({
                "safe": safe,
                "safeMessageHash": hash,
                "owner": me,
                "signerKind": kind,
                "path": path,
                "signatureKind": signature_kind_name(&sig.kind),
                "signature": sig.to_bytes(),
                "transfer": transfer,
            }));
        }
        println!("{}", sig.to_bytes());
        eprintln!("{me} ({kind}) signed the drill challenge {hash}");
        Ok(())
    }

    /// The drill's transfer, if it has a pending one this owner has not signed: signed through
    /// the library flow (the signing gate's checks and preview), as `tx sign` does.
    async fn sign_transfer(
        &self,
        provider: &alloy::providers::DynProvider,
        store: &coffer_store::Store,
        signer: &WalletSigner,
        challenge: alloy::primitives::B256,
        mode: SigningMode,
    ) -> eyre::Result<Option<serde_json::Value>> {
        let c = &self.common;
        let chain_id = c.rpc.chain_id(provider).await?;
        let safe = parse::address("SAFE", &c.safe)?;
        let Some(p) = transfer_of(store, chain_id, safe, challenge)? else { return Ok(None) };
        let me = signer.address();
        if p.status != coffer_store::ProposalStatus::Pending
            || store.signatures(p.hash)?.iter().any(|s| s.owner == me)
        {
            return Ok(Some(json!({ "safeTxHash": p.hash, "signed": false })));
        }
        eprintln!("Drill transfer (a Safe transaction; {} wei to {}):", p.tx.value, p.tx.to);
        let check =
            flow::check_signable(provider, store, p.hash, me, chain_id, Policy::default()).await?;
        eprint!("{}", review_text(&check.review, &check.proposal.tx, 10));
        let sig = flow::sign_reviewed(
            store,
            &check.review,
            &check.proposal.tx,
            signer,
            mode,
            &mut StderrReview,
        )
        .await?;
        let count = store.signatures(p.hash)?.len();
        if !c.json {
            eprintln!(
                "{me} signed the drill transfer {}: {count} of {} required signature(s)",
                p.hash, check.info.threshold
            );
        }
        Ok(Some(json!({
            "safeTxHash": p.hash,
            "signed": true,
            "signature": sig.to_bytes(),
            "signatures": count,
            "threshold": check.info.threshold,
        })))
    }
}

/// Reads and checks a drill file; exit 2 when it cannot be read or does not check.
fn read_drill_file(path: &Path) -> eyre::Result<DrillFile> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad_input(format!("drill file {}: cannot read it ({e})", path.display())))?;
    Ok(DrillFile::from_json(&text)?)
}

impl SignArgs {
    /// `drill sign --offline`: the challenge comes from the file, is recomputed and shown, and
    /// is signed; nothing touches the chain or the store.
    async fn offline(self) -> eyre::Result<()> {
        let c = &self.common;
        let safe = parse::address("SAFE", &c.safe)?;
        let Some(input) = self.bundle.clone() else {
            return Err(bad_input("--offline signs a drill file: pass --bundle FILE"));
        };
        let mut file = read_drill_file(&input)?;
        if file.ctx.safe != safe {
            return Err(bad_input(format!(
                "the drill file is for Safe {}, not {safe}",
                file.ctx.safe
            )));
        }
        let ctx = file.ctx;
        let content = file.content();
        let signer = self.wallet.signer().await?;
        let me = signer.address();
        eprintln!("Drill challenge (a Safe message; signing it moves nothing):");
        eprint!("{}", message_fields(&ctx, &content)?.render());
        eprintln!(
            "offline: not checked against the chain: whether {me} is an owner of {safe} and whether this is the Safe's latest drill (`drill import` checks both)"
        );
        let mode = if self.eth_sign { SigningMode::EthSign } else { SigningMode::Eip712 };
        let sig = sign_safe_message(&signer, &ctx, &content, mode, &mut StderrPreview).await?;
        let kind = signer.kind().to_string();
        file.owner = Some(me);
        file.signature = Some(sig.to_bytes());
        file.signer_kind = Some(kind.clone());
        file.path = signer.derivation_path();
        file.signed()?;
        let out = self.out.clone().unwrap_or(input);
        write_atomic(&out, file.to_json()?.as_bytes())?;
        if c.json {
            return print_json(&json!({
                "safe": safe,
                "safeMessageHash": file.safe_message_hash,
                "owner": me,
                "signerKind": kind,
                "path": file.path,
                "signature": sig.to_bytes(),
                "file": out,
                "offline": true,
            }));
        }
        println!("{}", sig.to_bytes());
        eprintln!(
            "{me} ({kind}) signed the drill challenge {} into {}; carry it back and run `coffer drill import {}`",
            file.safe_message_hash,
            out.display(),
            out.display()
        );
        Ok(())
    }
}

impl ImportArgs {
    async fn run(self) -> eyre::Result<()> {
        let file = read_drill_file(&self.file)?;
        let sig = file.signed()?;
        let safe = file.ctx.safe;
        let store = self.store.open()?;
        let provider = self.rpc.provider()?;
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        if ctx != file.ctx {
            return Err(bad_input(format!(
                "the drill file is for Safe {} on chain {} (version {}), but the node says chain {} (version {})",
                safe, file.ctx.chain_id, file.ctx.version, ctx.chain_id, ctx.version
            )));
        }
        let hash = store.latest_drill(ctx.chain_id, safe)?.ok_or_else(|| {
            bad_input(format!(
                "no drill of {safe} on chain {} in this store: start one with `coffer drill start {safe}`",
                ctx.chain_id
            ))
        })?;
        // Recomputed from the store, not taken from the file.
        let stored = store.message(hash)?;
        let expected = stored.content.safe_message_hash(&ctx)?;
        if expected != file.safe_message_hash || stored.content != file.content() {
            return Err(bad_input(format!(
                "the drill file answers challenge {}, not the Safe's latest drill {expected}; sign the current one",
                file.safe_message_hash
            )));
        }
        sig.verify(expected)?;
        if !info.is_owner(sig.owner) {
            return Err(bad_input(format!(
                "{} is not an owner of Safe {safe}; only owners take part in its drill",
                sig.owner
            )));
        }
        if !store.message_signatures(hash)?.iter().any(|s| s.owner == sig.owner) {
            store.add_message_signature(hash, &sig)?;
        }
        let kind = format!("{} (offline)", file.signer_kind.as_deref().unwrap_or("unknown"));
        store.record_drill_signature(hash, sig.owner, &kind, file.path.as_deref())?;
        if self.json {
            return print_json(&json!({
                "safe": safe,
                "safeMessageHash": hash,
                "owner": sig.owner,
                "signerKind": kind,
                "path": file.path,
                "signatureKind": signature_kind_name(&sig.kind),
            }));
        }
        eprintln!("{} ({kind}) recorded for the drill challenge {hash}", sig.owner);
        Ok(())
    }
}

impl TransferArgs {
    async fn run(self) -> eyre::Result<()> {
        let c = &self.common;
        let safe = parse::address("SAFE", &c.safe)?;
        let store = c.store.open()?;
        let read = c.rpc.provider()?;
        let chain_id = c.rpc.chain_id(&read).await?;
        let challenge = store.latest_drill(chain_id, safe)?.ok_or_else(|| {
            bad_input(format!(
                "no drill of {safe} on chain {chain_id}: start one with `coffer drill start {safe} --with-transfer AMOUNT`"
            ))
        })?;
        let p = transfer_of(&store, chain_id, safe, challenge)?.ok_or_else(|| {
            bad_input(format!(
                "the latest drill of {safe} has no transfer: start one with `coffer drill start {safe} --with-transfer AMOUNT`"
            ))
        })?;
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let owner = key.address();
        // Signed executions are recorded in the store before they are broadcast (found again on a rerun).
        let dir = store.path().parent().map(ToOwned::to_owned).unwrap_or_default();
        let journal = StoreJournal::new(dir, chain_id);
        let provider =
            c.rpc.journaled_provider(key, Some(crate::crash::journal(journal.clone())))?;
        let accessor = self
            .suite
            .for_safe(&provider, safe)
            .await?
            .address(coffer_chain::Library::SimulateTxAccessor);
        let mut options = ExecuteOptions::new(accessor);
        options.journal = Some(JournalHandle(journal));
        let trip = with_spinner(
            "executing the Safe's transfer, sending it back, checking both legs",
            round_trip(&provider, &store, p.hash, &options, owner),
        )
        .await?;
        if c.json {
            return print_json(&json!({
                "safe": safe,
                "safeMessageHash": challenge,
                "safeTxHash": trip.safe_tx_hash,
                "owner": trip.owner,
                "amount": trip.amount.to_string(),
                "outTxHash": trip.out_tx_hash,
                "backTxHash": trip.back_tx_hash,
                "safeBalance": trip.safe_balance.to_string(),
                "ownerGasPaid": trip.owner_gas_paid.to_string(),
                "verified": true,
            }));
        }
        println!("{}", trip.back_tx_hash);
        eprintln!(
            "drill transfer checked: {} wei from {safe} to {owner} (executed in {}) and back (in {}); the Safe holds {} wei \
             as before, {owner} paid {} wei of gas",
            trip.amount,
            trip.out_tx_hash,
            trip.back_tx_hash,
            trip.safe_balance,
            trip.owner_gas_paid
        );
        Ok(())
    }
}

impl StatusArgs {
    async fn run(self) -> eyre::Result<()> {
        let c = &self.common;
        let safe = parse::address("SAFE", &c.safe)?;
        let max_age = parse_age(&self.max_age)?;
        let store = c.store.open()?;
        let provider = c.rpc.provider()?;
        let info = read_safe(&provider, safe).await?;
        let history = store.drill_history(info.chain_id, safe)?;
        let transfers = store.drill_transfers(info.chain_id, safe)?;
        let now = now_ms();
        let mut rows = Vec::new();
        let mut stale = Vec::new();
        for owner in &info.owners {
            let last = history.iter().find(|r| r.owner == *owner);
            let fresh = last.is_some_and(|r| now.saturating_sub(r.signed_at_ms) <= max_age);
            if !fresh {
                stale.push(*owner);
            }
            rows.push((owner, last, fresh));
        }
        if c.json {
            print_json(&json!({
                "safe": safe,
                "maxAgeMs": max_age,
                "owners": rows.iter().map(|(o, last, fresh)| json!({
                    "owner": o,
                    "lastDrill": last.map(|r| utc_date(r.signed_at_ms / 1000)),
                    "lastDrillMs": last.map(|r| r.signed_at_ms),
                    "signerKind": last.map(|r| r.signer_kind.clone()),
                    "path": last.and_then(|r| r.path.clone()),
                    "drills": history.iter().filter(|r| r.owner == **o).count(),
                    "stale": !fresh,
                })).collect::<Vec<_>>(),
                "stale": stale,
                "transfers": transfers.iter().map(|t| json!({
                    "date": utc_date(t.verified_at_ms / 1000),
                    "safeMessageHash": t.message_hash,
                    "safeTxHash": t.safe_tx_hash,
                    "owner": t.owner,
                    "amount": t.amount.to_string(),
                    "outTxHash": t.out_tx_hash,
                    "backTxHash": t.back_tx_hash,
                    "ownerGasPaid": t.owner_gas_paid.to_string(),
                })).collect::<Vec<_>>(),
            }))?;
        } else {
            let mut t = Table::new(&["owner", "last drill", "signer", "path", "status"]);
            for (o, last, fresh) in &rows {
                t.row(vec![
                    o.to_string(),
                    last.map_or_else(|| "never".to_owned(), |r| utc_date(r.signed_at_ms / 1000)),
                    last.map_or_else(String::new, |r| r.signer_kind.clone()),
                    last.and_then(|r| r.path.clone()).unwrap_or_default(),
                    if *fresh { "ok".to_owned() } else { "STALE".to_owned() },
                ]);
            }
            t.print();
            if let Some(t) = transfers.first() {
                eprintln!(
                    "last drill transfer: {} wei to {} and back on {} (out {}, back {})",
                    t.amount,
                    t.owner,
                    utc_date(t.verified_at_ms / 1000),
                    t.out_tx_hash,
                    t.back_tx_hash
                );
            }
        }
        if stale.is_empty() {
            Ok(())
        } else {
            Err(eyre::eyre!(
                "{} owner(s) not drilled within {}: {}",
                stale.len(),
                self.max_age,
                stale.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ))
        }
    }
}
